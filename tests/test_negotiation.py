"""web.negotiation: the one content negotiation of /sparql and the linked-data routes (RFC 9110, 12.5.1)."""

from __future__ import annotations

import pytest
from flask import Flask

from web import negotiation

OFFERS = ("text/turtle", "application/ld+json", "application/json", "text/html")


@pytest.mark.parametrize("accept, chosen", [
    (None, "text/turtle"),                                        # no Accept: the first offer
    ("*/*", "text/turtle"),                                       # ties go to the earlier offer
    ("*", "text/turtle"),
    ("text/*", "text/turtle"),
    ("application/*", "application/ld+json"),
    ("text/html", "text/html"),
    ("TEXT/HTML; charset=utf-8", "text/html"),                    # case and parameters ignored
    ("text/turtle;q=0, */*", "application/ld+json"),              # the most specific range decides: q=0 excludes
    ("text/*;q=0.3, text/html;q=0.9, application/json;q=0.5", "text/html"),
    ("text/html;q=0, text/*;q=0.8", "text/turtle"),
    ("application/ld+json;q=0.9, text/turtle;q=0.9", "text/turtle"),
    ("image/png", None),
    ("*/json", None),                                             # not a media range
    ("text/html;q=0, text/turtle;q=0", None),
])
def test_best_offer(accept: str | None, chosen: str | None) -> None:
    app = Flask(__name__)
    with app.test_request_context(headers={"Accept": accept} if accept is not None else {}):
        assert negotiation.best(OFFERS) == chosen


def test_quality_of_the_most_specific_range() -> None:
    app = Flask(__name__)
    with app.test_request_context(headers={"Accept": "text/*;q=0.4, text/csv;q=0.7, */*;q=0.1"}):
        assert (negotiation.quality("text/csv"), negotiation.quality("text/plain"),
                negotiation.quality("image/png")) == (0.7, 0.4, 0.1)
    with app.test_request_context():
        assert negotiation.quality("image/png") == 1.0
