"""The region as a whole (issue 15 item 1): components, isolated people and schools, brokers, E-I
between schools and between boards, reach per school, and an overview picture by school.

A region is the actors whose IRI lies under an ingested region's base (`void:uriSpace` in the
store's `graph/regions`, kg.ingest.ownership), or every actor of the store when no region is
named (a store built from files, or "everything here"). Its graph is the analysed graph
(`RegionData.graph`) restricted to those actors, so a tie to another region's person is not in
it. Betweenness and constraint are computed on that graph (exact up to
`brokers.EXACT_BETWEENNESS_MAX_NODES` nodes, sampled above, as for the whole store).

School and board measures are over tied pairs of people (edges of the people-to-people graph), as
the E-I index of a network is (kg.analytics.openness): a pair is *internal* when both have the
same school (`RegionData.school_of`), *external* when both have a school and the schools differ;
for boards, internal when the two schools share a board, external when both schools have boards
and share none. Pairs where either end has no school (or board) are left out of that index.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import networkx as nx

from kg.analytics import brokers, openness
from kg.analytics.extract import ARTEFACT, NETWORK, ORGANISATION, PERSON, RegionData
from kg.analytics.pictures import sociogram_svg
from kg.analytics.subjects import group_members
from kg.answers.actors import Ref

TOP_BROKERS = 20            # brokers listed
SMALL_COMPONENTS = 25       # components other than the largest that are listed with their members
MEMBERS_SHOWN = 12          # members shown per listed component
ISOLATED_SHOWN = 200        # isolated people listed (all are counted)

TABLES = ("schools", "brokers", "components", "isolated", "networks")


def scope(region: RegionData, base: str | None) -> set[str]:
    """The actors of the region: under `base`, or every actor when `base` is None."""
    if base is None:
        return set(region.actors)
    return {iri for iri in region.actors if iri.startswith(base)}


def ei(internal: int, external: int) -> float | None:
    """Krackhardt and Stern's E-I index, (E - I) / (E + I); None without pairs."""
    total = internal + external
    return (external - internal) / total if total else None


def analyse_region(region: RegionData, name: str | None, base: str | None, people_only: bool = False) -> dict[str, Any]:
    """The whole-region analysis as JSON (docs/analytics.md, "The region as a whole")."""
    inside = scope(region, base)
    g = region.graph(people_only)
    h = g.subgraph(v for v in g if v in inside)
    metrics = _metrics(region, g, h, people_only, base)
    comps = sorted((sorted(c, key=lambda v: (region.label(v).casefold(), v)) for c in nx.connected_components(h)),
                   key=lambda c: (-len(c), region.label(c[0]).casefold()))
    people = [v for v in h if region.kind(v) == PERSON]
    isolated = sorted((v for v in people if h.degree(v) == 0), key=lambda v: (region.label(v).casefold(), v))
    schools, links = _schools(region, h, inside)
    top = sorted(h, key=lambda v: (-metrics["betweenness"].get(v, 0.0), region.label(v).casefold(), v))[:TOP_BROKERS]
    return {
        "kind": "region",
        "region": {"name": name, "base": base},
        "subject": {"iri": base or "", "label": name or ""},
        "view": region.view, "people_only": people_only, "generation": region.generation,
        "betweenness_method": metrics["method"],
        "nodes": h.number_of_nodes(), "edges": h.number_of_edges(), "people": len(people),
        "artefacts": sum(1 for v in h if region.kind(v) == ARTEFACT),
        "schools": len(schools),
        "boards": sum(1 for v in inside if region.actors[v].is_board),
        "networks": sum(1 for v in inside if region.kind(v) == NETWORK),
        "components": {
            "components": len(comps), "largest": len(comps[0]) if comps else 0,
            "sizes": [len(c) for c in comps],
            "small": [{"size": len(c), "members": [region.ref(v) for v in c[:MEMBERS_SHOWN]]}
                      for c in comps[1:SMALL_COMPONENTS + 1]],
        },
        "isolated": {"count": len(isolated), "people": [region.ref(v) for v in isolated[:ISOLATED_SHOWN]]},
        "ei": _ei(region, h),
        "school_rows": schools,
        "school_links": links,
        "closed_schools": [r["school"] for r in schools if r["people"] > 1 and r["external_pairs"] == 0],
        "brokers": [{"actor": region.ref(v), "kind": region.kind(v), "degree": h.degree(v),
                     "betweenness": metrics["betweenness"].get(v, 0.0), "constraint": metrics["constraint"].get(v),
                     "effective_size": metrics["effective_size"].get(v)} for v in top],
        "network_rows": _networks(region, g, inside, people_only),
    }


def _metrics(region: RegionData, g: nx.Graph, h: nx.Graph, people_only: bool, base: str | None) -> dict[str, Any]:
    """Betweenness, constraint, effective size on `h`: the whole store's when `h` is all of it, else
    computed on `h`; once per RegionData either way (and, precomputed, once per view: the memo key
    starts with "brokers", which kg.analytics.precompute shares between the languages)."""
    if h.number_of_nodes() == g.number_of_nodes():
        return brokers.global_metrics(region, people_only)
    return region.memo(("brokers", people_only, base), lambda: brokers.metrics_of(region, h))


def _people_pairs(region: RegionData, h: nx.Graph) -> Iterator[tuple[str, str, str | None, str | None]]:
    """The tied pairs of people in `h` with their schools (either may be None)."""
    for u, v in h.edges():
        if region.kind(u) == PERSON and region.kind(v) == PERSON:
            yield u, v, region.school_of(u), region.school_of(v)


def _ei(region: RegionData, h: nx.Graph) -> dict[str, dict[str, Any]]:
    counts: dict[str, Counter[str]] = {"schools": Counter(), "boards": Counter()}
    for _, _, a, b in _people_pairs(region, h):
        if a is None or b is None:
            continue
        counts["schools"]["internal" if a == b else "external"] += 1
        ba, bb = region.boards_of(a), region.boards_of(b)
        if ba and bb:
            counts["boards"]["internal" if ba & bb else "external"] += 1
    return {k: {"internal_pairs": c["internal"], "external_pairs": c["external"],
                "ei_index": ei(c["internal"], c["external"])} for k, c in counts.items()}


def _schools(region: RegionData, h: nx.Graph, inside: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One row per school of the region with people in the graph (its people, ties inside and to
    other schools with their E-I, the other schools and the networks its people reach, its isolated
    people), and the pairs of those schools with tied people (how many pairs: `ties`)."""
    people: dict[str, list[str]] = defaultdict(list)
    for v in h:
        if region.kind(v) == PERSON:
            school = region.school_of(v)
            if school is not None and school in inside:
                people[school].append(v)
    internal: Counter[str] = Counter()
    external: Counter[str] = Counter()
    between: Counter[tuple[str, str]] = Counter()
    for _, _, a, b in _people_pairs(region, h):
        if a is None or b is None:
            continue
        if a == b:
            internal[a] += 1
        else:
            external[a] += 1
            external[b] += 1
            between[(min(a, b), max(a, b))] += 1
    reached: dict[str, set[str]] = defaultdict(set)
    for a, b in between:
        reached[a].add(b)
        reached[b].add(a)
    rows: list[dict[str, Any]] = []
    for school, members in people.items():
        if region.kind(school) != ORGANISATION:
            continue
        networks = {n for m in members for n in region.networks_of(m) if region.kind(n) == NETWORK}
        rows.append({"school": region.ref(school),
                     "boards": sorted((region.ref(b) for b in region.boards_of(school)), key=lambda r: r["label"]),
                     "people": len(members), "internal_pairs": internal[school], "external_pairs": external[school],
                     "ei_index": ei(internal[school], external[school]),
                     "schools_reached": len(reached[school]), "networks_reached": len(networks),
                     "isolated": sum(1 for m in members if h.degree(m) == 0)})
    rows.sort(key=lambda r: (-r["people"], r["school"]["label"].casefold(), r["school"]["iri"]))
    shown = {r["school"]["iri"] for r in rows}
    links = [{"source": a, "target": b, "relations": ["tie"], "ties": n, "strength": None, "depth": None,
              "trust": None} for (a, b), n in sorted(between.items()) if a in shown and b in shown]
    return rows, links


def _networks(region: RegionData, g: nx.Graph, inside: set[str], people_only: bool) -> list[dict[str, Any]]:
    rows = []
    for iri in (i for i in inside if region.kind(i) == NETWORK):
        members = group_members(region, iri, "network", people_only)
        o = openness.openness(region, g, members)
        rows.append({"network": region.ref(iri), "members": len(members), "ei_index": o["ei_index"],
                     "density": o["density"], "internal_pairs": o["internal_pairs"],
                     "external_pairs": o["external_pairs"]})
    rows.sort(key=lambda r: (-r["members"], r["network"]["label"].casefold(), r["network"]["iri"]))
    return rows


def overview_graph(result: dict[str, Any]) -> dict[str, Any]:
    """The region aggregated by school, as a sociogram (kg.analytics.pictures.sociogram_svg draws it):
    one node per school sized by its people and coloured by its (first) board, one edge per pair of
    schools with tied people (`ties`: how many pairs); a school without a tie to another school is
    marked isolated."""
    rows = result["school_rows"]
    nodes = [{"iri": r["school"]["iri"], "label": r["school"]["label"], "kind": ORGANISATION,
              "group": (r["boards"] or [r["school"]])[0], "degree": r["people"],
              "isolated": r["external_pairs"] == 0, "broker": False, "centre": False} for r in rows]
    return {"colour_by": "board", "nodes": nodes, "edges": result["school_links"]}


def tables(result: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The region analysis' tables (names in TABLES), for `kg analyse region --format csv|table`."""
    def label(ref: Ref | None) -> str:
        return ref["label"] if ref else ""

    return {
        "schools": (["iri", "school", "boards", "people", "internal_pairs", "external_pairs", "ei_index",
                     "schools_reached", "networks_reached", "isolated"],
                    [[r["school"]["iri"], r["school"]["label"], "; ".join(label(b) for b in r["boards"]), r["people"],
                      r["internal_pairs"], r["external_pairs"], r["ei_index"], r["schools_reached"],
                      r["networks_reached"], r["isolated"]] for r in result["school_rows"]]),
        "brokers": (["iri", "label", "kind", "degree", "betweenness", "constraint", "effective_size"],
                    [[r["actor"]["iri"], r["actor"]["label"], r["kind"], r["degree"], r["betweenness"],
                      r["constraint"], r["effective_size"]] for r in result["brokers"]]),
        "components": (["component", "size", "members"],
                       [[i + 2, c["size"], "; ".join(m["label"] for m in c["members"])]
                        for i, c in enumerate(result["components"]["small"])]),
        "isolated": (["iri", "label"], [[p["iri"], p["label"]] for p in result["isolated"]["people"]]),
        "networks": (["iri", "network", "members", "ei_index", "density"],
                     [[r["network"]["iri"], r["network"]["label"], r["members"], r["ei_index"], r["density"]]
                      for r in result["network_rows"]]),
    }


def figures(result: dict[str, Any]) -> list[tuple[str, Any]]:
    """The region's headline figures by key (the page names them in its language)."""
    c, e = result["components"], result["ei"]
    return [("people", result["people"]), ("artefacts", result["artefacts"]), ("schools", result["schools"]),
            ("boards", result["boards"]), ("networks", result["networks"]), ("nodes", result["nodes"]),
            ("edges", result["edges"]), ("components", c["components"]), ("largest", c["largest"]),
            ("isolated", result["isolated"]["count"]), ("closed_schools", len(result["closed_schools"])),
            ("ei_schools", e["schools"]["ei_index"]), ("ei_boards", e["boards"]["ei_index"])]


def pictures(result: dict[str, Any], lang: str) -> dict[str, str]:
    """The region's picture by name: `overview`, the schools as a sociogram (`overview_graph`)."""
    return {"overview": sociogram_svg(overview_graph(result), result["subject"], lang, uid="overview")}
