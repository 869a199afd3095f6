"""The expertise finder (kg.answers.expertise.who_knows) on the Twente sample.

Expected actors and scores are recomputed here from the raw rows of the
`expertise-evidence` query per topic (grouped and weighted by this file's own
copy of the documented weights), and checked against the sample files read
with rdflib (names, consent, the SKOS hierarchy).
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
import rdflib
from rdflib import RDF, RDFS, Namespace, URIRef

from kg.answers import expertise
from kg.model import resources
from kg.pipeline.build import core_sources
from kg.rdf.rdfio import collect_sources, parse_source, rdflib_graph
from kg.sparql import queries

CKG = Namespace("https://w3id.org/connective-kg/ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SCHEMA = Namespace("https://schema.org/")
TOPIC = Namespace("https://w3id.org/connective-kg/vocab/topic/")
CONSENT_PUBLIC = URIRef("https://w3id.org/connective-kg/vocab/consent/public")
LEVEL = "https://w3id.org/connective-kg/vocab/level/"
WT, DL = str(TOPIC["science-technology"]), str(TOPIC["digital-literacy"])

# The weights as documented in docs/expertise-finder.md.
DOCUMENTED_WEIGHTS = {"declared": 2.0, "attribution": 3.0, "authored": 3.0, "joint-work": 2.0,
                      "artefact": 3.0, "network": 3.0}
DOCUMENTED_LEVELS = {LEVEL + "core": 2.0, LEVEL + "active": 1.0, LEVEL + "peripheral": 0.5, None: 1.0}
EVIDENCE_KEYS = {"kind", "topic", "via", "level", "matched", "weight", "label"}
RESULT_KEYS = {"iri", "label", "type", "class", "score", "evidence"}


@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    """The sample files plus the vocabularies, as asserted (no reasoning)."""
    quads = []
    for source in [core_sources()[1]] + collect_sources([resources.sample_dir()]):
        quads.extend(parse_source(source))
    return rdflib_graph(quads)


@pytest.fixture(scope="module")
def sample_db(sample_build):
    """The built sample copied into memory (what the web app queries; several times faster than disk)."""
    return sample_build[0].snapshot()


@pytest.fixture(scope="module")
def wt_dl(sample_db) -> dict:
    return expertise.who_knows(sample_db, ["W&T", "digitale geletterdheid"])


def narrower_or_self(g: rdflib.Graph, topic: str) -> set[str]:
    found, todo = {topic}, [URIRef(topic)]
    while todo:
        for n in g.subjects(SKOS.broader, todo.pop()):
            if str(n) not in found:
                found.add(str(n))
                todo.append(n)
    return found


def hidden_people(g: rdflib.Graph) -> dict[str, str]:
    """{iri: name} of people without public consent."""
    return {str(p): str(g.value(p, RDFS.label)) for p in g.subjects(RDF.type, CKG.Person)
            if (p, CKG.consent, CONSENT_PUBLIC) not in g}


def evidence_rows(db, topic: str, view: str = "internal") -> list[dict]:
    rows = queries.run(db, "expertise-evidence", {"topic": topic}, view)
    return [{k: (r[k].value if r[k] is not None else None) for k in ("actor", "kind", "via", "level", "matched")}
            for r in rows]


def expected_scores(db, topics: list[str], view: str = "internal") -> dict[str, float]:
    """Actor -> score, for actors with evidence for every topic: one item per (topic, kind, via),
    a membership weighted by its deepest level."""
    per_topic: list[dict[str, dict]] = []
    for topic in topics:
        items: dict[str, dict] = defaultdict(dict)
        for r in evidence_rows(db, topic, view):
            key = (r["kind"], r["via"])
            w = DOCUMENTED_LEVELS.get(r["level"]) if r["kind"] == "membership" else DOCUMENTED_WEIGHTS[r["kind"]]
            items[r["actor"]][key] = max(items[r["actor"]].get(key, 0.0), w)
        per_topic.append(items)
    both = set.intersection(*(set(items) for items in per_topic))
    return {a: sum(sum(items[a].values()) for items in per_topic) for a in both}


def test_the_module_weights_are_the_documented_ones() -> None:
    for kind, w in DOCUMENTED_WEIGHTS.items():
        assert expertise.weight(kind) == w
    for level, w in DOCUMENTED_LEVELS.items():
        assert expertise.weight("membership", level) == w


def test_wt_and_digital_literacy_returns_exactly_the_actors_with_evidence_for_both(sample_db, wt_dl, data) -> None:
    expected = expected_scores(sample_db, [WT, DL])
    assert {r["iri"] for r in wt_dl["results"]} == set(expected)
    assert {r["iri"]: r["score"] for r in wt_dl["results"]} == expected
    people = [r for r in wt_dl["results"] if r["type"] == "person"]
    assert len(people) >= 3
    # ANT: artefacts and networks are answers too.
    assert {"person", "artefact", "network"} <= {r["type"] for r in wt_dl["results"]}
    # Ranked by score, ties by label then IRI; labels are the names in the files.
    names = {r["iri"]: str(data.value(URIRef(r["iri"]), RDFS.label)) for r in wt_dl["results"]}
    order = sorted(expected, key=lambda a: (-expected[a], names[a].casefold(), a))
    assert [r["iri"] for r in wt_dl["results"]] == order
    assert [r["label"] for r in wt_dl["results"]] == [names[a] for a in order]


def test_every_result_shows_why_with_evidence_for_each_topic(wt_dl, data) -> None:
    assert wt_dl["topics"] == [
        {"iri": WT, "label": "Wetenschap & Techniek", "text": "W&T"},
        {"iri": DL, "label": "digitale geletterdheid", "text": "digitale geletterdheid"}]
    scope = {WT: narrower_or_self(data, WT), DL: narrower_or_self(data, DL)}
    for r in wt_dl["results"]:
        assert set(r) == RESULT_KEYS
        assert {e["topic"]["iri"] for e in r["evidence"]} == {WT, DL}, r["label"]
        assert r["score"] == sum(e["weight"] for e in r["evidence"])
        for e in r["evidence"]:
            assert set(e) == EVIDENCE_KEYS
            assert e["kind"] in DOCUMENTED_WEIGHTS or e["kind"] == "membership"
            assert e["matched"] and {m["iri"] for m in e["matched"]} <= scope[e["topic"]["iri"]]
            assert e["label"] and all(m["label"] in e["label"] for m in e["matched"])
            if e["via"]:
                assert e["via"]["label"] in e["label"]
    # The top people have evidence of several kinds, as the question asks.
    kinds = {e["kind"] for r in wt_dl["results"][:5] for e in r["evidence"]}
    assert {"declared", "membership", "authored", "joint-work", "attribution"} <= kinds


def test_declared_evidence_matches_the_files(sample_db, wt_dl, data) -> None:
    scope = narrower_or_self(data, DL)
    for r in wt_dl["results"]:
        declared = {str(t) for t in data.objects(URIRef(r["iri"]), SCHEMA.knowsAbout)} & scope
        shown = {m["iri"] for e in r["evidence"] if e["kind"] == "declared" and e["topic"]["iri"] == DL
                 for m in e["matched"]}
        assert shown == declared, r["label"]


def test_dutch_english_ids_and_case_variants_give_the_same_answer(sample_db, wt_dl) -> None:
    english = expertise.who_knows(sample_db, ["SCIENCE & technology", "Digital Literacy"])
    mixed = expertise.who_knows(sample_db, ["science-technology", "  digitale GELETTERDHEID ", "w&t"])
    assert english["results"] == wt_dl["results"]
    assert mixed["results"] == wt_dl["results"]
    assert [t["iri"] for t in mixed["topics"]] == [WT, DL]   # a repeated topic counts once


def test_labels_follow_the_language(sample_db) -> None:
    en = expertise.who_knows(sample_db, ["robotica"], lang="en")
    assert en["topics"][0]["label"] == "robotics"
    assert all(e["topic"]["label"] == "robotics" for r in en["results"] for e in r["evidence"])


def test_a_narrower_topic_counts(sample_db, data) -> None:
    dl = expertise.who_knows(sample_db, ["digitale geletterdheid"])
    found = {r["iri"] for r in dl["results"]}
    rows = evidence_rows(sample_db, DL)
    only_narrower = {a for a in {r["actor"] for r in rows}
                     if all(r["matched"] != DL for r in rows if r["actor"] == a)}
    assert only_narrower, "the sample has actors whose digital-literacy evidence is all on narrower topics"
    assert only_narrower <= found
    # Whoever knows about programming (narrower) is found for digital literacy (broader).
    programming = expertise.who_knows(sample_db, ["programmeren"])
    assert programming["results"] and {r["iri"] for r in programming["results"]} <= found


def test_type_filter(sample_db, wt_dl) -> None:
    people = expertise.who_knows(sample_db, ["W&T", "digitale geletterdheid"], types=["person"])
    assert people["results"] == [r for r in wt_dl["results"] if r["type"] == "person"]
    with pytest.raises(expertise.FinderError) as e:
        expertise.who_knows(sample_db, ["W&T"], types=["school"])
    assert e.value.code == "bad-type" and "school" in e.value.message("nl") and "school" in e.value.message("en")


def test_an_unknown_topic_gets_suggestions_not_an_empty_answer(sample_db) -> None:
    with pytest.raises(expertise.FinderError) as e:
        expertise.who_knows(sample_db, ["W&T", "digitale geletterheid"])
    err = e.value
    assert err.code == "unknown-topic"
    assert err.topics == [{"text": "digitale geletterheid", "problem": "unknown",
                           "suggestions": [{"iri": DL, "label": "digitale geletterdheid"}]}]
    assert "Bedoelde je 'digitale geletterdheid'" in err.message("nl")
    assert "Did you mean 'digitale geletterdheid'" in err.message("en")
    assert err.to_json()["error"]["code"] == "unknown-topic"
    # English, ids and partial labels are suggested from too.
    for typo, topic in (("digital literacyy", DL), ("programing", str(TOPIC.programming)), ("W&", WT)):
        with pytest.raises(expertise.FinderError) as e:
            expertise.who_knows(sample_db, [typo])
        assert e.value.topics[0]["suggestions"][0]["iri"] == topic, typo


def test_nothing_asked_is_an_error(sample_db) -> None:
    for asked in ([], ["", "   "]):
        with pytest.raises(expertise.FinderError) as e:
            expertise.who_knows(sample_db, asked)
        assert e.value.code == "no-topic" and e.value.message("nl") != e.value.message("en")


def test_public_view_hides_names_and_declared_expertise_of_hidden_people(sample_db, wt_dl, data) -> None:
    hidden = hidden_people(data)
    public = expertise.who_knows(sample_db, ["W&T", "digitale geletterdheid"], view="public")
    text = json.dumps(public, ensure_ascii=False)
    assert not [name for name in hidden.values() if name in text]
    shown_hidden = [r for r in public["results"] if r["iri"] in hidden]
    assert shown_hidden, "the sample has hidden people with evidence for both topics"
    for r in shown_hidden:
        assert r["label"] != hidden[r["iri"]]
        assert not [e for e in r["evidence"] if e["kind"] in ("declared", "attribution")], r["label"]
    # Internally the same people are found with their names and their declared expertise.
    internal = {r["iri"]: r for r in wt_dl["results"]}
    assert any(e["kind"] == "declared" for r in shown_hidden if r["iri"] in internal
               for e in internal[r["iri"]]["evidence"])
    assert {r["iri"]: r["score"] for r in public["results"]} == expected_scores(sample_db, [WT, DL], "public")
