"""A read-optimised view of the store for long-running readers (the web app).

Querying the on-disk RocksDB store was 4-8x slower than an in-memory copy
(design.md, section 2), so a server holds an in-memory snapshot of the
current generation and swaps in a new one when a build or ingest switched
generations. Checking for a switch costs one readlink.

A remote store (kg.remote) is not copied: it may be larger than this machine,
and it answers queries itself. Its generation is asked at most once per
`REMOTE_CHECK_SECONDS`, so a page's many queries cost one extra round trip.
"""

from __future__ import annotations

import threading
import time

import pyoxigraph as ox

REMOTE_CHECK_SECONDS = 1.0


class Snapshot:
    """In-memory copy of a store's current generation, refreshed on change."""

    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._checked = 0.0
        self._db = store.open() if store.remote else ox.Store()
        self.refresh(force=True)

    @property
    def generation(self) -> str | None:
        return self._generation

    def refresh(self, force: bool = False) -> bool:
        """Load the current generation if it changed; True if it did."""
        if self.store.remote and not force and time.monotonic() - self._checked < REMOTE_CHECK_SECONDS:
            return False
        current = self.store.generation()
        self._checked = time.monotonic()
        if current == self._generation:
            return False
        with self._lock:
            if current != self._generation:
                if not self.store.remote:
                    self._db = self.store.snapshot()
                self._generation = current
        return True

    def db(self) -> ox.Store:
        self.refresh()
        return self._db
