"""Exchange with other regions: the public graph out as a dump, another region's dump in.

`export_dump` (`kg export --out DIR`) writes the **public view** only (never an
internal graph) into a folder:

    dump.nq         N-Quads of graph/ontology, graph/vocabularies and graph/public
                    (exactly what /dump.nq serves: kg.answers.void.nquads)
    dump.ttl        the same view merged into one graph, as Turtle (what /dump.ttl serves)
    void.ttl        the VoID/DCAT description of /.well-known/void (kg.answers.void.describe_dataset)
                    for a folder: the dumps by relative file name, each with its size and
                    SHA-256 (spdx:checksum), the ontology with owl:versionInfo/versionIRI
    context.jsonld  the published JSON-LD context
    ontology.ttl    the ontology

`import_dump` (`kg import DUMP --region NAME`) reads such a dump (or any RDF
file), keeps only the other region's *data*, puts it into the named graph
`graph/import/<NAME>` and checks it together with what the store holds exactly
as an ingest does (kg.pipeline.build.check_quads: OWL 2 RL + SHACL; findings about
other data only are reported apart and do not block). Only a clean check is
committed, in one atomic switch that replaces a previous import of NAME and
nothing else (kg.ingest.pipeline.commit).

What is *not* taken from a dump (counted in the report):
- the graphs graph/ontology and graph/vocabularies (this store uses its own);
- statements about our own terms (any subject under https://w3id.org/connective-kg/:
  ontology, vocabulary concepts, graphs), which in a merged Turtle or JSON-LD dump
  are the other region's copy of the ontology and vocabularies;
- schema statements (owl:*, rdfs:subClassOf/subPropertyOf/domain/range, classes and
  properties declared as such): an import carries data, never axioms that would
  change how *our* data is reasoned over (owl:sameAs, an inverse of ckg:consent);
- the blank nodes hanging only from those statements.

An internal dump (graph/inferred, graph/source/..., graph/region/...) is refused.

Privacy: the dump is the other region's public view, so its people are anonymous
roles or consented people already; kg.pipeline.public derives our graph/public from it in
the same way (the anonymous label is recomputed from role and affiliation). The
import must not make anyone of the store's other data public: a person that is not
public in the store and would be (consent:public asserted or inferred) after the
import blocks it (the check `ckgsh:ImportConsentCheck`).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, XSD

from kg.answers import describe as kd
from kg.answers import void
from kg.ingest.export import infer_base
from kg.ingest.findings import graphs_of
from kg.ingest.ownership import now
from kg.ingest.pipeline import DERIVED_GRAPHS, Unblocked, commit_recomputed, core_quads
from kg.model.namespaces import (
    CKG,
    GRAPH,
    IMPORT_GRAPH,
    ONTOLOGY_GRAPH,
    ONTOLOGY_IRI,
    OWL,
    PUBLIC_GRAPH,
    PUBLIC_GRAPHS,
    VOCAB,
    VOCABULARIES_GRAPH,
    shorten,
)
from kg.pipeline.build import BuildResult, check_quads
from kg.pipeline.reason import DEFAULT_REASONER, Inconsistency
from kg.pipeline.report import render as render_build
from kg.pipeline.report import term
from kg.rdf.rdfio import FORMATS, RdfLoadError, Source, from_rdflib, parse_source, to_rdflib
from kg.shacl.validate import Finding
from kg.sparql import queries
from kg.store import GraphStore, log
from kg.text import LANGS, Strings, Text

OURS = "https://w3id.org/connective-kg/"  # ontology, vocabularies, graphs, shapes: never taken from a dump
DUMP_FILES = ("dump.nq", "dump.trig", "dump.ttl", "dump.nt", "dump.jsonld")  # what a folder is read for, in order
VOID_FILE, CONTEXT_FILE, ONTOLOGY_FILE = "void.ttl", "context.jsonld", "ontology.ttl"
CONSENT_CHECK = "https://w3id.org/connective-kg/shapes#ImportConsentCheck"

_PLACEHOLDER = "http://kg-export.invalid/"  # the "server root" of an exported folder; written as relative IRIs
_SPDX = "http://spdx.org/rdf/terms#"
_RDF_TYPE = RDF.type.toPython()
_CONSENT = ox.NamedNode(CKG + "consent")
_CONSENT_PUBLIC = ox.NamedNode(VOCAB + "consent/public")
_SCHEMA_PREDICATES = frozenset(str(p) for p in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range))
_SCHEMA_CLASSES = frozenset(str(c) for c in (RDFS.Class, RDF.Property, RDFS.Datatype, RDFS.ContainerMembershipProperty))


class ExchangeError(Exception):
    """An export that cannot be written as asked (e.g. the store has no public graph)."""


def import_graph(name: str) -> str:
    """The named graph of the import NAME: `https://w3id.org/connective-kg/graph/import/<NAME>`."""
    return IMPORT_GRAPH + name


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --- export ---------------------------------------------------------------------

@dataclass
class Exported:
    folder: Path
    files: list[Path]
    base: str
    sha256: dict[str, str]  # file name -> hex digest
    quads: int  # in dump.nq


def data_base(db: ox.Store) -> str:
    """The IRI space of the store's own data (not of imports): the common namespace of typed subjects."""
    typed: set[str] = set()
    for q in db.quads_for_pattern(None, ox.NamedNode(_RDF_TYPE), None, None):
        g = q.graph_name.value
        if g in DERIVED_GRAPHS or g.startswith(IMPORT_GRAPH) or not isinstance(q.subject, ox.NamedNode):
            continue
        if not q.subject.value.startswith(OURS):
            typed.add(q.subject.value)
    return infer_base(sorted(typed))


def _write(path: Path, chunks) -> None:
    """Write chunks to `path` through a temporary file and a rename (no half file under the name)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def export_dump(db: ox.Store, folder: Path | str, base: str | None = None,
                license: str = void.DEFAULT_LICENSE) -> Exported:
    """Write the public view of `db` as dump.nq, dump.ttl, void.ttl, context.jsonld and ontology.ttl."""
    if not db.contains_named_graph(ox.NamedNode(PUBLIC_GRAPH)):
        raise ExchangeError("the store holds no public graph: build or ingest data first")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    base = base if base is not None else data_base(db)

    nq, ttl = folder / "dump.nq", folder / "dump.ttl"
    _write(nq, void.nquads(db, "public"))
    _write(ttl, [void.turtle(db, "public", base or None)])
    sums = {p.name: _sha256(p) for p in (nq, ttl)}
    sizes = {p.name: p.stat().st_size for p in (nq, ttl)}
    quads = sum(1 for _ in void.quads(db, "public"))

    _write(folder / CONTEXT_FILE, [kd.context_document()])
    _write(folder / ONTOLOGY_FILE, [_ontology_turtle(db)])
    g = offline_description(db, base, sums, sizes, license)
    text = kd.serialize(g, "ttl", base or None, first=_PLACEHOLDER + VOID_FILE + "#dataset")
    _write(folder / VOID_FILE, [text.replace(b"<" + _PLACEHOLDER.encode(), b"<")])
    files = [nq, ttl, folder / VOID_FILE, folder / CONTEXT_FILE, folder / ONTOLOGY_FILE]
    return Exported(folder, files, base, sums, quads)


def _ontology_turtle(db: ox.Store) -> bytes:
    """The packaged ontology file (with its comments) if the store holds that version, else the store's."""
    stored = [r for r in queries.run(db, "ontology-version", {}, "public") if r["ontology"].value == ONTOLOGY_IRI]
    packaged = kd.ontology_info()["version"]
    if not stored or (stored[0]["version"] is not None and stored[0]["version"].value == packaged):
        return kd.ontology_turtle()
    graph = [q.triple for q in db.quads_for_pattern(None, None, None, ox.NamedNode(ONTOLOGY_GRAPH))]
    return ox.serialize(graph, format=ox.RdfFormat.TURTLE, prefixes=kd.used_prefixes(graph, kd.namespaces()))


def offline_description(db: ox.Store, base: str, sha256: dict[str, str], sizes: dict[str, int],
                        license: str = void.DEFAULT_LICENSE) -> rdflib.Graph:
    """kg.answers.void's description of the public view, re-aimed at an exported folder.

    IRIs under the placeholder root become relative references when written:
    `<void.ttl#dataset>`, `<dump.nq>`; the SPARQL endpoint (there is none
    offline) is left out; each dump gets dcat:byteSize and an spdx:checksum.
    """
    R = _PLACEHOLDER
    web = void.describe_dataset(db, "public", base, R, license=license)
    service, endpoint = rdflib.URIRef(R + ".well-known/void#sparql"), rdflib.URIRef(R + "sparql")

    def moved(t: rdflib.term.Node) -> rdflib.term.Node:
        if isinstance(t, rdflib.URIRef) and str(t).startswith(R + ".well-known/void"):
            return rdflib.URIRef(R + VOID_FILE + str(t)[len(R + ".well-known/void"):])
        return t

    g = rdflib.Graph()
    for s, p, o in web:
        if {s, o} & {service, endpoint}:
            continue
        g.add((moved(s), p, moved(o)))
    doc, ds = rdflib.URIRef(R + VOID_FILE), rdflib.URIRef(R + VOID_FILE + "#dataset")
    DC, D, S = rdflib.Namespace(kd.DCTERMS), rdflib.Namespace(kd.DCAT), rdflib.Namespace(_SPDX)
    FOAF = rdflib.Namespace(kd.FOAF)
    g.add((doc, RDFS.comment, rdflib.Literal(
        "Geschreven door kg export --out; bestandsnamen zijn relatief ten opzichte van dit bestand.", lang="nl")))
    g.add((doc, RDFS.comment, rdflib.Literal(
        "Written by kg export --out; file names are relative to this file.", lang="en")))
    for name, digest in sha256.items():
        dist = rdflib.URIRef(R + VOID_FILE + "#" + name.replace(".", "-"))
        checksum = rdflib.URIRef(R + VOID_FILE + "#" + name.replace(".", "-") + "-sha256")
        g.add((dist, D.byteSize, rdflib.Literal(str(sizes[name]), datatype=XSD.nonNegativeInteger)))
        g.add((dist, S.checksum, checksum))
        g.add((checksum, RDF.type, S.Checksum))
        g.add((checksum, S.algorithm, S.checksumAlgorithm_sha256))
        g.add((checksum, S.checksumValue, rdflib.Literal(digest, datatype=XSD.hexBinary)))
    onto_file, context_file = rdflib.URIRef(R + ONTOLOGY_FILE), rdflib.URIRef(R + CONTEXT_FILE)
    g.add((rdflib.URIRef(ONTOLOGY_IRI), RDFS.isDefinedBy, onto_file))
    g.add((onto_file, RDF.type, FOAF.Document))
    g.add((onto_file, FOAF.primaryTopic, rdflib.URIRef(ONTOLOGY_IRI)))
    g.add((onto_file, DC["format"], rdflib.Literal("text/turtle")))
    g.add((ds, RDFS.seeAlso, context_file))
    g.add((context_file, RDF.type, FOAF.Document))
    g.add((context_file, DC["format"], rdflib.Literal("application/ld+json")))
    g.add((context_file, DC["title"], rdflib.Literal("JSON-LD-context", lang="nl")))
    g.add((context_file, DC["title"], rdflib.Literal("JSON-LD context", lang="en")))
    return g


# --- import: reading a dump -------------------------------------------------------

@dataclass
class Dump:
    """What was read from a dump: the data quads (in the import graph) and what was left out."""

    given: Path
    file: Path
    quads: list[ox.Quad] = field(default_factory=list)
    dropped: int = 0  # ontology/vocabulary copies, statements about our terms, schema statements
    graphs: list[str] = field(default_factory=list)  # named graphs in the file ("" = default graph)
    version: str | None = None  # the ontology version the dump was made with, where it says


def dump_file(path: Path) -> Path:
    """The file to read: PATH itself, or in a folder the first of DUMP_FILES."""
    if path.is_dir():
        for name in DUMP_FILES:
            if (path / name).is_file():
                return path / name
        raise RdfLoadError(path, f"folder holds no dump ({', '.join(DUMP_FILES)}); write one with kg export --out")
    if not path.is_file():
        raise RdfLoadError(path, "no such file or folder")
    if path.suffix.lower() not in FORMATS:
        raise RdfLoadError(path, f"unsupported file type {path.suffix!r}; use one of {', '.join(FORMATS)}")
    return path


def read_dump(path: Path | str, name: str) -> Dump:
    """Parse a dump and keep the other region's data, in graph/import/NAME. Raises RdfLoadError."""
    given = Path(path)
    file = dump_file(given)
    if given.is_dir():
        verify_checksums(given, file)
    graph = import_graph(name)
    try:
        parsed = parse_source(Source(file, graph))
    except OSError as e:  # parse_source reads the file before its own error handling
        raise RdfLoadError(file, str(e)) from None
    dump = Dump(given, file)
    graphs = sorted({"" if q.graph_name.value == graph else q.graph_name.value for q in parsed})
    dump.graphs = graphs
    internal = [g for g in graphs if g.startswith(GRAPH) and g not in PUBLIC_GRAPHS]
    if internal:
        raise RdfLoadError(file, f"holds internal graphs ({', '.join(shorten(g) for g in internal)}): import only "
                                 "public dumps (kg export --out, or /dump.nq without signing in)")
    core = {ONTOLOGY_GRAPH, VOCABULARIES_GRAPH}
    packaged = {q.triple for q in core_quads() if not _has_blank(q.triple)}
    triples: list[ox.Triple] = []
    for q in parsed:
        t = q.triple
        if q.predicate.value == OWL + "versionInfo" and q.subject.value == ONTOLOGY_IRI:
            dump.version = q.object.value
        if q.graph_name.value in core:
            dump.dropped += 1
        else:
            triples.append(t)
    triples = list(dict.fromkeys(triples))
    kept, dropped = _data_only(triples, packaged)
    dump.dropped += dropped
    if dump.version is None and given.is_dir():
        dump.version = _void_version(given / VOID_FILE)
    dump.quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in kept]
    if not dump.quads:
        raise RdfLoadError(file, "holds no data (only ontology and vocabulary statements)")
    return dump


def _has_blank(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def _foreign(t: ox.Triple, packaged: set[ox.Triple]) -> bool:
    """A statement that is not the other region's data: about our own terms, schema, or our packaged copy."""
    if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(OURS):
        return True
    p = t.predicate.value
    if p.startswith(OWL) or p in _SCHEMA_PREDICATES:
        return True
    if p == _RDF_TYPE and isinstance(t.object, ox.NamedNode) and (
            t.object.value.startswith(OWL) or t.object.value in _SCHEMA_CLASSES):
        return True
    return t in packaged


def _data_only(triples: list[ox.Triple], packaged: set[ox.Triple]) -> tuple[list[ox.Triple], int]:
    """(the data triples, how many were dropped): foreign statements and the blank nodes only they reach."""
    kept = [t for t in triples if not _foreign(t, packaged)]
    gone = len(triples) - len(kept)
    seeds = {t.object for t in triples if _foreign(t, packaged) and isinstance(t.object, ox.BlankNode)}
    while seeds:
        referenced = {t.object for t in kept if t.subject not in seeds}
        orphans = seeds - referenced
        if not orphans:
            break
        before = len(kept)
        nxt = {t.object for t in kept if t.subject in orphans and isinstance(t.object, ox.BlankNode)}
        kept = [t for t in kept if t.subject not in orphans]
        gone += before - len(kept)
        seeds = nxt
    return kept, gone


def _void_triples(void_path: Path) -> list[ox.Quad]:
    try:
        return list(ox.parse(void_path.read_bytes(), format=ox.RdfFormat.TURTLE, base_iri=void_path.resolve().as_uri()))
    except (SyntaxError, ValueError, OSError) as e:
        raise RdfLoadError(void_path, str(e)) from None


def verify_checksums(folder: Path, file: Path) -> None:
    """If the folder's void.ttl gives an spdx:checksum (SHA-256) for `file`, it must match."""
    void_path = folder / VOID_FILE
    if not void_path.is_file():
        return
    quads = _void_triples(void_path)
    url = file.resolve().as_uri()
    dists = {q.subject for q in quads if q.predicate.value == kd.DCAT + "downloadURL" and q.object.value == url}
    sums = {q.object for q in quads if q.subject in dists and q.predicate.value == _SPDX + "checksum"}
    for c in sums:
        algorithm = next((q.object.value for q in quads if q.subject == c and q.predicate.value == _SPDX + "algorithm"),
                         None)
        value = next((q.object.value for q in quads if q.subject == c and q.predicate.value == _SPDX + "checksumValue"),
                     None)
        if algorithm == _SPDX + "checksumAlgorithm_sha256" and value:
            actual = _sha256(file)
            if actual != value.lower():
                raise RdfLoadError(file, f"SHA-256 {actual} does not match the checksum {value} in {void_path}: "
                                         "the file is incomplete or was changed")


def _void_version(void_path: Path) -> str | None:
    if not void_path.is_file():
        return None
    for q in _void_triples(void_path):
        if q.subject.value == ONTOLOGY_IRI and q.predicate.value == OWL + "versionInfo":
            return q.object.value
    return None


# --- import: checking and committing ------------------------------------------------

@dataclass
class ImportResult:
    name: str
    given: Path
    dump: Dump | None = None
    build: BuildResult = field(default_factory=BuildResult)  # load errors; what blocks or concerns the import
    elsewhere: list[Finding | Inconsistency] = field(default_factory=list)  # other data only; not blocking
    elsewhere_graphs: dict[str, str] = field(default_factory=dict)  # node -> graph
    quads: list[ox.Quad] = field(default_factory=list)  # what a commit writes (every graph)
    generation: str | None = None
    checked_model: bool = False
    committed: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def graph(self) -> str:
        return import_graph(self.name)

    @property
    def ok(self) -> bool:
        return self.checked_model and self.build.conforms

    @property
    def exit_code(self) -> int:
        return self.build.exit_code


def check(path: Path | str, name: str, store: GraphStore | None, reasoner: str = DEFAULT_REASONER) -> ImportResult:
    """Read the dump and check it together with what `store` holds; write nothing."""
    result = ImportResult(name, Path(path))
    result.build = BuildResult(reasoner=reasoner)
    t0 = time.perf_counter()
    try:
        dump = read_dump(path, name)
    except RdfLoadError as e:
        result.build.errors.append(e)
        return result
    result.dump = dump
    graph = result.graph
    result.build.sources = [Source(dump.file, graph)]
    result.build.triples = {graph: len(dump.quads)}
    result.timings["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    result.generation = store.generation() if store else None
    db = store.open() if store and result.generation else ox.Store()
    other: list[ox.Quad] = []
    old_nodes: set = set()
    public_before: set = set()
    for q in db.quads_for_pattern(None, None, None, None):
        g = q.graph_name.value
        if g == graph:
            old_nodes.add(q.subject)
            continue
        if g not in DERIVED_GRAPHS:
            other.append(q)
        if g != PUBLIC_GRAPH and q.predicate == _CONSENT and q.object == _CONSENT_PUBLIC:
            public_before.add(q.subject)
    del db
    result.timings["read store"] = time.perf_counter() - t0

    checked, quads = check_quads(core_quads() + other + dump.quads, Unblocked(reasoner=reasoner))
    result.checked_model = True
    result.timings.update(checked.timings)

    # Which findings are this import's (block if violations) and which are about other data only.
    touched = old_nodes | {t for q in dump.quads for t in (q.subject, q.object) if not isinstance(t, ox.Literal)}
    mine_f, mine_i = [], []
    for f in checked.findings:
        value = from_rdflib(f.value) if f.value is not None else None
        (mine_f if from_rdflib(f.focus) in touched or value in touched else result.elsewhere).append(f)
    for inc in checked.inconsistencies:
        (mine_i if from_rdflib(inc.node) in touched else result.elsewhere).append(inc)

    # The import must not make anyone of the other data public.
    described = {q.subject for q in other}
    public_after = {q.subject for q in quads
                    if q.predicate == _CONSENT and q.object == _CONSENT_PUBLIC and q.graph_name.value != PUBLIC_GRAPH}
    for node in sorted((public_after - public_before) & described, key=str):
        mine_f.append(Finding(
            focus=to_rdflib(node), shape=rdflib.URIRef(CONSENT_CHECK), severity="Violation", component="ImportConsent",
            path=CKG + "consent", value=to_rdflib(_CONSENT_PUBLIC), messages={
                "nl": "Deze import zou iemand openbaar maken die de andere gegevens in de store niet openbaar "
                      "maken (toestemming 'openbaar'): een import mag niemand meer zichtbaar maken.",
                "en": "This import would make public someone whom the store's other data does not make public "
                      "(consent 'public'): an import must never expose anyone further."}))

    b = result.build
    b.findings, b.inconsistencies, b.inferred = mine_f, mine_i, checked.inferred
    b.node_files = {str(to_rdflib(s)): [str(dump.file)] for s in {q.subject for q in dump.quads}}
    b.timings = result.timings
    result.elsewhere_graphs = {str(to_rdflib(k)): v for k, v in graphs_of(other).items()}
    result.quads = quads if result.ok else []
    return result


def import_dump(path: Path | str, name: str, store: GraphStore, dry_run: bool = False,
                reasoner: str = DEFAULT_REASONER, who: str = "") -> ImportResult:
    """Check, and commit when clean (unless `dry_run`): one atomic switch of the store.

    Raises kg.ingest.pipeline.StoreChanged if another write switched the store meanwhile."""
    result = check(path, name, store, reasoner)
    if result.ok and not dry_run:
        # refuses if the store moved on, then replace_all keeping the change log, with this import logged
        commit_recomputed(store, result.quads, result.generation, log.Change(0, now(), who, str(path)), result.graph)
        result.build.committed = True
    return result


# --- the report ---------------------------------------------------------------------

_T = Strings({
    "head": Text(nl="Import {file} -> {graph}: {n} triples", en="Import {file} -> {graph}: {n} triples"),
    "dropped": Text(nl="{n} triples niet overgenomen: ontologie, vocabulaires en schema (deze store gebruikt de eigen).",
                    en="{n} triples not taken: ontology, vocabularies and schema (this store uses its own)."),
    "version": Text(nl="Let op: de dump is gemaakt met ontologieversie {theirs}; deze store gebruikt {ours} en "
                       "controleert daarmee.",
                    en="Note: the dump was made with ontology version {theirs}; this store uses {ours} and checks "
                       "against it."),
    "elsewhere": Text(nl="Elders in de store, niet door deze import ({n}; blokkeert niet):",
                      en="Elsewhere in the store, not caused by this import ({n}; not blocking):"),
    "infos": Text(nl="en {n} melding(en) (info)", en="and {n} info(s)"),
})


def render(result: ImportResult, lang: str = "nl", store: str | None = None, dry_run: bool = False) -> str:
    """The report of `kg import`: what was read, then kg.pipeline.report's rendering, then findings elsewhere."""
    lang = lang if lang in LANGS else "nl"
    out: list[str] = []
    dump = result.dump
    if dump is not None:
        out.append(_T("head", lang, file=dump.file, graph=shorten(result.graph), n=len(dump.quads)))
        if dump.dropped:
            out.append(_T("dropped", lang, n=dump.dropped))
        ours = kd.ontology_info()["version"]
        if dump.version and ours and dump.version != ours:
            out.append(_T("version", lang, theirs=dump.version, ours=ours))
    out.append(render_build(result.build, lang, store=store, dry_run=dry_run))
    if result.elsewhere:
        out.append("")
        out.append(_T("elsewhere", lang, n=len(result.elsewhere)))
        infos = [x for x in result.elsewhere if isinstance(x, Finding) and x.severity == "Info"]
        for x in result.elsewhere:
            if x in infos:
                continue
            if isinstance(x, Inconsistency):
                node, msg, sev = x.node, x.message[lang], "owl"
            else:
                node, msg, sev = x.focus, x.message(lang), f"{x.severity} {term(x.shape)}"
            graph = result.elsewhere_graphs.get(str(node))
            out.append(f"  {term(node)}" + (f"  ({shorten(graph)})" if graph else "") + f"  {sev}: {msg}")
        if infos:
            out.append("  " + _T("infos", lang, n=len(infos)))
    return "\n".join(out)
