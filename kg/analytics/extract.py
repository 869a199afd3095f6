"""What network analytics reads from the store, and the graph it analyses.

`load_region(db, view, lang)` runs the `analytics-*` named queries once in the caller's view (so
in the public view a hidden person exists only under the anonymous label of the public graph)
and returns a `RegionData`: actors, ties, memberships and the other relations, as plain Python.

`RegionData.graph(people_only)` is the analysed graph (networkx, undirected, simple):

- **nodes**: every actor, humans and artefacts alike (ANT), and networks or organisations that
  are the end of a tie; with `people_only`, persons only;
- **edges** (a pair of actors is tied or not; the attributes say how):
  - `tie`: one or more `ckg:Tie` nodes between the two, in either direction. `ties` = how many,
    `strength` = the largest closeness x contacts per month among them (the booklet's
    *kracht*; a pair reported in several school years keeps its strongest year, so repeated
    reports do not add up), `depth` = the deepest depth rank (1 storytelling .. 4 joint work),
    `trust` = the highest trust (1-5), `years` = the school years reported;
  - `mediation`: an artefact that mediates a tie (`ckg:mediatedBy`) is linked to both ends of
    that tie (a kijkwijzer or an app *in* the relation, Latour);
  - `creator`: an artefact is linked to each of its creators (`dcterms:creator`).
  With `people_only` only person-to-person ties remain.
- memberships, affiliations, roles, themes and expertise are **not** edges: they define the
  groups (networks, schools) and the attributes the metrics compare.

The structural metrics treat the graph as binary (tied or not): betweenness, constraint,
k-cores and clustering follow their textbook definitions, and strength, depth and trust are
reported beside them rather than folded into them with invented weights.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.answers.actors import Ref, py
from kg.model.namespaces import local_name
from kg.sparql import queries

PERSON, ARTEFACT, NETWORK, ORGANISATION = "person", "artefact", "network", "organisation"
TIE, MEDIATION, CREATOR = "tie", "mediation", "creator"


@dataclass(frozen=True)
class Actor:
    iri: str
    label: str
    kind: str
    is_school: bool = False
    is_board: bool = False

    def ref(self) -> Ref:
        return {"iri": self.iri, "label": self.label}


@dataclass(frozen=True)
class Tie:
    iri: str
    source: str
    target: str
    depth: int | None = None
    per_month: float | None = None
    closeness: float | None = None
    trust: int | None = None
    year: int | None = None
    mediated_by: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @property
    def strength(self) -> float | None:
        """closeness x contacts per month (the booklet's *kracht x frequentie*); None if either is missing."""
        if self.closeness is None or self.per_month is None:
            return None
        return self.closeness * self.per_month


@dataclass(frozen=True)
class Membership:
    iri: str
    member: str
    organisation: str
    level: str | None = None
    level_rank: int | None = None
    hours: float | None = None
    motivated: bool = False
    begin: str | None = None
    end: str | None = None


@dataclass
class RegionData:
    """Everything analytics needs from one view of our region's store, and the graphs built from it
    (a peer region of the registry is kg.federation.registry.Region)."""

    view: str
    lang: str
    actors: dict[str, Actor]
    ties: list[Tie]
    memberships: list[Membership]
    relations: dict[str, dict[str, set[str]]]      # relation -> subject -> objects
    concepts: dict[str, dict[str, Any]]            # concept IRI -> {"label", "rank"}
    generation: str | None = None
    exact_betweenness_max: int | None = None       # None: brokers.EXACT_BETWEENNESS_MAX_NODES
    betweenness_pivots: int | None = None          # None: brokers.BETWEENNESS_PIVOTS
    _graphs: dict[bool, nx.Graph] = field(default_factory=dict, repr=False)
    _metrics: dict[tuple, Any] = field(default_factory=dict, repr=False)

    # --- lookups ---------------------------------------------------------------

    def ref(self, iri: str) -> Ref:
        actor = self.actors.get(iri)
        if actor is not None:
            return actor.ref()
        concept = self.concepts.get(iri)
        return {"iri": iri, "label": concept["label"] if concept else local_name(iri)}

    def label(self, iri: str) -> str:
        return self.ref(iri)["label"]

    def kind(self, iri: str) -> str:
        actor = self.actors.get(iri)
        return actor.kind if actor else "actor"

    def objects(self, relation: str, subject: str) -> set[str]:
        return self.relations.get(relation, {}).get(subject, set())

    def subjects(self, relation: str, obj: str) -> set[str]:
        return self._inverse(relation).get(obj, set())

    def _inverse(self, relation: str) -> dict[str, set[str]]:
        key = ("inverse", relation)
        if key not in self._metrics:
            inv: dict[str, set[str]] = defaultdict(set)
            for s, objs in self.relations.get(relation, {}).items():
                for o in objs:
                    inv[o].add(s)
            self._metrics[key] = dict(inv)
        return self._metrics[key]

    def organisations_of(self, iri: str) -> set[str]:
        """The organisations an actor belongs to: its affiliations, or itself for an organisation."""
        if self.kind(iri) == ORGANISATION:
            return {iri}
        return set(self.objects("affiliated", iri))

    def parents(self, iri: str) -> set[str]:
        """Everything `iri` is (transitively) part of, by org:subOrganizationOf."""
        seen: set[str] = set()
        todo = list(self.objects("part-of", iri))
        while todo:
            p = todo.pop()
            if p not in seen:
                seen.add(p)
                todo.extend(self.objects("part-of", p))
        return seen

    def boards_of(self, school: str) -> set[str]:
        return {p for p in self.parents(school) if p in self.actors and self.actors[p].is_board}

    def school_of(self, iri: str) -> str | None:
        """The first (by IRI) school or other organisation an actor is affiliated with; groups colour by it."""
        orgs = sorted(self.organisations_of(iri))
        schools = [o for o in orgs if o in self.actors and self.actors[o].is_school]
        return (schools or orgs or [None])[0]

    def networks_of(self, iri: str) -> set[str]:
        """Networks (and other collectives) the actor has a membership of, any period."""
        return self._members_index()[1].get(iri, set())

    def members_of(self, group: str) -> set[str]:
        """Actors with a membership of the network or organisation, any period."""
        return self._members_index()[0].get(group, set())

    def _members_index(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        key = ("members",)
        if key not in self._metrics:
            members: dict[str, set[str]] = defaultdict(set)
            of: dict[str, set[str]] = defaultdict(set)
            for m in self.memberships:
                members[m.organisation].add(m.member)
                of[m.member].add(m.organisation)
            self._metrics[key] = (dict(members), dict(of))
        return self._metrics[key]

    def affiliated_with(self, organisation: str) -> set[str]:
        """People affiliated with the organisation or with any of its sub-organisations."""
        inside = {organisation} | self.parts(organisation)
        return {p for o in inside for p in self.subjects("affiliated", o)}

    def parts(self, iri: str) -> set[str]:
        """Everything (transitively) part of `iri`, by org:subOrganizationOf."""
        return self._descendants().get(iri, set())

    def _descendants(self) -> dict[str, set[str]]:
        """Organisation -> the actors that are (transitively) part of it; once per region (asked per
        school, it scanned every actor: 19 s of an artefact's 31 s at 5,000 people)."""
        def build() -> dict[str, set[str]]:
            out: dict[str, set[str]] = defaultdict(set)
            for o in self.actors:
                for p in self.parents(o):
                    out[p].add(o)
            return dict(out)
        return self.memo(("descendants",), build)

    def nested(self, a: str, b: str) -> bool:
        """One network is (transitively) part of the other: sharing members with it is no boundary."""
        return a in self.parents(b) or b in self.parents(a)

    def people(self) -> list[str]:
        return sorted(i for i, a in self.actors.items() if a.kind == PERSON)

    def memo(self, key: tuple, compute) -> Any:
        """A region-wide result computed once (the region lives as long as its store generation)."""
        if key not in self._metrics:
            self._metrics[key] = compute()
        return self._metrics[key]

    # --- the analysed graph -------------------------------------------------------

    def graph(self, people_only: bool = False) -> nx.Graph:
        """The analysed graph (see the module docstring); built once per region and option."""
        if people_only not in self._graphs:
            self._graphs[people_only] = build_graph(self, people_only)
        return self._graphs[people_only]

    @cached_property
    def tie_index(self) -> dict[frozenset[str], list[Tie]]:
        index: dict[frozenset[str], list[Tie]] = defaultdict(list)
        for t in self.ties:
            index[frozenset((t.source, t.target))].append(t)
        return dict(index)


def build_graph(region: RegionData, people_only: bool) -> nx.Graph:
    g = nx.Graph()
    keep = (lambda iri: region.kind(iri) == PERSON) if people_only else (lambda iri: True)
    for iri, actor in region.actors.items():
        if keep(iri) and (actor.kind in (PERSON, ARTEFACT)):
            g.add_node(iri)
    for tie in region.ties:
        if not (keep(tie.source) and keep(tie.target)):
            continue
        _add(g, tie.source, tie.target, TIE, tie)
        if people_only:
            continue
        for artefact in tie.mediated_by:
            for end in (tie.source, tie.target):
                if end != artefact:
                    _add(g, artefact, end, MEDIATION, tie)
    if not people_only:
        for artefact, creators in region.relations.get("creator", {}).items():
            for person in creators:
                if artefact in region.actors and person in region.actors:
                    _add(g, artefact, person, CREATOR, None)
    for iri in g.nodes:
        a = region.actors.get(iri)
        g.nodes[iri].update(label=a.label if a else local_name(iri), kind=a.kind if a else "actor")
    return g


def _add(g: nx.Graph, u: str, v: str, relation: str, tie: Tie | None) -> None:
    if u == v:
        return
    if not g.has_edge(u, v):
        g.add_edge(u, v, relations=set(), ties=0, strength=None, depth=None, trust=None, years=set())
    e = g.edges[u, v]
    e["relations"].add(relation)
    if tie is None:
        return
    if relation == TIE:
        e["ties"] += 1
        e["strength"] = _max(e["strength"], tie.strength)
        e["depth"] = _max(e["depth"], tie.depth)
        e["trust"] = _max(e["trust"], tie.trust)
    if tie.year is not None:
        e["years"].add(tie.year)


def _max(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


# --- reading the store -------------------------------------------------------------

def _rows(db: ox.Store, name: str, params: dict[str, str], view: str) -> list[dict[str, Any]]:
    results = queries.run(db, name, params, view=view)
    columns = [v.value for v in results.variables]
    return [{c: r[c] for c in columns} for r in results]


def pick_label(labels: list[ox.Literal], lang: str) -> str | None:
    """The label in `lang`, else one without a language, else the first in order."""
    def rank(lit: ox.Literal) -> tuple[int, str]:
        tag = lit.language or ""
        return (0 if tag == lang else 1 if not tag else 2, lit.value)
    return min(labels, key=rank).value if labels else None


def load_region(db: ox.Store, view: str = "internal", lang: str = "nl", generation: str | None = None) -> RegionData:
    """Read actors, ties, memberships and relations from the store in `view` (see the module docstring)."""
    labels: dict[str, list[ox.Literal]] = defaultdict(list)
    info: dict[str, tuple[str, bool, bool]] = {}
    for r in _rows(db, "analytics-actors", {}, view):
        iri = r["actor"].value
        info[iri] = (r["actorKind"].value, py(r["isSchool"]) is True, py(r["isBoard"]) is True)
        if r["label"] is not None:
            labels[iri].append(r["label"])
    actors = {iri: Actor(iri, pick_label(labels[iri], lang) or local_name(iri), *info[iri]) for iri in info}

    ties: dict[str, dict[str, Any]] = {}
    for r in _rows(db, "analytics-ties", {}, view):
        iri = r["tie"].value
        t = ties.setdefault(iri, {"iri": iri, "source": r["source"].value, "target": r["target"].value,
                                  "depth": py(r["rank"]), "per_month": _float(r["perMonth"]),
                                  "closeness": _float(r["closeness"]), "trust": py(r["trust"]),
                                  "year": py(r["year"]), "mediated_by": [], "topics": []})
        for key, col in (("mediated_by", "mediatedBy"), ("topics", "topic")):
            if r[col] is not None and r[col].value not in t[key]:
                t[key].append(r[col].value)
    tie_list = [Tie(**{**t, "mediated_by": tuple(t["mediated_by"]), "topics": tuple(t["topics"])})
                for t in ties.values()]

    memberships = [Membership(
        iri=str(py(r["membership"]) or r["membership"]), member=r["member"].value,
        organisation=r["organisation"].value, level=py(r["level"]), level_rank=py(r["levelRank"]),
        hours=_float(r["hours"]), motivated=py(r["motivated"]) is True,
        begin=py(r["begin"]), end=py(r["end"])) for r in _rows(db, "analytics-memberships", {}, view)]

    relations: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in _rows(db, "analytics-relations", {}, view):
        if isinstance(r["subject"], ox.NamedNode) and isinstance(r["object"], ox.NamedNode):
            relations[r["kind"].value][r["subject"].value].add(r["object"].value)

    concepts = {r["concept"].value: {"label": r["conceptLabel"].value, "rank": py(r["rank"])}
                for r in _rows(db, "analytics-concepts", {"lang": lang}, view)}
    return RegionData(view, lang, actors, tie_list, memberships,
                  {k: dict(v) for k, v in relations.items()}, concepts, generation)


def _float(term: Any) -> float | None:
    value = py(term)
    return float(value) if isinstance(value, (int, float)) else None
