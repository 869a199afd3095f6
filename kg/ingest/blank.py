"""Empty templates to fill in: one CSV file per template (the header row), an XLSX
workbook with the headers, an explanation sheet (nl/en), a comment on every header
cell and the allowed values as drop-down lists, and the same contract as Markdown
(docs/templates.md is this text)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kg.ingest.templates import BY_NAME, ORDER, TOPIC, TOPICS, VALUE, VALUES, Column, value_lists
from kg.sheets import csv_text, inert_cells

XLSX_NAME = "connective-kg-sjablonen-templates.xlsx"
EXPLANATION = "uitleg-explanation"
LISTS = "lijsten-lists"
VALIDATED_ROWS = 5000

_INTRO = [
    ("Vul één werkblad per sjabloon in; de kopregel (rij 1) niet wijzigen. Eén waarde per cel; meerdere waarden "
     "scheiden met ';'. Datums als jjjj-mm-dd; 'jaar' = het jaar waarin het schooljaar begint. Codes (id) zijn "
     "uniek in de hele werkmap en bevatten nooit een naam.",
     "Fill one sheet per template; do not change the header (row 1). One value per cell; separate several values "
     "with ';'. Dates as yyyy-mm-dd; 'year' = the year in which the school year starts. Codes (id) are unique in "
     "the whole workbook and never contain a name."),
    ("Verplicht: people, organisations, networks. De andere werkbladen mogen leeg blijven of weg.",
     "Required: people, organisations, networks. The other sheets may stay empty or be removed."),
]


def write_csv_templates(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in ORDER:
        path = folder / f"{name}.csv"
        path.write_text(csv_text([BY_NAME[name].column_names]), encoding="utf-8")
        out.append(path)
    return out


def workbook(rows: dict[str, list[dict[str, str]]] | None = None):
    """The XLSX template as an openpyxl workbook, optionally filled with `rows` per template
    (every cell data: a text that starts like a formula is stored as text, kg.sheets)."""

    book = openpyxl.Workbook()
    info = book.active
    info.title = EXPLANATION
    for nl, en in _INTRO:
        info.append([nl, en])
    info.append([])
    info.append(["sjabloon / template", "kolom / column", "verplicht / required", "uitleg", "explanation",
                 "toegestane waarden / allowed values"])
    for c in info[info.max_row]:
        c.font = Font(bold=True)
    lists = value_lists()
    for name in ORDER:
        t = BY_NAME[name]
        info.append([name, "", "ja / yes" if t.required else "nee / no", t.help_nl, t.help_en, ""])
        info.cell(row=info.max_row, column=1).font = Font(bold=True)
        for col in t.columns:
            info.append(["", col.name, "ja / yes" if col.required else "", col.help_nl, col.help_en, _allowed(col)])
    for letter, width in zip("ABCDEF", (16, 22, 14, 60, 60, 60)):
        info.column_dimensions[letter].width = width
    for row in info.iter_rows():
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")

    sheet_lists = book.create_sheet(LISTS)
    ranges: dict[str, str] = {}
    for i, (lname, vl) in enumerate(lists.items(), start=1):
        letter = get_column_letter(i)
        sheet_lists.cell(row=1, column=i, value=lname).font = Font(bold=True)
        for j, term in enumerate(vl.terms(), start=2):
            sheet_lists.cell(row=j, column=i, value=term)
        ranges[lname] = f"'{LISTS}'!${letter}$2:${letter}${len(vl.terms()) + 1}"

    header_fill = PatternFill("solid", fgColor="D9E2F3")
    for name in ORDER:
        t = BY_NAME[name]
        ws = book.create_sheet(name)
        ws.append(t.column_names)
        ws.freeze_panes = "A2"
        for i, col in enumerate(t.columns, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            req = " (verplicht / required)" if col.required else ""
            cell.comment = Comment(f"{col.help_nl}\n{col.help_en}{req}", "Connective KG", width=300, height=90)
            ws.column_dimensions[get_column_letter(i)].width = max(12, len(col.name) + 4)
            if col.kind in (VALUE, VALUES):
                dv = DataValidation(type="list", formula1=ranges[col.target], allow_blank=True)
                if col.kind == VALUES:
                    # several values separated by ';': offer the list, do not refuse other text
                    dv.showErrorMessage = False
                else:
                    dv.error = "Kies een waarde uit de lijst. / Choose a value from the list."
                    dv.errorTitle = "Connective KG"
                dv.prompt = f"{col.help_nl} / {col.help_en}"
                dv.showInputMessage = True
                letter = get_column_letter(i)
                dv.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
                ws.add_data_validation(dv)
        for r in (rows or {}).get(name, []):
            ws.append([_typed(r.get(c, "")) for c in t.column_names])
    sheet_lists.sheet_state = "hidden"
    inert_cells(book)  # a value like =HYPERLINK(...) is text, never a formula
    return book


def _typed(text: str):
    """Numbers as numbers in the workbook (dates stay ISO text: no locale can misread them)."""
    if text.isdigit() and len(text) < 10 and (text == "0" or not text.startswith("0")):
        return int(text)
    return text


def _allowed(col: Column) -> str:
    if col.kind in (VALUE, VALUES):
        return ", ".join(value_lists()[col.target].terms())
    return "code of naam van een thema / topic code or name" if col.kind in (TOPIC, TOPICS) else ""


def contract_markdown() -> str:
    """The ingest contract as Markdown: the rules, then every template with its columns, what
    each holds (nl/en) and its allowed values; generated from the same data as the workbook."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = ["# Spreadsheet templates: the ingest contract", "",
           "Generated from `kg/ingest/templates.py` and the packaged ontology by `kg templates DIR`",
           "(which writes this text as `templates.md` beside the empty templates); a test keeps this",
           "copy current. `docs/ingest.md` says how a filled workbook is read and checked.", ""]
    for nl, en in _INTRO:
        out += [f"- {nl}", f"  *{en}*"]
    for name in ORDER:
        t = BY_NAME[name]
        out += ["", f"## `{name}`" + (" (verplicht / required)" if t.required else ""), ""]
        if t.help_nl or t.help_en:
            out += [f"{t.help_nl} *{t.help_en}*", ""]
        out += ["| kolom / column | verplicht / required | uitleg | explanation | toegestane waarden / allowed values |",
                "|---|---|---|---|---|"]
        out += [f"| `{c.name}` | {'ja / yes' if c.required else ''} | {cell(c.help_nl)} | {cell(c.help_en)} | "
                f"{cell(_allowed(c))} |" for c in t.columns]
    return "\n".join(out) + "\n"


def write_xlsx(path: Path, rows: dict[str, list[dict[str, str]]] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook(rows).save(path)
    return path


def write_templates(folder: Path | str) -> list[Path]:
    """`kg templates DIR`: the empty CSV files, the contract as Markdown and the XLSX workbook (last)."""
    folder = Path(folder)
    written = write_csv_templates(folder)
    contract = folder / "templates.md"
    contract.write_text(contract_markdown(), encoding="utf-8")
    return [*written, contract, write_xlsx(folder / XLSX_NAME)]  # the workbook last, as callers expect
