"""Which shape costs what: pySHACL time per node shape and per property shape.

    .venv/bin/python -m bench.shape_costs [--size 100000] [--top 5] [--profile]

Builds the same data graph the build validates (a generated region, reasoned
with `reasonable`, without the ontology's axioms, plus the inferred triples),
then validates it once with all shapes, and again with only one node shape
"switched on" at a time (every other node shape loses its targets, so pySHACL
skips it). For the costliest node shapes it goes one level down: that shape
with only one of its property shapes at a time. With `--profile` it also runs
the full validation under cProfile and prints the top functions.

The per-shape times do not add up exactly to the full run (pySHACL has a
fixed cost per run, and some work is shared), but they show where it goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
from collections import Counter
from pathlib import Path

import rdflib
from rdflib import RDF
from rdflib.namespace import SH

TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def data_view(path: Path, reasoner: str = "reasonable") -> rdflib.Graph:
    """What kg.pipeline.build.check hands to pySHACL for this file."""
    import kg.pipeline.build as kb
    from kg.pipeline.reason import materialise
    from kg.rdf.rdfio import parse_source, rdflib_graph

    quads = []
    for source in kb.core_sources() + kb.collect_sources([path]):
        quads.extend(parse_source(source))
    union = rdflib_graph(quads)
    ontology = rdflib_graph(q for q in quads if q.graph_name.value == kb.ONTOLOGY_GRAPH)
    inferred, _flags = materialise(union, reasoner)
    view = kb._without(union, ontology)
    for t in inferred:
        view.add(t)
    return view


def run(data: rdflib.Graph, shapes: rdflib.Graph) -> tuple[float, int]:
    """pySHACL the way kg.shacl.validate runs it (through its query-caching graph, if it has one)."""
    from pyshacl import validate

    try:
        from kg.shacl.validate import queryable
    except ImportError:  # an older kg.shacl.validate
        def queryable(g: rdflib.Graph) -> rdflib.Graph:
            return g
    t0 = time.perf_counter()
    _conforms, results, _ = validate(queryable(data), shacl_graph=shapes, inference="none", advanced=False,
                                     allow_warnings=True, abort_on_first=False)
    return time.perf_counter() - t0, len(set(results.subjects(RDF.type, SH.ValidationResult)))


def cache_parsed_queries() -> None:
    """Experiment: let rdflib keep the parsed and translated form of each query
    text, so pySHACL's per-focus-node `graph.query(text, initBindings=...)`
    parses each SHACL-SPARQL constraint once instead of once per focus node.
    (Process-wide; for measuring only.)"""
    from functools import lru_cache

    from rdflib.plugins.sparql import processor

    @lru_cache(maxsize=256)
    def translated(text: str, base: str | None, ns: tuple) -> object:
        return processor.translateQuery(processor.parseQuery(text), base, dict(ns) or None)

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(strOrQuery, str):
            strOrQuery = translated(strOrQuery, base, tuple(sorted((initNs or {}).items())))
        return processor.evalQuery(self.graph, strOrQuery, initBindings, base)

    processor.SPARQLProcessor.query = query


def inject_errors(data: rdflib.Graph, n: int = 5) -> None:
    """Break a few things the SPARQL constraints check, so both runs have violations to compare."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import XSD

    dct_date = URIRef("http://purl.org/dc/terms/date")
    time_ = "http://www.w3.org/2006/time#"
    adoptions = sorted(data.subjects(RDF.type, URIRef("https://w3id.org/connective-kg/ns#Adoption")))[:: 97][:n]
    for a in adoptions:
        data.set((a, dct_date, Literal("2000-01-01", datatype=XSD.date)))
    ends = sorted(data.subjects(URIRef(time_ + "hasEnd"), None), key=str)[:: 53][:n]
    for interval in ends:
        end = data.value(interval, URIRef(time_ + "hasEnd"))
        data.set((end, URIRef(time_ + "inXSDDate"), Literal("1999-12-31", datatype=XSD.date)))


def finding_keys(data: rdflib.Graph, shapes: rdflib.Graph) -> tuple[float, set]:
    from pyshacl import validate

    t0 = time.perf_counter()
    _c, results, _ = validate(data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True,
                              abort_on_first=False)
    sec = time.perf_counter() - t0
    keys = {(str(results.value(r, SH.focusNode)), str(results.value(r, SH.sourceShape)),
             str(results.value(r, SH.resultSeverity)), str(results.value(r, SH.value)))
            for r in results.subjects(RDF.type, SH.ValidationResult)}
    return sec, keys


def only_node_shape(shapes: rdflib.Graph, keep: rdflib.term.Node) -> rdflib.Graph:
    g = rdflib.Graph()
    for s, p, o in shapes:
        if p in TARGET_PREDICATES and s != keep:
            continue
        g.add((s, p, o))
    return g


def only_property(shapes: rdflib.Graph, node: rdflib.term.Node, prop: rdflib.term.Node | None) -> rdflib.Graph:
    g = only_node_shape(shapes, node)
    for p in list(g.objects(node, SH.property)):
        if p != prop:
            g.remove((node, SH.property, p))
    return g


def _name(term: rdflib.term.Node) -> str:
    s = str(term)
    return s.rsplit("#", 1)[-1] if "#" in s else s


def main(argv: list[str] | None = None) -> None:
    from kg.shacl.validate import shapes_graph
    from synthetic.generate import people_for_triples, write

    ap = argparse.ArgumentParser(prog="python -m bench.shape_costs", description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000, help="triples to generate (default: %(default)s)")
    ap.add_argument("--data", type=Path, help="validate this file instead of a generated region")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=4, help="node shapes to split by property shape")
    ap.add_argument("--profile", action="store_true", help="also cProfile the full validation")
    ap.add_argument("--compare-query-cache", action="store_true",
                    help="only: validate (with a few injected errors) without and with parsed-query caching, "
                         "compare time and results")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.data
        if path is None:
            path = Path(tmp) / f"region-{args.size}.nt"
            n = write(path, people_for_triples(args.size), seed=args.seed)
            print(f"generated {n:,} triples")
        t0 = time.perf_counter()
        data = data_view(path)
        print(f"data view: {len(data):,} triples in {time.perf_counter() - t0:.1f} s")
    shapes = shapes_graph()
    if args.compare_query_cache:
        inject_errors(data)
        plain_sec, plain = finding_keys(data, shapes)
        cache_parsed_queries()
        cached_sec, cached = finding_keys(data, shapes)
        sev = lambda keys: sorted(Counter(k[2].rsplit("#", 1)[-1] for k in keys).items())  # noqa: E731
        print(f"pySHACL as is:             {plain_sec:.2f} s, {len(plain)} results {sev(plain)}")
        print(f"with parsed-query caching: {cached_sec:.2f} s, {len(cached)} results {sev(cached)}")
        print(f"same results: {plain == cached}; speed-up x{plain_sec / cached_sec:.1f}")
        return
    total, n_results = run(data, shapes)
    print(f"\nall shapes: {total:.2f} s, {n_results} results\n")
    node_shapes = sorted({s for p in TARGET_PREDICATES for s in shapes.subjects(p, None)}, key=str)
    rows = []
    for ns in node_shapes:
        sec, n = run(data, only_node_shape(shapes, ns))
        sparql = sum(1 for p in [ns, *shapes.objects(ns, SH.property)] for _ in shapes.objects(p, SH.sparql))
        rows.append((sec, ns, n, sparql))
    rows.sort(key=lambda r: -r[0])
    print("| node shape | seconds | share of full run | results | SPARQL constraints |")
    print("|---|---:|---:|---:|---:|")
    for sec, ns, n, sparql in rows:
        print(f"| {_name(ns)} | {sec:.2f} | {sec / total:.0%} | {n} | {sparql} |")
    print()
    print("| node shape | property shape | seconds | SPARQL |")
    print("|---|---|---:|---|")
    for _sec, ns, _n, _sp in rows[: args.top]:
        base, _ = run(data, only_property(shapes, ns, None))
        print(f"| {_name(ns)} | (node-level constraints only) | {base:.2f} | "
              f"{'yes' if any(shapes.objects(ns, SH.sparql)) else ''} |")
        for prop in sorted(shapes.objects(ns, SH.property), key=str):
            psec, _ = run(data, only_property(shapes, ns, prop))
            print(f"| {_name(ns)} | {_name(prop)} | {psec:.2f} | "
                  f"{'yes' if any(shapes.objects(prop, SH.sparql)) else ''} |")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        run(data, shapes)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue())


if __name__ == "__main__":
    main()
