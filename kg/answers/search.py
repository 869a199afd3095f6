"""Search over the labels of actors and topics, for the search box and its autocomplete.

`search(db, "kijkw")` finds actors by `rdfs:label` (people, artefacts,
organisations, networks) and topics by any SKOS label (preferred or
alternative, Dutch or English), ignoring case. The text is bound as a query
parameter and matched with CONTAINS on lower-cased strings (named query
`search-labels`), so quotes, braces or regular-expression characters are
just characters.

Ranking: the whole label first, then labels that start with the text, then
labels with a word that starts with it, then any other match; within a rank
by the shown label (ignoring case), then IRI. An IRI matching through several
labels is listed once, at its best rank.

In the public view a person without public consent has only an anonymous
role label ("leraar, Basisschool De Esch"): that label can match, the name
never can.
"""

from __future__ import annotations

from collections.abc import Collection

import pyoxigraph as ox

from kg.sparql import queries

KINDS = ("person", "artefact", "network", "organisation", "topic")
DEFAULT_LIMIT = 10
MAX_LIMIT = 100


def search(db: ox.Store, text: str, view: str = "internal", lang: str = "nl", limit: int = DEFAULT_LIMIT,
           kinds: Collection[str] | None = None) -> list[dict]:
    """Up to `limit` hits [{"iri", "label", "kind", "matched"}], best first.

    `label` is the label to show (in `lang` where there is one), `matched` the
    label that contains the text, `kind` one of KINDS. `kinds` limits the
    kinds (default all). Blank text finds nothing. Raises ValueError for a
    limit outside 1..MAX_LIMIT or an unknown kind."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    unknown = set(kinds or ()) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kind {', '.join(sorted(unknown))}; choose from {', '.join(KINDS)}")
    needle = " ".join(text.split())
    if not needle:
        return []
    best: dict[str, tuple[tuple, dict]] = {}
    for r in queries.run(db, "search-labels", {"text": needle, "lang": lang}, view):
        kind = r["kind"].value
        if kinds and kind not in kinds:
            continue
        iri, label, matched = r["iri"].value, r["label"].value, r["matchedLabel"].value
        key = (int(r["rank"].value), label.casefold(), iri, matched != label, matched.casefold())
        if iri not in best or key < best[iri][0]:
            best[iri] = (key, {"iri": iri, "label": label, "kind": kind, "matched": matched})
    return [hit for _, hit in sorted(best.values(), key=lambda kv: kv[0])[:limit]]
