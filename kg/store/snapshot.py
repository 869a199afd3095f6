"""A read-optimised view of the store for long-running readers (the web app).

The reader holds a view of the store's current generation and takes a new one when a build or
ingest switched generations, asking at most every `refresh_interval` seconds (for a folder the
check is one readlink). How a folder is read is the reader's `mode` (the setting KG_SNAPSHOT):

- `memory`: the store's `snapshot()`, an in-memory copy (querying the on-disk RocksDB store was
  4-8x slower, measured with pyoxigraph 0.5 on the named queries). After a change
  (kg.pipeline.write) the copy follows by applying the change's delta instead of copying the
  store again. Two copies take turns so that readers never see half a change: the delta goes
  into the idle copy, which then serves, and the other one catches up at the next change (so a
  page that began on it is long done). A copy costs time and memory in proportion to the store
  (at 10,000 people, 1.8M quads, 461 MB on disk: about 14 s of CPU and 1 GB per copy), in every
  server process: a national store cannot be copied at all.
- `disk`: the current generation read-only on disk (`GraphStore.open_pinned`): nothing is copied,
  so it starts at once and its memory does not grow with the store (RocksDB's caches only);
  queries that read a whole topic are slower, a page's bound queries (a few index seeks) are not.
  On a change it simply opens the new generation. It pins the generation it serves and the one
  before (pages may still run on it) so that a writer does not remove them underneath it (see
  kg.store.local).
- `auto` (the default): `memory` while the current generation's data on disk is at most
  `memory_max_bytes` (KG_SNAPSHOT_MEMORY_MB), else `disk`; decided again at every change, so a
  store that grows past it moves to disk and drops its copies.

A remote store is its own view whatever the mode (it may be larger than this machine) and is
asked once a second, so a page's many queries cost one extra round trip.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from kg.settings import BY_NAME, SNAPSHOT_MODES
from kg.store.base import Readable, Store
from kg.store.local import GraphStore, Pin

_NONE_YET = object()
MEMO_ENTRIES = 8  # answers kept per generation (a national who-knows ranking is tens of MB)
MEMORY_MAX_MB: float = BY_NAME["KG_SNAPSHOT_MEMORY_MB"].default  # see the README's Serving section


class Snapshot:
    """A store's view of its current generation, refreshed on change; `mode`: see the module docstring."""

    def __init__(self, store: Store, mode: str = "auto", memory_max_mb: float = MEMORY_MAX_MB):
        if mode not in SNAPSHOT_MODES:
            raise ValueError(f"not a snapshot mode: {mode!r} (use {', '.join(SNAPSHOT_MODES)})")
        self.store = store
        self.mode = mode
        self.memory_max_bytes = memory_max_mb * 1_000_000
        self.on_disk = False  # whether the view is the generation on disk (else a copy, or a remote store)
        self._pin: Pin | None = None  # the served generation's, when on disk
        self._previous_pin: Pin | None = None  # the one served before (pages that began on it)
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
                if self._reads_disk():
                    assert isinstance(self.store, GraphStore)
                    db, pin = self.store.open_pinned()
                    self._db, self._idle, self._behind = db, None, []  # the copies, if any, go
                    self._hold(pin)
                    self.on_disk = True
                    self._generation = pin.generation if pin else current
                    return True
                deltas = None
                if self._generation is not _NONE_YET and not self.on_disk and isinstance(self._db, ox.Store):
                    deltas = self.store.deltas_since(self._generation)
                if deltas:
                    self._follow(deltas)
                else:
                    self._db, self._idle, self._behind = self.store.snapshot(), None, []
                self._hold(None)
                self.on_disk = False
                self._generation = current
        return True

    def _reads_disk(self) -> bool:
        """Whether the current generation is to be read on disk (see the module docstring)."""
        if not isinstance(self.store, GraphStore) or self.mode == "memory":
            return False
        return self.mode == "disk" or self.store.generation_bytes() > self.memory_max_bytes

    def _hold(self, pin: Pin | None) -> None:
        """Serve under `pin` now; keep the last one for the pages still on it, release the one before."""
        if self._previous_pin is not None:
            self._previous_pin.release()
        self._previous_pin, self._pin = self._pin, pin

    def close(self) -> None:
        """Release the generations this view pins (a writer may then remove them); it still answers
        from what it holds, until the next change."""
        with self._lock:
            self._hold(None)
            self._hold(None)

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
