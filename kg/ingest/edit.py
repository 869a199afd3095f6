"""One record changed in place: one row of a stored region added, changed or removed.

`kg edit people --region twente --change p017 organisation=s-de-esch` is what a user would do
by exporting the region's templates (kg.ingest.export), changing one cell and ingesting them
again; the result is exactly that ingest's (tests/test_incremental_write.py), at the cost of
the row, not the region: `row_edit` exports only that row's node, maps only that row (its codes
resolved against the store), and the delta is checked for what it reaches (kg.pipeline.write).
`edited_workbook` is the whole-region way to the same rows (the reference).
Relation rows (memberships, ties, adoptions) have no code: they are named by their node's id as
`kg history` and the ingest report show it (`m-p017-n-plg-wt`, `t-p017-p018-2024`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kg.ingest.changes import rows_of
from kg.ingest.export import export, template_of
from kg.ingest.mapping import REGION_GRAPH, IdEntry, Mapped, kinds_of, map_workbook, referenced_iris
from kg.ingest.ownership import region_infos
from kg.ingest.read import Row, Table, Workbook
from kg.ingest.templates import BY_NAME, ORDER, REF, REFS
from kg.model.namespaces import RDF, SKOS
from kg.rdf.rdfio import canonical
from kg.text import BilingualError, Text

ROW = 2  # the edited row's number in its one-row template (row 1 is the header)
_TYPE = ox.NamedNode(RDF + "type")

ACTIONS = ("add", "change", "remove")


class EditError(BilingualError):
    """An edit that names no such template, row or column; `text` says which."""


@dataclass
class RowEdit:
    """One row's change: the workbook it was mapped from (that row, and the context rows its
    mapping reads), the mapping (quads of that row's nodes only), its nodes' stored quads and new
    quads (canonical), and the change in the number of people."""

    wb: Workbook
    mapped: Mapped
    old: list[ox.Quad]
    new: list[ox.Quad]
    people: int


@dataclass(frozen=True)
class Record:
    """A stored region's row as the templates would export it: the region, its base, the template,
    the row's key (its code, or a relation row's node id) and its cells."""

    region: str
    base: str
    template: str
    key: str
    cells: dict[str, str]


def record_of(db, iri: str) -> Record | None:
    """The region row `iri` is stored as (a node of an ingested region's graph whose types name a
    template), or None: data built from files, imports and vocabulary concepts are no row."""
    node = ox.NamedNode(iri)
    for info in region_infos(db).values():
        if not info.base or not iri.startswith(info.base):
            continue
        quads = _node_quads(db, node, ox.NamedNode(REGION_GRAPH + info.name))
        template = template_of({q.object.value for q in quads if q.subject == node and q.predicate == _TYPE})
        if template is not None:
            return Record(info.name, info.base, template, iri[len(info.base):], export_row(quads, info.base, template))
    return None


def row_edit(db, region: str, base: str, template: str, action: str, key: str | None,
             values: dict[str, str]) -> RowEdit:
    """Row `key` of `template` changed (`values` replace its cells) or removed, or a row added."""
    _check_names(template, values)
    graph = ox.NamedNode(REGION_GRAPH + region)
    columns = BY_NAME[template].column_names
    old: list[ox.Quad] = []
    cells = {c: values.get(c, "") for c in columns}
    if action in ("change", "remove"):
        node = ox.NamedNode(key if key and "://" in key else base + (key or ""))
        old = _node_quads(db, node, graph)
        types = {q.object.value for q in old if q.subject == node and q.predicate == _TYPE}
        if not old or template_of(types) != template:
            raise EditError(Text(nl=f"{template}: geen rij {key!r} in regio {region}",
                                 en=f"{template}: no row {key!r} in region {region}"))
        cells = {**export_row(old, base, template), **values}
    elif "id" in columns and any(True for _ in db.quads_for_pattern(ox.NamedNode(base + cells.get("id", "")), None,
                                                                    None, graph)):
        raise EditError(Text(nl=f"{template}: regio {region} heeft al een rij {cells['id']}; gebruik --change",
                             en=f"{template}: region {region} already has a row {cells['id']}; use --change"))
    wb = Workbook("csv", f"kg edit {template}")
    for name in ORDER:
        wb.tables[name] = Table(name, f"{name}.csv", list(BY_NAME[name].column_names))
    people = 0
    if action == "remove":
        return RowEdit(wb, Mapped(graph.value), old, [], -1 if template == "people" else 0)
    wb.tables[template].rows.append(Row(ROW, cells))
    _context(db, graph, base, wb, template, cells)
    mapped = map_workbook(wb, base, region, kinds_of(db, referenced_iris(wb)), _known(db, base, wb))
    mapped.problems = [p for p in mapped.problems if p.template in (None, template) and p.row in (None, ROW)]
    nodes = {n for n, cell in mapped.rows.items() if cell.template == template and cell.row == ROW}
    if action == "add" and any(True for n in nodes for _ in db.quads_for_pattern(n, None, None, graph)):
        raise EditError(Text(nl=f"{template}: regio {region} heeft deze rij al", en=f"{template}: region {region} "
                             "already has this row"))
    keep = set(nodes)
    grown = True
    while grown:  # the row's blank nodes (periods) and theirs
        more = {q.object for q in mapped.quads if q.subject in keep and isinstance(q.object, ox.BlankNode)}
        grown = not more <= keep
        keep |= more
    mapped.quads = [q for q in mapped.quads if q.subject in keep]
    if action == "add" and template == "people":
        people = 1
    return RowEdit(wb, mapped, old, canonical(mapped.quads), people)


def _node_quads(db, node: ox.NamedNode, graph: ox.NamedNode) -> list[ox.Quad]:
    """A row node's quads in the region graph, with its blank nodes' (periods)."""
    out: list[ox.Quad] = []
    todo, seen = [node], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for q in db.quads_for_pattern(n, None, None, graph):
            out.append(q)
            if isinstance(q.object, ox.BlankNode):
                todo.append(q.object)
    return out


def _context(db, graph: ox.NamedNode, base: str, wb: Workbook, template: str, cells: dict[str, str]) -> None:
    """The rows a row's mapping reads besides its own: the region's topics (labels name them), and
    for a letter of intent its network (whose name is in the intent's label)."""
    concept = ox.NamedNode(SKOS + "Concept")
    topics = [q for c in {q.subject for q in db.quads_for_pattern(None, _TYPE, concept, graph)}
              for q in _node_quads(db, c, graph)]
    if topics:
        rows = [r for r in export_rows(topics, base, "topics") if template != "topics" or r["id"] != cells.get("id")]
        wb.tables["topics"].rows = [Row(100 + i, r) for i, r in enumerate(rows)]
    if template == "intents" and cells.get("network"):
        network = export_rows(_node_quads(db, ox.NamedNode(base + cells["network"]), graph), base, "networks")
        wb.tables["networks"].rows = [Row(100, network[0])] if network else []


def _known(db, base: str, wb: Workbook) -> dict[str, IdEntry]:
    """The codes the workbook's reference cells name that the store defines (it is the region's own)."""
    codes: set[str] = set()
    for name, table in wb.tables.items():
        columns = [c.name for c in BY_NAME[name].columns if c.kind in (REF, REFS)]
        for row in table.rows:
            for c in columns:
                codes |= {p.strip() for p in row.cells.get(c, "").split(";") if p.strip() and "://" not in p}
    defined = {r.cells.get("id") for t in wb.tables.values() for r in t.rows}
    kinds = kinds_of(db, {base + c for c in codes - defined})
    return {iri[len(base):]: IdEntry(min(k), "", 0) for iri, k in kinds.items() if k}


def _check_names(template: str, values: dict[str, str]) -> None:
    if template not in BY_NAME:
        raise EditError(Text(nl=f"onbekend sjabloon {template!r}; kies uit: {', '.join(ORDER)}",
                             en=f"unknown template {template!r}; choose one of: {', '.join(ORDER)}"))
    columns = BY_NAME[template].column_names
    unknown = sorted(set(values) - set(columns))
    if unknown:
        raise EditError(Text(nl=f"{template} heeft geen kolom {', '.join(unknown)}; kolommen: {', '.join(columns)}",
                             en=f"{template} has no column {', '.join(unknown)}; columns: {', '.join(columns)}"))


def edited_workbook(db, region: str, base: str, template: str, action: str, key: str | None,
                    values: dict[str, str]) -> Workbook:
    """The region's rows as stored, with one row of `template` added (`values`), changed (the row
    `key`, its cells `values` replaced) or removed (the row `key`): the whole-region reference."""
    _check_names(template, values)
    columns = BY_NAME[template].column_names
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


def export_rows(quads: list, base: str, template: str) -> list[dict[str, str]]:
    """The rows of `template` that these quads (some nodes' region quads) give."""
    db = ox.Store()
    db.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode("urn:x-edit")) for q in quads)
    return export(db, None, base).rows.get(template, [])


def export_row(quads: list, base: str, template: str) -> dict[str, str]:
    """The cells one node's quads give in `template`."""
    found = export_rows(quads, base, template)
    return found[0] if found else {}
