"""Public answers cached by store generation (issue 13).

A public GET answer is a function of the store's generation, the URL, the negotiated type, the
language and the day (pages say who is a member "today"). Each server process keeps such answers
in a bounded LRU (`KG_PAGE_CACHE_MB`); a committed change moves the generation, so an answer of
the old generation is never served again (it ages out). Every cached answer carries an `ETag`;
a request with a matching `If-None-Match` gets 304 without a body.

Never cached: signed-in answers (they hold the session's CSRF token and are `private, no-store`),
an answer that used a CSRF token or set a cookie, streamed answers (dumps), anything but 200,
federated answers (other regions' data have no generation here), SPARQL, sign-in, uploads and
the change log. The response header `X-KG-Cache` says `hit` or `miss` for a cacheable request.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import Flask, Response, current_app, g, request, session

from web.context import kg
from web.i18n import lang
from web.security import is_internal

EXTENSION = "kg_page_cache"
# blueprints and endpoints whose answers are never cached (/health must not even look at the store)
_NEVER = ("sparql", "auth", "ingest", "history", "static")
_NEVER_ENDPOINTS = ("pages.health",)
# response headers that belong to one response, not to the answer
_OWN_HEADERS = {"set-cookie", "date", "content-length", "x-kg-cache"}


@dataclass
class _Entry:
    body: bytes
    status: int
    headers: list[tuple[str, str]]


@dataclass
class PageCache:
    """A byte-bounded LRU of answers, shared by the threads of one process."""

    max_bytes: int
    _entries: OrderedDict = field(default_factory=OrderedDict)
    _size: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        if len(entry.body) > self.max_bytes // 8:  # one answer may not push out most others
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = entry
            self._size += len(entry.body)
            while self._size > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)


def _key() -> tuple | None:
    """The cache key of this request, or None when its answer is not to be cached."""
    if request.method not in ("GET", "HEAD") or request.blueprint in _NEVER or request.endpoint in (
            None, *_NEVER_ENDPOINTS):
        return None
    if "Authorization" in request.headers or "federated" in request.args or is_internal():
        return None
    ctx = kg()
    ctx.snapshot.refresh()
    today = current_app.config.get("KG_TODAY") or dt.date.today().isoformat()
    return (ctx.snapshot.generation, request.full_path, request.headers.get("Accept", ""), lang(), today)


def install(app: Flask) -> None:
    """Serve and keep public answers; a no-op with KG_PAGE_CACHE_MB = 0."""
    megabytes = float(app.config["KG_PAGE_CACHE_MB"])
    if megabytes <= 0:
        return
    app.extensions[EXTENSION] = PageCache(int(megabytes * 1024 * 1024))

    @app.before_request
    def serve_cached() -> Response | None:
        key = _key()
        if key is None:
            return None
        g.kg_cache_key = key
        entry = current_app.extensions[EXTENSION].get(key)
        if entry is None:
            return None
        g.kg_cache_hit = True
        resp = Response(entry.body, entry.status, headers=entry.headers)
        resp.make_conditional(request)  # 304 without a body when the client has this ETag
        return resp

    @app.after_request
    def keep(resp: Response) -> Response:
        key = g.get("kg_cache_key")
        if key is None:
            return resp
        if g.get("kg_cache_hit"):
            resp.headers["X-KG-Cache"] = "hit"
            return resp
        resp.headers["X-KG-Cache"] = "miss"
        personal = g.get("kg_personal") or session.modified or "Set-Cookie" in resp.headers or is_internal()
        if resp.status_code != 200 or resp.is_streamed or personal or "no-store" in resp.headers.get(
                "Cache-Control", ""):
            return resp
        resp.add_etag()
        headers = [(k, v) for k, v in resp.headers.items() if k.lower() not in _OWN_HEADERS]
        current_app.extensions[EXTENSION].put(key, _Entry(resp.get_data(), resp.status_code, headers))
        resp.make_conditional(request)
        return resp
