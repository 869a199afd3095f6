"""Build benchmark: how long do load, reason, validate and commit take, and how
much memory do they need, for our pipeline and for the naive rdflib path?

    .venv/bin/python -m bench.build_bench \
        [--sizes 10000,100000,1000000] [--budget 600] [--paths reasonable,owlrl,naive]

For each size a synthetic region is generated (`synthetic.generate`, seeded) and
written as N-Triples; then each path runs in its own child process:

- `reasonable`: our pipeline, `kg.pipeline.build.build(..., reasoner="reasonable")`
  into a fresh on-disk `GraphStore` (pyoxigraph parse -> rdflib -> reason ->
  SHACL as SPARQL on Oxigraph -> RocksDB bulk load);
- `reasonable-pyshacl`: the same with `validator="pyshacl"` (the reference
  SHACL engine);
- `owlrl`: the same pipeline with `reasoner="owlrl"`;
- `naive`: everything in rdflib memory: `rdflib.Graph.parse` of the ontology,
  vocabularies and data, `owlrl.DeductiveClosure(...).expand()` in place,
  pySHACL with `inference="none"`; no Oxigraph, nothing committed.

The parent measures each child's wall time and peak memory (`ru_maxrss` of
the child from `os.wait4`) and kills it when it runs past `--budget` seconds.
The child reports every step as it finishes, so a killed run still shows
which steps it completed. Results go to `bench/results/build-<date>.json`
(raw) and `.md` (the table); see bench/README.md for how to read them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PATHS = ("reasonable", "reasonable-pyshacl", "owlrl", "naive", "reasonable-x")
DEFAULT_PATHS = ("reasonable", "reasonable-pyshacl", "owlrl", "naive")
STEPS = ("load", "convert", "reason", "validate", "public", "commit")
LIBRARIES = ("rdflib", "pyoxigraph", "owlrl", "reasonable", "pyshacl")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)


# --- the child: one (size, path) run ------------------------------------------------

class Progress:
    """Appends one JSON line per event to a file, flushed at once (survives a kill)."""

    def __init__(self, path: Path):
        self.fh = open(path, "a", buffering=1)

    def emit(self, **event) -> None:
        self.fh.write(json.dumps(event) + "\n")
        self.fh.flush()
        os.fsync(self.fh.fileno())


def _timed(progress: Progress, name: str, fn):
    """Wrap `fn` so each call reports its duration as a detail step."""

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            progress.emit(event="detail", name=name, seconds=time.perf_counter() - t0)

    wrapper.__wrapped__ = fn
    return wrapper


def run_pipeline(data: Path, reasoner: str, progress: Progress, validator: str = "oxigraph") -> dict:
    """Our pipeline: kg.pipeline.build.build into a fresh generational store, with the
    build's internal calls wrapped so their share of each step is visible."""
    import kg.pipeline.build as kb
    import kg.pipeline.reason as kr
    import kg.store as ks

    # Sub-steps: where the time inside load / convert / reason / validate goes.
    for mod, name, label in [
        (kb, "parse_source", "load: pyoxigraph parse"),
        (kb, "_files_by_subject", "load: files by subject"),
        (kb, "rdflib_graph", "convert: quads to rdflib graph"),
        (kr, "_reasonable_closure", "reason: closure (reasonable, incl. to rdflib)"),
        (kr, "_owlrl_closure", "reason: closure (owlrl, incl. copy)"),
        (kb, "inconsistencies", "reason: inconsistency check"),
        (kb, "_without", "validate: data view (copy without ontology)"),
        (kb, "validate", "validate: pySHACL"),
        (kb, "validate_quads", "validate: SHACL as SPARQL on Oxigraph (kg.shacl.compiled)"),
        (kr, "chain_entailments", "reason: property chains (kg.pipeline.reason, Python)"),
        (kb, "public_view", "public: public view (kg.pipeline.public)"),
        (ks.GraphStore, "replace_all", "commit: bulk load + switch"),
    ]:
        if hasattr(mod, name):
            setattr(mod, name, _timed(progress, label, getattr(mod, name)))
    if hasattr(kr, "materialise") and hasattr(kb, "materialise"):
        kb.materialise = _timed(progress, "reason: materialise (closure + entailment filter)", kb.materialise)

    # Report each build step the moment it ends, from the timings dict itself.
    class Timings(dict):
        def __setitem__(self, key, value):
            super().__setitem__(key, value)
            progress.emit(event="step", name=key, seconds=value)

    real_result = kb.BuildResult

    def result_with_live_timings(*args, **kwargs):
        r = real_result(*args, **kwargs)
        r.timings = Timings()
        return r

    kb.BuildResult = result_with_live_timings
    # In the data folder, which the parent removes even when this child is killed.
    with tempfile.TemporaryDirectory(prefix="store-", dir=data.parent) as tmp:
        store = ks.GraphStore(Path(tmp) / "store")
        t0 = time.perf_counter()
        result = kb.build([data], store, reasoner=reasoner, validator=validator)
        wall = time.perf_counter() - t0
    by_severity: dict[str, int] = {}
    for f in result.findings:
        by_severity[f.severity] = by_severity.get(f.severity, 0) + 1
    return {
        "wall": wall,
        "steps": dict(result.timings),
        "asserted": sum(result.triples.values()),
        "inferred": result.inferred,
        "inconsistencies": len(result.inconsistencies),
        "findings": by_severity,
        "conforms": result.conforms,
        "committed": result.committed,
        "errors": [str(e) for e in result.errors],
    }


def run_naive(data: Path, progress: Progress) -> dict:
    """Everything in rdflib memory: parse, owlrl in place, pySHACL (inference none)."""
    import owlrl
    import rdflib
    from pyshacl import validate as pyshacl_validate
    from rdflib.namespace import SH

    from kg.model import resources

    steps: dict[str, float] = {}
    t_all = time.perf_counter()
    t0 = time.perf_counter()
    g = rdflib.Graph()
    g.parse(resources.ontology_file(), format="turtle")
    g.parse(resources.vocabularies_file(), format="turtle")
    g.parse(data, format="nt")
    steps["load"] = time.perf_counter() - t0
    progress.emit(event="step", name="load", seconds=steps["load"])
    asserted = len(g)

    t0 = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False,
                           datatype_axioms=False).expand(g)
    steps["reason"] = time.perf_counter() - t0
    progress.emit(event="step", name="reason", seconds=steps["reason"])
    inferred = len(g) - asserted

    t0 = time.perf_counter()
    shapes = rdflib.Graph()
    for f in resources.shape_files():
        shapes.parse(f, format="turtle")
    conforms, results, _text = pyshacl_validate(g, shacl_graph=shapes, inference="none", advanced=False,
                                                allow_warnings=True, abort_on_first=False)
    steps["validate"] = time.perf_counter() - t0
    progress.emit(event="step", name="validate", seconds=steps["validate"])
    by_severity: dict[str, int] = {}
    for r in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        sev = str(results.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
        by_severity[sev] = by_severity.get(sev, 0) + 1
    return {
        "wall": time.perf_counter() - t_all,
        "steps": steps,
        "asserted": asserted,
        "inferred": inferred,
        "inconsistencies": None,
        "findings": by_severity,
        "conforms": bool(conforms),
        "committed": False,
        "errors": [],
    }


def child_main(args: argparse.Namespace) -> None:
    progress = Progress(Path(args.progress))
    progress.emit(event="start", path=args.child, pid=os.getpid())
    data = Path(args.data)
    if args.child == "naive":
        out = run_naive(data, progress)
    elif args.child == "reasonable-x":
        from bench import experiments

        applied = experiments.apply()
        progress.emit(event="experiments", names=applied)
        out = run_pipeline(data, "reasonable", progress)
        out["experiments"] = applied
    elif args.child == "reasonable-pyshacl":
        out = run_pipeline(data, "reasonable", progress, validator="pyshacl")
    else:
        out = run_pipeline(data, args.child, progress)
    out["child_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    progress.emit(event="done", **out)


# --- the parent: sizes x paths, budgets, table -----------------------------------

def machine_facts() -> dict:
    facts: dict = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "libraries": {},
    }
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(next(line.split()[1] for line in meminfo.splitlines() if line.startswith("MemTotal:")))
        facts["ram_gib"] = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        facts["ram_gib"] = None
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
        facts["cpu"] = cpu
    except (OSError, StopIteration):
        facts["cpu"] = platform.processor() or None
    for lib in LIBRARIES:
        try:
            facts["libraries"][lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            facts["libraries"][lib] = None
    try:
        facts["loadavg_at_start"] = os.getloadavg()
    except OSError:
        pass
    try:
        facts["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                             text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        facts["git_commit"] = None
    try:
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        facts["git_dirty"] = bool(dirty)
    except (OSError, subprocess.SubprocessError):
        facts["git_dirty"] = None
    facts["shapes"] = shapes_facts()
    return facts


def shapes_facts() -> dict:
    """What the validation step had to check (the numbers move with shapes/)."""
    import rdflib
    from rdflib.namespace import SH

    from kg.model import resources

    files = resources.shape_files()
    g = rdflib.Graph()
    for f in files:
        g.parse(f, format="turtle")
    return {
        "files": [f.name for f in files],
        "node_shapes": len(set(g.subjects(rdflib.RDF.type, SH.NodeShape))),
        "property_shapes": len(set(g.objects(None, SH.property))),
        "sparql_constraints": len(set(g.objects(None, SH.sparql))),
    }


def run_child(path: str, data: Path, budget: float, workdir: Path) -> dict:
    """Run one path on one data file in a child process; kill it after `budget` seconds."""
    progress_file = workdir / f"progress-{path}-{data.stem}.jsonl"
    progress_file.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "bench.build_bench", "--child", path, "--data", str(data),
           "--progress", str(progress_file)]
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(budget, kill)
    timer.start()
    output_chunks: list[str] = []
    reader = threading.Thread(target=lambda: output_chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=10)
    output = "".join(output_chunks)
    events = []
    if progress_file.exists():
        for line in progress_file.read_text().splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    progress_file.unlink(missing_ok=True)
    for d in workdir.glob("store-*"):  # left behind by a killed child
        shutil.rmtree(d, ignore_errors=True)
    done = next((e for e in events if e.get("event") == "done"), None)
    steps = {e["name"]: e["seconds"] for e in events if e.get("event") == "step"}
    details: dict[str, float] = {}
    for e in events:
        if e.get("event") == "detail":
            details[e["name"]] = details.get(e["name"], 0.0) + e["seconds"]
    run = {
        "path": path,
        "status": "ok" if done else ("timeout" if timed_out.is_set() else "failed"),
        "wall": wall,
        "peak_mb": usage.ru_maxrss / 1024,  # Linux: KiB
        "steps": done["steps"] if done else steps,
        "details": details,
        "returncode": proc.returncode,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
    }
    if done:
        for k in ("asserted", "inferred", "inconsistencies", "findings", "conforms", "committed", "errors",
                  "experiments"):
            run[k] = done.get(k)
        run["total"] = sum(run["steps"].values())
        run["build_wall"] = done.get("wall")  # inside the child: the build call (or the naive steps) alone
    else:
        run["total"] = None
        run["output_tail"] = output[-3000:]
    return run


def generate_data(size: int, seed: int, workdir: Path) -> dict:
    from synthetic.generate import people_for_triples, write

    people = people_for_triples(size)
    path = workdir / f"region-{size}.nt"
    t0 = time.perf_counter()
    n = write(path, people, seed=seed)
    return {"size": size, "people": people, "triples": n, "file": str(path), "bytes": path.stat().st_size,
            "generate_seconds": time.perf_counter() - t0}


def estimate(runs: dict[tuple[int, str], dict], size: int, path: str) -> tuple[float | None, str | None]:
    """Extrapolate a path's total at `size` from its largest smaller completed run
    (linear in triples: optimistic, since nothing here scales better than linear)."""
    smaller = sorted((s for (s, p) in runs if p == path and s < size), reverse=True)
    for s in smaller:
        r = runs[(s, path)]
        if r["status"] == "timeout":
            return float("inf"), f"timed out at {s:,} triples"
        if r["status"] == "ok" and r["total"]:
            return r["total"] * size / s, f"{r['total']:.0f} s at {s:,} triples x {size / s:.0f}"
    return None, None


def choose_baseline(runs: dict[str, dict]) -> str | None:
    """The naive path where it finished, else our reasonable pipeline, else none."""
    for path in ("naive", "reasonable"):  # never an experiment
        if runs.get(path, {}).get("status") == "ok":
            return path
    return None


def combine(files: list[Path]) -> dict:
    """Merge several result files into one report: per (size, path) the run
    that finished wins over one that did not; later files win ties."""
    reports = [json.loads(f.read_text()) for f in files]
    merged = dict(reports[0])
    merged["paths"] = [p for p in PATHS if any(p in r["paths"] for r in reports)]
    merged["combined_from"] = [str(f) for f in files]
    by_size: dict[int, dict] = {}
    for f, rep in zip(files, reports):
        for info in rep["sizes"]:
            slot = by_size.setdefault(info["size"], {**info, "runs": []})
            for run in info["runs"]:
                run = {**run, "budget": run.get("budget", rep["budget"])}
                if f != files[0]:
                    run["from"] = f.name
                old = next((r for r in slot["runs"] if r["path"] == run["path"]), None)
                if old is None:
                    slot["runs"].append(run)
                elif run["status"] == "ok" or old["status"] != "ok":
                    slot["runs"][slot["runs"].index(old)] = run
    for info in by_size.values():
        info["runs"].sort(key=lambda r: PATHS.index(r["path"]))
        info["baseline"] = choose_baseline({r["path"]: r for r in info["runs"]})
    merged["sizes"] = [by_size[k] for k in sorted(by_size)]
    return merged


def fmt_s(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def render_markdown(report: dict) -> str:
    m = report["machine"]
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items())
    sh = m["shapes"]
    lines = [
        f"# Build benchmark, {report['date']}",
        "",
        f"Machine: {m['cores']} cores ({m.get('cpu')}), {m.get('ram_gib')} GiB RAM, "
        f"{m['implementation']} {m['python']} on {m['platform']}.  ",
        f"Libraries: {libs}.  ",
        f"Load average at start: {', '.join(f'{x:.2f}' for x in m.get('loadavg_at_start', ()))} "
        f"(other work on the machine adds noise).  ",
        f"Shapes: {len(sh['files'])} files, {sh['node_shapes']} node shapes, {sh['property_shapes']} property "
        f"shapes, {sh['sparql_constraints']} SPARQL constraints. Commit: {m.get('git_commit')}"
        f"{' (with uncommitted changes to tracked files)' if m.get('git_dirty') else ''}.  ",
        f"Budget: {report['budget']:.0f} s per run; seed {report['seed']}.",
        "",
        "Seconds per step; total = sum of steps; process wall = the child process from start to exit "
        "(adds interpreter start, imports, and freeing the graphs at exit); peak = the child's max RSS.",
        "Ratio = this path's total / the baseline's total at the same size (> 1: slower than the baseline).",
        "",
        "| triples | path | " + " | ".join(STEPS) + " | total | process wall | peak MB | ratio | baseline | notes |",
        "|---:|---|" + "---:|" * len(STEPS) + "---:|---:|---:|---:|---|---|",
    ]
    for size_info in report["sizes"]:
        size = size_info["triples"]
        runs = {r["path"]: r for r in size_info["runs"]}
        base_path = size_info.get("baseline")
        base = runs.get(base_path)
        for path in report["paths"]:
            r = runs.get(path)
            if r is None:
                continue
            steps = r.get("steps", {})
            notes = []
            cells = [fmt_s(steps.get(s)) if s in steps else "" for s in STEPS]
            extra = [k for k in steps if k not in STEPS]
            if extra:
                notes.append("other steps: " + ", ".join(f"{k} {fmt_s(steps[k])}" for k in extra))
            if r["status"] == "ok":
                total = fmt_s(r["total"])
                ratio = f"{r['total'] / base['total']:.2f}" if base and base.get("total") else ""
                if r.get("conforms") is False:
                    notes.append("does NOT conform")
                f = r.get("findings") or {}
                if f:
                    notes.append(", ".join(f"{v} {k}" for k, v in sorted(f.items())))
                if r.get("inferred") is not None:
                    notes.append(f"{r['inferred']:,} inferred")
            elif r["status"] == "timeout":
                budget = r.get("budget", report["budget"])
                total = f"> {budget:.0f}"
                ratio = f"> {budget / base['total']:.1f}" if base and base.get("total") else ""
                order = ("load", "reason", "validate") if path == "naive" else STEPS
                running = next((s for s in order if s not in steps), None)
                notes.append(f"> budget ({budget:.0f} s), not run to completion"
                             + (f"; killed during {running}" if running else ""))
            elif r["status"] == "skipped":
                total, ratio = "", ""
                notes.append(f"not run: {r['reason']}")
            else:
                total, ratio = "", ""
                notes.append(f"failed (exit {r.get('returncode')})")
            peak = f"{r['peak_mb']:,.0f}" if r.get("peak_mb") else ""
            wall = fmt_s(r.get("wall")) if r["status"] == "ok" else ""
            if r.get("from"):
                notes.append(f"from {r['from']}")
            lines.append(f"| {size:,} | {path} | " + " | ".join(cells) + f" | {total} | {wall} | {peak} | {ratio} | "
                         f"{base_path or 'none finished'} | {'; '.join(notes)} |")
    lines += ["", "Sizes: " + "; ".join(
        f"{s['triples']:,} triples = {s['people']:,} people ({s['bytes'] / 1e6:.0f} MB N-Triples, "
        f"generated in {s['generate_seconds']:.1f} s)" for s in report["sizes"]), ""]
    # Where the time goes inside our pipeline.
    detail_rows = []
    for size_info in report["sizes"]:
        for r in size_info["runs"]:
            if r.get("details"):
                for name, sec in sorted(r["details"].items(), key=lambda kv: -kv[1]):
                    detail_rows.append(f"| {size_info['triples']:,} | {r['path']} | {name} | {fmt_s(sec)} |")
    if detail_rows:
        lines += ["## Inside the pipeline steps", "",
                  "The build's internal calls, timed separately (they overlap: e.g. `materialise` contains the "
                  "closure).", "", "| triples | path | call | seconds |", "|---:|---|---|---:|", *detail_rows, ""]
    return "\n".join(lines)


def parent_main(args: argparse.Namespace) -> None:
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    paths = [p for p in args.paths.split(",") if p]
    for p in paths:
        if p not in PATHS:
            sys.exit(f"unknown path {p!r}; choose from {', '.join(PATHS)}")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    today = datetime.now().strftime("%Y-%m-%d")
    stem = f"build-{today}" + (f"-{args.tag}" if args.tag else "")
    report = {"date": today, "started": datetime.now().isoformat(timespec="seconds"), "budget": args.budget,
              "total_budget": args.total_budget, "seed": args.seed, "paths": paths,
              "machine": machine_facts(), "sizes": []}
    print(f"machine: {json.dumps(report['machine'])}", flush=True)
    runs: dict[tuple[int, str], dict] = {}
    data_dir = Path(tempfile.mkdtemp(prefix="kg-bench-data-", dir=RESULTS))
    try:
        for size in sizes:
            info = generate_data(size, args.seed, data_dir)
            print(f"[{size:,}] generated {info['triples']:,} triples ({info['people']:,} people) "
                  f"in {info['generate_seconds']:.1f} s", flush=True)
            info["runs"] = []
            for path in paths:
                elapsed = time.monotonic() - started
                est, why = estimate(runs, size, path)
                # Our own pipeline always runs (the budget kills it if need be): where it
                # stops is the finding. The comparison paths are skipped when hopeless.
                if est is not None and est > args.budget and path not in ("reasonable", "reasonable-x"):
                    run = {"path": path, "status": "skipped", "total": None, "peak_mb": None, "steps": {},
                           "reason": f"extrapolates past the {args.budget:.0f} s budget ({why}"
                                     + (f" = ~{est:.0f} s)" if est != float("inf") else ")")}
                elif elapsed + args.budget > args.total_budget:
                    run = {"path": path, "status": "skipped", "total": None, "peak_mb": None, "steps": {},
                           "reason": f"whole-benchmark limit ({args.total_budget:.0f} s) would be exceeded"}
                else:
                    print(f"[{size:,}] {path} ...", flush=True)
                    run = run_child(path, Path(info["file"]), args.budget, data_dir)
                run["budget"] = args.budget
                runs[(size, path)] = run
                info["runs"].append(run)
                print(f"[{size:,}] {path}: {run['status']} total={fmt_s(run.get('total'))} "
                      f"peak={run.get('peak_mb') or 0:.0f} MB steps={ {k: round(v, 2) for k, v in run['steps'].items()} }"
                      + (f" ({run['reason']})" if run.get("reason") else ""), flush=True)
                if run["status"] == "failed":
                    print(run.get("output_tail", ""), flush=True)
            info["baseline"] = choose_baseline({r["path"]: r for r in info["runs"]})
            if not args.keep_data:
                Path(info["file"]).unlink(missing_ok=True)
            report["sizes"].append(info)
            _write(report, out_dir, stem)  # after every size, so a long run leaves results early
    finally:
        if args.keep_data:
            for d in data_dir.glob("store-*"):
                shutil.rmtree(d, ignore_errors=True)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    report["finished"] = datetime.now().isoformat(timespec="seconds")
    report["elapsed_seconds"] = time.monotonic() - started
    md = _write(report, out_dir, stem)
    print()
    print(md)
    print(f"written: {out_dir / (stem + '.json')} and {out_dir / (stem + '.md')}")


def _write(report: dict, out_dir: Path, stem: str) -> str:
    (out_dir / f"{stem}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    md = render_markdown(report)
    (out_dir / f"{stem}.md").write_text(md + "\n")
    return md


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.build_bench", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                    help="comma-separated triple counts (default: %(default)s)")
    ap.add_argument("--budget", type=float, default=600.0, help="seconds per run before it is killed (default: 600)")
    ap.add_argument("--total-budget", type=float, default=5400.0,
                    help="seconds for the whole benchmark; runs that could exceed it are skipped (default: 5400)")
    ap.add_argument("--paths", default=",".join(DEFAULT_PATHS),
                    help="comma-separated, from: " + ", ".join(PATHS) + " (default: %(default)s; reasonable-x is the "
                         "reasonable pipeline with the fixes in bench/experiments.py applied)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(RESULTS), help="folder for build-<date>.json/.md (default: bench/results)")
    ap.add_argument("--tag", default="", help="suffix for the result file names (build-<date>-<tag>)")
    ap.add_argument("--keep-data", action="store_true", help="keep the generated N-Triples files")
    ap.add_argument("--combine", nargs="+", type=Path, metavar="JSON",
                    help="do not run: merge these result files into one table (written with --tag, default 'combined')")
    # internal: run one path in this process (used by the parent)
    ap.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--progress", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child_main(args)
    elif args.combine:
        report = combine(args.combine)
        out_dir = Path(args.out)
        out_dir.mkdir(parents=True, exist_ok=True)
        md = _write(report, out_dir, f"build-{report['date']}-{args.tag or 'combined'}")
        print(md)
    else:
        parent_main(args)


if __name__ == "__main__":
    main()
