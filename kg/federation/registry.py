"""The region registry: which other regions this one federates with, and checks of each.

A registry is a TOML file (`--regions FILE` or `$KG_REGIONS`; default: none, so no
federation). Example (data/regions.example.toml)::

    [local]                     # optional: how our own results are labelled
    name = "twente"             # also the region `kg ingest` uses when --region is not given
    label = "KnLL Twente"
    base = "https://knll-twente.example/id/"   # optional: the base of its first ingest

    [[region]]
    name = "utrecht"            # lower-case letters, digits and '-'; unique
    label = "Kennisnetwerk Utrecht"                # optional, default: the name
    endpoint = "https://kg.utrecht.example/sparql" # SPARQL 1.1 query endpoint, http(s)
    base = "https://utrecht.example/id/"           # namespace of their data IRIs
    contact = "mailto:kg@utrecht.example"          # who to ask when it fails

A region whose name is the `[local]` name is skipped, so every region can use one shared
file. Unknown keys are errors (a typo such as `endpiont` must not silently disable a
region). `load()` raises RegistryError naming the file, the region and the field, in
Dutch and English.

`probe_regions()` (`kg regions`) checks every region in parallel, each within a time limit:
reachable (an HTTP answer at the endpoint), speaks SPARQL 1.1 (the named query
`region-sparql11`, which uses VALUES, BIND and aggregates, gives the known answer), uses the
ontology (the named query `region-ontology` over the public graphs finds our ontology and data
typed with its classes).

`run_parallel()` runs one task per region in daemon threads and returns when all are done or
the time limit has passed, whichever is first: a region that hangs is reported as a timeout
and left behind (its requests have the same socket timeout, so the thread ends soon after).
"""

from __future__ import annotations

import base64
import os
import re
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox

from kg.sparql import queries
from kg.store.remote import Endpoint, RemoteStore, RemoteStoreError
from kg.text import BilingualError, Text

ENV = "KG_REGIONS"
DEFAULT_TIMEOUT = 5.0  # seconds per region (KG_FEDERATION_TIMEOUT, --timeout)
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
REGION_FIELDS = {"name": True, "endpoint": True, "base": True, "contact": True, "label": False}
LOCAL_FIELDS = {"name": False, "label": False, "base": False}
LOCAL_NAME = "local"


class RegistryError(BilingualError, ValueError):
    """The registry file cannot be used; `text` says why, naming file, region and field."""

    def __init__(self, path: Path | str, why: Text, region: str | None = None, field: str | None = None):
        self.path, self.region, self.field = str(path), region, field
        where_nl = self.path + (f": regio {region!r}" if region else "") + (f": veld {field!r}" if field else "")
        where_en = self.path + (f": region {region!r}" if region else "") + (f": field {field!r}" if field else "")
        super().__init__(Text(nl=f"{where_nl}: {why.nl}", en=f"{where_en}: {why.en}"))


class RegionTimeout(Exception):
    """A region did not answer within its time limit."""


@dataclass(frozen=True)
class Region:
    name: str
    label: str
    endpoint: str
    base: str
    contact: str
    local: bool = False

    @property
    def ref(self) -> dict[str, str]:
        """How results are labelled with their region."""
        return {"name": self.name, "label": self.label}

    def store(self, timeout: float, deadline: float | None = None) -> RegionStore:
        """The region's public SPARQL endpoint as a read-only store (kg.store.remote.RemoteStore)."""
        return RegionStore(Endpoint.parse("sparql+" + self.endpoint), timeout, deadline)

    def public_url(self) -> str:
        """The endpoint without credentials, for reports."""
        return Endpoint.parse("sparql+" + self.endpoint).query_url

    def owns(self, iri: str) -> bool:
        return bool(self.base) and iri.startswith(self.base)


@dataclass(frozen=True)
class Registry:
    path: str
    local: Region
    regions: tuple[Region, ...]

    def to_json(self) -> dict:
        return {"path": self.path, "local": self.local.ref,
                "regions": [{**r.ref, "endpoint": r.public_url(), "base": r.base, "contact": r.contact}
                            for r in self.regions]}


class RegionStore(RemoteStore):
    """A peer region's endpoint: every request has a socket timeout and none starts after the
    deadline (so a region's task stops soon after its time is up)."""

    def __init__(self, endpoint: Endpoint, timeout: float, deadline: float | None = None):
        super().__init__(endpoint, timeout, whole_store=True)
        self.limit = timeout
        self.deadline = deadline

    def raw(self, text: str, accept: str, default=None, named=None) -> bytes:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise RegionTimeout(f"no answer within {self.limit:g} s")
            self.timeout = max(0.05, min(self.limit, left))
        try:
            return super().raw(text, accept, default, named)
        except RemoteStoreError as e:
            # The socket timeout is the time left: a read that ran out of it is the region's timeout.
            if "timed out" in str(e) or (self.deadline is not None and time.monotonic() >= self.deadline - 0.05):
                raise RegionTimeout(f"no answer within {self.limit:g} s") from None
            raise


# --- loading ----------------------------------------------------------------------------------

def registry_path(option: str | Path | None = None) -> Path | None:
    """The registry file: `option` (--regions), else $KG_REGIONS, else None (no federation)."""
    value = option or os.environ.get(ENV) or None
    return Path(value) if value else None


def _http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in value)


def load(path: str | Path) -> Registry:
    """Read and check a registry file; RegistryError for any problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise RegistryError(path, Text(nl=f"kan het bestand niet lezen: {e.strerror or e}",
                                       en=f"cannot read the file: {e.strerror or e}")) from None
    except UnicodeDecodeError:
        raise RegistryError(path, Text(nl="geen UTF-8-tekst", en="not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as e:
        raise RegistryError(path, Text(nl=f"geen geldige TOML: {e}", en=f"not valid TOML: {e}")) from None
    unknown = sorted(set(data) - {"local", "region"})
    if unknown:
        raise RegistryError(path, Text(
            nl=f"onbekende sleutel {unknown[0]!r}; toegestaan: [local] en [[region]]",
            en=f"unknown key {unknown[0]!r}; allowed: [local] and [[region]]"), field=unknown[0])
    local = _local(path, data.get("local", {}))
    entries = data.get("region", [])
    if not isinstance(entries, list):
        raise RegistryError(path, Text(nl="schrijf regio's als [[region]]-tabellen",
                                       en="write regions as [[region]] tables"),
                            field="region")
    regions: list[Region] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        region = _region(path, i, entry)
        if region.name in seen:
            raise RegistryError(path, Text(nl=f"de naam {region.name!r} komt twee keer voor; namen moeten uniek zijn",
                                           en=f"the name {region.name!r} occurs twice; names must be unique"),
                                region.name, "name")
        seen.add(region.name)
        if region.name != local.name:
            regions.append(region)
    return Registry(str(path), local, tuple(regions))


def _text(path: Path, entry: dict, key: str, region: str | None) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(path, Text(nl="moet een niet-lege tekst zijn",
                                       en="must be a non-empty string"), region, key)
    return value.strip()


def _local(path: Path, entry: Any) -> Region:
    if not isinstance(entry, dict):
        raise RegistryError(path, Text(nl="[local] moet een tabel zijn", en="[local] must be a table"), field="local")
    for key in entry:
        if key not in LOCAL_FIELDS:
            raise RegistryError(path, Text(
                nl=f"onbekend veld in [local]; toegestaan: {', '.join(LOCAL_FIELDS)}",
                en=f"unknown field in [local]; allowed: {', '.join(LOCAL_FIELDS)}"), "local", key)
    name = _text(path, entry, "name", "local") or LOCAL_NAME
    if not NAME.match(name):
        raise RegistryError(path, Text(nl="alleen kleine letters, cijfers en '-'",
                                       en="only lower-case letters, digits and '-'"),
                            "local", "name")
    base = _text(path, entry, "base", "local") or ""
    if base and not _http_url(base):
        raise RegistryError(path, Text(nl=f"moet een http(s)-URL zijn, niet {base!r}",
                                       en=f"must be an http(s) URL, not {base!r}"),
                            "local", "base")
    return Region(name, _text(path, entry, "label", "local") or name, "", base, "", local=True)


def _region(path: Path, index: int, entry: Any) -> Region:
    ident = f"#{index}"
    if not isinstance(entry, dict):
        raise RegistryError(path, Text(nl="moet een tabel zijn ([[region]])", en="must be a table ([[region]])"), ident)
    raw_name = entry.get("name")
    if isinstance(raw_name, str) and raw_name.strip():
        ident = raw_name.strip()
    for key in entry:
        if key not in REGION_FIELDS:
            raise RegistryError(path, Text(nl=f"onbekend veld; toegestaan: {', '.join(REGION_FIELDS)}",
                                           en=f"unknown field; allowed: {', '.join(REGION_FIELDS)}"), ident, key)
    values: dict[str, str | None] = {}
    for key, required in REGION_FIELDS.items():
        values[key] = _text(path, entry, key, ident)
        if required and values[key] is None:
            raise RegistryError(path, Text(nl="ontbreekt (verplicht)", en="is missing (required)"), ident, key)
    if not NAME.match(values["name"] or ""):
        raise RegistryError(path, Text(nl="alleen kleine letters, cijfers en '-' (hoogstens 63)",
                                       en="only lower-case letters, digits and '-' (at most 63)"), ident, "name")
    for key in ("endpoint", "base"):
        if not _http_url(values[key] or ""):
            raise RegistryError(path, Text(nl=f"moet een http(s)-URL zijn, niet {values[key]!r}",
                                           en=f"must be an http(s) URL, not {values[key]!r}"), ident, key)
    return Region(values["name"], values["label"] or values["name"], values["endpoint"], values["base"],
                  values["contact"])


# --- running a task per region in parallel ------------------------------------------------------

@dataclass
class Outcome:
    region: Region
    status: str  # ok | timeout | error (callers refine: unknown-topic, unreachable, ...)
    value: Any = None
    error: str | None = None
    exception: BaseException | None = None
    ms: int = 0


def run_parallel(tasks: Sequence[tuple[Region, Callable[[float], Any]]], timeout: float,
                 local: Callable[[], None] | None = None) -> list[Outcome]:
    """Run `task(deadline)` for every region at once in daemon threads and wait at most
    `timeout` seconds in all; `local` (if given) runs in this thread meanwhile. A task that
    has not finished by then is a timeout; one that raised is an error. Never raises for a
    region; outcomes come in the order of `tasks`."""
    start = time.monotonic()
    deadline = start + timeout
    done: dict[int, Outcome] = {}
    cond = threading.Condition()

    def work(i: int, region: Region, task: Callable[[float], Any]) -> None:
        try:
            out = Outcome(region, "ok", value=task(deadline))
        except RegionTimeout as e:
            out = Outcome(region, "timeout", error=str(e), exception=e)
        except BaseException as e:  # noqa: BLE001 - a region's failure is reported, never raised
            out = Outcome(region, "error", error=describe(e), exception=e)
        out.ms = round((time.monotonic() - start) * 1000)
        with cond:
            if time.monotonic() <= deadline or i not in done:
                done.setdefault(i, out)
            cond.notify_all()

    for i, (region, task) in enumerate(tasks):
        threading.Thread(target=work, args=(i, region, task), name=f"region-{region.name}", daemon=True).start()
    if local is not None:
        local()
    with cond:
        while len(done) < len(tasks):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            cond.wait(left)
        for i, (region, _) in enumerate(tasks):
            if i not in done:
                done[i] = Outcome(region, "timeout", error=f"no answer within {timeout:g} s",
                                  ms=round(timeout * 1000))
        return [done[i] for i in range(len(tasks))]


def describe(e: BaseException) -> str:
    """An exception as one line of at most 500 characters, for a region's report."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:500]


# --- checks (kg regions) --------------------------------------------------------------------------

CHECK_STATUSES = ("ok", "unreachable", "timeout", "not-sparql", "no-ontology")


def probe_region(region: Region, deadline: float, timeout: float) -> dict:
    """Reachable? SPARQL 1.1? Our ontology? Raises RegionTimeout when time is up."""
    result: dict[str, Any] = {"reachable": False, "sparql11": False, "ontology": False, "version": None,
                              "status": "unreachable", "error": None}
    url = region.public_url()
    left = deadline - time.monotonic()
    if left <= 0:
        raise RegionTimeout(f"no answer within {timeout:g} s")
    ep = Endpoint.parse("sparql+" + region.endpoint)
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json, */*;q=0.1",
                                               "User-Agent": "connective-kg (kg regions)"})
    if ep.user is not None:
        token = base64.b64encode(f"{ep.user}:{ep.password or ''}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=max(0.05, min(timeout, left))) as r:
            r.read(65536)
    except urllib.error.HTTPError:
        pass  # an HTTP answer (400 for "no query", 405, ...): the server is there
    except (TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise RegionTimeout(f"no answer within {timeout:g} s") from None
        result["error"] = f"{url}: {describe(reason if isinstance(reason, BaseException) else e)}"
        return result
    result["reachable"] = True
    store = region.store(timeout, deadline)
    try:
        rows = list(queries.run(store, "region-sparql11", {}, "public"))
        got = [(_num(r["total"]), _num(r["n"]), _num(r["largest"])) for r in rows]
        if got != [(12.0, 3.0, 6.0)]:
            raise ValueError(f"wrong answer to the SPARQL 1.1 test query (total, n, largest): {got}, "
                             "expected [(12, 3, 6)]")
    except RegionTimeout:
        raise
    except (RemoteStoreError, SyntaxError, ValueError, OSError) as e:
        result.update(status="not-sparql", error=f"{url}: does not answer as a SPARQL 1.1 endpoint: {describe(e)}")
        return result
    result["sparql11"] = True
    try:
        rows = list(queries.run(store, "region-ontology", {}, "public"))
    except RegionTimeout:
        raise
    except (RemoteStoreError, SyntaxError, ValueError, OSError) as e:
        result.update(status="no-ontology", error=f"{url}: the ontology check failed: {describe(e)}")
        return result
    row = rows[0] if rows else None
    declared = row is not None and row["ontology"] is not None
    used = row is not None and row["dataUsesIt"] is not None and row["dataUsesIt"].value == "true"
    result["version"] = row["version"].value if row is not None and row["version"] is not None else None
    if not (declared and used):
        missing = [] if declared else ["the ontology <https://w3id.org/connective-kg/ns>"]
        missing += [] if used else ["actors (ckg:Actor) in graph/public"]
        result.update(status="no-ontology",
                      error=f"{url}: the public graphs (ontology, vocabularies, graph/public) lack {' and '.join(missing)}")
        return result
    result.update(ontology=True, status="ok")
    return result


def _num(term: ox.Literal | None) -> float | None:
    try:
        return float(term.value) if term is not None else None
    except ValueError:
        return None


def our_version(db: ox.Store | None) -> str | None:
    """owl:versionInfo of our ontology (the local store, public view), for comparison."""
    if db is None:
        return None
    for r in queries.run(db, "ontology-version", {}, "public"):
        if r["version"] is not None:
            return r["version"].value
    return None


def probe_regions(registry: Registry, timeout: float = DEFAULT_TIMEOUT, local_version: str | None = None) -> list[dict]:
    """Every region checked in parallel, within `timeout` seconds in all:
    [{"name", "label", "endpoint", "base", "contact", "status", "reachable", "sparql11",
      "ontology", "version", "same_version", "error", "ms"}] in registry order."""
    queries.catalogue()  # parse the named queries once, before the threads
    outcomes = run_parallel([(r, lambda deadline, r=r: probe_region(r, deadline, timeout))
                             for r in registry.regions], timeout)
    out = []
    for o in outcomes:
        r = o.region
        entry: dict[str, Any] = {**r.ref, "endpoint": r.public_url(), "base": r.base, "contact": r.contact,
                                 "status": o.status, "reachable": False, "sparql11": False, "ontology": False,
                                 "version": None, "same_version": None, "error": o.error, "ms": o.ms}
        if o.status == "ok":
            entry.update(o.value)
        elif o.status == "timeout":
            entry["error"] = f"{r.public_url()}: {o.error}"
        if entry["version"] is not None and local_version is not None:
            entry["same_version"] = entry["version"] == local_version
        out.append(entry)
    return out


__all__ = ["DEFAULT_TIMEOUT", "ENV", "Outcome", "Region", "RegionStore", "RegionTimeout", "Registry", "describe",
           "RegistryError", "load", "our_version", "probe_region", "probe_regions", "registry_path",
           "run_parallel"]
