"""Query results as comparable rows, for tests that run the same query two ways.

SPARQL leaves the order of GROUP_CONCAT undefined, so two correct engines (or one engine
with the values bound differently) may concatenate the same values in another order. A
cell that is such a list (", "-separated text, or space-separated IRIs) is compared as
its sorted parts; everything else as the term itself."""

from __future__ import annotations

import pyoxigraph as ox


def cell(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        text = term.value
        if ", " in text:
            return "list:" + "|".join(sorted(text.split(", ")))
        parts = text.split(" ")
        if len(parts) > 1 and all(p.startswith(("http://", "https://")) for p in parts):
            return "list:" + "|".join(sorted(parts))
    return str(term)


def canonical_rows(results) -> list[tuple]:
    """Sorted rows of canonical cells; an ASK answer as one row holding the boolean."""
    if isinstance(results, ox.QueryBoolean):
        return [(bool(results),)]
    names = [v.value for v in results.variables]
    return sorted(tuple(cell(s[n]) for n in names) for s in results)
