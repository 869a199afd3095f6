"""`kg serve` for real (issue 14): gunicorn with two processes over the sample, loaded with 20
keep-alive connections for 5 s (bench/load.py): no 5xx, no refused connection, no dropped
connection. One sign-in works in every process (one shared secret, sessions in KG_STATE_DIR),
and signing out ends it in every process. The bigger run is `python -m bench.serve_bench`."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import ROOT, TOKEN
from oxigraph_server import free_port

from bench.load import run
from bench.serve_bench import HEAVY, PAGES

DEADLINE = 2.0


@pytest.fixture(scope="module")
def served(sample_build, tmp_path_factory):
    """A real kg serve over the sample: its URL and the file its access log goes to."""
    store, _ = sample_build
    port = free_port()
    env = dict(os.environ, KG_STORE=str(store.path), KG_TOKEN=TOKEN, KG_AUTH_FAILURES="1000",
               KG_STATE_DIR=str(tmp_path_factory.mktemp("state")), KG_QUERY_DEADLINE=str(DEADLINE))
    env.pop("KG_SECRET_KEY", None)  # kg serve makes one for all its processes
    access_log = tmp_path_factory.mktemp("log") / "access.log"
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port), "--workers", "2",
                             "--threads", "4"], cwd=ROOT, env=env, stdout=access_log.open("w"),
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as r:
                assert json.loads(r.read())["status"] == "ok"
                break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "kg serve did not start"
            time.sleep(0.3)
    yield url, access_log
    os.killpg(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err[-3000:]
    assert "Starting gunicorn" in err and err.count("Booting worker with pid") >= 2, err[-3000:]


@pytest.fixture(scope="module")
def server(served) -> str:
    return served[0]


def test_kg_serve_answers_pages_with_the_apps_headers(server) -> None:
    with urllib.request.urlopen(server + "/", timeout=10) as r:
        html = r.read().decode()
    assert "Connective KG" in html and r.headers["Content-Security-Policy"]


def test_the_access_log_has_paths_but_no_query_strings(served) -> None:
    url, access_log = served
    with urllib.request.urlopen(url + "/search?q=Geheime+Naam", timeout=10) as r:
        assert r.status == 200
    deadline = time.monotonic() + 10
    while "GET /search " not in access_log.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.2)
    logged = access_log.read_text(encoding="utf-8")
    assert "GET /search HTTP/1.1\" 200" in logged, logged[-2000:]
    assert "Geheime" not in logged and "q=" not in logged


def test_20_connections_for_5_seconds_get_no_5xx_and_no_refused_connection(server) -> None:
    result = run(server, PAGES, connections=20, seconds=5)
    print("\nkg serve, 20 connections, 5 s:", json.dumps(result.summary()))
    assert result.requests > 20
    assert result.server_errors == 0, result.statuses
    assert result.refused == 0 and not result.errors, (result.refused, result.errors)
    assert set(result.statuses) == {200}, result.statuses


def _session():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                       urllib.request.HTTPRedirectHandler()), jar


def test_a_sign_in_holds_in_every_process_and_a_sign_out_ends_it_everywhere(server) -> None:
    opener, jar = _session()
    page = opener.open(server + "/login", timeout=10).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    opener.open(server + "/login", urllib.parse.urlencode({"token": TOKEN, "csrf_token": csrf}).encode(),
                timeout=10).read()
    cookie = next(c for c in jar if c.name == "session")
    header = {"Cookie": f"session={cookie.value}", "Connection": "close"}  # a new connection each time

    def signed_in() -> list[bool]:
        out = []
        for _ in range(16):
            req = urllib.request.Request(server + "/api/history", headers=header)
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    out.append(r.status == 200 and json.loads(r.read())["kept"] in (True, False))
            except urllib.error.HTTPError as e:
                assert e.code == 401, e.code
                out.append(False)
        return out

    assert all(signed_in())
    page = opener.open(server + "/", timeout=10).read().decode()  # the header has the sign-out form
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    opener.open(server + "/logout", urllib.parse.urlencode({"csrf_token": csrf}).encode(), timeout=10).read()
    assert not any(signed_in())


def test_query_deadlines_hold_in_every_process_and_the_server_answers_meanwhile(server) -> None:
    """Four deadline-exhausting queries (spread over both processes' query workers) each stop at
    the deadline with 503; /health answers meanwhile."""
    answers: list[tuple[int, str, float]] = []

    def heavy() -> None:
        req = urllib.request.Request(server + "/sparql?" + urllib.parse.urlencode({"query": HEAVY}),
                                     headers={"Accept": "application/json", "Connection": "close"})
        t0 = time.monotonic()
        try:
            urllib.request.urlopen(req, timeout=60).read()
            answers.append((200, "", time.monotonic() - t0))
        except urllib.error.HTTPError as e:
            answers.append((e.code, json.loads(e.read())["error"]["code"], time.monotonic() - t0))

    threads = [threading.Thread(target=heavy) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    health = []
    while any(t.is_alive() for t in threads):
        t0 = time.monotonic()
        with urllib.request.urlopen(server + "/health", timeout=30) as r:
            assert json.loads(r.read())["status"] == "ok"
        health.append(time.monotonic() - t0)
        time.sleep(0.1)
    for t in threads:
        t.join()
    assert sorted(a[0] for a in answers) == [503] * 4, answers
    assert {a[1] for a in answers} <= {"deadline", "busy"}, answers
    assert all(a[2] < 2 * DEADLINE + 10 for a in answers), answers
    assert health and max(health) < 1.0, health


def test_kg_serve_stops_at_start_on_a_busy_port_or_a_bad_registry(tmp_path) -> None:
    registry = tmp_path / "regions.toml"
    registry.write_text("[local]\nname = \"twente\"\n[[region]]\nname = \"utrecht\"\n")
    env = dict(os.environ, KG_REGIONS=str(registry), KG_STORE=str(tmp_path / "store"))
    out = subprocess.run([sys.executable, "-m", "kg", "serve", "--port", str(free_port())], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "veld 'endpoint': ontbreekt" in out.stderr and "field 'endpoint': is missing" in out.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "kg", "serve", "--port", str(port)], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and f"port {port} on 127.0.0.1 is already in use" in out.stderr
