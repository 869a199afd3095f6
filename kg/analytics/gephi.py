"""The sociogram of an analysis as GraphML or GEXF, for Gephi (networkx's writers).

Node attributes: label, kind, group (label of the school or role it is coloured by), degree,
isolated, broker; edge attributes: relations (comma-separated), ties, strength, depth, trust
(missing values left out). Only what the analysis holds goes out, so an export in the public view
carries hidden people under their anonymous label only.
"""

from __future__ import annotations

import io
from typing import Any

import networkx as nx

FORMATS = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml"}


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


def serialise(graph: dict[str, Any], fmt: str) -> bytes:
    """GraphML or GEXF (1.2) bytes of the sociogram data."""
    g = to_networkx(graph)
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(g, buf, encoding="utf-8")
    elif fmt == "gexf":
        nx.write_gexf(g, buf, encoding="utf-8")
    else:
        raise ValueError(f"unknown graph format {fmt!r}; use one of {sorted(FORMATS)}")
    return buf.getvalue()
