"""A page of hand-made live-chart data at the edges (served by a browser test).

Each case mounts ``ui.live_chart.live_chart`` with data the Training page could
send in a corner: flat lines a rounding error apart, huge values, a single epoch,
no lines at all, a boundary with no segments, a finished (not running) chart.
"""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ui.live_chart import live_chart

PANELS = [{"title": t, "y_name": y, "y_min": None, "y_max": None, "notes": []}
          for t, y in (("Cost per epoch", "cost J"), ("Accuracy", "accuracy"),
                       ("Gradient norm", "log10 ||gradient||"))]


def case(lines, *, hlines=(), last=1.0, x_max=10.0, running=True, **extra):
    return {"run": "r", "static_key": "s", "start": 0.0, "last": last,
            "running": running, "reveal_s": 0.25, "height": 330, "x_max": x_max,
            "panels": PANELS, "lines": lines, "hlines": list(hlines), "marks": [],
            "legend": [{"name": "a line", "colour": "#0072B2"}], "alt": "case",
            "paths": None, "boundary": None, **extra}


def line(panel, x, y):
    return {"panel": panel, "colour": "#0072B2", "dashed": False, "x": x, "y": y}


CASES = {
    "flat, a rounding error from its reference": case(
        [line(0, [0, 1], [0.3, 0.3])],
        hlines=[{"panel": 0, "y": 0.30000000000000004, "colour": "#000000"}]),
    "huge and constant": case([line(0, [0, 1], [3e15, 3e15]),
                               line(2, [0, 1], [1e300, -1e300])]),
    "one epoch": case([line(0, [0], [0.69])], last=0.0, x_max=1.0),
    "no lines": case([], last=0.0),
    "finished": case([line(0, [0, 5, 10], [0.7, 0.4, 0.35])], last=10.0,
                     running=False),
    "boundary with no segments": case(
        [line(0, [0, 1], [0.7, 0.6])],
        boundary={"title": "Decision boundary over the data", "height": 300,
                  "x_name": "x1", "y_name": "x2", "x_range": [2.0, 2.0],
                  "y_range": [-1.0, 1.0],
                  "points": {"x": [2.0], "y": [0.0], "positive": [True],
                             "validation": [False]},
                  "boundaries": [{"colour": "#0072B2",
                                  "frames": [{"epoch": 0.0, "segments": []}]}],
                  "legend": [], "alt": "boundary"}),
}

for n, (name, data) in enumerate(CASES.items()):
    st.subheader(name)
    live_chart(data, key=f"case_{n}")
