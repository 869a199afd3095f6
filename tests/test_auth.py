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


# --- issue 14: the security review's findings ------------------------------------------------------

def signed_in(client) -> None:
    assert login(client, TOKEN).status_code == 302


def test_logout_ends_the_session_on_the_server_so_the_old_cookie_opens_nothing(store_path, client, hidden) -> None:
    signed_in(client)
    cookie = client.get_cookie("session").value
    assert client.get("/ingest").status_code == 200
    csrf = read(client.get("/ns", headers={"Accept": "text/html"})).csrf
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    # Someone who copied the cookie before the sign-out (another browser, another server process).
    other = create_app({"KG_STORE": store_path, "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test"}).test_client()
    other.set_cookie("session", cookie)
    r = other.get("/ingest")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert not shows_name(other, hidden)


def test_a_session_works_in_every_server_process_sharing_the_secret(store_path, client, hidden) -> None:
    signed_in(client)
    other = create_app({"KG_STORE": store_path, "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test"}).test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    assert other.get("/ingest").status_code == 200
    assert shows_name(other, hidden)


SIGNED_IN_PAGES = [
    "/", "/search?q=esch", "/api/search?q=esch", "/who-knows?topic=W%26T", "/api/who-knows?topic=W%26T",
    "/analytics?actor=n-team-de-esch", "/api/analytics?actor=n-team-de-esch",
    "/analytics/table/brokers.csv?actor=n-team-de-esch", "/analytics/graph.graphml?actor=n-team-de-esch",
    "/analytics/picture/sociogram.svg?actor=n-team-de-esch", "/trace?artefact=a-kijkwijzer-ol",
    "/api/trace?artefact=a-kijkwijzer-ol", "/doc/p001", "/dump.ttl", "/.well-known/void", "/history",
    "/api/history", "/ingest", "/sparql?query=ASK%7B%7D", "/no-such-page", "/health", "/static/style.css",
    "/api/queries", "/api/queries/person-ties?person=p001", "/api/queries/person-ties?person=p001&format=csv",
]


@pytest.mark.parametrize("how", ["session", "bearer"])
def test_every_signed_in_answer_is_private_and_not_stored(client, how) -> None:
    headers = {}
    if how == "session":
        signed_in(client)
    else:
        headers = {"Authorization": f"Bearer {TOKEN}"}
    for url in SIGNED_IN_PAGES:
        r = client.get(url, headers=headers)
        assert r.status_code < 500, url
        assert r.headers.get("Cache-Control") == "private, no-store", url
        assert {"Cookie", "Authorization"} <= set(r.vary), url
    # The public view of the same pages may be cached.
    public = client.get("/search?q=esch") if how == "bearer" else None
    if public is not None:
        assert "no-store" not in public.headers.get("Cache-Control", "")


def test_the_session_cookie_is_secure_when_the_app_runs_behind_https(store_path) -> None:
    app = create_app({"KG_STORE": store_path, "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test",
                      "KG_BASE_URL": "https://kg.example.org"})
    r = login(app.test_client(), TOKEN)
    assert r.status_code == 302
    assert "Secure" in r.headers["Set-Cookie"].split("; ")
    plain = create_app({"KG_STORE": store_path, "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test",
                        "KG_BASE_URL": "http://127.0.0.1:5000/"})
    assert "Secure" not in login(plain.test_client(), TOKEN).headers["Set-Cookie"].split("; ")


@pytest.mark.parametrize("path", ["/login", "/logout", "/ingest"])
def test_a_non_ascii_csrf_token_is_400_with_a_message_in_both_languages(client, path) -> None:
    if path == "/ingest":
        signed_in(client)
    client.get("/login")
    r = client.post(path, data={"csrf_token": "tökén→😀", "token": TOKEN})
    assert r.status_code == 400
    page = read(r)
    text = " ".join(page.text)
    assert "Het formulier is verlopen; probeer het opnieuw." in text
    assert "The form expired; please try again." in text


def limited_client(store_path, state_dir, **config):
    app = create_app({"KG_STORE": store_path, "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test", "KG_AUTH_FAILURES": 10,
                      "KG_STATE_DIR": str(state_dir), **config})
    return app


def test_failed_sign_ins_are_limited_per_client_then_429_with_retry_after(store_path, tmp_path, hidden) -> None:
    app = limited_client(store_path, tmp_path)
    attacker = app.test_client()
    for _ in range(10):
        assert login(attacker, "guess").status_code == 401
    r = login(attacker, "guess")
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    text = " ".join(read(r).text)
    assert "Te veel mislukte inlogpogingen" in text and "Too many failed sign-ins" in text
    # Even the right token waits now, and a bearer token from the same address too.
    assert login(attacker, TOKEN).status_code == 429
    r = attacker.get(f"/doc/{hidden[0]}?format=ttl", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "too-many-attempts"
    assert "nl" in r.get_json()["error"] and "en" in r.get_json()["error"]
    # Another server process sharing the state counts the same failures ...
    assert login(limited_client(store_path, tmp_path).test_client(), TOKEN).status_code == 429
    # ... and another client (another address) is not affected.
    other = app.test_client()
    page = other.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    form = {"token": TOKEN, "csrf_token": read(page).csrf}
    assert other.post("/login", data=form, environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 302


def test_wrong_bearer_tokens_are_limited_per_client(store_path, tmp_path, hidden) -> None:
    client = limited_client(store_path, tmp_path).test_client()
    url = f"/doc/{hidden[0]}?format=ttl"
    for i in range(10):
        r = client.get(url, headers={"Authorization": f"Bearer guess-{i}"})
        assert r.status_code == 200 and hidden[1] not in r.get_data(as_text=True)
    r = client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # Without a token the public view is still served.
    assert client.get(url).status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(store_path, tmp_path) -> None:
    client = limited_client(store_path, tmp_path, KG_TRUSTED_PROXIES=1).test_client()
    for i in range(10):
        client.get("/doc/p001", headers={"Authorization": f"Bearer guess-{i}", "X-Forwarded-For": "192.0.2.1"})
    assert client.get("/doc/p001", headers={"Authorization": "Bearer x", "X-Forwarded-For": "192.0.2.1"}
                      ).status_code == 429
    assert client.get("/doc/p001", headers={"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": "192.0.2.2"}
                      ).status_code == 200


def test_without_kg_base_url_the_cookie_works_over_plain_http(store_path) -> None:
    """The default public URL comes from KG_BASE_IRI (https), but only an explicit https KG_BASE_URL
    makes the cookie Secure: the development server on http://127.0.0.1 must still sign in."""
    app = create_app({"KG_STORE": store_path, "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "test"})
    assert "Secure" not in login(app.test_client(), TOKEN).headers["Set-Cookie"].split("; ")
