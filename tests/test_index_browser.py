"""The evaluation index in a real browser (Debian's headless Chromium, driven by Playwright) against
a served Plaza: a visitor opens the ranking, narrows it to one department type, follows an
account to its page and sees its history drawn — nothing fetched from elsewhere, nothing the
Content-Security-Policy refuses. Uses the Chromium fixture of :mod:`tests.test_browser`
(``PLAZA_TEST_BROWSER=required`` makes a missing Chromium a failure)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.test_browser import chromium  # noqa: F401  (the fixture)
from tests.test_index_compute import square  # noqa: F401  (the fixture)
from tests.test_index_web import ranked  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def test_a_visitor_filters_the_ranking_follows_an_account_and_sees_its_chart(
        chromium, live_server, ranked) -> None:  # noqa: F811
    base = live_server.url
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    # The top navigation leads to the ranking of the newest computed month.
    page.goto(base + "/")
    page.click("nav.hotlinks a[href='/index']")
    page.wait_for_url(base + "/index")
    rows = page.locator("#index-ranking tbody tr.index-row")
    assert [rows.nth(i).get_attribute("data-username") for i in range(rows.count())] == [
        "cq_fabu", "cd_fabu", "cq_gongan"]
    assert "▲2" in rows.first.inner_text()

    # Narrow it to public security: one account, first of its group, second-to-last no more.
    page.select_option("#index-department-type", "public_security")
    page.click("#index-apply")
    page.wait_for_url(re.compile(r".*/index\?.*department_type=public_security"))
    assert rows.count() == 1 and rows.first.get_attribute("data-username") == "cq_gongan"
    assert rows.first.locator(".index-rank").inner_text() == "1"
    assert "两周未更新" in rows.first.locator(".index-flag").first.inner_text()
    assert page.locator("#index-department-type").input_value() == "public_security"
    assert "department_type=public_security" in (page.locator(".index-exports a", has_text="CSV").get_attribute("href")
                                                 or "")

    # Its page: ranks in its groups and its history, drawn.
    rows.first.locator("a").click()
    page.wait_for_url(base + "/index/accounts/cq_gongan?period=2026-11")
    assert "第 1 / 1" in page.locator(".index-rank-list [data-group='department_type']").inner_text()
    chart = page.locator("svg#index-history")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    assert chart.locator("polyline").count() == 2  # its composite and its group's median
    assert chart.locator("circle").count() == 4  # two months each
    assert "综合指数走势" in chart.locator("title").first.text_content()

    own = urlsplit(base).netloc
    assert all(urlsplit(url).netloc == own for url in requested if url.startswith("http"))
    assert not problems, problems
    context.close()
