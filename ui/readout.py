"""What a slider shows, redrawn in the browser as the slider moves.

A Streamlit slider tells the server its value only when it settles (a key press,
the end of a drag), and what it changes shows after a script run. Where every
position of a slider is known in advance (a few hundred rows that core computes
once), this small ``st.components.v2`` component (``static/readout.js``) follows
the slider's thumb in the page and shows the row at its position at once, during
a drag too: lines of text, metrics, a warning, and marks over charts (drawn by
``static/chart_overlay.js``). The slider stays an ordinary widget (its state, its
link, its keyboard); the server's run after a move changes nothing on screen.

Everything is text: the component sets ``textContent`` only (no Markdown, no
HTML), so the words may carry numbers and names safely.

Usage::

    readout("lf_point", slider="lf.z", value=-4.0,
            rows=table(zs, {"z": z_text, "p": p_text, "wrong": is_wrong, "zv": zs}),
            blocks=[line("z = ", Col("z", bold=True)),
                    warning("Confidently wrong ...", when="wrong")],
            overlays={"lf_gradient": marks(points=[Point(Col("zv"), ...)])})
"""

from __future__ import annotations

import base64
import itertools
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

from ui.static_js import address, loader

MAX_ROWS = 2_000  # a readout is for a slider's positions, not for data


@dataclass(frozen=True)
class Col:
    """The value of column ``name`` in the row at the slider's position: a part of
    a text (``bold`` for emphasis) or a coordinate of a mark."""

    name: str
    bold: bool = False


_CSS = """
.ll-slider-readout { display: flex; flex-direction: column; gap: 1rem; }
.ll-slider-readout p { margin: 0; font-size: 1rem; line-height: 1.6; }
.ll-slider-readout h3.ll-heading { font-size: 1.75rem; font-weight: 600;
  line-height: 1.2; margin: 0; padding: 0.75rem 0 0.25rem; }
.ll-slider-readout .ll-caption { font-size: 0.875rem;
  color: rgba(49, 51, 63, 0.6); }
.ll-slider-readout .ll-metrics { display: grid; gap: 1rem;
  grid-template-columns: repeat(var(--ll-columns, 2), minmax(0, 1fr)); }
.ll-slider-readout .ll-metric-label { font-size: 0.875rem; line-height: 1.4; }
.ll-slider-readout .ll-metric-value { font-size: clamp(1.3rem, 2.6vw, 2.25rem);
  line-height: 1.3; white-space: nowrap; }
.ll-slider-readout .ll-warning { background: rgba(255, 189, 69, 0.2); color: #926c05;
  border-radius: 0.5rem; padding: 1rem; display: flex; gap: 0.75rem; }
.ll-slider-readout .ll-warning svg { flex: none; width: 1.25rem; height: 1.25rem;
  margin-top: 0.1rem; fill: currentColor; }
"""

_component = st.components.v2.component(
    "loss_lab_readout",
    js=loader("readout.js"),
    css=_CSS,
    isolate_styles=False,  # in the page's DOM, with its fonts; it draws on charts
)
# The overlays' module at the address its own component imports it from (read once,
# as that component's is): one module instance, whose marks both draw.
_OVERLAY_MODULE = address("chart_overlay.js")


@dataclass(frozen=True, eq=False)
class Packed:
    """A column whose cells are rows of numbers (a path per slider position), sent
    as 16-bit steps of [lo, hi] (a 65,535th of the axis a path is drawn on: well
    below a pixel); a value that is not finite is a gap. Values outside [lo, hi]
    are drawn at its edge."""

    matrix: np.ndarray
    lo: float
    hi: float

    def encode(self) -> dict:
        m = np.asarray(self.matrix, dtype=float)
        if m.ndim != 2 or not (math.isfinite(self.lo) and math.isfinite(self.hi)
                               and self.lo < self.hi):
            raise ValueError("a packed column is a matrix with lo < hi")
        steps = np.round((np.clip(m, self.lo, self.hi) - self.lo)
                         / (self.hi - self.lo) * (GAP - 1))
        steps = np.where(np.isfinite(m), steps, GAP).astype("<u2")
        return {"packed": base64.b64encode(steps.tobytes()).decode("ascii"),
                "width": m.shape[1], "lo": float(self.lo), "hi": float(self.hi)}


@dataclass(frozen=True, eq=False)
class Flags:
    """A column whose cells are rows of true/false (where a path is drawn), sent
    as bits."""

    matrix: np.ndarray

    def encode(self) -> dict:
        m = np.asarray(self.matrix, dtype=bool)
        if m.ndim != 2:
            raise ValueError("a flags column is a matrix")
        return {"bits": base64.b64encode(np.packbits(m, axis=None).tobytes())
                .decode("ascii"), "width": m.shape[1]}


GAP = 65_535  # a packed value that is not a number


@dataclass(frozen=True)
class Strong:
    """Text in bold (the same in every row)."""

    text: str


def _part(part) -> dict | str:
    if isinstance(part, Col):
        return {"col": part.name, "bold": part.bold}
    if isinstance(part, Strong):
        return {"text": part.text, "bold": True}
    if isinstance(part, str):
        return part
    raise TypeError(f"a text part is a str, a Col or a Strong, not "
                    f"{type(part).__name__}")


def _text(kind: str, parts, when: str | None, unless: str | None) -> dict:
    return {"kind": kind, "parts": [_part(p) for p in parts], "when": when,
            "unless": unless}


def line(*parts, when: str | None = None, unless: str | None = None) -> dict:
    """A line of text; shown only in rows where column ``when`` is true, or
    ``unless`` is false (when given)."""
    return _text("text", parts, when, unless)


def heading(*parts, when: str | None = None, unless: str | None = None) -> dict:
    """A heading, like ``st.subheader``."""
    return _text("heading", parts, when, unless)


def caption(*parts, when: str | None = None, unless: str | None = None) -> dict:
    """A line of small grey text, like ``st.caption``."""
    return _text("caption", parts, when, unless)


def warning(*parts, when: str | None = None, unless: str | None = None) -> dict:
    """A warning box with its icon, like ``st.warning``."""
    return _text("warning", parts, when, unless)


def metrics(*items: tuple[str, Col], columns: int = 2) -> dict:
    """Labelled values in a grid of ``columns``, like ``st.metric`` in columns."""
    return {"kind": "metrics", "columns": int(columns),
            "items": [{"label": label, "value": _part(value)}
                      for label, value in items]}


def _cell(value):
    """A column's value as JSON: text, flags and whole numbers as they are, other
    numbers to 7 significant digits (marks need pixels, not digits), non-finite
    ones null."""
    if isinstance(value, str | bool | np.bool_) or value is None:
        return value if not isinstance(value, np.bool_) else bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    number = float(value)
    return float(f"{number:.7g}") if math.isfinite(number) else None


def slider_class(key: str) -> str:
    """The class Streamlit gives the element of widget ``key`` (every character
    outside [a-zA-Z0-9_-] becomes "-")."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def table(values: Sequence[float], columns: Mapping[str, Sequence]) -> dict:
    """The readout's rows as the component reads them: one per slider position,
    every column as long as ``values`` (non-finite numbers become null)."""
    values = [float(v) for v in values]
    if not 0 < len(values) <= MAX_ROWS:
        raise ValueError(f"a readout has 1 to {MAX_ROWS} rows, not {len(values)}")
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError("a readout's slider values must increase")
    out = {}
    for name, column in columns.items():
        if isinstance(column, Packed | Flags):
            rows = len(column.matrix)
            if rows != len(values):
                raise ValueError(f"column {name!r} has {rows} rows, not "
                                 f"{len(values)}")
            out[name] = column.encode()
            continue
        column = list(column)
        if len(column) != len(values):
            raise ValueError(f"column {name!r} has {len(column)} rows, not "
                             f"{len(values)}")
        out[name] = [_cell(v) for v in column]
    return {"values": values, "columns": out}


def readout(key: str, *, slider: str, value: float, rows: dict,
            blocks: Sequence[dict],
            overlays: Mapping[str, list[dict]] | None = None) -> None:
    """Show ``blocks`` for the row of ``rows`` (:func:`table`, built once and
    kept by its caller's cache) nearest the slider keyed ``slider`` (``value``
    until the slider is found in the page), and draw ``overlays`` (chart key ->
    :func:`ui.chart_overlay.marks`, whose coordinates may be :class:`Col`) over
    those charts. Call it outside the slider's fragment so that a move sends
    nothing but the slider."""
    used = {p["col"] for b in blocks for p in (
        [i["value"] for i in b["items"]] if b["kind"] == "metrics" else b["parts"])
        if isinstance(p, dict) and "col" in p} | {
        b[k] for b in blocks for k in ("when", "unless") if b.get(k)}
    missing = used - set(rows["columns"])
    if missing:
        raise ValueError(f"no column named {sorted(missing)}")
    _component(key=key, height="content", data={
        "slider": slider_class(slider), "value": float(value), **rows,
        "blocks": list(blocks), "overlays": dict(overlays or {}),
        "overlay_module": _OVERLAY_MODULE})
