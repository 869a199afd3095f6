"""The synthetic-region generator (synthetic.generate): deterministic, calibrated,
namespaced by its base, and valid by the project's own build check."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.model.namespaces import CKG
from kg.pipeline.build import check
from synthetic.generate import DEFAULT_BASE, generate, people_for_triples, write

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RELATION_CLASSES = ("Membership", "Tie", "Adoption", "BoundaryCrossing", "ExpertiseAttribution", "Covenant",
                    "LetterOfIntent", "BoundaryObject")
PREFIXES = """
PREFIX ckg: <https://w3id.org/connective-kg/ns#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def _minted(triples, base: str) -> tuple[set[str], set[str]]:
    """IRIs under `base` and blank-node labels used by a region."""
    iris: set[str] = set()
    bnodes: set[str] = set()
    for t in triples:
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(base):
                iris.add(term.value)
            elif isinstance(term, ox.BlankNode):
                bnodes.add(term.value)
    return iris, bnodes


# --- determinism ---------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".nt", ".ttl"])
def test_same_arguments_give_byte_identical_files(tmp_path: Path, suffix: str) -> None:
    a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    n_a = write(a, 120, seed=7)
    n_b = write(b, 120, seed=7)
    assert n_a == n_b > 0
    assert a.read_bytes() == b.read_bytes()


def test_output_does_not_depend_on_the_process(tmp_path: Path) -> None:
    """Another interpreter with another hash seed writes the same bytes (no set or dict-order leaks)."""
    import os
    import subprocess
    import sys

    here = tmp_path / "here.ttl"
    there = tmp_path / "there.ttl"
    write(here, 40, seed=5)
    code = f"from synthetic.generate import write; write({str(there)!r}, 40, seed=5)"
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONHASHSEED": "12345"},
                   cwd=Path(__file__).resolve().parent.parent, timeout=60)
    assert here.read_bytes() == there.read_bytes()


def test_different_seed_gives_different_region() -> None:
    one = [str(t) for t in generate(120, seed=1)]
    two = [str(t) for t in generate(120, seed=2)]
    assert one != two
    assert set(one) != set(two)


def test_turtle_and_ntriples_hold_the_same_triples(tmp_path: Path) -> None:
    nt, ttl = tmp_path / "r.nt", tmp_path / "r.ttl"
    assert write(nt, 50) == write(ttl, 50)
    from_nt = set(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES))
    from_ttl = set(ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE))
    assert from_nt == from_ttl
    assert len(from_nt) == sum(1 for _ in generate(50))  # no duplicate triples


def test_quads_go_to_the_given_graph() -> None:
    g = "https://w3id.org/connective-kg/graph/source/region-a"
    quads = list(generate(30, graph=g))
    assert quads and all(isinstance(q, ox.Quad) and q.graph_name == ox.NamedNode(g) for q in quads)
    assert [ox.Triple(q.subject, q.predicate, q.object) for q in quads] == list(generate(30))


def test_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        list(generate(5))
    with pytest.raises(ValueError):
        write(tmp_path / "r.csv", 30)


# --- calibration ---------------------------------------------------------------------

@pytest.mark.parametrize("n", [3_000, 10_000, 40_000])
def test_people_for_triples_is_calibrated(n: int) -> None:
    for seed in (1, 2):
        got = sum(1 for _ in generate(people_for_triples(n), seed=seed))
        assert abs(got - n) <= 0.15 * n, (n, seed, got)


def test_people_for_triples_grows_with_size() -> None:
    sizes = [people_for_triples(n) for n in (10_000, 100_000, 1_000_000)]
    assert sizes == sorted(sizes) and sizes[0] >= 20


# --- several regions side by side ------------------------------------------------------

def test_different_bases_give_disjoint_iris() -> None:
    base_a, base_b = "https://region-a.example/id/", "https://region-b.example/id/"
    a = list(generate(60, base=base_a))
    b = list(generate(60, base=base_b))
    iris_a, bnodes_a = _minted(a, base_a)
    iris_b, bnodes_b = _minted(b, base_b)
    assert iris_a and iris_b and bnodes_a and bnodes_b
    assert not iris_a & iris_b
    assert not bnodes_a & bnodes_b
    # Nothing region-specific escapes the base: every IRI is either minted
    # under the base or a shared term (ontology, vocabularies, licences).
    for t in a:
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode):
                assert not term.value.startswith(base_b)
    # Same seed, different base: the same graph up to renaming.
    assert len(a) == len(b)
    assert Counter(t.predicate for t in a) == Counter(t.predicate for t in b)


# --- validity: the project's own build check ----------------------------------------------

@pytest.fixture(scope="module")
def small_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("region") / "region.nt"
    write(path, 60, seed=3)
    return path


@pytest.fixture(scope="module")
def small_region_store(small_region: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(small_region), format=ox.RdfFormat.N_TRIPLES)
    return store


def test_small_region_passes_the_build_check(small_region: Path) -> None:
    result, quads = check([small_region])
    assert not result.errors, result.errors
    assert not result.inconsistencies, [(str(i.node), i.message_en) for i in result.inconsistencies]
    assert not result.violations, [(str(f.focus), str(f.shape), f.message("en")) for f in result.violations[:20]]
    assert result.conforms and quads
    types = Counter(q.object.value for q in quads if q.predicate == RDF_TYPE)
    missing = [c for c in RELATION_CLASSES if types[CKG + c] == 0]
    assert not missing, f"no instances of {missing}"


def _ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(PREFIXES + query))


def _select(store: ox.Store, query: str) -> list:
    return list(store.query(PREFIXES + query))


def test_every_kind_of_actor_and_network(small_region_store: ox.Store) -> None:
    kinds = {row["c"].value.removeprefix(CKG) for row in _select(small_region_store, """
        SELECT DISTINCT ?c WHERE { ?x a ?c }""")}
    for k in ("Person", "SchoolBoard", "School", "TeacherEducationInstitute", "Municipality",
              "KnowledgeNetwork", "PLG", "InterestGroup", "DevelopmentGroup", "SchoolTeam", "SubjectSection",
              "Partnership", "Lab", "ObservationGuide", "LearningMaterial", "App", "Video",
              "AssessmentCriteria", "Procedure"):
        assert k in kinds, k
    mechanisms = _select(small_region_store, "SELECT DISTINCT ?m WHERE { ?x ckg:mechanism ?m }")
    assert len(mechanisms) == 4
    # Artefacts are members too; some ties cross schools, some are mediated; derived copies exist.
    assert _ask(small_region_store, """ASK { ?m org:member ?a . ?a dcterms:created ?c }""")
    assert _ask(small_region_store, """ASK { ?t ckg:source ?a ; ckg:target ?b .
        ?a ckg:affiliatedWith ?s1 . ?b ckg:affiliatedWith ?s2 . FILTER (?s1 != ?s2) }""")
    assert _ask(small_region_store, "ASK { ?t ckg:mediatedBy ?a }")
    assert _ask(small_region_store, "ASK { ?a prov:wasDerivedFrom ?b }")
    assert _ask(small_region_store, "ASK { ?c ckg:party ?p1 , ?p2 . FILTER (?p1 != ?p2) }")


def test_adoptions_follow_the_rules(small_region_store: ox.Store) -> None:
    # Never before the artefact existed.
    assert not _ask(small_region_store, """ASK { ?ad ckg:adoptedArtefact ?a ; dcterms:date ?d .
        ?a dcterms:created ?c . FILTER (?d < ?c) }""")
    # adoptedFrom: a school that adopted the same artefact strictly earlier.
    assert _ask(small_region_store, "ASK { ?ad ckg:adoptedFrom ?s }")
    assert not _ask(small_region_store, """ASK { ?ad ckg:adoptedArtefact ?a ; dcterms:date ?d ; ckg:adoptedFrom ?s .
        FILTER NOT EXISTS { ?ad0 ckg:adoptedArtefact ?a ; ckg:adopter ?s ; dcterms:date ?d0 . FILTER (?d0 < ?d) } }""")
    # An adapted version is derived from the adopted artefact and made after the adoption.
    assert not _ask(small_region_store, """ASK { ?ad ckg:adoptedArtefact ?a ; ckg:adaptedVersion ?v ; dcterms:date ?d .
        FILTER NOT EXISTS { ?v prov:wasDerivedFrom ?a ; dcterms:created ?c . FILTER (?c >= ?d) } }""")
    # A school adopts an artefact once.
    assert not _ask(small_region_store, """ASK { ?x ckg:adoptedArtefact ?a ; ckg:adopter ?s .
        ?y ckg:adoptedArtefact ?a ; ckg:adopter ?s . FILTER (?x != ?y) }""")


def test_periods_and_agreements_follow_the_rules(small_region_store: ox.Store) -> None:
    # Letters of intent for at least one year (begin + 1 year <= end + 1 day).
    rows = _select(small_region_store, """SELECT ?b ?e WHERE { ?l a ckg:LetterOfIntent ; ckg:validDuring ?i .
        ?i time:hasBeginning/time:inXSDDate ?b ; time:hasEnd/time:inXSDDate ?e }""")
    assert rows
    from datetime import date, timedelta
    for row in rows:
        b, e = date.fromisoformat(row["b"].value), date.fromisoformat(row["e"].value)
        assert e + timedelta(days=1) >= b.replace(year=b.year + 1), (b, e)
    # No period ends before it begins.
    assert not _ask(small_region_store, """ASK { ?x ?p ?i . ?i time:hasBeginning/time:inXSDDate ?b ;
        time:hasEnd/time:inXSDDate ?e . FILTER (?e < ?b) }""")
    # A membership never begins before its network was founded.
    assert not _ask(small_region_store, """ASK { ?m org:organization ?n ; org:memberDuring/time:hasBeginning/time:inXSDDate ?b .
        ?n <https://schema.org/foundingDate> ?f . FILTER (?b < ?f) }""")
    # Boundary objects: memberships in two networks with different roles.
    assert _ask(small_region_store, "ASK { ?a a ckg:BoundaryObject }")
    assert not _ask(small_region_store, """ASK { ?a a ckg:BoundaryObject .
        FILTER NOT EXISTS { ?m1 org:member ?a ; org:organization ?n1 ; ckg:roleDescription ?r1 .
            ?m2 org:member ?a ; org:organization ?n2 ; ckg:roleDescription ?r2 . FILTER (?n1 != ?n2 && ?r1 != ?r2) } }""")


def test_person_iris_are_opaque(small_region_store: ox.Store) -> None:
    for row in _select(small_region_store, "SELECT ?p ?name WHERE { ?p a ckg:Person ; rdfs:label ?name }"):
        local = row["p"].value.removeprefix(DEFAULT_BASE)
        assert local[0] == "p" and local[1:].isdigit()
        assert not any(part.lower() in local.lower() for part in row["name"].value.split())
