"""The build pipeline: load, reason, validate, and commit only what conforms.

    sources ──parse──▶ quads per named graph ─┐
    ontology + vocabularies ──────────────────┼─▶ reason (OWL 2 RL) ─▶ inferred graph
                                              └─▶ validate (SHACL) over data + inferred
                                                  (oxigraph: kg.shacl.compiled, or pyshacl)
    no load error, no inconsistency, no violation ─▶ public view (kg.pipeline.public)
                                                  ─▶ commit all graphs at once

Warnings and infos are reported but do not block the commit.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.model import resources
from kg.model.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, PUBLIC_GRAPH, VOCABULARIES_GRAPH
from kg.pipeline.public import public_view
from kg.pipeline.reason import DEFAULT_REASONER, Inconsistency, inconsistencies, materialise
from kg.rdf.rdfio import RdfLoadError, Source, collect_sources, parse_source, quads_in, rdflib_graph, to_rdflib
from kg.shacl.validate import DEFAULT_ENGINE, ENGINES, Finding, validate, validate_quads
from kg.store import GraphStore

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2

# Told the name of each step as it starts ("load", "convert", "reason", "validate", "public",
# "commit"; an ingest adds "read", "map", "read store", "trace"): for progress on a terminal or page.
Progress = Callable[[str], None]


def no_progress(step: str) -> None:
    pass


@dataclass
class BuildResult:
    """What a build (or a validation) found, and whether it was committed."""

    sources: list[Source] = field(default_factory=list)
    triples: dict[str, int] = field(default_factory=dict)  # graph -> asserted triples
    inferred: int = 0
    errors: list[RdfLoadError] = field(default_factory=list)
    inconsistencies: list[Inconsistency] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    node_files: dict[str, list[str]] = field(default_factory=dict)  # subject -> files stating it
    timings: dict[str, float] = field(default_factory=dict)
    reasoner: str = DEFAULT_REASONER
    validator: str = DEFAULT_ENGINE  # SHACL engine: oxigraph | pyshacl
    committed: bool = False

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.errors and not self.inconsistencies and not self.violations

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_ERROR
        return EXIT_OK if self.conforms else EXIT_VIOLATIONS


def core_sources() -> list[Source]:
    return [
        Source(resources.ontology_file(), ONTOLOGY_GRAPH),
        Source(resources.vocabularies_file(), VOCABULARIES_GRAPH),
    ]


def check(paths: Iterable[Path | str], reasoner: str = DEFAULT_REASONER, validator: str = DEFAULT_ENGINE,
          progress: Progress = no_progress) -> tuple[BuildResult, list[ox.Quad]]:
    """Load, reason and validate `paths` with the ontology; write nothing.

    Returns the result and, when it conforms, every quad to commit
    (ontology, vocabularies, one graph per source, inferred, public).
    """
    result = BuildResult(reasoner=reasoner, validator=validator)
    progress("load")
    t0 = time.perf_counter()
    try:
        data_sources = collect_sources(paths)
    except RdfLoadError as e:
        result.errors.append(e)
        return result, []
    result.sources = data_sources
    quads: list[ox.Quad] = []
    for source in core_sources() + data_sources:
        try:
            parsed = parse_source(source)
        except RdfLoadError as e:
            result.errors.append(e)
            continue
        quads.extend(parsed)
        for q in parsed:
            g = q.graph_name.value
            result.triples[g] = result.triples.get(g, 0) + 1
    result.timings["load"] = time.perf_counter() - t0
    if result.errors:
        return result, []

    result.node_files = _files_by_subject(quads, {s.graph: str(s.path) for s in data_sources})
    return check_quads(quads, result, progress)


def check_quads(quads: list[ox.Quad], result: BuildResult | None = None,
                progress: Progress = no_progress) -> tuple[BuildResult, list[ox.Quad]]:
    """Reason over and validate quads that already sit in their named graphs
    (the ontology and vocabularies included); write nothing.

    For callers that assemble graphs themselves (an ingest combines a new
    region with what the store holds). Returns the result and, when it
    conforms, the quads plus the inferred and public graphs. The SHACL
    engine is `result.validator`.
    """
    result = result if result is not None else BuildResult()
    reasoner = result.reasoner
    if result.validator not in ENGINES:
        raise ValueError(f"unknown validator {result.validator!r}; choose one of {', '.join(ENGINES)}")
    progress("convert")
    t0 = time.perf_counter()
    union = rdflib_graph(quads)
    ontology = rdflib_graph(q for q in quads if q.graph_name.value == ONTOLOGY_GRAPH)
    result.timings["convert"] = time.perf_counter() - t0

    progress("reason")
    t0 = time.perf_counter()
    inferred, flags = materialise(union, reasoner)
    result.inferred = len(inferred)
    # Consistency checks and shapes look at the data and vocabularies plus what was
    # inferred, without the ontology's own axioms: `union` becomes that view.
    data_view = union
    for t in ontology:
        data_view.remove(t)
    for t in inferred:
        data_view.add(t)
    result.inconsistencies = inconsistencies(data_view, flags, ontology)
    result.timings["reason"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    inferred_quads = list(quads_in(sorted(inferred), INFERRED_GRAPH))
    result.timings["convert"] += time.perf_counter() - t0
    progress("validate")
    t0 = time.perf_counter()
    if result.validator == "pyshacl":
        result.findings = validate(data_view, engine="pyshacl")
    else:  # the same view, built in Oxigraph from the quads (no rdflib on this path)
        result.findings = validate_quads(quads, exclude=ONTOLOGY_GRAPH, add=inferred_quads)
    result.timings["validate"] = time.perf_counter() - t0

    if not result.conforms:
        return result, []
    progress("public")
    t0 = time.perf_counter()
    core = {ONTOLOGY_GRAPH, VOCABULARIES_GRAPH}
    public = public_view((q for q in quads + inferred_quads if q.graph_name.value not in core),
                         (q for q in quads if q.graph_name.value == VOCABULARIES_GRAPH))
    graph = ox.NamedNode(PUBLIC_GRAPH)
    public_quads = [ox.Quad(*t, graph) for t in public]
    result.timings["public"] = time.perf_counter() - t0
    return result, quads + inferred_quads + public_quads


def build(
    paths: Iterable[Path | str],
    store: GraphStore | None,
    reasoner: str = DEFAULT_REASONER,
    validator: str = DEFAULT_ENGINE,
    progress: Progress = no_progress,
) -> BuildResult:
    """Check `paths`; if they conform and a store is given, make the store hold
    exactly the result (ontology, vocabularies, sources, inferred) atomically."""
    result, quads = check(paths, reasoner, validator, progress)
    if result.conforms and store is not None:
        progress("commit")
        t0 = time.perf_counter()
        store.replace_all(quads)
        result.timings["commit"] = time.perf_counter() - t0
        result.committed = True
    return result


def _files_by_subject(quads: list[ox.Quad], graph_files: dict[str, str]) -> dict[str, list[str]]:
    files: dict[str, set[str]] = defaultdict(set)
    for q in quads:
        f = graph_files.get(q.graph_name.value)
        if f is not None:
            files[str(to_rdflib(q.subject))].add(f)
    return {k: sorted(v) for k, v in files.items()}
