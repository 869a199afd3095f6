"""The Flask front end: thin views over kg functions (no SPARQL text here)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask
from jinja2 import StrictUndefined
from werkzeug.middleware.proxy_fix import ProxyFix

from kg import __version__, settings
from kg.store import open_store
from web import (
    analytics,
    auth,
    boundary,
    cache,
    docs,
    edit,
    federation,
    finder,
    history,
    i18n,
    ingest,
    linked_data,
    named,
    pages,
    security,
    sparql,
    trace,
    urls,
)
from web.context import KGContext


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory.

    Settings (kg.settings declares every KG_* one): `config`, over KG_* environment
    variables, over their defaults; typed. Other Flask settings may be given in `config`
    (MAX_CONTENT_LENGTH: the request body, default 1 MiB). KG_REGIONS is checked here: a bad
    file raises kg.federation.registry.RegistryError naming file, region and field.
    """
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1 * 1024 * 1024
    if config:
        app.config.from_mapping({k: v for k, v in config.items() if not k.startswith("KG_")})
    app.config.from_mapping(settings.web_config(config))
    app.config["SECRET_KEY"] = app.config.get("KG_SECRET_KEY") or app.config.get("SECRET_KEY") or secrets.token_hex(32)
    # Secure cookies only when KG_BASE_URL says the app is reached over HTTPS (not from KG_BASE_IRI's
    # scheme: the development server on http://127.0.0.1 must still be able to sign in).
    secure = str(app.config["KG_BASE_URL"] or "").startswith("https://")
    app.config["KG_BASE_URL"] = urls.base_url(app.config["KG_BASE_URL"], app.config["KG_BASE_IRI"])
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure)
    proxies = int(app.config["KG_TRUSTED_PROXIES"] or 0)
    if proxies > 0:  # the client's address and scheme as the proxies forwarded them (never the Host)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)  # type: ignore[method-assign]
    federation.install(app)  # the region registry, checked at start (docs/federation.md)

    app.extensions["kg"] = KGContext(
        store=open_store(app.config["KG_STORE_URL"] or app.config["KG_STORE"], app.config["KG_STORE_UPDATE_URL"],
                         app.config["KG_STORE_TIMEOUT"]),
        base_iri=app.config["KG_BASE_IRI"],
        deadline=app.config["KG_QUERY_DEADLINE"],
        row_cap=app.config["KG_ROW_CAP"],
        workers=app.config["KG_QUERY_WORKERS"],
        memory_mb=app.config["KG_QUERY_MEMORY_MB"],
        state_dir=app.config.get("KG_STATE_DIR"),
        snapshot_mode=app.config["KG_SNAPSHOT"],
        snapshot_memory_mb=app.config["KG_SNAPSHOT_MEMORY_MB"],
    )
    if app.config["KG_STRICT_TEMPLATES"]:
        app.jinja_env.undefined = StrictUndefined
    app.jinja_env.globals.update(t=i18n.t, lang=i18n.lang, version=__version__)
    security.install(app)
    i18n.install(app)
    cache.install(app)  # after security and i18n: its after-request hook runs before theirs
    app.register_blueprint(pages.bp)
    app.register_blueprint(trace.bp)
    app.register_blueprint(boundary.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(linked_data.bp)
    app.register_blueprint(finder.bp)
    app.register_blueprint(analytics.bp)
    app.register_blueprint(ingest.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(edit.bp)
    app.register_blueprint(named.bp)
    app.register_blueprint(docs.bp)
    return app
