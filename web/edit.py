"""One record edited in the browser by signed-in staff (issue 17 item 4): `kg edit` behind a form.

    GET  /edit?iri=IRI                   the record's row as its template exports it, in a form:
                                         change its cells, or remove it
    GET  /edit/new/<template>?region=R   an empty row of a template to add (cells given as
                                         query arguments are filled in, e.g. a tie's source)
    POST /edit                           check the row (kg.ingest.pipeline.check_edit: the same
                                         mapping, reasoning and shapes as an upload, checked where the
                                         change reaches); problems are shown at their fields (422) and
                                         nothing is written; a clean check shows what will change and
                                         asks to confirm; with confirm=1 it is checked again and
                                         committed, logged in the change log (undo on /history)

Only signed-in users or bearer-token holders (anyone else: /login, or 403 on POST); the forms carry
the CSRF token. A record is a row of a region ingested from the templates (kg.ingest.edit.record_of);
data built from files has no rows to edit. The web knows no login names: changes are logged as "web".
"""

from __future__ import annotations

from typing import cast

import pyoxigraph as ox
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kg.ingest import edit
from kg.ingest.ownership import region_infos
from kg.ingest.pipeline import IngestResult, check_edit, commit, discard
from kg.ingest.problems import problem
from kg.ingest.templates import BY_NAME, VALUE, VALUES, value_lists
from kg.store import GraphStore, StoreChanged, StoreError, log
from kg.text import Text
from web import i18n
from web.context import WHO, kg
from web.pages import link_url
from web.security import check_csrf, error_page, staff_only

bp = Blueprint("edit", __name__)

i18n.STRINGS.add({
    "edit": Text(nl="Bewerken", en="Edit"),
    "edit_title": Text(nl="{template}: rij {key} bewerken", en="{template}: edit row {key}"),
    "edit_new_title": Text(nl="{template}: rij toevoegen", en="{template}: add a row"),
    "edit_intro": Text(nl="Regio {region}. Dezelfde controles als bij het uploaden van de sjablonen; er wordt pas iets "
                          "opgeslagen als u bevestigt, en de wijziging komt in het wijzigingslog (ongedaan te maken).",
                       en="Region {region}. The same checks as an upload of the templates; nothing is stored until you "
                          "confirm, and the change is logged (and can be undone)."),
    "edit_check": Text(nl="Controleren", en="Check"),
    "edit_remove": Text(nl="Deze rij verwijderen…", en="Remove this row…"),
    "edit_add_tie": Text(nl="Verbinding toevoegen", en="Add a tie"),
    "edit_add_membership": Text(nl="Lidmaatschap toevoegen", en="Add a membership"),
    "edit_problems": Text(nl="Er is niets opgeslagen. Los dit eerst op:", en="Nothing was stored. Fix this first:"),
    "edit_moved": Text(nl="Deze rij is intussen door een andere wijziging veranderd; er is niets opgeslagen. Hieronder "
                          "staat hoe ze nu is en wat uw wijziging zou doen.",
                       en="Another change altered this row in the meantime; nothing was stored. Below is the row as it "
                          "is now and what your change would do."),
    "edit_confirm_title": Text(nl="Deze wijziging opslaan?", en="Store this change?"),
    "edit_confirm_intro": Text(nl="De controle is geslaagd; er is nog niets opgeslagen.",
                               en="The check passed; nothing has been stored yet."),
    "edit_change_line": Text(nl="{template}: {added} toegevoegd, {removed} verwijderd, {changed} gewijzigd",
                             en="{template}: {added} added, {removed} removed, {changed} changed"),
    "edit_cells": Text(nl="Cellen", en="Cells"),
    "edit_before": Text(nl="Was", en="Was"),
    "edit_after": Text(nl="Wordt", en="Becomes"),
    "edit_confirm": Text(nl="Bevestig: opslaan", en="Confirm: store"),
    "edit_confirm_remove": Text(nl="Bevestig: verwijderen", en="Confirm: remove"),
    "edit_nothing": Text(nl="Dit verandert niets; er is niets opgeslagen.", en="This changes nothing; nothing was stored."),
    "edit_stored": Text(nl="Opgeslagen als wijziging #{n}.", en="Stored as change #{n}."),
    "edit_no_record": Text(nl="Dit is geen rij van een ingelezen regio; alleen gegevens uit de sjablonen zijn hier te "
                              "bewerken.",
                           en="This is no row of an ingested region; only data from the templates can be edited here."),
    "edit_no_delta": Text(nl="Deze opslag neemt geen wijziging als delta; exporteer de sjablonen en upload ze.",
                          en="This store takes no change as a delta; export the templates and upload them."),
})

ACTIONS = ("add", "change", "remove")


bp.before_request(staff_only)


def _refuse(status: int, text: Text) -> Response:
    return error_page(status, "not_found" if status == 404 else "bad_request", text.both())


def _form(template: str, region: str, action: str, key: str, cells: dict[str, str], before: dict[str, str],
          status: int = 200, result: IngestResult | None = None) -> tuple[str, int]:
    problems = result.problems if result else []
    by_column = {c: [p for p in problems if p.column == c] for c in BY_NAME[template].column_names}
    other = [p for p in problems if p.column not in by_column]
    lists = value_lists()
    choices = {c.name: lists[c.target].terms() for c in BY_NAME[template].columns
               if c.kind in (VALUE, VALUES) and c.target in lists}  # offered, not imposed: the check decides
    return render_template("edit.html", template=BY_NAME[template], region=region, action=action, key=key,
                           cells=cells, before=before, by_column=by_column, other=other, choices=choices,
                           failed=bool(result and not result.ok)), status


def _iri(region: str, key: str) -> str:
    """The IRI of row `key` of a stored region (a relation row's key may be its full IRI)."""
    if "://" in key:
        return key
    info = region_infos(kg().db()).get(region)
    return (info.base or "") + key if info else key


def _writable() -> GraphStore:
    """The app's store, which takes a change as a delta (checked by the caller: a store folder or a
    remote store; kg.ingest.pipeline annotates both as GraphStore)."""
    return cast(GraphStore, kg().store)


@bp.get("/edit")
def edit_record() -> Response | tuple[str, int]:
    record = edit.record_of(kg().db(), request.args.get("iri", ""))
    if record is None:
        return _refuse(404, i18n.STRINGS.text("edit_no_record"))
    return _form(record.template, record.region, "change", record.key, record.cells, record.cells)


@bp.get("/edit/new/<template>")
def new_record(template: str) -> Response | tuple[str, int]:
    if template not in BY_NAME:
        abort(404)
    columns = BY_NAME[template].column_names
    cells = {c: request.args.get(c, "") for c in columns}
    return _form(template, request.args.get("region", ""), "add", "", cells, {})


@bp.post("/edit")
def check_record() -> Response | tuple[str, int]:
    check_csrf()
    f = request.form
    template, region, action, key = f.get("template", ""), f.get("region", ""), f.get("action", ""), f.get("key", "")
    if template not in BY_NAME or action not in ACTIONS:
        abort(400)
    ctx = kg()
    if not ctx.store.incremental:
        return _refuse(409, i18n.STRINGS.text("edit_no_delta"))
    columns = BY_NAME[template].column_names
    cells = {c: f.get("cell-" + c, "").strip() for c in columns} if action != "remove" else {}
    if action == "change" and "id" in cells:
        cells["id"] = key  # a row's code is its identity: another code is another row (add it)
    shown = {c: f.get("before-" + c, "") for c in columns}  # the row as the page showed it
    record = None if action == "add" else edit.record_of(ctx.db(), _iri(region, key))
    before = record.cells if record else {}  # the row as it is stored now
    # a row another change altered since the page was shown is not overwritten unseen: ask again
    confirmed = f.get("confirm") == "1" and {c: before.get(c, "") for c in columns} == shown
    try:
        result = check_edit(_writable(), region, template, action, key or None, cells, who=WHO)
    except edit.EditError as e:
        return _refuse(404 if action != "add" else 400, e.text)
    except StoreError as e:
        return _refuse(503, Text(nl=str(e), en=str(e)))
    if not result.ok:
        discard(result)
        return _form(template, region, action, key, cells, before, 422, result)
    if result.changes is not None and result.changes.unchanged:
        discard(result)
        flash(i18n.t("edit_nothing"), "undone")
        return _form(template, region, action, key, cells, before)
    if not confirmed:
        discard(result)
        return render_template("edit_confirm.html", template=template, region=region, action=action, key=key,
                               cells=cells, before=before, columns=columns, changes=result.changes,
                               moved=f.get("confirm") == "1",
                               base=result.base), 200
    try:
        commit(result, _writable())
    except StoreChanged:
        discard(result)
        return _refuse(409, problem("store_changed").text)
    ctx.snapshot.refresh(force=True)
    number = log.history(cast(ox.Store, ctx.db()), region)[0].number
    flash(i18n.t("edit_stored", n=number), "undone")
    node = key if action != "add" else cells.get("id", "")
    target = link_url(result.base + node) if node and action != "remove" else None
    if target:
        return redirect(f"{target}?stored={number}", 303)
    return redirect(url_for("history.history_page", region=region), 303)
