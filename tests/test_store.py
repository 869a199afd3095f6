"""The generational Oxigraph store: atomic switches, isolation of readers, crash safety."""

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

from kg.store import CURRENT, GraphStore, StoreError, digest


def quads(n: int, graph: str, tag: str = "v") -> list[ox.Quad]:
    g = ox.NamedNode(graph)
    return [ox.Quad(ox.NamedNode(f"https://example.org/s{i}"), ox.NamedNode("https://example.org/p"),
                    ox.Literal(f"{tag}{i}"), g) for i in range(n)]


def test_empty_store_reads_as_empty(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "s")
    assert store.current_generation() is None
    assert len(store.open()) == 0


def test_replace_all_switches_generation_and_content(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "s")
    g1 = store.replace_all(quads(10, "https://example.org/g1"))
    assert store.current_generation() == g1 and len(store.open()) == 10
    g2 = store.replace_all(quads(3, "https://example.org/g2"))
    assert g2 != g1
    db = store.open()
    assert {g.value for g in db.named_graphs()} == {"https://example.org/g2"} and len(db) == 3


def test_reader_keeps_its_generation_while_a_writer_switches(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "s")
    store.replace_all(quads(5, "https://example.org/g1", "old"))
    reader = store.open()
    store.replace_all(quads(7, "https://example.org/g1", "new"))
    assert len(reader) == 5 and len(store.open()) == 7


def test_replace_graphs_keeps_other_graphs(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "s")
    store.replace_all(quads(4, "https://example.org/a") + quads(4, "https://example.org/b"))
    store.replace_graphs(["https://example.org/a"], quads(2, "https://example.org/a", "x"))
    db = store.open()
    a = list(db.quads_for_pattern(None, None, None, ox.NamedNode("https://example.org/a")))
    b = list(db.quads_for_pattern(None, None, None, ox.NamedNode("https://example.org/b")))
    assert sorted(q.object.value for q in a) == ["x0", "x1"] and len(b) == 4


def test_old_generations_are_pruned(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "s")
    for i in range(6):
        store.replace_all(quads(2, f"https://example.org/g{i}"))
    gens = sorted(p.name for p in (tmp_path / "s").iterdir() if p.name.startswith("gen-"))
    assert gens == ["gen-000004", "gen-000005", "gen-000006"]


def test_refuses_a_folder_that_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.txt").write_text("precious")
    with pytest.raises(StoreError, match="not a Connective KG store"):
        GraphStore(tmp_path / "docs")


def test_second_writer_waits_for_the_lock(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "s")
    with store._write_lock():
        with pytest.raises(StoreError, match="another kg process"):
            with GraphStore(tmp_path / "s")._write_lock(wait_seconds=0.5):
                pass


def test_digest_changes_with_content(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "s")
    store.replace_all(quads(3, "https://example.org/g"))
    d1 = digest(store.open())
    store.replace_all(quads(3, "https://example.org/g"))
    assert digest(store.open()) == d1
    store.replace_all(quads(3, "https://example.org/g", "other"))
    assert digest(store.open()) != d1


WRITER = textwrap.dedent("""
    import sys, pyoxigraph as ox
    from kg.store import GraphStore
    g = ox.NamedNode("https://example.org/big")
    def gen():
        for i in range(3_000_000):
            if i == 1000:
                print("writing", flush=True)
            yield ox.Quad(ox.NamedNode(f"https://example.org/s{i}"), ox.NamedNode("https://example.org/p"), ox.Literal(str(i)), g)
    GraphStore(sys.argv[1]).replace_all(gen())
    print("done", flush=True)
""")


@pytest.mark.parametrize("delay", [0.0, 0.5, 1.5])
def test_sigkill_during_a_write_leaves_the_old_state(tmp_path: Path, delay: float) -> None:
    path = tmp_path / "s"
    store = GraphStore(path)
    store.replace_all(quads(20, "https://example.org/small"))
    before, generation = digest(store.open()), store.current_generation()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    reopened = GraphStore(path)
    assert reopened.current_generation() == generation
    assert digest(reopened.open()) == before
    # The next writer cleans up the half-written generation and works normally.
    reopened.replace_all(quads(2, "https://example.org/after"))
    assert len(reopened.open()) == 2
    assert sorted(p.name for p in path.iterdir() if p.name.startswith("gen-"))[-1] == reopened.current_generation().name
    assert (path / CURRENT).is_symlink()
