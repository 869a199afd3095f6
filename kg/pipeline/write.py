"""A change as a delta: maintain the inferred and public graphs and validate what it touches.

    asserted quads added and removed (per graph)
        ──kg.pipeline.incremental──▶ inferred quads added and removed
        ──apply to a candidate (a checkpoint of the current generation, kg.store.local)
        ──public view of the touched subjects (kg.pipeline.public) ──▶ public quads added and removed
        ──SHACL on the touched focus nodes, over their neighbourhood (kg.shacl.compiled)
        ──consistency of the touched nodes (kg.pipeline.reason.inconsistencies)
    nothing blocking ──▶ Candidate.commit: one generation switch

The result is the full rebuild's (kg.pipeline.build), which stays the reference:
tests/test_incremental_write.py compares every graph and the findings after random edits.
When the change or the store uses schema the compiled rules do not cover, `plan_change`
raises `incremental.Unsupported` and the caller takes the full path.
"""

from __future__ import annotations

import gc
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox
import rdflib
from rdflib.compare import to_isomorphic
from rdflib.namespace import SH

from kg.model.namespaces import (
    CHANGES_GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    OWL,
    PUBLIC_GRAPH,
    VOCABULARIES_GRAPH,
)
from kg.pipeline import incremental
from kg.pipeline.public import public_context, public_dependents, public_view
from kg.pipeline.reason import Inconsistency, disjoint_pairs, inconsistencies
from kg.rdf.rdfio import rdflib_graph, to_rdflib
from kg.shacl.compiled import data_view, validate_view
from kg.shacl.findings import Finding
from kg.shacl.validate import finalise, shapes_graph
from kg.store.local import Candidate

NOT_DATA = frozenset(ox.NamedNode(g) for g in (INFERRED_GRAPH, PUBLIC_GRAPH, CHANGES_GRAPH))  # not asserted facts
_NONE: frozenset = frozenset()
NOT_REASONED = [PUBLIC_GRAPH, CHANGES_GRAPH]
_NOT_VIEWED = frozenset(ox.NamedNode(g) for g in (PUBLIC_GRAPH, CHANGES_GRAPH, ONTOLOGY_GRAPH))
_INFERRED, _PUBLIC, _ONTOLOGY, _VOCABULARIES = (ox.NamedNode(g) for g in (
    INFERRED_GRAPH, PUBLIC_GRAPH, ONTOLOGY_GRAPH, VOCABULARIES_GRAPH))
_TYPE = incremental.TYPE
# Constraints that read a node through another node's statement about it (kg shapes): the
# SPARQL constraint on adoptedFrom reads other adoptions of the same artefact, the boundary
# object's reads its memberships.
_READ_BACKWARDS = [ox.NamedNode(i) for i in ("https://w3id.org/connective-kg/ns#adoptedArtefact",
                                             "https://w3id.org/connective-kg/ns#adaptedVersion",
                                             "http://www.w3.org/ns/org#member")]
_ADOPTED = _READ_BACKWARDS[:2]
_MEMBER = _READ_BACKWARDS[2]
# Predicates and types that change what the rules derive when stated outside the schema graphs.
_RULE_PREDICATES = [ox.NamedNode(OWL + n) for n in (
    "sameAs", "inverseOf", "propertyChainAxiom", "equivalentClass", "equivalentProperty", "hasKey", "onProperty",
    "unionOf", "intersectionOf", "someValuesFrom", "allValuesFrom", "hasValue", "complementOf", "oneOf")] + [
    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#" + n) for n in ("subClassOf", "subPropertyOf", "domain",
                                                                         "range")]
_RULE_TYPES = [ox.NamedNode(OWL + n) for n in (
    "TransitiveProperty", "SymmetricProperty", "FunctionalProperty", "InverseFunctionalProperty", "Restriction",
    "AsymmetricProperty", "IrreflexiveProperty", "ReflexiveProperty")]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a write runs. A write allocates millions of terms and
    tuples that live until it ends; the collector re-scanned them over and over (about a fifth
    of a 10,000-person ingest's CPU time, bench/write_bench.py). Reference counting still frees
    everything acyclic; the cycles left are collected when the collector is back on. Nested or
    concurrent writes leave it to the outermost one."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass
class Plan:
    """A change applied to a candidate generation, checked, waiting to be committed or discarded."""

    candidate: Candidate
    added: list[ox.Quad]  # asserted quads, as applied
    removed: list[ox.Quad]
    inferred: tuple[int, int] = (0, 0)  # (added, removed)
    public: tuple[int, int] = (0, 0)
    focus: set = field(default_factory=set)  # the nodes validated
    findings: list[Finding] = field(default_factory=list)
    inconsistencies: list[Inconsistency] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed

    def discard(self) -> None:
        self.candidate.discard()


def supports(db: ox.Store, core: list[ox.Quad]) -> incremental.Rules:
    """The rules for a change to `db`, or Unsupported when it must be recomputed instead:
    the stored ontology and vocabularies differ from `core` (the packaged ones), or a data
    graph states schema the rules would have to read."""
    graphs = (ox.NamedNode(ONTOLOGY_GRAPH), ox.NamedNode(VOCABULARIES_GRAPH))
    stored = [q for g in graphs for q in db.quads_for_pattern(None, None, None, g)]
    if len(stored) != len(core) or _digest(stored) != _digest(core):
        raise incremental.Unsupported("the stored ontology or vocabularies are not the packaged ones")
    for p in _RULE_PREDICATES:
        if any(q.graph_name not in graphs for q in db.quads_for_pattern(None, p, None, None)):
            raise incremental.Unsupported(f"a data graph states {p.value}")
    for t in _RULE_TYPES:
        if any(q.graph_name not in graphs for q in db.quads_for_pattern(None, _TYPE, t, None)):
            raise incremental.Unsupported(f"a data graph states a {t.value}")
    return incremental.compile_rules(core)


def _digest(quads: list[ox.Quad]) -> int:
    """The same for isomorphic graphs (the ontology's blank nodes get new labels at every parse)."""
    return to_isomorphic(rdflib_graph(quads)).graph_digest()


def plan_change(candidate: Candidate, added: Iterable[ox.Quad], removed: Iterable[ox.Quad],
                rules: incremental.Rules, focus: Iterable = (), log: Iterable[ox.Quad] = (),
                progress: Callable[[str], None] = lambda step: None) -> Plan:
    """Apply asserted `added`/`removed` quads (data graphs only) to `candidate` with everything that
    follows, and validate the nodes the change touches plus `focus` (pyoxigraph nodes).
    `log` quads (the change's own record) are written with it. Unsupported: take the full path."""
    db = candidate.db
    assert db is not None
    timings: dict[str, float] = {}
    progress("reason")
    t0 = time.perf_counter()
    before = incremental.SubjectQuads(db)
    added, removed = list(dict.fromkeys(added)), list(dict.fromkeys(removed))
    before.prefetch(t for q in added + removed for t in (q.subject, q.object) if isinstance(t, ox.NamedNode))
    added = [q for q in added if q.graph_name not in before.graphs(q.subject, q.predicate, q.object)]
    removed = [q for q in removed if q.graph_name in before.graphs(q.subject, q.predicate, q.object)]
    for q in added + removed:
        if q.graph_name in NOT_DATA or q.graph_name == _ONTOLOGY:
            raise ValueError(f"a change states data, not {q.graph_name.value}")
        if incremental.states_schema(q.predicate, q.object):
            raise incremental.Unsupported(f"the change states schema ({q.predicate.value})")
    inferred_add, inferred_remove, changed = _inferred_delta(db, before, added, removed, rules)
    inferred = (len(inferred_add), len(inferred_remove))
    applied_add, applied_remove = added + inferred_add + list(log), removed + inferred_remove
    del inferred_add, inferred_remove
    candidate.apply(applied_add, applied_remove)
    after = before.applied(applied_add, applied_remove)
    # the subjects' quads before the change (`after` has what is still needed), and what was applied
    del before, applied_add, applied_remove
    timings["reason"] = time.perf_counter() - t0

    # validated before the public view is written: the view does not read it, and it doubles what is read
    progress("validate")
    t0 = time.perf_counter()
    nodes = _focus(db, changed, after) | set(focus)
    findings = focused_findings(db, nodes, after)
    found = _inconsistencies(db, {t[0] for t in changed if t[1] == _TYPE}, after)
    timings["validate"] = time.perf_counter() - t0

    progress("public")
    t0 = time.perf_counter()
    public_add, public_remove = _public_delta(db, changed, after)
    del after, changed  # freed before the write, whose own buffers are a first ingest's peak
    candidate.apply(public_add, public_remove)
    timings["public"] = time.perf_counter() - t0
    return Plan(candidate, added, removed, inferred, (len(public_add), len(public_remove)), nodes, findings, found,
                timings)


def prefetch(db: ox.Store, subjects: Iterable) -> None:
    """Read many subjects' quads at once where the store can (see incremental.SubjectQuads.prefetch)."""
    incremental.SubjectQuads(db).prefetch(subjects)


def prefetch_objects(db: ox.Store, nodes: Iterable, predicates: Iterable | None = None) -> None:
    """Read the quads naming many nodes as their object (by one of `predicates`, if given) at once
    where the store can (a remote store: kg.store.remote_delta.Overlay.prefetch_objects); elsewhere
    each is read when asked."""
    fetch = getattr(db, "prefetch_objects", None)
    if fetch is not None:  # `nodes` is only gathered where it is used (a first ingest names a million)
        fetch(set(nodes), predicates)


def _inferred_delta(db: ox.Store, before: incremental.SubjectQuads, added: list[ox.Quad], removed: list[ox.Quad],
                    rules: incremental.Rules) -> tuple[list[ox.Quad], list[ox.Quad], list[tuple]]:
    """The inferred quads to add and remove for asserted `added`/`removed` (not applied yet), and the
    (s, p, o) of every quad the change adds or removes. Its overlays (the closure's change) are most
    of a first ingest's peak memory: they go when it returns."""
    # one object per distinct term: every attribute read of a quad makes a new one, and a first
    # ingest's facts would otherwise hold millions of copies of the same few hundred thousand
    term: Callable = {}.setdefault
    plus: dict = {}  # (s, p, o) -> None: an ordered set
    minus: dict = defaultdict(set)  # (s, p, o) -> graphs
    for q in added:
        s, p, o = q.subject, q.predicate, q.object
        plus[(term(s, s), term(p, p), term(o, o))] = None
    for q in removed:
        s, p, o = q.subject, q.predicate, q.object
        minus[(term(s, s), term(p, p), term(o, o))].add(q.graph_name)

    def asserted_before(t: tuple) -> bool:
        return not before.graphs(*t) <= NOT_DATA

    def asserted_after(t: tuple) -> bool:
        if t in plus:
            return True
        graphs = before.graphs(*t)
        return bool(graphs) and bool(graphs - NOT_DATA - minus.get(t, _NONE))

    newly = {t for t in plus if not asserted_before(t)}
    no_longer = {t for t in minus if not asserted_after(t)}
    # the rules' joins read by (predicate, object): transitive properties, chain steps, ranges (rederive)
    joined = rules.transitive | set(rules.chain_steps) | set(rules.ranges) | incremental.JOINED_BY_OBJECT
    prefetch_objects(db, (t for q in added + removed for t in (q.subject, q.object)), joined)
    facts = incremental.Facts(db, NOT_REASONED, before)
    kept = incremental.maintain(rules, facts, newly, no_longer, asserted_after)
    inferred_add, inferred_remove = [], []
    changed = list(plus) + list(minus)  # the (s, p, o) of every quad added or removed
    for t in kept.entered | kept.left | newly | no_longer:
        want = t in facts and not asserted_after(t) and incremental.is_data_entailment(*t)
        has = _INFERRED in before.graphs(*t)
        if want != has:
            (inferred_add if want else inferred_remove).append(ox.Quad(*t, _INFERRED))
            changed.append(t)
    return inferred_add, inferred_remove, changed


def _data(db: ox.Store, s=None, p=None, o=None, by_subject: incremental.SubjectQuads | None = None) -> list[ox.Quad]:
    """The viewed quads (data, vocabularies, inferred) matching a pattern (with a subject or an
    object: from `by_subject`, which must describe `db` as it is, when given)."""
    if by_subject is not None:
        if s is not None:
            quads = by_subject.outside(s, _NOT_VIEWED, p)
            return quads if o is None else [q for q in quads if q.object == o]
        if o is not None:
            return [q for q in by_subject.naming(o, p) if q.graph_name not in _NOT_VIEWED]
    return [q for q in db.quads_for_pattern(s, p, o, None) if q.graph_name not in _NOT_VIEWED]


def _public_delta(db: ox.Store, changed: list[tuple], by_subject: incremental.SubjectQuads | None = None,
                  ) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The public graph's quads to add and remove for the subjects the change touched."""
    by_subject = by_subject or incremental.SubjectQuads(db)
    subjects = {t[0] for t in changed} | public_dependents(changed, lambda p, o: {
        q.subject for q in _data(db, None, p, o, by_subject=by_subject)})
    context: list[ox.Quad] = []
    by_subject.prefetch(subjects)
    refs: set = set()
    for s in subjects:
        for q in _data(db, s, by_subject=by_subject):
            context.append(q)
            ref = public_context(q.subject, q.predicate, q.object)
            if ref is not None and ref not in subjects:
                refs.add(ref)
    by_subject.prefetch(refs)
    for ref in refs:
        context.extend(_data(db, ref, by_subject=by_subject))
    vocabularies = db.quads_for_pattern(None, None, None, _VOCABULARIES)
    new = {t for t in public_view((q for q in context if q.graph_name != _VOCABULARIES), vocabularies)
           if t[0] in subjects}
    old = {(q.subject, q.predicate, q.object) for s in subjects for q in by_subject(s) if q.graph_name == _PUBLIC}
    return [ox.Quad(*t, _PUBLIC) for t in new - old], [ox.Quad(*t, _PUBLIC) for t in old - new]


@lru_cache(maxsize=1)
def read_predicates() -> frozenset:
    """Every predicate the shapes may read: the IRIs of the shapes graph and those its SPARQL
    constraints name (prefixed names expanded with the declared prefixes). A change of any other
    predicate (an inverse the reasoner adds, say) changes no finding."""
    shapes = shapes_graph()
    prefixes = {str(p): str(ns) for d in shapes.objects(None, SH.declare)
                for p in shapes.objects(d, SH.prefix) for ns in shapes.objects(d, SH.namespace)}
    out = {ox.NamedNode(str(t)) for triple in shapes for t in triple if isinstance(t, rdflib.URIRef)}
    for text in shapes.objects(None, SH.select):
        for prefix, local in re.findall(r"\b([A-Za-z][\w-]*):([A-Za-z_][\w-]*)", str(text)):
            if prefix in prefixes:
                out.add(ox.NamedNode(prefixes[prefix] + local))
    return frozenset(out | {_TYPE})


def _focus(db: ox.Store, changed: list[tuple], by_subject: incremental.SubjectQuads | None = None) -> set:
    """The nodes whose shapes may read a changed statement: its subject, its object, and the nodes
    that reach its subject in one or two steps the shapes read (paths, the classes of values), and
    those that read it backwards (see _READ_BACKWARDS)."""
    read = read_predicates()
    nodes = {t[0] for t in changed}
    relevant = [t for t in changed if t[1] in read]
    subjects = {t[0] for t in relevant}
    nodes |= {t[2] for t in relevant if t[1] != _TYPE and not isinstance(t[2], ox.Literal)}

    def referrers(n: object) -> set:
        return {q.subject for q in _data(db, None, None, n, by_subject) if q.predicate in read}

    # the second step only from nodes whose own statements did not change (the others' referrers
    # are found from them)
    prefetch_objects(db, subjects)
    reached = {r for n in subjects for r in referrers(n)}
    nodes |= reached
    prefetch_objects(db, reached - subjects)
    nodes |= {r for n in reached - subjects for r in referrers(n)}
    # other adoptions of an artefact whose adoptions changed (an added or removed one, or one's date)
    if by_subject is not None:
        by_subject.prefetch(subjects)
    artefacts = {t[2] for t in changed if t[1] in _ADOPTED}
    artefacts |= {q.object for s in subjects for p in _ADOPTED for q in _data(db, s, p, by_subject=by_subject)}
    prefetch_objects(db, artefacts, _ADOPTED)
    for artefact in artefacts:
        nodes |= {a.subject for p in _ADOPTED for a in _data(db, None, p, artefact, by_subject)}
    for s in subjects:
        nodes |= {q.object for q in _data(db, s, _MEMBER, by_subject=by_subject)}
    return {n for n in nodes if not isinstance(n, ox.Literal)}


def neighbourhood(db: ox.Store, focus: set, by_subject: incremental.SubjectQuads | None = None) -> list[ox.Quad]:
    """The quads the shapes read to validate `focus`: every statement of a focus node, then two
    steps out along what the shapes read (paths, classes of values), and the statements of the
    nodes read backwards."""
    read = read_predicates()
    by_subject = by_subject or incremental.SubjectQuads(db)
    seen: set = set()
    out: list[ox.Quad] = []
    level = set(focus)
    for depth in range(3):
        following: set = set()
        todo = level - seen
        by_subject.prefetch(todo)
        backwards: dict = {}
        if depth < 2:
            prefetch_objects(db, todo, _READ_BACKWARDS)
            backwards = {n: [q.subject for p in _READ_BACKWARDS for q in _data(db, None, p, n, by_subject)]
                         for n in todo}
            by_subject.prefetch({s for subjects in backwards.values() for s in subjects})
        for n in todo:
            seen.add(n)
            quads = _data(db, n, by_subject=by_subject)
            out.extend(quads)
            if depth < 2:
                following |= {q.object for q in quads if q.predicate in read and not isinstance(q.object, ox.Literal)}
                for subject in backwards[n]:
                    if subject not in seen:
                        seen.add(subject)
                        out.extend(_data(db, subject, by_subject=by_subject))
        level = following
    return out


def focused_findings(db: ox.Store, focus: set, by_subject: incremental.SubjectQuads | None = None) -> list[Finding]:
    """The SHACL findings about `focus`, as validating the whole store would report them."""
    if not focus:
        return []
    quads = neighbourhood(db, focus, by_subject)
    ontology = list(db.quads_for_pattern(None, None, None, _ONTOLOGY))
    view = data_view(ontology + quads, exclude=ONTOLOGY_GRAPH)
    wanted = {to_rdflib(n) for n in focus}
    return finalise(f for f in validate_view(view, shapes_graph()) if f.focus in wanted)


def _inconsistencies(db: ox.Store, nodes: set, by_subject: incremental.SubjectQuads | None = None,
                     ) -> list[Inconsistency]:
    """kg.pipeline.reason.inconsistencies for the nodes whose statements changed (their types; the
    rules derive no owl:Nothing and sameAs takes the full path)."""
    ontology = rdflib_graph(db.quads_for_pattern(None, None, None, _ONTOLOGY))
    disjoint = {frozenset(ox.NamedNode(str(c)) for c in pair) for pair in disjoint_pairs(ontology)}
    clashing = []
    if by_subject is not None:
        by_subject.prefetch(nodes)
    for n in nodes:
        if isinstance(n, ox.Literal):
            continue
        types = _data(db, n, _TYPE, by_subject=by_subject)
        classes = {q.object for q in types}
        if len(classes) > 1 and any(pair <= classes for pair in disjoint):
            clashing.extend(types)
    if not clashing:
        return []
    return inconsistencies(rdflib_graph(clashing), set(), ontology)
