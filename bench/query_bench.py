"""Named-query benchmark: every query of kg/sparql/named/ on generated regions, with its ratio to
a trivial query measured in the same run.

    .venv/bin/python -m bench.query_bench [--people 10000,25000] [--stores var/bench-queries]
                                          [--repeat 3] [--timeout 120] [--queries a,b] [--before]
                                          [--substituted] [--store PATH --base IRI] [--bound-only]

Steps, per size:

1. generate a seeded region of --people people (`synthetic.generate`, seed 1) and build it
   (`kg.pipeline.build`) into `<stores>/people-N/store`, unless that store is already there (a
   build of 25,000 people takes about 7 minutes and 7 GB; not timed here: bench/build_bench.py);
2. pick the busy actors that stand in for the queries' examples (`synthetic.examples`);
3. time the baselines (tests/query_plans/): `trivial.rq` (one actor's facts, best of 20) for the
   queries with an actor, topic or IRI parameter, and `scan.rq` (one COUNT over the whole view,
   best of --repeat) for the queries about the whole region;
4. time every named query with its example parameters, on the on-disk store as `kg query` reads
   it, each in its own child process killed after --timeout seconds (best of --repeat); with
   --before also the query's old text where tests/query_plans/oracles/ keeps one, and with
   --substituted also the query with its values passed as pyoxigraph substitutions only (as
   before `kg.rdf.sparql_text.inline`: Oxigraph then plans them as unbound variables).

With --store an existing store is measured instead (e.g. a national one of many generated
regions), its actors picked in the region whose IRIs start with --base; --bound-only skips the
queries about the whole store.

Prints a Markdown table (ms, rows, ratio to its baseline) and writes it with the JSON to
bench/results/queries-<date>.md/.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PLANS = ROOT / "tests" / "query_plans"
TRIVIAL_REPEAT = 20


def ensure_store(people: int, stores: Path) -> Path:
    """The store of a generated region of `people` people, built when missing."""
    from kg.pipeline.build import build
    from kg.store import GraphStore
    from synthetic.generate import write

    where = stores / f"people-{people}"
    store = GraphStore(where / "store")
    if store.current_generation() is None:
        src = where / "src"
        t0 = time.perf_counter()
        write(src / "region.nt", people, seed=1)
        result = build([src], store)
        if not result.committed:
            raise SystemExit(f"the generated region of {people} people does not build")
        print(f"built {people} people in {time.perf_counter() - t0:.0f} s", flush=True)
    return where / "store"


def _best(fn, repeat: int) -> tuple[float, int]:
    best, rows = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = fn()
        best = min(best, time.perf_counter() - t0)
    return best, rows


def _child(conn, store_path: str, text: str, bindings: dict[str, str], repeat: int, substituted: bool) -> None:
    import pyoxigraph as ox

    from kg.store import GraphStore, view_graphs
    from kg.store.views import run_query

    db = GraphStore(store_path).open()
    terms = {k: ox.NamedNode(v) if kind == "iri" else ox.Literal(v, datatype=ox.NamedNode(dt))
             for k, (kind, v, dt) in bindings.items()}
    graphs = view_graphs(db)
    subs = {ox.Variable(k): v for k, v in terms.items()} or None

    def run() -> int:
        if substituted:
            return sum(1 for _ in db.query(text, default_graph=graphs, named_graphs=graphs, substitutions=subs))
        return sum(1 for _ in run_query(db, text, terms))
    conn.send(_best(run, repeat))


def timed(store_path: Path, text: str, bindings: dict, repeat: int, timeout: float,
          substituted: bool = False) -> tuple[float | None, int]:
    """Best wall time (s) and rows of `text` in a child process; (None, 0) past `timeout`."""
    import pyoxigraph as ox

    parent, child = mp.get_context("fork").Pipe(duplex=False)
    encoded = {k: ("iri", v.value, "") if isinstance(v, ox.NamedNode) else ("literal", v.value, v.datatype.value)
               for k, v in bindings.items()}
    proc = mp.get_context("fork").Process(target=_child,
                                          args=(child, str(store_path), text, encoded, repeat, substituted))
    proc.start()
    ready = parent.poll(timeout)
    result = parent.recv() if ready else (None, 0)
    if proc.is_alive():
        proc.kill()
    proc.join()
    return result


def measure(people: int | None, stores: Path, repeat: int, timeout: float, only: list[str], before: bool,
            substituted: bool = False, store: Path | None = None, base: str | None = None,
            bound_only: bool = False) -> dict:
    """Every named query on the generated region of `people` people, or on `store` (actors
    picked in the region of `base`)."""
    from kg.sparql import queries
    from kg.store import GraphStore
    from kg.store.views import run_query
    from synthetic.examples import baseline_kind, bindings_for, pick, plan_query

    store_path = store if store is not None else ensure_store(people or 0, stores)
    db = GraphStore(store_path).open()
    picks = pick(db, base) if base else pick(db)
    trivial = plan_query(PLANS / "trivial.rq")
    scan = plan_query(PLANS / "scan.rq")
    trivial_bind = {"actor": queries.convert(db, trivial.params[0], picks.person)}
    base = {
        "trivial": _best(lambda: sum(1 for _ in run_query(db, trivial.text, trivial_bind)), TRIVIAL_REPEAT)[0],
        "scan": _best(lambda: sum(1 for _ in run_query(db, scan.text)), repeat)[0],
    }
    size = f"{people} people" if store is None else f"{store_path} ({len(db):,} quads)"
    print(f"{size}: trivial {base['trivial'] * 1000:.2f} ms, scan {base['scan'] * 1000:.0f} ms", flush=True)
    rows = []
    for name in only or sorted(queries.catalogue()):
        q = queries.get(name)
        bindings = bindings_for(db, q, picks, full_iris=store is not None)  # ids repeat across regions
        kind = baseline_kind(q)
        if bound_only and kind != "trivial":
            continue
        entry = {"query": name, "baseline": kind}
        versions = [("after", q.text, False)]
        oracle = PLANS / "oracles" / f"{name}.rq"
        if before and oracle.exists():
            versions.append(("before", oracle.read_text(encoding="utf-8"), False))
        if substituted and bindings:
            versions.append(("substituted", q.text, True))
        for label, text, plain in versions:
            seconds, count = timed(store_path, text, bindings, repeat, timeout, plain)
            entry[label] = {"ms": None if seconds is None else round(seconds * 1000, 1), "rows": count,
                            "ratio": None if seconds is None else round(seconds / base[kind])}
        rows.append(entry)
        a = entry["after"]
        b = entry.get("before")
        s = entry.get("substituted")
        print(f"  {name:28s} {_ms(a['ms']):>10} ({a['rows']} rows, {_ratio(a['ratio'])} x {kind})"
              + (f"   before {_ms(b['ms'])} ({_ratio(b['ratio'])})" if b else "")
              + (f"   substituted {_ms(s['ms'])} ({s['rows']} rows)" if s else ""), flush=True)
    return {"people": people if store is None else size, "quads": len(db),
            "baselines_ms": {k: round(v * 1000, 3) for k, v in base.items()}, "queries": rows}


def _ms(ms: float | None) -> str:
    return "timeout" if ms is None else f"{ms:,.1f} ms"


def _ratio(r: int | None) -> str:
    return "-" if r is None else f"{r:,}"


def table(runs: list[dict], timeout: float) -> str:
    sizes = [f"{r['people']:,} people" if isinstance(r["people"], int) else r["people"] for r in runs]
    head = "| query | baseline | " + " | ".join(f"{n}: ms (ratio) | before | substituted" for n in sizes) + " |"
    lines = [head, "|---|---|" + "---:|---:|---:|" * len(sizes)]
    lines.append("| *trivial* / *scan* | | " + " | ".join(
        f"{r['baselines_ms']['trivial']:.2f} / {r['baselines_ms']['scan']:,.0f} ms | | " for r in runs) + " |")
    for i, entry in enumerate(runs[0]["queries"]):
        cells = []
        for r in runs:
            e = r["queries"][i]
            a, b, s = e["after"], e.get("before"), e.get("substituted")
            cells.append(f"{_cell(a, timeout)} | {_cell(b, timeout) if b else ''} | {_cell(s, timeout) if s else ''}")
        lines.append(f"| `{entry['query']}` | {entry['baseline']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(m: dict, timeout: float) -> str:
    return f"> {timeout:.0f} s" if m["ms"] is None else f"{m['ms']:,.1f} ({m['ratio']:,})"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.query_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--people", default="10000,25000")
    ap.add_argument("--stores", type=Path, default=ROOT / "var" / "bench-queries")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--queries", default="", help="comma-separated names (default: all)")
    ap.add_argument("--before", action="store_true", help="also time the old texts in tests/query_plans/oracles/")
    ap.add_argument("--substituted", action="store_true",
                    help="also time each query with its values as pyoxigraph substitutions only (not inlined)")
    ap.add_argument("--store", type=Path, help="measure this existing store instead of generated regions")
    ap.add_argument("--base", help="with --store: the IRI base of the region whose actors are the examples")
    ap.add_argument("--bound-only", action="store_true", help="only the queries with an actor, topic or IRI")
    args = ap.parse_args(argv)
    only = [n for n in args.queries.split(",") if n]
    if args.store:
        runs = [measure(None, args.stores, args.repeat, args.timeout, only, args.before, args.substituted,
                        args.store, args.base, args.bound_only)]
    else:
        runs = [measure(int(n), args.stores, args.repeat, args.timeout, only, args.before, args.substituted,
                        bound_only=args.bound_only) for n in args.people.split(",")]
    text = table(runs, args.timeout)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    meta = {"date": stamp, "python": platform.python_version(), "machine": platform.machine(),
            "timeout_s": args.timeout, "repeat": args.repeat}
    (RESULTS / f"queries-{stamp}.json").write_text(json.dumps({**meta, "runs": runs}, indent=2))
    (RESULTS / f"queries-{stamp}.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
