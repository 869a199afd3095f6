"""Spreadsheet upload for internal users: check, say what will change, commit on confirmation.

    GET  /ingest                          the form: the regions in the store (with their base) or a new one
    POST /ingest                          read the file, start checking it; then to its page
    GET  /ingest/<id>                     progress while checking or committing; then the report:
                                          problems, what committing changes per template, the commit form
    GET  /ingest/<id>/report.json         the same as JSON (for API clients)
    GET  /ingest/<id>/annotated           the upload with the problems marked (xlsx or zip)
    POST /ingest/<id>/commit              commit exactly the checked upload (its SHA-256 must match)

Only signed-in users or bearer-token holders: anyone else is sent to /login
(GET) or refused with 403 (POST). Every form carries the CSRF token. The form
starts empty: staff choose a region the store holds (its base is fixed) or
name a new one with its base (kg.ingest.ownership). A readable upload is kept
server-side under a random id in KG_UPLOAD_DIR (default: `uploads` next to
the store) with its digest; checking and committing run in the background
(web.jobs) and the page shows their progress. The commit re-reads those
bytes, verifies the digest, checks again against the store as it is now, and
commits only when clean and when what it changes is what the page showed
(else it shows the new changes and asks again); removing more than half of
the region's people needs an extra tick. Uploads are limited to
KG_UPLOAD_MAX_BYTES (default 20 MiB), zip contents by kg.ingest.read.Limits;
on any error nothing is written to the store, and an upload that cannot be
committed is removed from disk.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kg.ingest import annotate, report
from kg.ingest.mapping import region_name_problem
from kg.ingest.ownership import OwnershipError, region_infos, resolve_base
from kg.ingest.pipeline import StoreChanged, check, commit, discard
from kg.ingest.problems import Problem, problem
from kg.ingest.read import ReadError, read_bytes
from kg.pipeline.build import Progress
from kg.pipeline.report import step_label
from kg.store import StoreError
from kg.text import Text
from web import federation, i18n
from web.context import WHO, kg
from web.i18n import lang
from web.jobs import DONE, FAILED, JobFailed, status, write_json
from web.security import check_csrf, download, staff_only

bp = Blueprint("ingest", __name__, url_prefix="/ingest")

UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEEP_SECONDS = 24 * 3600
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
NEW = "_new"  # the form's choice "a new region"

i18n.STRINGS.add({
    "ingest": Text(nl="Upload", en="Upload"),
    "ingest_title": Text(nl="Spreadsheet uploaden", en="Upload a spreadsheet"),
    "ingest_intro": Text(nl="Upload de ingevulde sjablonen als XLSX-werkmap of als zip met CSV-bestanden. Eerst wordt "
                            "alles gecontroleerd, samen met wat al in de kennisgraaf staat, en zie je wat opslaan "
                            "verandert; pas als er geen fouten zijn kun je dat bevestigen. Opslaan vervangt de gegevens "
                            "van deze regio en niets anders.",
                         en="Upload the filled templates as an XLSX workbook or a zip of CSV files. Everything is checked "
                            "first, together with what the knowledge graph already holds, and you see what committing "
                            "changes; only when there are no errors can you confirm it. Committing replaces this "
                            "region's data and nothing else."),
    "ingest_choose": Text(nl="— kies een regio —", en="— choose a region —"),
    "ingest_new_option": Text(nl="Nieuwe regio…", en="New region…"),
    "ingest_new": Text(nl="Nieuwe regio", en="New region"),
    "ingest_new_help": Text(nl="Alleen voor een nieuwe regio: haar naam (kleine letters, cijfers, '-') en basis-IRI. "
                               "De basis-IRI ligt daarna vast; codes worden basis + code.",
                            en="For a new region only: its name (lower-case letters, digits, '-') and base IRI. The "
                               "base is then fixed; codes become base + code."),
    "ingest_no_choice": Text(nl="Kies een regio, of 'Nieuwe regio' met naam en basis-IRI.",
                             en="Choose a region, or 'New region' with a name and a base IRI."),
    "ingest_exists": Text(nl="De regio {region} bestaat al: kies haar in de lijst.",
                          en="Region {region} already exists: choose it in the list."),
    "ingest_unknown_region": Text(nl="De kennisgraaf heeft geen regio {region}.",
                                  en="The knowledge graph has no region {region}."),
    "ingest_changes": Text(nl="Wat opslaan verandert", en="What committing changes"),
    "ingest_changes_new": Text(nl="Nieuwe regio: opslaan voegt toe", en="New region: committing adds"),
    "ingest_changes_none": Text(nl="Niets: de upload is gelijk aan de opgeslagen regio.",
                                en="Nothing: the upload equals the stored region."),
    "ingest_before": Text(nl="Nu", en="Now"),
    "ingest_after": Text(nl="Na opslaan", en="After"),
    "ingest_added": Text(nl="Toegevoegd", en="Added"),
    "ingest_removed": Text(nl="Verwijderd", en="Removed"),
    "ingest_changed": Text(nl="Gewijzigd", en="Changed"),
    "ingest_which": Text(nl="Welke", en="Which"),
    "ingest_more": Text(nl="en {n} meer", en="and {n} more"),
    "ingest_most_people": Text(nl="Meer dan de helft van de mensen van deze regio wordt verwijderd ({removed} van {before}).",
                               en="More than half of this region's people would be removed ({removed} of {before})."),
    "ingest_confirm_removal": Text(nl="Ik begrijp dat {removed} van de {before} mensen uit de kennisgraaf verdwijnen.",
                                   en="I understand that {removed} of the {before} people leave the knowledge graph."),
    "ingest_need_confirm": Text(nl="Bevestig eerst dat je deze mensen wilt verwijderen.",
                                en="First confirm that you want to remove these people."),
    "ingest_changed_since": Text(nl="De kennisgraaf is veranderd sinds de controle; dit is wat opslaan nu verandert. "
                                    "Er is niets opgeslagen: bevestig opnieuw.",
                                 en="The knowledge graph changed since the check; this is what committing changes now. "
                                    "Nothing was written: confirm again."),
    "ingest_working": Text(nl="Bezig met {name}", en="Working on {name}"),
    "ingest_queued": Text(nl="In de wachtrij: er loopt nog een andere controle.",
                          en="Waiting: another check is still running."),
    "ingest_refresh": Text(nl="Deze pagina ververst zichzelf; je kunt haar ook sluiten en later terugkomen.",
                           en="This page refreshes itself; you may also close it and come back later."),
    "ingest_failed": Text(nl="Het is niet gelukt", en="It did not work"),
    "ingest_file": Text(nl="Bestand (.xlsx of .zip)", en="File (.xlsx or .zip)"),
    "ingest_region": Text(nl="Regio", en="Region"),
    "ingest_base": Text(nl="Basis-IRI", en="Base IRI"),
    "ingest_check": Text(nl="Controleer", en="Check"),
    "ingest_templates": Text(nl="Lege sjablonen: kg templates MAP (zie de handleiding).",
                             en="Empty templates: kg templates DIR (see the guide)."),
    "ingest_regions": Text(nl="Regio's in de kennisgraaf", en="Regions in the knowledge graph"),
    "ingest_no_regions": Text(nl="Nog geen regio's.", en="No regions yet."),
    "ingest_report": Text(nl="Controle van {name}", en="Check of {name}"),
    "ingest_clean": Text(nl="Geen fouten: {t} triples voor regio {region}. Je kunt opslaan.",
                         en="No errors: {t} triples for region {region}. You can commit."),
    "ingest_has_errors": Text(nl="Er zijn fouten; er is niets opgeslagen. Verbeter ze in je spreadsheet en upload opnieuw.",
                              en="There are errors; nothing was written. Fix them in your spreadsheet and upload again."),
    "ingest_table_first": Text(nl="Los eerst deze fouten in de tabellen op; daarna volgt de controle tegen het model.",
                               en="Fix these table errors first; the check against the model follows after that."),
    "ingest_commit": Text(nl="Bevestig: opslaan in de kennisgraaf", en="Confirm: commit to the knowledge graph"),
    "ingest_download": Text(nl="Download de kopie met de problemen gemarkeerd", en="Download the copy with the problems marked"),
    "ingest_committed": Text(nl="Opgeslagen: regio {region} is vervangen ({t} triples).",
                             en="Committed: region {region} replaced ({t} triples)."),
    "ingest_committed_new": Text(nl="Opgeslagen: regio {region} is toegevoegd ({t} triples).",
                                 en="Committed: region {region} added ({t} triples)."),
    "ingest_problems": Text(nl="Problemen", en="Problems"),
    "ingest_elsewhere": Text(nl="Elders in de kennisgraaf (blokkeert deze upload niet)",
                             en="Elsewhere in the knowledge graph (does not block this upload)"),
    "ingest_severity": Text(nl="Ernst", en="Severity"),
    "ingest_template": Text(nl="Sjabloon", en="Template"),
    "ingest_row": Text(nl="Rij", en="Row"),
    "ingest_column": Text(nl="Kolom", en="Column"),
    "ingest_value": Text(nl="Waarde", en="Value"),
    "ingest_message": Text(nl="Melding", en="Message"),
    "ingest_counts": Text(nl="Gelezen rijen", en="Rows read"),
    "ingest_bad_input": Text(nl="Kan deze upload niet gebruiken", en="Cannot use this upload"),
    "ingest_no_file": Text(nl="Kies een bestand.", en="Choose a file."),
    "ingest_too_large": Text(nl="Het bestand is te groot (hoogstens {mb} MB).", en="The file is too large (at most {mb} MB)."),
    "ingest_gone": Text(nl="Deze upload bestaat niet (meer); upload opnieuw.", en="This upload does not exist (any more); upload again."),
    "ingest_digest": Text(nl="De upload is veranderd sinds de controle; upload opnieuw.",
                          en="The upload changed since it was checked; upload again."),
    "sev_error": Text(nl="fout", en="error"),
    "sev_warning": Text(nl="waarschuwing", en="warning"),
    "sev_info": Text(nl="melding", en="info"),
})


@bp.before_request
def internal_only() -> Response | None:
    refused = staff_only()
    if refused is not None:
        return refused
    request.max_content_length = int(current_app.config.get("KG_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))
    return None


def _upload_dir() -> Path:
    configured = current_app.config.get("KG_UPLOAD_DIR")
    folder = Path(configured) if configured else kg().store.upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _prune(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for f in folder.iterdir():
        if f.is_file() and f.stat().st_mtime < cutoff:
            f.unlink(missing_ok=True)


def _files(upload_id: str) -> dict[str, Path]:
    folder = _upload_dir()
    return {k: folder / f"{upload_id}.{k}" for k in ("upload", "json", "status", "report", "annotated")}


def _form_page(status: int = 200, **kw) -> tuple[str, int]:
    form = {k: request.form.get(k, "") for k in ("region", "new_region", "new_base")}
    page = {"committed": None, "input_error": None, "report": None, "need_confirm": False, **kw}  # what the template may show
    return render_template("ingest.html", regions=region_infos(kg().db()), form=form, new=NEW, **page), status


def _error(key: str, status: int, **fmt: object) -> tuple[str, int]:
    return _form_page(status, input_error=i18n.STRINGS.text(key, **fmt))


@bp.get("")
def form() -> tuple[str, int]:
    return _form_page()


def _target() -> tuple[str, str, bool]:
    """(region, base, new) chosen on the form; OwnershipError, or ValueError(key, values) of a message,
    if unusable."""
    choice = request.form.get("region", "").strip()
    new = choice == NEW
    region = request.form.get("new_region", "").strip() if new else choice
    if not region:
        raise ValueError("ingest_no_choice", {})
    why = region_name_problem(region)
    if why:
        raise OwnershipError(Text(nl=f"Regio {region!r}: alleen kleine letters, cijfers en '-' (hoogstens 63).",
                                  en=f"Region {region!r}: {why}."))
    infos = region_infos(kg().db())
    if new and region in infos:
        raise ValueError("ingest_exists", {"region": region})
    if not new and region not in infos:
        raise ValueError("ingest_unknown_region", {"region": region})
    # the base field is for a new region, or one stored before bases were kept
    given = request.form.get("new_base", "").strip() or None if new or not infos[region].base else None
    registry = federation.registry()
    local = registry.local if registry else None
    base = resolve_base(region, given, infos, local.name if local else None, local.base if local else None)
    return region, base, new


@bp.post("")
def upload() -> Response | tuple[str, int]:
    check_csrf()
    f = request.files.get("file")
    if f is None or not f.filename:
        return _error("ingest_no_file", 400)
    try:
        region, base, new = _target()
    except OwnershipError as e:
        return _form_page(400, input_error=e.text)
    except ValueError as e:
        return _error(e.args[0], 400, **e.args[1])
    data = f.read()
    try:
        wb = read_bytes(data, f.filename)
    except ReadError as e:
        return _form_page(400, input_error=e.text)
    _prune(_upload_dir())
    upload_id = secrets.token_urlsafe(24)
    files = _files(upload_id)
    files["upload"].write_bytes(data)
    meta = {"filename": Path(f.filename).name, "region": region, "base": base, "new_region": new,
            "sha256": hashlib.sha256(data).hexdigest(), "phase": "checking", "lang": lang()}
    write_json(files["json"], meta)
    ctx = kg()

    def work(progress: Progress) -> None:
        result = check(wb, region, base, ctx.store, progress=progress, who=WHO, source=meta["filename"])
        discard(result)  # the preview writes nothing; the commit checks again
        _checked(files, meta, result)

    ctx.jobs.start(files["status"], "check", work)
    return _after_start(upload_id)


def _checked(files: dict[str, Path], meta: dict, result) -> None:
    """Keep a check's report and annotated copy; an upload that cannot be committed leaves the disk."""
    name, annotated = annotate.annotated_bytes(result, meta["lang"])
    files["annotated"].write_bytes(annotated)
    write_json(files["report"], report.to_json(result))
    meta.update(phase="checked", ok=result.ok, annotated=name)
    write_json(files["json"], meta)
    if not result.ok:
        files["upload"].unlink(missing_ok=True)


def _after_start(upload_id: str) -> Response:
    """JSON clients get 202 and where to look; a browser waits briefly, then goes to the upload's page."""
    where = url_for("ingest.show", upload_id=upload_id)
    if request.accept_mimetypes.best == "application/json":
        resp = jsonify({"id": upload_id, "page": where,
                        "report": url_for("ingest.report_json", upload_id=upload_id)})
        resp.status_code, resp.headers["Location"] = 202, where
        return resp
    # a job done within KG_INGEST_WAIT shows its result at once; a longer one shows progress
    kg().jobs.wait(_files(upload_id)["status"], float(current_app.config["KG_INGEST_WAIT"]))
    return redirect(where, 303)


def _load(upload_id: str) -> tuple[dict[str, Path], dict, dict | None]:
    if not UPLOAD_ID.match(upload_id):
        abort(404)
    files = _files(upload_id)
    try:
        meta = json.loads(files["json"].read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        abort(404)
    return files, meta, status(files["status"])


def _report(files: dict[str, Path]) -> dict | None:
    try:
        return json.loads(files["report"].read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


@bp.get("/<upload_id>")
def show(upload_id: str) -> tuple[str, int]:
    files, meta, job = _load(upload_id)
    if job and job["state"] not in (DONE, FAILED):
        steps = [{"label": step_label(s, lang()), "at": at} for s, at in job.get("steps", [])]
        return render_template("ingest_progress.html", meta=meta, job=job, steps=steps), 200
    kw: dict = {}
    if job and job["state"] == FAILED:
        kw["input_error"] = Text(**job["error"])
    rep = _report(files)
    if meta.get("phase") == "committed":
        kw["committed"] = meta
    elif rep is not None:
        kw.update(_report_view(rep))
    return _form_page(200, upload_id=upload_id, meta=meta, **kw)


def _report_view(rep: dict) -> dict:
    return {"report": rep, "problems": [Problem.from_json(p) for p in rep["problems"]],
            "elsewhere": [Problem.from_json(p) for p in rep["elsewhere"]], "summary": rep["summary"],
            "changes": rep.get("changes")}


@bp.get("/<upload_id>/report.json")
def report_json(upload_id: str) -> Response:
    files, meta, job = _load(upload_id)
    return jsonify({"id": upload_id, "phase": meta.get("phase"), "region": meta["region"], "base": meta["base"],
                    "job": job, "report": _report(files)})


@bp.get("/<upload_id>/annotated")
def annotated(upload_id: str) -> Response:
    files, meta, _ = _load(upload_id)
    if not files["annotated"].is_file() or "annotated" not in meta:
        abort(404)
    data = files["annotated"].read_bytes()
    kind = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if meta["annotated"].endswith(".xlsx") else "application/zip")
    return download(data, kind, meta["annotated"])


@bp.post("/<upload_id>/commit")
def confirm(upload_id: str) -> Response | tuple[str, int]:
    check_csrf()
    if not UPLOAD_ID.match(upload_id) or not _files(upload_id)["upload"].is_file():
        return _error("ingest_gone", 404)
    files, meta, job = _load(upload_id)
    rep = _report(files)
    if meta.get("phase") != "checked" or not meta.get("ok") or rep is None:
        return _error("ingest_gone", 404)
    data = files["upload"].read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != meta["sha256"] or request.form.get("sha256") != digest:
        return _error("ingest_digest", 409)
    shown = rep.get("changes")
    if shown and shown.get("removes_most_people") and request.form.get("confirm_removal") != "1":
        return _form_page(409, upload_id=upload_id, meta=meta, need_confirm=True, **_report_view(rep))
    ctx = kg()
    meta.update(phase="committing")
    write_json(files["json"], meta)

    def work(progress: Progress) -> None:
        result = check(read_bytes(data, meta["filename"]), meta["region"], meta["base"], ctx.store,
                       progress=progress, who=WHO, source=meta["filename"])
        if not result.ok or result.changes is None or result.changes.to_json() != shown:
            discard(result)
            meta["changed_since"] = result.ok
            _checked(files, meta, result)
            return
        try:
            commit(result, ctx.store, progress)
        except (StoreChanged, StoreError) as e:
            meta.update(phase="checked")
            write_json(files["json"], meta)
            if isinstance(e, StoreChanged):
                raise JobFailed(problem("store_changed").text) from None
            raise JobFailed(Text(nl=str(e), en=str(e))) from None
        ctx.snapshot.refresh(force=True)
        meta.update(phase="committed", triples=result.counts()["triples"], changed_since=False)
        write_json(files["json"], meta)
        files["upload"].unlink(missing_ok=True)

    ctx.jobs.start(files["status"], "commit", work)
    return _after_start(upload_id)
