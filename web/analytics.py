"""Network analytics pages and exports, thin over kg.analytics (docs/analytics.md).

/analytics?actor=ID                  the page (network, school, person or artefact; ?people_only=1, ?topic=)
/api/analytics?actor=ID              the analysis as JSON (kg.analytics' documented shape)
/api/analytics/sociogram?actor=ID    its sociogram with groupings by school and community (the interactive picture)
/analytics/picture/NAME.svg|.png     a picture (sociogram, depth, tree, curve)
/analytics/table/NAME.csv            a table
/analytics/graph.graphml|.gexf       the sociogram's graph, for Gephi

Every export takes the page's parameters and is computed in the request's view, so a public export
names hidden people only by their anonymous label. Results are cached per store generation in an
AnalyticsCache owned by the app (app.extensions["analytics"]). Errors: 400 without `actor`, for an
ambiguous name (with its candidates) or an unknown topic; 404 for an unknown name, picture or table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup

from kg.analytics import AnalyticsCache, Interactive, analyse, gephi, pictures, sociogram, tables
from kg.analytics.capital import DIMENSIONS
from kg.model.namespaces import local_name
from kg.sparql import queries
from kg.text import Strings, Text
from web import i18n
from web.context import kg
from web.i18n import lang
from web.pages import today
from web.security import attachment, view

bp = Blueprint("analytics", __name__)

MAX_NAME = 500      # longer input cannot be a name or an IRI of this graph
MAX_TOPICS = 5      # topics asked at once for access to expertise (each is one search over the graph)


@bp.record_once
def _install(state) -> None:
    state.app.extensions["analytics"] = AnalyticsCache()


i18n.STRINGS.add({
    "analytics": Text(nl="Netwerkanalyse", en="Network analysis"),
    "an_intro": Text(nl="Kies een netwerk, school, persoon of artefact (naam, id of IRI).",
                     en="Choose a network, school, person or artefact (name, id or IRI)."),
    "an_field": Text(nl="Actor", en="Actor"),
    "an_submit": Text(nl="Analyseer", en="Analyse"),
    "an_people_only": Text(nl="Alleen personen (zonder artefacten)", en="People only (no artefacts)"),
    "an_missing": Text(nl="Geef een actor op (parameter actor).", en="Give an actor (parameter actor)."),
    "an_unknown": Text(nl="Geen actor of thema gevonden met deze naam, id of IRI:", en="No actor or topic found with this name, id or IRI:"),
    "an_ambiguous": Text(nl="Meer dan één actor heet zo; kies er een:", en="More than one actor has this name; choose one:"),
    "an_sociogram": Text(nl="Sociogram", en="Sociogram"),
    "an_depth": Text(nl="Diepte van de interactie", en="Depth of interaction"),
    "an_tree": Text(nl="Adoptieboom", en="Adoption tree"),
    "an_curve": Text(nl="Adoptiecurve", en="Adoption curve"),
    "an_openness": Text(nl="Open of gesloten", en="Open or closed"),
    "an_brokers": Text(nl="Makelaars en grensgangers", en="Brokers and boundary crossers"),
    "an_isolates": Text(nl="Geïsoleerde leden en losse groepjes", en="Isolated members and weak groups"),
    "an_core": Text(nl="Kern en periferie: k-core tegenover opgegeven niveau", en="Core and periphery: k-core against declared level"),
    "an_access": Text(nl="Toegang tot expertise (via vertrouwde verbindingen)", en="Access to expertise (through trusted ties)"),
    "an_reach": Text(nl="Reikwijdte", en="Reach"),
    "an_capital": Text(nl="Professioneel kapitaal", en="Professional capital"),
    "an_diffusion": Text(nl="Verspreiding", en="Diffusion"),
    "an_next": Text(nl="Scholen dicht bij een gebruiker", en="Schools close to an adopter"),
    "an_shared": Text(nl="Wie verbindt welke netwerken", en="Who links which networks"),
    "an_members_by_year": Text(nl="Leden per schooljaar", en="Members per school year"),
    "an_exports": Text(nl="Downloads", en="Downloads"),
    "an_table_csv": Text(nl="Tabel {n} (CSV)", en="Table {n} (CSV)"),
    "an_link": Text(nl="Netwerkanalyse", en="Network analysis"),
    "an_none_isolated": Text(nl="Niemand is geïsoleerd.", en="No one is isolated."),
    "an_broker_mark": Text(nl="makelaar", en="broker"),
    "an_isolated_mark": Text(nl="geïsoleerd", en="isolated"),
    "an_text_alt": Text(nl="Dezelfde gegevens als tabel", en="The same data as a table"),
    "an_table_scroll": Text(nl="Tabel; schuif opzij als hij breder is dan het scherm", en="Table; scroll sideways when it is wider than the screen"),
})

# The interactive sociogram (web/static/sociogram.js reads them from the page: data-texts).
SOCIOGRAM_TEXTS = Strings({
    "loading": Text(nl="Het interactieve sociogram wordt geladen …", en="Loading the interactive sociogram …"),
    "failed": Text(nl="Het interactieve sociogram kon niet laden; de vaste afbeelding staat hieronder.",
                   en="The interactive sociogram could not load; the static picture is below."),
    "canvas": Text(nl="Interactief sociogram; dezelfde gegevens staan als lijst onder de afbeelding.",
                   en="Interactive sociogram; the same data is a list below the picture."),
    "help": Text(nl="Zoom met het wiel of twee vingers, sleep om te schuiven; klik op een actor voor zijn verbindingen, "
                    "op een groep voor haar leden.",
                 en="Zoom with the wheel or two fingers, drag to pan; click an actor for its ties, a group for its "
                    "members."),
    "show": Text(nl="Toon", en="Show"),
    "none": Text(nl="alle actoren", en="every actor"),
    "school": Text(nl="per school of organisatie", en="by school or organisation"),
    "role": Text(nl="per rol", en="by role"),
    "community": Text(nl="per groep die veel onderling verbonden is", en="by community (closely tied groups)"),
    "depth": Text(nl="Diepte ten minste", en="Depth at least"),
    "any_depth": Text(nl="elke relatie", en="any relation"),
    "strength": Text(nl="Sterkte ten minste", en="Strength at least"),
    "search": Text(nl="Zoek een naam", en="Find a name"),
    "find": Text(nl="Zoek", en="Find"),
    "back": Text(nl="Terug naar het overzicht", en="Back to the overview"),
    "fit": Text(nl="Alles in beeld", en="Fit to screen"),
    "not_found": Text(nl="Niemand met „{q}” in dit sociogram.", en="No one called “{q}” in this sociogram."),
    "selected": Text(nl="{name}; verbindingen in beeld: {n}.", en="{name}; ties shown: {n}."),
    "overview": Text(nl="{groups} groepen met samen {actors} actoren; klik op een groep om de leden te zien.",
                     en="{groups} groups of {actors} actors in all; click a group to see its members."),
    "inside": Text(nl="{group}: {n} leden; de andere groepen staan er als één punt bij.",
                   en="{group}: {n} members; the other groups are one point each."),
    "all": Text(nl="{actors} actoren en {edges} relaties in beeld.", en="{actors} actors and {edges} relations shown."),
    "legend": Text(nl="Legenda", en="Legend"),
    "size_members": Text(nl="grootte van een groep: aantal leden", en="size of a group: number of members"),
    "size_degree": Text(nl="grootte van een actor: aantal relaties", en="size of an actor: number of relations"),
    "width_depth": Text(nl="lijndikte: diepte van de interactie", en="line width: depth of interaction"),
    "width_count": Text(nl="lijndikte tussen groepen: aantal relaties", en="line width between groups: number of relations"),
    "dashed": Text(nl="stippellijn: via een artefact (bemiddeling, auteur)", en="dashed line: through an artefact (mediation, authorship)"),
    "person": Text(nl="persoon", en="person"),
    "artefact": Text(nl="artefact", en="artefact"),
    "network": Text(nl="netwerk", en="network"),
    "organisation": Text(nl="organisatie", en="organisation"),
    "broker": Text(nl="makelaar", en="broker"),
    "isolated": Text(nl="geïsoleerd", en="isolated"),
    "other": Text(nl="overig", en="other"),
})
i18n.STRINGS.add({f"so_{k}": SOCIOGRAM_TEXTS[k] for k in SOCIOGRAM_TEXTS})


def _cache() -> AnalyticsCache:
    return current_app.extensions["analytics"]


def _params() -> tuple[str, bool, tuple[str, ...]]:
    text = request.args.get("actor", "").strip()
    if not text:
        abort(400, description="an_missing")
    if len(text) > MAX_NAME:
        abort(404)
    topics = tuple(t.strip()[:MAX_NAME] for t in request.args.getlist("topic") if t.strip())[:MAX_TOPICS]
    return text, request.args.get("people_only") == "1", topics


def _run(text: str, people_only: bool, topics: tuple[str, ...]) -> dict[str, Any]:
    ctx = kg()
    db = ctx.db()
    return analyse(db, text, None, view(), lang(), people_only, topics, today(), ctx.snapshot.generation, _cache())


def _run_sociogram(text: str, people_only: bool, topics: tuple[str, ...]) -> Interactive:
    ctx = kg()
    return sociogram(ctx.db(), text, None, view(), lang(), people_only, topics, today(), ctx.snapshot.generation,
                     _cache())


def _problem(e: queries.QueryError) -> tuple[str, int, list[dict[str, str]]]:
    if isinstance(e, queries.AmbiguousName):
        return "an_ambiguous", 400, [{"iri": iri, "label": label} for iri, label in e.candidates]
    return "an_unknown", 404, []


def _export_args(result: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"actor": result["subject"]["iri"], "lang": lang()}
    if result["people_only"]:
        args["people_only"] = "1"
    if request.args.getlist("topic"):
        args["topic"] = request.args.getlist("topic")
    return args


@bp.get("/api/analytics")
def api_analytics() -> Response | tuple[Response, int]:
    return _api(_run)


@bp.get("/api/analytics/sociogram")
def api_sociogram() -> Response | tuple[Response, int]:
    """The sociogram with its groupings (kg.analytics.aggregate.Interactive), in the request's view."""
    return _api(_run_sociogram)


def _api(compute: Callable[[str, bool, tuple[str, ...]], Any]) -> Response | tuple[Response, int]:
    """`compute(*params)` as JSON, or the error: 400 without an actor or for an ambiguous name, 404."""
    text = request.args.get("actor", "").strip()
    if not text or len(text) > MAX_NAME:
        return jsonify({"error": "missing actor", "message": i18n.both("an_missing")}), 400
    try:
        result = compute(*_params())
    except queries.QueryError as e:
        key, status, candidates = _problem(e)
        body: dict[str, Any] = {"error": key.removeprefix("an_"), "actor": text, "message": i18n.both(key)}
        if candidates:
            body["candidates"] = candidates
        return jsonify(body), status
    return jsonify(result)


@bp.get("/analytics")
def analytics_page() -> str | tuple[str, int]:
    text = request.args.get("actor", "").strip()
    if not text:
        return render_template("analytics.html", text="", result=None, problem=None)
    try:
        result = _run(*_params())
    except queries.QueryError as e:
        key, status, candidates = _problem(e)
        return render_template("analytics.html", text=text, result=None, problem=key, candidates=candidates), status
    lg = lang()
    pics = {name: Markup(svg) for name, svg in pictures.pictures(result, lg).items()}
    args = _export_args(result)
    found = tables.tables(result)
    return render_template(
        "analytics.html", text=text, result=result, problem=None, pics=pics, tables=found, dimensions=DIMENSIONS,
        picture_urls={n: {f: url_for("analytics.picture", name=n, fmt=f, **args) for f in ("svg", "png")} for n in pics},
        table_urls={n: url_for("analytics.table", name=n, **args) for n in found},
        graph_urls={f: url_for("analytics.graph", fmt=f, **args) for f in gephi.FORMATS},
        json_url=url_for("analytics.api_analytics", **args),
        sociogram_url=url_for("analytics.api_sociogram", **args),
        sociogram_texts={k: SOCIOGRAM_TEXTS(k, lg) for k in SOCIOGRAM_TEXTS},
        people_only_url=url_for("analytics.analytics_page", **{**args, "people_only": "0" if result["people_only"] else "1"}))


@bp.get("/analytics/picture/<name>.<fmt>")
def picture(name: str, fmt: str) -> Response:
    if fmt not in ("svg", "png"):
        abort(404)
    result = _result_or_abort()
    pics = pictures.pictures(result, lang())
    if name not in pics:
        abort(404)
    filename = f"{_slug(result)}-{name}.{fmt}"
    if fmt == "svg":
        return _download(pics[name].encode("utf-8"), "image/svg+xml", filename)
    return _download(pictures.png(pics[name]), "image/png", filename)


@bp.get("/analytics/table/<name>.csv")
def table(name: str) -> Response:
    result = _result_or_abort()
    found = tables.tables(result)
    if name not in found:
        abort(404)
    return _download(tables.to_csv(found[name]).encode("utf-8"), "text/csv",
                     f"{_slug(result)}-{name}.csv")


@bp.get("/analytics/graph.<fmt>")
def graph(fmt: str) -> Response:
    if fmt not in gephi.FORMATS:
        abort(404)
    result = _result_or_abort()
    return _download(gephi.serialise(result["graph"], fmt), gephi.FORMATS[fmt], f"{_slug(result)}.{fmt}")


def _result_or_abort() -> dict[str, Any]:
    try:
        return _run(*_params())
    except queries.AmbiguousName:
        abort(400)
    except queries.QueryError:
        abort(404)


def _slug(result: dict[str, Any]) -> str:
    local = local_name(result["subject"]["iri"])
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in local)[:80] or "analytics"


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = attachment(filename)
    return resp
