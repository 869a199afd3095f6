"""HTML pages. Every view calls kg functions; no SPARQL text lives here."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from kg import queries
from web.context import kg
from web.i18n import lang
from web.security import view

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    ctx = kg()
    db = ctx.db()
    actors = [(r["label"].value, int(r["actors"].value))
              for r in queries.run(db, "actor-types", {"lang": lang()}, view=view())]
    graphs = [(r["graph"].value, int(r["triples"].value)) for r in queries.run(db, "graph-sizes")]
    return render_template("home.html", actors=actors, graphs=graphs, generation=ctx.snapshot.generation)


def render_document(local: str) -> str:
    """The HTML page of the data entity `{KG_BASE_IRI}{local}` (one layout for every actor)."""
    abort(404)


@bp.get("/resource")
def resource() -> str:
    abort(404)
