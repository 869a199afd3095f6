"""Actor pages (/doc/<local>): one layout for a person, an artefact, a school and a network,
with the values checked against the Twente data (parsed independently with rdflib); network
parts, relation-node pages, 404s, privacy in the public view, the home page and basic
accessibility. Pages are parsed as HTML; pictures as XML."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
import rdflib
from conftest import TOKEN
from rdflib import RDF, RDFS, URIRef

from kg.model import resources
from kg.model.namespaces import PUBLIC_GRAPH
from kg.sparql import queries
from web import create_app

TW = "https://knll-twente.example/id/"
CKG = rdflib.Namespace("https://w3id.org/connective-kg/ns#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
TIME = rdflib.Namespace("http://www.w3.org/2006/time#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
PUBLIC = URIRef("https://w3id.org/connective-kg/vocab/consent/public")
SVG = "{http://www.w3.org/2000/svg}"
TODAY = "2026-11-25"
SECTIONS = ("facts", "neighbourhood", "memberships", "ties", "artefacts", "adoptions", "crossings", "agreements")
INTERNAL = {"Authorization": f"Bearer {TOKEN}"}


# --- a small HTML tree (stdlib only), shared by the other page tests -------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = ET.Element("document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = ET.SubElement(self.stack[-1], tag, {k: (v if v is not None else "") for k, v in attrs})
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ET.SubElement(self.stack[-1], tag, {k: (v if v is not None else "") for k, v in attrs})

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def parse_html(text: str) -> ET.Element:
    """The page as an ElementTree (tags lower-case, SVG elements by their local names)."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def text_of(el: ET.Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def by_id(root: ET.Element, ident: str) -> ET.Element | None:
    return next((e for e in root.iter() if e.get("id") == ident), None)


def svgs(html: str) -> list[ET.Element]:
    """Every inline <svg class="picture ..."> parsed as XML (fails on malformed markup)."""
    return [ET.fromstring(m.group(0)) for m in re.finditer(r'<svg xmlns="http://www.w3.org/2000/svg" class="picture.*?</svg>',
                                                            html, re.S)]


def injected(root: ET.Element) -> list[str]:
    """Elements or attributes that page content could have injected: scripts other than our
    static ones, images, event-handler attributes, javascript: links."""
    bad = []
    for el in root.iter():
        if el.tag == "script" and not (el.get("src") or "").startswith("/static/"):
            bad.append("script")
        if el.tag in ("img", "iframe", "object", "embed"):
            bad.append(el.tag)
        for k, v in el.attrib.items():
            if k.lower().startswith("on"):
                bad.append(f"{el.tag}@{k}")
            if k in ("href", "src", "action") and v.strip().lower().startswith(("javascript:", "data:")):
                bad.append(f"{el.tag}@{k}={v}")
    return bad


# --- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    g = rdflib.Graph()
    for f in resources.sample_dir().glob("*.ttl"):
        g.parse(f)
    g.parse(resources.vocabularies_file())
    return g


@pytest.fixture(scope="module")
def client(sample_build):
    store, _ = sample_build
    app = create_app({"KG_STORE": str(store.path), "KG_TOKEN": TOKEN, "KG_TODAY": TODAY, "TESTING": True,
                      "KG_SECRET_KEY": "test"})
    return app.test_client()


@pytest.fixture(scope="module")
def pages(client) -> dict[tuple[str, str], str]:
    """Pages fetched once: (local, 'internal'|'public') -> HTML."""
    out = {}
    for local in ("p001", "a-kijkwijzer-ol", "s-de-esch", "n-plg-wt", "p040"):
        for v in ("internal", "public"):
            r = client.get(f"/doc/{local}", headers=INTERNAL if v == "internal" else {})
            assert r.status_code == 200, (local, v, r.status_code)
            assert r.mimetype == "text/html"
            out[(local, v)] = r.get_data(as_text=True)
    return out


def label(g: rdflib.Graph, local: str) -> str:
    return str(g.value(URIRef(TW + local), RDFS.label))


def hidden_people(g: rdflib.Graph) -> set[URIRef]:
    return {p for p in g.subjects(RDF.type, CKG.Person) if (p, CKG.consent, PUBLIC) not in g}


def active_on(g: rdflib.Graph, membership: URIRef, day: str) -> bool:
    period = g.value(membership, ORG.memberDuring)
    begin = g.value(g.value(period, TIME.hasBeginning), TIME.inXSDDate) if period else None
    end = g.value(g.value(period, TIME.hasEnd), TIME.inXSDDate) if period else None
    d = dt.date.fromisoformat(day)
    return (begin is None or begin.toPython() <= d) and (end is None or end.toPython() >= d)


# --- one layout for every actor ------------------------------------------------------------------

@pytest.mark.parametrize("local, kind, type_local", [
    ("p001", "person", "Person"), ("a-kijkwijzer-ol", "artefact", "ObservationGuide"),
    ("s-de-esch", "organisation", "School"), ("n-plg-wt", "network", "PLG"),
])
def test_every_kind_of_actor_gets_the_same_layout(pages, data, local, kind, type_local) -> None:
    html = pages[(local, "internal")]
    root = parse_html(html)
    assert text_of(by_id(root, "actor-title")) == label(data, local)
    article = by_id(root, "actor")
    assert article.get("data-kind") == kind and article.get("data-iri") == TW + local
    assert str(CKG) + type_local in {e.get("data-iri") for e in by_id(root, "types").iter() if e.get("data-iri")}
    for section in SECTIONS:
        el = by_id(root, section)
        assert el is not None and el.tag == "section", f"{local}: no section #{section}"
        assert any(h.tag == "h2" for h in el.iter()), f"{local}: #{section} has no h2"
    assert (by_id(root, "network") is not None) == (kind == "network")
    assert (by_id(root, "trace-link") is not None) == (kind == "artefact")
    picture = [s for s in svgs(html) if "neighbourhood" in s.get("class")]
    assert len(picture) == 1
    assert picture[0].find(SVG + "title").text and picture[0].find(SVG + "desc").text


def test_neighbourhood_picture_has_the_actor_in_the_middle_and_its_neighbours_around(pages, client) -> None:
    html = pages[("p001", "internal")]
    root = parse_html(html)
    listed = [li for li in by_id(root, "neighbours").iter("li")]
    svg = next(s for s in svgs(html) if "neighbourhood" in s.get("class"))
    nodes = [g for g in svg.iter(SVG + "g") if g.get("class") == "neighbour"]
    assert len(nodes) == min(16, len(listed)) and len(listed) > 16
    kinds = {g.get("data-kind") for g in nodes}
    assert {"person", "artefact", "network", "organisation"} <= kinds   # ANT: all kinds of actor show
    centre = [s for s in svg.iter() if "shape" in (s.get("class") or "") and s.get("stroke-width") == "3"]
    assert len(centre) == 1
    width, height = (float(v) for v in svg.get("viewBox").split()[2:])
    assert float(centre[0].get("cx")) == width / 2 and float(centre[0].get("cy")) == height / 2
    hrefs = {a.get("href") for a in svg.iter(SVG + "a")}
    assert "/doc/n-plg-wt" in hrefs and all(h.startswith("/doc/") for h in hrefs)


# --- values against the data ---------------------------------------------------------------------

def test_person_page_memberships_and_ties_match_the_data(pages, data) -> None:
    p = URIRef(TW + "p001")
    root = parse_html(pages[("p001", "internal")])
    rows = [tr for tr in by_id(root, "memberships").iter("tr") if tr.get("data-membership")]
    expected = set(data.subjects(ORG.member, p))
    assert {URIRef(tr.get("data-membership")) for tr in rows} == expected and len(expected) >= 3
    for tr in rows:
        m = URIRef(tr.get("data-membership"))
        cells = {td.get("data-label"): text_of(td) for td in tr.iter("td")}
        assert label(data, str(data.value(m, ORG.organization))[len(TW):]) in cells["Netwerk"]
        assert cells["Uren per jaar"] == f"{float(data.value(m, CKG.hoursPerYear)):g}"
        assert cells["Motivatie"] == str(data.value(m, CKG.motivation))
    levels = [text_of(tr.find(".//span")) for tr in rows if tr.find(".//span") is not None]
    assert "kern" in levels and "periferie" in levels

    ties = [tr for tr in by_id(root, "ties").iter("tr") if tr.get("data-tie")]
    expected_ties = set(data.subjects(CKG.source, p)) | set(data.subjects(CKG.target, p))
    assert {URIRef(tr.get("data-tie")) for tr in ties} == expected_ties
    strengths = []
    for tr in ties:
        t = URIRef(tr.get("data-tie"))
        s = float(data.value(t, CKG.closeness)) * float(data.value(t, CKG.perMonth))
        assert float(tr.get("data-strength")) == s
        strengths.append(s)
    assert strengths == sorted(strengths, reverse=True)   # strongest first


def test_motivation_is_shown_only_in_the_internal_view(pages, data) -> None:
    motivations = {str(m) for m in data.objects(None, CKG.motivation)}
    public = pages[("p001", "public")]
    assert not [m for m in motivations if m in public]
    assert any(m in pages[("p001", "internal")] for m in motivations)
    assert "Motivatie" not in {text_of(th) for th in by_id(parse_html(public), "memberships").iter("th")}


def test_artefact_page_links_to_its_trace_and_lists_its_roles_and_creators(pages, data) -> None:
    a = URIRef(TW + "a-kijkwijzer-ol")
    root = parse_html(pages[("a-kijkwijzer-ol", "internal")])
    assert by_id(root, "trace-link").get("href") == "/trace?artefact=a-kijkwijzer-ol"
    roles = {text_of(tr.findall("td")[1]) for tr in by_id(root, "memberships").iter("tr") if tr.get("data-membership")}
    assert roles == {str(data.value(m, CKG.roleDescription)) for m in data.subjects(ORG.member, a)} and len(roles) >= 2
    creators = next(d for d in by_id(root, "facts").iter("div") if d.get("data-property") == str(DCT.creator))
    assert {text_of(x) for x in creators.iter("a")} == {label(data, str(c)[len(TW):]) for c in data.objects(a, DCT.creator)}
    badges = {e.get("data-iri") for e in by_id(root, "types").iter() if "role" in (e.get("class") or "")}
    assert str(CKG.BoundaryObject) in badges
    copies = {text_of(li) for li in by_id(root, "artefacts").iter("li")}
    assert any(label(data, "a-kijkwijzer-ol-kleuter") in c and "aangepaste kopie" in c for c in copies)
    adoptions = [tr for tr in by_id(root, "adoptions").iter("tr") if tr.get("data-adoption")]
    assert len({tr.get("data-adoption") for tr in adoptions}) == len(set(data.subjects(CKG.adoptedArtefact, a)))


def test_artefact_page_counts_and_lists_the_ties_it_mediates(pages, data) -> None:
    """An artefact is rarely an end of a tie but often in one (ckg:mediatedBy): its ties section
    counts and lists those, each with both ends, in both views."""
    a = URIRef(TW + "a-kijkwijzer-ol")
    mediated = {str(t) for t in data.subjects(CKG.mediatedBy, a)}
    own = {str(t) for t in data.subjects(CKG.source, a)} | {str(t) for t in data.subjects(CKG.target, a)}
    assert len(mediated) >= 4
    for view in ("internal", "public"):
        section = by_id(parse_html(pages[("a-kijkwijzer-ol", view)]), "ties")
        assert text_of(section.find("h2/span")) == str(len(mediated) + len(own))
        rows = [tr for tr in by_id(section, "mediated-ties").iter("tr") if tr.get("data-tie")]
        assert {tr.get("data-tie") for tr in rows} == mediated and len(rows) == len(mediated)
        if view == "internal":
            for tr in rows:
                ends = [x.get("href") for x in tr.find("td").findall("a")][:2]
                tie = URIRef(tr.get("data-tie"))
                assert ends == [f"/doc/{str(data.value(tie, p))[len(TW):]}" for p in (CKG.source, CKG.target)]
    # a person's page has no such table
    assert by_id(parse_html(pages[("p001", "internal")]), "mediated-ties") is None


def test_school_page_shows_its_facts_and_staff(pages, data) -> None:
    s = URIRef(TW + "s-de-esch")
    root = parse_html(pages[("s-de-esch", "internal")])
    facts = {d.get("data-property"): text_of(d.find("dd")) for d in by_id(root, "facts").iter("div") if d.get("data-property")}
    assert facts[str(CKG.brin)] == str(data.value(s, CKG.brin))
    staff = {text_of(li.find("a")) for li in by_id(root, "neighbours").iter("li") if "medewerker" in text_of(li)}
    assert staff == {label(data, str(p)[len(TW):]) for p in data.subjects(CKG.affiliatedWith, s)}
    assert by_id(root, "adoptions").find(".//p[@class='none']") is not None   # De Esch adopted nothing yet


def test_network_page_growth_levels_and_figures_match_the_data(pages, data) -> None:
    n = URIRef(TW + "n-plg-wt")
    html = pages[("n-plg-wt", "internal")]
    root = parse_html(html)
    memberships = [m for m in data.subjects(ORG.organization, n)]
    active = [m for m in memberships if active_on(data, m, TODAY)]
    people = {data.value(m, ORG.member) for m in active if (data.value(m, ORG.member), RDF.type, CKG.Person) in data}
    assert len(people) == 30   # docs/sample-facts.md, fact 11
    members_now = by_id(root, "members-now")
    assert text_of(members_now.find("span")) == str(len({data.value(m, ORG.member) for m in active}))
    assert next(s for s in members_now.iter("span") if s.get("data-kind") == "person").text.startswith("30 ")

    growth = next(s for s in svgs(html) if "growth" in s.get("class"))
    bars = [g for g in growth.iter(SVG + "g") if g.get("class") == "bar"]
    assert len(bars) == 2026 - 2017 + 1
    values = [int(g.findall(SVG + "text")[0].text) for g in bars]
    founders = {data.value(m, ORG.member) for m in memberships if active_on(data, m, "2018-07-31")
                and (data.value(m, ORG.member), RDF.type, CKG.Person) in data}
    assert values[0] == len(founders) == 4 and values[-1] == 30
    table = [[text_of(td) for td in tr.iter("td")] for tr in by_id(root, "growth").iter("tr")][1:]
    assert [int(r[-1]) for r in table] == values

    by_level: dict[str, int] = {}
    for m in active:
        lvl = data.value(m, CKG.participationLevel)
        key = str(lvl).rsplit("/", 1)[-1] if lvl else "none"
        by_level[key] = by_level.get(key, 0) + 1
    shown = {s.get("data-level"): len(s.findall(".//li")) for s in by_id(root, "levels").iter("section")}
    assert shown == by_level and {"core", "active", "peripheral"} <= set(shown)

    figures = {d.get("data-figure"): text_of(d.find("dd")) for d in by_id(root, "figures").iter("div") if d.get("data-figure")}
    assert figures["budgetEur"] == f"€ {float(data.value(n, CKG.budgetEur)):g}"
    assert figures["hoursPerParticipant"] == f"{float(data.value(n, CKG.hoursPerParticipant)):g}"
    assert figures["fundedBy"] == label(data, "o-enschede")
    assert int(figures["meetingsPerYear"]) == int(data.value(n, CKG.meetingsPerYear))
    themes = {str(lab) for t in data.objects(n, CKG.theme) for lab in data.objects(t, rdflib.namespace.SKOS.prefLabel)
              if lab.language == "nl"}
    assert set(figures["theme"].split(", ")) == themes


def test_relation_nodes_get_a_generic_page_with_links(client, data) -> None:
    r = client.get("/doc/m-p001-plg-wt", headers=INTERNAL)
    assert r.status_code == 200
    root = parse_html(r.get_data(as_text=True))
    assert by_id(root, "resource").get("data-kind") == "relation"
    rows = {tr.get("data-property"): tr for tr in by_id(root, "property-table").iter("tr") if tr.get("data-property")}
    assert rows[str(ORG.member)].find(".//a").get("href") == "/doc/p001"
    assert rows[str(ORG.organization)].find(".//a").get("href") == "/doc/n-plg-wt"
    assert str(CKG.motivation) in rows
    public = parse_html(client.get("/doc/m-p001-plg-wt").get_data(as_text=True))
    assert str(CKG.motivation) not in {tr.get("data-property") for tr in public.iter("tr")}
    tie = parse_html(client.get("/doc/t-p101-p052-2024", headers=INTERNAL).get_data(as_text=True))
    assert by_id(tie, "resource") is not None or by_id(tie, "error") is not None


@pytest.mark.parametrize("lang, words", [("nl", "Niet gevonden"), ("en", "Not found")])
def test_an_unknown_id_is_a_404_page_in_the_language_asked(client, lang, words) -> None:
    for path in (f"/doc/no-such-thing?lang={lang}", f"/resource?iri=https://example.org/nothing&lang={lang}",
                 f"/no/such/page?lang={lang}"):
        r = client.get(path)
        assert r.status_code == 404, path
        root = parse_html(r.get_data(as_text=True))
        assert text_of(root.find(".//h1")) == words, path
        assert root.find(".//html").get("lang") == lang


def test_the_public_view_shows_hidden_people_only_under_their_anonymous_label(pages, data, sample_db) -> None:
    names = {str(data.value(p, RDFS.label)) for p in hidden_people(data)}
    for local in ("p001", "a-kijkwijzer-ol", "s-de-esch", "n-plg-wt", "p040"):
        html = pages[(local, "public")]
        assert not {n for n in names if n in html}, local
    anon = next(q.object.value for q in sample_db.quads_for_pattern(
        ox.NamedNode(TW + "p040"), ox.NamedNode(str(RDFS.label)), None, ox.NamedNode(PUBLIC_GRAPH))
        if q.object.language == "nl")
    root = parse_html(pages[("p040", "public")])
    assert text_of(by_id(root, "actor-title")) == anon == "leraar, Basisschool De Esch"
    assert text_of(by_id(parse_html(pages[("p040", "internal")]), "actor-title")) == label(data, "p040")


def test_english_switch_keeps_the_page_and_translates_it(client) -> None:
    r = client.get("/doc/p001?lang=en")
    root = parse_html(r.get_data(as_text=True))
    assert root.find(".//html").get("lang") == "en"
    assert text_of(by_id(root, "memberships-h")).startswith("Memberships")
    switch = next(a for a in root.iter("a") if a.get("hreflang") == "nl")
    assert switch.get("href") == "/doc/p001?lang=nl"
    assert "person" in text_of(by_id(root, "kind"))


def test_home_page_explains_offers_entry_points_and_counts(client, sample_db) -> None:
    root = parse_html(client.get("/").get_data(as_text=True))
    hrefs = {li.get("id"): li.find("a").get("href") for li in by_id(root, "entries").iter("li")}
    assert hrefs["entry-who-knows"] == "/who-knows?topic=W%26T&topic=digitale+geletterdheid"
    assert hrefs["entry-trace"] == "/trace?artefact=a-kijkwijzer-ol"
    assert hrefs["entry-network"] == "/doc/n-plg-wt"
    assert hrefs["entry-team"] == "/doc/n-team-de-esch"
    counts = {li.get("data-kind"): int(li.find("span").text) for li in by_id(root, "key-counts").iter("li")}
    expected = {r["type"].value.rsplit("#", 1)[1].lower(): int(r["actors"].value)
                for r in queries.run(sample_db, "actor-types", {"lang": "nl"}, view="public")}
    assert counts == {k: expected[k] for k in ("person", "artefact", "organisation", "network")}
    en = parse_html(client.get("/?lang=en").get_data(as_text=True))
    assert "Who learns with whom" in text_of(by_id(en, "home-title"))


@pytest.mark.parametrize("path", ["/", "/doc/p001", "/doc/n-plg-wt", "/doc/m-p001-plg-wt", "/trace",
                                  "/trace?artefact=a-kijkwijzer-ol", "/doc/nothing-here"])
def test_pages_have_landmarks_ordered_headings_labels_and_described_pictures(client, path) -> None:
    html = client.get(path).get_data(as_text=True)
    root = parse_html(html)
    assert root.find(".//html").get("lang") in ("nl", "en")
    for landmark in ("header", "nav", "main", "footer"):
        assert root.find(f".//{landmark}") is not None, landmark
    headings = [int(e.tag[1]) for e in root.iter() if re.fullmatch(r"h[1-6]", str(e.tag))]
    assert headings.count(1) == 1 and headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:])), headings
    labels = {e.get("for") for e in root.iter("label")}
    for field in root.iter("input"):
        if field.get("type") not in ("hidden", "submit", "checkbox"):
            assert field.get("id") in labels or field.get("aria-label"), field.attrib
    for svg in svgs(html):
        ids = set(svg.get("aria-labelledby").split())
        assert {e.get("id") for e in svg if e.tag in (SVG + "title", SVG + "desc")} == ids
    assert not injected(root)
