"""core.surface, core.slices and core.stability: surfaces over two parameters,
curvature, slices, stability numbers.

Oracles: core.cost_and_gradient (the contract), core.cost_surface, finite
differences, scikit-learn's LogisticRegression, closed forms of the log loss.
"""

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import core
from core import fitting, slices, stability, surface

RNG = np.random.default_rng(7)


def _cost(loss, X, y, w, b):
    return core.cost_and_gradient(loss, X, y, w, b)[0]


# --- cost_grid -------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["log", "mse"])
def test_cost_grid_one_feature_matches_cost_surface_and_cost_and_gradient(loss):
    ds = core.one_d(n=150, seed=3)
    x = ds.X[:, 0]
    w = np.linspace(-7, 9, 13)
    b = np.linspace(-5, 4, 7)

    J = surface.cost_grid(x, np.ones_like(x), None, ds.y, w, b, loss)

    np.testing.assert_allclose(J, core.cost_surface(x, ds.y, w, b, loss), rtol=1e-13)
    for i, j in [(0, 0), (3, 5), (6, 12), (2, 7)]:
        expected = _cost(loss, ds.X, ds.y, np.array([w[j]]), b[i])
        assert J[i, j] == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("loss", ["log", "mse"])
@pytest.mark.parametrize(("first", "second"), [(0, 3), (2, 1), (3, 0), (1, 2)])
def test_cost_grid_multi_feature_holds_the_others_fixed(loss, first, second):
    X = RNG.normal(size=(90, 3))
    y = (X @ [1.0, -2.0, 0.5] + RNG.normal(size=90) > 0).astype(float)
    w0, b0 = np.array([0.3, -0.7, 1.1]), 0.4
    u, v, offset = slices.slice_model(X, w0, b0, first, second)
    a = np.linspace(-3, 3, 9)
    c = np.linspace(-2, 5, 6)

    J = surface.cost_grid(u, v, offset, y, a, c, loss)

    assert J.shape == (6, 9)
    for i, j in [(0, 0), (5, 8), (2, 4), (4, 1)]:
        params = np.append(w0, b0)
        params[first], params[second] = a[j], c[i]
        expected = _cost(loss, X, y, params[:3], params[3])
        assert J[i, j] == pytest.approx(expected, rel=1e-12)


def test_cost_grid_is_chunked_without_changing_the_numbers(monkeypatch):
    ds = core.one_d(n=500, seed=1)
    x = ds.X[:, 0]
    w, b = np.linspace(-5, 5, 21), np.linspace(-3, 3, 17)
    whole = surface.cost_grid(x, np.ones_like(x), None, ds.y, w, b, "log")
    monkeypatch.setattr(surface, "CHUNK_ELEMENTS", 7)  # smaller than one row of samples
    np.testing.assert_array_equal(
        surface.cost_grid(x, np.ones_like(x), None, ds.y, w, b, "log"), whole
    )


def test_cost_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="one value per sample"):
        surface.cost_grid([1, 2], [1, 1, 1], None, [0, 1], [0], [0], "log")
    with pytest.raises(ValueError, match="at least one sample"):
        surface.cost_grid([], [], None, [], [0], [0], "log")
    with pytest.raises(ValueError, match="Unknown loss"):
        surface.cost_grid([1], [1], None, [1], [0], [0], "hinge")


# --- curvature -------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["log", "mse"])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_per_example_curvature_matches_finite_differences_of_the_gradient(loss, y):
    z = np.linspace(-30, 30, 241)
    h = 1e-5
    labels = np.full(z.shape, y)
    dz_plus = core.loss_and_dz(loss, labels, z + h)[1]
    dz_minus = core.loss_and_dz(loss, labels, z - h)[1]
    numeric = (dz_plus - dz_minus) / (2 * h)
    t = (1 - 2 * y) * z

    np.testing.assert_allclose(surface.per_example_curvature(loss, t), numeric,
                               rtol=1e-5, atol=1e-10)


def test_mse_curvature_is_negative_exactly_when_more_than_two_thirds_wrong():
    t = np.linspace(-10, 10, 2001)
    q = core.sigmoid(t)  # the probability on the wrong class
    s = surface.per_example_curvature("mse", t)
    clear = np.abs(q - 2 / 3) > 1e-9
    np.testing.assert_array_equal((s < 0)[clear], (q > 2 / 3)[clear])
    assert np.all(surface.per_example_curvature("log", t) > 0)
    # Far out both vanish without overflow or nan.
    far = surface.per_example_curvature("mse", np.array([-1e4, 1e4, -np.inf, np.inf]))
    assert np.all(np.isfinite(far)) and np.all(np.abs(far) < 1e-300)


@pytest.mark.parametrize("loss", ["log", "mse"])
def test_curvature_grid_matches_finite_difference_hessian(loss):
    X = RNG.normal(size=(60, 2))
    y = (X[:, 0] - X[:, 1] + 0.5 * RNG.normal(size=60) > 0).astype(float)
    w0, b0 = np.array([0.8, -1.5]), 0.2
    u, v, offset = slices.slice_model(X, w0, b0, 0, 2)  # w[0] and b, w[1] held
    a, c = np.array([-4.0, 0.5, 3.0]), np.array([-2.0, 1.0])
    H = surface.curvature_grid(u, v, offset, y, a, c, loss)
    h = 1e-5

    def grad(ai, ci):
        _, gw, gb = core.cost_and_gradient(loss, X, y, np.array([ai, w0[1]]), ci)
        return np.array([gw[0], gb])

    for i, ci in enumerate(c):
        for j, ai in enumerate(a):
            col_a = (grad(ai + h, ci) - grad(ai - h, ci)) / (2 * h)
            col_c = (grad(ai, ci + h) - grad(ai, ci - h)) / (2 * h)
            numeric = np.column_stack([col_a, col_c])
            exact = np.array([[H.haa[i, j], H.hac[i, j]], [H.hac[i, j], H.hcc[i, j]]])
            np.testing.assert_allclose(exact, numeric, rtol=1e-5, atol=1e-8)
            low, high = np.linalg.eigvalsh(exact)
            assert H.low[i, j] == pytest.approx(low, abs=1e-12)
            assert H.high[i, j] == pytest.approx(high, abs=1e-12)


def test_log_loss_never_bends_down_and_mse_does_on_the_default_data():
    ds = core.one_d()
    x = ds.X[:, 0]
    w, b = np.linspace(-6, 6, 61), np.linspace(-10, 10, 61)
    log = surface.curvature_grid(x, np.ones_like(x), None, ds.y, w, b, "log")
    mse = surface.curvature_grid(x, np.ones_like(x), None, ds.y, w, b, "mse")

    assert log.low.min() >= 0.0  # convex: both eigenvalues are never negative
    assert not log.downward().any()
    assert mse.downward().mean() > 0.5
    assert (mse.high < 0).any()  # concave in every direction somewhere


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 300),
    seed=st.integers(0, 10_000),
    scale=st.floats(0.01, 100.0),
    with_offset=st.booleans(),
)
@example(n=1, seed=232, scale=83.0, with_offset=True)  # subnormal Hessian entries
def test_one_pass_landscape_equals_the_four_separate_grids(n, seed, scale,
                                                           with_offset):
    """Both losses' costs and curvatures from one pass are the separate grids' own
    numbers (the same operations on the same values), chunked or not."""
    rng = np.random.default_rng(seed)
    u, v = rng.normal(size=n) * scale, rng.normal(size=n)
    offset = rng.normal(size=n) * scale if with_offset else None
    y = (rng.random(n) < 0.4).astype(float)
    a, c = np.linspace(-3, 5, 23), np.linspace(-2, 2, 17)
    J, k = surface.landscape_grid(u, v, offset, y, a, c)
    assert sorted(J) == sorted(k) == ["log", "mse"]
    for loss in ("mse", "log"):
        assert np.array_equal(J[loss], surface.cost_grid(u, v, offset, y, a, c, loss))
        alone = surface.curvature_grid(u, v, offset, y, a, c, loss)
        for part in ("haa", "hac", "hcc", "low", "high"):
            assert np.array_equal(getattr(k[loss], part), getattr(alone, part))


def test_surface_pair_is_both_grids_their_minima_and_their_bending():
    ds = core.two_d()
    opt = slices.fitted_optimum(ds.X, ds.y)
    w, b = opt.w, opt.b
    pair = slices.surface_pair(ds.X, ds.y, w, b, 1, 2, (-4.0, 4.0), (-3.0, 3.0), 31)
    u, v, offset = slices.slice_model(ds.X, w, b, 1, 2)
    assert pair.a == pytest.approx(np.linspace(-4, 4, 31))
    for loss in ("mse", "log"):
        J = surface.cost_grid(u, v, offset, ds.y, pair.a, pair.c, loss)
        k = surface.curvature_grid(u, v, offset, ds.y, pair.a, pair.c, loss)
        assert np.array_equal(pair.J[loss], J)
        assert pair.minima[loss] == surface.grid_minimum(J, pair.a, pair.c)
        assert np.array_equal(pair.downward[loss], k.downward())
        assert pair.lowest[loss] == k.low.min()
    assert not pair.downward["log"].any() and pair.downward["mse"].any()


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 30),
    seed=st.integers(0, 10_000),
    scale=st.floats(0.1, 50.0),
)
def test_log_loss_hessian_is_positive_semidefinite_for_any_data(n, seed, scale):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * scale
    y = rng.integers(0, 2, size=n).astype(float)
    w, b = np.linspace(-20, 20, 9), np.linspace(-40, 40, 9)
    H = surface.curvature_grid(x, np.ones_like(x), None, y, w, b, "log")
    assert np.all(H.low >= -1e-12 * max(1.0, float(H.high.max())))
    assert not H.downward().any()


# --- slices, minima, windows ---------------------------------------------------------


def test_second_differences_are_exact_for_a_quadratic_and_bends_down_ignores_noise():
    x = np.linspace(-3, 3, 31)
    step = x[1] - x[0]
    np.testing.assert_allclose(surface.second_differences(3 * x**2 - x + 2, step), 6.0,
                               rtol=1e-9)
    np.testing.assert_allclose(surface.second_differences(-(x**2), step), -2.0,
                               rtol=1e-9)
    assert surface.second_differences(np.zeros((4, 5)), 0.5).shape == (4, 3)
    with pytest.raises(ValueError):
        surface.second_differences([1.0, 2.0], 1.0)
    with pytest.raises(ValueError):
        surface.second_differences([1.0, 2.0, 3.0], 0.0)
    bends = surface.bends_down(np.array([1.0, -1e-15, -0.5]))
    assert list(bends) == [False, False, True]


def test_grid_minimum_is_the_brute_force_argmin_and_reports_edges():
    a, c = np.linspace(-1, 1, 7), np.linspace(0, 3, 5)
    A, C = np.meshgrid(a, c)
    J = (A - a[2]) ** 2 + (C - c[3]) ** 2
    m = surface.grid_minimum(J, a, c)
    assert (m.a, m.c, m.cost, m.on_edge) == (a[2], c[3], 0.0, False)
    edge = surface.grid_minimum(A, a, c)  # lowest along the whole first column
    assert edge.a == a[0] and edge.on_edge
    with pytest.raises(ValueError):
        surface.grid_minimum(J, a, c[:-1])


def test_slice_model_reassembles_the_full_model():
    X = RNG.normal(size=(20, 4))
    w, b = RNG.normal(size=4), 0.7
    for first, second in [(0, 4), (3, 1), (4, 2)]:
        u, v, offset = slices.slice_model(X, w, b, first, second)
        params = np.append(w, b)
        np.testing.assert_allclose(
            offset + params[first] * u + params[second] * v, X @ w + b, rtol=1e-12
        )
    with pytest.raises(ValueError):
        slices.slice_model(X, w, b, 2, 2)
    with pytest.raises(ValueError):
        slices.slice_model(X, w, b, 0, 5)
    assert slices.parameter_names(("x1", "x2")) == ["w[x1]", "w[x2]", "b"]


def test_fitted_optimum_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    ds = core.breast_cancer()
    n = len(ds.y)
    opt = slices.fitted_optimum(ds.X, ds.y, l2=1e-2)
    w, b = opt.w, opt.b
    # sklearn minimises ||w||^2 / 2 + C sum(loss); divided by C n that is our
    # mean(loss) + (l2 / 2) ||w||^2 with l2 = 1 / (C n).
    ref = LogisticRegression(
        C=1 / (n * 1e-2), solver="newton-cholesky", tol=1e-12, max_iter=1000
    ).fit(ds.X, ds.y)
    np.testing.assert_allclose(w, ref.coef_[0], rtol=1e-5, atol=1e-6)
    assert b == pytest.approx(ref.intercept_[0], abs=1e-6)
    _, gw, gb = core.cost_and_gradient("log", ds.X, ds.y, w, b, l2=1e-2)
    assert np.linalg.norm(np.append(gw, gb)) < 1e-9


def test_fitted_optimum_stays_finite_on_separable_data():
    ds = core.tumour()
    opt = slices.fitted_optimum(ds.X, ds.y)
    w, b = opt.w, opt.b
    assert np.all(np.isfinite(w)) and np.isfinite(b)
    assert -b / w[0] == pytest.approx(2.5, abs=1e-6)  # boundary between 2 and 3


def test_fitted_optimum_of_data_too_big_for_newton_is_the_bounded_reference(
        monkeypatch):
    ds = core.breast_cancer()
    n, d = ds.X.shape
    newton = slices.fitted_optimum(ds.X, ds.y)
    assert newton.newton and newton.rows == newton.n_rows == n
    assert slices.newton_cost(n, d) == 50 * (n * d * d + d**3)
    # over Newton's budget: scikit-learn's lbfgs on the same penalised cost
    monkeypatch.setattr(slices, "NEWTON_BUDGET", slices.newton_cost(n, d) - 1)
    lbfgs = slices.fitted_optimum(ds.X, ds.y)
    assert not lbfgs.newton and lbfgs.rows == n
    np.testing.assert_allclose(lbfgs.w, newton.w, rtol=1e-4, atol=1e-4)
    # and over the reference's own budget too: a stated, seeded row subsample
    small = 200 * d * fitting.REFERENCE_MIN_ITER  # 200 rows
    monkeypatch.setattr(slices, "reference_optimum", lambda X, y, l2: (
        fitting.reference_optimum(X, y, l2, budget=small)))
    sub = slices.fitted_optimum(ds.X, ds.y)
    assert not sub.newton and sub.n_rows == n and sub.rows == pytest.approx(200, abs=2)
    assert np.all(np.isfinite(sub.w))


def test_default_window_covers_the_optimum_and_is_nice():
    for ds in (core.tumour(), core.one_d(), core.one_d(n=2000, separation=0.0)):
        x = ds.X[:, 0]
        opt = slices.fitted_optimum(ds.X, ds.y)
        w, b = opt.w, opt.b
        (a_lo, a_hi), (c_lo, c_hi) = slices.default_window(x, np.ones_like(x), w[0], b)
        assert a_lo == -a_hi and c_lo == -c_hi  # centred on the untrained model
        assert a_hi >= 2 * abs(w[0]) and c_hi >= 2 * abs(b)
        assert a_hi >= 8 / np.std(x)
        for value in (a_hi, c_hi):
            mantissa = value / 10 ** math.floor(math.log10(value))
            assert round(mantissa, 9) in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8)
    assert slices.default_window(np.ones(3), np.ones(3), 0.0, 0.0) == ((-1, 1), (-1, 1))


# --- stability -------------------------------------------------------------------


def test_exact_log_loss_closed_forms():
    assert stability.exact_log_loss(1, 0.0) == math.log(2)
    assert stability.exact_log_loss(1, -1e20) == 1e20
    assert stability.exact_log_loss(0, 1e20) == 1e20
    exact = stability.exact_log_loss(1, 100.0)
    assert exact == pytest.approx(math.exp(-100), rel=1e-15)
    assert stability.exact_log_loss(0, -745.0) == pytest.approx(5e-324, abs=5e-324)
    for z in (-30.0, -2.5, 0.3, 7.0, 36.0):
        assert stability.exact_log_loss(1, z) == pytest.approx(math.log1p(math.exp(-z)),
                                                       rel=1e-15)


def test_naive_route_breaks_where_the_textbook_says_and_logits_space_does_not():
    z = np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 40.0, 100.0, 1000.0])
    pos = stability.stability_table(1, z)
    neg = stability.stability_table(0, z)

    # y = 1, z large: p rounds to 1, 0 * log(0) = nan; float32 already at z = 20.
    assert np.isnan(pos.naive32[z == 20.0]).all()
    assert np.isfinite(pos.naive64[z == 20.0]).all()
    assert np.isnan(pos.naive64[z == 40.0]).all()
    # y = 1, z very negative: exp(-z) overflows, p = 0, -log(0) = inf.
    assert np.isinf(pos.naive32[z == -100.0]).all()
    assert np.isinf(pos.naive64[z == -1000.0]).all()
    # y = 0, z large: log(1 - p) = log(0).
    assert np.isinf(neg.naive64[z == 40.0]).all()
    # Logits space: finite and equal to the exact value to within an ulp or two.
    for table in (pos, neg):
        assert np.all(np.isfinite(table.logits64))
        assert np.all(table.relative_error(table.logits64)[table.exact > 0] < 4e-16)
        assert np.all(table.relative_error(table.naive64) >= 0)
    assert stability.first_failure(z, pos.naive64) == 40.0
    assert stability.first_failure(z, pos.logits64) is None


def test_naive_float64_loses_digits_before_it_breaks():
    table = stability.stability_table(1, [17.0])
    assert table.relative_error(table.naive64)[0] > 1e-9  # 1 - p cancels
    assert table.relative_error(table.logits64)[0] < 1e-15


def test_per_example_curves_and_confidently_wrong_region():
    z = np.array([-8.0, 0.0, 8.0])
    curves = stability.per_example_curves(z)
    loss, grad = curves[1]["log"]
    np.testing.assert_allclose(loss, core.log_loss(np.ones(3), z))
    np.testing.assert_allclose(grad, core.sigmoid(z) - 1, atol=1e-15)
    p = core.sigmoid(z)
    np.testing.assert_allclose(curves[0]["mse"][1], 2 * p * p * (1 - p), rtol=1e-12)
    lo, hi = stability.confidently_wrong(1, 10.0)
    assert lo == -10.0 and core.sigmoid(hi) == pytest.approx(0.1)
    lo, hi = stability.confidently_wrong(0, 10.0)
    assert hi == 10.0 and core.sigmoid(lo) == pytest.approx(0.9)
    p = np.array([0.001, 0.5, 0.999])
    np.testing.assert_allclose(core.sigmoid(stability.logit(p)), p, rtol=1e-12)


def test_surface_slices_and_stability_are_pure_numpy():
    code = ("import core.surface, core.slices, core.stability, sys; "
            "print('streamlit' in sys.modules, 'plotly' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_surface_window_and_penalised_surface():
    box = slices.surface_window([(-4, 4), (2.8, 0.0)])
    assert box[0] < -4 and box[1] > 2.8 and box[2] < 0 and box[3] > 4
    d = core.one_d(n=50, seed=2)
    w_values = np.linspace(-3, 3, 7)
    b_values = np.linspace(-2, 2, 5)
    J = surface.penalised_surface(d.X[:, 0], d.y, w_values, b_values, "mse", l2=0.3)
    for i, b in enumerate(b_values):
        for j, w in enumerate(w_values):
            brute = core.cost_from_logits("mse", d.y, w * d.X[:, 0] + b, [w], 0.3)
            assert J[i, j] == pytest.approx(brute, rel=1e-12)
