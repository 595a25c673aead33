"""Keep Streamlit's per-run garbage collection short while a run is live.

Streamlit runs ``gc.collect(2)`` after every script run, fragment reruns included
(config ``runner.postScriptGC``, on by default). A full collection walks every
container object in the process (the modules of Plotly, pandas, scikit-learn...:
hundreds of thousands), which costs ~0.05-0.1 s of CPU per run on this machine,
more than the rest of a frame of the Training page.

While at least one session has a live run, :func:`live_gc` keeps the objects that
existed when the run started in the permanent generation (``gc.freeze``), so each
collection only walks the objects made since. When no run is live any more they are
handed back (``gc.unfreeze``) and collected as usual. Reference counting frees
objects as always; only cyclic garbage among the frozen objects waits for the thaw.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_live: set[str] = set()


def live_gc(session: str, running: bool) -> None:
    """Record whether ``session`` has a live run; freeze the heap when the first
    live run starts and unfreeze it when the last one stops."""
    with _lock:
        was_live = bool(_live)
        if running:
            _live.add(session)
        else:
            _live.discard(session)
        if _live and not was_live:
            gc.collect()  # garbage made so far is freed, not frozen
            gc.freeze()
        elif was_live and not _live:
            gc.unfreeze()


def frozen_objects() -> int:
    """How many objects are in the permanent generation now."""
    return gc.get_freeze_count()
