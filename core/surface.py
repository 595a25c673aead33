"""Cost surfaces ``J(w, b)`` of a one-feature model ``z = w * x + b``."""

from __future__ import annotations

import numpy as np

from .losses import _check_loss, _signed

# Values (grid cells x samples) evaluated at once. The two float64 work buffers of
# this many values (1 MiB together) stay in a core's L2 cache, so the six passes the
# loss makes over them never wait on main memory. Measured on a 101 x 101 grid over
# 2,000 points: 2**15 and 2**16 are fastest, 2**17 to 2**20 about 1.3 times slower.
CHUNK_ELEMENTS = 1 << 16


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
    ``t = w (m x) + b m`` only, so ``m x`` is computed once and ``w m x`` once per
    block of ``w`` values. The grid is processed in blocks of about
    ``CHUNK_ELEMENTS`` margins, written into two reused buffers with in-place ufuncs,
    so memory stays bounded (a few MiB plus O(n_samples)) whatever the grid, and the
    work stays in cache. The per-example losses are the same operations as
    :func:`core.log_loss` and :func:`core.squared_loss`.
    """
    _check_loss(loss)
    x = np.asarray(x, dtype=float).ravel()
    m = _signed(y_true).ravel()
    if x.shape != m.shape:
        raise ValueError("x and y_true must have the same length.")
    w_values = np.asarray(w_values, dtype=float).ravel()
    b_values = np.asarray(b_values, dtype=float).ravel()
    n, n_w, n_b = len(x), len(w_values), len(b_values)
    if n == 0:
        raise ValueError("cost_surface needs at least one sample.")
    J = np.empty((n_b, n_w))
    if n_w == 0 or n_b == 0:
        return J
    mx = m * x
    cols = max(1, min(n_w, CHUNK_ELEMENTS // n))  # w values per block
    rows = max(1, min(n_b, CHUNK_ELEMENTS // (cols * n)))  # b values per block
    size = rows * cols * n
    t_buf, e_buf = np.empty(size), np.empty(size)
    bm_buf = np.empty((rows, n))
    wmx_buf = np.empty((cols, n))
    kernel = _log_kernel if loss == "log" else _squared_kernel
    for j0 in range(0, n_w, cols):
        w_blk = w_values[j0 : j0 + cols]
        c = len(w_blk)
        wmx = np.multiply(w_blk[:, None], mx, out=wmx_buf[:c])
        for i0 in range(0, n_b, rows):
            b_blk = b_values[i0 : i0 + rows]
            r = len(b_blk)
            bm = np.multiply(b_blk[:, None], m, out=bm_buf[:r])
            t = np.add(wmx, bm[:, None, :], out=t_buf[: r * c * n].reshape(r, c, n))
            kernel(t, e_buf[: r * c * n].reshape(r, c, n))
            np.sum(t, axis=-1, out=J[i0 : i0 + r, j0 : j0 + c])
    J /= n
    return J


def _log_kernel(t, e):
    """``t <- softplus(t)`` as ``max(t, 0) + log1p(exp(-|t|))``, in place."""
    np.abs(t, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.log1p(e, out=e)
    np.maximum(t, 0.0, out=t)
    np.add(t, e, out=t)


def _squared_kernel(t, e):
    """``t <- sigmoid(t) ** 2`` with ``sigmoid(t) = exp(min(t, 0)) / (1 + exp(-|t|))``,
    as :func:`core.sigmoid` computes it, in place."""
    np.abs(t, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.add(e, 1.0, out=e)
    np.minimum(t, 0.0, out=t)
    np.exp(t, out=t)
    np.divide(t, e, out=t)
    np.square(t, out=t)
