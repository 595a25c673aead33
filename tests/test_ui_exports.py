"""What turns threshold numbers into words and files: formatting, the CSV export and
the decision memo."""

import io
import json

import numpy as np
import pandas as pd

import core
from core.bootstrap import bootstrap_optimum
from core.calibration import calibration_summary
from core.fitting import fit_preprocessor
from core.thresholds import compare_costs, sample_prevalence
from ui.exports import (
    decision_memo,
    export_logits,
    model_export,
    neutralise_cell,
    safe_csv,
    threshold_table,
)
from ui.format import format_threshold, money, plain

COST = core.CostMatrix(tp=-120.0, fp=15.0, fn=40.0, tn=-2.0)


def _data(n=300, seed=0):
    """Scored rows with integer frequency weights (as in test_core_decision)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(float)
    s = 1 / (1 + np.exp(-(1.5 * y - 0.7 + rng.normal(0, 1, n))))
    w = rng.integers(0, 5, n).astype(float) + 1.0
    return y, s, w


def test_money_and_threshold_formatting():
    assert money(-1234.5) == "-$1,234"
    assert money(12.345, "€") == "€12.35"
    assert format_threshold(float("inf")) == "+inf (flag no one)"
    assert format_threshold(0.123456) == "0.1235"
    assert plain("a | *b*\n $5") == "a \\| \\*b\\* \\$5"


def test_safe_csv_neutralises_text_but_keeps_numbers_numeric():
    df = pd.DataFrame({
        "note": ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "plain", "\tx"],
        "cost": [-12.5, 3.0, -0.25, 0.0, 1e6, -7.0],
    })
    out = pd.read_csv(io.BytesIO(safe_csv(df)))
    assert list(out["note"]) == [
        "'=HYPERLINK(\"x\")", "'+1", "'-2+3", "'@SUM(A1)", "plain", "'\tx"
    ]
    assert out["cost"].dtype.kind == "f"
    np.testing.assert_array_equal(out["cost"], df["cost"])
    assert neutralise_cell(-3.0) == -3.0
    header = pd.read_csv(io.BytesIO(safe_csv(pd.DataFrame({"=x": [1]})))).columns
    assert list(header) == ["'=x"]


def test_threshold_table_and_memo():
    y, s, w = _data()
    sweep = core.threshold_sweep(y, s, w)
    cost = COST
    table = threshold_table(sweep, cost)
    assert len(table) == len(sweep.thresholds)
    np.testing.assert_allclose(table["expected_cost_per_case"],
                               core.expected_cost(sweep, cost))
    t = core.best_threshold(sweep, cost)
    comp = compare_costs(sweep, cost, t)
    boot = bootstrap_optimum(sweep, cost, n_boot=50)
    memo = decision_memo(
        data_description="demo | =evil", n_rows=300, n_cases=sweep.total,
        sample_prevalence=sample_prevalence(sweep), deployment_prevalence=0.1,
        cost=cost, currency="€", per=1000, threshold=t, optimum=t,
        bayes=core.bayes_threshold(cost), evaluation="chosen on validation",
        metrics={"validation": core.metrics_at(sweep, t)}, comparison=comp,
        bootstrap=boot,
        calibration=calibration_summary(y, s, w),
    )
    assert memo.startswith("# Decision memo")
    assert f"{t:.4g}" in memo
    assert "demo \\| \\=evil" in memo
    assert "re-weighted" in memo
    saved = comp.saved_vs("default", 1000)
    assert money(saved, "€") in memo


def test_model_export_round_trips_through_json():
    d = core.two_d("circles", n=200, noise=0.2, seed=3)
    pre = fit_preprocessor(d.X, 3, True, d.feature_names)
    X = pre.transform(d.X)
    hist = core.train(X, d.y, optimizer="newton", learning_rate=1.0, epochs=5, l2=0.01)
    export = model_export(hist.w, hist.b, pre, loss="log",
                          settings={"optimizer": "newton"}, metrics={"cost": 1.0})
    loaded = json.loads(json.dumps(export))
    assert loaded["preprocessing"]["polynomial_degree"] == 3
    assert loaded["feature_names"] == list(pre.feature_names)
    assert len(loaded["w"]) == len(loaded["preprocessing"]["mean"]) == 9
    np.testing.assert_allclose(export_logits(loaded, d.X), X @ hist.w + hist.b,
                               rtol=1e-12, atol=1e-12)
