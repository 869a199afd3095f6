"""Network analytics pages and exports, thin over kg.analytics (docs/analytics.md).

/analytics?actor=ID                  the page (network, school, person or artefact; ?people_only=1, ?topic=)
/api/analytics?actor=ID              the analysis as JSON (kg.analytics' documented shape)
/api/analytics/sociogram?actor=ID    its sociogram with groupings by school and community (the interactive picture)
/api/analytics/region                the whole-region measures, as precomputed (without actor: the form page)
/analytics?region=NAME               an ingested region as a whole (kg.analytics.region; empty NAME: the whole
                                     store); its JSON at /api/analytics?region=NAME, its overview picture and
                                     tables at /analytics/picture/overview.svg|.png and /analytics/table/NAME.csv
                                     with the same `region` argument (computed on request, cached per generation)
/analytics/picture/NAME.svg|.png     a picture (sociogram, depth, tree, curve)
/analytics/table/NAME.csv            a table
/analytics/graph.graphml|.gexf       the sociogram's graph, for Gephi

Every export takes the page's parameters and is computed in the request's view, so a public export
names hidden people only by their anonymous label. With KG_ANALYTICS_PRECOMPUTE (the default) the
analysis of a network or an artefact without `topic` is read from what kg.analytics.precompute stored
for the store generation: the page never waits; while the current generation is being computed it
shows the newest older result with its date, or "being computed", and such answers are `no-store`
(never kept by the page cache as the generation's answer). The app starts `kg analyse --precompute`
in the background when it sees a generation without results (`Precomputer`). Anything else (a person,
a school, topics asked) is computed on request and cached per store generation in an AnalyticsCache
owned by the app (app.extensions["analytics"]). Errors: 400 without `actor`, for an
ambiguous name (with its candidates) or an unknown topic; 404 for an unknown name, picture or table.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from kg.analytics import (
    AnalyticsCache,
    Interactive,
    UnknownRegion,
    analyse,
    analyse_region,
    gephi,
    pictures,
    precompute,
    region,
    region_base,
    sociogram,
    tables,
)
from kg.analytics.capital import DIMENSIONS
from kg.ingest.ownership import region_infos
from kg.sparql import queries
from kg.text import Strings, Text
from web import i18n
from web.context import kg
from web.i18n import lang
from web.pages import today
from web.security import download, file_stem, view

bp = Blueprint("analytics", __name__)

MAX_NAME = 500      # longer input cannot be a name or an IRI of this graph
MAX_TOPICS = 5      # topics asked at once for access to expertise (each is one search over the graph)


PRECOMPUTER = "analytics_precompute"
RETRY_SECONDS = 30  # the refresh hint of a "being computed" answer


@dataclass
class Precomputer:
    """Starts `kg analyse --precompute` when this process first sees a generation without stored
    results (and no job at work on it); one per app, the child is never waited for."""

    folder: Path
    environ: dict[str, str]
    today: str | None
    _seen: str | None = None
    _child: subprocess.Popen | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def notice(self, generation: str | None) -> None:
        if generation is None or generation == self._seen:
            return
        with self._lock:
            if generation == self._seen:
                return
            self._seen = generation
            if self._child is not None and self._child.poll() is None:
                return  # ours is at work: when done, it computes the generation that is current then
            if precompute.is_done(self.folder, generation) or precompute.is_running(self.folder, generation):
                return
            try:
                child = precompute.spawn(self.environ, self.today)
            except OSError as e:  # pages show what is stored; the next generation tries again
                current_app.logger.warning("kg analyse --precompute did not start: %s", e)
                return
            self._child = child
            threading.Thread(target=child.wait, daemon=True).start()  # reaped when it ends


def _precomputer(app: Flask) -> Precomputer:
    config = app.config
    spec = config["KG_STORE_URL"] or ""
    environ = {"KG_STORE_URL": spec, "KG_STORE": "" if spec else str(config["KG_STORE"]),
               "KG_STORE_UPDATE_URL": config["KG_STORE_UPDATE_URL"] or "",
               "KG_STORE_TIMEOUT": str(config["KG_STORE_TIMEOUT"]),
               "KG_STATE_DIR": str(config.get("KG_STATE_DIR") or app.extensions["kg"].store.state_dir())}
    return Precomputer(precompute.folder_of(app.extensions["kg"].store, config.get("KG_STATE_DIR")), environ,
                       config.get("KG_TODAY") or None)


@bp.record_once
def _install(state) -> None:
    state.app.extensions["analytics"] = AnalyticsCache()
    if state.app.config.get("KG_ANALYTICS_PRECOMPUTE"):
        state.app.extensions[PRECOMPUTER] = _precomputer(state.app)


@bp.before_app_request
def _notice_generation() -> None:
    """Start the precomputation of a generation this process has not seen (the snapshot's check: a
    readlink for a folder, at most once a second for a remote store)."""
    found = current_app.extensions.get(PRECOMPUTER)
    if found is None or request.endpoint in (None, "static", "pages.health"):
        return
    snapshot = kg().snapshot
    snapshot.refresh()
    found.notice(snapshot.generation)


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
    "an_table_keys": Text(nl="met kolomnamen voor scripts", en="with column names for scripts"),
    "an_formula": Text(nl="Hoe het berekend wordt", en="How it is computed"),
    "an_link": Text(nl="Netwerkanalyse", en="Network analysis"),
    "an_none_isolated": Text(nl="Niemand is geïsoleerd.", en="No one is isolated."),
    "an_broker_mark": Text(nl="makelaar", en="broker"),
    "an_isolated_mark": Text(nl="geïsoleerd", en="isolated"),
    "an_text_alt": Text(nl="Dezelfde gegevens als tabel", en="The same data as a table"),
    "an_table_scroll": Text(nl="Tabel; schuif opzij als hij breder is dan het scherm", en="Table; scroll sideways when it is wider than the screen"),
    "an_computed": Text(nl="Berekend op {at} (generatie {generation}).", en="Computed on {at} (generation {generation})."),
    "an_on_request": Text(nl="Nu berekend (generatie {generation}).", en="Computed now (generation {generation})."),
    "an_stale": Text(nl="Dit is de vorige berekening, van {at} (generatie {generation}); de analyse van de huidige "
                        "gegevens wordt berekend.",
                     en="This is the previous result, computed on {at} (generation {generation}); the analysis of "
                        "the current data is being computed."),
    "an_region": Text(nl="De hele regio", en="The whole region"),
    "an_unknown_region": Text(nl="Deze regio staat niet in de verzameling.", en="This store has no such region."),
    "an_region_brokers": Text(nl="Hoogste betweenness", en="Highest betweenness"),
    "an_region_networks": Text(nl="Netwerken: open of gesloten (E-I-index, dichtheid)",
                               en="Networks: open or closed (E-I index, density)"),
    "an_pending": Text(nl="Wordt berekend.", en="Being computed."),
    "an_refresh": Text(nl="De analyse van de huidige gegevens wordt op de achtergrond berekend; vernieuw deze pagina "
                          "over een minuut.",
                       en="The analysis of the current data is being computed in the background; refresh this page "
                          "in a minute."),
    "an_exact": Text(nl="Betweenness: exact berekend ({n} knopen).", en="Betweenness: exact ({n} nodes)."),
    "an_sampled": Text(nl="Betweenness: geschat uit {k} willekeurige bronknopen van {n} (fout hoogstens {bound} met "
                          "{confidence}% zekerheid).",
                       en="Betweenness: estimated from {k} sampled source nodes of {n} (error at most {bound} with "
                          "{confidence}% confidence)."),
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

# The region page (`/analytics?region=NAME`): figures, section titles with one sentence each, and
# the tables' headers, in the page's language; `ref` names the formula's section in docs/analytics.md.
REGION_TEXTS = Strings({
    "title": Text(nl="Regio {name}", en="Region {name}"),
    "everything": Text(nl="Alles in deze verzameling", en="Everything in this store"),
    "unknown": Text(nl="Deze regio staat niet in de verzameling. Regio's:", en="This store has no such region. Regions:"),
    "none": Text(nl="geen", en="none"),
    "formula": Text(nl="Hoe het berekend wordt", en="How it is computed"),
    "people": Text(nl="personen", en="people"),
    "artefacts": Text(nl="artefacten", en="artefacts"),
    "schools": Text(nl="scholen en andere organisaties met mensen", en="schools and other organisations with people"),
    "boards": Text(nl="besturen", en="boards"),
    "networks": Text(nl="netwerken", en="networks"),
    "nodes": Text(nl="actoren in het netwerk", en="actors in the graph"),
    "edges": Text(nl="verbonden paren", en="tied pairs"),
    "components": Text(nl="losse delen (componenten)", en="separate parts (components)"),
    "largest": Text(nl="grootste deel", en="largest part"),
    "isolated": Text(nl="geïsoleerde personen", en="isolated people"),
    "closed_schools": Text(nl="scholen zonder band met een andere school", en="schools without a tie to another school"),
    "ei_schools": Text(nl="E-I-index tussen scholen", en="E-I index between schools"),
    "ei_boards": Text(nl="E-I-index tussen besturen", en="E-I index between boards"),
    "overview_h": Text(nl="Overzicht per school", en="Overview by school"),
    "overview_p": Text(nl="Elke school is één punt, zo groot als het aantal mensen; een lijn verbindt scholen waarvan "
                          "mensen een band hebben. Rood gestippeld: een school zonder band met een andere school. "
                          "Klik in de tabel op een school voor haar eigen sociogram.",
                       en="Each school is one point, sized by its people; a line joins schools whose people are tied. "
                          "Dashed red: a school without a tie to another school. Click a school in the table for "
                          "its own sociogram."),
    "schools_h": Text(nl="Scholen: open of gesloten, en hun bereik", en="Schools: open or closed, and their reach"),
    "schools_p": Text(nl="Per school de banden binnen de school en met andere scholen (E-I-index: -1 alleen binnen, "
                         "+1 alleen naar buiten), hoeveel andere scholen en netwerken haar mensen bereiken, en wie "
                         "geïsoleerd is.",
                      en="Per school the ties inside and to other schools (E-I index: -1 inside only, +1 outside "
                         "only), how many other schools and networks its people reach, and who is isolated."),
    "brokers_h": Text(nl="Makelaars in de hele regio", en="Brokers across the region"),
    "brokers_p": Text(nl="De actoren met de hoogste betweenness: zij liggen op de meeste kortste paden tussen anderen. "
                         "Een lage constraint en een grote effectieve omvang betekenen een open, niet-redundant netwerk.",
                      en="The actors with the highest betweenness: they lie on most shortest paths between others. "
                         "Low constraint and a large effective size mean an open, non-redundant network."),
    "components_h": Text(nl="Losse delen buiten het grootste", en="Parts apart from the largest"),
    "components_p": Text(nl="Groepjes zonder enige band met de rest van de regio, grootste eerst (tot {n}).",
                         en="Groups without any tie to the rest of the region, largest first (up to {n})."),
    "isolated_h": Text(nl="Geïsoleerde personen", en="Isolated people"),
    "isolated_p": Text(nl="Mensen zonder enige band in de regio ({n} in totaal).",
                       en="People without any tie in the region ({n} in all)."),
    "networks_h": Text(nl="Netwerken: open of gesloten", en="Networks: open or closed"),
    "networks_p": Text(nl="Per netwerk van de regio zijn leden (met die van zijn deelnetwerken), de E-I-index en de dichtheid.",
                       en="Per network of the region its members (with those of its sub-networks), the E-I index and the density."),
    "region_link": Text(nl="De hele regio analyseren", en="Analyse the whole region"),
})
i18n.STRINGS.add({f"rg_{k}": REGION_TEXTS[k] for k in REGION_TEXTS})


@bp.app_template_global("an_header")
def an_header(key: str) -> str:
    """A measure's name in the page's language (kg.analytics.tables.HEADERS)."""
    return tables.header(key, lang())


@bp.app_template_global("an_tip")
def an_tip(key: str) -> str:
    """What a measure means, in the page's language; "" when it needs no explanation."""
    return tables.TIPS(key, lang()) if key in tables.TIPS else ""


@bp.app_template_global("an_value")
def an_value(code: str) -> str:
    """A coded value (a kind, position, level, dimension) in the page's language."""
    return tables.VALUES.get(code, lang(), code)


@bp.app_template_global("an_number")
def an_number(value: float) -> str:
    """A number as the analytics pages write it (a decimal comma in Dutch)."""
    return tables.number(value, lang())


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


def _region_name() -> str | None:
    """The `region` argument (stripped; "" is the whole store), or None when the request has none."""
    name = request.args.get("region")
    if name is None:
        return None
    if len(name) > MAX_NAME:
        abort(404)
    return name.strip()


def _region_analysis(name: str) -> tuple[dict[str, Any] | None, Computed]:
    """The region's analysis and where it came from: precomputed for the generation (or the previous
    one while it is computed; None while nothing is there yet), else computed now (the whole store,
    people only, a region the precomputation does not know). Raises UnknownRegion."""
    ctx = kg()
    generation, db = ctx.snapshot.current()
    people_only = request.args.get("people_only") == "1"
    folder = _stored()
    if folder is not None and name and not people_only:
        region_base(db, name)   # UnknownRegion before "being computed"
        found = precompute.region_lookup(folder, generation, view(), lang(), name)
        if found.state != precompute.ABSENT:
            return found.result, Computed(found.state, found.generation, found.computed_at)
    return analyse_region(db, name or None, view(), lang(), people_only, generation, _cache()), \
        Computed("request", generation)


def _region_or_abort() -> dict[str, Any] | None:
    """The region analysis for an export when the request names a region (404 if unknown, 503 while
    being computed), else None."""
    name = _region_name()
    if name is None:
        return None
    try:
        result, computed = _region_analysis(name)
    except UnknownRegion:
        abort(404)
    if result is None:
        abort(_being_computed())
    if not computed.final:
        g.kg_not_final = True
    return result


def _being_computed() -> Response:
    return _not_final(Response(i18n.t("an_refresh"), 503, {"Retry-After": str(RETRY_SECONDS)}, mimetype="text/plain"))


def _pending(resp: Response) -> Response:
    """`resp` as the answer while a result is being computed: 202, Retry-After, never cached."""
    resp.status_code = 202
    resp.headers["Retry-After"] = str(RETRY_SECONDS)
    return _not_final(resp)


def _run_sociogram(text: str, people_only: bool, topics: tuple[str, ...]) -> Interactive:
    ctx = kg()
    return sociogram(ctx.db(), text, None, view(), lang(), people_only, topics, today(), ctx.snapshot.generation,
                     _cache())


@dataclass(frozen=True)
class Computed:
    """Where an answer came from: `state` ready (stored for the current generation), stale (stored
    for an older one, the current one being computed), computing (nothing yet) or request (computed
    now); the generation it describes and when it was computed."""

    state: str
    generation: str | None = None
    at: str | None = None
    pictures: dict[str, str] | None = None  # stored with the result: drawing a big sociogram takes seconds

    @property
    def final(self) -> bool:
        """The answer of the current generation (the page cache may keep it)."""
        return self.state in (precompute.READY, "request")

    def json(self) -> dict[str, Any]:
        return {"state": self.state, "generation": self.generation, "at": self.at}


def _analysis(text: str, people_only: bool, topics: tuple[str, ...]) -> tuple[dict[str, Any] | None, Computed]:
    """The analysis and where it came from; None while it is being computed. Raises
    queries.QueryError (unknown or ambiguous name, unknown topic)."""
    ctx = kg()
    generation, db = ctx.snapshot.current()
    folder = _stored()
    if folder is not None and not topics:
        index = ctx.indexed(generation, db)
        iri = queries.resolve_actor(db, text, view(), index.namer(generation) if index else None).value
        found = precompute.lookup(folder, generation, view(), lang(), iri, people_only)
        if found.state in (precompute.READY, precompute.STALE):
            pics = precompute.stored_pictures(folder, found, view(), lang(), people_only)
            return found.result, Computed(found.state, found.generation, found.computed_at, pics)
        if found.state == precompute.PENDING:
            return None, Computed(found.state)
    return _run(text, people_only, topics), Computed("request", generation)


def _region() -> tuple[dict[str, Any] | None, str | None]:
    """The whole-region summary for the form page, and its state (None: precomputation off)."""
    folder = _stored()
    if folder is None:
        return None, None
    found = precompute.region_file(folder, _generation(), view(), lang())
    if found.result is None:
        return None, found.state
    summary = found.result
    computed = Computed(found.state, found.generation, found.computed_at)
    figures = [("nodes", summary["nodes"]), ("edges", summary["edges"]), ("people", summary["people"]),
               ("artefacts", summary["artefacts"]), ("mean_degree", summary["degree"]["mean"]),
               ("components", summary["components"]["components"]), ("largest", summary["components"]["largest"]),
               ("k_max", summary["k_core"]["k_max"])]
    return {"result": summary, "state": found.state, "generation": found.generation, "figures": figures,
            "lines": _computed_lines(summary, computed)}, found.state


def _generation() -> str | None:
    ctx = kg()
    ctx.snapshot.refresh()
    return ctx.snapshot.generation


def _stored() -> Path | None:
    """The precomputed results' folder, or None (KG_ANALYTICS_PRECOMPUTE off)."""
    found = current_app.extensions.get(PRECOMPUTER)
    return found.folder if found is not None else None


def _not_final(resp: Response) -> Response:
    """An answer that is not the current generation's: no cache may keep it (web.cache honours this)."""
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _when(at: str | None) -> str:
    """`2026-12-07T07:49:22+00:00` as `2026-12-07 07:49 UTC`."""
    if not at:
        return "-"
    return at[:10] + " " + at[11:16] + " UTC" if len(at) >= 16 else at


def _computed_lines(result: dict[str, Any], computed: Computed) -> list[str]:
    """The page's note on when and how it was computed (nl/en)."""
    lines = []
    if computed.state == precompute.STALE:
        lines.append(i18n.t("an_stale", at=_when(computed.at), generation=computed.generation or "-"))
    elif computed.state == precompute.READY:
        lines.append(i18n.t("an_computed", at=_when(computed.at), generation=computed.generation or "-"))
    else:
        lines.append(i18n.t("an_on_request", generation=computed.generation or "-"))
    method = result.get("betweenness_method") or {}
    if method.get("method") == "sampled":
        lines.append(i18n.t("an_sampled", k=method["pivots"], n=method["nodes"],
                            bound=f"{method['error_bound']:.3f}", confidence=round(100 * method["confidence"])))
    elif method:
        lines.append(i18n.t("an_exact", n=method["nodes"]))
    return lines


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
    """The analysis with `computed` (where it came from); 202 while it is being computed. With
    `region` instead of `actor`: the region's analysis (404 with the store's regions when unknown)."""
    name = _region_name()
    if name is None:
        return _api(_analysis)
    try:
        result, computed = _region_analysis(name)
    except UnknownRegion as e:
        return jsonify({"error": "unknown region", "region": name, "regions": e.known,
                        "message": i18n.both("an_unknown_region")}), 404
    if result is None:
        return _pending(jsonify({"computed": computed.json(), "region": name, "message": i18n.both("an_refresh")}))
    resp = jsonify({**result, "computed": computed.json()})
    return resp if computed.final else _not_final(resp)


@bp.get("/api/analytics/sociogram")
def api_sociogram() -> Response | tuple[Response, int]:
    """The sociogram with its groupings (kg.analytics.aggregate.Interactive), in the request's view."""
    return _api(lambda *params: (_run_sociogram(*params), None))


def _api(compute: Callable[[str, bool, tuple[str, ...]], tuple[Any, Computed | None]]) -> Response | tuple[Response, int]:
    """`compute(*params)` as JSON (with `computed` when it says where the answer came from), or the
    error: 400 without an actor or for an ambiguous name, 404; 202 while being computed."""
    text = request.args.get("actor", "").strip()
    if not text or len(text) > MAX_NAME:
        return jsonify({"error": "missing actor", "message": i18n.both("an_missing")}), 400
    try:
        result, computed = compute(*_params())
    except queries.QueryError as e:
        key, status, candidates = _problem(e)
        body: dict[str, Any] = {"error": key.removeprefix("an_"), "actor": text, "message": i18n.both(key)}
        if candidates:
            body["candidates"] = candidates
        return jsonify(body), status
    if computed is None:
        return jsonify(result)
    if result is None:
        return _pending(jsonify({"computed": computed.json(), "actor": text, "message": i18n.both("an_refresh")}))
    resp = jsonify({**result, "computed": computed.json()})
    return resp if computed.final else _not_final(resp)


@bp.get("/api/analytics/region")
def api_region() -> Response:
    """The whole-region summary (kg.analytics.precompute.region_summary) with `computed`; 202 while
    being computed, 404 with KG_ANALYTICS_PRECOMPUTE off."""
    folder = _stored()
    if folder is None:
        abort(404)
    found = precompute.region_file(folder, _generation(), view(), lang())
    computed = Computed(found.state, found.generation, found.computed_at)
    if found.result is None:
        return _pending(jsonify({"computed": computed.json(), "message": i18n.both("an_refresh")}))
    resp = jsonify({**found.result, "computed": computed.json()})
    return resp if computed.final else _not_final(resp)


@bp.get("/analytics")
def analytics_page() -> str | tuple[str, int] | Response:
    if _region_name() is not None:
        return _region_page()
    text = request.args.get("actor", "").strip()
    if not text:
        region, state = _region()
        resp = make_response(render_template("analytics.html", text="", result=None, problem=None, pending=False,
                                             region=region, region_pending=state == precompute.PENDING,
                                             regions=sorted(region_infos(kg().db()))))
        return resp if state in (precompute.READY, None) else _not_final(resp)
    try:
        result, computed = _analysis(*_params())
    except queries.QueryError as e:
        key, status, candidates = _problem(e)
        return render_template("analytics.html", text=text, result=None, problem=key, candidates=candidates,
                               pending=False, region=None, region_pending=False), status
    if result is None:
        resp = make_response(render_template("analytics.html", text=text, result=None, problem=None, pending=True,
                                             region=None, region_pending=False))
        resp.headers["Retry-After"] = str(RETRY_SECONDS)
        return _not_final(resp)
    lg = lang()
    pics = {name: Markup(svg) for name, svg in (computed.pictures or pictures.pictures(result, lg)).items()}
    args = _export_args(result)
    found = tables.tables(result)
    resp = make_response(render_template(
        "analytics.html", text=text, result=result, problem=None, pending=False, region=None, region_pending=False,
        pics=pics, tables=found, shown={n: tables.shown(n, tb, lg) for n, tb in found.items()},
        dimensions=DIMENSIONS, computed=computed, computed_lines=_computed_lines(result, computed),
        picture_urls={n: {f: url_for("analytics.picture", name=n, fmt=f, **args) for f in ("svg", "png")} for n in pics},
        table_urls={n: url_for("analytics.table", name=n, **args) for n in found},
        graph_urls={f: url_for("analytics.graph", fmt=f, **args) for f in gephi.FORMATS},
        json_url=url_for("analytics.api_analytics", **args),
        sociogram_url=url_for("analytics.api_sociogram", **args),
        sociogram_texts={k: SOCIOGRAM_TEXTS(k, lg) for k in SOCIOGRAM_TEXTS},
        people_only_url=url_for("analytics.analytics_page", **{**args, "people_only": "0" if result["people_only"] else "1"})))
    return resp if computed.final else _not_final(resp)


def _region_page() -> str | tuple[str, int] | Response:
    name = _region_name() or ""
    try:
        result, computed = _region_analysis(name)
    except UnknownRegion as e:
        return render_template("analytics_region.html", name=name, result=None, known=e.known, pending=False), 404
    if result is None:
        resp = make_response(render_template("analytics_region.html", name=name, result=None, known=None,
                                             pending=True))
        resp.headers["Retry-After"] = str(RETRY_SECONDS)
        return _not_final(resp)
    lg = lang()
    args = {"region": name, "lang": lg, **({"people_only": "1"} if result["people_only"] else {})}
    pics = {n: Markup(svg) for n, svg in region.pictures(result, lg).items()}
    resp = make_response(render_template(
        "analytics_region.html", name=name, result=result, known=None, pending=False, pics=pics,
        figures=region.figures(result), computed_lines=_computed_lines(result, computed), computed_state=computed.state,
        picture_urls={n: {f: url_for("analytics.picture", name=n, fmt=f, **args) for f in ("svg", "png")} for n in pics},
        table_urls={n: url_for("analytics.table", name=n, **args) for n in region.TABLES},
        json_url=url_for("analytics.api_analytics", **args),
        people_only_url=url_for("analytics.analytics_page", **{**args, "people_only": "0" if result["people_only"] else "1"})))
    return resp if computed.final else _not_final(resp)


@bp.get("/analytics/picture/<name>.<fmt>")
def picture(name: str, fmt: str) -> Response:
    if fmt not in ("svg", "png"):
        abort(404)
    whole = _region_or_abort()
    if whole is not None:
        result, pics = whole, region.pictures(whole, lang())
    else:
        result, computed = _result_or_abort()
        pics = computed.pictures or pictures.pictures(result, lang())
    if name not in pics:
        abort(404)
    filename = f"{_slug(result)}-{name}.{fmt}"
    if fmt == "svg":
        return _download(pics[name].encode("utf-8"), "image/svg+xml", filename)
    return _download(pictures.png(pics[name]), "image/png", filename)


@bp.get("/analytics/table/<name>.csv")
def table(name: str) -> Response:
    whole = _region_or_abort()
    if whole is not None:
        result, found = whole, region.tables(whole)
    else:
        result, _ = _result_or_abort()
        found = tables.tables(result)
    if name not in found:
        abort(404)
    body = tables.to_csv(found[name]) if request.args.get("header") == "keys" else \
        tables.to_labelled_csv(found[name], lang())
    return _download(body.encode("utf-8"), "text/csv", f"{_slug(result)}-{name}.csv")


@bp.get("/analytics/graph.<fmt>")
def graph(fmt: str) -> Response:
    if fmt not in gephi.FORMATS:
        abort(404)
    result, _ = _result_or_abort()
    return _download(gephi.serialise(result["graph"], fmt, result["subject"]["label"], today()), gephi.FORMATS[fmt],
                     f"{_slug(result)}.{fmt}")


def _result_or_abort() -> tuple[dict[str, Any], Computed]:
    """The analysis for an export; 503 with Retry-After while it is being computed."""
    try:
        result, computed = _analysis(*_params())
    except queries.AmbiguousName:
        abort(400)
    except queries.QueryError:
        abort(404)
    if result is None:
        abort(_being_computed())
    if not computed.final:
        g.kg_not_final = True
    return result, computed


def _slug(result: dict[str, Any]) -> str:
    if result["kind"] == "region":
        return "region-" + file_stem(result["region"]["name"] or "", "all")
    return file_stem(result["subject"]["iri"], "analytics")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    resp = download(data, mimetype, filename)
    return _not_final(resp) if g.get("kg_not_final") else resp
