"""The service desk in a real browser (Debian's headless Chromium, driven by Playwright) against a
served Plaza, and the same case from a real Mastodon client: a citizen posts "@mas_fabu …" from the
web compose box, the desk's operator triages it from the queue with the keyboard, the department's
operator acknowledges and replies from the inbox, the citizen rates it on the case page — and
follows every step in the post's thread, on the web and in mastodon-py. Uses the Chromium fixture
of :mod:`tests.test_browser` (``PLAZA_TEST_BROWSER=required`` makes a missing Chromium a failure)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from mastodon import Mastodon
from sqlalchemy import select

from plaza.desk import cases
from plaza.identity import tokens
from plaza.instance import Plaza
from plaza.storage.schema import cases as cases_table
from tests.support.desks import INFRASTRUCTURE, mas_desk
from tests.test_browser import chromium  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"  # what tests.factories.citizen sets
REPORT = "@mas_fabu 花山区湖东路和解放路路口的路灯坏了一个多星期，晚上很黑 #马上办#"
REPLY = "路灯已于今日更换，感谢您的反映。"
#: What the desk says in the thread at each step (plaza.i18n.messages case_notice_*), in order.
STEPS_IN_THREAD = ["已收到您的诉求", "已受理", "已转 @mas_cgj 办理", "@mas_cgj 已签收", "@mas_cgj 答复",
                   "感谢您的评价", "已办结"]


def signed_in(browser: Any, base: str, login: str, password: str = PASSWORD) -> Any:
    """A browser context of its own, signed in as ``login``."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/signin")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("form[action='/signin'] button[type=submit]")
    page.wait_for_url(base + "/home")
    return page


def case_row(plaza: Plaza, case_id: int) -> Any:
    with plaza.db.read() as conn:
        return cases.load(conn, case_id)


def test_a_case_from_a_post_goes_to_a_rating_in_the_browser_and_in_a_mastodon_app(chromium, live_server) -> None:  # noqa: F811
    plaza = live_server.plaza
    base = live_server.url
    mas = mas_desk(plaza)
    requested: list[str] = []

    # The citizen posts to the desk from the web compose box: the post opens a case.
    citizen = signed_in(chromium, base, "mas_resident")
    citizen.on("request", lambda request: requested.append(request.url))
    citizen.fill("#compose-text", REPORT)
    citizen.click("form.compose button[type=submit]")
    citizen.wait_for_url(base + "/home")
    status_id = int(citizen.locator("article.status").first.get_attribute("id").removeprefix("status-"))
    with plaza.db.read() as conn:
        case_id = conn.execute(select(cases_table.c.id).where(cases_table.c.source_status_id == status_id)).scalar()
    assert case_id is not None and case_row(plaza, case_id).county_code == "340503"

    # The desk's operator accepts it from the queue with the keyboard (j, a), opens it from the
    # open tab (o) and forwards it, choosing its category with the cascading pickers (a post
    # names none) and the department the rule names for it.
    operator = signed_in(chromium, base, "desk_li")
    operator.on("request", lambda request: requested.append(request.url))
    operator.goto(base + "/desks/mas_fabu/queue")
    row = operator.locator(f"#case-{case_id}")
    assert "路灯坏了" in row.locator(".case-excerpt").inner_text()
    operator.keyboard.press("j")
    assert "current" in (row.get_attribute("class") or "")
    operator.keyboard.press("a")
    operator.wait_for_url(f"**/desks/mas_fabu/queue?done=accept&case={case_id}")
    assert case_row(plaza, case_id).state == "accepted"
    assert "已完成：受理" in operator.locator(".notice").inner_text()
    operator.click("a[href*='view=open']")
    operator.wait_for_selector(f"#case-{case_id}.current")
    operator.keyboard.press("o")
    operator.wait_for_url(f"{base}/cases/{case_id}")
    forward = operator.locator("form[data-action=forward]")
    levels = forward.locator(".category-cascade select")
    for level, name in enumerate(INFRASTRUCTURE.split("/")):
        levels.nth(level).select_option(name)
    forward.locator("select[name=department]").select_option("mas_cgj")
    forward.locator("button[type=submit]").click()
    operator.wait_for_url(f"{base}/cases/{case_id}?done=forward&case={case_id}")
    case = case_row(plaza, case_id)
    assert case.state == "forwarded" and case.department_id == mas.cgj.id and case.category_id is not None
    assert "马鞍山城管" in operator.locator(".case-department").inner_text()

    # The department's operator acknowledges it and replies from the inbox.
    worker = signed_in(chromium, base, "cgj_wang")
    worker.on("request", lambda request: requested.append(request.url))
    worker.goto(base + "/departments/mas_cgj/inbox")
    worker.click(f"#inbox_to_acknowledge #case-{case_id} form[data-action=acknowledge] button")
    worker.wait_for_url("**/departments/mas_cgj/inbox?done=acknowledge*")
    in_hand = worker.locator(f"#inbox_in_progress #case-{case_id}")
    in_hand.locator("details:has(form[data-action=reply]) summary").click()
    in_hand.locator("form[data-action=reply] textarea[name=text]").fill(REPLY)
    in_hand.locator("form[data-action=reply] select[name=result]").select_option("resolved")
    in_hand.locator("form[data-action=reply] button[type=submit]").click()
    worker.wait_for_url("**/departments/mas_cgj/inbox?done=reply*")
    assert case_row(plaza, case_id).state == "replied"

    # The citizen rates it on the case page.
    citizen.goto(f"{base}/cases/{case_id}")
    assert REPLY in citizen.locator(".case-reply").inner_text()
    rate = citizen.locator("form[data-action=rate]")
    rate.locator("input[name=satisfaction][value=satisfied]").check()
    rate.locator("input[name=resolved][value=true]").check()
    rate.locator("button[type=submit]").click()
    citizen.wait_for_url(f"{base}/cases/{case_id}?done=rate&case={case_id}")
    assert "已办结" in citizen.locator(".case-head").inner_text()
    assert "满意" in citizen.locator(".case-rating").inner_text()
    steps = citizen.locator(".case-step .case-step-action").all_inner_texts()
    assert steps == ["提交诉求", "受理", "转办", "签收", "答复", "评价", "办结"]

    # Every step is in the post's thread, on the post's page …
    citizen.goto(f"{base}/@mas_resident/{status_id}")
    thread = citizen.locator(".feed").inner_text()
    positions = [thread.find(words) for words in STEPS_IN_THREAD]
    assert -1 not in positions and positions == sorted(positions), list(zip(STEPS_IN_THREAD, positions, strict=True))
    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert hosts == {urlsplit(base).netloc}, f"requests left the server: {sorted(hosts)}"
    for page in (citizen, operator, worker):
        page.context.close()

    # … and in a Mastodon app: the thread's replies and the notifications.
    secret, _ = tokens.issue(plaza.db, mas.citizen.id, None, frozenset({"read", "write"}))
    app = Mastodon(api_base_url=base, access_token=secret)
    replies = app.status_context(status_id).descendants
    assert {r.account.acct for r in replies} == {"mas_fabu"}
    said = [re.sub(r"<[^>]+>", "", r.content) for r in replies]  # the text of the HTML
    for words in STEPS_IN_THREAD:
        assert any(words in html for html in said), words
    assert any(REPLY[:10] in html for html in said)
    mentions = [n for n in app.notifications() if n.type == "mention" and n.account.acct == "mas_fabu"]
    assert {str(n.status.id) for n in mentions} == {str(r.id) for r in replies}


def test_the_web_forms_category_pickers_cascade_and_file_the_leaf(chromium, live_server) -> None:  # noqa: F811
    plaza = live_server.plaza
    base = live_server.url
    mas_desk(plaza)
    page = signed_in(chromium, base, "mas_resident")
    page.goto(base + "/desks/mas_fabu/new")
    levels = page.locator(".category-cascade select")
    assert levels.count() == 3 and page.locator("#case-category").is_hidden()
    assert levels.nth(1).is_hidden()  # nothing to choose below an empty first level
    levels.nth(0).select_option("城乡建设")
    levels.nth(1).select_option("城市建设和市政管理")
    levels.nth(2).select_option("城市公共设施")
    assert page.locator("#case-category").input_value() == INFRASTRUCTURE
    page.fill("#case-text", "雨山区湖东路的井盖丢了，很危险")
    page.select_option("#case-county", "340504")
    page.click("#case-submit")
    page.wait_for_url(f"{base}/cases/*?done=filed")
    case_id = int(urlsplit(page.url).path.rsplit("/", 1)[1])
    with plaza.db.read() as conn:
        case = cases.load(conn, case_id)
        assert cases.view(conn, case, cases.NOBODY)["category"] == INFRASTRUCTURE
    assert case.county_code == "340504" and case.source == "web"
    page.context.close()
