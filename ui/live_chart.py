"""Keep Streamlit's per-run garbage collection short while a chart is live.

Streamlit runs ``gc.collect(2)`` after every script run, fragment reruns included
(config ``runner.postScriptGC``, on by default). A full collection walks every
container object in the process (Plotly's, pandas', scikit-learn's modules: hundreds
of thousands), which here costs ~0.05-0.1 s of CPU per run, more than drawing a
frame of the Training page. :func:`freeze_long_lived_objects` moves what exists once
the app is loaded into the permanent generation (``gc.freeze``), so later
collections only walk the objects made since: the modules and caches are never
garbage anyway, and reference counting still frees everything as usual.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_long_lived_objects() -> bool:
    """Collect once, then freeze every object alive now (once per process).

    Returns True on the call that froze, False afterwards.
    """
    global _frozen
    with _lock:
        if _frozen:
            return False
        gc.collect()  # garbage made so far is freed, not frozen
        gc.freeze()
        _frozen = True
        return True
