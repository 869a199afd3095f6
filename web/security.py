"""Response headers, CSRF tokens, the public/internal decision and the limit on failed attempts.

Signed in means: the session cookie names a session id that web.sessions still holds (signing out
deletes it), or the request carries `Authorization: Bearer <KG_TOKEN>`. Decided once per request
(`is_internal`); every signed-in answer gets `Cache-Control: private, no-store` here, in one
after-request hook, whatever view made it. A client (its address; KG_TRUSTED_PROXIES says how
many proxies' X-Forwarded-For to trust) with KG_AUTH_FAILURES failed sign-ins or bearer tokens in
a minute gets 429 with Retry-After for both until the oldest is a minute old.
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from kg.model.namespaces import local_name
from kg.text import Text
from web import i18n
from web.sessions import AuthState

EXTENSION = "kg_auth"

i18n.STRINGS.add({
    "bad_request": Text(nl="Ongeldig verzoek", en="Bad request"),
    "too_many": Text(nl="Te veel mislukte pogingen", en="Too many failed attempts"),
    "too_many_text": Text(nl="Te veel mislukte inlogpogingen of toegangscodes vanaf dit adres; probeer het over {s} "
                             "seconden opnieuw.",
                          en="Too many failed sign-ins or access tokens from this address; try again in {s} seconds."),
})

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def install(app: Flask) -> None:
    folder = app.config.get("KG_STATE_DIR") or app.extensions["kg"].store.state_dir()
    app.extensions[EXTENSION] = AuthState(Path(folder), int(app.config["KG_AUTH_FAILURES"]))

    @app.before_request
    def limit_failures() -> Response | None:
        """429 for a client over the limit when it tries a bearer token or the sign-in form."""
        trying = _bearer() is not None or (request.method == "POST" and request.endpoint == "auth.login")
        if not trying or not current_app.config.get("KG_TOKEN"):
            return None
        wait = _state().retry_after(client())
        if wait is None:
            return None
        g.kg_internal = False
        return too_many(wait)

    @app.after_request
    def headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.vary.update(("Cookie", "Authorization"))
        if is_internal():  # never cache a signed-in answer, whichever view made it (and if none asked)
            resp.headers["Cache-Control"] = "private, no-store"
        return resp

    @app.context_processor
    def csrf() -> dict:
        return {"csrf_token": csrf_token, "internal": is_internal()}


def attachment(filename: str) -> str:
    """A Content-Disposition value that downloads as `filename`, whatever its characters (RFC 6266,
    RFC 5987): `filename="<ASCII fallback>"` for old clients, with no quote, backslash, percent sign,
    control or non-ASCII character in it, and the exact name UTF-8 and percent-encoded in `filename*`.
    Control characters (CR, LF, ...) are left out of both."""
    name = "".join(c for c in filename if unicodedata.category(c) != "Cc").strip() or "download"
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\%/' else "_" for c in plain).strip(" .")
    return f"attachment; filename=\"{fallback or 'download'}\"; filename*=UTF-8''{quote(name, safe='!#$&+^`|~')}"


def download(body: Any, mimetype: str, filename: str) -> Response:
    """A response that the browser saves as `filename` (see `attachment`); a text type gets UTF-8."""
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = attachment(filename)
    return resp


def file_stem(iri: str, fallback: str) -> str:
    """A downloaded file's name from an IRI: its local name with letters, digits, `-` and `_` only,
    at most 80 characters; `fallback` when nothing is left."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in local_name(iri))[:80] or fallback


def is_internal() -> bool:
    """Signed in (a session web.sessions still holds) or a bearer token equal to KG_TOKEN: all data;
    else the public view. Decided once per request; a wrong bearer token counts as a failure."""
    if "kg_internal" not in g:
        g.kg_internal = _authenticate()
    return g.kg_internal


def _authenticate() -> bool:
    token = current_app.config.get("KG_TOKEN")
    if not token:
        return False
    if _state().valid(session.get("sid")):
        return True
    given = _bearer()
    if given is None:
        return False
    if hmac.compare_digest(given.encode(), str(token).encode()):
        return True
    _state().failed(client())
    return False


def _bearer() -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth[7:] if auth.startswith("Bearer ") else None


def _state() -> AuthState:
    return current_app.extensions[EXTENSION]


def shared_state() -> AuthState:
    """What every server process shares (web.sessions): sessions, failures, running queries."""
    return _state()


def client() -> str:
    """The client's address (behind KG_TRUSTED_PROXIES proxies: the one they forwarded)."""
    return request.remote_addr or "-"


def sign_in() -> None:
    """Start a new session (a new id: one from before signing in is never reused)."""
    _state().end_session(session.get("sid"))
    session.clear()
    session["sid"] = _state().open_session()
    g.kg_internal = True


def sign_out() -> None:
    """End the session here and everywhere: its id is deleted, so an old cookie opens nothing."""
    _state().end_session(session.get("sid"))
    session.clear()
    g.kg_internal = False


def sign_in_failed() -> None:
    _state().failed(client())


def too_many(wait: int) -> Response:
    """429 with Retry-After: a page for the sign-in form, JSON for scripts."""
    message = i18n.both("too_many_text", s=wait)
    if request.endpoint == "auth.login" and _bearer() is None:
        resp = error_page(429, "too_many", message)
    else:
        resp = jsonify({"error": {"code": "too-many-attempts", **message}})
        resp.status_code = 429
    resp.headers["Retry-After"] = str(wait)
    return resp


def error_page(status: int, title_key: str, message: dict[str, str]) -> Response:
    """An error page that says what is wrong in the request's language and then in the other one."""
    first = i18n.lang()
    other = "en" if first == "nl" else "nl"
    return Response(render_template("error.html", code=status, title=i18n.t(title_key), text=message[first],
                                    other=message[other], other_lang=other, iri=None),
                    status, mimetype="text/html")


def view() -> str:
    return "internal" if is_internal() else "public"


def csrf_token() -> str:
    g.kg_personal = True  # the answer holds this session's token: never cached (web.cache)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def staff_only() -> BaseResponse | None:
    """A blueprint's `before_request` for signed-in staff only: anyone else is sent to /login (GET)
    or refused with 403 (any other method)."""
    if not is_internal():
        if request.method == "GET":
            return redirect(url_for("auth.login"))
        abort(403)
    return None


def check_csrf() -> None:
    """Abort with 400 (a page in Dutch and English) unless the form carries this session's CSRF
    token; compared as UTF-8 bytes, so any text is just wrong, never an error (issue 14)."""
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent.encode(), str(session.get("csrf", "")).encode()):
        abort(error_page(400, "bad_request", i18n.both("csrf")))
