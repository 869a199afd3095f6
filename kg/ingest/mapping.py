"""Rows to RDF, following docs/model.md, with the cell every triple came from.

IRIs: an actor, topic, crossing, covenant or letter of intent is
`{base}{id}` with the region's own id (never a name). A relation row
(membership, adoption, tie) has no id: its node is `{base}{m|ad|t}-{hash}`,
the hash taken over the row's meaning (resolved ids, terms and values, not
its spelling or position), so the same rows give the same graph whatever
their order or case. Periods (OWL-Time intervals) are blank nodes with
labels derived from their node, for the same reason.

Provenance: every triple maps to the cells (template, row, column) that
produced it; SHACL findings are traced back through it (kg.ingest.findings).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.ingest.cells import (
    DUTCH,
    ENGLISH,
    EXCEL_EPOCH,
    EXCEL_EPOCH_1904,
    GROUPING,
    Number,
    NumberReading,
    decimal_text,
    iri_node,
    looks_like_iri,
    name_in_code,
    parse_date,
    plain,
    read_number,
)
from kg.ingest.problems import ERROR, INFO, WARNING, Problem, problem
from kg.ingest.read import Row, Workbook
from kg.ingest.templates import (
    BY_NAME,
    DATE,
    DECIMAL,
    ID,
    ID_KINDS,
    INTEGER,
    IRIS,
    LIST_SEPARATOR,
    REF,
    REFS,
    SCALE,
    TEXT,
    TOPIC,
    TOPICS,
    VALUE,
    VALUES,
    YEAR,
    Template,
    bundled_topics,
    value_lists,
)
from kg.model.namespaces import CKG, GRAPH, RDF, RDFS, REGIONS_GRAPH, SKOS, VOCAB, XSD, local_name
from kg.text import Strings, Text

REGION_GRAPH = GRAPH + "region/"
REQUIRED_TEMPLATES = ("people", "organisations", "networks")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
_WEB_PREFIX = re.compile(r"(?i)^[a-z][a-z0-9+.-]*:")  # a scheme (http:, https:, urn:, ...): meant as an IRI
REGION_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
RELATION_PREFIX = {"memberships": "m-", "adoptions": "ad-", "ties": "t-"}

ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
DCT = "http://purl.org/dc/terms/"
TIME = "http://www.w3.org/2006/time#"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


A = _n(RDF + "type")
LABEL = _n(RDFS + "label")
PREF = _n(SKOS + "prefLabel")
XSD_DATE, XSD_INTEGER, XSD_DECIMAL = _n(XSD + "date"), _n(XSD + "integer"), _n(XSD + "decimal")

# (template, column) -> predicate. The export reads the same table backwards.
PREDICATES: dict[tuple[str, str], str] = {
    ("topics", "label_nl"): SKOS + "prefLabel", ("topics", "label_en"): SKOS + "prefLabel",
    ("topics", "broader"): SKOS + "broader",
    ("organisations", "name"): RDFS + "label", ("organisations", "brin"): CKG + "brin",
    ("organisations", "parent"): ORG + "subOrganizationOf", ("organisations", "sector"): CKG + "sector",
    ("organisations", "place"): SCHEMA + "location",
    ("people", "name"): RDFS + "label", ("people", "roles"): CKG + "hasRole",
    ("people", "organisation"): CKG + "affiliatedWith", ("people", "expertise"): SCHEMA + "knowsAbout",
    ("people", "consent"): CKG + "consent", ("people", "since"): CKG + "activeSince",
    ("networks", "name"): RDFS + "label", ("networks", "part_of"): ORG + "subOrganizationOf",
    ("networks", "themes"): CKG + "theme", ("networks", "started"): SCHEMA + "foundingDate",
    ("networks", "meetings_per_year"): CKG + "meetingsPerYear", ("networks", "budget_eur"): CKG + "budgetEur",
    ("networks", "hours_per_participant"): CKG + "hoursPerParticipant", ("networks", "funders"): CKG + "fundedBy",
    ("memberships", "member"): ORG + "member", ("memberships", "network"): ORG + "organization",
    ("memberships", "role"): CKG + "roleDescription", ("memberships", "level"): CKG + "participationLevel",
    ("memberships", "hours_per_year"): CKG + "hoursPerYear", ("memberships", "reason"): CKG + "motivation",
    ("artefacts", "title"): RDFS + "label", ("artefacts", "topics"): DCT + "subject",
    ("artefacts", "creators"): DCT + "creator", ("artefacts", "made_in"): CKG + "madeIn",
    ("artefacts", "created"): DCT + "created", ("artefacts", "derived_from"): PROV + "wasDerivedFrom",
    ("artefacts", "licence"): DCT + "license", ("artefacts", "same_as"): SCHEMA + "sameAs",
    ("adoptions", "artefact"): CKG + "adoptedArtefact", ("adoptions", "adopter"): CKG + "adopter",
    ("adoptions", "date"): DCT + "date", ("adoptions", "source"): CKG + "adoptedFrom",
    ("adoptions", "broker"): CKG + "broker", ("adoptions", "via"): CKG + "via",
    ("adoptions", "adapted_version"): CKG + "adaptedVersion",
    ("ties", "source"): CKG + "source", ("ties", "target"): CKG + "target", ("ties", "depth"): CKG + "depth",
    ("ties", "per_month"): CKG + "perMonth", ("ties", "closeness"): CKG + "closeness",
    ("ties", "trust"): CKG + "trust", ("ties", "topic"): CKG + "topic", ("ties", "year"): CKG + "schoolYear",
    ("ties", "mediated_by"): CKG + "mediatedBy",
    ("crossings", "persons"): CKG + "crosser", ("crossings", "from_network"): CKG + "fromNetwork",
    ("crossings", "to_network"): CKG + "toNetwork", ("crossings", "mechanism"): CKG + "mechanism",
    ("crossings", "date"): DCT + "date", ("crossings", "produced"): CKG + "produced",
    ("crossings", "description"): DCT + "description",
    ("covenants", "title"): RDFS + "label", ("covenants", "parties"): CKG + "party",
    ("covenants", "themes"): CKG + "agendaTheme",
    ("intents", "person"): CKG + "signatory", ("intents", "network"): CKG + "commitsTo",
    ("intents", "covenant"): CKG + "underCovenant",
}
# Columns that become a period (OWL-Time interval) on the row's node.
PERIODS = {"memberships": ORG + "memberDuring", "covenants": CKG + "validDuring", "intents": CKG + "validDuring"}
FIXED_CLASS = {"memberships": CKG + "Membership", "adoptions": CKG + "Adoption", "ties": CKG + "Tie",
               "crossings": CKG + "BoundaryCrossing", "covenants": CKG + "Covenant",
               "intents": CKG + "LetterOfIntent", "people": CKG + "Person"}
TYPE_LIST = {"organisations": "organisation-type", "networks": "network-type", "artefacts": "artefact-type"}


@dataclass(frozen=True, slots=True)  # one per cell a triple came from: hundreds of thousands in a region
class Cell:
    template: str
    row: int
    column: str | None


@dataclass(frozen=True)
class IdEntry:
    kind: str
    template: str
    row: int


@dataclass
class Mapped:
    """The region's quads and where each triple came from."""

    graph: str
    quads: list[ox.Quad] = field(default_factory=list)
    provenance: dict[ox.Triple, list[Cell]] = field(default_factory=dict)
    rows: dict[ox.NamedNode | ox.BlankNode, Cell] = field(default_factory=dict)  # node -> the row that made it
    problems: list[Problem] = field(default_factory=list)
    ids: dict[str, IdEntry] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]


def region_graph(region: str) -> str:
    return REGION_GRAPH + region


def region_name_problem(region: str) -> str | None:
    """None if `region` is a valid region name, else why not (en)."""
    if REGION_PATTERN.match(region):
        return None
    return "a region name is 1-63 lower-case letters, digits and '-', starting with a letter or digit"


def base_problem(base: str) -> str | None:
    """None if `base` can be a region's base IRI, else why not (en)."""
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+[/#]$", base) or iri_node(base + "x") is None:
        return "the base IRI must be an http(s) IRI ending in '/' or '#'"
    return None


# What an IRI held elsewhere in the store can stand for in a reference, by its (inferred) types.
KIND_CLASSES = {"person": CKG + "Person", "organisation": CKG + "Organisation", "network": CKG + "Network",
                "artefact": CKG + "Artefact", "covenant": CKG + "Covenant", "intent": CKG + "LetterOfIntent"}


def foreign_iri(text: str) -> str | None:
    """`text` if it is a valid http(s) IRI (a reference to something held elsewhere), else None."""
    return text if looks_like_iri(text) and iri_node(text) is not None else None


def referenced_iris(wb: Workbook) -> set[str]:
    """Full IRIs in the workbook's reference cells (references to actors held elsewhere)."""
    out: set[str] = set()
    for name, table in wb.tables.items():
        cols = [c.name for c in BY_NAME[name].columns if c.kind in (REF, REFS)]
        for row in table.rows:
            for c in cols:
                for part in row.cells.get(c, "").split(LIST_SEPARATOR):
                    if foreign_iri(part.strip()):
                        out.add(part.strip())
    return out


# kinds_of: an IRI in the namespace (base) of a region this store holds that the store does not describe.
MISSING = "missing"
_URI_SPACE = "http://rdfs.org/ns/void#uriSpace"


def kinds_of(db, iris: set[str]) -> dict[str, set[str]]:
    """IRI -> the kinds of id it can stand for, for the `iris` an open store types (any graph);
    {MISSING} for an untyped IRI under the base of a region the store holds (a code that region
    does not have). IRIs under no such base are left out: another region's, not checkable here."""
    a = ox.NamedNode(RDF + "type")
    by_class = {v: k for k, v in KIND_CLASSES.items()}
    out: dict[str, set[str]] = {}
    for iri in iris:
        types = {q.object.value for q in db.quads_for_pattern(ox.NamedNode(iri), a, None, None)}
        if types:
            out[iri] = {by_class[t] for t in types if t in by_class}
    held = {q.object.value for q in db.quads_for_pattern(None, _n(_URI_SPACE), None, _n(REGIONS_GRAPH))}
    for iri in iris:
        if iri not in out and any(iri.startswith(b) for b in held):
            out[iri] = {MISSING}
    return out


@dataclass(frozen=True)
class Notation:
    """How a file (CSV file or XLSX sheet) writes numbers, from the unambiguous values in it."""

    notation: str | None  # DUTCH, ENGLISH or None (no evidence, or both)
    reason: Text = Text(nl="", en="")
    mixed: bool = False


NOTATION_NAMES = Strings({DUTCH: Text(nl="Nederlands", en="Dutch"), ENGLISH: Text(nl="Engels", en="English")})
PUBLIC_CONSENT = VOCAB + "consent/public"


class RowMapper:
    def __init__(self, wb: Workbook, base: str, region: str, elsewhere: dict[str, set[str]] | None = None,
                 known: dict[str, IdEntry] | None = None):
        self.wb = wb
        self.base = base
        self.elsewhere = elsewhere or {}  # IRI held in other graphs -> its kinds (see kinds_of)
        self.out = Mapped(region_graph(region))
        self.out.ids.update(known or {})  # codes the region defines outside this workbook (an edit's)
        self.graph = _n(self.out.graph)
        self.values = value_lists()
        self.topic_ids: dict[str, str] = {}
        self.topic_labels: dict[str, set[str]] = {}
        self.bundled_ids: dict[str, str] = {}
        self.template: Template | None = None
        self.row: Row | None = None
        self.seen_keys: dict[tuple[str, str], int] = {}
        self.notations: dict[str, Notation] = {}  # template -> how its file writes numbers
        self.noted: set[tuple] = set()  # info problems given once per file (and column)

    # --- problems and emission ---------------------------------------------------

    def report(self, code: str, column: str | None = None, value: object = None, severity: str = ERROR,
               **params: object) -> None:
        self.out.problems.append(problem(code, severity, self.template.name if self.template else None,
                                         self.row.number if self.row else None, column, value, **params))

    def emit(self, s: ox.NamedNode | ox.BlankNode, p: str | ox.NamedNode, o: ox.NamedNode | ox.BlankNode | ox.Literal,
             *columns: str | None) -> None:
        pred = p if isinstance(p, ox.NamedNode) else _n(p)
        triple = ox.Triple(s, pred, o)
        cells = self.out.provenance.get(triple)
        if cells is None:
            cells = self.out.provenance[triple] = []
            self.out.quads.append(ox.Quad(s, pred, o, self.graph))
        for c in columns or (None,):
            cells.append(Cell(self.template.name, self.row.number, c))

    # --- ids and topics -------------------------------------------------------------

    def collect_ids(self) -> None:
        for name in BY_NAME:
            table = self.wb.tables.get(name)
            template = BY_NAME[name]
            if table is None or template.id_kind is None:
                continue
            self.template = template
            for row in table.rows:
                self.row = row
                value = row.cells.get("id", "")
                if not value:
                    continue  # reported with the row's other required cells
                if not ID_PATTERN.match(value):
                    self.report("bad_id", "id", value)
                    continue
                other = self.out.ids.get(value)
                if other is not None:
                    self.report("duplicate_id", "id", value, other_template=other.template, other_row=other.row)
                    continue
                self.out.ids[value] = IdEntry(template.id_kind, name, row.number)
                if name == "people":
                    self.check_name_in_code(value, row)
        self.template = self.row = None

    def check_name_in_code(self, code: str, row: Row) -> None:
        """A person's code must not give away the name: it is published in URLs, dumps and search."""
        part = name_in_code(code, row.cells.get("name", ""))
        if part is None:
            return
        public = self.values["consent"].lookup(row.cells.get("consent", "")) == PUBLIC_CONSENT
        self.report("name_in_code", "id", code, WARNING if public else ERROR, part=part)

    def index_topics(self) -> None:
        for iri, entry in bundled_topics().items():
            self.bundled_ids[local_name(iri).casefold()] = iri
            for label in entry.labels:
                self.topic_labels.setdefault(label.casefold(), set()).add(iri)
        table = self.wb.tables.get("topics")
        for row in table.rows if table else []:
            tid = row.cells.get("id", "")
            entry = self.out.ids.get(tid)
            if entry is None or entry.template != "topics":
                continue
            iri = self.base + tid
            self.topic_ids[tid] = iri
            for col in ("label_nl", "label_en"):
                if row.cells.get(col):
                    self.topic_labels.setdefault(row.cells[col].casefold(), set()).add(iri)

    def topic(self, column: str, text: str) -> ox.NamedNode | None:
        if text in self.topic_ids:
            return _n(self.topic_ids[text])
        found = self.topic_labels.get(text.casefold())
        if found and len(found) == 1:
            return _n(next(iter(found)))
        if found:
            self.report("ambiguous_topic", column, text, choices=", ".join(sorted(found)))
            return None
        if text.casefold() in self.bundled_ids:
            return _n(self.bundled_ids[text.casefold()])
        near = difflib.get_close_matches(text.casefold(), list(self.topic_labels) + list(self.topic_ids), n=3,
                                         cutoff=0.75)
        self.report("unknown_topic", column, text, suggest=(" (" + " / ".join(near) + "?)") if near else "")
        return None

    def ref(self, column: str, text: str, target: str) -> ox.NamedNode | None:
        if text.startswith(self.base):
            text = text[len(self.base):]  # our own IRI: the code
        elif foreign_iri(text):
            kinds = self.elsewhere.get(text)
            if kinds is None and self.template.column(column).foreign:
                return _n(text)  # another region's IRI, under no base this store holds: taken as is
            if kinds is None or kinds == {MISSING}:
                self.report("unknown_iri", column, text)
                return None
            if not kinds & ID_KINDS[target]:
                self.report("wrong_kind", column, text, expected=target, actual=min(kinds) if kinds else "thing")
                return None
            return _n(text)
        entry = self.out.ids.get(text)
        if entry is None and _WEB_PREFIX.match(text):
            self.report("bad_ref_iri", column, text)  # meant as an IRI, but not a valid one
            return None
        if entry is None:
            self.report("unknown_id", column, text, expected=target)
            return None
        if entry.kind not in ID_KINDS[target]:
            self.report("wrong_kind", column, text, expected=target, actual=entry.kind)
            return None
        return _n(self.base + text)

    def other_region_iri(self, column: str, text: str) -> list[ox.NamedNode]:
        """An IRI another region gives a thing (`same_as`): absolute http(s), valid, not under our base."""
        if foreign_iri(text) is None:
            self.report("bad_same_as", column, text)
            return []
        if text.startswith(self.base):
            self.report("same_as_own", column, text)
            return []
        return [_n(text)]

    # --- cells ----------------------------------------------------------------------

    def parse(self, column: str, text: str) -> list[ox.NamedNode | ox.Literal]:
        """The terms a cell stands for ([] if empty or wrong; wrong cells are reported)."""
        col = self.template.column(column)
        if self.row is not None and column in self.row.reported:
            return []  # reported while reading (an Excel error value, a cell too long)
        if not text:
            if col.required:
                self.report("required", column, "")
            return []
        kind = col.kind
        if kind == IRIS:
            parts = [p.strip() for p in text.split(LIST_SEPARATOR) if p.strip()]
            return list(dict.fromkeys(t for p in parts for t in self.other_region_iri(column, p)))
        if kind in (REFS, TOPICS, VALUES):
            parts = [p.strip() for p in text.split(LIST_SEPARATOR) if p.strip()]
            one = {REFS: REF, TOPICS: TOPIC, VALUES: VALUE}[kind]
            terms = [t for p in parts for t in self._one(one, col.target, column, p)]
            return list(dict.fromkeys(terms))
        return self._one(kind, col.target, column, text)

    def _one(self, kind: str, target: str | None, column: str, text: str) -> list:
        if kind in (TEXT, ID):
            return [ox.Literal(text)]
        if kind == REF:
            node = self.ref(column, text, target)
            return [node] if node else []
        if kind == TOPIC:
            node = self.topic(column, text)
            return [node] if node else []
        if kind == VALUE:
            iri = self.values[target].lookup(text)
            if iri is None:
                self.report("bad_value", column, text, choices=", ".join(self.values[target].terms()))
                return []
            return [_n(iri)]
        if kind == DATE:
            reading = parse_date(text, self.wb.date1904)
            if reading.date is None:
                self.report("bad_date", column, text)
                return []
            if reading.serial and self.once("serial", column):
                epoch = EXCEL_EPOCH_1904 if self.wb.date1904 else EXCEL_EPOCH
                self.report("date_serial", column, text, INFO, epoch=epoch.isoformat(), date=reading.date.isoformat())
            return [ox.Literal(reading.date.isoformat(), datatype=XSD_DATE)]
        if kind in (INTEGER, DECIMAL):
            return self.number(kind, column, text)
        if kind in (YEAR, SCALE):
            ok = re.fullmatch(r"[0-9]{1,9}", text) is not None
            n = int(text) if ok else -1
            if kind == YEAR and not (ok and 1900 <= n <= 2100):
                self.report("bad_year", column, text)
                return []
            if kind == SCALE and not (ok and 1 <= n <= 5):
                self.report("bad_scale", column, text)
                return []
            if not ok:
                self.report("bad_integer", column, text)
                return []
            return [ox.Literal(str(n), datatype=XSD_INTEGER)]
        raise ValueError(f"unknown column kind {kind}")

    # --- numbers ---------------------------------------------------------------------------

    def once(self, *key: object) -> bool:
        """True the first time `key` is seen for the current template."""
        key = (self.template.name, *key)
        if key in self.noted:
            return False
        self.noted.add(key)
        return True

    def number(self, kind: str, column: str, text: str) -> list[ox.Literal]:
        """An integer or decimal cell in Dutch or English notation; an ambiguous one ('2.500')
        only where the file's other values show the notation, else it is reported."""
        reading = read_number(text)
        if column in self.row.typed:  # an XLSX number: its text is Python's, one reading
            found = reading.en
        elif reading.ambiguous:
            found = self.resolve(column, text, reading)
            if found is None:
                return []
        else:
            found = reading.nl or reading.en
        if found is None or (kind == INTEGER and found.fraction):
            self.report("bad_integer" if kind == INTEGER else "bad_decimal", column, text)
            return []
        if kind == INTEGER:
            return [ox.Literal(plain(found.value), datatype=XSD_INTEGER)]
        return [ox.Literal(decimal_text(found.value), datatype=XSD_DECIMAL)]

    def notation(self) -> Notation:
        """How the current template's file writes numbers (decided once per file)."""
        name = self.template.name
        if name in self.notations:
            return self.notations[name]
        table = self.wb.tables.get(name)
        numeric = [c.name for c in self.template.columns if c.kind in (INTEGER, DECIMAL)]
        seen: dict[str, tuple[str, int, str]] = {}  # notation -> first (value, row, column) showing it
        for row in table.rows if table else []:
            for c in numeric:
                text = row.cells.get(c, "")
                if text and c not in row.typed and c not in row.reported:
                    evidence = read_number(text).evidence
                    if evidence and evidence not in seen:
                        seen[evidence] = (text, row.number, c)
        if len(seen) == 2:
            nl, en = seen[DUTCH], seen[ENGLISH]
            self.out.problems.append(problem("mixed_notation", WARNING, name,
                                             nl_example=f"{nl[0]}, rij/row {nl[1]}, {nl[2]}",
                                             en_example=f"{en[0]}, rij/row {en[1]}, {en[2]}"))
            found = Notation(None, mixed=True)
        elif seen:
            (notation, (text, number, c)), = seen.items()
            found = Notation(notation, Text(nl=f"het bestand schrijft ook {text} (rij {number}, kolom {c})",
                                            en=f"the file also writes {text} (row {number}, column {c})"))
        elif table is not None and table.separator == ";":
            found = Notation(DUTCH, Text(nl="de kolommen zijn gescheiden door ';', zoals Excel in het Nederlands doet",
                                         en="the columns are separated by ';', as Excel does in Dutch"))
        else:
            found = Notation(None)
        self.notations[name] = found
        return found

    def resolve(self, column: str, text: str, reading: NumberReading) -> Number | None:
        """The reading of an ambiguous number the file's notation allows, or None (reported).
        Only the thousands reading is ever taken from the file ('2.500' = 2500 in a Dutch file);
        a fraction with exactly three decimals is never read from evidence elsewhere."""
        mark = "." if "." in text else ","
        grouping = GROUPING[mark]
        other = ENGLISH if grouping == DUTCH else DUTCH
        grouped = getattr(reading, grouping).value
        fraction = getattr(reading, other).value
        notation = self.notation()
        if notation.notation == grouping:
            if self.once("notation"):
                self.report("number_notation", column, text, INFO, notation=NOTATION_NAMES[grouping],
                            number=plain(grouped), reason=notation.reason)
            return getattr(reading, grouping)
        if notation.mixed:
            evidence = Text(nl="het bestand gebruikt beide schrijfwijzen door elkaar",
                            en="the file uses both notations")
        elif notation.notation == other:
            name = NOTATION_NAMES[other]
            evidence = Text(nl=f"de rest van het bestand is {name.nl} ({notation.reason.nl})",
                            en=f"the rest of the file is {name.en} ({notation.reason.en})")
        else:
            evidence = Text(nl="het bestand laat nergens zien welke schrijfwijze het gebruikt",
                            en="the file nowhere shows which notation it uses")
        self.report("ambiguous_number", column, text, mark=mark, grouped=plain(grouped),
                    fraction=Text(nl=plain(fraction).replace(".", ","), en=plain(fraction)), evidence=evidence)
        return None

    # --- rows ---------------------------------------------------------------------------

    def map_all(self) -> Mapped:
        if not self.wb.tables:
            self.out.problems.append(problem("no_templates", ERROR, names=", ".join(BY_NAME)))
            return self.out
        for name in REQUIRED_TEMPLATES:
            if name not in self.wb.tables:
                self.out.problems.append(problem("missing_template", ERROR, template=name))
        self.collect_ids()
        self.index_topics()
        for name, template in BY_NAME.items():
            table = self.wb.tables.get(name)
            if table is None:
                continue
            self.template = template
            self.notation()  # a file that writes numbers both ways is said even without an ambiguous one
            for row in table.rows:
                self.row = row
                self.map_row(template, row)
        self.template = self.row = None
        self.out.problems = [p for p in self.out.problems if not self.follow_on(p)]
        return self.out

    def follow_on(self, p: Problem) -> bool:
        """A problem that a template that could not be read may cause: a code it would have defined
        (unknown_id, unknown_topic) or the template itself missing. That file's problem says it."""
        if not self.wb.unreadable:
            return False
        if p.code == "missing_template":
            return p.template in self.wb.unreadable
        kinds = {BY_NAME[t].id_kind for t in self.wb.unreadable}
        if p.code == "unknown_id":
            return bool(ID_KINDS.get(dict(p.params).get("expected", ""), set()) & kinds)
        return p.code == "unknown_topic" and "topic" in kinds

    def map_row(self, template: Template, row: Row) -> None:
        name = template.name
        reported = len(self.out.problems)
        values = {c: self.parse(c, row.cells.get(c, "")) for c in template.column_names if c != "id"}
        if name in RELATION_PREFIX:
            key = name + "".join(f"|{c}=" + ",".join(sorted(str(t) for t in values[c])) for c in sorted(values))
            if any(p.blocking for p in self.out.problems[reported:]):  # a cell is wrong: never a repeat
                key += f"|row={row.number}"
            digest = hashlib.sha256(key.encode()).hexdigest()
            first = self.seen_keys.get((name, digest))
            if first is not None:
                self.report("duplicate_row", None, None, WARNING, other_row=first)
                return
            self.seen_keys[(name, digest)] = row.number
            node = _n(f"{self.base}{RELATION_PREFIX[name]}{digest[:16]}")
        else:
            rid = row.cells.get("id", "")
            if not rid:
                self.report("required", "id", "")
                return
            entry = self.out.ids.get(rid)
            if entry is None or entry.template != name or entry.row != row.number:
                return  # no usable id: already reported
            node = _n(self.base + rid)
        self.out.rows[node] = Cell(name, row.number, None)
        if name == "topics":
            self.emit(node, A, _n(SKOS + "Concept"), "id")
            self.emit(node, A, _n(CKG + "Topic"), "id")
            self.emit(node, _n(SKOS + "inScheme"), _n(VOCAB + "topics"), "id")
            for col, lang in (("label_nl", "nl"), ("label_en", "en")):
                if row.cells.get(col):
                    self.emit(node, PREF, ox.Literal(row.cells[col], language=lang), col)
            for t in values["broader"]:
                self.emit(node, PREDICATES[(name, "broader")], t, "broader")
            return
        if name in TYPE_LIST:
            for t in values["type"]:
                self.emit(node, A, t, "type")
        else:
            self.emit(node, A, _n(FIXED_CLASS[name]), "id" if "id" in template.column_names else None)
        for col, terms in values.items():
            pred = PREDICATES.get((name, col))
            if pred is None:
                continue
            for t in terms:
                if name == "organisations" and col == "brin":
                    t = ox.Literal(t.value, datatype=_n(CKG + "BrinCode"))
                elif name == "artefacts" and col == "licence" and looks_like_iri(t.value):
                    iri = iri_node(t.value)
                    if iri is None:
                        self.report("bad_iri", col, t.value, WARNING)  # kept as text
                    else:
                        t = iri
                self.emit(node, pred, t, col)
        if name in PERIODS:
            begin, end = values["from"], values["to"]
            if begin or end:
                self.period(node, PERIODS[name], begin[0] if begin else None, end[0] if end else None)
        if name == "intents":
            self.intent_label(node, row, values["from"], values["to"])

    def period(self, node: ox.NamedNode, prop: str, begin: ox.Literal | None, end: ox.Literal | None) -> None:
        def bnode(part: str) -> ox.BlankNode:
            return ox.BlankNode("ckgi" + hashlib.sha256(f"{node.value}#{part}".encode()).hexdigest()[:20])

        iv = bnode("period")
        cols = [c for c, v in (("from", begin), ("to", end)) if v is not None]
        self.emit(node, prop, iv, *cols)
        self.emit(iv, A, _n(TIME + "Interval"), *cols)
        for part, value, col, link in (("begin", begin, "from", "hasBeginning"), ("end", end, "to", "hasEnd")):
            if value is None:
                continue
            instant = bnode(part)
            self.emit(iv, _n(TIME + link), instant, col)
            self.emit(instant, A, _n(TIME + "Instant"), col)
            self.emit(instant, _n(TIME + "inXSDDate"), value, col)

    def intent_label(self, node: ox.NamedNode, row: Row, begin: list[ox.Literal], end: list[ox.Literal]) -> None:
        person, network = row.cells.get("person", ""), row.cells.get("network", "")
        net_row = next((r for r in self.wb.tables["networks"].rows if r.cells.get("id") == network), None) \
            if "networks" in self.wb.tables else None
        years = "-".join(d[0].value[:4] for d in (begin, end) if d)  # the dates as read, whatever their form
        label = f"Intentieverklaring {person}, {net_row.cells.get('name') if net_row else network} {years}".strip()
        self.emit(node, LABEL, ox.Literal(label), "person", "network")


def map_workbook(wb: Workbook, base: str, region: str, elsewhere: dict[str, set[str]] | None = None,
                 known: dict[str, IdEntry] | None = None) -> Mapped:
    """The region graph of a workbook, its provenance and the problems found on the way.
    `elsewhere`: what full IRIs in reference cells stand for (see kinds_of); `known`: the region's
    codes defined outside the workbook (kg.ingest.edit maps one row against the stored region)."""
    mapped = RowMapper(wb, base, region, elsewhere, known).map_all()
    mapped.problems[:0] = wb.problems
    return mapped
