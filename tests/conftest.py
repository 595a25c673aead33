"""Shared fixtures: a live Streamlit server and Debian's Chromium driven by Playwright.

Browser tests use them like this::

    @pytest.mark.browser
    def test_something(app_server, page):
        open_page(page, f"{app_server}/training")
        ...
        assert_no_exception(page)
        page.screenshot(path=ARTIFACTS / "training.png", full_page=True)

The waits follow Streamlit's own ``e2e_playwright/conftest.py``: the root element
``[data-testid="stApp"]`` carries ``data-test-connection-state`` and
``data-test-script-state`` (``initial`` -> ``running`` -> ``notRunning`` on every
run), so "the app is idle" is an attribute to wait for, not a sleep.
"""

import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from bench.harness import CHROMIUM_ARGS, REPO_ROOT, streamlit_server

APP_PATH = str(REPO_ROOT / "app.py")  # for AppTest.from_file, from any test folder
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
ARTIFACTS.mkdir(parents=True, exist_ok=True)

# Playwright timeouts are in milliseconds.
APP_TIMEOUT_MS = 30_000
# Some widgets debounce their updates (about 200 ms) before the rerun starts.
RERUN_START_MS = 250
SETTLE_MS = 100

def serve(script: str) -> AbstractContextManager[str]:
    """Serve ``script`` (a path from the repo root) for a fixture; yields its URL."""
    return streamlit_server(
        script, log_path=ARTIFACTS / f"streamlit-server-{Path(script).stem}.log")


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    """Run ``streamlit run app.py`` for the whole session; yield its base URL."""
    with serve("app.py") as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the whole session."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "The browser tests need Debian's chromium and it is not on PATH. "
            "Install it with `apt-get install -y chromium` (as root), or run "
            "`make test`, which installs it."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page (own cookies and session) with a 1400x1000 viewport."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(APP_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def wait_for_app_run(page: Page, rerun_start_ms: int = RERUN_START_MS) -> None:
    """Block until the script run triggered by the last action has finished.

    Call after every interaction (click, fill, slider drag) before asserting.
    """
    page.wait_for_timeout(rerun_start_ms)
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute(
        "data-test-connection-state", "CONNECTED", timeout=APP_TIMEOUT_MS
    )
    expect(app).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=APP_TIMEOUT_MS
    )
    # Skeletons are placeholders for elements that have not rendered yet.
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=APP_TIMEOUT_MS)
    page.wait_for_timeout(SETTLE_MS)


def open_page(page: Page, url: str) -> Page:
    """Go to ``url`` and wait until the Streamlit app has loaded and gone idle."""
    page.goto(url)
    page.get_by_test_id("stApp").wait_for(state="attached", timeout=APP_TIMEOUT_MS)
    wait_for_app_run(page, rerun_start_ms=0)
    return page


def assert_no_exception(page: Page | Locator) -> None:
    """Fail with the exception text if the app shows any ``st.exception`` box."""
    exceptions = page.get_by_test_id("stException")
    count = exceptions.count()
    texts = [exceptions.nth(i).inner_text() for i in range(count)]
    assert count == 0, "The app shows an exception:\n" + "\n---\n".join(texts)
