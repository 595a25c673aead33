"""Training: gradient descent live, log loss against MSE, divergence and overfitting.

The controls and buttons run with the whole page; the charts live in two fragments.
While a run is going the first has ``run_every=BATCH_S``: a few times a second it
advances the runs by the epochs due since the last batch (at most
``BATCH_BUDGET_S`` of compute) and redraws the status, the messages and the live
cost/accuracy/gradient chart. That chart (``ui.live_chart``) reveals the batch's
epochs one by one on a canvas over the time until the next batch, so the browser
shows a new epoch on every animation frame while Streamlit itself reruns only a few
times a second (each rerun costs a busy browser ~0.1 s, whatever it draws). When the
run stops, the chart becomes an ``st.echarts_chart`` with tooltips. The live chart
also moves the (w, b) paths over the cost surfaces (1-D data) or the decision
boundaries (2-D data); when stopped, those are Plotly figures in a second fragment,
which while running ticks every ``MODEL_FRAME_S`` to redraw the weights of data with
more features (a changed Plotly chart is drawn from scratch, ~0.1-0.3 s of browser
time). The runs (``core.diagnostics.LiveRun``, each holding its ``core.iter_train``
iterator, so momentum and Adam keep their memory) live in ``st.session_state``;
Pause stops the ticking and the last batch stays on screen, drawn in full.
"""

from __future__ import annotations

import hashlib
import json
import time

import numpy as np
import streamlit as st

from core import sigmoid
from core.fitting import (
    LiveRun,
    best_validation_epoch,
    fit_preprocessor,
    is_overfitting,
    reference_optimum,
    train_validation_split,
)
from core.slices import surface_window
from core.surface import penalised_surface
from ui.advice import (
    OPTIMIZER_NAMES,
    describe_rise,
    explain_divergence,
    reference_message,
)
from ui.exports import model_export
from ui.figures_training import (
    LOSS_LABEL,
    make_boundary_figure,
    make_live_data,
    make_metrics_option,
    make_path_figure,
    make_weights_figure,
)
from ui.frame import require_frame
from ui.live_chart import live_chart
from ui.live_runs import advance_together
from ui.sidebar import choose_dataset, current_dataset

require_frame()  # before any element: the page must run inside app.py

BATCH_S = 0.25  # run_every while running: a batch of epochs this often
BATCH_BUDGET_S = 0.15  # compute time per batch at most
AUTO_RUN_S = 8.0  # "auto" speed: a whole run takes about this long, whatever the fps
FIRST_VISIT_BUDGET_S = 2.0
SURFACE_GRID = 51
BOUNDARY_GRID = 70
MAX_POINTS_DRAWN = 2000
CHART_KW = {"config": {"displayModeBar": False}, "theme": None}
# While running the model views are static pictures: no hover or zoom layers to
# build, so each redraw blocks the browser for less time.
LIVE_CHART_KW = {"config": {"displayModeBar": False, "staticPlot": True},
                 "theme": None}
METRICS_HEIGHT = 400
# While running, the weights chart (data with more than two features) is redrawn this
# often: Streamlit draws a changed Plotly chart from scratch (~0.1-0.3 s of browser
# time), which would starve the live chart.
MODEL_FRAME_S = 1.0

LR_VALUES = [round(m * 10.0**e, 6) for e in range(-4, 2) for m in (1, 2, 3, 5)]
LR_VALUES.append(100.0)
EPOCH_VALUES = [10, 20, 50, 100, 200, 300, 500, 1000, 2000, 5000]
L2_VALUES = [0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]
BATCH_VALUES = [1, 8, 16, 32, 64, 128, 256, 1024]
VAL_VALUES = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
SPEED_VALUES = ["auto", 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]
LOSS_MODES = {"both": "Both, side by side", "log": "Log loss", "mse": "MSE"}

CONTROL_DEFAULTS = {
    "tr_loss": "both",
    "tr_optimizer": "gd",
    "tr_lr": 1.0,
    "tr_epochs": 300,
    "tr_batch": 32,
    "tr_l2": 0.0,
    "tr_degree": 1,
    "tr_standardise": True,
    "tr_w0": -4.0,
    "tr_b0": 4.0,
    "tr_seed": 0,
    "tr_val": 0.3,
    "tr_speed": "auto",
}

# One click sets up each lecture story (sidebar dataset included) and starts it.
STORIES = {
    "mse": (
        "Log loss vs MSE",
        {"dataset": "one_d", "n": 200, "separation": 2.0, "noise": 1.0,
         "balance": 0.5, "seed": 0},
        dict(CONTROL_DEFAULTS),
    ),
    "lr": (
        "A learning rate that diverges",
        {"dataset": "blobs", "n": 300, "noise": 1.0, "seed": 0},
        {**CONTROL_DEFAULTS, "tr_loss": "log", "tr_lr": 30.0, "tr_epochs": 100,
         "tr_degree": 2, "tr_standardise": False},
    ),
    "overfit": (
        "Overfitting",
        {"dataset": "moons", "n": 60, "noise": 1.0, "seed": 0},
        {**CONTROL_DEFAULTS, "tr_loss": "log", "tr_optimizer": "adam", "tr_lr": 0.1,
         "tr_epochs": 1000, "tr_degree": 10, "tr_val": 0.5},
    ),
}


# ------------------------------------------------------------------ cached numerics
@st.cache_data(show_spinner=False, max_entries=32)
def cached_reference(X: np.ndarray, y: np.ndarray, l2: float):
    return reference_optimum(X, y, l2)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_surface(x: np.ndarray, y: np.ndarray, window: tuple, loss: str, l2: float):
    w_values = np.linspace(window[0], window[1], SURFACE_GRID)
    b_values = np.linspace(window[2], window[3], SURFACE_GRID)
    return w_values, b_values, penalised_surface(x, y, w_values, b_values, loss, l2)


# ----------------------------------------------------------------------- state
def _init_state() -> None:
    for key, value in CONTROL_DEFAULTS.items():
        st.session_state.setdefault(key, value)
    st.session_state.setdefault("tr", None)


def _settings() -> dict:
    s = st.session_state
    return {
        "optimizer": s.tr_optimizer,
        "learning_rate": float(s.tr_lr),
        "epochs": int(s.tr_epochs),
        "batch_size": int(s.tr_batch) if s.tr_optimizer == "sgd" else None,
        "l2": float(s.tr_l2),
        "seed": int(s.tr_seed),
    }


def _fingerprint(dataset) -> str:
    """Identifies the data itself, whatever the sidebar calls it."""
    digest = hashlib.blake2b(digest_size=16)
    for a in (dataset.X, dataset.y):
        digest.update(np.ascontiguousarray(a, dtype=float).tobytes())
    return f"{dataset.name}|{dataset.X.shape}|{digest.hexdigest()}"


def _model_signature(dataset) -> tuple:
    s = st.session_state
    n_features = dataset.n_features
    data = _fingerprint(dataset)
    degree = int(s.tr_degree) if n_features == 2 else 1
    start = (float(s.tr_w0), float(s.tr_b0)) if n_features == 1 else None
    return (data, s.tr_loss, degree, bool(s.tr_standardise), float(s.tr_val),
            int(s.tr_seed), start)


def _prepare(dataset, signature: tuple) -> dict:
    """Split, fit the preprocessing on the training rows, and set up the views."""
    _, loss_mode, degree, standardise, val_share, seed, start = signature
    X_raw, y = dataset.X, dataset.y
    train_idx, val_idx = train_validation_split(y, val_share, seed)
    pre = fit_preprocessor(X_raw[train_idx], degree, standardise,
                           dataset.feature_names)
    X_train = pre.transform(X_raw[train_idx])
    prep = {
        "losses": ["log", "mse"] if loss_mode == "both" else [loss_mode],
        "pre": pre,
        "X": X_train,
        "y": y[train_idx],
        # (PolynomialFeatures refuses an empty array: no validation rows, no call)
        "X_val": (pre.transform(X_raw[val_idx]) if len(val_idx)
                  else np.empty((0, X_train.shape[1]))),
        "y_val": y[val_idx],
        "n_inputs": X_raw.shape[1],
        "start": start,
    }
    d = prep["X"].shape[1]
    prep["w0"] = np.array([start[0]]) if start else np.zeros(d)
    prep["b0"] = start[1] if start else 0.0
    prep["feature_scale"] = float(prep["X"].std(axis=0).max())
    if X_raw.shape[1] == 2:
        # Draw at most MAX_POINTS_DRAWN points (a fixed, seeded subset).
        rows = np.random.default_rng(0).permutation(len(y))[:MAX_POINTS_DRAWN]
        rows.sort()
        is_val = np.zeros(len(y), bool)
        is_val[val_idx] = True
        lo, hi = X_raw.min(axis=0), X_raw.max(axis=0)
        margin = 0.1 * (hi - lo)
        g1 = np.linspace(lo[0] - margin[0], hi[0] + margin[0], BOUNDARY_GRID)
        g2 = np.linspace(lo[1] - margin[1], hi[1] + margin[1], BOUNDARY_GRID)
        G1, G2 = np.meshgrid(g1, g2)
        prep["points"] = (X_raw[rows], y[rows], is_val[rows])
        prep["grid"] = (g1, g2)
        prep["grid_features"] = pre.transform(np.column_stack([G1.ravel(), G2.ravel()]))
    return prep


def _new_runs(prep: dict, settings: dict) -> dict:
    return {
        loss: LiveRun(loss, prep["X"], prep["y"], prep["X_val"], prep["y_val"],
                      settings, prep["w0"], prep["b0"])
        for loss in prep["losses"]
    }


def _sync_state(dataset) -> dict:
    """Create or update the training state from the controls.

    A change to the data, preprocessing, loss, start or seed starts afresh; a change
    to the optimiser settings continues from the current weights (a diverged run, or
    one that has not moved yet, starts afresh instead).
    """
    signature = _model_signature(dataset)
    settings = _settings()
    tr = st.session_state.tr
    if tr is None or tr["signature"] != signature:
        first_visit = tr is None
        prep = _prepare(dataset, signature)
        tr = {"signature": signature, "prep": prep, "settings": settings,
              "runs": _new_runs(prep, settings), "status": "ready", "note": ""}
        st.session_state.tr = tr
        if first_visit:  # arrive at a finished run: the story is on screen at once
            advance_together(tr["runs"].values(), settings["epochs"],
                             FIRST_VISIT_BUDGET_S)
            tr["status"] = ("finished" if all(r.done for r in tr["runs"].values())
                            else "paused")
    elif tr["settings"] != settings:
        runs = tr["runs"]
        moved = any(r.epochs_run > 0 for r in runs.values())
        if moved and not any(r.diverged for r in runs.values()):
            for run in runs.values():
                run.retune(settings)
            tr["note"] = ("Settings changed: training continues from the current "
                          "weights" + (" (momentum/Adam memory starts again)."
                                       if settings["optimizer"] in ("momentum", "adam")
                                       else "."))
            if all(r.done for r in runs.values()):
                tr["status"] = "finished"
            elif tr["status"] == "finished":
                tr["status"] = "paused"
        else:
            tr["runs"] = _new_runs(tr["prep"], settings)
            tr["status"], tr["note"] = "ready", ""
        tr["settings"] = settings
    return tr


# -------------------------------------------------------------------- callbacks
def _on_run() -> None:
    tr = st.session_state.tr
    tr.pop("last_batch", None)
    tr.pop("epoch_credit", None)
    if tr["status"] == "finished":  # run again from the start
        tr["runs"] = _new_runs(tr["prep"], tr["settings"])
        tr["note"] = ""
    tr["status"] = "running"


def _on_pause() -> None:
    tr = st.session_state.tr
    if tr["status"] == "running":  # a run that ended meanwhile stays finished
        tr["status"] = "paused"


def _on_step() -> None:
    tr = st.session_state.tr
    advance_together(tr["runs"].values(), 1)
    done = all(r.done for r in tr["runs"].values())
    tr["status"] = "finished" if done else "paused"


def _on_reset() -> None:
    tr = st.session_state.tr
    tr["runs"] = _new_runs(tr["prep"], tr["settings"])
    tr["status"], tr["note"] = "ready", ""


def _on_story(name: str) -> None:
    _, data, controls = STORIES[name]
    data = dict(data)
    choose_dataset(data.pop("dataset"), **data)
    for key, value in controls.items():
        st.session_state[key] = value
    st.session_state["tr_start_story"] = True


# ------------------------------------------------------------------------ views
def _next_batch(tr: dict) -> tuple[int, float]:
    """Epochs due now and the seconds they stand for (those since the last batch):
    the chosen epochs per second, or for "auto" the share of the run that time is
    (a run then lasts about ``AUTO_RUN_S``, however often the browser asks)."""
    now = time.monotonic()
    elapsed = min(max(now - tr.get("last_batch", now - BATCH_S), 0.0), 1.0)
    tr["last_batch"] = now
    speed = st.session_state.tr_speed
    rate = tr["settings"]["epochs"] / AUTO_RUN_S if speed == "auto" else float(speed)
    # the fraction of an epoch left over counts towards the next batch
    due = tr.get("epoch_credit", 0.0) + rate * elapsed
    tr["epoch_credit"] = due - int(due)
    return int(due), elapsed


def _status_line(tr: dict) -> str:
    parts = []
    for loss, run in tr["runs"].items():
        parts.append(f"**{LOSS_LABEL[loss]}**: epoch {run.epochs_run} of "
                     f"{run.settings['epochs']}, cost {run.cost[-1]:.4f}")
    words = {"ready": "Ready: press **Run**.", "running": "Running…",
             "paused": "Paused.", "finished": "Finished."}[tr["status"]]
    return f"{words} " + " · ".join(parts)


def _messages(tr: dict, histories: dict, reference, best: dict) -> None:
    prep, settings = tr["prep"], tr["settings"]
    for loss, run in tr["runs"].items():
        h = histories[loss]
        if run.diverged:
            st.error(":material/warning: **Diverged.** " + explain_divergence(
                h["cost"], learning_rate=settings["learning_rate"],
                optimizer=settings["optimizer"], standardised=prep["pre"].standardise,
                feature_scale=prep["feature_scale"], non_finite=run.non_finite))
            continue
        rise = describe_rise(h["cost"]) if run.epochs_run >= 3 else None
        if rise:
            st.warning(f"{LOSS_LABEL[loss]}: {rise}")
        if len(h["val_loss"]) and is_overfitting(h["cost"], h["val_loss"]):
            b = best[loss]
            st.warning(
                f":material/trending_up: **Overfitting** ({LOSS_LABEL[loss]}): the "
                f"validation loss was lowest at epoch {int(h['epoch'][b])} "
                f"({h['val_loss'][b]:.3f}) and has risen to {h['val_loss'][-1]:.3f} "
                f"while the training cost kept falling to {h['cost'][-1]:.3f}. "
                "Stop at the best epoch, add L2, or lower the polynomial degree.")
    if tr["status"] == "finished" and set(tr["runs"]) == {"log", "mse"}:
        log, mse = histories["log"], histories["mse"]
        st.info(
            f"From the same start, log loss reached accuracy "
            f"{log['train_acc'][-1]:.0%} (gradient norm {log['grad_norm'][-1]:.2g}); "
            f"MSE reached {mse['train_acc'][-1]:.0%} with gradient norm "
            f"{mse['grad_norm'][-1]:.2g}. Where the model is confidently wrong, "
            "MSE's gradient is multiplied by p(1 - p) ≈ 0, so it crawls across a "
            "plateau; log loss's gradient p - y stays large there.")
    if reference is not None and not reference.finite and "log" in tr["runs"]:
        st.caption(reference_message(reference))


def _live_view(tr: dict, reference, batch: tuple | None = None) -> None:
    """Status line, messages in words, and the cost/accuracy/gradient chart; while
    running (``batch`` = (first epoch of the batch, seconds to reveal it over)) the
    live chart instead."""
    runs = tr["runs"]
    histories = {loss: run.arrays() for loss, run in runs.items()}
    best = {loss: None if runs[loss].diverged else best_validation_epoch(h["val_loss"])
            for loss, h in histories.items()}
    st.markdown(_status_line(tr))
    _messages(tr, histories, reference, best)
    ref_cost = reference.cost if reference is not None and reference.finite else None
    chart_kw = {"reference_cost": ref_cost, "best_epochs": best,
                "epochs": tr["settings"]["epochs"]}
    if batch is not None:
        start, elapsed = batch
        prep = tr["prep"]
        if prep["n_inputs"] == 1:  # the (w, b) paths move with the epochs
            chart_kw |= {"surfaces": _surfaces(tr), "start_point": prep["start"],
                         "reference_point": _reference_point(reference)}
        elif prep["n_inputs"] == 2:  # and so do the decision boundaries
            chart_kw["boundary"] = {"grid": prep["grid"],
                                    "grid_features": prep["grid_features"],
                                    "points": prep["points"],
                                    "feature_names": prep["pre"].input_names}
        static = repr((tr["signature"], tr["settings"]["l2"])).encode()
        live_chart(make_live_data(histories, start=start, reveal_s=elapsed,
                                  run=str(id(next(iter(runs.values())))),
                                  static_key=hashlib.blake2b(static).hexdigest(),
                                  **chart_kw), key="tr_live_chart")
    else:
        st.echarts_chart(make_metrics_option(histories, **chart_kw),
                         key="tr_metrics_chart", height=METRICS_HEIGHT, theme=None)


def _surfaces(tr: dict) -> dict:
    """{loss: (w_values, b_values, J)} around the path, for 1-D data."""
    prep = tr["prep"]
    return {loss: cached_surface(prep["X"][:, 0], prep["y"], prep["window"], loss,
                                 tr["settings"]["l2"])
            for loss in prep["losses"]}


def _reference_point(reference) -> tuple | None:
    if reference is None or not reference.finite:
        return None
    return reference.w[0], reference.b


def _model_view(tr: dict, reference) -> None:
    """The model itself: (w, b) path on the surfaces, decision boundary or weights.
    While running, the live chart draws the paths and boundaries itself, epoch by
    epoch."""
    prep, runs = tr["prep"], tr["runs"]
    running = tr["status"] == "running"
    chart_kw = LIVE_CHART_KW if running else CHART_KW
    if prep["n_inputs"] == 1:
        if not running:
            paths = {loss: (np.asarray(run.path_w, dtype=float)[:, 0],
                            np.asarray(run.path_b, dtype=float))
                     for loss, run in runs.items()}
            st.plotly_chart(make_path_figure(_surfaces(tr), paths, start=prep["start"],
                                             reference=_reference_point(reference)),
                            key="tr_path_chart", **chart_kw)
        scaled = (" w multiplies the standardised feature (switch standardisation "
                  "off under 'More settings' to use the raw one)."
                  if prep["pre"].standardise else "")
        st.caption("Shading: the cost J(w, b) of each loss, darker is higher. The x "
                   "marks the common start, the star scikit-learn's log-loss "
                   f"optimum.{scaled}")
    elif prep["n_inputs"] == 2 and not running:
        g1, g2 = prep["grid"]
        logits = {
            loss: (prep["grid_features"] @ run.w + run.b).reshape(len(g2), len(g1))
            for loss, run in runs.items()
        }
        X_pts, y_pts, val_pts = prep["points"]
        st.plotly_chart(
            make_boundary_figure(X_pts, y_pts, is_val=val_pts, grid=prep["grid"],
                                 logits=logits,
                                 feature_names=prep["pre"].input_names),
            key="tr_boundary_chart", **chart_kw,
        )
    if prep["n_inputs"] == 2 and len(prep["points"][0]) < len(prep["y"]) + len(
            prep["y_val"]):
        st.caption(f"Showing {len(prep['points'][0]):,} of "
                   f"{len(prep['y']) + len(prep['y_val']):,} points.")
    if prep["n_inputs"] > 2:
        st.plotly_chart(
            make_weights_figure({k: r.w for k, r in runs.items()},
                                prep["pre"].feature_names),
            key="tr_weights_chart", **chart_kw,
        )


def _download(tr: dict, dataset) -> None:
    settings = tr["settings"]
    exports = {}
    for loss, run in tr["runs"].items():
        metrics = {"epochs_run": run.epochs_run, "training_cost": run.cost[-1],
                   "training_accuracy": run.train_acc[-1], "diverged": run.diverged}
        if run.val_loss:
            metrics |= {"validation_loss": run.val_loss[-1],
                        "validation_accuracy": run.val_acc[-1]}
        exports[loss] = model_export(
            run.w, run.b, tr["prep"]["pre"], loss=loss,
            settings={**settings, "validation_share": tr["signature"][4],
                      "dataset": dataset.name},
            metrics=metrics)
    text = json.dumps(exports if len(exports) > 1 else next(iter(exports.values())),
                      indent=2)
    tr["export_json"] = text  # what the button hands out, kept for inspection
    st.download_button(
        ":material/download: Download the model (JSON)",
        text,
        file_name="loss_lab_model.json", mime="application/json",
        key="tr_download", on_click="ignore",
        disabled=tr["status"] == "running",
    )


def training_area(reference) -> None:
    """The live part: one batch of epochs (advance, then draw) per run while running.
    """
    tr = st.session_state.tr
    batch = None
    if tr["status"] == "running":
        start = max(r.epochs_run for r in tr["runs"].values())
        epochs, elapsed = _next_batch(tr)
        advance_together(tr["runs"].values(), epochs, BATCH_BUDGET_S)
        batch = (start, max(elapsed, BATCH_S))
        if all(r.done for r in tr["runs"].values()):
            tr["status"] = "finished"
            st.rerun()  # the whole page: stops the ticking and updates the buttons
    if tr["note"]:
        st.caption(tr["note"])
    _live_view(tr, reference, batch)


def model_area(reference, dataset) -> None:
    """The Plotly views of the model and the download, with every page run and
    every ``MODEL_FRAME_S`` while running (then only the weights of data with more
    than two features are drawn here; the live chart moves the rest)."""
    tr = st.session_state.tr
    _model_view(tr, reference)
    _download(tr, dataset)
    _publish_scores(tr, dataset)


def _publish_scores(tr: dict, dataset) -> None:
    """Hand the Threshold page the trained model's scores on the validation split
    (the log-loss model when both were trained), once a run has stopped."""
    prep = tr["prep"]
    if tr["status"] == "running" or len(np.unique(prep["y_val"])) < 2:
        return
    loss = "log" if "log" in tr["runs"] else next(iter(tr["runs"]))
    run = tr["runs"][loss]
    if run.epochs_run == 0:
        return
    st.session_state["trained_scores"] = {
        "y_true": prep["y_val"],
        "scores": sigmoid(prep["X_val"] @ run.w + run.b),
        "label": f"{LOSS_LABEL[loss]} model on {dataset.name}, epoch {run.epochs_run}",
    }


# ------------------------------------------------------------------------- page
_init_state()
dataset = current_dataset()
n_features = dataset.n_features

st.title("Training")
st.markdown(
    "Watch gradient descent fit a logistic regression, epoch by epoch. The default "
    "starts **log loss and MSE from the same point** (w, b) = (-4, 4), where the "
    "model is confidently wrong: log loss walks straight to the optimum while MSE "
    "crawls over a flat plateau."
)

st.markdown("**Show a story** (sets the dataset and controls, then runs):")
story_cols = st.columns(len(STORIES))
for col, (name, (label, _, _)) in zip(story_cols, STORIES.items(), strict=True):
    col.button(label, key=f"tr_story_{name}", on_click=_on_story, args=(name,),
               width="stretch")

c1, c2, c3, c4 = st.columns([1.3, 1, 1, 1])
c1.radio("Loss", list(LOSS_MODES), format_func=LOSS_MODES.get, key="tr_loss",
         horizontal=True)
c2.selectbox("Optimizer", list(OPTIMIZER_NAMES), format_func=OPTIMIZER_NAMES.get,
             key="tr_optimizer")
c3.select_slider("Learning rate (log scale)", LR_VALUES, key="tr_lr",
                 format_func=lambda v: f"{v:g}")
c4.select_slider("Epochs", EPOCH_VALUES, key="tr_epochs")

with st.expander("More settings: L2, features, start point, validation, seed, speed"):
    e1, e2, e3, e4 = st.columns(4)
    e1.select_slider("L2 strength", L2_VALUES, key="tr_l2",
                     format_func=lambda v: f"{v:g}")
    e1.select_slider("Validation share", VAL_VALUES, key="tr_val",
                     format_func=lambda v: f"{v:.0%}")
    if n_features == 1:
        e2.slider("Start weight w0", -10.0, 10.0, key="tr_w0", step=0.5)
        e2.slider("Start bias b0", -10.0, 10.0, key="tr_b0", step=0.5)
    elif n_features == 2:
        e2.slider("Polynomial degree", 1, 12, key="tr_degree",
                  help="scikit-learn's PolynomialFeatures of the two inputs.")
        e2.caption("2-D data start from w = 0, b = 0.")
    else:
        e2.caption(f"{n_features} features: degree 1, start at w = 0, b = 0.")
    e3.toggle("Standardise features", key="tr_standardise",
              help="Scale each feature to mean 0 and standard deviation 1, using the "
                   "training rows only.")
    e3.number_input("Seed (split and SGD shuffling)", 0, 10_000, key="tr_seed",
                    step=1)
    if st.session_state.tr_optimizer == "sgd":
        e4.select_slider("Batch size (SGD)", BATCH_VALUES, key="tr_batch")
    e4.select_slider("Speed (epochs per second)", SPEED_VALUES, key="tr_speed",
                     help=f"auto makes a whole run take about {AUTO_RUN_S:g} s.")

try:
    tr = _sync_state(dataset)
except ValueError as err:
    st.error(f"These settings cannot be trained: {err}")
    st.stop()

if st.session_state.pop("tr_start_story", False):
    _on_reset()
    tr.pop("last_batch", None)
    tr.pop("epoch_credit", None)
    tr["status"] = "running"

if n_features == 1 and "window" not in tr["prep"]:
    ref0 = cached_reference(tr["prep"]["X"], tr["prep"]["y"], 0.0)
    points = [tr["prep"]["start"]] + ([(ref0.w[0], ref0.b)] if ref0.finite else [])
    tr["prep"]["window"] = surface_window(points)

reference = None
if "log" in tr["runs"]:
    with st.spinner("Fitting the scikit-learn reference…"):
        reference = cached_reference(tr["prep"]["X"], tr["prep"]["y"],
                                     tr["settings"]["l2"])

b1, b2, b3, b4, _ = st.columns([1, 1, 1, 1, 3])
if tr["status"] == "running":
    b1.button(":material/pause: Pause", key="tr_pause", on_click=_on_pause,
              type="primary", width="stretch")
else:
    label = ":material/replay: Run again" if tr["status"] == "finished" else (
        ":material/play_arrow: Run")
    b1.button(label, key="tr_run", on_click=_on_run, type="primary",
              width="stretch")
b2.button(":material/skip_next: Step", key="tr_step", on_click=_on_step,
          disabled=tr["status"] in ("running", "finished"), width="stretch")
b3.button(":material/restart_alt: Reset", key="tr_reset", on_click=_on_reset,
          width="stretch")
b4.caption(f"Data: {dataset.name}")

running = tr["status"] == "running"
st.fragment(run_every=BATCH_S if running else None)(training_area)(reference)
st.fragment(run_every=MODEL_FRAME_S if running else None)(model_area)(reference,
                                                                      dataset)
