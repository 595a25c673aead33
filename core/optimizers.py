"""Update rules for :func:`core.iter_train`: each optimizer is a small object that
holds its own state and turns a gradient into the next ``(w, b)``.

``step(w, b, gw, gb, z)`` takes the parameters, the gradient of the cost at them
(full batch or one mini-batch) and, for Newton, the full-data logits ``z`` at
``(w, b)``; it returns the new ``(w, b)`` and never changes its inputs.
"""

from __future__ import annotations

import numpy as np

from .losses import logistic_kernel

OPTIMIZERS = ("gd", "sgd", "momentum", "adam", "newton")
MOMENTUM = 0.9
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


class GD:
    """Plain gradient descent: ``w <- w - lr g``. On mini-batches, this is SGD."""

    def __init__(self, learning_rate: float):
        self.lr = learning_rate

    def step(self, w, b, gw, gb, z=None):
        """One update from the gradient ``(gw, gb)``; returns the new ``(w, b)``."""
        return w - self.lr * gw, b - self.lr * gb


class SGD(GD):
    """Gradient descent on shuffled mini-batches (the batching is the run's)."""


class Momentum:
    """Heavy ball: ``v <- beta v - lr g; w <- w + v``, with ``v`` starting at 0."""

    def __init__(self, learning_rate: float, beta: float = MOMENTUM):
        self.lr, self.beta = learning_rate, beta
        self.vw, self.vb = None, 0.0

    def step(self, w, b, gw, gb, z=None):
        if self.vw is None:
            self.vw = np.zeros_like(w)
        self.vw = self.beta * self.vw - self.lr * gw
        self.vb = self.beta * self.vb - self.lr * gb
        return w + self.vw, b + self.vb


class Adam:
    """Adam (Kingma and Ba): bias-corrected first and second moments of the
    gradient; each parameter moves by about ``lr`` on the first step."""

    def __init__(self, learning_rate: float, betas=ADAM_BETAS, eps: float = ADAM_EPS):
        self.lr, self.betas, self.eps = learning_rate, betas, eps
        self.t = 0  # updates so far (bias correction)
        self.vw = self.sw = None
        self.vb = self.sb = 0.0

    def step(self, w, b, gw, gb, z=None):
        if self.vw is None:
            self.vw, self.sw = np.zeros_like(w), np.zeros_like(w)
        b1, b2 = self.betas
        self.t += 1
        self.vw = b1 * self.vw + (1 - b1) * gw
        self.vb = b1 * self.vb + (1 - b1) * gb
        self.sw = b2 * self.sw + (1 - b2) * gw * gw
        self.sb = b2 * self.sb + (1 - b2) * gb * gb
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        w = w - self.lr * (self.vw / c1) / (np.sqrt(self.sw / c2) + self.eps)
        b = b - self.lr * (self.vb / c1) / (np.sqrt(self.sb / c2) + self.eps)
        return w, b


class Newton:
    """Damped Newton (IRLS) steps ``(w, b) <- (w, b) - lr H^-1 g`` on the full data.

    ``H`` is the exact Hessian of the log-loss cost, ``mean s x x^T`` with
    ``s = p (1 - p)`` (plus ``l2`` on the weights); for ``"mse"`` the Gauss-Newton
    curvature ``s = 2 (p (1 - p))^2``, never indefinite.
    """

    def __init__(self, learning_rate: float, loss: str, X: np.ndarray, l2: float):
        self.lr, self.loss, self.X, self.l2 = learning_rate, loss, X, l2

    def step(self, w, b, gw, gb, z=None):
        """``z`` are the full-data logits at ``(w, b)``, where the curvature is."""
        X, (n, d) = self.X, self.X.shape
        p, q = np.empty_like(z), np.empty_like(z)
        logistic_kernel(z.copy(), np.empty_like(z), sigmoid=p, sigmoid_neg=q)
        s = p * q  # p (1 - p) without cancellation
        if self.loss == "mse":
            s = 2.0 * s * s  # Gauss-Newton curvature of (p - y)^2
        Xs = X * s[:, None]
        H = np.empty((d + 1, d + 1))
        H[:d, :d] = X.T @ Xs / n + self.l2 * np.eye(d)
        H[:d, d] = H[d, :d] = Xs.sum(axis=0) / n
        H[d, d] = s.sum() / n
        g = np.append(gw, gb)
        # A tiny ridge keeps H solvable when the data are separable and p saturates.
        H[np.diag_indices(d + 1)] += 1e-12 * max(1.0, np.abs(H).max())
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        return w - self.lr * step[:d], b - self.lr * float(step[d])


def make_optimizer(name: str, learning_rate: float, *, loss: str = "log", X=None,
                   l2: float = 0.0):
    """The update rule called ``name`` (one of :data:`OPTIMIZERS`), fresh state."""
    if name == "newton":
        return Newton(learning_rate, loss, X, l2)
    return {"gd": GD, "sgd": SGD, "momentum": Momentum, "adam": Adam}[name](
        learning_rate
    )
