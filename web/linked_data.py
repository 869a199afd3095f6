"""Linked data: /id/ dereferencing, /doc/ documents with content negotiation (filled in later)."""

from __future__ import annotations

from flask import Blueprint, abort

from web import pages

bp = Blueprint("linked_data", __name__)


@bp.get("/doc/<path:local>")
def document(local: str) -> str:
    abort(404) if not local else None
    return pages.render_document(local)
