"""Threshold & business cost: turn scores into decisions that cost the least.

The sweep of every threshold is computed once per data and score choice; a slider
move only looks the threshold up (one binary search) and redraws small, downsampled
figures inside an ``st.fragment``, so it stays instant on a million uploaded rows.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

import core
from core.bootstrap import bootstrap_optimum
from core.calibration import calibration_summary
from core.scored import (
    ScoredRows,
    out_of_fold_scores,
    parse_scored_upload,
    plot_rows,
    split_scored,
    to_probabilities,
)
from core.thresholds import (
    average_precision,
    bayes_rule_applies,
    compare_costs,
    cost_ratio,
    optimum_by_ratio,
    reweight_sweep,
    roc_auc,
    sample_prevalence,
)
from ui.exports import decision_memo, safe_csv, threshold_table
from ui.figures_threshold import (
    make_bootstrap_figure,
    make_calibration_figure,
    make_cost_figure,
    make_metrics_figure,
    make_pr_figure,
    make_ratio_figure,
    make_roc_figure,
    move_current,
)
from ui.format import format_threshold, money
from ui.frame import require_frame
from ui.sidebar import current_dataset

require_frame()  # before any element: the page must run inside app.py

SOURCES = {
    "builtin": "Logistic regression on the sidebar dataset",
    "trained": "The model trained on the Training page",
    "upload": "Upload a scored file",
}
PER_CHOICES = (1, 100, 1_000, 10_000, 100_000, 1_000_000)
DEFAULTS = {
    "thr_source": "builtin",
    "thr_cost_tp": 0.0,
    "thr_cost_fp": 10.0,
    "thr_cost_fn": 30.0,
    "thr_cost_tn": 0.0,
    "thr_currency": "$",
    "thr_per": 1_000,
    "thr_prev_on": False,
    "thr_sigmoid": False,
}
SETTINGS_KEYS = (*DEFAULTS, "thr_prevalence", "thr_col_label", "thr_col_score",
                 "thr_col_weight", "thr_live_curves")
MAX_PLOT_POINTS = 800
N_BOOT = 300
RATIOS = np.logspace(-2, 2, 81)
SLIDER_STEPS = 1_000
CONFIG = {"displaylogo": False}
VIEWS = ("Threshold & cost", "How sure is the optimum", "Calibration", "Method & data",
        "Export")


def _md_money(value: float, currency: str) -> str:
    """Money for Markdown text: a bare "$" would start LaTeX math in Streamlit."""
    return money(value, currency).replace("$", "\\$")


def _init_state() -> None:
    s = st.session_state
    for key, value in DEFAULTS.items():
        s.setdefault(key, value)
    # The settings widgets are not drawn while their section is folded, and Streamlit
    # forgets the value of a widget that was not drawn: hand the values back to
    # Session State first (Streamlit's documented way to keep them).
    for key in SETTINGS_KEYS:
        if key in s:
            s[key] = s[key]


def _memo(name: str, key, fn, *args):
    """Per-session memo on top of ``st.cache_data``: a rerun that needs the same
    result gets the very same object back (no copy, no re-hash of big arrays)."""
    store = st.session_state.setdefault("thr_memo", {})
    k = (name, key)
    if k not in store:
        if len(store) > 48:
            store.clear()
        store[k] = fn(key, *args)
    return store[k]


# ---------------------------------------------------------------------------------
# Heavy, pure work: cached by a hashable key; big arrays are passed unhashed (_arg)
# ---------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def _builtin_scores(key, _X, _y) -> np.ndarray:
    return out_of_fold_scores(_X, _y)


@st.cache_data(show_spinner=False, max_entries=8)
def _analyse(key, _rows: ScoredRows) -> dict:
    """Validation/test split and their sweeps."""
    split = split_scored(_rows)
    if split is None:
        val = test = _rows
    else:
        val, test = split
    return {
        "rows": _rows,
        "split": split is not None,
        "val_rows": val,
        "test_rows": test,
        "val": core.threshold_sweep(val.y_true, val.scores, val.sample_weight),
        "test": core.threshold_sweep(test.y_true, test.scores, test.sample_weight),
    }


def _reweighted(key, analysis: dict, prevalence: float | None) -> dict:
    if prevalence is None:
        return {"val": analysis["val"], "test": analysis["test"]}
    return {
        "val": reweight_sweep(analysis["val"], prevalence),
        "test": reweight_sweep(analysis["test"], prevalence),
    }


def _curves(key, sweep: core.Sweep, cost: core.CostMatrix, per: int) -> dict:
    """Downsampled curves for plotting, full-resolution summary numbers."""
    r = core.rates(sweep)
    idx = plot_rows(len(sweep.thresholds), MAX_PLOT_POINTS)
    ec = core.expected_cost(sweep, cost)
    best = int(np.argmin(ec))
    # keep the optimum's own row in the plotted cost curve
    idx = np.union1d(idx, [best])
    return {
        "thresholds": sweep.thresholds[idx],
        "precision": r["precision"][idx],
        "recall": r["recall"][idx],
        "f1": r["f1"][idx],
        "fpr": r["fpr"][idx],
        "cost": ec[idx] * per,
        "flat": bool(np.ptp(ec) <= 1e-12 * max(1.0, np.abs(ec).max())),
        "optimum": float(sweep.thresholds[best]),
        "optimum_cost": float(ec[best]),
        "ap": average_precision(sweep),
        "auc": roc_auc(sweep),
    }


def _bootstrap(key, sweep: core.Sweep, cost: core.CostMatrix, n_cases: int):
    return bootstrap_optimum(sweep, cost, n_boot=N_BOOT, seed=0, n_cases=n_cases)


def _ratio_curve(key, sweep: core.Sweep):
    return optimum_by_ratio(sweep, RATIOS)


def _calibration(key, rows: ScoredRows):
    return calibration_summary(rows.y_true, rows.scores, rows.sample_weight)


# ---------------------------------------------------------------------------------
# Score sources
# ---------------------------------------------------------------------------------


def _builtin_rows() -> tuple[str, ScoredRows]:
    ds = current_dataset()
    # the description spells out every generator setting (size, noise, seed...)
    key = ("builtin", ds.name, ds.description, ds.X.shape)
    scores = _builtin_scores(key, ds.X, ds.y)
    source = (f"{ds.name}: logistic regression, each row scored by a model fitted "
              "without it (5-fold cross-fitting)")
    return repr(key), ScoredRows(ds.y, scores, None, source)


def _trained_rows(show: bool) -> tuple[str, ScoredRows] | None:
    d = st.session_state.get("trained_scores")
    if not d:
        if show:
            st.info("No model has been trained yet: train one on the **Training** "
                    "page, or pick another score source.")
        return None
    try:
        y = np.asarray(d["y_true"], dtype=float).ravel()
        s = np.asarray(d["scores"], dtype=float).ravel()
        core.threshold_sweep(y, s)  # validates labels and scores
        if len(np.unique(y)) != 2:
            raise ValueError("the validation labels hold only one class")
    except (KeyError, TypeError, ValueError) as exc:
        st.error(f"The Training page's scores cannot be used: {exc}")
        return None
    digest = hashlib.sha1(y.tobytes() + s.tobytes()).hexdigest()
    label = str(d.get("label", "trained model"))
    return f"trained|{digest}", ScoredRows(
        y, s, None, f"{label} (Training page, validation split)"
    )


def _ingest(data: bytes, name: str, file_id: str) -> None:
    """Read a new file once and keep its arrays; on error keep the previous data."""
    s = st.session_state
    s["thr_upload_id"] = file_id
    try:
        rows, columns = parse_scored_upload(data, name)
    except core.DataError as exc:
        s["thr_upload_error"] = str(exc)
        return
    s["thr_upload_error"] = None
    digest = hashlib.sha1(data).hexdigest()
    s["thr_good_file"] = (data, name, digest, columns)
    label, score, weight = core.scored.guess_columns(columns)
    s["thr_col_label"], s["thr_col_score"] = label, score
    s["thr_col_weight"] = weight or "(none)"
    s["thr_upload_rows"] = (f"upload|{digest}|{label}|{score}|{weight}", rows)


def _upload_rows(show: bool) -> tuple[str, ScoredRows] | None:
    """The uploaded rows; the widgets are drawn only when ``show`` (the settings
    section is open); the file's arrays live in session state either way."""
    s = st.session_state
    upload = None
    if show:
        st.file_uploader(
            "Scored file (CSV or Parquet): a label column, a score column and "
            "optionally a weight or count column",
            type=["csv", "txt", "tsv", "parquet"],
            key="thr_upload",
        )
        upload = s.get("thr_upload")
    # a scripted upload, (name, bytes): how tests (and other pages) hand a file over
    incoming = s.pop("thr_incoming_file", None)
    if incoming is not None:
        name, data = incoming
        _ingest(data, name, "incoming:" + hashlib.sha1(data).hexdigest())
    elif upload is not None and upload.file_id != s.get("thr_upload_id"):
        _ingest(upload.getvalue(), upload.name, upload.file_id)
    if s.get("thr_upload_error"):
        st.error(s["thr_upload_error"] + (
            " The previous file is still in use." if s.get("thr_good_file") else ""))
    good = s.get("thr_good_file")
    if good is None:
        if show:
            st.info("Upload a file with one row per case (label, score), or one row "
                    "per score bin with a count column. Until then the sidebar "
                    "dataset is used.")
        return None
    data, name, digest, columns = good
    if show:
        c1, c2, c3 = st.columns(3)
        c1.selectbox("Label column", columns, key="thr_col_label")
        c2.selectbox("Score column", columns, key="thr_col_score")
        c3.selectbox("Weight / count column", ["(none)", *columns],
                     key="thr_col_weight")
    label, score = s["thr_col_label"], s["thr_col_score"]
    weight = None if s["thr_col_weight"] == "(none)" else s["thr_col_weight"]
    key = f"upload|{digest}|{label}|{score}|{weight}"
    if s["thr_upload_rows"][0] != key:
        try:
            rows, _ = parse_scored_upload(data, name, label, score, weight or "")
        except core.DataError as exc:
            st.error(f"{exc} The previous column choice is still in use.")
        else:
            s["thr_upload_rows"] = (key, rows)
    return s["thr_upload_rows"]


def _choose_rows(show: bool) -> tuple[str, ScoredRows]:
    if show:
        st.radio("Where the scores come from", list(SOURCES),
                 format_func=SOURCES.get, key="thr_source")
    choice = st.session_state["thr_source"]
    got = None
    if choice == "trained":
        got = _trained_rows(show)
    elif choice == "upload":
        got = _upload_rows(show)
    if got is None:
        got = _builtin_rows()
        if choice != "builtin" and show:
            st.caption("Showing the sidebar dataset meanwhile.")
    key, rows = got
    if not rows.are_probabilities and show:
        st.warning(
            "These scores are not all between 0 and 1 (logits or decision-function "
            "values): thresholds are on the score's own scale, and the Bayes "
            "threshold needs probabilities."
        )
        st.checkbox("Turn scores into probabilities with the sigmoid 1/(1+e^-s)",
                    key="thr_sigmoid")
        if st.session_state["thr_sigmoid"]:
            rows = ScoredRows(rows.y_true, to_probabilities(rows.scores),
                              rows.sample_weight, rows.source + ", sigmoid applied")
            key = f"{key}|sigmoid"
    elif not rows.are_probabilities and st.session_state["thr_sigmoid"]:
        rows = ScoredRows(rows.y_true, to_probabilities(rows.scores),
                          rows.sample_weight, rows.source + ", sigmoid applied")
        key = f"{key}|sigmoid"
    return key, rows


# ---------------------------------------------------------------------------------
# The threshold: one exact value, a slider and a number input kept in step
# ---------------------------------------------------------------------------------


def _scale(rows_key: str, scores: np.ndarray) -> dict:
    if core.scored.scores_are_probabilities(scores):
        lo, hi, default = 0.0, 1.0, 0.5
    else:
        lo, hi = float(np.floor(scores.min())), float(np.ceil(scores.max()))
        if hi <= lo:
            hi = lo + 1.0
        default = float(np.clip(0.0, lo, hi))  # logit 0 is probability 0.5
    return {"lo": lo, "hi": hi, "step": (hi - lo) / SLIDER_STEPS, "default": default}


def _reset_threshold(scale: dict, value: float) -> None:
    s = st.session_state
    s["thr_value"] = value
    s["thr_number"] = value
    s["thr_slider"] = _slider_value(scale, value)


def _slider_value(scale: dict, value: float) -> float:
    if not np.isfinite(value):
        return scale["hi"]
    snapped = scale["lo"] + round((value - scale["lo"]) / scale["step"]) * scale["step"]
    return float(np.clip(round(snapped, 10), scale["lo"], scale["hi"]))


def _on_slider() -> None:
    s = st.session_state
    s["thr_value"] = float(s["thr_slider"])
    s["thr_number"] = float(s["thr_slider"])


def _on_number(scale: dict) -> None:
    s = st.session_state
    s["thr_value"] = float(s["thr_number"])
    s["thr_slider"] = _slider_value(scale, s["thr_value"])


def _to_optimum(scale: dict, optimum: float, top: float) -> None:
    # +inf (flag no one) becomes a value just above the highest score
    value = optimum if np.isfinite(optimum) else top + scale["step"]
    _reset_threshold(scale, float(value))


# ---------------------------------------------------------------------------------
# Page
# ---------------------------------------------------------------------------------


def _cost_inputs(show: bool) -> core.CostMatrix | None:
    if show:
        _cost_widgets()
    s = st.session_state
    try:
        return core.CostMatrix(tp=float(s["thr_cost_tp"]), fp=float(s["thr_cost_fp"]),
                               fn=float(s["thr_cost_fn"]), tn=float(s["thr_cost_tn"]))
    except (TypeError, ValueError) as exc:
        st.error(f"The cost matrix cannot be used: {exc}")
        return None


def _cost_widgets() -> None:
    st.markdown("**Cost of each decision** (a gain is a negative cost)")
    c1, c2 = st.columns(2)
    c1.number_input("TP: positive flagged", key="thr_cost_tp", step=1.0,
                    format="%.2f", min_value=-1e12, max_value=1e12)
    c2.number_input("FN: positive missed", key="thr_cost_fn", step=1.0,
                    format="%.2f", min_value=-1e12, max_value=1e12)
    c1.number_input("FP: negative flagged (false alarm)", key="thr_cost_fp",
                    step=1.0, format="%.2f", min_value=-1e12, max_value=1e12)
    c2.number_input("TN: negative left alone", key="thr_cost_tn", step=1.0,
                    format="%.2f", min_value=-1e12, max_value=1e12)
    c3, c4 = st.columns(2)
    c3.text_input("Currency", key="thr_currency", max_chars=5)
    c4.selectbox("Show money per", PER_CHOICES, key="thr_per",
                 format_func=lambda n: f"{n:,} cases")


def _prevalence_input(sample_p: float, show: bool) -> float | None:
    if show:
        st.markdown("**Base rate in production**")
        st.caption(f"In these data {sample_p:.1%} of cases are positive.")
        st.checkbox("Different in production", key="thr_prev_on")
    if not st.session_state["thr_prev_on"]:
        return None
    st.session_state.setdefault("thr_prevalence", round(sample_p, 3) or 0.5)
    if not show:
        return float(st.session_state["thr_prevalence"])
    pi = st.number_input("Share of positives expected in production",
                         min_value=0.001, max_value=0.999, step=0.001,
                         format="%.3f", key="thr_prevalence")
    st.caption(
        f"Every metric and cost below is re-weighted: positives count "
        f"{pi / sample_p:.3g} times (pi / p_sample) and negatives "
        f"{(1 - pi) / (1 - sample_p):.3g} times ((1 - pi) / (1 - p_sample))."
    )
    return float(pi)


def _headline(comp_test, comp_val, analysis, currency, per, is_prob, flat) -> None:
    default = "0.5" if is_prob else "0 (probability 0.5)"
    where = ("on the held-out test half (the threshold was chosen on the validation "
             "half)" if analysis["split"] else
             "on the same rows it was chosen on: too few cases to hold some out, so "
             "expect these savings to be optimistic")
    opt = comp_val.optimum
    if flat:
        st.info("With these costs every threshold costs the same: there is nothing "
                "to optimise. Give the mistakes different prices.")
        return
    saved = comp_test.saved_vs("default", per)
    what = "save" if saved >= 0 else "lose"
    opt_words = ("flagging no one" if not np.isfinite(opt)
                 else f"the cost-optimal threshold **{opt:.3g}**")
    st.success(
        f"At {opt_words} you **{what} {_md_money(abs(saved), currency)} per {per:,} "
        f"cases** compared with {default}, measured {where}.",
        icon=":material/savings:",
    )
    # one horizontal block instead of four columns: fewer blocks to re-render
    with st.container(horizontal=True, gap="medium"):
        st.metric("Cost-optimal threshold", format_threshold(opt))
        st.metric(f"Saved vs {default.split()[0]} (per {per:,})",
                  money(comp_test.saved_vs("default", per), currency))
        st.metric(f"Saved vs flag everyone (per {per:,})",
                  money(comp_test.saved_vs("everyone", per), currency))
        st.metric(f"Saved vs flag no one (per {per:,})",
                  money(comp_test.saved_vs("no_one", per), currency))


def _confusion_markdown(m: dict) -> str:
    """The 2x2 confusion matrix as a Markdown table: counts and row shares."""
    def cell(name, v, row):
        return f"{name} {v:,.0f} ({v / row:.0%})" if row > 0 else f"{name} 0"

    pos, neg = m["tp"] + m["fn"], m["fp"] + m["tn"]
    return (
        "| | flagged | not flagged |\n|---|---:|---:|\n"
        f"| **actual positive** | {cell('TP', m['tp'], pos)} | "
        f"{cell('FN', m['fn'], pos)} |\n"
        f"| **actual negative** | {cell('FP', m['fp'], neg)} | "
        f"{cell('TN', m['tn'], neg)} |"
    )


@st.fragment
def _threshold_panel(ctx: dict) -> None:
    """Slider and everything that depends on it: reruns alone when the threshold
    moves. Only lookups (one binary search per part) and text, so a move repaints
    as fast as a bare slider; the curves with the threshold marked are redrawn
    only while their toggle is on.

    Every block and element sent here costs the browser a re-render of the page
    around the fragment (Streamlit's frontend re-renders the app's blocks on each
    update it receives), so the panel is a few elements in two rows, and all the
    numbers are computed before the first one is sent: the updates then reach the
    browser together and are painted in fewer passes."""
    s = st.session_state
    scale, sweeps = ctx["scale"], ctx["sweeps"]
    # the callbacks have already run: the new threshold is known before drawing
    t = float(s["thr_value"])
    ctx["current"]["threshold"] = t  # read by the memo download at click time
    val = core.metrics_at(sweeps["val"], t)
    test = core.metrics_at(sweeps["test"], t)
    cost, per = ctx["cost"], ctx["per"]
    val_cost = core.thresholds.cost_at(sweeps["val"], cost, t) * per
    test_cost = core.thresholds.cost_at(sweeps["test"], cost, t) * per
    table = _metrics_markdown(ctx, t, val, test, val_cost, test_cost)
    text = _outcome_markdown(ctx, test if ctx["split"] else val, val_cost)

    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        st.slider("Threshold: flag a case when its score is at or above it",
                  scale["lo"], scale["hi"], step=scale["step"], key="thr_slider",
                  on_change=_on_slider, format="%.3f")
        st.number_input("Exact threshold", key="thr_number", step=scale["step"],
                        format="%.6f", on_change=_on_number, args=(scale,),
                        width=170)
    # a stable key: tests and the benchmark read the displayed value here
    with st.container(key="thr_at", horizontal=True, gap="large", wrap=False):
        # Markdown tables: static text, cheaper to repaint than st.table
        st.markdown(table, width=420)
        st.markdown(text)
    if s.get("thr_live_curves"):
        _live_curves(ctx, t, val)


def _threshold_controls(ctx: dict) -> None:
    """The button and the toggle around the slider live outside its fragment: they
    are rarely used (a click reruns the page), and a move then sends two elements
    fewer."""
    scale = ctx["scale"]
    with st.container(horizontal=True, vertical_alignment="center", gap="large"):
        st.button("Go to the optimum", key="thr_to_optimum",
                  on_click=_to_optimum,
                  args=(scale, ctx["curves"]["optimum"], ctx["top_score"]),
                  type="primary", icon=":material/my_location:")
        st.toggle("Show the curves with the threshold marked (redrawn on every "
                  "move)", key="thr_live_curves")


def _metrics_markdown(ctx: dict, t: float, val: dict, test: dict, val_cost: float,
                      test_cost: float) -> str:
    """The threshold and its metrics on each part, as a Markdown table."""
    names = (("precision", "Precision"), ("recall", "Recall"), ("f1", "F1"),
             ("accuracy", "Accuracy"), ("specificity", "Specificity"),
             ("flagged", "Share flagged"))
    cur, per = ctx["currency"], ctx["per"]
    parts = [(ctx["val_name"], val, val_cost)]
    if ctx["split"]:
        parts.append((ctx["test_name"], test, test_cost))
    lines = [f"**At threshold {t:.4g}**", "",
             "| | " + " | ".join(name for name, _, _ in parts) + " |",
             "|---|" + "---:|" * len(parts)]
    for k, label in names:
        cells = [f"{m[k]:.3f}" if k != "flagged" else f"{m[k]:.1%}"
                 for _, m, _ in parts]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(f"| Cost per {per:,} cases | "
                 + " | ".join(_md_money(c, cur) for _, _, c in parts) + " |")
    return "\n".join(lines)


def _outcome_markdown(ctx: dict, shown: dict, val_cost: float) -> str:
    """One Markdown element: the confusion matrix and the cost."""
    curves, per, cur = ctx["curves"], ctx["per"], ctx["currency"]
    part = "held-out test half" if ctx["split"] else "all rows"
    extra = val_cost - curves["optimum_cost"] * per
    return (
        f"**Confusion matrix** ({part}"
        + (", re-weighted to the production base rate" if ctx["reweighted"]
           else "") + ")\n\n"
        + _confusion_markdown(shown) + "\n\n"
        + "Expected cost at this threshold: "
        f"**{_md_money(val_cost, cur)} per {per:,} cases** on the validation data, "
        + (f"{_md_money(extra, cur)} more than at the optimum "
           f"{format_threshold(curves['optimum'])}." if extra > 1e-9 * per else
           "the lowest possible (this is a cost-optimal threshold).")
    )


def _live_curves(ctx: dict, t: float, val: dict) -> None:
    """The styled figures are built once per data/cost choice; a move only shifts
    their current-threshold trace."""
    curves, sweeps, per = ctx["curves"], ctx["sweeps"], ctx["per"]
    fkey = ctx["fig_key"]
    a, b = st.columns(2)
    with a:
        fig = _memo("fig_cost_live", fkey, lambda _k: make_cost_figure(
            curves["thresholds"], curves["cost"], optimum=curves["optimum"],
            optimum_cost=curves["optimum_cost"] * per, current=t,
            bayes=ctx["bayes"], band=ctx["band"], currency=ctx["currency"],
            per=per, x_title=ctx["x_title"]))
        move_current(fig, t, name=f"current threshold {t:.3g}")
        st.plotly_chart(fig, key="thr_fig_cost_live", config=CONFIG, theme=None)
    with b:
        fig = _memo("fig_metrics", fkey, lambda _k: make_metrics_figure(
            curves["thresholds"], curves["precision"], curves["recall"],
            curves["f1"], t, x_title=ctx["x_title"]))
        st.plotly_chart(move_current(fig, t), key="thr_fig_metrics", config=CONFIG,
                        theme=None)
    c, d = st.columns(2)
    with c:
        fig = _memo("fig_pr", fkey, lambda _k: make_pr_figure(
            curves["recall"], curves["precision"], curves["ap"], val["recall"],
            val["precision"], sample_prevalence(sweeps["val"])))
        st.plotly_chart(move_current(fig, val["recall"], val["precision"]),
                        key="thr_fig_pr", config=CONFIG, theme=None)
    with d:
        fig = _memo("fig_roc", fkey, lambda _k: make_roc_figure(
            curves["fpr"], curves["recall"], curves["auc"], val["fpr"],
            val["recall"]))
        st.plotly_chart(move_current(fig, val["fpr"], val["recall"]),
                        key="thr_fig_roc", config=CONFIG, theme=None)


def _cost_chart(ctx: dict) -> None:
    """The expected-cost curve with the optimum, the Bayes threshold, the bootstrap
    band and the default threshold: nothing here depends on the slider."""
    curves, per = ctx["curves"], ctx["per"]
    if curves["flat"]:
        st.info("All thresholds cost the same with these costs.")
    fig = _memo("fig_cost", ctx["fig_key"], lambda _k: make_cost_figure(
        curves["thresholds"], curves["cost"], optimum=curves["optimum"],
        optimum_cost=curves["optimum_cost"] * per, current=None,
        reference=ctx["scale"]["default"], bayes=ctx["bayes"], band=ctx["band"],
        currency=ctx["currency"], per=per, x_title=ctx["x_title"]))
    st.plotly_chart(fig, key="thr_fig_cost", config=CONFIG, theme=None)
    st.caption("Expected cost on the validation data, where the threshold is chosen. "
               "Shaded: where the optimum falls in 90% of bootstrap resamples.")


def main() -> None:
    _init_state()
    s = st.session_state
    st.title("Threshold & business cost")
    st.markdown(
        "A model gives a **score**; a decision needs a **threshold**. Price each kind "
        "of mistake, and the threshold that costs the least follows from the data."
    )
    headline = st.container()

    # Collapsed by default: the summary line under the headline says what is set,
    # and a page with fewer live widgets repaints faster on every slider move.
    settings = st.expander("Scores, costs and production base rate",
                           icon=":material/settings:", key="thr_settings",
                           on_change="rerun")
    # Collapsed, the section sends nothing: every block on the page is re-rendered
    # by the browser on each slider move, hidden or not.
    show = bool(settings.open)
    with settings:
        col_data, col_cost, col_prev = (st.columns([5, 4, 3], gap="large") if show
                                        else (st.empty(),) * 3)
        with col_data:
            key, rows = _choose_rows(show)
        with col_cost:
            cost = _cost_inputs(show)
    if cost is None:
        cost = core.CostMatrix(tp=DEFAULTS["thr_cost_tp"], fp=DEFAULTS["thr_cost_fp"],
                               fn=DEFAULTS["thr_cost_fn"], tn=DEFAULTS["thr_cost_tn"])

    with st.spinner("Sweeping every threshold..."):
        analysis = _memo("analyse", key, _analyse, rows)
    with col_prev:
        prevalence = _prevalence_input(sample_prevalence(analysis["val"]), show)
    rkey = (key, prevalence)
    sweeps = _memo("reweight", rkey, _reweighted, analysis, prevalence)
    currency, per = s["thr_currency"], int(s["thr_per"])
    ckey = (rkey, cost, per)
    curves = _memo("curves", ckey, _curves, sweeps["val"], cost, per)
    is_prob = rows.are_probabilities
    scale = _memo("scale", key, _scale, rows.scores)
    if s.get("thr_scale_key") != key:
        s["thr_scale_key"] = key
        _reset_threshold(scale, scale["default"])
    elif "thr_slider" not in s or "thr_number" not in s:
        # widget state is dropped while another page is shown; the value is kept
        _reset_threshold(scale, float(s.get("thr_value", scale["default"])))
    # With FP - TN + FN - TP <= 0 no "flag when p >= t" rule is optimal: no line.
    bayes = core.bayes_threshold(cost) if is_prob and bayes_rule_applies(cost) else None
    val_rows = analysis["val_rows"]
    n_cases = max(round(val_rows.n_cases), 1)
    with st.spinner("Bootstrapping the optimum..."):
        boot = _memo("boot", ckey, _bootstrap, sweeps["val"], cost, n_cases)
    band_t = boot.threshold_band

    comp_val = compare_costs(sweeps["val"], cost, curves["optimum"], scale["default"])
    comp_test = compare_costs(sweeps["test"], cost, curves["optimum"],
                              scale["default"])
    with headline:
        _headline(comp_test, comp_val, analysis, currency, per, is_prob,
                  curves["flat"])
        base = (f"{prevalence:.1%} in production (re-weighted)" if prevalence
                is not None else f"{sample_prevalence(analysis['val']):.1%}")
        st.caption(
            f"Scores: {rows.source} ({rows.n_rows:,} scored rows). Costs per case: "
            f"TP {_md_money(cost.tp, currency)}, FP {_md_money(cost.fp, currency)}, "
            f"FN {_md_money(cost.fn, currency)}, TN {_md_money(cost.tn, currency)}. "
            f"Positives: {base}. Change them under "
            "**Scores, costs and production base rate**."
        )

    split = analysis["split"]
    val_name = "Validation" if split else "All rows (in-sample)"
    test_name = "Held-out test"
    x_title = "threshold" if is_prob else "threshold (score scale)"
    cal = _memo("calibration", key, _calibration, rows) if is_prob else None
    ctx = {
        "scale": scale, "sweeps": sweeps, "curves": curves, "cost": cost,
        "per": per, "currency": currency, "bayes": bayes,
        "band": band_t, "split": split, "val_name": val_name,
        "test_name": test_name, "x_title": x_title,
        "reweighted": prevalence is not None,
        "top_score": float(rows.scores.max()),
        "analysis": analysis, "prevalence": prevalence, "boot": boot,
        "calibration": cal,
        # the styled figures depend on all of this, not on the threshold
        "fig_key": (ckey, currency, x_title, bayes),
        # the slider's threshold, kept current by the fragment
        "current": s.setdefault("thr_current", {}),
    }
    # A segmented control, not st.tabs: only the chosen view is sent, and tabs would
    # re-render themselves (and every panel) after each of the browser's updates,
    # doubling the work of every slider move.
    view = st.segmented_control("View", VIEWS, key="thr_view", default=VIEWS[0],
                                required=True, label_visibility="collapsed")
    if view == VIEWS[1]:
        _uncertainty_tab(boot, curves, cost, sweeps, rkey, currency, per, is_prob)
    elif view == VIEWS[2]:
        _calibration_tab(cal, bayes)
    elif view == VIEWS[3]:
        _method_tab(analysis, rows, prevalence)
    elif view == VIEWS[4]:
        _export(ctx)
    else:
        _threshold_controls(ctx)
        _threshold_panel(ctx)
        _cost_chart(ctx)


def _uncertainty_tab(boot, curves, cost, sweeps, rkey, currency, per, is_prob):
    lo, hi = boot.threshold_band
    clo, chi = boot.cost_band
    st.markdown(
        f"Resampling the validation cases {len(boot.thresholds)} times (with "
        f"replacement, seed 0), the cost-optimal threshold falls between "
        f"**{format_threshold(lo)}** and **{format_threshold(hi)}** in 90% of "
        f"resamples, and its cost between **{_md_money(clo * per, currency)}** and "
        f"**{_md_money(chi * per, currency)}** per {per:,} cases. A wide band means "
        "the data cannot pin the threshold down: more data, or a flat cost curve where "
        "the exact choice matters little."
    )
    if not boot.exact_grid:
        st.caption(f"With this many distinct scores each resample searches "
                   f"{boot.grid_size:,} evenly spaced candidate thresholds.")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(make_bootstrap_figure(boot.thresholds, curves["optimum"],
                                              boot.threshold_band),
                        key="thr_fig_boot", config=CONFIG, theme=None)
    with right:
        emp, bayes = _memo("ratio", rkey, _ratio_curve, sweeps["val"])
        ratio = cost_ratio(cost)
        current_opt = None
        if ratio is not None:
            current_opt = core.best_threshold(
                sweeps["val"], core.CostMatrix(fp=1.0, fn=ratio))
        st.plotly_chart(make_ratio_figure(RATIOS, emp, bayes if is_prob else None,
                                          ratio, current_opt),
                        key="thr_fig_ratio", config=CONFIG, theme=None)
        st.caption(
            "Only the ratio (FN - TP) / (FP - TN) moves the optimum: what a missed "
            "positive costs over what a false alarm costs, each against the right "
            "decision. "
            + ("Your matrix's ratio is " f"{ratio:.3g}." if ratio is not None else
               "With your matrix one of these differences is not positive, so one "
               "decision is always at least as cheap.")
        )


def _calibration_tab(cal, bayes):
    if cal is None:
        st.info("Calibration needs probabilities: tick the sigmoid transform above "
                "to read these scores as probabilities.")
        return
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(make_calibration_figure(cal.prob_pred, cal.prob_true,
                                                cal.bin_weight),
                        key="thr_fig_calibration", config=CONFIG, theme=None)
    with right:
        st.metric("Brier score (lower is better)", f"{cal.brier:.4f}")
        st.metric("Log loss (lower is better)", f"{cal.log_loss:.4f}")
        st.metric("Expected calibration error", f"{cal.ece:.3f}")
        st.markdown(
            "The **Bayes threshold** (FP - TN) / ((FP - TN) + (FN - TP))"
            + (f" = {bayes:.3g}" if bayes is not None else "")
            + " is the cost-optimal threshold **only when the scores are calibrated "
            "probabilities**: when the dots follow the diagonal. If they do not, or "
            "the production base rate differs from the data, trust the empirical "
            "optimum on held-out data instead."
        )


def _method_tab(analysis, rows, prevalence):
    val, test = analysis["val_rows"], analysis["test_rows"]
    if analysis["split"]:
        st.markdown(
            f"**Choose on validation, report on test.** The {rows.n_rows:,} scored "
            f"rows ({rows.n_cases:,.0f} cases) are split at random, stratified by "
            f"class (seed 0): {val.n_cases:,.0f} validation cases choose the "
            f"threshold, {test.n_cases:,.0f} held-out test cases report what it is "
            "worth. Numbers measured on the rows that chose the threshold are "
            "optimistic, so the headline uses the test half. Pre-aggregated counts "
            "are split case by case (binomial thinning)."
        )
    else:
        st.warning(
            f"Only {rows.n_cases:,.0f} cases: too few to hold out a test half with at "
            "least 10 cases of each class, so the threshold is chosen and evaluated "
            "on the same rows. Expect real performance to be worse."
        )
    st.markdown(f"Source: {rows.source}.")
    if prevalence is not None:
        st.markdown(
            f"**Production base rate {prevalence:.1%}.** Positive cases are weighted "
            "by pi / p_sample and negative cases by (1 - pi) / (1 - p_sample): recall "
            "and specificity do not change, precision, accuracy, share flagged and "
            "cost are those of a population with the production base rate."
        )
    st.markdown(
        "**Pre-aggregated data.** A billion rows need not be uploaded: summarise them "
        "into one row per score bin and class with a count column, for example\n\n"
        "```sql\nSELECT label, ROUND(score, 3) AS score, COUNT(*) AS count "
        "FROM scored GROUP BY label, ROUND(score, 3);\n```"
    )


def _memo_text(ctx: dict, t: float) -> str:
    """The decision memo for threshold ``t``."""
    analysis, sweeps, cost = ctx["analysis"], ctx["sweeps"], ctx["cost"]
    rows = analysis["rows"]
    metrics = {"validation" if analysis["split"] else "all rows":
               core.metrics_at(sweeps["val"], t)}
    if analysis["split"]:
        metrics["held-out test"] = core.metrics_at(sweeps["test"], t)
    chosen = compare_costs(sweeps["test"], cost, t, ctx["scale"]["default"])
    sample_p = sample_prevalence(analysis["val"])
    evaluation = ("threshold chosen on a validation half, costs reported on a "
                  "held-out test half" if analysis["split"] else
                  "chosen and evaluated on the same rows (too few to hold out)")
    prevalence = ctx["prevalence"]
    return decision_memo(
        data_description=rows.source, n_rows=rows.n_rows, n_cases=rows.n_cases,
        sample_prevalence=sample_p,
        deployment_prevalence=prevalence if prevalence is not None else sample_p,
        cost=cost, currency=ctx["currency"], per=ctx["per"], threshold=t,
        optimum=ctx["curves"]["optimum"], bayes=ctx["bayes"], evaluation=evaluation,
        metrics=metrics, comparison=chosen, bootstrap=ctx["boot"],
        calibration=ctx["calibration"],
    )


def _export(ctx: dict) -> None:
    """CSV of every threshold and a memo, both made when the button is clicked,
    so the memo describes the threshold on the slider at that moment."""
    cost, val_sweep = ctx["cost"], ctx["sweeps"]["val"]
    current = ctx["current"]
    st.markdown(
        "Hand the decision over: the full threshold table (every distinct score of "
        "the validation data; text cells that a spreadsheet could run as a formula "
        "are neutralised, numbers stay numbers) as CSV, and a one-page decision "
        "memo for **the threshold on the slider when you click**."
    )
    c1, c2 = st.columns(2)
    c1.download_button(
        "Threshold table (CSV)",
        data=lambda: safe_csv(threshold_table(val_sweep, cost)),
        file_name="threshold_table.csv", mime="text/csv", key="thr_dl_csv",
        on_click="ignore", icon=":material/table:",
    )
    c2.download_button(
        "Decision memo (Markdown)",
        data=lambda: _memo_text(ctx, current.get("threshold", 0.5)),
        file_name="decision_memo.md", mime="text/markdown", key="thr_dl_memo",
        on_click="ignore", icon=":material/description:",
    )
    with st.expander("Preview: the memo at the cost-optimal threshold"):
        opt = ctx["curves"]["optimum"]
        st.markdown(_memo_text(ctx, opt if np.isfinite(opt) else np.inf))


main()
