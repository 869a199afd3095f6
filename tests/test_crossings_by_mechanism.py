"""Boundary crossings by learning mechanism in the language asked: on network and person pages
(parsed HTML, nl and en) and from `kg query --lang`; compared with the sample's data and
vocabularies read independently with rdflib."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from conftest import TOKEN
from rdflib import RDF, URIRef
from test_actor_pages import by_id, parse_html, text_of

from kg.model import resources
from web import create_app

CKG = rdflib.Namespace("https://w3id.org/connective-kg/ns#")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
PARTS = (CKG.crosser, CKG.fromNetwork, CKG.toNetwork, CKG.produced)
INTERNAL = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    g = rdflib.Graph()
    for f in resources.sample_dir().glob("*.ttl"):
        g.parse(f)
    g.parse(resources.vocabularies_file())
    return g


@pytest.fixture(scope="module")
def client(sample_build):
    app = create_app({"KG_STORE": str(sample_build[0].path), "KG_TOKEN": TOKEN, "TESTING": True,
                      "KG_SECRET_KEY": "test"})
    return app.test_client()


def pref_label(g: rdflib.Graph, concept: URIRef, lang: str) -> str:
    return next(str(o) for o in g.objects(concept, SKOS.prefLabel) if o.language == lang)


def expected(g: rdflib.Graph, actor: URIRef, lang: str) -> dict[str, set[URIRef]]:
    """Mechanism label in `lang` -> the crossings of that mechanism the actor takes part in."""
    out: dict[str, set[URIRef]] = {}
    for crossing in g.subjects(RDF.type, CKG.BoundaryCrossing):
        if any((crossing, p, actor) in g for p in PARTS):
            out.setdefault(pref_label(g, g.value(crossing, CKG.mechanism), lang), set()).add(crossing)
    return out


def busiest(g: rdflib.Graph, parts: tuple[URIRef, ...], cls: URIRef) -> URIRef:
    """The actor of class `cls` in the most crossings through `parts` (ties broken by IRI)."""
    counts = Counter(o for p in parts for _, o in g.subject_objects(p) if (o, RDF.type, cls) in g)
    return min(counts, key=lambda a: (-counts[a], str(a)))


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("who", ["network", "person"])
def test_crossings_by_mechanism_on_network_and_person_pages(client, data, lang: str, who: str) -> None:
    actor = (busiest(data, (CKG.fromNetwork, CKG.toNetwork), CKG.Network) if who == "network"
             else busiest(data, (CKG.crosser,), CKG.Person))
    want = expected(data, actor, lang)
    assert len(want) >= 2, "the sample should give this actor crossings of several mechanisms"
    local = str(actor).rsplit("/", 1)[-1]
    r = client.get(f"/doc/{local}?lang={lang}", headers=INTERNAL)
    assert r.status_code == 200
    root = parse_html(r.get_data(as_text=True))
    table = by_id(root, "crossings-by-mechanism")
    assert table is not None
    assert text_of(table.find("caption")) == {"nl": "Per leermechanisme", "en": "By learning mechanism"}[lang]
    got: dict[str, set[URIRef]] = {}
    counts = []
    for row in table.find("tbody").findall("tr"):
        name = text_of(row.find("th"))
        cells = row.findall("td")
        got[name] = {URIRef(a.get("data-crossing")) for a in cells[1].iter("a")}
        counts.append(int(text_of(cells[0])))
        assert counts[-1] == len(got[name])
    assert got == want
    assert counts == sorted(counts, reverse=True)
    other = {"nl": "en", "en": "nl"}[lang]
    words = {pref_label(data, m, other) for m in data.subjects(RDF.type, CKG.Mechanism)}
    words -= {pref_label(data, m, lang) for m in data.subjects(RDF.type, CKG.Mechanism)}
    assert not words & set(got), "a mechanism label in the other language"


def kg(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KG_STORE=str(store))
    env.pop("KG_LANG", None)
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("option, param, lang", [
    (("--lang", "en"), (), "en"), (("--lang", "nl"), (), "nl"), ((), (), "nl"),
    (("--lang", "en"), ("-p", "lang=nl"), "nl"),
])
def test_kg_query_gives_mechanism_labels_in_the_language_asked(sample_build, data, option, param, lang) -> None:
    r = kg("query", "boundary-crossers", "--format", "json", *option, *param, store=sample_build[0].path)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["results"]["bindings"]
    crossings = set(data.subjects(RDF.type, CKG.BoundaryCrossing))
    assert {URIRef(b["crossing"]["value"]) for b in rows} == crossings
    for b in rows:
        mechanism = URIRef(b["learningMechanism"]["value"])
        assert b["learningMechanismLabel"]["value"] == pref_label(data, mechanism, lang)
        assert b["learningMechanismLabel"]["xml:lang"] == lang
