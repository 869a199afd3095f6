"""Every named query keeps a plan that scales (issue 13), and every rewrite answers as before.

Budgets are ratios to a baseline measured in the same test on the same store, so a slow or busy
machine slows both alike:
- a query bound to an actor, topic or IRI may cost at most BOUND_BUDGET times the trivial query
  (tests/query_plans/trivial.rq: one actor's facts): its cost must follow the actor, not the store;
- a query about the whole region at most REGION_BUDGET times one scan of the view
  (tests/query_plans/scan.rq): a few passes, nothing quadratic.
The store is a generated region of PEOPLE people (synthetic.generate), the parameters the
query's example carried over to it (synthetic.examples: a busy person, the most adopted artefact,
the largest network, ...).

Queries still over budget are listed in OVER_BUDGET with what was measured and why (expected
failures, not strict: a time is not exact); the ones too slow to run here at all are not run.

Differential: the old text of every rewritten query is kept in tests/query_plans/oracles/; both
must give the same rows in the same order on the Twente sample and on the generated region, for
the example and for an actor of every kind.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.pipeline.build import build
from kg.sparql import queries
from kg.store import GraphStore
from kg.store.views import run_query
from synthetic.examples import Picks, baseline_kind, bindings_for, pick, plan_query
from synthetic.generate import write

PLANS = Path(__file__).parent / "query_plans"
ORACLES = sorted(p.stem for p in (PLANS / "oracles").glob("*.rq"))
PEOPLE = 2000
BOUND_BUDGET = 500     # x the trivial query
REGION_BUDGET = 30     # x one scan of the view
TRIVIAL_REPEAT = 30
REPEAT = 2

# Measured on 3,000 people (bench/query_bench.py, 2026-12-07): ratio to the baseline, and why.
_SHAPE = "not yet rewritten (issue 13)"
OVER_BUDGET: dict[str, str] = {
    "expertise-evidence": f"12,219 x trivial: the topic's whole answer (who-knows pages it); {_SHAPE}",
    "expertise-ranking": "8,148 x trivial at 2,000 people: every actor with evidence for the topic, which the "
                         "ranking of a who-knows page needs (2.8 x cheaper than expertise-evidence)",
    "network-growth": "1,266 x trivial at 2,000 people under load (rewritten, 3.3 x cheaper at 10,000 people): "
                      "every membership of the largest network, once per school year (11 years)",
    "network-members": "528 x trivial at 2,000 people under load (rewritten, 9 x cheaper at 10,000 people): "
                       "about ten lookups for each membership of the largest network",
    "network-openness": "1,272 x trivial at 2,000 people under load (rewritten, 14 x cheaper at 10,000 people): "
                        "every tie of every member of the largest network and the organisations they reach",
    "next-adopters": f"21,814 x trivial: every school near every adopter; {_SHAPE}",
    "resource-facts": "within budget in one run, 964 x trivial in another under load (3,340 x before its value "
                      "labels' subquery went): the busiest resource's every fact with its value's labels",
    "team-isolation": "915 x trivial at 2,000 people under load (rewritten, 14 x cheaper at 10,000 people): "
                      "every tie of every member of the largest network, with its depth and frequency",
}
# Too slow to run in this test at all (seconds at 2,000 people).
NOT_RUN: dict[str, str] = {
    "brokers-between-networks": "over 30 s at 3,000 people (every pair of networks of every person); "
                                "a whole-region aggregate to compute at commit time",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[ox.Store, Picks]:
    """A generated region of PEOPLE people, built into a real store, and its busy actors."""
    tmp = tmp_path_factory.mktemp("plans")
    write(tmp / "src" / "region.nt", PEOPLE, seed=3)
    store = GraphStore(tmp / "store")
    assert build([tmp / "src"], store).committed
    db = store.open()
    return db, pick(db)


def _best(db: ox.Store, text: str, bindings: dict, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _row in run_query(db, text, bindings):
            pass
        best = min(best, time.perf_counter() - t0)
    return best


@pytest.fixture(scope="module")
def baselines(generated) -> dict[str, float]:
    db, picks = generated
    trivial = plan_query(PLANS / "trivial.rq")
    return {"trivial": _best(db, trivial.text, bindings_for_plan(db, trivial, picks), TRIVIAL_REPEAT),
            "scan": _best(db, plan_query(PLANS / "scan.rq").text, {}, REPEAT + 1)}


def bindings_for_plan(db: ox.Store, q: queries.NamedQuery, picks: Picks) -> dict:
    return {"actor": queries.convert(db, q.params[0], picks.person)}


def _params(name: str):
    marks = []
    if name in NOT_RUN:
        marks.append(pytest.mark.xfail(reason=NOT_RUN[name], run=False))
    elif name in OVER_BUDGET:
        marks.append(pytest.mark.xfail(reason=OVER_BUDGET[name], strict=False))
    return pytest.param(name, marks=marks)


@pytest.mark.parametrize("name", [_params(n) for n in sorted(queries.catalogue())])
def test_named_query_stays_within_its_budget(name: str, generated, baselines) -> None:
    db, picks = generated
    q = queries.get(name)
    kind = baseline_kind(q)
    budget = BOUND_BUDGET if kind == "trivial" else REGION_BUDGET
    seconds = _best(db, q.text, bindings_for(db, q, picks), 1 if name in OVER_BUDGET else REPEAT)
    ratio = seconds / baselines[kind]
    assert ratio <= budget, (f"{name}: {seconds * 1000:.1f} ms = {ratio:.0f} x the {kind} query "
                             f"({baselines[kind] * 1000:.2f} ms); budget {budget} x")


def test_the_picks_are_actors_of_their_kind(generated) -> None:
    from synthetic.examples import is_type

    db, picks = generated
    for iri, cls in ((picks.person, "Person"), (picks.artefact, "Artefact"), (picks.network, "Network"),
                     (picks.covenant, "Covenant")):
        assert is_type(db, iri, cls), f"{iri} is no ckg:{cls}"
    # busy ones: the cost measured is not that of an actor with nothing around it
    assert sum(1 for _ in run_query(db, plan_query(PLANS / "trivial.rq").text,
                                    {"actor": ox.NamedNode(picks.person)})) >= 5


def _rows(results: ox.QuerySolutions) -> list[tuple]:
    names = [v.value for v in results.variables]
    return [tuple(None if r[n] is None else str(r[n]) for n in names) for r in results]


def _cases(db: ox.Store, q: queries.NamedQuery, example: dict[str, str], actors: list[str]) -> list[dict]:
    """The example, and the example with each actor in place of each actor parameter."""
    raws = [example] + [dict(example, **{p.name: a}) for p in q.params if p.type == "actor" for a in actors]
    raws += [dict(example, **{p.name: queries.resolve_actor(db, a).value}) for p in q.params if p.type == "iri"
             for a in actors]
    return [{p.name: queries.convert(db, p, raw.get(p.name, p.default)) for p in q.params} for raw in raws]


def _same_answers(db: ox.Store, name: str, cases: list[dict]) -> None:
    new = queries.get(name).text
    old = plan_query(PLANS / "oracles" / f"{name}.rq").text
    for bindings in cases:
        shown = {k: str(v) for k, v in bindings.items()}
        assert _rows(run_query(db, new, bindings)) == _rows(run_query(db, old, bindings)), (
            f"{name} answers differently from its old text with {shown}")


@pytest.mark.parametrize("name", ORACLES)
def test_rewrite_gives_the_old_answers_on_the_sample(name: str, sample_db) -> None:
    q = queries.get(name)
    actors = ["p001", "p011", "p060", "p101", "a-kijkwijzer-ol", "n-plg-wt", "n-team-de-esch", "s-de-esch", "c-knll"]
    _same_answers(sample_db, name, _cases(sample_db, q, dict(q.example), actors))


@pytest.mark.parametrize("name", ORACLES)
def test_rewrite_gives_the_old_answers_on_a_generated_region(name: str, generated) -> None:
    from synthetic.examples import example_params

    db, picks = generated
    q = queries.get(name)
    actors = [picks.person, picks.artefact, picks.network, picks.covenant]
    _same_answers(db, name, _cases(db, q, example_params(name, picks), actors))


def test_every_oracle_is_a_named_query_with_the_same_header() -> None:
    for name in ORACLES:
        old, new = plan_query(PLANS / "oracles" / f"{name}.rq"), queries.get(name)
        assert old.params == new.params and old.example == new.example, name
