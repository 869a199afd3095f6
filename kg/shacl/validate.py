"""SHACL validation, results as plain findings with nl and en messages.

Two engines give the same findings (tests/test_shacl_engines.py): "oxigraph"
(kg.shacl.compiled: the shapes compiled to set-at-a-time SPARQL on Oxigraph, the
default) and "pyshacl" (the reference).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import RDF, URIRef
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery

from kg.model import resources
from kg.model.namespaces import local_name
from kg.shacl.compiled import data_view, data_view_from_rdflib, validate_view
from kg.shacl.findings import SEVERITIES, Finding

__all__ = ["DEFAULT_ENGINE", "ENGINES", "SEVERITIES", "Finding", "finalise", "shapes_graph", "validate",
           "validate_quads"]

ENGINES = ("oxigraph", "pyshacl")
DEFAULT_ENGINE = "oxigraph"


class _PreparedQueryGraph(rdflib.Graph):
    """An rdflib graph that parses each distinct SPARQL text once.

    pySHACL runs a SHACL-SPARQL constraint once per focus node with the same
    text and different bindings; rdflib would parse it every time (~90% of
    validation time on the sample)."""

    def query(self, query_object, *args, **kwargs):  # type: ignore[override]
        if isinstance(query_object, str):
            query_object = _prepare(query_object)
        return super().query(query_object, *args, **kwargs)


@lru_cache(maxsize=256)
def _prepare(text: str):

    return prepareQuery(text)


def queryable(data: rdflib.Graph) -> rdflib.Graph:
    """`data` as a graph whose repeated SPARQL texts are parsed once (same store, no copy)."""
    return data if isinstance(data, _PreparedQueryGraph) else _PreparedQueryGraph(store=data.store,
                                                                                  identifier=data.identifier)


@lru_cache(maxsize=4)
def _shapes_graph(files: tuple[Path, ...]) -> rdflib.Graph:
    g = rdflib.Graph()
    for f in files:
        g.parse(f, format="turtle")
    return g


def shapes_graph(files: list[Path] | None = None) -> rdflib.Graph:
    """The project's trusted shapes (never shapes found in the data)."""
    return _shapes_graph(tuple(files or resources.shape_files()))


def validate(data: rdflib.Graph, shapes: rdflib.Graph | None = None, engine: str = DEFAULT_ENGINE) -> list[Finding]:
    """Validate an already reasoned graph (ontology closure applied) against the shapes."""
    shapes = shapes if shapes is not None else shapes_graph()
    if engine == "oxigraph":
        return finalise(validate_view(data_view_from_rdflib(data), shapes))
    if engine != "pyshacl":
        raise ValueError(f"unknown validator {engine!r}; choose one of {', '.join(ENGINES)}")
    from pyshacl import validate as pyshacl_validate  # the reference engine: heavy, loaded only when asked for

    _conforms, results, _text = pyshacl_validate(
        queryable(data),
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        allow_warnings=True,
        abort_on_first=False,
    )
    if not isinstance(results, rdflib.Graph):
        raise ValueError(f"SHACL validation could not run: {results}")
    report = next(results.subjects(RDF.type, SH.ValidationReport))
    # Only top-level results: nested sh:detail results (from sh:node) are not findings of their own.
    findings = [_finding(results, r, shapes) for r in results.objects(report, SH.result)]
    return finalise(findings)


def validate_quads(quads: Iterable[ox.Quad], shapes: rdflib.Graph | None = None, exclude: str | None = None,
                   add: Iterable[ox.Quad] = ()) -> list[Finding]:
    """Validate quads with the oxigraph engine, without rdflib: the triples of `quads`
    outside graph `exclude` (and not stated in it) plus those of `add`."""

    return finalise(validate_view(data_view(quads, exclude, add), shapes if shapes is not None else shapes_graph()))


def finalise(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per distinct result, in report order. When the same result comes with
    different messages (a SPARQL constraint matched twice with other variable bindings),
    the first message in sort order is kept, whichever engine ran."""
    chosen: dict[Finding, Finding] = {}
    for f in findings:
        kept = chosen.get(f)
        if kept is None or sorted(f.messages.items()) < sorted(kept.messages.items()):
            chosen[f] = f
    return sorted(chosen.values(),
                  key=lambda f: (str(f.focus), SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 3,
                                 str(f.shape), f.path or "", str(f.component), str(f.value)))


def _finding(results: rdflib.Graph, r: rdflib.term.Node, shapes: rdflib.Graph) -> Finding:
    sev = results.value(r, SH.resultSeverity)
    component = results.value(r, SH.sourceConstraintComponent)
    path = results.value(r, SH.resultPath)
    source_constraint = results.value(r, SH.sourceConstraint)
    shape = results.value(r, SH.sourceShape)
    return Finding(
        focus=results.value(r, SH.focusNode),
        shape=shape,
        severity=local_name(str(sev)) if sev else "Violation",
        component=local_name(str(component)) if component else "",
        path=str(path) if isinstance(path, URIRef) else None,
        value=results.value(r, SH.value),
        messages=_messages(list(results.objects(r, SH.resultMessage)), shapes, source_constraint, shape),
    )


def _messages(found: list[rdflib.Literal], shapes: rdflib.Graph, *sources: rdflib.term.Node) -> dict[str, str]:
    """Messages by language. pySHACL drops the language tag of SPARQL-constraint
    messages; those are matched back to the tagged templates in the shapes."""
    out: dict[str, str] = {}
    templates: list[rdflib.Literal] = []
    for src in sources:
        if src is not None:
            templates = [m for m in shapes.objects(src, SH.message) if isinstance(m, rdflib.Literal)]
            if templates:
                break
    for m in found:
        lang = m.language
        if not lang:
            lang = next((t.language for t in templates if t.language and _same_template(str(t), str(m))), None)
        if lang and lang not in out:
            out[lang] = str(m)
    if not out and found:
        out["en"] = str(found[0])
    return out


def _same_template(template: str, message: str) -> bool:
    """Does `message` come from `template` after {?var}/{$var} substitution?"""
    pattern = "".join(
        ".*?" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{[?$]\w+\})", template)
    )
    return re.fullmatch(pattern, message, flags=re.S) is not None
