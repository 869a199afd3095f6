"""Problems found in an upload, each tied to a template, row and column, in Dutch and English.

Severities: `error` blocks the ingest (nothing is written), `warning` and
`info` are reported and do not block. Row numbers are spreadsheet rows: the
header is row 1. A problem about a whole template has no row; one about a
whole row has no column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)

MESSAGES: dict[str, dict[str, str]] = {
    "unreadable": {"nl": "Kan het bestand niet lezen: {reason}",
                   "en": "Cannot read the file: {reason}"},
    "not_utf8": {"nl": "Het bestand is geen UTF-8-tekst (sla het op als 'CSV UTF-8').",
                 "en": "The file is not UTF-8 text (save it as 'CSV UTF-8')."},
    "no_templates": {"nl": "Geen sjablonen gevonden: verwacht CSV-bestanden of werkbladen met de namen {names}.",
                     "en": "No templates found: expected CSV files or sheets named {names}."},
    "missing_template": {"nl": "Het verplichte sjabloon '{template}' ontbreekt.",
                         "en": "The required template '{template}' is missing."},
    "duplicate_template": {"nl": "Het sjabloon '{template}' staat er twee keer in.",
                           "en": "The template '{template}' is there twice."},
    "unknown_template": {"nl": "'{name}' is geen sjabloon en wordt overgeslagen (sjablonen: {names}).",
                         "en": "'{name}' is not a template and is skipped (templates: {names})."},
    "empty_template": {"nl": "Dit sjabloon heeft geen kopregel.", "en": "This template has no header row."},
    "missing_column": {"nl": "De kolom '{column}' ontbreekt in de kopregel; de kolommen zijn vast: {columns}.",
                       "en": "The column '{column}' is missing from the header; the columns are fixed: {columns}."},
    "duplicate_column": {"nl": "De kolom '{column}' staat twee keer in de kopregel.",
                         "en": "The column '{column}' is in the header twice."},
    "unknown_column": {"nl": "De kolom '{column}' hoort niet bij het sjabloon en wordt genegeerd.",
                       "en": "The column '{column}' is not part of the template and is ignored."},
    "required": {"nl": "Hier is een waarde nodig.", "en": "A value is needed here."},
    "bad_id": {"nl": "Een code bestaat alleen uit letters, cijfers, '-' en '_' (zonder spaties).",
               "en": "A code consists of letters, digits, '-' and '_' only (no spaces)."},
    "duplicate_id": {"nl": "De code '{value}' komt al voor in {other_template}, rij {other_row}; codes zijn uniek in de hele werkmap.",
                     "en": "The code '{value}' is already used in {other_template}, row {other_row}; codes are unique in the whole workbook."},
    "taken_id": {"nl": "De code '{value}' wordt al beschreven door {owners_nl} ({iri}); twee regio's delen nooit een "
                         "IRI. Gebruik een andere code, of verwijs naar die andere met haar volledige IRI.",
                 "en": "The code '{value}' is already described by {owners_en} ({iri}); two regions never share an "
                       "IRI. Use another code, or refer to the other one by its full IRI."},
    "unknown_id": {"nl": "Onbekende code '{value}': die staat in geen enkel sjabloon ({expected}).",
                   "en": "Unknown code '{value}': it is in no template ({expected})."},
    "unknown_iri": {"nl": "'{value}' staat niet in de kennisgraaf: een volledige IRI verwijst naar iets dat een andere "
                          "regio of bron al beschrijft. Gebruik anders een code uit deze werkmap.",
                    "en": "'{value}' is not in the knowledge graph: a full IRI refers to something another region "
                          "or source already describes. Otherwise use a code of this workbook."},
    "wrong_kind": {"nl": "'{value}' is {actual}, maar hier hoort {expected}.",
                   "en": "'{value}' is {actual}, but this needs {expected}."},
    "bad_date": {"nl": "'{value}' is geen datum: schrijf jjjj-mm-dd, bijvoorbeeld 2024-09-01.",
                 "en": "'{value}' is not a date: write yyyy-mm-dd, e.g. 2024-09-01."},
    "bad_year": {"nl": "'{value}' is geen jaartal: schrijf het jaar waarin het schooljaar begint, bijvoorbeeld 2023.",
                 "en": "'{value}' is not a year: write the year in which the school year starts, e.g. 2023."},
    "bad_integer": {"nl": "'{value}' is geen heel getal (0 of meer).", "en": "'{value}' is not a whole number (0 or more)."},
    "bad_decimal": {"nl": "'{value}' is geen getal (0 of meer), bijvoorbeeld 40 of 40.5.",
                    "en": "'{value}' is not a number (0 or more), e.g. 40 or 40.5."},
    "bad_scale": {"nl": "'{value}' is geen heel getal van 1 tot en met 5.", "en": "'{value}' is not a whole number from 1 to 5."},
    "bad_value": {"nl": "'{value}' staat niet in de lijst; kies uit: {choices}.",
                  "en": "'{value}' is not in the list; choose from: {choices}."},
    "unknown_topic": {"nl": "Onbekend thema '{value}'{suggest}. Gebruik een thema uit de themalijst of voeg het toe aan 'topics'.",
                      "en": "Unknown topic '{value}'{suggest}. Use a topic from the list or add it to 'topics'."},
    "ambiguous_topic": {"nl": "'{value}' past bij meer dan één thema: {choices}. Gebruik de code.",
                        "en": "'{value}' matches more than one topic: {choices}. Use the code."},
    "duplicate_row": {"nl": "Deze rij herhaalt rij {other_row}; ze telt één keer mee.",
                      "en": "This row repeats row {other_row}; it counts once."},
    "too_many_rows": {"nl": "Meer dan {limit} rijen; splits de gegevens.", "en": "More than {limit} rows; split the data."},
    "store_changed": {"nl": "De gegevens in de store zijn intussen gewijzigd; controleer opnieuw.",
                      "en": "The data in the store changed in the meantime; check again."},
    "inconsistent": {"nl": "{message}", "en": "{message}"},
}

KIND_NAMES: dict[str, dict[str, str]] = {
    "person": {"nl": "een persoon", "en": "a person"},
    "organisation": {"nl": "een organisatie", "en": "an organisation"},
    "network": {"nl": "een netwerk", "en": "a network"},
    "artefact": {"nl": "een artefact", "en": "an artefact"},
    "covenant": {"nl": "een convenant", "en": "a covenant"},
    "intent": {"nl": "een intentieverklaring", "en": "a letter of intent"},
    "crossing": {"nl": "een grensoverschrijding", "en": "a boundary crossing"},
    "topic": {"nl": "een thema", "en": "a topic"},
    "collective": {"nl": "een netwerk of organisatie", "en": "a network or an organisation"},
    "actor": {"nl": "een persoon, artefact, organisatie of netwerk", "en": "a person, artefact, organisation or network"},
    "thing": {"nl": "iets anders", "en": "something else"},
}


@dataclass(frozen=True)
class Problem:
    """One problem, where it is (template/row/column), the cell's value and the messages."""

    code: str
    severity: str = ERROR
    template: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    messages: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # SHACL or OWL problems: the shape (or "owl") and the node it is about.
    shape: str | None = None
    focus: str | None = None
    graph: str | None = None  # for problems elsewhere in the store: the graph holding the focus

    def message(self, lang: str) -> str:
        if self.messages:
            return self.messages.get(lang) or self.messages.get("en") or next(iter(self.messages.values()))
        kw = dict(self.params)
        kw.setdefault("value", self.value or "")
        kw.setdefault("template", self.template or "")
        kw.setdefault("column", self.column or "")
        for k, v in list(kw.items()):
            if k in ("expected", "actual") and v in KIND_NAMES:
                kw[k] = KIND_NAMES[v][lang]
        return MESSAGES[self.code][lang].format(**kw)

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR

    def where(self) -> tuple:
        """Sort key: errors first, then template, row, column."""
        return (SEVERITIES.index(self.severity), self.template or "", self.row or 0, self.column or "", self.code)

    @classmethod
    def from_json(cls, d: dict) -> "Problem":
        """The problem `to_json` wrote (its messages as written)."""
        return cls(d["code"], d["severity"], d.get("template"), d.get("row"), d.get("column"), d.get("value"),
                   messages=dict(d["message"]), shape=d.get("shape"), focus=d.get("focus"), graph=d.get("graph"))

    def to_json(self) -> dict:
        return {
            "severity": self.severity, "code": self.code, "template": self.template, "row": self.row,
            "column": self.column, "value": self.value,
            "message": {"nl": self.message("nl"), "en": self.message("en")},
            "shape": self.shape, "focus": self.focus, "graph": self.graph,
        }


def problem(code: str, severity: str = ERROR, template: str | None = None, row: int | None = None,
            column: str | None = None, value: object = None, **params: object) -> Problem:
    return Problem(code, severity, template, row, column, None if value is None else str(value),
                   tuple((k, str(v)) for k, v in params.items()))
