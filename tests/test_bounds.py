"""Work bounded by its cost: the reference fit, a training epoch and the cost
surfaces estimate their work first and, above a budget, subsample or cap and say
so (issue 12, item 4). The tests check the estimate and the decision, not time."""

import numpy as np
import pytest
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

import core
from core.fitting import (
    EPOCH_BUDGET,
    REFERENCE_BUDGET,
    REFERENCE_MAX_ITER,
    epoch_cost,
    reference_optimum,
    reference_plan,
    stratified_subsample,
    training_rows,
)
from ui import training_session
from ui.advice import reference_bound_message
from ui.models import TrainingState
from ui.sidebar import Chosen
from ui.training_session import SESSION_KEY, Signature, newton_refusal, prepare


@pytest.mark.parametrize(("n_rows", "n_features", "subsampled", "capped_iter"), [
    (200, 1, False, False),  # the teaching sets: the full, tight fit
    (7_000, 2, False, True),  # 2-D moons: every row, ~2,900 iterations at most
    (569, 30, False, True),  # breast cancer: fewer iterations, every row
    (7_000, 30, True, True),
    (7_000, 90, True, True),  # degree 12 on 10,000 moons: a subsample
    (1_000_000, 30, True, True),  # a large upload
    (50, 100_000, True, True),  # wider than the budget allows at all
])
def test_reference_plan_stays_within_its_budget(n_rows, n_features, subsampled,
                                                capped_iter):
    plan = reference_plan(n_rows, n_features)
    assert plan.subsampled is subsampled
    assert (plan.max_iter < REFERENCE_MAX_ITER) is capped_iter
    assert plan.rows >= 2 and plan.max_iter >= 1
    assert plan.cost <= max(REFERENCE_BUDGET, 2 * n_features * plan.max_iter)


def test_a_small_reference_is_the_full_uncapped_fit():
    d = core.one_d(n=200, seed=0)
    ref = reference_optimum(d.X, d.y, 0.01)
    assert ref.finite and not ref.capped and ref.rows == ref.n_rows == 200
    assert reference_bound_message(ref) is None


def test_a_reference_over_budget_uses_a_stratified_subsample_and_says_so():
    d = core.two_d("moons", n=3_000, noise=0.25, seed=0)
    ref = reference_optimum(d.X, d.y, 0.01, budget=200_000)
    plan = reference_plan(3_000, 2, budget=200_000)
    assert ref.finite and ref.capped and plan.subsampled
    assert abs(ref.rows - plan.rows) <= 2 and ref.n_rows == 3_000
    assert np.isfinite(ref.cost)  # the cost of that fit, on every row
    text = reference_bound_message(ref)
    assert f"{ref.rows:,}-row subsample of the 3,000 training rows" in text


def test_stratified_subsample_keeps_both_classes_and_their_shares():
    y = np.r_[np.zeros(9_900), np.ones(100)]
    rows = stratified_subsample(y, 500, seed=1)
    assert np.all(np.diff(rows) > 0)
    assert set(y[rows]) == {0.0, 1.0}
    assert abs(y[rows].mean() - 0.01) < 0.005


def test_epoch_cost_and_training_rows():
    assert epoch_cost(1_000, 10) == 20_000
    assert epoch_cost(1_000, 10, "newton") == 20_000 + 100_000 + 1_000
    assert training_rows(7_000, 90) == 7_000  # degree 12 on moons: all rows
    keep = training_rows(5_000_000, 40)
    assert keep < 5_000_000 and epoch_cost(keep, 40) <= EPOCH_BUDGET


def _chosen(X, y) -> Chosen:
    names = tuple(f"x{i}" for i in range(X.shape[1]))
    return Chosen(core.Dataset("wide", X, y, names, ""), f"wide{X.shape}", False)


def test_training_on_too_many_rows_uses_a_subsample_and_says_so():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(700_000, 40))
    y = (X[:, 0] > 0).astype(float)
    chosen = _chosen(X, y)
    model = TrainingState(loss="log", val=0.3)
    prep = prepare(chosen, Signature.of(model, chosen))
    assert epoch_cost(*prep.X.shape) <= EPOCH_BUDGET
    assert "-row subsample of the 490,000 training rows" in prep.bound_note


def test_newton_on_wide_data_asks_for_another_optimizer():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3_000, 500))
    y = (X[:, 0] > 0).astype(float)
    chosen = _chosen(X, y)
    model = TrainingState(loss="log", optimizer="newton", val=0.0)
    prep = prepare(chosen, Signature.of(model, chosen))
    assert prep.bound_note == ""
    words = newton_refusal(prep, "newton")
    assert "500 x 500 Hessian" in words and "Adam" in words
    assert newton_refusal(prep, "adam") is None


def test_degree_12_on_10000_moons_answers_within_the_bound_and_says_so():
    at = AppTest.from_file(APP_PATH, default_timeout=120)
    for key, value in {"ds.name": "moons", "ds.n": "10000", "tr.degree": "12",
                       "tr.loss": "log"}.items():
        at.query_params[key] = value
    at.switch_page("pages/training.py").run()
    assert not at.exception
    sess = at.session_state[SESSION_KEY]
    assert sess.prep.X.shape == (7_000, 90)
    ref = sess.reference()
    plan = reference_plan(7_000, 90)
    assert ref.capped and ref.n_rows == 7_000 and ref.max_iter == plan.max_iter
    assert plan.cost <= REFERENCE_BUDGET
    captions = " ".join(c.value for c in at.caption)
    assert f"{ref.rows:,}-row subsample of the 7,000 training rows" in captions


def test_cost_surfaces_of_many_rows_use_a_bounded_subsample(monkeypatch):
    seen = []
    monkeypatch.setattr(training_session, "penalised_surface",
                        lambda x, y, *a: seen.append(len(y)) or np.zeros((2, 2)))
    rows = training_session.surface_rows(10**7)
    assert rows * training_session.SURFACE_GRID**2 <= training_session.SURFACE_BUDGET
    x = np.linspace(-3, 3, 50_000)
    y = (x > 0).astype(float)
    training_session._surface(x, y, (-1, 1, -1, 1), "log", 0.0)
    assert seen and seen[0] <= min(rows + 2, 50_000)
    assert training_session.surface_rows(200) == 200
