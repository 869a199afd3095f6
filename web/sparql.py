"""The SPARQL 1.1 Protocol endpoint at /sparql (filled in by the endpoint work)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sparql", __name__)
