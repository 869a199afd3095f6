"""SIGKILL during the commit of a large ingest: the reopened store holds the old state or the
new one (checked by digest), never a mix, and the next ingest works."""

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

from kg.ingest.export import export, write_csv
from kg.ingest.pipeline import ingest
from kg.ingest.read import read_path
from kg.store import GraphStore, digest
from synthetic.generate import generate

GEN_BASE = "https://region.example/id/"

# Checks the region, writes the digest of exactly what it will commit, says so, then commits.
CHILD = textwrap.dedent("""
    import sys, pyoxigraph as ox
    from kg.ingest.pipeline import check, commit
    from kg.ingest.read import read_path
    from kg.store import GraphStore, digest
    store = GraphStore(sys.argv[1])
    result = check(read_path(sys.argv[2]), "generated", sys.argv[3], store)
    assert result.ok, [p.to_json() for p in result.errors][:5]
    open(sys.argv[4], "w").write(digest(result.plan.candidate.db))  # the new state, before its switch
    print("committing", len(result.plan.added), flush=True)
    commit(result, store)
    print("done", flush=True)
""")


@pytest.fixture(scope="module")
def generated_templates(tmp_path_factory) -> Path:
    """A generated region of 1,000 people (about 170,000 quads to commit) as filled templates."""
    folder = tmp_path_factory.mktemp("generated")
    db = ox.Store()
    db.bulk_extend(generate(1000, seed=7, graph="https://w3id.org/connective-kg/graph/source/generated"))
    write_csv(export(db), folder)
    return folder


@pytest.mark.parametrize("delay", [0.05, 0.6])
def test_sigkill_during_the_commit_leaves_old_or_new_never_a_mix(generated_templates, tmp_path: Path,
                                                                 delay: float) -> None:
    store = GraphStore(tmp_path / "store")
    assert ingest(read_path(ROOT / "data" / "twente-templates"), "twente", "https://knll-twente.example/id/",
                  store).committed
    old, old_generation = digest(store.open()), store.current_generation()
    new_file = tmp_path / "new.digest"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(store.path), str(generated_templates), GEN_BASE,
                             str(new_file)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    assert line.startswith("committing"), line
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    new = new_file.read_text()
    reopened = GraphStore(store.path)
    now = digest(reopened.open())
    assert now in (old, new)
    if now == old:
        assert reopened.current_generation() == old_generation
    if delay < 0.1:
        # 170,000 quads take well over 0.05 s to bulk-load: this kill lands inside the commit
        assert now == old
    # the next writer clears any half-written generation and works normally
    assert ingest(read_path(ROOT / "data" / "twente-templates"), "twente", "https://knll-twente.example/id/",
                  reopened).committed
    gens = sorted(p.name for p in store.path.iterdir() if p.name.startswith("gen-") and p.is_dir())
    assert gens[-1] == reopened.current_generation().name
