"""The upload page on a real HTTP server over its own store: internal only, CSRF, size and zip
limits, the problems table parsed from the HTML, the annotated download, and a two-step commit
that writes exactly the checked upload (and nothing on any error)."""

from __future__ import annotations

import http.cookiejar
import io
import json
import re
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, TOKEN, LiveServer

from kg.ingest.mapping import region_graph
from kg.store import GraphStore, digest

TEMPLATES = ROOT / "data" / "twente-templates"
BASE = "https://knll-twente.example/id/"


class Page(HTMLParser):
    """The CSRF token, ids present, the problem rows (cells by class) and links of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.csrf: str | None = None
        self.sha: str | None = None
        self.ids: set[str] = set()
        self.rows: dict[str, list[dict[str, str]]] = {}
        self.links: dict[str, str] = {}
        self.forms: dict[str, str] = {}
        self.options: list[str] = []  # the region choices of the upload form
        self.selected: list[str] = []
        self._table: str | None = None
        self._row: dict[str, str] | None = None
        self._cell: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "input" and a.get("name") == "csrf_token" and self.csrf is None:
            self.csrf = a.get("value")
        if tag == "input" and a.get("name") == "sha256":
            self.sha = a.get("value")
        if tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href", "")
        if tag == "option":
            self.options.append(a.get("value", ""))
            if "selected" in a:
                self.selected.append(a.get("value", ""))
        if tag == "form" and a.get("id"):
            self.forms[a["id"]] = a.get("action", "")
        if tag == "table" and "problems" in (a.get("class") or ""):
            self._table = a.get("id")
            self.rows[self._table] = []
        elif tag == "tr" and self._table:
            self._row = {}
        elif tag == "td" and self._row is not None:
            self._cell = a.get("class")
            self._row[self._cell] = ""

    def handle_endtag(self, tag) -> None:
        if tag == "tr" and self._row:
            self.rows[self._table].append(self._row)
        if tag == "tr":
            self._row = None
        if tag == "td":
            self._cell = None
        if tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._row is not None and self._cell:
            self._row[self._cell] += data.strip()


class Client:
    """urllib with cookies, a bearer token (or none) and multipart uploads."""

    def __init__(self, base: str, token: str | None = TOKEN):
        self.base = base
        self.token = token
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with self.opener.open(req, timeout=120) as resp:
                return resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def get(self, path: str):
        return self.request(path)

    def post(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None,
             headers: dict[str, str] | None = None):
        boundary = uuid.uuid4().hex
        body = io.BytesIO()
        for k, v in fields.items():
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        for k, (name, data) in (files or {}).items():
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                       f'Content-Type: application/octet-stream\r\n\r\n'.encode())
            body.write(data + b"\r\n")
        body.write(f"--{boundary}--\r\n".encode())
        return self.request(path, body.getvalue(), {"Content-Type": f"multipart/form-data; boundary={boundary}",
                                                    **(headers or {})})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def csv_zip(changes: dict[tuple[str, int, str], str] | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """The Twente templates as a zip of CSV files, with cells changed: (template, row, column) -> value."""
    import csv

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(TEMPLATES.glob("*.csv")):
            rows = list(csv.reader(io.StringIO(f.read_text(encoding="utf-8"))))
            for (tpl, row, col), value in (changes or {}).items():
                if tpl == f.stem:
                    rows[row - 1][rows[0].index(col)] = value
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(rows)
            zf.writestr(f"twente/{f.name}", buf.getvalue())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from web import create_app

    path = tmp_path_factory.mktemp("ingest-web")
    store = GraphStore(path / "store")
    app = create_app({"KG_STORE": str(store.path), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test-secret",
                      "KG_UPLOAD_DIR": str(path / "uploads"), "KG_UPLOAD_MAX_BYTES": 2 * 1024 * 1024})
    srv = LiveServer(app)
    srv.store = store
    yield srv
    srv.stop()


def follow(client: Client, status: int, body: bytes, headers: dict, seconds: float = 300):
    """After a 303 to an upload's page: that page once its job is done (it shows progress until then)."""
    if status != 303:
        return status, body
    deadline = time.monotonic() + seconds
    while True:
        status, body, _ = client.get(headers["Location"])
        if "progress" not in Page(body.decode()).ids or time.monotonic() > deadline:
            return status, body
        time.sleep(0.2)


def check_upload(client: Client, name: str, data: bytes, region: str = "twente", base: str = BASE):
    """Upload `data` for `region` (chosen in the list when the store holds it, else as a new region)."""
    status, body, _ = client.get("/ingest")
    assert status == 200
    page = Page(body.decode())
    fields = {"csrf_token": page.csrf, "region": region} if region in page.options else \
        {"csrf_token": page.csrf, "region": "_new", "new_region": region, "new_base": base}
    status, body, headers = client.post("/ingest", fields, {"file": (name, data)})
    status, body = follow(client, status, body, headers)
    return status, Page(body.decode()), body


def test_public_users_are_sent_to_login_or_refused(server) -> None:
    anon = Client(server.url, token=None)
    status, _, headers = anon.get("/ingest")
    assert status == 302 and headers["Location"].endswith("/login")
    status, _, _ = anon.post("/ingest", {"region": "twente"}, {"file": ("t.zip", csv_zip())})
    assert status == 403
    wrong = Client(server.url, token="not-the-token")
    assert wrong.get("/ingest")[0] == 302


def test_csrf_is_required(server) -> None:
    before = digest(server.store.open())
    status, _, _ = Client(server.url).post("/ingest", {"region": "twente", "base": "https://x.example/id/"},
                                           {"file": ("t.zip", csv_zip())})
    assert status == 400 and digest(server.store.open()) == before


def test_errors_are_shown_per_cell_with_an_annotated_download_and_nothing_is_written(server) -> None:
    client = Client(server.url)
    before = digest(server.store.open())
    data = csv_zip({("people", 2, "organisation"): "s-nergens", ("memberships", 3, "from"): "1-9-17"})
    status, page, _ = check_upload(client, "twente.zip", data)
    assert status == 200 and "report" in page.ids and "not-clean" in page.ids and "commit-form" not in page.forms
    got = {(r["template"], r["row"], r["column"], r["value"]) for r in page.rows["problems"]}
    assert got == {("people", "2", "organisation", "s-nergens"), ("memberships", "3", "from", "1-9-17")}
    assert all(r["severity"] == "fout" and r["message"] for r in page.rows["problems"])
    status, body, headers = client.get(page.links["annotated"])
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        people = zf.read("people.csv").decode().splitlines()
    assert people[0].endswith("problemen") and "s-nergens" in people[1] and "[fout] organisation:" in people[1]
    assert digest(server.store.open()) == before


def test_clean_upload_commits_in_two_steps_and_the_snapshot_follows(server) -> None:
    client = Client(server.url)
    status, page, _ = check_upload(client, "twente.zip", csv_zip())
    assert status == 200 and "clean" in page.ids and page.sha
    assert server.store.current_generation() is None  # checking writes nothing
    # the commit must carry the digest of exactly the checked upload
    status, body, _ = client.post(page.forms["commit-form"], {"csrf_token": page.csrf, "sha256": "0" * 64})
    assert status == 409 and server.store.current_generation() is None
    status, body = follow(client, *client.post(page.forms["commit-form"], {"csrf_token": page.csrf,
                                                                           "sha256": page.sha}))
    done = Page(body.decode())
    assert status == 200 and "committed" in done.ids
    db = server.store.open()
    assert any(g.value == region_graph("twente") for g in db.named_graphs())
    # the web app's own snapshot sees the new generation: the region is listed, an actor page exists
    _, body, _ = client.get("/ingest")
    assert "twente" in body.decode()
    status, body, _ = client.get("/doc/p001")
    assert status == 200 and "Marieke Nijhuis" in body.decode()
    # the upload is gone once committed
    assert client.post(page.forms["commit-form"], {"csrf_token": page.csrf, "sha256": page.sha})[0] == 404


def test_xlsx_upload_reports_shacl_problems_in_the_page(server, tmp_path: Path) -> None:
    from kg.ingest import blank
    from kg.ingest.read import read_path

    wb = read_path(TEMPLATES)
    rows = {n: [dict(r.cells) for r in t.rows] for n, t in wb.tables.items()}
    loi = next(i for i, r in enumerate(rows["intents"]) if r["id"] == "loi-p019-digitaal-2022")
    rows["intents"][loi]["to"] = "2023-06-30"
    path = blank.write_xlsx(tmp_path / "twente.xlsx", rows)
    status, page, _ = check_upload(Client(server.url), "twente.xlsx", path.read_bytes())
    assert status == 200 and "not-clean" in page.ids
    assert [(r["template"], r["row"], r["column"], r["value"]) for r in page.rows["problems"]
            if r["severity"] == "fout"] == [("intents", str(loi + 2), "to", "2023-06-30")]


@pytest.mark.parametrize("name,data,why", [
    ("bomb.zip", None, "compressed more than"),
    ("evil.zip", None, "unsafe entry name"),
    ("many.zip", None, "entries"),
    ("notes.txt", b"hello", "expected an .xlsx"),
    ("broken.xlsx", b"PK\x03\x04 not really", "not a valid"),
])
def test_hostile_uploads_are_refused_with_a_reason(server, name, data, why) -> None:
    if name == "bomb.zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("people.csv", b"0" * (60 * 1024 * 1024))
        data = buf.getvalue()
    elif name == "evil.zip":
        data = csv_zip(extra={"../../etc/people.csv": b"id\n"})
    elif name == "many.zip":
        data = csv_zip(extra={f"x{i}.csv": b"" for i in range(300)})
    before = digest(server.store.open())
    status, page, body = check_upload(Client(server.url), name, data)
    assert status == 400 and "input-error" in page.ids and why in body.decode()
    assert digest(server.store.open()) == before


def test_uploads_over_the_size_limit_get_413(server) -> None:
    client = Client(server.url)
    _, body, _ = client.get("/ingest")
    csrf = Page(body.decode()).csrf
    status, _, _ = client.post("/ingest", {"csrf_token": csrf, "region": "twente", "base": "https://x.example/id/"},
                               {"file": ("big.zip", b"0" * (3 * 1024 * 1024))})
    assert status == 413


# --- issue 10: the region is chosen, what changes is shown, and long checks show progress ---------

@pytest.fixture
def fresh(tmp_path):
    """A server over an empty store of its own, the Twente sample optionally stored first."""
    from web import create_app

    servers = []

    def start(with_twente: bool = False, **config) -> LiveServer:
        store = GraphStore(tmp_path / f"store{len(servers)}")
        if with_twente:
            from kg.ingest.pipeline import ingest
            from kg.ingest.read import read_path

            assert ingest(read_path(TEMPLATES), "twente", BASE, store).committed
        app = create_app({"KG_STORE": str(store.path), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test-secret",
                          "KG_UPLOAD_DIR": str(tmp_path / f"uploads{len(servers)}"), **config})
        srv = LiveServer(app)
        srv.store = store
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.stop()


def test_form_starts_empty_and_offers_the_stored_regions_with_their_base(fresh) -> None:
    page = Page(Client(fresh().url).get("/ingest")[1].decode())
    assert page.options == ["", "_new"] and page.selected == []
    srv = fresh(with_twente=True)
    body = Client(srv.url).get("/ingest")[1].decode()
    page = Page(body)
    assert page.options == ["", "twente", "_new"] and page.selected == []
    assert f"twente · {BASE}" in body and 'value=""' in body.split('id="new_base"')[1].split(">")[0]


def test_a_region_needs_a_base_of_its_own_and_a_refusal_writes_nothing(fresh) -> None:
    srv = fresh(with_twente=True)
    client = Client(srv.url)
    before = digest(srv.store.open())
    cases = [({"region": ""}, "Kies een regio"),
             ({"region": "_new", "new_region": "utrecht", "new_base": ""}, "geef haar basis-IRI"),
             ({"region": "_new", "new_region": "utrecht", "new_base": BASE}, "overlapt met"),
             ({"region": "_new", "new_region": "twente", "new_base": "https://x.example/id/"}, "bestaat al"),
             ({"region": "utrecht"}, "geen regio utrecht")]
    for fields, why in cases:
        csrf = Page(client.get("/ingest")[1].decode()).csrf
        status, body, _ = client.post("/ingest", {"csrf_token": csrf, **fields}, {"file": ("t.zip", csv_zip())})
        page = Page(body.decode())
        assert status == 400 and "input-error" in page.ids and why in body.decode(), (fields, body[:300])
    assert digest(srv.store.open()) == before


def test_another_regions_workbook_shows_what_it_removes_and_asks_again(fresh) -> None:
    """The original defect: another region's workbook uploaded with the pre-filled defaults replaced
    Twente in one click. Now the page says people 114 -> 20 and commits only with the extra tick."""
    import csv

    srv = fresh(with_twente=True)
    client = Client(srv.url)
    before = digest(srv.store.open())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in ("organisations", "networks"):
            zf.writestr(f"{name}.csv", (TEMPLATES / f"{name}.csv").read_text(encoding="utf-8"))
        rows = list(csv.reader(io.StringIO((TEMPLATES / "people.csv").read_text(encoding="utf-8"))))[:21]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        zf.writestr("people.csv", buf.getvalue())
    status, page, body = check_upload(client, "andere-regio.zip", out.getvalue(), region="twente")
    assert status == 200 and "clean" in page.ids and "changes" in page.ids and "most-people" in page.ids
    html = body.decode()
    people = html.split('data-template="people"')[1].split("</tr>")[0]
    cells = dict(re.findall(r'class="(before|after|added|removed|changed)">(\d+)<', people))
    assert cells == {"before": "114", "after": "20", "added": "0", "removed": "94", "changed": "0"}
    assert "<code>p021</code>" in html.split('class="removed"><strong>')[1]   # who would go, by code and name
    status, body, _ = client.post(page.forms["commit-form"], {"csrf_token": page.csrf, "sha256": page.sha})
    assert status == 409 and "need-confirm" in Page(body.decode()).ids
    assert digest(srv.store.open()) == before
    status, body = follow(client, *client.post(page.forms["commit-form"], {"csrf_token": page.csrf,
                                                                           "sha256": page.sha,
                                                                           "confirm_removal": "1"}))
    assert status == 200 and "committed" in Page(body.decode()).ids
    from kg.ingest.ownership import region_infos

    assert region_infos(srv.store.open())["twente"].people == 20


def test_long_checks_show_progress_and_answer_api_clients(fresh, tmp_path: Path) -> None:
    import pyoxigraph as ox

    from kg.ingest.export import export, write_csv
    from synthetic.generate import generate

    db = ox.Store()
    db.bulk_extend(generate(400, seed=3, graph="https://w3id.org/connective-kg/graph/source/generated"))
    write_csv(export(db), tmp_path / "gen")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted((tmp_path / "gen").glob("*.csv")):
            zf.write(f, f.name)
    srv = fresh(KG_INGEST_WAIT=0)
    client = Client(srv.url)
    csrf = Page(client.get("/ingest")[1].decode()).csrf
    fields = {"csrf_token": csrf, "region": "_new", "new_region": "gen", "new_base": "https://region.example/id/"}
    status, _, headers = client.post("/ingest", fields, {"file": ("gen.zip", out.getvalue())})
    assert status == 303
    status, body, _ = client.get(headers["Location"])   # at once: the check is still running
    page = Page(body.decode())
    assert status == 200 and "progress" in page.ids and "steps" in page.ids
    assert 'http-equiv="refresh"' in body.decode()
    status, body = follow(client, 303, b"", {"Location": headers["Location"]}, seconds=600)
    assert "report" in Page(body.decode()).ids
    status, body, _ = client.get(headers["Location"] + "/report.json")
    answer = json.loads(body)
    assert answer["job"]["state"] == "done" and answer["report"]["ok"] and answer["report"]["changes"]["new_region"]
    steps = [s for s, _ in answer["job"]["steps"]]
    assert steps == ["map", "read store", "convert", "reason", "validate", "public", "trace"]
    assert all(b >= a for (_, a), (_, b) in zip(answer["job"]["steps"], answer["job"]["steps"][1:]))
    # an API client gets 202, the upload's id and where to read its report
    status, body, headers = client.post("/ingest", fields, {"file": ("gen.zip", out.getvalue())},
                                        {"Accept": "application/json"})
    answer = json.loads(body)
    assert status == 202 and headers["Location"] == answer["page"] and answer["report"].endswith("/report.json")
    assert answer["id"] in answer["page"]
