"""HTML pages: home, one page type for every actor (/doc/<local>), relation nodes, other IRIs,
and the error pages. Every view calls kg functions; no SPARQL text lives here."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from kg import __version__
from kg.answers import actors, boundary
from kg.ingest import edit
from kg.model.namespaces import CKG, ONTOLOGY_IRI, VOCAB
from kg.pictures import actors as pictures
from kg.sparql import queries
from kg.text import Text
from web import i18n
from web.context import kg
from web.i18n import lang
from web.security import view
from web.urls import external_url, page_url

bp = Blueprint("pages", __name__)

i18n.STRINGS.add({
    "home_title": Text(nl="Wie leert met wie, en hoe reizen ideeën?",
                       en="Who learns with whom, and how do ideas travel?"),
    "home_intro": Text(nl="Connective KG is een kennisgraaf van lerende netwerken van leraren: wie weet wat, wie werkt met "
                          "wie en hoe intensief, hoe kijkwijzers en ander materiaal van school naar school gaan en via wie, "
                          "en waar groepen geïsoleerd raken. Mensen én dingen zijn actoren: een kijkwijzer kan lid zijn van "
                          "een PLG, een verbinding tussen leraren dragen en door een school worden overgenomen.",
                       en="Connective KG is a knowledge graph of teacher learning networks: who knows what, who works with "
                          "whom and how intensely, how observation guides and other materials travel from school to school "
                          "and through whom, and where groups become isolated. People and things are both actors: an "
                          "observation guide can be a member of a PLG, carry a tie between teachers and be adopted by a school."),
    "home_start": Text(nl="Begin hier", en="Start here"),
    "home_search_hint": Text(nl="Of zoek hierboven naar een persoon, school, netwerk, artefact of thema.",
                             en="Or search above for a person, school, network, artefact or topic."),
    "entry_who_knows": Text(nl="Wie weet iets van W&T én digitale geletterdheid?",
                            en="Who knows about W&T and digital literacy?"),
    "entry_who_knows_sub": Text(nl="Mensen, artefacten en netwerken met het bewijs erbij.",
                                en="People, artefacts and networks, with the evidence."),
    "entry_trace": Text(nl="Hoe verspreidde de {a} zich?", en="How did the {a} spread?"),
    "entry_trace_sub": Text(nl="Van school naar school, via welke makelaar en welk netwerk (olievlekwerking).",
                            en="From school to school, through which broker and which network (oil-spot effect)."),
    "entry_network": Text(nl="{a}: van 4 naar 30 deelnemers", en="{a}: from 4 to 30 participants"),
    "entry_network_sub": Text(nl="Groei, kern en periferie, thema's, budget en uren.",
                              en="Growth, core and periphery, themes, budget and hours."),
    "entry_team": Text(nl="{a}: de geïsoleerde kleuterleerkrachten (Bijlage 2)",
                       en="{a}: the isolated early-years teachers (Appendix 2)"),
    "entry_team_sub": Text(nl="Een sociale-netwerkanalyse van één schoolteam.",
                           en="A social network analysis of one school team."),
    "in_numbers": Text(nl="In cijfers", en="In numbers"),
    "all_types": Text(nl="Alle soorten actoren en relaties", en="All kinds of actors and relations"),
    "kinds_person": Text(nl="personen", en="people"),
    "kinds_artefact": Text(nl="artefacten", en="artefacts"),
    "kinds_organisation": Text(nl="organisaties", en="organisations"),
    "kinds_network": Text(nl="netwerken", en="networks"),
    "relations": Text(nl="Relaties", en="Relations"),
    "relation": Text(nl="relatie", en="relation"),
    "types": Text(nl="Soort", en="Kind"),
    "key_facts": Text(nl="Kerngegevens", en="Key facts"),
    "neighbourhood": Text(nl="Netwerk rondom", en="Network around"),
    "neighbourhood_all": Text(nl="Alle {n} direct verbonden actoren", en="All {n} directly related actors"),
    "memberships": Text(nl="Lidmaatschappen", en="Memberships"),
    "ties": Text(nl="Verbindingen", en="Ties"),
    "artefacts": Text(nl="Artefacten", en="Artefacts"),
    "adoptions": Text(nl="Adopties", en="Adoptions"),
    "crossings": Text(nl="Grensoverschrijdingen", en="Boundary crossings"),
    "agreements": Text(nl="Afspraken", en="Agreements"),
    "none": Text(nl="Geen.", en="None."),
    "network_col": Text(nl="Netwerk", en="Network"),
    "role": Text(nl="Rol", en="Role"),
    "level": Text(nl="Niveau", en="Level"),
    "period": Text(nl="Periode", en="Period"),
    "hours": Text(nl="Uren per jaar", en="Hours a year"),
    "motivation": Text(nl="Motivatie", en="Motivation"),
    "now": Text(nl="nu", en="now"),
    "with": Text(nl="Met", en="With"),
    "depth": Text(nl="Diepte", en="Depth"),
    "strength": Text(nl="Kracht", en="Strength"),
    "strength_help": Text(nl="kracht = nabijheid × contacten per maand", en="strength = closeness × contacts per month"),
    "trust": Text(nl="Vertrouwen", en="Trust"),
    "topic": Text(nl="Onderwerp", en="Topic"),
    "year": Text(nl="Schooljaar", en="School year"),
    "via_artefact": Text(nl="Via artefact", en="Through artefact"),
    "mediated_ties": Text(nl="Verbindingen via dit artefact", en="Ties through this artefact"),
    "between": Text(nl="Tussen", en="Between"),
    "direction_out": Text(nl="genoemd door deze actor", en="reported by this actor"),
    "direction_in": Text(nl="genoemd door de ander", en="reported by the other"),
    "date": Text(nl="Datum", en="Date"),
    "part": Text(nl="Rol hierin", en="Part"),
    "artefact": Text(nl="Artefact", en="Artefact"),
    "adopter": Text(nl="School", en="Adopter"),
    "source": Text(nl="Van", en="From"),
    "broker": Text(nl="Makelaar", en="Broker"),
    "network": Text(nl="Netwerk", en="Network"),
    "adapted_copy": Text(nl="Aangepaste kopie", en="Adapted copy"),
    "mechanism": Text(nl="Mechanisme", en="Mechanism"),
    "crossings_by_mechanism": Text(nl="Per leermechanisme", en="By learning mechanism"),
    "crossings_count": Text(nl="Aantal", en="Number"),
    "crosser": Text(nl="Grensganger", en="Crosser"),
    "from": Text(nl="Van", en="From"),
    "to": Text(nl="Naar", en="To"),
    "produced": Text(nl="Opgeleverd", en="Produced"),
    "description": Text(nl="Beschrijving", en="Description"),
    "kind": Text(nl="Soort", en="Kind"),
    "agreement": Text(nl="Afspraak", en="Agreement"),
    "via": Text(nl="Via", en="Through"),
    "see_trace": Text(nl="Bekijk hoe dit artefact zich verspreidde", en="See how this artefact spread"),
    "data_as": Text(nl="Gegevens als", en="Data as"),
    "members_over_time": Text(nl="Leden door de tijd", en="Members over time"),
    "growth_table": Text(nl="Groei per schooljaar als tabel", en="Growth per school year as a table"),
    "joined": Text(nl="Erbij", en="Joined"),
    "left": Text(nl="Vertrokken", en="Left"),
    "members_at_end": Text(nl="Leden aan het eind", en="Members at the end"),
    "core_periphery": Text(nl="Kern en periferie", en="Core and periphery"),
    "members_on": Text(nl="Leden op {d}", en="Members on {d}"),
    "level_core": Text(nl="Kern", en="Core"),
    "level_active": Text(nl="Actief", en="Active"),
    "level_peripheral": Text(nl="Periferie", en="Periphery"),
    "level_none": Text(nl="Zonder niveau", en="No level"),
    "network_figures": Text(nl="Het netwerk in cijfers", en="The network in numbers"),
    "members_now": Text(nl="Leden nu", en="Members now"),
    "themes": Text(nl="Thema's", en="Themes"),
    "budget": Text(nl="Budget per jaar", en="Budget a year"),
    "hours_per_participant": Text(nl="Uren per deelnemer", en="Hours per participant"),
    "hours_total": Text(nl="Uren van de leden samen (per jaar)", en="Members' hours together (a year)"),
    "funders": Text(nl="Financiers", en="Funders"),
    "meetings": Text(nl="Bijeenkomsten per jaar", en="Meetings a year"),
    "openness": Text(nl="Openheid (E-I-index)", en="Openness (E-I index)"),
    "openness_help": Text(nl="−1 = alle verbindingen binnen het netwerk (gesloten), +1 = alle naar buiten (open)",
                          en="−1 = all ties inside the network (closed), +1 = all outside (open)"),
    "property": Text(nl="Eigenschap", en="Property"),
    "value": Text(nl="Waarde", en="Value"),
    "relation_node": Text(nl="Relatie", en="Relation"),
    "relation_intro": Text(nl="Een relatie met eigenschappen (een knoop in de graaf).",
                           en="A relation with properties (a node in the graph)."),
    "not_found_text": Text(nl="Deze pagina bestaat niet (of is niet openbaar).",
                           en="This page does not exist (or is not public)."),
    "not_found_iri": Text(nl="Over dit adres heeft deze graaf geen gegevens.",
                          en="This graph holds no data about this address."),
    "server_error": Text(nl="Er ging iets mis", en="Something went wrong"),
    "server_error_text": Text(nl="De server kon dit verzoek niet afhandelen. Probeer het later opnieuw.",
                              en="The server could not handle this request. Please try again later."),
    "back_home": Text(nl="Naar de startpagina", en="Back to the home page"),
    "skip": Text(nl="Naar de inhoud", en="Skip to content"),
    "kind_person": Text(nl="persoon", en="person"),
    "kind_artefact": Text(nl="artefact", en="artefact"),
    "kind_organisation": Text(nl="organisatie", en="organisation"),
    "kind_network": Text(nl="netwerk", en="network"),
    "kind_collective": Text(nl="collectieve actor", en="collective actor"),
    "kind_actor": Text(nl="actor", en="actor"),
    "kind_relation": Text(nl="relatie", en="relation"),
    "kind_other": Text(nl="bron", en="resource"),
    "legend": Text(nl="Legenda", en="Legend"),
    "picture_scroll": Text(nl="Afbeelding; schuif opzij op een smal scherm", en="Picture; scroll sideways on a narrow screen"),
    "internal_only": Text(nl="alleen intern zichtbaar", en="visible internally only"),
})


def today() -> str:
    """KG_TODAY (YYYY-MM-DD, e.g. the sample's 2026-11-25) or the real date."""
    value = str(current_app.config.get("KG_TODAY") or "")
    return value if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else dt.date.today().isoformat()


@bp.app_template_global("page_url")
def page_url_global(iri: str) -> str:
    """The page of an IRI on this server (templates: `page_url(iri)`)."""
    return page_url(iri, kg().base_iri)


@bp.app_template_global("lang_url")
def lang_url(to: str) -> str:
    """This page in another language, keeping its path and parameters."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [to]
    if request.endpoint and request.url_rule is not None and request.method == "GET":
        try:
            return url_for(request.endpoint, **(request.view_args or {}), **args)
        except BuildError:  # an endpoint that cannot be rebuilt: fall back to the query string
            pass
    return "?lang=" + to


@bp.app_template_global("link_url")
def link_url(iri: str | None) -> str | None:
    """Where a link to an IRI goes: this server's page for data, vocabulary and ontology IRIs,
    the IRI itself for other http(s) IRIs (an external link), nothing for anything else."""
    if not iri:
        return None
    base = kg().base_iri
    if (base and iri.startswith(base)) or iri.startswith((VOCAB, CKG)) or iri == ONTOLOGY_IRI:
        return page_url(iri, base)
    return external_url(iri)


@bp.app_template_filter("num")
def num(value: Any) -> str:
    """2000.0 -> 2000, 0.3333 -> 0.33; None -> empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


@bp.app_template_filter("period")
def period(item: dict[str, Any]) -> str:
    begin, end = item.get("begin"), item.get("end")
    if not begin and not end:
        return ""
    return f"{begin or '?'} – {end or i18n.t('now')}"


def swatch(kind: str) -> Markup:
    """A kind's legend mark for the templates (kg.pictures draws it; it holds no text)."""
    return Markup(pictures.swatch(kind))


def kind_labels() -> dict[str, str]:
    return {k: i18n.t("kind_" + k) for k in ("person", "artefact", "organisation", "network", "collective", "actor")}


@bp.get("/health")
def health() -> Response:
    """For load balancers and monitoring: 200 {"status": "ok", "version"} while the process serves;
    reads nothing from the store, so it answers while queries run."""

    return jsonify({"status": "ok", "version": __version__})


@bp.get("/")
def home() -> str:
    ctx = kg()
    generation, db = ctx.snapshot.current()
    v, lg = view(), lang()
    index = ctx.indexed(generation, db)
    counts = actors.overview(db, v, lg, index.counts(generation, v) if index is not None else None)
    entries = _entries(db, ctx.base_iri, v, lg)
    by_type = {a["type"]: a["count"] for a in counts["actors"]}
    key_counts = [(kind, by_type.get(CKG + cls, 0)) for kind, cls in
                  (("person", "Person"), ("artefact", "Artefact"), ("organisation", "Organisation"), ("network", "Network"))]
    return render_template("home.html", actors=[(a["label"], a["count"]) for a in counts["actors"]],
                           relations=counts["relations"], graphs=counts["graphs"], entries=entries, key_counts=key_counts,
                           kinds=kind_labels(), swatch=swatch, generation=generation)


def _entries(db, base: str, v: str, lg: str) -> list[dict[str, str]]:
    """The home page's entry points; those about the Twente sample only when the store has them."""
    out = [{"id": "entry-who-knows", "title": i18n.t("entry_who_knows"), "sub": i18n.t("entry_who_knows_sub"),
            "url": url_for("finder.who_knows_page", topic=["W&T", "digitale geletterdheid"])
            if "finder.who_knows_page" in current_app.view_functions
            else "/who-knows?topic=W%26T&topic=digitale+geletterdheid"}]
    out.append({"id": "entry-boundary-objects", "title": i18n.t("entry_boundary_objects"),
                "sub": i18n.t("entry_boundary_objects_sub"), "url": url_for("boundary.boundary_objects_page")})
    for key, local, target in (("trace", "a-kijkwijzer-ol", "trace"), ("network", "n-plg-wt", "page"),
                               ("team", "n-team-de-esch", "page")):
        prof = actors.profile(db, base + local, v, lg)
        if prof is None:
            continue
        name = prof["label"][:1].lower() + prof["label"][1:] if key == "trace" else prof["label"]
        url = (url_for("trace.trace_page", artefact=local) if target == "trace"
               else page_url(base + local, base))
        out.append({"id": "entry-" + key, "title": i18n.t("entry_" + key, a=name),
                    "sub": i18n.t("entry_" + key + "_sub"), "url": url})
    return out


def render_document(local: str) -> str | Response | None:
    """The HTML page of the data entity `{KG_BASE_IRI}{local}`: one layout for every actor
    (person, artefact, organisation, network), a generic page for relation nodes; None when the
    view knows nothing about it."""
    return _render_resource(kg().base_iri + local, local)


@bp.get("/resource")
def resource() -> str | Response:
    """The page of an IRI outside the data namespace, when the graph has data about it."""
    iri = request.args.get("iri", "")
    if not iri or len(iri) > 2000:
        abort(404)
    return _render_resource(iri, None) or not_found_page(iri)


def _render_resource(iri: str, local: str | None) -> str | Response | None:
    db = kg().db()
    v, lg = view(), lang()
    try:
        page = actors.actor_page(db, iri, v, lg, today())
    except queries.QueryError:  # not a valid IRI
        page = None
    if page is None:
        return None
    url = lambda target: page_url(target, kg().base_iri)  # noqa: E731
    record = edit.record_of(db, iri) if v == "internal" else None  # staff may edit a region's row
    stored = request.args.get("stored", "") if v == "internal" else ""
    stored = stored if stored.isdigit() else ""
    if page["generic"]:
        return render_template("resource.html", page=page, actor=page["actor"], local=local, record=record,
                               stored=stored)
    actor = page["actor"]
    kinds = kind_labels()
    pics = {"neighbourhood": Markup(pictures.neighbourhood_svg(actor, page["neighbours"], lg, url, kinds))}
    if "network" in page and page["network"]["growth"]:
        pics["growth"] = Markup(pictures.growth_svg(actor, page["network"]["growth"], lg))
    boundary_objects = boundary.in_network(db, iri, v, lg) if "network" in page else None
    return render_template("actor.html", page=page, actor=actor, local=local, pics=pics, kinds=kinds,
                           swatch=swatch, facts_by={f["property"]: f for f in page["facts"]}, ckg=CKG,
                           strings=i18n.STRINGS, boundary_objects=boundary_objects, record=record, stored=stored)


def not_found_page(iri: str | None = None) -> Response:
    resp = Response(render_template("error.html", code=404, title=i18n.t("not_found"),
                                    text=i18n.t("not_found_text"), iri=iri, other=None), 404, mimetype="text/html")
    return resp


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"


@bp.app_errorhandler(404)
def handle_404(e: HTTPException) -> Response:
    if _wants_json():
        return jsonify({"error": "not found", "message": i18n.both("not_found")}), 404
    return not_found_page()


@bp.app_errorhandler(500)
def handle_500(e: Exception) -> Response:
    if _wants_json():
        return jsonify({"error": "server error", "message": i18n.both("server_error")}), 500
    return Response(render_template("error.html", code=500, title=i18n.t("server_error"),
                                    text=i18n.t("server_error_text"), iri=None, other=None), 500,
                    mimetype="text/html")
