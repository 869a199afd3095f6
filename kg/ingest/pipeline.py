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
description in `graph/regions` (kg.ingest.ownership) and nothing else. The result
is a function of the input and the store's other data, so the same input twice
gives the same store.

On a store that takes deltas (a local folder; a remote SPARQL store, kg.store.remote_delta) the
check reads only this region's graph and the nodes it touches, and the change goes through kg.pipeline.write: the
quads added and removed against the stored region, reasoned and validated for what
they touch, committed as one generation switch with its entry in the change log
(kg.store.log). `full=True`, or schema the compiled rules do not
cover take the full path above, which recomputes the inferred and public graphs over
all data (and keeps the log).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.ingest import edit
from kg.ingest.changes import Changes, compare
from kg.ingest.findings import Tracer, graphs_of
from kg.ingest.mapping import Mapped, kinds_of, map_workbook, referenced_iris, region_graph
from kg.ingest.ownership import RegionInfo, graph_owner, now, region_infos, resolve_base
from kg.ingest.problems import WARNING, Problem, problem
from kg.ingest.read import Workbook
from kg.ingest.templates import BY_NAME
from kg.model.namespaces import (
    CHANGES_GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PUBLIC_GRAPH,
    REGIONS_GRAPH,
    VOCABULARIES_GRAPH,
)
from kg.pipeline import incremental, write
from kg.pipeline.build import BuildResult, Progress, check_quads, core_sources, no_progress
from kg.pipeline.reason import DEFAULT_REASONER
from kg.rdf.rdfio import canonical, parse_source
from kg.store import GraphStore, StoreChanged, log
from kg.store.remote_delta import same_blank_nodes
from kg.text import Text

# Graphs an ingest does not read as data: recomputed from the data, or the change log.
DERIVED_GRAPHS = {ONTOLOGY_GRAPH, VOCABULARIES_GRAPH, INFERRED_GRAPH, PUBLIC_GRAPH, CHANGES_GRAPH}
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
    plan: write.Plan | None = None  # the checked delta, on the incremental path (else `quads`)
    change: log.Change | None = None  # its entry in the change log
    full: bool = False  # took the full path (recomputed everything)

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


@write.collector_paused()
def check(wb: Workbook, region: str, base: str, store: GraphStore | None,
          reasoner: str = DEFAULT_REASONER, progress: Progress = no_progress, full: bool = False,
          who: str = "", source: str = "", complete: bool = True) -> IngestResult:
    """Map `wb` and check it together with what `store` holds; write nothing but a private
    candidate (`discard` it if not committed). `base` must be the region's own (see `base_for`).
    `full`: recompute everything (else only when the store or the change needs it).
    `who` and `source` go into the change log. `complete`: report the findings of every row
    (else, on the delta path, of what the change touches: an edit of one record)."""
    result: IngestResult | None = None
    if store is not None and store.incremental and not full and _holds_data(store):
        try:
            result = _check_delta(wb, region, base, store, progress, who, source, complete)
        except incremental.Unsupported:
            pass
    if result is None:
        result = _check_full(wb, region, base, store, reasoner, progress)
        result.change = log.Change(0, now(), who, source, region, _summary(result.changes) if result.changes else {})
    if complete and store is not None and store.incremental and result.changes is not None and store.generation():
        found = discarded_edits(store.open(), region, base, result)
        result.problems = sorted(result.problems + found, key=Problem.where)
    return result


def discarded_edits(db: ox.Store, region: str, base: str, result: IngestResult) -> list[Problem]:
    """A warning for each row this upload changes or removes that a one-record edit (`kg edit`, the
    web's form) changed after the region's last whole upload, and that is not undone: the upload puts
    the spreadsheet's version back, which nobody should lose unawares. The log is read newest first
    up to that upload."""
    assert result.changes is not None
    touched = {(name, i): kind for name, c in result.changes.templates.items()
               for kind in ("changed", "removed") for i in getattr(c, kind)}
    if not touched:
        return []
    graph = ox.NamedNode(region_graph(region))
    out: dict[tuple[str, str], Problem] = {}
    for change in log.history(db, region):
        if not change.source.startswith("kg edit"):
            if change.undoes is None:
                break  # the last whole upload: edits before it are in its spreadsheet
            continue
        if change.undone_by is not None:
            continue
        added, removed = log.delta(db, change.number)
        for node in _row_nodes(db, graph, [q for q in added + removed if q.graph_name == graph]):
            ident = node.value[len(base):] if node.value.startswith(base) else node.value
            for (name, i), kind in touched.items():
                if i == ident and (name, i) not in out:  # the newest edit of the row
                    cell = result.mapped.rows.get(node) if result.mapped else None
                    what = (Text(nl="zet de versie uit het bestand terug", en="puts back the file's version")
                            if kind == "changed" else Text(nl="verwijdert de rij", en="removes the row"))
                    out[(name, i)] = problem("discards_edit", WARNING, name, cell.row if cell else None, None, i,
                                             id=i, number=change.number, who=change.who or "?", at=change.at,
                                             what=what)
    return list(out.values())


def _row_nodes(db: ox.Store, graph: ox.NamedNode, quads: list[ox.Quad]) -> set[ox.NamedNode]:
    """The row nodes (IRIs) these region quads are about: their subjects, and for a blank node (a
    period) the node it belongs to, through the quads themselves or the store."""
    parents = {q.object: q.subject for q in quads if isinstance(q.object, ox.BlankNode)}
    out = {q.subject for q in quads if isinstance(q.subject, ox.NamedNode)}
    todo, seen = [q.subject for q in quads if isinstance(q.subject, ox.BlankNode)], set()
    while todo:
        b = todo.pop()
        if b in seen:
            continue
        seen.add(b)
        parent = parents.get(b) or next((q.subject for q in db.quads_for_pattern(None, None, b, graph)), None)
        if isinstance(parent, ox.NamedNode):
            out.add(parent)
        elif parent is not None:
            todo.append(parent)
    return out


def _holds_data(store: GraphStore) -> bool:
    """Does the store hold data besides the ontology and vocabularies? (Into an empty store the full
    path costs what the upload costs, and less than the delta path: bench/write_bench.py.)"""
    if not store.generation():
        return False
    return any(g.value not in DERIVED_GRAPHS and g.value != REGIONS_GRAPH for g in store.open().named_graphs())


def _check_full(wb: Workbook, region: str, base: str, store: GraphStore | None, reasoner: str,
                progress: Progress) -> IngestResult:
    result = IngestResult(region, base, wb, full=True)
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
    _classify(result, tracer)
    result.timings["trace"] = time.perf_counter() - t0
    result.quads = quads if not result.errors else []
    return result


def _check_delta(wb: Workbook, region: str, base: str, store: GraphStore, progress: Progress,
                 who: str, source: str, complete: bool) -> IngestResult:
    """The check as a delta against the stored region (kg.pipeline.write); Unsupported: take the full path."""

    def region_delta(db: ox.Store, result: IngestResult) -> _Delta | None:
        mapped = map_workbook(wb, base, region, kinds_of(db, referenced_iris(wb)))
        result.mapped = mapped
        result.problems = sorted(mapped.problems, key=Problem.where)
        if mapped.errors:
            return None
        me = ox.NamedNode(mapped.graph)
        old = list(db.quads_for_pattern(None, None, None, me))
        result.changes = compare(old, mapped.quads, base, new_region=not old)
        people = result.changes.templates["people"].after
        focus = {q.subject for q in mapped.quads} | {q.subject for q in old} if complete else set()
        return _Delta(old, canonical(mapped.quads), RegionInfo(region, base, len(mapped.quads), people), focus)

    return _check(IngestResult(region, base, wb), store, region_delta, progress, who, source, complete)


@dataclass
class _Delta:
    """What a change replaces in the region graph: its quads before and after (canonical), the region's
    description after, and the nodes to report on besides those it touches."""

    old: list[ox.Quad]
    new: list[ox.Quad]
    info: RegionInfo
    focus: set


def _check(result: IngestResult, store: GraphStore, delta_of, progress: Progress, who: str, source: str,
           complete: bool) -> IngestResult:
    """Map (`delta_of(db, result)`: a _Delta, or None after table-level errors), then check the delta
    together with the store on a candidate (kg.pipeline.write), tracing findings to cells."""
    region, base = result.region, result.base
    progress("map")
    t0 = time.perf_counter()
    core = canonical(core_quads())
    candidate = store.candidate()
    try:
        result.generation = candidate.base
        db = candidate.db
        if candidate.base is None:  # an empty store: start from the ontology and vocabularies alone
            checked, quads = check_quads(core, Unblocked())
            candidate.apply(quads, [])
        rules = write.supports(db, core)
        delta = delta_of(db, result)
        result.timings["map"] = time.perf_counter() - t0
        if delta is None:
            candidate.discard()
            return result
        mapped = result.mapped
        assert mapped is not None and result.changes is not None
        if not store.keeps_blank_nodes:
            delta.new = same_blank_nodes(delta.old, delta.new)

        progress("read store")
        t0 = time.perf_counter()
        me = ox.NamedNode(mapped.graph)
        old_description = list(db.quads_for_pattern(me, None, None, ox.NamedNode(REGIONS_GRAPH)))
        taken: dict[ox.NamedNode, set[str]] = {}
        subjects = {q.subject for q in delta.new if isinstance(q.subject, ox.NamedNode)}
        write.prefetch(db, subjects)
        for subject in subjects:
            for q in db.quads_for_pattern(subject, None, None, None):
                g = q.graph_name.value
                if q.graph_name != me and g != REGIONS_GRAPH and g not in DERIVED_GRAPHS:
                    taken.setdefault(subject, set()).add(g)
        result.timings["read store"] = time.perf_counter() - t0
        if taken:
            result.problems = sorted(result.problems + _taken(mapped, taken, base), key=Problem.where)
            candidate.discard()
            return result

        added, removed = _difference(set(delta.new) | set(canonical(delta.info.quads())),
                                     set(delta.old) | set(old_description))
        delta.new = []  # a copy of the mapped quads: what the checks need of it is in `added`
        change = log.Change(log.next_number(db), now(), who, source, region, _summary(result.changes, complete))
        record = log.record(change, added, removed) if added or removed else []  # nothing changed: nothing logged
        plan = write.plan_change(candidate, added, removed, rules, delta.focus, record, progress)
    except BaseException:
        candidate.discard()
        raise
    result.plan, result.change = plan, change if record else None
    result.build = Unblocked(findings=plan.findings, inconsistencies=plan.inconsistencies, inferred=plan.inferred[0],
                             validator="oxigraph")
    result.checked_model = True
    result.timings.update(plan.timings)

    progress("trace")
    t0 = time.perf_counter()
    tracer = Tracer(mapped, result.workbook, {q.subject for q in delta.old}, _OtherGraphs(db, me))
    _classify(result, tracer)
    if not complete:  # an edit: what is not blocking is reported for the rows it touched only
        rows = {(c.template, c.row) for n in {q.subject for q in added + removed} if (c := mapped.rows.get(n))}
        result.problems = [p for p in result.problems if p.blocking or p.template is None or (p.template, p.row) in rows]
    result.timings["trace"] = time.perf_counter() - t0
    if result.errors:
        discard(result)
    return result


def _difference(new: set[ox.Quad], before: set[ox.Quad]) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The quads added and removed, in the log's order (the sets go when it returns)."""
    return sorted(new - before, key=str), sorted(before - new, key=str)


@write.collector_paused()
def check_edit(store: GraphStore, region: str, template: str, action: str, key: str | None,
               values: dict[str, str], who: str = "", progress: Progress = no_progress) -> IngestResult:
    """One row of a stored region added, changed or removed (kg.ingest.edit), checked as a delta: the
    result of ingesting the region's templates with that row edited, checking what it reaches.
    EditError for no such region, template, row or column; the full path never runs here."""
    db = store.open() if store.generation() else None
    info = region_infos(db).get(region) if db is not None else None
    if info is None or not info.base:
        raise edit.EditError(Text(nl=f"de opslag bevat geen regio {region}", en=f"the store holds no region {region}"))
    base = info.base

    def row_delta(db: ox.Store, result: IngestResult) -> _Delta | None:
        row = edit.row_edit(db, region, base, template, action, key, values)
        result.workbook, result.mapped = row.wb, row.mapped
        result.problems = sorted(row.mapped.problems, key=Problem.where)
        if row.mapped.errors:
            return None
        result.changes = compare(row.old, row.new, base, new_region=False)
        grown = len(row.new) - len(row.old)
        return _Delta(row.old, row.new, RegionInfo(region, base, info.triples + grown, (info.people or 0) + row.people),
                      set())

    source = f"kg edit {template}"
    try:
        return _check(IngestResult(region, base, Workbook("csv", source)), store, row_delta, progress, who, source,
                      complete=False)
    except incremental.Unsupported:  # the store needs the full path: the whole region, edited, ingested
        wb = edit.edited_workbook(db, region, base, template, action, key, values)
        return check(wb, region, base, store, progress=progress, full=True, who=who, source=source)


def _summary(changes: Changes, counts: bool = True) -> dict:
    """Per template with a change: the rows added, removed, changed and (`counts`: of a whole region's
    ingest) the rows before and after (for the log)."""
    drop = {"ids"} if counts else {"ids", "before", "after"}
    return {name: {k: v for k, v in c.to_json().items() if k not in drop}
            for name, c in changes.templates.items() if not c.unchanged}


class _OtherGraphs:
    """node -> the (first) data graph other than `own` that states something about it, looked up when asked."""

    def __init__(self, db: ox.Store, own: ox.NamedNode):
        self.db, self.own = db, own

    def get(self, node: object) -> str | None:
        if not isinstance(node, ox.NamedNode | ox.BlankNode):
            return None
        for q in self.db.quads_for_pattern(node, None, None, None):
            g = q.graph_name.value
            if q.graph_name != self.own and g not in DERIVED_GRAPHS:
                return g
        return None


def _classify(result: IngestResult, tracer: Tracer) -> None:
    """Sort the model's findings into this upload's problems (cells where known) and findings elsewhere."""
    build = result.build
    assert build is not None and result.mapped is not None
    problems = list(result.mapped.problems)
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


def discard(result: IngestResult) -> None:
    """Drop a check's private candidate (a check that will not be committed)."""
    if result.plan is not None:
        result.plan.discard()
        result.plan = None


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


@write.collector_paused()
def commit(result: IngestResult, store: GraphStore, progress: Progress = no_progress) -> None:
    """Write a clean check's result with one atomic switch, logged; refuse if the store moved on."""
    if not result.ok or (result.plan is None and not result.quads):
        raise ValueError("only a clean check can be committed")
    progress("commit")
    t0 = time.perf_counter()
    try:
        if result.plan is not None:
            result.plan.candidate.commit()
            result.plan = None
        else:
            assert result.change is not None
            commit_recomputed(store, result.quads, result.generation, result.change, result.graph)
    except StoreChanged:
        discard(result)
        raise StoreChanged(problem("store_changed").message("en")) from None
    result.timings["commit"] = time.perf_counter() - t0
    result.committed = True


def commit_recomputed(store: GraphStore, quads: list[ox.Quad], expected: str | None, change: log.Change,
                      graph: str) -> None:
    """Make the store hold `quads` (a full path's result: every graph but the log), keeping its change
    log and logging `change` with the delta of `graph` (the one graph the change replaced)."""
    db = store.open()
    kept = list(db.quads_for_pattern(None, None, None, ox.NamedNode(CHANGES_GRAPH)))
    g = ox.NamedNode(graph)
    before = set(canonical(db.quads_for_pattern(None, None, None, g)))
    after = set(canonical(q for q in quads if q.graph_name == g))
    added, removed = sorted(after - before, key=str), sorted(before - after, key=str)
    logged = ox.Store()
    logged.extend(kept)
    change.number = log.next_number(logged)
    change.summary = change.summary or {"quads": {"added": len(added), "removed": len(removed)}}
    record = log.record(change, added, removed) if (added or removed) and store.incremental else []
    try:
        store.replace_all(quads + kept + record, expected=expected)
    except StoreChanged:
        raise StoreChanged(problem("store_changed").message("en")) from None


def ingest(wb: Workbook, region: str, base: str | None, store: GraphStore | None, dry_run: bool = False,
           reasoner: str = DEFAULT_REASONER, progress: Progress = no_progress, full: bool = False,
           who: str = "", source: str = "") -> IngestResult:
    """Check, and commit when clean (unless `dry_run`). `base` as for `base_for`: required for a
    new region, else it must be the region's own; OwnershipError otherwise."""
    result = check(wb, region, base_for(region, base, store), store, reasoner, progress, full, who, source)
    if result.ok and store is not None and not dry_run:
        commit(result, store, progress)
    else:
        discard(result)
    return result


@dataclass
class UndoResult:
    """An undo: the change that undoes, what the checks found, whether it was committed."""

    change: log.Change
    undone: log.Change
    plan: write.Plan | None = None
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.plan.violations and not self.plan.inconsistencies


@write.collector_paused()
def undo(store: GraphStore, number: int, who: str = "", progress: Progress = no_progress,
         dry_run: bool = False) -> UndoResult:
    """Undo logged change `number`: its inverse delta through the same checks, committed and logged
    as a change of its own. log.UndoRefused when it cannot be undone (see log.inverse), or the store
    cannot take deltas."""
    if not store.incremental:
        raise log.UndoRefused(Text(nl="deze opslag houdt geen wijzigingslog bij",
                                   en="this store keeps no change log"))
    candidate = store.candidate()
    try:
        db = candidate.db
        undone = log.get(db, number) if db is not None else None
        if db is None or undone is None:
            raise log.UndoRefused(Text(nl=f"wijziging {number} bestaat niet", en=f"there is no change {number}"))
        try:
            rules = write.supports(db, canonical(core_quads()))
        except incremental.Unsupported as e:
            raise log.UndoRefused(Text(nl=f"deze opslag moet eerst volledig herbouwd worden ({e})",
                                       en=f"this store needs a full rebuild first ({e})")) from None
        added, removed = log.inverse(db, number, skip_graphs=[REGIONS_GRAPH])
        if not store.keeps_blank_nodes and any(isinstance(t, ox.BlankNode) for q in added + removed
                                               for t in (q.subject, q.object)):
            raise log.UndoRefused(Text(
                nl=f"wijziging {number} raakt lege knopen (perioden), die deze opslag een eigen naam geeft; "
                   "maak haar ongedaan met kg ingest van de vorige sjablonen",
                en=f"change {number} touches blank nodes (periods), which this store names itself; "
                   "undo it by ingesting the earlier templates"))
        region = undone.region
        if region:
            d_added, d_removed = _description_after(db, region, added, removed)
            added, removed = added + d_added, removed + d_removed
        change = log.Change(log.next_number(db), now(), who, f"undo {number}", region,
                            {"quads": {"added": len(added), "removed": len(removed)}}, undoes=number)
        focus = {q.subject for q in added + removed}
        plan = write.plan_change(candidate, added, removed, rules, focus, log.record(change, added, removed),
                                 progress)
    except BaseException:
        candidate.discard()
        raise
    result = UndoResult(change, undone, plan)
    if result.ok and not dry_run:
        progress("commit")
        try:
            candidate.commit()
        except StoreChanged:
            candidate.discard()
            raise StoreChanged(problem("store_changed").message("en")) from None
        result.committed = True
    else:
        candidate.discard()
    return result


def _description_after(db: ox.Store, region: str, added: list[ox.Quad],
                       removed: list[ox.Quad]) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The region's description in graph/regions after a change of its graph: counted anew,
    or gone with the region's last quad."""
    me = ox.NamedNode(region_graph(region))
    old = list(db.quads_for_pattern(me, None, None, ox.NamedNode(REGIONS_GRAPH)))
    gone = set(removed)
    after = [q for q in db.quads_for_pattern(None, None, None, me) if q not in gone] + [
        q for q in added if q.graph_name == me]
    if not after:
        return [], old
    info = region_infos(db).get(region)
    base = info.base if info else None
    people = compare([], after, base or "", new_region=True).templates["people"].after
    new = set(canonical(RegionInfo(region, base, len(after), people).quads()))
    return sorted(new - set(old), key=str), sorted(set(old) - new, key=str)
