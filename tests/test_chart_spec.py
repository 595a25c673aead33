"""What ui/chart.py sends to chart.js: the figure's data and layout, arrays as
typed base64, the template replaced by its colourway."""

import base64
import json

import numpy as np
import plotly.graph_objects as go

from ui.chart import prepare
from ui.style import PALETTE, apply_style


def test_the_spec_holds_data_layout_and_the_colourway_not_the_template():
    x = np.linspace(0.0, 1.0, 50)
    fig = apply_style(go.Figure(go.Scatter(x=x, y=x**2, name="a <b>name</b>")),
                      x_title="p", y_title="loss", height=300)
    spec = json.loads(prepare(fig).spec)
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



def test_a_prepared_figure_holds_its_json_its_hash_and_its_title():
    """A figure kept ready (``prepare``) holds its JSON, that JSON's hash as the
    version (a new version is what makes chart.js draw again) and the title for a
    screen reader."""
    import hashlib

    x = np.linspace(0.0, 1.0, 5)
    fig = apply_style(go.Figure(go.Scatter(x=x, y=x)), title="Loss <i>curves</i>",
                      height=300)
    ready = prepare(fig)
    assert json.loads(ready.spec)["layout"]["height"] == 300
    assert ready.version == hashlib.blake2b(ready.spec.encode(),
                                            digest_size=12).hexdigest()
    assert ready.title == "Loss <i>curves</i>"  # chart.js sets it as text
    assert prepare(go.Figure()).title == ""
    moved = go.Figure(fig).update_traces(y=x[::-1])
    assert prepare(moved).version != ready.version
