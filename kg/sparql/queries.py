"""Named SPARQL queries: `.rq` files with a `#+` header, run with bound parameters.

Header format (one query per file)::

    #+ summary: Who knows about a topic, with the evidence.
    #+ summary_nl: Wie weet iets van een thema, met het bewijs.
    #+ params:
    #+   - topic: topic, required. A topic by IRI, id or label (nl or en).
    #+   - limit: integer, default 50. At most this many rows.
    #+ example: topic=W&T

Parameter types: `actor` and `topic` (an IRI, a local id or a label, resolved
against the store), `iri`, `string`, `integer`, `decimal`, `date` (YYYY-MM-DD
or `today`), `boolean`. `#+ example:` gives parameters (space-separated
KEY=VALUE, values without spaces or quoted) that work on the Twente sample;
the test suite runs every query with them.

Every parameter is bound as a SPARQL variable of the same name
(pyoxigraph substitutions), never pasted into the query text, so it must be
projected by the SELECT. A parameter with no default and not `required` is
an error in the header: optional parameters carry a default, because a bound
variable cannot be tested with BOUND().

Parameters act as outer bindings, not as text replacement: a subquery sees
a parameter only if it projects it; a group inside a UNION branch does not
see it; an OPTIONAL whose join variable may be unbound matches everything
(filter on the parameter inside it). The union default graph keeps a triple
stated in two graphs twice, so counting queries use DISTINCT.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg.model import resources
from kg.model.namespaces import local_name
from kg.store import run_query

TYPES = ("actor", "topic", "iri", "string", "integer", "decimal", "date", "boolean")
_XSD = "http://www.w3.org/2001/XMLSchema#"


class QueryError(Exception):
    """A named query or one of its parameters cannot be used as given; `param` names the parameter
    when one is at fault (set by `bind`)."""

    param: str | None = None


class AmbiguousName(QueryError):
    def __init__(self, text: str, candidates: list[tuple[str, str]]):
        self.text = text
        self.candidates = candidates
        listed = "; ".join(f"{label} <{iri}>" for iri, label in candidates)
        super().__init__(f"{text!r} matches {len(candidates)} actors: {listed}. Give the IRI or the id.")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    default: str | None
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    text: str
    summary: str
    summary_nl: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    example: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def summary_in(self, lang: str) -> str:
        return self.summary_nl if lang == "nl" and self.summary_nl else self.summary


_PARAM = re.compile(r"^-\s*(\w+)\s*:\s*(\w+)\s*,\s*(required|default\s+(\S+))\s*\.\s*(.*)$")


def parse_header(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[Param] = []
    in_params = False
    for line in text.splitlines():
        if not line.startswith("#+"):
            if line.strip() and not line.startswith("#"):
                break
            continue
        body = line[2:].strip()
        if in_params and body.startswith("-"):
            m = _PARAM.match(body)
            if not m:
                raise QueryError(f"{path.name}: cannot read parameter line {body!r}")
            name, typ, req, default, desc = m.groups()
            if typ not in TYPES:
                raise QueryError(f"{path.name}: parameter {name} has unknown type {typ!r}")
            params.append(Param(name, typ, req == "required", default, desc.strip()))
            continue
        key, _, value = body.partition(":")
        in_params = key.strip() == "params"
        fields[key.strip()] = value.strip()
    if "summary" not in fields:
        raise QueryError(f"{path.name}: header lacks '#+ summary:'")
    example = dict(kv.split("=", 1) for kv in shlex.split(fields.get("example", "")))
    return NamedQuery(path.stem, path, text, fields["summary"], fields.get("summary_nl", ""), tuple(params), example)


@lru_cache(maxsize=1)
def _catalogue(folder: Path) -> dict[str, NamedQuery]:
    return {p.stem: parse_header(p) for p in sorted(folder.glob("*.rq"))}


def catalogue() -> dict[str, NamedQuery]:
    return _catalogue(resources.queries_dir())


def get(name: str) -> NamedQuery:
    try:
        return catalogue()[name]
    except KeyError:
        near = [n for n in catalogue() if name.lower() in n or n in name.lower()]
        hint = f" Did you mean: {', '.join(near)}?" if near else ""
        raise QueryError(f"no named query {name!r}.{hint} `kg query` lists them.") from None


def run(store: ox.Store, name: str, raw: dict[str, str] | None = None, view: str = "internal"):
    """Run a named query with parameters given as text; returns pyoxigraph results.

    `view` is "internal" (all data) or "public" (what anyone may see; actor
    names are then matched against public labels only)."""
    q = get(name)
    return run_query(store, q.text, bind(store, q, raw, view), view)


def bind(store: ox.Store, q: NamedQuery, raw: dict[str, str] | None = None,
         view: str = "internal") -> dict[str, ox.NamedNode | ox.Literal]:
    """The RDF terms of `q`'s parameters given as text (defaults for those not given).

    Raises QueryError with `param` set to the parameter at fault: one `q` does not take
    (the first in name order), a required one not given, or a value `convert` refuses
    (AmbiguousName for an ambiguous actor or topic)."""
    raw = dict(raw or {})
    unknown = set(raw) - {p.name for p in q.params}
    if unknown:
        error = QueryError(f"{q.name} has no parameter {', '.join(sorted(unknown))}; it takes: "
                           + (", ".join(p.name for p in q.params) or "none"))
        error.param = min(unknown)
        raise error
    bindings: dict[str, ox.NamedNode | ox.Literal] = {}
    for p in q.params:
        value = raw.get(p.name, p.default)
        try:
            if value is None:
                raise QueryError(f"{q.name} needs --param {p.name}=... ({p.description})")
            bindings[p.name] = convert(store, p, value, view)
        except QueryError as e:
            e.param = p.name
            raise
    return bindings


def convert(store: ox.Store, p: Param, value: str, view: str = "internal") -> ox.NamedNode | ox.Literal:
    """Turn a parameter's text into an RDF term of its declared type."""
    try:
        if p.type == "actor":
            return resolve_actor(store, value, view)
        if p.type == "topic":
            return resolve_topic(store, value, view)
        if p.type == "iri":
            return ox.NamedNode(value)
        if p.type == "string":
            return ox.Literal(value)
        if p.type == "integer":
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(_XSD + "integer"))
        if p.type == "decimal":
            float(value)
            return ox.Literal(value, datatype=ox.NamedNode(_XSD + "decimal"))
        if p.type == "date":
            if value == "today":
                value = dt.date.today().isoformat()
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError("expected YYYY-MM-DD")
            return ox.Literal(value, datatype=ox.NamedNode(_XSD + "date"))
        if p.type == "boolean":
            if value.lower() not in ("true", "false"):
                raise ValueError("expected true or false")
            return ox.Literal(value.lower(), datatype=ox.NamedNode(_XSD + "boolean"))
    except ValueError as e:
        raise QueryError(f"parameter {p.name}={value!r} is not a valid {p.type}: {e}") from None
    raise QueryError(f"parameter {p.name} has unknown type {p.type}")


# (text, view) -> resolve-actor's best (iri, label) matches, or None when it cannot tell
# (kg.answers.read_index: the names kept per store generation)
Names = Callable[[str, str], "list[tuple[str, str]] | None"]


def _candidates(store: ox.Store, query: str, text: str, view: str, names: Names | None = None) -> list[tuple[str, str]]:
    """(iri, label) pairs of the best-ranked matches: IRI before id before label; `names` may give
    resolve-actor's without reading every actor.

    Text that is the IRI of a match is looked up with ?iri bound first (a few index seeks): only that
    IRI can have rank 1, the best, so its rows are the answer; the whole query reads every actor
    (0.1 s in memory and 0.3 s on disk at 10,000 people, six times for a person page)."""
    if ":" in text and not any(c.isspace() for c in text):
        try:
            node = ox.NamedNode(text)
        except ValueError:
            node = None
        if node is not None:
            exact = [(r["iri"].value, r["label"].value) for r in run_query(
                store, get(query).text, {"text": ox.Literal(text), "iri": node}, view) if int(r["rank"].value) == 1]
            if exact:
                return sorted(set(exact))
    found = names(text, view) if names and query == "resolve-actor" else None
    if found is not None:
        return found
    rows = [(int(r["rank"].value), r["iri"].value, r["label"].value)
            for r in run_query(store, get(query).text, {"text": ox.Literal(text)}, view)]
    best = min((rank for rank, _, _ in rows), default=0)
    return sorted({(iri, label) for rank, iri, label in rows if rank == best})


def resolve_actor(store: ox.Store, text: str, view: str = "internal", names: Names | None = None) -> ox.NamedNode:
    """An actor by IRI, by local id (the IRI's last segment) or by label (any case)."""
    return _resolve_found(_candidates(store, "resolve-actor", text.strip(), view, names), text, "actor")


def resolve_actor_labelled(store: ox.Store, text: str, view: str = "internal",
                           names: Names | None = None) -> tuple[ox.NamedNode, str]:
    """resolve_actor, with the label the actor was found under (its IRI's last segment if none)."""
    found = _candidates(store, "resolve-actor", text.strip(), view, names)
    node = _resolve_found(found, text, "actor")
    return node, min((label for iri, label in found if iri == node.value), default=local_name(node.value))


def resolve_topic(store: ox.Store, text: str, view: str = "internal") -> ox.NamedNode:
    """A topic by IRI, id or any SKOS label in Dutch or English (any case)."""
    return _resolve(store, "resolve-topic", text, "topic", view)


def _resolve(store: ox.Store, query: str, text: str, kind: str, view: str) -> ox.NamedNode:
    return _resolve_found(_candidates(store, query, text.strip(), view), text, kind)


def _resolve_found(found: list[tuple[str, str]], text: str, kind: str) -> ox.NamedNode:
    iris = sorted({iri for iri, _ in found})
    if len(iris) == 1:
        return ox.NamedNode(iris[0])
    if not iris:
        raise QueryError(f"no {kind} matches {text!r} (by IRI, id or label)")
    labels = {}
    for iri, label in found:
        labels.setdefault(iri, label)
    raise AmbiguousName(text, sorted(labels.items()))
