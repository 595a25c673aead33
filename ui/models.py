"""The typed state of each page, and of the sidebar's dataset choice.

One frozen dataclass per page (see ``ui/state.py`` for how they live in the session
and in the URL). A field holds a plain value or a short code; pages turn codes into
words with their ``format_func``. Choices that several modules need (learning rates,
epochs, ...) are defined here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ui.state import Model, choice, flag, number, records, span, text

MAX_FILE_NAME = 120  # characters of an uploaded file's name kept for the URL
MAX_COLUMN_NAME = 120

# -------------------------------------------------------------------------- frame
LESSONS = ("", "log_loss", "threshold")  # "" is no lesson


@dataclass(frozen=True)
class FrameState(Model):
    """How the app is shown, on every page: presentation mode (no sidebar or
    Streamlit chrome, larger type) and the lesson step on screen, if any."""

    KEY = "app"
    EVERY_PAGE = True
    present: bool = flag(False)
    lesson: str = choice("", LESSONS)
    step: int = number(0, 0, 99, integer=True)


# ------------------------------------------------------------------------ sidebar
BUILT_IN = ("tumour", "one_d", "blobs", "moons", "circles", "breast_cancer")
UPLOADED = "uploaded"


@dataclass(frozen=True)
class DatasetState(Model):
    """The sidebar's choice: a built-in dataset and its generator settings, or the
    session's upload (named by file and row count, so a link can ask for it)."""

    KEY = "ds"
    EVERY_PAGE = True
    name: str = choice("one_d", (*BUILT_IN, UPLOADED))
    n: int = number(200, 20, 10_000, integer=True)
    separation: float = number(2.0, 0.0, 6.0, param="sep")
    noise: float = number(1.0, 0.1, 3.0)
    balance: float = number(0.5, 0.05, 0.95)
    seed: int = number(0, 0, 10_000, integer=True)
    file: str = text("", MAX_FILE_NAME)
    rows: int | None = number(None, 0, 10**13, integer=True, optional=True)


# ----------------------------------------------------------------- loss functions
@dataclass(frozen=True)
class LossFunctionsState(Model):
    KEY = "lf"
    label: int = choice(1, (1, 0), param="y")
    mode: str = choice("z", ("z", "p"))  # move the point by its logit or probability
    z: float = number(-4.0, -10.0, 10.0)
    p: float = number(0.02, 0.001, 0.999)
    axis: str = choice("p", ("p", "z"))  # plot the curves against p or z
    log_x: bool = flag(False, param="far")
    wrong_side: bool = flag(True, param="wrong")


# ------------------------------------------------------------------ cost surfaces
@dataclass(frozen=True)
class CostSurfacesState(Model):
    """None means "the default for these data" (the fitted optimum's window and
    its largest-weight parameter)."""

    KEY = "cs"
    first: int | None = number(None, 0, 10_000, integer=True, optional=True)
    second: int | None = number(None, 0, 10_000, integer=True, optional=True)
    a_range: tuple[float, float] | None = span(None, -1e6, 1e6, param="a",
                                               optional=True)
    c_range: tuple[float, float] | None = span(None, -1e6, 1e6, param="c",
                                               optional=True)
    resolution: int = choice(101, range(11, 202, 10), param="res")
    slice_at: float = number(0.5, 0.0, 1.0, param="slice")
    log_z: bool = flag(False, param="logz")


# ------------------------------------------------------------------ walk one example
WALK_SOURCES = ("fit", "trained")  # the model: fitted here, or the Training page's
MAX_TYPED = 120  # characters of a typed row (a URL value holds at most 120)


@dataclass(frozen=True)
class WalkState(Model):
    """One example followed through the model: a row of the chosen data (or a typed
    one, ``x`` as comma-separated numbers, with its label), the polynomial degree of
    the fitted model, and a nudge of its weights (``w_scale`` times, ``b_shift``
    added) to see every number move."""

    KEY = "walk"
    row: int = number(0, 0, 10**7, integer=True)
    typed: bool = flag(False)
    x: str = text("", MAX_TYPED)
    label: int = choice(1, (1, 0), param="y")
    degree: int = number(1, 1, 6, integer=True)
    source: str = choice("fit", WALK_SOURCES, param="src")
    w_scale: float = number(1.0, -3.0, 3.0, param="ws")
    b_shift: float = number(0.0, -10.0, 10.0, param="bs")


# ----------------------------------------------------------------------- training
LR_VALUES = tuple([round(m * 10.0**e, 6) for e in range(-4, 2) for m in (1, 2, 3, 5)]
                  + [100.0])
EPOCH_VALUES = (10, 20, 50, 100, 200, 300, 500, 1000, 2000, 5000)
L2_VALUES = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
BATCH_VALUES = (1, 8, 16, 32, 64, 128, 256, 1024)
VAL_VALUES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
SPEED_VALUES = ("auto", 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
LOSS_MODES = ("both", "log", "mse")
OPTIMIZERS = ("gd", "sgd", "momentum", "adam", "newton")
STORIES = ("", "mse", "lr", "overfit")  # "" is no story


@dataclass(frozen=True)
class TrainingState(Model):
    KEY = "tr"
    loss: str = choice("both", LOSS_MODES)
    optimizer: str = choice("gd", OPTIMIZERS, param="opt")
    lr: float = choice(1.0, LR_VALUES)
    epochs: int = choice(300, EPOCH_VALUES)
    batch: int = choice(32, BATCH_VALUES)
    l2: float = choice(0.0, L2_VALUES)
    degree: int = number(1, 1, 12, integer=True)
    standardise: bool = flag(True, param="std")
    w0: float = number(-4.0, -10.0, 10.0)
    b0: float = number(4.0, -10.0, 10.0)
    seed: int = number(0, 0, 10_000, integer=True)
    val: float = choice(0.3, VAL_VALUES)
    speed: str | int = choice("auto", SPEED_VALUES)
    story: str = choice("", STORIES)


@dataclass(frozen=True)
class TrainedScores:
    """What the Training page hands the Threshold page: a stopped model's scores
    (probabilities) on its validation rows, and which model made them."""

    y_true: np.ndarray
    scores: np.ndarray
    label: str


# ---------------------------------------------------------------------- threshold
SOURCES = ("builtin", "trained", "upload", "warehouse")
PER_CHOICES = (1, 100, 1_000, 10_000, 100_000, 1_000_000)
VIEWS = ("threshold", "scenarios", "uncertainty", "calibration", "method", "export",
         "segments")
MONEY_LIMIT = 1e12
MAX_SCENARIOS = 6  # named cost matrices kept for comparison
MAX_SCENARIO_NAME = 30  # characters
PERIODS = ("day", "week", "month")
Scenario = tuple[str, float, float, float, float]  # name and TP, FP, FN, TN costs


@dataclass(frozen=True)
class ThresholdState(Model):
    """``threshold`` None is the scale's default (0.5, or 0 for raw scores);
    ``base_rate`` None means production looks like the data. Capacity: ``cap`` is
    a cap on the share of cases flagged, ``cap_count`` one of ``cap_count`` cases
    per ``period`` when ``cap_cases`` arrive per period (it wins when a link holds
    both); both None is no cap. ``scenarios`` are named cost matrices
    (``Scenario``), compared on the "scenarios" view."""

    KEY = "thr"
    source: str = choice("builtin", SOURCES, param="src")
    threshold: float | None = number(None, -1e15, 1e15, param="t", optional=True)
    cost_tp: float = number(0.0, -MONEY_LIMIT, MONEY_LIMIT, param="tp")
    cost_fp: float = number(10.0, -MONEY_LIMIT, MONEY_LIMIT, param="fp")
    cost_fn: float = number(30.0, -MONEY_LIMIT, MONEY_LIMIT, param="fn")
    cost_tn: float = number(0.0, -MONEY_LIMIT, MONEY_LIMIT, param="tn")
    currency: str = text("$", 5, param="cur")
    per: int = choice(1_000, PER_CHOICES)
    base_rate: float | None = number(None, 0.001, 0.999, param="base", optional=True)
    cap: float | None = number(None, 0.0, 1.0, param="cap", optional=True)
    cap_count: float | None = number(None, 0.0, 1e12, param="capn", optional=True)
    cap_cases: float = number(1000.0, 1.0, 1e12, param="capof")
    period: str = choice("day", PERIODS)
    scenarios: tuple[Scenario, ...] = records(
        columns=4, max_rows=MAX_SCENARIOS, max_name=MAX_SCENARIO_NAME,
        lo=-MONEY_LIMIT, hi=MONEY_LIMIT, param="sc")
    bins: str = choice("uniform", ("uniform", "quantile"))  # calibration bins
    sigmoid: bool = flag(False)
    curves: bool = flag(False)  # the curves with the threshold marked, under it
    view: str = choice("threshold", VIEWS)
    file: str = text("", MAX_FILE_NAME)
    rows: int | None = number(None, 0, 10**13, integer=True, optional=True)
    label_column: str = text("", MAX_COLUMN_NAME, param="label")
    score_column: str = text("", MAX_COLUMN_NAME, param="score")
    weight_column: str = text("", MAX_COLUMN_NAME, param="weight")
    segment_column: str = text("", MAX_COLUMN_NAME, param="segment")  # "" for none


# ---------------------------------------------------------------------- warehouse
WAREHOUSE_KINDS = ("database", "folder", "upload")


@dataclass(frozen=True)
class WarehouseState(Model):
    """The Threshold page's "database or data folder" source (``ui/warehouse.py``):
    where the rows are (``kind``: the configured database, the server's data folder,
    or a large upload), which table or file, its columns (weight and segment ""
    for none), the optional filter, and the segment shown ("" for all)."""

    KEY = "wh"
    kind: str = choice("database", WAREHOUSE_KINDS)
    table: str = text("", 2 * MAX_COLUMN_NAME + 1)
    label: str = text("", MAX_COLUMN_NAME)
    score: str = text("", MAX_COLUMN_NAME)
    weight: str = text("", MAX_COLUMN_NAME)
    segment: str = text("", MAX_COLUMN_NAME)
    where: str = text("", 500)
    part: str = text("", 200)
