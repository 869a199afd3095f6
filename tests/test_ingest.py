"""Spreadsheet ingest (kg.ingest): every template, every kind of problem reported at its exact
template/row/column, atomic and idempotent commits, region replacement, the round trip."""

from __future__ import annotations

import copy
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import ROOT

from kg.ingest import export as ex
from kg.ingest.mapping import region_graph
from kg.ingest.pipeline import check, ingest
from kg.ingest.read import Row, Workbook, read_path
from kg.ingest.templates import BY_NAME
from kg.store import GraphStore, digest

TEMPLATES = ROOT / "data" / "twente-templates"
BASE = "https://knll-twente.example/id/"


@pytest.fixture(scope="module")
def twente() -> Workbook:
    return read_path(TEMPLATES)


@pytest.fixture(scope="module")
def twente_store(tmp_path_factory) -> GraphStore:
    """A store holding the Twente templates as region `twente`."""
    store = GraphStore(tmp_path_factory.mktemp("ingest") / "store")
    result = ingest(read_path(TEMPLATES), "twente", BASE, store)
    assert result.committed, [p.to_json() for p in result.errors]
    return store


def wb_copy(wb: Workbook) -> Workbook:
    return copy.deepcopy(wb)


def row_of(wb: Workbook, template: str, **match: str) -> Row:
    return next(r for r in wb.tables[template].rows if all(r.cells.get(k) == v for k, v in match.items()))


def errors_at(result) -> set[tuple]:
    return {(p.template, p.row, p.column, p.code) for p in result.errors}


def region_quads(store: GraphStore, region: str) -> set[str]:
    return {str(q) for q in store.open().quads_for_pattern(None, None, None, ox.NamedNode(region_graph(region)))}


# --- the sample as templates ----------------------------------------------------------------

def test_twente_templates_cover_every_template_but_topics_and_conform(twente_store: GraphStore) -> None:
    wb = read_path(TEMPLATES)
    assert set(wb.tables) == set(BY_NAME)
    assert all(wb.tables[n].rows for n in BY_NAME if n != "topics")
    db = twente_store.open()
    graphs = {g.value for g in db.named_graphs()}
    assert region_graph("twente") in graphs and "https://w3id.org/connective-kg/graph/public" in graphs
    # people never get names in IRIs: person IRIs are base + the region's id
    persons = {r.cells["id"] for r in wb.tables["people"].rows}
    names = {r.cells["name"] for r in wb.tables["people"].rows}
    for q in db.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                  ox.NamedNode("https://w3id.org/connective-kg/ns#Person"),
                                  ox.NamedNode(region_graph("twente"))):
        local = q.subject.value.removeprefix(BASE)
        assert local in persons and not any(n.split()[-1].lower() in local for n in names)


def graphs_of(store: GraphStore) -> dict[str, rdflib.Graph]:
    from kg.rdf.rdfio import rdflib_graph

    db = store.open()
    return {g.value: rdflib_graph(db.quads_for_pattern(None, None, None, g)) for g in db.named_graphs()}


def test_same_input_twice_gives_the_same_store(twente_store: GraphStore, tmp_path: Path) -> None:
    """Isomorphic graph by graph (the packaged ontology's blank nodes get new labels on every
    parse, so the byte digest of the whole store differs); the region graph is even identical."""
    from rdflib.compare import isomorphic

    before, region = graphs_of(twente_store), region_quads(twente_store, "twente")
    result = ingest(read_path(TEMPLATES), "twente", BASE, twente_store)
    assert result.committed
    after = graphs_of(twente_store)
    assert set(after) == set(before)
    for g in before:
        assert isomorphic(before[g], after[g]), g
    assert region_quads(twente_store, "twente") == region


def test_order_case_and_language_of_terms_do_not_change_the_graph(twente: Workbook, tmp_path: Path) -> None:
    a = check(twente, "twente", BASE, None)
    wb = wb_copy(twente)
    english = {"samenwerken": "Joint Work", "delen": "SHARING", "kern": "Core", "leraar": "Teacher",
               "openbaar": "public"}
    for table in wb.tables.values():
        table.rows.reverse()
        for r in table.rows:
            for c, v in r.cells.items():
                if v in english:
                    r.cells[c] = english[v]
    wb.tables["people"].rows[0].cells["roles"] = "; ".join(reversed(wb.tables["people"].rows[0].cells["roles"].split("; ")))
    b = check(wb, "twente", BASE, None)
    assert a.ok and b.ok
    assert {str(q) for q in a.mapped.quads} == {str(q) for q in b.mapped.quads}


def test_round_trip_templates_graph_templates(twente_store: GraphStore, tmp_path: Path) -> None:
    """Same rows = per template the same multiset of rows after normalising each cell to
    what it means; the export of the sample's templates is even byte-identical."""
    result = ex.export(twente_store.open(), "twente")
    assert result.base == BASE and not result.skipped
    ex.write_csv(result, tmp_path / "out")
    assert ex.canonical(read_path(tmp_path / "out")) == ex.canonical(read_path(TEMPLATES))
    for f in TEMPLATES.glob("*.csv"):
        assert (tmp_path / "out" / f.name).read_text(encoding="utf-8") == f.read_text(encoding="utf-8"), f.name


def test_topics_template_round_trips_and_is_usable_everywhere(twente: Workbook, tmp_path: Path) -> None:
    wb = wb_copy(twente)
    topics = wb.tables["topics"]
    topics.rows = [Row(2, {"id": "tp-kleuter-wt", "label_nl": "W&T bij kleuters", "label_en": "S&T for infants",
                           "broader": "W&T"})]
    p = row_of(wb, "people", id="p001")
    p.cells["expertise"] += "; w&t BIJ kleuters"   # by label, any case
    row_of(wb, "networks", id="n-plg-wt").cells["themes"] += "; tp-kleuter-wt"  # by id
    store = GraphStore(tmp_path / "s")
    result = ingest(wb, "twente", BASE, store)
    assert result.committed, [x.to_json() for x in result.errors]
    out = ex.export(store.open(), "twente")
    assert out.rows["topics"] == [{"id": "tp-kleuter-wt", "label_nl": "W&T bij kleuters",
                                   "label_en": "S&T for infants", "broader": "Wetenschap & Techniek"}]
    assert "tp-kleuter-wt" in next(r for r in out.rows["people"] if r["id"] == "p001")["expertise"]


# --- table-level problems: exact template / row / column -------------------------------------

def _one(wb: Workbook, template: str, match: dict, column: str, value: str):
    r = row_of(wb, template, **match)
    r.cells[column] = value
    return r.number


@pytest.mark.parametrize("template,match,column,value,code", [
    ("people", {"id": "p001"}, "organisation", "s-nowhere", "unknown_id"),
    ("memberships", {"member": "p001", "network": "n-plg-wt"}, "from", "14-09-17", "bad_date"),
    ("memberships", {"member": "p001", "network": "n-plg-wt"}, "level", "heel erg", "bad_value"),
    ("organisations", {"id": "s-de-bron"}, "type", "kasteel", "bad_value"),
    ("networks", {"id": "n-plg-wt"}, "started", "2017-02-30", "bad_date"),
    ("networks", {"id": "n-plg-wt"}, "budget_eur", "veel", "bad_decimal"),
    ("networks", {"id": "n-plg-wt"}, "funders", "o-enschede; p001", "wrong_kind:p001"),
    ("people", {"id": "p001"}, "since", "17", "bad_year"),
    ("people", {"id": "p001"}, "expertise", "sterrenkunde", "unknown_topic"),
    ("people", {"id": "p001"}, "consent", "misschien", "bad_value"),
    ("artefacts", {"id": "a-kijkwijzer-ol"}, "creators", "p001; n-plg-wt", "wrong_kind:n-plg-wt"),
    ("artefacts", {"id": "a-kijkwijzer-ol"}, "created", "", "required_ok"),
    ("adoptions", {"adopter": "s-de-bron", "artefact": "a-kijkwijzer-ol"}, "date", "", "required"),
    ("ties", {"source": "p101", "target": "p052", "year": "2022"}, "closeness", "7", "bad_scale"),
    ("ties", {"source": "p101", "target": "p052", "year": "2022"}, "target", "p999", "unknown_id"),
    ("crossings", {"id": "x-10"}, "mechanism", "toverij", "bad_value"),
    ("covenants", {"id": "c-knll"}, "themes", "W&T; kookkunst", "unknown_topic:kookkunst"),
    ("intents", {"id": "loi-p019-digitaal-2022"}, "covenant", "n-knll", "wrong_kind"),
    ("people", None, "id", "p001", "duplicate_id"),   # None: a new row at the end
    ("networks", None, "id", "n plg", "bad_id"),
])
def test_each_table_problem_is_reported_at_its_cell(twente, template, match, column, value, code) -> None:
    wb = wb_copy(twente)
    code, _, part = code.partition(":")
    if match is None:
        rows = wb.tables[template].rows
        rows.append(Row(rows[-1].number + 1, {**rows[-1].cells, column: value}))
        row = rows[-1].number
    else:
        row = _one(wb, template, match, column, value)
    result = check(wb, "twente", BASE, None)
    if code == "required_ok":  # an empty optional cell is fine
        assert result.ok
        return
    assert not result.ok and not result.checked_model and result.quads == []
    assert errors_at(result) == {(template, row, column, code)}
    p = result.errors[0]
    assert p.value == (part or value) and p.message("nl") and p.message("en") and p.message("nl") != p.message("en")


def test_missing_required_template_and_column(tmp_path: Path) -> None:
    import csv
    import io

    for f in TEMPLATES.glob("*.csv"):
        if f.name == "networks.csv":
            continue
        rows = list(csv.reader(io.StringIO(f.read_text(encoding="utf-8"))))
        if f.name == "people.csv":
            i = rows[0].index("consent")
            rows = [r[:i] + r[i + 1:] for r in rows]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        (tmp_path / f.name).write_text(buf.getvalue(), encoding="utf-8")
    result = check(read_path(tmp_path), "twente", BASE, None)
    where = errors_at(result)
    assert ("networks", None, None, "missing_template") in where
    assert ("people", 1, "consent", "missing_column") in where


# --- SHACL violations traced back to cells --------------------------------------------------

@pytest.mark.parametrize("template,match,column,value,shape", [
    ("intents", {"id": "loi-p019-digitaal-2022"}, "to", "2023-08-30", "ckgsh:LetterOfIntentShape-one-year"),
    ("covenants", {"id": "c-partnerschap"}, "parties", "i-pabo", "ckgsh:CovenantShape-party"),
    ("organisations", {"id": "s-de-bron"}, "brin", "12-AB", "ckgsh:OrganisationShape-brin"),
    ("memberships", {"member": "p004", "network": "n-plg-wt"}, "to", "2016-07-31",
     "ckgsh:MembershipShape-end-after-begin"),
])
def test_shacl_violations_map_back_to_the_cell(twente, template, match, column, value, shape) -> None:
    wb = wb_copy(twente)
    row = _one(wb, template, match, column, value)
    result = check(wb, "twente", BASE, None)
    assert result.checked_model and not result.ok and result.quads == []
    assert {(p.template, p.row, p.column, p.shape) for p in result.errors} == {(template, row, column, shape)}
    assert result.errors[0].value == value


def test_adoption_dated_before_its_source_adopted_maps_to_the_source_column(twente) -> None:
    wb = wb_copy(twente)
    rows = wb.tables["adoptions"].rows
    target = next(r for r in rows if r.cells["source"] and r.cells["artefact"] == "a-kijkwijzer-ol")
    src = next(r for r in rows if r.cells["adopter"] == target.cells["source"]
               and r.cells["artefact"] == "a-kijkwijzer-ol")
    src.cells["date"] = "2025-06-30"   # the source now adopted it after passing it on
    result = check(wb, "twente", BASE, None)
    hits = {(p.template, p.row, p.column, p.shape) for p in result.errors}
    assert ("adoptions", target.number, "source", "ckgsh:AdoptionShape-adoptedFrom-earlier") in hits
    assert all(t == "adoptions" and c == "source" for t, _, c, _ in hits)


# --- the store: atomic, region by region -------------------------------------------------------

def test_failed_ingest_leaves_the_store_unchanged(twente, twente_store) -> None:
    before, gen = digest(twente_store.open()), twente_store.current_generation()
    wb = wb_copy(twente)
    _one(wb, "intents", {"id": "loi-p019-digitaal-2022"}, "to", "2022-12-31")
    result = ingest(wb, "twente", BASE, twente_store)
    assert not result.committed and result.errors
    assert digest(twente_store.open()) == before and twente_store.current_generation() == gen
    wb2 = wb_copy(twente)
    _one(wb2, "people", {"id": "p001"}, "organisation", "nergens")
    assert not ingest(wb2, "twente", BASE, twente_store).committed
    assert digest(twente_store.open()) == before


def small_region(twente: Workbook, keep: int = 20) -> Workbook:
    """A small region cut from the sample: organisations, networks and a few people."""
    wb = Workbook("csv", "small")
    for name in ("organisations", "networks", "people"):
        t = copy.deepcopy(twente.tables[name])
        if name == "people":
            t.rows = t.rows[:keep]
        wb.tables[name] = t
    return wb


def test_reingest_replaces_that_region_and_nothing_else(twente, tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "s")
    assert ingest(twente, "twente", BASE, store).committed
    other_base = "https://other-region.example/id/"
    assert ingest(small_region(twente, 20), "other", other_base, store).committed
    tw, other = region_quads(store, "twente"), region_quads(store, "other")
    assert other and all(other_base in q for q in other if "region/other" in q)
    assert ingest(small_region(twente, 5), "other", other_base, store).committed
    assert region_quads(store, "twente") == tw
    smaller = region_quads(store, "other")
    assert smaller < other


def test_problems_elsewhere_in_the_store_do_not_block(twente, tmp_path: Path) -> None:
    """Data of another graph that breaks a shape (stored before the shape existed, say) is
    reported apart and does not block a region it has nothing to do with; a region that
    touches it is blocked."""
    store = GraphStore(tmp_path / "s")
    ckg = "https://w3id.org/connective-kg/ns#"
    g = ox.NamedNode("https://w3id.org/connective-kg/graph/source/legacy.ttl")
    x = ox.NamedNode("https://legacy.example/id/t1")
    a = ox.NamedNode("https://legacy.example/id/p1")
    legacy = [ox.Quad(x, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(ckg + "Tie"), g),
              ox.Quad(x, ox.NamedNode(ckg + "source"), a, g), ox.Quad(x, ox.NamedNode(ckg + "target"), a, g),
              ox.Quad(a, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Legacy"), g)]
    store.replace_all(legacy)
    result = ingest(twente, "twente", BASE, store)
    assert result.committed
    assert any(p.focus == x.value and p.shape == "ckgsh:TieShape-not-self" and p.graph == g.value
               for p in result.elsewhere)
    assert not any(p.focus == x.value for p in result.problems)
    assert len(list(store.open().quads_for_pattern(None, None, None, g))) == len(legacy)


def test_a_change_that_breaks_other_data_blocks(twente, tmp_path: Path) -> None:
    """Another graph's adoption came from a school of this region; an upload that removes that
    school's own adoption would make it wrong, so it is refused and the node is named."""
    ckg = "https://w3id.org/connective-kg/ns#"
    g = ox.NamedNode("https://w3id.org/connective-kg/graph/source/neighbours.ttl")
    ad, school = ox.NamedNode("https://neighbours.example/id/ad-1"), ox.NamedNode("https://neighbours.example/id/s-1")
    t = lambda s, p, o: ox.Quad(s, ox.NamedNode(p), o, g)  # noqa: E731
    store = GraphStore(tmp_path / "s")
    store.replace_all([
        t(school, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(ckg + "School")),
        t(school, "http://www.w3.org/2000/01/rdf-schema#label", ox.Literal("Buurschool")),
        t(ad, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(ckg + "Adoption")),
        t(ad, ckg + "adoptedArtefact", ox.NamedNode(BASE + "a-kijkwijzer-ol")),
        t(ad, ckg + "adopter", school),
        t(ad, ckg + "adoptedFrom", ox.NamedNode(BASE + "s-de-bron")),
        t(ad, "http://purl.org/dc/terms/date", ox.Literal("2019-01-15", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#date"))),
    ])
    assert ingest(twente, "twente", BASE, store).committed
    before = digest(store.open())
    wb = wb_copy(twente)
    wb.tables["adoptions"].rows = [r for r in wb.tables["adoptions"].rows
                                   if not (r.cells["adopter"] == "s-de-bron" and r.cells["artefact"] == "a-kijkwijzer-ol")]
    result = ingest(wb, "twente", BASE, store)
    assert not result.committed and digest(store.open()) == before
    assert any(p.focus == ad.value and p.graph == g.value and p.blocking and p.template is None
               for p in result.problems)


def test_every_message_reads_in_dutch_and_english() -> None:
    import re

    from kg.ingest.problems import MESSAGES, problem

    for code, texts in MESSAGES.items():
        names = set(re.findall(r"\{(\w+)\}", texts["nl"] + texts["en"])) - {"value", "template", "column"}
        p = problem(code, template="people", row=3, column="id", value="x", **{n: "?" for n in names})
        assert p.message("nl") and p.message("en"), code
