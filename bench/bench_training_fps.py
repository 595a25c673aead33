"""Frames painted per second on the Training page while it trains on 10,000 points.

Starts its own ``streamlit run app.py`` on a free port, opens ``/training`` in Debian's
Chromium (Playwright), picks the 1-D data with 10,000 points and 5,000 epochs, presses
Run and counts, for ``WINDOW_S`` seconds, the animation frames in which the cost
chart changed on screen, i.e. updates the user actually saw. The cost chart is an
``st.echarts_chart`` drawn on a canvas, so a change is a change of its pixels (a hash
of every 29th byte of the canvas, read each frame); for a Plotly chart (the baseline)
it is a change of its first line's SVG path ``d``. It also counts how often the
(w, b) path chart (Plotly, refreshed about once a second while running) changed.

Prints one line:
``training page: N updates/s in the browser on 10,000 points (goal >= 15)``,
followed by the same count for a one-line Plotly chart in a ``run_every=0.05``
fragment, served and measured the same way at the same moment: the ceiling this
machine allows right now (the number moves a lot with the load on a shared box).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
WINDOW_S = 4.0
GOAL = 15
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--enable-unsafe-swiftshader", "--use-angle=swiftshader"]

# Counts animation frames in which the cost chart (the first chart on the page)
# changed on screen, and those in which the first Plotly chart changed.
COUNTER_JS = """
([seconds]) => new Promise((resolve) => {
  const last = {cost: null, plotly: null}, changes = {cost: 0, plotly: 0};
  let frames = 0;
  const t0 = performance.now();
  function plotlyLine(chart) {
    const line = chart && chart.querySelector('.scatterlayer .trace path.js-line');
    return line ? line.getAttribute('d') : null;
  }
  function costSignature() {
    const chart = document.querySelector(
      '.ll-live, [data-testid="stEChartsChart"], [data-testid="stPlotlyChart"]');
    if (!chart) return null;
    const canvas = chart.querySelector('canvas');
    if (!canvas) return plotlyLine(chart);
    const bytes = canvas.getContext('2d')
      .getImageData(0, 0, canvas.width, canvas.height).data;
    let h = 0;
    for (let i = 0; i < bytes.length; i += 29) h = (h * 31 + bytes[i]) | 0;
    return h;
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
    count('plotly', plotlyLine(
      document.querySelector('[data-testid="stPlotlyChart"]')));
    if (now - t0 < seconds * 1000) requestAnimationFrame(tick);
    else resolve({changes: changes.cost, plotly_changes: changes.plotly, frames,
                  elapsed: (now - t0) / 1000});
  }
  requestAnimationFrame(tick);
})
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("streamlit exited before answering")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit did not answer at {url}")


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


def measure(url: str) -> dict:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # Load the app's root first: app.py (st.navigation) then owns the routes.
        for path in ("/", "/training"):
            page.goto(f"{url}{path}")
            page.get_by_test_id("stApp").wait_for(timeout=60_000)
            _idle(page)
        _press_end(page, "Points")
        _press_end(page, "Epochs")
        page.get_by_role("button", name="Run").first.click()
        page.get_by_role("button", name="Pause").wait_for(timeout=30_000)
        page.get_by_test_id("stPlotlyChart").first.wait_for(timeout=30_000)
        page.wait_for_timeout(500)  # let the first frames land
        result = page.evaluate(COUNTER_JS, [WINDOW_S])
        status = page.get_by_text("Running…").count()
        browser.close()
    result["still_running"] = bool(status)
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


def serve(script: str, cwd: Path, measure_fn) -> dict:
    """Run ``streamlit run script`` on a free port, measure, stop it."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script,
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(url, proc)
            return measure_fn(url)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> int:
    result = serve("app.py", ROOT, measure)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "baseline.py").write_text(BASELINE_APP)
        base = serve("baseline.py", Path(tmp), measure_baseline)
    rate = result["changes"] / result["elapsed"]
    base_rate = base["changes"] / base["elapsed"]
    verdict = "ok" if rate >= GOAL else "BELOW GOAL"
    print(f"training page: {rate:.1f} updates/s in the browser on 10,000 points "
          f"(goal >= {GOAL}) [{verdict}; {result['frames']} animation frames in "
          f"{result['elapsed']:.1f} s; the (w, b) path chart changed "
          f"{result['plotly_changes']} times]")
    print(f"  baseline, same browser now: a one-line Plotly chart in a run_every "
          f"fragment paints {base_rate:.1f} updates/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
