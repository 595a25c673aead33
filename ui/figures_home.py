"""The picture on Home: what one prediction costs under each loss."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import plotly.graph_objects as go

from core.losses import log_loss, sigmoid, squared_loss
from ui.style import LOG, MSE, apply_style

HOME_FIGURE_HEIGHT = 280
HOME_FIGURE_TITLE = "The price of one prediction with y = 1"


@lru_cache(maxsize=1)
def make_home_figure() -> go.Figure:
    """Log loss and squared error of one example with y = 1, against the predicted
    probability p (from logits, so p reaches 0.001 without a log of 0)."""
    z = np.linspace(-6.9, 6.9, 241)
    p = sigmoid(z)
    y = np.ones_like(z)
    fig = go.Figure([
        go.Scatter(x=p, y=log_loss(y, z), name="log loss, -log p",
                   line={"color": LOG, "width": 3}),
        go.Scatter(x=p, y=squared_loss(y, z), name="squared error, (1 - p)²",
                   line={"color": MSE, "width": 3, "dash": "dash"}),
    ])
    fig.add_annotation(x=0.03, y=float(log_loss(np.ones(1), np.array([-3.5]))[0]),
                       text="confident and wrong:<br>no limit",
                       showarrow=True, ax=50, ay=-10, xanchor="left")
    fig = apply_style(fig, x_title="predicted probability p", y_title="loss",
                       height=HOME_FIGURE_HEIGHT)
    # Legend above the plot and the title on the page (both wrap in a narrow
    # column, where a Plotly title would be cut), so the plot keeps its width.
    fig.update_layout(margin={"l": 50, "r": 10, "t": 50, "b": 50},
                      legend={"orientation": "h", "x": 0, "y": 1.02,
                              "yanchor": "bottom"})
    return fig
