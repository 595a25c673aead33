"""Scenarios (several cost matrices compared: each one's optimum and the regret
matrix) and a capacity given as a count per period, against brute force over
every distinct score of random data with ties."""

from __future__ import annotations

import numpy as np
import pytest

import core
from core.thresholds import (
    best_under_capacity,
    capacity_share,
    compare_scenarios,
    scaled_cost,
)


def _rows(seed: int):
    """Random rows with many ties (scores on a coarse grid), weighted on odd seeds."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 90))
    y = (rng.random(n) < rng.uniform(0.1, 0.8)).astype(float)
    y[:2] = [0.0, 1.0]
    s = np.round(rng.random(n), 1 if seed % 3 == 0 else 2)
    w = rng.integers(1, 5, n).astype(float) if seed % 2 else np.ones(n)
    return y, s, w, rng


def _cost_by_rows(y, s, w, cost, t) -> float:
    """Mean cost per case flagging score >= t, straight from the rows."""
    flag, pos = s >= t, y == 1
    total = (w[flag & pos].sum() * cost.tp + w[flag & ~pos].sum() * cost.fp
             + w[~flag & pos].sum() * cost.fn + w[~flag & ~pos].sum() * cost.tn)
    return total / w.sum()


def _brute_best(y, s, w, cost, fits=lambda t: True) -> float:
    """The cheapest of +inf and every distinct score that ``fits`` (the largest
    threshold on ties, as the page's optimum)."""
    best_t, best_c = np.inf, _cost_by_rows(y, s, w, cost, np.inf)
    for t in np.unique(s)[::-1]:  # largest first: a tie keeps the larger one
        c = _cost_by_rows(y, s, w, cost, t)
        if fits(t) and c < best_c - 1e-12:
            best_t, best_c = t, c
    return best_t


def _random_costs(rng, k):
    return [core.CostMatrix(tp=float(rng.integers(-30, 5)),
                            fp=float(rng.integers(-2, 40)),
                            fn=float(rng.integers(0, 300)),
                            tn=float(rng.integers(-5, 5))) for _ in range(k)]


@pytest.mark.parametrize("seed", range(40))
def test_scenario_optima_and_regret_against_brute_force(seed):
    y, s, w, rng = _rows(seed)
    # choose on one half, report on the other (as the page), or on the same rows
    half = rng.random(len(y)) < 0.5
    if seed % 4 == 0 or half.all() or not half.any():
        half[:] = True
    choose_rows = (y[half], s[half], w[half])
    report_rows = (y[~half], s[~half], w[~half]) if not half.all() else choose_rows
    costs = _random_costs(rng, int(rng.integers(1, 7)))
    got = compare_scenarios(core.threshold_sweep(*choose_rows),
                            core.threshold_sweep(*report_rows), costs)
    k = len(costs)
    assert got.costs.shape == got.regret.shape == (k, k)
    expected_t = [_brute_best(*choose_rows, c) for c in costs]
    assert list(got.thresholds) == expected_t
    ry, rs, rw = report_rows
    for a, ca in enumerate(costs):
        for b, tb in enumerate(expected_t):
            at_b = _cost_by_rows(ry, rs, rw, ca, tb)
            at_a = _cost_by_rows(ry, rs, rw, ca, expected_t[a])
            assert got.costs[a, b] == pytest.approx(at_b, abs=1e-9)
            assert got.regret[a, b] == pytest.approx(at_b - at_a, abs=1e-9)
        assert got.regret[a, a] == 0.0
    for b, t in enumerate(expected_t):
        flag, pos = rs >= t, ry == 1
        flagged = rw[flag].sum()
        assert got.flagged[b] == pytest.approx(flagged / rw.sum())
        assert got.precision[b] == pytest.approx(
            rw[flag & pos].sum() / flagged if flagged else 0.0)
        assert got.recall[b] == pytest.approx(rw[flag & pos].sum() / rw[pos].sum()
                                              if rw[pos].sum() else 0.0)
    worst = [max(got.regret[a, b] for a in range(k)) for b in range(k)]
    assert got.least_regret == worst.index(min(worst))
    if report_rows is choose_rows:  # on the rows that chose, nothing beats one's own
        assert np.all(got.regret >= -1e-9)


def test_regret_is_what_a_second_opinion_costs():
    # three cases; Finance (false alarms dear) and Operations (misses dear) disagree
    sweep = core.threshold_sweep([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.1])
    finance = core.CostMatrix(fp=100.0, fn=10.0)
    operations = core.CostMatrix(fp=1.0, fn=100.0)
    got = compare_scenarios(sweep, sweep, [finance, operations])
    assert list(got.thresholds) == [0.9, 0.4]
    # under Finance: 0.9 costs FN 10 / 4; 0.4 costs FP 100 / 4
    assert got.costs[0].tolist() == [2.5, 25.0]
    assert got.regret[0].tolist() == [0.0, 22.5]
    # under Operations: 0.9 misses one (100 / 4); 0.4 one false alarm (1 / 4)
    assert got.regret[1].tolist() == [pytest.approx(24.75), 0.0]
    assert got.least_regret == 1  # worst regrets: 24.75 (Finance's), 22.5 (Ops')
    with pytest.raises(ValueError, match="no scenarios"):
        compare_scenarios(sweep, sweep, [])


@pytest.mark.parametrize("seed", range(10))
def test_scaled_cost_runs_from_zero_at_the_optimum_to_one(seed):
    y, s, w, rng = _rows(seed)
    sweep = core.threshold_sweep(y, s, w)
    cost = _random_costs(rng, 1)[0]
    scaled = scaled_cost(sweep, cost)
    raw = core.expected_cost(sweep, cost)
    if np.ptp(raw) > 1e-9:
        assert scaled.min() == 0.0 and scaled.max() == pytest.approx(1.0)
        assert sweep.thresholds[np.argmin(scaled)] == core.best_threshold(sweep, cost)
        # the same order as the cost itself: an affine map
        assert np.allclose(scaled * np.ptp(raw) + raw.min(), raw)
    flat = scaled_cost(sweep, core.CostMatrix(tp=3.0, fp=3.0, fn=3.0, tn=3.0))
    assert np.all(flat == 0.0)


@pytest.mark.parametrize("seed", range(30))
def test_a_count_per_period_cap_against_brute_force(seed):
    y, s, w, rng = _rows(200 + seed)
    cost = _random_costs(rng, 1)[0]
    arriving = float(rng.choice([7.0, 50.0, 1000.0, 1234.5]))
    count = float(rng.choice([0.0, 1.0, 3.0, 0.1 * arriving, 0.5 * arriving,
                              2.0 * arriving]))
    got = best_under_capacity(core.threshold_sweep(y, s, w), cost,
                              capacity_share(count, arriving))

    def fits(t):  # cases flagged per period, straight from the rows
        return w[s >= t].sum() / w.sum() * arriving <= count * (1 + 1e-12)

    expected = _brute_best(y, s, w, cost, fits)
    assert got.threshold == expected
    assert got.cost == pytest.approx(_cost_by_rows(y, s, w, cost, expected))
    assert got.flagged * arriving <= count * (1 + 1e-9)
    unconstrained = _brute_best(y, s, w, cost)
    assert got.optimum == unconstrained
    assert got.price == pytest.approx(
        got.cost - _cost_by_rows(y, s, w, cost, unconstrained))
    if count >= arriving:
        assert not got.binding and got.price == 0.0


@pytest.mark.parametrize("count, cases, words", [
    (-1.0, 10.0, "reviewed"), (float("nan"), 10.0, "reviewed"),
    (5.0, 0.0, "arriving"), (5.0, float("inf"), "arriving")])
def test_capacity_share_refuses_what_is_no_count(count, cases, words):
    with pytest.raises(ValueError, match=words):
        capacity_share(count, cases)
    assert capacity_share(50, 1000) == 0.05 and capacity_share(80, 40) == 1.0
