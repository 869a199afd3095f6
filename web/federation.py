"""Federation settings of the web app: the region registry (KG_REGIONS) and the time limit.

`install(app)` reads and checks the registry when the app is created, so a bad file stops the
start with a message naming the file, the region and the field (kg.federation.registry.RegistryError, in
Dutch and English). Without KG_REGIONS there is no federation: `?federated=1` then answers 400
(JSON) or says so on the page. The finder (web/finder.py) and the trace (web/trace.py) pass
`wanted()` to kg.federation.federated, which answers locally or across regions; this module holds
no SPARQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request

from kg.federation import registry as regions
from kg.text import Text
from web import i18n

i18n.STRINGS.add({
    "fed_option": Text(nl="Ook in andere regio's zoeken", en="Also search other regions"),
    "fed_regions": Text(nl="Regio's", en="Regions"),
    "fed_region": Text(nl="Regio", en="Region"),
    "fed_local": Text(nl="deze regio", en="this region"),
    "fed_public_only": Text(nl="Alleen openbare gegevens: mensen verschijnen alleen met toestemming voor openbaarheid.",
                            en="Public data only: people appear only with consent to be public."),
    "fed_partial": Text(nl="Gedeeltelijk resultaat: geen antwoord van", en="Partial result: no answer from"),
    "fed_status_ok": Text(nl="antwoordde", en="answered"),
    "fed_status_timeout": Text(nl="geen antwoord binnen de tijd", en="no answer in time"),
    "fed_status_error": Text(nl="fout", en="error"),
    "fed_status_unknown-topic": Text(nl="kent het thema niet", en="does not know the topic"),
    "fed_status_unknown-artefact": Text(nl="kent het artefact niet", en="does not know the artefact"),
    "fed_results": Text(nl="resultaten", en="results"),
    "fed_adoptions": Text(nl="adopties", en="adoptions"),
    "fed_problem_timeout": Text(nl="geen antwoord binnen {seconds} s", en="no answer within {seconds} s"),
    "fed_problem_error": Text(nl="de regio kon niet worden gevraagd of haar antwoord was onbruikbaar (details in het "
                                 "serverlogboek)",
                              en="the region could not be asked or its answer could not be used (details in the "
                                 "server log)"),
    "fed_problem_unknown-topic": Text(nl="de regio kent het thema niet", en="the region does not know the topic"),
    "fed_problem_unknown-artefact": Text(nl="de regio kent het artefact niet",
                                         en="the region does not know the artefact"),
    "fed_off": Text(nl="Deze server kent geen andere regio's (KG_REGIONS is niet ingesteld).",
                    en="This server knows no other regions (KG_REGIONS is not set)."),
})

EXTENSION = "kg_federation"


def install(app) -> None:
    """Load and check the registry named by KG_REGIONS (empty: no federation)."""
    path = app.config.get("KG_REGIONS") or ""
    registry = regions.load(path) if path else None
    app.extensions[EXTENSION] = {"registry": registry,
                                 "timeout": float(app.config.get("KG_FEDERATION_TIMEOUT") or regions.DEFAULT_TIMEOUT)}


def registry() -> regions.Registry | None:
    return current_app.extensions[EXTENSION]["registry"]


def timeout() -> float:
    return current_app.extensions[EXTENSION]["timeout"]


def asked() -> bool:
    """Whether the request asks for a federated answer (?federated=1)."""
    return request.args.get("federated") == "1"


def wanted(refusal: Callable[[], Exception]) -> regions.Registry | None:
    """The registry when the request asks for a federated answer, else None (this store alone);
    raises `refusal()` when it asks and this server knows no other regions."""
    if not asked():
        return None
    found = registry()
    if found is None:
        raise refusal()
    return found


def for_client(answer: dict[str, Any]) -> dict[str, Any]:
    """`answer` with each region's `error` replaced by what a client may see: {"code" (the status),
    "nl", "en"} or None. The details (another server's or Python's error text, which may name
    hosts, paths or internals) go to the server log only (issue 14)."""
    for r in answer.get("regions") or []:
        if r.get("error"):
            current_app.logger.warning("region %s: %s: %s", r.get("name"), r.get("status"), r["error"])
        if r.get("next_error"):  # the trace's next adopters: only "next_adopters": "error" is shown
            current_app.logger.warning("region %s: next adopters: %s", r.get("name"), r["next_error"])
            r["next_error"] = None
        status = r.get("status")
        key = f"fed_problem_{status}"
        r["error"] = None if status == "ok" or key not in i18n.STRINGS else \
            {"code": status, **i18n.both(key, seconds=f"{timeout():g}")}
    return answer


def status_label(status: str) -> str:
    key = "fed_status_" + status
    return i18n.STRINGS.get(key, i18n.lang(), status)
