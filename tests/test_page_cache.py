"""Public answers cached by store generation (web/cache.py): the same bytes as the uncached app,
an ETag and 304, a committed change is visible at once, and nothing personal is ever kept or
served to someone else."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, TOKEN
from flask import render_template_string

from kg.ingest import pipeline
from kg.ingest.read import read_path
from kg.store import GraphStore
from web import create_app
from web.cache import PageCache, _Entry

BASE = "https://knll-twente.example/id/"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PAGES = ["/", "/doc/s-de-esch", "/doc/a-kijkwijzer-ol", "/search?q=kijkwijzer", "/who-knows?topic=rekenen",
         "/api/who-knows?topic=rekenen", "/trace?artefact=a-kijkwijzer-ol", "/api/trace?artefact=a-kijkwijzer-ol",
         "/vocab/topics", "/?lang=en"]


class _Title(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.h1, self._in = "", False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._in = self._in or tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        self._in = self._in and tag != "h1"

    def handle_data(self, data: str) -> None:
        if self._in:
            self.h1 += data


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cache") / "store"
    result = pipeline.ingest(read_path(ROOT / "data" / "twente-templates"), "twente", BASE, GraphStore(path))
    assert result.committed
    return path


def make_app(path: Path, megabytes: float = 64.0):
    return create_app({"KG_STORE": str(path), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "t", "TESTING": True,
                       "KG_TODAY": "2026-11-25", "KG_PAGE_CACHE_MB": megabytes})


def test_a_cached_answer_is_the_uncached_answer_with_an_etag_and_304(store_path: Path) -> None:
    cached, plain = make_app(store_path), make_app(store_path, 0)
    c, p = cached.test_client(), plain.test_client()
    for url in PAGES:
        first, again, reference = c.get(url), c.get(url), p.get(url)
        assert first.status_code == again.status_code == reference.status_code == 200, url
        assert (first.headers["X-KG-Cache"], again.headers["X-KG-Cache"]) == ("miss", "hit"), url
        assert "X-KG-Cache" not in reference.headers
        assert first.get_data() == again.get_data() == reference.get_data(), url
        assert again.mimetype == reference.mimetype and again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Content-Security-Policy"] == reference.headers["Content-Security-Policy"]
        not_modified = c.get(url, headers={"If-None-Match": again.headers["ETag"]})
        assert not_modified.status_code == 304 and not_modified.get_data() == b"", url
    # the language is part of the key
    assert c.get("/?lang=en").get_data() != c.get("/?lang=nl").get_data()
    for application in (cached, plain):
        application.extensions["kg"].close()


def test_a_committed_change_is_served_at_once(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "store"
    shutil.copytree(store_path, path, symlinks=True)
    app = make_app(path)
    client = app.test_client()
    before = client.get("/doc/s-de-esch")
    assert "Basisschool De Esch" in _Title(before.get_data(as_text=True)).h1
    assert client.get("/doc/s-de-esch").headers["X-KG-Cache"] == "hit"
    store = GraphStore(path)
    edit = pipeline.check_edit(store, "twente", "organisations", "change", "s-de-esch", {"name": "Kindcentrum De Esch"})
    assert edit.ok, [p.to_json() for p in edit.errors]
    pipeline.commit(edit, store)
    app.extensions["kg"].snapshot.refresh(force=True)  # what the app does within a second by itself
    after = client.get("/doc/s-de-esch")
    assert after.headers["X-KG-Cache"] == "miss"
    assert "Kindcentrum De Esch" in _Title(after.get_data(as_text=True)).h1
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get("/doc/s-de-esch", headers={"If-None-Match": before.headers["ETag"]}).status_code == 200
    app.extensions["kg"].close()


def test_signed_in_and_personal_answers_are_never_kept_or_shared(store_path: Path) -> None:
    app = make_app(store_path)
    anonymous, signed_in = app.test_client(), app.test_client()
    for _ in range(2):
        internal = signed_in.get("/doc/s-de-esch", headers=AUTH)
        assert "X-KG-Cache" not in internal.headers and internal.headers["Cache-Control"] == "private, no-store"
    public = anonymous.get("/doc/s-de-esch")
    assert public.headers["X-KG-Cache"] == "miss"  # the signed-in answer was not kept
    assert 'class="view-badge public"' in public.get_data(as_text=True)
    assert 'class="view-badge internal"' in internal.get_data(as_text=True)
    # the sign-in page is never cached; nor is any page that holds the session's CSRF token
    assert "X-KG-Cache" not in anonymous.get("/login").headers
    probe = make_app(store_path)
    probe.add_url_rule("/probe", "probe", lambda: render_template_string("<p>{{ csrf_token() }}</p>"))
    visitor = probe.test_client()
    tokens = [visitor.get("/probe") for _ in range(2)]
    assert [r.headers["X-KG-Cache"] for r in tokens] == ["miss", "miss"]
    assert tokens[0].get_data() == tokens[1].get_data()  # the same session, the same token
    assert probe.test_client().get("/probe").get_data() != tokens[0].get_data()  # another visitor's own
    assert len(probe.extensions["kg_page_cache"]) == 0
    probe.extensions["kg"].close()
    # the cache holds only what was public: the home page and the school's public page
    anonymous.get("/")
    assert len(app.extensions["kg_page_cache"]) == 2
    app.extensions["kg"].close()


def test_the_cache_stays_within_its_size() -> None:
    cache = PageCache(max_bytes=10_000)
    for i in range(100):
        cache.put(("k", i), _Entry(b"x" * 1000, 200, []))
    assert len(cache) == 10 and cache.get(("k", 99)) is not None and cache.get(("k", 0)) is None
    cache.put(("big",), _Entry(b"x" * 5000, 200, []))  # more than an eighth: not kept
    assert cache.get(("big",)) is None
