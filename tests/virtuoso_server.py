"""A real Virtuoso 7 server (Debian's `virtuoso-opensource`) on 127.0.0.1, for tests.

`virtuoso-t +foreground` with a generated virtuoso.ini whose database, log and lock files are
all in `location`, the SQL and HTTP ports free ports on 127.0.0.1, and SPARQL Update granted
to the anonymous /sparql user (`GRANT SPARQL_UPDATE TO "SPARQL"` through isql-vt, as dba).
`make test` installs the package (Makefile target `virtuoso`); without it the tests that need
this server are skipped with the reason.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from oxigraph_server import free_port, wait_until_answers

BINARY = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
SHARE = Path("/usr/share/virtuoso-opensource-7")
PASSWORD = "dba"  # a new database's dba password; the server listens on 127.0.0.1 only

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {share}/vad
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
MaxClientConnections = 10

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}/vsp
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8

[SPARQL]
; The default (10000) silently truncates larger answers, e.g. all quads of the sample.
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


def available() -> bool:
    return Path(BINARY).exists() and Path(ISQL).exists()


class VirtuosoServer:
    """virtuoso-t on free ports, data in `location` (kept across restart())."""

    def __init__(self, location: Path):
        assert available(), f"{BINARY} is missing: `make virtuoso` installs virtuoso-opensource"
        self.location = Path(location)
        self.location.mkdir(parents=True, exist_ok=True)
        (self.location / "vsp").mkdir(exist_ok=True)
        self.sql_port = free_port()
        self.http_port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def spec(self) -> str:
        """The --store / KG_STORE_URL value for this server (updates go to the same URL)."""
        return f"sparql+http://127.0.0.1:{self.http_port}/sparql"

    def start(self) -> None:
        ini = self.location / "virtuoso.ini"
        ini.write_text(INI.format(dir=self.location, sql_port=self.sql_port, http_port=self.http_port,
                                  share=SHARE))
        log = open(self.location / "stdout.log", "ab")
        self.process = subprocess.Popen([BINARY, "+foreground", "+configfile", str(ini)], cwd=self.location,
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until_answers(self.url + "/sparql?query=ASK%7B%7D", self.process, 60, lambda: self.log()[-800:])
        self.isql('GRANT SPARQL_UPDATE TO "SPARQL";')

    def isql(self, sql: str) -> str:
        done = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", "dba", PASSWORD, f"exec={sql}"],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt {sql!r} failed: {(done.stdout + done.stderr)[-800:]}")
        return done.stdout

    def log(self) -> str:
        parts = []
        for name in ("stdout.log", "virtuoso.log"):
            p = self.location / name
            if p.exists():
                parts.append(p.read_text(errors="replace"))
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # virtuoso-t checkpoints and exits on SIGTERM
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self.process = None
