"""Artefacts linked across regions from the templates (issue 16, items 3 and 4), no mocks.

Three regions, each built from templates only (an XLSX workbook written by the template writer
kg.ingest.blank.write_xlsx, ingested by `kg ingest`) into its own real Oxigraph server, and our own
store from the Twente templates:

- Utrecht holds a kijkwijzer and two adoptions;
- Zeeland holds its own copy of it under its own IRI, adopted from a Utrecht school named by its
  IRI in the adoptions template's `source` column; Zeeland states no link;
- Brabant (the third region) says with the artefacts template's `same_as` column that its
  kijkwijzer is the same as Utrecht's and Zeeland's.

The federated trace of Utrecht's IRI, asked in Twente, follows Brabant's links to Zeeland, merges
the adoptions of the three regions in date order and computes the likely next adopters over the
merged trace; on one region its next adopters are the local query's (the oracle). Also: the new
columns' errors, both ingest paths, the export round trip, and what owl:sameAs does (item 4).
"""

from __future__ import annotations

import json
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from answer_types import mismatches
from click.testing import CliRunner
from conftest import ROOT
from oxigraph_server import OxigraphServer
from rdflib.compare import isomorphic
from test_federation import registry_text
from test_incremental_write import _ingest_both

from kg.answers import trace as diffusion
from kg.answers.trace import Trace
from kg.cli import main
from kg.federation import federated as federation
from kg.federation import registry as regions
from kg.ingest import blank
from kg.ingest import export as ex
from kg.ingest.mapping import region_graph
from kg.ingest.pipeline import check, ingest
from kg.ingest.read import read_path
from kg.model import resources
from kg.pipeline.build import build
from kg.rdf.rdfio import rdflib_graph
from kg.store import GraphStore
from kg.store.remote import RemoteGraphStore

A, B, C = "https://utrecht.example/id/", "https://zeeland.example/id/", "https://brabant.example/id/"
TW = "https://knll-twente.example/id/"
CKG = "https://w3id.org/connective-kg/ns#"
SAME_AS = "https://schema.org/sameAs"
TIMEOUT = 10.0


def region_rows(tag: str, same_as: str = "", adoptions: list[dict[str, str]] | None = None,
                ) -> dict[str, list[dict[str, str]]]:
    """A small region as template rows: a board with two schools, a school without a board, a
    network, a teacher, a kijkwijzer (`a-kw`) and its adoptions."""
    return {
        "organisations": [
            {"id": "b1", "name": f"Bestuur {tag}", "type": "bestuur"},
            {"id": "s1", "name": f"Eerste school {tag}", "type": "school", "parent": "b1"},
            {"id": "s2", "name": f"Tweede school {tag}", "type": "school", "parent": "b1"},
            {"id": "s3", "name": f"Losse school {tag}", "type": "school"}],
        "networks": [{"id": "n1", "name": f"PLG {tag}", "type": "plg"}],
        "people": [{"id": "p1", "name": f"Docent {tag}", "roles": "leraar", "organisation": "s1",
                    "consent": "openbaar"}],
        "artefacts": [{"id": "a-kw", "title": f"Kijkwijzer {tag}", "type": "kijkwijzer", "same_as": same_as}],
        "adoptions": adoptions or [],
    }


UTRECHT = region_rows("Utrecht", adoptions=[
    {"artefact": "a-kw", "adopter": "s1", "date": "2022-03-01", "broker": "p1"},
    {"artefact": "a-kw", "adopter": "s3", "date": "2023-05-01", "source": "s1"}])
ZEELAND = region_rows("Zeeland", adoptions=[
    {"artefact": "a-kw", "adopter": "s1", "date": "2022-09-01", "source": A + "s1"}])  # a Utrecht school
BRABANT = region_rows("Brabant", same_as=f"{A}a-kw; {B}a-kw", adoptions=[
    {"artefact": "a-kw", "adopter": "s1", "date": "2021-11-01"}])


class World:
    pass


def kg(*args: str) -> str:
    out = CliRunner().invoke(main, list(args))
    assert out.exit_code == 0, out.output
    return out.output


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("xlinks")
    w = World()
    w.servers = {}
    for name, base, rows, full in (("utrecht", A, UTRECHT, False), ("zeeland", B, ZEELAND, False),
                                   ("brabant", C, BRABANT, True)):
        book = blank.write_xlsx(tmp / f"{name}.xlsx", rows)
        server = w.servers[name] = OxigraphServer(tmp / f"db-{name}")
        kg("ingest", str(book), "--region", name, "--base", base, "--store", server.spec, "--quiet",
           *(["--full"] if full else []))
    w.local = GraphStore(tmp / "local")
    assert ingest(read_path(ROOT / "data" / "twente-templates"), "twente", TW, w.local).committed
    w.db = w.local.open()
    w.registry_file = tmp / "regions.toml"
    w.registry_file.write_text(registry_text([(n, s.url + "/query", b) for (n, s), b in
                                              zip(w.servers.items(), (A, B, C))]))
    w.registry = regions.load(w.registry_file)
    yield w
    for s in w.servers.values():
        s.stop()


def test_the_templates_put_same_as_and_the_foreign_source_in_the_regions_public_data(world) -> None:
    brabant = RemoteGraphStore(world.servers["brabant"].spec).open()
    links = {(q.subject.value, q.object.value) for q in brabant.quads_for_pattern(
        None, ox.NamedNode(SAME_AS), None, ox.NamedNode("https://w3id.org/connective-kg/graph/public"))}
    assert links == {(C + "a-kw", A + "a-kw"), (C + "a-kw", B + "a-kw")}
    zeeland = RemoteGraphStore(world.servers["zeeland"].spec).open()
    sources = {q.object.value for q in zeeland.quads_for_pattern(None, ox.NamedNode(CKG + "adoptedFrom"), None,
                                                                  ox.NamedNode(region_graph("zeeland")))}
    assert sources == {A + "s1"}


def test_federated_trace_follows_a_link_stated_only_in_a_third_region(world) -> None:
    out = kg("trace", A + "a-kw", "--federated", "--next-adopters", "--regions", str(world.registry_file),
             "--store", str(world.local.path), "--timeout", str(TIMEOUT), "--format", "json")
    tr = json.loads(out)
    assert not mismatches(tr, Trace)
    assert set(tr["same_as"]) == {A + "a-kw", B + "a-kw", C + "a-kw"}
    assert {r["name"]: r["status"] for r in tr["regions"]} == {
        "twente": "unknown-artefact", "utrecht": "ok", "zeeland": "ok", "brabant": "ok"}
    # Merged in date order over the three regions, numbered over the merge.
    got = [(a["date"], a["region"]["name"], a["adopter"]["iri"]) for a in tr["adoptions"]]
    assert got == [("2021-11-01", "brabant", C + "s1"), ("2022-03-01", "utrecht", A + "s1"),
                   ("2022-09-01", "zeeland", B + "s1"), ("2023-05-01", "utrecht", A + "s3")]
    assert [a["order"] for a in tr["adoptions"]] == [1, 2, 3, 4]
    assert [a["days_since_first"] for a in tr["adoptions"]] == [0, 120, 304, 546]
    assert tr["adoptions"][2]["source"]["iri"] == A + "s1"  # Zeeland's source: a Utrecht school
    assert {r["name"]: r["adoptions"] for r in tr["regions"]} == {"twente": 0, "utrecht": 2, "zeeland": 1,
                                                                  "brabant": 1}
    assert {r["name"]: r["next_adopters"] for r in tr["regions"]} == {"twente": None, "utrecht": "ok",
                                                                       "zeeland": "ok", "brabant": "ok"}
    assert tr["summary"]["regions"] == 3 and tr["summary"]["schools"] == 4
    # Next adopters over the merged trace: each region's school on the board of an adopter; no adopter.
    nexts = {n["school"]["iri"]: (n["score"], [(r["reason"], [v["iri"] for v in r["via"]]) for r in n["reasons"]])
             for n in tr["next_adopters"]}
    assert nexts == {A + "s2": (1, [("same-board", [A + "s1"])]), B + "s2": (1, [("same-board", [B + "s1"])]),
                     C + "s2": (1, [("same-board", [C + "s1"])])}


def test_without_the_third_region_zeeland_is_not_reached(world, tmp_path) -> None:
    """The link is Brabant's alone: a registry without Brabant does not find Zeeland's copy."""
    path = tmp_path / "regions.toml"
    path.write_text(registry_text([(n, world.servers[n].url + "/query", b) for n, b in
                                   (("utrecht", A), ("zeeland", B))]))
    tr = federation.trace(world.db, regions.load(path), A + "a-kw", "en", TIMEOUT)
    assert set(tr["same_as"]) == {A + "a-kw"}
    assert {a["region"]["name"] for a in tr["adoptions"]} == {"utrecht"}
    assert {r["name"]: r["status"] for r in tr["regions"]}["zeeland"] == "unknown-artefact"


def test_on_one_region_the_next_adopters_are_the_local_querys(world) -> None:
    """The oracle: Twente's own kijkwijzer (no other region knows it): the federated next adopters
    (merged from the one part) are the local named query's answer in the public view."""
    local = diffusion.trace(world.db, "a-kijkwijzer-ol", "public", "nl", next_adopters=True)
    fed = federation.trace(world.db, world.registry, "a-kijkwijzer-ol", "nl", TIMEOUT, next_adopters=True)
    assert {r["name"]: r["status"] for r in fed["regions"]}["twente"] == "ok"
    assert local["next_adopters"] and len({r["reason"] for n in local["next_adopters"] for r in n["reasons"]}) == 3
    assert fed["next_adopters"] == local["next_adopters"]
    assert [a["adoption"]["iri"] for a in fed["adoptions"]] == [a["adoption"]["iri"] for a in local["adoptions"]]


def test_the_merge_of_next_adopters_unions_reasons_and_drops_adopters() -> None:
    school = {"iri": A + "s2", "label": "Tweede school"}
    via1, via2 = {"iri": A + "s1", "label": "Eerste"}, {"iri": A + "s3", "label": "Losse"}
    part1 = [{"school": school, "score": 1, "reasons": [
        {"reason": "same-board", "reason_label": "zelfde bestuur", "via": [via1], "links": 1, "evidence": None}]}]
    part2 = [{"school": school, "score": 1, "reasons": [
        {"reason": "tie", "reason_label": "verbinding", "via": [via2], "links": 2, "evidence": None}]},
             {"school": via1, "score": 3, "reasons": []}]
    merged = diffusion.merge_next_adopters([part1, part2], {A + "s1"})  # type: ignore[list-item]
    assert [(n["school"]["iri"], n["score"], [r["reason"] for r in n["reasons"]]) for n in merged] == [
        (A + "s2", 2, ["same-board", "tie"])]
    assert part1[0]["score"] == 1 and len(part1[0]["reasons"]) == 1  # the parts are not changed


# --- the columns: errors, both ingest paths, the export -----------------------------------------

def _workbook(tmp_path: Path, rows: dict) -> Path:
    return blank.write_xlsx(tmp_path / "region.xlsx", rows)


@pytest.mark.parametrize("template,column,value,code", [
    ("artefacts", "same_as", "a-kijkwijzer", "bad_same_as"),
    ("artefacts", "same_as", "https://utrecht.example/id/a kw", "bad_same_as"),
    ("artefacts", "same_as", "urn:isbn:9789000000000", "bad_same_as"),
    ("artefacts", "same_as", "https://zeeland.example/id/a-other", "same_as_own"),
    ("adoptions", "source", "https://utrecht.example/id/s 1", "bad_ref_iri"),
    ("adoptions", "source", "https://utrecht.example/id/<s1>", "bad_ref_iri"),
    ("adoptions", "source", "s9", "unknown_id"),
])
def test_a_wrong_link_is_an_error_at_its_cell_in_dutch_and_english(tmp_path, template, column, value,
                                                                     code) -> None:
    rows = region_rows("Zeeland", adoptions=[{"artefact": "a-kw", "adopter": "s1", "date": "2022-09-01"}])
    rows[template][0][column] = value
    result = check(read_path(_workbook(tmp_path, rows)), "zeeland", B, None)
    errors = [(p.template, p.row, p.column, p.code) for p in result.errors]
    assert errors == [(template, 2, column, code)]
    p = result.errors[0]
    assert value in p.message("nl") and value in p.message("en") and p.message("nl") != p.message("en")


def test_an_old_artefacts_file_without_same_as_still_reads(tmp_path) -> None:
    folder = tmp_path / "csv"
    ex.write_csv(ex.ExportResult(rows=region_rows("Zeeland")), folder)
    text = (folder / "artefacts.csv").read_text(encoding="utf-8").splitlines()
    assert text[0].endswith(",same_as")
    (folder / "artefacts.csv").write_text("\n".join(line.rsplit(",", 1)[0] for line in text) + "\n",
                                          encoding="utf-8")
    result = check(read_path(folder), "zeeland", B, None)
    assert result.ok and not [p for p in result.problems if p.column == "same_as"]


def test_both_ingest_paths_give_the_same_store_and_the_export_round_trips(tmp_path) -> None:
    stores = (GraphStore(tmp_path / "delta"), GraphStore(tmp_path / "full"))
    _ingest_both(stores, "zeeland", B, read_path(_workbook(tmp_path / "v1", region_rows("Zeeland"))), first=True)
    changed = region_rows("Zeeland", same_as=f"{A}a-kw; {C}a-kw", adoptions=ZEELAND["adoptions"])
    delta, full = _ingest_both(stores, "zeeland", B, read_path(_workbook(tmp_path / "v2", changed)))
    assert delta.committed and not delta.full
    db = stores[0].open()
    assert {q.object.value for q in db.quads_for_pattern(ox.NamedNode(B + "a-kw"), ox.NamedNode(SAME_AS), None,
                                                        ox.NamedNode(region_graph("zeeland")))} == {A + "a-kw",
                                                                                                   C + "a-kw"}
    out = ex.export(db, "zeeland")
    assert out.base == B
    assert [r["same_as"] for r in out.rows["artefacts"]] == [f"{C}a-kw; {A}a-kw"]  # sorted, in full
    assert [r["source"] for r in out.rows["adoptions"]] == [A + "s1"]
    ex.write_csv(out, tmp_path / "out")
    again = read_path(tmp_path / "out")
    assert ex.canonical(again, B) == ex.canonical(read_path(tmp_path / "v2" / "region.xlsx"), B)
    reingested = GraphStore(tmp_path / "again")
    assert ingest(again, "zeeland", B, reingested).committed
    assert isomorphic(rdflib_graph(reingested.open().quads_for_pattern(None, None, None,
                                                                       ox.NamedNode(region_graph("zeeland")))),
                      rdflib_graph(db.quads_for_pattern(None, None, None, ox.NamedNode(region_graph("zeeland")))))


# --- item 4: owl:sameAs to a foreign IRI ---------------------------------------------------------

def test_owl_same_as_to_a_foreign_iri_duplicates_every_adoption_and_the_build_is_refused(tmp_path) -> None:
    """What happens, measured: the OWL 2 RL closure (eq-rep-o) gives every adoption of the artefact
    a second ckg:adoptedArtefact (the foreign IRI), so the shapes see two artefacts per adoption
    and the build is refused (nothing committed), one AdoptionShape-artefact violation per adoption;
    schema:sameAs (what the templates write) builds."""
    foreign = A + "a-kw"
    links = tmp_path / "links"
    links.mkdir()
    db = GraphStore(tmp_path / "probe")
    assert build([resources.sample_dir()], db).committed
    adoptions = {r[0].value for r in db.open().query(
        f"SELECT ?ad WHERE {{ ?ad <{CKG}adoptedArtefact> <{TW}a-kijkwijzer-ol> }}", use_default_graph_as_union=True)}
    assert len(adoptions) >= 5
    (links / "links.ttl").write_text(f"<{TW}a-kijkwijzer-ol> <http://www.w3.org/2002/07/owl#sameAs> <{foreign}> .\n")
    store = GraphStore(tmp_path / "owl")
    result = build([resources.sample_dir(), links], store)
    assert not result.committed and store.current_generation() is None
    artefact = [f for f in result.violations if str(f.shape).endswith("AdoptionShape-artefact")]
    assert {str(f.focus) for f in artefact} == adoptions
    assert len(artefact) == len(adoptions)
    # and the artefact is a member (of its networks) twice over: one MembershipShape-member per membership
    memberships = {r[0].value for r in db.open().query(
        f"SELECT ?m WHERE {{ ?m <http://www.w3.org/ns/org#member> <{TW}a-kijkwijzer-ol> }}",
        use_default_graph_as_union=True)}
    assert {str(f.focus) for f in result.violations if str(f.shape).endswith("MembershipShape-member")} == memberships
    assert len(result.violations) == len(adoptions) + len(memberships)
    assert all("maxCount" in f.component or "MaxCount" in f.component for f in artefact)
    assert artefact[0].message("nl") != artefact[0].message("en")
    (links / "links.ttl").write_text(f"<{TW}a-kijkwijzer-ol> <{SAME_AS}> <{foreign}> .\n")
    assert build([resources.sample_dir(), links], GraphStore(tmp_path / "schema")).committed
    # Another region's dump stating owl:sameAs: `kg import` does not take it (schema), nothing doubles.
    dump = tmp_path / "dump.ttl"
    dump.write_text(f"<{foreign}> <http://www.w3.org/2002/07/owl#sameAs> <{TW}a-kijkwijzer-ol> ;\n"
                    f"    <http://www.w3.org/2000/01/rdf-schema#label> \"Kijkwijzer Utrecht\" .\n")
    out = kg("import", str(dump), "--region", "utrecht", "--store", str(db.path), "--lang", "en")
    assert "1 triples not taken" in out
    doubled = db.open().query(f"SELECT ?ad WHERE {{ ?ad <{CKG}adoptedArtefact> ?x, ?y FILTER(?x != ?y) }}",
                              use_default_graph_as_union=True)
    assert not list(doubled)
    assert not list(db.open().quads_for_pattern(None, ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"), None))


class NextTable(HTMLParser):
    """The links (href) in the rows of the trace page's next-adopters table."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.links = False, []

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id") == "next-table":
            self.inside = True
        elif tag == "a" and self.inside:
            self.links.append(a.get("href"))

    def handle_endtag(self, tag) -> None:
        if tag == "table":
            self.inside = False


def test_the_federated_trace_page_and_api_show_the_merged_next_adopters(world) -> None:
    from web import create_app
    app = create_app({"KG_STORE": str(world.local.path), "KG_REGIONS": str(world.registry_file),
                      "KG_FEDERATION_TIMEOUT": TIMEOUT, "KG_SECRET_KEY": "test"})
    client = app.test_client()
    try:
        artefact = urllib.parse.quote(A + "a-kw", safe="")
        api = client.get(f"/api/trace?artefact={artefact}&federated=1&next=1").get_json()
        assert {n["school"]["iri"] for n in api["next_adopters"]} == {A + "s2", B + "s2", C + "s2"}
        page = NextTable()
        page.feed(client.get(f"/trace?artefact={artefact}&federated=1&next=1").get_data(as_text=True))
        assert sorted(page.links) == sorted([A + "s2", B + "s2", C + "s2"])  # other regions' IRIs, as links
        offer = client.get(f"/trace?artefact={artefact}&federated=1").get_data(as_text=True)
        assert 'id="next-link"' in offer and "federated=1" in offer.split('id="next-link"')[1].split(">")[0]
    finally:
        app.extensions["kg"].close()
