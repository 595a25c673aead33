"""Deciding with scores against brute force and scikit-learn: costs, base-rate
reweighting, bootstrap, calibration, AP/AUC (core.thresholds, core.bootstrap,
core.calibration) and scored rows (core.scored)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    roc_auc_score,
)

import core
from core.bootstrap import bootstrap_counts, bootstrap_optimum
from core.calibration import calibration_summary
from core.scored import (
    ScoredRows,
    guess_columns,
    out_of_fold_scores,
    parse_scored_upload,
    plot_rows,
    split_scored,
)
from core.thresholds import (
    average_precision,
    compare_costs,
    cost_at,
    cost_ratio,
    optimum_by_ratio,
    reweight_sweep,
    roc_auc,
    sample_prevalence,
)

ROOT = Path(__file__).resolve().parent.parent

# Asymmetric matrices, gains (negative costs) included.
COSTS = [
    core.CostMatrix(tp=0.0, fp=10.0, fn=50.0, tn=0.0),
    core.CostMatrix(tp=-120.0, fp=15.0, fn=40.0, tn=-2.0),
    core.CostMatrix(tp=3.0, fp=1.0, fn=7.5, tn=0.25),
    core.CostMatrix(tp=-5.0, fp=80.0, fn=5.0, tn=0.0),
]


def _data(n=300, seed=0, ties=False, weights=False):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(float)
    s = 1 / (1 + np.exp(-(1.5 * y - 0.7 + rng.normal(0, 1, n))))
    if ties:
        s = np.round(s, 1)
    w = rng.integers(0, 5, n).astype(float) if weights else None
    if w is not None:
        w[0] = 1.0
        w[y == 1] += 1.0
        w[y == 0] += 1.0
    return y, s, w


def _brute_cost(y, s, w, cost, t):
    w = np.ones_like(s) if w is None else w
    flag = s >= t
    cell = np.where(
        flag, np.where(y == 1, cost.tp, cost.fp), np.where(y == 1, cost.fn, cost.tn)
    )
    return float(np.sum(w * cell) / np.sum(w))


def _candidates(s):
    return np.concatenate(([np.inf], np.unique(s)[::-1]))


def test_decision_modules_import_neither_streamlit_nor_plotly():
    code = ("import sys, core.thresholds, core.bootstrap, core.calibration, "
            "core.scored; "
            "assert 'streamlit' not in sys.modules and 'plotly' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("ties,weights", [(False, False), (True, False), (True, True)])
def test_expected_cost_optimum_and_bayes_against_brute_force(cost, ties, weights):
    y, s, w = _data(ties=ties, weights=weights)
    sweep = core.threshold_sweep(y, s, w)
    ec = core.expected_cost(sweep, cost)
    brute = np.array([_brute_cost(y, s, w, cost, t) for t in sweep.thresholds])
    np.testing.assert_allclose(ec, brute, rtol=1e-12, atol=1e-12)
    # optimum: lowest brute-force cost over every candidate; largest on ties
    cands = _candidates(s)
    costs = np.array([_brute_cost(y, s, w, cost, t) for t in cands])
    best = cands[np.flatnonzero(costs <= costs.min() + 1e-12)].max()
    assert core.best_threshold(sweep, cost) == best
    # cost_at for thresholds between scores
    for t in (0.0, 0.123, 0.5, 0.77, 1.0, 2.0):
        assert cost_at(sweep, cost, t) == pytest.approx(_brute_cost(y, s, w, cost, t))
    # Bayes threshold: a case with probability p is flagged iff flagging is cheaper
    tb = core.bayes_threshold(cost)
    for p in np.linspace(0, 1, 101):
        flag_cost = p * cost.tp + (1 - p) * cost.fp
        keep_cost = p * cost.fn + (1 - p) * cost.tn
        if abs(flag_cost - keep_cost) > 1e-9:
            assert (p >= tb) == (flag_cost < keep_cost)


def test_bayes_threshold_is_optimal_on_calibrated_probabilities():
    # y drawn from p itself: p is calibrated, so the empirical optimum ~ Bayes
    rng = np.random.default_rng(3)
    p = rng.random(200_000)
    y = (rng.random(p.size) < p).astype(float)
    sweep = core.threshold_sweep(y, p)
    for cost in COSTS:
        tb = core.bayes_threshold(cost)
        assert core.best_threshold(sweep, cost) == pytest.approx(tb, abs=0.03)


def test_compare_costs_matches_brute_force():
    y, s, w = _data(weights=True)
    sweep = core.threshold_sweep(y, s, w)
    cost = COSTS[1]
    t = core.best_threshold(sweep, cost)
    c = compare_costs(sweep, cost, t)
    assert c.at_optimum == pytest.approx(_brute_cost(y, s, w, cost, t))
    assert c.at_default == pytest.approx(_brute_cost(y, s, w, cost, 0.5))
    assert c.flag_everyone == pytest.approx(_brute_cost(y, s, w, cost, -np.inf))
    assert c.flag_no_one == pytest.approx(_brute_cost(y, s, w, cost, np.inf))
    assert c.saved_vs("default", 1000) == pytest.approx(
        1000 * (c.at_default - c.at_optimum)
    )
    # the optimum is never worse than the alternatives on the data it was chosen on
    assert c.at_optimum <= min(c.at_default, c.flag_everyone, c.flag_no_one) + 1e-12


def test_bootstrap_is_reproducible_by_seed_and_changes_with_it():
    y, s, _ = _data(n=1500)
    sweep = core.threshold_sweep(y, s)
    a = bootstrap_optimum(sweep, COSTS[0], n_boot=200, seed=7)
    b = bootstrap_optimum(sweep, COSTS[0], n_boot=200, seed=7)
    c = bootstrap_optimum(sweep, COSTS[0], n_boot=200, seed=8)
    np.testing.assert_array_equal(a.thresholds, b.thresholds)
    np.testing.assert_array_equal(a.costs, b.costs)
    assert a.threshold_band == b.threshold_band
    assert not np.array_equal(a.thresholds, c.thresholds)
    lo, hi = a.threshold_band
    assert lo <= core.best_threshold(sweep, COSTS[0]) <= hi
    assert a.exact_grid


@pytest.mark.parametrize("max_grid", [10_000, 50])
def test_each_bootstrap_resample_optimum_matches_brute_force(max_grid):
    y, s, _ = _data(n=400, ties=True)
    sweep = core.threshold_sweep(y, np.round(s, 2))
    cost = COSTS[1]
    grid, pos, neg = bootstrap_counts(sweep, cost, n_boot=25, seed=1, max_grid=max_grid)
    res = bootstrap_optimum(sweep, cost, n_boot=25, seed=1, max_grid=max_grid)
    assert res.exact_grid == (max_grid >= len(sweep.thresholds))
    for b in range(25):
        # rebuild the resample as rows: one row per case, score = its cell threshold
        cell_scores = np.where(np.isinf(grid), 2.0, grid)
        ys = np.concatenate([np.ones(int(pos[b].sum())), np.zeros(int(neg[b].sum()))])
        ss = np.concatenate([
            np.repeat(cell_scores, pos[b].astype(int)),
            np.repeat(cell_scores, neg[b].astype(int)),
        ])
        assert len(ys) == round(sweep.total)
        costs = np.array([_brute_cost(ys, ss, None, cost, t) for t in grid])
        j = int(np.flatnonzero(costs <= costs.min() + 1e-12)[0])
        assert res.thresholds[b] == grid[j]
        assert res.costs[b] == pytest.approx(costs.min(), abs=1e-10)


def test_bootstrap_spread_matches_a_row_resampling_loop():
    rng = np.random.default_rng(11)
    n = 600
    y = (rng.random(n) < 0.3).astype(float)
    s = np.round(1 / (1 + np.exp(-(2 * y - 1 + rng.normal(0, 1, n)))), 2)
    cost = COSTS[0]
    fast = bootstrap_optimum(core.threshold_sweep(y, s), cost, n_boot=400, seed=0)
    slow_t, slow_c = [], []
    for _ in range(400):
        idx = rng.integers(0, n, n)
        sw = core.threshold_sweep(y[idx], s[idx])
        slow_t.append(core.best_threshold(sw, cost))
        slow_c.append(core.expected_cost(sw, cost).min())
    assert np.median(fast.costs) == pytest.approx(np.median(slow_c), rel=0.05)
    assert np.std(fast.costs) == pytest.approx(np.std(slow_c), rel=0.2)
    assert np.median(fast.thresholds) == pytest.approx(np.median(slow_t), abs=0.05)


def test_bootstrap_with_counts_uses_the_number_of_cases():
    # 10 rows standing for 1e6 cases: the optimum barely moves
    s = np.linspace(0.05, 0.95, 10)
    y = np.array([0, 0, 0, 0, 0, 1, 0, 1, 1, 1.0])
    w = np.full(10, 100_000.0)
    sweep = core.threshold_sweep(y, s, w)
    res = bootstrap_optimum(sweep, COSTS[0], n_boot=100, seed=0)
    lo, hi = res.threshold_band
    assert lo == hi == core.best_threshold(sweep, COSTS[0])


def test_optimum_by_ratio_matches_best_threshold():
    y, s, w = _data(weights=True)
    sweep = core.threshold_sweep(y, s, w)
    ratios = np.logspace(-2, 2, 21)
    emp, bayes = optimum_by_ratio(sweep, ratios)
    for r, t, tb in zip(ratios, emp, bayes, strict=True):
        assert t == core.best_threshold(sweep, core.CostMatrix(fp=1.0, fn=r))
        # same regret ratio, other matrix: same optimum
        shifted = core.CostMatrix(tp=-3.0, fp=2.0 - 1.0, fn=r - 3.0, tn=0.0)
        assert core.best_threshold(sweep, shifted) == t
        assert tb == pytest.approx(core.bayes_threshold(core.CostMatrix(fp=1, fn=r)))
    # more expensive misses -> lower (or equal) threshold
    finite = np.where(np.isinf(emp), 2.0, emp)
    assert np.all(np.diff(finite) <= 0)
    assert cost_ratio(COSTS[1]) == pytest.approx((40 + 120) / (15 + 2))
    assert cost_ratio(core.CostMatrix(tp=0, fp=0, fn=0, tn=0)) is None


def test_prevalence_reweighting_equals_replicating_rows():
    # 100 positives, 100 negatives; pi = 0.2 is 100 positives with 4x the negatives
    rng = np.random.default_rng(5)
    y = np.r_[np.ones(100), np.zeros(100)]
    s = np.round(rng.random(200) * 0.6 + 0.4 * y, 3)
    sweep = core.threshold_sweep(y, s)
    rw = reweight_sweep(sweep, 0.2)
    rep = np.r_[np.ones(100, int), np.full(100, 4)]
    direct = core.threshold_sweep(np.repeat(y, rep), np.repeat(s, rep))
    scale = sweep.total / direct.total
    for name in ("tp", "fp", "fn", "tn"):
        np.testing.assert_allclose(getattr(rw, name), getattr(direct, name) * scale)
    assert sample_prevalence(rw) == pytest.approx(0.2)
    for cost in COSTS:
        np.testing.assert_allclose(
            core.expected_cost(rw, cost), core.expected_cost(direct, cost)
        )
    for t in (0.2, 0.5, 0.8):
        a, b = core.metrics_at(rw, t), core.metrics_at(direct, t)
        for k in ("precision", "recall", "f1", "accuracy", "specificity", "flagged"):
            assert a[k] == pytest.approx(b[k])


def test_prevalence_reweighting_matches_random_resampling():
    rng = np.random.default_rng(9)
    y, s, _ = _data(n=4000, seed=2)
    sweep = core.threshold_sweep(y, s)
    rw = reweight_sweep(sweep, 0.05)
    # draw a large population at base rate 5% from each class's rows
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    m = 400_000
    n_pos = rng.binomial(m, 0.05)
    idx = np.r_[rng.choice(pos, n_pos), rng.choice(neg, m - n_pos)]
    drawn = core.threshold_sweep(y[idx], s[idx])
    for t in (0.3, 0.5, 0.7):
        a, b = core.metrics_at(rw, t), core.metrics_at(drawn, t)
        assert a["precision"] == pytest.approx(b["precision"], abs=0.01)
        assert a["accuracy"] == pytest.approx(b["accuracy"], abs=0.005)
        assert cost_at(rw, COSTS[0], t) == pytest.approx(
            cost_at(drawn, COSTS[0], t), rel=0.03
        )


def test_reweight_rejects_bad_prevalence():
    sweep = core.threshold_sweep([0, 1, 1], [0.1, 0.2, 0.9])
    for bad in (0.0, 1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="prevalence"):
            reweight_sweep(sweep, bad)


def test_calibration_summary_against_scikit_learn():
    rng = np.random.default_rng(4)
    p = rng.uniform(0.01, 0.99, 3000)
    y = (rng.random(p.size) < p**1.3).astype(float)
    w = rng.integers(1, 4, p.size).astype(float)
    cal = calibration_summary(y, p, n_bins=10)
    assert cal.brier == pytest.approx(brier_score_loss(y, p))
    assert cal.log_loss == pytest.approx(log_loss(y, p))
    true, pred = calibration_curve(y, p, n_bins=10)
    np.testing.assert_allclose(cal.prob_true, true)
    np.testing.assert_allclose(cal.prob_pred, pred)
    calw = calibration_summary(y, p, w)
    assert calw.brier == pytest.approx(brier_score_loss(y, p, sample_weight=w))
    assert calw.log_loss == pytest.approx(log_loss(y, p, sample_weight=w))
    # weights 2 == duplicated rows
    dup = calibration_summary(np.r_[y, y], np.r_[p, p])
    assert calibration_summary(y, p, np.full(p.size, 2.0)).ece == pytest.approx(dup.ece)
    with pytest.raises(ValueError):
        calibration_summary(y, p * 3)


@pytest.mark.parametrize("n_bins", [2, 3, 5, 10, 20])
def test_calibration_bins_match_scikit_learn_on_bin_edges(n_bins):
    """Scores on the bin edges go where scikit-learn puts them: the brief's case
    .1 .1 .2 .2 .3 .3 .5 .5 gives bins [.1, .2, .3, .5] with 10 bins, not
    [.1, .25, .5]."""
    s = np.array([0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.5, 0.5])
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
    edges = np.linspace(0, 1, 11)
    s2 = np.r_[s, edges, 0.0, 1.0, 0.25, 0.7]
    y2 = np.r_[y, np.arange(11) % 2, 0.0, 1.0, 1.0, 0.0]
    for scores, labels in ((s, y), (s2, y2)):
        cal = calibration_summary(labels, scores, n_bins=n_bins)
        true, pred = calibration_curve(labels, scores, n_bins=n_bins)
        np.testing.assert_allclose(cal.prob_pred, pred, rtol=1e-15)
        np.testing.assert_allclose(cal.prob_true, true, rtol=1e-15)
        assert cal.bin_weight.sum() == len(scores)
    if n_bins == 10:
        np.testing.assert_allclose(
            calibration_summary(y, s).prob_pred, [0.1, 0.2, 0.3, 0.5], rtol=1e-15
        )


def test_average_precision_and_auc_against_scikit_learn():
    y, s, w = _data(ties=True, weights=True)
    sweep = core.threshold_sweep(y, s, w)
    assert average_precision(sweep) == pytest.approx(
        average_precision_score(y, s, sample_weight=w)
    )
    assert roc_auc(sweep) == pytest.approx(roc_auc_score(y, s, sample_weight=w))


def test_split_scored_rows_and_counts():
    y, s, _ = _data(n=1000)
    rows = ScoredRows(y, s, None, "x")
    val, test = split_scored(rows, seed=0)
    assert val.n_rows + test.n_rows == 1000
    assert abs(val.prevalence - test.prevalence) < 0.01  # stratified
    again = split_scored(rows, seed=0)
    np.testing.assert_array_equal(again[0].scores, val.scores)
    # pre-aggregated counts are split case by case
    w = np.full(1000, 50.0)
    val, test = split_scored(ScoredRows(y, s, w, "bins"), seed=1)
    assert val.n_cases + test.n_cases == 50_000
    assert val.n_cases == pytest.approx(25_000, rel=0.02)
    # too few cases: no split
    assert split_scored(ScoredRows(y[:30], s[:30]), min_per_class=10) is None


def test_out_of_fold_scores_are_probabilities_and_not_in_sample():
    ds = core.one_d(n=200, seed=0)
    p = out_of_fold_scores(ds.X, ds.y)
    assert p.shape == (200,) and np.all((p > 0) & (p < 1))
    assert roc_auc(core.threshold_sweep(ds.y, p)) > 0.75
    tiny = core.tumour()
    assert out_of_fold_scores(tiny.X, tiny.y).shape == (6,)


def test_parse_scored_upload_good_and_bad():
    good = b"label,score,count\n1,0.9,10\n0,0.2,30\n1,0.6,5\n0,0.55,7\n"
    rows, cols = parse_scored_upload(good, "bins.csv")
    assert cols == ["label", "score", "count"]
    np.testing.assert_array_equal(rows.sample_weight, [10, 30, 5, 7])
    assert rows.n_cases == 52
    bad = {
        b"label,score\n1,0.9\n1,0.2\n": "only one class",
        b"label,score\n1,0.9\n0,0.2\n2,0.5\n": "3 classes",
        b"label,score\n1,0.9\n0,\n": "missing",
        b"label,score\n1,0.9\n0,high\n": "must hold numbers",
        b"label,score,weight\n1,0.9,1\n0,0.2,-3\n": "negative",
        b"": "empty",
    }
    for data, words in bad.items():
        with pytest.raises(core.DataError, match=words):
            parse_scored_upload(data, "bad.csv")
    with pytest.raises(core.DataError, match="two columns"):
        parse_scored_upload(b"only\n1\n0\n", "one.csv")


def test_guess_columns():
    assert guess_columns(["Target", "proba", "N"]) == ("Target", "proba", "N")
    assert guess_columns(["a", "b"]) == ("a", "b", None)


def test_plot_rows_bounds_points():
    assert len(plot_rows(10)) == 10
    r = plot_rows(1_000_001, 2000)
    assert len(r) <= 2000 and r[0] == 0 and r[-1] == 1_000_000


# ---------------------------------------------------------------- issue 11 oracles


def test_adjusted_bayes_threshold_matches_the_reweighted_empirical_optimum():
    """Oracle: on large calibrated data, re-weighted to a production base rate, the
    empirical cost-optimal threshold is the odds-adjusted Bayes threshold."""
    from core.thresholds import adjusted_bayes_threshold

    rng = np.random.default_rng(21)
    p = rng.beta(2.0, 3.0, 400_000)  # calibrated: y ~ Bernoulli(p)
    y = (rng.random(p.size) < p).astype(float)
    sweep = core.threshold_sweep(y, np.round(p, 3))
    pi = sample_prevalence(sweep)
    cost = core.CostMatrix(fp=1.0, fn=3.0)  # t* = 0.25
    for prod in (0.02, 0.1, 0.6):
        t_adj = adjusted_bayes_threshold(core.bayes_threshold(cost), pi, prod)
        empirical = core.best_threshold(reweight_sweep(sweep, prod), cost)
        assert empirical == pytest.approx(t_adj, abs=0.03), prod
    # the formula itself, by hand: odds(t') = odds(t*) * odds(pi) / odds(pi')
    t = adjusted_bayes_threshold(0.25, 0.4, 0.02)
    assert t / (1 - t) == pytest.approx((1 / 3) * (0.4 / 0.6) / (0.02 / 0.98))
    assert adjusted_bayes_threshold(0.25, 0.3, 0.3) == pytest.approx(0.25)
    assert adjusted_bayes_threshold(-0.5, 0.3, 0.1) == -0.5  # flag everyone stays
    assert adjusted_bayes_threshold(1.5, 0.3, 0.1) == 1.5
    assert 0 < adjusted_bayes_threshold(1e-300, 0.999, 0.001) < 1
    with pytest.raises(ValueError, match="prevalence"):
        adjusted_bayes_threshold(0.25, 0.0, 0.1)


def test_resample_size_reads_counts_as_frequencies_and_reals_as_importance():
    from core.bootstrap import resample_size

    assert (resample_size(7).n, resample_size(7).kind) == (7, "rows")
    assert resample_size(3, np.array([2.0, 5.0, 1.0])).kind == "counts"
    assert resample_size(3, np.array([2.0, 5.0, 1.0])).n == 8
    equal = resample_size(4, np.full(4, 0.25))
    assert (equal.n, equal.kind) == (4, "importance")  # Kish: equal weights = rows
    assert resample_size(2, np.array([3e-300, 7e-300])).n == 2  # no underflow
    with pytest.raises(ValueError, match="2\\*\\*53"):
        resample_size(2, np.array([1e308, 1e308]))  # no overflow either
    skew = resample_size(4, np.array([0.5, 0.5, 0.5, 10.5]))
    assert skew.kind == "importance" and skew.n == 1  # (12)^2 / 110.75 = 1.3
    with pytest.raises(ValueError, match="2\\*\\*53"):
        resample_size(2, np.array([1e19, 1.0]))
    with pytest.raises(ValueError, match="finite"):
        resample_size(2, np.array([np.inf, 1.0]))


def test_weights_summing_to_one_bootstrap_like_the_same_rows_unweighted():
    """The brief's case: a weight column summing to 1 once drew one case per
    resample (band 0.494 to +inf, cost $0 to $0)."""
    from core.bootstrap import resample_size

    rng = np.random.default_rng(3)
    n = 2000
    y = (rng.random(n) < 0.4).astype(float)
    s = np.round(1 / (1 + np.exp(-(2.5 * y - 1.2 + rng.normal(0, 1, n)))), 3)
    w = np.full(n, 1.0 / n)
    cost = core.CostMatrix(fp=1.0, fn=1.0)
    plain_sweep, weighted = core.threshold_sweep(y, s), core.threshold_sweep(y, s, w)
    size = resample_size(n, w)
    assert size.kind == "importance" and size.n == n
    a = bootstrap_optimum(plain_sweep, cost, n_boot=400, seed=1)
    b = bootstrap_optimum(weighted, cost, n_boot=400, seed=2, n_cases=size.n)
    for lo_hi_a, lo_hi_b in ((a.threshold_band, b.threshold_band),
                             (a.cost_band, b.cost_band)):
        assert np.all(np.isfinite(lo_hi_b))
        assert lo_hi_b[0] < lo_hi_b[1]
        np.testing.assert_allclose(lo_hi_b, lo_hi_a, atol=0.04)
    with pytest.raises(ValueError, match="2\\*\\*53"):
        bootstrap_optimum(core.threshold_sweep(y[:4], s[:4], np.full(4, 1e19)), cost)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("n_bins", [2, 3, 5, 10])
def test_calibration_bins_match_scikit_learn_for_both_strategies(strategy, n_bins):
    rng = np.random.default_rng(n_bins)
    s = np.array([0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.5, 0.5])
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
    p = np.round(rng.uniform(0, 1, 500), 2)  # ties and edges
    yp = (rng.random(p.size) < p).astype(float)
    for scores, labels in ((s, y), (p, yp)):
        cal = calibration_summary(labels, scores, n_bins=n_bins, strategy=strategy)
        true, pred = calibration_curve(labels, scores, n_bins=n_bins,
                                       strategy=strategy)
        np.testing.assert_allclose(cal.prob_pred, pred, rtol=1e-14)
        np.testing.assert_allclose(cal.prob_true, true, rtol=1e-14)
        assert cal.bin_weight.sum() == len(scores)
    # integer weights bin like the duplicated rows they stand for
    w = rng.integers(1, 4, p.size).astype(float)
    rep = np.repeat(np.arange(p.size), w.astype(int))
    cw = calibration_summary(yp, p, w, n_bins=n_bins, strategy=strategy)
    cr = calibration_summary(yp[rep], p[rep], n_bins=n_bins, strategy=strategy)
    if strategy == "uniform":
        np.testing.assert_allclose(cw.prob_true, cr.prob_true)
    assert cw.bin_weight.sum() == len(rep)
    with pytest.raises(ValueError, match="strategy"):
        calibration_summary(y, s, strategy="kmeans")


def _row_cost(y, s, w, cost, t):
    """Mean cost per case flagging ``s >= t``, row by row."""
    flag = s >= t
    cells = np.where(flag, np.where(y == 1, cost.tp, cost.fp),
                     np.where(y == 1, cost.fn, cost.tn))
    return float(np.sum(w * cells) / np.sum(w))


@pytest.mark.parametrize("seed", range(40))
def test_the_recommendation_never_loses_to_a_trivial_policy_on_held_out(seed):
    """Brute force over every distinct score: the validation optimum, and the
    recommendation's held-out cost against flag everyone, flag no one and 0.5."""
    from core.thresholds import recommend

    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 60))
    y = (rng.random(n) < rng.uniform(0.05, 0.6)).astype(float)
    y[:2] = [0.0, 1.0]
    s = np.round(np.clip(0.3 * y + rng.normal(0.35, 0.25, n), 0, 1), 2)
    w = rng.integers(1, 4, n).astype(float) if seed % 2 else np.ones(n)
    half = rng.random(n) < 0.5
    half[:2] = [True, False]
    cost = [core.CostMatrix(fp=5, fn=200), core.CostMatrix(fp=10, fn=30),
            core.CostMatrix(tp=-50, fp=20, fn=0, tn=0),
            core.CostMatrix(fp=1, fn=1)][seed % 4]
    vy, vs, vw = y[half], s[half], w[half]
    ty, ts, tw = y[~half], s[~half], w[~half]
    val = core.threshold_sweep(vy, vs, vw)
    test = core.threshold_sweep(ty, ts, tw)
    rec = recommend(val, test, cost, 0.5)
    candidates = [np.inf, *np.unique(vs)[::-1]]  # every distinct score, largest first
    val_costs = [_row_cost(vy, vs, vw, cost, t) for t in candidates]
    assert rec.optimum == candidates[int(np.argmin(val_costs))]
    trivial = {"default": 0.5, "everyone": -np.inf, "no_one": np.inf}
    rec_cost = _row_cost(ty, ts, tw, cost, rec.threshold)
    assert rec_cost == pytest.approx(rec.cost)
    for name, t in trivial.items():
        other = _row_cost(ty, ts, tw, cost, t)
        assert rec_cost <= other + 1e-9, (name, rec)
        assert rec.held_out[name] == pytest.approx(other)
        assert rec.saved_vs(name) >= -1e-9
    opt_cost = _row_cost(ty, ts, tw, cost, rec.optimum)
    beaten = {k for k, t in trivial.items() if _row_cost(ty, ts, tw, cost, t)
              < opt_cost - 1e-9}
    assert set(rec.beaten_by) == beaten
    assert (rec.policy == "optimum") == (not beaten)


def test_the_recommendation_on_one_half_keeps_the_optimum():
    from core.thresholds import recommend

    y, s, w = _data(ties=True, weights=True)
    sweep = core.threshold_sweep(y, s, w)
    rec = recommend(sweep, sweep, core.CostMatrix(fp=5, fn=200))
    assert rec.policy == "optimum" and rec.beaten_by == ()


def test_bootstrap_saving_matches_a_row_resampling_loop():
    from core.bootstrap import bootstrap_saving

    rng = np.random.default_rng(8)
    n = 800
    y = (rng.random(n) < 0.3).astype(float)
    s = np.round(1 / (1 + np.exp(-(2 * y - 1 + rng.normal(0, 1, n)))), 2)
    cost = core.CostMatrix(fp=10, fn=30)
    sweep = core.threshold_sweep(y, s)
    t, other = 0.3, 0.5
    lo, hi = bootstrap_saving(sweep, cost, t, other, n_boot=2000, seed=0)
    slow = []
    for _ in range(2000):
        idx = rng.integers(0, n, n)
        slow.append(_row_cost(y[idx], s[idx], np.ones(n), cost, other)
                    - _row_cost(y[idx], s[idx], np.ones(n), cost, t))
    slo, shi = np.quantile(slow, [0.05, 0.95])
    assert lo == pytest.approx(slo, abs=0.25 * (shi - slo))
    assert hi == pytest.approx(shi, abs=0.25 * (shi - slo))
    point = cost_at(sweep, cost, other) - cost_at(sweep, cost, t)
    assert lo < point < hi
    assert bootstrap_saving(sweep, cost, t, t) == (0.0, 0.0)
    # the sign flips with the order
    r_lo, r_hi = bootstrap_saving(sweep, cost, other, t, n_boot=2000, seed=0)
    assert (r_lo, r_hi) == pytest.approx((-hi, -lo), abs=0.3 * (hi - lo))


@pytest.mark.parametrize("seed", range(30))
def test_best_under_capacity_against_brute_force(seed):
    from core.thresholds import best_under_capacity

    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(5, 80))
    y = (rng.random(n) < rng.uniform(0.1, 0.7)).astype(float)
    s = np.round(rng.random(n), 2)
    w = rng.integers(1, 5, n).astype(float) if seed % 2 else np.ones(n)
    cost = core.CostMatrix(tp=float(rng.integers(-20, 1)),
                           fp=float(rng.integers(1, 20)),
                           fn=float(rng.integers(1, 200)), tn=0.0)
    cap = float(rng.choice([0.0, 0.05, 0.1, 0.3, 0.5, 1.0]))
    got = best_under_capacity(core.threshold_sweep(y, s, w), cost, cap)
    best_t, best_c = np.inf, _row_cost(y, s, w, cost, np.inf)
    for t in np.unique(s)[::-1]:  # every distinct score, largest first
        share = np.sum(w[s >= t]) / np.sum(w)
        c = _row_cost(y, s, w, cost, t)
        if share <= cap + 1e-12 and c < best_c - 1e-12:
            best_t, best_c = t, c
    assert got.threshold == best_t
    assert got.cost == pytest.approx(best_c)
    assert got.flagged <= cap + 1e-12
    assert got.price >= -1e-12
    free = min([(np.inf, _row_cost(y, s, w, cost, np.inf))]
               + [(t, _row_cost(y, s, w, cost, t)) for t in np.unique(s)],
               key=lambda tc: tc[1])
    assert got.optimum_cost == pytest.approx(free[1])
    if cap == 1.0:
        assert not got.binding and got.price == pytest.approx(0.0)
    with pytest.raises(ValueError, match="share"):
        best_under_capacity(core.threshold_sweep(y, s), cost, 1.5)
