"""Reading filled templates: a folder of CSV files, an XLSX workbook, or a zip of CSV files.

Everything becomes a `Workbook` of `Table`s with cells as text: XLSX dates
become `YYYY-MM-DD`, whole numbers lose their `.0` (and the cell remembers it
was a number: `Row.typed`). Row numbers are the spreadsheet's (header = row
1); blank rows are skipped but keep the numbering.

CSV files are read as people save them (docs/ingest.md, "What is accepted"):

- encoding: UTF-8 (with or without BOM) strictly first; else Windows-1252 if
  every byte is defined there and the text has no control characters; else
  the file is refused once, with the fix. UTF-8 is never read as
  Windows-1252. Anything but plain UTF-8 is said in an `info` problem;
- separator: `,`, `;` or tab, whichever gives the template's column names in
  row 1; a row 1 without any column name is a `no_header` problem for the file;
- a cell longer than Excel's 32,767 characters stops the file there (usually
  a quote that is never closed), at its row and column.

A file that cannot be read is one problem for that file (template, no row),
sorted to the top; its template is in `Workbook.unreadable`, so that the
mapping leaves out the follow-on errors (codes that file would have defined).

Bounded work: rows are counted before they are stored (CSV: lines, then
records; XLSX: the `<row>` elements of every sheet) and an upload with more
than `Limits.max_rows` rows is refused at once (`ReadError`). Zip containers
(a zip of CSVs, and XLSX) are checked before anything is decompressed
(entries, sizes, compression ratio, names) and read with at most the limit
(never trusting the sizes they state); damaged entries (bad CRC) are refused.
An XLSX is scanned before openpyxl sees it: any XML part with a DOCTYPE or
ENTITY (XXE, billion laughs) or another encoding than UTF-8/UTF-16, macros
(`vbaProject.bin`) and links to other workbooks (`externalLinks`) are refused.
Nothing is ever extracted to disk. Every bad input ends as a `ReadError` or a
problem with a Dutch and an English message, never another exception.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.parsers import expat

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from kg.ingest.cells import float_text
from kg.ingest.problems import ERROR, INFO, WARNING, Problem, problem
from kg.ingest.templates import BY_NAME, ORDER, TEXT
from kg.text import BilingualError, Strings, Text

# Sheets the XLSX template and the annotated copy add; not data.
HELPER_SHEETS = {"uitleg", "explanation", "uitleg-explanation", "lijsten", "lists", "problemen", "problems",
                 "problemen-problems", "lijsten-lists"}

EXCEL_MAX_ROWS = 1_048_576
UTF8, UTF8_BOM, CP1252 = "UTF-8", "UTF-8 + BOM", "Windows-1252"
CODECS = {UTF8: "utf-8", UTF8_BOM: "utf-8-sig", CP1252: "cp1252"}
SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = Strings({",": Text(nl="komma's", en="commas"), ";": Text(nl="puntkomma's", en="semicolons"),
                           "\t": Text(nl="tabs", en="tabs")})
# Error values Excel writes into cells (and, in a Dutch Excel, into CSV files in Dutch).
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                          "#DEEL/0!", "#WAARDE!", "#VERW!", "#NAAM?", "#GETAL!", "#N/B", "#LEEG!"})
# A writer neutralises a cell starting with one of these by putting one "'" before it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
_LOST = re.compile(r"[^\W\d_]\?[^\W\d_]")  # '?' inside a word: a character cp1252 could not hold
# Runs of characters Windows-1252 has in 0x80-0xFF: UTF-8 bytes once read as Windows-1252 look like this.
_MOJIBAKE = re.compile("[\u00a0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                       "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{2,}")
_EMPTY_ROW = re.compile(rb"<row\s[^>]*/>")  # a row without cells
_PREFIXED_ROW = re.compile(rb"<[A-Za-z_][\w.-]*:row(?:\s[^>]*)?(?<!/)>")
_DTD = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")


@dataclass(frozen=True)
class Limits:
    max_entries: int = 200
    max_uncompressed: int = 100 * 1024 * 1024  # all entries of a zip (or xlsx) together
    max_ratio: float = 200.0
    max_rows: int = 500_000  # rows of all files (CSV) or all sheets (XLSX) together
    max_cell: int = 32_767  # characters in one cell: Excel's own limit


@dataclass
class Row:
    number: int
    cells: dict[str, str]
    typed: frozenset[str] = frozenset()  # columns whose XLSX cell was a number (unambiguous, not text)
    reported: frozenset[str] = frozenset()  # columns already reported while reading: not mapped again


@dataclass
class Table:
    name: str  # the template name
    source: str  # file or sheet name as given
    header: list[str]
    rows: list[Row] = field(default_factory=list)
    encoding: str | None = None  # CSV: UTF8, UTF8_BOM or CP1252
    separator: str | None = None  # CSV: ",", ";" or "\t"


@dataclass
class Workbook:
    kind: str  # "csv" (a folder or a zip of CSV files) or "xlsx"
    name: str
    tables: dict[str, Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # CSV: file name -> bytes, for the annotated copy
    xlsx: bytes | None = None
    unreadable: set[str] = field(default_factory=set)  # templates (partly) unreadable: their codes may be missing
    date1904: bool = False  # XLSX: serial numbers count from 1904-01-01 (old Mac Excel)


class ReadError(BilingualError):
    """The input cannot be read at all (not a folder, workbook or zip, damaged, unsafe, too big)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.text)
        self.problem = problem


def unreadable(file: str, why: Text, **where: object) -> ReadError:
    """A ReadError naming `file` and saying why."""
    return ReadError(problem("unreadable", ERROR, **where, file=file, why=why))


# --- entry points ----------------------------------------------------------------------------------

def read_path(path: Path | str, limits: Limits = Limits()) -> Workbook:
    """A folder of CSV files, an .xlsx workbook, a .zip of CSV files or one .csv file."""
    path = Path(path)
    if path.is_dir():
        try:
            files = {p.name: p.read_bytes() for p in sorted(path.iterdir())
                     if p.is_file() and p.suffix.lower() == ".csv" and not p.name.startswith((".", "_"))}
        except OSError as e:
            raise unreadable(path.name, Text(nl=f"de map kan niet gelezen worden ({e.strerror})",
                                             en=f"the folder cannot be read ({e.strerror})")) from None
        return _from_csv_files(files, path.name, limits)
    if not path.is_file():
        raise unreadable(str(path), Text(nl="bestand of map bestaat niet", en="no such file or folder"))
    try:
        data = path.read_bytes()
    except OSError as e:
        raise unreadable(path.name, Text(nl=f"het bestand kan niet gelezen worden ({e.strerror})",
                                         en=f"the file cannot be read ({e.strerror})")) from None
    return read_bytes(data, path.name, limits)


def read_bytes(data: bytes, filename: str, limits: Limits = Limits()) -> Workbook:
    """An uploaded .xlsx workbook or .zip of CSV files (or one .csv file)."""
    name = PurePosixPath(filename).name or "upload"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".csv":
        return _from_csv_files({name: data}, name, limits)
    if suffix not in (".xlsx", ".zip"):
        raise unreadable(name, Text(nl="verwacht een Excel-werkmap (.xlsx), een zip met CSV-bestanden of een map met "
                                       "CSV-bestanden",
                                    en="expected an .xlsx workbook, a .zip of CSV files or a folder of "
                                       "CSV files"))
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise unreadable(name, Text(
            nl="dit is een oud Excel-bestand (.xls) of een werkmap met een wachtwoord; sla het op "
               "als Excel-werkmap (.xlsx) zonder wachtwoord",
            en="this is an old Excel file (.xls) or a password-protected workbook; save it as an Excel "
               "workbook (.xlsx) without a password"))
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as e:  # zipfile raises several kinds for a file that is no zip
        raise unreadable(name, Text(nl=f"geen geldig {suffix[1:]}-bestand ({e})",
                                    en=f"not a valid {suffix[1:]} file ({e})")) from None
    with zf:
        _check_zip(zf, name, limits)
        if suffix == ".xlsx":
            return _from_xlsx(zf, data, name, limits)
        files: dict[str, bytes] = {}
        budget = [limits.max_uncompressed]
        for info in zf.infolist():
            entry = PurePosixPath(info.filename)
            if info.is_dir() or entry.name.startswith((".", "_")) or "__MACOSX" in entry.parts:
                continue
            if entry.suffix.lower() != ".csv":
                continue
            if entry.name in files:
                raise unreadable(name, Text(nl=f"twee bestanden heten {entry.name}",
                                            en=f"two files are named {entry.name}"))
            files[entry.name] = b"".join(_entry_chunks(zf, info, name, budget))
        return _from_csv_files(files, name, limits)


# --- zip containers ----------------------------------------------------------------------------------

def _check_zip(zf: zipfile.ZipFile, filename: str, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise unreadable(filename, Text(nl=f"{len(infos)} onderdelen, hoogstens {limits.max_entries} toegestaan",
                                        en=f"{len(infos)} entries, at most {limits.max_entries} allowed"))
    total = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name).parts
        if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or ":" in name:
            raise unreadable(filename, Text(nl=f"onveilige naam in de zip: {name!r}", en=f"unsafe entry name {name!r}"))
        total += info.file_size
        if info.file_size > limits.max_uncompressed or total > limits.max_uncompressed:
            raise unreadable(filename, Text(nl=f"uitgepakt meer dan {limits.max_uncompressed} bytes",
                                            en=f"more than {limits.max_uncompressed} bytes uncompressed"))
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise unreadable(filename, Text(
                nl=f"onderdeel {name!r} is meer dan {limits.max_ratio:.0f} keer "
                   f"samengeperst (een zip-bom?)",
                en=f"entry {name!r} is compressed more than {limits.max_ratio:.0f} times (a zip bomb?)"))


def _entry_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str, budget: list[int],
                  size: int = 1024 * 1024) -> Iterator[bytes]:
    """An entry's bytes in chunks, never more than what is left of `budget` (the sizes a zip states
    may lie); a damaged entry (bad CRC, broken compression) is a ReadError."""
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(min(size, budget[0] + 1)):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise unreadable(filename, Text(nl="uitgepakt groter dan toegestaan (de zip geeft verkeerde "
                                                       "groottes op)",
                                                    en="larger uncompressed than allowed (the zip states "
                                                       "wrong sizes)"))
                yield chunk
    except ReadError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as e:
        raise unreadable(filename, Text(
            nl=f"onderdeel {info.filename!r} is beschadigd ({e}); sla het bestand opnieuw op",
            en=f"entry {info.filename!r} is damaged ({e}); save the file again")) from None


# --- CSV ------------------------------------------------------------------------------------------------

class NotText(BilingualError):
    """A CSV file that is not text in an encoding we read; `text` says why."""


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV file: UTF8, UTF8_BOM or CP1252; NotText if it is none of them."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NotText(Text(nl="het is UTF-16 (Excel: 'Unicode-tekst')", en="it is UTF-16 (Excel: 'Unicode text')"))
    if data.startswith(b"PK\x03\x04"):
        raise NotText(Text(nl="het is een Excel-werkmap of zip; geef het de naam .xlsx of .zip",
                           en="it is an Excel workbook or a zip; name it .xlsx or .zip"))
    bom = data.startswith(b"\xef\xbb\xbf")
    encoding = UTF8_BOM if bom else UTF8
    try:
        text = data.decode(CODECS[encoding])
    except UnicodeDecodeError:
        encoding = CP1252
        try:
            text = data[3 if bom else 0:].decode("cp1252")
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise NotText(Text(nl=f"byte 0x{data[e.start]:02X} op regel {line} bestaat in geen van beide",
                               en=f"byte 0x{data[e.start]:02X} on line {line} exists in neither")) from None
    if m := _CONTROL.search(text):
        line = text.count("\n", 0, m.start()) + 1
        raise NotText(Text(nl=f"het bevat stuurtekens (0x{ord(m[0]):02X} op regel {line}): het is geen tekst",
                           en=f"it holds control characters (0x{ord(m[0]):02X} on line {line}): it is not text"))
    return text, encoding


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their ends (\\n, \\r\\n or \\r), lazily, for csv.reader."""
    return (m[0] for m in _LINE.finditer(text))


def sniff_separator(text: str, template: str) -> str | None:
    """The separator (`,` `;` tab) that splits row 1 into the most column names of `template`."""
    first = next(_lines(text), "")
    known = set(BY_NAME[template].column_names)
    best, score = None, 0
    for sep in SEPARATORS:
        cells = next(csv.reader([first], delimiter=sep), [])
        n = sum(c.strip() in known for c in cells)
        if n > score:
            best, score = sep, n
    return best


def csv_as_read(wb: Workbook, file: str) -> tuple[str, str, str] | None:
    """(text, separator, encoding) of a CSV file of `wb` as it was read, or None if it was not."""
    table = next((t for t in wb.tables.values() if t.source == file), None)
    if table is None or table.encoding is None or file not in wb.files:
        return None
    data = wb.files[file]
    if table.encoding == CP1252 and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode(CODECS[table.encoding]), table.separator or ",", table.encoding


def _count_records(text: str, sep: str, stop: int) -> int:
    """CSV records holding anything, counted without keeping them; stops past `stop`."""
    n = 0
    try:
        for rec in csv.reader(_lines(text), delimiter=sep):
            if any(c.strip() for c in rec):
                n += 1
                if n > stop:
                    break
    except csv.Error:
        pass  # reported where the rows are read
    return n


def _widen_csv_field_limit(limits: Limits) -> None:
    # The csv module stops at 131,072 characters with an error that names no cell; a long cell is
    # reported at its row and column instead (Limits.max_cell). Only ever raised, never lowered.
    if csv.field_size_limit() < limits.max_uncompressed:
        csv.field_size_limit(limits.max_uncompressed)


def _from_csv_files(files: dict[str, bytes], name: str, limits: Limits) -> Workbook:
    wb = Workbook("csv", name, files=dict(files))
    _widen_csv_field_limit(limits)
    texts: list[tuple[str, str, str, str, str]] = []  # (template, file, text, encoding, separator)
    for fname, data in files.items():
        tname = _template_name(PurePosixPath(fname).stem)
        if tname not in BY_NAME:
            wb.problems.append(problem("unknown_template", WARNING, template=fname, name=fname,
                                       names=", ".join(ORDER)))
            continue
        if tname in wb.unreadable or any(t[0] == tname for t in texts):
            wb.problems.append(problem("duplicate_template", ERROR, template=tname))
            continue
        try:
            text, encoding = decode_text(data)
        except NotText as e:
            wb.problems.append(problem("not_text", ERROR, template=tname, file=fname, why=e.text))
            wb.unreadable.add(tname)
            continue
        if not text.strip():
            texts.append((tname, fname, text, encoding, ","))
            continue
        sep = sniff_separator(text, tname)
        if sep is None:
            first = next(csv.reader([next(_lines(text), "")]), [])
            found = ", ".join(repr(c.strip()[:40]) for c in first[:5] if c.strip()) or "-"
            wb.problems.append(problem("no_header", ERROR, template=tname, row=1, file=fname, found=found,
                                       columns=", ".join(BY_NAME[tname].column_names)))
            wb.unreadable.add(tname)
            continue
        texts.append((tname, fname, text, encoding, sep))
    # Refuse too many rows before storing any: lines are an upper bound on records.
    if sum(max(t[2].count("\n"), t[2].count("\r")) for t in texts) > limits.max_rows:
        total = 0
        for _tname, _fname, text, _, sep in texts:
            total += max(0, _count_records(text, sep, limits.max_rows - total + 1) - 1)  # minus the header
            if total > limits.max_rows:
                raise _too_many_rows(name, limits)
    formats: dict[tuple[str, str | None], list[str]] = {}
    count = [0]
    for tname, fname, text, encoding, sep in texts:
        ascii_only = text.isascii()
        builder = _Builder(wb, tname, fname, limits, count, encoding, sep)
        # A '?' may be a character a Windows-1252 file could not hold: only where UTF-8 is not proven.
        builder.lossy = encoding == CP1252 or ascii_only
        builder.read(_csv_rows(csv.reader(_lines(text), delimiter=sep, strict=True), builder))
        formats.setdefault((sep, None if ascii_only else encoding), []).append(fname)
    _format_notes(wb, formats)
    return wb


def _csv_rows(reader: Iterator[list[str]], builder: _Builder) -> Iterator[Sequence[object]]:
    try:
        yield from reader
    except csv.Error as e:
        builder.broken(str(e))


def _format_notes(wb: Workbook, formats: dict[tuple[str, str | None], list[str]]) -> None:
    """Say which separator and encoding were used where it is not the contract's (UTF-8, commas):
    one info problem per way of writing. An ASCII-only file reads the same in any of the
    encodings; it joins the files with the same separator when they agree on one encoding."""
    for sep in dict.fromkeys(s for s, _ in formats):
        encodings = [e for s, e in formats if s == sep and e is not None]
        groups = {e: list(formats.get((sep, e), [])) for e in encodings} or {UTF8: []}
        first = next(iter(groups))
        if len(groups) == 1:
            groups[first] = formats.get((sep, None), []) + groups[first]
        elif (sep, None) in formats:
            groups[UTF8] = formats[(sep, None)] + groups.get(UTF8, [])
        for encoding, names in groups.items():
            if names and (encoding == CP1252 or sep != ","):
                _format_note(wb, sorted(names), encoding, sep)


def _format_note(wb: Workbook, names: list[str], encoding: str, sep: str) -> None:
    """One info problem for files read the same way: which separator and encoding (never silent)."""
    note = Text(nl="", en="")
    if encoding == CP1252:
        note = Text(nl=" Windows-1252 kent niet alle tekens (zoals ĳ); sla "
                       "voortaan op als 'CSV UTF-8' of als Excel-werkmap (.xlsx).",
                    en=" Windows-1252 cannot hold every character (such as ĳ); save as 'CSV UTF-8' or as an Excel "
                       "workbook (.xlsx) from now on.")
    template = _template_name(PurePosixPath(names[0]).stem) if len(names) == 1 else None
    wb.problems.append(problem("csv_format", INFO, template=template, file=", ".join(names),
                               separator=SEPARATOR_NAMES[sep], encoding=encoding, note=note))


def _too_many_rows(file: str, limits: Limits) -> ReadError:
    return ReadError(problem("too_many_rows", ERROR, file=file,
                             limit=Text(nl=f"{limits.max_rows:,}".replace(",", "."), en=f"{limits.max_rows:,}")))


def _template_name(name: str) -> str:
    return name.strip().lower()


# --- rows into tables (CSV and XLSX alike) -------------------------------------------------------------------

_INTERNED: dict[frozenset[str], frozenset[str]] = {}


def _intern(columns: set[str]) -> frozenset[str]:
    fs = frozenset(columns)
    return _INTERNED.setdefault(fs, fs) if len(_INTERNED) < 4096 else fs


class _Builder:
    """Header and rows of one template into a Table: checks every cell on the way in."""

    def __init__(self, wb: Workbook, tname: str, source: str, limits: Limits, count: list[int],
                 encoding: str | None = None, separator: str | None = None):
        self.wb, self.tname, self.source, self.limits, self.count = wb, tname, source, limits, count
        self.template = BY_NAME[tname]
        self.known = set(self.template.column_names)
        self.text_columns = {c.name for c in self.template.columns if c.kind == TEXT}
        self.table = Table(tname, source, [], encoding=encoding, separator=separator)
        self.columns: list[tuple[int, str]] = []  # (position, column) of the template's columns
        self.row_number = 1
        self.stopped = False
        self.lossy = False  # CSV not proven UTF-8: a '?' in a word may be a lost character
        wb.tables[tname] = self.table

    def problem(self, code: str, severity: str = ERROR, row: int | None = None, column: str | None = None,
                value: object = None, **params: object) -> None:
        self.wb.problems.append(problem(code, severity, self.tname, row, column, value, **params))

    def read(self, rows: Iterable[Sequence[object]]) -> None:
        it = iter(rows)
        first = next(it, None)
        if first is None:
            self.problem("empty_template", ERROR, row=1)
            return
        if not self.header(first):
            return
        for number, raw in enumerate(it, start=2):
            if self.stopped:
                break
            self.row(number, raw)

    def header(self, raw: Sequence[object]) -> bool:
        header = [_text(v).strip() for v in raw]
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:].strip()
        while header and not header[-1]:
            header.pop()
        if not header:
            self.problem("empty_template", ERROR, row=1)
            return False
        if not self.known & set(header):
            found = ", ".join(repr(h[:40]) for h in header[:5] if h) or "-"
            self.problem("no_header", ERROR, row=1, file=self.source, found=found,
                         columns=", ".join(self.template.column_names))
            self.wb.unreadable.add(self.tname)
            self.table.header = header
            return False
        seen: set[str] = set()
        for h in header:
            if h in seen and h:
                self.problem("duplicate_column", ERROR, row=1, column=h)
            seen.add(h)
            if h and h not in self.known:
                self.problem("unknown_column", INFO, row=1, column=h)
        for col in self.template.columns:
            c = col.name
            if c not in seen and not col.header_optional:
                self.problem("missing_column", ERROR, row=1, column=c, columns=", ".join(self.template.column_names))
        self.table.header = header
        positions = {h: j for j, h in enumerate(header) if h in self.known}  # the last of a duplicate wins
        self.columns = sorted((j, h) for h, j in positions.items())
        return True

    @property
    def width(self) -> int:
        return self.columns[-1][0] + 1 if self.columns else 0

    def broken(self, why: str) -> None:
        """The CSV reader gave up (csv.Error) after the last row read."""
        self.problem("csv_broken", ERROR, row=self.row_number + 1, file=self.source, why=why)
        self.wb.unreadable.add(self.tname)

    def row(self, number: int, raw: Sequence[object]) -> None:
        self.row_number = number
        cells: dict[str, str] = {}
        typed: set[str] = set()
        reported: set[str] = set()
        for j, column in self.columns:
            v = raw[j] if j < len(raw) else None
            if v is None or v == "":
                cells[column] = ""
                continue
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                typed.add(column)
            text = _text(v)
            if len(text) > self.limits.max_cell:
                self.too_long(number, column, text)
                if self.stopped:
                    return
                reported.add(column)
                cells[column] = text[:40] + "..."
                continue
            if text[:1] == "'" and text[1:2] and text[1:2] in FORMULA_START:
                text = text[1:]  # the writer's protection against formulas (see docs/ingest.md)
            text = text.strip()
            cells[column] = text
            if text.startswith("#") and text.upper() in EXCEL_ERRORS:
                self.problem("excel_error", ERROR, number, column, text)
                reported.add(column)
            elif column in self.text_columns and (not text.isascii() or "?" in text):
                self.check_text(number, column, text)
        if not any(cells.values()):
            return
        self.count[0] += 1
        if self.count[0] > self.limits.max_rows:
            raise _too_many_rows(self.wb.name, self.limits)
        self.table.rows.append(Row(number, cells, _intern(typed) if typed else frozenset(),
                                   _intern(reported) if reported else frozenset()))

    def too_long(self, number: int, column: str, text: str) -> None:
        if self.wb.kind == "csv":
            self.problem("cell_too_long", ERROR, number, column, text[:40] + "...", limit=self.limits.max_cell,
                         rest=Text(
                             nl=f" Waarschijnlijk staat er een aanhalingsteken (\") dat nergens wordt gesloten; "
                                f"de rest van {self.source} is niet gelezen.",
                             en=f" Probably a quote (\") is never closed; the rest of {self.source} was not read."))
            self.wb.unreadable.add(self.tname)
            self.stopped = True
        else:
            self.problem("cell_too_long", ERROR, number, column, text[:40] + "...", limit=self.limits.max_cell,
                         rest=Text(nl="", en=""))

    def check_text(self, number: int, column: str, text: str) -> None:
        """Free text: garbled characters (mojibake) anywhere, '?' for a lost character in Windows-1252."""
        if column not in self.text_columns:
            return
        for m in _MOJIBAKE.finditer(text):
            try:
                fixed = m[0].encode("cp1252").decode("utf-8")
            except UnicodeError:
                continue
            if fixed != m[0]:
                self.problem("mojibake", ERROR, number, column, text, found=m[0], fixed=fixed)
                return
        if self.lossy and _LOST.search(text):
            self.problem("lost_character", ERROR, number, column, text)


def _text(v: object) -> str:
    """A cell value as text: XLSX dates as ISO dates, whole numbers without '.0'."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return float_text(v)
    return str(v)


# --- XLSX ---------------------------------------------------------------------------------------------------

def _scan_xlsx(zf: zipfile.ZipFile, filename: str, limits: Limits) -> None:
    """Read every part once (bounded, CRC checked) before openpyxl does: refuse DTDs, other encodings,
    macros and external links; count the rows of all sheets."""
    budget = [limits.max_uncompressed]
    rows = 0
    for info in zf.infolist():
        lower = info.filename.lower()
        if lower.endswith("vbaproject.bin"):
            raise unreadable(filename, Text(nl="de werkmap bevat macro's; sla haar op als Excel-werkmap (.xlsx) zonder "
                                               "macro's",
                                            en="the workbook holds macros; save it as an Excel workbook (.xlsx) "
                                               "without macros"))
        if lower.startswith("xl/externallinks/"):
            raise unreadable(filename, Text(
                nl="de werkmap haalt waarden uit andere werkmappen (externe koppelingen); die "
                   "kunnen verouderd zijn en zijn niet te controleren. Verbreek de koppelingen "
                   "(Gegevens > Koppelingen bewerken > Koppeling verbreken) en sla opnieuw op",
                en="the workbook takes values from other workbooks (external links), which may be out "
                   "of date and cannot be checked. Break the links (Data > Edit Links > Break Link) and "
                   "save again"))
        carry = b""
        wide = None
        xml = _xml_checker(info.filename) if lower.endswith((".xml", ".rels")) else None
        for chunk in _entry_chunks(zf, info, filename, budget):
            raw = chunk
            if wide is None:
                head = chunk[:512]
                wide = head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]
                m = _XML_ENCODING.match(head.lstrip(b"\xef\xbb\xbf \t\r\n"))
                if m and m[1].lower().replace(b"_", b"-") not in (b"utf-8", b"utf8", b"utf-16", b"utf16"):
                    raise unreadable(filename, Text(
                        nl=f"onderdeel {info.filename!r} gebruikt tekenset "
                           f"{m[1].decode('ascii')}; Excel gebruikt UTF-8",
                        en=f"part {info.filename!r} uses character set {m[1].decode('ascii')}; Excel "
                           f"uses UTF-8"))
            if wide:
                chunk = chunk.replace(b"\x00", b"")
            buf = carry + chunk
            cut = buf.rfind(b"<")
            if cut < 0 or len(buf) - cut > 1024 * 1024:
                cut = len(buf)
            part, carry = buf[:cut], buf[cut:]
            if _DTD.search(part):
                raise _doctype(filename, info.filename)
            rows += _rows_in(part)
            if xml is not None:  # after the DTD scan: the parser never sees a declaration
                xml(raw, False, filename)
        if _DTD.search(carry):
            raise _doctype(filename, info.filename)
        if xml is not None:
            xml(b"", True, filename)
        rows += _rows_in(carry)
        if rows > limits.max_rows:
            raise _too_many_rows(filename, limits)


def _rows_in(xml: bytes) -> int:
    """The `<row>` elements holding cells in a piece of sheet XML (counted, not parsed)."""
    n = sum(xml.count(b"<row" + c) for c in (b" ", b">", b"\t", b"\n", b"\r")) - len(_EMPTY_ROW.findall(xml))
    return n + (len(_PREFIXED_ROW.findall(xml)) if b":row" in xml else 0)


def _xml_checker(part: str):
    """feed(chunk, last, filename): checks that a part is well-formed XML, in chunks (expat; no DTD
    gets here: those are refused first). A damaged part is a ReadError naming it and where."""

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def feed(chunk: bytes, last: bool, filename: str) -> None:
        try:
            parser.Parse(chunk, last)
        except expat.ExpatError as e:
            raise unreadable(filename, Text(
                nl=f"onderdeel {part!r} is beschadigd (geen geldige XML: "
                   f"{expat.ErrorString(e.code)}, regel {e.lineno}); sla de werkmap opnieuw op",
                en=f"part {part!r} is damaged (not well-formed XML: {expat.ErrorString(e.code)}, line "
                   f"{e.lineno}); save the workbook again")) from None

    return feed


def _doctype(filename: str, part: str) -> ReadError:
    return unreadable(filename, Text(
        nl=f"onderdeel {part!r} bevat een DOCTYPE of ENTITY-declaratie; dat doet Excel nooit "
           f"en het kan de server aanvallen (XXE, 'billion laughs'). Sla de werkmap opnieuw op "
           f"in Excel of LibreOffice",
        en=f"part {part!r} holds a DOCTYPE or ENTITY declaration; Excel never writes one and it can "
           f"attack the server (XXE, 'billion laughs'). Save the workbook again in Excel or LibreOffice"))


def _from_xlsx(zf: zipfile.ZipFile, data: bytes, filename: str, limits: Limits) -> Workbook:

    _scan_xlsx(zf, filename, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise unreadable(filename, Text(nl=f"geen leesbare Excel-werkmap ({type(e).__name__}: {e})",
                                        en=f"not a readable XLSX workbook ({type(e).__name__}: {e})")) from None
    wb = Workbook("xlsx", filename, xlsx=data, date1904=book.epoch == CALENDAR_MAC_1904)
    count = [0]
    sheet, row = "", 0
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
            sheet, row = ws.title, 1
            ws.reset_dimensions()  # never trust the size a sheet states
            builder = _Builder(wb, tname, ws.title, limits, count)
            header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), None)
            if header is None or not builder.header(header):
                if header is None:
                    builder.problem("empty_template", ERROR, row=1)
                continue
            if not builder.width:
                continue
            for row, raw in enumerate(ws.iter_rows(min_row=2, max_col=builder.width, values_only=True), start=2):
                if row > EXCEL_MAX_ROWS:
                    raise unreadable(filename, Text(nl=f"werkblad {ws.title!r} heeft rijen na de laatste rij van Excel "
                                                       f"({EXCEL_MAX_ROWS})",
                                                    en=f"sheet {ws.title!r} has rows after Excel's "
                                                       f"last row ({EXCEL_MAX_ROWS})"))
                if raw.count(None) < len(raw):  # not a blank row (openpyxl fills gaps with them)
                    builder.row(row, raw)
    except ReadError:
        raise
    except Exception as e:  # a damaged sheet: openpyxl (or its XML parser) gives up halfway
        raise unreadable(filename, Text(
            nl=f"werkblad {sheet!r} is na rij {row} niet te lezen ({type(e).__name__}: {e})",
            en=f"sheet {sheet!r} cannot be read after row {row} ({type(e).__name__}: {e})")) from None
    finally:
        book.close()
    return wb
