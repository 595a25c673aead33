"""Per-example losses, their gradients and the regularised cost, in logits space.

Conventions (see ``shared/API.md``): ``y_true`` holds 0/1 labels, ``logits`` is the
raw score ``z = X @ w + b`` and ``y_pred = sigmoid(logits)``.

Both losses are written through the *signed margin* ``t = m * z`` with
``m = 1 - 2 * y`` (``m = -1`` for a positive, ``+1`` for a negative). ``sigmoid(t)`` is
then exactly ``|y_pred - y|``, the probability the model puts on the wrong class, and
computing it from ``t`` instead of as ``1 - y_pred`` keeps every digit when the model is
confidently right or wrong.
"""

from __future__ import annotations

import numpy as np

LOSSES = ("log", "mse")


def _signed(y_true: np.ndarray) -> np.ndarray:
    """``m = 1 - 2y``: -1 for positives, +1 for negatives."""
    return 1.0 - 2.0 * np.asarray(y_true, dtype=float)


def logistic_kernel(t, e, *, softplus=None, sigmoid=None, sigmoid_neg=None,
                    den=None) -> None:
    """The one softplus/sigmoid kernel: every loss, surface and training epoch
    evaluates its margins ``t`` through it, in place, into preallocated buffers.

    With ``e = exp(-|t|) <= 1`` (written into the scratch buffer ``e``; ``exp`` never
    sees a positive argument, so it cannot overflow):

    * ``sigmoid <- exp(min(t, 0)) / (1 + e)``, the numerator exactly 1 or ``e``;
    * ``sigmoid_neg <- exp(-max(t, 0)) / (1 + e)``: ``sigmoid(-t) = 1 - sigmoid(t)``
      without the cancellation of ``1 - p`` when ``p`` is close to 1;
    * ``softplus <- max(t, 0) + log1p(e)`` = ``log(1 + exp(t))``: exact at
      ``t = -40`` (``log1p`` keeps 4.25e-18) and at ``t = 1e20`` (no ``exp(t)``).

    Each output is an array shaped like ``t``, or None when not wanted. ``den``
    receives ``1 + e`` when given or when a sigmoid is wanted (by default ``e``
    itself when nothing later needs ``e``, else a new array); ``e`` keeps
    ``exp(-|t|)`` unless ``softplus`` or ``sigmoid_neg`` is wanted. Order: the
    sigmoids, then ``softplus``, then ``sigmoid_neg``; so ``softplus`` may be ``t``
    itself, ``sigmoid`` may be ``t`` when it is the only output, and
    ``sigmoid_neg`` may be ``e``. Works in ``t``'s dtype.
    """
    np.abs(t, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)  # e = exp(-|t|)
    if sigmoid is not None or sigmoid_neg is not None or den is not None:
        if den is None:
            reuse = softplus is None and sigmoid_neg is None
            den = e if reuse else np.empty_like(e)
        np.add(e, 1.0, out=den)
    if sigmoid is not None:
        np.minimum(t, 0.0, out=sigmoid)
        np.exp(sigmoid, out=sigmoid)
        np.divide(sigmoid, den, out=sigmoid)
    if softplus is not None:
        np.log1p(e, out=e)
        np.maximum(t, 0.0, out=softplus)
        np.add(softplus, e, out=softplus)
    if sigmoid_neg is not None:
        np.maximum(t, 0.0, out=sigmoid_neg)
        np.negative(sigmoid_neg, out=sigmoid_neg)
        np.exp(sigmoid_neg, out=sigmoid_neg)
        np.divide(sigmoid_neg, den, out=sigmoid_neg)


def _margins(t) -> tuple[np.ndarray, bool]:
    """A fresh float copy of ``t`` with at least one dimension (the kernel writes in
    place), and whether ``t`` was a scalar."""
    t = np.asarray(t, dtype=float)
    return np.array(t, ndmin=1), t.ndim == 0


def _out(values: np.ndarray, scalar: bool):
    return values[0] if scalar else values


def sigmoid(z):
    """Logistic function ``1 / (1 + exp(-z))``, elementwise.

    Evaluated as ``exp(min(z, 0)) / (1 + exp(-|z|))`` by :func:`logistic_kernel`: the
    numerator is exactly 1 or ``e = exp(-|z|) <= 1``, so ``exp`` never overflows: no
    warning for any float ``z``, including ``+-inf``. One more vectorised ``exp``
    costs far less than ``np.where`` picking between the two element by element.
    """
    t, scalar = _margins(z)
    logistic_kernel(t, np.empty_like(t), sigmoid=t)
    return _out(t, scalar)


def softplus(t):
    """``log(1 + exp(t))`` without overflow or loss of small values.

    Evaluated as ``max(t, 0) + log1p(exp(-|t|))`` by :func:`logistic_kernel`:
    ``exp`` only ever sees ``-|t| <= 0`` so it cannot overflow, and ``log1p`` keeps
    tiny values, so the result is exact for ``t = -40`` (about 4.25e-18, where
    ``log(1 + exp(t))`` would round to 0) and for ``t = 1e20`` (where ``exp(t)``
    would overflow).

    This is the formula of ``np.logaddexp(0, t)`` (both within one unit in the last
    place of the true value, checked against 40-digit mpmath), but NumPy runs ``exp``
    and ``log1p`` vectorised, about five times faster than ``logaddexp``'s scalar
    loop; and since :func:`loss_and_dz`, the cost surfaces and training all use the
    same kernel, their losses are bit for bit :func:`log_loss`.
    """
    t, scalar = _margins(t)
    logistic_kernel(t, np.empty_like(t), softplus=t)
    return _out(t, scalar)


def log_loss(y_true, logits) -> np.ndarray:
    """Per-example binary cross-entropy computed from the logits.

    Formula: ``-y log(p) - (1 - y) log(1 - p)`` with ``p = sigmoid(z)``, for
    ``y`` in {0, 1} and any real ``z``; no reduction (shape ``(n_samples,)``).

    Stable form: the loss equals ``softplus(m * z)`` with ``m = 1 - 2y`` (for a
    positive, ``-log p = log(1 + exp(-z))``). Going through ``p`` first breaks twice:
    ``p`` rounds to exactly 1 once ``z > 37`` so ``log(1 - p)`` is ``-inf``, and
    ``log(p)`` for very negative ``z`` is ``-inf`` once ``exp`` underflows. In logits
    space the loss stays finite and exact: ``1e20`` at ``z = -1e20`` for a positive.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), values in {0, 1}
    logits : array-like of shape (n_samples,), any float

    Returns
    -------
    ndarray of shape (n_samples,), each ``>= 0``.
    """
    return softplus(_signed(y_true) * np.asarray(logits, dtype=float))


def squared_loss(y_true, logits) -> np.ndarray:
    """Per-example squared error of the sigmoid output, ``(sigmoid(z) - y)^2``.

    No ``1/2`` factor; no reduction (shape ``(n_samples,)``); bounded in ``[0, 1]``.
    Computed as ``sigmoid(m * z) ** 2`` with ``m = 1 - 2y``, which is ``|p - y|``
    squared without the cancellation of ``1 - p`` when ``p`` is close to 1.
    """
    return sigmoid(_signed(y_true) * np.asarray(logits, dtype=float)) ** 2


def naive_log_loss(y_true, y_pred) -> np.ndarray:
    """The textbook formula on probabilities, ``-y log(p) - (1 - y) log(1 - p)``.

    No clipping, no epsilon, no logits: it returns ``inf`` when a probability has
    rounded to exactly 0 or 1 and ``nan`` where ``0 * log(0)`` appears. It exists so the
    app can show why the logits-space :func:`log_loss` matters. Warnings are silenced
    because the inf and nan are the point.
    """
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(y_pred)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return -y * np.log(p) - (1.0 - y) * np.log(1.0 - p)


def loss_and_dz(loss: str, y_true, logits) -> tuple[np.ndarray, np.ndarray]:
    """Per-example loss and its derivative with respect to the logit ``z``.

    * ``"log"``: ``dL/dz = p - y``; it tends to +-1 when the model is confidently
      wrong, so learning never stalls there.
    * ``"mse"``: ``dL/dz = 2 (p - y) p (1 - p)``; the factor ``p (1 - p)`` vanishes when
      the model is confidently wrong, which is where MSE's plateaus come from.

    With ``t = m z`` and ``e = exp(-|t|)``: ``|p - y| = sigmoid(t)`` is
    ``exp(min(t, 0)) / (1 + e)`` and ``1 - |p - y| = sigmoid(-t)`` is
    ``exp(-max(t, 0)) / (1 + e)``, each numerator exactly 1 or ``e``: both come
    from :func:`logistic_kernel`, through :func:`margin_loss_and_dz` (the same
    in-place code a training epoch runs).
    """
    _check_loss(loss)
    m = _signed(y_true)
    t = m * np.asarray(logits, dtype=float)  # a fresh array: the kernel writes on it
    scalar = t.ndim == 0
    if scalar:
        t = t.reshape(1)
    if m.shape != t.shape:
        m = np.broadcast_to(m, t.shape)
    per, dz = margin_loss_and_dz(
        loss, m, t, np.empty_like(t), np.empty_like(t), np.empty_like(t)
    )
    return _out(per, scalar), _out(dz, scalar)


def margin_loss_and_dz(loss: str, m, t, e, den, wrong):
    """In place: per-example loss and ``dL/dz`` from the signed margins ``t = m z``.

    ``e``, ``den`` and ``wrong`` are scratch buffers shaped like ``t``; the loss is
    written over ``t`` and the derivative into one of the buffers (both returned, as
    ``(per, dz)``). With ``wrong = sigmoid(t) = |p - y|`` and ``right = sigmoid(-t)``
    from :func:`logistic_kernel`: log loss is ``softplus(t)`` with ``dL/dz = m
    wrong``; MSE is ``wrong^2`` with ``dL/dz = 2 m wrong^2 right``.
    """
    if loss == "log":
        logistic_kernel(t, e, softplus=t, sigmoid=wrong, den=den)
        return t, np.multiply(m, wrong, out=wrong)
    logistic_kernel(t, e, sigmoid=wrong, sigmoid_neg=e, den=den)  # right in e
    per = np.square(wrong, out=t)
    dz = np.multiply(m, 2.0, out=den)
    dz *= wrong
    dz *= wrong
    dz *= e
    return per, dz


def _check_loss(loss: str) -> None:
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}: choose 'log' or 'mse'.")


def cost_from_logits(loss: str, y_true, logits, w=None, l2: float = 0.0) -> float:
    """Mean per-example loss plus ``(l2 / 2) ||w||^2`` (the intercept is never
    penalised)."""
    _check_loss(loss)
    per = log_loss(y_true, logits) if loss == "log" else squared_loss(y_true, logits)
    cost = float(np.mean(per))
    if l2 > 0 and w is not None:
        cost += 0.5 * l2 * float(np.dot(w, w))
    return cost


def cost_and_gradient(loss: str, X, y_true, w, b: float, l2: float = 0.0):
    """Cost ``J(w, b)`` and its gradient for a linear model ``z = X @ w + b``.

    ``J = mean_i L(y_i, z_i) + (l2 / 2) ||w||^2``; ``dJ/dw = X.T @ dL/dz / n + l2 w``;
    ``dJ/db = mean_i dL/dz_i``.

    Parameters
    ----------
    loss : {"log", "mse"}
    X : array-like of shape (n_samples, n_features)
    y_true : array-like of shape (n_samples,), values in {0, 1}
    w : array-like of shape (n_features,)
    b : float
    l2 : float, default 0.0

    Returns
    -------
    (J, dJ_dw, dJ_db) : (float, ndarray of shape (n_features,), float)
    """
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    z = X @ w + b
    per, dz = loss_and_dz(loss, y_true, z)
    n = len(z)
    cost = float(np.mean(per))
    grad_w = X.T @ dz / n
    if l2 > 0:
        cost += 0.5 * l2 * float(np.dot(w, w))
        grad_w = grad_w + l2 * w
    return cost, grad_w, float(np.mean(dz))
