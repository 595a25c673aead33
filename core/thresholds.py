"""From scores to decisions: confusion counts at every threshold and business cost.

A case is predicted positive iff ``score >= threshold`` (scikit-learn's convention).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Sweep:
    """Weighted confusion counts at every distinct threshold, highest first.

    ``thresholds[0]`` is ``+inf`` (nothing predicted positive); then come the distinct
    scores in decreasing order, so the last entry predicts everything positive.
    """

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray

    @property
    def total(self) -> float:
        return float(self.tp[0] + self.fp[0] + self.fn[0] + self.tn[0])

    def index_at(self, threshold: float) -> int:
        """Index of the sweep row whose decisions equal those at ``threshold``.

        Predictions at ``t`` are those at the smallest sweep threshold ``>= t``: the
        last row whose threshold is ``>= t``. One binary search.
        """
        if np.isnan(threshold):
            raise ValueError("The threshold must be a number.")
        # thresholds are decreasing; count how many are >= threshold
        ascending = self.thresholds[::-1]
        n_ge = len(ascending) - np.searchsorted(ascending, threshold, side="left")
        return int(max(n_ge - 1, 0))


def threshold_sweep(y_true, scores, sample_weight=None) -> Sweep:
    """Weighted TP, FP, FN, TN at ``+inf`` and at every distinct score, in O(n log n).

    One sort of the scores (ties are grouped afterwards, so it need not be stable),
    then cumulative sums in float64: exact for counts and integer weights up to 2**53.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), values in {0, 1}
    scores : array-like of shape (n_samples,), finite floats
    sample_weight : array-like of shape (n_samples,), non-negative, optional
    """
    y = np.asarray(y_true, dtype=float).ravel()
    s = np.asarray(scores, dtype=float).ravel()
    if y.shape != s.shape:
        raise ValueError("y_true and scores must have the same length.")
    if s.size == 0:
        raise ValueError("There are no scores to sweep.")
    if not np.all(np.isfinite(s)):
        raise ValueError("Scores must be finite numbers.")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y_true must contain only 0 and 1.")
    order = np.argsort(-s)
    s_sorted = s[order]
    pos = y[order]
    if sample_weight is None:
        tp_cum = np.cumsum(pos)
        seen = np.arange(1.0, len(s) + 1.0)
    else:
        wt = np.asarray(sample_weight, dtype=float).ravel()
        if wt.shape != s.shape:
            raise ValueError("sample_weight must have one value per score.")
        if not np.all(np.isfinite(wt)) or np.any(wt < 0):
            raise ValueError("Weights must be finite and not negative.")
        wt = wt[order]
        tp_cum = np.cumsum(pos * wt)
        seen = np.cumsum(wt)
    fp_cum = seen - tp_cum
    # last position of each run of equal scores
    ends = np.flatnonzero(np.diff(s_sorted) != 0)
    ends = np.append(ends, len(s) - 1)
    P, N = tp_cum[-1], fp_cum[-1]
    tp = np.concatenate(([0.0], tp_cum[ends]))
    fp = np.concatenate(([0.0], fp_cum[ends]))
    return Sweep(
        thresholds=np.concatenate(([np.inf], s_sorted[ends])),
        tp=tp,
        fp=fp,
        fn=P - tp,
        tn=N - fp,
    )


def _ratio(num, den):
    """num / den, 0 where den is 0."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def rates(sweep: Sweep) -> dict[str, np.ndarray]:
    """Precision, recall, F1, accuracy, specificity, share flagged and false-positive
    rate at every row of the sweep (a rate whose denominator is 0 is 0)."""
    tp, fp, fn, tn = sweep.tp, sweep.fp, sweep.fn, sweep.tn
    return {
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
        "accuracy": _ratio(tp + tn, tp + fp + fn + tn),
        "specificity": _ratio(tn, tn + fp),
        "flagged": _ratio(tp + fp, tp + fp + fn + tn),
        "fpr": _ratio(fp, fp + tn),
    }


def metrics_at(sweep: Sweep, threshold: float) -> dict[str, float]:
    """Counts and rates at any threshold (not only those in the sweep).

    Returns a dict with ``tp fp fn tn precision recall f1 accuracy specificity``
    (plus ``flagged``, the share predicted positive, and ``fpr``). Precision is 0 when
    nothing is predicted positive.
    """
    i = sweep.index_at(threshold)
    row = Sweep(*(a[i : i + 1] for a in (sweep.thresholds, sweep.tp, sweep.fp,
                                          sweep.fn, sweep.tn)))
    counts = {"tp": row.tp, "fp": row.fp, "fn": row.fn, "tn": row.tn}
    return {k: float(v[0]) for k, v in (counts | rates(row)).items()}


@dataclass(frozen=True)
class CostMatrix:
    """The cost of one decision in each cell of the confusion matrix, in money.

    A gain is a negative cost (a caught fraud that saves 100 is ``tp=-100``).
    """

    tp: float = 0.0
    fp: float = 1.0
    fn: float = 1.0
    tn: float = 0.0

    def __post_init__(self):
        for name in ("tp", "fp", "fn", "tn"):
            value = getattr(self, name)
            if not np.isfinite(value):
                raise ValueError(f"The {name.upper()} cost must be a finite number.")


def expected_cost(sweep: Sweep, cost: CostMatrix) -> np.ndarray:
    """Mean cost per example at each sweep threshold, shape ``(len(thresholds),)``."""
    total = sweep.total
    if total <= 0:
        raise ValueError("The total weight is zero: there is nothing to cost.")
    return (
        sweep.tp * cost.tp + sweep.fp * cost.fp + sweep.fn * cost.fn + sweep.tn * cost.tn
    ) / total


def best_threshold(sweep: Sweep, cost: CostMatrix) -> float:
    """A sweep threshold of lowest expected cost; the largest such on ties.

    May be ``+inf``: flagging no one is then the cheapest decision.
    """
    return float(sweep.thresholds[int(np.argmin(expected_cost(sweep, cost)))])


def bayes_threshold(cost: CostMatrix) -> float:
    """Cost-optimal threshold for calibrated probabilities.

    Flag a case when its expected cost if flagged, ``p c_tp + (1 - p) c_fp``, is at most
    its cost if not, ``p c_fn + (1 - p) c_tn``: that is ``p >= (c_fp - c_tn) /
    ((c_fp - c_tn) + (c_fn - c_tp))``. Unchanged when every cost is scaled by the same
    positive factor or shifted by the same amount.
    """
    num = cost.fp - cost.tn
    den = num + (cost.fn - cost.tp)
    if den == 0:
        raise ValueError(
            "With these costs, flagging a case never changes the expected cost by a "
            "fixed amount: there is no single Bayes threshold (FP - TN + FN - TP is 0)."
        )
    return num / den
