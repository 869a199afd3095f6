"""Editing one record in the browser (issue 17 item 4) over a real store holding the Twente
templates as an ingested region: only signed-in staff; the form holds the row as the templates
export it (compared with the CSV files read independently); problems at their fields in Dutch and
English with nothing written; a clean check asks to confirm and writes nothing; confirmed, the
change is committed, logged as the web's and gives the same region graph as `kg edit` (the
command line's path) on a copy of the same store; adding a tie from a person's page; removing a
membership; CSRF."""

from __future__ import annotations

import csv
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
from conftest import ROOT, TOKEN
from test_cli import kg

from kg.ingest import pipeline
from kg.ingest.mapping import region_graph
from kg.ingest.read import read_path
from kg.ingest.templates import value_lists
from kg.rdf.rdfio import canonical
from kg.store import GraphStore, log

BASE = "https://knll-twente.example/id/"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CKG = "https://w3id.org/connective-kg/ns#"
ORG = "http://www.w3.org/ns/org#"
TEMPLATES = ROOT / "data" / "twente-templates"


class Form(HTMLParser):
    """The forms of a page (id -> {field name: value}), ids, texts of elements with an id, and the
    field errors by column with their languages."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.readonly: set[str] = set()
        self.ids: dict[str, str] = {}
        self.errors: dict[str, dict[str, str]] = {}  # column -> {lang: text}
        self.links: dict[str, str] = {}
        self.datalists: dict[str, list[str]] = {}  # id -> option values
        self._datalist: str | None = None
        self._form: str | None = None
        self._open: list[tuple[str, str | None]] = []
        self._column: str | None = None
        self._error: str | None = None
        self._lang: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = a.get("id")
            self.forms[self._form or ""] = {}
        if tag == "input" and self._form is not None and a.get("name"):
            self.forms[self._form or ""][a["name"]] = a.get("value") or ""
            if "readonly" in a:
                self.readonly.add(a["name"])
        if tag == "div" and a.get("data-column"):
            self._column = a["data-column"]
        if tag == "p" and "field-error" in (a.get("class") or ""):
            self._error = self._column
            self.errors[self._column or ""] = {}
        if tag == "span" and self._error is not None and a.get("lang"):
            self._lang = a["lang"]
            self.errors[self._error][self._lang] = ""
        if tag == "datalist":
            self._datalist = a.get("id")
            self.datalists[self._datalist or ""] = []
        if tag == "option" and self._datalist is not None:
            self.datalists[self._datalist].append(a.get("value") or "")
        if tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href") or ""
        if a.get("id"):
            self.ids.setdefault(a["id"], "")
        self._open.append((tag, a.get("id")))

    def handle_endtag(self, tag) -> None:
        if tag == "datalist":
            self._datalist = None
        if tag == "form":
            self._form = None
        if tag == "p":
            self._error = None
        if tag == "span":
            self._lang = None
        while self._open:
            t, _ = self._open.pop()
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, el in self._open:
            if el:
                self.ids[el] += data
        if self._error is not None and self._lang:
            self.errors[self._error][self._lang] += data


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("edit") / "store"
    result = pipeline.ingest(read_path(TEMPLATES), "twente", BASE, GraphStore(path), who="anna", source="x.csv")
    assert result.committed
    return path


@pytest.fixture
def app(ingested, tmp_path):
    """The web app over a private copy of the store (each test may change it)."""
    from web import create_app

    path = tmp_path / "store"
    shutil.copytree(ingested, path, symlinks=True)
    application = create_app({"KG_STORE": str(path), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test-secret",
                              "TESTING": True, "KG_ANALYTICS_PRECOMPUTE": "0"})
    application.store = GraphStore(path)
    yield application
    application.extensions["kg"].close()


def relation(store: GraphStore, p1: str, o1: str, p2: str, o2: str) -> str:
    """The IRI of the region's relation node with (p1 BASE+o1) and (p2 BASE+o2)."""
    db, graph = store.open(), ox.NamedNode(region_graph("twente"))
    return next(q.subject.value for q in db.quads_for_pattern(None, ox.NamedNode(p1), ox.NamedNode(BASE + o1), graph)
                if any(True for _ in db.quads_for_pattern(q.subject, ox.NamedNode(p2), ox.NamedNode(BASE + o2), graph)))


def rows(template: str) -> list[dict[str, str]]:
    with open(TEMPLATES / f"{template}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def region(store: GraphStore) -> set[ox.Quad]:
    return set(canonical(store.open().quads_for_pattern(None, None, None, ox.NamedNode(region_graph("twente")))))


def get(client, path: str, status: int = 200) -> Form:
    resp = client.get(path, headers=AUTH)
    assert resp.status_code == status, resp.get_data(as_text=True)[-1500:]
    return Form(resp.get_data(as_text=True))


def post(client, fields: dict[str, str]):
    return client.post("/edit?lang=en", data=fields, headers=AUTH)


def test_only_staff_may_edit(app) -> None:
    anon = app.test_client()
    resp = anon.get(f"/edit?iri={BASE}p017")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    before = app.store.generation()
    assert anon.post("/edit", data={"template": "people", "region": "twente", "action": "remove",
                                    "key": "p017", "confirm": "1"}).status_code == 403
    assert app.store.generation() == before
    page = Form(anon.get("/doc/p017").get_data(as_text=True))
    assert "edit-link" not in page.links, "the public page offers no editing"


def test_the_form_holds_the_row_as_the_templates_give_it(app) -> None:
    client = app.test_client()
    person = next(r for r in rows("people") if r["id"] == "p017")
    page = get(client, "/doc/p017?lang=en")
    href = urlsplit(page.links["edit-link"])
    assert href.path == "/edit" and parse_qs(href.query) == {"iri": [BASE + "p017"]}
    form = get(client, f"/edit?iri={BASE}p017&lang=en").forms["edit-form"]
    assert (form["template"], form["region"], form["action"], form["key"]) == ("people", "twente", "change", "p017")
    shown = {k[len("cell-"):]: v for k, v in form.items() if k.startswith("cell-")}
    assert set(shown) == set(person)
    # the export writes lists in its own order and separator: compare as sets of items
    for column, value in person.items():
        assert {v.strip() for v in shown[column].split(";") if v.strip()} == \
               {v.strip() for v in value.split(";") if v.strip()}, column
    assert "cell-id" in get(client, f"/edit?iri={BASE}p017").readonly
    # value columns offer their list's terms (the check still decides)
    ties_form = get(client, "/edit/new/ties?region=twente")
    assert ties_form.datalists["choices-depth"] == value_lists()["depth"].terms() and "samenwerken" in \
        ties_form.datalists["choices-depth"]
    # a relation row is named by its node id, and a vocabulary concept is no row
    tie = get(client, f"/edit?iri={relation(app.store, CKG + 'source', 'p001', CKG + 'target', 'p002')}").forms[
        "edit-form"]
    assert (tie["cell-source"], tie["cell-target"], tie["cell-depth"]) == ("p001", "p002", "samenwerken")
    resp = client.get("/edit?iri=https://w3id.org/connective-kg/vocab/depth/samenwerken&lang=en", headers=AUTH)
    assert resp.status_code == 404 and "no row of an ingested region" in resp.get_data(as_text=True)


def test_problems_are_shown_at_their_fields_and_nothing_is_written(app) -> None:
    client = app.test_client()
    form = get(client, f"/edit?iri={BASE}p017").forms["edit-form"]
    before, quads = app.store.generation(), region(app.store)
    resp = post(client, {**form, "cell-organisation": "s-does-not-exist"})
    assert resp.status_code == 422
    page = Form(resp.get_data(as_text=True))
    assert set(page.errors) == {"organisation"}
    assert set(page.errors["organisation"]) == {"nl", "en"} and "s-does-not-exist" in page.errors["organisation"]["en"]
    tie = {"csrf_token": form["csrf_token"], "template": "ties", "region": "twente", "action": "add", "key": "",
           "cell-source": "p017", "cell-target": "p017", "cell-depth": "samenwerken", "cell-year": "2025"}
    resp = post(client, tie)
    assert resp.status_code == 422
    page = Form(resp.get_data(as_text=True))
    assert page.errors and all(set(e) == {"nl", "en"} and e["nl"] and e["en"] for e in page.errors.values())
    assert app.store.generation() == before and region(app.store) == quads
    assert len(log.history(app.store.open())) == 1


def test_a_change_is_confirmed_committed_logged_and_equal_to_kg_edit(app, tmp_path) -> None:
    client = app.test_client()
    other = tmp_path / "cli-store"
    shutil.copytree(app.store.path, other, symlinks=True)
    form = get(client, f"/edit?iri={BASE}p017").forms["edit-form"]
    before, quads = app.store.generation(), region(app.store)
    old_org = form["cell-organisation"]
    new_org = next(r["id"] for r in rows("organisations") if r["type"] == "school" and r["id"] != old_org)
    resp = post(client, {**form, "cell-organisation": new_org})
    assert resp.status_code == 200
    confirm = Form(resp.get_data(as_text=True))
    assert "what-changes" in confirm.ids and "people: 0 added, 0 removed, 1 changed" in confirm.ids["what-changes"]
    assert app.store.generation() == before and region(app.store) == quads, "a check writes nothing"
    fields = confirm.forms["confirm-form"]
    assert fields["confirm"] == "1" and fields["cell-organisation"] == new_org
    resp = post(client, fields)
    assert resp.status_code == 303
    number = log.history(app.store.open())[0].number
    assert resp.headers["Location"].endswith(f"/doc/p017?stored={number}")
    change = log.get(app.store.open(), number)
    assert (change.who, change.source, change.region) == ("web", "kg edit people", "twente")
    page = get(client, resp.headers["Location"] + "&lang=en")
    assert page.ids["stored"] == f"Stored as change #{number}."
    # the command line's path on a copy of the same store gives the same region graph
    kg("edit", "people", "--region", "twente", "--change", "p017", f"organisation={new_org}",
       "--store", str(other))
    assert region(app.store) == region(GraphStore(other)) != quads


def test_a_tie_added_from_a_persons_page_and_a_membership_removed(app) -> None:
    client = app.test_client()
    link = get(client, "/doc/p017?lang=en").links["add-tie"]
    form = get(client, link).forms["edit-form"]
    assert (form["action"], form["cell-source"], form["cell-target"]) == ("add", "p017", "")
    target = next(r["id"] for r in rows("people") if r["id"] not in ("p017",) and not any(
        {t["source"], t["target"]} == {"p017", r["id"]} for t in rows("ties")))
    resp = post(client, {**form, "cell-target": target, "cell-depth": "delen", "cell-year": "2025",
                         "cell-per_month": "1"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[-3000:]
    confirm = Form(resp.get_data(as_text=True))
    assert "ties: 1 added, 0 removed, 0 changed" in confirm.ids["what-changes"]
    resp = post(client, confirm.forms["confirm-form"])
    assert resp.status_code == 303 and "/history" in resp.headers["Location"]
    assert relation(app.store, CKG + "source", "p017", CKG + "target", target)
    # remove one of p017's memberships
    membership = next(r for r in rows("memberships") if r["member"] == "p017")
    node = relation(app.store, ORG + "member", "p017", ORG + "organization", membership["network"])
    page = get(client, f"/edit?iri={node}")
    confirm = Form(post(client, page.forms["remove-form"]).get_data(as_text=True))
    assert "memberships: 0 added, 1 removed, 0 changed" in confirm.ids["what-changes"]
    assert post(client, confirm.forms["confirm-form"]).status_code == 303
    assert not list(app.store.open().quads_for_pattern(ox.NamedNode(node), None, None, None))
    assert [c.source for c in log.history(app.store.open())][:2] == ["kg edit memberships", "kg edit ties"]


def test_a_form_without_the_csrf_token_is_refused(app) -> None:
    client = app.test_client()
    form = get(client, f"/edit?iri={BASE}p017").forms["edit-form"]
    before = app.store.generation()
    for token in (None, "not-the-token"):
        fields = {k: v for k, v in form.items() if k != "csrf_token"}
        if token:
            fields["csrf_token"] = token
        assert post(client, {**fields, "action": "remove", "confirm": "1"}).status_code == 400
    assert app.store.generation() == before and len(log.history(app.store.open())) == 1


def edit_organisation(app, person: str) -> tuple[str, int]:
    """Change `person`'s school on the web (check, confirm); the new school and the change's number."""
    client = app.test_client()
    form = get(client, f"/edit?iri={BASE}{person}").forms["edit-form"]
    new_org = next(r["id"] for r in rows("organisations") if r["type"] == "school" and r["id"] != form["cell-organisation"])
    confirm = Form(post(client, {**form, "cell-organisation": new_org}).get_data(as_text=True))
    assert post(client, confirm.forms["confirm-form"]).status_code == 303
    return new_org, log.history(app.store.open())[0].number


def test_an_edit_survives_exporting_and_ingesting_the_region_again(app, tmp_path) -> None:
    new_org, _ = edit_organisation(app, "p017")
    out = tmp_path / "exported"
    kg("export", "--templates", str(out), "--region", "twente", "--store", str(app.store.path))
    with open(out / "people.csv", newline="", encoding="utf-8") as f:
        assert next(r for r in csv.DictReader(f) if r["id"] == "p017")["organisation"] == new_org
    result = pipeline.check(read_path(out), "twente", BASE, app.store)
    try:
        assert result.ok and result.changes is not None and result.changes.unchanged
        assert not [p for p in result.problems if p.code == "discards_edit"]
    finally:
        pipeline.discard(result)


def test_a_reupload_that_would_discard_an_edit_says_so(app) -> None:
    _, number = edit_organisation(app, "p017")
    old = read_path(TEMPLATES)  # the spreadsheet from before the edit
    result = pipeline.check(old, "twente", BASE, app.store, who="anna", source="people.xlsx")
    warned = [p for p in result.problems if p.code == "discards_edit"]
    assert result.ok, "a warning, not a refusal"
    row = next(i for i, r in enumerate(rows("people"), start=2) if r["id"] == "p017")
    assert [(p.severity, p.template, p.row, p.value) for p in warned] == [("warning", "people", row, "p017")]
    assert f"#{number}" in warned[0].message("nl") and f"#{number}" in warned[0].message("en")
    assert "puts back the file's version" in warned[0].message("en")
    pipeline.commit(result, app.store)
    # after that upload the edit is history: the same file again warns of nothing
    again = pipeline.check(old, "twente", BASE, app.store)
    try:
        assert not [p for p in again.problems if p.code == "discards_edit"]
    finally:
        pipeline.discard(again)


def test_a_row_changed_meanwhile_is_not_overwritten_unseen(app) -> None:
    client = app.test_client()
    form = get(client, f"/edit?iri={BASE}p017").forms["edit-form"]
    confirm = Form(post(client, {**form, "cell-since": "2019"}).get_data(as_text=True)).forms["confirm-form"]
    # another change to the same row, after the page was shown
    kg("edit", "people", "--region", "twente", "--change", "p017", "name=Yvonne Assink-Kamp",
       "--store", str(app.store.path))
    app.extensions["kg"].snapshot.refresh(force=True)
    generation = app.store.generation()
    resp = post(client, confirm)
    assert resp.status_code == 200, "asked again, not stored"
    page = Form(resp.get_data(as_text=True))
    assert "moved" in page.ids and app.store.generation() == generation
    again = page.forms["confirm-form"]
    assert again["before-name"] == "Yvonne Assink-Kamp" and again["cell-since"] == "2019"
    assert post(client, again).status_code == 303
    assert app.store.generation() != generation
