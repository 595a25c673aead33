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


STRATEGIES = ("uniform", "quantile")


def bin_edges(probs, n_bins: int = 10, strategy: str = "uniform",
              sample_weight=None) -> np.ndarray:
    """The ``n_bins + 1`` bin edges of scikit-learn's ``calibration_curve``.

    ``"uniform"``: ``np.linspace(0, 1, n_bins + 1)``. ``"quantile"``: the
    ``0, 1/n_bins, ..., 1`` percentiles of the probabilities (``np.percentile``'s
    linear interpolation, as scikit-learn); with weights, weighted percentiles
    (``method="inverted_cdf"``, the only one NumPy weighs), so a count column bins
    like the rows it stands for. Repeated edges make empty bins, which are dropped.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"The binning strategy must be one of {STRATEGIES}.")
    if n_bins < 1:
        raise ValueError("Need at least one bin.")
    if strategy == "uniform":
        return np.linspace(0.0, 1.0, n_bins + 1)
    q = np.linspace(0.0, 100.0, n_bins + 1)
    p = np.asarray(probs, dtype=float).ravel()
    if sample_weight is None:
        return np.percentile(p, q)
    return np.percentile(p, q, weights=np.asarray(sample_weight, float).ravel(),
                         method="inverted_cdf")


def calibration_summary(
    y_true, probs, sample_weight=None, n_bins: int = 10, strategy: str = "uniform"
) -> Calibration:
    """Brier score, log loss and a reliability table for probabilities.

    Bins are those of scikit-learn's ``calibration_curve(strategy=...)``, weighted:
    edges from :func:`bin_edges`, and a probability that equals an inner edge goes
    to the bin below it (``searchsorted`` with ``side="left"``; with 10 uniform
    bins, 0.1 is in the first bin and 0.2 in the second); empty bins are dropped.
    Log loss clips probabilities to ``[1e-15, 1 - 1e-15]`` so a confident
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
    edges = bin_edges(p, n_bins, strategy, sample_weight)
    idx = np.searchsorted(edges[1:-1], p, side="left")
    bw = np.bincount(idx, weights=w, minlength=n_bins)
    by = np.bincount(idx, weights=w * y, minlength=n_bins)
    bp = np.bincount(idx, weights=w * p, minlength=n_bins)
    keep = bw > 0
    prob_true = by[keep] / bw[keep]
    prob_pred = bp[keep] / bw[keep]
    ece = float(np.sum(bw[keep] * np.abs(prob_true - prob_pred)) / total)
    return Calibration(brier, ll, prob_pred, prob_true, bw[keep], ece)
