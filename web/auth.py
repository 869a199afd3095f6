"""Sign in with the access token (KG_TOKEN) for internal use; sign out."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from web.security import check_csrf

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    token = str(current_app.config.get("KG_TOKEN") or "")
    failed = False
    if request.method == "POST":
        check_csrf()
        given = request.form.get("token", "")
        if token and hmac.compare_digest(given.encode(), token.encode()):
            session.clear()
            session["internal"] = True
            return redirect(url_for("pages.home"))
        failed = True
    return render_template("login.html", enabled=bool(token), failed=failed), (401 if failed else 200)


@bp.post("/logout")
def logout() -> Response:
    check_csrf()
    session.clear()
    return redirect(url_for("pages.home"))
