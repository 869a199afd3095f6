"""Analytics computed before anyone asks (issue 13): per store generation, on disk, shared by every
server process.

`run(store, folder)` computes, for the store's current generation, in both views (public,
internal) and both languages (nl, en), with and without artefacts (`people_only`):

- `region-<view>-<lang>.json`: the whole-region measures (`region_summary`: size, degree,
  components, k-core, the top brokers by betweenness, E-I and density of every network, and how
  betweenness was computed);
- one file per network and per artefact: its analysis with the default parameters (no `topic`),
  exactly what `kg.analytics.analyse` returns for it (tests/test_analytics_precompute.py compares),
  and beside it (`.svg.json`) its pictures as the page draws them (`stored_pictures`);
- `index-<view>.json`: which actors have a file (IRI -> kind), written before their files.

Layout: `<folder>/<generation>/`, with `meta.json` (`state` computing or done, the pid, when it
started and finished, the day used as today). Every file is written to a temporary name and
renamed, so a reader sees a whole file or none. One job at a time (`precompute.lock`); a job that
finds the store moved on while it worked stops (`superseded`) and computes the new generation. When a generation is
done the folders of every other generation are removed.

`lookup(folder, generation, view, lang, iri, people_only)` is what the pages ask: the current
generation's result, else (while it is being computed) the newest older one with its date, else
"being computed", else "not precomputed" (a person, a school, or topics asked: computed on request).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.analytics import brokers, openness, pictures, subjects
from kg.analytics.extract import ARTEFACT, NETWORK, RegionData, load_region
from kg.analytics.region import analyse_region
from kg.ingest.mapping import region_name_problem
from kg.ingest.ownership import region_infos
from kg.store import GraphStore, Store
from kg.store.local import process_alive

VIEWS = ("public", "internal")
LANGS = ("nl", "en")
PRECOMPUTED_KINDS = (NETWORK, ARTEFACT)  # the analyses staff open most; a person or school is computed on request
TOP_BROKERS = 20        # brokers listed in the whole-region summary
META, LOCK = "meta.json", "precompute.lock"
COMPUTING, DONE, SUPERSEDED = "computing", "done", "superseded"
READY, STALE, PENDING, ABSENT = "ready", "stale", "computing", "absent"


@dataclass(frozen=True)
class Found:
    """What `lookup` found: `state` READY (the current generation's), STALE (an older generation's,
    the current one being computed), PENDING (being computed, nothing older) or ABSENT (not
    precomputed); for READY and STALE the result, its generation and when it was computed."""

    state: str
    result: dict[str, Any] | None = None
    generation: str | None = None
    computed_at: str | None = None


def folder_of(store: Store, state_dir: Path | str | None = None) -> Path:
    """Where the results live: `<KG_STATE_DIR or the store's state folder>/analytics`."""
    return Path(state_dir or store.state_dir()) / "analytics"


def _write(path: Path, data: Any) -> None:
    """`data` as JSON to `path` through a temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None


def subject_path(gen_dir: Path, view: str, lang: str, iri: str, people_only: bool) -> Path:
    digest = hashlib.sha256(iri.encode("utf-8")).hexdigest()[:32]
    return gen_dir / f"{view}-{lang}-{'people' if people_only else 'all'}" / f"{digest}.json"


def meta(folder: Path, generation: str) -> dict[str, Any] | None:
    """The generation's meta.json; a `computing` one whose process is gone counts as absent."""
    found = _read(folder / generation / META)
    if not isinstance(found, dict):
        return None
    if found.get("state") == COMPUTING and not process_alive(int(found.get("pid", 0))):
        return None
    return found


def _generations(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    """(generation, meta) of every generation that is done, newest computation first."""
    out = []
    try:
        names = [p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except FileNotFoundError:
        return []
    for name in names:
        m = _read(folder / name / META)
        if isinstance(m, dict) and m.get("state") == DONE:
            out.append((name, m))
    return sorted(out, key=lambda gm: gm[1].get("finished", ""), reverse=True)


def is_done(folder: Path, generation: str | None) -> bool:
    m = meta(folder, generation) if generation else None
    return bool(m and m.get("state") == DONE)


def is_running(folder: Path, generation: str | None) -> bool:
    m = meta(folder, generation) if generation else None
    return bool(m and m.get("state") == COMPUTING)


def lookup(folder: Path, generation: str | None, view: str, lang: str, iri: str, people_only: bool) -> Found:
    """The stored analysis of `iri` for the store's `generation`; see the module docstring."""
    if generation is None:
        return Found(ABSENT)
    here = folder / generation
    current = meta(folder, generation)
    result = _read(subject_path(here, view, lang, iri, people_only))
    if result is not None and current is not None:
        return Found(READY, result, generation, current.get("started"))
    if current is not None and current.get("state") == DONE:
        return Found(ABSENT)  # done, and this actor has no file: not a precomputed kind
    index = _read(here / f"index-{view}.json")
    if isinstance(index, dict) and iri not in index:
        return Found(ABSENT)
    known = isinstance(index, dict)
    for older, m in _generations(folder):
        if older == generation:
            continue
        old_index = _read(folder / older / f"index-{view}.json")
        if not known and isinstance(old_index, dict) and iri not in old_index:
            return Found(ABSENT)  # the last computation did not include it: computed on request
        result = _read(subject_path(folder / older, view, lang, iri, people_only))
        if result is not None:
            return Found(STALE, result, older, m.get("started"))
        break  # only the newest older generation counts
    return Found(PENDING)


def stored_pictures(folder: Path, found: Found, view: str, lang: str, people_only: bool) -> dict[str, str] | None:
    """The pictures (kg.analytics.pictures.pictures: name -> SVG) stored with a result `lookup`
    found; None if there are none (then they are drawn on request)."""
    if found.result is None or found.generation is None:
        return None
    iri = found.result["subject"]["iri"]
    stored = _read(subject_path(folder / found.generation, view, lang, iri, people_only).with_suffix(".svg.json"))
    return stored if isinstance(stored, dict) else None


def region_file(folder: Path, generation: str | None, view: str, lang: str) -> Found:
    """The whole-region summary (`region_summary`) as `lookup` finds a subject."""
    if generation is not None:
        current = meta(folder, generation)
        found = _read(folder / generation / f"region-{view}-{lang}.json")
        if found is not None and current is not None:
            return Found(READY, found, generation, current.get("started"))
    for older, m in _generations(folder):
        if older != generation:
            found = _read(folder / older / f"region-{view}-{lang}.json")
            if found is not None:
                return Found(STALE, found, older, m.get("started"))
            break
    return Found(PENDING)


def region_path(gen_dir: Path, view: str, lang: str, name: str) -> Path:
    """Where the analysis of the ingested region `name` as a whole (kg.analytics.region) is kept."""
    return gen_dir / f"regions-{view}-{lang}" / f"{name}.json"


def region_lookup(folder: Path, generation: str | None, view: str, lang: str, name: str) -> Found:
    """The stored analysis of region `name` as `lookup` finds a subject's: READY, STALE (the newest
    older generation's while this one is computed), PENDING, or ABSENT (the generation is done
    without it, or the name cannot be a region's: the caller computes it on request). The caller
    checks first that the store has such a region."""
    if generation is None or region_name_problem(name):
        return Found(ABSENT)
    current = meta(folder, generation)
    found = _read(region_path(folder / generation, view, lang, name))
    if found is not None and current is not None:
        return Found(READY, found, generation, current.get("started"))
    if current is not None and current.get("state") == DONE:
        return Found(ABSENT)
    for older, m in _generations(folder):
        if older != generation:
            found = _read(region_path(folder / older, view, lang, name))
            if found is not None:
                return Found(STALE, found, older, m.get("started"))
            break
    return Found(PENDING)


# --- computing ----------------------------------------------------------------------------------

def region_summary(region: RegionData, people_only: bool = False) -> dict[str, Any]:
    """The whole-region measures of the analysed graph: size, degree, components, k-core, the top
    `TOP_BROKERS` by betweenness (with constraint and effective size), the E-I index and density of
    every network, and how betweenness was computed."""
    g = region.graph(people_only)
    m = brokers.global_metrics(region, people_only)
    degrees = [d for _, d in g.degree()]
    core = nx.core_number(g) if len(g) else {}
    sizes = sorted((len(c) for c in nx.connected_components(g)), reverse=True)
    top = sorted(g, key=lambda v: (-m["betweenness"].get(v, 0.0), v))[:TOP_BROKERS]
    networks = []
    for iri in sorted(i for i, a in region.actors.items() if a.kind == NETWORK):
        members = subjects.group_members(region, iri, "network", people_only)
        o = openness.openness(region, g, members)
        networks.append({"network": region.ref(iri), "members": len(members), "ei_index": o["ei_index"],
                         "density": o["density"], "internal_pairs": o["internal_pairs"],
                         "external_pairs": o["external_pairs"]})
    networks.sort(key=lambda r: (-r["members"], r["network"]["label"].casefold()))
    return {
        "generation": region.generation, "view": region.view, "people_only": people_only,
        "nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
        "people": sum(1 for v in g if region.kind(v) == "person"),
        "artefacts": sum(1 for v in g if region.kind(v) == ARTEFACT),
        "degree": {"mean": (sum(degrees) / len(degrees)) if degrees else 0.0, "max": max(degrees, default=0),
                   "isolates": sum(1 for d in degrees if d == 0)},
        "components": {"components": len(sizes), "largest": sizes[0] if sizes else 0, "sizes": sizes[:10]},
        "k_core": {"k_max": max(core.values(), default=0),
                   "distribution": [{"k": k, "actors": n} for k, n in sorted(Counter(core.values()).items())]},
        "betweenness_method": m["method"],
        "brokers": [{"actor": region.ref(v), "kind": region.kind(v), "degree": g.degree(v),
                     "betweenness": m["betweenness"].get(v, 0.0), "constraint": m["constraint"].get(v),
                     "effective_size": m["effective_size"].get(v)} for v in top],
        "networks": networks,
    }


def _open(store: Store, in_memory: bool) -> tuple[str | None, ox.Store]:
    """(generation, a reader of exactly that generation)."""
    if isinstance(store, GraphStore):
        path = store.current_generation()
        if path is None:
            return None, ox.Store()
        disk = ox.Store.read_only(str(path))
        if not in_memory:
            return path.name, disk
        mem = ox.Store()
        mem.bulk_extend(disk.quads_for_pattern(None, None, None, None))
        return path.name, mem
    generation = store.generation()
    return generation, store.open()  # type: ignore[return-value]  # a remote reader answers the same calls


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # waits for a job that is running
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run(store: Store, folder: Path, today: str | None = None, in_memory: bool = True,
        betweenness: tuple[int, int] | None = None, progress: Callable[[str], None] | None = None,
        kinds: tuple[str, ...] = PRECOMPUTED_KINDS, variants: tuple[tuple[str, str], ...] | None = None) -> list[str]:
    """Compute and store the results of the current generation (and of any generation committed
    while it worked) unless they are there; returns the generations computed. `today` (default:
    the real date) is the day a network's members per year end; `betweenness` = (the most nodes
    computed exactly, pivots above), default kg.analytics.brokers' constants; `kinds` (default
    `PRECOMPUTED_KINDS`) the subjects computed and `variants` the (view, lang) pairs (default all;
    the benchmark asks for the public Dutch networks only)."""
    say = progress or (lambda _text: None)
    done: list[str] = []
    with _locked(folder):
        while True:
            if store.generation() is None or is_done(folder, store.generation()):
                return done
            generation, db = _open(store, in_memory)
            if generation is None:
                return done
            finished = compute_generation(db, generation, folder, today or dt.date.today().isoformat(),
                                          betweenness, say, functools.partial(_is_current, store, generation),
                                          kinds, variants)
            if finished:
                prune(folder, keep=generation)
                done.append(generation)


def _is_current(store: Store, generation: str) -> bool:
    return store.generation() == generation


def compute_generation(db: ox.Store, generation: str, folder: Path, today: str,
                       betweenness: tuple[int, int] | None = None, say: Callable[[str], None] = lambda _t: None,
                       still_current: Callable[[], bool] | None = None,
                       kinds: tuple[str, ...] = PRECOMPUTED_KINDS,
                       variants: tuple[tuple[str, str], ...] | None = None) -> bool:
    """Compute and store every result of `generation` (read from `db`); False if `still_current()`
    said no before it was done (the results so far stay, marked superseded)."""
    here = folder / generation
    shutil.rmtree(here, ignore_errors=True)  # a job that was killed half-way
    here.mkdir(parents=True)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    info: dict[str, Any] = {"generation": generation, "state": COMPUTING, "pid": os.getpid(), "started": started,
                            "today": today}
    _write(here / META, info)
    shared: dict[tuple, Any] = {}
    counts: Counter[str] = Counter()
    regions: dict[tuple[str, str], tuple[RegionData, dict[str, str]]] = {}
    for view, lang in variants or [(v, lg) for v in VIEWS for lg in LANGS]:
        region = load_region(db, view, lang, generation)
        if betweenness:
            region.exact_betweenness_max, region.betweenness_pivots = betweenness
        _share(shared, region)
        actors = {iri: subjects.subject_kind(region, iri) for iri, a in region.actors.items()
                  if a.kind in kinds}
        if lang == LANGS[0]:
            _write(here / f"index-{view}.json", actors)
        for people_only in (False, True):
            (here / f"{view}-{lang}-{'people' if people_only else 'all'}").mkdir(exist_ok=True)
        _write(here / f"region-{view}-{lang}.json", region_summary(region))
        for name, info_of in region_infos(db).items():
            if info_of.base and not region_name_problem(name):
                path = region_path(here, view, lang, name)
                path.parent.mkdir(exist_ok=True)
                _write(path, analyse_region(region, name, info_of.base))
        regions[(view, lang)] = region, actors
        say(f"{view} {lang}: the region ({time.perf_counter() - t0:.1f} s)")
    # networks first (fast), then artefacts (their trace queries take seconds each); a job whose
    # generation is no longer current stops early: the next one is computed instead
    for kind in kinds:
        for (view, lang), (region, actors) in regions.items():
            for iri in sorted(i for i, k in actors.items() if k == kind):
                if still_current is not None and not still_current():
                    info.update(state=SUPERSEDED)
                    _write(here / META, info)
                    return False
                for people_only in (False, True):
                    result = subjects.analyse_actor(db, region, iri, kind, people_only, [], today)
                    path = subject_path(here, view, lang, iri, people_only)
                    # the pictures first: a reader that finds the analysis finds its pictures
                    _write(path.with_suffix(".svg.json"), pictures.pictures(result, lang))  # type: ignore[arg-type]
                    _write(path, result)
                    counts[kind] += 1
            say(f"{view} {lang}: {kind}s ({time.perf_counter() - t0:.1f} s)")
    info.update(state=DONE, finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                seconds=round(time.perf_counter() - t0, 1), analyses=dict(counts))
    _write(here / META, info)
    return True


# what does not depend on the language, computed once per view and shared by the languages' regions
_LANGUAGE_FREE = ("brokers", "capital", "trusted", "members_by_year")


def _share(shared: dict[tuple, Any], region: RegionData) -> None:
    """Let `region` use the language-free results its view's other regions computed (also those they
    compute later), and file its own there."""
    memo = _SharedMetrics(shared, region.view)
    memo.update(region._metrics)
    region._metrics = memo


class _SharedMetrics(dict):
    """A region's memo that finds, and files, its language-free results under its view in `shared`."""

    def __init__(self, shared: dict[tuple, Any], view: str):
        super().__init__()
        self._shared, self._view = shared, view

    def __contains__(self, key: object) -> bool:
        if super().__contains__(key):
            return True
        found = self._shared.get((self._view, key))
        if found is None:
            return False
        super().__setitem__(key, found)
        return True

    def __setitem__(self, key: tuple, value: Any) -> None:
        super().__setitem__(key, value)
        if key and key[0] in _LANGUAGE_FREE:
            self._shared[(self._view, key)] = value


def prune(folder: Path, keep: str) -> None:
    """Remove the results of every generation but `keep`, except a job still computing."""
    for p in folder.iterdir():
        if not p.is_dir() or p.name == keep:
            continue
        m = _read(p / META)
        if isinstance(m, dict) and m.get("state") == COMPUTING and process_alive(int(m.get("pid", 0))):
            continue
        shutil.rmtree(p, ignore_errors=True)


def spawn(environ: Mapping[str, str], today: str | None = None) -> subprocess.Popen:
    """Start `kg analyse --precompute` in its own process (it waits for a running job, then computes
    what is missing) with `environ` added to this process's environment (the store, the state
    folder); the caller does not wait for it."""
    env = {**os.environ, **environ}
    args = [sys.executable, "-m", "kg", "analyse", "--precompute", "--quiet"] + (["--today", today] if today else [])
    return subprocess.Popen(args, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
