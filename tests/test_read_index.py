"""The who-knows ranking index (kg.answers.read_index) ranks exactly as the query does.

The oracle is the slow exact path: kg.answers.expertise.ranking, which asks the store
(`expertise-ranking`) topic by topic. After a whole build and after every change of a random
sequence (rows removed, changed, added, whole regions re-ingested: the edits of
test_incremental_write), the index followed change by change gives the query's ranking for every
topic and for pairs of topics, in both views and both languages, and so does an index rebuilt
from scratch.
"""

from __future__ import annotations

import copy
import itertools
import json
import sqlite3
import time
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.answers import actors, expertise, read_index, search, trace
from kg.answers.read_index import FILE_NAME, VIEWS, ReadIndex
from kg.ingest import pipeline as ingest
from kg.ingest.read import Row
from kg.sparql import queries
from kg.store import GraphStore
from tests.test_incremental_write import EDIT, apply_edit, workbooks  # noqa: F401 (a fixture)


def _asked(db: ox.Store) -> list[list[expertise.AskedTopic]]:
    """Every topic on its own, and a few pairs."""
    topics = sorted(expertise.topic_labels(db))
    one = [[{"iri": t, "label": t, "text": t}] for t in topics]
    pairs = [[a[0], b[0]] for a, b in itertools.islice(itertools.combinations(one, 2), 0, None, 60)]
    return one + pairs


def assert_ranks_as_the_query(index: ReadIndex, db: ox.Store, generation: str) -> int:
    """Compare every asked ranking; returns how many actors were ranked in all."""
    ranked = 0
    for asked in _asked(db):
        for view in VIEWS:
            for lang in ("nl", "en"):
                expected = expertise.ranking(db, asked, view, lang)
                assert index.ranking(generation, asked, view, lang, expertise.TYPES) == expected, (asked, view, lang)
                ranked += len(expected)
    people = ("person",)
    asked = _asked(db)[0]
    assert index.ranking(generation, asked, "internal", "nl", people) == expertise.ranking(
        db, asked, "internal", "nl", people)
    return ranked


def assert_counts_as_the_query(index: ReadIndex, db: ox.Store, generation: str) -> None:
    """The counts give `class-sizes` and `graph-sizes`, and the home page's overview from them is the one
    its three whole-store queries give, in both views and languages."""
    for view in VIEWS:
        counted = index.counts(generation, view)
        assert counted is not None
        assert counted["class"] == {r["class"].value: int(r["instances"].value)
                                    for r in queries.run(db, "class-sizes", view=view)}, view
        assert counted["graph"] == {r["graph"].value: int(r["triples"].value)
                                    for r in queries.run(db, "graph-sizes", view=view)}, view
        for lang in ("nl", "en"):
            assert actors.overview(db, view, lang, counted) == actors.overview(db, view, lang), (view, lang)


def assert_adopted_as_the_query(index: ReadIndex, db: ox.Store, generation: str) -> int:
    """The adopted artefacts from the index are those `adopted-artefacts` gives, in the trace page's
    order, in both views and languages, and pages of them (of 3) add up to the whole without a row lost
    or repeated; returns how many rows were compared."""
    compared = 0
    for view in VIEWS:
        for lang in ("nl", "en"):
            expected = trace.adopted_artefacts(db, view, lang)
            assert index.adopted(generation, view, lang) == expected, (view, lang)
            total = expected[0]
            pages = [index.adopted(generation, view, lang, offset, 3) for offset in range(0, total + 3, 3)]
            assert [row for page in pages for row in page[1]] == expected[1]
            assert {page[0] for page in pages} == {total}
            assert trace.adopted_artefacts(db, view, lang, 2, 3, index.adopter(generation)) == (total, expected[1][2:5])
            compared += total
    return compared


def assert_searches_as_the_query(index: ReadIndex, db: ox.Store, generation: str) -> int:
    """Search from the index finds, ranks and cuts exactly as search-labels does, for whole labels in
    several cases, pieces of one to six characters, texts with quotes and texts that match nothing, in
    both views and languages; returns how many hits were compared."""
    labels = sorted({r["l"].value for r in db.query(
        "SELECT DISTINCT ?l WHERE { { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l } UNION "
        "{ ?x <http://www.w3.org/2004/02/skos/core#altLabel> ?l } }", use_default_graph_as_union=True)})
    texts = {"nobody-at-all", 'a"b', "ij", "e", "ÉÉN", "  De   ", "leraar"}
    for label in labels[::max(1, len(labels) // 25)]:
        texts.update({label, label.upper(), label[:2], label[1:4], label[-6:].lower()})
    compared = 0
    for text in sorted(texts):
        for view in VIEWS:
            for lang in ("nl", "en"):
                expected = search.search(db, text, view, lang, search.MAX_LIMIT)
                got = search.search(db, text, view, lang, search.MAX_LIMIT, labels=index.searcher(generation))
                assert got == expected, (text, view, lang)
                compared += len(expected)
    return compared


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(edits=st.lists(EDIT, min_size=2, max_size=3))
def test_the_index_followed_change_by_change_ranks_as_the_query(workbooks, tmp_path_factory, edits) -> None:  # noqa: F811
    with mock.patch.object(read_index, "REBUILD_QUADS_PER_ACTOR", 10**9):  # follow even a whole region's change
        _follow_edits(workbooks, tmp_path_factory, edits)


def _follow_edits(workbooks, tmp_path_factory, edits) -> None:  # noqa: F811
    root = tmp_path_factory.mktemp("ranked")
    store = GraphStore(root / "store")
    index = ReadIndex(root / "state" / FILE_NAME)
    state = dict(workbooks)
    for region, (base, wb) in state.items():
        assert ingest.ingest(wb, region, base, store, who="test", source="first").committed
    generation = store.generation()
    assert index.follow(store, store.snapshot(), generation)
    assert assert_ranks_as_the_query(index, store.snapshot(), generation) > 0
    assert_counts_as_the_query(index, store.snapshot(), generation)
    assert assert_searches_as_the_query(index, store.snapshot(), generation) > 100
    assert assert_adopted_as_the_query(index, store.snapshot(), generation) > 10
    for step, edit in enumerate(edits):
        region, base, wb = apply_edit(state, edit)
        if ingest.ingest(wb, region, base, store, who="test", source="step").committed:
            state[region] = (base, wb)
        if step % 2 == 0 and step < len(edits) - 1:
            continue  # every other time, two changes are followed at once
        generation, db = store.generation(), store.snapshot()  # the oracle is 5x faster in memory
        assert index.follow(store, db, generation, rebuild=False), "a change is followed without a rebuild"
        assert_ranks_as_the_query(index, db, generation)
        assert_counts_as_the_query(index, db, generation)
        assert_searches_as_the_query(index, db, generation)
        assert_adopted_as_the_query(index, db, generation)
    generation, db = store.generation(), store.snapshot()
    assert index.follow(store, db, generation, rebuild=False)
    fresh = ReadIndex(root / "fresh" / FILE_NAME)
    assert fresh.follow(store, db, generation)
    assert _rows(fresh) == _rows(index)


def _rows(index: ReadIndex) -> tuple[list, ...]:
    with sqlite3.connect(index.path) as con:
        return (*(sorted(con.execute(f"SELECT * FROM {table}"))
                  for table in ("actors", "scores", "names", "counts", "adopted")),
                sorted(con.execute("SELECT view, lang, iri, kind, matched, label, folded FROM labels")),
                sorted(con.execute("SELECT l.view, l.lang, l.iri, l.matched FROM label_grams JOIN labels l "
                                   "ON l.id = label_grams.rowid WHERE label_grams MATCH 'e'")))


@pytest.fixture()
def twente(tmp_path, workbooks) -> GraphStore:  # noqa: F811
    store = GraphStore(tmp_path / "store")
    base, wb = workbooks["twente"]
    assert ingest.ingest(wb, "twente", base, store, who="test", source="first").committed
    return store


def change_twente(store: GraphStore, workbooks, edit, source: str) -> None:  # noqa: F811
    """Ingest the Twente workbook with `edit(workbook)` made to a copy of it: a change on the delta path."""
    base, wb = workbooks["twente"]
    wb = copy.deepcopy(wb)
    edit(wb)
    result = ingest.ingest(wb, "twente", base, store, who="test", source=source)
    assert result.committed and not result.full, [(p.code, p.value) for p in result.problems]


def add_tie(wb) -> None:
    """One more row: a joint-work tie on W&T between two people (both gain evidence)."""
    ties = wb.tables["ties"]
    ties.rows.append(Row(max(r.number for r in ties.rows) + 1, {
        "source": "p004", "target": "p011", "depth": "samenwerken", "per_month": "1", "closeness": "3",
        "trust": "3", "topic": "W&T", "year": "2021", "mediated_by": ""}))


def set_cells(table: str, row: int | str, **cells: str):
    """An edit that sets `cells` in row `row` (its index, or its id) of `table`."""
    def edit(wb) -> None:
        rows = wb.tables[table].rows
        found = rows[row] if isinstance(row, int) else next(r for r in rows if r.cells["id"] == row)
        found.cells = {**found.cells, **cells}
    return edit


def test_a_one_row_edit_rescores_the_actors_it_touches(twente, tmp_path, workbooks) -> None:  # noqa: F811
    index = ReadIndex(tmp_path / "state" / FILE_NAME)
    assert index.follow(twente, twente.open(), twente.generation())
    before = twente.generation()
    change_twente(twente, workbooks, add_tie, "one row")
    db = twente.open()
    asked = expertise.resolve_topics(db, ["W&T"])
    assert index.ranking(twente.generation(), asked, "internal", "nl", expertise.TYPES) is None, \
        "an index that describes an older generation does not answer"
    assert index.follow(twente, db, twente.generation(), rebuild=False, max_actors=10)
    assert index.generation() == twente.generation() != before
    assert index.ranking(twente.generation(), asked, "internal", "nl", expertise.TYPES) == expertise.ranking(
        db, asked, "internal", "nl")


def test_without_the_deltas_only_a_rebuild_catches_up(twente, tmp_path) -> None:
    index = ReadIndex(tmp_path / "state" / FILE_NAME)
    assert not index.follow(twente, twente.open(), twente.generation(), rebuild=False), "no index yet: no chain"
    assert index.generation() is None
    assert index.follow(twente, twente.open(), twente.generation())
    assert index.generation() == twente.generation()
    assert ReadIndex.of(twente) is not None and ReadIndex.of(object()) is None


def test_a_networks_new_theme_rescores_its_members(twente, tmp_path, workbooks) -> None:  # noqa: F811
    """A theme is evidence for every member of the network: the delta names the network only."""
    index = ReadIndex(tmp_path / "state" / FILE_NAME)
    assert index.follow(twente, twente.open(), twente.generation())
    change_twente(twente, workbooks, set_cells("networks", "n-bestuurdersoverleg",
                                               themes="professionalisering; rekenen"), "theme")
    base = workbooks["twente"][0]
    db = twente.snapshot()
    asked = expertise.resolve_topics(db, ["rekenen"])
    expected = expertise.ranking(db, asked, "internal", "nl")
    members = {r["actor"].value for r in db.query(
        "SELECT ?n ?actor WHERE { ?m <http://www.w3.org/ns/org#organization> ?n ; <http://www.w3.org/ns/org#member> "
        "?actor }", substitutions={ox.Variable("n"): ox.NamedNode(base + "n-bestuurdersoverleg")},
        use_default_graph_as_union=True)}
    assert members and members <= {r["iri"] for r in expected}, "the members now know about rekenen"
    assert index.follow(twente, db, twente.generation(), rebuild=False)
    assert index.ranking(twente.generation(), asked, "internal", "nl", expertise.TYPES) == expected


def test_the_web_app_reads_the_index_and_keeps_it(twente, tmp_path, workbooks) -> None:  # noqa: F811
    """The finder's API builds the index in the background, then ranks from it (a score changed in the
    index shows in the answer), and follows a one-row change within the request."""
    from web import create_app

    state = tmp_path / "state"
    app = create_app({"KG_STORE": str(twente.path), "KG_STATE_DIR": str(state), "TESTING": True,
                      "KG_SECRET_KEY": "ranking-test", "KG_ANALYTICS_PRECOMPUTE": False})
    client = app.test_client()
    index = ReadIndex(state / FILE_NAME)
    first = client.get("/api/who-knows?topic=W%26T").get_json()
    db = twente.snapshot()
    assert first == json.loads(json.dumps(expertise.who_knows_page(db, ["W&T"], view="public")))
    deadline = time.monotonic() + 120
    while index.generation() != twente.generation():
        assert time.monotonic() < deadline, "the background build did not finish"
        time.sleep(0.1)
    expected = expertise.who_knows_page(db, ["rekenen"], view="public")
    last = expected["results"][-1]["iri"]
    with sqlite3.connect(index.path) as con:  # the last one jumps to the top if the app reads the index
        con.execute("UPDATE scores SET score = score + 100 WHERE actor = ? AND topic = ?",
                    (last, expected["topics"][0]["iri"]))
    got = client.get("/api/who-knows?topic=rekenen&limit=100").get_json()
    assert got["results"][0]["iri"] == last and got["total"] == expected["total"]

    change_twente(twente, workbooks, add_tie, "one row")
    after = client.get("/api/who-knows?topic=digitale+geletterdheid").get_json()
    assert index.generation() == twente.generation(), "a small change is followed inside the request"
    assert after == json.loads(json.dumps(expertise.who_knows_page(twente.snapshot(), ["digitale geletterdheid"],
                                                                   view="public")))


def assert_names_as_the_query(index: ReadIndex, db: ox.Store, generation: str) -> int:
    """Every actor's local id, labels (as written, upper and lower case) and a few texts that match
    nothing give resolve-actor's answer from the index; returns how many texts were compared."""
    texts = {"nobody-at-all", "p00", "Marieke"}
    for r in db.query("SELECT ?a ?name WHERE { ?a a <https://w3id.org/connective-kg/ns#Actor> "
                      "OPTIONAL { ?a <http://www.w3.org/2000/01/rdf-schema#label> ?name } }",
                      use_default_graph_as_union=True):
        iri = r["a"].value
        local = iri[max(iri.rfind("/"), iri.rfind("#")) + 1:]
        texts.update({local, local.upper()})  # an id matches as written only
        if r["name"] is not None:
            texts.update({r["name"].value, r["name"].value.upper(), r["name"].value.lower()})
    compared = 0
    for text in sorted(texts):
        for view in VIEWS:
            got = index.names(generation, text, view)
            if got is None:  # a text the index leaves to the query (a / or #)
                assert "/" in text or "#" in text or not text
                continue
            assert got == queries._candidates(db, "resolve-actor", text, view), (text, view)
            compared += 1
    return compared


def test_names_resolve_as_the_query_and_follow_a_rename(twente, tmp_path, workbooks) -> None:  # noqa: F811
    index = ReadIndex(tmp_path / "state" / FILE_NAME)
    db = twente.snapshot()
    assert index.follow(twente, db, twente.generation())
    assert assert_names_as_the_query(index, db, twente.generation()) > 300
    change_twente(twente, workbooks, set_cells("people", 0, name="Anna de Nieuwe Naam"), "rename")
    base, wb = workbooks["twente"]
    person = wb.tables["people"].rows[0]
    db = twente.snapshot()
    assert index.follow(twente, db, twente.generation(), rebuild=False)
    assert index.names(twente.generation(), "anna DE nieuwe naam", "internal") == [
        (base + person.cells["id"], "Anna de Nieuwe Naam")]
    assert assert_names_as_the_query(index, db, twente.generation()) > 300
    assert queries.resolve_actor(db, "ANNA de nieuwe naam", "internal",
                                 index.namer(twente.generation())).value == base + person.cells["id"]


def test_kg_who_knows_and_kg_trace_build_and_read_the_index(twente, tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    state = tmp_path / "state"
    monkeypatch.setenv("KG_STATE_DIR", str(state))
    runner = CliRunner()
    out = runner.invoke(main, ["who-knows", "--store", str(twente.path), "W&T", "--format", "json", "--limit", "100"])
    assert out.exit_code == 0, out.output
    index = ReadIndex(state / FILE_NAME)
    assert index.generation() == twente.generation(), "the first who-knows builds the index"
    db = twente.snapshot()
    assert json.loads(out.output) == json.loads(json.dumps(expertise.who_knows_page(db, ["W&T"], limit=100)))
    with sqlite3.connect(index.path) as con:  # a name only the index knows: the trace reads it there
        con.execute("UPDATE names SET key = 'only-in-the-index' WHERE key = 'a-kijkwijzer-ol' AND view = 'internal'")
    traced = runner.invoke(main, ["trace", "--store", str(twente.path), "only-in-the-index", "--format", "json"])
    assert traced.exit_code == 0, traced.output
    assert json.loads(traced.output)["artefact"]["iri"].endswith("/a-kijkwijzer-ol")


def test_kg_index_follows_a_change_and_rebuilds_alike(twente, tmp_path, monkeypatch, workbooks) -> None:  # noqa: F811
    from click.testing import CliRunner

    from kg.cli import main

    monkeypatch.setenv("KG_STATE_DIR", str(tmp_path / "state"))
    index = ReadIndex(tmp_path / "state" / FILE_NAME)
    runner = CliRunner()
    assert runner.invoke(main, ["index", "--store", str(twente.path)]).exit_code == 0
    assert index.generation() == twente.generation()
    change_twente(twente, workbooks, set_cells("people", 1, expertise="rekenen"), "expertise")
    out = runner.invoke(main, ["index", "--store", str(twente.path)])
    assert out.exit_code == 0 and twente.generation() in out.output
    followed = _rows(index)
    assert runner.invoke(main, ["index", "--store", str(twente.path), "--rebuild"]).exit_code == 0
    assert _rows(index) == followed and index.generation() == twente.generation()
    remote = runner.invoke(main, ["index", "--store", "sparql+http://127.0.0.1:9/query"])
    assert remote.exit_code == 3 and "read index" in remote.output


def test_a_page_does_not_wait_for_another_maintainer(twente, tmp_path, workbooks) -> None:  # noqa: F811
    index = ReadIndex(tmp_path / "state" / FILE_NAME)
    assert index.follow(twente, twente.open(), twente.generation())
    before = twente.generation()
    change_twente(twente, workbooks, set_cells("people", 2, expertise="rekenen"), "expertise")
    blocker = sqlite3.connect(index.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process is bringing the index up to date
    try:
        assert not index.follow_in_background(twente, twente.snapshot(), twente.generation())
        assert index.generation() == before, "the page answers from the store meanwhile"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    deadline = time.monotonic() + 60
    while index.generation() != twente.generation():  # the background thread does it once the lock is free
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_change_too_large_to_follow_is_rebuilt(twente, tmp_path, workbooks) -> None:  # noqa: F811
    index = ReadIndex(tmp_path / "state" / FILE_NAME)
    assert index.follow(twente, twente.open(), twente.generation())
    change_twente(twente, workbooks, set_cells("people", 3, expertise="rekenen; W&T"), "expertise")
    with mock.patch.object(read_index, "REBUILD_QUADS_PER_ACTOR", 0):  # every change is "too large"
        assert not index.follow(twente, twente.open(), twente.generation(), rebuild=False)
        assert index.follow(twente, twente.open(), twente.generation())
    fresh = ReadIndex(tmp_path / "fresh" / FILE_NAME)
    assert fresh.follow(twente, twente.open(), twente.generation())
    assert _rows(fresh) == _rows(index)


def test_an_index_file_without_its_tables_yet_is_no_index(twente, tmp_path) -> None:
    """Another process has just made the file (kg serve's workers, under load): readers ask the store."""
    path = tmp_path / "state" / FILE_NAME
    path.parent.mkdir()
    sqlite3.connect(path).close()  # the file, no tables
    index = ReadIndex(path)
    db = twente.snapshot()
    asked = expertise.resolve_topics(db, ["W&T"])
    assert index.generation() is None
    assert index.ranking(twente.generation(), asked, "internal", "nl", expertise.TYPES) is None
    assert index.names(twente.generation(), "p001", "internal") is None
    assert index.follow(twente, db, twente.generation())  # a maintainer makes the tables
    assert index.ranking(twente.generation(), asked, "internal", "nl", expertise.TYPES) == expertise.ranking(db, asked)


def _app_with_an_index(store: GraphStore, tmp_path) -> tuple:
    """A test client of the web app on `store` and its read index, built for the current generation."""
    from web import create_app

    state = tmp_path / "state"
    app = create_app({"KG_STORE": str(store.path), "KG_STATE_DIR": str(state), "TESTING": True,
                      "KG_SECRET_KEY": "index-test", "KG_ANALYTICS_PRECOMPUTE": False})
    index = ReadIndex(state / FILE_NAME)
    assert index.follow(store, store.open(), store.generation())
    return app.test_client(), index


def test_the_home_page_counts_from_the_index_and_follows_a_change(twente, tmp_path, workbooks) -> None:  # noqa: F811
    """The home page reads its counts from the index (a count changed in the index shows on the page),
    follows a one-row change within the request and then shows what the store's queries count."""
    from tests.test_web import Tables

    client, index = _app_with_an_index(twente, tmp_path)

    def shown() -> tuple[dict[str, int], dict[str, int]]:
        parser = Tables()
        parser.feed(client.get("/").get_data(as_text=True))
        return ({row[0]: int(row[1]) for row in parser.tables["actors"] if row},
                {row[0]: int(row[1]) for row in parser.tables["graphs"] if row})

    def counted() -> tuple[dict[str, int], dict[str, int]]:
        db = twente.snapshot()
        return ({r["label"].value: int(r["actors"].value) for r in queries.run(db, "actor-types", {"lang": "nl"}, "public")},
                {r["graph"].value: int(r["triples"].value) for r in queries.run(db, "graph-sizes", view="public")})

    person = "https://w3id.org/connective-kg/ns#Person"
    with sqlite3.connect(index.path) as con:
        right = con.execute("SELECT n FROM counts WHERE view = 'public' AND what = 'class' AND key = ?",
                            (person,)).fetchone()[0]
        con.execute("UPDATE counts SET n = 4242 WHERE view = 'public' AND what = 'class' AND key = ?", (person,))
    page = shown()
    assert page[0]["persoon"] == 4242, "the page reads the index"
    page[0]["persoon"] = right
    before = counted()
    assert page == before
    with sqlite3.connect(index.path) as con:
        con.execute("UPDATE counts SET n = ? WHERE view = 'public' AND what = 'class' AND key = ?", (right, person))
    change_twente(twente, workbooks, add_tie, "one row")
    assert shown() == counted() != before
    assert index.generation() == twente.generation(), "a small change is followed inside the request"


def test_an_index_of_another_schema_version_is_rebuilt_and_not_read(twente, tmp_path) -> None:
    index = ReadIndex(tmp_path / "state" / FILE_NAME)
    db = twente.snapshot()
    assert index.follow(twente, db, twente.generation())
    with sqlite3.connect(index.path) as con:
        con.execute("UPDATE meta SET value = 'old' WHERE key = 'schema'")
    assert index.generation() is None and index.counts(twente.generation(), "internal") is None
    assert index.follow(twente, db, twente.generation(), rebuild=False) is False, "no chain from an unknown version"
    assert index.follow(twente, db, twente.generation())
    assert_counts_as_the_query(index, db, twente.generation())


def test_search_reads_the_index_and_follows_a_rename(twente, tmp_path, workbooks) -> None:  # noqa: F811
    """The search page and API read the index (a label changed in the index shows), and a renamed
    person is found by the new name and no longer by the old one after a one-row change."""
    client, index = _app_with_an_index(twente, tmp_path)
    with sqlite3.connect(index.path) as con:
        con.execute("UPDATE labels SET label = 'Gewijzigd in de index' WHERE iri LIKE '%a-kijkwijzer-ol' AND view = 'public'")
    got = client.get("/api/search?q=kijkwijzer+onderzoekend").get_json()["results"]
    assert got[0]["label"] == "Gewijzigd in de index", "the API reads the index"
    base, wb = workbooks["twente"]
    old = wb.tables["people"].rows[0].cells["name"]
    change_twente(twente, workbooks, set_cells("people", 0, name="Zwaantje Zoekbaar"), "rename")
    hits = client.get("/api/search?q=zoekbaar").get_json()["results"]
    assert index.generation() == twente.generation(), "a small change is followed inside the request"
    db = twente.snapshot()
    assert [h["iri"] for h in hits] == [h["iri"] for h in search.search(db, "zoekbaar", "public")]
    person = base + wb.tables["people"].rows[0].cells["id"]
    assert [h["iri"] for h in search.search(db, "zoekbaar", "internal", labels=index.searcher(twente.generation()))
            ] == [person]
    assert [h["iri"] for h in search.search(db, old, "internal", labels=index.searcher(twente.generation()))] == [
        h["iri"] for h in search.search(db, old, "internal")]
    assert not [h for h in search.search(db, old, "internal", labels=index.searcher(twente.generation()))
                if h["iri"] == person], "the old name is gone"


def test_the_label_scan_gives_what_searchable_labels_gives(twente) -> None:
    """A rebuild reads the searched labels by scanning (`_scan_labels`); the query is the oracle."""
    db = twente.snapshot()
    for view in VIEWS:
        scanned = read_index._scan_labels(db, view)
        for lang in ("nl", "en"):
            expected = sorted({(r["iri"].value, r["kind"].value, r["matchedLabel"].value, r["label"].value)
                               for r in read_index.run_query(db, queries.get("searchable-labels").text,
                                                             {"lang": ox.Literal(lang)}, view)})
            assert scanned[lang] == expected and len(expected) > 300, (view, lang)


def test_the_trace_page_pages_its_artefacts_from_the_index_and_follows_a_change(twente, tmp_path, workbooks) -> None:  # noqa: F811
    """Without an artefact the trace page lists a page of the adopted artefacts from the index (a row
    changed in the index shows), with the count and links to the next and previous page; an adoption
    removed by a one-row change is followed within the request; a bad offset says so (400)."""
    from tests.test_actor_pages import by_id, parse_html

    client, index = _app_with_an_index(twente, tmp_path)

    def listed(url: str) -> tuple[list[tuple[str, str]], str, dict[str, str]]:
        root = parse_html(client.get(url).get_data(as_text=True))
        choices, pager = by_id(root, "choices"), by_id(root, "pager")
        assert choices is not None and pager is not None
        rows = [(a.get("href"), "".join(a.itertext())) for a in choices.iter("a") if "artefact=" in (a.get("href") or "")]
        return rows, "".join(next(e for e in pager.iter() if e.get("class") == "range").itertext()), {
            a.get("rel"): a.get("href") for a in pager.iter("a")}

    db = twente.snapshot()
    total, expected = trace.adopted_artefacts(db, "public", "nl")
    assert total > 3
    rows, shown, links = listed("/trace")
    assert [label for _, label in rows] == [r["artefact"]["label"] for r in expected[:20]]
    assert shown == f"1–{min(20, total)} van {total}" and "prev" not in links
    rows, shown, links = listed("/trace?offset=2&lang=en")
    assert [parse_qs(urlsplit(href).query)["artefact"][0] for href, _ in rows][:1] == [expected[2]["artefact"]["iri"]]
    assert shown.startswith("3–") and links["prev"] == "/trace?offset=0&lang=en"
    first = expected[0]["artefact"]["iri"]
    with sqlite3.connect(index.path) as con:
        con.execute("UPDATE adopted SET label = 'Uit de index' WHERE view = 'public' AND lang = 'nl' AND artefact = ?",
                    (first,))
    assert listed("/trace?lang=nl")[0][0][1] == "Uit de index", "the page reads the index (a URL not cached yet)"
    with sqlite3.connect(index.path) as con:
        con.execute("UPDATE adopted SET label = ? WHERE view = 'public' AND lang = 'nl' AND artefact = ?",
                    (expected[0]["artefact"]["label"], first))
    gone = next(r for r in workbooks["twente"][1].tables["adoptions"].rows  # no later adoption names it as source
                if r.cells["artefact"] == "a-werkplekafspraken" and r.cells["adopter"] == "s-de-wielewaal")

    def remove_adoption(wb) -> None:
        wb.tables["adoptions"].rows = [r for r in wb.tables["adoptions"].rows if r.number != gone.number]
    change_twente(twente, workbooks, remove_adoption, "one adoption less")
    after = trace.adopted_artefacts(twente.snapshot(), "public", "nl")
    assert after != (total, expected)
    assert [label for _, label in listed("/trace")[0]] == [r["artefact"]["label"] for r in after[1][:20]]
    assert index.generation() == twente.generation(), "a small change is followed inside the request"
    r = client.get("/trace?offset=-1")
    assert r.status_code == 400 and 'data-problem="trace_bad_offset"' in r.get_data(as_text=True)


def test_a_hidden_persons_label_is_kept_once_when_followed(tmp_path, workbooks) -> None:  # noqa: F811
    """Found by the edit sequences above: a person added without public consent has the same anonymous
    label in Dutch and English, which `searchable-labels` returns twice; the followed index kept it twice
    where a rebuild keeps it once."""
    with mock.patch.object(read_index, "REBUILD_QUADS_PER_ACTOR", 10**9):
        store = GraphStore(tmp_path / "store")
        index = ReadIndex(tmp_path / "state" / FILE_NAME)
        state = dict(workbooks)
        for region, (base, wb) in state.items():
            assert ingest.ingest(wb, region, base, store, who="test", source="first").committed
        assert index.follow(store, store.snapshot(), store.generation())
        region, base, wb = apply_edit(state, (1, "add", 18, 1018, 0, 0))  # a person, not public
        assert ingest.ingest(wb, region, base, store, who="test", source="step").committed
        db = store.snapshot()
        assert index.follow(store, db, store.generation(), rebuild=False)
        fresh = ReadIndex(tmp_path / "fresh" / FILE_NAME)
        assert fresh.follow(store, db, store.generation())
        assert _rows(fresh) == _rows(index)
