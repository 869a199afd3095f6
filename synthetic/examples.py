"""The named queries' example parameters, carried over to a generated region.

A query's `#+ example:` names actors of the Twente sample (`p001`, `a-kijkwijzer-ol`,
`n-plg-wt`, ...), which a generated region does not hold. `example_params(db, query)` gives the
same parameters with each sample actor replaced by a generated actor of the same kind, chosen as
a busy one (so a query's cost is not measured on an actor with nothing around it):

- a person (`p...`): the person with the most ties (either end);
- an artefact (`a-...`): the artefact adopted most often;
- a network (`n-...`): the network with the most memberships;
- a covenant (`c-...`): the covenant with the most parties;
- a school or other organisation (`s-...`): the one most people are affiliated with;
- a membership (`m-...`): a membership of the chosen person;
- the sample's base IRI: the generated region's.

Used by the query-plan test (tests/test_query_plans.py) and the query benchmark
(bench/query_bench.py). Reads the store's quads directly (no SPARQL), counting by Python.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox

from kg.model.namespaces import CKG, RDF, local_name
from kg.sparql import queries
from synthetic.generate import DEFAULT_BASE, ORG_MEMBER, ORG_ORGANIZATION

SAMPLE_BASE = "https://knll-twente.example/id/"


@dataclass(frozen=True)
class Picks:
    """The generated actors that stand in for the sample's examples (full IRIs)."""

    base: str
    person: str
    artefact: str
    network: str
    covenant: str
    membership: str
    school: str


def _most(db: ox.Store, predicate: ox.NamedNode, position: str) -> Counter:
    counts: Counter = Counter()
    for q in db.quads_for_pattern(None, predicate, None, None):
        node = q.object if position == "object" else q.subject
        if isinstance(node, ox.NamedNode):
            counts[node.value] += 1
    return counts


def _top(counts: Counter) -> str:
    """The most frequent key; ties by IRI, so the pick is deterministic."""
    return min(counts, key=lambda k: (-counts[k], k))


def pick(db: ox.Store, base: str = DEFAULT_BASE) -> Picks:
    """Busy actors of a generated region (with `base`) built into `db`."""
    def ours(counts: Counter) -> Counter:
        return Counter({k: v for k, v in counts.items() if k.startswith(base)})

    ties = ours(_most(db, ox.NamedNode(CKG + "source"), "object") + _most(db, ox.NamedNode(CKG + "target"), "object"))
    person = _top(Counter({k: v for k, v in ties.items() if local_name(k).startswith("p")}))
    artefact = _top(ours(_most(db, ox.NamedNode(CKG + "adoptedArtefact"), "object")))
    members = ours(_most(db, ORG_ORGANIZATION, "object"))
    network = _top(Counter({k: v for k, v in members.items() if local_name(k).startswith("n-")}))
    covenant = _top(ours(_most(db, ox.NamedNode(CKG + "party"), "subject")))
    memberships = sorted(q.subject.value for q in db.quads_for_pattern(None, ORG_MEMBER, ox.NamedNode(person), None)
                         if isinstance(q.subject, ox.NamedNode))
    school = _top(ours(_most(db, ox.NamedNode(CKG + "affiliatedWith"), "object")))
    return Picks(base, person, artefact, network, covenant, memberships[0] if memberships else person, school)


def _carry(value: str, picks: Picks, full_iris: bool = False) -> str:
    """One example value of the sample, as the generated region's counterpart (an id as an id, unless
    `full_iris`)."""
    if value == SAMPLE_BASE:
        return picks.base
    full = value.startswith(SAMPLE_BASE)
    local = value[len(SAMPLE_BASE):] if full else value
    for prefix, iri in (("m-", picks.membership), ("a-", picks.artefact), ("n-", picks.network),
                        ("c-", picks.covenant), ("s-", picks.school), ("p", picks.person)):
        if local.startswith(prefix) and (prefix != "p" or local[1:].isdigit()):
            return iri if full or full_iris else local_name(iri)
    return value


def example_params(name: str, picks: Picks, full_iris: bool = False) -> dict[str, str]:
    """The named query `name`'s example parameters with the sample's actors replaced by `picks`
    (`full_iris`: every actor as its IRI, for a store of several generated regions, where the same
    id is in each)."""
    return {k: _carry(v, picks, full_iris) for k, v in queries.get(name).example.items()}


def is_type(db: ox.Store, iri: str, cls: str) -> bool:
    """Whether `iri` has rdf:type ckg:`cls` in any graph (a check for the picks)."""
    return any(True for _ in db.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(RDF + "type"),
                                                  ox.NamedNode(CKG + cls), None))


# --- for the query-plan test and the query benchmark ----------------------------------------

BOUND_TYPES = ("actor", "topic", "iri")


def baseline_kind(q: queries.NamedQuery) -> str:
    """"trivial" for a query bound to an actor, topic or IRI (it should cost about what that
    actor's facts cost); "scan" for one about the whole region (it should cost a few scans)."""
    return "trivial" if any(p.type in BOUND_TYPES for p in q.params) else "scan"


def bindings_for(db: ox.Store, q: queries.NamedQuery, picks: Picks,
                 full_iris: bool = False) -> dict[str, ox.NamedNode | ox.Literal]:
    """`q`'s example parameters on the generated region, as the RDF terms `queries.run` binds
    (`full_iris`: see `example_params`)."""
    raw = example_params(q.name, picks, full_iris)
    return {p.name: queries.convert(db, p, raw.get(p.name, p.default)) for p in q.params}


def plan_query(path) -> queries.NamedQuery:
    """A query file with a `#+` header that is not one of the named queries (a test's baseline or
    a query's old text)."""
    return queries.parse_header(path)
