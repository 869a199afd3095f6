"""Access to expertise (Coburn & Russell's third dimension, with trust as the second).

For a person and a topic: the shortest **trusted** path to someone with expertise on it.

- **expert** on topic T = a person who declares T or a narrower topic (`schema:knowsAbout`,
  narrower via `skos:broader`, transitively) or to whom a colleague attributes it
  (`ckg:ExpertiseAttribution`);
- **trusted tie** = a tie with trust >= `TRUSTED_MIN` on the 1-5 scale; a pair of actors is
  trusted-adjacent when at least one tie between them is trusted. Paths may run through any
  actor (an artefact tie too), always over trusted ties;
- the **path** is a shortest one (fewest steps; ties broken by IRI order for a stable answer);
  `steps` = its length; an expert person has steps 0;
- **without access**: the people of a group with no trusted path to any expert on the topic.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from kg.analytics.extract import PERSON, RegionData

TRUSTED_MIN = 4   # 4 and 5 are the upper part of the 1-5 trust scale; 3 is its neutral middle


def narrower_or_same(region: RegionData, topic: str) -> set[str]:
    """The topic and every topic below it (skos:broader, transitively)."""
    out = {topic}
    todo = [topic]
    while todo:
        t = todo.pop()
        for n in region.subjects("broader", t):
            if n not in out:
                out.add(n)
                todo.append(n)
    return out


def experts(region: RegionData, topic: str) -> set[str]:
    topics = narrower_or_same(region, topic)
    found: set[str] = set()
    for relation in ("expertise", "attributed"):
        for t in topics:
            found |= {a for a in region.subjects(relation, t) if region.kind(a) == PERSON}
    return found


def trusted_graph(region: RegionData) -> nx.Graph:
    """Actors joined by at least one trusted tie (once per region)."""
    def build() -> nx.Graph:
        g = nx.Graph()
        g.add_nodes_from(region.people())
        g.add_edges_from((t.source, t.target) for t in region.ties
                         if t.trust is not None and t.trust >= TRUSTED_MIN and t.source != t.target)
        return g
    return region.memo(("trusted",), build)


def trusted_path(region: RegionData, person: str, topic: str) -> dict[str, Any]:
    """{"topic", "experts", "path": [{"iri","label"}] | None, "steps": int | None, "expert": ref | None}."""
    g = trusted_graph(region)
    found = experts(region, topic)
    result: dict[str, Any] = {"topic": region.ref(topic), "experts": len(found), "path": None, "steps": None,
                              "expert": None}
    if person not in g or not found:
        return result
    lengths, paths = _bfs(g, person)
    reachable = [e for e in found if e in lengths]
    if not reachable:
        return result
    best = min(reachable, key=lambda e: (lengths[e], e))
    result.update(path=[region.ref(x) for x in paths[best]], steps=lengths[best], expert=region.ref(best))
    return result


def _bfs(g: nx.Graph, source: str) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Breadth-first search visiting neighbours in IRI order, so the path found is stable."""
    lengths = {source: 0}
    paths = {source: [source]}
    frontier = [source]
    while frontier:
        nxt = []
        for u in frontier:
            for v in sorted(g[u]):
                if v not in lengths:
                    lengths[v] = lengths[u] + 1
                    paths[v] = paths[u] + [v]
                    nxt.append(v)
        frontier = nxt
    return lengths, paths


def without_access(region: RegionData, people: set[str], topic: str) -> dict[str, Any]:
    """People of the group with no trusted path to an expert on the topic."""
    g = trusted_graph(region)
    found = experts(region, topic)
    reach: set[str] = set()
    for comp in nx.connected_components(g):
        if comp & found:
            reach |= comp
    missing = sorted((p for p in people if region.kind(p) == PERSON and p not in reach),
                     key=lambda i: region.label(i).casefold())
    return {"topic": region.ref(topic), "experts": len(found),
            "without_access": [region.ref(p) for p in missing]}
