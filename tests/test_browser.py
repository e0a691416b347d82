"""The web pages in a real browser: Debian's headless Chromium, driven by Playwright, against a
served Plaza. Set ``PLAZA_TEST_BROWSER=required`` (CI does) to make a missing Chromium a failure."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from plaza.square import accounts

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_REQUIRED = os.environ.get("PLAZA_TEST_BROWSER", "").lower() == "required"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = Path("/tmp/plaza-square.png")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        if BROWSER_REQUIRED:
            pytest.fail(f"PLAZA_TEST_BROWSER=required but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_citizen_signs_up_posts_to_a_topic_and_reads_it_in_english(chromium, live_server) -> None:
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    base = live_server.url

    # Sign up (the home city comes from the grouped picker).
    page.goto(base + "/signup")
    page.fill("#username", "shancheng")
    page.fill("#display_name", "山城小李")
    page.fill("#password", PASSWORD)
    page.select_option("#home_city", "500000")
    page.click("form[action='/signup'] button[type=submit]")
    page.wait_for_url(base + "/home")
    assert accounts.find_by_username(live_server.plaza.db, "shancheng") is not None

    # Sign out, then sign in again.
    page.click("form[action='/signout'] button")
    page.wait_for_url(base + "/")
    page.goto(base + "/signin")
    page.fill("#login", "shancheng")
    page.fill("#password", PASSWORD)
    page.click("form[action='/signin'] button[type=submit]")
    page.wait_for_url(base + "/home")
    assert page.locator(".account-menu .me").inner_text().strip() == "山城小李"

    # Post with a Weibo-style topic; the counter follows the typing (code points, as the server).
    text = "#一起守护这座城# 北碚的志愿者们辛苦了！"
    page.fill("#compose-text", text)
    assert page.locator(".count[data-for=compose-text]").inner_text() == str(len(text))
    page.click("form.compose button[type=submit]")
    page.wait_for_url(base + "/home")
    newest = page.locator("article.status").first
    assert "北碚的志愿者们辛苦了" in newest.locator(".status-body").inner_text()

    # The topic link leads to the topic page, where the post is.
    newest.locator(".status-body a.hashtag").click()
    page.wait_for_url(base + "/topics/" + quote("一起守护这座城", safe=""))
    assert "北碚的志愿者们辛苦了" in page.locator(".feed").inner_text()
    assert "1 条讨论" in page.locator(".topic-count").inner_text()

    # Switch to English: labels change, the post stays.
    page.click("a.lang")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "1 posts" in page.locator(".topic-count").inner_text()
    assert page.locator(".topbar .hotlinks").inner_text().split() == ["Home", "The", "square", "My", "city",
                                                                     "Trending", "Help", "Index",
                                                                     "Notifications"]
    assert "Sign out" in page.locator(".account-menu").inner_text()
    page.goto(base + "/")
    assert "The square" in page.locator("h1").inner_text()  # the cookie keeps English

    # A look at the square in Chinese, for people (not an assertion).
    page.goto(base + "/?lang=zh-CN")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    context.close()

    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert requested and hosts == {urlsplit(base).netloc}, f"requests left the server: {sorted(hosts)}"
