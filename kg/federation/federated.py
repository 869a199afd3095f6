"""Federated expertise finder and diffusion trace: our store plus every region of the registry.

`who_knows()` (`kg who-knows`, `/who-knows`, `/api/who-knows`) and `trace()` (`kg trace`,
`/trace`, `/api/trace`) are the one place that decides "local or federated?": given no registry
(None) they answer from our store alone in the caller's view (kg.answers.expertise.who_knows,
kg.answers.trace.trace); given one (`--federated`, `?federated=1`) they ask our store and every
region of the registry (kg.federation.registry) at once: one daemon thread per region, through SPARQLWrapper
(kg.store.remote.RemoteStore), with a time limit per region that bounds the whole answer (a region
that is down, hangs or answers garbage is reported, never waited for beyond the limit and never
raised). The scoring and merging run here, on the rows each region returns, so every region's
results are scored by the same rules.

Only public data crosses a region boundary:
- every query, to a region and to our own store, runs in the public view (the dataset is the
  ontology, the vocabularies and graph/public: kg.model.namespaces.PUBLIC_GRAPHS, sent as the SPARQL
  protocol's default-graph-uri / named-graph-uri);
- a person appears only with consent `public` (the named query `consented-people`); anonymous
  roles ("leraar, Basisschool X") stay home, in our results too, so all parts follow one rule.

who_knows JSON (docs/expertise-finder.md)::

    {"topics": [{"iri", "label", "text"}], "federated": true,
     "results": [{... as kg.answers.expertise.who_knows ..., "region": {"name", "label"}}],
     "regions": [{"name", "label", "local", "status", "error", "results", "ms"}],
     "total", "limit", "offset", "next", "previous", "filters"}

Paged after the merge: each region still answers in full (its whole answer crosses the wire), so a
federated page costs the whole federated answer; `results` in `regions` counts a region's whole
answer.

`status` is ok, timeout, error or unknown-topic (that region does not know a topic: not an
error of the request). The local store comes first in `regions`. Topics are resolved in our
store and sent to the regions as IRIs; a topic we do not know is sent as text, and it is an
error (the usual FinderError with suggestions) only when no region that answered knows it.
The same IRI found in two regions (a region that imported another's dump) is listed once, from
the region whose base IRI it is under, else from the first region in registry order.

trace JSON (docs/web.md)::

    {"artefact": {"iri", "label"}, "same_as": [iri], "federated": true,
     "adoptions": [{... as kg.answers.trace.trace ..., "region": {"name", "label"}}],
     "derivations": [{..., "region"}], "curve": [...], "summary": {..., "regions"},
     "next_adopters": null | [... as kg.answers.trace.trace ...],
     "regions": [{"name", "label", "local", "status", "error", "adoptions", "ms",
                  "next_adopters" (if asked: ok | error | null), "next_error"}]}

The artefact is resolved in our store (IRI, id or title); one we do not hold may be given by
IRI. Its IRIs are the sameAs closure (the named query `same-as`: owl:sameAs and schema:sameAs,
either direction) over our store and every region, to a fixpoint: every region (and our store)
is asked about every IRI any of them found so far, so a link stated only in a third region (neither
ours nor the holder's) is followed too; at most MAX_IRIS IRIs and MAX_ROUNDS questions per region,
all within the one timeout. Each region traces every IRI it knows. Adoptions are merged by
adoption IRI, in date order; `order` and `days_since_first` are recomputed over the merged list.
`status` is ok, timeout, error or unknown-artefact; a region that fails after answering keeps its
earlier adoptions (a partial answer under that status). The likely next adopters (if asked) are
each region's answer of the named query `next-adopters`, merged over the merged trace
(kg.answers.trace.merge_next_adopters); a region that cannot answer it (Virtuoso 7.2 cannot)
keeps its adoptions and says `"next_adopters": "error"`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Collection, Sequence
from typing import Any

import pyoxigraph as ox

from kg.answers import expertise
from kg.answers import trace as diffusion
from kg.answers.trace import Trace
from kg.federation.registry import (
    DEFAULT_TIMEOUT,
    Outcome,
    Region,
    RegionTimeout,
    Registry,
    describe,
    run_parallel,
)
from kg.sparql import queries
from kg.text import Text

PUBLIC = "public"


def _consented(db: ox.Store) -> set[str]:
    return {r["person"].value for r in queries.run(db, "consented-people", {}, PUBLIC)}


def _only_consented(answer: dict, db: ox.Store) -> list[dict]:
    people = [r for r in answer["results"] if r["type"] == "person"]
    if not people:
        return answer["results"]
    allowed = _consented(db)
    return [r for r in answer["results"] if r["type"] != "person" or r["iri"] in allowed]


def _region_finder(region: Region, topics: list[str], lang: str, types, timeout: float):
    def task(deadline: float) -> dict:
        db = region.store(timeout, deadline)
        answer = expertise.who_knows(db, topics, PUBLIC, lang, types)
        answer["results"] = _only_consented(answer, db)
        return answer
    return task


def _status(o: Outcome) -> str:
    if o.status == "error" and isinstance(o.exception, expertise.FinderError) and o.exception.code == "unknown-topic":
        return "unknown-topic"
    return o.status


def who_knows(db: ox.Store, registry: Registry | None, topics: Sequence[str], lang: str = "nl",
              types: Collection[str] | None = None, timeout: float = DEFAULT_TIMEOUT, view: str = PUBLIC,
              organisation: str | None = None, network: str | None = None,
              limit: int | str | None = expertise.DEFAULT_LIMIT, offset: int | str | None = 0,
              memo: expertise.Memo | None = None, ranker: expertise.Ranker | None = None,
              names: queries.Names | None = None) -> dict:
    """One page (`limit`, `offset`) of who knows about ALL `topics`: with no registry, in our store
    in `view` (kg.answers.expertise.who_knows_page: ranked first, evidence for the page only); else
    in our store (public view) and in every region at once (public data only: `view` does not
    apply), every region's whole answer merged and then paged. The organisation and network
    filters are ours only: with a registry they are refused (FinderError no-federated-filter).
    `memo`, `ranker`, `names`: see who_knows_page (our store only)."""
    if registry is None:
        return expertise.who_knows_page(db, topics, view, lang, types, organisation, network, limit, offset, memo,
                                        ranker, names)
    limit_, offset_ = expertise.check_page(limit, offset)
    if (organisation or "").strip() or (network or "").strip():
        raise expertise.FinderError("no-federated-filter", Text(
            nl="De filters op organisatie en netwerk werken alleen in deze regio, niet met andere regio's.",
            en="The organisation and network filters work in this region only, not across regions."))
    wanted = expertise.check_types(types)
    types_ = None if wanted == expertise.TYPES else list(wanted)
    queries.catalogue()
    local_error: expertise.FinderError | None = None
    try:
        asked = expertise.resolve_topics(db, topics, PUBLIC, lang)
        sent = [t["iri"] for t in asked]
    except expertise.FinderError as e:
        if e.code != "unknown-topic":
            raise
        local_error, asked, sent = e, None, [t for t in topics if t.strip()]
    local: dict[str, Any] = {}

    def run_local() -> None:
        t0 = time.monotonic()
        if local_error is not None:
            local.update(status="unknown-topic", error=local_error.message("en"), answer=None)
        else:
            try:
                answer = expertise.who_knows(db, sent, PUBLIC, lang, types_)
                answer["results"] = _only_consented(answer, db)
                local.update(status="ok", error=None, answer=answer)
            except expertise.FinderError as e:
                local.update(status="unknown-topic" if e.code == "unknown-topic" else "error",
                             error=e.message("en"), answer=None)
        local["ms"] = round((time.monotonic() - t0) * 1000)

    outcomes = run_parallel([(r, _region_finder(r, sent, lang, types_, timeout)) for r in registry.regions],
                            timeout, run_local)
    parts: list[tuple[Region, dict]] = []
    report = [{**registry.local.ref, "local": True, "status": local["status"], "error": local["error"],
               "results": len(local["answer"]["results"]) if local["answer"] else 0, "ms": local["ms"]}]
    if local["answer"]:
        parts.append((registry.local, local["answer"]))
    for o in outcomes:
        status = _status(o)
        answer = o.value if status == "ok" else None
        report.append({**o.region.ref, "local": False, "status": status,
                       "error": o.error if status != "ok" else None,
                       "results": len(answer["results"]) if answer else 0, "ms": o.ms})
        if answer:
            parts.append((o.region, answer))
    if asked is None:
        if not parts:
            raise local_error  # type: ignore[misc]
        asked = [dict(t, text=text) for t, text in zip(parts[0][1]["topics"], sent)]
    merged = _merge(parts, registry)
    total = len(merged)
    return {"topics": asked, "federated": True, "results": merged[offset_:offset_ + limit_], "regions": report,
            "total": total, "limit": limit_, "offset": offset_,
            "next": offset_ + limit_ if offset_ + limit_ < total else None,
            "previous": max(0, offset_ - limit_) if offset_ > 0 else None,
            "filters": {"types": list(wanted), "organisation": None, "network": None}}


def _merge(parts: list[tuple[Region, dict]], registry: Registry) -> list[dict]:
    order = {r.name: i for i, r in enumerate((registry.local, *registry.regions))}
    best: dict[str, dict] = {}
    for region, answer in parts:
        for r in answer["results"]:
            item = dict(r, region=region.ref)
            seen = best.get(r["iri"])
            if seen is None or (region.owns(r["iri"]) and not _owner(seen, registry).owns(r["iri"])):
                best[r["iri"]] = item
    return sorted(best.values(), key=lambda r: (-r["score"], r["label"].casefold(), order[r["region"]["name"]],
                                                r["iri"]))


def _owner(item: dict, registry: Registry) -> Region:
    name = item["region"]["name"]
    return next(r for r in (registry.local, *registry.regions) if r.name == name)


# --- the trace ------------------------------------------------------------------------------

def _same_as(db: ox.Store, iris: Collection[str]) -> list[str]:
    found: dict[str, None] = dict.fromkeys(iris)
    for iri in list(iris):
        for r in queries.run(db, "same-as", {"artefact": iri}, PUBLIC):
            found.setdefault(r["same"].value, None)
    return list(found)


def _trace_in(db: ox.Store, iris: Sequence[str], lang: str) -> dict | None:
    """Adoptions and derivations of every IRI of `iris` the store knows as an artefact."""
    artefact, adoptions, derivations, traced = None, [], [], []
    for iri in iris:
        try:
            t = diffusion.trace(db, iri, PUBLIC, lang)
        except diffusion.NotAnArtefact:
            continue
        except queries.QueryError:
            continue
        traced.append(iri)
        artefact = artefact or t["artefact"]
        adoptions += t["adoptions"]
        derivations += t["derivations"]
    if artefact is None:
        return None
    return {"artefact": artefact, "adoptions": adoptions, "derivations": derivations, "traced": traced}


MAX_IRIS = 64  # IRIs of one artefact (the sameAs closure over every region) followed at most
MAX_ROUNDS = 8  # times one region is asked about newly found IRIs at most


def _step(db: ox.Store, new: list[str], done: set[str], lang: str, with_next: bool) -> dict:
    """One region's answer about the IRIs `new`: their sameAs closure in its data, and the trace
    (and, if asked, the likely next adopters) of every IRI of that closure it has not traced yet."""
    closure = _same_as(db, new)
    found = _trace_in(db, [i for i in closure if i not in done], lang)
    following, failed = [], None
    try:
        following = ([diffusion.likely_next_adopters(db, iri, PUBLIC, lang) for iri in found["traced"]]
                     if found and with_next else [])
    except RegionTimeout:
        raise
    except Exception as e:  # noqa: BLE001 - e.g. Virtuoso cannot run next-adopters: the trace still counts
        failed = describe(e)
    return {"same_as": closure, "found": found, "next": following, "next_failed": failed}


class _Follow:
    """The sameAs closure of an artefact over our store and every region, to a fixpoint: every
    region is asked about every IRI found so far (by any region), as soon as it is free; each answer
    brings that region's links (either direction) and its trace of the IRIs it holds. Bounded by
    MAX_IRIS, MAX_ROUNDS per region and one deadline for the whole answer; a region that times out
    or fails is asked nothing more and keeps what it answered before (a partial answer, labelled)."""

    def __init__(self, db: ox.Store, registry: Registry, start: list[str], lang: str, timeout: float,
                 with_next: bool):
        self.db, self.registry, self.lang, self.timeout, self.with_next = db, registry, lang, timeout, with_next
        self.known: dict[str, None] = dict.fromkeys(start[:MAX_IRIS])
        self.t0 = time.monotonic()
        self.deadline = self.t0 + timeout
        self.cond = threading.Condition()
        names = [r.name for r in (registry.local, *registry.regions)]
        self.asked: dict[str, set[str]] = {n: set() for n in names}
        self.traced: dict[str, set[str]] = {n: set() for n in names}
        self.rounds: dict[str, int] = dict.fromkeys(names, 0)
        self.busy: set[str] = set()
        self.done: list[tuple[Region, str, Any, str | None]] = []  # answers not yet taken in
        self.status: dict[str, str] = {}
        self.error: dict[str, str | None] = dict.fromkeys(names)
        self.ms: dict[str, int] = dict.fromkeys(names, 0)
        self.parts: list[tuple[Region, dict]] = []
        self.next: list[list[diffusion.NextAdopter]] = []
        self.next_failed: dict[str, str] = {}  # region -> why its next adopters are missing

    def _take(self, region: Region, value: dict) -> None:
        for iri in value["same_as"]:
            if len(self.known) >= MAX_IRIS:
                break
            self.known.setdefault(iri, None)
        found = value["found"]
        if found:
            self.traced[region.name].update(found["traced"])
            self.parts.append((region, found))
            self.status[region.name] = "ok"
        else:
            self.status.setdefault(region.name, "unknown-artefact")
        self.next += value["next"]
        if value["next_failed"]:
            self.next_failed[region.name] = value["next_failed"]
        self.ms[region.name] = round((time.monotonic() - self.t0) * 1000)

    def _wanted(self, region: Region) -> list[str]:
        if region.name in self.busy or self.status.get(region.name) in ("timeout", "error") \
                or self.rounds[region.name] >= MAX_ROUNDS:
            return []
        return [i for i in self.known if i not in self.asked[region.name]]

    def _ask(self, region: Region, iris: list[str]) -> None:
        self.asked[region.name].update(iris)
        self.rounds[region.name] += 1
        self.busy.add(region.name)
        done = set(self.traced[region.name])

        def work() -> None:
            out: tuple[str, Any, str | None]
            try:
                db = region.store(self.timeout, self.deadline)
                out = ("ok", _step(db, iris, done, self.lang, self.with_next), None)
            except RegionTimeout as e:
                out = ("timeout", None, str(e))
            except BaseException as e:  # noqa: BLE001 - a region's failure is reported, never raised
                out = ("error", None, describe(e))
            with self.cond:
                self.done.append((region, *out))
                self.cond.notify_all()

        threading.Thread(target=work, name=f"region-{region.name}", daemon=True).start()

    def run(self, local: bool) -> None:
        """Follow until the fixpoint or the deadline. `local`: our store holds the artefact as given;
        if not (an IRI we do not hold) it is still asked about the IRIs the regions find."""
        me = self.registry.local
        if not local:
            self.asked[me.name].update(self.known)
        while True:
            with self.cond:
                for region in self.registry.regions:
                    iris = self._wanted(region)
                    if iris:
                        self._ask(region, iris)
            iris = self._wanted(me)
            if iris:  # our store, in this thread, while the regions work
                self.asked[me.name].update(iris)
                self.rounds[me.name] += 1
                self._take(me, _step(self.db, iris, self.traced[me.name], self.lang, self.with_next))
                continue
            with self.cond:
                while not self.done and self.busy and time.monotonic() < self.deadline:
                    self.cond.wait(self.deadline - time.monotonic())
                for region, status, value, error in self.done:
                    self.busy.discard(region.name)
                    if status == "ok":
                        self._take(region, value)
                    else:
                        self.status[region.name], self.error[region.name] = status, error
                        self.ms[region.name] = round((time.monotonic() - self.t0) * 1000)
                self.done.clear()
                if self.busy and time.monotonic() >= self.deadline:
                    for name in self.busy:
                        self.status[name] = "timeout"
                        self.error[name] = f"no answer within {self.timeout:g} s"
                        self.ms[name] = round(self.timeout * 1000)
                    return
                if not self.busy and not any(self._wanted(r) for r in (me, *self.registry.regions)):
                    return


def trace(db: ox.Store, registry: Registry | None, artefact: str, lang: str = "nl",
          timeout: float = DEFAULT_TIMEOUT, view: str = PUBLIC, next_adopters: bool = False,
          names: queries.Names | None = None) -> Trace:
    """How an artefact spread: with no registry, in our store in `view` (with the likely next
    adopters if asked); else across our region and every region of the registry (public data
    only: `view` does not apply), following sameAs links stated in any region to a fixpoint
    (_Follow), with the likely next adopters over the merged trace if asked
    (kg.answers.trace.merge_next_adopters). `names`: the artefact looked up in the read index
    (kg.answers.read_index) rather than among every actor."""
    if registry is None:
        return diffusion.trace(db, artefact, view, lang, next_adopters=next_adopters, names=names)
    queries.catalogue()
    text = artefact.strip()
    try:
        art: dict | None = diffusion.resolve_artefact(db, text, PUBLIC, lang, names)
        start_iri = art["iri"]
    except (queries.AmbiguousName, diffusion.NotAnArtefact):
        raise
    except queries.QueryError:
        if not text.startswith(("http://", "https://")):
            raise
        art, start_iri = None, text
    follow = _Follow(db, registry, _same_as(db, [start_iri]), lang, timeout, next_adopters)
    follow.run(local=art is not None)
    parts = follow.parts
    report = [{**r.ref, "local": r.local, "status": follow.status.get(r.name, "unknown-artefact"),
               "error": follow.error[r.name], "adoptions": 0, "ms": follow.ms[r.name],
               **({"next_adopters": "error" if r.name in follow.next_failed
                   else "ok" if follow.status.get(r.name) == "ok" else None,
                   "next_error": follow.next_failed.get(r.name)} if next_adopters else {})}
              for r in (registry.local, *registry.regions)]
    if not parts and art is None:
        if any(r["status"] in ("timeout", "error") for r in report[1:]):
            raise queries.QueryError(f"no region that answered knows the artefact {text!r} (by IRI or sameAs); "
                                     "some regions did not answer: "
                                     + ", ".join(f"{r['name']} ({r['status']})" for r in report[1:]
                                                 if r["status"] in ("timeout", "error")))
        raise queries.QueryError(f"no artefact matches {text!r} in this region or any region of the registry "
                                 "(by IRI or sameAs)")
    if art is None:
        art = parts[0][1]["artefact"]
        art = {"iri": start_iri, "label": art["label"]}
    adoptions, derivations = _merge_trace(parts, registry, report)
    following = None
    if next_adopters:
        following = diffusion.merge_next_adopters(follow.next, {a["adopter"]["iri"] for a in adoptions
                                                                if a["adopter"]})
    return {
        "artefact": art,
        "same_as": sorted(follow.known),
        "federated": True,
        "adoptions": adoptions,
        "derivations": derivations,
        "curve": diffusion.curve(adoptions),
        "summary": {**diffusion.summary(adoptions, derivations),
                    "regions": len({a["region"]["name"] for a in adoptions})},
        "next_adopters": following,
        "regions": report,
    }


def _merge_trace(parts: list[tuple[Region, dict]], registry: Registry, report: list[dict]):
    regions = (registry.local, *registry.regions)
    order = {r.name: i for i, r in enumerate(regions)}
    by_name = {r.name: r for r in regions}
    adoptions: dict[str, dict] = {}
    derivations: dict[tuple[str, str], dict] = {}
    for region, found in parts:
        for a in found["adoptions"]:
            key = a["adoption"]["iri"]
            seen = adoptions.get(key)
            if seen is None or (region.owns(key) and not by_name[seen["region"]["name"]].owns(key)):
                adoptions[key] = dict(a, region=region.ref)
        for d in found["derivations"]:
            key = (d["copy"]["iri"], d["parent"]["iri"])
            if key not in derivations:
                derivations[key] = dict(d, region=region.ref)
    merged = sorted(adoptions.values(), key=lambda a: (a["date"] or "9999-99-99", order[a["region"]["name"]],
                                                       (a["adopter"] or {}).get("label", "").casefold(),
                                                       a["adoption"]["iri"]))
    first = next((a["date"] for a in merged if a["date"]), None)
    for n, a in enumerate(merged, start=1):
        a["order"] = n
        a["days_since_first"] = ((dt.date.fromisoformat(a["date"]) - dt.date.fromisoformat(first)).days
                                 if a["date"] and first else None)
    counts: dict[str, int] = {}
    for a in merged:
        counts[a["region"]["name"]] = counts.get(a["region"]["name"], 0) + 1
    for r in report:
        r["adoptions"] = counts.get(r["name"], 0)
    derived = sorted(derivations.values(), key=lambda d: (d["depth"] or 0, d["created"] or "", order[d["region"]["name"]],
                                                          d["copy"]["label"].casefold(), d["copy"]["iri"]))
    return merged, derived


__all__ = ["trace", "who_knows"]
