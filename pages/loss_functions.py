"""Loss functions: log loss against squared error on a single prediction."""

import numpy as np
import streamlit as st

import core
from ui.chart import chart
from ui.figures_loss import make_gradient_figure, make_loss_curves_figure
from ui.frame import require_frame
from ui.loss_views import (
    P_ONE_FLOAT32,
    P_ONE_FLOAT64,
    P_STEP,
    P_ZERO_FLOAT32,
    P_ZERO_FLOAT64,
    Z_MAX,
    Z_STEP,
    cached_chart,
    curves_against,
    point_readout,
    stability,
    stability_figure,
    stability_rows,
)
from ui.models import LossFunctionsState as State
from ui.presentation import presenting
from ui.readout import readout
from ui.state import bind, current, on_page, widget_key

require_frame()  # before any element: the page must run inside app.py
present = presenting()
on_page(State)

st.title("Loss functions")
if not present:
    st.markdown(
        "One example, one prediction. The model outputs a logit **z**, the sigmoid "
        "turns it into a probability **p**, and the loss says how bad that is for "
        "the true label **y**. Compare **log loss** (blue, solid) with **squared "
        "error** (vermillion, dashed)."
    )


def the_point(mode: str) -> None:
    """The point's slider, alone in a fragment: a move reruns nothing else. What
    it shows (its numbers, words and marks on both charts) is the readout below,
    which follows the slider in the browser from a table of every position."""
    if mode == "z":
        st.slider("Logit z", -Z_MAX, Z_MAX, step=Z_STEP, **bind(State, "z"))
    else:
        st.slider("Probability p of class 1", P_STEP, 1 - P_STEP, step=P_STEP,
                  **bind(State, "p"), format="%.3f")


label = st.radio("True label y", [1, 0], horizontal=True, **bind(State, "label"),
                 format_func=lambda y: f"y = {y}")
left, right = st.columns([1.4, 2])
with right:  # first: the point's marks need the axis
    axis = st.radio("Plot against", ["p", "z"], horizontal=True,
                    format_func={"p": "probability p", "z": "logit z"}.get,
                    **bind(State, "axis"))
    use_p = axis == "p"

    def curves_figure():
        x, _, curves = curves_against(axis)
        loss_curves = {y: {loss: curves[y][loss][0] for loss in ("log", "mse")}
                       for y in (1, 0)}
        return make_loss_curves_figure(
            x, loss_curves, x_title="predicted probability p" if use_p else "logit z",
            y_max=5.0 if use_p else None, height=340 if present else 400)

    # the same on every move (built once per axis and kept as JSON); the point is
    # drawn over it
    chart(cached_chart("lf.curves_figure", (axis, present), curves_figure,
                       shared=True), key="lf_curves")
    st.caption(
        "Squared error never exceeds 1, however wrong the model is. Log loss "
        "grows without limit: a confident mistake costs far more than a "
        "hesitant one."
        + (" (The y axis stops at 5; log loss keeps rising towards p = 0 or 1.)"
           if use_p else "")
    )
with left:
    mode = st.radio("Move the point by", ["z", "p"], horizontal=True,
                    format_func={"z": "logit z", "p": "probability p"}.get,
                    **bind(State, "mode"))
    st.fragment(the_point)(mode)
    model = current(State)
    readout("lf_point", slider=widget_key(State, mode),
            value=model.z if mode == "z" else model.p,
            **point_readout(label, mode, axis))

st.subheader("The gradient that drives learning")


def gradient_figure():
    _, z_only, curves_z = curves_against("z")
    return make_gradient_figure(
        z_only, {loss: curves_z[label][loss][1] for loss in ("log", "mse")},
        label=label, wrong_region=core.stability.confidently_wrong(label, Z_MAX))


chart(cached_chart("lf.gradient_figure", label, gradient_figure, shared=True),
      key="lf_gradient")
st.caption("Shaded: where the model is confidently wrong (it gives the true class "
           "less than 10%). Log loss's gradient there is p - y, near the full push "
           "of 1; squared error's carries the sigmoid's slope p (1 - p) and "
           "vanishes.")

# --- The formulas --------------------------------------------------------------
st.subheader("The formulas: two cases, one line")
two_case, one_line = st.columns(2)
with two_case:
    st.markdown("**Per example, case by case**")
    st.latex(r"L_{\log}(y, p) = \begin{cases} -\log p & \text{if } y = 1 \\ "
             r"-\log(1 - p) & \text{if } y = 0 \end{cases}")
with one_line:
    st.markdown("**The same in one line**")
    st.latex(r"L_{\log}(y, p) = -y \log p - (1 - y)\log(1 - p)")
st.markdown(
    "They agree because y is only ever 0 or 1: with y = 1 the second term is "
    "multiplied by 1 - y = 0 and vanishes, leaving -log p; with y = 0 the first "
    "term vanishes, leaving -log(1 - p). The one-line form is what code computes, "
    "with no branch. Averaged over m examples it is the cost J that the surfaces "
    "and training minimise:"
)
st.latex(r"J(w, b) = \frac{1}{m}\sum_{i=1}^{m} \Big[-y_i \log p_i - (1 - y_i)"
         r"\log(1 - p_i)\Big], \qquad p_i = \sigma(w \cdot x_i + b)")
st.latex(
    r"p = \sigma(z) = \frac{1}{1 + e^{-z}} \qquad "
    r"L_{\mathrm{sq}}(y, p) = (p - y)^2 \qquad "
    r"\frac{\partial L_{\log}}{\partial z} = p - y \qquad "
    r"\frac{\partial L_{\mathrm{sq}}}{\partial z} = 2\,(p - y)\,p\,(1 - p)"
)
st.markdown(
    "The factor **p (1 - p)** is the sigmoid's slope. It goes to zero when p is "
    "near 0 or 1, whether the model is right *or wrong*. Log loss cancels it; "
    "squared error keeps it, so a confidently wrong model barely learns. Where log "
    "loss comes from: it is the negative log of the Bernoulli likelihood of the "
    "labels, shown live on the data on the **Walk one example** page."
)

# --- Stability -------------------------------------------------------------------
st.subheader("Numerical stability: sigmoid-then-log against logits space")
st.markdown(
    "The textbook route computes p = sigmoid(z) = 1 / (1 + e^(-z)) first and then "
    "takes logs. For large positive z, p rounds to exactly **1** (beyond z of "
    f"about {P_ONE_FLOAT32:.1f} in float32, {P_ONE_FLOAT64:.1f} in float64), so "
    "log(1 - p) is log 0. For negative z, p does *not* round early: it shrinks "
    "through ever smaller numbers and reaches exactly **0** only when e^(-z) "
    f"overflows, near z = {P_ZERO_FLOAT32:.1f} (float32) or {P_ZERO_FLOAT64:.1f} "
    "(float64; written as e^z / (1 + e^z) it would last to about -745, where e^z "
    "itself underflows). Then one log is of 0: the result is **inf**, or **nan** "
    "where 0 x log(0) appears. Computing the loss from z directly, as "
    "log(1 + e^(-z)) with a careful log1p, stays exact. The curves below use the "
    f"true label of your point above, y = {label}."
)
c1, c2 = st.columns([1, 2])
with c1:
    log_x = st.toggle("Beyond ±100 (log axes, |z| up to a million)",
                      **bind(State, "log_x"))
    wrong_side = True
    if log_x:
        wrong_side = st.radio(
            "Side", [True, False], horizontal=True, **bind(State, "wrong_side"),
            format_func={True: "confidently wrong", False: "confidently right"}.get)
z_s, routes = stability(label, log_x, wrong_side)
with c2:
    fails = {
        name: core.stability.first_failure(z_s, values)
        for name, values in routes.items() if "naive" in name
    }
    lines = [
        f"- **{name}** first gives inf/nan at z = {z:g}" if z is not None
        else f"- **{name}** stays finite on this range"
        for name, z in fails.items()
    ]
    bad_logits = int((~np.isfinite(routes["logits space (float64)"])).sum())
    lines.append(f"- **logits space**: {bad_logits} inf/nan out of {len(z_s)} points")
    st.markdown("\n".join(lines))
chart(stability_figure(label, log_x, wrong_side), key="lf_stability")
st.caption("A thick line at the top spans the z values where a route returns inf or "
           "nan (hover it for the range).")
st.markdown(f"**The numbers** (true label y = {label}):")
rows = stability_rows(label)
st.dataframe(rows, hide_index=True, key="lf_table", height=38 + 35 * len(rows))
st.caption(
    "Exact: the same formula evaluated with 50-digit decimal arithmetic. Near "
    "z = 17 the float64 naive route still returns a number but has already lost "
    "digits (1 - p cancels); the logits-space value matches the exact one to the "
    "last digit or two."
)

st.subheader("Logits space in production")
st.markdown(
    "Production libraries take the logits, not probabilities, for exactly this "
    "reason, and compute the loss as max(z, 0) - z y + log(1 + e^(-|z|)): the same "
    "log loss, rearranged so nothing overflows and no log of 0 appears.\n"
    "- **PyTorch**: `torch.nn.BCEWithLogitsLoss` (and "
    "`binary_cross_entropy_with_logits`) fuses the sigmoid and the log loss; its "
    "documentation recommends it over `Sigmoid` followed by `BCELoss` for "
    "numerical stability. Mean over the batch by default.\n"
    "- **TensorFlow / Keras**: `tf.nn.sigmoid_cross_entropy_with_logits`, or "
    "`tf.keras.losses.BinaryCrossentropy(from_logits=True)`; with the default "
    "`from_logits=False` Keras clips p away from 0 and 1 instead.\n"
    "- **scikit-learn**: `LogisticRegression` minimises its half-binomial loss "
    "on the raw scores (logits) internally; the metric `sklearn.metrics.log_loss` "
    "takes probabilities and clips them to [eps, 1 - eps].\n\n"
    "Optimising log loss makes the probabilities good; whether a decision is good "
    "depends on the threshold and on what each mistake costs (the Threshold page)."
)
