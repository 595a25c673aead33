"""No shared mutable state between sessions (issue 12, item 5).

Every session runs in its own thread of one server. What the ui modules hold at
module level is either a read-only table (names, colours, choices) or the one shared
cache, ``ui.memo.SHARED``, behind a lock. The tests: the shared store under many
threads at once, and every module-level container of ``ui`` unchanged after
sessions ran every page, switched datasets and uploaded a file. The browser-level
check (30 sessions against one server) is ``bench/bench_classroom.py``.
"""

import collections
import copy
import importlib
import pkgutil
import threading

from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

import ui
from ui import memo
from ui.models import DatasetState
from ui.sidebar import UPLOAD, handle_upload

PAGES = ("pages/home.py", "pages/loss_functions.py", "pages/cost_surfaces.py",
         "pages/training.py", "pages/threshold.py")
CONTAINERS = (dict, list, set, bytearray, collections.deque)


def module_containers() -> dict:
    """(module, name) -> every module-level dict, list, set... of ``ui``."""
    found = {}
    for info in pkgutil.iter_modules(ui.__path__):
        module = importlib.import_module(f"ui.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, CONTAINERS) and not name.startswith("__"):
                found[(info.name, name)] = value
    return found


def test_the_shared_store_holds_under_many_threads(monkeypatch):
    store = memo._Shared()
    monkeypatch.setattr(memo, "SHARED_ENTRIES", 8)
    errors = []

    def hammer(t: int) -> None:
        try:
            for k in range(400):
                key = (t + k) % 20
                assert store.get("x", key, lambda key=key: key * 2) == key * 2
                if k % 97 == 0:
                    store.clear()
        except Exception as exc:  # collected for the assert below
            errors.append(repr(exc))

    threads = [threading.Thread(target=hammer, args=(t,)) for t in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(len(s) <= 8 for s in store._stores.values())


def test_sessions_leave_every_module_level_container_of_ui_unchanged():
    before = {key: copy.deepcopy(value) for key, value in module_containers().items()}
    state: dict = {}
    csv = b"size,weight,label\n" + b"".join(
        f"{k % 7},{k % 5},{int(k % 7 > 3)}\n".encode() for k in range(60))
    assert handle_upload(state, csv, "class.csv")
    for dataset in ("moons", "uploaded"):
        at = AppTest.from_file(APP_PATH, default_timeout=60)
        if dataset == "uploaded":
            at.session_state[UPLOAD] = state[UPLOAD]
            at.session_state[DatasetState.KEY] = state[DatasetState.KEY]
        else:
            at.query_params["ds.name"] = dataset
        at.run()
        for page in PAGES:
            at.switch_page(page).run()
            assert not at.exception, (dataset, page)
    after = module_containers()
    assert set(after) == set(before)
    changed = [key for key, value in after.items() if value != before[key]]
    assert changed == []
