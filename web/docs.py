"""The project's documentation (docs/*.md) as pages, so a table on the analytics page can link to
the section that defines its measures: /docs/NAME (or /docs/NAME.md, as the files link to each
other) and the screenshots they show. Rendered by markdown-it (CommonMark and tables; raw HTML
in a file is escaped, not passed through), headings with GitHub's anchors."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, abort, render_template, send_from_directory
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.anchors import anchors_plugin

from kg.model.resources import docs_dir

bp = Blueprint("docs", __name__)


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table").use(anchors_plugin, min_level=1, max_level=4)


def _source(name: str) -> str:
    """The text of the Markdown file NAME of docs/; 404 for any other name (only the folder's own files, by stem)."""
    found = {p.stem: p for p in docs_dir().glob("*.md")}
    if name not in found:
        abort(404)
    return found[name].read_text(encoding="utf-8")


@bp.get("/docs/<name>.md")
@bp.get("/docs/<name>")    # registered first: the URL url_for builds
def page(name: str) -> str:
    text = _source(name)
    title = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("# ")), name)
    return render_template("docs.html", title=title, body=Markup(_renderer().render(text)))


@bp.get("/docs/screenshots/<path:filename>")
def screenshot(filename: str):
    return send_from_directory(docs_dir() / "screenshots", filename)
