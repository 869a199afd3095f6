"""The SPARQL 1.1 Protocol endpoint (/sparql) over a real HTTP server and the built Twente sample.

Every answer is parsed (JSON, XML with ElementTree, CSV/TSV, RDF with rdflib) and compared with
the same query run directly on the store with the same view.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
import rdflib
from conftest import TOKEN, LiveServer
from rdflib.compare import isomorphic

from kg.model.namespaces import PUBLIC_GRAPHS
from kg.sparql import queries
from kg.store import GraphStore, run_query, view_graphs
from web import create_app
from web.sparql import example_text

CKG = "https://w3id.org/connective-kg/ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SRES = "{http://www.w3.org/2005/sparql-results#}"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

SELECT = f"""PREFIX ckg: <{CKG}>
PREFIX rdfs: <{RDFS}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?network ?label ?budget ?theme WHERE {{
  ?network a ckg:Network ; rdfs:label ?label .
  OPTIONAL {{ ?network ckg:budgetEur ?budget }}
  OPTIONAL {{ ?network ckg:theme/skos:prefLabel ?theme FILTER(LANG(?theme) = "en") }}
}} ORDER BY ?network ?label ?theme"""
VARS = ["network", "label", "budget", "theme"]
CONSTRUCT = f"""PREFIX ckg: <{CKG}>
CONSTRUCT {{ ?a ?p ?o }} WHERE {{ ?a a ckg:ObservationGuide ; ?p ?o }}"""


def call(server, method: str = "GET", params=None, body: bytes | None = None, headers=None, path="/sparql"):
    """(status, headers, body) of one HTTP request; `params` go in the URL (list of pairs or dict)."""
    url = server.url + path
    if params is not None:
        url += "?" + urllib.parse.urlencode(params)
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get(server, query: str, accept: str | None = None, headers=None, **extra):
    h = dict(headers or {})
    if accept is not None:
        h["Accept"] = accept
    return call(server, "GET", [("query", query)] + list(extra.items()), headers=h)


def post_form(server, pairs, accept: str | None = None, headers=None):
    h = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    if accept is not None:
        h["Accept"] = accept
    return call(server, "POST", body=urllib.parse.urlencode(pairs).encode(), headers=h)


def post_direct(server, query: str, accept: str | None = None, headers=None, params=None):
    h = {"Content-Type": "application/sparql-query", **(headers or {})}
    if accept is not None:
        h["Accept"] = accept
    return call(server, "POST", params=params, body=query.encode(), headers=h)


def media(headers) -> str:
    return headers.get("Content-Type", "").split(";")[0].strip()


def direct_rows(db: ox.Store, query: str, view: str = "public") -> tuple[list[str], list[dict]]:
    result = run_query(db, query, view=view)
    names = [v.value for v in result.variables]
    return names, [{n: s[n] for n in names if s[n] is not None} for s in result]


def direct_graph(db: ox.Store, query: str, view: str = "public") -> rdflib.Graph:
    data = ox.serialize(list(run_query(db, query, view=view)), format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data.decode(), format="nt")


def term_key(t) -> tuple:
    """A comparable form of a pyoxigraph term."""
    if isinstance(t, ox.NamedNode):
        return ("uri", t.value)
    if isinstance(t, ox.BlankNode):
        return ("bnode",)
    return ("literal", t.value, t.language or "", "" if t.language else t.datatype.value)


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


# --- SELECT and ASK in every format -----------------------------------------------------------

def test_select_as_sparql_json_equals_the_direct_answer(live_server, sample_db) -> None:
    status, headers, body = get(live_server, SELECT, "application/sparql-results+json")
    assert status == 200 and media(headers) == "application/sparql-results+json"
    doc = json.loads(body)
    names, rows = direct_rows(sample_db, SELECT)
    assert doc["head"]["vars"] == names == VARS
    got = [{v: (b["type"], b["value"], b.get("xml:lang", ""), b.get("datatype", "" if "xml:lang" in b else XSD_STRING)
                if b["type"] == "literal" else None)
            for v, b in binding.items()} for binding in doc["results"]["bindings"]]
    expected = [{v: (k[0], k[1], k[2], k[3]) if k[0] == "literal" else (k[0], t.value, "", None)
                 for v, t in row.items() for k in [term_key(t)]} for row in rows]
    assert got == expected
    assert len(got) >= 8 and any("budget" in row for row in got) and any("theme" in row for row in got)


def test_select_as_xml_parsed_with_elementtree(live_server, sample_db) -> None:
    status, headers, body = get(live_server, SELECT, "application/sparql-results+xml")
    assert status == 200 and media(headers) == "application/sparql-results+xml"
    root = ET.fromstring(body)
    assert [v.get("name") for v in root.iter(SRES + "variable")] == VARS
    got = []
    for result in root.iter(SRES + "result"):
        row = {}
        for binding in result.findall(SRES + "binding"):
            term = binding[0]
            if term.tag == SRES + "uri":
                row[binding.get("name")] = ("uri", term.text)
            else:
                lang = term.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
                row[binding.get("name")] = ("literal", term.text or "", lang,
                                            "" if lang else term.get("datatype", XSD_STRING))
        got.append(row)
    _, rows = direct_rows(sample_db, SELECT)
    assert got == [{v: term_key(t) for v, t in row.items()} for row in rows]


def test_select_as_csv_and_tsv(live_server, sample_db) -> None:
    _, rows = direct_rows(sample_db, SELECT)
    status, headers, body = get(live_server, SELECT, "text/csv")
    assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert table[0] == VARS
    assert table[1:] == [[row[v].value if v in row else "" for v in VARS] for row in rows]

    status, headers, body = get(live_server, SELECT, "text/tab-separated-values")
    assert status == 200 and media(headers) == "text/tab-separated-values"
    assert body.decode().split("\n", 1)[0] == "\t".join("?" + v for v in VARS)
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
    assert [{v.value: s[v.value] for v in parsed.variables if s[v.value] is not None} for s in parsed] == rows


@pytest.mark.parametrize("accept, fmt", [
    ("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml"),
    ("text/csv", "text"), ("text/tab-separated-values", "text"),
])
def test_ask_in_every_format(live_server, accept: str, fmt: str) -> None:
    for query, expected in ((f"ASK {{ ?x a <{CKG}ObservationGuide> }}", True), (f"ASK {{ ?x a <{CKG}Nothing> }}", False)):
        status, headers, body = get(live_server, query, accept)
        assert status == 200 and media(headers) == accept
        if fmt == "json":
            assert json.loads(body) == {"head": {}, "boolean": expected}
        elif fmt == "xml":
            assert ET.fromstring(body).find(SRES + "boolean").text == str(expected).lower()
        else:
            assert body.decode().strip() == str(expected).lower()


# --- CONSTRUCT and DESCRIBE ---------------------------------------------------------------------

@pytest.mark.parametrize("accept, rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
])
def test_construct_in_every_rdf_format_is_isomorphic_to_the_direct_answer(live_server, sample_db, accept: str,
                                                                          rdflib_format: str) -> None:
    status, headers, body = get(live_server, CONSTRUCT, accept)
    assert status == 200 and media(headers) == accept
    got = rdflib.Graph().parse(data=body.decode("utf-8"), format=rdflib_format)
    expected = direct_graph(sample_db, CONSTRUCT)
    assert len(expected) > 20
    assert isomorphic(got, expected)


def test_describe_as_turtle(live_server, sample_db) -> None:
    query = "DESCRIBE <https://knll-twente.example/id/a-kijkwijzer-ol>"
    status, headers, body = get(live_server, query, "text/turtle")
    assert status == 200
    got = rdflib.Graph().parse(data=body.decode(), format="turtle")
    assert len(got) > 5 and isomorphic(got, direct_graph(sample_db, query))


# --- GET and both POSTs ---------------------------------------------------------------------------

def test_get_and_both_posts_give_the_same_answer(live_server) -> None:
    for accept in ("application/sparql-results+json", "text/csv"):
        answers = {
            get(live_server, SELECT, accept)[2],
            post_form(live_server, [("query", SELECT)], accept)[2],
            post_direct(live_server, SELECT, accept)[2],
            post_direct(live_server, SELECT, accept, headers={"Content-Type": "application/sparql-query; charset=UTF-8"})[2],
        }
        assert len(answers) == 1 and len(answers.pop()) > 100
    graphs = [get(live_server, CONSTRUCT, "application/n-triples")[2],
              post_form(live_server, [("query", CONSTRUCT)], "application/n-triples")[2],
              post_direct(live_server, CONSTRUCT, "application/n-triples")[2]]
    parsed = [rdflib.Graph().parse(data=g.decode(), format="nt") for g in graphs]
    assert isomorphic(parsed[0], parsed[1]) and isomorphic(parsed[0], parsed[2])


# --- content negotiation -----------------------------------------------------------------------------

@pytest.mark.parametrize("accept, expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/json", "application/json"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/csv;q=0, */*;q=0.1", "application/sparql-results+json"),
    ("text/*", "text/csv"),
    ("text/*;q=0.2, text/tab-separated-values", "text/tab-separated-values"),
    ("image/png, text/csv;q=0.01", "text/csv"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xml"),
])
def test_accept_with_q_values(live_server, accept, expected) -> None:
    status, headers, body = get(live_server, "SELECT ?x WHERE { VALUES ?x { 1 } }", accept)
    assert status == 200 and media(headers) == expected
    assert "Accept" in headers.get("Vary", "")


def test_graph_results_default_to_turtle(live_server) -> None:
    for accept in (None, "*/*", "text/*"):
        status, headers, _ = get(live_server, CONSTRUCT, accept)
        assert status == 200 and media(headers) == "text/turtle"


@pytest.mark.parametrize("query, accept, listed", [
    (SELECT, "text/turtle", "application/sparql-results+json"),
    (SELECT, "image/png, application/sparql-results+json;q=0", "text/csv"),
    (CONSTRUCT, "text/csv", "text/turtle"),
    (CONSTRUCT, "image/*", "application/rdf+xml"),
    ("ASK {}", "application/n-triples", "application/sparql-results+xml"),
])
def test_406_lists_what_is_available(live_server, query, accept, listed) -> None:
    status, headers, body = get(live_server, query, accept)
    assert status == 406 and media(headers) == "text/plain"
    text = body.decode()
    assert listed in text and "nl: " in text and "en: " in text and "Accept" in text


# --- 400 for every reason, with a readable message -------------------------------------------------

def _text_error(status_headers_body, code: str) -> str:
    status, headers, body = status_headers_body
    assert status == 400, body
    assert media(headers) == "text/plain"
    text = body.decode()
    first, nl_line, en_line = text.splitlines()[:3]
    assert first == f"400 {code}" and nl_line.startswith("nl: ") and en_line.startswith("en: ")
    return text


def test_syntax_error_in_text_and_in_json(live_server) -> None:
    text = _text_error(get(live_server, "SELECT * WHERE { ?s ?p "), "syntax")
    assert "SPARQL-syntaxfout" in text and "SPARQL syntax error" in text
    status, headers, body = get(live_server, "SELECT * WHERE { ?s ?p ", "application/json")
    assert status == 400 and media(headers) == "application/json"
    error = json.loads(body)["error"]
    assert error["status"] == 400 and error["code"] == "syntax"
    assert error["en"].startswith("SPARQL syntax error") and error["nl"].startswith("SPARQL-syntaxfout")
    # English first when asked for English
    status, _, body = call(live_server, params=[("query", "SELECT"), ("lang", "en")])
    assert status == 400 and body.decode().splitlines()[1].startswith("en: ")


def test_an_unsupported_function_is_400_in_both_languages_without_the_engines_message(live_server) -> None:
    """issue 14: this was a 500 carrying Oxigraph's own message ("The custom function ... is not supported")."""
    q = "SELECT (<http://example.org/fn>(1) AS ?x) WHERE {}"
    status, headers, body = get(live_server, q, "application/json")
    assert status == 400 and media(headers) == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == "unsupported"
    assert "<http://example.org/fn>" in error["nl"] and "niet ondersteund" in error["nl"]
    assert "<http://example.org/fn>" in error["en"] and "not supported here" in error["en"]
    assert "custom function" not in body.decode()
    text = _text_error(get(live_server, "SELECT * { BIND(<http://example.org/g>(?s) AS ?x) }"), "unsupported")
    assert "custom function" not in text


def test_prefixed_names_with_service_and_escaped_backslashes_run(live_server) -> None:
    """issue 14: the guard refused `GRAPH ex:service1`, and ran its own unescaped copy of `'\\\\u0041'`."""
    status, _, body = get(live_server, "PREFIX ex: <http://example.org/> SELECT * { GRAPH ex:service1 { ?s ?p ?o } }",
                          "application/sparql-results+json")
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    status, _, body = get(live_server, r"SELECT ('\\u0041' AS ?x) {}", "application/sparql-results+json")
    assert status == 200
    assert json.loads(body)["results"]["bindings"] == [{"x": {"type": "literal", "value": "\\u0041"}}]


def test_several_queries_are_refused(live_server) -> None:
    q = "ASK {}"
    _text_error(call(live_server, params=[("query", q), ("query", q)]), "several")
    _text_error(post_form(live_server, [("query", q), ("query", q)]), "several")
    _text_error(post_direct(live_server, q, params=[("query", q)]), "several")


def raw_post(server, body: bytes, headers: dict[str, str]) -> tuple[int, dict, bytes]:
    """A POST with exactly these headers (urllib would add a Content-Type)."""
    conn = http.client.HTTPConnection(server.url.split("//", 1)[1], timeout=30)
    try:
        conn.request("POST", "/sparql", body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "multipart/form-data; boundary=x", None])
def test_post_with_a_wrong_or_missing_media_type(live_server, content_type) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    text = _text_error(raw_post(live_server, b"query=ASK%20%7B%7D", headers), "media-type")
    assert "application/sparql-query" in text and "application/x-www-form-urlencoded" in text
    assert (content_type or "none").split(";")[0] in text


def test_updates_are_refused_as_query_as_parameter_and_as_media_type(live_server) -> None:
    _text_error(get(live_server, "INSERT DATA { <http://a> <http://b> <http://c> }"), "update")
    _text_error(call(live_server, params=[("update", "DROP ALL")]), "update")
    _text_error(post_form(live_server, [("update", "DROP ALL")]), "update")
    _text_error(post_form(live_server, [("query", "ASK {}"), ("update", "DROP ALL")]), "update")
    _text_error(call(live_server, "POST", body=b"DROP ALL", headers={"Content-Type": "application/sparql-update"}),
                "update")
    # and nothing changed
    status, _, body = get(live_server, f"ASK {{ ?x a <{CKG}ObservationGuide> }}", "application/json")
    assert status == 200 and json.loads(body)["boolean"] is True


def test_not_utf8_is_refused(live_server) -> None:
    status, headers, body = call(live_server, path="/sparql?query=ASK%20%7B%7D%FF")
    assert "not valid UTF-8" in _text_error((status, headers, body), "encoding")
    _text_error(call(live_server, "POST", body=b"query=ASK%20%7B%7D%C3%28",
                     headers={"Content-Type": "application/x-www-form-urlencoded"}), "encoding")
    _text_error(call(live_server, "POST", body="ASK { ?s ?p 'é' }".encode("latin-1"),
                     headers={"Content-Type": "application/sparql-query"}), "encoding")
    _text_error(call(live_server, "POST", body=b"ASK {}",
                     headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"}), "encoding")


def test_missing_or_empty_query(live_server) -> None:
    _text_error(post_form(live_server, [("default-graph-uri", PUBLIC_GRAPHS[0])]), "missing")
    _text_error(get(live_server, "   "), "missing")
    _text_error(post_direct(live_server, ""), "missing")


def test_graphs_outside_the_view_are_refused(live_server) -> None:
    inferred = "https://w3id.org/connective-kg/graph/inferred"
    for name in ("default-graph-uri", "named-graph-uri"):
        text = _text_error(call(live_server, params=[("query", "ASK {}"), (name, inferred)]), "graph")
        assert inferred in text and PUBLIC_GRAPHS[2] in text
    text = _text_error(get(live_server, f"SELECT * FROM <{inferred}> WHERE {{ ?s ?p ?o }}"), "from")
    assert "inferred" in text
    _text_error(get(live_server, "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"), "from")


# --- 413, 422 ------------------------------------------------------------------------------------------

def test_too_long_query_and_too_large_body(live_server) -> None:
    long_query = "ASK {}" + " " * 100_000
    status, headers, body = post_direct(live_server, long_query)
    assert status == 413 and "100000" in body.decode() and media(headers) == "text/plain"
    status, _, body = call(live_server, "POST", body=b"query=" + b"%20" * 400_000,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and "bytes" in body.decode()


def test_row_cap(live_server, sample_db) -> None:
    total = len(list(run_query(sample_db, "SELECT * WHERE { ?s ?p ?o }", view="public")))
    assert total > 10_000
    status, headers, body = get(live_server, "SELECT * WHERE { ?s ?p ?o }", "application/json")
    assert status == 422
    error = json.loads(body)["error"]
    assert error["code"] == "rows" and "10000" in error["en"] and "LIMIT" in error["en"]
    status, _, body = get(live_server, "SELECT * WHERE { ?s ?p ?o } LIMIT 10000", "text/csv")
    assert status == 200 and body.count(b"\r\n") == 10_001
    status, _, _ = get(live_server, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    assert status == 422


# --- the service description ---------------------------------------------------------------------------

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


def _description(live_server, accept, headers=None) -> rdflib.Graph:
    status, resp_headers, body = call(live_server, headers={"Accept": accept, **(headers or {})})
    assert status == 200
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
           "application/rdf+xml": "xml"}[media(resp_headers)]
    return rdflib.Graph().parse(data=body.decode(), format=fmt)


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json",
                                    "application/rdf+xml", "*/*"])
def test_service_description_in_every_format(live_server, accept) -> None:
    g = _description(live_server, accept)
    endpoint = rdflib.URIRef(live_server.url + "/sparql")
    assert (endpoint, rdflib.RDF.type, SD.Service) in g
    assert (endpoint, SD.endpoint, endpoint) in g
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in g
    formats = {str(o).rsplit("/", 1)[1] for o in g.objects(endpoint, SD.resultFormat)}
    assert formats == {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                       "Turtle", "N-Triples", "JSON-LD", "RDF_XML"}
    dataset = g.value(endpoint, SD.defaultDataset)
    names = {str(g.value(n, SD.name)) for n in g.objects(dataset, SD.namedGraph)}
    assert names == set(PUBLIC_GRAPHS)


def test_service_description_of_the_internal_view(live_server, sample_db) -> None:
    g = _description(live_server, "text/turtle", BEARER)
    dataset = g.value(rdflib.URIRef(live_server.url + "/sparql"), SD.defaultDataset)
    names = {str(g.value(n, SD.name)) for n in g.objects(dataset, SD.namedGraph)}
    assert names == {n.value for n in view_graphs(sample_db, "internal")}
    assert "https://w3id.org/connective-kg/graph/public" not in names


def test_service_description_406(live_server) -> None:
    status, headers, body = call(live_server, headers={"Accept": "image/png"})
    assert status == 406 and "text/turtle" in body.decode() and "text/html" in body.decode()


# --- public and internal views ---------------------------------------------------------------------------

def _hidden_person(db: ox.Store) -> tuple[str, str]:
    rows = run_query(db, f"""PREFIX ckg: <{CKG}> PREFIX rdfs: <{RDFS}>
        SELECT ?p ?name WHERE {{ ?p a ckg:Person ; rdfs:label ?name .
          FILTER NOT EXISTS {{ ?p ckg:consent <https://w3id.org/connective-kg/vocab/consent/public> }} }}
        ORDER BY ?p LIMIT 1""", view="internal")
    row = next(iter(rows))
    return row["p"].value, row["name"].value


def test_hidden_names_are_absent_publicly_and_present_with_the_token(live_server, sample_db) -> None:
    person, name = _hidden_person(sample_db)
    ask = f"ASK {{ ?s ?p {json.dumps(name)} }}"
    labels = f"SELECT ?label WHERE {{ <{person}> <{RDFS}label> ?label }}"
    status, _, body = get(live_server, ask, "application/json")
    assert status == 200 and json.loads(body)["boolean"] is False
    status, _, body = get(live_server, labels, "text/csv")
    public_labels = [row[0] for row in csv.reader(io.StringIO(body.decode(), newline=""))][1:]
    assert public_labels and name not in public_labels
    assert all(", " in label for label in public_labels)  # an anonymous role: "leraar, Basisschool ..."
    status, _, body = get(live_server, ask, "application/json", headers=BEARER)
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = get(live_server, labels, "text/csv", headers=BEARER)
    assert name in body.decode().splitlines()[1:]
    # a wrong token is just the public view
    status, _, body = get(live_server, ask, "application/json", headers={"Authorization": "Bearer wrong"})
    assert json.loads(body)["boolean"] is False


def test_graphs_seen_per_view(live_server, sample_db) -> None:
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    _, _, body = get(live_server, q, "text/csv")
    assert body.decode().split()[1:] == sorted(PUBLIC_GRAPHS)
    _, _, body = get(live_server, q, "text/csv", headers=BEARER)
    assert body.decode().split()[1:] == sorted(n.value for n in view_graphs(sample_db, "internal"))
    inferred = "https://w3id.org/connective-kg/graph/inferred"
    status, _, body = get(live_server, f"SELECT (COUNT(*) AS ?n) FROM <{inferred}> WHERE {{ ?s ?p ?o }}", "text/csv",
                          headers=BEARER)
    expected = len(list(sample_db.quads_for_pattern(None, None, None, ox.NamedNode(inferred))))
    assert status == 200 and body.decode().split()[1] == str(expected)
    status, _, body = call(live_server, params=[("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
                                                ("default-graph-uri", inferred)],
                           headers={"Accept": "text/csv", **BEARER})
    assert status == 200 and body.decode().split()[1] == str(expected)
    # the protocol's dataset wins over FROM
    status, _, body = call(live_server, params=[
        ("query", f"SELECT (COUNT(*) AS ?n) FROM <{PUBLIC_GRAPHS[0]}> WHERE {{ ?s ?p ?o }}"),
        ("default-graph-uri", inferred)], headers={"Accept": "text/csv", **BEARER})
    assert status == 200 and body.decode().split()[1] == str(expected)


# --- the editor page ---------------------------------------------------------------------------------------

class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict] = []
        self.links: list[dict] = []
        self.inline_script = False
        self.handlers: list[str] = []
        self.pre: dict[str, str] = {}
        self.api: dict[str, dict[str, str]] = {}
        self._li: str | None = None
        self._pre: list[str] | None = None
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.handlers += [k for k in a if k.startswith("on")]
        if tag == "script":
            self.scripts.append(a)
            self._in_script = True
        elif tag == "link":
            self.links.append(a)
        elif tag == "li" and a.get("id", "").startswith("example-"):
            self._li = a["data-name"]
        elif tag == "pre" and self._li:
            self._pre = []
        elif tag == "a" and self._li and "data-format" in a:
            self.api.setdefault(self._li, {})[a["data-format"]] = a["href"]

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        elif tag == "pre" and self._pre is not None:
            self.pre[self._li] = "".join(self._pre)
            self._pre = None
        elif tag == "li":
            self._li = None

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_script = True
        if self._pre is not None:
            self._pre.append(data)


def test_editor_page(live_server) -> None:
    status, headers, body = call(live_server, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert status == 200 and media(headers) == "text/html"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    page = Page()
    page.feed(body.decode())
    srcs = [s.get("src") for s in page.scripts]
    assert all(src and src.startswith("/static/") for src in srcs)
    assert "/static/vendor/yasgui/yasgui.min.js" in srcs and "/static/sparql-editor.js" in srcs
    hrefs = [link.get("href") for link in page.links if link.get("rel") == "stylesheet"]
    assert all(h.startswith("/static/") for h in hrefs) and "/static/vendor/yasgui/yasgui.min.css" in hrefs
    assert not page.inline_script and not page.handlers
    for src in srcs + hrefs:
        assert call(live_server, path=src)[0] == 200
    catalogue = queries.catalogue()
    assert set(page.pre) == set(catalogue)
    for name, q in catalogue.items():
        assert page.pre[name] == example_text(q, "nl")
        assert q.text in page.pre[name]
        for p in q.params:
            value = q.example.get(p.name, p.default)
            assert f"#   ?{p.name} = {value}" in page.pre[name]
    with_ampersand = [name for name, q in catalogue.items() if "&" in "".join(q.example.values())]
    assert with_ampersand and all("= W&T" in page.pre[name] for name in with_ampersand)
    assert "= W&amp;T" in body.decode() and "= W&T" not in body.decode()  # escaped in the HTML


def test_editor_page_links_every_example_to_its_api_answer(live_server) -> None:
    """Each named query on the page links its answer with the example parameters as JSON, CSV and
    TSV (/api/queries/<name>); one query's three answers hold the same rows."""
    page = Page()
    page.feed(call(live_server, headers={"Accept": "text/html"})[2].decode())
    catalogue = queries.catalogue()
    assert set(page.api) == set(catalogue)
    for name, q in catalogue.items():
        assert set(page.api[name]) == {"json", "csv", "tsv"}
        for fmt, href in page.api[name].items():
            url = urllib.parse.urlsplit(href)
            assert url.path == f"/api/queries/{name}"
            assert dict(urllib.parse.parse_qsl(url.query)) == {**q.example, "format": fmt}
    answers = {}
    for fmt, href in page.api["person-ties"].items():
        status, headers, body = call(live_server, path=href)
        assert status == 200, (fmt, body[:300])
        answers[fmt] = (media(headers), body)
    assert answers["json"][0] == "application/sparql-results+json" and answers["csv"][0] == "text/csv"
    assert answers["tsv"][0] == "text/tab-separated-values"
    as_json = ox.parse_query_results(answers["json"][1], format=ox.QueryResultsFormat.JSON)
    as_tsv = ox.parse_query_results(answers["tsv"][1], format=ox.QueryResultsFormat.TSV)
    json_rows = [[r[v] for v in as_json.variables] for r in as_json]
    assert json_rows and json_rows == [[r[v] for v in as_tsv.variables] for r in as_tsv]
    assert len(list(csv.reader(io.StringIO(answers["csv"][1].decode())))) == len(json_rows) + 1


def test_editor_script_keeps_yasgui_local() -> None:
    from pathlib import Path
    js = (Path(__file__).resolve().parent.parent / "web" / "static" / "sparql-editor.js").read_text()
    code = "\n".join(line for line in js.splitlines() if not line.strip().startswith("//"))
    assert "http://" not in code and "https://" not in code
    assert 'delete Yasgui.Yasqe.Autocompleters["class"]' in code and 'delete Yasgui.Yasqe.Autocompleters["property"]' in code
    assert "populateFromUrl: false" in code and "prefixCcApi = null" in code


# --- a new build is picked up ---------------------------------------------------------------------------

def test_a_new_generation_is_picked_up_by_the_workers(tmp_path) -> None:
    store = GraphStore(tmp_path / "store")
    public = ox.NamedNode(PUBLIC_GRAPHS[2])
    label = ox.NamedNode(RDFS + "label")
    thing = ox.NamedNode("https://knll-twente.example/id/x1")
    store.replace_all([ox.Quad(thing, label, ox.Literal("first"), public)])
    app = create_app({"KG_STORE": str(store.path), "KG_QUERY_WORKERS": 1, "KG_SECRET_KEY": "t"})
    server = LiveServer(app)
    try:
        q = f"SELECT ?l WHERE {{ <{thing.value}> <{RDFS}label> ?l }}"
        assert get(server, q, "text/csv")[2].decode().split() == ["l", "first"]
        store.replace_all([ox.Quad(thing, label, ox.Literal("second"), public)])
        assert get(server, q, "text/csv")[2].decode().split() == ["l", "second"]
    finally:
        server.stop()


# --- the editor in a real browser --------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


def test_the_editor_runs_queries_in_a_real_browser_without_leaving_the_host(live_server, sample_db) -> None:
    """Debian's Chromium driven by playwright: YASGUI loads from /static, runs a named query as an
    example, shows a refusal, completes a prefix from its bundled list; every request stays on
    the live server."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from pathlib import Path
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing")
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(live_server.url + "/sparql")
            page.wait_for_selector(".yasgui .CodeMirror", timeout=15000)
            assert page.locator("#sparql-form").is_hidden()
            editor = ".tabPanel.active .yasqe .CodeMirror"

            page.click("#example-graph-sizes summary")
            page.click("#example-graph-sizes button.load-example")
            value = page.evaluate(f"() => document.querySelector('{editor}').CodeMirror.getValue()")
            assert value == example_text(queries.catalogue()["graph-sizes"], "nl")
            page.locator(".tabPanel.active .yasqe_queryButton").click()
            page.wait_for_selector(".tabPanel.active .yasr table.dataTable tbody tr", timeout=15000)
            shown = page.locator(".tabPanel.active .yasr table.dataTable tbody tr").all_inner_texts()
            expected = list(run_query(sample_db, queries.catalogue()["graph-sizes"].text, view="public"))
            assert len(shown) == len(expected) == 3
            assert all(any(row["graph"].value in text for text in shown) for row in expected)

            page.evaluate(f"() => document.querySelector('{editor}').CodeMirror.setValue("
                          "'SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }')")
            page.locator(".tabPanel.active .yasqe_queryButton").click()
            page.wait_for_function("() => document.querySelector('.tabPanel.active .yasr').innerText"
                                   ".includes('SERVICE (federated queries) is not allowed')", timeout=15000)

            page.evaluate(f"() => document.querySelector('{editor}').CodeMirror.setValue('')")
            page.locator(editor).click()
            page.keyboard.type("SELECT * WHERE { ?s a foaf:Pers", delay=20)
            page.wait_for_function(f"() => document.querySelector('{editor}').CodeMirror.getValue()"
                                   ".startsWith('PREFIX foaf: <http://xmlns.com/foaf/0.1/>')", timeout=15000)
            page.wait_for_timeout(500)
        finally:
            browser.close()
    outside = [u for u in requests if not (u.startswith(live_server.url + "/") or u.startswith("data:"))]
    assert outside == [] and any(u.endswith("/static/vendor/yasgui/yasgui.min.js") for u in requests)
    assert [e for e in errors if "status of 400" not in e] == []
