"""What an ingest will change: per template, the rows added, removed and changed against the
region's stored version (people 120 -> 118: 3 added, 5 removed, 12 changed).

A row is its node (a person, a tie, ...) with everything the region graph states about it,
including its period (blank nodes, compared by their path from the row, not their label).
Relation rows (memberships, adoptions, ties) are named by what they mean, so changing one
of their cells shows as one removed and one added row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TypedDict

import pyoxigraph as ox

from kg.ingest.export import template_of
from kg.ingest.templates import ORDER
from kg.model.namespaces import CKG, RDF, RDFS, XSD

_TYPE, _LABEL, _DECIMAL = RDF + "type", RDFS + "label", XSD + "decimal"
LISTED = 50  # ids listed per kind of change in a summary
_ORG = "http://www.w3.org/ns/org#"
# Relation rows have no code: they are shown by the codes they connect.
RELATION_LABELS = {"memberships": (_ORG + "member", _ORG + "organization", "{} @ {}"),
                   "ties": (CKG + "source", CKG + "target", "{} -> {}"),
                   "adoptions": (CKG + "adopter", CKG + "adoptedArtefact", "{} <- {}")}



class ListedId(TypedDict):
    id: str
    label: str | None


class TemplateChangeJSON(TypedDict):
    """One template's change in the report: rows before and after, how many were added, removed
    and changed, and the first ids of each (at most `listed`)."""

    before: int
    after: int
    added: int
    removed: int
    changed: int
    ids: dict[str, list[ListedId]]  # "added", "removed", "changed"


class ChangesJSON(TypedDict):
    new_region: bool
    unchanged: bool
    removes_most_people: bool  # more than half of the region's people: the upload asks again
    templates: dict[str, TemplateChangeJSON]

@dataclass
class TemplateChange:
    before: int = 0
    after: int = 0
    added: list[str] = field(default_factory=list)  # ids (the code, or the node's IRI for relation rows)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # id -> name, for added/removed/changed actors

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_json(self, listed: int = LISTED) -> TemplateChangeJSON:
        return {"before": self.before, "after": self.after, "added": len(self.added),
                "removed": len(self.removed), "changed": len(self.changed),
                "ids": {k: [{"id": i, "label": self.labels.get(i)} for i in getattr(self, k)[:listed]]
                        for k in ("added", "removed", "changed")}}


@dataclass
class Changes:
    """Per template (in template order), and whether the region existed before."""

    templates: dict[str, TemplateChange]
    new_region: bool

    @property
    def unchanged(self) -> bool:
        return all(c.unchanged for c in self.templates.values())

    def removes_most_people(self) -> bool:
        """True when more than half of the region's people would be removed (asks again)."""
        p = self.templates.get("people")
        return bool(p and p.before and len(p.removed) * 2 > p.before)

    def to_json(self, listed: int = LISTED) -> ChangesJSON:
        return {"new_region": self.new_region, "unchanged": self.unchanged,
                "removes_most_people": self.removes_most_people(),
                "templates": {n: c.to_json(listed) for n, c in self.templates.items()}}


def _term(o: ox.Term) -> str:
    """A term as text; decimals by value (the store writes "1.0"^^xsd:decimal as "1")."""
    if isinstance(o, ox.Literal) and o.datatype.value == _DECIMAL:
        try:
            return "decimal:" + format(Decimal(o.value).normalize(), "f")
        except InvalidOperation:
            pass
    return str(o)


def rows_of(quads: Iterable[ox.Quad | ox.Triple]) -> dict[ox.NamedNode, tuple[str, frozenset, str | None]]:
    """Row node -> (template, what the graph states about it, its label) for one region graph."""
    by_subject: dict = defaultdict(list)
    parent: dict[ox.BlankNode, tuple] = {}
    for q in quads:
        by_subject[q.subject].append((q.predicate, q.object))
        if isinstance(q.object, ox.BlankNode):
            parent[q.object] = (q.subject, q.predicate)

    def key(node):  # blank nodes by their path from the row node
        path = []
        while isinstance(node, ox.BlankNode) and node in parent:
            node, pred = parent[node]
            path.append(pred.value)
        return (node.value if not isinstance(node, ox.BlankNode) else "_", tuple(reversed(path)))

    def root(node):
        while isinstance(node, ox.BlankNode) and node in parent:
            node = parent[node][0]
        return node

    facts: dict = defaultdict(set)
    for s, pos in by_subject.items():
        r = root(s)
        for p, o in pos:
            facts[r].add((key(s), p.value, key(o) if isinstance(o, ox.BlankNode) else _term(o)))
    out = {}
    for s in facts:
        if not isinstance(s, ox.NamedNode):
            continue
        types = {o.value for p, o in by_subject[s] if p.value == _TYPE}
        name = template_of(types)
        if name is None:
            continue
        label = next((o.value for p, o in by_subject[s] if p.value == _LABEL), None)
        if name in RELATION_LABELS:
            a, b, fmt = RELATION_LABELS[name]
            ends = [sorted(o.value for p, o in by_subject[s] if p.value == x) for x in (a, b)]
            label = fmt.format(*(",".join(e) for e in ends)) if all(ends) else None
        out[s] = (name, frozenset(facts[s]), label)
    return out


def compare(old: Iterable[ox.Quad | ox.Triple], new: Iterable[ox.Quad | ox.Triple], base: str,
            new_region: bool) -> Changes:
    """The changes from the region graph `old` to `new`, per template."""
    before, after = rows_of(old), rows_of(new)
    per = {name: TemplateChange() for name in ORDER}

    def ident(node: ox.NamedNode) -> str:
        return node.value[len(base):] if node.value.startswith(base) else node.value

    def short(label: str | None) -> str | None:  # relation labels name nodes by IRI: shorten to codes
        return label.replace(base, "") if label else label

    for node, (name, facts, label) in before.items():
        c = per[name]
        c.before += 1
        other = after.get(node)
        if other is None or other[0] != name:
            c.removed.append(ident(node))
        elif other[1] != facts:
            c.changed.append(ident(node))
        else:
            continue
        if label:
            c.labels[ident(node)] = short(other[2] if other and other[2] else label)
    for node, (name, _facts, label) in after.items():
        c = per[name]
        c.after += 1
        old = before.get(node)
        if old is None or old[0] != name:
            c.added.append(ident(node))
            if label:
                c.labels[ident(node)] = short(label)
    for c in per.values():
        c.added.sort()
        c.removed.sort()
        c.changed.sort()
    return Changes(per, new_region)
