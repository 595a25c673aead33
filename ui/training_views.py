"""What the Training page draws: stories, controls, buttons, the live part (status
line, messages in words, the cost/accuracy/gradient chart), the model views, the
download, and the hand-off to the Threshold page.

Every control is bound to :class:`ui.models.TrainingState` (``ui.state.bind``), so
it survives page switches and shows in the URL; changing one by hand ends the story
that set it. While running, the live part reruns every ``BATCH_S`` in a fragment and
feeds the live chart (``ui.live_chart``: it reveals each batch's epochs one per
animation frame); the model views rerun every ``MODEL_FRAME_S`` (a changed Plotly
chart is drawn from scratch, ~0.1-0.3 s of browser time, which would starve the live
chart). When stopped they are full charts (``ui.chart``) with hover readouts.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import streamlit as st

from core import sigmoid
from core.fitting import best_validation_epoch, is_overfitting, squared_error_optimum
from ui.advice import (
    OPTIMIZER_NAMES,
    describe_rise,
    explain_divergence,
    reference_bound_message,
    reference_message,
)
from ui.chart import chart
from ui.exports import model_export
from ui.figures_training import (
    LOSS_LABEL,
    make_boundary_figure,
    make_live_data,
    make_metrics_figure,
    make_path_figure,
    make_weights_figure,
)
from ui.format import plain
from ui.live_chart import live_chart
from ui.memo import memo
from ui.models import (
    BATCH_VALUES,
    EPOCH_VALUES,
    L2_VALUES,
    LR_VALUES,
    SPEED_VALUES,
    VAL_VALUES,
    TrainedScores,
    TrainingState,
)
from ui.presentation import presenting
from ui.sidebar import choose_dataset
from ui.state import bind, current, save, update
from ui.training_session import (
    AUTO_RUN_S,
    STATUS_WORDS,
    TrainingSession,
    session,
    surface_rows,
)

MODEL_FRAME_S = 1.0  # while running, data with > 2 features redraw their weights
METRICS_HEIGHT = 400
# Presentation mode at 1280x720: the metrics, the paths or boundaries and their
# legends, under one row of buttons, fit the screen.
PRESENT_METRICS_HEIGHT = 300
PRESENT_LIVE_HEIGHT = 200
PRESENT_MODEL_HEIGHT = 210
LOSS_MODES = {"both": "Both, side by side", "log": "Log loss", "mse": "MSE"}

# One click sets up each lecture story: (button label, the sidebar's dataset and
# its settings, the controls that differ from their defaults).
STORIES = {
    "mse": ("Log loss vs MSE",
            {"key": "one_d", "n": 200, "separation": 2.0, "noise": 1.0,
             "balance": 0.5, "seed": 0},
            {}),
    "lr": ("A learning rate that diverges",
           {"key": "blobs", "n": 300, "noise": 1.0, "seed": 0},
           {"loss": "log", "lr": 30.0, "epochs": 100, "degree": 2,
            "standardise": False}),
    "overfit": ("Overfitting",
                {"key": "moons", "n": 60, "noise": 1.0, "seed": 0},
                {"loss": "log", "optimizer": "adam", "lr": 0.1, "epochs": 1000,
                 "degree": 10, "val": 0.5}),
}


# ------------------------------------------------------------------------ stories
def start_story(name: str) -> None:
    """A story button: the story's dataset and controls, then run it live."""
    _, data, controls = STORIES[name]
    choose_dataset(**data)
    save(TrainingState(story=name, **controls))
    sess = session()
    if sess is not None:
        sess.start_pending = True


def open_story_link(name: str) -> TrainingState:
    """A link naming a story, opened in a new session: the story's settings and
    dataset. Not a callback, so the sidebar is drawn already and shows the choice
    from the next full run on (when the story's run stops)."""
    _, data, controls = STORIES[name]
    choose_dataset(**data)
    model = TrainingState(story=name, **controls)
    save(model)
    return model


def draw_stories(*, compact: bool = False) -> None:
    """A button per story, each as wide as its label (they wrap on a narrow
    screen rather than cut their labels short)."""
    if compact:  # in the caller's row of buttons
        for name, (label, _, _) in STORIES.items():
            st.button(label, key=f"tr_story_{name}", on_click=start_story,
                      args=(name,), width="content", icon=":material/slideshow:")
        return
    st.markdown("**Show a story** (sets the dataset and controls, then runs):")
    with st.container(horizontal=True, gap="small", key="tr_stories"):
        for name, (label, _, _) in STORIES.items():
            st.button(label, key=f"tr_story_{name}", on_click=start_story,
                      args=(name,), width="content")


def _by_hand() -> None:
    """A control changed by hand: the view is no longer the story's."""
    if current(TrainingState).story:
        update(TrainingState, story="")


def _bind(field: str, options: list | None = None) -> dict:
    """Widget arguments for a control bound to ``field``. The model's value is also
    the widget's default (``index`` among ``options`` for a radio or selectbox), so
    the browser shows it even when it never got the one-shot "set value" of the run
    that seeded the widget (a new session whose first run is followed at once by
    another, as a link to a story is)."""
    value = getattr(current(TrainingState), field)
    default = {"value": value} if options is None else {"index": options.index(value)}
    return bind(TrainingState, field, on_change=_by_hand) | default


# ----------------------------------------------------------------------- controls
def draw_controls(model: TrainingState, n_features: int) -> None:
    # A wrapping row of fixed widths: on a narrow screen a control moves to the
    # next line instead of cutting its text ("gradient des").
    with st.container(horizontal=True, gap="medium", key="tr_main_controls"):
        st.radio("Loss", list(LOSS_MODES), format_func=LOSS_MODES.get,
                 horizontal=True, width="content", **_bind("loss", list(LOSS_MODES)))
        st.selectbox("Optimizer", list(OPTIMIZER_NAMES),
                     format_func=OPTIMIZER_NAMES.get, width=220,
                     **_bind("optimizer", list(OPTIMIZER_NAMES)))
        st.select_slider("Learning rate (log scale)", LR_VALUES, width=230,
                         format_func=lambda v: f"{v:g}", **_bind("lr"))
        st.select_slider("Epochs", EPOCH_VALUES, width=230, **_bind("epochs"))
    with st.expander("More settings: L2, features, start point, validation, seed, "
                     "speed"):
        e1, e2, e3, e4 = st.columns(4)
        e1.select_slider("L2 strength", L2_VALUES, format_func=lambda v: f"{v:g}",
                         **_bind("l2"))
        e1.select_slider("Validation share", VAL_VALUES,
                         format_func=lambda v: f"{v:.0%}", **_bind("val"))
        if n_features == 1:
            e2.slider("Start weight w0", -10.0, 10.0, step=0.5, **_bind("w0"))
            e2.slider("Start bias b0", -10.0, 10.0, step=0.5, **_bind("b0"))
        elif n_features == 2:
            e2.slider("Polynomial degree", 1, 12, **_bind("degree"),
                      help="scikit-learn's PolynomialFeatures of the two inputs.")
            e2.caption("2-D data start from w = 0, b = 0.")
        else:
            e2.caption(f"{n_features} features: degree 1, start at w = 0, b = 0.")
        e3.toggle("Standardise features", **_bind("standardise"),
                  help="Scale each feature to mean 0 and standard deviation 1, "
                       "using the training rows only.")
        # No min or max: the browser would clamp a typed value to them silently;
        # the model refuses it and says why (above the controls) instead.
        e3.number_input("Seed (split and SGD shuffling), 0 to 10,000", step=1,
                        **_bind("seed"))
        if model.optimizer == "sgd":
            e4.select_slider("Batch size (SGD)", BATCH_VALUES, **_bind("batch"))
        e4.select_slider("Speed (epochs per second)", list(SPEED_VALUES),
                         **_bind("speed"),
                         help=f"auto makes a whole run take about {AUTO_RUN_S:g} s.")


# ------------------------------------------------------------------------ buttons
def _on_run() -> None:
    session().start()


def _on_pause() -> None:
    session().pause()


def _on_step() -> None:
    session().step()


def _on_reset() -> None:
    session().reset()


def draw_buttons(sess: TrainingSession, data_name: str) -> None:
    """Run/Pause, Step, Reset (each as wide as its label) and the data's name."""
    if sess.status == "running":
        st.button(":material/pause: Pause", key="tr_pause", on_click=_on_pause,
                  type="primary", width="content", help="Key: space")
    else:
        label = (":material/replay: Run again" if sess.status == "finished"
                 else ":material/play_arrow: Run")
        st.button(label, key="tr_run", on_click=_on_run, type="primary",
                  width="content", help="Key: space")
    st.button(":material/skip_next: Step", key="tr_step", on_click=_on_step,
              disabled=sess.status in ("running", "finished"), width="content",
              help="Key: right arrow")
    st.button(":material/restart_alt: Reset", key="tr_reset", on_click=_on_reset,
              width="content")
    st.caption(f"Data: {plain(data_name)}")  # an upload's file name


UPDATE_RULE = r"w \leftarrow w - \eta\,\nabla_w J"
LOG_LOSS_GRADIENT = r"\nabla_w J = \tfrac{1}{m}\, X^{\top}(p - y)"


def draw_update_rule(*, compact: bool = False) -> None:
    """The update every optimizer refines, and the log-loss gradient it follows:
    the errors p - y, weighted by the inputs (``core.losses.cost_and_gradient``).
    ``compact``: on one line, without the words."""
    if compact:
        st.latex(r"w \leftarrow w - \eta\,\nabla_w J, \quad "
                 r"\nabla_w J = \tfrac{1}{m} X^{\top}(p - y)")
        return
    st.latex(UPDATE_RULE)
    st.latex(LOG_LOSS_GRADIENT)
    st.caption("p = sigmoid(Xw + b) are the model's probabilities, y the labels, m "
               "the rows, eta the learning rate; b moves by eta times the mean of "
               "p - y. For MSE the errors p - y are "
               "multiplied by p(1 - p) first, which is why it crawls where the "
               "model is confidently wrong.")


# ---------------------------------------------------------------------- live part
def status_line(sess: TrainingSession) -> str:
    parts = [f"**{LOSS_LABEL[loss]}**: epoch {run.epochs_run} of "
             f"{run.settings['epochs']}, cost {run.cost[-1]:.4f}"
             for loss, run in sess.runs.items()]
    return f"{STATUS_WORDS[sess.status]} " + " · ".join(parts)


def draw_messages(sess: TrainingSession, histories: dict, reference,
                  best: dict) -> None:
    settings = sess.settings
    for loss, run in sess.runs.items():
        h = histories[loss]
        if run.diverged:
            st.error(":material/warning: **Diverged.** " + explain_divergence(
                h["cost"], learning_rate=settings.learning_rate,
                optimizer=settings.optimizer, standardised=sess.prep.pre.standardise,
                feature_scale=sess.prep.feature_scale, non_finite=run.non_finite))
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
    if sess.status == "finished" and set(sess.runs) == {"log", "mse"}:
        log, mse = histories["log"], histories["mse"]
        st.info(
            f"From the same start, log loss reached accuracy "
            f"{log['train_acc'][-1]:.0%} (gradient norm {log['grad_norm'][-1]:.2g}); "
            f"MSE reached {mse['train_acc'][-1]:.0%} with gradient norm "
            f"{mse['grad_norm'][-1]:.2g}. Where the model is confidently wrong, "
            "MSE's gradient is multiplied by p(1 - p) ≈ 0, so it crawls across a "
            "plateau; log loss's gradient p - y stays large there.")
    if reference is not None and not reference.finite and "log" in sess.runs:
        st.caption(reference_message(reference))
    bound = reference_bound_message(reference) if "log" in sess.runs else None
    if bound:
        st.caption(f":material/speed: {bound}")


def _reference_point(reference) -> tuple | None:
    if reference is None or not reference.finite:
        return None
    return reference.w[0], reference.b


def live_view(sess: TrainingSession, reference, batch: tuple | None = None) -> None:
    """Status line, messages in words, and the cost/accuracy/gradient chart; while
    running (``batch`` = (first epoch of the batch, seconds to reveal it over)) the
    live chart instead."""
    runs, prep = sess.runs, sess.prep
    histories = {loss: run.arrays() for loss, run in runs.items()}
    best = {loss: None if runs[loss].diverged else best_validation_epoch(h["val_loss"])
            for loss, h in histories.items()}
    present = presenting()
    st.markdown(status_line(sess))
    if not present:  # on a projector the chart comes first, the words under it
        draw_messages(sess, histories, reference, best)
    ref_cost = reference.cost if reference is not None and reference.finite else None
    chart_kw = {"reference_cost": ref_cost, "best_epochs": best,
                "epochs": x_axis_epochs(sess),
                "mse_reference_cost": mse_reference(sess, reference)}
    if batch is None:
        chart(make_metrics_figure(
            histories, **chart_kw,
            height=PRESENT_METRICS_HEIGHT if present else METRICS_HEIGHT),
            key="tr_metrics_chart")
        if present:
            draw_messages(sess, histories, reference, best)
        return
    start, elapsed = batch
    if prep.n_inputs == 1:  # the (w, b) paths move with the epochs
        chart_kw |= {"surfaces": sess.surfaces(), "start_point": prep.start,
                     "reference_point": _reference_point(reference)}
    elif prep.n_inputs == 2:  # and so do the decision boundaries
        chart_kw["boundary"] = {"grid": prep.grid, "grid_features": prep.grid_features,
                                "points": prep.points,
                                "feature_names": prep.pre.input_names}
    static = repr((sess.signature, sess.settings.l2)).encode()
    if present:
        chart_kw |= {"height": PRESENT_LIVE_HEIGHT,
                     "model_height": PRESENT_MODEL_HEIGHT}
    live_chart(make_live_data(histories, start=start, reveal_s=elapsed,
                              run=str(id(next(iter(runs.values())))),
                              static_key=hashlib.blake2b(static).hexdigest(),
                              **chart_kw), key="tr_live_chart")
    if present:
        draw_messages(sess, histories, reference, best)


def x_axis_epochs(sess: TrainingSession) -> int:
    """The epochs the x axis spans: the planned ones, or, once every run has
    diverged (stopped early for good), the epochs they ran."""
    runs = sess.runs.values()
    if runs and all(run.diverged for run in runs):
        return max(1, max(run.epochs_run for run in runs))
    return sess.settings.epochs


def mse_reference(sess: TrainingSession, reference) -> float | None:
    """The lowest MSE cost on the training rows (a reference line for MSE runs)."""
    if "mse" not in sess.runs:
        return None
    p, l2 = sess.prep, sess.settings.l2
    return memo("tr.mse_reference", (p.digest, l2),
                lambda: squared_error_optimum(p.X, p.y, l2, reference),
                shared=p.shared)


def training_area(reference) -> None:
    """The live part: one batch of epochs (advance, then draw) per run while
    running."""
    sess = session()
    batch = None
    if sess.status == "running":
        batch = sess.advance_batch(current(TrainingState).speed)
        if sess.status == "finished":
            st.rerun()  # the whole page: stops the ticking and updates the buttons
    if sess.note:
        st.caption(sess.note)
    live_view(sess, reference, batch)


# --------------------------------------------------------------------- model part
def model_view(sess: TrainingSession, reference) -> None:
    """The model itself: (w, b) path on the surfaces, decision boundary or weights.
    While running, the live chart draws the paths and boundaries itself, epoch by
    epoch."""
    prep, runs = sess.prep, sess.runs
    running = sess.status == "running"
    if prep.n_inputs == 1:
        if not running:
            paths = {loss: (np.asarray(run.path_w, dtype=float)[:, 0],
                            np.asarray(run.path_b, dtype=float))
                     for loss, run in runs.items()}
            chart(make_path_figure(sess.surfaces(), paths, start=prep.start,
                                   reference=_reference_point(reference)),
                  key="tr_path_chart")
        scaled = (" w multiplies the standardised feature (switch standardisation "
                  "off under 'More settings' to use the raw one)."
                  if prep.pre.standardise else "")
        rows = surface_rows(len(prep.y))
        sub = (f" The shading is computed on a seeded {rows:,}-row subsample of the "
               f"{len(prep.y):,} training rows, to answer quickly."
               if rows < len(prep.y) else "")
        st.caption("Shading: the cost J(w, b) of each loss, darker is higher. The x "
                   "marks the common start, the star scikit-learn's log-loss "
                   f"optimum.{scaled}{sub}")
    elif prep.n_inputs == 2 and not running:
        g1, g2 = prep.grid
        logits = {loss: (prep.grid_features @ run.w + run.b).reshape(len(g2), len(g1))
                  for loss, run in runs.items()}
        X_pts, y_pts, val_pts = prep.points
        chart(
            make_boundary_figure(X_pts, y_pts, is_val=val_pts, grid=prep.grid,
                                 logits=logits, feature_names=prep.pre.input_names),
            key="tr_boundary_chart")
    if prep.n_inputs == 2 and len(prep.points[0]) < prep.n_rows:
        st.caption(f"Showing {len(prep.points[0]):,} of {prep.n_rows:,} points.")
    if prep.n_inputs > 2:
        chart(make_weights_figure({k: r.w for k, r in runs.items()},
                                  prep.pre.feature_names),
              key="tr_weights_chart")


def download(sess: TrainingSession, data_name: str) -> None:
    exports = {}
    for loss, run in sess.runs.items():
        metrics = {"epochs_run": run.epochs_run, "training_cost": run.cost[-1],
                   "training_accuracy": run.train_acc[-1], "diverged": run.diverged}
        if run.val_loss:
            metrics |= {"validation_loss": run.val_loss[-1],
                        "validation_accuracy": run.val_acc[-1]}
        exports[loss] = model_export(
            run.w, run.b, sess.prep.pre, loss=loss,
            settings={**sess.settings.as_dict(),
                      "validation_share": sess.signature.val_share,
                      "dataset": data_name},
            metrics=metrics)
    sess.export_json = json.dumps(
        exports if len(exports) > 1 else next(iter(exports.values())), indent=2)
    export = sess.export_json
    # made on the click (a deferred file): a file registered on every run is
    # dropped by the next, and a browser still drawing the last run asked for a
    # file already gone (a 404 under a classroom's load)
    st.download_button(":material/download: Download the model (JSON)",
                       lambda: export, file_name="loss_lab_model.json",
                       mime="application/json", key="tr_download", on_click="ignore",
                       disabled=sess.status == "running")


def publish_scores(sess: TrainingSession, data_name: str) -> None:
    """Hand the Threshold page the trained model's scores on the validation split
    (the log-loss model when both were trained), once a run has stopped."""
    prep = sess.prep
    if sess.status == "running" or len(np.unique(prep.y_val)) < 2:
        return
    loss = "log" if "log" in sess.runs else next(iter(sess.runs))
    run = sess.runs[loss]
    if run.epochs_run == 0:
        return
    st.session_state["trained_scores"] = TrainedScores(
        y_true=prep.y_val, scores=sigmoid(prep.X_val @ run.w + run.b),
        label=f"{LOSS_LABEL[loss]} model on {data_name}, epoch {run.epochs_run}")


def model_area(reference, data_name: str) -> None:
    """The Plotly views of the model and the download, with every page run and
    every ``MODEL_FRAME_S`` while running (then only the weights of data with more
    than two features are drawn here; the live chart moves the rest)."""
    sess = session()
    model_view(sess, reference)
    download(sess, data_name)
    publish_scores(sess, data_name)
