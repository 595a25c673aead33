"""AppTest of the "Loss functions" and "Cost surfaces" pages, every control at its
ends, every dataset; plus the figure builders without a browser."""

import base64
import json
import math
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from charts import chart_elements
from conftest import APP_PATH
from readouts import Shown, shown, shown_at
from streamlit.testing.v1 import AppTest

import core
from core import fitting, slices, stability, surface
from ui import figures_loss, sidebar
from ui.models import DatasetState
from ui.style import BASE_FONT_SIZE


def _page(path: str) -> AppTest:
    at = AppTest.from_file(APP_PATH, default_timeout=120).run()
    at.switch_page(path).run()
    assert not at.exception
    return at


def _point(at) -> Shown:
    """What the Loss functions point's readout shows (its slider is z or p)."""
    return shown(at, "lf_point", f"lf.{at.radio(key='lf.mode').value}")


def _metrics(at) -> dict[str, float]:
    return {label: float(value) for label, value in _point(at).metrics.items()}


# --- Loss functions ------------------------------------------------------------------


def test_loss_page_default_reads_off_loss_and_gradient_at_z_minus_4():
    at = _page("pages/loss_functions.py")
    m = _metrics(at)
    z, p = -4.0, float(core.sigmoid(-4.0))

    assert m["Log loss"] == pytest.approx(-math.log(p), rel=1e-3)
    assert m["Squared error"] == pytest.approx((p - 1) ** 2, rel=1e-3)
    assert m["dL/dz, log loss"] == pytest.approx(p - 1, rel=1e-3)
    assert m["dL/dz, squared error"] == pytest.approx(2 * (p - 1) * p * (1 - p),
                                                      rel=1e-3)
    assert "Confidently wrong" in _point(at).warnings[0]
    assert _point(at).lines == [f"z = -4, p = sigmoid(z) = {p:.4g}, true label y = 1"]
    # the point's marks on both charts, at the slider's position
    marks = _point(at).marks
    assert [v for m in marks["lf_gradient"] for v in (m["x"], m["y"])] == pytest.approx(
        [z, p - 1, z, 2 * (p - 1) * p * (1 - p)], rel=1e-6)
    assert [v for m in marks["lf_curves"] for v in (m["x"], m["y"])] == pytest.approx(
        [p, -math.log(p), p, (p - 1) ** 2], rel=1e-6)  # plotted against p
    assert len(chart_elements(at)) == 3
    assert any("p - y" in latex.value for latex in at.latex)
    assert z == at.slider(key="lf.z").value


def test_loss_page_point_at_the_slider_ends():
    at = _page("pages/loss_functions.py")
    for label in (1, 0):
        at.radio(key="lf.label").set_value(label).run()
        for z in (-10.0, 10.0, 0.0):
            at.slider(key="lf.z").set_value(z).run()
            assert not at.exception
            m = _metrics(at)
            loss, grad = core.loss_and_dz("log", np.array([label]), np.array([z]))
            assert m["Log loss"] == pytest.approx(loss[0], rel=1e-3, abs=1e-6)
            assert m["dL/dz, log loss"] == pytest.approx(grad[0], rel=1e-3, abs=1e-6)
            wrong = (label == 1 and z < 0) or (label == 0 and z > 0)
            assert bool(_point(at).warnings) is wrong, (label, z)
    at.radio(key="lf.label").set_value(1).run()
    at.radio(key="lf.mode").set_value("p").run()
    for p in (0.001, 0.999):
        at.slider(key="lf.p").set_value(p).run()
        assert not at.exception
        assert _metrics(at)["Log loss"] == pytest.approx(-math.log(p), rel=1e-3)


def test_loss_page_axis_switch_and_stability_panel_every_option():
    at = _page("pages/loss_functions.py")
    at.radio(key="lf.axis").set_value("z").run()
    assert not at.exception
    for label in (1, 0):
        at.radio(key="lf.label").set_value(label).run()
        text = " ".join(m.value for m in at.markdown)
        assert "**naive float32** first gives inf/nan" in text
        assert "**logits space**: 0 inf/nan out of 2001 points" in text
        for side in (True, False):  # confidently wrong, confidently right
            at.toggle(key="lf.log_x").set_value(True).run()
            at.radio(key="lf.wrong_side").set_value(side).run()
            assert not at.exception
            text = " ".join(m.value for m in at.markdown)
            assert "**logits space**: 0 inf/nan out of 601 points" in text
        at.toggle(key="lf.log_x").set_value(False).run()


def test_stability_table_shows_the_numbers():
    at = _page("pages/loss_functions.py")
    table = at.dataframe[0].value
    row = table.set_index("z")
    # y = 1: at z = 20 float32 has already rounded p to 1 (nan), float64 has not.
    assert row.loc["20", "naive, float32"] == "nan"
    assert float(row.loc["20", "naive, float64"]) == pytest.approx(2.06e-9, rel=1e-2)
    assert row.loc["40", "naive, float64"] == "nan"
    assert row.loc["-1000", "naive, float64"] == "inf"
    assert row.loc["-1000", "logits space, float64"] == "1000"
    assert row.loc["100", "exact (50 digits)"] == f"{math.exp(-100):.9g}"
    assert (table["logits-space relative error"].isin(["0"]) |
            table["logits-space relative error"].str.contains("e-1[6-9]")).all()


def test_metric_values_fit_their_box():
    from ui.loss_views import METRIC_CHARS, metric_text

    for value in (0.0, 3.2e-4, -3.2e-4, 1e-300, 0.6931, -0.9820, 4.018, 12345.6,
                  -1e20):
        text = metric_text(value)
        assert len(text) <= METRIC_CHARS, text
        assert float(text) == pytest.approx(value, rel=1e-2), text
    at = _page("pages/loss_functions.py")
    at.slider(key="lf.z").set_value(10.0).run()  # right: tiny loss and gradient
    for label, value in _point(at).metrics.items():
        assert len(value) <= METRIC_CHARS, (label, value)


def test_gradient_caption_follows_the_point_and_stability_uses_its_label():
    at = _page("pages/loss_functions.py")
    for label, z in ((1, -4.0), (1, 2.5), (0, 7.0)):
        at.radio(key="lf.label").set_value(label).run()
        at.slider(key="lf.z").set_value(z).run()
        caption = next(c for c in _point(at).captions if "gradient is" in c)
        assert f"At your z = {z:.3g}" in caption
        assert "At z = -8" not in caption
        assert f"true label y = {label}):" in " ".join(m.value for m in at.markdown)
    assert not [r for r in at.radio if r.key and "s_label" in r.key]


def test_the_formulas_two_cases_one_line_and_production_names():
    at = _page("pages/loss_functions.py")
    latex = " ".join(x.value for x in at.latex)
    assert r"\begin{cases}" in latex and "-y \\log p - (1 - y)" in latex
    assert "J(w, b)" in latex
    text = " ".join(m.value for m in at.markdown)
    for name in ("BCEWithLogitsLoss", "sigmoid_cross_entropy_with_logits",
                 "from_logits=True", "sklearn.metrics.log_loss", "LogisticRegression"):
        assert name in text
    assert "y is only ever 0 or 1" in text


def test_the_rounding_limits_the_page_states_are_numpys():
    from ui import loss_views

    for dtype, one, zero in ((np.float32, loss_views.P_ONE_FLOAT32,
                              loss_views.P_ZERO_FLOAT32),
                             (np.float64, loss_views.P_ONE_FLOAT64,
                              loss_views.P_ZERO_FLOAT64)):
        z = np.linspace(0.0, 60.0, 600_001)
        first_one = z[np.argmax(stability.naive_sigmoid(z, dtype) == 1)]
        assert first_one == pytest.approx(one, abs=0.05)
        z = -np.linspace(0.0, 800.0, 800_001)
        with np.errstate(all="ignore"):
            first_zero = z[np.argmax(stability.naive_sigmoid(z, dtype) == 0)]
        assert first_zero == pytest.approx(zero, abs=0.05)
        # p never reached 0 before that: it only shrank
        assert stability.naive_sigmoid(np.array([zero + 0.1]), dtype)[0] > 0
    assert np.exp(-745.0) > 0 and np.exp(-746.0) == 0  # e^z underflows near -745


# --- Cost surfaces -------------------------------------------------------------------


def _notice(at) -> str:
    return next(m.value for m in at.markdown if "What to notice" in m.value)


def _mse_share(text: str) -> float:
    """The percentage of the grid where MSE bends downward, as the page states it."""
    return float(re.search(r"over \*\*(\d+)%\*\*", text).group(1))


def _surfaces(at) -> dict:
    """The data the surface pair component (static/surface_chart.js) was given."""
    (chart,) = [c for c in at.get("bidi_component")
                if c.proto.component_name == "loss_lab_surface_pair"]
    return json.loads(chart.proto.json)


def _decoded(panel: dict, n_c: int, n_a: int):
    J = np.frombuffer(base64.b64decode(panel["J"]), dtype="<f4").reshape(n_c, n_a)
    down = np.frombuffer(base64.b64decode(panel["down"]), dtype=np.uint8)
    return J, down.reshape(n_c, n_a).astype(bool)


def test_cost_page_default_tells_the_story():
    at = _page("pages/cost_surfaces.py")
    notice = _notice(at)
    assert _mse_share(notice) > 50  # MSE bends downward over most of the grid
    assert "(0%)" in notice  # log loss nowhere
    assert len(chart_elements(at)) == 2  # contours and slice; surfaces below
    data = _surfaces(at)
    assert (data["a"][0], data["a"][-1], len(data["a"])) == (-6.0, 6.0, 101)
    assert [p["loss"] for p in data["panels"]] == ["mse", "log"]
    assert data["z_title"] == "cost J" and not data["log_z"]
    ds = core.one_d()
    for panel in data["panels"]:
        J, down = _decoded(panel, len(data["c"]), len(data["a"]))
        expected = core.cost_surface(ds.X[:, 0], ds.y, np.array(data["a"]),
                                     np.array(data["c"]), panel["loss"])
        np.testing.assert_allclose(J, expected, rtol=1e-6)
        share = round(100 * down.mean())
        if panel["loss"] == "mse":
            assert share == _mse_share(notice)
        else:
            assert share == 0
        assert panel["minimum"][2] == pytest.approx(float(expected.min()))
    assert at.slider(key="cs.resolution").value == 101
    assert at.slider(key="cs.a_range").value == (-6.0, 6.0)
    slice_at = shown(at, "cs_slice_at", "cs.slice_at")
    assert slice_at.headings == ["A slice along w[x] at b = 0"]
    assert ", 0 for log loss" in slice_at.captions[0]


def test_cost_page_every_dataset():
    at = _page("pages/cost_surfaces.py")
    for key in sidebar.DATASETS:
        at.selectbox(key="ds.name").set_value(key).run()
        assert not at.exception, key
        assert "(0%)" in _notice(at), key
        ds = sidebar.built_in(key, 200, 2.0, 1.0, 0.5, 0)
        info = " ".join(i.value for i in at.info)
        if ds.n_features > 1:
            assert "held at the fitted log-loss optimum" in info
            assert at.selectbox(key="cs.second").value == ds.n_features  # b
        else:
            assert not info


def test_cost_page_controls_at_their_extremes():
    at = _page("pages/cost_surfaces.py")
    a_lim = at.slider(key="cs.a_range").max
    c_lim = at.slider(key="cs.c_range").max
    settings = [
        ("cs.resolution", 11), ("cs.resolution", 201), ("cs.resolution", 101),
        ("cs.a_range", (-a_lim, a_lim)), ("cs.c_range", (-c_lim, c_lim)),
        ("cs.slice_at", 0.0), ("cs.slice_at", 1.0),
        ("cs.a_range", (0.0, a_lim / 500)), ("cs.c_range", (-c_lim, -c_lim + 1)),
    ]
    for key, value in settings:
        at.slider(key=key).set_value(value).run()
        assert not at.exception, (key, value)
        assert "(0%)" in _notice(at), (key, value)
    at.toggle(key="cs.log_z").set_value(True).run()
    assert not at.exception
    # Equal ends: a plain-words error, no surface.
    at.slider(key="cs.a_range").set_value((1.0, 1.0)).run()
    assert not at.exception
    assert "two different ends" in at.error[0].value


def test_cost_page_multi_feature_parameter_choices():
    at = _page("pages/cost_surfaces.py")
    at.selectbox(key="ds.name").set_value("breast_cancer").run()
    info = at.info[0].value
    assert "(Newton's method on all 569 rows; with a small L2 penalty" in info
    for first, second in ((0, 29), (29, 30), (30, 5)):
        at.selectbox(key="cs.first").set_value(first).run()
        at.selectbox(key="cs.second").set_value(second).run()
        assert not at.exception
        assert "(0%)" in _notice(at)
    at.selectbox(key="cs.second").set_value(5).run()
    at.selectbox(key="cs.first").set_value(5).run()
    assert "two different parameters" in at.error[0].value


def _lowest(at) -> list[float]:
    """The lowest grid point's J of each surface (MSE, log loss), as the page says."""
    text = next(m.value for m in at.markdown if "lowest grid point" in m.value)
    return [float(j) for j in re.findall(r"lowest grid point J = ([-\d.e+]+)", text)]


def test_cost_page_big_dataset_stays_correct_and_its_big_grids_bounded():
    at = _page("pages/cost_surfaces.py")
    at.select_slider(key="ds.n").set_value(10_000).run()
    assert not at.exception
    assert "10000" in " ".join(m.value for m in at.markdown).replace(",", "")
    assert not [c for c in at.caption if "subsample" in c.value]  # 101 x 101: all rows
    # 201 x 201 over 10,000 rows is over the page's budget: a stated, seeded
    # subsample of the rows the budget allows, and the numbers are that subsample's
    at.slider(key="cs.resolution").set_value(201).run()
    assert not at.exception
    m = DatasetState(n=10_000)
    data = sidebar.built_in(m.name, m.n, m.separation, m.noise, m.balance, m.seed)
    X, y = data.X, data.y
    keep = fitting.stratified_subsample(y, 120_000_000 // 201**2)
    caption = next(c.value for c in at.caption if "subsample" in c.value)
    assert f"subsample of {len(keep):,} of the 10,000 examples" in caption
    opt = slices.fitted_optimum(X, y)
    w, b = opt.w, opt.b
    window = (at.slider(key="cs.a_range").value, at.slider(key="cs.c_range").value)
    pair = slices.surface_pair(X[keep], y[keep], w, b, 0, 1, *window, 201)
    assert _lowest(at) == pytest.approx(
        [pair.minima["mse"].cost, pair.minima["log"].cost], rel=1e-3)


# --- figure builders ----------------------------------------------------------


def _fonts_readable(fig) -> None:
    assert fig.layout.font.size >= 14
    for axis in ("xaxis", "yaxis"):
        layout_axis = fig.layout[axis]
        if layout_axis.tickfont.size is not None:
            assert layout_axis.tickfont.size >= 14


def test_cost_page_range_change_and_log_axis_reach_the_surfaces():
    at = _page("pages/cost_surfaces.py")
    at.slider(key="cs.a_range").set_value((-3.0, 4.5)).run()
    at.slider(key="cs.resolution").set_value(51).run()
    data = _surfaces(at)
    assert (data["a"][0], data["a"][-1], len(data["a"]), len(data["c"])) == (
        -3.0, 4.5, 51, 51)
    before = data["version"]
    at.toggle(key="cs.log_z").set_value(True).run()
    data = _surfaces(at)
    assert data["log_z"] and data["z_title"] == "cost J (log)"
    assert data["version"] != before
    for panel in data["panels"]:
        J, _ = _decoded(panel, 51, 51)
        ticks = data["z_ticks"][panel["loss"]]
        assert 1 <= len(ticks) <= 6  # not piled up
        assert J.min() * 0.99 <= min(ticks) and max(ticks) <= J.max() * 1.01


def test_surface_pair_data_red_where_concave_and_minima():
    ds = core.one_d()
    x = ds.X[:, 0]
    a, c = np.linspace(-6, 6, 31), np.linspace(-10, 10, 21)
    J, down, minima = {}, {}, {}
    for loss in ("mse", "log"):
        J[loss] = core.cost_surface(x, ds.y, a, c, loss)
        down[loss] = surface.curvature_grid(x, np.ones_like(x), None, ds.y, a, c,
                                             loss).downward()
        m = surface.grid_minimum(J[loss], a, c)
        minima[loss] = (m.a, m.c, m.cost)

    data = figures_loss.surface_pair_data(
        a, c, J, down, minima, a_title="<b>w</b>", c_title="b", log_z=False,
        height=400, version="v1")

    json.dumps(data)  # what the component gets is plain JSON
    assert data["a"] == list(a) and data["c"] == list(c)
    assert data["a_title"] == "<b>w</b>"  # drawn as text on a canvas, not markup
    for panel, loss in zip(data["panels"], ("mse", "log"), strict=True):
        assert panel["loss"] == loss
        got_J, got_down = _decoded(panel, len(c), len(a))
        np.testing.assert_allclose(got_J, J[loss], rtol=1e-6)
        np.testing.assert_array_equal(got_down, down[loss])
        assert panel["minimum"] == list(minima[loss])
        assert f"{minima[loss][2]:.4g}" in panel["alt"]
    assert _decoded(data["panels"][0], len(c), len(a))[1].any()  # MSE bends down
    assert not _decoded(data["panels"][1], len(c), len(a))[1].any()
    assert data["z_ticks"] == {}


def test_stability_figure_marks_failures():
    z = np.linspace(-100, 100, 201)
    y = np.ones_like(z)
    routes = {
        "naive float32": stability.naive_pipeline_loss(y, z, np.float32),
        "logits space (float64)": core.log_loss(y, z),
    }
    fig = figures_loss.make_stability_figure(z, routes, label=1)
    failures = [t for t in fig.data if "inf / nan" in (t.name or "")]
    assert len(failures) == 1 and failures[0].mode == "lines"
    # one segment per run (a few points, not one marker per failing z): every
    # failing z lies on a segment of its kind, every finite z off all of them
    xs = np.array([np.nan if v is None else v for v in failures[0].x])
    segments = xs.reshape(-1, 3)
    assert np.isnan(segments[:, 2]).all()
    values = routes["naive float32"]
    on = np.zeros(z.shape, dtype=bool)
    for (lo, hi, _), run in zip(segments, failures[0].customdata[::3], strict=True):
        inside = (z >= lo) & (z <= hi)
        assert (~np.isfinite(values[inside])).all()
        kind = np.isnan(values[inside])
        assert kind.all() if run[2] == "nan" else not kind.any()
        assert (run[0], run[1]) == (z[inside][0], z[inside][-1])
        on |= inside
    assert np.array_equal(on, ~np.isfinite(values))
    assert len(segments) == len(figures_loss.failure_runs(values)) == 2
    assert fig.layout.xaxis.title.text == "logit z"
    _fonts_readable(fig)


def test_loss_and_gradient_figures_have_titles_and_the_points_legend():
    x, _, curves = np.linspace(-5, 5, 11), None, stability.per_example_curves(
        np.linspace(-5, 5, 11))
    fig = figures_loss.make_loss_curves_figure(
        x, {y: {k: curves[y][k][0] for k in curves[y]} for y in curves},
        x_title="logit z")
    names = [t.name for t in fig.data]
    # the point itself is drawn over the chart (ui.chart_overlay): only its
    # legend entry is in the figure, without data
    assert names.count("your point") == 1 and "log loss" in names
    entry = next(t for t in fig.data if t.name == "your point")
    assert list(entry.x) == [None]
    # the panels are where the overlay puts each label's point
    assert fig.layout.annotations[0].text == "true label y = 1"
    assert figures_loss.curve_axes(1) == ("x", "y")
    assert figures_loss.curve_axes(0) == ("x2", "y2")
    assert {t.xaxis for t in fig.data if t.name == "log loss"} == {"x", "x2"}
    # one x title, centred under both panels (two overlapped on narrow screens)
    titles = [a for a in fig.layout.annotations if a.text == "logit z"]
    assert len(titles) == 1 and titles[0].x == 0.5
    assert not fig.layout.xaxis.title.text and not fig.layout.xaxis2.title.text
    grad = figures_loss.make_gradient_figure(
        x, {k: curves[1][k][1] for k in curves[1]}, label=1,
        wrong_region=(-5, -2.2))
    assert grad.layout.yaxis.title.text == "dL / dz"
    assert grad.layout.title.font.size >= BASE_FONT_SIZE
    assert [t.name for t in grad.data].count("your point") == 1
    _fonts_readable(grad)


def test_page_controls_survive_a_visit_to_another_page():
    at = _page("pages/cost_surfaces.py")
    at.slider(key="cs.resolution").set_value(51).run()
    at.slider(key="cs.a_range").set_value((-3.0, 4.5)).run()
    at.toggle(key="cs.log_z").set_value(True).run()
    at.switch_page("pages/loss_functions.py").run()
    at.radio(key="lf.mode").set_value("p").run()
    at.slider(key="lf.p").set_value(0.9).run()
    at.radio(key="lf.mode").set_value("z").run()  # lf_p is not drawn now
    at.switch_page("pages/cost_surfaces.py").run()

    assert not at.exception
    assert at.slider(key="cs.resolution").value == 51
    assert at.slider(key="cs.a_range").value == (-3.0, 4.5)
    assert at.toggle(key="cs.log_z").value is True

    at.switch_page("pages/loss_functions.py").run()
    at.radio(key="lf.mode").set_value("p").run()
    assert at.slider(key="lf.p").value == 0.9
    assert _metrics(at)["Log loss"] == pytest.approx(-math.log(0.9), rel=1e-3)

    # A new dataset puts the surface controls back to that dataset's defaults.
    at.switch_page("pages/cost_surfaces.py").run()
    at.selectbox(key="ds.name").set_value("tumour").run()
    assert at.slider(key="cs.resolution").value == 101
    assert at.slider(key="cs.a_range").value == (-15.0, 15.0)


def test_cost_page_with_generator_settings_at_their_extremes():
    at = _page("pages/cost_surfaces.py")
    extremes = [
        {"ds.separation": 6.0, "ds.noise": 0.1},  # separable: optimum at infinity
        {"ds.separation": 0.0, "ds.noise": 3.0, "ds.balance": 0.05},
        {"ds.balance": 0.95, "ds.n": 20},
    ]
    for settings in extremes:
        for key, value in settings.items():
            widget = at.select_slider if key == "ds.n" else at.slider
            widget(key=key).set_value(value).run()
        assert not at.exception, settings
        notice = _notice(at)
        assert "(0%)" in notice, settings
        text = " ".join(m.value for m in at.markdown)
        minima = re.findall(r"lowest grid point J = ([-\d.e+]+)", text)
        assert len(minima) == 2 and all(np.isfinite(float(v)) for v in minima)


def test_log_ticks_are_few_and_nice():
    ticks = figures_loss.log_ticks(np.array([0.013, 4.4]))
    assert 2 <= len(ticks) <= 6
    assert all(f"{t:g}" in {"0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "3",
                            "0.03", "0.3", "0.01"} for t in ticks)
    wide = figures_loss.log_ticks(np.array([1e-12, 1e3]))
    assert len(wide) <= 6 and all(np.log10(t) == round(np.log10(t)) for t in wide)


def test_contours_have_colour_bars_and_a_see_through_tint():
    ds = core.one_d()
    x = ds.X[:, 0]
    a, c = np.linspace(-6, 6, 31), np.linspace(-10, 10, 21)
    J = {loss: core.cost_surface(x, ds.y, a, c, loss) for loss in ("mse", "log")}
    down = {"mse": J["mse"] > np.median(J["mse"]), "log": np.zeros_like(J["log"],
                                                                        bool)}
    minima = {loss: (0.0, 0.0, float(J[loss].min())) for loss in J}
    frame = figures_loss.make_contour_pair_frame(
        a_title="w", c_title="b", log_z=False, edges=figures_loss.contour_edges(down))
    fig = go.Figure(figures_loss.with_contour_data(frame.to_dict(), a, c, J, down,
                                                   minima, log_z=False))
    costs = [t for t in fig.data if t.type == "contour" and t.showscale]
    assert len(costs) == 2
    assert [t.colorbar.title.text for t in costs] == ["J", "J"]
    assert costs[0].colorbar.x < 0.5 < costs[1].colorbar.x
    tint = [t for t in fig.data if t.type == "heatmap"]
    clear, tinted = (float(colour.rsplit(",", 1)[1].rstrip(")"))
                     for _, colour in tint[0].colorscale)
    assert clear == 0 and 0 < tinted <= 0.15  # the lines stay visible through it
    assert (tint[0].zmin, tint[0].zmax) == (0, 1)  # all or none bent: still right
    edges = [t for t in fig.data if t.name == "edge of the downward region"]
    assert len(edges) == 1  # MSE bends down on part of the grid, log loss nowhere
    # tint before lines: the contour lines are drawn on top of it
    order = [t.type for t in fig.data if t.type in ("heatmap", "contour")]
    assert order.index("heatmap") < order.index("contour")
    _fonts_readable(fig)
    # the page's figure: a frame built once (and cached) is given each grid's data;
    # the frame itself is left unchanged
    frame = figures_loss.make_contour_pair_frame(
        a_title="w", c_title="b", log_z=False, edges=(True, False)).to_dict()
    kept = json.dumps(frame, default=str)
    for scale, log_z in ((1.0, False), (2.0, True)):
        grid_a, grid_c = scale * a, scale * c
        got = go.Figure(figures_loss.with_contour_data(
            frame, grid_a, grid_c, J, down, minima, log_z=log_z))
        assert json.dumps(frame, default=str) == kept
        lines = [t for t in got.data if t.type == "contour" and t.showscale]
        for trace, loss in zip(lines, ("mse", "log"), strict=True):
            np.testing.assert_array_equal(trace.x, grid_a)
            np.testing.assert_array_equal(trace.y, grid_c)
            shown = np.log10(J[loss]) if log_z else J[loss]
            assert trace.z.dtype == np.float32  # half the bytes to send
            np.testing.assert_allclose(np.asarray(trace.z, float), shown, rtol=1e-6)
        tint = next(t for t in got.data if t.type == "heatmap")
        edge = next(t for t in got.data if t.name == "edge of the downward region")
        for mask in (tint.z, edge.z):  # a byte a cell: a quarter of float32's
            assert mask.dtype == np.uint8
            np.testing.assert_array_equal(mask, down["mse"])
        assert list(got.layout.xaxis2.range) == [grid_a[0], grid_a[-1]]
        assert list(got.layout.yaxis.range) == [grid_c[0], grid_c[-1]]
    # J too small for float32 (far out on separable data) is sent as it is
    tiny = {loss: J[loss] * 1e-60 for loss in J}
    got = go.Figure(figures_loss.with_contour_data(frame, a, c, tiny, down, minima,
                                                   log_z=True))
    for trace, loss in zip((t for t in got.data if t.type == "contour" and t.showscale),
                           ("mse", "log"), strict=True):
        assert trace.z.dtype == np.float32  # log10 J fits
        np.testing.assert_array_equal(trace.customdata, tiny[loss])  # J does not
    star = next(t for t in got.data if t.name == "grid minimum")
    assert list(star.customdata) == [minima["mse"][2]] and star.x == (0.0,)


def test_the_moving_points_are_overlay_marks_on_their_panel():
    from ui import chart_overlay, loss_views

    losses = {"log": 4.02, "mse": 0.96}
    for label, axes in ((1, ("x", "y")), (0, ("x2", "y2"))):
        marks = chart_overlay.marks(loss_views.curve_points(0.25, label, losses))
        assert [(m["x"], m["y"], m["xaxis"], m["yaxis"]) for m in marks] == [
            (0.25, 4.02, *axes), (0.25, 0.96, *axes)]
    grads = loss_views.gradient_points(-4.0, {"log": -0.98, "mse": 0.03})
    assert [(p.x, p.y) for p in grads] == [(-4.0, -0.98), (-4.0, 0.03)]


def test_overlay_marks_leave_out_what_cannot_be_placed():
    from ui.chart_overlay import Line, Point, marks

    got = marks(
        [Point(1.0, 2.0, "#000000", label="x" * 500), Point(float("nan"), 1.0, "red"),
         Point(1.0, float("inf"), "red"), Point("junk", 1.0, "red")],
        [Line(y=0.5, start=-1.0, end=2.0), Line(x=float("-inf")),
         Line(x=3.0, xaxis="x2", yaxis="y2", end=float("nan"))])
    assert [m["kind"] for m in got] == ["point", "hline", "vline"]
    assert len(got[0]["label"]) <= 40  # a label stays short
    assert (got[1]["y"], got[1]["start"], got[1]["end"]) == (0.5, -1.0, 2.0)
    assert (got[2]["x"], got[2]["xaxis"], got[2]["end"]) == (3.0, "x2", None)
    for bad in ([Point(0, 0, "red", xaxis="y")], [Point(0, 0, "red", symbol="star")]):
        with pytest.raises(ValueError):
            marks(bad)
    for bad in (Line(), Line(x=1.0, y=1.0), Line(x=1.0, dash="wavy"),
                Line(y=1.0, yaxis="y2; x")):
        with pytest.raises(ValueError):
            marks(lines=[bad])


def test_the_slice_frame_holds_every_slice_and_its_paths_land_on_their_panels():
    from ui import loss_views

    ds = core.one_d()
    a, c = np.linspace(-6, 6, 31), np.linspace(-10, 10, 21)
    J = {loss: core.cost_surface(ds.X[:, 0], ds.y, a, c, loss)
         for loss in ("mse", "log")}
    step = float(a[1] - a[0])
    fig = figures_loss.make_slice_figure(a, loss_views.slice_ranges(J, step),
                                         a_title="w")
    titles = {t.text: (t.x, t.y) for t in fig.layout.annotations}
    for loss, name in (("mse", "MSE"), ("log", "log loss")):
        second = surface.second_differences(J[loss], step)
        for (x, y), values, title in zip(
                figures_loss.SLICE_AXES[loss], (J[loss], second),
                (f"{name}: cost along w", f"{name}: second difference"),
                strict=True):
            x_axis = fig.layout[f"xaxis{x[1:]}"]
            y_axis = fig.layout[f"yaxis{y[1:]}"]
            # every slice of the grid fits the fixed range (and zero for the
            # second differences), so the frame is the same for every slice
            lo, hi = y_axis.range
            assert lo < values.min() and values.max() < hi, (loss, title)
            assert list(x_axis.range) == [a[0], a[-1]]
            # the panel these axes span is the one titled for this loss
            tx, ty = titles[title]
            assert x_axis.domain[0] <= tx <= x_axis.domain[1], title
            assert y_axis.domain[1] <= ty <= y_axis.domain[1] + 0.1, title
        assert lo < 0 < hi
    assert fig.layout.yaxis.title.text == "cost J"
    # a frame built for another grid, given this grid's ranges, is this frame
    other = np.linspace(-2, 3, 11)
    J_other = {loss: core.cost_surface(ds.X[:, 0], ds.y, other, c, loss)
               for loss in ("mse", "log")}
    old = figures_loss.make_slice_figure(
        other, loss_views.slice_ranges(J_other, float(other[1] - other[0])),
        a_title="w").to_dict()
    assert figures_loss.with_slice_ranges(
        old, a, loss_views.slice_ranges(J, step)) == fig.to_dict()
    assert old["layout"]["xaxis"]["range"] == [-2, 3]  # the cached frame unchanged

    row = 4  # the slider's share 0.2 of 21 rows
    costs = {loss: J[loss][row] for loss in J}
    second = {loss: surface.second_differences(costs[loss], step) for loss in J}
    bends = {loss: surface.bends_down(second[loss]) for loss in J}
    assert bends["mse"].any() and not bends["mse"].all()
    r = loss_views.slice_readout(a, c, J, a_name="w", c_name="b")
    data = {**r["rows"], "blocks": r["blocks"],
            "overlays": r["overlays"]}
    shown = shown_at(data, 0.2)
    assert shown.headings == [f"A slice along w at b = {c[row]:.3g}"]
    assert shown.captions[0].startswith(
        f"Second differences below zero mean the slice bends downward: "
        f"{bends['mse'].sum()} of 29 points for MSE, {bends['log'].sum()} for log")
    assert [m["y"] for m in shown.marks["cs_contours"]] == pytest.approx([c[row]] * 2)
    by_axes = {(m["xaxis"], m["yaxis"], m["width"]): m
               for m in shown.marks["cs_slice"]}
    cost = by_axes[(*figures_loss.SLICE_AXES["log"][0], 3.0)]
    (lo, hi), _ = loss_views.slice_ranges(J, step)["log"]
    # packed in 65,535 steps of the panel's range: well within a pixel
    assert cost["x"] == pytest.approx(list(a))
    assert cost["y"] == pytest.approx(list(J["log"][row]), abs=(hi - lo) / 65534)
    red = by_axes[(*figures_loss.SLICE_AXES["mse"][1], 6.0)]
    assert red["color"] == figures_loss.CONCAVE_COLOUR
    # the red stretch is the second differences where they bend down, gaps elsewhere
    assert [v is not None for v in red["y"]] == list(bends["mse"])
    _, (lo, hi) = loss_views.slice_ranges(J, step)["mse"]
    assert [v for v in red["y"] if v is not None] == pytest.approx(
        list(second["mse"][bends["mse"]]), abs=(hi - lo) / 65534)
