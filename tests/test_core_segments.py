"""Per-segment thresholds (core/segments.py) against brute force over the rows:
every distinct score of random data with ties and weights, each segment's rows
alone."""

from __future__ import annotations

import numpy as np
import pytest

import core
from core.scored import ScoredRows, split_parts, split_scored
from core.segments import (
    GAP_METRICS,
    MIN_CASES,
    Half,
    largest,
    reweighted,
    segment_report,
)

COST = core.CostMatrix(tp=-2.0, fp=5.0, fn=20.0, tn=0.5)


def _rows(n, n_seg, seed, weights):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, n_seg, n)
    s = np.round(rng.random(n), 2)  # 101 distinct values: many ties
    shift = 0.15 * (codes % 3)  # segments differ in how scores relate to labels
    y = (rng.random(n) < np.clip(s + shift - 0.1, 0, 1)).astype(float)
    w = {"none": None, "counts": rng.integers(0, 4, n).astype(float),
         "fractions": rng.random(n) * 2}[weights]
    return y, s, w, codes


def _brute(y, s, w, t):
    """Metrics at ``t`` straight from the rows (flag when score >= t)."""
    w = np.ones_like(s) if w is None else w
    f, p = s >= t, y == 1
    tp, fp = w[f & p].sum(), w[f & ~p].sum()
    fn, tn = w[~f & p].sum(), w[~f & ~p].sum()
    total = tp + fp + fn + tn

    def ratio(a, b):
        return a / b if b else 0.0

    cost = (tp * COST.tp + fp * COST.fp + fn * COST.fn + tn * COST.tn) / total
    return {"precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn),
            "fpr": ratio(fp, fp + tn), "flagged": ratio(tp + fp, total)}, cost


def _brute_optimum(y, s, w):
    """Lowest cost over +inf and every distinct score; the largest on ties."""
    best_t, best_c = None, np.inf
    for t in [np.inf, *sorted(set(s.tolist()), reverse=True)]:
        c = _brute(y, s, w, t)[1]
        if c < best_c - 1e-12:
            best_t, best_c = t, c
    return best_t, best_c


@pytest.mark.parametrize("weights", ["none", "counts", "fractions"])
@pytest.mark.parametrize("seed", [0, 1])
def test_each_segment_is_the_page_on_its_rows_alone(weights, seed):
    y, s, w, codes = _rows(3000, 5, seed, weights)
    rows = ScoredRows(y, s, w)
    (vi, vw), (ti, tw) = split_parts(rows)
    val = Half(y[vi], s[vi], vw, codes[vi])
    test = Half(y[ti], s[ti], tw, codes[ti])
    thresholds = [np.inf, 1.5, -1.0, *np.unique(s), 0.333, 0.505]
    for t in thresholds:
        rep = segment_report(val, test, 5, COST, t, min_cases=1)
        assert [g.code for g in rep.segments] == list(largest(
            np.concatenate([codes[vi], codes[ti]]),
            None if w is None else np.concatenate([vw, tw]), 5))
        for seg in rep.segments:
            m = test.codes == seg.code
            want, want_cost = _brute(test.y_true[m], test.scores[m],
                                     None if tw is None else tw[m], t)
            for k, v in want.items():
                assert seg.metrics[k] == pytest.approx(v, abs=1e-12), (t, k)
            assert seg.cost == pytest.approx(want_cost, abs=1e-12)
            # and it is the whole page's metric on that segment's rows alone
            page = core.threshold_sweep(test.y_true[m], test.scores[m],
                                        None if tw is None else tw[m])
            assert seg.metrics == core.metrics_at(page, t)
            assert seg.rows == int(m.sum())
    # each segment's own optimum: brute force on its validation rows
    rep = segment_report(val, test, 5, COST, 0.5, min_cases=1)
    for seg in rep.segments:
        m = val.codes == seg.code
        want_t, _ = _brute_optimum(val.y_true[m], val.scores[m],
                                   None if vw is None else vw[m])
        assert seg.optimum == want_t
        mt = test.codes == seg.code
        assert seg.optimum_cost == pytest.approx(_brute(
            test.y_true[mt], test.scores[mt], None if tw is None else tw[mt],
            want_t)[1], abs=1e-12)


def test_split_parts_is_split_scored():
    y, s, w, _ = _rows(500, 3, 4, "counts")
    rows = ScoredRows(y, s, w, "x")
    parts, halves = split_parts(rows), split_scored(rows)
    for (idx, wp), half in zip(parts, halves, strict=True):
        assert np.array_equal(y[idx], half.y_true)
        assert np.array_equal(s[idx], half.scores)
        assert np.array_equal(wp, half.sample_weight)


def test_gaps_are_largest_minus_smallest_among_segments_large_enough():
    y, s, w, codes = _rows(4000, 6, 2, "none")
    codes[:300] = 6  # a seventh segment with about 150 rows a half: too few
    y[:300] = 0.0
    y[:20] = 1.0  # about 10 positives per half
    half = Half(y, s, w, codes)
    rep = segment_report(half, half, 7, COST, 0.42)
    small = [g for g in rep.segments if g.small]
    assert [g.code for g in small] == [6]
    assert small[0].optimum is None and small[0].metrics is not None
    assert small[0].cases_by_class[0] < MIN_CASES
    big = [g for g in rep.segments if not g.small]
    assert len(big) == 6
    assert [g.metric for g in rep.gaps] == list(GAP_METRICS)
    for gap in rep.gaps:
        values = {g.code: g.value(gap.metric) for g in big}
        assert gap.gap == pytest.approx(max(values.values()) - min(values.values()))
        assert values[gap.high] == max(values.values())
        assert values[gap.low] == min(values.values())
        assert gap.high != 6 and gap.low != 6


def test_only_the_largest_segments_are_compared_and_the_rest_counted():
    rng = np.random.default_rng(5)
    n = 6000
    codes = np.minimum(rng.geometric(0.08, n) - 1, 39)  # 40 segments, sizes falling
    s = rng.random(n)
    y = (rng.random(n) < s).astype(float)
    w = rng.integers(1, 3, n).astype(float)
    half = Half(y, s, w, codes)
    rep = segment_report(half, half, 40, COST, 0.5, limit=20)
    size = np.bincount(codes, weights=w, minlength=40)
    shown = [g.code for g in rep.segments]
    assert len(shown) == 20
    assert sorted(size[shown], reverse=True) == list(size[shown])
    assert min(size[shown]) >= max(np.delete(size, shown))
    rest = ~np.isin(codes, shown)
    assert rep.left_out == len(np.unique(codes[rest]))
    assert rep.left_out_rows == int(rest.sum())
    assert rep.left_out_cases == pytest.approx(w[rest].sum())


def test_the_production_base_rate_reweights_each_segment_as_the_page():
    y, s, w, codes = _rows(3000, 4, 3, "fractions")
    half = Half(y, s, w, codes)
    again = reweighted(half, 0.05)
    sweep = core.thresholds.reweight_sweep(core.threshold_sweep(y, s, w), 0.05)
    whole = core.threshold_sweep(again.y_true, again.scores, again.sample_weight)
    for t in (0.1, 0.5, 0.9):
        a, b = core.metrics_at(whole, t), core.metrics_at(sweep, t)
        for k in a:
            assert a[k] == pytest.approx(b[k], rel=1e-12, abs=1e-12)


def test_bad_inputs_are_refused_in_words():
    y, s, w, codes = _rows(100, 3, 0, "none")
    with pytest.raises(ValueError, match="one value per row"):
        Half(y, s, w, codes[:-1])
    with pytest.raises(ValueError, match="non-negative integers"):
        Half(y, s, w, codes - 1)
    with pytest.raises(ValueError, match="below the number"):
        segment_report(Half(y, s, w, codes), Half(y, s, w, codes), 2, COST, 0.5)
    with pytest.raises(ValueError, match="must be a number"):
        segment_report(Half(y, s, w, codes), Half(y, s, w, codes), 3, COST, np.nan)
