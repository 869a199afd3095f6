"""Sign in with the access token (KG_TOKEN) for internal use; sign out (web.security keeps the sessions)."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from web.security import check_csrf, sign_in, sign_in_failed, sign_out

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    token = str(current_app.config.get("KG_TOKEN") or "")
    failed = False
    if request.method == "POST":
        check_csrf()
        given = request.form.get("token", "")
        if token and hmac.compare_digest(given.encode(), token.encode()):
            sign_in()
            return redirect(url_for("pages.home"))
        if token:
            sign_in_failed()
        failed = True
    return render_template("login.html", enabled=bool(token), failed=failed), (401 if failed else 200)


@bp.post("/logout")
def logout() -> Response:
    check_csrf()
    sign_out()
    return redirect(url_for("pages.home"))
