"""The SHACL shapes in shapes/, tested on small valid and invalid example graphs.

Layout (after linkml's valid/ and invalid/ example folders):
  tests/shapes/valid/<name>.ttl    a small complete graph: no finding of any severity
  tests/shapes/invalid/<name>.ttl  breaks several constraints of one node shape
  tests/shapes/expected.json       {"<invalid file>": [[focus, shape, severity], ...]}
<name> is the node shape's local name without "Shape", in kebab case
(ckgsh:LetterOfIntentShape -> letter-of-intent, ckgsh:PLGShape -> plg).

Each example goes through kg.pipeline.build.check, the same path as `kg validate`:
parse, OWL 2 RL reasoning with the default reasoner, validation of the data
plus the inferred triples.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from kg.pipeline.build import BuildResult, check
from kg.shacl.validate import SEVERITIES, shapes_graph, validate

HERE = Path(__file__).resolve().parent / "shapes"
VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))
EXPECTED: dict[str, list[list[str]]] = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))

CKGSH = rdflib.Namespace("https://w3id.org/connective-kg/shapes#")
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@cache
def checked(path: Path) -> BuildResult:
    result, _quads = check([path])
    return result


@cache
def shapes() -> rdflib.Graph:
    return shapes_graph()


def all_shapes(g: rdflib.Graph) -> set[rdflib.term.Node]:
    """Every node that acts as a shape: declared, targeted, given a path, or referred to as one."""
    found: set[rdflib.term.Node] = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    found |= set(g.subjects(SH.path, None))
    for p in TARGETS:
        found |= set(g.subjects(p, None))
    found |= set(g.objects(None, SH.property)) | set(g.objects(None, SH.node))
    for p in (SH["or"], SH["and"], SH.xone):
        for lst in g.objects(None, p):
            found |= set(Collection(g, lst))
    found |= set(g.objects(None, SH["not"])) | set(g.objects(None, SH.qualifiedValueShape))
    return found


def targeted_node_shapes(g: rdflib.Graph) -> set[URIRef]:
    return {s for s in all_shapes(g) if any(g.value(s, p) is not None for p in TARGETS)}


def family(g: rdflib.Graph, node_shape: URIRef) -> set[rdflib.term.Node]:
    """A node shape and its property shapes."""
    return {node_shape} | set(g.objects(node_shape, SH.property))


def example_name(shape: URIRef) -> str:
    local = str(shape).rsplit("#", 1)[-1].removesuffix("Shape")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", local).lower()


def severity_name(node: rdflib.term.Node) -> str:
    return str(node).rsplit("#", 1)[-1]


def expected_keys(name: str) -> set[tuple[str, str, str]]:
    return {tuple(k) for k in EXPECTED[name]}


# --- the examples -------------------------------------------------------------


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example_has_no_findings(path: Path) -> None:
    result = checked(path)
    assert result.errors == []
    assert result.inconsistencies == []
    assert result.findings == [], "\n".join(f"{f.key}: {f.message('en')}" for f in result.findings)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_gives_exactly_the_expected_results(path: Path) -> None:
    result = checked(path)
    assert result.errors == []
    assert result.inconsistencies == [], "invalid examples break shapes, not the ontology"
    found = {f.key for f in result.findings}
    expected = expected_keys(path.name)
    assert found - expected == set(), "unexpected results"
    assert expected - found == set(), "missing results"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_every_finding_has_a_dutch_and_an_english_message(path: Path) -> None:
    """Also guards the pySHACL trap where SPARQL-constraint messages lose their language tag."""
    result = checked(path)
    assert result.findings
    for f in result.findings:
        assert f.messages.get("nl", "").strip(), f"no Dutch message for {f.key}"
        assert f.messages.get("en", "").strip(), f"no English message for {f.key}"
        assert f.messages["nl"] != f.messages["en"], f"untranslated message for {f.key}"
        assert "{?" not in f.messages["en"] and "{$" not in f.messages["en"], f"unfilled placeholder in {f.key}"


def test_expected_results_name_the_invalid_examples_and_nothing_else() -> None:
    assert sorted(EXPECTED) == [p.name for p in INVALID]
    for name, keys in EXPECTED.items():
        assert keys, name
        for _focus, shape, severity in keys:
            assert severity in SEVERITIES, (name, severity)
            assert shape.startswith(str(CKGSH)), (name, shape)



def test_the_reference_reasoner_gives_the_same_results() -> None:
    """The shapes do not depend on which OWL 2 RL engine ran (owlrl is the reference;
    reasonable 0.4 has no property chains of its own). owlrl is slow (about 0.7 s per
    example), hence one test over all examples."""
    differences = []
    for path in VALID + INVALID:
        result, _quads = check([path], "owlrl")
        found = {f.key for f in result.findings}
        expected = set() if path in VALID else expected_keys(path.name)
        if found != expected or result.inconsistencies or result.errors:
            differences.append((path.name, found ^ expected, result.inconsistencies, result.errors))
    assert differences == []

# --- the shapes themselves ----------------------------------------------------


def test_every_shape_has_an_iri_messages_in_dutch_and_english_and_a_severity() -> None:
    g = shapes()
    found = all_shapes(g)
    assert len(found) > 50
    for s in found:
        assert isinstance(s, URIRef) and str(s).startswith(str(CKGSH)), f"shape without a ckgsh: IRI: {s!r}"
        messages = [m for m in g.objects(s, SH.message) if isinstance(m, Literal)]
        for lang in ("nl", "en"):
            assert [m for m in messages if m.language == lang and str(m).strip()], f"{s} has no sh:message@{lang}"
        assert not [m for m in messages if not m.language], f"{s} has a message without a language tag"
        severities = list(g.objects(s, SH.severity))
        assert len(severities) == 1 and severity_name(severities[0]) in SEVERITIES, f"{s}: sh:severity {severities}"


def test_sparql_constraints_take_their_messages_and_severity_from_their_shape() -> None:
    """pySHACL ignores sh:severity on the constraint node; keeping the messages on the
    shape gives kg/shacl/validate.py one set of templates to match the untagged results to."""
    g = shapes()
    constraints = list(g.subject_objects(SH.sparql))
    assert constraints
    for shape, constraint in constraints:
        assert isinstance(constraint, URIRef), f"{shape}: SPARQL constraint without an IRI"
        assert g.value(constraint, SH.severity) is None, constraint
        assert g.value(constraint, SH.message) is None, constraint
        assert g.value(constraint, SH.prefixes) is not None, f"{constraint} declares no prefixes"
        assert g.value(constraint, SH.select) is not None, constraint


def test_sparql_prefixes_are_declared() -> None:
    g = shapes()
    declared = {
        str(g.value(d, SH.prefix))
        for onto in set(g.objects(None, SH.prefixes))
        for d in g.objects(onto, SH.declare)
    }
    for constraint in g.objects(None, SH.sparql):
        query = str(g.value(constraint, SH.select))
        used = set(re.findall(r"\b([a-z][a-z0-9]*):[A-Za-z]", query))
        assert used <= declared, f"{constraint} uses undeclared prefixes {used - declared}"


def test_no_shape_nests_another_shape() -> None:
    """pySHACL reports a nested shape's results as sh:detail; kg/shacl/validate.py collects every
    sh:ValidationResult, so a nested result would show up as a finding of its own."""
    g = shapes()
    assert not list(g.subject_objects(SH.node))
    assert not list(g.subject_objects(SH.qualifiedValueShape))


def test_every_node_shape_has_a_valid_and_an_invalid_example() -> None:
    g = shapes()
    names = {example_name(s) for s in targeted_node_shapes(g)}
    assert names == {p.stem for p in VALID}, "valid/ examples and node shapes differ"
    assert names == {p.stem for p in INVALID}, "invalid/ examples and node shapes differ"


def test_each_invalid_example_breaks_several_constraints_of_its_shape_at_every_severity_it_uses() -> None:
    g = shapes()
    for node_shape in targeted_node_shapes(g):
        members = family(g, node_shape)
        own = {k for k in expected_keys(example_name(node_shape) + ".ttl") if URIRef(k[1]) in members}
        used = {severity_name(g.value(s, SH.severity)) for s in members if g.value(s, SH.property) is None}
        assert len(own) >= 2, f"{node_shape}: the invalid example breaks fewer than two of its constraints"
        assert used <= {k[2] for k in own}, f"{node_shape}: severities {used} not all shown in its invalid example"


def test_every_constraint_is_exercised_by_an_invalid_example() -> None:
    g = shapes()
    fired = {URIRef(k[1]) for keys in EXPECTED.values() for k in keys}
    constrained = set()
    for node_shape in targeted_node_shapes(g):
        constrained |= set(g.objects(node_shape, SH.property))
    assert constrained - fired == set()


# --- the one-year rule of letters of intent -----------------------------------

LOI_TEMPLATE = """
@prefix ckg: <https://w3id.org/connective-kg/ns#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/test/loi> a ckg:LetterOfIntent ; ckg:validDuring [
    time:hasBeginning [ time:inXSDDate "{begin}"^^xsd:date ] ;
    time:hasEnd [ time:inXSDDate "{end}"^^xsd:date ] ] .
"""


@pytest.mark.parametrize(
    ("begin", "end", "too_short"),
    [
        ("2024-09-01", "2025-08-31", False),  # one school year, end = last day
        ("2024-09-01", "2025-08-30", True),
        ("2024-09-01", "2025-09-01", False),
        ("2024-09-01", "2027-07-31", False),
        ("2024-01-01", "2024-12-31", False),  # one calendar year
        ("2024-01-01", "2024-12-30", True),
        ("2024-12-31", "2025-12-30", False),  # across a year end
        ("2024-12-31", "2025-12-29", True),
        ("2023-03-01", "2024-02-29", False),  # leap day at the end
        ("2023-03-01", "2024-02-28", True),
        ("2024-02-29", "2025-02-28", False),  # leap day at the start
        ("2024-02-29", "2025-02-27", True),
        ("2025-06-30", "2024-09-01", True),  # end before begin
    ],
)
def test_letter_of_intent_runs_at_least_one_year(begin: str, end: str, too_short: bool) -> None:
    data = rdflib.Graph().parse(data=LOI_TEMPLATE.format(begin=begin, end=end), format="turtle")
    findings = validate(data, shapes())
    assert any(f.shape == CKGSH["LetterOfIntentShape-one-year"] for f in findings) is too_short

