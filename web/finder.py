"""The expertise finder and the search: /who-knows, /search and their JSON APIs.

Thin over kg.answers.expertise and kg.answers.search: read the request, call the kg function
in the request's view and language, render or serialise. Errors are shown in
the page's language on pages and in Dutch and English in JSON (status 400).
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from kg.answers import expertise
from kg.answers import search as kg_search
from kg.federation import federated as kg_federation
from kg.model.kinds import kind_label
from kg.text import Text
from web import federation, i18n
from web.context import kg
from web.i18n import lang
from web.security import view
from web.urls import external_url, page_url

bp = Blueprint("finder", __name__)

API_SEARCH_LIMIT = 10   # autocomplete: a short list
EVIDENCE_SHOWN = 3      # a card shows this many of its strongest evidence items per topic; "show all" the rest
PAGE_SEARCH_LIMIT = 50  # the /search page

i18n.STRINGS.add({
    "finder_intro": Text(nl="Zoek mensen, artefacten en netwerken met aantoonbare kennis van álle thema's die je opgeeft. "
                            "Elk resultaat laat zien waarom: opgegeven expertise, toeschrijving door anderen, gemaakte "
                            "artefacten, samenwerking en lidmaatschap van netwerken over het thema. Smallere thema's tellen mee.",
                         en="Find people, artefacts and networks with evidence for ALL the topics you give. Every result "
                            "shows why: declared expertise, attribution by others, authored artefacts, joint work and "
                            "membership of networks on the topic. Narrower topics count."),
    "finder_topics": Text(nl="Thema's", en="Topics"),
    "finder_topic": Text(nl="Thema", en="Topic"),
    "finder_add_topic": Text(nl="Nog een thema", en="Add a topic"),
    "finder_find": Text(nl="Zoek wie het weet", en="Find who knows"),
    "finder_types": Text(nl="Soorten actoren", en="Kinds of actor"),
    "finder_results": Text(nl="resultaten", en="results"),
    "finder_result": Text(nl="resultaat", en="result"),
    "finder_for": Text(nl="voor", en="for"),
    "finder_score": Text(nl="score", en="score"),
    "finder_none": Text(nl="Niemand heeft bewijs voor al deze thema's. Probeer minder of bredere thema's.",
                        en="No one has evidence for all of these topics. Try fewer or broader topics."),
    "finder_did_you_mean": Text(nl="Bedoelde je:", en="Did you mean:"),
    "finder_unknown": Text(nl="Onbekend thema", en="Unknown topic"),
    "finder_ambiguous": Text(nl="Meer dan één thema past bij", en="More than one topic matches"),
    "finder_no_suggestion": Text(nl="Geen thema lijkt erop; kies er een uit de lijst 'Alle thema's' hieronder.",
                                 en="No topic looks like it; pick one from 'All topics' below."),
    "finder_all_topics": Text(nl="Alle thema's", en="All topics"),
    "finder_score_help": Text(nl="De score telt per thema het gewicht van elk bewijs op: toegeschreven 3, gemaakt 3, onderwerp of "
                                 "netwerkthema 3, opgegeven 2, samenwerking 2, lidmaatschap kern 2, actief 1, perifeer 0,5.",
                              en="The score adds, per topic, the weight of each piece of evidence: attributed 3, authored 3, "
                                 "subject or network theme 3, declared 2, joint work 2, membership core 2, active 1, peripheral 0.5."),
    "finder_narrower": Text(nl="via", en="via"),
    "finder_organisation": Text(nl="Organisatie", en="Organisation"),
    "finder_network": Text(nl="Netwerk", en="Network"),
    "finder_filters": Text(nl="Filters", en="Filters"),
    "finder_filter_hint": Text(nl="Naam, id of IRI; leeg laten voor alles.", en="Name, id or IRI; leave empty for all."),
    "finder_of": Text(nl="van", en="of"),
    "finder_next": Text(nl="Volgende", en="Next"),
    "finder_previous": Text(nl="Vorige", en="Previous"),
    "finder_pages": Text(nl="Pagina's", en="Pages"),
    "finder_works_at": Text(nl="werkt bij", en="works at"),
    "finder_show_all": Text(nl="Toon alles", en="Show all"),
    "finder_more": Text(nl="meer", en="more"),
    "search_title": Text(nl="Zoeken", en="Search"),
    "search_results_for": Text(nl="Resultaten voor", en="Results for"),
    "search_none": Text(nl="Niets gevonden. Controleer de spelling of zoek op een deel van de naam.",
                        en="Nothing found. Check the spelling or search for part of the name."),
    "search_prompt": Text(nl="Typ een naam of thema in het zoekveld.", en="Type a name or topic in the search box."),
    "search_matched": Text(nl="gevonden als", en="found as"),
    "bad_limit": Text(nl="limit moet een geheel getal van 1 tot en met {max} zijn.",
                      en="limit must be a whole number from 1 to {max}."),
    "bad_kind": Text(nl="Onbekende soort: {kinds}; kies uit {choices}.",
                     en="Unknown kind: {kinds}; choose from {choices}."),
})


# --- the expertise finder ---------------------------------------------------

def _no_federation() -> expertise.FinderError:
    return expertise.FinderError("no-federation", i18n.STRINGS.text("fed_off"))


def _answer(texts: list[str], types: list[str]) -> dict:
    """One page of the finder's answer (?limit=, ?offset=; ?organisation=, ?network= filter): this
    store in the request's view, or (?federated=1) this store and every region of the registry,
    public view only (kg.federation.federated)."""
    registry = federation.wanted(_no_federation)
    args = request.args
    context = kg()
    generation, db = context.snapshot.current()
    index = context.indexed(generation, db)
    return federation.for_client(kg_federation.who_knows(
        db, registry, texts, lang(), types or None, federation.timeout(), view=view(),
        organisation=args.get("organisation"), network=args.get("network"), limit=args.get("limit"),
        offset=args.get("offset"), memo=functools.partial(context.snapshot.memo, generation),
        ranker=index.ranker(generation) if index else None, names=index.namer(generation) if index else None))


def _page_url(offset: int | None) -> str | None:
    """This request's URL at another offset (every other parameter kept), or None."""
    if offset is None:
        return None
    args = request.args.to_dict(flat=False)
    args["offset"] = [str(offset)]
    args.pop("add", None)
    return url_for("finder.who_knows_page", **args)


@bp.get("/who-knows")
def who_knows_page() -> str:
    texts = [x for x in request.args.getlist("topic") if x.strip()]
    types = request.args.getlist("type")
    answer: dict | None = None
    error: expertise.FinderError | None = None
    if texts or (federation.asked() and federation.registry() is None):
        try:
            answer = _answer(texts, types)
        except expertise.FinderError as e:
            error = e
    fields = texts + ([""] if request.args.get("add") or not texts else [])
    problems = _with_suggestion_urls(error, texts, types) if error else []
    results = [_with_urls(r) for r in answer["results"]] if answer else []
    pager = {"first": answer["offset"] + 1, "last": answer["offset"] + len(answer["results"]),
             "next": _page_url(answer["next"]), "previous": _page_url(answer["previous"])} if answer else None
    all_topics = sorted(expertise.topic_labels(kg().db(), view(), lang()).items(),
                        key=lambda kv: kv[1]["label"].casefold())
    fed = federation.asked()
    return render_template(
        "who_knows.html", fields=fields, types=types or list(expertise.TYPES), all_types=expertise.TYPES,
        answer=answer, results=results, error=error, problems=problems, all_topics=all_topics, pager=pager,
        organisation=request.args.get("organisation", ""), network=request.args.get("network", ""),
        limit=request.args.get("limit", ""),
        kind_label=expertise.kind_label, type_label=kind_label, fmt=_fmt,
        federation_on=federation.registry() is not None, federated=fed,
        status_label=federation.status_label,
        topic_url=lambda label: url_for("finder.who_knows_page", topic=label, **({"federated": "1"} if fed else {})))


@bp.get("/api/who-knows")
def api_who_knows() -> Response | tuple[Response, int]:
    """JSON in the shape of kg.answers.expertise.who_knows (kg.federation.federated.who_knows with ?federated=1);
    400 with nl/en messages and suggestions."""
    try:
        answer = _answer(request.args.getlist("topic"), request.args.getlist("type"))
    except expertise.FinderError as e:
        return jsonify(e.to_json()), 400
    return jsonify(answer)


def _with_urls(result: dict) -> dict:
    base = kg().base_iri
    region = result.get("region")
    if region is not None and not _is_local(region):
        # Another region's actor: its IRI is the link (it dereferences at that region), not a page
        # here; only an http(s) IRI (issue 14: `javascript:` and `data:` IRIs arrived as links).
        link = external_url
    else:
        link = lambda iri: page_url(iri, base)  # noqa: E731
    evidence = [dict(e, via_url=link(e["via"]["iri"]) if e["via"] else None, parts=_parts(e))
                for e in result["evidence"]]
    groups: list[dict] = []
    for e in evidence:
        if not groups or groups[-1]["topic"]["iri"] != e["topic"]["iri"]:
            groups.append({"topic": e["topic"], "evidence": []})
        groups[-1]["evidence"].append(e)
    for g in groups:
        # the strongest items first (stable: equal weights keep the answer's order), the rest folded
        strongest = sorted(g["evidence"], key=lambda e: -e["weight"])
        g["shown"], g["folded"] = strongest[:EVIDENCE_SHOWN], strongest[EVIDENCE_SHOWN:]
    workplace = result.get("workplace")
    if workplace:
        workplace = {part: [dict(w, url=link(w["iri"]) if part == "organisations" else None) for w in items]
                     for part, items in workplace.items()}
    return dict(result, url=link(result["iri"]), evidence=evidence, groups=groups, workplace=workplace)


def _is_local(region: dict) -> bool:
    registry = federation.registry()
    return registry is not None and region["name"] == registry.local.name


def _parts(evidence: dict) -> tuple[str, str, str]:
    """The evidence sentence split around the via label, so the template can link it."""
    via = evidence["via"]["label"] if evidence["via"] else ""
    before, found, after = evidence["label"].partition(via) if via else (evidence["label"], "", "")
    return (before, found, after) if found else (evidence["label"], "", "")


def _with_suggestion_urls(error: expertise.FinderError, texts: list[str], types: list[str]) -> list[dict]:
    """Each problem topic with links that ask again with a suggestion in its place."""
    out = []
    for p in error.topics:
        suggestions = []
        for s in p["suggestions"]:
            asked = [s["label"] if x.strip() == p["text"] else x for x in texts]
            extra = {"federated": "1"} if federation.asked() else {}
            suggestions.append(dict(s, url=url_for("finder.who_knows_page", topic=asked, type=types, **extra)))
        out.append(dict(p, suggestions=suggestions))
    return out


def _fmt(score: float) -> str:
    text = f"{score:g}"
    return text.replace(".", ",") if lang() == "nl" else text


# --- search -----------------------------------------------------------------

@bp.get("/search")
def search_page() -> str:
    q = request.args.get("q", "")
    db, labels = _searched()
    hits = [_hit_with_url(h) for h in kg_search.search(db, q, view(), lang(), PAGE_SEARCH_LIMIT, labels=labels)]
    return render_template("search.html", q=q, hits=hits, kind_label=kind_label,
                           limit=PAGE_SEARCH_LIMIT)


@bp.get("/api/search")
def api_search() -> Response | tuple[Response, int]:
    """{"query", "results": [{"iri", "label", "kind", "kind_label", "matched", "url"}]} for the autocomplete."""
    q = request.args.get("q", "")
    kinds = request.args.getlist("kind")
    try:
        limit = int(request.args.get("limit", API_SEARCH_LIMIT))
        if not 1 <= limit <= kg_search.MAX_LIMIT:
            raise ValueError
    except ValueError:
        return _json_error("bad-limit", "bad_limit", max=kg_search.MAX_LIMIT)
    unknown = sorted(set(kinds) - set(kg_search.KINDS))
    if unknown:
        return _json_error("bad-kind", "bad_kind", kinds=", ".join(unknown), choices=", ".join(kg_search.KINDS))
    db, labels = _searched()
    hits = kg_search.search(db, q, view(), lang(), limit, kinds or None, labels)
    return jsonify({"query": q, "results": [_hit_with_url(h) for h in hits]})


def _searched() -> tuple[Any, kg_search.Labels | None]:
    """The store's view and, when the read index describes it, the index's labels to search."""
    context = kg()
    generation, db = context.snapshot.current()
    index = context.indexed(generation, db)
    return db, index.searcher(generation) if index is not None else None


def _hit_with_url(hit: dict) -> dict:
    """A topic leads to who knows about it; an actor to its own page."""
    url = (url_for("finder.who_knows_page", topic=hit["label"]) if hit["kind"] == "topic"
           else page_url(hit["iri"], kg().base_iri))
    return dict(hit, url=url, kind_label=kind_label(hit["kind"], lang()))


def _json_error(code: str, key: str, **values: Any) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, **i18n.both(key, **values)}}), 400

