"""The Cost surfaces page's work, against the way it was done before, side by side.

- Both losses' surfaces and their Hessians in one pass (``core.surface.landscape_grid``)
  against the four separate passes the page made before (``cost_grid`` and
  ``curvature_grid`` per loss), on the page's default data (200 points) at its
  default 101 x 101 grid and on 10,000 points at 201 x 201 cut to the page's budget;
  timed in turn, 9 times each, medians compared. Bound: the one pass takes at most
  0.75 of the four.
- The optimum the page holds the other parameters at (``core.slices.fitted_optimum``)
  for the largest upload the app takes (40,000 rows x 1,000 features, 40 million
  cells): the time of the bounded fit, and Newton's estimated work against its
  budget (Newton itself would take about a minute: not run here).

Run: ``python bench/bench_surfaces.py``. Exits non-zero when a bound is missed.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import core
from core import slices, surface
from core.fitting import stratified_subsample

REPEATS, BOUND = 9, 0.75
PAGE_BUDGET = 120_000_000  # pages/cost_surfaces.py SURFACE_BUDGET


def _median_ms(fn) -> float:
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def _grids(n: int, resolution: int) -> tuple[float, float]:
    """(one pass, four passes) in ms on the default 1-D data of ``n`` points."""
    ds = core.one_d(n=n)
    rows = min(n, PAGE_BUDGET // resolution**2)
    keep = stratified_subsample(ds.y, rows) if rows < n else np.arange(n)
    opt = slices.fitted_optimum(ds.X, ds.y)
    u, v, offset = slices.slice_model(ds.X[keep], opt.w, opt.b, 0, 1)
    y = ds.y[keep]
    a, c = np.linspace(-8, 8, resolution), np.linspace(-8, 8, resolution)

    def four():
        for loss in ("mse", "log"):
            surface.cost_grid(u, v, offset, y, a, c, loss)
            surface.curvature_grid(u, v, offset, y, a, c, loss)

    one = _median_ms(lambda: surface.landscape_grid(u, v, offset, y, a, c))
    return one, _median_ms(four)


def main() -> int:
    failed = False
    for n, resolution in ((200, 101), (10_000, 201)):
        rows = min(n, PAGE_BUDGET // resolution**2)
        one, four = _grids(n, resolution)
        ok = one <= BOUND * four
        failed |= not ok
        print(f"{resolution} x {resolution} grid over {rows:,} rows (of {n:,}): one "
              f"pass {one:.1f} ms vs four passes {four:.1f} ms = {one / four:.2f} x "
              f"(bound {BOUND:g}x) {'PASS' if ok else 'FAIL'}", flush=True)
    rng = np.random.default_rng(0)
    n, d = 40_000, 1_000
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(float)
    t0 = time.perf_counter()
    opt = slices.fitted_optimum(X, y)
    seconds = time.perf_counter() - t0
    how = "Newton" if opt.newton else f"bounded lbfgs on {opt.rows:,} rows"
    work = slices.newton_cost(n, d)
    print(f"optimum of {n:,} x {d:,}: {seconds:.2f} s ({how}); Newton's work "
          f"{work:.2g} against its budget {slices.NEWTON_BUDGET:.2g} "
          f"({work / slices.NEWTON_BUDGET:.0f} x over)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
