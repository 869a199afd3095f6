"""A real Oxigraph SPARQL server (the `oxigraph` PyPI package) on 127.0.0.1, for tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BINARY = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answers(url: str, process: subprocess.Popen, seconds: float, log) -> None:
    """Poll `url` until it answers; RuntimeError with `log()` if `process` exits or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                r.read()
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{url}: the server did not start: {log()}") from None
            if time.monotonic() > deadline:
                process.kill()
                process.wait(5)
                raise RuntimeError(f"{url}: no answer within {seconds} s: {log()}") from None
            time.sleep(0.1)


class OxigraphServer:
    """`oxigraph serve` on a free port, data in `location` (kept across restart())."""

    def __init__(self, location: Path, timeout_s: int | None = None):
        assert BINARY.exists(), f"{BINARY} is missing: the test extra installs the oxigraph package"
        self.location = Path(location)
        self.timeout_s = timeout_s
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def spec(self) -> str:
        """The --store / KG_STORE_URL value for this server."""
        return f"sparql+http://127.0.0.1:{self.port}/query"

    def start(self) -> None:
        cmd = [str(BINARY), "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"]
        if self.timeout_s:
            cmd += ["--timeout-s", str(self.timeout_s)]
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_until_answers(self.url + "/query?query=ASK%7B%7D", self.process, 20,
                           lambda: self.process.stderr.read().decode()[:500])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self.process = None
