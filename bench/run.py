"""Loss Lab benchmarks: `make bench` (or `python bench/run.py`).

Each line compares a `core` function with a baseline measured side by side in the same
run: the two are timed in turn (interleaved, so a noisy neighbour hurts both), several
times, and the ratio is taken between their fastest runs. A ratio above its bound prints
FAIL and makes the script exit with status 1. After its own table the script runs every
other `bench/bench_*.py` (each prints its own lines) with a timeout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import core  # noqa: E402

OTHER_TIMEOUT_S = 600
# bench_memory.py writes a 1e7-row file, uploads it twice and watches the server's
# memory for up to 200 s after each session closes
TIMEOUT_S = {"bench_memory.py": 1200}


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def side_by_side(fn, baseline, repeats: int) -> tuple[list[float], list[float]]:
    """Times of ``fn`` and of ``baseline``, run alternately ``repeats`` times each
    (which goes first alternates too), after one warm-up run of each."""
    fn()
    baseline()  # warm up caches, page in memory, load code
    t_fn: list[float] = []
    t_base: list[float] = []
    for i in range(repeats):
        if i % 2:
            t_fn.append(_time(fn))
            t_base.append(_time(baseline))
        else:
            t_base.append(_time(baseline))
            t_fn.append(_time(fn))
    return t_fn, t_base


def bench_cost_surface(repeats: int):
    rng = np.random.default_rng(0)
    n, grid = 2000, 101
    x = rng.normal(size=n)
    y = (rng.random(n) < 0.5).astype(float)
    w = np.linspace(-6.0, 6.0, grid)
    b = np.linspace(-6.0, 6.0, grid)
    t = rng.normal(0.0, 4.0, size=grid * grid * n)
    out = np.empty_like(t)
    core_s, base_s = side_by_side(
        lambda: core.cost_surface(x, y, w, b, "log"),
        lambda: np.logaddexp(0.0, t, out=out),
        repeats,
    )
    return (
        "cost_surface log 101x101 grid, 2,000 points",
        "np.logaddexp(0, t) on 101*101*2000 values",
        core_s, base_s, 1.0, 1.5,
    )


def bench_surface_memory():
    rng = np.random.default_rng(1)
    n, grid = 5000, 201
    x = rng.normal(size=n)
    y = (rng.random(n) < 0.5).astype(float)
    w = np.linspace(-6.0, 6.0, grid)
    b = np.linspace(-6.0, 6.0, grid)
    peaks = []
    for loss in ("log", "mse"):
        tracemalloc.start()
        core.cost_surface(x, y, w, b, loss)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return max(peaks) / 2**20


def bench_sweep(repeats: int):
    from sklearn.metrics import precision_recall_curve

    rng = np.random.default_rng(2)
    n = 1_000_000
    scores = rng.random(n)
    y = (rng.random(n) < scores).astype(float)
    core_s, base_s = side_by_side(
        lambda: core.threshold_sweep(y, scores),
        lambda: precision_recall_curve(y, scores),
        repeats,
    )
    return (
        "threshold_sweep, 1e6 scores",
        "sklearn precision_recall_curve",
        core_s, base_s, 0.5, 0.8,
    )


def bench_scenarios(repeats: int):
    """Six scenarios compared on two halves of 1e6 distinct scores (optima, regret
    matrix, rates) against the bare work: each matrix's expected cost on both."""
    from core.thresholds import compare_scenarios

    rng = np.random.default_rng(4)
    halves = []
    for _ in range(2):
        scores = rng.random(1_000_000)
        halves.append(core.threshold_sweep((rng.random(scores.size) < scores)
                                           .astype(float), scores))
    val, test = halves
    costs = [core.CostMatrix(tp=-float(k), fp=1.0 + k, fn=10.0 * (k + 1))
             for k in range(6)]

    def bare():
        for c in costs:
            core.expected_cost(val, c)
            core.expected_cost(test, c)

    core_s, base_s = side_by_side(lambda: compare_scenarios(val, test, costs), bare,
                                  repeats)
    return (
        "compare_scenarios, 6 matrices, 2 x 1e6 scores",
        "6 x expected_cost on both halves",
        core_s, base_s, 1.5, 2.0,
    )


def bench_gd_epoch(repeats: int, epochs: int = 20):
    rng = np.random.default_rng(3)
    n, d = 200_000, 20
    X = rng.normal(size=(n, d))
    true_w = rng.normal(size=d)
    y = (rng.random(n) < core.sigmoid(X @ true_w)).astype(float)
    lr = 0.1

    def bare():
        # A bare NumPy gd epoch: two matrix-vector products and a sigmoid.
        w, b = np.zeros(d), 0.0
        for _ in range(epochs):
            p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
            r = p - y
            w = w - lr * (X.T @ r) / n
            b = b - lr * r.mean()

    core_s, base_s = side_by_side(
        lambda: core.train(X, y, optimizer="gd", learning_rate=lr, epochs=epochs),
        bare,
        repeats,
    )
    return (
        "train gd epoch, 200,000 x 20, cost tracked",
        "bare NumPy epoch (2 mat-vec + sigmoid)",
        [t / epochs for t in core_s], [t / epochs for t in base_s], 2.0, 2.0,
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def run_others() -> None:
    scripts = sorted(p for p in (ROOT / "bench").glob("bench_*.py"))
    for script in scripts:
        print(f"\n## {script.name}", flush=True)
        if not script.exists():  # removed while we ran: not our table's problem
            print(f"{script.name} is gone; skipped.")
            continue
        timeout = TIMEOUT_S.get(script.name, OTHER_TIMEOUT_S)
        try:
            done = subprocess.run(
                [sys.executable, str(script)], cwd=ROOT, timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            print(f"{script.name} stopped after the {timeout} s timeout.")
            continue
        except OSError as exc:
            print(f"{script.name} could not be started: {exc}.")
            continue
        if done.returncode:
            print(f"{script.name} exited with status {done.returncode}.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="timings per side")
    parser.add_argument("--no-others", action="store_true",
                        help="skip the other bench/bench_*.py scripts")
    args = parser.parse_args()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Loss Lab benchmarks, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; "
          f"Python {platform.python_version()}, NumPy {np.__version__}; "
          f"{os.cpu_count()} CPUs, load average {load:.1f} at start.")
    print(f"Each side runs {args.repeats} times ({3 * args.repeats} for the short gd "
          "runs), interleaved; ratio = fastest core run / fastest baseline run "
          "(PASS/FAIL), and the median of the ratios of adjacent runs.\n")
    rows = [
        bench_cost_surface(args.repeats),
        bench_sweep(args.repeats),
        bench_scenarios(args.repeats),
        bench_gd_epoch(3 * args.repeats),  # short runs, and BLAS threads are noisy
    ]
    header = ("benchmark", "baseline", "baseline time", "core time", "ratio",
              "pair median", "target", "bound", "result")
    lines = []
    failed = False
    for name, base_name, core_t, base_t, target, bound in rows:
        ratio = min(core_t) / min(base_t)
        pairs = float(np.median(np.array(core_t) / np.array(base_t)))
        ok = ratio <= bound
        failed |= not ok
        lines.append((name, base_name, _ms(min(base_t)), _ms(min(core_t)),
                      f"{ratio:.2f}x", f"{pairs:.2f}x", f"<= {target:.1f}x",
                      f"<= {bound:.1f}x",
                      ("PASS" if ok else "FAIL")
                      + ("" if ratio <= target else " (above target)")))
    peak = bench_surface_memory()
    ok = peak <= 256
    failed |= not ok
    lines.append(("cost_surface peak memory, 201x201 grid, 5,000 points",
                  "tracemalloc peak", "", f"{peak:,.1f} MiB", "", "", "",
                  "<= 256 MiB", "PASS" if ok else "FAIL"))
    _print_markdown([header, *lines])
    if not args.no_others:
        run_others()
    return 1 if failed else 0


def _print_markdown(table) -> None:
    widths = [max(len(str(r[i])) for r in table) for i in range(len(table[0]))]

    def fmt(row):
        cells = (str(c).ljust(wd) for c, wd in zip(row, widths, strict=True))
        return "| " + " | ".join(cells) + " |"

    print(fmt(table[0]))
    print("|" + "|".join("-" * (wd + 2) for wd in widths) + "|")
    for row in table[1:]:
        print(fmt(row))


if __name__ == "__main__":
    sys.exit(main())
