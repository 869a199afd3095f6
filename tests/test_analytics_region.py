"""The region as a whole (kg.analytics.region; issue 15 item 1): a store with two ingested regions
(the Twente templates and a generated region), analysed per region by the library, the CLI and the
web app; each measure checked against a computation of its own from the region's ties."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from conftest import ROOT, TOKEN, LiveServer
from test_actor_pages import parse_html, text_of
from test_cli import kg

from kg.analytics import UnknownRegion, analyse, analyse_region
from kg.analytics.extract import PERSON, load_region
from kg.store import GraphStore

TW = "https://knll-twente.example/id/"
GEN = "https://gen.example/id/"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def two_regions(tmp_path_factory) -> tuple[Path, ox.Store]:
    from kg.ingest.export import export, write_csv
    from synthetic.generate import generate

    root = tmp_path_factory.mktemp("regions")
    r = kg("ingest", str(ROOT / "data" / "twente-templates"), "--region", "twente", "--base", TW, "--quiet",
           store=root / "store")
    assert r.returncode == 0, r.stderr
    db = ox.Store()
    db.bulk_extend(generate(120, seed=5, base=GEN, graph="https://w3id.org/connective-kg/graph/source/g"))
    write_csv(export(db), root / "gen")
    r = kg("ingest", str(root / "gen"), "--region", "gen", "--base", GEN, "--quiet", "--yes", store=root / "store")
    assert r.returncode == 0, r.stdout + r.stderr
    return root / "store", GraphStore(root / "store").open()


def pairs_of(db: ox.Store, base: str) -> tuple[set[frozenset[str]], dict]:
    """The tied pairs of people of the region, from the region data's ties (not its graph), and the data."""
    data = load_region(db)
    found = {frozenset((t.source, t.target)) for t in data.ties
             if t.source != t.target and all(data.kind(x) == PERSON and x.startswith(base)
                                             for x in (t.source, t.target))}
    return found, data


@pytest.mark.parametrize("name,base", [("twente", TW), ("gen", GEN)])
def test_a_region_is_its_own_actors_and_its_measures_follow_from_its_ties(two_regions, name, base) -> None:
    _, db = two_regions
    result = analyse_region(db, name)
    pairs, data = pairs_of(db, base)
    people = {i for i, a in data.actors.items() if a.kind == PERSON and i.startswith(base)}
    assert result["people"] == len(people) > 0
    every = [r["actor"]["iri"] for r in result["brokers"]] + [p["iri"] for p in result["isolated"]["people"]] \
        + [m["iri"] for c in result["components"]["small"] for m in c["members"]] \
        + [r["school"]["iri"] for r in result["school_rows"]] + [r["network"]["iri"] for r in result["network_rows"]]
    assert every and all(i.startswith(base) for i in every)

    # isolated people: no tie, mediation or authorship with another actor of the region
    g = data.graph()
    tied = {x for u, v in g.edges() if u.startswith(base) and v.startswith(base) for x in (u, v)}
    assert {p["iri"] for p in result["isolated"]["people"]} == people - tied
    assert result["isolated"]["count"] == len(people - tied)

    # E-I between schools over tied pairs of people, by their school
    counts: Counter[str] = Counter()
    for pair in pairs:
        a, b = (data.school_of(x) for x in pair)
        if a and b:
            counts["internal" if a == b else "external"] += 1
    ei = result["ei"]["schools"]
    assert (ei["internal_pairs"], ei["external_pairs"]) == (counts["internal"], counts["external"])
    if counts.total():
        assert ei["ei_index"] == pytest.approx((counts["external"] - counts["internal"]) / counts.total())
    rows = result["school_rows"]
    assert sum(r["internal_pairs"] for r in rows) == counts["internal"]
    assert sum(r["external_pairs"] for r in rows) == 2 * counts["external"]
    assert sum(r["people"] for r in rows) <= len(people)
    assert {r["school"]["iri"] for r in rows if r["people"] > 1 and r["external_pairs"] == 0} == \
        {s["iri"] for s in result["closed_schools"]}

    # components partition the region's graph; brokers' betweenness is networkx's on that graph
    h = g.subgraph(v for v in g if v.startswith(base))
    assert sum(result["components"]["sizes"]) == result["nodes"] == h.number_of_nodes()
    assert result["components"]["sizes"] == sorted((len(c) for c in nx.connected_components(h)), reverse=True)
    reference = nx.betweenness_centrality(h, normalized=True)
    top = sorted(reference.values(), reverse=True)[:len(result["brokers"])]
    assert [r["betweenness"] for r in result["brokers"]] == pytest.approx(top, abs=1e-9)
    for r in result["brokers"]:
        assert r["betweenness"] == pytest.approx(reference[r["actor"]["iri"]], abs=1e-9)


def test_the_whole_store_holds_both_regions_and_an_unknown_region_names_the_known(two_regions) -> None:
    _, db = two_regions
    whole = analyse_region(db, None)
    assert whole["people"] == analyse_region(db, "twente")["people"] + analyse_region(db, "gen")["people"]
    with pytest.raises(UnknownRegion) as e:
        analyse_region(db, "nowhere")
    assert e.value.known == ["gen", "twente"]


def test_the_knowledge_network_counts_the_members_of_its_sub_networks(two_regions) -> None:
    _, db = two_regions
    knll = f"<{TW}n-knll>"
    found = {r["member"].value for r in db.query(
        "PREFIX org: <http://www.w3.org/ns/org#> SELECT DISTINCT ?member WHERE { "
        f"{{ ?m org:organization {knll} }} UNION {{ ?n org:subOrganizationOf+ {knll} . ?m org:organization ?n }} "
        "?m org:member ?member }", use_default_graph_as_union=True)}
    direct = {r["member"].value for r in db.query(
        f"PREFIX org: <http://www.w3.org/ns/org#> SELECT ?member WHERE {{ ?m org:organization {knll} ; org:member ?member }}", use_default_graph_as_union=True)}
    result = analyse(db, "n-knll", "network")
    assert result["members"] == len(found) > len(direct)
    region = analyse_region(db, "twente")
    row = next(r for r in region["network_rows"] if r["network"]["iri"] == TW + "n-knll")
    assert row["members"] == len(found)


def test_the_cli_answers_a_region_as_json_csv_and_table(two_regions) -> None:
    store, db = two_regions
    r = kg("analyse", "region", "twente", "--format", "json", store=store)
    assert r.returncode == 0, r.stderr
    expected = analyse_region(db, "twente", lang="en", generation=GraphStore(store).generation())
    assert json.loads(r.stdout) == json.loads(json.dumps(expected))
    r = kg("analyse", "region", "twente", "--format", "csv", "--table", "schools", store=store)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["iri"], int(x["people"])) for x in rows] == \
        [(s["school"]["iri"], s["people"]) for s in analyse_region(db, "twente")["school_rows"]]
    r = kg("analyse", "region", "twente", store=store)
    assert r.returncode == 0 and "== schools" in r.stdout and "== brokers" in r.stdout
    r = kg("analyse", "region", "nowhere", store=store)
    assert r.returncode == 2 and "gen, twente" in r.stderr


class Page(HTMLParser):
    """Per element id its attributes; the texts of the cells of every table row by table id."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: dict[str, dict[str, str]] = {}
        self.rows: dict[str, list[list[str]]] = {}
        self.figures: dict[str, str] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._figure: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids[a["id"]] = a
        if tag == "table":
            self._table = a.get("id")
            self.rows[self._table or ""] = []
        elif tag == "tr" and self._table and "data-iri" in a:
            self.rows[self._table].append([])
        elif tag == "td" and self._table and self.rows[self._table]:
            self._cell = self.rows[self._table][-1]
            self._cell.append("")
        elif tag == "div" and "data-key" in a:
            self._figure = a["data-key"]
        elif tag == "dd" and self._figure:
            self.figures[self._figure] = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "td":
            self._cell = None
        elif tag == "dd":
            self._figure = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[-1] += data
        if self._figure and self._figure in self.figures:
            self.figures[self._figure] += data


@pytest.fixture(scope="module")
def region_server(two_regions):
    from web import create_app

    store, _ = two_regions
    app = create_app({"KG_STORE": str(store), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test-secret",
                      "KG_ANALYTICS_PRECOMPUTE": "0"})
    server = LiveServer(app)
    yield server
    server.stop()


def fetch(server, path: str) -> tuple[int, dict[str, str], bytes]:
    from test_analytics_precompute import get

    return get(server, path, internal=True)


def test_the_region_page_shows_the_analysis_in_the_pages_language(region_server, two_regions) -> None:
    store, db = two_regions
    expected = analyse_region(db, "twente", lang="nl")
    status, _, body = fetch(region_server, "/analytics?region=twente&lang=nl")
    assert status == 200
    page = Page(body.decode())
    assert page.ids["analytics"]["data-base"] == TW
    schools = page.rows["schools-table"]
    assert [r[0] for r in schools] == [s["school"]["label"] for s in expected["school_rows"]]
    assert [int(r[2]) for r in schools] == [s["people"] for s in expected["school_rows"]]
    # decimal comma in Dutch, point in English
    ei = [s["ei_index"] for s in expected["school_rows"]]
    assert [r[5] for r in schools] == ["–" if v is None else f"{v:.3f}".replace(".", ",") if not float(v).is_integer()
                                       else f"{v:.0f}" for v in ei]
    assert any("," in r[5] for r in schools) and not any("." in r[5] for r in schools)
    _, _, body_en = fetch(region_server, "/analytics?region=twente&lang=en")
    page_en = Page(body_en.decode())
    assert any("." in r[5] for r in page_en.rows["schools-table"])
    assert not any("," in r[5] for r in page_en.rows["schools-table"])
    assert int(page.figures["people"]) == expected["people"]
    assert int(page.figures["isolated"]) == expected["isolated"]["count"]
    assert [r[0] for r in page.rows["brokers-table"]] == [b["actor"]["label"] for b in expected["brokers"]]
    # the JSON behind it
    status, _, body = fetch(region_server, "/api/analytics?region=twente&lang=nl")
    answer = json.loads(body)
    assert status == 200 and answer.pop("computed")["state"] == "request"   # KG_ANALYTICS_PRECOMPUTE=0
    assert answer == json.loads(json.dumps({**expected, "generation": GraphStore(store).generation()}))


def test_every_region_table_links_to_its_formula(region_server) -> None:
    """Issue 15 item 2: each section's sentence links to the section of docs/analytics.md that
    says how it is computed, and that section exists on the served docs page."""
    _, _, body = fetch(region_server, "/analytics?region=twente&lang=en")
    root = parse_html(body.decode())
    _, _, docs = fetch(region_server, "/docs/analytics")
    anchors = {e.get("id") for e in parse_html(docs.decode()).iter() if e.get("id")}
    links = {}
    for p in root.iter("p"):
        if "lead" in (p.get("class") or ""):
            a = next((a for a in p.iter("a") if "formula" in (a.get("class") or "")), None)
            assert a is not None, f"no formula link in: {text_of(p)}"
            links[text_of(p)] = a.get("href")
    assert len(links) >= 5  # schools, brokers, components, isolated, networks (and the overview)
    for href in links.values():
        path, anchor = href.split("#")
        assert path == "/docs/analytics" and anchor in anchors


def test_the_overview_picture_has_one_point_per_school_and_the_tables_download(region_server, two_regions) -> None:
    _, db = two_regions
    expected = analyse_region(db, "gen", lang="en")
    status, headers, body = fetch(region_server, "/analytics/picture/overview.svg?region=gen&lang=en")
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml")
    svg = ET.fromstring(body)
    nodes = {n.get("data-iri"): n.get("data-isolated") for n in svg.iter(SVG + "g") if n.get("class") == "node"}
    assert nodes == {r["school"]["iri"]: str(r["external_pairs"] == 0).lower() for r in expected["school_rows"]}
    assert len([e for e in svg.iter(SVG + "line") if e.get("class") == "edge"]) == len(expected["school_links"])
    status, headers, body = fetch(region_server, "/analytics/picture/overview.png?region=gen")
    assert status == 200 and body.startswith(b"\x89PNG")
    status, headers, body = fetch(region_server, "/analytics/table/isolated.csv?region=gen&header=keys")
    assert "region-gen-isolated.csv" in headers["Content-Disposition"]
    assert [r["iri"] for r in csv.DictReader(io.StringIO(body.decode()))] == \
        [p["iri"] for p in expected["isolated"]["people"]]


def test_an_unknown_region_is_404_and_names_the_regions(region_server) -> None:
    status, _, body = fetch(region_server, "/analytics?region=nowhere&lang=en")
    assert status == 404
    page = Page(body.decode())
    assert page.ids["problem"]["data-problem"] == "unknown-region"
    assert "/analytics?region=gen" in body.decode() and "/analytics?region=twente" in body.decode()
    status, _, body = fetch(region_server, "/api/analytics?region=nowhere")
    assert status == 404 and json.loads(body)["regions"] == ["gen", "twente"]
    for path in ("/analytics/picture/overview.svg?region=nowhere", "/analytics/table/schools.csv?region=nowhere"):
        assert fetch(region_server, path)[0] == 404
