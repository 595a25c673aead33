"""The textbook route to the log loss (sigmoid, then log, in float32 or float64)
against the logits-space one and an exact reference, and the per-example curves of
both losses: the numbers behind the "why log loss" page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

import numpy as np

from .losses import logistic_kernel, loss_and_dz


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
    t = np.array(t, ndmin=1)
    logistic_kernel(t, np.empty_like(t), softplus=t)
    return t.astype(np.float64)


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
