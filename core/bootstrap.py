"""How sure is the cost-optimal threshold: bootstrap resamples of the cases,
vectorised over resamples, on the counts of a :func:`core.threshold_sweep`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .thresholds import CostMatrix, Sweep, expected_cost


@dataclass(frozen=True)
class BootstrapResult:
    """Optimal threshold and its cost in each bootstrap resample."""

    thresholds: np.ndarray  # (n_boot,), may hold +inf (flag no one)
    costs: np.ndarray  # (n_boot,), the lowest mean cost per case in each resample
    level: float
    grid_size: int  # number of candidate thresholds searched
    exact_grid: bool  # True when every distinct score was a candidate

    def _band(self, values) -> tuple[float, float]:
        v = np.sort(values)
        alpha = (1.0 - self.level) / 2.0
        lo = v[math.floor(alpha * (len(v) - 1))]
        hi = v[math.ceil((1.0 - alpha) * (len(v) - 1))]
        return float(lo), float(hi)

    @property
    def threshold_band(self) -> tuple[float, float]:
        """Central ``level`` percentile band of the optimal threshold."""
        return self._band(self.thresholds)

    @property
    def cost_band(self) -> tuple[float, float]:
        """Central ``level`` percentile band of the optimal mean cost per case."""
        return self._band(self.costs)


MAX_RESAMPLE = 2**53  # cases per resample: float64 counts stay exact below this


@dataclass(frozen=True)
class ResampleSize:
    """How many cases one bootstrap resample draws, and why.

    ``kind`` is ``"rows"`` (no weights: one case per row), ``"counts"`` (every weight
    a whole number: a row with weight 3 stands for 3 cases, so the resample draws
    their sum) or ``"importance"`` (real-valued weights: they say how much each row
    matters, not how many cases it is, so the resample draws Kish's effective sample
    size ``(sum w)^2 / sum w^2``; equal weights of any size give the number of rows).
    """

    n: int
    kind: str


def resample_size(n_rows: int, sample_weight=None) -> ResampleSize:
    """The :class:`ResampleSize` of rows with optional weights (see its docstring).

    Raises ``ValueError`` when the cases would not fit in exact float64 counts
    (more than ``2**53``), or the weights are not finite and positive in total.
    """
    if sample_weight is None:
        return ResampleSize(max(int(n_rows), 1), "rows")
    w = np.asarray(sample_weight, dtype=float).ravel()
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("Weights must be finite and not negative.")
    top = float(w.max()) if w.size else 0.0
    if top <= 0:
        raise ValueError("The weights add up to zero.")
    if top > MAX_RESAMPLE or np.all(w == np.round(w)):
        # a float that large is a whole number: counts, and too many of them
        total = top if top > MAX_RESAMPLE else float(np.sum(w))
        if not total <= MAX_RESAMPLE:
            raise ValueError(
                f"The counts add up to {total:.3g} cases, more than 2**53 (about "
                "9e15), beyond which they cannot be counted exactly.")
        return ResampleSize(max(int(total), 1), "counts")
    scaled = w / top  # scale-free, and no overflow in the squares
    ess = float(np.sum(scaled)) ** 2 / float(np.sum(scaled * scaled))
    return ResampleSize(max(round(ess), 1), "importance")


def _grid_rows(sweep: Sweep, cost: CostMatrix, max_grid: int) -> np.ndarray:
    """Sweep rows used as candidate thresholds: all of them when there are at most
    ``max_grid``, else evenly spaced rows plus the full-data optimum."""
    n = len(sweep.thresholds)
    if n <= max_grid:
        return np.arange(n)
    grid = np.unique(np.linspace(0, n - 1, max_grid).round().astype(np.int64))
    best = int(np.argmin(expected_cost(sweep, cost)))
    return np.union1d(grid, [best])


def bootstrap_counts(
    sweep: Sweep, cost: CostMatrix, n_boot: int = 300, seed: int = 0,
    max_grid: int = 2000, n_cases: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resampled cell counts: ``(grid_thresholds, pos, neg)``.

    The cases between two neighbouring candidate thresholds form one cell per class;
    a bootstrap resample of the cases (drawn with replacement) is one multinomial
    draw of ``n_cases`` over these cells with probabilities proportional to their
    weight. ``pos[b, j]`` and ``neg[b, j]`` are the positives and negatives that fall
    at or above ``grid_thresholds[j]`` but below the previous one, in resample
    ``b``; column 0 (``+inf``) is always empty. ``n_cases`` defaults to the total
    weight rounded (right for counts); pass :func:`resample_size` ``.n`` when the
    weights are not frequencies.
    """
    if n_boot < 1:
        raise ValueError("Need at least one bootstrap resample.")
    if n_cases is not None and not 1 <= n_cases <= MAX_RESAMPLE:
        raise ValueError("A resample must draw between 1 and 2**53 cases.")
    rows = _grid_rows(sweep, cost, max_grid)
    tp_g, fp_g = sweep.tp[rows], sweep.fp[rows]
    # weight of each cell: cases between consecutive grid rows
    cells = np.concatenate([np.diff(tp_g), np.diff(fp_g)])
    cells = np.clip(cells, 0.0, None)
    total = cells.sum()
    if n_cases is None:
        if not sweep.total <= MAX_RESAMPLE:
            raise ValueError("A resample must draw between 1 and 2**53 cases.")
        n_cases = round(sweep.total)
    n_cases = max(int(n_cases), 1)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n_cases, cells / total, size=n_boot).astype(float)
    g = len(rows) - 1
    zeros = np.zeros((n_boot, 1))
    pos = np.hstack([zeros, draws[:, :g]])
    neg = np.hstack([zeros, draws[:, g:]])
    return sweep.thresholds[rows], pos, neg


def bootstrap_optimum(
    sweep: Sweep, cost: CostMatrix, n_boot: int = 300, seed: int = 0,
    max_grid: int = 2000, n_cases: int | None = None, level: float = 0.9,
) -> BootstrapResult:
    """Bootstrap the cost-optimal threshold: resample the cases with replacement
    ``n_boot`` times (seeded) and find each resample's optimum, all at once.

    One multinomial draw per resample (:func:`bootstrap_counts`), then cumulative
    sums along the candidate thresholds give every resample's whole sweep as a
    ``(n_boot, n_candidates)`` array; the optimum is the first (largest) threshold of
    lowest cost, as in :func:`core.best_threshold`. With more than ``max_grid``
    distinct scores the candidates are ``max_grid`` evenly spaced sweep rows (plus the
    full-data optimum), which bounds memory and time at any data size.
    """
    thresholds, pos, neg = bootstrap_counts(
        sweep, cost, n_boot, seed, max_grid, n_cases
    )
    tp = np.cumsum(pos, axis=1)
    fp = np.cumsum(neg, axis=1)
    P, N = tp[:, -1:], fp[:, -1:]
    c = tp * cost.tp + fp * cost.fp + (P - tp) * cost.fn + (N - fp) * cost.tn
    c /= P + N
    best = np.argmin(c, axis=1)
    return BootstrapResult(
        thresholds=thresholds[best],
        costs=c[np.arange(len(best)), best],
        level=float(level),
        grid_size=len(thresholds),
        exact_grid=len(thresholds) == len(sweep.thresholds),
    )


def bootstrap_saving(
    sweep: Sweep, cost: CostMatrix, threshold: float, other: float,
    n_boot: int = 1000, seed: int = 0, n_cases: int | None = None,
    level: float = 0.9,
) -> tuple[float, float]:
    """Central ``level`` bootstrap interval of the mean cost per case saved by
    ``threshold`` instead of ``other`` (``cost(other) - cost(threshold)``).

    Both thresholds are fixed (chosen elsewhere), so only the evaluation cases are
    resampled: the two thresholds cut each class into at most three score ranges,
    and one resample is one multinomial draw of ``n_cases`` over those six cells
    (``n_cases`` as in :func:`bootstrap_counts`). Exact and O(n_boot).
    """
    if n_boot < 1:
        raise ValueError("Need at least one bootstrap resample.")
    if n_cases is None:
        if not sweep.total <= MAX_RESAMPLE:
            raise ValueError("A resample must draw between 1 and 2**53 cases.")
        n_cases = round(sweep.total)
    if not 1 <= n_cases <= MAX_RESAMPLE:
        raise ValueError("A resample must draw between 1 and 2**53 cases.")
    i, j = sweep.index_at(threshold), sweep.index_at(other)
    lo, hi = min(i, j), max(i, j)  # higher row index: more cases flagged
    P, N = sweep.tp[0] + sweep.fn[0], sweep.fp[0] + sweep.tn[0]
    pos = np.array([sweep.tp[lo], sweep.tp[hi] - sweep.tp[lo], P - sweep.tp[hi]])
    neg = np.array([sweep.fp[lo], sweep.fp[hi] - sweep.fp[lo], N - sweep.fp[hi]])
    cells = np.clip(np.concatenate([pos, neg]), 0.0, None)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(int(n_cases), cells / cells.sum(),
                            size=n_boot).astype(float)
    p, n = draws[:, :3], draws[:, 3:]

    def mean_cost(k: int) -> np.ndarray:
        """Cost per case flagging the first ``k`` score ranges (1 or 2)."""
        tp, fp = p[:, :k].sum(1), n[:, :k].sum(1)
        fn, tn = p[:, k:].sum(1), n[:, k:].sum(1)
        return (tp * cost.tp + fp * cost.fp + fn * cost.fn + tn * cost.tn) / n_cases

    k_t, k_o = (1, 2) if i <= j else (2, 1)
    saved = np.sort(mean_cost(k_o) - mean_cost(k_t))
    alpha = (1.0 - level) / 2.0
    return (float(saved[math.floor(alpha * (n_boot - 1))]),
            float(saved[math.ceil((1.0 - alpha) * (n_boot - 1))]))
