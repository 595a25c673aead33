"""Properties that must hold for every input hypothesis can think of."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import core

RAISE = {"over": "raise", "invalid": "raise", "divide": "raise"}
PROFILE = settings(max_examples=150, deadline=None)
SLOW = settings(max_examples=60, deadline=None)  # for oracles with a heavy call

any_logit = st.floats(allow_nan=False, allow_infinity=False)
labels = st.sampled_from([0.0, 1.0])


def _logits(size):
    return arrays(np.float64, size, elements=any_logit)


@PROFILE
@given(z=_logits(st.integers(1, 40)), data=st.data())
def test_losses_finite_nonnegative_for_any_float_logit(z, data):
    y = data.draw(arrays(np.float64, len(z), elements=labels))
    with np.errstate(**RAISE):
        log = core.log_loss(y, z)
        sq = core.squared_loss(y, z)
        for loss, per_expected in (("log", log), ("mse", sq)):
            per, dz = core.loss_and_dz(loss, y, z)
            assert np.array_equal(per, per_expected)
            assert np.all(np.isfinite(dz)) and np.all(np.abs(dz) <= 1.0)
            # the gradient pushes z towards the label: down for negatives
            assert np.all(dz[y == 0] >= 0) and np.all(dz[y == 1] <= 0)
        p = core.sigmoid(z)
    assert np.all(np.isfinite(log)) and np.all(log >= 0)
    assert np.all(np.isfinite(sq)) and np.all((sq >= 0) & (sq <= 1))
    assert np.all((p >= 0) & (p <= 1))
    # log loss is at least the margin by which the model is wrong
    assert np.all(log >= np.maximum((1 - 2 * y) * z, 0))


@PROFILE
@given(z=_logits(st.integers(1, 40)), data=st.data())
def test_log_loss_label_flip_symmetry(z, data):
    y = data.draw(arrays(np.float64, len(z), elements=labels))
    assert np.array_equal(core.log_loss(y, z), core.log_loss(1 - y, -z))
    assert np.array_equal(core.squared_loss(y, z), core.squared_loss(1 - y, -z))


@PROFILE
@given(z=st.floats(-30, 30))
def test_log_loss_matches_the_textbook_formula_where_it_is_finite(z):
    p = 1 / (1 + np.exp(-z))
    assert core.log_loss([1.0], [z])[0] == pytest.approx(-np.log(p), rel=1e-9,
                                                         abs=1e-15)


@st.composite
def scored(draw, weighted=None):
    n = draw(st.integers(1, 60))
    # few distinct values so ties are common; integers keep the sums exact
    scores = draw(arrays(np.float64, n, elements=st.integers(-5, 5).map(float)))
    scores = scores * draw(st.sampled_from([1.0, 0.1, 1e-300, 1e300]))
    y = draw(arrays(np.float64, n, elements=labels))
    if weighted is None:
        weighted = draw(st.booleans())
    w = draw(arrays(np.float64, n, elements=st.integers(0, 9).map(float))) \
        if weighted else None
    return y, scores, w


@PROFILE
@given(case=scored(), t1=st.floats(-10, 10), t2=st.floats(-10, 10))
def test_recall_never_rises_as_the_threshold_rises(case, t1, t2):
    y, scores, w = case
    sweep = core.threshold_sweep(y, scores, sample_weight=w)
    recall = core.rates(sweep)["recall"]
    assert np.all(np.diff(recall) >= 0)  # thresholds decrease along the sweep
    assert np.all(np.diff(sweep.tp) >= 0) and np.all(np.diff(sweep.fp) >= 0)
    assert np.all(np.diff(sweep.thresholds) < 0)
    lo, hi = sorted((t1, t2))
    assert (core.metrics_at(sweep, hi)["recall"]
            <= core.metrics_at(sweep, lo)["recall"])


@PROFILE
@given(case=scored())
def test_sweep_counts_sum_to_the_total_weight(case):
    y, scores, w = case
    sweep = core.threshold_sweep(y, scores, sample_weight=w)
    weights = np.ones_like(y) if w is None else w
    total = weights.sum()
    assert np.all(sweep.tp + sweep.fp + sweep.fn + sweep.tn == total)
    assert np.all(sweep.tp + sweep.fn == weights @ y)
    assert sweep.thresholds[0] == np.inf
    assert np.array_equal(sweep.thresholds[1:], np.unique(scores)[::-1])
    # last row flags everyone
    assert sweep.fn[-1] == 0 and sweep.tn[-1] == 0


@PROFILE
@given(case=scored(weighted=False))
def test_unweighted_and_unit_weighted_sweeps_agree(case):
    y, scores, _ = case
    a = core.threshold_sweep(y, scores)
    b = core.threshold_sweep(y, scores, sample_weight=np.ones_like(y))
    for name in ("thresholds", "tp", "fp", "fn", "tn"):
        assert np.array_equal(getattr(a, name), getattr(b, name))


# money amounts: zero or at least a millionth, so scaling by 2**-20 stays exact
costs = st.floats(-1e3, 1e3, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-6)


@PROFILE
@given(tp=costs, fp=costs, fn=costs, tn=costs,
       factor=st.floats(1e-3, 1e3), power=st.integers(-20, 20))
def test_bayes_threshold_unchanged_by_scaling_all_costs(tp, fp, fn, tn, factor, power):
    cost = core.CostMatrix(tp=tp, fp=fp, fn=fn, tn=tn)
    den = (fp - tn) + (fn - tp)
    if den == 0:  # the formula divides by zero
        with pytest.raises(ValueError, match="Bayes threshold"):
            core.bayes_threshold(cost)
        return
    thr = core.bayes_threshold(cost)
    assert thr == (fp - tn) / den
    two = 2.0**power  # a power of two scales without rounding: exactly equal
    exact = core.CostMatrix(tp=tp * two, fp=fp * two, fn=fn * two, tn=tn * two)
    assert core.bayes_threshold(exact) == thr
    # any other factor rounds each cost; where the denominator does not cancel
    # badly the threshold stays the same to many digits
    assume(abs(den) > 1e-6 * (abs(tp) + abs(fp) + abs(fn) + abs(tn)))
    scaled = core.CostMatrix(tp=tp * factor, fp=fp * factor, fn=fn * factor,
                             tn=tn * factor)
    assert core.bayes_threshold(scaled) == pytest.approx(thr, rel=1e-8, abs=1e-8)


@PROFILE
@given(case=scored(), tp=costs, fp=costs, fn=costs, tn=costs)
def test_best_threshold_is_cheapest_and_largest_on_ties(case, tp, fp, fn, tn):
    y, scores, w = case
    weights = np.ones_like(y) if w is None else w
    if weights.sum() == 0:
        return
    sweep = core.threshold_sweep(y, scores, sample_weight=w)
    cost = core.CostMatrix(tp=tp, fp=fp, fn=fn, tn=tn)
    expected = core.expected_cost(sweep, cost)
    best = core.best_threshold(sweep, cost)
    i = int(np.flatnonzero(sweep.thresholds == best)[0])
    assert expected[i] == expected.min()
    assert np.all(expected[:i] > expected[i])  # nothing above it is as cheap


@PROFILE
@given(case=scored(), t=st.one_of(st.floats(-10, 10), st.sampled_from(
    [np.inf, -np.inf, 0.0, 1.0, -5.0, 5.0])))
def test_metrics_at_any_threshold_counts_the_rows(case, t):
    y, scores, w = case
    weights = np.ones_like(y) if w is None else w
    sweep = core.threshold_sweep(y, scores, sample_weight=w)
    m = core.metrics_at(sweep, t)
    flag = scores >= t
    assert m["tp"] == weights[flag & (y == 1)].sum()
    assert m["fp"] == weights[flag & (y == 0)].sum()
    assert m["fn"] == weights[~flag & (y == 1)].sum()
    assert m["tn"] == weights[~flag & (y == 0)].sum()


@SLOW
@given(case=scored())
def test_sweep_matches_sklearn_on_any_tied_weighted_data(case):
    from sklearn.metrics import confusion_matrix_at_thresholds

    y, scores, w = case
    weights = np.ones_like(y) if w is None else w
    assume(len(np.unique(y)) == 2 and weights[y == 1].sum() > 0
           and weights[y == 0].sum() > 0)
    sweep = core.threshold_sweep(y, scores, sample_weight=w)
    tns, fps, fns, tps, thresholds = confusion_matrix_at_thresholds(
        y, scores, sample_weight=w)
    # scikit-learn drops thresholds where only zero-weight rows sit; compare there
    rows = np.searchsorted(-sweep.thresholds[1:], -thresholds) + 1
    assert np.array_equal(sweep.thresholds[rows], thresholds)
    for mine, theirs in ((sweep.tp, tps), (sweep.fp, fps), (sweep.fn, fns),
                         (sweep.tn, tns)):
        assert np.array_equal(mine[rows], theirs)


@SLOW
@given(
    x=arrays(np.float64, st.integers(1, 30), elements=st.floats(-50, 50)),
    data=st.data(),
    chunk=st.integers(1, 400),
    loss=st.sampled_from(["log", "mse"]),
)
def test_cost_surface_equals_the_loop_for_any_chunk_size(x, data, chunk, loss):
    import core.surface

    y = data.draw(arrays(np.float64, len(x), elements=labels))
    grid = st.floats(-100, 100)
    w_values = data.draw(arrays(np.float64, st.integers(1, 9), elements=grid))
    b_values = data.draw(arrays(np.float64, st.integers(1, 9), elements=grid))
    expected = np.array([[core.cost_and_gradient(loss, x[:, None], y, [w], b)[0]
                          for w in w_values] for b in b_values])
    saved = core.surface.CHUNK_ELEMENTS
    core.surface.CHUNK_ELEMENTS = chunk
    try:
        with np.errstate(**RAISE):
            J = core.cost_surface(x, y, w_values, b_values, loss)
    finally:
        core.surface.CHUNK_ELEMENTS = saved
    assert J.shape == (len(b_values), len(w_values))
    assert np.allclose(J, expected, rtol=1e-13, atol=1e-300)
