"""The sociogram of an analysis for Gephi: GraphML (networkx's writer) or GEXF 1.3 (written here).

Node attributes: label, kind, group (label of the school or role it is coloured by), degree,
isolated, broker; edge attributes: relations (comma-separated), ties, strength, depth, trust
(missing values left out). Only what the analysis holds goes out, so an export in the public view
carries hidden people under their anonymous label only.

GEXF 1.3 (namespace http://gexf.net/1.3, visual attributes in http://gexf.net/1.3/viz): `<meta>`
with the day given and the subject's label; the label is the node's `label`, the other attributes
are typed `<attvalues>` (string, integer, boolean, double). Every node carries the mark the page's
SVG sociogram draws (kg.analytics.pictures.sociogram_geometry): viz:position x is the SVG's x and
y is minus the SVG's y (SVG's y axis points down, Gephi's up: so Gephi shows the picture upright,
not mirrored), z 0; viz:size is the SVG radius, viz:color the fill. An edge's `weight` and
viz:thickness are the line width the picture draws (1 + 0.6 x depth), because Gephi draws edge
thickness from the weight; the number of ties (0 for an artefact relation) and the strength are
the attributes `ties` and `strength`. viz:color of an edge is the picture's line colour.
Characters XML 1.0 cannot hold (control characters) are written as U+FFFD.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import networkx as nx

from kg.analytics.pictures import edge_width, sociogram_geometry
from kg.pictures.svg import MUTED

FORMATS = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml"}
GEXF_NS, VIZ_NS = "http://gexf.net/1.3", "http://gexf.net/1.3/viz"
CREATOR = "Connective KG"
NODE_ATTRIBUTES = (("kind", "string"), ("group", "string"), ("degree", "integer"), ("isolated", "boolean"),
                   ("broker", "boolean"))
EDGE_ATTRIBUTES = (("relations", "string"), ("ties", "integer"), ("strength", "double"), ("depth", "integer"),
                   ("trust", "integer"))
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def to_networkx(graph: dict[str, Any]) -> nx.Graph:
    g = nx.Graph()
    for n in graph["nodes"]:
        g.add_node(n["iri"], label=n["label"], kind=n["kind"], group=(n["group"] or {}).get("label", ""),
                   degree=n["degree"], isolated=n["isolated"], broker=n["broker"])
    for e in graph["edges"]:
        attrs = {"relations": ",".join(e["relations"]), "ties": e["ties"]}
        attrs.update({k: e[k] for k in ("strength", "depth", "trust") if e[k] is not None})
        g.add_edge(e["source"], e["target"], **attrs)
    return g


def serialise(graph: dict[str, Any], fmt: str, description: str, day: str) -> bytes:
    """GraphML or GEXF 1.3 bytes of the sociogram data; `description` (the subject's label) and
    `day` (YYYY-MM-DD, the last-modified date) go into the GEXF's `<meta>`."""
    if fmt == "graphml":
        buf = io.BytesIO()
        nx.write_graphml(to_networkx(graph), buf, encoding="utf-8")
        return buf.getvalue()
    if fmt == "gexf":
        return gexf(graph, description, day)
    raise ValueError(f"unknown graph format {fmt!r}; use one of {sorted(FORMATS)}")


def gexf(graph: dict[str, Any], description: str, day: str) -> bytes:
    """The sociogram as GEXF 1.3 with the page's layout, colours and sizes (see the module's doc)."""
    # Prefixed names and xmlns attributes are written as they are: ElementTree's namespace
    # registry is global (networkx registers its own "viz"), so it is not used.
    root = ET.Element("gexf", {"xmlns": GEXF_NS, "xmlns:viz": VIZ_NS, "version": "1.3"})
    meta = ET.SubElement(root, "meta", lastmodifieddate=day)
    ET.SubElement(meta, "creator").text = CREATOR
    ET.SubElement(meta, "description").text = _text(description)
    g = ET.SubElement(root, "graph", defaultedgetype="undirected", mode="static")
    for cls, declared in (("node", NODE_ATTRIBUTES), ("edge", EDGE_ATTRIBUTES)):
        attributes = ET.SubElement(g, "attributes", {"class": cls, "mode": "static"})
        for name, kind in declared:
            ET.SubElement(attributes, "attribute", id=name, title=name, type=kind)
    marks = sociogram_geometry(graph).marks
    nodes = ET.SubElement(g, "nodes", count=str(len(graph["nodes"])))
    for n in graph["nodes"]:
        node = ET.SubElement(nodes, "node", id=_text(n["iri"]), label=_text(n["label"]))
        _attvalues(node, NODE_ATTRIBUTES, {"kind": n["kind"], "group": (n["group"] or {}).get("label"),
                                           "degree": n["degree"], "isolated": n["isolated"], "broker": n["broker"]})
        m = marks[n["iri"]]
        ET.SubElement(node, "viz:color", _rgb(m.fill))
        ET.SubElement(node, "viz:size", value=f"{m.r:g}")
        ET.SubElement(node, "viz:position", x=f"{m.x:g}", y=f"{-m.y:g}", z="0.0")
    edges = ET.SubElement(g, "edges", count=str(len(graph["edges"])))
    for i, e in enumerate(graph["edges"]):
        width = f"{edge_width(e['depth']):g}"
        edge = ET.SubElement(edges, "edge", id=str(i), source=_text(e["source"]), target=_text(e["target"]),
                             weight=width)
        _attvalues(edge, EDGE_ATTRIBUTES, {**e, "relations": ",".join(e["relations"])})
        ET.SubElement(edge, "viz:color", _rgb(MUTED))
        ET.SubElement(edge, "viz:thickness", value=width)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _attvalues(parent: ET.Element, declared: tuple[tuple[str, str], ...], values: dict[str, Any]) -> None:
    """The declared attributes that have a value, typed as declared (booleans as true/false)."""
    present = [(name, kind, values[name]) for name, kind in declared if values.get(name) not in (None, "")]
    if present:
        out = ET.SubElement(parent, "attvalues")
        for name, kind, value in present:
            text = str(value).lower() if kind == "boolean" else str(float(value)) if kind == "double" else str(value)
            ET.SubElement(out, "attvalue", {"for": name, "value": _text(text)})


def _rgb(colour: str) -> dict[str, str]:
    """`#rrggbb` as GEXF's r, g, b (0-255)."""
    return {c: str(int(colour[i:i + 2], 16)) for c, i in (("r", 1), ("g", 3), ("b", 5))}


def _text(value: str) -> str:
    """`value` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)
