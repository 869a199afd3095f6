"""Signing in for internal use: the token form with CSRF, sign-out, bearer tokens for scripts,
login disabled without KG_TOKEN, and timing-safe comparisons; checked through what the
documents and dumps then show (a hidden person's name or not)."""

from __future__ import annotations

import hmac
from html.parser import HTMLParser

import pytest
import rdflib
from rdflib.namespace import RDF, RDFS

from kg.model import resources
from kg.model.namespaces import CKG, VOCAB
from tests.conftest import TOKEN
from web import create_app


class Form(HTMLParser):
    """The CSRF token of the first form on a page, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.csrf: str | None = None
        self.text: list[str] = []
        self.inputs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "input":
            self.inputs.append(a.get("name") or "")
            if a.get("name") == "csrf_token" and self.csrf is None:
                self.csrf = a.get("value")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read(resp) -> Form:
    f = Form()
    f.feed(resp.get_data(as_text=True))
    return f


@pytest.fixture(scope="module")
def hidden() -> tuple[str, str]:
    """(local id, name) of a person without public consent."""
    g = rdflib.Graph()
    for f in resources.sample_dir().glob("*.ttl"):
        g.parse(f)
    public = rdflib.URIRef(VOCAB + "consent/public")
    for p in sorted(g.subjects(RDF.type, rdflib.URIRef(CKG + "Person"))):
        if (p, rdflib.URIRef(CKG + "consent"), public) not in g:
            return str(p).rsplit("/", 1)[1], str(g.value(p, RDFS.label))
    raise AssertionError("no hidden person in the sample")


@pytest.fixture(scope="module")
def store_path(sample_build) -> str:
    return str(sample_build[0].path)


@pytest.fixture()
def client(store_path):
    app = create_app({"KG_STORE": store_path, "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test", "TESTING": True})
    return app.test_client()


@pytest.fixture()
def open_client(store_path):
    """An app without KG_TOKEN: public only."""
    app = create_app({"KG_STORE": store_path, "KG_TOKEN": "", "KG_SECRET_KEY": "test", "TESTING": True})
    return app.test_client()


def shows_name(client, hidden, headers=None) -> bool:
    local, name = hidden
    r = client.get(f"/doc/{local}?format=ttl", headers=headers or {})
    assert r.status_code == 200
    return name in r.get_data(as_text=True)


def login(client, token: str, csrf: str | None = "from-form", lang: str | None = None):
    page = client.get("/login" + (f"?lang={lang}" if lang else ""))
    form = {"token": token}
    if csrf == "from-form":
        form["csrf_token"] = read(page).csrf
    elif csrf is not None:
        form["csrf_token"] = csrf
    return client.post("/login" + (f"?lang={lang}" if lang else ""), data=form)


def test_login_with_the_right_token_makes_later_documents_and_dumps_internal(client, hidden) -> None:
    assert not shows_name(client, hidden)
    r = login(client, TOKEN)
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert shows_name(client, hidden)
    assert hidden[1] in client.get("/dump.ttl").get_data(as_text=True)
    assert "private" in client.get("/.well-known/void").headers["Cache-Control"]


@pytest.mark.parametrize("lang,message", [(None, "Onjuiste toegangscode."), ("en", "Wrong access token.")])
def test_a_wrong_token_gets_401_with_a_message_and_stays_public(client, hidden, lang, message) -> None:
    r = login(client, "not-the-token", lang=lang)
    assert r.status_code == 401
    assert message in "".join(read(r).text)
    assert not shows_name(client, hidden)
    # A token that differs only in length or by a prefix is just as wrong.
    assert login(client, TOKEN + "x").status_code == 401
    assert login(client, TOKEN[:-1]).status_code == 401
    assert login(client, "").status_code in (400, 401)
    assert not shows_name(client, hidden)


@pytest.mark.parametrize("csrf", [None, "", "forged-token"])
def test_login_without_the_forms_csrf_token_is_400_and_does_not_sign_in(client, hidden, csrf) -> None:
    client.get("/login")  # the session has a CSRF token, the post does not carry it
    r = login(client, TOKEN, csrf=csrf)
    assert r.status_code == 400
    assert not shows_name(client, hidden)


def test_csrf_token_of_another_session_is_refused(store_path, client, hidden) -> None:
    other = create_app({"KG_STORE": store_path, "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test"}).test_client()
    stolen = read(other.get("/login")).csrf
    client.get("/login")
    assert login(client, TOKEN, csrf=stolen).status_code == 400
    assert not shows_name(client, hidden)


def test_logout_with_csrf_ends_internal_use_and_without_it_is_refused(client, hidden) -> None:
    assert login(client, TOKEN).status_code == 302
    assert shows_name(client, hidden)
    page = client.get("/ns", headers={"Accept": "text/html"})  # any page: the header has the sign-out form
    csrf = read(page).csrf
    assert csrf, "the signed-in page carries a sign-out form with a CSRF token"
    assert client.post("/logout", data={}).status_code == 400
    assert client.post("/logout", data={"csrf_token": "wrong"}).status_code == 400
    assert shows_name(client, hidden)
    assert client.get("/logout").status_code == 405  # never by a link or an image
    r = client.post("/logout", data={"csrf_token": csrf})
    assert r.status_code == 302
    assert not shows_name(client, hidden)


def test_bearer_token_gives_internal_access_without_a_session(client, hidden) -> None:
    r = client.get(f"/doc/{hidden[0]}?format=ttl", headers={"Authorization": f"Bearer {TOKEN}"})
    assert hidden[1] in r.get_data(as_text=True)
    assert "session=" not in r.headers.get("Set-Cookie", "")
    # The next request without the header is public again: nothing was remembered.
    assert not shows_name(client, hidden)
    for wrong in (f"Bearer {TOKEN}x", f"bearer {TOKEN}", TOKEN, f"Basic {TOKEN}", "Bearer "):
        assert not shows_name(client, hidden, {"Authorization": wrong}), wrong


def test_without_kg_token_login_is_disabled_and_everything_is_public(open_client, hidden) -> None:
    page = open_client.get("/login")
    assert page.status_code == 200
    text = "".join(read(page).text)
    assert "Intern gebruik is niet ingesteld (KG_TOKEN ontbreekt)." in text
    assert "token" not in read(page).inputs  # no token field to fill in
    en = "".join(read(open_client.get("/login?lang=en")).text)
    assert "Internal use is not configured (KG_TOKEN is not set)." in en
    csrf = read(page).csrf
    r = open_client.post("/login", data={"token": "", "csrf_token": csrf or ""})
    assert r.status_code in (400, 401)
    assert not shows_name(open_client, hidden)
    assert not shows_name(open_client, hidden, {"Authorization": "Bearer "})
    assert not shows_name(open_client, hidden, {"Authorization": f"Bearer {TOKEN}"})


def test_tokens_are_compared_in_constant_time(client, hidden, monkeypatch) -> None:
    """Both the sign-in form and the bearer header compare with hmac.compare_digest."""
    calls: list[tuple[bytes | str, bytes | str]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    shows_name(client, hidden, {"Authorization": "Bearer guess"})
    assert (b"guess", TOKEN.encode()) in calls
    calls.clear()
    login(client, "guess-2")
    assert (b"guess-2", TOKEN.encode()) in calls
