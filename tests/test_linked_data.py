"""Linked data over the built Twente sample: dereferencing, content negotiation, documents
compared by isomorphism with descriptions computed independently (rdflib over the view's
quads and over the sample files), the ontology, vocabularies, JSON-LD context, VoID and dumps,
and what the public may see."""

from __future__ import annotations

import json
import socket
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SKOS

from kg.model import resources
from kg.model.namespaces import CKG, ONTOLOGY_GRAPH, PUBLIC_GRAPH, PUBLIC_GRAPHS, VOCAB
from kg.store import view_graphs
from tests.conftest import TOKEN
from web import create_app

BASE = "https://knll-twente.example/id/"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCT = "http://purl.org/dc/terms/"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
OWL_VERSION = rdflib.URIRef("http://www.w3.org/2002/07/owl#versionInfo")
PARSER = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}
MEDIA = {"html": "text/html", "ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples",
         "rdf": "application/rdf+xml"}
BEARER = {"Authorization": f"Bearer {TOKEN}"}
TOPIC = VOCAB + "topic/science-technology"


# --- fixtures ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(sample_build):
    store, _ = sample_build
    return create_app({"KG_STORE": str(store.path), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test", "TESTING": True,
                       "KG_BASE_URL": "http://localhost/"})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def sample() -> rdflib.Graph:
    g = rdflib.Graph()
    for f in resources.sample_dir().glob("*.ttl"):
        g.parse(f)
    return g


@pytest.fixture(scope="module")
def hidden(sample) -> tuple[str, str]:
    """A person without public consent who has at least two memberships: (IRI, name)."""
    public = rdflib.URIRef(VOCAB + "consent/public")
    for p in sorted(sample.subjects(RDF.type, rdflib.URIRef(CKG + "Person"))):
        if (p, rdflib.URIRef(CKG + "consent"), public) not in sample and \
                len(list(sample.subjects(rdflib.URIRef(ORG + "member"), p))) >= 2:
            return str(p), str(sample.value(p, RDFS.label))
    raise AssertionError("the sample has no hidden person with two memberships")


@pytest.fixture(scope="module")
def views(sample_db) -> dict[str, rdflib.Graph]:
    """Each view's merged graph, read by rdflib from the view's quads (independent of kg.answers.describe)."""
    out = {}
    for v in ("public", "internal"):
        triples = {ox.Triple(q.subject, q.predicate, q.object)
                   for g in view_graphs(sample_db, v) for q in sample_db.quads_for_pattern(None, None, None, g)}
        out[v] = rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return out


def expected_description(g: rdflib.Graph, iri: str, document: str) -> rdflib.Graph:
    """The concise bounded description (following blank nodes), the statements pointing at the entity,
    the labels of every IRI mentioned, and the document metadata: written straight from the definition."""
    out = rdflib.Graph()
    entity = rdflib.URIRef(iri)
    todo, seen = [entity], {entity}
    while todo:
        s = todo.pop()
        for p, o in g.predicate_objects(s):
            out.add((s, p, o))
            if isinstance(o, rdflib.BNode) and o not in seen:
                seen.add(o)
                todo.append(o)
    for s, p in g.subject_predicates(entity):
        out.add((s, p, entity))
    mentioned = {t for triple in out for t in triple if isinstance(t, rdflib.URIRef)}
    for t in mentioned:
        for lp in (RDFS.label, SKOS.prefLabel):
            for label in g.objects(t, lp):
                out.add((t, lp, label))
    doc = rdflib.URIRef(document)
    out.add((doc, RDF.type, rdflib.URIRef(FOAF + "Document")))
    out.add((doc, rdflib.URIRef(FOAF + "primaryTopic"), entity))
    out.add((doc, rdflib.URIRef(DCT + "isPartOf"), rdflib.URIRef("http://localhost/.well-known/void#dataset")))
    return out


def parse(resp, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=resp.get_data(), format=PARSER[fmt])


@pytest.fixture()
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


# --- dereferencing ------------------------------------------------------------------

def test_entity_iri_redirects_303_to_its_document_with_vary_accept(client) -> None:
    r = client.get("/id/p001", headers={"Accept": "text/turtle"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/doc/p001")
    assert "Accept" in r.vary
    r = client.get("/id/m-p001-plg-wt?format=jsonld&lang=en")
    assert r.status_code == 303 and r.headers["Location"].endswith("/doc/m-p001-plg-wt?format=jsonld&lang=en")
    followed = client.get("/id/p001?format=ttl", follow_redirects=True)
    assert followed.status_code == 200 and followed.mimetype == "text/turtle"


# --- content negotiation ----------------------------------------------------------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
MATRIX = [
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    ("text/html", "html"),
    (BROWSER, "html"),
    ("*/*", "html"),
    (None, "html"),
    ("text/*", "html"),
    ("application/*", "jsonld"),
    ("application/json", "jsonld"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "jsonld"),
    ("application/n-triples, text/turtle;q=0.2", "nt"),
    ("text/html;q=0.1, text/turtle", "ttl"),
    ("text/html;q=0.1, application/rdf+xml;q=0.3, */*;q=0.2", "rdf"),
    ("text/turtle;q=0, */*;q=0.5", "html"),
    ("text/html;q=0, text/*;q=0.8", "ttl"),
    ('application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"', "jsonld"),
]


@pytest.mark.parametrize("accept,fmt", MATRIX)
def test_vocabulary_concept_negotiates_by_accept_with_q_values(client, accept, fmt) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    r = client.get("/vocab/topic/science-technology", headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == MEDIA[fmt]
    assert "Accept" in r.vary
    if fmt != "html":
        assert (rdflib.URIRef(TOPIC), SKOS.prefLabel, rdflib.Literal("Science & Technology", lang="en")) in parse(r, fmt)


@pytest.mark.parametrize("accept,fmt", [(a, f) for a, f in MATRIX if f != "html"])
def test_entity_document_negotiates_every_rdf_format(client, accept, fmt) -> None:
    r = client.get("/doc/p001", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == MEDIA[fmt] and "Accept" in r.vary
    assert (rdflib.URIRef(BASE + "p001"), RDF.type, rdflib.URIRef(CKG + "Person")) in parse(r, fmt)


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "nt", "rdf", "html"])
def test_format_parameter_overrides_accept(client, fmt) -> None:
    r = client.get(f"/vocab/topic/science-technology?format={fmt}", headers={"Accept": "image/png, text/turtle;q=0.1"})
    assert r.status_code == 200 and r.mimetype == MEDIA[fmt] and "Accept" in r.vary


def test_nothing_acceptable_is_406_listing_the_formats(client) -> None:
    for path in ("/doc/p001", "/vocab/topic/science-technology", "/ns", "/.well-known/void", "/shapes"):
        r = client.get(path, headers={"Accept": "image/png, text/turtle;q=0"})
        assert r.status_code == 406, path
        assert "Accept" in r.vary
        text = r.get_data(as_text=True)
        assert "application/ld+json (?format=jsonld)" in text and "application/n-triples" in text
        assert "text/turtle" in text  # listed as available even though the client refused it
    r = client.get("/shapes?format=html")
    assert r.status_code == 406
    r = client.get("/doc/p001?format=docx")
    assert r.status_code == 400 and "?format=ttl" in r.get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["html", "ttl", "jsonld", "nt"])
def test_unknown_entity_is_404_with_a_dutch_and_english_message_in_the_negotiated_format(client, fmt) -> None:
    r = client.get("/doc/no-such-entity", headers={"Accept": MEDIA[fmt]})
    assert r.status_code == 404 and "Accept" in r.vary
    text = r.get_data(as_text=True)
    if fmt == "jsonld":
        message = r.get_json()["message"]
        assert set(message) == {"nl", "en"} and "not in the knowledge graph" in message["en"]
    else:
        assert "niet in de kennisgraaf" in text and "not in the knowledge graph" in text
        assert r.mimetype == ("text/html" if fmt == "html" else "text/plain")
    assert client.get("/vocab/topic/no-such-topic", headers={"Accept": "text/turtle"}).status_code == 404


def test_the_404_page_does_not_echo_the_requested_path(client) -> None:
    r = client.get("/doc/%3Cscript%3Ealert(1)%3C/script%3E", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert "<script>alert" not in r.get_data(as_text=True)


def test_html_branch_of_a_document_is_the_page_of_web_pages(sample_build, monkeypatch) -> None:
    """The HTML negotiated for /doc/<id> is what web.pages.render_document(<id>) returns (an app of
    its own without the page cache: the stand-in renderer's answers must not be kept for others)."""
    import web.pages

    app = create_app({"KG_STORE": str(sample_build[0].path), "KG_SECRET_KEY": "test", "TESTING": True,
                      "KG_PAGE_CACHE_MB": 0})
    client = app.test_client()

    calls = []

    def page(local: str) -> str | None:
        calls.append(local)
        return None if local == "nobody" else f"<!doctype html><title>page of {local}</title>"

    monkeypatch.setattr(web.pages, "render_document", page)
    for headers in ({"Accept": BROWSER}, {"Accept": "*/*"}, {}):
        r = client.get("/doc/p001", headers=headers)
        assert r.status_code == 200 and r.mimetype == "text/html" and "Accept" in r.vary
        assert r.get_data(as_text=True) == "<!doctype html><title>page of p001</title>"
    assert client.get("/doc/p001?format=html", headers={"Accept": "text/turtle"}).mimetype == "text/html"
    assert calls == ["p001"] * 4
    # The renderer answers None for what the view does not know: the linked-data 404 in nl and en.
    r = client.get("/doc/nobody", headers={"Accept": "text/html"})
    assert r.status_code == 404 and calls == ["p001"] * 4 + ["nobody"]
    assert "niet in de kennisgraaf" in r.get_data(as_text=True) and "not in the knowledge graph" in r.get_data(as_text=True)
    app.extensions["kg"].close()


def test_a_page_exists_exactly_when_the_rdf_description_does(app) -> None:
    """The HTML page no longer builds the RDF description to decide 404: the page's profile
    (kg.answers.actors.profile) is None exactly when the description is empty, for every IRI of
    the store (subjects and objects) and unknown ones, in both views."""
    from kg.answers import actors
    from kg.answers import describe as kd

    db = app.extensions["kg"].db()
    iris = {t.value for q in db.quads_for_pattern(None, None, None, None) for t in (q.subject, q.object)
            if isinstance(t, ox.NamedNode) and t.value.startswith(BASE)}
    iris |= {BASE + "no-such-entity", BASE + "p001/extra", "https://elsewhere.example/x"}
    assert len(iris) > 300
    for view in ("public", "internal"):
        differ = [iri for iri in sorted(iris)
                  if bool(kd.describe(db, iri, view)) != (actors.profile(db, iri, view, "nl") is not None)]
        assert differ == [], view


def test_html_document_is_the_real_actor_page(client, sample) -> None:
    r = client.get("/id/p001", headers={"Accept": BROWSER}, follow_redirects=True)
    assert r.status_code == 200 and r.mimetype == "text/html" and "Accept" in r.vary
    name = str(sample.value(rdflib.URIRef(BASE + "p001"), RDFS.label))
    assert name in r.get_data(as_text=True)


def test_hidden_person_html_page_shows_the_name_only_internally(client, hidden) -> None:
    iri, name = hidden
    public = client.get(f"/doc/{iri[len(BASE):]}", headers={"Accept": "text/html"})
    assert public.status_code == 200 and public.mimetype == "text/html"
    assert name not in public.get_data(as_text=True)
    internal = client.get(f"/doc/{iri[len(BASE):]}", headers={"Accept": "text/html", **BEARER})
    assert internal.status_code == 200 and name in internal.get_data(as_text=True)


# --- documents: content compared with independent descriptions -------------------------

@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "nt", "rdf"])
@pytest.mark.parametrize("local", ["p001", "m-p001-plg-wt", "a-kijkwijzer-ol", "c-knll"])
def test_public_document_is_isomorphic_to_the_expected_description(client, views, fmt, local) -> None:
    r = client.get(f"/doc/{local}?format={fmt}")
    assert r.status_code == 200
    expected = expected_description(views["public"], BASE + local, f"http://localhost/doc/{local}")
    got = parse(r, fmt)
    assert isomorphic(got, expected), (len(got), len(expected))


def test_document_holds_what_the_sample_files_say_about_the_person(client, sample) -> None:
    """Independent of the store: every statement in the sample files about p001 (a public person)
    and every membership pointing at p001 is in p001's public document."""
    got = parse(client.get("/doc/p001?format=nt"), "nt")
    p001 = rdflib.URIRef(BASE + "p001")
    stated = list(sample.triples((p001, None, None))) + list(sample.triples((None, None, p001)))
    assert len(stated) > 10
    assert [t for t in stated if t not in got] == []
    memberships = set(sample.subjects(rdflib.URIRef(ORG + "member"), p001))
    assert memberships and memberships <= set(got.subjects(rdflib.URIRef(ORG + "member"), p001))
    # Labels of the things it points at, e.g. its school.
    school = sample.value(p001, rdflib.URIRef(CKG + "affiliatedWith"))
    assert (school, RDFS.label, sample.value(school, RDFS.label)) in got


def test_relation_node_document_follows_its_owl_time_interval(client, views) -> None:
    got = parse(client.get("/doc/m-p001-plg-wt?format=ttl"), "ttl")
    m = rdflib.URIRef(BASE + "m-p001-plg-wt")
    interval = got.value(m, rdflib.URIRef(ORG + "memberDuring"))
    assert isinstance(interval, rdflib.BNode)
    start = got.value(interval, rdflib.URIRef("http://www.w3.org/2006/time#hasBeginning"))
    date = got.value(start, rdflib.URIRef("http://www.w3.org/2006/time#inXSDDate"))
    assert str(date) == "2017-09-14"
    doc = rdflib.URIRef("http://localhost/doc/m-p001-plg-wt")
    assert (doc, rdflib.URIRef(FOAF + "primaryTopic"), m) in got
    assert (doc, rdflib.URIRef(DCT + "isPartOf"), rdflib.URIRef("http://localhost/.well-known/void#dataset")) in got


def test_jsonld_is_compacted_with_an_inline_local_context_and_parses_offline(client, no_network) -> None:
    r = client.get("/doc/m-p001-plg-wt", headers={"Accept": "application/ld+json"})
    doc = json.loads(r.get_data())
    assert isinstance(doc["@context"], dict), "the context must be inline, never a URL to fetch"
    assert all(not isinstance(v, str) or not v.startswith("http") or v.endswith(("/", "#"))
               for v in doc["@context"].values())
    first = doc["@graph"][0]
    assert first["id"] == BASE + "m-p001-plg-wt"
    # Readable: terms from the project's context, not expanded IRIs.
    assert first["member"] == BASE + "p001" and first["organization"] == BASE + "n-plg-wt"
    assert "Membership" in first["type"] and first["participationLevel"] == "level:core"
    # Both an rdflib and a pyoxigraph JSON-LD parser read it without any network access.
    g = parse(r, "jsonld")
    assert (rdflib.URIRef(BASE + "m-p001-plg-wt"), rdflib.URIRef(ORG + "member"), rdflib.URIRef(BASE + "p001")) in g
    quads = list(ox.parse(r.get_data(), format=ox.RdfFormat.JSON_LD))
    assert len(quads) == len(g)
    # The context only lists what the document uses.
    used = set(json.dumps(doc["@graph"]).replace('"', " ").replace(":", " ").split())
    assert all(k in used or k in ("id", "type") or any(k + ":" in json.dumps(v) for v in doc["@context"].values())
               for k in doc["@context"])


# --- privacy: public versus internal -------------------------------------------------------

@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "nt", "rdf"])
def test_hidden_person_document_has_no_name_publicly_and_the_name_with_the_bearer_token(client, hidden, fmt) -> None:
    iri, name = hidden
    local = iri[len(BASE):]
    public = client.get(f"/doc/{local}?format={fmt}")
    assert public.status_code == 200
    assert name not in public.get_data(as_text=True)
    g = parse(public, fmt)
    labels = {str(o) for o in g.objects(rdflib.URIRef(iri), RDFS.label)}
    assert len(labels) == 2 and all(name not in lab for lab in labels)  # the anonymous role, nl and en
    # Structure stays: the memberships pointing at them are listed.
    assert len(list(g.subjects(rdflib.URIRef(ORG + "member"), rdflib.URIRef(iri)))) >= 2
    assert "Cache-Control" not in public.headers or "private" not in public.headers["Cache-Control"]

    internal = client.get(f"/doc/{local}?format={fmt}", headers=BEARER)
    assert internal.status_code == 200
    assert (rdflib.URIRef(iri), RDFS.label, rdflib.Literal(name)) in parse(internal, fmt)
    assert "private" in internal.headers["Cache-Control"]


def test_internal_document_is_isomorphic_to_the_internal_description(client, views, hidden) -> None:
    iri, _ = hidden
    local = iri[len(BASE):]
    got = parse(client.get(f"/doc/{local}?format=nt", headers=BEARER), "nt")
    assert isomorphic(got, expected_description(views["internal"], iri, f"http://localhost/doc/{local}"))
    got = parse(client.get(f"/doc/{local}?format=nt"), "nt")
    assert isomorphic(got, expected_description(views["public"], iri, f"http://localhost/doc/{local}"))


def test_a_wrong_bearer_token_sees_the_public_view(client, hidden) -> None:
    iri, name = hidden
    r = client.get(f"/doc/{iri[len(BASE):]}?format=ttl", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 200 and name not in r.get_data(as_text=True)


# --- ontology, context, vocabularies, shapes --------------------------------------------------

def test_ontology_is_turtle_for_rdf_clients_and_html_for_browsers(client) -> None:
    onto = rdflib.Graph().parse(resources.ontology_file())
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "text/turtle"}):
        r = client.get("/ns", headers=headers)
        assert r.mimetype == "text/turtle" and "Accept" in r.vary
        assert isomorphic(parse(r, "ttl"), onto)
    for fmt in ("jsonld", "nt", "rdf"):
        assert isomorphic(parse(client.get(f"/ns?format={fmt}"), fmt), onto), fmt

    html = client.get("/ns", headers={"Accept": BROWSER})
    assert html.mimetype == "text/html"
    ids = Ids()
    ids.feed(html.get_data(as_text=True))
    classes = {str(c)[len(CKG):] for c in onto.subjects(RDF.type, rdflib.OWL.Class) if str(c).startswith(CKG)}
    properties = {str(p)[len(CKG):] for t in (rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty)
                  for p in onto.subjects(RDF.type, t) if str(p).startswith(CKG)}
    assert classes | properties <= ids.ids  # /ns#Person, /ns#memberOf, ... land on their row
    text = client.get("/ns?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "observation guide" in text and "kijkwijzer" in text  # English label with the Dutch one beside it
    assert str(onto.value(rdflib.URIRef("https://w3id.org/connective-kg/ns"), OWL_VERSION)) in text


class Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def test_jsonld_context_is_served_locally_and_covers_the_ontology(client) -> None:
    r = client.get("/ns/context.jsonld")
    assert r.status_code == 200 and r.mimetype == "application/ld+json"
    ctx = json.loads(r.get_data())["@context"]
    assert ctx == json.loads((resources.ontology_dir() / "context.jsonld").read_text())["@context"]
    onto = rdflib.Graph().parse(resources.ontology_file())
    props = {str(p) for t in (rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty)
             for p in onto.subjects(RDF.type, t) if str(p).startswith(CKG)}
    prefixes = {k for k, v in ctx.items() if isinstance(v, str) and v.endswith(("/", "#"))}
    for p in props:
        name = p[len(CKG):]
        if name in prefixes:  # ckg:topic, ckg:consent, ...: written as compact IRIs
            continue
        assert ctx[name]["@id"] == "ckg:" + name, name
        expect_id = (rdflib.URIRef(p), RDF.type, rdflib.OWL.ObjectProperty) in onto
        assert (ctx[name].get("@type") == "@id") == expect_id, name
    # A document written with this context parses back to the same graph.
    data = json.dumps({"@context": ctx, "@id": BASE + "m1", "member": BASE + "p1", "hoursPerYear": "40"})
    g = rdflib.Graph().parse(data=data, format="json-ld")
    assert (rdflib.URIRef(BASE + "m1"), rdflib.URIRef(ORG + "member"), rdflib.URIRef(BASE + "p1")) in g


def test_topic_concept_page_and_rdf(client, views) -> None:
    vocab = rdflib.Graph().parse(resources.vocabularies_file())
    topic = rdflib.URIRef(TOPIC)
    r = client.get("/vocab/topic/science-technology?lang=en", headers={"Accept": "text/html"})
    text = r.get_data(as_text=True)
    assert "Science &amp; Technology" in text and "Wetenschap &amp; Techniek" in text
    for d in vocab.objects(topic, SKOS.definition):
        assert str(d) in text
    page = Ids()
    page.feed(text)
    narrower = {str(n) for n in vocab.subjects(SKOS.broader, topic)}
    assert narrower and {"/vocab/" + n[len(VOCAB):] for n in narrower} <= set(page.links)
    assert "/who-knows?topic=science-technology" in page.links
    assert "/vocab/topics" in page.links
    # A narrower concept links back to its broader one.
    child = Ids()
    child.feed(client.get("/vocab/topic/inquiry-learning", headers={"Accept": "text/html"}).get_data(as_text=True))
    assert "/vocab/topic/science-technology" in child.links
    got = parse(client.get("/vocab/topic/science-technology?format=ttl"), "ttl")
    assert isomorphic(got, expected_description(views["public"], TOPIC, "http://localhost/vocab/topic/science-technology"))


def test_concept_scheme_page_lists_its_concepts(client) -> None:
    page = Ids()
    page.feed(client.get("/vocab/topics", headers={"Accept": "text/html"}).get_data(as_text=True))
    assert "/vocab/topic/science-technology" in page.links and "/vocab/topic/digital-literacy" in page.links


def test_shapes_are_served_as_turtle(client) -> None:
    expected = rdflib.Graph()
    for f in resources.shape_files():
        expected.parse(f)
    r = client.get("/shapes")
    assert r.mimetype == "text/turtle" and isomorphic(parse(r, "ttl"), expected)


# --- VoID -----------------------------------------------------------------------------

def distinct_triples(db: ox.Store, view: str) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object)
            for g in view_graphs(db, view) for q in db.quads_for_pattern(None, None, None, g)}


@pytest.mark.parametrize("view,headers", [("public", {}), ("internal", BEARER)])
def test_void_describes_the_dataset_with_the_counts_of_the_callers_view(client, sample_db, view, headers) -> None:
    r = client.get("/.well-known/void", headers=headers)
    assert r.status_code == 200 and r.mimetype == "text/turtle" and "Accept" in r.vary
    g = parse(r, "ttl")
    ds = rdflib.URIRef("http://localhost/.well-known/void#dataset")
    assert (ds, RDF.type, VOID.Dataset) in g and (ds, RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")) in g
    assert {o.language for o in g.objects(ds, rdflib.URIRef(DCT + "title"))} == {"nl", "en"}
    assert {o.language for o in g.objects(ds, rdflib.URIRef(DCT + "description"))} == {"nl", "en"}
    assert g.value(ds, VOID.sparqlEndpoint) == rdflib.URIRef("http://localhost/sparql")
    assert set(g.objects(ds, VOID.dataDump)) == {rdflib.URIRef("http://localhost/dump.nq"),
                                                rdflib.URIRef("http://localhost/dump.ttl")}
    assert str(g.value(ds, VOID.uriSpace)) == BASE
    vocabularies = {str(v) for v in g.objects(ds, VOID.vocabulary)}
    assert {CKG, ORG, "http://www.w3.org/ns/prov#", str(SKOS), "https://schema.org/", DCT,
            "http://www.w3.org/2006/time#"} <= vocabularies
    assert g.value(ds, rdflib.URIRef(DCT + "license")) is not None
    dists = set(g.objects(ds, rdflib.URIRef("http://www.w3.org/ns/dcat#distribution")))
    urls = {str(g.value(d, rdflib.URIRef("http://www.w3.org/ns/dcat#downloadURL"))) for d in dists}
    assert urls == {"http://localhost/dump.nq", "http://localhost/dump.ttl"}
    onto = rdflib.Graph().parse(resources.ontology_file())
    version = onto.value(rdflib.URIRef("https://w3id.org/connective-kg/ns"), OWL_VERSION)
    assert g.value(rdflib.URIRef("https://w3id.org/connective-kg/ns"), OWL_VERSION) == version

    # The counts, recomputed from the store's quads for this view.
    triples = distinct_triples(sample_db, view)
    assert int(g.value(ds, VOID.triples)) == len(triples)
    subjects = {t.subject for t in triples}
    assert int(g.value(ds, VOID.distinctSubjects)) == len(subjects)
    assert int(g.value(ds, VOID.entities)) == len({s for s in subjects if isinstance(s, ox.NamedNode)
                                                    and s.value.startswith(BASE)})
    types = [t for t in triples if t.predicate.value == str(RDF.type)]
    assert int(g.value(ds, VOID.classes)) == len({t.object for t in types})
    assert int(g.value(ds, VOID.properties)) == len({t.predicate for t in triples})
    partition = {str(g.value(p, VOID["class"])): int(g.value(p, VOID.entities)) for p in g.objects(ds, VOID.classPartition)}
    persons = {t.subject for t in types if t.object.value == CKG + "Person"}
    assert partition[CKG + "Person"] == len(persons) > 100
    assert len(partition) == len({t.object for t in types if isinstance(t.object, ox.NamedNode)})


def test_void_is_negotiated(client) -> None:
    r = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert r.mimetype == "application/ld+json"
    assert isomorphic(parse(r, "jsonld"), parse(client.get("/.well-known/void?format=nt"), "nt"))


# --- dumps -----------------------------------------------------------------------------

def test_public_dumps_hold_the_public_view_and_no_hidden_name(client, sample, sample_db) -> None:
    public = rdflib.URIRef(VOCAB + "consent/public")
    names = {str(sample.value(p, RDFS.label)) for p in sample.subjects(RDF.type, rdflib.URIRef(CKG + "Person"))
             if (p, rdflib.URIRef(CKG + "consent"), public) not in sample}
    assert len(names) >= 20

    r = client.get("/dump.nq")
    assert r.status_code == 200 and r.mimetype == "application/n-quads"
    assert r.headers["Content-Disposition"].startswith("attachment;") and ".nq" in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    assert not [n for n in names if n in text]
    ds = rdflib.Dataset()
    ds.parse(data=text, format="nquads")
    graphs = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert graphs == set(PUBLIC_GRAPHS)
    expected = sum(1 for g in PUBLIC_GRAPHS for _ in sample_db.quads_for_pattern(None, None, None, ox.NamedNode(g)))
    assert sum(len(g) for g in ds.graphs()) == expected

    r = client.get("/dump.ttl")
    assert r.mimetype == "text/turtle" and "attachment" in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    assert not [n for n in names if n in text]
    assert len(rdflib.Graph().parse(data=text, format="turtle")) == len(distinct_triples(sample_db, "public"))


def test_internal_dump_holds_every_graph_except_the_public_copy(client, sample_db, hidden) -> None:
    r = client.get("/dump.nq", headers=BEARER)
    assert r.status_code == 200 and "private" in r.headers["Cache-Control"]
    got = set(ox.parse(r.get_data(), format=ox.RdfFormat.N_QUADS))
    expected = {q for q in sample_db.quads_for_pattern(None, None, None, None)
                if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value != PUBLIC_GRAPH}
    assert got == expected
    assert ox.NamedNode(ONTOLOGY_GRAPH) in {q.graph_name for q in got}
    assert hidden[1] in r.get_data(as_text=True)
    ttl = client.get("/dump.ttl", headers=BEARER)
    assert len(rdflib.Graph().parse(data=ttl.get_data(), format="turtle")) == len(distinct_triples(sample_db, "internal"))


@pytest.mark.parametrize("config, base", [({"KG_BASE_URL": "https://kg.example.org"}, "https://kg.example.org/"),
                                          ({}, "https://knll-twente.example/")])
def test_the_host_header_is_never_echoed_into_descriptions(sample_build, config, base) -> None:
    """issue 14: the service description and VoID named whatever Host the client sent."""
    store, _ = sample_build
    client = create_app({"KG_STORE": str(store.path), "KG_SECRET_KEY": "test", **config}).test_client()
    evil = {"Host": "evil.example:666", "Accept": "text/turtle"}
    for url in ("/.well-known/void", "/sparql", "/doc/p001?format=ttl", "/sparql?lang=en"):
        r = client.get(url, headers=evil if "lang" not in url else {"Host": "evil.example:666"})
        assert r.status_code == 200, url
        assert "evil.example" not in r.get_data(as_text=True), url
    void_graph = rdflib.Graph().parse(data=client.get("/.well-known/void", headers=evil).get_data(as_text=True),
                                      format="turtle")
    ds = rdflib.URIRef(base + ".well-known/void#dataset")
    assert (ds, RDF.type, VOID.Dataset) in void_graph
    assert void_graph.value(ds, VOID.sparqlEndpoint) == rdflib.URIRef(base + "sparql")
    sd_graph = rdflib.Graph().parse(data=client.get("/sparql", headers=evil).get_data(as_text=True), format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert set(sd_graph.objects(None, sd.endpoint)) == {rdflib.URIRef(base + "sparql")}
