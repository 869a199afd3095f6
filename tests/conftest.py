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


@pytest.fixture(scope="session")
def remote_sample(tmp_path_factory: pytest.TempPathFactory):
    """A real Oxigraph server on 127.0.0.1 with the Twente sample built into it through the
    remote backend (kg.remote): yields (server, RemoteGraphStore)."""
    from kg.remote import RemoteGraphStore
    from oxigraph_server import OxigraphServer

    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db")
    store = RemoteGraphStore(server.spec)
    result = build([resources.sample_dir()], store)
    assert result.committed, "the Twente sample does not build into the remote store"
    yield server, store
    server.stop()


@pytest.fixture(scope="session")
def remote_sample_db(remote_sample):
    """The remote sample as a store kg reads from (kg.remote.RemoteStore)."""
    return remote_sample[1].open()


STORES = ["embedded", "remote"]


def embedded_or_remote(request: pytest.FixtureRequest, embedded: ox.Store):
    """For a module that overrides `sample_db` with params=STORES, so that its tests run on
    the embedded store and on a real remote SPARQL server:

        @pytest.fixture(scope="module", params=STORES)
        def sample_db(request, sample_db):
            return embedded_or_remote(request, sample_db)
    """
    return embedded if request.param == "embedded" else request.getfixturevalue("remote_sample_db")


TOKEN = "test-token-for-internal-use"


class LiveServer:
    """A real HTTP server (werkzeug) on 127.0.0.1 serving the app over a store."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        import threading

        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.app.extensions["kg"].close()


@pytest.fixture(scope="session")
def live_server(sample_build):
    """The web app over the built Twente sample on a real HTTP server; KG_TOKEN = conftest.TOKEN."""
    from web import create_app

    store, _ = sample_build
    app = create_app({"KG_STORE": str(store.path), "KG_TOKEN": TOKEN, "KG_QUERY_DEADLINE": 5.0,
                      "KG_SECRET_KEY": "test-secret"})
    server = LiveServer(app)
    yield server
    server.stop()
