"""Brokers and boundary crossers (section 3.3): who links which groups, and how.

Per actor, in the analysed graph (binary: tied or not):

- **betweenness** (Freeman; Brandes' algorithm): the share of shortest paths between two other
  actors that run through it, normalised by (n - 1)(n - 2) / 2 pairs, so 0..1;
- **Burt's constraint** c_i = sum over contacts j of (p_ij + sum over q != i, j of p_iq p_qj)^2,
  with p_ij = 1 / degree(i) for a binary graph: high (up to 1 and a little above) when all
  contacts are tied to each other or to one contact, low when the contacts are unconnected
  (structural holes); null for an actor without ties;
- **effective size** (Burt, in Borgatti's binary form) = degree - 2 t / degree, t = ties among
  the contacts: the number of non-redundant contacts; null without ties;
- **brokered pairs**: pairs of contacts affiliated with *different* organisations (no shared
  organisation) that are not tied to each other: the structural holes between groups it
  spans (Gould & Fernandez's brokerage between groups); `links` lists the organisation pairs;
- **networks**: its memberships; `multi_network` when two of them are not part of one another
  (an interest group of its own PLG is no boundary).

**Broker** = spans at least `MIN_BROKERED_PAIRS` structural hole between organisations **and**
is a member of at least `MIN_NETWORKS` networks neither of which contains the other: a liaison
who takes part in both (Akkerman & Bakker's coordination mechanism), not only someone with
contacts in two places.

Betweenness is exact up to `EXACT_BETWEENNESS_MAX_NODES` nodes; above, it is estimated from
`BETWEENNESS_PIVOTS` sampled source nodes (Brandes & Pich 2007; seeded, so the same graph gives the
same numbers), within `betweenness_bound` of the exact value for every node with probability
`BETWEENNESS_CONFIDENCE` (docs/analytics.md; tests/test_analytics_sampling.py checks it).
`betweenness_method` says which was used; every analysis carries it.

Betweenness and constraint are computed by igraph (C) on one conversion of the networkx graph
(`structural_metrics`), everything else by networkx: bench/analytics_bench.py measured
betweenness 7.7 s with networkx against 0.22 s with igraph, constraint 1.17 s against 0.001 s,
on the 100k-triple benchmark region (the region's analysis 11.9 s -> 2.0 s). The numbers are networkx's (`nx.betweenness_centrality(g,
normalized=True)`, `nx.constraint(g)`) to rounding: tests/test_analytics_igraph.py compares them.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any

import igraph as ig
import networkx as nx

from kg.analytics.extract import NETWORK, RegionData

MIN_BROKERED_PAIRS = 1   # one unbridged pair of contacts from different organisations is a structural hole
MIN_NETWORKS = 2         # "taking part in both networks": at least two, not nested
# Exact betweenness (Brandes) costs O(nodes x edges): 0.2 s at 2,000 nodes, minutes at 50,000 and
# hours at national size (250,000 people); above this many nodes it is estimated from pivots.
EXACT_BETWEENNESS_MAX_NODES = 20_000
BETWEENNESS_PIVOTS = 1_000    # sampled sources; the error bound shrinks with 1 / sqrt(pivots)
BETWEENNESS_SEED = 13         # the pivots are the same for the same graph
BETWEENNESS_CONFIDENCE = 0.99  # the probability with which betweenness_bound holds for every node at once


def global_metrics(region: RegionData, people_only: bool) -> dict[str, Any]:
    """Betweenness, constraint and effective size of every actor, and `method` (how betweenness
    was computed: `betweenness_method`); computed once per region."""
    return region.memo(("brokers", people_only), lambda: metrics_of(region, region.graph(people_only)))


def metrics_of(region: RegionData, g: nx.Graph) -> dict[str, Any]:
    """`global_metrics` of any graph `g` (a part of the region's), with the region's betweenness settings."""
    exact_max = region.exact_betweenness_max or EXACT_BETWEENNESS_MAX_NODES
    pivots = region.betweenness_pivots or BETWEENNESS_PIVOTS
    between, constraint = structural_metrics(g, exact_max, pivots)
    return {"betweenness": between, "constraint": _nan_to_none(constraint),
            "effective_size": effective_size(g), "method": betweenness_method(len(g), exact_max, pivots)}


def betweenness_bound(nodes: int, pivots: int, confidence: float = BETWEENNESS_CONFIDENCE) -> float:
    """The largest error of sampled normalised betweenness, for every node at once, with probability
    `confidence`: c sqrt(ln(2n / (1 - confidence)) / (2k)), c = n / (n - 1), for n nodes and k
    pivots (Hoeffding's inequality for a mean of k values in [0, c], drawn without replacement, and
    a union bound over the n nodes; docs/analytics.md). 0 when every node is a pivot (exact)."""
    if pivots >= nodes or nodes < 3:
        return 0.0
    c = nodes / (nodes - 1)
    return c * math.sqrt(math.log(2 * nodes / (1 - confidence)) / (2 * pivots))


def betweenness_method(nodes: int, exact_max: int = EXACT_BETWEENNESS_MAX_NODES,
                       pivots: int = BETWEENNESS_PIVOTS) -> dict[str, Any]:
    """How betweenness is computed for a graph of `nodes` nodes: {"method": "exact" | "sampled",
    "nodes", "pivots" (None when exact), "error_bound" (0 when exact), "confidence"}."""
    if nodes <= exact_max or pivots >= nodes:
        return {"method": "exact", "nodes": nodes, "pivots": None, "error_bound": 0.0,
                "confidence": BETWEENNESS_CONFIDENCE}
    return {"method": "sampled", "nodes": nodes, "pivots": pivots, "error_bound": betweenness_bound(nodes, pivots),
            "confidence": BETWEENNESS_CONFIDENCE}


def sampled_betweenness(h: ig.Graph, pivots: int, seed: int = BETWEENNESS_SEED) -> list[float]:
    """Normalised betweenness of every vertex of `h` (undirected, simple) estimated from `pivots`
    distinct sources drawn uniformly (seeded): igraph's betweenness over the paths from those
    sources, scaled by n / k, divided by the (n - 1)(n - 2) / 2 pairs. An unbiased estimate of the
    exact value (Brandes & Pich 2007); the error is within `betweenness_bound` (docs/analytics.md)."""
    n = h.vcount()
    if n < 3:
        return [0.0] * n
    k = min(pivots, n)
    sources = sorted(random.Random(seed).sample(range(n), k))
    raw = h.betweenness(directed=False, sources=sources)
    pairs = (n - 1) * (n - 2) / 2
    return [b * n / k / pairs for b in raw]


def structural_metrics(g: nx.Graph, exact_max: int = EXACT_BETWEENNESS_MAX_NODES,
                       pivots: int = BETWEENNESS_PIVOTS) -> tuple[dict[str, float], dict[str, float]]:
    """Betweenness and Burt's constraint of every node of `g`, binary (edge attributes unused),
    computed by igraph on one conversion of `g`: the same numbers as
    `nx.betweenness_centrality(g, normalized=True)` and `nx.constraint(g)` (NaN without ties), in
    the node order of `g`.

    Betweenness: igraph counts each unordered pair {s, t} once (undirected), networkx each ordered
    pair and then divides by (n - 1)(n - 2); so igraph's count / ((n - 1)(n - 2) / 2). With fewer
    than 3 nodes no node lies between two others: 0 for each (networkx does not rescale then).
    Constraint: igraph's definition is Burt's, p_ij = (a_ij + a_ji) / sum_k (a_ik + a_ki) = 1 /
    degree(i) without weights, summed over the contacts j of i, NaN for a node without ties:
    networkx's. Above `exact_max` nodes betweenness is `sampled_betweenness` with `pivots` sources
    (`betweenness_method` says which). A graph that is not simple and undirected (never the analysed graph) goes to
    networkx, whose handling of self-loops and multi-edges igraph's does not copy."""
    if g.is_directed() or g.is_multigraph() or nx.number_of_selfloops(g):
        return nx.betweenness_centrality(g, normalized=True), nx.constraint(g)
    nodes = list(g)
    index = {v: i for i, v in enumerate(nodes)}
    h = ig.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in g.edges()])
    n = len(nodes)
    pairs = (n - 1) * (n - 2) / 2
    if betweenness_method(n, exact_max, pivots)["method"] == "sampled":
        between = dict(zip(nodes, sampled_betweenness(h, pivots)))
    else:
        raw = h.betweenness(directed=False)
        between = {v: (b / pairs if n > 2 else 0.0) for v, b in zip(nodes, raw)}
    constraint = dict(zip(nodes, h.constraint()))
    return between, constraint


def effective_size(g: nx.Graph) -> dict[str, float | None]:
    """Burt's effective size in Borgatti's binary form, n - 2 t / n (n contacts, t ties among them);
    None for an actor without contacts. The same numbers as nx.effective_size on an undirected graph
    without weights, which copies the whole graph (edge attributes deep-copied) once per node: with it
    the whole-region metrics of the 100k-triple benchmark region took 240 s, without it 10 s
    (bench/analytics_bench.py)."""
    out: dict[str, float | None] = {}
    for v in g:
        contacts = g[v].keys() - {v}
        n = len(contacts)
        if not n:
            out[v] = None
            continue
        t = sum(len((g[u].keys() & contacts) - {u}) for u in contacts) / 2
        out[v] = n - 2 * t / n
    return out


def _nan_to_none(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if v is None or math.isnan(v) else v) for k, v in values.items()}


def brokered_pairs(region: RegionData, g: nx.Graph, iri: str) -> Counter[tuple[str, str]]:
    """Organisation pairs (A, B), A < B, of unconnected contacts of `iri`; one count per contact pair."""
    contacts = sorted(x for x in g[iri] if region.organisations_of(x)) if iri in g else []
    out: Counter[tuple[str, str]] = Counter()
    for i, u in enumerate(contacts):
        ou = region.organisations_of(u)
        for w in contacts[i + 1:]:
            ow = region.organisations_of(w)
            if ou & ow or g.has_edge(u, w):
                continue
            out[tuple(sorted((min(ou), min(ow))))] += 1
    return out


def networks(region: RegionData, iri: str) -> list[str]:
    return sorted(n for n in region.networks_of(iri) if region.kind(n) == NETWORK)


def multi_network(region: RegionData, iri: str) -> bool:
    nets = networks(region, iri)
    return any(not region.nested(a, b) for i, a in enumerate(nets) for b in nets[i + 1:])


def broker_row(region: RegionData, people_only: bool, iri: str) -> dict[str, Any]:
    g = region.graph(people_only)
    m = global_metrics(region, people_only)
    pairs = brokered_pairs(region, g, iri)
    count = sum(pairs.values())
    multi = multi_network(region, iri)
    return {
        "actor": region.ref(iri), "kind": region.kind(iri),
        "degree": g.degree(iri) if iri in g else 0,
        "betweenness": m["betweenness"].get(iri, 0.0),
        "constraint": m["constraint"].get(iri),
        "effective_size": m["effective_size"].get(iri),
        "brokered_pairs": count,
        "links": [{"from": region.ref(a), "to": region.ref(b), "pairs": n}
                  for (a, b), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))],
        "networks": [region.ref(n) for n in networks(region, iri)],
        "multi_network": multi,
        "broker": count >= MIN_BROKERED_PAIRS and multi and len(networks(region, iri)) >= MIN_NETWORKS,
    }


def broker_rows(region: RegionData, people_only: bool, actors: set[str]) -> list[dict[str, Any]]:
    """Rows for `actors`, brokers first, then by betweenness (highest first)."""
    rows = [broker_row(region, people_only, a) for a in actors]
    return sorted(rows, key=lambda r: (not r["broker"], -r["betweenness"], r["actor"]["label"].casefold(),
                                       r["actor"]["iri"]))


def is_broker(region: RegionData, people_only: bool, iri: str) -> bool:
    return broker_row(region, people_only, iri)["broker"]


def shared_members(region: RegionData, network: str) -> list[dict[str, Any]]:
    """Other networks that share people with `network` (not nested in it), with those people."""
    by_other: dict[str, list[str]] = {}
    for person in region.members_of(network):
        if region.kind(person) != "person":
            continue
        for other in networks(region, person):
            if other != network and not region.nested(other, network):
                by_other.setdefault(other, []).append(person)
    return sorted(({"network": region.ref(o), "people": [region.ref(p) for p in sorted(ps)], "count": len(ps)}
                   for o, ps in by_other.items()), key=lambda r: (-r["count"], r["network"]["label"].casefold()))
