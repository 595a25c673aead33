"""Loss functions: log loss against squared error on a single prediction."""

import numpy as np
import streamlit as st

import core
from ui.figures_loss import (
    make_gradient_figure,
    make_loss_curves_figure,
    make_stability_figure,
)
from ui.frame import require_frame
from ui.loss_views import Z_MAX, curves_against, stability, stability_rows
from ui.models import LossFunctionsState as State
from ui.state import bind, on_page

require_frame()  # before any element: the page must run inside app.py
on_page(State)

st.title("Loss functions")
st.markdown(
    "One example, one prediction. The model outputs a logit **z**, the sigmoid turns "
    "it into a probability **p**, and the loss says how bad that is for the true "
    "label **y**. Compare **log loss** (blue, solid) with **squared error** "
    "(vermillion, dashed)."
)

# --- The movable point -------------------------------------------------------
left, right = st.columns([1, 2])
with left:
    st.subheader("Your prediction")
    label = st.radio("True label y", [1, 0], horizontal=True, **bind(State, "label"),
                     format_func=lambda y: f"y = {y}")
    mode = st.radio("Move the point by", ["z", "p"], horizontal=True,
                    format_func={"z": "logit z", "p": "probability p"}.get,
                    **bind(State, "mode"))
    if mode == "z":
        z0 = st.slider("Logit z", -Z_MAX, Z_MAX, step=0.1, **bind(State, "z"))
    else:
        p_point = st.slider("Probability p of class 1", 0.001, 0.999, step=0.001,
                            **bind(State, "p"), format="%.3f")
        z0 = float(core.stability.logit(p_point))
    p0 = float(core.sigmoid(z0))
    point = core.stability.per_example_curves(np.array([z0]))[label]
    losses = {loss: float(point[loss][0][0]) for loss in point}
    grads = {loss: float(point[loss][1][0]) for loss in point}
    st.markdown(f"z = **{z0:.3g}**, p = sigmoid(z) = **{p0:.4g}**, true label "
                f"y = **{label}**")
    a, b = st.columns(2)
    a.metric("Log loss", f"{losses['log']:.4g}")
    b.metric("Squared error", f"{losses['mse']:.4g}")
    a.metric("dL/dz, log loss", f"{grads['log']:.4g}")
    b.metric("dL/dz, squared error", f"{grads['mse']:.4g}")
    wrong = abs(p0 - label)
    if wrong > 0.9:
        ratio = abs(grads["log"]) / max(abs(grads["mse"]), 1e-300)
        st.warning(
            f"Confidently wrong: the model gives the wrong class {wrong:.1%}. Log "
            f"loss pushes back {ratio:,.0f} times harder than squared error, whose "
            "gradient has almost vanished.",
            icon=":material/warning:",
        )
with right:
    st.subheader("The formulas")
    st.latex(r"p = \sigma(z) = \frac{1}{1 + e^{-z}}")
    st.latex(
        r"L_{\log}(y, p) = -y \log p - (1 - y)\log(1 - p) \qquad "
        r"L_{\mathrm{sq}}(y, p) = (p - y)^2"
    )
    st.latex(
        r"\frac{\partial L_{\log}}{\partial z} = p - y \qquad "
        r"\frac{\partial L_{\mathrm{sq}}}{\partial z} = 2\,(p - y)\,p\,(1 - p)"
    )
    st.markdown(
        "The factor **p (1 - p)** is the sigmoid's slope. It goes to zero when p is "
        "near 0 or 1, whether the model is right *or wrong*. Log loss cancels it; "
        "squared error keeps it, so a confidently wrong model barely learns."
    )

# --- Curves --------------------------------------------------------------------
st.subheader("Loss for one example")
axis = st.radio("Plot against", ["p", "z"], horizontal=True,
                format_func={"p": "probability p", "z": "logit z"}.get,
                **bind(State, "axis"))
use_p = axis == "p"
x, z_grid, curves = curves_against("p" if use_p else "z")
loss_curves = {y: {loss: curves[y][loss][0] for loss in ("log", "mse")}
               for y in (1, 0)}
st.plotly_chart(
    make_loss_curves_figure(
        x, loss_curves, x_title="predicted probability p" if use_p else "logit z",
        point=(p0 if use_p else z0, label, losses),
        y_max=5.0 if use_p else None,
    ),
    key="lf_curves",
)
st.caption(
    "Squared error never exceeds 1, however wrong the model is. Log loss grows "
    "without limit: a confident mistake costs far more than a hesitant one."
    + (" (The y axis stops at 5; log loss keeps rising towards p = 0 or 1.)"
       if use_p else "")
)

st.subheader("The gradient that drives learning")
_, z_only, curves_z = curves_against("z")
st.plotly_chart(
    make_gradient_figure(
        z_only, {loss: curves_z[label][loss][1] for loss in ("log", "mse")},
        label=label, wrong_region=core.stability.confidently_wrong(label, Z_MAX),
        point=(z0, grads),
    ),
    key="lf_gradient",
)
far = -8.0 if label == 1 else 8.0
far_point = core.stability.per_example_curves(np.array([far]))[label]
st.caption(
    f"In the shaded region the model is confidently wrong. At z = {far:g} log "
    f"loss's gradient is {far_point['log'][1][0]:.4f} (almost the full push of 1), "
    f"squared error's is {far_point['mse'][1][0]:.5f}: it vanishes exactly where "
    "learning is needed most."
)

# --- Stability -------------------------------------------------------------------
st.subheader("Numerical stability: sigmoid-then-log against logits space")
st.markdown(
    "The textbook route computes p = sigmoid(z) first and then takes logs. Once p "
    "rounds to exactly 0 or 1 (beyond |z| of about 17 in float32, 37 in float64), "
    "one log is of 0: the result is **inf**, or **nan** where 0 x log(0) appears. "
    "Computing the loss from z directly, as log(1 + e^(-z)) with a careful "
    "log1p, stays exact."
)
c1, c2 = st.columns([1, 2])
with c1:
    s_label = st.radio("True label", [1, 0], horizontal=True,
                       format_func=lambda y: f"y = {y}", **bind(State, "s_label"))
    log_x = st.toggle("Beyond ±100 (log axes, |z| up to a million)",
                      **bind(State, "log_x"))
    wrong_side = True
    if log_x:
        wrong_side = st.radio(
            "Side", [True, False], horizontal=True, **bind(State, "wrong_side"),
            format_func={True: "confidently wrong", False: "confidently right"}.get)
z_s, routes = stability(s_label, log_x, wrong_side)
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
st.plotly_chart(make_stability_figure(z_s, routes, label=s_label, log_x=log_x),
                key="lf_stability")
st.caption("Crosses at the top mark the z values where a route returns inf or nan.")
st.markdown(f"**The numbers** (true label y = {s_label}):")
rows = stability_rows(s_label)
st.dataframe(rows, hide_index=True, key="lf_table", height=38 + 35 * len(rows))
st.caption(
    "Exact: the same formula evaluated with 50-digit decimal arithmetic. Near "
    "z = 17 the float64 naive route still returns a number but has already lost "
    "digits (1 - p cancels); the logits-space value matches the exact one to the "
    "last digit or two."
)
