"""The analysis of one subject (a network, a school, a person, an artefact) as documented JSON.

`analyse(db, region, text, kind=None, people_only=False, topics=())` resolves `text` (IRI, local id
or label) and returns `Analysis`, a dict with stable keys (docs/analytics.md), every actor as
{"iri", "label"}. Common keys: `subject`, `kind`, `view`, `people_only`, `generation`, `graph`
(the sociogram's nodes and edges). Then per kind:

- network / school: `members`, `members_by_year` (networks), `openness`, `depth_distribution`,
  `brokers`, `isolates`, `weak_groups`, `core_periphery`, `shared_members`, `components`,
  `expertise_access` (per theme of the network, or topics asked);
- person: `reach`, `ties`, `depth_distribution`, `broker`, `networks`, `capital`,
  `expertise_access` (per topic asked, else per theme of the person's networks);
- artefact: `adoption_curve`, `intervals`, `reach_by_board`, `reach_by_sector`, `carriers`,
  `next_adopters`, `adoptions`, `derivations`, `summary`, `broker`, `reach`.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import networkx as nx
import pyoxigraph as ox

from kg.analytics import access, brokers, capital, cohesion, diffusion, openness, structure
from kg.analytics.extract import ARTEFACT, NETWORK, ORGANISATION, PERSON, RegionData
from kg.answers.actors import Ref, rows
from kg.pipeline.public import ROLE_ORDER
from kg.sparql import queries

KINDS = ("network", "school", "person", "artefact")

Rows = list[dict[str, Any]]


class SociogramNode(TypedDict):
    iri: str
    label: str
    kind: str  # the actor's class IRI
    group: Ref | None  # the colour: the person's school, or role
    degree: int
    isolated: bool
    broker: bool
    centre: bool


class SociogramEdge(TypedDict):
    source: str
    target: str
    relations: list[str]
    ties: int
    strength: float | None
    depth: float | None
    trust: float | None


class Sociogram(TypedDict):
    colour_by: str  # "school" or "role"
    nodes: list[SociogramNode]
    edges: list[SociogramEdge]


class Analysis(TypedDict):
    """The documented answer (docs/analytics.md): the common keys, then the keys of the subject's
    kind (KIND_KEYS says which); deeper parts are the rows their modules document."""

    subject: Ref
    kind: str  # network, school, person or artefact
    view: str
    people_only: bool
    generation: str | None
    betweenness_method: dict[str, Any]  # brokers.betweenness_method: exact or sampled, with the error bound
    graph: Sociogram
    # network and school
    members: NotRequired[int]
    members_by_year: NotRequired[Rows]
    openness: NotRequired[dict[str, Any]]
    brokers: NotRequired[Rows]
    isolates: NotRequired[Rows]
    isolation: NotRequired[Rows]
    weak_groups: NotRequired[Rows]
    core_periphery: NotRequired[dict[str, Any]]
    shared_members: NotRequired[Rows]
    components: NotRequired[dict[str, Any]]
    # network, school and person
    depth_distribution: NotRequired[Rows]
    expertise_access: NotRequired[Rows]
    # person
    ties: NotRequired[Rows]
    networks: NotRequired[Rows]
    capital: NotRequired[dict[str, Any]]
    # person and artefact
    reach: NotRequired[dict[str, Any]]
    broker: NotRequired[dict[str, Any]]
    # artefact
    summary: NotRequired[dict[str, Any]]
    adoptions: NotRequired[Rows]
    derivations: NotRequired[Rows]
    adoption_curve: NotRequired[Rows]
    intervals: NotRequired[dict[str, Any]]
    reach_by_board: NotRequired[Rows]
    reach_by_sector: NotRequired[Rows]
    carriers: NotRequired[dict[str, Any]]
    next_adopters: NotRequired[Rows]


COMMON_KEYS = frozenset({"subject", "kind", "view", "people_only", "generation", "betweenness_method", "graph"})
_GROUP = frozenset({"members", "members_by_year", "openness", "depth_distribution", "brokers", "isolates",
                    "isolation", "weak_groups", "core_periphery", "shared_members", "components",
                    "expertise_access"})
KIND_KEYS: dict[str, frozenset[str]] = {
    "network": _GROUP, "school": _GROUP,
    "person": frozenset({"reach", "ties", "depth_distribution", "broker", "networks", "capital", "expertise_access"}),
    "artefact": frozenset({"adoption_curve", "intervals", "reach_by_board", "reach_by_sector", "carriers",
                           "next_adopters", "adoptions", "derivations", "summary", "broker", "reach"}),
}


class NotThatKind(queries.QueryError):
    """The name resolved to an actor of another kind than asked."""


def subject_kind(region: RegionData, iri: str) -> str:
    """network, school (any organisation: its people form the group), person or artefact."""
    kind = region.kind(iri)
    return {NETWORK: "network", ORGANISATION: "school", PERSON: "person", ARTEFACT: "artefact"}.get(kind, "network")


def resolve(db: ox.Store, region: RegionData, text: str, kind: str | None = None) -> tuple[str, str]:
    """(iri, kind) of the subject; raises queries.QueryError (unknown, ambiguous, other kind)."""
    iri = queries.resolve_actor(db, text, region.view).value
    if iri not in region.actors:
        raise queries.QueryError(f"{text!r} is not an actor")
    found = subject_kind(region, iri)
    if kind and kind != found:
        raise NotThatKind(f"{text!r} is {region.label(iri)} <{iri}>, a {found}, not a {kind}")
    return iri, found


def analyse(db: ox.Store, region: RegionData, text: str, kind: str | None = None, people_only: bool = False,
            topics: tuple[str, ...] = (), today: str | None = None) -> Analysis:
    iri, found = resolve(db, region, text, kind)
    topic_iris = [queries.resolve_topic(db, t, region.view).value for t in topics]
    return analyse_actor(db, region, iri, found, people_only, topic_iris, today)


def analyse_actor(db: ox.Store, region: RegionData, iri: str, found: str, people_only: bool = False,
                  topic_iris: list[str] | None = None, today: str | None = None) -> Analysis:
    """The analysis of the actor `iri` of kind `found` (`subject_kind`), topics given as IRIs: what
    `analyse` returns once the names are resolved (kg.analytics.precompute calls it per actor)."""
    topic_iris = topic_iris or []
    head = {"subject": region.ref(iri), "kind": found, "view": region.view, "people_only": people_only,
            "generation": region.generation,
            "betweenness_method": brokers.global_metrics(region, people_only)["method"]}
    if found in ("network", "school"):
        body = group_analysis(db, region, iri, found, people_only, topic_iris, today)
    elif found == "person":
        body = person_analysis(region, iri, people_only, topic_iris)
    else:
        body = artefact_analysis(db, region, iri, people_only)
    return {**head, **body}  # type: ignore[typeddict-item]  # the body's keys: KIND_KEYS[found], tested


def group_members(region: RegionData, iri: str, kind: str, people_only: bool) -> set[str]:
    """A network's members with those of its sub-networks (so the regional knowledge network counts
    everyone in its PLGs and groups); a school's affiliated people with those of its parts."""
    if kind == "network":
        members = set(region.members_of(iri))
        for part in region.parts(iri):
            if region.kind(part) == NETWORK:
                members |= region.members_of(part)
    else:
        members = region.affiliated_with(iri)
    if people_only:
        members = {m for m in members if region.kind(m) == PERSON}
    return members


def group_analysis(db: ox.Store, region: RegionData, iri: str, kind: str, people_only: bool,
                   topics: list[str], today: str | None) -> dict[str, Any]:
    g = region.graph(people_only)
    members = group_members(region, iri, kind, people_only)
    isolation = cohesion.isolation(region, members)
    isolated = {r["actor"]["iri"] for r in isolation if r["isolated"]}
    broker_rows = brokers.broker_rows(region, people_only, {m for m in members if m in g})
    if not topics:
        topics = sorted(region.objects("theme", iri))
    people = {m for m in members if region.kind(m) == PERSON}
    return {
        "members": len(members),
        "members_by_year": members_by_year(db, region, iri, today) if kind == "network" else [],
        "openness": openness.openness(region, g, members),
        "depth_distribution": structure.depth_distribution(region, structure.ties_of(region, members), members),
        "brokers": broker_rows,
        "isolates": [r for r in isolation if r["isolated"]],
        "isolation": isolation,
        "weak_groups": cohesion.weak_groups(region, members),
        "core_periphery": cohesion.core_periphery(region, g, members, iri if kind == "network" else None),
        "shared_members": brokers.shared_members(region, iri) if kind == "network" else [],
        "components": _components(region, g.subgraph(m for m in members if m in g)),
        "expertise_access": [access.without_access(region, people, t) for t in topics],
        "graph": sociogram_data(region, g.subgraph(m for m in members if m in g), people_only,
                                colour_by="role" if kind == "school" else "school", isolated=isolated,
                                flagged={r["actor"]["iri"] for r in broker_rows if r["broker"]}),
    }


def members_by_year(db: ox.Store, region: RegionData, iri: str, today: str | None) -> list[dict[str, Any]]:
    """The named query `network-growth` per school year; kept on the region (people only or not, it
    is the same)."""
    params = {"network": iri}
    if today:
        params["on"] = today

    def compute() -> list[dict[str, Any]]:
        return [{"year": r["year"], "school_year": r["schoolYear"], "joined": r["joined"], "left": r["left"],
                 "members": r["activeAtEnd"]} for r in rows(db, "network-growth", params, region.view, region.lang)]
    return [dict(r) for r in region.memo(("members_by_year", iri, today), compute)]


def _components(region: RegionData, sub: nx.Graph) -> dict[str, Any]:
    c = cohesion.components(sub)
    return {**c, "isolates": [region.ref(i) for i in c["isolates"]]}


def person_analysis(region: RegionData, iri: str, people_only: bool, topics: list[str]) -> dict[str, Any]:
    g = region.graph(people_only)
    mine = [t for t in region.ties if iri in (t.source, t.target)]
    if not topics:
        topics = sorted({t for n in region.networks_of(iri) for t in region.objects("theme", n)})
    row = brokers.broker_row(region, people_only, iri)
    return {
        "reach": structure.reach(region, g, iri),
        "ties": structure.tie_rows(region, iri),
        "depth_distribution": structure.depth_distribution(region, mine),
        "broker": row,
        "networks": memberships(region, iri),
        "capital": capital.profile(region, iri),
        "expertise_access": [access.trusted_path(region, iri, t) for t in topics],
        "graph": ego_graph(region, g, iri, people_only, row["broker"]),
    }


def memberships(region: RegionData, iri: str) -> list[dict[str, Any]]:
    return [{"network": region.ref(m.organisation), "level": cohesion.LEVEL_POSITION.get(m.level_rank or 0),
             "hours": m.hours, "motivated": m.motivated, "begin": m.begin, "end": m.end}
            for m in sorted(region.memberships, key=lambda m: (m.begin or "", m.organisation)) if m.member == iri]


def artefact_analysis(db: ox.Store, region: RegionData, iri: str, people_only: bool) -> dict[str, Any]:
    g = region.graph(people_only)
    out = dict(region.memo(("diffusion", iri), lambda: diffusion.analyse(db, region, iri)))  # people only or not
    row = brokers.broker_row(region, people_only, iri)
    out.update(broker=row, reach=structure.reach(region, g, iri),
               graph=ego_graph(region, g, iri, people_only, row["broker"]))
    out.pop("artefact", None)
    return out


def ego_graph(region: RegionData, g: nx.Graph, iri: str, people_only: bool, centre_broker: bool) -> Sociogram:
    """The actor, its contacts and the ties among them (radius 1)."""
    sub = nx.ego_graph(g, iri, radius=1) if iri in g else nx.Graph()
    flagged = {x for x in sub if x != iri and brokers.is_broker(region, people_only, x)}
    if centre_broker:
        flagged.add(iri)
    return sociogram_data(region, sub, people_only, "school", set(nx.isolates(sub)), flagged, centre=iri)


def role_of(region: RegionData, iri: str) -> str | None:
    roles = region.objects("role", iri)
    return next((r for r in ROLE_ORDER if r in roles), None)


def sociogram_data(region: RegionData, sub: nx.Graph, people_only: bool, colour_by: str, isolated: set[str],
                   flagged: set[str], centre: str | None = None) -> Sociogram:
    """Nodes and edges of a sociogram: colour group (school, or role when everyone shown is from one
    school), degree, flags."""
    schools = {region.school_of(i) for i in sub if region.kind(i) == PERSON}
    if len(schools) <= 1:
        colour_by = "role"
    nodes: list[SociogramNode] = []
    for iri in sorted(sub, key=lambda i: (region.label(i).casefold(), i)):
        kind = region.kind(iri)
        if kind == PERSON:
            group = role_of(region, iri) if colour_by == "role" else region.school_of(iri)
        else:
            group = None
        nodes.append({"iri": iri, "label": region.label(iri), "kind": kind,
                      "group": region.ref(group) if group else None,
                      "degree": sub.degree(iri), "isolated": iri in isolated, "broker": iri in flagged,
                      "centre": iri == centre})
    # the smaller IRI is the source: the graph is undirected, and networkx's orientation depends on
    # the order of insertion (set order, so it differed between processes)
    edges = [SociogramEdge(source=min(u, v), target=max(u, v), relations=sorted(d["relations"]), ties=d["ties"],
                           strength=d["strength"], depth=d["depth"], trust=d["trust"])
             for u, v, d in sorted(sub.edges(data=True), key=lambda e: tuple(sorted(e[:2])))]
    return {"colour_by": colour_by, "nodes": nodes, "edges": edges}
