"""Every KG_* setting is declared once (kg/settings.py): the README's table is generated from the
declarations, nothing in the code, Makefile or docs names an undeclared one, and the web app and
`kg settings` read them typed, config over environment over default."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from jinja2 import UndefinedError

from kg import settings
from web import create_app


def test_the_readme_table_is_the_declared_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings.markdown_table() in readme
    out = subprocess.run([sys.executable, "-m", "kg", "settings", "--format", "markdown"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == settings.markdown_table()


def test_no_undeclared_setting_is_named_anywhere() -> None:
    files = [p for d in ("kg", "web", "docs", "bench", "data") for p in (ROOT / d).rglob("*")
             if p.suffix in (".py", ".md", ".html", ".toml")] + [ROOT / "Makefile", ROOT / "README.md"]
    named = {m for p in files for m in re.findall(r"\bKG_[A-Z][A-Z_]*[A-Z]\b", p.read_text(encoding="utf-8"))}
    assert named and named <= set(settings.BY_NAME), sorted(named - set(settings.BY_NAME))


def test_web_config_is_typed_config_over_environment_over_default(tmp_path: Path) -> None:
    env = {"KG_ROW_CAP": "5", "KG_QUERY_DEADLINE": "2.5", "KG_STORE": str(tmp_path / "s"), "KG_TODAY": ""}
    got = settings.web_config({"KG_QUERY_DEADLINE": 3.0}, env)
    assert got["KG_ROW_CAP"] == 5 and got["KG_QUERY_DEADLINE"] == 3.0 and got["KG_STORE"] == tmp_path / "s"
    assert got["KG_TODAY"] == "" and got["KG_INGEST_WAIT"] == 2.0 and got["KG_STORE_URL"] is None
    assert settings.web_config({}, {})["KG_STORE"] == settings.default_store_path()
    from web import create_app

    app = create_app({"KG_STORE": str(tmp_path / "store"), "KG_ROW_CAP": "7"})
    assert app.config["KG_ROW_CAP"] == 7 and app.extensions["kg"].row_cap == 7


def test_kg_settings_shows_values_in_effect_and_hides_secrets(tmp_path: Path) -> None:
    env = {**os.environ, "KG_TOKEN": "geheim", "KG_ROW_CAP": "12", "KG_STORE": str(tmp_path / "s")}
    out = subprocess.run([sys.executable, "-m", "kg", "settings", "--format", "json"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60, env=env)
    shown = json.loads(out.stdout)
    assert set(shown) == set(settings.BY_NAME)
    assert shown["KG_TOKEN"] == "(set)" and "geheim" not in out.stdout
    assert shown["KG_ROW_CAP"] == "12" and shown["KG_STORE"] == str(tmp_path / "s")


def test_strict_templates_fail_on_a_value_the_view_did_not_give(tmp_path: Path) -> None:
    assert settings.flag("1") and settings.flag("Ja") and not settings.flag("off")
    with pytest.raises(ValueError, match="yes/no"):
        settings.flag("misschien")
    for strict in (True, False):
        app = create_app({"KG_STORE": str(tmp_path / "store"), "KG_STRICT_TEMPLATES": strict})
        template = app.jinja_env.from_string("[{{ page.renamed }}]")
        with app.app_context():
            if strict:
                with pytest.raises(UndefinedError, match="renamed"):
                    template.render(page={"name": "x"})
            else:
                assert template.render(page={"name": "x"}) == "[]"
        app.extensions["kg"].close()
