"""The Flask front end: thin views over kg functions (no SPARQL text here)."""

from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask

from kg import __version__
from kg.store import default_store_path, open_store
from web import api, auth, i18n, linked_data, pages, security, sparql
from web import finder
from web import diffusion
from web.context import KGContext

DEFAULTS: dict[str, Any] = {
    "KG_BASE_IRI": "https://knll-twente.example/id/",
    "KG_QUERY_DEADLINE": 10.0,
    "KG_ROW_CAP": 10000,
    "KG_QUERY_WORKERS": 2,
    "KG_TOKEN": "",
    "KG_QUERY_MAX_CHARS": 100_000,
    "KG_QUERY_MEMORY_MB": 2048,
    "KG_TODAY": "",
    "KG_DATA_LICENSE": "",
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
    "KG_REGIONS": "",
    "KG_FEDERATION_TIMEOUT": 5.0,
    "KG_INGEST_WAIT": 2.0,
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory.

    Settings: `config`, over KG_* environment variables, over DEFAULTS.
    KG_STORE (store folder) or KG_STORE_URL (a remote SPARQL store, sparql+http://...;
    KG_STORE_UPDATE_URL, KG_STORE_TIMEOUT), KG_BASE_IRI (data IRIs served at /id/),
    KG_TOKEN (access token for internal use; unset = public only),
    KG_QUERY_DEADLINE (seconds), KG_ROW_CAP, KG_QUERY_WORKERS,
    KG_QUERY_MAX_CHARS, KG_QUERY_MEMORY_MB (per SPARQL worker),
    KG_TODAY (the date pages treat as today; empty = the real date),
    KG_DATA_LICENSE (licence IRI in VoID; empty = CC BY 4.0),
    KG_SECRET_KEY (session signing; random per process when unset),
    KG_REGIONS (the region registry, TOML; empty = no federation; checked here: a bad file
    raises kg.regions.RegistryError naming file, region and field), KG_FEDERATION_TIMEOUT
    (seconds per federated answer, default 5), KG_INGEST_WAIT (seconds an upload waits for its
    check before the page shows progress instead, default 2).
    """
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config["KG_STORE"] = str(default_store_path())
    app.config.from_mapping({k: v for k, v in os.environ.items() if k.startswith("KG_")})
    if config:
        app.config.from_mapping(config)
    app.config["SECRET_KEY"] = app.config.get("KG_SECRET_KEY") or app.config.get("SECRET_KEY") or secrets.token_hex(32)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    from web import federation  # the region registry, checked at start (docs/federation.md)
    federation.install(app)

    app.extensions["kg"] = KGContext(
        store=open_store(app.config.get("KG_STORE_URL") or app.config["KG_STORE"],
                         app.config.get("KG_STORE_UPDATE_URL") or None, app.config.get("KG_STORE_TIMEOUT") or None),
        base_iri=app.config["KG_BASE_IRI"],
        deadline=float(app.config["KG_QUERY_DEADLINE"]),
        row_cap=int(app.config["KG_ROW_CAP"]),
        workers=int(app.config["KG_QUERY_WORKERS"]),
        memory_mb=int(app.config["KG_QUERY_MEMORY_MB"]),
    )
    app.jinja_env.globals.update(t=i18n.t, lang=i18n.lang, version=__version__)
    security.install(app)
    i18n.install(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(diffusion.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(linked_data.bp)
    app.register_blueprint(finder.bp)
    from web import analytics  # noqa: E402  (network analytics pages, docs/analytics.md)
    app.register_blueprint(analytics.bp)
    from web import ingest
    app.register_blueprint(ingest.bp)
    return app
