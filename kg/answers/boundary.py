"""Boundary objects (Star & Griesemer 1989): artefacts that are members of at least two networks
with a different role in each, with their roles per network and their spread, from named queries.

`listing()` is one page of all of them (the JSON of `/api/boundary-objects`, `BoundaryObjects`);
`in_network()` those among one network's members (the network page). The criterion is that of
`boundary-objects.rq`; the spread counts as the diffusion trace does (`artefact-spread.rq`: dated
adoptions of the artefact or an adapted copy, distinct adopting schools). Everything is read in the
caller's view.
"""

from __future__ import annotations

from typing import Any, TypedDict, cast

import pyoxigraph as ox

from kg.answers.actors import Ref, Row, ref, rows
from kg.pipeline import derived
from kg.store import Readable

PER_PAGE = 20  # boundary objects on a page unless asked otherwise
MAX_PER_PAGE = 100


class Spread(TypedDict):
    adoptions: int  # dated adoptions of the artefact or an adapted copy
    schools: int  # distinct adopting schools
    first: str | None
    last: str | None


class NetworkRoles(TypedDict):
    network: Ref
    roles: list[str]  # the artefact's ckg:roleDescription in that network


class BoundaryObject(TypedDict):
    artefact: Ref
    typed: bool  # the store types it ckg:BoundaryObject (stated, or derived by the build: kg.pipeline.derived)
    networks: list[NetworkRoles]  # by network label
    spread: Spread


class BoundaryObjects(TypedDict):
    total: int
    offset: int
    limit: int
    next: int | None  # the neighbouring pages' offsets, None at the ends
    previous: int | None
    boundary_objects: list[BoundaryObject]


def listing(db: Readable, view: str, lang: str, offset: int = 0, limit: int = PER_PAGE) -> BoundaryObjects:
    """`limit` boundary objects from `offset`, by label (then IRI), and how many there are. The list
    is one grouped pass over the store (`boundary-object-list`); roles and spread are asked for the
    page's objects only."""
    found = _rows(db, "boundary-object-list", {}, view, lang)
    found.sort(key=lambda r: ((r["artefactLabel"] or "").casefold(), r["artefact"]))
    shown = found[offset:offset + limit]
    return {
        "total": len(found), "offset": offset, "limit": limit,
        "next": offset + limit if offset + limit < len(found) else None,
        "previous": max(0, offset - limit) if offset > 0 else None,
        "boundary_objects": [{
            "artefact": _ref(r["artefact"], r["artefactLabel"]), "typed": bool(r["typed"]),
            "networks": roles(db, r["artefact"], view, lang), "spread": spread(db, r["artefact"], view, lang),
        } for r in shown],
    }


def roles(db: Readable, iri: str, view: str, lang: str) -> list[NetworkRoles]:
    """The artefact's roles per network (memberships with a ckg:roleDescription), by network label."""
    return _grouped([(_ref(r["network"], r["networkLabel"]), r["role"])
                     for r in _rows(db, "actor-memberships", {"actor": iri, "lang": lang}, view, lang) if r["role"]])


def spread(db: Readable, iri: str, view: str, lang: str) -> Spread:
    """The artefact's adoptions and adopting schools as its trace counts them (0 when not adopted)."""
    found = _rows(db, "artefact-spread", {"artefact": iri}, view, lang)
    if not found:
        return {"adoptions": 0, "schools": 0, "first": None, "last": None}
    r = found[0]
    return {"adoptions": r["adoptions"], "schools": r["schools"], "first": r["first"], "last": r["last"]}


def in_network(db: Readable, network: str, view: str, lang: str) -> list[BoundaryObject]:
    """The boundary objects among the network's members, by label, each with every network it is a
    member of (this one included) and its role there, and its spread."""
    by_artefact: dict[str, tuple[Ref, bool, list[tuple[Ref, str]]]] = {}
    for r in _rows(db, "network-boundary-objects", {"network": network}, view, lang):
        entry = by_artefact.setdefault(r["artefact"], (_ref(r["artefact"], r["artefactLabel"]), bool(r["typed"]), []))
        entry[2].append((_ref(r["memberOf"], r["memberOfLabel"]), r["role"]))
    found: list[BoundaryObject] = [
        {"artefact": artefact, "typed": typed, "networks": _grouped(pairs), "spread": spread(db, iri, view, lang)}
        for iri, (artefact, typed, pairs) in by_artefact.items()
        if derived.qualifies((network_ref["iri"], role) for network_ref, role in pairs)]
    return sorted(found, key=lambda b: (b["artefact"]["label"].casefold(), b["artefact"]["iri"]))


def _rows(db: Readable, name: str, params: dict[str, Any], view: str, lang: str) -> list[Row]:
    """`actors.rows` on the store view the web app reads (`actors` is typed for pyoxigraph's store)."""
    return rows(cast(ox.Store, db), name, params, view, lang)


def _grouped(pairs: list[tuple[Ref, str]]) -> list[NetworkRoles]:
    """(network, role) pairs as one entry per network with its distinct roles, by network label."""
    by_network: dict[str, NetworkRoles] = {}
    for network, role in pairs:
        entry = by_network.setdefault(network["iri"], {"network": network, "roles": []})
        if role not in entry["roles"]:
            entry["roles"].append(role)
    return sorted(by_network.values(), key=lambda n: (n["network"]["label"].casefold(), n["network"]["iri"]))


def _ref(iri: str, label: str | None) -> Ref:
    """`actors.ref` for an IRI that is always there."""
    found = ref(iri, label)
    assert found is not None
    return found
