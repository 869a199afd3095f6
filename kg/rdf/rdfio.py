"""Reading RDF files into quads, and moving terms between pyoxigraph and rdflib.

Parsing is done by pyoxigraph: it is fast, it never fetches anything (remote
JSON-LD contexts are refused) and its syntax errors carry line and column.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import rdflib

from kg.model.namespaces import SOURCE_GRAPH

FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
}

Term = ox.NamedNode | ox.BlankNode | ox.Literal
RdflibTriple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]


class RdfLoadError(Exception):
    """A file that cannot be read as RDF: says which file, where and why."""

    def __init__(self, path: Path | str, message: str, line: int | None = None, column: int | None = None):
        self.path = str(path)
        self.line = line
        self.column = column
        self.message = message
        where = self.path + (f":{line}" if line else "") + (f":{column}" if line and column else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Source:
    """One input file and the named graph its triples go to."""

    path: Path
    graph: str

    @property
    def name(self) -> str:
        return self.graph.removeprefix(SOURCE_GRAPH)


def collect_sources(paths: Iterable[Path | str]) -> list[Source]:
    """Expand files and folders (recursively) into sources with their graph IRIs.

    A file named on the command line must have a known extension; inside a
    folder, files with other extensions (README.md, .csv) are skipped.
    """
    sources: list[Source] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS)
            if not files:
                raise RdfLoadError(path, "folder holds no RDF files (.ttl, .nt, .jsonld, .trig, .nq)")
            for f in files:
                rel = f.relative_to(path.parent if path.parent != path else path)
                sources.append(Source(f, source_graph(rel.as_posix())))
        elif path.is_file():
            if path.suffix.lower() not in FORMATS:
                raise RdfLoadError(path, f"unsupported file type {path.suffix!r}; use one of {', '.join(FORMATS)}")
            sources.append(Source(path, source_graph(path.name)))
        else:
            raise RdfLoadError(path, "no such file or folder")
    seen: dict[str, Path] = {}
    for s in sources:
        if s.graph in seen and seen[s.graph] != s.path:
            raise RdfLoadError(s.path, f"same graph name as {seen[s.graph]}; rename one of them")
        seen[s.graph] = s.path
    return sources


def source_graph(name: str) -> str:
    return SOURCE_GRAPH + quote(name, safe="/-_.~")


_POSITION = re.compile(r"line (\d+)(?: between columns (\d+))?")


def parse_source(source: Source) -> list[ox.Quad]:
    """Parse one file; triples of its default graph go to the source's graph."""
    fmt = FORMATS[source.path.suffix.lower()]
    data = source.path.read_bytes()
    if fmt is ox.RdfFormat.JSON_LD and b"<!DOCTYPE" in data[:4096]:
        raise RdfLoadError(source.path, "not JSON-LD (found <!DOCTYPE)")
    graph = ox.NamedNode(source.graph)
    # Blank-node labels are scoped to their file: `_:b0` in two files are two nodes.
    scope = hashlib.sha1(source.graph.encode()).hexdigest()[:8]
    try:
        quads = [_scoped(q, graph, scope) for q in ox.parse(data, format=fmt)]
    except SyntaxError as e:
        msg = str(e.msg if hasattr(e, "msg") else e)
        m = _POSITION.search(msg)
        line = e.lineno or (int(m.group(1)) if m else None)
        column = e.offset or (int(m.group(2)) if m and m.group(2) else None)
        msg = re.sub(r"^Parser error at line \d+(?: between columns \d+ and \d+)?: ", "", msg)
        msg = re.sub(r" \(line \d+\)$", "", msg)
        raise RdfLoadError(source.path, msg, line, column) from None
    except (ValueError, OSError) as e:
        raise RdfLoadError(source.path, str(e)) from None
    if not quads and data.strip() and fmt is ox.RdfFormat.JSON_LD:
        raise RdfLoadError(source.path, "JSON-LD document produced no triples (relative @id without @base?)")
    return quads


def _scoped(q: ox.Quad, default_graph: ox.NamedNode, scope: str) -> ox.Quad:
    def term(t):
        return ox.BlankNode(f"s{scope}{t.value}") if isinstance(t, ox.BlankNode) else t

    g = default_graph if isinstance(q.graph_name, ox.DefaultGraph) else term(q.graph_name)
    if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) or g is not q.graph_name:
        return ox.Quad(term(q.subject), q.predicate, term(q.object), g)
    return q


def parse_file(path: Path | str, graph: str) -> list[ox.Quad]:
    return parse_source(Source(Path(path), graph))


# --- pyoxigraph <-> rdflib -------------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_rdflib(term: Term) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    dt = term.datatype.value
    if dt == _XSD_STRING:
        return rdflib.Literal(term.value)
    # normalize=False keeps the lexical form exactly as written.
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(dt), normalize=False)


def from_rdflib(term: rdflib.term.Node) -> Term:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(_bnode_id(str(term)))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _RDF_LANGSTRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _bnode_id(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_\-.]*", value) else "b" + re.sub(r"[^A-Za-z0-9_]", "_", value)


def normalise_rdflib(term: rdflib.term.Node) -> rdflib.term.Node:
    """Plain and xsd:string literals are the same term in RDF 1.1; rdflib disagrees."""
    if isinstance(term, rdflib.Literal) and term.datatype is not None and str(term.datatype) == _XSD_STRING:
        return rdflib.Literal(str(term))
    return term


def rdflib_graph(quads: Iterable[ox.Quad]) -> rdflib.Graph:
    """All quads as one rdflib graph (the union), for owlrl and pySHACL."""
    g = rdflib.Graph()
    add = g.add
    cache: dict[Term, rdflib.term.Node] = {}

    def conv(t: Term) -> rdflib.term.Node:
        r = cache.get(t)
        if r is None:
            r = cache[t] = to_rdflib(t)
        return r

    for q in quads:
        add((conv(q.subject), conv(q.predicate), conv(q.object)))
    return g


def canonical(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The quads as a store holds them: literals by value ("40.0"^^xsd:decimal is "40"), so that
    parsed quads compare equal to stored ones."""
    given = {q: q for q in quads}  # a quad the store keeps as it is stays the same object (not a copy)
    db = ox.Store()
    db.extend(given)
    return [given.get(q, q) for q in db.quads_for_pattern(None, None, None, None)]


def quads_in(triples: Iterable[RdflibTriple], graph: str) -> Iterator[ox.Quad]:
    g = ox.NamedNode(graph)
    for s, p, o in triples:
        yield ox.Quad(from_rdflib(s), from_rdflib(p), from_rdflib(o), g)
