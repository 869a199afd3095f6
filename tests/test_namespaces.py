"""kg.model.namespaces: the one way to take an IRI's local name."""

from __future__ import annotations

import pytest

from kg.model.namespaces import local_name


@pytest.mark.parametrize("iri, name", [
    ("https://w3id.org/connective-kg/ns#Person", "Person"),
    ("https://knll-twente.example/id/p001", "p001"),
    ("https://w3id.org/connective-kg/vocab/level/core", "core"),
    ("https://w3id.org/connective-kg/vocab/level/core/", "core"),      # a trailing / or # is ignored
    ("https://example.org/ns#", "ns"),
    ("https://example.org/a#b/c", "c"),                                 # after the last / or #, whichever is later
    ("https://example.org/a/b#c", "c"),
    ("http://www.w3.org/ns/shacl#Violation", "Violation"),
    ("urn:isbn:9789043019477", "urn:isbn:9789043019477"),              # neither: the IRI itself
    ("", ""),
])
def test_local_name(iri: str, name: str) -> None:
    assert local_name(iri) == name
