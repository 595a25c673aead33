"""What the app hands over as files: the threshold table as CSV (safe to open in a
spreadsheet), the one-page Markdown decision memo, and a trained model as JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.bootstrap import BootstrapResult
from core.calibration import Calibration
from core.fitting import Preprocessor, polynomial_features
from core.thresholds import Comparison, CostMatrix, Sweep, expected_cost, rates
from ui.format import format_threshold, money, plain

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """A text cell a spreadsheet could run as a formula gets a leading apostrophe.

    Applies to text only (``=``, ``+``, ``-``, ``@``, tab or carriage return first).
    Numbers are left as numbers: a spreadsheet reads ``-12.5`` in a number column as
    the number it is, never as a formula, so negative costs stay numeric and
    summable.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(df: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8) with every text cell and header neutralised against formula
    injection; numeric columns are written as plain numbers."""
    out = df.copy()
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    return out.to_csv(index=False).encode("utf-8")


def threshold_table(sweep: Sweep, cost: CostMatrix) -> pd.DataFrame:
    """One row per sweep threshold: counts, rates and mean cost per case."""
    table = {
        "threshold": sweep.thresholds,
        "tp": sweep.tp,
        "fp": sweep.fp,
        "fn": sweep.fn,
        "tn": sweep.tn,
    }
    table |= rates(sweep)
    table["expected_cost_per_case"] = expected_cost(sweep, cost)
    return pd.DataFrame(table)


def decision_memo(
    *,
    data_description: str,
    n_rows: int,
    n_cases: float,
    sample_prevalence: float,
    deployment_prevalence: float,
    cost: CostMatrix,
    currency: str,
    per: int,
    threshold: float,
    optimum: float,
    bayes: float | None,
    evaluation: str,
    metrics: dict[str, dict[str, float]],
    comparison: Comparison,
    bootstrap: BootstrapResult | None,
    calibration: Calibration | None = None,
) -> str:
    """A one-page Markdown decision memo: data, cost matrix, chosen threshold,
    metrics, cost against the alternatives, and how sure the optimum is.

    ``metrics`` maps a part name ("validation", "test") to :func:`core.metrics_at`
    output; ``comparison`` is on the part the numbers are reported on.
    """
    cur = plain(currency)  # user text; a bare "$" would start LaTeX in a renderer

    def m(x):
        return money(x, cur)

    lines = [
        "# Decision memo: classification threshold",
        "",
        "## Data",
        f"- Source: {plain(data_description)}",
        f"- {n_rows:,} scored rows standing for {n_cases:,.0f} cases; "
        f"{sample_prevalence:.1%} positive in the data.",
        f"- Deployment base rate assumed: {deployment_prevalence:.1%}"
        + (" (numbers re-weighted: positives by pi/p, negatives by (1-pi)/(1-p))."
           if abs(deployment_prevalence - sample_prevalence) > 1e-12 else "."),
        f"- Evaluation: {plain(evaluation)}",
        "",
        f"## Cost matrix ({cur} per case; a negative cost is a gain)",
        "| | flagged | not flagged |",
        "|---|---:|---:|",
        f"| actual positive | TP {m(cost.tp)} | FN {m(cost.fn)} |",
        f"| actual negative | FP {m(cost.fp)} | TN {m(cost.tn)} |",
        "",
        "## Decision",
        f"- Chosen threshold: **{format_threshold(threshold)}** "
        "(flag a case when its score is at or above it).",
        "- Cost-optimal threshold on the validation data: "
        f"{format_threshold(optimum)}.",
    ]
    if bayes is not None:
        lines.append(
            f"- Bayes threshold for calibrated probabilities: {bayes:.4g}."
        )
    lines += ["", "## Metrics at the chosen threshold",
              "| part | precision | recall | F1 | accuracy | specificity | flagged |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for part, mt in metrics.items():
        lines.append(
            f"| {plain(part)} | {mt['precision']:.3f} | {mt['recall']:.3f} | "
            f"{mt['f1']:.3f} | {mt['accuracy']:.3f} | {mt['specificity']:.3f} | "
            f"{mt['flagged']:.1%} |"
        )
    c = comparison
    lines += [
        "",
        f"## Expected cost per {per:,} cases",
        "| decision rule | cost | saved by the chosen threshold |",
        "|---|---:|---:|",
        f"| chosen threshold {format_threshold(c.optimum)} | "
        f"{m(c.at_optimum * per)} | |",
        f"| threshold {c.default_threshold:g} | {m(c.at_default * per)} | "
        f"{m(c.saved_vs('default', per))} |",
        f"| flag everyone | {m(c.flag_everyone * per)} | "
        f"{m(c.saved_vs('everyone', per))} |",
        f"| flag no one | {m(c.flag_no_one * per)} | {m(c.saved_vs('no_one', per))} |",
    ]
    if bootstrap is not None:
        lo, hi = bootstrap.threshold_band
        clo, chi = bootstrap.cost_band
        lines += [
            "",
            "## How sure is the optimum",
            f"- Bootstrap ({len(bootstrap.thresholds)} resamples of the cases): the "
            f"optimal threshold lies between {format_threshold(lo)} and "
            f"{format_threshold(hi)} in {bootstrap.level:.0%} of resamples; its cost "
            f"between {m(clo * per)} and {m(chi * per)} per {per:,} cases.",
        ]
    if calibration is not None:
        lines += [
            "",
            "## Calibration",
            f"- Brier score {calibration.brier:.4f}, "
            f"log loss {calibration.log_loss:.4f},"
            f" expected calibration error {calibration.ece:.3f}. The Bayes threshold "
            "is only trustworthy when the scores are calibrated probabilities.",
        ]
    lines += ["", "_Made with Loss Lab._", ""]
    return "\n".join(lines)


def model_export(w, b: float, preprocessor: Preprocessor, *, loss: str,
                 settings: dict | None = None, metrics: dict | None = None) -> dict:
    """A JSON-ready description of a trained model and how to apply it.

    ``logit = sum(w * (poly(x) - mean) / scale) + b``; :func:`export_logits`
    applies it.
    """
    return {
        "model": "logistic regression",
        "loss": loss,
        "formula": "p = sigmoid(w . ((poly(x) - mean) / scale) + b)",
        "w": [float(v) for v in np.asarray(w, dtype=float)],
        "b": float(b),
        "input_features": list(preprocessor.input_names),
        "feature_names": list(preprocessor.feature_names),
        "preprocessing": {
            "polynomial_degree": preprocessor.degree,
            "polynomial": "scikit-learn PolynomialFeatures(include_bias=False)",
            "standardise": preprocessor.standardise,
            "mean": [float(v) for v in preprocessor.mean],
            "scale": [float(v) for v in preprocessor.scale],
        },
        "training": dict(settings or {}),
        "metrics": dict(metrics or {}),
    }


def export_logits(export: dict, X) -> np.ndarray:
    """Apply an exported model (see :func:`model_export`) to raw inputs."""
    pre = export["preprocessing"]
    Xp, _ = polynomial_features(X, int(pre["polynomial_degree"]))
    Z = (Xp - np.asarray(pre["mean"])) / np.asarray(pre["scale"])
    return Z @ np.asarray(export["w"]) + float(export["b"])
