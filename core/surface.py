"""Cost surfaces ``J(w, b)`` of a one-feature model ``z = w * x + b``."""

from __future__ import annotations

import numpy as np

from .losses import _check_loss, _signed, sigmoid, softplus

# Elements (grid cells x samples) evaluated at once: small enough to stay in cache and
# to bound memory (8 MiB of float64 per temporary), large enough to amortise the loop.
CHUNK_ELEMENTS = 1 << 20


def cost_surface(x, y_true, w_values, b_values, loss: str) -> np.ndarray:
    """Mean loss over the samples at every point of a ``(b, w)`` grid.

    Parameters
    ----------
    x : array-like of shape (n_samples,), the single feature
    y_true : array-like of shape (n_samples,), values in {0, 1}
    w_values : array-like of shape (n_w,)
    b_values : array-like of shape (n_b,)
    loss : {"log", "mse"}

    Returns
    -------
    J : ndarray of shape (n_b, n_w), ``J[i, j] = cost(w_values[j], b_values[i])``,
        laid out like ``np.meshgrid(w_values, b_values)``.

    Notes
    -----
    With ``m = 1 - 2y`` the per-example loss is a function of the signed margin
    ``t = w (m x) + b m`` only, so ``m x`` is computed once. Rows of the grid are
    processed in chunks of about ``CHUNK_ELEMENTS`` values so memory stays bounded
    whatever the grid and sample count.
    """
    _check_loss(loss)
    x = np.asarray(x, dtype=float).ravel()
    m = _signed(y_true).ravel()
    if x.shape != m.shape:
        raise ValueError("x and y_true must have the same length.")
    w_values = np.asarray(w_values, dtype=float).ravel()
    b_values = np.asarray(b_values, dtype=float).ravel()
    n = len(x)
    J = np.empty((len(b_values), len(w_values)))
    if n == 0:
        raise ValueError("cost_surface needs at least one sample.")
    mx = m * x
    per_row = len(w_values) * n
    rows = max(1, CHUNK_ELEMENTS // max(per_row, 1))
    if per_row > CHUNK_ELEMENTS:  # one grid row is already large: chunk its columns
        cols = max(1, CHUNK_ELEMENTS // n)
    else:
        cols = len(w_values)
    f = softplus if loss == "log" else _squared_sigmoid
    for i0 in range(0, len(b_values), rows):
        bm = b_values[i0 : i0 + rows, None, None] * m  # (rows, 1, n)
        for j0 in range(0, len(w_values), cols):
            t = w_values[None, j0 : j0 + cols, None] * mx + bm  # (rows, cols, n)
            J[i0 : i0 + rows, j0 : j0 + cols] = f(t).mean(axis=2)
    return J


def _squared_sigmoid(t):
    return sigmoid(t) ** 2
