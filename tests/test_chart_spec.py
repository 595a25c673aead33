"""What ui/chart.py sends to chart.js: the figure's data and layout, arrays as
typed base64, the template replaced by its colourway."""

import base64
import json

import numpy as np
import plotly.graph_objects as go

from ui.chart import chart_spec
from ui.style import PALETTE, apply_style


def test_the_spec_holds_data_layout_and_the_colourway_not_the_template():
    x = np.linspace(0.0, 1.0, 50)
    fig = apply_style(go.Figure(go.Scatter(x=x, y=x**2, name="a <b>name</b>")),
                      x_title="p", y_title="loss", height=300)
    spec = json.loads(chart_spec(fig))
    assert set(spec) == {"data", "layout", "theme"}
    assert "template" not in spec["layout"]
    assert spec["theme"]["colorway"]  # the template's, for figures that set none
    assert spec["layout"]["colorway"] == list(PALETTE)
    assert spec["layout"]["height"] == 300
    assert spec["layout"]["xaxis"]["title"]["text"] == "p"
    (trace,) = spec["data"]
    assert trace["name"] == "a <b>name</b>"  # chart.js shows it as text
    x_sent = trace["x"]
    got = np.frombuffer(base64.b64decode(x_sent["bdata"]), dtype=x_sent["dtype"])
    np.testing.assert_array_equal(got, x)

