"""Letters of intent are named by their signatory as the page's view shows them (issue 15 item 7):
the name signed in and for people with public consent, the anonymous role otherwise; never the
person code the stored label carries. Checked on network, person and intent pages (parsed HTML,
nl and en) against the sample read independently with rdflib and the store's public labels."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
import rdflib
from conftest import TOKEN
from rdflib import RDF, RDFS, URIRef
from test_actor_pages import by_id, parse_html, text_of

from kg.model import resources
from kg.sparql import queries
from web import create_app

CKG = rdflib.Namespace("https://w3id.org/connective-kg/ns#")
PUBLIC = URIRef("https://w3id.org/connective-kg/vocab/consent/public")
INTERNAL = {"Authorization": f"Bearer {TOKEN}"}
PREFIX = {"nl": "Intentieverklaring van", "en": "Letter of intent of"}
CODE = re.compile(r"\bp\d{3}\b")


@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    g = rdflib.Graph()
    for f in resources.sample_dir().glob("*.ttl"):
        g.parse(f)
    return g


@pytest.fixture(scope="module")
def client(sample_build):
    app = create_app({"KG_STORE": str(sample_build[0].path), "KG_TOKEN": TOKEN, "TESTING": True,
                      "KG_SECRET_KEY": "test"})
    return app.test_client()


def local(iri: URIRef) -> str:
    return str(iri).rsplit("/", 1)[-1]


def public_label(db, person: URIRef, lang: str) -> str:
    """The person's label in the public view, as the public graph holds it."""
    found = queries.run(db, "intent-names", {"actor": str(person)}, view="public")
    labels = {s["signatoryLabel"] for s in found}
    return next(lit.value for lit in labels if lit.language == lang)


def expected(data: rdflib.Graph, intent: URIRef, signatory: str, lang: str) -> str:
    """The name a page gives `intent` when its signatory reads `signatory`, from the data."""
    group = data.value(data.value(intent, CKG.commitsTo), RDFS.label)
    period = data.value(intent, CKG.validDuring)
    years = "-".join(str(data.value(data.value(period, p), URIRef("http://www.w3.org/2006/time#inXSDDate")))[:4]
                     for p in (URIRef("http://www.w3.org/2006/time#hasBeginning"),
                               URIRef("http://www.w3.org/2006/time#hasEnd")))
    return f"{PREFIX[lang]} {signatory} ({group}, {years})"


def hidden_signatory(data: rdflib.Graph) -> URIRef:
    """A signatory of a letter of intent without public consent (the sample has some)."""
    return min(s for i in data.subjects(RDF.type, CKG.LetterOfIntent) for s in data.objects(i, CKG.signatory)
               if (s, CKG.consent, PUBLIC) not in data)


def neighbour_names(html: str) -> dict[str, str]:
    """href's last segment -> link text of the neighbourhood list."""
    items = by_id(parse_html(html), "neighbours")
    assert items is not None
    return {a.get("href").rsplit("/", 1)[-1]: text_of(a) for a in items.iter("a")}


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("view", ["public", "internal"])
def test_a_networks_letters_of_intent_are_named_by_their_signatory(client, sample_db, data, lang: str,
                                                                   view: str) -> None:
    person = hidden_signatory(data)
    network = data.value(next(data.subjects(CKG.signatory, person)), CKG.commitsTo)
    intents = set(data.subjects(CKG.commitsTo, network)) & set(data.subjects(RDF.type, CKG.LetterOfIntent))
    r = client.get(f"/doc/{local(network)}?lang={lang}", headers=INTERNAL if view == "internal" else {})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    names = neighbour_names(html)
    name = str(data.value(person, RDFS.label))
    for intent in intents:
        signatory = data.value(intent, CKG.signatory)
        shown = (str(data.value(signatory, RDFS.label))
                 if view == "internal" or (signatory, CKG.consent, PUBLIC) in data
                 else public_label(sample_db, signatory, lang))
        assert names[local(intent)] == expected(data, intent, shown, lang)
        assert not CODE.search(names[local(intent)])
    if view == "public":
        assert name not in html, "a signatory without public consent is named on the public page"
        assert public_label(sample_db, person, lang) in html
    else:
        assert name in html


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_signatorys_agreements_and_the_letters_own_page(client, sample_db, data, lang: str) -> None:
    person = hidden_signatory(data)
    intents = sorted(data.subjects(CKG.signatory, person))
    anonymous = public_label(sample_db, person, lang)
    r = client.get(f"/doc/{local(person)}?lang={lang}")
    assert r.status_code == 200
    table = by_id(parse_html(r.get_data(as_text=True)), "agreements")
    rows = {a.get("href").rsplit("/", 1)[-1]: text_of(a) for tr in table.iter("tr")
            if tr.get("data-kind") == "letter-of-intent" for a in tr.findall("td")[1].iter("a")}
    assert rows == {local(i): expected(data, i, anonymous, lang) for i in intents}
    for intent in intents:
        for headers, shown in (({}, anonymous), (INTERNAL, str(data.value(person, RDFS.label)))):
            page = client.get(f"/doc/{local(intent)}?lang={lang}", headers=headers)
            assert page.status_code == 200
            assert text_of(parse_html(page.get_data(as_text=True)).find(".//h1")) == expected(data, intent, shown, lang)


def test_the_stored_label_is_left_as_stored(sample_db, data) -> None:
    """Naming is read-time only: the intent-names query's rows carry the view's signatory label,
    and the stored label (with the code) is unchanged in the data."""
    intent = next(data.subjects(RDF.type, CKG.LetterOfIntent))
    stored = {str(o) for o in data.objects(intent, RDFS.label)}
    got = {q.object.value for q in sample_db.quads_for_pattern(ox.NamedNode(str(intent)),
                                                              ox.NamedNode(str(RDFS.label)), None, None)}
    assert got == stored and CODE.search(next(iter(stored)))
