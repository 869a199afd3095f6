"""Crash safety, measured (issue 14): `kg ingest` and `kg edit` SIGKILLed at seeded random moments over
their whole span leave the old state or the new one (by the digest of the quads), a change log with
at most the one new entry, deltas a reader can follow, and a store the next write works on and leaves
clean. The harness is bench/crash_bench.py; its 50 kills are `python -m bench.crash_bench`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT

from bench.crash_bench import Kind, kill_trials, prepare, table
from kg.store import GraphStore
from kg.store import log as change_log

SEED = 14
KILLS = 8


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, Path, list[Kind]]:
    """The Twente sample plus a generated region of 60 people, and the two kinds of write."""
    work = tmp_path_factory.mktemp("crash")
    store, kinds = prepare(work, people=60)
    return work, store, kinds


def test_sigkill_at_random_moments_leaves_the_old_or_the_new_state(prepared) -> None:
    work, store, kinds = prepared
    trials = kill_trials(work, store, kinds, KILLS, SEED)
    assert sum(t.phase != "exited" for t in trials) == KILLS, table(trials)
    assert [t.failures for t in trials] == [[]] * len(trials), table(trials)
    assert {t.outcome for t in trials} <= {"old", "new"}
    assert {t.kind for t in trials} == {"re-ingest", "edit"}
    for kind in kinds:  # the two states really differ, so the check above can tell them apart
        assert kind.old.digest != kind.new.digest and len(kind.new.history) == len(kind.old.history) + 1


# Starts a candidate (a checkpoint of the current generation), says its name, then waits to be killed.
CHILD = textwrap.dedent("""
    import sys, time
    from kg.store import GraphStore
    print(GraphStore(sys.argv[1]).candidate().path.name, flush=True)
    time.sleep(120)
""")


def test_the_next_write_removes_a_killed_writers_candidate_and_keeps_a_live_one(tmp_path: Path) -> None:
    """Before, a killed check's candidate stayed in the store folder for an hour."""
    store = GraphStore(tmp_path / "store")
    quad = ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("1"),
                   ox.NamedNode("https://example.org/g"))
    store.replace_all([quad])
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(store.path)], stdout=subprocess.PIPE, text=True,
                             cwd=ROOT)
    assert child.stdout is not None
    killed = store.path / child.stdout.readline().strip()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert killed.name.startswith("candidate-") and killed.is_dir()
    live = store.candidate()  # this process's own, still in use
    store.replace_all([quad])
    assert not killed.exists()
    assert live.path.is_dir()
    live.discard()


def test_a_logged_delta_is_packed_the_same_whenever_it_is_written(monkeypatch) -> None:
    """Before, gzip wrote the clock into each packed delta: a rerun of the same change differed in its quads."""
    quad = ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("1"),
                   ox.NamedNode("https://example.org/g"))
    packed = []
    for clock in (1_000_000_000.0, 2_000_000_000.0):
        monkeypatch.setattr(time, "time", lambda clock=clock: clock)
        packed.append(change_log.record(change_log.Change(1, "2026-12-07T05:00:00Z", "me", "x.csv"), [quad], []))
    assert packed[0] == packed[1]
