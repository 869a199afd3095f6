"""One client cannot starve the others (issue 14, item 3): it may run KG_QUERY_PER_CLIENT SPARQL
queries at a time, over all server processes; more get 429 with Retry-After at once, and another
client's trivial query answers in at most 500 ms while its heavy ones run. Clients are told apart
by address (here by X-Forwarded-For, with KG_TRUSTED_PROXIES=1), against a real HTTP server."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import LiveServer

from bench.serve_bench import HEAVY
from web import create_app

DEADLINE = 4.0


@pytest.fixture(scope="module")
def server(sample_build, tmp_path_factory):
    store, _ = sample_build
    app = create_app({"KG_STORE": str(store.path), "KG_SECRET_KEY": "t", "KG_QUERY_DEADLINE": DEADLINE,
                      "KG_QUERY_WORKERS": 2, "KG_QUERY_PER_CLIENT": 1, "KG_TRUSTED_PROXIES": 1,
                      "KG_STATE_DIR": str(tmp_path_factory.mktemp("state"))})
    srv = LiveServer(app)
    yield srv
    srv.stop()


def ask(server, query: str, client: str) -> tuple[int, dict, dict[str, str], float]:
    url = f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json, application/json",
                                               "X-Forwarded-For": client})
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read()), dict(r.headers), time.monotonic() - t0
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), dict(e.headers), time.monotonic() - t0


def test_a_trivial_query_answers_fast_while_another_client_sends_four_heavy_ones(server) -> None:
    ask(server, "ASK {}", "192.0.2.9")  # the workers are started
    heavy: list[tuple[int, dict, dict[str, str], float]] = []
    threads = [threading.Thread(target=lambda: heavy.append(ask(server, HEAVY, "192.0.2.1"))) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.7)
    trivial = [ask(server, "ASK { ?s ?p ?o }", "192.0.2.2") for _ in range(3)]
    for t in threads:
        t.join()
    for status, body, _, seconds in trivial:
        assert status == 200 and body["boolean"] is True
        assert seconds <= 0.5, seconds
    statuses = sorted(h[0] for h in heavy)
    assert statuses == [429, 429, 429, 503], statuses  # one ran until the deadline, three were turned away
    for status, body, headers, seconds in heavy:
        if status == 429:
            assert body["error"]["code"] == "too-many-queries"
            assert "192.0.2.1" not in body["error"]["en"] and "try again in" in body["error"]["en"]
            assert "probeer het over" in body["error"]["nl"]
            assert int(headers["Retry-After"]) >= 1
            assert seconds < 1.0
    # The slot is free again once the query ended.
    assert ask(server, "ASK {}", "192.0.2.1")[0] == 200
