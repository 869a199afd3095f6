"""Problems found in an upload, each tied to a template, row and column, in Dutch and English.

Severities: `error` blocks the ingest (nothing is written), `warning` and
`info` are reported and do not block. Row numbers are spreadsheet rows: the
header is row 1. A problem about a whole template has no row; one about a
whole row has no column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from kg.text import Strings, Text

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
# Problems with a whole file (or the rest of it): listed first, they explain what follows.
FILE_LEVEL = frozenset({"unreadable", "not_text", "no_header", "csv_broken", "cell_too_long", "too_many_rows"})

MESSAGES: Strings[str] = Strings({
    "unreadable": Text(nl="Kan {file} niet lezen: {why_nl}.",
                       en="Cannot read {file}: {why_en}."),
    "not_text": Text(nl="{file} is geen tekstbestand in UTF-8 of Windows-1252: {why_nl}. Sla het op als "
                        "Excel-werkmap (.xlsx) of als 'CSV UTF-8'. Tot dan worden meldingen over codes die in dit "
                        "bestand zouden staan niet getoond.",
                     en="{file} is not a text file in UTF-8 or Windows-1252: {why_en}. Save it as an Excel "
                        "workbook (.xlsx) or as 'CSV UTF-8'. Until then, problems about codes this file would hold "
                        "are not shown."),
    "csv_format": Text(nl="{file} gelezen met {separator_nl} tussen de kolommen, tekenset {encoding}.{note_nl}",
                       en="{file} read with {separator_en} between the columns, character set {encoding}.{note_en}"),
    "lost_character": Text(nl="Een '?' midden in een woord: in een Windows-1252-bestand staat dat meestal voor een "
                              "teken dat het bestand niet kon bevatten (zoals ĳ). Verbeter de cel en sla voortaan op "
                              "als 'CSV UTF-8' of als Excel-werkmap (.xlsx).",
                           en="A '?' inside a word: in a Windows-1252 file it usually stands for a character the "
                              "file could not hold (such as ĳ). Correct the cell and save as 'CSV UTF-8' or as an "
                              "Excel workbook (.xlsx) from now on."),
    "mojibake": Text(nl="'{found}' lijkt verminkte tekst voor '{fixed}': het bestand is ooit met de verkeerde "
                        "tekenset geopend en opgeslagen. Verbeter de tekst.",
                     en="'{found}' looks like garbled text for '{fixed}': the file was once opened and saved with "
                        "the wrong character set. Correct the text."),
    "no_header": Text(nl="Rij 1 is geen kopregel: geen van de cellen ({found}) is een kolom van dit sjabloon "
                         "({columns}). Zet de kolomnamen in rij 1, met een komma, puntkomma of tab ertussen, of "
                         "sla op als Excel-werkmap (.xlsx) met één werkblad per sjabloon. Tot dan worden meldingen "
                         "over codes die hier zouden staan niet getoond.",
                      en="Row 1 is not a header: none of its cells ({found}) is a column of this template "
                         "({columns}). Put the column names in row 1, separated by commas, semicolons or tabs, or "
                         "save as an Excel workbook (.xlsx) with one sheet per template. Until then, problems about "
                         "codes this template would hold are not shown."),
    "cell_too_long": Text(nl="Deze cel is langer dan {limit} tekens (de grens van Excel).{rest_nl}",
                          en="This cell is longer than {limit} characters (Excel's limit).{rest_en}"),
    "csv_broken": Text(nl="{file} is vanaf deze rij geen geldige CSV ({why}); de rest is niet gelezen. Sla het op als "
                          "Excel-werkmap (.xlsx) of als 'CSV UTF-8'.",
                       en="{file} is not valid CSV from this row on ({why}); the rest was not read. Save it as an "
                          "Excel workbook (.xlsx) or as 'CSV UTF-8'."),
    "excel_error": Text(nl="De cel bevat de Excel-foutwaarde {value}: een formule kon niet worden berekend. Vul de "
                           "echte waarde in.",
                        en="The cell holds the Excel error value {value}: a formula could not be computed. Fill in "
                           "the real value."),
    "no_templates": Text(nl="Geen sjablonen gevonden: verwacht CSV-bestanden of werkbladen met de namen {names}.",
                         en="No templates found: expected CSV files or sheets named {names}."),
    "missing_template": Text(nl="Het verplichte sjabloon '{template}' ontbreekt.",
                             en="The required template '{template}' is missing."),
    "duplicate_template": Text(nl="Het sjabloon '{template}' staat er twee keer in.",
                               en="The template '{template}' is there twice."),
    "unknown_template": Text(nl="'{name}' is geen sjabloon en wordt overgeslagen (sjablonen: {names}).",
                             en="'{name}' is not a template and is skipped (templates: {names})."),
    "empty_template": Text(nl="Dit sjabloon heeft geen kopregel.", en="This template has no header row."),
    "missing_column": Text(nl="De kolom '{column}' ontbreekt in de kopregel; de kolommen zijn vast: {columns}.",
                           en="The column '{column}' is missing from the header; the columns are fixed: {columns}."),
    "duplicate_column": Text(nl="De kolom '{column}' staat twee keer in de kopregel.",
                             en="The column '{column}' is in the header twice."),
    "unknown_column": Text(nl="De kolom '{column}' hoort niet bij het sjabloon en wordt genegeerd.",
                           en="The column '{column}' is not part of the template and is ignored."),
    "required": Text(nl="Hier is een waarde nodig.", en="A value is needed here."),
    "bad_id": Text(nl="Een code bestaat alleen uit letters, cijfers, '-' en '_' (zonder spaties).",
                   en="A code consists of letters, digits, '-' and '_' only (no spaces)."),
    "duplicate_id": Text(nl="De code '{value}' komt al voor in {other_template}, rij {other_row}; codes zijn uniek in de hele werkmap.",
                         en="The code '{value}' is already used in {other_template}, row {other_row}; codes are unique in the whole workbook."),
    "taken_id": Text(nl="De code '{value}' wordt al beschreven door {owners_nl} ({iri}); twee regio's delen nooit een "
                        "IRI. Gebruik een andere code, of verwijs naar die andere met haar volledige IRI.",
                     en="The code '{value}' is already described by {owners_en} ({iri}); two regions never share an "
                        "IRI. Use another code, or refer to the other one by its full IRI."),
    "unknown_id": Text(nl="Onbekende code '{value}': die staat in geen enkel sjabloon ({expected}).",
                       en="Unknown code '{value}': it is in no template ({expected})."),
    "unknown_iri": Text(nl="'{value}' staat niet in de kennisgraaf: een volledige IRI verwijst naar iets dat een andere "
                           "regio of bron al beschrijft. Gebruik anders een code uit deze werkmap.",
                        en="'{value}' is not in the knowledge graph: a full IRI refers to something another region "
                           "or source already describes. Otherwise use a code of this workbook."),
    "bad_ref_iri": Text(nl="'{value}' is geen geldige IRI: een verwijzing naar een andere regio is een volledig "
                           "http(s)-adres zonder spaties of tekens als \" < > (bijvoorbeeld "
                           "https://utrecht.example/id/s-domschool); anders een code uit deze werkmap.",
                        en="'{value}' is not a valid IRI: a reference to another region is a full http(s) address "
                           "without spaces or characters such as \" < > (e.g. https://utrecht.example/id/s-domschool); "
                           "otherwise a code of this workbook."),
    "bad_same_as": Text(nl="'{value}' is geen volledige http(s)-IRI. In same_as staat de IRI die een andere regio "
                           "hetzelfde artefact geeft, bijvoorbeeld https://utrecht.example/id/a-kijkwijzer; meerdere "
                           "gescheiden door ';'.",
                        en="'{value}' is not a full http(s) IRI. same_as holds the IRI another region gives the same "
                           "artefact, e.g. https://utrecht.example/id/a-kijkwijzer; several separated by ';'."),
    "same_as_own": Text(nl="'{value}' is een IRI van deze regio zelf; same_as verwijst naar een andere regio. Twee "
                           "rijen voor hetzelfde artefact: voeg ze samen (of gebruik derived_from voor een kopie).",
                        en="'{value}' is an IRI of this region itself; same_as refers to another region. Two rows for "
                           "the same artefact: merge them (or use derived_from for a copy)."),
    "wrong_kind": Text(nl="'{value}' is {actual}, maar hier hoort {expected}.",
                       en="'{value}' is {actual}, but this needs {expected}."),
    "bad_date": Text(nl="'{value}' is geen (bestaande) datum. Schrijf jjjj-mm-dd (2024-09-01) of dag-maand-jaar: "
                        "01-09-2024, 1-9-2024 of 01/09/2024 (de dag eerst, het jaar voluit); in Excel mag ook een "
                        "datumcel.",
                     en="'{value}' is not a (real) date. Write yyyy-mm-dd (2024-09-01) or day-month-year: "
                        "01-09-2024, 1-9-2024 or 01/09/2024 (the day first, the year in full); in Excel a date cell "
                        "works too."),
    "date_serial": Text(nl="Kolom {column} bevat Excel-datumnummers (dagen sinds {epoch}): {value} is gelezen als "
                           "{date}. Maak er in Excel datumcellen van (Celeigenschappen > Datum) als dat niet klopt.",
                        en="Column {column} holds Excel date numbers (days since {epoch}): {value} was read as "
                           "{date}. Make them date cells in Excel (Format Cells > Date) if that is wrong."),
    "bad_year": Text(nl="'{value}' is geen jaartal: schrijf het jaar waarin het schooljaar begint, bijvoorbeeld 2023.",
                     en="'{value}' is not a year: write the year in which the school year starts, e.g. 2023."),
    "bad_integer": Text(nl="'{value}' is geen heel getal (0 of meer), bijvoorbeeld 12 of 2500.",
                        en="'{value}' is not a whole number (0 or more), e.g. 12 or 2500."),
    "bad_decimal": Text(nl="'{value}' is geen getal (0 of meer), bijvoorbeeld 40, 40,5 of 2.500,75.",
                        en="'{value}' is not a number (0 or more), e.g. 40, 40.5 or 2,500.75."),
    "ambiguous_number": Text(nl="'{value}' is dubbelzinnig: {grouped} (met '{mark}' tussen de duizendtallen) of "
                                "{fraction_nl} (met '{mark}' als decimaalteken), en {evidence_nl}. Schrijf {grouped} "
                                "of {fraction_nl}, zonder scheidingsteken voor de duizendtallen.",
                             en="'{value}' is ambiguous: {grouped} (with '{mark}' between the thousands) or "
                                "{fraction_en} (with '{mark}' as the decimal mark), and {evidence_en}. Write "
                                "{grouped} or {fraction_en}, without a thousands separator."),
    "mixed_notation": Text(nl="Dit bestand schrijft getallen zowel op zijn Nederlands ({nl_example}) als op zijn "
                              "Engels ({en_example}); elke waarde is gelezen zoals ze geschreven is, dubbelzinnige "
                              "waarden (zoals 2.500) worden gemeld. Kies één schrijfwijze.",
                           en="This file writes numbers both the Dutch way ({nl_example}) and the English way "
                              "({en_example}); each value was read as written, ambiguous values (such as 2.500) are "
                              "reported. Choose one notation."),
    "number_notation": Text(nl="Getallen gelezen op zijn {notation_nl}: '{value}' = {number}, want {reason_nl}.",
                            en="Numbers read the {notation_en} way: '{value}' = {number}, because {reason_en}."),
    "bad_scale": Text(nl="'{value}' is geen heel getal van 1 tot en met 5.", en="'{value}' is not a whole number from 1 to 5."),
    "bad_value": Text(nl="'{value}' staat niet in de lijst; kies uit: {choices}.",
                      en="'{value}' is not in the list; choose from: {choices}."),
    "unknown_topic": Text(nl="Onbekend thema '{value}'{suggest}. Gebruik een thema uit de themalijst of voeg het toe aan 'topics'.",
                          en="Unknown topic '{value}'{suggest}. Use a topic from the list or add it to 'topics'."),
    "ambiguous_topic": Text(nl="'{value}' past bij meer dan één thema: {choices}. Gebruik de code.",
                            en="'{value}' matches more than one topic: {choices}. Use the code."),
    "duplicate_row": Text(nl="Deze rij herhaalt rij {other_row}; ze telt één keer mee.",
                          en="This row repeats row {other_row}; it counts once."),
    "too_many_rows": Text(nl="{file} heeft meer dan {limit_nl} rijen (alle bestanden of werkbladen samen; in een "
                             "werkmap tellen ook rijen met alleen opmaak mee). Splits de gegevens of verwijder lege "
                             "rijen onder de gegevens.",
                          en="{file} has more than {limit_en} rows (all files or sheets together; in a workbook, "
                             "rows holding only formatting count too). Split the data or delete empty rows below "
                             "the data."),
    "name_in_code": Text(nl="De code '{value}' bevat '{part}' uit de naam van deze persoon. Codes staan in "
                            "webadressen, downloads en de zoekfunctie, ook van wie niet openbaar is: zo wordt de naam "
                            "toch gepubliceerd. Kies een code zonder naam, zoals p017.",
                         en="The code '{value}' contains '{part}' from this person's name. Codes appear in web "
                            "addresses, downloads and search, also for people who are not public: that publishes "
                            "the name after all. Choose a code without a name, such as p017."),
    "bad_iri": Text(nl="'{value}' lijkt een webadres, maar is geen geldig adres (bijvoorbeeld door een \" of een "
                       "ander teken dat in een adres niet mag); het is als tekst bewaard. Verbeter het adres.",
                    en="'{value}' looks like a web address but is not a valid one (e.g. a \" or another character "
                       "not allowed in an address); it was kept as text. Correct the address."),
    "store_changed": Text(nl="De gegevens in de store zijn intussen gewijzigd; controleer opnieuw.",
                          en="The data in the store changed in the meantime; check again."),
    "inconsistent": Text(nl="{message}", en="{message}"),
    "discards_edit": Text(nl="{id} is na de vorige upload los bewerkt (wijziging #{number} door {who}, {at}); deze "
                             "upload {what_nl} en die bewerking gaat verloren. Exporteer de regio opnieuw "
                             "(kg export --templates) als u haar wilt houden.",
                          en="{id} was edited on its own after the previous upload (change #{number} by {who}, "
                             "{at}); this upload {what_en} and that edit is lost. Export the region again "
                             "(kg export --templates) to keep it."),
})

KIND_NAMES: Strings[str] = Strings({
    "person": Text(nl="een persoon", en="a person"),
    "organisation": Text(nl="een organisatie", en="an organisation"),
    "network": Text(nl="een netwerk", en="a network"),
    "artefact": Text(nl="een artefact", en="an artefact"),
    "covenant": Text(nl="een convenant", en="a covenant"),
    "intent": Text(nl="een intentieverklaring", en="a letter of intent"),
    "crossing": Text(nl="een grensoverschrijding", en="a boundary crossing"),
    "topic": Text(nl="een thema", en="a topic"),
    "collective": Text(nl="een netwerk of organisatie", en="a network or an organisation"),
    "actor": Text(nl="een persoon, artefact, organisatie of netwerk", en="a person, artefact, organisation or network"),
    "thing": Text(nl="iets anders", en="something else"),
})


class ProblemJSON(TypedDict):
    """A problem in the ingest report's JSON: where (template, row as the spreadsheet counts,
    column), what (code, message in nl and en) and, for a model finding, the shape and focus node."""

    severity: str  # error, warning or note
    code: str
    template: str | None
    row: int | None
    column: str | None
    value: str | None
    message: dict[str, str]  # {"nl", "en"}
    shape: str | None
    focus: str | None
    graph: str | None


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
    def text(self) -> Text:
        """The message in both languages."""
        return Text(nl=self.message("nl"), en=self.message("en"))

    @property
    def blocking(self) -> bool:
        return self.severity == ERROR

    def where(self) -> tuple:
        """Sort key: errors first, problems with a whole file first, then template, row, column."""
        return (SEVERITIES.index(self.severity), self.code not in FILE_LEVEL, self.template or "", self.row or 0,
                self.column or "", self.code)

    @classmethod
    def from_json(cls, d: dict) -> Problem:
        """The problem `to_json` wrote (its messages as written)."""
        return cls(d["code"], d["severity"], d.get("template"), d.get("row"), d.get("column"), d.get("value"),
                   messages=dict(d["message"]), shape=d.get("shape"), focus=d.get("focus"), graph=d.get("graph"))

    def to_json(self) -> ProblemJSON:
        return {
            "severity": self.severity, "code": self.code, "template": self.template, "row": self.row,
            "column": self.column, "value": self.value,
            "message": self.text.both(),
            "shape": self.shape, "focus": self.focus, "graph": self.graph,
        }


def problem(code: str, severity: str = ERROR, template: str | None = None, row: int | None = None,
            column: str | None = None, value: object = None, **params: object) -> Problem:
    """A problem with the parameters of its message; a Text parameter `x` fills {x_nl} and {x_en}."""
    flat: list[tuple[str, str]] = []
    for k, v in params.items():
        flat.extend(((f"{k}_nl", v.nl), (f"{k}_en", v.en)) if isinstance(v, Text) else ((k, str(v)),))
    return Problem(code, severity, template, row, column, None if value is None else str(value), tuple(flat))
