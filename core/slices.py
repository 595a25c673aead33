"""Two parameters of a multi-feature model to draw a surface over, the rest held at
the fitted optimum: which columns they multiply, their names, a window that shows
the story."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import surface
from .fitting import reference_optimum
from .training import train

INTERCEPT = "b"  # the name of the intercept when choosing surface parameters
# L2 strength used to fit the optimum that held parameters are fixed at: small enough
# to leave overlapping data alone, large enough to keep separable data finite.
OPTIMUM_L2 = 1e-3


# Newton's method costs about rows x features^2 + features^3 per step (the Hessian
# and its solve) and the fit takes NEWTON_STEPS steps: at most this much (about a
# second here; 40,000 rows x 1,000 features, the largest upload, took 72 s).
NEWTON_STEPS = 50
NEWTON_BUDGET = 30_000_000_000


@dataclass(frozen=True)
class Optimum:
    """The penalised log-loss optimum ``(w, b)`` and how it was found: by Newton's
    method on all ``n_rows`` rows (``newton``), or, when that is over its budget, by
    :func:`core.fitting.reference_optimum` (scikit-learn's lbfgs, bounded) on
    ``rows`` of them, a seeded stratified subsample when fewer."""

    w: np.ndarray
    b: float
    newton: bool
    rows: int
    n_rows: int


def newton_cost(n_rows: int, n_features: int) -> int:
    """The work of :func:`fitted_optimum`'s Newton steps on data of this shape."""
    return NEWTON_STEPS * (n_rows * n_features**2 + n_features**3)


def fitted_optimum(X, y_true, l2: float = OPTIMUM_L2) -> Optimum:
    """``(w, b)`` minimising the mean log loss plus ``(l2/2) ||w||^2``.

    The penalty keeps separable data (where the unpenalised optimum is at infinity)
    finite. ``NEWTON_STEPS`` full Newton steps converge to machine precision for any
    dataset the app ships; data too big for them within ``NEWTON_BUDGET`` get the
    bounded reference fit instead (the same cost, minimised to scikit-learn's tight
    tolerance, on a subsample when even that is over its budget).
    """
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    if newton_cost(n, d) > NEWTON_BUDGET:
        ref = reference_optimum(X, y_true, l2)
        if ref.finite:  # both classes (an upload always has them)
            return Optimum(np.asarray(ref.w, dtype=float), float(ref.b), False,
                           ref.rows, n)
    history = train(X, y_true, loss="log", optimizer="newton", learning_rate=1.0,
                    epochs=NEWTON_STEPS, l2=l2)
    return Optimum(np.asarray(history.w, dtype=float), float(history.b), True, n, n)


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


def surface_window(points, pad: float = 0.6, min_half_width: float = 4.0):
    """A ``(w_lo, w_hi, b_lo, b_hi)`` box holding every ``(w, b)`` in ``points``
    and the origin, padded by ``pad`` of its size and at least ``min_half_width``
    either side of its centre."""
    P = np.array([[0.0, 0.0], *[(float(w), float(b)) for w, b in points]])
    P = P[np.all(np.isfinite(P), axis=1)]
    lo, hi = P.min(axis=0), P.max(axis=0)
    centre, half = (lo + hi) / 2, np.maximum((hi - lo) / 2 * (1 + pad), min_half_width)
    return (centre[0] - half[0], centre[0] + half[0],
            centre[1] - half[1], centre[1] + half[1])


# ---------------------------------------------------------------------------------
# Both losses' surfaces over a slice
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurfacePair:
    """Both losses' surfaces over one grid: the grid's values ``a`` and ``c``, per
    loss the cost ``J`` (shape ``(len(c), len(a))``), its lowest grid point, where it
    bends downward (a clearly negative Hessian eigenvalue) and its smallest Hessian
    eigenvalue on the grid."""

    a: np.ndarray
    c: np.ndarray
    J: dict[str, np.ndarray]
    minima: dict[str, surface.GridMinimum]
    downward: dict[str, np.ndarray]
    lowest: dict[str, float]


def surface_pair(X, y, w_opt, b_opt, first, second, a_range, c_range,
                 resolution) -> SurfacePair:
    """Both surfaces on the grid, their minima and their bending, in one pass
    (:func:`core.surface.landscape_grid`)."""
    a = np.linspace(*a_range, resolution)
    c = np.linspace(*c_range, resolution)
    J, k = surface.landscape_grid(*slice_model(X, w_opt, b_opt, first, second), y, a, c)
    return SurfacePair(
        a, c, J, {loss: surface.grid_minimum(J[loss], a, c) for loss in J},
        {loss: k[loss].downward() for loss in k},
        {loss: float(k[loss].low.min()) for loss in k})
