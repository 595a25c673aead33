"""Deciding with scores: how sure the cost-optimal threshold is, what it is worth,
and how to hand the decision to someone else.

Everything builds on :func:`core.threshold_sweep`: a sweep is computed once per data
choice and every function here works on its counts (O(number of distinct scores)) or
on a coarse grid of its rows, so a million scored rows stay fast.

Conventions follow :mod:`core.thresholds`: a case is flagged iff ``score >= threshold``;
a cost matrix holds the cost of one decision per cell (a gain is a negative cost);
``sample_weight`` are frequency weights (a row with weight 3 stands for 3 cases).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .data import DataError, read_upload, scored_data
from .losses import sigmoid
from .thresholds import CostMatrix, Sweep, expected_cost, rates

# ---------------------------------------------------------------------------------
# Scored rows: where the scores come from
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoredRows:
    """Labels in {0, 1}, scores, optional frequency weights, and their source."""

    y_true: np.ndarray
    scores: np.ndarray
    sample_weight: np.ndarray | None = None
    source: str = ""

    @property
    def n_rows(self) -> int:
        return int(self.scores.shape[0])

    @property
    def n_cases(self) -> float:
        """Number of cases the rows stand for (the sum of the weights)."""
        if self.sample_weight is None:
            return float(self.n_rows)
        return float(self.sample_weight.sum())

    @property
    def prevalence(self) -> float:
        """Share of positive cases (weighted)."""
        w = 1.0 if self.sample_weight is None else self.sample_weight
        return float(np.sum(self.y_true * w) / self.n_cases)

    @property
    def are_probabilities(self) -> bool:
        return scores_are_probabilities(self.scores)


def scores_are_probabilities(scores) -> bool:
    """True when every score lies in [0, 1] (so it can be read as a probability)."""
    s = np.asarray(scores, dtype=float)
    return bool(s.size and s.min() >= 0.0 and s.max() <= 1.0)


def to_probabilities(scores) -> np.ndarray:
    """The sigmoid of logits / decision-function scores: ``1 / (1 + exp(-s))``."""
    return sigmoid(np.asarray(scores, dtype=float))


LABEL_NAMES = ("label", "y", "y_true", "target", "class", "actual", "outcome", "truth")
SCORE_NAMES = ("score", "scores", "prob", "proba", "probability", "p", "y_score",
               "y_pred", "prediction", "pred", "logit", "decision")
WEIGHT_NAMES = ("weight", "weights", "count", "counts", "n", "w", "frequency", "freq",
                "sample_weight", "cases")


def guess_columns(columns) -> tuple[str, str, str | None]:
    """Best guess of (label, score, weight-or-None) column names from their names.

    Falls back to the first two columns for label and score; a weight column is only
    guessed from its name.
    """
    cols = [str(c) for c in columns]
    lower = {c.strip().lower(): c for c in cols}

    def find(names):
        for name in names:
            if name in lower:
                return lower[name]
        return None

    label = find(LABEL_NAMES)
    score = find(SCORE_NAMES)
    rest = [c for c in cols if c not in (label, score)]
    if label is None and rest:
        label = rest.pop(0)
    if score is None and rest:
        score = rest.pop(0)
    if label is None or score is None:
        raise DataError(
            "A scored file needs at least two columns: the true label and the score."
        )
    weight = find(WEIGHT_NAMES)
    if weight in (label, score):
        weight = None
    return label, score, weight


def parse_scored_upload(
    data: bytes, name: str, label_column=None, score_column=None, weight_column=None,
    positive_label=None,
) -> tuple[ScoredRows, list[str]]:
    """Read an uploaded scored file (bytes + file name) into :class:`ScoredRows`.

    Columns not given are guessed from their names (:func:`guess_columns`); pass
    ``weight_column=""`` to force "no weight column". Returns the rows and the file's
    column names. Raises :class:`DataError` with a plain-words message for anything
    unusable: one class only, three classes, missing values, text scores, negative
    weights, an empty or unreadable file.
    """
    df = read_upload(data, name)
    columns = [str(c) for c in df.columns]
    g_label, g_score, g_weight = guess_columns(columns)
    label_column = label_column or g_label
    score_column = score_column or g_score
    if weight_column is None:
        weight_column = g_weight
    weight_column = weight_column or None
    if label_column == score_column:
        raise DataError("The label and the score must be two different columns.")
    if weight_column is not None and weight_column in (label_column, score_column):
        raise DataError("The weight column must differ from the label and score.")
    y, s, w = scored_data(df, label_column, score_column, weight_column, positive_label)
    described = f"{name}: label {label_column!r}, score {score_column!r}" + (
        f", weight {weight_column!r}" if weight_column else ""
    )
    return ScoredRows(y, s, w, described), columns


def out_of_fold_scores(X, y_true, n_folds: int = 5, seed: int = 0) -> np.ndarray:
    """Probabilities from a logistic regression that never saw the row it scores.

    Each row is scored by a model (standardised features, scikit-learn's
    ``LogisticRegression`` with its default L2 penalty) fitted on the other folds
    (stratified ``n_folds``-fold cross-fitting), so the scores behave like scores on
    new data. With fewer than 2 cases in a class the model is fitted on all rows and
    the scores are in-sample.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.asarray(X, dtype=float)
    y = np.asarray(y_true, dtype=float).ravel()
    folds = int(min(n_folds, np.sum(y == 1), np.sum(y == 0)))

    def model():
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))

    if folds < 2:
        return model().fit(X, y).predict_proba(X)[:, 1]
    out = np.empty(len(y))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(X, y):
        out[test] = model().fit(X[train], y[train]).predict_proba(X[test])[:, 1]
    return out


# ---------------------------------------------------------------------------------
# Held-out split: choose on validation, report on test
# ---------------------------------------------------------------------------------


def split_scored(
    rows: ScoredRows, test_share: float = 0.5, seed: int = 0, min_per_class: int = 10
) -> tuple[ScoredRows, ScoredRows] | None:
    """Split scored rows into a validation part (to choose the threshold) and a
    held-out test part (to report on), or None when the data do not allow it.

    Rows without weights, or with all weights 1, are split row by row, stratified by
    class. Integer counts above 1 (pre-aggregated bins) are thinned case by case:
    each row's count ``c`` goes ``Binomial(c, 1 - test_share)`` to validation and
    the rest to test, which is what splitting the underlying cases would do.
    Non-integer weights are split row by row. Returns None unless each part keeps at
    least ``min_per_class`` positive and ``min_per_class`` negative cases.
    """
    if not 0 < test_share < 1:
        raise ValueError("The test share must be between 0 and 1.")
    rng = np.random.default_rng(seed)
    y, s, w = rows.y_true, rows.scores, rows.sample_weight
    integer_counts = (
        w is not None and np.all(w == np.round(w)) and np.any(w > 1)
        and float(w.sum()) < 2**53
    )
    if integer_counts:
        w_val = rng.binomial(w.astype(np.int64), 1.0 - test_share).astype(float)
        w_test = w - w_val
        parts = []
        for wp in (w_val, w_test):
            keep = wp > 0
            parts.append((y[keep], s[keep], wp[keep]))
    else:
        val_idx, test_idx = [], []
        for cls in (0.0, 1.0):
            idx = rng.permutation(np.flatnonzero(y == cls))
            n_test = round(len(idx) * test_share)
            test_idx.append(idx[:n_test])
            val_idx.append(idx[n_test:])
        parts = []
        for chosen in (val_idx, test_idx):
            idx = np.sort(np.concatenate(chosen))
            parts.append((y[idx], s[idx], None if w is None else w[idx]))
    out = []
    for name, (yp, sp, wp) in zip(("validation", "test"), parts, strict=True):
        weight = np.ones_like(yp) if wp is None else wp
        if (np.sum(weight[yp == 1]) < min_per_class
                or np.sum(weight[yp == 0]) < min_per_class):
            return None
        out.append(ScoredRows(yp, sp, wp, f"{rows.source} ({name} part)"))
    return out[0], out[1]


# ---------------------------------------------------------------------------------
# Costs, prevalence, savings
# ---------------------------------------------------------------------------------


def sample_prevalence(sweep: Sweep) -> float:
    """Weighted share of positives in the sweep's data."""
    return float((sweep.tp[0] + sweep.fn[0]) / sweep.total)


def reweight_sweep(sweep: Sweep, prevalence: float) -> Sweep:
    """The sweep as it would look at a deployment base rate ``prevalence``.

    Positive cases (TP, FN) are weighted by ``pi / p_sample`` and negative cases
    (FP, TN) by ``(1 - pi) / (1 - p_sample)``, where ``p_sample`` is the share of
    positives in the data. The total weight is unchanged, recall and specificity are
    unchanged, and precision, accuracy, share flagged and expected cost become those
    of a population with base rate ``pi`` and the same score distribution per class.
    """
    pi = float(prevalence)
    if not 0.0 < pi < 1.0:
        raise ValueError("The deployment prevalence must be strictly between 0 and 1.")
    p = sample_prevalence(sweep)
    if not 0.0 < p < 1.0:
        raise ValueError("The data need both classes to re-weight to a prevalence.")
    wp, wn = pi / p, (1.0 - pi) / (1.0 - p)
    return Sweep(
        thresholds=sweep.thresholds,
        tp=sweep.tp * wp,
        fp=sweep.fp * wn,
        fn=sweep.fn * wp,
        tn=sweep.tn * wn,
    )


def cost_at(sweep: Sweep, cost: CostMatrix, threshold: float) -> float:
    """Mean cost per case when flagging ``score >= threshold``."""
    i = sweep.index_at(threshold)
    return float(
        (sweep.tp[i] * cost.tp + sweep.fp[i] * cost.fp + sweep.fn[i] * cost.fn
         + sweep.tn[i] * cost.tn) / sweep.total
    )


@dataclass(frozen=True)
class Comparison:
    """Mean cost per case at the optimum and at the usual alternatives."""

    optimum: float  # the threshold compared
    at_optimum: float
    at_default: float  # threshold 0.5 (or the default given)
    flag_everyone: float
    flag_no_one: float
    default_threshold: float = 0.5

    def saved_vs(self, which: str, per: float = 1.0) -> float:
        """Money saved per ``per`` cases by the optimum instead of ``which``
        (``"default"``, ``"everyone"`` or ``"no_one"``); negative means it costs more.
        """
        other = {"default": self.at_default, "everyone": self.flag_everyone,
                 "no_one": self.flag_no_one}[which]
        return (other - self.at_optimum) * per


def compare_costs(
    sweep: Sweep, cost: CostMatrix, threshold: float, default_threshold: float = 0.5
) -> Comparison:
    """Expected cost per case at ``threshold`` against the default threshold,
    flagging everyone (the last sweep row) and flagging no one (``+inf``)."""
    c = expected_cost(sweep, cost)
    return Comparison(
        optimum=float(threshold),
        at_optimum=cost_at(sweep, cost, threshold),
        at_default=cost_at(sweep, cost, default_threshold),
        flag_everyone=float(c[-1]),
        flag_no_one=float(c[0]),
        default_threshold=float(default_threshold),
    )


# ---------------------------------------------------------------------------------
# How sure is the optimum: bootstrap, vectorised over resamples
# ---------------------------------------------------------------------------------


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
    weight rounded (right for counts); pass the number of rows when the weights are
    not frequencies.
    """
    if n_boot < 1:
        raise ValueError("Need at least one bootstrap resample.")
    rows = _grid_rows(sweep, cost, max_grid)
    tp_g, fp_g = sweep.tp[rows], sweep.fp[rows]
    # weight of each cell: cases between consecutive grid rows
    cells = np.concatenate([np.diff(tp_g), np.diff(fp_g)])
    cells = np.clip(cells, 0.0, None)
    total = cells.sum()
    if n_cases is None:
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


# ---------------------------------------------------------------------------------
# How the optimum moves with the FN/FP cost ratio
# ---------------------------------------------------------------------------------


def cost_ratio(cost: CostMatrix) -> float | None:
    """The regret ratio ``(c_FN - c_TP) / (c_FP - c_TN)``: what a missed positive
    costs, over what a false alarm costs, each compared with the right decision.

    Only this ratio moves the optimal threshold (the expected cost is
    ``P c_TP + N c_TN + FP (c_FP - c_TN) + FN (c_FN - c_TP)``). None unless both
    regrets are positive.
    """
    d_fp, d_fn = cost.fp - cost.tn, cost.fn - cost.tp
    if d_fp <= 0 or d_fn <= 0:
        return None
    return d_fn / d_fp


def optimum_by_ratio(sweep: Sweep, ratios) -> tuple[np.ndarray, np.ndarray]:
    """Empirical optimal threshold and Bayes threshold for each FN/FP regret ratio.

    For ratio ``r`` the costs are ``FP = 1, FN = r`` (TP = TN = 0), which has the same
    optimum as any matrix with that regret ratio. Returns ``(empirical, bayes)``,
    each of shape ``(len(ratios),)``; ``bayes = 1 / (1 + r)``. Exact: every sweep row
    is searched, one vectorised pass per ratio.
    """
    r = np.asarray(ratios, dtype=float).ravel()
    if np.any(~np.isfinite(r)) or np.any(r <= 0):
        raise ValueError("Cost ratios must be positive numbers.")
    fp, fn = sweep.fp, sweep.fn
    out = np.empty(len(r))
    for k, ratio in enumerate(r):
        out[k] = sweep.thresholds[int(np.argmin(fp + ratio * fn))]
    return out, 1.0 / (1.0 + r)


# ---------------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------------


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

    Bins are ``n_bins`` equal-width bins on [0, 1], as scikit-learn's
    ``calibration_curve(strategy="uniform")`` makes them (empty bins dropped), but
    weighted. Log loss clips probabilities to ``[1e-15, 1 - 1e-15]`` so a confident
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
    idx = np.searchsorted(edges[1:-1], p, side="right")
    bw = np.bincount(idx, weights=w, minlength=n_bins)
    by = np.bincount(idx, weights=w * y, minlength=n_bins)
    bp = np.bincount(idx, weights=w * p, minlength=n_bins)
    keep = bw > 0
    prob_true = by[keep] / bw[keep]
    prob_pred = bp[keep] / bw[keep]
    ece = float(np.sum(bw[keep] * np.abs(prob_true - prob_pred)) / total)
    return Calibration(brier, ll, prob_pred, prob_true, bw[keep], ece)


# ---------------------------------------------------------------------------------
# Curves for plotting
# ---------------------------------------------------------------------------------


def plot_rows(n: int, max_points: int = 2000) -> np.ndarray:
    """At most ``max_points`` row indices out of ``n``, evenly spaced, ends kept."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))


def average_precision(sweep: Sweep) -> float:
    """Average precision: ``sum_k (R_k - R_{k-1}) P_k`` over the sweep (scikit-learn's
    definition, no interpolation)."""
    r = rates(sweep)
    return float(np.sum(np.diff(r["recall"]) * r["precision"][1:]))


def roc_auc(sweep: Sweep) -> float:
    """Area under the ROC curve by the trapezoid rule over every sweep row (ties
    count one half, as in the Mann-Whitney statistic)."""
    r = rates(sweep)
    return float(np.trapezoid(r["recall"], r["fpr"]))


__all__ = [
    "BootstrapResult",
    "Calibration",
    "Comparison",
    "ScoredRows",
    "average_precision",
    "bootstrap_counts",
    "bootstrap_optimum",
    "calibration_summary",
    "compare_costs",
    "cost_at",
    "cost_ratio",
    "guess_columns",
    "optimum_by_ratio",
    "out_of_fold_scores",
    "parse_scored_upload",
    "plot_rows",
    "reweight_sweep",
    "roc_auc",
    "sample_prevalence",
    "scores_are_probabilities",
    "split_scored",
    "to_probabilities",
]
