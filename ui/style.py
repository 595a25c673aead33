"""One look for every Loss Lab figure: colour-blind-safe colours and readable text.

Colours are the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008),
which stays distinguishable under the common forms of colour blindness. Log loss is
always blue and MSE always vermillion, on every page, so the two never swap meaning.
"""

import plotly.graph_objects as go
import plotly.io as pio

# Okabe-Ito palette, by its usual names.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"

# Meanings used across the app.
LOG = BLUE  # log loss / binary cross-entropy
MSE = VERMILLION  # squared error on the sigmoid output
POSITIVE = BLUISH_GREEN  # class 1
NEGATIVE = ORANGE  # class 0
THRESHOLD = REDDISH_PURPLE  # the decision threshold marker

# Trace order when a figure does not pick colours itself. Yellow comes last: it is
# hard to read on white.
PALETTE = (
    BLUE,
    VERMILLION,
    BLUISH_GREEN,
    ORANGE,
    REDDISH_PURPLE,
    SKY_BLUE,
    BLACK,
    YELLOW,
)

BASE_FONT_SIZE = 16
FONT_FAMILY = "Source Sans Pro, Helvetica, Arial, sans-serif"

def _slim_white() -> go.layout.Template:
    """Plotly's ``plotly_white`` with only what Loss Lab draws: its layout without
    the polar, ternary and map defaults, its trace defaults only for the trace types
    the app uses. The same look; a third of the size, and validating a template is
    most of what building a figure costs in Python (about 10 ms per copy for the
    full one, 3 ms for this one)."""
    white = pio.templates["plotly_white"].to_plotly_json()
    layout = {key: value for key, value in white["layout"].items()
              if key not in ("polar", "ternary", "geo")}
    data = {kind: white["data"][kind] for kind in TRACE_TYPES}
    return go.layout.Template(layout=layout, data=data)


TRACE_TYPES = ("scatter", "contour", "heatmap", "histogram")  # all the app draws
TEMPLATE = "losslab_white"
pio.templates[TEMPLATE] = _slim_white()
# also the default, so the figures make_subplots starts are not first given the
# full "plotly" template, validated and then replaced
pio.templates.default = TEMPLATE

_SCENE_TRACE_TYPES = {"surface", "scatter3d", "mesh3d", "cone", "isosurface", "volume"}


def apply_style(
    fig: go.Figure,
    *,
    title: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    z_title: str | None = None,
    height: int | None = None,
) -> go.Figure:
    """Return a copy of ``fig`` in the Loss Lab style.

    The copy gets the white template, the Okabe-Ito colourway, fonts sized from
    ``BASE_FONT_SIZE`` and a visible legend. Titles and height are set only when
    given, so existing ones survive. Axis titles go to the 2D axes and, when the
    figure has 3D traces, to the 3D scene as well (``z_title`` is for that case).

    ``fig`` itself is left unchanged, so a cached figure can be styled safely.
    """
    styled = go.Figure(fig)
    styled.update_layout(
        template=TEMPLATE,
        colorway=list(PALETTE),
        font={"family": FONT_FAMILY, "size": BASE_FONT_SIZE, "color": BLACK},
        showlegend=True,
        legend={"font": {"size": BASE_FONT_SIZE}},
        hoverlabel={"font": {"size": BASE_FONT_SIZE}},
    )
    styled.update_xaxes(
        title_font={"size": BASE_FONT_SIZE}, tickfont={"size": BASE_FONT_SIZE - 2}
    )
    styled.update_yaxes(
        title_font={"size": BASE_FONT_SIZE}, tickfont={"size": BASE_FONT_SIZE - 2}
    )
    if title is not None:
        styled.update_layout(
            title={"text": title, "font": {"size": BASE_FONT_SIZE + 4}}
        )
    if x_title is not None:
        styled.update_xaxes(title_text=x_title)
    if y_title is not None:
        styled.update_yaxes(title_text=y_title)
    if any(trace.type in _SCENE_TRACE_TYPES for trace in styled.data):
        scene_titles = {"xaxis": x_title, "yaxis": y_title, "zaxis": z_title}
        styled.update_scenes(
            {
                axis: {"title": {"text": text}}
                for axis, text in scene_titles.items()
                if text is not None
            }
        )
    if height is not None:
        styled.update_layout(height=height)
    return styled
