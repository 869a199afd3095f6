"""The spreadsheet templates as data: the ingest contract (docs/templates.md, docs/ingest.md).

Every template has fixed columns (a header must hold all of them; extra
columns are allowed and ignored); each column has a kind that says how a cell
is read and what it becomes in the graph (see kg.ingest.mapping). Controlled
values (types, roles, levels, depth, mechanism, consent, sector) come from
`ckg:templateValue` in the packaged ontology and vocabularies, so the list
the ingest accepts and the drop-down lists in the XLSX template are the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox

from kg.model import resources
from kg.model.namespaces import CKG, SKOS, VOCAB, local_name

# Kinds of cell. `ref`/`refs` name the kinds of id they accept (see ID_KINDS).
ID, TEXT, REF, REFS, TOPIC, TOPICS, VALUE, VALUES, DATE, YEAR, INTEGER, DECIMAL, SCALE = (
    "id", "text", "ref", "refs", "topic", "topics", "value", "values", "date", "year", "integer", "decimal", "scale")
# Absolute http(s) IRIs of things another region describes (`;`-separated): never a local code.
IRIS = "iris"

# What an id can stand for; "actor" and "collective" are unions.
ID_KINDS = {
    "person": {"person"},
    "organisation": {"organisation"},
    "network": {"network"},
    "artefact": {"artefact", "covenant", "intent"},
    "covenant": {"covenant"},
    "collective": {"organisation", "network"},
    "actor": {"person", "organisation", "network", "artefact", "covenant", "intent"},
    "topic": {"topic"},
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False  # a value is needed in every row
    target: str | None = None  # ID_KINDS key for ref(s); value list name for value(s)
    help_nl: str = ""
    help_en: str = ""
    # Added to the contract later: a file without the column is read as if its cells were empty.
    header_optional: bool = False
    # A ref that may also be another region's IRI that this store does not hold (kept as that IRI).
    foreign: bool = False


@dataclass(frozen=True)
class Template:
    name: str
    columns: tuple[Column, ...]
    required: bool = False  # the template itself must be present
    id_kind: str | None = None  # what this template's ids are (person, network, ...)
    help_nl: str = ""
    help_en: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, kind: str, nl: str, en: str, *, required: bool = False, target: str | None = None,
       header_optional: bool = False, foreign: bool = False) -> Column:
    return Column(name, kind, required, target, nl, en, header_optional, foreign)


TEMPLATES: tuple[Template, ...] = (
    Template("topics", (
        _c("id", ID, "eigen code van het thema", "the topic's own code", required=True),
        _c("label_nl", TEXT, "naam in het Nederlands", "name in Dutch", required=True),
        _c("label_en", TEXT, "naam in het Engels", "name in English"),
        _c("broader", TOPIC, "breder thema (code of naam)", "broader topic (code or name)"),
    ), id_kind="topic", help_nl="Eigen thema's naast de meegeleverde themalijst.",
        help_en="Topics of your own, next to the bundled list of topics."),
    Template("organisations", (
        _c("id", ID, "eigen code", "your own code", required=True),
        _c("name", TEXT, "naam", "name"),
        _c("type", VALUE, "soort organisatie", "kind of organisation", required=True, target="organisation-type"),
        _c("brin", TEXT, "BRIN-nummer, bijv. 04AB of 04AB00", "BRIN number, e.g. 04AB or 04AB00"),
        _c("parent", REF, "code van de moederorganisatie (bijv. het bestuur)", "code of the parent (e.g. the board)",
           target="organisation"),
        _c("sector", VALUE, "sector", "sector", target="sector"),
        _c("place", TEXT, "plaats", "place"),
    ), required=True, id_kind="organisation", help_nl="Scholen, besturen, lerarenopleidingen, gemeenten.",
        help_en="Schools, boards, teacher-education institutes, municipalities."),
    Template("people", (
        _c("id", ID, "eigen code, nooit een naam", "your own code, never a name", required=True),
        _c("name", TEXT, "naam", "name"),
        _c("roles", VALUES, "rollen, gescheiden door ;", "roles, separated by ;", target="role"),
        _c("organisation", REF, "code van de organisatie waar iemand werkt", "code of the organisation they work at",
           target="organisation"),
        _c("expertise", TOPICS, "thema's, gescheiden door ;", "topics, separated by ;"),
        _c("consent", VALUE, "toestemming; leeg = privé", "consent; empty = private", target="consent"),
        _c("since", YEAR, "actief sinds (beginjaar schooljaar)", "active since (year the school year starts)"),
    ), required=True, id_kind="person", help_nl="Personen: leraren, opleiders, studenten, onderzoekers.",
        help_en="People: teachers, teacher educators, students, researchers."),
    Template("networks", (
        _c("id", ID, "eigen code", "your own code", required=True),
        _c("name", TEXT, "naam", "name"),
        _c("type", VALUE, "soort netwerk", "kind of network", required=True, target="network-type"),
        _c("part_of", REF, "code van het netwerk (of de school) waar dit onder valt",
           "code of the network (or school) this is part of", target="collective"),
        _c("themes", TOPICS, "thema's, gescheiden door ;", "topics, separated by ;"),
        _c("started", DATE, "startdatum jjjj-mm-dd", "start date yyyy-mm-dd"),
        _c("meetings_per_year", INTEGER, "bijeenkomsten per jaar", "meetings per year"),
        _c("budget_eur", DECIMAL, "budget in euro", "budget in euros"),
        _c("hours_per_participant", DECIMAL, "uren per deelnemer per jaar", "hours per participant a year"),
        _c("funders", REFS, "codes van financierende organisaties, gescheiden door ;",
           "codes of funding organisations, separated by ;", target="organisation"),
    ), required=True, id_kind="network", help_nl="Netwerken: kennisnetwerk, PLG's, ontwikkelgroepen, teams.",
        help_en="Networks: knowledge network, PLGs, development groups, teams."),
    Template("memberships", (
        _c("member", REF, "code van het lid: persoon, artefact of organisatie",
           "code of the member: person, artefact or organisation", required=True, target="actor"),
        _c("network", REF, "code van het netwerk", "code of the network", required=True, target="collective"),
        _c("role", TEXT, "rol in het netwerk (vrije tekst)", "role in the network (free text)"),
        _c("level", VALUE, "deelnameniveau", "participation level", target="level"),
        _c("from", DATE, "vanaf jjjj-mm-dd", "from yyyy-mm-dd"),
        _c("to", DATE, "tot en met jjjj-mm-dd", "until yyyy-mm-dd"),
        _c("hours_per_year", DECIMAL, "uren per jaar", "hours a year"),
        _c("reason", TEXT, "waarom deze persoon meedoet", "why this person takes part"),
    ), help_nl="Wie of wat deelneemt aan welk netwerk.", help_en="Who or what takes part in which network."),
    Template("artefacts", (
        _c("id", ID, "eigen code", "your own code", required=True),
        _c("title", TEXT, "titel", "title"),
        _c("type", VALUE, "soort artefact", "kind of artefact", required=True, target="artefact-type"),
        _c("topics", TOPICS, "thema's, gescheiden door ;", "topics, separated by ;"),
        _c("creators", REFS, "codes van de makers (personen), gescheiden door ;",
           "codes of the makers (people), separated by ;", target="person"),
        _c("made_in", REF, "code van het netwerk waarin het gemaakt is", "code of the network it was made in",
           target="collective"),
        _c("created", DATE, "gemaakt op jjjj-mm-dd", "made on yyyy-mm-dd"),
        _c("derived_from", REF, "code van het origineel", "code of the original", target="artefact"),
        _c("licence", TEXT, "licentie (bij voorkeur een webadres)", "licence (preferably a web address)"),
        _c("same_as", IRIS, "volledige IRI van hetzelfde artefact bij een andere regio (schema:sameAs), "
           "gescheiden door ;", "full IRI of the same artefact in another region (schema:sameAs), separated by ;",
           header_optional=True),
    ), id_kind="artefact", help_nl="Kijkwijzers, lesmateriaal, apps, video's, procedures.",
        help_en="Observation guides, learning material, apps, videos, procedures."),
    Template("adoptions", (
        _c("artefact", REF, "code van het artefact", "code of the artefact", required=True, target="artefact"),
        _c("adopter", REF, "code van de school die het in gebruik nam", "code of the school that took it into use",
           required=True, target="collective"),
        _c("date", DATE, "datum jjjj-mm-dd", "date yyyy-mm-dd", required=True),
        _c("source", REF, "code van de school waar het vandaan kwam, of de volledige IRI van een school in een "
           "andere regio", "code of the school it came from, or the full IRI of a school in another region",
           target="collective", foreign=True),
        _c("broker", REF, "code van de persoon die het meebracht", "code of the person who carried it",
           target="person"),
        _c("via", REF, "code van het netwerk", "code of the network", target="network"),
        _c("adapted_version", REF, "code van de aangepaste kopie", "code of the adapted copy", target="artefact"),
    ), help_nl="Welke school welk artefact overnam, wanneer, van wie en via wie.",
        help_en="Which school took which artefact into use, when, from whom and through whom."),
    Template("ties", (
        _c("source", REF, "code van wie de verbinding opgeeft", "code of who reports the tie", required=True,
           target="actor"),
        _c("target", REF, "code van met wie of waarmee", "code of with whom or what", required=True, target="actor"),
        _c("depth", VALUE, "diepte", "depth", target="depth"),
        _c("per_month", DECIMAL, "keer per maand", "times a month"),
        _c("closeness", SCALE, "nabijheid 1-5", "closeness 1-5"),
        _c("trust", SCALE, "vertrouwen 1-5", "trust 1-5"),
        _c("topic", TOPIC, "thema", "topic"),
        _c("year", YEAR, "schooljaar (beginjaar)", "school year (year it starts)"),
        _c("mediated_by", REF, "code van het artefact dat de verbinding draagt", "code of the mediating artefact",
           target="artefact"),
    ), help_nl="Verbindingen tussen actoren, zoals de bron ze opgeeft.", help_en="Ties between actors, as the source reports them."),
    Template("crossings", (
        _c("id", ID, "eigen code", "your own code", required=True),
        _c("persons", REFS, "codes van de grensgangers (personen), gescheiden door ;",
           "codes of the crossers (people), separated by ;", required=True, target="person"),
        _c("from_network", REF, "code van het netwerk vanwaar", "code of the network from", required=True,
           target="collective"),
        _c("to_network", REF, "code van het netwerk waarheen", "code of the network to", required=True,
           target="collective"),
        _c("mechanism", VALUE, "leermechanisme", "learning mechanism", required=True, target="mechanism"),
        _c("date", DATE, "datum jjjj-mm-dd", "date yyyy-mm-dd"),
        _c("produced", REF, "code van het artefact dat eruit voortkwam", "code of the artefact it produced",
           target="artefact"),
        _c("description", TEXT, "beschrijving", "description"),
    ), id_kind="crossing", help_nl="Grensoverschrijdingen tussen netwerken.", help_en="Boundary crossings between networks."),
    Template("covenants", (
        _c("id", ID, "eigen code", "your own code", required=True),
        _c("title", TEXT, "titel", "title"),
        _c("parties", REFS, "codes van de partijen (minstens twee organisaties), gescheiden door ;",
           "codes of the parties (at least two organisations), separated by ;", required=True,
           target="organisation"),
        _c("themes", TOPICS, "thema's van de meerjarenagenda, gescheiden door ;",
           "topics of the multi-year agenda, separated by ;"),
        _c("from", DATE, "vanaf jjjj-mm-dd", "from yyyy-mm-dd", required=True),
        _c("to", DATE, "tot en met jjjj-mm-dd", "until yyyy-mm-dd"),
    ), id_kind="covenant", help_nl="Convenanten tussen organisaties.", help_en="Covenants between organisations."),
    Template("intents", (
        _c("id", ID, "eigen code", "your own code", required=True),
        _c("person", REF, "code van de ondertekenaar", "code of the signatory", required=True, target="person"),
        _c("network", REF, "code van de ontwikkelgroep", "code of the development group", required=True,
           target="network"),
        _c("covenant", REF, "code van het convenant", "code of the covenant", required=True, target="covenant"),
        _c("from", DATE, "vanaf jjjj-mm-dd", "from yyyy-mm-dd", required=True),
        _c("to", DATE, "tot en met jjjj-mm-dd (minstens een jaar later)", "until yyyy-mm-dd (at least a year later)",
           required=True),
    ), id_kind="intent", help_nl="Intentieverklaringen (minstens een jaar).",
        help_en="Letters of intent (at least one year)."),
)

BY_NAME: dict[str, Template] = {t.name: t for t in TEMPLATES}
ORDER = [t.name for t in TEMPLATES]
LIST_SEPARATOR = ";"

_TYPE_ROOTS = {"organisation-type": "Organisation", "network-type": "Network", "artefact-type": "Artefact"}
_SCHEMES = {"role": "role/", "level": "level/", "depth": "depth/", "mechanism": "mechanism/",
            "consent": "consent/", "sector": "sector/"}
_TEMPLATE_VALUE = ox.NamedNode(CKG + "templateValue")
_SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")


@dataclass(frozen=True)
class Choice:
    """One allowed term of a value list and what it means."""

    term: str  # as written in the template (the Dutch term first)
    iri: str


@dataclass
class ValueList:
    name: str
    choices: list[Choice] = field(default_factory=list)

    def lookup(self, text: str) -> str | None:
        key = text.strip().casefold()
        return next((c.iri for c in self.choices if c.term.casefold() == key), None)

    def terms(self) -> list[str]:
        return [c.term for c in self.choices]

    def term_for(self, iri: str) -> str | None:
        """The first (Dutch) term for `iri`: what the export writes."""
        return next((c.term for c in self.choices if c.iri == iri), None)


def _ontology_quads() -> list[ox.Quad]:
    return list(ox.parse(path=str(resources.ontology_file()), format=ox.RdfFormat.TURTLE))


@lru_cache(maxsize=1)
def superclasses() -> dict[str, frozenset[str]]:
    """class -> every superclass in the packaged ontology, itself included."""
    parents: dict[str, set[str]] = {}
    for q in _ontology_quads():
        if q.predicate == _SUBCLASS and isinstance(q.object, ox.NamedNode):
            parents.setdefault(q.subject.value, set()).add(q.object.value)
    out: dict[str, frozenset[str]] = {}
    for c in parents:
        seen, todo = {c}, [c]
        while todo:
            for p in parents.get(todo.pop(), ()):
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        out[c] = frozenset(seen)
    return out


@lru_cache(maxsize=1)
def value_lists() -> dict[str, ValueList]:
    """Every value list, read from ckg:templateValue in the ontology and vocabularies."""
    quads = _ontology_quads() + list(ox.parse(path=str(resources.vocabularies_file()), format=ox.RdfFormat.TURTLE))
    values: dict[str, list[str]] = {}
    for q in quads:
        if q.predicate == _TEMPLATE_VALUE:
            values.setdefault(q.subject.value, []).append(q.object.value)
    sup = superclasses()
    lists = {name: ValueList(name) for name in list(_TYPE_ROOTS) + list(_SCHEMES)}
    # Subjects in file order; within a subject, the order written (Dutch first).
    for iri, terms in values.items():
        for name, root in _TYPE_ROOTS.items():
            if CKG + root in sup.get(iri, {iri}):
                lists[name].choices.extend(Choice(t, iri) for t in terms)
        for name, prefix in _SCHEMES.items():
            if iri.startswith(VOCAB + prefix):
                lists[name].choices.extend(Choice(t, iri) for t in terms)
    return lists


@dataclass(frozen=True)
class TopicEntry:
    iri: str
    label_nl: str
    labels: tuple[str, ...]  # every pref and alt label, any language


@lru_cache(maxsize=1)
def bundled_topics() -> dict[str, TopicEntry]:
    """The topics of the packaged vocabulary by IRI, with all their labels."""
    pref, alt = ox.NamedNode(SKOS + "prefLabel"), ox.NamedNode(SKOS + "altLabel")
    typ, topic = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(CKG + "Topic")
    iris: list[str] = []
    nl: dict[str, str] = {}
    labels: dict[str, list[str]] = {}
    for q in ox.parse(path=str(resources.vocabularies_file()), format=ox.RdfFormat.TURTLE):
        if q.predicate == typ and q.object == topic:
            iris.append(q.subject.value)
        elif q.predicate in (pref, alt):
            labels.setdefault(q.subject.value, []).append(q.object.value)
            if q.predicate == pref and q.object.language == "nl":
                nl[q.subject.value] = q.object.value
    return {i: TopicEntry(i, nl.get(i, local_name(i)), tuple(labels.get(i, ()))) for i in iris}
