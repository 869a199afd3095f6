"""Experimental fixes measured by the benchmark (path `reasonable-x`), never used by kg itself.

Each one is a suggested change to a module outside bench/, applied here by
monkeypatching in the benchmark's child process only, so its effect can be
measured before anyone changes the real code. Each must give the same output
as the code it replaces (tests for that live with the suggestion, not here).

- `index_public_view`: kg.pipeline.public.public_view calls anonymous_label once per
  hidden person and language, and anonymous_label scans every triple twice:
  O(hidden people x triples), 67 s at 100k triples. Indexing roles and
  affiliations per person in one pass gives the same triples in O(triples).
  (kg.pipeline.public does this itself since commit a06ac48; the experiment then
  does nothing.)
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

APPLIED: list[str] = []


def index_public_view() -> None:
    import inspect

    import kg.pipeline.build as kb
    import kg.pipeline.public as kp

    if next(iter(inspect.signature(kp.anonymous_label).parameters), None) != "person":
        APPLIED.append("index_public_view: already in kg.pipeline.public (a06ac48), not applied")
        return

    original_view = kp.public_view
    original_label = kp.anonymous_label

    def public_view(data: Iterable[ox.Quad], vocabularies: Iterable[ox.Quad]) -> list[ox.Triple]:
        data = list(data)
        by_person: dict = {}
        for q in data:
            if q.predicate == kp._ROLE or q.predicate == kp._AFFILIATION:
                by_person.setdefault(q.subject, []).append(ox.Triple(q.subject, q.predicate, q.object))
        kp.anonymous_label = lambda person, _triples, labels, lang: original_label(
            person, by_person.get(person, []), labels, lang)
        try:
            return original_view(data, vocabularies)
        finally:
            kp.anonymous_label = original_label

    kp.public_view = public_view
    if getattr(kb, "public_view", None) is original_view:
        kb.public_view = public_view
    APPLIED.append("index_public_view")


def apply() -> list[str]:
    """Apply every experiment; return their names."""
    index_public_view()
    return list(APPLIED)
