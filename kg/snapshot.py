"""A read-optimised view of the store for long-running readers (the web app).

Querying the on-disk RocksDB store was 4-8x slower than an in-memory copy
(design.md, section 2), so a server holds an in-memory snapshot of the
current generation and swaps in a new one when a build or ingest switched
generations. Checking for a switch costs one readlink.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox

from kg.store import GraphStore


class Snapshot:
    """In-memory copy of a store's current generation, refreshed on change."""

    def __init__(self, store: GraphStore):
        self.store = store
        self._lock = threading.Lock()
        self._generation: Path | None = None
        self._db: ox.Store = ox.Store()
        self.refresh()

    @property
    def generation(self) -> str | None:
        return self._generation.name if self._generation else None

    def refresh(self) -> bool:
        """Load the current generation if it changed; True if it did."""
        current = self.store.current_generation()
        if current == self._generation:
            return False
        with self._lock:
            if current != self._generation:
                self._db = self.store.snapshot()
                self._generation = current
        return True

    def db(self) -> ox.Store:
        self.refresh()
        return self._db
