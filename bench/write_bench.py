"""Write benchmark (issue 12): what a change costs on the delta path, against the full path and a
plain pyoxigraph bulk load of the same quads, measured in the same run.

    .venv/bin/python -m bench.write_bench                                  # everything below, defaults
    .venv/bin/python -m bench.write_bench --sizes 2500 --full-sizes 2500 --changes 0 --national 0

Each run is a child process (wall time; peak memory as `ru_maxrss` from `os.wait4`):

1. first ingest: a generated region of N people (`synthetic.generate`, seeded; written as
   filled CSV templates by `kg.ingest.export`) with `kg ingest` into a store folder that holds
   the Twente sample (into an empty store `kg ingest` takes the full path by itself),
   on the delta path (the default) and, for `--full-sizes`, with `--full` (the reference);
   then the store's quads are dumped as N-Quads and bulk loaded by pyoxigraph into a fresh
   on-disk store: the floor for writing that data;
2. one-row changes in the region of `--changes` people: add a tie, move a person to
   another school, remove a membership, change the date of an adoption that a later
   adoption names as its source; each `--repeat` times (applied and reverted in turn, so
   every run is a one-row change), with `kg edit` and as a whole-workbook `kg ingest` of the
   edited templates; timed from the command's start until a reader opening the store sees the
   change; the first change once more with `--full` as the baseline (a full-path change costs
   a full ingest whatever the row);
3. a national store: `--national` regions of `--national-people` people (other seeds and
   bases) ingested one after another into one store: wall and peak per region; at the end
   a one-row change, `kg who-knows` with two topics and `kg trace`.

Results: bench/results/write-<date>.json and .md (git-ignored); the README's table is copied
from the .md.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.ingest_bench import prepare, run

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BASE = "https://region.example/id/"
SAMPLE, SAMPLE_BASE = ROOT / "data" / "twente-templates", "https://knll-twente.example/id/"
KG = [sys.executable, "-m", "kg"]


def ingest(templates: Path, store: Path, region: str, base: str, budget: float, full: bool = False) -> dict:
    cmd = KG + ["ingest", str(templates), "--region", region, "--base", base, "--store", str(store),
                "--format", "json", "--yes", "--quiet"] + (["--full"] if full else [])
    r = run(cmd, budget)
    if r["returncode"] in (0, 1) and r["stdout"].strip():
        rep = json.loads(r["stdout"])
        r["steps"] = {k: round(v, 2) for k, v in rep.get("timings", {}).items()}
        r["ok"] = rep.get("ok")
    r.pop("stdout", None)
    return r


def bulk_load(store: Path, budget: float, work: Path) -> dict:
    """Dump `store` as N-Quads (not timed), then time a child bulk-loading it into a fresh folder."""
    import pyoxigraph as ox

    from kg.store import GraphStore

    dump = work / "dump.nq"
    db = GraphStore(store).open()
    n = 0
    with open(dump, "wb") as fh:
        quads = list(db.quads_for_pattern(None, None, None, None))
        n = len(quads)
        ox.serialize(quads, fh, ox.RdfFormat.N_QUADS)
    del quads, db
    target = work / "bulk"
    code = ("import sys, pyoxigraph as ox; s = ox.Store(sys.argv[1]); "
            "s.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS); s.flush()")
    r = run([sys.executable, "-c", code, str(target), str(dump)], budget)
    r.pop("stdout", None)
    r["quads"] = n
    shutil.rmtree(target, ignore_errors=True)
    dump.unlink()
    return r


# --- one-row edits of the CSV templates ----------------------------------------------------------

def _read(folder: Path, name: str) -> tuple[list[str], list[dict]]:
    with open(folder / f"{name}.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(folder: Path, name: str, header: list[str], rows: list[dict]) -> None:
    with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, header)
        w.writeheader()
        w.writerows(rows)


def edits(templates: Path) -> dict[str, tuple[str, object, str]]:
    """kind -> (template, edit function on (header, rows), an IRI local name that shows the change)."""
    _, people = _read(templates, "people")
    _, ties = _read(templates, "ties")
    _, adoptions = _read(templates, "adoptions")
    schools = sorted({p["organisation"] for p in people if p["organisation"].startswith("s-")})
    tied = {(t["source"], t["target"], t["year"]) for t in ties}
    a, b = next((p["id"], q["id"]) for p in people for q in people[::-1]
                if p["id"] != q["id"] and (p["id"], q["id"], "2024") not in tied)
    mover = next(p for p in people if p["organisation"] in schools)
    target_school = next(s for s in schools if s != mover["organisation"])
    sources = {(x["artefact"], x["source"]) for x in adoptions if x["source"]}
    earlier = next(x for x in adoptions if (x["artefact"], x["adopter"]) in sources and x["date"])

    def add_tie(header, rows):
        rows.append({**{h: "" for h in header}, "source": a, "target": b, "depth": "delen", "year": "2024"})

    def move(header, rows):
        for r in rows:
            if r["id"] == mover["id"]:
                r["organisation"] = target_school

    def remove_membership(header, rows):
        rows.pop(len(rows) // 2)

    def adoption_date(header, rows):
        for r in rows:
            if r["artefact"] == earlier["artefact"] and r["adopter"] == earlier["adopter"]:
                y, m, d = r["date"].split("-")
                r["date"] = f"{y}-{m}-{'01' if d != '01' else '02'}"

    _, memberships = _read(templates, "memberships")
    gone = memberships[len(memberships) // 2]
    y, m, d = earlier["date"].split("-")
    new_date = f"{y}-{m}-{'01' if d != '01' else '02'}"
    cells = [f"{k}={v}" for k, v in gone.items() if v]
    # kind -> (template, CSV edit, (kg edit arguments, the arguments that undo it))
    return {"add a tie": ("ties", add_tie, (
                ["ties", "--add", f"source={a}", f"target={b}", "depth=delen", "year=2024"],
                ["ties", "--remove", "ADDED"])),
            "move a person": ("people", move, (
                ["people", "--change", mover["id"], f"organisation={target_school}"],
                ["people", "--change", mover["id"], f"organisation={mover['organisation']}"])),
            "remove a membership": ("memberships", remove_membership, (
                ["memberships", "--remove", ("member", gone["member"], "network", gone["network"])],
                ["memberships", "--add", *cells])),
            "change an adoption date": ("adoptions", adoption_date, (
                ["adoptions", "--change", ("adopter", earlier["adopter"], "artefact", earlier["artefact"]),
                 f"date={new_date}"],
                ["adoptions", "--change", ("adopter", earlier["adopter"], "artefact", earlier["artefact"]),
                 f"date={earlier['date']}"]))}


def _ties(store: Path) -> set[str]:
    """The ids of the region's ties (a tie added by `kg edit` is named by what it means: a hash)."""
    import pyoxigraph as ox

    from kg.store import GraphStore

    db = GraphStore(store).open()
    tie = ox.NamedNode("https://w3id.org/connective-kg/ns#Tie")
    graph = ox.NamedNode("https://w3id.org/connective-kg/graph/region/gen")
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return {q.subject.value[len(BASE):] for q in db.quads_for_pattern(None, a, tie, graph)}


def _node_id(store: Path, pair: tuple[str, str, str, str]) -> str:
    """A relation row's id: the region node with both cells' codes (member/network, adopter/artefact)."""
    import pyoxigraph as ox

    from kg.store import GraphStore

    predicates = {"member": "http://www.w3.org/ns/org#member", "network": "http://www.w3.org/ns/org#organization",
                  "adopter": "https://w3id.org/connective-kg/ns#adopter",
                  "artefact": "https://w3id.org/connective-kg/ns#adoptedArtefact"}
    db = GraphStore(store).open()
    c1, v1, c2, v2 = pair
    graph = ox.NamedNode("https://w3id.org/connective-kg/graph/region/gen")
    for q in db.quads_for_pattern(None, ox.NamedNode(predicates[c1]), ox.NamedNode(BASE + v1), graph):
        if any(True for _ in db.quads_for_pattern(q.subject, ox.NamedNode(predicates[c2]), ox.NamedNode(BASE + v2),
                                                  graph)):
            return q.subject.value[len(BASE):]
    raise LookupError(pair)


def one_row_changes(templates: Path, store: Path, full_store: Path | None, repeat: int, budget: float,
                    work: Path, workbook: bool = True) -> dict:
    from kg.store import GraphStore

    out: dict = {}
    for kind, (template, edit, (forward, back)) in edits(templates).items():
        edited = work / "edited"
        shutil.rmtree(edited, ignore_errors=True)
        shutil.copytree(templates, edited)
        header, rows = _read(templates, template)
        edit(header, rows)
        _write(edited, template, header, rows)
        runs = []
        for i in range(repeat if workbook else 0):
            folder = edited if i % 2 == 0 else templates
            before = GraphStore(store).generation()
            t0 = time.perf_counter()
            r = ingest(folder, store, "gen", BASE, budget)
            while GraphStore(store).generation() == before and r["returncode"] == 0:
                time.sleep(0.001)  # a reader sees the new generation when CURRENT switched
            GraphStore(store).open()
            r["visible"] = time.perf_counter() - t0
            runs.append(r)
        if workbook and repeat % 2:  # back to the stored region as it was, so that the edits below start from it
            ingest(templates, store, "gen", BASE, budget)
        entry = {"runs": runs, "median_visible": statistics.median(r["visible"] for r in runs) if runs else None,
                 "median_peak_mb": statistics.median(r["peak_mb"] for r in runs) if runs else None}
        edit_runs = []
        added: list[str] = []
        for i in range(repeat):
            args = [(_node_id(store, a) if isinstance(a, tuple) else a) for a in (forward if i % 2 == 0 else back)]
            args = [added[-1] if a == "ADDED" else a for a in args]  # the row the previous run added
            ties = _ties(store)
            before = GraphStore(store).generation()
            t0 = time.perf_counter()
            r = run(KG + ["edit", *args, "--region", "gen", "--store", str(store), "--format", "json"], budget)
            while GraphStore(store).generation() == before and r["returncode"] == 0:
                time.sleep(0.001)
            GraphStore(store).open()
            r["visible"] = time.perf_counter() - t0
            added += sorted(_ties(store) - ties)
            if r["stdout"].strip():
                rep = json.loads(r["stdout"])
                r["steps"] = {k: round(v, 2) for k, v in rep.get("timings", {}).items()}
                r["ok"] = rep.get("ok")
            r.pop("stdout", None)
            edit_runs.append(r)
        if repeat % 2:
            run(KG + ["edit", *[(_node_id(store, a) if isinstance(a, tuple) else a) for a in back], "--region", "gen",
                      "--store", str(store)], budget)
        entry["edit"] = {"runs": edit_runs, "median_visible": statistics.median(r["visible"] for r in edit_runs),
                         "median_peak_mb": statistics.median(r["peak_mb"] for r in edit_runs),
                         "all_ok": all(r["returncode"] == 0 for r in edit_runs)}
        if workbook and full_store is not None and not any("full" in e for e in out.values()):  # once: a full ingest
            entry["full"] = ingest(edited, full_store, "gen", BASE, budget, full=True)
            ingest(templates, full_store, "gen", BASE, budget, full=True)  # back, not measured
        out[kind] = entry
        print(f"  {kind}: kg edit {entry['edit']['median_visible']:.1f} s"
              + (f", whole workbook {entry['median_visible']:.1f} s" if runs else "")
              + (f", full {entry['full']['wall']:.1f} s" if "full" in entry else ""), flush=True)
    return out


def national(regions: int, people: int, budget: float, work: Path) -> dict:
    from kg.store import GraphStore

    store = work / "national"
    per: list[dict] = []
    artefact = ""
    for i in range(regions):
        folder = work / f"nat-{i}"
        folder.mkdir()
        base = f"https://region{i + 1}.example/id/"
        data = _prepare_region(people, seed=100 + i, base=base, folder=folder)
        if not artefact:
            artefact = _read(folder / "templates", "artefacts")[1][0]["id"]
        r = ingest(folder / "templates", store, f"r{i + 1}", base, budget)
        r["region_triples"] = data["triples"]
        per.append(r)
        print(f"  region {i + 1}: {r['wall']:.1f} s (CPU {r['cpu']:.1f} s), peak {r['peak_mb']:,.0f} MB, "
              f"exit {r['returncode']}", flush=True)
        if i:  # the first region's templates stay for the one-row change at the end
            shutil.rmtree(folder)
        if r["returncode"] != 0:
            break
    tail: dict = {}
    if per and per[-1]["returncode"] == 0:
        args = edits(work / "nat-0" / "templates")["add a tie"][2][0]
        before = GraphStore(store).generation()
        t0 = time.perf_counter()
        tail["edit"] = run(KG + ["edit", *args, "--region", "r1", "--store", str(store)], budget)
        while GraphStore(store).generation() == before and tail["edit"]["returncode"] == 0:
            time.sleep(0.001)
        tail["edit"]["visible"] = time.perf_counter() - t0
        tail["who-knows"] = run(KG + ["who-knows", "--store", str(store), "Wetenschap & Techniek",
                                      "digitale geletterdheid"], budget)
        tail["trace"] = run(KG + ["trace", "--store", str(store), f"https://region1.example/id/{artefact}"], budget)
        for r in tail.values():
            r.pop("stdout", None)
    size = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) if store.exists() else 0
    return {"regions": per, "tail": tail, "store_mb": size / 2**20}


def _prepare_region(people: int, seed: int, base: str, folder: Path) -> dict:
    import pyoxigraph as ox

    from kg.ingest.export import export, write_csv
    from synthetic.generate import generate

    db = ox.Store()
    db.bulk_extend(generate(people, seed=seed, base=base, graph="https://w3id.org/connective-kg/graph/source/g"))
    n = len(db)
    write_csv(export(db), folder / "templates")
    return {"triples": n}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.write_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="2500,10000,25000", help="people per region for the first ingest")
    ap.add_argument("--full-sizes", default="2500,10000", help="sizes also ingested with --full (the baseline)")
    ap.add_argument("--changes", type=int, default=10_000, help="people of the region for one-row changes (0: skip)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-workbook", action="store_true",
                    help="one-row changes by kg edit only (not also by whole-workbook re-ingests)")
    ap.add_argument("--national", type=int, default=25, help="regions in the national store (0: skip)")
    ap.add_argument("--national-people", type=int, default=10_000)
    ap.add_argument("--budget", type=float, default=3600.0, help="seconds per child run")
    ap.add_argument("--work", type=Path, help="work in this folder and keep it (e.g. the national store, for "
                                              "bench.pages_bench); default: a temporary folder, removed")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    full_sizes = {int(x) for x in args.full_sizes.split(",") if x}
    report: dict = {"date": datetime.now().isoformat(timespec="seconds"), "python": platform.python_version(),
                    "cores": os.cpu_count(), "first": {}, "changes": {}, "national": {}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"write-{datetime.now():%Y%m%d-%H%M%S}"
    with contextlib.nullcontext(str(args.work)) if args.work else tempfile.TemporaryDirectory(
            prefix="write-bench-") as tmp:
        work = Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            folder = work / f"n{n}"
            folder.mkdir()
            data = prepare(n, 1, folder)
            print(f"{n:,} people, {data['triples']:,} region triples", flush=True)
            # both stores hold the Twente sample first: into an empty store an ingest takes the full path
            for s in ("s-delta", "s-full"):
                ingest(SAMPLE, folder / s, "twente", SAMPLE_BASE, args.budget)
            entry = {"data": data, "delta": ingest(folder / "templates", folder / "s-delta", "gen", BASE, args.budget)}
            print(f"  delta path {entry['delta']['wall']:.1f} s, {entry['delta']['peak_mb']:,.0f} MB", flush=True)
            entry["bulk"] = bulk_load(folder / "s-delta", args.budget, folder)
            if n in full_sizes:
                entry["full"] = ingest(folder / "templates", folder / "s-full", "gen", BASE, args.budget, full=True)
                print(f"  full path {entry['full']['wall']:.1f} s, {entry['full']['peak_mb']:,.0f} MB", flush=True)
            report["first"][n] = entry
            _save(report, stem)
            if n == args.changes:
                full_store = folder / "s-full" if n in full_sizes else None
                report["changes"] = one_row_changes(folder / "templates", folder / "s-delta", full_store,
                                                    args.repeat, args.budget, folder, not args.no_workbook)
                _save(report, stem)
            shutil.rmtree(folder)
        if args.national:
            report["national"] = national(args.national, args.national_people, args.budget, work)
    print(_save(report, stem))


def _save(report: dict, stem: Path) -> str:
    """Write the results so far (a later stage that fails loses nothing); the Markdown table."""
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2, default=str))
    table = markdown(report)
    stem.with_suffix(".md").write_text(table + "\n")
    return table


def markdown(report: dict) -> str:
    lines = ["| first ingest | region triples | delta path | peak | full path (baseline) | peak | "
             "bulk load of the same quads | delta / bulk |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, e in report["first"].items():
        d, f, b = e["delta"], e.get("full"), e["bulk"]
        lines.append(f"| {int(n):,} people | {e['data']['triples']:,} | {d['wall']:.1f} s | {d['peak_mb']:,.0f} MB | "
                     + (f"{f['wall']:.1f} s | {f['peak_mb']:,.0f} MB | " if f else "– | – | ")
                     + f"{b['wall']:.1f} s ({b['quads']:,} quads) | {d['wall'] / b['wall']:.1f}x |")
    if report["changes"]:
        lines += ["", "| one-row change | `kg edit`: median to visible | peak | whole-workbook `kg ingest`: median "
                      "| peak | the same ingest with `--full` (baseline) |", "|---|---:|---:|---:|---:|---:|"]
        for kind, e in report["changes"].items():
            full = f"{e['full']['wall']:.1f} s" + ("" if e["full"].get("ok") else " (refused)") if "full" in e else "–"
            ed = e["edit"]
            whole = (f"{e['median_visible']:.1f} s | {e['median_peak_mb']:,.0f} MB" if e["median_visible"] is not None
                     else "– | –")
            lines.append(f"| {kind} | {ed['median_visible']:.1f} s{'' if ed['all_ok'] else ' (some refused)'} | "
                         f"{ed['median_peak_mb']:,.0f} MB | {whole} | {full} |")
    nat = report["national"]
    if nat:
        walls = [r["wall"] for r in nat["regions"]]
        peaks = [r["peak_mb"] for r in nat["regions"]]
        lines += ["", f"National store: {len(walls)} regions ingested one after another; per region wall "
                      f"{min(walls):.1f}-{max(walls):.1f} s (first {walls[0]:.1f}, last {walls[-1]:.1f}), peak "
                      f"{min(peaks):,.0f}-{max(peaks):,.0f} MB; store {nat['store_mb']:,.0f} MB on disk."]
        cpus = [r["cpu"] for r in nat["regions"] if "cpu" in r]
        if cpus:
            lines.append(f"Per region CPU {min(cpus):.1f}-{max(cpus):.1f} s (first {cpus[0]:.1f}, last {cpus[-1]:.1f}).")
        for name, r in nat["tail"].items():
            seen = f", {r['visible']:.1f} s to visible" if "visible" in r else ""
            lines.append(f"At the end, `kg {name}`: {r['wall']:.1f} s{seen} (exit {r['returncode']}).")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
