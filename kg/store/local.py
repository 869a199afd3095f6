"""The persistent knowledge graph on this machine: an Oxigraph (RocksDB) store in a folder.

A store folder holds *generations*: complete Oxigraph databases named
`gen-000001`, `gen-000002`, ... and a symlink `CURRENT` to the one in use.
A write (a build, an ingest) makes a new generation, fills it, and then
switches `CURRENT` with one atomic rename. So

- a failed or killed write leaves `CURRENT` exactly as it was (a half-written
  generation is never pointed to, and is removed by the next writer);
- readers (the web server, `kg query`) open a generation read-only and are
  never blocked by a writer;
- bulk loading into an empty database is ~4x faster than a transactional
  replace of the same data (measured: 1M quads, 8 s bulk vs 27 s insert plus
  42 s delete).

Writers take an exclusive lock (`write.lock`) so two builds cannot race.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from kg.store.base import ANY_GENERATION, StoreChanged, StoreError

CURRENT = "CURRENT"
_GEN = re.compile(r"^gen-(\d{6})$")
KEEP_OLD_GENERATIONS = 2


class GraphStore:
    """A folder of Oxigraph generations; see the module docstring."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path} is not a folder")
        if self.path.is_dir() and any(self.path.iterdir()) and not self._is_store_folder():
            raise StoreError(f"{self.path} is not empty and is not a Connective KG store; refusing to use it")

    def _is_store_folder(self) -> bool:
        return (self.path / CURRENT).is_symlink() or (self.path / "write.lock").exists() or any(
            _GEN.match(p.name) for p in self.path.iterdir()
        )

    refresh_interval = 0.0  # a readlink: check on every read
    workers_isolated = True  # query workers read the folder: they need no network

    def __str__(self) -> str:
        return str(self.path)

    # --- reading -----------------------------------------------------------

    def generation(self) -> str | None:
        """The name of the current generation (changes with every write), None if empty."""
        gen = self.current_generation()
        return gen.name if gen else None

    def current_generation(self) -> Path | None:
        link = self.path / CURRENT
        if not link.is_symlink():
            return None
        return self.path / os.readlink(link)

    def open(self) -> ox.Store:
        """The current generation, read-only; an empty in-memory store if none yet."""
        gen = self.current_generation()
        if gen is None:
            return ox.Store()
        return ox.Store.read_only(str(gen))

    def worker_spec(self) -> str:
        gen = self.current_generation()
        return str(gen) if gen else ""

    def upload_dir(self) -> Path:
        return self.path.parent / (self.path.name + "-uploads")

    def snapshot(self) -> ox.Store:
        """The current generation copied into memory (fast to query, detached from disk)."""
        mem = ox.Store()
        mem.bulk_extend(self.open().quads_for_pattern(None, None, None, None))
        return mem

    # --- writing -----------------------------------------------------------

    @contextmanager
    def _write_lock(self, wait_seconds: float = 30.0) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "write.lock", "w") as fh:
            deadline = time.monotonic() + wait_seconds
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreError(f"another kg process is writing to {self.path}; try again later") from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _generations(self) -> list[Path]:
        return sorted(p for p in self.path.iterdir() if _GEN.match(p.name))

    def _next_generation(self) -> Path:
        gens = self._generations()
        n = int(_GEN.match(gens[-1].name).group(1)) + 1 if gens else 1
        return self.path / f"gen-{n:06d}"

    def _check_expected(self, expected: object) -> None:
        if expected is not ANY_GENERATION and self.generation() != expected:
            raise StoreChanged(f"{self.path}: another write switched the store (to {self.generation()}, "
                               f"expected {expected}); nothing was written")

    def replace_all(self, quads: Iterable[ox.Quad], expected: object = ANY_GENERATION) -> Path:
        """Make the store hold exactly `quads`, atomically. Returns the new generation.
        With `expected` (a generation name or None for empty), refuse with StoreChanged if
        the store is no longer at that generation (checked under the write lock)."""
        with self._write_lock():
            self._check_expected(expected)
            self._remove_unreferenced()
            gen = self._next_generation()
            db = ox.Store(str(gen))
            db.bulk_extend(quads)
            db.flush()
            del db
            self._switch_to(gen)
            return gen

    def replace_graphs(self, graphs: Iterable[str], quads: Iterable[ox.Quad], expected: object = ANY_GENERATION) -> Path:
        """Drop `graphs`, add `quads`, keep everything else; atomically (`expected`: as replace_all)."""
        with self._write_lock():
            self._check_expected(expected)
            self._remove_unreferenced()
            gen = self._next_generation()
            current = self.current_generation()
            if current is not None:
                ox.Store.read_only(str(current)).backup(str(gen))
            db = ox.Store(str(gen))
            for g in graphs:
                node = ox.NamedNode(g)
                if db.contains_named_graph(node):
                    db.remove_graph(node)
            db.bulk_extend(quads)
            db.flush()
            del db
            self._switch_to(gen)
            return gen

    def _switch_to(self, gen: Path) -> None:
        tmp = self.path / f".{CURRENT}.{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(gen.name, tmp)
        os.replace(tmp, self.path / CURRENT)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self._remove_unreferenced()

    def _remove_unreferenced(self) -> None:
        """Delete generations older than the current one beyond the few kept for
        readers that may still have them open, and any newer (half-written) ones."""
        current = self.current_generation()
        gens = self._generations()
        if current is None:
            stale = gens
        else:
            older = [g for g in gens if g.name < current.name]
            newer = [g for g in gens if g.name > current.name]
            stale = older[: max(0, len(older) - KEEP_OLD_GENERATIONS)] + newer
        for g in stale:
            shutil.rmtree(g, ignore_errors=True)
