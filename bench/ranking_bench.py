"""Who-knows ranking benchmark (issue 13): the ranking index against the query it replaces, on an
existing store folder, measured in the same run (CPU seconds of this process; the machine may be
shared, so wall time is reported too but not compared).

    .venv/bin/python -m bench.ranking_bench STORE [--topics "W&T" "digitale geletterdheid"] [--memory]

1. the baseline: `kg.answers.expertise.ranking` (the named query `expertise-ranking`, topic by
   topic) for the first topic and for all of them, on the generation as stored (read-only, on
   disk: what `kg who-knows` and a server in disk mode read) and, with --memory, on a copy in memory;
2. a whole rebuild of the index (kg.answers.read_index) and its size;
3. the same rankings from the index (identical answers are asserted) and one whole who-knows
   page (the first 20, with their evidence and workplace) both ways;
4. following the store's last change: the index is rebuilt at the generation before (when the
   store still keeps it) and brought to the current one from that change's delta.

Prints a Markdown table; nothing is written into the store (the index goes to a temporary folder).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg.answers import expertise
from kg.answers.read_index import FILE_NAME, ReadIndex
from kg.store import GraphStore


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, CPU seconds, wall seconds)."""
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - cpu, time.perf_counter() - wall


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.ranking_bench", description=__doc__.split("\n")[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--topics", nargs="+", default=["W&T", "digitale geletterdheid"])
    ap.add_argument("--memory", action="store_true", help="also time the query on a copy in memory")
    args = ap.parse_args(argv)
    store = GraphStore(args.store)
    generation = store.generation()
    assert generation, f"{args.store} holds no store"
    disk = store.open_generation(generation)
    rows: list[tuple[str, str, float, float]] = []

    def row(what: str, how: str, cpu: float, wall: float) -> None:
        rows.append((what, how, cpu, wall))
        print(f"  {what} / {how}: CPU {cpu:.3f} s, wall {wall:.3f} s", flush=True)

    asked_all = expertise.resolve_topics(disk, args.topics)
    questions = {"one topic": asked_all[:1], f"{len(asked_all)} topics": asked_all}
    expected = {}
    dbs: dict[str, Any] = {"query on disk": disk}
    if args.memory:
        mem, cpu, wall = timed(store.snapshot)
        row("copy into memory", "", cpu, wall)
        dbs["query in memory"] = mem
    for how, db in dbs.items():
        for what, asked in questions.items():
            expected[what], cpu, wall = timed(lambda db=db, asked=asked: expertise.ranking(db, asked))
            row(f"ranking, {what} ({len(expected[what]):,} actors)", how, cpu, wall)
    with tempfile.TemporaryDirectory() as tmp:
        index = ReadIndex(Path(tmp) / FILE_NAME)
        _, cpu, wall = timed(lambda: index.follow(store, disk, generation))
        row(f"index rebuild ({index.path.stat().st_size / 2**20:,.0f} MB)", "index", cpu, wall)
        for what, asked in questions.items():
            got, cpu, wall = timed(lambda asked=asked: index.ranking(generation, asked, "internal", "nl",
                                                                     expertise.TYPES))
            assert got == expected[what], what
            row(f"ranking, {what}", "index", cpu, wall)
        for how, ranker in (("query on disk", None), ("index", index.ranker(generation))):
            _, cpu, wall = timed(lambda ranker=ranker: expertise.who_knows_page(disk, args.topics, ranker=ranker))
            row(f"who-knows first page, {len(asked_all)} topics", how, cpu, wall)
        before = store.delta_to(generation)
        if before and before[0] and (store.path / before[0]).is_dir():
            index.path.unlink()
            index = ReadIndex(index.path)
            assert index.follow(store, store.open_generation(before[0]), before[0])
            _, cpu, wall = timed(lambda: index.follow(store, disk, generation, rebuild=False))
            row(f"follow the last change (-{len(before[1]):,} / +{len(before[2]):,} quads)", "index", cpu, wall)
    print()
    print("| what | how | CPU | wall |")
    print("|---|---|---:|---:|")
    for what, how, cpu, wall in rows:
        print(f"| {what} | {how} | {cpu * 1000:,.0f} ms | {wall * 1000:,.0f} ms |")


if __name__ == "__main__":
    main()
