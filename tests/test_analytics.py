"""kg.analytics on a hand-built region (tests/analytics/small-region.ttl, built into a real store)
with every value worked out by hand, and on the Twente sample against what its data says."""

from __future__ import annotations

import math
from pathlib import Path

import pyoxigraph as ox
import pytest
from answer_types import mismatches

from kg.analytics import access, brokers, capital, cohesion, openness, structure
from kg.analytics.cache import AnalyticsCache
from kg.analytics.extract import load_region
from kg.analytics.subjects import COMMON_KEYS, KIND_KEYS, Analysis, analyse
from kg.pipeline.build import build
from kg.sparql import queries
from kg.store import GraphStore

HERE = Path(__file__).resolve().parent
X = "https://small.example/id/"
TW = "https://knll-twente.example/id/"
A, B, C, D, E, F, G, K = (X + n for n in "abcdefgk")
N1, N2, S1, S2, S3 = X + "N1", X + "N2", X + "S1", X + "S2", X + "S3"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    store = GraphStore(tmp_path_factory.mktemp("small") / "store")
    result = build([HERE / "analytics"], store)
    assert result.committed, result.errors or result.violations
    db = store.open()
    return db, load_region(db, "internal", "en")


@pytest.fixture(scope="module")
def sample(sample_db: ox.Store):
    return sample_db, load_region(sample_db, "internal", "nl")


# --- the analysed graph --------------------------------------------------------------

def test_graph_has_humans_and_artefacts_and_a_people_only_option(small) -> None:
    _, r = small
    g, p = r.graph(False), r.graph(True)
    # people-only: 7 people, the 6 ties; with artefacts: k joins e and f (mediation of e-f, and f made k)
    assert sorted(p.nodes) == [A, B, C, D, E, F, G]
    assert p.number_of_edges() == 6
    assert set(g.nodes) == set(p.nodes) | {K}
    assert g.number_of_edges() == 8
    assert g.edges[K, F]["relations"] == {"mediation", "creator"} and g.edges[K, E]["relations"] == {"mediation"}
    # strength = closeness x per month: e-f 5 x 4 = 20; depth = rank of joint work = 4
    assert g.edges[E, F]["strength"] == 20 and g.edges[E, F]["depth"] == 4 and g.edges[E, F]["trust"] == 5


# --- structure ----------------------------------------------------------------------

def test_reach_within_one_and_two_steps_and_per_school_year(small) -> None:
    _, r = small
    g = r.graph(True)
    out = structure.reach(r, g, A)
    # a: 1 step {b, c} (both in N1, at S1); 2 steps {b, c, d} (d adds N2)
    assert out["steps"]["1"] == {"actors": 2, "networks": 1, "organisations": 1}
    assert out["steps"]["2"] == {"actors": 3, "networks": 2, "organisations": 1}
    # c: 2023 has only a-c: {a} / {a, b} (a-b is 2023 too); 2024: b-c, c-d, d-e, e-f -> {b, d} / {b, d, e}
    by_year = {row["year"]: row for row in structure.reach(r, g, C)["by_year"]}
    assert sorted(by_year) == [2023, 2024]
    assert by_year[2023]["1"]["actors"] == 1 and by_year[2023]["2"]["actors"] == 2
    assert by_year[2024]["1"]["actors"] == 2 and by_year[2024]["2"]["actors"] == 3
    assert by_year[2024]["2"]["organisations"] == 2     # e is at S2


def test_tie_strength_and_depth_distribution(small) -> None:
    _, r = small
    ties = structure.tie_rows(r, A)
    # a-b 4 x 2 = 8 first, then a-c 3 x 1 = 3
    assert [(t["alter"]["iri"], t["strength"]) for t in ties] == [(B, 8.0), (C, 3.0)]
    person = {row["rank"]: row["ties"] for row in structure.depth_distribution(r, [t for t in r.ties if A in (t.source, t.target)])}
    assert person == {1: 0, 2: 0, 3: 1, 4: 1}
    # N1 = {a, b, c, d, g}: ties touching it: ab(4) ac(3) bc(2) cd(1) inside, de(3) leaving
    n1 = {A, B, C, D, G}
    rows = {row["rank"]: row for row in structure.depth_distribution(r, structure.ties_of(r, n1), n1)}
    assert [(rows[k]["internal"], rows[k]["external"]) for k in (1, 2, 3, 4)] == [(1, 0), (1, 0), (1, 1), (1, 0)]
    assert rows[3]["depth"] == "sharing"


# --- open vs closed ------------------------------------------------------------------------

def test_density_clustering_and_ei_index(small) -> None:
    _, r = small
    g = r.graph(True)
    n1 = openness.openness(r, g, {A, B, C, D, G})
    # I = ab, ac, bc, cd = 4; E = de = 1; E-I = (1 - 4) / 5 = -0.6; share leaving 1/5
    assert (n1["internal_pairs"], n1["external_pairs"]) == (4, 1)
    assert n1["ei_index"] == pytest.approx(-0.6) and n1["external_share"] == pytest.approx(0.2)
    # density 4 / (5 x 4 / 2) = 0.4
    assert n1["density"] == pytest.approx(0.4)
    # clustering in N1: a 1, b 1, c 1/3 (of a-b, a-d, b-d only a-b), d 0, g 0 -> (7/3) / 5 = 7/15
    assert n1["clustering"] == pytest.approx(7 / 15)
    n2 = openness.openness(r, g, {D, E, F})
    # I = de, ef = 2; E = cd = 1 -> -1/3; density 2/3; no triangles -> 0
    assert n2["ei_index"] == pytest.approx(-1 / 3) and n2["density"] == pytest.approx(2 / 3)
    assert n2["clustering"] == 0


# --- brokers ---------------------------------------------------------------------------------

def test_betweenness_constraint_effective_size_by_hand(small) -> None:
    _, r = small
    m = brokers.global_metrics(r, True)
    # n = 7: pairs of others (n-1)(n-2)/2 = 15. c is on every path {a, b} x {d, e, f}: 6 -> 0.4;
    # d on {a, b, c} x {e, f}: 6 -> 0.4; e on {a, b, c, d} x {f}: 4 -> 4/15; a, b, f, g: 0
    assert m["betweenness"][C] == pytest.approx(0.4) and m["betweenness"][D] == pytest.approx(0.4)
    assert m["betweenness"][E] == pytest.approx(4 / 15) and m["betweenness"][A] == 0
    # constraint, p_ij = 1/deg(i):
    # a (b, c): j=b: (1/2 + p_ac p_cb = 1/2 x 1/3)^2 = 4/9; j=c: (1/2 + p_ab p_bc = 1/2 x 1/2)^2 = 9/16 -> 145/144
    assert m["constraint"][A] == pytest.approx(145 / 144)
    # c (a, b, d): j=a: (1/3 + 1/3 x 1/2)^2 = 1/4; j=b: 1/4; j=d: (1/3)^2 = 1/9 -> 11/18
    assert m["constraint"][C] == pytest.approx(11 / 18)
    # d (c, e), contacts unconnected: 2 x (1/2)^2 = 1/2; f has one contact: 1; g has none: null
    assert m["constraint"][D] == pytest.approx(0.5) and m["constraint"][F] == pytest.approx(1.0)
    assert m["constraint"][G] is None
    # effective size n - 2t/n: a 2 - 2x1/2 = 1; c 3 - 2/3 = 7/3; d 2 - 0 = 2; g null
    assert m["effective_size"][A] == pytest.approx(1.0)
    assert m["effective_size"][C] == pytest.approx(7 / 3)
    assert m["effective_size"][D] == pytest.approx(2.0) and m["effective_size"][G] is None


def test_broker_spans_a_hole_between_organisations_and_takes_part_in_two_networks(small) -> None:
    _, r = small
    rows = {row["actor"]["iri"]: row for row in brokers.broker_rows(r, True, {A, B, C, D, E, F, G})}
    # d: contacts c (S1) and e (S2) are not tied -> 1 brokered pair, and d is in N1 and N2 -> broker
    assert rows[D]["brokered_pairs"] == 1 and rows[D]["multi_network"] and rows[D]["broker"]
    assert [(link["from"]["iri"], link["to"]["iri"]) for link in rows[D]["links"]] == [(S1, S2)]
    # e: d (S1) and f (S2) unconnected -> 1 pair, but e is only in N2 -> not a broker
    assert rows[E]["brokered_pairs"] == 1 and not rows[E]["broker"]
    # c: all contacts at S1 -> no hole between organisations
    assert rows[C]["brokered_pairs"] == 0 and not rows[C]["broker"]
    assert [iri for iri, row in rows.items() if row["broker"]] == [D]
    shared = brokers.shared_members(r, N1)
    assert [(s["network"]["iri"], [p["iri"] for p in s["people"]]) for s in shared] == [(N2, [D])]


# --- isolates, weak groups, core and periphery ------------------------------------------------

def test_isolates_weak_groups_and_k_core_against_declared_level(small) -> None:
    _, r = small
    n1 = {A, B, C, D, G}
    rows = {row["actor"]["iri"]: row for row in cohesion.isolation(r, n1)}
    # inside N1: d has one storytelling tie (c-d) -> isolated; g no tie -> isolated; a, b, c go deeper
    assert {iri for iri, row in rows.items() if row["isolated"]} == {D, G}
    assert (rows[C]["ties"], rows[C]["max_depth"]) == (3, 3)
    weak = cohesion.weak_groups(r, n1)
    assert [[m["iri"] for m in w["members"]] for w in weak] == [[G]]
    cp = cohesion.core_periphery(r, r.graph(True), n1, N1)
    k = {row["actor"]["iri"]: row for row in cp["members"]}
    # triangle a, b, c -> 2-core (k max); d 1 -> periphery; g 0 -> periphery
    assert cp["k_max"] == 2 and {i: k[i]["k_core"] for i in k} == {A: 2, B: 2, C: 2, D: 1, G: 0}
    # declared: a core, b active, c core, d peripheral, g peripheral -> b disagrees: 4/5
    assert [i for i in k if k[i]["agrees"] is False] == [B]
    assert cp["agreement"] == pytest.approx(0.8)
    assert cp["crosstab"]["active"]["core"] == 1 and cp["crosstab"]["periphery"]["periphery"] == 2


# --- access to expertise -----------------------------------------------------------------------

def test_shortest_trusted_path_to_expertise(small) -> None:
    _, r = small
    digital = "https://w3id.org/connective-kg/vocab/topic/digital-literacy"
    # f declares programming, narrower (twice) than digital literacy -> f is the one expert
    assert access.experts(r, digital) == {F}
    # trusted ties (trust >= 4): a-b, a-c, d-e, e-f; b-c (2) and c-d (3) are not
    found = access.trusted_path(r, D, digital)
    assert [p["iri"] for p in found["path"]] == [D, E, F] and found["steps"] == 2
    assert access.trusted_path(r, F, digital)["steps"] == 0
    assert access.trusted_path(r, A, digital)["path"] is None
    missing = access.without_access(r, {A, B, C, D, G}, digital)
    assert [p["iri"] for p in missing["without_access"]] == [A, B, C, G]


# --- diffusion -------------------------------------------------------------------------------------

def test_diffusion_curve_intervals_reach_carriers_and_next_adopters(small) -> None:
    db, r = small
    out = analyse(db, r, "k")
    assert [(p["date"], p["adoptions"], p["schools"]) for p in out["adoption_curve"]] == [
        ("2023-09-01", 1, 1), ("2024-01-10", 2, 2)]
    # 2023-09-01 -> 2024-01-10: 29 + 31 + 30 + 31 + 10 = 131 days
    assert out["intervals"]["days"] == [131] and out["intervals"]["median_days"] == 131
    assert [(x["group"]["iri"], x["count"]) for x in out["reach_by_board"]] == [(X + "B", 2)]
    assert [x["count"] for x in out["reach_by_sector"]] == [2]
    assert [(x["group"]["iri"], x["count"]) for x in out["carriers"]["brokers"]] == [(F, 2)]
    assert [(x["group"]["iri"], x["count"]) for x in out["carriers"]["networks"]] == [(N2, 1)]
    # S3 shares the board with both adopters and has nobody in it: same board, no tie path
    assert [(n["school"]["iri"], n["score"], n["steps"]) for n in out["next_adopters"]] == [(S3, 1, None)]
    assert out["next_adopters"][0]["reasons"][0]["reason"] == "same-board"


# --- professional capital ---------------------------------------------------------------------------

def test_capital_profile_indicators_and_percentile_scores(small) -> None:
    _, r = small
    p = capital.profile(r, A)
    ind = p["indicators"]
    # a: alters b, c; strong ties (>= 8): a-b = 8; mean trust (5 + 4) / 2
    assert (ind["alters"], ind["strong_ties"], ind["mean_trust"]) == (2, 1, 4.5)
    assert (ind["networks"], ind["core"], ind["hours"], ind["motivated_share"]) == (1, 1, 40.0, 1.0)
    # alters of the 7 people: a 2, b 2, c 3, d 2, e 2, f 1, g 0 -> a: (2 below + 4 equal / 2) / 7
    assert p["percentiles"]["alters"] == pytest.approx((2 + 4 / 2) / 7 * 100)
    # human capital: f alone has expertise (1) and authorship (1); a has 0 of all three:
    # expertise 0 for 6 of 7 -> (0 + 6/2)/7; attributed all 0 -> 50; authored like expertise
    assert p["scores"]["human"] == pytest.approx(((3 / 7) * 100 + 50 + (3 / 7) * 100) / 3)
    assert capital.percentile_rank(5, [1, 5, 9]) == pytest.approx(50)


# --- the Twente sample ------------------------------------------------------------------------------

def test_the_kleuter_teachers_of_de_esch_are_the_isolated_group(sample) -> None:
    db, r = sample
    result = analyse(db, r, "n-team-de-esch")
    # expected from the data: team members whose ties inside the team are at most storytelling and
    # at most two (the rule of team-isolation.rq, which must agree)
    by_query = {row["person"].value for row in queries.run(db, "team-isolation", {"network": "n-team-de-esch"})
                if row["isolated"].value == "true"}
    found = {x["actor"]["iri"] for x in result["isolates"]}
    assert found == by_query == {TW + "p038", TW + "p039", TW + "p040"}
    # they declare early-years expertise, and form the one group apart from the rest of the team
    kleuter = "https://w3id.org/connective-kg/vocab/topic/early-years"
    assert all(kleuter in r.objects("expertise", p) for p in found if r.objects("expertise", p))
    assert [{m["iri"] for m in w["members"]} for w in result["weak_groups"]] == [found]
    # the team is closed: most pairs stay inside
    assert result["openness"]["ei_index"] < 0
    graph_flags = {n["iri"] for n in result["graph"]["nodes"] if n["isolated"]}
    assert graph_flags == found


def test_the_schoolopleiders_who_coordinate_are_brokers(sample) -> None:
    db, r = sample
    # from the data: people with the role school-based educator who cross a boundary by coordination
    crossers = {row["crosser"].value for row in queries.run(db, "boundary-crossers", {"mechanism": "coordination"})}
    sbe = r.subjects("role", "https://w3id.org/connective-kg/vocab/role/school-based-educator")
    g = r.graph(False)
    # ... and whose contacts work at two or more organisations (one with a single tie cannot broker)
    coordinating = {p for p in sbe & crossers
                    if len({o for x in g[p] for o in r.organisations_of(x)}) >= 2}
    assert {TW + "p010", TW + "p064"} <= coordinating
    people = set(r.people())
    rows = {row["actor"]["iri"]: row for row in brokers.broker_rows(r, False, people)}
    for p in coordinating:
        row = rows[p]
        assert row["broker"], row
        # they link their school with other organisations (the institute, other schools)
        assert any(link["from"]["iri"] != link["to"]["iri"] for link in row["links"])
        assert row["betweenness"] > 0
    # and they are brokers on their own school's page too
    school = r.school_of(TW + "p010")
    page = analyse(db, r, school)
    assert TW + "p010" in {b["actor"]["iri"] for b in page["brokers"] if b["broker"]}


def test_p101_reach_grows_every_school_year(sample) -> None:
    db, r = sample
    by_year = analyse(db, r, "p101")["reach"]["by_year"]
    actors = [row["1"]["actors"] for row in by_year]
    assert [row["year"] for row in by_year] == [2022, 2023, 2024]
    assert actors == sorted(actors) and actors[0] < actors[-1]
    # the last year reaches beyond the training school
    assert by_year[-1]["1"]["organisations"] > by_year[0]["1"]["organisations"]


def test_public_view_shows_hidden_people_only_by_their_anonymous_label(sample) -> None:
    db, _ = sample
    public = load_region(db, "public", "nl")
    result = analyse(db, public, "n-team-de-esch")
    internal = load_region(db, "internal", "nl")
    hidden = [p for p in internal.people() if public.label(p) != internal.label(p)]
    assert hidden, "the sample has people without public consent"
    text = repr(result)
    for p in hidden:
        assert internal.label(p) not in text
    labels = {n["iri"]: n["label"] for n in result["graph"]["nodes"]}
    assert labels[TW + "p040"] == public.label(TW + "p040") != internal.label(TW + "p040")


def test_cache_is_kept_per_generation_and_dropped_on_a_new_one(small) -> None:
    db, _ = small
    cache = AnalyticsCache()
    from kg.analytics import analyse as run

    first = run(db, "N1", generation="gen-000001", cache=cache)
    assert run(db, "N1", generation="gen-000001", cache=cache) is first
    assert (cache.hits, cache.misses) == (1, 1)
    assert cache.region(db, "gen-000001", "internal", "nl") is cache.region(db, "gen-000001", "internal", "nl")
    again = run(db, "N1", generation="gen-000002", cache=cache)
    assert again is not first and again["generation"] == "gen-000002"
    assert {k: v for k, v in again.items() if k != "generation"} == {k: v for k, v in first.items() if k != "generation"}
    assert cache.misses == 2


def test_unknown_and_wrong_kind_of_name_are_errors(small) -> None:
    db, r = small
    with pytest.raises(queries.QueryError):
        analyse(db, r, "nobody-here")
    with pytest.raises(queries.QueryError):
        analyse(db, r, "a", kind="network")
    assert math.isfinite(analyse(db, r, "S1")["openness"]["ei_index"])


@pytest.mark.parametrize("subject, kind", [("n-team-de-esch", "network"), ("p101", "person"),
                                           ("a-kijkwijzer-ol", "artefact"), ("s-de-esch", "school")])
def test_every_kind_of_answer_has_exactly_its_declared_keys(sample, subject: str, kind: str) -> None:
    db, r = sample
    answer = analyse(db, r, subject)
    assert answer["kind"] == kind
    assert set(answer) == COMMON_KEYS | KIND_KEYS[kind]
    assert not mismatches(answer, Analysis)
    assert answer["graph"]["nodes"] and all(n["group"] is None or n["group"]["label"] for n in answer["graph"]["nodes"])
