"""Caches keyed by content, bounded, and never shared by mistake.

- :func:`digest` names data by what they are (a hash of the bytes of arrays and of
  every parameter), never by a file name or a shape.
- :func:`memo` keeps a result under ``(name, key)`` either in the *session* (data
  that belong to one person: an upload and all that is computed from it; released
  with the session) or in one *shared* store for what is the same for everyone
  (built-in datasets and what is computed from them). Both are bounded in entries
  (least recently used goes first); the shared one also in lifetime.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
import streamlit as st

T = TypeVar("T")
SESSION_ENTRIES = 4  # per name and session
SHARED_ENTRIES = 32  # per name, whole server
SHARED_TTL_S = 3600.0
_SESSION_KEY = "_memo"


def digest(*parts: Any) -> str:
    """A content hash of arrays (dtype, shape and bytes) and plain values (repr)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, np.ndarray):
            a = np.ascontiguousarray(part)
            h.update(f"{a.dtype.str}{a.shape}".encode())
            h.update(a.data)
        else:
            h.update(repr(part).encode())
        h.update(b"\x1f")
    return h.hexdigest()


class Memo:
    """A small least-recently-used store: ``get(key, make)`` runs ``make`` once per
    key and keeps at most ``max_entries`` results."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._items: OrderedDict[Hashable, object] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = make()
        self._items[key] = value
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)
        return value

    def forget(self, prefix: str) -> None:
        """Drop every entry whose data key (the key's second part) starts with
        ``prefix``: a removed or replaced upload leaves nothing behind."""
        for key in [k for k in self._items
                    if isinstance(k, tuple) and str(k[1]).startswith(prefix)]:
            del self._items[key]

    def __len__(self) -> int:
        return len(self._items)


class _Shared:
    """One process-wide LRU store with a lifetime per entry (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stores: dict[str, OrderedDict] = {}

    def get(self, name: str, key: Hashable, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            store = self._stores.setdefault(name, OrderedDict())
            hit = store.get(key)
            if hit is not None and now - hit[0] < SHARED_TTL_S:
                store.move_to_end(key)
                return hit[1]
        value = compute()  # outside the lock: two sessions may compute it once each
        with self._lock:
            store[key] = (now, value)
            store.move_to_end(key)
            for old in [k for k, (t, _) in store.items() if now - t >= SHARED_TTL_S]:
                del store[old]
            while len(store) > SHARED_ENTRIES:
                store.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._stores.clear()


SHARED = _Shared()


def memo(name: str, key: Hashable, compute: Callable[[], T], *, shared: bool) -> T:
    """``compute()``'s result for ``key``, computed once: in the shared store when
    ``shared`` (only for data that are the same for everyone), else in this
    session."""
    if shared:
        return SHARED.get(name, key, compute)
    stores = st.session_state.setdefault(_SESSION_KEY, {})
    if name not in stores:
        stores[name] = Memo(SESSION_ENTRIES)
    return stores[name].get(key, compute)
