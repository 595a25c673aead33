"""Losses, gradients and cost surfaces of `core`, against exact values, finite
differences, scikit-learn and a plain loop."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from sklearn.metrics import log_loss as sk_log_loss

import core
import core.surface

RAISE = {"over": "raise", "invalid": "raise", "divide": "raise"}
LOSSES = ("log", "mse")

# (y, z, log loss, dlog/dz, squared loss, dsquared/dz), computed with mpmath at 60
# digits and rounded to float64. For a positive at z = 40 the log loss is
# log1p(exp(-40)); at z = -1e20 it is 1e20 (the naive formula gives inf there).
EXTREMES = [
    (1, 40.0, 4.248354255291589e-18, -4.248354255291589e-18, 1.804851387845415e-35,
     -3.60970277569083e-35),
    (1, -40.0, 40.0, -1.0, 1.0, -8.496708510583178e-18),
    (1, 1000.0, 0.0, 0.0, 0.0, 0.0),
    (1, -1000.0, 1000.0, -1.0, 1.0, 0.0),
    (1, 1e20, 0.0, 0.0, 0.0, 0.0),
    (1, -1e20, 1e20, -1.0, 1.0, 0.0),
    (1, 0.0, 0.6931471805599453, -0.5, 0.25, -0.25),
    (0, 40.0, 40.0, 1.0, 1.0, 8.496708510583178e-18),
    (0, -40.0, 4.248354255291589e-18, 4.248354255291589e-18, 1.804851387845415e-35,
     3.60970277569083e-35),
    (0, 1000.0, 1000.0, 1.0, 1.0, 0.0),
    (0, -1000.0, 0.0, 0.0, 0.0, 0.0),
    (0, 1e20, 1e20, 1.0, 1.0, 0.0),
    (0, -1e20, 0.0, 0.0, 0.0, 0.0),
    (0, 0.0, 0.6931471805599453, 0.5, 0.25, 0.25),
]


def _close(actual, expected):
    """Equal to within two units in the last place (exact zeros stay exact)."""
    return actual == pytest.approx(expected, rel=4.5e-16, abs=0.0)


@pytest.mark.parametrize(("y", "z", "log", "dlog", "sq", "dsq"), EXTREMES)
def test_extreme_logits_exact_and_warning_free(y, z, log, dlog, sq, dsq):
    yt, zt = np.array([float(y)]), np.array([z])
    with np.errstate(**RAISE):
        assert _close(core.log_loss(yt, zt)[0], log)
        assert _close(core.squared_loss(yt, zt)[0], sq)
        per, dz = core.loss_and_dz("log", yt, zt)
        assert _close(per[0], log) and _close(dz[0], dlog)
        per, dz = core.loss_and_dz("mse", yt, zt)
        assert _close(per[0], sq) and _close(dz[0], dsq)
        assert _close(core.softplus(-z if y else z), log)
        # the same point through the linear model and the cost
        J, gw, gb = core.cost_and_gradient("log", np.array([[z]]), yt, [1.0], 0.0)
        assert _close(J, log) and _close(gb, dlog) and _close(gw[0], dlog * z)


def test_sigmoid_at_infinities_and_extremes():
    z = np.array([-np.inf, -1e300, -1000.0, -40.0, 0.0, 40.0, 1000.0, 1e300, np.inf])
    with np.errstate(**RAISE):
        p = core.sigmoid(z)
    assert p[0] == 0.0 and p[-1] == 1.0
    assert p[1] == 0.0 and p[-2] == 1.0
    assert p[4] == 0.5
    assert _close(p[3], 4.248354255291589e-18)  # exp(-40) / (1 + exp(-40))
    assert p[5] == 1.0  # 1 - 4.2e-18 rounds to 1
    assert np.all(np.diff(p) >= 0)


def test_sigmoid_matches_textbook_formula_where_it_is_safe():
    z = np.linspace(-30, 30, 601)
    assert np.allclose(core.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14, atol=0)
    assert float(core.sigmoid(2.0)) == pytest.approx(1 / (1 + np.exp(-2.0)), rel=1e-15)


def test_naive_log_loss_breaks_where_logits_space_does_not():
    with np.errstate(**RAISE):  # it silences its own warnings
        # a positive the model calls impossible: the truth is 1e20, naive says inf
        assert np.isinf(core.naive_log_loss([1.0], core.sigmoid([-1e20]))[0])
        assert core.log_loss([1.0], [-1e20])[0] == 1e20
        # a confident, correct prediction: p rounds to 1, 0 * log(0) gives nan
        assert np.isnan(core.naive_log_loss([1.0], core.sigmoid([40.0]))[0])
        assert np.isnan(core.naive_log_loss([0.0], [0.0])[0])
        assert _close(core.log_loss([1.0], [40.0])[0], 4.248354255291589e-18)
    # where probabilities are representable, the two agree
    rng = np.random.default_rng(0)
    z = rng.uniform(-10, 10, 200)
    y = (rng.random(200) < 0.5).astype(float)
    naive = core.naive_log_loss(y, core.sigmoid(z))
    assert np.allclose(naive, core.log_loss(y, z), rtol=1e-9)


def test_losses_against_textbook_formulas():
    rng = np.random.default_rng(1)
    z = rng.uniform(-8, 8, 300)
    y = (rng.random(300) < 0.4).astype(float)
    p = 1 / (1 + np.exp(-z))
    assert np.allclose(core.log_loss(y, z), -y * np.log(p) - (1 - y) * np.log(1 - p),
                       rtol=1e-10)
    assert np.allclose(core.squared_loss(y, z), (p - y) ** 2, rtol=1e-12, atol=1e-15)
    _, dz_log = core.loss_and_dz("log", y, z)
    _, dz_mse = core.loss_and_dz("mse", y, z)
    assert np.allclose(dz_log, p - y, rtol=1e-12, atol=1e-15)
    assert np.allclose(dz_mse, 2 * (p - y) * p * (1 - p), rtol=1e-10, atol=1e-15)


def test_mean_log_loss_matches_sklearn():
    rng = np.random.default_rng(2)
    for n in (1, 7, 500):
        z = rng.normal(0, 4, n)
        y = (rng.random(n) < 0.5).astype(float)
        y[0] = 1.0 - y[-1] if n > 1 else y[0]
        expected = sk_log_loss(y, core.sigmoid(z), labels=[0, 1])
        assert float(np.mean(core.log_loss(y, z))) == pytest.approx(expected, rel=1e-12)
        assert core.cost_from_logits("log", y, z) == pytest.approx(expected, rel=1e-12)


def test_log_loss_symmetry_and_integer_labels():
    z = np.array([-3.0, 0.5, 2.0])
    assert np.array_equal(core.log_loss([1, 0, 1], z), core.log_loss([0, 1, 0], -z))
    as_floats = core.log_loss([1.0, 0.0, 1.0], z)
    assert np.array_equal(core.log_loss([1, 0, 1], z), as_floats)


@pytest.mark.parametrize("loss", LOSSES)
def test_loss_and_dz_matches_central_differences(loss):
    z = np.concatenate([np.linspace(-30, 30, 121), [-1e-3, 1e-3, 0.37, -5.5]])
    eps = 1e-6
    for y in (0.0, 1.0):
        yt = np.full_like(z, y)
        per, dz = core.loss_and_dz(loss, yt, z)
        f = core.log_loss if loss == "log" else core.squared_loss
        assert np.array_equal(per, f(yt, z))
        numeric = (f(yt, z + eps) - f(yt, z - eps)) / (2 * eps)
        assert np.allclose(dz, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_cost_and_gradient_matches_central_differences(loss, l2):
    rng = np.random.default_rng(3)
    n, d = 40, 4
    X = rng.normal(size=(n, d)) * [1.0, 3.0, 0.2, 5.0]
    y = (rng.random(n) < 0.5).astype(float)
    w, b = rng.normal(size=d), 0.4
    eps = 1e-6
    J, gw, gb = core.cost_and_gradient(loss, X, y, w, b, l2=l2)
    assert isinstance(J, float) and isinstance(gb, float) and gw.shape == (d,)
    for j in range(d):
        e = np.zeros(d)
        e[j] = eps
        plus = core.cost_and_gradient(loss, X, y, w + e, b, l2=l2)[0]
        minus = core.cost_and_gradient(loss, X, y, w - e, b, l2=l2)[0]
        assert gw[j] == pytest.approx((plus - minus) / (2 * eps), rel=1e-6, abs=1e-9)
    plus = core.cost_and_gradient(loss, X, y, w, b + eps, l2=l2)[0]
    minus = core.cost_and_gradient(loss, X, y, w, b - eps, l2=l2)[0]
    assert gb == pytest.approx((plus - minus) / (2 * eps), rel=1e-6, abs=1e-9)
    # the penalty is (l2 / 2) ||w||^2 on w only, on top of the mean loss
    z = X @ w + b
    per = core.log_loss(y, z) if loss == "log" else core.squared_loss(y, z)
    assert J == pytest.approx(per.mean() + 0.5 * l2 * w @ w, rel=1e-14)


def test_unknown_loss_is_a_plain_value_error():
    with pytest.raises(ValueError, match="Unknown loss"):
        core.loss_and_dz("hinge", [1.0], [0.0])
    with pytest.raises(ValueError, match="Unknown loss"):
        core.cost_and_gradient("l1", np.ones((2, 1)), [0, 1], [0.0], 0.0)
    with pytest.raises(ValueError, match="Unknown loss"):
        core.cost_surface([1.0, 2.0], [0, 1], [0.0], [0.0], "hinge")


# ---------------------------------------------------------------- cost surfaces


def _surface_by_loop(x, y, w_values, b_values, loss):
    X = np.asarray(x, dtype=float)[:, None]
    return np.array([
        [core.cost_and_gradient(loss, X, y, [w], b)[0] for w in w_values]
        for b in b_values
    ])


@pytest.mark.parametrize("loss", LOSSES)
def test_cost_surface_equals_a_loop_over_cost_and_gradient(loss):
    rng = np.random.default_rng(4)
    x = rng.normal(1.0, 2.0, 37)
    y = (rng.random(37) < 0.5).astype(float)
    w_values = np.linspace(-4, 6, 7)
    b_values = np.array([-3.0, -0.5, 0.0, 2.5, 9.0])
    J = core.cost_surface(x, y, w_values, b_values, loss)
    assert J.shape == (len(b_values), len(w_values))
    assert np.allclose(J, _surface_by_loop(x, y, w_values, b_values, loss),
                       rtol=1e-13, atol=1e-15)
    # rows follow b and columns follow w, as np.meshgrid(w_values, b_values)
    W, B = np.meshgrid(w_values, b_values)
    assert J[3, 5] == pytest.approx(
        core.cost_and_gradient(loss, x[:, None], y, [W[3, 5]], B[3, 5])[0], rel=1e-13)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("chunk", [1, 50, 200, 1000, 5000])
def test_cost_surface_chunk_boundaries_do_not_change_the_answer(monkeypatch, loss,
                                                                 chunk):
    rng = np.random.default_rng(5)
    n = 60
    x = rng.normal(size=n)
    y = (rng.random(n) < 0.5).astype(float)
    w_values = np.linspace(-5, 5, 23)  # a grid row is 23 * 60 = 1380 values
    b_values = np.linspace(-2, 3, 11)
    expected = _surface_by_loop(x, y, w_values, b_values, loss)
    monkeypatch.setattr(core.surface, "CHUNK_ELEMENTS", chunk)
    J = core.cost_surface(x, y, w_values, b_values, loss)
    assert J.shape == (11, 23)
    assert np.allclose(J, expected, rtol=1e-13, atol=1e-15)


def test_cost_surface_extreme_grid_is_finite_and_warning_free():
    x = np.array([-2.0, -1.0, 0.5, 3.0])
    y = np.array([0.0, 1.0, 0.0, 1.0])
    w_values = np.array([-1e20, -1e4, 0.0, 1e4, 1e20])
    b_values = np.array([-1e20, 0.0, 1e20])
    with np.errstate(**RAISE):
        J_log = core.cost_surface(x, y, w_values, b_values, "log")
        J_mse = core.cost_surface(x, y, w_values, b_values, "mse")
    assert np.all(np.isfinite(J_log)) and np.all(J_log >= 0)
    assert np.all((J_mse >= 0) & (J_mse <= 1))
    # w = 1e20, b = 0: the positive at x = -1 and the negative at x = 0.5 are wrong
    # by 1e20 and 0.5e20; the mean log loss is 1.5e20 / 4
    assert J_log[1, 4] == pytest.approx(1.5e20 / 4, rel=1e-15)
    assert J_log[1, 2] == pytest.approx(np.log(2), rel=1e-15)


def test_cost_surface_rejects_bad_shapes():
    with pytest.raises(ValueError, match="same length"):
        core.cost_surface([1.0, 2.0], [0.0], [0.0], [0.0], "log")
    with pytest.raises(ValueError, match="at least one sample"):
        core.cost_surface([], [], [0.0], [0.0], "log")


def test_cost_surface_memory_stays_bounded():
    rng = np.random.default_rng(6)
    n = 4000
    x = rng.normal(size=n)
    y = (rng.random(n) < 0.5).astype(float)
    grid = np.linspace(-3, 3, 81)
    tracemalloc.start()
    try:
        core.cost_surface(x, y, grid, grid, "log")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # all at once would be 81 * 81 * 4000 * 8 bytes = 200 MiB per temporary
    assert peak < 64 * 2**20


def test_import_core_pulls_in_no_ui_library():
    code = (
        "import sys, core\n"
        "bad = [m for m in ('streamlit', 'plotly') if m in sys.modules]\n"
        "assert not bad, bad\n"
        "core.breast_cancer(); core.two_d('moons')\n"
        "bad = [m for m in ('streamlit', 'plotly') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    root = core.__file__.rsplit("/core/", 1)[0]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logistic_kernel_writes_each_output_in_place_as_the_formulas_say(dtype):
    t0 = np.array([-np.inf, -1e20, -1e4, -40.0, -1.5, -0.0, 0.0, 2.0, 37.0, 1e4,
                   1e20, np.inf], dtype=dtype)
    with np.errstate(**RAISE):
        e = np.exp(-np.abs(t0))
        want_sp = np.maximum(t0, 0) + np.log1p(e)
        want_sig = np.exp(np.minimum(t0, 0)) / (1 + e)
        want_neg = np.exp(-np.maximum(t0, 0)) / (1 + e)
        # all three at once, into separate buffers
        t = t0.copy()
        sp, sig, neg, scratch = (np.empty_like(t) for _ in range(4))
        core.logistic_kernel(t, scratch, softplus=sp, sigmoid=sig, sigmoid_neg=neg)
        # aliased: softplus over t, sigmoid over t alone, sigmoid_neg into e
        t_sp = t0.copy()
        core.logistic_kernel(t_sp, np.empty_like(t0), softplus=t_sp)
        t_sig = t0.copy()
        core.logistic_kernel(t_sig, np.empty_like(t0), sigmoid=t_sig)
        t_neg, e_neg = t0.copy(), np.empty_like(t0)
        core.logistic_kernel(t_neg, e_neg, sigmoid_neg=e_neg, den=np.empty_like(t0))
    for got in (sp, sig, neg, t_sp, t_sig, e_neg):
        assert got.dtype == dtype
    np.testing.assert_array_equal(t, t0)  # t is only read when it is no output
    np.testing.assert_array_equal(sp, want_sp)
    np.testing.assert_array_equal(t_sp, want_sp)
    np.testing.assert_array_equal(sig, want_sig)
    np.testing.assert_array_equal(t_sig, want_sig)
    np.testing.assert_array_equal(neg, want_neg)
    np.testing.assert_array_equal(e_neg, want_neg)
    if dtype == np.float64:
        np.testing.assert_array_equal(core.softplus(t0), want_sp)
        np.testing.assert_array_equal(core.sigmoid(t0), want_sig)
        assert core.sigmoid(0.0) == 0.5 and np.ndim(core.softplus(-40.0)) == 0
