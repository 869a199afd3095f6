"""Incremental OWL 2 RL maintenance for the ontology's rules: a delta in, the inferred delta out.

The full path (kg.pipeline.reason) recomputes the closure of the whole store. Here the
ontology and vocabularies are compiled once into the few rules they use, and a change
of asserted triples is propagated through them against the store as it is:

- additions by semi-naive evaluation: each new fact is joined only with what is already
  there, so the cost follows the consequences of the change, not the store;
- removals by delete-and-rederive (DRed, Gupta, Mumick and Subrahmanian 1993): everything
  derived from a removed fact is over-deleted, facts still derivable in one step from what
  remains are put back and propagated again.

Rules (OWL 2 RL names): cax-sco and scm-sco (a class's superclasses, closed at compile
time), prp-spo1 and scm-spo, prp-inv1/2, prp-symp, prp-trp, prp-spo2 (property chains),
prp-dom, prp-rng. That covers subclass/subproperty, inverse, symmetric and transitive
properties, the chains, the Broker and BoundaryCrosser classes (domains of inverses) and
SKOS broaderTransitive; and, beyond OWL, the boundary objects (kg.pipeline.derived, as the
full path derives them). Anything else in the schema (sameAs, equivalence, restrictions,
functional properties, ...) or a data graph that states schema raises `Unsupported`: the
caller then takes the full path, so no entailment is ever missed silently. A
differential test (tests/test_incremental_write.py) checks the result is the full path's.

What is kept as inferred is the same as on the full path (kg.pipeline.reason.is_data_entailment):
entailments about the data that no graph asserts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.model.namespaces import BUILTIN_NAMESPACES, OWL, RDF, RDFS
from kg.pipeline import derived

Fact = tuple  # (subject, predicate, object) of pyoxigraph terms
_NO_GRAPHS: frozenset = frozenset()

TYPE = ox.NamedNode(RDF + "type")
_SUBCLASS = ox.NamedNode(RDFS + "subClassOf")
_SUBPROPERTY = ox.NamedNode(RDFS + "subPropertyOf")
_DOMAIN = ox.NamedNode(RDFS + "domain")
_RANGE = ox.NamedNode(RDFS + "range")
_INVERSE = ox.NamedNode(OWL + "inverseOf")
_CHAIN = ox.NamedNode(OWL + "propertyChainAxiom")
_FIRST, _REST, _NIL = (ox.NamedNode(RDF + n) for n in ("first", "rest", "nil"))
_SYMMETRIC = ox.NamedNode(OWL + "SymmetricProperty")
_TRANSITIVE = ox.NamedNode(OWL + "TransitiveProperty")
_SAME_AS = ox.NamedNode(OWL + "sameAs")

# Schema statements the rules understand; other OWL/RDFS vocabulary in a schema graph is checked below.
_HANDLED_PREDICATES = {_SUBCLASS, _SUBPROPERTY, _DOMAIN, _RANGE, _INVERSE, _CHAIN}
# Statements that change no entailment of the rules above (declarations, annotations, consistency axioms).
_INERT_PREDICATES = {ox.NamedNode(OWL + n) for n in (
    "versionInfo", "versionIRI", "imports", "disjointWith", "members", "priorVersion", "deprecated")} | {
    ox.NamedNode(RDFS + n) for n in ("label", "comment", "seeAlso", "isDefinedBy")} | {_FIRST, _REST}
_INERT_TYPES = {ox.NamedNode(OWL + n) for n in (
    "Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty", "Ontology", "AllDisjointClasses",
    "NamedIndividual", "Thing")} | {ox.NamedNode(RDFS + n) for n in ("Class", "Datatype", "Resource")} | {
    ox.NamedNode(RDF + "Property"), _SYMMETRIC, _TRANSITIVE}
_SCHEMA_NAMESPACES = (RDFS, OWL)


class Unsupported(ValueError):
    """The schema or the data uses something these rules do not implement: take the full path."""


def builtin(term: object) -> bool:
    return isinstance(term, ox.NamedNode) and term.value.startswith(BUILTIN_NAMESPACES)


def is_data_entailment(s: object, p: ox.NamedNode, o: object) -> bool:
    """kg.pipeline.reason.is_data_entailment for pyoxigraph terms."""
    if isinstance(s, ox.Literal) or builtin(s):
        return False
    if p == TYPE:
        return not builtin(o)
    if p == _SAME_AS:
        return s != o
    return not builtin(p)


def states_schema(p: ox.NamedNode, o: object) -> bool:
    """Would a data triple with this predicate and object change the rules (then: full path)?"""
    if p == TYPE:
        return isinstance(o, ox.NamedNode) and o.value.startswith(_SCHEMA_NAMESPACES) and o not in (
            ox.NamedNode(OWL + "NamedIndividual"), ox.NamedNode(OWL + "Thing"))
    return p.value.startswith(_SCHEMA_NAMESPACES) and p not in _INERT_PREDICATES - {_FIRST, _REST} or p == _SAME_AS


@dataclass
class Rules:
    """The ontology's rules, compiled: one-step maps, with class and property hierarchies closed."""

    superclasses: dict = field(default_factory=dict)  # class -> proper superclasses (closed)
    subclasses: dict = field(default_factory=dict)  # class -> proper subclasses (closed)
    superproperties: dict = field(default_factory=dict)  # property -> proper superproperties (closed)
    subproperties: dict = field(default_factory=dict)
    inverses: dict = field(default_factory=dict)  # property -> its inverses
    symmetric: set = field(default_factory=set)
    transitive: set = field(default_factory=set)
    chains: list = field(default_factory=list)  # (head property, [p1, ..., pn])
    domains: dict = field(default_factory=dict)  # property -> classes
    ranges: dict = field(default_factory=dict)
    domain_of: dict = field(default_factory=dict)  # class -> properties with that domain
    range_of: dict = field(default_factory=dict)
    chain_steps: dict = field(default_factory=dict)  # property -> [(chain index, position)]
    chains_to: dict = field(default_factory=dict)  # head -> [chain index]

    @property
    def predicates(self) -> set:
        """Every property some rule reads."""
        out = set(self.superproperties) | set(self.inverses) | self.symmetric | self.transitive
        out |= set(self.domains) | set(self.ranges) | set(self.chain_steps)
        return out


def compile_rules(schema: Iterable[ox.Quad]) -> Rules:
    """The rules of the ontology and vocabularies graphs (their quads); Unsupported for anything else."""
    by: dict = defaultdict(list)
    for q in schema:
        s, p, o = q.subject, q.predicate, q.object
        if p == TYPE:
            if o in (_SYMMETRIC, _TRANSITIVE):
                by[o].append((s, o))
            elif states_schema(p, o) and o not in _INERT_TYPES:
                raise Unsupported(f"schema type {o.value}")
        elif p in _HANDLED_PREDICATES or p in (_FIRST, _REST):
            by[p].append((s, o))
        elif states_schema(p, o) and p not in _INERT_PREDICATES:
            raise Unsupported(f"schema statement {p.value}")
    rules = Rules()
    rules.superclasses = _closed(by[_SUBCLASS])
    rules.superproperties = _closed(by[_SUBPROPERTY])
    rules.subclasses = _reverse(rules.superclasses)
    rules.subproperties = _reverse(rules.superproperties)
    for a, b in by[_INVERSE]:
        rules.inverses.setdefault(a, set()).add(b)
        rules.inverses.setdefault(b, set()).add(a)
    rules.symmetric = {s for s, _ in by[_SYMMETRIC]}
    rules.transitive = {s for s, _ in by[_TRANSITIVE]}
    for prop, cls in by[_DOMAIN]:
        if not builtin(cls):
            rules.domains.setdefault(prop, set()).add(cls)
            rules.domain_of.setdefault(cls, set()).add(prop)
    for prop, cls in by[_RANGE]:
        if not builtin(cls):
            rules.ranges.setdefault(prop, set()).add(cls)
            rules.range_of.setdefault(cls, set()).add(prop)
    first, rest = dict(by[_FIRST]), dict(by[_REST])
    for head, lst in by[_CHAIN]:
        steps = []
        while lst != _NIL:
            if lst not in first:
                raise Unsupported(f"malformed property chain of {head.value}")
            steps.append(first[lst])
            lst = rest.get(lst, _NIL)
        i = len(rules.chains)
        rules.chains.append((head, steps))
        rules.chains_to.setdefault(head, []).append(i)
        for pos, step in enumerate(steps):
            rules.chain_steps.setdefault(step, []).append((i, pos))
    for cls, sup in rules.superclasses.items():
        rules.superclasses[cls] = {c for c in sup if not builtin(c)}
    return rules


def _closed(pairs: list) -> dict:
    direct: dict = defaultdict(set)
    for a, b in pairs:
        if a != b:
            direct[a].add(b)
    out: dict = {}
    for start in list(direct):
        seen: set = set()
        todo = list(direct[start])
        while todo:
            x = todo.pop()
            if x not in seen and x != start:
                seen.add(x)
                todo.extend(direct.get(x, ()))
        out[start] = seen
    return out


def _reverse(closed: dict) -> dict:
    out: dict = defaultdict(set)
    for a, sups in closed.items():
        for b in sups:
            out[b].add(a)
    return dict(out)


class SubjectQuads:
    """Every quad of a subject, read from the store once per subject and kept, by predicate.

    A change reads the same subjects many times (the rules' joins, the focus, the neighbourhood,
    the public view): one read per subject instead of one per lookup. `applied` gives the quads
    of the store after a change without reading the subjects again. `naming` does the same for
    the quads that name a node as their object."""

    def __init__(self, db: ox.Store):
        self.db = db
        self._quads: dict = {}  # subject -> [quad]
        self._by_predicate: dict = {}  # subject -> predicate -> [quad]
        self._graphs: dict = {}  # subject -> (predicate, object) -> {graph}
        self._outside: dict = {}  # (subject, graphs) -> predicate | None -> [quad not in graphs]
        self._naming: dict = {}  # (object, predicate | None) -> [quad]

    def __call__(self, s, p=None) -> list[ox.Quad]:
        got = self._quads.get(s)
        if got is None:
            got = self._quads[s] = list(self.db.quads_for_pattern(s, None, None, None))
        if p is None:
            return got
        index = self._by_predicate.get(s)
        if index is None:
            index = self._by_predicate[s] = defaultdict(list)
            for q in got:
                index[q.predicate].append(q)
        return index.get(p, [])

    def prefetch(self, subjects: Iterable) -> None:
        """Read many subjects at once where the store can (a remote store: a batch per request;
        kg.store.remote_delta.Overlay.prefetch); elsewhere each is read when asked."""
        fetch = getattr(self.db, "prefetch", None)
        if fetch is not None:  # `subjects` is only gathered where it is used
            fetch(list(dict.fromkeys(s for s in subjects if s not in self._quads)))

    def outside(self, s, graphs: frozenset, p=None) -> list[ox.Quad]:
        """The subject's quads (with predicate `p`) in graphs other than `graphs`; kept, as a change
        asks for the same subject's data many times."""
        index = self._outside.get((s, graphs))
        if index is None:
            index = self._outside[(s, graphs)] = defaultdict(list)
            for q in self(s):
                if q.graph_name not in graphs:
                    index[None].append(q)
                    index[q.predicate].append(q)
        return index.get(p, [])

    def graphs(self, s, p, o) -> set:
        """The graphs that state (s, p, o)."""
        pairs = self._graphs.get(s)
        if pairs is None:
            pairs = self._graphs[s] = defaultdict(set)
            for q in self(s):
                pairs[(q.predicate, q.object)].add(q.graph_name)
        return pairs.get((p, o), _NO_GRAPHS)

    def naming(self, o, p=None) -> list[ox.Quad]:
        """The quads with object `o` (and predicate `p`), every graph; kept. Answered from the node's
        quads by any predicate when those were read."""
        got = self._naming.get((o, p))
        if got is None:
            every = self._naming.get((o, None)) if p is not None else None
            if every is not None:
                got = [q for q in every if q.predicate == p]
            else:
                got = list(self.db.quads_for_pattern(None, p, o, None))
            self._naming[(o, p)] = got
        return got

    def applied(self, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> SubjectQuads:
        """The same for the store once `added` and `removed` (exactly what was applied) are."""
        out = SubjectQuads(self.db)
        gone = set(removed)
        plus: dict = defaultdict(list)
        for q in added:
            plus[q.subject].append(q)
        for s, quads in self._quads.items():
            out._quads[s] = ([q for q in quads if q not in gone] if gone else quads) + plus.get(s, [])
        return out


class Facts:
    """What the closure holds while a change is maintained: the store's facts (every graph
    except `excluded`), minus `minus`, plus `plus`."""

    def __init__(self, db: ox.Store, excluded: Iterable[str], by_subject: SubjectQuads | None = None):
        self.db = db
        self.excluded = frozenset(ox.NamedNode(g) for g in excluded)
        self.by_subject = by_subject or SubjectQuads(db)
        self.plus: set = set()
        self.minus: set = set()
        self._out: dict = defaultdict(set)  # (s, p) -> objects in plus
        self._in: dict = defaultdict(set)  # (p, o) -> subjects in plus

    def _stored(self, s, p, o) -> Iterator[ox.Quad]:
        ex = self.excluded
        if s is not None:  # the subject's quads, read once
            return (q for q in self.by_subject.outside(s, ex, p) if o is None or q.object == o)
        if o is not None:  # the node's naming quads, read once
            return (q for q in self.by_subject.naming(o, p) if q.graph_name not in ex)
        return (q for q in self.db.quads_for_pattern(s, p, o, None) if q.graph_name not in ex)

    def in_store(self, fact: Fact) -> bool:
        return not self.by_subject.graphs(*fact) <= self.excluded

    def __contains__(self, fact: Fact) -> bool:
        return fact in self.plus or (fact not in self.minus and self.in_store(fact))

    def add(self, fact: Fact) -> None:
        self.minus.discard(fact)
        if fact not in self.plus:
            self.plus.add(fact)
            self._out[(fact[0], fact[1])].add(fact[2])
            self._in[(fact[1], fact[2])].add(fact[0])

    def remove(self, fact: Fact) -> None:
        if fact in self.plus:
            self.plus.discard(fact)
            self._out[(fact[0], fact[1])].discard(fact[2])
            self._in[(fact[1], fact[2])].discard(fact[0])
        self.minus.add(fact)

    def objects(self, s, p) -> set:
        out = {q.object for q in self._stored(s, p, None)}
        if self.minus:
            out = {o for o in out if (s, p, o) not in self.minus}
        return out | self._out.get((s, p), set())

    def subjects(self, p, o) -> set:
        out = {q.subject for q in self._stored(None, p, o)}
        if self.minus:
            out = {s for s in out if (s, p, o) not in self.minus}
        return out | self._in.get((p, o), set())

    def any_object(self, s, p) -> bool:
        return bool(self.objects(s, p))

    def any_subject(self, p, o) -> bool:
        return bool(self.subjects(p, o))


_BOUNDARY_OBJECT, _ARTEFACT = ox.NamedNode(derived.BOUNDARY_OBJECT), ox.NamedNode(derived.ARTEFACT)
_MEMBER, _ORGANIZATION, _ROLE = (ox.NamedNode(p) for p in (derived.MEMBER, derived.ORGANIZATION, derived.ROLE))
# read by (predicate, object) by the boundary-object rule: a store that can should fetch these at once
JOINED_BY_OBJECT = frozenset({_MEMBER})


def boundary_object(artefact: object, facts: Facts) -> bool:
    """Whether `facts` make `artefact` a boundary object (kg.pipeline.derived: the full path's rule)."""
    if isinstance(artefact, ox.Literal) or (artefact, TYPE, _ARTEFACT) not in facts:
        return False
    return derived.qualifies((n, r.value) for m in facts.subjects(_MEMBER, artefact)
                             for n in facts.objects(m, _ORGANIZATION) for r in facts.objects(m, _ROLE))


def _boundary_objects(fact: Fact, facts: Facts) -> Iterator[Fact]:
    """The boundary-object rule (not OWL: kg.pipeline.derived) for a fact it reads."""
    s, p, o = fact
    if p == TYPE:
        artefacts = {s} if o == _ARTEFACT else set()
    elif p == _MEMBER:
        artefacts = {o}
    elif p in (_ORGANIZATION, _ROLE):
        artefacts = facts.objects(s, _MEMBER)
    else:
        return
    for a in artefacts:
        if boundary_object(a, facts):
            yield (a, TYPE, _BOUNDARY_OBJECT)


def consequences(rules: Rules, fact: Fact, facts: Facts) -> Iterator[Fact]:
    """Every fact one rule derives from `fact` together with `facts` (one step)."""
    s, p, o = fact
    node = not isinstance(o, ox.Literal)
    yield from _boundary_objects(fact, facts)
    if p == TYPE:
        for d in rules.superclasses.get(o, ()):
            yield (s, TYPE, d)
        return
    for q in rules.superproperties.get(p, ()):
        yield (s, q, o)
    if node:
        for q in rules.inverses.get(p, ()):
            yield (o, q, s)
        if p in rules.symmetric:
            yield (o, p, s)
        if p in rules.transitive:
            for z in facts.objects(o, p):
                yield (s, p, z)
            for x in facts.subjects(p, s):
                yield (x, p, o)
        for cls in rules.ranges.get(p, ()):
            yield (o, TYPE, cls)
    for cls in rules.domains.get(p, ()):
        yield (s, TYPE, cls)
    for index, pos in rules.chain_steps.get(p, ()):
        head, steps = rules.chains[index]
        starts = {s}
        for step in reversed(steps[:pos]):
            starts = {x for y in starts for x in facts.subjects(step, y)}
        ends = {o} if node or pos == len(steps) - 1 else set()
        for step in steps[pos + 1:]:
            ends = {z for y in ends if not isinstance(y, ox.Literal) for z in facts.objects(y, step)}
        for x in starts:
            for z in ends:
                yield (x, head, z)


def derivable(rules: Rules, fact: Fact, facts: Facts) -> bool:
    """Does one rule derive `fact` from `facts` in one step (backward, for DRed's rederive)?"""
    s, p, o = fact
    if p == TYPE:
        return (any((s, TYPE, c) in facts for c in rules.subclasses.get(o, ()))
                or any(facts.any_object(s, q) for q in rules.domain_of.get(o, ()))
                or any(facts.any_subject(q, s) for q in rules.range_of.get(o, ()))
                or (o == _BOUNDARY_OBJECT and boundary_object(s, facts)))
    if any((s, q, o) in facts for q in rules.subproperties.get(p, ())):
        return True
    if not isinstance(o, ox.Literal):
        if any((o, q, s) in facts for q in rules.inverses.get(p, ())):
            return True
        if p in rules.symmetric and (o, p, s) in facts:
            return True
    if p in rules.transitive and any((z, p, o) in facts for z in facts.objects(s, p) if z != o):
        return True
    for index in rules.chains_to.get(p, ()):
        reached = {s}
        for step in rules.chains[index][1]:
            reached = {z for y in reached if not isinstance(y, ox.Literal) for z in facts.objects(y, step)}
        if o in reached:
            return True
    return False


@dataclass
class Maintained:
    """The closure's change: facts that entered it and facts that left it."""

    entered: set
    left: set


def maintain(rules: Rules, facts: Facts, added: set, removed: set,
             asserted_after: Callable[[Fact], bool]) -> Maintained:
    """Propagate a change of asserted facts through `rules`.

    `facts` is the closure before the change (asserted and inferred); `added` are facts
    asserted after and not before, `removed` asserted before and not after;
    `asserted_after(fact)` says whether some graph states `fact` after the change.
    On return `facts` (through its overlays) is the closure after the change.
    """
    # 1. Over-delete everything derived from a removed fact (joins over the old closure).
    over: set = set()
    todo = [f for f in removed if f in facts]
    over.update(todo)
    while todo:
        f = todo.pop()
        for h in consequences(rules, f, facts):
            if h not in over and not asserted_after(h) and h in facts:
                over.add(h)
                todo.append(h)
    for f in over:
        facts.remove(f)
    # 2. Rederive what still follows in one step from what remains.
    seeds = [f for f in over if is_data_entailment(*f) and derivable(rules, f, facts)]
    # 3. Semi-naive insertion of the rederived and the newly asserted facts.
    seeds += [f for f in added if f not in facts]
    for f in seeds:
        facts.add(f)
    entered = set(seeds)
    while seeds:
        f = seeds.pop()
        for h in consequences(rules, f, facts):
            if h not in facts and not isinstance(h[0], ox.Literal) and is_data_entailment(*h):
                facts.add(h)
                entered.add(h)
                seeds.append(h)
    return Maintained(entered - over, over - entered)
