"""Spreadsheet cells for people (CSV and XLSX) that never run as formulas.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return may be
taken for a formula by Excel, LibreOffice or Google Sheets (OWASP: CSV
injection), e.g. a name `=HYPERLINK("http://evil.example","klik")`.

- CSV: such a text cell gets one leading `'` (OWASP's advice); the ingest
  reader drops exactly that `'` again, so an export ingests to the same rows.
  Numbers written as numbers are left as they are: `-5` from a numeric column
  is a number, not a formula; a text `-5` is prefixed.
- XLSX: such a cell is stored as text (never as a formula element `<f>`) with
  Excel's own `quotePrefix` style, so its value stays exactly what was written
  and editing it in Excel keeps it text.

Results in the W3C SPARQL results formats (CSV, TSV) are for programs and are
left exact (docs/sparql.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(value: object) -> bool:
    """A text that a spreadsheet program may take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value: object) -> object:
    """One CSV cell: `'` before a text that starts like a formula; None as ""; anything else as it is."""
    if value is None:
        return ""
    return "'" + value if starts_like_formula(value) else value


def csv_text(rows: Iterable[Sequence[object]], delimiter: str = ",") -> str:
    """CSV text (`\\n` line ends) of `rows`, every cell through `csv_cell`. A row with a carriage
    return in a cell is written with every cell quoted (Python's writer does not quote a lone CR
    when the line end is `\\n`, and a reader would break the line there)."""
    buf = io.StringIO()
    plain = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    quoted = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        cells = [csv_cell(c) for c in row]
        (quoted if any(isinstance(c, str) and "\r" in c for c in cells) else plain).writerow(cells)
    return buf.getvalue()


def inert_cells(book: Any) -> None:
    """Make every cell of an openpyxl workbook data: a formula cell keeps its text as a string
    (the writers put user data in cells, never formulas), and every text that starts like a
    formula is a string with Excel's `quotePrefix`. Numbers, dates and other texts are untouched."""
    for ws in book.worksheets:
        # only the cells that exist: a sheet's used range can be far larger than its cells
        for cell in list(ws._cells.values()):
            if cell.data_type == "f":
                text = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", None) or ""
                cell.value = text
                cell.data_type = "s"
            if starts_like_formula(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
