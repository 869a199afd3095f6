"""The incremental write path gives exactly the full rebuild's store and findings (issue 12).

Random sequences of edits to two regions' templates (remove a row, change a cell to
another row's value, add a row, re-ingest a whole region) go through `kg ingest` twice:
as a delta (kg.pipeline.write) into one store and by the full path (`full=True`, the
reference: reason and validate over everything) into another. After every step both
stores hold isomorphic graphs, every one of them, and both ingests report the same
problems and commit or refuse alike. The log, the one thing only the delta path keeps
per change, is checked apart.
"""

from __future__ import annotations

import copy
import random

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from kg.ingest import pipeline as ingest
from kg.ingest.export import export, write_csv
from kg.ingest.read import Row, Workbook, read_path
from kg.model import resources
from kg.model.namespaces import CHANGES_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, PUBLIC_GRAPH
from kg.pipeline import incremental, write
from kg.rdf.rdfio import rdflib_graph
from kg.store import GraphStore, log
from synthetic.generate import generate

TWENTE_BASE = "https://knll-twente.example/id/"
SECOND_BASE = "https://second.example/id/"
_MODIFIED = "http://purl.org/dc/terms/modified"


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, tuple[str, Workbook]]:
    """region -> (base, workbook): the Twente sample and a generated 40-person region."""
    folder = tmp_path_factory.mktemp("second")
    db = ox.Store()
    db.extend(generate(40, seed=3, base=SECOND_BASE, graph="https://w3id.org/connective-kg/graph/source/g"))
    write_csv(export(db), folder)
    return {"twente": (TWENTE_BASE, read_path(resources.sample_dir().parent / "twente-templates")),
            "second": (SECOND_BASE, read_path(folder))}


def _graphs(store: GraphStore) -> dict[str, list[ox.Quad]]:
    out: dict[str, list[ox.Quad]] = {}
    for q in store.open().quads_for_pattern(None, None, None, None):
        if q.graph_name.value != CHANGES_GRAPH and q.predicate.value != _MODIFIED:
            out.setdefault(q.graph_name.value, []).append(q)
    return out


def assert_same_store(delta: GraphStore, full: GraphStore) -> None:
    a, b = _graphs(delta), _graphs(full)
    assert sorted(a) == sorted(b)
    for g in a:
        # Ingested rows have stable blank-node labels; the ontology's are new at every parse.
        if set(a[g]) != set(b[g]):
            assert any(isinstance(t, ox.BlankNode) for q in a[g] for t in (q.subject, q.object)), g
            assert isomorphic(rdflib_graph(a[g]), rdflib_graph(b[g])), g


def _problems(result: ingest.IngestResult) -> list[tuple]:
    return sorted((p.code, p.severity, p.template or "", p.row or 0, p.column or "", p.value or "", p.focus or "",
                   p.shape or "") for p in result.problems)


def _ingest_both(stores, region: str, base: str, wb: Workbook, first: bool = False) -> tuple:
    delta = ingest.ingest(wb, region, base, stores[0], who="test", source="step")
    full = ingest.ingest(wb, region, base, stores[1], full=True, who="test", source="step")
    assert delta.full == first and full.full  # into an empty store the full path is the cheaper one
    assert _problems(delta) == _problems(full)
    assert delta.committed == full.committed
    assert_same_store(*stores)
    return delta, full


# An edit: (region index, kind, template index, row index, other row index, column index)
EDIT = st.tuples(st.integers(0, 1), st.sampled_from(["remove", "change", "add", "reingest"]),
                 st.integers(0, 50), st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 50))


def _edited(wb: Workbook, kind: str, t: int, r: int, o: int, c: int) -> Workbook:
    wb = copy.deepcopy(wb)
    tables = [tb for tb in wb.tables.values() if tb.rows]
    table = tables[t % len(tables)]
    row = table.rows[r % len(table.rows)]
    if kind == "remove":
        table.rows.remove(row)
    elif kind == "change":
        column = table.header[c % len(table.header)]
        other = table.rows[o % len(table.rows)]
        row.cells = {**row.cells, column: other.cells.get(column, "")}
    elif kind == "add":
        cells = dict(row.cells)
        if "id" in cells:
            cells["id"] = cells["id"] + "x" + str(o % 7)
        table.rows.append(Row(max(x.number for x in table.rows) + 1, cells))
    return wb


def apply_edit(state: dict[str, tuple[str, Workbook]], edit: tuple) -> tuple[str, str, Workbook]:
    """The region an EDIT is for, its base and its workbook with the edit made (a re-ingest: as it is)."""
    which, kind, t, r, o, c = edit
    region = sorted(state)[which]
    base, wb = state[region]
    return region, base, wb if kind == "reingest" else _edited(wb, kind, t, r, o, c)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(edits=st.lists(EDIT, min_size=1, max_size=3))
def test_random_edits_match_the_full_rebuild(workbooks, tmp_path_factory, edits) -> None:
    root = tmp_path_factory.mktemp("stores")
    stores = (GraphStore(root / "delta"), GraphStore(root / "full"))
    state = dict(workbooks)
    for i, (region, (base, wb)) in enumerate(state.items()):
        _ingest_both(stores, region, base, wb, first=i == 0)
    for edit in edits:
        region, base, wb = apply_edit(state, edit)
        delta, _full = _ingest_both(stores, region, base, wb)
        if delta.committed:
            state[region] = (base, wb)


def test_every_change_is_logged_and_undone_through_the_same_checks(workbooks, tmp_path) -> None:
    store, reference = GraphStore(tmp_path / "delta"), GraphStore(tmp_path / "full")
    base, wb = workbooks["twente"]
    first = ingest.ingest(wb, "twente", base, store, who="anna", source="twente.csv")
    assert first.committed and first.full  # the first region: the full path, logged all the same
    edited = _edited(wb, "remove", 0, 3, 0, 0)
    second = ingest.ingest(edited, "twente", base, store, who="ben", source="edit.csv")
    assert second.committed
    changes = log.history(store.open())
    assert [(c.number, c.who, c.source, c.region) for c in changes] == [
        (2, "ben", "edit.csv", "twente"), (1, "anna", "twente.csv", "twente")]
    removed_rows = sum(t["removed"] for t in changes[0].summary.values())
    assert removed_rows >= 1 and changes[0].counts["removed"] > 0

    # undoing the first change while the second still touches the same records is refused
    with pytest.raises(log.UndoRefused) as refused:
        ingest.undo(store, 1, who="carl")
    assert "2" in refused.value.en and "2" in refused.value.nl
    undone = ingest.undo(store, 2, who="carl")
    assert undone.committed and undone.change is not None and undone.change.undoes == 2
    # after the undo the store is the store of the first ingest again (as the full path builds it)
    ingest.ingest(wb, "twente", base, reference, full=True)
    assert_same_store(store, reference)
    with pytest.raises(log.UndoRefused):
        ingest.undo(store, 2, who="carl")
    assert log.history(store.open())[1].undone_by == 3


def test_schema_in_a_change_takes_the_full_path(tmp_path) -> None:
    """The compiled rules refuse what they cannot reason about; the caller recomputes instead."""
    rules = incremental.compile_rules(ingest.core_quads())
    store = GraphStore(tmp_path / "s")
    store.replace_all(ingest.core_quads())
    candidate = store.candidate()
    try:
        same = ox.Quad(ox.NamedNode("https://x.example/a"), ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"),
                       ox.NamedNode("https://x.example/b"), ox.NamedNode("https://w3id.org/connective-kg/graph/x"))
        with pytest.raises(incremental.Unsupported):
            write.plan_change(candidate, [same], [], rules)
    finally:
        candidate.discard()
    assert not any(p.name.startswith("candidate-") for p in store.path.iterdir())


def test_the_rules_give_the_reasoners_closure_on_random_removals() -> None:
    """The engine alone, against the full reasoner, on the sample's RDF with random parts removed and put back."""
    from kg.pipeline.build import check_quads
    from kg.rdf.rdfio import collect_sources, parse_source

    core = ingest.core_quads()
    data = [q for s in collect_sources([resources.sample_dir()]) for q in parse_source(s)]
    rules = incremental.compile_rules(core)
    inferred = ox.NamedNode(INFERRED_GRAPH)

    def closure(quads: list[ox.Quad]) -> set:
        _, out = check_quads(core + quads, ingest.Unblocked())
        return {(q.subject, q.predicate, q.object) for q in out if q.graph_name == inferred}

    db = ox.Store()
    db.extend(core)
    db.extend(ox.Quad(*t, inferred) for t in closure([]))
    rng = random.Random(7)
    current: list[ox.Quad] = []
    for step in range(4):
        removed = rng.sample(current, min(40, len(current)))
        pool = [q for q in data if q not in set(current)]
        added = pool if step == 0 else rng.sample(pool, min(25, len(pool)))
        before = {(q.subject, q.predicate, q.object) for q in current} | {
            (q.subject, q.predicate, q.object) for q in core}
        current = [q for q in current if q not in set(removed)] + added
        after = {(q.subject, q.predicate, q.object) for q in current} | {
            (q.subject, q.predicate, q.object) for q in core}
        facts = incremental.Facts(db, [PUBLIC_GRAPH])
        incremental.maintain(rules, facts, after - before, before - after, after.__contains__)
        for q in removed:
            db.remove(q)
        db.extend(added)
        for t in facts.plus | facts.minus | (after ^ before):
            want = t in facts and t not in after and incremental.is_data_entailment(*t)
            (db.add if want else db.remove)(ox.Quad(*t, inferred))
        got = {(q.subject, q.predicate, q.object) for q in db.quads_for_pattern(None, None, None, inferred)}
        assert got == closure(current), step
    assert ONTOLOGY_GRAPH  # the schema graph stays what the rules were compiled from


def test_an_edit_is_the_ingest_of_the_edited_templates(workbooks, tmp_path) -> None:
    """`kg edit` (a change, an added tie, a removed membership) gives the store that ingesting the
    templates with that one row edited gives on the full path; it reports only the rows it touched."""
    from click.testing import CliRunner

    from kg.cli import main

    base, wb = workbooks["twente"]
    store, reference = tmp_path / "edit", tmp_path / "full"
    ingest.ingest(wb, "twente", base, GraphStore(store))
    expected = copy.deepcopy(wb)
    person = next(r for r in expected.tables["people"].rows if r.cells["id"] == "p017")
    other_school = next(r.cells["id"] for r in expected.tables["organisations"].rows
                        if r.cells["id"].startswith("s-") and r.cells["id"] != person.cells["organisation"])
    person.cells = {**person.cells, "organisation": other_school}
    tie = {"source": "p017", "target": "p001", "depth": "delen", "year": "2025"}
    header = expected.tables["ties"].header
    expected.tables["ties"].rows.append(Row(999, {c: tie.get(c, "") for c in header}))
    gone = expected.tables["memberships"].rows.pop(0)
    sources = {(r.cells["artefact"], r.cells["source"]) for r in expected.tables["adoptions"].rows}
    adoption = next(r for r in expected.tables["adoptions"].rows
                    if r.cells["date"] and (r.cells["artefact"], r.cells["adopter"]) not in sources)
    old_adoption = dict(adoption.cells)
    year, month, day = adoption.cells["date"].split("-")
    adoption.cells = {**adoption.cells, "date": f"{year}-{month}-{int(day) % 28 + 1:02d}"}

    runner = CliRunner()
    for args in (["people", "--change", "p017", f"organisation={other_school}"],
                 ["ties", "--add"] + [f"{k}={v}" for k, v in tie.items()]):
        out = runner.invoke(main, ["edit", *args, "--region", "twente", "--store", str(store), "--lang", "en"])
        assert out.exit_code == 0, out.output
        assert "row 30" not in out.output  # untouched rows' notes are not repeated
    db = GraphStore(store).open()
    m_node = next(q.subject.value for q in db.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/ns/org#member"), None, None)
        if q.object.value.endswith("/" + gone.cells["member"]) and q.graph_name.value.endswith("/twente")
        and any(o.object.value.endswith("/" + gone.cells["network"]) for o in db.quads_for_pattern(
            q.subject, ox.NamedNode("http://www.w3.org/ns/org#organization"), None, None)))
    out = runner.invoke(main, ["edit", "memberships", "--remove", m_node[len(base):], "--region", "twente",
                               "--store", str(store)])
    assert out.exit_code == 0, out.output
    adopted = next(q.subject.value for q in db.quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/connective-kg/ns#adopter"), ox.NamedNode(base + old_adoption["adopter"]),
        None) if any(True for _ in db.quads_for_pattern(
            q.subject, ox.NamedNode("https://w3id.org/connective-kg/ns#adoptedArtefact"),
            ox.NamedNode(base + old_adoption["artefact"]), None)))
    out = runner.invoke(main, ["edit", "adoptions", "--change", adopted[len(base):], f"date={adoption.cells['date']}",
                               "--region", "twente", "--store", str(store)])
    assert out.exit_code == 0, out.output
    ingest.ingest(expected, "twente", base, GraphStore(reference), full=True)
    assert_same_store(GraphStore(store), GraphStore(reference))
    assert [c.source for c in log.history(GraphStore(store).open())][:4] == [
        "kg edit adoptions", "kg edit memberships", "kg edit ties", "kg edit people"]

    refused = runner.invoke(main, ["edit", "people", "--change", "p999", "name=X", "--region", "twente",
                                   "--store", str(store)])
    assert refused.exit_code == 2 and "p999" in refused.output


def test_a_readers_view_follows_a_change_that_only_adds(workbooks, tmp_path) -> None:
    """A first ingest of a second region removes nothing: its delta's added section comes first in the
    file, and the reader's view must add it (it once read it as removed, and the new region never
    showed until a restart)."""
    from kg.store.snapshot import Snapshot

    store = GraphStore(tmp_path / "s")
    ingest.ingest(workbooks["twente"][1], "twente", workbooks["twente"][0], store)
    view = Snapshot(store)
    before = store.generation()
    base, wb = workbooks["second"]
    assert ingest.ingest(wb, "second", base, store).committed
    removed, added = store.deltas_since(before)[0]
    assert removed == [] and len(added) > 1000
    assert view.refresh(force=True)
    assert set(view.db().quads_for_pattern(None, None, None, None)) == set(
        store.open().quads_for_pattern(None, None, None, None))


def test_a_readers_view_follows_a_change_without_copying_the_store(workbooks, tmp_path) -> None:
    """The web app's in-memory view applies a committed change's delta (two copies taking turns) and
    then holds exactly what the store holds; a full write in between makes it take a new copy."""
    from kg.store.snapshot import Snapshot

    base, wb = workbooks["twente"]
    store = GraphStore(tmp_path / "s")
    ingest.ingest(wb, "twente", base, store)
    view = Snapshot(store)
    copies = []
    taken = store.snapshot
    store.snapshot = lambda: copies.append(1) or taken()  # type: ignore[method-assign]
    fewer = copy.deepcopy(wb)
    fewer.tables["ties"].rows.pop()
    for step in range(3):  # three changes: the second copy is made once, then the two take turns
        assert ingest.ingest(fewer if step % 2 == 0 else wb, "twente", base, store).committed
        assert view.refresh(force=True) and view.generation == store.generation()
        assert set(view.db().quads_for_pattern(None, None, None, None)) == set(
            store.open().quads_for_pattern(None, None, None, None))
    assert copies == []
    assert ingest.ingest(wb, "twente", base, store, full=True).committed  # the full path keeps no delta
    assert view.refresh(force=True) and copies == [1]
