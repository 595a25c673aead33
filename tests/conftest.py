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
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_PATH = str(REPO_ROOT / "app.py")  # for AppTest.from_file, from any test folder
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
ARTIFACTS.mkdir(parents=True, exist_ok=True)

SERVER_START_TIMEOUT_S = 60
# Playwright timeouts are in milliseconds.
APP_TIMEOUT_MS = 30_000
# Some widgets debounce their updates (about 200 ms) before the rerun starts.
RERUN_START_MS = 250
SETTLE_MS = 100

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-unsafe-swiftshader",
    "--use-angle=swiftshader",
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
            return resp.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def serve(script: str) -> Iterator[str]:
    """Run ``streamlit run script`` (a path from the repo root); yield its base URL."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = ARTIFACTS / f"streamlit-server-{Path(script).stem}.log"
    command = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        # Tests never edit sources; no need to watch them.
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    # Output goes to a file, not a pipe: a full pipe would block the server.
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT_S
            while not _healthy(base_url):
                if proc.poll() is not None:
                    pytest.fail(
                        f"Streamlit exited with code {proc.returncode} before it "
                        f"answered; see {log_path}:\n{log_path.read_text()[-3000:]}"
                    )
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"Streamlit did not answer {base_url}/_stcore/health within "
                        f"{SERVER_START_TIMEOUT_S}s; see {log_path}:\n"
                        f"{log_path.read_text()[-3000:]}"
                    )
                time.sleep(0.25)
            yield base_url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


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
