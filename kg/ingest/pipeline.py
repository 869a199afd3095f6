"""Check an upload against the model and the store, then commit it atomically.

    workbook ──map──▶ region graph (+ provenance) ── table-level errors? stop, report
    the store: this region's stored version, its base, the other data graphs
        ── rows that describe another graph's IRIs? stop, report (two regions never merge)
        ── what will change, per template (kg.ingest.changes)
    packaged ontology + vocabularies + the store's other data + region graph
        ──kg.pipeline.build.check_quads──▶ reason + SHACL + public view
    findings ──trace──▶ problems per template/row/column
    no blocking problem ──▶ GraphStore.replace_all(everything): one generation switch

Re-ingesting a region replaces its named graph (`graph/region/<name>`) and its
description in `graph/regions` (kg.ingest.ownership) and nothing else; the
inferred and public graphs are recomputed over all data. The result is a
function of the input and the store's other data, so the same input twice
gives the same store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.ingest.changes import Changes, compare
from kg.ingest.findings import Tracer, graphs_of
from kg.ingest.mapping import Mapped, kinds_of, map_workbook, referenced_iris, region_graph
from kg.ingest.ownership import RegionInfo, graph_owner, region_infos, resolve_base
from kg.ingest.problems import Problem, problem
from kg.ingest.read import Workbook
from kg.ingest.templates import BY_NAME
from kg.model.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, PUBLIC_GRAPH, REGIONS_GRAPH, VOCABULARIES_GRAPH
from kg.pipeline.build import BuildResult, Progress, check_quads, core_sources, no_progress
from kg.pipeline.reason import DEFAULT_REASONER
from kg.rdf.rdfio import parse_source
from kg.store import GraphStore, StoreChanged
from kg.text import Text

DERIVED_GRAPHS = {ONTOLOGY_GRAPH, VOCABULARIES_GRAPH, INFERRED_GRAPH, PUBLIC_GRAPH}
EXIT_OK, EXIT_PROBLEMS, EXIT_INPUT, EXIT_STORE = 0, 1, 2, 3
ID_TEMPLATES = {name for name, t in BY_NAME.items() if "id" in t.column_names}


@dataclass
class IngestResult:
    region: str
    base: str
    workbook: Workbook
    problems: list[Problem] = field(default_factory=list)  # about this upload (cells where known)
    elsewhere: list[Problem] = field(default_factory=list)  # about other data only; not blocking
    mapped: Mapped | None = None
    build: BuildResult | None = None
    changes: Changes | None = None  # what a commit changes, per template (after the store was read)
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
    """The ontology and the vocabularies, parsed into their graphs (kg.pipeline.build.core_sources)."""
    return [q for s in core_sources() for q in parse_source(s)]


def base_for(region: str, given: str | None, store: GraphStore | None,
             local_name: str | None = None, local_base: str | None = None) -> str:
    """The base IRI an ingest of `region` into `store` uses (kg.ingest.ownership.resolve_base);
    raises OwnershipError when there is none or it clashes with the store's regions."""
    infos = region_infos(store.open()) if store is not None and store.generation() else {}
    return resolve_base(region, given, infos, local_name, local_base)


def check(wb: Workbook, region: str, base: str, store: GraphStore | None,
          reasoner: str = DEFAULT_REASONER, progress: Progress = no_progress) -> IngestResult:
    """Map `wb` and check it together with what `store` holds; write nothing.
    `base` must be the region's own (see `base_for`)."""
    result = IngestResult(region, base, wb)
    progress("map")
    t0 = time.perf_counter()
    result.generation = store.generation() if store else None
    db = store.open() if store and result.generation else ox.Store()
    mapped = map_workbook(wb, base, region, kinds_of(db, referenced_iris(wb)))
    result.mapped = mapped
    result.problems = sorted(mapped.problems, key=Problem.where)
    result.timings["map"] = time.perf_counter() - t0
    if mapped.errors:
        return result

    progress("read store")
    t0 = time.perf_counter()
    graph = mapped.graph
    me = ox.NamedNode(graph)
    subjects = {q.subject for q in mapped.quads if isinstance(q.subject, ox.NamedNode)}
    other: list[ox.Quad] = []
    old: list[ox.Quad] = []
    taken: dict[ox.NamedNode, set[str]] = {}
    for q in db.quads_for_pattern(None, None, None, None):
        g = q.graph_name.value
        if g == graph:
            old.append(q)
        elif g == REGIONS_GRAPH:
            if q.subject != me:  # this region's description is written anew
                other.append(q)
        elif g not in DERIVED_GRAPHS:
            other.append(q)
            if q.subject in subjects:
                taken.setdefault(q.subject, set()).add(g)
    del db
    result.changes = compare(old, mapped.quads, base, new_region=not old)
    result.timings["read store"] = time.perf_counter() - t0
    if taken:
        result.problems = sorted(result.problems + _taken(mapped, taken, base), key=Problem.where)
        return result

    people = result.changes.templates["people"].after
    other += RegionInfo(region, base, len(mapped.quads), people).quads()
    build, quads = check_quads(core_quads() + other + mapped.quads, Unblocked(reasoner=reasoner), progress)
    result.build = build
    result.checked_model = True
    result.timings.update(build.timings)

    progress("trace")
    t0 = time.perf_counter()
    tracer = Tracer(mapped, wb, {q.subject for q in old}, graphs_of(other))
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


def _taken(mapped: Mapped, taken: dict[ox.NamedNode, set[str]], base: str) -> list[Problem]:
    """One blocking problem per row whose node another data graph already describes."""
    out = []
    for node, graphs in sorted(taken.items(), key=lambda kv: kv[0].value):
        cell = mapped.rows.get(node)
        code = node.value[len(base):] if node.value.startswith(base) else node.value
        owners = Text(nl=", ".join(sorted(graph_owner(g, "nl") for g in graphs)),
                      en=", ".join(sorted(graph_owner(g, "en") for g in graphs)))
        column = "id" if cell and cell.template in ID_TEMPLATES else None
        out.append(problem("taken_id", template=cell.template if cell else None, row=cell.row if cell else None,
                           column=column, value=code, iri=node.value, owners=owners))
    return out


def commit(result: IngestResult, store: GraphStore, progress: Progress = no_progress) -> None:
    """Write a clean check's result with one atomic switch; refuse if the store moved on."""
    if not result.ok or not result.quads:
        raise ValueError("only a clean check can be committed")
    progress("commit")
    t0 = time.perf_counter()
    try:
        store.replace_all(result.quads, expected=result.generation)
    except StoreChanged:
        raise StoreChanged(problem("store_changed").message("en")) from None
    result.timings["commit"] = time.perf_counter() - t0
    result.committed = True


def ingest(wb: Workbook, region: str, base: str | None, store: GraphStore | None, dry_run: bool = False,
           reasoner: str = DEFAULT_REASONER, progress: Progress = no_progress) -> IngestResult:
    """Check, and commit when clean (unless `dry_run`). `base` as for `base_for`: required for a
    new region, else it must be the region's own; OwnershipError otherwise."""
    result = check(wb, region, base_for(region, base, store), store, reasoner, progress)
    if result.ok and store is not None and not dry_run:
        commit(result, store, progress)
    return result
