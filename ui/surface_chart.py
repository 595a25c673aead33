"""The two cost surfaces, drawn by a small Streamlit component on 2-D canvases.

Plotly's 3-D surfaces go through WebGL, which a machine without a graphics card
(and a projector laptop on battery) runs in software: seconds per redraw of two
101 x 101 surfaces. ``surface_chart.js`` draws each grid cell as a shaded quad,
far to near, in tens of milliseconds, and turns both surfaces together when either
is dragged. Its data come from :func:`ui.figures_loss.surface_pair_data`.
"""

from __future__ import annotations

import streamlit as st

from ui.static_js import loader

_CSS = """
.ll-surfaces .ll-surface-row { display: flex; gap: 8px; }
.ll-surfaces canvas { display: block; width: 50%; min-width: 0; aspect-ratio: 1.1;
  cursor: grab; touch-action: none; }
.ll-surfaces .ll-legend { display: flex; flex-wrap: wrap; gap: 4px 18px;
  padding: 2px 10px; font-size: 15px; color: #000000; }
.ll-surfaces .ll-legend-item { display: inline-flex; align-items: center; gap: 6px; }
.ll-surfaces .ll-swatch { display: inline-block; width: 12px; height: 12px;
  border: 1px solid #000000; }
.ll-surfaces .ll-diamond { transform: rotate(45deg) scale(0.85); }
.ll-surfaces .ll-readout { min-height: 1.4em; padding: 0 10px; font-size: 14px;
  color: #31333F; }
"""

_component = st.components.v2.component(
    "loss_lab_surface_pair",
    js=loader("surface_chart.js"),
    css=_CSS,
    isolate_styles=False,  # the canvases stay in the page's DOM, where tests find them
)


def surface_chart(data: dict, *, key: str) -> None:
    """Mount (or feed) the surface pair; ``data`` from ``surface_pair_data``."""
    _component(key=key, data=data, height="content")
