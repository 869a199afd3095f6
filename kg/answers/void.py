"""The dataset as a whole: its VoID/DCAT description and its dumps, per view.

`describe_dataset` answers `/.well-known/void`: a `void:Dataset` (also a
`dcat:Dataset`) with title and description in Dutch and English, the SPARQL
endpoint, the dumps as `void:dataDump` and DCAT distributions, the data IRI
space, the vocabularies used, the ontology version, the licence, and the
statistics (triples, entities, classes with a class partition) *of the view
the caller sees*: the public view counts only the public graph.

`nquads` and `turtle` write the dumps: N-Quads of the view's named graphs
(streamed in batches; internal = every graph except graph/public, public =
ontology + vocabularies + graph/public) and Turtle of the view's merged,
de-duplicated triples.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, XSD

from kg.answers.describe import DCAT, DCTERMS, FOAF, VOID, namespaces, used_prefixes
from kg.model.namespaces import CKG, ONTOLOGY_IRI, OWL, shorten
from kg.sparql import queries
from kg.store import view_graphs
from kg.text import LANGS, Strings, Text

TITLE = Text(nl="Connective KG: kennisgraaf van lerende netwerken van leraren",
             en="Connective KG: knowledge graph of teacher learning networks")
DESCRIPTION = Text(nl="Actor-netwerkgraaf van wie wat weet, wie met wie samenwerkt en hoe artefacten zoals kijkwijzers "
                      "zich verspreiden tussen scholen, besturen, opleidingen en netwerken.",
                   en="Actor-network graph of who knows what, who works with whom, and how artefacts such as observation "
                      "guides spread between schools, boards, teacher-education institutes and networks.")
VIEW_NOTE = Strings({
    "public": Text(nl="Openbare weergave: namen en persoonlijke gegevens alleen met toestemming 'openbaar'.",
                   en="Public view: names and personal details only with consent 'public'."),
    "internal": Text(nl="Interne weergave: alle gegevens (ingelogd).", en="Internal view: all data (signed in)."),
})
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
VOCABULARIES = (CKG, "http://www.w3.org/ns/org#", "http://www.w3.org/ns/prov#", "http://www.w3.org/2004/02/skos/core#",
                "https://schema.org/", DCTERMS, "http://www.w3.org/2006/time#", FOAF)
FORMATS_NS = "http://www.w3.org/ns/formats/"
FOAF_PRIMARY = rdflib.URIRef(FOAF + "primaryTopic")
DUMPS = (("dump.nq", "application/n-quads", "N-Quads"), ("dump.ttl", "text/turtle", "Turtle"))


def dataset_iri(root: str) -> str:
    """The dataset's IRI on a server whose root URL is `root` (ending in /)."""
    return root + ".well-known/void#dataset"


def counts(store: ox.Store, view: str, base_iri: str) -> dict[str, int]:
    """triples, entities, distinctSubjects, distinctObjects, properties, classes (all 0 for an empty store)."""
    names = ("triples", "entities", "distinctSubjects", "distinctObjects", "properties", "classes")
    for r in queries.run(store, "void-counts", {"base": base_iri}, view):
        return {n: int(r[n].value) for n in names}
    return dict.fromkeys(names, 0)


def class_partition(store: ox.Store, view: str) -> list[tuple[str, int]]:
    return [(r["class"].value, int(r["entities"].value)) for r in queries.run(store, "void-classes", {}, view)]


def describe_dataset(store: ox.Store, view: str, base_iri: str, root: str,
                     license: str = DEFAULT_LICENSE) -> rdflib.Graph:
    """The VoID/DCAT description of what `view` shows, for a server at `root` (ends in /)."""
    g = rdflib.Graph()
    V, D, DC = rdflib.Namespace(VOID), rdflib.Namespace(DCAT), rdflib.Namespace(DCTERMS)
    doc = rdflib.URIRef(root + ".well-known/void")
    ds = rdflib.URIRef(dataset_iri(root))
    g.add((doc, RDF.type, V.DatasetDescription))
    g.add((doc, FOAF_PRIMARY, ds))
    g.add((doc, DC["title"], rdflib.Literal("VoID-beschrijving van Connective KG", lang="nl")))
    g.add((doc, DC["title"], rdflib.Literal("VoID description of Connective KG", lang="en")))

    g.add((ds, RDF.type, V.Dataset))
    g.add((ds, RDF.type, D.Dataset))
    for lang in LANGS:
        g.add((ds, DC["title"], rdflib.Literal(TITLE[lang], lang=lang)))
        g.add((ds, DC.description, rdflib.Literal(DESCRIPTION[lang], lang=lang)))
        g.add((ds, RDFS.comment, rdflib.Literal(VIEW_NOTE[view][lang], lang=lang)))
    g.add((ds, DC.license, rdflib.URIRef(license)))
    g.add((ds, V.uriSpace, rdflib.Literal(base_iri)))
    g.add((ds, V.sparqlEndpoint, rdflib.URIRef(root + "sparql")))
    for vocab in VOCABULARIES:
        g.add((ds, V.vocabulary, rdflib.URIRef(vocab)))
    for fmt in ("Turtle", "N-Triples", "N-Quads", "JSON-LD", "RDF_XML"):
        g.add((ds, V.feature, rdflib.URIRef(FORMATS_NS + fmt)))

    # The ontology the data conforms to, with its version.
    for r in queries.run(store, "ontology-version", {}, view):
        onto = rdflib.URIRef(r["ontology"].value)
        if str(onto) != ONTOLOGY_IRI:
            continue
        g.add((ds, DC.conformsTo, onto))
        g.add((onto, RDF.type, rdflib.URIRef(OWL + "Ontology")))
        if r["version"] is not None:
            g.add((onto, rdflib.URIRef(OWL + "versionInfo"), rdflib.Literal(r["version"].value)))
        if r["versionIRI"] is not None:
            g.add((onto, rdflib.URIRef(OWL + "versionIRI"), rdflib.URIRef(r["versionIRI"].value)))
        if r["license"] is not None:
            g.add((onto, DC.license, rdflib.URIRef(r["license"].value)))

    # Dumps: void:dataDump and a DCAT distribution each; the endpoint as a DCAT data service.
    for path, media, name in DUMPS:
        url = rdflib.URIRef(root + path)
        dist = rdflib.URIRef(root + ".well-known/void#" + path.replace(".", "-"))
        g.add((ds, V.dataDump, url))
        g.add((ds, D.distribution, dist))
        g.add((dist, RDF.type, D.Distribution))
        g.add((dist, D.downloadURL, url))
        g.add((dist, D.accessURL, url))
        g.add((dist, D.mediaType, rdflib.URIRef("https://www.iana.org/assignments/media-types/" + media)))
        g.add((dist, DC["format"], rdflib.Literal(media)))
        g.add((dist, DC["title"], rdflib.Literal(f"{name}-dump", lang="nl")))
        g.add((dist, DC["title"], rdflib.Literal(f"{name} dump", lang="en")))
        g.add((dist, DC.license, rdflib.URIRef(license)))
    service = rdflib.URIRef(root + ".well-known/void#sparql")
    g.add((service, RDF.type, D.DataService))
    g.add((service, D.endpointURL, rdflib.URIRef(root + "sparql")))
    g.add((service, D.servesDataset, ds))
    g.add((service, DC.conformsTo, rdflib.URIRef("https://www.w3.org/TR/sparql11-protocol/")))

    # Statistics of this view.
    for name, n in counts(store, view, base_iri).items():
        g.add((ds, V[name], rdflib.Literal(n, datatype=XSD.integer)))
    seen: set[str] = set()
    for cls, n in class_partition(store, view):
        slug = re.sub(r"[^A-Za-z0-9]+", "-", shorten(cls)).strip("-")
        while slug in seen:
            slug += "-"
        seen.add(slug)
        part = rdflib.URIRef(f"{root}.well-known/void#class-{slug}")
        g.add((ds, V.classPartition, part))
        g.add((part, V["class"], rdflib.URIRef(cls)))
        g.add((part, V.entities, rdflib.Literal(n, datatype=XSD.integer)))
    return g



# --- dumps ----------------------------------------------------------------------

def quads(store: ox.Store, view: str) -> Iterator[ox.Quad]:
    """Every quad of the view's named graphs."""
    for graph in view_graphs(store, view):
        yield from store.quads_for_pattern(None, None, None, graph)


def nquads(store: ox.Store, view: str, batch: int = 5000) -> Iterator[bytes]:
    """The view as N-Quads, in chunks of `batch` quads (for a streamed response)."""
    chunk: list[ox.Quad] = []
    for q in quads(store, view):
        chunk.append(q)
        if len(chunk) >= batch:
            yield ox.serialize(chunk, format=ox.RdfFormat.N_QUADS)
            chunk = []
    if chunk:
        yield ox.serialize(chunk, format=ox.RdfFormat.N_QUADS)


def turtle(store: ox.Store, view: str, base_iri: str | None = None) -> bytes:
    """The view's merged graph (each triple once) as Turtle, grouped by subject."""
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads(store, view)},
                     key=lambda t: (isinstance(t.subject, ox.BlankNode), t.subject.value, t.predicate.value, str(t.object)))
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used_prefixes(triples, namespaces(base_iri)))
