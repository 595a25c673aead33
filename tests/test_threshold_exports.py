"""The Threshold page's decision exports read back: the CSV against the sweeps,
the HTML report for its recommendation, interval and cost matrix, and the memo as
plain text (what the page previews is what it downloads)."""

import io
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

import core
from core.bootstrap import bootstrap_saving
from core.thresholds import recommend
from ui.exports import (
    DecisionFacts,
    content_sha256,
    decision_csv,
    decision_memo_text,
    decision_report_html,
)
from ui.figures_threshold import make_decision_figure


def _facts(currency="$", tp=0.0, fp=10.0, fn=30.0, tn=0.0, weights=False):
    rng = np.random.default_rng(2)
    n = 600
    y = (rng.random(n) < 0.3).astype(float)
    s = np.round(1 / (1 + np.exp(-(2 * y - 1 + rng.normal(0, 1, n)))), 3)
    w = rng.integers(1, 4, n).astype(float) if weights else None
    half = rng.random(n) < 0.5
    val = core.threshold_sweep(y[half], s[half], None if w is None else w[half])
    test = core.threshold_sweep(y[~half], s[~half], None if w is None else w[~half])
    cost = core.CostMatrix(tp=tp, fp=fp, fn=fn, tn=tn)
    rec = recommend(val, test, cost, 0.5)
    band = bootstrap_saving(test, cost, rec.threshold, 0.5, n_boot=500)
    facts = DecisionFacts(
        made="2026-11-30 15:00 UTC", source="=cmd|' /C calc'!A0 <b>x</b>",
        file_name="scores $x$.csv", n_rows=n, n_cases=float(n),
        positives=float(y.sum()), content_sha256=content_sha256(y, s, w),
        base_rate="30.0%, as in the data", weights="", cost=cost, currency=currency,
        per=1000, digits=4, threshold=0.4, recommendation=rec, saving_band=band,
        default_threshold=0.5, split=True)
    return facts, val, test


def test_the_csv_reads_back_as_the_sweeps_of_both_halves():
    facts, val, test = _facts(currency="=EUR", tp=-5.0, weights=True)
    raw = decision_csv(facts, {"validation": val, "held-out": test}).decode()
    head = [line for line in raw.splitlines() if line.startswith("#")]
    assert any("currency: '=EUR" in h for h in head)  # neutralised
    assert any("TP -5; FP 10; FN 30; TN 0" in h for h in head)
    assert any("per 1000 cases" in h for h in head)
    assert any(facts.content_sha256 in h for h in head)
    table = pd.read_csv(io.StringIO(raw), comment="#", dtype={"threshold": str})
    assert "inf" not in " ".join(table["threshold"])
    for half, sweep in (("validation", val), ("held-out", test)):
        part = table[table["half"] == half]
        assert len(part) == len(sweep.thresholds) - 1
        np.testing.assert_allclose(part["threshold"].astype(float),
                                   sweep.thresholds[1:], rtol=5e-4)
        for k in ("tp", "fp", "fn", "tn"):
            assert part[k].dtype.kind == "i"  # whole counts, no "0.0"
            np.testing.assert_array_equal(part[k], getattr(sweep, k)[1:])
        cost = core.expected_cost(sweep, facts.cost)[1:] * 1000
        np.testing.assert_allclose(part["expected_cost_per_1000"], cost, atol=1e-6)
    cells = [c.strip('"') for line in raw.splitlines() for c in line.split(",")]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert "=cmd" in raw  # the text is kept, inside a "#" line


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.cells, self._at, self.scripts = {}, {}, None, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._at = a.get("id") or (("cell", a["data-cell"]) if "data-cell" in a
                                   else None)
        if tag == "script":
            self.scripts += 1
            assert "src" not in a  # nothing fetched: it opens offline

    def handle_data(self, data):
        if isinstance(self._at, tuple):
            self.cells[self._at[1]] = data
        elif self._at:
            self.ids[self._at] = self.ids.get(self._at, "") + data

    def handle_endtag(self, tag):
        self._at = None


def test_the_html_report_is_self_contained_and_says_the_decision():
    facts, val, _ = _facts(tp=-5.0, fp=12.5)
    r = core.rates(val)
    fig = make_decision_figure(val.thresholds, r["precision"], r["recall"], r["f1"],
                               core.expected_cost(val, facts.cost) * 1000,
                               recommended=facts.recommendation.threshold,
                               current=0.4)
    page = decision_report_html(facts, {"validation": core.metrics_at(val, 0.4)},
                                fig)
    parsed = _Cells()
    parsed.feed(page)
    assert parsed.scripts >= 1 and "plotly" in page.lower()
    assert len(page) > 1_000_000  # Plotly's JavaScript is inlined
    assert {k: float(v) for k, v in parsed.cells.items()} == {
        "tp": -5.0, "fn": 30.0, "fp": 12.5, "tn": 0.0}
    lo, hi = facts.saving_band
    assert float(parsed.ids["interval-low"]) == pytest.approx(lo * 1000, rel=1e-5)
    assert float(parsed.ids["interval-high"]) == pytest.approx(hi * 1000, rel=1e-5)
    rec = parsed.ids["recommendation"]
    assert facts.t(facts.recommendation.threshold) in rec
    assert parsed.ids["sha256"] == facts.content_sha256
    assert int(parsed.ids["rows"]) == facts.n_rows
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_the_memo_reads_as_plain_text():
    facts, val, test = _facts()
    memo = decision_memo_text(facts, {"validation": core.metrics_at(val, 0.4),
                                      "held-out": core.metrics_at(test, 0.4)})
    assert "\\$" not in memo and "\\" not in memo
    assert "2026-11-30 15:00 UTC" in memo
    assert "scores $x$.csv" in memo and facts.content_sha256 in memo
    assert "| actual positive | TP $0.00" in memo
    assert "90% bootstrap interval" in memo or "costs more on the held-out" in memo
    assert "## At threshold 0.4" in memo
    assert "Held-out check" in memo


def test_the_page_previews_exactly_the_memo_it_downloads():
    at = AppTest.from_file(APP_PATH, default_timeout=60).run()
    at.switch_page("pages/threshold.py").run()
    at.text_input(key="thr.number").input("0.37").run()
    at.button_group(key="thr.view").set_value("export").run()
    assert not at.exception
    preview = at.code[0].value
    assert "## At threshold 0.37" in preview
    assert re.search(r"Made \d{4}-\d\d-\d\d \d\d:\d\d UTC", preview)
    assert "\\" not in preview


def test_every_export_is_made_on_the_click_not_on_every_run():
    """A file registered on every run is dropped by the next; a browser still
    drawing the last run then asks for a file already gone (a 404 under load).
    Deferred files (data as a callable) are made when clicked."""
    at = AppTest.from_file(APP_PATH, default_timeout=60).run()
    at.switch_page("pages/threshold.py").run()
    at.button_group(key="thr.view").set_value("export").run()
    buttons = at.get("download_button")
    assert len(buttons) == 3
    for button in buttons:
        assert button.proto.deferred_file_id and not button.proto.url
