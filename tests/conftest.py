"""Shared fixtures: the Twente sample built once per test session into a real on-disk store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import resources
from kg.build import BuildResult, build
from kg.store import GraphStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[GraphStore, BuildResult]:
    """The bundled Twente sample, built with the default reasoner into a fresh store."""
    store = GraphStore(tmp_path_factory.mktemp("sample") / "store")
    result = build([resources.sample_dir()], store)
    assert result.committed, f"the Twente sample does not build: {result.errors or result.inconsistencies or result.violations}"
    return store, result


@pytest.fixture(scope="session")
def sample_db(sample_build: tuple[GraphStore, BuildResult]) -> ox.Store:
    """The built sample, opened read-only (what `kg query` and the web app see)."""
    return sample_build[0].open()
