"""The Twente sample answers every competency question of docs/domain.md (1-14).

Each test runs a named query through `kg.sparql.queries.run` on the built sample (`sample_db`) and checks
the facts of docs/sample-facts.md. Wherever possible the expected values are computed
independently: from the sample files read with rdflib (`data`, no reasoning; hierarchies are
closed in Python), not from another run of the same query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pyoxigraph as ox
import pytest
import rdflib
from conftest import STORES, embedded_or_remote
from rdflib import RDF, RDFS, Namespace, URIRef

from kg.model import resources
from kg.pipeline.build import core_sources
from kg.rdf.rdfio import collect_sources, parse_source, rdflib_graph
from kg.sparql import queries

CKG = Namespace("https://w3id.org/connective-kg/ns#")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
DCT = Namespace("http://purl.org/dc/terms/")
TIME = Namespace("http://www.w3.org/2006/time#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
TOPIC = Namespace("https://w3id.org/connective-kg/vocab/topic/")
ROLE = Namespace("https://w3id.org/connective-kg/vocab/role/")
DEPTH = Namespace("https://w3id.org/connective-kg/vocab/depth/")
LEVEL = Namespace("https://w3id.org/connective-kg/vocab/level/")
MECH = Namespace("https://w3id.org/connective-kg/vocab/mechanism/")
TW = Namespace("https://knll-twente.example/id/")


@pytest.fixture(scope="module", params=STORES)
def sample_db(request, sample_db):
    """Every test here runs on the embedded store and on a real remote SPARQL server."""
    return embedded_or_remote(request, sample_db)


TODAY = "2026-11-25"  # "today" of the sample (docs/sample-facts.md)


# --- helpers -------------------------------------------------------------------------------

def _py(term: ox.NamedNode | ox.Literal | ox.BlankNode | None):
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dtype = term.datatype.value.rsplit("#", 1)[-1]
        if dtype in ("integer", "int", "long", "nonNegativeInteger"):
            return int(term.value)
        if dtype in ("decimal", "double", "float"):
            return Decimal(term.value)
        if dtype == "boolean":
            return term.value == "true"
        return term.value
    return term.value


def run(store: ox.Store, name: str, **params: str) -> list[dict]:
    results = queries.run(store, name, {k: str(v) for k, v in params.items()})
    columns = [v.value for v in results.variables]
    return [{c: _py(r[c]) for c in columns} for r in results]


def tw(local: str) -> str:
    return str(TW[local])


@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    """The sample files plus the vocabularies, as asserted (no reasoning)."""
    quads = []
    vocab = core_sources()[1]
    for source in [vocab] + collect_sources([resources.sample_dir()]):
        quads.extend(parse_source(source))
    return rdflib_graph(quads)


def iris(g: rdflib.Graph, s=None, p=None, o=None) -> set[str]:
    """The unbound position of a triple pattern, as strings."""
    if s is None:
        return {str(x) for x in g.subjects(p, o)}
    if o is None:
        return {str(x) for x in g.objects(s, p)}
    raise ValueError


def narrower_or_self(g: rdflib.Graph, topic: URIRef) -> set[str]:
    found, todo = {topic}, [topic]
    while todo:
        for n in g.subjects(SKOS.broader, todo.pop()):
            if n not in found:
                found.add(n)
                todo.append(n)
    return {str(t) for t in found}


def descendants_or_self(g: rdflib.Graph, artefact: URIRef) -> set[str]:
    found, todo = {artefact}, [artefact]
    while todo:
        for n in g.subjects(PROV.wasDerivedFrom, todo.pop()):
            if n not in found:
                found.add(n)
                todo.append(n)
    return {str(a) for a in found}


def ties_of(g: rdflib.Graph, actor: str) -> list[dict]:
    """Every tie (node) with the actor at either end, as dicts of plain values."""
    a = URIRef(actor)
    out = []
    for tie in set(g.subjects(CKG.source, a)) | set(g.subjects(CKG.target, a)):
        src, tgt = g.value(tie, CKG.source), g.value(tie, CKG.target)
        out.append({
            "tie": str(tie), "alter": str(tgt if src == a else src),
            "year": _lit(g.value(tie, CKG.schoolYear)), "depth": str(g.value(tie, CKG.depth)),
            "perMonth": _lit(g.value(tie, CKG.perMonth)), "closeness": _lit(g.value(tie, CKG.closeness)),
        })
    return out


def _lit(x):
    return None if x is None else x.toPython()


def memberships(g: rdflib.Graph, network: str | None = None, member: str | None = None) -> list[dict]:
    out = []
    for m in g.subjects(RDF.type, CKG.Membership):
        n, a = g.value(m, ORG.organization), g.value(m, ORG.member)
        if (network and str(n) != network) or (member and str(a) != member):
            continue
        period = g.value(m, ORG.memberDuring)
        begin = end = None
        if period is not None:
            b, e = g.value(period, TIME.hasBeginning), g.value(period, TIME.hasEnd)
            begin = _lit(g.value(b, TIME.inXSDDate)) if b is not None else None
            end = _lit(g.value(e, TIME.inXSDDate)) if e is not None else None
        out.append({"membership": str(m), "network": str(n), "member": str(a), "begin": begin, "end": end,
                    "level": str(g.value(m, CKG.participationLevel) or ""),
                    "hours": _lit(g.value(m, CKG.hoursPerYear)), "motivation": _lit(g.value(m, CKG.motivation)),
                    "role": _lit(g.value(m, CKG.roleDescription))})
    return out


_ONTOLOGY = rdflib.Graph().parse(resources.ontology_file())


def is_a(g: rdflib.Graph, x: str, cls: URIRef) -> bool:
    """x is typed cls or a subclass of it (the subclass closure from the ontology, no reasoner)."""
    classes = {c for c in _ONTOLOGY.transitive_subjects(RDFS.subClassOf, cls)}
    return any(t in classes for t in g.objects(URIRef(x), RDF.type))


def affiliations(g: rdflib.Graph, person: str) -> set[str]:
    return iris(g, URIRef(person), CKG.affiliatedWith)


def school_year(d: dt.date) -> int:
    return d.year if d.month >= 8 else d.year - 1


# --- CQ1: who knows about a topic, or a combination ------------------------------------------

def test_cq1_expertise_finder_combines_topics_with_evidence_of_every_kind(sample_db, data) -> None:
    wt = run(sample_db, "expertise-evidence", topic="W&T")                        # by altLabel
    dl = run(sample_db, "expertise-evidence", topic="digitale geletterdheid")     # by prefLabel
    assert {r["topic"] for r in wt} == {str(TOPIC["science-technology"])}
    assert {r["topic"] for r in dl} == {str(TOPIC["digital-literacy"])}

    people_wt = {r["actor"] for r in wt if r["actorType"] == str(CKG.Person)}
    people_dl = {r["actor"] for r in dl if r["actorType"] == str(CKG.Person)}
    both = people_wt & people_dl
    assert len(both) >= 3, f"people with evidence for W&T AND digitale geletterdheid: {sorted(both)}"

    # The evidence of those people covers every kind the question names.
    kinds = {r["kind"] for r in wt + dl if r["actor"] in both}
    assert {"declared", "membership", "authored", "joint-work", "attribution"} <= kinds, kinds
    assert any(r["kind"] == "membership" and r["via"] == tw("n-ig-wt-digitaal") for r in dl if r["actor"] in both)
    # A narrower topic counts (e.g. programmeren under digitale geletterdheid).
    narrower = narrower_or_self(data, TOPIC["digital-literacy"]) - {str(TOPIC["digital-literacy"])}
    assert any(r["matched"] in narrower for r in dl), "no evidence through a narrower topic"
    assert all(r["matched"] in narrower | {str(TOPIC["digital-literacy"])} for r in dl)

    # Independent check of the evidence of people for digitale geletterdheid, from the files.
    topics = {URIRef(t) for t in narrower_or_self(data, TOPIC["digital-literacy"])}
    expected: set[tuple[str, str]] = set()
    for t in topics:
        for p in data.subjects(SCHEMA.knowsAbout, t):
            expected.add((str(p), "declared"))
        for n in data.subjects(CKG.theme, t):
            for m in memberships(data, network=str(n)):
                expected.add((m["member"], "membership"))
        for a in data.subjects(DCT.subject, t):
            for c in data.objects(a, DCT.creator):
                expected.add((str(c), "authored"))
        for tie in data.subjects(CKG.topic, t):
            if (tie, CKG.depth, DEPTH["joint-work"]) in data:
                for end in (CKG.source, CKG.target):
                    expected.add((str(data.value(tie, end)), "joint-work"))
            if (tie, RDF.type, CKG.ExpertiseAttribution) in data:
                expected.add((str(data.value(tie, CKG.attributedTo)), "attribution"))
    expected = {(a, k) for a, k in expected if is_a(data, a, CKG.Person)}
    got = {(r["actor"], r["kind"]) for r in dl if r["actorType"] == str(CKG.Person)}
    assert got == expected

    # Every row has labels for its IRIs, in the language asked for.
    assert all(r["actorLabel"] and r["matchedLabel"] for r in dl)
    en = run(sample_db, "expertise-evidence", topic="digital literacy", lang="en")
    assert {r["matchedLabel"] for r in en if r["matched"] == str(TOPIC["digital-literacy"])} == {"digital literacy"}


# --- CQ2: reach of a student's contacts, growing over the years ------------------------------

def test_cq2_reach_of_student_contacts_grows_each_year(sample_db, data) -> None:
    rows = run(sample_db, "contact-reach", person="p101")
    by_year = {r["year"]: r for r in rows}
    assert {2022, 2023, 2024} <= set(by_year), sorted(by_year)
    reach = [by_year[y]["actors"] for y in (2022, 2023, 2024)]
    assert reach[0] < reach[1] < reach[2], f"actors tied per year 2022-2024: {reach}"
    assert [r["year"] for r in rows] == sorted(r["year"] for r in rows)

    # Independent count of distinct alters per school year.
    alters = defaultdict(set)
    for t in ties_of(data, tw("p101")):
        alters[t["year"]].add(t["alter"])
    assert {y: r["actors"] for y, r in by_year.items()} == {y: len(a) for y, a in alters.items()}

    # In 2024 the reach goes beyond the training school.
    own = affiliations(data, tw("p101"))
    assert own == {tw("s-het-palet")}
    outside = {a for a in alters[2024]
               if not (affiliations(data, a) & own) and a not in own
               and not (set(data.objects(URIRef(a), ORG.subOrganizationOf)) & {URIRef(o) for o in own})}
    assert outside, "no contact outside the training school in 2024"
    assert by_year[2024]["outsideOwnOrganisation"] == len(outside)
    assert by_year[2024]["organisations"] >= 2


# --- CQ3 and CQ6: with whom and how intensely; the nature of interactions ----------------------

def test_cq3_strongest_ties_are_mentor_and_schoolopleider(sample_db, data) -> None:
    rows = run(sample_db, "person-ties", person="p101")
    expected = ties_of(data, tw("p101"))
    assert {r["tie"] for r in rows} == {t["tie"] for t in expected}
    for r in rows:
        if r["closeness"] is not None and r["perMonth"] is not None:
            assert r["strength"] == Decimal(r["closeness"]) * r["perMonth"]
        assert r["direction"] in ("in", "out")
    strengths = [r["strength"] for r in rows if r["strength"] is not None]
    assert strengths == sorted(strengths, reverse=True), "not strongest first"

    def role_at_palet(role):
        return {str(p) for p in data.subjects(CKG.hasRole, role)
                if (p, CKG.affiliatedWith, TW["s-het-palet"]) in data}

    alters = {r["alter"] for r in rows}
    mentors = role_at_palet(ROLE.mentor) & alters
    educators = role_at_palet(ROLE["school-based-educator"]) & alters
    assert mentors and educators, "p101 has no tie with a mentor and a schoolopleider of Het Palet"
    best: dict[str, Decimal] = {}
    for r in rows:
        if r["strength"] is not None:
            best[r["alter"]] = max(best.get(r["alter"], Decimal(0)), r["strength"])
    top_two = sorted(best, key=lambda a: best[a], reverse=True)[:2]
    assert set(top_two) & mentors and set(top_two) & educators, (
        f"strongest alters {top_two} are not p101's mentor {mentors} and schoolopleider {educators}")
    assert all(r["sameOrganisation"] for r in rows if r["alter"] in top_two)
    assert not all(r["sameOrganisation"] for r in rows)


def test_cq6_ties_cover_all_four_depths(sample_db, data) -> None:
    rows = run(sample_db, "depth-distribution", actor="p101")
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert [r["depth"] for r in rows] == [str(DEPTH[d]) for d in ("storytelling", "aid", "sharing", "joint-work")]
    assert all(r["ties"] >= 1 for r in rows), {r["depthLabel"]: r["ties"] for r in rows}
    counts = defaultdict(int)
    for t in ties_of(data, tw("p101")):
        counts[t["depth"]] += 1
    assert {r["depth"]: r["ties"] for r in rows} == {r["depth"]: counts[r["depth"]] for r in rows}
    assert [r["depthLabel"] for r in rows][0] and run(sample_db, "depth-distribution", actor="p101",
                                                      lang="en")[3]["depthLabel"] == "joint work"


# --- CQ4: aligned expectations: agreements and roles -----------------------------------------

def test_cq4_formal_agreements_and_roles(sample_db, data) -> None:
    rows = run(sample_db, "agreements-of", actor="p101")
    kinds = {(r["kind"], r["agreement"]) for r in rows}
    assert ("covenant", tw("c-knll")) in kinds, kinds
    assert ("partnership", tw("n-partnerschap")) in kinds, kinds
    cov = next(r for r in rows if r["agreement"] == tw("c-knll"))
    assert (cov["begin"], cov["end"]) == ("2017-08-01", "2027-07-31")
    assert URIRef(cov["via"]) in set(data.objects(TW["c-knll"], CKG.party))

    # A signatory of a letter of intent sees it with its group and period.
    loi = sorted(data.subjects(RDF.type, CKG.LetterOfIntent))[0]
    signatory = str(data.value(loi, CKG.signatory))
    signed = [r for r in run(sample_db, "agreements-of", actor=signatory) if r["kind"] == "letter-of-intent"]
    assert str(loi) in {r["agreement"] for r in signed}
    row = next(r for r in signed if r["agreement"] == str(loi))
    assert row["via"] == str(data.value(loi, CKG.commitsTo))

    # Roles of mentor, schoolopleider, instituutsopleider are recorded on partnership members.
    members = {m["member"] for m in memberships(data, network=tw("n-partnerschap"))}
    for role, label in ((ROLE.mentor, "werkplekbegeleider"), (ROLE["school-based-educator"], "schoolopleider"),
                        (ROLE["institute-educator"], "instituutsopleider")):
        holders = sorted(iris(data, None, CKG.hasRole, role) & members)
        assert holders, f"no partnership member with role {role}"
        got = run(sample_db, "agreements-of", actor=holders[0])
        assert any(r["kind"] == "partnership" for r in got)
        assert label in (got[0]["roles"] or "").lower()


# --- CQ5: reachable expertise within two steps -------------------------------------------------

def test_cq5_expertise_within_two_steps(sample_db, data) -> None:
    rows = run(sample_db, "reachable-expertise", person="p101")
    assert len({r["topic"] for r in rows}) >= 3
    assert {r["steps"] for r in rows} <= {1, 2}

    # Independent breadth-first search over the ties (either direction).
    def neighbours(a):
        return {t["alter"] for t in ties_of(data, a)}
    one = neighbours(tw("p101")) - {tw("p101")}
    two = set().union(*(neighbours(a) for a in one)) - one - {tw("p101")}
    expected = {}
    for steps, ring in ((1, one), (2, two)):
        for p in ring:
            if is_a(data, p, CKG.Person):
                for topic in data.objects(URIRef(p), SCHEMA.knowsAbout):
                    expected[(p, str(topic))] = steps
    assert {(r["other"], r["topic"]): r["steps"] for r in rows} == expected
    for r in rows:
        if r["steps"] == 2:
            assert r["through"] in one and r["other"] in neighbours(r["through"])
            assert r["throughLabel"]
        else:
            assert r["through"] is None


# --- CQ7: diffusion of the kijkwijzer ----------------------------------------------------------

def test_cq7_kijkwijzer_spread_with_sources_brokers_networks(sample_db, data) -> None:
    rows = run(sample_db, "diffusion-trace", artefact="a-kijkwijzer-ol")
    family = descendants_or_self(data, TW["a-kijkwijzer-ol"])
    expected = {str(a) for a in data.subjects(RDF.type, CKG.Adoption)
                if str(data.value(a, CKG.adoptedArtefact)) in family}
    assert {r["adoption"] for r in rows} == expected
    adopters = {r["adopter"] for r in rows}
    assert len(adopters) >= 10 and all(is_a(data, s, CKG.School) for s in adopters)
    dates = [r["date"] for r in rows]
    assert all(dates) and dates == sorted(dates)
    assert "2018" <= dates[0][:4] and dates[-1][:4] <= "2025"
    assert rows[0]["order"] == 1 and rows[0]["daysSinceFirst"] == 0
    assert [r["daysSinceFirst"] for r in rows] == sorted(r["daysSinceFirst"] for r in rows)

    adoptions = {r["adoption"]: r for r in rows}
    full = [r for r in adoptions.values() if r["source"] and r["broker"] and r["network"]]
    assert len(full) > len(adoptions) / 2, "most adoptions should have a source, a broker and a network"
    first_date = {}
    for r in rows:
        first_date.setdefault(r["adopter"], r["date"])
    for r in adoptions.values():
        if r["source"]:
            assert r["source"] in first_date and first_date[r["source"]] < r["date"], (
                f"{r['adoption']}: source {r['source']} did not adopt earlier")
        if r["broker"]:
            assert is_a(data, r["broker"], CKG.Person)

    copies = {r["adaptedCopy"]: r for r in rows if r["adaptedCopy"]}
    assert len(copies) >= 2
    assert any("kleuter" in (c["adaptedCopyLabel"] or "").lower() for c in copies.values())
    for c in copies:
        assert data.value(URIRef(c), PROV.wasDerivedFrom) is not None


def test_cq7_derivation_tree_reaches_depth_two(sample_db, data) -> None:
    rows = run(sample_db, "derivations", artefact="a-kijkwijzer-ol")
    family = descendants_or_self(data, TW["a-kijkwijzer-ol"]) - {tw("a-kijkwijzer-ol")}
    assert {r["copy"] for r in rows} == family
    depth = {tw("a-kijkwijzer-ol"): 0}
    for r in sorted(rows, key=lambda r: r["depth"]):
        assert r["parent"] == str(data.value(URIRef(r["copy"]), PROV.wasDerivedFrom))
        assert r["depth"] == depth[r["parent"]] + 1
        depth[r["copy"]] = r["depth"]
    assert max(r["depth"] for r in rows) >= 2
    labels = " ".join((r["copyLabel"] or "").lower() for r in rows)
    assert "kleuter" in labels
    vo = [r for r in rows if r["adaptedBy"] and (URIRef(r["adaptedBy"]), CKG.sector,
                                                 URIRef("https://w3id.org/connective-kg/vocab/sector/vo")) in data]
    assert vo or " vo" in labels, "no vo version of the kijkwijzer"


def test_cq7_schools_near_adopters(sample_db, data) -> None:
    rows = run(sample_db, "next-adopters", artefact="a-kijkwijzer-ol")
    family = {URIRef(a) for a in descendants_or_self(data, TW["a-kijkwijzer-ol"])}
    adopters = {str(data.value(a, CKG.adopter)) for a in data.subjects(RDF.type, CKG.Adoption)
                if data.value(a, CKG.adoptedArtefact) in family}
    assert rows
    schools = {r["school"] for r in rows}
    assert not schools & adopters
    assert all(is_a(data, s, CKG.School) for s in schools)
    assert all(r["viaAdopter"] in adopters for r in rows)
    assert {r["reason"] for r in rows} <= {"same-board", "tie", "network"}
    assert {"same-board", "tie"} & {r["reason"] for r in rows}
    reasons = defaultdict(set)
    for r in rows:
        reasons[r["school"]].add(r["reason"])
    assert all(r["score"] == len(reasons[r["school"]]) for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    for r in rows:
        if r["reason"] == "same-board":
            boards = set(data.objects(URIRef(r["school"]), ORG.subOrganizationOf))
            assert boards & set(data.objects(URIRef(r["viaAdopter"]), ORG.subOrganizationOf))


# --- CQ8: boundary objects ----------------------------------------------------------------------

def test_cq8_boundary_objects(sample_db, data) -> None:
    rows = run(sample_db, "boundary-objects")
    found = {r["artefact"] for r in rows}
    assert {tw("a-beoordelingscriteria"), tw("a-kijkwijzer-ol")} <= found
    for a in (tw("a-beoordelingscriteria"), tw("a-kijkwijzer-ol")):
        mine = [r for r in rows if r["artefact"] == a]
        assert len({r["network"] for r in mine}) >= 2 and len({r["role"] for r in mine}) >= 2
        assert all(r["asserted"] for r in mine)
    # Independent: every artefact with memberships in >= 2 networks and >= 2 roles, and only those.
    by_artefact = defaultdict(set)
    for m in memberships(data):
        if m["role"] and is_a(data, m["member"], CKG.Artefact):
            by_artefact[m["member"]].add((m["network"], m["role"]))
    expected = {a for a, pairs in by_artefact.items()
                if len({n for n, _ in pairs}) >= 2 and len({r for _, r in pairs}) >= 2}
    assert found == expected
    # What the data asserts as boundary object meets the criterion.
    assert iris(data, None, RDF.type, CKG.BoundaryObject) <= found


# --- CQ9: boundary crossers and brokers ---------------------------------------------------------

def test_cq9_boundary_crossers_by_mechanism(sample_db, data) -> None:
    rows = run(sample_db, "boundary-crossers")
    assert {r["learningMechanism"] for r in rows} == {str(MECH[m]) for m in
                                                      ("identification", "coordination", "reflection", "transformation")}
    crossings = {str(c) for c in data.subjects(RDF.type, CKG.BoundaryCrossing)}
    assert {r["crossing"] for r in rows} == crossings
    assert any(is_a(data, r["crosser"], CKG.Person) for r in rows)
    orgs = [r for r in rows if r["learningMechanism"] == str(MECH.transformation)
            and is_a(data, r["crosser"], CKG.Organisation)]
    assert orgs, "no transformation crossing by an organisation"
    assert any(tw("n-lab") in (r["toNetwork"], r["fromNetwork"]) and r["crosserType"] == str(CKG.SchoolBoard)
               for r in orgs), "the boards creating n-lab are not recorded as a transformation crossing"

    # Schoolopleiders cross (coordination) between their school team and the partnership.
    coordination = run(sample_db, "boundary-crossers", mechanism="coordination")
    assert coordination and all(r["learningMechanism"] == str(MECH.coordination) for r in coordination)
    assert {r["crossing"] for r in coordination} == {r["crossing"] for r in rows
                                                     if r["learningMechanism"] == str(MECH.coordination)}
    by_label = run(sample_db, "boundary-crossers", mechanism="coördinatie")  # the Dutch label
    assert [{**r, "mechanism": None} for r in by_label] == [{**r, "mechanism": None} for r in coordination]
    schoolopleiders = iris(data, None, CKG.hasRole, ROLE["school-based-educator"])
    hits = [r for r in coordination if r["crosser"] in schoolopleiders
            and tw("n-partnerschap") in (r["fromNetwork"], r["toNetwork"])
            and any(is_a(data, n, CKG.SchoolTeam) for n in (r["fromNetwork"], r["toNetwork"]))]
    assert hits, "no schoolopleider crossing between a school team and the partnership (coordination)"
    produced = [r for r in rows if r["produced"] == tw("a-leesaanpak-vmbo")]
    assert produced and produced[0]["learningMechanism"] == str(MECH.transformation)
    assert tw("n-dev-lezen") in (produced[0]["fromNetwork"], produced[0]["toNetwork"])


def test_cq9_brokers_between_networks(sample_db, data) -> None:
    rows = run(sample_db, "brokers-between-networks")
    assert rows
    members = defaultdict(set)
    for m in memberships(data):
        if is_a(data, m["member"], CKG.Person):
            members[m["network"]].add(m["member"])
    pairs = defaultdict(set)
    for r in rows:
        assert r["networkA"] < r["networkB"]
        assert r["broker"] in members[r["networkA"]] & members[r["networkB"]]
        pairs[(r["networkA"], r["networkB"])].add(r["broker"])
    for (a, b), brokers in pairs.items():
        assert brokers == members[a] & members[b]
        n = next(r["brokers"] for r in rows if (r["networkA"], r["networkB"]) == (a, b))
        assert n == len(brokers)
    assert any(r["tiesBetween"] > 0 for r in rows)


# --- CQ10: isolated groups; closed and open networks --------------------------------------------

def test_cq10_kleuter_teachers_are_isolated_in_their_team(sample_db, data) -> None:
    rows = run(sample_db, "team-isolation", network="n-team-de-esch")
    team = {m["member"] for m in memberships(data, network=tw("n-team-de-esch")) if is_a(data, m["member"], CKG.Person)}
    assert {r["person"] for r in rows} == team
    kleuter = {p for p in team if (URIRef(p), SCHEMA.knowsAbout, TOPIC["early-years"]) in data}
    assert len(kleuter) == 3, f"kleuter teachers in the team: {sorted(kleuter)}"
    by_person = {r["person"]: r for r in rows}
    for p in kleuter:
        r = by_person[p]
        assert r["isolated"] is True, r
        assert r["ties"] <= 2 and r["maxDepthRank"] <= 1 and r["avgPerMonth"] <= 1
    others = team - kleuter
    assert others and not any(by_person[p]["isolated"] for p in others)
    assert all(by_person[p]["maxDepthRank"] >= 3 for p in others)
    # No tie between a kleuter teacher and a teacher of groups 3-8 (independent).
    for p in kleuter:
        assert not {t["alter"] for t in ties_of(data, p)} & others
    assert [r["isolated"] for r in rows] == sorted((r["isolated"] for r in rows), reverse=True)


def test_cq10_plg_is_open_and_some_team_is_closed(sample_db, data) -> None:
    plg = run(sample_db, "network-openness", network="n-plg-wt")[0]

    def independent(network: str) -> tuple[int, int]:
        members = {m["member"] for m in memberships(data, network=network)}
        internal = external = 0
        for tie in data.subjects(RDF.type, CKG.Tie):
            ends = {str(data.value(tie, CKG.source)) in members, str(data.value(tie, CKG.target)) in members}
            if ends == {True}:
                internal += 1
            elif ends == {True, False}:
                external += 1
        return internal, external

    assert (plg["internalTies"], plg["externalTies"]) == independent(tw("n-plg-wt"))
    e, i = plg["externalTies"], plg["internalTies"]
    assert plg["eiIndex"] == pytest.approx(Decimal(e - i) / Decimal(e + i))
    assert plg["externalShare"] == pytest.approx(Decimal(e) / Decimal(e + i))
    assert plg["organisations"] >= 5, "the PLG should reach across many schools"

    teams = sorted(str(t) for t in data.subjects(RDF.type, CKG.SchoolTeam))
    openness = {t: run(sample_db, "network-openness", network=t)[0] for t in teams}
    closed = [t for t, r in openness.items() if r["internalTies"] + r["externalTies"] > 0
              and r["externalShare"] <= Decimal("0.25")]
    assert closed, {t: r["eiIndex"] for t, r in openness.items()}
    assert all(plg["eiIndex"] > openness[t]["eiIndex"] for t in closed)


# --- CQ11: participation (decisional capital) ---------------------------------------------------

def test_cq11_participation_of_a_founder(sample_db, data) -> None:
    rows = run(sample_db, "participation", person="p001")
    expected = memberships(data, member=tw("p001"))
    assert len(rows) == len(expected) and len({r["network"] for r in rows}) >= 3
    levels = {r["network"]: r["level"] for r in rows}
    assert levels[tw("n-plg-wt")] == str(LEVEL.core)
    assert levels[tw("n-ig-wt-digitaal")] == str(LEVEL.active)
    assert str(LEVEL.peripheral) in levels.values()
    assert all(r["hoursPerYear"] is not None and r["motivation"] for r in rows)
    assert [r["levelRank"] for r in rows] == sorted((r["levelRank"] for r in rows), reverse=True)
    assert {(r["network"], r["hoursPerYear"]) for r in rows} == {
        (m["network"], Decimal(str(m["hours"]))) for m in expected}
    assert (URIRef(tw("p001")), CKG.hasRole, ROLE["wt-coordinator"]) in data


# --- CQ12: growth of the PLG ---------------------------------------------------------------------

def test_cq12_plg_grew_from_four_to_thirty(sample_db, data) -> None:
    rows = run(sample_db, "network-growth", network="n-plg-wt", on=TODAY)
    by_year = {r["year"]: r for r in rows}
    assert min(by_year) == 2017 and max(by_year) == 2026
    assert by_year[2017]["schoolYear"] == "2017-2018"
    assert by_year[2017]["joined"] == 4, "four founders in school year 2017-2018"
    assert all(r["activeOn"] == 30 for r in rows), "thirty members on 2026-11-25"
    assert all(by_year[y]["joined"] > 0 for y in range(2017, 2026)), "growth every school year"
    assert by_year[2024]["activeAtEnd"] > by_year[2017]["activeAtEnd"]

    # Independent: joins per school year from the membership periods of people.
    people = [m for m in memberships(data, network=tw("n-plg-wt")) if is_a(data, m["member"], CKG.Person)]
    joined = defaultdict(set)
    for m in people:
        joined[school_year(m["begin"])].add(m["member"])
    assert {y: r["joined"] for y, r in by_year.items()} == {y: len(joined.get(y, ())) for y in by_year}
    today = dt.date.fromisoformat(TODAY)
    active = {m["member"] for m in people if m["begin"] <= today and (m["end"] is None or m["end"] >= today)}
    assert len(active) == 30

    # The same thirty through network-members, and who they are.
    members = run(sample_db, "network-members", network="n-plg-wt", on=TODAY)
    assert {r["member"] for r in members if r["memberType"] == str(CKG.Person)} == active
    roles = defaultdict(set)
    for p in active:
        for role in data.objects(URIRef(p), CKG.hasRole):
            roles[str(role)].add(p)
    for role in ("director", "ict-coordinator", "school-based-educator", "expert"):
        assert roles[str(ROLE[role])], f"no {role} among the thirty"
    assert len(roles[str(ROLE["wt-coordinator"])]) > 15, "mostly W&T coordinators"
    assert any(is_a(data, o, CKG.TeacherEducationInstitute)
               for p in roles[str(ROLE.expert)] for o in affiliations(data, p))
    # Artefact members are listed by network-members (ANT) but not counted as growth.
    assert all(r["memberType"] for r in members)


# --- CQ13: covenant commitments; letters of intent that run out ----------------------------------

def test_cq13_covenant_parties_themes_and_commitments(sample_db, data) -> None:
    rows = run(sample_db, "covenant-commitments", covenant="c-knll")
    parties = iris(data, TW["c-knll"], CKG.party)
    assert len(parties) >= 6 and {r["party"] for r in rows} == parties
    agenda = set()
    for t in data.objects(TW["c-knll"], CKG.agendaTheme):
        agenda |= {str(lab) for lab in data.objects(t, SKOS.prefLabel) if lab.language == "nl"}
    assert set(rows[0]["agendaThemes"].split(", ")) == agenda
    for topic in ("science-technology", "digital-literacy", "reading-skills", "giftedness", "teacher-education"):
        assert TOPIC[topic] in set(data.objects(TW["c-knll"], CKG.agendaTheme)), topic

    # Every letter of intent under the covenant shows up under the party of its signatory.
    def party_of(person: str) -> set[str]:
        found = set()
        for org in affiliations(data, person):
            chain, todo = {org}, [org]
            while todo:
                for up in data.objects(URIRef(todo.pop()), ORG.subOrganizationOf):
                    if str(up) not in chain:
                        chain.add(str(up))
                        todo.append(str(up))
            found |= chain & parties
        return found

    lois = {str(loi) for loi in data.subjects(CKG.underCovenant, TW["c-knll"])}
    assert lois
    got = {(r["party"], r["intent"]) for r in rows if r["intent"]}
    expected = {(p, loi) for loi in lois for p in party_of(str(data.value(URIRef(loi), CKG.signatory)))}
    assert got == expected
    assert any(r["onAgenda"] for r in rows if r["intent"])
    for r in rows:
        if r["intent"]:
            assert r["group"] == str(data.value(URIRef(r["intent"]), CKG.commitsTo))
            assert is_a(data, r["group"], CKG.DevelopmentGroup)


def test_cq13_letters_of_intent_running_out(sample_db, data) -> None:
    rows = run(sample_db, "expiring-intents", on=TODAY, days=95)  # up to 2027-02-28
    soon = [r for r in rows if r["state"] == "ends soon"]
    assert len(soon) >= 2
    assert all(TODAY <= r["end"] <= "2027-02-28" for r in soon)
    assert all(r["daysLeft"] == (dt.date.fromisoformat(r["end"]) - dt.date.fromisoformat(TODAY)).days for r in rows)
    assert [r["end"] for r in rows] == sorted(r["end"] for r in rows)

    # Independent: the letters of intent whose end lies in the window, from the files.
    ends = {}
    for loi in data.subjects(RDF.type, CKG.LetterOfIntent):
        end = data.value(data.value(data.value(loi, CKG.validDuring), TIME.hasEnd), TIME.inXSDDate)
        ends[str(loi)] = end.toPython()
    today = dt.date.fromisoformat(TODAY)
    window = {loi for loi, e in ends.items() if today <= e <= today + dt.timedelta(days=95)}
    assert {r["intent"] for r in soon} == window

    # At least one has already ended; seen as "ended" from the day after its end.
    ended = sorted((e, loi) for loi, e in ends.items() if e < today)
    assert ended, "no letter of intent has ended yet"
    last_end, last = ended[-1]
    after = run(sample_db, "expiring-intents", on=(last_end + dt.timedelta(days=1)).isoformat(), days=1)
    assert any(r["intent"] == last and r["state"] == "ended" and r["daysLeft"] == -1 for r in after)


# --- CQ14: professional-capital profile ----------------------------------------------------------

def test_cq14_capital_profile_of_p001(sample_db, data) -> None:
    rows = run(sample_db, "capital-profile", person="p001")
    assert len(rows) == 1
    r = rows[0]
    p = URIRef(tw("p001"))
    # human capital
    assert r["expertiseTopics"] == len(set(data.objects(p, SCHEMA.knowsAbout))) >= 1
    assert r["authoredArtefacts"] == len(set(data.subjects(DCT.creator, p))) >= 1
    # social capital
    ties = ties_of(data, tw("p001"))
    assert r["ties"] == len(ties) >= 1
    assert r["alters"] == len({t["alter"] for t in ties})
    # strong ties are tied pairs (a pair reported in two school years counts once)
    assert r["strongTies"] == len({t["alter"] for t in ties if t["closeness"] is not None and t["perMonth"] is not None
                                   and Decimal(str(t["closeness"])) * Decimal(str(t["perMonth"])) >= 8})
    # decisional capital
    ms = memberships(data, member=tw("p001"))
    assert r["memberships"] == len(ms) and r["networks"] >= 3
    assert (r["core"], r["active"], r["peripheral"]) == tuple(
        sum(1 for m in ms if m["level"] == str(LEVEL[x])) for x in ("core", "active", "peripheral"))
    assert r["hoursPerYear"] == sum(Decimal(str(m["hours"] or 0)) for m in ms)
    assert r["withMotivation"] == sum(1 for m in ms if m["motivation"]) == len(ms)


# --- the neighbourhood of an artefact (ANT: an artefact has relations like a person) ------------

def test_actor_neighbourhood_of_the_kijkwijzer(sample_db, data) -> None:
    rows = run(sample_db, "actor-neighbourhood", actor="a-kijkwijzer-ol")
    rel = {(r["relation"], r["direction"], r["other"]) for r in rows}
    assert ("made in", "out", tw("n-plg-wt")) in rel
    for creator in data.objects(TW["a-kijkwijzer-ol"], DCT.creator):
        assert ("creator of", "in", str(creator)) in rel
    for m in memberships(data, member=tw("a-kijkwijzer-ol")):
        assert ("member of", "out", m["network"]) in rel
    adopters = {str(data.value(a, CKG.adopter)) for a in data.subjects(CKG.adoptedArtefact, TW["a-kijkwijzer-ol"])}
    assert {o for r, d, o in rel if r == "adopted" and d == "in"} == adopters
    for copy in data.subjects(PROV.wasDerivedFrom, TW["a-kijkwijzer-ol"]):
        assert ("derived from", "in", str(copy)) in rel
    assert all(r["otherLabel"] for r in rows)
