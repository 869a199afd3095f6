"""The knowledge graph in a remote SPARQL 1.1 store (Oxigraph server, Virtuoso, Fuseki, ...).

`--store sparql+http://host:port/query` (or `KG_STORE_URL`) makes build, ingest, queries,
the web app and analytics read and write a SPARQL 1.1 Query + Update endpoint through
SPARQLWrapper instead of the embedded Oxigraph store. Two classes:

- `RemoteStore` answers the part of `pyoxigraph.Store` that kg reads with (`query` with
  `default_graph` / `named_graphs` / `substitutions`, `named_graphs`, `contains_named_graph`,
  `quads_for_pattern`) and returns real pyoxigraph result objects, so every caller works
  unchanged.
- `RemoteGraphStore` is the remote counterpart of `kg.store.GraphStore`: `generation()`,
  `open()`, `replace_all()`, `replace_graphs()`.

Which graphs are ours: kg reads and writes only the graphs it lists in its meta graph
(`graph/meta`: `dcterms:hasPart` per graph and the generation as `dcterms:identifier`),
so it can share a triple store with other data. A store that holds graphs but no meta graph
(loaded by other means) is read as a whole.

Bound parameters: the SPARQL protocol has no parameter binding, and pasting values into the
query text is how injection happens. `bind` (kg.rdf.sparql_text) puts the values in a `VALUES`
block at the start of every group graph pattern of the (trusted, named) query, as RDF terms serialised by
pyoxigraph, so every FILTER, OPTIONAL, UNION branch, EXISTS and subquery sees them bound
exactly as pyoxigraph's `substitutions` would; the values never become query syntax
(tests/test_remote_bind.py runs every named query both ways).

Writes are one SPARQL Update request each, so a store that runs a request as one transaction
(Oxigraph, Fuseki) never shows half of it; every operation in it is conditional on the
generation the writer read, so a concurrent writer makes the request a no-op and the caller
gets `StoreChanged` instead of a mix. Virtuoso (recognised by its Server header) refuses large
update requests, so there a write is a series of requests behind a claim on the generation
(`RemoteGraphStore._write_batched`), and reads use merge graphs (`RemoteStore._merged`).

A change (an edit, a re-ingest, an undo) is not a replacement: kg.store.remote_delta plans it
against what it reads of the store and `RemoteGraphStore.write_delta` sends what it deletes and
inserts, under the same condition (on Virtuoso: the same claim and batches).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import urllib.error
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import pyoxigraph as ox
from SPARQLWrapper import POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from kg import settings
from kg.model.namespaces import GRAPH, PUBLIC_GRAPH, PUBLIC_GRAPHS
from kg.rdf.sparql_text import Term, bind, tokens
from kg.store.base import ANY_GENERATION, StoreChanged, StoreError

SCHEMES = ("sparql+http://", "sparql+https://")
META_GRAPH = GRAPH + "meta"
_META = ox.NamedNode(GRAPH + "meta")
MERGE_GRAPHS = GRAPH + "merge/"  # Virtuoso only: see RemoteStore._merged
DEFAULT_TIMEOUT = 60.0
_AGENT = "connective-kg (SPARQLWrapper)"


class RemoteStoreError(StoreError):
    """The remote store cannot be reached or refused a request."""


def is_remote(spec: object) -> bool:
    return isinstance(spec, str) and spec.startswith(SCHEMES)


@dataclass(frozen=True)
class Endpoint:
    """Where a remote store answers: query URL, update URL, optional credentials."""

    query_url: str
    update_url: str
    user: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, spec: str, update_url: str | None = None) -> Endpoint:
        """`sparql+http://[user:pass@]host:port/path`: queries go to http://host:port/path;
        updates to `update_url`, else to the same path with a final /query replaced by
        /update (Oxigraph, Fuseki), else to the same URL (Virtuoso)."""
        if not is_remote(spec):
            raise ValueError(f"not a remote store: {spec!r} (expected {' or '.join(SCHEMES)}...)")
        parts = urlsplit(spec[len("sparql+"):])
        if not parts.hostname:
            raise ValueError(f"no host in {spec!r}")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        query_url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        if update_url is None:
            path = parts.path or "/"
            update_path = path[: -len("/query")] + "/update" if path.endswith("/query") else path
            update_url = urlunsplit((parts.scheme, netloc, update_path, parts.query, ""))
        return cls(query_url, update_url, unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)


# --- reading --------------------------------------------------------------------------------

# The meta graph's queries and updates: constant text, values bound by bind() (?meta is the
# meta graph, which is also its own subject). Update operations get _PREFIXES in _send.
_PREFIXES = "PREFIX dcterms: <http://purl.org/dc/terms/>\nPREFIX ckg: <https://w3id.org/connective-kg/ns#>\n"
GENERATION_QUERY = _PREFIXES + "SELECT ?v WHERE { GRAPH ?meta { ?meta dcterms:identifier ?v } }"
OWNED_QUERY = _PREFIXES + "SELECT ?g WHERE { GRAPH ?meta { ?meta dcterms:hasPart ?g } } ORDER BY ?g"
MERGES_QUERY = _PREFIXES + "SELECT ?merge WHERE { GRAPH ?meta { ?meta ckg:mergeGraph ?merge } }"
_IS_EXPECTED = "GRAPH ?meta { ?meta dcterms:identifier ?expected }"
_IS_EMPTY = "FILTER NOT EXISTS { GRAPH ?meta { ?meta dcterms:identifier ?any } }"
_OLD_META = "GRAPH ?meta { ?ms ?mp ?mo }"
_SET_GENERATION = "INSERT { GRAPH ?meta { ?meta dcterms:identifier ?new } }"
_ADD_PARTS = ("INSERT { GRAPH ?meta { ?meta dcterms:hasPart ?part } } "
              "WHERE { GRAPH ?meta { ?meta dcterms:identifier ?new } }")
_ADD_MERGES = ("INSERT { GRAPH ?meta { ?meta ckg:mergeGraph ?merge } } "
               "WHERE { GRAPH ?meta { ?meta dcterms:identifier ?new } }")
_DROP = "DELETE { GRAPH ?g { ?s ?p ?o } }"
_COPY_INTO_MERGE = "INSERT { GRAPH ?merge { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }"


def _form(text: str) -> str:
    for t in tokens(text):
        if t.kind == "word" and t.text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return t.text.upper()
    raise SyntaxError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")


# Virtuoso names blank nodes `nodeID://b123` in its results, which is no blank node label
# pyoxigraph accepts ("Invalid bnode value"): keep `b123`. (A literal's quotes are escaped in
# JSON, so the pattern matches only a bnode term's value.)
_VIRTUOSO_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')


def _parse_results(body: bytes):
    return ox.parse_query_results(_VIRTUOSO_BNODE.sub(rb"\1", body), format=ox.QueryResultsFormat.JSON)


def _as_list(graphs) -> list[str] | None:
    if graphs is None:
        return None
    if isinstance(graphs, (ox.NamedNode, ox.DefaultGraph, str)):
        graphs = [graphs]
    out = []
    for g in graphs:
        if isinstance(g, ox.DefaultGraph):
            raise ValueError("a remote store's own default graph cannot be named in a dataset; name graphs")
        out.append(g.value if isinstance(g, ox.NamedNode) else str(g))
    return out


class RemoteStore:
    """A SPARQL 1.1 query endpoint as the read-only part of a pyoxigraph Store."""

    def __init__(self, endpoint: Endpoint, timeout: float = DEFAULT_TIMEOUT, whole_store: bool = False):
        self.endpoint = endpoint
        self.timeout = timeout
        self.whole_store = whole_store  # read every named graph (a peer region), not only ours
        self.server: str | None = None  # the last answer's Server header (Virtuoso needs batched writes)

    def wrapper(self, url: str):
        """A SPARQLWrapper for `url` (query or update endpoint) with our agent, credentials and timeout."""

        w = SPARQLWrapper(url, updateEndpoint=self.endpoint.update_url, agent=_AGENT)
        w.setMethod(POST)
        w.setTimeout(self.timeout)
        if self.endpoint.user is not None:
            w.setCredentials(self.endpoint.user, self.endpoint.password or "")
        return w

    def raw(self, text: str, accept: str, default: Sequence[str] | None = None,
            named: Sequence[str] | None = None) -> bytes:
        """POST a query (form-encoded, with the protocol's dataset parameters) and return
        the answer's bytes. SyntaxError for a 400, RemoteStoreError for anything else."""

        w = self.wrapper(self.endpoint.query_url)
        w.setRequestMethod(URLENCODED)
        w.setQuery(text)
        # SPARQLWrapper guesses the form with a regex that misses every other comment line, so
        # a comment saying "copy" sends a SELECT to the update endpoint: say it ourselves.
        w.queryType = _form(text)
        w.setOnlyConneg(True)
        w.addCustomHttpHeader("Accept", accept)
        for g in default or ():
            w.addDefaultGraph(g)
        for g in named or ():
            w.addNamedGraph(g)
        try:
            with w.query().response as response:
                self.server = response.headers.get("Server")
                return response.read()
        except QueryBadFormed as e:
            raise SyntaxError(_detail(e)) from None
        except (SPARQLWrapperException, urllib.error.URLError, OSError) as e:
            raise RemoteStoreError(f"{self.endpoint.query_url}: {_detail(e)}") from None

    def query(self, text: str, default_graph=None, named_graphs=None, substitutions=None,
              use_default_graph_as_union: bool = False, **_ignored):
        """As pyoxigraph's Store.query: QuerySolutions, QueryBoolean or QueryTriples."""
        bindings = {(k.value if isinstance(k, ox.Variable) else str(k)): v for k, v in (substitutions or {}).items()}
        text = bind(text, bindings)
        default, named = _as_list(default_graph), _as_list(named_graphs)
        if use_default_graph_as_union or (default is None and not self.whole_store):
            ours = [g.value for g in self.named_graphs()]
            default = ours if default is None else default
            named = ours if named is None else named
        default = self._merged(default)
        form = _form(text)
        if form in ("SELECT", "ASK"):
            body = self.raw(text, "application/sparql-results+json", default, named)
            return _parse_results(body)
        body = self.raw(text, "application/n-triples", default, named)
        # Through an in-memory store, so callers get a real QueryTriples.
        tmp = ox.Store()
        tmp.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                        for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        return tmp.query("CONSTRUCT WHERE { ?s ?p ?o }")

    def select(self, text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
                default: Sequence[str] | None = None, named: Sequence[str] | None = None):
        """Solution rows of a SELECT with `bindings` bound (kg.rdf.sparql_text.bind), never formatted in."""
        body = self.raw(bind(text, bindings), "application/sparql-results+json", default, named)
        return _parse_results(body)

    def generation(self) -> str | None:
        rows = list(self.select(GENERATION_QUERY, {"meta": _META}, named=[META_GRAPH]))
        return rows[0]["v"].value if rows else None

    def owned_graphs(self) -> list[ox.NamedNode]:
        """The graphs kg wrote (the meta graph's list): the only ones a write may drop."""
        rows = self.select(OWNED_QUERY, {"meta": _META}, named=[META_GRAPH])
        return [r["g"] for r in rows]

    def _merged(self, default: list[str] | None) -> list[str] | None:
        """Virtuoso (7.2) takes several default graphs as a bag, not as their RDF merge: a
        triple in two of them matches twice, so counts and rows double. For a graph list the
        writer has merged (RemoteGraphStore._write_batched), name its merge graph instead."""
        if default is None or len(default) < 2:
            return default
        if self.server is None:
            # Learn which server this is with a query any endpoint allows (a peer's public
            # endpoint refuses our meta graph as a dataset).
            self.raw("ASK {}", "application/sparql-results+json")
        if not (self.server or "").startswith("Virtuoso"):
            return default
        merge = merge_graph(default)
        rows = self.select(MERGES_QUERY, {"meta": _META, "merge": ox.NamedNode(merge)}, named=[META_GRAPH])
        return [merge] if list(rows) else default

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """Our graphs (the meta graph's list); every named graph if there is no meta graph or
        this is a peer's whole store."""
        if not self.whole_store:
            owned = self.owned_graphs()
            if owned or self.generation() is not None:
                return iter(owned)
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
        return iter([r["g"] for r in rows if isinstance(r["g"], ox.NamedNode) and r["g"].value != META_GRAPH
                     and not r["g"].value.startswith(MERGE_GRAPHS)])

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return any(g == graph for g in self.named_graphs())

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> Iterator[ox.Quad]:
        """Quads of our graphs matching the pattern (None = any), in one answer (so blank
        nodes keep their identity across graphs)."""
        graphs = [g.value for g in self.named_graphs()] if graph_name is None else _as_list(graph_name)
        if not graphs:
            return iter(())
        bindings = {k: v for k, v in (("s", subject), ("p", predicate), ("o", object)) if v is not None}
        text = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        rows = self.select(text, bindings, default=[], named=graphs)
        Quad = ox.Quad
        return iter([Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows])


def _detail(e: Exception) -> str:
    text = " ".join(str(e).split())
    return text[:500]


# --- writing ---------------------------------------------------------------------------------

def _where(patterns: str, expected: str | None, bindings: Mapping[str, Term | Sequence[Term]],
           virtuoso: bool = False) -> str:
    """` WHERE { ... }` holding `patterns` and the condition that the generation is still
    `expected` (None: the store has none), with `bindings` and ?meta/?expected bound."""
    cond = _IS_EMPTY if expected is None else _IS_EXPECTED
    values = {"meta": _META, **bindings}
    if expected is not None:
        values["expected"] = ox.Literal(expected)
    return " WHERE " + bind("{ " + cond + " " + patterns + " }", values, update=virtuoso)


def _template(quads: Iterable[ox.Quad]) -> tuple[str, set[str]]:
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        if not isinstance(q.graph_name, ox.NamedNode):
            raise ValueError("every quad written to a remote store needs a named graph")
        by_graph.setdefault(q.graph_name.value, []).append(f"{q.subject} {q.predicate} {q.object} .")
    parts = ["GRAPH " + str(ox.NamedNode(g)) + " {\n" + "\n".join(lines) + "\n}" for g, lines in by_graph.items()]
    return "\n".join(parts), set(by_graph)


def _set_meta(expected: str | None, new: str, owned: Sequence[str], merges: Sequence[str] = (),
              virtuoso: bool = False) -> list[str]:
    """Operations that replace the meta graph by the new generation and graph list, if the
    generation is still `expected`. Not one DELETE/INSERT with an OPTIONAL meta pattern:
    Virtuoso 7.2 inserts nothing for a solution that leaves the DELETE template's variables
    unbound (SPARQL 1.1 skips only those template triples), so the first write to an empty
    store wrote no meta graph. The same effect, written so every solution binds them; the
    graph list is added under the new generation."""
    gen = {"new": ox.Literal(new)}
    if expected is None:  # no generation: clear what else the meta graph holds, then set it
        ops = ["DELETE { " + _OLD_META + " }" + _where(_OLD_META, None, {}, virtuoso),
               _SET_GENERATION + _where("", None, gen, virtuoso)]
    else:  # the condition matched, so the meta graph is not empty
        ops = ["DELETE { " + _OLD_META + " } " + _SET_GENERATION + _where(_OLD_META, expected, gen, virtuoso)]
    ops += _listed(_ADD_PARTS, "part", owned, gen, virtuoso)
    ops += _listed(_ADD_MERGES, "merge", merges, gen, virtuoso)
    return ops


def _listed(op: str, name: str, iris: Sequence[str], gen: Mapping[str, Term], virtuoso: bool) -> list[str]:
    """`op` with ?name bound to each IRI: one operation on Virtuoso (no VALUES-bound
    template variables there), else one operation with all of them."""
    if not virtuoso:
        return [bind(op, {"meta": _META, **gen, name: [ox.NamedNode(i) for i in iris]})] if iris else []
    return [bind(op, {"meta": _META, **gen, name: ox.NamedNode(i)}, update=True) for i in iris]


_VIRTUOSO_CHUNK = 1000  # triples per INSERT DATA (Virtuoso 7.2 refuses ~5,000)
_VIRTUOSO_OPS = 10  # INSERT DATA operations per request
_VIRTUOSO_BLANK_CHUNK = 500  # triples per INSERT ... WHERE (Virtuoso 7.2 refuses ~1,500)


def _blanks(q: ox.Quad) -> list[str]:
    return [t.value for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)]


def _chunks(quads: Sequence[ox.Quad], size: int) -> Iterator[list[ox.Quad]]:
    """Quads with blank nodes in chunks of about `size` (more only for one larger group),
    all quads that share a blank node in the same chunk: a label is scoped to its operation."""
    parent: dict[str, str] = {}

    def find(b: str) -> str:
        while parent.setdefault(b, b) != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        return b

    for q in quads:
        bs = _blanks(q)
        for b in bs[1:]:
            parent[find(b)] = find(bs[0])
    groups: dict[str, list[ox.Quad]] = {}
    for q in quads:
        groups.setdefault(find(_blanks(q)[0]), []).append(q)
    chunk: list[ox.Quad] = []
    for group in groups.values():
        if chunk and len(chunk) + len(group) > size:
            yield chunk
            chunk = []
        chunk += group
    if chunk:
        yield chunk


def _path(path: Sequence[tuple], end: str) -> tuple[str, dict[str, Term]]:
    """Patterns that bind ?`end` to the blank node at the end of `path`: (subject, predicate,
    graph) links from an IRI, each further subject the blank node the link before names; with the
    path's terms as bindings (?`end`_root, ?`end`_pI, ?`end`_gI), never written into the text."""
    values: dict[str, Term] = {f"{end}_root": path[0][0]}
    out, subject = [], f"?{end}_root"
    for i, (_, p, g) in enumerate(path):
        obj = "?" + end if i == len(path) - 1 else f"?{end}{i}"
        values[f"{end}_p{i}"], values[f"{end}_g{i}"] = p, g
        out.append(f"GRAPH ?{end}_g{i} {{ {subject} ?{end}_p{i} {obj} }}")
        subject = obj
    return " ".join(out), values


def _drop_blank(b: ox.BlankNode, path: Sequence[tuple], expected: str | None, virtuoso: bool = False) -> str:
    """An operation deleting every quad whose subject is the stored blank node `path` leads to."""
    patterns, values = _path(path, "b")
    return "DELETE { GRAPH ?g { ?b ?p ?o } }" + _where(patterns + " GRAPH ?g { ?b ?p ?o }", expected, values, virtuoso)


def _drop_links(path: Sequence[tuple], expected: str | None, virtuoso: bool = False) -> str:
    """An operation deleting every quad (any graph) from the IRI at the start of a one-link `path`
    to the blank node it leads to."""
    patterns, values = _path(path, "b")
    return ("DELETE { GRAPH ?g { ?b_root ?p ?b } }"
            + _where(patterns + " GRAPH ?g { ?b_root ?p ?b }", expected, values, virtuoso))


def merge_graph(graphs: Iterable[str]) -> str:
    """The name of the graph that holds the RDF merge of `graphs` (Virtuoso only)."""
    return MERGE_GRAPHS + hashlib.sha256("\n".join(sorted(set(graphs))).encode()).hexdigest()[:20]


def new_generation() -> str:
    return "gen-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(4)


class RemoteGraphStore:
    """A remote SPARQL 1.1 store as the counterpart of kg.store.local.GraphStore (kg.store.base.Store)."""

    incremental = True  # takes a change as a delta sent as SPARQL Update (kg.store.remote_delta)
    keeps_blank_nodes = False  # a blank node written gets the store's own label

    # It answers queries itself and may be larger than this machine: a reader's view is the store
    # itself, and its generation is asked at most once a second (a page's queries cost one round trip).
    refresh_interval = 1.0
    workers_isolated = False  # query workers reach it over the network

    def __init__(self, spec: str, update_url: str | None = None, timeout: float = DEFAULT_TIMEOUT):
        self.spec = spec
        self.endpoint = Endpoint.parse(spec, update_url)
        self.timeout = timeout
        self.path = spec  # where it is, for reports (no credentials: see __str__)

    def __str__(self) -> str:
        return self.endpoint.query_url

    def open(self) -> RemoteStore:
        return RemoteStore(self.endpoint, self.timeout)

    def snapshot(self) -> RemoteStore:
        return self.open()

    def deltas_since(self, generation: str | None) -> None:
        """A remote store's view is the store itself: nothing to follow (see GraphStore.deltas_since)."""
        return None

    def worker_spec(self) -> str:
        return self.spec

    def upload_dir(self) -> Path:
        """No folder of ours next to a remote store: `uploads` in the default data folder."""
        return settings.default_store_path().parent / "uploads"

    def state_dir(self) -> Path:
        """No folder of ours next to a remote store: `state` in the default data folder."""
        return settings.default_store_path().parent / "state"

    def generation(self) -> str | None:
        return self.open().generation()

    def replace_all(self, quads: Iterable[ox.Quad], expected: object = ANY_GENERATION) -> str:
        """Make our graphs exactly `quads`, in one conditional update request."""
        db = self.open()
        # Only graphs kg wrote: data loaded into the store by other means is never dropped.
        return self._write(db, [g.value for g in db.owned_graphs()], quads, expected, keep=())

    def replace_graphs(self, graphs: Iterable[str], quads: Iterable[ox.Quad], expected: object = ANY_GENERATION) -> str:
        """Drop `graphs`, add `quads`, keep our other graphs; in one conditional update request."""
        db = self.open()
        drop = list(graphs)
        keep = [g.value for g in db.owned_graphs() if g.value not in drop]
        return self._write(db, drop, quads, expected, keep)

    def _write(self, db: RemoteStore, drop: list[str], quads: Iterable[ox.Quad], expected, keep) -> str:
        current = db.generation()
        if expected is ANY_GENERATION:
            expected = current
        if current != expected:
            raise StoreChanged(f"{self}: the store changed (generation {current}, expected {expected}); "
                               "nothing was written")
        if (db.server or "").startswith("Virtuoso"):
            return self._write_batched(db, drop, list(quads), expected, keep)
        template, written = _template(quads)
        owned = sorted(set(keep) | written)
        new = new_generation()
        ops = []
        if drop:
            ops.append(_DROP + _where("GRAPH ?g { ?s ?p ?o }", expected,
                                                  {"g": [ox.NamedNode(g) for g in drop]}))
        if template:
            # The data itself, as pyoxigraph serialises the terms (SPARQL Update has no
            # binding for a template's data); the condition's values bound by _where.
            ops.append("INSERT {\n" + template + "\n}" + _where("", expected, {}))
        ops += _set_meta(expected, new, owned)
        return self._send_checked(db, ops, new)

    def _send_checked(self, db: RemoteStore, ops: list[str], new: str) -> str:
        """Send a generation-guarded write; `new` once the store holds it, else StoreChanged."""
        self._send(db, ops, "the update failed, so nothing was written")
        now = db.generation()
        if now != new:
            raise StoreChanged(f"{self}: another writer changed the store first (generation {now}); "
                               "nothing of this write was applied")
        return new

    def _send(self, db: RemoteStore, ops: list[str], failed: str) -> None:
        """POST `ops` as one SPARQL Update request."""

        w = db.wrapper(self.endpoint.update_url)
        w.setRequestMethod(POSTDIRECTLY)
        w.setQuery(_PREFIXES + " ;\n".join(ops))  # one prologue for the request (Oxigraph takes no other)
        w.queryType = "INSERT"  # an update, whatever SPARQLWrapper's guess (see raw())
        try:
            w.query().response.read()
        except (SPARQLWrapperException, urllib.error.URLError, OSError) as e:
            raise RemoteStoreError(f"{self.endpoint.update_url}: {failed}: {_detail(e)}") from None

    def _write_batched(self, db: RemoteStore, drop: list[str], quads: list[ox.Quad], expected, keep) -> str:
        """Virtuoso (7.2): it compiles a whole update request into one SQL procedure, and
        refuses more than ~1,000 template triples in an INSERT ... WHERE ("generated SQL text
        has exceeded 10000 lines", "code vector exceeded"), ~5,000 in an INSERT DATA ("SPARQL
        compiler ... memory exhausted"), and compile time grows faster than linearly. So the
        write goes as several requests, guarded by a claim on the generation instead of one
        conditional request: (1) conditionally set the generation to a claim (another writer's
        claim or write makes it a no-op: StoreChanged, nothing written); (2) CLEAR the dropped
        graphs; (3) INSERT DATA in chunks, each blank node's triples in one chunk (a blank node
        label is scoped to its operation); (4) set the new generation and graph list,
        conditional on the claim. Readers can see the write half done; a write that fails
        midway leaves the claim as the generation, and the next write (with ANY_GENERATION)
        replaces it. Virtuoso's /sparql does not run a request as one transaction anyway."""
        written = sorted({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)})
        claim, new = self._claim(db, expected, written)  # (1)
        midway = f"the update failed midway: the store holds part of it (generation {claim})"
        if drop:  # (2)
            self._send(db, ["CLEAR SILENT GRAPH " + str(ox.NamedNode(g)) for g in drop], midway)
        self._insert_batched(db, quads, midway)  # (3)
        return self._finish_batched(db, claim, new, sorted(set(keep) | set(written)), midway)  # (4)

    def _claim(self, db: RemoteStore, expected: str | None, graphs: Sequence[str]) -> tuple[str, str]:
        """Virtuoso: set the generation to a claim if it is still `expected`, listing `graphs` as
        ours (so a failed write's graphs are dropped by the next replace_all); (claim, new
        generation), or StoreChanged with nothing written."""
        new = new_generation()
        claim = "writing-" + new
        gen = {"new": ox.Literal(claim)}
        old = "DELETE { " + _IS_EXPECTED + " } " if expected is not None else ""
        ops = [old + _SET_GENERATION + _where("", expected, gen, virtuoso=True)]
        ops += _listed(_ADD_PARTS, "part", graphs, gen, virtuoso=True)
        self._send(db, ops, "the update failed, so nothing was written")
        now = db.generation()
        if now != claim:
            raise StoreChanged(f"{self}: another writer changed the store first (generation {now}); "
                               "nothing of this write was applied")
        return claim, new

    def _insert_batched(self, db: RemoteStore, quads: Sequence[ox.Quad], midway: str) -> None:
        """Virtuoso: `quads` as INSERT DATA in chunks, each blank node's quads in one chunk (a blank
        node label is scoped to its operation)."""
        # Virtuoso refuses blank nodes in INSERT DATA ("not allowed in a constant clause"):
        # their quads go as INSERT { } WHERE { }, in smaller chunks, one per request.
        plain = [q for q in quads if not _blanks(q)]
        for i in range(0, len(plain), _VIRTUOSO_CHUNK * _VIRTUOSO_OPS):
            part = plain[i:i + _VIRTUOSO_CHUNK * _VIRTUOSO_OPS]
            self._send(db, ["INSERT DATA {\n" + _template(part[j:j + _VIRTUOSO_CHUNK])[0] + "\n}"
                            for j in range(0, len(part), _VIRTUOSO_CHUNK)], midway)
        # A blank node in two GRAPH <iri> blocks of one template fails ("Function
        # string_output_string needs a string output as argument 1, not an arg of type
        # INTEGER"), but not in GRAPH ?g blocks with ?g bound in the WHERE clause, so the
        # graphs are named so.
        for chunk in _chunks([q for q in quads if _blanks(q)], _VIRTUOSO_BLANK_CHUNK):
            template, graphs = _template(chunk)
            names = {}
            for i, g in enumerate(sorted(graphs)):
                template = template.replace("GRAPH " + str(ox.NamedNode(g)) + " {\n", "GRAPH ?g" + str(i) + " {\n")
                names[f"g{i}"] = ox.NamedNode(g)
            self._send(db, ["INSERT {\n" + template + "\n} WHERE " + bind("{ }", names, update=True)], midway)

    def _finish_batched(self, db: RemoteStore, claim: str, new: str, owned: list[str], midway: str) -> str:
        """Virtuoso: recompute the merge graphs (on the server) and switch from the claim to `new`."""
        # The RDF merge of each view's graphs (kg.store.view_graphs), as RemoteStore._merged
        # reads it: all our graphs, all but the public graph, the public view's graphs.
        old_merges = [r["merge"].value for r in db.select(MERGES_QUERY, {"meta": _META}, named=[META_GRAPH])]
        views = {merge_graph(v): v for v in (owned, [g for g in owned if g != PUBLIC_GRAPH], list(PUBLIC_GRAPHS))
                 if len(set(v)) > 1}
        ops = ["CLEAR SILENT GRAPH " + str(ox.NamedNode(m)) for m in sorted(set(old_merges) | set(views))]
        ops += [bind(_COPY_INTO_MERGE, {"merge": ox.NamedNode(m), "g": [ox.NamedNode(g) for g in v]}, update=True)
                for m, v in views.items()]
        self._send(db, ops, midway)
        self._send(db, _set_meta(claim, new, owned, sorted(views), virtuoso=True), midway)
        now = db.generation()
        if now != new:
            raise StoreChanged(f"{self}: another writer changed the store during the write (generation {now})")
        return new

    # --- a change as a delta (kg.store.remote_delta) -----------------------------------------------

    def candidate(self):
        """A change to plan against this store, reading only what it needs (kg.store.remote_delta)."""
        from kg.store.remote_delta import RemoteCandidate  # it builds on this module

        return RemoteCandidate(self)

    def write_delta(self, db: RemoteStore, expected: str | None, drop: Sequence[tuple[ox.BlankNode, list[tuple]]],
                    delete: Sequence[ox.Quad], insert: Sequence[ox.Quad], owned: Sequence[str]) -> str:
        """Apply a planned delta: drop the blank nodes `drop` (each reached by its path of
        (subject, predicate, graph) links from an IRI) with every quad naming them, delete
        `delete`, insert `insert`, list `owned` as our graphs and switch to a new generation;
        one conditional request (Virtuoso: a claim, then batches). StoreChanged if the store is
        no longer at `expected`: nothing was written."""
        current = db.generation()
        if current != expected:
            raise StoreChanged(f"{self}: the store changed (generation {current}, expected {expected}); "
                               "nothing was written")
        virtuoso = (db.server or "").startswith("Virtuoso")
        if virtuoso:
            claim, new = self._claim(db, expected, sorted(set(owned) - {META_GRAPH}))
            expected = claim
        else:
            new = new_generation()
        ops = [_drop_blank(b, path, expected, virtuoso) for b, path in drop]
        ops += [_drop_links(path, expected, virtuoso) for b, path in drop if len(path) == 1]
        if virtuoso:
            midway = f"the update failed midway: the store holds part of it (generation {expected})"
            for i in range(0, len(ops), _VIRTUOSO_OPS):
                self._send(db, ops[i:i + _VIRTUOSO_OPS], midway)
            for i in range(0, len(delete), _VIRTUOSO_CHUNK):
                self._send(db, ["DELETE DATA {\n" + _template(delete[i:i + _VIRTUOSO_CHUNK])[0] + "\n}"], midway)
            self._insert_batched(db, insert, midway)
            return self._finish_batched(db, expected, new, sorted(owned), midway)
        if delete:
            ops.append("DELETE {\n" + _template(delete)[0] + "\n}" + _where("", expected, {}))
        if insert:
            ops.append("INSERT {\n" + _template(insert)[0] + "\n}" + _where("", expected, {}))
        ops += _set_meta(expected, new, sorted(owned))
        return self._send_checked(db, ops, new)

    def wait_until_reachable(self, seconds: float = 10.0) -> None:
        """For tests and start-up: retry the generation query until it answers."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.generation()
                return
            except RemoteStoreError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


__all__ = ["SCHEMES", "META_GRAPH", "Endpoint", "RemoteStore", "RemoteGraphStore", "RemoteStoreError",
           "StoreChanged", "bind", "is_remote"]
