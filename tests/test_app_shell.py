"""The app frame and the shared figure style, without a browser."""

import plotly.graph_objects as go
from conftest import APP_PATH, REPO_ROOT
from streamlit.testing.v1 import AppTest

from ui import style
from ui.style import apply_style


def test_app_runs_and_home_explains_log_loss():
    at = AppTest.from_file(APP_PATH, default_timeout=30).run()

    assert not at.exception
    assert at.title[0].value == "Loss Lab"
    text = " ".join(m.value for m in at.markdown).lower()
    assert "log loss" in text
    assert "cross-entropy" in text


def test_apply_style_sets_titles_legend_and_fonts():
    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 0], name="log loss"))

    styled = apply_style(
        fig, title="Loss", x_title="logit z", y_title="loss", height=420
    )

    assert styled.layout.title.text == "Loss"
    assert styled.layout.xaxis.title.text == "logit z"
    assert styled.layout.yaxis.title.text == "loss"
    assert styled.layout.showlegend is True
    assert styled.layout.height == 420
    assert styled.layout.font.size == style.BASE_FONT_SIZE
    assert styled.layout.template.layout.plot_bgcolor == "white"
    assert list(styled.layout.colorway) == list(style.PALETTE)


def test_apply_style_leaves_input_alone_and_keeps_existing_titles():
    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))
    fig.update_layout(title_text="kept", xaxis_title_text="kept x")

    styled = apply_style(fig, y_title="loss")

    assert styled is not fig
    assert fig.layout.yaxis.title.text is None
    assert fig.layout.showlegend is None
    assert styled.layout.title.text == "kept"
    assert styled.layout.xaxis.title.text == "kept x"


def test_apply_style_titles_3d_scene_axes():
    fig = go.Figure(go.Surface(z=[[1, 2], [3, 4]]))

    styled = apply_style(fig, x_title="w", y_title="b", z_title="J")

    assert styled.layout.scene.xaxis.title.text == "w"
    assert styled.layout.scene.yaxis.title.text == "b"
    assert styled.layout.scene.zaxis.title.text == "J"


def test_palette_is_okabe_ito_with_fixed_meanings():
    assert style.LOG == "#0072B2"
    assert style.MSE == "#D55E00"
    assert len(set(style.PALETTE)) == 8


def test_the_slim_template_looks_like_plotly_white_for_every_trace_the_app_draws():
    import re

    import plotly.io as pio

    white = pio.templates["plotly_white"].to_plotly_json()
    slim = pio.templates[style.TEMPLATE].to_plotly_json()
    assert pio.templates.default == style.TEMPLATE
    # the same cartesian look; only other kinds of subplot dropped
    assert slim["layout"] == {k: v for k, v in white["layout"].items()
                              if k not in ("polar", "ternary", "geo")}
    assert slim["data"] == {k: white["data"][k] for k in style.TRACE_TYPES}
    # every trace type the app builds has its plotly_white defaults
    used = set()
    for path in (REPO_ROOT / "ui").glob("*.py"):
        used |= {name.lower() for name in re.findall(r"go\.([A-Z][a-z]+)\(",
                                                     path.read_text())}
    assert used - {"figure"} <= set(style.TRACE_TYPES), used
