"""The four kinds of actor (ANT) plus topics, with their names in Dutch and English."""

from __future__ import annotations

KIND_LABELS: dict[str, dict[str, str]] = {
    "person": {"nl": "persoon", "en": "person"},
    "artefact": {"nl": "artefact", "en": "artefact"},
    "network": {"nl": "netwerk", "en": "network"},
    "organisation": {"nl": "organisatie", "en": "organisation"},
    "topic": {"nl": "thema", "en": "topic"},
    "actor": {"nl": "actor", "en": "actor"},
}
