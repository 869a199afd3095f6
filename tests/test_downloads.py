"""Downloads under any file name: every Content-Disposition the web app sends carries an ASCII
fallback without quotes, backslashes or line breaks, and the exact name in `filename*`
(RFC 6266 / RFC 5987), parsed back here as a browser does."""

from __future__ import annotations

import io
import re
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import ROOT, TOKEN
from werkzeug.http import parse_options_header

from kg.ingest import blank
from kg.ingest.read import read_path
from web.security import attachment

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def parts(value: str) -> tuple[str, str]:
    """(the quoted ASCII fallback, the decoded filename*) of a Content-Disposition value."""
    m = re.fullmatch(r'attachment; filename="([^"\\\r\n]*)"; filename\*=UTF-8\'\'([!#$&+^`|~%\w.-]+)', value)
    assert m, value
    return m.group(1), unquote(m.group(2), encoding="utf-8", errors="strict")


@pytest.mark.parametrize("name, exact", [
    ("✓.xlsx", "✓.xlsx"),
    ('✓ regio "x"-problemen.xlsx', '✓ regio "x"-problemen.xlsx'),
    ("a\\b%c;d.csv", "a\\b%c;d.csv"),
    ("café.nq", "café.nq"),
    ("x\r\nSet-Cookie: a=b.csv", "xSet-Cookie: a=b.csv"),   # line breaks never reach the header
    ("\x00", "download"),
])
def test_attachment_header_for_any_name(name: str, exact: str) -> None:
    value = attachment(name)
    value.encode("latin-1")   # a header Flask can send
    fallback, decoded = parts(value)
    assert decoded == exact and parse_options_header(value)[1]["filename"] == exact
    assert fallback.isascii() and fallback.isprintable() and not set(fallback) & set('"\\%/\r\n')
    if name.isascii() and name.isprintable() and not set(name) & set('"\\%/'):
        assert fallback == name


def browser_form(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    """multipart/form-data as a browser sends it: the file name in UTF-8 with `"`, CR and LF
    percent-encoded (WHATWG HTML, "multipart/form-data encoding algorithm")."""
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    for k, v in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    sent = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{sent}"\r\n'
               f"Content-Type: application/octet-stream\r\n\r\n".encode())
    body.write(data + f"\r\n--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


class AnnotatedLink(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.csrf = self.href = None
        self.feed(html)

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name") == "csrf_token":
            self.csrf = a.get("value")
        if tag == "a" and a.get("id") == "annotated":
            self.href = a.get("href")


def test_upload_with_a_non_latin1_name_downloads_its_annotated_copy(tmp_path: Path) -> None:
    from web import create_app

    app = create_app({"KG_STORE": str(tmp_path / "store"), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test-secret",
                      "KG_UPLOAD_DIR": str(tmp_path / "uploads")})
    wb = read_path(ROOT / "data" / "twente-templates")
    upload = blank.write_xlsx(tmp_path / "upload.xlsx", {n: [dict(r.cells) for r in t.rows]
                                                          for n, t in wb.tables.items()}).read_bytes()
    client = app.test_client()
    page = AnnotatedLink(client.get("/ingest", headers=AUTH).get_data(as_text=True))
    body, ctype = browser_form({"csrf_token": page.csrf, "region": "_new", "new_region": "twente",
                                "new_base": "https://knll-twente.example/id/"}, '✓ regio "x".xlsx', upload)
    resp = client.post("/ingest", headers=AUTH, content_type=ctype, data=body, follow_redirects=True)
    assert resp.status_code == 200, resp.get_data(as_text=True)[-2000:]
    while 'id="progress"' in resp.get_data(as_text=True):   # a slow machine: the check is still running
        time.sleep(0.2)
        resp = client.get(resp.request.path, headers=AUTH)
    link = AnnotatedLink(resp.get_data(as_text=True)).href
    assert link
    got = client.get(link, headers=AUTH)
    assert got.status_code == 200 and got.data[:2] == b"PK"
    value = got.headers["Content-Disposition"]
    assert parts(value)[1] == '✓ regio "x"-problemen.xlsx'
    assert parse_options_header(value)[1]["filename"] == '✓ regio "x"-problemen.xlsx'
