"""A change to a remote SPARQL store as a delta: read what the change needs, send what it changes.

The counterpart of kg.store.local's `Candidate` for `--store sparql+http://...`: kg.pipeline.write
plans the change against `RemoteCandidate.db`, an `Overlay` that

- reads from the endpoint only what the plan asks for (a subject's quads with those of its blank
  nodes, many subjects in one request: `prefetch`; pattern reads by predicate and object, many
  objects in one request: `prefetch_objects`), each answer kept for the rest of the plan (the
  store cannot change under it unnoticed: the commit is conditional on the generation read);
- keeps what the plan applies in memory (added quads in an in-memory store, removed ones in a
  set), so later reads in the same plan see the store as changed;

and `RemoteCandidate.commit` sends the applied delta as ONE SPARQL Update request, every operation
conditional on the generation the plan read (Virtuoso: a claim on the generation, then batches,
as kg.store.remote writes everything there). `rows` counts the solutions read: a change reads
what it touches, not the store.

Blank nodes: SPARQL cannot name a stored blank node, so one is reached through its path from an
IRI (`<node> <prop> ?b`, two levels deep at most: the periods and instants of the ingest), and
a blank node the change touches is written whole: its quads (every graph) deleted through the
path and its quads after the change inserted as a new blank node. This needs a store that gives a
blank node the same label in every answer (Oxigraph and Virtuoso do); where a plan meets a blank
node it cannot reach so, it raises `incremental.Unsupported` and the caller takes the full path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from kg.model.namespaces import INFERRED_GRAPH, PUBLIC_GRAPH
from kg.pipeline.incremental import Unsupported
from kg.store.base import StoreChanged
from kg.store.remote import META_GRAPH, RemoteGraphStore, RemoteStore

_BATCH = 150  # subjects or objects per request (the VALUES block is repeated in each UNION branch)
_DERIVED = {ox.NamedNode(INFERRED_GRAPH), ox.NamedNode(PUBLIC_GRAPH)}

# A subject's quads and those of the blank nodes one and two steps below it, in our graphs.
SUBJECTS_QUERY = """SELECT DISTINCT ?s ?p ?o ?g WHERE {
  { GRAPH ?g { ?root ?p ?o } BIND(?root AS ?s) }
  UNION { GRAPH ?l1 { ?root ?p1 ?s } FILTER(isBlank(?s)) GRAPH ?g { ?s ?p ?o } }
  UNION { GRAPH ?l1 { ?root ?p1 ?b } FILTER(isBlank(?b)) GRAPH ?l2 { ?b ?p2 ?s } FILTER(isBlank(?s))
          GRAPH ?g { ?s ?p ?o } }
}"""
OBJECTS_QUERY = "SELECT DISTINCT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
PATTERN_QUERY = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def _label(term):
    """A remote blank node under a label of its own ("r" + the store's), never taken for one of ours."""
    return ox.BlankNode("r" + term.value) if isinstance(term, ox.BlankNode) else term


class Overlay:
    """The remote store as the plan reads it: what the endpoint holds (read when asked, kept),
    with the applied delta over it. Offers what kg.pipeline.write and kg.ingest read with
    (`quads_for_pattern`, `named_graphs`, `contains_named_graph`)."""

    def __init__(self, remote: RemoteStore, graphs: list[str]):
        self.remote = remote
        self.graphs = graphs  # ours (the meta graph's list)
        self.plus = ox.Store()  # added, not in the remote store
        self.minus: set[ox.Quad] = set()  # in the remote store, removed
        self.rows = 0  # solutions read from the endpoint
        self.requests = 0
        self._subjects: dict = {}  # IRI or remote blank node -> its remote quads (every graph)
        self._patterns: dict = {}  # (p, o, g) -> remote quads
        self._by_object: dict = {}  # o -> remote quads with that object (every graph)
        self._parent: dict = {}  # remote blank node -> (subject, predicate, graph) of a quad that names it
        self._remote_blanks: set = set()

    # --- reading the endpoint -----------------------------------------------------------------

    def _select(self, text: str, bindings: dict, graphs: list[str] | None = None) -> list[ox.Quad]:
        graphs = self.graphs if graphs is None else graphs
        if not graphs:
            return []
        self.requests += 1
        rows = self.remote.select(text, bindings, default=[], named=graphs)
        out = []
        for r in rows:
            q = ox.Quad(_label(r["s"]), r["p"], _label(r["o"]), r["g"])
            out.append(q)
            self._note(q)
        self.rows += len(out)
        return out

    def _note(self, q: ox.Quad) -> None:
        for t in (q.subject, q.object):
            if isinstance(t, ox.BlankNode):
                self._remote_blanks.add(t)
        if isinstance(q.object, ox.BlankNode) and (q.object not in self._parent or q.graph_name not in _DERIVED):
            self._parent[q.object] = (q.subject, q.predicate, q.graph_name)

    def prefetch(self, subjects: Iterable) -> None:
        """Read the quads of many IRI subjects (with their blank nodes'), a batch per request."""
        todo = sorted({s for s in subjects if isinstance(s, ox.NamedNode) and s not in self._subjects}, key=str)
        for i in range(0, len(todo), _BATCH):
            chunk = todo[i:i + _BATCH]
            found: dict = defaultdict(list)
            for q in self._select(SUBJECTS_QUERY, {"root": chunk}):
                found[q.subject].append(q)
            for s in chunk:
                self._subjects[s] = found.get(s, [])
            for s, quads in found.items():
                if isinstance(s, ox.BlankNode):
                    self._subjects[s] = quads

    def prefetch_objects(self, objects: Iterable, predicates: Iterable | None = None) -> None:
        """Read the quads that name any of many IRIs as their object (with one of `predicates`,
        if given), a batch per request."""
        wanted = sorted(set(predicates), key=str) if predicates is not None else None
        done = (lambda o: o in self._by_object) if wanted is None else (
            lambda o: o in self._by_object or all((p, o, None) in self._patterns for p in wanted))
        todo = sorted({o for o in objects if isinstance(o, ox.NamedNode) and not done(o)}, key=str)
        for i in range(0, len(todo), _BATCH):
            chunk = todo[i:i + _BATCH]
            found: dict = defaultdict(list)
            bindings: dict = {"o": chunk} if wanted is None else {"o": chunk, "p": wanted}
            for q in self._select(OBJECTS_QUERY, bindings):
                found[q.object].append(q)
            for o in chunk:
                if wanted is None:
                    self._by_object[o] = found.get(o, [])
                else:
                    for p in wanted:
                        self._patterns[(p, o, None)] = [q for q in found.get(o, []) if q.predicate == p]

    def _subject(self, s) -> list[ox.Quad]:
        if isinstance(s, ox.BlankNode):
            if s not in self._remote_blanks:
                return []  # one of ours, not in the store
            if s not in self._subjects:
                root = self._root(s)
                self.prefetch([root])
                if s not in self._subjects:
                    raise Unsupported("a blank node deeper than two levels below an IRI, or a store that "
                                      "relabels blank nodes between answers")
            return self._subjects[s]
        if isinstance(s, ox.Literal):
            return []
        if s not in self._subjects:
            self.prefetch([s])
        return self._subjects[s]

    def path(self, b: ox.BlankNode) -> list[tuple]:
        """(subject, predicate, graph) links from an IRI down to remote blank node `b`."""
        out: list[tuple] = []
        node: object = b
        while isinstance(node, ox.BlankNode):
            link = self._parent.get(node)
            if link is None or len(out) == 2:
                raise Unsupported("a blank node of the store that no IRI leads to")
            out.append(link)
            node = link[0]
        return list(reversed(out))

    def _root(self, b: ox.BlankNode):
        return self.path(b)[0][0]

    def _remote_quads(self, s, p, o, g) -> list[ox.Quad]:
        if s is not None:
            quads = self._subject(s)
        elif isinstance(o, ox.BlankNode):  # links to a blank node: its parent's (trees only)
            if o not in self._remote_blanks:
                return []
            quads = [q for q in self._subject(self._parent[o][0]) if q.object == o] if o in self._parent else []
        elif o is not None and o in self._by_object:
            quads = self._by_object[o]
        elif isinstance(o, ox.NamedNode) and p is None and g is None:
            self.prefetch_objects([o])
            quads = self._by_object[o]
        else:
            key = (p, o, g)
            if key not in self._patterns:
                bindings = {k: v for k, v in (("p", p), ("o", _unlabel(o))) if v is not None}
                graphs = self.graphs if g is None else [x for x in self.graphs if x == g.value]
                self._patterns[key] = self._select(PATTERN_QUERY, bindings, graphs)
            return self._patterns[key]
        return [q for q in quads if (p is None or q.predicate == p) and (o is None or q.object == o)
                and (g is None or q.graph_name == g)]

    # --- the store as the plan sees it ----------------------------------------------------------

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> Iterator[ox.Quad]:
        stored = self._remote_quads(subject, predicate, object, graph_name)
        minus = self.minus
        out = [q for q in stored if q not in minus] if minus else list(stored)
        out += self.plus.quads_for_pattern(subject, predicate, object, graph_name)
        return iter(out)

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        mine = {g for g in self.plus.named_graphs() if isinstance(g, ox.NamedNode)}
        return iter(sorted({ox.NamedNode(g) for g in self.graphs} | mine, key=str))

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return graph in set(self.named_graphs())

    def apply(self, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> None:
        for q in removed:
            if q in self.plus:
                self.plus.remove(q)
            else:
                self.minus.add(q)
        for q in added:
            if q in self.minus:
                self.minus.discard(q)
            else:
                self.plus.add(q)

    # --- the delta to send ----------------------------------------------------------------------

    def delta(self) -> tuple[list[tuple[ox.BlankNode, list[tuple]]], list[ox.Quad], list[ox.Quad]]:
        """What the store must do: the remote blank nodes to drop (deepest first, each with its path
        from an IRI), the quads to delete, the quads to insert (the dropped blank nodes' quads after
        the change among them, under their old labels, which an insert makes new)."""
        plus = list(self.plus)
        touched = {t for q in list(self.minus) + plus for t in (q.subject, q.object) if t in self._remote_blanks}
        trees = set(touched)
        for b in touched:  # the whole tree below the IRI: a blank node is written whole
            root = self._root(b)
            todo = [q.object for q in self._subject(root) if q.object in self._remote_blanks]
            while todo:
                n = todo.pop()
                if n not in trees:
                    trees.add(n)
                    todo += [q.object for q in self._subject(n) if q.object in self._remote_blanks]
        drop = sorted(((b, self.path(b)) for b in trees), key=lambda bp: (-len(bp[1]), bp[0].value))
        delete = [q for q in self.minus if not _touches(q, trees)]
        insert = [q for q in plus if not _touches(q, trees)]
        after: set = set()
        for b in trees:
            after.update(self.quads_for_pattern(b))
            after.update(q for q in self.quads_for_pattern(self._root(b)) if q.object in trees)
        return drop, delete, insert + sorted(after, key=str)


def same_blank_nodes(old: list[ox.Quad], new: list[ox.Quad]) -> list[ox.Quad]:
    """`new` with each blank node that stands where one of `old` stands (the same path of
    predicates from the same IRI, one on each side) under that one's label: a store that names
    blank nodes itself (a remote one) then sees only what really changed, not every period anew."""

    def paths(quads: list[ox.Quad]) -> dict:
        parent = {q.object: (q.subject, q.predicate) for q in quads if isinstance(q.object, ox.BlankNode)}
        out: dict = {}
        for b in parent:
            path: list[str] = []
            node: object = b
            while isinstance(node, ox.BlankNode) and node in parent and len(path) < 5:
                node, p = parent[node]
                path.append(p.value)
            if isinstance(node, ox.NamedNode):
                out.setdefault((node.value, *path), []).append(b)
        return {k: v[0] for k, v in out.items() if len(v) == 1}

    before = paths(old)
    rename = {b: before[k] for k, b in paths(new).items() if k in before}
    if not rename:
        return new
    return [ox.Quad(rename.get(q.subject, q.subject), q.predicate, rename.get(q.object, q.object), q.graph_name)
            for q in new]


def _touches(q: ox.Quad, nodes: set) -> bool:
    return q.subject in nodes or q.object in nodes


def _unlabel(term):
    if isinstance(term, ox.BlankNode):
        raise Unsupported("a pattern read by a blank node's label")
    return term


class RemoteCandidate:
    """A change to a remote store being planned; committed as one conditional update, or discarded."""

    def __init__(self, store: RemoteGraphStore):
        self.store = store
        remote = store.open()
        self.base = remote.generation()
        graphs = [g.value for g in remote.owned_graphs()] if self.base is not None else []
        self.db: Overlay | None = Overlay(remote, graphs)
        self.added: list[ox.Quad] = []
        self.removed: list[ox.Quad] = []

    def apply(self, added: list[ox.Quad], removed: list[ox.Quad]) -> None:
        """Remove `removed` and add `added` (quads known to be present resp. absent), in memory."""
        assert self.db is not None
        self.db.apply(added, removed)
        self.removed.extend(removed)
        self.added.extend(added)

    def commit(self) -> str:
        """Send the delta (StoreChanged if another write came since the plan read the store)."""
        assert self.db is not None
        drop, delete, insert = self.db.delta()
        written = {q.graph_name.value for q in insert if isinstance(q.graph_name, ox.NamedNode)}
        graphs = sorted((set(self.db.graphs) | written) - {META_GRAPH})
        try:
            return self.store.write_delta(self.db.remote, self.base, drop, delete, insert, graphs)
        finally:
            self.db = None

    def discard(self) -> None:
        self.db = None


__all__ = ["Overlay", "RemoteCandidate", "StoreChanged", "same_blank_nodes"]
