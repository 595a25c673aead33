"""Gradient-based training of a logistic model ``z = X @ w + b``.

:func:`iter_train` yields one :class:`Step` per epoch so a page can draw training live
and stop at any point; :func:`train` runs it to the end and returns a :class:`History`.
Same seed, same data, same arguments: same result, bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .losses import _check_loss, _signed, loss_and_dz, sigmoid

OPTIMIZERS = ("gd", "sgd", "momentum", "adam", "newton")
SGD_DEFAULT_BATCH = 32
MOMENTUM = 0.9
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
# The cost "exploded" when it exceeds this multiple of its starting value (and 1.0):
# log loss can grow without bound, and a 1000-fold rise is never progress.
EXPLODE_FACTOR = 1e3


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
    """Iterator over :class:`Step` s; once it stops, ``diverged`` and ``reason`` say
    why.

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

    The same operations as :func:`core.loss_and_dz` (so the cost is bit for bit
    :func:`core.cost_and_gradient`'s), written in place into ``work``'s buffers.
    The returned ``z`` lives in ``work`` and is overwritten by the next call.
    """
    if work is None:
        work = _Work(y)
    m, e = work.m, work.e
    z = np.matmul(X, w, out=work.z)
    z += b
    t = np.multiply(m, z, out=work.t)
    np.abs(t, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)  # e = exp(-|t|)
    den = np.add(e, 1.0, out=work.den)
    wrong = np.minimum(t, 0.0, out=work.num)  # sigmoid(t) = |p - y|
    np.exp(wrong, out=wrong)
    np.divide(wrong, den, out=wrong)
    if loss == "log":
        np.log1p(e, out=e)
        per = np.maximum(t, 0.0, out=t)
        per += e
        dz = np.multiply(m, wrong, out=wrong)
    else:  # mse: per = wrong**2, dz = 2 m wrong wrong right, right = sigmoid(-t)
        right = np.maximum(t, 0.0, out=e)
        np.negative(right, out=right)
        np.exp(right, out=right)
        np.divide(right, den, out=right)
        per = np.square(wrong, out=t)
        dz = np.multiply(m, 2.0, out=den)
        dz *= wrong
        dz *= wrong
        dz *= right
    n = len(y)
    cost = float(per.mean()) + 0.5 * l2 * float(w @ w)
    gw = X.T @ dz / n + l2 * w
    gb = float(dz.mean())
    return cost, gw, gb, z


def _steps(run, X, y, w, b, loss, optimizer, lr, epochs, batch_size, l2, seed):
    n, d = X.shape
    rng = np.random.default_rng(seed)
    work = _Work(y)
    cost, gw, gb, z = _full(loss, X, y, w, b, l2, work)
    if not np.isfinite(cost):
        raise ValueError("The starting point already gives an infinite cost.")
    start_cost = cost
    limit = EXPLODE_FACTOR * max(start_cost, 1.0)
    yield Step(0, w.copy(), b, cost, _norm(gw, gb))

    minibatch = optimizer == "sgd" or (
        optimizer in ("momentum", "adam") and batch_size is not None
    )
    if optimizer == "sgd" and batch_size is None:
        batch_size = SGD_DEFAULT_BATCH
    vw, vb = np.zeros(d), 0.0  # momentum / adam first moment
    sw, sb = np.zeros(d), 0.0  # adam second moment
    t = 0  # update counter (adam bias correction)

    def update(gw, gb):
        nonlocal w, b, vw, vb, sw, sb, t
        t += 1
        if optimizer in ("gd", "sgd"):
            w = w - lr * gw
            b = b - lr * gb
        elif optimizer == "momentum":
            vw = MOMENTUM * vw - lr * gw
            vb = MOMENTUM * vb - lr * gb
            w = w + vw
            b = b + vb
        else:  # adam
            b1, b2 = ADAM_BETAS
            vw = b1 * vw + (1 - b1) * gw
            vb = b1 * vb + (1 - b1) * gb
            sw = b2 * sw + (1 - b2) * gw * gw
            sb = b2 * sb + (1 - b2) * gb * gb
            c1, c2 = 1 - b1**t, 1 - b2**t
            w = w - lr * (vw / c1) / (np.sqrt(sw / c2) + ADAM_EPS)
            b = b - lr * (vb / c1) / (np.sqrt(sb / c2) + ADAM_EPS)

    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            if optimizer == "newton":
                w, b = _newton_step(loss, X, y, w, b, z, gw, gb, l2, lr)
            elif minibatch:
                order = rng.permutation(n)
                for start in range(0, n, batch_size):
                    idx = order[start : start + batch_size]
                    Xb = X[idx]
                    _, dz = loss_and_dz(loss, y[idx], Xb @ w + b)
                    update(Xb.T @ dz / len(idx) + l2 * w, float(dz.mean()))
                    if not (np.all(np.isfinite(w)) and np.isfinite(b)):
                        break
            else:
                update(gw, gb)
            if not (np.all(np.isfinite(w)) and np.isfinite(b)):
                cost = np.inf
            else:
                cost, gw, gb, z = _full(loss, X, y, w, b, l2, work)
            if not np.isfinite(cost):
                run.diverged = True
                run.reason = (
                    f"The cost became infinite or undefined at epoch {epoch}; "
                    f"the run stopped at epoch {epoch - 1}, its last finite point."
                )
                return
            yield Step(epoch, w.copy(), b, cost, _norm(gw, gb))
            if cost > limit:
                run.diverged = True
                run.reason = (
                    f"The cost exploded: it rose from {start_cost:.3g} to {cost:.3g} "
                    f"in {epoch} epoch{'s' if epoch > 1 else ''}."
                )
                return


def _norm(gw, gb) -> float:
    return float(np.sqrt(gw @ gw + gb * gb))


def _newton_step(loss, X, y, w, b, z, gw, gb, l2, lr):
    """One damped Newton (IRLS) step from the gradient and curvature at ``z``."""
    p = sigmoid(z)
    s = p * sigmoid(-z)  # p (1 - p) without cancellation
    if loss == "mse":
        s = 2.0 * s * s  # Gauss-Newton curvature of (p - y)^2
    n, d = X.shape
    Xs = X * s[:, None]
    H = np.empty((d + 1, d + 1))
    H[:d, :d] = X.T @ Xs / n + l2 * np.eye(d)
    H[:d, d] = H[d, :d] = Xs.sum(axis=0) / n
    H[d, d] = s.sum() / n
    g = np.append(gw, gb)
    # A tiny ridge keeps H solvable when the data are separable and p saturates.
    H[np.diag_indices(d + 1)] += 1e-12 * max(1.0, np.abs(H).max())
    try:
        step = np.linalg.solve(H, g)
    except np.linalg.LinAlgError:
        step = np.linalg.lstsq(H, g, rcond=None)[0]
    return w - lr * step[:d], b - lr * float(step[d])


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
    point with ``diverged=True`` and ``reason`` saying what happened.
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
