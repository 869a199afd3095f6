"""The expertise finder: who knows about ALL of some topics, ranked, and why.

"Expertise transparency" (Baker-Doyle & Yoon 2011): expertise has to be made
visible and findable on purpose. `who_knows(db, ["W&T", "digitale
geletterdheid"])` returns every actor (people, and, following actor-network
theory, artefacts, networks and organisations) that has evidence for each of
the topics, ranked by a score, with the evidence that earned it.

Topics match by IRI, id or any label in Dutch or English, ignoring case
(the named query `resolve-topic`); narrower topics count (a declared
expertise in *programmeren* is evidence for *digitale geletterdheid*). The
evidence per topic comes from the named query `expertise-evidence`.

Evidence items. One item per (topic, kind, via): the same route to a topic
counts once, however many of its narrower topics it touches (a membership of
a network themed *digitale geletterdheid*, *computationeel denken* and
*programmeren* is one membership; its "matched" list names all three).
`via` is the network, artefact, partner or attributor the evidence runs
through; declared expertise and an artefact's or network's own subject have
no via. The score of an actor is the sum of the weights of its items over all
topics (each topic scored separately, so a fact that supports two asked
topics counts for each). Ties are broken by label, then IRI.

Privacy: the `view` is passed to every query. In the public view a person
without public consent appears only under an anonymous role label and has
no declared expertise and no attributions (kg.pipeline.public removed them from the
public graph), so nothing here needs to filter.

The result is plain JSON (see docs/expertise-finder.md)::

    {"topics": [{"iri", "label", "text"}],
     "results": [{"iri", "label", "type", "class": {"iri", "label"} | null, "score",
                  "evidence": [{"kind", "topic": {"iri", "label"}, "via": {"iri", "label"} | null,
                                "level": {"iri", "label"} | null, "matched": [{"iri", "label"}],
                                "weight", "label"}]}]}
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pyoxigraph as ox

from kg.answers.actors import Ref
from kg.model.kinds import kind_label as actor_kind_label
from kg.model.namespaces import VOCAB, local_name
from kg.sparql import queries
from kg.store import run_query
from kg.text import LANGS, BilingualError, Strings, Text

_LEVEL = VOCAB + "level/"

# --- The score --------------------------------------------------------------
# Weights per kind of evidence. Multiples of 0.5, so sums are exact floats.
# Someone else's judgement and tangible work outweigh a person's own claim;
# being in a network on the topic counts by how deeply one takes part.

# The actor states it (schema:knowsAbout): useful, but self-reported and unchecked.
WEIGHT_DECLARED = 2.0
# A colleague names the actor as knowing about it (ckg:ExpertiseAttribution):
# recognition by others is what makes expertise transparent, so it weighs most.
WEIGHT_ATTRIBUTION = 3.0
# The actor made an artefact on the topic: knowledge of practice made explicit.
WEIGHT_AUTHORED = 3.0
# A joint-work tie on the topic: the deepest kind of interaction (Little 1990),
# but the work is shared with the partner, so less than making something.
WEIGHT_JOINT_WORK = 2.0
# An artefact that is itself about the topic, or a network themed on it: it is
# what that actor is for.
WEIGHT_SUBJECT = 3.0
# Membership of a network themed on the topic, by participation level: the core
# carries the network's knowledge, the periphery mostly watches.
WEIGHT_MEMBERSHIP_CORE = 2.0
WEIGHT_MEMBERSHIP_ACTIVE = 1.0
WEIGHT_MEMBERSHIP_PERIPHERAL = 0.5
# No level recorded (e.g. an artefact's membership): counted as the middle level.
WEIGHT_MEMBERSHIP_UNSTATED = WEIGHT_MEMBERSHIP_ACTIVE

KIND_WEIGHTS: dict[str, float] = {
    "declared": WEIGHT_DECLARED,
    "attribution": WEIGHT_ATTRIBUTION,
    "authored": WEIGHT_AUTHORED,
    "joint-work": WEIGHT_JOINT_WORK,
    "artefact": WEIGHT_SUBJECT,
    "network": WEIGHT_SUBJECT,
}
LEVEL_WEIGHTS: dict[str, float] = {
    _LEVEL + "core": WEIGHT_MEMBERSHIP_CORE,
    _LEVEL + "active": WEIGHT_MEMBERSHIP_ACTIVE,
    _LEVEL + "peripheral": WEIGHT_MEMBERSHIP_PERIPHERAL,
}
# The order evidence is listed in (strongest routes first).
KIND_ORDER = ("attribution", "authored", "artefact", "network", "declared", "joint-work", "membership")

# What kinds of actor can be asked for (the four branches under ckg:Actor).
TYPES = ("person", "artefact", "network", "organisation")
Memo = Callable[[tuple, Callable[[], Any]], Any]  # (key, compute) -> compute(), maybe kept from before
# (asked topics, view, lang, wanted kinds) -> `ranking`'s answer, or None when it cannot tell
# (kg.answers.read_index: the ranking kept per generation)
Ranker = Callable[[list["AskedTopic"], str, str, tuple[str, ...]], "list[dict] | None"]

# "Did you mean": difflib similarity needed to suggest a topic, and how many.
SUGGESTION_CUTOFF = 0.6
MAX_SUGGESTIONS = 5
# Longer text is no typo of a topic label: only containment is checked (similarity costs length squared).
SIMILARITY_MAX_CHARS = 200

KIND_LABELS: Strings[str] = Strings({
    "declared": Text(nl="opgegeven", en="declared"),
    "attribution": Text(nl="toegeschreven", en="attributed"),
    "authored": Text(nl="gemaakt", en="authored"),
    "joint-work": Text(nl="samenwerking", en="joint work"),
    "membership": Text(nl="lidmaatschap", en="membership"),
    "artefact": Text(nl="onderwerp", en="subject"),
    "network": Text(nl="netwerkthema", en="network theme"),
})
# One sentence per kind: {via}, {level}, {matched} are filled in.
_SENTENCES: Strings[str] = Strings({
    "declared": Text(nl="geeft zelf expertise op: {matched}", en="declares expertise in {matched}"),
    "attribution": Text(nl="{via} schrijft expertise toe: {matched}", en="{via} attributes expertise in {matched}"),
    "authored": Text(nl="maakte {via} (over {matched})", en="authored {via} (on {matched})"),
    "joint-work": Text(nl="werkt samen met {via} aan {matched}", en="works jointly with {via} on {matched}"),
    "membership": Text(nl="lid van {via}{level} (thema {matched})", en="member of {via}{level} (theme {matched})"),
    "artefact": Text(nl="gaat over {matched}", en="is about {matched}"),
    "network": Text(nl="netwerk met thema {matched}", en="network on {matched}"),
})
_SOMEONE = Text(nl="iemand anders", en="someone else")


def kind_label(kind: str, lang: str) -> str:
    """The name of a kind of evidence in `lang`; a kind without a name here is shown as it is."""
    return KIND_LABELS.get(kind, lang, kind)


def weight(kind: str, level: str | None = None) -> float:
    """The weight of one evidence item; `level` is a participation-level IRI (memberships)."""
    if kind == "membership":
        return LEVEL_WEIGHTS.get(level or "", WEIGHT_MEMBERSHIP_UNSTATED)
    return KIND_WEIGHTS[kind]


# --- Errors -----------------------------------------------------------------

class FinderError(BilingualError, queries.QueryError):
    """The question cannot be answered as asked; `text` says why.

    `code`: no-topic, unknown-topic, ambiguous-topic, bad-type. `topics` lists
    each problem topic as {"text", "problem", "suggestions": [{"iri", "label"}]}.
    """

    def __init__(self, code: str, text: Text, topics: list[dict] | None = None):
        super().__init__(text)
        self.code = code
        self.topics = topics or []

    def to_json(self) -> dict:
        return {"error": {"code": self.code, **self.text.both()}, "topics": self.topics}


def _quote(text: str) -> str:
    return f"'{text}'"


def _topic_error(problems: list[dict], store_has_topics: bool) -> FinderError:
    nl, en = [], []
    for p in problems:
        labels = ", ".join(_quote(s["label"]) for s in p["suggestions"])
        if p["problem"] == "ambiguous":
            nl.append(f"{_quote(p['text'])} past bij meer dan één thema: {labels}.")
            en.append(f"{_quote(p['text'])} matches more than one topic: {labels}.")
            continue
        nl.append(f"Onbekend thema: {_quote(p['text'])}." + (f" Bedoelde je {labels}?" if labels else ""))
        en.append(f"Unknown topic: {_quote(p['text'])}." + (f" Did you mean {labels}?" if labels else ""))
    if not store_has_topics:
        nl.append("De store bevat geen thema's; is hij gebouwd (kg build)?")
        en.append("The store holds no topics; has it been built (kg build)?")
    code = "ambiguous-topic" if all(p["problem"] == "ambiguous" for p in problems) else "unknown-topic"
    return FinderError(code, Text(nl=" ".join(nl), en=" ".join(en)), problems)


# --- Topics -----------------------------------------------------------------

def topic_labels(db: ox.Store, view: str = "internal", lang: str = "nl") -> dict[str, dict]:
    """Every topic: {iri: {"label": preferred label in lang, "labels": all labels, "broader": [iri]}}."""
    topics: dict[str, dict] = {}
    for r in queries.run(db, "topic-labels", {"lang": lang}, view):
        iri = r["topic"].value
        t = topics.setdefault(iri, {"label": None, "labels": set(), "broader": set()})
        if r["topicLabel"] is not None:
            t["label"] = r["topicLabel"].value
        t["labels"].add(r["label"].value)
        if r["broader"] is not None:
            t["broader"].add(r["broader"].value)
    for iri, t in topics.items():
        t["label"] = t["label"] or min(t["labels"], default=local_name(iri))
        t["labels"] = sorted(t["labels"])
        t["broader"] = sorted(t["broader"])
    return topics


def suggest_topics(text: str, topics: dict[str, dict], limit: int = MAX_SUGGESTIONS) -> list[dict]:
    """Topics whose labels (nl and en) or id resemble `text`: containing it first, then by similarity."""
    wanted = " ".join(text.casefold().split())
    scored: dict[str, tuple[int, float]] = {}
    for iri, t in topics.items():
        best: tuple[int, float] | None = None
        for candidate in [*t["labels"], local_name(iri)]:
            c = candidate.casefold()
            ratio = difflib.SequenceMatcher(None, wanted, c).ratio() if len(wanted) <= SIMILARITY_MAX_CHARS else 0.0
            contains = bool(wanted) and (wanted in c or (len(c) >= 3 and c in wanted))
            if contains or ratio >= SUGGESTION_CUTOFF:
                key = (0 if contains else 1, -ratio)
                best = key if best is None or key < best else best
        if best is not None:
            scored[iri] = best
    ranked = sorted(scored, key=lambda iri: (*scored[iri], topics[iri]["label"].casefold(), iri))
    return [{"iri": iri, "label": topics[iri]["label"]} for iri in ranked[:limit]]


def resolve_topics(db: ox.Store, texts: Iterable[str], view: str = "internal", lang: str = "nl") -> list[AskedTopic]:
    """[{"iri", "label", "text"}] for the given texts (blank ones skipped, repeats merged).

    Raises FinderError listing every unknown or ambiguous text with suggestions."""
    resolved: list[AskedTopic] = []
    problems: list[dict] = []
    topics: dict[str, dict] | None = None
    for raw in texts:
        text = raw.strip()
        if not text:
            continue
        if topics is None:
            topics = topic_labels(db, view, lang)
        try:
            iri = queries.resolve_topic(db, text, view).value
        except queries.AmbiguousName as e:
            problems.append({"text": text, "problem": "ambiguous", "suggestions": [
                {"iri": i, "label": topics.get(i, {}).get("label", label)} for i, label in e.candidates]})
            continue
        except queries.QueryError:
            problems.append({"text": text, "problem": "unknown", "suggestions": suggest_topics(text, topics)})
            continue
        if all(t["iri"] != iri for t in resolved):
            resolved.append({"iri": iri, "label": topics.get(iri, {}).get("label", local_name(iri)), "text": text})
    if problems:
        raise _topic_error(problems, bool(topics))
    if not resolved:
        raise FinderError("no-topic", Text(nl="Geef minstens één thema op.", en="Give at least one topic."))
    return resolved


# --- The finder -------------------------------------------------------------

def actor_kinds(db: ox.Store, view: str = "internal", lang: str = "nl") -> dict[str, tuple[str, str | None]]:
    """{class IRI: (kind, class label in lang)} for every actor class of the ontology."""
    column = "labelNl" if lang == "nl" else "labelEn"
    return {r["class"].value: (r["kind"].value, r[column].value if r[column] is not None else None)
            for r in queries.run(db, "class-kinds", {}, view)}


def check_types(types: Collection[str] | None) -> tuple[str, ...]:
    """The asked actor types (all when none), or FinderError for an unknown one."""
    if not types:
        return TYPES
    unknown = sorted(set(types) - set(TYPES))
    if unknown:
        bad = ", ".join(_quote(u) for u in unknown)
        raise FinderError("bad-type", Text(
            nl=f"Onbekende soort actor: {bad}; kies uit {', '.join(actor_kind_label(t, 'nl') for t in TYPES)} "
               f"({', '.join(TYPES)}).",
            en=f"Unknown kind of actor: {bad}; choose from {', '.join(TYPES)}."))
    return tuple(t for t in TYPES if t in types)


def who_knows(db: ox.Store, topics: Sequence[str], view: str = "internal", lang: str = "nl",
              types: Collection[str] | None = None) -> dict:
    """Actors with evidence for ALL `topics`, ranked by score, each with its evidence: the whole
    answer (the federated finder merges these; `who_knows_page` gives one page of it).

    `types` limits the kinds of actor (see TYPES; default all). Raises
    FinderError for no, unknown or ambiguous topics or an unknown type."""
    wanted = check_types(types)
    asked = resolve_topics(db, topics, view, lang)
    kinds = actor_kinds(db, view, lang)
    actors: dict[str, dict] = {}
    for index, topic in enumerate(asked):
        for row in queries.run(db, "expertise-evidence", {"topic": topic["iri"], "lang": lang}, view):
            _collect(actors, index, row)
    results = []
    for iri, a in actors.items():
        if {key[0] for key in a["evidence"]} != set(range(len(asked))):
            continue
        result = _result(iri, a, asked, kinds, lang)
        if kind_wanted(result["type"], wanted):
            results.append(result)
    results.sort(key=lambda r: (-r["score"], r["label"].casefold(), r["iri"]))
    return {"topics": asked, "results": results}


def kind_wanted(kind: str, wanted: tuple[str, ...]) -> bool:
    """Whether an actor of `kind` is asked for: an actor of no known kind only when all kinds are."""
    return kind in wanted or (kind == "actor" and wanted == TYPES)


def _result(iri: str, a: dict, asked: list[AskedTopic], kinds: dict[str, tuple[str, str | None]], lang: str) -> Result:
    """One result of the finder from an actor's folded evidence rows (see _collect)."""
    classes = sorted(c for c in a["classes"] if c in kinds)
    kind = kinds[classes[0]][0] if classes else "actor"
    evidence = [_item(key, ev, asked, lang) for key, ev in a["evidence"].items()]
    evidence.sort(key=lambda e: (_topic_index(asked, e["topic"]["iri"]), KIND_ORDER.index(e["kind"]),
                                 -e["weight"], e["via"]["label"].casefold() if e["via"] else "",
                                 e["via"]["iri"] if e["via"] else "", e["label"]))
    return {
        "iri": iri,
        "label": pick(a["labels"], lang) or local_name(iri),
        "type": kind,
        "class": {"iri": classes[0], "label": kinds[classes[0]][1] or local_name(classes[0])} if classes else None,
        "score": sum(e["weight"] for e in evidence),
        "evidence": evidence,
    }


# --- The answer's shape (docs/expertise-finder.md) ---------------------------------------

class AskedTopic(TypedDict):
    iri: str
    label: str
    text: str  # what was typed


class Evidence(TypedDict):
    kind: str  # declared, attributed, authored, subject, theme, joint-work, membership (KIND_ORDER)
    topic: Ref
    via: Ref | None  # the artefact, network or person the evidence runs through
    level: Ref | None  # a membership's level
    matched: list[Ref]  # the narrower topics that matched
    weight: float
    label: str  # the sentence that says why


class Workplace(TypedDict):
    organisations: list[Ref]
    roles: list[Ref]


# functional form: one key is named "class"
Result = TypedDict("Result", {
    "iri": str,
    "label": str,
    "type": str,  # person, artefact, network, organisation or actor
    "class": Ref | None,  # the actor's most specific class
    "score": float,
    "evidence": list[Evidence],
    "workplace": NotRequired[Workplace],  # on a page (who_knows_page), not in the whole answer
    "region": NotRequired[dict[str, str]],  # a federated answer: the region the result comes from
})


class Filters(TypedDict):
    types: list[str]
    organisation: Ref | None
    network: Ref | None


class WhoKnowsPage(TypedDict):
    """One page of the finder (the API, the page and `kg who-knows --format json`)."""

    topics: list[AskedTopic]
    results: list[Result]
    total: int
    limit: int
    offset: int
    next: int | None  # the next page's offset, null on the last page
    previous: int | None
    filters: Filters
    federated: NotRequired[bool]
    regions: NotRequired[list[dict[str, Any]]]  # per region: name, label, local, status, error, results, ms


# --- Pages --------------------------------------------------------------------
# A page costs the ranking (one lean query per topic: expertise-ranking, every actor's evidence
# keys without labels) plus the evidence and workplace of the page's actors only
# (expertise-evidence-of, actor-workplace): never the labels and classes of the whole answer.

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def check_page(limit: int | str | None, offset: int | str | None) -> tuple[int, int]:
    """(limit, offset) as whole numbers in range, or FinderError bad-limit / bad-offset."""
    try:
        n = DEFAULT_LIMIT if limit in (None, "") else int(limit)
        if not 1 <= n <= MAX_LIMIT:
            raise ValueError
    except ValueError:
        raise FinderError("bad-limit", Text(nl=f"limit moet een geheel getal van 1 tot en met {MAX_LIMIT} zijn.",
                                            en=f"limit must be a whole number from 1 to {MAX_LIMIT}.")) from None
    try:
        start = 0 if offset in (None, "") else int(offset)
        if start < 0:
            raise ValueError
    except ValueError:
        raise FinderError("bad-offset", Text(nl="offset moet een geheel getal van 0 of meer zijn.",
                                             en="offset must be a whole number of 0 or more.")) from None
    return n, start


def ranking(db: ox.Store, asked: list[AskedTopic], view: str = "internal", lang: str = "nl",
            types: Collection[str] | None = None) -> list[dict]:
    """Every actor with evidence for all `asked` topics (as resolve_topics gives them), in the
    finder's order: [{"iri", "label", "kind", "score"}], the same scores and order as who_knows."""
    wanted = check_types(types)
    actors: dict[str, dict] = {}
    for index, topic in enumerate(asked):
        for row in queries.run(db, "expertise-ranking", {"topic": topic["iri"]}, view):
            a = actors.setdefault(row["actor"].value, {"labels": set(), "kind": row["actorKind"].value, "keys": {}})
            if row["actorLabel"] is not None:
                a["labels"].add(row["actorLabel"])
            via = row["via"].value if row["via"] is not None else None
            levels = a["keys"].setdefault((index, row["kind"].value, via), set())
            if row["level"] is not None:
                levels.add(row["level"].value)
    ranked = []
    for iri, a in actors.items():
        if {key[0] for key in a["keys"]} != set(range(len(asked))) or not kind_wanted(a["kind"], wanted):
            continue
        ranked.append({"iri": iri, "label": pick(a["labels"], lang) or local_name(iri), "kind": a["kind"],
                       "score": sum(score({(kind, via): levels for (i, kind, via), levels in a["keys"].items() if i == index})
                                    for index in range(len(asked)))})
    ranked.sort(key=lambda r: (-r["score"], r["label"].casefold(), r["iri"]))
    return ranked


def score(keys: Mapping[tuple[str, str | None], Collection[str]]) -> float:
    """The score of an actor from its evidence keys {(kind, via): participation levels}: one weight per
    key, the deepest level's for a membership held at several."""
    return sum(max(weight(kind, lv) for lv in levels) if levels else weight(kind) for (kind, _), levels in keys.items())


def _scope(db: ox.Store, query: str, param: str, text: str, view: str, kind: Text,
           names: queries.Names | None = None) -> tuple[Ref, set[str]]:
    """A filter's actor ({"iri", "label"}) and the actors it keeps (itself included)."""
    try:
        node, label = queries.resolve_actor_labelled(db, text, view, names)
    except queries.AmbiguousName as e:
        listed = "; ".join(label for _, label in e.candidates)
        raise FinderError(f"ambiguous-{param}", Text(nl=f"{_quote(text)} past bij meer dan één {kind.nl}: {listed}.",
                                                     en=f"{_quote(text)} matches more than one {kind.en}: {listed}.")) from None
    except queries.QueryError:
        unknown = _UNKNOWN[param]
        raise FinderError(f"unknown-{param}", Text(nl=f"{unknown.nl}: {_quote(text)}.",
                                                   en=f"{unknown.en}: {_quote(text)}.")) from None
    keep = {node.value} | {r["actor"].value for r in _select(db, query, {param: node}, view)}
    return {"iri": node.value, "label": label}, keep


def _select(db: ox.Store, name: str, bindings: Mapping[str, ox.NamedNode | ox.Literal], view: str) -> ox.QuerySolutions:
    """The rows of the named SELECT query `name` with terms already bound (no name resolving)."""
    return cast(ox.QuerySolutions, run_query(db, queries.get(name).text, bindings, view))


_ORGANISATION = Text(nl="organisatie", en="organisation")
_NETWORK = Text(nl="netwerk", en="network")
_UNKNOWN = Strings({"organisation": Text(nl="Onbekende organisatie", en="Unknown organisation"),
                   "network": Text(nl="Onbekend netwerk", en="Unknown network")})


def workplace(db: ox.Store, iri: str, view: str = "internal", lang: str = "nl") -> Workplace:
    """Where an actor works and as what: {"organisations": [{"iri", "label"}], "roles": [{"iri", "label"}]}."""
    found: Workplace = {"organisations": [], "roles": []}
    for r in _select(db, "actor-workplace", {"actor": ox.NamedNode(iri), "lang": ox.Literal(lang)}, view):
        value = r["value"].value
        part = found["organisations"] if r["part"].value == "organisation" else found["roles"]
        part.append({"iri": value, "label": r["valueLabel"].value if r["valueLabel"] is not None else local_name(value)})
    return found


def who_knows_page(db: ox.Store, topics: Sequence[str], view: str = "internal", lang: str = "nl",
                   types: Collection[str] | None = None, organisation: str | None = None,
                   network: str | None = None, limit: int | str | None = DEFAULT_LIMIT,
                   offset: int | str | None = 0, memo: Memo | None = None,
                   ranker: Ranker | None = None, names: queries.Names | None = None) -> WhoKnowsPage:
    """One page of who_knows: results `offset` to `offset + limit` of the same ranking, each with
    its evidence and where it works ("workplace"), plus "total", "limit", "offset", "next" and
    "previous" (the offsets of the neighbouring pages, null at either end) and "filters".

    `organisation` keeps the people of that organisation or one under it (and those
    organisations); `network` keeps the network's members (and networks under it); both by IRI,
    id or name. Raises FinderError as who_knows does, and for a bad limit, offset or filter.
    `memo(key, compute)` may keep the ranking for the next pages (kg.store.snapshot.Snapshot.memo);
    `ranker` may give it and `names` the filters' actors without asking the store (kg.answers.read_index)."""
    limit_, offset_ = check_page(limit, offset)
    wanted = check_types(types)
    asked = resolve_topics(db, topics, view, lang)
    filters: Filters = {"types": list(wanted), "organisation": None, "network": None}
    key = ("who-knows-ranking", tuple(t["iri"] for t in asked), view, lang, wanted)

    def compute() -> list[dict]:
        found = ranker(asked, view, lang, wanted) if ranker else None
        return found if found is not None else ranking(db, asked, view, lang, wanted)

    ranked = memo(key, compute) if memo else compute()
    for param, query, text, kind in (("organisation", "finder-organisation", organisation, _ORGANISATION),
                                     ("network", "finder-network", network, _NETWORK)):
        if text and text.strip():
            actor, keep = _scope(db, query, param, text.strip(), view, kind, names)
            filters["organisation" if param == "organisation" else "network"] = actor
            ranked = [r for r in ranked if r["iri"] in keep]
    page = ranked[offset_:offset_ + limit_]
    kinds = actor_kinds(db, view, lang) if page else {}
    results: list[Result] = []
    for r in page:
        folded: dict[str, dict] = {}
        for index, topic in enumerate(asked):
            bindings: dict[str, ox.NamedNode | ox.Literal] = {
                "topic": ox.NamedNode(topic["iri"]), "actor": ox.NamedNode(r["iri"]), "lang": ox.Literal(lang)}
            for row in _select(db, "expertise-evidence-of", bindings, view):
                _collect(folded, index, row)
        result = _result(r["iri"], folded[r["iri"]], asked, kinds, lang)
        result["workplace"] = workplace(db, r["iri"], view, lang)
        results.append(result)
    total = len(ranked)
    return {
        "topics": asked,
        "results": results,
        "total": total,
        "limit": limit_,
        "offset": offset_,
        "next": offset_ + limit_ if offset_ + limit_ < total else None,
        "previous": max(0, offset_ - limit_) if offset_ > 0 else None,
        "filters": filters,
    }


def _collect(actors: dict[str, dict], index: int, row: ox.QuerySolution) -> None:
    """Fold one row of expertise-evidence into `actors`, one item per (topic, kind, via)."""
    a = actors.setdefault(row["actor"].value, {"labels": set(), "classes": set(), "evidence": {}})
    if row["actorLabel"] is not None:
        a["labels"].add(row["actorLabel"])
    if row["actorType"] is not None:
        a["classes"].add(row["actorType"].value)
    via = row["via"].value if row["via"] is not None else None
    ev = a["evidence"].setdefault((index, row["kind"].value, via),
                                  {"via_labels": set(), "levels": {}, "matched": {}})
    if row["viaLabel"] is not None:
        ev["via_labels"].add(row["viaLabel"])
    if row["level"] is not None:
        labels = ev["levels"].setdefault(row["level"].value, set())
        if row["levelLabel"] is not None:
            labels.add(row["levelLabel"])
    labels = ev["matched"].setdefault(row["matched"].value, set())
    if row["matchedLabel"] is not None:
        labels.add(row["matchedLabel"])


def _item(key: tuple[int, str, str | None], ev: dict, asked: list[AskedTopic], lang: str) -> Evidence:
    index, kind, via = key
    level: Ref | None = None
    if ev["levels"]:
        # Several memberships of the same network (e.g. over the years): the deepest counts.
        iri = min(ev["levels"], key=lambda lv: (-weight(kind, lv), lv))
        level = {"iri": iri, "label": pick(ev["levels"][iri], lang) or local_name(iri)}
    via_obj: Ref | None = {"iri": via, "label": pick(ev["via_labels"], lang) or local_name(via)} if via else None
    matched: list[Ref] = sorted((Ref(iri=m, label=pick(labels, lang) or local_name(m))
                                 for m, labels in ev["matched"].items()), key=lambda m: (m["label"].casefold(), m["iri"]))
    in_lang = lang if lang in LANGS else "en"  # labels asked in another language: the sentence in English
    sentence = _SENTENCES(kind, in_lang, via=via_obj["label"] if via_obj else _SOMEONE[in_lang],
                          level=f" ({level['label']})" if level else "",
                          matched=", ".join(m["label"] for m in matched))
    return {
        "kind": kind,
        "topic": {"iri": asked[index]["iri"], "label": asked[index]["label"]},
        "via": via_obj,
        "level": level,
        "matched": matched,
        "weight": weight(kind, level["iri"] if level else None),
        "label": sentence,
    }


def summary(result: dict, topics: list[dict], lang: str = "nl") -> str:
    """A one-line account of a result's evidence: per topic, the kinds and how often."""
    parts = []
    for topic in topics:
        counts: dict[str, int] = {}
        for e in result["evidence"]:
            if e["topic"]["iri"] == topic["iri"]:
                counts[e["kind"]] = counts.get(e["kind"], 0) + 1
        kinds = ", ".join(kind_label(k, lang) + (f" x{n}" if n > 1 else "")
                          for k, n in sorted(counts.items(), key=lambda kv: KIND_ORDER.index(kv[0])))
        parts.append(f"{topic['label']}: {kinds}")
    return "; ".join(parts)


def _topic_index(asked: list[AskedTopic], iri: str) -> int:
    return next(i for i, t in enumerate(asked) if t["iri"] == iri)


def pick(literals: Iterable[ox.Literal], lang: str) -> str | None:
    """The label in `lang`, else one without language, else any; deterministic."""
    def key(lit: ox.Literal) -> tuple[int, str, str]:
        tag = lit.language or ""
        return (0 if tag == lang else 1 if not tag else 2, tag, lit.value)
    best = min(literals, key=key, default=None)
    return best.value if best is not None else None
