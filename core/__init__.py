"""Loss Lab's numerical core: losses, gradients, training, surfaces, thresholds, data.

Pure NumPy (with pandas for reading files); no Streamlit, no Plotly.
"""

from .data import (
    DataError,
    default_positive_label,
    labeled_features,
    load_table,
    scored_data,
)
from .datasets import Dataset, breast_cancer, one_d, tumour, two_d
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
from .thresholds import (
    CostMatrix,
    Sweep,
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
    "bayes_threshold",
    "best_threshold",
    "breast_cancer",
    "cost_and_gradient",
    "cost_from_logits",
    "cost_surface",
    "default_positive_label",
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
    "scored_data",
    "sigmoid",
    "softplus",
    "squared_loss",
    "threshold_sweep",
    "train",
    "tumour",
    "two_d",
]
