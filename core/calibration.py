"""How well probabilities are calibrated: Brier score, log loss and a reliability
table with the expected calibration error."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scored import scores_are_probabilities


@dataclass(frozen=True)
class Calibration:
    brier: float
    log_loss: float
    prob_pred: np.ndarray  # mean predicted probability in each non-empty bin
    prob_true: np.ndarray  # observed share of positives in each non-empty bin
    bin_weight: np.ndarray  # cases in each non-empty bin
    ece: float  # expected calibration error: weighted mean |prob_true - prob_pred|


LOG_LOSS_EPS = 1e-15


def calibration_summary(
    y_true, probs, sample_weight=None, n_bins: int = 10
) -> Calibration:
    """Brier score, log loss and a reliability table for probabilities.

    Bins are those of scikit-learn's ``calibration_curve(strategy="uniform")``,
    weighted: edges ``np.linspace(0, 1, n_bins + 1)``, and a probability that equals
    an inner edge goes to the bin below it (``searchsorted`` with ``side="left"``;
    with 10 bins, 0.1 is in the first bin and 0.2 in the second); empty bins are
    dropped. Log loss clips probabilities to ``[1e-15, 1 - 1e-15]`` so a confident
    mistake costs about 34.5 rather than infinity.
    """
    y = np.asarray(y_true, dtype=float).ravel()
    p = np.asarray(probs, dtype=float).ravel()
    if not scores_are_probabilities(p):
        raise ValueError("Calibration needs probabilities in [0, 1].")
    w = np.ones_like(p) if sample_weight is None else np.asarray(sample_weight, float)
    total = w.sum()
    brier = float(np.sum(w * (p - y) ** 2) / total)
    pc = np.clip(p, LOG_LOSS_EPS, 1 - LOG_LOSS_EPS)
    ll = float(-np.sum(w * (y * np.log(pc) + (1 - y) * np.log1p(-pc))) / total)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.searchsorted(edges[1:-1], p, side="left")
    bw = np.bincount(idx, weights=w, minlength=n_bins)
    by = np.bincount(idx, weights=w * y, minlength=n_bins)
    bp = np.bincount(idx, weights=w * p, minlength=n_bins)
    keep = bw > 0
    prob_true = by[keep] / bw[keep]
    prob_pred = bp[keep] / bw[keep]
    ece = float(np.sum(bw[keep] * np.abs(prob_true - prob_pred)) / total)
    return Calibration(brier, ll, prob_pred, prob_true, bw[keep], ece)
