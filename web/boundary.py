"""Boundary objects: /boundary-objects (a page of them, 20 at a time) and /api/boundary-objects
(the same as JSON, kg.answers.boundary.BoundaryObjects), in the request's view (public without
signing in) and language. No SPARQL here: kg.answers.boundary reads the named queries."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from kg.answers import boundary
from kg.text import Text
from web import i18n
from web.context import kg
from web.i18n import lang
from web.security import view

bp = Blueprint("boundary", __name__)

i18n.STRINGS.add({
    "bo_title": Text(nl="Grensobjecten", en="Boundary objects"),
    "bo_intro": Text(nl="Artefacten die lid zijn van ten minste twee netwerken en in elk een andere rol spelen "
                        "(Star & Griesemer): hun rol per netwerk en hoe ver ze zich verspreidden (adopties van het "
                        "artefact of een aangepaste kopie, en adopterende scholen, zoals het diffusiespoor ze telt).",
                     en="Artefacts that are members of at least two networks and play a different role in each "
                        "(Star & Griesemer): their role per network and how far they spread (adoptions of the "
                        "artefact or an adapted copy, and adopting schools, as the diffusion trace counts them)."),
    "bo_in_network": Text(nl="Grensobjecten in dit netwerk", en="Boundary objects in this network"),
    "bo_all": Text(nl="Alle grensobjecten", en="All boundary objects"),
    "bo_roles": Text(nl="Rol per netwerk", en="Role per network"),
    "bo_spread": Text(nl="Verspreiding", en="Spread"),
    "bo_adoptions": Text(nl="Adopties", en="Adoptions"),
    "bo_schools": Text(nl="Scholen", en="Schools"),
    "bo_bad_page": Text(nl="offset moet een geheel getal van 0 of meer zijn en limit een geheel getal van 1 tot en met 100.",
                        en="offset must be a whole number of 0 or more and limit a whole number from 1 to 100."),
    "entry_boundary_objects": Text(nl="Grensobjecten: welke artefacten verbinden netwerken?",
                                   en="Boundary objects: which artefacts connect networks?"),
    "entry_boundary_objects_sub": Text(nl="Met hun rol in elk netwerk en hoe ver ze zich verspreidden.",
                                       en="With their role in each network and how far they spread."),
})


def _page_args() -> tuple[int, int] | None:
    """?offset= (0 or more) and ?limit= (1 to 100), or None when either is not such a number."""
    offset, limit = request.args.get("offset", "0").strip(), request.args.get("limit", "").strip()
    if not offset.isdigit() or len(offset) > 9 or (limit and (not limit.isdigit() or len(limit) > 3)):
        return None
    size = int(limit) if limit else boundary.PER_PAGE
    return (int(offset), size) if 1 <= size <= boundary.MAX_PER_PAGE else None


@bp.get("/api/boundary-objects")
def api_boundary_objects() -> Response | tuple[Response, int]:
    paging = _page_args()
    if paging is None:
        return jsonify({"error": {"code": "bad-page", **i18n.both("bo_bad_page")}}), 400
    return jsonify(boundary.listing(kg().db(), view(), lang(), *paging))


@bp.get("/boundary-objects")
def boundary_objects_page() -> str | tuple[str, int]:
    paging = _page_args()
    offset, limit = paging or (0, boundary.PER_PAGE)
    found = boundary.listing(kg().db(), view(), lang(), offset, limit)
    same: dict[str, Any] = {"limit": limit} if limit != boundary.PER_PAGE else {}
    pager = {"first": offset + 1, "last": offset + len(found["boundary_objects"]), "total": found["total"],
             "previous": None if found["previous"] is None
             else url_for("boundary.boundary_objects_page", offset=found["previous"], **same),
             "next": None if found["next"] is None
             else url_for("boundary.boundary_objects_page", offset=found["next"], **same)}
    html = render_template("boundary_objects.html", found=found, pager=pager, problem=paging is None,
                           json_url=url_for("boundary.api_boundary_objects", offset=offset, lang=lang(), **same))
    return html if paging is not None else (html, 400)
