"""The web pages, as a person uses them through a browser without JavaScript (Starlette's test
client), on both database backends."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from PIL import Image
from starlette.testclient import TestClient

from plaza import i18n
from plaza.accounts import kinds
from plaza.app import create_app
from plaza.config import load_settings
from plaza.i18n.ui import UI
from plaza.identity import oauth
from plaza.instance import Plaza
from plaza.square import accounts, posts, timelines
from tests.factories import citizen, government, post

PASSWORD = "correct horse battery"
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, path: str = "/signin") -> str:
    match = TOKEN_RE.search(client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def sign_in(client: TestClient, login: str, password: str = PASSWORD, next_url: str = "/home"):  # type: ignore[no-untyped-def]
    return client.post("/signin", data={"login": login, "password": password, "next": next_url,
                                        "csrf_token": csrf(client)}, follow_redirects=False)


def publish(client: TestClient, text: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {"text": text, "visibility": "public", "csrf_token": csrf(client, "/home"), **fields}
    return client.post("/statuses", data=data, follow_redirects=False)


def test_visitor_sees_the_square_in_chinese_and_english_on_request(client, plaza) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    post(plaza, cq, "#一起守护这座城# 北碚区山火明火已全部扑灭")

    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text and "广场" in page.text and "登录" in page.text
    assert "北碚区山火明火已全部扑灭" in page.text
    assert 'href="/?lang=en"' in page.text  # the language switch

    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.text and "The square" in english.text and "Sign in" in english.text
    assert english.cookies.get("plaza_lang") == "en"
    assert "The square" in client.get("/").text  # the cookie keeps the choice
    assert "广场" in client.get("/?lang=zh-CN").text

    with TestClient(client.app, base_url="http://127.0.0.1:8000") as browser:
        assert '<html lang="en">' in browser.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
        assert '<html lang="zh-CN">' in browser.get("/", headers={"Accept-Language": "fr"}).text


def test_sign_up_then_sign_in_then_post_with_topic_shows_on_topic_page(client, plaza) -> None:
    signup = client.post("/signup", data={
        "username": "shancheng", "display_name": "山城小李", "password": PASSWORD, "home_city": "500000",
        "email": "li@example.org", "csrf_token": csrf(client, "/signup")}, follow_redirects=False)
    assert signup.status_code == 303 and signup.headers["location"] == "/home"
    assert client.post("/signout", data={"csrf_token": csrf(client, "/home")},
                       follow_redirects=False).status_code == 303
    assert client.get("/home", follow_redirects=False).headers["location"].startswith("/signin")

    signed_in = sign_in(client, "li@example.org")  # the e-mail works as well as the username
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/home"
    assert "山城小李" in client.get("/home").text

    made = publish(client, "#一起守护这座城# 北碚的志愿者们辛苦了", next="/home")
    assert made.status_code == 303

    topic = client.get("/topics/" + quote("一起守护这座城"))
    assert topic.status_code == 200
    assert "北碚的志愿者们辛苦了" in topic.text
    assert "1 条讨论" in topic.text
    assert "北碚的志愿者们辛苦了" in client.get("/home").text
    assert "北碚的志愿者们辛苦了" in client.get("/").text


def test_topic_names_with_spaces_and_weibo_hashes_are_url_encoded(client, plaza) -> None:
    author = citizen(plaza)
    older = post(plaza, author, "#重庆 山火# 第一条")
    newer = post(plaza, author, "#重庆 山火# 第二条")
    page = client.get("/topics/" + quote("重庆 山火"))
    assert page.status_code == 200 and "2 条讨论" in page.text
    assert page.text.index(str(newer)) < page.text.index(str(older))  # newest first
    assert 'href="/topics/%E9%87%8D%E5%BA%86%20%E5%B1%B1%E7%81%AB"' in page.text


def test_form_without_csrf_token_is_refused(client, plaza) -> None:
    citizen(plaza, "li")
    refused = client.post("/signin", data={"login": "li", "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 403
    assert i18n.gettext("csrf_failed", "zh-CN") in refused.text

    assert sign_in(client, "li").status_code == 303
    for data in ({"text": "没有令牌"}, {"text": "错误令牌", "csrf_token": "forged"}):
        response = client.post("/statuses", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "页面已过期" in response.text
    english = client.post("/statuses?lang=en", data={"text": "x"}, follow_redirects=False)
    assert english.status_code == 403 and i18n.gettext("csrf_failed", "en") in english.text
    assert accounts.find_by_username(plaza.db, "li").statuses_count == 0


def test_sign_in_rotates_the_session_and_its_csrf_token(client, plaza) -> None:
    citizen(plaza, "li")
    before = csrf(client)
    assert sign_in(client, "li").status_code == 303
    after = csrf(client, "/home")
    assert after != before
    stale = client.post("/statuses", data={"text": "旧令牌", "csrf_token": before}, follow_redirects=False)
    assert stale.status_code == 403


def test_wrong_password_and_suspended_account_cannot_sign_in(client, plaza) -> None:
    li = citizen(plaza, "li")
    wrong = sign_in(client, "li", "not the password")
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    accounts.set_flags(plaza.db, li.id, suspended=True)
    suspended = sign_in(client, "li")
    assert suspended.status_code == 403 and "该账号已被封禁" in suspended.text


def test_sign_in_returns_only_to_pages_of_this_site(client, plaza) -> None:
    citizen(plaza, "li")
    assert sign_in(client, "li", next_url="https://evil.example/").headers["location"] == "/home"
    client.cookies.clear()
    assert sign_in(client, "li", next_url="//evil.example/x").headers["location"] == "/home"
    client.cookies.clear()
    assert sign_in(client, "li", next_url="/topics/x").headers["location"] == "/topics/x"


def test_government_profile_shows_badge_and_agency_card(client, plaza) -> None:
    government(plaza, "cq_fabu", "重庆发布")
    government(plaza, "beibei", "北碚发布", region_code="500109", level="county",
               department_type="emergency_management", agency="重庆市北碚区应急管理局", parent="cq_fabu")
    page = client.get("/@beibei")
    assert page.status_code == 200
    assert 'class="vbadge gov"' in page.text
    assert "重庆市北碚区应急管理局" in page.text
    assert "重庆市北碚区" in page.text  # the division code resolved to its full name
    assert "区县级" in page.text and "应急管理" in page.text
    assert 'href="/@cq_fabu"' in page.text and "重庆发布" in page.text

    english = client.get("/@beibei?lang=en").text
    assert "County" in english and "Emergency management" in english and "Parent account" in english

    citizen(plaza, "li")
    plain = client.get("/@li").text
    assert "vbadge" not in plain and "agency-card" not in plain


def test_media_and_organisation_accounts_wear_a_gold_badge(client, plaza) -> None:
    accounts.create(plaza.db, username="cqdaily", display_name="重庆日报", password=PASSWORD,
                    home_city="500000", kind="media")
    assert 'class="vbadge org"' in client.get("/@cqdaily").text


def test_email_addresses_are_never_shown_to_others(client, plaza) -> None:
    author = citizen(plaza, "li", email="li@example.org")
    post(plaza, author, "大家好")
    admin = citizen(plaza, "boss", role="admin")
    assert admin
    for path in ("/@li", "/", "/search?q=li"):
        assert "li@example.org" not in client.get(path).text
    sign_in(client, "boss")
    assert "li@example.org" not in client.get("/admin").text


def test_admin_page_is_forbidden_to_citizens(client, plaza) -> None:
    citizen(plaza, "li")
    assert client.get("/admin", follow_redirects=False).headers["location"].startswith("/signin")
    sign_in(client, "li")
    page = client.get("/admin")
    assert page.status_code == 403 and "你没有权限执行此操作" in page.text
    target = citizen(plaza, "other")
    token = csrf(client, "/home")
    assert client.post(f"/admin/accounts/{target.id}/suspend", data={"csrf_token": token}).status_code == 403
    assert client.post("/admin/verify", data={"csrf_token": token, "username": "other"}).status_code == 403
    assert not accounts.get(plaza.db, target.id).suspended


def test_admin_verifies_a_government_account(client, plaza) -> None:
    citizen(plaza, "boss", role="admin")
    government(plaza, "cq_fabu", "重庆发布")
    applicant = citizen(plaza, "yubei_fire", "渝北消防")
    sign_in(client, "boss")
    token = csrf(client, "/admin")
    done = client.post("/admin/verify", data={
        "csrf_token": token, "username": "yubei_fire", "agency": "重庆市渝北区消防救援支队",
        "region_code": "500112", "level": "county", "department_type": "fire_rescue",
        "parent_username": "cq_fabu"}, follow_redirects=False)
    assert done.status_code == 303
    verified = accounts.get(plaza.db, applicant.id)
    assert verified.kind == "government" and verified.region_code == "500112"
    assert verified.parent_id == accounts.find_by_username(plaza.db, "cq_fabu").id
    profile = client.get("/@yubei_fire").text
    assert 'class="vbadge gov"' in profile and "重庆市渝北区消防救援支队" in profile and "消防" in profile

    bad = client.post("/admin/verify", data={
        "csrf_token": token, "username": "yubei_fire", "agency": "某机构", "region_code": "999999",
        "level": "county", "department_type": "fire_rescue"})
    assert bad.status_code == 422 and "行政区划代码 999999 无效" in bad.text


def test_admin_approves_suspends_and_promotes(client, plaza) -> None:
    citizen(plaza, "boss", role="admin")
    waiting = citizen(plaza, "waiting", approved=False)
    rude = citizen(plaza, "rude")
    helper = citizen(plaza, "helper")
    sign_in(client, "boss")
    token = csrf(client, "/admin")
    for account, action in ((waiting, "approve"), (rude, "suspend"), (helper, "make_moderator")):
        assert client.post(f"/admin/accounts/{account.id}/{action}", data={"csrf_token": token},
                           follow_redirects=False).status_code == 303
    assert accounts.get(plaza.db, waiting.id).approved
    assert accounts.get(plaza.db, rude.id).suspended
    assert accounts.get(plaza.db, helper.id).role == "moderator"
    assert client.get("/@rude").status_code == 200  # staff still see a suspended profile


def test_moderator_may_suspend_citizens_but_not_change_roles(client, plaza) -> None:
    citizen(plaza, "mod", role="moderator")
    target = citizen(plaza, "target")
    boss = citizen(plaza, "boss", role="admin")
    sign_in(client, "mod")
    token = csrf(client, "/admin")
    assert client.get("/admin").status_code == 200
    assert client.post(f"/admin/accounts/{target.id}/make_moderator", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/admin/accounts/{boss.id}/suspend", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/admin/accounts/{target.id}/suspend", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert accounts.get(plaza.db, target.id).suspended and accounts.get(plaza.db, target.id).role == "user"


def test_verification_is_an_administrators_act_and_never_on_oneself(client, plaza) -> None:
    """A moderator verifies nobody as a government account — not a citizen, not itself, not the
    administrator; an administrator verifies others but not its own account."""
    mod = citizen(plaza, "mod", role="moderator")
    boss = citizen(plaza, "boss", role="admin")
    applicant = citizen(plaza, "yubei_fire", "渝北消防")
    fields = {"agency": "重庆市渝北区消防救援支队", "region_code": "500112", "level": "county",
              "department_type": "fire_rescue"}
    sign_in(client, "mod")
    token = csrf(client, "/admin")
    assert 'action="/admin/verify"' not in client.get("/admin").text
    for target in ("yubei_fire", "mod", "boss"):
        refused = client.post("/admin/verify", data={"csrf_token": token, "username": target, **fields})
        assert refused.status_code == 403 and "只有管理员可以认证政务号" in refused.text
    sign_in(client, "boss")
    token = csrf(client, "/admin")
    refused = client.post("/admin/verify", data={"csrf_token": token, "username": "boss", **fields})
    assert refused.status_code == 403
    for row in (mod, boss, applicant):
        assert accounts.get(plaza.db, row.id).kind == "citizen"
    done = client.post("/admin/verify", data={"csrf_token": token, "username": "yubei_fire", **fields},
                       follow_redirects=False)
    assert done.status_code == 303 and accounts.get(plaza.db, applicant.id).kind == "government"


def test_suspended_account_is_signed_out_and_hidden(client, plaza) -> None:
    li = citizen(plaza, "li")
    sign_in(client, "li")
    accounts.set_flags(plaza.db, li.id, suspended=True)
    assert client.get("/home", follow_redirects=False).status_code == 303
    assert client.get("/@li").status_code == 404


def test_city_feed_shows_only_that_city(client, plaza) -> None:
    chongqing = citizen(plaza, "cq", home_city="500000")
    chengdu = citizen(plaza, "cd", home_city="510100")
    post(plaza, chongqing, "重庆的火锅")
    post(plaza, chengdu, "成都的茶馆")
    post(plaza, chongqing, "在成都出差", city="510100")

    page = client.get("/city/500000")
    assert page.status_code == 200
    assert "重庆的火锅" in page.text and "成都的茶馆" not in page.text and "在成都出差" not in page.text
    chengdu_page = client.get("/city/510100").text
    assert "成都的茶馆" in chengdu_page and "在成都出差" in chengdu_page and "重庆的火锅" not in chengdu_page
    assert '<option value="510100" selected>' in chengdu_page  # the picker shows where we are

    assert client.get("/city/510104", follow_redirects=False).headers["location"] == "/city/510100"
    assert client.get("/city/123456").status_code == 404
    assert client.get("/city?code=510100", follow_redirects=False).headers["location"] == "/city/510100"
    sign_in(client, "cd")
    assert client.get("/city", follow_redirects=False).headers["location"] == "/city/510100"


def test_post_page_shows_the_thread_and_a_reply_form(client, plaza) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    citizen(plaza, "li")
    root = post(plaza, cq, "今晚有雷阵雨")
    sign_in(client, "li")
    replied = publish(client, "收到，注意安全", in_reply_to_id=str(root))
    assert replied.status_code == 303
    reply_id = int(replied.headers["location"].rsplit("/", 1)[1])

    thread = client.get(f"/@cq_fabu/{root}").text
    assert "今晚有雷阵雨" in thread and "收到，注意安全" in thread
    assert f'name="in_reply_to_id" value="{root}"' in thread
    reply_page = client.get(f"/@li/{reply_id}").text
    assert reply_page.index("今晚有雷阵雨") < reply_page.index("收到，注意安全")  # ancestor above
    assert client.get(f"/@li/{root}", follow_redirects=False).headers["location"] == f"/@cq_fabu/{root}"
    compose = client.get(f"/compose?in_reply_to_id={root}").text
    assert "回复 重庆发布" in compose and f'name="in_reply_to_id" value="{root}"' in compose
    assert client.get("/@cq_fabu/999").status_code == 404
    assert client.get("/@cq_fabu/abc").status_code == 404


def test_compose_page_counts_against_the_limit_and_keeps_text_on_error(client, plaza) -> None:
    citizen(plaza, "li")
    sign_in(client, "li")
    page = client.get("/compose").text
    assert 'data-max="2000"' in page and "/2000" in page and 'src="/static/plaza.js"' in page
    too_long = publish(client, "长" * 2001)
    assert too_long.status_code == 422
    assert "内容不能超过 2000 个字符（当前 2001 个）" in too_long.text
    assert "长" * 2001 in too_long.text


def test_like_and_repost_work_without_javascript(client, plaza) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    status_id = post(plaza, cq, "台风预警")
    citizen(plaza, "li")
    sign_in(client, "li")
    token = csrf(client, "/")
    for action in ("favourite", "reblog"):
        response = client.post(f"/statuses/{status_id}/{action}", data={"csrf_token": token, "next": "/"},
                               follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/"
    with plaza.db.read() as conn:
        row = posts.get_visible(conn, status_id, None)
    assert row.favourites_count == 1 and row.reblogs_count == 1
    page = client.get(f"/@cq_fabu/{status_id}").text
    assert f"/statuses/{status_id}/unfavourite" in page and f"/statuses/{status_id}/unreblog" in page
    client.post(f"/statuses/{status_id}/unfavourite", data={"csrf_token": token})
    with plaza.db.read() as conn:
        assert posts.get_visible(conn, status_id, None).favourites_count == 0
    note = client.get("/notifications")
    assert note.status_code == 200


def test_only_the_author_or_a_moderator_sees_delete_and_may_delete(client, plaza) -> None:
    author = citizen(plaza, "author")
    citizen(plaza, "stranger")
    citizen(plaza, "mod", role="moderator")
    first = post(plaza, author, "第一条")
    second = post(plaza, author, "第二条")

    assert "/delete" not in client.get(f"/@author/{first}").text  # visitors
    sign_in(client, "stranger")
    assert f"/statuses/{first}/delete" not in client.get(f"/@author/{first}").text
    refused = client.post(f"/statuses/{first}/delete", data={"csrf_token": csrf(client, "/home")})
    assert refused.status_code == 403

    client.cookies.clear()
    sign_in(client, "author")
    assert f"/statuses/{first}/delete" in client.get(f"/@author/{first}").text
    gone = client.post(f"/statuses/{first}/delete", data={"csrf_token": csrf(client, "/home"),
                                                         "next": f"/@author/{first}"}, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/@author"

    client.cookies.clear()
    sign_in(client, "mod")
    assert f"/statuses/{second}/delete" in client.get(f"/@author/{second}").text
    client.post(f"/statuses/{second}/delete", data={"csrf_token": csrf(client, "/home")})
    assert client.get(f"/@author/{second}").status_code == 404


def test_follow_and_unfollow_from_a_profile(client, plaza) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    post(plaza, cq, "欢迎关注重庆发布")
    citizen(plaza, "li")
    sign_in(client, "li")
    assert "欢迎关注重庆发布" not in client.get("/home").text
    token = csrf(client, "/@cq_fabu")
    assert client.post("/@cq_fabu/follow", data={"csrf_token": token},
                       follow_redirects=False).headers["location"] == "/@cq_fabu"
    assert "/@cq_fabu/unfollow" in client.get("/@cq_fabu").text
    assert "欢迎关注重庆发布" in client.get("/home").text
    client.post("/@cq_fabu/unfollow", data={"csrf_token": token})
    assert accounts.get(plaza.db, cq.id).followers_count == 0


def test_user_text_is_escaped(client, plaza) -> None:
    author = citizen(plaza, "li", display_name="<b>李</b>")
    post(plaza, author, '<script>alert("x")</script> #<img src=x>#')
    accounts.update_profile(plaza.db, author.id, note="<iframe src=//evil>")
    for path in ("/", "/@li"):
        text = client.get(path).text
        assert "<script>alert" not in text and "<b>李</b>" not in text and "<iframe" not in text
        assert "&lt;script&gt;" in text


def test_search_finds_posts_accounts_and_topics(client, plaza) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    post(plaza, cq, "#一起守护这座城# 感谢所有救援队员")
    page = client.get("/search?q=" + quote("救援"))
    assert page.status_code == 200 and "感谢所有救援队员" in page.text
    assert "重庆发布" in client.get("/search?q=" + quote("重庆")).text
    topics_page = client.get("/search?q=" + quote("守护")).text
    assert "/topics/" + quote("一起守护这座城", safe="") in topics_page


def test_notifications_show_who_did_what(client, plaza) -> None:
    li = citizen(plaza, "li", "山城小李")
    cq = government(plaza, "cq_fabu", "重庆发布")
    status_id = post(plaza, li, "路灯坏了 @重庆发布")
    posts.favourite(plaza.db, cq, status_id)
    sign_in(client, "li")
    page = client.get("/notifications").text
    assert "重庆发布" in page and "赞了你的微博" in page and "路灯坏了" in page


def test_settings_change_profile_city_and_language(client, plaza) -> None:
    li = citizen(plaza, "li")
    sign_in(client, "li")
    saved = client.post("/settings", data={
        "csrf_token": csrf(client, "/settings"), "display_name": "李雷", "note": "热爱山城",
        "home_city": "510100", "locale": "en"}, follow_redirects=False)
    assert saved.status_code == 303
    account = accounts.get(plaza.db, li.id)
    assert (account.display_name, account.note, account.home_city, account.locale) == ("李雷", "热爱山城", "510100", "en")
    assert '<html lang="en">' in client.get("/settings?saved=1").text
    bad = client.post("/settings", data={"csrf_token": csrf(client, "/settings"), "display_name": "a@b",
                                         "home_city": "510100", "locale": "en"})
    assert bad.status_code == 422


def test_post_with_an_image(client, plaza) -> None:
    citizen(plaza, "li")
    sign_in(client, "li")
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    response = client.post("/statuses", data={"text": "现场照片", "visibility": "public",
                                              "csrf_token": csrf(client, "/home")},
                           files={"image": ("photo.png", buffer.getvalue(), "image/png")},
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    image = re.search(r'<img src="(/media/[^"]+)"', page)
    assert image and client.get(image.group(1)).status_code == 200
    not_an_image = client.post("/statuses", data={"text": "假图片", "csrf_token": csrf(client, "/home")},
                               files={"image": ("x.png", b"not an image", "image/png")})
    assert not_an_image.status_code == 422 and "文件不是有效的图片" in not_an_image.text


def test_older_link_pages_through_the_square(client, plaza) -> None:
    author = citizen(plaza)
    ids = [post(plaza, author, f"第{n}条") for n in range(25)]
    first = client.get("/").text
    older = re.search(r'href="(/\?max_id=\d+)"', first)
    assert older
    second = client.get(older.group(1)).text
    assert "第0条" in second and "第24条" not in second and "第24条" in first
    assert len(timelines.public(plaza.db, timelines.Page(limit=40))) == len(ids)


def test_oauth_consent_issues_code_for_oob(client, plaza) -> None:
    app, _ = oauth.register_app(plaza.db, "toot", oauth.OOB, "read write")
    citizen(plaza, "li")
    verifier = "a-verifier-of-forty-three-characters-or-more-0123"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = (f"client_id={app.client_id}&redirect_uri={quote(oauth.OOB)}&response_type=code&scope=read"
             f"&code_challenge={challenge}&code_challenge_method=S256")
    login = client.get(f"/oauth/authorize?{query}")
    assert login.status_code == 200 and 'action="/signin"' in login.text and "toot" in login.text
    next_url = re.search(r'name="next" value="([^"]+)"', login.text).group(1).replace("&amp;", "&")
    assert next_url.startswith("/oauth/authorize?")
    signed = sign_in(client, "li", next_url=next_url)
    assert signed.headers["location"] == next_url

    consent = client.get(next_url)
    assert consent.status_code == 200 and "toot" in consent.text and "授权" in consent.text
    assert "读取你的微博" in consent.text and "write" not in consent.text
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', consent.text))
    issued = client.post("/oauth/authorize", data={**fields, "decision": "authorize"})
    assert issued.status_code == 200
    code = re.search(r'<code class="oauth-code">([^<]+)</code>', issued.text).group(1)
    _, token = oauth.exchange_code(plaza.db, app, code, oauth.OOB, code_verifier=verifier)
    assert token.scopes == frozenset({"read"})


def test_oauth_consent_redirects_with_code_and_state_or_access_denied(client, plaza) -> None:
    callback = "https://client.example/callback"
    app, _ = oauth.register_app(plaza.db, "某客户端", callback, "read write follow")
    citizen(plaza, "li")
    sign_in(client, "li")
    query = (f"client_id={app.client_id}&redirect_uri={quote(callback)}&response_type=code"
             f"&scope=read+write&state=xyz")
    consent = client.get(f"/oauth/authorize?{query}")
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', consent.text))
    allowed = client.post("/oauth/authorize", data={**fields, "decision": "authorize"}, follow_redirects=False)
    assert allowed.status_code == 302
    target = urlsplit(allowed.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == callback
    params = parse_qs(target.query)
    assert params["state"] == ["xyz"] and params["code"][0]
    denied = client.post("/oauth/authorize", data={**fields, "decision": "deny"}, follow_redirects=False)
    assert parse_qs(urlsplit(denied.headers["location"]).query) == {"error": ["access_denied"], "state": ["xyz"]}

    forced = client.get(f"/oauth/authorize?{query}&force_login=true")
    assert 'action="/signin"' in forced.text  # force_login asks again even when signed in
    unknown = client.get("/oauth/authorize?client_id=nope&response_type=code")
    assert unknown.status_code == 400
    bad_redirect = client.get(f"/oauth/authorize?client_id={app.client_id}&response_type=code"
                              f"&redirect_uri=https://evil.example/")
    assert bad_redirect.status_code == 400 and "回调地址未注册" in bad_redirect.text


def test_html_responses_carry_security_headers(client, plaza) -> None:
    for path in ("/", "/signin", "/nope"):
        response = client.get(path)
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == "default-src 'self'; img-src 'self' data:"
    static = client.get("/static/plaza.css")
    assert static.status_code == 200 and static.headers["x-content-type-options"] == "nosniff"
    avatar = client.get("/static/avatar.png")
    assert avatar.status_code == 200 and avatar.headers["content-type"] == "image/png"


def test_error_pages_speak_the_readers_language(client, plaza) -> None:
    missing = client.get("/@nobody")
    assert missing.status_code == 404 and "用户不存在" in missing.text and "<html" in missing.text
    assert "Account not found" in client.get("/@nobody?lang=en").text
    assert "Page not found" in client.get("/no/such/page").text
    bad_page = client.get("/?max_id=abc")
    assert bad_page.status_code == 422 and "Not a valid id" in bad_page.text
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


PAGES_FOR_VISITORS = ("/", "/signin", "/signup", "/city/500000", "/search?q=%E5%B1%B1%E7%81%AB",
                      "/@cq_fabu", "/@beibei")
PAGES_FOR_MEMBERS = ("/home", "/compose", "/notifications", "/settings", "/admin", "/@li")
LINK_RE = re.compile(r'''(?:src|href|action)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)''', re.IGNORECASE)


def test_pages_reference_no_external_hosts(client, plaza) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    government(plaza, "beibei", "北碚发布", region_code="500109", level="county", parent="cq_fabu")
    citizen(plaza, "li", role="admin")
    status_id = post(plaza, cq, "#一起守护这座城# 山火 @li")
    paths = [*PAGES_FOR_VISITORS, f"/@cq_fabu/{status_id}", "/topics/" + quote("一起守护这座城")]
    pages = {path: client.get(path).text for path in paths}
    sign_in(client, "li")
    pages.update({path + " (signed in)": client.get(path).text for path in (*PAGES_FOR_MEMBERS, *paths)})
    pages["/?lang=en"] = client.get("/?lang=en").text
    for path, html in pages.items():
        assert "<html" in html, path
        for url in LINK_RE.findall(html):
            assert urlsplit(url).netloc == "127.0.0.1:8000", f"{path} references {url}"
        assert "@import" not in html and "fonts.googleapis" not in html
    css = client.get("/static/plaza.css").text
    assert "url(" not in css.replace("url(data:", "") and "@import" not in css


def test_every_word_on_the_pages_has_chinese_and_english() -> None:
    templates = Path(__file__).parents[1] / "plaza" / "web" / "templates"
    used = set()
    for template in templates.glob("*.html"):
        used.update(re.findall(r'''\bt\(\s*["']([a-z_]+)["']''', template.read_text()))
    # keys made from a prefix and a value (t("kind_" ~ account.kind)): their values are checked
    # where the vocabularies are defined
    prefixes = {"kind_", "role_", "visibility_", "notification_", "metric_", "metric_def_", "desk_group_",
                "desk_result_", "desk_by_", "incident_kind_", "ledger_kind_"}
    missing = [key for key in used - prefixes if i18n.gettext(key, "zh-CN") == key]
    assert not missing
    for key, (zh, en) in UI.items():
        assert zh.strip() and en.strip(), key
    for kind in kinds.KINDS:
        assert i18n.gettext(f"kind_{kind}", "en") != f"kind_{kind}"


@pytest.fixture
def limited_client(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = load_settings(env={}, data_dir=tmp_path / "limited", database_url=database_url,
                             secret_key="test-secret", rate_limits=True, rate_limit_sign_in="3/minute")
    instance = Plaza.from_settings(settings)
    with TestClient(create_app(plaza=instance), base_url="http://127.0.0.1:8000") as c:
        yield c, instance
    instance.db.dispose()


def test_sign_in_rate_limited(limited_client) -> None:
    client, instance = limited_client
    citizen(instance, "li")
    for _ in range(3):
        assert sign_in(client, "li", "wrong password").status_code == 401
    limited = sign_in(client, "li")  # even the right password waits now
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "操作太频繁" in limited.text and "<html" in limited.text
