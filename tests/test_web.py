"""The placeholder home page, from a real store, parsed as HTML."""

from __future__ import annotations

from html.parser import HTMLParser

from kg.sparql import queries
from web import create_app


class Tables(HTMLParser):
    """Collects the rows of the tables on a page by table id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_home_page_lists_actor_counts_from_the_store(sample_build) -> None:
    store, _ = sample_build
    app = create_app({"KG_STORE": str(store.path), "TESTING": True})
    page = app.test_client().get("/")
    assert page.status_code == 200
    parser = Tables()
    parser.feed(page.get_data(as_text=True))
    shown = {row[0]: int(row[1]) for row in parser.tables["actors"] if row}
    expected = {r["label"].value: int(r["actors"].value) for r in queries.run(store.open(), "actor-types", {"lang": "nl"})}
    assert shown == expected and shown["persoon"] > 100


def test_home_page_on_an_empty_store_says_so(tmp_path) -> None:
    app = create_app({"KG_STORE": str(tmp_path / "none")})
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'id="empty"' in html and "kg build" in html
