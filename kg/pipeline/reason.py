"""OWL 2 RL materialisation with owlrl or reasonable, behind one function.

Both engines compute the OWL 2 RL closure; they differ in the schema-level and
axiomatic triples they add (owlrl adds `x rdfs:subClassOf owl:Thing`, datatype
axioms and reflexive statements; reasonable adds `x rdf:type owl:Thing`). What
the knowledge graph keeps is the same for both: the *entailments about the
data*, i.e. new triples whose subject is not a built-in RDF/RDFS/OWL/XSD term,
whose predicate is not a built-in schema predicate (other than rdf:type) and
that do not merely type something as an RDF/RDFS/OWL class. A test checks the
two engines agree on this set for the Twente sample. reasonable 0.4 lacks
property chains (owl:propertyChainAxiom); this module adds them, so both
engines give the full OWL 2 RL closure the ontology relies on.

Inconsistencies (an individual in two disjoint classes, in owl:Nothing,
owl:sameAs and owl:differentFrom at once) are checked on the closure by the
same code for both engines, so the report does not depend on the engine.

Beyond OWL 2 RL, both add the boundary objects (kg.pipeline.derived) to the closure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import rdflib
import reasonable
from rdflib import OWL, RDF, URIRef
from rdflib.collection import Collection

from kg.model.namespaces import BUILTIN_NAMESPACES, shorten
from kg.pipeline import derived
from kg.rdf.rdfio import RdflibTriple, normalise_rdflib
from kg.text import Text

REASONERS = ("reasonable", "owlrl")
DEFAULT_REASONER = "reasonable"

# owlrl reports an inconsistency as a triple with this predicate.
_OWLRL_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")


@dataclass(frozen=True)
class Inconsistency:
    """A node that the ontology says cannot exist as stated, and why."""

    node: rdflib.term.Node
    message: Text

    @property
    def message_en(self) -> str:
        return self.message.en

    @property
    def message_nl(self) -> str:
        return self.message.nl


def materialise(graph: rdflib.Graph, reasoner: str = DEFAULT_REASONER) -> tuple[set[RdflibTriple], set[RdflibTriple]]:
    """Return (the entailments about the data, the consistency flags) of `graph`.

    `graph` holds the ontology, vocabularies and data together; it is not
    modified. The flags are the new triples that say something is wrong
    (`x rdf:type owl:Nothing`, owlrl's error triples); they are not data.
    """
    if reasoner == "reasonable":
        new = _reasonable_new(graph)
    elif reasoner == "owlrl":
        new = _owlrl_new(graph)
    else:
        raise ValueError(f"unknown reasoner {reasoner!r}; choose one of {', '.join(REASONERS)}")
    inferred: set[RdflibTriple] = set()
    flags: set[RdflibTriple] = set()
    for t in new:
        if is_data_entailment(t):
            inferred.add(t)
        elif (t[1] == RDF.type and t[2] == OWL.Nothing) or t[1] == _OWLRL_ERROR:
            flags.add(t)
    return inferred | boundary_objects(graph, inferred), flags


def boundary_objects(graph: rdflib.Graph, inferred: set[RdflibTriple]) -> set[RdflibTriple]:
    """`a rdf:type ckg:BoundaryObject` for every artefact of the closure (`graph` and its `inferred`
    entailments) that kg.pipeline.derived.qualifies and that `graph` does not type so already."""
    def pairs(p: str) -> set:
        prop = URIRef(p)
        return set(graph.subject_objects(prop)) | {(s, o) for s, q, o in inferred if q == prop}

    artefact = URIRef(derived.ARTEFACT)
    artefacts = set(graph.subjects(RDF.type, artefact)) | {s for s, p, o in inferred if p == RDF.type and o == artefact}
    networks, roles = defaultdict(set), defaultdict(set)
    for m, n in pairs(derived.ORGANIZATION):
        networks[m].add(n)
    for m, r in pairs(derived.ROLE):
        roles[m].add(str(r))
    by_artefact: dict = defaultdict(set)
    for m, a in pairs(derived.MEMBER):
        if a in artefacts:
            by_artefact[a] |= {(n, r) for n in networks[m] for r in roles[m]}
    kind = URIRef(derived.BOUNDARY_OBJECT)
    return {(a, RDF.type, kind) for a, found in by_artefact.items()
            if derived.qualifies(found) and (a, RDF.type, kind) not in graph}


def _reasonable_new(graph: rdflib.Graph) -> set[RdflibTriple]:
    """What reasonable adds to `graph`, completed with property chains (OWL 2 RL
    rule prp-spo2), which reasonable 0.4 does not implement.

    Chain triples are computed before the engine runs (chain steps that are
    inverses of asserted properties are read backwards) and handed to it with
    the graph, so they feed the other rules; if the closure then allows chain
    triples that were not there yet, the engine runs again with them."""

    chains = property_chains(graph)
    inverses = _inverses(graph)
    extra = chain_entailments(_Pairs(graph, (), inverses), chains) - set(graph)
    while True:
        r = reasonable.PyReasoner()
        r.from_graph(graph)
        if extra:
            r.from_graph(list(extra))
        new = {(s, p, normalise_rdflib(o)) for s, p, o in r.reason()}
        new = {t for t in new if t not in graph}
        missing = chain_entailments(_Pairs(graph, new, inverses), chains) - new - set(graph)
        if not missing:
            return new
        extra |= missing


class _Pairs:
    """subject_objects(p) over a graph plus extra triples, reading owl:inverseOf backwards."""

    def __init__(self, graph: rdflib.Graph, extra: Iterable[RdflibTriple], inverses: dict):
        self.graph = graph
        self.inverses = inverses
        self.by_p: dict = {}
        for s, p, o in extra:
            self.by_p.setdefault(p, []).append((s, o))

    def subject_objects(self, p: URIRef) -> set:
        pairs = set(self.graph.subject_objects(p)) | set(self.by_p.get(p, ()))
        for q in self.inverses.get(p, ()):
            pairs |= {(o, s) for s, o in self.graph.subject_objects(q)}
            pairs |= {(o, s) for s, o in self.by_p.get(q, ())}
        # A literal cannot be a subject (bad data such as `org:member "text"` is the shapes' job).
        return {(s, o) for s, o in pairs if not isinstance(s, rdflib.Literal)}


def _inverses(graph: rdflib.Graph) -> dict[URIRef, set[URIRef]]:
    inv: dict[URIRef, set[URIRef]] = {}
    for a, b in graph.subject_objects(OWL.inverseOf):
        inv.setdefault(a, set()).add(b)
        inv.setdefault(b, set()).add(a)
    return inv


def property_chains(graph: rdflib.Graph) -> list[tuple[URIRef, list[URIRef]]]:
    """(super-property, [p1, ..., pn]) for every owl:propertyChainAxiom."""
    return [(p, list(Collection(graph, lst))) for p, lst in graph.subject_objects(OWL.propertyChainAxiom)]


def chain_entailments(graph: rdflib.Graph, chains: list[tuple[URIRef, list[URIRef]]]) -> set[RdflibTriple]:
    """x p z whenever x p1 y1 ... y(n-1) pn z (prp-spo2)."""
    out: set[RdflibTriple] = set()
    for prop, steps in chains:
        pairs = set(graph.subject_objects(steps[0]))
        for step in steps[1:]:
            following: dict = {}
            for a, b in graph.subject_objects(step):
                following.setdefault(a, []).append(b)
            pairs = {(x, z) for x, y in pairs for z in following.get(y, ())}
        out.update((x, prop, z) for x, z in pairs)
    return out


def _owlrl_new(graph: rdflib.Graph) -> set[RdflibTriple]:
    import owlrl  # the reference engine: slow, and loaded only when asked for

    closure = rdflib.Graph()
    for t in graph:
        closure.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    return {t for t in closure if t not in graph}


_SCHEMA_PREDICATE_NAMESPACES = BUILTIN_NAMESPACES


def is_data_entailment(triple: RdflibTriple) -> bool:
    """Is this inferred triple about the data (kept), or schema/axiomatic noise (dropped)?"""
    s, p, o = triple
    if isinstance(s, rdflib.Literal) or isinstance(p, rdflib.Literal):
        return False
    if p == OWL.sameAs and s == o:
        return False
    if isinstance(s, URIRef) and str(s).startswith(BUILTIN_NAMESPACES):
        return False
    if p == RDF.type:
        return not (isinstance(o, URIRef) and str(o).startswith(BUILTIN_NAMESPACES))
    if str(p).startswith(_SCHEMA_PREDICATE_NAMESPACES) and p != OWL.sameAs:
        return False
    return True


def inconsistencies(data: rdflib.Graph, flags: set[RdflibTriple], ontology: rdflib.Graph) -> list[Inconsistency]:
    """Individuals in disjoint classes or in owl:Nothing, sameAs/differentFrom clashes.

    `data` must hold the asserted data and the inferred entailments (every
    type); `flags` are the consistency flags from materialise()."""
    found: list[Inconsistency] = []
    for a, b in sorted(disjoint_pairs(ontology)):
        for x in sorted(set(data.subjects(RDF.type, a)) & set(data.subjects(RDF.type, b))):
            found.append(Inconsistency(x, Text(
                nl=f"is tegelijk {_q(a)} en {_q(b)}, en die sluiten elkaar volgens de ontologie uit",
                en=f"is both {_q(a)} and {_q(b)}, which the ontology declares disjoint",
            )))
    nothing = set(data.subjects(RDF.type, OWL.Nothing)) | {s for s, p, o in flags if p == RDF.type}
    for x in sorted(nothing):
        found.append(Inconsistency(x, Text(nl="hoort bij owl:Nothing (een klasse zonder mogelijke leden)",
                                           en="belongs to owl:Nothing (an unsatisfiable class)")))
    for x, y in sorted(data.subject_objects(OWL.differentFrom)):
        if (x, OWL.sameAs, y) in data:
            found.append(Inconsistency(x, Text(nl=f"is volgens de data zowel gelijk aan als verschillend van {_q(y)}",
                                               en=f"is stated to be both the same as and different from {_q(y)}")))
    for x, _p, msg in sorted(t for t in flags if t[1] == _OWLRL_ERROR):
        if not any(f.node == x for f in found):
            found.append(Inconsistency(x, Text(nl=f"owlrl: {msg}", en=f"owlrl: {msg}")))
    return found


def disjoint_pairs(ontology: rdflib.Graph) -> set[tuple[URIRef, URIRef]]:
    """Every pair of classes the ontology declares disjoint (owl:disjointWith, owl:AllDisjointClasses)."""
    pairs: set[tuple[URIRef, URIRef]] = set(ontology.subject_objects(OWL.disjointWith))
    for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(ontology, ontology.value(node, OWL.members)))
        pairs.update((a, b) for i, a in enumerate(members) for b in members[i + 1:])
    return pairs


def _q(term: rdflib.term.Node) -> str:

    return shorten(str(term))
