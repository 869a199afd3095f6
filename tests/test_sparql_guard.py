"""The SPARQL guard (kg.sparql.guard) and the result writers (kg.rdf.results), as units.

The guard is also checked against Oxigraph itself: texts that the guard lets
through are run on a real (in-memory) Oxigraph store with a real listener on
127.0.0.1 as the SERVICE target, and the listener must never be contacted.
"""

from __future__ import annotations

import csv
import io
import json
import random
import socket
import threading
import time
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.query import Result

from kg.rdf import results as sr
from kg.rdf.sparql_text import tokens
from kg.sparql.guard import CheckedQuery, QueryRefused, check_query, unescape

G = "https://w3id.org/connective-kg/graph/"
ALLOWED = [G + "ontology", G + "vocabularies", G + "public"]


class Listener:
    """A TCP listener on 127.0.0.1 that counts connections (and closes them at once)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    ln = Listener()
    yield ln
    ln.close()


def refused(text: str, allowed=ALLOWED) -> str:
    with pytest.raises(QueryRefused) as info:
        check_query(text, allowed)
    assert info.value.en and info.value.nl and info.value.en != info.value.nl
    return info.value.code


# --- allowed ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, form", [
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 3", "select"),
    ("select*{?s ?p ?o}", "select"),
    ("PREFIX ckg: <https://w3id.org/connective-kg/ns#>\nASK { ?s a ckg:Person }", "ask"),
    ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "graph"),
    ("CONSTRUCTWHERE{?s ?p ?o}", "graph"),
    ("DESCRIBE <https://knll-twente.example/id/p001>", "graph"),
    ("BASE <http://example.org/> PREFIX : <x#> SELECT * { ?s :p ?o }", "select"),
    # the words inside comments, strings, IRIs, variables and prefixed names are not keywords
    ("SELECT * { ?s ?p ?o } # INSERT, DELETE, LOAD, DROP and SERVICE are mentioned here only", "select"),
    ("SELECT * { ?s ?p 'please INSERT DATA or DROP ALL' }", "select"),
    ('SELECT * { ?s ?p """LOAD <http://x/>\nCLEAR ALL""" }', "select"),
    ("SELECT ?insert ?drop ?load ?service ?from { ?insert ?drop ?load }", "select"),
    ("PREFIX ex: <http://example.org/> SELECT * { ?s ex:insert ex:drop ; ex:service ?o }", "select"),
    ("PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT * { ?s a sd:Service }", "select"),
    ("SELECT * { GRAPH <http://example.org/service?x> { ?s ?p ?o } }", "select"),
    ("SELECT * { ?s <http://example.org/a/service#b> ?o }", "select"),
    ("SELECT * { ?s ?p ?o FILTER(?o < 3 && ?o<<http://x#y> || ?o>?s) }", "select"),
    # a prefixed name (or blank node) holding the letters is not the keyword (issue 14)
    ("PREFIX ex: <http://example.org/> SELECT * { GRAPH ex:service1 { ?s ?p ?o } }", "select"),
    ("PREFIX : <http://example.org/> SELECT * { GRAPH :Service { ?s ?p ?o } }", "select"),
    ("PREFIX ex: <http://example.org/> SELECT * { GRAPH ex:my-service_2 { ?s ?p ?o } }", "select"),
    ("SELECT * { GRAPH ?g { _:service ?p ?o } }", "select"),
])
def test_plain_queries_pass(text: str, form: str) -> None:
    checked = check_query(text, ALLOWED)
    assert isinstance(checked, CheckedQuery)
    assert checked.form == form
    assert checked.default_graphs is None and checked.named_graphs is None


def test_from_inside_the_dataset_passes_and_is_read() -> None:
    checked = check_query(
        f"PREFIX g: <{G}>\nSELECT * FROM <{G}public> FROM NAMED g:ontology FROM\tNAMED <{G}vocabularies> "
        "WHERE { ?s ?p ?o }", ALLOWED)
    assert checked.default_graphs == (G + "public",)
    assert checked.named_graphs == (G + "ontology", G + "vocabularies")
    only_named = check_query(f"ASK FROM NAMED <{G}public> {{ GRAPH ?g {{ ?s ?p ?o }} }}", ALLOWED)
    assert only_named.default_graphs == () and only_named.named_graphs == (G + "public",)
    relative = check_query(f"BASE <{G}> SELECT * FROM <public> {{ ?s ?p ?o }}", ALLOWED)
    assert relative.default_graphs == (G + "public",)


def test_codepoint_escapes_are_undone_for_the_checks_but_the_text_runs_as_sent() -> None:
    assert unescape(r"\u0053ERVICE \U00000041") == "SERVICE A"
    sent = r'SELECT * { ?s ?p "caf\u00e9" }'
    assert check_query(sent, ALLOWED).text == sent
    assert refused(r"SELECT * { ?s ?p ?o } \uD800") == "escape"
    # issue 14: an escaped backslash before `u` in a string is a backslash, as Oxigraph reads it;
    # the guard used to run its unescaped copy, `'\A'`, a syntax error
    sent = r"SELECT ('\\u0041' AS ?x) {}"
    checked = check_query(sent, ALLOWED)
    assert checked.text == sent
    [row] = list(ox.Store().query(checked.text))
    assert row["x"].value == r"\u0041"


# --- refused ---------------------------------------------------------------------------------

S = "<http://127.0.0.1:9/sparql>"


@pytest.mark.parametrize("text", [
    f"SELECT * {{ SERVICE {S} {{ ?s ?p ?o }} }}",
    f"SELECT * {{ service silent {S} {{ ?s ?p ?o }} }}",
    "SELECT * { SeRvIcE ?x { ?s ?p ?o } }",
    f"SELECT * {{ \\u0053ERVICE {S} {{ ?s ?p ?o }} }}",
    f"SELECT * {{ \\u0073\\u0065rvice {S} {{ ?s ?p ?o }} }}",
    f"SELECT * {{ SERVICE\n# a comment\n{S}\n# another\n{{ ?s ?p ?o }} }}",
    # glued keywords: Oxigraph needs no word boundary after a keyword
    f"SELECT * {{ SERVICESILENT{S}{{ ?s ?p ?o }} }}",
    f"SELECT * {{ ?s ?p trueSERVICE{S}{{ ?s ?p ?o }} }}",
    f"PREFIX : {S} SELECT * {{ SERVICE:x{{ ?s ?p ?o }} }}",
    "SELECT * { SERVICE?x{ ?s ?p ?o } }",
    # `<` read as "less than" by Oxigraph but as an IRI start by a naive tokenizer
    f"SELECT * {{ BIND(1 AS ?a) FILTER(?a<'x>' || true) SERVICE {S} {{ ?s ?p ?o }} #'\n }}",
    f"SELECT * {{ BIND(1 AS ?a) FILTER(?a<#>'''\n 1 || true) SERVICE {S} {{ ?s ?p ?o }} #'''\n }}",
    # `\\#` is part of a prefixed name, not a comment
    f"PREFIX ex: <http://e/> SELECT * {{ BIND(ex:o\\# AS ?z) SERVICE {S} {{ ?a ?b ?c }} }}",
    f"SELECT * {{ OPTIONAL {{ SERVICE {S} {{ ?a ?b ?c }} }} }}",
    f"SELECT * {{ FILTER EXISTS {{ SERVICE {S} {{ ?a ?b ?c }} }} }}",
    "SELECT * { SERVICE <http://127.0.0.1:9/a b> { ?a ?b ?c } }",
    # a prefix called service: Oxigraph reads the keyword, then `:x` (tested below)
    f"PREFIX : {S} PREFIX service: {S} SELECT * {{ ?s ?p ?o . service:x {{ ?a ?b ?c }} }}",
    # a dot cannot end a local name, so the letters after it may start a keyword
    f"PREFIX ex: <http://e/> SELECT * {{ ?s ?p ex:x.SERVICE{S}{{ ?a ?b ?c }} }}",
])
def test_service_is_refused_however_it_is_written(text: str) -> None:
    assert refused(text) == "service"


@pytest.mark.parametrize("text, code", [
    ("INSERT DATA { <http://a> <http://b> <http://c> }", "update"),
    ("DELETE WHERE { ?s ?p ?o }", "update"),
    ("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "update"),
    ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "update"),
    ("DROP ALL", "update"),
    ("drop silent graph <http://g>", "update"),
    ("CLEAR DEFAULT", "update"),
    ("CREATE GRAPH <http://g>", "update"),
    ("ADD <http://a> TO <http://b>", "update"),
    ("MOVE DEFAULT TO <http://b>", "update"),
    ("COPY <http://a> TO <http://b>", "update"),
    ("LOAD <http://127.0.0.1:9/data.ttl>", "update"),
    ("LOAD SILENT <file:///etc/passwd> INTO GRAPH <http://g>", "update"),
    ("INSERTDATA{<http://a> <http://b> <http://c>}", "update"),
    ("SELECT * { ?s ?p ?o } ; INSERT DATA { <http://a> <http://b> <http://c> }", "update"),
    (r"\u0049NSERT DATA { <http://a> <http://b> <http://c> }", "update"),
])
def test_updates_and_load_are_refused(text: str, code: str) -> None:
    assert refused(text) == code


@pytest.mark.parametrize("text", [
    "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }",
    "SELECT * FROM <http://127.0.0.1:8080/secret> { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://example.org/g> { GRAPH ?g { ?s ?p ?o } }",
    f"SELECT * FROM <{G}inferred> {{ ?s ?p ?o }}",
    f"PREFIX g: <{G}> SELECT * FROM NAMED g:inferred {{ ?s ?p ?o }}",
    "PREFIX f: <file:///etc/> SELECT * FROM f:passwd { ?s ?p ?o }",
    "SELECT * FROM unknown:prefix { ?s ?p ?o }",
    "BASE <file:///etc/> SELECT * FROM <passwd> { ?s ?p ?o }",
    r"SELECT * FROM <file:///etc/\u0070asswd> { ?s ?p ?o }",
])
def test_from_outside_the_dataset_is_refused(text: str) -> None:
    assert refused(text) == "from"


@pytest.mark.parametrize("text", [
    "ASKFROM<http://example.org/g>{}",
    "SELECT * FROMNAMED<http://example.org/g> {}",
    "PREFIX : <file:///etc/> SELECT * FROM:passwd {}",
    "SELECT * FROM NAMED:x {}",
])
def test_keywords_glued_to_from_are_refused(text: str) -> None:
    assert refused(text) == "glued"


def test_refusals_name_the_allowed_graphs_of_the_view_only() -> None:
    with pytest.raises(QueryRefused) as info:
        check_query("SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }", ALLOWED)
    assert "<file:///etc/passwd>" in info.value.en
    for g in ALLOWED:
        assert f"<{g}>" in info.value.en and f"<{g}>" in info.value.nl
    assert "inferred" not in info.value.en


def test_tokens_follow_the_grammar() -> None:
    kinds = [(t.kind, t.text) for t in tokens(
        "PREFIX ex: <http://e/#x> SELECT ?a $b WHERE { ?a ex:l\\#x 'it''s' ; ex:p \"#no\"@en-GB , 1.5e3 , _:b1 } # c")]
    assert kinds == [
        ("word", "PREFIX"), ("pname", "ex:"), ("iri", "<http://e/#x>"), ("word", "SELECT"), ("var", "?a"),
        ("var", "$b"), ("word", "WHERE"), ("other", "{"), ("var", "?a"), ("pname", "ex:l\\#x"),
        ("string", "'it'"), ("string", "'s'"), ("other", ";"), ("pname", "ex:p"), ("string", '"#no"'),
        ("langtag", "@en-GB"), ("other", ","), ("number", "1.5e3"), ("other", ","), ("bnode", "_:b1"),
        ("other", "}"),
    ]
    # inside parentheses, after an operand, `<` is "less than"
    assert [t.text for t in tokens("FILTER(?a<?b)")] == ["FILTER", "(", "?a", "<", "?b", ")"]
    assert [t.kind for t in tokens("{ ?s ?p <http://x#y> }")] == ["other", "var", "var", "iri", "other"]


# --- the guard against Oxigraph itself -----------------------------------------------------------

def _engine_contacts(db: ox.Store, text: str, listener: Listener) -> bool:
    """Run `text` on Oxigraph; True if the listener was contacted."""
    before = listener.connections
    try:
        result = db.query(text, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    time.sleep(0.01)
    return listener.connections > before


FRAGMENTS = [
    "SERVICE", "service", "SERVICESILENT", "SILENT", "{{S}}", "{", "}", "?s", "?p", "?o", "?a", "'", '"', "'''",
    "#", "\n", " ", "<", ">", "(", ")", "FILTER(?a<", "||true)", "BIND(1 AS ?a)", "true", "ex:o\\#", ".",
    "\\u0053ERVICE", ":x", "OPTIONAL", "EXISTS", "<'x>'", "<#>", "UNION", "{ ?s ?p ?o }", "GRAPH ?g", ";", ",",
    "\\u0022", "\\u005C", "<<", ">>", "$x", "_:b", "@en", "^^", "1", "'x'",
    "ex:service1", "ex:", ":", "_:", "service:", "-", "ex:x.", "\\\\u0041", "\\u003A",
]


def test_what_the_guard_lets_through_never_reaches_the_network(listener: Listener) -> None:
    """Random texts built from tricky fragments: whenever the guard lets one through, Oxigraph
    (in this process, with network access) must not contact the listener."""
    target = f"<http://127.0.0.1:{listener.port}/>"
    db = ox.Store()
    db.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o")))
    prologue = f"PREFIX : {target} PREFIX ex: <http://e/> PREFIX service: {target}\nSELECT * WHERE {{ ?s ?p ?o "
    rng = random.Random(20261125)
    # first the known attacks, then random ones
    attacks = [
        f"SERVICE {target} {{ ?a ?b ?c }}", f"SERVICESILENT{target}{{ ?a ?b ?c }}", "SERVICE:x{ ?a ?b ?c }",
        f"BIND(1 AS ?a) FILTER(?a<'x>' || true) SERVICE {target} {{ ?x ?y ?z }} #'\n",
        f"BIND(ex:o\\# AS ?z) SERVICE {target} {{ ?x ?y ?z }}",
        ". service:x { ?a ?b ?c }",
    ]
    let_through = contacted_by_refused = 0
    for i in range(600):
        if i < len(attacks):
            body = attacks[i]
        else:
            body = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(3, 14))).replace("{{S}}", target)
        text = prologue + body + " }"
        try:
            check_query(text, ALLOWED)
        except QueryRefused:
            if i < len(attacks):
                contacted_by_refused += _engine_contacts(db, text, listener)
            continue
        let_through += 1
        assert not _engine_contacts(db, text, listener), f"the guard let through a SERVICE: {text!r}"
    assert contacted_by_refused == len(attacks), "the known attacks must really reach the network when run"
    assert let_through > 50


# --- result writers ------------------------------------------------------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"
VARS = ["s", "label", "n", "note"]
ROWS = [
    [ox.NamedNode("https://knll-twente.example/id/p001"), ox.Literal("Anna, \"de\" W&T <coördinator>", language="nl"),
     ox.Literal("12", datatype=ox.NamedNode(XSD + "integer")), ox.Literal("tab\there\nnew line, comma")],
    [ox.BlankNode("b0"), ox.Literal("plain"), ox.Literal("2.50", datatype=ox.NamedNode(XSD + "decimal")), None],
    [None, ox.Literal("2024-01-02", datatype=ox.NamedNode(XSD + "date")),
     ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")), ox.Literal("\\ back\"slash\r")],
]


def _solutions(parsed) -> list[dict[str, object]]:
    return [{v: s[v] for v in VARS if s[v] is not None} for s in parsed]


def _expected() -> list[dict[str, object]]:
    return [{v: t for v, t in zip(VARS, row) if t is not None} for row in ROWS]


@pytest.mark.parametrize("writer, fmt", [
    (sr.to_json, ox.QueryResultsFormat.JSON), (sr.to_xml, ox.QueryResultsFormat.XML),
    (sr.to_tsv, ox.QueryResultsFormat.TSV),
])
def test_writers_round_trip_through_oxigraphs_parsers(writer, fmt) -> None:
    parsed = ox.parse_query_results(writer(VARS, ROWS), format=fmt)
    assert [v.value for v in parsed.variables] == VARS
    got = _solutions(parsed)
    expected = _expected()
    if fmt == ox.QueryResultsFormat.TSV:  # blank node labels are not kept by a TSV parser
        for row in got + expected:
            row.pop("s", None) if isinstance(row.get("s"), ox.BlankNode) else None
    assert got == expected


def test_json_writer_follows_the_spec() -> None:
    doc = json.loads(sr.to_json(VARS, ROWS))
    assert doc["head"]["vars"] == VARS
    first = doc["results"]["bindings"][0]
    assert first["s"] == {"type": "uri", "value": "https://knll-twente.example/id/p001"}
    assert first["label"] == {"type": "literal", "value": "Anna, \"de\" W&T <coördinator>", "xml:lang": "nl"}
    assert first["n"] == {"type": "literal", "value": "12", "datatype": XSD + "integer"}
    assert first["note"] == {"type": "literal", "value": "tab\there\nnew line, comma"}
    assert doc["results"]["bindings"][1]["s"] == {"type": "bnode", "value": "b0"}
    assert "note" not in doc["results"]["bindings"][1]
    assert json.loads(sr.boolean_json(False)) == {"head": {}, "boolean": False}


def test_xml_writer_parses_with_elementtree_and_rdflib() -> None:
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(sr.to_xml(VARS, ROWS))
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == VARS
    results = root.findall("r:results/r:result", ns)
    assert len(results) == 3
    label = results[0].find("r:binding[@name='label']/r:literal", ns)
    assert label.text == "Anna, \"de\" W&T <coördinator>"
    assert label.get("{http://www.w3.org/XML/1998/namespace}lang") == "nl"
    assert results[1].find("r:binding[@name='s']/r:bnode", ns).text == "b0"
    assert results[1].find("r:binding[@name='note']", ns) is None
    assert ET.fromstring(sr.boolean_xml(True)).find("r:boolean", ns).text == "true"
    rows = list(Result.parse(io.BytesIO(sr.to_xml(VARS, ROWS)), format="xml"))
    assert str(rows[0]["label"]) == "Anna, \"de\" W&T <coördinator>" and rows[0]["label"].language == "nl"
    assert rows[0]["n"].toPython() == 12


def test_csv_writer_follows_the_spec() -> None:
    body = sr.to_csv(VARS, ROWS)
    assert body.startswith(b"s,label,n,note\r\n") and body.endswith(b"\r\n")
    rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
    assert rows[0] == VARS
    assert rows[1] == ["https://knll-twente.example/id/p001", "Anna, \"de\" W&T <coördinator>", "12",
                       "tab\there\nnew line, comma"]
    assert rows[2] == ["_:b0", "plain", "2.50", ""]
    assert rows[3] == ["", "2024-01-02", "true", "\\ back\"slash\r"]
    assert sr.boolean_csv(True) == b"true"


def test_tsv_writer_escapes_tabs_and_newlines_and_abbreviates_numbers() -> None:
    lines = sr.to_tsv(VARS, ROWS).decode().split("\n")
    assert lines[0] == "?s\t?label\t?n\t?note"
    cells = lines[1].split("\t")
    assert cells == ["<https://knll-twente.example/id/p001>", '"Anna, \\"de\\" W&T <coördinator>"@nl', "12",
                     '"tab\\there\\nnew line, comma"']
    assert lines[2].split("\t") == ["_:b0", '"plain"', "2.50", ""]
    assert lines[3].split("\t") == ["", f'"2024-01-02"^^<{XSD}date>', "true", '"\\\\ back\\"slash\\r"']
    assert lines[4] == "" and len(lines) == 5


def test_rdflib_reads_the_json_writer_too() -> None:
    result = Result.parse(io.BytesIO(sr.to_json(VARS, ROWS)), format="json")
    rows = list(result)
    assert rows[0]["s"] == rdflib.URIRef("https://knll-twente.example/id/p001")
    assert rows[1]["note"] is None
    assert rows[2]["label"] == rdflib.Literal("2024-01-02", datatype=rdflib.XSD.date)
