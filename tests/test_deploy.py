"""The deployment files of docs/deploy.md, for real: the systemd unit passes `systemd-analyze
verify` (where systemd is installed), and a store backed up with deploy/backup.sh, wiped and
restored with deploy/restore.sh holds the same quads (SHA-256 over its N-Quads)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from kg.model import resources
from kg.pipeline.build import build
from kg.store import GraphStore, digest

DEPLOY = ROOT / "deploy"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = (DEPLOY / "connective-kg.service").read_text()
    assert "ExecStart=/srv/connective-kg/.venv/bin/kg serve " in unit
    # This machine's paths instead of the documented ones (verify checks that the program exists).
    unit = (unit.replace("/srv/connective-kg/.venv/bin/kg", str(Path(sys.prefix) / "bin" / "kg"))
            .replace("WorkingDirectory=/srv/connective-kg", f"WorkingDirectory={tmp_path}")
            .replace("EnvironmentFile=/etc/", "EnvironmentFile=-/etc/"))
    path = tmp_path / "connective-kg.service"
    path.write_text(unit)
    out = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and not out.stderr.strip() and not out.stdout.strip(), out.stderr


def test_the_nginx_config_passes_the_client_and_scheme_and_allows_uploads() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    for line in ("proxy_pass http://connective_kg;", "server 127.0.0.1:5000;", "proxy_set_header X-Forwarded-For $remote_addr;",
                 "proxy_set_header X-Forwarded-Proto $scheme;", "client_max_body_size 21m;", "listen 443 ssl;"):
        assert line in conf, line


def test_backup_wipe_restore_gives_the_same_quads(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "store")
    assert build([resources.sample_dir()], store).committed
    assert build([resources.sample_dir()], store).committed  # a second generation: CURRENT moved on
    before = digest(store.open())
    archive = tmp_path / "backup.tar.gz"
    subprocess.run([str(DEPLOY / "backup.sh"), str(store.path), str(archive)], check=True, timeout=120)
    shutil.rmtree(store.path)
    refused = subprocess.run([str(DEPLOY / "restore.sh"), str(archive), str(tmp_path)], capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 2 and "exists" in refused.stderr  # never over an existing folder
    subprocess.run([str(DEPLOY / "restore.sh"), str(archive), str(store.path)], check=True, timeout=120)
    assert digest(GraphStore(store.path).open()) == before
    out = subprocess.run([sys.executable, "-m", "kg", "stats", "--store", str(store.path)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_backup_refuses_a_folder_that_is_not_a_store(tmp_path: Path) -> None:
    out = subprocess.run([str(DEPLOY / "backup.sh"), str(tmp_path), str(tmp_path / "x.tgz")], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and "not a store folder" in out.stderr
