"""Pure figure builders for the Training page: arrays in, ``go.Figure`` out.

Every builder drops non-finite values before they reach a trace, so a diverged run
ends its line at the last finite point instead of sending NaN to the browser.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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


def _round(a) -> np.ndarray:
    """Round to ``SIG_DIGITS`` significant digits (keeps JSON small each frame)."""
    a = np.asarray(a, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(a != 0, np.floor(np.log10(np.abs(a))), 0.0)
    scale = 10.0 ** (SIG_DIGITS - 1 - mag)
    return np.where(np.isfinite(a), np.round(a * scale) / scale, a)


def finite_xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    """The pairs where both ``x`` and ``y`` are finite numbers."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = min(len(x), len(y))
    x, y = x[:n], y[:n]
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], _round(y[keep])


def _line(x, y, *, name, colour, dash="solid", legendgroup=None, showlegend=True,
          width=3):
    x, y = finite_xy(x, y)
    return go.Scatter(
        x=x, y=y, mode="lines", name=name, legendgroup=legendgroup,
        showlegend=showlegend, line={"color": colour, "dash": dash, "width": width},
    )


def make_metrics_figure(runs: dict, *, reference_cost: float | None = None,
                        best_epochs: dict | None = None, epochs: int | None = None,
                        height: int = 380) -> go.Figure:
    """Cost, accuracy and gradient norm per epoch, side by side.

    Parameters
    ----------
    runs : {loss: dict of arrays} with keys ``epoch``, ``cost`` (training cost J,
        with the L2 term), ``val_loss`` (mean validation loss, no L2; may be empty),
        ``train_acc``, ``val_acc``, ``grad_norm``.
    reference_cost : scikit-learn's optimum of the log-loss cost, drawn dashed on the
        cost panel with the gap to the log-loss run's last cost.
    best_epochs : {loss: epoch of the lowest validation loss or None}, marked.
    epochs : the planned number of epochs, so the x axis does not jump while running.
    """
    best_epochs = best_epochs or {}
    fig = make_subplots(
        rows=1, cols=3, horizontal_spacing=0.08,
        subplot_titles=("Cost per epoch", "Accuracy", "Gradient norm"),
    )
    for loss, h in runs.items():
        colour, label = LOSS_COLOUR[loss], LOSS_LABEL[loss]
        ep = np.asarray(h["epoch"], dtype=float)
        fig.add_trace(_line(ep, h["cost"], name=f"{label}: training cost",
                            colour=colour, legendgroup=loss), 1, 1)
        has_val = len(h["val_loss"]) > 0
        if has_val:
            fig.add_trace(_line(ep, h["val_loss"], name=f"{label}: validation loss",
                                colour=colour, dash="dot", legendgroup=loss), 1, 1)
        fig.add_trace(_line(ep, h["train_acc"], name=f"{label}: training",
                            colour=colour, legendgroup=loss, showlegend=False), 1, 2)
        if has_val:
            fig.add_trace(_line(ep, h["val_acc"], name=f"{label}: validation",
                                colour=colour, dash="dot", legendgroup=loss,
                                showlegend=False), 1, 2)
        fig.add_trace(_line(ep, h["grad_norm"], name=f"{label}: gradient norm",
                            colour=colour, legendgroup=loss, showlegend=False), 1, 3)
        best = best_epochs.get(loss)
        if has_val and best is not None and best < len(h["val_loss"]):
            bx, by = finite_xy([ep[best]], [h["val_loss"][best]])
            fig.add_trace(go.Scatter(
                x=bx, y=by, mode="markers+text", legendgroup=loss,
                name=f"{label}: best validation (epoch {int(ep[best])})",
                marker={"symbol": "star", "size": 16, "color": REDDISH_PURPLE,
                        "line": {"color": BLACK, "width": 1}},
                text=[f"best val. epoch {int(ep[best])}"], textposition="top center",
                textfont={"size": 13, "color": REDDISH_PURPLE},
            ), 1, 1)
    last_epoch = max((float(h["epoch"][-1]) for h in runs.values() if len(h["epoch"])),
                     default=1.0)
    x_end = max(float(epochs or 0), last_epoch, 1.0)
    if reference_cost is not None and np.isfinite(reference_cost):
        ref = float(reference_cost)
        fig.add_trace(go.Scatter(
            x=[0, x_end], y=[ref, ref], mode="lines",
            name=f"scikit-learn optimum J* = {ref:.4f}",
            line={"color": BLACK, "dash": "dash", "width": 2},
        ), 1, 1)
        if "log" in runs and len(runs["log"]["cost"]):
            gap = float(runs["log"]["cost"][-1]) - ref
            if np.isfinite(gap):
                fig.add_annotation(
                    x=0.99, y=0.98, xref="x domain", yref="y domain", showarrow=False,
                    xanchor="right", yanchor="top", font={"size": 14},
                    bgcolor="rgba(255,255,255,0.8)",
                    text=f"gap to optimum: {gap:.2e}",
                )
    for col in (1, 2, 3):
        fig.update_xaxes(range=[0, x_end], row=1, col=col)
    fig.update_yaxes(type="log", row=1, col=3)
    fig.update_yaxes(range=[-0.02, 1.02], row=1, col=2)
    fig = apply_style(fig, height=height)
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(title_text="cost J", row=1, col=1)
    fig.update_yaxes(title_text="accuracy", row=1, col=2)
    fig.update_yaxes(title_text="||gradient|| (log scale)", row=1, col=3)
    fig.update_annotations(font_size=17)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0,
                "font": {"size": 14}},
        margin={"l": 70, "r": 20, "t": 50, "b": 40},
        uirevision="metrics",
    )
    return fig


def contour_levels(J) -> dict:
    """Contour levels that resolve the low (interesting) part of a surface.

    Levels run from the minimum to the 60th percentile; higher ground shares the
    top colour, so a steep rim does not squash the valley into one band.
    """
    J = np.asarray(J, dtype=float)
    finite = J[np.isfinite(J)]
    lo = float(finite.min())
    hi = float(np.quantile(finite, 0.6))
    if hi <= lo:
        hi = lo + 1e-6
    return {"start": lo, "end": hi, "size": (hi - lo) / 14}


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
    losses = list(surfaces)
    titles = [f"{LOSS_LABEL[k]} surface: path of (w, b)" for k in losses]
    fig = make_subplots(rows=1, cols=len(losses), subplot_titles=titles,
                        horizontal_spacing=0.08)
    for col, loss in enumerate(losses, start=1):
        w_values, b_values, J = surfaces[loss]
        fig.add_trace(go.Contour(
            x=_round(w_values), y=_round(b_values), z=_round(J),
            contours={**contour_levels(J), "coloring": "fill"},
            colorscale=[[0, "#F7F7F7"], [1, "#9E9E9E"]], showscale=False,
            line={"width": 0.5, "color": "#777777"}, name=f"{LOSS_LABEL[loss]} cost",
            hovertemplate="w=%{x:.2f}<br>b=%{y:.2f}<br>J=%{z:.4f}<extra></extra>",
            showlegend=False,
        ), 1, col)
        colour = LOSS_COLOUR[loss]
        if loss in paths:
            pw, pb = finite_xy(*paths[loss])
            fig.add_trace(go.Scatter(
                x=_round(pw), y=pb, mode="lines+markers",
                name=f"{LOSS_LABEL[loss]} path", line={"color": colour, "width": 3},
                marker={"size": 4, "color": colour},
            ), 1, col)
            if len(pw):
                fig.add_trace(go.Scatter(
                    x=[_round(pw[-1])], y=[pb[-1]], mode="markers",
                    name=f"{LOSS_LABEL[loss]} now", showlegend=False,
                    marker={"size": 14, "color": colour,
                            "line": {"color": "white", "width": 2}},
                ), 1, col)
        if start is not None:
            fig.add_trace(go.Scatter(
                x=[start[0]], y=[start[1]], mode="markers", name="start",
                legendgroup="start", showlegend=col == 1,
                marker={"symbol": "x", "size": 14, "color": BLACK},
            ), 1, col)
        if reference is not None:
            fig.add_trace(go.Scatter(
                x=[reference[0]], y=[reference[1]], mode="markers",
                name="log-loss optimum (scikit-learn)", legendgroup="ref",
                showlegend=col == 1,
                marker={"symbol": "star", "size": 16, "color": REDDISH_PURPLE,
                        "line": {"color": BLACK, "width": 1}},
            ), 1, col)
        fig.update_xaxes(range=[float(np.min(w_values)), float(np.max(w_values))],
                         row=1, col=col)
        fig.update_yaxes(range=[float(np.min(b_values)), float(np.max(b_values))],
                         row=1, col=col)
    fig = apply_style(fig, height=height)
    fig.update_xaxes(title_text="weight w")
    fig.update_yaxes(title_text="bias b")
    fig.update_annotations(font_size=17)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.16, "x": 0},
        margin={"l": 70, "r": 20, "t": 50, "b": 40},
        uirevision="path",
    )
    return fig


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
    fig = go.Figure()
    for cls, colour, label in ((1, POSITIVE, "positive (1)"),
                               (0, NEGATIVE, "negative (0)")):
        for val in (False, True):
            m = (y == cls) & (is_val == val)
            if not m.any():
                continue
            fig.add_trace(go.Scatter(
                x=_round(X[m, 0]), y=_round(X[m, 1]), mode="markers",
                name=f"{label}, {'validation' if val else 'training'}",
                marker={"size": 7, "color": "white" if val else colour,
                        "symbol": "circle", "line": {"color": colour, "width": 1.5},
                        "opacity": 0.85},
            ))
    if grid is not None and logits:
        g1, g2 = grid
        for loss, Z in logits.items():
            Z = np.asarray(Z, dtype=float)
            if not np.all(np.isfinite(Z)):
                Z = np.where(np.isfinite(Z), Z, np.sign(np.nan_to_num(Z)) * 1e6)
            fig.add_trace(go.Contour(
                x=_round(g1), y=_round(g2), z=_round(np.clip(Z, -1e6, 1e6)),
                contours={"start": 0, "end": 0, "size": 1, "coloring": "none"},
                line={"color": LOSS_COLOUR[loss], "width": 4},
                name=f"{LOSS_LABEL[loss]} boundary (p = 0.5)", showscale=False,
                showlegend=True, hoverinfo="skip",
            ))
        fig.update_xaxes(range=[float(np.min(g1)), float(np.max(g1))])
        fig.update_yaxes(range=[float(np.min(g2)), float(np.max(g2))])
    fig = apply_style(fig, title="Decision boundary over the data",
                      x_title=feature_names[0], y_title=feature_names[1],
                      height=height)
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1},
                      margin={"l": 70, "r": 20, "t": 60, "b": 60},
                      uirevision="boundary")
    return fig


def make_weights_figure(weights: dict, feature_names, height: int = 420) -> go.Figure:
    """Bar chart of each run's current weights (for data with many features)."""
    fig = go.Figure()
    for loss, w in weights.items():
        w = np.asarray(w, dtype=float)
        keep = np.isfinite(w)
        fig.add_trace(go.Bar(
            x=[n for n, k in zip(feature_names, keep, strict=True) if k],
            y=_round(w[keep]), name=f"{LOSS_LABEL[loss]} weights",
            marker_color=LOSS_COLOUR[loss],
        ))
    fig = apply_style(fig, title="Weights now", x_title="feature",
                      y_title="weight w", height=height)
    fig.update_layout(barmode="group", uirevision="weights",
                      legend={"orientation": "h", "y": 1.08, "x": 0},
                      margin={"l": 70, "r": 20, "t": 80, "b": 140})
    fig.update_xaxes(tickangle=-45, tickfont={"size": 11})
    return fig
