"""kg.analytics computes betweenness and Burt's constraint with igraph (brokers.structural_metrics);
networkx is the reference: the same numbers as nx.betweenness_centrality(normalized=True) and
nx.constraint, to 1e-9, on a generated region, the Twente sample and the edge cases (no node, one,
two, isolated nodes, disconnected graphs)."""

from __future__ import annotations

import math
import random

import networkx as nx
import pyoxigraph as ox
import pytest
from conftest import generated_store

from kg.analytics import brokers
from kg.analytics.extract import load_region

TOL = 1e-9


def assert_same_as_networkx(g: nx.Graph, between: dict, constraint: dict) -> None:
    """`between` and `constraint` (None or NaN for an actor without ties) against networkx's own."""
    ref_b = nx.betweenness_centrality(g, normalized=True)
    ref_c = nx.constraint(g)
    assert list(between) == list(ref_b) and list(constraint) == list(ref_c)   # every node, in g's order
    for v in g:
        assert between[v] == pytest.approx(ref_b[v], abs=TOL, rel=0), v
        ours, ref = constraint[v], ref_c[v]
        if math.isnan(ref):
            assert ours is None or math.isnan(ours), v
        else:
            assert ours == pytest.approx(ref, abs=TOL, rel=0), v


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    return load_region(generated_store(tmp_path_factory.mktemp("generated"), 200, seed=3).open(), "internal", "nl")


@pytest.fixture(scope="module")
def sample(sample_db: ox.Store):
    return load_region(sample_db, "internal", "nl")


@pytest.mark.parametrize("people_only", [False, True])
def test_generated_region_matches_networkx(generated, people_only: bool) -> None:
    g = generated.graph(people_only)
    assert g.number_of_nodes() >= 200   # 200 people (and their artefacts)
    m = brokers.global_metrics(generated, people_only)
    assert_same_as_networkx(g, m["betweenness"], m["constraint"])
    assert max(m["betweenness"].values()) > 0


@pytest.mark.parametrize("people_only", [False, True])
def test_twente_sample_matches_networkx(sample, people_only: bool) -> None:
    g = sample.graph(people_only)
    m = brokers.global_metrics(sample, people_only)
    assert_same_as_networkx(g, m["betweenness"], m["constraint"])
    # the sample has isolated actors and more than one component: both paths are exercised
    assert nx.number_connected_components(g) > 1


def _named(g: nx.Graph) -> nx.Graph:
    return nx.relabel_nodes(g, {v: f"https://x.example/{v}" for v in g})


EDGE_CASES = {
    "empty": nx.Graph(),
    "one node": nx.empty_graph(1),
    "two nodes, tied": nx.path_graph(2),
    "two nodes, untied": nx.empty_graph(2),
    "three nodes, path": nx.path_graph(3),
    "isolated nodes": nx.empty_graph(5),
    "star and isolate": nx.disjoint_union(nx.star_graph(4), nx.empty_graph(1)),
    "two components": nx.disjoint_union(nx.cycle_graph(5), nx.complete_graph(4)),
    "barbell": nx.barbell_graph(4, 2),
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_small_and_disconnected_graphs_match_networkx(name: str) -> None:
    g = _named(EDGE_CASES[name])
    assert_same_as_networkx(g, *brokers.structural_metrics(g))


def test_random_graphs_match_networkx() -> None:
    for seed in range(40):
        rnd = random.Random(seed)
        g = _named(nx.gnp_random_graph(rnd.randint(3, 60), rnd.random() * 0.2, seed=seed))
        assert_same_as_networkx(g, *brokers.structural_metrics(g))
