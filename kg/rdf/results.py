"""SPARQL 1.1 result serialisations (JSON, XML, CSV, TSV) from solution rows.

pyoxigraph can serialise a result stream, but the endpoint counts rows
against its cap before anything is sent, so rows are first read into lists
of terms and then written by these functions. Formats: SPARQL 1.1 Query
Results JSON, XML, and CSV/TSV (W3C Recommendations of 2013); ASK answers in
CSV/TSV are the bare word `true` or `false`, as Oxigraph and Jena write them.
RDF-star triple terms are written as in SPARQL 1.2 (JSON `"type": "triple"`,
XML `<triple>`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = Sequence[Term | None]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_SPARQL_NS = "http://www.w3.org/2005/sparql-results#"
# Literals that Turtle (and so TSV) may write without quotes and datatype.
_BARE = {
    _XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    _XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    _XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+"),
    _XSD + "boolean": re.compile(r"true|false"),
}


def _plain(t: ox.Literal) -> bool:
    return not t.language and t.datatype.value in (_XSD_STRING, _RDF_LANGSTRING)


# --- JSON ------------------------------------------------------------------------------------


def _json_term(t: Term) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(t.subject), "predicate": _json_term(t.predicate),
                                            "object": _json_term(t.object)}}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif not _plain(t):
        out["datatype"] = t.datatype.value
    return out


def to_json(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """SPARQL 1.1 Query Results JSON."""
    bindings = [{v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in rows]
    return json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode()


def boolean_json(value: bool) -> bytes:
    return json.dumps({"head": {}, "boolean": value}).encode()


# --- XML -------------------------------------------------------------------------------------


def _text(value: str) -> str:
    # A literal CR would come back as LF (XML end-of-line handling), so it is written as a reference.
    return escape(value, {"\r": "&#13;"})


def _xml_term(t: Term) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Triple):
        return (f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}</predicate>"
                f"<object>{_xml_term(t.object)}</object></triple>")
    if t.language:
        return f"<literal xml:lang={quoteattr(t.language)}>{_text(t.value)}</literal>"
    if not _plain(t):
        return f"<literal datatype={quoteattr(t.datatype.value)}>{_text(t.value)}</literal>"
    return f"<literal>{_text(t.value)}</literal>"


_XML_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{_SPARQL_NS}">'


def to_xml(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """SPARQL Query Results XML Format (Second Edition)."""
    out = [_XML_HEAD, "<head>"]
    out += [f"<variable name={quoteattr(v)}/>" for v in variables]
    out.append("</head>\n<results>")
    for row in rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>" for v, t in zip(variables, row) if t is not None]
        out.append("</result>")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode()


def boolean_xml(value: bool) -> bytes:
    return f"{_XML_HEAD}<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n".encode()


# --- CSV and TSV -------------------------------------------------------------------------------


def _csv_cell(t: Term | None) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        value = "_:" + t.value
    elif isinstance(t, ox.Triple):
        value = _tsv_term(t)
    else:
        value = t.value
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def to_csv(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """SPARQL 1.1 Query Results CSV: values only (no datatypes or languages), CRLF lines."""
    lines = [",".join(variables)] + [",".join(_csv_cell(t) for t in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def _tsv_string(value: str) -> str:
    return '"' + (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                  .replace("\r", "\\r").replace("\t", "\\t")) + '"'


def _tsv_term(t: Term) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<{t.value}>"
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.Triple):
        return f"<< {_tsv_term(t.subject)} {_tsv_term(t.predicate)} {_tsv_term(t.object)} >>"
    if t.language:
        return _tsv_string(t.value) + "@" + t.language
    if _plain(t):
        return _tsv_string(t.value)
    bare = _BARE.get(t.datatype.value)
    if bare is not None and bare.fullmatch(t.value):
        return t.value
    return f"{_tsv_string(t.value)}^^<{t.datatype.value}>"


def to_tsv(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """SPARQL 1.1 Query Results TSV: terms in Turtle syntax, tabs and newlines escaped."""
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join("" if t is None else _tsv_term(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def boolean_csv(value: bool) -> bytes:
    return b"true" if value else b"false"


boolean_tsv = boolean_csv
