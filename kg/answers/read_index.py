"""The read index: the expertise finder's ranking and the actors' names, kept in SQLite and
maintained change by change.

Ranking who knows about a topic asks the store for the evidence of every actor of that topic:
at 10,000 people about 1 s in memory and 10 s on disk per common topic, and it grows with the
store (a national store: minutes). The index keeps, per view, the score of every actor for every
topic it has evidence for (the keys of the named query `expertise-keys-of`, scored exactly as
`kg.answers.expertise.ranking` scores them) and the actor's kind and labels, for one store
generation. A page then reads its ranking with one indexed SQL query.

Maintenance is proportional to the change: a change's delta (kg.store.local, `gen-NNNNNN.delta`)
names the nodes it touched; the actors among them and those whose evidence runs through them (a
membership's member, the members of a network whose theme changed, an artefact's creators, a tie's
ends, an attribution's subject) get their keys asked again, actor by actor. A change of the topic
hierarchy (skos:broader), a store without its deltas (a full `kg build`), no index yet or a change
too large to follow cheaply means a whole rebuild (`_scan_keys`: each joined predicate read once).

The index is derived data: deleting the file loses nothing (the next reader that needs it, or
`kg index`, makes it again). It lives in the store's state folder; remote stores have none (the finder asks them).
Readers take its answer only when it describes the very generation they read
(`ranking(..., generation)` returns None otherwise, and the finder falls back to the query).

Names: `resolve-actor` finds an actor by IRI, local id or label (any case) by reading every actor
(a national store: seconds). The index keeps each actor's names (`actor-names`) keyed by local id
and by lower-cased label, per view, so `names(generation, text, view)` gives resolve-actor's best
matches from an index; a change re-reads the names of the nodes whose labels or ckg:Actor type it
touched.

Counts: the home page counts actors per type, relations per kind and triples per graph, three
queries over the whole store (a national store: seconds). The index keeps, per view, the instances
of every named class (`class-sizes`) and the triples of every graph (`graph-sizes`); a change moves
them by what it really changed (`_recount`).

Search: the labels of every actor and topic (`searchable-labels`, per view and language, with the
label to show and the kind) under an FTS5 trigram index of their lower-cased text, so that
`labels(generation, text, view, lang)` gives search-labels' candidates for a text without reading
every label (kg.answers.search matches and ranks them); a rebuild scans the label predicates once
per view (`_scan_labels`), a change re-reads the labels of the nodes it touched (`_relabel`).

An index of another SCHEMA_VERSION describes no generation: readers ask the store and the next
maintainer rebuilds it.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from kg.answers import expertise, trace
from kg.model.namespaces import PUBLIC_GRAPH, PUBLIC_GRAPHS, local_name
from kg.sparql import queries
from kg.store import run_query
from kg.store.base import StoreError
from kg.store.local import GraphStore
from kg.store.views import view_graphs

FILE_NAME = "read-index.sqlite"
VIEWS = ("internal", "public")
MAX_CHAIN = 50  # changes followed one by one; further behind, a whole rebuild
# Following a change costs about 50 us of CPU per quad of its delta (on disk), a rebuild 0.4 ms per actor
# row (10,000 people) to 1.2 ms (a national store of 658,000 rows): beyond this many quads per row, rebuild.
REBUILD_QUADS_PER_ACTOR = 10
INLINE_ACTORS = 500  # a page follows a change of up to this many actors itself (at most ~2 s on disk)
MAINTAINER_WAIT = 600.0  # seconds a maintainer waits for another's write lock (a national rebuild: minutes)
INLINE_WAIT = 0.1  # ... and a page, which asks the store instead
READER_WAIT = 5.0  # a reader (WAL) waits only while a maintainer commits
LOCAL_ID, LABEL = 2, 3  # resolve-actor's ranks of a match by local id and by label  # a page brings the index up to date itself for a change up to this many actors (~0.5 s)
_SKOS = "http://www.w3.org/2004/02/skos/core#"
# A change to these re-scores every actor below the changed topics: rebuild.
_HIERARCHY = {ox.NamedNode(_SKOS + p) for p in ("broader", "broaderTransitive", "narrower", "narrowerTransitive")}
_ORG = "http://www.w3.org/ns/org#"
_CKG = "https://w3id.org/connective-kg/ns#"
_MEMBER, _ORGANIZATION = ox.NamedNode(_ORG + "member"), ox.NamedNode(_ORG + "organization")
_THEME = ox.NamedNode(_CKG + "theme")
_DCT = "http://purl.org/dc/terms/"
_JOINT_WORK = ox.NamedNode("https://w3id.org/connective-kg/vocab/depth/joint-work")
# expertise-keys-of's ?actorKind: the first of these classes an actor has
_KINDS = (("person", "Person"), ("artefact", "Artefact"), ("network", "Network"), ("organisation", "Organisation"),
          ("collective", "CollectiveActor"))
_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_ADOPTED_ARTEFACT = ox.NamedNode(_CKG + "adoptedArtefact")
_ADOPTION_FACTS = {ox.NamedNode(p) for p in (_CKG + "adopter", _DCT + "date")}
_ADOPTION, _ARTEFACT = ox.NamedNode(_CKG + "Adoption"), ox.NamedNode(_CKG + "Artefact")
_DESCENDS_FROM = ox.NamedNode(_CKG + "descendsFrom")
_DERIVATION = {_DESCENDS_FROM, ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")}
_TYPE, _ACTOR = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(_CKG + "Actor")
# From a touched node to the actors whose evidence runs through it (see expertise-keys-of).
_TO_ACTOR = [ox.NamedNode(p) for p in (_ORG + "member", "http://purl.org/dc/terms/creator", _CKG + "source",
                                       _CKG + "target", _CKG + "attributedTo")]
# An actor's own evidence (the subject of these; the object of _TO_ACTOR for the rest).
_FROM_ACTOR = [ox.NamedNode(p) for p in ("https://schema.org/knowsAbout", "http://purl.org/dc/terms/subject",
                                         _CKG + "theme")]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS actors(view TEXT, actor TEXT, kind TEXT, label_nl TEXT, label_en TEXT,
                                  key_nl TEXT, key_en TEXT, PRIMARY KEY(view, actor)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scores(view TEXT, topic TEXT, actor TEXT, score REAL,
                                  PRIMARY KEY(view, topic, actor)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scores_by_actor ON scores(view, actor);
CREATE TABLE IF NOT EXISTS names(view TEXT, key TEXT, rank INTEGER, actor TEXT, label TEXT);
CREATE INDEX IF NOT EXISTS names_by_key ON names(view, key);
CREATE INDEX IF NOT EXISTS names_by_actor ON names(view, actor);
CREATE TABLE IF NOT EXISTS counts(view TEXT, what TEXT, key TEXT, n INTEGER,
                                  PRIMARY KEY(view, what, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS labels(id INTEGER PRIMARY KEY, view TEXT, lang TEXT, iri TEXT, kind TEXT,
                                  matched TEXT, label TEXT, folded TEXT);
CREATE INDEX IF NOT EXISTS labels_by_iri ON labels(view, iri);
CREATE VIRTUAL TABLE IF NOT EXISTS label_grams USING fts5(folded, content='labels', content_rowid='id',
                                                          tokenize='trigram case_sensitive 1');
CREATE TABLE IF NOT EXISTS adopted(view TEXT, lang TEXT, artefact TEXT, label TEXT, folded TEXT, adoptions INTEGER,
                                   schools INTEGER, first TEXT, last TEXT, PRIMARY KEY(view, lang, artefact)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS adopted_in_order ON adopted(view, lang, adoptions DESC, folded, artefact);
"""
SCHEMA_VERSION = "4"  # an index of another version is rebuilt (and not read meanwhile)
CLASS, GRAPH = "class", "graph"  # counts: instances per named class, triples per named graph
LANGS = ("nl", "en")
_SEARCHED = {ox.NamedNode(p) for p in ("http://www.w3.org/2000/01/rdf-schema#label", _SKOS + "prefLabel",
                                       _SKOS + "altLabel")}
_KIND_CLASSES = {ox.NamedNode(_CKG + c) for c in ("Actor", "Topic", "Person", "Artefact", "Network", "Organisation")}


@functools.lru_cache(maxsize=32)
def _ranking_sql(topics: int, lang: str) -> str:
    """The ranking of the actors with a score for each of `topics` topics (bound in order after the
    view), labels in `lang`: one join per further topic on the primary key (4x faster than grouping
    all the topics' rows, measured at 10,000 people). Only the shape depends on the arguments."""
    joins = "".join(f" JOIN scores s{i} ON s{i}.view = s0.view AND s{i}.topic = ? AND s{i}.actor = s0.actor"
                    for i in range(1, topics))
    total = " + ".join(f"s{i}.score" for i in range(topics))
    return (f"SELECT s0.actor, a.kind, a.label_{lang}, {total} FROM scores s0{joins} "
            "JOIN actors a ON a.view = s0.view AND a.actor = s0.actor WHERE s0.view = ? AND s0.topic = ? "
            f"ORDER BY {total} DESC, a.key_{lang}, s0.actor")


Ranker = Callable[[list[expertise.AskedTopic], str, str, tuple[str, ...]], list[dict] | None]


class ReadIndex:
    """The SQLite file at `path`; see the module docstring."""

    def __init__(self, path: Path):
        self.path = path
        self._building = threading.Lock()  # one background rebuild per process

    @classmethod
    def of(cls, store: object, state_dir: Path | None = None) -> ReadIndex | None:
        """The index of a store folder (in `state_dir`, default the store's); None for a remote store."""
        if not isinstance(store, GraphStore):
            return None
        return cls(Path(state_dir or store.state_dir()) / FILE_NAME)

    def _connect(self, wait: float = MAINTAINER_WAIT) -> sqlite3.Connection:
        """A connection for maintenance (the file and its tables made if need be), waiting up to `wait`
        seconds for another maintainer's write lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=wait, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(_SCHEMA)
        return con

    def _read(self) -> sqlite3.Connection | None:
        """A connection for reading (WAL: never waits for a maintainer); None when there is no index."""
        if not self.path.exists():
            return None
        return sqlite3.connect(self.path, timeout=READER_WAIT, isolation_level=None)

    def remove(self) -> None:
        """Delete the index (derived data: the next `follow` builds it again)."""
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)

    def generation(self) -> str | None:
        """The generation the index describes (None: none yet)."""
        con = self._read()
        if con is None:
            return None
        with closing(con):
            try:
                return _generation(con)
            except sqlite3.OperationalError:  # made a moment ago, its tables not yet
                return None

    def _rows(self, generation: str, sql: str, params: tuple) -> list[tuple] | None:
        """The rows of `sql`, read in one transaction with the check that the index describes
        `generation`; None when it does not (or is not there, or not made yet)."""
        con = self._read()
        if con is None:
            return None
        with closing(con):
            try:
                con.execute("BEGIN")
                try:
                    return con.execute(sql, params).fetchall() if _generation(con) == generation else None
                finally:
                    con.execute("COMMIT")
            except sqlite3.OperationalError:  # made a moment ago, its tables not yet
                return None

    # --- reading --------------------------------------------------------------------------------

    def ranking(self, generation: str | None, asked: list[expertise.AskedTopic], view: str, lang: str,
                wanted: tuple[str, ...]) -> list[dict] | None:
        """kg.answers.expertise.ranking from the index, or None when the index does not describe
        `generation` (or cannot answer: another view or language)."""
        if view not in VIEWS or lang not in ("nl", "en") or generation is None or not asked:
            return None
        topics = [t["iri"] for t in asked]
        rows = self._rows(generation, _ranking_sql(len(topics), lang), (*topics[1:], view, topics[0]))
        if rows is None:
            return None
        return [{"iri": iri, "label": label, "kind": kind, "score": score}
                for iri, kind, label, score in rows if expertise.kind_wanted(kind, wanted)]

    def names(self, generation: str | None, text: str, view: str) -> list[tuple[str, str]] | None:
        """resolve-actor's best matches for `text` (kg.sparql.queries: (iri, label) pairs, by local id
        before label), or None when the index does not describe `generation` or the text is one the
        index has no key for (empty, or with a / or #: the query decides)."""
        if view not in VIEWS or generation is None or not text or "/" in text or "#" in text:
            return None
        rows = self._rows(generation, "SELECT rank, key, actor, label FROM names WHERE view = ? AND key IN (?, ?)",
                          (view, text, text.lower()))
        if rows is None:
            return None
        # the local id matches as written (STRENDS), a label in any case (LCASE)
        matched = [(rank, actor, label) for rank, key, actor, label in rows
                   if key == (text if rank == LOCAL_ID else text.lower())]
        best = min((rank for rank, _, _ in matched), default=0)
        return sorted({(actor, label) for rank, actor, label in matched if rank == best})

    def counts(self, generation: str | None, view: str) -> dict[str, dict[str, int]] | None:
        """{"class": instances per named class, "graph": triples per named graph} in `view` (what
        `class-sizes` and `graph-sizes` answer), or None when the index does not describe `generation`."""
        if view not in VIEWS or generation is None:
            return None
        rows = self._rows(generation, "SELECT what, key, n FROM counts WHERE view = ?", (view,))
        if rows is None:
            return None
        out: dict[str, dict[str, int]] = {CLASS: {}, GRAPH: {}}
        for what, key, n in rows:
            out[what][key] = n
        return out

    def labels(self, generation: str | None, text: str, view: str, lang: str) -> list[tuple[str, str, str, str]] | None:
        """(iri, kind, label, matched) of the searched labels that may contain `text` (a superset of what
        search-labels matches: kg.answers.search checks each), or None when the index does not describe
        `generation` (or cannot answer: another view or language)."""
        if view not in VIEWS or lang not in LANGS or generation is None:
            return None
        folded = text.lower()
        if len(folded) >= 3:  # the trigram index finds substrings of three characters or more
            return self._rows(generation, "SELECT iri, kind, label, matched FROM labels WHERE id IN "
                              "(SELECT rowid FROM label_grams WHERE label_grams MATCH ?) AND view = ? AND lang = ?",
                              ('"' + folded.replace('"', '""') + '"', view, lang))
        return self._rows(generation, "SELECT iri, kind, label, matched FROM labels "
                          "WHERE view = ? AND lang = ? AND instr(folded, ?) > 0", (view, lang, folded))

    def adopted(self, generation: str | None, view: str, lang: str, offset: int = 0, limit: int | None = None
                ) -> tuple[int, list[dict[str, Any]]] | None:
        """How many artefacts were adopted and `limit` of them from `offset`, as
        kg.answers.trace.adopted_artefacts gives them (most adopted first, then by label and IRI), or
        None when the index does not describe `generation`."""
        if view not in VIEWS or lang not in LANGS or generation is None:
            return None
        total = self._rows(generation, "SELECT COUNT(*) FROM adopted WHERE view = ? AND lang = ?", (view, lang))
        page = self._rows(generation, "SELECT artefact, label, adoptions, schools, first, last FROM adopted "
                          "WHERE view = ? AND lang = ? ORDER BY adoptions DESC, folded, artefact LIMIT ? OFFSET ?",
                          (view, lang, -1 if limit is None else limit, offset))
        if total is None or page is None:
            return None
        return total[0][0], [{"artefact": {"iri": a, "label": label}, "adoptions": n, "schools": schools,
                              "first": first, "last": last} for a, label, n, schools, first, last in page]

    def adopter(self, generation: str | None) -> Callable[[str, str, int, int | None], tuple[int, list[Any]] | None]:
        """`adopted` for one generation, as kg.answers.trace.adopted_artefacts takes it."""
        return lambda view, lang, offset, limit: self.adopted(generation, view, lang, offset, limit)

    def searcher(self, generation: str | None) -> Callable[[str, str, str], list[tuple[str, str, str, str]] | None]:
        """`labels` for one generation, as kg.answers.search.search takes it."""
        return lambda text, view, lang: self.labels(generation, text, view, lang)

    def namer(self, generation: str | None) -> Callable[[str, str], list[tuple[str, str]] | None]:
        """`names` for one generation, as kg.sparql.queries.resolve_actor takes it."""
        return lambda text, view: self.names(generation, text, view)

    def ranker(self, generation: str | None) -> Ranker:
        """`ranking` for one generation, as kg.answers.expertise.who_knows_page takes it."""
        return lambda asked, view, lang, wanted: self.ranking(generation, asked, view, lang, wanted)

    # --- maintenance ----------------------------------------------------------------------------

    def follow(self, store: GraphStore, db: ox.Store, generation: str | None, rebuild: bool = True,
               max_actors: int | None = None, wait: float = MAINTAINER_WAIT) -> bool:
        """Bring the index to `generation` (which `db` holds): from the changes' deltas when it
        knows an earlier generation and they are all kept; else, with `rebuild`, from scratch.
        With `max_actors`, a change that touched more actors is left alone; another maintainer at
        work is waited for up to `wait` seconds. True when the index then describes `generation`."""
        if generation is None:
            return False
        try:
            con = self._connect(wait)
        except sqlite3.OperationalError:  # locked by a maintainer for longer than `wait`
            return False
        with closing(con):
            if _generation(con) == generation:
                return True
            if not rebuild and _chain(store, _generation(con), generation) is None:
                return False
            try:
                con.execute("BEGIN IMMEDIATE")  # one maintainer at a time, over all processes
            except sqlite3.OperationalError:
                return False
            try:
                at = _generation(con)
                if at != generation:
                    chain = _chain(store, at, generation)
                    if chain is not None and sum(len(r) + len(a) for r, a in chain) > REBUILD_QUADS_PER_ACTOR * (
                            con.execute("SELECT COUNT(*) FROM actors").fetchone()[0]):
                        chain = None  # following the change would cost more than starting again
                    touched = _touched(db, chain) if chain is not None else None
                    if (touched is None and not rebuild) or (
                            touched is not None and max_actors is not None and len(touched[0]) > max_actors):
                        con.execute("ROLLBACK")
                        return False
                    if touched is None:
                        _rebuild(con, db)
                    else:
                        _rescore(con, db, touched[0])
                        _rename(con, db, touched[1])
                        _relabel(con, db, touched[2])
                        _recount(con, db, chain or [])
                        _readopt(con, db, _adopting(db, chain or []))
                    con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                    [("generation", generation), ("schema", SCHEMA_VERSION)])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return True

    def follow_in_background(self, store: object, db: object, generation: str | None) -> bool:
        """`follow` for a page: a small change (up to INLINE_ACTORS actors) now, on `db`; a larger one
        or a rebuild in a thread (one per process) on the generation as stored (a reader's copy in
        memory may move on meanwhile), returning False: the caller asks the store meanwhile."""
        if not isinstance(store, GraphStore) or not isinstance(db, ox.Store):
            return False
        if self.generation() == generation:
            return True
        if not self._building.locked() and self.follow(store, db, generation, rebuild=False,
                                                       max_actors=INLINE_ACTORS, wait=INLINE_WAIT):
            return True
        if generation is not None and self._building.acquire(blocking=False):
            def build() -> None:
                pin = None
                try:  # pinned: a writer does not remove the generation while it is read (minutes, nationally)
                    db, pin = store.open_pinned()
                    if pin is not None and pin.generation == generation:
                        self.follow(store, db, generation)
                except (OSError, StoreError):
                    pass  # the store moved on: the next page asks for the newer generation
                finally:
                    if pin is not None:
                        pin.release()
                    self._building.release()
            threading.Thread(target=build, name="kg-read-index", daemon=True).start()
        return False


def _generation(con: sqlite3.Connection) -> str | None:
    """The generation the index describes; None for none, or for an index of another schema version."""
    meta = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('generation', 'schema')").fetchall())
    return meta.get("generation") if meta.get("schema") == SCHEMA_VERSION else None


def _chain(store: GraphStore, at: str | None, generation: str) -> list[tuple[list[ox.Quad], list[ox.Quad]]] | None:
    """The (removed, added) quads of each change from `at` to `generation`; None when not all are kept."""
    if at is None:
        return None
    chain: list[tuple[list[ox.Quad], list[ox.Quad]]] = []
    while generation != at and len(chain) < MAX_CHAIN:
        found = store.delta_to(generation)
        if found is None or found[0] is None:
            return None
        generation, removed, added = found[0], found[1], found[2]
        chain.append((removed, added))
    return chain if generation == at else None


def _touched(db: ox.Store, chain: list[tuple[list[ox.Quad], list[ox.Quad]]]
             ) -> tuple[set[ox.NamedNode], set[ox.NamedNode], set[ox.NamedNode]] | None:
    """The actors whose keys a chain of changes may have changed, the nodes whose names it may have
    changed (a label, being a ckg:Actor) and those whose searched labels it may have changed (a label,
    a SKOS label, a type that decides the kind); None when it changed the topic hierarchy."""
    nodes: set = set()
    themed: set = set()
    named: set[ox.NamedNode] = set()
    labelled: set[ox.NamedNode] = set()
    for removed, added in chain:
        for q in (*removed, *added):
            if q.predicate in _HIERARCHY:
                return None
            if isinstance(q.subject, ox.NamedNode) and (q.predicate == _LABEL or (
                    q.predicate == _TYPE and q.object == _ACTOR)):
                named.add(q.subject)
            if isinstance(q.subject, ox.NamedNode) and (q.predicate in _SEARCHED or (
                    q.predicate == _TYPE and q.object in _KIND_CLASSES)):
                labelled.add(q.subject)
            nodes.add(q.subject)
            if not isinstance(q.object, ox.Literal):
                nodes.add(q.object)
            if q.predicate == _THEME:
                themed.add(q.subject)
    actors = {n for n in nodes if isinstance(n, ox.NamedNode)}
    for n in nodes:
        for p in _TO_ACTOR:
            actors.update(q.object for q in db.quads_for_pattern(n, p, None) if isinstance(q.object, ox.NamedNode))
    for network in themed:  # its members' memberships now (or no longer) count for its themes
        for m in db.quads_for_pattern(None, _ORGANIZATION, network):
            actors.update(q.object for q in db.quads_for_pattern(m.subject, _MEMBER, None)
                          if isinstance(q.object, ox.NamedNode))
    return actors, named, labelled


def _rebuild(con: sqlite3.Connection, db: ox.Store) -> None:
    for table in ("scores", "actors", "names", "counts", "labels", "adopted"):
        con.execute(f"DELETE FROM {table}")
    for view in VIEWS:
        _insert(con, view, _scan_keys(db, view))
        _insert_names(con, view, run_query(db, queries.get("actor-names").text, {}, view))
        classes = cast(ox.QuerySolutions, queries.run(db, "class-sizes", view=view))
        graphs = cast(ox.QuerySolutions, queries.run(db, "graph-sizes", view=view))
        con.executemany("INSERT INTO counts VALUES (?, ?, ?, ?)", [
            *((view, CLASS, r["class"].value, int(r["instances"].value)) for r in classes),
            *((view, GRAPH, r["graph"].value, int(r["triples"].value)) for r in graphs)])
        for lang, rows in _scan_labels(db, view).items():
            _insert_labels(con, view, lang, rows)
        for lang, adopted in trace.adopted_rows(db, view, LANGS).items():
            _insert_adopted(con, view, lang, adopted)
    con.execute("INSERT INTO label_grams(label_grams) VALUES ('rebuild')")


def _relabel(con: sqlite3.Connection, db: ox.Store, nodes: Iterable[ox.NamedNode]) -> None:
    text = queries.get("searchable-labels").text
    for view in VIEWS:
        for node in nodes:
            gone = con.execute("SELECT id, folded FROM labels WHERE view = ? AND iri = ?", (view, node.value)).fetchall()
            con.executemany("INSERT INTO label_grams(label_grams, rowid, folded) VALUES ('delete', ?, ?)", gone)
            con.executemany("DELETE FROM labels WHERE id = ?", [(i,) for i, _ in gone])
            for lang in LANGS:
                found = cast(ox.QuerySolutions, run_query(db, text, {"iri": node, "lang": ox.Literal(lang)}, view))
                # distinct: a hidden person's anonymous label comes in nl and en with the same text,
                # which the query returns twice and the rebuild's scan once
                rows = list(dict.fromkeys((r["iri"].value, r["kind"].value, r["matchedLabel"].value, r["label"].value)
                                          for r in found))
                for row in _insert_labels(con, view, lang, rows):
                    con.execute("INSERT INTO label_grams(rowid, folded) VALUES (?, ?)", row)


def _insert_labels(con: sqlite3.Connection, view: str, lang: str, rows: Iterable[tuple[str, str, str, str]]
                   ) -> list[tuple[int, str]]:
    """Rows (iri, kind, matched, label) of searchable-labels, each with its matched label lower-cased as
    search-labels compares it; returns (id, folded) of each row inserted."""
    out = []
    for iri, kind, matched, label in rows:
        cur = con.execute("INSERT INTO labels(view, lang, iri, kind, matched, label, folded) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          (view, lang, iri, kind, matched, label, matched.lower()))
        out.append((cast(int, cur.lastrowid), matched.lower()))
    return out


def _recount(con: sqlite3.Connection, db: ox.Store, chain: list[tuple[list[ox.Quad], list[ox.Quad]]]) -> None:
    """The counts moved by a chain of changes: each quad it names is looked up once (a delta may name a
    quad that was already there, or one a later change took back), so only real changes count; a node
    counts for a class while any graph of the view types it."""
    after = {q: _exists(db.quads_for_pattern(q.subject, q.predicate, q.object, q.graph_name))
             for removed, added in chain for q in (*removed, *added)}
    before = dict(after)
    for removed, added in chain:  # newest first: undo each change
        before.update(dict.fromkeys(added, False))
        before.update(dict.fromkeys(removed, True))
    changed = {q: after[q] - before[q] for q in after if after[q] != before[q]}
    public = {ox.NamedNode(g) for g in PUBLIC_GRAPHS}
    for view in VIEWS:
        def seen(g: object, view: str = view) -> bool:
            return g in public if view == "public" else isinstance(g, ox.NamedNode) and g.value != PUBLIC_GRAPH

        moved: dict[tuple[str, str], int] = defaultdict(int)
        typed: dict[tuple[Any, ox.NamedNode], dict[Any, int]] = defaultdict(dict)
        for q, d in changed.items():
            if isinstance(q.graph_name, ox.NamedNode) and seen(q.graph_name):
                moved[GRAPH, q.graph_name.value] += d
                if q.predicate == _TYPE and isinstance(q.object, ox.NamedNode):
                    typed[q.subject, q.object][q.graph_name] = d
        for (node, cls), graphs in typed.items():
            now = {q.graph_name for q in db.quads_for_pattern(node, _TYPE, cls) if seen(q.graph_name)}
            then = (now - {g for g, d in graphs.items() if d > 0}) | {g for g, d in graphs.items() if d < 0}
            moved[CLASS, cls.value] += bool(now) - bool(then)
        con.executemany("INSERT INTO counts VALUES (?, ?, ?, ?) ON CONFLICT(view, what, key) DO UPDATE SET n = n + excluded.n",
                        [(view, what, key, n) for (what, key), n in moved.items() if n])
    con.execute("DELETE FROM counts WHERE n = 0")


def _adopting(db: ox.Store, chain: list[tuple[list[ox.Quad], list[ox.Quad]]]) -> set[ox.NamedNode]:
    """The artefacts whose row of `adopted-artefacts` a chain of changes may have changed: those an
    adoption it touched names (before or after), those whose derivation, label or type it touched,
    and every artefact these descend from (`ckg:descendsFrom` is materialised transitive)."""
    adoptions: set = set()
    found: set = set()
    for removed, added in chain:
        for q in (*removed, *added):
            if q.predicate == _ADOPTED_ARTEFACT:
                found.add(q.object)
                adoptions.add(q.subject)
            elif q.predicate in _ADOPTION_FACTS or (q.predicate == _TYPE and q.object == _ADOPTION):
                adoptions.add(q.subject)
            elif q.predicate in _DERIVATION:
                found.update((q.subject, q.object))
            elif q.predicate == _LABEL or (q.predicate == _TYPE and q.object == _ARTEFACT):
                found.add(q.subject)
    for adoption in adoptions:
        found.update(q.object for q in db.quads_for_pattern(adoption, _ADOPTED_ARTEFACT, None))
    artefacts = {a for a in found if isinstance(a, ox.NamedNode)}
    for a in list(artefacts):
        artefacts.update(q.object for q in db.quads_for_pattern(a, _DESCENDS_FROM, None)
                         if isinstance(q.object, ox.NamedNode))
    return artefacts


def _readopt(con: sqlite3.Connection, db: ox.Store, artefacts: Iterable[ox.NamedNode]) -> None:
    for view in VIEWS:
        for a in artefacts:
            con.execute("DELETE FROM adopted WHERE view = ? AND artefact = ?", (view, a.value))
            for lang, rows in trace.adopted_rows(db, view, LANGS, a).items():
                _insert_adopted(con, view, lang, rows)


def _insert_adopted(con: sqlite3.Connection, view: str, lang: str, rows: Iterable[dict[str, Any]]) -> None:
    con.executemany("INSERT INTO adopted VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (view, lang, r["artefact"]["iri"], r["artefact"]["label"], r["artefact"]["label"].casefold(), r["adoptions"],
         r["schools"], r["first"], r["last"]) for r in rows])


def _scan_keys(db: ox.Store, view: str) -> dict[str, dict]:
    """What `expertise-keys-of`, unbound, gives (folded as `_keys` folds it), read by scanning each
    predicate it joins once, in order, and joining in Python. On disk the query seeks for every row
    (a national store: half an hour); a scan reads each block once. The differential tests compare
    the two (tests/test_read_index.py: a rebuilt index against one followed with the query)."""
    graphs = set(view_graphs(db, view))
    pairs, typed = functools.partial(_pairs, db, graphs), functools.partial(_typed, db, graphs)

    broader = pairs(_SKOS + "broaderTransitive")
    rows: list[tuple] = []  # (actor, kind, via, level, matched)
    rows += [(a, "declared", None, None, m) for a, ms in pairs("https://schema.org/knowsAbout").items() for m in ms]
    member, organisation, theme = pairs(_ORG + "member"), pairs(_ORG + "organization"), pairs(_CKG + "theme")
    level = pairs(_CKG + "participationLevel")
    rows += [(a, "membership", via, lv, m) for ms, actors in member.items() for via in organisation.get(ms, ())
             for m in theme.get(via, ()) for a in actors for lv in (level.get(ms) or (None,))]
    artefacts, subject = typed("Artefact"), pairs(_DCT + "subject")
    rows += [(a, "authored", via, None, m) for via, actors in pairs(_DCT + "creator").items() if via in artefacts
             for m in subject.get(via, ()) for a in actors]
    source, target, topic = pairs(_CKG + "source"), pairs(_CKG + "target"), pairs(_CKG + "topic")
    joint = typed("Tie") & {q.subject for q in db.quads_for_pattern(None, ox.NamedNode(_CKG + "depth"), _JOINT_WORK)
                            if q.graph_name in graphs}
    for tie in joint:
        for m in topic.get(tie, ()):
            rows += [(a, "joint-work", b, None, m) for a in source.get(tie, ()) for b in target.get(tie, ())]
            rows += [(b, "joint-work", a, None, m) for a in source.get(tie, ()) for b in target.get(tie, ())]
    by, attributions = pairs(_CKG + "attributedBy"), typed("ExpertiseAttribution")
    rows += [(a, "attribution", via, None, m) for att, actors in pairs(_CKG + "attributedTo").items()
             if att in attributions for a in actors for m in topic.get(att, ()) for via in (by.get(att) or (None,))]
    rows += [(a, "artefact", None, None, m) for a in artefacts - typed("Agreement") for m in subject.get(a, ())]
    rows += [(a, "network", None, None, m) for a in typed("CollectiveActor") for m in theme.get(a, ())]
    labels = pairs(_LABEL.value)
    kinds = [(kind, typed(cls)) for kind, cls in _KINDS]
    actors: dict[str, dict] = {}
    for actor, kind, via, lv, matched in rows:
        a = actors.get(actor.value)
        if a is None:
            a = actors[actor.value] = {
                "labels": set(labels.get(actor, ())), "topics": {},
                "kind": next((k for k, members in kinds if actor in members), "actor")}
        for t in (matched, *broader.get(matched, ())):
            levels = a["topics"].setdefault(t.value, {}).setdefault((kind, via.value if via is not None else None),
                                                                      set())
            if lv is not None:
                levels.add(lv.value)
    return actors


def _pairs(db: ox.Store, graphs: set, predicate: str) -> dict[Any, set]:
    """Subject -> objects of `predicate` in `graphs`, from one scan of the predicate."""
    out: dict[Any, set] = defaultdict(set)
    for q in db.quads_for_pattern(None, ox.NamedNode(predicate), None):
        if q.graph_name in graphs:
            out[q.subject].add(q.object)
    return out


def _typed(db: ox.Store, graphs: set, cls: str) -> set:
    """The instances of ckg:`cls` in `graphs`."""
    return {q.subject for q in db.quads_for_pattern(None, _TYPE, ox.NamedNode(_CKG + cls)) if q.graph_name in graphs}


def _scan_labels(db: ox.Store, view: str) -> dict[str, list[tuple[str, str, str, str]]]:
    """Per language, what `searchable-labels`, unbound, gives as (iri, kind, matched, label), read by scanning each
    label predicate and class once and joining in Python (the query asks every actor's kind and
    labels one by one: a national store, over ten minutes per view and language). The differential
    tests compare the two (an index rebuilt from scratch against one followed with the query)."""
    graphs = set(view_graphs(db, view))
    pairs, typed = functools.partial(_pairs, db, graphs), functools.partial(_typed, db, graphs)
    labels, pref = pairs(_LABEL.value), pairs(_SKOS + "prefLabel")
    kinds = [(kind, typed(cls)) for kind, cls in _KINDS[:4]]  # search-labels' order: person first
    actors, topics = typed("Actor"), typed("Topic")

    def in_lang(values: set, language: str | None) -> set[str]:
        return {v.value for v in values if isinstance(v, ox.Literal) and v.language == language}

    def shown(node: Any, lang: str) -> set[str] | None:  # COALESCE(?pref, ?own, ?plain, ?matchedLabel)
        for found in (in_lang(pref.get(node, set()), lang), in_lang(labels.get(node, set()), lang),
                      in_lang(labels.get(node, set()), None)):
            if found:
                return found
        return None

    rows: dict[str, set[tuple[str, str, str, str]]] = {lang: set() for lang in LANGS}
    alt = pairs(_SKOS + "altLabel")
    for node in actors | topics:
        matched: list[tuple[str, Any]] = []  # (kind, label matched): an actor's rdfs:label, a topic's SKOS labels
        if node in actors:
            kind = next((k for k, members in kinds if node in members), "actor")
            matched += [(kind, m) for m in labels.get(node, ())]
        if node in topics:
            matched += [("topic", m) for m in pref.get(node, set()) | alt.get(node, set())]
        for lang in LANGS:
            show = shown(node, lang)
            rows[lang].update((node.value, kind, m.value, label) for kind, m in matched for label in (show or {m.value}))
    return {lang: sorted(found) for lang, found in rows.items()}


def _rename(con: sqlite3.Connection, db: ox.Store, nodes: Iterable[ox.NamedNode]) -> None:
    text = queries.get("actor-names").text
    for view in VIEWS:
        for node in nodes:
            con.execute("DELETE FROM names WHERE view = ? AND actor = ?", (view, node.value))
            _insert_names(con, view, run_query(db, text, {"actor": node}, view))


def _insert_names(con: sqlite3.Connection, view: str, rows: Any) -> None:
    """Rows of actor-names as resolve-actor matches them: each label (or the IRI) under the actor's
    local id, and each label under itself in lower case."""
    out = []
    for r in rows:
        iri = r["actor"].value
        local = iri[max(iri.rfind("/"), iri.rfind("#")) + 1:]
        label = r["name"].value if r["name"] is not None else iri
        out.append((view, local, LOCAL_ID, iri, label))
        if r["name"] is not None:
            out.append((view, label.lower(), LABEL, iri, label))
    con.executemany("INSERT INTO names VALUES (?, ?, ?, ?, ?)", out)


def _rescore(con: sqlite3.Connection, db: ox.Store, actors: Iterable[ox.NamedNode]) -> None:
    text = queries.get("expertise-keys-of").text
    for actor in actors:
        asked = _may_rank(db, actor)
        for view in VIEWS:
            con.execute("DELETE FROM scores WHERE view = ? AND actor = ?", (view, actor.value))
            con.execute("DELETE FROM actors WHERE view = ? AND actor = ?", (view, actor.value))
            if asked:
                _insert(con, view, _keys(run_query(db, text, {"actor": actor}, view)))


def _may_rank(db: ox.Store, node: ox.NamedNode) -> bool:
    """Whether `node` is where an expertise-keys-of branch starts: most nodes a change touches (its
    memberships, ties, periods) are not, and a few index seeks spare them the query (at 10,000 people
    4 of 5 touched nodes)."""
    return any(_exists(db.quads_for_pattern(node, p, None)) for p in _FROM_ACTOR) or any(
        _exists(db.quads_for_pattern(None, p, node)) for p in _TO_ACTOR)


def _exists(quads: Iterator[ox.Quad]) -> bool:
    return next(quads, None) is not None


def _keys(rows: Any) -> dict[str, dict]:
    """Rows of expertise-keys-of folded per actor: labels, kind and {topic: {(kind, via): levels}}."""
    actors: dict[str, dict] = {}
    for r in rows:
        a = actors.setdefault(r["actor"].value, {"labels": set(), "kind": r["actorKind"].value, "topics": {}})
        if r["actorLabel"] is not None:
            a["labels"].add(r["actorLabel"])
        via = r["via"].value if r["via"] is not None else None
        levels = a["topics"].setdefault(r["topic"].value, {}).setdefault((r["kind"].value, via), set())
        if r["level"] is not None:
            levels.add(r["level"].value)
    return actors


def _insert(con: sqlite3.Connection, view: str, actors: dict[str, dict]) -> None:
    for iri, a in actors.items():
        labels = {lang: expertise.pick(a["labels"], lang) or local_name(iri) for lang in ("nl", "en")}
        con.execute("INSERT INTO actors VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (view, iri, a["kind"], labels["nl"], labels["en"], labels["nl"].casefold(),
                     labels["en"].casefold()))
        con.executemany("INSERT INTO scores VALUES (?, ?, ?, ?)",
                        [(view, topic, iri, expertise.score(keys)) for topic, keys in a["topics"].items()])
