"""Frames painted per second on the Training page while it trains on 10,000 points.

Starts its own ``streamlit run app.py`` on a free port, opens ``/training`` in Debian's
Chromium (Playwright), picks the 1-D data with 10,000 points and 5,000 epochs, presses
Run and counts, for ``WINDOW_S`` seconds, the animation frames in which the cost
chart changed on screen, i.e. updates the user actually saw. While running, the cost
chart and the (w, b) paths are canvases of the live chart
(``static/live_chart.js``), so a change is a change of their pixels (a hash of every
29th byte, read each frame); for
the baseline's Plotly chart it is a change of its line's SVG path ``d``. Then it
presses Pause and times how long the page takes to say "Paused.". It does the same
on 10,000 points of the 2-D moons with polynomial features of degree ``DEGREE``,
where the second canvas moves the decision boundary.

Prints one line:
``training page: N updates/s in the browser on 10,000 points (goal >= 15)``,
followed by the same count for a one-line Plotly chart in a ``run_every=0.05``
fragment, served and measured the same way at the same moment: what this machine
allows right now for a chart that Streamlit redraws on every rerun (the number moves
a lot with the load on a shared box).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from harness import CHROMIUM_ARGS, streamlit_server, write_bare_app
from playwright.sync_api import sync_playwright

WINDOW_S = 4.0
GOAL = 15
DEGREE = 5  # polynomial degree for the 2-D run

# Counts the animation frames in which the cost chart changed on screen, and those
# in which the (w, b) path view changed. While a run is going both are canvases of the
# live chart (static/live_chart.js); a change is a change of its pixels (a hash of every
# 29th byte). For the baseline's Plotly chart it is a change of its line's SVG path.
COUNTER_JS = """
([seconds]) => new Promise((resolve) => {
  const last = {cost: null, path: null}, changes = {cost: 0, path: 0};
  let frames = 0;
  const t0 = performance.now();
  function signature(canvas) {
    if (!canvas || !canvas.width || !canvas.height) return null;
    const bytes = canvas.getContext('2d')
      .getImageData(0, 0, canvas.width, canvas.height).data;
    let h = 0;
    for (let i = 0; i < bytes.length; i += 29) h = (h * 31 + bytes[i]) | 0;
    return h;
  }
  function costSignature() {
    const live = document.querySelector('canvas.ll-live-chart');
    if (live) return signature(live);
    const line = document.querySelector(
      '[data-testid="stPlotlyChart"] .scatterlayer .trace path.js-line');
    return line ? line.getAttribute('d') : null;
  }
  function count(name, value) {
    if (value !== null && value !== last[name]) {
      if (last[name] !== null) changes[name] += 1;
      last[name] = value;
    }
  }
  function tick(now) {
    frames += 1;
    // Query every frame: Streamlit may replace a chart's DOM node on update.
    count('cost', costSignature());
    count('path', signature(document.querySelector('canvas.ll-live-model')));
    if (now - t0 < seconds * 1000) requestAnimationFrame(tick);
    else resolve({changes: changes.cost, path_changes: changes.path, frames,
                  elapsed: (now - t0) / 1000});
  }
  requestAnimationFrame(tick);
})
"""


def _idle(page) -> None:
    page.wait_for_timeout(300)
    app = page.get_by_test_id("stApp")
    app.and_(page.locator('[data-test-script-state="notRunning"]')).wait_for(
        timeout=60_000)


def _press_end(page, label: str) -> None:
    """Move a slider (found by its label) to its maximum with the End key."""
    slider = (page.get_by_test_id("stSlider").filter(has_text=label)
              .get_by_role("slider").first)
    slider.focus()
    slider.press("End")
    _idle(page)


def measure(url: str, dataset: str | None = None) -> dict:
    """Train on 10,000 points of the sidebar's ``dataset`` (by its label; the
    default 1-D data when None), 5,000 epochs, and count the updates."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # Load the app's root first: app.py (st.navigation) then owns the routes.
        for path in ("/", "/training"):
            page.goto(f"{url}{path}")
            page.get_by_test_id("stApp").wait_for(timeout=60_000)
            _idle(page)
        if dataset is not None:
            page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first.click()
            page.get_by_role("option", name=dataset).click()
            _idle(page)
            # a curved boundary that keeps changing shape through the run
            page.get_by_text("More settings:").click()
            degree = (page.get_by_test_id("stSlider")
                      .filter(has_text="Polynomial degree").get_by_role("slider"))
            degree.focus()
            for _ in range(DEGREE - 1):
                degree.press("ArrowRight")
            _idle(page)
        _press_end(page, "Points")
        _press_end(page, "Epochs")
        page.get_by_role("button", name="Run").first.click()
        page.get_by_role("button", name="Pause").wait_for(timeout=30_000)
        page.locator("canvas.ll-live-chart[data-shown]").wait_for(timeout=30_000)
        page.wait_for_timeout(500)  # let the first frames land
        result = page.evaluate(COUNTER_JS, [WINDOW_S])
        result["still_running"] = page.get_by_text("Running…").count() > 0
        # how long Pause takes to stop the run and say so
        started = time.monotonic()
        page.get_by_role("button", name="Pause").click()
        page.get_by_text("Paused.").first.wait_for(timeout=30_000)
        result["pause_s"] = time.monotonic() - started
        browser.close()
    return result


BASELINE_APP = """
import time
import plotly.graph_objects as go
import streamlit as st

@st.fragment(run_every=0.05)
def chart():
    st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2], y=[0, time.time() % 1, 1])))

chart()
"""


def measure_baseline(url: str) -> dict:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_test_id("stPlotlyChart").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        result = page.evaluate(COUNTER_JS, [WINDOW_S])
        browser.close()
    return result


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with streamlit_server("app.py", log_path=tmp / "app.log") as url:
            result = measure(url)
            moons = measure(url, "2-D moons")
        baseline = write_bare_app(tmp, "baseline.py", BASELINE_APP)
        with streamlit_server(baseline, cwd=tmp, log_path=tmp / "baseline.log") as url:
            base = measure_baseline(url)
    rate = result["changes"] / result["elapsed"]
    base_rate = base["changes"] / base["elapsed"]
    verdict = "ok" if rate >= GOAL and result["still_running"] else "BELOW GOAL"
    if not result["still_running"]:
        verdict += ", the run ended inside the window"
    print(f"training page: {rate:.1f} updates/s in the browser on 10,000 points "
          f"(goal >= {GOAL}) [{verdict}; {result['frames']} animation frames in "
          f"{result['elapsed']:.1f} s; the (w, b) path view changed "
          f"{result['path_changes'] / result['elapsed']:.1f} times/s; Pause answered "
          f"in {result['pause_s']:.2f} s]")
    print(f"training page, 2-D moons, polynomial degree {DEGREE}: "
          f"{moons['changes'] / moons['elapsed']:.1f} updates/s on 10,000 points; "
          f"the decision boundary view changed "
          f"{moons['path_changes'] / moons['elapsed']:.1f} times/s"
          + ("" if moons["still_running"] else " [the run ended inside the window]"))
    print(f"  baseline, same browser now: a one-line Plotly chart in a run_every "
          f"fragment paints {base_rate:.1f} updates/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
