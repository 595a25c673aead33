"""What the app hands over as files: the threshold table as CSV (safe to open in a
spreadsheet), the one-page Markdown decision memo, and a trained model as JSON."""

from __future__ import annotations

import csv
import hashlib
import html
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.bootstrap import BootstrapResult
from core.calibration import Calibration
from core.fitting import Preprocessor, polynomial_features
from core.thresholds import (
    Comparison,
    CostMatrix,
    Recommendation,
    Sweep,
    expected_cost,
    rates,
)
from ui.format import format_threshold, money, plain, short

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


# ---------------------------------------------------------------------------------
# The Threshold page's decision exports: CSV of both halves, plain-text memo and a
# self-contained HTML report. User text is written as text (never markup).
# ---------------------------------------------------------------------------------

POLICY_NAMES = {"optimum": "cost-optimal threshold", "default": "default threshold",
                "everyone": "flag everyone", "no_one": "flag no one"}


@dataclass(frozen=True)
class ScenarioLine:
    """One saved scenario in an export: its name (user text), cost matrix, its
    cost-optimal threshold (validation half) and, on the held-out half, the share
    flagged, precision, recall and mean cost per case under its own matrix."""

    name: str
    cost: CostMatrix
    threshold: float
    flagged: float
    precision: float
    recall: float
    own_cost: float


@dataclass(frozen=True)
class DecisionFacts:
    """Everything a decision export says, computed once on the page."""

    made: str  # UTC date and time
    source: str  # where the scores come from (user text)
    file_name: str  # "" for a built-in dataset
    n_rows: int
    n_cases: float
    positives: float
    content_sha256: str
    base_rate: str  # in words
    weights: str  # how weights were read, in words ("" without weights)
    cost: CostMatrix
    currency: str
    per: int
    digits: int
    threshold: float  # the one the page shows (the slider's)
    recommendation: Recommendation
    saving_band: tuple[float, float]  # per case, vs the default
    default_threshold: float
    split: bool
    scenarios: tuple[ScenarioLine, ...] = ()

    def t(self, value: float) -> str:
        return format_threshold(value, self.digits)

    def money(self, value: float) -> str:
        return money(value, short(self.currency, 5))


def content_sha256(y_true, scores, sample_weight=None) -> str:
    """SHA-256 of the scored rows' values (labels, scores, weights) as float64."""
    h = hashlib.sha256()
    for a in (y_true, scores, sample_weight):
        if a is not None:
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
        h.update(b"|")
    return h.hexdigest()


def _count_text(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.6g}"


def decision_csv(facts: DecisionFacts, halves: dict[str, Sweep]) -> bytes:
    """The threshold table of each half (``{"validation": sweep, "held-out": ...}``)
    as CSV: a ``#`` header block (cost matrix, currency, data, date), then one row
    per distinct score of each half, highest first (flagging no one is no row).

    Counts are whole numbers when the weights are; costs are per ``facts.per``
    cases, as on screen; thresholds have the page's digits. Every text cell and the
    header block are neutralised against spreadsheet formulas.
    """
    c, cur = facts.cost, neutralise_cell(short(facts.currency, 5))
    head = [
        "Loss Lab threshold table",
        f"made {facts.made}",
        f"data: {short(facts.source, 120)}; {facts.n_rows} rows; "
        f"sha256 {facts.content_sha256}",
        f"currency: {cur}; costs per case: TP {c.tp:g}; FP {c.fp:g}; FN {c.fn:g}; "
        f"TN {c.tn:g}",
        f"expected_cost is per {facts.per} cases; a case is flagged when its score is"
        " at or above the threshold",
    ]
    out = io.StringIO()
    for line in head:  # one cell per line, starting with "#": never a formula
        out.write("# " + line.replace(",", ";").replace('"', "'") + "\n")
    writer = csv.writer(out, lineterminator="\n")
    cost_col = f"expected_cost_per_{facts.per}"
    writer.writerow(["half", "threshold", "tp", "fp", "fn", "tn", "precision",
                     "recall", "f1", "flagged", cost_col])
    for half, sweep in halves.items():
        r = rates(sweep)
        ec = expected_cost(sweep, facts.cost) * facts.per
        for i in range(1, len(sweep.thresholds)):  # row 0 is +inf: flag no one
            writer.writerow([
                neutralise_cell(half), format_threshold(sweep.thresholds[i],
                                                        facts.digits),
                *(_count_text(x[i]) for x in (sweep.tp, sweep.fp, sweep.fn,
                                               sweep.tn)),
                f"{r['precision'][i]:.6f}", f"{r['recall'][i]:.6f}",
                f"{r['f1'][i]:.6f}", f"{r['flagged'][i]:.6f}", f"{ec[i]:.6f}",
            ])
    return out.getvalue().encode("utf-8")


def _recommendation_lines(f: DecisionFacts) -> list[str]:
    rec, per = f.recommendation, f.per
    basis = ("held-out half (the threshold was chosen on the validation half)"
             if f.split else "same rows it was chosen on (too few to hold out)")
    lo, hi = f.saving_band
    lines = [f"Recommendation: {POLICY_NAMES[rec.policy]}, threshold "
             f"{f.t(rec.threshold)}."]
    if rec.policy == "optimum":
        lines.append(
            f"It saves {f.money(rec.saved_vs('default', per))} per {per:,} cases "
            f"against {f.default_threshold:g} on the {basis}; 90% bootstrap "
            f"interval {f.money(lo * per)} to {f.money(hi * per)}.")
    else:
        lines.append(
            f"The cost-optimal threshold on the validation half, "
            f"{f.t(rec.optimum)}, costs more on the held-out half than "
            + ", ".join(POLICY_NAMES[b] for b in rec.beaten_by) + "; the cheapest "
            "of those is recommended instead.")
    return lines


def _check_rows(f: DecisionFacts) -> list[tuple[str, str, str, str]]:
    """(policy, threshold, validation cost, held-out cost) per ``per`` cases."""
    rec, per = f.recommendation, f.per
    return [(POLICY_NAMES[k], f.t(rec.thresholds[k]),
             f.money(rec.validation[k] * per), f.money(rec.held_out[k] * per))
            for k in ("optimum", "default", "everyone", "no_one")]


def decision_memo_text(f: DecisionFacts, metrics: dict[str, dict[str, float]]) -> str:
    """The decision memo as Markdown that reads as plain text: no escapes (user
    text is shortened to one line and shown as is; nothing renders it), a date,
    the data, the cost matrix, the recommendation with its interval, the held-out
    check and the metrics at ``f.threshold``."""
    c, per = f.cost, f.per
    name = short(f.file_name or f.source, 120)
    lines = [
        "# Decision memo: classification threshold", "",
        f"Made {f.made} with Loss Lab.", "",
        "## Data",
        f"- Scores: {short(f.source, 200)}",
        f"- File: {name}; {f.n_rows:,} rows, {f.n_cases:,.0f} cases, "
        f"{f.positives:,.0f} positive; SHA-256 {f.content_sha256}",
        f"- Positives in production: {f.base_rate}",
    ]
    if f.weights:
        lines.append(f"- Weights: {f.weights}")
    lines += [
        "", f"## Cost matrix ({short(f.currency, 5)} per case; a gain is negative)",
        "", "|                 | flagged   | not flagged |",
        "|-----------------|-----------|-------------|",
        f"| actual positive | TP {f.money(c.tp):<6} | FN {f.money(c.fn):<8} |",
        f"| actual negative | FP {f.money(c.fp):<6} | TN {f.money(c.tn):<8} |",
        "", "## Recommendation", "", *_recommendation_lines(f), "",
        f"## Held-out check (cost per {per:,} cases)", "",
        "| policy | threshold | validation | held-out |", "|---|---|---:|---:|",
        *(f"| {a} | {b} | {v} | {h} |" for a, b, v, h in _check_rows(f)), "",
        f"## At threshold {f.t(f.threshold)}", "",
        "| part | precision | recall | F1 | flagged |", "|---|---:|---:|---:|---:|",
    ]
    for part, mt in metrics.items():
        lines.append(f"| {part} | {mt['precision']:.3f} | {mt['recall']:.3f} | "
                     f"{mt['f1']:.3f} | {mt['flagged']:.1%} |")
    if f.scenarios:
        lines += ["", "## Scenarios", "", *_scenario_intro(f), "",
                  "| scenario | TP | FP | FN | TN | threshold | flagged | precision "
                  f"| recall | own cost per {per:,} |",
                  "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|"]
        lines += ["| " + " | ".join(cells) + " |" for cells in _scenario_cells(f)]
    return "\n".join(lines) + "\n"


def _scenario_intro(f: DecisionFacts) -> list[str]:
    basis = ("held-out half" if f.split else "same rows (too few to hold out)")
    return [f"Each saved cost matrix's cost-optimal threshold (chosen on the "
            f"validation half); share flagged, precision, recall and its cost under "
            f"its own matrix on the {basis}."]


def _scenario_cells(f: DecisionFacts) -> list[list[str]]:
    """One row of text cells per scenario (a "|" in a name would end a Markdown
    cell, so it is shown as a broken bar)."""
    return [[short(s.name, 30).replace("|", "\u00a6"),
             *(f.money(v) for v in (s.cost.tp, s.cost.fp, s.cost.fn, s.cost.tn)),
             f.t(s.threshold), f"{s.flagged:.1%}", f"{s.precision:.3f}",
             f"{s.recall:.3f}", f.money(s.own_cost * f.per)]
            for s in f.scenarios]


def decision_report_html(f: DecisionFacts, metrics: dict[str, dict[str, float]],
                         figure) -> str:
    """One self-contained HTML file that opens offline: Plotly's JavaScript
    inlined, every user text escaped."""
    e = html.escape
    c = f.cost
    rows = "".join(f"<tr><td>{e(a)}</td><td>{e(b)}</td><td>{e(v)}</td>"
                   f"<td>{e(h)}</td></tr>" for a, b, v, h in _check_rows(f))
    mrows = "".join(
        f"<tr><td>{e(p)}</td><td>{m['precision']:.3f}</td><td>{m['recall']:.3f}"
        f"</td><td>{m['f1']:.3f}</td><td>{m['flagged']:.1%}</td></tr>"
        for p, m in metrics.items())
    chart = figure.to_html(full_html=False, include_plotlyjs=True,
                           config={"displaylogo": False})
    rec = "".join(f"<p id='recommendation'>{e(x)}</p>" if i == 0 else f"<p>{e(x)}</p>"
                  for i, x in enumerate(_recommendation_lines(f)))
    lo, hi = f.saving_band
    scenarios = ""
    if f.scenarios:
        srows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>"
                        for cells in _scenario_cells(f))
        scenarios = (
            f"<h2>Scenarios</h2><p>{e(_scenario_intro(f)[0])}</p>"
            "<table id='scenarios'><tr><th>scenario</th><th>TP</th><th>FP</th>"
            "<th>FN</th><th>TN</th><th>threshold</th><th>flagged</th>"
            "<th>precision</th><th>recall</th>"
            f"<th>own cost per {f.per:,}</th></tr>{srows}</table>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Decision report: classification threshold</title>
<style>body{{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #bbb;padding:4px 10px}}</style>
</head><body>
<h1>Decision report: classification threshold</h1>
<p>Made {e(f.made)} with Loss Lab.</p>
<h2>Data</h2>
<ul><li>Scores: {e(short(f.source, 200))}</li>
<li>File: {e(short(f.file_name or "(built-in dataset)", 120))}</li>
<li>Rows: <span id="rows">{f.n_rows}</span>; cases {f.n_cases:,.0f}; positives
<span id="positives">{f.positives:,.0f}</span></li>
<li>SHA-256: <code id="sha256">{f.content_sha256}</code></li>
<li>Positives in production: {e(f.base_rate)}</li>
{f"<li>Weights: {e(f.weights)}</li>" if f.weights else ""}</ul>
<h2>Cost matrix ({e(short(f.currency, 5))} per case)</h2>
<table id="cost-matrix"><tr><th></th><th>flagged</th><th>not flagged</th></tr>
<tr><th>actual positive</th><td data-cell="tp">{c.tp:g}</td>
<td data-cell="fn">{c.fn:g}</td></tr>
<tr><th>actual negative</th><td data-cell="fp">{c.fp:g}</td>
<td data-cell="tn">{c.tn:g}</td></tr></table>
<h2>Recommendation</h2>{rec}
<p>Saving against {f.default_threshold:g}, 90% bootstrap interval per {f.per:,}
cases: <span id="interval-low">{lo * f.per:.6g}</span> to
<span id="interval-high">{hi * f.per:.6g}</span>.</p>
<h2>Held-out check (cost per {f.per:,} cases)</h2>
<table id="held-out-check"><tr><th>policy</th><th>threshold</th><th>validation</th>
<th>held-out</th></tr>{rows}</table>
<h2>At threshold {e(f.t(f.threshold))}</h2>
<table><tr><th>part</th><th>precision</th><th>recall</th><th>F1</th>
<th>flagged</th></tr>{mrows}</table>
{scenarios}
<h2>Precision, recall, F1 and expected cost</h2>
{chart}
</body></html>
"""
