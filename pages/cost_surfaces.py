"""Cost surfaces: J(w, b) under squared error and under log loss, side by side."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import streamlit as st

import core
from core import slices, surface
from ui.figures_loss import (
    make_contour_pair_figure,
    make_slice_figure,
    make_surface_pair_figure,
)
from ui.frame import require_frame
from ui.sidebar import current_dataset, keep_values, kept

require_frame()  # before any element: the page must run inside app.py

RANGE_FACTOR = 5  # the range sliders reach this many default half-widths
DEFAULT_RESOLUTION = 101
# Grid cells x samples (both losses) above which the page says it will take a
# moment and draws the surfaces before their colouring.
SLOW_ELEMENTS = 20_000_000
VIEW = "cost_surfaces_view"  # the scope of the kept grid controls


LOSSES = ("mse", "log")


def both(compute):
    """``compute(loss)`` for both losses at once, one thread each: NumPy releases the
    GIL in its loops, so the two surfaces take the time of one on two cores."""
    with ThreadPoolExecutor(len(LOSSES)) as pool:
        return list(pool.map(compute, LOSSES))


@st.cache_data(show_spinner=False, max_entries=32)
def optimum(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    return slices.fitted_optimum(X, y)


@st.cache_data(show_spinner=False, max_entries=16)
def surfaces(X: np.ndarray, y: np.ndarray, w_opt: np.ndarray, b_opt: float,
             first: int, second: int, a_range: tuple[float, float],
             c_range: tuple[float, float], resolution: int):
    """Both surfaces on the grid and their grid minima."""
    a = np.linspace(*a_range, resolution)
    c = np.linspace(*c_range, resolution)
    u, v, offset = slices.slice_model(X, w_opt, b_opt, first, second)
    one_feature = X.shape[1] == 1 and (first, second) == (0, 1)

    def grid(loss):
        if one_feature:  # z = w x + b: the core's optimised surface
            return core.cost_surface(X[:, 0], y, a, c, loss)
        return surface.cost_grid(u, v, offset, y, a, c, loss)

    J = dict(zip(LOSSES, both(grid), strict=True))
    minima = {loss: surface.grid_minimum(J[loss], a, c) for loss in LOSSES}
    return a, c, J, minima


@st.cache_data(show_spinner=False, max_entries=16)
def bending(X: np.ndarray, y: np.ndarray, w_opt: np.ndarray, b_opt: float,
            first: int, second: int, a_range: tuple[float, float],
            c_range: tuple[float, float], resolution: int):
    """Where each surface bends downward, and its smallest Hessian eigenvalue."""
    a = np.linspace(*a_range, resolution)
    c = np.linspace(*c_range, resolution)
    u, v, offset = slices.slice_model(X, w_opt, b_opt, first, second)

    def curvature(loss):
        return surface.curvature_grid(u, v, offset, y, a, c, loss)

    curvatures = dict(zip(LOSSES, both(curvature), strict=True))
    down = {loss: k.downward() for loss, k in curvatures.items()}
    low = {loss: float(k.low.min()) for loss, k in curvatures.items()}
    return down, low


st.title("Cost surfaces")
dataset = current_dataset()
X, y = dataset.X, dataset.y
n, d = X.shape
st.markdown(
    f"The cost J is the average loss over all **{n}** examples of "
    f"*{dataset.name}*, seen as a landscape over the model's parameters. Gradient "
    "descent walks downhill on it. Left: squared error of the sigmoid output. "
    "Right: log loss. Same data, same grid."
)

with st.spinner("Fitting the optimum..."):
    w_opt, b_opt = optimum(X, y)
names = slices.parameter_names(dataset.feature_names)

if d == 1:
    first, second = 0, 1
else:
    keep_values(
        {"cs_first": int(np.argmax(np.abs(w_opt))), "cs_second": d},
        "cost_surfaces_parameters", (dataset.name, dataset.description, n, d),
    )
    pick1, pick2 = st.columns(2)
    first = pick1.selectbox(
        "First parameter (across)", range(d + 1), format_func=lambda k: names[k],
        **kept("cost_surfaces_parameters", "cs_first"),
    )
    second = pick2.selectbox(
        "Second parameter (depth)", range(d + 1), format_func=lambda k: names[k],
        **kept("cost_surfaces_parameters", "cs_second"),
    )
    if first == second:
        st.error("Choose two different parameters: the surface needs two axes.")
        st.stop()
    held = d + 1 - 2
    st.info(
        f"This dataset has {d} features, so J depends on {d + 1} parameters. The "
        f"surfaces vary **{names[first]}** and **{names[second]}**; the other "
        f"{held} are held at the fitted log-loss optimum (Newton's method with a "
        f"small L2 penalty, {slices.OPTIMUM_L2:g}, so separable data stay finite).",
        icon=":material/info:",
    )

a_name, c_name = names[first], names[second]
u, v, _ = slices.slice_model(X, w_opt, b_opt, first, second)
opt = np.append(w_opt, b_opt)
(a_lo, a_hi), (c_lo, c_hi) = slices.default_window(u, v, opt[first], opt[second])
a_lim, c_lim = RANGE_FACTOR * a_hi, RANGE_FACTOR * c_hi
keep_values(
    {"cs_a_range": (a_lo, a_hi), "cs_c_range": (c_lo, c_hi),
     "cs_res": DEFAULT_RESOLUTION, "cs_slice_frac": 0.5},
    VIEW, (dataset.name, dataset.description, n, d, first, second),
)
keep_values({"cs_log_z": False}, "cost_surfaces_axis")

controls = st.columns([3, 3, 2, 2])
a_range = controls[0].slider(f"{a_name} from / to", -a_lim, a_lim,
                             step=a_lim / 500, **kept(VIEW, "cs_a_range"))
c_range = controls[1].slider(f"{c_name} from / to", -c_lim, c_lim,
                             step=c_lim / 500, **kept(VIEW, "cs_c_range"))
resolution = controls[2].slider("Grid points per side", 11, 201, step=10,
                                **kept(VIEW, "cs_res"))
log_z = controls[3].toggle("Log-scale cost axis",
                           help="Shows the bottom of log loss's valley.",
                           **kept("cost_surfaces_axis", "cs_log_z"))
if a_range[0] >= a_range[1] or c_range[0] >= c_range[1]:
    st.error("Each range needs two different ends: widen the slider.")
    st.stop()

args = (X, y, w_opt, b_opt, first, second, tuple(map(float, a_range)),
        tuple(map(float, c_range)), int(resolution))
slow = resolution * resolution * n * 2 > SLOW_ELEMENTS
with st.spinner(f"Computing a {resolution} x {resolution} grid over {n:,} examples..."
                if slow else "Computing the surfaces..."):
    a, c, J, minima = surfaces(*args)
min_points = {loss: (m.a, m.c, m.cost) for loss, m in minima.items()}
notice, chart = st.empty(), st.empty()
# On big requests the surfaces show first and the colouring follows: the Hessian
# costs about as much again as the surfaces themselves.
token = (dataset.name, dataset.description, *args[4:])
drawn = st.session_state.setdefault("_cs_bending_done", set())
if slow and token not in drawn:
    no_bending = {loss: np.zeros(J[loss].shape, dtype=bool) for loss in J}
    notice.info("Surfaces ready; now finding where each one bends downward...",
                icon=":material/hourglass_top:")
    chart.plotly_chart(
        make_surface_pair_figure(a, c, J, no_bending, min_points, a_title=a_name,
                                 c_title=c_name, log_z=log_z),
        key="cs_surfaces_preview",
    )
with st.spinner("Finding where each surface bends downward..."):
    down, low = bending(*args)
drawn.add(token)

share = {loss: float(down[loss].mean()) for loss in down}
notice.markdown(
    f"**What to notice:** the MSE surface (left) has flat plateaus where the "
    f"sigmoid saturates and bends downward (red) over **{share['mse']:.0%}** of "
    f"this grid, so gradient descent can stall or be led astray; log loss (right) "
    f"bends downward **nowhere** ({share['log']:.0%}): one bowl with one minimum."
)
chart.plotly_chart(
    make_surface_pair_figure(a, c, J, down, min_points, a_title=a_name,
                             c_title=c_name, log_z=log_z),
    key="cs_surfaces",
)
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
slice_frac = st.slider(
    f"Slice at {c_name} (share of its range)", 0.0, 1.0, **kept(VIEW, "cs_slice_frac"),
    step=0.01, help="Where the 1-D slice below cuts the surfaces.",
)
row = round(slice_frac * (len(c) - 1))
st.plotly_chart(
    make_contour_pair_figure(a, c, J, down, min_points, a_title=a_name,
                             c_title=c_name, log_z=log_z, slice_at=float(c[row])),
    key="cs_contours",
)
st.caption("Red tint: grid cells where the surface bends downward in some "
           "direction (a negative eigenvalue of the Hessian, computed at each cell).")

st.subheader(f"A slice along {a_name} at {c_name} = {c[row]:.3g}")
step = float(a[1] - a[0]) if len(a) > 1 else 1.0
costs = {loss: J[loss][row] for loss in J}
second_diff = {loss: surface.second_differences(costs[loss], step) for loss in J}
bends = {loss: surface.bends_down(second_diff[loss]) for loss in J}
st.plotly_chart(
    make_slice_figure(a, costs, second_diff, bends, a_title=a_name,
                      slice_label=f"{c_name} = {c[row]:.3g}"),
    key="cs_slice",
)
negative = {loss: int(bends[loss].sum()) for loss in J}
st.caption(
    f"Second differences below zero mean the slice bends downward: "
    f"{negative['mse']} of {len(a) - 2} points for MSE, {negative['log']} for log "
    "loss. A convex function never bends downward along any line."
)
