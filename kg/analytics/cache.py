"""Results kept until the store changes: one `AnalyticsCache` per owner (the web app, a CLI run).

Keyed by the store generation (the folder name `gen-000042` a build or ingest switched to), the
view and the language: a new generation makes every older entry stale, and they are dropped at
the next lookup. A `RegionData` (the extracted graph, its whole-graph metrics) and the analyses of
single subjects are cached; at most `MAX_SUBJECTS` subject analyses per generation are kept,
oldest dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from kg.analytics.extract import RegionData, load_region

MAX_SUBJECTS = 256   # a page view per subject; bounds memory at a few MB of JSON per generation


class AnalyticsCache:
    """Regions and subject analyses per (generation, view, lang); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._regions: dict[tuple[str, str], RegionData] = {}
        self._subjects: OrderedDict[tuple, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def _switch(self, generation: str | None) -> None:
        if generation != self._generation:
            self._generation = generation
            self._regions.clear()
            self._subjects.clear()

    def region(self, db: ox.Store, generation: str | None, view: str, lang: str) -> RegionData:
        key = (view, lang)
        with self._lock:
            self._switch(generation)
            found = self._regions.get(key)
        if found is not None:
            return found
        region = load_region(db, view, lang, generation)
        with self._lock:
            if generation == self._generation:
                region = self._regions.setdefault(key, region)
        return region

    def subject(self, generation: str | None, key: tuple, compute: Callable[[], Any]) -> Any:
        """The cached result for `key` in this generation, else `compute()` (stored)."""
        with self._lock:
            self._switch(generation)
            if key in self._subjects:
                self.hits += 1
                self._subjects.move_to_end(key)
                return self._subjects[key]
            self.misses += 1
        value = compute()
        with self._lock:
            if generation == self._generation:
                self._subjects[key] = value
                while len(self._subjects) > MAX_SUBJECTS:
                    self._subjects.popitem(last=False)
        return value
