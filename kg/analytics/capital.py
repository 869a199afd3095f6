"""Professional capital profile PC = f(HC, SC, DC) (Hargreaves & Fullan 2012).

Indicators per person (counts from the store, in the caller's view):

- human capital (HC): `expertise_topics` (declared), `attributed_topics` (named by colleagues),
  `authored_artefacts` (dcterms:creator);
- social capital (SC): `alters` (distinct actors tied), `strong_ties` (tied pairs with
  strength = closeness x per month >= `STRONG_TIE_MIN`), `mean_trust` (over its ties),
  `networks_reached` and `organisations_reached` within `SOCIAL_REACH_STEPS` steps;
- decisional capital (DC): `networks` (distinct networks joined), `core`, `active`,
  `peripheral` memberships, `hours` (per year, summed), `motivated_share` (memberships with a
  stated reason / memberships).

Scores: each indicator becomes a **percentile rank** among all people of the region,
pr(x) = (number below x + half the number equal to x, the person included) / n x 100, so 50 is
the middle of the region whatever the unit; a dimension's score is the **mean** of its
indicators' percentile ranks (equal weights: the booklet gives no ground to weigh one above
another). `mean_trust` of a person without ties and `motivated_share` without memberships
count as 0. Scores compare people within one region; they are not absolute.

The named query `capital-profile` gives the same indicators for one person by the same
definitions (tests/test_capital_agreement.py compares them).
"""

from __future__ import annotations

from typing import Any

from kg.analytics import structure
from kg.analytics.extract import NETWORK, RegionData

STRONG_TIE_MIN = 8.0   # closeness 4 ("close") at 2 contacts a month; capital-profile.rq uses the same bound
SOCIAL_REACH_STEPS = 2  # the booklet's "one or two steps"

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "human": ("expertise_topics", "attributed_topics", "authored_artefacts"),
    "social": ("alters", "strong_ties", "mean_trust", "networks_reached", "organisations_reached"),
    "decisional": ("networks", "core", "motivated_share", "hours"),
}
LEVELS = {3: "core", 2: "active", 1: "peripheral"}


def indicators(region: RegionData, person: str) -> dict[str, float]:
    g = region.graph(False)
    mine = [t for t in region.ties if person in (t.source, t.target)]
    alters = {t.target if t.source == person else t.source for t in mine}
    strong = {frozenset((t.source, t.target)) for t in mine if (t.strength or 0) >= STRONG_TIE_MIN}
    trusts = [t.trust for t in mine if t.trust is not None]
    reach = structure.reach_counts(region, structure.within(g, person, SOCIAL_REACH_STEPS))
    ms = [m for m in region.memberships if m.member == person]
    levels = {name: sum(1 for m in ms if m.level_rank == rank) for rank, name in LEVELS.items()}
    return {
        "expertise_topics": len(region.objects("expertise", person)),
        "attributed_topics": len(region.objects("attributed", person)),
        "authored_artefacts": len(region.subjects("creator", person)),
        "alters": len(alters),
        "strong_ties": len(strong),
        "mean_trust": sum(trusts) / len(trusts) if trusts else 0.0,
        "networks_reached": reach["networks"],
        "organisations_reached": reach["organisations"],
        "networks": len({m.organisation for m in ms if region.kind(m.organisation) == NETWORK}),
        **levels,
        "hours": sum(m.hours or 0 for m in ms),
        "motivated_share": sum(1 for m in ms if m.motivated) / len(ms) if ms else 0.0,
    }


def percentile_rank(value: float, population: list[float]) -> float:
    """(below + equal / 2) / n x 100, the person counted among the equals."""
    if not population:
        return 0.0
    below = sum(1 for v in population if v < value)
    equal = sum(1 for v in population if v == value)
    return (below + equal / 2) / len(population) * 100


def all_indicators(region: RegionData) -> dict[str, dict[str, float]]:
    return region.memo(("capital",), lambda: {p: indicators(region, p) for p in region.people()})


def profile(region: RegionData, person: str) -> dict[str, Any]:
    """{"indicators": {...}, "scores": {"human", "social", "decisional"}, "percentiles": {...}}."""
    everyone = all_indicators(region)
    mine = everyone.get(person) or indicators(region, person)
    population = list(everyone.values())
    percentiles = {k: percentile_rank(v, [p[k] for p in population]) for k, v in mine.items()}
    scores = {dim: sum(percentiles[k] for k in keys) / len(keys) for dim, keys in DIMENSIONS.items()}
    return {"indicators": mine, "percentiles": percentiles, "scores": scores, "people": len(population)}
