"""The readout's table (ui/readout.py) and the Loss functions point's rows
(ui/loss_views.py): every row what core computes, checked before it is sent."""

import math

import numpy as np
import pytest
from readouts import shown_at

import core
from ui.chart_overlay import Point, marks
from ui.loss_views import Z_MAX, metric_text, point_readout, point_table
from ui.readout import (
    MAX_ROWS,
    Col,
    Flags,
    Packed,
    Strong,
    caption,
    line,
    slider_class,
    table,
)


def test_a_table_is_one_row_per_slider_position_and_json_safe():
    out = table([0.0, 0.5, 1.0], {"t": ["a", "b", "c"], "n": [1, np.inf, np.nan],
                                  "f": [True, np.bool_(False), True]})
    assert out == {"values": [0.0, 0.5, 1.0],
                   "columns": {"t": ["a", "b", "c"], "n": [1.0, None, None],
                               "f": [True, False, True]}}
    assert table([1.0], {"x": [math.pi]})["columns"]["x"] == [3.141593]  # 7 digits


@pytest.mark.parametrize("values, columns, words", [
    ([], {}, "1 to"),
    (np.arange(MAX_ROWS + 1.0), {}, "1 to"),
    ([0.0, 0.0], {}, "increase"),
    ([1.0, 0.0], {}, "increase"),
    ([0.0, 1.0], {"x": [1.0]}, "'x' has 1 rows"),
])
def test_a_table_refuses_what_a_slider_cannot_have(values, columns, words):
    with pytest.raises(ValueError, match=words):
        table(values, columns)


def test_blocks_and_marks_read_their_columns_by_name():
    data = {**table([0.0, 1.0], {"x": [0.25, 0.75], "t": ["low", "high"],
                                 "big": [False, True]}),
            "blocks": [line("at ", Col("t", bold=True), " for ", Strong("y = 1")),
                       caption("big", when="big"), caption("small", unless="big")],
            "overlays": {"c": marks([Point(Col("x"), 2.0, "#000000")])}}
    low, high = shown_at(data, 0.2), shown_at(data, 0.9)
    assert low.lines == ["at low for y = 1"] and low.captions == ["small"]
    assert high.lines == ["at high for y = 1"] and high.captions == ["big"]
    assert (low.marks["c"][0]["x"], high.marks["c"][0]["x"]) == (0.25, 0.75)
    with pytest.raises(TypeError):
        line(3.0)


def test_the_slider_class_is_streamlits():
    assert slider_class("lf.z") == "st-key-lf-z"
    assert slider_class("a b/c_d-e") == "st-key-a-b-c_d-e"


@pytest.mark.parametrize("label", [1, 0])
@pytest.mark.parametrize("mode", ["z", "p"])
def test_every_row_of_the_point_is_cores(label, mode):
    rows = point_table(label, mode)
    values, columns = rows["values"], rows["columns"]
    z = np.asarray(values) if mode == "z" else core.stability.logit(np.asarray(values))
    assert len(values) == (201 if mode == "z" else 999)
    assert values[0] == (-Z_MAX if mode == "z" else 0.001)
    loss, grad = {}, {}
    for name in ("log", "mse"):
        loss[name], grad[name] = core.loss_and_dz(name, np.full(z.shape, label), z)
        # sent to 7 significant digits: ui.readout.table
        assert np.allclose(columns[f"loss_{name}"], loss[name], rtol=1e-6, atol=0)
        assert columns[f"m_{name}"] == [metric_text(v) for v in loss[name]]
        assert columns[f"dm_{name}"] == [metric_text(v) for v in grad[name]]
    p = core.sigmoid(z)
    assert columns["wrong"] == (np.abs(p - label) > 0.9).tolist()
    assert columns["z"] == [f"{v:.3g}" for v in z]


def test_the_point_readout_at_a_row_says_what_the_page_said():
    r = point_readout(1, "z", "z")
    data = {**r["rows"], "blocks": r["blocks"],
            "overlays": r["overlays"]}
    shown = shown_at(data, 2.5)
    p = float(core.sigmoid(2.5))
    assert shown.lines == [f"z = 2.5, p = sigmoid(z) = {p:.4g}, true label y = 1"]
    assert not shown.warnings
    assert shown.captions[0].startswith(f"At your z = 2.5 log loss's gradient is "
                                        f"{p - 1:.4f}, squared error's ")
    assert float(shown.metrics["Log loss"]) == pytest.approx(-math.log(p), rel=1e-3)
    curves = shown.marks["lf_curves"]  # against z: the x of both marks is z
    assert [m["x"] for m in curves] == [2.5, 2.5]


def test_packed_rows_come_back_within_a_step_and_gaps_stay_gaps():
    from readouts import cell

    rng = np.random.default_rng(0)
    m = rng.uniform(-3.0, 5.0, size=(7, 11))
    m[2, 4] = np.nan
    flags = m > 1.0
    out = table(np.arange(7.0), {"m": Packed(m, -3.0, 5.0), "f": Flags(flags)})
    for row in range(7):
        got = cell(out["columns"]["m"], row)
        keep = np.isfinite(m[row])
        assert [v is not None for v in got] == keep.tolist()
        assert np.allclose([v for v in got if v is not None], m[row][keep],
                           atol=8.0 / 65534)
        assert cell(out["columns"]["f"], row) == flags[row].tolist()
    clipped = cell(table([0.0], {"m": Packed(np.array([[9.0, -9.0]]), 0.0, 1.0)})
                   ["columns"]["m"], 0)
    assert clipped == [1.0, 0.0]  # drawn at the panel's edge
    with pytest.raises(ValueError, match="has 7 rows, not 2"):
        table([0.0, 1.0], {"m": Packed(m, -3.0, 5.0)})
    with pytest.raises(ValueError, match="lo < hi"):
        table(np.arange(7.0), {"m": Packed(m, 1.0, 1.0)})
