"""Help requests in a real browser (Debian's headless Chromium, driven by Playwright) against a
served Plaza — issue 12's "done when": a request found in a post goes through verify → merge with
a duplicate → dispatch → claim (one winner among concurrent claims) → complete → publish, in the
browser. Uses the Chromium fixture of :mod:`tests.test_browser` (``PLAZA_TEST_BROWSER=required``
makes a missing Chromium a failure)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from plaza.help import requests
from plaza.instance import Plaza
from plaza.storage.schema import help_data_reads, help_requests
from tests.support.help import ADDRESS, FLOOD, PHONE, help_cast
from tests.test_browser import chromium  # noqa: F401  (the fixture)
from tests.test_desk_browser import signed_in

pytestmark = pytest.mark.browser

OWN_WORDS = "我家被困在金水区丰产路小区，水在涨"


def request_row(plaza: Plaza, request_id: int) -> Any:
    with plaza.db.read() as conn:
        return requests.load(conn, request_id)


def test_a_request_found_in_a_post_is_verified_merged_dispatched_claimed_once_completed_and_published(
        chromium, live_server) -> None:  # noqa: F811
    plaza = live_server.plaza
    base = live_server.url
    cast = help_cast(plaza)
    requested: list[str] = []

    # A citizen posts the request from the web compose box: screening makes a draft of it.
    citizen = signed_in(chromium, base, "zhang_wei")
    citizen.on("request", lambda request: requested.append(request.url))
    citizen.fill("#compose-text", FLOOD)
    citizen.click("form.compose button[type=submit]")
    citizen.wait_for_url(base + "/home")
    status_id = int(citizen.locator("article.status").first.get_attribute("id").removeprefix("status-"))
    with plaza.db.read() as conn:
        draft_id = conn.execute(select(help_requests.c.id).where(help_requests.c.source_status_id == status_id)).scalar()
    assert draft_id is not None
    draft = request_row(plaza, draft_id)
    assert draft.detected is True and draft.need == "rescue" and draft.requester_id == cast.requester.id

    # The same person also files the form: a duplicate (the same phone).
    citizen.click("nav.hotlinks a[href='/help']")
    citizen.click("a[href='/help/new']")
    citizen.check("input[name=need][value=rescue]")
    citizen.fill("#help-text", OWN_WORDS)
    citizen.fill("#help-people", "3")
    citizen.fill("#help-address", ADDRESS)
    citizen.fill("#help-phone", PHONE)
    citizen.fill("#help-name", "张伟")
    citizen.click("#help-submit")
    citizen.wait_for_url(f"{base}/help/*?done=filed")
    own_id = int(urlsplit(citizen.url).path.rsplit("/", 1)[1])
    assert "求助已提交" in citizen.locator(".notice").inner_text()
    assert request_row(plaza, own_id).similar_to == draft_id

    # A verifier takes the next one from the queue — the draft, the more urgent — and finds the
    # form's request among its possible duplicates; merges that one into it, then verifies it.
    verifier = signed_in(chromium, base, "verifier_li")
    verifier.on("request", lambda request: requested.append(request.url))
    verifier.goto(base + "/help/queue")
    rows = verifier.locator("#help-queue .help-row")
    assert rows.count() == 2 and rows.first.get_attribute("data-help-id") == str(draft_id)
    assert "从微博识别" in rows.first.inner_text()
    verifier.keyboard.press("j")
    assert "current" in (rows.nth(1).get_attribute("class") or "")
    verifier.keyboard.press("k")
    assert "current" in (rows.first.get_attribute("class") or "")
    verifier.click("#help-take-next")
    verifier.wait_for_url(f"{base}/help/{draft_id}")
    assert request_row(plaza, draft_id).locked_by == cast.verifier.id
    assert PHONE in verifier.locator(".help-contact").inner_text()
    verifier.click(f".help-duplicates a[href='/help/{own_id}']")
    verifier.wait_for_url(f"{base}/help/{own_id}")
    verify = verifier.locator("form[data-action=verify]")
    verify.locator("select[name=outcome]").select_option("duplicate")
    verify.locator("select[name=into]").select_option(str(draft_id))
    verify.locator("textarea[name=note]").fill("同一户，合并")
    verify.locator("button[type=submit]").click()
    verifier.wait_for_url(f"{base}/help/{own_id}?done=verify")
    assert request_row(plaza, own_id).state == "merged"
    verifier.click("a.help-merged-into")
    verifier.wait_for_url(f"{base}/help/{draft_id}")
    assert "网页表单" in verifier.locator(".help-sources-list").inner_text()  # the form joined as a source
    verify = verifier.locator("form[data-action=verify]")
    verify.locator("input[name=people]").fill("3")
    verify.locator("textarea[name=note]").fill("回电确认，3人被困二楼")
    verify.locator("button[type=submit]").click()
    verifier.wait_for_url(f"{base}/help/{draft_id}?done=verify")
    assert request_row(plaza, draft_id).state == "dispatched"  # offered to both teams at once
    assert "待认领" in verifier.locator(".case-head").inner_text()

    # Two teams open their pages; one claims, the other's claim is told it was taken.
    team = signed_in(chromium, base, "blue_sky_rescue")
    boats = signed_in(chromium, base, "henan_boats")
    for page, name in ((team, "blue_sky_rescue"), (boats, "henan_boats")):
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{base}/help/responders/{name}")
        assert page.locator(f"#help-offered #help-{draft_id} form[data-action=claim]").count() == 1
        assert PHONE not in page.locator("#help-offered").inner_text()
    team.click(f"#help-{draft_id} form[data-action=claim] button")
    team.wait_for_url(f"{base}/help/{draft_id}?done=claim")
    boats.click(f"#help-{draft_id} form[data-action=claim] button")
    boats.wait_for_load_state()
    assert "已被其他救援力量认领" in boats.locator(".error").inner_text()
    assert request_row(plaza, draft_id).responder_id == cast.team.id

    # The team completes it with the people helped.
    assert PHONE in team.locator(".help-contact").inner_text()
    complete = team.locator("form[data-action=complete]")
    complete.locator("textarea[name=note]").fill("冲锋舟将3人转移到安置点")
    complete.locator("input[name=people_helped]").fill("3")
    complete.locator("button[type=submit]").click()
    team.wait_for_url(f"{base}/help/{draft_id}?done=complete")
    assert request_row(plaza, draft_id).state == "completed"

    # The requester confirms from "my requests"; the request is published.
    citizen.goto(base + "/help/mine")
    citizen.click(f"#help-{draft_id} a[href$='-confirm']")
    citizen.locator("form[data-action=confirm] button[type=submit]").click()
    citizen.wait_for_url(f"{base}/help/{draft_id}?done=confirm")
    assert "已公示" in citizen.locator(".case-head").inner_text()
    assert request_row(plaza, draft_id).published_status_id is not None
    steps = citizen.locator(".case-step .case-step-action").all_inner_texts()
    assert steps[-3:] == ["完成", "确认", "公示"]

    # The public sees it published, and nothing personal.
    public = chromium.new_context(locale="zh-CN").new_page()
    public.on("request", lambda request: requested.append(request.url))
    for path in (f"/help/{draft_id}", "/help"):
        public.goto(base + path)
        shown = public.locator("main").inner_text()
        assert "已公示" in shown and "金水区" in shown
        for secret in (PHONE, "张伟", "丰产路", "3号楼", "安置点"):
            assert secret not in shown, (path, secret)
    with plaza.db.read() as conn:
        readers = {(r.account_id, r.via) for r in conn.execute(
            select(help_data_reads.c.account_id, help_data_reads.c.via).where(help_data_reads.c.request_id == draft_id))}
    assert (cast.verifier.id, "web") in readers and (cast.team.id, "web") in readers
    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert hosts == {urlsplit(base).netloc}, f"requests left the server: {sorted(hosts)}"
    for page in (citizen, verifier, team, boats, public):
        page.context.close()
