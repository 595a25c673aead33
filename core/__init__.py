"""Loss Lab's numerical core, one module per piece of math.

Pure NumPy (with pandas for reading files and scikit-learn where it truly helps); no
Streamlit, no Plotly, no display text. The fixed public API (``shared/API.md``) is
importable from here, with the most useful names of the modules below:

* ``losses``: the one in-place softplus/sigmoid kernel, losses and gradients;
  ``stability``: the naive sigmoid-then-log routes against it;
* ``surface``: cost surfaces and their curvature over two parameters (one chunker);
  ``slices``: which two parameters, the rest held at the optimum, and a window;
* ``optimizers``, ``training``: the update rules and the epoch loop;
  ``fitting``: split, preprocess, reference optimum, overfitting, live runs;
* ``thresholds``: sweep, costs, base-rate reweighting, cost ratio, AP/AUC;
  ``bootstrap``, ``calibration``; ``scored``: scored rows and the held-out split;
* ``data``: reading files and uploads; ``datasets``; ``contour``;
  ``dataflow``: one example through the whole model, and the labels' likelihood.
"""

from . import (
    bootstrap,
    calibration,
    dataflow,
    fitting,
    optimizers,
    scored,
    slices,
    stability,
    surface,
)
from .bootstrap import bootstrap_optimum
from .calibration import calibration_summary
from .data import (
    DataError,
    default_positive_label,
    labeled_features,
    load_table,
    read_upload,
    scored_data,
)
from .datasets import Dataset, breast_cancer, one_d, tumour, two_d
from .fitting import reference_optimum
from .losses import (
    cost_and_gradient,
    cost_from_logits,
    log_loss,
    logistic_kernel,
    loss_and_dz,
    naive_log_loss,
    sigmoid,
    softplus,
    squared_loss,
)
from .surface import cost_grid, cost_surface, curvature_grid
from .thresholds import (
    CostMatrix,
    Sweep,
    average_precision,
    bayes_rule_applies,
    bayes_threshold,
    best_threshold,
    expected_cost,
    metrics_at,
    rates,
    reweight_sweep,
    roc_auc,
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
    "average_precision",
    "bayes_rule_applies",
    "bayes_threshold",
    "best_threshold",
    "bootstrap",
    "bootstrap_optimum",
    "breast_cancer",
    "calibration",
    "calibration_summary",
    "cost_and_gradient",
    "cost_from_logits",
    "cost_grid",
    "cost_surface",
    "curvature_grid",
    "dataflow",
    "default_positive_label",
    "expected_cost",
    "fitting",
    "iter_train",
    "labeled_features",
    "load_table",
    "log_loss",
    "logistic_kernel",
    "loss_and_dz",
    "metrics_at",
    "naive_log_loss",
    "one_d",
    "optimizers",
    "rates",
    "read_upload",
    "reference_optimum",
    "reweight_sweep",
    "roc_auc",
    "scored",
    "scored_data",
    "sigmoid",
    "slices",
    "softplus",
    "squared_loss",
    "stability",
    "surface",
    "threshold_sweep",
    "train",
    "tumour",
    "two_d",
]
