"""Marks that move with a slider, drawn over a chart that stays put.

A chart (``ui/chart.py``) whose only moving part is a point or a line is sent
unchanged on every move (``chart.js`` leaves a figure it has drawn alone) and the
moving part is drawn by this small ``st.components.v2`` component
(``chart_overlay.js``) on an SVG laid over the chart, at the pixels the chart's
own axes give (log axes and subplots included). It follows the chart when the
chart redraws (a new width) and when Streamlit replaces its element.

Usage, with the chart's Streamlit ``key``::

    chart(fig, key="lf_gradient")   # the same figure on every move
    overlay("lf_gradient", points=[Point(z, g, colour)], lines=[Line(x=z)])

Marks outside their subplot's plot area are not drawn (paths are clipped to it).

A legend entry for a mark belongs in the figure (a trace with ``x=[None]``), so
the figure keeps its legend and stays the same on every move.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import streamlit as st

from ui.format import short
from ui.readout import Col
from ui.static_js import loader
from ui.style import BLACK

SYMBOLS = ("circle", "square", "diamond", "x")
DASHES = ("solid", "dash", "dot")
KEY_PREFIX = "ll_overlay_"  # the component's own element is hidden by this prefix

# two lines: Streamlit reads one line with "*" or "[" in it as a file's path
_CSS = f"""/* the overlay component's own (empty) element takes no room */
[class*="st-key-{KEY_PREFIX}"] {{ display: none !important; }}
"""

_component = st.components.v2.component(
    "loss_lab_chart_overlay",
    js=loader("chart_overlay.js"),
    css=_CSS,
    isolate_styles=False,  # it draws on the page's charts
)


@dataclass(frozen=True)
class Point:
    """A marker at data ``(x, y)`` on the subplot of axes ``xaxis``/``yaxis``
    (Plotly's trace names: ``"x"``, ``"x2"``, ``"y3"``)."""

    x: float
    y: float
    color: str
    xaxis: str = "x"
    yaxis: str = "y"
    size: float = 14.0  # diameter in pixels, like a Plotly marker's size
    symbol: str = "circle"
    outline: str = BLACK
    label: str = ""  # short plain text beside the marker


@dataclass(frozen=True)
class Line:
    """A vertical line at ``x`` or a horizontal one at ``y`` (give one), across
    its subplot, or from ``start`` to ``end`` (data values on the other axis)."""

    color: str = BLACK
    x: float | None = None
    y: float | None = None
    xaxis: str = "x"
    yaxis: str = "y"
    width: float = 2.0
    dash: str = "dash"
    start: float | None = None
    end: float | None = None
    label: str = ""  # short plain text at the line's end


@dataclass(frozen=True)
class Path:
    """A polyline through data ``(x[k], y[k])`` on one subplot; a point whose x or
    y is not a finite number (nan, inf) breaks the line there, as in Plotly. In a
    readout, ``x`` or ``y`` may be a :class:`ui.readout.Col` of a packed column,
    and ``where`` a Col of flags: the line is drawn only where they are true."""

    x: object  # a sequence of numbers
    y: object
    color: str
    xaxis: str = "x"
    yaxis: str = "y"
    width: float = 2.0
    dash: str = "solid"
    where: Col | None = None


def _number(value) -> float | dict | None:
    """``value`` as a finite float, or None (a mark that cannot be placed is left
    out rather than drawn somewhere wrong); a :class:`ui.readout.Col` stays a
    reference to its column (a readout fills it in the browser)."""
    if isinstance(value, Col):
        return {"col": value.name}
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _axis(name: str, letter: str) -> str:
    if not (name[:1] == letter and (name[1:] == "" or name[1:].isdigit())):
        raise ValueError(f"{name!r} is not a Plotly {letter} axis name")
    return name


def _path_values(path: Path) -> tuple[list | dict, list | dict]:
    if isinstance(path.x, Col) or isinstance(path.y, Col):
        return tuple({"col": v.name} if isinstance(v, Col)
                     else [_number(e) for e in np.asarray(v, dtype=float).ravel()]
                     for v in (path.x, path.y))
    x = np.asarray(path.x, dtype=float).ravel()
    y = np.asarray(path.y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError("a Path needs as many x values as y values")
    keep = np.isfinite(x) & np.isfinite(y)
    return ([float(v) if k else None for v, k in zip(x, keep, strict=True)],
            [float(v) if k else None for v, k in zip(y, keep, strict=True)])


def marks(points=(), lines=(), paths=()) -> list[dict]:
    """The marks as the component reads them; points or lines with a coordinate
    that is not a finite number are left out, and paths break there."""
    out = []
    for path in paths:
        if path.dash not in DASHES:
            raise ValueError(f"dash must be one of {DASHES}")
        x, y = _path_values(path)
        out.append({"kind": "path", "x": x, "y": y, "xaxis": _axis(path.xaxis, "x"),
                    "yaxis": _axis(path.yaxis, "y"), "color": path.color,
                    "width": float(path.width), "dash": path.dash,
                    **({"where": {"col": path.where.name}} if path.where else {})})
    for p in points:
        x, y = _number(p.x), _number(p.y)
        if p.symbol not in SYMBOLS:
            raise ValueError(f"symbol must be one of {SYMBOLS}")
        if x is None or y is None:
            continue
        out.append({"kind": "point", "x": x, "y": y, "xaxis": _axis(p.xaxis, "x"),
                    "yaxis": _axis(p.yaxis, "y"), "color": p.color,
                    "size": float(p.size), "symbol": p.symbol, "outline": p.outline,
                    "label": short(p.label, 40) if p.label else ""})
    for line in lines:
        if (line.x is None) == (line.y is None):
            raise ValueError("a Line needs exactly one of x (vertical) or y")
        if line.dash not in DASHES:
            raise ValueError(f"dash must be one of {DASHES}")
        at = _number(line.x if line.x is not None else line.y)
        if at is None:
            continue
        out.append({"kind": "vline" if line.x is not None else "hline",
                    "x": at if line.x is not None else None,
                    "y": at if line.y is not None else None,
                    "xaxis": _axis(line.xaxis, "x"), "yaxis": _axis(line.yaxis, "y"),
                    "color": line.color, "width": float(line.width),
                    "dash": line.dash, "start": _number(line.start),
                    "end": _number(line.end),
                    "label": short(line.label, 40) if line.label else ""})
    return out


def overlay(chart_key: str, *, points=(), lines=(), paths=(),
            key: str | None = None) -> None:
    """Draw ``paths`` (:class:`Path`, first: under the rest), ``points``
    (:class:`Point`) and ``lines`` (:class:`Line`) over the
    chart drawn with ``chart(..., key=chart_key)``; call it on
    every run (after or before the chart). ``key`` names the component when one
    chart has two overlays (default: ``chart_key``)."""
    _component(key=f"{KEY_PREFIX}{key or chart_key}",
               data={"target": chart_key, "marks": marks(points, lines, paths)},
               height="content")
