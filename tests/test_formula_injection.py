"""No formula injection (OWASP CSV injection): every CSV and XLSX written for people, parsed back.

CSV: a text cell that starts with =, +, -, @, tab or CR gets exactly one leading `'`.
XLSX: such a cell is a string cell (never a formula `<f>`) with Excel's quotePrefix and its exact
value. The annotated copy of an upload keeps the data and drops formulas, external links,
macros, defined names, hyperlinks and conditional formats.
"""

from __future__ import annotations

import copy
import csv
import io
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path, PurePosixPath

import openpyxl
import pytest
from conftest import ROOT

from kg.analytics import tables
from kg.analytics.extract import load_region
from kg.analytics.subjects import analyse
from kg.ingest import annotate, blank
from kg.ingest import export as ex
from kg.ingest.pipeline import check, ingest
from kg.ingest.read import ReadError, Workbook, read_bytes, read_path
from kg.ingest.templates import BY_NAME
from kg.pipeline.build import build
from kg.sheets import csv_text
from kg.store import GraphStore

TEMPLATES = ROOT / "data" / "twente-templates"
BASE = "https://knll-twente.example/id/"
HOSTILE = ['=HYPERLINK("http://evil.example","klik")', "+31", "-x", "@SUM(A1)", "\tx", "\rx"]
ORDINARY = ["2024-09-01", "leraar", "Marieke Nijhuis", "x=y", "a-b", ""]
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_cells(data: bytes, sheet: str) -> dict[str, dict]:
    """Cell reference -> {type, formula, quote_prefix} of one sheet, from the package's XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target") for r in rels}
        rid = next(s.get(REL + "id") for s in book.iter(MAIN + "sheet") if s.get("name") == sheet)
        path = str(PurePosixPath("xl") / target[rid].lstrip("/").removeprefix("xl/"))
        ws = ET.fromstring(zf.read(path))
        styles = ET.fromstring(zf.read("xl/styles.xml"))
    xfs = list(styles.find(MAIN + "cellXfs"))
    out = {}
    for c in ws.iter(MAIN + "c"):
        xf = xfs[int(c.get("s", "0"))]
        out[c.get("r")] = {"type": c.get("t", "n"), "formula": c.find(MAIN + "f") is not None,
                           "quote_prefix": xf.get("quotePrefix") in ("1", "true")}
    return out


def no_formula_anywhere(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert ET.fromstring(zf.read(name)).find(f".//{MAIN}f") is None, name


def same_text(read: object, written: str) -> bool:
    # XML reads a CR that openpyxl stores unescaped back as LF (an XML rule, not ours)
    return read == written or (written.startswith("\r") and read == "\n" + written[1:])


# --- the rule -------------------------------------------------------------------------

def test_csv_cells_that_start_like_a_formula_get_one_quote_and_nothing_else() -> None:
    row = HOSTILE + ORDINARY + ["-5", -5, -1.5, 3, None]
    assert parse_csv(csv_text([row])) == [["'" + v for v in HOSTILE] + ORDINARY + ["'-5", "-5", "-1.5", "3", ""]]


# --- analytics tables ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_region(tmp_path_factory):
    """tests/analytics/small-region.ttl with the people's labels replaced by hostile ones."""
    folder = tmp_path_factory.mktemp("hostile") / "region"
    folder.mkdir()
    text = (ROOT / "tests" / "analytics" / "small-region.ttl").read_text(encoding="utf-8")
    labels = dict(zip(["Anna", "Bert", "Cor", "Dina", "Eva", "Frank", "Gina"],
                      HOSTILE + ["-5"]))
    for old, new in labels.items():
        escaped = new.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
        text = text.replace(f'rdfs:label "{old}"', f'rdfs:label "{escaped}"')
    (folder / "region.ttl").write_text(text, encoding="utf-8")
    store = GraphStore(folder.parent / "store")
    result = build([folder], store)
    assert result.committed, result.errors or result.violations
    db = store.open()
    return db, load_region(db, "internal", "en"), labels


def test_analytics_csv_neutralises_labels_and_keeps_numbers(hostile_region) -> None:
    db, region, labels = hostile_region
    rows = []
    for network in ("N1", "N2"):
        table = tables.tables(analyse(db, region, f"https://small.example/id/{network}"))["members"]
        rows += [dict(zip(table[0], r)) for r in parse_csv(tables.to_csv(table))[1:]]
    people = {r["iri"].rsplit("/", 1)[1]: r for r in rows if r["kind"] == "person"}
    expected = {k[0].lower(): "'" + v for k, v in labels.items()}
    assert {k: people[k]["label"] for k in expected} == expected
    assert all(re.fullmatch(r"\d+", r["degree"]) for r in rows)  # numbers stay numbers
    assert people["a"]["iri"] == "https://small.example/id/a"
    # a negative number in a numeric column is a number, not text: no quote
    assert parse_csv(tables.to_csv((["delta"], [[-2], [-0.5], ["-2"]]))) == [["delta"], ["-2"], ["-0.5"], ["'-2"]]


# --- kg export --templates and the XLSX templates -------------------------------------------------

def hostile_people() -> list[dict[str, str]]:
    return [{"id": f"p{i:03}", "name": v, "roles": "leraar", "organisation": "s-de-bron", "since": "2017"}
            for i, v in enumerate(HOSTILE + ORDINARY[:5], start=1)]


def test_export_csv_neutralises_every_cell(tmp_path: Path) -> None:
    people = hostile_people()
    ex.write_csv(ex.ExportResult(rows={"people": people}), tmp_path)
    parsed = parse_csv((tmp_path / "people.csv").read_bytes().decode("utf-8"))
    assert parsed[0] == BY_NAME["people"].column_names
    names = [dict(zip(parsed[0], r))["name"] for r in parsed[1:]]
    assert names == ["'" + v for v in HOSTILE] + ORDINARY[:5]
    assert {dict(zip(parsed[0], r))["since"] for r in parsed[1:]} == {"2017"}


def test_xlsx_templates_store_formula_like_text_as_text(tmp_path: Path) -> None:
    path = blank.write_xlsx(tmp_path / "t.xlsx", {"people": hostile_people()})
    data = path.read_bytes()
    no_formula_anywhere(data)
    col = BY_NAME["people"].column_names.index("name") + 1
    ws = openpyxl.load_workbook(path)["people"]
    xml = xlsx_cells(data, "people")
    for i, v in enumerate(HOSTILE + ORDINARY[:5], start=2):
        cell = ws.cell(row=i, column=col)
        assert same_text(cell.value, v) and cell.data_type == "s", (i, cell.value)
        assert cell.quotePrefix is (v in HOSTILE) and xml[cell.coordinate]["quote_prefix"] is (v in HOSTILE)
        assert xml[cell.coordinate]["type"] in ("inlineStr", "s")
    since = ws.cell(row=2, column=BY_NAME["people"].column_names.index("since") + 1)
    assert since.value == 2017 and xml[since.coordinate]["type"] == "n"   # a number stays a number
    # read as the ingest reads it: the exact values, no quote added
    names = [r.cells["name"] for r in read_path(path).tables["people"].rows]
    assert all(same_text(n, v.strip()) for n, v in zip(names, HOSTILE + ORDINARY[:5]))


# --- the round trip ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def formula_names(tmp_path_factory) -> tuple[Workbook, ex.ExportResult]:
    """The Twente templates with two names that start like formulas, ingested, then exported."""
    wb = copy.deepcopy(read_path(TEMPLATES))
    wb.tables["people"].rows[0].cells["name"] = "=1+1"
    wb.tables["people"].rows[1].cells["name"] = "-nog te bepalen"
    store = GraphStore(tmp_path_factory.mktemp("roundtrip") / "store")
    result = ingest(copy.deepcopy(wb), "twente", BASE, store)
    assert result.committed, [p.to_json() for p in result.errors]
    return wb, ex.export(store.open(), "twente")


def test_round_trip_through_csv_keeps_formula_like_names(formula_names, tmp_path: Path) -> None:
    """Needs the reader to drop the one leading `'` the writer adds (issue 10, the reader's part)."""
    wb, exported = formula_names
    ex.write_csv(exported, tmp_path / "out")
    text = (tmp_path / "out" / "people.csv").read_text(encoding="utf-8")
    assert "'=1+1" in text and "'-nog te bepalen" in text
    assert ex.canonical(read_path(tmp_path / "out")) == ex.canonical(wb)


def test_round_trip_through_xlsx_keeps_formula_like_names(formula_names, tmp_path: Path) -> None:
    wb, exported = formula_names
    path = blank.write_xlsx(tmp_path / "out.xlsx", exported.rows)
    no_formula_anywhere(path.read_bytes())
    assert ex.canonical(read_path(path)) == ex.canonical(wb)


# --- the annotated copies -----------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example","x")'


def hostile_upload(tmp_path: Path) -> bytes:
    """The Twente templates as a workbook with a live formula (cached value "Klik") in a name cell,
    an external link part, a macro part, a defined name, a cell hyperlink, a conditional format and
    a validation that compute;
    and formula-like text in an organisation cell (an unknown organisation: a problem quoting it)."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.packaging.relationship import Relationship
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.workbook.external_link.external import ExternalBook, ExternalLink
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = read_path(TEMPLATES)
    rows = {n: [dict(r.cells) for r in t.rows] for n, t in wb.tables.items()}
    rows["people"][1]["organisation"] = "@SUM(A1)"
    path = blank.write_xlsx(tmp_path / "plain.xlsx", rows)
    book = openpyxl.load_workbook(path)
    ws = book["people"]
    cols = BY_NAME["people"].column_names
    ws.cell(row=2, column=cols.index("name") + 1).value = EVIL
    ws.cell(row=4, column=cols.index("name") + 1).hyperlink = "http://evil.example/cell"
    ws.conditional_formatting.add("A2:A10", FormulaRule(formula=['WEBSERVICE("http://evil.example/cf")']))
    ws.add_data_validation(DataValidation(type="custom", formula1='ISERROR(WEBSERVICE("http://evil.example/dv"))',
                                          sqref="B2:B10"))
    book.defined_names["leak"] = DefinedName("leak", attr_text="[1]Sheet1!$A$1")
    link = ExternalLink(externalBook=ExternalBook(id="rId1"))
    link.file_link = Relationship(type="externalLinkPath", Target="http://evil.example/book.xlsx",
                                  TargetMode="External", Id="rId1")
    book._external_links.append(link)
    book.save(tmp_path / "hostile.xlsx")
    src = zipfile.ZipFile(tmp_path / "hostile.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == f"xl/worksheets/sheet{book.sheetnames.index('people') + 1}.xml":
                text, n = re.subn(r'<c r="B2"([^>]*)><f>(.*?)</f><v\s*/>', r'<c r="B2"\1 t="str"><f>\2</f><v>Klik</v>',
                                  data.decode())
                assert n == 1
                data = text.encode()
            zf.writestr(item, data)
        zf.writestr("xl/vbaProject.bin", b"macro")
    return out.getvalue()


def test_annotated_xlsx_keeps_data_and_drops_formulas_links_and_macros(tmp_path: Path) -> None:
    upload = hostile_upload(tmp_path)
    with zipfile.ZipFile(io.BytesIO(upload)) as zf:   # the upload really carries all of it
        assert any(n.startswith("xl/externalLinks/") for n in zf.namelist())
        # the formula, the conditional format, the validation, the hyperlink and the external link
        assert sum(zf.read(n).count(b"evil.example") for n in zf.namelist()) == 5
    assert xlsx_cells(upload, "people")["B2"]["formula"]
    with pytest.raises(ReadError, match="external links"):   # the reader refuses links and macros ...
        read_bytes(upload, "hostile.xlsx")
    # ... and the annotated copy drops them all the same (defence in depth): annotate the upload's
    # own bytes as if the reader had let them through
    with zipfile.ZipFile(io.BytesIO(upload)) as zf:
        tame = io.BytesIO()
        with zipfile.ZipFile(tame, "w") as out:
            for item in zf.infolist():
                if not item.filename.startswith("xl/externalLinks/") and item.filename != "xl/vbaProject.bin":
                    data = zf.read(item.filename)
                    if item.filename == "[Content_Types].xml" or item.filename.endswith(".rels"):
                        data = re.sub(rb'<(Override|Relationship)[^>]*externalLink[^>]*/>', b"", data)
                    out.writestr(item, data)
    wb = read_bytes(tame.getvalue(), "hostile.xlsx")
    wb.xlsx = upload
    result = check(wb, "twente", BASE, None)
    org = BY_NAME["people"].column_names.index("organisation") + 1
    assert ("people", 3, "organisation") in {(p.template, p.row, p.column) for p in result.errors}
    data = annotate.annotated_xlsx(result, "nl")

    no_formula_anywhere(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        workbook_xml = zf.read("xl/workbook.xml").decode()
        sheets = " ".join(zf.read(n).decode() for n in names if n.startswith("xl/worksheets/sheet"))
        rels = " ".join(zf.read(n).decode() for n in names if n.endswith(".rels"))
    assert not [n for n in names if "externalLink" in n or "vbaProject" in n]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert not [n for n in names if b"evil.example" in zf.read(n)]
    assert "externalReference" not in workbook_xml and "definedName>" not in workbook_xml
    assert "evil.example" not in rels and "<hyperlink" not in sheets and "conditionalFormatting" not in sheets
    assert "dataValidation " in sheets   # the templates' drop-down lists stay

    book = openpyxl.load_workbook(io.BytesIO(data))
    people = book["people"]
    assert people["B2"].value == "Klik" and people["B2"].data_type == "s"   # the cached value, as data
    bad = people.cell(row=3, column=org)
    assert bad.value == "@SUM(A1)" and bad.data_type == "s" and bad.quotePrefix   # as the user wrote it
    assert "@SUM(A1)" in bad.comment.text
    xml = xlsx_cells(data, annotate.SHEET)
    quoted = [c for row in book[annotate.SHEET].iter_rows() for c in row if isinstance(c.value, str)
              and c.value.startswith(TRIGGERS)]
    assert [c.value for c in quoted] == ["@SUM(A1)"]
    assert all(c.data_type == "s" and c.quotePrefix and xml[c.coordinate]["quote_prefix"] for c in quoted)
    # what the ingest reads from the annotated copy is what it read from the upload
    again = read_bytes(data, "again.xlsx").tables["people"]
    assert again.rows[0].cells["name"] == "Klik" and again.rows[1].cells["organisation"] == "@SUM(A1)"


def test_annotated_csv_copies_and_problem_list_are_neutralised(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(TEMPLATES, folder)
    people = parse_csv((folder / "people.csv").read_text(encoding="utf-8"))
    people[1][people[0].index("name")] = EVIL
    people[2][people[0].index("organisation")] = "-x"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(people)   # as a user's program writes it: unquoted
    (folder / "people.csv").write_text(buf.getvalue(), encoding="utf-8")
    (folder / "networks.csv").unlink()            # a problem of no row: _problemen.csv
    result = check(read_path(folder), "twente", BASE, None)
    files = annotate.annotated_csv(result, "en")
    parsed = {name: parse_csv(data.decode("utf-8")) for name, data in files.items() if name.endswith(".csv")}
    assert parsed["_problemen.csv"][1:], "the missing template is listed"
    for name, rows in parsed.items():
        for row in rows:
            assert not [c for c in row if c.startswith(TRIGGERS)], (name, row)
    head = parsed["people.csv"][0]
    assert parsed["people.csv"][1][head.index("name")] == "'" + EVIL
    assert parsed["people.csv"][2][head.index("organisation")] == "'-x"
    assert "-x" in parsed["people.csv"][2][-1]   # the problem quotes the value, inside the text
