"""How an artefact spread from school to school (olievlekwerking), from named queries.

`trace()` returns `Trace`, the documented JSON shape of `/api/trace` and `kg trace --format json`
(docs/web.md). Every actor is a `Ref` ({"iri", "label"}) or null; dates are `YYYY-MM-DD`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NotRequired, TypedDict, cast

import pyoxigraph as ox

from kg.answers.actors import Ref, best_rows, profile, ref, rows
from kg.sparql import queries
from kg.store import run_query
from kg.text import Strings, Text

# (view, lang, offset, limit) -> (how many, the rows), or None when the index cannot answer
AdoptedIndex = Callable[[str, str, int, int | None], tuple[int, list[Any]] | None]

Row = dict[str, Any]


class Adoption(TypedDict):
    adoption: Ref
    date: str | None
    order: int | None
    days_since_first: int | None
    adopted: Ref | None  # the original or the adapted copy that was adopted
    adopter: Ref | None
    source: Ref | None  # from whom the adopter had it
    broker: Ref | None  # the first broker (kept for older clients); all of them in `brokers`
    brokers: list[Ref]
    network: Ref | None
    adapted_copy: Ref | None  # the copy this adoption made
    region: NotRequired[Any]  # federated answers: the region that holds the adoption


class Derivation(TypedDict):
    copy: Ref | None
    parent: Ref | None
    created: str | None
    depth: int | None
    adapted_by: Ref | None
    region: NotRequired[Any]  # federated answers: the region that holds the copy


class CurvePoint(TypedDict):
    date: str
    adoptions: int  # cumulative
    schools: int  # distinct adopting schools so far


class Summary(TypedDict):
    adoptions: int
    schools: int
    copies: int
    first: str | None
    last: str | None
    max_depth: int
    regions: NotRequired[int]  # a federated trace: how many regions hold adoptions


class Reason(TypedDict):
    reason: str  # same-board, tie or network
    reason_label: str
    via: list[Ref]  # the adopters the school is near to
    links: int
    evidence: list[str] | None  # who links them: internal view only, else null


class NextAdopter(TypedDict):
    school: Ref
    score: float | None
    reasons: list[Reason]


class Trace(TypedDict):
    artefact: Ref
    adoptions: list[Adoption]
    derivations: list[Derivation]
    curve: list[CurvePoint]
    summary: Summary
    next_adopters: list[NextAdopter] | None  # null unless asked for (slower)
    # a federated trace (kg.federation.federated) also says which regions answered and how
    federated: NotRequired[bool]
    same_as: NotRequired[list[str]]
    regions: NotRequired[list[dict[str, Any]]]


class NotAnArtefact(queries.QueryError):
    """The name resolved to an actor that is not an artefact."""


def resolve_artefact(db: ox.Store, artefact: str, view: str = "internal", lang: str = "nl",
                     names: queries.Names | None = None) -> Ref:
    """The artefact by IRI, local id or label, as {"iri", "label"}.

    Raises queries.AmbiguousName (with .candidates) for an ambiguous label, queries.QueryError for
    an unknown name and NotAnArtefact for another kind of actor."""
    iri = queries.resolve_actor(db, artefact, view, names).value
    prof = profile(db, iri, view, lang)
    if prof is None or prof["kind"] != "artefact":
        label = prof["label"] if prof else iri
        kind = prof["kind"] if prof else "unknown"
        raise NotAnArtefact(f"{artefact!r} is {label} <{iri}>, a {kind}, not an artefact")
    return {"iri": iri, "label": prof["label"]}


def trace(db: ox.Store, artefact: str, view: str = "internal", lang: str = "nl",
          next_adopters: bool = False, names: queries.Names | None = None) -> Trace:
    """Every adoption of the artefact or an adapted copy in date order, the derivation tree of the
    copies, the cumulative adoption curve and, if asked (slower), the likely next adopters."""
    art = resolve_artefact(db, artefact, view, lang, names)
    adoptions = _adoptions(db, art["iri"], view, lang)
    derivations = [Derivation(
        copy=ref(r["copy"], r["copyLabel"]), parent=ref(r["parent"], r["parentLabel"]),
        created=r["created"], depth=r["depth"], adapted_by=ref(r["adaptedBy"], r["adaptedByLabel"]),
    ) for r in rows(db, "derivations", {"artefact": art["iri"]}, view, lang)]
    return {
        "artefact": art,
        "adoptions": adoptions,
        "derivations": derivations,
        "curve": curve(adoptions),
        "summary": summary(adoptions, derivations),
        "next_adopters": likely_next_adopters(db, art["iri"], view, lang) if next_adopters else None,
    }


def _adoptions(db: ox.Store, iri: str, view: str, lang: str) -> list[Adoption]:
    """One entry per adoption (the query gives one row per broker), in the query's date order."""
    out: dict[str, Adoption] = {}
    for r in rows(db, "diffusion-trace", {"artefact": iri}, view, lang):
        a = out.get(r["adoption"])
        broker = ref(r["broker"], r["brokerLabel"])
        if a is None:
            a = out[r["adoption"]] = {
                "adoption": cast(Ref, ref(r["adoption"], r["adoptionLabel"])),  # always bound
                "date": r["date"], "order": r["order"], "days_since_first": r["daysSinceFirst"],
                "adopted": ref(r["adopted"], r["adoptedLabel"]),
                "adopter": ref(r["adopter"], r["adopterLabel"]),
                "source": ref(r["source"], r["sourceLabel"]),
                "broker": broker, "brokers": [],
                "network": ref(r["network"], r["networkLabel"]),
                "adapted_copy": ref(r["adaptedCopy"], r["adaptedCopyLabel"]),
            }
        if broker and broker not in a["brokers"]:
            a["brokers"].append(broker)
    return list(out.values())


def summary(adoptions: list[Adoption], derivations: list[Derivation]) -> Summary:
    """Counts and first/last date of a trace (the `summary` of the JSON)."""
    dated = [a["date"] for a in adoptions if a["date"]]
    return {
        "adoptions": len(adoptions),
        "schools": len({a["adopter"]["iri"] for a in adoptions if a["adopter"]}),
        "copies": len(derivations),
        "first": min(dated) if dated else None,
        "last": max(dated) if dated else None,
        "max_depth": max((d["depth"] or 0 for d in derivations), default=0),
    }


def curve(adoptions: list[Adoption]) -> list[CurvePoint]:
    """Cumulative adoptions and distinct adopting schools, one point per adoption date."""
    points: list[CurvePoint] = []
    schools: set[str] = set()
    for n, a in enumerate(sorted((a for a in adoptions if a["date"]), key=lambda a: a["date"] or ""), start=1):
        if a["adopter"]:
            schools.add(a["adopter"]["iri"])
        point: CurvePoint = {"date": a["date"] or "", "adoptions": n, "schools": len(schools)}
        if points and points[-1]["date"] == a["date"]:
            points[-1] = point
        else:
            points.append(point)
    return points


# The adoptions table's columns (`adoption_table`), in the page's language.
TABLE_COLUMNS = Strings({
    "order": Text(nl="volgorde", en="order"),
    "date": Text(nl="datum", en="date"),
    "region": Text(nl="regio", en="region"),
    "adopter": Text(nl="adopterende school", en="adopting school"),
    "source": Text(nl="gekregen van", en="received from"),
    "brokers": Text(nl="makelaars", en="brokers"),
    "network": Text(nl="netwerk", en="network"),
    "adopted": Text(nl="geadopteerd (origineel of kopie)", en="adopted (original or copy)"),
    "adapted_copy": Text(nl="gemaakte aangepaste kopie", en="adapted copy made"),
    "adoption": Text(nl="adoptie (IRI)", en="adoption (IRI)"),
    "adopter_iri": Text(nl="school (IRI)", en="school (IRI)"),
})


def adoption_table(t: Trace, lang: str) -> list[list[Any]]:
    """The trace's adoptions as a table for a spreadsheet: a header in `lang`, then one row per
    adoption in date order with names (brokers joined by "; "), and the adoption's and the
    school's IRIs last for scripts. A federated trace gets the region after the date."""
    federated = any("region" in a for a in t["adoptions"])
    keys = ["order", "date", *(["region"] if federated else []), "adopter", "source", "brokers", "network",
            "adopted", "adapted_copy", "adoption", "adopter_iri"]

    def name(r: Ref | None) -> str | None:
        return r["label"] if r else None

    out: list[list[Any]] = [[TABLE_COLUMNS(k, lang) for k in keys]]
    for a in t["adoptions"]:
        cells = {"order": a["order"], "date": a["date"], "region": (a.get("region") or {}).get("label"),
                 "adopter": name(a["adopter"]), "source": name(a["source"]),
                 "brokers": "; ".join(b["label"] for b in a["brokers"]), "network": name(a["network"]),
                 "adopted": name(a["adopted"]), "adapted_copy": name(a["adapted_copy"]),
                 "adoption": a["adoption"]["iri"], "adopter_iri": a["adopter"]["iri"] if a["adopter"] else None}
        out.append([cells[k] for k in keys])
    return out


REASONS = Strings({"same-board": Text(nl="zelfde bestuur", en="same board"), "tie": Text(nl="verbinding", en="tie"),
                   "network": Text(nl="netwerk", en="network")})


def likely_next_adopters(db: ox.Store, iri: str, view: str, lang: str) -> list[NextAdopter]:
    """Schools near an adopter, best first; per school its reasons, each with the adopters it is
    near to (the named query `next-adopters`). The evidence text (names of the people linking them)
    is kept only internally."""
    schools: dict[str, Row] = {}
    for r in rows(db, "next-adopters", {"artefact": iri}, view, lang):
        s = schools.setdefault(r["school"], {"school": ref(r["school"], r["schoolLabel"]),
                                             "score": r["score"], "reasons": {}})
        reason = s["reasons"].setdefault(r["reason"], {
            "reason": r["reason"], "reason_label": REASONS.get(r["reason"], lang, r["reason"]),
            "via": [], "links": 0, "evidence": [] if view == "internal" else None})
        via = ref(r["viaAdopter"], r["viaAdopterLabel"])
        if via and via not in reason["via"]:
            reason["via"].append(via)
        reason["links"] += r["links"] or 0
        if view == "internal" and r["evidence"] and r["evidence"] not in reason["evidence"]:
            reason["evidence"].append(r["evidence"])
    out = [NextAdopter(school=s["school"], score=s["score"], reasons=list(s["reasons"].values()))
           for s in schools.values()]
    return sorted(out, key=lambda s: (-(s["score"] or 0), s["school"]["label"].casefold(), s["school"]["iri"]))


def merge_next_adopters(parts: list[list[NextAdopter]], adopters: set[str]) -> list[NextAdopter]:
    """The likely next adopters over a merged trace (kg.federation.federated): the same rule as the
    named query `next-adopters`, which each part is the answer of (one store, one IRI of the
    artefact). A school is near an adopter by the same board, a tie or a network the artefact came
    through; a school that adopted anywhere in the merged trace (`adopters`, IRIs) is no candidate;
    a school's reasons are the union of its parts' reasons (`via` joined, `links` added, evidence
    joined) and its score is the number of distinct reasons (0-3), as the query counts them; the
    order is the query's (score, then label, then IRI). One part gives that part unchanged, less
    the schools of `adopters`."""
    schools: dict[str, NextAdopter] = {}
    for part in parts:
        for n in part:
            iri = n["school"]["iri"]
            if iri in adopters:
                continue
            seen = schools.get(iri)
            if seen is None:
                schools[iri] = NextAdopter(school=n["school"], score=n["score"],
                                           reasons=[cast(Reason, dict(r, via=list(r["via"]),
                                                                      evidence=None if r["evidence"] is None
                                                                      else list(r["evidence"])))
                                                    for r in n["reasons"]])
                continue
            for r in n["reasons"]:
                mine = next((m for m in seen["reasons"] if m["reason"] == r["reason"]), None)
                if mine is None:
                    seen["reasons"].append(cast(Reason, dict(r, via=list(r["via"]), evidence=None if r["evidence"] is None
                                                             else list(r["evidence"]))))
                    continue
                mine["via"] += [v for v in r["via"] if v not in mine["via"]]
                mine["links"] += r["links"]
                if mine["evidence"] is not None and r["evidence"] is not None:
                    mine["evidence"] += [e for e in r["evidence"] if e not in mine["evidence"]]
            seen["score"] = max(seen["score"] or 0, n["score"] or 0, len(seen["reasons"]))
    return sorted(schools.values(), key=lambda s: (-(s["score"] or 0), s["school"]["label"].casefold(),
                                                   s["school"]["iri"]))


def adopted_artefacts(db: ox.Store, view: str = "internal", lang: str = "nl", offset: int = 0,
                      limit: int | None = None, index: AdoptedIndex | None = None) -> tuple[int, list[Row]]:
    """Original artefacts that were adopted (themselves or as a copy), most adopted first (then by
    label and IRI): how many there are and `limit` of them from `offset`. From `index` (the read
    index's copy of `adopted-artefacts`, kg.answers.read_index) when it answers; else from the query,
    which counts the whole store."""
    got = index(view, lang, offset, limit) if index is not None else None
    if got is not None:
        return got
    found = sorted(adopted_rows(db, view, (lang,))[lang], key=adopted_order)
    return len(found), found[offset:None if limit is None else offset + limit]


def adopted_rows(db: ox.Store, view: str, langs: tuple[str, ...], artefact: ox.NamedNode | None = None
                 ) -> dict[str, list[Row]]:
    """The rows of `adopted-artefacts` as the trace page shows them, per language of `langs` (the
    query runs once); for one `artefact` only (bound)."""
    results = cast(ox.QuerySolutions, run_query(db, queries.get("adopted-artefacts").text,
                                                {"artefact": artefact} if artefact else None, view))
    columns, solutions = [v.value for v in results.variables], list(results)
    return {lang: [{"artefact": ref(r["artefact"], r["artefactLabel"]), "adoptions": r["adoptions"],
                    "schools": r["schools"], "first": r["first"], "last": r["last"]}
                   for r in best_rows(columns, solutions, lang)] for lang in langs}


def adopted_order(row: Row) -> tuple:
    """Most adopted first, then by label (case-folded) and IRI."""
    return -(row["adoptions"] or 0), row["artefact"]["label"].casefold(), row["artefact"]["iri"]
