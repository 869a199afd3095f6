"""The Flask front end: thin views over kg functions (no SPARQL text here)."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, render_template

from kg import __version__, queries
from kg.snapshot import Snapshot
from kg.store import GraphStore, default_store_path


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory. Settings come from `config`, else from KG_* environment variables.

    KG_STORE: the store folder (default as for the kg CLI).
    """
    app = Flask(__name__)
    app.config.from_mapping(KG_STORE=str(default_store_path()))
    app.config.from_mapping({k: v for k, v in os.environ.items() if k.startswith("KG_")})
    if config:
        app.config.from_mapping(config)
    snapshot = Snapshot(GraphStore(app.config["KG_STORE"]))
    app.extensions["kg"] = snapshot

    @app.get("/")
    def home() -> str:
        db = snapshot.db()
        graphs = [(r["graph"].value, int(r["triples"].value)) for r in queries.run(db, "graph-sizes")]
        actors = [(r["label"].value, int(r["actors"].value)) for r in queries.run(db, "actor-types", {"lang": "nl"})]
        return render_template("home.html", graphs=graphs, actors=actors, version=__version__,
                               generation=snapshot.generation)

    return app
