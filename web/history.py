"""The change log for internal users: every committed change, and undo behind a confirmation.

    GET  /history[?region=NAME]     the logged changes, newest first: number, when, who, region,
                                    source, what changed per template, "undoes #n" / "undone by #n",
                                    and an Undo button for each change not undone yet
                                    (JSON with `Accept: application/json`)
    GET  /api/history[?region=]     the same as JSON: {"kept", "region", "changes": [Change.to_json()]}
    POST /history/<n>/undo          without confirm=1: checks that change n can be undone (a dry run,
                                    nothing is written) and asks to confirm; with confirm=1: undoes it
                                    (kg.ingest.pipeline.undo: the inverse delta through the same checks,
                                    logged as a change of its own), then back to /history (303)

Only signed-in users or bearer-token holders: anyone else is sent to /login (GET; 401 on
/api/history) or refused with 403 (POST); the undo form carries the CSRF token. A refused undo
(kg.store.log.UndoRefused: undone already, later changes depend on it, ...), one whose result
would not validate, or one another write overtook, answers 409 with the reason in Dutch and
English, and nothing is written. A store folder and a remote SPARQL store keep a change log (on a
store that keeps none the page says so). The web knows no login name, so its undos are logged as made by "web".
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kg.ingest.pipeline import UndoResult, undo
from kg.ingest.problems import problem
from kg.store import StoreChanged, StoreError, log
from kg.text import Text
from web import i18n
from web.context import WHO, kg
from web.security import check_csrf, is_internal, staff_only

bp = Blueprint("history", __name__)

MAX_REGION = 100  # longer is no region name (kg.ingest.mapping allows 63 characters)

i18n.STRINGS.add({
    "history": Text(nl="Wijzigingen", en="Changes"),
    "history_title": Text(nl="Wijzigingslog", en="Change log"),
    "history_intro": Text(nl="Elke opgeslagen wijziging, de nieuwste eerst: wie, wanneer, uit welk bestand en wat er "
                             "per sjabloon veranderde. Ongedaan maken is zelf een wijziging: het gaat door dezelfde "
                             "controles en komt in dit log.",
                          en="Every committed change, newest first: who, when, from which file and what changed per "
                             "template. Undoing is itself a change: it goes through the same checks and is logged "
                             "here."),
    "history_no_log": Text(nl="Deze opslag houdt geen wijzigingslog bij; ongedaan maken kan hier niet.",
                           en="This store keeps no change log; undo is not available here."),
    "history_none": Text(nl="Nog geen wijzigingen gelogd.", en="No changes logged yet."),
    "history_all_regions": Text(nl="Alle regio's", en="All regions"),
    "history_filter": Text(nl="Toon", en="Show"),
    "history_number": Text(nl="Nr.", en="No."),
    "history_at": Text(nl="Wanneer", en="When"),
    "history_who": Text(nl="Wie", en="Who"),
    "history_source": Text(nl="Bron", en="Source"),
    "history_what": Text(nl="Wat veranderde", en="What changed"),
    "history_template_line": Text(nl="{template} {before} -> {after}: {added} toegevoegd, {removed} verwijderd, "
                                     "{changed} gewijzigd",
                                  en="{template} {before} -> {after}: {added} added, {removed} removed, "
                                     "{changed} changed"),
    "history_quads": Text(nl="{added} triples toegevoegd, {removed} verwijderd",
                          en="{added} triples added, {removed} removed"),
    "history_undoes": Text(nl="maakt #{n} ongedaan", en="undoes #{n}"),
    "history_undone_by": Text(nl="ongedaan gemaakt door #{n}", en="undone by #{n}"),
    "history_undo": Text(nl="Ongedaan maken…", en="Undo…"),
    "history_undo_label": Text(nl="Wijziging #{n} ongedaan maken", en="Undo change #{n}"),
    "history_confirm_title": Text(nl="Wijziging #{n} ongedaan maken?", en="Undo change #{n}?"),
    "history_confirm_intro": Text(nl="Dit maakt de wijziging hieronder ongedaan. De controle is geslaagd; er is nog "
                                     "niets gewijzigd.",
                                  en="This undoes the change below. The check passed; nothing has been changed yet."),
    "history_confirm_effect": Text(nl="Ongedaan maken voegt {added} triples toe en verwijdert er {removed}, en wordt "
                                      "gelogd als wijziging #{m}.",
                                   en="Undoing adds {added} triples and removes {removed}, and is logged as change "
                                      "#{m}."),
    "history_confirm": Text(nl="Bevestig: wijziging #{n} ongedaan maken", en="Confirm: undo change #{n}"),
    "history_cancel": Text(nl="Annuleren", en="Cancel"),
    "history_undone": Text(nl="Wijziging #{n} is ongedaan gemaakt als wijziging #{m}.",
                           en="Change #{n} undone as change #{m}."),
    "history_refused": Text(nl="Wijziging #{n} kan niet ongedaan gemaakt worden; er is niets gewijzigd.",
                            en="Change #{n} cannot be undone; nothing was changed."),
    "history_unknown": Text(nl="wijziging #{n} bestaat niet", en="there is no change #{n}"),
    "history_blocked": Text(nl="ongedaan maken zou de gegevens ongeldig maken",
                            en="undoing it would make the data invalid"),
    "history_sign_in": Text(nl="Log in of stuur de toegangscode mee.", en="Sign in or send the access token."),
})


@bp.before_request
def internal_only() -> Response | tuple[Response, int] | None:
    if not is_internal():
        if request.path.startswith("/api/"):
            resp = jsonify({"error": "sign in", "message": i18n.both("history_sign_in")})
            resp.headers["WWW-Authenticate"] = "Bearer"
            return resp, 401
    return staff_only()


@bp.after_request
def private(resp: Response) -> Response:
    resp.vary.update(("Accept", "Authorization", "Cookie"))
    return resp


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"


def _kept() -> bool:
    """Whether the store keeps a change log (a store that takes changes as deltas does: a folder, a remote store)."""
    return bool(kg().store.incremental)


def _region() -> str | None:
    region = request.args.get("region", "").strip()
    return region[:MAX_REGION] or None


def _list(status: int = 200, **kw: Any) -> Response | tuple[str | Response, int]:
    """The change log as a page (with `kw` for the template) or as JSON."""
    region, kept = _region(), _kept()
    everything = log.history(kg().db()) if kept else []
    changes = log.history(kg().db(), region) if region else everything
    if _wants_json():
        body: dict[str, Any] = {"kept": kept, "region": region, "changes": [c.to_json() for c in changes]}
        if not kept:
            body["message"] = i18n.both("history_no_log")
        return jsonify(body), status
    regions = sorted({c.region for c in everything if c.region} | ({region} if region else set()))
    return render_template("history.html", kept=kept, changes=changes, region=region, regions=regions,
                           **{"refused": None, **kw}), status


@bp.get("/history")
def history_page() -> Response | tuple[str | Response, int]:
    return _list()


@bp.get("/api/history")
def api_history() -> Response | tuple[str | Response, int]:
    return _list()


def _refused(number: int, reason: Text, status: int = 409, result: UndoResult | None = None
             ) -> Response | tuple[str | Response, int]:
    """The list again, with why change `number` was not undone (both languages) and nothing changed."""
    plan = result.plan if result else None
    findings = [{"focus": str(f.focus), "nl": f.message("nl"), "en": f.message("en")}
                for f in (plan.violations if plan else [])]
    findings += [{"focus": str(inc.node), "nl": inc.message.nl, "en": inc.message.en}
                 for inc in (plan.inconsistencies if plan else [])]
    if _wants_json():
        return jsonify({"error": "refused", "number": number, "message": reason.both(),
                        "findings": findings}), status
    return _list(status, refused={"number": number, "reason": reason, "findings": findings})


@bp.post("/history/<int:number>/undo")
def undo_change(number: int) -> Response | tuple[str | Response, int]:
    check_csrf()
    confirmed = request.form.get("confirm") == "1"
    ctx = kg()
    if not _kept():
        return _refused(number, i18n.STRINGS.text("history_no_log"))
    if log.get(ctx.db(), number) is None:
        return _refused(number, i18n.STRINGS.text("history_unknown", n=number), 404)
    try:
        result = undo(ctx.store, number, who=WHO, dry_run=not confirmed)
    except log.UndoRefused as e:
        return _refused(number, e.text)
    except StoreChanged:
        return _refused(number, problem("store_changed").text)
    except StoreError as e:
        return _refused(number, Text(nl=str(e), en=str(e)), 503)
    if not result.ok:
        return _refused(number, i18n.STRINGS.text("history_blocked"), result=result)
    if not confirmed:
        if _wants_json():
            return jsonify({"confirmed": False, "undone": result.undone.to_json(),
                            "change": result.change.to_json()}), 200
        return render_template("history_undo.html", undone=result.undone, change=result.change), 200
    ctx.snapshot.refresh(force=True)
    if _wants_json():
        return jsonify({"confirmed": True, "undone": result.undone.number, "change": result.change.to_json()}), 200
    flash(i18n.t("history_undone", n=number, m=result.change.number), "undone")
    return redirect(url_for("history.history_page"), 303)
