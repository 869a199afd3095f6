"""Describing an entity as RDF in a view, and writing RDF documents.

The RDF document of an entity (what `/doc/<id>` serves) is, in the caller's
view (`internal` or `public`, see kg.store.view_graphs):

- its concise bounded description: every statement with the entity as
  subject, following blank nodes (OWL-Time intervals and their instants);
- every statement with the entity as object (the memberships, ties,
  adoptions and narrower concepts that point at it);
- the `rdfs:label` and `skos:prefLabel` of every IRI mentioned (subjects,
  predicates, objects), so a client can show names without more requests;
- document metadata (`foaf:primaryTopic`, `dcterms:isPartOf` the dataset),
  added by the caller with `document_metadata`.

In the public view a person without public consent is described by the
public graph only (kg.pipeline.public): an anonymous label, no name, no details.

Formats: Turtle, N-Triples, RDF/XML (pyoxigraph) and JSON-LD compacted with the
project's own context (`ontology/context.jsonld`), written here rather than
by rdflib because rdflib drops blank nodes under `@type: @id` terms. The
context is always inline, so no client ever fetches one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF as _RDF

from kg.model import resources
from kg.model.namespaces import ONTOLOGY_GRAPH, ONTOLOGY_IRI, PREFIXES, shorten
from kg.rdf.rdfio import from_rdflib, to_rdflib
from kg.sparql import queries
from kg.store import run_query

FOAF = "http://xmlns.com/foaf/0.1/"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"

# ?format= values, their media types, and the pyoxigraph format of each RDF one.
FORMATS: dict[str, str] = {
    "html": "text/html",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
_OX_FORMAT = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "rdf": ox.RdfFormat.RDF_XML}
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MAX_BLANK_NODES = 1000  # a guard against pathological blank-node chains


@dataclass(frozen=True)
class Description:
    """The statements describing one entity in one view (an rdflib graph)."""

    entity: str
    graph: rdflib.Graph = field(compare=False)

    def __bool__(self) -> bool:
        return len(self.graph) > 0

    def objects(self, predicate: str, subject: str | None = None) -> list[rdflib.term.Node]:
        return sorted(self.graph.objects(rdflib.URIRef(subject or self.entity), rdflib.URIRef(predicate)))

    def subjects(self, predicate: str, obj: str | None = None) -> list[rdflib.term.Node]:
        return sorted(self.graph.subjects(rdflib.URIRef(predicate), rdflib.URIRef(obj or self.entity)))

    def label(self, iri: str, lang: str) -> str:
        """The best label of `iri` in `lang` (rdfs:label or skos:prefLabel), else its short form."""
        return best_label(self.graph, iri, lang)


def describe(store: ox.Store, iri: str, view: str = "internal") -> Description:
    """The RDF description of `iri` in `view`: see the module docstring. Empty if unknown or not an IRI."""
    g = rdflib.Graph()
    add = g.add
    try:
        entity = ox.NamedNode(iri)
    except ValueError:
        return Description(iri, g)

    def add_labels(node: ox.NamedNode | ox.BlankNode, prop: Any, value: Any) -> None:
        if prop is not None and value is not None and isinstance(node, ox.NamedNode):
            add((to_rdflib(node), to_rdflib(prop), to_rdflib(value)))

    todo: list[ox.NamedNode | ox.BlankNode] = [entity]
    seen: set[ox.NamedNode | ox.BlankNode] = {entity}
    while todo:
        node = todo.pop()
        for r in run_query(store, queries.get("describe-out").text, {"entity": node}, view):
            p, o = r["p"], r["o"]
            add((to_rdflib(node), to_rdflib(p), to_rdflib(o)))
            add_labels(p, r["pLabelProperty"], r["pLabel"])
            add_labels(o, r["oLabelProperty"], r["oLabel"])
            if isinstance(o, ox.BlankNode) and o not in seen and len(seen) < MAX_BLANK_NODES:
                seen.add(o)
                todo.append(o)
    for r in run_query(store, queries.get("describe-in").text, {"entity": entity}, view):
        s, p = r["s"], r["p"]
        add((to_rdflib(s), to_rdflib(p), to_rdflib(entity)))
        add_labels(s, r["sLabelProperty"], r["sLabel"])
        add_labels(p, r["pLabelProperty"], r["pLabel"])
    return Description(iri, g)


def document_metadata(document: str, topic: str, dataset: str) -> list[tuple[rdflib.URIRef, rdflib.URIRef, rdflib.URIRef]]:
    """`<document> a foaf:Document; foaf:primaryTopic <topic>; dcterms:isPartOf <dataset>`."""
    d = rdflib.URIRef(document)
    return [
        (d, _RDF.type, rdflib.URIRef(FOAF + "Document")),
        (d, rdflib.URIRef(FOAF + "primaryTopic"), rdflib.URIRef(topic)),
        (d, rdflib.URIRef(DCTERMS + "isPartOf"), rdflib.URIRef(dataset)),
    ]


def best_label(graph: rdflib.Graph, iri: str, lang: str) -> str:
    labels = [lit for p in (rdflib.RDFS.label, rdflib.SKOS.prefLabel) for lit in graph.objects(rdflib.URIRef(iri), p)
              if isinstance(lit, rdflib.Literal)]
    for wanted in (lang, None, "en", "nl"):
        for lit in sorted(labels):
            if lit.language == wanted:
                return str(lit)
    if labels:
        return str(sorted(labels)[0])
    return shorten(iri)


# --- the ontology and the shapes as documents --------------------------------

def ontology_graph() -> rdflib.Graph:
    """The packaged ontology (what `/ns` serves)."""
    return rdflib.Graph().parse(resources.ontology_file(), format="turtle")


def ontology_turtle() -> bytes:
    """The ontology file as written (with its comments)."""
    return resources.ontology_file().read_bytes()


def _ontology_store() -> ox.Store:
    db = ox.Store()
    db.load(path=str(resources.ontology_file()), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    return db


def ontology_terms() -> list[dict[str, Any]]:
    """Every class and property of the packaged ontology: term, kind, labelNl/En, commentNl/En,
    parents, domains, ranges (lists of IRIs); ordered by kind and term."""
    out = []
    for r in queries.run(_ontology_store(), "ontology-terms", {}, "public"):
        row: dict[str, Any] = {k: (r[k].value if r[k] is not None else None)
                               for k in ("term", "kind", "labelNl", "labelEn", "commentNl", "commentEn")}
        for k in ("parents", "domains", "ranges"):
            row[k] = sorted(r[k].value.split()) if r[k] is not None and r[k].value else []
        out.append(row)
    return out


def ontology_info() -> dict[str, str | None]:
    """The packaged ontology's IRI, version, version IRI and licence."""
    for r in queries.run(_ontology_store(), "ontology-version", {}, "public"):
        if r["ontology"].value == ONTOLOGY_IRI:
            return {k: (r[k].value if r[k] is not None else None) for k in ("ontology", "version", "versionIRI", "license")}
    return {"ontology": ONTOLOGY_IRI, "version": None, "versionIRI": None, "license": None}


def shapes_graph() -> rdflib.Graph:
    """All SHACL shapes of the project merged into one graph (what `/shapes` serves)."""
    g = rdflib.Graph()
    for f in resources.shape_files():
        g.parse(f, format="turtle")
    return g


# --- serialising --------------------------------------------------------------

def namespaces(base_iri: str | None = None) -> dict[str, str]:
    """Prefixes for written documents: the project's, VoID, DCAT, and the data base IRI."""
    ns = {k: v for k, v in PREFIXES.items() if k != "tw"}
    ns.update({"void": VOID, "dcat": DCAT, "vann": "http://purl.org/vocab/vann/", "spdx": SPDX})
    if base_iri:
        known = next((k for k, v in PREFIXES.items() if v == base_iri), None)
        ns[known or "data"] = base_iri
    return ns


def serialize(graph: rdflib.Graph | Iterable[tuple], fmt: str, base_iri: str | None = None,
              first: str | None = None) -> bytes:
    """`graph` in `fmt` ("ttl", "nt", "rdf" or "jsonld"); `first` = the subject written first.

    Turtle, N-Triples and RDF/XML are written by pyoxigraph, which keeps every
    literal's lexical form (rdflib's Turtle rewrites `"40"^^xsd:decimal` as `40.0`).
    """
    if not isinstance(graph, rdflib.Graph):
        g = rdflib.Graph()
        for t in graph:
            g.add(t)
        graph = g
    if fmt == "jsonld":
        doc = to_jsonld(graph, context(), first=first)
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt not in _OX_FORMAT:
        raise ValueError(f"unknown RDF format {fmt!r}")
    triples = sorted({ox.Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in graph},
                     key=lambda t: (t.subject.value != first, isinstance(t.subject, ox.BlankNode),
                                    t.subject.value, t.predicate.value != _RDF_TYPE, t.predicate.value, str(t.object)))
    prefixes = used_prefixes(triples, namespaces(base_iri)) if fmt != "nt" else None
    return ox.serialize(triples, format=_OX_FORMAT[fmt], prefixes=prefixes)


def used_prefixes(triples: Iterable[ox.Triple], ns: dict[str, str]) -> dict[str, str]:
    """The entries of `ns` that some IRI in `triples` (or a literal's datatype) starts with."""
    iris: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    spaces = {iri.rsplit("#", 1)[0] + "#" if "#" in iri else iri.rsplit("/", 1)[0] + "/" for iri in iris}
    return {p: n for p, n in ns.items() if any(space.startswith(n) for space in spaces)}


# --- JSON-LD --------------------------------------------------------------------

@lru_cache(maxsize=1)
def _context_text() -> str:
    return (resources.ontology_dir() / "context.jsonld").read_text(encoding="utf-8")


def context() -> dict[str, Any]:
    """The project's JSON-LD context (`ontology/context.jsonld`), as a fresh dict."""
    return json.loads(_context_text())["@context"]


def context_document() -> bytes:
    """The context file as served at /ns/context.jsonld."""
    return _context_text().encode("utf-8")


class _Compactor:
    """RDF -> compacted, flattened JSON-LD under one context (terms, type coercion, prefixes)."""

    def __init__(self, ctx: dict[str, Any]):
        self.ctx = ctx
        self.used: set[str] = set()
        self.prefixes: list[tuple[str, str]] = []  # (name, namespace), longest namespace first
        self.class_terms: dict[str, str] = {}  # IRI -> term (for type values)
        self.properties: dict[str, tuple[str, str | None]] = {}  # IRI -> (term, @type coercion)
        for name, value in ctx.items():
            if name.startswith("@") or value in ("@id", "@type"):
                continue
            if isinstance(value, str):
                if value.endswith(("/", "#")):
                    self.prefixes.append((name, value))
                else:
                    self.class_terms.setdefault(self._expand(value), name)
            elif isinstance(value, dict) and "@id" in value:
                coerce = value.get("@type")
                self.properties.setdefault(self._expand(value["@id"]),
                                           (name, self._expand(coerce) if coerce and coerce != "@id" else coerce))
        self.prefixes.sort(key=lambda kv: -len(kv[1]))
        self.id_key = next((k for k, v in ctx.items() if v == "@id"), "@id")
        self.type_key = next((k for k, v in ctx.items() if v == "@type"), "@type")

    def _expand(self, value: str) -> str:
        prefix, sep, rest = value.partition(":")
        target = self.ctx.get(prefix)
        if sep and isinstance(target, str) and target.endswith(("/", "#")) and not rest.startswith("//"):
            return target + rest
        return value

    def iri(self, iri: str) -> str:
        """A compact IRI (`ckg:Person`) where a prefix fits, else the IRI itself."""
        for name, ns in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
                self.used.add(name)
                return f"{name}:{iri[len(ns):]}"
        return iri

    def node_id(self, node: rdflib.term.Node) -> str:
        return node.n3() if isinstance(node, rdflib.BNode) else self.iri(str(node))

    def type_value(self, node: rdflib.term.Node) -> str:
        term = self.class_terms.get(str(node)) if isinstance(node, rdflib.URIRef) else None
        if term:
            self.used.add(term)
            return term
        return self.node_id(node)

    def value(self, obj: rdflib.term.Node, coerce: str | None) -> Any:
        if not isinstance(obj, rdflib.Literal):
            ref = self.node_id(obj)
            return ref if coerce == "@id" else {self.id_key: ref}
        if obj.language:
            return {"@value": str(obj), "@language": obj.language}
        dt = str(obj.datatype) if obj.datatype else None
        if dt in (None, "http://www.w3.org/2001/XMLSchema#string"):
            return str(obj) if coerce is None else {"@value": str(obj)}
        if coerce == dt:
            return str(obj)
        return {"@value": str(obj), "@type": self.iri(dt)}

    def key(self, predicate: str) -> tuple[str, str | None]:
        found = self.properties.get(predicate)
        if found:
            self.used.add(found[0])
            return found
        return self.iri(predicate), None

    def node(self, graph: rdflib.Graph, subject: rdflib.term.Node) -> dict[str, Any]:
        out: dict[str, Any] = {self.id_key: self.node_id(subject)}
        types = sorted(self.type_value(o) for o in graph.objects(subject, _RDF.type))
        if types:
            out[self.type_key] = types[0] if len(types) == 1 else types
        props: dict[str, list[Any]] = {}
        for p, o in graph.predicate_objects(subject):
            if p == _RDF.type:
                continue
            key, coerce = self.key(str(p))
            props.setdefault(key, []).append(self.value(o, coerce))
        for key in sorted(props):
            values = sorted(props[key], key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
            out[key] = values[0] if len(values) == 1 else values
        return out

    def pruned_context(self) -> dict[str, Any]:
        """Only the entries the document uses (and the prefixes those entries need)."""
        keep = {k for k, v in self.ctx.items() if v in ("@id", "@type")} | set(self.used)
        todo = list(keep)
        while todo:
            value = self.ctx.get(todo.pop())
            strings = [value] if isinstance(value, str) else [v for v in (value or {}).values() if isinstance(v, str)]
            for s in strings:
                prefix = s.partition(":")[0]
                if ":" in s and prefix in self.ctx and prefix not in keep:
                    keep.add(prefix)
                    todo.append(prefix)
        return {k: v for k, v in self.ctx.items() if k in keep}


def to_jsonld(graph: rdflib.Graph, ctx: dict[str, Any], first: str | None = None) -> dict[str, Any]:
    """`graph` as flattened JSON-LD compacted with `ctx` (inline, pruned to what is used).

    Every subject is a top-level node of `@graph` (blank nodes too, as `_:id`);
    `first` (the document's primary topic) comes first, then the rest by id.
    """
    c = _Compactor(ctx)
    subjects = sorted(set(graph.subjects()), key=lambda s: (str(s) != first, isinstance(s, rdflib.BNode), str(s)))
    nodes = [c.node(graph, s) for s in subjects]
    return {"@context": c.pruned_context(), "@graph": nodes}
