"""Every named query in kg/queries: a readable header, parameters the engine can bind,
no reliance on default prefixes, and at least one row on the Twente sample."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import STORES, embedded_or_remote

from kg.sparql import queries

NAMES = sorted(queries.catalogue())

# The named queries of the competency questions (docs/domain.md); each must exist.
COMPETENCY_QUERIES = (
    "expertise-evidence", "contact-reach", "person-ties", "depth-distribution", "agreements-of",
    "reachable-expertise", "diffusion-trace", "derivations", "next-adopters", "boundary-objects",
    "boundary-crossers", "brokers-between-networks", "team-isolation", "network-openness",
    "participation", "network-growth", "network-members", "covenant-commitments",
    "expiring-intents", "capital-profile", "actor-neighbourhood",
)


@pytest.fixture(scope="module", params=STORES)
def sample_db(request, sample_db):
    """Every test here runs on the embedded store and on a real remote SPARQL server."""
    return embedded_or_remote(request, sample_db)


def example_params(q: queries.NamedQuery) -> dict[str, str]:
    return dict(q.example)


def test_every_competency_query_is_in_the_catalogue() -> None:
    missing = [n for n in COMPETENCY_QUERIES if n not in NAMES]
    assert not missing, f"named queries missing from kg/queries: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_header_parses_with_both_summaries(name: str) -> None:
    q = queries.catalogue()[name]
    assert q.name == name == q.path.stem
    assert q.summary.strip(), f"{name}: empty '#+ summary:'"
    assert q.summary_nl.strip(), f"{name}: no '#+ summary_nl:'"
    assert q.summary != q.summary_nl, f"{name}: the Dutch summary is a copy of the English one"
    for p in q.params:
        assert p.type in queries.TYPES
        assert p.required or p.default is not None, f"{name}: optional parameter {p.name} without a default"
        assert p.description, f"{name}: parameter {p.name} has no description"
    assert set(q.example) <= {p.name for p in q.params}, f"{name}: example names an unknown parameter"


@pytest.mark.parametrize("name", NAMES)
def test_query_parses_without_default_prefixes_and_projects_every_parameter(name: str) -> None:
    q = queries.catalogue()[name]
    # pyoxigraph knows no prefixes unless given: an undeclared prefix is a SyntaxError here.
    results = ox.Store().query(q.text)
    assert isinstance(results, ox.QuerySolutions), f"{name} is not a SELECT query"
    projected = {v.value for v in results.variables}
    for p in q.params:
        assert p.name in projected, (
            f"{name}: parameter ?{p.name} is not projected by the SELECT, so the substitution "
            "would not reach it")


@pytest.mark.parametrize("name", NAMES)
def test_query_with_required_parameters_has_an_example(name: str) -> None:
    q = queries.catalogue()[name]
    required = {p.name for p in q.params if p.required}
    assert required <= set(q.example), f"{name}: '#+ example:' lacks {sorted(required - set(q.example))}"


@pytest.mark.parametrize("name", NAMES)
def test_query_runs_on_the_sample_with_its_example(name: str, sample_db: ox.Store) -> None:
    q = queries.catalogue()[name]
    results = queries.run(sample_db, name, example_params(q))
    rows = list(results)
    assert rows, f"{name} with {example_params(q)} returns no row on the Twente sample"


@pytest.mark.parametrize("name", COMPETENCY_QUERIES)
def test_every_iri_column_has_a_label_column(name: str, sample_db: ox.Store) -> None:
    q = queries.catalogue()[name]
    results = queries.run(sample_db, name, example_params(q))
    columns = [v.value for v in results.variables]
    iri_columns = set()
    for row in results:
        for c in columns:
            if isinstance(row[c], ox.NamedNode):
                iri_columns.add(c)
    missing = sorted(c for c in iri_columns if c + "Label" not in columns)
    assert not missing, f"{name}: IRI columns without a ...Label column: {missing}"


@pytest.mark.parametrize("name", COMPETENCY_QUERIES)
def test_output_order_is_deterministic(name: str, sample_db: ox.Store) -> None:
    q = queries.catalogue()[name]
    assert "ORDER BY" in q.text.upper() or name in ("capital-profile", "network-openness"), (
        f"{name} has no ORDER BY")
    first = [tuple(str(r[v]) for v in r.keys()) if hasattr(r, "keys") else str(r)
             for r in _rows(sample_db, name, example_params(q))]
    second = [tuple(str(r[v]) for v in r.keys()) if hasattr(r, "keys") else str(r)
              for r in _rows(sample_db, name, example_params(q))]
    assert first == second


def _rows(store: ox.Store, name: str, params: dict[str, str]) -> list[dict[str, str]]:
    results = queries.run(store, name, params)
    columns = [v.value for v in results.variables]
    return [{c: (None if r[c] is None else r[c].value) for c in columns} for r in results]
