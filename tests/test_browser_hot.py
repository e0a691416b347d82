"""Hot search in a real browser (Debian's headless Chromium, driven by Playwright) against a served
Plaza: the open hot list replaces itself after a refresh without reloading the page, and the
topic page draws its heat curve. Uses the Chromium fixture of :mod:`tests.test_browser`."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import httpx
import pytest

from plaza.square import accounts
from tests.hotsupport import bearer_for, seasoned
from tests.test_browser import chromium  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

RAIN = "重庆暴雨"


def _post(base: str, headers: dict[str, str], text: str) -> None:
    response = httpx.post(base + "/api/v1/statuses", json={"status": text, "plaza_city": "500000"},
                          headers=headers, timeout=10)
    assert response.status_code == 200, response.text


def test_the_open_hot_list_updates_itself_after_a_refresh(chromium, live_server) -> None:  # noqa: F811
    plaza = live_server.plaza
    base = live_server.url
    plaza.hot.refresh_seconds = 2  # the page asks again every 2 s (the background refresh is a minute away)
    admin_row = seasoned(plaza, "hot_admin", "500000")
    accounts.set_flags(plaza.db, admin_row.id, role="admin")
    admin = bearer_for(plaza, admin_row)
    authors = [bearer_for(plaza, seasoned(plaza, f"cq{n}", "500000")) for n in range(3)]

    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(base + "/hot?city=500000")
    assert "热搜榜尚未生成" in page.locator("#hot-list").inner_text()
    page.evaluate("window.plazaTestMarker = 'same page'")  # gone if the page reloads

    for n, author in enumerate(authors):
        _post(base, author, f"#{RAIN}# 第{n}条：道路积水，请绕行")
    refreshed = httpx.post(base + "/api/plaza/v1/admin/hot/refresh", headers=admin, timeout=10)
    assert refreshed.status_code == 200

    page.wait_for_selector("#hot-list .hot-entries a.hot-topic", timeout=15_000)
    assert page.locator("#hot-list .hot-entries a.hot-topic").first.inner_text() == f"#{RAIN}#"
    assert page.locator("#hot-list .hot-label").first.inner_text() == "新"
    assert page.evaluate("window.plazaTestMarker") == "same page"
    assert page.url == base + "/hot?city=500000"

    # A pin and another refresh show up the same way.
    httpx.post(base + "/api/plaza/v1/admin/hot/pin", json={"topic": "防汛通告", "note": "市防汛办发布",
                                                          "city": "500000"}, headers=admin, timeout=10)
    httpx.post(base + "/api/plaza/v1/admin/hot/refresh", headers=admin, timeout=10)
    page.wait_for_selector("#hot-list .hot-entry.pinned", timeout=15_000)
    assert "市防汛办发布" in page.locator("#hot-list .hot-entry.pinned").inner_text()
    assert page.evaluate("window.plazaTestMarker") == "same page"

    # The topic page draws the curve of those refreshes; hovering a point tells its rank.
    page.locator("#hot-list .hot-entries a.hot-topic").first.click()
    page.wait_for_url(base + "/topics/" + quote(RAIN, safe=""))
    chart = page.locator("svg.heat-chart")
    assert chart.is_visible()
    assert page.locator("svg.heat-chart circle").count() == 2
    assert "第 1 名" in (page.locator("svg.heat-chart circle").first.locator("title").text_content() or "")
    assert page.locator(".topic-counters [data-counter=originals]").inner_text() == "3"
    context.close()

    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert hosts == {urlsplit(base).netloc}, f"requests left the server: {sorted(hosts)}"
    assert any(urlsplit(url).path == "/hot/list" for url in requested)  # the list came as a fragment
