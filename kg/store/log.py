"""The change log: every committed change, who made it, what it changed, and how to undo it.

Each change is a node in the store's graph `graph/changes`, written in the same commit as the
change itself (so the log and the data never disagree, and a backup of the store folder or
of its quads holds the log):

    <https://w3id.org/connective-kg/change/17> a log:Change ;
        log:number 17 ; log:at "2026-12-07T10:00:00Z"^^xsd:dateTime ;
        log:who "jan" ; log:source "twente.xlsx" ; log:region "twente" ;
        log:summary "{...per template: before, after, added, removed, changed...}" ;
        log:added "<gzip+base64 N-Quads>" ; log:removed "..." ;   # the asserted delta
        log:undoes <.../change/12> .                            # for an undo

The log is not data: it is not reasoned over, validated or published. A full rebuild
(`kg build`) starts a new store and so a new log; `kg ingest --full` keeps it.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.model.namespaces import CHANGES_GRAPH, RDF, XSD
from kg.text import BilingualError, Text

LOG = "https://w3id.org/connective-kg/log#"
CHANGE = "https://w3id.org/connective-kg/change/"
_G = ox.NamedNode(CHANGES_GRAPH)
_A, _CHANGE = ox.NamedNode(RDF + "type"), ox.NamedNode(LOG + "Change")
_P = {name: ox.NamedNode(LOG + name) for name in (
    "number", "at", "who", "source", "region", "summary", "added", "removed", "undoes", "counts")}


class UndoRefused(BilingualError):
    """A change that cannot be undone; `text` says why."""


@dataclass
class Change:
    """One committed change as the log shows it (the delta itself: `delta`)."""

    number: int
    at: str
    who: str
    source: str
    region: str | None = None
    summary: dict = field(default_factory=dict)  # template -> {before, after, added, removed, changed}
    counts: dict = field(default_factory=dict)  # {"added": n, "removed": n} asserted quads
    undoes: int | None = None
    undone_by: int | None = None

    @property
    def iri(self) -> str:
        return CHANGE + str(self.number)

    def to_json(self) -> dict:
        return {"number": self.number, "at": self.at, "who": self.who, "source": self.source, "region": self.region,
                "summary": self.summary, "quads": self.counts, "undoes": self.undoes, "undone_by": self.undone_by}


def _pack(quads: Iterable[ox.Quad]) -> ox.Literal:
    text = ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS) or b""
    return ox.Literal(base64.b64encode(gzip.compress(text, 6, mtime=0)).decode(),
                      datatype=ox.NamedNode(XSD + "base64Binary"))


def _unpack(literal: ox.Literal) -> list[ox.Quad]:
    return list(ox.parse(gzip.decompress(base64.b64decode(literal.value)), ox.RdfFormat.N_QUADS))


def next_number(db: ox.Store) -> int:
    numbers = [int(q.object.value) for q in db.quads_for_pattern(None, _P["number"], None, _G)]
    return max(numbers, default=0) + 1


def record(change: Change, added: list[ox.Quad], removed: list[ox.Quad]) -> list[ox.Quad]:
    """The quads that log `change` with its asserted delta."""
    s = ox.NamedNode(change.iri)

    def lit(v: object, dt: str | None = None) -> ox.Literal:
        return ox.Literal(str(v), datatype=ox.NamedNode(XSD + dt)) if dt else ox.Literal(str(v))

    change.counts = {"added": len(added), "removed": len(removed)}
    out = [(_A, _CHANGE), (_P["number"], lit(change.number, "integer")), (_P["at"], lit(change.at, "dateTime")),
           (_P["who"], lit(change.who)), (_P["source"], lit(change.source)),
           (_P["summary"], lit(json.dumps(change.summary, sort_keys=True))),
           (_P["counts"], lit(json.dumps(change.counts, sort_keys=True))),
           (_P["added"], _pack(added)), (_P["removed"], _pack(removed))]
    if change.region:
        out.append((_P["region"], lit(change.region)))
    if change.undoes is not None:
        out.append((_P["undoes"], ox.NamedNode(CHANGE + str(change.undoes))))
    return [ox.Quad(s, p, o, _G) for p, o in out]


def _read(db: ox.Store, s: ox.NamedNode) -> Change:
    v = {q.predicate: q.object for q in db.quads_for_pattern(s, None, None, _G)}
    undoes = v.get(_P["undoes"])
    return Change(int(v[_P["number"]].value), v[_P["at"]].value, v[_P["who"]].value, v[_P["source"]].value,
                  v[_P["region"]].value if _P["region"] in v else None,
                  json.loads(v[_P["summary"]].value), json.loads(v[_P["counts"]].value),
                  int(undoes.value[len(CHANGE):]) if undoes is not None else None)


def history(db: ox.Store, region: str | None = None) -> list[Change]:
    """Every logged change, newest first (only `region`'s, if given)."""
    changes = [_read(db, q.subject) for q in db.quads_for_pattern(None, _A, _CHANGE, _G)]
    by_number = {c.number: c for c in changes}
    for c in changes:
        if c.undoes is not None and c.undoes in by_number:
            by_number[c.undoes].undone_by = c.number
    return sorted((c for c in changes if region is None or c.region == region), key=lambda c: -c.number)


def get(db: ox.Store, number: int) -> Change | None:
    return next((c for c in history(db) if c.number == number), None)


def delta(db: ox.Store, number: int) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(added, removed) asserted quads of a logged change."""
    s = ox.NamedNode(CHANGE + str(number))
    v = {q.predicate: q.object for q in db.quads_for_pattern(s, None, None, _G)}
    return _unpack(v[_P["added"]]), _unpack(v[_P["removed"]])


def inverse(db: ox.Store, number: int, skip_graphs: Iterable[str] = ()) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(added, removed) that undo change `number`, leaving `skip_graphs` to the caller; UndoRefused
    when it was undone already, is unknown, or a later change still in effect touched the same
    statements' subjects in the same graphs (undo that one first)."""
    changes = history(db)
    by_number = {c.number: c for c in changes}
    change = by_number.get(number)
    if change is None:
        raise UndoRefused(Text(nl=f"wijziging {number} bestaat niet", en=f"there is no change {number}"))
    if change.undone_by is not None:
        raise UndoRefused(Text(nl=f"wijziging {number} is al ongedaan gemaakt (door wijziging {change.undone_by})",
                               en=f"change {number} was already undone (by change {change.undone_by})"))
    skip = {ox.NamedNode(g) for g in skip_graphs}
    added, removed = delta(db, number)
    added = [q for q in added if q.graph_name not in skip]
    removed = [q for q in removed if q.graph_name not in skip]
    touched = {(q.graph_name, q.subject) for q in added + removed}
    later = []
    for c in changes:
        if c.number <= number or c.undone_by is not None or c.undoes is not None:
            continue
        a, r = delta(db, c.number)
        if any((q.graph_name, q.subject) in touched for q in a + r if q.graph_name not in skip):
            later.append(c.number)
    if later:
        ids = ", ".join(str(n) for n in sorted(later))
        raise UndoRefused(Text(
            nl=f"latere wijzigingen ({ids}) veranderden dezelfde gegevens; maak die eerst ongedaan",
            en=f"later changes ({ids}) changed the same records; undo those first"))
    return removed, added
