"""Dutch by default, English on request (`?lang=en`, remembered in a cookie)."""

from __future__ import annotations

from flask import request

LANGS = ("nl", "en")

STRINGS: dict[str, dict[str, str]] = {
    "tagline": {"nl": "Kennisgraaf van lerende netwerken van leraren",
                "en": "Knowledge graph of teacher learning networks"},
    "search": {"nl": "Zoeken", "en": "Search"},
    "search_placeholder": {"nl": "Zoek een persoon, school, netwerk, artefact of thema",
                           "en": "Search a person, school, network, artefact or topic"},
    "who_knows": {"nl": "Wie weet wat?", "en": "Who knows what?"},
    "sparql": {"nl": "SPARQL", "en": "SPARQL"},
    "login": {"nl": "Inloggen", "en": "Sign in"},
    "logout": {"nl": "Uitloggen", "en": "Sign out"},
    "internal": {"nl": "Intern: alle gegevens", "en": "Internal: all data"},
    "public": {"nl": "Openbaar", "en": "Public"},
    "other_lang": {"nl": "English", "en": "Nederlands"},
    "actors": {"nl": "Actoren", "en": "Actors"},
    "graphs": {"nl": "Grafen", "en": "Graphs"},
    "type": {"nl": "type", "en": "type"},
    "count": {"nl": "aantal", "en": "count"},
    "graph": {"nl": "graaf", "en": "graph"},
    "empty_store": {"nl": "De store is leeg: draai kg build.", "en": "The store is empty: run kg build."},
    "not_found": {"nl": "Niet gevonden", "en": "Not found"},
    "fictional": {"nl": "De voorbeelddata van Twente zijn verzonnen.", "en": "The Twente sample data is fictional."},
    "token": {"nl": "Toegangscode", "en": "Access token"},
    "login_intro": {"nl": "Met een toegangscode zie je alle gegevens, ook namen van mensen die geen openbare toestemming gaven.",
                    "en": "With an access token you see all data, including names of people who did not give public consent."},
    "login_failed": {"nl": "Onjuiste toegangscode.", "en": "Wrong access token."},
    "login_disabled": {"nl": "Intern gebruik is niet ingesteld (KG_TOKEN ontbreekt).",
                       "en": "Internal use is not configured (KG_TOKEN is not set)."},
    "csrf": {"nl": "Het formulier is verlopen; probeer het opnieuw.", "en": "The form expired; please try again."},
}


def lang() -> str:
    """The request's language: ?lang=, else the cookie, else Dutch."""
    asked = request.args.get("lang")
    if asked in LANGS:
        return asked
    cookie = request.cookies.get("lang")
    return cookie if cookie in LANGS else "nl"


def t(key: str) -> str:
    return STRINGS[key][lang()]


def both(key: str) -> dict[str, str]:
    """A message in both languages, for JSON errors."""
    return dict(STRINGS[key])


def install(app) -> None:
    """Remember an explicit ?lang= choice in a cookie."""

    @app.after_request
    def remember(resp):
        asked = request.args.get("lang")
        if asked in LANGS and request.cookies.get("lang") != asked:
            resp.set_cookie("lang", asked, max_age=365 * 24 * 3600, samesite="Lax")
        return resp
