"""Give a closed browser session's memory back to the machine.

When a browser tab closes, Streamlit does not shut its session down: it keeps it
(``st.session_state``, the uploaded files' bytes in the UploadedFileManager) in a
``MemorySessionStorage`` so that a tab that lost its connection for a moment can
resume. That storage is a TTL cache (2 minutes) that forgets entries only lazily, on
a later disconnect or count, and forgetting an entry does not call
``AppSession.shutdown``, so the session's uploaded files are never removed. After a
150 MB upload the server kept its 2.2 GB long after the tab was gone.

``start_memory_reaper()``, called on every run of ``app.py``, remembers the running
session and starts, once per process, a daemon thread that every ``INTERVAL_S``
seconds (more often with a grace under 30 s):

1. asks the runtime which of the sessions it has seen are no longer connected;
2. closes each one disconnected for longer than ``GRACE_S`` (default 60 s; the
   environment variable ``LOSSLAB_SESSION_GRACE_S`` overrides it) through
   ``Runtime.close_session`` on Streamlit's event loop, the way Streamlit closes a
   session itself: its session state, uploaded files and media go; a tab that comes
   back after that gets a fresh session, as it would after Streamlit's own 2 minutes;
3. empties each closed session's ``SessionState``, its widgets' metadata (which
   ``SessionState.clear()`` keeps: every widget callback with its arguments; the
   Threshold page's buttons and column choices get its ``ThresholdSession``, so the
   uploaded table, its rows and sweeps, about 450 MB after a 1e7-row upload) and
   its fragment storage (the Threshold page's slider fragment keeps its arguments:
   the rows and sweeps).
   Streamlit's runtime loop keeps the last session it sent messages to in a local
   variable until another session connects, so on a quiet server a closed session
   would otherwise keep all of that alive (about 700 MB after a 1e7-row upload);
4. after closing any, runs a full ``gc.collect()`` (sessions hold reference
   cycles, and ``runner.postScriptGC`` is off in ``.streamlit/config.toml``) and
   glibc's ``malloc_trim(0)``, which hands the heap's freed pages (the CSV parser's
   many smaller buffers) back to the OS; big NumPy arrays and bytes are mmapped and
   go back to the OS as soon as they are freed. The log line says how long the
   collection held the interpreter (every session's script waits meanwhile).

A full collection walks every object the collector tracks: with NumPy, pandas,
Plotly and scikit-learn loaded, about 180,000 of them, nearly all modules,
functions and classes that live as long as the server. So on its first pass with a
session, the reaper collects once and ``gc.freeze()``s what is alive (the libraries
the first page loaded, and the few sessions open then): later collections, the
reaper's and Python's own, skip those. It freezes once per process: the cycles of
a session open at that moment are not collected after it closes, but its data go
all the same, since step 3 empties what holds them.

It uses ``streamlit.runtime.get_instance()``, ``Runtime.state``,
``Runtime.is_active_session``, ``Runtime.close_session``, ``Runtime.uploaded_file_mgr``
and the script run context's ``session_id`` and ``fragment_storage``; only the event
loop and the ``SessionState`` behind ``st.session_state`` are reached through
private attributes. If any of that is missing (another Streamlit version), the
reaper logs one warning and stops: no reaping, never an exception in a page. Under
AppTest or ``python app.py`` it does not start.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

THREAD_NAME = "losslab-memory-reaper"
INTERVAL_S = 10.0
DEFAULT_GRACE_S = 60.0
CLOSE_TIMEOUT_S = 30.0

try:  # Streamlit's own logger: its format, and the level of `logger.level`
    from streamlit.logger import get_logger
except ImportError:  # pragma: no cover
    get_logger = logging.getLogger
_LOGGER = get_logger(__name__)


def grace_seconds() -> float:
    """How long a disconnected session may be resumed before it is closed."""
    try:
        value = float(os.environ.get("LOSSLAB_SESSION_GRACE_S", DEFAULT_GRACE_S))
    except ValueError:
        return DEFAULT_GRACE_S
    return value if value >= 0 else DEFAULT_GRACE_S


def release_freed_memory() -> bool:
    """Ask glibc to hand freed heap memory back to the OS; False where it cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.malloc_trim(0))
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return False


def freeze_long_lived() -> None:
    """Collect, then leave what is alive out of later collections (gc.freeze)."""
    gc.collect()
    gc.freeze()


def _streamlit_runtime() -> Any | None:
    from streamlit import runtime

    return runtime.get_instance() if runtime.exists() else None


def _event_loop(rt: Any) -> Any:
    # Runtime.close_session must run on the event loop thread; the loop itself is
    # not public.
    return rt._get_async_objs().eventloop


class SessionReaper:
    """Closes sessions that stayed disconnected for longer than ``grace_s``.

    ``get_runtime`` returns Streamlit's Runtime (or None while there is none),
    ``get_loop`` its event loop (anything with ``call_soon_threadsafe``); both, and
    ``clock``, can be replaced in tests.
    """

    def __init__(self, grace_s: float, *,
                 get_runtime: Callable[[], Any] = _streamlit_runtime,
                 get_loop: Callable[[Any], Any] = _event_loop,
                 clock: Callable[[], float] = time.monotonic,
                 release: Callable[[], object] = release_freed_memory,
                 freeze: Callable[[], object] | None = None):
        self.grace_s = grace_s
        self._get_runtime, self._get_loop = get_runtime, get_loop
        self._clock, self._release = clock, release
        self._freeze = freeze  # called once, on the first pass with a session
        self._lock = threading.Lock()
        # session id -> when it was first seen disconnected (None: connected)
        self._sessions: dict[str, float | None] = {}
        # session id -> what it keeps (its SessionState, its fragment storage),
        # emptied once the session is closed. Held strongly (SessionState has
        # __slots__, no weak references), and never longer than the session lives
        # plus the grace period: every session that is not connected is closed and
        # dropped from here after that.
        self._holders: dict[str, tuple] = {}
        self.enabled = True
        self.closed_total = 0

    def track(self, session_id: str, *holders: object) -> None:
        """Remember a session (call from its script run) and what it keeps data
        in (anything with ``clear()``: its session state, its fragment storage)."""
        if not self.enabled:
            return
        with self._lock:
            self._sessions[session_id] = None
            self._holders[session_id] = tuple(h for h in holders if h is not None)

    def tracked(self) -> dict[str, float | None]:
        with self._lock:
            return dict(self._sessions)

    def tick(self) -> list[str]:
        """One pass: close what is due; the ids closed. Never raises: on an error
        it logs a warning and disables itself."""
        if not self.enabled:
            return []
        try:
            return self._tick()
        except Exception:
            self.enabled = False
            with self._lock:
                self._sessions.clear()
                self._holders.clear()
            _LOGGER.warning(
                "Loss Lab's session reaper stopped: this Streamlit version does not "
                "offer what it needs, so closed browser sessions keep their memory "
                "until Streamlit forgets them.", exc_info=True)
            return []

    def _tick(self) -> list[str]:
        rt = self._get_runtime()
        if rt is None:
            return []
        if self._freeze is not None and self.tracked():
            freeze, self._freeze = self._freeze, None
            freeze()
        now = self._clock()
        due = []
        with self._lock:
            for sid, since in list(self._sessions.items()):
                if rt.is_active_session(sid):
                    self._sessions[sid] = None
                elif since is None:
                    self._sessions[sid] = now
                elif now - since >= self.grace_s:
                    due.append(sid)
        if not due:
            return []
        closed = self._close_on_loop(rt, due)
        with self._lock:
            holders = [h for sid in closed for h in self._holders.pop(sid, ())]
            for sid in closed:
                self._sessions.pop(sid, None)
        for holder in holders:
            # A closed session can outlive its close: Streamlit's runtime loop keeps
            # the last session it sent messages to in a local variable until another
            # session connects. Empty what it keeps, so that holds nothing big.
            try:
                holder.clear()
            except Exception:  # a dead session's data: not worth stopping for
                _LOGGER.debug("Could not empty a closed session's %s",
                              type(holder).__name__, exc_info=True)
        del holders
        if closed:
            self.closed_total += len(closed)
            started = time.perf_counter()
            gc.collect()
            collected_s = time.perf_counter() - started
            self._release()
            _LOGGER.info("Closed %d browser session(s) disconnected for over %g s "
                         "and released their memory (gc %.0f ms).", len(closed),
                         self.grace_s, collected_s * 1e3)
        return closed

    def _close_on_loop(self, rt: Any, due: list[str]) -> list[str]:
        done = threading.Event()
        closed: list[str] = []
        failure: list[BaseException] = []

        def close() -> None:
            # on the event loop: no connect or disconnect can run in between
            try:
                for sid in due:
                    if rt.is_active_session(sid):  # it came back meanwhile
                        continue
                    rt.close_session(sid)
                    # its uploads, also when Streamlit had already dropped it
                    rt.uploaded_file_mgr.remove_session_files(sid)
                    closed.append(sid)
            except BaseException as exc:
                failure.append(exc)
            finally:
                done.set()

        self._get_loop(rt).call_soon_threadsafe(close)
        if not done.wait(CLOSE_TIMEOUT_S):
            return []  # the loop is busy; the next pass tries again
        if failure:
            raise failure[0]
        return closed

    def run_forever(self, interval_s: float | None = None) -> None:
        if interval_s is None:  # a short grace (tests) is checked more often
            interval_s = min(INTERVAL_S, max(1.0, self.grace_s / 3))
        while self.enabled:
            time.sleep(interval_s)
            self.tick()


def session_holders(ctx: Any) -> tuple:
    """What a session (its script run context ``ctx``) keeps data in, to empty
    once it is closed: its ``SessionState``; its widgets' metadata, which
    ``SessionState.clear()`` leaves, and with it every widget callback and its
    arguments (the Threshold page's Remove button and column choices get the
    page's ``ThresholdSession``: the uploaded table, its rows and sweeps); its
    fragment storage. Private attributes: what this Streamlit lacks is skipped."""
    session_state = getattr(ctx.session_state, "_state", None)
    widgets = getattr(session_state, "_new_widget_state", None)
    metadata = getattr(widgets, "widget_metadata", None)
    return (session_state, metadata if isinstance(metadata, dict) else None,
            getattr(ctx, "fragment_storage", None))


_reaper: SessionReaper | None = None
_start_lock = threading.Lock()


def start_memory_reaper() -> SessionReaper | None:
    """Track the running session; start the reaper thread once per process.

    Call it on every run of ``app.py``. Does nothing outside ``streamlit run``
    (AppTest, ``python app.py``).
    """
    global _reaper
    try:
        from streamlit import runtime
        from streamlit.runtime.runtime import RuntimeState
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if not runtime.exists() or ctx is None:
            return None
        # a served app's runtime (AppTest runs the script with a mock runtime)
        if runtime.get_instance().state not in (
                RuntimeState.NO_SESSIONS_CONNECTED,
                RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED):
            return None
        with _start_lock:
            if _reaper is None:
                # one thread per process, also if this module is loaded again
                running = next((t for t in threading.enumerate()
                                if t.name == THREAD_NAME), None)
                _reaper = getattr(running, "reaper", None) or SessionReaper(
                    grace_seconds(), freeze=freeze_long_lived)
                if running is None:
                    thread = threading.Thread(target=_reaper.run_forever,
                                              name=THREAD_NAME, daemon=True)
                    thread.reaper = _reaper  # type: ignore[attr-defined]
                    thread.start()
        _reaper.track(ctx.session_id, *session_holders(ctx))
        return _reaper
    except Exception:
        _LOGGER.warning("Loss Lab's session reaper could not start; closed browser "
                        "sessions keep their memory for a while.", exc_info=True)
        return None
