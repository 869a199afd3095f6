"""Reading filled templates: a folder of CSV files, an XLSX workbook, or a zip of CSV files.

Everything becomes a `Workbook` of `Table`s with cells as text: XLSX dates
become `YYYY-MM-DD`, whole numbers lose their `.0`. Row numbers are the
spreadsheet's (header = row 1); blank rows are skipped but keep the numbering.

Zip containers (a zip of CSVs, and XLSX, which is a zip too) are checked
before anything is decompressed: number of entries, total uncompressed size,
compression ratio (zip bombs) and entry names (no absolute paths, no `..`).
Nothing is ever extracted to disk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kg.ingest.problems import ERROR, INFO, WARNING, Problem, problem
from kg.ingest.templates import BY_NAME, ORDER

# Sheets the XLSX template and the annotated copy add; not data.
HELPER_SHEETS = {"uitleg", "explanation", "uitleg-explanation", "lijsten", "lists", "problemen", "problems",
                 "problemen-problems", "lijsten-lists"}


@dataclass(frozen=True)
class Limits:
    max_entries: int = 200
    max_uncompressed: int = 100 * 1024 * 1024
    max_ratio: float = 200.0
    max_rows: int = 500_000


@dataclass
class Row:
    number: int
    cells: dict[str, str]


@dataclass
class Table:
    name: str  # the template name
    source: str  # file or sheet name as given
    header: list[str]
    rows: list[Row] = field(default_factory=list)


@dataclass
class Workbook:
    kind: str  # "csv" (a folder or a zip of CSV files) or "xlsx"
    name: str
    tables: dict[str, Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # CSV: file name -> bytes, for the annotated copy
    xlsx: bytes | None = None


class ReadError(Exception):
    """The input cannot be read at all (not a folder, workbook or zip)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.message("en"))


def read_path(path: Path | str, limits: Limits = Limits()) -> Workbook:
    """A folder of CSV files, an .xlsx workbook or a .zip of CSV files."""
    path = Path(path)
    if path.is_dir():
        files = {p.name: p.read_bytes() for p in sorted(path.iterdir())
                 if p.is_file() and p.suffix.lower() == ".csv" and not p.name.startswith((".", "_"))}
        return _from_csv_files(files, path.name, limits)
    if not path.is_file():
        raise ReadError(problem("unreadable", reason=f"{path}: no such file or folder"))
    return read_bytes(path.read_bytes(), path.name, limits)


def read_bytes(data: bytes, filename: str, limits: Limits = Limits()) -> Workbook:
    """An uploaded .xlsx workbook or .zip of CSV files (or one .csv file)."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix == ".csv":
        return _from_csv_files({PurePosixPath(filename).name: data}, filename, limits)
    if suffix not in (".xlsx", ".zip"):
        raise ReadError(problem("unreadable", reason=f"{filename}: expected an .xlsx workbook, a .zip of CSV "
                                                     f"files or a folder of CSV files"))
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as e:
        raise ReadError(problem("unreadable", reason=f"{filename}: not a valid {suffix[1:]} file ({e})")) from None
    with zf:
        _check_zip(zf, filename, limits)
        if suffix == ".xlsx":
            return _from_xlsx(data, filename, limits)
        files: dict[str, bytes] = {}
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            if info.is_dir() or name.name.startswith((".", "_")) or "__MACOSX" in name.parts:
                continue
            if name.suffix.lower() != ".csv":
                continue
            if name.name in files:
                raise ReadError(problem("unreadable", reason=f"{filename}: two files named {name.name}"))
            files[name.name] = _read_entry(zf, info, filename, limits)
        return _from_csv_files(files, filename, limits)


def _check_zip(zf: zipfile.ZipFile, filename: str, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise ReadError(problem("unreadable", reason=f"{filename}: {len(infos)} entries, at most "
                                                     f"{limits.max_entries} allowed"))
    total = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name).parts
        if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or ":" in name:
            raise ReadError(problem("unreadable", reason=f"{filename}: unsafe entry name {name!r}"))
        total += info.file_size
        if info.file_size > limits.max_uncompressed or total > limits.max_uncompressed:
            raise ReadError(problem("unreadable", reason=f"{filename}: more than {limits.max_uncompressed} "
                                                         f"bytes uncompressed"))
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ReadError(problem("unreadable", reason=f"{filename}: entry {name!r} is compressed more than "
                                                         f"{limits.max_ratio:.0f} times (a zip bomb?)"))


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str, limits: Limits) -> bytes:
    # Never trust the sizes in the header: read at most the limit plus one byte.
    with zf.open(info) as fh:
        data = fh.read(limits.max_uncompressed + 1)
    if len(data) > limits.max_uncompressed:
        raise ReadError(problem("unreadable", reason=f"{filename}: entry {info.filename!r} is too large"))
    return data


def _template_name(name: str) -> str:
    return name.strip().lower()


def _from_csv_files(files: dict[str, bytes], name: str, limits: Limits) -> Workbook:
    wb = Workbook("csv", name, files=dict(files))
    for fname, data in files.items():
        tname = _template_name(PurePosixPath(fname).stem)
        if tname not in BY_NAME:
            wb.problems.append(problem("unknown_template", WARNING, template=fname, name=fname,
                                       names=", ".join(ORDER)))
            continue
        if tname in wb.tables:
            wb.problems.append(problem("duplicate_template", ERROR, template=tname))
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            wb.problems.append(problem("not_utf8", ERROR, template=tname))
            continue
        rows = list(csv.reader(io.StringIO(text, newline="")))
        wb.tables[tname] = _table(tname, fname, rows, wb.problems, limits)
    return wb


def _from_xlsx(data: bytes, filename: str, limits: Limits) -> Workbook:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise ReadError(problem("unreadable", reason=f"{filename}: not a readable XLSX workbook ({e})")) from None
    wb = Workbook("xlsx", filename, xlsx=data)
    try:
        for ws in book.worksheets:
            tname = _template_name(ws.title)
            if tname in HELPER_SHEETS:
                continue
            if tname not in BY_NAME:
                wb.problems.append(problem("unknown_template", WARNING, template=ws.title, name=ws.title,
                                           names=", ".join(ORDER)))
                continue
            if tname in wb.tables:
                wb.problems.append(problem("duplicate_template", ERROR, template=tname))
                continue
            rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
            wb.tables[tname] = _table(tname, ws.title, rows, wb.problems, limits)
    finally:
        book.close()
    return wb


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _table(tname: str, source: str, rows: list[list[str]], problems: list[Problem], limits: Limits) -> Table:
    template = BY_NAME[tname]
    if not rows or not any(c.strip() for c in rows[0]):
        problems.append(problem("empty_template", ERROR, template=tname, row=1))
        return Table(tname, source, [])
    header = [h.strip() for h in rows[0]]
    if len(header) == 1 and ";" in header[0] and "," not in header[0]:
        problems.append(problem("unreadable", ERROR, template=tname, row=1,
                                reason="the columns are separated by ';'; save as CSV with commas "
                                       "(CSV UTF-8, comma-delimited) / de kolommen zijn gescheiden door ';'"))
        return Table(tname, source, header)
    while header and not header[-1]:
        header.pop()
    seen: set[str] = set()
    known = set(template.column_names)
    for h in header:
        if h in seen and h:
            problems.append(problem("duplicate_column", ERROR, template=tname, row=1, column=h))
        seen.add(h)
        if h and h not in known:
            problems.append(problem("unknown_column", INFO, template=tname, row=1, column=h))
    for c in template.column_names:
        if c not in seen:
            problems.append(problem("missing_column", ERROR, template=tname, row=1, column=c,
                                    columns=", ".join(template.column_names)))
    table = Table(tname, source, header)
    if len(rows) - 1 > limits.max_rows:
        problems.append(problem("too_many_rows", ERROR, template=tname, limit=limits.max_rows))
        return table
    for i, raw in enumerate(rows[1:], start=2):
        cells = {h: (raw[j].strip() if j < len(raw) and raw[j] is not None else "")
                 for j, h in enumerate(header) if h in known}
        if any(cells.values()):
            table.rows.append(Row(i, cells))
    return table
