"""Page state: one typed model per page, kept in the session and mirrored in the URL.

A *model* is a frozen dataclass (see ``ui/models.py``) whose fields are declared with
:func:`choice`, :func:`number`, :func:`flag`, :func:`text`, :func:`span` or
:func:`records`: each field knows its default, what values are valid, and its name
in the address bar.

- **Session.** The model lives in ``st.session_state`` under its ``KEY``, the one
  source of truth. Widgets are drawn with ``**bind(Model, "field")``: the widget's key
  is seeded from the model before it is drawn (so a value survives page switches,
  although Streamlit forgets the state of widgets it did not draw), and its
  ``on_change`` writes the validated value back into the model.
- **URL.** The first time a session needs a model it is read from
  ``st.query_params``; from then on every change is written back, so the address
  bar always shows what is on screen (the dataset's model plus the page's). A value
  that cannot be used (text for a number, out of range, unknown choice, too long)
  falls back to its default and is named in one notice; nothing in the URL is ever
  rendered as Markdown or HTML.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import streamlit as st

from ui.format import plain

MAX_PARAM_CHARS = 120  # a longer URL value is refused before it is parsed
MAX_NAME_SHOWN = 24  # how much of an unknown parameter's name a notice quotes
_NOTICE = "_state_url_notice"  # parameters ignored when the session started
_NOTICE_ON = "_state_url_notice_on"  # the page the notice is shown on
_PAGE = "_state_page_model"  # the KEY of the model of the page on screen
PAGE_KEY = _PAGE  # for modules that ask which page is on screen (ui/sidebar.py)
_REFUSED = "_state_refused"  # widget key -> why the value typed there was refused
MAX_VALUE_SHOWN = 80  # how much of a refused value a message quotes
_MISSING = object()

M = TypeVar("M", bound="Model")


# ---------------------------------------------------------------------------------
# Field declarations
# ---------------------------------------------------------------------------------


def _meta(default, param: str | None, check: Callable, parse: Callable,
          show: Callable = str, max_chars: int = MAX_PARAM_CHARS):
    return dataclasses.field(default=default, metadata={
        "param": param, "check": check, "parse": parse, "show": show,
        "max_chars": max_chars})


def _fmt_number(value) -> str:
    """Shortest text that reads back as the same number (``100``, ``0.29051234``)."""
    if isinstance(value, float):
        shown = repr(value)
        return shown[:-2] if shown.endswith(".0") else shown
    return str(value)


def choice(default, options, param: str | None = None):
    """One of ``options`` (strings or numbers); the URL holds its text."""
    options = tuple(options)
    by_text = {_fmt_number(o): o for o in options}

    def check(value):
        for option in options:
            if value == option and type(value) is not bool:
                return option
        raise ValueError("not one of the choices")

    def parse(text):
        if text in by_text:
            return by_text[text]
        return check(float(text))  # "0.30" for 0.3, "1e-4" for 0.0001

    return _meta(default, param, check, parse, _fmt_number)


def number(default, lo: float, hi: float, *, integer: bool = False,
           param: str | None = None, optional: bool = False):
    """A finite number in [lo, hi] (an int when ``integer``); ``None`` allowed when
    ``optional`` (the URL then leaves it out)."""

    def check(value):
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError("not a number")
        value = float(value)
        if not math.isfinite(value) or not lo <= value <= hi:
            raise ValueError(f"outside {lo:g} to {hi:g}")
        if integer:
            if value != int(value):
                raise ValueError("not a whole number")
            return int(value)
        return value

    return _meta(default, param, check, lambda text: check(float(text)), _fmt_number)


def flag(default: bool, param: str | None = None):
    """True or False; the URL holds 1 or 0."""

    def check(value):
        if not isinstance(value, bool):
            raise ValueError("not true or false")
        return value

    words = {"1": True, "0": False, "true": True, "false": False}
    return _meta(default, param, check, lambda text: words[text.lower()],
                 lambda v: "1" if v else "0")


def text(default: str, max_chars: int, param: str | None = None):
    """A short string (a currency sign, a file or column name)."""

    def check(value):
        if not isinstance(value, str) or len(value) > max_chars:
            raise ValueError(f"not text of at most {max_chars} characters")
        if any(ord(ch) < 32 for ch in value):
            raise ValueError("holds control characters")
        return value

    return _meta(default, param, check, check)


def span(default: tuple[float, float] | None, lo: float, hi: float,
         param: str | None = None, optional: bool = False):
    """A (from, to) pair with lo <= from <= to <= hi (a page may refuse equal ends
    with its own words); the URL holds ``from,to``.
    ``None`` allowed when ``optional``."""

    def check(value):
        if value is None and optional:
            return None
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise ValueError("not a pair of numbers")
        a, b = (float(v) for v in value)
        if not (math.isfinite(a) and math.isfinite(b) and lo <= a <= b <= hi):
            raise ValueError(f"not two increasing numbers within {lo:g} to {hi:g}")
        return (a, b)

    return _meta(default, param, check,
                 lambda t: check(tuple(float(v) for v in t.split(","))),
                 lambda v: f"{v[0]:g},{v[1]:g}")


_ROW_ESCAPES = (("%", "%25"), (";", "%3B"), (",", "%2C"))


def _escape_name(name: str) -> str:
    for raw, escaped in _ROW_ESCAPES:
        name = name.replace(raw, escaped)
    return name


def _unescape_name(name: str) -> str:
    if re.search(r"%(?!25|3B|2C)", name):
        raise ValueError("a stray % in a name")
    for raw, escaped in reversed(_ROW_ESCAPES):
        name = name.replace(escaped, raw)
    return name


def records(*, columns: int, max_rows: int, max_name: int, lo: float, hi: float,
            param: str | None = None):
    """A short list of named rows, ``((name, v1, ..., v_columns), ...)``: at most
    ``max_rows``; each name non-empty text of at most ``max_name`` characters
    (spaces collapsed, no control characters) and unique; each value a finite
    number in [lo, hi]. The URL holds ``name,v1,...;name,v1,...`` with ``%``,
    ``,`` and ``;`` in names escaped (``%25``, ``%2C``, ``%3B``)."""

    name_ok = text("", max_name).metadata["check"]
    value_ok = number(0.0, lo, hi).metadata["check"]

    def check(value):
        if not isinstance(value, tuple | list) or len(value) > max_rows:
            raise ValueError(f"not a list of at most {max_rows} rows")
        out, seen = [], set()
        for row in value:
            if not isinstance(row, tuple | list) or len(row) != columns + 1:
                raise ValueError(f"a row is not a name and {columns} numbers")
            name = " ".join(name_ok(row[0]).split())
            if not name:
                raise ValueError("a row has no name")
            if name in seen:
                raise ValueError("two rows have the same name")
            seen.add(name)
            out.append((name, *(value_ok(v) for v in row[1:])))
        return tuple(out)

    def parse(raw: str):
        if not raw:
            return ()
        rows = [part.split(",") for part in raw.split(";")]
        return check([(_unescape_name(r[0]), *(float(v) for v in r[1:]))
                      for r in rows])

    def show(value) -> str:
        return ";".join(",".join([_escape_name(row[0]),
                                  *(_fmt_number(v) for v in row[1:])])
                        for row in value)

    longest = max_rows * (3 * max_name + columns * 26)  # escapes and 17-digit floats
    return _meta((), param, check, parse, show, max_chars=longest)


# ---------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------

REGISTRY: dict[str, type[Model]] = {}  # KEY -> model class


class Model:
    """Base of the typed page models. Subclasses are frozen dataclasses with a
    ``KEY`` (session key and URL prefix); every field comes from the helpers above.
    Construction validates every field (``ValueError`` names the first bad one)."""

    KEY: ClassVar[str] = ""
    EVERY_PAGE: ClassVar[bool] = False  # in the URL on every page (the dataset)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.KEY:
            REGISTRY[cls.KEY] = cls

    def __post_init__(self):
        for f in dataclasses.fields(self):
            try:
                value = f.metadata["check"](getattr(self, f.name))
            except (TypeError, ValueError, KeyError) as exc:
                raise ValueError(f"{self.param(f.name)}: {exc}") from None
            object.__setattr__(self, f.name, value)

    @classmethod
    def param(cls, name: str) -> str:
        """The URL name of field ``name``: ``KEY.param`` (``param`` defaults to it)."""
        f = {f.name: f for f in dataclasses.fields(cls)}[name]
        return f"{cls.KEY}.{f.metadata['param'] or name}"

    @classmethod
    def from_params(cls: type[M], params: Mapping[str, Any]) -> tuple[M, list[str]]:
        """The model a URL describes, and the names of the parameters ignored."""
        values, ignored = {}, []
        for f in dataclasses.fields(cls):
            name = cls.param(f.name)
            if name not in params:
                continue
            raw = params[name]
            raw = raw[-1] if isinstance(raw, list | tuple) else raw
            try:
                if (not isinstance(raw, str)
                        or len(raw) > f.metadata["max_chars"]):
                    raise ValueError("too long")
                values[f.name] = f.metadata["parse"](raw)
            except (TypeError, ValueError, KeyError, OverflowError):
                ignored.append(name)
        model = cls(**values)
        return model, ignored

    def to_params(self) -> dict[str, str]:
        """The fields that differ from their defaults, as URL text."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value != f.default and value is not None:
                out[self.param(f.name)] = f.metadata["show"](value)
        return out

    def replace(self: M, **changes) -> M:
        """A validated copy with ``changes`` (``ValueError`` if one is invalid)."""
        return dataclasses.replace(self, **changes)


def unknown_params(params: Mapping[str, Any]) -> list[str]:
    """URL parameters that belong to no model's fields."""
    known = {cls.param(f.name) for cls in REGISTRY.values()
             for f in dataclasses.fields(cls)}
    return [name for name in params if name not in known]


# ---------------------------------------------------------------------------------
# Session and URL
# ---------------------------------------------------------------------------------


def current(cls: type[M]) -> M:
    """This session's model ``cls``; the first time, as the URL describes it."""
    s = st.session_state
    model = s.get(cls.KEY)
    if type(model) is not cls:  # first use (or a stale class after a code reload)
        model, ignored = cls.from_params(st.query_params.to_dict())
        s[cls.KEY] = model
        _note(ignored)
    return model


def save(model: Model) -> None:
    """Make ``model`` the session's, and show it in the URL if it is on screen."""
    st.session_state[model.KEY] = model
    publish()


def update(cls: type[M], **changes) -> M:
    """Change some fields of the session's ``cls``; invalid values raise."""
    model = current(cls).replace(**changes)
    save(model)
    return model


def on_page(cls: type[M] | None) -> M | None:
    """Call first on each page: ``cls`` (or None) is the page's model, whose fields
    join the dataset's in the address bar. Shows the notice about link parameters
    that could not be used, if any. Returns the session's model."""
    page = st.session_state[_PAGE] = cls.KEY if cls is not None else None
    model = current(cls) if cls is not None else None
    publish()
    notice = url_notice(page)
    if notice:
        st.warning(notice, icon=":material/link_off:")
    if cls is not None:
        show_refusals(cls)
    return model


def publish() -> None:
    """Write the on-screen models into ``st.query_params`` when they differ."""
    s = st.session_state
    wanted: dict[str, str] = {}
    keys = [key for key, cls in REGISTRY.items() if cls.EVERY_PAGE]
    for key in [*keys, s.get(_PAGE)]:
        model = s.get(key) if key else None
        if isinstance(model, Model):
            wanted |= model.to_params()
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def widget_key(cls: type[Model], name: str) -> str:
    """The key of the widget bound to field ``name`` (``bind``)."""
    return f"{cls.KEY}.{name}"


def bind(cls: type[Model], name: str, *, on_change: Callable | None = None,
         fallback: Any = None) -> dict:
    """Widget arguments (``key``, ``on_change``, ``args``) for field ``name`` of the
    session's ``cls``. Seeds the widget from the model first (with ``fallback`` where
    the model holds None, "the default for these data"); on a change the widget's
    value goes into the model (an invalid one is refused and the model's value put
    back), then ``on_change`` (if given) runs."""
    key = widget_key(cls, name)
    value = getattr(current(cls), name)
    seed(key, fallback if value is None else value)
    return {"key": key, "on_change": _from_widget, "args": (cls, name, on_change)}


def seed(key: str, value) -> None:
    """Give widget ``key`` the value ``value`` before it is drawn, if it differs
    (Streamlit forgets the state of widgets it did not draw, e.g. on another page;
    writing only differences leaves a widget the user is moving alone)."""
    if st.session_state.get(key, _MISSING) != value:
        st.session_state[key] = value


def _from_widget(cls: type[Model], name: str, then: Callable | None) -> None:
    key = widget_key(cls, name)
    value = st.session_state[key]
    if isinstance(value, list):
        value = tuple(value)
    try:
        update(cls, **{name: value})
    except ValueError as exc:
        kept = getattr(current(cls), name)
        st.session_state[key] = kept
        st.session_state.setdefault(_REFUSED, {})[key] = _refusal(name, value, kept,
                                                                  exc)
        return
    if then is not None:
        then()


def _refusal(name: str, value, kept, exc: Exception) -> str:
    """Words (Markdown-safe) for a widget value the model refused: what was typed
    (at most ``MAX_VALUE_SHOWN`` characters), why, and the value kept."""
    why = str(exc).split(": ", 1)[-1]
    shown = _fmt_number(value) if isinstance(value, numbers.Real) else value
    return (f"{plain(name.replace('_', ' ').capitalize())}: "
            f"“{plain(shown, MAX_VALUE_SHOWN)}” is {plain(why)}, so it stays "
            f"{plain(_fmt_number(kept))}.")


def refusals(cls: type[Model]) -> list[str]:
    """The messages about values refused by ``cls``'s widgets since the last run
    (each shown once: reading them clears them)."""
    pending = st.session_state.get(_REFUSED)
    if not pending:
        return []
    prefix = f"{cls.KEY}."
    mine = [key for key in pending if key.startswith(prefix)]
    return [pending.pop(key) for key in mine]


def show_refusals(cls: type[Model]) -> None:
    """Say why a value typed into one of ``cls``'s widgets was not used."""
    for words in refusals(cls):
        st.warning(words, icon=":material/block:")


def _safe_name(name: str) -> str:
    """A parameter name as inert text: at most ``MAX_NAME_SHOWN`` characters, and
    anything but letters, digits, dots and hyphens shown as "?" (so no Markdown,
    LaTeX, HTML, link or icon syntax can survive)."""
    short = name[:MAX_NAME_SHOWN]
    return re.sub(r"[^A-Za-z0-9.\-]", "?", short) + ("…" if len(name) > len(short)
                                                       else "")


def ignore(cls: type[M], *names: str) -> M:
    """Put fields back to their defaults because the page cannot use their values
    (e.g. a link made for other data), and say so once, naming them."""
    defaults = {f.name: f.default for f in dataclasses.fields(cls) if f.name in names}
    model = update(cls, **defaults)
    st.warning(f"Some settings in this link do not fit these data, so their "
               f"defaults are shown: {', '.join(cls.param(n) for n in names)}.",
               icon=":material/link_off:")
    return model


def _note(ignored: list[str]) -> None:
    if ignored:
        notes = st.session_state.setdefault(_NOTICE, [])
        notes.extend(n for n in ignored if n not in notes)


def check_url() -> None:
    """At the start of a session: note the link's parameters that no model knows or
    that hold a value their model refuses (also those of pages not on screen, whose
    parameters leave the address bar unread)."""
    if "_state_url_checked" not in st.session_state:
        st.session_state["_state_url_checked"] = True
        params = st.query_params.to_dict()
        _note(unknown_params(params))
        for cls in REGISTRY.values():
            _note(cls.from_params(params)[1])


def url_notice(page: str | None) -> str | None:
    """The notice about the link's ignored parameters (Markdown-safe words), shown
    on ``page`` (the page the link opened) until the visitor goes to another page."""
    s = st.session_state
    ignored = s.get(_NOTICE)
    if not ignored:
        return None
    if s.setdefault(_NOTICE_ON, page) != page:
        del s[_NOTICE], s[_NOTICE_ON]
        return None
    names = [_safe_name(n) for n in ignored[:8]]
    more = f" and {len(ignored) - 8} more" if len(ignored) > 8 else ""
    return ("Some settings in this link could not be used, so their defaults are "
            f"shown: {', '.join(names)}{more}.")
