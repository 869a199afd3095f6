"""kg.analytics.aggregate: the sociogram grouped by school (or role) and by community, for the
interactive picture. On the Twente sample and on a generated region with a network of more than
AGGREGATE_ABOVE actors: every actor in exactly one group, group sizes and the edges inside and
between groups equal to what the member-level edges say, counted here independently."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from conftest import generated_store

from kg.analytics import AnalyticsCache, analyse, sociogram
from kg.analytics.aggregate import AGGREGATE_ABOVE, Grouping, Interactive, by_community, by_key, initial
from kg.analytics.extract import load_region
from kg.analytics.pictures import OTHER, group_colours

TW = "https://knll-twente.example/id/"
GEN = "https://region.example/id/"


def assert_grouping_counts(answer: Interactive, grouping: Grouping) -> None:
    """The groups partition the nodes; sizes, inside edges, links and their edge lists are the
    member-level edges counted by pair of groups."""
    nodes = [n["iri"] for n in answer["nodes"]]
    members = [m for g in grouping["groups"] for m in g["members"]]
    assert sorted(members) == sorted(nodes) and len(set(members)) == len(members)
    assert sum(g["size"] for g in grouping["groups"]) == len(nodes)
    where = {m: g["id"] for g in grouping["groups"] for m in g["members"]}
    for g in grouping["groups"]:
        assert g["size"] == len(g["members"]) > 0
    pairs: Counter[frozenset[str]] = Counter()
    ties: Counter[frozenset[str]] = Counter()
    for e in answer["edges"]:
        pair = frozenset((where[e["source"]], where[e["target"]]))
        pairs[pair] += 1
        ties[pair] += e["ties"]
    assert {g["id"]: g["edges"] for g in grouping["groups"]} == \
        {g["id"]: pairs[frozenset([g["id"]])] for g in grouping["groups"]}
    between = {frozenset((link["source"], link["target"])): link for link in grouping["links"]}
    assert set(between) == {p for p in pairs if len(p) == 2}
    for pair, link in between.items():
        assert link["count"] == pairs[pair] == len(link["edges"]) and link["ties"] == ties[pair]
        ends = [frozenset((where[answer["edges"][i]["source"]], where[answer["edges"][i]["target"]]))
                for i in link["edges"]]
        assert set(ends) == {pair}
    assert sum(link["count"] for link in grouping["links"]) + sum(g["edges"] for g in grouping["groups"]) \
        == len(answer["edges"])
    sizes = [g["size"] for g in grouping["groups"]]
    assert sizes == sorted(sizes, reverse=True)


@pytest.fixture(scope="module")
def sample(sample_db: ox.Store):
    return sample_db, AnalyticsCache()


@pytest.mark.parametrize("actor", ["n-plg-wt", "n-team-de-esch", "b-primus", "p030", "a-kijkwijzer-ol"])
@pytest.mark.parametrize("view", ["internal", "public"])
def test_groupings_of_the_sample_count_what_the_edges_say(sample, actor: str, view: str) -> None:
    db, cache = sample
    answer = sociogram(db, actor, view=view, lang="en", cache=cache)
    analysis = analyse(db, actor, view=view, lang="en", cache=cache)
    assert answer["nodes"] == analysis["graph"]["nodes"] and answer["edges"] == analysis["graph"]["edges"]
    assert set(answer["groupings"]) == {"school", answer["colour_by"], "community"}
    for grouping in answer["groupings"].values():
        assert_grouping_counts(answer, grouping)
    assert len(answer["nodes"]) <= AGGREGATE_ABOVE and answer["initial"] == "none"
    assert [d["rank"] for d in answer["depths"]] == [1, 2, 3, 4] and answer["depths"][3]["label"] == "joint work"


def test_by_school_groups_the_colour_groups_and_labels_only_what_the_view_shows(sample) -> None:
    db, cache = sample
    answer = sociogram(db, "n-plg-wt", view="public", lang="nl", cache=cache)
    assert answer["colour_by"] == "school"
    school = answer["groupings"]["school"]
    nodes = {n["iri"]: n for n in answer["nodes"]}
    colours = group_colours(answer["nodes"])
    for g in school["groups"]:
        groups_of_members = {(nodes[m]["group"] or {}).get("iri") for m in g["members"]}
        assert groups_of_members == {g["iri"]}        # one school per group; None: the rest, one kind each
        if g["iri"]:
            assert g["label"] == nodes[g["members"][0]]["group"]["label"] and g["colour"] == colours[g["iri"]]
        else:
            assert len({nodes[m]["kind"] for m in g["members"]}) == 1 and g["colour"] == OTHER
            assert g["label"] == "Zonder school: artefacten"
    # community labels name a member as the view shows it, never the hidden name
    internal = {n["iri"]: n["label"] for n in sociogram(db, "n-plg-wt", lang="nl", cache=cache)["nodes"]}
    hidden = {internal[i] for i in internal if internal[i] != nodes[i]["label"]}
    assert hidden
    for g in answer["groupings"]["community"]["groups"]:
        assert g["label"].startswith("Groep ") and not any(name in g["label"] for name in hidden)


def test_communities_are_stable_and_dense_inside(sample) -> None:
    db, cache = sample
    answer = sociogram(db, "n-plg-wt", lang="en", cache=cache)
    again = by_community(answer, "en")
    assert again == answer["groupings"]["community"]
    groups = again["groups"]
    inside = sum(g["edges"] for g in groups)
    assert len(groups) > 1 and inside > sum(link["count"] for link in again["links"])   # most ties stay inside


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """A generated region of 600 people: its partnership network has more than 60 actors."""
    return generated_store(tmp_path_factory.mktemp("aggregate"), 600, seed=3).open()


def test_a_big_network_starts_grouped_by_school(generated) -> None:
    cache = AnalyticsCache()
    answer = sociogram(generated, GEN + "n-partnership-01", view="public", lang="nl", cache=cache)
    assert len(answer["nodes"]) > AGGREGATE_ABOVE
    assert answer["colour_by"] == "school" and answer["initial"] == "school"
    school = answer["groupings"]["school"]
    assert 1 < len(school["groups"]) < len(answer["nodes"]) / 3    # readable: far fewer points than actors
    for grouping in answer["groupings"].values():
        assert_grouping_counts(answer, grouping)
    region = load_region(generated, "public", "nl")
    for g in school["groups"]:
        for m in g["members"]:
            assert (region.school_of(m) or None) == g["iri"] or region.kind(m) != "person"
    # a board (coloured by role) of more than the limit starts by its schools; its role groups are there too
    answer = sociogram(generated, GEN + "b-0001", view="public", lang="nl", cache=cache)
    assert len(answer["nodes"]) > AGGREGATE_ABOVE and answer["colour_by"] == "role"
    assert answer["initial"] == "school" and set(answer["groupings"]) == {"school", "role", "community"}
    for grouping in answer["groupings"].values():
        assert_grouping_counts(answer, grouping)
    schools = answer["groupings"]["school"]["groups"]
    assert len([g for g in schools if g["iri"]]) > 1
    assert all(region.school_of(m) == g["iri"] for g in schools for m in g["members"])
    roles = {n["iri"]: (n["group"] or {}).get("iri") for n in answer["nodes"]}
    assert all({roles[m] for m in g["members"]} == {g["iri"]} for g in answer["groupings"]["role"]["groups"])
    # more than the limit from no more than one school: by community
    nowhere = by_key(answer, lambda n: None, "school", "nl")
    assert [g["iri"] for g in nowhere["groups"]] == [None] * len(nowhere["groups"])
    assert initial(answer, nowhere) == "community" and initial(answer, schools_of(answer)) == "school"


def schools_of(answer: Interactive) -> Grouping:
    return answer["groupings"]["school"]
