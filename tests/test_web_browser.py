"""The web UI in a real browser (Debian's Chromium driven by Playwright) on the demo corpus.

The server runs in a background thread (uvicorn, 127.0.0.1, a free port) on a copy of the demo
store. Skipped when /usr/bin/chromium or playwright is missing, except under CI=true.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

import test_web_api as shared
from parallax.web import create_app

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
HOSTILE = (
    "Harbour master says <script>alert('xss')</script> is harmless\n\n"
    "PORT LOREN — The harbour master of Port Loren said on Friday that the new quay "
    "<img src=x onerror=alert('img')> would open to container ships in the spring, after two "
    "years of dredging work that cost the town more than it had planned."
)
demo_db = shared.demo_db


def _require(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true requires the browser tests to run")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _require(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("playwright is not installed (pip install playwright==1.65.2)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a copy of the demo store, served by uvicorn in a thread; yields its base URL."""
    copy = tmp_path_factory.mktemp("browser") / "demo.db"
    shutil.copy(demo_db, copy)
    config = uvicorn.Config(create_app(f"sqlite:///{copy}", refresh=False), host="127.0.0.1",
                            port=_free_port(), log_level="warning")  # fmt: skip
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{config.port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser, server) -> Iterator[object]:
    """A fresh page that fails the test on any dialog (alert) or script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                        dialog.dismiss()))  # fmt: skip
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    yield opened
    context.close()
    assert problems == []


def _api(page, path: str) -> dict:
    return page.request.get(path).json()


def test_search_then_open_the_story_with_its_conflict_and_quotes(page):
    page.goto("/")
    assert page.locator(".story-card").count() >= 5
    page.fill("#q", "Lausanne")
    page.press("#q", "Enter")
    page.wait_for_url("**/?q=Lausanne*")
    cards = page.locator(".story-card")
    assert cards.count() >= 1
    assert cards.first.locator("mark").first.inner_text() == "Lausanne"
    cards.first.locator("h2 a").click()
    page.wait_for_url("**/stories/*")

    story_id = page.url.rsplit("/", 1)[-1]
    story = _api(page, f"/api/stories/{story_id}")
    place = next(c for c in story["conflicts"]
                 if any("lausanne" in v["value"].casefold() for v in c["values"]))  # fmt: skip
    conflicts = page.locator("#conflicts")
    for value in {v["value"] for v in place["values"]}:
        assert conflicts.get_by_text(value, exact=True).first.is_visible()
    quotes = page.locator("#quotes")
    assert story["quotes"], "the planted quote variants were not found"
    for variant in story["quotes"][0]["variants"]:  # shown without a trailing comma
        assert variant["text"].strip(" ,;:") in quotes.inner_text()


def test_switching_the_side_by_side_pair(page):
    stories = _api(page, "/api/stories")["stories"]
    story = _api(page, f"/api/stories/{stories[0]['id']}")
    ids = [a["id"] for a in story["articles"]]
    page.goto(f"/stories/{stories[0]['id']}#side-by-side")
    right = page.locator("select[name=b]")
    assert right.input_value() == ids[1]
    right.select_option(ids[3])  # the page script submits the form at once
    page.wait_for_url(f"**b={ids[3]}*")
    assert page.locator("select[name=b]").input_value() == ids[3]
    columns = page.locator(".pair-col")
    assert columns.nth(1).locator(".chip").first.inner_text().startswith("4")
    shared_mark = columns.nth(0).locator("mark.shared").first
    shared_mark.hover()
    assert columns.nth(1).locator("mark.linked").count() >= 1


def test_ingest_a_pasted_article_and_find_it_in_its_story(page):
    page.goto("/ingest")
    page.fill("textarea[name=text]", shared.GENEVA.replace("Tuesday", "Tuesday night"))
    page.fill("input[name=outlet]", "browser-test.example")
    page.click("button[type=submit]")
    page.wait_for_url("**/articles/*?added=new")
    assert "Article stored" in page.locator(".notice").inner_text()
    page.locator(".notice a").click()
    page.wait_for_url("**/stories/*")
    table = page.locator("#articles")
    assert table.get_by_text("browser-test.example").first.is_visible()
    assert table.get_by_text("Ministers agree on Lisec crossing after Geneva meeting").is_visible()


def test_hostile_markup_in_an_article_is_shown_as_text(page):
    page.goto("/ingest")
    page.fill("textarea[name=text]", HOSTILE)
    page.click("button[type=submit]")
    page.wait_for_url("**/articles/*")
    page.wait_for_load_state("load")
    heading = page.locator("h1").inner_text()
    assert heading == "Harbour master says <script>alert('xss')</script> is harmless"
    body = page.locator(".article-text").inner_text()
    assert "<img src=x onerror=alert('img')>" in body
    assert page.locator(".article-page img, .article-page script").count() == 0
    # the page fixture fails the test if any alert fired


@pytest.mark.parametrize("which", ["stories", "story"])
def test_pages_fit_a_phone_screen(browser, server, which):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server,
                                  is_mobile=True, has_touch=True)  # fmt: skip
    phone = context.new_page()
    path = "/"
    if which == "story":
        path = f"/stories/{_api(phone, '/api/stories')['stories'][0]['id']}"
    phone.goto(path)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
