"""Cost surfaces: J(w, b) under squared error and under log loss, side by side."""

import numpy as np
import streamlit as st

from core import slices
from core.fitting import stratified_subsample
from ui.advice import optimum_method
from ui.chart import chart
from ui.figures_loss import surface_pair_data
from ui.format import for_chart, plain, short
from ui.frame import require_frame
from ui.loss_views import (
    SLICE_STEP,
    cached_chart,
    contour_figure,
    slice_frame,
    slice_ranges,
    slice_readout,
)
from ui.memo import digest, memo
from ui.models import CostSurfacesState as State
from ui.presentation import presenting
from ui.readout import readout
from ui.sidebar import chosen_data
from ui.state import bind, current, ignore, on_page, update, widget_key
from ui.surface_chart import surface_chart

require_frame()  # before any element: the page must run inside app.py
present = presenting()
on_page(State)

RANGE_FACTOR = 5  # the range sliders reach this many default half-widths
# Grid cells x rows of both surfaces and their curvature at most (one pass of
# core.surface.landscape_grid: 8-11 ns each here, bench/bench_surfaces.py, so
# about a second); above it they are computed from a seeded subsample of the
# rows, and the page says so.
SURFACE_BUDGET = 120_000_000
VIEW_OF = "cs.view_of"  # the data and parameters the ranges in the model belong to


st.title("Cost surfaces")
data = chosen_data()
dataset = data.dataset
X, y = dataset.X, dataset.y
n, d = X.shape
if not present:
    st.markdown(
        f"The cost J is the average loss over all **{n}** examples of "
        f"*{plain(dataset.name)}*, seen as a landscape over the model's parameters. "
        "Gradient descent walks downhill on it. Left: squared error of the sigmoid "
        "output. Right: log loss. Same data, same grid."
    )

with st.spinner("Fitting the optimum..."):
    optimum = memo("cs.optimum", data.key, lambda: slices.fitted_optimum(X, y),
                   shared=data.shared)
w_opt, b_opt = optimum.w, optimum.b
names = slices.parameter_names(dataset.feature_names)
view = current(State)
before = st.session_state.get(VIEW_OF)  # None in a new session: the link's view
if before is not None and before[0] != data.key:  # other data: their own view
    view = update(State, first=None, second=None, a_range=None, c_range=None,
                  resolution=State().resolution, slice_at=State().slice_at)
if max(view.first or 0, view.second or 0) > d:  # a link made for other data
    view = ignore(State, "first", "second")
default_first = int(np.argmax(np.abs(w_opt)))
if d == 1:
    first, second = 0, 1
else:
    pick1, pick2 = st.columns(2)
    choices = range(d + 1)
    first = pick1.selectbox("First parameter (across)", choices,
                            format_func=lambda k: short(names[k]),
                            **bind(State, "first", fallback=default_first))
    second = pick2.selectbox("Second parameter (depth)", choices,
                             format_func=lambda k: short(names[k]),
                             **bind(State, "second", fallback=d))
    if first == second:
        st.error("Choose two different parameters: the surface needs two axes.")
        st.stop()
    st.info(
        f"This dataset has {d} features, so J depends on {d + 1} parameters. The "
        f"surfaces vary **{plain(names[first])}** and **{plain(names[second])}**; "
        f"the other {d - 1} are held at the fitted log-loss optimum "
        f"({optimum_method(optimum)}; with a small L2 penalty, "
        f"{slices.OPTIMUM_L2:g}, so separable data stay finite).",
        icon=":material/info:",
    )
signature = (data.key, first, second)
if before is not None and before != signature:  # other axes: their window
    view = update(State, a_range=None, c_range=None)
st.session_state[VIEW_OF] = signature

a_name, c_name = plain(names[first]), plain(names[second])  # for Markdown
a_title, c_title = for_chart(names[first]), for_chart(names[second])  # for charts
u, v, _ = slices.slice_model(X, w_opt, b_opt, first, second)
opt = np.append(w_opt, b_opt)
(a_lo, a_hi), (c_lo, c_hi) = slices.default_window(u, v, opt[first], opt[second])
a_lim, c_lim = RANGE_FACTOR * a_hi, RANGE_FACTOR * c_hi
for name, limit in (("a_range", a_lim), ("c_range", c_lim)):
    chosen = getattr(view, name)
    if chosen is not None and not -limit <= chosen[0] <= chosen[1] <= limit:
        view = ignore(State, name)  # a link's range beyond these data's sliders


def the_grid() -> None:
    """Everything the ranges, the grid size and the log axis change: a fragment, so
    a change reruns this part only (not the frame, the sidebar and the parameter
    pickers above). The slice below is a fragment within it."""
    controls = st.columns([3, 3, 2, 2])
    a_range = controls[0].slider(f"{a_name} from / to", -a_lim, a_lim, step=a_lim / 500,
                                 **bind(State, "a_range", fallback=(a_lo, a_hi)))
    c_range = controls[1].slider(f"{c_name} from / to", -c_lim, c_lim, step=c_lim / 500,
                                 **bind(State, "c_range", fallback=(c_lo, c_hi)))
    resolution = controls[2].slider("Grid points per side", 11, 201, step=10,
                                    **bind(State, "resolution"))
    log_z = controls[3].toggle("Log J axis", **bind(State, "log_z"),
                               help="Shows the bottom of log loss's valley.")
    if a_range[0] >= a_range[1] or c_range[0] >= c_range[1]:
        st.error("Each range needs two different ends: widen the slider.")
        st.stop()

    args = (X, y, w_opt, b_opt, first, second, tuple(map(float, a_range)),
            tuple(map(float, c_range)), int(resolution))
    key = (data.key, *args[4:])
    rows = min(n, SURFACE_BUDGET // (resolution * resolution))

    def compute() -> tuple[slices.SurfacePair, int]:
        """The surfaces on all rows, or on a seeded stratified subsample of the rows
        the budget allows (and how many rows they used)."""
        if rows >= n:
            return slices.surface_pair(*args), n
        keep = stratified_subsample(y, rows)
        return slices.surface_pair(X[keep], y[keep], *args[2:]), len(keep)

    with st.spinner(f"Computing a {resolution} x {resolution} grid over {rows:,} "
                    "examples..."):
        pair, used = memo("cs.surfaces", key, compute, shared=data.shared)
    a, c, J, minima, down, low = (pair.a, pair.c, pair.J, pair.minima, pair.downward,
                                  pair.lowest)
    min_points = {loss: (m.a, m.c, m.cost) for loss, m in minima.items()}
    height = 430 if present else 480

    def write_j() -> None:
        """J written above its own surface (below them while presenting: the surfaces
        first, on one screen)."""
        left_j, right_j = st.columns(2)
        left_j.latex(r"J_{\mathrm{MSE}}(w, b) = \frac{1}{m}\sum_{i}"
                     r"\big(\sigma(w \cdot x_i + b) - y_i\big)^2")
        right_j.latex(r"\begin{aligned}J_{\log}(w, b) = -\frac{1}{m}\sum_{i}\big[&y_i "
                      r"\log p_i\\ &+ (1 - y_i)\log(1 - p_i)\big]\end{aligned}")

    if not present:
        write_j()
    if used < n:
        st.caption(
            f"Computed from a seeded, stratified subsample of {used:,} of the {n:,} "
            f"examples: a {resolution} x {resolution} grid over all of them would "
            f"take {resolution * resolution * n:,} loss evaluations per loss, over "
            f"this page's budget of {SURFACE_BUDGET:,} (about a second). Fewer grid "
            "points per side use more of the examples.")
    share = {loss: float(down[loss].mean()) for loss in down}
    surface_chart(surface_pair_data(
        a, c, J, down, min_points, a_title=short(names[first]),
        c_title=short(names[second]), log_z=log_z, height=height,
        version=digest(key, log_z, height)), key="cs_surfaces")
    st.markdown(
        f"**What to notice:** the MSE surface (left) has flat plateaus where the "
        f"sigmoid saturates and bends downward (red) over **{share['mse']:.0%}** of "
        f"this grid, so gradient descent can stall or be led astray; log loss (right) "
        f"bends downward **nowhere** ({share['log']:.0%}): one bowl with one minimum."
    )
    if present:
        write_j()
    notes = []
    for loss, label in (("mse", "MSE"), ("log", "Log loss")):
        m = minima[loss]
        text = (f"**{label}**: lowest grid point J = {m.cost:.4g} at {a_name} = "
                f"{m.a:.3g}, {c_name} = {m.c:.3g}; smallest Hessian eigenvalue on the "
                f"grid {low[loss]:.3g}.")
        if m.on_edge:
            text += " It lies on the edge of the grid: the cost keeps falling outside."
        notes.append(text)
    st.markdown("  \n".join(notes))
    if minima["log"].on_edge and d == 1:
        st.caption("These data are separable: log loss keeps falling as the weight "
                   "grows, so its true minimum is at infinity.")

    st.subheader("Contours")
    # the contours and the slice's frame are the same wherever the slice is: drawn
    # once per grid; the slice line and the slice are drawn over them by the
    # slice's readout
    chart(cached_chart(
        "cs.contours_figure", (key, log_z),
        lambda: contour_figure(a, c, J, down, min_points, a_title=a_title,
                               c_title=c_title, log_z=log_z, shared=data.shared),
        shared=data.shared), key="cs_contours")
    st.caption("Contour lines of the cost J" + (" (log10 J)" if log_z else "")
               + ", read off the colour bar beside each panel. Red tint, edged in "
               "red: grid cells where the surface bends downward in some direction (a "
               "negative eigenvalue of the Hessian, computed at each cell).")

    def the_slice() -> None:
        """The slice slider, alone in a fragment: a move reruns nothing else. What
        it shows (the heading, the counts, the line on the contours and the slice)
        is the readout below, which follows the slider in the browser."""
        st.slider(f"Slice at {c_name} (share of its range)", 0.0, 1.0,
                  step=SLICE_STEP, help="Where the 1-D slice below cuts the surfaces.",
                  **bind(State, "slice_at"))

    st.fragment(the_slice)()
    readout("cs_slice_at", slider=widget_key(State, "slice_at"),
            value=current(State).slice_at,
            **memo("cs.slice_readout", key, lambda: slice_readout(  # names: data.key
                a, c, J, a_name=short(names[first]), c_name=short(names[second])),
                shared=data.shared))
    step = float(a[1] - a[0]) if len(a) > 1 else 1.0
    chart(cached_chart(
        "cs.slice_figure", (key, a_title),
        lambda: slice_frame(a, slice_ranges(J, step), a_title, shared=data.shared),
        shared=data.shared), key="cs_slice")


st.fragment(the_grid)()
