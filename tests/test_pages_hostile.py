"""Hostile input on the actor, network, relation, trace, analytics and home pages, /api/trace and
/api/analytics/sociogram.

A small store is built (kg.pipeline.build.build) from data whose labels, descriptions, roles and
motivations hold `<script>`, an `<img onerror>`, quotes, `}}{{ 7*7 }}` and `{% if %}`, plus
a `javascript:` licence IRI. Every page of ours is parsed: no injected element or attribute
exists and the hostile text shows up as text, verbatim (so it was escaped, not evaluated).
Injection attempts in every parameter of our routes give a 4xx or an escaped "not found",
never a 500, and the server keeps answering."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import networkx as nx
import pyoxigraph as ox
import pytest
from conftest import TOKEN
from gexf_schema import GEXF, gexf_errors
from test_actor_pages import SVG, by_id, injected, parse_html, svgs, text_of

from kg.analytics import gephi
from kg.pipeline.build import build
from kg.store import GraphStore
from web import create_app

HOSTILE = "<script>alert(1)</script>\"'}}{{ 7*7 }}{% if 1 %}<img src=x onerror=alert(2)>&amp;"
HIDDEN_NAME = "Geheime Naam"


def lit(text: str) -> str:
    return str(ox.Literal(text))


DATA = f"""
@prefix ckg: <https://w3id.org/connective-kg/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix topic: <https://w3id.org/connective-kg/vocab/topic/> .
@prefix role: <https://w3id.org/connective-kg/vocab/role/> .
@prefix depth: <https://w3id.org/connective-kg/vocab/depth/> .
@prefix level: <https://w3id.org/connective-kg/vocab/level/> .
@prefix mechanism: <https://w3id.org/connective-kg/vocab/mechanism/> .
@prefix consent: <https://w3id.org/connective-kg/vocab/consent/> .
@prefix sector: <https://w3id.org/connective-kg/vocab/sector/> .
@prefix tw: <https://knll-twente.example/id/> .

tw:h-board a ckg:SchoolBoard ; rdfs:label {lit(HOSTILE + " board")} ; ckg:sector sector:po .
tw:h-school-a a ckg:School ; rdfs:label {lit(HOSTILE + " school A")} ; org:subOrganizationOf tw:h-board ;
    ckg:sector sector:po ; rdfs:comment {lit(HOSTILE)} .
tw:h-school-b a ckg:School ; rdfs:label {lit(HOSTILE + " school B")} ; org:subOrganizationOf tw:h-board ; ckg:sector sector:po .
tw:h-net a ckg:PLG ; rdfs:label {lit(HOSTILE + " net")} ; ckg:theme topic:science-technology ;
    schema:foundingDate "2018-09-01"^^xsd:date ; ckg:budgetEur 100.0 ; ckg:hoursPerParticipant 10.0 ; ckg:fundedBy tw:h-board .
tw:h-net2 a ckg:InterestGroup ; rdfs:label {lit(HOSTILE + " group")} ; org:subOrganizationOf tw:h-net ;
    ckg:theme topic:digital-literacy .
tw:h-person a ckg:Person ; rdfs:label {lit(HOSTILE + " person")} ; ckg:consent consent:public ; ckg:hasRole role:teacher ;
    ckg:affiliatedWith tw:h-school-a ; schema:knowsAbout topic:science-technology .
tw:h-hidden a ckg:Person ; rdfs:label "{HIDDEN_NAME}" ; ckg:hasRole role:teacher ; ckg:affiliatedWith tw:h-school-b .
tw:h-art a ckg:ObservationGuide ; rdfs:label {lit(HOSTILE + " art")} ; dcterms:creator tw:h-person ; ckg:madeIn tw:h-net ;
    dcterms:created "2019-01-01"^^xsd:date ; dcterms:subject topic:inquiry-learning ; rdfs:comment {lit(HOSTILE)} ;
    dcterms:license <javascript:alert(3)> .
tw:h-copy a ckg:ObservationGuide ; rdfs:label {lit(HOSTILE + " copy")} ; prov:wasDerivedFrom tw:h-art ;
    dcterms:created "2020-03-01"^^xsd:date .
tw:h-m1 a ckg:Membership ; org:member tw:h-person ; org:organization tw:h-net ; ckg:roleDescription {lit(HOSTILE + " role")} ;
    ckg:participationLevel level:core ; ckg:hoursPerYear 10.0 ; ckg:motivation {lit(HOSTILE + " motivation")} ;
    org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDDate "2019-01-01"^^xsd:date ] ] .
tw:h-m2 a ckg:Membership ; org:member tw:h-hidden ; org:organization tw:h-net ; ckg:roleDescription "lid" ;
    ckg:participationLevel level:peripheral ; ckg:motivation "Geheime motivatie" ;
    org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDDate "2020-01-01"^^xsd:date ] ] .
tw:h-m3 a ckg:Membership ; org:member tw:h-art ; org:organization tw:h-net ; ckg:roleDescription {lit(HOSTILE + " use")} .
tw:h-t1 a ckg:Tie ; ckg:source tw:h-person ; ckg:target tw:h-hidden ; ckg:depth depth:sharing ; ckg:perMonth 2.0 ;
    ckg:closeness 3 ; ckg:trust 4 ; ckg:topic topic:inquiry-learning ; ckg:schoolYear 2020 ; ckg:mediatedBy tw:h-art .
tw:h-ad1 a ckg:Adoption ; ckg:adoptedArtefact tw:h-art ; ckg:adopter tw:h-school-a ; dcterms:date "2019-02-01"^^xsd:date ;
    ckg:broker tw:h-person ; ckg:via tw:h-net ; dcterms:description {lit(HOSTILE)} .
tw:h-ad2 a ckg:Adoption ; ckg:adoptedArtefact tw:h-art ; ckg:adopter tw:h-school-b ; dcterms:date "2020-02-01"^^xsd:date ;
    ckg:adoptedFrom tw:h-school-a ; ckg:broker tw:h-hidden ; ckg:via tw:h-net ; ckg:adaptedVersion tw:h-copy .
tw:h-ad3 a ckg:Adoption ; ckg:adoptedArtefact tw:h-copy ; ckg:adopter tw:h-school-b ; dcterms:date "2020-03-02"^^xsd:date ;
    ckg:broker tw:h-hidden .
tw:h-x1 a ckg:BoundaryCrossing ; ckg:crosser tw:h-person ; ckg:fromNetwork tw:h-net ; ckg:toNetwork tw:h-net2 ;
    ckg:mechanism mechanism:transformation ; dcterms:date "2020-05-01"^^xsd:date ; ckg:produced tw:h-copy ;
    dcterms:description {lit(HOSTILE)} .
"""

ENTITY_PAGES = ["h-person", "h-hidden", "h-art", "h-copy", "h-school-a", "h-school-b", "h-board", "h-net", "h-net2",
                "h-m1", "h-m2", "h-t1", "h-ad2", "h-x1"]
OTHER_PAGES = ["/", "/trace", "/trace?artefact=h-art", "/trace?artefact=h-art&next=1",
               "/trace?artefact=" + HOSTILE.replace("&", "%26").replace("#", "%23") + "%20art"]

ATTEMPTS = [
    HOSTILE,
    "<script>alert(1)</script>",
    "\"><svg onload=alert(1)>",
    "' OR '1'='1",
    "a> } ; INSERT DATA { <a> <b> <c> } #",
    "\" } UNION { ?s ?p ?o } #",
    "}}{{ config }}{% for x in range(9) %}",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "../../../../etc/passwd",
    "http://127.0.0.1:1/x",
    "x" * 5000,
    "%00\x00nul",
    "ünïcødé ☃ \u202e",
    "",
    " ",
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-data")
    (folder / "hostile.ttl").write_text(DATA, encoding="utf-8")
    store = GraphStore(tmp_path_factory.mktemp("hostile") / "store")
    result = build([folder], store)
    assert result.committed, result.errors or result.violations
    app = create_app({"KG_STORE": str(store.path), "KG_TOKEN": TOKEN, "TESTING": True, "KG_SECRET_KEY": "h"})
    return app.test_client()


def fetch(client, path: str, internal: bool, lang: str = "nl"):
    sep = "&" if "?" in path else "?"
    return client.get(f"{path}{sep}lang={lang}", headers={"Authorization": f"Bearer {TOKEN}"} if internal else {})


def assert_clean(html: str, where: str) -> ET.Element:
    root = parse_html(html)
    assert not injected(root), (where, injected(root))
    assert "49" not in text_of(root.find(".//main")).split(), where    # {{ 7*7 }} was not evaluated
    for svg in svgs(html):                                             # well-formed XML, hostile text as text
        for el in svg.iter():
            assert el.tag.startswith(SVG), (where, el.tag)
            assert not any(k.lower().startswith("on") for k in el.attrib), where
    return root


@pytest.mark.parametrize("internal", [False, True], ids=["public", "internal"])
@pytest.mark.parametrize("local", ENTITY_PAGES)
def test_entity_pages_escape_hostile_labels(client, local, internal) -> None:
    r = fetch(client, f"/doc/{local}", internal)
    assert r.status_code == 200, (local, r.status_code)
    html = r.get_data(as_text=True)
    root = assert_clean(html, local)
    title = text_of(by_id(root, "actor-title"))
    if local not in ("h-hidden", "h-m1", "h-m2", "h-t1", "h-ad2", "h-x1"):
        assert HOSTILE in title, (local, title)   # shown verbatim, as text
    if not internal:
        assert HIDDEN_NAME not in html and "Geheime motivatie" not in html
        assert "motivation" not in title
    assert "javascript:" not in "".join(a.get("href", "") for a in root.iter("a"))


@pytest.mark.parametrize("internal", [False, True], ids=["public", "internal"])
@pytest.mark.parametrize("path", OTHER_PAGES)
def test_home_and_trace_pages_escape_hostile_labels(client, path, internal) -> None:
    for lang in ("nl", "en"):
        r = fetch(client, path, internal, lang)
        assert r.status_code < 500, (path, r.status_code)
        html = r.get_data(as_text=True)
        root = assert_clean(html, path)
        if path.startswith("/trace?artefact=h-art"):
            assert r.status_code == 200
            assert HOSTILE + " art" == text_of(by_id(root, "trace-h"))
            spread = next(s for s in svgs(html) if "spread" in s.get("class"))
            lanes = [t.find(SVG + "title").text for t in spread.iter(SVG + "text") if t.find(SVG + "title") is not None]
            assert HOSTILE + " school A" in lanes
            assert len([g for g in spread.iter(SVG + "g") if g.get("class") == "adoption"]) == 3
        if not internal:
            assert HIDDEN_NAME not in html


def test_trace_json_keeps_hostile_labels_as_data(client) -> None:
    r = client.get("/api/trace?artefact=h-art", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    body = r.get_json()
    assert body["artefact"]["label"] == HOSTILE + " art"
    assert [a["adopter"]["label"] for a in body["adoptions"]] == [HOSTILE + " school A", HOSTILE + " school B",
                                                                  HOSTILE + " school B"]
    assert body["derivations"][0]["copy"]["label"] == HOSTILE + " copy"
    public = client.get("/api/trace?artefact=h-art").get_json()
    assert HIDDEN_NAME not in str(public)


@pytest.mark.parametrize("internal", [False, True], ids=["public", "internal"])
def test_analytics_page_and_sociogram_json_keep_hostile_labels_as_data(client, internal) -> None:
    """The interactive sociogram's page (its texts in a data attribute) and its JSON: hostile labels
    are data, never markup; the public view never names the hidden person, in no grouping."""
    import json

    r = fetch(client, "/analytics?actor=h-net", internal)
    assert r.status_code == 200
    root = assert_clean(r.get_data(as_text=True), "/analytics")
    live = by_id(root, "sociogram-live")
    assert live.get("hidden") is not None and json.loads(live.get("data-texts"))["find"] == "Zoek"
    r = fetch(client, "/api/analytics/sociogram?actor=h-net", internal)
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    labels = {n["iri"].rsplit("/", 1)[1]: n["label"] for n in body["nodes"]}
    assert labels["h-person"] == HOSTILE + " person" and labels["h-art"] == HOSTILE + " art"
    schools = {g["label"] for g in body["groupings"]["school"]["groups"]}
    assert HOSTILE + " school A" in schools
    text = json.dumps(body, ensure_ascii=False)
    assert (HIDDEN_NAME in text) == internal


@pytest.mark.parametrize("internal", [False, True], ids=["public", "internal"])
def test_gexf_keeps_hostile_labels_as_text(client, internal) -> None:
    """The GEXF export of a network of hostile labels is valid GEXF 1.3 and gives the labels back
    verbatim (ElementTree and networkx); the public one never names the hidden person."""
    r = fetch(client, "/analytics/graph.gexf?actor=h-net", internal)
    assert r.status_code == 200 and r.mimetype == "application/gexf+xml"
    assert gexf_errors(r.data) == []
    root = ET.fromstring(r.data)
    assert root.find(f"{GEXF}meta/{GEXF}description").text == HOSTILE + " net"
    labels = {n.get("id").rsplit("/", 1)[1]: n.get("label") for n in root.iter(GEXF + "node")}
    assert labels["h-person"] == HOSTILE + " person" and labels["h-art"] == HOSTILE + " art"
    g = nx.read_gexf(io.BytesIO(r.data))
    assert g.nodes["https://knll-twente.example/id/h-person"]["label"] == HOSTILE + " person"
    assert (HIDDEN_NAME in {d["label"] for _, d in g.nodes(data=True)}) == internal


def test_gexf_writes_characters_xml_cannot_hold_as_replacement_characters(client) -> None:
    """A label with control characters (which an RDF literal can hold and XML 1.0 cannot) and
    line breaks: the GEXF stays well-formed and valid; the control characters become U+FFFD."""
    graph = fetch(client, "/api/analytics?actor=h-net", True).get_json()["graph"]
    label = HOSTILE + "\x00\x01\x08\x0b\x1f\x7f tab\tline\nend"
    graph["nodes"][0]["label"] = label
    data = gephi.serialise(graph, "gexf", label, "2026-11-25")
    assert gexf_errors(data) == []
    expected = HOSTILE + "\ufffd" * 5 + "\x7f tab\tline\nend"
    assert nx.read_gexf(io.BytesIO(data)).nodes[graph["nodes"][0]["iri"]]["label"] == expected
    assert ET.fromstring(data).find(f"{GEXF}meta/{GEXF}description").text == expected


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=range(len(ATTEMPTS)))
def test_injection_attempts_in_every_parameter_are_4xx_or_not_found(client, attempt) -> None:
    from urllib.parse import quote

    q = quote(attempt, safe="")
    for path in (f"/trace?artefact={q}", f"/trace?artefact={q}&next=1", f"/api/trace?artefact={q}",
                 f"/api/trace?artefact={q}&next=1", f"/api/analytics/sociogram?actor={q}", f"/doc/{q}", f"/doc/h-art{q}", f"/resource?iri={q}",
                 f"/?lang={q}", f"/doc/h-art?lang={q}"):
        r = client.get(path)
        assert r.status_code < 500, (path, r.status_code)
        if path.startswith(("/?", "/doc/h-art?")):
            assert r.status_code == 200
        elif attempt.strip() and not path.startswith("/trace?artefact=") or "/api/" in path:
            assert 400 <= r.status_code < 500, (path, r.status_code)
        if r.mimetype == "text/html":
            root = assert_clean(r.get_data(as_text=True), path)
            shown = by_id(root, "problem-text")
            if shown is not None:
                assert shown.text == attempt.strip()[:500] or len(attempt) > 500
        elif r.mimetype == "application/json":
            assert isinstance(r.get_json(), dict)
    assert client.get("/").status_code == 200   # still answering
