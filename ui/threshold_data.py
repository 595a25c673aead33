"""The Threshold page's data: where the scores come from, and what is computed from
them, cached by content so that no two people (or two versions of a file) can ever
share a result.

- **Keys are content.** Every set of scores carries a ``key``: a SHA-256 of the bytes
  (an uploaded file) or of the arrays (a built-in dataset, a trained model), joined
  with every choice that shaped them (columns, the sigmoid transform). Every result
  below is keyed by that and by each of its parameters; never by a file name or a
  shape. The hash is taken once, when the data arrive; a slider move hashes nothing.
- **Per-session data stay in the session.** An upload is held once, as its parsed
  table, in :class:`ThresholdSession` (one session key) until it is replaced or
  removed; results go into two small per-session LRU memos. Only the built-in
  datasets' out-of-fold scores (the same for everyone) use the shared
  ``st.cache_data``, bounded in entries and lifetime.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

import core
from core.bootstrap import (
    BootstrapResult,
    ResampleSize,
    bootstrap_optimum,
    bootstrap_saving,
    resample_size,
)
from core.calibration import Calibration, calibration_summary
from core.scored import (
    ScoredRows,
    guess_columns,
    out_of_fold_scores,
    plot_rows,
    scores_are_probabilities,
    split_scored,
    to_probabilities,
)
from core.thresholds import (
    Capacity,
    Recommendation,
    Scenarios,
    average_precision,
    best_under_capacity,
    compare_scenarios,
    neighbour_score,
    optimum_by_ratio,
    recommend,
    reweight_sweep,
    roc_auc,
    sample_prevalence,
    scaled_cost,
    step_by_share,
)
from ui import state
from ui.format import format_threshold, short
from ui.memo import Memo, digest, memo
from ui.models import MAX_COLUMN_NAME, MAX_FILE_NAME, ThresholdState, TrainedScores
from ui.sidebar import OWN_DATA, Chosen

SESSION_KEY = "_thr_session"
BIG_ENTRIES = 5  # rows, splits, sweeps, segments: a few arrays of the data's length
SMALL_ENTRIES = 48  # curves, bootstrap, figures: a few thousand numbers each
MAX_PLOT_POINTS = 800
N_BOOT = 300
N_BOOT_SAVING = 2000  # six cells per resample: cheap
RATIOS = np.logspace(-2, 2, 81)
SLIDER_STEPS = 1_000


@dataclass(frozen=True)
class HeldUpload:
    """The session's scored file, parsed once: its table and the SHA-256 of its
    bytes (the bytes themselves are not kept)."""

    name: str
    sha256: str
    table: pd.DataFrame
    columns: tuple[str, ...]

    @property
    def n_rows(self) -> int:
        return len(self.table)

    @property
    def key(self) -> str:
        return f"upload:{self.sha256}"


@dataclass
class ThresholdSession:
    """What the page keeps per session besides its settings (``ThresholdState``)."""

    upload: HeldUpload | None = None
    error: str | None = None  # why the last file or column choice was refused
    data_key: str | None = None  # the scores the threshold was set on
    trained: tuple[object, str] | None = None  # (TrainedScores, its key)
    big: Memo = field(default_factory=lambda: Memo(BIG_ENTRIES))
    small: Memo = field(default_factory=lambda: Memo(SMALL_ENTRIES))


def sidebar_not_in_use() -> str | None:
    """For the sidebar (``ui.sidebar.OWN_DATA``): a sentence when this page's
    scores are not the sidebar dataset's (a scored file, or the Training page's
    model), so the generator's controls, which do not apply, are not shown."""
    view = state.current(ThresholdState)
    held = st.session_state.get(SESSION_KEY)
    if (view.source == "upload" and isinstance(held, ThresholdSession)
            and held.upload is not None):
        return (f"This page uses your scored file {held.upload.name}: the dataset "
                "settings apply to the other pages.")
    if view.source == "trained" and isinstance(st.session_state.get(
            "trained_scores"), TrainedScores):
        return ("This page uses the model trained on the Training page: the dataset "
                "settings apply to the other pages.")
    return None


OWN_DATA[ThresholdState.KEY] = sidebar_not_in_use


def session() -> ThresholdSession:
    """This session's :class:`ThresholdSession` (made on first use)."""
    held = st.session_state.get(SESSION_KEY)
    if not isinstance(held, ThresholdSession):
        held = st.session_state[SESSION_KEY] = ThresholdSession()
    return held


# ---------------------------------------------------------------------------------
# Score sources
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """Scored rows and their content key (hash of the data and of every choice)."""

    rows: ScoredRows
    key: str

    @property
    def are_probabilities(self) -> bool:
        return self.rows.are_probabilities


def builtin_scores(chosen: Chosen) -> Scores:
    """Out-of-fold logistic-regression scores of the sidebar's dataset: shared when
    the data are the same for everyone (built-in), in the session for an upload."""
    ds, key = chosen.dataset, "builtin:" + chosen.key
    scores = memo("thr.oof", key, lambda: out_of_fold_scores(ds.X, ds.y),
                  shared=chosen.shared)
    source = (f"{ds.name}: logistic regression, each row scored by a model fitted "
              "without it (5-fold cross-fitting)")
    return Scores(ScoredRows(ds.y, scores, None, source), key)


def trained_scores(sess: ThresholdSession) -> Scores | str | None:
    """The Training page's hand-off (a ``TrainedScores``); None when there is none,
    or a message when it cannot be used. Hashed once per hand-off."""
    got = st.session_state.get("trained_scores")
    if not isinstance(got, TrainedScores):
        return None
    try:
        y = np.asarray(got.y_true, dtype=float).ravel()
        s = np.asarray(got.scores, dtype=float).ravel()
        core.threshold_sweep(y, s)  # validates labels and scores
        if len(np.unique(y)) != 2:
            raise ValueError("the validation labels hold only one class")
    except (TypeError, ValueError) as exc:
        return f"The Training page's scores cannot be used: {exc}"
    if sess.trained is None or sess.trained[0] is not got:
        sess.trained = (got, "trained:" + digest(y, s, str(got.label)))
    source = f"{got.label} (Training page, validation split)"
    return Scores(ScoredRows(y, s, None, source), sess.trained[1])


def rows_from_table(upload: HeldUpload, label: str, score: str,
                    weight: str) -> ScoredRows:
    """Scored rows from the held table and a column choice (``weight`` "" = none);
    ``core.DataError`` in plain words when the choice cannot be used."""
    if label == score:
        raise core.DataError("The label and the score must be two different columns.")
    if weight and weight in (label, score):
        raise core.DataError("The weight column must differ from the label and score.")
    y, s, w = core.data.scored_data(upload.table, label, score, weight or None)
    described = f"{upload.name}: label {label!r}, score {score!r}" + (
        f", weight {weight!r}" if weight else "")
    return ScoredRows(y, s, w, described)


def upload_scores(sess: ThresholdSession, view: ThresholdState) -> Scores | None:
    """The held upload's rows under the model's column choice."""
    up = sess.upload
    if up is None:
        return None
    cols = (view.label_column, view.score_column, view.weight_column)
    key = f"{up.key}:{digest(*cols)}"
    try:
        rows = sess.big.get(("rows", key), lambda: rows_from_table(up, *cols))
    except core.DataError:  # checked when chosen; a stale choice falls back
        label, score, weight = guess_columns(up.columns)
        key = f"{up.key}:{digest(label, score, weight or '')}"
        rows = sess.big.get(("rows", key),
                            lambda: rows_from_table(up, label, score, weight or ""))
    return Scores(rows, key)


def with_sigmoid(scores: Scores) -> Scores:
    rows = scores.rows
    return Scores(ScoredRows(rows.y_true, to_probabilities(rows.scores),
                             rows.sample_weight, rows.source + ", sigmoid applied"),
                  scores.key + ":sigmoid")


def _clean(text: str, limit: int) -> str:
    """A name the state model can hold: no control characters, at most ``limit``."""
    return "".join(ch if ord(ch) >= 32 else " " for ch in text)[:limit]


def receive_file(sess: ThresholdSession, data: bytes, name: str) -> None:
    """A file arrived: read it once and keep its table, or keep the previous file
    and say why not. The column choice is guessed, except when the file is the one
    a link asked for (same name and rows): then the link's choice and threshold
    are kept."""
    from ui import warehouse  # a large file is read by DuckDB, not pandas

    if len(data) > warehouse.BIG_UPLOAD_BYTES:
        sess.error = warehouse.receive_big_file(data, _clean(name, MAX_FILE_NAME))
        return
    sha = hashlib.sha256(data).hexdigest()
    name = _clean(name, MAX_FILE_NAME)
    if sess.upload is not None and (sess.upload.sha256, sess.upload.name) == (sha,
                                                                               name):
        sess.error = None  # the very same file again: nothing to read
        return
    view = state.current(ThresholdState)
    try:
        table = core.data.read_upload(data, name)
        columns = tuple(str(c) for c in table.columns)
        upload = HeldUpload(name, sha, table, columns)
        asked = (sess.upload is None and view.file == name
                 and view.rows == upload.n_rows)
        cols = (view.label_column, view.score_column, view.weight_column)
        segment = (view.segment_column if asked and view.segment_column in columns
                   else "")
        if not (asked and cols[0] in columns and cols[1] in columns
                and cols[2] in ("", *columns)):
            label, score, weight = guess_columns(columns)
            cols = (label, score, weight or "")
        rows_from_table(upload, *cols)  # refuse a file whose columns do not work
        if any(len(c) > MAX_COLUMN_NAME for c in cols):
            raise core.DataError(f"{name} has a column name longer than "
                                 f"{MAX_COLUMN_NAME} characters.")
    except core.DataError as exc:
        sess.error = str(exc) + (" The previous file is still in use."
                                 if sess.upload is not None else "")
        return
    forget_upload(sess)
    sess.upload, sess.error = upload, None
    if asked:
        sess.data_key = None  # the link's threshold belongs to this file
    state.update(ThresholdState, source="upload", file=name, rows=upload.n_rows,
                 label_column=_clean(cols[0], MAX_COLUMN_NAME),
                 score_column=_clean(cols[1], MAX_COLUMN_NAME),
                 weight_column=_clean(cols[2], MAX_COLUMN_NAME),
                 segment_column=segment)


def forget_upload(sess: ThresholdSession) -> None:
    """Let go of the held file and everything computed from it."""
    if sess.upload is not None:
        sess.big.forget(sess.upload.key)
        sess.small.forget(sess.upload.key)
    sess.upload = None


def remove_file(sess: ThresholdSession) -> None:
    forget_upload(sess)
    sess.error = None
    state.update(ThresholdState, file="", rows=None, label_column="",
                 score_column="", weight_column="", segment_column="")


def check_columns(sess: ThresholdSession, previous: tuple[str, str, str]) -> None:
    """After a column choice: keep it if the rows can be read, else go back to
    ``previous`` and say why."""
    view = state.current(ThresholdState)
    if sess.upload is None:
        return
    try:
        rows_from_table(sess.upload, view.label_column, view.score_column,
                        view.weight_column)
    except core.DataError as exc:
        sess.error = f"{exc} The previous column choice is still in use."
        label, score, weight = previous
        state.update(ThresholdState, label_column=label, score_column=score,
                     weight_column=weight)
    else:
        sess.error = None


# ---------------------------------------------------------------------------------
# What is computed from the scores (pure; memoised per session by content key)
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """The threshold's scale: [0, 1] for probabilities, else the scores' range, and
    the significant digits that tell any two neighbouring distinct scores apart."""

    lo: float
    hi: float
    step: float
    default: float
    digits: int = 4

    def text(self, t: float) -> str:
        """The one way a threshold is written on the page and in every export."""
        return format_threshold(t, self.digits)

    def snap(self, value: float) -> float:
        """The slider position closest to ``value``."""
        if not np.isfinite(value):
            return self.hi
        snapped = self.lo + round((value - self.lo) / self.step) * self.step
        return float(np.clip(round(snapped, 10), self.lo, self.hi))


MIN_DIGITS, MAX_DIGITS = 4, 17  # 17 significant digits tell any two floats apart


def threshold_digits(scores: np.ndarray) -> int:
    """Fewest significant digits (at least 4) that print every two neighbouring
    distinct scores differently: rounding ``m`` to ``d`` digits moves it by at most
    half of ``m 10**(1 - d)``, so ``d >= 1 + log10(m / gap)`` keeps neighbours
    ``gap`` apart distinct."""
    u = np.unique(np.asarray(scores, dtype=float))
    if len(u) < 2:
        return MIN_DIGITS
    gaps = np.diff(u)
    mags = np.maximum(np.abs(u[1:]), np.abs(u[:-1]))
    with np.errstate(divide="ignore", over="ignore"):
        worst = float(np.max(mags / gaps))
    if not np.isfinite(worst):
        return MAX_DIGITS
    need = 1 + math.ceil(math.log10(max(worst, 1.0)))
    return int(min(max(need, MIN_DIGITS), MAX_DIGITS))


def make_scale(scores: np.ndarray) -> Scale:
    digits = threshold_digits(scores)
    if scores_are_probabilities(scores):
        lo, hi, default = 0.0, 1.0, 0.5
    else:
        lo, hi = float(np.floor(scores.min())), float(np.ceil(scores.max()))
        if hi <= lo:
            hi = lo + 1.0
        default = float(np.clip(0.0, lo, hi))  # logit 0 is probability 0.5
    return Scale(lo, hi, (hi - lo) / SLIDER_STEPS, default, digits)


PAGE_SHARE = 0.01  # Page Up/Down: the share of cases flagged moves by 1 point


def key_target(sweep: core.Sweep, scale: Scale, t: float, key: str,
               top: float) -> float:
    """Where a key pressed on the threshold slider moves the threshold ``t``: the
    arrows to the next distinct score of the sweep (up: higher), Page Up/Down to
    the nearest score that flags about ``PAGE_SHARE`` fewer/more of the cases,
    Home to the lowest score (flag everyone), End past the highest (flag no one,
    written as ``top`` + one slider step, ``top`` the highest score). Binary
    searches on the sweep: no work in the data's length."""
    if key in ("ArrowRight", "ArrowUp"):
        new = neighbour_score(sweep, t, up=True)
    elif key in ("ArrowLeft", "ArrowDown"):
        new = neighbour_score(sweep, t, up=False)
    elif key in ("PageUp", "PageDown"):
        new = step_by_share(sweep, t, PAGE_SHARE if key == "PageDown" else -PAGE_SHARE)
    elif key == "Home":
        new = float(sweep.thresholds[-1])
    elif key == "End":
        new = math.inf
    else:
        raise ValueError(f"not a slider key: {short(key, 20)}")
    return new if math.isfinite(new) else max(top, scale.lo) + scale.step


@dataclass(frozen=True)
class Analysis:
    """The rows split into a validation part (to choose the threshold) and a
    held-out test part (to report on), with their sweeps at the production base
    rate (``prevalence`` None: as in the data)."""

    key: str  # the scores' key and the base rate
    rows: ScoredRows
    split: bool
    val_rows: ScoredRows
    test_rows: ScoredRows
    val: core.Sweep
    test: core.Sweep
    prevalence: float | None
    sample_prevalence: float
    top_score: float


def _split_and_sweep(rows: ScoredRows) -> tuple:
    split = split_scored(rows)
    val, test = (rows, rows) if split is None else split
    return (split is not None, val, test,
            core.threshold_sweep(val.y_true, val.scores, val.sample_weight),
            core.threshold_sweep(test.y_true, test.scores, test.sample_weight))


def analyse(sess: ThresholdSession, scores: Scores,
            prevalence: float | None) -> Analysis:
    split, val_rows, test_rows, val, test = sess.big.get(
        ("split", scores.key), lambda: _split_and_sweep(scores.rows))
    sample_p = sample_prevalence(val)
    if prevalence is not None:
        val, test = sess.big.get(
            ("reweight", scores.key, prevalence),
            lambda: (reweight_sweep(val, prevalence), reweight_sweep(test, prevalence)))
    return Analysis(f"{scores.key}|{prevalence!r}", scores.rows, split, val_rows,
                    test_rows, val, test, prevalence, sample_p,
                    float(scores.rows.scores.max()))


@dataclass(frozen=True)
class Curves:
    """Curves on the validation sweep, downsampled for plotting (the optimum's own
    row kept), and the full-resolution optimum."""

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    fpr: np.ndarray
    cost: np.ndarray  # expected cost per ``per`` cases
    flat: bool
    optimum: float
    optimum_cost: float  # per case
    ap: float
    auc: float


def _curves(sweep: core.Sweep, cost: core.CostMatrix, per: int) -> Curves:
    r = core.rates(sweep)
    idx = plot_rows(len(sweep.thresholds), MAX_PLOT_POINTS)
    ec = core.expected_cost(sweep, cost)
    best = int(np.argmin(ec))
    idx = np.union1d(idx, [best])
    return Curves(sweep.thresholds[idx], r["precision"][idx], r["recall"][idx],
                  r["f1"][idx], r["fpr"][idx], ec[idx] * per,
                  bool(np.ptp(ec) <= 1e-12 * max(1.0, np.abs(ec).max())),
                  float(sweep.thresholds[best]), float(ec[best]),
                  average_precision(sweep), roc_auc(sweep))


def curves(sess: ThresholdSession, analysis: Analysis, cost: core.CostMatrix,
           per: int) -> Curves:
    return sess.small.get(("curves", analysis.key, cost, per),
                          lambda: _curves(analysis.val, cost, per))


def resample(analysis: Analysis) -> ResampleSize:
    """Cases per bootstrap resample of the validation half: counts as frequencies,
    real-valued weights as importance weights (``core.bootstrap.resample_size``)."""
    rows = analysis.val_rows
    return resample_size(rows.n_rows, rows.sample_weight)


def bootstrap(sess: ThresholdSession, analysis: Analysis,
              cost: core.CostMatrix) -> BootstrapResult:
    n_cases = resample(analysis).n
    return sess.small.get(
        ("boot", analysis.key, cost),
        lambda: bootstrap_optimum(analysis.val, cost, n_boot=N_BOOT, seed=0,
                                  n_cases=n_cases))


def recommendation(sess: ThresholdSession, analysis: Analysis, cost: core.CostMatrix,
                   default: float) -> Recommendation:
    return sess.small.get(("recommend", analysis.key, cost, default),
                          lambda: recommend(analysis.val, analysis.test, cost, default))


def saving_band(sess: ThresholdSession, analysis: Analysis, cost: core.CostMatrix,
                rec: Recommendation, default: float) -> tuple[float, float]:
    """90% bootstrap interval of the held-out money saved per case by the
    recommendation against the default threshold (held-out cases resampled)."""
    rows = analysis.test_rows
    n_cases = resample_size(rows.n_rows, rows.sample_weight).n
    return sess.small.get(
        ("saving", analysis.key, cost, rec.threshold, default),
        lambda: bootstrap_saving(analysis.test, cost, rec.threshold, default,
                                 n_boot=N_BOOT_SAVING, seed=0, n_cases=n_cases))


def capacity(sess: ThresholdSession, analysis: Analysis, cost: core.CostMatrix,
             max_share: float) -> Capacity:
    return sess.small.get(("capacity", analysis.key, cost, max_share),
                          lambda: best_under_capacity(analysis.val, cost, max_share))


def ratio_curve(sess: ThresholdSession, analysis: Analysis):
    return sess.small.get(("ratio", analysis.key),
                          lambda: optimum_by_ratio(analysis.val, RATIOS))


def calibration(sess: ThresholdSession, scores: Scores,
                strategy: str = "uniform") -> Calibration | None:
    if not scores.are_probabilities:
        return None
    rows = scores.rows
    return sess.small.get(("calibration", scores.key, strategy),
                          lambda: calibration_summary(rows.y_true, rows.scores,
                                                      rows.sample_weight,
                                                      strategy=strategy))


def scale(sess: ThresholdSession, scores: Scores) -> Scale:
    return sess.small.get(("scale", scores.key),
                          lambda: make_scale(scores.rows.scores))


@dataclass(frozen=True)
class ScenarioResults:
    """Named cost matrices compared: each one's optimum on the validation half, and
    every cost, share and rate at those optima on the held-out half
    (``core.thresholds.Scenarios``); each cost curve on the validation half scaled
    to its own range (0 at its optimum, 1 at its dearest threshold), downsampled
    for the chart with every optimum's own row kept."""

    compared: Scenarios
    thresholds: np.ndarray  # the chart's x (the +inf row dropped by the figure)
    scaled: tuple[np.ndarray, ...]  # one curve per scenario


def _scenarios(analysis: Analysis, costs: tuple[core.CostMatrix, ...]
               ) -> ScenarioResults:
    val = analysis.val
    compared = compare_scenarios(val, analysis.test, list(costs))
    idx = plot_rows(len(val.thresholds), MAX_PLOT_POINTS)
    idx = np.union1d(idx, [val.index_at(t) for t in compared.thresholds])
    return ScenarioResults(compared, val.thresholds[idx],
                           tuple(scaled_cost(val, c)[idx] for c in costs))


def scenarios(sess: ThresholdSession, analysis: Analysis,
              costs: tuple[core.CostMatrix, ...]) -> ScenarioResults:
    return sess.small.get(("scenarios", analysis.key, costs),
                          lambda: _scenarios(analysis, costs))
