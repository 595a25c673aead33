"""The Segments view's math against the page's own sweep, side by side.

``core.segments.segment_report`` on 1,000,000 uploaded rows split in two halves,
20 segments (plus 200 small ones left out), against ``core.threshold_sweep`` of the
same 1,000,000 rows (what the page computes once per data anyway). Both are timed
in turn, 7 times each, and the fastest runs are compared. Bound: 3x.
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
from core.segments import Half, segment_report

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
        segment_report(val, test, 220, cost, 0.5)

    def base():
        core.threshold_sweep(y, s)

    seg()
    base()
    t_seg, t_base = [], []
    for i in range(REPEATS):
        order = (seg, base) if i % 2 else (base, seg)
        for fn in order:
            start = time.perf_counter()
            fn()
            (t_seg if fn is seg else t_base).append(time.perf_counter() - start)
    ratio = min(t_seg) / min(t_base)
    pairs = np.median(np.array(t_seg) / np.array(t_base))
    load = os.getloadavg()[0]
    print(f"segment_report, {N:,} rows in two halves, 20 of 220 segments: "
          f"{min(t_seg) * 1e3:.0f} ms vs threshold_sweep of all rows "
          f"{min(t_base) * 1e3:.0f} ms = {ratio:.2f}x (pair median {pairs:.2f}x, "
          f"bound {BOUND:g}x) [{'PASS' if ratio <= BOUND else 'FAIL'}]; "
          f"load average {load:.1f}")
    return 0 if ratio <= BOUND else 1


if __name__ == "__main__":
    sys.exit(main())
