"""The diffusion trace: kg.answers.trace.trace() against the Twente data (parsed with rdflib), the
documented JSON shape of /api/trace, the /trace page (tables parsed as HTML, pictures as XML),
the deterministic layout, and `kg trace` as a subprocess (output and exit codes)."""

from __future__ import annotations

import csv
import io
import json
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from answer_types import mismatches
from conftest import ROOT, TOKEN
from rdflib import RDFS, URIRef
from test_actor_pages import SVG, by_id, injected, parse_html, svgs, text_of

from kg.answers import trace as diffusion
from kg.answers.trace import Trace
from kg.model import resources
from kg.pictures import layout
from kg.sheets import csv_text
from kg.sparql import queries
from kg.store import GraphStore
from web import create_app

TW = "https://knll-twente.example/id/"
KW = TW + "a-kijkwijzer-ol"
CKG = rdflib.Namespace("https://w3id.org/connective-kg/ns#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
ACTOR_KEYS = {"iri", "label"}
ADOPTION_KEYS = {"adoption", "date", "order", "days_since_first", "adopted", "adopter", "source", "broker",
                 "brokers", "network", "adapted_copy"}


@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    g = rdflib.Graph()
    for f in resources.sample_dir().glob("*.ttl"):
        g.parse(f)
    return g


@pytest.fixture(scope="module")
def result(sample_db) -> dict:
    return diffusion.trace(sample_db, "a-kijkwijzer-ol", "internal", "nl")


@pytest.fixture(scope="module")
def twin_store(sample_build, tmp_path_factory) -> GraphStore:
    """The sample plus a second artefact titled like the kijkwijzer (an ambiguous name)."""
    src, _ = sample_build
    store = GraphStore(tmp_path_factory.mktemp("twins") / "store")
    extra = ox.NamedNode(TW + "a-twin")
    g = ox.NamedNode("https://w3id.org/connective-kg/graph/source/test/twin.ttl")
    quads = list(src.open().quads_for_pattern(None, None, None, None)) + [
        ox.Quad(extra, ox.NamedNode(str(rdflib.RDF.type)), ox.NamedNode(str(CKG.Artefact)), g),
        ox.Quad(extra, ox.NamedNode(str(rdflib.RDF.type)), ox.NamedNode(str(CKG.Actor)), g),
        ox.Quad(extra, ox.NamedNode(str(RDFS.label)), ox.Literal("kijkwijzer ONDERZOEKEND leren"), g),
    ]
    store.replace_all(quads)
    return store


def descendants(data: rdflib.Graph, root: URIRef) -> set[URIRef]:
    out, todo = {root}, [root]
    while todo:
        x = todo.pop()
        for child in data.subjects(PROV.wasDerivedFrom, x):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def test_trace_has_every_adoption_of_the_artefact_and_its_copies_in_date_order(result, data) -> None:
    family = descendants(data, URIRef(KW))
    adoptions = {a for a in data.subjects(CKG.adoptedArtefact, None) if data.value(a, CKG.adoptedArtefact) in family}
    assert {a["adoption"]["iri"] for a in result["adoptions"]} == {str(a) for a in adoptions}
    assert len(result["adoptions"]) == len(adoptions) == 21
    dates = [a["date"] for a in result["adoptions"]]
    assert dates == sorted(dates) and [a["order"] for a in result["adoptions"]] == list(range(1, 22))
    for a in result["adoptions"]:
        node = URIRef(a["adoption"]["iri"])
        assert a["date"] == str(data.value(node, DCT.date))
        assert a["adopter"]["iri"] == str(data.value(node, CKG.adopter))
        assert a["adopter"]["label"] == str(data.value(URIRef(a["adopter"]["iri"]), RDFS.label))
        assert {b["iri"] for b in a["brokers"]} == {str(b) for b in data.objects(node, CKG.broker)}
        assert (a["network"] or {}).get("iri") == (str(data.value(node, CKG.via)) if data.value(node, CKG.via) else None)
        assert a["adopted"]["iri"] == str(data.value(node, CKG.adoptedArtefact))
    assert len({a["adopter"]["iri"] for a in result["adoptions"]}) >= 10


def test_every_source_adopted_earlier(result) -> None:
    sourced = [a for a in result["adoptions"] if a["source"]]
    assert len(sourced) >= len(result["adoptions"]) // 2
    for a in sourced:
        earlier = [b for b in result["adoptions"] if b["adopter"]["iri"] == a["source"]["iri"] and b["date"] <= a["date"]]
        assert earlier, f"{a['adopter']['label']} adopted from {a['source']['label']}, which had not adopted it"


def test_adapted_copies_form_the_derivation_tree(result, data) -> None:
    copies = {a["adapted_copy"]["iri"] for a in result["adoptions"] if a["adapted_copy"]}
    assert copies == {d["copy"]["iri"] for d in result["derivations"]}
    assert {d["copy"]["iri"] for d in result["derivations"]} == {str(c) for c in descendants(data, URIRef(KW))} - {KW}
    for d in result["derivations"]:
        assert d["parent"]["iri"] == str(data.value(URIRef(d["copy"]["iri"]), PROV.wasDerivedFrom))
    depth = {d["copy"]["iri"].rsplit("/", 1)[1]: d["depth"] for d in result["derivations"]}
    assert depth == {"a-kijkwijzer-ol-kleuter": 1, "a-kijkwijzer-ol-vo": 1, "a-kijkwijzer-ol-vmbo": 2}
    assert result["summary"]["max_depth"] == 2 and result["summary"]["copies"] == 3


def test_the_curve_is_cumulative(result) -> None:
    curve = result["curve"]
    assert [p["date"] for p in curve] == sorted({a["date"] for a in result["adoptions"]})
    assert all(b["adoptions"] > a["adoptions"] and b["schools"] >= a["schools"] for a, b in zip(curve, curve[1:]))
    assert curve[-1]["adoptions"] == 21 and curve[-1]["schools"] == result["summary"]["schools"] == 18


def test_the_artefact_resolves_by_iri_id_and_label_in_any_case(sample_db) -> None:
    for name in (KW, "a-kijkwijzer-ol", "Kijkwijzer onderzoekend leren", "KIJKWIJZER ONDERZOEKEND LEREN "):
        assert diffusion.resolve_artefact(sample_db, name)["iri"] == KW
    with pytest.raises(queries.QueryError, match="no actor matches"):
        diffusion.trace(sample_db, "kijkwijzer die niet bestaat")
    with pytest.raises(diffusion.NotAnArtefact, match="person"):
        diffusion.trace(sample_db, "p001")


def test_an_ambiguous_title_lists_the_candidates(twin_store) -> None:
    with pytest.raises(queries.AmbiguousName) as e:
        diffusion.trace(twin_store.open(), "Kijkwijzer onderzoekend leren")
    assert {iri for iri, _ in e.value.candidates} == {KW, TW + "a-twin"}


def test_next_adopters_are_near_schools_that_have_not_adopted(sample_db) -> None:
    t = diffusion.trace(sample_db, "a-kijkwijzer-ol", "public", "nl", next_adopters=True)
    adopters = {a["adopter"]["iri"] for a in t["adoptions"]}
    near = {n["school"]["iri"]: n for n in t["next_adopters"]}
    assert {TW + s for s in ("s-de-esch", "s-de-tweemaster", "s-de-horizon")} <= set(near)
    assert not adopters & set(near)
    scores = [n["score"] for n in t["next_adopters"]]
    assert scores == sorted(scores, reverse=True)
    assert all(n["score"] == len(n["reasons"]) for n in t["next_adopters"])
    assert all(r["evidence"] is None for n in t["next_adopters"] for r in n["reasons"])   # names stay internal


# --- the API and the page ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(sample_build):
    store, _ = sample_build
    app = create_app({"KG_STORE": str(store.path), "KG_TOKEN": TOKEN, "TESTING": True, "KG_SECRET_KEY": "t"})
    return app.test_client()


def test_api_trace_returns_the_documented_shape(client, sample_db) -> None:
    r = client.get("/api/trace?artefact=a-kijkwijzer-ol", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"artefact", "adoptions", "derivations", "curve", "summary", "next_adopters"}
    assert body["artefact"] == {"iri": KW, "label": "Kijkwijzer onderzoekend leren"}
    assert body["next_adopters"] is None
    for a in body["adoptions"]:
        assert set(a) == ADOPTION_KEYS
        for key in ("adoption", "adopted", "adopter", "source", "broker", "network", "adapted_copy"):
            assert a[key] is None or set(a[key]) == ACTOR_KEYS
    for d in body["derivations"]:
        assert set(d) == {"copy", "parent", "created", "depth", "adapted_by"}
    assert body == json.loads(json.dumps(diffusion.trace(sample_db, KW, "internal", "nl")))
    public = client.get("/api/trace?artefact=a-kijkwijzer-ol&next=1").get_json()
    assert public["next_adopters"] and len(public["adoptions"]) == 21
    # the declared type (kg.answers.trace.Trace) is the shape, with and without next adopters
    internal = client.get("/api/trace?artefact=a-kijkwijzer-ol&next=1",
                          headers={"Authorization": f"Bearer {TOKEN}"}).get_json()
    for answer in (body, public, internal):
        assert not mismatches(answer, Trace)
    assert any(r["evidence"] for n in internal["next_adopters"] for r in n["reasons"])
    assert all(r["evidence"] is None for n in public["next_adopters"] for r in n["reasons"])
    renamed = {**body, "adoptions": [{**body["adoptions"][0], "adopters": None}]}
    assert mismatches(renamed, Trace) == ["$.adoptions[0]: undeclared 'adopters' (Adoption)"]


@pytest.mark.parametrize("query, status, error", [
    ("", 400, "missing artefact"), ("artefact=", 400, "missing artefact"),
    ("artefact=nothing-like-this", 404, "unknown"), ("artefact=p001", 400, "not artefact"),
])
def test_api_trace_errors(client, query, status, error) -> None:
    r = client.get(f"/api/trace?{query}")
    assert r.status_code == status and r.mimetype == "application/json"
    body = r.get_json()
    assert body["error"] == error and set(body["message"]) == {"nl", "en"}


def test_api_and_page_list_candidates_for_an_ambiguous_title(twin_store) -> None:
    app = create_app({"KG_STORE": str(twin_store.path), "TESTING": True, "KG_TOKEN": TOKEN})
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {TOKEN}"   # the twin is in a source graph, not the public one
    r = c.get("/api/trace?artefact=kijkwijzer onderzoekend leren")
    assert r.status_code == 400 and r.get_json()["error"] == "ambiguous"
    assert {x["iri"] for x in r.get_json()["candidates"]} == {KW, TW + "a-twin"}
    page = c.get("/trace?artefact=kijkwijzer onderzoekend leren")
    assert page.status_code == 400
    root = parse_html(page.get_data(as_text=True))
    links = [a.get("href") for a in by_id(root, "candidates").iter("a")]
    assert "/trace?artefact=https://knll-twente.example/id/a-twin" in links


def test_trace_page_shows_table_tree_and_pictures(client, result) -> None:
    r = client.get("/trace?artefact=a-kijkwijzer-ol", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    root = parse_html(html)
    assert text_of(by_id(root, "trace-h")) == "Kijkwijzer onderzoekend leren"
    rows = [tr for tr in by_id(root, "adoption-table").iter("tr") if tr.get("data-adoption")]
    assert [tr.get("data-adoption") for tr in rows] == [a["adoption"]["iri"] for a in result["adoptions"]]
    assert [tr.get("data-date") for tr in rows] == [a["date"] for a in result["adoptions"]]
    brokers = [text_of(next(td for td in tr.iter("td") if td.get("class") == "broker")) for tr in rows]
    assert brokers == [", ".join(b["label"] for b in a["brokers"]) for a in result["adoptions"]]

    tree = by_id(root, "derivation-tree")
    depth = {li.get("data-iri").rsplit("/", 1)[1]: li.get("data-depth") for li in tree.iter("li")}
    assert depth == {"a-kijkwijzer-ol": "0", "a-kijkwijzer-ol-kleuter": "1", "a-kijkwijzer-ol-vo": "1",
                     "a-kijkwijzer-ol-vmbo": "2"}
    vmbo = next(li for li in tree.iter("li") if li.get("data-iri").endswith("-vmbo"))
    parent_li = next(li for li in tree.iter("li") if li.get("data-iri").endswith("-vo"))
    assert vmbo in list(parent_li.iter("li"))   # nested under its parent

    spread, curve = (next(s for s in svgs(html) if k in s.get("class")) for k in ("spread", "curve"))
    nodes = [g for g in spread.iter(SVG + "g") if g.get("class") == "adoption"]
    assert len(nodes) == 21 and [g.get("data-date") for g in nodes] == [a["date"] for a in result["adoptions"]]
    marks = [p for p in spread.iter(SVG + "path") if p.get("class") == "copy-mark"]
    assert len(marks) == sum(1 for a in result["adoptions"] if a["adapted_copy"]) == 3
    edges = [p for p in spread.iter(SVG + "path") if p.get("class") == "edge"]
    assert len(edges) == sum(1 for a in result["adoptions"] if a["source"])
    assert all("makelaar" in e.find(SVG + "title").text for e in edges)
    lanes = {t.find(SVG + "title").text for t in spread.iter(SVG + "text") if t.find(SVG + "title") is not None
             and t.get("class") != "broker"}
    assert {a["adopter"]["label"] for a in result["adoptions"]} <= lanes
    steps = [c for c in curve.iter(SVG + "circle") if c.get("class") == "step"]
    assert len(steps) == len(result["curve"])
    for svg in (spread, curve):
        assert svg.find(SVG + "title").text and "21" in svg.find(SVG + "desc").text
    assert by_id(root, "next-link") is not None and not injected(root)


def _downloaded(client, href: str, mimetype: str, name: str) -> bytes:
    r = client.get(href, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.mimetype == mimetype, (href, r.get_data(as_text=True)[:200])
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and name in disposition
    return r.get_data()


def test_the_trace_pictures_and_adoptions_download_as_files(client, result) -> None:
    """The trace page links its two pictures as SVG and PNG and its adoptions as CSV: the SVG is the
    page's picture with absolute links, the PNG a picture of the same size, the CSV the page's rows."""
    page = client.get("/trace?artefact=a-kijkwijzer-ol", headers={"Authorization": f"Bearer {TOKEN}"})
    root = parse_html(page.get_data(as_text=True))
    on_page = {"spread" if "spread" in s.get("class") else "curve": s for s in svgs(page.get_data(as_text=True))
               if "spread" in s.get("class") or "curve" in s.get("class")}
    base_url = client.application.config["KG_BASE_URL"].rstrip("/")
    for name in ("spread", "curve"):
        links = {a.text: a.get("href") for p in root.iter("p") if p.get("data-picture") == name for a in p.iter("a")}
        assert set(links) == {"SVG", "PNG"}
        svg = ET.fromstring(_downloaded(client, links["SVG"], "image/svg+xml", f"{name}.svg"))
        assert svg.tag == SVG + "svg" and svg.get("viewBox") == on_page[name].get("viewBox")
        marks = [(e.tag, e.get("class"), e.get("data-date")) for e in svg.iter()]
        assert marks == [(e.tag, e.get("class"), e.get("data-date")) for e in on_page[name].iter()]
        hrefs = [a.get("href") for a in svg.iter(SVG + "a")]
        assert all(h.startswith(base_url + "/doc/") for h in hrefs) and (hrefs or name == "curve")
        data = _downloaded(client, links["PNG"], "image/png", f"{name}.png")
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
        width, height = struct.unpack(">II", data[16:24])
        view_w, view_h = (float(v) for v in svg.get("viewBox").split()[2:])
        assert (width, height) == (round(view_w), round(view_h))
    csv_href = by_id(root, "csv-link").get("href")
    header, *rows = list(csv.reader(io.StringIO(_downloaded(client, csv_href, "text/csv", "adoptions.csv").decode())))
    assert header[:4] == ["volgorde", "datum", "adopterende school", "gekregen van"]
    adoptions = result["adoptions"]
    assert [r[header.index("adoptie (IRI)")] for r in rows] == [a["adoption"]["iri"] for a in adoptions]
    assert [r[header.index("adopterende school")] for r in rows] == [a["adopter"]["label"] for a in adoptions]
    assert [r[header.index("makelaars")] for r in rows] == ["; ".join(b["label"] for b in a["brokers"]) for a in adoptions]
    assert [r[header.index("datum")] for r in rows] == [a["date"] or "" for a in adoptions]
    english = client.get(f"{urlsplit(csv_href).path}?artefact=a-kijkwijzer-ol&lang=en").get_data(as_text=True)
    assert english.splitlines()[0].startswith("order,date,adopting school,received from")


@pytest.mark.parametrize("url,status", [("/trace/spread.svg", 400), ("/trace/adoptions.csv?artefact=nothing-like-this", 404),
                                        ("/trace/tree.svg?artefact=a-kijkwijzer-ol", 404),
                                        ("/trace/spread.gif?artefact=a-kijkwijzer-ol", 404)])
def test_trace_downloads_refuse_what_they_cannot_draw(client, url: str, status: int) -> None:
    r = client.get(url)
    assert r.status_code == status
    if status == 400:
        assert r.get_data(as_text=True) == "Geef een artefact op (parameter artefact).\nGive an artefact (parameter artefact).\n"
    elif "nothing" in url:
        assert "nothing-like-this" in r.get_data(as_text=True) and "No artefact found" in r.get_data(as_text=True)


def test_the_adoptions_table_neutralises_formulas_in_names(result) -> None:
    hostile = dict(result)
    first = dict(result["adoptions"][0], adopter={"iri": "https://x.example/s", "label": "=HYPERLINK(\"x\")"})
    hostile["adoptions"] = [first]
    header, row = list(csv.reader(io.StringIO(csv_text(diffusion.adoption_table(hostile, "en")))))
    assert row[header.index("adopting school")] == "'=HYPERLINK(\"x\")"


def test_trace_page_without_artefact_lists_adopted_artefacts_and_unknown_is_404(client) -> None:
    root = parse_html(client.get("/trace").get_data(as_text=True))
    links = [a.get("href") for a in by_id(root, "choices").iter("a")]
    assert links[0] == f"/trace?artefact={KW}"
    r = client.get("/trace?artefact=geen-idee&lang=en")
    assert r.status_code == 404
    root = parse_html(r.get_data(as_text=True))
    assert by_id(root, "problem").get("data-problem") == "trace_unknown"
    assert by_id(root, "search-instead").get("href") == "/search?q=geen-idee"


# --- layout ---------------------------------------------------------------------------------------

def test_the_spread_layout_is_deterministic_and_follows_time(result) -> None:
    a = layout.spread(result["adoptions"], result["derivations"], result["artefact"])
    b = layout.spread(result["adoptions"], result["derivations"], result["artefact"])
    assert a == b
    xs = [n.x for n in a.nodes]
    assert xs == sorted(xs) and len({n.lane for n in a.nodes}) == result["summary"]["schools"]
    assert all(a.nodes[e.source].x <= a.nodes[e.target].x for e in a.edges)
    assert [t.label for t in a.ticks] == [str(y) for y in range(2018, 2027)]


# --- the command line -----------------------------------------------------------------------------

def kg_cli(*args: str, store: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KG_STORE": store, "KG_LANG": "nl"}
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)


def test_kg_trace_prints_json_and_a_table(sample_build, result) -> None:
    store = str(sample_build[0].path)
    r = kg_cli("trace", "a-kijkwijzer-ol", "--format", "json", store=store)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == json.loads(json.dumps(result))
    r = kg_cli("trace", "Kijkwijzer onderzoekend leren", "--lang", "en", store=store)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("date"))
    table = lines[header + 2: header + 2 + 21]
    assert [line[:10] for line in table] == [a["date"] for a in result["adoptions"]]
    assert "Derivation tree:" in r.stdout and "vmbo-versie" in r.stdout


def test_kg_trace_exit_codes(sample_build, twin_store, tmp_path) -> None:
    store = str(sample_build[0].path)
    r = kg_cli("trace", "p001", store=store)
    assert r.returncode == 2 and "not an artefact" in r.stderr
    r = kg_cli("trace", "onbekend-ding", store=store)
    assert r.returncode == 2 and "no actor matches" in r.stderr
    r = kg_cli("trace", "kijkwijzer onderzoekend leren", store=str(twin_store.path))
    assert r.returncode == 2 and KW in r.stderr and TW + "a-twin" in r.stderr
    (tmp_path / "not-a-store").mkdir()
    (tmp_path / "not-a-store" / "notes.txt").write_text("not a store")
    r = kg_cli("trace", "a-kijkwijzer-ol", store=str(tmp_path / "not-a-store"))
    assert r.returncode == 3 and "not a Connective KG store" in r.stderr
    r = kg_cli("trace", "--help", store=store)
    assert r.returncode == 0 and "ARTEFACT" in r.stdout
