"""Slider repaint time on the Threshold & cost page with 1,000,000 uploaded rows,
against a bare one-slider Streamlit app, in Debian's Chromium via Playwright.

Both apps are served locally with the repository's ``.streamlit/config.toml``; each
slider is moved N times with the keyboard (ArrowRight: the bare slider by its step,
the page's to the next distinct score), and each move is timed from the key press
until the value shown under it has changed *and* the app's script state is back to
``notRunning``. The median is reported:

    threshold slider repaint at 1e6 rows: X ms vs bare slider Y ms = R x (bound 1.5x)

Run: ``python bench/bench_threshold_slider.py [--rows 1000000] [--moves 30]``.
Exits non-zero when the ratio exceeds the bound.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from harness import CHROMIUM_ARGS, streamlit_server, wait_idle, write_bare_app
from playwright.sync_api import Page, sync_playwright

BOUND = 1.5

BARE_APP = '''import streamlit as st

st.slider("Threshold", 0.0, 1.0, 0.5, step=0.001, key="s", format="%.3f")
st.container(key="thr_at").markdown(f"At threshold {st.session_state['s']:.4g}")
'''

# the page and the bare app both show "At threshold <value>" after a rerun, in a
# container with the key thr_at (textContent: no layout forced while polling); a
# move is done when that value differs from the one before the key press and the
# script is idle
SHOWN_JS = """() => {
  const shown = document.querySelector('.st-key-thr_at');
  const m = shown && shown.textContent.match(/At threshold (-?[0-9.]+(e[-+]?[0-9]+)?)/);
  return m ? m[1] : null;
}"""
WAIT_JS = f"""([before]) => {{
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  const now = ({SHOWN_JS})();
  return now !== null && now !== before;
}}"""


def _time_moves(page: Page, slider, moves: int) -> list[float]:
    """Press ArrowRight ``moves`` times (the bare slider: one step of 0.001; the
    page: the next distinct score), each timed until the new value is shown."""
    slider.focus()
    times = []
    for _ in range(moves):
        before = page.evaluate(SHOWN_JS)
        t0 = time.perf_counter()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(WAIT_JS, arg=[before], polling="raf", timeout=60_000)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _settings(main_block):
    """The header of the folded "Scores, currency and production base rate" section."""
    return (main_block.get_by_test_id("stExpander")
            .filter(has_text="Scores, currency and production base rate")
            .locator("summary"))


def _write_scored(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(rows) < 0.1).astype(np.int8)
    z = 2.0 * y - 2.5 + rng.normal(0.0, 1.2, rows)
    p = np.round(1.0 / (1.0 + np.exp(-z)), 6)
    with path.open("w") as fh:
        fh.write("label,score\n")
        np.savetxt(fh, np.column_stack([y, p]), fmt=["%d", "%.6f"], delimiter=",")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--moves", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Needs Debian's chromium (apt-get install -y chromium).")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "scored_1e6.csv"
        t = time.perf_counter()
        _write_scored(data, args.rows)
        print(f"wrote {args.rows:,} scored rows ({data.stat().st_size / 2**20:.1f} MB)"
              f" in {time.perf_counter() - t:.1f} s")
        bare = write_bare_app(tmp, "bare_slider.py", BARE_APP)
        with (streamlit_server("app.py", log_path=tmp / "app.log") as app_url,
              streamlit_server(bare, cwd=tmp, log_path=tmp / "bare.log") as bare_url):
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium,
                                             args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(120_000)

                # the bare one-slider app
                page.goto(bare_url)
                wait_idle(page)
                slider = page.get_by_role("slider")
                _time_moves(page, slider, args.warmup)
                bare_ms = _time_moves(page, slider, args.moves)

                # the real page with the uploaded file
                page.goto(app_url)
                wait_idle(page)
                page.goto(f"{app_url}/threshold")
                wait_idle(page)
                main_block = page.get_by_test_id("stMainBlockContainer")
                _settings(main_block).click()
                main_block.get_by_text("Upload a scored file").click()
                wait_idle(page)
                t = time.perf_counter()
                main_block.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
                    str(data))
                # the summary under the headline names the file once it is in use
                main_block.get_by_text("Scores: scored_1e6.csv").wait_for(
                    timeout=300_000)
                wait_idle(page, 300_000)
                print(f"upload, parse, sweeps, bootstrap and first paint: "
                      f"{time.perf_counter() - t:.1f} s")
                # back to the default view: settings folded away
                _settings(main_block).click()
                wait_idle(page)
                errors = page.get_by_test_id("stAlertContentError").count()
                if errors or page.get_by_test_id("stException").count():
                    raise SystemExit("The page shows an error after the upload.")
                n_shown = page.get_by_test_id("stMainBlockContainer").get_by_text(
                    "1,000,000 scored rows").count()
                print(f"page shows the 1e6-row upload: {n_shown > 0}")
                slider = (page.get_by_test_id("stSlider")
                          .filter(has_text="Threshold: flag a case")
                          .get_by_role("slider"))
                _time_moves(page, slider, args.warmup)
                page_ms = _time_moves(page, slider, args.moves)
                browser.close()

    x, y = statistics.median(page_ms), statistics.median(bare_ms)
    ratio = x / y
    print(f"  page: median {x:.0f} ms, p90 {np.percentile(page_ms, 90):.0f} ms; "
          f"bare: median {y:.0f} ms, p90 {np.percentile(bare_ms, 90):.0f} ms "
          f"({args.moves} moves each)")
    print(f"threshold slider repaint at 1e6 rows: {x:.0f} ms vs bare slider "
          f"{y:.0f} ms = {ratio:.2f} x (bound {BOUND}x)")
    return 0 if ratio <= BOUND else 1


if __name__ == "__main__":
    raise SystemExit(main())
