"""`pip install .` (not editable) into a fresh virtual environment gives a working kg
that finds its ontology, vocabularies, shapes, queries and sample inside the package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(cmd: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.mark.timeout(900)
def test_non_editable_install_builds_the_sample(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert run([sys.executable, "-m", "venv", str(venv)], tmp_path).returncode == 0
    py = venv / "bin" / "python"
    install = run([str(py), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "constraints.txt"), str(ROOT)], tmp_path)
    assert install.returncode == 0, install.stderr[-3000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = run([str(py), "-c", "from kg.model import resources as r; print(r.ontology_file()); print(r.shapes_dir()); "
                 "print(r.sample_dir()); print(r.queries_dir())"], work)
    assert where.returncode == 0, where.stderr
    site = venv / "lib"
    for line in where.stdout.split():
        assert Path(line).is_relative_to(site), f"{line} is not inside the installed package"
        assert Path(line).exists(), line
    store = tmp_path / "store"
    build = run([str(venv / "bin" / "kg"), "build", "--store", str(store), "--lang", "en"], work)
    assert build.returncode == 0, build.stdout + build.stderr
    assert "Committed" in build.stdout
    stats = run([str(venv / "bin" / "kg"), "stats", "--store", str(store), "--format", "json"], work)
    graphs = {g["graph"] for g in json.loads(stats.stdout)["graphs"]}
    assert "https://w3id.org/connective-kg/graph/ontology" in graphs
    assert any("/graph/source/twente/" in g for g in graphs)
    queries = run([str(venv / "bin" / "kg"), "query", "--store", str(store)], work)
    assert "graph-sizes" in queries.stdout
