"""owlrl (the reference) and reasonable (the fast engine) must agree on what the graph keeps."""

from __future__ import annotations

import rdflib

from kg.model import resources
from kg.pipeline.build import core_sources
from kg.pipeline.reason import inconsistencies, is_data_entailment, materialise
from kg.rdf.rdfio import collect_sources, parse_source, rdflib_graph


def sample_union() -> tuple[rdflib.Graph, rdflib.Graph]:
    quads = []
    core = core_sources()
    for s in core + collect_sources([resources.sample_dir()]):
        quads.extend(parse_source(s))
    ontology = rdflib_graph(q for q in quads if q.graph_name.value == core[0].graph)
    return rdflib_graph(quads), ontology


def test_owlrl_and_reasonable_give_the_same_inferences_on_the_sample() -> None:
    union, ontology = sample_union()
    fast, fast_flags = materialise(union, "reasonable")
    ref, ref_flags = materialise(union, "owlrl")
    assert fast, "the sample yields inferences"
    only_fast = sorted(fast - ref)[:10]
    only_ref = sorted(ref - fast)[:10]
    assert fast == ref, f"only reasonable: {only_fast}\nonly owlrl: {only_ref}"
    data = rdflib.Graph()
    for t in union:
        if t not in ontology:
            data.add(t)
    for t in fast:
        data.add(t)
    assert inconsistencies(data, fast_flags, ontology) == inconsistencies(data, ref_flags, ontology) == []


def test_kept_inferences_include_chains_inverses_and_transitivity() -> None:
    union, _ = sample_union()
    inferred, _ = materialise(union, "reasonable")
    predicates = {str(p) for _, p, _ in inferred}
    ckg = "https://w3id.org/connective-kg/ns#"
    for p in ("memberOf", "hasMembership", "connectedTo", "tiedTo", "hasAdopted", "descendsFrom"):
        assert ckg + p in predicates, p
    assert "http://www.w3.org/2004/02/skos/core#broaderTransitive" in predicates
    assert "http://www.w3.org/ns/org#transitiveSubOrganizationOf" in predicates


def test_schema_and_axiomatic_noise_is_dropped() -> None:
    owl = rdflib.OWL
    rdf = rdflib.RDF
    ckg = rdflib.Namespace("https://w3id.org/connective-kg/ns#")
    x = rdflib.URIRef("https://example.org/x")
    assert not is_data_entailment((x, owl.sameAs, x))
    assert not is_data_entailment((x, rdf.type, owl.Thing))
    assert not is_data_entailment((ckg.Person, rdflib.RDFS.subClassOf, ckg.Actor))
    assert not is_data_entailment((owl.Thing, rdf.type, owl.Class))
    assert is_data_entailment((x, rdf.type, ckg.Actor))
    assert is_data_entailment((x, ckg.memberOf, rdflib.URIRef("https://example.org/n")))
