"""Threshold sweeps, metrics and business cost against scikit-learn and brute force
computed directly from the rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix_at_thresholds, precision_recall_curve

import core
from core import thresholds as core_thresholds
from core.thresholds import bayes_rule_applies


def _tied_data(n=400, seed=0, weighted=False):
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random(n), 1)  # 11 distinct values: many ties
    y = (rng.random(n) < scores).astype(float)
    y[:2] = [0.0, 1.0]
    w = rng.integers(0, 5, n).astype(float) * 0.5 if weighted else None
    return y, scores, w


def _counts_by_rows(y, scores, w, threshold):
    """tp, fp, fn, tn at one threshold, straight from the rows (score >= t)."""
    w = np.ones_like(scores) if w is None else w
    flag = scores >= threshold
    pos = y == 1
    return (w[flag & pos].sum(), w[flag & ~pos].sum(), w[~flag & pos].sum(),
            w[~flag & ~pos].sum())


@pytest.mark.parametrize("weighted", [False, True])
def test_sweep_matches_sklearn_confusion_matrix_at_thresholds(weighted):
    y, scores, w = _tied_data(weighted=weighted)
    sweep = core.threshold_sweep(y, scores, sample_weight=w)
    tns, fps, fns, tps, thresholds = confusion_matrix_at_thresholds(
        y, scores, sample_weight=w)
    assert sweep.thresholds[0] == np.inf
    assert np.array_equal(sweep.thresholds[1:], thresholds)
    for mine, theirs in ((sweep.tp, tps), (sweep.fp, fps), (sweep.fn, fns),
                         (sweep.tn, tns)):
        assert np.allclose(mine[1:], theirs, rtol=1e-12, atol=1e-9)
    # the +inf row flags no one
    ones = np.ones_like(y) if w is None else w
    assert sweep.tp[0] == 0 and sweep.fp[0] == 0
    assert sweep.fn[0] == pytest.approx(y @ ones) and sweep.tn[0] == pytest.approx(
        (1 - y) @ ones)


@pytest.mark.parametrize("weighted", [False, True])
def test_rates_match_sklearn_precision_recall_curve(weighted):
    y, scores, w = _tied_data(seed=1, weighted=weighted)
    sweep = core.threshold_sweep(y, scores, sample_weight=w)
    precision, recall, thresholds = precision_recall_curve(y, scores, sample_weight=w)
    r = core.rates(sweep)
    # scikit-learn lists thresholds increasing and appends (precision 1, recall 0)
    assert np.array_equal(thresholds[::-1], sweep.thresholds[1:])
    assert np.allclose(r["precision"][1:], precision[:-1][::-1], rtol=1e-12)
    assert np.allclose(r["recall"][1:], recall[:-1][::-1], rtol=1e-12)


def test_sweep_counts_are_exact_at_a_million_rows():
    rng = np.random.default_rng(2)
    n = 1_000_000
    scores = rng.integers(0, 5000, n) / 4096.0
    y = (rng.random(n) < 0.3).astype(float)
    sweep = core.threshold_sweep(y, scores)
    # independent count: positives and cases per distinct score, from np.unique
    values, inverse = np.unique(scores, return_inverse=True)
    pos_per = np.bincount(inverse, weights=y)
    all_per = np.bincount(inverse)
    tp = np.cumsum(pos_per[::-1])
    seen = np.cumsum(all_per[::-1])
    assert np.array_equal(sweep.thresholds[1:], values[::-1])
    assert np.array_equal(sweep.tp[1:], tp)
    assert np.array_equal(sweep.fp[1:], seen - tp)
    assert np.array_equal(sweep.fn + sweep.tp, np.full(len(sweep.tp), y.sum()))
    total = sweep.tp + sweep.fp + sweep.fn + sweep.tn
    assert np.all(total == n)
    # the weighted path (weights all 1) agrees bit for bit
    weighted = core.threshold_sweep(y, scores, sample_weight=np.ones(n))
    for name in ("thresholds", "tp", "fp", "fn", "tn"):
        assert np.array_equal(getattr(weighted, name), getattr(sweep, name)), name


def test_sweep_edge_cases():
    one = core.threshold_sweep([1.0], [0.3])
    assert list(one.thresholds) == [np.inf, 0.3]
    assert list(one.tp) == [0, 1] and list(one.fn) == [1, 0]
    same = core.threshold_sweep([0, 1, 0, 1], [2.0, 2.0, 2.0, 2.0])
    assert list(same.tp) == [0, 2] and list(same.fp) == [0, 2]
    only_neg = core.threshold_sweep([0, 0, 0], [3.0, 1.0, 2.0])
    assert list(only_neg.thresholds) == [np.inf, 3.0, 2.0, 1.0]
    assert list(only_neg.fp) == [0, 1, 2, 3] and not only_neg.tp.any()
    # integer labels, negative and huge scores
    s = core.threshold_sweep(np.array([1, 0, 1]), np.array([-1e300, 1e300, 0.0]))
    assert list(s.thresholds) == [np.inf, 1e300, 0.0, -1e300]
    assert list(s.tp) == [0, 0, 1, 2]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (([0, 1], [0.5]), "same length"),
        (([], []), "no scores"),
        (([0, 1], [0.5, np.nan]), "finite"),
        (([0, 1], [0.5, np.inf]), "finite"),
        (([0, 2], [0.5, 0.2]), "only 0 and 1"),
        (([0, 1], [0.5, 0.2], [1.0, -1.0]), "not negative"),
        (([0, 1], [0.5, 0.2], [1.0, np.nan]), "finite"),
        (([0, 1], [0.5, 0.2], [1.0]), "one value per score"),
    ],
)
def test_sweep_rejects_bad_input_in_plain_words(args, words):
    with pytest.raises(ValueError, match=words):
        core.threshold_sweep(*args)


@pytest.mark.parametrize("weighted", [False, True])
def test_metrics_at_any_threshold_equals_counting_the_rows(weighted):
    y, scores, w = _tied_data(n=200, seed=3, weighted=weighted)
    sweep = core.threshold_sweep(y, scores, sample_weight=w)
    distinct = np.unique(scores)
    between = (distinct[1:] + distinct[:-1]) / 2
    probes = np.concatenate([distinct, between, [np.inf, -np.inf, 1e9, -1e9,
                                                 distinct[0] - 1e-12,
                                                 np.nextafter(distinct[-1], 2)]])
    for t in probes:
        m = core.metrics_at(sweep, t)
        tp, fp, fn, tn = _counts_by_rows(y, scores, w, t)
        assert (m["tp"], m["fp"], m["fn"], m["tn"]) == pytest.approx(
            (tp, fp, fn, tn), rel=1e-12, abs=1e-9), t
        total = tp + fp + fn + tn
        assert m["precision"] == pytest.approx(tp / (tp + fp) if tp + fp else 0.0)
        assert m["recall"] == pytest.approx(tp / (tp + fn))
        assert m["f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))
        assert m["accuracy"] == pytest.approx((tp + tn) / total)
        assert m["specificity"] == pytest.approx(tn / (tn + fp))


def test_metrics_at_conventions():
    sweep = core.threshold_sweep([1, 0, 1, 0], [0.9, 0.6, 0.6, 0.2])
    # exactly at a score: score >= threshold is positive
    at = core.metrics_at(sweep, 0.6)
    assert (at["tp"], at["fp"]) == (2.0, 1.0)
    just_above = core.metrics_at(sweep, np.nextafter(0.6, 1.0))
    assert (just_above["tp"], just_above["fp"]) == (1.0, 0.0)
    # nothing predicted positive: precision is 0, not nan
    none = core.metrics_at(sweep, np.inf)
    assert none["tp"] == none["fp"] == 0.0 and none["precision"] == 0.0
    assert none["recall"] == 0.0 and none["specificity"] == 1.0
    everything = core.metrics_at(sweep, -np.inf)
    assert (everything["tp"], everything["fp"], everything["recall"]) == (2, 2, 1)
    assert set(at) >= {"tp", "fp", "fn", "tn", "precision", "recall", "f1",
                       "accuracy", "specificity"}
    assert all(isinstance(v, float) for v in at.values())
    with pytest.raises(ValueError, match="number"):
        core.metrics_at(sweep, np.nan)


# ------------------------------------------------------------ business cost

GAINS = core.CostMatrix(tp=-40.0, fp=5.0, fn=60.0, tn=-1.0)


def _cost_by_rows(y, scores, w, cost, threshold):
    tp, fp, fn, tn = _counts_by_rows(y, scores, w, threshold)
    total = tp + fp + fn + tn
    return (tp * cost.tp + fp * cost.fp + fn * cost.fn + tn * cost.tn) / total


@pytest.mark.parametrize("weighted", [False, True])
def test_expected_and_best_threshold_against_brute_force(weighted):
    y, scores, w = _tied_data(n=300, seed=4, weighted=weighted)
    sweep = core.threshold_sweep(y, scores, sample_weight=w)
    swapped = core.CostMatrix(tp=GAINS.tp, fp=GAINS.fn, fn=GAINS.fp, tn=GAINS.tn)
    answers = []
    for cost in (GAINS, swapped):
        brute = np.array([_cost_by_rows(y, scores, w, cost, t)
                          for t in sweep.thresholds])
        got = core.expected_cost(sweep, cost)
        assert got.shape == sweep.thresholds.shape
        assert np.allclose(got, brute, rtol=1e-12, atol=1e-12)
        best = sweep.thresholds[np.flatnonzero(brute <= brute.min() + 1e-9)].max()
        assert core.best_threshold(sweep, cost) == best
        answers.append(best)
    # a matrix with FP and FN swapped is a different problem: the test would notice
    assert answers[0] != answers[1]


def test_best_threshold_takes_the_largest_on_exact_ties():
    # costs at +inf, 3, 2, 1 are 2, 1, 2, 1 (integers: exact ties)
    sweep = core.threshold_sweep([1, 0, 1], [3.0, 2.0, 1.0])
    cost = core.CostMatrix(tp=0.0, fp=1.0, fn=1.0, tn=0.0)
    assert list(core.expected_cost(sweep, cost) * 3) == [2.0, 1.0, 2.0, 1.0]
    assert core.best_threshold(sweep, cost) == 3.0
    # when flagging no one is cheapest the answer is +inf
    top_is_negative = core.threshold_sweep([0, 1, 1], [3.0, 2.0, 1.0])
    pricey_fp = core.CostMatrix(fp=100.0, fn=1.0)
    assert core.best_threshold(top_is_negative, pricey_fp) == np.inf


def test_bayes_threshold_formula_and_swap():
    assert core.bayes_threshold(core.CostMatrix(fp=1.0, fn=1.0)) == 0.5
    assert core.bayes_threshold(core.CostMatrix(fp=1.0, fn=4.0)) == 0.2
    # with gains: (5 - (-1)) / ((5 - (-1)) + (60 - (-40))) = 6 / 106
    assert core.bayes_threshold(GAINS) == pytest.approx(6 / 106, rel=1e-15)
    swapped = core.CostMatrix(tp=GAINS.tp, fp=GAINS.fn, fn=GAINS.fp, tn=GAINS.tn)
    assert core.bayes_threshold(swapped) == pytest.approx(61 / 106, rel=1e-15)
    with pytest.raises(ValueError, match="no single Bayes threshold"):
        core.bayes_threshold(core.CostMatrix(tp=1.0, fp=1.0, fn=1.0, tn=1.0))
    with pytest.raises(ValueError, match="finite"):
        core.CostMatrix(fp=np.inf)


@pytest.mark.parametrize("cost", [GAINS, core.CostMatrix(tp=2.0, fp=9.0, fn=30.0,
                                                         tn=-3.0),
                                  core.CostMatrix(tp=-5.0, fp=1.0, fn=0.5, tn=0.0)])
def test_bayes_threshold_is_the_cheapest_cut_for_calibrated_probabilities(cost):
    """Brute force from the rows: each row's probability p is its true chance of
    being positive, so flagging it costs p c_tp + (1 - p) c_fp on average and not
    flagging it p c_fn + (1 - p) c_tn. The cheapest cut over all rows sits at the
    Bayes threshold."""
    p = np.linspace(0.0, 1.0, 2001)
    if_flagged = p * cost.tp + (1 - p) * cost.fp
    if_not = p * cost.fn + (1 - p) * cost.tn
    cuts = np.concatenate([p, [np.inf]])
    totals = np.array([np.where(p >= t, if_flagged, if_not).sum() for t in cuts])
    best = cuts[np.argmin(totals)]
    thr = core.bayes_threshold(cost)
    # the cheapest cut is the first grid point at or above the Bayes threshold
    assert best == p[np.searchsorted(p, thr - 1e-12)]
    # and it is the row-by-row rule
    flag = if_flagged <= if_not
    far = np.abs(p - thr) > 1e-9
    assert np.array_equal(flag[far], (p >= thr)[far])
    swapped = core.CostMatrix(tp=cost.tp, fp=cost.fn, fn=cost.fp, tn=cost.tn)
    assert abs(core.bayes_threshold(swapped) - thr) > 0.01


@pytest.mark.parametrize(
    ("cost", "words"),
    [
        # a caught positive costs more than a missed one: flagging never pays
        (core.CostMatrix(tp=5.0, fp=1.0, fn=1.0, tn=0.0), "never pays"),
        # a false alarm earns 5 and a miss costs only 1: flag everyone
        (core.CostMatrix(tp=0.0, fp=-5.0, fn=1.0, tn=0.0), "flagging every case pays"),
        # flagging pays for unlikely positives only: the rule points the wrong way
        (core.CostMatrix(tp=0.0, fp=-1.0, fn=-3.0, tn=0.0),
         "less likely to be positive"),
    ],
)
def test_bayes_rule_fails_where_no_cut_off_is_optimal(cost, words):
    """Where FP - TN + FN - TP < 0 the formula gives a number, but flagging the
    cases at or above it is not the cheapest decision: brute force shows it, and
    ``bayes_rule_applies`` says so."""
    p = np.linspace(0.0, 1.0, 1001)
    if_flagged = p * cost.tp + (1 - p) * cost.fp
    if_not = p * cost.fn + (1 - p) * cost.tn
    formula = (cost.fp - cost.tn) / ((cost.fp - cost.tn) + (cost.fn - cost.tp))
    cost_of_formula = np.where(p >= formula, if_flagged, if_not).sum()
    assert cost_of_formula > np.minimum(if_flagged, if_not).sum() + 1e-9
    assert core.bayes_threshold(cost) == formula  # the API's formula, as promised
    assert not bayes_rule_applies(cost)
    assert bayes_rule_applies(core.CostMatrix(tp=cost.fn, fp=cost.tn, fn=cost.tp,
                                              tn=cost.fp))


def test_bayes_threshold_is_where_a_large_calibrated_sample_is_cheapest():
    rng = np.random.default_rng(5)
    p = rng.random(200_000)
    y = (rng.random(200_000) < p).astype(float)
    sweep = core.threshold_sweep(y, p)
    cost = core.CostMatrix(tp=-2.0, fp=3.0, fn=10.0, tn=0.0)
    assert core.best_threshold(sweep, cost) == pytest.approx(
        core.bayes_threshold(cost), abs=0.02)


def test_expected_cost_rejects_zero_total_weight():
    sweep = core.threshold_sweep([0, 1], [0.2, 0.4], sample_weight=[0.0, 0.0])
    with pytest.raises(ValueError, match="total weight is zero"):
        core.expected_cost(sweep, GAINS)


@pytest.mark.parametrize("weighted", [False, True])
def test_neighbour_score_is_the_next_distinct_score(weighted):
    y, scores, w = _tied_data(weighted=weighted)
    scores = scores + np.random.default_rng(1).normal(0, 0.01, len(scores))
    sweep = core.threshold_sweep(y, scores, w)
    distinct = np.unique(scores)  # brute force: every distinct score, ascending
    for t in [-1.0, distinct[0], 0.2345, distinct[17], distinct[-1], 2.0]:
        above, below = distinct[distinct > t], distinct[distinct < t]
        want_up = above[0] if above.size else np.inf
        want_down = below[-1] if below.size else t
        assert core_thresholds.neighbour_score(sweep, t, up=True) == want_up
        assert core_thresholds.neighbour_score(sweep, t, up=False) == want_down
    assert core_thresholds.neighbour_score(sweep, np.inf, up=False) == distinct[-1]
    with pytest.raises(ValueError):
        core_thresholds.neighbour_score(sweep, np.nan, up=True)


@pytest.mark.parametrize("weighted", [False, True])
def test_step_by_share_is_the_nearest_score_that_moves_the_share_enough(weighted):
    rng = np.random.default_rng(2)
    n = 3000
    scores = np.round(rng.random(n), 3)
    y = (rng.random(n) < scores).astype(float)
    w = rng.integers(1, 4, n).astype(float) if weighted else None
    sweep = core.threshold_sweep(y, scores, w)
    ww = np.ones(n) if w is None else w
    distinct = np.unique(scores)
    # brute force from the rows: the share flagged at every distinct score
    flagged = np.array([ww[scores >= s].sum() for s in distinct]) / ww.sum()

    def share(t):
        return ww[scores >= t].sum() / ww.sum()

    for t in [0.05, 0.3337, 0.5, 0.9, distinct[0], distinct[-1]]:
        for step in (0.01, 0.1):
            # more flagged: the highest score below t flagging >= share + step
            ok = distinct[(distinct < t) & (flagged >= share(t) + step - 1e-12)]
            want = ok[-1] if ok.size else distinct[0]
            assert core_thresholds.step_by_share(sweep, t, step) == want, (t, step)
            # fewer flagged: the lowest score above t flagging <= share - step
            ok = distinct[(distinct > t) & (flagged <= share(t) - step + 1e-12)]
            want = ok[0] if ok.size else np.inf  # past the top: flag no one
            assert core_thresholds.step_by_share(sweep, t, -step) == want, (t, step)
    with pytest.raises(ValueError):
        core_thresholds.step_by_share(sweep, 0.5, np.nan)
