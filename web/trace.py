"""The diffusion trace: /trace (page) and /api/trace (JSON), thin over kg.answers.trace.

/api/trace?artefact=...&next=1&lang=en returns kg.answers.trace.trace()'s shape (docs/web.md).
/trace/spread.svg|.png and /trace/curve.svg|.png (?artefact=..., as the page) are the page's two
pictures as files, with absolute links; /trace/adoptions.csv its adoptions table
(kg.answers.trace.adoption_table; formula cells neutralised by kg.sheets).
Errors: 400 without `artefact`, for an ambiguous name (with its candidates) or another kind of
actor; 404 for an unknown name. Messages come in Dutch and English.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from kg.analytics.pictures import png
from kg.answers import trace as diffusion
from kg.federation import federated as kg_federation
from kg.pictures import actors as pictures
from kg.sheets import csv_text
from kg.sparql import queries
from kg.text import Text
from web import federation, i18n
from web.context import kg
from web.i18n import lang
from web.security import download, file_stem, view
from web.urls import external_url, page_url, public_url

bp = Blueprint("trace", __name__)

MAX_NAME = 500  # longer input cannot be a name or an IRI of this graph
CHOICES_PER_PAGE = 20  # adopted artefacts per page of the trace page without an artefact

i18n.STRINGS.add({
    "trace": Text(nl="Verspreiding", en="Diffusion"),
    "trace_title": Text(nl="Hoe verspreidde een artefact zich?", en="How did an artefact spread?"),
    "trace_intro": Text(nl="Kies een artefact (naam, id of IRI): je ziet elke adoptie op datum, van welke school het "
                           "kwam, via welke makelaar en welk netwerk, welke aangepaste kopieën ontstonden, en hoe snel "
                           "het ging.",
                        en="Choose an artefact (name, id or IRI): you see every adoption by date, which school it came "
                           "from, through which broker and which network, which adapted copies were made, and how "
                           "fast it went."),
    "trace_field": Text(nl="Artefact", en="Artefact"),
    "trace_submit": Text(nl="Toon de verspreiding", en="Show the spread"),
    "trace_choose": Text(nl="Geadopteerde artefacten", en="Adopted artefacts"),
    "trace_bad_offset": Text(nl="De paginapositie (offset) moet een geheel getal van 0 of meer zijn; dit is de eerste pagina.",
                             en="The page position (offset) must be a whole number of 0 or more; this is the first page."),
    "trace_unknown": Text(nl="Geen artefact gevonden met deze naam, id of IRI:", en="No artefact found with this name, id or IRI:"),
    "trace_search": Text(nl="Zoek naar", en="Search for"),
    "trace_ambiguous": Text(nl="Meer dan één actor heet zo; kies er een:", en="More than one actor has this name; choose one:"),
    "trace_not_artefact": Text(nl="Dit is geen artefact:", en="This is not an artefact:"),
    "trace_missing": Text(nl="Geef een artefact op (parameter artefact).", en="Give an artefact (parameter artefact)."),
    "trace_summary": Text(nl="{n} adopties door {s} scholen tussen {first} en {last}; {c} aangepaste kopieën (tot {d} stappen diep).",
                          en="{n} adoptions by {s} schools between {first} and {last}; {c} adapted copies (up to {d} steps deep)."),
    "trace_spread": Text(nl="De verspreiding in beeld", en="The spread as a picture"),
    "trace_table": Text(nl="Alle adopties op datum", en="All adoptions by date"),
    "trace_tree": Text(nl="Afleidingsboom van aangepaste kopieën", en="Derivation tree of adapted copies"),
    "trace_no_copies": Text(nl="Er zijn geen aangepaste kopieën.", en="There are no adapted copies."),
    "trace_curve": Text(nl="Cumulatief aantal adopties", en="Cumulative adoptions"),
    "trace_next": Text(nl="Mogelijke volgende scholen", en="Likely next adopters"),
    "trace_next_help": Text(nl="Scholen die het nog niet gebruiken maar dicht bij een gebruiker zitten: zelfde bestuur, "
                               "een verbinding tussen hun mensen, of iemand in een netwerk waarlangs het kwam.",
                            en="Schools that do not use it yet but are near an adopter: same board, a tie between their "
                               "people, or someone in a network it travelled through."),
    "trace_next_show": Text(nl="Bereken mogelijke volgende scholen (duurt even)", en="Compute likely next adopters (takes a moment)"),
    "trace_score": Text(nl="Score", en="Score"),
    "trace_reasons": Text(nl="Waarom", en="Why"),
    "trace_json": Text(nl="Deze gegevens als JSON", en="This data as JSON"),
    "trace_download": Text(nl="Downloaden", en="Download"),
    "trace_table_csv": Text(nl="De adopties als CSV", en="The adoptions as CSV"),
    "trace_made_copy": Text(nl="hier is een aangepaste kopie gemaakt", en="an adapted copy was made here"),
    "trace_adopted": Text(nl="Geadopteerd", en="Adopted"),
    "trace_original": Text(nl="het origineel", en="the original"),
    "trace_created": Text(nl="gemaakt", en="created"),
    "trace_by": Text(nl="door", en="by"),
    "trace_steps": Text(nl="Stappen", en="Steps"),
    "trace_schools": Text(nl="Scholen", en="Schools"),
    "trace_first_last": Text(nl="Eerste – laatste", en="First – last"),
})


def _problem(e: queries.QueryError, text: str) -> tuple[str, int, list[dict[str, str]]]:
    if isinstance(e, NoFederation):
        return "fed_off", 400, []
    if isinstance(e, queries.AmbiguousName):
        return "trace_ambiguous", 400, [{"iri": iri, "label": label} for iri, label in e.candidates]
    if isinstance(e, diffusion.NotAnArtefact):
        return "trace_not_artefact", 400, []
    return "trace_unknown", 404, []


class NoFederation(queries.QueryError):
    """?federated=1 on a server without a region registry."""


def _trace(text: str, v: str, lg: str) -> dict[str, Any]:
    """kg.answers.trace.trace in the request's view, or (?federated=1) kg.federation.federated.trace over this
    store and every region of the registry, public data only; the artefact's name looked up in the read index."""
    registry = federation.wanted(lambda: NoFederation("no region registry"))
    context = kg()
    generation, db = context.snapshot.current()
    index = context.indexed(generation, db)
    return federation.for_client(kg_federation.trace(db, registry, text, lg, federation.timeout(), view=v,
                                                     next_adopters=request.args.get("next") == "1",
                                                     names=index.namer(generation) if index else None))


@bp.get("/api/trace")
def api_trace() -> Response | tuple[Response, int]:
    text = request.args.get("artefact", "").strip()
    if not text or len(text) > MAX_NAME:
        return jsonify({"error": "missing artefact", "message": i18n.both("trace_missing")}), 400
    try:
        result = _trace(text, view(), lang())
    except queries.QueryError as e:
        key, status, candidates = _problem(e, text)
        body: dict[str, Any] = {"error": "no federation" if key == "fed_off" else key.removeprefix("trace_").replace("_", " "),
                                "artefact": text,
                                "message": i18n.both(key)}
        if candidates:
            body["candidates"] = candidates
        return jsonify(body), status
    return jsonify(result)


@bp.get("/trace")
def trace_page() -> str | tuple[str, int]:
    text = request.args.get("artefact", "").strip()
    v, lg = view(), lang()
    ctx: dict[str, Any] = {"text": text, "choices": [], "result": None, "problem": None,
                           "federation_on": federation.registry() is not None, "federated": federation.asked()}

    def choosing(**problem: Any) -> str:
        """The page without a trace: a page of the adopted artefacts to choose from (?offset=), from the
        read index when it describes the generation (else a whole-store count)."""
        generation, now = kg().snapshot.current()
        index = kg().indexed(generation, now)
        offset = _offset()
        total, choices = diffusion.adopted_artefacts(now, v, lg, offset or 0, CHOICES_PER_PAGE,
                                                     index.adopter(generation) if index else None)
        pager = {"first": (offset or 0) + 1, "last": (offset or 0) + len(choices), "total": total,
                 "previous": _choices_url(max(0, (offset or 0) - CHOICES_PER_PAGE)) if offset else None,
                 "next": _choices_url((offset or 0) + CHOICES_PER_PAGE)
                 if (offset or 0) + CHOICES_PER_PAGE < total else None}
        if offset is None:
            problem.setdefault("problem", "trace_bad_offset")
            problem.setdefault("candidates", [])
        return render_template("trace.html", **{**ctx, "choices": choices, "pager": pager, **problem})

    if not text:
        return choosing() if _offset() is not None else (choosing(), 400)
    if len(text) > MAX_NAME:
        return choosing(problem="trace_unknown", candidates=[]), 404
    try:
        result = _trace(text, v, lg)
    except queries.QueryError as e:
        key, status, candidates = _problem(e, text)
        return choosing(problem=key, candidates=candidates), status
    base = kg().base_iri
    url = lambda iri: page_url(iri, base) if iri.startswith(base) or not result.get("federated") else external_url(iri)  # noqa: E731
    art_param = result["artefact"]["iri"][len(base):] if result["artefact"]["iri"].startswith(base) else result["artefact"]["iri"]
    made_copy = {a["adoption"]["iri"] for a in result["adoptions"] if a["adapted_copy"]}
    variants = [result["artefact"]] + [d["copy"] for d in result["derivations"]]
    ctx["result"] = result
    same = {"artefact": art_param, "lang": lg, **({"federated": "1"} if result.get("federated") else {})}
    return render_template(
        "trace.html", art_param=art_param, made_copy=made_copy,
        spread=Markup(pictures.spread_svg(result, lg, url)), curve=Markup(pictures.curve_svg(result, lg)),
        variants=[(Markup(pictures.variant_swatch(i)), v) for i, v in enumerate(variants)],
        copy_swatch=Markup(pictures.variant_swatch(0, made_copy=True)),
        json_url=url_for("trace.api_trace", **same),
        file_urls={f"{name}.{fmt}": url_for("trace.picture", name=name, fmt=fmt, **same)
                   for name in PICTURES for fmt in IMAGE_TYPES}
        | {"adoptions.csv": url_for("trace.adoptions_csv", **same)},
        status_label=federation.status_label,
        tree=[node for root in result.get("same_as") or [result["artefact"]["iri"]]
              for node in _tree(result["derivations"], root)], **ctx)


PICTURES = ("spread", "curve")
IMAGE_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@bp.get("/trace/<name>.<fmt>")
def picture(name: str, fmt: str) -> Response:
    """The trace page's picture `name` (spread or curve) as an SVG or PNG file, its links absolute."""
    if name not in PICTURES or fmt not in IMAGE_TYPES:
        abort(404)
    result, lg = _trace_or_abort()
    if name == "spread":
        svg = pictures.spread_svg(result, lg, lambda iri: _absolute(iri, result))
    else:
        svg = pictures.curve_svg(result, lg)
    return _file(svg.encode("utf-8") if fmt == "svg" else png(svg), IMAGE_TYPES[fmt], result, f"{name}.{fmt}")


@bp.get("/trace/adoptions.csv")
def adoptions_csv() -> Response:
    """The trace's adoptions as CSV in the page's language (kg.answers.trace.adoption_table)."""
    result, lg = _trace_or_abort()
    return _file(csv_text(diffusion.adoption_table(result, lg)).encode("utf-8"), "text/csv; charset=utf-8",
                 result, "adoptions.csv")


def _trace_or_abort() -> tuple[dict[str, Any], str]:
    """The trace the page would show, and the language; else the page's error status with its
    message in Dutch and English as text (400 no or an ambiguous name, 404 unknown)."""
    text = request.args.get("artefact", "").strip()
    lg = lang()
    if not text or len(text) > MAX_NAME:
        key, status = ("trace_missing", 400) if not text else ("trace_unknown", 404)
    else:
        try:
            return dict(_trace(text, view(), lg)), lg
        except queries.QueryError as e:
            key, status, _ = _problem(e, text)
    both = i18n.both(key)
    message = "".join(f"{both[lg_]} {text}".strip() + "\n" for lg_ in ("nl", "en"))
    abort(Response(message, status, mimetype="text/plain"))


def _absolute(iri: str, result: dict[str, Any]) -> str | None:
    """Where a picture's link goes in a file: this server's page of the IRI, absolute; an IRI of
    another region (a federated trace) as it is."""
    base = kg().base_iri
    if iri.startswith(base) or not result.get("federated"):
        return public_url(page_url(iri, base))
    return external_url(iri)


def _file(data: bytes, mimetype: str, result: dict[str, Any], what: str) -> Response:
    return download(data, mimetype, f"{file_stem(result['artefact']['iri'], 'trace')}-{what}")


def _offset() -> int | None:
    """?offset= of the artefacts to choose from: 0 when absent, None when not a whole number >= 0."""
    raw = request.args.get("offset", "0").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _choices_url(offset: int) -> str:
    """This page at another offset of its artefacts to choose from (the language kept)."""
    return url_for("trace.trace_page", offset=offset, **({"lang": request.args["lang"]} if "lang" in request.args else {}))


def _tree(derivations: list[dict[str, Any]], root: str) -> list[dict[str, Any]]:
    """Nested children of `root` in the derivation list: [{"copy", "created", "adapted_by", "children"}]."""
    return [{**d, "children": _tree(derivations, d["copy"]["iri"])}
            for d in derivations if d["parent"]["iri"] == root]
