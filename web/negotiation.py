"""Content negotiation: which of the media types a route offers the request's `Accept` header prefers.

One rule for every negotiated route (/sparql, the linked-data documents, VoID, the ontology,
the shapes), RFC 9110, section 12.5.1: an offer's quality is that of the most specific media
range that matches it (`text/turtle` over `text/*` over `*/*`), so `text/turtle;q=0, */*`
excludes Turtle; q=0 means "not acceptable"; among equal qualities the earlier offer wins (a
route lists its default first); without an `Accept` header every offer is acceptable. Range
parameters other than q (`;charset=...`) and case are ignored; `*` alone means `*/*`. Each route
answers "nothing acceptable" (406) in its own words.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import request


def quality(media: str) -> float:
    """The request's quality for the media type `media` (lower case): 1 without an Accept header."""
    accept = request.accept_mimetypes
    if not accept:
        return 1.0
    kind = media.partition("/")[0]
    best, best_spec = 0.0, -1
    for value, q in accept:
        rng = value.split(";", 1)[0].strip().lower()
        rkind, _, rsub = rng.partition("/")
        if rng == media:
            spec = 2
        elif rkind == kind and rsub == "*":
            spec = 1
        elif rng in ("*/*", "*"):
            spec = 0
        else:
            continue
        if spec > best_spec:
            best, best_spec = q, spec
    return best


def best(offers: Iterable[str]) -> str | None:
    """The offer the request accepts best (ties: the earlier offer); None when it accepts none."""
    chosen, chosen_q = None, 0.0
    for offer in offers:
        q = quality(offer)
        if q > chosen_q:
            chosen, chosen_q = offer, q
    return chosen
