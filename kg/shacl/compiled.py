"""Set-at-a-time SHACL validation on Oxigraph, reporting exactly what pySHACL reports.

pySHACL checks every constraint focus node by focus node in Python and runs a
SHACL-SPARQL constraint once per focus node on rdflib's engine (~100 s at 1M
triples). This module compiles the shapes graph into one SPARQL SELECT per
(shape, constraint) that returns every violating (focus node, value) of the
whole data view at once, runs them on an in-memory pyoxigraph Store and turns
the rows into the same `Finding`s as kg.shacl.validate's pySHACL path: same focus,
source shape, severity, component, path, value and messages (with pySHACL's
{$this}/{?var} substitution). pySHACL stays the reference; the differential
test (tests/test_shacl_engines.py) checks the two agree.

Only the SHACL features the project's shapes use are supported (see
SUPPORTED); anything else raises `UnsupportedShapes`, so a new shape is never
silently ignored.

Two places where Oxigraph and rdflib see data differently, and what is done:

* Oxigraph stores literals by value: "40.0"^^xsd:decimal comes back as "40",
  "5"^^xsd:int as "5"^^xsd:integer, "2024-09-01+00:00" as "2024-09-01Z".
  pySHACL (on rdflib) reports the literal as written. `data_view` finds the
  literals the store would rewrite and keeps a map back to the original; a
  rewrite that would merge two different literals, change the datatype or
  hide an ill-typed value stores a private surrogate literal instead
  ("40.0"^^<urn:x-connective-kg:literal:...#decimal>), so the store's terms
  and the data's terms correspond one to one.
* Value checks (sh:datatype with ill-typed literals, sh:minInclusive on odd
  literals, sh:pattern with Python's regex dialect, sh:in with literals,
  sh:or): SPARQL lets through only values that certainly conform in
  pySHACL's terms; every other value is a candidate that is decided in
  Python by the same rule pySHACL applies to the literal as written. In
  practice almost every value passes in SPARQL.

SHACL-SPARQL constraints run with `$this` as a variable joined with the
focus nodes (instead of one query per pre-bound focus node). Rewritten
literals keep their value, but their lexical form is Oxigraph's (STR() of
"40.0"^^xsd:decimal is "40"); the project's constraints only read dates,
through the first ten characters of STR(), which no rewrite changes.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import pyoxigraph as ox
import rdflib
from rdflib import RDF, RDFS, BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, SH, XSD

from kg.model.namespaces import local_name, shorten
from kg.rdf.rdfio import from_rdflib, to_rdflib
from kg.rdf.sparql_text import is_word, tokens
from kg.shacl.findings import Finding

__all__ = ["UnsupportedShapes", "DataView", "Check", "compile_shapes", "data_view", "data_view_from_rdflib",
           "validate_view", "SUPPORTED"]


class UnsupportedShapes(ValueError):
    """The shapes use a SHACL feature this engine does not implement (use engine="pyshacl")."""


# --- what is supported ------------------------------------------------------------

_CONSTRAINTS = {  # parameter -> sh:sourceConstraintComponent local name
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH["class"]: "ClassConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH.disjoint: "DisjointConstraintComponent",
    SH.equals: "EqualsConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH.sparql: "SPARQLConstraintComponent",
}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Shape predicates that do not validate anything by themselves.
_STRUCTURE = {*_TARGETS, SH.property, SH.path, SH.severity, SH.message, SH.deactivated, SH.flags,
              SH.name, SH.description, SH.order, SH.group}
SUPPORTED = tuple(sorted(str(p).removeprefix(str(SH)) for p in [*_CONSTRAINTS, *_STRUCTURE]))
# Value-level constraints a member shape of sh:or may use.
_OR_MEMBER_CONSTRAINTS = {SH.datatype, SH.nodeKind, SH["in"], SH.minInclusive, SH.maxInclusive, SH.pattern}
_SPARQL_CONSTRAINT_PREDICATES = {RDF.type, SH.select, SH.prefixes, SH.deactivated, RDFS.label, RDFS.comment}

XSD_NS = str(XSD)
SURROGATE = "urn:x-connective-kg:literal:"

# Lexical forms that rdflib reads as valid and Oxigraph evaluates by value; a
# value outside them is decided in Python. Sound, not complete: a match is
# certainly a valid literal of that datatype for both.
_YEAR = "([0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"
_TZ = "(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?"
DATE_RX = f"^({_YEAR}-{_MONTH_DAY}|{_LEAP}-02-29){_TZ}$"
STRICT = {
    str(XSD.integer): "^[+-]?[0-9]+$",
    str(XSD.decimal): r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    str(XSD.date): DATE_RX,
}
# Numbers Oxigraph compares exactly (64-bit integers, decimals with 18 fraction digits).
_NUMERIC_RX = {
    str(XSD.integer): "^[+-]?[0-9]{1,18}$",
    str(XSD.decimal): r"^[+-]?([0-9]{1,18}(\.[0-9]{0,18})?|\.[0-9]{1,18})$",
}
_STRING_TYPES = (str(XSD.string), str(RDF.langString))


# --- the data view in Oxigraph -------------------------------------------------------

@dataclass
class DataView:
    """The validated graph in an in-memory Oxigraph store (queried as the union of its graphs),
    and how to turn the store's terms back into the data's terms."""

    store: ox.Store
    originals: dict  # store term -> the data's ox term, where the store holds another term
    rdflib_terms: dict  # ox term -> rdflib term, where from_rdflib/to_rdflib do not round-trip

    def output(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
        term = self.originals.get(term, term)
        found = self.rdflib_terms.get(term) if self.rdflib_terms else None
        return found if found is not None else to_rdflib(term)

    def query(self, text: str, decoding: bool = False) -> ox.QuerySolutions:
        functions = None
        if decoding:
            functions = {ox.NamedNode(_DECODED["STR"]): self._str, ox.NamedNode(_DECODED["DATATYPE"]): self._datatype}
        return self.store.query(text, use_default_graph_as_union=True, custom_functions=functions)

    def _str(self, t):  # STR() of the data's own term
        if isinstance(t, ox.Literal):
            return ox.Literal(self.originals.get(t, t).value)
        return ox.Literal(t.value) if isinstance(t, ox.NamedNode) else None

    def _datatype(self, t):  # DATATYPE() of the data's own literal
        return self.originals.get(t, t).datatype if isinstance(t, ox.Literal) else None


def data_view(quads: Iterable[ox.Quad], exclude: str | None = None, add: Iterable[ox.Quad] = ()) -> DataView:
    """The graph pySHACL would see, in Oxigraph: every triple of `quads` outside the
    named graph `exclude` that is not also stated in `exclude`, plus the triples `add`.

    Graph names are kept (queries use the union of the graphs), so the quads go to
    the store as they are."""
    keep: list[ox.Quad] = []
    excluded: set[tuple] = set()
    typed: set[ox.Literal] = set()
    skip = ox.NamedNode(exclude) if exclude is not None else None
    lit = ox.Literal
    for q in quads:
        if skip is not None and q.graph_name == skip:
            excluded.add((q.subject, q.predicate, q.object))
            continue
        keep.append(q)
        o = q.object
        if type(o) is lit:
            d = o.datatype
            if d is not None and d.value.startswith(XSD_NS) and d.value not in _STRING_TYPES:
                typed.add(o)
    subjects = {t[0] for t in excluded}
    readded: set[ox.Quad] = set()
    for q in add:
        keep.append(q)
        o = q.object
        if type(o) is lit:
            d = o.datatype
            if d is not None and d.value.startswith(XSD_NS) and d.value not in _STRING_TYPES:
                typed.add(o)
        if q.subject in subjects and (q.subject, q.predicate, q.object) in excluded:
            readded.add(q)
    return _make_view(keep, typed, sorted(excluded, key=str), readded)


def data_view_from_rdflib(graph: rdflib.Graph) -> DataView:
    """An rdflib graph as a data view (for callers that hold rdflib graphs, e.g. tests)."""
    g = ox.NamedNode("urn:x-connective-kg:graph")
    back: dict = {}
    quads = []
    conv: dict = {}

    def term(t: rdflib.term.Node):
        o = conv.get(t)
        if o is None:
            o = conv[t] = from_rdflib(t)
            if to_rdflib(o) != t:
                back[o] = t
        return o

    typed: set[ox.Literal] = set()
    for s, p, o in graph:
        q = ox.Quad(term(s), term(p), term(o), g)
        quads.append(q)
        if isinstance(q.object, ox.Literal):
            d = q.object.datatype
            if d is not None and d.value.startswith(XSD_NS) and d.value not in _STRING_TYPES:
                typed.add(q.object)
    view = _make_view(quads, typed, [], set())
    view.rdflib_terms = back
    return view


def _make_view(quads: list[ox.Quad], typed: set[ox.Literal], excluded: list[tuple], readded: set) -> DataView:
    originals, surrogates = _literal_map(typed)
    if surrogates:
        quads = [ox.Quad(q.subject, q.predicate, surrogates[q.object], q.graph_name)
                 if q.object in surrogates else q for q in quads]
    store = ox.Store()
    store.extend(quads)
    # A triple stated in the excluded graph is not in the view, whichever graph states it
    # (as when the rdflib data view removes the ontology's triples), unless added back.
    for s, p, o in excluded:
        for q in list(store.quads_for_pattern(s, p, surrogates.get(o, o))):
            if originals.get(q.object, q.object) == o and ox.Quad(s, p, o, q.graph_name) not in readded:
                store.remove(q)
    return DataView(store, originals, {})


def _literal_map(typed: set[ox.Literal]) -> tuple[dict, dict]:
    """Which literals the store would rewrite, and what to store instead.

    Returns (store term -> original, original -> surrogate)."""
    if not typed:
        return {}, {}
    probe = ox.Store()
    listed = sorted(typed, key=lambda t: (t.datatype.value, t.value))
    p = ox.NamedNode(SURROGATE + "p")
    probe.extend(ox.Quad(ox.NamedNode(f"{SURROGATE}{i}"), p, t) for i, t in enumerate(listed))
    canonical = {listed[int(q.subject.value[len(SURROGATE):])]: q.object for q in probe}
    taken = {t for t, c in canonical.items() if t == c}
    originals: dict = {}
    surrogates: dict = {}
    for t in listed:
        c = canonical[t]
        if c == t:
            continue
        if (c.datatype == t.datatype and c not in taken
                and (not _strict_ok(c) or _datatype_ok(to_rdflib(t), URIRef(t.datatype.value)))):
            taken.add(c)
            originals[c] = t
        else:
            s = ox.Literal(t.value, datatype=ox.NamedNode(SURROGATE + t.datatype.value))
            surrogates[t] = s
            originals[s] = t
    return originals, surrogates


def _strict_ok(term: ox.Literal) -> bool:
    rx = STRICT.get(term.datatype.value)
    return rx is not None and re.search(rx, term.value) is not None


# --- pySHACL's value rules (pySHACL 0.40.1, constraints/core), on rdflib terms ----------

def _actual_datatype(value_node: Literal, rule: URIRef) -> bool:
    value = value_node.value
    if rule == XSD.string or rule == RDF.langString:
        return isinstance(value, (str, bytes))
    checks = {XSD.integer: int, XSD.float: float, XSD.decimal: Decimal, XSD.boolean: bool,
              XSD.date: datetime.date, XSD.time: datetime.time, XSD.dateTime: datetime.datetime}
    kind = checks.get(rule)
    return True if kind is None else isinstance(value, kind)


def _datatype_ok(v: rdflib.term.Node, rule: URIRef) -> bool:
    if not isinstance(v, Literal):
        return False
    if v.datatype == rule:
        return getattr(v, "ill_typed", None) is not True and _actual_datatype(v, rule)
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and rule == XSD.string:
        return _actual_datatype(v, rule)
    if rule == RDF.langString and v.language:
        return _actual_datatype(v, rule)
    return False


def _node_kind_ok(v: rdflib.term.Node, kind: URIRef) -> bool:
    if isinstance(v, BNode):
        return kind in (SH.BlankNode, SH.BlankNodeOrLiteral, SH.BlankNodeOrIRI)
    if isinstance(v, Literal):
        return kind in (SH.Literal, SH.BlankNodeOrLiteral, SH.IRIOrLiteral)
    return kind in (SH.IRI, SH.IRIOrLiteral, SH.BlankNodeOrIRI)


def _compare_literal(l1: Literal, l2: Literal) -> int:
    if l1.eq(l2):
        return 0
    if l1.value.__class__ in (datetime.datetime, datetime.time):
        if l1.value == l2.value:
            return 0
        if l1.value > l2.value:
            return 1
    elif l1 > l2:
        return 1
    return -1


def _range_ok(v: rdflib.term.Node, bound: Literal, accept: Callable[[int], bool]) -> bool:
    if not isinstance(v, Literal):
        return False
    bound_is_string = isinstance(bound.value, str)
    if bound_is_string != isinstance(v.value, str):
        return False
    try:
        return accept(_compare_literal(v, bound))
    except (TypeError, NotImplementedError):
        return False


def _value_string(v: rdflib.term.Node) -> str:
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


# --- value tests: a sure SPARQL pass, and pySHACL's verdict for the rest -------------------

@dataclass(frozen=True)
class _ValueTest:
    """One value-level constraint. `sure(var)` is an error-free SPARQL expression that is
    true only for values that conform in pySHACL's terms; `verdict` is pySHACL's rule on
    the data's own term. With `sure_is_exact`, SPARQL alone decides (no Python step)."""

    sure: Callable[[str], str]
    verdict: Callable[[rdflib.term.Node], bool]
    sure_is_exact: bool = False

    @property
    def exact(self) -> Callable[[rdflib.term.Node], bool] | None:
        return None if self.sure_is_exact else self.verdict


def _datatype_test(rule: URIRef) -> _ValueTest:
    r = str(rule)
    if r == str(XSD.string):
        def sure(v: str) -> str:
            return f"(isLiteral({v}) && DATATYPE({v}) = <{r}>)"
    elif r == str(RDF.langString):
        def sure(v: str) -> str:
            return f'(isLiteral({v}) && LANG({v}) != "")'
    elif r in STRICT:
        def sure(v: str) -> str:
            return f"(isLiteral({v}) && DATATYPE({v}) = <{r}> && REGEX(STR({v}), {_string(STRICT[r])}))"
    elif not r.startswith((XSD_NS, str(RDF), str(RDFS))) and rule not in rdflib.term._toPythonMapping:
        def sure(v: str) -> str:  # a datatype rdflib does not know: every literal of it is valid
            return f"(isLiteral({v}) && DATATYPE({v}) = <{r}>)"
    else:
        def sure(v: str) -> str:
            return "false"
    return _ValueTest(sure, lambda v: _datatype_ok(v, rule))


def _node_kind_test(kind: URIRef) -> _ValueTest:
    ok = []
    if kind in (SH.IRI, SH.IRIOrLiteral, SH.BlankNodeOrIRI):
        ok.append("isIRI({v})")
    if kind in (SH.BlankNode, SH.BlankNodeOrLiteral, SH.BlankNodeOrIRI):
        ok.append("isBlank({v})")
    if kind in (SH.Literal, SH.BlankNodeOrLiteral, SH.IRIOrLiteral):
        ok.append("isLiteral({v})")
    if not ok:
        raise UnsupportedShapes(f"sh:nodeKind {kind} is not a SHACL node kind")
    return _ValueTest(lambda v: "(" + " || ".join(o.format(v=v) for o in ok) + ")",
                      lambda v: _node_kind_ok(v, kind), sure_is_exact=True)


def _in_test(members: list[rdflib.term.Node]) -> _ValueTest:
    iris = [m for m in members if isinstance(m, URIRef)]
    has_literals = any(isinstance(m, Literal) for m in members)
    listed = ", ".join(_iri(m) for m in iris)
    allowed = set(members)
    # IRIs compare as terms in SPARQL too, and the shapes graph's blank nodes never match
    # data; literals (compared as written by pySHACL) are decided in Python.
    return _ValueTest(lambda v: f"(!isLiteral({v}) && {v} IN ({listed}))", lambda v: v in allowed,
                      sure_is_exact=not has_literals)


def _range_test(param: URIRef, bound: rdflib.term.Node) -> _ValueTest:
    if not isinstance(bound, Literal):
        raise UnsupportedShapes(f"{_short(param)} needs a literal, not {bound!r}")
    op, accept = {SH.minInclusive: (">=", lambda c: c >= 0), SH.maxInclusive: ("<=", lambda c: c <= 0)}[param]
    dt = str(bound.datatype) if bound.datatype is not None else ""
    if dt in _NUMERIC_RX and re.search(_NUMERIC_RX[dt], str(bound)):
        number = _literal(bound)

        def sure(v: str) -> str:
            kinds = " || ".join(f"(DATATYPE({v}) = <{d}> && REGEX(STR({v}), {_string(rx)}))"
                                for d, rx in _NUMERIC_RX.items())
            return f"(isLiteral({v}) && ({kinds}) && {v} {op} {number})"
    else:
        def sure(v: str) -> str:
            return "false"
    return _ValueTest(sure, lambda v: _range_ok(v, bound, accept))


# Regular expressions that Python's re and Oxigraph's (Rust) regex read the same way.
_SAFE_PATTERN = re.compile(r"(?:[A-Za-z0-9 _,:;/@#%!=<>'\"-]|\\[dDwWsS.\-\\/()\[\]{}^$|?*+]|[\^$.()|?*+{}\[\]])*")


def _pattern_test(pattern: Literal, flags: Literal | None) -> _ValueTest:
    text = str(pattern.value) if pattern.value is not None and len(pattern.value) > 1 else str(pattern)
    py_flags = 0
    flag_text = str(flags.value).lower() if flags is not None else ""
    if "i" in flag_text:
        py_flags |= re.I
    if "m" in flag_text:
        py_flags |= re.M
    try:
        compiled = re.compile(text, py_flags)
    except re.error as e:
        raise UnsupportedShapes(f"sh:pattern {text!r} is not a valid regular expression: {e}") from None
    safe = (not py_flags and _SAFE_PATTERN.fullmatch(text) is not None
            and not any(bad in text for bad in ("[[", "[:", "&&", "--", "~~", "(?", "{,", "[]", "[^]")))

    def exact(v: rdflib.term.Node) -> bool:
        return not isinstance(v, BNode) and compiled.search(_value_string(v)) is not None

    if not safe:
        return _ValueTest(lambda v: "false", exact)

    def sure(v: str) -> str:  # Python's $ also matches before a final newline: such strings go to Python
        return (f"((isIRI({v}) || (isLiteral({v}) && (DATATYPE({v}) = <{XSD.string}> || LANG({v}) != \"\")))"
                f' && !CONTAINS(STR({v}), "\\n") && REGEX(STR({v}), {_string(text)}))')
    return _ValueTest(sure, exact)


# --- the compiled checks ------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """One (shape, constraint) as a SPARQL SELECT over the whole data view.

    Each row is a result (or, with `exact`, a candidate to confirm): ?this is the focus
    node; ?value the value node where the constraint reports one."""

    shape: URIRef
    component: str
    severity: str
    path: str | None
    query: str
    messages: tuple[tuple[str, str], ...]  # (language, text); SPARQL: templates
    value: str = "none"  # none | row (?value) | focus (the focus node) | sparql
    exact: Callable[[rdflib.term.Node], bool] | None = None
    projection: tuple[str, ...] = ()  # SHACL-SPARQL: the variables the constraint's SELECT returns
    decoding_query: str | None = None  # SHACL-SPARQL: STR()/DATATYPE() of the data's own literals
    select_all: bool = False  # SHACL-SPARQL: SELECT *
    property_shape: bool = False


def compile_shapes(shapes: rdflib.Graph) -> tuple[Check, ...]:
    """Every (shape, constraint) of `shapes` as a check; raises UnsupportedShapes.

    Cached per shapes graph (kg.shacl.validate.shapes_graph() returns the same graph for
    the same files) and its size."""
    return _compiled(shapes, len(shapes))


@lru_cache(maxsize=8)
def _compiled(shapes: rdflib.Graph, _size: int) -> tuple[Check, ...]:
    return tuple(_Compiler(shapes).compile())


class _Compiler:
    def __init__(self, g: rdflib.Graph) -> None:
        self.g = g
        self.checks: list[Check] = []

    # -- discovery, as pySHACL's ShapesGraph does it
    def shapes(self) -> set[rdflib.term.Node]:
        g = self.g
        found = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
        for p in (*_TARGETS, SH.property, SH.node):
            found |= set(g.subjects(p, None))
        for p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
            found |= set(g.objects(None, p))
        for p in (SH["and"], SH["or"], SH.xone):
            for lst in g.objects(None, p):
                found |= set(Collection(g, lst))
        return found

    def compile(self) -> list[Check]:
        g = self.g
        for bad in (SH.ConstraintComponent, SH.SPARQLTarget, SH.SPARQLTargetType, SH.JSConstraint, SH.JSTarget):
            if any(g.subjects(RDF.type, bad)):
                raise UnsupportedShapes(f"shapes define {_short(bad)}; not supported")
        if any(g.subject_objects(SH.parameter)) or any(g.subject_objects(SH.rule)):
            raise UnsupportedShapes("custom constraint components and rules are not supported")
        shapes = self.shapes()
        or_members = {m for lst in g.objects(None, SH["or"]) for m in Collection(g, lst)}
        for s in sorted(shapes, key=str):
            self.check_predicates(s)
        parents: dict[rdflib.term.Node, list[rdflib.term.Node]] = {}
        for s in sorted(shapes, key=str):
            for p in g.objects(s, SH.property):
                if self.is_property_shape(s):
                    raise UnsupportedShapes(f"{_short(s)}: sh:property on a property shape is not supported")
                parents.setdefault(p, []).append(s)
        for s in sorted(shapes, key=str):
            if self.deactivated(s):
                continue
            targets = self.targets(s)
            if self.is_property_shape(s):
                for parent in parents.get(s, []):
                    if not self.deactivated(parent):
                        targets += self.targets(parent)
            elif s in or_members and not targets:
                continue  # used only inside sh:or (checked there)
            if targets:
                self.compile_shape(s, sorted(set(targets)))
        return self.checks

    def is_property_shape(self, s: rdflib.term.Node) -> bool:
        return self.g.value(s, SH.path) is not None

    def deactivated(self, s: rdflib.term.Node) -> bool:
        values = list(self.g.objects(s, SH.deactivated))
        if len(values) > 1 or (values and not isinstance(values[0], Literal)):
            raise UnsupportedShapes(f"{_short(s)}: sh:deactivated must be one literal")
        return bool(values[0].value) if values else False

    def check_predicates(self, s: rdflib.term.Node) -> None:
        for p in set(self.g.predicates(s, None)):
            if str(p).startswith(str(SH)) and p not in _CONSTRAINTS and p not in _STRUCTURE:
                raise UnsupportedShapes(f"{_short(s)} uses {_short(p)}, which the oxigraph engine does not "
                                        f"support (supported: {', '.join(SUPPORTED)}); validate with pyshacl")
        if SH.flags in set(self.g.predicates(s, None)) and self.g.value(s, SH.pattern) is None:
            raise UnsupportedShapes(f"{_short(s)}: sh:flags without sh:pattern")
        if (s, RDF.type, RDFS.Class) in self.g or (s, RDF.type, OWL.Class) in self.g:
            raise UnsupportedShapes(f"{_short(s)} is also a class (implicit class target); not supported")

    def targets(self, s: rdflib.term.Node) -> list[str]:
        """SPARQL group patterns that bind ?this to the shape's own target nodes."""
        g = self.g
        out = []
        for c in g.objects(s, SH.targetClass):
            out.append(f"?this <{RDF.type}>/<{RDFS.subClassOf}>* {_iri(c)} .")
        for n in g.objects(s, SH.targetNode):
            if isinstance(n, BNode):
                raise UnsupportedShapes(f"{_short(s)}: a blank node as sh:targetNode")
            out.append(f"VALUES ?this {{ {_term(n)} }}")
        for p in g.objects(s, SH.targetSubjectsOf):
            out.append(f"?this {_iri(p)} ?kg_o .")
        for p in g.objects(s, SH.targetObjectsOf):
            out.append(f"?kg_s {_iri(p)} ?this .")
        return out

    # -- one shape
    def compile_shape(self, s: rdflib.term.Node, targets: list[str]) -> None:
        g = self.g
        if not isinstance(s, URIRef):
            raise UnsupportedShapes(f"a shape without an IRI ({s!r}); give every shape an IRI")
        path_node = g.value(s, SH.path)
        prop = path_node is not None
        path = _path(g, path_node) if prop else None
        severities = list(g.objects(s, SH.severity))
        if len(severities) > 1:
            raise UnsupportedShapes(f"{_short(s)} has more than one sh:severity")
        severity = local_name(str(severities[0])) if severities else "Violation"
        messages = _messages(g, s)
        focus = targets[0] if len(targets) == 1 else " UNION ".join("{ " + t + " }" for t in targets)
        focus = "{ SELECT DISTINCT ?this WHERE { " + focus + " } }"
        value_pattern = f"?this {path} ?value ." if prop else "BIND (?this AS ?value)"
        result_path = str(path_node) if isinstance(path_node, URIRef) else None
        node_value = "row" if prop else "focus"

        def add(param: URIRef, query: str, value: str = "none", exact=None, **extra) -> None:
            self.checks.append(Check(s, _CONSTRAINTS[param], severity, result_path, query, messages, value, exact,
                                     property_shape=prop, **extra))

        def value_check(param: URIRef, test: _ValueTest) -> None:
            add(param, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {value_pattern} "
                       f"FILTER (!{test.sure('?value')}) }}", node_value, test.exact)

        for param in sorted(set(g.predicates(s, None)) & set(_CONSTRAINTS), key=str):
            values = list(g.objects(s, param))
            if param in (SH.minCount, SH.maxCount):
                if not prop:
                    raise UnsupportedShapes(f"{_short(s)}: {_short(param)} on a node shape")
                n = _single_integer(s, param, values)
                # MINUS, not FILTER NOT EXISTS: Oxigraph runs an EXISTS over a join once per
                # row (seconds per thousand rows at 1M triples), a MINUS once.
                if param == SH.minCount and n == 1:
                    add(param, f"SELECT DISTINCT ?this WHERE {{ {focus} MINUS {{ ?this {path} ?value }} }}")
                elif param == SH.minCount and n > 1:
                    add(param, f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?value }} }} "
                               f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})")
                elif param == SH.maxCount:
                    add(param, f"SELECT ?this WHERE {{ {focus} ?this {path} ?value }} "
                               f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})")
            elif param == SH["class"]:
                for c in values:  # MINUS: all instances of the class once, not an EXISTS per value
                    add(param, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {value_pattern} "
                               f"MINUS {{ ?value <{RDF.type}>/<{RDFS.subClassOf}>* {_iri(c)} }} }}", node_value)
            elif param == SH.datatype:
                if len(values) != 1 or not isinstance(values[0], URIRef):
                    raise UnsupportedShapes(f"{_short(s)}: sh:datatype must be exactly one IRI")
                value_check(param, _datatype_test(values[0]))
            elif param == SH.nodeKind:
                if len(values) != 1:
                    raise UnsupportedShapes(f"{_short(s)}: more than one sh:nodeKind")
                value_check(param, _node_kind_test(values[0]))
            elif param == SH["in"]:
                if len(values) != 1:
                    raise UnsupportedShapes(f"{_short(s)}: more than one sh:in")
                value_check(param, _in_test(list(Collection(g, values[0]))))
            elif param in (SH.minInclusive, SH.maxInclusive):
                for b in values:
                    value_check(param, _range_test(param, b))
            elif param == SH.pattern:
                flags = list(g.objects(s, SH.flags))
                for p in values:
                    if not isinstance(p, Literal):
                        raise UnsupportedShapes(f"{_short(s)}: sh:pattern must be a literal")
                    value_check(param, _pattern_test(p, flags[0] if flags else None))
            elif param in (SH.disjoint, SH.equals):
                if not prop:
                    raise UnsupportedShapes(f"{_short(s)}: {_short(param)} on a node shape")
                for other in values:
                    o = _iri(other)
                    if param == SH.disjoint:
                        q = f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . ?this {o} ?value }}"
                    else:
                        q = (f"SELECT DISTINCT ?this ?value WHERE {{ "
                             f"{{ {focus} ?this {path} ?value MINUS {{ ?this {o} ?value }} }} UNION "
                             f"{{ {focus} ?this {o} ?value MINUS {{ ?this {path} ?value }} }} }}")
                    add(param, q, "row")
            elif param == SH.uniqueLang:
                if not prop or len(values) != 1 or not isinstance(values[0], Literal) \
                        or not isinstance(values[0].value, bool):
                    raise UnsupportedShapes(f"{_short(s)}: sh:uniqueLang must be one boolean on a property shape")
                if values[0].value:
                    add(param, f"SELECT DISTINCT ?this WHERE {{ {focus} ?this {path} ?a . ?this {path} ?b . "
                               f'FILTER (isLiteral(?a) && isLiteral(?b) && LANG(?a) != "" && !sameTerm(?a, ?b) '
                               f"&& LCASE(LANG(?a)) = LCASE(LANG(?b))) }}")
            elif param == SH["or"]:
                for lst in values:
                    test = self.or_test(s, list(Collection(g, lst)))
                    if test is not None:
                        value_check(param, test)
            elif param == SH.sparql:
                for c in sorted(values, key=str):
                    check = self.sparql_check(s, c, path, focus, severity, messages, prop)
                    if check is not None:
                        self.checks.append(check)

    def or_test(self, s: rdflib.term.Node, members: list[rdflib.term.Node]) -> _ValueTest | None:
        """sh:or over node shapes with value-level constraints only (as pySHACL runs it with
        allow_warnings: a member whose severity is Info or Warning always conforms)."""
        g = self.g
        if not members:
            raise UnsupportedShapes(f"{_short(s)}: empty sh:or list")
        member_tests: list[list[_ValueTest]] = []
        for m in members:
            params = set(g.predicates(m, None)) & set(_CONSTRAINTS)
            if params - _OR_MEMBER_CONSTRAINTS or self.is_property_shape(m) or any(g.objects(m, SH.property)):
                raise UnsupportedShapes(f"{_short(s)}: sh:or member {_short(m)} may only use "
                                        + ", ".join(sorted(_short(p) for p in _OR_MEMBER_CONSTRAINTS)))
            severity = g.value(m, SH.severity)
            if self.deactivated(m) or severity in (SH.Info, SH.Warning) or not params:
                return None  # this member always conforms, so every value does
            tests = []
            for p in sorted(params, key=str):
                vals = list(g.objects(m, p))
                if p == SH.datatype:
                    tests.append(_datatype_test(vals[0]))
                elif p == SH.nodeKind:
                    tests.append(_node_kind_test(vals[0]))
                elif p == SH["in"]:
                    tests.append(_in_test(list(Collection(g, vals[0]))))
                elif p in (SH.minInclusive, SH.maxInclusive):
                    tests.extend(_range_test(p, b) for b in vals)
                elif p == SH.pattern:
                    flags = g.value(m, SH.flags)
                    tests.extend(_pattern_test(b, flags) for b in vals)
            member_tests.append(tests)

        def sure(v: str) -> str:
            return "(" + " || ".join("(" + " && ".join(t.sure(v) for t in ts) + ")" for ts in member_tests) + ")"

        def verdict(v: rdflib.term.Node) -> bool:
            return any(all(t.verdict(v) for t in ts) for ts in member_tests)

        return _ValueTest(sure, verdict, sure_is_exact=all(t.sure_is_exact for ts in member_tests for t in ts))

    def sparql_check(self, s: URIRef, c: rdflib.term.Node, path: str | None, focus: str, severity: str,
                     messages: tuple, prop: bool) -> Check | None:
        g = self.g
        for p in set(g.predicates(c, None)):
            if p not in _SPARQL_CONSTRAINT_PREDICATES:
                raise UnsupportedShapes(f"{_short(s)}: {_short(p)} on SPARQL constraint {_short(c)} is not "
                                        f"supported (put messages and severity on the shape)")
        if self.deactivated(c):
            return None
        selects = list(g.objects(c, SH.select))
        if len(selects) != 1 or not isinstance(selects[0], Literal):
            raise UnsupportedShapes(f"{_short(c)}: needs exactly one sh:select")
        query, decoding, projection, select_all = _rewrite_select(str(selects[0]), path, focus, _prefixes(g, c), c)
        path_node = g.value(s, SH.path)
        return Check(s, "SPARQLConstraintComponent", severity, str(path_node) if isinstance(path_node, URIRef) else None,
                     query, messages, "sparql", None, projection, decoding, select_all, prop)


def _single_integer(s: rdflib.term.Node, param: URIRef, values: list) -> int:
    if len(values) != 1 or not isinstance(values[0], Literal) or values[0].datatype != XSD.integer:
        raise UnsupportedShapes(f"{_short(s)}: {_short(param)} must be one xsd:integer")
    n = int(values[0].value)
    if n < 0:
        raise UnsupportedShapes(f"{_short(s)}: {_short(param)} must not be negative")
    return n


def _messages(g: rdflib.Graph, s: rdflib.term.Node) -> tuple[tuple[str, str], ...]:
    """The shape's sh:message by language, as kg.shacl.validate reads pySHACL's results."""
    found = list(g.objects(s, SH.message))
    if not found:
        raise UnsupportedShapes(f"{_short(s)} has no sh:message; every shape needs its own messages")
    by_lang: dict[str, str] = {}
    untagged = []
    for m in found:
        if not isinstance(m, Literal):
            raise UnsupportedShapes(f"{_short(s)}: sh:message must be a literal")
        if m.language:
            if m.language in by_lang:
                raise UnsupportedShapes(f"{_short(s)} has two sh:message in @{m.language}")
            by_lang[m.language] = str(m)
        else:
            untagged.append(str(m))
    if not by_lang:
        if len(untagged) > 1:
            raise UnsupportedShapes(f"{_short(s)} has several sh:message without a language")
        by_lang["en"] = untagged[0]
    return tuple(sorted(by_lang.items()))


def _path(g: rdflib.Graph, p: rdflib.term.Node) -> str:
    """A SHACL property path as a SPARQL property path (predicate, inverse, sequence)."""
    if isinstance(p, URIRef):
        return _iri(p)
    if isinstance(p, BNode):
        preds = set(g.predicates(p, None))
        if preds == {SH.inversePath}:
            return "^" + _path(g, g.value(p, SH.inversePath))
        if RDF.first in preds:
            items = list(Collection(g, p))
            if len(items) < 2:
                raise UnsupportedShapes("a sequence path needs at least two steps")
            return "(" + "/".join(_path(g, i) for i in items) + ")"
        raise UnsupportedShapes(f"property path {sorted(_short(x) for x in preds)} is not supported "
                                "(only predicate, inverse and sequence paths)")
    raise UnsupportedShapes(f"not a property path: {p!r}")


def _prefixes(g: rdflib.Graph, c: rdflib.term.Node) -> list[tuple[str, str]]:
    """The PREFIX declarations pySHACL gives a SPARQL constraint (SPARQLQueryHelper.collect_prefixes)."""
    ontologies = set(g.subjects(RDF.type, OWL.Ontology))
    every = {d for o in ontologies for d in g.objects(o, SH.declare)}
    out: dict[str, str] = {}
    for pv in g.objects(c, SH.prefixes):
        own = set(g.objects(pv, SH.declare))
        for d in (own if own and pv in ontologies else every | own):
            prefix, ns = g.value(d, SH.prefix), g.value(d, SH.namespace)
            if prefix is None or ns is None:
                raise UnsupportedShapes(f"{_short(c)}: sh:declare needs sh:prefix and sh:namespace")
            if out.get(str(prefix), str(ns)) != str(ns):
                raise UnsupportedShapes(f"{_short(c)}: prefix {prefix}: declared twice differently")
            out[str(prefix)] = str(ns)
    return sorted(out.items())


# --- SHACL-SPARQL: $this as a variable joined with the focus nodes -------------------------

_DECODED = {"STR": SURROGATE + "fn:str", "DATATYPE": SURROGATE + "fn:datatype"}

_FORBIDDEN = {"MINUS", "VALUES", "SERVICE", "GRAPH", "FROM", "GROUP", "HAVING", "LIMIT", "OFFSET",
              "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "LOAD", "INSERT", "DELETE"}
_PREBOUND = {"shapesGraph", "currentShape"}


def _rewrite_select(text: str, path: str | None, focus: str, prefixes: list[tuple[str, str]],
                    node: rdflib.term.Node) -> tuple[str, str, tuple[str, ...], bool]:
    """The constraint's SELECT with the focus nodes joined in first: returns (query, the
    query with STR()/DATATYPE() reading the data's own literals, projected variables, SELECT *)."""
    def fail(why: str) -> UnsupportedShapes:
        return UnsupportedShapes(f"SPARQL constraint {_short(node)}: {why}")

    if not re.search(r"[\s{}()][$?]this\b", text):
        raise fail("does not use $this")
    if path is not None:
        text = re.sub(r"([\s{}()])[$?]PATH\b", lambda m: m.group(1) + path, text)
    code = tokens(text)
    words = [t.text.upper() for t in code if t.kind == "word"]
    if words.count("SELECT") != 1:
        raise fail("needs exactly one SELECT (no nested SELECT)")
    for w in _FORBIDDEN & set(words):
        raise fail(f"{w} is not supported")
    for t in code:
        if t.kind == "var" and t.text[1:] in _PREBOUND | {"PATH"}:
            raise fail(f"{t.text} is not supported")
    for n, t in enumerate(code):
        if is_word(t, "AS") and n + 1 < len(code) and code[n + 1].text[1:] == "this":
            raise fail("must not bind $this with AS")
    start = next(n for n, t in enumerate(code) if is_word(t, "SELECT"))
    brace = next((n for n in range(start, len(code)) if code[n].text == "{"), None)
    if brace is None:
        raise fail("no WHERE clause")
    depth = 0
    close = None
    for n in range(brace, len(code)):
        if code[n].text == "{":
            depth += 1
        elif code[n].text == "}":
            depth -= 1
            if depth == 0:
                close = n
                break
    if close is None:
        raise fail("unbalanced braces")
    head = code[start + 1:brace]
    modifiers = [t.text.upper() for t in head[:1] if t.kind == "word"]
    proj_tokens = head[len(modifiers):]
    if proj_tokens and is_word(proj_tokens[-1], "WHERE"):
        proj_tokens = proj_tokens[:-1]
    select_all = [t.text for t in proj_tokens] == ["*"]
    projection: list[str] = []
    if not select_all:
        depth = 0
        for n, t in enumerate(proj_tokens):
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif t.kind == "var" and (depth == 0 or (n > 0 and proj_tokens[n - 1].text.upper() == "AS")):
                if t.text[1:] not in projection:
                    projection.append(t.text[1:])
            elif depth == 0:
                raise fail(f"unexpected {t.text!r} in the SELECT clause")
    proj_start = proj_tokens[0].pos if proj_tokens else code[brace].pos
    proj_end = (proj_tokens[-1].pos + len(proj_tokens[-1].text)) if proj_tokens else proj_start
    new_projection = "*" if select_all else " ".join(
        [text[proj_start:proj_end]] + ([] if "this" in projection else ["?this"]))
    select_at = code[start].pos
    brace_at = code[brace].pos
    query = (text[:select_at] + "SELECT DISTINCT " + new_projection + text[proj_end:brace_at + 1]
             + " " + focus + " " + text[brace_at + 1:])
    head_text = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes)
    # The same query with STR() and DATATYPE() replaced by functions that read a rewritten
    # literal as the data wrote it (used when the data view has rewritten literals).
    decoding = query
    calls = [(t.pos, t.text) for t in tokens(query) if t.kind == "word" and t.text.upper() in _DECODED]
    for i, t in reversed(calls):
        rest = query[i + len(t):].lstrip()
        if rest.startswith("("):
            decoding = decoding[:i] + f"<{_DECODED[t.upper()]}>" + decoding[i + len(t):]
    return head_text + query, head_text + decoding, tuple(projection), select_all


# --- running -----------------------------------------------------------------------------

def validate_view(view: DataView, shapes: rdflib.Graph) -> list[Finding]:
    """Run every check of `shapes` over `view`; the findings (not yet deduplicated)."""
    findings: list[Finding] = []
    for check in compile_shapes(shapes):
        findings.extend(run_check(view, check))
    return findings


def run_check(view: DataView, check: Check) -> list[Finding]:
    """The findings of one check."""
    out: list[Finding] = []
    messages = dict(check.messages)
    if check.decoding_query is not None and view.originals:
        solutions = view.query(check.decoding_query, decoding=True)
    else:
        solutions = view.query(check.query)
    if check.value == "sparql":
        names = [v.value for v in solutions.variables]
        for row in solutions:
            out.append(_sparql_finding(view, check, names, row))
        return out
    for row in solutions:
        focus = view.output(row["this"])
        value = None
        if check.value == "row":
            value = view.output(row["value"])
        elif check.value == "focus":
            value = focus
        if check.exact is not None and check.exact(value):
            continue
        out.append(Finding(focus, check.shape, check.severity, check.component, check.path, value, messages))
    return out


def _sparql_finding(view: DataView, check: Check, names: list[str], row: ox.QuerySolution) -> Finding:
    bound = {n: view.output(row[n]) for n in names if row[n] is not None}
    this = bound.get("this") if (check.select_all or "this" in check.projection) else None
    path = bound.get("path") if (check.select_all or "path" in check.projection) else None
    value = bound.get("value") if (check.select_all or "value" in check.projection) else None
    focus = view.output(row["this"])
    extra = {k: v for k, v in bound.items() if k not in ("this", "path", "value")
             and (check.select_all or k in check.projection)}
    if value is None and not check.property_shape:
        value = focus
    subst: dict[str, rdflib.term.Node] = dict(extra)
    for k, v in (("this", this), ("path", path), ("value", value)):
        if v is not None:
            subst[k] = v
    messages = {lang: _substitute(text, subst) for lang, text in check.messages}
    result_path = (str(path) if isinstance(path, URIRef) else None) if path is not None else check.path
    return Finding(this or focus, check.shape, check.severity, check.component, result_path, value, messages)


def _substitute(msg: str, bound: dict[str, rdflib.term.Node]) -> str:
    """pySHACL's ConstraintComponent._format_sparql_based_result_message."""
    for var, val in bound.items():
        msg = re.sub(f"{{[?$]{var}}}", str(val), msg)
    return msg


# --- SPARQL text helpers -----------------------------------------------------------------

_IRI_BAD = re.compile(r'[<>"{}|^`\\\x00-\x20]')


def _iri(t: rdflib.term.Node) -> str:
    if not isinstance(t, URIRef) or _IRI_BAD.search(str(t)):
        raise UnsupportedShapes(f"expected an IRI usable in SPARQL, got {t!r}")
    return f"<{t}>"


def _string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _literal(t: Literal) -> str:
    if t.language:
        return f"{_string(str(t))}@{t.language}"
    if t.datatype is not None:
        return f"{_string(str(t))}^^{_iri(t.datatype)}"
    return _string(str(t))


def _term(t: rdflib.term.Node) -> str:
    return _literal(t) if isinstance(t, Literal) else _iri(t)


def _short(t: rdflib.term.Node) -> str:
    return shorten(str(t)) if isinstance(t, URIRef) else repr(t)
