"""Reading an open store in a view (public, internal, all) with bound parameters, and its digest."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pyoxigraph as ox

from kg.model.namespaces import PUBLIC_GRAPH, PUBLIC_GRAPHS
from kg.rdf.sparql_text import inline, still_read
from kg.store.base import Readable

VIEWS = ("internal", "public", "all")


def view_graphs(store: ox.Store | Readable, view: str = "internal") -> list[ox.NamedNode]:
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
    """Run SPARQL over the union of a view's graphs with bound parameters (never string
    formatting). The values are also written where the outermost WHERE reads them
    (kg.rdf.sparql_text.inline), so that the store's optimiser plans with them."""
    subs = {ox.Variable(k): v for k, v in (bindings or {}).items()}
    graphs = view_graphs(store, view)
    if subs:
        sparql = inline(sparql, bindings, strings=isinstance(store, ox.Store))  # Virtuoso: see inline
        kept = still_read(sparql, bindings or {})
        subs = {v: term for v, term in subs.items() if v.value in kept}
    return store.query(sparql, default_graph=graphs, named_graphs=graphs, substitutions=subs or None)


def digest(store: ox.Store) -> str:
    """SHA-256 of all quads in a canonical order: equal digests mean equal contents."""
    lines = sorted(str(q) for q in store.quads_for_pattern(None, None, None, None))
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()
