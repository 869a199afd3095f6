"""The change log page (/history) over a real store with two logged ingests of the Twente
templates (the second with one tie fewer): internal only, the list parsed from the HTML and as
JSON, undo behind a confirmation (a dry run writes nothing), undo refused with the reason in
both languages (nothing written), CSRF, and a store without a change log."""

from __future__ import annotations

import copy
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT, TOKEN

from kg.ingest import pipeline
from kg.ingest.mapping import region_graph
from kg.ingest.read import read_path
from kg.store import GraphStore, log

BASE = "https://knll-twente.example/id/"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Page(HTMLParser):
    """What a test looks at: ids, the CSRF token, forms (id -> action and hidden fields), the
    rows of the change table (by number: cell class -> text), the flash message, and the
    texts of the refusal box by language."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.csrf: str | None = None
        self.forms: dict[str, dict] = {}
        self.rows: dict[int, dict[str, str]] = {}
        self.order: list[int] = []
        self.nav: dict[str, str] = {}
        self.texts: dict[str, str] = {}  # element id -> its text
        self.langs: dict[str, str] = {}  # lang attribute inside #refused -> its text
        self._form: str | None = None
        self._row: int | None = None
        self._cell: str | None = None
        self._open: list[tuple[str, str | None, str | None]] = []  # (tag, id, lang)
        self._in_refused = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "input" and a.get("name") == "csrf_token" and self.csrf is None:
            self.csrf = a.get("value")
        if tag == "form" and a.get("id"):
            self._form = a["id"]
            self.forms[self._form] = {"action": a.get("action", ""), "fields": {}}
        if tag == "input" and self._form and a.get("type") == "hidden":
            self.forms[self._form]["fields"][a.get("name")] = a.get("value")
        if tag == "a" and a.get("id", "").startswith("nav-"):
            self.nav[a["id"]] = a.get("href", "")
        if tag == "tr" and a.get("data-number"):
            self._row = int(a["data-number"])
            self.rows[self._row] = {"class": a.get("class") or ""}
            self.order.append(self._row)
        elif tag == "td" and self._row is not None:
            self._cell = a.get("class")
            self.rows[self._row][self._cell] = ""
        if tag in ("p", "section", "h1", "h2", "li", "span", "dl", "dd", "ul"):
            self._open.append((tag, a.get("id"), a.get("lang")))
            if a.get("id"):
                self.texts[a["id"]] = ""
            if a.get("id") == "refused":
                self._in_refused = len(self._open)
            if self._in_refused and a.get("lang"):
                self.langs.setdefault(a["lang"], "")

    def handle_endtag(self, tag) -> None:
        if tag == "form":
            self._form = None
        if tag == "tr":
            self._row = None
        if tag == "td":
            self._cell = None
        if self._open and self._open[-1][0] == tag:
            if self._in_refused == len(self._open):
                self._in_refused = 0
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._row is not None and self._cell:
            self.rows[self._row][self._cell] += " ".join(data.split()) + " "
        for _, el_id, _ in self._open:
            if el_id:
                self.texts[el_id] += data
        if self._in_refused:
            for _, _, lang in self._open:
                if lang:
                    self.langs[lang] += data

    def cell(self, number: int, name: str) -> str:
        return " ".join(self.rows[number].get(name, "").split())


@pytest.fixture(scope="module")
def logged_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A store folder with change #1 (anna, the Twente templates) and #2 (bob, one tie fewer);
    and the number of ties before #2."""
    path = tmp_path_factory.mktemp("history") / "store"
    store = GraphStore(path)
    wb = read_path(ROOT / "data" / "twente-templates")
    first = pipeline.ingest(wb, "twente", BASE, store, who="anna", source="x.csv")
    assert first.committed and first.full  # into an empty store the full path, logged all the same
    fewer = copy.deepcopy(wb)
    fewer.tables["ties"].rows.pop()
    second = pipeline.ingest(fewer, "twente", BASE, store, who="bob", source="ties.xlsx")
    assert second.committed
    return path, len(wb.tables["ties"].rows)


@pytest.fixture
def app(logged_store, tmp_path):
    """The web app over a private copy of the logged store (each test may change it)."""
    from web import create_app

    path = tmp_path / "store"
    shutil.copytree(logged_store[0], path, symlinks=True)
    application = create_app({"KG_STORE": str(path), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test-secret",
                              "TESTING": True})
    application.store = GraphStore(path)
    yield application
    application.extensions["kg"].close()


def changes(app) -> list[log.Change]:
    return log.history(app.store.open())


def region_quads(app) -> set[ox.Quad]:
    return set(app.store.open().quads_for_pattern(None, None, None, ox.NamedNode(region_graph("twente"))))


def page(client, path: str = "/history?lang=en", status: int = 200) -> Page:
    resp = client.get(path, headers=AUTH)
    assert resp.status_code == status, resp.get_data(as_text=True)[-2000:]
    return Page(resp.get_data(as_text=True))


def test_anonymous_users_are_sent_to_login_or_refused(app) -> None:
    anon = app.test_client()
    resp = anon.get("/history")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    resp = anon.get("/api/history")
    assert resp.status_code == 401 and set(resp.get_json()["message"]) == {"nl", "en"}
    assert "changes" not in resp.get_json()
    before = app.store.generation()
    assert anon.post("/history/2/undo", data={"confirm": "1"}).status_code == 403
    assert anon.get("/history", headers={"Authorization": "Bearer not-the-token"}).status_code == 302
    assert app.store.generation() == before and len(changes(app)) == 2
    assert "nav-history" not in Page(anon.get("/").get_data(as_text=True)).nav
    assert Page(app.test_client().get("/", headers=AUTH).get_data(as_text=True)).nav["nav-history"] == "/history"


def test_the_list_shows_each_change_with_who_source_and_summary(app, logged_store) -> None:
    ties = logged_store[1]
    client = app.test_client()
    resp = client.get("/history?lang=en", headers=AUTH)
    assert resp.headers["Cache-Control"] == "private, no-store"
    p = Page(resp.get_data(as_text=True))
    assert p.order == [2, 1]
    assert (p.cell(1, "who"), p.cell(1, "source"), p.cell(1, "region")) == ("anna", "x.csv", "twente")
    assert (p.cell(2, "who"), p.cell(2, "source"), p.cell(2, "region")) == ("bob", "ties.xlsx", "twente")
    assert f"ties {ties} -> {ties - 1}: 0 added, 1 removed, 0 changed" in p.cell(2, "what")
    assert "people" not in p.cell(2, "what")  # only templates that changed
    assert f"ties 0 -> {ties}: {ties} added, 0 removed, 0 changed" in p.cell(1, "what")
    assert "undone by" not in p.cell(2, "what") and "undoes" not in p.cell(2, "what")
    assert p.forms["undo-2"]["action"] == "/history/2/undo" and "undo-1" in p.forms
    assert "confirm" not in p.forms["undo-2"]["fields"]
    at = p.cell(2, "at")
    assert at[:4].isdigit() and at.endswith("UTC")
    dutch = page(app.test_client(), "/history")
    assert f"ties {ties} -> {ties - 1}: 0 toegevoegd, 1 verwijderd, 0 gewijzigd" in dutch.cell(2, "what")


def test_the_region_filter(app) -> None:
    client = app.test_client()
    assert page(client, "/history?region=twente").order == [2, 1]
    other = page(client, "/history?region=utrecht")
    assert other.order == [] and "no-changes" in other.ids
    assert app.test_client().get("/api/history?region=utrecht", headers=AUTH).get_json()["changes"] == []


def test_the_json_variant_lists_the_changes(app) -> None:
    client = app.test_client()
    for resp in (client.get("/history", headers={**AUTH, "Accept": "application/json"}),
                 client.get("/api/history", headers=AUTH)):
        assert resp.status_code == 200 and resp.mimetype == "application/json"
        assert resp.headers["Cache-Control"] == "private, no-store"
        body = resp.get_json()
        assert body["kept"] is True and body["region"] is None
        assert [(c["number"], c["who"], c["source"], c["undone_by"]) for c in body["changes"]] == \
            [(2, "bob", "ties.xlsx", None), (1, "anna", "x.csv", None)]
        assert body["changes"][0]["summary"]["ties"]["removed"] == 1


def test_undo_asks_first_and_the_question_changes_nothing(app, logged_store) -> None:
    client = app.test_client()
    listing = page(client)
    before, quads = app.store.generation(), region_quads(app)
    resp = client.post("/history/2/undo", data={"csrf_token": listing.csrf}, headers=AUTH)
    assert resp.status_code == 200
    confirm = Page(resp.get_data(as_text=True))
    assert confirm.forms["confirm-form"]["action"] == "/history/2/undo"
    assert confirm.forms["confirm-form"]["fields"]["confirm"] == "1"
    assert "Undo change #2?" in confirm.texts["confirm-h"]
    assert f"ties {logged_store[1]} -> {logged_store[1] - 1}" in confirm.texts["to-undo"]
    assert "bob" in confirm.texts["to-undo"] and "ties.xlsx" in confirm.texts["to-undo"]
    assert "#3" in confirm.texts["effect"]
    assert app.store.generation() == before and region_quads(app) == quads
    assert [c.number for c in changes(app)] == [2, 1]
    assert not [p for p in app.store.path.iterdir() if p.name.startswith("candidate-")]


def test_undo_with_confirmation_is_logged_and_shown(app, logged_store) -> None:
    client = app.test_client()
    listing = page(client)
    with_tie = region_quads(app)
    resp = client.post("/history/2/undo", data={"csrf_token": listing.csrf, "confirm": "1"}, headers=AUTH)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/history")
    log_now = changes(app)
    assert [c.number for c in log_now] == [3, 2, 1]
    assert (log_now[0].undoes, log_now[0].who, log_now[1].undone_by) == (2, "web", 3)
    assert len(region_quads(app)) > len(with_tie)  # the tie is back
    after = page(client)
    assert "Change #2 undone as change #3." in after.texts["undone"]
    assert after.order == [3, 2, 1]
    assert "undone by #3" in after.cell(2, "what") and "undone" in after.rows[2]["class"]
    assert "undoes #2" in after.cell(3, "what") and "undo-2" not in after.forms and "undo-3" in after.forms
    assert "undone" not in page(client).ids  # the message is shown once
    assert app.test_client().get("/api/history", headers=AUTH).get_json()["changes"][1]["undone_by"] == 3

    # the snapshot the pages read follows the undo
    assert log.get(app.extensions["kg"].db(), 2).undone_by == 3
    # undone once: a second undo is refused, in both languages
    again = client.post("/history/2/undo", data={"csrf_token": listing.csrf, "confirm": "1"}, headers=AUTH)
    assert again.status_code == 409
    refused = Page(again.get_data(as_text=True))
    assert "already undone" in refused.langs["en"] and "al ongedaan" in refused.langs["nl"]
    assert len(changes(app)) == 3


@pytest.mark.parametrize("confirm", ["", "1"])
def test_undo_of_a_change_a_later_one_depends_on_is_refused(app, confirm) -> None:
    client = app.test_client()
    listing = page(client)
    before, quads = app.store.generation(), region_quads(app)
    resp = client.post("/history/1/undo", data={"csrf_token": listing.csrf, "confirm": confirm}, headers=AUTH)
    assert resp.status_code == 409
    refused = Page(resp.get_data(as_text=True))
    assert refused.texts["refused"] and "confirm-form" not in refused.forms
    assert "later changes (2)" in refused.langs["en"] and "latere wijzigingen (2)" in refused.langs["nl"]
    assert refused.order == [2, 1]  # the list is shown again
    assert app.store.generation() == before and region_quads(app) == quads
    assert [c.number for c in changes(app)] == [2, 1]
    body = client.post("/history/1/undo", data={"csrf_token": listing.csrf, "confirm": confirm},
                       headers={**AUTH, "Accept": "application/json"})
    assert body.status_code == 409 and "later changes" in body.get_json()["message"]["en"]


def test_undo_of_an_unknown_change_is_not_found(app) -> None:
    client = app.test_client()
    listing = page(client)
    resp = client.post("/history/9/undo", data={"csrf_token": listing.csrf, "confirm": "1"}, headers=AUTH)
    assert resp.status_code == 404
    assert "#9" in Page(resp.get_data(as_text=True)).langs["en"]
    assert len(changes(app)) == 2


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_undo_needs_the_csrf_token(app, token) -> None:
    client = app.test_client()
    page(client)  # the session has a token
    before = app.store.generation()
    data = {"confirm": "1"} if token is None else {"confirm": "1", "csrf_token": token}
    assert client.post("/history/2/undo", data=data, headers=AUTH).status_code == 400
    assert app.store.generation() == before and [c.number for c in changes(app)] == [2, 1]


def test_a_store_without_a_change_log_says_so(app) -> None:
    app.extensions["kg"].store.incremental = False  # as a store that takes no deltas
    client = app.test_client()
    p = page(client)
    assert "no-log" in p.ids and "history" not in p.ids and not p.forms.get("undo-2")
    body = client.get("/api/history", headers=AUTH).get_json()
    assert body["kept"] is False and body["changes"] == [] and set(body["message"]) == {"nl", "en"}
    resp = client.post("/history/2/undo", data={"csrf_token": p.csrf, "confirm": "1"}, headers=AUTH)
    assert resp.status_code == 409
    refused = Page(resp.get_data(as_text=True))
    assert "no change log" in refused.langs["en"] and "geen wijzigingslog" in refused.langs["nl"]
    assert len(changes(app)) == 2
