"""Reading the files people have (issue 10, parts 4, 6 and 8).

Every variant is generated here from the sample's filled CSV templates
(data/twente-templates): Dutch Excel's CSV (';', Windows-1252, dd-mm-jjjj,
2.500), "CSV UTF-8" (BOM, ';'), tab-separated text, an XLSX as Excel stores
things (date cells, serial numbers, typed numbers, short drop-down ranges),
and hostile files (damaged or lying zips, XXE, billion laughs, macros,
external links, a million rows, a 200,000-character field). Each must give
the same region graph as the original, or a problem at its file/row/column
in Dutch and English, or a ReadError: never another exception.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import subprocess
import sys
import tracemalloc
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest
from conftest import ROOT

from kg.ingest import annotate, blank
from kg.ingest.cells import excel_serial_date, name_in_code, parse_date, read_number
from kg.ingest.mapping import base_problem, map_workbook
from kg.ingest.pipeline import check, ingest
from kg.ingest.read import Limits, ReadError, read_bytes, read_path
from kg.ingest.templates import BY_NAME, DATE, DECIMAL, INTEGER
from kg.store import GraphStore, digest

TEMPLATES = ROOT / "data" / "twente-templates"
BASE = "https://knll-twente.example/id/"
# é, ë, ü in names (all three exist in Windows-1252)
ACCENTED = {"p001": "Marieke Nijhuis-Müller", "p002": "Renée Lammerink", "p003": "Daniëlle Oude Vrielink"}

Rows = dict[str, list[list[str]]]  # template -> rows (the header first), as the csv module reads them


def sample(names: dict[str, str] | None = None) -> Rows:
    """The sample's templates, people's names replaced by `names` (id -> name)."""
    out: Rows = {}
    for f in sorted(TEMPLATES.glob("*.csv")):
        out[f.stem] = list(csv.reader(io.StringIO(f.read_text(encoding="utf-8"))))
    people = out["people"]
    i, n = people[0].index("id"), people[0].index("name")
    for r in people[1:]:
        r[n] = (names or {}).get(r[i], r[n])
    return out


def columns_of(template: str, *kinds: str) -> list[str]:
    return [c.name for c in BY_NAME[template].columns if c.kind in kinds]


def transform(rows: Rows, date=None, number=None) -> Rows:
    """`rows` with every date cell passed through `date(text, i)` and every number cell through
    `number(text, i)` (i counts the cells, to vary the forms)."""
    out: Rows = {}
    i = 0
    for name, table in rows.items():
        head = table[0]
        dates = {head.index(c) for c in columns_of(name, DATE)}
        numbers = {head.index(c) for c in columns_of(name, INTEGER, DECIMAL)}
        new = [head]
        for r in table[1:]:
            r = list(r)
            for j in range(len(r)):
                if r[j] and j in dates and date:
                    r[j], i = date(r[j], i), i + 1
                elif r[j] and j in numbers and number:
                    r[j], i = number(r[j], i), i + 1
            new.append(r)
        out[name] = new
    return out


def day_first(text: str, i: int) -> str:
    """2024-09-01 as 01-09-2024, 1-9-2024 or 01/09/2024 in turn."""
    d = dt.date.fromisoformat(text)
    return [f"{d.day:02d}-{d.month:02d}-{d.year}", f"{d.day}-{d.month}-{d.year}",
            f"{d.day:02d}/{d.month:02d}/{d.year}"][i % 3]


def dutch_number(text: str, i: int = 0) -> str:
    """2500 as 2.500, 0.5 as 0,5, 2500.75 as 2.500,75."""
    whole, _, frac = format(Decimal(text), "f").partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return grouped + ("," + frac if frac else "")


def csv_bytes(table: list[list[str]], sep: str = ",", encoding: str = "utf-8", errors: str = "strict",
              newline: str = "\r\n") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator=newline).writerows(table)
    return buf.getvalue().encode(encoding, errors)


def write_folder(folder: Path, rows: Rows, **kw) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in rows.items():
        (folder / f"{name}.csv").write_bytes(csv_bytes(table, **kw))
    return folder


def zip_of(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


def quads(result) -> set[str]:
    return {str(q) for q in result.mapped.quads}


def blocking(result) -> list[dict]:
    return [p.to_json() for p in result.errors]


def codes(problems) -> list[tuple]:
    return [(p.severity, p.code, p.template, p.row, p.column) for p in problems]


@pytest.fixture(scope="module")
def reference() -> tuple[Rows, set[str]]:
    """The sample with accented names, as the contract writes it (UTF-8, commas, ISO dates), and its graph."""
    rows = sample(ACCENTED)
    wb = read_bytes(zip_of({f"{n}.csv": csv_bytes(t) for n, t in rows.items()}), "reference.zip")
    result = check(wb, "twente", BASE, None)
    assert result.ok, blocking(result)
    return rows, quads(result)


# --- part 4: the CSV files Excel and LibreOffice write --------------------------------------------------

@pytest.mark.parametrize("encoding,sep,numbers,encoding_name", [
    ("cp1252", ";", "nl", "Windows-1252"),   # Excel, Dutch: "CSV (gescheiden door lijstscheidingsteken)"
    ("utf-8-sig", ";", "nl", "UTF-8 + BOM"),  # Excel, Dutch: "CSV UTF-8"
    ("utf-8", "\t", "en", "UTF-8"),           # tab-separated text
    ("cp1252", ",", "en", "Windows-1252"),
])
def test_dutch_excel_csv_files_give_the_same_graph(reference, tmp_path: Path, encoding, sep, numbers,
                                                   encoding_name) -> None:
    rows, expected = reference
    variant = transform(rows, date=day_first, number=dutch_number if numbers == "nl" else None)
    assert variant["networks"][2][variant["networks"][0].index("budget_eur")] == ("2.500" if numbers == "nl" else "2500")
    folder = write_folder(tmp_path / "in", variant, sep=sep, encoding=encoding)
    result = check(read_path(folder), "twente", BASE, None)
    assert result.ok, blocking(result)
    assert quads(result) == expected
    labels = {q.object.value for q in result.mapped.quads if isinstance(q.object, ox.Literal)}
    assert set(ACCENTED.values()) <= labels and not any("Ã" in v for v in labels)
    notes = [p for p in result.problems if p.code == "csv_format"]
    assert len(notes) == 1 and notes[0].severity == "info" and notes[0].template is None  # all files: one note
    assert encoding_name in notes[0].message("en") and "people.csv" in notes[0].message("nl")
    resolved = [p for p in result.problems if p.code == "number_notation"]
    if numbers == "nl":  # '2.500' read as 2500 because the file uses ';' (and writes 0,5 elsewhere)
        assert {(p.template, p.value) for p in resolved} == {("networks", "2.500")}
        assert "2500" in resolved[0].message("en") and "';'" in resolved[0].message("en")
    else:
        assert resolved == []
    # the same files in a zip, as the web upload gets them
    zipped = zip_of({f"regio/{f.name}": f.read_bytes() for f in folder.iterdir()})
    assert quads(check(read_bytes(zipped, "regio.zip"), "twente", BASE, None)) == expected


def test_utf8_is_never_read_as_windows_1252(reference, tmp_path: Path) -> None:
    rows, _ = reference
    wb = read_path(write_folder(tmp_path / "u", rows))
    assert wb.tables["people"].encoding == "UTF-8"
    names = {r.cells["name"] for r in wb.tables["people"].rows}
    assert set(ACCENTED.values()) <= names
    assert not [p for p in wb.problems if p.code == "csv_format"]  # the contract's own format: nothing to say
    # a UTF-8 file with one stray Windows-1252 byte is not UTF-8: read as Windows-1252, and said so
    data = csv_bytes(rows["people"]).replace("Renée".encode(), "Renée".encode("cp1252"))
    (tmp_path / "u" / "people.csv").write_bytes(data)
    wb = read_path(tmp_path / "u")
    assert wb.tables["people"].encoding == "Windows-1252"
    assert "Renée Lammerink" in {r.cells["name"] for r in wb.tables["people"].rows}
    assert "Marieke Nijhuis-MÃ¼ller" in {r.cells["name"] for r in wb.tables["people"].rows}
    assert {(p.code, p.row) for p in wb.problems if p.template == "people"} == {
        ("csv_format", None), ("mojibake", 2), ("mojibake", 4)}  # Müller and Daniëlle: UTF-8 read as 1252


def test_ij_survives_utf8_and_is_reported_where_windows_1252_lost_it(tmp_path: Path) -> None:
    rows = sample({"p004": "Gerard Bĳlsma"})  # U+0133, the Dutch ij ligature: not in Windows-1252
    wb = read_path(write_folder(tmp_path / "utf8", rows))
    assert "Gerard Bĳlsma" in {r.cells["name"] for r in wb.tables["people"].rows}
    # Excel saving "CSV (gescheiden door lijstscheidingsteken)" writes a '?' for it
    lossy = write_folder(tmp_path / "cp", rows, sep=";", encoding="cp1252", errors="replace")
    assert b"Gerard B?lsma" in (lossy / "people.csv").read_bytes()
    result = check(read_path(lossy), "twente", BASE, None)
    assert codes(result.errors) == [("error", "lost_character", "people", 5, "name")]
    p = result.errors[0]
    assert p.value == "Gerard B?lsma" and "ĳ" in p.message("nl") and "ĳ" in p.message("en")


def test_mojibake_is_reported_at_its_cell(tmp_path: Path) -> None:
    rows = sample({"p002": "RenÃ©e Lammerink"})  # once opened as Windows-1252 and saved as UTF-8
    result = check(read_path(write_folder(tmp_path / "m", rows)), "twente", BASE, None)
    assert codes(result.errors) == [("error", "mojibake", "people", 3, "name")]
    assert "'Ã©'" in result.errors[0].message("en") and "'é'" in result.errors[0].message("nl")


@pytest.mark.parametrize("data,why", [
    ("utf16", "UTF-16"),
    ("undefined", "0x81"),
    ("binary", "control characters"),
    ("xlsx", "workbook"),
])
def test_a_file_that_is_not_text_is_one_problem_at_the_top_without_follow_ons(tmp_path: Path, data, why) -> None:
    rows = sample()
    folder = write_folder(tmp_path / "in", rows)
    people = csv_bytes(rows["people"])
    bad = {"utf16": people.decode().encode("utf-16"),
           "undefined": people.replace(b"Marieke", b"Mari\x81ke").replace("coördinator".encode(), b"co\xf6rdinator"),
           "binary": b"\x00\x01\x02" + people,
           "xlsx": b"PK\x03\x04" + people}[data]
    (folder / "people.csv").write_bytes(bad)
    result = check(read_path(folder), "twente", BASE, None)
    # memberships, ties, artefacts, ... refer to people: none of those follow-on errors is shown
    assert codes(result.errors) == [("error", "not_text", "people", None, None)]
    assert result.problems[0].code == "not_text"
    assert not [p for p in result.problems if p.severity == "warning"]  # nor follow-on "repeated row" warnings
    msg = result.errors[0].message("en")
    assert why in msg and "people.csv" in msg and ".xlsx" in msg and "CSV UTF-8" in msg
    assert "Excel-werkmap (.xlsx)" in result.errors[0].message("nl")


def test_a_missing_header_row_is_one_problem_without_follow_ons(tmp_path: Path) -> None:
    rows = sample()
    rows["people"].insert(0, ["Personen KnLL Twente, stand 1 september"])
    result = check(read_path(write_folder(tmp_path / "in", rows)), "twente", BASE, None)
    assert codes(result.errors) == [("error", "no_header", "people", 1, None)]
    assert "Personen KnLL Twente" in result.errors[0].message("en")


def test_separator_is_taken_from_the_header(tmp_path: Path) -> None:
    """Names with commas in a ';' file, and semicolons (lists) in a ',' file, do not confuse it."""
    rows = sample({"p001": "Nijhuis, Marieke"})
    folder = write_folder(tmp_path / "s", {"people": rows["people"]}, sep=";")
    write_folder(folder, {k: v for k, v in rows.items() if k != "people"}, sep=",")
    wb = read_path(folder)
    assert wb.tables["people"].separator == ";" and wb.tables["ties"].separator == ","
    p001 = next(r for r in wb.tables["people"].rows if r.cells["id"] == "p001")
    assert p001.cells["name"] == "Nijhuis, Marieke" and p001.cells["roles"] == "leraar; wt-coordinator"
    assert check(wb, "twente", BASE, None).ok


# --- dates ----------------------------------------------------------------------------------------------

def test_date_forms_and_excel_serial_numbers() -> None:
    for text in ("2024-09-01", "01-09-2024", "1-9-2024", "01/09/2024", "1/9/2024", "45536"):
        assert parse_date(text).date == dt.date(2024, 9, 1), text
    assert parse_date("45536").serial and not parse_date("01-09-2024").serial
    for text in ("31-02-2024", "2024-02-30", "01-09-24", "2024", "9/1/24", "2024-9-1", "1.9.2024", "60", "1e5"):
        assert parse_date(text).date is None, text
    # the 1900 date system: 1 = 1900-01-01, 59 = 1900-02-28, 60 = 1900-02-29 (never was), 61 = 1900-03-01
    assert excel_serial_date(1) == dt.date(1900, 1, 1) and excel_serial_date(59) == dt.date(1900, 2, 28)
    assert excel_serial_date(60) is None and excel_serial_date(61) == dt.date(1900, 3, 1)
    assert excel_serial_date(0, date1904=True) == dt.date(1904, 1, 1)
    assert parse_date("44074", date1904=True).date == dt.date(2024, 9, 1)


def test_dates_in_a_csv_file_and_what_is_reported(tmp_path: Path) -> None:
    rows = sample()
    net = rows["networks"]
    col = net[0].index("started")
    expected = {}
    for number, (r, form) in enumerate(zip(net[1:6], ("dd-mm", "d-m", "dd/mm", "serial", "iso")), start=2):
        d = dt.date.fromisoformat(r[col])
        expected[number] = d.isoformat()
        r[col] = {"dd-mm": f"{d.day:02d}-{d.month:02d}-{d.year}", "d-m": f"{d.day}-{d.month}-{d.year}",
                  "dd/mm": f"{d.day:02d}/{d.month:02d}/{d.year}", "serial": str((d - dt.date(1899, 12, 30)).days),
                  "iso": d.isoformat()}[form]
    serial_text = net[4][col]
    net[6][col], net[7][col], net[8][col] = "31-02-2024", "2017", "01-08-17"
    result = check(read_path(write_folder(tmp_path / "d", rows)), "twente", BASE, None)
    assert codes(result.errors) == [("error", "bad_date", "networks", n, "started") for n in (7, 8, 9)]
    assert "01/09/2024" in result.errors[0].message("nl") and "the day first" in result.errors[0].message("en")
    started = {c.row: q.object.value for q in result.mapped.quads if q.predicate.value.endswith("foundingDate")
               for c in result.mapped.provenance[q.triple]}
    assert {n: started[n] for n in expected} == expected
    serial = [p for p in result.problems if p.code == "date_serial"]
    assert codes(serial) == [("info", "date_serial", "networks", 5, "started")] and serial[0].value == serial_text
    assert expected[5] in serial[0].message("en") and "1899-12-30" in serial[0].message("en")


# --- numbers ----------------------------------------------------------------------------------------------

def test_number_readings() -> None:
    assert read_number("2.500").ambiguous and read_number("1,000").ambiguous
    assert read_number("1,5").evidence == "nl" and read_number("2.500,75").evidence == "nl"
    assert read_number("40.5").evidence == "en" and read_number("2,500.75").evidence == "en"
    assert read_number("0.500").evidence == "en"  # 0 cannot be a group of thousands
    assert read_number("1.000.000").nl.value == 1000000 and read_number("1.000.000").en is None
    assert read_number("2500").evidence is None and not read_number("2500").ambiguous
    assert read_number("2.500,75").nl.value == Decimal("2500.75") == read_number("2,500.75").en.value
    for bad in ("-5", "2,5,0", "2.50.0", "1e5", "", "€ 2.500", "2 500", "9" * 41):
        assert read_number(bad).bad, bad


def networks_with(tmp_path: Path, cells: dict[tuple[int, str], str], sep: str = ",") -> object:
    """The sample with cells of networks.csv set: (row, column) -> text; checked."""
    rows = sample()
    net = rows["networks"]
    for (row, column), text in cells.items():
        net[row - 1][net[0].index(column)] = text
    folder = tmp_path / f"n{len(list(tmp_path.iterdir()))}"
    return check(read_path(write_folder(folder, rows, sep=sep)), "twente", BASE, None)


def budget(result, row: int = 3) -> str | None:
    node = result.mapped.rows
    net = next(n for n, c in node.items() if c.template == "networks" and c.row == row)
    return next((q.object.value for q in result.mapped.quads
                 if q.subject == net and q.predicate.value.endswith("budgetEur")), None)


def test_an_ambiguous_number_is_never_guessed(tmp_path: Path) -> None:
    # networks.csv row 3 has budget_eur 2500; written the Dutch way, in a file that shows no notation
    result = networks_with(tmp_path, {(3, "budget_eur"): "2.500"})
    assert codes(result.errors) == [("error", "ambiguous_number", "networks", 3, "budget_eur")]
    nl, en = result.errors[0].message("nl"), result.errors[0].message("en")
    assert "2500" in nl and "2,5" in nl and "2500" in en and "2.5" in en and "nowhere" in en
    # ... in a file that otherwise writes English numbers: still reported, never 2.5
    result = networks_with(tmp_path, {(3, "budget_eur"): "2.500", (4, "hours_per_participant"): "40.5"})
    assert codes(result.errors) == [("error", "ambiguous_number", "networks", 3, "budget_eur")]
    assert "40.5" in result.errors[0].message("en") and "English" in result.errors[0].message("en")
    # ... in a file that writes Dutch numbers elsewhere: 2500, and said so
    result = networks_with(tmp_path, {(3, "budget_eur"): "2.500", (4, "hours_per_participant"): "40,5"})
    assert result.ok and budget(result) == "2500.0"
    note = [p for p in result.problems if p.code == "number_notation"]
    assert codes(note) == [("info", "number_notation", "networks", 3, "budget_eur")] and "40,5" in note[0].message("en")
    # ... in a ';' file (Excel in Dutch): 2500
    result = networks_with(tmp_path, {(3, "budget_eur"): "2.500"}, sep=";")
    assert result.ok and budget(result) == "2500.0"
    # '1,000' in an English file is a thousand; in a ';' file it is reported (never 1.0)
    result = networks_with(tmp_path, {(3, "budget_eur"): "1,000", (4, "hours_per_participant"): "40.5"})
    assert result.ok and budget(result) == "1000.0"
    result = networks_with(tmp_path, {(3, "budget_eur"): "1,000"}, sep=";")
    assert codes(result.errors) == [("error", "ambiguous_number", "networks", 3, "budget_eur")]
    # both notations in one file: a warning, and the ambiguous value reported
    result = networks_with(tmp_path, {(3, "budget_eur"): "2.500", (4, "hours_per_participant"): "40,5",
                                      (5, "budget_eur"): "1500.25"})
    assert codes(result.errors) == [("error", "ambiguous_number", "networks", 3, "budget_eur")]
    assert [p.code for p in result.problems if p.severity == "warning"] == ["mixed_notation"]


def test_unambiguous_numbers_in_either_notation(tmp_path: Path) -> None:
    result = networks_with(tmp_path, {(3, "budget_eur"): "2.500,75", (4, "budget_eur"): "2,500.75",
                                      (5, "budget_eur"): "1.250.000", (6, "budget_eur"): "0,5"}, sep=";")
    assert not result.errors, blocking(result)
    assert [budget(result, r) for r in (3, 4, 5, 6)] == ["2500.75", "2500.75", "1250000.0", "0.5"]
    mixed = [p for p in result.problems if p.code == "mixed_notation"]  # 2.500,75 and 2,500.75 in one file
    assert codes(mixed) == [("warning", "mixed_notation", "networks", None, None)]
    assert "2.500,75" in mixed[0].message("en") and "2,500.75" in mixed[0].message("nl")
    result = networks_with(tmp_path, {(3, "meetings_per_year"): "2,5", (4, "meetings_per_year"): "twaalf"})
    assert codes(result.errors) == [("error", "bad_integer", "networks", 3, "meetings_per_year"),
                                    ("error", "bad_integer", "networks", 4, "meetings_per_year")]


def test_typed_xlsx_numbers_are_unambiguous_and_no_evidence(tmp_path: Path) -> None:
    rows = {n: [dict(zip(t[0], r)) for r in t[1:]] for n, t in sample().items()}
    path = blank.write_xlsx(tmp_path / "t.xlsx", rows)
    book = openpyxl.load_workbook(path)
    ws = book["networks"]
    head = [c.value for c in ws[1]]
    ws.cell(row=3, column=head.index("budget_eur") + 1).value = 2.125        # a number: 2.125, nothing else
    ws.cell(row=4, column=head.index("hours_per_participant") + 1).value = 40.5  # a number: no evidence
    ws.cell(row=5, column=head.index("budget_eur") + 1).value = "2.500"      # text: ambiguous
    book.save(path)
    result = check(read_path(path), "twente", BASE, None)
    assert codes(result.errors) == [("error", "ambiguous_number", "networks", 5, "budget_eur")]
    assert budget(result, 3) == "2.125"


# --- part 6: bounded work, and bad files are refused with a reason ----------------------------------------

def people_csv(n: int) -> bytes:
    lines = ["id,name,roles,organisation,expertise,consent,since"]
    lines += [f"p{i:07d},Persoon {i},leraar,s-x,,prive,2020" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


MINIMAL = {"organisations.csv": b"id,name,type,brin,parent,sector,place\ns-x,School X,school,,,po,Enschede\n",
           "networks.csv": b"id,name,type,part_of,themes,started,meetings_per_year,budget_eur,"
                           b"hours_per_participant,funders\nn-x,Net,plg,,,,,,,\n"}


def measured(fn) -> tuple[object, float]:
    """(result or the exception, peak MB of Python allocations). Memory, not time: a peak is
    deterministic; how fast is bench/ingest_bench.py's job (docs/ingest.md, "Limits")."""
    tracemalloc.start()
    try:
        out = fn()
    except ReadError as e:
        out = e
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return out, peak


def test_a_million_rows_are_refused_early_in_bounded_memory() -> None:
    data = zip_of({"people.csv": people_csv(1_000_000), **MINIMAL})
    out, peak = measured(lambda: read_bytes(data, "groot.zip"))
    assert isinstance(out, ReadError) and out.problem.code == "too_many_rows"
    assert "500.000" in out.problem.message("nl") and "500,000" in out.problem.message("en")
    assert "groot.zip" in out.problem.message("en")
    # the rows are counted, not stored: the peak is the file and its text, not a million rows (~800 MB)
    assert peak < 250, peak
    # under the limit the same reader reads them all
    small = read_bytes(zip_of({"people.csv": people_csv(1000), **MINIMAL}), "klein.zip")
    assert len(small.tables["people"].rows) == 1000
    with pytest.raises(ReadError):
        read_bytes(zip_of({"people.csv": people_csv(600), **MINIMAL}), "x.zip", Limits(max_rows=500))


def xlsx_with_sheet(rows_xml: str, extra: dict[str, bytes] | None = None, sheet: str = "people") -> bytes:
    """A workbook from openpyxl whose sheet `sheet` has the header and then `rows_xml`."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(BY_NAME[sheet].column_names)
    for name in ("organisations", "networks"):
        book.create_sheet(name).append(BY_NAME[name].column_names)
    buf = io.BytesIO()
    book.save(buf)
    src = zipfile.ZipFile(buf)
    out = {}
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename == "xl/worksheets/sheet1.xml":
            data = data.decode().replace("</sheetData>", rows_xml + "</sheetData>").encode()
        out[info.filename] = data
    out.update(extra or {})
    return zip_of(out)


def test_a_million_row_workbook_is_refused_before_openpyxl_reads_it() -> None:
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>p{i:07d}</t></is></c></row>'
                   for i in range(2, 1_000_002))
    data = xlsx_with_sheet(rows)
    out, peak = measured(lambda: read_bytes(data, "groot.xlsx"))
    assert isinstance(out, ReadError) and out.problem.code == "too_many_rows"
    assert peak < 250, peak  # counted in the raw XML: openpyxl is never asked to read them all


def test_a_sheet_claiming_far_rows_or_columns_is_bounded() -> None:
    far = '<row r="2"><c r="A2" t="inlineStr"><is><t>p1</t></is></c><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
    wb = read_bytes(xlsx_with_sheet(far), "breed.xlsx")
    assert [r.cells["id"] for r in wb.tables["people"].rows] == ["p1"]
    beyond = '<row r="2000000"><c r="A2000000" t="inlineStr"><is><t>p1</t></is></c></row>'
    with pytest.raises(ReadError) as e:
        read_bytes(xlsx_with_sheet(beyond), "ver.xlsx")
    assert "1048576" in e.value.problem.message("en")


def test_a_200000_character_field_is_a_problem_at_its_cell(tmp_path: Path) -> None:
    rows = sample()
    cross = rows["crossings"]
    cross[3][cross[0].index("description")] = "x" * 200_000
    result = check(read_path(write_folder(tmp_path / "long", rows)), "twente", BASE, None)
    assert codes(result.errors) == [("error", "cell_too_long", "crossings", 4, "description")]
    assert "32767" in result.errors[0].message("en") and len(result.errors[0].value) < 100
    # an unclosed quote swallows the rest of the file into one cell: said at the row where it starts
    text = csv_bytes(sample()["crossings"]).decode()
    broken = text.replace("x-12,", 'x-12,"', 1)
    (tmp_path / "long" / "crossings.csv").write_text(broken, encoding="utf-8")
    result = check(read_path(tmp_path / "long"), "twente", BASE, None)
    assert [(p.code, p.template) for p in result.errors] == [("csv_broken", "crossings")]
    assert "crossings.csv" in result.errors[0].message("en")


def stored_zip_with_damage(kind: str) -> bytes:
    data = bytearray(zip_of({"people.csv": csv_bytes(sample()["people"]), **MINIMAL}, zipfile.ZIP_STORED))
    if kind == "crc":
        i = data.index(b"Marieke")
        data[i] ^= 0x20  # one byte of the data changed: its CRC no longer matches
        return bytes(data)
    # the central directory says people.csv is 100 bytes (it is not)
    at = data.index(b"PK\x01\x02")
    while data[at + 46:at + 46 + int.from_bytes(data[at + 28:at + 30], "little")] != b"people.csv":
        at = data.index(b"PK\x01\x02", at + 4)
    data[at + 24:at + 28] = (100).to_bytes(4, "little")
    return bytes(data)


def xxe_xlsx(doctype: str, cell: str) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "people"
    book.active.append(BY_NAME["people"].column_names)
    for name in ("organisations", "networks"):
        book.create_sheet(name).append(BY_NAME[name].column_names)
    buf = io.BytesIO()
    book.save(buf)
    src = zipfile.ZipFile(buf)
    out = {}
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename == "xl/worksheets/sheet1.xml":
            text = data.decode()
            start = text.index("?>") + 2 if text.startswith("<?xml") else 0
            text = text[:start] + doctype + text[start:]
            text = text.replace("</sheetData>", f'<row r="2"><c r="A2" t="inlineStr"><is><t>{cell}</t></is></c>'
                                                f'</row></sheetData>')
            data = text.encode()
        out[info.filename] = data
    return zip_of(out)


SECRET = ROOT / "pyproject.toml"
HOSTILE = {
    "bad-crc.zip": lambda: stored_zip_with_damage("crc"),
    "lying-sizes.zip": lambda: stored_zip_with_damage("size"),
    "xxe.xlsx": lambda: xxe_xlsx(f'<!DOCTYPE x [<!ENTITY e SYSTEM "file://{SECRET}">]>', "&e;"),
    "laughs.xlsx": lambda: xxe_xlsx("<!DOCTYPE x [" + '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)) + "]>", "&a9;"),
    "utf16-xxe.xlsx": lambda: zip_of({"[Content_Types].xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><Types/>'
                                      .encode("utf-16")}),
    "ebcdic.xlsx": lambda: zip_of({"[Content_Types].xml": b'<?xml version="1.0" encoding="cp500"?>'
                                   + "<Types/>".encode("cp500")}),
    "macros.xlsx": lambda: xlsx_with_sheet("", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macros"}),
    "links.xlsx": lambda: xlsx_with_sheet("", {"xl/externalLinks/externalLink1.xml": b'<?xml version="1.0"?>'
                                               b'<externalLink xmlns="http://schemas.openxmlformats.org/'
                                               b'spreadsheetml/2006/main"/>'}),
    "old.xlsx": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
}
WHY = {"bad-crc.zip": "damaged", "lying-sizes.zip": "damaged", "xxe.xlsx": "DOCTYPE", "laughs.xlsx": "DOCTYPE",
       "utf16-xxe.xlsx": "DOCTYPE", "ebcdic.xlsx": "cp500", "macros.xlsx": "macros", "links.xlsx": "Break Link",
       "old.xlsx": ".xls"}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_with_a_reason(name: str) -> None:
    out, _ = measured(lambda: read_bytes(HOSTILE[name](), name))
    assert isinstance(out, ReadError), out
    nl, en = out.problem.message("nl"), out.problem.message("en")
    assert WHY[name] in en and name in en and name in nl and nl != en
    assert SECRET.read_text()[:200] not in nl + en


def test_entities_never_reach_the_graph_even_without_the_scan(monkeypatch) -> None:
    """Defence in depth: the XML parser openpyxl uses fetches no external entity either."""
    from kg.ingest import read

    monkeypatch.setattr(read, "_scan_xlsx", lambda *a: None)
    with pytest.raises(ReadError):
        read_bytes(HOSTILE["xxe.xlsx"](), "xxe.xlsx")


def test_a_licence_or_base_that_is_no_valid_iri_is_no_exception(tmp_path: Path) -> None:
    rows = sample()
    art = rows["artefacts"]
    col = art[0].index("licence")
    assert art[3][col].startswith("https://")
    art[1][col] = 'https://creativecommons.org/licenses/by-sa/4.0/"onclick="x'
    art[2][col] = "https://[creativecommons.org/licenses/by/4.0/"
    result = check(read_path(write_folder(tmp_path / "l", rows)), "twente", BASE, None)
    assert result.ok, blocking(result)
    assert codes([p for p in result.problems if p.code == "bad_iri"]) == [
        ("warning", "bad_iri", "artefacts", 2, "licence"), ("warning", "bad_iri", "artefacts", 3, "licence")]
    kept = {q.object for q in result.mapped.quads if q.predicate.value.endswith("license")}
    assert ox.Literal(art[1][col]) in kept and ox.NamedNode(art[3][col]) in kept
    assert base_problem("https://[x/") and base_problem('https://x.example/"/') and base_problem(BASE) is None


# --- the reader's side of formula neutralising ---------------------------------------------------------------

def test_one_protecting_quote_is_stripped(tmp_path: Path) -> None:
    rows = sample()
    cross = rows["crossings"]
    col = cross[0].index("description")
    written = ["'=SUM(A1:A2)", "'+31 53 123", "'-5 graden", "'@team", "'\tingesprongen", "''=x", "'gewoon",
               "'=", "=geen quote"]
    # exactly one quote, and only before = + - @ tab CR (the writers' rule): "''=x" and "'gewoon" stay
    read = ["=SUM(A1:A2)", "+31 53 123", "-5 graden", "@team", "ingesprongen", "''=x", "'gewoon", "=", "=geen quote"]
    for r, text in zip(cross[1:], written):
        r[col] = text
    folder = write_folder(tmp_path / "f", rows)
    got = {r.number: r.cells["description"] for r in read_path(folder).tables["crossings"].rows}
    assert [got[n] for n in range(2, 2 + len(read))] == read
    for r in cross[1:]:  # (openpyxl would write "=geen quote" as a formula: the writers' side)
        if r[col].startswith("="):
            r[col] = "'" + r[col]
    xlsx = blank.write_xlsx(tmp_path / "f.xlsx", {n: [dict(zip(t[0], r)) for r in t[1:]] for n, t in rows.items()})
    got = {r.number: r.cells["description"] for r in read_path(xlsx).tables["crossings"].rows}
    assert [got[n] for n in range(2, 2 + len(read))] == read


# --- part 8: codes that give away names -----------------------------------------------------------------------

def test_name_parts_in_codes() -> None:
    assert name_in_code("p-els", "Els de Vries") == "els"
    assert name_in_code("P-VRIES-2", "Els de Vries") == "vries"
    assert name_in_code("p-marie", "Marieke Nijhuis") == "marie"  # a part of a name gives it away too
    assert name_in_code("p-rene", "René Brinkman") == "rene"      # accents do not matter
    assert name_in_code("p-bijl", "Gerard Bĳl") == "bijl"         # nor the ij ligature
    assert name_in_code("p017", "Els de Vries") is None
    assert name_in_code("p-van-12", "Jan van der Berg") is None  # name particles are no names
    assert name_in_code("p-ab", "Ab Kok") is None                  # fewer than 3 letters


def test_a_person_code_with_the_name_is_refused_without_public_consent(tmp_path: Path) -> None:
    rows = sample()
    people = rows["people"]
    h = people[0]
    for r, (code, name, consent) in zip(people[1:], [("p-els", "Els de Vries", "prive"),
                                                    ("p-vries", "Anna Vries", ""),
                                                    ("p-bram", "Bram Kok", "openbaar"),
                                                    ("p-dirk", "Dirk Smit", "netwerk")]):
        old = r[h.index("id")]
        for t in rows.values():  # rename the code everywhere it is used
            for row in t[1:]:
                for j, cell in enumerate(row):
                    parts = [p.strip() for p in cell.split(";")]
                    if old in parts:
                        row[j] = "; ".join(code if p == old else p for p in parts)
        r[h.index("name")], r[h.index("consent")] = name, consent
    result = check(read_path(write_folder(tmp_path / "p", rows)), "twente", BASE, None)
    found = [p for p in result.problems if p.code == "name_in_code"]
    assert codes(found) == [("error", "name_in_code", "people", 2, "id"), ("error", "name_in_code", "people", 3, "id"),
                            ("error", "name_in_code", "people", 5, "id"), ("warning", "name_in_code", "people", 4, "id")]
    assert "'els'" in found[0].message("en") and "URL" not in found[0].message("en")
    assert "web addresses" in found[0].message("en") and "webadressen" in found[0].message("nl")


def test_the_sample_and_the_generator_give_no_names_in_codes() -> None:
    from kg.ingest.export import export
    from synthetic.generate import generate

    sample_result = check(read_path(TEMPLATES), "twente", BASE, None)
    assert not [p for p in sample_result.problems if p.code == "name_in_code"]
    db = ox.Store()
    db.bulk_extend(generate(300, seed=3, base="https://region.example/id/",
                            graph="https://w3id.org/connective-kg/graph/source/g"))
    rows = export(db).rows
    files = {f"{n}.csv": csv_bytes([BY_NAME[n].column_names] + [[r.get(c, "") for c in BY_NAME[n].column_names]
                                                                for r in rows.get(n, [])]) for n in BY_NAME}
    mapped = map_workbook(read_bytes(zip_of(files), "gen.zip"), "https://region.example/id/", "gen")
    assert len(mapped.ids) > 300 and not [p for p in mapped.problems if p.code == "name_in_code"]


# --- Excel-like workbooks -------------------------------------------------------------------------------------

def excel_like_xlsx(rows: Rows, path: Path) -> Path:
    """The sample as Excel stores it: dates as date cells (dd-mm-yyyy) or as plain serial numbers, numbers
    as numbers with a thousands format, drop-down ranges shorter than the data."""
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, table in rows.items():
        ws = book.create_sheet(name)
        ws.append(table[0])
        dates = {table[0].index(c) for c in columns_of(name, DATE)}
        numbers = {table[0].index(c) for c in columns_of(name, INTEGER, DECIMAL)}
        for r in table[1:]:
            ws.append([None if not v else v for v in r])
            for j, v in enumerate(r):
                cell = ws.cell(row=ws.max_row, column=j + 1)
                if v and j in dates:
                    d = dt.date.fromisoformat(v)
                    if ws.max_row % 2:
                        cell.value, cell.number_format = d, "DD-MM-YYYY"
                    else:
                        cell.value = (d - dt.date(1899, 12, 30)).days  # a serial number, formatted General
                elif v and j in numbers:
                    cell.value = Decimal(v) if "." in v else int(v)
                    cell.number_format = "#,##0" if "." not in v else "0.0"
        for j, c in enumerate(BY_NAME[name].columns):
            if c.kind == "value":
                letter = openpyxl.utils.get_column_letter(j + 1)
                dv = DataValidation(type="list", formula1='"a,b"', allow_blank=True)
                dv.add(f"{letter}2:{letter}5")  # shorter than the data
                ws.add_data_validation(dv)
    book.save(path)
    return path


def test_an_xlsx_as_excel_stores_it_gives_the_same_graph(reference, tmp_path: Path) -> None:
    rows, expected = reference
    path = excel_like_xlsx(rows, tmp_path / "excel.xlsx")
    raw = openpyxl.load_workbook(path)["networks"]
    assert isinstance(raw["F2"].value, int) and isinstance(raw["F3"].value, dt.datetime)
    result = check(read_path(path), "twente", BASE, None)
    assert result.ok, blocking(result)
    assert quads(result) == expected
    serial_notes = {p.template for p in result.problems if p.code == "date_serial"}
    assert {"networks", "memberships", "artefacts"} <= serial_notes


# --- every bad byte ends as a ReadError or problems ---------------------------------------------------------------

def small_sample(keep: int = 4) -> Rows:
    return {n: t[:keep + 1] for n, t in sample(ACCENTED).items()}


def survive(data: bytes, name: str) -> None:
    try:
        wb = read_bytes(data, name, Limits(max_rows=5000))
    except ReadError as e:
        assert e.problem.message("nl") and e.problem.message("en")
        return
    mapped = map_workbook(wb, BASE, "fuzz")
    for p in mapped.problems:
        assert p.message("nl") and p.message("en")
    # what the upload page does next: the copy with the problems marked
    from kg.ingest.pipeline import IngestResult

    annotate.annotated_bytes(IngestResult("fuzz", BASE, wb, problems=mapped.problems, mapped=mapped), "nl")


def mutate(rng: random.Random, data: bytes, n: int) -> bytes:
    b = bytearray(data)
    for _ in range(n):
        op = rng.random()
        i = rng.randrange(len(b))
        if op < 0.6:
            b[i] = rng.randrange(256)
        elif op < 0.8:
            del b[i:i + rng.randrange(1, 16)]
        else:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
    return bytes(b)


def test_fuzzed_files_give_problems_or_a_read_error(tmp_path: Path) -> None:
    rng = random.Random(20261206)
    rows = small_sample()
    csvs = {f"{n}.csv": csv_bytes(t) for n, t in rows.items()}
    xlsx = blank.write_xlsx(tmp_path / "s.xlsx", {n: [dict(zip(t[0], r)) for r in t[1:]] for n, t in rows.items()})
    xlsx_bytes = xlsx.read_bytes()
    parts = {i.filename: zipfile.ZipFile(xlsx).read(i.filename) for i in zipfile.ZipFile(xlsx).infolist()}
    xml_names = [n for n in parts if n.endswith(".xml")]
    people = csvs["people.csv"]
    for _i in range(150):
        survive(mutate(rng, xlsx_bytes, rng.randrange(1, 8)), "f.xlsx")  # the container
        name = rng.choice(xml_names)                                         # an XML part, container intact
        survive(zip_of({**parts, name: mutate(rng, parts[name], rng.randrange(1, 8))}), "f.xlsx")
        survive(mutate(rng, zip_of(csvs), rng.randrange(1, 8)), "f.zip")
        survive(zip_of({**csvs, "people.csv": mutate(rng, people, rng.randrange(1, 20))}), "f.zip")
        survive(mutate(rng, people, rng.randrange(1, 20)), "people.csv")


# --- the command line and the store ----------------------------------------------------------------------------

def kg_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_cli_names_the_file_without_a_traceback_and_writes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert kg_cli("ingest", str(TEMPLATES), "--region", "twente", "--base", BASE, "--store", str(store)).returncode == 0
    before = digest(GraphStore(store).open())
    for name in ("bad-crc.zip", "xxe.xlsx", "laughs.xlsx", "macros.xlsx"):
        path = tmp_path / name
        path.write_bytes(HOSTILE[name]())
        out = kg_cli("ingest", str(path), "--region", "twente", "--store", str(store))
        assert out.returncode == 2 and name in out.stderr and "Traceback" not in out.stderr + out.stdout, out.stderr
        assert "Kan " in out.stderr and "Cannot read" in out.stderr
    big = tmp_path / "big.zip"
    big.write_bytes(zip_of({"people.csv": people_csv(600_000), **MINIMAL}))
    out = kg_cli("ingest", str(big), "--region", "twente", "--store", str(store))
    assert out.returncode == 2 and "500,000" in out.stderr and "Traceback" not in out.stderr
    # a problem inside a file (not the whole upload) is a report, exit 1
    folder = write_folder(tmp_path / "utf16", sample())
    (folder / "people.csv").write_bytes(csv_bytes(sample()["people"]).decode().encode("utf-16"))
    out = kg_cli("ingest", str(folder), "--region", "twente", "--store", str(store), "--format", "json")
    report = json.loads(out.stdout)
    assert out.returncode == 1 and [p["code"] for p in report["problems"] if p["severity"] == "error"] == ["not_text"]
    assert digest(GraphStore(store).open()) == before


def test_a_refused_ingest_leaves_every_quad_unchanged(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "s")
    assert ingest(read_path(TEMPLATES), "twente", BASE, store).committed
    before = digest(store.open())
    result = networks_with(tmp_path, {(3, "budget_eur"): "2.500"})
    assert not ingest(result.workbook, "twente", BASE, store).committed
    assert digest(store.open()) == before


def test_annotated_copy_of_a_dutch_csv_keeps_its_separator_and_characters(reference, tmp_path: Path) -> None:
    rows, _ = reference
    variant = transform(rows, date=day_first, number=dutch_number)
    variant["people"][2][variant["people"][0].index("organisation")] = "s-nergens"
    folder = write_folder(tmp_path / "in", variant, sep=";", encoding="cp1252")
    result = check(read_path(folder), "twente", BASE, None)
    assert codes(result.errors) == [("error", "unknown_id", "people", 3, "organisation")]
    files = annotate.annotated_csv(result, "nl")
    text = files["people.csv"].decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0][-1] == "problemen" and table[0][:-1] == BY_NAME["people"].column_names
    assert table[2][1] == "Renée Lammerink" and "s-nergens" in table[2][-1] and not table[3][-1]
    # and that copy reads back as the same data (the problems column is ignored)
    (tmp_path / "again").mkdir()
    for name, data in files.items():
        (tmp_path / "again" / name).write_bytes(data)
    again = read_path(tmp_path / "again")
    assert [r.cells for r in again.tables["people"].rows] == [r.cells for r in result.workbook.tables["people"].rows]
