"""Figure builders for the "Loss functions" and "Cost surfaces" pages.

Pure functions: arrays in, a styled ``plotly.graph_objects.Figure`` out. No Streamlit
and no arithmetic beyond arranging what ``core`` computed.
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.style import (
    BASE_FONT_SIZE,
    BLACK,
    LOG,
    MSE,
    REDDISH_PURPLE,
    SKY_BLUE,
    apply_style,
)

# Where a surface bends downward (a negative Hessian eigenvalue) it is drawn in
# reds, elsewhere in blues; both shaded by height so the shape stays readable
# (light low, dark high; static/surface_chart.js draws the surfaces with these).
CONCAVE_COLOUR = "#C0392B"
UPWARD_SCALE = ("#DCEBF7", "#08306B")
DOWNWARD_SCALE = ("#FDD0C2", "#99000D")
FAILURE_WIDTH = 8  # the segments marking where a route gives inf or nan
SUBTITLE_SIZE = BASE_FONT_SIZE + 2


def _subplot_titles(fig: go.Figure) -> None:
    fig.update_annotations(font_size=SUBTITLE_SIZE)


def log_ticks(values: np.ndarray, most: int = 6) -> list[float]:
    """Tick values for a log axis over ``values``: powers of ten, with 2 and 5 in
    between when the range spans few decades, and never more than ``most`` ticks
    (Plotly's own log ticks pile up on a short 3-D axis)."""
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size == 0:
        return [1.0]
    lo, hi = float(positive.min()), float(positive.max())
    for steps in ((1, 2, 5), (1, 3), (1,)):
        ticks = [m * 10.0**e for e in range(int(np.floor(np.log10(lo))),
                                            int(np.ceil(np.log10(hi))) + 1)
                 for m in steps if lo <= m * 10.0**e <= hi]
        if len(ticks) <= most:
            break
    while len(ticks) > most:  # many decades: every other one
        ticks = ticks[::2]
    return ticks or [lo, hi]


# ---------------------------------------------------------------------------
# Loss functions page
# ---------------------------------------------------------------------------


POINT_SIZE = 14  # the movable point, drawn by ui.chart_overlay over the figure


def point_legend_entry(name: str = "your point") -> go.Scatter:
    """A legend-only entry for a mark drawn over the figure (``ui.chart_overlay``):
    the figure keeps its legend and stays the same whatever the mark's place."""
    return go.Scatter(x=[None], y=[None], mode="markers", name=name,
                      marker={"color": "#FFFFFF", "size": POINT_SIZE,
                              "symbol": "circle",
                              "line": {"color": BLACK, "width": 2}},
                      hoverinfo="skip")


def make_loss_curves_figure(
    x_values: np.ndarray,
    curves: dict[int, dict[str, np.ndarray]],
    *,
    x_title: str,
    y_max: float | None = None,
    title: str | None = None,
    height: int = 420,
) -> go.Figure:
    """Per-example loss against ``x_values`` (p or z): one panel per label, the
    first label's on axes ``x``/``y``, the next on ``x2``/``y2``
    (:data:`CURVE_LABELS`). ``curves[y]`` maps ``"log"`` and ``"mse"`` to arrays
    like ``x_values``. The movable point is not in the figure (only its legend
    entry): the page draws it over the chart."""
    labels = sorted(curves, reverse=True)
    fig = make_subplots(
        rows=1, cols=len(labels), shared_yaxes=True, horizontal_spacing=0.06,
        subplot_titles=[f"true label y = {y}" for y in labels],
    )
    for col, y in enumerate(labels, start=1):
        for loss, colour, name in (
            ("log", LOG, "log loss"),
            ("mse", MSE, "squared error"),
        ):
            fig.add_trace(
                go.Scatter(
                    x=x_values, y=curves[y][loss], mode="lines", name=name,
                    line={"color": colour, "width": 3,
                          "dash": "solid" if loss == "log" else "dash"},
                    legendgroup=loss, showlegend=col == 1,
                    hovertemplate=f"{name}<br>{x_title}=%{{x:.4g}}<br>"
                    "loss=%{y:.4g}<extra></extra>",
                ),
                row=1, col=col,
            )
    fig.add_trace(point_legend_entry(), row=1, col=1)
    fig = apply_style(fig, title=title, height=height)
    # one x title under both panels (two would overlap on a narrow screen)
    fig.add_annotation(text=x_title, xref="paper", yref="paper", x=0.5, y=0,
                       yanchor="top", yshift=-28, showarrow=False,
                       font={"size": BASE_FONT_SIZE})
    fig.update_yaxes(title_text="loss for one example", row=1, col=1)
    if y_max is not None:
        fig.update_yaxes(range=[0, y_max])
    # the legend sits 75 px under the plot area, below the x-axis title, whatever
    # the height (Plotly places it in fractions of the plot area)
    plot_height = max(height - 70 - 110, 100)
    fig.update_layout(legend={"orientation": "h", "y": -75 / plot_height, "x": 0},
                      margin={"t": 70, "b": 110})
    _subplot_titles(fig)
    return fig


CURVE_LABELS = (1, 0)  # the panels of make_loss_curves_figure, left to right


def curve_axes(label: int) -> tuple[str, str]:
    """The axes (Plotly's trace names) of ``label``'s panel in the loss curves."""
    k = CURVE_LABELS.index(label)
    return ("x", "y") if k == 0 else (f"x{k + 1}", f"y{k + 1}")


def make_gradient_figure(
    z: np.ndarray,
    gradients: dict[str, np.ndarray],
    *,
    label: int,
    wrong_region: tuple[float, float],
) -> go.Figure:
    """``dL/dz`` of both losses against z for one label, with the region where the
    model is confidently wrong shaded; the movable point only in the legend (the
    page draws it over the chart)."""
    fig = go.Figure()
    low, high = wrong_region
    fig.add_vrect(
        x0=low, x1=high, fillcolor=REDDISH_PURPLE, opacity=0.12, line_width=0,
        annotation_text="confidently wrong", annotation_position="top left",
        annotation_font_size=BASE_FONT_SIZE,
    )
    for loss, colour, name in (
        ("log", LOG, "log loss: p - y"),
        ("mse", MSE, "squared error: 2(p - y) p (1 - p)"),
    ):
        fig.add_trace(
            go.Scatter(
                x=z, y=gradients[loss], mode="lines", name=name,
                line={"color": colour, "width": 3,
                      "dash": "solid" if loss == "log" else "dash"},
                hovertemplate="z=%{x:.3g}<br>dL/dz=%{y:.4g}<extra></extra>",
            )
        )
    fig.add_trace(point_legend_entry())
    fig.add_hline(y=0, line_color="#888888", line_width=1)
    fig = apply_style(
        fig, title=f"Gradient with respect to z (true label y = {label})",
        x_title="logit z", y_title="dL / dz", height=420,
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.22, "x": 0},
                      margin={"t": 70, "b": 110})
    return fig


def failure_runs(values: np.ndarray) -> list[tuple[int, int, str]]:
    """The contiguous runs of ``values`` that are inf or nan, one kind each:
    ``(first index, last index, "inf" or "nan")``."""
    kinds = np.where(np.isnan(values), 2, np.where(np.isinf(values), 1, 0))
    edges = np.flatnonzero(np.diff(kinds)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges - 1, [len(values) - 1]])
    return [(int(i), int(j), "nan" if kinds[i] == 2 else "inf")
            for i, j in zip(starts, ends, strict=True) if kinds[i]]


def _failure_segments(x: np.ndarray, z: np.ndarray, values: np.ndarray, *,
                      log_x: bool):
    """One horizontal segment per run of inf or nan (:func:`failure_runs`), from
    half way to the finite neighbour before it to half way to the one after it
    (geometric halves on a log axis), so a single failing point has a length too;
    ``None`` between segments. Returns the segments' x values and, per vertex, the
    run's first and last z and its kind (for the hover)."""
    def half(i: int, k: int) -> float:
        if log_x:
            return float(np.sqrt(x[i] * x[k]))
        return float((x[i] + x[k]) / 2)

    xs, data = [], []
    last = len(x) - 1
    for i, j, kind in failure_runs(values):
        lo = float(x[i]) if i == 0 else half(i - 1, i)
        hi = float(x[j]) if j == last else half(j, j + 1)
        run = [float(z[i]), float(z[j]), kind]
        xs += [lo, hi, None]
        data += [run, run, [None, None, None]]
    return xs, data


def make_stability_figure(
    z: np.ndarray,
    routes: dict[str, np.ndarray],
    *,
    label: int,
    log_x: bool = False,
) -> go.Figure:
    """Loss of one example by several routes against z; where a route gives inf or
    nan, a thick segment at the top of the plot spans those z instead of a line
    (one segment per run: a few points, cheap to draw, however many z fail).

    ``routes`` maps a legend name to values; names containing ``"naive"`` are drawn
    dashed, the rest solid.
    """
    colours = {
        "naive float32": MSE,
        "naive float64": REDDISH_PURPLE,
        "logits space (float64)": LOG,
        "exact": SKY_BLUE,
    }
    finite_max = max(
        (float(np.nanmax(np.where(np.isfinite(v), v, np.nan)))
         for v in routes.values() if np.isfinite(v).any()),
        default=1.0,
    )
    top = finite_max * (3.0 if log_x else 1.12)
    x_plot = np.abs(z) if log_x else z
    fig = go.Figure()
    for k, (name, values) in enumerate(routes.items()):
        colour = colours.get(name, BLACK)
        finite = np.isfinite(values)
        shown = np.where(finite, values, np.nan)
        fig.add_trace(
            go.Scatter(
                x=x_plot, y=shown, mode="lines", name=name,
                line={"color": colour, "width": 4 if "logits" in name else 2.5,
                      "dash": "dot" if "naive" in name else "solid"},
                # on the log axis x is |z|: the hover reads z from customdata
                hovertemplate=f"{name}<br>z=%{{{'customdata' if log_x else 'x'}:.4g}}"
                "<br>loss=%{y:.6g}<extra></extra>",
                customdata=z if log_x else None,
            )
        )
        if not finite.all():
            xs, runs = _failure_segments(x_plot, z, values, log_x=log_x)
            level = top * (1 - 0.04 * k)
            fig.add_trace(
                go.Scatter(
                    x=xs, y=[None if v is None else level for v in xs],
                    mode="lines", name=f"{name} gives inf / nan",
                    line={"color": colour, "width": FAILURE_WIDTH},
                    customdata=runs,
                    hovertemplate=f"{name}<br>z from %{{customdata[0]:.4g}} to "
                    "%{customdata[1]:.4g}: %{customdata[2]}<extra></extra>",
                )
            )
    side = "negative z: " if log_x and np.all(z <= 0) else ""
    fig = apply_style(
        fig, title=f"Log loss of one example, true label y = {label}",
        x_title=f"|z| ({side}log axis)" if log_x else "logit z",
        y_title="loss", height=460,
    )
    if log_x:
        fig.update_xaxes(type="log")
        fig.update_yaxes(type="log")
    fig.update_layout(legend={"orientation": "h", "y": -0.25, "x": 0},
                      margin={"t": 70, "b": 130})
    return fig


# ---------------------------------------------------------------------------
# Cost surfaces page
# ---------------------------------------------------------------------------


SURFACE_ORDER = (("mse", "Squared error (MSE) with sigmoid"), ("log", "Log loss"))


def surface_pair_data(a_values, c_values, surfaces, downward, minima, *, a_title: str,
                      c_title: str, log_z: bool, height: int, version: str) -> dict:
    """What ``static/surface_chart.js`` draws: MSE and log-loss surfaces side by side,
    each grid point's J (float32, base64) and whether the surface bends downward
    there (uint8, base64), each grid minimum, the axis titles (plain text: the
    canvas draws text, never markup) and, on a log J axis, a few nice ticks.
    ``surfaces[loss]`` has shape ``(n_c, n_a)``; ``version`` names the content."""
    panels, z_ticks = [], {}
    for loss, title in SURFACE_ORDER:
        J = np.asarray(surfaces[loss], dtype="<f4")
        a, c, j = minima[loss]
        panels.append({
            "loss": loss, "title": title, "minimum": [float(a), float(c), float(j)],
            "J": base64.b64encode(np.ascontiguousarray(J).tobytes()).decode(),
            "down": base64.b64encode(np.ascontiguousarray(
                downward[loss], dtype=np.uint8).tobytes()).decode(),
            "alt": (f"{title}: the cost J over {a_title} from {a_values[0]:.3g} to "
                    f"{a_values[-1]:.3g} and {c_title} from {c_values[0]:.3g} to "
                    f"{c_values[-1]:.3g}; grid minimum J = {j:.4g} at {a_title} = "
                    f"{a:.3g}, {c_title} = {c:.3g}"),
        })
        if log_z:
            z_ticks[loss] = log_ticks(np.asarray(surfaces[loss]))
    return {"version": version, "height": int(height), "log_z": bool(log_z),
            "a": [float(v) for v in a_values], "c": [float(v) for v in c_values],
            "a_title": a_title, "c_title": c_title,
            "z_title": "cost J (log)" if log_z else "cost J",
            "panels": panels, "z_ticks": z_ticks}


def contour_edges(downward: dict[str, np.ndarray]) -> tuple[bool, ...]:
    """Per panel (:data:`SURFACE_ORDER`), whether the downward region has an edge
    to draw (it covers part of the grid, not none or all of it)."""
    return tuple(0 < float(np.mean(downward[loss])) < 1 for loss, _ in SURFACE_ORDER)


def make_contour_pair_frame(*, a_title: str, c_title: str, log_z: bool,
                            edges: tuple[bool, ...]) -> go.Figure:
    """The contour pair without its data: panels, traces (MSE on axes ``x``/``y``,
    log loss on ``x2``/``y2``: the downward tint, the edge of the downward region
    where ``edges`` says so, the contour lines with their colour bar, the grid
    minimum), legend and titles. Everything here depends on the titles, ``log_z``
    and ``edges`` only, so it can be built once and given each grid's data by
    :func:`with_contour_data` (building it is most of the cost: about 60 ms of
    Plotly's Python, whatever the grid)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[t for _, t in SURFACE_ORDER],
                        horizontal_spacing=0.14)
    for col, ((_, name), edge) in enumerate(zip(SURFACE_ORDER, edges,
                                                   strict=True), start=1):
        # a faint tint under the contour lines, and the region's edge in red
        fig.add_trace(
            go.Heatmap(  # z: 1 where the surface bends downward, else 0 (clear)
                showscale=False, hoverinfo="skip", zmin=0, zmax=1,
                colorscale=[[0, "rgba(192,57,43,0)"], [1, "rgba(192,57,43,0.13)"]],
                name="curves downward", showlegend=col == 1,
            ),
            row=1, col=col,
        )
        if edge:
            fig.add_trace(
                go.Contour(
                    showscale=False,
                    contours={"start": 0.5, "end": 0.5, "size": 1,
                              "coloring": "none"},
                    line={"color": CONCAVE_COLOUR, "width": 2.5}, hoverinfo="skip",
                    name="edge of the downward region", showlegend=col == 1,
                ),
                row=1, col=col,
            )
        fig.add_trace(
            go.Contour(
                ncontours=15,
                colorscale="Blues", reversescale=True, showscale=True,
                colorbar={"title": {"text": "log10 J" if log_z else "J",
                                    "side": "top"},
                          "x": 0.455 if col == 1 else 1.0, "len": 0.85,
                          "thickness": 14, "tickfont": {"size": BASE_FONT_SIZE - 2}},
                # no labels on the lines: plotly.js places them on every redraw
                # (seconds on a 101 x 101 grid); the colour bar reads the levels
                contours={"coloring": "lines"},
                line={"width": 1.5},
                name=name,
                hovertemplate=f"{a_title}=%{{x:.4g}}<br>{c_title}=%{{y:.4g}}<br>"
                + ("J=%{customdata:.5g}" if log_z else "J=%{z:.5g}")
                + f"<extra>{name}</extra>",
                showlegend=False,
            ),
            row=1, col=col,
        )
        fig.add_trace(
            go.Scatter(
                mode="markers", name="grid minimum",
                marker={"symbol": "star", "size": 18, "color": "#F0E442",
                        "line": {"color": BLACK, "width": 1.5}},
                showlegend=col == 1,
                hovertemplate=f"minimum<br>{a_title}=%{{x:.4g}}<br>"
                f"{c_title}=%{{y:.4g}}<br>J=%{{customdata:.5g}}<extra></extra>",
            ),
            row=1, col=col,
        )
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="slice below",
                             line={"color": BLACK, "width": 2, "dash": "dash"},
                             hoverinfo="skip"), row=1, col=1)
    fig = apply_style(fig, x_title=a_title, y_title=c_title, height=480)
    fig.update_layout(legend={"orientation": "h", "y": -0.2, "x": 0},
                      margin={"t": 60, "b": 110})
    _subplot_titles(fig)
    return fig


def _compact(values: np.ndarray) -> np.ndarray:
    """``values`` as float32 (half the bytes to send; 7 digits are more than a
    contour line or a hover's 4 show) unless one lies outside float32's normal
    range, where it would turn into 0 or inf: then as they are."""
    finite = np.abs(values[np.isfinite(values) & (values != 0)])
    f32 = np.finfo(np.float32)
    if finite.size and (finite.min() < f32.tiny or finite.max() > f32.max):
        return values
    return values.astype(np.float32)


def with_contour_data(frame: dict, a_values: np.ndarray, c_values: np.ndarray,
                      surfaces: dict[str, np.ndarray],
                      downward: dict[str, np.ndarray],
                      minima: dict[str, tuple[float, float, float]], *,
                      log_z: bool) -> dict:
    """A copy of the dict of a :func:`make_contour_pair_frame` (made with this
    ``log_z`` and ``contour_edges(downward)``) holding this grid: each trace's
    arrays, the minima and the axis ranges. The frame itself is left unchanged."""
    panel = {"x": "mse", "x2": "log"}
    data = []
    for trace in frame["data"]:
        loss = panel[trace.get("xaxis", "x")]
        grid = {"x": a_values, "y": c_values}
        if trace["type"] == "heatmap" or (trace["type"] == "contour"
                                           and trace.get("showscale") is False):
            # the tint and the edge of the downward region: a byte a cell
            trace = {**trace, **grid, "z": downward[loss].astype(np.uint8)}
        elif trace["type"] == "contour":
            J = surfaces[loss]
            shown = np.log10(np.maximum(J, 1e-300)) if log_z else J
            trace = {**trace, **grid, "z": _compact(shown)}
            if log_z:
                trace["customdata"] = _compact(J)
        elif trace.get("name") == "grid minimum":
            a, c, j = minima[loss]
            trace = {**trace, "x": [a], "y": [c], "customdata": [j]}
        data.append(trace)
    layout = dict(frame["layout"])
    for axis, values in (("xaxis", a_values), ("xaxis2", a_values),
                         ("yaxis", c_values), ("yaxis2", c_values)):
        layout[axis] = {**layout.get(axis, {}),
                        "range": [float(values[0]), float(values[-1])]}
    return {**frame, "data": data, "layout": layout}


SLICE_ORDER = (("mse", MSE, "MSE"), ("log", LOG, "log loss"))
# The panels of make_slice_figure (Plotly's axis names): per loss, its cost panel
# (top) and its second-difference panel (bottom).
SLICE_AXES = {"mse": (("x", "y"), ("x3", "y3")), "log": (("x2", "y2"), ("x4", "y4"))}


def make_slice_figure(
    a_values: np.ndarray,
    ranges: dict[str, tuple[tuple[float, float], tuple[float, float]]],
    *,
    a_title: str,
) -> go.Figure:
    """The frame of the 1-D slice: a 2 x 2 grid, MSE on the left and log loss on
    the right; top: J along the first parameter, bottom: its second differences
    with the zero line. ``ranges[loss]`` is ``((J low, J high), (second low, second
    high))``, fixed for every slice of the grid, so the figure is the same wherever
    the slice is and the curves (drawn over it by ``ui.chart_overlay`` on the axes
    in :data:`SLICE_AXES`) compare from one slice to the next. The legend names
    what the page draws."""
    fig = make_subplots(
        rows=2, cols=2, shared_xaxes=True, vertical_spacing=0.14,
        horizontal_spacing=0.1,
        subplot_titles=[
            f"{name}: cost along {a_title}" for _, _, name in SLICE_ORDER
        ] + [f"{name}: second difference" for _, _, name in SLICE_ORDER],
    )
    for col, (loss, colour, name) in enumerate(SLICE_ORDER, start=1):
        for row, text, line in (
            (1, f"J along the slice, {name}", {"color": colour, "width": 3}),
            (2, f"second difference, {name}",
             {"color": colour, "width": 2, "dash": "dot"}),
        ):
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=text,
                                     line=line, hoverinfo="skip"), row=row, col=col)
        fig.add_hline(y=0, line_color="#555555", line_width=1.5, row=2, col=col)
        (j_lo, j_hi), (d_lo, d_hi) = ranges[loss]
        fig.update_yaxes(range=[j_lo, j_hi], row=1, col=col)
        fig.update_yaxes(range=[d_lo, d_hi], row=2, col=col)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines",
                             name="bends downward (below zero)",
                             line={"color": CONCAVE_COLOUR, "width": 6},
                             hoverinfo="skip"), row=2, col=1)
    fig = apply_style(fig, height=640)
    fig.update_xaxes(range=[float(a_values[0]), float(a_values[-1])])
    fig.update_xaxes(title_text=a_title, row=2)
    fig.update_yaxes(title_text="cost J", row=1, col=1)
    fig.update_yaxes(title_text="second difference", row=2, col=1)
    fig.update_layout(legend={"orientation": "h", "y": -0.14, "x": 0},
                      margin={"t": 60, "b": 130})
    _subplot_titles(fig)
    return fig


def with_slice_ranges(spec: dict, a_values: np.ndarray, ranges) -> dict:
    """A copy of the dict of a :func:`make_slice_figure` frame with the ranges of
    another grid (``a_values`` and ``ranges`` as there): everything else in the
    frame depends on the axis title only, so a new grid need not rebuild it
    (building it costs about 80 ms of Plotly's Python; this, microseconds)."""
    layout = dict(spec["layout"])
    x_range = [float(a_values[0]), float(a_values[-1])]
    for loss, axes in SLICE_AXES.items():
        for (x, y), y_range in zip(axes, ranges[loss], strict=True):
            for name, value in ((f"xaxis{x[1:]}", x_range), (f"yaxis{y[1:]}",
                                                             list(y_range))):
                layout[name] = {**layout.get(name, {}), "range": value}
    return {**spec, "layout": layout}


# ---------------------------------------------------------------------------
# Walk one example page
# ---------------------------------------------------------------------------


def make_reliability_figure(
    prob_pred: np.ndarray, prob_true: np.ndarray, bin_weight: np.ndarray,
) -> go.Figure:
    """Reliability diagram: observed share of positives against mean predicted
    probability per bin (marker area by the bin's cases), with the diagonal of a
    perfectly calibrated model."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines",
                             name="perfectly calibrated",
                             line={"color": "#888888", "dash": "dash", "width": 2},
                             hoverinfo="skip"))
    size = 8 + 22 * np.sqrt(bin_weight / max(float(np.max(bin_weight)), 1.0))
    fig.add_trace(go.Scatter(
        x=prob_pred, y=prob_true, mode="lines+markers", name="this model",
        line={"color": LOG, "width": 3},
        marker={"size": size, "color": LOG, "line": {"color": BLACK, "width": 1}},
        customdata=bin_weight,
        hovertemplate="mean p=%{x:.3f}<br>share positive=%{y:.3f}<br>"
        "cases=%{customdata:.0f}<extra></extra>"))
    fig = apply_style(fig, title="Reliability diagram (10 bins)",
                      x_title="mean predicted probability p",
                      y_title="observed share of positives", height=420)
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 1])
    fig.update_layout(legend={"orientation": "h", "y": -0.22, "x": 0},
                      margin={"t": 60, "b": 100})
    return fig
