"""A read-optimised view of the store for long-running readers (the web app).

The reader holds the store's `snapshot()` of the current generation and takes a new one when
a build or ingest switched generations, asking at most every `refresh_interval` seconds. For a
folder that is an in-memory copy (querying the on-disk RocksDB store was 4-8x slower, measured
with pyoxigraph 0.5 on the named queries) and the check is one readlink; after a change (kg.pipeline.write) the copy follows by
applying the change's delta instead of copying the store again. Two copies take turns so that
readers never see half a change: the delta goes into the idle copy, which then serves, and the
other one catches up at the next change (so a page that began on it is long done); a remote store is its own view (it may be larger than
this machine) and is asked once a second, so a page's many queries cost one extra round trip.
"""

from __future__ import annotations

import threading
import time

import pyoxigraph as ox

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
        self._idle: ox.Store | None = None  # the other copy, behind by the deltas in `_behind`
        self._behind: list[tuple[list[ox.Quad], list[ox.Quad]]] = []
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
                deltas = None
                if self._generation is not _NONE_YET and isinstance(self._db, ox.Store):
                    deltas = self.store.deltas_since(self._generation)
                if deltas:
                    self._follow(deltas)
                else:
                    self._db, self._idle, self._behind = self.store.snapshot(), None, []
                self._generation = current
        return True

    def _follow(self, deltas: list[tuple[list[ox.Quad], list[ox.Quad]]]) -> None:
        serving = self._db
        assert isinstance(serving, ox.Store)
        idle = self._idle
        if idle is None:  # the first change: make the second copy
            idle = ox.Store()
            idle.bulk_extend(serving.quads_for_pattern(None, None, None, None))
            self._behind = []
        for removed, added in self._behind + deltas:
            for q in removed:
                idle.remove(q)
            idle.extend(added)
        self._db, self._idle, self._behind = idle, serving, list(deltas)

    def db(self) -> Readable:
        self.refresh()
        return self._db
