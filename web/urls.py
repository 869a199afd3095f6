"""Where an IRI lives on this server, and back.

Data IRIs under the configured base (KG_BASE_IRI, e.g.
`https://knll-twente.example/id/`) are served at `/id/<local>` and their
documents at `/doc/<local>`; vocabulary concepts at `/vocab/...`; the
ontology at `/ns`. Any other IRI is shown at `/resource?iri=...`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from flask import current_app, url_for

from kg.model.namespaces import CKG, ONTOLOGY_IRI, VOCAB


def page_url(iri: str, base_iri: str) -> str:
    """The HTML page of an IRI on this server."""
    if base_iri and iri.startswith(base_iri) and len(iri) > len(base_iri):
        return url_for("linked_data.document", local=iri[len(base_iri):])
    if iri.startswith(VOCAB):
        return "/vocab/" + quote(iri[len(VOCAB):], safe="/-_.~")
    if iri.startswith(CKG):
        return "/ns#" + quote(iri[len(CKG):], safe="-_.~")
    if iri == ONTOLOGY_IRI:
        return "/ns"
    return url_for("pages.resource", iri=iri)


def base_url(configured: str, base_iri: str) -> str:
    """The server's public URL, ending in `/`: KG_BASE_URL, else the scheme and host of KG_BASE_IRI."""
    if configured:
        return configured.rstrip("/") + "/"
    parts = urlsplit(base_iri)
    return f"{parts.scheme}://{parts.netloc}/"


def public_url(path: str) -> str:
    """`path` (from url_for) on the server's public URL (KG_BASE_URL): never the request's Host
    header, which a client chooses (issue 14)."""
    return current_app.config["KG_BASE_URL"].rstrip("/") + "/" + path.lstrip("/")


def external_url(iri: str) -> str | None:
    """An IRI that may be a link as it is (another region's actor): only http(s) IRIs without
    blanks, quotes or angle brackets; None for anything else (`javascript:`, `data:`, ...),
    which pages then show as text."""
    return iri if re.match(r"https?://[^\s<>\"]+$", iri) else None


def local_to_iri(local: str, base_iri: str) -> str:
    return base_iri + local
