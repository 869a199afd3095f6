"""Open versus closed groups (section 3.2 of the booklet): density, clustering, E-I index.

For a group G (the members of a network, or the people of a school) in the analysed graph,
counting tied pairs (a pair with several ties or relations counts once):

- I = pairs with both ends in G; E = pairs with exactly one end in G;
- **E-I index** (Krackhardt & Stern 1988) = (E - I) / (E + I): -1 = every tie stays inside
  (closed), +1 = every tie leaves the group (open); 0 when the group has no ties;
- **external share** = E / (E + I), the share of the group's ties that leave it;
- **density** = I / (n (n - 1) / 2) for n members (0 for n < 2);
- **clustering** = the average local clustering coefficient (Watts & Strogatz) of the members
  in the subgraph of the group: how often two contacts of a member are tied to each other
  (1 = everyone's colleagues know each other: a closed group);
- **organisations reached** = distinct organisations of the members and of the actors outside
  the group they are tied to.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from kg.analytics.extract import RegionData


def openness(region: RegionData, g: nx.Graph, group: set[str]) -> dict[str, Any]:
    members = {m for m in group if m in g}
    internal = external = 0
    outside: set[str] = set()
    for u, v in g.edges(members):
        u_in, v_in = u in members, v in members
        if u_in and v_in:
            internal += 1
        else:
            external += 1
            outside.add(v if u_in else u)
    # g.edges(nbunch) lists an edge with both ends in nbunch once
    n = len(members)
    total = internal + external
    organisations: set[str] = set()
    for x in members | outside:
        organisations |= region.organisations_of(x)
    sub = g.subgraph(members)
    return {
        "members": n,
        "internal_pairs": internal,
        "external_pairs": external,
        "ei_index": (external - internal) / total if total else 0.0,
        "external_share": external / total if total else 0.0,
        "density": internal / (n * (n - 1) / 2) if n > 1 else 0.0,
        "clustering": nx.average_clustering(sub) if n else 0.0,
        "organisations_reached": len(organisations),
    }
