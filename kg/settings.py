"""Every `KG_*` setting, declared once: its name, type, default and what it does.

The web app takes them from `create_app(config)`, else the environment, else the default
here (`web_config`); the command line reads the same variables through its options (the
option is named here). The README's settings table is this table (`markdown_table`, tested),
and `kg settings` shows the values in effect.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    type: Callable[[str], Any]
    default: Any  # None: unset
    help: str  # the README's default/meaning column (Markdown)
    option: str = ""  # the command-line option that overrides it, if any
    web_only: bool = False

    def parse(self, raw: Any) -> Any:
        """A value from the environment or a config mapping, as its type; '' or None is unset."""
        if raw is None or raw == "":
            return self.default
        return raw if not isinstance(raw, str) else self.type(raw)


def flag(raw: str) -> bool:
    """A yes/no setting: 1, true, yes, on (any case) are yes; 0, false, no, off are no."""
    text = raw.strip().casefold()
    if text in ("1", "true", "yes", "on", "ja"):
        return True
    if text in ("0", "false", "no", "off", "nee"):
        return False
    raise ValueError(f"not a yes/no value: {raw!r} (use 1 or 0)")


SNAPSHOT_MODES = ("auto", "memory", "disk")  # KG_SNAPSHOT (kg.store.snapshot)


def snapshot_mode(raw: str) -> str:
    """KG_SNAPSHOT: one of SNAPSHOT_MODES (any case)."""
    text = raw.strip().casefold()
    if text not in SNAPSHOT_MODES:
        raise ValueError(f"not a snapshot mode: {raw!r} (use {', '.join(SNAPSHOT_MODES)})")
    return text


def default_store_path() -> Path:
    """`$XDG_DATA_HOME/connective-kg/store` (~/.local/share/connective-kg/store)."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "connective-kg" / "store"


SETTINGS: tuple[Setting, ...] = (
    Setting("KG_STORE", Path, None, "`~/.local/share/connective-kg/store` (`$XDG_DATA_HOME/connective-kg/store`); "
            "the Makefile uses `var/store`", "`--store DIR`"),
    Setting("KG_STORE_URL", str, None, "unset; when set, a remote SPARQL 1.1 store instead of the folder (see "
            "[External triple store](#running-on-an-external-triple-store))", "`--store sparql+http://HOST:PORT/PATH`"),
    Setting("KG_STORE_UPDATE_URL", str, None, "the query URL with `/query` → `/update` (else the same URL)"),
    Setting("KG_STORE_TIMEOUT", float, 60.0, "`60` seconds per request to a remote store"),
    Setting("KG_LANG", str, "nl", "`nl`", "`--lang nl\\|en`"),
    Setting("KG_USER", str, None, "unset: the login name; who the command line's changes are logged as "
            "(`kg history`)"),
    Setting("KG_BASE_IRI", str, "https://knll-twente.example/id/", "`https://knll-twente.example/id/`: data IRIs "
            "served at `/id/<local>` (never used as an ingest's base)", web_only=True),
    Setting("KG_TOKEN", str, "", "unset: public view only; set: sign in at `/login` or send `Authorization: Bearer "
            "<token>` for all data", web_only=True),
    Setting("KG_SECRET_KEY", str, "", "random per start (sessions end on restart; `kg serve` shares one between "
            "its processes)", web_only=True),
    Setting("KG_BASE_URL", str, "", "the scheme and host of `KG_BASE_IRI` (`https://knll-twente.example/`): the "
            "public URL of this server, used in the service description, VoID and dumps instead of the request's "
            "`Host`; set to `https://...`, it also marks the session cookie `Secure`", web_only=True),
    Setting("KG_TRUSTED_PROXIES", int, 0, "`0`: how many reverse proxies in front of the app set "
            "`X-Forwarded-For`/`-Proto` (the client's address for the limits below)", web_only=True),
    Setting("KG_AUTH_FAILURES", int, 10, "`10` failed sign-ins or bearer tokens per client per minute; then 429 "
            "with `Retry-After`", web_only=True),
    Setting("KG_STATE_DIR", Path, None, "`<store>-state/`: what all server processes share (sign-in sessions, "
            "failed attempts; SQLite), the precomputed analytics (`analytics/`, written by `kg analyse "
            "--precompute`) and the read index (`read-index.sqlite`: the who-knows ranking and the actors' names, derived: safe to delete)"),
    Setting("KG_QUERY_DEADLINE", float, 10.0, "`10` seconds per SPARQL query", web_only=True),
    Setting("KG_ROW_CAP", int, 10000, "`10000` rows (or triples) per SPARQL answer", web_only=True),
    Setting("KG_QUERY_WORKERS", int, 2, "`2` worker processes for SPARQL queries", web_only=True),
    Setting("KG_QUERY_PER_CLIENT", int, 1, "`1` SPARQL query running at a time per client (over all server "
            "processes); another one gets 429 with `Retry-After`", web_only=True),
    Setting("KG_QUERY_MEMORY_MB", int, 2048, "`2048` MB of memory per SPARQL worker", web_only=True),
    Setting("KG_QUERY_MAX_CHARS", int, 100_000, "`100000` characters per SPARQL query", web_only=True),
    Setting("KG_TODAY", str, "", "the real date: the day pages treat as today (`YYYY-MM-DD`)", web_only=True),
    Setting("KG_PAGE_CACHE_MB", float, 64.0, "`64` MB per server process for public answers kept by store "
            "generation (`0`: none); see [Serving](#serving-kg-serve)", web_only=True),
    Setting("KG_SNAPSHOT", snapshot_mode, "auto", "`auto`: how each server process reads a store folder: `memory` "
            "copies the current generation into memory (whole-topic queries about 2.5x faster; the copy takes "
            "seconds and memory per process in proportion to the store, twice after a change); `disk` queries it "
            "read-only on disk (starts at once, no copy); `auto` copies a generation of up to "
            "`KG_SNAPSHOT_MEMORY_MB`, else reads it on disk. A remote store is always asked directly; see "
            "[Serving](#serving-kg-serve)", web_only=True),
    Setting("KG_SNAPSHOT_MEMORY_MB", float, 100.0, "`100` MB: the largest generation (its `.sst` files on disk) "
            "that `KG_SNAPSHOT=auto` copies into memory (about 3.5 s and 115 MB per copy)", web_only=True),
    Setting("KG_ANALYTICS_PRECOMPUTE", flag, True, "`1`: the analytics pages read what `kg analyse --precompute` "
            "stored for the store generation, and the app starts it in the background when it sees a generation "
            "without (see [Network analytics](#network-analytics)); `0`: every analysis is computed on request",
            web_only=True),
    Setting("KG_STRICT_TEMPLATES", flag, False, "`0`; `1`: a page that uses a value its view did not give fails "
            "instead of showing it empty (the test suite runs with `1`)", web_only=True),
    Setting("KG_DATA_LICENSE", str, "https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0: the data licence "
            "stated in VoID and dumps", "`--license IRI` (`kg export --out`)"),
    Setting("KG_REGIONS", str, None, "unset: no federation; else the region registry (TOML, "
            "[example](data/regions.example.toml)), checked at start", "`--regions FILE`"),
    Setting("KG_FEDERATION_TIMEOUT", float, 5.0, "`5` seconds for a federated answer: a region still silent then "
            "is reported and left out", "`--timeout S`"),
    Setting("KG_UPLOAD_DIR", Path, None, "`<store>-uploads/`: where uploads wait between check and commit (a day)",
            web_only=True),
    Setting("KG_UPLOAD_MAX_BYTES", int, 20 * 1024 * 1024, "`20971520` bytes (20 MiB) per upload", web_only=True),
    Setting("KG_INGEST_WAIT", float, 2.0, "`2` seconds an upload waits for its check before the page shows "
            "progress instead", web_only=True),
)
BY_NAME = {s.name: s for s in SETTINGS}


def value(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """The setting `name` from `environ` (default: the process environment), typed, else its default
    (for KG_STORE: `default_store_path()`)."""
    got = BY_NAME[name].parse((os.environ if environ is None else environ).get(name))
    return default_store_path() if got is None and name == "KG_STORE" else got


def web_config(config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every setting for the web app: `config`, else the environment, else the default; typed."""
    environ = os.environ if environ is None else environ
    config = config or {}
    out = {}
    for s in SETTINGS:
        raw = config[s.name] if s.name in config else environ.get(s.name)
        out[s.name] = s.parse(raw)
    if out["KG_STORE"] is None:
        out["KG_STORE"] = value("KG_STORE", environ)
    return out


def markdown_table() -> str:
    """The README's settings table."""
    rows = ["| variable | option | default |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {(s.option or '(web)') if s.web_only else s.option} | {s.help} |" for s in SETTINGS]
    return "\n".join(rows)
