"""IRIs of the ontology, the vocabularies and the store's named graphs."""

from __future__ import annotations

CKG = "https://w3id.org/connective-kg/ns#"
ONTOLOGY_IRI = "https://w3id.org/connective-kg/ns"
VOCAB = "https://w3id.org/connective-kg/vocab/"

GRAPH = "https://w3id.org/connective-kg/graph/"
ONTOLOGY_GRAPH = GRAPH + "ontology"
VOCABULARIES_GRAPH = GRAPH + "vocabularies"
INFERRED_GRAPH = GRAPH + "inferred"
PUBLIC_GRAPH = GRAPH + "public"
# Which regions the store holds and the base IRI each owns (kg.ingest.ownership).
REGIONS_GRAPH = GRAPH + "regions"
# What the public sees (kg.pipeline.public builds graph/public); internal use sees every
# graph except graph/public, which is a filtered copy of the data.
PUBLIC_GRAPHS = (ONTOLOGY_GRAPH, VOCABULARIES_GRAPH, PUBLIC_GRAPH)
# The change log (kg.store.log): every committed change, who made it and its delta; not data.
CHANGES_GRAPH = GRAPH + "changes"
SOURCE_GRAPH = GRAPH + "source/"
IMPORT_GRAPH = GRAPH + "import/"  # another region's dump, per name (kg.federation.exchange)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"

# Prefixes used to shorten IRIs in reports and tables, and offered to query
# writers. Order matters for shortening: the longest namespace wins.
PREFIXES: dict[str, str] = {
    "ckg": CKG,
    "ckgsh": "https://w3id.org/connective-kg/shapes#",
    "topic": VOCAB + "topic/",
    "role": VOCAB + "role/",
    "depth": VOCAB + "depth/",
    "level": VOCAB + "level/",
    "mechanism": VOCAB + "mechanism/",
    "consent": VOCAB + "consent/",
    "sector": VOCAB + "sector/",
    "vocab": VOCAB,
    "graph": GRAPH,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "sh": SH,
    "skos": SKOS,
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "tw": "https://knll-twente.example/id/",
}

BUILTIN_NAMESPACES = (RDF, RDFS, OWL, XSD)


def shorten(iri: str, prefixes: dict[str, str] | None = None) -> str:
    """`https://w3id.org/connective-kg/ns#Person` -> `ckg:Person`; unknown IRIs in <>."""
    best = ""
    best_prefix = ""
    for prefix, ns in (prefixes or PREFIXES).items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, best_prefix = ns, prefix
    local = iri[len(best):]
    if best and local and all(c.isalnum() or c in "-_." for c in local):
        return f"{best_prefix}:{local}"
    return f"<{iri}>"


def local_name(iri: str) -> str:
    """The IRI's last segment, after its last `/` or `#` (a trailing `/` or `#` ignored):
    `https://w3id.org/connective-kg/ns#Person` -> `Person`; an IRI with neither is its own name."""
    stripped = iri.rstrip("/#")
    if not stripped:
        return iri
    return stripped[max(stripped.rfind("/"), stripped.rfind("#")) + 1:]


def sparql_prologue(prefixes: dict[str, str] | None = None) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or PREFIXES).items())
