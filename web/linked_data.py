"""Linked data: dereferencing, content negotiation, the ontology, VoID and dumps.

- `/id/<local>`: the data entity `{KG_BASE_IRI}<local>`; 303 See Other to
  `/doc/<local>` (keeping `?format=` and `?lang=`).
- `/doc/<local>`: its document; HTML (pages.render_document) or RDF.
- `/vocab/<path>`: a SKOS concept or scheme under
  `https://w3id.org/connective-kg/vocab/`; HTML concept page or RDF.
- `/ns`: the ontology (Turtle for RDF clients, an HTML term list for
  browsers, `#Term` anchors); `/ns/context.jsonld`: the JSON-LD context;
  `/shapes`: the SHACL shapes.
- `/.well-known/void`: VoID/DCAT description with the caller's view's counts.
- `/dump.nq` (streamed), `/dump.ttl`: the caller's view.

Negotiation: `?format=html|ttl|jsonld|nt|rdf` overrides `Accept`; `Accept`
is matched with q-values by web.negotiation (the most specific media range
decides an offer's quality, so `text/turtle;q=0, */*` excludes Turtle); ties
go to the resource's default (its first offer). Every negotiated response carries
`Vary: Accept`; nothing acceptable gives 406 with the list of formats.
Everything is read in the caller's view (web.security.view()).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

import rdflib
from flask import Blueprint, Response, current_app, render_template, request, url_for

from kg.answers import describe as kd
from kg.answers import void
from kg.model.namespaces import CKG, ONTOLOGY_IRI, VOCAB, shorten
from kg.text import LANGS, Text
from web import i18n, negotiation, pages
from web.context import kg
from web.security import download, view
from web.urls import page_url, public_url

bp = Blueprint("linked_data", __name__)

i18n.STRINGS.add({
    "ld_not_found_title": Text(nl="Niet gevonden", en="Not found"),
    "ld_not_found": Text(nl="Deze entiteit staat niet in de kennisgraaf (of is niet openbaar).",
                         en="This entity is not in the knowledge graph (or is not public)."),
    "ld_not_acceptable": Text(nl="Geen van de gevraagde formaten is beschikbaar. Beschikbaar:",
                              en="None of the requested formats is available. Available:"),
    "ld_bad_format": Text(nl="Onbekend formaat in ?format=. Gebruik een van:",
                          en="Unknown ?format= value. Use one of:"),
    "ld_formats": Text(nl="Ook als", en="Also as"),
    "ld_definition": Text(nl="Definitie", en="Definition"),
    "ld_alt_labels": Text(nl="Ook genoemd", en="Also called"),
    "ld_broader": Text(nl="Breder", en="Broader"),
    "ld_narrower": Text(nl="Nauwer", en="Narrower"),
    "ld_scheme": Text(nl="Begrippenlijst", en="Concept scheme"),
    "ld_concepts": Text(nl="Begrippen", en="Concepts"),
    "ld_who_knows_topic": Text(nl="Wie weet hier iets van?", en="Who knows about this?"),
    "ld_ontology_title": Text(nl="Connective KG-ontologie", en="Connective KG ontology"),
    "ld_classes": Text(nl="Klassen", en="Classes"),
    "ld_properties": Text(nl="Eigenschappen", en="Properties"),
    "ld_term": Text(nl="Term", en="Term"),
    "ld_label": Text(nl="Label", en="Label"),
    "ld_comment": Text(nl="Omschrijving", en="Description"),
    "ld_parents": Text(nl="Subklasse/-eigenschap van", en="Subclass/-property of"),
    "ld_domain": Text(nl="Domein", en="Domain"),
    "ld_range": Text(nl="Bereik", en="Range"),
    "ld_version": Text(nl="Versie", en="Version"),
    "ld_license": Text(nl="Licentie", en="Licence"),
    "ld_context": Text(nl="JSON-LD-context", en="JSON-LD context"),
    "ld_shapes": Text(nl="SHACL-shapes", en="SHACL shapes"),
    "ld_kind_class": Text(nl="klasse", en="class"),
    "ld_kind_object-property": Text(nl="objecteigenschap", en="object property"),
    "ld_kind_datatype-property": Text(nl="gegevenseigenschap", en="datatype property"),
    "ld_kind_annotation-property": Text(nl="annotatie-eigenschap", en="annotation property"),
})

MEDIA = dict(kd.FORMATS)
CONTENT_TYPE = {
    "html": "text/html; charset=utf-8",
    "ttl": "text/turtle; charset=utf-8",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
# Extra media types accepted for a format (never chosen by */* alone: they come last).
ALIASES = {"application/json": "jsonld", "application/x-turtle": "ttl", "text/plain": "nt"}
DOC_FORMATS = ("html", "ttl", "jsonld", "nt", "rdf")  # /doc, /vocab: HTML first
RDF_FORMATS = ("ttl", "jsonld", "nt", "rdf")  # VoID, shapes: Turtle first
NS_FORMATS = ("ttl", "html", "jsonld", "nt", "rdf")  # /ns: Turtle for RDF clients, HTML for browsers


class NotAcceptable(Exception):
    """Nothing the client accepts is offered (406), or ?format= names no format (400)."""

    def __init__(self, offers: tuple[str, ...], bad_format: bool = False):
        self.offers = offers
        self.bad_format = bad_format


def negotiate(offers: tuple[str, ...]) -> str:
    """The format to answer with: ?format= if given, else the best `Accept` match among `offers`."""
    asked = request.args.get("format")
    if asked is not None:
        if asked not in kd.FORMATS:
            raise NotAcceptable(offers, bad_format=True)
        if asked not in offers:
            raise NotAcceptable(offers)
        return asked
    candidates = {MEDIA[f]: f for f in offers} | {m: f for m, f in ALIASES.items() if f in offers}
    media = negotiation.best(candidates)
    if media is None:
        raise NotAcceptable(offers)
    return candidates[media]


def _finish(resp: Response, offers: tuple[str, ...] | None = None) -> Response:
    """Headers of every negotiated answer: Vary, alternates, and no shared caching of internal data."""
    if offers is not None:
        resp.vary.add("Accept")
        path = quote(request.path, safe="/-_.~!$&'()*+,;=:@")
        links = [f'<{path}?format={f}>; rel="alternate"; type="{MEDIA[f]}"' for f in offers]
        resp.headers["Link"] = ", ".join(links)
    return resp  # signed-in answers get Cache-Control from web.security


def _not_acceptable(e: NotAcceptable) -> Response:
    listed = [f"{MEDIA[f]} (?format={f})" for f in e.offers]
    key = "ld_bad_format" if e.bad_format else "ld_not_acceptable"
    text = "\n".join(f"{i18n.STRINGS(key, lang)} {', '.join(listed)}" for lang in LANGS) + "\n"
    resp = Response(text, status=400 if e.bad_format else 406, content_type="text/plain; charset=utf-8")
    return _finish(resp, e.offers)


def _not_found(fmt: str, offers: tuple[str, ...]) -> Response:
    both = i18n.both("ld_not_found")
    if fmt == "html":
        resp = Response(render_template("ld_not_found.html", message=both), status=404, content_type=CONTENT_TYPE["html"])
    elif fmt == "jsonld":
        resp = Response(json.dumps({"error": "not found", "message": both}, ensure_ascii=False), status=404,
                        content_type="application/json")
    else:
        resp = Response(f"{both['nl']}\n{both['en']}\n", status=404, content_type="text/plain; charset=utf-8")
    return _finish(resp, offers)


def _rdf(graph: rdflib.Graph, fmt: str, offers: tuple[str, ...], first: str | None = None) -> Response:
    body = kd.serialize(graph, fmt, kg().base_iri, first=first)
    return _finish(Response(body, content_type=CONTENT_TYPE[fmt]), offers)


def _negotiated(offers: tuple[str, ...], answer: Callable[[str], Response]) -> Response:
    try:
        fmt = negotiate(offers)
    except NotAcceptable as e:
        return _not_acceptable(e)
    return answer(fmt)


def _entity_document(iri: str, offers: tuple[str, ...],
                     html: Callable[[], str | Response | None]) -> Response:
    """The negotiated document of `iri` in the caller's view, or 404 when the view does not mention it.
    `html` is the page, None when the view does not mention `iri` (the page asks what it shows; the
    RDF description is built only for RDF: a network's has thousands of statements)."""

    def answer(fmt: str) -> Response:
        if fmt == "html":
            page = html()
            if page is None:
                return _not_found(fmt, offers)
            resp = page if isinstance(page, Response) else Response(page, content_type=CONTENT_TYPE["html"])
            return _finish(resp, offers)
        desc = kd.describe(kg().db(), iri, view())
        if not desc:
            return _not_found(fmt, offers)
        g = desc.graph
        for t in kd.document_metadata(public_url(request.path), iri, void.dataset_iri(public_url('/'))):
            g.add(t)
        return _rdf(g, fmt, offers, first=iri)

    return _negotiated(offers, answer)


# --- data entities ------------------------------------------------------------

@bp.get("/id/<path:local>")
def identifier(local: str) -> Response:
    """303 See Other from the entity to its document (a thing is not its description)."""
    keep = {k: request.args[k] for k in ("format", "lang") if k in request.args}
    resp = Response(status=303, headers={"Location": url_for("linked_data.document", local=local, **keep)})
    resp.vary.add("Accept")
    return resp


@bp.get("/doc/<path:local>")
def document(local: str) -> Response:
    """The document about `{KG_BASE_IRI}<local>`: HTML page or RDF by negotiation."""
    return _entity_document(kg().base_iri + local, DOC_FORMATS, lambda: pages.render_document(local))


# --- vocabularies -------------------------------------------------------------

@bp.get("/vocab/<path:path>")
def concept(path: str) -> Response:
    """A SKOS concept or concept scheme of the project's vocabularies."""
    return _entity_document(VOCAB + path, DOC_FORMATS, lambda: _concept_page(VOCAB + path))


def _concept_page(iri: str) -> str | None:
    desc = kd.describe(kg().db(), iri, view())
    if not desc:
        return None
    lang = i18n.lang()
    base = kg().base_iri
    skos = str(rdflib.SKOS)

    def links(nodes: list) -> list[tuple[str, str]]:
        nodes = [n for n in dict.fromkeys(nodes) if isinstance(n, rdflib.URIRef)]
        return sorted(((page_url(str(n), base), desc.label(str(n), lang)) for n in nodes), key=lambda x: x[1].lower())

    def texts(pred: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for lit in desc.objects(pred):
            out.setdefault(getattr(lit, "language", None) or "", []).append(str(lit))
        return out

    narrower = desc.objects(skos + "narrower") + desc.subjects(skos + "broader")
    broader = desc.objects(skos + "broader") + desc.subjects(skos + "narrower")
    members = desc.objects(skos + "hasTopConcept") + desc.subjects(skos + "inScheme")
    topic_id = iri[len(VOCAB + "topic/"):] if iri.startswith(VOCAB + "topic/") else None
    return render_template(
        "concept.html", iri=iri, title=desc.label(iri, lang), pref=texts(skos + "prefLabel"),
        alt=texts(skos + "altLabel"), definition=texts(skos + "definition"), broader=links(broader),
        narrower=links(narrower), schemes=links(desc.objects(skos + "inScheme")), members=links(members),
        topic_id=topic_id, formats=[(f, MEDIA[f]) for f in DOC_FORMATS if f != "html"],
    )


# --- the ontology, its context, the shapes --------------------------------------

@bp.get("/ns")
def ontology() -> Response:
    """The ontology at its namespace: the Turtle file for RDF clients, a term list for browsers."""

    def answer(fmt: str) -> Response:
        if fmt == "ttl":
            return _finish(Response(kd.ontology_turtle(), content_type=CONTENT_TYPE["ttl"]), NS_FORMATS)
        if fmt == "html":
            return _finish(Response(_ontology_page(), content_type=CONTENT_TYPE["html"]), NS_FORMATS)
        return _rdf(kd.ontology_graph(), fmt, NS_FORMATS, first=ONTOLOGY_IRI)

    return _negotiated(NS_FORMATS, answer)


def _ontology_page() -> str:
    lang = i18n.lang()
    terms = kd.ontology_terms()
    info = kd.ontology_info()

    def ref(iri: str) -> dict[str, str]:
        if iri.startswith(CKG):
            return {"href": "#" + iri[len(CKG):], "text": iri[len(CKG):]}
        return {"href": iri, "text": shorten(iri)}

    rows = []
    for t in terms:
        rows.append({
            "id": t["term"][len(CKG):], "kind": t["kind"],
            "label": t.get("label" + lang.capitalize()) or t.get("labelEn") or "",
            "other_label": t.get("labelEn" if lang == "nl" else "labelNl") or "",
            "comment": t.get("comment" + lang.capitalize()) or t.get("commentEn") or "",
            "parents": [ref(p) for p in t["parents"]], "domains": [ref(p) for p in t["domains"]],
            "ranges": [ref(p) for p in t["ranges"]],
        })
    return render_template("ontology.html", classes=[r for r in rows if r["kind"] == "class"],
                           properties=[r for r in rows if r["kind"] != "class"], info=info,
                           formats=[(f, MEDIA[f]) for f in NS_FORMATS if f != "html"])


@bp.get("/ns/context.jsonld")
def jsonld_context() -> Response:
    """The project's JSON-LD context (also inlined in every JSON-LD document served here)."""
    return Response(kd.context_document(), content_type="application/ld+json")


@bp.get("/shapes")
def shapes() -> Response:
    """The SHACL shapes the data is validated with."""
    return _negotiated(RDF_FORMATS, lambda fmt: _rdf(kd.shapes_graph(), fmt, RDF_FORMATS))


# --- the dataset ----------------------------------------------------------------

@bp.get("/.well-known/void")
def void_description() -> Response:
    """VoID/DCAT description of the dataset; statistics of the caller's view."""

    def answer(fmt: str) -> Response:
        ctx = kg()
        g = void.describe_dataset(ctx.db(), view(), ctx.base_iri, public_url('/'), license=_license())
        return _rdf(g, fmt, RDF_FORMATS, first=void.dataset_iri(public_url('/')))

    return _negotiated(RDF_FORMATS, answer)


def _license() -> str:
    """KG_DATA_LICENSE, else CC BY 4.0."""
    return str(current_app.config.get("KG_DATA_LICENSE") or void.DEFAULT_LICENSE)


@bp.get("/dump.nq")
def dump_nquads() -> Response:
    """N-Quads of every named graph the caller may see, streamed."""
    db, v = kg().db(), view()
    resp = download(void.nquads(db, v), "application/n-quads", f"connective-kg-{v}.nq")
    return _finish(resp)


@bp.get("/dump.ttl")
def dump_turtle() -> Response:
    """Turtle of the caller's view merged into one graph."""
    ctx = kg()
    v = view()
    resp = download(void.turtle(ctx.db(), v, ctx.base_iri), CONTENT_TYPE["ttl"], f"connective-kg-{v}.ttl")
    return _finish(resp)
