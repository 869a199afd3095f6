"""`python -m web [--host H] [--port P]`: serve the front end with Flask's server."""

from __future__ import annotations

import argparse

from web import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m web", description="Serve Connective KG on HTTP.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    create_app().run(host=args.host, port=args.port)


if __name__ == "__main__":
    main()
