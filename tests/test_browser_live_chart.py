"""The live chart's JavaScript on hand-made data at the edges, in a real browser.

Ranges a rounding error wide once froze the tab (a tick loop that never ended);
every case must draw (the canvas says which epoch it shows) without a page error.
The cases app is served from tests/, and Streamlit serves the static/ folder beside
the app's script: tests/static links to the repo's static/ (the chart modules).
"""

import pytest
from conftest import ARTIFACTS, assert_no_exception, open_page, serve
from live_chart_cases import CASES

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cases_server():
    with serve("tests/live_chart_cases.py") as base_url:
        yield base_url


def test_every_edge_case_draws_without_an_error(cases_server, page):
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.set_viewport_size({"width": 1400, "height": 3600})
    open_page(page, cases_server)
    charts = page.locator("canvas.ll-live-chart[data-shown]")
    charts.nth(len(CASES) - 1).wait_for(timeout=10_000)
    page.wait_for_timeout(500)  # let the reveals finish
    assert charts.count() == len(CASES)
    shown = [charts.nth(i).get_attribute("data-shown") for i in range(len(CASES))]
    assert shown == [str(int(d["last"])) for d in CASES.values()]
    assert errors == []
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "live_chart_cases.png", full_page=True)
