"""Big sociograms stay readable: the sociogram of an analysis grouped, for the interactive picture.

A sociogram of more than `AGGREGATE_ABOVE` actors is first shown as groups with drill-down
(docs/analytics.md, "The interactive sociogram"). Groupings of the same nodes and edges:

- `school`: each person's school or organisation (`RegionData.school_of`, the sociogram's colour
  group when it is coloured by school);
- `role`: the colour group when the sociogram is coloured by role (everyone from one school);
- `community`: Louvain communities (`nx.community.louvain_communities`, seeded, so the same graph
  gives the same groups) of the sociogram's graph, binary like the other structural metrics.

Actors without a school or role (artefacts, networks) form one group per kind. A group's `size` is
its members; a `Link` between two groups lists the indices of the sociogram's member-level edges
with one end in each (`edges`), so its `count` is exactly those edges and a filter by depth or
strength can thin it out without another grouping. Labels are the analysis' own, or of schools
and roles, in the caller's view: nothing names a person the view does not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import TypedDict

import networkx as nx

from kg.analytics import structure
from kg.analytics.extract import PERSON, RegionData
from kg.analytics.pictures import OTHER, PALETTE, group_colours
from kg.analytics.subjects import Analysis, Sociogram, SociogramEdge, SociogramNode
from kg.answers.actors import Ref
from kg.text import Strings, Text

AGGREGATE_ABOVE = 60    # more actors than this: shown as groups first (about what a screen can label)
COMMUNITY_SEED = 1      # Louvain is randomised; a fixed seed keeps the groups of a graph stable

TEXTS = Strings({
    "community": Text(nl="Groep {n}: rond {who}", en="Group {n}: around {who}"),
    "no_group": Text(nl="Zonder {by}: {kind}", en="Without {by}: {kind}"),
    "school": Text(nl="school", en="school"),
    "role": Text(nl="rol", en="role"),
    "person": Text(nl="personen", en="people"),
    "artefact": Text(nl="artefacten", en="artefacts"),
    "network": Text(nl="netwerken", en="networks"),
    "organisation": Text(nl="organisaties", en="organisations"),
})


class Group(TypedDict):
    id: str                 # g0, g1, ... within one grouping, largest first
    iri: str | None         # the school or role; None for a community or the actors without one
    label: str
    colour: str
    size: int               # members
    members: list[str]      # node IRIs, in the sociogram's node order
    edges: int              # member-level edges with both ends in the group


class Link(TypedDict):
    source: str             # group ids
    target: str
    count: int              # member-level edges between the two groups
    ties: int               # tie nodes on those edges
    edges: list[int]        # their indices in the sociogram's `edges`


class Grouping(TypedDict):
    by: str                 # school, role or community
    groups: list[Group]
    links: list[Link]


class Depth(TypedDict):
    rank: int
    label: str | None


class Interactive(TypedDict):
    """The answer of /api/analytics/sociogram: the analysis' sociogram, its groupings and what the
    picture needs to draw them (colours, depth names)."""

    subject: Ref
    kind: str
    view: str
    people_only: bool
    generation: str | None
    colour_by: str
    nodes: list[SociogramNode]
    edges: list[SociogramEdge]
    colours: dict[str, str]         # colour group IRI -> colour, as in the SVG
    other_colour: str
    depths: list[Depth]
    groupings: dict[str, Grouping]  # "school", "role" (when coloured by role), "community"
    initial: str                    # the grouping shown first: "none" up to AGGREGATE_ABOVE actors
    aggregate_above: int


def group(graph: Sociogram, members: list[tuple[str | None, str, list[str]]], by: str,
          colours: dict[str, str] | None = None) -> Grouping:
    """The groups (iri, label, member IRIs; every node in exactly one) with their links, counted
    from the member-level edges. Colours: `colours[iri]` (the SVG's, for the colour groups), else
    the palette in group order."""
    ordered = sorted(members, key=lambda m: (-len(m[2]), m[1].casefold(), m[0] or ""))
    where: dict[str, int] = {}
    groups: list[Group] = []
    for i, (iri, label, found) in enumerate(ordered):
        where.update((m, i) for m in found)
        colour = colours.get(iri or "", OTHER) if colours is not None else _nth_colour(i)
        groups.append({"id": f"g{i}", "iri": iri, "label": label, "colour": colour, "size": len(found),
                       "members": found, "edges": 0})
    inside: Counter[int] = Counter()
    between: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, e in enumerate(graph["edges"]):
        a, b = where[e["source"]], where[e["target"]]
        if a == b:
            inside[a] += 1
        else:
            between[(min(a, b), max(a, b))].append(index)
    for i, g in enumerate(groups):
        g["edges"] = inside[i]
    links: list[Link] = [{"source": f"g{a}", "target": f"g{b}", "count": len(ix),
                          "ties": sum(graph["edges"][i]["ties"] for i in ix), "edges": ix}
                         for (a, b), ix in sorted(between.items())]
    return {"by": by, "groups": groups, "links": links}


def _nth_colour(i: int) -> str:
    return PALETTE[i] if i < len(PALETTE) else OTHER


def by_key(graph: Sociogram, key: Callable[[SociogramNode], Ref | None], by: str, lang: str,
           colours: dict[str, str] | None = None) -> Grouping:
    """One group per value of `key(node)` (a school or a role); the nodes without one, one group per kind."""
    found: dict[str, tuple[str | None, str, list[str]]] = {}
    for n in graph["nodes"]:
        ref = key(n)
        if ref:
            k, iri, label = ref["iri"], ref["iri"], ref["label"]
        else:
            k, iri = "kind:" + n["kind"], None
            label = TEXTS("no_group", lang, by=TEXTS(by, lang), kind=TEXTS.get(n["kind"], lang, n["kind"]))
        found.setdefault(k, (iri, label, []))[2].append(n["iri"])
    return group(graph, list(found.values()), by, colours)


def by_school(region: RegionData, graph: Sociogram) -> Grouping:
    """One group per person's school or organisation (RegionData.school_of, in the region's view);
    coloured as the sociogram when it is coloured by school."""
    if graph["colour_by"] == "school":
        return by_key(graph, lambda n: n["group"], "school", region.lang, group_colours(graph["nodes"]))

    def school(n: SociogramNode) -> Ref | None:
        iri = region.school_of(n["iri"]) if n["kind"] == PERSON else None
        return region.ref(iri) if iri else None
    return by_key(graph, school, "school", region.lang)


def by_community(graph: Sociogram, lang: str) -> Grouping:
    """Louvain communities of the sociogram's graph, each named after its best-connected member."""
    g = nx.Graph()
    g.add_nodes_from(n["iri"] for n in graph["nodes"])
    g.add_edges_from((e["source"], e["target"]) for e in graph["edges"])
    order = {n["iri"]: i for i, n in enumerate(graph["nodes"])}
    label = {n["iri"]: n["label"] for n in graph["nodes"]}
    found = [sorted(c, key=order.__getitem__) for c in nx.community.louvain_communities(g, seed=COMMUNITY_SEED)]
    found.sort(key=lambda c: (-len(c), order[c[0]]))
    members: list[tuple[str | None, str, list[str]]] = []
    for i, c in enumerate(found):
        centre = max(c, key=lambda m: (g.degree(m), -order[m]))
        members.append((None, TEXTS("community", lang, n=i + 1, who=label[centre]), c))
    return group(graph, members, "community")


def interactive(region: RegionData, analysis: Analysis) -> Interactive:
    """The analysis' sociogram with both groupings, and the grouping to show first."""
    graph, lang = analysis["graph"], region.lang
    groupings = {"school": by_school(region, graph)}
    if graph["colour_by"] == "role":
        groupings["role"] = by_key(graph, lambda n: n["group"], "role", lang, group_colours(graph["nodes"]))
    groupings["community"] = by_community(graph, lang)
    return {"subject": analysis["subject"], "kind": analysis["kind"], "view": analysis["view"],
            "people_only": analysis["people_only"], "generation": analysis["generation"],
            "colour_by": graph["colour_by"], "nodes": graph["nodes"], "edges": graph["edges"],
            "colours": group_colours(graph["nodes"]), "other_colour": OTHER,
            "depths": [{"rank": r, "label": structure.depth_label(region, r)} for r in structure.DEPTH_RANKS],
            "groupings": groupings, "initial": initial(graph, groupings["school"]),
            "aggregate_above": AGGREGATE_ABOVE}


def initial(graph: Sociogram, school: Grouping) -> str:
    """`none` (every actor) up to AGGREGATE_ABOVE actors; above, by school when they are from more
    than one, else by community."""
    if len(graph["nodes"]) <= AGGREGATE_ABOVE:
        return "none"
    return "school" if sum(1 for g in school["groups"] if g["iri"]) > 1 else "community"
