"""Per-score counts: everything a threshold decision needs, in one row per distinct
score.

A sweep over thresholds only asks, at each distinct score, how much positive and
negative weight sits there. So a table of billions of scored rows can be reduced
where it lives (``core.sql_aggregate``) to ``(score, positive weight, negative
weight, rows)`` and swept here with exactly the counts the raw rows give.

When there are too many distinct scores the aggregate is *binned*: each score is
replaced by the lower edge of its bin ``floor(score / resolution) * resolution``.
Then only thresholds on bin edges are exact; :func:`max_cost_error` bounds what
that can cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .thresholds import CostMatrix, Sweep


@dataclass(frozen=True)
class ScoreCounts:
    """Weighted positives and negatives at each distinct score (or bin), per segment.

    Arrays have shape ``(n_groups,)``; ``segments`` is None when not split by
    segment, else the segment of each group (as text). ``resolution`` is None when
    the scores are exact, else the bin width they were floored to.
    """

    scores: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    rows: np.ndarray
    segments: np.ndarray | None = None
    resolution: float | None = None

    @property
    def n_groups(self) -> int:
        return int(self.scores.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.rows.sum())

    def segment_names(self) -> list[str]:
        if self.segments is None:
            return []
        return sorted(set(self.segments.tolist()))

    def only(self, segment: str | None) -> ScoreCounts:
        """The counts of one segment (None: all segments together, one group per
        score)."""
        if segment is None:
            if self.segments is None:
                return self
            return merge_scores(self.scores, self.pos, self.neg, self.rows,
                                self.resolution)
        if self.segments is None:
            raise ValueError("These counts are not split by segment.")
        keep = self.segments == segment
        return merge_scores(self.scores[keep], self.pos[keep], self.neg[keep],
                            self.rows[keep], self.resolution)

    def as_weighted_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(y_true, scores, sample_weight)``: one row per score for the positives
        and one for the negatives, zero weights dropped; sweeping them gives the
        same counts as the rows they summarise."""
        merged = self.only(None)
        y = np.concatenate((np.ones(merged.n_groups), np.zeros(merged.n_groups)))
        s = np.concatenate((merged.scores, merged.scores))
        w = np.concatenate((merged.pos, merged.neg))
        keep = w > 0
        return y[keep], s[keep], w[keep]


def merge_scores(scores, pos, neg, rows, resolution=None) -> ScoreCounts:
    """One group per distinct score, ascending: sums of ``pos``, ``neg``, ``rows``."""
    s = np.asarray(scores, dtype=float).ravel()
    uniq, inverse = np.unique(s, return_inverse=True)

    def total(values):
        return np.bincount(inverse, weights=np.asarray(values, dtype=float),
                           minlength=len(uniq))

    return ScoreCounts(uniq, total(pos), total(neg),
                       total(rows).astype(np.int64), None, resolution)


def counts_from_rows(y_true, scores, sample_weight=None, segments=None,
                     resolution: float | None = None) -> ScoreCounts:
    """The aggregate of scored rows in memory: what the SQL aggregate computes in
    the database (the oracle its tests compare with)."""
    y = np.asarray(y_true, dtype=float).ravel()
    s = np.asarray(scores, dtype=float).ravel()
    w = (np.ones_like(s) if sample_weight is None
         else np.asarray(sample_weight, dtype=float).ravel())
    if resolution is not None:
        s = bin_edges(np.floor(s / resolution), resolution)
    if segments is None:
        return merge_scores(s, w * (y == 1), w * (y == 0), np.ones_like(s),
                            resolution)
    seg = np.asarray(segments).astype(str).ravel()
    parts = []
    for name in sorted(set(seg.tolist())):
        keep = seg == name
        part = merge_scores(s[keep], (w * (y == 1))[keep], (w * (y == 0))[keep],
                            np.ones(int(keep.sum())), resolution)
        parts.append((part, name))
    return ScoreCounts(
        np.concatenate([p.scores for p, _ in parts]),
        np.concatenate([p.pos for p, _ in parts]),
        np.concatenate([p.neg for p, _ in parts]),
        np.concatenate([p.rows for p, _ in parts]),
        np.concatenate([np.full(p.n_groups, n, dtype=object) for p, n in parts]),
        resolution,
    )


def bin_edges(bins, resolution: float) -> np.ndarray:
    """The lower edge of each bin index (as the page shows it): ``bin * resolution``,
    computed here, not in the database, so every engine gives the same edges."""
    return np.asarray(bins, dtype=float) * float(resolution)


def check_counts(counts: ScoreCounts) -> None:
    """Refuse counts a sweep cannot use, in plain words (``ValueError``)."""
    if counts.n_groups == 0:
        raise ValueError("The query returned no rows: there are no scores to sweep.")
    if not np.all(np.isfinite(counts.scores)):
        raise ValueError("Some scores are not finite numbers (NaN or infinite).")
    for name, values in (("positive", counts.pos), ("negative", counts.neg)):
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError(f"The {name} weights must be finite and not negative.")
    merged = counts.only(None)
    if merged.pos.sum() <= 0 or merged.neg.sum() <= 0:
        raise ValueError("The rows hold only one class: a threshold needs both "
                         "positives and negatives.")


def sweep_counts(counts: ScoreCounts, segment: str | None = None) -> Sweep:
    """The threshold sweep of the aggregated rows: the same arrays
    :func:`core.thresholds.threshold_sweep` gives on the raw rows.

    Equal, not close, whenever the weights are integers (row counts or integer
    weights, each partial sum below 2**53): both add the same integers in float64.
    """
    part = counts.only(segment)
    desc = slice(None, None, -1)  # scores are ascending: highest first
    tp = np.concatenate(([0.0], np.cumsum(part.pos[desc])))
    fp = np.concatenate(([0.0], np.cumsum(part.neg[desc])))
    P, N = tp[-1], fp[-1]
    return Sweep(
        thresholds=np.concatenate(([np.inf], part.scores[desc])),
        tp=tp,
        fp=fp,
        fn=P - tp,
        tn=N - fp,
    )


def max_cost_error(counts: ScoreCounts, cost: CostMatrix) -> float:
    """Largest possible error, in mean cost per case, that binning can add.

    For a threshold inside a bin, exact scores would decide the cases in that bin
    one by one, while the bins decide them all together; every other case gets
    the same decision. So the cost moves by at most the bin's weight times the
    larger regret ``max(|c_FP - c_TN|, |c_FN - c_TP|)``, over the total weight.
    0 when the scores are exact.
    """
    if counts.resolution is None:
        return 0.0
    merged = counts.only(None)
    mass = merged.pos + merged.neg
    total = float(mass.sum())
    if total <= 0:
        return 0.0
    regret = max(abs(cost.fp - cost.tn), abs(cost.fn - cost.tp))
    return float(mass.max() / total * regret)
