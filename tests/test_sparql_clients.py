"""Standard SPARQL clients against the endpoint on a real HTTP server: SPARQLWrapper and rdflib's
SPARQLStore. Their parsed answers must equal the same query run directly on the store."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
import rdflib
from conftest import TOKEN
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.store import run_query

CKG = "https://w3id.org/connective-kg/ns#"
SELECT = f"""PREFIX ckg: <{CKG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?artefact ?label ?created WHERE {{
  ?artefact a ckg:Artefact ; rdfs:label ?label .
  OPTIONAL {{ ?artefact <http://purl.org/dc/terms/created> ?created }}
}} ORDER BY ?artefact ?label"""
ASK_TRUE = f"ASK {{ ?x a <{CKG}ObservationGuide> }}"
ASK_FALSE = f"ASK {{ ?x a <{CKG}NoSuchClass> }}"
CONSTRUCT = f"""PREFIX ckg: <{CKG}>
CONSTRUCT {{ ?a ?p ?o }} WHERE {{ ?a a ckg:ObservationGuide ; ?p ?o }}"""


def to_rdflib(t) -> rdflib.term.Node:
    if isinstance(t, ox.NamedNode):
        return rdflib.URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return rdflib.BNode(t.value)
    if t.language:
        return rdflib.Literal(t.value, lang=t.language)
    if t.datatype.value == str(rdflib.XSD.string):  # a simple literal, as every result format writes it
        return rdflib.Literal(t.value)
    return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))


def direct_select(db: ox.Store, view: str = "public") -> list[tuple]:
    result = run_query(db, SELECT, view=view)
    names = [v.value for v in result.variables]
    return [tuple(to_rdflib(s[n]) if s[n] is not None else None for n in names) for s in result]


def direct_graph(db: ox.Store, view: str = "public") -> rdflib.Graph:
    data = ox.serialize(list(run_query(db, CONSTRUCT, view=view)), format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data.decode(), format="nt")


def _literal(binding: dict) -> rdflib.term.Node:
    if binding["type"] == "uri":
        return rdflib.URIRef(binding["value"])
    return rdflib.Literal(binding["value"], lang=binding.get("xml:lang"),
                          datatype=rdflib.URIRef(binding["datatype"]) if "datatype" in binding else None)


# --- SPARQLWrapper --------------------------------------------------------------------------------

def wrapper(live_server, query: str, fmt: str, method: str | None = None, token: bool = False) -> SPARQLWrapper:
    sw = SPARQLWrapper(live_server.url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method == POSTDIRECTLY:
        sw.setMethod(POST)
        sw.setRequestMethod(POSTDIRECTLY)
    elif method == POST:
        sw.setMethod(POST)
    if token:
        sw.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    return sw


@pytest.mark.parametrize("method", [None, POST, POSTDIRECTLY])
def test_sparqlwrapper_select_json(live_server, sample_db, method) -> None:
    doc = wrapper(live_server, SELECT, JSON, method).queryAndConvert()
    names = doc["head"]["vars"]
    got = [tuple(_literal(b[n]) if n in b else None for n in names) for b in doc["results"]["bindings"]]
    expected = direct_select(sample_db)
    assert len(expected) > 10 and got == expected


def test_sparqlwrapper_select_xml_csv_tsv(live_server, sample_db) -> None:
    expected = direct_select(sample_db)
    xml_doc = wrapper(live_server, SELECT, XML).queryAndConvert()  # a minidom Document
    results = xml_doc.getElementsByTagName("result")
    assert len(results) == len(expected)
    first = {b.getAttribute("name"): b.firstChild.firstChild.data for b in results[0].getElementsByTagName("binding")}
    assert first["artefact"] == str(expected[0][0]) and first["label"] == str(expected[0][1])

    table = list(csv.reader(io.StringIO(wrapper(live_server, SELECT, CSV).queryAndConvert().decode(), newline="")))
    assert table[0] == ["artefact", "label", "created"]
    assert table[1:] == [[str(v) if v is not None else "" for v in row] for row in expected]

    tsv = wrapper(live_server, SELECT, TSV).queryAndConvert().decode().splitlines()
    assert tsv[0] == "?artefact\t?label\t?created" and len(tsv) == len(expected) + 1


def test_sparqlwrapper_ask(live_server) -> None:
    assert wrapper(live_server, ASK_TRUE, JSON).queryAndConvert()["boolean"] is True
    assert wrapper(live_server, ASK_FALSE, JSON).queryAndConvert()["boolean"] is False
    xml_doc = wrapper(live_server, ASK_TRUE, XML, POST).queryAndConvert()
    assert xml_doc.getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize("fmt", [RDFXML, JSONLD, TURTLE])
def test_sparqlwrapper_construct(live_server, sample_db, fmt) -> None:
    result = wrapper(live_server, CONSTRUCT, fmt).queryAndConvert()
    if isinstance(result, bytes):  # SPARQLWrapper hands Turtle over as bytes
        result = rdflib.Graph().parse(data=result.decode(), format="turtle")
    expected = direct_graph(sample_db)
    assert len(expected) > 20 and isomorphic(result, expected)


def test_sparqlwrapper_sees_the_internal_view_with_the_token(live_server, sample_db) -> None:
    doc = wrapper(live_server, SELECT, JSON, token=True).queryAndConvert()
    got = [tuple(_literal(b[n]) if n in b else None for n in doc["head"]["vars"]) for b in doc["results"]["bindings"]]
    assert got == direct_select(sample_db, "internal")


def test_sparqlwrapper_reports_a_refused_query(live_server) -> None:
    sw = wrapper(live_server, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", JSON)
    with pytest.raises(QueryBadFormed) as info:
        sw.queryAndConvert()
    assert "SERVICE" in str(info.value) and "not allowed" in str(info.value)


# --- rdflib's SPARQLStore ---------------------------------------------------------------------------

@pytest.mark.parametrize("method, fmt", [("GET", "xml"), ("POST", "json"), ("POST_FORM", "xml"), ("GET", "json")])
def test_rdflib_sparqlstore(live_server, sample_db, method: str, fmt: str) -> None:
    store = SPARQLStore(live_server.url + "/sparql", method=method, returnFormat=fmt)
    graph = rdflib.Graph(store)
    rows = [tuple(row) for row in graph.query(SELECT)]
    assert rows == direct_select(sample_db)
    assert graph.query(ASK_TRUE).askAnswer is True
    assert graph.query(ASK_FALSE).askAnswer is False
    if fmt == "xml":  # rdflib asks for application/rdf+xml then; in "json" mode it accepts result JSON only
        constructed = graph.query(CONSTRUCT).graph
        assert isomorphic(constructed, direct_graph(sample_db))


def test_rdflib_sparqlstore_triples(live_server, sample_db) -> None:
    store = SPARQLStore(live_server.url + "/sparql")
    guide = rdflib.URIRef("https://knll-twente.example/id/a-kijkwijzer-ol")
    got = set(store.triples((guide, None, None)))
    expected = {(guide, to_rdflib(q.predicate), to_rdflib(q.object))
                for q in run_query(sample_db, f"CONSTRUCT WHERE {{ <{guide}> ?p ?o }}", view="public")}
    assert {(s, p, o) for (s, p, o), _ in got} == expected and len(expected) > 5
