"""The upload page in a real headless Chromium (as tests/test_browser.py): a workbook with
errors is checked, the report shows each problem at its template/row/column, and nothing leaves
127.0.0.1. Saves tests/artifacts/ingest-report-{phone,laptop}.png (docs/screenshots has a copy)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from conftest import ROOT, TOKEN, LiveServer
from playwright import sync_api  # noqa: E402
from test_browser import ARGS, ARTIFACTS, CHROMIUM, VIEWPORTS, local

from kg.ingest import blank
from kg.ingest.read import read_path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from web import create_app

    path = tmp_path_factory.mktemp("ingest-browser")
    app = create_app({"KG_STORE": str(path / "store"), "KG_TOKEN": TOKEN, "KG_SECRET_KEY": "s",
                      "KG_UPLOAD_DIR": str(path / "uploads")})
    srv = LiveServer(app)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def workbook_with_errors(tmp_path_factory) -> Path:
    wb = read_path(ROOT / "data" / "twente-templates")
    rows = {n: [dict(r.cells) for r in t.rows] for n, t in wb.tables.items()}
    bad = copy.deepcopy(rows)
    bad["people"][3]["organisation"] = "s-de-brom"            # people row 5: a typo in an id
    bad["memberships"][5]["level"] = "heel actief"             # memberships row 7: not in the list
    bad["ties"][2]["year"] = "2019-2020"                       # ties row 4: not a year
    folder = tmp_path_factory.mktemp("wb")
    blank.write_xlsx(folder / "twente-fouten.xlsx", bad)
    model = copy.deepcopy(rows)
    model["intents"][0]["to"] = "2023-05-31"                   # intents row 2: shorter than a year (SHACL)
    model["covenants"][1]["parties"] = "i-pabo"                # covenants row 3: one party (SHACL)
    model["organisations"][0]["brin"] = "12-AB"                # organisations row 2: not a BRIN number (SHACL)
    blank.write_xlsx(folder / "twente-model.xlsx", model)
    blank.write_xlsx(folder / "twente.xlsx", rows)
    small = {n: rows[n] for n in ("organisations", "networks")} | {"people": rows["people"][:20]}
    blank.write_xlsx(folder / "andere-regio.xlsx", small)   # another region's workbook, 20 people
    return folder / "twente-fouten.xlsx"


def upload(page, base_url: str, path: Path) -> None:
    """Upload `path` as region twente: chosen in the list when stored, else as a new region."""
    page.goto(base_url + "/ingest")
    page.set_input_files("#file", str(path))
    if page.locator("#region option[value=twente]").count():
        page.select_option("#region", "twente")
        assert not page.locator("#new_region").is_visible()   # the new-region fields only for a new region
    else:
        page.select_option("#region", "_new")
        page.fill("#new_region", "twente")
        page.fill("#new_base", "https://knll-twente.example/id/")
    page.locator("#upload-form button[type=submit]").click()
    page.locator("#report").wait_for()


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_upload_report_in_a_real_browser(server, workbook_with_errors, name) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(locale="nl-NL", extra_http_headers={"Authorization": f"Bearer {TOKEN}"},
                                      **VIEWPORTS[name])
        context.on("request", lambda req: requests.append(req.url))
        page = context.new_page()
        try:
            page.goto(server.url + "/ingest")
            assert page.locator("#region").input_value() == ""   # the form starts empty
            upload(page, server.url, workbook_with_errors)
            rows = page.locator("#problems tbody tr")
            got = {tuple(rows.nth(i).locator(f"td.{c}").inner_text() for c in ("template", "row", "column"))
                   for i in range(rows.count())}
            # table errors come first: the SHACL check runs once these are fixed
            assert got == {("people", "5", "organisation"), ("memberships", "7", "level"), ("ties", "4", "year")}
            assert page.locator("#commit-form").count() == 0 and page.locator("#annotated").is_visible()
            page.locator("#report").evaluate("el => el.scrollIntoView({block: 'start'})")
            page.screenshot(path=str(ARTIFACTS / f"ingest-report-{name}.png"))
            # with the table errors fixed, the check against the model (SHACL) reports at the cells too
            upload(page, server.url, workbook_with_errors.with_name("twente-model.xlsx"))
            rows = page.locator("#problems tbody tr.sev-error")
            got = {tuple(rows.nth(i).locator(f"td.{c}").inner_text() for c in ("template", "row", "column", "value"))
                   for i in range(rows.count())}
            assert got == {("intents", "2", "to", "2023-05-31"), ("covenants", "3", "parties", "i-pabo"),
                           ("organisations", "2", "brin", "12-AB")}
            page.locator("#report").evaluate("el => el.scrollIntoView({block: 'start'})")
            page.screenshot(path=str(ARTIFACTS / f"ingest-report-model-{name}.png"))
            # a clean workbook: what committing changes, then the confirmation commits it
            upload(page, server.url, workbook_with_errors.with_name("twente.xlsx"))
            assert page.locator("#changes").is_visible() and page.locator("#most-people").count() == 0
            page.locator("#commit").click()
            page.locator("#committed").wait_for()
            # another region's workbook on twente: people 114 -> 20, committed only with the extra tick
            upload(page, server.url, workbook_with_errors.with_name("andere-regio.xlsx"))
            people = page.locator('#changes tr[data-template="people"]')
            assert [people.locator(f"td.{c}").inner_text() for c in ("before", "after", "removed")] == \
                ["114", "20", "94"]
            assert page.locator("#most-people").is_visible()
            page.locator("#changes").evaluate("el => el.scrollIntoView({block: 'start'})")
            page.screenshot(path=str(ARTIFACTS / f"ingest-changes-{name}.png"))
            page.locator("#commit").click()   # the browser itself refuses: the tick is required
            assert page.locator("#committed").count() == 0 and page.locator("#confirm-removal").is_visible()
            page.locator("#confirm-removal").check()
            page.locator("#commit").click()
            page.locator("#committed").wait_for()
        finally:
            context.close()
            browser.close()
    outside = [u for u in requests if not local(u, server.url)]
    assert requests and not outside, outside
