"""Federation across regions (issue 6, items 2 and 3) against real servers, no mocks.

Two real Oxigraph servers on 127.0.0.1, each with a different generated region built into it by
our pipeline (kg.pipeline.build into kg.store.remote.RemoteGraphStore), plus our own web app (LiveServer) over
the Twente sample, with a region registry naming both. Also: a region that accepts the TCP
connection and never answers, a plain HTTP server that is not SPARQL, and a port nobody
listens on.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from answer_types import mismatches
from click.testing import CliRunner
from conftest import LiveServer
from oxigraph_server import OxigraphServer, free_port

from kg.answers import expertise
from kg.answers import trace as diffusion
from kg.answers.trace import Trace
from kg.cli import main
from kg.federation import federated as federation
from kg.federation import registry as regions
from kg.model import resources
from kg.pipeline.build import build
from kg.sparql import queries
from kg.store import GraphStore
from kg.store.remote import RemoteGraphStore
from synthetic.generate import write

A, B = "https://utrecht.example/id/", "https://zeeland.example/id/"
TW = "https://knll-twente.example/id/"
CKG = "https://w3id.org/connective-kg/ns#"
PUBLIC_GRAPH = "https://w3id.org/connective-kg/graph/public"
TOPIC = "digitale geletterdheid"
TIMEOUT = 3.0
MARGIN = 2.0  # seconds over the timeout a partial answer may take (our own work, thread start, HTTP)


# --- servers that misbehave ------------------------------------------------------------------

class SilentServer:
    """Accepts TCP connections and never answers (keeps them open until stopped)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)  # read nothing, answer nothing

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def stop(self) -> None:
        self.running = False
        self.sock.close()
        for c in self.conns:
            c.close()


class _Html(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b"<!doctype html><html><body><h1>Welcome to our website</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


class HtmlServer:
    """A plain web server: HTML for every request, not SPARQL."""

    def __init__(self) -> None:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Html)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/sparql"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the regions -----------------------------------------------------------------------------

def adopted(nt: Path) -> list[str]:
    """Artefacts with at least one adoption in a generated region, most adopted first."""
    db = ox.Store()
    db.load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
    rows = db.query(f"SELECT ?a (COUNT(?ad) AS ?n) WHERE {{ ?ad <{CKG}adoptedArtefact> ?a }} "
                    "GROUP BY ?a ORDER BY DESC(?n) ?a")
    return [r["a"].value for r in rows]


def registry_text(entries: list[tuple[str, str, str]], local: str = "twente") -> str:
    out = [f'[local]\nname = "{local}"\nlabel = "KnLL Twente"\n']
    for name, url, base in entries:
        out.append(f'[[region]]\nname = "{name}"\nlabel = "Regio {name.title()}"\nendpoint = "{url}"\n'
                   f'base = "{base}"\ncontact = "mailto:kg@{name}.example"\n')
    return "\n".join(out)


class World:
    pass


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("federation")
    w = World()
    w.tmp = tmp
    write(tmp / "utrecht" / "region.nt", 20, seed=1, base=A)
    write(tmp / "zeeland" / "region.nt", 20, seed=2, base=B)
    a_adopted, b_adopted = adopted(tmp / "utrecht" / "region.nt"), adopted(tmp / "zeeland" / "region.nt")
    w.art_a, w.art_b = a_adopted[0], b_adopted[0]      # linked by schema:sameAs (ours and theirs)
    w.art_a2, w.art_b2 = a_adopted[1], b_adopted[1]    # linked by owl:sameAs (in Utrecht's public graph)
    # Theirs: Zeeland says its artefact is Utrecht's (schema:sameAs, built by our pipeline).
    (tmp / "zeeland" / "links.ttl").write_text(f"<{w.art_b}> <https://schema.org/sameAs> <{w.art_a}> .\n")
    # Ours: the Twente kijkwijzer is the same as Utrecht's artefact.
    (tmp / "links").mkdir()
    (tmp / "links" / "links.ttl").write_text(f"<{TW}a-kijkwijzer-ol> <https://schema.org/sameAs> <{w.art_a}> .\n")
    w.a = OxigraphServer(tmp / "db-utrecht")
    w.b = OxigraphServer(tmp / "db-zeeland")
    for server, folder in ((w.a, "utrecht"), (w.b, "zeeland")):
        result = build([tmp / folder], RemoteGraphStore(server.spec))
        assert result.committed, (folder, result.violations[:3], result.errors[:3])
    # owl:sameAs through the OWL RL closure copies every statement (two adoptedArtefact values per
    # adoption: a SHACL violation), so it is stated here in a store that publishes it as is.
    update = (f"INSERT DATA {{ GRAPH <{PUBLIC_GRAPH}> {{ <{w.art_a2}> <http://www.w3.org/2002/07/owl#sameAs> "
              f"<{w.art_b2}> }} }}")
    req = urllib.request.Request(w.a.url + "/update", data=update.encode(),
                                 headers={"Content-Type": "application/sparql-update"})
    urllib.request.urlopen(req, timeout=10).read()
    w.local = GraphStore(tmp / "local")
    assert build([resources.sample_dir(), tmp / "links"], w.local).committed
    w.db = w.local.open()
    w.registry_file = tmp / "regions.toml"
    w.registry_file.write_text(registry_text([("utrecht", w.a.url + "/query", A),
                                              ("zeeland", w.b.url + "/query", B)]))
    w.registry = regions.load(w.registry_file)
    from web import create_app
    w.app = create_app({"KG_STORE": str(w.local.path), "KG_REGIONS": str(w.registry_file),
                        "KG_FEDERATION_TIMEOUT": TIMEOUT, "KG_SECRET_KEY": "test"})
    w.web = LiveServer(w.app)
    yield w
    w.web.stop()
    w.a.stop()
    w.b.stop()


def hidden_people(server: OxigraphServer) -> dict[str, str]:
    """{IRI: real name} of the people of a region without public consent who have public
    evidence for TOPIC (they show in that region's own public finder as an anonymous role)."""
    db = RemoteGraphStore(server.spec).open()
    public = expertise.who_knows(db, [TOPIC], "public", "nl")
    consented = {r["person"].value for r in queries.run(db, "consented-people", {}, "public")}
    names = {r["iri"]: r["label"] for r in expertise.who_knows(db, [TOPIC], "internal", "nl")["results"]}
    return {r["iri"]: names.get(r["iri"], "") for r in public["results"]
            if r["type"] == "person" and r["iri"] not in consented}


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class FinderPage(HTMLParser):
    """Results (IRI, region) and the region report of /who-knows."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[dict] = []
        self.report: dict[str, str] = {}
        self.partial: list[str] = []
        self._region_label = False
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "li" and "result" in classes:
            self.results.append({"iri": a["data-iri"], "region": a.get("data-region"), "region_label": ""})
        if tag == "span" and "region" in classes and self.results:
            self._region_label = True
        if tag == "li" and "region-status" in classes:
            self.report[a["data-region"]] = a["data-status"]
        if tag == "span" and "region-missing" in classes:
            self.partial.append(a["data-region"])

    def handle_endtag(self, tag) -> None:
        if tag == "span":
            self._region_label = False

    def handle_data(self, data) -> None:
        self.text.append(data)
        if self._region_label:
            self.results[-1]["region_label"] += data.strip()


def _by_region(results: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in results:
        out.setdefault(r["region"]["name"], []).append(r)
    return out


# --- the federated finder --------------------------------------------------------------------

def test_federated_who_knows_cli_api_and_page_give_both_regions_public_people_only(world) -> None:
    hidden_a = hidden_people(world.a)
    assert hidden_a, "the test needs a non-consenting Utrecht person with public evidence"
    local_only = expertise.who_knows(world.db, [TOPIC], "public", "nl")

    out = CliRunner().invoke(main, ["who-knows", TOPIC, "--federated", "--regions", str(world.registry_file),
                                    "--store", str(world.local.path), "--format", "json", "--limit", "100"])
    assert out.exit_code == 0, out.output
    answer = json.loads(out.output)
    assert answer["total"] == len(answer["results"]) < 100, "the whole answer on one page"
    assert answer["federated"] is True
    regions_ = {r["name"]: r for r in answer["regions"]}
    assert [r["name"] for r in answer["regions"]] == ["twente", "utrecht", "zeeland"]
    assert all(r["status"] == "ok" for r in answer["regions"]), answer["regions"]
    assert regions_["twente"]["local"] is True
    by = _by_region(answer["results"])
    for name, base in (("utrecht", A), ("zeeland", B)):
        people = [r for r in by.get(name, []) if r["type"] == "person"]
        assert people, f"no people from {name}"
        assert all(r["iri"].startswith(base) for r in by[name])
        assert all(r["region"] == {"name": name, "label": f"Regio {name.title()}"} for r in by[name])
        assert regions_[name]["results"] == len(by[name])
    assert any(r["type"] == "person" for r in by["twente"])
    assert by["twente"][0]["region"] == {"name": "twente", "label": "KnLL Twente"}
    # Ranked by score across regions.
    scores = [r["score"] for r in answer["results"]]
    assert scores == sorted(scores, reverse=True)
    # Only consented people: a non-consenting Utrecht person never appears, neither by IRI nor by name.
    iris = {r["iri"] for r in answer["results"]}
    assert not iris & set(hidden_a)
    for name in hidden_a.values():
        assert name and name not in out.output
    # ... nor do our own anonymous roles (the same rule for every part).
    consented = {r["person"].value for r in queries.run(world.db, "consented-people", {}, "public")}
    assert all(r["iri"] in consented for r in by["twente"] if r["type"] == "person")
    assert any(r["type"] == "person" and r["iri"] not in consented for r in local_only["results"])

    # Paged after the merge: the pages of 7 are the whole answer, in order, each result once.
    paged, offset = [], 0
    while offset is not None:
        page = federation.who_knows(world.db, world.registry, [TOPIC], "nl", limit=7, offset=offset)
        assert page["total"] == answer["total"]
        paged += page["results"]
        offset = page["next"]
    assert [(r["iri"], r["region"]["name"]) for r in paged] == [(r["iri"], r["region"]["name"]) for r in answer["results"]]
    with pytest.raises(expertise.FinderError) as refused:
        federation.who_knows(world.db, world.registry, [TOPIC], "nl", organisation="s-00001")
    assert refused.value.code == "no-federated-filter"

    # The web JSON API gives the same answer.
    q = urllib.parse.urlencode({"topic": TOPIC, "federated": "1", "limit": "100"})
    t0 = time.monotonic()
    status, api = get_json(f"{world.web.url}/api/who-knows?{q}")
    fed_s = time.monotonic() - t0
    assert status == 200
    assert not mismatches(api, expertise.WhoKnowsPage) and api["federated"] and api["regions"]
    assert [(r["iri"], r["region"]["name"], r["score"]) for r in api["results"]] == \
           [(r["iri"], r["region"]["name"], r["score"]) for r in answer["results"]]
    t0 = time.monotonic()
    status, _ = get_json(f"{world.web.url}/api/who-knows?" + urllib.parse.urlencode({"topic": TOPIC}))
    local_s = time.monotonic() - t0
    print(f"\n/api/who-knows federated (2 regions) {fed_s * 1000:.0f} ms vs local only {local_s * 1000:.0f} ms: "
          f"ratio {fed_s / max(local_s, 1e-6):.1f}")

    # The HTML page, parsed.
    with urllib.request.urlopen(f"{world.web.url}/who-knows?{q}", timeout=30) as r:
        html = r.read().decode()
    page = FinderPage()
    page.feed(html)
    assert [(x["iri"], x["region"]) for x in page.results] == \
           [(r["iri"], r["region"]["name"]) for r in answer["results"]]
    labels = {x["region"]: x["region_label"] for x in page.results}
    assert labels == {"twente": "KnLL Twente", "utrecht": "Regio Utrecht", "zeeland": "Regio Zeeland"}
    assert page.report == {"twente": "ok", "utrecht": "ok", "zeeland": "ok"}
    assert not page.partial
    for name in hidden_a.values():
        assert name not in html


def test_a_stopped_region_gives_partial_results_within_the_timeout(world) -> None:
    world.b.stop()
    try:
        t0 = time.monotonic()
        out = CliRunner().invoke(main, ["who-knows", TOPIC, "--federated", "--regions", str(world.registry_file),
                                        "--store", str(world.local.path), "--timeout", str(TIMEOUT)])
        elapsed = time.monotonic() - t0
        assert out.exit_code == 0, out.output
        assert elapsed < TIMEOUT + MARGIN
        assert "Regio Utrecht" in out.output
        assert "Geen antwoord van: Regio Zeeland" in out.output

        q = urllib.parse.urlencode({"topic": TOPIC, "federated": "1"})
        t0 = time.monotonic()
        status, api = get_json(f"{world.web.url}/api/who-knows?{q}")
        elapsed = time.monotonic() - t0
        assert status == 200 and elapsed < TIMEOUT + MARGIN
        report = {r["name"]: r for r in api["regions"]}
        assert report["zeeland"]["status"] == "error"
        # issue 14: what went wrong is said in both languages, and Python's error text stays in the log
        assert report["zeeland"]["error"]["code"] == "error"
        assert "serverlogboek" in report["zeeland"]["error"]["nl"] and "server log" in report["zeeland"]["error"]["en"]
        assert "Connection refused" not in json.dumps(api) and "Errno" not in json.dumps(api)
        assert report["utrecht"]["error"] is None
        assert report["utrecht"]["status"] == "ok" and report["twente"]["status"] == "ok"
        by = _by_region(api["results"])
        assert "zeeland" not in by and any(r["type"] == "person" for r in by["utrecht"])

        with urllib.request.urlopen(f"{world.web.url}/who-knows?{q}", timeout=30) as r:
            page = FinderPage()
            page.feed(r.read().decode())
        assert page.partial == ["zeeland"]
        assert page.report["zeeland"] == "error" and page.report["utrecht"] == "ok"
        assert {x["region"] for x in page.results} == {"twente", "utrecht"}
    finally:
        world.b.start()


class Links(HTMLParser):
    """Every link target on a page, and the text of the finder's result heads."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.actor_text: list[str] = []
        self._actor = False

    def handle_starttag(self, tag, attrs) -> None:
        a = {k: v or "" for k, v in attrs}
        if "href" in a:
            self.hrefs.append(a["href"])
        self._actor = "actor" in a.get("class", "").split()

    def handle_endtag(self, tag) -> None:
        self._actor = False

    def handle_data(self, data) -> None:
        if self._actor:
            self.actor_text.append(data.strip())


HOSTILE_IRIS = ["javascript:alert(document.domain)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
                "ftp://evil.example/x", "vbscript:msgbox(1)"]


def test_only_http_links_from_another_region_the_rest_is_text(world) -> None:
    """issue 14: another region's IRIs went into href as they arrived (javascript:, data:)."""
    server = OxigraphServer(world.tmp / "db-hostile")
    try:
        assert build([world.tmp / "utrecht"], RemoteGraphStore(server.spec)).committed
        db = RemoteGraphStore(server.spec).open()
        people = [r for r in federation.who_knows(db, None, [TOPIC], view="public")["results"]
                  if r["type"] == "person"]
        consented = {r["person"].value for r in queries.run(db, "consented-people", {}, "public")}
        renamed = {}
        for r, bad in zip([r for r in people if r["iri"] in consented], HOSTILE_IRIS):
            renamed[bad] = r["label"]
            update = (f"DELETE {{ GRAPH ?g {{ <{r['iri']}> ?p ?o }} }} INSERT {{ GRAPH ?g {{ <{bad}> ?p ?o }} }} "
                      f"WHERE {{ GRAPH ?g {{ <{r['iri']}> ?p ?o }} }};\n"
                      f"DELETE {{ GRAPH ?g {{ ?s ?p <{r['iri']}> }} }} INSERT {{ GRAPH ?g {{ ?s ?p <{bad}> }} }} "
                      f"WHERE {{ GRAPH ?g {{ ?s ?p <{r['iri']}> }} }}")
            req = urllib.request.Request(server.url + "/update", data=update.encode(),
                                         headers={"Content-Type": "application/sparql-update"})
            urllib.request.urlopen(req, timeout=10).read()
        assert len(renamed) >= 2, "the test needs consenting people with evidence in the region"
        registry_file = world.tmp / "hostile.toml"
        registry_file.write_text(registry_text([("hostile", server.url + "/query", A)]))
        from web import create_app
        client = create_app({"KG_STORE": str(world.local.path), "KG_REGIONS": str(registry_file),
                             "KG_FEDERATION_TIMEOUT": 10, "KG_SECRET_KEY": "test"}).test_client()
        r = client.get("/who-knows?" + urllib.parse.urlencode({"topic": TOPIC, "federated": "1", "limit": "100"}))
        assert r.status_code == 200
        page, links = FinderPage(), Links()
        html = r.get_data(as_text=True)
        page.feed(html)
        links.feed(html)
        shown = {x["iri"] for x in page.results if x["region"] == "hostile"}
        assert set(renamed) <= shown, "the renamed people are results of the other region"
        assert not [h for h in links.hrefs if not h.startswith(("/", "?", "#", "http://", "https://"))]
        assert all(bad not in links.hrefs for bad in renamed)
        for label in renamed.values():  # shown, as text
            assert label in links.actor_text
        assert any(h.startswith(A) for h in links.hrefs), "the region's http(s) IRIs are still links"
    finally:
        server.stop()


def test_a_region_that_never_answers_times_out_instead_of_hanging(world) -> None:
    silent = SilentServer()
    try:
        path = world.tmp / "silent.toml"
        path.write_text(registry_text([("utrecht", world.a.url + "/query", A), ("stil", silent.url, "https://stil.example/id/")]))
        registry = regions.load(path)
        t0 = time.monotonic()
        answer = federation.who_knows(world.db, registry, [TOPIC], "nl", None, timeout=1.5)
        elapsed = time.monotonic() - t0
        assert elapsed < 1.5 + MARGIN
        report = {r["name"]: r for r in answer["regions"]}
        assert report["stil"]["status"] == "timeout" and "1.5 s" in report["stil"]["error"]
        assert report["utrecht"]["status"] == "ok"
        assert {r["region"]["name"] for r in answer["results"]} == {"twente", "utrecht"}
        # The trace and the checks are bounded the same way.
        t0 = time.monotonic()
        tr = federation.trace(world.db, registry, "a-kijkwijzer-ol", "nl", timeout=1.5)
        assert time.monotonic() - t0 < 1.5 + MARGIN
        assert {r["name"]: r["status"] for r in tr["regions"]}["stil"] == "timeout"
    finally:
        silent.stop()


def test_unknown_topic_everywhere_is_the_usual_error_and_one_region_not_knowing_is_not(world, tmp_path) -> None:
    with pytest.raises(expertise.FinderError) as e:
        federation.who_knows(world.db, world.registry, ["digitale geletterdhied"], "nl")
    assert e.value.code == "unknown-topic"
    assert any(s["label"] == "digitale geletterdheid" for s in e.value.topics[0]["suggestions"])
    out = CliRunner().invoke(main, ["who-knows", "digitale geletterdhied", "--federated",
                                    "--regions", str(world.registry_file), "--store", str(world.local.path)])
    assert out.exit_code == 2 and "Bedoelde je 'digitale geletterdheid'" in out.output
    status, body = get_json(f"{world.web.url}/api/who-knows?topic=digitale+geletterdhied&federated=1")
    assert status == 400 and body["error"]["code"] == "unknown-topic"
    # A region whose store holds no vocabularies does not know the topic: reported, not an error.
    empty = OxigraphServer(tmp_path / "empty")
    try:
        path = tmp_path / "r.toml"
        path.write_text(registry_text([("utrecht", world.a.url + "/query", A), ("leeg", empty.url + "/query",
                                                                                 "https://leeg.example/id/")]))
        answer = federation.who_knows(world.db, regions.load(path), [TOPIC], "nl")
        report = {r["name"]: r["status"] for r in answer["regions"]}
        assert report == {"twente": "ok", "utrecht": "ok", "leeg": "unknown-topic"}
        assert answer["results"]
    finally:
        empty.stop()


def test_web_without_a_registry_refuses_federated_requests(sample_build) -> None:
    from web import create_app

    app = create_app({"KG_STORE": str(sample_build[0].path), "KG_REGIONS": "", "KG_SECRET_KEY": "t"})
    client = app.test_client()
    r = client.get("/api/who-knows?topic=W%26T&federated=1")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "no-federation"
    assert "KG_REGIONS" in r.get_json()["error"]["en"] and "KG_REGIONS" in r.get_json()["error"]["nl"]
    r = client.get("/api/trace?artefact=a-kijkwijzer-ol&federated=1")
    assert r.status_code == 400 and r.get_json()["error"] == "no federation"
    assert 'name="federated"' not in client.get("/who-knows").get_data(as_text=True)
    app.extensions["kg"].close()


# --- the federated trace ---------------------------------------------------------------------

def test_federated_trace_follows_the_artefact_by_sameas_ours_and_theirs(world) -> None:
    out = CliRunner().invoke(main, ["trace", "a-kijkwijzer-ol", "--federated", "--regions", str(world.registry_file),
                                    "--store", str(world.local.path), "--format", "json"])
    assert out.exit_code == 0, out.output
    tr = json.loads(out.output)
    assert not mismatches(tr, Trace)
    assert tr["artefact"]["iri"] == TW + "a-kijkwijzer-ol"
    assert {TW + "a-kijkwijzer-ol", world.art_a, world.art_b} <= set(tr["same_as"])
    report = {r["name"]: r for r in tr["regions"]}
    assert all(r["status"] == "ok" for r in tr["regions"]), tr["regions"]
    by: dict[str, list[dict]] = {}
    for a in tr["adoptions"]:
        by.setdefault(a["region"]["name"], []).append(a)
    assert set(by) == {"twente", "utrecht", "zeeland"}
    for name, base in (("utrecht", A), ("zeeland", B)):
        assert all(a["adoption"]["iri"].startswith(base) and a["adopter"]["iri"].startswith(base) for a in by[name])
        assert report[name]["adoptions"] == len(by[name])
    # Merged in date order, numbered over the merge; every adoption once.
    dates = [a["date"] for a in tr["adoptions"]]
    assert dates == sorted(dates)
    assert [a["order"] for a in tr["adoptions"]] == list(range(1, len(dates) + 1))
    assert len({a["adoption"]["iri"] for a in tr["adoptions"]}) == len(dates) == tr["summary"]["adoptions"]
    assert tr["summary"]["regions"] == 3 and tr["adoptions"][0]["days_since_first"] == 0
    # The same as each region's own trace of its artefact.
    own = {"utrecht": (world.a, world.art_a), "zeeland": (world.b, world.art_b)}
    from kg.answers import trace as diffusion
    for name, (server, iri) in own.items():
        alone = diffusion.trace(RemoteGraphStore(server.spec).open(), iri, "public", "nl")
        assert {a["adoption"]["iri"] for a in alone["adoptions"]} == {a["adoption"]["iri"] for a in by[name]}

    # The web API and the page.
    status, api = get_json(f"{world.web.url}/api/trace?artefact=a-kijkwijzer-ol&federated=1")
    assert status == 200
    assert [(a["adoption"]["iri"], a["region"]["name"]) for a in api["adoptions"]] == \
           [(a["adoption"]["iri"], a["region"]["name"]) for a in tr["adoptions"]]
    with urllib.request.urlopen(f"{world.web.url}/trace?artefact=a-kijkwijzer-ol&federated=1", timeout=30) as r:
        html = r.read().decode()

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.report = [], {}

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "tr" and "data-adoption" in a:
                self.rows.append((a["data-adoption"], a.get("data-region")))
            if tag == "li" and "region-status" in (a.get("class") or ""):
                self.report[a["data-region"]] = a["data-status"]

    rows = Rows()
    rows.feed(html)
    assert rows.rows == [(a["adoption"]["iri"], a["region"]["name"]) for a in tr["adoptions"]]
    assert rows.report == {"twente": "ok", "utrecht": "ok", "zeeland": "ok"}


def test_federated_trace_by_iri_follows_owl_sameas_in_their_data(world) -> None:
    """An artefact this store does not hold, given by IRI (Zeeland's); Utrecht's public graph says
    its own artefact is owl:sameAs that one."""
    tr = federation.trace(world.db, world.registry, world.art_b2, "en")
    assert tr["artefact"]["iri"] == world.art_b2
    assert {world.art_a2, world.art_b2} <= set(tr["same_as"])
    report = {r["name"]: r["status"] for r in tr["regions"]}
    assert report == {"twente": "unknown-artefact", "utrecht": "ok", "zeeland": "ok"}
    regions_ = {a["region"]["name"] for a in tr["adoptions"]}
    assert regions_ == {"utrecht", "zeeland"}
    assert [a["date"] for a in tr["adoptions"]] == sorted(a["date"] for a in tr["adoptions"])
    # Unknown everywhere: the usual error (exit 2 in the CLI).
    out = CliRunner().invoke(main, ["trace", "https://nowhere.example/id/a-1", "--federated",
                                    "--regions", str(world.registry_file), "--store", str(world.local.path)])
    assert out.exit_code == 2 and "no artefact matches" in out.output


# --- kg regions and the registry -------------------------------------------------------------

def test_kg_regions_checks_each_region(world, tmp_path) -> None:
    html, silent = HtmlServer(), SilentServer()
    try:
        path = tmp_path / "regions.toml"
        path.write_text(registry_text([
            ("utrecht", world.a.url + "/query", A),
            ("weg", f"http://127.0.0.1:{free_port()}/query", "https://weg.example/id/"),
            ("website", html.url, "https://website.example/id/"),
            ("stil", silent.url, "https://stil.example/id/"),
            ("web", world.web.url + "/sparql", TW),  # our own web app's public endpoint serves as a region's
        ]))
        t0 = time.monotonic()
        out = CliRunner().invoke(main, ["regions", "--regions", str(path), "--format", "json", "--timeout", "1.5",
                                        "--store", str(world.local.path)])
        assert time.monotonic() - t0 < 1.5 + MARGIN
        assert out.exit_code == 1, out.output
        report = {r["name"]: r for r in json.loads(out.output)["regions"]}
        assert {n: r["status"] for n, r in report.items()} == {
            "utrecht": "ok", "weg": "unreachable", "website": "not-sparql", "stil": "timeout", "web": "ok"}
        ok = report["utrecht"]
        assert ok["reachable"] and ok["sparql11"] and ok["ontology"] and ok["same_version"] is True
        assert ok["version"] and ok["contact"] == "mailto:kg@utrecht.example"
        assert report["website"]["reachable"] and not report["website"]["sparql11"]
        assert not report["weg"]["reachable"] and "refused" in report["weg"]["error"]
        # A region whose store is SPARQL but not ours.
        other = OxigraphServer(tmp_path / "other")
        try:
            path.write_text(registry_text([("utrecht", world.a.url + "/query", A),
                                           ("anders", other.url + "/query", "https://anders.example/id/")]))
            out = CliRunner().invoke(main, ["regions", "--regions", str(path), "--format", "json"])
            report = {r["name"]: r for r in json.loads(out.output)["regions"]}
            assert out.exit_code == 1 and report["anders"]["status"] == "no-ontology" and report["anders"]["sparql11"]
            path.write_text(registry_text([("utrecht", world.a.url + "/query", A)]))
            out = CliRunner().invoke(main, ["regions", "--regions", str(path)])
            assert out.exit_code == 0, out.output
            assert "utrecht" in out.output and "ok" in out.output
        finally:
            other.stop()
    finally:
        html.stop()
        silent.stop()


BAD = [
    ('[[region]]\nname = "x"\nendpoint = "http://h/q"\nbase = "http://b/"\n', "'x'", "'contact'", "missing"),
    ('[[region]]\nname = "x"\nendpoint = "ftp://h/q"\nbase = "http://b/"\ncontact = "c"\n', "'x'", "'endpoint'",
     "http(s) URL"),
    ('[[region]]\nname = "x"\nendpoint = "http://h/q"\nbase = "http://b/"\ncontact = "c"\n'
     '[[region]]\nname = "x"\nendpoint = "http://h/q"\nbase = "http://b/"\ncontact = "c"\n', "'x'", "'name'", "twice"),
    ('[[region]]\nname = "Utrecht Stad"\nendpoint = "http://h/q"\nbase = "http://b/"\ncontact = "c"\n',
     "'Utrecht Stad'", "'name'", "lower-case"),
    ('[[region]]\nname = "x"\nendpiont = "http://h/q"\nbase = "http://b/"\ncontact = "c"\n', "'x'", "'endpiont'",
     "unknown field"),
    ('[[region]\nname = "x"\n', "", "", "not valid TOML"),
]


@pytest.mark.parametrize("text,region,field,why", BAD)
def test_a_bad_registry_is_refused_naming_file_region_and_field(tmp_path, text, region, field, why) -> None:
    path = tmp_path / "regions.toml"
    path.write_text(text)
    with pytest.raises(regions.RegistryError) as e:
        regions.load(path)
    assert str(path) in e.value.en and region in e.value.en and field in e.value.en and why in e.value.en
    assert str(path) in e.value.nl and (not region or "regio" in e.value.nl)
    for args in (["regions"], ["who-knows", "W&T", "--federated"], ["trace", "a-kijkwijzer-ol", "--federated"]):
        out = CliRunner().invoke(main, [*args, "--regions", str(path)])
        assert out.exit_code == 2, (args, out.output)
        assert str(path) in out.output and why in out.output and (not field or field in out.output)
    from web import create_app
    with pytest.raises(regions.RegistryError, match=why.replace("(", r"\(").replace(")", r"\)")):
        create_app({"KG_REGIONS": str(path), "KG_STORE": str(tmp_path / "none")})


def test_no_registry_and_missing_file_exit_2(tmp_path) -> None:
    out = CliRunner().invoke(main, ["regions"], env={"KG_REGIONS": ""})
    assert out.exit_code == 2 and "--regions" in out.output and "KG_REGIONS" in out.output
    out = CliRunner().invoke(main, ["regions", "--regions", str(tmp_path / "nope.toml")])
    assert out.exit_code == 2 and "nope.toml" in out.output and "cannot read" in out.output


def test_the_example_registry_is_valid() -> None:
    registry = regions.load(Path(__file__).resolve().parent.parent / "data" / "regions.example.toml")
    assert registry.local.name == "twente" and len(registry.regions) >= 2
    assert all(r.endpoint.startswith("https://") for r in registry.regions)


# --- the one "local or federated?" switch -------------------------------------------------------

@pytest.mark.parametrize("view", ["internal", "public"])
def test_without_a_registry_the_answers_are_this_stores_own_in_the_callers_view(sample_db, view) -> None:
    """kg.federation.federated decides local or federated for the CLI and the web: given no
    registry it answers exactly as the local answers do, in the caller's view."""
    assert (federation.who_knows(sample_db, None, [TOPIC, "W&T"], "en", ["person"], view=view, limit=5, offset=5)
            == expertise.who_knows_page(sample_db, [TOPIC, "W&T"], view, "en", ["person"], limit=5, offset=5))
    assert (federation.trace(sample_db, None, "a-kijkwijzer-ol", "nl", view=view, next_adopters=True)
            == diffusion.trace(sample_db, "a-kijkwijzer-ol", view, "nl", next_adopters=True))
    local = federation.trace(sample_db, None, "a-kijkwijzer-ol", "nl", view=view)
    assert "federated" not in local and local["next_adopters"] is None
