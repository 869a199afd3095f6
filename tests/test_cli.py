"""The kg command line, run as a real process: exit codes and parsed output."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.model import resources

BIN = Path(sys.executable).parent


def kg(*args: str, store: Path | None = None, entry: str = "kg") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KG_LANG="en")
    if store is not None:
        env["KG_STORE"] = str(store)
    cmd = [str(BIN / "kg")] if entry == "kg" else [sys.executable, "-m", "kg"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("cli") / "store"
    r = kg("build", str(resources.sample_dir()), "--store", str(store))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Conforms" in r.stdout and "Committed" in r.stdout
    return store


@pytest.mark.parametrize("entry", ["kg", "python -m kg"])
def test_help_explains_every_command(entry: str) -> None:
    r = kg("--help", entry=entry)
    assert r.returncode == 0
    for command in ("build", "validate", "query", "stats"):
        assert command in r.stdout
        sub = kg(command, "--help", entry=entry)
        assert sub.returncode == 0 and "Usage:" in sub.stdout and len(sub.stdout.splitlines()) > 5
    assert "Exit codes" in r.stdout


def test_stats_shows_all_graphs_and_actor_types(cli_store: Path) -> None:
    r = kg("stats", "--format", "json", store=cli_store)
    assert r.returncode == 0, r.stderr
    stats = json.loads(r.stdout)
    graphs = {g["graph"] for g in stats["graphs"]}
    assert {"https://w3id.org/connective-kg/graph/ontology", "https://w3id.org/connective-kg/graph/vocabularies",
            "https://w3id.org/connective-kg/graph/inferred", "https://w3id.org/connective-kg/graph/public"} <= graphs
    sources = {g.rsplit("/", 1)[-1] for g in graphs if "/graph/source/" in g}
    assert sources == {p.name for p in resources.sample_dir().glob("*.ttl")}
    types = {a["type"].rsplit("#", 1)[-1]: a["count"] for a in stats["actors"]}
    assert types["Actor"] == types["Person"] + types["Artefact"] + types["CollectiveActor"]
    table = kg("stats", store=cli_store)
    assert "inferred" in table.stdout and "graph:public" in table.stdout and "Person" in table.stdout


def test_query_formats(cli_store: Path) -> None:
    as_json = kg("query", "actor-types", "--format", "json", "-p", "lang=en", store=cli_store)
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["head"]["vars"][:3] == ["type", "label", "actors"]
    by_label = {b["label"]["value"]: int(b["actors"]["value"]) for b in data["results"]["bindings"]}
    as_csv = kg("query", "actor-types", "--format", "csv", "-p", "lang=en", store=cli_store)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {r["label"]: int(r["actors"]) for r in rows} == by_label
    table = kg("query", "actor-types", "-p", "lang=en", store=cli_store)
    assert table.stdout.splitlines()[0].split()[:3] == ["type", "label", "actors"]


def test_query_listing_and_errors(cli_store: Path) -> None:
    listing = kg("query", store=cli_store)
    assert listing.returncode == 0 and "resolve-actor" in listing.stdout and "--param text=" in listing.stdout
    unknown = kg("query", "no-such-query", store=cli_store)
    assert unknown.returncode == 2 and "no named query" in unknown.stderr
    bad_param = kg("query", "actor-types", "-p", "colour=red", store=cli_store)
    assert bad_param.returncode == 2 and "colour" in bad_param.stderr
    missing = kg("query", "resolve-actor", store=cli_store)
    assert missing.returncode == 2 and "--param text" in missing.stderr


def test_validate_writes_nothing_and_build_reports_violations(tmp_path: Path, cli_store: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ckg: <https://w3id.org/connective-kg/ns#> .\n"
                   "<https://example.org/test/c> a ckg:Covenant ; <http://www.w3.org/2000/01/rdf-schema#label> \"C\" .\n")
    before = os.readlink(cli_store / "CURRENT")
    v = kg("validate", str(bad), store=cli_store)
    assert v.returncode == 1 and "VIOLATION" in v.stdout and "bad.ttl" in v.stdout
    b = kg("build", str(bad), "--store", str(cli_store))
    assert b.returncode == 1 and "Nothing written" in b.stdout
    assert os.readlink(cli_store / "CURRENT") == before
    garbled = tmp_path / "garbled.ttl"
    garbled.write_text("this is not turtle")
    g = kg("build", str(garbled), "--store", str(cli_store), "--lang", "nl")
    assert g.returncode == 2 and "garbled.ttl" in g.stdout and "regel 1" in g.stdout
    assert os.readlink(cli_store / "CURRENT") == before


def test_store_errors_have_their_own_exit_code(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x")
    r = kg("stats", "--store", str(tmp_path / "notes"))
    assert r.returncode == 3 and "not a Connective KG store" in r.stderr
