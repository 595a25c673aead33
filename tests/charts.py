"""The charts a page drew (``ui/chart.py``), as AppTest sees them: the chart
component's elements, each one's figure JSON, and the figures."""

from __future__ import annotations

import base64
import json

import numpy as np
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


def values(field) -> np.ndarray:
    """A trace's array as sent: a list, or Plotly's typed base64 (``bdata``)."""
    if isinstance(field, dict):
        return np.frombuffer(base64.b64decode(field["bdata"]), dtype=field["dtype"])
    return np.asarray(field, dtype=float)


def has_key(element, key: str) -> bool:
    """Whether ``element`` was drawn with Streamlit key ``key``."""
    return element.proto.id.endswith(f"-{key}")


def figure_keyed(at: AppTest, key: str) -> dict:
    """The figure of the chart drawn with Streamlit key ``key``."""
    (element,) = [e for e in chart_elements(at) if has_key(e, key)]
    return json.loads(spec_of(element))
