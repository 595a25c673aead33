"""core.fitting against oracles: scikit-learn, core.train, brute force."""

import contextvars
import sys

import numpy as np
import pytest
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

import core
from core.fitting import (
    LiveRun,
    best_validation_epoch,
    fit_preprocessor,
    is_overfitting,
    is_separable,
    polynomial_features,
    reference_optimum,
    sklearn_C,
    train_validation_split,
)

SETTINGS = {"optimizer": "gd", "learning_rate": 1.0, "epochs": 40, "batch_size": None,
            "l2": 0.0, "seed": 0}


def test_core_fitting_does_not_import_streamlit():
    assert "core.fitting" in sys.modules
    import core.fitting as diag

    assert "streamlit" not in diag.__dict__
    assert "plotly" not in diag.__dict__


@pytest.mark.parametrize("degree", [1, 2, 5])
def test_polynomial_features_match_sklearn(degree):
    X = np.random.default_rng(1).normal(size=(30, 2))
    ours, names = polynomial_features(X, degree, ("a", "b"))
    poly = PolynomialFeatures(degree, include_bias=False)
    np.testing.assert_allclose(ours, poly.fit_transform(X), rtol=0, atol=0)
    assert names == tuple(poly.get_feature_names_out(["a", "b"]))


def test_preprocessor_is_fitted_on_training_rows_only():
    rng = np.random.default_rng(2)
    X_train = rng.normal(3.0, 2.0, size=(50, 2))
    X_val = rng.normal(-10.0, 5.0, size=(20, 2))  # very different: must not leak
    pre = fit_preprocessor(X_train, 3, True, ("x1", "x2"))
    Xp = PolynomialFeatures(3, include_bias=False).fit_transform(X_train)
    scaler = StandardScaler().fit(Xp)
    np.testing.assert_allclose(pre.mean, scaler.mean_, rtol=1e-12)
    np.testing.assert_allclose(pre.scale, scaler.scale_, rtol=1e-12)
    Z = pre.transform(X_train)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-10)
    Zv = pre.transform(X_val)
    np.testing.assert_allclose(
        Zv, scaler.transform(PolynomialFeatures(3, include_bias=False)
                             .fit_transform(X_val)), rtol=1e-10, atol=1e-10)
    plain = fit_preprocessor(X_train, 1, False)
    np.testing.assert_array_equal(plain.transform(X_val), X_val)


def test_constant_column_keeps_scale_one():
    X = np.c_[np.ones(10), np.arange(10.0)]
    pre = fit_preprocessor(X, 1, True)
    assert pre.scale[0] == 1.0
    assert np.all(np.isfinite(pre.transform(X)))


def test_split_is_stratified_seeded_disjoint_and_complete():
    y = np.r_[np.zeros(70), np.ones(30)]
    tr, va = train_validation_split(y, 0.3, seed=5)
    assert len(np.intersect1d(tr, va)) == 0
    np.testing.assert_array_equal(np.sort(np.r_[tr, va]), np.arange(100))
    assert (y[va] == 1).sum() == 9 and (y[va] == 0).sum() == 21
    _, va2 = train_validation_split(y, 0.3, seed=5)
    np.testing.assert_array_equal(va, va2)
    _, va3 = train_validation_split(y, 0.3, seed=6)
    assert not np.array_equal(va, va3)
    tr0, va0 = train_validation_split(y, 0.0)
    assert len(va0) == 0 and len(tr0) == 100


def test_split_keeps_each_class_in_training():
    y = np.array([0, 0, 0, 1])  # one positive only
    tr, _ = train_validation_split(y, 0.5, seed=0)
    assert 1 in y[tr] and 0 in y[tr]
    with pytest.raises(ValueError):
        train_validation_split(y, 1.0)


def test_accuracy_matches_sklearn_at_probability_half():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    z = rng.normal(size=200)
    z[:5] = 0.0  # p = 0.5 exactly counts as positive
    from core.fitting import accuracy

    assert accuracy(y, z) == accuracy_score(y, core.sigmoid(z) >= 0.5)


def test_sklearn_C_conversion():
    assert sklearn_C(0.01, 200) == pytest.approx(0.5)
    assert sklearn_C(0.0, 200) is None


@pytest.mark.parametrize("l2", [0.0, 1e-3, 0.1])
def test_reference_optimum_is_a_stationary_point_of_our_cost(l2):
    data = core.two_d("moons", n=200, noise=0.3, seed=1)
    X = fit_preprocessor(data.X, 2, True).transform(data.X)
    ref = reference_optimum(X, data.y, l2)
    assert ref.finite
    cost, gw, gb = core.cost_and_gradient("log", X, data.y, ref.w, ref.b, l2)
    assert np.sqrt(gw @ gw + gb * gb) < 1e-6
    assert ref.cost == pytest.approx(cost, abs=1e-12)
    # Newton's method on our own cost lands on the same point.
    hist = core.train(X, data.y, optimizer="newton", learning_rate=1.0, epochs=30,
                      l2=l2)
    assert hist.cost[-1] == pytest.approx(ref.cost, abs=1e-9)


def test_separable_data_have_no_finite_reference_without_l2():
    t = core.tumour()
    ref = reference_optimum(t.X, t.y, 0.0)
    assert not ref.finite and ref.missing == "separable"
    assert reference_optimum(t.X, t.y, 0.01).finite


@pytest.mark.parametrize("seed", range(12))
def test_is_separable_matches_brute_force_in_one_dimension(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=8)
    y = rng.integers(0, 2, 8)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    order = np.argsort(x)
    ys, xs = y[order], x[order]
    # separable iff the sorted labels are all 0s then 1s (or the reverse), with no
    # tie in x across the cut
    brute = False
    for k in range(1, 8):
        left, right = ys[:k], ys[k:]
        if xs[k - 1] < xs[k] and (
            (left.max() == 0 and right.min() == 1) or (left.min() == 1
                                                       and right.max() == 0)):
            brute = True
    assert is_separable(x[:, None], y) == brute


def _split_data(n=300):
    d = core.one_d(n=n, seed=4)
    tr, va = train_validation_split(d.y, 0.3, 0)
    pre = fit_preprocessor(d.X[tr], 1, True)
    return pre.transform(d.X[tr]), d.y[tr], pre.transform(d.X[va]), d.y[va]


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "momentum", "adam", "newton"])
def test_live_run_in_pieces_equals_core_train_bit_for_bit(optimizer):
    X, y, Xv, yv = _split_data()
    settings = dict(SETTINGS, optimizer=optimizer, learning_rate=0.3, batch_size=16)
    kwargs = dict(loss="log", optimizer=optimizer, learning_rate=0.3, epochs=40,
                  batch_size=16 if optimizer == "sgd" else None, seed=0, w0=[-4.0],
                  b0=4.0)
    settings["batch_size"] = kwargs["batch_size"]
    run = LiveRun("log", X, y, Xv, yv, settings, np.array([-4.0]), 4.0)
    while not run.done:
        # each piece in a fresh contextvars.Context, as Streamlit reruns do
        contextvars.copy_context().run(run.advance, 7)
    hist = core.train(X, y, **kwargs)
    a = run.arrays()
    np.testing.assert_array_equal(a["cost"], hist.cost)
    np.testing.assert_array_equal(a["path_w"], hist.path_w)
    np.testing.assert_array_equal(a["epoch"], np.arange(len(hist.cost)))
    assert run.diverged == hist.diverged  # newton from (-4, 4) blows up: that too
    z = Xv @ hist.path_w[-1] + hist.path_b[-1]
    assert a["val_loss"][-1] == core.cost_from_logits("log", yv, z)
    assert a["val_acc"][-1] == np.mean((z >= 0) == (yv == 1))
    assert run.done


def test_retune_continues_from_the_current_weights():
    X, y, Xv, yv = _split_data()
    run = LiveRun("log", X, y, Xv, yv, dict(SETTINGS, epochs=10), np.array([-4.0]), 4.0)
    run.advance(10)
    assert run.done
    w_mid, b_mid = run.w.copy(), run.b
    run.retune(dict(SETTINGS, epochs=25, learning_rate=0.1))
    run.advance(100)
    assert run.epochs_run == 25 and run.done
    rest = core.train(X, y, learning_rate=0.1, epochs=15, w0=w_mid, b0=b_mid)
    np.testing.assert_array_equal(run.arrays()["cost"][10:], rest.cost)


def _diverging_run():
    d = core.two_d("blobs", n=300, noise=0.25, seed=0)
    tr, va = train_validation_split(d.y, 0.3, 0)
    pre = fit_preprocessor(d.X[tr], 2, False)
    X = pre.transform(d.X[tr])
    run = LiveRun("log", X, d.y[tr], pre.transform(d.X[va]), d.y[va],
                  dict(SETTINGS, learning_rate=30.0, epochs=100), np.zeros(5), 0.0)
    run.advance(1000)
    return run, X


def test_divergence_stops_at_the_last_finite_point():
    run, _ = _diverging_run()
    assert run.done and run.diverged and run.epochs_run < 100
    costs = run.arrays()["cost"]
    assert np.all(np.isfinite(costs))
    assert costs[-1] > 1e3 * costs[0]


def test_best_validation_epoch_and_overfitting():
    val = np.array([1.0, 0.8, 0.6, 0.65, 0.9])
    train = np.array([1.0, 0.7, 0.5, 0.3, 0.1])
    assert best_validation_epoch(val) == 2
    assert is_overfitting(train, val)
    assert not is_overfitting(train, np.array([1.0, 0.8, 0.6, 0.5, 0.4]))
    # a 2% wiggle above the best is noise, not overfitting
    assert not is_overfitting(train, np.array([1.0, 0.8, 0.6, 0.61, 0.612]))
    assert best_validation_epoch([]) is None


def test_high_degree_without_l2_overfits_the_moons():
    d = core.two_d("moons", n=60, noise=0.25, seed=0)
    tr, va = train_validation_split(d.y, 0.5, 0)
    pre = fit_preprocessor(d.X[tr], 10, True)
    X = pre.transform(d.X[tr])
    run = LiveRun("log", X, d.y[tr], pre.transform(d.X[va]), d.y[va],
                  dict(SETTINGS, optimizer="adam", learning_rate=0.1, epochs=1000),
                  np.zeros(X.shape[1]), 0.0)
    run.advance(2000)
    a = run.arrays()
    best = best_validation_epoch(a["val_loss"])
    assert 0 < best < 500
    assert a["val_loss"][-1] > 2 * a["val_loss"][best]
    assert a["cost"][-1] < a["cost"][best]
    assert is_overfitting(a["cost"], a["val_loss"])
