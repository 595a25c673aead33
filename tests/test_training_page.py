"""The Training page in AppTest: buttons, every optimizer on every dataset, stories.

Every test runs app.py (frame, shared sidebar) and switches to the page.
"""

import json

import numpy as np
import pytest
from charts import chart_elements, figure_keyed, has_key, spec_of, values
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

import core
from ui.figures_training import (
    LIVE_EARLY_EPOCHS,
    METRIC_POINTS,
    make_live_data,
    make_metrics_figure,
    thin,
)
from ui.models import TrainedScores, TrainingState
from ui.sidebar import DATASETS
from ui.style import LOG, REDDISH_PURPLE
from ui.training_session import SESSION_KEY

PAGE = "pages/training.py"
OPTIMIZERS = ("gd", "sgd", "momentum", "adam", "newton")
TIMEOUT = 60

def session(at):
    """The page's typed run state (ui.training_session.TrainingSession)."""
    found = at.session_state[SESSION_KEY]
    assert found is not None
    return found


@pytest.fixture
def app():
    at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT).run()
    return at.switch_page(PAGE).run()


def status(at) -> str:
    for m in at.markdown:
        if m.value.startswith(("Ready", "Running", "Paused", "Finished")):
            return m.value
    raise AssertionError("no status line on the page")


def epochs(at) -> list[int]:
    """Epoch counters in the status line, one per run."""
    import re

    return [int(e) for e in re.findall(r"epoch (\d+) of", status(at))]


METRICS_KEY = "tr_metrics_chart"


def charts(at) -> list[dict]:
    """The figures of the model views (every chart but the metrics chart)."""
    return [json.loads(spec_of(e)) for e in chart_elements(at)
            if not has_key(e, METRICS_KEY)]


def metrics_figure(at) -> dict:
    """The cost/accuracy/gradient chart's figure, shown when the run is stopped."""
    return figure_keyed(at, METRICS_KEY)


def axis_of(panel: int) -> str:
    return "x" if panel == 0 else f"x{panel + 1}"


def series(at, name: str, panel: int = 0) -> np.ndarray:
    """One line of the metrics chart as an (n, 2) array of (epoch, value): the one
    named ``name`` on panel ``panel`` (a run's training lines share a name)."""
    (found,) = [t for t in metrics_figure(at)["data"]
                if t["name"] == name and t.get("xaxis", "x") == axis_of(panel)]
    return np.column_stack([values(found["x"]), values(found["y"])]).astype(float)


def assert_charts_finite(at) -> None:
    """No NaN or infinity in any number any chart received."""
    assert metrics_figure(at)["data"], "no line in the metrics chart"
    specs = [metrics_figure(at), *charts(at)]
    for spec in specs:
        for trace in spec["data"]:
            for field in ("x", "y", "z"):
                if trace.get(field) is None:
                    continue
                arr = values(trace[field]) if isinstance(trace[field], dict) else (
                    np.asarray(trace[field], dtype=object).ravel())
                if arr.dtype == object:
                    assert not any(v is None for v in arr), (trace["name"], field)
                    arr = arr.astype(float) if arr.size and not isinstance(
                        arr[0], str) else np.zeros(0)
                assert np.all(np.isfinite(arr)), (trace.get("name"), field)


def assert_live_finite(at) -> None:
    """Every number the live chart got is finite (it is drawn while running)."""
    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, float):
            assert np.isfinite(value)

    walk(live_data(at))


def run_to_end(at, max_frames: int = 400, check=None):
    """Keep rerunning while the page says Running (a browser does this with the
    fragment's run_every; AppTest has to ask), then return the app. ``check(at)``
    runs on every batch shown while running."""
    for _ in range(max_frames):
        if not status(at).startswith("Running"):
            return at
        if check is not None:
            check(at)
        at.run()
    raise AssertionError(f"still running after {max_frames} frames: {status(at)}")


def click_run(at):
    at.button(key="tr_run").click().run()
    return run_to_end(at)


def live_data(at) -> dict:
    """The data of the live chart (the component shown while running)."""
    (chart,) = [c for c in at.get("bidi_component")
                if c.proto.component_name == "loss_lab_live_chart"]
    return json.loads(chart.proto.json)


def names(at) -> set[str]:
    plotly = {t.get("name") for spec in charts(at) for t in spec["data"]}
    return plotly | {t["name"] for t in metrics_figure(at)["data"]}


def test_first_view_from_app_py_tells_the_story():
    at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT).run()
    at.switch_page("pages/training.py").run()

    assert not at.exception
    assert status(at).startswith("Finished")
    assert epochs(at) == [300, 300]
    info = " ".join(i.value for i in at.info)
    assert "plateau" in info and "MSE" in info
    spec_names = names(at)
    assert {"log loss path", "MSE path", "start"} <= spec_names
    assert any(n and n.startswith("scikit-learn optimum J*") for n in spec_names)
    # the log-loss run reaches the reference optimum; MSE is still far from it
    metrics = metrics_figure(at)
    notes = [a["text"] for a in metrics["layout"]["annotations"]]
    gap = [text for text in notes if text.startswith("gap")]
    assert gap
    value = gap[0].split(":")[1].removeprefix("<br>").strip()
    assert value == "< 1e-12" or abs(float(value)) < 1e-6
    # the drawn lines are the runs' histories (thinned, 5 significant digits)
    run = session(at).runs["log"].arrays()
    cost = series(at, "log loss: training")
    idx = thin(301, METRIC_POINTS)
    assert cost[0, 0] == 0 and cost[-1, 0] == 300 and len(cost) == len(idx) <= 300
    np.testing.assert_array_equal(cost[:, 0], run["epoch"][idx])
    np.testing.assert_allclose(cost[:, 1], run["cost"][idx], rtol=1e-4)
    grad = series(at, "MSE: gradient norm", panel=3)
    mse = session(at).runs["mse"].arrays()
    assert np.all(mse["grad_norm"] > 0)
    np.testing.assert_allclose(grad[:, 1], np.log10(mse["grad_norm"][idx]),
                               rtol=1e-4, atol=1e-9)
    legend = [t["name"] for t in metrics["data"] if t.get("showlegend") is not False]
    assert "log loss: training" in legend and "MSE: gradient norm" not in legend
    # each cost on its own panel and axis, MSE with its own optimum
    assert notes[:4] == [
        "Log-loss cost", "MSE cost", "Accuracy", "Gradient norm"]
    mse_cost = series(at, "MSE: training", panel=1)
    np.testing.assert_allclose(mse_cost[-1, 1], mse["cost"][-1], rtol=1e-4)
    (lowest,) = [n for n in legend if isinstance(n, str)
                 and n.startswith("lowest MSE cost")]
    assert float(lowest.split("=")[1]) <= mse["cost"][-1] + 1e-9
    assert_charts_finite(at)


def test_step_reset_and_run(app):
    at = app
    assert not at.exception
    at.select_slider(key="tr.speed").set_value(500).run()  # a few batches
    at.button(key="tr_reset").click().run()
    assert status(at).startswith("Ready") and epochs(at) == [0, 0]
    at.button(key="tr_step").click().run()
    assert status(at).startswith("Paused") and epochs(at) == [1, 1]
    at.button(key="tr_step").click().run()
    assert epochs(at) == [2, 2]
    at.button(key="tr_run").click().run()
    assert status(at).startswith("Running") and at.button(key="tr_pause")
    at.button(key="tr_pause").click().run()
    assert status(at).startswith("Paused")
    paused_at = epochs(at)
    at.run()
    assert epochs(at) == paused_at  # nothing moves while paused
    click_run(at)
    assert not at.exception
    assert status(at).startswith("Finished") and epochs(at) == [300, 300]
    assert at.button(key="tr_step").disabled
    at.button(key="tr_run").click().run()  # "Run again" starts from the start
    assert epochs(at)[0] < 300
    run_to_end(at)
    assert status(at).startswith("Finished") and epochs(at) == [300, 300]
    assert_charts_finite(at)


def test_while_running_the_live_chart_gets_every_new_epoch(app):
    at = app
    at.button(key="tr_reset").click().run()
    at.select_slider(key="tr.epochs").set_value(2000).run()
    at.select_slider(key="tr.speed").set_value(200).run()
    at.button(key="tr_run").click().run()
    shown = 0
    for _ in range(3):
        assert not at.exception and status(at).startswith("Running")
        # the live chart stands in for the metrics chart
        assert not [e for e in chart_elements(at) if has_key(e, METRICS_KEY)]
        data = live_data(at)
        run = session(at).runs["log"].arrays()
        last = int(run["epoch"][-1])
        assert data["running"] and data["start"] == shown and data["last"] == last
        line = next(ln for ln in data["lines"] if ln["panel"] == 0
                    and not ln["dashed"] and ln["colour"] == LOG)
        x = np.asarray(line["x"], dtype=int)
        step = -(-2000 // METRIC_POINTS)
        # every epoch of this batch, and before it a fixed grid of epochs
        np.testing.assert_array_equal(x[x >= shown], np.arange(shown, last + 1))
        early = x[x < shown]
        assert np.all((early % step == 0) | (early < LIVE_EARLY_EPOCHS))
        assert set(range(min(shown, LIVE_EARLY_EPOCHS))) <= set(early)
        np.testing.assert_allclose(line["y"], run["cost"][x], rtol=1e-4)
        # the gap to the optimum at each epoch of the batch, for the epoch on screen
        notes = data["panels"][0]["notes"]
        assert [n["epoch"] for n in notes] == list(range(shown, last + 1))
        assert notes[-1]["text"].startswith("gap to optimum: ")
        # 1-D data: the (w, b) paths over both surfaces, at the same epochs
        log_panel, mse_panel = data["paths"]["panels"]
        assert log_panel["epoch"] == line["x"]
        np.testing.assert_allclose(log_panel["x"], run["path_w"][x, 0], rtol=1e-4)
        np.testing.assert_allclose(log_panel["y"], run["path_b"][x], rtol=1e-4)
        assert mse_panel["title"].startswith("MSE") and len(mse_panel["shade"]) == 51
        shown = last
        at.run()  # the next batch
    at.button(key="tr_pause").click().run()
    assert status(at).startswith("Paused")
    assert not [c for c in at.get("bidi_component")
                if c.proto.component_name == "loss_lab_live_chart"]
    assert metrics_figure(at)["data"]
    assert_charts_finite(at)


def test_while_running_on_2d_data_the_live_chart_moves_the_boundary(app):
    at = app
    at.selectbox(key="ds.name").set_value("blobs").run()
    at.select_slider(key="tr.epochs").set_value(2000).run()
    at.select_slider(key="tr.speed").set_value(200).run()
    at.button(key="tr_reset").click().run()
    at.button(key="tr_run").click().run()
    assert not at.exception and status(at).startswith("Running")
    assert not chart_elements(at)  # the live chart draws the boundary
    at.run()  # a second batch
    data = live_data(at)
    tr = session(at)
    run = tr.runs["log"].arrays()
    boundary = data["boundary"]["boundaries"][0]  # log loss, then MSE
    epochs_drawn = [f["epoch"] for f in boundary["frames"]]
    assert epochs_drawn[0] == data["start"] and epochs_drawn[-1] == data["last"]
    assert 2 <= len(epochs_drawn) <= 8 and epochs_drawn == sorted(epochs_drawn)
    for frame in boundary["frames"]:
        ends = np.asarray(frame["segments"]).reshape(-1, 2)
        assert len(ends) >= 2
        e = int(frame["epoch"])
        # degree 1: the logit is linear in the inputs, so each end is on it
        logit = tr.prep.pre.transform(ends) @ run["path_w"][e] + run["path_b"][e]
        scale = np.abs(run["path_w"][e]).sum() + abs(run["path_b"][e])
        assert np.all(np.abs(logit) < 1e-3 * scale)
    n_points = tr.prep.n_rows
    assert len(data["boundary"]["points"]["x"]) == n_points
    at.button(key="tr_pause").click().run()
    assert "log loss boundary (p = 0.5)" in names(at)


def test_live_data_drops_non_finite_values_and_marks_the_best_epoch():
    h = {"epoch": np.arange(6.0), "cost": [0.7, 0.5, 0.4, 3e5, np.inf, np.nan],
         "val_loss": [0.8, 0.6, 0.5, 0.7, 0.9, 1.0],
         "train_acc": [0.5] * 6, "val_acc": [0.5] * 6, "grad_norm": [1, 0, 1, 1, 1, 1]}
    data = make_live_data({"log": h}, reference_cost=0.3, best_epochs={"log": 2},
                          epochs=10, start=4, run="r", reveal_s=0.25)
    for line in data["lines"]:
        assert np.all(np.isfinite(line["y"])) and len(line["x"]) == len(line["y"])
    cost = next(ln for ln in data["lines"] if ln["panel"] == 0 and not ln["dashed"])
    assert cost["x"] == [0, 1, 2, 3]  # stops at the last finite cost
    grad = next(ln for ln in data["lines"] if ln["panel"] == 2)
    assert 1 not in grad["x"]  # log10(0) is not drawn
    assert data["marks"] == [
        {"panel": 0, "x": 2.0, "y": 0.5, "colour": REDDISH_PURPLE}]
    assert data["hlines"][0]["y"] == 0.3
    # the gap at epochs 4 and 5 (this batch): none, the cost is not finite there
    assert data["panels"][0]["notes"] == []
    legend = {e["name"]: e for e in data["legend"]}
    assert legend["log loss: best validation (epoch 2)"]["epoch"] == 2
    assert data["x_max"] == 10 and data["last"] == 5 and data["start"] == 4


def test_live_data_of_a_diverged_run_next_to_a_finite_one_is_finite():
    def history(scale):
        n = 6
        path_w = np.column_stack([np.arange(n) * scale, np.ones(n)])
        return {"epoch": np.arange(float(n)), "cost": np.linspace(0.7, 0.3, n) * scale,
                "val_loss": np.zeros(0), "train_acc": np.full(n, 0.5),
                "val_acc": np.zeros(0), "grad_norm": np.ones(n) * scale,
                "path_w": path_w, "path_b": np.arange(n) * scale}

    bad = history(1.0)
    bad["path_w"][3:] = np.nan
    bad["path_b"][4:] = np.inf
    bad["cost"][3:] = np.inf
    g = np.linspace(-3, 3, 20)
    G1, G2 = np.meshgrid(g, g)
    boundary = {"grid": (g, g), "grid_features": np.column_stack([G1.ravel(),
                                                                  G2.ravel()]),
                "points": (np.zeros((1, 2)), np.array([1]), np.array([False]))}
    data = make_live_data({"log": history(1.0), "mse": bad}, reference_cost=0.2,
                          epochs=6, start=2, run="r", reveal_s=0.25,
                          boundary=boundary)
    assert json.loads(json.dumps(data, allow_nan=False)) == data  # no NaN, no inf
    good, diverged = data["boundary"]["boundaries"]
    assert [f["epoch"] for f in good["frames"]] == [2, 3, 4, 5]
    assert [f["epoch"] for f in diverged["frames"]] == [2]  # its last finite weights
    assert all(len(f["segments"]) for f in good["frames"][1:])
    assert [n["epoch"] for n in data["panels"][0]["notes"]] == [2, 3, 4, 5]


def test_no_validation_rows_with_polynomial_features(app):
    at = app
    at.selectbox(key="ds.name").set_value("moons").run()
    at.select_slider(key="tr.val").set_value(0.0).run()
    at.slider(key="tr.degree").set_value(3).run()
    at.select_slider(key="tr.epochs").set_value(50).run()
    at.select_slider(key="tr.speed").set_value(2000).run()
    assert not at.exception and not at.error
    click_run(at)
    assert not at.exception and status(at).startswith("Finished")
    assert_charts_finite(at)


def test_changing_the_learning_rate_continues_from_the_current_weights(app):
    at = app
    at.button(key="tr_reset").click().run()
    for _ in range(3):
        at.button(key="tr_step").click().run()
    at.select_slider(key="tr.lr").set_value(0.3).run()
    assert not at.exception
    assert epochs(at) == [3, 3]
    assert "continues from the current weights" in " ".join(
        c.value for c in at.caption)
    at.select_slider(key="tr.epochs").set_value(500).run()
    at.select_slider(key="tr.speed").set_value(100).run()
    click_run(at)
    assert epochs(at) == [500, 500]
    # a change to the start point starts afresh
    at.slider(key="tr.w0").set_value(0.0).run()
    assert status(at).startswith("Ready") and epochs(at) == [0, 0]


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_every_optimizer_on_every_dataset(app, dataset):
    at = app
    at.selectbox(key="ds.name").set_value(dataset).run()
    at.select_slider(key="tr.epochs").set_value(10).run()
    at.select_slider(key="tr.speed").set_value(200).run()
    assert not at.exception
    for optimizer in OPTIMIZERS:
        at.selectbox(key="tr.optimizer").set_value(optimizer).run()
        at.button(key="tr_reset").click().run()
        at.button(key="tr_step").click().run()
        assert not at.exception, (dataset, optimizer)
        assert all(e == 1 for e in epochs(at)), (dataset, optimizer, status(at))
        click_run(at)
        assert not at.exception, (dataset, optimizer)
        assert status(at).startswith("Finished"), (dataset, optimizer)
        assert_charts_finite(at)
        n_features = session(at).prep.n_inputs
        expected = {1: "log loss path", 2: "log loss boundary (p = 0.5)"}.get(
            n_features, "log loss weights")
        assert expected in names(at), (dataset, optimizer)


def test_divergence_story_explains_in_words_and_charts_stay_finite(app):
    at = app
    at.button(key="tr_story_lr").click().run()
    assert status(at).startswith("Running")
    run_to_end(at, check=assert_live_finite)
    assert not at.exception
    assert status(at).startswith("Finished")
    errors = " ".join(e.value for e in at.error)
    assert "Learning rate 30 is too high for unscaled features" in errors
    assert "standardise the features" in errors
    run = session(at).runs["log"]
    assert run.diverged and run.epochs_run < 100
    costs = run.arrays()["cost"]
    assert f"cost rose from {costs[0]:.3g}" in errors
    assert_charts_finite(at)
    # the fix the text suggests works
    at.toggle(key="tr.standardise").set_value(True).run()
    at.select_slider(key="tr.lr").set_value(3.0).run()
    click_run(at)
    assert not at.error
    assert status(at).startswith("Finished")


def test_overfitting_story_marks_the_best_validation_epoch(app):
    at = app
    at.button(key="tr_story_overfit").click().run()
    run_to_end(at)
    assert not at.exception
    assert status(at).startswith("Finished")
    warning = " ".join(w.value for w in at.warning)
    assert "Overfitting" in warning
    run = session(at).runs["log"]
    a = run.arrays()
    best = int(np.argmin(a["val_loss"]))
    assert f"lowest at epoch {best}" in warning
    assert f"log loss: best validation (epoch {best})" in names(at)
    assert a["val_loss"][-1] > a["val_loss"][best] and a["cost"][-1] < a["cost"][best]
    assert "log loss boundary (p = 0.5)" in names(at)
    prep = session(at).prep
    assert prep.n_rows == 60  # the story's 60 moons
    assert len(prep.y_val) == 30


def test_download_holds_the_model_and_its_preprocessing(app):
    at = app
    at.button(key="tr_story_overfit").click().run()
    run_to_end(at)
    button = at.get("download_button")[0]
    assert not button.proto.disabled
    # made on the click (deferred), not registered on every run: a file of the
    # last run is gone by the next, and a slow browser asked for it (a 404)
    assert button.proto.deferred_file_id and not button.proto.url
    export = json.loads(session(at).export_json)
    run = session(at).runs["log"]
    assert export["w"] == [float(v) for v in run.w] and export["b"] == run.b
    assert export["preprocessing"]["polynomial_degree"] == 10
    assert export["preprocessing"]["standardise"] is True
    assert export["input_features"] == ["x1", "x2"]
    assert export["training"]["optimizer"] == "adam"
    assert len(export["feature_names"]) == len(export["w"]) == 65
    from ui.exports import export_logits

    X = core.two_d("moons", n=60, noise=0.25, seed=0).X
    pre = session(at).prep.pre
    np.testing.assert_allclose(export_logits(export, X), pre.transform(X) @ run.w
                               + run.b, rtol=1e-10, atol=1e-10)


def test_trained_model_scores_reach_the_threshold_page_typed(app):
    at = click_run(app)
    run_to_end(at)
    scores = at.session_state["trained_scores"]
    assert isinstance(scores, TrainedScores)
    run = session(at).runs["log"]
    prep = session(at).prep
    np.testing.assert_array_equal(scores.y_true, prep.y_val)
    np.testing.assert_allclose(scores.scores, core.sigmoid(prep.X_val @ run.w + run.b))
    assert scores.label.startswith("log loss model on ") and "epoch 300" in scores.label


# ------------------------------------------------------------ state, URL, caches
def open_link(params: dict) -> AppTest:
    """A fresh session that opens the Training page with ``params`` in its URL."""
    at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at.switch_page(PAGE).run()


def controls(at) -> dict:
    """The value of every control on screen, by its field of TrainingState."""
    found = {}
    for kind in ("radio", "selectbox", "select_slider", "slider", "toggle",
                 "number_input"):
        for widget in at.get(kind):
            if widget.key and widget.key.startswith("tr."):
                found[widget.key.removeprefix("tr.")] = widget.value
    return found


def url(at) -> dict:
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


HAND_SET = {"tr.optimizer": "momentum", "tr.lr": 0.3, "tr.epochs": 100, "tr.l2": 0.01,
            "tr.val": 0.2, "tr.w0": -2.0, "tr.b0": 2.5, "tr.seed": 3,
            "tr.standardise": False}


def set_controls(at, values: dict):
    for key, value in values.items():
        widget = next(w for kind in ("radio", "selectbox", "select_slider", "slider",
                                     "toggle", "number_input")
                      for w in at.get(kind) if w.key == key)
        widget.set_value(value).run()
        assert not at.exception, key
    return at


def test_a_link_restores_the_controls_and_the_finished_run(app):
    at = set_controls(app, HAND_SET)
    click_run(at)
    shown, line = controls(at), status(at)
    params = url(at)
    assert params["tr.lr"] == "0.3" and params["tr.opt"] == "momentum"
    assert "tr.story" not in params and "tr.loss" not in params  # defaults stay out

    fresh = open_link(params)
    assert not fresh.exception
    assert controls(fresh) == shown
    assert status(fresh) == line  # same epochs, same costs
    assert url(fresh) == params


@pytest.mark.parametrize("params", [
    {"tr.lr": "abc"},
    {"tr.epochs": "7"},
    {"tr.opt": "<b>x</b>"},
    {"tr.degree": "99"},
    {"tr.w0": "nan"},
    {"tr.b0": "inf"},
    {"tr.seed": "-1"},
    {"tr.std": "maybe"},
    {"tr.story": "<script>alert(1)</script>"},
    {"tr.speed": "x" * 10_000},
    {"tr.lr": ["0.3", "1e999"]},
], ids=lambda p: next(iter(p)) + "=" + str(next(iter(p.values())))[:12])
def test_malformed_link_parameters_fall_back_to_the_defaults(params):
    at = open_link(params)
    assert not at.exception
    assert current_model(at) == TrainingState()
    assert controls(at) == controls_of(TrainingState())
    (notice,) = [w.value for w in at.warning if "could not be used" in w.value]
    assert next(iter(params)) in notice and "<" not in notice
    assert status(at).startswith("Finished") and epochs(at) == [300, 300]


def current_model(at) -> TrainingState:
    return at.session_state[TrainingState.KEY]


def controls_of(model: TrainingState) -> dict:
    shown = {"loss", "optimizer", "lr", "epochs", "l2", "val", "w0", "b0",
             "standardise", "seed", "speed"}  # 1-D data, gd: no degree, no batch
    return {name: getattr(model, name) for name in shown}


def test_settings_and_a_story_survive_a_page_switch(app):
    at = set_controls(app, HAND_SET)
    before, line = controls(at), status(at)
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert controls(at) == before and status(at) == line

    at.button(key="tr_story_lr").click().run()
    run_to_end(at)
    story, line = controls(at), status(at)
    assert story["lr"] == 30.0 and story["epochs"] == 100
    assert url(at)["tr.story"] == "lr"
    at.switch_page("pages/loss_functions.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert controls(at) == story and status(at) == line
    assert current_model(at).story == "lr"
    assert at.selectbox(key="ds.name").value == "blobs"


def test_changing_a_control_by_hand_ends_the_story(app):
    at = app
    at.button(key="tr_story_overfit").click().run()
    assert current_model(at).story == "overfit" and url(at)["tr.story"] == "overfit"
    at.button(key="tr_pause").click().run()
    at.select_slider(key="tr.epochs").set_value(500).run()
    assert current_model(at).story == "" and "tr.story" not in url(at)
    assert current_model(at).degree == 10  # the story's other settings stay
    # so does choosing other data in the sidebar
    at.button(key="tr_story_lr").click().run()
    run_to_end(at)
    assert current_model(at).story == "lr"
    at.selectbox(key="ds.name").set_value("circles").run()
    assert current_model(at).story == "" and "tr.story" not in url(at)
    assert current_model(at).lr == 30.0


def test_a_story_link_sets_the_story_up_and_runs_it():
    at = open_link({"tr.story": "lr"})
    assert not at.exception
    assert status(at).startswith("Running")
    assert "Data: 2\\-D blobs" in [c.value for c in at.caption]  # escaped text
    assert controls(at)["lr"] == 30.0 and controls(at)["epochs"] == 100
    run_to_end(at)
    assert at.selectbox(key="ds.name").value == "blobs"  # the sidebar, once stopped
    assert "too high for unscaled features" in " ".join(e.value for e in at.error)


def test_an_uploads_reference_and_surfaces_stay_in_the_session(monkeypatch):
    from ui import memo
    from ui import training_session as ts
    from ui.sidebar import Chosen

    shared_calls = []
    monkeypatch.setattr(memo.SHARED, "get", lambda name, key, compute: (
        shared_calls.append(name) or compute()))
    session_store = {}
    monkeypatch.setattr(memo.st, "session_state", session_store)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 1))
    y = (x[:, 0] + rng.normal(size=80) > 0).astype(float)
    model = TrainingState(epochs=10, l2=0.01)

    def session_on(key, shared):
        chosen = Chosen(core.Dataset("data", x, y, ("x",), ""), key, shared)
        sig = ts.Signature.of(model, chosen)
        return ts.TrainingSession(sig, ts.prepare(chosen, sig),
                                  ts.RunSettings.of(model), {})

    upload = session_on("upload-sha", shared=False)
    assert not upload.prep.shared
    assert upload.reference().finite and set(upload.surfaces()) == {"log", "mse"}
    assert shared_calls == []
    stores = session_store["_memo"]
    assert len(stores["tr.reference"]) == 2  # at l2, and at 0 for the window
    assert len(stores["tr.surface"]) == 2
    # built-in data: the shared store, keyed by what the data are
    built_in = session_on("moons-settings", shared=True)
    assert built_in.prep.shared and built_in.prep.digest != upload.prep.digest
    built_in.reference()
    assert shared_calls == ["tr.reference"]


def _history(n: int, scale: float = 1.0) -> dict:
    ep = np.arange(float(n))
    return {"epoch": ep, "cost": np.linspace(4.4, 0.4, n) * scale,
            "val_loss": np.linspace(4.5, 0.5, n) * scale,
            "train_acc": np.linspace(0.5, 0.9, n), "val_acc": np.linspace(0.5, 0.8, n),
            "grad_norm": np.ones(n)}


def _panels_of(fig) -> dict[str, set[str]]:
    """Each trace name and the x axes (panels) its traces are on."""
    by_name = {}
    for trace in fig.data:
        by_name.setdefault(trace.name, set()).add(trace.xaxis)
    return by_name


def test_metrics_legend_names_line_styles_and_each_cost_has_its_own_axis():
    runs = {"log": _history(6), "mse": _history(6, 0.1)}
    fig = make_metrics_figure(runs, reference_cost=0.38, mse_reference_cost=0.12,
                              epochs=6)
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert "log loss: training" in legend and "log loss: validation" in legend
    assert not any("validation loss" in n for n in legend)
    assert len(legend) == len(set(legend))  # one entry per name
    by_name = _panels_of(fig)
    # the dotted validation entry stands for the validation cost and accuracy,
    # and a click on it hides both (one legend group)
    assert by_name["log loss: validation"] == {"x", "x3"}
    assert by_name["MSE: validation"] == {"x2", "x3"}
    assert {t.legendgroup for t in fig.data if t.name == "MSE: validation"} == {
        "MSE: validation"}
    assert by_name["lowest MSE cost = 0.1200"] == {"x2"}
    assert by_name["scikit-learn optimum J* = 0.3800"] == {"x"}
    assert [fig.layout.yaxis.title.text, fig.layout.yaxis2.title.text] == [
        "cost J (log loss)", "cost J (MSE)"]
    assert list(fig.layout.yaxis3.range) == [0, 1]  # accuracy
    live = make_live_data(runs, reference_cost=0.38, mse_reference_cost=0.12,
                          epochs=6, start=0, run="r", reveal_s=0.25)
    assert len(live["panels"]) == 4 and live["panels"][2]["y_max"] == 1
    assert {h["panel"] for h in live["hlines"]} == {0, 1}
    only_log = make_metrics_figure({"log": _history(6)}, epochs=6)
    assert [a.text for a in only_log.layout.annotations] == [
        "Cost per epoch", "Accuracy", "Gradient norm"]
    assert "xaxis4" not in only_log.layout.to_plotly_json()


def test_the_gap_note_fits_in_its_panel():
    """Four panels at 1280 px leave about 150 px each: the note's lines, at 14 px,
    must stay under about 16 characters (one line of it ran over the y axis); it
    sits inside the log-loss cost panel."""
    fig = make_metrics_figure({"log": _history(6), "mse": _history(6, 0.1)},
                              reference_cost=0.38, epochs=6)
    note = next(a for a in fig.layout.annotations
                if a.text.startswith("gap to optimum"))
    assert note.text.startswith("gap to optimum:<br>")
    assert max(len(line) for line in note.text.split("<br>")) <= 16
    assert (note.xref, note.yref, note.xanchor) == ("x domain", "y domain", "right")


def test_the_x_axis_follows_the_epochs_a_diverged_run_ran():
    from types import SimpleNamespace

    from ui.training_views import x_axis_epochs

    def sess(*runs):
        return SimpleNamespace(settings=SimpleNamespace(epochs=100), runs={
            f"r{i}": SimpleNamespace(diverged=d, epochs_run=e)
            for i, (d, e) in enumerate(runs)})

    assert x_axis_epochs(sess((True, 6))) == 6
    assert x_axis_epochs(sess((True, 6), (False, 40))) == 100
    assert x_axis_epochs(sess((False, 40))) == 100
    fig = make_metrics_figure({"log": _history(7)}, epochs=6)
    assert list(fig.layout.xaxis.range) == [0, 6]


def test_squared_error_optimum_is_a_stationary_point_below_the_runs():
    from core import cost_and_gradient, one_d
    from core.fitting import reference_optimum, squared_error_optimum

    ds = one_d(n=200, separation=2.0, noise=1.0, balance=0.5, seed=0)
    ref = reference_optimum(ds.X, ds.y, 0.0)
    best = squared_error_optimum(ds.X, ds.y, 0.0, ref)
    at_log_optimum, _, _ = cost_and_gradient("mse", ds.X, ds.y, ref.w, ref.b)
    assert best <= at_log_optimum
    # no point near it is lower
    for dw in (-0.05, 0.05):
        J, _, _ = cost_and_gradient("mse", ds.X, ds.y, ref.w + dw, ref.b)
        assert best <= J
