"""kg.rdf.sparql_text.bind: bound parameters for stores that only take query text (SPARQL protocol).

The reference is pyoxigraph's own `substitutions`: every named query, with its example
parameters, must give exactly the same rows when its parameters are bound by `bind`
instead, on the same store. Then the shapes `bind` must get right one by one, and values
that try to become query syntax.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from sparql_rows import canonical_rows as rows

from kg.rdf.sparql_text import bind
from kg.sparql import queries
from kg.store import run_query, view_graphs

NAMES = sorted(queries.catalogue())
EX = "https://example.org/"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("view", ["internal", "public"])
def test_every_named_query_gives_the_same_rows_bound_by_values(name: str, view: str, sample_db: ox.Store) -> None:
    q = queries.catalogue()[name]
    raw = dict(q.example)
    bindings = {}
    for p in q.params:
        value = raw.get(p.name, p.default)
        if value is not None:
            bindings[p.name] = queries.convert(sample_db, p, value, view)
    reference = rows(run_query(sample_db, q.text, bindings, view))
    graphs = view_graphs(sample_db, view)
    ours = rows(sample_db.query(bind(q.text, bindings), default_graph=graphs, named_graphs=graphs))
    assert ours == reference
    if view == "internal":
        assert reference, f"{name}: the example gives no rows, so this comparison proves little"


@pytest.fixture(scope="module")
def small() -> ox.Store:
    db = ox.Store()
    db.load(f"""
        <{EX}a> <{EX}p> <{EX}b> . <{EX}a> <{EX}label> "A" .
        <{EX}b> <{EX}p> <{EX}c> . <{EX}b> <{EX}label> "B" .
        <{EX}c> <{EX}label> "C {{ x }}" .
    """.encode(), format=ox.RdfFormat.TURTLE)
    return db


# pyoxigraph substitutes only projected variables (the named queries project every parameter).
SHAPES = {
    "filter in a union branch": f"SELECT ?s ?x WHERE {{ {{ ?s <{EX}label> ?l FILTER(?l = ?x) }} UNION {{ ?s <{EX}p> ?x }} }}",
    "optional with filter": f"SELECT ?s ?o ?node WHERE {{ ?s <{EX}label> ?l OPTIONAL {{ ?s <{EX}p> ?o FILTER(?o = ?node) }} }}",
    "not exists": f"SELECT ?s ?node WHERE {{ ?s <{EX}label> ?l FILTER NOT EXISTS {{ ?s <{EX}p> ?node }} }}",
    "subquery": f"SELECT ?s ?n ?node WHERE {{ ?s <{EX}label> ?l {{ SELECT ?s (COUNT(?o) AS ?n) WHERE {{ ?s <{EX}p> ?o FILTER(?o != ?node) }} GROUP BY ?s }} }}",
    "values block and braces in strings": f"SELECT ?s ?x WHERE {{ VALUES ?t {{ \"}} {{\" }} # a {{ comment\n ?s <{EX}label> ?l FILTER(?l != ?x || ?t = \"{{\") }}",
    "projected and grouped": f"SELECT ?x (COUNT(?s) AS ?n) WHERE {{ ?s <{EX}label> ?l FILTER(STRSTARTS(?l, ?x)) }} GROUP BY ?x",
    "ask": f"ASK {{ ?node <{EX}p> ?o }}",
    "literal in a function": f"SELECT ?s ?x WHERE {{ ?s <{EX}label> ?l FILTER(CONTAINS(LCASE(?l), LCASE(?x))) }}",
}


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("x", ["A", "C {", 'B" } ; DROP ALL ; #', "a\\b\n{"])
def test_shapes_bind_like_substitutions(shape: str, x: str, small: ox.Store) -> None:
    text = SHAPES[shape]
    bindings = {"x": ox.Literal(x), "node": ox.NamedNode(EX + "b")}
    used = {k: v for k, v in bindings.items() if f"?{k}" in text}
    reference = rows(small.query(text, substitutions={ox.Variable(k): v for k, v in used.items()}))
    assert rows(small.query(bind(text, used))) == reference


def test_values_never_become_syntax(small: ox.Store) -> None:
    hostile = ox.Literal('x" ) } } INSERT DATA { <urn:a> <urn:b> <urn:c> } #')
    text = bind(f"SELECT ?s WHERE {{ ?s <{EX}label> ?x }}", {"x": hostile})
    assert list(small.query(text)) == []
    assert text.count("INSERT") == 1 and '\\"' in text  # the quote stays escaped inside one literal
    with pytest.raises(ValueError):
        ox.NamedNode("urn:a> } DROP ALL #")  # IRIs are checked when made, before bind sees them
    with pytest.raises(ValueError):
        bind(f"SELECT ?s WHERE {{ ?s <{EX}p> ?o }}", {"o": ox.BlankNode()})


def test_construct_template_is_left_alone_and_the_short_form_refused(small: ox.Store) -> None:
    text = f"CONSTRUCT {{ ?s <{EX}q> ?node }} WHERE {{ ?s <{EX}p> ?node }}"
    node = ox.NamedNode(EX + "c")
    assert set(small.query(bind(text, {"node": node}))) == set(
        small.query(text, substitutions={ox.Variable("node"): node}))
    with pytest.raises(ValueError):
        bind(f"CONSTRUCT WHERE {{ ?s <{EX}p> ?node }}", {"node": node})
