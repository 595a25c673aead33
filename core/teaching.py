"""Numbers behind the "why log loss" pages: curvature, slices, minima, stability.

Pure NumPy (plus the standard library's :mod:`decimal` for exact references); no
Streamlit, no Plotly. Everything here is shown on a page, so every function returns
plain arrays or small dataclasses a figure builder can draw.

Two-parameter views of a linear model
-------------------------------------
A cost surface varies two parameters and holds the rest. Whatever the two are (one
weight and the intercept, or two weights), the logit of example ``i`` is affine in
them::

    z_i = offset_i + a * u_i + c * v_i

``u`` and ``v`` are the columns the two parameters multiply (a feature column, or a
column of ones for the intercept) and ``offset`` is the part of ``X @ w + b`` coming
from the parameters held fixed. For one feature, ``u = x``, ``v = 1`` and
``offset = 0``: the model ``z = w x + b`` of :func:`core.cost_surface`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

import numpy as np

from .losses import _check_loss, _signed, loss_and_dz, sigmoid, softplus
from .training import train

# Elements (grid cells x samples) evaluated at once: 512 KiB per float64 buffer stays
# in cache, which measured 2-3x faster here than 1 << 20.
CHUNK_ELEMENTS = 1 << 16
INTERCEPT = "b"  # the name of the intercept when choosing surface parameters
# L2 strength used to fit the optimum that held parameters are fixed at: small enough
# to leave overlapping data alone, large enough to keep separable data finite.
OPTIMUM_L2 = 1e-3


# ---------------------------------------------------------------------------
# Surfaces over two parameters
# ---------------------------------------------------------------------------


def _prepare(u, v, offset, y_true, a_values, c_values, loss):
    _check_loss(loss)
    u = np.asarray(u, dtype=float).ravel()
    v = np.asarray(v, dtype=float).ravel()
    m = _signed(y_true).ravel()
    offset = np.zeros_like(u) if offset is None else np.asarray(offset, float).ravel()
    if not (u.shape == v.shape == m.shape == offset.shape):
        raise ValueError("u, v, offset and y_true must all have one value per sample.")
    if len(u) == 0:
        raise ValueError("A cost surface needs at least one sample.")
    a_values = np.asarray(a_values, dtype=float).ravel()
    c_values = np.asarray(c_values, dtype=float).ravel()
    return m * u, m * v, m * offset, a_values, c_values


def _chunks(n_rows: int, n_cols: int, n: int):
    """Yield (row slice, column slice) blocks of about ``CHUNK_ELEMENTS`` elements."""
    per_row = n_cols * n
    rows = max(1, CHUNK_ELEMENTS // max(per_row, 1))
    cols = max(1, CHUNK_ELEMENTS // n) if per_row > CHUNK_ELEMENTS else n_cols
    for i0 in range(0, n_rows, rows):
        for j0 in range(0, n_cols, cols):
            yield slice(i0, i0 + rows), slice(j0, j0 + cols)


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
        laid out like ``np.meshgrid(a_values, c_values)`` and like
        :func:`core.cost_surface` (which is the case ``u = x, v = 1, offset = 0``).

    Works through the signed margin ``t = m z`` with ``m = 1 - 2y`` (the per-example
    loss depends on ``t`` only), in blocks of about ``CHUNK_ELEMENTS`` values so
    memory stays bounded for any grid and sample count.
    """
    mu, mv, mo, a_values, c_values = _prepare(
        u, v, offset, y_true, a_values, c_values, loss
    )
    f = softplus if loss == "log" else _squared_sigmoid
    J = np.empty((len(c_values), len(a_values)))
    for rows, cols in _chunks(len(c_values), len(a_values), len(mu)):
        t = (
            a_values[None, cols, None] * mu
            + c_values[rows, None, None] * mv
            + mo
        )  # (rows, cols, n)
        J[rows, cols] = f(t).mean(axis=2)
    return J


def _squared_sigmoid(t):
    return sigmoid(t) ** 2


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
    t = np.asarray(t, dtype=float)
    # One exp serves both: with e = exp(-|t|) <= 1, q = 1/(1+e) or e/(1+e) and
    # r the other one, so q r = e / (1 + e)^2 whatever the sign of t.
    e = np.exp(-np.abs(t))
    inv = 1.0 / (1.0 + e)
    if loss == "log":
        return e * inv * inv
    q = np.where(t >= 0, inv, e * inv)
    qr = e * inv * inv
    return 2.0 * q * qr * (2.0 - 3.0 * q)  # 2 q^2 r (2r - q), with r = 1 - q


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
    (no convexity is assumed anywhere), in blocks of about ``CHUNK_ELEMENTS``
    margins written into reused buffers with in-place ufuncs (memory stays bounded
    and the work stays in cache); one matrix product per block sums
    ``s u^2``, ``s u v`` and ``s v^2`` over the samples.
    """
    mu, mv, mo, a_values, c_values = _prepare(
        u, v, offset, y_true, a_values, c_values, loss
    )
    u = np.asarray(u, dtype=float).ravel()
    v = np.asarray(v, dtype=float).ravel()
    n, n_a, n_c = len(u), len(a_values), len(c_values)
    basis = np.column_stack([u * u, u * v, v * v]) / n
    H = np.empty((n_c, n_a, 3))
    cols = max(1, min(n_a, CHUNK_ELEMENTS // n))
    rows = max(1, min(n_c, CHUNK_ELEMENTS // (cols * n)))
    size = rows * cols * n
    t_buf, e_buf, q_buf = np.empty(size), np.empty(size), np.empty(size)
    for j0 in range(0, n_a, cols):
        a_blk = a_values[j0 : j0 + cols]
        k = len(a_blk)
        amu = a_blk[:, None] * mu
        for i0 in range(0, n_c, rows):
            c_blk = c_values[i0 : i0 + rows]
            r = len(c_blk)
            shape = (r, k, n)
            t = t_buf[: r * k * n].reshape(shape)
            np.add(amu, (c_blk[:, None] * mv + mo)[:, None, :], out=t)
            s = _curvature_kernel(loss, t, e_buf[: t.size].reshape(shape),
                                  q_buf[: t.size].reshape(shape))
            H[i0 : i0 + r, j0 : j0 + k] = (s.reshape(-1, n) @ basis).reshape(r, k, 3)
    haa, hac, hcc = H[..., 0], H[..., 1], H[..., 2]
    mean = 0.5 * (haa + hcc)
    radius = np.hypot(0.5 * (haa - hcc), hac)
    return Curvature(haa, hac, hcc, mean - radius, mean + radius)


def _curvature_kernel(loss, t, e, q):
    """:func:`per_example_curvature` of the margins ``t``, in place (returns ``e``).

    ``e = exp(-|t|)``, ``inv = 1 / (1 + e)``; ``q r = e inv^2`` exactly, and
    ``q = 1/2 + sign(t) (inv - 1/2)`` (``inv`` for ``t >= 0``, ``1 - inv`` else: the
    latter loses relative digits only where ``q`` and the curvature are tiny).
    """
    np.abs(t, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.add(e, 1.0, out=q)
    np.reciprocal(q, out=q)  # inv
    np.multiply(e, q, out=e)
    np.multiply(e, q, out=e)  # q r
    if loss == "log":
        return e
    np.subtract(q, 0.5, out=q)
    np.copysign(q, t, out=q)
    np.add(q, 0.5, out=q)  # q
    np.multiply(e, q, out=e)  # q^2 r
    np.multiply(q, -3.0, out=q)
    np.add(q, 2.0, out=q)  # 2 - 3q = 2r - q
    np.multiply(e, q, out=e)
    np.multiply(e, 2.0, out=e)
    return e


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


# ---------------------------------------------------------------------------
# Multi-feature data: two chosen parameters, the rest at the fitted optimum
# ---------------------------------------------------------------------------


def fitted_optimum(X, y_true, loss: str = "log", l2: float = OPTIMUM_L2):
    """``(w, b)`` minimising the cost with a small L2 penalty, by Newton's method.

    The penalty keeps separable data (where the unpenalised log-loss optimum is at
    infinity) finite; 50 full Newton steps converge to machine precision for any
    dataset the app ships.
    """
    history = train(X, y_true, loss=loss, optimizer="newton", learning_rate=1.0,
                    epochs=50, l2=l2)
    return np.asarray(history.w, dtype=float), float(history.b)


def parameter_names(feature_names) -> list[str]:
    """Names of the model's parameters: ``w[<feature>]`` per feature, then ``b``."""
    return [f"w[{name}]" for name in feature_names] + [INTERCEPT]


def slice_model(X, w, b: float, first: int, second: int):
    """``(u, v, offset)`` for the surface over parameters ``first`` and ``second``.

    Parameter ``k < n_features`` is the weight of feature ``k``; ``k == n_features``
    is the intercept. The other parameters stay at ``w`` and ``b`` and are folded into
    ``offset``, so ``offset + a u + c v == X @ w' + b'`` where ``w', b'`` are ``w, b``
    with the two chosen parameters replaced by ``a`` and ``c``.
    """
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    if first == second or not (0 <= first <= d and 0 <= second <= d):
        raise ValueError(f"Choose two different parameters out of {d + 1}.")
    w = np.array(w, dtype=float)
    columns = []
    for k in (first, second):
        if k == d:
            columns.append(np.ones(X.shape[0]))
            b = 0.0
        else:
            columns.append(X[:, k])
            w[k] = 0.0
    offset = X @ w + b
    return columns[0], columns[1], offset


def default_window(u, v, a_opt: float, c_opt: float, *, factor: float = 2.0):
    """Grid ranges for the two parameters of ``z = offset + a u + c v`` that tell the
    story: centred on zero (the untrained model) and wide enough for MSE's plateaus
    (confidently wrong, the sigmoid saturated) to show beside log loss's valley.

    A weight on column ``u`` reaches ``factor`` times its fitted value and at least a
    slope of 8 per standard deviation of ``u`` (a confident model). An intercept
    (a constant column) reaches ``factor`` times its fitted value and at least far
    enough to move the boundary across the other column's data.

    Returns ``((a_low, a_high), (c_low, c_high))`` rounded to "nice" numbers.
    """
    columns = [np.asarray(u, dtype=float).ravel(), np.asarray(v, dtype=float).ravel()]
    optima = [float(a_opt), float(c_opt)]
    halves = [0.0, 0.0]
    constant = [float(np.ptp(col)) == 0.0 for col in columns]
    for k in (0, 1):
        if not constant[k]:
            halves[k] = max(factor * abs(optima[k]), 8.0 / float(np.std(columns[k])))
    for k in (0, 1):
        if constant[k]:
            other = columns[1 - k]
            spread = float(np.abs(other.mean()) + other.std()) if not constant[
                1 - k] else 1.0
            level = float(np.abs(columns[k][0])) or 1.0
            halves[k] = max(factor * abs(optima[k]), halves[1 - k] * spread / level,
                            1.0)
    return tuple((-_nice(h), _nice(h)) for h in halves)


def _nice(value: float) -> float:
    """Round up to 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten."""
    if not value > 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if value <= step * power * (1 + 1e-12):
            return float(step * power)
    return float(10 * power)  # pragma: no cover (the loop always returns)


# ---------------------------------------------------------------------------
# Stability: the textbook formula against the logits-space one
# ---------------------------------------------------------------------------


def logit(p) -> np.ndarray:
    """``log(p / (1 - p))``, the inverse of the sigmoid, for ``0 < p < 1``."""
    p = np.asarray(p, dtype=float)
    return np.log(p) - np.log1p(-p)


def naive_sigmoid(z, dtype=np.float64) -> np.ndarray:
    """``1 / (1 + exp(-z))`` computed literally in ``dtype``: it overflows and rounds
    to exactly 0 or 1, which is the point of showing it. Warnings are silenced."""
    z = np.asarray(z, dtype=dtype)
    one = np.dtype(dtype).type(1.0)
    with np.errstate(over="ignore"):
        return one / (one + np.exp(-z))


def naive_pipeline_loss(y_true, logits, dtype=np.float64) -> np.ndarray:
    """Sigmoid then log, both in ``dtype``: ``-y log p - (1 - y) log(1 - p)``.

    Returns float64 values that may be ``inf`` or ``nan``: ``p`` rounds to exactly 1
    once ``z`` exceeds about 17 (float32) or 37 (float64), and then ``log(1 - p)`` is
    ``-inf``; for negative ``z`` ``p`` underflows to 0 and ``0 * log(0)`` is nan.
    """
    y = np.asarray(y_true, dtype=dtype)
    p = naive_sigmoid(logits, dtype)
    one = np.dtype(dtype).type(1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        loss = -y * np.log(p) - (one - y) * np.log(one - p)
    return loss.astype(np.float64)


def logits_loss_in(y_true, logits, dtype=np.float64) -> np.ndarray:
    """The logits-space loss ``softplus(m z)`` evaluated in ``dtype`` (then widened)."""
    t = (np.dtype(dtype).type(1.0) - 2 * np.asarray(y_true, dtype=dtype)) * np.asarray(
        logits, dtype=dtype
    )
    return np.logaddexp(np.zeros_like(t), t).astype(np.float64)


def exact_log_loss(y: int, z: float, digits: int = 50) -> float:
    """The log loss of one example, ``log(1 + exp(m z))``, in ``digits``-digit decimal
    arithmetic, rounded to the nearest float: the reference the float results are
    judged against."""
    t = Decimal(-float(z)) if int(y) == 1 else Decimal(float(z))
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.Emin = -10**9
        ctx.Emax = 10**9
        # log(1 + e^t) = t + log(1 + e^-t) for t > 0: both forms are exact here, the
        # second avoids building e^t for huge t. For tiny x, log(1 + x) = x - x^2/2
        # to far more digits than a float holds (1 + x would round x away).
        def log1p(x: Decimal) -> Decimal:
            return x - x * x / 2 if x < Decimal("1e-20") else (1 + x).ln()

        value = t + log1p((-t).exp()) if t > 0 else log1p(t.exp())
        return float(value)


@dataclass(frozen=True)
class StabilityTable:
    """Per-z log loss of one example by four routes, one array per route."""

    z: np.ndarray
    naive32: np.ndarray
    naive64: np.ndarray
    logits64: np.ndarray
    exact: np.ndarray

    def relative_error(self, route: np.ndarray) -> np.ndarray:
        """``|route - exact| / exact``: 0 where they are equal (also when both are
        0, as when the exact value underflows), inf where the route is inf or nan."""
        with np.errstate(invalid="ignore", divide="ignore"):
            err = np.abs(route - self.exact) / np.abs(self.exact)
        err = np.where(route == self.exact, 0.0, err)
        return np.where(np.isfinite(err), err, np.inf)


def stability_table(y: int, z_values) -> StabilityTable:
    """The textbook route (float32 and float64) against the logits-space one and the
    exact value, at each ``z``. Loss of an example with label ``y``."""
    z = np.asarray(z_values, dtype=float).ravel()
    labels = np.full(z.shape, float(y))
    return StabilityTable(
        z=z,
        naive32=naive_pipeline_loss(labels, z, np.float32),
        naive64=naive_pipeline_loss(labels, z, np.float64),
        logits64=logits_loss_in(labels, z, np.float64),
        exact=np.array([exact_log_loss(int(y), float(zi)) for zi in z]),
    )


def first_failure(z_values, losses) -> float | None:
    """The ``z`` of smallest magnitude where ``losses`` is inf or nan, else None."""
    z = np.asarray(z_values, dtype=float)
    bad = ~np.isfinite(np.asarray(losses, dtype=float))
    if not bad.any():
        return None
    candidates = z[bad]
    return float(candidates[np.argmin(np.abs(candidates))])


# ---------------------------------------------------------------------------
# Per-example curves for the loss-functions page
# ---------------------------------------------------------------------------


def per_example_curves(logits) -> dict[int, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Loss and ``dL/dz`` of one example at each logit, for both labels and losses.

    Returns ``curves[y][loss] = (loss_values, dL_dz)`` for ``y`` in (1, 0) and
    ``loss`` in ("log", "mse"), each shaped like ``logits``.
    """
    z = np.asarray(logits, dtype=float)
    return {
        y: {
            loss: loss_and_dz(loss, np.full(z.shape, float(y)), z)
            for loss in ("log", "mse")
        }
        for y in (1, 0)
    }


def confidently_wrong(label: int, z_max: float, p_wrong: float = 0.9):
    """The interval of z (clipped to ``[-z_max, z_max]``) where the model puts more
    than ``p_wrong`` on the wrong class, for an example of class ``label``."""
    edge = float(logit(p_wrong))
    return (-z_max, -edge) if int(label) == 1 else (edge, z_max)
