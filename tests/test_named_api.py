"""The named queries over HTTP (web/named.py, kg/answers/named.py): /api/queries and /api/queries/<name>.

Answers are parsed (SPARQL results JSON and TSV by pyoxigraph, the csv module) and compared with kg.sparql.queries.run on
the same store and view.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from conftest import TOKEN

from kg.answers import named
from kg.sparql import queries
from kg.store import GraphStore
from web import create_app

TW = "https://knll-twente.example/id/"
INTERNAL = {"Authorization": f"Bearer {TOKEN}"}
FORMULA = '=HYPERLINK("http://evil.example","klik")'
_XSD = "http://www.w3.org/2001/XMLSchema#"
_PLAIN = (_XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
CASES = [("person-ties", {"person": "p001"}), ("agreements-of", {"actor": "p001"}),
         ("actor-neighbourhood", {"actor": "a-kijkwijzer-ol"}), ("boundary-objects", {}),
         ("person-ties", {"person": "p001", "lang": "en"})]


@pytest.fixture(scope="module")
def app(sample_build):
    store, _ = sample_build
    return create_app({"KG_STORE": str(store.path), "TESTING": True, "KG_TOKEN": TOKEN,
                       "KG_SECRET_KEY": "named-api-test"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def db(app):
    return app.extensions["kg"].db()


@pytest.fixture(scope="module")
def twin_app(sample_build, tmp_path_factory):
    """The sample plus, in a source graph (internal view only), a second "Marieke Nijhuis" (an
    ambiguous name) and an actor whose name is a spreadsheet formula."""
    src, _ = sample_build
    store = GraphStore(tmp_path_factory.mktemp("named-api") / "store")
    g = ox.NamedNode("https://w3id.org/connective-kg/graph/source/test/named-api.ttl")
    actor = ox.NamedNode("https://w3id.org/connective-kg/ns#Actor")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    extra = []
    for local, name in (("p-twin", "Marieke Nijhuis"), ("x-formula", FORMULA)):
        extra += [ox.Quad(ox.NamedNode(TW + local), rdf_type, actor, g),
                  ox.Quad(ox.NamedNode(TW + local), label, ox.Literal(name), g)]
    store.replace_all(list(src.open().quads_for_pattern(None, None, None, None)) + extra)
    app = create_app({"KG_STORE": str(store.path), "TESTING": True, "KG_TOKEN": TOKEN,
                      "KG_SECRET_KEY": "named-api-test"})
    yield app
    app.extensions["kg"].close()


def _listed(value: str) -> str:
    """A GROUP_CONCAT list (", "-separated) with its parts sorted: SPARQL leaves their order open, and
    the worker's text plans differently from pyoxigraph's substitutions."""
    return ", ".join(sorted(value.split(", "))) if ", " in value else value


def _term(t: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> tuple | None:
    """A term as (type, value, language or datatype), as SPARQL results JSON states it."""
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return ("uri", t.value, None)
    if isinstance(t, ox.BlankNode):
        return ("bnode", t.value, None)
    extra = t.language or (None if t.datatype.value in _PLAIN else t.datatype.value)
    return ("literal", _listed(t.value), extra)


def _json_term(b: dict | None) -> tuple | None:
    if b is None:
        return None
    return (b["type"], _listed(b["value"]) if b["type"] == "literal" else b["value"],
            b.get("xml:lang") or b.get("datatype"))


def expected(db, name: str, params: dict[str, str], view: str) -> tuple[list[str], list[list]]:
    results = queries.run(db, name, params, view)
    variables = [v.value for v in results.variables]
    return variables, [[_term(row[v]) for v in variables] for row in results]


def json_rows(body: dict) -> tuple[list[str], list[list]]:
    variables = body["head"]["vars"]
    return variables, [[_json_term(b.get(v)) for v in variables] for b in body["results"]["bindings"]]


def csv_rows(text: str) -> list[list[str]]:
    return [[_listed(cell) for cell in row] for row in csv.reader(io.StringIO(text))]


def tsv_rows(text: str) -> tuple[list[str], list[list]]:
    """SPARQL results TSV parsed by pyoxigraph's own reader, as (variables, terms)."""
    results = ox.parse_query_results(text.encode(), format=ox.QueryResultsFormat.TSV)
    assert isinstance(results, ox.QuerySolutions)
    variables = [v.value for v in results.variables]
    return variables, [[_term(r[v]) for v in variables] for r in results]


def plain_cells(rows: list[list]) -> list[list[str]]:
    """The value of each cell as CSV writes it (numbers as numbers, no formula text in the sample)."""
    return [["" if t is None else t[1] for t in row] for row in rows]


# --- the catalogue ------------------------------------------------------------------------------

def test_catalogue_lists_every_named_query_with_parameters_and_urls(client) -> None:
    r = client.get("/api/queries")
    assert r.status_code == 200 and r.mimetype == "application/json"
    listed = {q["name"]: q for q in r.get_json()["queries"]}
    assert set(listed) == set(queries.catalogue())
    for name, q in queries.catalogue().items():
        item = listed[name]
        assert item["summary"] == {"nl": q.summary_in("nl"), "en": q.summary_in("en")}
        assert item["parameters"] == [{"name": p.name, "type": p.type, "required": p.required,
                                       "default": p.default, "description": p.description} for p in q.params]
        assert item["example"] == q.example
        assert urlsplit(item["url"]).path == f"/api/queries/{name}"


def test_every_example_url_answers(client) -> None:
    for item in client.get("/api/queries").get_json()["queries"]:
        url = urlsplit(item["example_url"])
        r = client.get(f"{url.path}?{url.query}")
        assert r.status_code == 200, (item["name"], r.get_json())
        assert r.mimetype == "application/sparql-results+json"
        assert "vars" in r.get_json()["head"]


# --- answers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,params", CASES)
def test_json_rows_equal_those_of_queries_run(client, db, name: str, params: dict[str, str]) -> None:
    for headers, view in (({}, "public"), (INTERNAL, "internal")):
        r = client.get(f"/api/queries/{name}", query_string=params, headers=headers)
        assert r.status_code == 200 and r.mimetype == "application/sparql-results+json"
        got = json_rows(r.get_json())
        assert got == expected(db, name, params, view)
        assert got[1], f"{name} {params} has no rows in the {view} view: a weak test"
        assert "X-KG-Truncated" not in r.headers and "truncated" not in r.get_json()


@pytest.mark.parametrize("name,params", CASES)
def test_csv_has_the_same_rows(client, db, name: str, params: dict[str, str]) -> None:
    variables, rows = expected(db, name, params, "public")
    for how in ({"query_string": {**params, "format": "csv"}},
                {"query_string": params, "headers": {"Accept": "text/csv"}}):
        r = client.get(f"/api/queries/{name}", **how)
        assert r.status_code == 200 and r.mimetype == "text/csv"
        assert csv_rows(r.get_data(as_text=True)) == [variables, *plain_cells(rows)]


@pytest.mark.parametrize("name,params", CASES)
def test_tsv_has_the_same_terms(client, db, name: str, params: dict[str, str]) -> None:
    for how in ({"query_string": {**params, "format": "tsv"}},
                {"query_string": params, "headers": {"Accept": "text/tab-separated-values"}}):
        r = client.get(f"/api/queries/{name}", **how)
        assert r.status_code == 200 and r.mimetype == "text/tab-separated-values"
        assert r.headers["Content-Disposition"].startswith("attachment") and f"{name}.tsv" in \
            r.headers["Content-Disposition"]
        assert tsv_rows(r.get_data(as_text=True)) == expected(db, name, params, "public")


def test_json_is_the_default_and_format_wins_over_accept(client) -> None:
    for headers in ({}, {"Accept": "application/json"}, {"Accept": "*/*"}, {"Accept": "text/html, */*;q=0.1"}):
        r = client.get("/api/queries/boundary-objects", headers=headers)
        assert r.mimetype == "application/sparql-results+json", headers
    r = client.get("/api/queries/boundary-objects?format=json", headers={"Accept": "text/csv"})
    assert r.mimetype == "application/sparql-results+json"
    r = client.get("/api/queries/boundary-objects?format=csv", headers={"Accept": "application/json"})
    assert r.mimetype == "text/csv"


def test_lang_is_the_query_parameter_or_just_the_language(client, db) -> None:
    r = client.get("/api/queries/person-ties?person=p001&lang=en")
    assert json_rows(r.get_json()) == expected(db, "person-ties", {"person": "p001", "lang": "en"}, "public")
    assert json_rows(r.get_json()) != expected(db, "person-ties", {"person": "p001", "lang": "nl"}, "public")
    # boundary-objects takes no lang: ?lang= is the app's language only, not an unknown parameter
    r = client.get("/api/queries/boundary-objects?lang=en")
    assert r.status_code == 200
    assert json_rows(r.get_json()) == expected(db, "boundary-objects", {}, "public")


def test_a_formula_is_neutralised_in_csv_and_exact_in_json(twin_app) -> None:
    c = twin_app.test_client()
    args = {"text": FORMULA}
    r = c.get("/api/queries/resolve-actor", query_string=args, headers=INTERNAL)
    labels = [b["label"]["value"] for b in r.get_json()["results"]["bindings"]]
    assert labels == [FORMULA]
    r = c.get("/api/queries/resolve-actor", query_string={**args, "format": "csv"}, headers=INTERNAL)
    header, *rows = csv_rows(r.get_data(as_text=True))
    assert [row[header.index("label")] for row in rows] == ["'" + FORMULA]
    assert [row[header.index("text")] for row in rows] == ["'" + FORMULA]
    assert [row[header.index("rank")] for row in rows] == ["3"]
    r = c.get("/api/queries/resolve-actor", query_string={**args, "format": "tsv"}, headers=INTERNAL)
    text = r.get_data(as_text=True)
    header, *lines = [line.split("\t") for line in text.splitlines()]
    assert [line[header.index("?label")] for line in lines] == ['"\\u003D' + FORMULA[1:].replace('"', '\\"') + '"']
    variables, rows = tsv_rows(text)
    assert [row[variables.index("label")] for row in rows] == [("literal", FORMULA, None)]


def test_csv_cells_numbers_stay_numbers_and_text_that_looks_like_a_formula_does_not() -> None:
    integer = ox.NamedNode(_XSD + "integer")
    answer = named.Answer("x", ["a", "b", "c", "d"], [
        [ox.Literal("-5", datatype=integer), ox.Literal("-5"), ox.Literal("+1"), ox.Literal("@SUM(A1)")],
        [ox.Literal("=1", datatype=integer), None, ox.NamedNode(TW + "p001"), ox.Literal("\tx")],
    ], False, 10)
    assert csv_rows(named.to_csv(answer)) == [["a", "b", "c", "d"], ["-5", "'-5", "'+1", "'@SUM(A1)"],
                                              ["'=1", "", TW + "p001", "'\tx"]]


def test_tsv_terms_read_back_exactly_and_text_that_looks_like_a_formula_is_escaped() -> None:
    integer = ox.NamedNode(_XSD + "integer")
    row = [ox.Literal("-5", datatype=integer), ox.Literal("=1+1"), ox.Literal("\tx\ny", language="nl"), None,
           ox.NamedNode(TW + "p001"), ox.BlankNode("b1"), ox.Literal('@a"b'), ox.Literal("plain")]
    answer = named.Answer("x", list("abcdefgh"), [row], False, 10)
    text = named.to_tsv(answer)
    assert text.splitlines()[1].split("\t") == [
        '"\\u002D5"^^<' + _XSD + 'integer>', '"\\u003D1+1"', '"\\u0009x\\ny"@nl', "", f"<{TW}p001>", "_:b1",
        '"\\u0040a\\"b"', '"plain"']
    results = ox.parse_query_results(text.encode(), format=ox.QueryResultsFormat.TSV)
    assert [[r[v] for v in "abcdefgh"] for r in results] == [row]


def test_the_row_cap_cuts_and_says_so(sample_build, db) -> None:
    store, _ = sample_build
    app = create_app({"KG_STORE": str(store.path), "TESTING": True, "KG_ROW_CAP": 5, "KG_SECRET_KEY": "x"})
    try:
        c = app.test_client()
        variables, rows = expected(db, "person-ties", {"person": "p001"}, "public")
        assert len(rows) > 5
        r = c.get("/api/queries/person-ties?person=p001")
        body = r.get_json()
        assert r.status_code == 200 and r.headers["X-KG-Truncated"] == "5"
        assert json_rows(body) == (variables, rows[:5])
        assert body["truncated"]["row_cap"] == 5 and set(body["truncated"]) == {"row_cap", "nl", "en"}
        r = c.get("/api/queries/person-ties?person=p001&format=csv")
        assert r.headers["X-KG-Truncated"] == "5"
        assert csv_rows(r.get_data(as_text=True)) == [variables, *plain_cells(rows[:5])]
        r = c.get("/api/queries/agreements-of?actor=p001")
        assert "X-KG-Truncated" not in r.headers and "truncated" not in r.get_json()
    finally:
        app.extensions["kg"].close()


# --- views --------------------------------------------------------------------------------------

def test_the_public_view_shows_no_person_without_public_consent(client, db) -> None:
    # p004 (Gerard Kamphuis) has no public consent: in the public view a tie of p001 shows his role
    public = client.get("/api/queries/person-ties?person=p001").get_data(as_text=True)
    internal = client.get("/api/queries/person-ties?person=p001", headers=INTERNAL).get_data(as_text=True)
    assert "Gerard Kamphuis" in internal and "Gerard Kamphuis" not in public
    csv_public = client.get("/api/queries/person-ties?person=p001&format=csv").get_data(as_text=True)
    assert "Gerard Kamphuis" not in csv_public
    # nor can he be found by his name there
    r = client.get("/api/queries/person-ties", query_string={"person": "Gerard Kamphuis"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "no-match"
    r = client.get("/api/queries/person-ties", query_string={"person": "Gerard Kamphuis"}, headers=INTERNAL)
    assert r.status_code == 200
    assert r.get_json()["results"]["bindings"][0]["personLabel"]["value"] == "Gerard Kamphuis"


def test_a_signed_in_answer_is_not_cached_for_the_public(client) -> None:
    internal = client.get("/api/queries/person-ties?person=p004", headers=INTERNAL)
    public = client.get("/api/queries/person-ties?person=p004")
    assert "Gerard Kamphuis" in internal.get_data(as_text=True)
    assert "Gerard Kamphuis" not in public.get_data(as_text=True)
    assert "no-store" in internal.headers.get("Cache-Control", "")


# --- errors -------------------------------------------------------------------------------------

def _error(r, status: int, code: str, param: str | None) -> dict:
    assert r.status_code == status and r.mimetype == "application/json", r.get_data(as_text=True)
    error = r.get_json()["error"]
    assert error["status"] == status and error["code"] == code and error.get("param") == param
    assert error["nl"] and error["en"] and error["nl"] != error["en"]
    if param:
        assert param in error["en"] and param in error["nl"]
    return error


def test_an_unknown_query_is_404(client) -> None:
    error = _error(client.get("/api/queries/no-such-query"), 404, "unknown-query", None)
    assert "no-such-query" in error["en"]
    error = _error(client.get("/api/queries/person-tie"), 404, "unknown-query", None)
    assert "person-ties" in error["en"]


def test_parameter_errors_are_400_and_name_the_parameter(client) -> None:
    _error(client.get("/api/queries/person-ties"), 400, "missing-parameter", "person")
    _error(client.get("/api/queries/person-ties?person=nobody-at-all"), 400, "no-match", "person")
    _error(client.get("/api/queries/agreements-of?actor=nobody-at-all"), 400, "no-match", "actor")
    _error(client.get("/api/queries/person-ties?person=p001&colour=red"), 400, "unknown-parameter", "colour")
    _error(client.get("/api/queries/person-ties?person=p001&person=p002"), 400, "repeated-parameter", "person")
    _error(client.get("/api/queries/person-ties?person=p001&format=xml"), 400, "bad-format", "format")
    integer = next(q for q in queries.catalogue().values() if any(p.type == "integer" for p in q.params))
    p = next(p for p in integer.params if p.type == "integer")
    args = {**integer.example, p.name: "many"}
    _error(client.get(f"/api/queries/{integer.name}", query_string=args), 400, "invalid-parameter", p.name)


def test_an_ambiguous_actor_is_400_with_the_candidates(twin_app) -> None:
    c = twin_app.test_client()
    r = c.get("/api/queries/agreements-of", query_string={"actor": "Marieke Nijhuis"}, headers=INTERNAL)
    error = _error(r, 400, "ambiguous-parameter", "actor")
    assert {x["iri"] for x in error["candidates"]} == {TW + "p001", TW + "p-twin"}
    # the twin is in a source graph only: the public view knows one Marieke Nijhuis
    assert c.get("/api/queries/agreements-of", query_string={"actor": "Marieke Nijhuis"}).status_code == 200


def test_nothing_acceptable_is_406(client) -> None:
    r = client.get("/api/queries/boundary-objects", headers={"Accept": "application/xml"})
    assert r.status_code == 406 and r.get_json()["error"]["code"] == "not-acceptable"


def test_a_query_runs_in_a_worker_under_the_deadline(sample_build) -> None:
    store, _ = sample_build
    app = create_app({"KG_STORE": str(store.path), "TESTING": True, "KG_QUERY_DEADLINE": 0.005,
                      "KG_SECRET_KEY": "x"})
    try:
        r = app.test_client().get("/api/queries/analytics-memberships")
        error = r.get_json()["error"]
        assert r.status_code == 503 and error["code"] == "deadline"
        assert error["nl"] and error["en"] and error["nl"] != error["en"]
    finally:
        app.extensions["kg"].close()


def test_the_singular_paths_answer_alike(client) -> None:
    assert client.get("/api/query").get_json() == client.get("/api/queries").get_json()
    a = client.get("/api/query/person-ties?person=p001").get_json()
    assert a == client.get("/api/queries/person-ties?person=p001").get_json() and a["results"]["bindings"]
