"""Per-app state (the store snapshot, the query workers, settings) and per-request view."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from kg.answers.read_index import ReadIndex
from kg.sparql.worker import QueryPool
from kg.store import Readable, Store
from kg.store.snapshot import MEMORY_MAX_MB, Snapshot
from web.jobs import Jobs

WHO = "web"  # who the change log names for a change made on the web (it has no login names)


@dataclass
class KGContext:
    """What the app shares between requests; created once by create_app()."""

    store: Store
    base_iri: str
    deadline: float
    row_cap: int
    workers: int
    memory_mb: int = 2048
    state_dir: Path | None = None  # KG_STATE_DIR (None: the store's own)
    snapshot_mode: str = "auto"  # KG_SNAPSHOT (kg.store.snapshot)
    snapshot_memory_mb: float = MEMORY_MAX_MB  # KG_SNAPSHOT_MEMORY_MB
    snapshot: Snapshot = field(init=False)
    read_index: ReadIndex | None = field(init=False)  # the who-knows ranking (None: a remote store)
    jobs: Jobs = field(default_factory=Jobs, init=False)  # background checks and commits of uploads
    _pool: QueryPool | None = field(default=None, init=False)
    _pool_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.snapshot = Snapshot(self.store, self.snapshot_mode, self.snapshot_memory_mb)
        self.read_index = ReadIndex.of(self.store, self.state_dir)

    def db(self) -> Readable:
        """The store's view (in memory or on disk, KG_SNAPSHOT) for the app's own (named, bound) queries."""
        return self.snapshot.db()

    def indexed(self, generation: str | None, db: Readable) -> ReadIndex | None:
        """The read index if it describes `generation` (which `db` holds), brought there now after a small
        change; else None, and it is brought there in the background (kg.answers.read_index)."""
        index = self.read_index
        return index if index is not None and index.follow_in_background(self.store, db, generation) else None

    def pool(self) -> QueryPool:
        """Worker processes for untrusted SPARQL, started on first use."""
        with self._pool_lock:
            if self._pool is None:
                # A remote store is reached over the network, so its workers cannot be
                # cut off from it; the guard (kg.sparql.guard) still refuses SERVICE and LOAD.
                self._pool = QueryPool(workers=self.workers, deadline=self.deadline,
                                       memory_limit=self.memory_mb * 1024 * 1024,
                                       isolate_network=self.store.workers_isolated)
            return self._pool

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
        self.snapshot.close()


def kg() -> KGContext:
    return current_app.extensions["kg"]
