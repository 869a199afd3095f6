"""Who-knows in pages (issue 13): kg.answers.expertise.who_knows_page against the whole answer
(who_knows, the oracle) on the Twente sample and on a generated region; the filters against the
store's own statements; the page, the API and the command line.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
from answer_types import mismatches
from conftest import TOKEN, generated_store

from kg.answers import expertise
from kg.model.namespaces import CKG
from kg.sparql import queries
from kg.store import run_query
from web import create_app

INTERNAL = {"Authorization": f"Bearer {TOKEN}"}
ORG = "http://www.w3.org/ns/org#"
QUESTIONS = [["W&T"], ["W&T", "digitale geletterdheid"], ["onderzoekend leren"], ["digitale geletterdheid"]]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """A generated region of 300 people, built into a real store."""
    return generated_store(tmp_path_factory.mktemp("finder-pages"), 300, seed=11).open()


def _without_workplace(results: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "workplace"} for r in results]


def all_pages(db: ox.Store, topics: list[str], limit: int, **kw) -> tuple[list[dict], list[dict]]:
    """Every page, following "next" from offset 0: (the pages, their results in order)."""
    pages, offset = [], 0
    while offset is not None:
        page = expertise.who_knows_page(db, topics, limit=limit, offset=offset, **kw)
        assert page["offset"] == offset and page["limit"] == limit
        assert len(page["results"]) <= limit
        pages.append(page)
        offset = page["next"]
        assert len(pages) < 1000
    return pages, [r for p in pages for r in p["results"]]


def assert_pages_match(db: ox.Store, topics: list[str], limit: int, view: str = "internal", lang: str = "nl",
                       types: list[str] | None = None) -> None:
    oracle = expertise.who_knows(db, topics, view, lang, types)["results"]
    pages, got = all_pages(db, topics, limit, view=view, lang=lang, types=types)
    iris = [r["iri"] for r in got]
    assert len(iris) == len(set(iris)), "a result repeated across pages"
    assert _without_workplace(got) == oracle, "paged results differ from the whole answer (lost, moved or changed)"
    assert all(p["total"] == len(oracle) for p in pages)
    for n, p in enumerate(pages):
        assert p["previous"] == (None if n == 0 else max(0, p["offset"] - limit))
        assert (p["next"] is None) == (n == len(pages) - 1)


def test_pages_with_the_snapshots_memo_are_the_same_and_rank_once_per_generation(tmp_path) -> None:
    """Pages 2, 3, ... reuse the ranking page 1 computed (Snapshot.memo), and give the same pages as
    without it; a committed change moves the generation, and the next page ranks the new data."""
    from kg.ingest import pipeline as ingest
    from kg.ingest.read import read_path
    from kg.model import resources
    from kg.store import GraphStore
    from kg.store.snapshot import Snapshot

    store = GraphStore(tmp_path / "s")
    base = "https://knll-twente.example/id/"
    assert ingest.ingest(read_path(resources.sample_dir().parent / "twente-templates"), "twente", base,
                         store).committed
    snapshot = Snapshot(store)
    counted: list[tuple] = []

    def memo(generation: str | None, key: tuple, compute):
        def counting():
            counted.append(key)
            return compute()
        return snapshot.memo(generation, key, counting)

    def pages(**kw) -> list[dict]:
        out, offset = [], 0
        while offset is not None:
            generation, db = snapshot.current()
            page = expertise.who_knows_page(db, ["W&T"], limit=7, offset=offset,
                                            memo=functools.partial(memo, generation), **kw)
            out.append(page)
            offset = page["next"]
        return out

    _, db = snapshot.current()
    oracle = all_pages(db, ["W&T"], 7)[0]
    assert len(oracle) > 2
    assert pages() == oracle
    assert len(counted) == 1, "the ranking was computed again for a later page"
    public = all_pages(db, ["W&T"], 7, view="public")[0]
    assert pages(view="public") == public and len(counted) == 2

    # a committed change: a new person who knows about W&T, with public consent
    before = snapshot.generation
    result = ingest.check_edit(store, "twente", "people", "add", None, {
        "id": "p-memo", "name": "Memo Proef", "roles": "leraar", "organisation": "s-de-bron", "consent": "openbaar",
        "expertise": "Wetenschap & Techniek"})
    assert result.ok, [p.message("en") for p in result.problems]
    ingest.commit(result, store)
    assert snapshot.current()[0] != before
    after = pages(view="public")
    assert len(counted) == 3
    assert after[0]["total"] == public[0]["total"] + 1
    assert "Memo Proef" in {r["label"] for p in after for r in p["results"]}


@pytest.mark.parametrize("topics", QUESTIONS, ids=lambda t: "+".join(t))
@pytest.mark.parametrize("limit", [1, 7, 20])
def test_pages_are_the_whole_answer_in_order_on_the_sample(sample_db, topics: list[str], limit: int) -> None:
    assert_pages_match(sample_db, topics, limit)


def test_pages_in_the_public_view_english_and_by_type(sample_db) -> None:
    assert_pages_match(sample_db, ["W&T"], 5, view="public", lang="en")
    assert_pages_match(sample_db, ["W&T"], 4, types=["person", "network"])


@pytest.mark.parametrize("topics", [["W&T"], ["digitale geletterdheid", "W&T"]], ids=lambda t: "+".join(t))
def test_pages_are_the_whole_answer_in_order_on_a_generated_region(generated, topics: list[str]) -> None:
    assert_pages_match(generated, topics, 20)


def test_order_is_stable_and_ties_are_broken_by_label_then_iri(generated) -> None:
    first = all_pages(generated, ["W&T"], 20)[1]
    again = all_pages(generated, ["W&T"], 13)[1]
    assert [r["iri"] for r in first] == [r["iri"] for r in again]
    keys = [(-r["score"], r["label"].casefold(), r["iri"]) for r in first]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert any(a[0] == b[0] for a, b in zip(keys, keys[1:])), "no tie in the answer: the test checks nothing"


def test_a_page_past_the_end_is_empty_with_the_total(sample_db) -> None:
    total = len(expertise.who_knows(sample_db, ["W&T"])["results"])
    page = expertise.who_knows_page(sample_db, ["W&T"], limit=20, offset=total + 5)
    assert page["results"] == [] and page["total"] == total and page["next"] is None
    assert page["previous"] == total - 15


def test_ranking_scores_are_the_whole_answers(generated) -> None:
    asked = expertise.resolve_topics(generated, ["W&T", "digitale geletterdheid"])
    ranked = expertise.ranking(generated, asked)
    oracle = expertise.who_knows(generated, ["W&T", "digitale geletterdheid"])["results"]
    assert [(r["iri"], r["label"], r["kind"], r["score"]) for r in ranked] == \
        [(r["iri"], r["label"], r["type"], r["score"]) for r in oracle]


def _rows(results) -> list[tuple]:
    names = [v.value for v in results.variables]
    return [tuple(None if r[n] is None else str(r[n]) for n in names) for r in results]


@pytest.mark.parametrize("where", ["sample", "generated"])
def test_evidence_of_one_actor_is_the_topic_evidence_filtered_to_it(where: str, sample_db, generated) -> None:
    db = sample_db if where == "sample" else generated
    topic = queries.resolve_topic(db, "W&T")
    whole = _rows(queries.run(db, "expertise-evidence", {"topic": topic.value}))
    actors = sorted({row[0] for row in whole})
    assert actors
    for actor in actors[:80]:
        bindings = {"topic": topic, "actor": ox.NamedNode(actor[1:-1]), "lang": ox.Literal("nl")}
        assert _rows(run_query(db, queries.get("expertise-evidence-of").text, bindings)) == \
            [row for row in whole if row[0] == actor], actor


# --- filters ---------------------------------------------------------------------------------

def _objects(db: ox.Store, s: str, p: str) -> set[str]:
    return {q.object.value for q in db.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), None, None)}


def _subjects(db: ox.Store, p: str, o: str) -> set[str]:
    return {q.subject.value for q in db.quads_for_pattern(None, ox.NamedNode(p), ox.NamedNode(o), None)}


def in_organisation(db: ox.Store, org: str) -> set[str]:
    """The organisation, its sub-organisations and the people affiliated with any of them, read
    from the stored statements (no SPARQL)."""
    orgs = {org} | _subjects(db, ORG + "transitiveSubOrganizationOf", org)
    return orgs | {p for o in orgs for p in _subjects(db, CKG + "affiliatedWith", o)}


def in_network(db: ox.Store, network: str) -> set[str]:
    members = {m for node in _subjects(db, ORG + "organization", network) for m in _objects(db, node, ORG + "member")}
    return {network} | members | _subjects(db, ORG + "transitiveSubOrganizationOf", network)


@pytest.mark.parametrize("organisation", ["s-de-esch", "s-het-palet", "b-primus"])
def test_organisation_filter_keeps_exactly_its_people(sample_db, organisation: str) -> None:
    org = queries.resolve_actor(sample_db, organisation).value
    keep = in_organisation(sample_db, org)
    oracle = [r for r in expertise.who_knows(sample_db, ["W&T"])["results"] if r["iri"] in keep]
    pages, got = all_pages(sample_db, ["W&T"], 3, organisation=organisation)
    assert _without_workplace(got) == oracle
    assert pages[0]["total"] == len(oracle) and pages[0]["filters"]["organisation"]["iri"] == org
    for r in got:
        if r["type"] == "person":
            assert {o["iri"] for o in r["workplace"]["organisations"]} & keep


@pytest.mark.parametrize("network", ["n-plg-wt", "n-team-de-esch", "n-knll"])
def test_network_filter_keeps_exactly_its_members(sample_db, network: str) -> None:
    iri = queries.resolve_actor(sample_db, network).value
    keep = in_network(sample_db, iri)
    oracle = [r for r in expertise.who_knows(sample_db, ["W&T"])["results"] if r["iri"] in keep]
    assert oracle, "the filter keeps no one: the test checks nothing"
    pages, got = all_pages(sample_db, ["W&T"], 4, network=network)
    assert _without_workplace(got) == oracle and pages[0]["total"] == len(oracle)


def test_filters_combine_with_the_kind(generated) -> None:
    # the organisation with the most memberships: a filter that keeps some and drops some
    answer = expertise.who_knows(generated, ["W&T"])["results"]
    counts: dict[str, int] = {}
    for q in generated.quads_for_pattern(None, ox.NamedNode(ORG + "organization"), None, None):
        counts[q.object.value] = counts.get(q.object.value, 0) + 1
    network = min(counts, key=lambda n: (-counts[n], n))
    keep = in_network(generated, network)
    oracle = [r for r in answer if r["iri"] in keep and r["type"] == "person"]
    assert 0 < len(oracle) < len(answer)
    _, got = all_pages(generated, ["W&T"], 20, network=network, types=["person"])
    assert _without_workplace(got) == oracle


@pytest.mark.parametrize("kw, code", [
    ({"organisation": "geen-organisatie"}, "unknown-organisation"),
    ({"network": "geen-netwerk"}, "unknown-network"),
    ({"limit": 0}, "bad-limit"),
    ({"limit": expertise.MAX_LIMIT + 1}, "bad-limit"),
    ({"limit": "x"}, "bad-limit"),
    ({"offset": -1}, "bad-offset"),
    ({"offset": "1.5"}, "bad-offset"),
])
def test_bad_filters_and_pages_are_errors_in_dutch_and_english(sample_db, kw: dict, code: str) -> None:
    with pytest.raises(expertise.FinderError) as e:
        expertise.who_knows_page(sample_db, ["W&T"], **kw)
    assert e.value.code == code and e.value.text.nl and e.value.text.en and e.value.text.nl != e.value.text.en


# --- web -------------------------------------------------------------------------------------

class Cards(HTMLParser):
    """The finder page's cards: per result its label, workplace text, shown and folded evidence;
    the total, the range and the pager's links."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[dict] = []
        self.links: dict[str, str] = {}
        self.total = ""
        self.range = ""
        self.ol_start: str | None = None
        self._in: list[str] = []
        self._details = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "ol" and a.get("id") == "results":
            self.ol_start = a.get("start")
        if tag == "li" and "result" in classes:
            self.cards.append({"iri": a["data-iri"], "label": "", "workplace": "", "first": None,
                               "shown": [], "folded": []})
        if tag == "details" and "more-evidence" in classes:
            self._details += 1
        if tag == "li" and "data-kind" in a and self.cards:
            self.cards[-1]["folded" if self._details else "shown"].append(float(a["data-weight"]))
        if tag == "a" and a.get("rel") in ("next", "prev"):
            self.links[a["rel"]] = a["href"]
        if "workplace" in classes and self.cards and self.cards[-1]["first"] is None:
            self.cards[-1]["first"] = "workplace"
        if tag == "span" and a.get("id") == "total":
            classes.append("total")
        if tag == "span" and ("kind" in classes) and self.cards and self.cards[-1]["first"] is None:
            self.cards[-1]["first"] = "evidence"
        self._in.append(" ".join(classes) + " " + tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "details" and self._details:
            self._details -= 1
        if self._in:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        where = " ".join(self._in)
        if "total" in where:
            self.total += data
        if "range" in where:
            self.range += data
        if self.cards and "workplace" in where:
            self.cards[-1]["workplace"] += data
        if self.cards and "actor a" in where:
            self.cards[-1]["label"] += data


@pytest.fixture(scope="module")
def client(sample_build):
    store, _ = sample_build
    return create_app({"KG_STORE": str(store.path), "TESTING": True, "KG_TOKEN": TOKEN,
                       "KG_SECRET_KEY": "pages-test"}).test_client()


def _cards(client, url: str) -> Cards:
    resp = client.get(url, headers=INTERNAL)
    assert resp.status_code == 200
    parsed = Cards()
    parsed.feed(resp.get_data(as_text=True))
    return parsed


def test_page_walks_the_whole_answer_with_next_links(client, sample_db) -> None:
    oracle = expertise.who_knows(sample_db, ["W&T"])["results"]
    url, seen, pages = "/who-knows?topic=W%26T&limit=7", [], 0
    while url:
        page = _cards(client, url)
        assert page.total.strip() == str(len(oracle))
        offset = int(parse_qs(urlsplit(url).query).get("offset", ["0"])[0])
        assert page.ol_start == str(offset + 1)
        assert page.range.strip() == f"{offset + 1}–{offset + len(page.cards)} van {len(oracle)}"
        seen += [c["iri"] for c in page.cards]
        if pages:
            assert "prev" in page.links
        url = page.links.get("next")
        if url:
            assert parse_qs(urlsplit(url).query)["limit"] == ["7"]
            assert parse_qs(urlsplit(url).query)["topic"] == ["W&T"]
        pages += 1
    assert seen == [r["iri"] for r in oracle] and pages == -(-len(oracle) // 7)


def test_cards_show_where_people_work_first_and_fold_the_evidence(client, sample_db) -> None:
    answer = expertise.who_knows_page(sample_db, ["W&T"], limit=20)
    page = _cards(client, "/who-knows?topic=W%26T")
    assert len(page.cards) == 20
    folded_any = False
    for card, r in zip(page.cards, answer["results"]):
        assert card["iri"] == r["iri"]
        if r["type"] == "person" and r["workplace"]["organisations"]:
            assert card["first"] == "workplace", f"{r['label']}: the workplace is not above the evidence"
            for item in r["workplace"]["organisations"] + r["workplace"]["roles"]:
                assert item["label"] in card["workplace"]
        # every evidence item is on the card: the strongest shown, the rest folded, none lost
        assert sorted(card["shown"] + card["folded"]) == sorted(e["weight"] for e in r["evidence"])
        assert len(card["shown"]) == min(3, len(r["evidence"]))
        assert not card["folded"] or min(card["shown"]) >= max(card["folded"])
        folded_any |= bool(card["folded"])
    assert folded_any, "no card folds its evidence: the test checks nothing"


def test_page_in_english_with_filters(client) -> None:
    page = _cards(client, "/who-knows?topic=W%26T&organisation=s-het-palet&lang=en")
    assert page.cards and "works at" in page.cards[0]["workplace"]
    assert " of " in page.range


def test_api_pages_and_filters(client, sample_db) -> None:
    oracle = expertise.who_knows(sample_db, ["W&T"])["results"]
    body = client.get("/api/who-knows?topic=W%26T&limit=10&offset=10&lang=nl", headers=INTERNAL).get_json()
    assert set(body) == {"topics", "results", "total", "limit", "offset", "next", "previous", "filters"}
    assert (body["total"], body["limit"], body["offset"], body["next"], body["previous"]) == \
        (len(oracle), 10, 10, 20, 0)
    assert _without_workplace(body["results"]) == json.loads(json.dumps(oracle[10:20]))
    for r in body["results"]:
        assert set(r["workplace"]) == {"organisations", "roles"}
    assert not mismatches(body, expertise.WhoKnowsPage)
    body = client.get("/api/who-knows?topic=W%26T&network=n-plg-wt&type=person", headers=INTERNAL).get_json()
    assert body["filters"]["network"]["label"] and body["filters"]["types"] == ["person"]
    assert all(r["type"] == "person" for r in body["results"])
    assert not mismatches(body, expertise.WhoKnowsPage)
    assert any(r["workplace"]["organisations"] for r in body["results"])
    assert any(e["via"] and e["level"] for r in body["results"] for e in r["evidence"])


@pytest.mark.parametrize("query, code", [
    ("limit=0", "bad-limit"), ("limit=101", "bad-limit"), ("offset=-3", "bad-offset"),
    ("organisation=nergens", "unknown-organisation"), ("network=nergens", "unknown-network"),
])
def test_api_page_errors_are_400_in_both_languages(client, query: str, code: str) -> None:
    resp = client.get("/api/who-knows?topic=W%26T&" + query)
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["code"] == code and error["nl"] and error["en"] and error["nl"] != error["en"]


def test_cli_pages(sample_build, sample_db) -> None:
    store, _ = sample_build
    oracle = expertise.who_knows(sample_db, ["W&T"])["results"]
    run = subprocess.run([sys.executable, "-m", "kg", "who-knows", "W&T", "--store", str(store.path),
                          "--limit", "5", "--offset", "5", "--format", "json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    body = json.loads(run.stdout)
    assert [r["iri"] for r in body["results"]] == [r["iri"] for r in oracle[5:10]]
    assert (body["total"], body["next"], body["previous"]) == (len(oracle), 10, 0)
    table = subprocess.run([sys.executable, "-m", "kg", "who-knows", "W&T", "--store", str(store.path),
                            "--limit", "5", "--offset", "5", "--lang", "en"], capture_output=True, text=True)
    assert table.returncode == 0 and f"6-10 of {len(oracle)}" in table.stdout and "--offset 10" in table.stdout
    lines = [line for line in table.stdout.splitlines() if line[:1].isdigit() and "  " in line]
    assert [line.split()[0] for line in lines[:5]] == ["6", "7", "8", "9", "10"]
    bad = subprocess.run([sys.executable, "-m", "kg", "who-knows", "W&T", "--store", str(store.path),
                          "--limit", "0"], capture_output=True, text=True)
    assert bad.returncode == 2
