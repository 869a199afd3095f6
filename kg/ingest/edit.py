"""One record changed in place: the stored region's rows with one row added, changed or removed.

`kg edit people --region twente --change p017 organisation=s-de-esch` is what a user would do
by exporting the region's templates (kg.ingest.export), changing one cell and ingesting them
again; the result is exactly that ingest's. The check then validates only what the change
touches (kg.pipeline.write), not the whole region, and the change is logged like any other.
Relation rows (memberships, ties, adoptions) have no code: they are named by their node's id as
`kg history` and the ingest report show it (`m-p017-n-plg-wt`, `t-p017-p018-2024`).
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.ingest.changes import rows_of
from kg.ingest.export import export
from kg.ingest.mapping import REGION_GRAPH
from kg.ingest.read import Row, Table, Workbook
from kg.ingest.templates import BY_NAME, ORDER
from kg.text import BilingualError, Text

ACTIONS = ("add", "change", "remove")


class EditError(BilingualError):
    """An edit that names no such template, row or column; `text` says which."""


def edited_workbook(db, region: str, base: str, template: str, action: str, key: str | None,
                    values: dict[str, str]) -> Workbook:
    """The region's rows as stored, with one row of `template` added (`values`), changed (the row
    `key`, its cells `values` replaced) or removed (the row `key`)."""
    if template not in BY_NAME:
        raise EditError(Text(nl=f"onbekend sjabloon {template!r}; kies uit: {', '.join(ORDER)}",
                             en=f"unknown template {template!r}; choose one of: {', '.join(ORDER)}"))
    columns = BY_NAME[template].column_names
    unknown = sorted(set(values) - set(columns))
    if unknown:
        raise EditError(Text(nl=f"{template} heeft geen kolom {', '.join(unknown)}; kolommen: {', '.join(columns)}",
                             en=f"{template} has no column {', '.join(unknown)}; columns: {', '.join(columns)}"))
    rows = export(db, region, base).rows
    mine = rows.get(template, [])
    if action == "add":
        mine.append({c: values.get(c, "") for c in columns})
    else:
        index = _find(db, region, base, template, mine, key or "")
        if action == "remove":
            mine.pop(index)
        else:
            mine[index] = {**mine[index], **values}
    rows[template] = mine
    wb = Workbook("csv", f"kg edit {template}")
    for name in ORDER:
        cols = BY_NAME[name].column_names
        wb.tables[name] = Table(name, f"{name}.csv", list(cols),
                                [Row(i + 2, {c: r.get(c, "") for c in cols}) for i, r in enumerate(rows.get(name, []))])
    return wb


def _find(db, region: str, base: str, template: str, rows: list[dict[str, str]], key: str) -> int:
    """The index of row `key`: by its code, or (relation rows) by its node's id."""
    if "id" in BY_NAME[template].column_names:
        for i, r in enumerate(rows):
            if r.get("id") == key:
                return i
    else:
        node = ox.NamedNode(key if "://" in key else base + key)
        quads = list(db.quads_for_pattern(node, None, None, ox.NamedNode(REGION_GRAPH + region)))
        row = rows_of(quads).get(node)
        if row is not None and row[0] == template:
            wanted = export_row(quads, base, template)
            for i, r in enumerate(rows):
                if all(r.get(c, "") == v for c, v in wanted.items() if v):
                    return i
    raise EditError(Text(nl=f"{template}: geen rij {key!r} in regio {region}",
                         en=f"{template}: no row {key!r} in region {region}"))


def export_row(quads: list, base: str, template: str) -> dict[str, str]:
    """The cells one node's quads give in `template` (its relation columns, to find its row)."""
    db = ox.Store()
    db.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode("urn:x-edit")) for q in quads)
    found = export(db, None, base).rows.get(template, [])
    return found[0] if found else {}
