"""What the build derives beyond OWL 2 RL: boundary objects.

An artefact is typed `ckg:BoundaryObject` when two of its memberships (`?m org:member ?a`) differ in
both network (`org:organization`) and role (`ckg:roleDescription`, compared as text): the shape
`ckgsh:BoundaryObjectShape` and the named query `boundary-objects` ask the same (Star & Griesemer:
a different role in two or more networks). Two pairs that differ in both exist exactly when the
(network, role) pairs name at least two networks and at least two roles (if every two pairs with
different networks had the same role, a pair with another role would share the network of each).

The full path (kg.pipeline.reason.materialise) and the delta path (kg.pipeline.incremental's rules,
which the remote store's delta also runs) both call `qualifies`, so they derive the same types. The
derivation is monotone (more memberships never unmake one), and `ckg:BoundaryObject`'s superclasses
are `ckg:Artefact`'s, which the artefact already has: nothing else follows from it.
"""

from __future__ import annotations

from collections.abc import Iterable

from kg.model.namespaces import CKG

ORG = "http://www.w3.org/ns/org#"
BOUNDARY_OBJECT = CKG + "BoundaryObject"
ARTEFACT = CKG + "Artefact"
MEMBER = ORG + "member"
ORGANIZATION = ORG + "organization"
ROLE = CKG + "roleDescription"


def qualifies(pairs: Iterable[tuple[object, str]]) -> bool:
    """Whether an artefact's (network, role text) pairs, over all its memberships, make it a
    boundary object: at least two networks and at least two roles."""
    networks: set[object] = set()
    roles: set[str] = set()
    for network, role in pairs:
        networks.add(network)
        roles.add(role)
        if len(networks) >= 2 and len(roles) >= 2:
            return True
    return False
