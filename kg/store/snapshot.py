"""A read-optimised view of the store for long-running readers (the web app).

The reader holds the store's `snapshot()` of the current generation and takes a new one when
a build or ingest switched generations, asking at most every `refresh_interval` seconds. For a
folder that is an in-memory copy (querying the on-disk RocksDB store was 4-8x slower, design.md
section 2) and the check is one readlink; a remote store is its own view (it may be larger than
this machine) and is asked once a second, so a page's many queries cost one extra round trip.
"""

from __future__ import annotations

import threading
import time

from kg.store.base import Readable, Store

_NONE_YET = object()


class Snapshot:
    """A store's view of its current generation, refreshed on change."""

    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._generation: object = _NONE_YET
        self._checked = 0.0
        self._db: Readable
        self.refresh(force=True)

    @property
    def generation(self) -> str | None:
        return None if self._generation is _NONE_YET else self._generation  # type: ignore[return-value]

    def refresh(self, force: bool = False) -> bool:
        """Load the current generation if it changed; True if it did."""
        if not force and time.monotonic() - self._checked < self.store.refresh_interval:
            return False
        current = self.store.generation()
        self._checked = time.monotonic()
        if current == self._generation:
            return False
        with self._lock:
            if current != self._generation:
                self._db = self.store.snapshot()
                self._generation = current
        return True

    def db(self) -> Readable:
        self.refresh()
        return self._db
