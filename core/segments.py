"""Segments: the same threshold, and each segment's own, compared across groups.

Rows carry a segment code (an integer, ``0 .. n_segments - 1``, from a group column).
Each segment's numbers are exactly those of :mod:`core.thresholds` on that
segment's rows alone: its own sweep, its metrics and cost at the page's threshold
(on the half that reports), its own cost-optimal threshold (chosen on the half that
chooses, as the page's recommendation is), and the gaps between segments.

A segment is *too small to estimate* when either half holds fewer than
``MIN_CASES`` positive or negative cases (effective cases: rows, counts as
frequencies, or Kish's effective size of importance weights); its numbers are still
computed, its optimum is not, and it takes no part in the gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bootstrap import resample_size
from .thresholds import (
    CostMatrix,
    Sweep,
    best_threshold,
    cost_at,
    metrics_at,
    threshold_sweep,
)

MIN_CASES = 30  # positives and negatives a segment needs in each half
MAX_SEGMENTS = 20  # segments compared; the rest are counted, not shown
GAP_METRICS = ("precision", "recall", "fpr", "flagged", "cost", "optimum")


@dataclass(frozen=True)
class Half:
    """One half of the rows (validation or held-out) with each row's segment code."""

    y_true: np.ndarray
    scores: np.ndarray
    sample_weight: np.ndarray | None
    codes: np.ndarray

    def __post_init__(self):
        n = len(self.scores)
        if len(self.y_true) != n or len(self.codes) != n or (
                self.sample_weight is not None and len(self.sample_weight) != n):
            raise ValueError("Labels, scores, weights and segment codes must have one "
                             "value per row.")
        if n and (not np.issubdtype(np.asarray(self.codes).dtype, np.integer)
                  or np.min(self.codes) < 0):
            raise ValueError("Segment codes must be non-negative integers.")

    def weights(self) -> np.ndarray:
        return (np.ones(len(self.scores)) if self.sample_weight is None
                else self.sample_weight)


def reweighted(half: Half, prevalence: float | None) -> Half:
    """The half with positives weighted ``pi / p`` and negatives ``(1 - pi) /
    (1 - p)`` (``p`` the half's own share of positives): per row what
    :func:`core.thresholds.reweight_sweep` does to the half's sweep."""
    if prevalence is None:
        return half
    pi = float(prevalence)
    if not 0.0 < pi < 1.0:
        raise ValueError("The deployment prevalence must be strictly between 0 and 1.")
    w = half.weights()
    p = float(np.sum(w * half.y_true) / np.sum(w))
    if not 0.0 < p < 1.0:
        raise ValueError("The data need both classes to re-weight to a prevalence.")
    factor = np.where(half.y_true == 1, pi / p, (1.0 - pi) / (1.0 - p))
    return Half(half.y_true, half.scores, w * factor, half.codes)


def largest(codes: np.ndarray, sample_weight: np.ndarray | None, n_segments: int,
            limit: int = MAX_SEGMENTS) -> np.ndarray:
    """The codes of the ``limit`` largest segments by cases (rows, or the sum of
    the weights), largest first; ties by code."""
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    size = np.bincount(codes, weights=w, minlength=n_segments)
    order = np.lexsort((np.arange(n_segments), -size))
    return order[:limit][size[order[:limit]] > 0]


def _effective(w: np.ndarray) -> int:
    """Effective number of cases of weights ``w`` (0 when none)."""
    if w.size == 0 or not np.any(w > 0):
        return 0
    return resample_size(len(w), w).n


def class_cases(half: Half, index: np.ndarray) -> tuple[int, int]:
    """Effective positive and negative cases among rows ``index`` of ``half``."""
    y = half.y_true[index]
    if half.sample_weight is None:
        pos = int(np.count_nonzero(y == 1))
        return pos, len(y) - pos
    w = half.sample_weight[index]
    return _effective(w[y == 1]), _effective(w[y == 0])


def _rows_by_segment(codes: np.ndarray, n_segments: int,
                     wanted) -> dict[int, np.ndarray]:
    """Row indices of each wanted segment (one sort, whatever the number of
    segments)."""
    small = codes.astype(np.uint16) if n_segments <= 2**16 else codes
    order = np.argsort(small, kind="stable")  # a radix sort for 16-bit codes
    ends = np.cumsum(np.bincount(codes, minlength=n_segments))
    return {int(c): order[(ends[c - 1] if c else 0):ends[c]] for c in wanted}


@dataclass(frozen=True)
class Segment:
    """One segment's numbers. Metrics and costs are on the reporting half; the
    optimum is chosen on the choosing half (None when the segment is too small)."""

    code: int
    rows: int  # rows in the reporting half
    cases: float  # their weight
    positives: float
    metrics: dict[str, float] | None  # at the threshold; None without rows there
    cost: float | None  # mean cost per case at the threshold
    small: bool
    cases_by_class: tuple[int, int, int, int]  # pos, neg: choosing, then reporting
    optimum: float | None = None
    optimum_cost: float | None = None  # mean cost per case at it, reporting half

    def value(self, name: str) -> float | None:
        """A compared number by its name in ``GAP_METRICS``."""
        if name == "cost":
            return self.cost
        if name == "optimum":
            return (self.optimum if self.optimum is not None
                    and np.isfinite(self.optimum) else None)
        return None if self.metrics is None else self.metrics[name]


@dataclass(frozen=True)
class Gap:
    """Largest minus smallest of one number across the segments large enough."""

    metric: str
    gap: float
    high: int  # code of the segment with the largest value
    high_value: float
    low: int
    low_value: float


@dataclass(frozen=True)
class SegmentReport:
    segments: tuple[Segment, ...]  # the largest ``limit`` segments, largest first
    gaps: tuple[Gap, ...]  # one per metric with at least two segments to compare
    left_out: int  # segments not compared (beyond ``limit``)
    left_out_rows: int  # their rows in the reporting half
    left_out_cases: float


def segment_sweeps(half: Half, codes_wanted, n_segments: int,
                   groups: dict[int, np.ndarray] | None = None) -> dict[int, Sweep]:
    """Each wanted segment's sweep on its rows of ``half`` (segments without rows
    there are left out): ``threshold_sweep`` on those rows alone."""
    if groups is None:
        groups = _rows_by_segment(half.codes, n_segments, codes_wanted)
    out = {}
    for code in codes_wanted:
        idx = groups[int(code)]
        if idx.size:
            w = None if half.sample_weight is None else half.sample_weight[idx]
            if w is not None and not np.sum(w) > 0:
                continue
            out[int(code)] = threshold_sweep(half.y_true[idx], half.scores[idx], w)
    return out


def gaps_between(segments) -> tuple[Gap, ...]:
    """For each of ``GAP_METRICS``: the gap between the segments (not too small)
    with the largest and the smallest value; ties go to the first listed."""
    out = []
    for name in GAP_METRICS:
        have = [(s.value(name), s.code) for s in segments
                if not s.small and s.value(name) is not None]
        if len(have) < 2:
            continue
        hi = max(have, key=lambda v: v[0])
        lo = min(have, key=lambda v: v[0])
        out.append(Gap(name, hi[0] - lo[0], hi[1], hi[0], lo[1], lo[0]))
    return tuple(out)


@dataclass(frozen=True)
class SegmentSweeps:
    """What does not depend on the threshold or the costs: the compared segments'
    sweeps on both halves, their sizes, and what is left out (computed once per
    data; :func:`report_at` then evaluates any threshold and cost matrix)."""

    codes: tuple[int, ...]  # the ``limit`` largest segments, largest first
    choose: dict[int, Sweep]
    report: dict[int, Sweep]
    rows: dict[int, int]  # rows in the reporting half
    cases: dict[int, float]
    positives: dict[int, float]
    cases_by_class: dict[int, tuple[int, int, int, int]]
    left_out: int
    left_out_rows: int
    left_out_cases: float


def sweep_segments(choose: Half, report: Half, n_segments: int, *,
                   limit: int = MAX_SEGMENTS) -> SegmentSweeps:
    """The ``limit`` largest segments (by cases in both halves together) and
    their sweeps on each half. ``choose`` may be ``report`` (in-sample)."""
    all_codes = np.concatenate([choose.codes, report.codes]).astype(np.int64)
    if all_codes.size and all_codes.max() >= n_segments:
        raise ValueError("A segment code is not below the number of segments.")
    all_w = (None if choose.sample_weight is None and report.sample_weight is None
             else np.concatenate([choose.weights(), report.weights()]))
    if choose is report:
        all_codes, all_w = choose.codes.astype(np.int64), choose.sample_weight
    top = largest(all_codes, all_w, n_segments, limit)
    groups_c = _rows_by_segment(choose.codes, n_segments, top)
    groups_r = _rows_by_segment(report.codes, n_segments, top)
    rows, cases, positives, by_class = {}, {}, {}, {}
    for code in (int(c) for c in top):
        idx_r = groups_r[code]
        by_class[code] = (*class_cases(choose, groups_c[code]),
                          *class_cases(report, idx_r))
        w_seg = (np.ones(idx_r.size) if report.sample_weight is None
                 else report.sample_weight[idx_r])
        rows[code] = int(idx_r.size)
        cases[code] = float(np.sum(w_seg))
        positives[code] = float(np.sum(w_seg * report.y_true[idx_r]))
    shown = np.zeros(n_segments, dtype=bool)
    shown[top] = True
    rest = ~shown[report.codes] if report.codes.size else np.zeros(0, dtype=bool)
    present = np.bincount(all_codes, minlength=n_segments) > 0
    rest_cases = (float(np.count_nonzero(rest)) if report.sample_weight is None
                  else float(np.sum(report.sample_weight[rest])))
    return SegmentSweeps(
        tuple(int(c) for c in top), segment_sweeps(choose, top, n_segments, groups_c),
        segment_sweeps(report, top, n_segments, groups_r), rows, cases, positives,
        by_class, int(np.count_nonzero(present & ~shown)),
        int(np.count_nonzero(rest)), rest_cases)


def report_at(sw: SegmentSweeps, cost: CostMatrix, threshold: float, *,
              min_cases: int = MIN_CASES) -> SegmentReport:
    """Per segment: metrics and mean cost per case at ``threshold`` on the
    reporting half, its own cost-optimal threshold on the choosing half (as
    :func:`best_threshold`) and that threshold's cost on the reporting half; then
    the gaps. A lookup per segment: no row is touched."""
    if np.isnan(threshold):
        raise ValueError("The threshold must be a number.")
    segments = []
    for code in sw.codes:
        by_class = sw.cases_by_class[code]
        small = min(by_class) < min_cases
        sr = sw.report.get(code)
        metrics = None if sr is None else metrics_at(sr, threshold)
        seg_cost = None if sr is None else cost_at(sr, cost, threshold)
        optimum = optimum_cost = None
        if not small and code in sw.choose and sr is not None:
            optimum = best_threshold(sw.choose[code], cost)
            optimum_cost = cost_at(sr, cost, optimum)
        segments.append(Segment(code, sw.rows[code], sw.cases[code],
                                sw.positives[code], metrics, seg_cost, small,
                                by_class, optimum, optimum_cost))
    return SegmentReport(tuple(segments), gaps_between(segments), sw.left_out,
                         sw.left_out_rows, sw.left_out_cases)


def segment_report(choose: Half, report: Half, n_segments: int, cost: CostMatrix,
                   threshold: float, *, min_cases: int = MIN_CASES,
                   limit: int = MAX_SEGMENTS) -> SegmentReport:
    """:func:`sweep_segments` then :func:`report_at`, in one call."""
    if np.isnan(threshold):
        raise ValueError("The threshold must be a number.")
    return report_at(sweep_segments(choose, report, n_segments, limit=limit), cost,
                     threshold, min_cases=min_cases)
