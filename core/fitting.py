"""Fitting a model around :func:`core.iter_train`: split, preprocess, reference
optimum, overfitting checks, and runs advanced epoch by epoch.

* a preprocessing pipeline (polynomial features, then standardisation) fitted on the
  training rows only, so the validation rows never leak into the mean and scale;
* a seeded, stratified train/validation split;
* accuracy, the best validation epoch, overfitting, and a reference optimum from
  scikit-learn's ``LogisticRegression`` with the same L2 penalty;
* :class:`LiveRun`, which advances a run a given number of epochs at a time and
  keeps the histories (training cost, validation loss, accuracies, gradient norm).

Words about a run (divergence advice, optimizer names) live in ``ui.advice``, the
wall-clock scheduling of live runs in ``ui.live_runs``, the model export in
``ui.exports``.
"""

from __future__ import annotations

import contextvars
import warnings
from dataclasses import dataclass, field

import numpy as np

from .losses import cost_and_gradient, cost_from_logits
from .training import NON_FINITE, iter_train


# --------------------------------------------------------------------- preprocessing
@dataclass(frozen=True)
class Preprocessor:
    """Polynomial features of the raw inputs, then (optionally) standardisation.

    ``mean`` and ``scale`` have one entry per output feature; without
    standardisation they are 0 and 1, so ``transform`` is always
    ``(poly(X) - mean) / scale``.
    """

    degree: int
    standardise: bool
    input_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray

    def transform(self, X) -> np.ndarray:
        """Map raw inputs ``(n_samples, n_inputs)`` to model features."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(self.input_names):
            raise ValueError(
                f"Expected {len(self.input_names)} input columns "
                f"({', '.join(self.input_names)})."
            )
        return (polynomial_features(X, self.degree)[0] - self.mean) / self.scale


def polynomial_features(X, degree: int, input_names=None):
    """scikit-learn's ``PolynomialFeatures(degree, include_bias=False)``.

    Returns ``(X_poly, names)``; degree 1 returns ``X`` itself (as float).
    """
    X = np.asarray(X, dtype=float)
    if int(degree) != degree or degree < 1:
        raise ValueError("The polynomial degree must be a whole number >= 1.")
    names = tuple(input_names) if input_names is not None else tuple(
        f"x{i + 1}" for i in range(X.shape[1])
    )
    if degree == 1:
        return X, names
    from sklearn.preprocessing import PolynomialFeatures

    poly = PolynomialFeatures(int(degree), include_bias=False)
    Xp = poly.fit_transform(X)
    return Xp, tuple(poly.get_feature_names_out(list(names)))


def fit_preprocessor(X_train, degree: int = 1, standardise: bool = True,
                     input_names=None) -> Preprocessor:
    """Fit the pipeline on the training rows only.

    Standardisation uses the population standard deviation (``ddof=0``, as
    scikit-learn's ``StandardScaler``); a constant column keeps scale 1.
    """
    X_train = np.asarray(X_train, dtype=float)
    if X_train.ndim != 2 or X_train.shape[0] == 0:
        raise ValueError("X_train must be a non-empty 2-D array.")
    Xp, names = polynomial_features(X_train, degree, input_names)
    d = Xp.shape[1]
    if standardise:
        mean = Xp.mean(axis=0)
        scale = Xp.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
    else:
        mean, scale = np.zeros(d), np.ones(d)
    in_names = tuple(input_names) if input_names is not None else tuple(
        f"x{i + 1}" for i in range(X_train.shape[1])
    )
    return Preprocessor(int(degree), bool(standardise), in_names, names, mean, scale)


def train_validation_split(y_true, validation_share: float, seed: int = 0):
    """Seeded, stratified split: ``(train_idx, val_idx)``, both sorted.

    Each class sends ``round(share * n_class)`` rows to validation, but always keeps
    at least one row in training so both classes are learned from.
    """
    y = np.asarray(y_true)
    if not 0 <= validation_share < 1:
        raise ValueError("The validation share must be at least 0 and below 1.")
    rng = np.random.default_rng(seed)
    val = []
    for cls in np.unique(y):
        rows = np.flatnonzero(y == cls)
        k = min(round(validation_share * len(rows)), len(rows) - 1)
        if k > 0:
            val.append(rng.permutation(rows)[:k])
    val_idx = np.sort(np.concatenate(val)) if val else np.array([], dtype=int)
    train_mask = np.ones(len(y), dtype=bool)
    train_mask[val_idx] = False
    return np.flatnonzero(train_mask), val_idx


def accuracy(y_true, logits) -> float:
    """Share of correct decisions, predicting positive iff ``sigmoid(z) >= 0.5``."""
    y = np.asarray(y_true)
    if y.size == 0:
        return float("nan")
    return float(np.mean((np.asarray(logits) >= 0) == (y == 1)))


# ----------------------------------------------------------------------- work bounds
# One training epoch costs about rows x features multiply-adds per pass (forward
# and backward: two mat-vecs); Newton's adds the Hessian, rows x features^2, and its
# solve, features^3. Above EPOCH_BUDGET (about 0.1 s a pass on a busy two-core
# machine) the epoch is too long to show progress and answer Pause between epochs.
EPOCH_BUDGET = 20_000_000


def epoch_cost(n_rows: int, n_features: int, optimizer: str = "gd") -> int:
    """Multiply-adds of one epoch of ``optimizer`` on ``(n_rows, n_features)``."""
    n, d = int(n_rows), max(int(n_features), 1)
    cost = 2 * n * d
    if optimizer == "newton":
        cost += n * d * d + d**3
    return cost


def training_rows(n_rows: int, n_features: int,
                  budget: int = EPOCH_BUDGET) -> int:
    """How many training rows keep a gradient epoch within ``budget``."""
    return min(int(n_rows), max(budget // epoch_cost(1, n_features), 2))


def stratified_subsample(y_true, rows: int, seed: int = 0) -> np.ndarray:
    """About ``rows`` row indices, stratified by class (each class keeps its share
    and at least one row), seeded, sorted."""
    y = np.asarray(y_true)
    rng = np.random.default_rng(seed)
    picked = []
    for cls in np.unique(y):
        idx = np.flatnonzero(y == cls)
        k = max(1, round(rows * len(idx) / len(y)))
        picked.append(rng.choice(idx, size=min(k, len(idx)), replace=False))
    return np.sort(np.concatenate(picked))


# ------------------------------------------------------------------------ reference
# The reference fit's work is bounded before it starts: lbfgs costs about
# rows x features per function evaluation and a few evaluations per iteration, so
# rows x features x iterations is its cost. 40 million such units take 1-3 s on a
# busy two-core machine (degree 12 on 10,000 moons points, uncapped: 126 s).
REFERENCE_BUDGET = 40_000_000
REFERENCE_MAX_ITER = 20_000  # what an uncapped fit may take
REFERENCE_MIN_ITER = 200  # fewer rows rather than fewer iterations below this


@dataclass(frozen=True)
class ReferencePlan:
    """How much of the data the reference fit may use: ``rows`` of ``n_rows`` (a
    seeded subsample when fewer) and at most ``max_iter`` lbfgs iterations, so
    ``rows * n_features * max_iter`` stays within the budget."""

    rows: int
    n_rows: int
    n_features: int
    max_iter: int

    @property
    def subsampled(self) -> bool:
        return self.rows < self.n_rows

    @property
    def cost(self) -> int:
        return self.rows * self.n_features * self.max_iter


def reference_plan(n_rows: int, n_features: int,
                   budget: int = REFERENCE_BUDGET) -> ReferencePlan:
    """The bounded plan for a reference fit on ``(n_rows, n_features)`` data: all
    rows and up to ``REFERENCE_MAX_ITER`` iterations when that fits the budget;
    else fewer iterations, down to ``REFERENCE_MIN_ITER``; below that, a row
    subsample of the size the budget allows at ``REFERENCE_MIN_ITER`` iterations."""
    d = max(int(n_features), 1)
    n = int(n_rows)
    rows = min(n, max(budget // (d * REFERENCE_MIN_ITER), 2))
    max_iter = min(REFERENCE_MAX_ITER, max(budget // (d * max(rows, 1)),
                                           REFERENCE_MIN_ITER))
    return ReferencePlan(rows, n, d, int(max_iter))


@dataclass(frozen=True)
class Reference:
    """scikit-learn's optimum of the same penalised log-loss cost, when it exists.

    ``rows`` and ``n_rows``: the fit used ``rows`` of the ``n_rows`` training rows
    (a seeded subsample when fewer: see :func:`reference_plan`); ``converged`` is
    False when it stopped at its iteration cap ``max_iter``."""

    finite: bool
    w: np.ndarray | None
    b: float | None
    cost: float | None
    C: float | None
    # why there is no finite reference: "one_class" or "separable"; "" when finite
    missing: str = ""
    rows: int = 0
    n_rows: int = 0
    max_iter: int = REFERENCE_MAX_ITER
    converged: bool = True

    @property
    def capped(self) -> bool:
        """The fit was bounded: a subsample of the rows or an iteration cap hit."""
        return self.rows < self.n_rows or not self.converged


def sklearn_C(l2: float, n_samples: int) -> float | None:
    """``C = 1 / (l2 * n)``: scikit-learn's C for our ``mean loss + l2/2 ||w||^2``.

    scikit-learn minimises ``C * sum(loss) + ||w||^2 / 2``; dividing by ``C * n``
    gives ``mean(loss) + ||w||^2 / (2 C n)``, so ``l2 = 1 / (C n)``. ``None`` for
    ``l2 == 0`` (no penalty).
    """
    if l2 < 0 or n_samples < 1:
        raise ValueError("Need l2 >= 0 and at least one sample.")
    return None if l2 == 0 else 1.0 / (l2 * n_samples)


def is_separable(X, y_true) -> bool:
    """True when some hyperplane puts every positive strictly on one side.

    Exact, as a linear-programming feasibility problem: find ``(w, b)`` with
    ``(2y - 1)(X w + b) >= 1`` for every row (any strict separator can be scaled
    to meet it).
    """
    from scipy.optimize import linprog

    X = np.asarray(X, dtype=float)
    s = 2.0 * np.asarray(y_true, dtype=float) - 1.0
    if np.all(s == s[0]):
        return True
    A = -s[:, None] * np.hstack([X, np.ones((len(s), 1))])
    res = linprog(
        np.zeros(X.shape[1] + 1), A_ub=A, b_ub=-np.ones(len(s)),
        bounds=[(None, None)] * (X.shape[1] + 1), method="highs",
    )
    return res.status == 0


def reference_optimum(X, y_true, l2: float,
                      budget: int = REFERENCE_BUDGET) -> Reference:
    """Minimise ``mean log loss + (l2/2)||w||^2`` with scikit-learn (lbfgs, tight tol).

    With ``l2 == 0`` and separable data the cost has no minimum (it keeps falling as
    the weights grow), so no finite reference exists: ``missing="separable"``.
    The work is bounded by ``budget`` (:func:`reference_plan`): above it the fit
    uses a stratified, seeded row subsample and an iteration cap, and says so in
    ``rows`` and ``converged``; ``cost`` is then the cost of that fit on all rows.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    X = np.asarray(X, dtype=float)
    y = np.asarray(y_true, dtype=float)
    n = len(y)
    plan = reference_plan(n, X.shape[1], budget)
    bounds = {"rows": plan.rows, "n_rows": n, "max_iter": plan.max_iter}
    if len(np.unique(y)) < 2:
        return Reference(False, None, None, None, None, missing="one_class", **bounds)
    if plan.subsampled:
        rows = stratified_subsample(y, plan.rows)
        X_fit, y_fit = X[rows], y[rows]
        bounds["rows"] = len(rows)
    else:
        X_fit, y_fit = X, y
    C = sklearn_C(l2, len(y_fit))
    if C is None and is_separable(X_fit, y_fit):
        return Reference(False, None, None, None, None, missing="separable", **bounds)
    # C = inf is scikit-learn's spelling of "no penalty" (penalty=None is deprecated).
    model = LogisticRegression(
        C=np.inf if C is None else C, solver="lbfgs", tol=1e-12,
        max_iter=plan.max_iter,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_fit, y_fit)
    w = model.coef_.ravel().astype(float)
    b = float(model.intercept_[0])
    cost = cost_from_logits("log", y, X @ w + b, w, l2)
    converged = bool(model.n_iter_[0] < plan.max_iter)
    return Reference(True, w, b, cost, C, converged=converged, **bounds)


def squared_error_optimum(X, y_true, l2: float, start: Reference | None = None
                          ) -> float | None:
    """The lowest ``mean (sigmoid(z) - y)^2 + (l2/2)||w||^2`` that L-BFGS finds, as
    a reference line for MSE runs; None if it finds no finite one.

    MSE through a sigmoid is not convex, so this is a local minimum: L-BFGS starts
    at the log-loss optimum ``start`` (finite), which lies in the same valley as
    MSE's own minimum on ordinary data, or at w = 0, b = 0. With separable data and
    no penalty the cost keeps falling towards 0 as the weights grow; the minimiser
    stops where its steps no longer lower it, which is the value the runs approach.
    """
    from scipy.optimize import minimize

    X = np.asarray(X, dtype=float)
    y = np.asarray(y_true, dtype=float)
    n_features = X.shape[1]
    theta0 = np.zeros(n_features + 1)
    if start is not None and start.finite:
        theta0 = np.append(np.asarray(start.w, dtype=float), start.b)

    def fun(theta):
        J, gw, gb = cost_and_gradient("mse", X, y, theta[:-1], theta[-1], l2)
        return J, np.append(gw, gb)

    with np.errstate(all="ignore"):
        result = minimize(fun, theta0, jac=True, method="L-BFGS-B",
                          options={"maxiter": 2_000, "gtol": 1e-10, "ftol": 1e-15})
    cost = float(result.fun)
    return cost if np.isfinite(cost) else None


def best_validation_epoch(val_cost) -> int | None:
    """Index (epoch) of the lowest validation loss; the first on ties."""
    v = np.asarray(val_cost, dtype=float)
    if v.size == 0 or not np.any(np.isfinite(v)):
        return None
    return int(np.nanargmin(np.where(np.isfinite(v), v, np.nan)))


def is_overfitting(train_cost, val_cost, min_rise: float = 0.05) -> bool:
    """Validation loss ended ``min_rise`` (relative, 5%: smaller wiggles are noise
    of a finite validation set) above its best while the training cost kept falling
    after that best epoch."""
    best = best_validation_epoch(val_cost)
    if best is None:
        return False
    v, t = np.asarray(val_cost), np.asarray(train_cost)
    return bool(v[-1] > v[best] * (1 + min_rise) and t[-1] < t[best])


# ------------------------------------------------------------------------ live runs
@dataclass
class LiveRun:
    """One training run advanced a given number of epochs at a time, with its histories.

    Wraps :func:`core.iter_train` on the (already preprocessed) training rows and
    evaluates each yielded state on the validation rows. The iterator lives inside,
    so momentum and Adam keep their state across :meth:`advance` calls.
    :meth:`retune` continues from the current ``(w, b)`` with new optimiser settings
    (a fresh iterator: momentum and Adam moments restart from zero).
    """

    loss: str
    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    settings: dict
    w0: np.ndarray
    b0: float
    epoch: list = field(default_factory=list)
    cost: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    path_w: list = field(default_factory=list)
    path_b: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    done: bool = False
    diverged: bool = False
    non_finite: bool = False
    reason: str = ""
    retunes: int = 0

    def __post_init__(self):
        self._offset = 0
        # iter_train's generator keeps ``np.errstate`` open across its yields, and
        # NumPy 2 keeps errstate in a context variable: entering it in one
        # contextvars.Context and leaving it in another raises ValueError. A page
        # resumes the run from a new Context on every rerun, so every ``next`` runs
        # inside this one private Context instead.
        self._ctx = contextvars.Context()
        self._run = self._start(self.w0, self.b0, int(self.settings["epochs"]))
        self._record(self._next())

    def _next(self):
        return self._ctx.run(next, self._run)

    def close(self) -> None:
        """Close the iterator inside its own Context (see ``__post_init__``)."""
        run = getattr(self, "_run", None)
        if run is not None:
            self._ctx.run(run._steps.close)

    def __del__(self):
        self.close()

    def _start(self, w, b, epochs):
        s = self.settings
        return iter_train(
            self.X, self.y, loss=self.loss, optimizer=s["optimizer"],
            learning_rate=float(s["learning_rate"]), epochs=int(epochs),
            batch_size=s.get("batch_size"), l2=float(s["l2"]), seed=int(s["seed"]),
            w0=w, b0=float(b),
        )

    def _record(self, step) -> None:
        self.epoch.append(step.epoch + self._offset)
        self.cost.append(step.cost)
        self.grad_norm.append(step.grad_norm)
        self.path_w.append(step.w)
        self.path_b.append(step.b)
        self.train_acc.append(accuracy(self.y, self.X @ step.w + step.b))
        if len(self.y_val):
            z = self.X_val @ step.w + step.b
            self.val_loss.append(cost_from_logits(self.loss, self.y_val, z))
            self.val_acc.append(accuracy(self.y_val, z))

    @property
    def epochs_run(self) -> int:
        return self.epoch[-1]

    @property
    def w(self) -> np.ndarray:
        return self.path_w[-1]

    @property
    def b(self) -> float:
        return self.path_b[-1]

    def advance(self, max_epochs: int) -> int:
        """Run up to ``max_epochs`` more epochs; return how many were run."""
        done = 0
        while not self.done and done < max_epochs:
            try:
                step = self._next()
            except StopIteration:
                self._finish()
                break
            self._record(step)
            done += 1
            if self._run.diverged:  # the explosion step was yielded; stop here
                self._finish()
                break
        if not self.done and self.epochs_run >= int(self.settings["epochs"]):
            self._finish()
        return done

    def _finish(self) -> None:
        self.done = True
        self.diverged = bool(self._run.diverged)
        self.reason = self._run.reason
        self.non_finite = self.diverged and self.reason == NON_FINITE

    def retune(self, settings: dict) -> None:
        """Continue from the current ``(w, b)`` with new optimiser settings.

        ``settings["epochs"]`` stays the total; a diverged run stays stopped.
        """
        self.settings = dict(settings)
        if self.diverged:
            return
        remaining = int(settings["epochs"]) - self.epochs_run
        self.done = remaining <= 0
        self.retunes += 1
        if self.done:
            return
        self._offset = self.epochs_run
        self.close()
        self._run = self._start(self.w, self.b, remaining)
        self._next()  # its epoch 0 is our current state, already recorded

    def arrays(self) -> dict:
        """Histories as float arrays (``path_w`` has shape ``(len, n_features)``)."""
        return {
            "epoch": np.asarray(self.epoch, dtype=float),
            "cost": np.asarray(self.cost, dtype=float),
            "grad_norm": np.asarray(self.grad_norm, dtype=float),
            "path_w": np.asarray(self.path_w, dtype=float),
            "path_b": np.asarray(self.path_b, dtype=float),
            "val_loss": np.asarray(self.val_loss, dtype=float),
            "train_acc": np.asarray(self.train_acc, dtype=float),
            "val_acc": np.asarray(self.val_acc, dtype=float),
        }
