"""The build pipeline: what it stores, what it refuses, and that a refused build writes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg.model import resources
from kg.model.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, PUBLIC_GRAPH, SOURCE_GRAPH, VOCABULARIES_GRAPH
from kg.pipeline.build import EXIT_ERROR, EXIT_OK, EXIT_VIOLATIONS, build, check
from kg.pipeline.report import render
from kg.store import GraphStore, digest

HERE = Path(__file__).resolve().parent
INVALID_EXAMPLES = sorted((HERE / "shapes" / "invalid").glob("*.ttl"))

PERSON = """@prefix ckg: <https://w3id.org/connective-kg/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix consent: <https://w3id.org/connective-kg/vocab/consent/> .
<https://example.org/test/p1> a ckg:Person ; rdfs:label "Test Persoon" ; ckg:consent consent:public .
"""


def graph_names(store: GraphStore) -> set[str]:
    return {g.value for g in store.open().named_graphs()}


@pytest.fixture()
def built_store(tmp_path: Path) -> GraphStore:
    """A store holding one small valid build, to check later failures leave it alone."""
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "person.ttl").write_text(PERSON)
    store = GraphStore(tmp_path / "store")
    assert build([tmp_path / "ok"], store).committed
    return store


def test_sample_builds_into_named_graphs(sample_build) -> None:
    store, result = sample_build
    assert result.exit_code == EXIT_OK and result.committed
    names = graph_names(store)
    assert {ONTOLOGY_GRAPH, VOCABULARIES_GRAPH, INFERRED_GRAPH, PUBLIC_GRAPH} <= names
    files = sorted(p.name for p in resources.sample_dir().glob("*.ttl"))
    sources = sorted(n.rsplit("/", 1)[-1] for n in names if n.startswith(SOURCE_GRAPH))
    assert sources == files
    counts = {g.value: len(list(store.open().quads_for_pattern(None, None, None, g))) for g in store.open().named_graphs()}
    assert counts[INFERRED_GRAPH] == result.inferred > 0
    for f in files:
        expected = len(rdflib.Graph().parse(resources.sample_dir() / f))
        assert counts[SOURCE_GRAPH + "twente/" + f] == expected


def test_inferred_graph_holds_only_new_data_entailments(sample_build) -> None:
    store, _ = sample_build
    db = store.open()
    inferred = ox.NamedNode(INFERRED_GRAPH)
    derived = {inferred, ox.NamedNode(PUBLIC_GRAPH)}
    asserted = {(q.subject, q.predicate, q.object) for q in db.quads_for_pattern(None, None, None)
                if q.graph_name not in derived}
    for q in db.quads_for_pattern(None, None, None, inferred):
        assert (q.subject, q.predicate, q.object) not in asserted
        assert not str(q.predicate).startswith(("<http://www.w3.org/2000/01/rdf-schema#", "<http://www.w3.org/2002/07/owl#"))


def test_reasoner_adds_the_documented_shortcuts(sample_db) -> None:
    """memberOf (property chain), connectedTo (symmetric), Broker (domain of an inverse)."""
    ask = lambda q: bool(sample_db.query(q, use_default_graph_as_union=True))  # noqa: E731
    prefix = "PREFIX ckg: <https://w3id.org/connective-kg/ns#> PREFIX org: <http://www.w3.org/ns/org#> "
    assert ask(prefix + "ASK { ?m org:member ?a ; org:organization ?n . ?a ckg:memberOf ?n . }")
    assert ask(prefix + "ASK { ?t ckg:source ?a ; ckg:target ?b . ?b ckg:connectedTo ?a . }")
    assert ask(prefix + "ASK { ?ad ckg:broker ?p . ?p a ckg:Broker . }")


def test_unparsable_file_is_an_error_naming_file_and_line(built_store: GraphStore, tmp_path: Path) -> None:
    before = digest(built_store.open())
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "good.ttl").write_text(PERSON)
    (bad / "broken.ttl").write_text(PERSON + '\n<https://example.org/test/p2> rdfs:label "no end .\n')
    result = build([bad], built_store)
    assert result.exit_code == EXIT_ERROR and not result.committed
    [err] = result.errors
    assert err.path.endswith("broken.ttl") and err.line == 6
    text = render(result, "en")
    assert "broken.ttl" in text and "line 6" in text and "Nothing written" in text
    assert digest(built_store.open()) == before


def test_unknown_prefix_is_an_error_naming_file_and_line(built_store: GraphStore, tmp_path: Path) -> None:
    before = digest(built_store.open())
    f = tmp_path / "prefix.ttl"
    f.write_text(PERSON + "foo:bar a foo:Baz .\n")
    result = build([f], built_store)
    assert result.exit_code == EXIT_ERROR
    [err] = result.errors
    assert err.line == 5 and "foo" in err.message
    text = render(result, "nl")
    assert "prefix.ttl" in text and "regel 5" in text
    assert digest(built_store.open()) == before


def test_inconsistent_data_is_refused_naming_node_and_file(built_store: GraphStore, tmp_path: Path) -> None:
    before = digest(built_store.open())
    f = tmp_path / "both.ttl"
    f.write_text(PERSON + "<https://example.org/test/p1> a ckg:Artefact .\n")
    result = build([f], built_store)
    assert result.exit_code == EXIT_VIOLATIONS and not result.committed
    nodes = {str(i.node) for i in result.inconsistencies}
    assert nodes == {"https://example.org/test/p1"}
    text = render(result, "en")
    assert "<https://example.org/test/p1>" in text and "both.ttl" in text and "disjoint" in text
    assert digest(built_store.open()) == before


def test_every_invalid_shape_example_is_refused_and_writes_nothing(built_store: GraphStore) -> None:
    assert INVALID_EXAMPLES, "tests/shapes/invalid/ holds the invalid examples"
    expected = json.loads((HERE / "shapes" / "expected.json").read_text())
    generation = built_store.current_generation()
    before = digest(built_store.open())
    for example in INVALID_EXAMPLES:
        violations = [k for k in expected[example.name] if k[2] == "Violation"]
        if not violations:
            assert check([example])[0].conforms, example.name  # warnings and infos alone do not block
            continue
        result = build([example], built_store)
        assert result.exit_code == EXIT_VIOLATIONS and not result.committed, example.name
        text = render(result, "en")
        assert example.name in text
        for focus, _shape, _sev in violations:
            assert focus.rsplit("/", 1)[-1] in text, (example.name, focus)
        assert built_store.current_generation() == generation
        assert digest(built_store.open()) == before


def test_the_four_formats_give_the_same_graph(tmp_path: Path) -> None:
    g = rdflib.Graph().parse(data=PERSON, format="turtle")
    (tmp_path / "in").mkdir()
    g.serialize(tmp_path / "in" / "a.ttl", format="turtle")
    g.serialize(tmp_path / "in" / "b.nt", format="nt")
    g.serialize(tmp_path / "in" / "c.jsonld", format="json-ld")
    ds = rdflib.Dataset()
    named = ds.graph(rdflib.URIRef("https://example.org/test/graph"))
    for t in g:
        named.add(t)
    ds.serialize(tmp_path / "in" / "d.trig", format="trig")
    result, quads = check([tmp_path / "in"])
    assert result.conforms, render(result, "en")
    by_graph: dict[str, rdflib.Graph] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name.value, rdflib.Graph()).add(
            (rdflib.URIRef(q.subject.value), rdflib.URIRef(q.predicate.value),
             rdflib.URIRef(q.object.value) if isinstance(q.object, ox.NamedNode) else rdflib.Literal(q.object.value)))
    for name in ("in/a.ttl", "in/b.nt", "in/c.jsonld"):
        assert isomorphic(by_graph[SOURCE_GRAPH + name], g), name
    assert isomorphic(by_graph["https://example.org/test/graph"], g)


def test_remote_jsonld_context_is_refused_not_fetched(tmp_path: Path) -> None:
    f = tmp_path / "remote.jsonld"
    f.write_text('{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "https://example.org/test/x", "name": "x"}')
    result, _ = check([f])
    assert result.exit_code == EXIT_ERROR
    assert "remote context" in result.errors[0].message.lower()


def test_unknown_file_type_and_missing_path_are_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    assert check([tmp_path / "notes.txt"])[0].exit_code == EXIT_ERROR
    assert check([tmp_path / "missing.ttl"])[0].exit_code == EXIT_ERROR


def test_a_valid_build_replaces_the_previous_one(built_store: GraphStore, tmp_path: Path) -> None:
    other = tmp_path / "other.ttl"
    other.write_text(PERSON.replace("p1>", "p9>").replace("Test Persoon", "Ander"))
    old = built_store.current_generation()
    assert build([other], built_store).committed
    assert built_store.current_generation() != old
    names = graph_names(built_store)
    assert SOURCE_GRAPH + "other.ttl" in names and SOURCE_GRAPH + "ok/person.ttl" not in names


def test_bundled_sample_can_be_copied_and_built_elsewhere(tmp_path: Path) -> None:
    """The sample folder is self-contained: every file declares its own prefixes."""
    copy = tmp_path / "twente"
    shutil.copytree(resources.sample_dir(), copy)
    for f in copy.glob("*.ttl"):
        result, _ = check([f])
        assert not result.errors, render(result, "en")


def test_blank_node_labels_are_scoped_to_their_file(tmp_path: Path) -> None:
    """`_:b0` in two files are two different nodes (RDF semantics), not one merged node."""
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.nt").write_text(f'_:b0 {label} "a" .\n')
    (tmp_path / "in" / "b.nt").write_text(f'_:b0 {label} "b" .\n')
    _, quads = check([tmp_path / "in"])
    subjects = {q.subject for q in quads if q.predicate.value.endswith("#label")
                and isinstance(q.subject, ox.BlankNode)}
    assert len(subjects) == 2
