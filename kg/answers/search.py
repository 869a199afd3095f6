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

from collections.abc import Callable, Collection

import pyoxigraph as ox

from kg.sparql import queries

KINDS = ("person", "artefact", "network", "organisation", "topic")
DEFAULT_LIMIT = 10
MAX_LIMIT = 100


# (text, view, lang) -> (iri, kind, label, matched) rows that may match, or None when it cannot tell
# (kg.answers.read_index: the labels kept per store generation)
Labels = Callable[[str, str, str], "list[tuple[str, str, str, str]] | None"]


def search(db: ox.Store, text: str, view: str = "internal", lang: str = "nl", limit: int = DEFAULT_LIMIT,
           kinds: Collection[str] | None = None, labels: Labels | None = None) -> list[dict]:
    """Up to `limit` hits [{"iri", "label", "kind", "matched"}], best first.

    `label` is the label to show (in `lang` where there is one), `matched` the
    label that contains the text, `kind` one of KINDS. `kinds` limits the
    kinds (default all). Blank text finds nothing. Raises ValueError for a
    limit outside 1..MAX_LIMIT or an unknown kind. `labels` may give the candidate labels without
    reading every label of the store; they are matched and ranked here exactly as search-labels does."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    unknown = set(kinds or ()) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kind {', '.join(sorted(unknown))}; choose from {', '.join(KINDS)}")
    needle = " ".join(text.split())
    if not needle:
        return []
    best: dict[str, tuple[tuple, dict]] = {}
    candidates = labels(needle, view, lang) if labels is not None else None
    if candidates is None:
        found = [(r["iri"].value, r["kind"].value, r["label"].value, r["matchedLabel"].value, int(r["rank"].value))
                 for r in queries.run(db, "search-labels", {"text": needle, "lang": lang}, view)]
    else:
        lowered = needle.lower()
        found = [(iri, kind, label, matched, _rank(matched.lower(), lowered))
                 for iri, kind, label, matched in candidates if lowered in matched.lower()]
    for iri, kind, label, matched, rank in found:
        if kinds and kind not in kinds:
            continue
        key = (rank, label.casefold(), iri, matched != label, matched.casefold())
        if iri not in best or key < best[iri][0]:
            best[iri] = (key, {"iri": iri, "label": label, "kind": kind, "matched": matched})
    return [hit for _, hit in sorted(best.values(), key=lambda kv: kv[0])[:limit]]


def _rank(haystack: str, needle: str) -> int:
    """search-labels' ?rank of a lower-cased label containing the lower-cased text."""
    if haystack == needle:
        return 0
    if haystack.startswith(needle):
        return 1
    return 2 if any(c + needle in haystack for c in " -(") else 3
