"""The store's data back into the templates (CSV, and XLSX on request).

Round trip: templates -> `kg ingest` -> `kg export --templates` gives the
same rows: per template the same multiset of rows after normalising each
cell to what it means (`canonical`): lists as sets, controlled values and
topics as the concept they name (so `Kern`, `core` and `kern` are equal, and
`W&T` equals `Wetenschap & Techniek`), numbers as numbers. Rows come out
sorted, lists sorted, terms in Dutch, bundled topics by their Dutch name.
A text that starts like a formula (`=1+1`, `-nog te bepalen`) is written
with one leading `'` (kg.sheets), which the reader drops again.

Exporting data that did not come from templates (the Turtle sample) writes
what the templates can express and counts the rest in `ExportResult.skipped`
(e.g. expertise attributions, comments, organisations as boundary crossers).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.ingest.mapping import FIXED_CLASS, PERIODS, PREDICATES, REGION_GRAPH, TYPE_LIST, RowMapper
from kg.ingest.read import Workbook
from kg.ingest.templates import (
    BY_NAME,
    DECIMAL,
    IRIS,
    ORDER,
    REF,
    REFS,
    TOPIC,
    TOPICS,
    VALUE,
    VALUES,
    bundled_topics,
    superclasses,
    value_lists,
)
from kg.model.namespaces import (
    CKG,
    IMPORT_GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PUBLIC_GRAPH,
    RDF,
    REGIONS_GRAPH,
    SKOS,
    VOCABULARIES_GRAPH,
    local_name,
    shorten,
)
from kg.sheets import csv_text

TIME = "http://www.w3.org/2006/time#"
_TYPE = RDF + "type"
_NOT_DATA = {ONTOLOGY_GRAPH, VOCABULARIES_GRAPH, INFERRED_GRAPH, PUBLIC_GRAPH, REGIONS_GRAPH}


@dataclass
class ExportResult:
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)  # what the templates cannot express -> count
    base: str = ""


def template_of(types: set[str]) -> str | None:
    for name, cls in FIXED_CLASS.items():
        if cls in types:
            return name
    sup = superclasses()
    roots = {"organisations": CKG + "Organisation", "networks": CKG + "Network", "artefacts": CKG + "Artefact"}
    for name, root in roots.items():
        if any(root in sup.get(t, {t}) for t in types):
            return name
    if CKG + "Topic" in types:
        return "topics"
    return None


def infer_base(subjects: list[str]) -> str:
    """The namespace the ids live in: the longest common prefix, cut after its last '/' or '#'."""
    if not subjects:
        return ""
    lo, hi = min(subjects), max(subjects)
    i = 0
    while i < min(len(lo), len(hi)) and lo[i] == hi[i]:
        i += 1
    prefix = lo[:i]
    cut = max(prefix.rfind("/"), prefix.rfind("#"))
    return prefix[: cut + 1]


def export(db: ox.Store, region: str | None = None, base: str | None = None, imports: bool = False) -> ExportResult:
    """Rows per template of a region's graph, or when `region` is None of the store's own data graphs
    (its regions and source files; other regions' imports (`kg import`) too only with `imports`)."""
    if region is not None:
        graphs = [ox.NamedNode(REGION_GRAPH + region)]
    else:
        graphs = [g for g in db.named_graphs() if isinstance(g, ox.NamedNode) and g.value not in _NOT_DATA
                  and (imports or not g.value.startswith(IMPORT_GRAPH))]
    triples: set[ox.Triple] = set()
    for g in graphs:
        for q in db.quads_for_pattern(None, None, None, g):
            triples.add(ox.Triple(q.subject, q.predicate, q.object))
    return _Exporter(triples, base).run()


class _Exporter:
    def __init__(self, triples: set[ox.Triple], base: str | None):
        self.triples = triples
        self.po: dict = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.po[t.subject][t.predicate.value].append(t.object)
        self.used: set[ox.Triple] = set()
        typed = [s.value for s in self.po if isinstance(s, ox.NamedNode) and _TYPE in self.po[s]]
        self.result = ExportResult(base=base if base is not None else infer_base(typed))
        self.values = value_lists()
        self.topics = bundled_topics()
        self.persons = {s for s in self.po if ox.NamedNode(FIXED_CLASS["people"]) in self.po[s].get(_TYPE, [])}

    def objects(self, s: ox.Term, pred: str) -> list:
        objs = self.po[s].get(pred, [])
        for o in objs:
            self.used.add(ox.Triple(s, ox.NamedNode(pred), o))
        return objs

    def id(self, node: ox.Term) -> str:
        v = node.value
        base = self.result.base
        if base and v.startswith(base):
            return v[len(base):]
        return local_name(v)

    def cell(self, template: str, column: str, objs: list) -> str:
        col = BY_NAME[template].column(column)
        texts: list[str] = []
        for o in objs:
            if col.kind == IRIS:
                texts.append(o.value)
            elif col.kind in (REF, REFS) and col.foreign and self.result.base and not o.value.startswith(
                    self.result.base):
                texts.append(o.value)  # another region's IRI: written in full, as the template takes it
            elif col.kind in (REF, REFS):
                texts.append(self.id(o))
            elif col.kind in (TOPIC, TOPICS):
                entry = self.topics.get(o.value)
                texts.append(entry.label_nl if entry else self.id(o))
            elif col.kind in (VALUE, VALUES):
                term = self.values[col.target].term_for(o.value)
                texts.append(term if term is not None else self.id(o))
            elif col.kind == DECIMAL:
                texts.append(_plain_number(o.value))
            else:
                texts.append(o.value)
        texts = sorted(dict.fromkeys(texts), key=str.casefold)
        if col.kind in (REFS, TOPICS, VALUES, IRIS):
            return "; ".join(texts)
        if len(texts) > 1:
            self.result.skipped[f"{template}.{column}: extra values"] += len(texts) - 1
        return texts[0] if texts else ""

    def run(self) -> ExportResult:
        rows: dict[str, list[dict[str, str]]] = {name: [] for name in ORDER}
        for s in sorted(self.po, key=lambda n: n.value):
            if not isinstance(s, ox.NamedNode):
                continue
            types = {o.value for o in self.po[s].get(_TYPE, [])}
            name = template_of(types)
            if name is None:
                continue
            if name == "topics" and (s.value in self.topics or SKOS + "Concept" not in types):
                continue
            row = self.row(name, s, types)
            if row is not None:
                rows[name].append(row)
        for name, rs in rows.items():
            key_cols = BY_NAME[name].column_names
            rs.sort(key=lambda r: [r.get(c, "").casefold() for c in key_cols])
        self.result.rows = rows
        self.count_skipped()
        return self.result

    def row(self, name: str, s: ox.NamedNode, types: set[str]) -> dict[str, str] | None:
        template = BY_NAME[name]
        row = {c: "" for c in template.column_names}
        if "id" in row:
            row["id"] = self.id(s)
        for t in self.po[s].get(_TYPE, []):
            self.used.add(ox.Triple(s, ox.NamedNode(_TYPE), t))
        if name in TYPE_LIST:
            row["type"] = self.type_term(name, s, types)
        if name == "topics":
            for lang, col in (("nl", "label_nl"), ("en", "label_en")):
                labels = [o for o in self.objects(s, SKOS + "prefLabel") if o.language == lang]
                row[col] = labels[0].value if labels else ""
            row["broader"] = self.cell(name, "broader", self.objects(s, SKOS + "broader"))
            self.objects(s, SKOS + "inScheme")
            return row
        for (tpl, col), pred in PREDICATES.items():
            if tpl != name:
                continue
            objs = self.objects(s, pred)
            if name == "crossings" and col == "persons":
                others = [o for o in objs if o not in self.persons]
                if others:
                    self.result.skipped["crossings.persons: crossers that are not people"] += len(others)
                objs = [o for o in objs if o in self.persons]
            row[col] = self.cell(name, col, objs)
        if name in PERIODS:
            row["from"], row["to"] = self.period(s, PERIODS[name])
        if name == "intents":
            self.objects(s, "http://www.w3.org/2000/01/rdf-schema#label")  # made from the row on ingest
        if name == "crossings" and not row["persons"]:
            self.result.skipped["crossings: crossings without a person as crosser"] += 1
            return None
        return row

    def type_term(self, name: str, s: ox.NamedNode, types: set[str]) -> str:
        vl = self.values[TYPE_LIST[name]]
        sup = superclasses()
        candidates = [t for t in types if vl.term_for(t) is not None]
        # the most specific class the list knows
        best = max(candidates, key=lambda t: len(sup.get(t, {t})), default=None)
        for t in types:
            if t != best and not (best and t in sup.get(best, set())):
                self.result.skipped[f"{name}.type: {shorten(t)}"] += 1
        if best is None:
            root = {"organisations": "Organisation", "networks": "Network", "artefacts": "Artefact"}[name]
            return vl.term_for(CKG + root) or ""
        return vl.term_for(best) or ""

    def period(self, s: ox.NamedNode, prop: str) -> tuple[str, str]:
        out = []
        for iv in self.objects(s, prop)[:1]:
            self.objects(iv, _TYPE)
            for link in ("hasBeginning", "hasEnd"):
                dates = []
                for inst in self.objects(iv, TIME + link):
                    self.objects(inst, _TYPE)
                    dates += [d.value for d in self.objects(inst, TIME + "inXSDDate")]
                out.append(min(dates) if dates else "")
        return (out[0], out[1]) if out else ("", "")

    def count_skipped(self) -> None:
        for t in self.triples - self.used:
            types = {o.value for o in self.po[t.subject].get(_TYPE, [])}
            if template_of(types) is None and isinstance(t.subject, ox.NamedNode):
                kind = ", ".join(sorted(shorten(x) for x in types)) or "untyped"
                self.result.skipped[f"not in any template: {kind}"] += 1 if t.predicate.value == _TYPE else 0
            elif isinstance(t.subject, ox.NamedNode):
                self.result.skipped[f"{template_of(types)}: {shorten(t.predicate.value)}"] += 1
        self.result.skipped = Counter({k: v for k, v in self.result.skipped.items() if v})


def _plain_number(lexical: str) -> str:
    return lexical[:-2] if lexical.endswith(".0") else lexical


def write_csv(result: ExportResult, folder: Path | str) -> list[Path]:
    """One CSV file per template (header always, rows if any)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ORDER:
        path = folder / f"{name}.csv"
        cols = BY_NAME[name].column_names
        path.write_text(csv_text([cols] + [[r.get(c, "") for c in cols] for r in result.rows.get(name, [])]),
                        encoding="utf-8")
        written.append(path)
    return written


def canonical(wb: Workbook, base: str = "https://example.org/id/") -> dict[str, Counter]:
    """Per template, the multiset of rows by meaning (see the module docstring)."""
    mapper = RowMapper(wb, base, "canonical")
    mapper.collect_ids()
    mapper.index_topics()
    out: dict[str, Counter] = {}
    for name, table in wb.tables.items():
        template = BY_NAME[name]
        mapper.template = template
        rows: Counter = Counter()
        for row in table.rows:
            mapper.row = row
            rows[frozenset((c, frozenset(str(t) for t in mapper.parse(c, row.cells.get(c, ""))))
                           for c in template.column_names)] += 1
        out[name] = rows
    return out
