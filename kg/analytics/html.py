"""A self-contained HTML report of one analysis (`kg report ID --out FILE.html`).

One file: inline CSS, the pictures inline as SVG, every table; no scripts, no links to external
resources (stylesheets, fonts, images), so it opens offline and can be mailed or archived. Every
value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from kg.analytics import pictures, tables

TITLES = {
    "network": ("Netwerkanalyse", "Network analysis"),
    "school": ("Netwerkanalyse van een school", "Network analysis of a school"),
    "person": ("Netwerkprofiel van een persoon", "Network profile of a person"),
    "artefact": ("Verspreiding van een artefact", "Spread of an artefact"),
    "view": ("Weergave", "View"),
    "internal": ("intern (alle gegevens)", "internal (all data)"),
    "public": ("openbaar (personen zonder toestemming anoniem)", "public (people without consent anonymous)"),
    "generation": ("Store-generatie", "Store generation"),
    "people_only": ("Alleen personen", "People only"),
    "pictures": ("Afbeeldingen", "Pictures"),
    "tables": ("Tabellen", "Tables"),
    "yes": ("ja", "yes"),
    "no": ("nee", "no"),
    "empty": ("(leeg)", "(empty)"),
}

CSS = """body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2433;max-width:1100px;margin:2rem auto;
padding:0 1rem;line-height:1.45}h1{margin-bottom:.2rem}.meta{color:#4f586b}figure{margin:1.5rem 0;overflow-x:auto}
svg{max-width:100%;height:auto}table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}
th,td{border:1px solid #c9ced8;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#eef0f4}
caption{text-align:left;font-weight:700;padding:.3rem 0}"""


def _t(key: str, lang: str) -> str:
    pair = TITLES[key]
    return pair[1] if lang == "en" else pair[0]


def _cell(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return _t("yes" if value else "no", lang)
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:.0f}"
    return escape("" if value is None else str(value))


def render(result: dict[str, Any], lang: str = "nl") -> str:
    subject = result["subject"]
    parts = [f"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">",
             f"<title>{escape(_t(result['kind'], lang))}: {escape(subject['label'])}</title>",
             f"<style>{CSS}</style></head><body>",
             f"<h1>{escape(subject['label'])}</h1>",
             f"<p class=\"meta\">{escape(_t(result['kind'], lang))} · &lt;{escape(subject['iri'])}&gt; · "
             f"{escape(_t('view', lang))}: {escape(_t(result['view'], lang))} · "
             f"{escape(_t('people_only', lang))}: {_cell(result['people_only'], lang)} · "
             f"{escape(_t('generation', lang))}: {escape(str(result.get('generation') or '-'))}</p>",
             f"<h2>{escape(_t('pictures', lang))}</h2>"]
    for name, picture in pictures.pictures(result, lang).items():
        parts.append(f'<figure id="picture-{escape(name)}">{picture}</figure>')
    parts.append(f"<h2>{escape(_t('tables', lang))}</h2>")
    for name, (headers, rows) in tables.tables(result).items():
        parts.append(f'<table id="table-{escape(name)}"><caption>{escape(name.replace("_", " "))}</caption><thead><tr>'
                     + "".join(f"<th scope=\"col\">{escape(h)}</th>" for h in headers) + "</tr></thead><tbody>")
        if not rows:
            parts.append(f"<tr><td colspan=\"{len(headers)}\">{escape(_t('empty', lang))}</td></tr>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{_cell(c, lang)}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>\n")
    return "".join(parts)
