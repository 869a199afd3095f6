"""Analytics pages, precomputed against on request: request -> page through HTTP, in one run.

    .venv/bin/python -m bench.analytics_pages_bench [--people 5000] [--stores /tmp/bench-stores]
                                                    [--requests 20] [--state DIR]

Steps:

1. the store of a generated region of --people people (bench.query_bench.ensure_store: built
   when missing, seed 1; not timed);
2. `kg.analytics.precompute.run` for its generation, networks only, public view in Dutch (every
   network with and without artefacts, analysis and pictures; timed; the job computes four times
   this: both views and languages);
3. the app (web.create_app, a real HTTP server on 127.0.0.1, page cache off so every request does
   the work) with KG_ANALYTICS_PRECOMPUTE=1: GET /analytics?actor=<the largest network> --requests
   times (public view), p50 and max;
4. the same app with KG_ANALYTICS_PRECOMPUTE=0 (today's on-request path): the first request (the
   region's extraction and whole-region metrics, then the network) and --requests warm ones (the
   region and the analysis cached in the process, the pictures drawn again: at most 3 of them).

Prints a Markdown table and writes it with the JSON to bench/results/analytics-pages-<date>.md/.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WARM_ON_REQUEST = 3   # warm on-request pages timed (each redraws the sociogram)


def _serve(config: dict):
    from werkzeug.serving import make_server

    from web import create_app

    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, f"http://127.0.0.1:{server.server_port}"


def _get(url: str) -> tuple[float, int, bytes]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=3600) as resp:
        body = resp.read()
        return time.perf_counter() - t0, resp.status, body


def measure(people: int, stores: Path, requests: int, reuse: Path | None = None) -> dict:
    from bench.query_bench import ensure_store
    from kg.analytics import precompute
    from kg.analytics.extract import NETWORK, load_region
    from kg.store import GraphStore

    store_path = ensure_store(people, stores)
    store = GraphStore(store_path)
    out: dict = {"people": people, "generation": store.generation(), "requests": requests}
    region = load_region(store.open(), "public", "nl")
    sizes = {iri: len(region.members_of(iri)) for iri, a in region.actors.items() if a.kind == NETWORK}
    network = max(sizes, key=lambda i: (sizes[i], i))
    out.update(network=network, members=sizes[network], networks=len(sizes),
               nodes=region.graph().number_of_nodes(), edges=region.graph().number_of_edges())
    del region
    with tempfile.TemporaryDirectory(prefix="analytics-pages-") as tmp:
        if reuse is None:
            state = Path(tmp) / "state"
            t0 = time.perf_counter()
            precompute.run(store, precompute.folder_of(store, state), kinds=(NETWORK,), variants=(("public", "nl"),))
            out["precompute_seconds"] = time.perf_counter() - t0
        else:
            state = reuse
            out["precompute_seconds"] = None
        out.update(pages(store_path, state, network, requests))
    return out


def pages(store_path: Path, state: Path, network: str, requests: int) -> dict:
    """request -> page for the network, precomputed (public nl must be stored) and on request."""
    out = {}
    base = {"KG_STORE": str(store_path), "KG_STATE_DIR": str(state), "KG_PAGE_CACHE_MB": "0"}
    path = "/analytics?actor=" + urllib.request.quote(network, safe="")
    for mode, flag in (("precomputed", "1"), ("on request", "0")):
        app, server, url = _serve({**base, "KG_ANALYTICS_PRECOMPUTE": flag})
        try:
            first, status, body = _get(url + path)
            assert status == 200 and b'id="computed"' in body, body[:500]
            state_found = "ready" if b'data-state="ready"' in body else "request"
            assert state_found == ("ready" if flag == "1" else "request"), state_found
            # on request every page draws the pictures again (seconds for a big network): fewer rounds
            times = [_get(url + path)[0] for _ in range(requests if flag == "1" else min(requests, WARM_ON_REQUEST))]
            out[mode] = {"first": first, "p50": statistics.median(times), "max": max(times), "state": state_found}
        finally:
            server.shutdown()
            app.extensions["kg"].close()
    return out


def table(r: dict) -> str:
    p, o = r["precomputed"], r["on request"]
    took = f"{r['precompute_seconds']:.0f} s" if r["precompute_seconds"] is not None else "not measured (--state)"
    return "\n".join([
        f"{r['people']:,} people; analysed graph {r['nodes']:,} nodes, {r['edges']:,} edges; {r['networks']} networks; "
        f"the largest network ({r['members']} members); precomputing every network (public view in Dutch, "
        f"with and without artefacts, analyses and pictures): {took}",
        "",
        "| /analytics?actor=<network> (public, page cache off) | first request s | p50 s | max s |",
        "|---|---:|---:|---:|",
        f"| precomputed (read from disk) | {p['first']:.3f} | {p['p50']:.3f} | {p['max']:.3f} |",
        f"| on request (before; later requests: the analysis cached in the process, {WARM_ON_REQUEST} of them) | "
        f"{o['first']:.2f} | {o['p50']:.3f} | {o['max']:.3f} |",
    ])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.analytics_pages_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, default=5000)
    ap.add_argument("--stores", type=Path, default=Path(tempfile.gettempdir()) / "kg-bench-stores")
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--state", type=Path, help="a KG_STATE_DIR whose analytics/ already holds this store's "
                    "networks (public view, nl): skip step 2")
    args = ap.parse_args(argv)
    result = measure(args.people, args.stores, args.requests, args.state)
    result.update(date=datetime.now().isoformat(timespec="seconds"), python=platform.python_version())
    text = table(result)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"analytics-pages-{datetime.now():%Y-%m-%d}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2))
    stem.with_suffix(".md").write_text(text + "\n")


if __name__ == "__main__":
    main()
