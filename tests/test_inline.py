"""kg.rdf.sparql_text.inline: bound values written where the outermost WHERE reads them.

The oracle is pyoxigraph's own `substitutions` alone, the path every query took before: each
named query, with its example parameters and with busy actors of every kind in place of its
actor parameters, must give the same rows through `run_query` (which now also inlines) on the
sample and on a generated region. Then the shapes `inline` must leave alone or rewrite, one by
one, and values that try to become query syntax.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import generated_store
from sparql_rows import canonical_rows as rows
from test_remote_bind import (
    EX,
    small,  # noqa: F401 (a fixture)
)
from test_remote_bind import SHAPES as BOUND_SHAPES

from kg.rdf.sparql_text import inline, still_read, with_values
from kg.sparql import queries
from kg.store import run_query, view_graphs

NAMES = sorted(queries.catalogue())
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
SAMPLE_ACTORS = ["p001", "p011", "p060", "a-kijkwijzer-ol", "n-plg-wt", "s-de-esch", "c-knll"]


def _oracle(db: ox.Store, text: str, bindings: dict, view: str):
    graphs = view_graphs(db, view)
    subs = {ox.Variable(k): v for k, v in bindings.items()}
    return db.query(text, default_graph=graphs, named_graphs=graphs, substitutions=subs or None)


def _cases(db: ox.Store, q: queries.NamedQuery, example: dict[str, str], actors: list[str], view: str) -> list[dict]:
    """The example, and the example with each actor in place of each actor parameter."""
    raws = [example] + [dict(example, **{p.name: a}) for p in q.params if p.type == "actor" for a in actors]
    out = []
    for raw in raws:
        try:
            out.append({p.name: queries.convert(db, p, raw[p.name] if p.name in raw else p.default, view)
                        for p in q.params if (raw.get(p.name) or p.default) is not None})
        except queries.QueryError:  # an actor the public view does not show
            continue
    return out


def _same_rows(db: ox.Store, name: str, cases: list[dict], view: str) -> int:
    text = queries.get(name).text
    answered = 0
    for bindings in cases:
        ours = rows(run_query(db, text, bindings, view))
        assert ours == rows(_oracle(db, text, bindings, view)), (
            f"{name} ({view}) answers differently inlined, with {({k: str(v) for k, v in bindings.items()})}")
        answered += bool(ours)
    return answered


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("view", ["internal", "public"])
def test_every_named_query_answers_as_with_substitutions_on_the_sample(name: str, view: str, sample_db) -> None:
    q = queries.get(name)
    cases = _cases(sample_db, q, dict(q.example), SAMPLE_ACTORS, view)
    answered = _same_rows(sample_db, name, cases, view)
    if view == "internal":
        assert answered, f"{name}: no case gives rows, so this comparison proves little"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("view", ["internal", "public"])
def test_every_named_query_answers_alike_as_text_holding_its_values(name: str, view: str, sample_db) -> None:
    """What the named-query API sends its SPARQL worker: the text alone (with_values)."""
    q = queries.get(name)
    graphs = view_graphs(sample_db, view)
    for bindings in _cases(sample_db, q, dict(q.example), SAMPLE_ACTORS, view):
        ours = rows(sample_db.query(with_values(q.text, bindings), default_graph=graphs, named_graphs=graphs))
        assert ours == rows(_oracle(sample_db, q.text, bindings, view)), (name, view, {k: str(v) for k, v in bindings.items()})


def test_values_only_the_projection_reads_are_bound_once_at_the_top() -> None:
    """VALUES in every group made Oxigraph evaluate each OPTIONAL of person-ties over the whole store
    (the worker ran out of memory nationally); written in, only the projection still reads them."""
    text = with_values(queries.get("person-ties").text, {"person": ox.NamedNode(EX + "p1"), "lang": ox.Literal("nl")})
    assert text.count("VALUES") == 1 and '"nl"' in text[text.index("WHERE"):text.index("VALUES")] + text[
        text.index("VALUES"):text.index("VALUES") + 80]
    assert not re.search(r"\?person\b", text[text.index("WHERE"):].replace("VALUES (?lang ?person)", ""))
    dated = with_values(queries.get("expiring-intents").text,
                        {"on": ox.Literal("2026-01-01", datatype=ox.NamedNode(XSD_DATE)), "days": ox.Literal(30)})
    assert dated.count("VALUES") > 1  # a date read by expressions is bound in every group, as bind() binds it


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    from synthetic.examples import pick

    db = generated_store(Path(tmp_path_factory.mktemp("inline")), 300, seed=11).open()
    return db, pick(db)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "brokers-between-networks"])
def test_every_named_query_answers_as_with_substitutions_on_a_generated_region(name: str, generated) -> None:
    from synthetic.examples import example_params

    db, picks = generated
    q = queries.get(name)
    actors = [picks.person, picks.artefact, picks.network, picks.covenant]
    _same_rows(db, name, _cases(db, q, example_params(name, picks), actors, "internal"), "internal")


def test_the_bound_person_is_written_into_the_outer_patterns() -> None:
    text = queries.get("agreements-of").text
    person = ox.NamedNode(EX + "p1")
    ours = inline(text, {"actor": person, "lang": ox.Literal("nl")})
    where = ours[ours.index("WHERE"):]
    assert "<https://example.org/p1> org:transitiveSubOrganizationOf*" in where
    assert "BIND(<https://example.org/p1> AS ?via)" in where
    # the roles subquery projects ?actor: its pattern is written, its projection and grouping kept
    assert "<https://example.org/p1> ckg:hasRole" in where and "GROUP BY ?actor ?lang" in where
    assert "SELECT ?actor ?lang" in where
    assert ours[:ours.index("WHERE")] == text[:text.index("WHERE")]  # the projection is left alone


SHAPES = {  # bind()'s shapes (the same store, `small`), and what inline() must also get right
    **BOUND_SHAPES,
    "subquery that projects it": f"SELECT ?s ?n ?node WHERE {{ ?s <{EX}label> ?l {{ SELECT ?s ?node (COUNT(?o) AS ?n) "
                                 f"WHERE {{ ?s <{EX}p> ?o FILTER(?o != ?node) }} GROUP BY ?s ?node }} }}",
    "subquery with a variable of its own": f"SELECT ?s ?n ?node WHERE {{ ?node <{EX}label> ?l {{ SELECT (COUNT(?node) AS ?n) "
                                           f"WHERE {{ ?node <{EX}p> ?o }} }} ?s <{EX}p> ?node }}",
    "minus": f"SELECT ?s ?node WHERE {{ ?s <{EX}label> ?l MINUS {{ ?s <{EX}p> ?node }} }}",
    "bound": f"SELECT ?s ?node ?b WHERE {{ ?s <{EX}label> ?l BIND(BOUND(?node) AS ?b) FILTER(BOUND( ?node )) }}",
    "bind from it": f"SELECT ?s ?x ?y WHERE {{ ?s <{EX}label> ?l BIND(CONCAT(?x, \"!\") AS ?y) FILTER(?l = ?x) }}",
    "grouped by a pattern's variable": f"SELECT ?node ?s (COUNT(?o) AS ?n) WHERE {{ ?s <{EX}p> ?node "
                                       f"OPTIONAL {{ {{ SELECT ?node (COUNT(?z) AS ?m) WHERE {{ ?z <{EX}p> ?node }} "
                                       f"GROUP BY ?node }} }} OPTIONAL {{ ?node <{EX}p> ?o }} }} GROUP BY ?node ?s",
    "ordered by it": f"SELECT ?s ?x WHERE {{ ?s <{EX}label> ?l }} ORDER BY (?l = ?x) ?s",
    "construct": f"CONSTRUCT {{ ?node <{EX}q> ?o }} WHERE {{ ?node <{EX}p> ?o }}",
    "graph pattern": f"SELECT ?s ?node WHERE {{ GRAPH ?g {{ ?s <{EX}p> ?node }} }}",
}


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("x", ["A", "C {", 'B" } ; DROP ALL ; #', "a\\b\n{"])
def test_shapes_answer_as_with_substitutions(shape: str, x: str, small: ox.Store) -> None:  # noqa: F811
    text = SHAPES[shape]
    bindings = {"x": ox.Literal(x), "node": ox.NamedNode(EX + "b")}
    used = {k: v for k, v in bindings.items() if f"?{k}" in text}
    reference = small.query(text, substitutions={ox.Variable(k): v for k, v in used.items()})
    written = inline(text, used)
    ours = small.query(written, substitutions={ox.Variable(k): used[k] for k in still_read(written, used)})
    # as text alone the values are VALUES, which bind BOUND(?node) too; pyoxigraph's substitutions
    # leave it unbound there, so that shape is compared as inline() leaves it only
    alone = small.query(with_values(text, used)) if shape != "bound" else small.query(
        written, substitutions={ox.Variable(k): used[k] for k in still_read(written, used)})
    if isinstance(reference, ox.QueryTriples):
        expected = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in reference)
        for got in (ours, alone):
            assert ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in got) == expected
    else:
        expected_rows = rows(reference)
        assert rows(ours) == expected_rows and rows(alone) == expected_rows


def test_shapes_inline_what_they_should() -> None:
    node = {"node": ox.NamedNode(EX + "b")}
    assert "?node" not in inline(SHAPES["not exists"], node).split("WHERE")[1]
    assert inline(SHAPES["minus"], node).endswith(f"MINUS {{ ?s <{EX}p> <{EX}b> }} }}")
    assert inline(SHAPES["minus"], {"node": ox.Literal(5)}) == SHAPES["minus"]  # a number: patterns only
    assert inline(SHAPES["subquery with a variable of its own"], node).count("?node") == 3  # projection, subquery x2
    assert inline(SHAPES["bound"], node) == SHAPES["bound"]  # expressions keep the variable
    assert inline(SHAPES["graph pattern"], node).endswith(f"?s <{EX}p> <{EX}b> }} }}")
    # an IRI or a string is written into expressions too; another literal read by one is not written at all
    assert f"FILTER(?o != <{EX}b>)" in inline(SHAPES["subquery that projects it"], node)
    union = SHAPES["filter in a union branch"]
    assert inline(union, {"x": ox.Literal(5)}) == union  # a number read by an expression: not written at all
    assert inline(union, {"x": ox.Literal("A")}).count('"A"') == 2  # a string is written like an IRI
    assert inline(union, {"x": ox.NamedNode(EX + "c")}).count(f"<{EX}c>") == 2
    grouped = inline(SHAPES["grouped by a pattern's variable"], node)
    assert grouped.count(f"<{EX}b>") == 3 and grouped.count("?node") == 4  # projections and GROUP BYs keep it
    assert inline(SHAPES["construct"], node).startswith("CONSTRUCT { ?node")
    assert inline("SELECT ?s ?b WHERE { ?s ?p ?b }", {"b": ox.BlankNode()}) == "SELECT ?s ?b WHERE { ?s ?p ?b }"


def test_values_never_become_syntax(small: ox.Store) -> None:  # noqa: F811
    hostile = ox.Literal('x" ) } } INSERT DATA { <urn:a> <urn:b> <urn:c> } #')
    text = inline(f"SELECT ?s ?x WHERE {{ ?s <{EX}label> ?x }}", {"x": hostile})
    assert list(small.query(text, substitutions={ox.Variable("x"): hostile})) == []
    assert text.count("INSERT") == 1 and '\\"' in text  # the quote stays escaped inside one literal
    with pytest.raises(ValueError):
        ox.NamedNode(EX + "a> } INSERT DATA { <urn:a> <urn:b> <urn:c> } #")  # an IRI cannot close itself
