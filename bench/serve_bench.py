"""Serving under load, loopback only: which WSGI server, and what the chosen one holds (issue 14).

    python -m bench.serve_bench --compare            # gunicorn vs waitress vs Flask's dev server
    python -m bench.serve_bench --connections 200 --seconds 30 --servers gunicorn
    python -m bench.serve_bench --servers gunicorn-uncached,gunicorn --no-heavy   # the page cache's worth

Each server runs in its own process over the same store (the Twente sample, ingested from its
templates into a temporary folder unless --store is given), is warmed up, and then gets the same
mix of pages and APIs from bench/load.py: `--connections` keep-alive connections for `--seconds`.
Reported per server: requests per second, p50 and p99 latency, statuses, refused connections and
other connection errors. A server named `NAME-uncached` is NAME with `KG_PAGE_CACHE_MB=0`
(no answers kept by generation, web/cache.py). Then, unless --no-heavy, the chosen server (gunicorn) runs two SPARQL
queries that use up the whole deadline while the home page and /health are timed.

waitress is measured only here (`pip install waitress` to repeat); it is not a dependency.
The load generator runs on the same machine and takes CPU from the server: figures are for
comparing servers in one run, not absolute capacities.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.load import run

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "/", "/doc/p001", "/who-knows?topic=W%26T&topic=digitale+geletterdheid", "/api/search?q=esch",
    "/trace?artefact=a-kijkwijzer-ol", "/api/who-knows?topic=W%26T", "/health", "/search?q=leraar",
    "/doc/n-plg-wt", "/api/trace?artefact=a-kijkwijzer-ol",
]
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(server: str, port: int, workers: int, threads: int) -> list[str]:
    py = sys.executable
    server = server.removesuffix("-uncached")
    if server == "gunicorn":
        return [py, "-m", "web.serve", "--port", str(port), "--workers", str(workers), "--threads", str(threads)]
    if server == "waitress":  # one process: all threads of the gunicorn setup, in it
        return [py, "-m", "waitress", "--host=127.0.0.1", f"--port={port}", f"--threads={workers * threads}",
                "--connection-limit=1000", "--backlog=2048", "--call", "web:create_app"]
    if server == "flask-dev":
        return [py, "-m", "web", "--port", str(port)]
    raise ValueError(server)


class Running:
    """A server process on 127.0.0.1:port, stopped (with its children) on exit."""

    def __init__(self, server: str, store: Path, workers: int, threads: int, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(command(server, self.port, workers, threads), cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{server} did not start on {self.url}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def sample_store(folder: Path) -> Path:
    store = folder / "store"
    subprocess.run([sys.executable, "-m", "kg", "ingest", str(ROOT / "data" / "twente-templates"), "--region",
                    "twente", "--base", "https://knll-twente.example/id/", "--if-missing", "--quiet",
                    "--store", str(store)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return store


def environment(store: Path, deadline: float) -> dict[str, str]:
    env = dict(os.environ)
    env.update(KG_STORE=str(store), KG_SECRET_KEY="bench", KG_QUERY_DEADLINE=str(deadline), KG_TOKEN="")
    env.pop("KG_STORE_URL", None)
    return env


def warm_up(url: str) -> None:
    for path in PAGES * 3:
        with urllib.request.urlopen(url + path, timeout=120) as r:
            r.read()


def heavy_queries(url: str, during: float) -> dict:
    """Two deadline-exhausting SPARQL queries; meanwhile the home page and /health are timed."""
    statuses: list[int] = []

    def heavy() -> None:
        q = urllib.parse.urlencode({"query": HEAVY})
        try:
            with urllib.request.urlopen(f"{url}/sparql?{q}", timeout=120) as r:
                statuses.append(r.status)
        except urllib.error.HTTPError as e:
            statuses.append(e.code)

    threads = [threading.Thread(target=heavy) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    timings: dict[str, list[float]] = {"/": [], "/health": []}
    stop = time.monotonic() + during
    while time.monotonic() < stop:
        for path in timings:
            t0 = time.monotonic()
            with urllib.request.urlopen(url + path, timeout=60) as r:
                r.read()
            timings[path].append(time.monotonic() - t0)
        time.sleep(0.1)
    for t in threads:
        t.join()
    return {"heavy_statuses": statuses,
            **{f"max_ms {p}": round(max(v) * 1000, 1) for p, v in timings.items()},
            **{f"requests {p}": len(v) for p, v in timings.items()}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--servers", default="gunicorn", help="comma-separated: gunicorn, waitress, flask-dev; "
                   "NAME-uncached: the same without the page cache")
    p.add_argument("--compare", action="store_true", help="the same as --servers gunicorn,waitress,flask-dev")
    p.add_argument("--connections", type=int, default=200)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--deadline", type=float, default=10.0, help="KG_QUERY_DEADLINE for the servers")
    p.add_argument("--store", type=Path, help="an existing store folder (default: the sample, ingested anew)")
    p.add_argument("--no-heavy", action="store_true", help="skip the two deadline-exhausting queries")
    args = p.parse_args()
    servers = ["gunicorn", "waitress", "flask-dev"] if args.compare else args.servers.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or sample_store(Path(tmp))
        env = environment(store, args.deadline)
        out: dict[str, dict] = {}
        for server in servers:
            own = {**env, "KG_PAGE_CACHE_MB": "0"} if server.endswith("-uncached") else env
            with Running(server, store, args.workers, args.threads, own) as srv:
                warm_up(srv.url)
                result = run(srv.url, PAGES, args.connections, args.seconds).summary()
                out[server] = result
                print(server, json.dumps(result), flush=True)
                if server == "gunicorn" and not args.no_heavy:
                    heavy = heavy_queries(srv.url, min(args.deadline, 8.0))
                    out["gunicorn during two heavy queries"] = heavy
                    print("gunicorn during two heavy queries", json.dumps(heavy), flush=True)
        print(json.dumps({"connections": args.connections, "seconds": args.seconds, "workers": args.workers,
                          "threads": args.threads, "results": out}, indent=2))


if __name__ == "__main__":
    main()
