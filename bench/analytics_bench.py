"""Analytics benchmark: networkx against igraph on the same generated graph, and the time of a
whole analysis on the ~100k-triple benchmark region.

    .venv/bin/python -m bench.analytics_bench [--triples 100000] [--repeat 3]

Steps (all in one run, so the ratios compare like with like on a machine shared with other work):

1. generate a seeded region of about --triples triples (`synthetic.generate`) and build it
   (`kg.pipeline.build`, reasoner `reasonable`) into a temporary store (not timed here: bench/build_bench.py);
2. extract: `kg.analytics.extract.load_region` (the named queries) and the analysed graph;
3. for each library, in its own child process (so peak memory is its own): build the graph from
   the same edge list and compute the same metrics: betweenness (exact, normalised), Burt's
   constraint, effective size (networkx: kg.analytics.brokers.effective_size, the same numbers as
   nx.effective_size without its copy of the whole graph per node), core numbers, average clustering, connected components, and
   single-source shortest path lengths from 20 actors. Time per metric (best of --repeat) and
   the child's largest resident set (VmRSS after each metric, the graph and all results still
   held) above its baseline after the imports (so the edge list read from the file counts, the
   same for both);
4. the whole-region metrics as kg.analytics computes them (networkx, with betweenness and
   constraint by igraph: kg.analytics.brokers.structural_metrics), then one analysis of the
   largest network, a school, a person and an artefact, cold (first) and warm (cached).

Ratios are against networkx in the same run (lower is faster). igraph is a dependency of kg
(pyproject.toml); without it only networkx is measured. Results go to
bench/results/analytics-<date>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
METRICS = ("build", "betweenness", "constraint", "effective_size", "core_number", "clustering", "components",
           "shortest_paths")
SOURCES = 20   # single-source shortest paths from this many actors (an expertise search does one per person)


def _best(fn, repeat: int) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def rss_kb() -> int:
    """The process's resident set now (VmRSS, kB); ru_maxrss where /proc is missing. The high-water
    mark alone says nothing here: the imports peak higher than these small graphs need."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(library: str, edges_path: Path, repeat: int) -> dict:
    """Measure one library on the edge list; print the result as JSON."""
    # imports first: the baseline is taken after them, before the edge list is read
    if library == "networkx":
        from kg.analytics.brokers import effective_size  # kg.analytics' own (imports networkx)
    else:
        import igraph  # noqa: F401
    base = rss_kb()
    data = json.loads(edges_path.read_text())
    nodes, edges = data["nodes"], [tuple(e) for e in data["edges"]]
    if library == "networkx":
        import networkx as nx

        g = None

        def build():
            nonlocal g
            g = nx.Graph()
            g.add_nodes_from(nodes)
            g.add_edges_from(edges)
            return g

        steps = {"build": build,
                 "betweenness": lambda: nx.betweenness_centrality(g, normalized=True),
                 "constraint": lambda: nx.constraint(g),
                 # kg.analytics' own Borgatti form (nx.effective_size copies the whole graph per node)
                 "effective_size": lambda: effective_size(g),
                 "core_number": lambda: nx.core_number(g),
                 "clustering": lambda: nx.average_clustering(g),
                 "components": lambda: sorted(len(c) for c in nx.connected_components(g)),
                 "shortest_paths": lambda: [nx.single_source_shortest_path_length(g, s) for s in nodes[:SOURCES]]}
    else:
        import igraph as ig
        index = {v: i for i, v in enumerate(nodes)}
        g = None

        def build():
            nonlocal g
            g = ig.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in edges])
            return g

        def effective_size():
            # igraph has no effective size: Borgatti's binary form n - 2t/n from the neighbourhoods
            out = []
            for v in range(g.vcount()):
                nb = g.neighbors(v)
                if nb:
                    t = g.induced_subgraph(nb).ecount()
                    out.append(len(nb) - 2 * t / len(nb))
            return out

        n = len(nodes)
        steps = {"build": build,
                 "betweenness": lambda: [b / ((n - 1) * (n - 2) / 2) for b in g.betweenness(directed=False)],
                 "constraint": lambda: g.constraint(),
                 "effective_size": effective_size,
                 "core_number": lambda: g.coreness(),
                 "clustering": lambda: g.transitivity_avglocal_undirected(mode="zero"),
                 "components": lambda: sorted(len(c) for c in g.connected_components()),
                 "shortest_paths": lambda: g.distances(source=list(range(min(SOURCES, n))))}
    times, values = {}, {}
    peak = base
    for name in METRICS:
        times[name], values[name] = _best(steps[name], repeat if name != "build" else 1)
        peak = max(peak, rss_kb())   # the graph and every result so far are still held
    summary = {"betweenness_max": max(values["betweenness"].values() if isinstance(values["betweenness"], dict)
                                      else values["betweenness"]),
               "k_max": max(values["core_number"].values() if isinstance(values["core_number"], dict)
                            else values["core_number"]),
               "clustering": values["clustering"], "largest_component": values["components"][-1]}
    return {"library": library, "version": metadata.version(library), "seconds": times,
            "total": sum(times.values()), "peak_mb_above_imports": (peak - base) / 1024, "check": summary}


def installed(library: str) -> bool:
    try:
        metadata.version(library)
        return True
    except metadata.PackageNotFoundError:
        return False


def wheel_size_mb(library: str) -> float:
    """Installed size of a distribution (its RECORD), as a stand-in for the install footprint."""
    total = 0
    for f in metadata.files(library) or []:
        try:
            total += f.locate().stat().st_size
        except OSError:
            pass
    return total / 1e6


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--edges", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.edges, args.repeat)))
        return

    from kg import analytics
    from kg.analytics.cache import AnalyticsCache
    from kg.analytics.extract import load_region
    from kg.pipeline.build import build
    from kg.store import GraphStore
    from synthetic.generate import people_for_triples, write

    out: dict = {"date": datetime.now().isoformat(timespec="seconds"), "machine": {
        "python": platform.python_version(), "cores": os.cpu_count(), "platform": platform.platform()}}
    with tempfile.TemporaryDirectory(prefix="analytics-bench-") as tmp:
        data = Path(tmp) / "region.nt"
        people = people_for_triples(args.triples)
        triples = write(data, people)
        store = GraphStore(Path(tmp) / "store")
        t0 = time.perf_counter()
        result = build([data], store)
        out["region"] = {"people": people, "triples": triples, "build_seconds": time.perf_counter() - t0,
                         "committed": result.committed}
        db = store.snapshot()
        t0 = time.perf_counter()
        region = load_region(db, "internal", "nl")
        extract = time.perf_counter() - t0
        t0 = time.perf_counter()
        g = region.graph(False)
        graph_time = time.perf_counter() - t0
        out["extract"] = {"load_region_seconds": extract, "graph_seconds": graph_time,
                          "nodes": g.number_of_nodes(), "edges": g.number_of_edges()}
        edges = Path(tmp) / "edges.json"
        edges.write_text(json.dumps({"nodes": sorted(g.nodes), "edges": [sorted(e) for e in g.edges]}))
        out["libraries"] = []
        for lib in ("networkx", "igraph"):
            if not installed(lib):
                continue
            r = subprocess.run([sys.executable, "-m", "bench.analytics_bench", "--child", lib, "--edges", str(edges),
                                "--repeat", str(args.repeat)], capture_output=True, text=True, cwd=ROOT, check=True)
            entry = json.loads(r.stdout)
            entry["installed_mb"] = wheel_size_mb(lib)
            out["libraries"].append(entry)
        base = out["libraries"][0]["total"]
        for entry in out["libraries"]:
            entry["ratio"] = entry["total"] / base

        # the analysis as the web app and the CLI run it
        cache = AnalyticsCache()
        biggest = max((n for n in region.actors if region.kind(n) == "network"), key=lambda n: len(region.members_of(n)))
        school = next(i for i, a in sorted(region.actors.items()) if a.is_school)
        person = max(region.people(), key=lambda p: g.degree(p) if p in g else 0)
        artefact = next(i for i, a in sorted(region.actors.items()) if a.kind == "artefact")
        timings = {}
        t0 = time.perf_counter()
        fresh = cache.region(db, "bench", "internal", "nl")
        from kg.analytics import brokers, capital
        brokers.global_metrics(fresh, False)
        capital.all_indicators(fresh)
        timings["region_and_global_metrics"] = time.perf_counter() - t0
        for name, iri in (("network", biggest), ("school", school), ("person", person), ("artefact", artefact)):
            t0 = time.perf_counter()
            analytics.analyse(db, iri, view="internal", lang="nl", generation="bench", cache=cache)
            cold = time.perf_counter() - t0
            t0 = time.perf_counter()
            analytics.analyse(db, iri, view="internal", lang="nl", generation="bench", cache=cache)
            timings[name] = {"iri": iri, "cold_seconds": cold, "warm_seconds": time.perf_counter() - t0}
        out["analysis"] = timings
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"analytics-{datetime.now():%Y-%m-%d}"
    stem.with_suffix(".json").write_text(json.dumps(out, indent=2))
    stem.with_suffix(".md").write_text(markdown(out))
    print(markdown(out))


def markdown(out: dict) -> str:
    r, x = out["region"], out["extract"]
    lines = [f"# Analytics benchmark {out['date']}", "",
             f"Region: {r['triples']:,} triples, {r['people']:,} people (build {r['build_seconds']:.1f} s). "
             f"Extraction {x['load_region_seconds']:.2f} s, graph {x['graph_seconds']:.2f} s: "
             f"{x['nodes']:,} nodes, {x['edges']:,} edges.", "",
             "| library | " + " | ".join(METRICS) + " | total s | peak MB | installed MB | ratio |",
             "|---|" + "---:|" * (len(METRICS) + 4)]
    for e in out["libraries"]:
        lines.append(f"| {e['library']} {e['version']} | " + " | ".join(f"{e['seconds'][m]:.3f}" for m in METRICS)
                     + f" | {e['total']:.2f} | {e['peak_mb_above_imports']:.1f} | {e['installed_mb']:.1f} | "
                       f"{e['ratio']:.2f} |")
    lines += ["", "Same answers (max betweenness, k max, clustering, largest component): "
              + "; ".join(f"{e['library']}: {e['check']}" for e in out["libraries"]), "",
              "| analysis | cold s | warm s |", "|---|---:|---:|",
              f"| region + whole-graph metrics | {out['analysis']['region_and_global_metrics']:.2f} | |"]
    for name in ("network", "school", "person", "artefact"):
        a = out["analysis"][name]
        lines.append(f"| {name} `{a['iri'].rsplit('/', 1)[-1]}` | {a['cold_seconds']:.2f} | {a['warm_seconds']:.4f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
