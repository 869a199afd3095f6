"""The web app's view of a store folder read on disk (KG_SNAPSHOT=disk, kg.store.snapshot): it
answers as the in-memory copy does, follows a committed change, keeps answering on a generation
that writers would have removed (the pin, kg.store.local), and `auto` moves from memory to disk
when the store grows past KG_SNAPSHOT_MEMORY_MB. Real stores on disk, no mocks."""

from __future__ import annotations

import gc
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import ROOT, TOKEN

from kg import settings
from kg.cli import main
from kg.ingest import pipeline
from kg.ingest.export import export, write_csv
from kg.ingest.read import read_path
from kg.sparql import queries
from kg.store import GraphStore
from kg.store.local import PIN_SUFFIX
from kg.store.snapshot import Snapshot
from synthetic.generate import generate
from web import create_app

BASE = "https://knll-twente.example/id/"
SECOND_BASE = "https://second.example/id/"
PAGES = ["/", "/doc/s-de-esch", "/doc/p017", "/doc/a-kijkwijzer-ol", "/search?q=kijkwijzer",
         "/who-knows?topic=rekenen", "/api/who-knows?topic=rekenen", "/trace?artefact=a-kijkwijzer-ol",
         "/vocab/topics", "/history"]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Twente templates ingested into a fresh store (the tests copy it before they write)."""
    path = tmp_path_factory.mktemp("snapshot-disk") / "store"
    result = pipeline.ingest(read_path(ROOT / "data" / "twente-templates"), "twente", BASE, GraphStore(path))
    assert result.committed
    return path


def _copy(store_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(store_path, path, symlinks=True)
    return path


def _app(path: Path, mode: str, **more):
    return create_app({"KG_STORE": str(path), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "t", "TESTING": True,
                       "KG_TODAY": "2026-11-25", "KG_PAGE_CACHE_MB": 0, "KG_SNAPSHOT": mode, **more})


def _cell(term) -> str | list[str]:
    """A term as text; a literal's words sorted: GROUP_CONCAT's order is unspecified (SPARQL 1.1,
    18.5.1.7), and the copy in memory and the store on disk list the same values in different orders."""
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return sorted(re.split(r"[,\s]+", term.value)) + [str(term.datatype), term.language or ""]
    return str(term)


def _answers(db, name: str) -> list[str]:
    q = queries.catalogue()[name]
    results = queries.run(db, name, dict(q.example))
    columns = [v.value for v in results.variables]
    return sorted(repr([_cell(r[c]) for c in columns]) for r in results)


def _page(body: bytes) -> bytes:
    """A page without its sign-in's CSRF token (random per session)."""
    return re.sub(rb'name="csrf_token" value="[^"]*"', b"", body)


def test_the_setting_takes_the_three_modes_only() -> None:
    assert settings.web_config({}, {})["KG_SNAPSHOT"] == "auto"
    assert settings.web_config({"KG_SNAPSHOT": "Disk"}, {})["KG_SNAPSHOT"] == "disk"
    with pytest.raises(ValueError, match="snapshot mode"):
        settings.web_config({"KG_SNAPSHOT": "mmap"}, {})
    with pytest.raises(ValueError, match="snapshot mode"):
        Snapshot(GraphStore(Path("/nonexistent-kg-store")), "mmap")


def test_disk_mode_answers_as_memory_mode(store_path: Path) -> None:
    """Every named query (with its example) and every page listed give the same answer."""
    store = GraphStore(store_path)
    memory, disk = Snapshot(store, "memory"), Snapshot(store, "disk")
    assert not memory.on_disk and disk.on_disk and memory.generation == disk.generation == store.generation()
    assert not isinstance(disk.db(), type(None)) and len(disk.db()) == len(memory.db()) > 20000
    for name in sorted(queries.catalogue()):
        assert _answers(disk.db(), name) == _answers(memory.db(), name), name

    in_memory, on_disk = _app(store_path, "memory"), _app(store_path, "disk")
    assert on_disk.extensions["kg"].snapshot.on_disk and not in_memory.extensions["kg"].snapshot.on_disk
    a, b = in_memory.test_client(), on_disk.test_client()
    for url in PAGES:
        for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
            got, expected = b.get(url, headers=headers), a.get(url, headers=headers)
            assert got.status_code == expected.status_code and (got.status_code == 200 or not headers), url
            assert _page(got.get_data()) == _page(expected.get_data()), url
    for app in (in_memory, on_disk):
        app.extensions["kg"].close()


def test_a_committed_edit_is_served_from_disk(store_path: Path, tmp_path: Path) -> None:
    """`kg edit` commits a new generation; the disk-mode app's next request reads it (no copy, no delta)."""
    path = _copy(store_path, tmp_path)
    app = _app(path, "disk")
    client, snapshot = app.test_client(), app.extensions["kg"].snapshot
    before = snapshot.generation
    assert "Kindcentrum De Esch" not in client.get("/doc/s-de-esch").get_data(as_text=True)
    out = CliRunner().invoke(main, ["edit", "organisations", "--change", "s-de-esch", "name=Kindcentrum De Esch",
                                    "--region", "twente", "--store", str(path), "--lang", "en"])
    assert out.exit_code == 0, out.output
    assert "Kindcentrum De Esch" in client.get("/doc/s-de-esch").get_data(as_text=True)
    assert snapshot.on_disk and snapshot.generation == GraphStore(path).generation() != before
    assert snapshot._idle is None and snapshot._behind == []  # nothing copied, nothing replayed
    app.extensions["kg"].close()


def _quads(batch: int, n: int = 20000) -> list[ox.Quad]:
    ex = "http://example.org/"
    return [ox.Quad(ox.NamedNode(f"{ex}s{batch}-{i}"), ox.NamedNode(f"{ex}p{i % 7}"), ox.Literal(f"v{batch}-{i}"),
                    ox.NamedNode(f"{ex}g{batch}")) for i in range(n)]


def _generation_of_many_files(tmp_path: Path) -> tuple[GraphStore, int]:
    """A store whose one generation is spread over many `.sst` files (written in ten batches), as a
    large store's is: RocksDB opens only a few of them when the store is opened, the others when a
    query first needs them."""
    store = GraphStore(tmp_path / "many")
    gen = store.replace_all(_quads(0))
    db = ox.Store(str(gen))
    for batch in range(1, 10):
        db.bulk_extend(_quads(batch))
    db.flush()
    del db
    gc.collect()
    assert len(list(gen.glob("*.sst"))) > 32
    return store, 10 * 20000


def test_a_reader_keeps_its_generation_through_the_writes_that_would_remove_it(tmp_path: Path) -> None:
    """The disk-mode view pins the generation it serves: three more commits (two old ones are kept)
    leave it in place and every quad readable; once the view has moved on twice, the next write
    removes it, and a reader that had opened it without a pin then fails on the files it had not
    opened yet (the reason for the pin)."""
    store, total = _generation_of_many_files(tmp_path)
    first = store.current_generation()
    assert first is not None
    view = Snapshot(store, "disk")
    held = view.db()
    unpinned = store.open()
    for n in range(3):
        store.replace_graphs(["http://example.org/g0"], [ox.Quad(ox.NamedNode(f"http://example.org/x{n}"),
                             ox.NamedNode("http://example.org/p"), ox.Literal(str(n)),
                             ox.NamedNode("http://example.org/g0"))])
    assert store.generation() == "gen-000004" and first.is_dir()  # without the pin it was removed here
    assert sum(1 for _ in held.quads_for_pattern(None, None, None, None)) == total
    assert held.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").__next__()["n"].value == str(total)

    assert view.refresh() and view.generation == "gen-000004"  # the first is still pinned: pages may run on it
    store.replace_graphs(["http://example.org/g1"], [])
    assert first.is_dir()
    assert view.refresh() and view.generation == "gen-000005"  # now it is two behind: released
    store.replace_graphs(["http://example.org/g2"], [])
    assert not first.is_dir() and not (store.path / (first.name + PIN_SUFFIX)).exists()
    with pytest.raises(OSError, match="No such file"):
        sum(1 for _ in unpinned.quads_for_pattern(None, None, None, None))
    assert len(view.db()) == total - 3 * 20000 + 1


def test_a_pin_goes_with_its_view(tmp_path: Path) -> None:
    """A pin is a lock held by the reader's process: released with the view (or its process), or by
    `close` (the app's, at its end)."""
    store = GraphStore(tmp_path / "s")
    first = store.replace_all(_quads(0, 10))
    view = Snapshot(store, "disk")
    del view
    gc.collect()
    second = store.replace_all(_quads(1, 10))
    closed = Snapshot(store, "disk")
    for n in range(3):
        store.replace_all(_quads(n + 2, 10))
    assert not first.exists() and second.exists()
    closed.close()
    store.replace_all(_quads(9, 10))
    assert not second.exists()


def test_auto_moves_to_disk_when_the_store_grows_past_the_threshold(store_path: Path, tmp_path: Path) -> None:
    """Below KG_SNAPSHOT_MEMORY_MB the app keeps copies in memory (and follows a small change by its
    delta, making the second copy); a region ingested on top takes the generation past it: the app
    then reads it on disk and drops both copies, and answers as a fresh memory-mode view does."""
    path = _copy(store_path, tmp_path)
    store = GraphStore(path)
    threshold_mb = store.generation_bytes() / 1e6 + 0.5
    app = _app(path, "auto", KG_SNAPSHOT_MEMORY_MB=str(threshold_mb))
    client, snapshot = app.test_client(), app.extensions["kg"].snapshot
    assert snapshot.mode == "auto" and not snapshot.on_disk

    out = CliRunner().invoke(main, ["edit", "organisations", "--change", "s-de-esch", "name=Kindcentrum De Esch",
                                    "--region", "twente", "--store", str(path), "--lang", "en"])
    assert out.exit_code == 0, out.output
    assert "Kindcentrum De Esch" in client.get("/doc/s-de-esch").get_data(as_text=True)
    assert not snapshot.on_disk and snapshot._idle is not None  # followed by its delta: two copies

    db = ox.Store()
    db.extend(generate(40, seed=3, base=SECOND_BASE, graph="https://w3id.org/connective-kg/graph/source/g"))
    write_csv(export(db), tmp_path / "second")
    assert pipeline.ingest(read_path(tmp_path / "second"), "second", SECOND_BASE, store).committed
    assert store.generation_bytes() > threshold_mb * 1e6
    assert client.get("/").status_code == 200
    assert snapshot.on_disk and snapshot._idle is None and snapshot.generation == store.generation()
    fresh = Snapshot(store, "memory")
    for name in ("actor-types", "graph-sizes", "network-members"):
        assert _answers(snapshot.db(), name) == _answers(fresh.db(), name), name
    app.extensions["kg"].close()


@pytest.mark.parametrize("view", ["internal", "public"])
def test_an_iri_resolves_by_its_bound_lookup_as_by_the_whole_query(sample_db, view: str) -> None:
    """queries._candidates looks an IRI up with ?iri bound (what makes a person page's six lookups
    index seeks, on disk as in memory): for every actor and topic, and for an IRI that is neither,
    the answer is the whole query's best-ranked one."""
    from kg.store import run_query

    def whole(name: str, text: str) -> list[tuple[str, str]]:
        rows = [(int(r["rank"].value), r["iri"].value, r["label"].value)
                for r in run_query(sample_db, queries.get(name).text, {"text": ox.Literal(text)}, view)]
        best = min((rank for rank, _, _ in rows), default=0)
        return sorted({(iri, label) for rank, iri, label in rows if rank == best})

    for name, cls in (("resolve-actor", "https://w3id.org/connective-kg/ns#Actor"),
                      ("resolve-topic", "https://w3id.org/connective-kg/ns#Topic")):
        iris = sorted({q.subject.value for q in sample_db.quads_for_pattern(
            None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(cls), None)})
        assert len(iris) > 10
        for text in iris + [BASE + "nobody", "https://knll-twente.example/id/"]:
            assert queries._candidates(sample_db, name, text, view) == whole(name, text), (name, text)
