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
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from ui.static_js import loader

_CSS = """
.ll-chart svg text { user-select: none; }
.ll-chart .ll-legend-item:hover { text-decoration: underline; }
"""

_component = st.components.v2.component(
    "loss_lab_chart",
    js=loader("chart.js"),
    css=_CSS,
    isolate_styles=False,  # in the page's DOM, where the overlay and tests find it
)


@dataclass(frozen=True)
class Prepared:
    """A figure ready to send: its JSON as ``chart.js`` reads it, that JSON's hash
    and its title. Making one costs the figure's serialisation (Plotly's property
    tree is most of a chart's Python time); keep it for a figure that is the same
    on every run, and ``chart`` sends it with no Python work."""

    spec: str
    version: str
    title: str


def prepare(fig: go.Figure) -> Prepared:
    """``fig`` made ready to send: its data and layout as JSON, arrays as Plotly's
    typed base64 (``bdata``), and of its template only the colourway."""
    plain = fig.to_plotly_json()  # plain dicts and lists from here on
    layout = dict(plain.get("layout", {}))
    template = layout.pop("template", None) or {}
    colorway = template.get("layout", {}).get("colorway")
    spec = pio.to_json({"data": plain["data"], "layout": layout,
                        "theme": {"colorway": list(colorway) if colorway else None}},
                       validate=False, remove_uids=True)
    title = layout.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    return Prepared(spec, hashlib.blake2b(spec.encode(), digest_size=12).hexdigest(),
                    title or "")


def chart(fig: go.Figure | Prepared, *, key: str, alt: str = "") -> None:
    """Draw ``fig`` (a figure, or one :func:`prepare` made) full width at its
    layout's height. ``alt`` describes it for a screen reader (default: its
    title). Sent again only when its JSON changes."""
    ready = fig if isinstance(fig, Prepared) else prepare(fig)
    _component(key=key, data={"spec": ready.spec, "version": ready.version,
                              "alt": alt or ready.title or "chart"},
               height="content")
