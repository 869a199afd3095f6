"""Dutch by default, English on request (`?lang=en`, remembered in a cookie).

The web's UI strings are one kg.text.Strings table: this module's, and each blueprint adds its own
(`STRINGS.add`); templates call `t(key)`, JSON errors `both(key)`."""

from __future__ import annotations

from flask import request

from kg.text import LANGS, Strings, Text

STRINGS: Strings[str] = Strings({
    "tagline": Text(nl="Kennisgraaf van lerende netwerken van leraren",
                    en="Knowledge graph of teacher learning networks"),
    "search": Text(nl="Zoeken", en="Search"),
    "main_menu": Text(nl="Hoofdmenu", en="Main menu"),
    "search_placeholder": Text(nl="Zoek een persoon, school, netwerk, artefact of thema",
                               en="Search a person, school, network, artefact or topic"),
    "who_knows": Text(nl="Wie weet wat?", en="Who knows what?"),
    "sparql": Text(nl="SPARQL", en="SPARQL"),
    "login": Text(nl="Inloggen", en="Sign in"),
    "logout": Text(nl="Uitloggen", en="Sign out"),
    "internal": Text(nl="Intern: alle gegevens", en="Internal: all data"),
    "public": Text(nl="Openbaar", en="Public"),
    "other_lang": Text(nl="English", en="Nederlands"),
    "actors": Text(nl="Actoren", en="Actors"),
    "graphs": Text(nl="Grafen", en="Graphs"),
    "type": Text(nl="type", en="type"),
    "count": Text(nl="aantal", en="count"),
    "graph": Text(nl="graaf", en="graph"),
    "empty_store": Text(nl="De store is leeg: draai kg build.", en="The store is empty: run kg build."),
    "not_found": Text(nl="Niet gevonden", en="Not found"),
    "fictional": Text(nl="De voorbeelddata van Twente zijn verzonnen.", en="The Twente sample data is fictional."),
    "token": Text(nl="Toegangscode", en="Access token"),
    "login_intro": Text(nl="Met een toegangscode zie je alle gegevens, ook namen van mensen die geen openbare toestemming gaven.",
                        en="With an access token you see all data, including names of people who did not give public consent."),
    "login_failed": Text(nl="Onjuiste toegangscode.", en="Wrong access token."),
    "login_disabled": Text(nl="Intern gebruik is niet ingesteld (KG_TOKEN ontbreekt).",
                           en="Internal use is not configured (KG_TOKEN is not set)."),
    "csrf": Text(nl="Het formulier is verlopen; probeer het opnieuw.", en="The form expired; please try again."),
})


def lang() -> str:
    """The request's language: ?lang=, else the cookie, else Dutch."""
    asked = request.args.get("lang")
    if asked in LANGS:
        return asked
    cookie = request.cookies.get("lang")
    return cookie if cookie in LANGS else "nl"


def t(key: str, **values: object) -> str:
    """The UI string `key` in the request's language (with values, its {name}s filled in)."""
    return STRINGS(key, lang(), **values)


def both(key: str, **values: object) -> dict[str, str]:
    """A message in both languages, for JSON errors."""
    return STRINGS.text(key, **values).both()


def install(app) -> None:
    """Remember an explicit ?lang= choice in a cookie."""

    @app.after_request
    def remember(resp):
        asked = request.args.get("lang")
        if asked in LANGS and request.cookies.get("lang") != asked:
            resp.set_cookie("lang", asked, max_age=365 * 24 * 3600, samesite="Lax")
        return resp
