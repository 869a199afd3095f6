"""Background work for long requests (checking and committing an upload), with progress.

A job runs in a thread of the process that accepted the request; at most `slots` jobs run
at once per process (an ingest's check holds the region's graphs in memory), the others
wait in line. Its status lives in a JSON file (written atomically), so any server process
can show it: `queued`, `running` (with the steps so far and when each began), `done` or
`failed` (with a message in Dutch and English). A job whose process is gone is `failed`.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kg.pipeline.build import Progress
from kg.store.local import process_alive
from kg.text import BilingualError, Text

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
INTERRUPTED = Text(nl="Onderbroken: de server is gestopt tijdens het werk; probeer het opnieuw.",
                   en="Interrupted: the server stopped while working; please try again.")


class JobFailed(BilingualError):
    """A job's expected failure, with the message staff see (`text`)."""


def write_json(path: Path, data: dict) -> None:
    """Write `data` to `path` through a temporary file and a rename: readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def status(path: Path) -> dict | None:
    """A job's status, or None if there is no such job."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if data.get("state") in (QUEUED, RUNNING) and not process_alive(int(data.get("pid", 0))):
        data.update(state=FAILED, error=INTERRUPTED.both())
    return data


class Jobs:
    """Runs jobs in threads, `slots` at a time; see the module docstring."""

    def __init__(self, slots: int = 1):
        self._slots = threading.Semaphore(slots)

    def start(self, path: Path, kind: str, work: Callable[[Progress], None]) -> None:
        """Run `work(progress)` in the background; its status goes to `path`. `work` raises
        JobFailed for an expected failure; anything else is reported as an internal error."""
        state = {"state": QUEUED, "kind": kind, "pid": os.getpid(), "queued": time.time(), "steps": []}
        write_json(path, state)

        def progress(step: str) -> None:
            state["steps"].append([step, round(time.time() - state["started"], 2)])
            write_json(path, state)

        def run() -> None:
            with self._slots:
                state.update(state=RUNNING, started=time.time())
                write_json(path, state)
                try:
                    work(progress)
                    state.update(state=DONE)
                except JobFailed as e:
                    state.update(state=FAILED, error=e.text.both())
                except Exception as e:  # noqa: BLE001 - reported to the page, not raised in a thread
                    logging.getLogger(__name__).exception("job %s failed", path.name)
                    state.update(state=FAILED, error=Text(nl=f"Interne fout: {type(e).__name__}",
                                                          en=f"Internal error: {type(e).__name__}").both())
                state["finished"] = time.time()
                write_json(path, state)

        threading.Thread(target=run, name=f"job-{path.stem}", daemon=True).start()

    @staticmethod
    def wait(path: Path, seconds: float) -> dict | None:
        """The status once the job is no longer queued or running, or after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            s = status(path)
            if s is None or s["state"] not in (QUEUED, RUNNING) or time.monotonic() >= deadline:
                return s
            time.sleep(0.05)
