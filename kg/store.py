"""The persistent knowledge graph: an Oxigraph (RocksDB) store on disk.

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
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from kg import settings
from kg.namespaces import PUBLIC_GRAPH, PUBLIC_GRAPHS


CURRENT = "CURRENT"
_GEN = re.compile(r"^gen-(\d{6})$")
KEEP_OLD_GENERATIONS = 2


class StoreError(Exception):
    """The store cannot be used as asked (busy, missing, not a store)."""


class StoreChanged(StoreError):
    """Another writer switched the store since it was read; nothing was written."""


ANY_GENERATION = object()  # "no expectation" for the `expected` generation of a write


def store_spec(option: str | Path | None = None) -> str | Path:
    """Which store to use: `option` (e.g. --store), else `$KG_STORE_URL`, else `$KG_STORE`,
    else the default folder. A `sparql+http(s)://` spec is a remote store (kg.remote)."""
    if option:
        return option
    return settings.value("KG_STORE_URL") or default_store_path()


def open_store(spec: str | Path | None = None, update_url: str | None = None, timeout: float | None = None):
    """A `GraphStore` for a folder, a `kg.remote.RemoteGraphStore` for a `sparql+http(s)://`
    URL (update endpoint: `update_url`, else `$KG_STORE_UPDATE_URL`, else derived; request
    timeout: `timeout`, else `$KG_STORE_TIMEOUT` seconds, else 60)."""
    spec = store_spec(spec)
    if isinstance(spec, str) and spec.startswith(("sparql+http://", "sparql+https://")):
        from kg.remote import RemoteGraphStore

        try:
            return RemoteGraphStore(spec, update_url or settings.value("KG_STORE_UPDATE_URL"),
                                    float(timeout or settings.value("KG_STORE_TIMEOUT")))
        except ValueError as e:
            raise StoreError(str(e)) from None
    return GraphStore(spec)


def default_store_path() -> Path:
    """`$KG_STORE`, else `$XDG_DATA_HOME/connective-kg/store` (~/.local/share/...)."""
    return settings.value("KG_STORE")


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

    remote = False

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


# --- queries over an open pyoxigraph store ----------------------------------

VIEWS = ("internal", "public", "all")


def view_graphs(store: ox.Store, view: str = "internal") -> list[ox.NamedNode]:
    """The named graphs a view reads: public = ontology, vocabularies and the
    public graph; internal = every graph except the public copy; all = every
    graph (for housekeeping such as `kg stats`, never for answers)."""
    if view == "public":
        return [ox.NamedNode(g) for g in PUBLIC_GRAPHS]
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; use one of {VIEWS}")
    return [g for g in store.named_graphs()
            if isinstance(g, ox.NamedNode) and (view == "all" or g.value != PUBLIC_GRAPH)]


def run_query(
    store: ox.Store,
    sparql: str,
    bindings: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode] | None = None,
    view: str = "internal",
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run SPARQL over the union of a view's graphs with bound parameters (never string formatting)."""
    subs = {ox.Variable(k): v for k, v in (bindings or {}).items()}
    graphs = view_graphs(store, view)
    return store.query(sparql, default_graph=graphs, named_graphs=graphs, substitutions=subs or None)


def digest(store: ox.Store) -> str:
    """SHA-256 of all quads in a canonical order: equal digests mean equal contents."""
    lines = sorted(str(q) for q in store.quads_for_pattern(None, None, None, None))
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()
