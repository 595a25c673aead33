"""The Threshold page on a PostgreSQL table, in a real browser: the server gets the
database through ``LOSSLAB_DATABASE_URL`` (the alternative to secrets.toml), the
page lists the tables, aggregates one in the database and answers."""

from __future__ import annotations

import os

import numpy as np
import pytest
from conftest import (
    ARTIFACTS,
    assert_no_exception,
    open_page,
    serve,
    wait_for_app_run,
)
from playwright.sync_api import expect
from postgres import load_scored, pg_bin, postgres_server

import core
from core.aggregate import Aggregate
from core.scored import ScoredRows, split_scored
from core.thresholds import expected_cost
from ui.warehouse import DATABASE_ENV


def _rows(n=20_000):
    rng = np.random.default_rng(3)
    y = (rng.random(n) < 0.2).astype(int)
    s = np.round(1 / (1 + np.exp(-(2.2 * y - 1.6 + rng.normal(0, 1, n)))), 3)
    return y, s


def _expected_optimum(y, s) -> float:
    """What the page computes from the database's aggregate, done in memory."""
    uniq, inv = np.unique(s, return_inverse=True)
    pos = np.bincount(inv, weights=(y == 1) * 1.0)
    neg = np.bincount(inv, weights=(y == 0) * 1.0)
    agg = Aggregate(uniq, pos, neg, np.bincount(inv))
    val, _ = split_scored(ScoredRows(*agg.to_rows()))
    sweep = core.threshold_sweep(val.y_true, val.scores, val.sample_weight)
    ec = expected_cost(sweep, core.CostMatrix(tp=0, fp=10, fn=30, tn=0))
    return float(sweep.thresholds[int(np.argmin(ec))])


@pytest.fixture(scope="module")
def pg_app():
    if pg_bin() is None:
        pytest.fail("PostgreSQL is not installed: apt-get install -y postgresql "
                    "(or make test, which installs it).")
    y, s = _rows()
    with postgres_server() as url:
        load_scored(url, "campaign_scores", y, s)
        old = os.environ.get(DATABASE_ENV)
        os.environ[DATABASE_ENV] = url  # the server process inherits it
        try:
            with serve("app.py") as base_url:
                yield base_url, _expected_optimum(y, s)
        finally:
            if old is None:
                os.environ.pop(DATABASE_ENV, None)
            else:
                os.environ[DATABASE_ENV] = old


@pytest.mark.browser
def test_choose_a_postgres_table_and_the_page_answers(pg_app, page):
    base_url, optimum = pg_app
    open_page(page, f"{base_url}/threshold")
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_test_id("stExpander").filter(
        has_text="Scores, currency and production base rate").locator("summary").click()
    wait_for_app_run(page)
    main.get_by_text("Your database or the server's data folder").click()
    wait_for_app_run(page)
    expect(main.get_by_role("combobox", name="Table or view")).to_have_value(
        "campaign_scores (table)")
    main.get_by_role("button", name="Aggregate").click()
    expect(main.get_by_text("Aggregated 20,000 rows")).to_be_visible(timeout=60_000)
    wait_for_app_run(page)
    assert_no_exception(page)
    metric = main.get_by_test_id("stMetric").filter(has_text="Cost-optimal threshold")
    expect(metric).to_contain_text(f"{optimum:.4g}")
    expect(main.get_by_text("Scores: campaign_scores")).to_be_visible()
    main.get_by_text("The SQL that ran").click()
    code = main.get_by_test_id("stCode")
    expect(code).to_contain_text('FROM "campaign_scores"')
    assert "losslab@" not in page.content()  # the URL is never shown
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / "threshold_postgres.png", full_page=True)
