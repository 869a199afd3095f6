"""Run untrusted SPARQL with a deadline that really stops it.

Neither rdflib nor pyoxigraph can cancel a running query, and Python threads
cannot be killed (pyoxigraph 0.5, rdflib 7). So untrusted queries run in worker
processes (`python -m kg.sparql.worker`, talking over a socket pair): the
caller waits at most the deadline for an answer (including the wait for a
free worker) and then kills the worker (SIGKILL) and starts a fresh one.
Workers open the store's generation read-only (RocksDB shares pages through
the OS cache, and a replacement worker is ready at once, without copying the
graph); the caller names the generation in every request, so a new build is
picked up by the next query.

Each answer is fully serialised in the worker, after counting rows against
the row cap, so nothing partial is ever sent.

Besides the deadline, a worker is confined so that one query cannot hurt the
machine or reach out of it:

- **no network**: on start a worker moves itself into an empty network
  namespace (Linux `unshare`; as root with CLONE_NEWNET, otherwise with a
  user namespace). Then even a SERVICE that slipped past the guard
  (kg.sparql.guard) cannot connect anywhere. Where the kernel refuses, the
  guard alone protects, and `QueryPool.isolation()` says so.
- **memory**: the address space is limited (RLIMIT_AS, `memory_limit` bytes on
  top of what the worker uses after start), so a huge ORDER BY or a string
  doubled thirty times ends the worker instead of swapping the server.
- **CPU**: before each query the CPU-time limit is set to the deadline plus a
  margin, so a worker whose parent died cannot run on forever.
"""

from __future__ import annotations

import ctypes
import errno
import os
import queue
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from kg.model.namespaces import PREFIXES
from kg.rdf import results as sr
from kg.store import open_store
from kg.text import BilingualError, Text

SELECT_FORMATS = {
    "application/sparql-results+json": (sr.to_json, sr.boolean_json),
    "application/sparql-results+xml": (sr.to_xml, sr.boolean_xml),
    "text/csv": (sr.to_csv, sr.boolean_csv),
    "text/tab-separated-values": (sr.to_tsv, sr.boolean_tsv),
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
DEFAULT_MEMORY_LIMIT = 2 * 1024**3
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


class QueryFailed(BilingualError):
    """The query could not be answered; `kind` says why (syntax, unsupported, format, rows, deadline,
    memory, busy or error), `text` says it to people."""

    def __init__(self, kind: str, text: Text):
        super().__init__(text)
        self.kind = kind


@dataclass(frozen=True)
class Request:
    generation: str  # path of the store generation to read ("" = no data yet), or a remote store's spec
    query: str
    select_format: str | None  # media type for SELECT/ASK results; None = not acceptable
    graph_format: str | None  # media type for CONSTRUCT/DESCRIBE results; None = not acceptable
    default_graphs: Sequence[str] | None  # None: the union of all graphs
    named_graphs: Sequence[str] | None  # None: all named graphs
    row_cap: int
    cut: bool = False  # past row_cap: keep the first row_cap rows (else refuse the answer)


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    form: str  # select | ask | graph
    rows: int
    cut: bool = False  # rows were left out past the row cap (Request.cut)


def answer(db: ox.Store, req: Request) -> Answer:
    """Run one query on an open store (this is what a worker does)."""
    kwargs: dict = {}
    if req.default_graphs is None:
        kwargs["use_default_graph_as_union"] = True
    else:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in req.default_graphs]
    if req.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in req.named_graphs]
    try:
        results = db.query(req.query, **kwargs)
    except SyntaxError as e:
        where, detail = syntax_details(str(e), req.query)
        detail_nl = detail.replace("expected one of", "verwacht een van").replace("expected", "verwacht")
        raise QueryFailed("syntax", Text(nl=f"SPARQL-syntaxfout{where.nl}{detail_nl}",
                                         en=f"SPARQL syntax error{where.en}{detail}")) from None
    if isinstance(results, ox.QueryBoolean):
        writer = SELECT_FORMATS[_needed(req.select_format, "ASK")][1]
        return Answer(writer(bool(results)), req.select_format, "ask", 1)
    if isinstance(results, ox.QueryTriples):
        fmt = _needed(req.graph_format, "CONSTRUCT/DESCRIBE")
        triples = []
        for t in results:
            triples.append(t)
            if len(triples) > req.row_cap:
                raise _too_many(req.row_cap, Text(nl="triples", en="triples"))
        prefixes = PREFIXES if fmt == "text/turtle" else None
        body = ox.serialize(triples, format=GRAPH_FORMATS[fmt], prefixes=prefixes)
        return Answer(body, fmt, "graph", len(triples))
    fmt = _needed(req.select_format, "SELECT")
    variables = [v.value for v in results.variables]
    rows = []
    cut = False
    for solution in results:
        if len(rows) == req.row_cap:
            if not req.cut:
                raise _too_many(req.row_cap, Text(nl="rijen", en="rows"))
            cut = True
            break
        rows.append([solution[v] for v in variables])
    return Answer(SELECT_FORMATS[fmt][0](variables, rows), fmt, "select", len(rows), cut)


_UNSUPPORTED = re.compile(r"custom function <([^>\s]{1,500})> is not supported")


def engine_failure(e: Exception) -> QueryFailed:
    """What to tell the client about an error the engine raised while running a query: a function
    it does not have is the query's fault ("unsupported", with the function's IRI from the query);
    anything else is reported without the engine's own text, which goes to the server log
    (stderr) instead (issue 14)."""
    m = _UNSUPPORTED.search(str(e))
    if m:
        return QueryFailed("unsupported", Text(
            nl=f"de functie <{m.group(1)}> wordt hier niet ondersteund; gebruik de functies van SPARQL 1.1 "
               "en XSD-conversies (zoals xsd:integer(?x))",
            en=f"the function <{m.group(1)}> is not supported here; use the functions of SPARQL 1.1 and XSD "
               "casts (such as xsd:integer(?x))"))
    print(f"kg query worker: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
    return QueryFailed("error", Text(nl="De query-engine kon deze query niet uitvoeren; de details staan in het "
                                        "serverlogboek.",
                                     en="The query engine could not run this query; the details are in the "
                                        "server log."))


_SYNTAX_AT = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)


def syntax_details(message: str, query: str) -> tuple[Text, str]:
    """Oxigraph's "error at L:C: expected one of ..." as readable parts: where and what, with the
    text around the position and the expected tokens shortened to one line."""
    m = _SYNTAX_AT.match(message)
    if not m:
        return Text(nl="", en=""), ": " + " ".join(message.split())[:300]
    line, column, expected = int(m.group(1)), int(m.group(2)), " ".join(m.group(3).split())
    if len(expected) > 160:
        expected = expected[:160].rsplit(",", 1)[0] + ", ..."
    lines = query.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    near = text[max(0, column - 31):column - 1].lstrip()
    shown = f" {near!r}" if near else ""
    return (Text(nl=f" op regel {line}, kolom {column}, na{shown}",
                 en=f" at line {line}, column {column}, after{shown}"),
            f": {expected}")


def _needed(fmt: str | None, form: str) -> str:
    if fmt is None:
        raise QueryFailed("format", Text(nl=f"geen van de geaccepteerde mediatypes kan {form}-resultaten bevatten",
                                         en=f"none of the accepted media types can hold {form} results"))
    return fmt


def _too_many(cap: int, what: Text) -> QueryFailed:
    text = Text(nl="Het resultaat heeft meer dan {cap} {what}; voeg een LIMIT toe of maak de query specifieker.",
                en="The result has more than {cap} {what}; add a LIMIT or narrow the query.")
    return QueryFailed("rows", text.format(cap=cap, what=what))


# --- inside a worker process ------------------------------------------------------------


def _isolate_network() -> str:
    """Move this process into an empty network namespace; returns how ("" if not possible)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return ""
    for flags, how in ((_CLONE_NEWNET, "netns"), (_CLONE_NEWUSER | _CLONE_NEWNET, "userns+netns")):
        if libc.unshare(flags) == 0:
            return how
        if ctypes.get_errno() not in (errno.EPERM, errno.EINVAL, errno.ENOSPC, errno.EUSERS):
            break
    return ""


def _vm_size() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _limit_cpu(seconds: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _open(store: str):
    """A generation folder read-only, an empty store for "", or a remote store's spec."""
    if store.startswith(("sparql+http://", "sparql+https://")):

        return open_store(store).open()
    return ox.Store.read_only(store) if store else ox.Store()


def _worker_main(conn: Connection, memory_limit: int, cpu_seconds: float, isolate: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    isolation = _isolate_network() if isolate else ""
    if memory_limit > 0:
        limit = _vm_size() + memory_limit
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    conn.send(("ready", isolation))
    stores: dict[str, ox.Store] = {}
    while True:
        try:
            req = conn.recv()
        except EOFError:
            return
        try:
            _limit_cpu(cpu_seconds)
            db = stores.get(req.generation)
            if db is None:
                stores.clear()
                db = stores[req.generation] = _open(req.generation)
            conn.send(("ok", answer(db, req)))
        except QueryFailed as e:
            conn.send(("failed", (e.kind, e.text)))
        except MemoryError:
            conn.send(("failed", ("memory", Text(nl="De query had meer geheugen nodig dan toegestaan.",
                                                 en="The query needed more memory than allowed."))))
        except Exception as e:  # noqa: BLE001 - report, never die silently
            failed = engine_failure(e)
            conn.send(("failed", (failed.kind, failed.text)))


# --- in the server ------------------------------------------------------------------------


class _WorkerDied(Exception):
    """A worker ended before it was ready (it could not start)."""


class _Worker:
    """One worker: `python -m kg.sparql.worker FD ...`, talking over a socket pair.

    A plain subprocess rather than multiprocessing's spawn: spawn re-imports the
    parent's __main__ (the whole web app) in every worker; this imports only
    this module and pyoxigraph."""

    def __init__(self, memory_limit: int, cpu_seconds: float, isolate: bool):
        parent, child = socket.socketpair()
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg.sparql.worker", str(child.fileno()), str(memory_limit), f"{cpu_seconds:g}",
             "1" if isolate else "0"],
            pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, env=env,
        )
        child.close()
        self.conn = Connection(parent.detach())
        self.isolation: str | None = None  # known after the worker said it is ready

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float) -> bool:
        """True once the worker said it is ready; False if it did not within `timeout`;
        _WorkerDied if it ended before that."""
        if self.isolation is not None:
            return True
        if not self.conn.poll(timeout):
            return False
        try:
            status, isolation = self.conn.recv()
        except (EOFError, OSError):
            raise _WorkerDied from None
        self.isolation = isolation if status == "ready" else ""
        return True

    def kill(self) -> None:
        if self.alive():
            try:
                self.process.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.conn.close()


class QueryPool:
    """A few worker processes; each query gets one worker for at most `deadline` seconds.

    `memory_limit`: bytes of address space a worker may add after start (0 = no limit);
    `isolate_network`: move workers into an empty network namespace where possible."""

    def __init__(self, workers: int = 2, deadline: float = 10.0, memory_limit: int = DEFAULT_MEMORY_LIMIT,
                 isolate_network: bool = True):
        self.deadline = deadline
        self.memory_limit = memory_limit
        self.isolate_network = isolate_network
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all: list[_Worker] = []
        self._isolation: str | None = None
        self._closed = False
        for _ in range(max(1, workers)):
            self._add()

    def _add(self) -> None:
        w = _Worker(self.memory_limit, self.deadline + 5, self.isolate_network)
        with self._lock:
            self._all.append(w)
        self._idle.put(w)

    def isolation(self) -> str:
        """How workers are cut off from the network: "netns", "userns+netns" or "" (not at all)."""
        if self._isolation is None:
            worker = self._take(time.monotonic())
            try:
                if worker.wait_ready(self.deadline):
                    self._isolation = worker.isolation
            except _WorkerDied:
                self._replace(worker)
                return ""
            self._idle.put(worker)
        return self._isolation or ""

    def run(self, req: Request) -> Answer:
        start = time.monotonic()
        worker = self._take(start)
        remaining = self.deadline - (time.monotonic() - start)
        try:
            if not worker.wait_ready(max(0.1, remaining)):
                raise TimeoutError
            self._isolation = worker.isolation
            worker.conn.send(req)
            remaining = self.deadline - (time.monotonic() - start)
            if not worker.conn.poll(max(0.05, remaining)):
                raise TimeoutError
            status, payload = worker.conn.recv()
        except _WorkerDied:
            self._replace(worker)
            raise QueryFailed("error", Text(nl="Een query-proces kon niet starten; zie het serverlog.",
                                            en="A query worker could not start; see the server log.")) from None
        except TimeoutError:
            self._replace(worker)
            raise QueryFailed(
                "deadline",
                Text(nl=f"De query is na de limiet van {self.deadline:g} s gestopt. Maak hem specifieker of voeg een "
                        "LIMIT toe.",
                     en=f"The query was stopped after the {self.deadline:g} s deadline. Narrow it down or add a LIMIT."),
            ) from None
        except (EOFError, OSError):
            self._replace(worker)
            mb = self.memory_limit // 2**20
            raise QueryFailed(
                "memory",
                Text(nl=f"De query liet het proces dat hem uitvoerde stoppen, waarschijnlijk door meer dan {mb} MB "
                        "geheugen te vragen. Maak hem specifieker of voeg een LIMIT toe.",
                     en=f"The query stopped the worker that ran it, most likely by needing more than {mb} MB of memory. "
                        "Narrow it down or add a LIMIT."),
            ) from None
        self._idle.put(worker)
        if status == "ok":
            return payload
        kind, text = payload
        raise QueryFailed(kind, text)

    def _take(self, start: float) -> _Worker:
        while True:
            remaining = self.deadline - (time.monotonic() - start)
            try:
                worker = self._idle.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise QueryFailed("busy", Text(
                    nl="Alle query-processen zijn bezig; probeer het over een paar seconden opnieuw.",
                    en="All query workers are busy; try again in a few seconds.")) from None
            if worker.alive():
                return worker
            self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
            closed = self._closed
        if not closed:
            self._add()

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
            self._closed = True
        for w in workers:
            w.kill()


if __name__ == "__main__":
    # A worker started by _Worker: run the loop of the real module (not __main__), so the
    # objects it sends unpickle as kg.sparql.worker classes in the server.
    from kg.sparql import worker as query_worker  # the real module, not __main__ (see above)

    query_worker._worker_main(Connection(int(sys.argv[1])), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1")
