"""The named queries (kg/sparql/named/*.rq) as answers for programs: the catalogue and one answer.

`catalogue()` describes every named query (name, summary in Dutch and English, parameters,
example); `prepare()` gives one's text with its parameters, given as text, converted exactly as
`kg query` converts them (kg.sparql.queries.bind) and written in as serialised RDF terms, for the
SPARQL workers that run it under their deadline; `from_results()` reads the worker's answer
(variables and at most the row cap's rows, saying whether more were cut).
`NamedQueryError` says in Dutch and English which parameter is at fault and why
(`status` 404 for an unknown query, 400 for a parameter). `to_json`, `to_csv` and `to_tsv` write
an answer as SPARQL 1.1 results JSON, as CSV for spreadsheets (kg.sheets: a text that starts like
a formula gets a leading `'`; numbers stay numbers) and as SPARQL 1.1 results TSV (terms in their
Turtle form; a literal that starts like a formula has that first character written as a `\\uXXXX`
escape, so a SPARQL parser reads the same value and a spreadsheet shows inert text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import pyoxigraph as ox

from kg.rdf import results as sr
from kg.rdf.sparql_text import with_values
from kg.sheets import FORMULA_START, csv_text
from kg.sparql import queries
from kg.store import Readable
from kg.text import BilingualError, Strings, Text

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMBERS = {_XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                               "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                               "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort",
                               "unsignedByte")}
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

# What a value of each parameter type must look like (kg.sparql.queries.convert).
_EXPECTED = Strings({
    "actor": Text(nl="een actor op IRI, id of naam", en="an actor by IRI, id or name"),
    "topic": Text(nl="een thema op IRI, id of label (nl of en)", en="a topic by IRI, id or label (nl or en)"),
    "iri": Text(nl="een IRI", en="an IRI"),
    "string": Text(nl="tekst", en="text"),
    "integer": Text(nl="een geheel getal", en="a whole number"),
    "decimal": Text(nl="een getal (met een punt als decimaalteken)", en="a number (with a decimal point)"),
    "date": Text(nl="een datum JJJJ-MM-DD of today", en="a date YYYY-MM-DD or today"),
    "boolean": Text(nl="true of false", en="true or false"),
})


class NamedQueryError(BilingualError):
    """A named query that cannot be answered as asked.

    `code`: unknown-query (status 404), unknown-parameter, missing-parameter, invalid-parameter,
    no-match (no actor or topic matches), ambiguous-parameter (more than one does; `candidates`
    lists them as (iri, label)). `param` names the parameter at fault (None for unknown-query)."""

    def __init__(self, code: str, text: Text, param: str | None = None,
                 candidates: list[tuple[str, str]] | None = None):
        super().__init__(text)
        self.code = code
        self.param = param
        self.candidates = candidates or []

    @property
    def status(self) -> int:
        return 404 if self.code == "unknown-query" else 400

    def to_json(self) -> dict:
        error: dict = {"status": self.status, "code": self.code, **self.text.both()}
        if self.param is not None:
            error["param"] = self.param
        if self.candidates:
            error["candidates"] = [{"iri": iri, "label": label} for iri, label in self.candidates]
        return {"error": error}


@dataclass(frozen=True)
class Answer:
    """A named query's answer: its variables, at most the row cap's rows, and whether more were cut."""

    name: str
    variables: list[str]
    rows: list[list[sr.Term | None]]
    cut: bool
    row_cap: int


def describe(q: queries.NamedQuery) -> dict:
    """One named query for the catalogue: name, summary (nl and en), parameters, example."""
    return {
        "name": q.name,
        "summary": {"nl": q.summary_in("nl"), "en": q.summary_in("en")},
        "parameters": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                        "description": p.description} for p in q.params],
        "example": dict(q.example),
    }


def catalogue() -> list[dict]:
    """Every named query (describe()), by name."""
    return [describe(q) for q in queries.catalogue().values()]


def lookup(name: str) -> queries.NamedQuery:
    """The named query `name`; NamedQueryError unknown-query (with near names) if there is none."""
    try:
        return queries.catalogue()[name]
    except KeyError:
        near = [n for n in queries.catalogue() if name.lower() in n or n in name.lower()]
        hint = Text(nl=f" Bedoel je: {', '.join(near)}?", en=f" Did you mean: {', '.join(near)}?") if near \
            else Text(nl="", en="")
        raise NamedQueryError("unknown-query", Text(
            nl=f"er is geen benoemde query {name!r}.{hint.nl} /api/queries somt ze op.",
            en=f"there is no named query {name!r}.{hint.en} /api/queries lists them.")) from None


def prepare(db: Readable, name: str, raw: dict[str, str], view: str) -> str:
    """The text of the named query `name` holding its parameters `raw` (text, as `kg query
    --param`), converted to RDF terms over `view` of `db` exactly as `kg query` converts them and
    written in by kg.rdf.sparql_text.with_values (serialised terms, never the text as given), for
    the web app's SPARQL workers, which run it under their deadline and limits. Raises
    NamedQueryError."""
    q = lookup(name)
    try:
        bindings = queries.bind(cast(ox.Store, db), q, raw, view)
    except queries.QueryError as e:
        raise _param_error(q, raw, e) from None
    return with_values(q.text, bindings, strings=isinstance(db, ox.Store))  # Virtuoso: see inline


def from_results(name: str, body: bytes, cut: bool, row_cap: int) -> Answer:
    """An answer from SPARQL 1.1 results JSON (what a worker sends back)."""
    results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if not isinstance(results, ox.QuerySolutions):  # every named query is a SELECT (tests/test_named_queries.py)
        raise TypeError(f"the named query {name} is not a SELECT")
    variables = [v.value for v in results.variables]
    return Answer(name, variables, [[r[v] for v in variables] for r in results], cut, row_cap)


def _param_error(q: queries.NamedQuery, raw: dict[str, str], e: queries.QueryError) -> NamedQueryError:
    name = e.param or ""
    takes = ", ".join(p.name for p in q.params)
    param = next((p for p in q.params if p.name == name), None)
    if param is None:
        unknown = ", ".join(repr(k) for k in sorted(set(raw) - {p.name for p in q.params}))
        return NamedQueryError("unknown-parameter", Text(
            nl=f"{q.name} heeft geen parameter {unknown}; de parameters zijn: {takes or 'geen'}",
            en=f"{q.name} has no parameter {unknown}; it takes: {takes or 'none'}"), name)
    if name not in raw and param.default is None:
        return NamedQueryError("missing-parameter", Text(
            nl=f"{q.name} heeft de parameter {name!r} nodig: {_EXPECTED[param.type].nl}",
            en=f"{q.name} needs the parameter {name!r}: {_EXPECTED[param.type].en}"), name)
    value = raw.get(name, param.default or "")
    if isinstance(e, queries.AmbiguousName):
        listed = "; ".join(f"{label} <{iri}>" for iri, label in e.candidates)
        return NamedQueryError("ambiguous-parameter", Text(
            nl=f"{name}={value!r} past bij {len(e.candidates)} mogelijkheden: {listed}. Geef de IRI of de id.",
            en=f"{name}={value!r} matches {len(e.candidates)} candidates: {listed}. Give the IRI or the id."),
            name, list(e.candidates))
    if param.type in ("actor", "topic"):
        return NamedQueryError("no-match", Text(
            nl=f"{name}={value!r}: geen {'actor' if param.type == 'actor' else 'thema'} past erbij "
               "(op IRI, id of naam)",
            en=f"{name}={value!r}: no {param.type} matches it (by IRI, id or name)"), name)
    return NamedQueryError("invalid-parameter", Text(
        nl=f"{name}={value!r} is geen geldige waarde: verwacht {_EXPECTED[param.type].nl}",
        en=f"{name}={value!r} is not a valid value: expected {_EXPECTED[param.type].en}"), name)


def to_json(a: Answer) -> bytes:
    """SPARQL 1.1 Query Results JSON."""
    return sr.to_json(a.variables, a.rows)


def to_csv(a: Answer) -> str:
    """CSV for spreadsheets: a header of the variables, then each row's values (IRIs and literals by
    their value, an unbound cell empty); a text that starts like a formula gets a leading `'`
    (kg.sheets), a numeric literal stays a number."""
    return csv_text([a.variables, *([_cell(t) for t in row] for row in a.rows)])


def to_tsv(a: Answer) -> str:
    """SPARQL 1.1 Query Results TSV: `?variable` headers, each value as a Turtle term (an unbound
    cell empty). Tabs and line breaks inside literals are escaped by the terms' serialisation."""
    lines = ["\t".join("?" + v for v in a.variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in a.rows]
    return "\n".join(lines) + "\n"


def _tsv_term(t: sr.Term | None) -> str:
    if t is None:
        return ""
    text = str(t)
    if isinstance(t, ox.Literal) and t.value.startswith(FORMULA_START):  # '"=...' -> '"\u003D...'
        first = str(ox.Literal(t.value[0]))[1:-1]  # as the serialisation wrote it ("\t" for a tab)
        text = '"' + f"\\u{ord(t.value[0]):04X}" + text[1 + len(first):]
    return text


def _cell(t: sr.Term | None) -> object:
    if t is None:
        return None
    if isinstance(t, ox.BlankNode):
        return "_:" + t.value
    if isinstance(t, ox.Triple):
        return f"<< {t.subject} {t.predicate} {t.object} >>"
    if isinstance(t, ox.Literal) and t.datatype.value in _NUMBERS and _NUMBER.fullmatch(t.value):
        return Decimal(t.value)  # written as a number, so "-5" is not taken for a formula
    return t.value


def given(q: queries.NamedQuery, args: list[tuple[str, str]], reserved: tuple[str, ...] = ()) -> dict[str, str]:
    """The parameters of `q` among a request's (name, value) pairs. A name in `reserved` that `q`
    does not take is the caller's own (e.g. `format`, `lang`) and left out; a name given twice is
    a NamedQueryError repeated-parameter; names `q` does not take are left in (prepare() names them)."""
    out: dict[str, str] = {}
    own = {p.name for p in q.params}
    for key, value in args:
        if key in reserved and key not in own:
            continue
        if key in out:
            raise NamedQueryError("repeated-parameter", Text(
                nl=f"de parameter {key!r} staat meer dan eens in het verzoek; geef hem één keer",
                en=f"the parameter {key!r} is given more than once; give it once"), key)
        out[key] = value
    return out
