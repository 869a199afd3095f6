"""Where the packaged ontology, vocabularies, shapes, queries and sample live.

In a checkout they are the top-level folders `ontology/`, `shapes/` and
`data/` (and `docs/`); an installed package carries them as `kg/ontology`, `kg/shapes`,
`kg/sample` and `kg/docs` (see `package-dir` in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent  # kg/


def _dir(installed: str, checkout: str) -> Path:
    packaged = _PKG / installed
    return packaged if packaged.is_dir() else _PKG.parent / checkout


def ontology_dir() -> Path:
    return _dir("ontology", "ontology")


def shapes_dir() -> Path:
    return _dir("shapes", "shapes")


def sample_dir() -> Path:
    """The bundled Twente sample (fictional people, see the README)."""
    return _dir("sample", "data") / "twente"


def docs_dir() -> Path:
    """The documentation (docs/*.md), which the web app serves as pages."""
    return _dir("docs", "docs")


def queries_dir() -> Path:
    """The named queries' .rq files."""
    return _PKG / "sparql" / "named"


def ontology_file() -> Path:
    return ontology_dir() / "connective.ttl"


def vocabularies_file() -> Path:
    return ontology_dir() / "vocabularies.ttl"


def shape_files() -> list[Path]:
    return sorted(shapes_dir().glob("*.ttl"))
