"""`make build` / `make serve` run for real (the Makefile, KG_STORE in tmp_path): the sample goes
only into a store without the region twente, every other region and a staff-changed twente stay
exactly as they were (by digest), HOST and PORT are used, and a busy port stops everything before
anything is ingested.

The targets run with `-o setup` and VENV set to the environment running the tests, so they use
the installed project and never install anything themselves."""

from __future__ import annotations

import copy
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT

from kg.ingest.mapping import region_graph
from kg.ingest.ownership import region_infos as regions
from kg.ingest.pipeline import ingest
from kg.ingest.read import read_path
from kg.store import GraphStore, digest

TEMPLATES = ROOT / "data" / "twente-templates"


def make(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "--no-print-directory", "-o", "setup", f"VENV={sys.prefix}", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def graph_digest(store: GraphStore, region: str) -> str:
    """The digest of one region graph's quads."""
    only = ox.Store()
    only.bulk_extend(store.open().quads_for_pattern(None, None, None, ox.NamedNode(region_graph(region))))
    return digest(only)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(proc: subprocess.Popen) -> None:
    """Stop make and the server it started (the process group this test made): TERM, then KILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            proc.poll()
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


@pytest.fixture(scope="module")
def changed_twente(tmp_path_factory) -> GraphStore:
    """A store whose region twente staff have changed (a renamed person) since the sample."""
    wb = copy.deepcopy(read_path(TEMPLATES))
    wb.tables["people"].rows[0].cells["name"] = "Marieke Gewijzigd-door-staf"
    store = GraphStore(tmp_path_factory.mktemp("serve") / "store")
    assert ingest(wb, "twente", "https://knll-twente.example/id/", store).committed
    return store


def test_sample_step_adds_twente_and_leaves_every_other_region_alone(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "store")
    assert ingest(read_path(TEMPLATES), "elders", "https://elders.example/id/", store).committed
    before = graph_digest(store, "elders")
    out = make("build", f"KG_STORE={store.path}")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert set(regions(store.open())) == {"elders", "twente"}
    assert graph_digest(store, "elders") == before


def test_sample_step_on_a_store_holding_twente_changes_nothing(changed_twente: GraphStore) -> None:
    before, generation = digest(changed_twente.open()), changed_twente.generation()
    out = make("build", f"KG_STORE={changed_twente.path}")
    assert out.returncode == 0, out.stderr
    assert "already holds the region twente; nothing changed" in out.stderr
    assert "bevat de regio twente al" in out.stderr
    assert changed_twente.generation() == generation and digest(changed_twente.open()) == before
    names = {q.object.value for q in changed_twente.open().quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None, ox.NamedNode(region_graph("twente")))}
    assert "Marieke Gewijzigd-door-staf" in names


def test_a_busy_port_stops_make_serve_before_anything_is_ingested(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = make("serve", f"PORT={port}", "HOST=127.0.0.1", f"KG_STORE={store}", timeout=120)
    assert out.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use; choose another with make serve PORT={port + 1}" in out.stderr
    assert f"Poort {port} op 127.0.0.1 is al in gebruik" in out.stderr
    assert "kg ingest" not in out.stdout and not store.exists()   # nothing ingested, no store made


def test_make_serve_uses_host_and_port_and_keeps_the_store(changed_twente: GraphStore) -> None:
    before = digest(changed_twente.open())
    port = free_port()
    proc = subprocess.Popen(["make", "--no-print-directory", "-o", "setup", f"VENV={sys.prefix}", "serve",
                             f"PORT={port}", "HOST=127.0.0.1", f"KG_STORE={changed_twente.path}"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        status, deadline = None, time.monotonic() + 120
        while status is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    status = resp.status
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        assert status == 200, proc.poll()
    finally:
        stop_group(proc)
        _, err = proc.communicate(timeout=30)
    assert "already holds the region twente" in err
    assert "Starting gunicorn" in err and "Using worker: gthread" in err  # the production server (kg serve)
    assert digest(changed_twente.open()) == before
