"""Scored rows: labels with a model's scores (and optional frequency weights), where
they come from (an uploaded file, out-of-fold scores of a dataset) and the held-out
split that chooses a threshold on one part and reports on the other.

``sample_weight`` are frequency weights (a row with weight 3 stands for 3 cases).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import DataError, quote, read_upload, scored_data
from .losses import sigmoid


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
    described = f"{name}: label {quote(label_column)}, score {quote(score_column)}" + (
        f", weight {quote(weight_column)}" if weight_column else ""
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


Part = tuple[np.ndarray, np.ndarray | None]  # row indices and their weights


def split_parts(
    rows: ScoredRows, test_share: float = 0.5, seed: int = 0, min_per_class: int = 10
) -> tuple[Part, Part] | None:
    """Which rows go to the validation and to the test part, and with what weight:
    ``((val_index, val_weight), (test_index, test_weight))`` (a weight None when the
    rows have none), or None when the data do not allow a split. The indices let
    anything aligned with the rows (a segment column) follow the same split; see
    :func:`split_scored` for the rules.
    """
    if not 0 < test_share < 1:
        raise ValueError("The test share must be between 0 and 1.")
    rng = np.random.default_rng(seed)
    y, w = rows.y_true, rows.sample_weight
    integer_counts = (
        w is not None and np.all(w == np.round(w)) and np.any(w > 1)
        and float(w.sum()) < 2**53
    )
    parts = []
    if integer_counts:
        w_val = rng.binomial(w.astype(np.int64), 1.0 - test_share).astype(float)
        for wp in (w_val, w - w_val):
            keep = np.flatnonzero(wp > 0)
            parts.append((keep, wp[keep]))
    else:
        val_idx, test_idx = [], []
        for cls in (0.0, 1.0):
            idx = rng.permutation(np.flatnonzero(y == cls))
            n_test = round(len(idx) * test_share)
            test_idx.append(idx[:n_test])
            val_idx.append(idx[n_test:])
        for chosen in (val_idx, test_idx):
            idx = np.sort(np.concatenate(chosen))
            parts.append((idx, None if w is None else w[idx]))
    for idx, wp in parts:
        yp = y[idx]
        weight = np.ones_like(yp) if wp is None else wp
        if (np.sum(weight[yp == 1]) < min_per_class
                or np.sum(weight[yp == 0]) < min_per_class):
            return None
    return parts[0], parts[1]


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
    parts = split_parts(rows, test_share, seed, min_per_class)
    if parts is None:
        return None
    return tuple(
        ScoredRows(rows.y_true[idx], rows.scores[idx], wp,
                   f"{rows.source} ({name} part)")
        for name, (idx, wp) in zip(("validation", "test"), parts, strict=True))


def plot_rows(n: int, max_points: int = 2000) -> np.ndarray:
    """At most ``max_points`` row indices out of ``n``, evenly spaced, ends kept."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))
