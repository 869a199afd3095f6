"""Isolates, weakly connected groups, and core versus periphery (Bijlage 2; CQ10, CQ11).

Within a group (a network's members, a school's people), using only ties between members:

- **isolated member** (the rule of `team-isolation.rq`, after the kleuter teachers of
  Bijlage 2): no tie with another member deeper than storytelling
  (`ISOLATION_MAX_DEPTH`) and at most `ISOLATION_MAX_TIES` ties with other members;
- **weak groups**: the connected components of the group's subgraph other than the largest
  one: members who have contact with each other but not with the rest (the kleuters tell each
  other stories, but have no tie to groups 3-8). Per component: size, ties, deepest depth and
  mean contacts per month.
- **k-core** (Seidman): the core number of each member in the group's subgraph, the largest k
  such that the member belongs to a subgraph where everyone has >= k ties inside it.
  Structural position: `core` when the core number is the group's maximum (and > 0),
  `periphery` when it is at most `PERIPHERY_MAX_CORE` (at most one tie's worth of embedding),
  else `active`; compared with the declared participation level of the member's membership of
  the network (the highest when there are several).
"""

from __future__ import annotations

from statistics import mean
from typing import Any

import networkx as nx

from kg.analytics.extract import PERSON, RegionData

ISOLATION_MAX_DEPTH = 1   # storytelling and scanning, the shallowest of Little's four forms
ISOLATION_MAX_TIES = 2    # team-isolation.rq's threshold: two ties at most with the rest of the group
PERIPHERY_MAX_CORE = 1    # a 1-core member hangs on by a chain of single ties: the edge of the group
LEVEL_POSITION = {3: "core", 2: "active", 1: "periphery"}


def group_ties(region: RegionData, group: set[str]) -> list:
    return [t for t in region.ties if t.source in group and t.target in group and t.source != t.target]


def isolation(region: RegionData, group: set[str]) -> list[dict[str, Any]]:
    """Per person in the group: ties and partners inside it, deepest depth, mean per month, isolated."""
    people = sorted(m for m in group if region.kind(m) == PERSON)
    ties = group_ties(region, set(people))
    out = []
    for p in people:
        mine = [t for t in ties if p in (t.source, t.target)]
        partners = {t.target if t.source == p else t.source for t in mine}
        deepest = max((t.depth or 0 for t in mine), default=0)
        freq = [t.per_month for t in mine if t.per_month is not None]
        out.append({"actor": region.ref(p), "ties": len(mine), "partners": len(partners),
                    "max_depth": deepest, "mean_per_month": mean(freq) if freq else 0.0,
                    "isolated": deepest <= ISOLATION_MAX_DEPTH and len(mine) <= ISOLATION_MAX_TIES})
    return sorted(out, key=lambda r: (not r["isolated"], r["ties"], r["actor"]["label"].casefold()))


def weak_groups(region: RegionData, group: set[str]) -> list[dict[str, Any]]:
    """Connected components of the group's people other than the largest, largest first."""
    people = {m for m in group if region.kind(m) == PERSON}
    sub = nx.Graph()
    sub.add_nodes_from(people)
    ties = group_ties(region, people)
    sub.add_edges_from((t.source, t.target) for t in ties)
    components = sorted(nx.connected_components(sub), key=lambda c: (-len(c), min(c)))
    out = []
    for comp in components[1:]:
        inside = [t for t in ties if t.source in comp and t.target in comp]
        freq = [t.per_month for t in inside if t.per_month is not None]
        out.append({"members": [region.ref(m) for m in sorted(comp, key=lambda i: region.label(i).casefold())],
                    "size": len(comp), "ties": len(inside),
                    "max_depth": max((t.depth or 0 for t in inside), default=0),
                    "mean_per_month": mean(freq) if freq else 0.0})
    return out


def components(g: nx.Graph) -> dict[str, Any]:
    """Whole-graph cohesion: isolates (no tie at all) and the sizes of the connected components."""
    comps = sorted((len(c) for c in nx.connected_components(g)), reverse=True)
    return {"components": len(comps), "largest": comps[0] if comps else 0, "sizes": comps,
            "isolates": sorted(nx.isolates(g))}


def core_periphery(region: RegionData, g: nx.Graph, group: set[str], network: str | None) -> dict[str, Any]:
    """k-core number of every member in the group's subgraph against the declared level."""
    sub = g.subgraph({m for m in group if m in g})
    cores = nx.core_number(nx.Graph(sub)) if sub.number_of_nodes() else {}
    k_max = max(cores.values(), default=0)
    declared: dict[str, int] = {}
    for m in region.memberships:
        if network and m.organisation == network and m.level_rank is not None:
            declared[m.member] = max(declared.get(m.member, 0), m.level_rank)
    rows = []
    for member in sorted(cores, key=lambda i: (-cores[i], region.label(i).casefold())):
        k = cores[member]
        position = position_of(k, k_max)
        level = LEVEL_POSITION.get(declared.get(member, 0))
        rows.append({"actor": region.ref(member), "kind": region.kind(member), "k_core": k, "position": position,
                     "declared": level, "agrees": None if level is None else level == position})
    compared = [r for r in rows if r["agrees"] is not None]
    table = {lv: {pos: sum(1 for r in compared if r["declared"] == lv and r["position"] == pos)
                  for pos in LEVEL_POSITION.values()} for lv in LEVEL_POSITION.values()}
    return {"k_max": k_max, "members": rows, "crosstab": table,
            "agreement": sum(1 for r in compared if r["agrees"]) / len(compared) if compared else None}


def position_of(k: int, k_max: int) -> str:
    if k_max > 0 and k == k_max:
        return "core"
    if k <= PERIPHERY_MAX_CORE:
        return "periphery"
    return "active"
