"""Structure (Coburn & Russell's first dimension): reach, tie strength and depth of interaction.

- **Reach** of an actor within k steps = the distinct actors at distance 1..k in the analysed
  graph, the distinct networks among them or that they are members of, and the distinct
  organisations among them or that they are affiliated with (*reikwijdte*: only the own
  school, or also other schools, institutes, networks).
- **Reach per school year**: the same within the graph of that year's ties only (a tie's
  `ckg:schoolYear`, 2023 = 2023-2024; a mediating artefact counts in the year of the tie it
  mediates; authorship has no year and is left out).
- **Tie strength** = closeness (1-5) x contacts per month, per tie.
- **Depth distribution**: ties counted per depth rank (1 storytelling, 2 aid, 3 sharing,
  4 joint work; Little 1990); ties without a depth are counted as `null`.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from kg.analytics.extract import NETWORK, RegionData, Tie

REACH_STEPS = (1, 2)   # the booklet asks for one and two steps (CQ2, CQ5)
DEPTH_RANKS = (1, 2, 3, 4)


def within(g: nx.Graph, iri: str, steps: int) -> set[str]:
    """Actors at distance 1..steps from `iri` (not `iri` itself)."""
    if iri not in g:
        return set()
    return set(nx.single_source_shortest_path_length(g, iri, cutoff=steps)) - {iri}


def reach_counts(region: RegionData, reached: set[str]) -> dict[str, int]:
    networks = {x for x in reached if region.kind(x) == NETWORK}
    organisations: set[str] = set()
    for x in reached:
        networks |= {n for n in region.networks_of(x) if region.kind(n) == NETWORK}
        organisations |= region.organisations_of(x)
    return {"actors": len(reached), "networks": len(networks), "organisations": len(organisations)}


def year_graph(g: nx.Graph, year: int) -> nx.Graph:
    return g.edge_subgraph([(u, v) for u, v, years in g.edges(data="years") if year in years])


def reach(region: RegionData, g: nx.Graph, iri: str) -> dict[str, Any]:
    """{"steps": {"1": counts, "2": counts}, "by_year": [{"year", "school_year", "1": counts, "2": counts}]}."""
    out: dict[str, Any] = {"steps": {str(k): reach_counts(region, within(g, iri, k)) for k in REACH_STEPS}}
    years = sorted({y for _, _, ys in g.edges(iri, data="years") for y in ys}) if iri in g else []
    out["by_year"] = []
    for y in years:
        gy = year_graph(g, y)
        row: dict[str, Any] = {"year": y, "school_year": f"{y}-{y + 1}"}
        row.update({str(k): reach_counts(region, within(gy, iri, k)) for k in REACH_STEPS})
        out["by_year"].append(row)
    return out


def tie_rows(region: RegionData, iri: str) -> list[dict[str, Any]]:
    """The actor's ties, strongest first: alter, year, depth, closeness, per month, strength, trust."""
    rows = []
    for t in region.ties:
        if iri not in (t.source, t.target):
            continue
        alter = t.target if t.source == iri else t.source
        rows.append({"tie": t.iri, "alter": region.ref(alter), "year": t.year, "depth": t.depth,
                     "depth_label": depth_label(region, t.depth), "closeness": t.closeness,
                     "per_month": t.per_month, "strength": t.strength, "trust": t.trust,
                     "mediated_by": [region.ref(a) for a in t.mediated_by]})
    return sorted(rows, key=lambda r: (-(r["strength"] or 0), r["alter"]["label"].casefold(), r["year"] or 0))


def depth_label(region: RegionData, rank: int | None) -> str | None:
    if rank is None:
        return None
    return region.memo(("depth-labels",), lambda: _depth_labels(region)).get(rank)


def _depth_labels(region: RegionData) -> dict[int, str]:
    return {c["rank"]: c["label"] for iri, c in region.concepts.items()
            if "/vocab/depth/" in iri and c["rank"] is not None}


def depth_distribution(region: RegionData, ties: list[Tie], inside: set[str] | None = None) -> list[dict[str, Any]]:
    """Ties per depth rank. With `inside` (a group), split into ties within the group and ties that
    leave it (exactly one end inside); without, one `ties` count per rank."""
    ranks: list[int | None] = [*DEPTH_RANKS, None]
    out = []
    for rank in ranks:
        matching = [t for t in ties if t.depth == rank]
        row: dict[str, Any] = {"rank": rank, "depth": depth_label(region, rank), "ties": len(matching)}
        if inside is not None:
            row["internal"] = sum(1 for t in matching if t.source in inside and t.target in inside)
            row["external"] = row["ties"] - row["internal"]
        if rank is not None or matching:
            out.append(row)
    return out


def ties_of(region: RegionData, actors: set[str]) -> list[Tie]:
    """Ties with at least one end in `actors`."""
    return [t for t in region.ties if t.source in actors or t.target in actors]
