"""The real app in a real browser: the home page loads and renders."""

import pytest
from conftest import ARTIFACTS, assert_no_exception, open_page
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_home_page_renders(app_server, page):
    open_page(page, app_server)

    assert_no_exception(page)
    expect(page).to_have_title("Loss Lab")
    expect(page.get_by_role("heading", name="Loss Lab", level=1)).to_be_visible()
    expect(page.get_by_text("cross-entropy").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "home.png", full_page=True)


PAGES = ("", "loss_functions", "cost_surfaces", "walk", "training", "threshold")


def test_every_page_draws_its_charts_without_plotlys_bundle(app_server, page):
    """static/chart.js draws every chart: no page asks for Plotly's 4.7 MB bundle (its
    evaluation cost a page load as much as the bare app's whole load), each
    page's charts have their traces, axis titles and legends as plain SVG/HTML."""
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    for path in PAGES:
        open_page(page, f"{app_server}/{path}")
        assert_no_exception(page)
        frames = page.get_by_test_id("llChart")
        expect(frames.first).to_be_visible()
        for k in range(frames.count()):
            frame = frames.nth(k)
            if not frame.is_visible():
                continue  # in a closed expander or another tab
            expect(frame.locator("svg.ll-main .ll-trace").first).to_be_attached()
            assert frame.locator(".ll-axis-title").count() >= 1, path
    plotly = [url for url in asked if "plotly" in url.lower()]
    assert not plotly, plotly
