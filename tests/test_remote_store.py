"""The whole kg on a remote SPARQL 1.1 store (kg.store.remote) against a real Oxigraph server:
build, ingest, CLI, analytics and the web app give what they give on the embedded store;
writes are all or nothing, a stale writer is refused, foreign graphs are left alone.
(The named queries run on both stores in test_named_queries.py / test_competency_questions.py.)"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from conftest import ROOT, TOKEN, LiveServer
from oxigraph_server import OxigraphServer
from rdflib.compare import isomorphic

from kg.analytics import UnknownRegion, analyse, analyse_region
from kg.cli import main
from kg.ingest.mapping import region_graph
from kg.ingest.pipeline import ingest
from kg.ingest.read import read_path
from kg.model import resources
from kg.pipeline.build import build
from kg.store import GraphStore, StoreChanged, open_store
from kg.store.remote import META_GRAPH, RemoteGraphStore, RemoteStoreError

TEMPLATES = ROOT / "data" / "twente-templates"
BASE = "https://knll-twente.example/id/"
FOREIGN = "https://elsewhere.example/graph/theirs"
INVALID = ROOT / "tests" / "shapes" / "invalid" / "adoption.ttl"


def dataset_digest(server: OxigraphServer) -> str:
    """SHA-256 of every quad the server holds (all graphs, ours, the meta graph and foreign
    ones), read through the Graph Store Protocol rather than through kg."""
    req = urllib.request.Request(server.url + "/store", headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(req, timeout=30) as r:
        lines = sorted(line for line in r.read().decode().splitlines() if line.strip())
    assert lines, "the server holds nothing"
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def sparql_update(server: OxigraphServer, text: str) -> None:
    req = urllib.request.Request(server.url + "/update", data=text.encode(),
                                 headers={"Content-Type": "application/sparql-update"})
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()


@pytest.fixture()
def server(tmp_path: Path):
    s = OxigraphServer(tmp_path / "db")
    yield s
    s.stop()


def test_build_lists_our_graphs_and_leaves_foreign_graphs_alone(server: OxigraphServer) -> None:
    sparql_update(server, f'INSERT DATA {{ GRAPH <{FOREIGN}> {{ <urn:x> <urn:p> "kept" }} }}')
    store = RemoteGraphStore(server.spec)
    assert store.generation() is None
    assert build([resources.sample_dir()], store).committed
    db = store.open()
    ours = {g.value for g in db.named_graphs()}
    assert FOREIGN not in ours and META_GRAPH not in ours
    assert "https://w3id.org/connective-kg/graph/public" in ours and len(ours) >= 4
    gen = store.generation()
    assert gen and gen.startswith("gen-")
    # A second build replaces our graphs and only ours.
    assert build([resources.sample_dir()], store).committed
    assert store.generation() != gen
    foreign = ox.parse_query_results(_get(server, f"SELECT ?o WHERE {{ GRAPH <{FOREIGN}> {{ ?s ?p ?o }} }}"),
                                     format=ox.QueryResultsFormat.JSON)
    assert [r["o"].value for r in foreign] == ["kept"]


def _get(server: OxigraphServer, query: str) -> bytes:
    url = server.url + "/query?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def test_failed_build_and_stale_writer_write_nothing(server: OxigraphServer) -> None:
    store = RemoteGraphStore(server.spec)
    assert build([resources.sample_dir()], store).committed
    before, gen = dataset_digest(server), store.generation()
    result = build([resources.sample_dir(), INVALID], store)
    assert not result.committed and result.violations
    assert dataset_digest(server) == before and store.generation() == gen
    # Another writer moves the store on; a writer still holding `gen` is refused, and the
    # refused write leaves no trace of itself.
    quad = ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x"),
                   ox.NamedNode("https://w3id.org/connective-kg/graph/extra"))
    store.replace_graphs([], [quad])
    moved = dataset_digest(server)
    assert moved != before
    with pytest.raises(StoreChanged):
        store.replace_all([quad], expected=gen)
    assert dataset_digest(server) == moved


def region_rdf(store, graph: ox.NamedNode) -> rdflib.Graph:
    """One graph of a store as an rdflib Graph (blank nodes differ between stores: compare
    by isomorphism)."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.open().quads_for_pattern(None, None, None, graph)]
    return rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")


def test_ingest_into_remote_equals_embedded_and_failed_ingest_changes_nothing(server: OxigraphServer,
                                                                              tmp_path: Path) -> None:
    wb = read_path(TEMPLATES)
    remote, embedded = RemoteGraphStore(server.spec), GraphStore(tmp_path / "s")
    assert ingest(wb, "twente", BASE, remote).committed
    assert ingest(wb, "twente", BASE, embedded).committed
    g = ox.NamedNode(region_graph("twente"))
    remote_graph = region_rdf(remote, g)
    assert len(remote_graph) > 100 and isomorphic(remote_graph, region_rdf(embedded, g))
    assert ingest(wb, "twente", BASE, remote).committed  # idempotent: the same input, the same data
    assert isomorphic(region_rdf(remote, g), remote_graph)
    bad = read_path(TEMPLATES)
    row = next(r for r in bad.tables["people"].rows if r.cells.get("id") == "p001")
    row.cells["organisation"] = "nergens"
    before = dataset_digest(server)
    assert not ingest(bad, "twente", BASE, remote).committed
    assert dataset_digest(server) == before


def test_cli_on_remote_store_gives_the_embedded_answers(remote_sample, sample_build) -> None:
    server, remote = remote_sample
    embedded, _ = sample_build
    runner = CliRunner()

    def run(*args: str) -> str:
        out = runner.invoke(main, list(args), catch_exceptions=False)
        assert out.exit_code == 0, out.output
        return out.output

    topics = ["W&T", "digitale geletterdheid"]
    a = json.loads(run("who-knows", *topics, "--format", "json", "--store", server.spec))
    b = json.loads(run("who-knows", *topics, "--format", "json", "--store", str(embedded.path)))
    assert a["results"] and a == b
    stats = json.loads(run("stats", "--format", "json", "--store", server.spec))
    local = json.loads(run("stats", "--format", "json", "--store", str(embedded.path)))
    assert stats.pop("store") == f"http://127.0.0.1:{server.port}/query"
    assert local.pop("store") == str(embedded.path)
    assert stats == local
    # KG_STORE_URL is the environment's way to say the same.
    env = runner.invoke(main, ["who-knows", *topics, "--format", "json"], env={"KG_STORE_URL": server.spec})
    assert env.exit_code == 0 and json.loads(env.output) == a


def test_unreachable_remote_store_is_a_store_error_with_exit_3() -> None:
    out = CliRunner().invoke(main, ["stats", "--store", "sparql+http://127.0.0.1:9/query"])
    assert out.exit_code == 3
    assert "127.0.0.1:9" in out.output
    with pytest.raises(RemoteStoreError):
        open_store("sparql+http://127.0.0.1:9/query").generation()


def test_analytics_on_remote_equals_embedded(remote_sample_db, sample_db) -> None:
    for name in ("PLG Wetenschap & Techniek", "p011"):
        assert analyse(remote_sample_db, name) == analyse(sample_db, name), name
    whole = analyse_region(remote_sample_db, None)
    assert whole == analyse_region(sample_db, None) and whole["people"] > 100
    with pytest.raises(UnknownRegion):   # a built store has no ingested regions, remote or not
        analyse_region(remote_sample_db, "twente")


def test_credentials_never_show_in_reports(server: OxigraphServer) -> None:
    spec = server.spec.replace("sparql+http://", "sparql+http://staff:s3cret@")
    store = open_store(spec)
    assert store.endpoint.user == "staff" and store.endpoint.password == "s3cret"
    assert "s3cret" not in str(store)


def _json(url: str, token: bool = False):
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", f"Bearer {TOKEN}")
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def test_web_app_on_remote_store(remote_sample, live_server) -> None:
    """Our web app with KG_STORE_URL: the same JSON as over the embedded store, public and
    internal; its /sparql answers from the remote store."""
    from web import create_app

    server, remote = remote_sample
    app = create_app({"KG_STORE_URL": server.spec, "KG_TOKEN": TOKEN, "KG_QUERY_DEADLINE": 5.0,
                      "KG_SECRET_KEY": "test-secret"})
    web = LiveServer(app)
    try:
        q = "/api/who-knows?" + urllib.parse.urlencode([("topic", "W&T"), ("topic", "digitale geletterdheid")])
        for token in (False, True):
            assert _json(web.url + q, token) == _json(live_server.url + q, token)
        t = "/api/trace?" + urllib.parse.urlencode({"artefact": "Kijkwijzer onderzoekend leren"})
        trace = _json(web.url + t, True)
        assert trace["adoptions"] and trace == _json(live_server.url + t, True)
        sparql = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/connective-kg/ns#Adoption> }"
        qs = "/sparql?" + urllib.parse.urlencode({"query": sparql})
        n = int(_json(web.url + qs)["results"]["bindings"][0]["n"]["value"])
        assert n > 0 and n == int(_json(live_server.url + qs)["results"]["bindings"][0]["n"]["value"])
    finally:
        web.stop()
