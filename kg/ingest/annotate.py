"""Annotated copies of an upload, with every problem marked where staff can fix it.

- XLSX: the workbook itself, each problem as a cell comment (Dutch and
  English) with a fill colour by severity (red error, orange warning, blue
  info) on the cell (or the row's first cell, or the header cell), plus a
  sheet "problemen-problems" listing everything.
- CSV: each file with an added last column `problemen` (Dutch) or
  `problems` (English) holding that row's problems; problems that belong to
  no row of a file (a missing template) go to `_problemen.csv`, which the
  ingest skips. A folder for the command line, a zip for the web.

A copy holds the upload's data and nothing that runs (kg.sheets): in the
workbook each formula is replaced by its cached value, the value the ingest
read (a formula the program that wrote the file never calculated was read
as empty, and is empty here); external links, macros, defined names, cell
hyperlinks and conditional formats are left out; a data validation stays
only when its formulas are plain cell ranges or literals (the templates'
drop-down lists). Every text that starts like a formula, the user's or a
message quoting it, is stored as text (XLSX) or gets one leading `'` (CSV).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.styles import Font, PatternFill

from kg.ingest.pipeline import IngestResult
from kg.ingest.problems import ERROR, INFO, WARNING, Problem
from kg.ingest.read import csv_as_read
from kg.ingest.report import where
from kg.sheets import csv_text, inert_cells
from kg.text import Strings, Text

FILLS = {ERROR: "FFC7CE", WARNING: "FFE4B5", INFO: "DDEBF7"}
SHEET = "problemen-problems"
COLUMN = Text(nl="problemen", en="problems")
SEVERITY = Strings({ERROR: Text(nl="fout", en="error"), WARNING: Text(nl="waarschuwing", en="warning"),
                    INFO: Text(nl="melding", en="info")})
_RANGE = r"(?:(?:'[^'\[\]]+'|[A-Za-z_][\w.]*)!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?"
_PLAIN_FORMULA = re.compile(rf'(?:"[^"]*"|-?\d+(?:\.\d+)?|{_RANGE})')


def _text(p: Problem, lang: str) -> str:
    sev = SEVERITY(p.severity, lang)
    col = f"{p.column}: " if p.column else ""
    return f"[{sev}] {col}{p.message(lang)}"


def annotated_xlsx(result: IngestResult, lang: str = "nl") -> bytes:

    wb = result.workbook
    # data_only: cached values instead of formulas; keep_links=False: no external links; no keep_vba
    try:
        book = openpyxl.load_workbook(io.BytesIO(wb.xlsx), data_only=True, keep_links=False)
    except Exception:  # read cell by cell, but openpyxl cannot load it whole (e.g. damaged comments)
        book = _cells_as_read(wb)
    _drop_active_content(book)
    if SHEET in book.sheetnames:
        del book[SHEET]
    by_cell: dict[tuple, list[Problem]] = defaultdict(list)
    for p in result.problems:
        table = wb.tables.get(p.template or "")
        if table is None or not p.row:
            continue
        ws = book[table.source]
        col = table.header.index(p.column) + 1 if p.column in table.header else 1
        by_cell[(table.source, p.row, col)].append(p)
    for (sheet, row, col), problems in by_cell.items():
        cell = book[sheet].cell(row=row, column=col)
        worst = min(problems, key=lambda p: (ERROR, WARNING, INFO).index(p.severity))
        cell.fill = PatternFill("solid", fgColor=FILLS[worst.severity])
        text = "\n".join(_text(p, "nl") + "\n" + _text(p, "en") for p in problems)
        cell.comment = Comment(text, "Connective KG", width=320, height=40 + 40 * len(problems))
    ws = book.create_sheet(SHEET, 0)
    head = ["ernst / severity", "sjabloon / template", "rij / row", "kolom / column", "waarde / value",
            "melding (nl)", "message (en)"]
    ws.append(head)
    for c in ws[1]:
        c.font = Font(bold=True)
    for p in result.problems + result.elsewhere:
        ws.append([p.severity, p.template or p.graph or "", p.row or "", p.column or "", p.value or "",
                   p.message("nl"), p.message("en")])
        ws.cell(row=ws.max_row, column=1).fill = PatternFill("solid", fgColor=FILLS[p.severity])
    for letter, width in zip("ABCDEFG", (14, 18, 8, 18, 24, 70, 70)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    inert_cells(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _drop_active_content(book: Any) -> None:
    """Defined names, cell hyperlinks, conditional formats and validations with formulas that
    compute (anything but a cell range or a literal) out of an openpyxl workbook."""

    book.defined_names.clear()
    for ws in book.worksheets:
        ws.defined_names.clear()
        ws.conditional_formatting = ConditionalFormattingList()
        for cell in ws._cells.values():  # the cells that exist, not the whole used range
            cell.hyperlink = None
        dvs = ws.data_validations
        dvs.dataValidation = [dv for dv in dvs.dataValidation
                              if all(f is None or _PLAIN_FORMULA.fullmatch(f.lstrip("="))
                                     for f in (dv.formula1, dv.formula2))]


def _cells_as_read(wb):
    """A workbook of the cells as the ingest read them, for a file openpyxl cannot load whole."""

    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in wb.tables.values():
        ws = book.create_sheet(table.source)
        for j, h in enumerate(table.header, start=1):
            ws.cell(row=1, column=j).value = h
            ws.cell(row=1, column=j).data_type = "s"
        for r in table.rows:
            for j, h in enumerate(table.header, start=1):
                if r.cells.get(h):
                    cell = ws.cell(row=r.number, column=j)
                    cell.value = r.cells[h]
                    cell.data_type = "s"  # text as read, never a formula
    return book


def annotated_csv(result: IngestResult, lang: str = "nl") -> dict[str, bytes]:
    """File name -> bytes of each annotated CSV file (and `_problemen.csv` for the rest)."""
    wb = result.workbook
    by_row: dict[tuple[str, int], list[Problem]] = defaultdict(list)
    rest: list[Problem] = []
    for p in result.problems:
        table = wb.tables.get(p.template or "")
        if table is not None and p.row:
            by_row[(table.source, p.row)].append(p)
        else:
            rest.append(p)
    files: dict[str, bytes] = {}
    for name, data in wb.files.items():
        read_as = csv_as_read(wb, name)  # the encoding and separator it was read with
        if read_as is None:
            files[name] = data
            continue
        text, sep, encoding = read_as
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
        marked = []
        for i, r in enumerate(rows, start=1):
            extra = COLUMN[lang] if i == 1 else ""
            notes = " | ".join(_text(p, lang) for p in by_row.get((name, i), []))
            marked.append(r + [(extra + (": " + notes if notes else "")) if i == 1 else notes])
        # written back as UTF-8, with a BOM when it was not, so that Excel reads it as such
        files[name] = (("\ufeff" if encoding != "UTF-8" else "") + csv_text(marked, sep)).encode("utf-8")
    files["_problemen.csv"] = csv_text(
        [["severity", "where", "value", "message_nl", "message_en"]]
        + [[p.severity, where(p, lang), p.value or "", p.message("nl"), p.message("en")]
           for p in rest + result.elsewhere]).encode("utf-8")
    return files


def annotated_bytes(result: IngestResult, lang: str = "nl") -> tuple[str, bytes]:
    """(file name, bytes): the annotated workbook, or a zip of the annotated CSV files."""
    stem = Path(result.workbook.name).stem or "upload"
    if result.workbook.kind == "xlsx":
        return f"{stem}-{COLUMN[lang]}.xlsx", annotated_xlsx(result, lang)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(annotated_csv(result, lang).items()):
            zf.writestr(name, data)
    return f"{stem}-{COLUMN[lang]}.zip", out.getvalue()


def write_annotated(result: IngestResult, out: Path | str, lang: str = "nl") -> Path:
    """An annotated .xlsx at `out`, or a folder of annotated CSV files at `out`."""
    out = Path(out)
    if result.workbook.kind == "xlsx":
        if out.suffix.lower() != ".xlsx":
            out = out.with_suffix(".xlsx")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(annotated_xlsx(result, lang))
        return out
    out.mkdir(parents=True, exist_ok=True)
    for name, data in annotated_csv(result, lang).items():
        (out / name).write_bytes(data)
    return out
