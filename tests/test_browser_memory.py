"""A closed browser session gives its upload back (ui/memory.py), in a real browser.

The server runs with a 1-second grace period; the long measurement with a 1e7-row
file and the process's RSS is ``bench/bench_memory.py``.
"""

import re
import time
import urllib.request

import pytest
from conftest import APP_TIMEOUT_MS, ARTIFACTS, assert_no_exception, open_page

from bench.harness import streamlit_process

pytestmark = pytest.mark.browser

UPLOADED = re.compile(
    r'^cache_memory_bytes\{cache_type="UploadedFileManager",cache=""\} (\d+)', re.M)


def uploaded_bytes(url: str) -> int:
    """What Streamlit's UploadedFileManager holds, from its /_stcore/metrics."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=10) as resp:
        found = UPLOADED.search(resp.read().decode())
    return int(found.group(1)) if found else 0


def test_a_closed_session_releases_its_upload(browser, tmp_path):
    data = tmp_path / "scored_small.csv"
    data.write_text("label,score\n" + "".join(
        f"{i % 2},{(i % 100) / 100 + 0.005:.3f}\n" for i in range(20_000)))
    log = ARTIFACTS / "streamlit-server-memory.log"
    with streamlit_process("app.py", log_path=log,
                           env={"LOSSLAB_SESSION_GRACE_S": "1"}) as (url, _):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(APP_TIMEOUT_MS)
        page = context.new_page()
        open_page(page, url)
        open_page(page, f"{url}/threshold")
        main = page.get_by_test_id("stMainBlockContainer")
        (main.get_by_test_id("stExpander")
         .filter(has_text="Scores, currency and production base rate")
         .locator("summary").click())
        main.get_by_text("Upload a scored file").click()
        main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(data))
        main.get_by_text("Scores: scored_small.csv").wait_for()
        assert_no_exception(page)
        assert uploaded_bytes(url) >= data.stat().st_size
        context.close()  # the tab goes: Streamlit keeps the session for a reconnect

        deadline = time.monotonic() + 20
        while uploaded_bytes(url) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert uploaded_bytes(url) == 0, "the closed session still holds its upload"
        time.sleep(0.5)
        assert "Closed 1 browser session(s)" in log.read_text()
