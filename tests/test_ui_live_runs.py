"""Wall-clock scheduling of live runs."""

import numpy as np
from test_core_fitting import SETTINGS, _diverging_run, _split_data

from core.fitting import LiveRun
from ui.live_runs import advance_together


def test_advance_together_keeps_runs_on_the_same_epoch():
    X, y, Xv, yv = _split_data(2000)
    runs = [LiveRun(loss, X, y, Xv, yv, dict(SETTINGS, epochs=200), np.array([-4.0]),
                    4.0) for loss in ("log", "mse")]
    assert advance_together(runs, 30, time_budget_s=1e-9) == 1  # budget: one round
    assert advance_together(runs, 30) == 30
    assert [r.epochs_run for r in runs] == [31, 31]
    diverging, _ = _diverging_run()
    assert diverging.done
    pair = [diverging, runs[0]]
    advance_together(pair, 10)
    assert runs[0].epochs_run == 41 and diverging.diverged
