"""The matrix and campaign pages as a person uses them in a browser without JavaScript (Starlette's
test client): reading in Chinese and English, following a whole matrix, and the forms with which
staff and a matrix's owner manage matrices and campaigns. Both database backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from starlette.testclient import TestClient

from plaza.accounts.government import GovernmentProfile
from plaza.instance import Plaza
from plaza.matrices import campaigns, matrices
from plaza.matrices.campaigns import CampaignSpec
from plaza.matrices.matrices import MatrixSpec
from plaza.square import accounts, posts
from tests.factories import citizen, government, post
from tests.test_web_pages import csrf, sign_in


def cast(plaza: Plaza) -> SimpleNamespace:
    c = SimpleNamespace()
    c.cq = government(plaza, "cq_fabu", "重庆发布")
    c.police = government(plaza, "cq_police", "平安重庆", department_type="public_security",
                          agency="重庆市公安局", parent="cq_fabu")
    c.wanzhou = government(plaza, "wanzhou_fabu", "万州发布", region_code="500101", level="county",
                           agency="中共重庆市万州区委宣传部", parent="cq_fabu")
    c.sc = accounts.create(plaza.db, username="sc_fabu", display_name="四川发布", password="government pass 1",
                           home_city="510100", email="press@sc.example.org", kind="government",
                           government=GovernmentProfile("四川省人民政府新闻办公室", "510000", "provincial", "publicity"))
    c.admin = citizen(plaza, "plaza_admin", role="admin")
    c.li = citizen(plaza, "shancheng", "山城小李", email="li@example.org")
    c.matrix = matrices.create(plaza.db, c.admin, MatrixSpec("重庆政务矩阵", "region", region_code="500000",
                                                             description="重庆市及区县政务微博", owner_id=c.cq.id))
    return c


def campaign_with_activity(plaza: Plaza, c: SimpleNamespace) -> int:
    now = datetime.now(UTC)
    campaign = campaigns.create(plaza.db, c.cq, c.matrix.id, CampaignSpec(
        "一起守护这座城", now - timedelta(hours=2), now + timedelta(days=2), "山火联动"))
    opening = post(plaza, c.cq, "#一起守护这座城# 【火情通报】北碚区山火")
    posts.reblog(plaza.db, c.police, opening)
    posts.reblog(plaza.db, c.li, opening)
    return int(campaign.id)


def test_visitors_read_matrices_in_chinese_and_english_without_private_data(client, plaza) -> None:
    c = cast(plaza)
    post(plaza, c.wanzhou, "万州今日天气晴，长江水位平稳")
    listing = client.get("/matrices")
    assert listing.status_code == 200
    assert "政务矩阵" in listing.text and "重庆政务矩阵" in listing.text and "3 个成员" in listing.text
    assert 'action="/matrices"' not in listing.text  # no create form for visitors

    page = client.get(f"/matrices/{c.matrix.id}")
    assert page.status_code == 200
    text = page.text
    assert "重庆发布" in text and "平安重庆" in text and "万州发布" in text and "四川发布" not in text
    assert text.index("省级") < text.index("区县级")  # members grouped by level, higher first
    assert "万州今日天气晴" in text  # recent activity of the members
    assert "一键关注全部成员" in text and "/signin?next=" in text
    assert "press@sc.example.org" not in text and "li@example.org" not in text
    assert "管理矩阵" not in text

    english = client.get(f"/matrices/{c.matrix.id}?lang=en")
    assert '<html lang="en">' in english.text and "Follow all members" in english.text
    assert "Provincial" in english.text and "Members" in english.text
    assert "Government matrices" in client.get("/matrices", headers={"Accept-Language": "en"}).text
    missing = client.get("/matrices/12345?lang=zh-CN")
    assert missing.status_code == 404 and "政务矩阵不存在" in missing.text
    assert client.get("/matrices/abc").status_code == 404


def test_a_signed_in_citizen_follows_and_unfollows_the_whole_matrix(client, plaza) -> None:
    c = cast(plaza)
    assert sign_in(client, "shancheng").status_code == 303
    token = csrf(client, f"/matrices/{c.matrix.id}")
    followed = client.post(f"/matrices/{c.matrix.id}/follow", data={"csrf_token": token}, follow_redirects=False)
    assert followed.status_code == 303 and followed.headers["location"].endswith("?followed=3")
    page = client.get(followed.headers["location"])
    assert "已关注 3 个新账号" in page.text and "你已关注其中 3/3 个" in page.text
    assert "一键关注全部成员" not in page.text  # nothing left to follow
    assert accounts.find_by_username(plaza.db, "shancheng").following_count == 3
    assert client.post(f"/matrices/{c.matrix.id}/follow", data={}, follow_redirects=False).status_code == 403
    client.post(f"/matrices/{c.matrix.id}/unfollow", data={"csrf_token": token})
    assert accounts.find_by_username(plaza.db, "shancheng").following_count == 0


def test_following_needs_signing_in(client, plaza) -> None:
    c = cast(plaza)
    response = client.post(f"/matrices/{c.matrix.id}/follow", data={}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/signin")


def test_staff_create_a_matrix_by_region_and_see_form_errors_in_place(client, plaza) -> None:
    cast(plaza)
    sign_in(client, "plaza_admin")
    form = client.get("/matrices")
    assert 'action="/matrices"' in form.text and "按地区" in form.text
    token = csrf(client, "/matrices")
    refused = client.post("/matrices", data={"csrf_token": token, "name": "混合", "kind": "manual",
                                             "members": "cq_fabu, shancheng"})
    assert refused.status_code == 422
    assert "@shancheng 不是已认证的政务号" in refused.text and 'value="混合"' in refused.text
    made = client.post("/matrices", data={"csrf_token": token, "name": "四川政务矩阵", "kind": "region",
                                          "region_code": "510000"}, follow_redirects=False)
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert "矩阵已组建" in page.text and "四川发布" in page.text and "管理矩阵" in page.text


def test_a_government_account_builds_its_own_tree_and_manages_it(client, plaza) -> None:
    c = cast(plaza)
    sign_in(client, "cq_fabu", "government pass 1")
    token = csrf(client, "/matrices")
    made = client.post("/matrices", data={"csrf_token": token, "name": "重庆发布矩阵", "kind": "tree",
                                          "root": "cq_fabu"}, follow_redirects=False)
    assert made.status_code == 303
    matrix_url = made.headers["location"].split("?")[0]
    matrix_id = int(matrix_url.rsplit("/", 1)[1])
    assert {m.account.username for m in matrices.members(plaza.db, matrix_id)} == {
        "cq_fabu", "cq_police", "wanzhou_fabu"}
    outside = client.post(f"{matrix_url}/members", data={"csrf_token": token, "usernames": "sc_fabu"})
    assert outside.status_code == 403 and "@sc_fabu 不是你的下级账号" in outside.text
    removed = client.post(f"{matrix_url}/members/{c.wanzhou.id}/remove", data={"csrf_token": token},
                          follow_redirects=False)
    assert removed.status_code == 303
    assert "成员已移出" in client.get(removed.headers["location"]).text
    synced = client.post(f"{matrix_url}/sync", data={"csrf_token": token}, follow_redirects=False)
    assert synced.status_code == 303
    assert "wanzhou_fabu" not in {m.account.username for m in matrices.members(plaza.db, matrix_id)}

    # Another account's matrix: no management, and a forged form is refused.
    page = client.get(f"/matrices/{c.matrix.id}")
    assert "管理矩阵" in page.text  # 重庆发布 owns the region matrix the administrator made for it
    sign_in(client, "sc_fabu", "government pass 1")
    assert "管理矩阵" not in client.get(f"/matrices/{matrix_id}").text
    token = csrf(client, f"/matrices/{matrix_id}")
    forbidden = client.post(f"/matrices/{matrix_id}/delete", data={"csrf_token": token})
    assert forbidden.status_code == 403 and "只有矩阵的负责账号" in forbidden.text


def test_an_owner_starts_a_campaign_and_its_page_shows_who_joined(client, plaza) -> None:
    c = cast(plaza)
    sign_in(client, "cq_fabu", "government pass 1")
    token = csrf(client, f"/matrices/{c.matrix.id}")
    bad = client.post(f"/matrices/{c.matrix.id}/campaigns", data={
        "csrf_token": token, "topic": "一起守护这座城", "starts_at": "2022-08-28T12:00", "ends_at": "2022-08-21T12:00"})
    assert bad.status_code == 422 and "结束时间必须晚于开始时间" in bad.text
    now = datetime.now(UTC) + timedelta(hours=8)  # the form is in Beijing time
    started = client.post(f"/matrices/{c.matrix.id}/campaigns", data={
        "csrf_token": token, "topic": "#一起守护这座城#", "title": "山火联动",
        "starts_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")}, follow_redirects=False)
    assert started.status_code == 303
    campaign_url = started.headers["location"]
    opening = post(plaza, c.cq, "#一起守护这座城# 【火情通报】北碚区山火")
    posts.reblog(plaza.db, c.police, opening)
    posts.reblog(plaza.db, c.li, opening)
    page = client.get(campaign_url)
    assert page.status_code == 200
    text = page.text
    assert "山火联动" in text and 'href="/topics/%E4%B8%80%E8%B5%B7%E5%AE%88%E6%8A%A4%E8%BF%99%E5%BA%A7%E5%9F%8E"' in text
    assert "2/3" in text and "67%" in text and "未上榜" in text and "进行中" in text
    assert text.index("重庆发布") < text.index("平安重庆")  # in the order they joined
    assert "尚未参与（1）" in text and "万州发布" in text
    assert f"/@cq_fabu/{opening}" in text and "【火情通报】北碚区山火" in text  # the propagation table
    ended = client.post(f"{campaign_url}/end", data={"csrf_token": token}, follow_redirects=False)
    assert "活动已结束" in client.get(ended.headers["location"]).text
    english = client.get(f"{campaign_url}?lang=en").text
    assert "Linked propagation" in english and "Ended" in english and "Coverage" in english
    deleted = client.post(f"{campaign_url}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert deleted.headers["location"] == f"/matrices/{c.matrix.id}"
    assert client.get(campaign_url).status_code == 404


def test_a_campaign_page_is_public_and_offers_no_controls_to_visitors(client, plaza) -> None:
    c = cast(plaza)
    campaign_id = campaign_with_activity(plaza, c)
    page = client.get(f"/campaigns/{campaign_id}")
    assert page.status_code == 200 and "联动传播" in page.text and "提前结束" not in page.text
    with TestClient(client.app, base_url="http://127.0.0.1:8000") as browser:
        assert "Who joined" in browser.get(f"/campaigns/{campaign_id}",
                                            headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert client.get("/campaigns/999").status_code == 404
