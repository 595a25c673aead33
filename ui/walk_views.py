"""The "Walk one example" page's pieces: which model, and the dataflow in words.

The model is the log-loss optimum fitted here on all rows of the chosen data
(polynomial features, then standardisation; a small L2 penalty keeps separable
data finite), or the Training page's log-loss run when its session holds one for
the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.dataflow import Trace
from core.fitting import Preprocessor, fit_preprocessor
from core.slices import OPTIMUM_L2, fitted_optimum
from ui import training_session
from ui.advice import optimum_method
from ui.memo import memo
from ui.sidebar import Chosen

MAX_DEGREE_INPUTS = 2  # polynomial features only for data with at most 2 inputs
SHOWN = 6  # entries of a long vector written out


@dataclass(frozen=True)
class WalkModel:
    pre: Preprocessor
    w: np.ndarray
    b: float
    words: str  # where it comes from, Markdown-safe


def fitted_model(data: Chosen, degree: int) -> WalkModel:
    """The log-loss optimum of the chosen data through this preprocessing."""
    X, y = data.dataset.X, data.dataset.y

    def fit():
        pre = fit_preprocessor(X, degree, True, data.dataset.feature_names)
        return pre, fitted_optimum(pre.transform(X), y)

    pre, opt = memo("walk.fit", (data.key, degree), fit, shared=data.shared)
    return WalkModel(pre, opt.w, opt.b, f"fitted here (log loss, "
                     f"{optimum_method(opt)}, L2 penalty {OPTIMUM_L2:g})")


def trained_model(data: Chosen) -> WalkModel | None:
    """The Training page's log-loss run on these data, if this session has one."""
    ts = training_session.session()
    if ts is None or ts.signature.data != data.key or not ts.runs:
        return None
    loss = "log" if "log" in ts.runs else next(iter(ts.runs))
    run = ts.runs[loss]
    name = "log loss" if loss == "log" else "squared error"
    return WalkModel(ts.prep.pre, np.asarray(run.w, dtype=float), float(run.b),
                     f"the Training page's {name} run after {run.epochs_run} "
                     "epochs (its preprocessing was fitted on its training rows)")


def vector(values, limit: int = SHOWN) -> str:
    """``[0.12, -3.4, ...]`` with at most ``limit`` entries written out."""
    flat = np.asarray(values, dtype=float).ravel()
    shown = ", ".join(f"{v:.4g}" for v in flat[:limit])
    more = f", ... ({len(flat) - limit} more)" if len(flat) > limit else ""
    return f"[{shown}{more}]"


def shape(array) -> str:
    return str(tuple(np.shape(array)))


def flow_rows(t: Trace, cost_words: str) -> list[dict[str, str]]:
    """The dataflow as table rows: step, value, shape, and the contract it checks."""
    n_in, n_poly = t.x_raw.shape[1], t.x_poly.shape[1]
    cell_words = {"tp": "true positive", "fp": "false positive",
                  "fn": "false negative", "tn": "true negative"}
    return [
        {"step": "raw x", "value": vector(t.x_raw), "shape": shape(t.x_raw),
         "contract": f"one row with the {n_in} input column(s) the model was "
                     "built on"},
        {"step": "-> polynomial features", "value": vector(t.x_poly),
         "shape": shape(t.x_poly),
         "contract": f"{n_in} inputs -> {n_poly} features, one per weight"},
        {"step": "-> standardised x", "value": vector(t.x_model),
         "shape": shape(t.x_model),
         "contract": f"(x - mean) / scale with the training rows' {n_poly} means "
                     "and scales (same shape, broadcast)"},
        {"step": "-> z = w . x + b", "value": f"{t.z:.6g}", "shape": "(1,)",
         "contract": f"(1, {n_poly}) @ ({n_poly},) + scalar: the inner dimensions "
                     "match"},
        {"step": "-> p = sigmoid(z)", "value": f"{t.p:.6g}", "shape": "(1,)",
         "contract": "elementwise: 0 < p < 1 for any finite z"},
        {"step": "-> log loss", "value": f"{t.loss['log']:.6g}", "shape": "(1,)",
         "contract": f"y = {t.y_true} must be 0 or 1; computed from z (logits space)"},
        {"step": "-> squared error", "value": f"{t.loss['mse']:.6g}",
         "shape": "(1,)", "contract": "(p - y)^2, same y"},
        {"step": f"-> decision at t = {t.threshold:.4g}",
         "value": f"{t.decision} ({cell_words[t.cell]})", "shape": "(1,)",
         "contract": "p and t on the same scale (probabilities); flag when p >= t"},
        {"step": "-> its cost", "value": cost_words, "shape": "scalar",
         "contract": "one cell of the 2 x 2 cost matrix"},
    ]
