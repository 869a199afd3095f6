"""Remote write benchmark (issue 12 item 6): a one-row change on a remote Oxigraph server as a delta
sent as SPARQL Update, against the full path (download the store, recompute, replace) in the same run.

    .venv/bin/python -m bench.remote_write_bench                      # 2,500 people, 3 runs each
    .venv/bin/python -m bench.remote_write_bench --people 500 --repeat 3

A throwaway `oxigraph serve` (the PyPI package's binary) on a free port gets the Twente sample
(`kg ingest`, the full path into an empty store) and a generated region of N people
(`synthetic.generate`, seeded, as filled templates: bench.ingest_bench.prepare) by `kg ingest`
(a first ingest into a store that holds data: the delta path; timed too). Then a one-row change,
a person renamed and renamed back in turn (so every run is one row), each run a child process:

- `kg edit people --region gen --change ID name=...` (the delta path), `--repeat` times;
- the whole region's templates with that row edited, `kg ingest --full` (the full path), as often.

Median wall time of each, from the command's start to its exit (a remote store has no view to
switch: the next query sees the change). Results: bench/results/remote-write-<date>.json and .md
(git-ignored); the README's figures are copied from the .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from bench.ingest_bench import BASE, prepare, run
from bench.write_bench import KG, RESULTS, SAMPLE, SAMPLE_BASE, _read, _write

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def _serve(location: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", timeout=2) as r:
                r.read()
            return proc, f"sparql+http://127.0.0.1:{port}/query"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("oxigraph serve did not start") from None
            time.sleep(0.1)


def _quads(spec: str) -> int:
    from kg.store import open_store

    return sum(1 for _ in open_store(spec).open().quads_for_pattern(None, None, None, None))


def _timed(cmd: list[str], budget: float) -> dict:
    r = run(cmd, budget)
    if r["stdout"].strip().startswith("{"):
        rep = json.loads(r["stdout"])
        r["steps"] = {k: round(v, 2) for k, v in rep.get("timings", {}).items()}
        r["ok"] = rep.get("ok")
    r.pop("stdout", None)
    if r["returncode"] != 0:
        print(f"    exit {r['returncode']}: {r['stderr_tail'][-500:]}", flush=True)
    return r


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.remote_write_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, default=2500, help="people of the generated region")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each path (median)")
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--budget", type=float, default=1800.0, help="seconds per run before it is killed")
    args = ap.parse_args(argv)
    # a whole region goes in one update request (either path): more than the default 60 s per request
    os.environ.setdefault("KG_STORE_TIMEOUT", str(args.budget))
    work = Path(tempfile.mkdtemp(prefix="remote-write-bench-"))
    proc, spec = _serve(work / "server")
    report: dict = {"date": datetime.now().isoformat(timespec="seconds"), "machine": platform.platform(),
                    "python": platform.python_version(), "people": args.people, "repeat": args.repeat}
    try:
        store = ["--store", spec, "--format", "json"]
        r = _timed(KG + ["ingest", str(SAMPLE), "--region", "twente", "--base", SAMPLE_BASE, *store, "--yes",
                         "--quiet"], args.budget)
        report["sample"] = {"wall": r["wall"], "quads": _quads(spec)}
        report["region"] = prepare(args.people, args.seed, work)
        templates = work / "templates"
        r = _timed(KG + ["ingest", str(templates), "--region", "gen", "--base", BASE, *store, "--yes", "--quiet"],
                   args.budget)
        report["first_ingest"] = {"wall": r["wall"], "peak_mb": r["peak_mb"], "steps": r.get("steps"),
                                  "returncode": r["returncode"], "quads_after": _quads(spec)}
        if r["returncode"] != 0:  # the region must be there for the edits: the full path then
            _timed(KG + ["ingest", str(templates), "--region", "gen", "--base", BASE, "--full", *store, "--yes",
                         "--quiet"], args.budget)
        print(f"  first ingest of {args.people} people (delta): {r['wall']:.1f} s, "
              f"{report['first_ingest']['quads_after']:,} quads", flush=True)
        header, rows = _read(templates, "people")
        person, name = rows[0]["id"], rows[0]["name"]
        edited = work / "edited"
        shutil.copytree(templates, edited)
        rows[0] = {**rows[0], "name": name + " (bench)"}
        _write(edited, "people", header, rows)
        delta, full = [], []
        for i in range(args.repeat):
            value = name + " (bench)" if i % 2 == 0 else name
            delta.append(_timed(KG + ["edit", "people", "--region", "gen", "--change", person, f"name={value}",
                                      *store], args.budget))
            print(f"  kg edit (delta): {delta[-1]['wall']:.2f} s", flush=True)
        if args.repeat % 2:
            _timed(KG + ["edit", "people", "--region", "gen", "--change", person, f"name={name}", *store], args.budget)
        for i in range(args.repeat):
            folder = edited if i % 2 == 0 else templates
            full.append(_timed(KG + ["ingest", str(folder), "--region", "gen", "--full", *store, "--yes", "--quiet"],
                               args.budget))
            print(f"  kg ingest --full: {full[-1]['wall']:.1f} s", flush=True)
        report["edit"] = {"runs": delta, "median": statistics.median(r["wall"] for r in delta),
                          "peak_mb": statistics.median(r["peak_mb"] for r in delta),
                          "all_ok": all(r["returncode"] == 0 for r in delta)}
        report["full"] = {"runs": full, "median": statistics.median(r["wall"] for r in full),
                          "peak_mb": statistics.median(r["peak_mb"] for r in full),
                          "all_ok": all(r["returncode"] == 0 for r in full)}
        report["quads"] = _quads(spec)
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"remote-write-{datetime.now():%Y%m%d-%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2))
    text = markdown(report)
    stem.with_suffix(".md").write_text(text)
    print(text)


def markdown(report: dict) -> str:
    e, f = report["edit"], report["full"]
    return "\n".join([
        f"Remote Oxigraph server, {report['quads']:,} quads (the Twente sample and {report['people']:,} generated "
        f"people); {report['date']}, {report['machine']}",
        "",
        "| one-row change (a person renamed) | median of " + str(report["repeat"]) + " | peak |",
        "|---|---:|---:|",
        f"| `kg edit` (delta as SPARQL Update) | {e['median']:.2f} s | {e['peak_mb']:.0f} MB |",
        f"| `kg ingest --full` of the edited templates | {f['median']:.1f} s | {f['peak_mb']:.0f} MB |",
        "",
        f"First ingest of the generated region (delta path, into a store holding the sample): "
        f"{report['first_ingest']['wall']:.1f} s, peak {report['first_ingest']['peak_mb']:.0f} MB, exit "
        f"{report['first_ingest']['returncode']}; steps {report['first_ingest']['steps']}.",
        ""])


if __name__ == "__main__":
    main()
