"""A real headless Chromium (Debian's /usr/bin/chromium, driven by Python playwright) against the
live server: home page, the expertise finder for "W&T" + "digitale geletterdheid" (ranked people
with evidence), an actor page and the kijkwijzer's diffusion page, on a phone-sized and a
laptop-sized viewport. Screenshots go to tests/artifacts/ (git-ignored). Every request the
browser makes is recorded: none may leave 127.0.0.1.

The analytics pages of a network and of the kijkwijzer are opened signed in (the login form). A
named query is followed from the /sparql page to its answer as JSON, CSV and TSV.

Needs the `chromium` package (apt) and the `playwright` Python package; never `playwright install`.
Skipped, with the reason, when either is missing."""

from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        # belt and braces: no host name other than 127.0.0.1 resolves, so nothing could leave anyway
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
ARTIFACTS = ROOT / "tests" / "artifacts"
VIEWPORTS = {
    "phone": {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    "laptop": {"viewport": {"width": 1366, "height": 900}, "device_scale_factor": 1},
}

from playwright import sync_api  # noqa: E402  (installed by `make test` through the test extra)

# `make test` installs Debian's chromium (make browser); a missing browser is a failure, not a skip.
assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def local(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname == "127.0.0.1" and f"{parts.scheme}://{parts.netloc}" == origin


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_home_finder_actor_and_trace_in_a_real_browser(browser, live_server, name) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="nl-NL", **VIEWPORTS[name])
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    width = VIEWPORTS[name]["viewport"]["width"]

    def shot(what: str, at: str | None = None) -> None:
        """The screen as a reader sees it, scrolled to `at`; the laptop also gets the whole page."""
        if at:
            page.locator(at).first.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(ARTIFACTS / f"{what}-{name}.png"))
        if name == "laptop":
            page.screenshot(path=str(ARTIFACTS / f"{what}-{name}-full.png"), full_page=True)

    def fits() -> None:
        """No sideways scrolling of the page itself (pictures scroll inside their own box)."""
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, page.url

    try:
        # home: what this is, and the skip link appears on the first Tab (focus visible)
        page.goto(base + "/")
        assert page.locator("h1").inner_text().startswith("Wie leert met wie")
        assert page.locator("#entries li").count() == 5  # who knows, boundary objects and the sample's three
        assert page.locator("#entry-boundary-objects a").get_attribute("href") == "/boundary-objects"
        fits()
        shot("home")
        page.keyboard.press("Tab")
        skip = page.locator("a.skip-link")
        assert skip.evaluate("el => el === document.activeElement") and skip.bounding_box()["y"] >= 0
        assert skip.evaluate("el => getComputedStyle(el).outlineStyle") != "none"

        # the expertise finder through its form: two topics
        page.locator("header nav a", has_text="Wie weet wat?").click()
        page.wait_for_url("**/who-knows**")
        page.fill("#topic-1", "W&T")
        page.locator("#add-topic").click()
        page.locator("#topic-2").wait_for()
        page.fill("#topic-2", "digitale geletterdheid")
        page.locator("#finder button[type=submit]", has_text="Zoek wie het weet").click()
        page.locator("#results").wait_for()
        results = page.locator("#results > li.result")
        assert results.count() >= 3
        chips = page.locator("#results-heading .topic-chip").all_inner_texts()
        assert len(chips) == 2
        for i in range(3):
            assert results.nth(i).locator("ul.evidence li").count() >= 2   # evidence for both topics
        scores = [float(s.replace(",", ".")) for s in results.locator(".score").all_inner_texts()
                  if s.replace(",", ".").replace(".", "", 1).isdigit()]
        assert scores == sorted(scores, reverse=True)
        fits()
        shot("who-knows", "#results-heading")

        # an actor page from the first person in the results
        person = page.locator("#results > li.result[data-type=person] a.actor").first
        name_shown = person.inner_text()
        person.click()
        page.locator("#actor-title").wait_for()
        assert page.locator("#actor-title").inner_text() == name_shown
        assert page.locator("#neighbourhood svg.picture").is_visible()
        for section in ("facts", "memberships", "ties", "artefacts", "adoptions", "crossings", "agreements"):
            assert page.locator(f"#{section}").count() == 1
        fits()
        shot("actor")

        # the kijkwijzer's diffusion page from the home page's entry point
        page.goto(base + "/")
        page.locator("#entry-trace a").click()
        page.locator("#trace-h").wait_for()
        assert page.locator("#trace-h").inner_text() == "Kijkwijzer onderzoekend leren"
        assert page.locator("#adoption-table tbody tr").count() == 21
        spread = page.locator("svg.spread")
        assert spread.is_visible() and spread.locator("g.adoption").count() == 21
        assert page.locator("svg.curve").is_visible()
        assert page.locator("#derivation-tree li").count() == 4
        fits()
        shot("trace", "#spread")

        # a network page (members over time, core and periphery)
        page.goto(base + "/doc/n-plg-wt")
        assert page.locator("svg.growth g.bar").count() >= 9
        fits()
        shot("network", "#network")

        # English switch keeps the page
        page.locator("header nav a[hreflang=en]").click()
        page.wait_for_url("**/doc/n-plg-wt?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("#memberships-h").inner_text().startswith("Memberships")
    finally:
        context.close()

    assert requests, "the browser made no requests?"
    outside = [u for u in requests if not local(u, base)]
    assert not outside, f"requests left 127.0.0.1: {outside}"
    assert not errors, f"console errors (CSP violations show up here): {errors}"


TW = "https://knll-twente.example/id/"


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_the_region_overview_in_a_real_browser(browser, live_server, name) -> None:
    """The whole region from the analytics form page: the overview picture (one point per school of
    the schools table) and its legend inside the viewport, measured in the page; a school of the
    table opens its own analysis (the drill-down)."""
    context = browser.new_context(locale="nl-NL", **VIEWPORTS[name])
    page = context.new_page()
    width = VIEWPORTS[name]["viewport"]["width"]
    try:
        page.goto(live_server.url + "/analytics")
        page.locator("#region-links a").last.click()
        page.wait_for_url("**/analytics?region=**")
        assert page.locator("#analytics").get_attribute("data-kind") == "region"
        rows = page.locator("#schools-table tbody tr")
        schools = [r.get_attribute("data-iri") for r in rows.all()]
        picture = page.locator("#overview svg.sociogram")
        assert sorted(n.get_attribute("data-iri") for n in picture.locator("g.node").all()) == sorted(schools)
        page.locator("#overview").evaluate("el => el.scrollIntoView({block: 'start'})")
        for what in ("#overview svg.sociogram", "#overview svg.sociogram g.legend"):
            box = page.locator(what).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (what, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        page.screenshot(path=str(ARTIFACTS / f"analytics-region-{name}.png"))
        # Dutch numbers: a decimal comma
        assert any("," in c for c in page.locator("#schools-table td[data-label='E-I-index']").all_inner_texts())
        rows.first.locator("td a").first.click()
        page.wait_for_url("**/analytics?actor=**")
        assert page.locator("#analytics").get_attribute("data-kind") == "school"
        assert page.locator("#analytics").get_attribute("data-iri") == schools[0]
    finally:
        context.close()


def test_pictures_and_legends_fit_a_phone_in_a_real_browser(browser, live_server) -> None:
    """On a 375 px phone every picture scales to the screen with its legend: the analytics page's
    interactive sociogram and its legend, the static sociogram (the picture without JavaScript) with
    the legend inside it, and the trace page's spread and curve with theirs, measured in the page:
    each box lies within the viewport's width, a static picture within one screen's height too, and
    nothing scrolls sideways."""
    viewport = VIEWPORTS["phone"]["viewport"]
    width, height = viewport["width"], viewport["height"]

    def inside(page, what: str, whole: bool = False) -> None:
        """`what` (its first match) lies within the viewport's width; `whole`: on one screen."""
        element = page.locator(what).first
        element.evaluate("el => el.scrollIntoView({block: 'start'})")
        box = element.bounding_box()
        assert box is not None and box["width"] > 0, what
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (page.url, what, box)
        if whole:
            assert box["y"] >= -1 and box["y"] + box["height"] <= height + 1, (page.url, what, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, page.url

    for javascript in (True, False):
        context = browser.new_context(locale="nl-NL", java_script_enabled=javascript, **VIEWPORTS["phone"])
        page = context.new_page()
        try:
            page.goto(live_server.url + "/analytics?actor=n-team-de-esch")
            if javascript:
                page.locator("#sociogram-live[data-state=ready]").wait_for()
                assert page.locator("#sociogram-legend li").count() > 0
                inside(page, "#sociogram-canvas")
                inside(page, "#sociogram-legend")
            else:
                assert page.locator("#sociogram-figure svg.sociogram g.legend text").count() > 0
                inside(page, "#sociogram-figure svg.sociogram", whole=True)
                inside(page, "#sociogram-figure svg.sociogram g.legend", whole=True)
            page.screenshot(path=str(ARTIFACTS / f"analytics-phone-fit-{'js' if javascript else 'static'}.png"))
            page.goto(live_server.url + "/trace?artefact=a-kijkwijzer-ol")
            for what in ("#spread-figure svg", "#spread-legend", "#curve-figure svg"):
                inside(page, what, whole=what.endswith("svg"))
        finally:
            context.close()


OVERLAPS = """svg => {
  const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()]);
  const out = [];
  boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
    if (p.x < q.x + q.width - 0.5 && q.x < p.x + p.width - 0.5 && p.y < q.y + q.height - 0.5 && q.y < p.y + p.height - 0.5)
      out.push([a, b]);
  }));
  return [boxes.length, out];
}"""


def test_neighbourhood_labels_do_not_overlap_in_a_real_browser(browser, live_server, sample_db) -> None:
    """On every person's page of the sample the neighbourhood picture's texts (names, relations and
    the person in the middle) do not overlap, measured by the browser's own text boxes."""
    people = sorted(r["p"].value for r in sample_db.query(
        "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?p a <https://w3id.org/connective-kg/ns#Person> } }"))
    assert len(people) > 100
    context = browser.new_context(locale="nl-NL", java_script_enabled=False, **VIEWPORTS["laptop"])
    page = context.new_page()
    crowded = 0
    try:
        for iri in people:
            page.goto(live_server.url + "/doc/" + iri.rsplit("/", 1)[1])
            texts, overlaps = page.locator("#nb-figure svg").evaluate(OVERLAPS)
            assert overlaps == [], (iri, overlaps)
            crowded += texts > 2 * 12 + 1    # more than one ring's worth of neighbours
    finally:
        context.close()
    assert crowded > 0, "no page with a crowded picture: the test would prove little"


def test_the_trace_pictures_download_in_a_real_browser(browser, live_server) -> None:
    """On the kijkwijzer's trace page a reader downloads the spread as SVG and the adoptions as CSV:
    the SVG holds the page's 21 adoptions, the CSV one row each."""
    context = browser.new_context(locale="nl-NL", accept_downloads=True, **VIEWPORTS["phone"])
    page = context.new_page()
    try:
        page.goto(live_server.url + "/trace?artefact=a-kijkwijzer-ol")
        with page.expect_download() as info:
            page.locator("p[data-picture=spread] a", has_text="SVG").click()
        assert info.value.suggested_filename.endswith("-spread.svg")
        svg = ET.fromstring(Path(info.value.path()).read_bytes())
        svg_ns = "{http://www.w3.org/2000/svg}"
        assert svg.tag == svg_ns + "svg"
        assert len([g for g in svg.iter(svg_ns + "g") if g.get("class") == "adoption"]) == 21
        with page.expect_download() as info:
            page.locator("#csv-link").click()
        rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
        assert rows[0][:2] == ["volgorde", "datum"] and len(rows) == 22
    finally:
        context.close()


def test_a_named_query_from_the_sparql_page_as_json_csv_and_tsv_in_a_real_browser(browser, live_server) -> None:
    """The /sparql page lists the named queries; a reader opens one and follows its example links:
    JSON shown in the browser, CSV and TSV downloaded as files. The three hold the same rows."""
    context = browser.new_context(locale="nl-NL", accept_downloads=True, **VIEWPORTS["laptop"])
    requests: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    page = context.new_page()
    base = live_server.url
    try:
        page.goto(base + "/sparql")
        example = page.locator("#example-person-ties")
        example.locator("summary").click()
        links = {fmt: example.locator(f"a[data-format={fmt}]") for fmt in ("json", "csv", "tsv")}
        assert all(link.is_visible() for link in links.values())

        links["json"].click()
        page.wait_for_url("**/api/queries/person-ties?**")
        shown = json.loads(page.evaluate("() => document.body.innerText"))
        variables = shown["head"]["vars"]
        json_rows = [[b.get(v, {}).get("value", "") for v in variables] for b in shown["results"]["bindings"]]
        assert "alter" in variables and json_rows
        page.go_back()

        files = {}
        for fmt in ("csv", "tsv"):
            page.locator("#example-person-ties summary").evaluate("el => el.parentElement.open = true")
            with page.expect_download() as info:
                links[fmt].click()
            download = info.value
            assert download.suggested_filename == f"person-ties.{fmt}"
            files[fmt] = Path(download.path()).read_text(encoding="utf-8")
        header, *csv_rows = list(csv.reader(io.StringIO(files["csv"])))
        assert header == variables and len(csv_rows) == len(json_rows)
        tsv = ox.parse_query_results(files["tsv"].encode(), format=ox.QueryResultsFormat.TSV)
        tsv_rows = [["" if r[v] is None else r[v].value for v in variables] for r in tsv]
        assert tsv_rows == json_rows
    finally:
        context.close()
    outside = [u for u in requests if not local(u, base)]
    assert requests and not outside, f"requests left 127.0.0.1: {outside}"


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_analytics_pages_in_a_real_browser(browser, live_server, name) -> None:
    """The analytics page of a network (sociogram with isolates and brokers marked) and of the
    kijkwijzer (adoption tree and curve), signed in through the login form; screenshots of the
    sociogram and the diffusion picture."""
    from conftest import TOKEN

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="nl-NL", **VIEWPORTS[name])
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    width = VIEWPORTS[name]["viewport"]["width"]

    def shot(what: str, at: str) -> None:
        """The screen scrolled to `at` (as a reader sees it); the laptop also gets the whole page."""
        page.locator(at).first.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(ARTIFACTS / f"{what}-{name}.png"))
        if name == "laptop":
            page.screenshot(path=str(ARTIFACTS / f"{what}-{name}-full.png"), full_page=True)

    def fits() -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, page.url

    def nodes(flag: str) -> set[str]:
        return {n.get_attribute("data-iri")
                for n in page.locator(f"#sociogram-figure svg.sociogram g.node[data-{flag}=true]").all()}

    def drawn() -> dict[str, str]:
        """The interactive sociogram's actors as cytoscape holds them: IRI -> label."""
        page.locator("#sociogram-live[data-state=ready]").wait_for()
        return page.evaluate("() => Object.fromEntries(document.getElementById('sociogram-live').cy"
                             ".nodes('[kind = \"actor\"]').map(n => [n.id(), n.data('label')]))")

    try:
        # public view first: the isolated kleuter teachers are there, but not by name
        page.goto(base + "/analytics?actor=n-team-de-esch")
        assert page.locator("#analytics-h").inner_text() == "Team Basisschool De Esch"
        assert page.locator("#sociogram-figure svg.sociogram g.node").count() == 16
        assert "Carla Stoffers" not in page.locator("#analytics").inner_text()
        public = drawn()
        assert len(public) == 16 and "Carla Stoffers" not in public.values()
        assert public[TW + "p040"].startswith("leraar, ")             # her role, as the view allows

        # sign in through the form (CSRF token included), then the network's page from its actor page
        page.goto(base + "/login")
        page.fill("#token", TOKEN)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(base + "/")
        assert page.locator("p.view-badge.internal").count() == 1
        page.goto(base + "/doc/n-team-de-esch")
        page.locator("#analytics-link").click()
        page.wait_for_url("**/analytics?actor=**")
        assert page.locator("#analytics").get_attribute("data-kind") == "network"
        assert page.locator("#analytics").get_attribute("data-iri") == TW + "n-team-de-esch"

        # with JavaScript the interactive picture replaces the static one (still in the page, for downloads)
        assert drawn()[TW + "p040"] == "Carla Stoffers"
        assert page.locator("#sociogram-live").is_visible() and not page.locator("#sociogram-figure").is_visible()
        assert page.locator("#sociogram-live").get_attribute("data-grouping") == "none"     # 16 actors
        sociogram = page.locator("#sociogram-figure svg.sociogram")
        assert sociogram.locator("g.node").count() == 16 and sociogram.locator("line.edge").count() >= 30
        assert sociogram.locator("g.legend").count() == 1
        assert nodes("isolated") == {TW + "p038", TW + "p039", TW + "p040"}
        assert sociogram.locator("g.node .isolate-mark").count() == 3
        assert nodes("broker") == {TW + "p030", TW + "p044"}     # Sophie Lansink, Erik Huttenhuis
        assert sociogram.locator("g.node .broker-mark").count() == 2
        desc = sociogram.locator("desc").text_content()
        assert "Carla Stoffers" in desc and "Sophie Lansink" in desc
        isolates = page.locator("#isolate-list li").all_inner_texts()
        assert len(isolates) == 3 and any("Carla Stoffers" in t for t in isolates)
        assert page.locator("#members-table tbody tr").count() == 16
        assert page.locator("#depth-figure svg.depth g.bar").count() == 4
        shown_ei = page.locator("#openness-figures [data-key=ei_index] dd").inner_text()
        assert "," in shown_ei and "." not in shown_ei           # a Dutch page: a decimal comma
        ei = float(shown_ei.replace(",", "."))
        assert -1 <= ei < 0                                      # a closed team: most ties stay inside
        assert page.locator("#sociogram .formats a.download").count() == 2   # SVG and PNG
        fits()
        shot("analytics-sociogram", "#sociogram")
        # in English: the controls, the groupings and what is shown
        page.goto(base + "/analytics?actor=n-team-de-esch&lang=en")
        assert len(drawn()) == 16
        assert page.locator("#sociogram-status").inner_text() == "16 actors and 31 relations shown."
        assert page.locator("#sociogram-grouping option").all_inner_texts() == [   # one school: not offered
            "every actor", "by role", "by community (closely tied groups)"]
        assert page.locator("#sociogram-depth option").all_inner_texts()[-1] == "4 · joint work"
        page.select_option("#sociogram-grouping", "role")
        page.locator("#sociogram-live[data-grouping=role]").wait_for()
        assert page.locator("#sociogram-status").inner_text().startswith("3 groups of 16 actors in all")

        # the kijkwijzer: adoption tree and cumulative curve
        page.goto(base + "/analytics?actor=a-kijkwijzer-ol")
        assert page.locator("#analytics").get_attribute("data-kind") == "artefact"
        tree = page.locator("#tree-figure svg.adoption-tree")
        assert tree.is_visible()
        assert tree.locator("g.adoption").count() == 18            # 18 schools, 21 adoptions
        assert tree.locator("path.edge").count() >= 10
        curve = page.locator("#curve-figure svg.adoption-curve")
        assert curve.is_visible() and curve.locator("polyline.adoptions-line").count() == 1
        points = curve.locator("polyline.adoptions-line").get_attribute("points").split()
        assert len(points) >= 2
        ys = [float(p.split(",")[1]) for p in points]
        assert ys == sorted(ys, reverse=True)                    # cumulative: never goes down
        assert page.locator("#adoptions-table tbody tr").count() == 21
        assert page.locator("#next-table tbody tr").count() == 7
        centre = page.locator(f"#sociogram-figure svg.sociogram g.node[data-iri='{TW}a-kijkwijzer-ol']")
        assert centre.get_attribute("data-kind") == "artefact"
        assert TW + "a-kijkwijzer-ol" in drawn()
        fits()
        shot("analytics-diffusion", "#diffusion")
    finally:
        context.close()

    assert requests, "the browser made no requests?"
    outside = [u for u in requests if not local(u, base)]
    assert not outside, f"requests left 127.0.0.1: {outside}"
    assert not errors, f"console errors (CSP violations show up here): {errors}"


GEN = "https://region.example/id/"


@pytest.fixture(scope="module")
def generated_server(tmp_path_factory: pytest.TempPathFactory):
    """The web app over a generated region of 600 people (its partnership network has 82 actors)."""
    from conftest import TOKEN, LiveServer, generated_store

    from web import create_app

    store = generated_store(tmp_path_factory.mktemp("big-sociogram"), 600, seed=3)
    server = LiveServer(create_app({"KG_STORE": str(store.path), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test-secret"}))
    yield server
    server.stop()


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_big_sociogram_is_grouped_searchable_and_drills_down_in_a_real_browser(browser, generated_server,
                                                                                name) -> None:
    """A network of 82 actors (public view): shown as its schools, a name found in its school with its
    ties highlighted and centred, a school opened to its members, the depth filter, and without
    JavaScript the static SVG."""
    import json
    import urllib.request

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = generated_server.url
    path = "/analytics?actor=" + GEN + "n-partnership-01"
    with urllib.request.urlopen(base + "/api/analytics/sociogram?actor=" + GEN + "n-partnership-01", timeout=60) as r:
        data = json.load(r)
    schools = data["groupings"]["school"]["groups"]
    group_of = {m: g for g in schools for m in g["members"]}
    assert len(data["nodes"]) == 82 and data["initial"] == "school"

    context = browser.new_context(locale="nl-NL", **VIEWPORTS[name])
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    live = page.locator("#sociogram-live")
    width = VIEWPORTS[name]["viewport"]["width"]

    def cy(expression: str):
        return page.evaluate(f"() => {{ const cy = document.getElementById('sociogram-live').cy; return {expression}; }}")

    def click_node(node_id: str) -> None:
        """A real click (or tap on the phone) where cytoscape drew the node."""
        page.locator("#sociogram-canvas").evaluate("el => el.scrollIntoView({block: 'center'})")
        # the scroll event (which tells cytoscape where its canvas went) comes with the next frame
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        box = page.locator("#sociogram-canvas").bounding_box()
        x, y = cy(f"cy.getElementById({json.dumps(node_id)}).renderedPosition()").values()
        if name == "phone":
            page.touchscreen.tap(box["x"] + x, box["y"] + y)
        else:
            page.mouse.click(box["x"] + x, box["y"] + y)

    try:
        page.goto(base + path)
        page.locator("#sociogram-live[data-state=ready]").wait_for()
        # more than 60 actors: the schools, sized by members
        assert live.get_attribute("data-grouping") == "school" and live.get_attribute("data-group") == ""
        assert int(live.get_attribute("data-rendered")) == len(schools) < 82 / 3
        assert cy("cy.nodes('.group').map(n => [n.data('group'), n.data('label')])") == \
            [[g["id"], f'{g["label"]} ({g["size"]})'] for g in schools]
        links = data["groupings"]["school"]["links"]
        assert cy("cy.edges('.link').map(e => e.data('count'))") == [link["count"] for link in links]
        assert not page.locator("#sociogram-figure").is_visible()
        assert page.locator("#sociogram-figure svg.sociogram g.node").count() == 82     # still there, for downloads
        assert page.locator("#sociogram .formats a.download").count() == 2
        assert page.locator("#sociogram-legend li").count() >= len(schools[:12])
        page.locator("#sociogram-status").evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(ARTIFACTS / f"analytics-grouped-{name}.png"))

        # search a name: into its school, highlighted with its ties, centred
        person = max((n for n in data["nodes"] if n["kind"] == "person" and "," not in n["label"]
                      and group_of[n["iri"]]["id"] != schools[0]["id"]), key=lambda n: (n["degree"], n["iri"]))
        page.fill("#sociogram-name", person["label"][:-2].lower())       # part of the name, any case
        page.locator("#sociogram-search button[type=submit]").click()
        page.locator(f"#sociogram-live[data-selected='{person['iri']}']").wait_for()
        assert live.get_attribute("data-group") == group_of[person["iri"]]["id"]
        assert cy(f"cy.getElementById({json.dumps(person['iri'])}).hasClass('selected')")
        near = set(cy(f"cy.getElementById({json.dumps(person['iri'])}).neighborhood('node').map(n => n.id())"))
        assert near and all(cy(f"!cy.getElementById({json.dumps(n)}).hasClass('faded')") for n in near)
        assert cy("cy.nodes('.faded').length") == cy("cy.nodes().length") - len(near) - 1
        x, y = cy(f"cy.getElementById({json.dumps(person['iri'])}).renderedPosition()").values()
        w, h = cy("[cy.width(), cy.height()]")
        assert abs(x - w / 2) < w * 0.05 and abs(y - h / 2) < h * 0.05          # centred
        status = page.locator("#sociogram-status").inner_text()         # its ties, counted one by one
        assert person["label"] in status and status.rstrip(".").endswith(f" {person['degree']}")
        page.locator("#sociogram-status").evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(ARTIFACTS / f"analytics-search-{name}.png"))

        # back to the schools, then open the largest by clicking it: its members, the other schools as points
        page.locator("#sociogram-back").click()
        page.locator("#sociogram-live[data-group='']").wait_for()
        click_node("group:" + schools[0]["id"])
        page.locator(f"#sociogram-live[data-group='{schools[0]['id']}']").wait_for()
        members = set(cy("cy.nodes('[kind = \"actor\"]').map(n => n.id())"))
        assert members == set(schools[0]["members"])
        inside = [e for e in data["edges"] if {e["source"], e["target"]} <= members]
        assert cy("cy.edges().not('.link').length") == len(inside)
        leaving = sum(1 for e in data["edges"] if len({e["source"], e["target"]} & members) == 1)
        assert cy("cy.edges('.link').reduce((n, e) => n + e.data('count'), 0)") == leaving
        page.locator("#sociogram-status").evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(ARTIFACTS / f"analytics-drill-down-{name}.png"))

        # the depth filter: only joint work (rank 4) stays, as many edges as the data has
        page.select_option("#sociogram-depth", "4")
        page.wait_for_function("() => document.getElementById('sociogram-live').cy.edges().not('.link')"
                               ".every(e => e.data('depth') === 4)")
        assert cy("cy.edges().not('.link').length") == sum(1 for e in inside if e["depth"] == 4)
        # the strength filter (closeness x contacts a month): only ties at least that strong
        page.select_option("#sociogram-depth", "0")
        strengths = sorted(e["strength"] for e in inside if e["strength"] is not None)
        least = int(strengths[len(strengths) // 2])
        page.locator("#sociogram-strength").evaluate(
            f"el => {{ el.value = '{least}'; el.dispatchEvent(new Event('change')); }}")
        page.wait_for_function("s => document.getElementById('sociogram-live').cy.edges().not('.link')"
                               ".every(e => e.data('strength') >= s)", arg=least)
        assert cy("cy.edges().not('.link').length") == sum(1 for s in strengths if s >= least) < len(inside)
        assert page.locator("#sociogram-strength-value").inner_text() == str(least)
        page.locator("#sociogram-strength").evaluate("el => { el.value = '0'; el.dispatchEvent(new Event('change')); }")
        # a click on an actor highlights its ties
        hub = max(members, key=lambda m: sum(1 for e in inside if m in (e["source"], e["target"])))
        click_node(hub)
        page.locator(f"#sociogram-live[data-selected='{hub}']").wait_for()
        assert cy(f"cy.getElementById({json.dumps(hub)}).connectedEdges().every(e => e.hasClass('tied'))")
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    finally:
        context.close()

    assert requests, "the browser made no requests?"
    outside = [u for u in requests if not local(u, base)]
    assert not outside, f"requests left 127.0.0.1: {outside}"
    assert any(u.endswith("/static/vendor/cytoscape/cytoscape.min.js") for u in requests)
    assert not errors, f"console errors or warnings (CSP violations show up here): {errors}"

    # without JavaScript: the static SVG is the picture, the interactive one stays hidden
    context = browser.new_context(locale="nl-NL", java_script_enabled=False, **VIEWPORTS[name])
    try:
        page = context.new_page()
        page.goto(base + path)
        assert page.locator("#sociogram-figure svg.sociogram").is_visible()
        assert not page.locator("#sociogram-live").is_visible()
    finally:
        context.close()


def test_screenshots_exist() -> None:
    """The screenshots of the runs above (kept out of git; docs/screenshots has copies)."""
    assert ARTIFACTS.exists(), "the browser test above saves its screenshots here"
    for what in ("home", "who-knows", "actor", "trace", "network", "analytics-sociogram", "analytics-diffusion",
                 "analytics-grouped", "analytics-search", "analytics-drill-down"):
        for name in VIEWPORTS:
            f = ARTIFACTS / f"{what}-{name}.png"
            assert f.exists() and f.stat().st_size > 10_000, f


def copy_to_docs() -> None:
    """Refresh docs/screenshots from the last run: `python -c 'import tests.test_browser as t; t.copy_to_docs()'`."""
    target = ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    for f in sorted(ARTIFACTS.glob("*.png")):
        shutil.copy(f, target / f.name)
