"""Training: every optimizer against scikit-learn's LogisticRegression, the history's
bookkeeping, determinism, divergence and argument checking."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

import core

OPTIMIZERS = ("gd", "sgd", "momentum", "adam", "newton")
RAISE = {"over": "raise", "invalid": "raise", "divide": "raise"}


@pytest.fixture(scope="module")
def cancer():
    ds = core.breast_cancer()
    return ds.X, ds.y


@pytest.fixture(scope="module")
def oned():
    ds = core.one_d(n=200, seed=0)
    return ds.X, ds.y


def _sklearn_optimum(X, y, C):
    """The L2-regularised optimum: sklearn minimises C sum(loss) + ||w||^2 / 2, which is
    C n times our mean(loss) + (l2 / 2) ||w||^2 with l2 = 1 / (C n)."""
    model = LogisticRegression(C=C, tol=1e-12, max_iter=10_000,
                               solver="newton-cholesky").fit(X, y)
    l2 = 1.0 / (C * len(y))
    w, b = model.coef_[0], float(model.intercept_[0])
    return l2, w, b, core.cost_and_gradient("log", X, y, w, b, l2=l2)[0]


def test_newton_reaches_sklearn_optimum_to_1e9(cancer, oned):
    for X, y in (cancer, oned):
        l2, w, b, J_star = _sklearn_optimum(X, y, C=1.0)
        h = core.train(X, y, optimizer="newton", learning_rate=1.0, epochs=25, l2=l2)
        assert not h.diverged
        assert abs(h.cost[-1] - J_star) < 1e-9
        assert np.allclose(h.w, w, rtol=1e-5, atol=1e-6) and h.b == pytest.approx(
            b, rel=1e-5, abs=1e-6)
        assert h.grad_norm[-1] < 1e-8


@pytest.mark.parametrize(
    ("optimizer", "learning_rate", "epochs"),
    [("gd", 1.0, 1000), ("momentum", 0.1, 1000), ("adam", 0.01, 2500)],
)
def test_first_order_optimizers_reach_sklearn_optimum_to_1e4(cancer, oned, optimizer,
                                                             learning_rate, epochs):
    for X, y in (cancer, oned):
        l2, _, _, J_star = _sklearn_optimum(X, y, C=1.0)
        h = core.train(X, y, optimizer=optimizer, learning_rate=learning_rate,
                       epochs=epochs, l2=l2)
        assert not h.diverged
        assert h.cost[0] - J_star > 0.1  # it had a long way to go
        assert -1e-12 <= h.cost[-1] - J_star < 1e-4


def test_sgd_gets_close_to_the_optimum(oned):
    X, y = oned
    l2, _, _, J_star = _sklearn_optimum(X, y, C=1.0)
    h = core.train(X, y, optimizer="sgd", learning_rate=0.05, epochs=300,
                   batch_size=16, l2=l2, seed=3)
    assert -1e-12 <= h.cost[-1] - J_star < 1e-3


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("loss", ["log", "mse"])
def test_history_bookkeeping_matches_cost_and_gradient(cancer, optimizer, loss):
    X, y = cancer
    l2 = 0.01
    lr = {"gd": 0.5, "sgd": 0.05, "momentum": 0.1, "adam": 0.01, "newton": 1.0}
    w0 = np.linspace(-0.1, 0.1, X.shape[1])
    h = core.train(X, y, loss=loss, optimizer=optimizer,
                   learning_rate=lr[optimizer], epochs=12, l2=l2, w0=w0, b0=0.2,
                   batch_size=64 if optimizer == "sgd" else None)
    assert not h.diverged and h.reason == ""
    assert h.epochs_run == 12
    assert h.cost.shape == (13,) and h.path_b.shape == (13,)
    assert h.path_w.shape == (13, X.shape[1]) and h.grad_norm.shape == (13,)
    assert np.array_equal(h.path_w[0], w0) and h.path_b[0] == 0.2
    assert np.array_equal(h.path_w[-1], h.w) and h.path_b[-1] == h.b
    for k in (0, 1, 5, 12):
        J, gw, gb = core.cost_and_gradient(loss, X, y, h.path_w[k], h.path_b[k], l2=l2)
        assert h.cost[k] == pytest.approx(J, rel=1e-14, abs=1e-16)
        assert h.grad_norm[k] == pytest.approx(np.sqrt(gw @ gw + gb * gb), rel=1e-12)
    assert h.cost[-1] < h.cost[0]


def test_gd_and_momentum_steps_by_hand(oned):
    X, y = oned
    lr, l2 = 0.3, 0.05
    h = core.train(X, y, optimizer="gd", learning_rate=lr, epochs=2, l2=l2)
    _, gw, gb = core.cost_and_gradient("log", X, y, [0.0], 0.0, l2=l2)
    assert np.allclose(h.path_w[1], -lr * gw, rtol=1e-15)
    assert h.path_b[1] == pytest.approx(-lr * gb, rel=1e-15)
    m = core.train(X, y, optimizer="momentum", learning_rate=lr, epochs=2, l2=l2)
    _, gw1, gb1 = core.cost_and_gradient("log", X, y, m.path_w[1], m.path_b[1], l2=l2)
    v_w, v_b = -lr * gw, -lr * gb  # first step equals gd's
    v_w, v_b = 0.9 * v_w - lr * gw1, 0.9 * v_b - lr * gb1
    assert np.allclose(m.path_w[2], m.path_w[1] + v_w, rtol=1e-14)
    assert m.path_b[2] == pytest.approx(m.path_b[1] + v_b, rel=1e-14)


def test_adam_first_step_moves_each_parameter_by_the_learning_rate(cancer):
    X, y = cancer
    h = core.train(X, y, optimizer="adam", learning_rate=0.01, epochs=1)
    _, gw, gb = core.cost_and_gradient("log", X, y, np.zeros(X.shape[1]), 0.0)
    # bias-corrected moments are g and g^2, so the step is lr * g / (|g| + 1e-8)
    assert np.allclose(h.path_w[1], -0.01 * gw / (np.abs(gw) + 1e-8), rtol=1e-12)
    assert h.path_b[1] == pytest.approx(-0.01 * gb / (abs(gb) + 1e-8), rel=1e-12)


def test_full_batch_minibatch_optimizers_equal_full_batch_ones(oned):
    """A single mini-batch holding every row is the full batch (up to the order of
    the sum), so sgd equals gd and batched momentum/adam equal the full-batch ones."""
    X, y = oned
    n = len(y)
    for batched, full in (("sgd", "gd"), ("momentum", "momentum"), ("adam", "adam")):
        a = core.train(X, y, optimizer=batched, batch_size=n, epochs=20,
                       learning_rate=0.05, l2=0.01)
        b = core.train(X, y, optimizer=full, epochs=20, learning_rate=0.05, l2=0.01)
        assert np.allclose(a.path_w, b.path_w, rtol=1e-10, atol=1e-13)
        assert np.allclose(a.cost, b.cost, rtol=1e-12)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_same_seed_gives_bit_identical_runs(cancer, optimizer):
    X, y = cancer
    kwargs = dict(optimizer=optimizer, learning_rate=0.05, epochs=8, l2=0.001,
                  batch_size=50 if optimizer in ("sgd", "adam") else None, seed=11)
    a, b = core.train(X, y, **kwargs), core.train(X, y, **kwargs)
    for name in ("cost", "path_w", "path_b", "grad_norm"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.b == b.b and np.array_equal(a.w, b.w)


def test_sgd_with_different_seeds_differs_and_iter_train_equals_train(cancer):
    X, y = cancer
    kwargs = dict(optimizer="sgd", learning_rate=0.05, epochs=5, batch_size=32)
    a = core.train(X, y, seed=1, **kwargs)
    b = core.train(X, y, seed=2, **kwargs)
    assert not np.array_equal(a.path_w[1:], b.path_w[1:])
    assert np.array_equal(a.path_w[0], b.path_w[0])
    steps = list(core.iter_train(X, y, seed=1, **kwargs))
    assert [s.epoch for s in steps] == list(range(6))
    assert np.array_equal(np.array([s.w for s in steps]), a.path_w)
    assert [s.cost for s in steps] == list(a.cost)


def test_iter_train_can_stop_at_any_point_and_holds_copies(oned):
    X, y = oned
    run = core.iter_train(X, y, optimizer="gd", learning_rate=0.5, epochs=1000)
    first = list(itertools.islice(run, 4))
    assert [s.epoch for s in first] == [0, 1, 2, 3]
    assert not run.diverged and run.reason == ""
    # earlier steps are not changed by later updates
    assert not np.array_equal(first[0].w, first[3].w)
    assert np.array_equal(first[0].w, np.zeros(1))
    step = first[2]
    assert isinstance(step, core.Step) and isinstance(step.cost, float)
    assert step.cost == pytest.approx(core.cost_and_gradient("log", X, y, step.w,
                                                             step.b)[0], rel=1e-15)


def test_epochs_zero_returns_the_start(oned):
    X, y = oned
    h = core.train(X, y, epochs=0, w0=[0.5], b0=-1.0)
    assert h.epochs_run == 0 and h.cost.shape == (1,)
    assert h.w.tolist() == [0.5] and h.b == -1.0 and not h.diverged
    assert h.cost[0] == core.cost_and_gradient("log", X, y, [0.5], -1.0)[0]


@pytest.fixture(scope="module")
def unscaled():
    data = load_breast_cancer()  # raw features up to about 4,000
    return data.data, (data.target == 0).astype(float)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam", "sgd", "newton"])
@pytest.mark.parametrize("learning_rate", [30.0, 100.0])
def test_divergence_stops_early_at_a_finite_point(unscaled, optimizer, learning_rate):
    X, y = unscaled
    with np.errstate(**RAISE):  # no warning escapes to the caller either
        h = core.train(X, y, optimizer=optimizer, learning_rate=learning_rate,
                       epochs=200)
    assert h.diverged and h.reason in ("non_finite", "exploded")
    assert h.epochs_run < 200
    assert np.all(np.isfinite(h.cost)) and np.all(np.isfinite(h.path_w))
    assert h.cost.shape == (h.epochs_run + 1,) and h.path_w.shape[0] == h.epochs_run + 1


def test_non_finite_update_ends_at_the_last_finite_point(unscaled):
    X, y = unscaled
    with np.errstate(**RAISE):
        h = core.train(X, y, optimizer="gd", learning_rate=1e300, epochs=50)
        run = core.iter_train(X, y, optimizer="gd", learning_rate=1e300, epochs=50)
        steps = list(run)
    assert h.diverged and h.reason == "non_finite"
    assert h.epochs_run == 0 and np.isfinite(h.cost[0])
    assert run.diverged and run.reason == h.reason and len(steps) == 1


def test_mse_newton_and_separable_data_stay_finite():
    ds = core.tumour()
    for loss in ("log", "mse"):
        h = core.train(ds.X, ds.y, loss=loss, optimizer="newton", learning_rate=1.0,
                       epochs=40)
        assert np.all(np.isfinite(h.cost)) and h.cost[-1] < 0.05
        assert h.cost[-1] <= h.cost[0]


X_OK, Y_OK = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "words"),
    [
        (X_OK, Y_OK, {"optimizer": "lbfgs"}, "Unknown optimizer 'lbfgs'"),
        (X_OK, Y_OK, {"loss": "hinge"}, "Unknown loss"),
        (X_OK, Y_OK, {"learning_rate": 0.0}, "learning rate must be a positive"),
        (X_OK, Y_OK, {"learning_rate": -1.0}, "learning rate must be a positive"),
        (X_OK, Y_OK, {"learning_rate": np.nan}, "learning rate must be a positive"),
        (X_OK, Y_OK, {"learning_rate": None}, "learning rate must be a number"),
        (X_OK, Y_OK, {"epochs": -1}, "epochs must be a whole number"),
        (X_OK, Y_OK, {"epochs": 2.5}, "epochs must be a whole number"),
        (X_OK, Y_OK, {"epochs": None}, "epochs must be a number"),
        (X_OK, Y_OK, {"batch_size": 0}, "batch_size must be a whole number"),
        (X_OK, Y_OK, {"l2": -0.1}, "L2 strength"),
        (X_OK, Y_OK, {"w0": [1.0]}, "w0 must hold 2 finite numbers"),
        (X_OK, Y_OK, {"w0": [1.0, np.inf]}, "w0 must hold 2 finite numbers"),
        (X_OK, Y_OK, {"b0": np.inf}, "b0 must be a finite number"),
        (X_OK, Y_OK, {"seed": -3}, "seed must be a whole number"),
        (np.arange(4.0), Y_OK, {}, "2-D array"),
        (X_OK, Y_OK[:3], {}, "must match"),
        (np.empty((0, 2)), np.empty(0), {}, "no training examples"),
        (np.array([[1.0, np.nan]] * 4), Y_OK, {}, "missing or infinite"),
        (X_OK, np.array([0, 1, 2, 1]), {}, "only 0 and 1"),
    ],
)
def test_bad_arguments_raise_value_error_in_plain_words(X, y, kwargs, words):
    with pytest.raises(ValueError, match=words):
        core.train(X, y, **kwargs)
    with pytest.raises(ValueError, match=words):
        core.iter_train(X, y, **kwargs)  # at the call, before the first step


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_is_an_object_whose_step_leaves_its_inputs_alone(oned, name):
    from core.optimizers import make_optimizer

    X, y = oned
    w, b = np.array([0.3]), -0.2
    _, gw, gb = core.cost_and_gradient("log", X, y, w, b, l2=0.01)
    z = X @ w + b
    before = (w.copy(), gw.copy(), z.copy())
    one, two = (make_optimizer(name, 0.1, loss="log", X=X, l2=0.01) for _ in "ab")
    w1, b1 = one.step(w, b, gw, gb, z)
    assert np.array_equal(w1, two.step(w, b, gw, gb, z)[0])  # state is per object
    for kept, was in zip((w, gw, z), before, strict=True):
        assert np.array_equal(kept, was)
    assert w1 is not w and np.all(np.isfinite(w1)) and np.isfinite(b1)
    if name in ("gd", "sgd"):
        assert np.array_equal(w1, w - 0.1 * gw) and b1 == b - 0.1 * gb
