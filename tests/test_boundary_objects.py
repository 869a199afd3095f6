"""Boundary objects: the page /boundary-objects, the API /api/boundary-objects and the section on
each network's page, in both views and both languages. What they show is compared with a Python
computation over the sample store's quads in the view's graphs (the criterion: an artefact with
memberships of >= 2 networks and >= 2 different roles; the spread: dated adoptions of the artefact
or a copy that descends from it, and their adopting schools) and with the diffusion trace; HTML is
parsed, hostile labels stay text."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
import pytest
from conftest import TOKEN
from test_actor_pages import by_id, injected, parse_html, text_of

from kg.answers import trace
from kg.model.namespaces import CKG, RDF, RDFS
from kg.pipeline.build import build
from kg.store import GraphStore
from kg.store.views import view_graphs
from web import create_app

ORG = "http://www.w3.org/ns/org#"
DATE = "http://purl.org/dc/terms/date"
INTERNAL = {"Authorization": f"Bearer {TOKEN}"}
VIEWS = {"public": {}, "internal": INTERNAL}


class Facts:
    """The sample store's quads in one view's graphs, read without SPARQL."""

    def __init__(self, db: ox.Store, view: str) -> None:
        self.db, self.graphs = db, view_graphs(db, view)

    def objects(self, s: ox.NamedNode | None, p: str, o: ox.NamedNode | None = None) -> set[tuple]:
        return {(q.subject, q.object) for g in self.graphs
                for q in self.db.quads_for_pattern(s, ox.NamedNode(p), o, g)}

    def label(self, iri: ox.NamedNode) -> str:
        return min((str(o.value) for _, o in self.objects(iri, RDFS + "label")), default=iri.value.rsplit("/", 1)[-1])

    def boundary_objects(self) -> dict[str, dict[str, set[str]]]:
        """Artefact IRI -> network IRI -> its roles there, for the artefacts meeting the criterion."""
        artefacts = {s for s, _ in self.objects(None, RDF + "type", ox.NamedNode(CKG + "Artefact"))}
        found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for membership, member in self.objects(None, ORG + "member"):
            if member not in artefacts:
                continue
            for _, network in self.objects(membership, ORG + "organization"):
                for _, role in self.objects(membership, CKG + "roleDescription"):
                    found[member.value][network.value].add(role.value)
        return {a: {n: set(r) for n, r in nets.items()} for a, nets in found.items()
                if len(nets) >= 2 and len({r for rs in nets.values() for r in rs}) >= 2}

    def spread(self, artefact: str) -> tuple[int, int]:
        """(dated adoptions of the artefact or a copy descending from it, distinct adopting schools)."""
        a = ox.NamedNode(artefact)
        versions = {a} | {s for s, _ in self.objects(None, CKG + "descendsFrom", a)}
        adoptions = {s for v in versions for s, _ in self.objects(None, CKG + "adoptedArtefact", v)
                     if self.objects(s, DATE)}
        schools = {o for ad in adoptions for _, o in self.objects(ad, CKG + "adopter")}
        return len(adoptions), len(schools)


@pytest.fixture(scope="module")
def client(sample_build):
    app = create_app({"KG_STORE": str(sample_build[0].path), "KG_TOKEN": TOKEN, "TESTING": True,
                      "KG_SECRET_KEY": "test"})
    return app.test_client()


def all_pages(client, view: str, lang: str, limit: int) -> list[dict]:
    """Every boundary object from the API, page by page through `next`; checks the paging fields."""
    out, offset, total = [], 0, None
    while offset is not None:
        r = client.get(f"/api/boundary-objects?offset={offset}&limit={limit}&lang={lang}", headers=VIEWS[view])
        assert r.status_code == 200 and r.mimetype == "application/json"
        body = r.get_json()
        total = body["total"] if total is None else total
        assert body["total"] == total and body["offset"] == offset and body["limit"] == limit
        assert len(body["boundary_objects"]) == min(limit, total - offset)
        assert body["previous"] == (max(0, offset - limit) if offset else None)
        out += body["boundary_objects"]
        offset = body["next"]
    assert len(out) == total
    return out


@pytest.mark.parametrize("view", VIEWS)
def test_api_lists_every_boundary_object_with_its_roles_per_network_and_spread(client, sample_db, view) -> None:
    facts = Facts(sample_db, view)
    want = facts.boundary_objects()
    assert len(want) >= 2, "the sample has boundary objects"
    got = all_pages(client, view, "en", limit=1)
    assert [b["artefact"]["iri"] for b in got] == sorted(want, key=lambda a: (facts.label(ox.NamedNode(a)).casefold(), a))
    assert got == all_pages(client, view, "en", limit=100)
    for b in got:
        iri = b["artefact"]["iri"]
        assert b["artefact"]["label"] == facts.label(ox.NamedNode(iri))
        assert {n["network"]["iri"]: set(n["roles"]) for n in b["networks"]} == want[iri]
        assert [n["network"]["label"] for n in b["networks"]] == sorted((n["network"]["label"] for n in b["networks"]),
                                                                       key=str.casefold)
        assert (b["spread"]["adoptions"], b["spread"]["schools"]) == facts.spread(iri)
        assert b["typed"] == bool(facts.objects(ox.NamedNode(iri), RDF + "type", ox.NamedNode(CKG + "BoundaryObject")))
    assert any(b["spread"]["adoptions"] for b in got), "at least one boundary object spread"


def test_spread_is_what_the_trace_counts(client, sample_db) -> None:
    for b in all_pages(client, "internal", "nl", limit=100):
        summary = trace.trace(sample_db, b["artefact"]["iri"], "internal", "nl")["summary"]
        assert (b["spread"]["adoptions"], b["spread"]["schools"]) == (summary["adoptions"], summary["schools"])
        if summary["adoptions"]:
            assert (b["spread"]["first"], b["spread"]["last"]) == (summary["first"], summary["last"])


def table_rows(table) -> dict[str, dict]:
    """A boundary-object table as artefact IRI -> its link text, roles per network and spread."""
    out = {}
    for tr in table.find("tbody").findall("tr"):
        cells = tr.findall("td")
        out[tr.get("data-artefact")] = {
            "label": text_of(tr.find("th").find("a")),
            "networks": {li.get("data-network"): {text_of(span) for span in li.iter("span")} for li in cells[0].iter("li")},
            "spread": (int(text_of(cells[1])), int(text_of(cells[2]))),
        }
    return out


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("lang, title", [("nl", "Grensobjecten"), ("en", "Boundary objects")])
def test_page_shows_the_same_as_the_api_in_the_language_asked(client, sample_db, view, lang, title) -> None:
    facts = Facts(sample_db, view)
    want = facts.boundary_objects()
    r = client.get(f"/boundary-objects?lang={lang}&limit=2", headers=VIEWS[view])
    assert r.status_code == 200
    root = parse_html(r.get_data(as_text=True))
    assert root.find(".//html").get("lang") == lang and text_of(by_id(root, "bo-h")) == title
    shown = table_rows(by_id(root, "boundary-objects-table"))
    first_two = sorted(want, key=lambda a: (facts.label(ox.NamedNode(a)).casefold(), a))[:2]
    assert list(shown) == first_two
    for iri, row in shown.items():
        assert row["label"] == facts.label(ox.NamedNode(iri))
        assert row["networks"] == want[iri]
        assert row["spread"] == facts.spread(iri)
    pager = by_id(root, "pager")
    assert text_of(pager.find("span")).split() == ["1–2", {"nl": "van", "en": "of"}[lang], str(len(want))]
    nxt = pager.find(".//a[@rel='next']")
    assert (nxt is not None) == (len(want) > 2)
    if nxt is not None:
        rest = parse_html(client.get(nxt.get("href"), headers=VIEWS[view]).get_data(as_text=True))
        assert list(table_rows(by_id(rest, "boundary-objects-table"))) == sorted(
            want, key=lambda a: (facts.label(ox.NamedNode(a)).casefold(), a))[2:4]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_network_page_shows_its_boundary_objects(client, sample_db, lang) -> None:
    facts = Facts(sample_db, "public")
    want = facts.boundary_objects()
    networks = {s for s, _ in facts.objects(None, RDF + "type", ox.NamedNode(CKG + "Network"))}
    heading = {"nl": "Grensobjecten in dit netwerk", "en": "Boundary objects in this network"}[lang]
    with_some = 0
    for network in sorted(networks, key=lambda n: n.value):
        members = {m.value for ms, _ in facts.objects(None, ORG + "organization", network)
                   for _, m in facts.objects(ms, ORG + "member")}
        here = {a: nets for a, nets in want.items() if a in members}
        local = network.value.rsplit("/", 1)[-1]
        r = client.get(f"/doc/{local}?lang={lang}")
        assert r.status_code == 200, local
        root = parse_html(r.get_data(as_text=True))
        assert text_of(by_id(root, "network-bo-h")) == f"{heading} {len(here)}"
        assert by_id(root, "all-boundary-objects").get("href") == "/boundary-objects"
        table = by_id(root, "network-bo-table")
        if not here:
            assert table is None
            continue
        with_some += 1
        shown = table_rows(table)
        assert {a: row["networks"] for a, row in shown.items()} == here
        assert all(row["spread"] == facts.spread(a) for a, row in shown.items())
        marked = [li.get("data-network") for li in table.iter("li") if li.get("class") == "here"]
        assert marked == [network.value] * len(here)
    assert with_some >= 3


def test_people_and_schools_have_no_boundary_object_section(client) -> None:
    for local in ("p001", "s-de-esch", "a-kijkwijzer-ol"):
        root = parse_html(client.get(f"/doc/{local}").get_data(as_text=True))
        assert by_id(root, "network-boundary-objects") is None


@pytest.mark.parametrize("query", ["offset=-1", "offset=x", "limit=0", "limit=101", "limit=abc"])
def test_bad_paging_is_400_in_both_languages(client, query) -> None:
    r = client.get(f"/api/boundary-objects?{query}")
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == "bad-page" and "offset" in error["nl"] and "offset" in error["en"]
    page = client.get(f"/boundary-objects?{query}&lang=en")
    assert page.status_code == 400
    assert "limit a whole number from 1 to 100" in text_of(by_id(parse_html(page.get_data(as_text=True)), "problem"))


def test_home_page_links_to_the_boundary_objects(client) -> None:
    root = parse_html(client.get("/?lang=en").get_data(as_text=True))
    entry = by_id(root, "entry-boundary-objects")
    assert entry.find("a").get("href") == "/boundary-objects"
    assert text_of(entry).startswith("Boundary objects")


HOSTILE = "<script>alert(1)</script>\"'}}{{ 7*7 }}<img src=x onerror=alert(2)>&amp;"


def test_hostile_labels_and_roles_stay_text(tmp_path) -> None:
    lit = lambda text: str(ox.Literal(text))  # noqa: E731
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "h.ttl").write_text(f"""
@prefix ckg: <https://w3id.org/connective-kg/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tw: <https://knll-twente.example/id/> .
tw:h-net1 a ckg:PLG ; rdfs:label {lit(HOSTILE + " one")} .
tw:h-net2 a ckg:PLG ; rdfs:label {lit(HOSTILE + " two")} .
tw:h-art a ckg:ObservationGuide ; rdfs:label {lit(HOSTILE + " art")} .
tw:h-m1 a ckg:Membership ; org:member tw:h-art ; org:organization tw:h-net1 ; ckg:roleDescription {lit(HOSTILE + " a")} .
tw:h-m2 a ckg:Membership ; org:member tw:h-art ; org:organization tw:h-net2 ; ckg:roleDescription {lit(HOSTILE + " b")} .
""", encoding="utf-8")
    store = GraphStore(tmp_path / "store")
    assert build([tmp_path / "src"], store).committed
    c = create_app({"KG_STORE": str(store.path), "TESTING": True, "KG_SECRET_KEY": "h"}).test_client()
    for path, table in (("/boundary-objects", "boundary-objects-table"), ("/doc/h-net1", "network-bo-table")):
        root = parse_html(c.get(path).get_data(as_text=True))
        assert not injected(root), path
        rows = table_rows(by_id(root, table))
        assert rows["https://knll-twente.example/id/h-art"]["label"] == HOSTILE + " art"
        assert rows["https://knll-twente.example/id/h-art"]["networks"] == {
            "https://knll-twente.example/id/h-net1": {HOSTILE + " a"}, "https://knll-twente.example/id/h-net2": {HOSTILE + " b"}}
    body = c.get("/api/boundary-objects").get_json()
    assert body["boundary_objects"][0]["artefact"]["label"] == HOSTILE + " art"
