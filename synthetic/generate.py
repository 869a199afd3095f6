"""A seeded, deterministic generator of synthetic regions (for tests and benchmarks).

A generated region follows `docs/model.md` pattern by pattern: school boards
with po/vo schools (BRIN codes), teacher-education institutes and a
municipality; people with roles, an affiliation, declared expertise, a consent
level and a start year; a knowledge network with PLGs, interest groups,
development groups, school teams, subject sections, a partnership and a lab;
memberships (of people, organisations and artefacts) with periods, levels,
hours and motivations; ties, mostly inside a school, some across, some
mediated by artefacts; artefacts of every type with creators, subjects and
derived copies; adoptions that respect the rules (never before the artefact
existed, `ckg:adoptedFrom` only a school that adopted it earlier); boundary
crossings of all four mechanisms; a covenant and letters of intent; expertise
attributions; boundary objects.

    >>> from synthetic.generate import generate, write, people_for_triples
    >>> n = write("region.nt", people_for_triples(100_000))   # ~100k triples

Determinism: the same `(people, seed, base)` gives the same triples in the
same order (so byte-identical files). The base only changes IRIs and
blank-node labels, never the structure: two regions with the same seed and
different bases are the same graph under renaming, with disjoint IRIs and
disjoint blank-node labels (so they can be loaded side by side).

Everything is made from `random.Random(seed)` and plain lists; nothing
depends on set or hash ordering (PYTHONHASHSEED) or on the clock.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyoxigraph as ox

from kg.model.namespaces import CKG, PREFIXES, RDF, RDFS, VOCAB, XSD, local_name

DEFAULT_BASE = "https://region.example/id/"
MIN_PEOPLE = 20

# Triples per person and a fixed part, fitted on seeds 1-3 from 20 to 18,000 people
# (see people_for_triples).
_TRIPLES_PER_PERSON = 56.5
_TRIPLES_FIXED = 500.0

# --- namespaces ---------------------------------------------------------------

ORG = PREFIXES["org"]
PROV = PREFIXES["prov"]
SCHEMA = PREFIXES["schema"]
DCT = PREFIXES["dcterms"]
TIME = PREFIXES["time"]

TURTLE_PREFIXES = {p: PREFIXES[p] for p in (
    "ckg", "rdf", "rdfs", "xsd", "org", "prov", "schema", "dcterms", "time",
    "topic", "role", "depth", "level", "mechanism", "consent", "sector")}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


A = _n(RDF + "type")
LABEL = _n(RDFS + "label")
XSD_DATE = _n(XSD + "date")
XSD_INTEGER = _n(XSD + "integer")
XSD_DECIMAL = _n(XSD + "decimal")
BRIN_CODE = _n(CKG + "BrinCode")


class _C:
    """ckg: terms (classes and properties) as NamedNodes, made once."""

    def __getattr__(self, name: str) -> ox.NamedNode:
        node = _n(CKG + name)
        setattr(self, name, node)
        return node


C = _C()

ORG_SUB = _n(ORG + "subOrganizationOf")
ORG_MEMBER = _n(ORG + "member")
ORG_ORGANIZATION = _n(ORG + "organization")
ORG_MEMBER_DURING = _n(ORG + "memberDuring")
SCHEMA_LOCATION = _n(SCHEMA + "location")
SCHEMA_KNOWS_ABOUT = _n(SCHEMA + "knowsAbout")
SCHEMA_FOUNDING_DATE = _n(SCHEMA + "foundingDate")
DCT_SUBJECT = _n(DCT + "subject")
DCT_CREATOR = _n(DCT + "creator")
DCT_CREATED = _n(DCT + "created")
DCT_DATE = _n(DCT + "date")
DCT_LICENSE = _n(DCT + "license")
DCT_DESCRIPTION = _n(DCT + "description")
PROV_DERIVED = _n(PROV + "wasDerivedFrom")
TIME_INTERVAL = _n(TIME + "Interval")
TIME_INSTANT = _n(TIME + "Instant")
TIME_BEGIN = _n(TIME + "hasBeginning")
TIME_END = _n(TIME + "hasEnd")
TIME_IN_DATE = _n(TIME + "inXSDDate")

LICENSES = [
    _n("https://creativecommons.org/licenses/by-sa/4.0/"),
    _n("https://creativecommons.org/licenses/by/4.0/"),
    _n("https://creativecommons.org/licenses/by-nc-sa/4.0/"),
]


def _vocab(kind: str, *names: str) -> dict[str, ox.NamedNode]:
    return {name: _n(f"{VOCAB}{kind}/{name}") for name in names}


TOPICS = _vocab(
    "topic",
    "science-technology", "inquiry-learning", "discovery-learning", "design-learning", "digital-literacy",
    "computational-thinking", "programming", "media-literacy", "information-literacy", "ict-skills",
    "self-regulation", "reading-skills", "reading-comprehension", "arithmetic", "giftedness",
    "educational-technology", "virtual-reality", "3d-printing", "robotics", "teacher-education", "mentoring",
    "lesson-design", "practitioner-research", "early-years", "physics", "professional-learning",
)
TOPIC_NL = {
    "science-technology": "Wetenschap & Techniek", "inquiry-learning": "onderzoekend leren",
    "discovery-learning": "ontdekkend leren", "design-learning": "ontwerpend leren",
    "digital-literacy": "digitale geletterdheid", "computational-thinking": "computationeel denken",
    "programming": "programmeren", "media-literacy": "mediawijsheid", "information-literacy": "informatievaardigheden",
    "ict-skills": "ICT-basisvaardigheden", "self-regulation": "zelfregulatie", "reading-skills": "leesvaardigheid",
    "reading-comprehension": "begrijpend lezen", "arithmetic": "rekenen", "giftedness": "hoogbegaafdheid",
    "educational-technology": "onderwijstechnologie", "virtual-reality": "virtual reality",
    "3d-printing": "3D-technologie", "robotics": "robotica", "teacher-education": "Samen Opleiden",
    "mentoring": "begeleiden van studenten", "lesson-design": "lesontwerp",
    "practitioner-research": "praktijkonderzoek", "early-years": "kleuteronderwijs", "physics": "natuurkunde",
    "professional-learning": "professionalisering",
}
TOPIC_NAMES = list(TOPICS)
# Broad themes that PLGs, development groups and covenants are organised around.
THEMES = ["science-technology", "digital-literacy", "reading-skills", "arithmetic", "giftedness",
          "self-regulation", "educational-technology", "teacher-education", "early-years",
          "professional-learning"]
# Narrower topics per theme (for interest groups, artefacts, tie topics).
NARROWER = {
    "science-technology": ["inquiry-learning", "discovery-learning", "design-learning", "robotics", "physics"],
    "digital-literacy": ["computational-thinking", "programming", "media-literacy", "information-literacy",
                         "ict-skills"],
    "reading-skills": ["reading-comprehension"],
    "arithmetic": ["arithmetic"],
    "giftedness": ["giftedness", "self-regulation"],
    "self-regulation": ["self-regulation"],
    "educational-technology": ["virtual-reality", "3d-printing", "robotics"],
    "teacher-education": ["mentoring", "lesson-design", "practitioner-research"],
    "early-years": ["early-years"],
    "professional-learning": ["professional-learning", "practitioner-research"],
}
ROLES = _vocab("role", "teacher", "wt-coordinator", "ict-coordinator", "director", "school-based-educator",
               "mentor", "institute-educator", "student", "researcher", "expert")
DEPTHS = _vocab("depth", "storytelling", "aid", "sharing", "joint-work")
DEPTH_NAMES = list(DEPTHS)
LEVELS = _vocab("level", "core", "active", "peripheral")
MECHANISMS = _vocab("mechanism", "identification", "coordination", "reflection", "transformation")
CONSENTS = _vocab("consent", "public", "network", "private")
SECTORS = _vocab("sector", "po", "vo", "mbo", "hbo", "wo")

ARTEFACT_TYPES = ["ObservationGuide", "LearningMaterial", "App", "Video", "AssessmentCriteria", "Procedure"]
ARTEFACT_WORDS = {
    "ObservationGuide": "Kijkwijzer",
    "LearningMaterial": "Lessenserie",
    "App": "App",
    "Video": "Video",
    "AssessmentCriteria": "Beoordelingscriteria",
    "Procedure": "Werkwijze",
}
VO_SUBJECTS = ["Nederlands", "wiskunde", "natuurkunde", "biologie", "geschiedenis", "Engels", "informatica",
               "aardrijkskunde", "techniek", "economie"]
TOWNS = ["Enschede", "Hengelo", "Almelo", "Oldenzaal", "Borne", "Haaksbergen", "Losser", "Rijssen", "Nijverdal",
         "Goor", "Delden", "Vriezenveen", "Denekamp", "Tubbergen", "Wierden", "Ootmarsum"]
SCHOOL_NAMES = ["De Bron", "De Esch", "Het Palet", "De Regenboog", "Het Kompas", "De Wegwijzer", "De Vlinder",
                "De Klimop", "Het Anker", "De Zonnewijzer", "De Springplank", "Het Mozaïek", "De Linde",
                "De Ster", "De Horizon", "Het Baken", "De Tamarinde", "De Driehoek", "Het Octaaf", "De Wilgen"]
VO_NAMES = ["Lyceum", "College", "Scholengemeenschap", "Vakcollege", "Gymnasium"]
FIRST = ["Anna", "Bram", "Carla", "Daan", "Eva", "Femke", "Gijs", "Hanna", "Ilse", "Jeroen", "Kim", "Lars",
         "Marieke", "Niels", "Olga", "Pieter", "Roos", "Sanne", "Tim", "Ursula", "Vera", "Wouter", "Yara", "Zeger",
         "Anouk", "Bas", "Chantal", "Dirk", "Esther", "Frank", "Greet", "Henk", "Ingrid", "Joost", "Karin",
         "Lotte", "Mark", "Nina", "Oscar", "Petra", "Ruud", "Sofie", "Thijs", "Wendy", "Youssef", "Fatima",
         "Mehmet", "Ayla", "Sven", "Lieke"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos",
        "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
        "de Graaf", "van der Meer", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Berg", "Wolters",
        "Kamphuis", "Nijhuis", "Oude Elferink", "Brink", "Haverkate", "Lammers", "Pots", "Ter Horst",
        "Veldhuis", "Scholten", "Wessels", "Nijenhuis", "Huisman", "Yilmaz", "El Amrani", "Kaya", "Bulut"]
MOTIVATIONS = [
    "Minder eenzaam op de taak; materialen voor de eigen school.",
    "Nieuwe ideeën opdoen voor de eigen lessen.",
    "Gevraagd door de directie als trekker.",
    "Eigen ontwikkeling en plezier in het vak.",
    "Samen met collega's van andere scholen iets ontwikkelen.",
    "Om studenten goed te kunnen begeleiden.",
    "Onderzoek dichter bij de praktijk brengen.",
    "Uren gekregen van het bestuur voor dit thema.",
]
CROSSING_TEXT = {
    "identification": "Ontdekt hoe het andere netwerk over het thema denkt en wat het eigen netwerk anders doet.",
    "coordination": "Stemt afspraken en routines af tussen beide netwerken.",
    "reflection": "Kijkt met de blik van het andere netwerk opnieuw naar de eigen praktijk.",
    "transformation": "Ontwikkelt samen met het andere netwerk een nieuwe, hybride werkwijze.",
}

EARLIEST = date(2010, 8, 1)
HORIZON = date(2026, 7, 31)  # nothing dated after the end of school year 2025-2026
COVENANT_BEGIN = date(2015, 8, 1)
COVENANT_END = date(2029, 7, 31)


# --- literals -------------------------------------------------------------------

def _date(d: date) -> ox.Literal:
    return ox.Literal(d.isoformat(), datatype=XSD_DATE)


def _int(i: int) -> ox.Literal:
    return ox.Literal(str(i), datatype=XSD_INTEGER)


def _dec(x: float) -> ox.Literal:
    return ox.Literal(f"{x:.1f}", datatype=XSD_DECIMAL)


def _str(s: str) -> ox.Literal:
    return ox.Literal(s)


def _school_year_start(year: int) -> date:
    return date(year, 8, 1)


def _school_year_of(d: date) -> int:
    return d.year if d.month >= 8 else d.year - 1


# --- the plan: plain Python records, made first, emitted afterwards ---------------

@dataclass
class _Org:
    iri: ox.NamedNode
    kind: str  # SchoolBoard | School | TeacherEducationInstitute | Municipality
    label: str
    sector: str | None = None
    town: str | None = None
    board: int | None = None  # index into boards, for schools
    brin: str | None = None
    training: bool = False  # training school (opleidingsschool) of a partnership
    team: int | None = None  # index into networks: the school team


@dataclass
class _Network:
    iri: ox.NamedNode
    kind: str  # KnowledgeNetwork | PLG | InterestGroup | ...
    label: str
    founded: date
    themes: list[str]
    parent: int | None = None  # index into networks
    meetings: int | None = None
    budget: float | None = None
    hours: float | None = None
    funded_by: ox.NamedNode | None = None
    members: list[int] = field(default_factory=list)  # person indexes, in joining order


@dataclass
class _Person:
    iri: ox.NamedNode
    label: str
    roles: list[str]
    org: int  # index into orgs
    since: int
    topics: list[str]
    consent: str | None
    subject: str | None = None  # vo teachers
    networks: list[int] = field(default_factory=list)  # memberships, network indexes


@dataclass
class _Membership:
    member: ox.NamedNode
    network: int
    begin: date | None = None
    end: date | None = None
    level: str | None = None
    hours: float | None = None
    role: str | None = None
    motivation: str | None = None


@dataclass
class _Artefact:
    iri: ox.NamedNode
    kind: str
    label: str
    created: date
    subjects: list[str]
    creators: list[int] = field(default_factory=list)
    made_in: int | None = None
    derived_from: int | None = None  # index into artefacts
    license: ox.NamedNode | None = None
    boundary_object: bool = False


class _Region:
    """Plans a region from (people, seed, base) and emits it as triples."""

    def __init__(self, people: int, seed: int, base: str):
        if people < MIN_PEOPLE:
            raise ValueError(f"a region needs at least {MIN_PEOPLE} people, not {people}")
        self.n_people = people
        self.base = base
        self.rng = random.Random(seed)
        digest = hashlib.sha256(base.encode()).hexdigest()
        self.bnode_prefix = "g" + digest[:10] + "x"
        self.brin_offset = int(digest[10:16], 16)
        self.bnode_count = 0
        self.orgs: list[_Org] = []
        self.boards: list[int] = []
        self.schools: list[int] = []
        self.institutes: list[int] = []
        self.municipalities: list[int] = []
        self.networks: list[_Network] = []
        self.people: list[_Person] = []
        self.memberships: list[_Membership] = []
        self.artefacts: list[_Artefact] = []
        self.ties: list[tuple] = []
        self.adoptions: list[tuple] = []
        self.crossings: list[tuple] = []
        self.attributions: list[tuple] = []
        self.letters: list[tuple] = []
        self.covenant: tuple | None = None
        self._plan()

    # --- helpers ------------------------------------------------------------

    def iri(self, local: str) -> ox.NamedNode:
        return ox.NamedNode(self.base + local)

    def bnode(self) -> ox.BlankNode:
        self.bnode_count += 1
        return ox.BlankNode(f"{self.bnode_prefix}{self.bnode_count}")

    def name(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def brin(self, i: int) -> str:
        # A bijection on 0..67599 (7919 is coprime to 67600 = 100 * 26 * 26),
        # so codes are unique within a region.
        k = (self.brin_offset + i * 7919) % 67600
        digits, letters = k % 100, k // 100
        return f"{digits:02d}{chr(65 + letters // 26)}{chr(65 + letters % 26)}00"

    def random_date(self, lo: date, hi: date) -> date:
        if hi <= lo:
            return lo
        return lo + timedelta(days=self.rng.randrange((hi - lo).days + 1))

    # --- planning -----------------------------------------------------------

    def _plan(self) -> None:
        self._plan_organisations()
        self._plan_networks()
        self._plan_people()
        self._plan_memberships()
        self._plan_ties()
        self._plan_artefacts()
        self._plan_adoptions()
        self._plan_crossings()
        self._plan_attributions()
        self._plan_agreements()

    def _plan_organisations(self) -> None:
        rng = self.rng
        n_school_people = self.n_people - self._n_institute_people()
        n_schools = max(4, round(n_school_people / 22))
        n_boards = max(2, -(-n_schools // 8))
        n_inst = max(1, round(self.n_people / 3000))
        n_muni = max(1, round(self.n_people / 4000))
        for i in range(n_muni):
            town = TOWNS[i % len(TOWNS)]
            suffix = f" {i // len(TOWNS) + 1}" if i >= len(TOWNS) else ""
            self.municipalities.append(len(self.orgs))
            self.orgs.append(_Org(self.iri(f"o-{i + 1:03d}"), "Municipality", f"Gemeente {town}{suffix}", town=town))
        for i in range(n_boards):
            # A third of the boards are vo boards; a small region has one of each.
            sector = "vo" if i % 3 == 2 or (n_boards < 3 and i == 1) else "po"
            town = TOWNS[rng.randrange(len(TOWNS))]
            kind = "Stichting" if sector == "po" else "Onderwijsgroep"
            self.boards.append(len(self.orgs))
            self.orgs.append(_Org(self.iri(f"b-{i + 1:04d}"), "SchoolBoard", f"{kind} {town} {i + 1}",
                                  sector=sector, town=town))
        for i in range(n_inst):
            sector = "hbo" if i % 2 == 0 else "wo"
            town = TOWNS[i % 3]
            label = (f"Pabo {town}" if sector == "hbo" else f"Universitaire lerarenopleiding {town}") + (
                f" {i + 1}" if i >= 2 else "")
            self.institutes.append(len(self.orgs))
            self.orgs.append(_Org(self.iri(f"i-{i + 1:03d}"), "TeacherEducationInstitute", label,
                                  sector=sector, town=town))
        for i in range(n_schools):
            board = self.boards[i % n_boards]
            sector = self.orgs[board].sector
            town = TOWNS[rng.randrange(len(TOWNS))]
            if sector == "po":
                label = f"Basisschool {rng.choice(SCHOOL_NAMES)} {town} {i + 1}"
            else:
                label = f"{rng.choice(VO_NAMES)} {town} {i + 1}"
            self.schools.append(len(self.orgs))
            self.orgs.append(_Org(self.iri(f"s-{i + 1:05d}"), "School", label, sector=sector, town=town,
                                  board=board, brin=self.brin(i), training=(i % 3 == 0)))

    def _n_institute_people(self) -> int:
        return max(4, round(self.n_people * 0.1))

    def _add_network(self, local: str, kind: str, label: str, founded: date, themes: list[str],
                     parent: int | None = None, **kw) -> int:
        self.networks.append(_Network(self.iri(local), kind, label, founded, themes, parent, **kw))
        return len(self.networks) - 1

    def _plan_networks(self) -> None:
        rng = self.rng
        p = self.n_people
        self.kn = self._add_network("n-kn", "KnowledgeNetwork", "Kennisnetwerk Lerende Leraren", COVENANT_BEGIN,
                                    ["professional-learning", "science-technology", "digital-literacy"],
                                    meetings=4)
        self.plgs: list[int] = []
        self.igs: list[int] = []
        for i in range(max(2, round(p / 250))):
            theme = THEMES[i % len(THEMES)]
            funder = self.orgs[self.municipalities[i % len(self.municipalities)]].iri if i % 2 == 0 else \
                self.orgs[self.boards[i % len(self.boards)]].iri
            plg = self._add_network(
                f"n-plg-{i + 1:03d}", "PLG", f"PLG {TOPIC_NL[theme]} {i + 1}",
                date(2016 + i % 4, 9, 1), [theme], self.kn, meetings=rng.choice([6, 8, 10]),
                budget=float(rng.choice([1500, 2000, 2500, 3000])), hours=float(rng.choice([20, 30, 40])),
                funded_by=funder)
            self.plgs.append(plg)
            narrower = NARROWER[theme]
            for j in range(2):
                topic = narrower[j % len(narrower)] if j == 0 else rng.choice(THEMES)
                founded = date(self.networks[plg].founded.year + 1 + j, 10, 1)
                themes = [theme] if topic == theme else [theme, topic]
                self.igs.append(self._add_network(
                    f"n-ig-{i + 1:03d}-{j + 1}", "InterestGroup", f"{TOPIC_NL[theme]} en {TOPIC_NL[topic]} ({i + 1})",
                    founded, themes, plg, meetings=rng.choice([4, 5, 6])))
        self.devs: list[int] = []
        for i in range(max(1, round(p / 300))):
            theme = THEMES[(i * 3 + 2) % len(THEMES)]
            self.devs.append(self._add_network(
                f"n-dev-{i + 1:03d}", "DevelopmentGroup", f"Ontwikkelgroep {TOPIC_NL[theme]} {i + 1}",
                date(2018 + i % 5, 9, 1), [theme], self.kn, meetings=rng.choice([6, 8])))
        self.partnerships: list[int] = []
        for k, _inst in enumerate(self.institutes):
            self.partnerships.append(self._add_network(
                f"n-partnership-{k + 1:02d}", "Partnership", f"Partnerschap Opleiden in de School {k + 1}",
                date(2016, 9, 1), ["teacher-education", "mentoring"], meetings=6))
        self.labs: list[int] = []
        for k in range(max(1, round(p / 5000))):
            self.labs.append(self._add_network(
                f"n-lab-{k + 1:02d}", "Lab", f"Future Learning Lab {k + 1}", date(2020, 1, 15),
                ["educational-technology", "virtual-reality", "3d-printing", "robotics"], meetings=10))
        self.sections: dict[tuple[int, str], int] = {}
        for s in self.schools:
            org = self.orgs[s]
            n = local_name(org.iri.value)
            org.team = self._add_network(f"n-team-{n}", "SchoolTeam", f"Team {org.label}", date(2012, 8, 1),
                                         ["professional-learning"])
            if org.sector == "vo":
                for subj in self._school_subjects(s):
                    self.sections[(s, subj)] = self._add_network(
                        f"n-section-{n}-{VO_SUBJECTS.index(subj) + 1:02d}", "SubjectSection",
                        f"Vaksectie {subj}, {org.label}", date(2012, 8, 1), [self._subject_topic(subj)],
                        org.team)

    def _school_subjects(self, school: int) -> list[str]:
        k = self.schools.index(school)
        return [VO_SUBJECTS[(k + j) % len(VO_SUBJECTS)] for j in range(4)]

    @staticmethod
    def _subject_topic(subject: str) -> str:
        return {"Nederlands": "reading-skills", "wiskunde": "arithmetic", "natuurkunde": "physics",
                "informatica": "programming", "techniek": "design-learning", "biologie": "inquiry-learning",
                "Engels": "reading-comprehension"}.get(subject, "lesson-design")

    def _person(self, roles: list[str], org: int, topics: list[str] | None = None) -> int:
        rng = self.rng
        i = len(self.people)
        if topics is None:
            k = rng.choice([1, 1, 2, 2, 3])
            topics = []
            for _ in range(k):
                t = rng.choice(TOPIC_NAMES)
                if t not in topics:
                    topics.append(t)
        r = rng.random()
        consent = "public" if r < 0.4 else "network" if r < 0.7 else "private" if r < 0.85 else None
        since = 2010 + min(14, int(rng.expovariate(1 / 5.0)))
        self.people.append(_Person(self.iri(f"p{i + 1:06d}"), self.name(), roles, org, since, topics, consent))
        return i

    def _plan_people(self) -> None:
        rng = self.rng
        n_inst_people = self._n_institute_people()
        n_school_people = self.n_people - n_inst_people
        # People per school: an even split with some spread.
        n_s = len(self.schools)
        sizes = [n_school_people // n_s] * n_s
        for k in range(n_school_people - sum(sizes)):
            sizes[k % n_s] += 1
        for k in range(0, n_s - 1, 2):
            shift = min(rng.randrange(4), sizes[k + 1] - 5)
            if shift > 0:
                sizes[k] += shift
                sizes[k + 1] -= shift
        self.school_people: dict[int, list[int]] = {}
        for s, size in zip(self.schools, sizes):
            org = self.orgs[s]
            staff: list[int] = []
            specials = [["director"], ["ict-coordinator", "teacher"]]
            if org.sector == "po":
                specials.append(["wt-coordinator", "teacher"])
            if org.training:
                specials += [["school-based-educator", "teacher"], ["mentor", "teacher"], ["mentor", "teacher"]]
            for j in range(size):
                roles = specials[j] if j < len(specials) else ["teacher"]
                topics = None
                if "wt-coordinator" in roles:
                    topics = ["science-technology", rng.choice(NARROWER["science-technology"])]
                elif "ict-coordinator" in roles:
                    topics = ["digital-literacy", rng.choice(NARROWER["digital-literacy"])]
                p = self._person(roles, s, topics)
                if org.sector == "vo" and roles != ["director"]:
                    self.people[p].subject = rng.choice(self._school_subjects(s))
                staff.append(p)
            self.school_people[s] = staff
        self.institute_people: dict[int, list[int]] = {i: [] for i in self.institutes}
        self.students: list[int] = []
        for j in range(n_inst_people):
            inst = self.institutes[j % len(self.institutes)]
            r = j % 10
            if r < 5:
                roles = ["student"]
            elif r < 8:
                roles = ["institute-educator"]
            elif r == 8:
                roles = ["researcher"]
            else:
                roles = ["expert"]
            p = self._person(roles, inst, ["teacher-education", "mentoring"] if r in (5, 6, 7) else None)
            if roles == ["student"]:
                self.people[p].since = max(self.people[p].since, 2019)
                self.students.append(p)
            self.institute_people[inst].append(p)

    def _member(self, person: int, network: int, begin_year: int | None = None, end_year: int | None = None,
                level: str | None = None, role: str | None = None, hours: float | None = None,
                motivation: str | None = None) -> _Membership:
        rng = self.rng
        per = self.people[person]
        net = self.networks[network]
        year = max(per.since, _school_year_of(net.founded), begin_year or 0)
        year = min(year, 2025)
        begin = max(net.founded, self.random_date(_school_year_start(year), date(year, 10, 31)))
        end = None
        if end_year is not None:
            end = date(max(end_year, begin.year + 1), 7, 31)
        elif rng.random() < 0.2 and begin.year <= 2023:
            end = date(rng.randrange(begin.year + 1, 2026), 7, 31)
        if level is None:
            level = rng.choice(["core", "active", "active", "peripheral"])
        if hours is None:
            hours = float(rng.choice([10, 16, 20, 24, 30, 40, 60]))
        if motivation is None and rng.random() < 0.5:
            motivation = rng.choice(MOTIVATIONS)
        m = _Membership(per.iri, network, begin, end, level, hours, role, motivation)
        self.memberships.append(m)
        per.networks.append(network)
        net.members.append(person)
        return m

    def _plan_memberships(self) -> None:
        rng = self.rng
        # Organisations in networks: boards and institutes in the knowledge
        # network, institutes and training schools in their partnership.
        for b in self.boards + self.institutes:
            self.memberships.append(_Membership(self.orgs[b].iri, self.kn, role="convenantpartner"))
        for k, s in enumerate(s for s in self.schools if self.orgs[s].training):
            part = self.partnerships[k % len(self.partnerships)]
            self.memberships.append(_Membership(self.orgs[s].iri, part, role="opleidingsschool"))
        for k, inst in enumerate(self.institutes):
            self.memberships.append(_Membership(self.orgs[inst].iri, self.partnerships[k], role="opleidingsinstituut"))
        # Everyone at a school is in its team; vo teachers in their subject section.
        for s in self.schools:
            org = self.orgs[s]
            for p in self.school_people[s]:
                per = self.people[p]
                self._member(p, org.team, level="core" if per.roles[0] != "teacher" else None,
                             role=_ROLE_TEXT.get(per.roles[0]))
                if per.subject is not None:
                    self._member(p, self.sections[(s, per.subject)], role=f"docent {per.subject}")
        # Training schools: students placed there, linked to the partnership.
        training = [s for s in self.schools if self.orgs[s].training]
        for k, p in enumerate(self.students):
            s = training[k % len(training)]
            per = self.people[p]
            part = self.partnerships[self.institutes.index(per.org)]
            self._member(p, self.orgs[s].team, begin_year=per.since, level="peripheral", role="student",
                         hours=float(rng.choice([200, 400, 600])), motivation="Stageplaats in de opleidingsschool.")
            self._member(p, part, begin_year=per.since, level="active", role="student")
        for s in training:
            part = self.partnerships[training.index(s) % len(self.partnerships)]
            for p in self.school_people[s]:
                roles = self.people[p].roles
                if "school-based-educator" in roles:
                    self._member(p, part, level="core", role="schoolopleider", hours=80.0)
                elif "mentor" in roles:
                    self._member(p, part, level="active", role="werkplekbegeleider", hours=40.0)
        for inst, staff in self.institute_people.items():
            part = self.partnerships[self.institutes.index(inst)]
            for p in staff:
                roles = self.people[p].roles
                if "institute-educator" in roles:
                    self._member(p, part, level="core", role="instituutsopleider", hours=120.0)
                elif "researcher" in roles:
                    self._member(p, part, level="peripheral", role="onderzoeker")
        # PLGs and their interest groups: a third of the school staff, coordinators first.
        school_staff = [p for s in self.schools for p in self.school_people[s]]
        for p in school_staff:
            per = self.people[p]
            coordinator = per.roles[0] in ("wt-coordinator", "ict-coordinator")
            if not coordinator and rng.random() > 0.3:
                continue
            if per.roles[0] == "wt-coordinator":
                cands = [g for g in self.plgs if self.networks[g].themes[0] == "science-technology"] or self.plgs
            elif per.roles[0] == "ict-coordinator":
                cands = [g for g in self.plgs if self.networks[g].themes[0] == "digital-literacy"] or self.plgs
            else:
                cands = self.plgs
            plg = rng.choice(cands)
            self._member(p, plg, level="core" if coordinator else None,
                         role="trekker" if coordinator and rng.random() < 0.3 else None)
            if rng.random() < 0.5:
                igs = [g for g in self.igs if self.networks[g].parent == plg]
                self._member(p, rng.choice(igs), level=rng.choice(["active", "peripheral"]))
        # Experts: permanent content experts of the PLGs.
        experts = [p for staff in self.institute_people.values() for p in staff if self.people[p].roles == ["expert"]]
        for k, p in enumerate(experts):
            self._member(p, self.plgs[k % len(self.plgs)], level="active", role="vaste expert")
        # Development groups: mixed teachers of different subjects, educators, a researcher.
        researchers = [p for staff in self.institute_people.values() for p in staff
                       if self.people[p].roles[0] in ("researcher", "institute-educator")]
        vo_teachers = [p for p in school_staff if self.people[p].subject is not None]
        po_teachers = [p for p in school_staff if self.people[p].subject is None and self.people[p].roles != ["director"]]
        self.loi_members: list[tuple[int, int, int]] = []
        for d in self.devs:
            pool = vo_teachers if (d % 2 == 0 and vo_teachers) else po_teachers
            chosen: list[int] = []
            subjects: list[str] = []
            for _ in range(40):
                if len(chosen) >= 6 or not pool:
                    break
                p = rng.choice(pool)
                subj = self.people[p].subject
                if p in chosen or (subj is not None and subj in subjects):
                    continue
                chosen.append(p)
                if subj:
                    subjects.append(subj)
            if researchers:
                r = rng.choice(researchers)
                if r not in chosen:
                    chosen.append(r)
            for p in chosen:
                m = self._member(p, d, level=rng.choice(["core", "active"]), hours=float(rng.choice([40, 60, 80])),
                                 motivation=rng.choice(MOTIVATIONS))
                self.loi_members.append((p, d, _school_year_of(m.begin)))
        # The lab: a few teachers, students and educators.
        for lab in self.labs:
            pool = school_staff + self.students
            for p in sorted({rng.choice(pool) for _ in range(max(3, self.n_people // 80))}):
                if lab not in self.people[p].networks:
                    self._member(p, lab, level=rng.choice(["active", "peripheral"]))

    def _plan_ties(self) -> None:
        rng = self.rng
        people = self.people
        # Most ties inside a team; about one in five across, to someone in a
        # shared network outside the school.
        net_members = {i: net.members for i, net in enumerate(self.networks)}
        for p, per in enumerate(people):
            own = self.orgs[per.org]
            colleagues = self.school_people.get(per.org) or self.institute_people.get(per.org, [])
            k = rng.choice([1, 2, 2, 3, 3, 3, 4])
            for _ in range(k):
                if rng.random() < 0.8 and len(colleagues) > 1:
                    q = rng.choice(colleagues)
                    across = False
                else:
                    nets = [n for n in per.networks if len(net_members[n]) > 1]
                    if not nets:
                        continue
                    q = rng.choice(net_members[rng.choice(nets)])
                    across = True
                if q == p:
                    continue
                other = people[q]
                lo = max(per.since, other.since, 2015)
                year = rng.randrange(lo, 2026) if lo < 2025 else 2025
                if own.sector == "po" and not across and rng.random() < 0.1:
                    depth = "storytelling"
                else:
                    depth = DEPTH_NAMES[min(3, int(rng.random() * 4.4))]
                per_month = {"storytelling": 0.5, "aid": 1.0, "sharing": 2.0, "joint-work": 4.0}[depth] * rng.choice(
                    [0.5, 1, 1, 1.5, 2])
                topic = None
                if rng.random() < 0.7:
                    pool = per.topics + other.topics
                    topic = rng.choice(pool)
                self.ties.append([per.iri, other.iri, depth, per_month, rng.randint(1, 5), rng.randint(1, 5), topic,
                                  year, None, q])

    def _plan_artefacts(self) -> None:
        rng = self.rng
        n = max(12, round(self.n_people / 8))
        makers = self.plgs + self.igs + self.devs + self.labs + [self.orgs[s].team for s in self.schools]
        makers += self.partnerships
        for i in range(n):
            kind = ARTEFACT_TYPES[i % len(ARTEFACT_TYPES)]
            made_in = makers[i % len(makers)] if i < len(makers) else rng.choice(makers)
            net = self.networks[made_in]
            members = net.members or [rng.randrange(len(self.people))]
            creators: list[int] = []
            for _ in range(rng.choice([1, 1, 2, 2, 3])):
                c = rng.choice(members)
                if c not in creators:
                    creators.append(c)
            lo = max(net.founded, *(_school_year_start(self.people[c].since) for c in creators),
                     date(2015, 9, 1))
            created = self.random_date(lo, date(2023, 6, 30))
            theme = net.themes[-1]
            subject = rng.choice(NARROWER.get(theme, [theme]))
            subjects = [subject] if subject == theme or rng.random() < 0.5 else [subject, theme]
            label = f"{ARTEFACT_WORDS[kind]} {TOPIC_NL[subject]} {i + 1}"
            self.artefacts.append(_Artefact(self.iri(f"a-{i + 1:06d}"), kind, label, created, subjects, creators,
                                            made_in, license=rng.choice(LICENSES) if rng.random() < 0.6 else None))
        self.n_original_artefacts = len(self.artefacts)
        # Derived copies (some of a copy: derivation depth 2).
        for i in range(self.n_original_artefacts):
            if rng.random() < 0.15:
                self._derive(i)
        # Artefacts as members: the role they play in the network they were
        # made in; boundary objects have a different role in a second network.
        self.artefact_memberships: list[tuple[int, int, str]] = []
        n_bo = 0
        for i in range(self.n_original_artefacts):
            art = self.artefacts[i]
            if i % 7 != 0:
                continue
            home = art.made_in
            self.memberships.append(_Membership(art.iri, home, role=f"ontwerpproduct van {self.networks[home].label}"))
            if i % 14 == 0 or n_bo < 2:
                other = self._other_network(home)
                self.memberships.append(_Membership(
                    art.iri, other, role=rng.choice([
                        "kwaliteitsinstrument", "kader voor het onderzoek van de student", "gespreksstarter",
                        "gedeelde taal tussen school en opleiding", "instrument voor lesbezoek"])))
                art.boundary_object = True
                n_bo += 1

    def _other_network(self, home: int) -> int:
        cands = [i for i in (self.partnerships + self.plgs + self.labs + [self.kn]) if i != home]
        return self.rng.choice(cands)

    def _derive(self, i: int, after: date | None = None, depth: int = 1) -> int:
        rng = self.rng
        src = self.artefacts[i]
        lo = max(src.created + timedelta(days=30), after or src.created)
        created = self.random_date(lo, lo + timedelta(days=400))
        created = min(created, HORIZON)
        if created <= src.created:
            created = src.created + timedelta(days=1)
        k = len(self.artefacts)
        variant = rng.choice(["kleuterversie", "vo-versie", "aangepaste versie", "digitale versie", "versie 2"])
        self.artefacts.append(_Artefact(self.iri(f"a-{k + 1:06d}"), src.kind, f"{src.label}, {variant}", created,
                                        list(src.subjects), derived_from=i))
        if depth == 1 and after is None and rng.random() < 0.25:
            self._derive(k, depth=2)
        return k

    def _plan_adoptions(self) -> None:
        rng = self.rng
        school_of_team = {self.orgs[s].team: s for s in self.schools}
        for i in range(self.n_original_artefacts):
            art = self.artefacts[i]
            if rng.random() > 0.45:
                continue
            # The first school: where it was made, or a creator's school.
            first = school_of_team.get(art.made_in)
            if first is None:
                at_school = [self.people[c].org for c in art.creators if self.people[c].org in self.school_people]
                first = at_school[0] if at_school else rng.choice(self.schools)
            adopted: list[tuple[int, date]] = []  # (school, date), in date order
            d0 = self.random_date(art.created, art.created + timedelta(days=120))
            adopted.append((first, d0))
            self.adoptions.append((i, first, d0, None, None, None, None))
            k = min(len(self.schools) - 1, int(rng.expovariate(1 / 3.0)))
            tried = 0
            while k > 0 and tried < 4 * k + 8:
                tried += 1
                src, src_date = rng.choice(adopted)
                if src_date >= date(2026, 3, 1):
                    continue
                school = rng.choice(self.schools)
                if any(s == school for s, _ in adopted):
                    continue
                when = self.random_date(src_date + timedelta(days=1), min(HORIZON, src_date + timedelta(days=500)))
                if when <= src_date:
                    continue
                # The broker: someone from the source school, in a network with the adopter if possible.
                brokers = self.school_people[src]
                broker = rng.choice(brokers)
                bper = self.people[broker]
                via_cands = [n for n in bper.networks if self.networks[n].kind in ("PLG", "InterestGroup",
                                                                                  "DevelopmentGroup", "Partnership")]
                via = rng.choice(via_cands) if via_cands else self.kn
                adapted = None
                if rng.random() < 0.2:
                    adapted = self._derive(i, after=when)
                self.adoptions.append((i, school, when, src, broker, via, adapted))
                adopted.append((school, when))
                k -= 1
        # Ties mediated by an artefact that existed in the tie's school year.
        for t in self.ties:
            if rng.random() < 0.1:
                a = rng.randrange(len(self.artefacts))
                if self.artefacts[a].created < _school_year_start(t[7] + 1):
                    t[8] = self.artefacts[a].iri
        # A few ties from a person to an artefact (ANT: any two actors).
        for _ in range(max(2, len(self.people) // 100)):
            p = rng.randrange(len(self.people))
            a = rng.randrange(len(self.artefacts))
            art = self.artefacts[a]
            year = max(self.people[p].since, _school_year_of(art.created))
            self.ties.append([self.people[p].iri, art.iri, "joint-work", 2.0, rng.randint(2, 5), rng.randint(2, 5),
                              art.subjects[0], min(year, 2025), None, None])

    def _plan_crossings(self) -> None:
        rng = self.rng
        mechs = list(MECHANISMS)
        n = max(8, self.n_people // 15)
        multi = [p for p, per in enumerate(self.people) if len(per.networks) >= 2]
        for i in range(n):
            mech = mechs[i % 4]
            if not multi:
                break
            p = rng.choice(multi)
            per = self.people[p]
            a, b = rng.sample(per.networks, 2)
            if a == b:
                continue
            lo = max(self.networks[a].founded, self.networks[b].founded, _school_year_start(per.since))
            when = self.random_date(lo, date(2025, 12, 31))
            produced = None
            if mech == "transformation" and rng.random() < 0.5:
                produced = self._made_by_crossing(p, b, when)
            self.crossings.append((per.iri, a, b, mech, when, produced))
        # Schoolopleiders: coordination between their school team and the partnership.
        for s in self.schools:
            if not self.orgs[s].training:
                continue
            for p in self.school_people[s]:
                per = self.people[p]
                if "school-based-educator" in per.roles:
                    part = next(n for n in per.networks if self.networks[n].kind == "Partnership")
                    lo = max(self.networks[part].founded, _school_year_start(per.since))
                    self.crossings.append((per.iri, self.orgs[s].team, part, "coordination",
                                           self.random_date(lo, date(2025, 12, 31)), None))
        # Boards founding the lab: an organisational transformation crossing.
        for lab in self.labs:
            for b in self.boards[:2]:
                when = self.networks[lab].founded - timedelta(days=60)
                produced = self._made_by_crossing(None, lab, when, kind="Procedure",
                                                  label=f"Werkwijze {self.networks[lab].label}")
                self.crossings.append((self.orgs[b].iri, self.kn, lab, "transformation", when, produced))

    def _made_by_crossing(self, person: int | None, network: int, when: date, kind: str | None = None,
                          label: str | None = None) -> ox.NamedNode:
        rng = self.rng
        k = len(self.artefacts)
        kind = kind or rng.choice(["LearningMaterial", "Procedure"])
        theme = self.networks[network].themes[0]
        created = self.random_date(when + timedelta(days=30), when + timedelta(days=300))
        label = label or f"{ARTEFACT_WORDS[kind]} {TOPIC_NL[theme]} (grensoverschrijdend) {k + 1}"
        self.artefacts.append(_Artefact(self.iri(f"a-{k + 1:06d}"), kind, label, min(created, HORIZON), [theme],
                                        [person] if person is not None else [], network))
        return self.artefacts[k].iri

    def _plan_attributions(self) -> None:
        rng = self.rng
        n = max(4, len(self.people) // 4)
        for _ in range(n):
            t = self.ties[rng.randrange(len(self.ties))]
            src, dst, q = t[0], t[1], t[9]
            if q is None:  # a tie to an artefact
                continue
            # The source names the target as knowledgeable on the tie's topic or one of the target's topics.
            target = self.people[q]
            topic = t[6] or rng.choice(target.topics)
            year = max(t[7], 2016)
            self.attributions.append((dst, src, topic, self.random_date(date(year, 9, 1), date(min(year + 1, 2026), 6, 30))))

    def _plan_agreements(self) -> None:
        rng = self.rng
        parties = [self.orgs[i].iri for i in self.boards + self.institutes]
        themes = [self.networks[p].themes[0] for p in self.plgs]
        agenda: list[str] = []
        for t in themes + ["science-technology", "digital-literacy", "teacher-education"]:
            if t not in agenda:
                agenda.append(t)
        self.covenant = (self.iri("c-001"), parties, agenda[:6])
        for k, (p, d, year) in enumerate(self.loi_members):
            per = self.people[p]
            begin = max(date(year, 8, 1), COVENANT_BEGIN)
            end = date(year + rng.choice([1, 1, 2]), 8, 31)
            self.letters.append((self.iri(f"loi-{k + 1:06d}"), per, d, begin, end))

    # --- emitting -----------------------------------------------------------

    def triples(self) -> Iterator[tuple]:
        """All (s, p, o) tuples, subject by subject, in a fixed order."""
        yield from self._emit_organisations()
        yield from self._emit_networks()
        yield from self._emit_people()
        yield from self._emit_memberships()
        yield from self._emit_ties()
        yield from self._emit_artefacts()
        yield from self._emit_adoptions()
        yield from self._emit_crossings()
        yield from self._emit_attributions()
        yield from self._emit_agreements()

    def _interval(self, subject: ox.NamedNode, prop: ox.NamedNode, begin: date, end: date | None) -> Iterator[tuple]:
        iv, b = self.bnode(), self.bnode()
        yield subject, prop, iv
        yield iv, A, TIME_INTERVAL
        yield iv, TIME_BEGIN, b
        if end is not None:
            e = self.bnode()
            yield iv, TIME_END, e
        yield b, A, TIME_INSTANT
        yield b, TIME_IN_DATE, _date(begin)
        if end is not None:
            yield e, A, TIME_INSTANT
            yield e, TIME_IN_DATE, _date(end)

    def _emit_organisations(self) -> Iterator[tuple]:
        for org in self.orgs:
            s = org.iri
            yield s, A, getattr(C, org.kind)
            yield s, LABEL, _str(org.label)
            if org.sector:
                yield s, C.sector, SECTORS[org.sector]
            if org.town:
                yield s, SCHEMA_LOCATION, _str(org.town)
            if org.brin:
                yield s, C.brin, ox.Literal(org.brin, datatype=BRIN_CODE)
            if org.board is not None:
                yield s, ORG_SUB, self.orgs[org.board].iri

    def _emit_networks(self) -> Iterator[tuple]:
        for net in self.networks:
            s = net.iri
            yield s, A, getattr(C, net.kind)
            yield s, LABEL, _str(net.label)
            if net.parent is not None:
                yield s, ORG_SUB, self.networks[net.parent].iri
            for t in net.themes:
                yield s, C.theme, TOPICS[t]
            yield s, SCHEMA_FOUNDING_DATE, _date(net.founded)
            if net.meetings is not None:
                yield s, C.meetingsPerYear, _int(net.meetings)
            if net.budget is not None:
                yield s, C.budgetEur, _dec(net.budget)
            if net.hours is not None:
                yield s, C.hoursPerParticipant, _dec(net.hours)
            if net.funded_by is not None:
                yield s, C.fundedBy, net.funded_by

    def _emit_people(self) -> Iterator[tuple]:
        for per in self.people:
            s = per.iri
            yield s, A, C.Person
            yield s, LABEL, _str(per.label)
            for r in per.roles:
                yield s, C.hasRole, ROLES[r]
            yield s, C.affiliatedWith, self.orgs[per.org].iri
            for t in per.topics:
                yield s, SCHEMA_KNOWS_ABOUT, TOPICS[t]
            if per.consent is not None:
                yield s, C.consent, CONSENTS[per.consent]
            yield s, C.activeSince, _int(per.since)

    def _emit_memberships(self) -> Iterator[tuple]:
        for k, m in enumerate(self.memberships):
            s = self.iri(f"m-{k + 1:07d}")
            yield s, A, C.Membership
            yield s, ORG_MEMBER, m.member
            yield s, ORG_ORGANIZATION, self.networks[m.network].iri
            if m.role:
                yield s, C.roleDescription, _str(m.role)
            if m.level:
                yield s, C.participationLevel, LEVELS[m.level]
            if m.hours is not None:
                yield s, C.hoursPerYear, _dec(m.hours)
            if m.motivation:
                yield s, C.motivation, _str(m.motivation)
            if m.begin is not None:
                yield from self._interval(s, ORG_MEMBER_DURING, m.begin, m.end)

    def _emit_ties(self) -> Iterator[tuple]:
        for k, (src, dst, depth, per_month, closeness, trust, topic, year, via, _q) in enumerate(self.ties):
            s = self.iri(f"t-{k + 1:07d}")
            yield s, A, C.Tie
            yield s, C.source, src
            yield s, C.target, dst
            yield s, C.depth, DEPTHS[depth]
            yield s, C.perMonth, _dec(per_month)
            yield s, C.closeness, _int(closeness)
            yield s, C.trust, _int(trust)
            if topic:
                yield s, C.topic, TOPICS[topic]
            yield s, C.schoolYear, _int(year)
            if via is not None:
                yield s, C.mediatedBy, via

    def _emit_artefacts(self) -> Iterator[tuple]:
        for art in self.artefacts:
            s = art.iri
            yield s, A, getattr(C, art.kind)
            if art.boundary_object:
                yield s, A, C.BoundaryObject
            yield s, LABEL, _str(art.label)
            for t in art.subjects:
                yield s, DCT_SUBJECT, TOPICS[t]
            for c in art.creators:
                yield s, DCT_CREATOR, self.people[c].iri
            if art.made_in is not None:
                yield s, C.madeIn, self.networks[art.made_in].iri
            if art.derived_from is not None:
                yield s, PROV_DERIVED, self.artefacts[art.derived_from].iri
            yield s, DCT_CREATED, _date(art.created)
            if art.license is not None:
                yield s, DCT_LICENSE, art.license

    def _emit_adoptions(self) -> Iterator[tuple]:
        for k, (a, school, when, src, broker, via, adapted) in enumerate(self.adoptions):
            s = self.iri(f"ad-{k + 1:07d}")
            yield s, A, C.Adoption
            yield s, C.adoptedArtefact, self.artefacts[a].iri
            yield s, C.adopter, self.orgs[school].iri
            yield s, DCT_DATE, _date(when)
            if src is not None:
                yield s, C.adoptedFrom, self.orgs[src].iri
            if broker is not None:
                yield s, C.broker, self.people[broker].iri
            if via is not None:
                yield s, C.via, self.networks[via].iri
            if adapted is not None:
                yield s, C.adaptedVersion, self.artefacts[adapted].iri

    def _emit_crossings(self) -> Iterator[tuple]:
        for k, (crosser, a, b, mech, when, produced) in enumerate(self.crossings):
            s = self.iri(f"x-{k + 1:06d}")
            yield s, A, C.BoundaryCrossing
            yield s, C.crosser, crosser
            yield s, C.fromNetwork, self.networks[a].iri
            yield s, C.toNetwork, self.networks[b].iri
            yield s, C.mechanism, MECHANISMS[mech]
            yield s, DCT_DATE, _date(when)
            yield s, DCT_DESCRIPTION, _str(CROSSING_TEXT[mech])
            if produced is not None:
                yield s, C.produced, produced

    def _emit_attributions(self) -> Iterator[tuple]:
        for k, (to, by, topic, when) in enumerate(self.attributions):
            s = self.iri(f"ea-{k + 1:06d}")
            yield s, A, C.ExpertiseAttribution
            yield s, C.attributedTo, to
            yield s, C.attributedBy, by
            yield s, C.topic, TOPICS[topic]
            yield s, DCT_DATE, _date(when)

    def _emit_agreements(self) -> Iterator[tuple]:
        c, parties, agenda = self.covenant
        yield c, A, C.Covenant
        yield c, LABEL, _str("Convenant Kennisnetwerk Lerende Leraren")
        for p in parties:
            yield c, C.party, p
        for t in agenda:
            yield c, C.agendaTheme, TOPICS[t]
        yield c, C.establishes, self.networks[self.kn].iri
        yield c, DCT_CREATED, _date(COVENANT_BEGIN - timedelta(days=45))
        yield from self._interval(c, C.validDuring, COVENANT_BEGIN, COVENANT_END)
        for s, per, d, begin, end in self.letters:
            yield s, A, C.LetterOfIntent
            yield s, LABEL, _str(f"Intentieverklaring {local_name(per.iri.value)}, "
                                 f"{self.networks[d].label}")
            yield s, C.signatory, per.iri
            yield s, C.commitsTo, self.networks[d].iri
            yield s, C.underCovenant, c
            yield s, DCT_CREATED, _date(begin - timedelta(days=14))
            yield from self._interval(s, C.validDuring, begin, end)


_ROLE_TEXT = {
    "director": "directeur",
    "ict-coordinator": "ICT-coördinator",
    "wt-coordinator": "W&T-coördinator",
    "school-based-educator": "schoolopleider",
    "mentor": "werkplekbegeleider",
}


# --- public API -------------------------------------------------------------------

def generate(
    people: int,
    seed: int = 1,
    base: str = DEFAULT_BASE,
    graph: str | None = None,
) -> Iterator[ox.Triple] | Iterator[ox.Quad]:
    """Yield the triples of a synthetic region with `people` people.

    `seed` fixes every random choice; `base` is the namespace of every minted
    IRI (`{base}p000017`, `{base}s-00003`, ...). With `graph`, yield quads in
    that named graph instead of triples. Needs at least 20 people.
    About 56 triples per person (see `people_for_triples`).
    """
    region = _Region(people, seed, base)
    if graph is None:
        Triple = ox.Triple
        for s, p, o in region.triples():
            yield Triple(s, p, o)
    else:
        Quad = ox.Quad
        g = ox.NamedNode(graph)
        for s, p, o in region.triples():
            yield Quad(s, p, o, g)


def people_for_triples(n_triples: int) -> int:
    """The number of people for which `generate` gives about `n_triples` triples
    (within 15% from 5,000 triples up; a region never has fewer than 20 people)."""
    return max(MIN_PEOPLE, round((n_triples - _TRIPLES_FIXED) / _TRIPLES_PER_PERSON))


def write(path: Path | str, people: int, seed: int = 1, base: str = DEFAULT_BASE) -> int:
    """Write a region to `path` (N-Triples for .nt, Turtle for .ttl); return the number of triples."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".nt":
        fmt, prefixes = ox.RdfFormat.N_TRIPLES, None
    elif suffix == ".ttl":
        fmt, prefixes = ox.RdfFormat.TURTLE, {"r": base, **TURTLE_PREFIXES}
    else:
        raise ValueError(f"unsupported file type {suffix!r}; use .nt or .ttl")
    count = 0

    def counted() -> Iterator[ox.Triple]:
        nonlocal count
        for t in generate(people, seed, base):
            count += 1
            yield t

    path.parent.mkdir(parents=True, exist_ok=True)
    if prefixes is None:
        ox.serialize(counted(), path, fmt)
    else:
        # The serializer writes its @prefix lines in an order of its own; put
        # them in a fixed order so the bytes never depend on it.
        text = ox.serialize(counted(), None, fmt, prefixes=prefixes)
        head: list[bytes] = []
        rest = 0
        while text.startswith(b"@prefix ", rest):
            end = text.index(b"\n", rest) + 1
            head.append(text[rest:end])
            rest = end
        with open(path, "wb") as fh:
            fh.writelines(sorted(head))
            fh.write(memoryview(text)[rest:])
    return count


def main(argv: list[str] | None = None) -> None:
    """`python -m synthetic.generate OUT.nt --people N | --triples N [--seed S] [--base IRI]`."""

    ap = argparse.ArgumentParser(prog="python -m synthetic.generate", description=main.__doc__)
    ap.add_argument("out", type=Path)
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--people", type=int)
    size.add_argument("--triples", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--base", default=DEFAULT_BASE)
    args = ap.parse_args(argv)
    people = args.people if args.people is not None else people_for_triples(args.triples)
    n = write(args.out, people, args.seed, args.base)
    print(f"{args.out}: {n} triples, {people} people")


if __name__ == "__main__":
    main()
