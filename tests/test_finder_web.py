"""The expertise finder and search on the web (/who-knows, /search, their JSON APIs) and `kg who-knows`.

Pages are parsed with html.parser; JSON is compared with kg.answers.expertise / kg.answers.search directly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from rdflib import RDF, RDFS, Namespace, URIRef

from kg.answers import expertise
from kg.answers.search import search
from kg.model import resources
from kg.pipeline.build import core_sources
from kg.rdf.rdfio import collect_sources, parse_source, rdflib_graph
from web import create_app

TOKEN = "finder-test-token"
INTERNAL = {"Authorization": f"Bearer {TOKEN}"}
CKG = Namespace("https://w3id.org/connective-kg/ns#")
CONSENT_PUBLIC = URIRef("https://w3id.org/connective-kg/vocab/consent/public")
WT_DL = "/who-knows?topic=W%26T&topic=digitale+geletterdheid"


class Page(HTMLParser):
    """What the finder and search pages show: results with their evidence, suggestions, links, text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.results: list[dict] = []
        self.hits: list[dict] = []
        self.suggestions: list[dict] = []
        self.text: list[str] = []
        self.error = False
        self._stack: list[str] = []
        self._score_depth: int | None = None
        self._link: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        classes = a.get("class", "").split()
        if tag == "li" and "result" in classes:
            self.results.append({"iri": a["data-iri"], "type": a["data-type"], "href": None, "label": "",
                                 "score": "", "evidence": []})
        elif tag == "li" and "data-kind" in a and self.results and "evidence" in self._stack_classes():
            self.results[-1]["evidence"].append({"kind": a["data-kind"], "topic": a["data-topic"],
                                                 "weight": float(a["data-weight"]), "via": None})
        elif tag == "li" and "data-kind" in a and "search-results" in self._stack_classes():
            self.hits.append({"iri": a["data-iri"], "kind": a["data-kind"], "href": None, "label": ""})
        if tag == "div" and a.get("id") == "finder-error":
            self.error = True
        if tag == "a":
            self._link = {"href": a.get("href", ""), "text": "", "classes": classes}
        self._stack.append(a.get("class", "") + " " + tag)
        if tag == "span" and "score" in classes:
            self._score_depth = len(self._stack)

    def _stack_classes(self) -> str:
        return " ".join(self._stack)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            link, self._link = self._link, None
            if "actor" in link["classes"] and self.results:
                self.results[-1].update(href=link["href"], label=link["text"])
            elif "via" in link["classes"] and self.results and self.results[-1]["evidence"]:
                self.results[-1]["evidence"][-1]["via"] = link["href"]
            elif "suggestion" in link["classes"]:
                self.suggestions.append(link)
            elif self.hits and self.hits[-1]["href"] is None and "search-results" in self._stack_classes():
                self.hits[-1].update(href=link["href"], label=link["text"])
        if self._score_depth == len(self._stack):
            self._score_depth = None
        if self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._link is not None:
            self._link["text"] += data
        if self._score_depth is not None and self.results:
            self.results[-1]["score"] += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def app(sample_build):
    store, _ = sample_build
    return create_app({"KG_STORE": str(store.path), "TESTING": True, "KG_TOKEN": TOKEN,
                       "KG_SECRET_KEY": "finder-test"})


@pytest.fixture
def client(app):
    """A fresh client per test, so no language cookie carries over."""
    return app.test_client()


@pytest.fixture(scope="module")
def db(app):
    return app.extensions["kg"].db()


@pytest.fixture(scope="module")
def hidden_names() -> dict[str, str]:
    quads = []
    for source in [core_sources()[1]] + collect_sources([resources.sample_dir()]):
        quads.extend(parse_source(source))
    g = rdflib_graph(quads)
    return {str(p): str(g.value(p, RDFS.label)) for p in g.subjects(RDF.type, CKG.Person)
            if (p, CKG.consent, CONSENT_PUBLIC) not in g}


@pytest.fixture(scope="module")
def internal_answer(db) -> dict:
    return expertise.who_knows(db, ["W&T", "digitale geletterdheid"], "internal", "nl")


def route(app, href: str) -> tuple[str, dict]:
    """The endpoint and arguments a local link resolves to."""
    parts = urlsplit(href)
    assert not parts.scheme and not parts.netloc, href
    return app.url_map.bind("localhost").match(parts.path)


# --- /who-knows ---------------------------------------------------------------------------

def test_page_lists_the_ranked_results_with_their_evidence(app, client, internal_answer) -> None:
    resp = client.get(WT_DL, headers=INTERNAL)
    assert resp.status_code == 200
    page = parse(resp.get_data(as_text=True))
    assert not page.error
    expected = internal_answer["results"]
    assert [r["iri"] for r in page.results] == [r["iri"] for r in expected]
    assert [r["label"] for r in page.results] == [r["label"] for r in expected]
    assert [r["score"].replace("score", "").strip() for r in page.results] == \
        [f"{r['score']:g}".replace(".", ",") for r in expected]
    base = app.config["KG_BASE_IRI"]
    for shown, r in zip(page.results, expected):
        # per topic the strongest items first (the rest folded under "show all"), none lost
        folded = [e for t in dict.fromkeys(e["topic"]["iri"] for e in r["evidence"])
                  for e in sorted((e for e in r["evidence"] if e["topic"]["iri"] == t), key=lambda e: -e["weight"])]
        assert [(e["kind"], e["topic"], e["weight"]) for e in shown["evidence"]] == \
            [(e["kind"], e["topic"]["iri"], e["weight"]) for e in folded]
        r = dict(r, evidence=folded)
        # Every result and every evidence partner links to its page.
        assert route(app, shown["href"]) == ("linked_data.document", {"local": r["iri"][len(base):]})
        for e_shown, e in zip(shown["evidence"], r["evidence"]):
            if e["via"]:
                assert route(app, e_shown["via"]) == ("linked_data.document", {"local": e["via"]["iri"][len(base):]})


def test_page_in_english_and_public_view_shows_no_hidden_names(client, hidden_names) -> None:
    html = client.get(WT_DL + "&lang=en").get_data(as_text=True)
    page = parse(html)
    assert ("html", {"lang": "en"}) in page.tags
    assert "Science & Technology" in page.text and page.results
    text = "".join(page.text)
    assert not [n for n in hidden_names.values() if n in text]
    assert any(r["iri"] in hidden_names for r in page.results)   # present, under an anonymous label


def test_type_filter_on_the_page(client, internal_answer) -> None:
    page = parse(client.get(WT_DL + "&type=artefact", headers=INTERNAL).get_data(as_text=True))
    assert [r["iri"] for r in page.results] == [r["iri"] for r in internal_answer["results"] if r["type"] == "artefact"]
    checked = [a["value"] for t, a in page.tags if t == "input" and a.get("name") == "type" and "checked" in a]
    assert checked == ["artefact"]


def test_unknown_topic_gives_a_message_with_clickable_suggestions(client) -> None:
    resp = client.get("/who-knows?topic=W%26T&topic=digitale+geletterheid")
    assert resp.status_code == 200
    page = parse(resp.get_data(as_text=True))
    assert page.error and not page.results
    assert "Onbekend thema" in "".join(page.text)
    link = page.suggestions[0]
    assert link["text"] == "digitale geletterdheid"
    assert parse_qs(urlsplit(link["href"]).query)["topic"] == ["W&T", "digitale geletterdheid"]
    followed = parse(client.get(link["href"]).get_data(as_text=True))
    assert followed.results and not followed.error
    english = parse(client.get("/who-knows?topic=digitale+geletterheid&lang=en").get_data(as_text=True))
    assert "Unknown topic" in "".join(english.text)


def test_empty_form_and_add_topic_without_javascript(client) -> None:
    page = parse(client.get("/who-knows").get_data(as_text=True))
    fields = [a for t, a in page.tags if t == "input" and a.get("name") == "topic"]
    assert len(fields) == 1 and fields[0]["data-autocomplete"].startswith("/api/search")
    assert "kind=topic" in fields[0]["data-autocomplete"]
    page = parse(client.get("/who-knows?topic=W%26T&add=1").get_data(as_text=True))
    values = [a.get("value") for t, a in page.tags if t == "input" and a.get("name") == "topic"]
    assert values == ["W&T", ""]


# --- /api/who-knows -----------------------------------------------------------------------

def test_api_returns_exactly_the_documented_shape(client, db, internal_answer) -> None:
    resp = client.get("/api/who-knows?topic=W%26T&topic=digitale+geletterdheid", headers=INTERNAL)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    body = resp.get_json()
    # one page (20) of the whole answer, each result with where it works (tests/test_finder_pages.py)
    assert len(internal_answer["results"]) <= 20
    assert {**body, "results": [{k: v for k, v in r.items() if k != "workplace"} for r in body["results"]]} == \
        json.loads(json.dumps({**internal_answer, "total": len(internal_answer["results"]), "limit": 20, "offset": 0,
                               "next": None, "previous": None,
                               "filters": {"types": list(expertise.TYPES), "organisation": None, "network": None}}))
    assert set(body) == {"topics", "results", "total", "limit", "offset", "next", "previous", "filters"}
    assert all(set(t) == {"iri", "label", "text"} for t in body["topics"])
    for r in body["results"]:
        assert set(r) == {"iri", "label", "type", "class", "score", "evidence", "workplace"}
        assert set(r["class"]) == {"iri", "label"}
        for e in r["evidence"]:
            assert set(e) == {"kind", "topic", "via", "level", "matched", "weight", "label"}
            assert set(e["topic"]) == {"iri", "label"}
            assert e["via"] is None or set(e["via"]) == {"iri", "label"}
            assert e["level"] is None or set(e["level"]) == {"iri", "label"}
    public = client.get("/api/who-knows?topic=W%26T&topic=digitale+geletterdheid&lang=en").get_json()
    assert [{k: v for k, v in r.items() if k != "workplace"} for r in public["results"]] == json.loads(json.dumps(
        expertise.who_knows(db, ["W&T", "digitale geletterdheid"], "public", "en")["results"]))


@pytest.mark.parametrize("query, code", [
    ("topic=digitale+geletterheid", "unknown-topic"),
    ("topic=W%26T&topic=digitale+geletterheid", "unknown-topic"),
    ("", "no-topic"),
    ("topic=+", "no-topic"),
    ("topic=W%26T&type=school", "bad-type"),
])
def test_api_errors_are_400_with_dutch_and_english_messages(client, query: str, code: str) -> None:
    resp = client.get("/api/who-knows?" + query)
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["error"]["code"] == code
    assert body["error"]["nl"] and body["error"]["en"] and body["error"]["nl"] != body["error"]["en"]
    if code == "unknown-topic":
        assert body["topics"] == [{"text": "digitale geletterheid", "problem": "unknown", "suggestions": [
            {"iri": "https://w3id.org/connective-kg/vocab/topic/digital-literacy", "label": "digitale geletterdheid"}]}]


# --- search -------------------------------------------------------------------------------

def test_api_search_for_the_autocomplete(app, client, db) -> None:
    body = client.get("/api/search?q=W%26T&limit=5").get_json()
    assert set(body) == {"query", "results"} and body["query"] == "W&T"
    expected = search(db, "W&T", "public", "nl", 5)
    assert [(h["iri"], h["label"], h["kind"], h["matched"]) for h in body["results"]] == \
        [(h["iri"], h["label"], h["kind"], h["matched"]) for h in expected]
    for h in body["results"]:
        assert set(h) == {"iri", "label", "kind", "kind_label", "matched", "url"}
        if h["kind"] == "topic":
            assert parse_qs(urlsplit(h["url"]).query)["topic"] == [h["label"]]
            assert route(app, h["url"])[0] == "finder.who_knows_page"
        else:
            assert route(app, h["url"])[0] == "linked_data.document"
    topics = client.get("/api/search?q=ge&kind=topic&lang=en").get_json()["results"]
    assert topics and {h["kind"] for h in topics} == {"topic"} and {h["kind_label"] for h in topics} == {"topic"}
    assert client.get("/api/search?q=").get_json() == {"query": "", "results": []}


@pytest.mark.parametrize("query", ["q=a&limit=0", "q=a&limit=abc", "q=a&limit=1000", "q=a&kind=school"])
def test_api_search_rejects_bad_parameters(client, query: str) -> None:
    resp = client.get("/api/search?" + query)
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["code"] in ("bad-limit", "bad-kind") and error["nl"] and error["en"] and error["nl"] != error["en"]


def test_search_page_lists_hits_linking_to_their_pages(app, client, db) -> None:
    page = parse(client.get("/search?q=kijkwijzer", headers=INTERNAL).get_data(as_text=True))
    expected = search(db, "kijkwijzer", "internal", "nl", 50)
    assert [(h["iri"], h["label"]) for h in page.hits] == [(h["iri"], h["label"]) for h in expected]
    assert all(route(app, h["href"])[0] == "linked_data.document" for h in page.hits)
    assert "no-results" in {a.get("id") for _, a in parse(client.get("/search?q=zzzqqq").get_data(as_text=True)).tags}


HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>",
           '</q></p><script>alert(2)</script>', '{{ 7*7 }}']


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("path", ["/search?q=", "/who-knows?topic=", "/who-knows?topic=W%26T&topic=",
                                  "/who-knows?topic=W%26T&type="])
def test_html_in_parameters_comes_back_escaped(client, path: str, text: str) -> None:
    from urllib.parse import quote

    html = client.get(path + quote(text)).get_data(as_text=True)
    page = parse(html)
    scripts = [a for t, a in page.tags if t == "script"]
    assert scripts and all(a.get("src", "").startswith("/static/") for a in scripts)
    assert not [t for t, a in page.tags if t in ("img", "svg")]
    assert not [(t, k) for t, a in page.tags for k in a if k.startswith("on")]
    if any(c in text for c in "<>\"'"):
        assert text not in html                    # never raw
    if "type=" not in path:
        assert text in "".join(page.text)          # but shown, as text (and a template is not evaluated)


# --- kg who-knows ---------------------------------------------------------------------------

def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=120)


def test_cli_table(sample_build, internal_answer) -> None:
    table = kg("who-knows", "W&T", "digitale geletterdheid", "--store", str(sample_build[0].path))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["#", "label", "type", "score", "bewijs"]
    rows, footer = lines[2:-1], lines[-1]
    assert len(rows) == len(internal_answer["results"])
    assert footer == f"1-{len(rows)} van {len(rows)}"   # one page holds them all
    for i, (line, r) in enumerate(zip(rows, internal_answer["results"]), 1):
        assert line.startswith(f"{i} ") and r["label"] in line and f" {r['score']:g} " in line
        assert "Wetenschap & Techniek:" in line and "digitale geletterdheid:" in line


def test_cli_json_is_the_documented_shape_and_public_hides_names(sample_build, db, hidden_names) -> None:
    js = kg("who-knows", "w&t", "DIGITAL LITERACY", "--format", "json", "--public", "--lang", "en",
            "--store", str(sample_build[0].path))
    assert js.returncode == 0, js.stderr
    body = json.loads(js.stdout)
    assert [{k: v for k, v in r.items() if k != "workplace"} for r in body["results"]] == json.loads(json.dumps(
        expertise.who_knows(db, ["w&t", "DIGITAL LITERACY"], "public", "en")["results"]))
    assert body["total"] == len(body["results"]) and body["next"] is None
    assert [t["text"] for t in body["topics"]] == ["w&t", "DIGITAL LITERACY"]
    assert body["results"] and not [n for n in hidden_names.values() if n in js.stdout]


def test_cli_unknown_topic_exits_2_with_suggestions(sample_build) -> None:
    bad = kg("who-knows", "W&T", "digitale geletterheid", "--store", str(sample_build[0].path))
    assert bad.returncode == 2 and not bad.stdout
    assert "Onbekend thema: 'digitale geletterheid'" in bad.stderr and "Unknown topic" in bad.stderr
    assert "'digitale geletterdheid'" in bad.stderr
    usage = kg("who-knows", "--store", str(sample_build[0].path))
    assert usage.returncode == 2 and "TOPICS" in usage.stderr
