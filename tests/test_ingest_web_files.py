"""The upload page with the files people have and with hostile ones (issue 10, parts 4 and 6), on a
real HTTP server over its own store: Dutch Excel's CSV files check clean and commit; damaged, lying,
XXE, billion-laughs, macro and linked workbooks get a 400 with the reason in Dutch and English; a
200,000-character field and an invalid licence IRI are problems in the report; never a 500, and a
refused upload writes nothing."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import TOKEN, LiveServer
from test_ingest_read import ACCENTED, HOSTILE, WHY, csv_bytes, day_first, dutch_number, sample, transform, zip_of
from test_ingest_web import Client, check_upload, follow

from kg.ingest.mapping import region_graph
from kg.store import GraphStore, digest


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from web import create_app

    path = tmp_path_factory.mktemp("ingest-web-files")
    store = GraphStore(path / "store")
    app = create_app({"KG_STORE": str(store.path), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test-secret",
                      "KG_UPLOAD_DIR": str(path / "uploads"), "KG_UPLOAD_MAX_BYTES": 2 * 1024 * 1024})
    srv = LiveServer(app)
    srv.store = store
    yield srv
    srv.stop()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_uploads_get_400_with_the_reason(server, name: str) -> None:
    before = digest(server.store.open())
    status, page, body = check_upload(Client(server.url), name, HOSTILE[name]())
    text = body.decode()
    assert status == 400 and "input-error" in page.ids, status
    assert WHY[name] in text and "Kan " in text and "Cannot read" in text
    assert digest(server.store.open()) == before


def test_a_long_field_and_a_bad_licence_are_problems_in_the_report(server) -> None:
    rows = sample()
    cross, art = rows["crossings"], rows["artefacts"]
    cross[3][cross[0].index("description")] = "x" * 200_000
    art[1][art[0].index("licence")] = 'https://example.org/licence"onmouseover="x'
    before = digest(server.store.open())
    status, page, _ = check_upload(Client(server.url), "lang.zip",
                                   zip_of({f"{n}.csv": csv_bytes(t) for n, t in rows.items()}))
    assert status == 200 and "not-clean" in page.ids
    got = {(r["severity"], r["template"], r["row"], r["column"]) for r in page.rows["problems"]}
    assert ("fout", "crossings", "4", "description") in got
    assert ("waarschuwing", "artefacts", "2", "licence") in got
    assert digest(server.store.open()) == before


def test_dutch_excel_csv_checks_clean_and_commits_with_its_accents(server) -> None:
    variant = transform(sample(ACCENTED), date=day_first, number=dutch_number)
    data = zip_of({f"twente/{n}.csv": csv_bytes(t, sep=";", encoding="cp1252") for n, t in variant.items()})
    client = Client(server.url)
    status, page, _ = check_upload(client, "twente.zip", data)
    assert status == 200 and "clean" in page.ids
    assert {r["severity"] for r in page.rows["problems"]} <= {"melding"}
    status, body = follow(client, *client.post(page.forms["commit-form"], {"csrf_token": page.csrf,
                                                                           "sha256": page.sha}))
    assert status == 200 and 'id="committed"' in body.decode(), body.decode()[:3000]
    db = server.store.open()
    labels = {q.object.value for q in db.quads_for_pattern(None, None, None, ox.NamedNode(region_graph("twente")))
              if isinstance(q.object, ox.Literal)}
    assert set(ACCENTED.values()) <= labels, sorted(labels)[:50]
    budget = ox.NamedNode("https://w3id.org/connective-kg/ns#budgetEur")
    assert {q.object.value for q in db.quads_for_pattern(None, budget, None, None)} >= {"2500", "25000"}
