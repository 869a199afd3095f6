"""The public view: what may be shown to anyone and shared with other regions.

A person's name and personal details are public only with `consent:public`.
Everyone else (consent network, private, or none recorded) appears in the
public view as an anonymous role, "leraar, Basisschool De Esch", and keeps
only allowlisted, structural statements (types, roles, affiliation,
memberships and ties as links), so network pictures still work:

- kept about a non-public person: the predicates in `PERSON_ALLOWLIST`;
- dropped: name, declared expertise, "active since", and anything else
  not allowlisted; expertise attributions about them;
- added: an anonymous `rdfs:label` in Dutch and English.

Some statements are internal whoever they are about (`INTERNAL_ONLY`): the motivation of a
membership (decisional capital) is shown only to signed-in users, also for people with public
consent. One policy for every surface: actor pages read `INTERNAL_ONLY` (kg.answers.actors),
and the public view leaves these statements out, so the public endpoint, the dumps, the
documents and other regions never get them either (issue 14).

The build writes the result to the `graph/public` named graph; the public
SPARQL endpoint and public pages see only the ontology, the vocabularies and
that graph. Signed-in (internal) use sees all graphs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox

from kg.model.namespaces import CKG, RDF, RDFS, SKOS, VOCAB
from kg.text import LANGS, Text

ORG = "http://www.w3.org/ns/org#"
_TYPE = ox.NamedNode(RDF + "type")
_LABEL = ox.NamedNode(RDFS + "label")
_PREF = ox.NamedNode(SKOS + "prefLabel")
_PERSON = ox.NamedNode(CKG + "Person")
_CONSENT = ox.NamedNode(CKG + "consent")
_PUBLIC = ox.NamedNode(VOCAB + "consent/public")
_ROLE = ox.NamedNode(CKG + "hasRole")
_AFFILIATION = ox.NamedNode(CKG + "affiliatedWith")
_MEMBER = ox.NamedNode(ORG + "member")
# Never public, whoever it is about: shown only to signed-in users.
INTERNAL_ONLY = frozenset({CKG + "motivation"})
_INTERNAL_ONLY = frozenset(ox.NamedNode(iri) for iri in INTERNAL_ONLY)
_ATTRIBUTED_TO = ox.NamedNode(CKG + "attributedTo")

PERSON_ALLOWLIST = frozenset(
    ox.NamedNode(iri)
    for iri in (
        RDF + "type",
        CKG + "hasRole",
        CKG + "affiliatedWith",
        CKG + "consent",
        CKG + "hasMembership",
        CKG + "memberOf",
        CKG + "hasTie",
        CKG + "tiedTo",
        CKG + "connectedTo",
        CKG + "brokered",
        CKG + "crossed",
        CKG + "creatorOf",
        ORG + "memberOf",
    )
)

# Which role names an anonymous person, most specific first.
ROLE_ORDER = [
    VOCAB + "role/" + r
    for r in ("director", "school-based-educator", "institute-educator", "wt-coordinator", "ict-coordinator",
              "researcher", "expert", "mentor", "student", "teacher")
]
_NO_ROLE = Text(nl="persoon", en="person")


def public_view(data: Iterable[ox.Quad], vocabularies: Iterable[ox.Quad]) -> list[tuple]:
    """The public triples, as (subject, predicate, object), derived from `data` (asserted and
    inferred, any graphs)."""
    # tuples of shared terms: a term read from a quad is a new object at every read, and a
    # region's view holds about a million triples
    term = {}.setdefault
    distinct: dict = {}
    for q in data:
        s, p, o = q.subject, q.predicate, q.object
        distinct[(term(s, s), term(p, p), term(o, o))] = None
    triples = list(distinct)
    persons = {s for s, p, o in triples if p == _TYPE and o == _PERSON}
    public = {s for s, p, o in triples if p == _CONSENT and o == _PUBLIC}
    hidden = persons - public
    hidden_attributions = {s for s, p, o in triples if p == _ATTRIBUTED_TO and o in hidden}

    out = [
        t for t in triples
        if not (t[0] in hidden and t[1] not in PERSON_ALLOWLIST)
        and t[1] not in _INTERNAL_ONLY
        and t[0] not in hidden_attributions
    ]
    labels = _labels(triples, vocabularies)
    roles: dict[ox.NamedNode, set[str]] = {}
    affiliations: dict[ox.NamedNode, list[str]] = {}
    for s, p, o in triples:
        if s in hidden and p == _ROLE:
            roles.setdefault(s, set()).add(o.value)
        elif s in hidden and p == _AFFILIATION:
            affiliations.setdefault(s, []).append(labels.get((o.value, None), ""))
    for person in sorted(hidden, key=str):
        for lang in LANGS:
            label = anonymous_label(roles.get(person, set()), affiliations.get(person, []), labels, lang)
            out.append((person, _LABEL, ox.Literal(label, language=lang)))
    return out


def anonymous_label(roles: set[str], organisations: list[str], labels: dict, lang: str) -> str:
    """"leraar, Basisschool De Esch": the most specific role and the (first) organisation."""
    role = next((r for r in ROLE_ORDER if r in roles), None)
    name = (labels.get((role, lang)) if role else None) or _NO_ROLE[lang]
    orgs = sorted(o for o in organisations if o)
    return f"{name}, {orgs[0]}" if orgs else name


def _labels(triples: list[tuple], vocabularies: Iterable[ox.Quad]) -> dict:
    """(iri, lang) -> role label; (iri, None) -> organisation label."""
    labels: dict = {}
    for q in vocabularies:
        if q.predicate == _PREF and q.object.language:
            labels[(q.subject.value, q.object.language)] = q.object.value
    for s, p, o in triples:  # an organisation with several labels: the first in sort order, whatever the input order
        if p == _LABEL and isinstance(o, ox.Literal):
            key = (s.value, None)
            if key not in labels or o.value < labels[key]:
                labels[key] = o.value
    return labels


_READ_FROM = {_MEMBER, _ATTRIBUTED_TO, _AFFILIATION}  # a subject's public triples read these objects


def public_dependents(changed: Iterable[tuple], subjects_of: Callable[[ox.NamedNode, object], set]) -> set:
    """Subjects whose public triples a change of `changed` (s, p, o) statements may alter, besides
    the statements' own subjects: memberships and attributions of a person whose hiding changed,
    and the people affiliated with an organisation whose label changed. `subjects_of(p, o)`
    answers from the data after the change."""
    out: set = set()
    for s, p, o in changed:
        if p == _CONSENT or (p == _TYPE and o == _PERSON):
            out |= subjects_of(_MEMBER, s) | subjects_of(_ATTRIBUTED_TO, s)
        elif p == _LABEL:
            out |= subjects_of(_AFFILIATION, s)
    return out


def public_context(s: object, p: object, o: object) -> object | None:
    """The node whose statements the public view of `s` reads through (s, p, o), if any."""
    return o if p in _READ_FROM and not isinstance(o, ox.Literal) else None
