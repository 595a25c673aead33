"""One example through the whole model, step by step, with each step's shape contract.

raw ``x`` of shape ``(1, n_inputs)`` -> polynomial features ``(1, n_poly)`` ->
standardised ``(1, n_poly)`` -> logit ``z = x . w + b`` ``(1,)`` -> ``p = sigmoid(z)``
-> per-example loss under log loss and squared error -> decision ``p >= t`` -> its
cost in the cost matrix. The arithmetic is that of ``core.fitting.Preprocessor``,
``core.losses`` and ``core.thresholds``: this module only keeps every intermediate
array, so a reader can follow one row and check each number.

Also the likelihood of all labels, whose negative mean log is the log-loss cost J.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fitting import Preprocessor, polynomial_features
from .losses import log_loss, loss_and_dz, sigmoid
from .thresholds import CostMatrix


class ShapeError(ValueError):
    """An array does not have the shape the next step needs."""


@dataclass(frozen=True)
class Trace:
    """Every intermediate value of one example (arrays keep their 2-D row shape)."""

    x_raw: np.ndarray  # (1, n_inputs)
    x_poly: np.ndarray  # (1, n_poly)
    x_model: np.ndarray  # (1, n_poly): standardised with the training rows' stats
    w: np.ndarray  # (n_poly,)
    b: float
    z: float
    p: float
    y_true: int
    loss: dict[str, float]  # "log" and "mse": per-example loss
    dz: dict[str, float]  # "log" and "mse": dL/dz
    threshold: float
    decision: int  # 1 when p >= threshold (scikit-learn's convention)
    cell: str  # "tp", "fp", "fn" or "tn"
    cost: float  # the cost matrix's entry for that cell


def check_row(x_raw, n_inputs: int) -> np.ndarray:
    """The raw input as a ``(1, n_inputs)`` float row; a flat vector of the right
    length is accepted (and reshaped), anything else is a :class:`ShapeError`."""
    x = np.asarray(x_raw, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape != (1, n_inputs):
        raise ShapeError(f"expected one row of shape (1, {n_inputs}), got "
                         f"{tuple(x.shape)}")
    if not np.all(np.isfinite(x)):
        raise ShapeError("every input must be a finite number")
    return x


def trace_example(x_raw, y_true: int, pre: Preprocessor, w, b: float,
                  threshold: float, cost: CostMatrix) -> Trace:
    """Follow one example through ``pre``, the linear model ``(w, b)``, the sigmoid,
    both losses, the decision at ``threshold`` and its cost.

    Shape contracts (each raises :class:`ShapeError`): the raw row has the
    preprocessor's number of inputs; the polynomial features have one entry per
    weight; ``y_true`` is 0 or 1.
    """
    x = check_row(x_raw, len(pre.input_names))
    w = np.asarray(w, dtype=float).ravel()
    x_poly = polynomial_features(x, pre.degree)[0]
    if x_poly.shape[1] != len(w) or len(pre.mean) != len(w):
        raise ShapeError(f"the model has {len(w)} weights but the features have "
                         f"shape {tuple(x_poly.shape)}")
    x_model = (x_poly - pre.mean) / pre.scale
    if int(y_true) not in (0, 1) or y_true != int(y_true):
        raise ShapeError("the label must be 0 or 1")
    y = int(y_true)
    z = float((x_model @ w + b)[0])
    p = float(sigmoid(z))
    loss, dz = {}, {}
    for name in ("log", "mse"):
        value, grad = loss_and_dz(name, np.array([float(y)]), np.array([z]))
        loss[name], dz[name] = float(value[0]), float(grad[0])
    decision = int(p >= threshold)
    cell = ("tp" if y else "fp") if decision else ("fn" if y else "tn")
    return Trace(x, x_poly, x_model, w, float(b), z, p, y, loss, dz,
                 float(threshold), decision, cell, float(getattr(cost, cell)))


@dataclass(frozen=True)
class Likelihood:
    """The Bernoulli likelihood of the labels under a model, in log form.

    ``L = prod_i p_i^y_i (1 - p_i)^(1 - y_i)``; ``log_l`` is its natural log (a sum);
    ``log10_l`` writes ``L = 10 ** log10_l`` (``L`` itself underflows to 0 for a
    few thousand rows); ``cost = -log_l / m`` is the mean log loss J.
    """

    m: int
    log_l: float
    log10_l: float
    cost: float
    product: float  # L computed as a product of probabilities: 0.0 once it underflows


def likelihood(y_true, logits) -> Likelihood:
    """Log-likelihood of labels ``y_true`` (n_samples,) in {0, 1} under ``logits``
    (n_samples,), summed in logits space: ``log L = -sum_i softplus((1 - 2y_i) z_i)``.

    Never through the product: each factor is below 1, so the product of a few
    hundred underflows to exactly 0 in float64 (and its log to -inf), and a
    factor computed as ``1 - p`` is already 0 once ``p`` rounds to 1 (z > 37).
    The naive product is returned too, only to show that.
    """
    y = np.asarray(y_true, dtype=float).ravel()
    z = np.asarray(logits, dtype=float).ravel()
    if y.shape != z.shape:
        raise ShapeError(f"labels {y.shape} and logits {z.shape} differ in shape")
    per = log_loss(y, z)
    log_l = -float(np.sum(per))
    p = sigmoid(z)
    with np.errstate(under="ignore"):
        product = float(np.prod(np.where(y == 1, p, 1.0 - p)))
    return Likelihood(len(y), log_l, log_l / np.log(10.0), -log_l / len(y), product)
