"""Differential test: the set-at-a-time SHACL engine on Oxigraph (kg.shacl.compiled,
the default) reports exactly what pySHACL (the reference) reports.

Both run through kg.pipeline.build.check, the path of `kg build` and `kg ingest`, on the
same inputs: the Twente sample, a generated region, every valid and invalid
shape example, and mutations of the examples in which every typed literal is
replaced by an awkward spelling (non-canonical numbers and dates, ill-typed
values, plain strings, language tags, time zones). Findings are compared in
full: focus, shape, severity, component, path, value and both messages.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal
from rdflib.namespace import XSD

from kg.model import resources
from kg.pipeline.build import check
from kg.shacl.compiled import SUPPORTED, UnsupportedShapes, compile_shapes
from kg.shacl.validate import shapes_graph
from synthetic.generate import write

HERE = Path(__file__).resolve().parent / "shapes"
pytestmark = pytest.mark.filterwarnings("ignore:Serializing weird numerical")
EXAMPLES = sorted((HERE / "valid").glob("*.ttl")) + sorted((HERE / "invalid").glob("*.ttl"))


def comparable(path_or_paths) -> list[tuple]:
    """Both engines' findings on the input, as full tuples (messages included)."""
    paths = path_or_paths if isinstance(path_or_paths, list) else [path_or_paths]
    out = []
    for engine in ("pyshacl", "oxigraph"):
        result, _ = check(paths, validator=engine)
        assert not result.errors, result.errors
        out.append(sorted((str(f.focus), str(f.shape), f.severity, f.component, f.path or "",
                           f.value.n3() if f.value is not None else "", tuple(sorted(f.messages.items())))
                          for f in result.findings))
    return out


def assert_same(path_or_paths) -> list[tuple]:
    reference, ours = comparable(path_or_paths)
    missing = [f for f in reference if f not in ours]
    extra = [f for f in ours if f not in reference]
    assert not missing and not extra, f"pySHACL only: {missing}\noxigraph only: {extra}"
    return reference


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_same_findings_on_every_shape_example(example: Path) -> None:
    findings = assert_same(example)
    assert bool(findings) == (example.parent.name == "invalid")  # valid examples have no finding at all


def test_same_findings_on_the_twente_sample() -> None:
    findings = assert_same(resources.sample_dir())
    assert not [f for f in findings if f[2] == "Violation"]
    assert findings, "the sample has infos (e.g. no consent recorded); both engines must report them"


def test_same_findings_on_a_generated_region(tmp_path: Path) -> None:
    region = tmp_path / "region.nt"
    write(region, 150, seed=7)
    assert_same(region)


# --- mutations: every typed literal of an example spelled awkwardly ----------------

def _awkward(lit: Literal, kind: str) -> Literal:
    text, dt = str(lit), lit.datatype
    if kind == "plain":
        return Literal(text)
    if kind == "lang":
        return Literal(text, lang="nl")
    if kind == "ill-typed":
        return Literal("nope-" + text, datatype=dt)
    # non-canonical spellings that keep the value
    if dt in (XSD.integer, XSD.int, XSD.nonNegativeInteger):
        return Literal("+0" + text.lstrip("+"), datatype=dt) if not text.startswith("-") else lit
    if dt == XSD.decimal:
        return Literal(text + ("00" if "." in text else ".000"), datatype=dt)
    if dt == XSD.date:
        return Literal(text + "+00:00", datatype=dt)
    if dt == XSD.gYear:
        return Literal(text + "Z", datatype=dt)
    return Literal(text, datatype=XSD.string) if dt is None else lit


KINDS = ("canonical-variants", "ill-typed", "plain", "lang")


@cache
def _typed_examples() -> list[Path]:
    found = []
    for p in EXAMPLES:
        g = rdflib.Graph().parse(p, format="turtle")
        if any(isinstance(o, Literal) and o.datatype is not None for o in g.objects()):
            found.append(p)
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_same_findings_when_literals_are_spelled_awkwardly(kind: str, tmp_path: Path) -> None:
    mutated = []
    for p in _typed_examples():
        g = rdflib.Graph().parse(p, format="turtle")
        out = rdflib.Graph()
        changed = 0
        for s, pr, o in g:
            if isinstance(o, Literal) and o.datatype is not None:
                new = _awkward(o, kind)
                changed += new != o
                o = new
            out.add((s, pr, o))
        if changed:
            target = tmp_path / f"{p.parent.name}-{p.name}"
            out.serialize(target, format="turtle")
            mutated.append(target)
    assert len(mutated) >= 10
    total = 0
    for target in mutated:  # one by one: the examples reuse node names
        total += len(assert_same(target))
    assert total > 0


def test_an_unsupported_shacl_feature_is_refused_not_ignored() -> None:
    shapes = rdflib.Graph()
    shapes.parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:qualifiedMinCount 1 ; sh:qualifiedValueShape [ sh:class ex:D ] ] .
    """, format="turtle")
    with pytest.raises(UnsupportedShapes):
        compile_shapes(shapes)
    assert "qualifiedMinCount" not in SUPPORTED


def test_the_project_shapes_compile() -> None:
    checks = compile_shapes(shapes_graph())
    assert len(checks) >= 100


def test_kg_validate_takes_either_engine_and_reports_the_same() -> None:
    import subprocess
    import sys

    example = HERE / "invalid" / "letter-of-intent.ttl"
    runs = {}
    for engine in ("pyshacl", "oxigraph"):
        r = subprocess.run([str(Path(sys.executable).parent / "kg"), "validate", str(example), "--validator", engine,
                            "--lang", "en"], capture_output=True, text=True, timeout=300)
        assert r.returncode == 1, r.stdout + r.stderr
        runs[engine] = r.stdout
    assert "LetterOfIntentShape" in runs["oxigraph"]
    assert runs["pyshacl"] == runs["oxigraph"]
