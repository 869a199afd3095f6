"""Network analytics over the knowledge graph: the four network dimensions, brokers and isolates,
diffusion and professional capital, as numbers and pictures (docs/analytics.md).

Modules: `extract` (what is read from the store and the analysed graph), `structure` (reach,
strength, depth), `openness` (density, clustering, E-I), `brokers` (betweenness, constraint,
effective size, brokerage), `cohesion` (isolates, weak groups, k-core vs declared level),
`access` (trusted paths to expertise), `diffusion` (adoption curve, intervals, reach, carriers,
next adopters), `capital` (professional capital), `subjects` (one subject's analysis as JSON),
`aggregate` (the sociogram grouped by school or community, for the interactive picture), `region`
(the region as a whole: components, isolates, brokers, E-I between schools and boards, reach per school),
`tables` (CSV), `gephi` (GraphML, GEXF), `pictures` (SVG, drawn with kg.pictures), `html` (a
self-contained HTML report), `cache` (results per store generation, in the process), `precompute`
(the whole-region, network and artefact results per store generation, on disk, computed in the
background).

networkx holds the analysed graph and computes most measures; igraph computes betweenness and
Burt's constraint, about 35 times faster with the same numbers (chosen by measurement:
bench/analytics_bench.py; tests/test_analytics_igraph.py keeps networkx as the reference).
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.analytics import aggregate, region, subjects
from kg.analytics.aggregate import Interactive
from kg.analytics.cache import AnalyticsCache
from kg.analytics.subjects import KINDS, Analysis, NotThatKind
from kg.ingest.ownership import region_infos
from kg.sparql.queries import QueryError

__all__ = ["AnalyticsCache", "Analysis", "Interactive", "KINDS", "NotThatKind", "UnknownRegion", "analyse",
           "analyse_region", "region_base", "sociogram"]


class UnknownRegion(QueryError):
    """No ingested region of that name (`known`: the store's regions), or one stored without a base."""

    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        super().__init__(f"no region {name!r} in this store; its regions: {', '.join(known) or 'none'}")


def analyse(db: ox.Store, text: str, kind: str | None = None, view: str = "internal", lang: str = "nl",
            people_only: bool = False, topics: tuple[str, ...] = (), today: str | None = None,
            generation: str | None = None, cache: AnalyticsCache | None = None) -> Analysis:
    """The analysis of the subject named `text` (IRI, local id or label) as documented JSON.

    `cache` keeps the region and the result until the store generation changes; without one,
    everything is computed from the store now. Raises kg.sparql.queries.QueryError (unknown, ambiguous or
    wrong kind of name; unknown topic)."""
    cache = cache or AnalyticsCache()
    region = cache.region(db, generation, view, lang)
    key = ("subject", view, lang, text, kind, people_only, tuple(topics), today)
    return cache.subject(generation, key, lambda: subjects.analyse(db, region, text, kind, people_only,
                                                                   tuple(topics), today))


def sociogram(db: ox.Store, text: str, kind: str | None = None, view: str = "internal", lang: str = "nl",
              people_only: bool = False, topics: tuple[str, ...] = (), today: str | None = None,
              generation: str | None = None, cache: AnalyticsCache | None = None) -> Interactive:
    """The sociogram of `analyse(...)` (same arguments) with its groupings by school and by
    community, for the interactive picture (kg.analytics.aggregate); cached like the analysis."""
    cache = cache or AnalyticsCache()
    result = analyse(db, text, kind, view, lang, people_only, topics, today, generation, cache)
    region = cache.region(db, generation, view, lang)
    key = ("sociogram", view, lang, text, kind, people_only, tuple(topics), today)
    return cache.subject(generation, key, lambda: aggregate.interactive(region, result))


def analyse_region(db: ox.Store, name: str | None, view: str = "internal", lang: str = "nl",
                   people_only: bool = False, generation: str | None = None,
                   cache: AnalyticsCache | None = None) -> dict:
    """The analysis of the ingested region `name` as a whole (kg.analytics.region), or of every actor
    of the store when `name` is None; cached like `analyse`. Raises UnknownRegion."""
    base = region_base(db, name) if name is not None else None
    cache = cache or AnalyticsCache()
    data = cache.region(db, generation, view, lang)
    key = ("region", view, lang, name, people_only)
    return cache.subject(generation, key, lambda: region.analyse_region(data, name, base, people_only))


def region_base(db: ox.Store, name: str) -> str:
    """The base IRI of the ingested region `name`; UnknownRegion (with the store's regions) if none."""
    infos = region_infos(db)
    info = infos.get(name)
    if info is None or not info.base:
        raise UnknownRegion(name, sorted(n for n, i in infos.items() if i.base))
    return info.base
