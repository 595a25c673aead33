"""Every Loss Lab chart, drawn by the app's own small renderer (``chart.js``).

``st.plotly_chart`` loads Plotly's JavaScript bundle (4.7 MB) into the page; its
evaluation alone costs about as much as a bare Streamlit page's whole load, on
every page load, before the first chart is drawn (``bench/bench_learn_pages.py``).
The figures stay Plotly figures, built and tested in Python as before; ``chart``
sends their JSON to ``chart.js``, which draws the subset the app uses as one SVG in
a few milliseconds (its header lists what it draws).

Usage, with the chart's Streamlit ``key`` (the same key ``ui/chart_overlay.py``
names to draw moving marks on it)::

    chart(fig, key="lf_gradient")
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

_CSS = """
.ll-chart svg text { user-select: none; }
.ll-chart .ll-legend-item:hover { text-decoration: underline; }
"""

_component = st.components.v2.component(
    "loss_lab_chart",
    js=Path(__file__).with_name("chart.js").read_text(encoding="utf-8"),
    css=_CSS,
    isolate_styles=False,  # in the page's DOM, where the overlay and tests find it
)


def chart_spec(fig: go.Figure) -> str:
    """``fig`` as the JSON ``chart.js`` reads: its data and layout, arrays as
    Plotly's typed base64 (``bdata``), and of its template only the colourway."""
    spec = fig.to_plotly_json()
    layout = dict(spec.get("layout", {}))
    template = layout.pop("template", None)
    colorway = None
    if template is not None:
        colorway = go.layout.Template(template).layout.colorway
    return pio.to_json({"data": spec["data"], "layout": layout,
                        "theme": {"colorway": list(colorway) if colorway else None}},
                       validate=False, remove_uids=True)


def chart(fig: go.Figure, *, key: str, alt: str = "") -> None:
    """Draw ``fig`` full width at its layout's height. ``alt`` describes it for a
    screen reader (default: its title). Sent again only when its JSON changes."""
    spec = chart_spec(fig)
    version = hashlib.blake2b(spec.encode(), digest_size=12).hexdigest()
    title = fig.layout.title.text or ""
    _component(key=key, data={"spec": spec, "version": version,
                              "alt": alt or title or "chart"},
               height="content")
