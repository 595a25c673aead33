"""What the browser tests (``tests/conftest.py``) and the browser benchmarks
(``bench/``) share: ``streamlit run`` on a free local port, a baseline app with the
repo's Streamlit config, and the flags Debian's Chromium runs with here."""

from __future__ import annotations

import os
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

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-unsafe-swiftshader",  # WebGL (3-D plots) in software
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
def streamlit_process(script: str | Path, *, cwd: Path = REPO_ROOT, log_path: Path,
                      env: dict[str, str] | None = None,
                      ) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve ``script`` (a path from ``cwd``), yield its base URL and the server's
    process (``.pid`` is the Streamlit server itself), stop it after.

    ``env`` adds to (or overrides) this process's environment. The server's output
    goes to ``log_path`` (a file, not a pipe: a full pipe would block the server).
    Raises RuntimeError with the log's end if it does not answer.
    """
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        # Nobody edits the sources meanwhile; no need to watch them.
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    full_env = None if env is None else {**os.environ, **env}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                env=full_env)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _healthy(base_url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    what = (f"exited with code {proc.returncode}"
                            if proc.poll() is not None
                            else f"did not answer within {START_TIMEOUT_S} s")
                    raise RuntimeError(
                        f"streamlit run {script} {what}; see {log_path}:\n"
                        f"{Path(log_path).read_text()[-3000:]}")
                time.sleep(0.25)
            yield base_url, proc
        finally:
            stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Terminate ``proc``; kill it if it has not ended 10 s later."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def streamlit_server(script: str | Path, *, cwd: Path = REPO_ROOT,
                     log_path: Path) -> Iterator[str]:
    """Serve ``script`` (a path from ``cwd``), yield its base URL, stop it after.

    See ``streamlit_process``, which also gives the server's process.
    """
    with streamlit_process(script, cwd=cwd, log_path=log_path) as (base_url, _):
        yield base_url


def write_bare_app(directory: Path, name: str, source: str) -> Path:
    """Write a baseline app into ``directory`` with the repo's Streamlit config
    (theme, runner options such as postScriptGC), so only the page differs."""
    config = REPO_ROOT / ".streamlit" / "config.toml"
    if config.exists():
        (directory / ".streamlit").mkdir(exist_ok=True)
        shutil.copy(config, directory / ".streamlit" / "config.toml")
    script = directory / name
    script.write_text(source)
    return script


# The app finished its run, is connected, and drew every element (no skeletons).
IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === 'notRunning'
    && app.dataset.testConnectionState === 'CONNECTED'
    && !document.querySelector('[data-testid="stSkeleton"]');
}"""


def wait_idle(page, timeout_ms: int = 120_000) -> None:
    """Block until the app in Playwright ``page`` is idle (a rerun's start first)."""
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)
