"""A small HTTP load generator for loopback servers (bench/serve_bench.py and tests/test_serve_load.py).

`run(base_url, paths, connections, seconds)` opens `connections` keep-alive connections, each in
its own thread, and sends GET requests for `paths` in turn (each connection starts at a different
place in the list) until the time is up. Every answer is read to the end. It counts statuses,
refused connections and other connection errors, and keeps every latency (seconds). Loopback
only: the host must be 127.0.0.1, ::1 or localhost.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass
class Result:
    """What a run saw."""

    seconds: float
    statuses: Counter = field(default_factory=Counter)
    refused: int = 0  # connections refused (ECONNREFUSED)
    errors: Counter = field(default_factory=Counter)  # other connection failures, by exception type
    latencies: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in seconds (nearest rank), 0 when nothing answered."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> dict:
        return {"requests": self.requests, "per_second": round(self.per_second, 1),
                "p50_ms": round(self.percentile(50) * 1000, 1), "p99_ms": round(self.percentile(99) * 1000, 1),
                "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1) if self.latencies else 0.0,
                "statuses": dict(sorted(self.statuses.items())), "refused": self.refused,
                "errors": dict(self.errors)}


def run(base_url: str, paths: list[str], connections: int, seconds: float,
        headers: dict[str, str] | None = None, timeout: float = 60.0) -> Result:
    """Load `base_url` with `connections` concurrent keep-alive connections for `seconds`."""
    parts = urlsplit(base_url)
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"loopback only, not {parts.hostname!r}")
    result = Result(seconds=seconds)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    start = threading.Barrier(connections + 1)

    def worker(offset: int) -> None:
        statuses: Counter = Counter()
        errors: Counter = Counter()
        latencies: list[float] = []
        refused = 0
        conn: http.client.HTTPConnection | None = None
        i = offset
        start.wait()
        while time.monotonic() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            if conn is None:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
            t0 = time.monotonic()
            try:
                conn.request("GET", path, headers=headers or {})
                resp = conn.getresponse()
                resp.read()
                latencies.append(time.monotonic() - t0)
                statuses[resp.status] += 1
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except ConnectionRefusedError:
                refused += 1
                conn.close()
                conn = None
                time.sleep(0.01)
            except (OSError, http.client.HTTPException) as e:
                errors[type(e).__name__] += 1
                conn.close()
                conn = None
        if conn is not None:
            conn.close()
        with lock:
            result.statuses.update(statuses)
            result.errors.update(errors)
            result.latencies.extend(latencies)
            result.refused += refused

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(connections)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.monotonic()
    for t in threads:
        t.join(seconds + timeout + 5)
    result.seconds = max(seconds, time.monotonic() - t0) if result.requests else seconds
    return result
