"""Walk one example: the dataflow's numbers against core on the same row, the
likelihood identity, and the page (AppTest)."""

import numpy as np
import pytest
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

import core
from core.dataflow import ShapeError, likelihood, trace_example
from core.fitting import fit_preprocessor, polynomial_features
from core.slices import fitted_optimum

CASES = [
    ("1-D", core.one_d(n=200), 1),
    ("2-D moons, degree 3", core.two_d("moons", n=200, noise=0.25), 3),
    ("breast cancer", core.breast_cancer(), 1),
]


@pytest.mark.parametrize(("name", "data", "degree"), CASES, ids=[c[0] for c in CASES])
def test_every_number_of_the_walk_equals_core_on_the_same_row(name, data, degree):
    X, y = data.X, data.y
    pre = fit_preprocessor(X, degree, True, data.feature_names)
    Xm = pre.transform(X)
    opt = fitted_optimum(Xm, y)
    w, b = opt.w, opt.b
    cost = core.CostMatrix(tp=-1.0, fp=10.0, fn=30.0, tn=0.0)
    for row in (0, len(y) // 2, len(y) - 1):
        t = trace_example(X[row], int(y[row]), pre, w, b, 0.3, cost)
        assert t.x_raw.shape == (1, X.shape[1])
        assert t.x_poly.shape == (1, len(w)) == (1, Xm.shape[1])
        np.testing.assert_array_equal(t.x_poly, polynomial_features(X[[row]],
                                                                   degree)[0])
        np.testing.assert_allclose(t.x_model[0], Xm[row], rtol=0, atol=1e-12)
        z = float(Xm[row] @ w + b)
        assert t.z == pytest.approx(z, abs=1e-10)
        assert t.p == pytest.approx(float(core.sigmoid(z)), abs=1e-12)
        for loss in ("log", "mse"):
            value, dz = core.loss_and_dz(loss, y[[row]], np.array([z]))
            assert t.loss[loss] == pytest.approx(value[0], rel=1e-9, abs=1e-12)
            assert t.dz[loss] == pytest.approx(dz[0], rel=1e-9, abs=1e-12)
        predicted = int(core.sigmoid(z) >= 0.3)
        assert t.decision == predicted
        cell = {(1, 1): "tp", (0, 1): "fp", (1, 0): "fn", (0, 0): "tn"}[
            (int(y[row]), predicted)]
        assert (t.cell, t.cost) == (cell, getattr(cost, cell))


def test_shape_contracts_refuse_a_wrong_row_and_a_wrong_label():
    data = core.two_d("blobs", n=50)
    pre = fit_preprocessor(data.X, 2)
    w = np.zeros(5)
    with pytest.raises(ShapeError, match=r"\(1, 2\), got \(1, 3\)"):
        trace_example([1.0, 2.0, 3.0], 1, pre, w, 0.0, 0.5, core.CostMatrix())
    with pytest.raises(ShapeError, match=r"2 weights .* shape \(1, 5\)"):
        trace_example([1.0, 2.0], 1, pre, np.zeros(2), 0.0, 0.5, core.CostMatrix())
    with pytest.raises(ShapeError, match="0 or 1"):
        trace_example([1.0, 2.0], 2, pre, w, 0.0, 0.5, core.CostMatrix())


@pytest.mark.parametrize("data", [core.one_d(n=10_000), core.breast_cancer(),
                                  core.tumour()])
def test_minus_log_likelihood_over_m_is_the_log_loss_cost(data):
    rng = np.random.default_rng(0)
    w = rng.normal(size=data.n_features)
    b = 0.3
    lik = likelihood(data.y, data.X @ w + b)
    J = core.cost_and_gradient("log", data.X, data.y, w, b)[0]
    assert -lik.log_l / lik.m == pytest.approx(J, rel=0, abs=1e-12)
    assert lik.cost == pytest.approx(J, rel=0, abs=1e-12)
    assert lik.log10_l == pytest.approx(lik.log_l / np.log(10))


def test_the_naive_product_underflows_where_the_log_does_not():
    data = core.one_d(n=10_000)
    lik = likelihood(data.y, 2.0 * data.X[:, 0])
    assert lik.product == 0.0 and np.isfinite(lik.log_l) and lik.log_l < -745


def _walk() -> AppTest:
    at = AppTest.from_file(APP_PATH, default_timeout=120).run()
    at.switch_page("pages/walk.py").run()
    assert not at.exception
    return at


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_walk_page_every_dataset_and_the_likelihood_agrees():
    at = _walk()
    for key in ("one_d", "moons", "breast_cancer", "tumour"):
        at.selectbox(key="ds.name").set_value(key).run()
        assert not at.exception, key
        m = _metrics(at)
        assert m["-log L / m"] == m["J from the cost function"], key
        steps = list(at.dataframe[0].value["step"])
        assert steps[0] == "raw x" and steps[-1] == "-> its cost"


def test_walk_page_row_degree_nudges_and_a_typed_row():
    at = _walk()
    at.selectbox(key="ds.name").set_value("moons").run()
    at.slider(key="walk.degree").set_value(3).run()
    table = at.dataframe[0].value.set_index("step")
    assert table.loc["-> polynomial features", "shape"] == "(1, 9)"
    before = _metrics(at)["Log loss of this model"]
    at.slider(key="walk.w_scale").set_value(3.0).run()
    assert _metrics(at)["Log loss of this model"] != before
    at.number_input(key="walk.row").set_value(7).run()
    assert not at.exception
    at.toggle(key="walk.typed").set_value(True).run()
    at.text_input(key="walk.x").input("0.5, -0.2").run()
    assert not at.exception
    assert "[0.5, -0.2]" in at.dataframe[0].value.set_index("step").loc["raw x",
                                                                        "value"]
    at.text_input(key="walk.x").input("1, 2, 3").run()
    assert "Shape contract broken" in at.error[0].value


def test_walk_page_reads_the_threshold_and_costs_and_the_trained_model():
    from ui.models import ThresholdState

    at = AppTest.from_file(APP_PATH, default_timeout=200).run()
    # as the Threshold page leaves it: flag almost no one, so a positive is an FN
    at.session_state[ThresholdState.KEY] = ThresholdState(threshold=0.999,
                                                          cost_fn=77.0)
    at.switch_page("pages/training.py").run()
    at.switch_page("pages/walk.py").run()
    assert not at.exception
    positive = int(np.flatnonzero(core.one_d(n=200).y == 1)[0])
    at.number_input(key="walk.row").set_value(positive).run()
    table = at.dataframe[0].value.set_index("step")
    assert table.loc["-> its cost", "value"] == "77.00 (FN)"
    at.radio(key="walk.source").set_value("trained").run()
    assert not at.exception
    assert any("Training page's log loss run" in c.value for c in at.caption)
