"""The SPARQL 1.1 Service Description of the endpoint, as RDF.

What a client gets from `GET /sparql` without a query: the endpoint URL, the
query language, the result formats, the features, and the default dataset of
the caller's view (its named graphs with their sizes). See
https://www.w3.org/TR/sparql11-service-description/.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")

# Media type -> W3C format IRI (https://www.w3.org/ns/formats/), for every result format offered.
RESULT_FORMATS = {
    "application/sparql-results+json": FORMATS + "SPARQL_Results_JSON",
    "application/sparql-results+xml": FORMATS + "SPARQL_Results_XML",
    "text/csv": FORMATS + "SPARQL_Results_CSV",
    "text/tab-separated-values": FORMATS + "SPARQL_Results_TSV",
    "text/turtle": FORMATS + "Turtle",
    "application/n-triples": FORMATS + "N-Triples",
    "application/ld+json": FORMATS + "JSON-LD",
    "application/rdf+xml": FORMATS + "RDF_XML",
}
# The formats the description itself is offered in.
DESCRIPTION_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
PREFIXES = {"sd": SD, "formats": FORMATS, "void": VOID, "dcterms": DCTERMS,
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def describe(endpoint: str, graphs: Sequence[tuple[str, int]], *, view: str, deadline: float,
             row_cap: int) -> list[ox.Triple]:
    """The description of `endpoint` whose default dataset holds `graphs` ((IRI, triples) pairs)."""
    service = ox.NamedNode(endpoint)

    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(SD + local)

    out = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, ox.NamedNode(DCTERMS + "title"), ox.Literal("Connective KG SPARQL endpoint", language="en")),
        ox.Triple(service, ox.NamedNode(DCTERMS + "title"), ox.Literal("Connective KG SPARQL-endpoint", language="nl")),
    ]
    out += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(iri)) for iri in RESULT_FORMATS.values()]
    scope_en = ("the public view: the ontology, the vocabularies and the public graph (people without public "
                "consent appear as an anonymous role)" if view == "public" else "the internal view: all graphs")
    scope_nl = ("de openbare weergave: de ontologie, de vocabulaires en de openbare graaf (mensen zonder openbare "
                "toestemming verschijnen als anonieme rol)" if view == "public" else "de interne weergave: alle grafen")
    out.append(ox.Triple(service, RDFS_COMMENT, ox.Literal(
        f"Read-only SPARQL 1.1 Query over {scope_en}. No updates, SERVICE or LOAD; FROM and FROM NAMED only "
        f"with graphs of this dataset. Each query is stopped after {deadline:g} s and may return at most "
        f"{row_cap} rows (or triples).", language="en")))
    out.append(ox.Triple(service, RDFS_COMMENT, ox.Literal(
        f"Alleen-lezen SPARQL 1.1 Query over {scope_nl}. Geen updates, SERVICE of LOAD; FROM en FROM NAMED "
        f"alleen met grafen van deze dataset. Elke query stopt na {deadline:g} s en geeft hoogstens {row_cap} "
        "rijen (of triples).", language="nl")))

    dataset = ox.BlankNode()
    default_graph = ox.BlankNode()
    out += [
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, sd("Graph")),
    ]
    for iri, triples in graphs:
        named, graph = ox.BlankNode(), ox.BlankNode()
        out += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(named, sd("name"), ox.NamedNode(iri)),
            ox.Triple(named, sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, sd("Graph")),
            ox.Triple(graph, ox.NamedNode(VOID + "triples"), ox.Literal(str(triples), datatype=ox.NamedNode(
                "http://www.w3.org/2001/XMLSchema#integer"))),
        ]
    return out


def serialize(triples: Sequence[ox.Triple], media_type: str) -> bytes:
    """The description in one of DESCRIPTION_FORMATS."""
    fmt = DESCRIPTION_FORMATS[media_type]
    return ox.serialize(triples, format=fmt, prefixes=PREFIXES if fmt == ox.RdfFormat.TURTLE else None)
