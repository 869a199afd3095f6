"""The official GEXF 1.3 XML Schema (tests/gexf-1.3, see its README) as a check on a GEXF file."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import xmlschema

GEXF, VIZ = "{http://gexf.net/1.3}", "{http://gexf.net/1.3/viz}"


@cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(Path(__file__).resolve().parent / "gexf-1.3" / "gexf.xsd")


def gexf_errors(data: bytes) -> list[str]:
    """Why `data` is not valid GEXF 1.3 (empty when it is). The schema as published declares the
    viz elements in the GEXF namespace (its README): they are moved there in a copy first."""
    root = ET.fromstring(data)
    for el in root.iter():
        if el.tag.startswith(VIZ):
            el.tag = GEXF + el.tag[len(VIZ):]
    return [str(e) for e in schema().iter_errors(root)]
