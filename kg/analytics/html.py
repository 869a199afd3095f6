"""A self-contained HTML report of one analysis (`kg report ID --out FILE.html`).

One file: inline CSS, the pictures inline as SVG, every table; no scripts, no links to external
resources (stylesheets, fonts, images), so it opens offline and can be mailed or archived. Every
value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from kg.analytics import pictures, tables
from kg.text import Strings, Text

TITLES = Strings({
    "network": Text(nl="Netwerkanalyse", en="Network analysis"),
    "school": Text(nl="Netwerkanalyse van een school", en="Network analysis of a school"),
    "person": Text(nl="Netwerkprofiel van een persoon", en="Network profile of a person"),
    "artefact": Text(nl="Verspreiding van een artefact", en="Spread of an artefact"),
    "view": Text(nl="Weergave", en="View"),
    "internal": Text(nl="intern (alle gegevens)", en="internal (all data)"),
    "public": Text(nl="openbaar (personen zonder toestemming anoniem)", en="public (people without consent anonymous)"),
    "generation": Text(nl="Store-generatie", en="Store generation"),
    "people_only": Text(nl="Alleen personen", en="People only"),
    "pictures": Text(nl="Afbeeldingen", en="Pictures"),
    "tables": Text(nl="Tabellen", en="Tables"),
    "yes": Text(nl="ja", en="yes"),
    "no": Text(nl="nee", en="no"),
    "empty": Text(nl="(leeg)", en="(empty)"),
})

CSS = """body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2433;max-width:1100px;margin:2rem auto;
padding:0 1rem;line-height:1.45}h1{margin-bottom:.2rem}.meta{color:#4f586b}figure{margin:1.5rem 0;overflow-x:auto}
svg{max-width:100%;height:auto}table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}
th,td{border:1px solid #c9ced8;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#eef0f4}
caption{text-align:left;font-weight:700;padding:.3rem 0}caption .about{display:block;font-weight:400}
td.num{text-align:right}"""


NUMBER_CELL = '<td class="num">'


def _tip(tip: str | None) -> str:
    return f' title="{escape(tip)}"' if tip else ""


def render(result: dict[str, Any], lang: str = "nl") -> str:
    subject = result["subject"]
    parts = [f"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">",
             f"<title>{escape(TITLES(result['kind'], lang))}: {escape(subject['label'])}</title>",
             f"<style>{CSS}</style></head><body>",
             f"<h1>{escape(subject['label'])}</h1>",
             f"<p class=\"meta\">{escape(TITLES(result['kind'], lang))} · &lt;{escape(subject['iri'])}&gt; · "
             f"{escape(TITLES('view', lang))}: {escape(TITLES(result['view'], lang))} · "
             f"{escape(TITLES('people_only', lang))}: {escape(TITLES('yes' if result['people_only'] else 'no', lang))} · "
             f"{escape(TITLES('generation', lang))}: {escape(str(result.get('generation') or '-'))}</p>",
             f"<h2>{escape(TITLES('pictures', lang))}</h2>"]
    for name, picture in pictures.pictures(result, lang).items():
        parts.append(f'<figure id="picture-{escape(name)}">{picture}</figure>')
    parts.append(f"<h2>{escape(TITLES('tables', lang))}</h2>")
    for name, table in tables.tables(result).items():
        shown = tables.shown(name, table, lang)
        parts.append(f'<table id="table-{escape(name)}"><caption>{escape(shown.title)}'
                     f'<span class="about">{escape(shown.about)}</span></caption><thead><tr>'
                     + "".join(f'<th scope="col"{_tip(c.tip)}>{escape(c.label)}</th>' for c in shown.columns)
                     + "</tr></thead><tbody>")
        if not shown.rows:
            parts.append(f"<tr><td colspan=\"{len(shown.columns)}\">{escape(TITLES('empty', lang))}</td></tr>")
        for row in shown.rows:
            parts.append("<tr>" + "".join((NUMBER_CELL if c.number else "<td>") + escape(c.text) + "</td>"
                                          for c in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>\n")
    return "".join(parts)
