"""ui/memory.py: closed browser sessions are shut down after a grace period, and a
Streamlit without what the reaper needs means no reaping, never an exception."""

import gc
import threading
import weakref
from types import SimpleNamespace

import pytest
from conftest import APP_PATH
from streamlit.runtime.fragment import MemoryFragmentStorage
from streamlit.runtime.memory_session_storage import MemorySessionStorage
from streamlit.runtime.runtime import Runtime
from streamlit.runtime.state.common import WidgetMetadata
from streamlit.runtime.state.safe_session_state import SafeSessionState
from streamlit.runtime.state.session_state import SessionState
from streamlit.testing.v1 import AppTest

from ui import memory
from ui.memory import SessionReaper, grace_seconds, release_freed_memory

GRACE = 60.0


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Payload:  # stands for a session's state: an upload's bytes and arrays
    pass


class FakeSession:
    def __init__(self, sid):
        self.state = Payload()
        self.state.owner = self  # sessions hold reference cycles


class FakeFiles:
    def __init__(self):
        self.by_session = {}

    def remove_session_files(self, sid):
        self.by_session.pop(sid, None)


class FakeRuntime:
    """What the reaper uses of streamlit.runtime.Runtime: connected sessions, and
    disconnected ones kept for a reconnect (like MemorySessionStorage)."""

    def __init__(self):
        self.active, self.stored, self.closed = {}, {}, []
        self.uploaded_file_mgr = FakeFiles()

    def connect(self, sid):
        self.active[sid] = self.stored.pop(sid, None) or FakeSession(sid)
        self.uploaded_file_mgr.by_session.setdefault(sid, b"x" * 1000)

    def disconnect(self, sid):
        self.stored[sid] = self.active.pop(sid)

    def is_active_session(self, sid):
        return sid in self.active

    def close_session(self, sid):
        self.stored.pop(sid, None)
        self.closed.append(sid)


class Loop:
    """An event loop that runs each callback at once (or holds it back)."""

    def __init__(self, run=True, before=None):
        self.run, self.before, self.calls = run, before, 0

    def call_soon_threadsafe(self, fn):
        self.calls += 1
        if self.before:
            self.before()
        if self.run:
            fn()


def make(rt, loop=None, clock=None):
    released = []
    reaper = SessionReaper(
        GRACE, get_runtime=lambda: rt, get_loop=lambda _rt: loop or Loop(),
        clock=clock or Clock(), release=lambda: released.append(True))
    return reaper, released


def test_a_disconnected_session_is_closed_after_the_grace_period_only():
    rt, clock = FakeRuntime(), Clock()
    reaper, released = make(rt, clock=clock)
    for sid in ("stays", "leaves"):
        rt.connect(sid)
        reaper.track(sid)
    assert reaper.tick() == []
    rt.disconnect("leaves")
    assert reaper.tick() == []  # first seen disconnected now
    clock.now += GRACE - 1
    assert reaper.tick() == []  # still within the grace period: may come back
    assert rt.closed == []
    clock.now += 1
    assert reaper.tick() == ["leaves"]
    assert rt.closed == ["leaves"]
    assert "leaves" not in rt.uploaded_file_mgr.by_session
    assert "stays" in rt.uploaded_file_mgr.by_session
    assert released == [True]  # gc and malloc_trim after closing
    assert set(reaper.tracked()) == {"stays"}
    clock.now += 10 * GRACE
    assert reaper.tick() == []  # a connected session is never closed
    assert rt.closed == ["leaves"]


def test_closing_frees_the_session_state():
    rt, clock = FakeRuntime(), Clock()
    reaper, _ = make(rt, clock=clock)
    rt.connect("s")
    reaper.track("s")
    state = weakref.ref(rt.active["s"].state)
    rt.disconnect("s")
    reaper.tick()
    clock.now += GRACE
    gc.collect()
    assert state() is not None  # kept for a reconnect meanwhile
    reaper.tick()
    assert state() is None  # the cycle went with the reaper's gc.collect()


def test_the_long_lived_objects_are_frozen_once_on_the_first_pass_with_a_session():
    rt, clock = FakeRuntime(), Clock()
    frozen = []
    reaper = SessionReaper(GRACE, get_runtime=lambda: rt, get_loop=lambda _rt: Loop(),
                           clock=clock, release=lambda: None,
                           freeze=lambda: frozen.append(True))
    reaper.tick()
    assert frozen == []  # no session yet: the pages' libraries are not loaded
    rt.connect("s")
    reaper.track("s")
    reaper.tick()
    assert frozen == [True]
    rt.disconnect("s")
    for _ in range(3):
        clock.now += GRACE
        reaper.tick()
    rt.connect("t")
    reaper.track("t")
    reaper.tick()
    assert frozen == [True]  # once per process: later sessions are never frozen


def test_a_session_frozen_with_the_libraries_still_gives_back_its_data():
    # The real gc.freeze(): the session's own objects (a reference cycle) stay
    # frozen after it closes, but what its state held goes with the reaper's clear.
    rt, clock = FakeRuntime(), Clock()
    reaper, _ = make(rt, clock=clock)
    rt.connect("s")
    state = {"upload": Payload()}
    rt.active["s"].state.kept = state  # reachable only through the session's cycle
    upload = weakref.ref(state["upload"])
    reaper.track("s", state)
    del state
    try:
        memory.freeze_long_lived()
        assert gc.get_freeze_count() > 0
        rt.disconnect("s")
        reaper.tick()
        clock.now += GRACE
        assert reaper.tick() == ["s"]
        assert upload() is None
    finally:
        gc.unfreeze()


def test_a_closed_session_still_referenced_gets_its_state_emptied():
    # Streamlit's runtime loop keeps the last session it flushed in a local
    # variable until another session connects: closing alone frees nothing then.
    rt, clock = FakeRuntime(), Clock()
    reaper, _ = make(rt, clock=clock)
    rt.connect("s")
    session = rt.active["s"]
    session.state = SessionState()  # Streamlit's own, as st.session_state holds it
    session.state["thr_good_file"] = Payload()
    payload = weakref.ref(session.state["thr_good_file"])
    # a fragment's stored function keeps its arguments (the page's rows, sweeps)
    data = Payload()
    session.fragments = {"panel": lambda data=data: data}
    rows = weakref.ref(data)
    del data
    reaper.track("s", session.state, session.fragments)
    lingering = session  # the runtime loop's variable
    del session
    rt.disconnect("s")
    reaper.tick()
    clock.now += GRACE
    assert reaper.tick() == ["s"]
    assert payload() is None and rows() is None
    assert "thr_good_file" not in lingering.state
    assert lingering.fragments == {}


def test_a_closed_session_still_referenced_lets_go_of_its_widget_callbacks():
    # SessionState.clear() keeps the widgets' metadata: each callback and its args.
    # The Threshold page's buttons get its ThresholdSession (the uploaded table, its
    # rows and sweeps), which a closed session kept (~450 MB after 1e7 rows).
    rt, clock = FakeRuntime(), Clock()
    reaper, _ = make(rt, clock=clock)
    rt.connect("s")
    state = SessionState()
    sess = Payload()  # stands for the page's ThresholdSession
    state.register_widget(WidgetMetadata(
        "remove", lambda v: v, lambda v: v, "trigger_value",
        callback=lambda sess: None, callback_args=(sess,)), user_key="thr.remove")
    held = weakref.ref(sess)
    del sess
    ctx = SimpleNamespace(session_state=SafeSessionState(state, lambda: None),
                          fragment_storage=MemoryFragmentStorage())
    reaper.track("s", *memory.session_holders(ctx))
    lingering = state  # the runtime loop's variable keeps the closed session
    rt.disconnect("s")
    reaper.tick()
    clock.now += GRACE
    gc.collect()
    assert held() is not None  # kept for a reconnect meanwhile
    assert reaper.tick() == ["s"]
    assert held() is None
    assert lingering is state


def test_a_holder_that_cannot_be_emptied_does_not_stop_the_others():
    class Broken:
        def clear(self):
            raise RuntimeError("no")

    rt, clock = FakeRuntime(), Clock()
    reaper, released = make(rt, clock=clock)
    rt.connect("s")
    kept = {"k": Payload()}
    reaper.track("s", Broken(), kept)
    rt.disconnect("s")
    reaper.tick()
    clock.now += GRACE
    assert reaper.tick() == ["s"]
    assert kept == {} and released == [True] and reaper.enabled


def test_an_open_session_state_is_never_emptied():
    rt, clock = FakeRuntime(), Clock()
    reaper, _ = make(rt, clock=clock)
    rt.connect("s")
    state = SessionState()
    state["k"] = 1
    reaper.track("s", state)
    for _ in range(3):
        clock.now += 2 * GRACE
        reaper.tick()
    assert state["k"] == 1


def test_a_reconnect_restarts_the_grace_period():
    rt, clock = FakeRuntime(), Clock()
    reaper, _ = make(rt, clock=clock)
    rt.connect("s")
    reaper.track("s")
    rt.disconnect("s")
    reaper.tick()
    clock.now += GRACE - 5
    rt.connect("s")  # the tab came back
    reaper.tick()
    rt.disconnect("s")
    clock.now += 5
    reaper.tick()
    clock.now += GRACE - 1
    assert reaper.tick() == []
    clock.now += 1
    assert reaper.tick() == ["s"]


def test_a_session_that_comes_back_while_the_close_is_queued_stays():
    rt, clock = FakeRuntime(), Clock()
    loop = Loop(before=lambda: rt.connect("s"))
    reaper, released = make(rt, loop=loop, clock=clock)
    rt.connect("s")
    reaper.track("s")
    rt.disconnect("s")
    reaper.tick()
    clock.now += GRACE
    assert reaper.tick() == []
    assert loop.calls == 1 and rt.closed == [] and released == []
    assert "s" in reaper.tracked()


def test_a_busy_event_loop_is_tried_again_next_pass(monkeypatch):
    monkeypatch.setattr(memory, "CLOSE_TIMEOUT_S", 0.01)
    rt, clock = FakeRuntime(), Clock()
    loop = Loop(run=False)
    reaper, _ = make(rt, loop=loop, clock=clock)
    rt.connect("s")
    reaper.track("s")
    rt.disconnect("s")
    reaper.tick()
    clock.now += GRACE
    assert reaper.tick() == []
    loop.run = True
    assert reaper.tick() == ["s"]
    assert reaper.enabled


@pytest.mark.parametrize("runtime", [object(), None])
def test_a_runtime_without_the_api_means_no_reaping_not_an_error(runtime, caplog):
    reaper = SessionReaper(GRACE, get_runtime=lambda: runtime, get_loop=lambda rt: rt)
    reaper.track("s")
    assert reaper.tick() == []
    if runtime is None:  # no runtime yet (AppTest, python app.py): wait quietly
        assert reaper.enabled
    else:
        assert not reaper.enabled
        assert reaper.tick() == []
        assert reaper.tracked() == {}  # holds on to nothing once it has stopped
        reaper.track("t", SessionState())
        assert reaper.tracked() == {}


def test_no_event_loop_disables_the_reaper():
    rt, clock = FakeRuntime(), Clock()

    def no_loop(_rt):
        raise RuntimeError("Runtime hasn't started yet!")

    reaper = SessionReaper(GRACE, get_runtime=lambda: rt, get_loop=no_loop,
                           clock=clock)
    rt.connect("s")
    reaper.track("s")
    rt.disconnect("s")
    reaper.tick()
    clock.now += GRACE
    assert reaper.tick() == []
    assert not reaper.enabled
    assert rt.stored  # nothing closed


def test_streamlit_still_offers_what_the_reaper_uses():
    # If these go, the reaper logs a warning and stops: this test says so first.
    for name in ("is_active_session", "close_session", "uploaded_file_mgr",
                 "_get_async_objs", "exists", "instance"):
        assert hasattr(Runtime, name), name
    # the premise: Streamlit keeps a disconnected session 2 minutes for a reconnect
    storage = MemorySessionStorage()
    assert storage._cache.ttl == 120
    # what session_holders empties: widget callbacks outlive SessionState.clear()
    assert isinstance(SessionState()._new_widget_state.widget_metadata, dict)


def _reapers():
    return [t for t in threading.enumerate() if t.name == memory.THREAD_NAME]


def test_outside_streamlit_run_nothing_starts():
    before = _reapers()
    assert memory.start_memory_reaper() is None
    assert _reapers() == before


def test_an_apptest_run_starts_no_reaper():
    before = _reapers()
    at = AppTest.from_file(APP_PATH, default_timeout=60).run()
    assert not at.exception
    assert _reapers() == before == []


def test_grace_from_the_environment(monkeypatch):
    monkeypatch.setenv("LOSSLAB_SESSION_GRACE_S", "5")
    assert grace_seconds() == 5
    for bad in ("soon", "-1", ""):
        monkeypatch.setenv("LOSSLAB_SESSION_GRACE_S", bad)
        assert grace_seconds() == memory.DEFAULT_GRACE_S
    monkeypatch.delenv("LOSSLAB_SESSION_GRACE_S")
    assert grace_seconds() == memory.DEFAULT_GRACE_S


def test_release_freed_memory_never_raises():
    assert release_freed_memory() in (True, False)
