"""Pure figure builders for the Threshold & cost page: arrays in, Plotly figure out.

Every builder takes already-downsampled arrays (a few thousand points at most) and
draws the current operating point as its own legend entry, so a slider move only
rebuilds small figures.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.style import (
    BLACK,
    BLUE,
    BLUISH_GREEN,
    ORANGE,
    REDDISH_PURPLE,
    SKY_BLUE,
    THRESHOLD,
    VERMILLION,
    apply_style,
)

HEIGHT = 400
MARGIN = {"l": 70, "r": 20, "t": 60, "b": 60}


def _finite(x, *ys):
    """Drop the +inf threshold row (it cannot sit on an axis)."""
    x = np.asarray(x, dtype=float)
    keep = np.isfinite(x)
    return (x[keep], *(np.asarray(y, dtype=float)[keep] for y in ys))


def _vline(fig, x, y0, y1, name, color, dash="solid", width=3):
    fig.add_trace(
        go.Scatter(
            x=[x, x], y=[y0, y1], mode="lines", name=name,
            line={"color": color, "dash": dash, "width": width},
            hovertemplate=f"{name}: %{{x:.4g}}<extra></extra>",
        )
    )


def _legend_below(fig):
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0},
        margin={**MARGIN, "b": 110},
    )
    return fig


def make_metrics_figure(thresholds, precision, recall, f1, current: float,
                        x_title: str = "threshold") -> go.Figure:
    """Precision, recall and F1 against the threshold, current threshold marked."""
    t, p, r, f = _finite(thresholds, precision, recall, f1)
    fig = go.Figure()
    for y, name, color, dash in ((p, "precision", BLUE, "solid"),
                                 (r, "recall", VERMILLION, "dash"),
                                 (f, "F1", BLUISH_GREEN, "dot")):
        fig.add_trace(go.Scatter(x=t, y=y, mode="lines", name=name,
                                 line={"color": color, "dash": dash, "width": 2.5}))
    if np.isfinite(current):
        _vline(fig, current, 0, 1, "current threshold", THRESHOLD)
    fig.update_yaxes(range=[0, 1.02])
    fig = apply_style(fig, title="Precision, recall, F1", x_title=x_title,
                      y_title="value", height=HEIGHT)
    return _legend_below(fig)


def make_pr_figure(recall, precision, ap: float, current_recall: float,
                   current_precision: float, prevalence: float) -> go.Figure:
    """Precision-recall curve with average precision and the operating point."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=recall, y=precision, mode="lines",
                             name=f"PR curve (AP {ap:.3f})",
                             line={"color": BLUE, "width": 2.5}))
    fig.add_trace(go.Scatter(x=[0, 1], y=[prevalence, prevalence], mode="lines",
                             name=f"random ({prevalence:.2f})",
                             line={"color": BLACK, "dash": "dot", "width": 1.5}))
    fig.add_trace(go.Scatter(x=[current_recall], y=[current_precision],
                             mode="markers", name="current threshold",
                             marker={"color": THRESHOLD, "size": 14,
                                     "line": {"color": BLACK, "width": 1}}))
    fig.update_xaxes(range=[0, 1.02])
    fig.update_yaxes(range=[0, 1.02])
    fig = apply_style(fig, title="Precision-recall curve", x_title="recall",
                      y_title="precision", height=HEIGHT)
    return _legend_below(fig)


def make_roc_figure(fpr, tpr, auc: float, current_fpr: float,
                    current_tpr: float) -> go.Figure:
    """ROC curve with AUC, the chance diagonal and the operating point."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines",
                             name=f"ROC curve (AUC {auc:.3f})",
                             line={"color": BLUE, "width": 2.5}))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance",
                             line={"color": BLACK, "dash": "dot", "width": 1.5}))
    fig.add_trace(go.Scatter(x=[current_fpr], y=[current_tpr], mode="markers",
                             name="current threshold",
                             marker={"color": THRESHOLD, "size": 14,
                                     "line": {"color": BLACK, "width": 1}}))
    fig.update_xaxes(range=[0, 1.02])
    fig.update_yaxes(range=[0, 1.02])
    fig = apply_style(fig, title="ROC curve",
                      x_title="false-positive rate (1 - specificity)",
                      y_title="true-positive rate (recall)", height=HEIGHT)
    return _legend_below(fig)


def make_cost_figure(
    thresholds, cost, *, optimum: float, optimum_cost: float,
    current: float | None, reference: float | None = None,
    bayes: float | None = None,
    band: tuple[float, float] | None = None, currency: str = "$", per: int = 1000,
    x_title: str = "threshold",
) -> go.Figure:
    """Expected cost per ``per`` cases against the threshold, with the empirical
    optimum, the Bayes threshold, the bootstrap band, a reference (default)
    threshold and the current threshold (drawn last, for :func:`move_current`)."""
    t, c = _finite(thresholds, cost)
    fig = go.Figure()
    if band is not None and all(np.isfinite(band)) and band[1] > band[0]:
        fig.add_vrect(x0=band[0], x1=band[1], fillcolor=SKY_BLUE, opacity=0.25,
                      line_width=0)
        # an invisible trace gives the band a legend entry
        fig.add_trace(go.Scatter(x=[band[0]], y=[optimum_cost], mode="markers",
                                 marker={"color": SKY_BLUE, "size": 12,
                                         "symbol": "square"},
                                 name="optimum, 90% bootstrap band"))
    fig.add_trace(go.Scatter(
        x=t, y=c, mode="lines", name=f"expected cost per {per:,} cases",
        line={"color": BLUE, "width": 2.5},
        hovertemplate=f"threshold %{{x:.4g}}<br>{currency}%{{y:,.2f}}<extra></extra>",
    ))
    finite_c = c[np.isfinite(c)]
    lo = float(min(finite_c.min(), optimum_cost)) if finite_c.size else 0.0
    hi = float(max(finite_c.max(), optimum_cost)) if finite_c.size else 1.0
    pad = 0.05 * (hi - lo or 1.0)
    if np.isfinite(optimum):
        fig.add_trace(go.Scatter(
            x=[optimum], y=[optimum_cost], mode="markers",
            name=f"cost-optimal threshold {optimum:.3g}",
            marker={"color": BLUISH_GREEN, "size": 16, "symbol": "star",
                    "line": {"color": BLACK, "width": 1}},
        ))
    if bayes is not None and np.isfinite(bayes):
        _vline(fig, bayes, lo - pad, hi + pad, f"Bayes threshold {bayes:.3g}",
               ORANGE, dash="dash", width=2)
    if reference is not None and np.isfinite(reference):
        _vline(fig, reference, lo - pad, hi + pad,
               f"default threshold {reference:.3g}", BLACK, dash="dot", width=2)
    if current is not None and np.isfinite(current):
        _vline(fig, current, lo - pad, hi + pad, f"current threshold {current:.3g}",
               THRESHOLD, width=2.5)
    fig.update_yaxes(range=[lo - pad, hi + pad], tickprefix=currency)
    fig = apply_style(fig, title=f"Expected cost per {per:,} cases",
                      x_title=x_title, y_title=f"cost per {per:,} cases",
                      height=HEIGHT + 60)
    return _legend_below(fig)


DECISION_HEIGHT = 340
DECISION_POINTS = 250


def money_tick_format(values) -> str:
    """One d3 format for every tick and hover of a money axis: whole amounts,
    unless every amount is below 100 (then cents)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return ",.0f" if v.size and np.max(np.abs(v)) >= 100 else ",.2f"


def _marker_line(fig: go.Figure, x: float, name: str, color: str, dash: str,
                 label: str) -> None:
    """A vertical line through both panels, as a named layout shape (a shape has
    no legend entry to leave behind), labelled at the top."""
    fig.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="paper",
                  name=name, line={"color": color, "dash": dash, "width": 2})
    fig.add_annotation(x=x, y=1.0, xref="x", yref="paper", text=label, name=name,
                       showarrow=False, yanchor="bottom", font={"color": color})


def make_decision_figure(
    thresholds, precision, recall, f1, cost, *, recommended: float,
    current: float | None, currency: str = "$", per: int = 1000,
    band: tuple[float, float] | None = None, x_title: str = "threshold",
    height: int = DECISION_HEIGHT, x_range: tuple[float, float] | None = None,
) -> go.Figure:
    """Precision, recall and F1 over the threshold, the expected cost per ``per``
    cases under them on the same x axis; the recommendation and the current
    threshold are vertical lines through both. ``current`` None leaves the current
    line out (the page draws it over the chart with ``ui.chart_overlay``, so that
    this figure stays the same while the slider moves); ``x_range`` (the slider's
    ends) keeps every position of it on the chart. The money axis starts at 0 and
    has one tick format."""
    t, p, r, f, c = _finite(thresholds, precision, recall, f1, cost)
    if len(t) > DECISION_POINTS:  # keep the browser's first draw light
        keep = np.unique(np.linspace(0, len(t) - 1, DECISION_POINTS).round()
                         .astype(np.int64))
        t, p, r, f, c = (a[keep] for a in (t, p, r, f, c))
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for y, name, color, dash in ((p, "precision", BLUE, "solid"),
                                 (r, "recall", VERMILLION, "dash"),
                                 (f, "F1", BLUISH_GREEN, "dot")):
        fig.add_trace(go.Scatter(x=t, y=y, mode="lines", name=name,
                                 line={"color": color, "dash": dash, "width": 2.5},
                                 hovertemplate=f"{name} %{{y:.3f}}<extra></extra>"),
                      row=1, col=1)
    fmt = money_tick_format(c)
    fig.add_trace(go.Scatter(
        x=t, y=c, mode="lines", name=f"cost per {per:,}",
        line={"color": BLACK, "width": 2.5},
        hovertemplate=f"{currency}%{{y:{fmt}}}<extra></extra>"), row=2, col=1)
    if band is not None and all(np.isfinite(band)) and band[1] > band[0]:
        fig.add_vrect(x0=band[0], x1=band[1], fillcolor=SKY_BLUE, opacity=0.25,
                      line_width=0, row=2, col=1)
    if np.isfinite(recommended):
        _marker_line(fig, recommended, "recommended", BLUISH_GREEN, "dash",
                     "recommended")
    if current is not None:
        x = current if np.isfinite(current) else (t.max() if t.size else 0.0)
        _marker_line(fig, x, "current", THRESHOLD, "solid", "current")
    fig.update_yaxes(range=[0, 1.02], title_text="value", row=1, col=1)
    fig.update_yaxes(rangemode="tozero", tickprefix=currency, tickformat=fmt,
                     title_text=f"cost per {per:,}", row=2, col=1)
    fig = apply_style(fig, height=height)
    fig.update_xaxes(title_text=x_title, row=2, col=1)
    if x_range is not None:
        fig.update_xaxes(range=list(x_range))
    fig.update_xaxes(showspikes=True, spikemode="across", spikethickness=1)
    fig.update_layout(margin={"l": 70, "r": 10, "t": 40, "b": 40},
                      hovermode="x unified",
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.07,
                              "x": 0, "xanchor": "left", "font": {"size": 12},
                              "itemwidth": 30})
    return fig


def make_ratio_figure(ratios, empirical, bayes, current_ratio: float | None,
                      current_optimum: float | None) -> go.Figure:
    """Optimal threshold against the FN/FP regret ratio (log scale)."""
    r = np.asarray(ratios, dtype=float)
    emp = np.asarray(empirical, dtype=float)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=r, y=np.where(np.isfinite(emp), emp, np.nan),
                             mode="lines", name="optimum on these data",
                             line={"color": BLUE, "width": 2.5, "shape": "hv"}))
    if bayes is not None:
        fig.add_trace(go.Scatter(x=r, y=bayes, mode="lines",
                                 name="Bayes threshold 1 / (1 + ratio)",
                                 line={"color": ORANGE, "width": 2, "dash": "dash"}))
    if current_ratio is not None and current_optimum is not None \
            and np.isfinite(current_optimum):
        fig.add_trace(go.Scatter(x=[current_ratio], y=[current_optimum],
                                 mode="markers", name="your cost matrix",
                                 marker={"color": THRESHOLD, "size": 14,
                                         "line": {"color": BLACK, "width": 1}}))
    fig.update_xaxes(type="log")
    fig = apply_style(fig, title="How the optimum moves with the cost ratio",
                      x_title="FN/FP cost ratio (log scale)",
                      y_title="optimal threshold", height=HEIGHT)
    return _legend_below(fig)


def make_bootstrap_figure(thresholds, optimum: float,
                          band: tuple[float, float]) -> go.Figure:
    """Histogram of the optimal threshold over bootstrap resamples."""
    t = np.asarray(thresholds, dtype=float)
    t = t[np.isfinite(t)]
    fig = go.Figure()
    fig.add_trace(go.Histogram(x=t, name="optimum in one resample",
                               marker={"color": SKY_BLUE}, nbinsx=40))
    if np.isfinite(optimum):
        fig.add_trace(go.Scatter(x=[optimum, optimum], y=[0, 1], yaxis="y2",
                                 mode="lines",
                                 name=f"optimum on all data {optimum:.3g}",
                                 line={"color": BLUISH_GREEN, "width": 3}))
    for x, name in ((band[0], "90% band"), (band[1], None)):
        if np.isfinite(x):
            fig.add_trace(go.Scatter(x=[x, x], y=[0, 1], yaxis="y2", mode="lines",
                                     name=name or "90% band",
                                     showlegend=name is not None,
                                     line={"color": BLACK, "width": 2, "dash": "dash"}))
    fig.update_layout(yaxis2={"overlaying": "y", "range": [0, 1], "visible": False})
    fig = apply_style(fig, title="Optimal threshold across bootstrap resamples",
                      x_title="optimal threshold", y_title="resamples",
                      height=HEIGHT)
    return _legend_below(fig)


def make_calibration_figure(prob_pred, prob_true, bin_weight) -> go.Figure:
    """Reliability diagram: observed share of positives against mean prediction."""
    w = np.asarray(bin_weight, dtype=float)
    size = 8 + 18 * np.sqrt(w / w.max()) if w.size else 10
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines",
                             name="perfectly calibrated",
                             line={"color": BLACK, "dash": "dot", "width": 1.5}))
    fig.add_trace(go.Scatter(
        x=prob_pred, y=prob_true, mode="lines+markers", name="model (size = cases)",
        line={"color": BLUE, "width": 2.5},
        marker={"size": size, "color": BLUE},
        customdata=w, hovertemplate="predicted %{x:.3f}<br>observed %{y:.3f}"
        "<br>%{customdata:,.0f} cases<extra></extra>",
    ))
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 1])
    fig = apply_style(fig, title="Reliability diagram",
                      x_title="mean predicted probability in bin",
                      y_title="observed share of positives", height=HEIGHT)
    return _legend_below(fig)


def move_current(fig: go.Figure, x, y=None, name: str | None = None) -> go.Figure:
    """Move the current-threshold trace (always the last one a builder adds) in
    place and return the figure: a slider move changes only this trace, so the
    styled figure can be built once and reused."""
    trace = fig.data[-1]
    if y is None:  # a vertical line keeps its vertical extent
        trace.update(x=[x, x])
    else:
        trace.update(x=[x], y=[y])
    if name is not None:
        trace.update(name=name)
    return fig


__all__ = [
    "make_bootstrap_figure",
    "make_calibration_figure",
    "make_cost_figure",
    "make_decision_figure",
    "make_metrics_figure",
    "make_pr_figure",
    "make_ratio_figure",
    "make_roc_figure",
    "move_current",
]


SCENARIO_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def make_scenarios_figure(thresholds, scaled, names, optima, *,
                          x_title: str = "threshold",
                          threshold_text=lambda t: f"{t:.4g}") -> go.Figure:
    """Each scenario's cost curve scaled to its own range (0 at its optimum, 1 at
    its dearest threshold) on one chart, its optimum marked with a star of its
    colour; ``names`` are already made safe for Plotly (``ui.format.for_chart``).
    Colours are the Okabe-Ito palette, each with its own dash as well."""
    colours = (BLUE, VERMILLION, BLUISH_GREEN, ORANGE, REDDISH_PURPLE, SKY_BLUE)
    fig = go.Figure()
    t_all = np.asarray(thresholds, dtype=float)
    right = float(t_all[np.isfinite(t_all)].max()) if np.isfinite(t_all).any() else 1
    for i, (curve, name, opt) in enumerate(zip(scaled, names, optima, strict=True)):
        t, c = _finite(t_all, curve)
        colour = colours[i % len(colours)]
        where = ("flag no one" if not np.isfinite(opt)
                 else f"optimum {threshold_text(opt)}")
        fig.add_trace(go.Scatter(
            x=t, y=c, mode="lines", name=f"{name} ({where})", legendgroup=str(i),
            line={"color": colour, "width": 2.5,
                  "dash": SCENARIO_DASHES[i % len(SCENARIO_DASHES)]},
            hovertemplate="threshold %{x:.4g}<br>scaled cost %{y:.3f}"))
        fig.add_trace(go.Scatter(  # the optimum: a star on the curve's floor
            x=[opt if np.isfinite(opt) else right], y=[0.0], mode="markers",
            name=f"{name}: {where}", legendgroup=str(i), showlegend=False,
            marker={"color": colour, "size": 16, "symbol": "star",
                    "line": {"color": BLACK, "width": 1}},
            hovertemplate=f"{where}<extra></extra>"))
    fig.update_yaxes(range=[-0.05, 1.05])
    fig = apply_style(fig, title="Cost curves, each scaled to its range",
                      x_title=x_title, y_title="scaled cost (0 best, 1 worst)",
                      height=HEIGHT + 60)
    return _legend_below(fig)
