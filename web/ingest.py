"""Spreadsheet upload for internal users: check, show the report, then commit exactly that upload.

    GET  /ingest                      the form and the regions in the store
    POST /ingest                      check an .xlsx or a .zip of CSV files; the report in the page
    GET  /ingest/<id>/annotated       the upload with the problems marked (xlsx or zip)
    POST /ingest/<id>/commit          commit the checked upload (its SHA-256 must match)

Only signed-in users or bearer-token holders: anyone else is sent to /login
(GET) or refused with 403 (POST). Every form carries the CSRF token. A
checked upload is kept server-side under a random id in KG_UPLOAD_DIR
(default: `uploads` next to the store) with its digest; the commit re-reads
those bytes, verifies the digest, checks again against the store as it is
now and commits only when clean, in one atomic switch. Uploads are limited
to KG_UPLOAD_MAX_BYTES (default 20 MiB), zip contents by kg.ingest.read.Limits;
on any error nothing is written to the store.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kg.ingest import annotate, report
from kg.ingest.mapping import check_base, check_region
from kg.ingest.pipeline import StoreChanged, check, commit, regions
from kg.ingest.read import ReadError, read_bytes
from kg.store import StoreError, default_store_path
from web import i18n
from web.context import kg
from web.i18n import lang
from web.security import attachment, check_csrf, is_internal

bp = Blueprint("ingest", __name__, url_prefix="/ingest")

UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEEP_SECONDS = 24 * 3600
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

i18n.STRINGS.update({
    "ingest": {"nl": "Upload", "en": "Upload"},
    "ingest_title": {"nl": "Spreadsheet uploaden", "en": "Upload a spreadsheet"},
    "ingest_intro": {"nl": "Upload de ingevulde sjablonen als XLSX-werkmap of als zip met CSV-bestanden. Eerst wordt "
                           "alles gecontroleerd, samen met wat al in de kennisgraaf staat; pas als er geen fouten zijn "
                           "kun je opslaan. Opslaan vervangt de gegevens van deze regio en niets anders.",
                     "en": "Upload the filled templates as an XLSX workbook or a zip of CSV files. Everything is checked "
                           "first, together with what the knowledge graph already holds; only when there are no errors "
                           "can you commit. Committing replaces this region's data and nothing else."},
    "ingest_file": {"nl": "Bestand (.xlsx of .zip)", "en": "File (.xlsx or .zip)"},
    "ingest_region": {"nl": "Regio", "en": "Region"},
    "ingest_base": {"nl": "Basis-IRI", "en": "Base IRI"},
    "ingest_check": {"nl": "Controleer", "en": "Check"},
    "ingest_templates": {"nl": "Lege sjablonen: kg templates MAP (zie de handleiding).",
                         "en": "Empty templates: kg templates DIR (see the guide)."},
    "ingest_regions": {"nl": "Regio's in de kennisgraaf", "en": "Regions in the knowledge graph"},
    "ingest_no_regions": {"nl": "Nog geen regio's.", "en": "No regions yet."},
    "ingest_report": {"nl": "Controle van {name}", "en": "Check of {name}"},
    "ingest_clean": {"nl": "Geen fouten: {t} triples voor regio {region}. Je kunt opslaan.",
                     "en": "No errors: {t} triples for region {region}. You can commit."},
    "ingest_has_errors": {"nl": "Er zijn fouten; er is niets opgeslagen. Verbeter ze in je spreadsheet en upload opnieuw.",
                          "en": "There are errors; nothing was written. Fix them in your spreadsheet and upload again."},
    "ingest_table_first": {"nl": "Los eerst deze fouten in de tabellen op; daarna volgt de controle tegen het model.",
                           "en": "Fix these table errors first; the check against the model follows after that."},
    "ingest_commit": {"nl": "Opslaan in de kennisgraaf", "en": "Commit to the knowledge graph"},
    "ingest_download": {"nl": "Download de kopie met de problemen gemarkeerd", "en": "Download the copy with the problems marked"},
    "ingest_committed": {"nl": "Opgeslagen: regio {region} is vervangen ({t} triples).",
                         "en": "Committed: region {region} replaced ({t} triples)."},
    "ingest_problems": {"nl": "Problemen", "en": "Problems"},
    "ingest_elsewhere": {"nl": "Elders in de kennisgraaf (blokkeert deze upload niet)",
                         "en": "Elsewhere in the knowledge graph (does not block this upload)"},
    "ingest_severity": {"nl": "Ernst", "en": "Severity"},
    "ingest_template": {"nl": "Sjabloon", "en": "Template"},
    "ingest_row": {"nl": "Rij", "en": "Row"},
    "ingest_column": {"nl": "Kolom", "en": "Column"},
    "ingest_value": {"nl": "Waarde", "en": "Value"},
    "ingest_message": {"nl": "Melding", "en": "Message"},
    "ingest_counts": {"nl": "Gelezen rijen", "en": "Rows read"},
    "ingest_bad_input": {"nl": "Kan deze upload niet gebruiken", "en": "Cannot use this upload"},
    "ingest_no_file": {"nl": "Kies een bestand.", "en": "Choose a file."},
    "ingest_too_large": {"nl": "Het bestand is te groot (hoogstens {mb} MB).", "en": "The file is too large (at most {mb} MB)."},
    "ingest_gone": {"nl": "Deze upload bestaat niet (meer); upload opnieuw.", "en": "This upload does not exist (any more); upload again."},
    "ingest_digest": {"nl": "De upload is veranderd sinds de controle; upload opnieuw.",
                      "en": "The upload changed since it was checked; upload again."},
    "sev_error": {"nl": "fout", "en": "error"},
    "sev_warning": {"nl": "waarschuwing", "en": "warning"},
    "sev_info": {"nl": "melding", "en": "info"},
})


@bp.before_request
def internal_only() -> Response | None:
    if not is_internal():
        if request.method == "GET":
            return redirect(url_for("auth.login"))
        abort(403)
    request.max_content_length = int(current_app.config.get("KG_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))
    return None


def _upload_dir() -> Path:
    configured = current_app.config.get("KG_UPLOAD_DIR")
    store = kg().store
    if configured:
        folder = Path(configured)
    elif store.remote:  # no folder of ours next to a remote store: the default data folder
        folder = default_store_path().parent / "uploads"
    else:
        folder = store.path.parent / (store.path.name + "-uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _prune(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for f in folder.iterdir():
        if f.is_file() and f.stat().st_mtime < cutoff:
            f.unlink(missing_ok=True)


def _form_page(status: int = 200, **kw) -> tuple[str, int]:
    defaults = {"region": request.form.get("region", "twente"),
                "base": request.form.get("base", current_app.config["KG_BASE_IRI"])}
    return render_template("ingest.html", regions=regions(kg().db()), form=defaults, **kw), status


@bp.get("")
def form() -> tuple[str, int]:
    return _form_page()


@bp.post("")
def upload() -> tuple[str, int]:
    check_csrf()
    f = request.files.get("file")
    region = request.form.get("region", "").strip()
    base = request.form.get("base", "").strip()
    bad = [m for m in (check_region(region), check_base(base)) if m]
    if f is None or not f.filename:
        return _form_page(400, input_error={"nl": i18n.STRINGS["ingest_no_file"]["nl"],
                                            "en": i18n.STRINGS["ingest_no_file"]["en"]})
    if bad:
        return _form_page(400, input_error={"nl": "; ".join(bad), "en": "; ".join(bad)})
    data = f.read()
    try:
        wb = read_bytes(data, f.filename)
    except ReadError as e:
        return _form_page(400, input_error={"nl": e.problem.message("nl"), "en": e.problem.message("en")})
    result = check(wb, region, base, kg().store)
    folder = _upload_dir()
    _prune(folder)
    upload_id = secrets.token_urlsafe(24)
    name, annotated = annotate.annotated_bytes(result, lang())
    (folder / f"{upload_id}.upload").write_bytes(data)
    (folder / f"{upload_id}.annotated").write_bytes(annotated)
    meta = {"filename": Path(f.filename).name, "region": region, "base": base,
            "sha256": hashlib.sha256(data).hexdigest(), "annotated": name, "ok": result.ok}
    (folder / f"{upload_id}.json").write_text(json.dumps(meta))
    return _form_page(200 if result.ok else 422, result=result, upload_id=upload_id, meta=meta,
                      summary=report.summary(result.problems))


def _meta(upload_id: str) -> tuple[Path, dict]:
    if not UPLOAD_ID.match(upload_id):
        abort(404)
    folder = _upload_dir()
    path = folder / f"{upload_id}.json"
    if not path.is_file():
        abort(404)
    return folder, json.loads(path.read_text())


@bp.get("/<upload_id>/annotated")
def annotated(upload_id: str) -> Response:
    folder, meta = _meta(upload_id)
    data = (folder / f"{upload_id}.annotated").read_bytes()
    kind = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if meta["annotated"].endswith(".xlsx") else "application/zip")
    resp = Response(data, mimetype=kind)
    resp.headers["Content-Disposition"] = attachment(meta["annotated"])
    return resp


@bp.post("/<upload_id>/commit")
def confirm(upload_id: str) -> tuple[str, int]:
    check_csrf()
    if not UPLOAD_ID.match(upload_id) or not (_upload_dir() / f"{upload_id}.json").is_file():
        return _form_page(404, input_error=dict(i18n.STRINGS["ingest_gone"]))
    folder, meta = _meta(upload_id)
    data = (folder / f"{upload_id}.upload").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != meta["sha256"] or request.form.get("sha256") != digest:
        return _form_page(409, input_error=dict(i18n.STRINGS["ingest_digest"]))
    wb = read_bytes(data, meta["filename"])
    result = check(wb, meta["region"], meta["base"], kg().store)
    if not result.ok:
        return _form_page(422, result=result, upload_id=upload_id, meta=meta, summary=report.summary(result.problems))
    try:
        commit(result, kg().store)
    except (StoreChanged, StoreError) as e:
        return _form_page(409, input_error={"nl": str(e), "en": str(e)})
    kg().snapshot.refresh(force=True)
    for suffix in (".upload", ".annotated", ".json"):
        (folder / f"{upload_id}{suffix}").unlink(missing_ok=True)
    return _form_page(200, committed=result, meta=meta)
