"""SHACL findings and OWL inconsistencies on the combined graph, traced back to cells.

The shapes run over the store's other data plus this region (they must: an
adoption's source may be a school of another graph). A finding is then one of

- **this region's**: its focus node is a node the region's rows made; it is
  traced along the shape's path through the region's triples to the cells
  that stated the offending value (or, for a missing value, to the row and
  the column that should hold it);
- **caused by this upload elsewhere**: its focus lies in other data but it
  or its value is a node this upload adds, or the region's previous version
  had (removing a school can break another region's adoption from it);
  it blocks, because committing would make that data wrong;
- **elsewhere**: about other data only, unrelated to this upload (e.g. the
  shapes changed since that data was stored). Reported apart and not
  blocking: the uploader cannot fix it, and this upload does not make it
  worse.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from kg.ingest.mapping import PREDICATES, Cell, Mapped
from kg.ingest.problems import ERROR, INFO, WARNING, Problem
from kg.ingest.read import Workbook
from kg.model.namespaces import shorten
from kg.pipeline.reason import Inconsistency
from kg.rdf.rdfio import from_rdflib
from kg.shacl.validate import Finding, shapes_graph

SEVERITY = {"Violation": ERROR, "Warning": WARNING, "Info": INFO}
Step = tuple[ox.NamedNode, bool]  # (predicate, inverse)


class Tracer:
    """Finds the cells behind a finding, using the region's provenance."""

    def __init__(self, mapped: Mapped, wb: Workbook, old_nodes: set, other_graph_of: dict):
        self.mapped = mapped
        self.wb = wb
        self.out: dict = defaultdict(list)
        self.inv: dict = defaultdict(list)
        for t in mapped.provenance:
            self.out[t.subject].append(t)
            self.inv[t.object].append(t)
        self.region_nodes = set(mapped.rows)
        self.touched = self.region_nodes | {t.object for t in mapped.provenance} | old_nodes
        self.other_graph_of = other_graph_of
        self.shapes = shapes_graph()
        self.cells_text = {(t.name, r.number): r.cells for t in wb.tables.values() for r in t.rows}

    def path(self, shape: rdflib.term.Node) -> list[Step]:
        p = self.shapes.value(shape, SH.path)
        if p is None:
            return []
        if isinstance(p, rdflib.URIRef):
            return [(ox.NamedNode(str(p)), False)]
        steps: list[Step] = []
        items = list(rdflib.collection.Collection(self.shapes, p)) if (p, rdflib.RDF.first, None) in self.shapes \
            else [p]
        for item in items:
            if isinstance(item, rdflib.URIRef):
                steps.append((ox.NamedNode(str(item)), False))
            else:
                inv = self.shapes.value(item, SH.inversePath)
                if not isinstance(inv, rdflib.URIRef):
                    return steps  # other path kinds: trace the steps so far
                steps.append((ox.NamedNode(str(inv)), True))
        return steps

    def cells(self, focus: ox.Term, steps: list[Step], value: ox.Term | None) -> list[Cell]:
        """Cells of the triples at the end of the path (those ending at `value` when given);
        if the path breaks off, the cells of the last step that matched."""
        frontier: list[tuple[ox.Term, list[Cell]]] = [(focus, [])]
        reached: list[tuple[ox.Term, list[Cell]]] = []
        complete = True
        for pred, inverse in steps:
            nxt = [((t.subject if inverse else t.object), self.mapped.provenance[t])
                   for node, _ in frontier for t in (self.inv[node] if inverse else self.out[node])
                   if t.predicate == pred]
            if not nxt:
                complete = False
                break
            frontier = reached = nxt
        if complete and value is not None:
            reached = [e for e in reached if e[0] == value] or reached
        return list(dict.fromkeys(c for _, cells in reached for c in cells))

    def text(self, cell: Cell) -> str | None:
        if cell.column is None:
            return None
        return self.cells_text.get((cell.template, cell.row), {}).get(cell.column)

    def finding(self, f: Finding) -> tuple[list[Problem], bool]:
        """(problems, blocking-elsewhere?) for one finding; see the module docstring."""
        focus = from_rdflib(f.focus)
        value = from_rdflib(f.value) if f.value is not None else None
        base = dict(severity=SEVERITY.get(f.severity, ERROR), messages=dict(f.messages), shape=shorten(str(f.shape)),
                    focus=str(f.focus))
        if focus in self.region_nodes:
            steps = self.path(f.shape)
            cells = self.cells(focus, steps, value) if steps else []
            if not cells:
                row = self.mapped.rows[focus]
                column = next((col for (tpl, col), pred in PREDICATES.items()
                               if tpl == row.template and steps and pred == steps[0][0].value), None)
                cells = [Cell(row.template, row.row, column)]
            return [Problem("shacl", template=c.template, row=c.row, column=c.column,
                            value=self.text(c) if c.column else _show(value), **base) for c in cells], False
        caused = focus in self.touched or (value is not None and value in self.touched)
        return [Problem("shacl", value=_show(value), graph=self.other_graph_of.get(focus), **base)], caused

    def inconsistency(self, inc: Inconsistency) -> tuple[list[Problem], bool]:
        node = from_rdflib(inc.node)
        messages = inc.message.both()
        if node in self.region_nodes:
            row = self.mapped.rows[node]
            return [Problem("inconsistent", ERROR, row.template, row.row, None, None, messages=messages,
                            shape="owl", focus=str(inc.node))], False
        caused = node in self.touched
        return [Problem("inconsistent", ERROR, messages=messages, shape="owl", focus=str(inc.node),
                        graph=self.other_graph_of.get(node))], caused


def _show(term: ox.Term | None) -> str | None:
    if term is None:
        return None
    return shorten(term.value) if isinstance(term, ox.NamedNode) else term.value


def graphs_of(quads: Iterable[ox.Quad]) -> dict:
    """node -> the (first) graph that states something about it."""
    out: dict = {}
    for q in quads:
        out.setdefault(q.subject, q.graph_name.value)
    return out
