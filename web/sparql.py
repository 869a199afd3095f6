"""The SPARQL 1.1 Protocol endpoint at /sparql (read-only), its service description and editor.

- `GET /sparql?query=...`, `POST` with `application/x-www-form-urlencoded`
  (`query=...`) or with `application/sparql-query` (the query as the body);
  `default-graph-uri` / `named-graph-uri` choose graphs of the caller's view.
- Results by `Accept` (q-values honoured, web.negotiation): SELECT/ASK as SPARQL JSON, XML,
  CSV, TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD, RDF/XML; 406
  lists what is available.
- No query: the service description (Turtle, N-Triples, JSON-LD, RDF/XML),
  or the YASGUI editor when the client prefers HTML.
- Every query is checked by kg.sparql.guard before anything runs and then
  runs in a worker process (kg.sparql.worker) with the deadline
  (KG_QUERY_DEADLINE) and the row cap (KG_ROW_CAP).

Status codes: 200; 400 malformed request or refused query (syntax, several
or no `query`, wrong media type, update, SERVICE, LOAD, FROM outside the
dataset, bad graph parameter, not UTF-8, a function the engine lacks); 406 no acceptable format; 413 query
longer than KG_QUERY_MAX_CHARS or body over MAX_CONTENT_LENGTH; 422 result
over the row cap; 429 the client already runs KG_QUERY_PER_CLIENT queries (with Retry-After);
503 deadline, memory limit or all workers busy. Errors are
plain text or JSON (by `Accept`), in Dutch and English. docs/sparql.md has
the details. No SPARQL text lives here: queries come from the client or from
kg/sparql/named/*.rq.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from kg.sparql import queries
from kg.sparql import service as sd
from kg.sparql.guard import QueryRefused, check_query
from kg.sparql.worker import Answer, QueryFailed, Request
from kg.store import view_graphs
from kg.text import BilingualError, Text
from web import i18n, negotiation
from web.context import KGContext, kg
from web.security import client, shared_state, view
from web.urls import public_url

bp = Blueprint("sparql", __name__)

DEFAULT_MAX_QUERY_CHARS = 100_000

# Offered media type -> the worker's format (first = default for */* or no Accept).
SELECT_TYPES = {
    "application/sparql-results+json": "application/sparql-results+json",
    "application/json": "application/sparql-results+json",
    "application/sparql-results+xml": "application/sparql-results+xml",
    "application/xml": "application/sparql-results+xml",
    "text/csv": "text/csv",
    "text/tab-separated-values": "text/tab-separated-values",
    "text/xml": "application/sparql-results+xml",
}
GRAPH_TYPES = {
    "text/turtle": "text/turtle",
    "application/x-turtle": "text/turtle",
    "application/n-triples": "application/n-triples",
    "application/ld+json": "application/ld+json",
    "application/json": "application/ld+json",
    "application/rdf+xml": "application/rdf+xml",
    "application/xml": "application/rdf+xml",
}
DESCRIPTION_TYPES = {
    "text/turtle": "text/turtle",
    "application/x-turtle": "text/turtle",
    "application/n-triples": "application/n-triples",
    "application/ld+json": "application/ld+json",
    "application/json": "application/ld+json",
    "application/rdf+xml": "application/rdf+xml",
}
ERROR_TYPES = ("text/plain", "application/json")
STATUS = {"syntax": 400, "unsupported": 400, "format": 406, "rows": 422, "deadline": 503, "memory": 503, "busy": 503, "error": 500}

i18n.STRINGS.add({
    "sparql_title": Text(nl="SPARQL-endpoint", en="SPARQL endpoint"),
    "sparql_intro": Text(nl="Stel je eigen vragen aan de kennisgraaf in SPARQL. Het endpoint is alleen-lezen en volgt het "
                            "SPARQL 1.1-protocol, dus ook programma's (curl, SPARQLWrapper, rdflib) kunnen het gebruiken.",
                         en="Ask the knowledge graph your own questions in SPARQL. The endpoint is read-only and follows the "
                            "SPARQL 1.1 Protocol, so programs (curl, SPARQLWrapper, rdflib) can use it too."),
    "sparql_view_public": Text(nl="Je ziet de openbare gegevens: mensen zonder openbare toestemming verschijnen als anonieme rol.",
                               en="You see the public data: people without public consent appear as an anonymous role."),
    "sparql_view_internal": Text(nl="Je bent ingelogd: je ziet alle gegevens.",
                                 en="You are signed in: you see all data."),
    "sparql_limits": Text(nl="Elke query stopt na {deadline} seconden en mag hoogstens {rows} rijen opleveren. "
                             "Niet toegestaan: wijzigingen, SERVICE, LOAD en FROM met grafen buiten deze dataset.",
                          en="Each query stops after {deadline} seconds and may return at most {rows} rows. "
                             "Not allowed: updates, SERVICE, LOAD and FROM with graphs outside this dataset."),
    "sparql_editor": Text(nl="Query-editor", en="Query editor"),
    "sparql_noscript": Text(nl="De editor heeft JavaScript nodig. Zonder JavaScript kun je hieronder een query versturen.",
                            en="The editor needs JavaScript. Without JavaScript you can send a query below."),
    "sparql_query": Text(nl="Query", en="Query"),
    "sparql_run": Text(nl="Uitvoeren", en="Run"),
    "sparql_examples": Text(nl="Voorbeelden: de benoemde queries", en="Examples: the named queries"),
    "sparql_examples_intro": Text(nl="Dit zijn de queries achter de pagina's van deze site. Hun parameters (zoals ?topic) worden daar "
                                     "ingevuld; vervang ze hier zelf door een waarde, gebruik kg query NAAM, of vraag het antwoord "
                                     "met parameters op bij /api/queries/NAAM (JSON, CSV of TSV).",
                                  en="These are the queries behind the pages of this site. Their parameters (such as ?topic) are filled "
                                     "in there; replace them here with a value yourself, use kg query NAME, or ask /api/queries/NAME "
                                     "for the answer with parameters (JSON, CSV or TSV)."),
    "sparql_open": Text(nl="Open in de editor", en="Open in the editor"),
    "sparql_params": Text(nl="Voorbeeldparameters", en="Example parameters"),
    "sparql_params_hint": Text(nl="vervang de variabele door de waarde om de query hier te draaien",
                               en="replace the variable with the value to run the query here"),
    "sparql_for_programs": Text(nl="Voor programma's", en="For programs"),
    "sparql_api_example": Text(nl="Antwoord met de voorbeeldparameters", en="Answer with the example parameters"),
    "sparql_actors_per_class": Text(nl="Actoren per klasse", en="Actors per class"),
    "sparql_service_description": Text(nl="servicebeschrijving", en="service description"),
})


class ProtocolError(BilingualError):
    """A request this endpoint answers with an error status; `text` says why."""

    def __init__(self, status: int, code: str, text: Text, headers: dict[str, str] | None = None):
        super().__init__(text)
        self.status = status
        self.code = code
        self.headers = headers or {}


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    try:
        return _endpoint()
    except ProtocolError as e:
        return _error(e)


@bp.after_request
def _headers(resp: Response) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST"
        resp.headers["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
    resp.vary.update(("Accept", "Authorization", "Cookie"))
    return resp


def _endpoint() -> Response:
    params = _params()
    for name in ("update", "using-graph-uri", "using-named-graph-uri"):
        if name in (k for k, _ in params):
            raise ProtocolError(400, "update", Text(
                nl=f"de parameter {name!r} hoort bij SPARQL Update, dat dit alleen-lezen endpoint niet aanbiedt",
                en=f"the parameter {name!r} belongs to SPARQL Update, which this read-only endpoint does not offer"))
    texts = [v for k, v in params if k == "query"]
    if len(texts) > 1:
        raise ProtocolError(400, "several", Text(
            nl=f"het verzoek bevat {len(texts)} queries; stuur er precies één (`query`)",
            en=f"the request holds {len(texts)} queries; send exactly one `query`"))
    if not texts:
        if request.method == "POST":
            raise ProtocolError(400, "missing", Text(
                nl="het verzoek bevat geen query; stuur hem als `query` of als body met Content-Type "
                   "application/sparql-query",
                en="the request holds no query; send it as `query` or as the body with Content-Type "
                   "application/sparql-query"))
        return _description_or_editor()
    text = texts[0]
    if not text.strip():
        raise ProtocolError(400, "missing", Text(nl="de query is leeg", en="the query is empty"))
    limit = int(current_app.config.get("KG_QUERY_MAX_CHARS", DEFAULT_MAX_QUERY_CHARS))
    if len(text) > limit:
        raise _too_large(Text(nl=f"de query heeft {len(text)} tekens; hoogstens {limit} worden geaccepteerd",
                              en=f"the query has {len(text)} characters; at most {limit} are accepted"))

    ctx = kg()
    the_view = view()
    allowed = [g.value for g in view_graphs(ctx.db(), the_view)]
    default_param = [v for k, v in params if k == "default-graph-uri"]
    named_param = [v for k, v in params if k == "named-graph-uri"]
    _check_graphs(default_param + named_param, allowed)
    try:
        checked = check_query(text, allowed)
    except QueryRefused as e:
        raise ProtocolError(400, e.code, e.text) from None

    select_type = negotiation.best(SELECT_TYPES)
    graph_type = negotiation.best(GRAPH_TYPES)
    if (checked.form in ("select", "ask") and select_type is None) or (checked.form == "graph" and graph_type is None) \
            or (select_type is None and graph_type is None):
        raise _not_acceptable(checked.form)

    if default_param or named_param:  # the protocol's dataset wins over FROM / FROM NAMED
        default, named = default_param, named_param
    elif checked.default_graphs is not None:
        default, named = list(checked.default_graphs), list(checked.named_graphs or ())
    else:
        default, named = allowed, allowed
    req = Request(
        generation=ctx.store.worker_spec(),
        query=checked.text,
        select_format=SELECT_TYPES[select_type] if select_type else None,
        graph_format=GRAPH_TYPES[graph_type] if graph_type else None,
        default_graphs=default,
        named_graphs=named,
        row_cap=ctx.row_cap,
    )
    try:
        answer = run_in_worker(ctx, req)
    except ProtocolError as e:
        if e.code == "format":
            raise _not_acceptable(None) from None
        raise
    shown = select_type if answer.form in ("select", "ask") else graph_type
    return Response(answer.body, status=200, content_type=_with_charset(shown or answer.media_type))


def run_in_worker(ctx: KGContext, req: Request) -> Answer:
    """`req` in a SPARQL worker under this client's query slot; a worker's refusal (deadline, memory,
    busy, bad query) as the ProtocolError the endpoint answers with."""
    slot = query_slot(ctx.deadline)
    try:
        return ctx.pool().run(req)
    except QueryFailed as e:
        headers = {"Retry-After": "5"} if e.kind == "busy" else {}
        raise ProtocolError(STATUS.get(e.kind, 500), e.kind, e.text, headers) from None
    finally:
        shared_state().release_query_slot(slot)


def query_slot(deadline: float) -> str:
    """A slot for this client's query (KG_QUERY_PER_CLIENT at a time, over all server processes), so
    one client cannot hold every query worker; else 429 with Retry-After (issue 14)."""
    limit = int(current_app.config["KG_QUERY_PER_CLIENT"])
    slot = shared_state().take_query_slot(client(), limit, stale_after=2 * deadline + 60)
    if slot is None:
        wait = max(1, math.ceil(deadline))
        raise ProtocolError(429, "too-many-queries", Text(
            nl=f"er lopen al {limit} queries van dit adres (het maximum); probeer het over {wait} seconden opnieuw",
            en=f"{limit} queries from this address are already running (the most allowed); try again in {wait} "
               "seconds"), {"Retry-After": str(wait)})
    return slot


# --- request parsing -------------------------------------------------------------------------


def _params() -> list[tuple[str, str]]:
    """All parameters (URL and, for form POSTs, body), decoded strictly as UTF-8."""
    params = _parse_form(request.query_string)
    if request.method != "POST":
        return params
    mimetype = request.mimetype
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        raise _too_large(Text(nl=f"de body van het verzoek is groter dan {limit} bytes",
                              en=f"the request body is larger than {limit} bytes")) from None
    if mimetype == "application/x-www-form-urlencoded":
        return params + _parse_form(body)
    if mimetype == "application/sparql-query":
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(400, "encoding", Text(nl=f"de query moet UTF-8 zijn, niet {charset}",
                                                      en=f"the query must be UTF-8, not {charset}"))
        return params + [("query", _utf8(body, Text(nl="de body met de query", en="the query body")))]
    if mimetype == "application/sparql-update":
        raise ProtocolError(400, "update", Text(nl="SPARQL Update wordt niet aangeboden: dit endpoint is alleen-lezen",
                                                en="SPARQL Update is not offered: this endpoint is read-only"))
    shown = mimetype or "none"
    raise ProtocolError(400, "media-type",
                        Text(nl=f"een POST moet Content-Type application/x-www-form-urlencoded of "
                                f"application/sparql-query hebben (ontvangen: {shown})",
                             en=f"a POST must have Content-Type application/x-www-form-urlencoded or "
                                f"application/sparql-query (got {shown})"))


def _parse_form(raw: bytes) -> list[tuple[str, str]]:
    out = []
    for part in raw.split(b"&"):
        if not part:
            continue
        key, _, value = part.partition(b"=")
        name = _utf8(unquote_to_bytes(key.replace(b"+", b" ")), Text(nl="een parameternaam", en="a parameter name"))
        out.append((name, _utf8(unquote_to_bytes(value.replace(b"+", b" ")),
                                Text(nl=f"parameter {name!r}", en=f"parameter {name!r}"))))
    return out


def _utf8(data: bytes, what: Text) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        text = Text(nl="{what} is geen geldige UTF-8 (byte {at})", en="{what} is not valid UTF-8 (byte {at})")
        raise ProtocolError(400, "encoding", text.format(what=what, at=e.start)) from None


def _check_graphs(given: Iterable[str], allowed: Sequence[str]) -> None:
    for iri in given:
        if iri not in allowed:
            listed = ", ".join(f"<{g}>" for g in sorted(allowed)) or "-"
            shown = iri if len(iri) <= 200 else iri[:200] + "..."
            raise ProtocolError(400, "graph", Text(nl=f"{shown!r} is geen graaf van deze dataset; toegestaan: {listed}",
                                                   en=f"{shown!r} is not a graph of this dataset; allowed: {listed}"))


def _with_charset(media_type: str) -> str:
    return media_type + "; charset=utf-8" if media_type.startswith("text/") else media_type


def _not_acceptable(form: str | None) -> ProtocolError:
    select = ", ".join(SELECT_TYPES)
    graph = ", ".join(GRAPH_TYPES)
    if form in ("select", "ask"):
        offered = Text(nl=f"SELECT- en ASK-resultaten zijn er als: {select}",
                       en=f"SELECT and ASK results are available as: {select}")
    elif form == "graph":
        offered = Text(nl=f"CONSTRUCT- en DESCRIBE-resultaten zijn er als: {graph}",
                       en=f"CONSTRUCT and DESCRIBE results are available as: {graph}")
    else:
        offered = Text(nl=f"SELECT/ASK-resultaten zijn er als: {select}; CONSTRUCT/DESCRIBE-resultaten als: {graph}",
                       en=f"SELECT/ASK results are available as: {select}; CONSTRUCT/DESCRIBE results as: {graph}")
    fits = Text(nl="Geen van de mediatypes in de Accept-header past. {offered}",
                en="None of the media types in the Accept header fits. {offered}")
    return ProtocolError(406, "not-acceptable", fits.format(offered=offered))


def _too_large(text: Text) -> ProtocolError:
    return ProtocolError(413, "too-large", text)


def _error(e: ProtocolError) -> Response:
    """The error in plain text or JSON (by Accept), Dutch and English, current language first."""
    kind = negotiation.best(ERROR_TYPES) or "text/plain"
    if kind == "application/json":
        body = json.dumps({"error": {"status": e.status, "code": e.code, "en": e.en, "nl": e.nl}},
                          ensure_ascii=False)
    else:
        lines = [("nl", e.nl), ("en", e.en)]
        if i18n.lang() == "en":
            lines.reverse()
        body = f"{e.status} {e.code}\n" + "".join(f"{lang}: {msg}\n" for lang, msg in lines)
    resp = Response(body, status=e.status, content_type=_with_charset(kind))
    resp.headers.update(e.headers)
    return resp


# --- no query: service description or editor -------------------------------------------------


def _description_or_editor() -> Response:
    kind = negotiation.best(list(DESCRIPTION_TYPES) + ["text/html"])
    if kind == "text/html":
        return Response(_editor(), content_type="text/html; charset=utf-8")
    if kind is None:
        listed = ", ".join(list(DESCRIPTION_TYPES) + ["text/html"])
        raise ProtocolError(406, "not-acceptable", Text(
            nl=f"Geen van de mediatypes in de Accept-header past. De servicebeschrijving is er als: {listed}",
            en=f"None of the media types in the Accept header fits. The service description is available as: {listed}"))
    ctx = kg()
    db = ctx.db()
    the_view = view()
    graphs = [(g.value, _size(db, g)) for g in view_graphs(db, the_view)]
    triples = sd.describe(public_url(url_for("sparql.endpoint")), graphs, view=the_view,
                          deadline=ctx.deadline, row_cap=ctx.row_cap)
    return Response(sd.serialize(triples, DESCRIPTION_TYPES[kind]), content_type=_with_charset(kind))


def _size(db, graph) -> int:
    return sum(1 for _ in db.quads_for_pattern(None, None, None, graph))


def _editor() -> str:
    ctx = kg()
    lang = i18n.lang()
    examples = [{"name": q.name, "summary": q.summary_in(lang), "query": example_text(q, lang),
                 "api": {fmt: url_for("named.api_query", name=q.name, **q.example, format=fmt)
                         for fmt in ("json", "csv", "tsv")}}
                for q in queries.catalogue().values()]
    return render_template(
        "sparql.html",
        examples=examples,
        endpoint=public_url(url_for("sparql.endpoint")),
        api=public_url(url_for("named.api_queries")),
        limits=i18n.t("sparql_limits", deadline=f"{ctx.deadline:g}", rows=ctx.row_cap),
    )


def example_text(q: queries.NamedQuery, lang: str) -> str:
    """A named query for the editor: a comment with its summary and example parameters, then its text."""
    lines = [f"# {q.name}: {q.summary_in(lang)}"]
    if q.params:
        lines.append(f"# {i18n.STRINGS('sparql_params', lang)} ({i18n.STRINGS('sparql_params_hint', lang)}):")
        for p in q.params:
            value = q.example.get(p.name, p.default)
            lines.append(f"#   ?{p.name} = {value if value is not None else '...'}  ({p.type})")
    return "\n".join(lines) + "\n" + q.text
