"""Diffusion of an artefact (olievlekwerking, CQ7), on top of kg.answers.trace.trace.

Adds to the trace (adoptions, derivations, cumulative curve, next adopters):

- `intervals`: days between consecutive adoptions in date order, with their mean and median;
- `reach_by_board` / `reach_by_sector`: adopting schools (distinct) per school board
  (org:subOrganizationOf, transitively, to a `ckg:SchoolBoard`) and per sector (`ckg:sector`);
- `carriers`: the brokers (`ckg:broker`) and networks (`ckg:via`) that carried it, with how
  many adoptions each;
- `next_adopters`: the trace's candidate schools (same board, a tie between their people, a
  person in a network it came through; score = number of distinct reasons), each also with
  `steps`: the fewest tie steps in the people graph from someone at the school to someone at an
  adopter school (null when none), ranked by score (high first), then steps (few first).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from statistics import mean, median
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.analytics.extract import RegionData
from kg.answers import trace as diffusion
from kg.answers.trace import Adoption, Trace


def intervals(adoptions: list[Adoption]) -> dict[str, Any]:
    dates = sorted(dt.date.fromisoformat(a["date"][:10]) for a in adoptions if a["date"])
    gaps = [(b - a).days for a, b in zip(dates, dates[1:])]
    return {"days": gaps, "mean_days": mean(gaps) if gaps else None,
            "median_days": median(gaps) if gaps else None}


def _count(region: RegionData, items: Counter[str]) -> list[dict[str, Any]]:
    return [{"group": region.ref(k), "count": n}
            for k, n in sorted(items.items(), key=lambda kv: (-kv[1], region.label(kv[0]).casefold()))]


def spread(region: RegionData, trace: Trace) -> dict[str, Any]:
    schools = {a["adopter"]["iri"] for a in trace["adoptions"] if a["adopter"]}
    boards: Counter[str] = Counter()
    sectors: Counter[str] = Counter()
    for s in schools:
        for b in region.boards_of(s) or {""}:
            if b:
                boards[b] += 1
        for sec in region.objects("sector", s):
            sectors[sec] += 1
    brokers: Counter[str] = Counter()
    networks: Counter[str] = Counter()
    for a in trace["adoptions"]:
        for broker in a["brokers"]:
            brokers[broker["iri"]] += 1
        if a["network"]:
            networks[a["network"]["iri"]] += 1
    return {"reach_by_board": _count(region, boards), "reach_by_sector": _count(region, sectors),
            "carriers": {"brokers": _count(region, brokers), "networks": _count(region, networks)}}


def steps_to_adopters(region: RegionData, school: str, adopters: set[str],
                      distances: dict[str, int] | None = None) -> int | None:
    """Fewest person-to-person tie steps from the school's people to an adopter school's people.
    `distances` (`adopter_distances` of the same adopters) saves a search per school."""
    g = region.graph(True)
    sources = [p for p in region.affiliated_with(school) if p in g]
    if distances is None:
        distances = adopter_distances(region, adopters)
    if not sources or not distances:
        return None
    found = [distances[s] for s in sources if s in distances]
    return min(found) if found else None


def adopter_distances(region: RegionData, adopters: set[str]) -> dict[str, int]:
    """Tie steps from the nearest person at an adopter school to everyone reachable in the people
    graph (one breadth-first search from all of them; the graph is undirected, so it is the
    distance the other way too); empty without people at an adopter school."""
    g = region.graph(True)
    targets = {p for a in adopters for p in region.affiliated_with(a) if p in g}
    if not targets:
        return {}
    return dict(nx.multi_source_dijkstra_path_length(g, targets, weight=None))


def analyse(db: ox.Store, region: RegionData, artefact: str) -> dict[str, Any]:
    trace = diffusion.trace(db, artefact, region.view, region.lang, next_adopters=True)
    adopters = {a["adopter"]["iri"] for a in trace["adoptions"] if a["adopter"]}
    distances = adopter_distances(region, adopters)
    nexts: list[dict[str, Any]] = [{**n, "steps": steps_to_adopters(region, n["school"]["iri"], adopters, distances)}
             for n in trace["next_adopters"] or []]
    nexts.sort(key=lambda n: (-(n["score"] or 0), n["steps"] if n["steps"] is not None else float("inf"),
                              n["school"]["label"].casefold()))
    return {"artefact": trace["artefact"], "summary": trace["summary"], "adoptions": trace["adoptions"],
            "derivations": trace["derivations"], "adoption_curve": trace["curve"],
            "intervals": intervals(trace["adoptions"]), **spread(region, trace), "next_adopters": nexts}
