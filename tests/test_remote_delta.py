"""A change to a remote store as a delta sent as SPARQL Update (kg.store.remote_delta, issue 12
item 6), against real servers: the same changes applied as remote deltas into one server and by
the full path (`full=True`: download, recompute, replace) into another give isomorphic graphs,
every one, and the same problems; a change reads a small part of the store; a writer that lost a
race, and a change with a violation, write nothing."""

from __future__ import annotations

import copy
import hashlib

import pyoxigraph as ox
import pytest
from oxigraph_server import OxigraphServer
from rdflib.compare import isomorphic
from test_incremental_write import _graphs, _problems
from test_remote_store import dataset_digest

from kg.ingest import edit
from kg.ingest import pipeline as ingest
from kg.ingest.export import export, write_csv
from kg.ingest.read import read_path
from kg.model import resources
from kg.model.namespaces import CHANGES_GRAPH
from kg.rdf.rdfio import rdflib_graph
from kg.store import GraphStore, StoreChanged, log, open_store
from kg.store.remote import RemoteGraphStore
from synthetic.generate import generate

TWENTE = "https://knll-twente.example/id/"
SECOND = "https://second.example/id/"
_ORG = "http://www.w3.org/ns/org#"
_CKG = "https://w3id.org/connective-kg/ns#"


@pytest.fixture()
def servers(tmp_path):
    """Two Oxigraph servers: (delta, full)."""
    started = [OxigraphServer(tmp_path / "delta"), OxigraphServer(tmp_path / "full")]
    yield started
    for s in started:
        s.stop()


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    folder = tmp_path_factory.mktemp("second")
    db = ox.Store()
    db.extend(generate(40, seed=3, base=SECOND, graph="https://w3id.org/connective-kg/graph/source/g"))
    write_csv(export(db), folder)
    return read_path(folder)


def _twente():
    return read_path(resources.sample_dir().parent / "twente-templates")


def _keyed(graphs: dict[str, list[ox.Quad]]) -> tuple[dict[str, set[ox.Quad]], set[str]]:
    """The graphs with each blank node named by its path from an IRI (the least (parent, predicate)
    of the quads, in any graph, that name it), and the graphs where that does not tell blank nodes
    apart (compared by isomorphism instead). A remote store names blank nodes itself, and
    isomorphism over a whole store's graphs takes minutes."""
    parents: dict = {}
    for quads in graphs.values():
        for q in quads:
            if isinstance(q.object, ox.BlankNode):
                parents.setdefault(q.object, set()).add((q.subject, q.predicate.value))
    keys: dict = {}

    def key(b, depth=0):
        if b not in keys:
            if depth > 20 or b not in parents:
                keys[b] = None
            else:
                found = [(k, p) for x, p in parents[b] if (k := key(x, depth + 1) if isinstance(x, ox.BlankNode)
                                                          else x.value) is not None]
                keys[b] = repr(min(found)) if found else None
        return keys[b]

    out, unsure = {}, set()
    for g, quads in graphs.items():
        blanks = {t for q in quads for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
        named = {b: key(b) for b in blanks}
        if None in named.values() or len(set(named.values())) < len(named):
            unsure.add(g)
            continue

        renamed = {b: ox.BlankNode("k" + hashlib.sha256(k.encode()).hexdigest()[:24]) for b, k in named.items()}
        out[g] = {ox.Quad(renamed.get(q.subject, q.subject), q.predicate, renamed.get(q.object, q.object),
                          q.graph_name) for q in quads}
    return out, unsure


def assert_same_store(delta: RemoteGraphStore, full: RemoteGraphStore) -> None:
    """Every graph (but the log) of the two stores the same, blank nodes apart (see _keyed)."""
    a, b = _graphs(delta), _graphs(full)
    assert sorted(a) == sorted(b)
    (ka, unsure_a), (kb, unsure_b) = _keyed(a), _keyed(b)
    for g in a:
        if g in unsure_a or g in unsure_b:
            assert isomorphic(rdflib_graph(a[g]), rdflib_graph(b[g])), g
        else:
            assert ka[g] == kb[g], (g, len(ka[g] - kb[g]), len(kb[g] - ka[g]))


def _quads(store: RemoteGraphStore) -> int:
    return sum(1 for _ in store.open().quads_for_pattern(None, None, None, None))


def _edit_both(stores, template: str, action: str, key: str | None, values: dict[str, str]):
    """One row edited: `kg edit` on the first store (a remote delta), and the whole region's
    templates with that row edited ingested on the full path into the second."""
    delta, full = stores
    result = ingest.check_edit(delta, "twente", template, action, key, values, who="test")
    assert result.ok and not result.full, [(p.code, p.column, p.value, p.message("en")) for p in result.errors]
    assert result.plan is not None
    overlay = result.plan.candidate.db
    rows, requests = overlay.rows, overlay.requests
    ingest.commit(result, delta)
    wb = edit.edited_workbook(full.open(), "twente", TWENTE, template, action, key, values)
    reference = ingest.ingest(wb, "twente", TWENTE, full, full=True, who="test", source="step")
    assert reference.committed and reference.full
    # an edit reports the rows it touched (as row 2 of a one-row template): the same findings
    assert {p[:2] + p[4:] for p in _problems(result)} <= {p[:2] + p[4:] for p in _problems(reference)}
    assert_same_store(delta, full)
    return rows, requests


def test_remote_deltas_match_the_full_path(servers, second) -> None:
    stores = [open_store(s.spec) for s in servers]
    delta, full = stores
    twente = _twente()
    for store in stores:  # into an empty store: the full path (it costs what the upload costs)
        assert ingest.ingest(twente, "twente", TWENTE, store, who="test").full
    assert_same_store(delta, full)

    # a first ingest of a region into a store that holds data: a delta
    a = ingest.ingest(second, "second", SECOND, delta, who="test", source="step")
    b = ingest.ingest(second, "second", SECOND, full, full=True, who="test", source="step")
    assert a.committed and b.committed and not a.full and b.full
    assert _problems(a) == _problems(b)
    assert_same_store(delta, full)

    # one-row edits, each read a small part of the store in a few requests
    size = _quads(delta)
    person = next(r for r in twente.tables["people"].rows if r.cells["id"] == "p017")
    school = next(r.cells["id"] for r in twente.tables["organisations"].rows
                  if r.cells["id"].startswith("s-") and r.cells["id"] != person.cells["organisation"])
    rows, requests = _edit_both(stores, "people", "change", "p017", {"organisation": school})
    assert rows * 5 < size and requests < 60, (rows, requests, size)
    ties_before = {q.subject for q in delta.open().quads_for_pattern(None, ox.NamedNode(_CKG + "source"), None, None)}
    _edit_both(stores, "ties", "add", None, {"source": "p017", "target": "p001", "depth": "delen", "year": "2025"})
    (tie,) = {q.subject for q in delta.open().quads_for_pattern(None, ox.NamedNode(_CKG + "source"), None, None)} \
        - ties_before
    added_tie = tie.value[len(TWENTE):]
    db = delta.open()
    dated = sorted({q.subject for q in db.quads_for_pattern(None, ox.NamedNode(_ORG + "memberDuring"), None, None)
                    if q.graph_name.value.endswith("/twente")}, key=str)
    assert len(dated) >= 2  # memberships with a period: blank nodes, rewritten whole
    members_before = {q.subject for q in delta.open().quads_for_pattern(None, ox.NamedNode(_ORG + "member"), None, None)}
    _edit_both(stores, "memberships", "change", dated[0].value[len(TWENTE):], {"from": "2001-09-01"})
    # a relation row's id follows its cells: the edited membership is a new node
    (edited,) = {q.subject for q in delta.open().quads_for_pattern(None, ox.NamedNode(_ORG + "member"), None, None)} \
        - members_before
    _edit_both(stores, "memberships", "remove", dated[1].value[len(TWENTE):], {})

    # a whole region re-ingested with a row removed and a cell changed
    changed = copy.deepcopy(twente)
    changed.tables["ties"].rows.pop(3)
    row = changed.tables["people"].rows[5]
    row.cells = {**row.cells, "name": row.cells["name"] + " Jr."}
    a = ingest.ingest(changed, "twente", TWENTE, delta, who="test", source="step")
    b = ingest.ingest(changed, "twente", TWENTE, full, full=True, who="test", source="step")
    assert a.committed and b.committed and not a.full
    # the delta store logged the edits above as edits, so its upload warns that it undoes them (the
    # full store took them as whole uploads); otherwise the same problems
    warned = sorted((p.template, p.value) for p in a.problems if p.code == "discards_edit")
    assert warned == sorted([("people", "p017"), ("memberships", edited.value[len(TWENTE):]),
                             ("ties", added_tie)]), warned
    assert [p for p in _problems(a) if p[0] != "discards_edit"] == _problems(b)
    assert_same_store(delta, full)
    # the stored periods keep their blank nodes: the delta is what changed (the edits above undone,
    # a tie and a name), not every period anew (1,749 quads each way before same_blank_nodes)
    assert a.change is not None and a.change.counts["added"] + a.change.counts["removed"] < 100, a.change.counts
    # the log is kept on both paths, in the same update as the change
    assert [c.source for c in log.history(delta.open())][:3] == ["step", "kg edit memberships", "kg edit memberships"]
    assert len(log.history(delta.open())) == len(log.history(full.open())) == 7


def test_a_stale_remote_delta_and_a_refused_one_write_nothing(servers) -> None:
    server = servers[0]
    store = open_store(server.spec)
    ingest.ingest(_twente(), "twente", TWENTE, store)
    first = ingest.check_edit(store, "twente", "people", "change", "p017", {"name": "Eerste"})
    second = ingest.check_edit(store, "twente", "people", "change", "p018", {"name": "Tweede"})
    assert first.ok and second.ok
    ingest.commit(second, store)
    after_second = dataset_digest(server)
    with pytest.raises(StoreChanged):
        ingest.commit(first, store)
    assert dataset_digest(server) == after_second
    names = {q.object.value for q in store.open().quads_for_pattern(None, None, None, None)
             if q.object.value in ("Eerste", "Tweede")}
    assert names == {"Tweede"}

    # an adoption dated before the adoption it names as its source: a violation, nothing written
    db = store.open()
    sourced = next(q.subject for q in db.quads_for_pattern(None, ox.NamedNode(_CKG + "adoptedFrom"), None, None)
                   if q.graph_name.value.endswith("/twente"))
    refused = ingest.check_edit(store, "twente", "adoptions", "change", sourced.value[len(TWENTE):],
                                {"date": "1990-01-01"})
    assert not refused.ok and refused.errors
    ingest.discard(refused)
    assert dataset_digest(server) == after_second
    # and a change made through the change log by another writer is seen as such
    assert [c.number for c in log.history(store.open())][0] == 2


def test_undo_on_a_remote_store(servers) -> None:
    """A change without blank nodes is undone through the same checks; one with periods is refused
    with the reason (the store names blank nodes itself)."""
    store = open_store(servers[0].spec)
    ingest.ingest(_twente(), "twente", TWENTE, store)
    before = dataset_digest(servers[0])
    result = ingest.check_edit(store, "twente", "people", "change", "p017", {"name": "Anna Nieuw"})
    ingest.commit(result, store)
    undone = ingest.undo(store, result.change.number)
    assert undone.committed
    graphs = {q.graph_name.value for q in store.open().quads_for_pattern(None, None, None, None)}
    assert CHANGES_GRAPH in graphs
    assert dataset_digest(servers[0]) != before  # the log grew by two entries
    assert not any(q.object.value == "Anna Nieuw" for q in store.open().quads_for_pattern(None, None, None, None))
    dated = next(r for r in _twente().tables["memberships"].rows if r.cells.get("from"))
    wb = _twente()
    wb.tables["memberships"].rows = [r for r in wb.tables["memberships"].rows if r.cells != dated.cells]
    removed = ingest.ingest(wb, "twente", TWENTE, store)
    assert removed.committed
    with pytest.raises(log.UndoRefused):
        ingest.undo(store, removed.change.number)


def test_remote_deltas_on_virtuoso(tmp_path) -> None:
    """On Virtuoso (a claim on the generation, then batches, and its merge graphs kept): edits as
    remote deltas give the store that the same edits give on a store folder."""
    from virtuoso_server import VirtuosoServer, available

    if not available():
        pytest.skip("virtuoso-t is not installed (`make virtuoso` installs Debian's virtuoso-opensource)")
    server = VirtuosoServer(tmp_path / "virtuoso")
    try:
        remote, folder = open_store(server.spec), GraphStore(tmp_path / "folder")
        for store in (remote, folder):
            assert ingest.ingest(_twente(), "twente", TWENTE, store).committed
        dated = sorted({q.subject.value for q in folder.open().quads_for_pattern(
            None, ox.NamedNode(_ORG + "memberDuring"), None, None)})
        for template, action, key, values in (
                ("people", "change", "p017", {"name": "Anna Nieuw"}),
                ("memberships", "change", dated[0][len(TWENTE):], {"from": "2001-09-01"}),
                ("memberships", "remove", dated[1][len(TWENTE):], {})):
            results = [ingest.check_edit(store, "twente", template, action, key, values) for store in (remote, folder)]
            assert all(r.ok and not r.full for r in results)
            for r, store in zip(results, (remote, folder), strict=True):
                ingest.commit(r, store)
            assert_same_store(remote, folder)
        stale = ingest.check_edit(remote, "twente", "people", "change", "p018", {"name": "Oud"})
        ingest.commit(ingest.check_edit(remote, "twente", "people", "change", "p019", {"name": "Nieuw"}), remote)
        with pytest.raises(StoreChanged):
            ingest.commit(stale, remote)
        assert not any(q.object.value == "Oud" for q in remote.open().quads_for_pattern(None, None, None, None))
        # the merge graphs Virtuoso reads views through follow the change
        names = remote.open().query("SELECT ?n WHERE { ?p ?name ?n }",
                                    substitutions={ox.Variable("n"): ox.Literal("Nieuw")})
        assert len(list(names)) >= 1
    finally:
        server.stop()


def test_schema_the_rules_do_not_cover_takes_the_full_path(servers) -> None:
    """A store whose data states schema (a subclass axiom in a data graph): the compiled rules
    refuse, and an edit or an ingest on the remote store recomputes instead, as on a folder."""
    store = open_store(servers[0].spec)
    ingest.ingest(_twente(), "twente", TWENTE, store)
    axiom = ox.Quad(ox.NamedNode(TWENTE + "Kijkwijzer"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                    ox.NamedNode(_CKG + "Artefact"), ox.NamedNode("https://w3id.org/connective-kg/graph/extra"))
    store.replace_graphs(["https://w3id.org/connective-kg/graph/extra"], [axiom])
    result = ingest.check_edit(store, "twente", "people", "change", "p017", {"name": "Anna Schema"})
    assert result.ok and result.full
    ingest.commit(result, store)
    assert any(q.object.value == "Anna Schema" for q in store.open().quads_for_pattern(None, None, None, None))
