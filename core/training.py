"""Gradient-based training of a logistic model ``z = X @ w + b``.

:func:`iter_train` yields one :class:`Step` per epoch so a page can draw training live
and stop at any point; :func:`train` runs it to the end and returns a :class:`History`.
Same seed, same data, same arguments: same result, bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .losses import _check_loss, _signed, margin_loss_and_dz
from .optimizers import OPTIMIZERS, make_optimizer

SGD_DEFAULT_BATCH = 32
# The cost "exploded" when it exceeds this multiple of its starting value (and 1.0):
# log loss can grow without bound, and a 1000-fold rise is never progress.
EXPLODE_FACTOR = 1e3
# Why a run stopped early (``TrainingRun.reason``, ``History.reason``): an update made
# the cost infinite or undefined (the run ends at the last finite point), or the cost
# exploded past EXPLODE_FACTOR times its start (that state is the last one).
NON_FINITE = "non_finite"
EXPLODED = "exploded"


@dataclass(frozen=True)
class Step:
    """The state after ``epoch`` epochs (0 is the starting point)."""

    epoch: int
    w: np.ndarray
    b: float
    cost: float
    grad_norm: float


@dataclass
class History:
    """A finished (or diverged) training run; every array ends at a finite point."""

    w: np.ndarray
    b: float
    cost: np.ndarray
    path_w: np.ndarray
    path_b: np.ndarray
    grad_norm: np.ndarray
    diverged: bool = False
    reason: str = ""
    settings: dict = field(default_factory=dict)

    @property
    def epochs_run(self) -> int:
        return len(self.cost) - 1


class TrainingRun:
    """Iterator over :class:`Step` s; once it stops, ``diverged`` and ``reason``
    (:data:`NON_FINITE` or :data:`EXPLODED`, ``""`` when it ran to the end) say why.

    Only finite states are ever yielded: when an update makes the cost non-finite the
    run stops before yielding it; when the cost explodes (finite but more than
    ``EXPLODE_FACTOR`` times the start) that state is yielded and the run stops.
    """

    def __init__(self, steps: Iterator[Step]):
        self._steps = steps
        self.diverged = False
        self.reason = ""

    def __iter__(self):
        return self

    def __next__(self) -> Step:
        return next(self._steps)


def _number(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}.") from None
    return number


def _whole(value, message: str, minimum: int) -> int:
    number = _number(value, message.split(" must")[0])
    if not (np.isfinite(number) and number == int(number) and number >= minimum):
        raise ValueError(message)
    return int(number)


def _validate(X, y_true, optimizer, loss, learning_rate, epochs, batch_size, l2, w0,
              b0=0.0, seed=0):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y_true, dtype=float)
    if X.ndim != 2:
        raise ValueError("X must be a 2-D array of shape (n_samples, n_features).")
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"y_true has {y.size} values but X has {X.shape[0]} rows; they must match."
        )
    if X.shape[0] == 0:
        raise ValueError("There are no training examples.")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains missing or infinite values.")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y_true must contain only 0 and 1.")
    _check_loss(loss)
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"Unknown optimizer {optimizer!r}: choose one of {', '.join(OPTIMIZERS)}."
        )
    learning_rate = _number(learning_rate, "The learning rate")
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError("The learning rate must be a positive number.")
    epochs = _whole(epochs, "epochs must be a whole number >= 0.", 0)
    if batch_size is not None:
        batch_size = _whole(
            batch_size, "batch_size must be a whole number >= 1 (or None).", 1
        )
    l2 = _number(l2, "The L2 strength")
    if not (np.isfinite(l2) and l2 >= 0):
        raise ValueError("The L2 strength must be a number >= 0.")
    b0 = _number(b0, "b0")
    if not np.isfinite(b0):
        raise ValueError("b0 must be a finite number.")
    try:
        np.random.default_rng(seed)
    except (TypeError, ValueError):
        message = f"The seed must be a whole number >= 0, not {seed!r}."
        raise ValueError(message) from None
    try:
        w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float).ravel()
    except (TypeError, ValueError):
        w = np.full(X.shape[1] + 1, np.nan)  # reported just below
    if w.shape != (X.shape[1],) or not np.all(np.isfinite(w)):
        d = X.shape[1]
        raise ValueError(
            f"w0 must hold {d} finite number{'s' if d > 1 else ''}, one per feature."
        )
    return X, y, w, b0, learning_rate, epochs, batch_size, l2


def iter_train(
    X,
    y_true,
    *,
    loss: str = "log",
    optimizer: str = "gd",
    learning_rate: float = 0.1,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    seed: int = 0,
    w0=None,
    b0: float = 0.0,
) -> TrainingRun:
    """Train step by step; yields the starting state, then one :class:`Step` per epoch.

    Optimizers: ``"gd"`` (full batch), ``"sgd"`` (shuffled mini-batches of
    ``batch_size``, 32 when None), ``"momentum"`` (heavy ball, 0.9) and ``"adam"``
    (0.9, 0.999, 1e-8), both full batch unless ``batch_size`` is given, and
    ``"newton"``: full Newton (IRLS) steps damped by ``learning_rate``; for ``"mse"``
    it uses the Gauss-Newton Hessian ``2 (p (1 - p))^2 x x^T``, which is never
    indefinite, since the exact one is where MSE's saddles live.

    ``cost`` is always the full-data cost; for full-batch optimizers the forward pass
    that gives the cost also gives the next gradient, so tracking it is nearly free.
    """
    X, y, w, b0, learning_rate, epochs, batch_size, l2 = _validate(
        X, y_true, optimizer, loss, learning_rate, epochs, batch_size, l2, w0, b0, seed
    )
    run = TrainingRun(iter(()))
    run._steps = _steps(
        run, X, y, w, b0, loss, optimizer, learning_rate, epochs, batch_size, l2, seed
    )
    return run


class _Work:
    """Per-run buffers of one value per example, reused by every full-data pass:
    fresh large arrays cost page faults and cache misses on each epoch."""

    def __init__(self, y: np.ndarray):
        n = len(y)
        self.m = _signed(y)  # 1 - 2y
        self.z, self.t, self.e = np.empty(n), np.empty(n), np.empty(n)
        self.num, self.den = np.empty(n), np.empty(n)


def _full(loss, X, y, w, b, l2, work: _Work | None = None):
    """Full-data cost, gradient and the logits ``z``.

    :func:`core.losses.margin_loss_and_dz` (the kernel behind
    :func:`core.loss_and_dz`, so the cost is bit for bit
    :func:`core.cost_and_gradient`'s), written in place into ``work``'s buffers.
    The returned ``z`` lives in ``work`` and is overwritten by the next call.
    """
    if work is None:
        work = _Work(y)
    z = np.matmul(X, w, out=work.z)
    z += b
    t = np.multiply(work.m, z, out=work.t)
    per, dz = margin_loss_and_dz(loss, work.m, t, work.e, work.den, work.num)
    n = len(y)
    cost = float(per.mean()) + 0.5 * l2 * float(w @ w)
    gw = X.T @ dz / n + l2 * w
    gb = float(dz.mean())
    return cost, gw, gb, z


# ------------------------------------------------------------------------ the loop
def _finite(w, b) -> bool:
    return bool(np.all(np.isfinite(w)) and np.isfinite(b))


def _minibatch_epoch(rule, loss, X, y, w, b, l2, batch_size, rng, work: _Work):
    """One pass over shuffled mini-batches; stops early once ``(w, b)`` is not
    finite. Each batch runs :func:`core.loss_and_dz`'s kernel in ``work``'s
    buffers (its first ``batch_size`` values)."""
    order = rng.permutation(len(y))
    for start in range(0, len(y), batch_size):
        idx = order[start : start + batch_size]
        k = len(idx)
        Xb, mb = X[idx], work.m[idx]
        t = np.multiply(mb, Xb @ w + b, out=work.t[:k])
        _, dz = margin_loss_and_dz(loss, mb, t, work.e[:k], work.den[:k],
                                   work.num[:k])
        w, b = rule.step(w, b, Xb.T @ dz / k + l2 * w, float(dz.mean()))
        if not _finite(w, b):
            break
    return w, b


def _steps(run, X, y, w, b, loss, optimizer, lr, epochs, batch_size, l2, seed):
    rng = np.random.default_rng(seed)
    work = _Work(y)
    cost, gw, gb, z = _full(loss, X, y, w, b, l2, work)
    if not np.isfinite(cost):
        raise ValueError("The starting point already gives an infinite cost.")
    limit = EXPLODE_FACTOR * max(cost, 1.0)
    yield Step(0, w.copy(), b, cost, _norm(gw, gb))

    rule = make_optimizer(optimizer, lr, loss=loss, X=X, l2=l2)
    minibatch = optimizer == "sgd" or (
        optimizer in ("momentum", "adam") and batch_size is not None
    )
    if optimizer == "sgd" and batch_size is None:
        batch_size = SGD_DEFAULT_BATCH
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            if minibatch:
                w, b = _minibatch_epoch(rule, loss, X, y, w, b, l2, batch_size, rng,
                                        work)
            else:
                w, b = rule.step(w, b, gw, gb, z)
            cost = np.inf
            if _finite(w, b):
                cost, gw, gb, z = _full(loss, X, y, w, b, l2, work)
            if not np.isfinite(cost):
                run.diverged, run.reason = True, NON_FINITE
                return
            yield Step(epoch, w.copy(), b, cost, _norm(gw, gb))
            if cost > limit:
                run.diverged, run.reason = True, EXPLODED
                return


def _norm(gw, gb) -> float:
    return float(np.sqrt(gw @ gw + gb * gb))


def train(
    X,
    y_true,
    *,
    loss: str = "log",
    optimizer: str = "gd",
    learning_rate: float = 0.1,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    seed: int = 0,
    w0=None,
    b0: float = 0.0,
) -> History:
    """Run :func:`iter_train` with the same arguments to the end; return the
    :class:`History`.

    ``cost``, ``path_w``, ``path_b`` and ``grad_norm`` have ``epochs_run + 1`` rows:
    the starting point, then one per epoch; a diverged run ends at its last finite
    point with ``diverged=True`` and ``reason`` (:data:`NON_FINITE` or
    :data:`EXPLODED`) saying what happened.
    """
    kwargs = dict(loss=loss, optimizer=optimizer, learning_rate=learning_rate,
                  epochs=epochs, batch_size=batch_size, l2=l2, seed=seed, w0=w0, b0=b0)
    run = iter_train(X, y_true, **kwargs)
    steps = list(run)
    return History(
        w=steps[-1].w,
        b=steps[-1].b,
        cost=np.array([s.cost for s in steps]),
        path_w=np.array([s.w for s in steps]),
        path_b=np.array([s.b for s in steps]),
        grad_norm=np.array([s.grad_norm for s in steps]),
        diverged=run.diverged,
        reason=run.reason,
        settings=dict(kwargs),
    )
