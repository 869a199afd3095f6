"""`python -m web.serve` (what `kg serve` runs): the front end on gunicorn, the production server.

gunicorn was chosen by measurement against waitress and Flask's development server on the same
pages in one run (bench/serve_bench.py; the figures are in the README). It starts `--workers`
processes with `--threads` threads each (gthread workers); each process creates its own app with
`create_app()` (settings from KG_* variables), so each has its own store snapshot and its own
query workers (KG_QUERY_WORKERS per process, each query with its deadline), and a process that
refreshes its snapshot after a write blocks no other. What they share: the store folder, the
sign-in sessions and failure counts (KG_STATE_DIR) and the session secret: without KG_SECRET_KEY
one random key is made here, before the processes start, and given to all of them (sessions still
end on restart).

The port is checked first, as `python -m web` does (one line in Dutch and English, exit 2);
`--check-port` only checks. `python -m web` stays the development server.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from kg import settings
from kg.federation import registry as regions
from web.__main__ import listen_arguments, may_listen

DEFAULT_WORKERS = 2
DEFAULT_THREADS = 8
# A request that waits for a query may take the query deadline and more; gthread workers answer
# the arbiter's heartbeat from their main thread, so this only stops a worker that is truly stuck.
WORKER_TIMEOUT = 120


class Server(BaseApplication):
    """gunicorn with the app made in each worker process (never in the arbiter: no store is opened
    before the fork)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from web import create_app  # in the worker, after the fork: each process opens the store itself

        return create_app()


def options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """gunicorn's settings for `kg serve`."""
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": 30,
        "keepalive": 5,
        "backlog": 2048,
        "accesslog": "-",
        # the path only: query strings (search terms, names, SPARQL) and referrers stay out of logs
        "access_log_format": '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms',
        "errorlog": "-",
        "forwarded_allow_ips": "127.0.0.1,::1",  # only for wsgi.url_scheme; addresses: KG_TRUSTED_PROXIES
        "proc_name": "connective-kg",
    }


def parser() -> argparse.ArgumentParser:
    p = listen_arguments(argparse.ArgumentParser(prog="kg serve",
                                                 description="Serve Connective KG with gunicorn (production)."))
    p.add_argument("--workers", type=_positive, default=DEFAULT_WORKERS, help="server processes")
    p.add_argument("--threads", type=_positive, default=DEFAULT_THREADS, help="threads per process")
    return p


def _positive(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 256:
        raise argparse.ArgumentTypeError(f"{text!r}: een getal van 1 tot 256 / a number from 1 to 256")
    return int(text)


def main(argv: list[str] | None = None) -> None:
    p = parser()
    args = p.parse_args(argv, namespace=argparse.Namespace(prog=p.prog))
    if not may_listen(args):
        return
    # A bad region registry stops the start here, with its message, instead of in every worker.
    registry_file = settings.value("KG_REGIONS")
    if registry_file:
        try:
            regions.load(registry_file)
        except regions.RegistryError as e:
            print(f"kg serve: {e.nl} / {e.en}", file=sys.stderr)
            sys.exit(2)
    # One secret for every process (else a session would work in one process only).
    if not os.environ.get("KG_SECRET_KEY"):
        os.environ["KG_SECRET_KEY"] = secrets.token_hex(32)
    Server(options(args.host, args.port, args.workers, args.threads)).run()


if __name__ == "__main__":
    main()
