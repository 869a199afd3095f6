"""Files in and out of the ingest: XLSX workbooks and zips read like CSV folders, the empty
templates (headers, explanation, drop-down lists), annotated copies with every problem at its
cell, and the command line (`kg ingest`, `kg templates`, `kg export --templates`)."""

from __future__ import annotations

import copy
import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from answer_types import mismatches
from conftest import ROOT

from kg.ingest import annotate, blank
from kg.ingest.pipeline import check
from kg.ingest.read import read_bytes, read_path
from kg.ingest.report import ReportJSON
from kg.ingest.templates import BY_NAME, ORDER, value_lists

TEMPLATES = ROOT / "data" / "twente-templates"
BASE = "https://knll-twente.example/id/"


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, str]]]:
    wb = read_path(TEMPLATES)
    return {n: [dict(r.cells) for r in t.rows] for n, t in wb.tables.items()}


def kg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=cwd or ROOT,
                          timeout=300)


def test_xlsx_csv_and_zip_give_the_same_graph(rows, tmp_path: Path) -> None:
    xlsx = blank.write_xlsx(tmp_path / "t.xlsx", rows)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in TEMPLATES.glob("*.csv"):
            zf.write(f, f"data/{f.name}")
    graphs = []
    for wb in (read_path(TEMPLATES), read_path(xlsx), read_bytes(buf.getvalue(), "t.zip")):
        r = check(wb, "twente", BASE, None)
        assert r.ok, [p.to_json() for p in r.errors]
        graphs.append({str(q) for q in r.mapped.quads})
    assert graphs[0] == graphs[1] == graphs[2]


def test_csv_details_bom_and_semicolon_files(tmp_path: Path) -> None:
    for f in TEMPLATES.glob("*.csv"):
        (tmp_path / f.name).write_bytes(b"\xef\xbb\xbf" + f.read_bytes())  # Excel's UTF-8 BOM
    bom = check(read_path(tmp_path), "twente", BASE, None)
    assert bom.ok
    # a file saved with ';' between the columns (Excel in Dutch) is read, and the report says so
    text = (TEMPLATES / "networks.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
    (tmp_path / "networks.csv").write_text(buf.getvalue(), encoding="utf-8")
    wb = read_path(tmp_path)
    assert wb.tables["networks"].separator == ";" and not [p for p in wb.problems if p.blocking]
    notes = [p for p in wb.problems if p.code == "csv_format"]
    assert [(p.severity, p.template) for p in notes] == [("info", "networks")]
    assert "puntkomma" in notes[0].message("nl") and "semicolons" in notes[0].message("en")
    semi = check(wb, "twente", BASE, None)
    assert semi.ok and {str(q) for q in semi.mapped.quads} == {str(q) for q in bom.mapped.quads}


def test_empty_templates_command(tmp_path: Path) -> None:
    out = kg("templates", str(tmp_path / "t"))
    assert out.returncode == 0, out.stderr
    for name in ORDER:
        header = next(csv.reader(io.StringIO((tmp_path / "t" / f"{name}.csv").read_text(encoding="utf-8"))))
        assert header == BY_NAME[name].column_names
    book = openpyxl.load_workbook(tmp_path / "t" / blank.XLSX_NAME)
    assert book.sheetnames[0] == blank.EXPLANATION and set(ORDER) <= set(book.sheetnames)
    explained = {(r[0].value, r[1].value) for r in book[blank.EXPLANATION].iter_rows()}
    assert all(("", c) in explained or (None, c) in explained for t in BY_NAME.values() for c in t.column_names)
    ws = book["ties"]
    assert [c.value for c in ws[1]] == BY_NAME["ties"].column_names
    assert all(c.comment is not None for c in ws[1])
    lists = book[blank.LISTS]
    depth_col = [c.value for c in lists[1]].index("depth") + 1
    terms = [lists.cell(row=i, column=depth_col).value for i in range(2, 2 + len(value_lists()["depth"].terms()))]
    assert terms == value_lists()["depth"].terms()
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert validations["C2:C5000"].type == "list" and "lijsten-lists" in validations["C2:C5000"].formula1
    # the filled-in template is read back as templates: helper sheets are skipped
    assert not [p for p in read_path(tmp_path / "t" / blank.XLSX_NAME).problems if p.blocking]
    # the contract as Markdown: every template and column, and it is the text in docs/
    contract = (tmp_path / "t" / "templates.md").read_text(encoding="utf-8")
    assert contract == (ROOT / "docs" / "templates.md").read_text(encoding="utf-8"), \
        "docs/templates.md is stale: regenerate it with `kg templates DIR`"
    for t in BY_NAME.values():
        section = contract.split(f"## `{t.name}`")[1].split("\n## ")[0]
        assert [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")] == t.column_names
    assert ", ".join(value_lists()["depth"].terms()) in contract


def test_annotated_xlsx_marks_the_exact_cells(rows, tmp_path: Path) -> None:
    bad = copy.deepcopy(rows)
    bad["people"][0]["organisation"] = "s-nergens"              # row 2
    bad["ties"][4]["depth"] = "diepgaand"                       # row 6
    path = blank.write_xlsx(tmp_path / "bad.xlsx", bad)
    result = check(read_path(path), "twente", BASE, None)
    assert {(p.template, p.row, p.column) for p in result.errors} == {("people", 2, "organisation"),
                                                                     ("ties", 6, "depth")}
    book = openpyxl.load_workbook(io.BytesIO(annotate.annotated_xlsx(result, "nl")))
    people, ties = book["people"], book["ties"]
    org_col = BY_NAME["people"].column_names.index("organisation") + 1
    depth_col = BY_NAME["ties"].column_names.index("depth") + 1
    assert "s-nergens" in people.cell(row=2, column=org_col).comment.text
    assert people.cell(row=2, column=org_col).fill.fgColor.rgb.endswith(annotate.FILLS["error"])
    assert "verhalen" in ties.cell(row=6, column=depth_col).comment.text  # the list of choices
    assert people.cell(row=3, column=org_col).comment is None
    sheet = book[annotate.SHEET]
    listed = {(r[1].value, r[2].value, r[3].value) for r in sheet.iter_rows(min_row=2)}
    assert listed == {("people", 2, "organisation"), ("ties", 6, "depth")}


def test_annotated_csv_adds_a_problems_column(tmp_path: Path) -> None:
    for f in TEMPLATES.glob("*.csv"):
        (tmp_path / "in").mkdir(exist_ok=True)
        (tmp_path / "in" / f.name).write_bytes(f.read_bytes())
    text = (tmp_path / "in" / "covenants.csv").read_text(encoding="utf-8").replace("2021-08-01", "1-8-21")
    (tmp_path / "in" / "covenants.csv").write_text(text, encoding="utf-8")
    (tmp_path / "in" / "networks.csv").unlink()
    out = kg("ingest", str(tmp_path / "in"), "--region", "twente", "--base", BASE, "--dry-run", "--lang", "en",
             "--annotate", str(tmp_path / "marked"))
    assert out.returncode == 1
    cov = list(csv.reader(io.StringIO((tmp_path / "marked" / "covenants.csv").read_text(encoding="utf-8"))))
    assert cov[0][-1] == "problems" and cov[0][:-1] == BY_NAME["covenants"].column_names
    marked = [i + 1 for i, r in enumerate(cov) if r[-1]]
    assert marked == [1, 3] and "from:" in cov[2][-1] and "1-8-21" in cov[2][-1]
    rest = (tmp_path / "marked" / "_problemen.csv").read_text(encoding="utf-8")
    assert "networks" in rest
    # the annotated folder can be fixed and ingested as it is: the extra column is ignored
    assert not [p for p in read_path(tmp_path / "marked").problems if p.blocking]


def test_cli_exit_codes_text_and_json(tmp_path: Path) -> None:
    store = tmp_path / "store"
    ok = kg("ingest", str(TEMPLATES), "--region", "twente", "--base", BASE, "--store", str(store), "--format", "json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report = json.loads(ok.stdout)
    assert report["ok"] and report["committed"] and report["graph"].endswith("/region/twente")
    assert report["summary"] == {"errors": 0, "warnings": 0, "infos": 5, "elsewhere": 0}
    assert {p["code"] for p in report["problems"]} == {"shacl"}
    assert set(report["problems"][0]) == {"severity", "code", "template", "row", "column", "value", "message",
                                          "shape", "focus", "graph"}
    assert not mismatches(report, ReportJSON)
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in TEMPLATES.glob("*.csv"):
        (bad / f.name).write_text(f.read_text(encoding="utf-8").replace("2019-03-20", "20-03-19"), encoding="utf-8")
    out = kg("ingest", str(bad), "--region", "twente", "--store", str(store), "--lang", "nl")
    assert out.returncode == 1 and "FOUT  artefacts, rij" in out.stdout and "kolom created" in out.stdout
    assert "Niets opgeslagen" in out.stdout
    assert kg("ingest", str(tmp_path / "nowhere"), "--store", str(store)).returncode == 2
    assert kg("ingest", str(TEMPLATES), "--region", "Bad Name", "--store", str(store)).returncode == 2
    (tmp_path / "x.xlsx").write_bytes(b"not a workbook")
    out = kg("ingest", str(tmp_path / "x.xlsx"), "--region", "twente", "--store", str(store))
    assert out.returncode == 2 and "not a valid xlsx" in out.stderr


def test_export_command_writes_templates_and_counts_what_it_cannot_express(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert kg("build", "--store", str(store)).returncode == 0
    out = kg("export", "--templates", str(tmp_path / "out"), "--store", str(store), "--xlsx")
    assert out.returncode == 0, out.stderr
    for f in TEMPLATES.glob("*.csv"):   # data/twente-templates is exactly this export of the Turtle sample
        assert (tmp_path / "out" / f.name).read_text(encoding="utf-8") == f.read_text(encoding="utf-8"), f.name
    assert "ckg:ExpertiseAttribution" in out.stderr and "crossers that are not people" in out.stderr
    assert (tmp_path / "out" / "templates.xlsx").exists()
    assert kg("export", "--templates", str(tmp_path / "o2"), "--store", str(store), "--region", "nope").returncode == 2


def test_fresh_ingest_drops_other_data_only_when_confirmed(tmp_path: Path) -> None:
    """`--fresh`: the store then holds the ontology, the vocabularies, this region and the
    derived graphs only, whatever it held before; without --yes it refuses and names what
    it would drop (`make serve` never uses it: tests/test_serve.py)."""
    from kg.store import GraphStore, digest

    store = tmp_path / "store"
    assert kg("build", "--store", str(store)).returncode == 0   # the Turtle sample: source graphs
    before = digest(GraphStore(store).open())
    args = ["ingest", "data/twente-templates", "--region", "twente", "--base", BASE, "--fresh", "--store", str(store),
            "--format", "json"]
    refused = kg(*args)
    assert refused.returncode == 2 and "--yes" in refused.stderr and "source/" in refused.stderr
    assert digest(GraphStore(store).open()) == before
    out = kg(*args, "--yes")
    assert out.returncode == 0 and json.loads(out.stdout)["committed"]

    graphs = {g.value for g in GraphStore(store).open().named_graphs()}
    g = "https://w3id.org/connective-kg/graph/"
    assert graphs == {g + "ontology", g + "vocabularies", g + "inferred", g + "public", g + "region/twente",
                      g + "regions", g + "changes"}  # the change log (kg.store.log) logs this ingest
