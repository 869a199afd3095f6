"""Server start at size (issue 13): the app's view of a store folder in memory against on disk
(KG_SNAPSHOT, kg.store.snapshot).

    .venv/bin/python -m bench.snapshot_bench --store DIR [--modes memory,disk] [--repeat 3]

The subjects of the generated region in DIR (a person, the two topics most declared:
bench.pages_bench.pick_subjects) are picked in this process; then per mode and repeat a fresh
process (`--one MODE`, under `/usr/bin/time` for its CPU seconds and peak memory) makes the app
with `create_app` (KG_ANALYTICS_PRECOMPUTE off: no background job; KG_PAGE_CACHE_MB 0) and times,
in order: making the app, the first /, the first person page, the same person page again, the
first who-knows page (two topics: a query over the whole topic) and the person page once more;
with the process's resident memory after each. The store is only read (the disk mode pins its
generation: it writes `gen-NNNNNN.readers` beside it). Results are printed as JSON lines and a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

BASE = "https://region.example/id/"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one(store: Path, mode: str, person: str, topics: list[str], state: Path) -> dict:
    from web import create_app

    out: dict = {"mode": mode}
    t0 = time.perf_counter()
    app = create_app({"KG_STORE": str(store), "KG_STORE_URL": "", "KG_BASE_IRI": BASE, "KG_TOKEN": "",
                      "KG_SECRET_KEY": "bench", "KG_PAGE_CACHE_MB": 0, "KG_STATE_DIR": str(state),
                      "KG_ANALYTICS_PRECOMPUTE": False, "KG_SNAPSHOT": mode})
    out["create_app_s"] = round(time.perf_counter() - t0, 3)
    out["on_disk"] = app.extensions["kg"].snapshot.on_disk
    out["rss_after_create_mb"] = round(_rss_mb())
    client = app.test_client()
    doc = "/doc/" + urllib.parse.quote(person[len(BASE):])
    who = "/who-knows?" + urllib.parse.urlencode({"topic": topics}, doseq=True)
    for name, path in (("home", "/"), ("person", doc), ("person_again", doc), ("who_knows", who),
                       ("person_after", doc)):
        t = time.perf_counter()
        resp = client.get(path)
        resp.get_data()
        out[name + "_s"] = round(time.perf_counter() - t, 3)
        assert resp.status_code == 200, (path, resp.status_code)
        out[name + "_rss_mb"] = round(_rss_mb())
    out["start_to_first_answer_s"] = round(out["create_app_s"] + out["home_s"], 3)
    app.extensions["kg"].close()
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("--modes", default="memory,disk")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--state", type=Path, default=None, help="KG_STATE_DIR (default: a folder beside the store)")
    p.add_argument("--one", default="", help=argparse.SUPPRESS)
    p.add_argument("--person", default="", help=argparse.SUPPRESS)
    p.add_argument("--topic", action="append", default=[], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    state = args.state or args.store.parent / (args.store.name + "-bench-state")
    if args.one:
        print(json.dumps(one(args.store, args.one, args.person, args.topic, state)), flush=True)
        return

    from bench.pages_bench import pick_subjects

    subjects, quads = pick_subjects(args.store, BASE, "person-ties")
    topics = [t for t in subjects.topics]
    print(json.dumps({"store": str(args.store), "quads": quads, "person": subjects.person, "topics": topics}))
    rows = []
    for _ in range(args.repeat):
        for mode in args.modes.split(","):
            cmd = ["/usr/bin/time", "-f", "TIME %U %S %e %M", sys.executable, "-m", "bench.snapshot_bench",
                   "--store", str(args.store), "--state", str(state), "--one", mode, "--person", subjects.person]
            cmd += [x for t in topics for x in ("--topic", t)]
            done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "KG_ANALYTICS_PRECOMPUTE": "0"})
            got = json.loads(done.stdout.strip().splitlines()[-1])
            user, system, wall, peak = next(line for line in done.stderr.splitlines() if line.startswith("TIME ")).split()[1:]
            got.update(cpu_s=round(float(user) + float(system), 2), wall_s=float(wall), peak_rss_mb=round(int(peak) / 1024))
            print(json.dumps(got), flush=True)
            rows.append(got)
    cols = ["mode", "create_app_s", "home_s", "person_s", "person_again_s", "who_knows_s", "person_after_s",
            "rss_after_create_mb", "person_after_rss_mb", "peak_rss_mb", "cpu_s"]
    print("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
