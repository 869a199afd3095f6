"""Uploads that cannot hurt (issue 10, parts 1, 2 and 5): a region owns its IRIs (its base is
fixed at the first ingest and never defaulted; rows that would describe another graph's IRIs are
refused; referring to them by full IRI is fine), every ingest says what it will change per
template before it commits, a re-ingest removing most people asks again, and long work shows
progress on a terminal. Each refusal leaves every quad of the store unchanged."""

from __future__ import annotations

import copy
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from answer_types import mismatches
from conftest import ROOT

from kg.ingest.mapping import region_graph
from kg.ingest.ownership import OwnershipError, region_infos
from kg.ingest.pipeline import base_for, check, ingest
from kg.ingest.read import Row, Table, Workbook, read_path
from kg.ingest.report import ReportJSON
from kg.store import GraphStore, digest

TEMPLATES = ROOT / "data" / "twente-templates"
BASE = "https://knll-twente.example/id/"
UTRECHT = "https://utrecht.example/id/"
CKG = "https://w3id.org/connective-kg/ns#"


@pytest.fixture(scope="module")
def twente() -> Workbook:
    return read_path(TEMPLATES)


@pytest.fixture(scope="module")
def twente_store(tmp_path_factory, twente) -> GraphStore:
    store = GraphStore(tmp_path_factory.mktemp("regions") / "store")
    assert ingest(twente, "twente", BASE, store).committed
    return store


def kg(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ, **(env or {})})


def mini_region(people: list[tuple[str, str]], adoptions: list[dict[str, str]] | None = None) -> Workbook:
    """A small region of its own: a board, a school, a network and `people` (code, name)."""
    def table(name: str, header: list[str], rows: list[dict[str, str]]) -> Table:
        return Table(name, name, header, [Row(i, {h: r.get(h, "") for h in header}) for i, r in enumerate(rows, 2)])

    wb = Workbook("csv", "utrecht")
    wb.tables["organisations"] = table("organisations", ["id", "name", "type", "brin", "parent", "sector", "place"], [
        {"id": "b1", "name": "Bestuur Utrecht", "type": "bestuur"},
        {"id": "s1", "name": "Domschool", "type": "school", "parent": "b1"}])
    wb.tables["networks"] = table("networks", ["id", "name", "type", "part_of", "themes", "started",
                                               "meetings_per_year", "budget_eur", "hours_per_participant", "funders"],
                                  [{"id": "n1", "name": "PLG Utrecht", "type": "plg"}])
    wb.tables["people"] = table("people", ["id", "name", "roles", "organisation", "expertise", "consent", "since"],
                                [{"id": c, "name": n, "roles": "leraar", "organisation": "s1", "consent": "openbaar"}
                                 for c, n in people])
    if adoptions is not None:
        wb.tables["artefacts"] = table("artefacts", ["id", "title", "type", "topics", "creators", "made_in", "created",
                                                     "derived_from", "licence"],
                                       [{"id": "a1", "title": "Kijkwijzer Utrecht", "type": "kijkwijzer"}])
        wb.tables["adoptions"] = table("adoptions", ["artefact", "adopter", "date", "source", "broker", "via",
                                                     "adapted_version"], adoptions)
    return wb


# --- a region owns its IRIs -----------------------------------------------------------------

def test_base_is_fixed_at_the_first_ingest_and_kept_in_the_store(twente_store) -> None:
    info = region_infos(twente_store.open())["twente"]
    assert info.base == BASE and info.people == 114 and info.triples > 5000
    assert base_for("twente", None, twente_store) == BASE      # later ingests reuse it
    assert base_for("twente", BASE, twente_store) == BASE      # repeating it is fine
    with pytest.raises(OwnershipError, match="fixed at its first ingest") as e:
        base_for("twente", UTRECHT, twente_store)
    assert "vastgelegd" in e.value.nl


def test_no_silent_default_base_and_no_shared_namespace(twente_store) -> None:
    with pytest.raises(OwnershipError, match="is new: give its base IRI"):
        base_for("utrecht", None, twente_store)
    for clash in (BASE, BASE + "utrecht/", "https://knll-twente.example/"):
        with pytest.raises(OwnershipError, match="overlaps .* region twente"):
            base_for("utrecht", clash, twente_store)
    with pytest.raises(OwnershipError, match="must be an http"):
        base_for("utrecht", "utrecht", twente_store)
    # the registry's [local] table may name the base of the local region's first ingest
    assert base_for("utrecht", None, twente_store, "utrecht", UTRECHT) == UTRECHT
    with pytest.raises(OwnershipError):
        base_for("utrecht", None, twente_store, "twente", UTRECHT)   # [local] is another region


def test_a_region_using_the_same_codes_is_never_merged(twente, twente_store) -> None:
    """The original defect: a second region with the code p001 merged two people into one IRI.
    With the same base it is refused by the base check; where another graph already describes
    the IRI (a region stored before bases were kept, a Turtle source), by the rows."""
    before = digest(twente_store.open())
    with pytest.raises(OwnershipError):
        ingest(mini_region([("p001", "Anna de Boer")]), "utrecht", BASE, twente_store)
    assert digest(twente_store.open()) == before
    legacy = GraphStore(twente_store.path.parent / "legacy")
    twente_quads = [q for q in twente_store.open().quads_for_pattern(None, None, None, None)
                    if q.graph_name.value != "https://w3id.org/connective-kg/graph/regions"]
    legacy.replace_all(twente_quads)   # as stored before bases were kept: no graph/regions
    assert region_infos(legacy.open())["twente"].base is None
    before = digest(legacy.open())
    result = ingest(mini_region([("p001", "Anna de Boer"), ("p900", "Bram Smit")]), "utrecht", BASE, legacy)
    assert not result.committed and digest(legacy.open()) == before
    taken = [p for p in result.errors if p.code == "taken_id"]
    assert [(p.template, p.row, p.column, p.value) for p in taken] == [("people", 2, "id", "p001")]
    assert "described by region twente" in taken[0].message("en")
    assert "beschreven door regio twente" in taken[0].message("nl")


def test_rows_describing_a_source_graphs_iri_are_refused(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "s")
    g = ox.NamedNode("https://w3id.org/connective-kg/graph/source/utrecht-oud.ttl")
    p = ox.NamedNode(UTRECHT + "p002")
    store.replace_all([ox.Quad(p, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Oud"), g)])
    before = digest(store.open())
    result = ingest(mini_region([("p001", "Anna de Boer"), ("p002", "Bram Smit")]), "utrecht", UTRECHT, store)
    assert not result.committed and digest(store.open()) == before
    assert [(p.row, p.value) for p in result.errors if p.code == "taken_id"] == [(3, "p002")]
    assert "source/utrecht-oud.ttl" in result.errors[0].message("nl")


def test_referring_to_another_regions_actor_by_full_iri(twente_store, tmp_path: Path) -> None:
    """Utrecht's school adopts Twente's kijkwijzer from a Twente school: references, not descriptions."""
    store = GraphStore(tmp_path / "s")
    store.replace_all(twente_store.open().quads_for_pattern(None, None, None, None))
    row = {"artefact": BASE + "a-kijkwijzer-ol", "adopter": "s1", "date": "2024-01-15", "source": BASE + "s-de-bron"}
    result = ingest(mini_region([("p001", "Anna de Boer")], [row]), "utrecht", UTRECHT, store)
    assert result.committed, [p.to_json() for p in result.errors]
    db = store.open()
    adoption = next(q.subject for q in db.quads_for_pattern(None, ox.NamedNode(CKG + "adoptedFrom"),
                                                            ox.NamedNode(BASE + "s-de-bron"),
                                                            ox.NamedNode(region_graph("utrecht"))))
    assert adoption.value.startswith(UTRECHT)
    # the Twente region is untouched: nothing of Utrecht in its graph
    assert not list(db.quads_for_pattern(ox.NamedNode(BASE + "s-de-bron"), None, None,
                                         ox.NamedNode(region_graph("utrecht"))))
    before = digest(store.open())
    for source, code in ((BASE + "s-bestaat-niet", "unknown_iri"), (BASE + "p001", "wrong_kind")):
        bad = ingest(mini_region([("p001", "Anna de Boer")], [{**row, "source": source}]), "utrecht", None, store)
        assert [(p.template, p.row, p.column, p.code) for p in bad.errors] == [("adoptions", 2, "source", code)]
    assert digest(store.open()) == before


# --- say what will change -----------------------------------------------------------------------

def test_changes_per_template_against_the_stored_region(twente, twente_store) -> None:
    wb = copy.deepcopy(twente)
    people = wb.tables["people"].rows
    renamed = next(r for r in people if r.cells["id"] == "p114")
    renamed.cells["name"] = "Andere Naam"
    wb.tables["people"].rows.append(Row(999, {**people[0].cells, "id": "p900", "name": "Nieuwe Collega"}))
    ties = wb.tables["ties"].rows
    dropped = ties.pop(0)
    result = check(wb, "twente", BASE, twente_store)
    assert result.ok
    c = result.changes.templates
    assert (c["people"].before, c["people"].after) == (114, 115)
    assert (c["people"].added, c["people"].removed, c["people"].changed) == (["p900"], [], ["p114"])
    assert c["people"].labels["p900"] == "Nieuwe Collega" and c["people"].labels["p114"] == "Andere Naam"
    assert (len(c["ties"].added), len(c["ties"].removed), c["ties"].changed) == (0, 1, [])
    assert c["ties"].labels[c["ties"].removed[0]] == f"{dropped.cells['source']} -> {dropped.cells['target']}"
    assert all(c[n].unchanged for n in ("organisations", "networks", "artefacts", "adoptions"))
    assert not result.changes.new_region and not result.changes.removes_most_people()
    same = check(twente, "twente", BASE, twente_store)
    assert same.changes.unchanged


def test_cli_shows_the_changes_and_refuses_to_remove_most_people_without_yes(twente, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert kg("ingest", str(TEMPLATES), "--region", "twente", "--base", BASE, "--store", str(store)).returncode == 0
    small = tmp_path / "small"
    small.mkdir()
    for name in ("organisations", "networks"):
        (small / f"{name}.csv").write_bytes((TEMPLATES / f"{name}.csv").read_bytes())
    lines = (TEMPLATES / "people.csv").read_text(encoding="utf-8").splitlines()
    (small / "people.csv").write_text("\n".join(lines[:21]) + "\n", encoding="utf-8")   # 20 of 114 people
    before = digest(GraphStore(store).open())
    out = kg("ingest", str(small), "--region", "twente", "--store", str(store), "--lang", "en")
    assert out.returncode == 2 and "--yes" in out.stderr
    assert "people         114 -> 20: 0 added, 94 removed, 0 changed" in out.stdout
    assert "removed: p021 (" in out.stdout and "Nothing written" in out.stdout
    assert digest(GraphStore(store).open()) == before
    dry = kg("ingest", str(small), "--region", "twente", "--store", str(store), "--dry-run", "--format", "json")
    report = json.loads(dry.stdout)
    assert dry.returncode == 0 and report["changes"]["removes_most_people"]
    assert not mismatches(report, ReportJSON) and report["changes"]["templates"]["people"]["ids"]["removed"]
    assert report["changes"]["templates"]["people"] | {"ids": None} == {"before": 114, "after": 20, "added": 0,
                                                                        "removed": 94, "changed": 0, "ids": None}
    assert digest(GraphStore(store).open()) == before
    out = kg("ingest", str(small), "--region", "twente", "--store", str(store), "--yes", "--format", "json")
    assert out.returncode == 0 and json.loads(out.stdout)["committed"]
    assert region_infos(GraphStore(store).open())["twente"].people == 20


def test_cli_needs_a_region_and_a_base_for_a_new_one(tmp_path: Path) -> None:
    store = tmp_path / "store"
    out = kg("ingest", str(TEMPLATES), "--store", str(store))
    assert out.returncode == 2 and "--region" in out.stderr
    out = kg("ingest", str(TEMPLATES), "--region", "twente", "--store", str(store))
    assert out.returncode == 2 and "give its base IRI" in out.stderr and "geef haar basis-IRI" in out.stderr
    assert GraphStore(store).generation() is None
    registry = tmp_path / "regions.toml"
    registry.write_text(f'[local]\nname = "twente"\nbase = "{BASE}"\n', encoding="utf-8")
    out = kg("ingest", str(TEMPLATES), "--store", str(store), "--regions", str(registry), "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["base"] == BASE and json.loads(out.stdout)["region"] == "twente"
    before = digest(GraphStore(store).open())
    out = kg("ingest", str(TEMPLATES), "--region", "twente", "--base", UTRECHT, "--store", str(store))
    assert out.returncode == 2 and "fixed at its first ingest" in out.stderr
    out = kg("ingest", str(TEMPLATES), "--region", "utrecht", "--base", BASE, "--store", str(store))
    assert out.returncode == 2 and "overlaps" in out.stderr
    assert digest(GraphStore(store).open()) == before


# --- progress on a terminal -------------------------------------------------------------------

def _on_a_terminal(*args: str) -> tuple[int, str]:
    """Run kg with stderr on a pseudo-terminal; (exit code, what the terminal showed)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kg", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return proc.wait(timeout=300), shown.decode()


def test_progress_per_step_on_a_terminal_only(tmp_path: Path) -> None:
    code, shown = _on_a_terminal("ingest", str(TEMPLATES), "--region", "twente", "--base", BASE, "--store",
                                 str(tmp_path / "s"), "--lang", "en")
    assert code == 0
    steps = [line.split(" s  ", 1)[1] for line in shown.splitlines() if " s  " in line]
    assert steps == ["reading the file …", "mapping and checking the rows …",
                     "reading and comparing the knowledge graph …", "preparing the data …", "reasoning (OWL 2 RL) …",
                     "checking against the model (SHACL) …", "making the public view …",
                     "tracing problems back to cells …", "committing …"]
    # into a store that holds data, an ingest is a delta (kg.pipeline.write): no separate preparing step
    code, shown = _on_a_terminal("ingest", str(TEMPLATES), "--region", "twente", "--store", str(tmp_path / "s"),
                                 "--lang", "en")
    assert code == 0
    steps = [line.split(" s  ", 1)[1] for line in shown.splitlines() if " s  " in line]
    assert steps == ["reading the file …", "mapping and checking the rows …",
                     "reading and comparing the knowledge graph …", "reasoning (OWL 2 RL) …",
                     "checking against the model (SHACL) …", "making the public view …",
                     "tracing problems back to cells …", "committing …"]
    code, shown = _on_a_terminal("build", "--store", str(tmp_path / "b"), "--quiet")
    assert code == 0 and " s  " not in shown
    code, shown = _on_a_terminal("build", "--store", str(tmp_path / "b"))
    assert code == 0 and "reasoning" not in shown and "afleiden (OWL 2 RL)" in shown   # Dutch by default
    piped = kg("ingest", str(TEMPLATES), "--region", "twente", "--store", str(tmp_path / "s"))
    assert piped.returncode == 0 and " s  " not in piped.stderr   # not a terminal: no progress
