"""The named queries for programs: /api/queries (the catalogue) and /api/queries/<name> (an answer).

Thin over kg.answers.named: read the request, call it in the request's view, render.

    GET /api/queries                        every named query: name, summary {nl, en}, parameters
                                            (name, type, required, default, description), example,
                                            url (its answer) and example_url (its answer with the example)
    (also as /api/query and /api/query/<name>)
    GET /api/queries/<name>?param=value...  the answer, its parameters bound as in `kg query --param`,
                                            in the request's view (public unless signed in)

A query runs in a SPARQL worker, as /sparql runs one (KG_QUERY_DEADLINE, the worker's memory limit,
KG_QUERY_PER_CLIENT at a time), its parameters written into its text as serialised RDF terms
(kg.answers.named.prepare). An answer is SPARQL 1.1 results JSON (the default; also for `Accept: application/json` and
`?format=json`), CSV for spreadsheets (`?format=csv` or `Accept: text/csv`; cells that start
like a formula get a leading `'`, kg.sheets) or SPARQL 1.1 results TSV (`?format=tsv` or
`Accept: text/tab-separated-values`; kg.answers.named.to_tsv). `?format=` wins over `Accept`. `lang` is the query's
parameter when it takes one, and the app's language either way (web.i18n). At most KG_ROW_CAP rows:
a longer answer is cut there, and says so (header `X-KG-Truncated: <cap>`, and in JSON a top-level
`truncated` member with the cap and a message in Dutch and English).

Errors are JSON {"error": {"status", "code", "param", "nl", "en"}}: 404 unknown query; 400 a
parameter the query does not take, a required one missing, a value of the wrong type, no or more
than one matching actor or topic (with `candidates`), a parameter given twice, an unknown
`format`; 406 when `Accept` allows neither JSON nor CSV; as /sparql: 429 (too many queries from
this client, with Retry-After), 503 (past the deadline, out of memory, every worker busy).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request, url_for

from kg.answers import named
from kg.sparql.worker import Request
from kg.store import view_graphs
from kg.text import Text
from web import negotiation
from web.context import KGContext, kg
from web.security import download, view
from web.sparql import ProtocolError, run_in_worker
from web.urls import public_url

bp = Blueprint("named", __name__)

# Offered media type -> the answer's format (first: the default for */* or no Accept).
OFFERS = {"application/sparql-results+json": "json", "application/json": "json", "text/csv": "csv",
          "text/tab-separated-values": "tsv"}
FORMATS = {"json": "application/sparql-results+json", "csv": "text/csv; charset=utf-8",
           "tsv": "text/tab-separated-values; charset=utf-8"}
WRITERS = {"csv": named.to_csv, "tsv": named.to_tsv}
RESERVED = ("format", "lang")  # the request's own, unless the query takes a parameter of that name


@bp.get("/api/query")  # the name issue 15 gives it (registered second: URLs are built with /api/queries)
@bp.get("/api/queries")
def api_queries() -> Response:
    """The catalogue of named queries as JSON (kg.answers.named.catalogue, with URLs)."""
    out = []
    for q in named.catalogue():
        url = url_for("named.api_query", name=q["name"])
        out.append(dict(q, url=public_url(url),
                        example_url=public_url(url_for("named.api_query", name=q["name"], **q["example"]))))
    return jsonify({"queries": out})


@bp.get("/api/query/<name>")
@bp.get("/api/queries/<name>")
def api_query(name: str) -> Response:
    try:
        q = named.lookup(name)
        fmt = _format()
        ctx = kg()
        the_view = view()
        raw = named.given(q, list(request.args.items(multi=True)), RESERVED)
        text = named.prepare(ctx.db(), name, raw, the_view)
        answer = _run(ctx, name, text, the_view)
    except named.NamedQueryError as e:
        return _error(e.to_json(), e.status)
    except _NotAcceptable as e:
        return _error(e.to_json(), 406)
    except ProtocolError as e:
        resp = _error({"error": {"status": e.status, "code": e.code, "nl": e.nl, "en": e.en}}, e.status)
        resp.headers.update(e.headers)
        return resp
    if fmt in WRITERS:
        resp = download(WRITERS[fmt](answer), FORMATS[fmt], f"{name}.{fmt}")
    else:
        body = named.to_json(answer)
        if answer.cut:
            doc = json.loads(body)
            doc["truncated"] = {"row_cap": answer.row_cap, **Text(
                nl=f"Het antwoord is na {answer.row_cap} rijen afgekapt (KG_ROW_CAP).",
                en=f"The answer was cut after {answer.row_cap} rows (KG_ROW_CAP).").both()}
            body = json.dumps(doc, ensure_ascii=False).encode()
        resp = Response(body, content_type=FORMATS["json"])
    if answer.cut:
        resp.headers["X-KG-Truncated"] = str(answer.row_cap)
    resp.vary.update(("Accept", "Authorization", "Cookie"))
    return resp


def _run(ctx: KGContext, name: str, text: str, the_view: str) -> named.Answer:
    """The query in a SPARQL worker, as /sparql runs one: under KG_QUERY_DEADLINE and the worker's
    memory limit, KG_QUERY_PER_CLIENT at a time; at most KG_ROW_CAP rows (the rest cut)."""
    graphs = [g.value for g in view_graphs(ctx.db(), the_view)]
    req = Request(generation=ctx.store.worker_spec(), query=text, select_format=FORMATS["json"].split(";")[0],
                  graph_format=None, default_graphs=graphs, named_graphs=graphs, row_cap=ctx.row_cap, cut=True)
    done = run_in_worker(ctx, req)
    return named.from_results(name, done.body, done.cut, ctx.row_cap)


class _NotAcceptable(Exception):
    def to_json(self) -> dict:
        offered = ", ".join(OFFERS)
        return {"error": {"status": 406, "code": "not-acceptable", **Text(
            nl=f"Geen van de mediatypes in de Accept-header past. Antwoorden zijn er als: {offered} "
               "(of kies met ?format=json, ?format=csv of ?format=tsv)",
            en=f"None of the media types in the Accept header fits. Answers are available as: {offered} "
               "(or choose with ?format=json, ?format=csv or ?format=tsv)").both()}}


def _format() -> str:
    """json, csv or tsv: ?format= if given, else the Accept header's choice (web.negotiation)."""
    asked = request.args.getlist("format")
    if asked:
        if len(asked) > 1 or asked[0] not in FORMATS:
            raise named.NamedQueryError("bad-format", Text(
                nl=f"format moet json, csv of tsv zijn (ontvangen: {', '.join(asked)})",
                en=f"format must be json, csv or tsv (got {', '.join(asked)})"), "format")
        return asked[0]
    best = negotiation.best(OFFERS)
    if best is None:
        raise _NotAcceptable()
    return OFFERS[best]


def _error(doc: dict, status: int) -> Response:
    resp = jsonify(doc)
    resp.status_code = status
    resp.vary.update(("Accept", "Authorization", "Cookie"))
    return resp
