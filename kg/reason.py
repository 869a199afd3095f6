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
"""

from __future__ import annotations

from dataclasses import dataclass

import rdflib
from rdflib import OWL, RDF, URIRef
from rdflib.collection import Collection

from kg.namespaces import BUILTIN_NAMESPACES
from kg.rdfio import RdflibTriple, normalise_rdflib

REASONERS = ("reasonable", "owlrl")
DEFAULT_REASONER = "reasonable"

# owlrl reports an inconsistency as a triple with this predicate.
_OWLRL_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")


@dataclass(frozen=True)
class Inconsistency:
    """A node that the ontology says cannot exist as stated."""

    node: rdflib.term.Node
    message_en: str
    message_nl: str


def materialise(graph: rdflib.Graph, reasoner: str = DEFAULT_REASONER) -> tuple[set[RdflibTriple], rdflib.Graph]:
    """Return (the entailments about the data, the full closure) of `graph`.

    `graph` holds the ontology, vocabularies and data together; it is not
    modified.
    """
    if reasoner == "reasonable":
        closure = _reasonable_closure(graph)
    elif reasoner == "owlrl":
        closure = _owlrl_closure(graph)
    else:
        raise ValueError(f"unknown reasoner {reasoner!r}; choose one of {', '.join(REASONERS)}")
    inferred = {t for t in closure if t not in graph and is_data_entailment(t)}
    return inferred, closure


def _reasonable_closure(graph: rdflib.Graph) -> rdflib.Graph:
    """reasonable's closure, completed with property chains (OWL 2 RL rule prp-spo2),
    which reasonable 0.4 does not implement: chain triples are added and the
    engine re-run until nothing new appears (chains can feed other rules and
    each other)."""
    import reasonable

    chains = property_chains(graph)
    base = graph
    while True:
        r = reasonable.PyReasoner()
        r.from_graph(base)
        closure = rdflib.Graph()
        for s, p, o in r.reason():
            closure.add((s, p, normalise_rdflib(o)))
        new = [t for t in chain_entailments(closure, chains) if t not in closure]
        if not new:
            return closure
        for t in new:
            closure.add(t)
        base = closure


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


def _owlrl_closure(graph: rdflib.Graph) -> rdflib.Graph:
    import owlrl

    closure = rdflib.Graph()
    for t in graph:
        closure.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    return closure


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


def inconsistencies(closure: rdflib.Graph, ontology: rdflib.Graph) -> list[Inconsistency]:
    """Individuals in disjoint classes or in owl:Nothing, and sameAs/differentFrom clashes."""
    found: list[Inconsistency] = []
    pairs: set[tuple[URIRef, URIRef]] = set()
    for a, b in ontology.subject_objects(OWL.disjointWith):
        pairs.add((a, b))
    for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(ontology, ontology.value(node, OWL.members)))
        pairs.update((a, b) for i, a in enumerate(members) for b in members[i + 1:])
    for a, b in sorted(pairs):
        for x in sorted(set(closure.subjects(RDF.type, a)) & set(closure.subjects(RDF.type, b))):
            found.append(Inconsistency(
                x,
                f"is both {_q(a)} and {_q(b)}, which the ontology declares disjoint",
                f"is tegelijk {_q(a)} en {_q(b)}, en die sluiten elkaar volgens de ontologie uit",
            ))
    for x in sorted(closure.subjects(RDF.type, OWL.Nothing)):
        found.append(Inconsistency(x, "belongs to owl:Nothing (an unsatisfiable class)",
                                   "hoort bij owl:Nothing (een klasse zonder mogelijke leden)"))
    for x, y in sorted(closure.subject_objects(OWL.differentFrom)):
        if (x, OWL.sameAs, y) in closure:
            found.append(Inconsistency(x, f"is stated to be both the same as and different from {_q(y)}",
                                       f"is volgens de data zowel gelijk aan als verschillend van {_q(y)}"))
    for x, msg in closure.subject_objects(_OWLRL_ERROR):
        if not any(f.node == x for f in found):
            found.append(Inconsistency(x, f"owlrl: {msg}", f"owlrl: {msg}"))
    return found


def _q(term: rdflib.term.Node) -> str:
    from kg.namespaces import shorten

    return shorten(str(term))
