"""The public graph shows names and personal details only with consent public."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib

from kg.model import resources
from kg.model.namespaces import CKG, PUBLIC_GRAPH, RDFS, VOCAB

CONSENT = rdflib.URIRef(CKG + "consent")
PERSON = rdflib.URIRef(CKG + "Person")
PUBLIC = rdflib.URIRef(VOCAB + "consent/public")


def sample() -> rdflib.Graph:
    g = rdflib.Graph()
    for f in resources.sample_dir().glob("*.ttl"):
        g.parse(f)
    return g


def public_triples(db: ox.Store) -> list[ox.Quad]:
    return list(db.quads_for_pattern(None, None, None, ox.NamedNode(PUBLIC_GRAPH)))


def test_no_name_of_a_non_public_person_appears_anywhere_in_the_public_graph(sample_db) -> None:
    g = sample()
    hidden = {p for p in g.subjects(rdflib.RDF.type, PERSON) if (p, CONSENT, PUBLIC) not in g}
    assert len(hidden) >= 20  # network + private + none, per the sample's facts
    names = {str(n) for p in hidden for n in g.objects(p, rdflib.RDFS.label)}
    literals = {q.object.value for q in public_triples(sample_db) if isinstance(q.object, ox.Literal)}
    leaked = {n for n in names for lit in literals if n in lit}
    assert not leaked


def test_non_public_people_appear_as_an_anonymous_role_at_their_school(sample_db) -> None:
    g = sample()
    hidden = sorted(p for p in g.subjects(rdflib.RDF.type, PERSON) if (p, CONSENT, PUBLIC) not in g)
    labels: dict[str, dict[str, str]] = {}
    for q in public_triples(sample_db):
        if q.predicate.value == RDFS + "label":
            labels.setdefault(q.subject.value, {})[q.object.language] = q.object.value
    for p in hidden:
        shown = labels[str(p)]
        assert set(shown) == {"nl", "en"}
        org = g.value(p, rdflib.URIRef(CKG + "affiliatedWith"))
        if org is not None:
            assert shown["nl"].endswith(", " + str(g.value(org, rdflib.RDFS.label)))
    # A teacher-only person is "leraar, <school>" / "teacher, <school>".
    teacher = rdflib.URIRef(VOCAB + "role/teacher")
    only_teachers = [p for p in hidden if set(g.objects(p, rdflib.URIRef(CKG + "hasRole"))) == {teacher}]
    assert only_teachers and all(labels[str(p)]["nl"].startswith("leraar") for p in only_teachers)
    assert all(labels[str(p)]["en"].startswith("teacher") for p in only_teachers)


def test_public_people_keep_their_name_and_expertise(sample_db) -> None:
    g = sample()
    public = [p for p in g.subjects(CONSENT, PUBLIC)]
    triples = {(q.subject.value, q.predicate.value, q.object.value) for q in public_triples(sample_db)}
    for p in public:
        assert (str(p), RDFS + "label", str(g.value(p, rdflib.RDFS.label))) in triples
        for topic in g.objects(p, rdflib.URIRef("https://schema.org/knowsAbout")):
            assert (str(p), "https://schema.org/knowsAbout", str(topic)) in triples


def test_hidden_people_lose_declared_expertise_and_motivations_but_keep_structure(sample_db) -> None:
    g = sample()
    hidden = {str(p) for p in g.subjects(rdflib.RDF.type, PERSON) if (p, CONSENT, PUBLIC) not in g}
    quads = public_triples(sample_db)
    about_hidden = {q.predicate.value for q in quads if q.subject.value in hidden}
    assert "https://schema.org/knowsAbout" not in about_hidden
    assert about_hidden >= {CKG + "affiliatedWith", CKG + "hasMembership"}
    hidden_memberships = {q.subject.value for q in quads
                          if q.predicate.value == "http://www.w3.org/ns/org#member" and q.object.value in hidden}
    assert hidden_memberships
    assert not any(q.subject.value in hidden_memberships and q.predicate.value == CKG + "motivation" for q in quads)


def test_motivations_follow_one_policy_on_every_surface(sample_build, sample_db) -> None:
    """issue 14: pages showed motivations only signed in, but /sparql, /dump.nq and the Turtle
    documents published those of people with public consent. Now: internal only, everywhere."""
    from urllib.parse import quote

    from conftest import TOKEN

    from web import create_app

    g = sample()
    member = rdflib.URIRef("http://www.w3.org/ns/org#member")
    motivation = rdflib.URIRef(CKG + "motivation")
    consented = [(m, p, str(text)) for m, text in g.subject_objects(motivation)
                 for p in g.objects(m, member) if (p, CONSENT, PUBLIC) in g]
    assert consented, "the sample has a person with public consent and a motivation"
    membership, person, text = consented[0]
    local = str(person).rsplit("/", 1)[1]
    assert not any(q.predicate.value == CKG + "motivation" for q in public_triples(sample_db))

    store, _ = sample_build
    client = create_app({"KG_STORE": str(store.path), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "t"}).test_client()
    query = f"SELECT ?m WHERE {{ ?x <{CKG}motivation> ?m }}"
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    surfaces = [f"/doc/{local}", f"/doc/{local}?format=ttl", f"/doc/{str(membership).rsplit('/', 1)[1]}?format=ttl",
                "/dump.nq", "/dump.ttl", "/sparql?query=" + quote(query)]
    for url in surfaces:
        public = client.get(url, headers={"Accept": "application/sparql-results+json"} if "query" in url else {})
        assert public.status_code == 200, url
        body = public.get_data(as_text=True)
        assert text not in body, url
        if "query" in url:
            assert public.get_json()["results"]["bindings"] == []
    # Signed in, the same surfaces show it (the page, the documents, the dump and the endpoint).
    for url in [u for u in surfaces if u != f"/doc/{local}?format=ttl"]:  # the person's document has no memberships' facts
        headers = dict(bearer, **({"Accept": "application/sparql-results+json"} if "query" in url else {}))
        assert text in client.get(url, headers=headers).get_data(as_text=True), url
