"""The analytics pages, API and exports over a real HTTP server, and `kg analyse` / `kg report` as
real processes; all output parsed (HTML, JSON, SVG and GraphML/GEXF as XML, CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import networkx as nx
import pytest
from conftest import TOKEN
from gexf_schema import GEXF, VIZ, gexf_errors
from test_cli import kg

SVG = "{http://www.w3.org/2000/svg}"
TW = "https://knll-twente.example/id/"


def get(server, path: str, internal: bool = False) -> tuple[int, str, bytes]:
    req = urllib.request.Request(server.url + path)
    if internal:
        req.add_header("Authorization", f"Bearer {TOKEN}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


class Page(HTMLParser):
    """Ids, links and the text of the page; fails on nothing (the pages are checked for content)."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: set[str] = set()
        self.attrs: dict[str, dict[str, str | None]] = {}
        self.links: list[str] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
            self.attrs[a["id"]] = a
        if tag == "script":
            self.scripts.append(a.get("src") or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])

    def handle_data(self, data):
        self.text.append(data)


def test_network_page_has_pictures_tables_and_exports(live_server) -> None:
    status, ctype, body = get(live_server, "/analytics?actor=n-team-de-esch&lang=en", internal=True)
    assert status == 200 and ctype.startswith("text/html")
    page = Page(body.decode())
    for section in ("sociogram", "openness", "isolates", "brokers", "core", "depth", "sociogram-figure",
                    "isolate-list", "members-table", "graphml-link", "gexf-link", "json-link"):
        assert section in page.ids, section
    text = " ".join(page.text)
    for name in ("Petra ter Braak", "Ingrid Oosterhof", "Carla Stoffers"):
        assert name in text
    # every picture has SVG and PNG downloads; every table a CSV
    downloads = [link for link in page.links if "/analytics/" in link]
    assert any("/analytics/picture/sociogram.svg" in link for link in downloads)
    assert any("/analytics/picture/sociogram.png" in link for link in downloads)
    assert any("/analytics/table/members.csv" in link for link in downloads)


def test_exports_parse(live_server) -> None:
    q = "?actor=n-team-de-esch"
    status, ctype, svg = get(live_server, "/analytics/picture/sociogram.svg" + q, internal=True)
    root = ET.fromstring(svg)
    assert status == 200 and ctype.startswith("image/svg+xml") and root.tag == SVG + "svg"
    nodes = root.findall(f".//{SVG}g[@class='node']")
    isolated = {n.get("data-iri") for n in nodes if n.get("data-isolated") == "true"}
    assert isolated == {TW + "p038", TW + "p039", TW + "p040"}
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc").text
    assert root.find(f".//{SVG}g[@class='legend']") is not None
    status, ctype, png = get(live_server, "/analytics/picture/sociogram.png" + q, internal=True)
    assert status == 200 and ctype == "image/png" and png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width == int(float(root.get("width")))
    status, ctype, data = get(live_server, "/analytics/table/members.csv" + q + "&header=keys", internal=True)
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert ctype.startswith("text/csv") and {r["iri"] for r in rows if r["isolated"] == "True"} == isolated
    # by default the page's labels and yes/no in its language, the same rows
    status, ctype, data = get(live_server, "/analytics/table/members.csv" + q + "&lang=nl", internal=True)
    labelled = list(csv.DictReader(io.StringIO(data.decode())))
    assert list(labelled[0])[:3] == ["naam (IRI)", "naam", "soort"]
    assert {r["naam (IRI)"] for r in labelled if r["geïsoleerd"] == "ja"} == isolated
    assert {r["geïsoleerd"] for r in labelled} == {"ja", "nee"}
    assert [r["naam (IRI)"] for r in labelled] == [r["iri"] for r in rows]
    _, _, graphml = get(live_server, "/analytics/graph.graphml" + q, internal=True)
    g = ET.fromstring(graphml)
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    assert len(g.findall(f".//{ns}node")) == len(rows)
    _, ctype, gexf = get(live_server, "/analytics/graph.gexf" + q, internal=True)
    x = ET.fromstring(gexf)
    assert x.tag.endswith("gexf") and len([e for e in x.iter() if e.tag.endswith("}node")]) == len(rows)
    assert get(live_server, "/analytics/picture/nothing.svg" + q)[0] == 404
    assert get(live_server, "/analytics/table/nothing.csv" + q)[0] == 404


def svg_marks(svg: ET.Element) -> dict[str, tuple[float, float, float, str]]:
    """Node IRI -> (x, y, r, fill) of the mark drawn for it in a sociogram SVG: a person's circle, an
    artefact's square or a network's diamond (kg.pictures.svg.shape), not its broker or isolate ring."""
    out = {}
    for g in svg.iter(SVG + "g"):
        if g.get("class") != "node":
            continue
        mark = next(el for el in g if el.tag in (SVG + "circle", SVG + "rect", SVG + "path") and not el.get("class"))
        tag = mark.tag[len(SVG):]
        if tag == "circle":
            x, y, r = (float(mark.get(a)) for a in ("cx", "cy", "r"))
        elif tag == "rect":
            r = float(mark.get("width")) / 2
            x, y = float(mark.get("x")) + r, float(mark.get("y")) + r
        else:   # a diamond: "Mx,y-d Lx+d,y ..." with d = 1.25 r
            nums = [float(v) for v in mark.get("d").translate({ord(c): " " for c in "MLz,"}).split()]
            x, d = nums[0], nums[2] - nums[0]
            y, r = nums[1] + d, d / 1.25
        out[g.get("data-iri")] = (round(x, 1), round(y, 1), round(r, 1), mark.get("fill"))
    return out


@pytest.mark.parametrize("actor", ["n-team-de-esch", "n-plg-wt", "p101", "a-kijkwijzer-ol"])
def test_gexf_is_valid_gexf_1_3_with_the_analysis_graph_and_the_pictures_layout(live_server, actor: str) -> None:
    q = f"?actor={actor}"
    before = dt.date.today()
    status, ctype, data = get(live_server, "/analytics/graph.gexf" + q, internal=True)
    assert status == 200 and ctype.startswith("application/gexf+xml")
    assert gexf_errors(data) == []
    root = ET.fromstring(data)
    _, _, body = get(live_server, "/api/analytics" + q, internal=True)
    result = json.loads(body)
    graph = result["graph"]
    assert root.tag == GEXF + "gexf" and root.get("version") == "1.3"
    meta = root.find(GEXF + "meta")
    assert meta.find(GEXF + "creator").text == "Connective KG"
    assert meta.find(GEXF + "description").text == result["subject"]["label"]
    assert before <= dt.date.fromisoformat(meta.get("lastmodifieddate")) <= dt.date.today()
    # networkx reads GEXF 1.3: the same nodes, edges and attributes as the analysis' graph
    g = nx.read_gexf(io.BytesIO(data))
    assert not g.is_directed()
    nodes = {n["iri"]: {"label": n["label"], "kind": n["kind"], "degree": n["degree"], "isolated": n["isolated"],
                        "broker": n["broker"], **({"group": n["group"]["label"]} if n["group"] else {})}
             for n in graph["nodes"]}
    assert {n: {k: v for k, v in d.items() if k != "viz"} for n, d in g.nodes(data=True)} == nodes
    edges = {frozenset((e["source"], e["target"])): {"relations": ",".join(e["relations"]), "ties": e["ties"],
                                                     **{k: e[k] for k in ("strength", "depth", "trust") if e[k] is not None}}
             for e in graph["edges"]}
    assert len(edges) == len(graph["edges"]) == g.number_of_edges()
    assert {frozenset((u, v)): {k: x for k, x in d.items() if k not in ("id", "weight", "viz")}
            for u, v, d in g.edges(data=True)} == edges
    # every node where, as large and in the colour the page's SVG draws it (Gephi's y axis points up)
    _, _, svg = get(live_server, "/analytics/picture/sociogram.svg" + q, internal=True)
    marks = svg_marks(ET.fromstring(svg))
    assert set(marks) == set(nodes)
    viz = {n: (d["viz"]["position"]["x"], -d["viz"]["position"]["y"], d["viz"]["size"],
               "#{r:02x}{g:02x}{b:02x}".format(**d["viz"]["color"])) for n, d in g.nodes(data=True)}
    assert viz == marks
    assert all(d["viz"]["position"]["z"] == 0 for _, d in g.nodes(data=True))
    # every edge between its ends' marks, as wide as the SVG's line (weight and thickness)
    lines = sorted((sorted([(float(ln.get("x1")), float(ln.get("y1"))), (float(ln.get("x2")), float(ln.get("y2")))]),
                    float(ln.get("stroke-width"))) for ln in ET.fromstring(svg).iter(SVG + "line")
                   if ln.get("class") == "edge")
    xml_edges = root.iter(GEXF + "edge")
    assert sorted((sorted([marks[e.get("source")][:2], marks[e.get("target")][:2]]), float(e.get("weight")))
                  for e in xml_edges) == lines
    assert all(e.find(VIZ + "thickness").get("value") == e.get("weight") for e in root.iter(GEXF + "edge"))


def test_gexf_check_rejects_what_the_schema_does_not_allow(live_server) -> None:
    """The schema check can fail: networkx's GEXF 1.2draft, and ours with a colour out of range."""
    _, _, data = get(live_server, "/analytics/graph.gexf?actor=n-plg-wt", internal=True)
    old = io.BytesIO()
    nx.write_gexf(nx.read_gexf(io.BytesIO(data)), old)
    assert gexf_errors(old.getvalue())
    root = ET.fromstring(data)
    root.find(f".//{VIZ}color").set("r", "256")
    assert gexf_errors(ET.tostring(root))


def test_public_exports_never_name_hidden_people(live_server) -> None:
    _, _, internal = get(live_server, "/api/analytics?actor=n-team-de-esch", internal=True)
    _, _, public = get(live_server, "/api/analytics?actor=n-team-de-esch")
    inside, outside = json.loads(internal), json.loads(public)
    names = {n["iri"]: n["label"] for n in inside["graph"]["nodes"]}
    shown = {n["iri"]: n["label"] for n in outside["graph"]["nodes"]}
    hidden = [i for i in names if names[i] != shown.get(i)]
    assert hidden, "De Esch has people without public consent"
    q = "?actor=n-team-de-esch"
    for path in ("/analytics" + q, "/analytics/picture/sociogram.svg" + q, "/analytics/graph.graphml" + q,
                 "/analytics/graph.gexf" + q, "/analytics/table/members.csv" + q, "/api/analytics" + q):
        body = get(live_server, path)[2].decode()
        for i in hidden:
            assert names[i] not in body, (path, names[i])


def test_sociogram_api_is_the_analysis_graph_with_its_groupings(live_server) -> None:
    status, ctype, body = get(live_server, "/api/analytics/sociogram?actor=n-plg-wt&lang=en", internal=True)
    answer = json.loads(body)
    assert status == 200 and ctype.startswith("application/json")
    _, _, body = get(live_server, "/api/analytics?actor=n-plg-wt&lang=en", internal=True)
    graph = json.loads(body)["graph"]
    assert answer["nodes"] == graph["nodes"] and answer["edges"] == graph["edges"]
    assert answer["subject"]["iri"] == TW + "n-plg-wt" and answer["view"] == "internal"
    assert set(answer["groupings"]) == {"school", "community"} and answer["initial"] == "none"   # 37 actors
    school = answer["groupings"]["school"]
    assert sum(g["size"] for g in school["groups"]) == len(graph["nodes"])
    assert sum(link["count"] for link in school["links"]) + sum(g["edges"] for g in school["groups"]) == len(graph["edges"])
    assert [d["label"] for d in answer["depths"]][-1] == "joint work"
    assert {g["label"] for g in school["groups"]} >= {"Basisschool De Bron", "Basisschool De Klimop"}
    status, _, body = get(live_server, "/api/analytics/sociogram")
    assert status == 400 and json.loads(body)["error"] == "missing actor"
    status, _, body = get(live_server, "/api/analytics/sociogram?actor=no-such-actor-at-all")
    assert status == 404 and json.loads(body)["error"] == "unknown"


def test_public_sociogram_api_never_names_hidden_people(live_server) -> None:
    inside = json.loads(get(live_server, "/api/analytics/sociogram?actor=n-plg-wt", internal=True)[2])
    body = get(live_server, "/api/analytics/sociogram?actor=n-plg-wt")[2].decode()
    outside = json.loads(body)
    shown = {n["iri"]: n["label"] for n in outside["nodes"]}
    hidden = [n["label"] for n in inside["nodes"] if shown[n["iri"]] != n["label"]]
    assert hidden and outside["view"] == "public"
    for name in hidden:
        assert name not in body, name


def test_page_carries_the_interactive_sociogram_and_keeps_the_static_one(live_server) -> None:
    from web.analytics import SOCIOGRAM_TEXTS

    status, _, body = get(live_server, "/analytics?actor=n-team-de-esch&lang=en")
    page = Page(body.decode())
    live = page.attrs["sociogram-live"]
    assert status == 200 and "hidden" in live            # shown by the script only
    assert live["data-src"] == f"/api/analytics/sociogram?actor={TW}n-team-de-esch&lang=en"
    texts = json.loads(live["data-texts"] or "")
    assert texts == {k: SOCIOGRAM_TEXTS(k, "en") for k in SOCIOGRAM_TEXTS} and texts["find"] == "Find"
    assert {"sociogram-search", "sociogram-name", "sociogram-grouping", "sociogram-depth", "sociogram-strength",
            "sociogram-canvas", "sociogram-legend", "sociogram-figure"} <= page.ids
    assert page.scripts[-3:] == ["/static/vendor/cytoscape/cytoscape.min.js", "/static/sociogram.js",
                                 "/static/sortable.js"]
    for src in page.scripts:
        status, ctype, script = get(live_server, src)
        assert status == 200 and "javascript" in ctype and len(script) > 1000, src
    assert "cytoscape" not in get(live_server, "/analytics")[2].decode()   # no analysis, no picture


def test_person_and_artefact_pages(live_server) -> None:
    _, _, body = get(live_server, "/api/analytics?actor=p101&topic=rekenen", internal=True)
    person = json.loads(body)
    assert person["kind"] == "person" and person["subject"]["iri"] == TW + "p101"
    assert set(person) >= {"reach", "ties", "depth_distribution", "broker", "capital", "expertise_access", "graph"}
    assert person["expertise_access"][0]["steps"] is not None
    status, _, body = get(live_server, "/analytics?actor=a-kijkwijzer-ol", internal=True)
    page = Page(body.decode())
    assert status == 200 and {"diffusion", "tree-figure", "curve-figure", "next-table"} <= page.ids
    _, _, body = get(live_server, "/api/analytics?actor=a-kijkwijzer-ol", internal=True)
    art = json.loads(body)
    assert art["summary"]["adoptions"] == len(art["adoptions"]) == art["adoption_curve"][-1]["adoptions"]
    assert {n["school"]["iri"] for n in art["next_adopters"]} >= {TW + "s-de-esch"}


def test_actor_page_links_to_its_analytics(live_server) -> None:
    _, _, body = get(live_server, "/doc/n-team-de-esch")
    assert any(link.startswith("/analytics?actor=") for link in Page(body.decode()).links)


def test_errors(live_server) -> None:
    status, _, body = get(live_server, "/api/analytics")
    assert status == 400 and json.loads(body)["error"] == "missing actor"
    status, _, body = get(live_server, "/api/analytics?actor=no-such-actor-at-all")
    assert status == 404 and json.loads(body)["error"] == "unknown"
    status, _, body = get(live_server, "/analytics?actor=%3Cscript%3Ealert(1)%3C/script%3E")
    assert status == 404 and b"<script>alert" not in body


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("an-cli") / "store"
    r = kg("build", "--store", str(path))
    assert r.returncode == 0, r.stderr
    return path


def test_cli_analyse_json_table_csv_and_exit_codes(store) -> None:
    r = kg("analyse", "network", "n-team-de-esch", "--format", "json", store=store)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {x["actor"]["iri"] for x in out["isolates"]} == {TW + "p038", TW + "p039", TW + "p040"}
    for key in ("isolates", "brokers", "members_by_year", "openness", "core_periphery", "graph"):
        assert key in out
    r = kg("analyse", "artefact", "Kijkwijzer onderzoekend leren", "--format", "csv", "--table", "next_adopters",
           store=store)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert r.returncode == 0 and rows and all(row["score"] for row in rows)
    r = kg("analyse", "person", "p101", store=store)
    assert r.returncode == 0 and "== reach_by_year" in r.stdout
    assert kg("analyse", "school", "p101", store=store).returncode == 2
    assert kg("analyse", "network", "no-such-network", store=store).returncode == 2
    assert kg("analyse", "network", "n-team-de-esch", "--format", "csv", "--table", "nope", store=store).returncode == 2


def test_cli_report_is_self_contained(store, tmp_path) -> None:
    out = tmp_path / "esch.html"
    r = kg("report", "n-team-de-esch", "--out", str(out), "--public", store=store)
    assert r.returncode == 0, r.stderr
    html = out.read_text()
    page = Page(html)
    assert {"picture-sociogram", "picture-depth", "table-members"} <= page.ids
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert not [link for link in page.links if link.startswith(("http", "//"))]
    assert "Carla Stoffers" not in html        # no consent: public report shows her role only


class Tables(HTMLParser):
    """Per table id: its title, its sentence's formula link, the header cells (label, data-key,
    title) and the rows' cells (text, link, data-sort)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, dict] = {}
        self._block: dict | None = None
        self._where: str | None = None
        self._cell: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and "table-block" in (a.get("class") or ""):
            self._block = {"title": "", "formula": None, "headers": [], "rows": []}
        elif self._block is None:
            return
        elif tag == "h3" and "table-title" in (a.get("class") or ""):
            self._where = "title"
        elif tag == "a" and "formula" in (a.get("class") or ""):
            self._block["formula"] = a["href"]
        elif tag == "table":
            self.tables[a["id"]] = self._block
        elif tag == "th":
            self._cell = {"text": "", "key": a.get("data-key"), "tip": a.get("title")}
            self._block["headers"].append(self._cell)
        elif tag == "tr" and self._block["headers"]:
            self._block["rows"].append([])
        elif tag == "td":
            self._cell = {"text": "", "href": None, "sort": a.get("data-sort"), "num": a.get("class") == "num"}
            self._block["rows"][-1].append(self._cell)
        elif tag == "a" and self._cell is not None:
            self._cell["href"] = a.get("href")

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self._cell = None
        elif tag == "h3":
            self._where = None
        elif tag == "table":
            self._block = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data
        elif self._where == "title" and self._block is not None:
            self._block["title"] += data


@pytest.mark.parametrize("actor", ["n-team-de-esch", "p030", "a-kijkwijzer-ol"])
def test_every_table_is_titled_labelled_and_linked_in_the_pages_language(live_server, sample_build, actor) -> None:
    """Issue 15 item 2: a title and a sentence with a link to the formula's section of the docs (which
    exists on /docs/analytics), headers in the page's language with tooltips for the measures, names
    linked instead of IRI columns, yes/no and decimal commas in Dutch; the rows those of the JSON."""
    from kg.analytics import analyse
    from kg.analytics import tables as analytics_tables

    store = sample_build[0]
    # in process (the JSON API sorts the keys of the capital's indicators; the page keeps their order)
    result = analyse(store.open(), actor, None, "internal", "nl", generation=store.generation())
    found = analytics_tables.tables(result)
    status, _, body = get(live_server, f"/analytics?actor={actor}&lang=nl", internal=True)
    assert status == 200
    shown = Tables(body.decode()).tables
    assert len(shown) >= 3
    docs = Page(get(live_server, "/docs/analytics")[2].decode())
    keys_seen: set[str] = set()
    for table in shown.values():
        key_headers = [h["key"] for h in table["headers"]]
        name = next(n for n, (headers, rows) in found.items()
                    if [h for h in headers if h != "iri" and not h.endswith("_iri") and h != "tie"] == key_headers
                    and len(rows) == len(table["rows"]))
        headers, rows = found[name]
        assert table["title"] == analytics_tables.TITLES(name, "nl")
        assert table["formula"] == "/docs/analytics#" + analytics_tables.FORMULA[name]
        assert analytics_tables.FORMULA[name] in docs.ids
        assert [h["text"] for h in table["headers"]] == [analytics_tables.header(k, "nl") for k in key_headers]
        assert "iri" not in [h["text"] for h in table["headers"]]
        for h in table["headers"]:
            keys_seen.add(h["key"])
            if h["key"] in analytics_tables.TIPS:
                assert h["tip"] == analytics_tables.TIPS(h["key"], "nl")
        for row, cells in zip(rows, table["rows"]):
            values = dict(zip(headers, row))
            for key, c in zip(key_headers, cells):
                v = values[key]
                if isinstance(v, bool):
                    assert c["text"] == ("ja" if v else "nee")
                elif isinstance(v, float) and not v.is_integer():
                    assert c["text"] == f"{v:.3f}".replace(".", ",") and c["num"]
                    assert float(c["sort"]) == pytest.approx(v)
                if "iri" in headers and headers.index("iri") + 1 == headers.index(key):
                    iri = values["iri"]
                else:
                    iri = values.get(key + "_iri")
                if iri:
                    assert c["href"] and c["text"] == v
    assert keys_seen  # something was checked
    cards = re.findall(r'<div data-key="(\w+)"><dt[^>]*>([^<]*)</dt>', body.decode())
    if result["kind"] == "network":
        assert [k for k, _ in cards] == list(result["openness"])
    assert all(label == analytics_tables.header(k, "nl") and "_" not in label for k, label in cards)


def test_tables_sort_by_a_column_in_a_real_browser(live_server) -> None:
    """The members table sorts by betweenness (numbers as numbers) and back, aria-sort saying which."""
    from playwright import sync_api
    from test_browser import ARGS, CHROMIUM

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_extra_http_headers({"Authorization": f"Bearer {TOKEN}"})
            page.goto(live_server.url + "/analytics?actor=n-team-de-esch&lang=nl")
            table = page.locator("#members-table")
            page.locator("#members-table[data-sortable=ready]").wait_for()
            column = [h.get_attribute("data-key") for h in table.locator("thead th").all()].index("betweenness")

            def values() -> list[float]:
                return [float(c.get_attribute("data-sort")) for c in
                        table.locator(f"tbody tr td:nth-child({column + 1})").all()]

            header = table.locator("thead th").nth(column)
            header.locator("button").click()
            assert header.get_attribute("aria-sort") == "ascending" and values() == sorted(values())
            header.locator("button").click()
            assert header.get_attribute("aria-sort") == "descending" and values() == sorted(values(), reverse=True)
            assert len(set(values())) > 2   # the order was a real question
        finally:
            browser.close()


def test_the_docs_are_pages_with_anchors_and_nothing_else_is(live_server) -> None:
    status, ctype, body = get(live_server, "/docs/analytics")
    page = Page(body.decode())
    assert status == 200 and ctype.startswith("text/html")
    assert {"the-region-as-a-whole", "brokers", "open-or-closed"} <= page.ids
    assert get(live_server, "/docs/analytics.md")[2] == body
    for bad in ("/docs/nothing", "/docs/..%2FREADME", "/docs/screenshots/nothing.png"):
        assert get(live_server, bad)[0] == 404, bad
    status, ctype, png = get(live_server, "/docs/screenshots/analytics-sociogram-laptop.png")
    assert status == 200 and png.startswith(b"\x89PNG")
