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
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from kg.store.base import Readable, Store

_NONE_YET = object()
MEMO_ENTRIES = 8  # answers kept per generation (a national who-knows ranking is tens of MB)


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
        self._memo: OrderedDict[tuple, Any] = OrderedDict()
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

    def current(self) -> tuple[str | None, Readable]:
        """The generation and the view of it, read together (for `memo`)."""
        self.refresh()
        with self._lock:
            return self.generation, self._db

    def memo(self, generation: str | None, key: tuple, compute: Callable[[], Any]) -> Any:
        """`compute()` once per `generation` (as `current` gave it with the data `compute` reads) and
        `key`: an answer that costs the whole store, such as the who-knows ranking that pages 2, 3,
        ... reuse. The newest `MEMO_ENTRIES` are kept; an older generation's are dropped."""
        with self._lock:
            if self._memo and next(iter(self._memo))[0] != generation:
                self._memo.clear()
            found = self._memo.get((generation, key), _NONE_YET)
            if found is not _NONE_YET:
                self._memo.move_to_end((generation, key))
                return found
        value = compute()
        with self._lock:
            if generation == self.generation:
                self._memo[(generation, key)] = value
                while len(self._memo) > MEMO_ENTRIES:
                    self._memo.popitem(last=False)
        return value
