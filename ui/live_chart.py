"""The live training chart: a small Streamlit component that plays epochs back.

Streamlit can redraw a chart only as often as the browser finishes a whole script
run (about 8 a second on a busy two-core machine, whatever the chart). So while a
run is going the Training page sends a batch of freshly computed epochs a few
times a second (:func:`ui.figures_training.make_live_data`), and this component
(``live_chart.js``, an ``st.components.v2`` component on a plain canvas) reveals
them epoch by epoch, one animation frame at a time, over the time until the next
batch is due. Every point it draws is a computed epoch; nothing is interpolated.
"""

from __future__ import annotations

import streamlit as st

from ui.static_js import loader

_CSS = """
.ll-live canvas { display: block; width: 100%; }
.ll-live .ll-legend { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 6px 10px;
  font-size: 14px; color: #000000; }
.ll-live .ll-legend-item { display: inline-flex; align-items: center; gap: 6px; }
"""

_component = st.components.v2.component(
    "loss_lab_live_chart",
    js=loader("live_chart.js"),
    css=_CSS,
    isolate_styles=False,  # the canvas stays in the page's DOM, where tests find it
)


def live_chart(data: dict, *, key: str) -> None:
    """Mount (or feed) the live chart; ``data`` from ``make_live_data``."""
    _component(key=key, data=data, height="content")
