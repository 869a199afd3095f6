"""Boundary objects derived into the graph (kg.pipeline.derived): the full path, the delta path and a
remote store's delta type exactly the artefacts that meet the criterion `ckg:BoundaryObject`, in
graph/inferred and the public view, and agree with each other after edits that make and unmake one.
The expected set is computed from the spreadsheet rows, which never state the class."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
import pytest
from oxigraph_server import OxigraphServer
from test_incremental_write import assert_same_store as assert_same_local
from test_remote_delta import assert_same_store as assert_same_remote

from kg.ingest import edit
from kg.ingest import pipeline as ingest
from kg.ingest.read import Workbook, read_path
from kg.model import resources
from kg.model.namespaces import CKG, INFERRED_GRAPH, PUBLIC_GRAPH, RDF
from kg.pipeline import reason
from kg.rdf.rdfio import rdflib_graph
from kg.store import GraphStore, open_store

TWENTE = "https://knll-twente.example/id/"
BOUNDARY_OBJECT = ox.NamedNode(CKG + "BoundaryObject")
NEW_ROLE = "gespreksstof in de PLG over computationeel denken"


def expected(wb: Workbook) -> set[str]:
    """The artefacts (ids) whose membership rows name >= 2 networks and >= 2 roles."""
    artefacts = {r.cells["id"] for r in wb.tables["artefacts"].rows}
    pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in wb.tables["memberships"].rows:
        if r.cells["member"] in artefacts and r.cells.get("role"):
            pairs[r.cells["member"]].add((r.cells["network"], r.cells["role"]))
    return {a for a, p in pairs.items() if len({n for n, _ in p}) >= 2 and len({x for _, x in p}) >= 2}


def typed(store, graph: str) -> set[str]:
    """The ids typed ckg:BoundaryObject in `graph`."""
    return {q.subject.value[len(TWENTE):] for q in store.open().quads_for_pattern(
        None, ox.NamedNode(RDF + "type"), BOUNDARY_OBJECT, ox.NamedNode(graph))}


def twente() -> Workbook:
    return read_path(resources.sample_dir().parent / "twente-templates")


@pytest.fixture(params=["local", "remote"])
def stores(request, tmp_path):
    """(delta, full): two empty stores, folders or real Oxigraph servers."""
    if request.param == "local":
        yield GraphStore(tmp_path / "delta"), GraphStore(tmp_path / "full"), assert_same_local
        return
    servers = [OxigraphServer(tmp_path / "delta"), OxigraphServer(tmp_path / "full")]
    try:
        yield open_store(servers[0].spec), open_store(servers[1].spec), assert_same_remote
    finally:
        for s in servers:
            s.stop()


def test_the_build_derives_exactly_the_artefacts_that_qualify(tmp_path) -> None:
    wb = twente()
    want = expected(wb)
    assert len(want) >= 2
    store = GraphStore(tmp_path / "s")
    assert ingest.ingest(wb, "twente", TWENTE, store, who="test").committed
    assert typed(store, INFERRED_GRAPH) == want
    assert typed(store, PUBLIC_GRAPH) == want   # an artefact's types are public
    assert not [f for f in ingest.ingest(wb, "twente", TWENTE, store, full=True).problems
                if f.shape and "BoundaryObject" in f.shape]  # what is derived meets its shape


def test_both_reasoners_derive_the_same_boundary_objects() -> None:
    from kg.rdf.rdfio import collect_sources, parse_source

    data = [q for s in collect_sources([resources.sample_dir()]) for q in parse_source(s)]
    stated = ox.NamedNode(RDF + "type")
    without = [q for q in data if not (q.predicate == stated and q.object == BOUNDARY_OBJECT)]
    assert len(without) < len(data)  # the sample states the class: left out, it must be derived
    graph = rdflib_graph(ingest.core_quads() + without)
    found = {}
    for engine in reason.REASONERS:
        inferred, _ = reason.materialise(graph, engine)
        found[engine] = {str(s) for s, p, o in inferred if str(o) == BOUNDARY_OBJECT.value}
    assert found["reasonable"] == found["owlrl"] == {q.subject.value for q in data
                                                     if q.predicate == stated and q.object == BOUNDARY_OBJECT}


def _edit_both(stores, same, action: str, key: str | None, values: dict[str, str]) -> None:
    """One membership row edited: `kg edit` on the delta store, the edited templates on the full path."""
    delta, full = stores
    result = ingest.check_edit(delta, "twente", "memberships", action, key, values, who="test")
    assert result.ok and not result.full, [(p.code, p.column, p.message("en")) for p in result.errors]
    ingest.commit(result, delta)
    wb = edit.edited_workbook(full.open(), "twente", TWENTE, "memberships", action, key, values)
    assert ingest.ingest(wb, "twente", TWENTE, full, full=True, who="test").committed
    same(delta, full)


def test_an_edit_makes_and_unmakes_a_boundary_object_as_the_full_path_does(stores) -> None:
    delta, full, same = stores
    wb = twente()
    for store in (delta, full):
        assert ingest.ingest(wb, "twente", TWENTE, store, who="test").committed
    before = expected(wb)
    one = next(a for a in ("a-kijkwijzer-ct", "a-rekenapp", "a-vr-lespakket")
               if sum(r.cells["member"] == a for r in wb.tables["memberships"].rows) == 1)
    network = next(n for n in ("n-plg-wt", "n-partnerschap")
                   if not any(r.cells["member"] == one and r.cells["network"] == n for r in wb.tables["memberships"].rows))
    _edit_both((delta, full), same, "add", None, {"member": one, "network": network, "role": NEW_ROLE})
    assert typed(delta, INFERRED_GRAPH) == typed(full, INFERRED_GRAPH) == before | {one}
    assert one in typed(delta, PUBLIC_GRAPH)
    added = next(q.subject.value[len(TWENTE):] for q in delta.open().quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/ns/org#organization"), ox.NamedNode(TWENTE + network), None)
        if (q.subject, ox.NamedNode("http://www.w3.org/ns/org#member"), ox.NamedNode(TWENTE + one))
        in {(x.subject, x.predicate, x.object) for x in delta.open().quads_for_pattern(q.subject, None, None, None)})
    _edit_both((delta, full), same, "remove", added, {})
    assert typed(delta, INFERRED_GRAPH) == typed(full, INFERRED_GRAPH) == before
    assert one not in typed(delta, PUBLIC_GRAPH)
