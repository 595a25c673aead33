"""Numbers and user text turned into words: money, thresholds, short numbers; and
user text (file names, column names, labels) shown as text, never as markup."""

from __future__ import annotations

import html
import math
import re


def money(value: float, currency: str = "$") -> str:
    """``-$1,234`` style, with at most two decimals when the amount is small."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    digits = 0 if v >= 100 else 2
    return f"{sign}{currency}{v:,.{digits}f}"


def format_threshold(t: float, digits: int = 4) -> str:
    """A threshold for people: ``digits`` significant digits (four by default; the
    Threshold page passes as many as its scores need to stay apart); ``+inf``
    means flag no one."""
    if math.isinf(t) and t > 0:
        return "+inf (flag no one)"
    return f"{t:.{digits}g}"


def short_number(v: float) -> str:
    """Short numbers for sentences: 0.693, 30, 1.6e3, 4e5."""
    if abs(v) < 1000:
        return f"{v:.3g}"
    return f"{v:.2g}".replace("e+0", "e").replace("e+", "e")


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
# control characters, and the bidirectional overrides that reorder text on screen
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def short(value: object, limit: int = 60) -> str:
    """``value`` as one line of at most ``limit`` characters (an ellipsis if cut)."""
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# GitHub-flavoured Markdown links bare URLs and e-mail addresses in the text that
# remains after escapes are applied ("http\\:\\/\\/host" still becomes a link), so an
# invisible word joiner (U+2060) breaks each pattern where it is recognised.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?<=https:/)(?=/)|(?<=http:/)(?=/)|(?<=www)(?=\.)|(?=@)")


def plain(value: object, limit: int = 200) -> str:
    """``value`` ready to sit inside Markdown as literal text: shortened, on one
    line, every ASCII punctuation character backslash-escaped (CommonMark's escape),
    so no emphasis, link, image, HTML, LaTeX ``$`` or code can start in it; bare
    URLs and e-mail addresses get an invisible word joiner, so none becomes a
    link."""
    text = _AUTOLINK.sub(WORD_JOINER, short(value, limit))
    return _PUNCTUATION.sub(r"\\\1", text)


def for_chart(value: object, limit: int = 60) -> str:
    """``value`` for a Plotly title, label or hover text: shortened, on one line,
    with ``<``, ``>`` and ``&`` escaped so Plotly draws no tag or link from it."""
    return html.escape(short(value, limit), quote=False)
