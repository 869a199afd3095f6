"""`python -m web [--host H] [--port P] [--check-port]`: serve the front end with Flask's
development server (`kg serve`, web/serve.py, is the production one).

The port is checked before anything else: a port in use (or a host that cannot be bound) stops
with one line in Dutch and English naming host and port, and exit code 2. `--check-port` only
checks (what `make serve` does before it builds the sample).
"""

from __future__ import annotations

import argparse
import errno
import socket
import sys

from web import create_app


def port_problem(host: str, port: int) -> str | None:
    """Why a server cannot listen on host:port (one line, nl / en), or None when it can."""
    hint = f"make serve PORT={port + 1 if port < 65535 else 5000}"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as e:
        return (f"Host {host!r} is onbekend ({e}); kies een ander met make serve HOST=127.0.0.1 / "
                f"host {host!r} is unknown ({e}); choose another with make serve HOST=127.0.0.1")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            s.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return (f"Poort {port} op {host} is al in gebruik; kies een andere met {hint} / "
                        f"port {port} on {host} is already in use; choose another with {hint}")
            return (f"Kan niet luisteren op {host} poort {port} ({e.strerror}); kies een andere met {hint} / "
                    f"cannot listen on {host} port {port} ({e.strerror}); choose another with {hint}")
    return None


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"poort/port {text!r}: een getal van 1 tot 65535 / a number from 1 to 65535")
    return int(text)


def listen_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """--host, --port and --check-port, as both servers take them."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=_port, default=5000)
    parser.add_argument("--check-port", action="store_true",
                        help="only check that the server can listen on host and port; exit 0 if so, else 2")
    return parser


def may_listen(args: argparse.Namespace) -> bool:
    """Exit 2 with the reason when the server cannot listen on --host/--port; False with
    --check-port (nothing more to do), else True."""
    problem = port_problem(args.host, args.port)
    if problem:
        print(f"{args.prog}: {problem}", file=sys.stderr)
        sys.exit(2)
    return not args.check_port


def main() -> None:
    parser = listen_arguments(argparse.ArgumentParser(prog="python -m web", description="Serve Connective KG on HTTP."))
    args = parser.parse_args(namespace=argparse.Namespace(prog=parser.prog))
    if may_listen(args):
        create_app().run(host=args.host, port=args.port)


if __name__ == "__main__":
    main()
