"""Pure figure builders for the Training page: arrays in, a figure out.

While a run is going, the live chart (``ui.live_chart``) gets its data from
:func:`make_live_data`: the cost/accuracy/gradient lines and the (w, b) paths or
decision boundaries, for the browser to reveal epoch by epoch. When the run stops,
the cost/accuracy/gradient chart and the model views (the (w, b) path on the cost
surfaces, the decision boundary, the weights) are ``go.Figure`` s, drawn by
``ui.chart``. Every builder drops non-finite values before they reach a trace, so a
diverged run ends its line at the last finite point instead of sending NaN to the
browser.

They are called often while a run is live, so they are built for speed: the styled
Plotly layout (``apply_style``, subplots; about 0.2 s of Plotly validation) is made
once per configuration and cached, traces are plain dicts, and the figure is
assembled without re-validation. The template keeps only its layout part (the
per-trace defaults are 60% of its size and every trace here sets its own style).
"""

from __future__ import annotations

import copy
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.contour import zero_segments
from ui.format import for_chart, short
from ui.style import (
    BLACK,
    LOG,
    MSE,
    NEGATIVE,
    POSITIVE,
    REDDISH_PURPLE,
    apply_style,
)

LOSS_COLOUR = {"log": LOG, "mse": MSE}
LOSS_LABEL = {"log": "log loss", "mse": "MSE"}
# Significant digits sent to the browser: enough for any chart, far fewer bytes.
SIG_DIGITS = 5
# Points per drawn line at most: a 5,000-epoch history is thinned evenly (first and
# last point kept) so each frame stays small however long the run.
MAX_LINE_POINTS = 400


def _round(a) -> np.ndarray:
    """Round to ``SIG_DIGITS`` significant digits and send as float32 (Plotly ships
    arrays as packed binary: 4 bytes a value instead of 8). Magnitudes beyond
    float32's range are clipped to it rather than becoming infinite."""
    a = np.asarray(a, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mag = np.where((a != 0) & np.isfinite(a), np.floor(np.log10(np.abs(a))), 0.0)
        scale = 10.0 ** (SIG_DIGITS - 1 - mag)
        out = np.where(np.isfinite(a), np.round(a * scale) / scale, a)
        out = np.where(np.isfinite(out), out, a)
    big = float(np.finfo(np.float32).max)
    return np.where(np.isfinite(out), np.clip(out, -big, big), out).astype(np.float32)


def thin(n: int, max_points: int = MAX_LINE_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` evenly spread rows of ``n``, ends included."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


def finite_xy(x, y, max_points: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The pairs where both ``x`` and ``y`` are finite numbers (thinned to
    ``max_points`` if given)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = min(len(x), len(y))
    x, y = x[:n], y[:n]
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if max_points is not None:
        idx = thin(len(x), max_points)
        x, y = x[idx], y[idx]
    return x.astype(np.float32), _round(y)



def _lean_layout(fig: go.Figure) -> dict:
    """The figure's styled layout as a dict, template trimmed to its layout part."""
    layout = fig.layout.to_plotly_json()
    template = layout.get("template")
    if isinstance(template, dict) and "layout" in template:
        layout["template"] = {"layout": template["layout"]}
    return layout


def _assemble(traces: list, layout: dict, annotations=()) -> go.Figure:
    """A figure from dict traces and a cached layout (copied, never mutated)."""
    layout = copy.deepcopy(layout)
    if annotations:
        layout["annotations"] = [*layout.get("annotations", []), *annotations]
    # The layout was validated when it was cached and the traces are built here
    # from finite arrays: skipping Plotly's validation saves ~50 ms per figure.
    return go.Figure(data=traces, layout=layout, _validate=False)


def _axes(col: int) -> dict:
    suffix = "" if col == 1 else str(col)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


# ------------------------------------------------------------- metrics chart
# Points per line of the metrics chart: a panel is ~330 px wide, so one a pixel.
METRIC_POINTS = 300


def _sig(a) -> np.ndarray:
    """``SIG_DIGITS`` significant digits in float64 (short JSON numbers)."""
    a = np.asarray(a, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mag = np.where(a != 0, np.floor(np.log10(np.abs(a))), 0.0)
        scale = 10.0 ** (SIG_DIGITS - 1 - mag)
        out = np.round(a * scale) / scale
    return np.where(np.isfinite(out), out, a)


@lru_cache(maxsize=64)
def _metrics_layout(x_end: float, panels: tuple, height: int) -> dict:
    """The fixed part of the metrics chart (panels, axes, titles, legend) for
    ``panels`` ((title, y axis name), ...)."""
    fig = make_subplots(rows=1, cols=len(panels),
                        subplot_titles=[title for title, _ in panels],
                        horizontal_spacing=0.3 / len(panels))
    for col, (_, y_name) in enumerate(panels, start=1):
        fig.update_xaxes(range=[0, x_end], title_text="epoch", row=1, col=col)
        fig.update_yaxes(title_text=y_name, row=1, col=col,
                         **({"range": [0, 1]} if y_name == "accuracy" else {}))
    fig = apply_style(fig, height=height)
    fig.update_annotations(font_size=17)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0},
        margin={"l": 70, "r": 20, "t": 50, "b": 40},
    )
    return _lean_layout(fig)


PANELS = (("Cost per epoch", "cost J"), ("Accuracy", "accuracy"),
          ("Gradient norm", "log10 ||gradient||"))
# Both losses: each cost on its own panel and axis (log loss starts near 4.4 where
# MSE stays below 1, so one axis would flatten MSE's curve to a line).
SPLIT_PANELS = (("Log-loss cost", "cost J (log loss)"), ("MSE cost", "cost J (MSE)"),
                *PANELS[1:])


def metric_panels(runs: dict) -> tuple:
    """The panels of the metrics chart for these runs."""
    return SPLIT_PANELS if _split(runs) else PANELS


def _split(runs: dict) -> bool:
    return {"log", "mse"} <= set(runs)


def _cost_panel(runs: dict, loss: str) -> int:
    """The panel that holds ``loss``'s cost."""
    return 1 if _split(runs) and loss == "mse" else 0


def _metric_lines(runs: dict):
    """Every line of the metrics chart: ``(loss, name, panel, dashed, in_legend,
    epochs, values)``; the gradient norm as log10 (short tick labels: -8 is 1e-8).
    A run's training lines share one name and its validation lines another (cost
    and accuracy), so the legend entry of each line style names what it stands for
    and toggles both."""
    shift = 1 if _split(runs) else 0
    for loss, h in runs.items():
        label = LOSS_LABEL[loss]
        ep = np.asarray(h["epoch"], dtype=float)
        has_val = len(h["val_loss"]) > 0
        cost = _cost_panel(runs, loss)
        train, val = f"{label}: training", f"{label}: validation"
        panels = [("cost", train, cost, False, True)]
        if has_val:
            panels.append(("val_loss", val, cost, True, True))
        panels.append(("train_acc", train, 1 + shift, False, False))
        if has_val:
            panels.append(("val_acc", val, 1 + shift, True, False))
        panels.append(("grad_norm", f"{label}: gradient norm", 2 + shift, False,
                       False))
        for field, name, panel, dashed, in_legend in panels:
            values = np.asarray(h[field], dtype=float)
            if panel == 2 + shift:
                with np.errstate(divide="ignore", invalid="ignore"):
                    values = np.log10(np.where(values > 0, values, np.nan))
            yield loss, name, panel, dashed, in_legend, ep, values


def _best_marks(runs: dict, best_epochs: dict):
    """``(loss, name, epoch, validation loss)`` of each best validation epoch, once
    the validation loss has moved past it (not while it is still the last)."""
    for loss, h in runs.items():
        best = best_epochs.get(loss)
        if len(h["val_loss"]) and best is not None and best < len(h["val_loss"]) - 1:
            epoch = float(h["epoch"][best])
            yield (loss, f"{LOSS_LABEL[loss]}: best validation (epoch {int(epoch)})",
                   epoch, float(h["val_loss"][best]))


def _gap_text(cost: float, reference_cost: float) -> str | None:
    gap = float(cost) - reference_cost
    if not np.isfinite(gap):
        return None
    # below 1e-12 the sign is rounding noise of two float sums
    return (f"gap to optimum: {gap:.2e}" if abs(gap) >= 1e-12
            else "gap to optimum: < 1e-12")


def _gap_note(runs: dict, reference_cost: float) -> str | None:
    if "log" not in runs or not len(runs["log"]["cost"]):
        return None
    return _gap_text(runs["log"]["cost"][-1], reference_cost)


def _x_end(runs: dict, epochs: int | None) -> float:
    last = max((float(h["epoch"][-1]) for h in runs.values() if len(h["epoch"])),
               default=1.0)
    return max(float(epochs or 0), last, 1.0)


def _references(runs: dict, reference_cost, mse_reference_cost):
    """``(legend name, cost, panel)`` of each finite reference line."""
    if reference_cost is not None and np.isfinite(reference_cost):
        ref = float(reference_cost)
        yield f"scikit-learn optimum J* = {ref:.4f}", ref, 0
    if ("mse" in runs and mse_reference_cost is not None
            and np.isfinite(mse_reference_cost)):
        ref = float(mse_reference_cost)
        yield f"lowest MSE cost = {ref:.4f}", ref, _cost_panel(runs, "mse")


def make_metrics_figure(runs: dict, *, reference_cost: float | None = None,
                        best_epochs: dict | None = None,
                        epochs: int | None = None,
                        mse_reference_cost: float | None = None,
                        height: int = 400) -> go.Figure:
    """Cost, accuracy and gradient norm (as log10) per epoch, side by side.

    Parameters
    ----------
    runs : {loss: dict of arrays} with keys ``epoch``, ``cost`` (training cost J,
        with the L2 term), ``val_loss`` (mean validation loss, no L2; may be empty),
        ``train_acc``, ``val_acc``, ``grad_norm``.
    reference_cost : scikit-learn's optimum of the log-loss cost, drawn dashed on the
        cost panel with the gap to the log-loss run's last cost.
    best_epochs : {loss: epoch index of the lowest validation loss or None}, marked.
    epochs : the planned number of epochs, so the x axis does not jump while running
        (a run that stopped early, such as a diverged one, passes its own end).
    mse_reference_cost : the lowest MSE cost (``core.fitting.squared_error_optimum``),
        drawn dashed on the MSE cost panel.

    With both losses each cost has its own panel and axis (see ``SPLIT_PANELS``).
    A run's training lines share one name and legend entry (a click hides them
    all), and so do its validation lines.
    """
    traces = []
    for loss, name, panel, dashed, in_legend, ep, values in _metric_lines(runs):
        x, y = finite_xy(ep, values, max_points=METRIC_POINTS)
        traces.append({
            "type": "scatter", "mode": "lines", "x": x, "y": y, "name": name,
            "legendgroup": name, "showlegend": in_legend, **_axes(panel + 1),
            "line": {"color": LOSS_COLOUR[loss], "width": 3,
                     "dash": "dot" if dashed else "solid"},
            "hovertemplate": f"epoch %{{x:.0f}}: %{{y:.4g}}<extra>{name}</extra>",
        })
    x_end = _x_end(runs, epochs)
    for loss, name, epoch, value in _best_marks(runs, best_epochs or {}):
        traces.append({
            "type": "scatter", "mode": "markers", "x": [epoch], "y": [value],
            "name": name, **_axes(_cost_panel(runs, loss) + 1),
            "marker": {"symbol": "star", "size": 20, "color": REDDISH_PURPLE,
                       "line": {"color": BLACK, "width": 1}},
            "hovertemplate": "epoch %{x:.0f}: %{y:.4g}<extra>best validation</extra>",
        })
    for name, ref, panel in _references(runs, reference_cost, mse_reference_cost):
        traces.append({
            "type": "scatter", "mode": "lines", "x": [0.0, x_end], "y": [ref, ref],
            "name": name, **_axes(panel + 1), "hoverinfo": "skip",
            "line": {"color": BLACK, "width": 2, "dash": "dash"},
        })
    notes = []
    if reference_cost is not None and np.isfinite(reference_cost):
        text = _gap_note(runs, float(reference_cost))
        if text:  # two lines: one is wider than a panel
            notes.append({"text": text.replace(": ", ":<br>", 1), "showarrow": False,
                          "xref": "x domain", "yref": "y domain", "x": 0.98, "y": 0.98,
                          "xanchor": "right", "yanchor": "top", "align": "right",
                          "bgcolor": "rgba(255,255,255,0.8)",
                          "font": {"size": 14, "color": BLACK}})
    return _assemble(traces, _metrics_layout(x_end, metric_panels(runs), height),
                     notes)


LIVE_EARLY_EPOCHS = 50


def _live_keep(ep: np.ndarray, start: int, step: int, *values) -> np.ndarray:
    """Which epochs the live chart gets: the first ``LIVE_EARLY_EPOCHS`` (where a run
    moves fastest), every one from ``start`` on, one in ``step`` between, and the
    last; only where all ``values`` are finite."""
    keep = (ep < LIVE_EARLY_EPOCHS) | (ep % step == 0) | (ep >= start)
    if len(ep):
        keep[-1] = True
    for v in values:
        keep &= np.isfinite(v)
    return keep


def _live_paths(runs: dict, surfaces: dict, *, start: int, step: int,
                start_point=None, reference_point=None, height: int = 420) -> dict:
    """The (w, b) path over each loss's cost surface, for the live chart: the
    surface as shades 0-100 (the levels of :func:`contour_levels`, darker is
    higher), the path with the epoch of each point."""
    panels, legend = [], []
    for loss, (w_values, b_values, J) in surfaces.items():
        levels = contour_levels(J)
        with np.errstate(invalid="ignore"):
            shade = np.clip((J - levels["start"]) / (levels["end"] - levels["start"]),
                            0, 1)
        shade = np.where(np.isfinite(shade), shade, 1.0)
        panel = {"title": f"{LOSS_LABEL[loss]} surface: path of (w, b)",
                 "x_range": [float(np.min(w_values)), float(np.max(w_values))],
                 "y_range": [float(np.min(b_values)), float(np.max(b_values))],
                 "shade": np.round(100 * shade).astype(int).tolist(),
                 "colour": LOSS_COLOUR[loss], "x": [], "y": [], "epoch": []}
        if loss in runs:
            h = runs[loss]
            ep, pw, pb = h["epoch"], h["path_w"][:, 0], h["path_b"]
            keep = _live_keep(ep, start, step, pw, pb)
            panel |= {"x": _sig(pw[keep]).tolist(), "y": _sig(pb[keep]).tolist(),
                      "epoch": ep[keep].tolist()}
            legend.append({"name": f"{LOSS_LABEL[loss]} path",
                           "colour": LOSS_COLOUR[loss]})
        panels.append(panel)
    if start_point is not None:
        legend.append({"name": "start", "colour": BLACK, "cross": True})
    if reference_point is not None:
        legend.append({"name": "log-loss optimum (scikit-learn)",
                       "colour": REDDISH_PURPLE, "star": True})
    return {"panels": panels, "legend": legend, "height": height,
            "start": None if start_point is None else [float(v) for v in start_point],
            "reference": (None if reference_point is None
                          else [float(v) for v in reference_point]),
            "reference_colour": REDDISH_PURPLE,
            "alt": "Live (w, b) paths over the cost surfaces of "
                   + " and ".join(LOSS_LABEL[k] for k in surfaces)}


LIVE_BOUNDARY_FRAMES = 8  # boundaries per batch and run, the batch's last included


def _live_boundary(runs: dict, *, start: int, grid: tuple, grid_features: np.ndarray,
                   points: tuple, feature_names=("x1", "x2"),
                   height: int = 520) -> dict:
    """Each run's decision boundary (logit = 0) as line segments at up to
    ``LIVE_BOUNDARY_FRAMES`` epochs of this batch (``start`` onwards), over the
    points ``(X, y, is_val)`` (raw inputs; the runs' weights act on
    ``grid_features``, the grid's rows after the page's preprocessing)."""
    g1, g2 = (np.asarray(g, dtype=float) for g in grid)
    X, y, is_val = points
    boundaries, legend = [], []
    for cls, colour, label in ((1, POSITIVE, "positive (1)"),
                               (0, NEGATIVE, "negative (0)")):
        for val in (False, True):
            if np.any((y == cls) & (is_val == val)):
                part = "validation" if val else "training"
                legend.append({"name": f"{label}, {part}", "colour": colour,
                               "dot": "ring" if val else "disc"})
    for loss, h in runs.items():
        ep = h["epoch"]
        finite = np.all(np.isfinite(h["path_w"]), axis=1) & np.isfinite(h["path_b"])
        batch = np.flatnonzero((ep >= start) & finite)
        if not len(batch):
            batch = np.flatnonzero(finite)[-1:]
        idx = batch[thin(len(batch), LIVE_BOUNDARY_FRAMES)]
        Z = grid_features @ h["path_w"][idx].T + h["path_b"][idx]
        segments = zero_segments(Z.T.reshape(len(idx), len(g2), len(g1)), g1, g2)
        boundaries.append({
            "colour": LOSS_COLOUR[loss],
            "frames": [{"epoch": float(ep[i]), "segments": _sig(seg).ravel().tolist()}
                       for i, seg in zip(idx, segments, strict=True)]})
        legend.append({"name": f"{LOSS_LABEL[loss]} boundary (p = 0.5)",
                       "colour": LOSS_COLOUR[loss]})
    finite = np.all(np.isfinite(X), axis=1)
    return {"title": "Decision boundary over the data", "height": height,
            # drawn with the canvas's fillText: inert text, only shortened
            "x_name": short(feature_names[0]), "y_name": short(feature_names[1]),
            "x_range": [float(g1.min()), float(g1.max())],
            "y_range": [float(g2.min()), float(g2.max())],
            "points": {"x": _sig(X[finite, 0]).tolist(),
                       "y": _sig(X[finite, 1]).tolist(),
                       "positive": (y[finite] == 1).tolist(),
                       "validation": np.asarray(is_val, bool)[finite].tolist()},
            "boundaries": boundaries, "legend": legend,
            "alt": "Live decision boundaries over the data"}


def make_live_data(runs: dict, *, reference_cost: float | None = None,
                   best_epochs: dict | None = None, epochs: int,
                   start: int, run: str, reveal_s: float, static_key: str = "",
                   running: bool = True,
                   surfaces: dict | None = None, start_point=None,
                   reference_point=None, boundary: dict | None = None,
                   height: int = 330,
                   mse_reference_cost: float | None = None,
                   model_height: int | None = None) -> dict:
    """The live chart's data (``ui.live_chart``): the same lines and panels as
    :func:`make_metrics_option`, for a player that reveals epochs ``start`` onwards
    over ``reveal_s`` seconds.

    Each line keeps every epoch from ``start`` on, so the player shows each computed
    epoch, and before that the first ``LIVE_EARLY_EPOCHS`` and one epoch in
    ``ceil(epochs / METRIC_POINTS)`` (a fixed grid, so points already on screen stay
    put as the run grows). ``run`` names the
    run: a new name starts the player again from ``start``. ``static_key`` names
    the parts that stay put during a run (points, surfaces): the player redraws them
    only when it changes. With ``surfaces``
    ({loss: (w_values, b_values, J)}, 1-D data) it also gets the (w, b) paths over
    them, with ``start_point`` and ``reference_point`` marked; with ``boundary``
    (2-D data: the keywords of :func:`_live_boundary` but ``runs`` and ``start``) the
    moving decision boundaries over the points; ``model_height`` (pixels) sets the
    height of those views (presentation mode makes everything fit one screen).
    """
    model_kw = {} if model_height is None else {"height": int(model_height)}
    step = max(1, -(-int(epochs) // METRIC_POINTS))
    lines, legend = [], []
    for loss, name, panel, dashed, in_legend, ep, values in _metric_lines(runs):
        keep = _live_keep(ep, start, step, values)
        lines.append({"panel": panel, "colour": LOSS_COLOUR[loss], "dashed": dashed,
                      "x": ep[keep].tolist(), "y": _sig(values[keep]).tolist()})
        if in_legend:
            legend.append({"name": name, "colour": LOSS_COLOUR[loss],
                           "dashed": dashed})
    marks = []
    for loss, name, epoch, value in _best_marks(runs, best_epochs or {}):
        marks.append({"panel": _cost_panel(runs, loss), "x": epoch, "y": value,
                      "colour": REDDISH_PURPLE})
        legend.append({"name": name, "colour": REDDISH_PURPLE, "star": True,
                       "epoch": epoch})  # listed once the player shows that epoch
    panels = [{"title": title, "y_name": y_name, "y_min": None, "y_max": None,
               "notes": []} for title, y_name in metric_panels(runs)]
    for panel in panels:
        if panel["y_name"] == "accuracy":
            panel |= {"y_min": 0, "y_max": 1}
    hlines = []
    for name, ref, panel in _references(runs, reference_cost, mse_reference_cost):
        hlines.append({"panel": panel, "y": ref, "colour": BLACK})
        legend.append({"name": name, "colour": BLACK, "ref": True})
    if reference_cost is not None and np.isfinite(reference_cost):
        ref = float(reference_cost)
        if "log" in runs:  # the gap at each epoch of this batch, shown with it
            h = runs["log"]
            panels[0]["notes"] = [
                {"epoch": float(e), "text": text}
                for e, c in zip(h["epoch"], h["cost"], strict=True)
                if e >= start and (text := _gap_text(c, ref)) is not None]
    last = max((float(h["epoch"][-1]) for h in runs.values() if len(h["epoch"])),
               default=0.0)
    return {"run": run, "static_key": static_key, "start": float(start),
            "last": last, "running": running,
            "reveal_s": float(reveal_s), "height": height,
            "x_max": _x_end(runs, epochs), "panels": panels, "lines": lines,
            "hlines": hlines, "marks": marks, "legend": legend,
            "paths": None if surfaces is None else _live_paths(
                runs, surfaces, start=start, step=step, start_point=start_point,
                reference_point=reference_point, **model_kw),
            "boundary": None if boundary is None else _live_boundary(
                runs, start=start, **boundary, **model_kw),
            "alt": "Live training chart: " + "; ".join(
                f"{p['title']} ({p['y_name']}) against epoch" for p in panels)}


def contour_levels(J) -> dict:
    """Colour levels that resolve the low (interesting) part of a surface.

    They run from the minimum to the 60th percentile; higher ground shares the
    top colour, so a steep rim does not squash the valley into one shade.
    """
    J = np.asarray(J, dtype=float)
    finite = J[np.isfinite(J)]
    lo = float(finite.min())
    hi = float(np.quantile(finite, 0.6))
    if hi <= lo:
        hi = lo + 1e-6
    return {"start": lo, "end": hi, "size": (hi - lo) / 14}


@lru_cache(maxsize=64)
def _path_layout(losses: tuple, ranges: tuple, height: int) -> dict:
    titles = [f"{LOSS_LABEL[k]} surface: path of (w, b)" for k in losses]
    fig = make_subplots(rows=1, cols=len(losses), subplot_titles=titles,
                        horizontal_spacing=0.08)
    for col, (w_lo, w_hi, b_lo, b_hi) in enumerate(ranges, start=1):
        fig.update_xaxes(range=[w_lo, w_hi], row=1, col=col)
        fig.update_yaxes(range=[b_lo, b_hi], row=1, col=col)
    fig = apply_style(fig, height=height)
    fig.update_xaxes(title_text="weight w")
    fig.update_yaxes(title_text="bias b")
    fig.update_annotations(font_size=17)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.16, "x": 0},
        margin={"l": 70, "r": 20, "t": 50, "b": 40},
        uirevision="path",
    )
    return _lean_layout(fig)


def make_path_figure(surfaces: dict, paths: dict, *, start=None, reference=None,
                     height: int = 460) -> go.Figure:
    """The path of ``(w, b)`` over each loss's cost surface, one panel per loss.

    Parameters
    ----------
    surfaces : {loss: (w_values, b_values, J)} with ``J`` of shape (n_b, n_w).
    paths : {loss: (path_w, path_b)}, the visited parameters, start first.
    start : (w0, b0), the common starting point.
    reference : (w*, b*) of scikit-learn's log-loss optimum, or None.
    """
    losses = tuple(surfaces)
    traces, ranges = [], []
    for col, loss in enumerate(losses, start=1):
        w_values, b_values, J = surfaces[loss]
        ranges.append((float(np.min(w_values)), float(np.max(w_values)),
                       float(np.min(b_values)), float(np.max(b_values))))
        # A heatmap, not a filled contour: the chart is rebuilt on every frame of a
        # live run and a heatmap draws in about half the time.
        levels = contour_levels(J)
        traces.append({
            "type": "heatmap", "x": _round(w_values), "y": _round(b_values),
            "z": _round(J), "zmin": levels["start"], "zmax": levels["end"],
            "zsmooth": "fast", "colorscale": [[0, "#FFFFFF"], [1, "#8C8C8C"]],
            "showscale": False, "name": f"{LOSS_LABEL[loss]} cost",
            "showlegend": False,
            "hovertemplate": "w=%{x:.2f}<br>b=%{y:.2f}<br>J=%{z:.4f}<extra></extra>",
            **_axes(col),
        })
        colour = LOSS_COLOUR[loss]
        if loss in paths:
            pw, pb = finite_xy(*paths[loss], max_points=MAX_LINE_POINTS)
            traces.append({
                "type": "scatter", "x": _round(pw), "y": pb, "mode": "lines+markers",
                "name": f"{LOSS_LABEL[loss]} path",
                "line": {"color": colour, "width": 3},
                "marker": {"size": 4, "color": colour}, **_axes(col),
            })
            if len(pw):
                traces.append({
                    "type": "scatter", "x": _round(pw[-1:]), "y": pb[-1:],
                    "mode": "markers", "name": f"{LOSS_LABEL[loss]} now",
                    "showlegend": False, **_axes(col),
                    "marker": {"size": 14, "color": colour,
                               "line": {"color": "white", "width": 2}},
                })
        if start is not None:
            traces.append({
                "type": "scatter", "x": [float(start[0])], "y": [float(start[1])],
                "mode": "markers", "name": "start", "legendgroup": "start",
                "showlegend": col == 1, **_axes(col),
                "marker": {"symbol": "x", "size": 14, "color": BLACK},
            })
        if reference is not None:
            traces.append({
                "type": "scatter", "x": [float(reference[0])],
                "y": [float(reference[1])], "mode": "markers",
                "name": "log-loss optimum (scikit-learn)", "legendgroup": "ref",
                "showlegend": col == 1, **_axes(col),
                "marker": {"symbol": "star", "size": 16, "color": REDDISH_PURPLE,
                           "line": {"color": BLACK, "width": 1}},
            })
    return _assemble(traces, _path_layout(losses, tuple(ranges), height))


@lru_cache(maxsize=64)
def _boundary_layout(feature_names: tuple, ranges: tuple | None, height: int) -> dict:
    fig = go.Figure()
    if ranges is not None:
        fig.update_xaxes(range=list(ranges[:2]))
        fig.update_yaxes(range=list(ranges[2:]))
    # Column names are user text: shown as text, never as Plotly's HTML-like tags.
    fig = apply_style(fig, title="Decision boundary over the data",
                      x_title=for_chart(feature_names[0]),
                      y_title=for_chart(feature_names[1]), height=height)
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1},
                      margin={"l": 70, "r": 20, "t": 60, "b": 60},
                      uirevision="boundary")
    return _lean_layout(fig)


def make_boundary_figure(X, y, *, is_val=None, grid=None, logits: dict | None = None,
                         feature_names=("x1", "x2"), height: int = 520) -> go.Figure:
    """2-D points and each run's decision boundary (the contour logit = 0).

    Parameters
    ----------
    X : (n, 2) raw inputs; y : (n,) labels in {0, 1}.
    is_val : (n,) bool, validation rows are drawn hollow.
    grid : (g1, g2) the grid axes; logits : {loss: (len(g2), len(g1)) logits there}.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    is_val = np.zeros(len(y), bool) if is_val is None else np.asarray(is_val, bool)
    traces = []
    for cls, colour, label in ((1, POSITIVE, "positive (1)"),
                               (0, NEGATIVE, "negative (0)")):
        for val in (False, True):
            m = (y == cls) & (is_val == val) & np.all(np.isfinite(X), axis=1)
            if not m.any():
                continue
            traces.append({
                "type": "scatter", "x": _round(X[m, 0]), "y": _round(X[m, 1]),
                "mode": "markers",
                "name": f"{label}, {'validation' if val else 'training'}",
                "marker": {"size": 7, "color": "white" if val else colour,
                           "symbol": "circle",
                           "line": {"color": colour, "width": 1.5}, "opacity": 0.85},
            })
    ranges = None
    if grid is not None and logits:
        g1, g2 = (np.asarray(g, dtype=float) for g in grid)
        ranges = (float(g1.min()), float(g1.max()), float(g2.min()), float(g2.max()))
        for loss, Z in logits.items():
            # Huge or infinite logits only need their sign to place the boundary.
            Z = np.clip(np.nan_to_num(np.asarray(Z, dtype=float), nan=0.0,
                                      posinf=1e6, neginf=-1e6), -1e6, 1e6)
            traces.append({
                "type": "contour", "x": _round(g1), "y": _round(g2), "z": _round(Z),
                "contours": {"start": 0, "end": 0, "size": 1, "coloring": "none"},
                "line": {"color": LOSS_COLOUR[loss], "width": 4},
                "name": f"{LOSS_LABEL[loss]} boundary (p = 0.5)", "showscale": False,
                "showlegend": True, "hoverinfo": "skip",
            })
    return _assemble(traces, _boundary_layout(tuple(feature_names[:2]), ranges,
                                              height))


@lru_cache(maxsize=16)
def _weights_layout(height: int) -> dict:
    fig = apply_style(go.Figure(), title="Weights now", x_title="feature",
                      y_title="weight w", height=height)
    fig.update_layout(barmode="group", uirevision="weights",
                      legend={"orientation": "h", "y": 1.08, "x": 0},
                      margin={"l": 70, "r": 20, "t": 80, "b": 140})
    fig.update_xaxes(tickangle=-45, tickfont={"size": 11})
    return _lean_layout(fig)


def make_weights_figure(weights: dict, feature_names, height: int = 420) -> go.Figure:
    """Bar chart of each run's current weights (for data with many features)."""
    traces = []
    for loss, w in weights.items():
        w = np.asarray(w, dtype=float)
        keep = np.isfinite(w)
        traces.append({
            "type": "bar",
            # user text: escaped, so a name like <a href=...> is no link
            "x": [for_chart(n) for n, k in zip(feature_names, keep, strict=True)
                  if k],
            "y": _round(w[keep]), "name": f"{LOSS_LABEL[loss]} weights",
            "marker": {"color": LOSS_COLOUR[loss]},
        })
    return _assemble(traces, _weights_layout(height))
