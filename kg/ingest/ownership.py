"""Which region owns which IRIs: each region's base, fixed at its first ingest and kept in the store.

The store's graph `graph/regions` describes every ingested region (VoID):

    <graph/region/twente> a void:Dataset ;
        dcterms:identifier "twente" ;
        void:uriSpace "https://knll-twente.example/id/" ;   # fixed at the first ingest
        void:triples 7338 ; void:entities 114 ;             # region triples, people
        dcterms:modified "2026-12-06T21:40:00Z"^^xsd:dateTime .

It is written in the same atomic commit as the region. Two guards follow from it:

- a region's base is never defaulted: the first ingest must name it (or the
  registry's `[local]` table does), later ingests reuse it, and a different
  base for an existing region, or a base that overlaps another region's, is
  refused;
- an upload whose rows would *describe* (be the subject of statements about)
  an IRI that another data graph already describes is refused, naming the
  codes and the other graph: two people are never merged. Referring to
  another graph's node (as the object of a statement) is not a collision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from kg.ingest.mapping import REGION_GRAPH, base_problem
from kg.model.namespaces import IMPORT_GRAPH, RDF, REGIONS_GRAPH, XSD
from kg.text import BilingualError, Text

VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
_A, _DATASET = ox.NamedNode(RDF + "type"), ox.NamedNode(VOID + "Dataset")
_ID, _SPACE = ox.NamedNode(DCT + "identifier"), ox.NamedNode(VOID + "uriSpace")
_TRIPLES, _PEOPLE = ox.NamedNode(VOID + "triples"), ox.NamedNode(VOID + "entities")
_MODIFIED = ox.NamedNode(DCT + "modified")

_REGION = Text(nl="regio {name}", en="region {name}")


class OwnershipError(BilingualError, ValueError):
    """A region or base that cannot be used; `text` says why."""


@dataclass(frozen=True)
class RegionInfo:
    """A region the store holds. `base` is None for a region stored before bases were kept."""

    name: str
    base: str | None
    triples: int
    people: int | None = None
    modified: str | None = None

    @property
    def graph(self) -> str:
        return REGION_GRAPH + self.name

    def quads(self) -> list[ox.Quad]:
        g, s = ox.NamedNode(REGIONS_GRAPH), ox.NamedNode(self.graph)
        out = [ox.Quad(s, _A, _DATASET, g), ox.Quad(s, _ID, ox.Literal(self.name), g),
               ox.Quad(s, _TRIPLES, ox.Literal(str(self.triples), datatype=ox.NamedNode(XSD + "integer")), g)]
        if self.base:
            out.append(ox.Quad(s, _SPACE, ox.Literal(self.base), g))
        if self.people is not None:
            out.append(ox.Quad(s, _PEOPLE, ox.Literal(str(self.people), datatype=ox.NamedNode(XSD + "integer")), g))
        if self.modified:
            out.append(ox.Quad(s, _MODIFIED, ox.Literal(self.modified, datatype=ox.NamedNode(XSD + "dateTime")), g))
        return out


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def region_infos(db) -> dict[str, RegionInfo]:
    """Every region graph in an open store (local or remote), with what `graph/regions` says of it.
    A region graph without a description (stored before bases were kept) is counted directly."""
    described: dict[str, dict[str, str]] = {}
    for q in db.quads_for_pattern(None, None, None, ox.NamedNode(REGIONS_GRAPH)):
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(REGION_GRAPH):
            described.setdefault(q.subject.value[len(REGION_GRAPH):], {})[q.predicate.value] = q.object.value
    out: dict[str, RegionInfo] = {}
    for g in db.named_graphs():
        if not (isinstance(g, ox.NamedNode) and g.value.startswith(REGION_GRAPH)):
            continue
        name = g.value[len(REGION_GRAPH):]
        d = described.get(name)
        if d is not None and _TRIPLES.value in d:
            people = d.get(_PEOPLE.value)
            out[name] = RegionInfo(name, d.get(_SPACE.value), int(d[_TRIPLES.value]),
                                   int(people) if people is not None else None, d.get(_MODIFIED.value))
        else:
            out[name] = RegionInfo(name, (d or {}).get(_SPACE.value),
                                   sum(1 for _ in db.quads_for_pattern(None, None, None, g)))
    return dict(sorted(out.items()))


def resolve_base(region: str, given: str | None, infos: Mapping[str, RegionInfo],
                 local_name: str | None = None, local_base: str | None = None) -> str:
    """The base IRI an ingest of `region` must use; OwnershipError when there is none or it clashes.

    An existing region keeps the base it was first ingested with (`given` may repeat it, not
    change it). A new region needs `given`, or the registry's `[local]` base when `region` is
    the local region. A new base must not overlap another region's base."""
    info = infos.get(region)
    if info is not None and info.base:
        if given and given != info.base:
            raise OwnershipError(
                Text(nl=f"De regio {region} heeft de basis-IRI {info.base} (vastgelegd bij de eerste upload); "
                        f"je gaf {given}. Laat de basis weg of gebruik deze.",
                     en=f"Region {region} has the base IRI {info.base} (fixed at its first ingest); you gave {given}. "
                        f"Leave the base out or use that one."))
        return info.base
    base = given or (local_base if local_name == region else None)
    if not base:
        raise OwnershipError(
            Text(nl=f"De regio {region} is nieuw: geef haar basis-IRI op (--base), bijvoorbeeld "
                    f"https://{region}.example/id/. Die ligt daarna vast voor deze regio.",
                 en=f"Region {region} is new: give its base IRI (--base), for example https://{region}.example/id/. "
                    f"It is then fixed for this region."))
    why = base_problem(base)
    if why:
        raise OwnershipError(Text(nl=f"Basis-IRI {base}: moet een http(s)-IRI zijn die eindigt op '/' of '#'.",
                                  en=f"Base IRI {base}: {why}."))
    for other in infos.values():
        if other.name != region and other.base and (base.startswith(other.base) or other.base.startswith(base)):
            raise OwnershipError(
                Text(nl=f"De basis-IRI {base} overlapt met {other.base}, de basis van regio {other.name}: codes van "
                        f"beide regio's zouden dezelfde IRI's krijgen. Kies een eigen basis-IRI.",
                     en=f"The base IRI {base} overlaps {other.base}, the base of region {other.name}: codes of both "
                        f"regions would get the same IRIs. Choose a base IRI of its own."))
    return base


def graph_owner(graph: str, lang: str = "en") -> str:
    """How a report names a data graph: 'region twente' ('regio twente'), 'import utrecht' or the graph IRI."""
    if graph.startswith(REGION_GRAPH):
        return _REGION.format(name=graph[len(REGION_GRAPH):])[lang]
    if graph.startswith(IMPORT_GRAPH):
        return "import " + graph[len(IMPORT_GRAPH):]
    return graph


def collisions(described: Iterable[ox.Quad], subjects: set) -> dict[ox.NamedNode, set[str]]:
    """Node -> the graphs among `described` (quads of the store's OTHER data graphs) that state
    something about it, for every node of `subjects` that another graph already describes."""
    out: dict[ox.NamedNode, set[str]] = {}
    for q in described:
        if q.subject in subjects:
            out.setdefault(q.subject, set()).add(q.graph_name.value)
    return out
