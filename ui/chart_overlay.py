"""Lines over a Plotly chart that move without redrawing it.

A slider that moves a marker on a Plotly chart makes the browser redraw the whole
figure on every move (the decision chart: about 80 ms of a 160 ms repaint). This
small ``st.components.v2`` component (``chart_overlay.js``) instead draws each line
as a positioned ``<div>`` inside the chart's graph div, at the pixel Plotly's own x
axis gives for the value (``_fullLayout.xaxis._offset + l2p(x)``), over the whole
plotting area, and places it again after every Plotly redraw (resize, zoom). The
figure itself stays byte-identical between moves, so Plotly never redraws.

Labels are set with ``textContent`` (never HTML); values are checked finite here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

_CSS = """
.stElementContainer[class*="st-key-ll_overlay_"] { display: none; }
.ll-overlay { position: absolute; left: 0; top: 0; width: 0; height: 0;
  pointer-events: none; }
.ll-overlay-line { position: absolute; width: 0; border-left: 2px solid;
  pointer-events: none; }
.ll-overlay-line > span { position: absolute; bottom: 100%; left: 0;
  transform: translateX(-50%); font: 14px "Source Sans Pro", sans-serif;
  white-space: nowrap; }
"""

_component = st.components.v2.component(
    "loss_lab_chart_overlay",
    js=Path(__file__).with_name("chart_overlay.js").read_text(encoding="utf-8"),
    css=_CSS,
    isolate_styles=False,  # the lines go into the chart's DOM, where tests find them
)


@dataclass(frozen=True)
class Line:
    """A vertical line at data ``x`` over the whole plotting area."""

    x: float
    name: str  # for tests and scripts: data-name on the line's element
    label: str  # shown above the line as plain text
    color: str


def key_class(key: str) -> str:
    """The class Streamlit gives an element drawn with ``key`` (st-key-<key>, with
    every character outside [a-zA-Z0-9_-] made a dash)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def chart_overlay(chart_key: str, lines: list[Line], *, xaxis: str = "xaxis") -> None:
    """Draw ``lines`` over the Plotly chart drawn with ``key=chart_key`` (in the
    same run). Lines with a non-finite x are left out."""
    key = "ll_overlay_" + key_class(chart_key).removeprefix("st-key-")
    _component(key=key, height="content", data={
        "host": key_class(chart_key), "xaxis": xaxis,
        "lines": [{"x": float(ln.x), "name": ln.name, "label": ln.label,
                   "color": ln.color} for ln in lines if math.isfinite(ln.x)]})
