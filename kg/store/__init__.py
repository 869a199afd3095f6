"""The store: where the knowledge graph lives, behind one interface (kg.store.base.Store).

- `local`: a folder of Oxigraph generations on this machine (atomic switch per write; a change
  starts from a checkpoint of the current generation);
- `remote`: any SPARQL 1.1 store (Oxigraph server, Virtuoso, Fuseki, ...);
- `snapshot`: a long-running reader's fast view, refreshed when the generation moves (following
  a change's delta);
- `log`: the change log (who changed what, when) with undo;
- `views`: reading an open store in the public or internal view, with bound parameters.

`open_store(spec)` gives the store a folder or a `sparql+http(s)://` URL names.
"""

from __future__ import annotations

from pathlib import Path

from kg import settings
from kg.store.base import ANY_GENERATION, Readable, Store, StoreChanged, StoreError
from kg.store.local import CURRENT, GraphStore
from kg.store.remote import RemoteGraphStore
from kg.store.views import VIEWS, digest, run_query, view_graphs

__all__ = ["ANY_GENERATION", "CURRENT", "VIEWS", "GraphStore", "Readable", "RemoteGraphStore", "Store",
           "StoreChanged", "StoreError", "default_store_path", "digest", "open_store", "run_query", "store_spec",
           "view_graphs"]


def store_spec(option: str | Path | None = None) -> str | Path:
    """Which store to use: `option` (e.g. --store), else `$KG_STORE_URL`, else `$KG_STORE`,
    else the default folder. A `sparql+http(s)://` spec is a remote store (kg.store.remote)."""
    if option:
        return option
    return settings.value("KG_STORE_URL") or default_store_path()


def open_store(spec: str | Path | None = None, update_url: str | None = None, timeout: float | None = None):
    """A `GraphStore` for a folder, a `kg.store.remote.RemoteGraphStore` for a `sparql+http(s)://`
    URL (update endpoint: `update_url`, else `$KG_STORE_UPDATE_URL`, else derived; request
    timeout: `timeout`, else `$KG_STORE_TIMEOUT` seconds, else 60)."""
    spec = store_spec(spec)
    if isinstance(spec, str) and spec.startswith(("sparql+http://", "sparql+https://")):
        try:
            return RemoteGraphStore(spec, update_url or settings.value("KG_STORE_UPDATE_URL"),
                                    float(timeout or settings.value("KG_STORE_TIMEOUT")))
        except ValueError as e:
            raise StoreError(str(e)) from None
    return GraphStore(spec)


def default_store_path() -> Path:
    """`$KG_STORE`, else `$XDG_DATA_HOME/connective-kg/store` (~/.local/share/...)."""
    return settings.value("KG_STORE")
