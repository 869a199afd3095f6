"""Check an upload against the model and the store, then commit it atomically.

    workbook ──map──▶ region graph (+ provenance) ── table-level errors? stop, report
    packaged ontology + vocabularies + the store's other data + region graph
        ──kg.build.check_quads──▶ reason + SHACL + public view
    findings ──trace──▶ problems per template/row/column
    no blocking problem ──▶ GraphStore.replace_all(everything): one generation switch

Re-ingesting a region replaces its named graph (`graph/region/<name>`) and
nothing else; the inferred and public graphs are recomputed over all data.
The result is a function of the input and the store's other data, so the
same input twice gives the same store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.build import BuildResult, check_quads, core_sources
from kg.ingest.findings import Tracer, graphs_of
from kg.ingest.mapping import Mapped, map_workbook, region_graph
from kg.ingest.problems import Problem, problem
from kg.ingest.read import Workbook
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, PUBLIC_GRAPH, VOCABULARIES_GRAPH
from kg.rdfio import parse_source
from kg.reason import DEFAULT_REASONER
from kg.store import GraphStore, StoreChanged

DERIVED_GRAPHS = {ONTOLOGY_GRAPH, VOCABULARIES_GRAPH, INFERRED_GRAPH, PUBLIC_GRAPH}
EXIT_OK, EXIT_PROBLEMS, EXIT_INPUT, EXIT_STORE = 0, 1, 2, 3


@dataclass
class IngestResult:
    region: str
    base: str
    workbook: Workbook
    problems: list[Problem] = field(default_factory=list)  # about this upload (cells where known)
    elsewhere: list[Problem] = field(default_factory=list)  # about other data only; not blocking
    mapped: Mapped | None = None
    build: BuildResult | None = None
    quads: list[ox.Quad] = field(default_factory=list)  # what a commit writes (all graphs)
    generation: str | None = None  # the store generation the check combined with
    checked_model: bool = False  # reasoning and SHACL ran (no table-level errors)
    committed: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def graph(self) -> str:
        return region_graph(self.region)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]

    @property
    def ok(self) -> bool:
        return self.checked_model and not self.errors

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_PROBLEMS

    def counts(self) -> dict[str, int]:
        """Rows read per template, and the region graph's triples."""
        out = {name: len(t.rows) for name, t in self.workbook.tables.items()}
        out["triples"] = len(self.mapped.quads) if self.mapped else 0
        return out


class Unblocked(BuildResult):
    """check_quads blocks on any violation; the ingest decides itself which ones block
    (those elsewhere in the store do not, see kg.ingest.findings), so it always
    gets the inferred and public graphs back."""

    @property
    def conforms(self) -> bool:  # type: ignore[override]
        return not self.errors


def core_quads() -> list[ox.Quad]:
    """The ontology and the vocabularies, parsed into their graphs (kg.build.core_sources)."""
    return [q for s in core_sources() for q in parse_source(s)]


def check(wb: Workbook, region: str, base: str, store: GraphStore | None,
          reasoner: str = DEFAULT_REASONER) -> IngestResult:
    """Map `wb` and check it together with what `store` holds; write nothing."""
    result = IngestResult(region, base, wb)
    t0 = time.perf_counter()
    mapped = map_workbook(wb, base, region)
    result.mapped = mapped
    result.problems = sorted(mapped.problems, key=Problem.where)
    result.timings["map"] = time.perf_counter() - t0
    if mapped.errors:
        return result

    t0 = time.perf_counter()
    result.generation = store.generation() if store else None
    db = store.open() if store and result.generation else ox.Store()
    graph = mapped.graph
    other: list[ox.Quad] = []
    old_nodes: set = set()
    for q in db.quads_for_pattern(None, None, None, None):
        g = q.graph_name.value
        if g == graph:
            old_nodes.add(q.subject)
        elif g not in DERIVED_GRAPHS:
            other.append(q)
    del db
    result.timings["read store"] = time.perf_counter() - t0

    build, quads = check_quads(core_quads() + other + mapped.quads, Unblocked(reasoner=reasoner))
    result.build = build
    result.checked_model = True
    result.timings.update(build.timings)

    t0 = time.perf_counter()
    tracer = Tracer(mapped, wb, old_nodes, graphs_of(other))
    problems = list(mapped.problems)
    for inc in build.inconsistencies:
        found, caused = tracer.inconsistency(inc)
        (problems if caused or found[0].template else result.elsewhere).extend(found)
    for f in build.findings:
        found, caused = tracer.finding(f)
        if found and (found[0].template or caused):
            problems.extend(found)
        else:
            result.elsewhere.extend(found)
    result.problems = sorted(dict.fromkeys(problems), key=Problem.where)
    result.elsewhere = sorted(dict.fromkeys(result.elsewhere), key=lambda p: (p.graph or "", p.focus or ""))
    result.timings["trace"] = time.perf_counter() - t0
    result.quads = quads if not result.errors else []
    return result


def commit(result: IngestResult, store: GraphStore) -> None:
    """Write a clean check's result with one atomic switch; refuse if the store moved on."""
    if not result.ok or not result.quads:
        raise ValueError("only a clean check can be committed")
    t0 = time.perf_counter()
    try:
        store.replace_all(result.quads, expected=result.generation)
    except StoreChanged:
        raise StoreChanged(problem("store_changed").message("en")) from None
    result.timings["commit"] = time.perf_counter() - t0
    result.committed = True


def ingest(wb: Workbook, region: str, base: str, store: GraphStore | None, dry_run: bool = False,
           reasoner: str = DEFAULT_REASONER) -> IngestResult:
    """Check, and commit when clean (unless `dry_run`)."""
    result = check(wb, region, base, store, reasoner)
    if result.ok and store is not None and not dry_run:
        commit(result, store)
    return result


def regions(db: ox.Store) -> dict[str, int]:
    """Region name -> triples, for every region graph in an open store."""
    from kg.ingest.mapping import REGION_GRAPH

    out: dict[str, int] = {}
    for g in db.named_graphs():
        if isinstance(g, ox.NamedNode) and g.value.startswith(REGION_GRAPH):
            out[g.value[len(REGION_GRAPH):]] = sum(1 for _ in db.quads_for_pattern(None, None, None, g))
    return dict(sorted(out.items()))
