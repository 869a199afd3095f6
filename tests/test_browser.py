"""A real headless Chromium (Debian's /usr/bin/chromium, driven by Python playwright) against the
live server: home page, the expertise finder for "W&T" + "digitale geletterdheid" (ranked people
with evidence), an actor page and the kijkwijzer's diffusion page, on a phone-sized and a
laptop-sized viewport. Screenshots go to tests/artifacts/ (git-ignored). Every request the
browser makes is recorded: none may leave 127.0.0.1.

The analytics pages of a network and of the kijkwijzer are opened signed in (the login form).

Needs the `chromium` package (apt) and the `playwright` Python package; never `playwright install`.
Skipped, with the reason, when either is missing."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        # belt and braces: no host name other than 127.0.0.1 resolves, so nothing could leave anyway
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
ARTIFACTS = ROOT / "tests" / "artifacts"
VIEWPORTS = {
    "phone": {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    "laptop": {"viewport": {"width": 1366, "height": 900}, "device_scale_factor": 1},
}

from playwright import sync_api  # noqa: E402  (installed by `make test` through the test extra)

# `make test` installs Debian's chromium (make browser); a missing browser is a failure, not a skip.
assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def local(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname == "127.0.0.1" and f"{parts.scheme}://{parts.netloc}" == origin


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_home_finder_actor_and_trace_in_a_real_browser(browser, live_server, name) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="nl-NL", **VIEWPORTS[name])
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    width = VIEWPORTS[name]["viewport"]["width"]

    def shot(what: str, at: str | None = None) -> None:
        """The screen as a reader sees it, scrolled to `at`; the laptop also gets the whole page."""
        if at:
            page.locator(at).first.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(ARTIFACTS / f"{what}-{name}.png"))
        if name == "laptop":
            page.screenshot(path=str(ARTIFACTS / f"{what}-{name}-full.png"), full_page=True)

    def fits() -> None:
        """No sideways scrolling of the page itself (pictures scroll inside their own box)."""
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, page.url

    try:
        # home: what this is, and the skip link appears on the first Tab (focus visible)
        page.goto(base + "/")
        assert page.locator("h1").inner_text().startswith("Wie leert met wie")
        assert page.locator("#entries li").count() == 4
        fits()
        shot("home")
        page.keyboard.press("Tab")
        skip = page.locator("a.skip-link")
        assert skip.evaluate("el => el === document.activeElement") and skip.bounding_box()["y"] >= 0
        assert skip.evaluate("el => getComputedStyle(el).outlineStyle") != "none"

        # the expertise finder through its form: two topics
        page.locator("header nav a", has_text="Wie weet wat?").click()
        page.wait_for_url("**/who-knows**")
        page.fill("#topic-1", "W&T")
        page.locator("#add-topic").click()
        page.locator("#topic-2").wait_for()
        page.fill("#topic-2", "digitale geletterdheid")
        page.locator("#finder button[type=submit]", has_text="Zoek wie het weet").click()
        page.locator("#results").wait_for()
        results = page.locator("#results > li.result")
        assert results.count() >= 3
        chips = page.locator("#results-heading .topic-chip").all_inner_texts()
        assert len(chips) == 2
        for i in range(3):
            assert results.nth(i).locator("ul.evidence li").count() >= 2   # evidence for both topics
        scores = [float(s.replace(",", ".")) for s in results.locator(".score").all_inner_texts()
                  if s.replace(",", ".").replace(".", "", 1).isdigit()]
        assert scores == sorted(scores, reverse=True)
        fits()
        shot("who-knows", "#results-heading")

        # an actor page from the first person in the results
        person = page.locator("#results > li.result[data-type=person] a.actor").first
        name_shown = person.inner_text()
        person.click()
        page.locator("#actor-title").wait_for()
        assert page.locator("#actor-title").inner_text() == name_shown
        assert page.locator("#neighbourhood svg.picture").is_visible()
        for section in ("facts", "memberships", "ties", "artefacts", "adoptions", "crossings", "agreements"):
            assert page.locator(f"#{section}").count() == 1
        fits()
        shot("actor")

        # the kijkwijzer's diffusion page from the home page's entry point
        page.goto(base + "/")
        page.locator("#entry-trace a").click()
        page.locator("#trace-h").wait_for()
        assert page.locator("#trace-h").inner_text() == "Kijkwijzer onderzoekend leren"
        assert page.locator("#adoption-table tbody tr").count() == 21
        spread = page.locator("svg.spread")
        assert spread.is_visible() and spread.locator("g.adoption").count() == 21
        assert page.locator("svg.curve").is_visible()
        assert page.locator("#derivation-tree li").count() == 4
        fits()
        shot("trace", "#spread")

        # a network page (members over time, core and periphery)
        page.goto(base + "/doc/n-plg-wt")
        assert page.locator("svg.growth g.bar").count() >= 9
        fits()
        shot("network", "#network")

        # English switch keeps the page
        page.locator("header nav a[hreflang=en]").click()
        page.wait_for_url("**/doc/n-plg-wt?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("#memberships-h").inner_text().startswith("Memberships")
    finally:
        context.close()

    assert requests, "the browser made no requests?"
    outside = [u for u in requests if not local(u, base)]
    assert not outside, f"requests left 127.0.0.1: {outside}"
    assert not errors, f"console errors (CSP violations show up here): {errors}"


TW = "https://knll-twente.example/id/"


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_analytics_pages_in_a_real_browser(browser, live_server, name) -> None:
    """The analytics page of a network (sociogram with isolates and brokers marked) and of the
    kijkwijzer (adoption tree and curve), signed in through the login form; screenshots of the
    sociogram and the diffusion picture."""
    from conftest import TOKEN

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="nl-NL", **VIEWPORTS[name])
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    width = VIEWPORTS[name]["viewport"]["width"]

    def shot(what: str, at: str) -> None:
        """The screen scrolled to `at` (as a reader sees it); the laptop also gets the whole page."""
        page.locator(at).first.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(ARTIFACTS / f"{what}-{name}.png"))
        if name == "laptop":
            page.screenshot(path=str(ARTIFACTS / f"{what}-{name}-full.png"), full_page=True)

    def fits() -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, page.url

    def nodes(flag: str) -> set[str]:
        return {n.get_attribute("data-iri")
                for n in page.locator(f"#sociogram-figure svg.sociogram g.node[data-{flag}=true]").all()}

    try:
        # public view first: the isolated kleuter teachers are there, but not by name
        page.goto(base + "/analytics?actor=n-team-de-esch")
        assert page.locator("#analytics-h").inner_text() == "Team Basisschool De Esch"
        assert page.locator("#sociogram-figure svg.sociogram g.node").count() == 16
        assert "Carla Stoffers" not in page.locator("#analytics").inner_text()

        # sign in through the form (CSRF token included), then the network's page from its actor page
        page.goto(base + "/login")
        page.fill("#token", TOKEN)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(base + "/")
        assert page.locator("p.view-badge.internal").count() == 1
        page.goto(base + "/doc/n-team-de-esch")
        page.locator("#analytics-link").click()
        page.wait_for_url("**/analytics?actor=**")
        assert page.locator("#analytics").get_attribute("data-kind") == "network"
        assert page.locator("#analytics").get_attribute("data-iri") == TW + "n-team-de-esch"

        sociogram = page.locator("#sociogram-figure svg.sociogram")
        assert sociogram.is_visible()
        assert sociogram.locator("g.node").count() == 16 and sociogram.locator("line.edge").count() >= 30
        assert sociogram.locator("g.legend").count() == 1
        assert nodes("isolated") == {TW + "p038", TW + "p039", TW + "p040"}
        assert sociogram.locator("g.node .isolate-mark").count() == 3
        assert nodes("broker") == {TW + "p030", TW + "p044"}     # Sophie Lansink, Erik Huttenhuis
        assert sociogram.locator("g.node .broker-mark").count() == 2
        desc = sociogram.locator("desc").text_content()
        assert "Carla Stoffers" in desc and "Sophie Lansink" in desc
        isolates = page.locator("#isolate-list li").all_inner_texts()
        assert len(isolates) == 3 and any("Carla Stoffers" in t for t in isolates)
        assert page.locator("#members-table tbody tr").count() == 16
        assert page.locator("#depth-figure svg.depth g.bar").count() == 4
        ei = float(page.locator("#openness-figures [data-key=ei_index] dd").inner_text())
        assert -1 <= ei < 0                                      # a closed team: most ties stay inside
        assert page.locator("#sociogram .formats a.download").count() == 2   # SVG and PNG
        fits()
        shot("analytics-sociogram", "#sociogram")

        # the kijkwijzer: adoption tree and cumulative curve
        page.goto(base + "/analytics?actor=a-kijkwijzer-ol")
        assert page.locator("#analytics").get_attribute("data-kind") == "artefact"
        tree = page.locator("#tree-figure svg.adoption-tree")
        assert tree.is_visible()
        assert tree.locator("g.adoption").count() == 18            # 18 schools, 21 adoptions
        assert tree.locator("path.edge").count() >= 10
        curve = page.locator("#curve-figure svg.adoption-curve")
        assert curve.is_visible() and curve.locator("polyline.adoptions-line").count() == 1
        points = curve.locator("polyline.adoptions-line").get_attribute("points").split()
        assert len(points) >= 2
        ys = [float(p.split(",")[1]) for p in points]
        assert ys == sorted(ys, reverse=True)                    # cumulative: never goes down
        assert page.locator("#adoptions-table tbody tr").count() == 21
        assert page.locator("#next-table tbody tr").count() == 7
        centre = page.locator(f"#sociogram-figure svg.sociogram g.node[data-iri='{TW}a-kijkwijzer-ol']")
        assert centre.get_attribute("data-kind") == "artefact"
        fits()
        shot("analytics-diffusion", "#diffusion")
    finally:
        context.close()

    assert requests, "the browser made no requests?"
    outside = [u for u in requests if not local(u, base)]
    assert not outside, f"requests left 127.0.0.1: {outside}"
    assert not errors, f"console errors (CSP violations show up here): {errors}"


def test_screenshots_exist() -> None:
    """The screenshots of the runs above (kept out of git; docs/screenshots has copies)."""
    assert ARTIFACTS.exists(), "the browser test above saves its screenshots here"
    for what in ("home", "who-knows", "actor", "trace", "network", "analytics-sociogram", "analytics-diffusion"):
        for name in VIEWPORTS:
            f = ARTIFACTS / f"{what}-{name}.png"
            assert f.exists() and f.stat().st_size > 10_000, f


def copy_to_docs() -> None:
    """Refresh docs/screenshots from the last run: `python -c 'import tests.test_browser as t; t.copy_to_docs()'`."""
    target = ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    for f in sorted(ARTIFACTS.glob("*.png")):
        shutil.copy(f, target / f.name)
