"""The charts a page drew (``ui/chart.py``), as AppTest sees them: the chart
component's elements, each one's figure JSON, and the figures."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def chart_elements(at: AppTest) -> list:
    """The page's chart components, in page order."""
    return [e for e in at.get("bidi_component")
            if e.proto.component_name == "loss_lab_chart"]


def spec_of(element) -> str:
    """The figure JSON one chart component was given."""
    return json.loads(element.proto.json)["spec"]


def figures(at: AppTest) -> list[dict]:
    """The page's figures (data and layout), in page order."""
    return [json.loads(spec_of(e)) for e in chart_elements(at)]
