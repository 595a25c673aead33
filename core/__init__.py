"""Loss Lab's numerical core: losses, gradients, training, surfaces, thresholds, data.

Pure NumPy (with pandas for reading files and scikit-learn where it truly helps); no
Streamlit, no Plotly. The fixed public API (``shared/API.md``) is importable from
here; the teaching, training-diagnostics and decision helpers the pages use live in
the submodules ``core.teaching``, ``core.diagnostics`` and ``core.decision``, with
their most useful names re-exported below.
"""

from . import decision, diagnostics, teaching
from .data import (
    DataError,
    default_positive_label,
    labeled_features,
    load_table,
    read_upload,
    scored_data,
)
from .datasets import Dataset, breast_cancer, one_d, tumour, two_d
from .decision import bootstrap_optimum, calibration_summary, reweight_sweep
from .diagnostics import reference_optimum
from .losses import (
    cost_and_gradient,
    cost_from_logits,
    log_loss,
    loss_and_dz,
    naive_log_loss,
    sigmoid,
    softplus,
    squared_loss,
)
from .surface import cost_surface
from .teaching import cost_grid, curvature_grid
from .thresholds import (
    CostMatrix,
    Sweep,
    bayes_rule_applies,
    bayes_threshold,
    best_threshold,
    expected_cost,
    metrics_at,
    rates,
    threshold_sweep,
)
from .training import History, Step, TrainingRun, iter_train, train

__all__ = [
    "CostMatrix",
    "DataError",
    "Dataset",
    "History",
    "Step",
    "Sweep",
    "TrainingRun",
    "bayes_rule_applies",
    "bayes_threshold",
    "best_threshold",
    "bootstrap_optimum",
    "breast_cancer",
    "calibration_summary",
    "cost_and_gradient",
    "cost_from_logits",
    "cost_grid",
    "cost_surface",
    "curvature_grid",
    "decision",
    "default_positive_label",
    "diagnostics",
    "expected_cost",
    "iter_train",
    "labeled_features",
    "load_table",
    "log_loss",
    "loss_and_dz",
    "metrics_at",
    "naive_log_loss",
    "one_d",
    "rates",
    "read_upload",
    "reference_optimum",
    "reweight_sweep",
    "scored_data",
    "sigmoid",
    "softplus",
    "squared_loss",
    "teaching",
    "threshold_sweep",
    "train",
    "tumour",
    "two_d",
]
