"""Sign-in sessions, failed-attempt limits and running SPARQL queries, shared by every server process.

The session cookie (signed by Flask) carries only a random session id; the id is valid while its
row is in one SQLite file in KG_STATE_DIR, so signing out deletes the row and the old cookie no
longer signs anyone in, in whichever process it arrives (issue 14). Failed sign-ins and bearer
tokens are counted per client address in the same file: KG_AUTH_FAILURES in a minute, then 429
with Retry-After until the oldest of them is a minute old. Running SPARQL queries are counted per
client address too (`take_query_slot`), so one client cannot hold every query worker.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SESSION_SECONDS = 12 * 3600  # a sign-in lasts a working day at most
WINDOW_SECONDS = 60.0  # failed attempts count for a minute

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS failures (client TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_by_client ON failures (client, at);
CREATE TABLE IF NOT EXISTS queries (slot TEXT PRIMARY KEY, client TEXT NOT NULL, started REAL NOT NULL);
"""


class AuthState:
    """Sessions and failed attempts in `folder`/auth.sqlite (created on first use)."""

    def __init__(self, folder: Path, failures_per_minute: int) -> None:
        self.path = Path(folder) / "auth.sqlite"
        self.limit = failures_per_minute
        self._ready = False  # the file and its tables exist (made once per process)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One short connection per use: safe across threads and processes (SQLite locks the file)."""
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            if not self._ready:
                conn.execute("PRAGMA journal_mode=WAL")  # kept in the file: readers never wait for a writer
                conn.executescript(SCHEMA)
                self._ready = True
            yield conn
        finally:
            conn.close()

    def open_session(self) -> str:
        """A new session id, valid for SESSION_SECONDS or until end_session."""
        sid = secrets.token_urlsafe(32)
        now = time.time()
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            db.execute("INSERT INTO sessions VALUES (?, ?)", (sid, now + SESSION_SECONDS))
        return sid

    def valid(self, sid: object) -> bool:
        if not isinstance(sid, str) or not sid:
            return False
        with self._db() as db:
            row = db.execute("SELECT 1 FROM sessions WHERE sid = ? AND expires >= ?", (sid, time.time())).fetchone()
        return row is not None

    def end_session(self, sid: object) -> None:
        if isinstance(sid, str):
            with self._db() as db:
                db.execute("DELETE FROM sessions WHERE sid = ?", (sid,))

    def failed(self, client: str) -> None:
        """Count a failed sign-in or bearer token of `client`."""
        now = time.time()
        with self._db() as db:
            db.execute("DELETE FROM failures WHERE at < ?", (now - WINDOW_SECONDS,))
            db.execute("INSERT INTO failures VALUES (?, ?)", (client, now))

    def take_query_slot(self, client: str, limit: int, stale_after: float) -> str | None:
        """A slot for one running query of `client`, or None when it already runs `limit` queries.
        Slots older than `stale_after` seconds (a process that died mid-query) no longer count."""
        now = time.time()
        slot = secrets.token_hex(16)
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")  # count and insert as one step, across processes
            try:
                db.execute("DELETE FROM queries WHERE started < ?", (now - stale_after,))
                (running,) = db.execute("SELECT COUNT(*) FROM queries WHERE client = ?", (client,)).fetchone()
                if running >= limit:
                    return None
                db.execute("INSERT INTO queries VALUES (?, ?, ?)", (slot, client, now))
            finally:
                db.execute("COMMIT")
        return slot

    def release_query_slot(self, slot: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM queries WHERE slot = ?", (slot,))

    def retry_after(self, client: str) -> int | None:
        """Whole seconds until `client` may try again, or None when it may now."""
        now = time.time()
        with self._db() as db:
            rows = db.execute("SELECT at FROM failures WHERE client = ? AND at >= ? ORDER BY at DESC LIMIT ?",
                              (client, now - WINDOW_SECONDS, self.limit)).fetchall()
        if len(rows) < self.limit:
            return None
        return max(1, int(rows[-1][0] + WINDOW_SECONDS - now + 0.999))
