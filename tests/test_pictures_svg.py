"""kg.pictures.svg: the drawing helpers every server-rendered picture shares (actor pages, trace,
analytics). Pictures are plain text from kg (no Flask, no markupsafe); web/ marks them safe."""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT

from kg.pictures import svg

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> & \"quoted\""


@pytest.mark.parametrize("links, role", [(False, "img"), (True, "group")])
def test_document_escapes_its_texts_and_names_its_alternative(links: bool, role: str) -> None:
    text = svg.document("u1", 100, 50.5, HOSTILE, HOSTILE + " desc", [f"<text>{svg.escape(HOSTILE)}</text>"],
                        "kind", links=links, background="#fff")
    root = ET.fromstring(text)
    assert root.get("role") == role and root.get("viewBox") == "0 0 100 50.5"
    assert root.get("aria-labelledby") == "u1-title u1-desc"
    assert root.find(SVG + "title").text == HOSTILE and root.find(SVG + "desc").text == HOSTILE + " desc"
    assert root.find(SVG + "text").text == HOSTILE and not root.findall(".//" + SVG + "script")
    assert root.find(SVG + "rect").get("fill") == "#fff"
    assert ET.fromstring(svg.document("u2", 1, 1, "t", "d", [], "k")).find(SVG + "rect") is None


@pytest.mark.parametrize("kind, tag", [("person", "circle"), ("artefact", "rect"), ("network", "path"),
                                       ("organisation", "polygon"), ("collective", "polygon")])
def test_every_kind_has_its_own_shape_around_the_point(kind: str, tag: str) -> None:
    el = ET.fromstring(svg.shape(kind, 50, 40, 10, "#123456", 'class="shape" stroke="#fff"'))
    assert el.tag == tag and el.get("fill") == "#123456" and el.get("class") == "shape"
    if tag == "circle":
        xs, ys = [float(el.get("cx"))], [float(el.get("cy"))]
    elif tag == "rect":
        x, y, w, h = (float(el.get(a)) for a in ("x", "y", "width", "height"))
        xs, ys = [x, x + w], [y, y + h]
    else:
        coords = (el.get("points") or el.get("d")).replace("M", " ").replace("L", " ").replace("z", " ").split()
        xs, ys = [float(c.split(",")[0]) for c in coords], [float(c.split(",")[1]) for c in coords]
    assert sum(xs) / len(xs) == pytest.approx(50) and sum(ys) / len(ys) == pytest.approx(40)


def test_short_keeps_short_text_and_marks_a_cut() -> None:
    assert svg.short("Petra", 22) == "Petra" and svg.short(None, 5) == ""
    assert svg.short("Basisschool De Esch en omstreken", 12) == "Basisschool…"


def test_kg_needs_neither_flask_nor_markupsafe() -> None:
    for path in (ROOT / "kg").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n.split(".")[0] in ("markupsafe", "flask", "jinja2")], path
