"""Hostile input to the SPARQL endpoint, over the real HTTP server (live_server).

Each attempt gets a 4xx or the deadline error within the deadline plus a few seconds, nothing is
fetched (a real listener on 127.0.0.1 stands in for every target and must see no connection; the
answers never hold a local file), nothing is changed, and the server keeps answering, also while
a query runs into its deadline.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse

import pyoxigraph as ox
import pytest
from conftest import TOKEN, LiveServer
from test_sparql_guard import Listener
from test_sparql_protocol import call, get, media, post_direct, post_form, raw_post

from kg.model.namespaces import PUBLIC_GRAPHS
from kg.sparql.worker import QueryFailed, QueryPool, Request
from kg.store import GraphStore
from web import create_app

CKG = "https://w3id.org/connective-kg/ns#"
DEADLINE = 5.0  # live_server's KG_QUERY_DEADLINE
SLACK = 4.0
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ALIVE = f"ASK {{ ?x a <{CKG}ObservationGuide> }}"


@pytest.fixture(scope="module")
def listener():
    ln = Listener()
    yield ln
    ln.close()
    assert ln.connections == 0, "something reached the listener"


def assert_alive(server) -> None:
    """The server still answers: the home page and a small query, each within a few seconds."""
    start = time.monotonic()
    status, _, body = call(server, path="/")
    assert status == 200 and b"<html" in body
    status, _, body = get(server, ALIVE, "application/json")
    assert status == 200 and json.loads(body)["boolean"] is True
    assert time.monotonic() - start < 3 * SLACK


def error_code(response) -> tuple[int, str]:
    status, headers, body = response
    if media(headers) == "application/json":
        return status, json.loads(body)["error"]["code"]
    assert media(headers) == "text/plain", headers
    return status, body.decode().split("\n", 1)[0].split(" ", 1)[1]


def all_methods(server, query: str, accept: str = "application/json"):
    return [get(server, query, accept), post_form(server, [("query", query)], accept),
            post_direct(server, query, accept)]


# --- nothing is fetched -------------------------------------------------------------------------

def test_service_to_a_local_listener_is_refused_and_never_connects(live_server, listener) -> None:
    target = f"<http://127.0.0.1:{listener.port}/sparql>"
    attempts = [
        f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053\\u0045RVICE {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICESILENT{target}{{ ?s ?p ?o }} }}",
        f"PREFIX : <http://127.0.0.1:{listener.port}/> SELECT * WHERE {{ SERVICE:x{{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?u {{ {target} }} SERVICE ?u {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(1 AS ?a) FILTER(?a<'x>' || true) SERVICE {target} {{ ?s ?p ?o }} #'\n }}",
        f"PREFIX ex: <http://e/> SELECT * WHERE {{ BIND(ex:o\\# AS ?z) SERVICE {target} {{ ?s ?p ?o }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE {target} {{ ?s ?p ?o }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ OPTIONAL {{ SERVICE {target} {{ ?s ?p ?o }} }} }}",
    ]
    for query in attempts:
        for response in all_methods(live_server, query):
            assert error_code(response) == (400, "service"), query
    time.sleep(0.2)
    assert listener.connections == 0
    assert_alive(live_server)


def test_from_a_local_file_or_a_local_url_is_refused(live_server, listener) -> None:
    local = f"http://127.0.0.1:{listener.port}/data.ttl"
    for query in ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
                  "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
                  r"SELECT * FROM <file:///etc/\u0070asswd> WHERE { ?s ?p ?o }",
                  "PREFIX f: <file:///etc/> SELECT * FROM f:passwd WHERE { ?s ?p ?o }",
                  f"SELECT * FROM <{local}> WHERE {{ ?s ?p ?o }}",
                  "CONSTRUCT WHERE { ?s ?p ?o }".replace("WHERE", f"FROM NAMED <{local}> WHERE")):
        for response in all_methods(live_server, query):
            assert error_code(response) == (400, "from"), query
            assert b"root:" not in response[2]
    for name in ("default-graph-uri", "named-graph-uri"):
        for iri in ("file:///etc/passwd", local):
            response = call(live_server, params=[("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"), (name, iri)])
            assert error_code(response) == (400, "graph") and b"root:" not in response[2]
    time.sleep(0.2)
    assert listener.connections == 0
    assert_alive(live_server)


def test_load_and_updates_are_refused_and_change_nothing(live_server, listener) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = get(live_server, count, "text/csv", headers={"Authorization": f"Bearer {TOKEN}"})[2]
    local = f"http://127.0.0.1:{listener.port}/data.ttl"
    updates = [
        f"LOAD <{local}>", f"LOAD SILENT <{local}> INTO GRAPH <{PUBLIC_GRAPHS[2]}>", "LOAD <file:///etc/passwd>",
        "INSERT DATA { <http://evil/s> <http://evil/p> 'x' }",
        f"INSERT DATA {{ GRAPH <{PUBLIC_GRAPHS[2]}> {{ <http://evil/s> <http://evil/p> 'x' }} }}",
        "DELETE WHERE { ?s ?p ?o }", "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "DROP ALL", "DROP SILENT DEFAULT",
        f"CLEAR GRAPH <{PUBLIC_GRAPHS[2]}>", f"WITH <{PUBLIC_GRAPHS[2]}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
        "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
    ]
    for update in updates:
        for response in all_methods(live_server, update) + [
            call(live_server, params=[("update", update)]),
            post_form(live_server, [("update", update)]),
            call(live_server, "POST", body=update.encode(), headers={"Content-Type": "application/sparql-update"}),
            call(live_server, "POST", body=update.encode(),
                 headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}),
        ]:
            assert error_code(response) == (400, "update"), update
    after = get(live_server, count, "text/csv", headers={"Authorization": f"Bearer {TOKEN}"})[2]
    assert before == after and int(after.split()[1]) > 10_000
    status, _, body = get(live_server, "ASK { <http://evil/s> ?p ?o }", "application/json")
    assert json.loads(body)["boolean"] is False
    time.sleep(0.2)
    assert listener.connections == 0


# --- runaway queries -------------------------------------------------------------------------------

def timed(fn, *args, **kwargs):
    start = time.monotonic()
    result = fn(*args, **kwargs)
    return result, time.monotonic() - start


def test_a_cartesian_product_is_stopped_and_the_server_answers_meanwhile(live_server) -> None:
    outcome: dict = {}

    def long_query() -> None:
        outcome["response"], outcome["seconds"] = timed(get, live_server, CARTESIAN, "application/json")

    runner = threading.Thread(target=long_query)
    runner.start()
    time.sleep(1.0)
    assert runner.is_alive(), "the cartesian product should still be running"
    # during the long query: pages and other queries are answered
    (status, _, body), seconds = timed(call, live_server, path="/")
    assert status == 200 and seconds < SLACK
    (status, _, body), seconds = timed(get, live_server, ALIVE, "application/json")
    assert status == 200 and json.loads(body)["boolean"] is True and seconds < SLACK
    (status, _, body), seconds = timed(call, live_server, headers={"Accept": "text/turtle"})
    assert status == 200 and b"sd:Service" in body and seconds < SLACK
    runner.join(DEADLINE + 2 * SLACK)
    status, headers, body = outcome["response"]
    assert status == 503 and json.loads(body)["error"]["code"] == "deadline"
    assert "5 s" in json.loads(body)["error"]["en"] and "5 s" in json.loads(body)["error"]["nl"]
    assert DEADLINE - 0.5 < outcome["seconds"] < DEADLINE + SLACK
    assert_alive(live_server)


def test_a_cartesian_product_without_count_hits_the_row_cap_quickly(live_server) -> None:
    response, seconds = timed(get, live_server, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    assert error_code(response) == (422, "rows") and seconds < DEADLINE


def test_a_sorted_cartesian_product_is_stopped_by_the_memory_limit(live_server) -> None:
    response, seconds = timed(get, live_server, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?a LIMIT 1")
    status, code = error_code(response)
    assert status == 503 and code in ("memory", "deadline") and seconds < DEADLINE + SLACK
    assert "memory" in response[2].decode() or "deadline" in response[2].decode()
    assert_alive(live_server)


def test_an_unbounded_property_path_is_stopped(live_server) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x:none>)* ?b . ?b (!<urn:x:none>)* ?c }"
    response, seconds = timed(get, live_server, query)
    assert error_code(response) == (503, "deadline") and seconds < DEADLINE + SLACK
    assert_alive(live_server)


def test_catastrophic_regexes_finish_fast_because_the_engine_does_not_backtrack(live_server, sample_db) -> None:
    """Oxigraph's REGEX uses Rust's linear-time regex engine: the classic backtracking bombs
    answer correctly at once, an oversized pattern is an error (unbound), not a hang."""
    bomb = "a" * 64 + "b"
    (status, _, body), seconds = timed(get, live_server, f'SELECT ?m WHERE {{ BIND(REGEX("{bomb}", "^(a+)+$") AS ?m) }}',
                                       "application/json")
    assert status == 200 and seconds < SLACK
    assert json.loads(body)["results"]["bindings"] == [{"m": {"type": "literal", "value": "false",
                                                              "datatype": "http://www.w3.org/2001/XMLSchema#boolean"}}]
    query = 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "^(([a-z])+.)+[A-Z]([a-z])+$")) }'
    (status, _, body), seconds = timed(get, live_server, query, "text/csv")
    assert status in (200, 503) and seconds < DEADLINE + SLACK
    if status == 200:
        from kg.store import run_query
        assert int(body.split()[1]) == int(next(iter(run_query(sample_db, query, view="public")))["n"].value)
    (status, _, body), seconds = timed(get, live_server, 'SELECT ?m WHERE { BIND(REGEX("aaaa", "((a{100}){100}){100}") AS ?m) }',
                                       "application/json")
    assert status == 200 and json.loads(body)["results"]["bindings"] == [{}] and seconds < SLACK
    assert_alive(live_server)


@pytest.fixture(scope="module")
def chain_server(tmp_path_factory):
    """The app over a store whose public graph is one chain of 100 000 links; deadline 2 s."""
    store = GraphStore(tmp_path_factory.mktemp("chain") / "store")
    nxt, graph = ox.NamedNode("urn:x:next"), ox.NamedNode(PUBLIC_GRAPHS[2])
    store.replace_all(ox.Quad(ox.NamedNode(f"urn:x:n{i}"), nxt, ox.NamedNode(f"urn:x:n{i + 1}"), graph)
                      for i in range(100_000))
    server = LiveServer(create_app({"KG_STORE": str(store.path), "KG_QUERY_DEADLINE": 2.0, "KG_QUERY_WORKERS": 1,
                                    "KG_SECRET_KEY": "chain"}))
    yield server
    server.stop()


def test_an_unbounded_property_path_on_a_long_chain(chain_server) -> None:
    response, seconds = timed(get, chain_server, "SELECT (COUNT(*) AS ?n) WHERE { ?a <urn:x:next>* ?b }")
    assert error_code(response) == (503, "deadline") and 1.5 < seconds < 2.0 + SLACK
    response, seconds = timed(get, chain_server, "SELECT ?b WHERE { <urn:x:n0> <urn:x:next>+ ?b }")
    assert error_code(response) == (422, "rows") and seconds < 2.0 + SLACK
    (status, _, body), _ = timed(get, chain_server, "SELECT ?b WHERE { <urn:x:n99990> <urn:x:next>+ ?b }", "text/csv")
    assert status == 200 and len(body.split()) == 11


# --- defence in depth: the worker itself has no network ----------------------------------------------

def test_workers_cannot_connect_even_if_the_guard_were_bypassed(listener) -> None:
    pool = QueryPool(workers=1, deadline=5.0)
    try:
        if not pool.isolation():
            pytest.skip("this kernel does not let the worker leave the network (no unshare); the guard alone protects")
        req = Request("", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}",
                      "application/sparql-results+json", None, None, None, 10)
        with pytest.raises(QueryFailed) as info:
            pool.run(req)
        assert info.value.kind == "error"
        time.sleep(0.2)
        assert listener.connections == 0
    finally:
        pool.close()


# --- injection through the parameters -------------------------------------------------------------------

def test_injection_in_the_graph_parameters(live_server, listener) -> None:
    target = f"http://127.0.0.1:{listener.port}/"
    for value in (f"{PUBLIC_GRAPHS[2]}> }} SERVICE <{target}> {{ ?s ?p ?o",
                  f"{PUBLIC_GRAPHS[2]} ", f" {PUBLIC_GRAPHS[2]}", f"{PUBLIC_GRAPHS[2]}\n", "<script>alert(1)</script>",
                  f"<{PUBLIC_GRAPHS[2]}>", "", "x" * 10_000):
        for name in ("default-graph-uri", "named-graph-uri"):
            for response in (call(live_server, params=[("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"), (name, value)]),
                             post_form(live_server, [("query", "ASK {}"), (name, value)])):
                status, headers, body = response
                assert error_code(response) == (400, "graph")
                assert headers["X-Content-Type-Options"] == "nosniff" and len(body) < 3000
    time.sleep(0.2)
    assert listener.connections == 0


def test_markup_in_a_query_comes_back_as_plain_text_only(live_server) -> None:
    status, headers, body = get(live_server, "SELECT * WHERE { <script>alert(1)</script> }")
    assert status == 400 and media(headers) == "text/plain" and headers["X-Content-Type-Options"] == "nosniff"
    status, headers, body = get(live_server, "SELECT * WHERE { ?s ?p '<script>alert(1)</script>' }",
                                "text/html,*/*;q=0.1")
    assert status == 200 and media(headers) == "application/sparql-results+json"


def test_other_malformed_parameters(live_server) -> None:
    assert error_code(get(live_server, "ASK {}\x00 }")) == (400, "syntax")
    assert get(live_server, "SELECT ?x WHERE { ?x ?y 'a\x00b' }", "application/json")[0] == 200
    # a query over the length limit, and a body over the size limit
    assert error_code(post_direct(live_server, "ASK {}" + "#" * 200_000)) == (413, "too-large")
    assert error_code(raw_post(live_server, b"query=" + b"A" * (2 * 1024 * 1024),
                               {"Content-Type": "application/x-www-form-urlencoded"})) == (413, "too-large")
    # a bad charset parameter, a huge Accept header, an unknown parameter, markup in lang
    assert error_code(raw_post(live_server, b"ASK {}",
                               {"Content-Type": 'application/sparql-query; charset="><script>"'})) == (400, "encoding")
    status, headers, _ = get(live_server, "ASK {}", ", ".join(f"x/y{i};q=0.{i % 9 + 1}" for i in range(3000)))
    assert status == 406
    status, _, body = call(live_server, params=[("query", "ASK {}"), ("foo", "bar"), ("lang", "<script>")],
                           headers={"Accept": "application/json"})
    assert status == 200 and json.loads(body)["boolean"] is True
    # percent-encoding that is not UTF-8, in a name and in a value
    assert error_code(call(live_server, path="/sparql?qu%FFery=ASK%20%7B%7D")) == (400, "encoding")
    assert error_code(call(live_server, path="/sparql?query=" + urllib.parse.quote("ASK {}") + "%C0%AF")) == \
        (400, "encoding")
    assert_alive(live_server)
