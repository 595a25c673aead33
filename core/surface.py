"""Cost surfaces over two parameters of a linear model, and their curvature.

A surface varies two parameters and holds the rest. Whatever the two are (one weight
and the intercept, or two weights), the logit of example ``i`` is affine in them::

    z_i = offset_i + a * u_i + c * v_i

``u`` and ``v`` are the columns the two parameters multiply (a feature column, or a
column of ones for the intercept) and ``offset`` is the part of ``X @ w + b`` coming
from the parameters held fixed (:func:`core.slices.slice_model`). For one feature,
``u = x``, ``v = 1`` and ``offset = 0``: the model ``z = w x + b`` of
:func:`cost_surface`.

Every grid goes through one chunker, :func:`_margin_blocks`: with ``m = 1 - 2y`` the
per-example loss depends on the signed margin ``t = m z`` only, so ``m u`` is
computed once and ``a m u`` once per block of ``a`` values, and the margins of a
block of about ``CHUNK_ELEMENTS`` values are written into one reused buffer. Memory
stays bounded (a few MiB plus O(n_samples)) whatever the grid, and the work stays in
cache. The losses come from :func:`core.losses.logistic_kernel`, in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .losses import _check_loss, _signed, logistic_kernel

# Values (grid cells x samples) evaluated at once. The two float64 work buffers of
# this many values (1 MiB together) stay in a core's L2 cache, so the six passes the
# loss makes over them never wait on main memory. Measured on a 101 x 101 grid over
# 2,000 points: 2**15 and 2**16 are fastest, 2**17 to 2**20 about 1.3 times slower.
CHUNK_ELEMENTS = 1 << 16


def _prepare(u, v, offset, y_true, a_values, c_values, loss):
    """Signed columns ``(m u, m v, m offset or None)`` and the grid values."""
    _check_loss(loss)
    u = np.asarray(u, dtype=float).ravel()
    v = np.asarray(v, dtype=float).ravel()
    m = _signed(y_true).ravel()
    offset = None if offset is None else np.asarray(offset, float).ravel()
    if not (u.shape == v.shape == m.shape) or (
        offset is not None and offset.shape != u.shape
    ):
        raise ValueError("u, v, offset and y_true must all have one value per sample.")
    if len(u) == 0:
        raise ValueError("A cost surface needs at least one sample.")
    a_values = np.asarray(a_values, dtype=float).ravel()
    c_values = np.asarray(c_values, dtype=float).ravel()
    mo = None if offset is None else m * offset
    return m * u, m * v, mo, a_values, c_values


def _margin_blocks(mu, mv, mo, a_values, c_values):
    """The one chunker: yield ``(rows, cols, t)`` over the ``(c, a)`` grid, where
    ``t[i, j, k] = a[cols][j] mu[k] + (c[rows][i] mv[k] + mo[k])`` has shape
    ``(r, k, n_samples)`` and about ``CHUNK_ELEMENTS`` values.

    ``t`` is a view of one buffer reused by every block: use it before the next.
    """
    n, n_a, n_c = len(mu), len(a_values), len(c_values)
    if n_a == 0 or n_c == 0:
        return
    cols = max(1, min(n_a, CHUNK_ELEMENTS // n))  # a values per block
    rows = max(1, min(n_c, CHUNK_ELEMENTS // (cols * n)))  # c values per block
    t_buf = np.empty(rows * cols * n)
    amu_buf, cmv_buf = np.empty((cols, n)), np.empty((rows, n))
    for j0 in range(0, n_a, cols):
        a_blk = a_values[j0 : j0 + cols]
        k = len(a_blk)
        amu = np.multiply(a_blk[:, None], mu, out=amu_buf[:k])
        for i0 in range(0, n_c, rows):
            c_blk = c_values[i0 : i0 + rows]
            r = len(c_blk)
            cmv = np.multiply(c_blk[:, None], mv, out=cmv_buf[:r])
            if mo is not None:
                cmv += mo
            t = np.add(amu, cmv[:, None, :], out=t_buf[: r * k * n].reshape(r, k, n))
            yield slice(i0, i0 + r), slice(j0, j0 + k), t


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

    The case ``u = x``, ``v = 1``, ``offset = 0`` of :func:`cost_grid`.
    """
    x = np.asarray(x, dtype=float).ravel()
    if x.shape != np.shape(np.ravel(y_true)):
        raise ValueError("x and y_true must have the same length.")
    if len(x) == 0:
        raise ValueError("cost_surface needs at least one sample.")
    return cost_grid(x, np.ones_like(x), None, y_true, w_values, b_values, loss)


def penalised_surface(x, y_true, w_values, b_values, loss: str, l2: float = 0.0):
    """:func:`cost_surface` plus the L2 term ``(l2/2) w^2`` of each column."""
    J = cost_surface(x, y_true, w_values, b_values, loss)
    return J + 0.5 * l2 * np.asarray(w_values, dtype=float)[None, :] ** 2


def cost_grid(u, v, offset, y_true, a_values, c_values, loss: str) -> np.ndarray:
    """Mean loss at every point of an ``(c, a)`` grid of the model
    ``z = offset + a u + c v`` (see the module docstring).

    Parameters
    ----------
    u, v : array-like of shape (n_samples,), the columns the two parameters multiply
    offset : array-like of shape (n_samples,) or None (zeros), the held-fixed part
    y_true : array-like of shape (n_samples,), values in {0, 1}
    a_values : array-like of shape (n_a,), the first parameter (columns of J)
    c_values : array-like of shape (n_c,), the second parameter (rows of J)
    loss : {"log", "mse"}

    Returns
    -------
    J : ndarray of shape (n_c, n_a) with ``J[i, j] = cost(a_values[j], c_values[i])``,
        laid out like ``np.meshgrid(a_values, c_values)``.

    The per-example losses are :func:`core.log_loss` and :func:`core.squared_loss`'s
    own kernel, evaluated in place on each block of margins.
    """
    mu, mv, mo, a_values, c_values = _prepare(
        u, v, offset, y_true, a_values, c_values, loss
    )
    n = len(mu)
    J = np.empty((len(c_values), len(a_values)))
    e_buf = None
    for rows, cols, t in _margin_blocks(mu, mv, mo, a_values, c_values):
        if e_buf is None:
            e_buf = np.empty(t.size)
        e = e_buf[: t.size].reshape(t.shape)
        if loss == "log":
            logistic_kernel(t, e, softplus=t)
        else:
            logistic_kernel(t, e, sigmoid=t)
            np.square(t, out=t)
        np.sum(t, axis=-1, out=J[rows, cols])
    J /= n
    return J


def per_example_curvature(loss: str, t) -> np.ndarray:
    """Second derivative of the per-example loss with respect to the logit.

    Written with the signed margin ``t = m z`` (``m = 1 - 2y``, so ``m^2 = 1`` and
    ``d^2 L / dz^2 = d^2 L / dt^2``), ``q = sigmoid(t) = |p - y|`` the probability on
    the wrong class and ``r = 1 - q = sigmoid(-t)``:

    * log loss: ``q r = p (1 - p)``, never negative: every example curves upward.
    * MSE: ``2 q^2 r (2 r - q)``, negative once ``q > 2/3``: an example the model
      gets confidently wrong bends the MSE surface downward.
    """
    _check_loss(loss)
    t = np.array(t, dtype=float)
    return _curvature_kernel(loss, t, *(np.empty_like(t) for _ in range(3)))


def _curvature_kernel(loss, t, e, q, den):
    """:func:`per_example_curvature` of the margins ``t``, in place (returns ``e``).

    :func:`core.losses.logistic_kernel` leaves ``e = exp(-|t|)``, ``den = 1 + e``
    and (for MSE) ``q = sigmoid(t)``; then ``q r = e / (1 + e)^2`` exactly (the
    numerators of ``q`` and ``r`` multiply to ``e``), and ``2r - q = 2 - 3q``.
    ``t`` is overwritten.
    """
    logistic_kernel(t, e, sigmoid=None if loss == "log" else q, den=den)
    _q_times_r(e, den)
    if loss == "log":  # q r alone: no sigmoid needed
        return e
    return _mse_curvature(e, q, t)


def _q_times_r(e, den):
    """``e <- q r = e / den^2``, from ``e = exp(-|t|)`` and ``den = 1 + e``."""
    np.divide(e, den, out=e)
    np.divide(e, den, out=e)


def _mse_curvature(qr, q, scratch):
    """``qr <- 2 q^2 r (2 - 3q)``, MSE's per-example curvature, from ``q r`` and
    ``q``; ``scratch`` is overwritten. Returns ``qr``."""
    np.multiply(q, -3.0, out=scratch)
    np.add(scratch, 2.0, out=scratch)  # 2 - 3q = 2r - q
    np.multiply(qr, q, out=qr)  # q^2 r
    np.multiply(qr, scratch, out=qr)
    return np.multiply(qr, 2.0, out=qr)


@dataclass(frozen=True)
class Curvature:
    """The Hessian of J over an ``(c, a)`` grid, shape ``(n_c, n_a)`` each.

    ``haa``, ``hac``, ``hcc`` are its entries; ``low`` and ``high`` its two
    eigenvalues (``low <= high``). ``low < 0`` is where the surface curves downward
    along some direction: concave (both negative) or a saddle (``high > 0``).
    """

    haa: np.ndarray
    hac: np.ndarray
    hcc: np.ndarray
    low: np.ndarray
    high: np.ndarray

    def downward(self, rtol: float = 1e-9) -> np.ndarray:
        """Boolean mask of grid points with a clearly negative eigenvalue.

        ``rtol`` times the largest curvature on the grid is the rounding noise floor:
        an eigenvalue of ``-1e-20`` on a plateau is zero for every purpose.
        """
        scale = float(np.max(np.abs(self.high))) if self.high.size else 0.0
        return self.low < -rtol * scale


def curvature_grid(u, v, offset, y_true, a_values, c_values, loss: str) -> Curvature:
    """Exact Hessian of J with respect to ``(a, c)`` at every grid point.

    With ``s_i`` the per-example curvature (:func:`per_example_curvature`) at that
    point, ``H = mean_i s_i [u_i, v_i]^T [u_i, v_i]``; its eigenvalues come from the
    closed form for a symmetric 2 x 2 matrix. Evaluated numerically at each point
    (no convexity is assumed anywhere), block by block (:func:`_margin_blocks`); one
    matrix product per block sums ``s u^2``, ``s u v`` and ``s v^2`` over the
    samples.
    """
    mu, mv, mo, a_values, c_values = _prepare(
        u, v, offset, y_true, a_values, c_values, loss
    )
    basis = _curvature_basis(u, v)
    H = np.empty((len(c_values), len(a_values), 3))
    bufs = None
    for rows, cols, t in _margin_blocks(mu, mv, mo, a_values, c_values):
        if bufs is None:
            bufs = np.empty(t.size), np.empty(t.size), np.empty(t.size)
        s = _curvature_kernel(loss, t, *(b[: t.size].reshape(t.shape) for b in bufs))
        H[rows, cols] = _hessian_block(s, basis)
    return _curvature(H)


def _curvature_basis(u, v) -> np.ndarray:
    """``[u^2, u v, v^2] / n`` per sample, shape ``(n, 3)``: a block's per-example
    curvatures times this are the Hessian's entries at each of its grid points."""
    u = np.asarray(u, dtype=float).ravel()
    v = np.asarray(v, dtype=float).ravel()
    return np.column_stack([u * u, u * v, v * v]) / len(u)


def _hessian_block(s, basis) -> np.ndarray:
    """The Hessian entries ``(r, k, 3)`` at each point of a block from its
    per-example curvatures ``s`` of shape ``(r, k, n)``: one matrix product."""
    return (s.reshape(-1, basis.shape[0]) @ basis).reshape(*s.shape[:2], 3)


def _curvature(H) -> Curvature:
    """:class:`Curvature` from the Hessian entries ``H[..., (aa, ac, cc)]``: its
    eigenvalues in the closed form for a symmetric 2 x 2 matrix."""
    haa, hac, hcc = H[..., 0], H[..., 1], H[..., 2]
    mean = 0.5 * (haa + hcc)
    radius = np.hypot(0.5 * (haa - hcc), hac)
    return Curvature(haa, hac, hcc, mean - radius, mean + radius)


def landscape_grid(u, v, offset, y_true, a_values, c_values):
    """Both losses' :func:`cost_grid` and :func:`curvature_grid` at once, in one pass
    over the margins: ``({loss: J}, {loss: Curvature})`` for ``"mse"`` and ``"log"``,
    equal to the four separate calls (the same operations on the same values).

    Each block's margins, ``exp(-|t|)`` and sigmoid are computed once and feed all
    four results, so this costs about half of the four calls.
    """
    mu, mv, mo, a_values, c_values = _prepare(
        u, v, offset, y_true, a_values, c_values, "log"
    )
    n = len(mu)
    basis = _curvature_basis(u, v)
    shape = (len(c_values), len(a_values))
    J = {"mse": np.empty(shape), "log": np.empty(shape)}
    H = {loss: np.empty((*shape, 3)) for loss in J}
    bufs = None
    for rows, cols, t in _margin_blocks(mu, mv, mo, a_values, c_values):
        if bufs is None:
            bufs = tuple(np.empty(t.size) for _ in range(4))
        e, den, q, s = (b[: t.size].reshape(t.shape) for b in bufs)
        logistic_kernel(t, e, sigmoid=q, den=den)  # e = exp(-|t|), den = 1 + e
        np.multiply(q, q, out=s)  # MSE: (p - y)^2 = q^2
        np.sum(s, axis=-1, out=J["mse"][rows, cols])
        np.log1p(e, out=s)  # log loss: softplus(t) = max(t, 0) + log1p(e)
        np.maximum(t, 0.0, out=t)
        np.add(t, s, out=t)
        np.sum(t, axis=-1, out=J["log"][rows, cols])
        _q_times_r(e, den)  # log loss's curvature
        H["log"][rows, cols] = _hessian_block(e, basis)
        H["mse"][rows, cols] = _hessian_block(_mse_curvature(e, q, s), basis)
    for loss in J:
        J[loss] /= n
    return J, {loss: _curvature(H[loss]) for loss in J}


def second_differences(values, step: float) -> np.ndarray:
    """Central second differences ``(f[k+1] - 2 f[k] + f[k-1]) / step^2`` along the
    last axis; the result is two shorter than the input (interior points only)."""
    values = np.asarray(values, dtype=float)
    if values.shape[-1] < 3:
        raise ValueError("Second differences need at least three points.")
    if not step > 0:
        raise ValueError("The step must be positive.")
    return (values[..., 2:] - 2.0 * values[..., 1:-1] + values[..., :-2]) / step**2


def bends_down(second: np.ndarray, rtol: float = 1e-9) -> np.ndarray:
    """Mask of second differences clearly below zero: more negative than ``rtol``
    times the largest magnitude, so rounding noise on a nearly straight stretch
    (log loss far from its minimum) does not count as bending."""
    second = np.asarray(second, dtype=float)
    scale = float(np.max(np.abs(second))) if second.size else 0.0
    return second < -rtol * scale


@dataclass(frozen=True)
class GridMinimum:
    """The lowest grid point: ``a``, ``c`` and ``cost``; ``on_edge`` when it lies on
    the border of the grid, so the true minimum may lie outside (or at infinity)."""

    a: float
    c: float
    cost: float
    on_edge: bool


def grid_minimum(J, a_values, c_values) -> GridMinimum:
    """Where the ``(n_c, n_a)`` grid ``J`` is lowest (the first such point on ties)."""
    J = np.asarray(J, dtype=float)
    if J.shape != (len(c_values), len(a_values)) or J.size == 0:
        raise ValueError("J must have shape (len(c_values), len(a_values)).")
    i, j = np.unravel_index(int(np.nanargmin(J)), J.shape)
    edge = i in (0, J.shape[0] - 1) or j in (0, J.shape[1] - 1)
    return GridMinimum(float(a_values[j]), float(c_values[i]), float(J[i, j]), edge)
