"""Reading one cell's text the way people write it: dates, numbers, web addresses, codes.

Pure functions, no state: `kg.ingest.read` and `kg.ingest.mapping` decide
what to report. Every reading is exact or refused; nothing is guessed:

- dates: ISO `2024-09-01`, day first `01-09-2024`, `1-9-2024`, `01/09/2024`,
  and Excel serial numbers (days since 1899-12-30) in a plausible range;
- numbers: Dutch (`2.500`, `1,5`, `2.500,75`) and English (`2,500`, `1.5`,
  `2,500.75`) notation. A value that reads differently in the two
  (`2.500`, `1,000`) is *ambiguous*: the caller decides with the evidence of
  the whole file (`notation_evidence`) or reports it;
- IRIs: what Oxigraph accepts as an IRI, else None (never an exception);
- codes that give away a name (`name_in_code`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import pyoxigraph as ox

DUTCH, ENGLISH = "nl", "en"

# --- dates ---------------------------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_FIRST = re.compile(r"(\d{1,2})([-/])(\d{1,2})\2(\d{4})")
_SERIAL = re.compile(r"\d{1,6}")
# Excel serial numbers accepted in a date column: 1950-01-01 .. 2100-12-31. Smaller numbers are
# more likely a year or a count than a date (2024 would be 1905-07-16), so they are not dates.
SERIAL_RANGE = (18264, 73415)
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0 in the 1900 date system (after the 1900-02-29 bug)
EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)


class DateReading(NamedTuple):
    date: dt.date | None  # None: not a (real) date
    serial: bool = False  # read from an Excel serial number


def excel_serial_date(serial: int, date1904: bool = False) -> dt.date | None:
    """The date an Excel serial number stands for; None for 60 in the 1900 system (1900-02-29,
    a day Excel counts that never was) and for numbers outside Excel's range."""
    if date1904:
        return EXCEL_EPOCH_1904 + dt.timedelta(days=serial) if 0 <= serial <= 2957003 else None
    if serial == 60 or not 1 <= serial <= 2958465:
        return None
    # Before the phantom 1900-02-29, serial 1 is 1900-01-01: one day later than the epoch says.
    return EXCEL_EPOCH + dt.timedelta(days=serial + (1 if serial < 60 else 0))


def parse_date(text: str, date1904: bool = False) -> DateReading:
    """A date cell: ISO, day-month-year (`-` or `/`, the year in full) or an Excel serial number."""
    try:
        if m := _ISO.fullmatch(text):
            return DateReading(dt.date(int(m[1]), int(m[2]), int(m[3])))
        if m := _DAY_FIRST.fullmatch(text):
            return DateReading(dt.date(int(m[4]), int(m[3]), int(m[1])))
    except ValueError:  # 31-02-2024: the form is right, the date does not exist
        return DateReading(None)
    if _SERIAL.fullmatch(text) and SERIAL_RANGE[0] <= int(text) <= SERIAL_RANGE[1]:
        return DateReading(excel_serial_date(int(text), date1904), True)
    return DateReading(None)


# --- numbers -------------------------------------------------------------------------------------

_PATTERNS = {
    # (thousands mark, decimal mark): the whole-number part is plain digits or grouped by three
    DUTCH: re.compile(r"([0-9]+|[1-9][0-9]{0,2}(?:\.[0-9]{3})+)(?:,([0-9]+))?"),
    ENGLISH: re.compile(r"([0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.([0-9]+))?"),
}
GROUPING = {".": DUTCH, ",": ENGLISH}  # the notation in which a mark separates thousands


class Number(NamedTuple):
    value: Decimal
    fraction: bool  # written with a decimal part (2,0 is not a whole number as written)


class NumberReading(NamedTuple):
    """The readings of a number cell: `nl` and `en` (None where that notation cannot read it)."""

    nl: Number | None
    en: Number | None

    @property
    def bad(self) -> bool:
        return self.nl is None and self.en is None

    @property
    def ambiguous(self) -> bool:
        return self.nl is not None and self.en is not None and self.nl != self.en

    @property
    def evidence(self) -> str | None:
        """The notation this value shows the file uses (one reading only, and a mark in it)."""
        if (self.nl is None) != (self.en is None):
            return DUTCH if self.nl is not None else ENGLISH
        return None


MAX_DIGITS = 40


def _read(text: str, notation: str) -> Number | None:
    m = _PATTERNS[notation].fullmatch(text) if len(text) <= MAX_DIGITS else None
    if m is None:
        return None
    whole = m[1].replace("." if notation == DUTCH else ",", "")
    return Number(Decimal(whole + ("." + m[2] if m[2] else "")), m[2] is not None)


def read_number(text: str) -> NumberReading:
    """`text` (0 or more, no sign) in Dutch and in English notation."""
    return NumberReading(_read(text, DUTCH), _read(text, ENGLISH))


def plain(d: Decimal) -> str:
    """A number exactly, without thousands separators or trailing zeros: '2500', '2.5'."""
    s = format(d, "f")  # exact: no rounding to the context's precision
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def decimal_text(d: Decimal) -> str:
    """A canonical xsd:decimal lexical form: '2500.0', '0.5'."""
    s = plain(d)
    return s if "." in s else s + ".0"


def float_text(v: float) -> str:
    """An XLSX number cell as text: whole numbers without '.0', others in full ('0.00001', not '1e-05')."""
    if v != v or v in (float("inf"), float("-inf")):
        return str(v)
    if v.is_integer():
        return str(int(v))
    try:
        return format(Decimal(repr(v)), "f")
    except InvalidOperation:  # pragma: no cover - repr of a finite float is always a decimal
        return repr(v)


# --- IRIs ----------------------------------------------------------------------------------------

_WEB_ADDRESS = re.compile(r"(?i)https?://\S*")


def looks_like_iri(text: str) -> bool:
    """Text meant as a web address (http or https)."""
    return _WEB_ADDRESS.fullmatch(text) is not None


def iri_node(text: str) -> ox.NamedNode | None:
    """`text` as an IRI if it is a valid one (Oxigraph's check: no '"', spaces, '<', bad
    percent-escapes, ...), else None. Use it for every cell that may become an IRI."""
    try:
        return ox.NamedNode(text)
    except ValueError:
        return None


# --- codes that give away names -------------------------------------------------------------------

# Name particles: parts of many names, not identifying anyone ("van", "der", ...).
PARTICLES = frozenset({"van", "der", "den", "ter", "ten", "het", "von", "del", "des", "dos", "das", "zum", "zur",
                       "vom", "uit"})
MIN_PART = 3


def _fold(text: str) -> str:
    """Lower case without accents; the ligature ĳ becomes ij."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_in_code(code: str, name: str) -> str | None:
    """The longest part (3+ letters) of a word of `name` that `code` contains, or None.
    Case and accents do not matter; name particles (van, der, ...) as whole words do not count."""
    folded = _fold(code)
    best = ""
    for word in re.findall(r"[^\W\d_]+", _fold(name)):
        if len(word) < MIN_PART or word in PARTICLES:
            continue
        for size in range(len(word), max(MIN_PART, len(best) + 1) - 1, -1):
            hit = next((word[i:i + size] for i in range(len(word) - size + 1) if word[i:i + size] in folded), None)
            if hit:
                best = hit
                break
    return best or None
