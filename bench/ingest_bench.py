"""Ingest benchmark: a generated region with N people (all templates) through `kg ingest`,
with time and peak memory, against `kg build` of the same region as N-Triples in the same run.

    .venv/bin/python -m bench.ingest_bench [--people 10000] [--seed 1] [--budget 1800]

The region comes from `synthetic.generate` (seeded) and is written as filled CSV
templates by `kg.ingest.export` (what the templates cannot express, such as
expertise attributions, is left out; its count is printed). Then, each in
its own child process (wall time and `ru_maxrss` from `os.wait4`):

- `build`: `kg build region.nt` into a fresh store: the baseline;
- `ingest`: `kg ingest templates/ --format json` into a fresh store;
- `reingest`: the same templates again into that store (replaces the region;
  reads the store's other graphs first).

Ratio = wall time / the build's wall time. Step timings come from the
ingest's JSON report. Results: bench/results/ingest-<date>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BASE = "https://region.example/id/"


def run(cmd: list[str], budget: float) -> dict:
    """Run `cmd` in a child process; wall time, peak RSS, exit code and stdout."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    reader.start()
    timer = threading.Timer(budget, lambda: os.killpg(proc.pid, 9))
    timer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    reader.join(timeout=10)
    return {"wall": time.perf_counter() - t0, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "returncode": os.waitstatus_to_exitcode(status), "stdout": "".join(out),
            "stderr_tail": proc.stderr.read()[-2000:]}


def prepare(people: int, seed: int, work: Path) -> dict:
    import pyoxigraph as ox

    from kg.ingest.export import export, write_csv
    from synthetic.generate import generate, write

    t0 = time.perf_counter()
    triples = write(work / "region.nt", people, seed=seed, base=BASE)
    db = ox.Store()
    db.bulk_extend(generate(people, seed=seed, base=BASE, graph="https://w3id.org/connective-kg/graph/source/g"))
    result = export(db)
    write_csv(result, work / "templates")
    return {"people": people, "triples": triples, "rows": {k: len(v) for k, v in result.rows.items()},
            "left_out": dict(result.skipped), "prepare_seconds": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.ingest_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget", type=float, default=1800.0, help="seconds per child run")
    args = ap.parse_args(argv)
    kg = [sys.executable, "-m", "kg"]
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        work = Path(tmp)
        data = prepare(args.people, args.seed, work)
        print(f"{data['people']:,} people, {data['triples']:,} triples; rows {data['rows']}", flush=True)
        runs = {
            "build": run(kg + ["build", str(work / "region.nt"), "--store", str(work / "s-build")], args.budget),
            "ingest": run(kg + ["ingest", str(work / "templates"), "--region", "generated", "--base", BASE,
                                "--store", str(work / "s-ingest"), "--format", "json"], args.budget),
        }
        runs["reingest"] = run(kg + ["ingest", str(work / "templates"), "--region", "generated", "--base", BASE,
                                     "--store", str(work / "s-ingest"), "--format", "json"], args.budget)
        shutil.rmtree(work / "s-build", ignore_errors=True)
    base_wall = runs["build"]["wall"] if runs["build"]["returncode"] == 0 else None
    for name, r in runs.items():
        if name != "build" and r["returncode"] in (0, 1):
            rep = json.loads(r["stdout"])
            r["steps"] = rep["timings"]
            r["summary"] = rep["summary"]
            r["triples"] = rep["counts"]["triples"]
        r["ratio"] = r["wall"] / base_wall if base_wall else None
        r.pop("stdout")
    report = {"date": datetime.now().isoformat(timespec="seconds"), "python": platform.python_version(),
              "cores": os.cpu_count(), "data": data, "runs": runs}
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"ingest-{datetime.now():%Y%m%d-%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2))
    lines = ["| run | wall s | peak MB | ratio to build | steps |", "|---|---:|---:|---:|---|"]
    for name, r in runs.items():
        steps = ", ".join(f"{k} {v:.1f}" for k, v in r.get("steps", {}).items())
        ratio = f"{r['ratio']:.2f}" if r["ratio"] else ""
        lines.append(f"| {name} | {r['wall']:.1f} | {r['peak_mb']:,.0f} | {ratio} | {steps} |")
    table = "\n".join(lines)
    stem.with_suffix(".md").write_text(table + "\n")
    print(table)
    for name, r in runs.items():
        if r["returncode"] not in (0,):
            print(f"{name}: exit {r['returncode']}: {r['stderr_tail']}", file=sys.stderr)


if __name__ == "__main__":
    main()
