"""Words about training runs: divergence advice, a rising cost, the reference."""

import numpy as np

import core
from core.fitting import fit_preprocessor, reference_optimum, train_validation_split
from ui.advice import describe_rise, explain_divergence, reference_message


def _diverging_costs():
    """Costs of unscaled degree-2 blobs trained at learning rate 30 (they explode)."""
    d = core.two_d("blobs", n=300, noise=0.25, seed=0)
    tr, _ = train_validation_split(d.y, 0.3, 0)
    X = fit_preprocessor(d.X[tr], 2, False).transform(d.X[tr])
    h = core.train(X, d.y[tr], learning_rate=30.0, epochs=100, w0=np.zeros(5))
    assert h.diverged
    return h.cost, X


def test_divergence_is_explained_with_what_to_try():
    costs, X = _diverging_costs()
    text = explain_divergence(costs, learning_rate=30.0, optimizer="gd",
                              standardised=False,
                              feature_scale=float(X.std(axis=0).max()))
    assert text.startswith("Learning rate 30 is too high for unscaled features")
    assert f"cost rose from {costs[0]:.3g} to" in text
    assert f"in {len(costs) - 1} epochs" in text
    assert "standardise" in text and "try 3" in text
    scaled = explain_divergence(costs, learning_rate=30.0, optimizer="gd",
                                standardised=True, feature_scale=1.0)
    assert "unscaled" not in scaled and "standardise" not in scaled


def test_newton_divergence_gets_newton_advice():
    text = explain_divergence([3.87, 4.05, 571.0, 2.8e9], learning_rate=0.3,
                              optimizer="newton", standardised=True, feature_scale=1)
    assert text.startswith("Newton's method diverged (learning rate 0.3)")
    assert "cost rose from 3.87 to 2.8e9 in 3 epochs" in text
    assert "curvature" in text and "try 0.03" in text


def test_describe_rise():
    assert describe_rise([0.7, 0.6, 0.5]) is None
    assert "went up" in describe_rise([0.7, 2.0, 5.0])


def test_reference_message_says_why_there_is_no_reference():
    t = core.tumour()
    assert "separable" in reference_message(reference_optimum(t.X, t.y, 0.0))
    text = reference_message(reference_optimum(t.X, t.y, 0.01))
    assert text.startswith("scikit-learn LogisticRegression (C = 1/(l2 n) = ")
    assert "J* = " in text
    y1 = np.ones(len(t.y))
    assert "only one class" in reference_message(reference_optimum(t.X, y1, 0.01))


def test_the_optimum_says_how_it_was_found():
    from core.slices import Optimum
    from ui.advice import optimum_method

    w = np.zeros(2)
    assert optimum_method(Optimum(w, 0.0, True, 569, 569)) == (
        "Newton's method on all 569 rows")
    assert optimum_method(Optimum(w, 0.0, False, 200, 40_000)) == (
        "scikit-learn's lbfgs on a seeded 200-row subsample of the 40,000 rows: "
        "Newton's method on data this big would take too long")
    assert optimum_method(Optimum(w, 0.0, False, 900, 900)).startswith(
        "scikit-learn's lbfgs on all 900 rows:")
