"""Walk one example: one row followed through the model as a dataflow, then all rows
at once as the likelihood of the labels, and how well calibrated the model is."""

import numpy as np
import streamlit as st

import core
from core.dataflow import ShapeError, likelihood, trace_example
from ui.chart import chart
from ui.figures_loss import make_reliability_figure
from ui.format import money, plain
from ui.frame import require_frame
from ui.models import ThresholdState
from ui.models import WalkState as State
from ui.sidebar import chosen_data
from ui.state import bind, current, ignore, on_page
from ui.walk_views import (
    MAX_DEGREE_INPUTS,
    fitted_model,
    flow_rows,
    trained_model,
    vector,
)

require_frame()  # before any element: the page must run inside app.py
on_page(State)

st.title("Walk one example")
st.markdown(
    "Read a model as a dataflow: inputs become features, features become a score "
    "**z**, the score becomes a probability **p**, and the probability becomes a "
    "loss (while training) and a decision (in production). Every arrow below "
    "carries numbers of a known **shape**; most silent failures in production are "
    "an array of the wrong shape or scale reaching the next step."
)

data = chosen_data()
X, y = data.dataset.X, data.dataset.y
n, d = X.shape
view = current(State)
if view.row >= n:  # a link made for other data
    view = ignore(State, "row")

# --- The model -------------------------------------------------------------------
left, right = st.columns(2)
with left:
    trained = trained_model(data)
    source = "fit"
    if trained is not None:
        source = st.radio("Model", ["fit", "trained"], horizontal=True,
                          format_func={"fit": "fitted here",
                                       "trained": "trained on the Training page"}.get,
                          **bind(State, "source"))
    degree = 1
    if source == "fit" and d <= MAX_DEGREE_INPUTS:
        degree = st.slider("Polynomial degree", 1, 6, **bind(State, "degree"))
    model = trained if source == "trained" and trained else fitted_model(data, degree)
    w_scale = st.slider("Scale every weight by", -3.0, 3.0, step=0.05,
                        **bind(State, "w_scale"))
    b_shift = st.slider("Add to the intercept b", -10.0, 10.0, step=0.1,
                        **bind(State, "b_shift"))
    w, b = model.w * w_scale, model.b + b_shift
    st.caption(f"The model: {model.words}; then nudged by your two sliders. "
               f"w = {vector(w)} (shape {w.shape}), b = {b:.4g}.")
with right:
    typed = st.toggle("Type my own row", **bind(State, "typed"))
    if typed:
        names = ", ".join(plain(name) for name in data.dataset.feature_names[:6])
        raw_text = st.text_input(
            f"{d} comma-separated numbers (raw inputs: {names}"
            + (", ..." if d > 6 else "") + ")", **bind(State, "x"),
            placeholder=", ".join(["0"] * min(d, 6)))
        label = st.radio("Its true label y", [1, 0], horizontal=True,
                         **bind(State, "label"), format_func=lambda v: f"y = {v}")
        try:
            x_raw = np.array([float(v) for v in raw_text.split(",")]
                             if raw_text.strip() else np.zeros(d))
        except ValueError:
            st.error("Each value must be a number, separated by commas.")
            st.stop()
    else:
        row = st.number_input(f"Row of the chosen data (0 to {n - 1})", 0, n - 1,
                              step=1, **bind(State, "row"))
        x_raw, label = X[row], int(y[row])
    thr = current(ThresholdState)
    threshold = 0.5 if thr.threshold is None else float(thr.threshold)
    if not 0.0 <= threshold <= 1.0:
        st.info(f"The Threshold page's threshold ({threshold:.4g}) is on a raw score "
                "scale; here p is compared with 0.5.", icon=":material/info:")
        threshold = 0.5
    costs = core.CostMatrix(thr.cost_tp, thr.cost_fp, thr.cost_fn, thr.cost_tn)
    st.caption(f"Threshold {threshold:.4g} and costs TP {money(costs.tp, '')}, "
               f"FP {money(costs.fp, '')}, FN {money(costs.fn, '')}, "
               f"TN {money(costs.tn, '')} per case: from the Threshold page.")

# --- The dataflow ------------------------------------------------------------------
st.subheader("One example through the model")
try:
    t = trace_example(x_raw, label, model.pre, w, b, threshold, costs)
except ShapeError as exc:
    st.error(f"Shape contract broken: {exc}. The model cannot take this row.",
             icon=":material/error:")
    st.stop()
rows = flow_rows(t, f"{money(t.cost, '')} ({t.cell.upper()})")
st.dataframe(rows, hide_index=True, key="walk_flow",
             column_config={"contract": st.column_config.TextColumn(
                 "shape contract it checks", width="large")})
st.markdown(
    f"**Loss under both losses**: log loss {t.loss['log']:.4g} (its push on z, "
    f"dL/dz = p - y = {t.dz['log']:.4g}), squared error {t.loss['mse']:.4g} "
    f"(dL/dz = {t.dz['mse']:.4g}). **Decision**: p = {t.p:.4g} "
    f"{'>=' if t.decision else '<'} {threshold:.4g}, so "
    f"{'flag it' if t.decision else 'do not flag it'}; with y = {t.y_true} that is "
    f"a **{t.cell.upper()}**, costing {money(t.cost, '')}."
)

# --- All rows: the likelihood ---------------------------------------------------
st.subheader("All rows at once: the likelihood of the labels")
Xm = model.pre.transform(X)
z_all = Xm @ w + b
lik = likelihood(y, z_all)
J_core = core.cost_and_gradient("log", Xm, y, w, b)[0]
st.latex(r"L(w, b) = \prod_{i=1}^{m} p_i^{\,y_i}\,(1 - p_i)^{1 - y_i}"
         r"\qquad \log L = \sum_i \big[y_i \log p_i + (1 - y_i)\log(1 - p_i)\big]"
         r"\qquad J = -\tfrac{1}{m}\log L")
st.markdown(
    "Each label is a coin flip that comes up 1 with probability p: its chance of "
    "being what it was is p if y = 1 and 1 - p if y = 0, written in one line as "
    "p^y (1 - p)^(1 - y). The labels are independent, so the chance of all of them "
    "is the product. Maximising it is minimising its negative log averaged over "
    f"the m = {lik.m} rows: exactly the mean log loss J."
)
a, b_col, c, e = st.columns(4)
a.metric("L as a product of p's", f"{lik.product:.3g}")
b_col.metric("L = 10 to the power", f"{lik.log10_l:.5g}")
c.metric("-log L / m", f"{lik.cost:.6g}")
e.metric("J from the cost function", f"{J_core:.6g}")
st.caption(
    "The log is summed in logits space, -softplus((1 - 2y) z) per row, never as "
    "the log of the product: every factor is below 1, so the product of a few "
    "hundred of them underflows to exactly 0 in float64 (its log would be -inf), "
    "and 1 - p is already 0 once p rounds to 1 (z > 37)."
    + (" Here the product has underflowed to 0." if lik.product == 0.0 else "")
)

# --- Calibration ---------------------------------------------------------------
st.subheader("Log loss and calibration")
cal = core.calibration_summary(y, core.sigmoid(z_all))
left, right = st.columns([2, 1])
with left:
    chart(make_reliability_figure(cal.prob_pred, cal.prob_true,
                                  cal.bin_weight), key="walk_reliability")
with right:
    st.metric("Log loss of this model", f"{cal.log_loss:.4g}")
    st.metric("Expected calibration error", f"{cal.ece:.3g}")
    st.markdown(
        "Log loss is a **proper scoring rule**: its expected value is lowest when "
        "the predicted p equals the true chance of a positive. So a model trained "
        "on log loss is pushed towards calibration: among cases given p = 0.8, "
        "about 80% are positive (points on the diagonal). Scale the weights above "
        "and watch both numbers get worse: over-confident (scale > 1) or timid "
        "(scale < 1)."
    )
