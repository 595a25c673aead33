"""The Segments view's math against the page's own sweep, side by side.

``core.segments.sweep_segments`` (once per data: 1,000,000 uploaded rows split in
two halves, 20 segments compared, 200 small ones left out) against
``core.threshold_sweep`` of the same 1,000,000 rows (what the page computes once
per data anyway), timed in turn, 7 times each; the fastest runs are compared.
Bound: 3x. Then a threshold move on the view, ``report_at`` (lookups in the 20
segments' sweeps, both halves), against the page's own lookup at a move
(``metrics_at`` and ``cost_at`` on both halves' sweeps), same way; printed, no bound.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import core
from core.scored import ScoredRows, split_parts
from core.segments import Half, report_at, sweep_segments
from core.thresholds import cost_at, metrics_at

N, REPEATS, BOUND = 1_000_000, 7, 3.0


def main() -> int:
    rng = np.random.default_rng(0)
    codes = np.where(rng.random(N) < 0.95, rng.integers(0, 20, N),
                     rng.integers(20, 220, N))
    s = np.round(rng.random(N), 4)
    y = (rng.random(N) < s).astype(float)
    rows = ScoredRows(y, s)
    (vi, _), (ti, _) = split_parts(rows)
    val, test = (Half(y[i], s[i], None, codes[i]) for i in (vi, ti))
    cost = core.CostMatrix(fp=10.0, fn=30.0)

    def seg():
        sweep_segments(val, test, 220)

    def base():
        core.threshold_sweep(y, s)

    t_seg, t_base = _side_by_side(seg, base)
    ratio = min(t_seg) / min(t_base)
    pairs = np.median(np.array(t_seg) / np.array(t_base))
    print(f"sweep_segments, {N:,} rows in two halves, 20 of 220 segments: "
          f"{min(t_seg) * 1e3:.0f} ms vs threshold_sweep of all rows "
          f"{min(t_base) * 1e3:.0f} ms = {ratio:.2f}x (pair median {pairs:.2f}x, "
          f"bound {BOUND:g}x) [{'PASS' if ratio <= BOUND else 'FAIL'}]; "
          f"load average {os.getloadavg()[0]:.1f}")
    sw = sweep_segments(val, test, 220)
    halves = [core.threshold_sweep(y[i], s[i]) for i in (vi, ti)]
    t_move, t_page = _side_by_side(
        lambda: report_at(sw, cost, 0.5),
        lambda: [(metrics_at(h, 0.5), cost_at(h, cost, 0.5)) for h in halves])
    print(f"a threshold move: report_at {min(t_move) * 1e3:.2f} ms vs the page's "
          f"lookup on both halves {min(t_page) * 1e3:.2f} ms = "
          f"{min(t_move) / min(t_page):.1f}x (20 segments' sweeps, optima included)")
    return 0 if ratio <= BOUND else 1


def _side_by_side(fn, baseline):
    fn()
    baseline()
    t_fn, t_base = [], []
    for i in range(REPEATS):
        for f in ((fn, baseline) if i % 2 else (baseline, fn)):
            start = time.perf_counter()
            f()
            (t_fn if f is fn else t_base).append(time.perf_counter() - start)
    return t_fn, t_base


if __name__ == "__main__":
    sys.exit(main())
