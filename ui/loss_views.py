"""The Loss functions page's numbers: curves, stability routes and the table.

Each is the same for everyone and depends on a couple of small arguments, so it is
computed once per server (``st.cache_data``, bounded).
"""

from collections.abc import Callable, Hashable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import core
from ui.chart import Prepared, prepare
from ui.chart_overlay import Line, Path, Point, marks
from ui.figures_loss import (
    CONCAVE_COLOUR,
    SLICE_AXES,
    SLICE_ORDER,
    contour_edges,
    curve_axes,
    make_contour_pair_frame,
    make_slice_figure,
    make_stability_figure,
    with_contour_data,
    with_slice_ranges,
)
from ui.memo import memo
from ui.readout import (
    Col,
    Flags,
    Packed,
    Strong,
    caption,
    heading,
    line,
    metrics,
    table,
    warning,
)
from ui.style import LOG, MSE

Z_MAX = 10.0  # the curves and the movable point live on z in [-Z_MAX, Z_MAX]
P_EDGE = 1e-3  # curves against p run over [P_EDGE, 1 - P_EDGE]
# Where the naive sigmoid 1 / (1 + exp(-z)) rounds p to exactly 1 (from this z up)
# or to exactly 0 (from this z down, once exp(-z) overflows); checked against NumPy
# in tests/test_loss_pages.py.
P_ONE_FLOAT32, P_ONE_FLOAT64 = 16.6, 36.7
P_ZERO_FLOAT32, P_ZERO_FLOAT64 = -88.7, -709.8
METRIC_CHARS = 7  # an st.metric value wider than this is cut off in a narrow column
TABLE_Z = (-1000.0, -100.0, -40.0, -20.0, -17.0, 0.0, 17.0, 20.0, 37.0, 40.0,
           100.0, 1000.0)


@st.cache_data(show_spinner=False, max_entries=8)
def curves_against(axis: str):
    """x values and per-label loss curves against p or z (cached: same every run)."""
    if axis == "p":
        p = np.linspace(P_EDGE, 1 - P_EDGE, 999)
        x, z = p, core.stability.logit(p)
    else:
        z = np.linspace(-Z_MAX, Z_MAX, 801)
        x = z
    curves = core.stability.per_example_curves(z)
    return x, z, curves


@st.cache_data(show_spinner=False, max_entries=8)
def stability(label: int, log_x: bool, wrong_side: bool):
    if log_x:
        magnitude = np.logspace(0, 6, 601)
        sign = -1.0 if (label == 1) == wrong_side else 1.0
        z = sign * magnitude
    else:
        z = np.linspace(-100.0, 100.0, 2001)
    table = core.stability.stability_table(label, z) if log_x else None
    y = np.full(z.shape, float(label))
    routes = {
        "naive float32": core.stability.naive_pipeline_loss(y, z, np.float32),
        "naive float64": core.stability.naive_pipeline_loss(y, z, np.float64),
        "logits space (float64)": core.log_loss(y, z),
    }
    if table is not None:
        routes["exact"] = table.exact
    return z, routes


def metric_text(value: float) -> str:
    """A metric value that fits its box (at most METRIC_CHARS characters): four
    significant digits (fewer when they would not fit), scientific notation below
    0.001 or from 10,000 up."""
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        for digits, room in ((4, METRIC_CHARS - 1), (3, METRIC_CHARS),
                             (2, METRIC_CHARS)):
            text = f"{value:.{digits}g}"
            if len(text) <= room:
                break
        return text
    for digits in (2, 1, 0):  # fewer digits for a three-digit exponent
        mantissa, exponent = f"{value:.{digits}e}".split("e")
        text = f"{float(mantissa):g}e{int(exponent)}"
        if len(text) <= METRIC_CHARS:
            break
    return text


def cached_chart(name: str, key: Hashable, build: Callable[[], go.Figure], *,
                 shared: bool) -> Prepared:
    """``build()``'s figure, built once per ``key`` and kept ready to send.

    Profiling the Cost surfaces page showed where its seconds went: not the
    surfaces (0.1 s each on a 101 x 101 grid over 200 points) nor Plotly's JSON
    (0.03 s), but Plotly's Python property tree, validating every layout update and
    copying the figure in ``apply_style``: about 0.8 s for the 3-D pair and 0.3 s
    for the contours. A slider move that keeps a figure still paid for turning it
    into JSON (py-spy on the server during z-slider moves: half the fragment's
    time), so the JSON is what is kept.
    """
    return memo(name, key, lambda: prepare(build()), shared=shared)


P_STEP, Z_STEP = 0.001, 0.1  # the point's sliders' steps


def point_table(label: int, mode: str) -> dict:
    """Every position of the point's slider (z, or p) and what it shows there: the
    numbers as the page writes them (``z``, ``p``, the four metrics, the words'
    numbers), whether the model is confidently wrong, and the marks' coordinates
    (``zv``, ``pv``, ``loss_log``, ...), as :func:`ui.readout.table` sends them:
    built once per server (the same for everyone)."""
    return memo("lf.point_table", (label, mode),
                lambda: _point_table(label, mode), shared=True)


def _point_table(label: int, mode: str) -> dict:
    if mode == "z":
        values = np.round(np.linspace(-Z_MAX, Z_MAX, round(2 * Z_MAX / Z_STEP) + 1), 10)
        z = values
    else:
        values = np.round(np.linspace(P_STEP, 1 - P_STEP,
                                      round(1 / P_STEP) - 1), 10)
        z = core.stability.logit(values)
    p = core.sigmoid(z)
    curves = core.stability.per_example_curves(z)[label]
    losses = {loss: curves[loss][0] for loss in curves}
    grads = {loss: curves[loss][1] for loss in curves}
    wrong = np.abs(p - label) > 0.9
    ratio = np.abs(grads["log"]) / np.maximum(np.abs(grads["mse"]), 1e-300)
    columns = {
        "z": [f"{v:.3g}" for v in z], "p": [f"{v:.4g}" for v in p],
        "wrong": wrong.tolist(),
        "wrong_by": [f"{v:.1%}" for v in np.abs(p - label)],
        "ratio": [f"{v:,.0f}" for v in ratio],
        "glog": [f"{v:.4f}" for v in grads["log"]],
        "gmse": [f"{v:.2e}" if w else f"{v:.4f}" for v, w in zip(grads["mse"], wrong,
                                                                  strict=True)],
        "zv": z, "pv": p,
    }
    for loss in ("log", "mse"):
        columns[f"m_{loss}"] = [metric_text(float(v)) for v in losses[loss]]
        columns[f"dm_{loss}"] = [metric_text(float(v)) for v in grads[loss]]
        columns[f"loss_{loss}"], columns[f"grad_{loss}"] = losses[loss], grads[loss]
    return table(values, columns)


def point_readout(label: int, mode: str, axis: str) -> dict:
    """The point's readout (:func:`ui.readout.readout`'s arguments but the key and
    the slider's): its line, metrics, warning and words, and its marks on the
    loss curves and the gradient chart, for every position of the slider."""
    zv = Col("zv")
    return {
        "rows": point_table(label, mode),
        "blocks": [
            line("z = ", Col("z", bold=True), ", p = sigmoid(z) = ",
                 Col("p", bold=True), ", true label y = ", Strong(str(label))),
            metrics(("Log loss", Col("m_log")), ("Squared error", Col("m_mse")),
                    ("dL/dz, log loss", Col("dm_log")),
                    ("dL/dz, squared error", Col("dm_mse"))),
            warning("Confidently wrong: the model gives the wrong class ",
                    Col("wrong_by"), ". Log loss pushes back ", Col("ratio"),
                    " times harder than squared error, whose gradient has almost "
                    "vanished.", when="wrong"),
            caption("In the shaded region of the gradient chart the model is "
                    "confidently wrong. At your z = ", Col("z"), " log loss's "
                    "gradient is ", Col("glog"), " (almost the full push of 1), "
                    "squared error's is ", Col("gmse"), ": it vanishes exactly where "
                    "learning is needed most.", when="wrong"),
            caption("At your z = ", Col("z"), " log loss's gradient is ", Col("glog"),
                    ", squared error's ", Col("gmse"), ". Move the point into the "
                    "shaded region of the gradient chart (confidently wrong) and "
                    "watch squared error's gradient vanish while log loss's stays "
                    "near the full push of 1.", unless="wrong"),
        ],
        "overlays": {
            "lf_curves": marks(curve_points(
                Col("pv" if axis == "p" else "zv"), label,
                {loss: Col(f"loss_{loss}") for loss in ("log", "mse")})),
            "lf_gradient": marks(gradient_points(
                zv, {loss: Col(f"grad_{loss}") for loss in ("log", "mse")})),
        },
    }


def curve_points(x: float, label: int, losses: dict[str, float]) -> list[Point]:
    """The movable point on the loss curves (over ``label``'s panel), one marker
    per loss, drawn over the cached figure by ``ui.chart_overlay``."""
    xaxis, yaxis = curve_axes(label)
    return [Point(x, losses[loss], colour, xaxis, yaxis)
            for loss, colour in (("log", LOG), ("mse", MSE))]


def gradient_points(z: float, grads: dict[str, float]) -> list[Point]:
    """The movable point on the gradient figure, one marker per loss."""
    return [Point(z, grads[loss], colour) for loss, colour in (("log", LOG),
                                                              ("mse", MSE))]


def _padded(lo: float, hi: float, *, zero: bool = False) -> tuple[float, float]:
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad = 0.05 * (hi - lo) if hi > lo else 0.5 * max(abs(lo), 1e-12)
    return lo - pad, hi + pad


def slice_ranges(J: dict[str, np.ndarray], step: float):
    """Fixed y ranges of the slice figure for every slice of the grid: per loss,
    the lowest to the highest J and second difference over all rows (with zero
    among the second differences), padded by 5%."""
    ranges = {}
    for loss, costs in J.items():
        second = core.surface.second_differences(costs, step)
        ranges[loss] = (_padded(float(costs.min()), float(costs.max())),
                        _padded(float(second.min()), float(second.max()), zero=True))
    return ranges


def contour_figure(a, c, J, down, minima, *, a_title: str, c_title: str,
                   log_z: bool, shared: bool) -> go.Figure:
    """The contour pair of this grid: its frame built once per titles, ``log_z``
    and which panels have a downward edge (a dict, in the session unless
    ``shared``), given this grid's data, so a new range does not rebuild it."""
    edges = contour_edges(down)
    frame = memo("cs.contour_frame", (a_title, c_title, log_z, edges),
                 lambda: make_contour_pair_frame(a_title=a_title, c_title=c_title,
                                                 log_z=log_z, edges=edges).to_dict(),
                 shared=shared)
    return go.Figure(with_contour_data(frame, a, c, J, down, minima, log_z=log_z),
                     _validate=False)


def slice_frame(a, ranges, a_title: str, *, shared: bool) -> go.Figure:
    """The slice figure's frame for the grid ``a`` with ``ranges``
    (:func:`slice_ranges`): its structure is built once per axis title (kept as a
    dict, in the session unless ``shared``) and given this grid's ranges, so a
    new w range does not rebuild it."""
    spec = memo("cs.slice_frame", a_title,
                lambda: make_slice_figure(a, ranges, a_title=a_title).to_dict(),
                shared=shared)
    return go.Figure(with_slice_ranges(spec, a, ranges), _validate=False)


SLICE_STEP = 0.01  # the slice slider's step (a share of the second parameter's range)


def slice_readout(a, c, J: dict[str, np.ndarray], *, a_name: str,
                  c_name: str) -> dict:
    """The slice's readout (:func:`ui.readout.readout`'s arguments but the key and
    the slider's) for every position of the slice slider: its heading and counts,
    its line on the contours, and on the slice figure per loss the cost along
    ``a``, its second differences (dotted), and in red where they bend downward
    (``core.surface``), each a packed path within the figure's fixed ranges.
    ``a_name`` and ``c_name`` are shown as plain text."""
    values = np.round(np.linspace(0.0, 1.0, round(1 / SLICE_STEP) + 1), 10)
    rows = np.array([round(v * (len(c) - 1)) for v in values])  # as the page did
    step = float(a[1] - a[0]) if len(a) > 1 else 1.0
    ranges = slice_ranges(J, step)
    columns: dict = {"c": [f"{c[r]:.3g}" for r in rows], "cv": c[rows]}
    paths = []
    for loss, colour, _ in SLICE_ORDER:
        (cost_x, cost_y), (d2_x, d2_y) = SLICE_AXES[loss]
        costs = J[loss][rows]
        second = core.surface.second_differences(costs, step)
        bends = np.array([core.surface.bends_down(r) for r in second])
        columns[f"neg_{loss}"] = bends.sum(axis=1).tolist()
        columns[f"cost_{loss}"] = Packed(costs, *ranges[loss][0])
        columns[f"d2_{loss}"] = Packed(second, *ranges[loss][1])
        columns[f"bend_{loss}"] = Flags(bends)
        inner = a[1:-1]
        paths += [
            Path(a, Col(f"cost_{loss}"), colour, cost_x, cost_y, width=3),
            Path(inner, Col(f"d2_{loss}"), colour, d2_x, d2_y, width=2, dash="dot"),
            Path(inner, Col(f"d2_{loss}"), CONCAVE_COLOUR, d2_x, d2_y, width=6,
                 where=Col(f"bend_{loss}")),
        ]
    return {
        "rows": table(values, columns),
        "blocks": [
            heading(f"A slice along {a_name} at {c_name} = ", Col("c")),
            caption("Second differences below zero mean the slice bends downward: ",
                    Col("neg_mse"), f" of {len(a) - 2} points for MSE, ",
                    Col("neg_log"), " for log loss. A convex function never bends "
                    "downward along any line. The axes span the whole grid, so one "
                    "slice compares with the next as you move."),
        ],
        "overlays": {
            "cs_contours": marks(lines=[Line(y=Col("cv"), xaxis=x, yaxis=y)
                                        for x, y in (("x", "y"), ("x2", "y2"))]),
            "cs_slice": marks(paths=paths),
        },
    }


def stability_figure(label: int, log_x: bool, wrong_side: bool):
    """The stability figure, built once per server for each view (it only depends on
    these three choices; building a Plotly figure costs more than its numbers)."""
    def build():
        z, routes = stability(label, log_x, wrong_side)
        return make_stability_figure(z, routes, label=label, log_x=log_x)

    return cached_chart("lf.stability_figure", (label, log_x, wrong_side), build,
                        shared=True)


@st.cache_data(show_spinner=False, max_entries=8)
def stability_rows(label: int) -> pd.DataFrame:
    table = core.stability.stability_table(label, TABLE_Z)

    def show(values):
        return [_fmt(v) for v in values]

    return pd.DataFrame(
        {
            "z": [f"{z:g}" for z in table.z],
            "naive, float32": show(table.naive32),
            "naive, float64": show(table.naive64),
            "logits space, float64": show(table.logits64),
            "exact (50 digits)": show(table.exact),
            "naive float64 relative error": _errors(table, table.naive64),
            "logits-space relative error": _errors(table, table.logits64),
        }
    )


def _errors(table, route) -> list[str]:
    return [
        "inf/nan" if np.isinf(e) else ("0" if e == 0 else f"{e:.1e}")
        for e in table.relative_error(route)
    ]


def _fmt(value: float) -> str:
    if np.isnan(value):
        return "nan"
    if np.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.9g}"
