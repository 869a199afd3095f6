"""Inbound federation: a real Oxigraph server runs a query whose SERVICE clause targets our
/sparql endpoint, and gets our public data (and only that) back."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

from oxigraph_server import OxigraphServer

from kg.store import run_query

CKG = "https://w3id.org/connective-kg/ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
HIDDEN = f"""SELECT ?name WHERE {{ ?p a <{CKG}Person> ; <{RDFS}label> ?name
  FILTER NOT EXISTS {{ ?p <{CKG}consent> <https://w3id.org/connective-kg/vocab/consent/public> }} }}"""


def _select(server: OxigraphServer, query: str) -> list[dict]:
    url = server.url + "/query?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())["results"]["bindings"]


def _ours(live_server, query: str) -> list[dict]:
    url = live_server.url + "/sparql?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())["results"]["bindings"]


def test_oxigraph_federates_into_our_endpoint(live_server, sample_db, tmp_path: Path) -> None:
    inner = f"SELECT ?p ?name WHERE {{ ?p a <{CKG}Person> ; <{RDFS}label> ?name }}"
    server = OxigraphServer(tmp_path / "db")
    try:
        # The other system's own data joins ours: a local list of the names it looks for.
        expected = sorted(b["name"]["value"] for b in _ours(live_server, inner))
        assert expected, "the public sample names someone"
        wanted = expected[:2]
        values = " ".join(json.dumps(n) for n in wanted)
        query = (f"SELECT ?p ?name WHERE {{ VALUES ?name {{ {values} }} "
                 f"SERVICE <{live_server.url}/sparql> {{ {inner[inner.index('{') + 1:-1]} }} }}")
        rows = _select(server, query)
        assert sorted(b["name"]["value"] for b in rows) == sorted(wanted)
        assert all(b["p"]["value"].startswith("http") for b in rows)
        # Everything the SERVICE clause can reach is the public view: no non-consenting person.
        every = _select(server, f"SELECT ?p ?name WHERE {{ SERVICE <{live_server.url}/sparql> {{ "
                                f"{inner[inner.index('{') + 1:-1]} }} }}")
        assert sorted(b["name"]["value"] for b in every) == expected
        hidden = {r["name"].value for r in run_query(sample_db, HIDDEN)}
        assert hidden and not hidden & set(expected)
    finally:
        server.stop()
