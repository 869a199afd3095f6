"""What every store offers and what its errors are (a folder of Oxigraph generations, kg.store.local,
or a remote SPARQL 1.1 store, kg.store.remote).

Callers hold a `Store` and never ask which kind it is: what differs (how a query worker reaches it,
where uploads wait, how a long-running reader keeps a fast view of it) is a method of each kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox


class StoreError(Exception):
    """The store cannot be used as asked (busy, missing, not a store)."""


class StoreChanged(StoreError):
    """Another writer switched the store since it was read; nothing was written."""


ANY_GENERATION = object()  # "no expectation" for the `expected` generation of a write


class Readable(Protocol):
    """An open store to read: a pyoxigraph Store, or kg.store.remote.RemoteStore."""

    def query(self, query: str, *args: Any, **kwargs: Any) -> Any: ...
    def quads_for_pattern(self, subject: Any = None, predicate: Any = None, object: Any = None,
                          graph_name: Any = None) -> Iterator[ox.Quad]: ...
    def named_graphs(self) -> Iterator[Any]: ...
    def contains_named_graph(self, graph: Any) -> bool: ...


class Store(Protocol):
    """A knowledge-graph store: its generations, reading them, and writing a new one atomically."""

    #: whether a change can be applied as a delta (kg.pipeline.write) instead of a recomputed store
    incremental: bool

    #: whether a blank node keeps the label it was written with (a remote store gives its own)
    keeps_blank_nodes: bool

    #: seconds a long-running reader may trust its view before asking for the generation again
    refresh_interval: float

    def generation(self) -> str | None:
        """The current generation (changes with every write), None if empty."""

    def open(self) -> Readable:
        """The current generation, for reading."""

    def snapshot(self) -> Readable:
        """A view of the current generation for many fast reads (a long-running reader's)."""

    def deltas_since(self, generation: str | None) -> list[tuple[list[ox.Quad], list[ox.Quad]]] | None:
        """(removed, added) quads of each change from `generation` to the current one, if all are known."""

    def worker_spec(self) -> str:
        """What a query worker process opens to read the current generation ("" = nothing yet)."""

    @property
    def workers_isolated(self) -> bool:
        """Whether query workers can be cut off from the network (not if the store is reached over it)."""

    def upload_dir(self) -> Path:
        """Where uploads wait between their check and their commit."""

    def state_dir(self) -> Path:
        """Where the web app keeps what all its processes share (sign-in sessions, failed attempts)."""

    def replace_all(self, quads: Iterable[ox.Quad], expected: object = ...) -> object:
        """Make the store hold exactly `quads`, atomically (StoreChanged if not at `expected`)."""

    def candidate(self) -> Any:
        """A private candidate for a change as a delta: `.db` to read, `.base` (the generation it
        read), `apply(added, removed)`, `commit()` (StoreChanged if another write came first), `discard()`."""

    def replace_graphs(self, graphs: Iterable[str], quads: Iterable[ox.Quad], expected: object = ...) -> object:
        """Drop `graphs`, add `quads`, keep everything else; atomically."""
