"""The Training page's run state: what it keeps for a browser session besides its
controls (those are :class:`ui.models.TrainingState`).

The controls split in two. The *data side* (:class:`Signature`: the data's content,
loss, polynomial degree, standardisation, validation share, seed, start point) fixes
the split and the preprocessing (:class:`Prepared`); a change there starts afresh.
The *optimiser side* (:class:`RunSettings`) can change mid-run: training then
continues from the current weights. :func:`sync` turns the controls into a
:class:`TrainingSession`, the runs (``core.fitting.LiveRun``, each holding its
iterator, so momentum and Adam keep their memory) included.

Caches (``ui.memo``): the scikit-learn reference optimum and the cost surfaces of
built-in data are the same for everyone and go to the shared store (bounded in
entries and time), keyed by the data's content key and every parameter. Those of a
user's upload stay in the session, so they go when the session goes and no one
else's run can meet them.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from core.fitting import (
    EPOCH_BUDGET,
    LiveRun,
    Preprocessor,
    epoch_cost,
    fit_preprocessor,
    reference_optimum,
    stratified_subsample,
    train_validation_split,
    training_rows,
)
from core.slices import surface_window
from core.surface import penalised_surface
from ui.live_runs import advance_together
from ui.memo import digest, memo
from ui.models import TrainingState
from ui.sidebar import Chosen

SESSION_KEY = "tr_session"  # st.session_state key of the TrainingSession
BATCH_S = 0.25  # run_every while running: a batch of epochs this often
BATCH_BUDGET_S = 0.15  # compute time per batch at most
AUTO_RUN_S = 8.0  # "auto" speed: a whole run takes about this long, whatever the fps
FIRST_VISIT_BUDGET_S = 2.0
SURFACE_GRID = 51
BOUNDARY_GRID = 70
MAX_POINTS_DRAWN = 2000
# A cost surface costs rows x grid^2 loss evaluations: at most this many (about
# 1 s); above it the surfaces are drawn from a seeded subsample of the rows.
SURFACE_BUDGET = 30_000_000


# ---------------------------------------------------------------------- settings
@dataclass(frozen=True)
class RunSettings:
    """The optimiser side of the controls: a change continues the current runs."""

    optimizer: str
    learning_rate: float
    epochs: int
    batch_size: int | None  # SGD only
    l2: float
    seed: int

    @classmethod
    def of(cls, model: TrainingState) -> RunSettings:
        return cls(model.optimizer, float(model.lr), int(model.epochs),
                   int(model.batch) if model.optimizer == "sgd" else None,
                   float(model.l2), int(model.seed))

    def as_dict(self) -> dict:
        """What ``LiveRun`` and the model export take."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Signature:
    """The data side of the controls: a change starts afresh."""

    data: str  # what the data are (ui.sidebar.Chosen.key: a content key)
    loss: str
    degree: int
    standardise: bool
    val_share: float
    seed: int
    start: tuple[float, float] | None  # (w0, b0) of 1-D data; 0 otherwise

    @classmethod
    def of(cls, model: TrainingState, chosen: Chosen) -> Signature:
        n_features = chosen.dataset.n_features
        return cls(chosen.key, model.loss,
                   int(model.degree) if n_features == 2 else 1,
                   bool(model.standardise), float(model.val), int(model.seed),
                   (float(model.w0), float(model.b0)) if n_features == 1 else None)


# ---------------------------------------------------------------------- prepared
@dataclass
class Prepared:
    """The split, the preprocessing fitted on the training rows, and what the views
    of the model need (points and grid of 2-D data, the surface window of 1-D)."""

    losses: tuple[str, ...]
    pre: Preprocessor
    X: np.ndarray  # (n_train, n_model_features)
    y: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    n_inputs: int
    start: tuple[float, float] | None
    w0: np.ndarray
    b0: float
    feature_scale: float
    digest: str  # content hash of (X, y): the cache key of the reference, surfaces
    shared: bool  # built-in data: results may go to the shared cache
    points: tuple | None = None  # 2-D: (X_raw, y, is_val) of at most MAX_POINTS_DRAWN
    grid: tuple | None = None  # 2-D: (g1, g2)
    grid_features: np.ndarray | None = None  # 2-D: the grid through the preprocessing
    window: tuple | None = None  # 1-D: (w_lo, w_hi, b_lo, b_hi) of the surfaces
    bound_note: str = ""  # what was left out to keep an epoch within its budget

    @property
    def n_rows(self) -> int:
        return len(self.y) + len(self.y_val)


def prepare(chosen: Chosen, signature: Signature) -> Prepared:
    """Split, fit the preprocessing on the training rows, and set up the views."""
    dataset = chosen.dataset
    X_raw, y = dataset.X, dataset.y
    train_idx, val_idx = train_validation_split(y, signature.val_share, signature.seed)
    bound_note = ""
    n_model = _model_features(X_raw.shape[1], signature.degree)
    keep = training_rows(len(train_idx), n_model)
    if keep < len(train_idx):  # an epoch would take too long: fewer training rows
        n_train = len(train_idx)
        train_idx = train_idx[stratified_subsample(y[train_idx], keep,
                                                   signature.seed)]
        bound_note = (f"To keep each epoch short, training uses a seeded "
                      f"{len(train_idx):,}-row subsample of the {n_train:,} training "
                      f"rows ({n_model:,} features).")
    pre = fit_preprocessor(X_raw[train_idx], signature.degree, signature.standardise,
                           dataset.feature_names)
    X_train = pre.transform(X_raw[train_idx])
    start = signature.start
    prep = Prepared(
        losses=("log", "mse") if signature.loss == "both" else (signature.loss,),
        pre=pre, X=X_train, y=y[train_idx],
        # (PolynomialFeatures refuses an empty array: no validation rows, no call)
        X_val=(pre.transform(X_raw[val_idx]) if len(val_idx)
               else np.empty((0, X_train.shape[1]))),
        y_val=y[val_idx], n_inputs=X_raw.shape[1], start=start,
        w0=np.array([start[0]]) if start else np.zeros(X_train.shape[1]),
        b0=start[1] if start else 0.0,
        feature_scale=float(X_train.std(axis=0).max()),
        digest=digest(signature),  # the split and preprocessing of these data
        shared=chosen.shared,
        bound_note=bound_note,
    )
    if X_raw.shape[1] == 2:
        # Draw at most MAX_POINTS_DRAWN points (a fixed, seeded subset).
        rows = np.random.default_rng(0).permutation(len(y))[:MAX_POINTS_DRAWN]
        rows.sort()
        is_val = np.zeros(len(y), bool)
        is_val[val_idx] = True
        lo, hi = X_raw.min(axis=0), X_raw.max(axis=0)
        margin = 0.1 * (hi - lo)
        g1 = np.linspace(lo[0] - margin[0], hi[0] + margin[0], BOUNDARY_GRID)
        g2 = np.linspace(lo[1] - margin[1], hi[1] + margin[1], BOUNDARY_GRID)
        G1, G2 = np.meshgrid(g1, g2)
        prep.points = (X_raw[rows], y[rows], is_val[rows])
        prep.grid = (g1, g2)
        prep.grid_features = pre.transform(np.column_stack([G1.ravel(), G2.ravel()]))
    return prep


def _model_features(n_inputs: int, degree: int) -> int:
    """Columns of the polynomial features of ``n_inputs`` inputs (no bias)."""
    from math import comb

    return comb(n_inputs + degree, degree) - 1


def newton_refusal(prep: Prepared, optimizer: str) -> str | None:
    """Words when one Newton epoch on these data would take too long to answer
    Pause between epochs (the Hessian costs rows x features^2)."""
    if optimizer != "newton":
        return None
    n, d = prep.X.shape
    cost = epoch_cost(n, d, "newton")
    if cost <= 20 * EPOCH_BUDGET:
        return None
    return (f"Newton's method needs a {d:,} x {d:,} Hessian from {n:,} rows every "
            f"epoch (about {cost / EPOCH_BUDGET / 10:.0f} s each here): choose "
            "gradient descent, momentum or Adam for data this wide.")


# ------------------------------------------------------------------------ caches
def surface_rows(n_rows: int) -> int:
    """How many rows the cost surfaces are computed from (all, or a subsample)."""
    return min(n_rows, SURFACE_BUDGET // (SURFACE_GRID * SURFACE_GRID))


def _surface(x, y, window: tuple, loss: str, l2: float):
    rows = surface_rows(len(y))
    if len(y) > rows:  # a seeded subsample bounds the work; the shape is the same
        keep = stratified_subsample(y, rows)
        x, y = x[keep], y[keep]
    w_values = np.linspace(window[0], window[1], SURFACE_GRID)
    b_values = np.linspace(window[2], window[3], SURFACE_GRID)
    return w_values, b_values, penalised_surface(x, y, w_values, b_values, loss, l2)


# ----------------------------------------------------------------------- session
STATUS_WORDS = {"ready": "Ready: press **Run**.", "running": "Running…",
                "paused": "Paused.", "finished": "Finished."}


@dataclass
class TrainingSession:
    """The runs on screen and how they got there."""

    signature: Signature
    prep: Prepared
    settings: RunSettings
    runs: dict[str, LiveRun]
    status: str = "ready"  # one of STATUS_WORDS
    note: str = ""  # said under the buttons after a mid-run change of settings
    last_batch: float | None = None  # time.monotonic() of the last batch
    epoch_credit: float = 0.0  # the fraction of an epoch due, carried over
    export_json: str = ""  # what the download button hands out
    story_data: str | None = None  # content hash of the data a story started on
    start_pending: bool = False  # a story asked to start running

    # -- the runs
    def new_runs(self) -> None:
        self.runs = {loss: LiveRun(loss, self.prep.X, self.prep.y, self.prep.X_val,
                                   self.prep.y_val, self.settings.as_dict(),
                                   self.prep.w0, self.prep.b0)
                     for loss in self.prep.losses}

    @property
    def done(self) -> bool:
        return all(r.done for r in self.runs.values())

    @property
    def epoch(self) -> int:
        return max(r.epochs_run for r in self.runs.values())

    def start(self) -> None:
        """Run (again from the start if finished)."""
        self.last_batch, self.epoch_credit = None, 0.0
        if self.status == "finished":
            self.new_runs()
            self.note = ""
        self.status = "running"

    def pause(self) -> None:
        if self.status == "running":  # a run that ended meanwhile stays finished
            self.status = "paused"

    def step(self) -> None:
        advance_together(self.runs.values(), 1)
        self.status = "finished" if self.done else "paused"

    def reset(self) -> None:
        self.new_runs()
        self.status, self.note = "ready", ""

    def run_to_end(self, budget_s: float) -> None:
        advance_together(self.runs.values(), self.settings.epochs, budget_s)
        self.status = "finished" if self.done else "paused"

    def retune(self, settings: RunSettings) -> None:
        """New optimiser settings: continue from the current weights (a diverged
        run, or one that has not moved yet, starts afresh instead)."""
        moved = any(r.epochs_run > 0 for r in self.runs.values())
        self.settings = settings
        if moved and not any(r.diverged for r in self.runs.values()):
            for run in self.runs.values():
                run.retune(settings.as_dict())
            self.note = ("Settings changed: training continues from the current "
                         "weights" + (" (momentum/Adam memory starts again)."
                                      if settings.optimizer in ("momentum", "adam")
                                      else "."))
            if self.done:
                self.status = "finished"
            elif self.status == "finished":
                self.status = "paused"
        else:
            self.reset()

    def next_batch(self, speed: str | int) -> tuple[int, float]:
        """Epochs due now and the seconds they stand for (those since the last
        batch): ``speed`` epochs per second, or for "auto" the share of the run that
        time is (a run then lasts about ``AUTO_RUN_S``, however often the browser
        asks)."""
        now = time.monotonic()
        last = now - BATCH_S if self.last_batch is None else self.last_batch
        elapsed = min(max(now - last, 0.0), 1.0)
        self.last_batch = now
        rate = (self.settings.epochs / AUTO_RUN_S if speed == "auto"
                else float(speed))
        due = self.epoch_credit + rate * elapsed
        self.epoch_credit = due - int(due)
        return int(due), elapsed

    def advance_batch(self, speed: str | int) -> tuple[int, float]:
        """One live batch: advance the runs by the epochs due (within
        ``BATCH_BUDGET_S``); returns (first epoch of the batch, seconds to reveal it
        over)."""
        start = self.epoch
        epochs, elapsed = self.next_batch(speed)
        advance_together(self.runs.values(), epochs, BATCH_BUDGET_S)
        if self.done:
            self.status = "finished"
        return start, max(elapsed, BATCH_S)

    # -- what the views need
    def reference(self, l2: float | None = None):
        """scikit-learn's log-loss optimum on the training rows with penalty ``l2``
        (the runs' by default)."""
        l2 = self.settings.l2 if l2 is None else float(l2)
        p = self.prep
        return memo("tr.reference", (p.digest, l2),
                    lambda: reference_optimum(p.X, p.y, l2), shared=p.shared)

    def surfaces(self) -> dict:
        """{loss: (w_values, b_values, J)} around the paths, for 1-D data."""
        p, l2 = self.prep, self.settings.l2
        if p.window is None:  # the start, the unpenalised optimum and the origin
            ref0 = self.reference(0.0)
            points = [p.start] + ([(ref0.w[0], ref0.b)] if ref0.finite else [])
            p.window = tuple(float(v) for v in surface_window(points))
        out = {}
        for loss in p.losses:
            out[loss] = memo(
                "tr.surface", (p.digest, p.window, loss, l2),
                lambda loss=loss: _surface(p.X[:, 0], p.y, p.window, loss, l2),
                shared=p.shared)
        return out


def session() -> TrainingSession | None:
    """This browser session's runs (None before the page first trained)."""
    value = st.session_state.get(SESSION_KEY)
    return value if isinstance(value, TrainingSession) else None


def sync(model: TrainingState, chosen: Chosen, *, start_pending: bool = False
         ) -> TrainingSession:
    """Create or update the session's runs from the controls.

    A change to the data, preprocessing, loss, start or seed starts afresh; a change
    to the optimiser settings continues from the current weights. On the first
    visit the runs train to the end (within ``FIRST_VISIT_BUDGET_S``), so the
    story, or a link's view, is on screen at once, unless a story is to run live.
    """
    signature, settings = Signature.of(model, chosen), RunSettings.of(model)
    old = session()
    if old is None or old.signature != signature:
        prep = prepare(chosen, signature)
        refusal = newton_refusal(prep, settings.optimizer)
        if refusal:
            raise ValueError(refusal)
        new = TrainingSession(signature, prep, settings, {})
        new.new_runs()
        if old is not None:
            new.story_data = old.story_data
            new.start_pending = old.start_pending
        else:
            new.start_pending = start_pending
        st.session_state[SESSION_KEY] = new
        if old is None and not new.start_pending:
            new.run_to_end(FIRST_VISIT_BUDGET_S)
        return new
    if old.settings != settings:
        refusal = newton_refusal(old.prep, settings.optimizer)
        if refusal:
            raise ValueError(refusal)
        old.retune(settings)
    return old
