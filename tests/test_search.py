"""Search over labels of actors and topics (kg.answers.search), checked against the sample files read with rdflib."""

from __future__ import annotations

import pytest
import rdflib
from rdflib import RDF, RDFS, Namespace, URIRef

from kg.answers.search import KINDS, MAX_LIMIT, search
from kg.model import resources
from kg.pipeline.build import core_sources
from kg.rdf.rdfio import collect_sources, parse_source, rdflib_graph

CKG = Namespace("https://w3id.org/connective-kg/ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
CONSENT_PUBLIC = URIRef("https://w3id.org/connective-kg/vocab/consent/public")

HOSTILE = ['"', "'", '\\', '"} UNION { ?s ?p ?o } #', "} UNION {", "') || true || ('", ".*", "[a-z]+", "(", ")",
           "^W", "W&T$", "a|b", "?iri", "<script>alert(1)</script>", "%", "_", "\\u0022", "${text}"]


@pytest.fixture(scope="module")
def db(sample_build):
    """The built sample in memory (as the web app has it)."""
    return sample_build[0].snapshot()


@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    """The ontology, the vocabularies and the sample files, as asserted (no reasoning)."""
    quads = []
    for source in core_sources() + collect_sources([resources.sample_dir()]):
        quads.extend(parse_source(source))
    return rdflib_graph(quads)


def labels_containing(g: rdflib.Graph, text: str) -> set[str]:
    """IRIs of actors (by rdfs:label) and topics (by SKOS labels) with a label containing `text`, any case."""
    actor_classes = set(g.transitive_subjects(RDFS.subClassOf, CKG.Actor))
    actors = {s for c in actor_classes for s in g.subjects(RDF.type, c)}
    found = {str(s) for s in actors for label in g.objects(s, RDFS.label) if text.casefold() in str(label).casefold()}
    found |= {str(s) for s in g.subjects(RDF.type, CKG.Topic)
              for label in [*g.objects(s, SKOS.prefLabel), *g.objects(s, SKOS.altLabel)]
              if text.casefold() in str(label).casefold()}
    return found


def rank(label: str, text: str) -> int:
    label, text = label.casefold(), text.casefold()
    if label == text:
        return 0
    if label.startswith(text):
        return 1
    if any(sep + text in label for sep in (" ", "-", "(")):
        return 2
    return 3


def test_finds_actors_and_topics_exactly_as_the_files_say(db, data) -> None:
    for text in ("kijkwijzer", "W&T", "lezen", "enschede"):
        hits = search(db, text, limit=MAX_LIMIT)
        assert {h["iri"] for h in hits} == labels_containing(data, text), text
        assert all(text.casefold() in h["matched"].casefold() for h in hits)
        assert {h["kind"] for h in hits} <= set(KINDS)
    kinds = {h["kind"] for h in search(db, "W&T", limit=MAX_LIMIT)}
    assert {"topic", "network", "artefact"} <= kinds


def test_exact_and_prefix_matches_come_before_substring_matches(db) -> None:
    hits = search(db, "W&T", limit=MAX_LIMIT)
    ranks = [rank(h["matched"], "W&T") for h in hits]
    assert ranks == sorted(ranks) and ranks[0] == 0 and 1 in ranks and (2 in ranks or 3 in ranks)
    assert hits[0]["kind"] == "topic" and hits[0]["label"] == "Wetenschap & Techniek" and hits[0]["matched"] == "W&T"
    for r in set(ranks):   # within a rank: by the shown label
        labels = [h["label"].casefold() for h, k in zip(hits, ranks) if k == r]
        assert labels == sorted(labels)
    # A label that starts with the text beats one that merely contains it.
    kijk = search(db, "kijk", limit=MAX_LIMIT)
    assert [rank(h["matched"], "kijk") for h in kijk] == sorted(rank(h["matched"], "kijk") for h in kijk)


def test_case_is_ignored_and_labels_follow_the_language(db) -> None:
    assert search(db, "KIJKWIJZER") == search(db, "kijkwijzer") == search(db, "  KijkWijzer ")
    en = search(db, "digitale geletterdheid", lang="en", kinds=["topic"])
    assert en[0]["label"] == "digital literacy" and en[0]["matched"] == "digitale geletterdheid"
    nl = search(db, "digital literacy", lang="nl", kinds=["topic"])
    assert nl[0]["label"] == "digitale geletterdheid"


def test_limit_and_kinds(db) -> None:
    many = search(db, "e", limit=20)
    assert len(many) == 20
    assert search(db, "e", limit=3) == many[:3]
    assert len({h["iri"] for h in search(db, "e", limit=MAX_LIMIT)}) == MAX_LIMIT   # one hit per IRI
    topics = search(db, "W&T", kinds=["topic"])
    assert topics and {h["kind"] for h in topics} == {"topic"}
    for bad in (0, MAX_LIMIT + 1):
        with pytest.raises(ValueError):
            search(db, "e", limit=bad)
    with pytest.raises(ValueError):
        search(db, "e", kinds=["school"])
    assert search(db, "") == search(db, "   ") == []


def test_public_view_hides_names_of_hidden_people(db, data) -> None:
    hidden = {str(p): str(data.value(p, RDFS.label)) for p in data.subjects(RDF.type, CKG.Person)
              if (p, CKG.consent, CONSENT_PUBLIC) not in data}
    assert hidden
    some = sorted(hidden.items())[:10]
    for iri, name in some:
        assert iri in {h["iri"] for h in search(db, name)}, name          # internal: found by name
        assert iri not in {h["iri"] for h in search(db, name, view="public")}, name
    # Their anonymous role label can match in the public view, never their name.
    public = search(db, "leraar", view="public", limit=MAX_LIMIT)
    anonymous = [h for h in public if h["iri"] in hidden]
    assert anonymous and all(h["label"].startswith("leraar") for h in anonymous)
    names = set(hidden.values())
    for text in ("a", "e", "o", "leraar", "coördinator"):
        for h in search(db, text, view="public", limit=MAX_LIMIT):
            assert h["label"] not in names and h["matched"] not in names


@pytest.mark.parametrize("text", HOSTILE)
def test_injection_looking_input_is_just_text(db, data, text: str) -> None:
    hits = search(db, text, limit=MAX_LIMIT)
    assert {h["iri"] for h in hits} == labels_containing(data, " ".join(text.split()))
    assert all(text.casefold() in h["matched"].casefold() for h in hits)


def test_regex_characters_match_literally(db, data) -> None:
    hits = search(db, "(", limit=MAX_LIMIT)
    assert hits and all("(" in h["matched"] for h in hits)
    assert search(db, ".*") == [] and search(db, "[a-z]+") == []
