"""The four kinds of actor (ANT) plus topics, with their names in Dutch and English."""

from __future__ import annotations

from kg.text import Strings, Text

KIND_LABELS: Strings[str] = Strings({
    "person": Text(nl="persoon", en="person"),
    "artefact": Text(nl="artefact", en="artefact"),
    "network": Text(nl="netwerk", en="network"),
    "organisation": Text(nl="organisatie", en="organisation"),
    "topic": Text(nl="thema", en="topic"),
    "actor": Text(nl="actor", en="actor"),
})


def kind_label(kind: str, lang: str) -> str:
    """The kind's name in `lang`; a kind without a name here is shown as it is."""
    return KIND_LABELS.get(kind, lang, kind)
