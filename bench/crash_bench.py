"""Crash safety, measured: SIGKILL `kg ingest` / `kg edit` at random moments and check that the store
holds the old state or the new one, never a mix (issue 14, item 6).

Per trial: copy a prepared store (the Twente sample plus a generated second region), start the real
CLI on the copy (the delta path, progress on a pseudo-terminal so that the phase it was in is known),
send SIGKILL after a delay drawn uniformly (seeded) over the measured span of an uninterrupted run,
then check what a reader sees:

- the store opens, and the digest of its quads is the old state's or the new state's (both computed
  once: old = before, new = an uninterrupted run of the same command on a copy; the two clock
  readings a write stores, the change's `log:at` and the region's `dct:modified`, are masked);
- the current generation is the old one (old state) or its successor, and `deltas_since(old)` gives
  nothing (old) or exactly one delta that turns the old quads into the new ones (new);
- the change log is the old list, or the old list plus exactly the one new entry;
- the next write works (the same command, run to the end, leaves the new state) and afterwards no
  candidate folder, temporary file, delta without its generation or generation beyond `CURRENT` is
  left in the store folder.

`tests/test_crash_safety.py` runs a few kills on small data in `make test`; the 50 are
`python -m bench.crash_bench --kills 50 --seed N`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import pty
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.ingest.export import export, write_csv
from kg.ingest.mapping import region_graph
from kg.ingest.pipeline import ingest
from kg.ingest.read import read_path
from kg.pipeline.report import STEPS
from kg.store import GraphStore
from kg.store import log as change_log
from kg.store.local import DELTA_SUFFIX
from synthetic.generate import generate

ROOT = Path(__file__).resolve().parent.parent
TWENTE = ROOT / "data" / "twente-templates"
TWENTE_BASE = "https://knll-twente.example/id/"
REGION = "generated"
GEN_BASE = "https://region.example/id/"
KG = [str(Path(sys.executable).with_name("kg"))]  # the installed command, as users run it
_CLOCK = {change_log.LOG + "at", "http://purl.org/dc/terms/modified"}  # the clock readings of a write
_PHASE = {STEPS.get(step, "en", step): step for step in
          ("read", "map", "read store", "reason", "validate", "public", "trace", "commit")}


def stable_digest(db: ox.Store) -> str:
    """kg.store.digest with the clock readings of a write masked (a rerun on a copy differs only there)."""
    lines = sorted(str(ox.Quad(q.subject, q.predicate, ox.Literal("<clock>"), q.graph_name))
                   if q.predicate.value in _CLOCK else str(q) for q in db.quads_for_pattern(None, None, None, None))
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode() + b"\n")
    return h.hexdigest()


def history(db: ox.Store) -> list[dict]:
    """The change log without its clock readings, newest first."""
    return [{k: v for k, v in c.to_json().items() if k != "at"} for c in change_log.history(db)]


@dataclass
class State:
    """What a reader sees of a store: its generation, the digest of its quads and its change log."""

    generation: str | None
    digest: str
    history: list[dict]
    quads: int

    @classmethod
    def of(cls, store: GraphStore) -> State:
        db = store.open()
        return cls(store.generation(), stable_digest(db), history(db), len(db))


@dataclass
class Kind:
    """One kind of write to kill: its command line (without --store) and its states before and after."""

    name: str
    args: list[str]
    old: State
    new: State
    span: float  # seconds of an uninterrupted run, process start to exit
    commit_span: float  # seconds from its "commit" line to exit (0: it reports no phases)
    reports: bool  # whether it reports its phases (`kg ingest` does, `kg edit` does not)


def run(args: list[str], store: Path, kill_after: float | None = None,
        after_phase: str | None = None) -> tuple[int, float, list[tuple[str, float]]]:
    """Run the `kg` command on `store` with its progress on a pseudo-terminal; SIGKILL it after
    `kill_after` seconds if given (counted from when it reports `after_phase`, if given). (exit status,
    seconds, the phases it reported with the seconds since the start, in order)."""
    master, slave = pty.openpty()
    env = dict(os.environ, KG_USER="crash-bench")
    start = time.perf_counter()
    proc = subprocess.Popen(KG + args + ["--store", str(store)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT, env=env)
    os.close(slave)
    phases: list[tuple[str, float]] = []
    reached = threading.Event()

    def read() -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child is gone
                break
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                label = line.decode(errors="replace").split(" s  ", 1)[-1].rstrip(" …\r")
                if label in _PHASE:
                    phases.append((_PHASE[label], time.perf_counter() - start))
                    if _PHASE[label] == after_phase:
                        reached.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while after_phase is not None and not reached.wait(0.005) and proc.poll() is None:
        pass
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
    status = proc.wait()
    elapsed = time.perf_counter() - start
    reader.join(timeout=5)
    os.close(master)
    return status, elapsed, phases


def _write_templates(db: ox.Store, folder: Path) -> None:
    write_csv(export(db, REGION), folder)


def _changed(folder: Path, out: Path) -> None:
    """The region's templates with changes: every 20th tie removed and every 10th person renamed."""
    shutil.copytree(folder, out)
    for name, change in (("ties.csv", "drop"), ("people.csv", "rename")):
        with open(folder / name, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        head, body = rows[0], rows[1:]
        if change == "drop":
            body = [r for i, r in enumerate(body) if i % 20 != 7]
        else:
            at = head.index("name")
            body = [r[:at] + [r[at] + " (changed)"] + r[at + 1:] if i % 10 == 3 else r for i, r in enumerate(body)]
        with open(out / name, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([head] + body)


def prepare(work: Path, people: int, seed: int = 7, span_runs: int = 1) -> tuple[Path, list[Kind]]:
    """A store holding the Twente sample and a generated region of `people` people, and the two
    kinds of write (a whole-region re-ingest with changes, a one-row `kg edit`) with their old and
    new states, the new one from an uninterrupted run on a copy; the span is the longest of
    `span_runs` such runs (each on a fresh copy)."""
    store = GraphStore(work / "store")
    assert ingest(read_path(TWENTE), "twente", TWENTE_BASE, store).committed
    region = ox.Store()
    region.bulk_extend(generate(people, seed=seed, base=GEN_BASE, graph=region_graph(REGION)))
    _write_templates(region, work / "region")
    result = ingest(read_path(work / "region"), REGION, GEN_BASE, store)
    assert result.committed, [p.to_json() for p in result.errors][:5]
    _write_templates(store.open(), work / "region-stored")  # as exported: a re-ingest changes only what we change
    _changed(work / "region-stored", work / "region-changed")
    person = next(csv.DictReader(open(work / "region-stored" / "people.csv", encoding="utf-8")))["id"]
    kinds = []
    old = State.of(store)
    for name, args in (
        ("re-ingest", ["ingest", str(work / "region-changed"), "--region", REGION, "--lang", "en"]),
        ("edit", ["edit", "people", "--region", REGION, "--change", person, "name=Renamed After A Crash"]),
    ):
        spans, commits, states = [], [], []
        for i in range(span_runs):
            copy = work / f"new-{name}-{i}"
            shutil.copytree(store.path, copy, symlinks=True)
            status, span, phases = run(args, copy)
            assert status == 0, f"{name}: the uninterrupted run exited {status}"
            spans.append(span)
            commits += [span - at for phase, at in phases if phase == "commit"]
            states.append(State.of(GraphStore(copy)))
            shutil.rmtree(copy)
        new = states[0]
        assert all(s.digest == new.digest for s in states), f"{name}: uninterrupted runs differ"
        assert new.digest != old.digest and len(new.history) == len(old.history) + 1, name
        kinds.append(Kind(name, args, old, new, max(spans), max(commits, default=0.0), name == "re-ingest"))
    return store.path, kinds


def _stray(folder: Path) -> list[str]:
    """What a finished write must not leave in a store folder: candidates, temporary files, deltas
    without their generation, generations beyond CURRENT."""
    store = GraphStore(folder)
    current = store.generation()
    gens = {p.name for p in folder.iterdir() if p.name.startswith("gen-") and p.is_dir()}
    out = []
    for p in folder.iterdir():
        if p.name.startswith(("candidate-", ".")):
            out.append(p.name)
        elif p.name.endswith(DELTA_SUFFIX) and p.name[: -len(DELTA_SUFFIX)] not in gens:
            out.append(p.name)
        elif p.name in gens and current is not None and p.name > current:
            out.append(p.name)
    return sorted(out)


@dataclass
class Trial:
    """One kill and what it left."""

    number: int
    kind: str
    delay: float
    phase: str  # the last phase reported before the kill: "start" before any, "running" when the command
    # reports none, "exited" when it ended before the kill
    outcome: str = ""  # "old", "new" or "mixed"
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def trial(number: int, kind: Kind, old_store: Path, work: Path, delay: float, in_commit: bool = False) -> Trial:
    """Copy the store, kill `kind` after `delay` seconds (after its "commit" line if `in_commit`), check
    what is left (see the module docstring)."""
    start = time.perf_counter()
    folder = work / f"trial-{number}"
    shutil.copytree(old_store, folder, symlinks=True)
    status, _, phases = run(kind.args, folder, kill_after=delay, after_phase="commit" if in_commit else None)
    killed = status == -signal.SIGKILL
    phase = (phases[-1][0] if phases else "start" if kind.reports else "running") if killed else "exited"
    t = Trial(number, kind.name + (" (commit window)" if in_commit else ""), round(delay, 3), phase)
    fail = t.failures.append
    if not killed and status != 0:
        fail(f"exited {status} without being killed")
    try:
        store = GraphStore(folder)
        now = State.of(store)
    except Exception as e:  # noqa: BLE001 - any error opening the store is the finding
        fail(f"the store does not open: {e!r}")
        t.outcome = "unopenable"
        return t
    old, new = kind.old, kind.new
    t.outcome = "old" if now.digest == old.digest else "new" if now.digest == new.digest else "mixed"
    if t.outcome == "mixed":
        fail(f"digest is neither old nor new ({now.quads} quads; old {old.quads}, new {new.quads})")
    if now.history not in (old.history, new.history):
        fail(f"the change log has {len(now.history)} entries, neither the old {len(old.history)} nor those plus one")
    deltas = store.deltas_since(old.generation)
    if t.outcome == "old" and (now.generation != old.generation or deltas != []):
        fail(f"old state but generation {now.generation} (was {old.generation}), deltas {deltas and len(deltas)}")
    if t.outcome == "new":
        if deltas is None or len(deltas) != 1:
            fail(f"new state but {deltas and len(deltas)} deltas since the old generation")
        else:  # what a reader that followed the change holds (kg.store.snapshot applies deltas the same way)
            removed, added = deltas[0]
            followed = ox.Store()
            followed.bulk_extend(GraphStore(old_store).open().quads_for_pattern(None, None, None, None))
            for q in removed:
                followed.remove(q)
            followed.bulk_extend(added)
            if stable_digest(followed) != new.digest:
                fail("the delta a reader follows does not lead to the new state")
    status, _, _ = run(kind.args, folder)  # the next write works and leaves the new state (a no-op from there)
    after = State.of(GraphStore(folder))
    if status != 0 or after.digest != new.digest or after.history != new.history:
        fail(f"the next run exited {status}, digest {'new' if after.digest == new.digest else 'not new'}")
    stray = _stray(folder)
    if stray:
        fail(f"left in the store folder: {', '.join(stray)}")
    shutil.rmtree(folder)
    t.seconds = round(time.perf_counter() - start, 1)
    return t


def kill_trials(work: Path, old_store: Path, kinds: list[Kind], kills: int, seed: int,
                progress: Callable[[Trial], None] = lambda t: None, commit_kills: int = 0) -> list[Trial]:
    """Trials on the prepared store, alternating the kinds, each delay uniform over the kind's span, until
    `kills` of them were killed (a command that finished before its delay is checked too, but is no kill;
    at most 3 x `kills` trials); then `commit_kills` more of the kinds that report phases, each delay
    uniform between the "commit" line and the exit."""
    rng = random.Random(seed)
    trials: list[Trial] = []

    def until(n: int, candidates: list[Kind], in_commit: bool) -> None:
        mine: list[Trial] = []
        while sum(t.phase != "exited" for t in mine) < n and len(mine) < 3 * n:
            kind = candidates[len(mine) % len(candidates)]
            t = trial(len(trials) + 1, kind, old_store, work,
                      rng.uniform(0, kind.commit_span if in_commit else kind.span), in_commit)
            progress(t)
            mine.append(t)
            trials.append(t)

    until(kills, kinds, False)
    if commit_kills:
        until(commit_kills, [k for k in kinds if k.commit_span > 0], True)
    return trials


def table(trials: list[Trial]) -> str:
    """Per kind and phase: trials, old, new, failures."""
    rows = Counter((t.kind, t.phase, t.outcome) for t in trials)
    failed = Counter((t.kind, t.phase) for t in trials if t.failures)
    order = ["start", *_PHASE.values(), "running", "exited"]
    out = ["| write | killed in | trials | old | new | failures |", "|---|---|---:|---:|---:|---:|"]
    for name in dict.fromkeys(t.kind for t in trials):
        for phase in order:
            n = sum(v for (k, p, _), v in rows.items() if k == name and p == phase)
            if n:
                out.append(f"| {name} | {phase} | {n} | {rows[name, phase, 'old']} | "
                           f"{rows[name, phase, 'new']} | {failed[name, phase]} |")
    killed = [t for t in trials if t.phase != "exited"]
    for name, group in (("all killed", killed), ("all", trials)):
        total = Counter(t.outcome for t in group)
        out.append(f"| {name} | | {len(group)} | {total['old']} | {total['new']} | "
                   f"{sum(1 for t in group if t.failures)} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs to send (trials where the command "
                        "finished before its delay are checked as well but do not count)")
    parser.add_argument("--commit-kills", type=int, default=0, help="then as many re-ingests killed between "
                        "their commit line and their exit (the commit and the generation switch)")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    parser.add_argument("--people", type=int, default=1000, help="people in the generated second region")
    parser.add_argument("--span-runs", type=int, default=3,
                        help="uninterrupted runs per kind to measure its span (the longest is used)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, removed)")
    a = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=a.work) as tmp:
        print(f"seed {a.seed}, {a.kills} kills, Twente + a generated region of {a.people} people", flush=True)
        old_store, kinds = prepare(Path(tmp), a.people, span_runs=a.span_runs)
        trials = kill_trials(Path(tmp), old_store, kinds, a.kills, a.seed, lambda t: print(
            f"  {t.number:3d} {t.kind:25s} {t.delay:6.2f} s  {t.phase:10s} {t.outcome:5s} {t.seconds:5.1f} s "
            f"{'; '.join(t.failures)}", flush=True), a.commit_kills)
    for k in kinds:
        print(f"{k.name}: span {k.span:.1f} s (commit to exit {k.commit_span:.2f} s); old {k.old.quads:,} quads, new {k.new.quads:,}")
    print(table(trials))
    a.out.mkdir(parents=True, exist_ok=True)
    path = a.out / f"crash-{dt.date.today().isoformat()}.json"
    path.write_text(json.dumps({
        "seed": a.seed, "kills": a.kills, "commit_kills": a.commit_kills, "people": a.people,
        "span_runs": a.span_runs, "seconds": round(time.perf_counter() - started, 1),
        "kinds": [{"name": k.name, "args": k.args[:1], "span": round(k.span, 2), "commit_span": round(k.commit_span, 2),
                   "old_quads": k.old.quads, "new_quads": k.new.quads} for k in kinds],
        "trials": [asdict(t) for t in trials]}, indent=2))
    print(f"written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 1 if any(t.failures for t in trials) else 0


if __name__ == "__main__":
    sys.exit(main())
