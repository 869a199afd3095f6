"""Response headers, CSRF tokens and the public/internal decision."""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from urllib.parse import quote

from flask import Flask, Response, abort, current_app, request, session

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def install(app: Flask) -> None:
    @app.after_request
    def headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "DENY")
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


def is_internal() -> bool:
    """Signed in (session) or a bearer token equal to KG_TOKEN: all data; else the public view."""
    token = current_app.config.get("KG_TOKEN")
    if not token:
        return False
    if session.get("internal") is True:
        return True
    auth = request.headers.get("Authorization", "")
    return auth.startswith("Bearer ") and hmac.compare_digest(auth[7:].encode(), str(token).encode())


def view() -> str:
    return "internal" if is_internal() else "public"


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Abort with 400 unless the form carries this session's CSRF token."""
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, description="csrf")
