"""Government matrices (政务矩阵) and matrix campaigns (矩阵联动) through their services, on both
database backends: building each kind of matrix from a small account tree, who may manage
what, re-syncing, following a whole matrix, and tracking what a campaign brought."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from plaza.accounts import government as government_accounts
from plaza.accounts.government import GovernmentProfile
from plaza.errors import Forbidden, Invalid, NotFound
from plaza.instance import Plaza
from plaza.matrices import campaigns, demo_matrices, matrices
from plaza.matrices.campaigns import CampaignSpec
from plaza.matrices.matrices import MatrixSpec
from plaza.square import accounts, follows, notifications, posts, timelines, views
from plaza.square.pagination import Page
from tests.factories import citizen, government, post

CAMPAIGN_START = datetime(2022, 8, 21, 12, 0, tzinfo=UTC)
CAMPAIGN_END = datetime(2022, 8, 28, 12, 0, tzinfo=UTC)


def tree(plaza: Plaza) -> SimpleNamespace:
    """Chongqing (a municipality with a county below it) and Sichuan (province, prefecture,
    county), publicity and public-security lines, an administrator and a citizen."""
    t = SimpleNamespace()
    t.cq = government(plaza, "cq_fabu", "重庆发布")
    t.cq_police = government(plaza, "cq_police", "平安重庆", department_type="public_security",
                             agency="重庆市公安局", parent="cq_fabu")
    t.wanzhou = government(plaza, "wanzhou_fabu", "万州发布", region_code="500101", level="county",
                           agency="中共重庆市万州区委宣传部", parent="cq_fabu")
    t.wanzhou_police = government(plaza, "wanzhou_police", "平安万州", region_code="500101", level="county",
                                  department_type="public_security", agency="重庆市公安局万州区分局",
                                  parent="wanzhou_fabu")
    t.sc = accounts.create(plaza.db, username="sc_fabu", display_name="四川发布", password=None, home_city="510100",
                           kind="government", government=GovernmentProfile(
                               "四川省人民政府新闻办公室", "510000", "provincial", "publicity"))
    t.gz = government(plaza, "gz_wenlv", "甘孜文旅", region_code="513300", level="prefecture",
                      department_type="culture_tourism", agency="甘孜州文化广播电视和旅游局", parent="sc_fabu")
    t.litang = government(plaza, "litang_wenlv", "理塘县文旅", region_code="513334", level="county",
                          department_type="culture_tourism", agency="理塘县文化广播电视和旅游局", parent="gz_wenlv")
    t.admin = citizen(plaza, "plaza_admin", role="admin")
    t.citizen = citizen(plaza, "shancheng", "山城小李")
    return t


def post_at(plaza: Plaza, author: Any, text: str, at: datetime, **kw: Any) -> int:
    """A post made at a given moment (its id is back-dated to match)."""
    return posts.create(plaza.db, author, posts.NewStatus(text=text, **kw), created_at=at)


def names(db: Any, matrix_id: int) -> set[str]:
    return {m.account.username for m in matrices.members(db, matrix_id)}


def test_a_region_matrix_holds_every_government_account_inside_the_division(plaza) -> None:
    t = tree(plaza)
    chongqing = matrices.create(plaza.db, t.admin, MatrixSpec("重庆政务矩阵", "region", region_code="500000"))
    assert names(plaza.db, chongqing.id) == {"cq_fabu", "cq_police", "wanzhou_fabu", "wanzhou_police"}
    sichuan = matrices.create(plaza.db, t.admin, MatrixSpec("四川政务矩阵", "region", region_code="510000"))
    assert names(plaza.db, sichuan.id) == {"sc_fabu", "gz_wenlv", "litang_wenlv"}
    ganzi = matrices.create(plaza.db, t.admin, MatrixSpec("甘孜州矩阵", "region", region_code="513300"))
    assert names(plaza.db, ganzi.id) == {"gz_wenlv", "litang_wenlv"}
    county = matrices.create(plaza.db, t.admin, MatrixSpec("万州矩阵", "region", region_code="500101"))
    assert names(plaza.db, county.id) == {"wanzhou_fabu", "wanzhou_police"}
    # National bodies first, then by level and division: the province before its county.
    assert [m.account.username for m in matrices.members(plaza.db, sichuan.id)] == [
        "sc_fabu", "gz_wenlv", "litang_wenlv"]
    with pytest.raises(Invalid) as err:
        matrices.create(plaza.db, t.admin, MatrixSpec("不存在", "region", region_code="500100"))
    assert err.value.key == "region_invalid"


def test_a_department_matrix_follows_one_line_within_a_region_or_nationwide(plaza) -> None:
    t = tree(plaza)
    police = matrices.create(plaza.db, t.admin, MatrixSpec(
        "重庆公安矩阵", "department", region_code="500000", department_type="public_security"))
    assert names(plaza.db, police.id) == {"cq_police", "wanzhou_police"}
    tourism = matrices.create(plaza.db, t.admin, MatrixSpec("全国文旅矩阵", "department",
                                                             department_type="culture_tourism"))
    assert names(plaza.db, tourism.id) == {"gz_wenlv", "litang_wenlv"}
    with pytest.raises(Invalid) as err:
        matrices.create(plaza.db, t.admin, MatrixSpec("无部门", "department", region_code="500000"))
    assert err.value.key == "matrix_department_required"


def test_a_tree_matrix_is_a_root_and_all_its_descendants(plaza) -> None:
    t = tree(plaza)
    cq = matrices.create(plaza.db, t.admin, MatrixSpec("重庆发布矩阵", "tree", root_id=t.cq.id))
    assert names(plaza.db, cq.id) == {"cq_fabu", "cq_police", "wanzhou_fabu", "wanzhou_police"}
    ganzi = matrices.create(plaza.db, t.admin, MatrixSpec("甘孜文旅矩阵", "tree", root_id=t.gz.id))
    assert names(plaza.db, ganzi.id) == {"gz_wenlv", "litang_wenlv"}
    with pytest.raises(Invalid) as err:
        matrices.create(plaza.db, t.admin, MatrixSpec("市民为根", "tree", root_id=t.citizen.id))
    assert err.value.key == "matrix_root_not_government"


def test_a_matrix_by_hand_takes_only_verified_government_accounts(plaza) -> None:
    t = tree(plaza)
    with pytest.raises(Invalid) as err:
        matrices.create(plaza.db, t.admin, MatrixSpec("混合矩阵", "manual", member_ids=(t.cq.id, t.citizen.id)))
    assert err.value.key == "matrix_member_not_government" and err.value.status == 422
    assert "shancheng" in err.value.message("en")
    hand = matrices.create(plaza.db, t.admin, MatrixSpec("川渝联动", "manual", member_ids=(t.cq.id, t.sc.id)))
    assert names(plaza.db, hand.id) == {"cq_fabu", "sc_fabu"}
    assert matrices.add_members(plaza.db, t.admin, hand.id, [t.gz.id, t.cq.id]) == 1
    with pytest.raises(Invalid):
        matrices.add_members(plaza.db, t.admin, hand.id, [t.litang.id, t.citizen.id])
    assert names(plaza.db, hand.id) == {"cq_fabu", "sc_fabu", "gz_wenlv"}  # nothing of a refused batch
    assert matrices.remove_members(plaza.db, t.admin, hand.id, [t.sc.id]) == 1
    assert names(plaza.db, hand.id) == {"cq_fabu", "gz_wenlv"}
    with pytest.raises(Invalid) as err:
        matrices.sync(plaza.db, t.admin, hand.id)
    assert err.value.key == "matrix_not_derived"
    with pytest.raises(Invalid) as err:
        matrices.create(plaza.db, t.admin, MatrixSpec("川渝联动", "manual"))
    assert err.value.key == "matrix_name_taken"


def test_resync_brings_new_accounts_and_drops_moved_ones_but_keeps_hand_choices(plaza) -> None:
    t = tree(plaza)
    cq = matrices.create(plaza.db, t.admin, MatrixSpec("重庆政务矩阵", "region", region_code="500000"))
    matrices.add_members(plaza.db, t.admin, cq.id, [t.sc.id])  # a guest by hand
    matrices.remove_members(plaza.db, t.admin, cq.id, [t.wanzhou_police.id])  # taken out by hand
    jiangjin = government(plaza, "jiangjin_fabu", "江津发布", region_code="500116", level="county",
                          agency="中共重庆市江津区委宣传部", parent="cq_fabu")
    government_accounts.verify(plaza.db, t.cq_police.id, GovernmentProfile(
        "四川省公安厅", "510000", "provincial", "public_security"), by=t.admin)  # moved to Sichuan
    result = matrices.sync(plaza.db, t.admin, cq.id)
    assert result.added == (jiangjin.id,) and result.removed == (t.cq_police.id,)
    assert names(plaza.db, cq.id) == {"cq_fabu", "wanzhou_fabu", "jiangjin_fabu", "sc_fabu"}
    assert matrices.sync(plaza.db, t.admin, cq.id) == matrices.SyncResult((), ())
    assert matrices.add_members(plaza.db, t.admin, cq.id, [t.wanzhou_police.id]) == 1  # back by hand


def test_government_accounts_build_matrices_of_their_own_subtree_and_manage_only_their_own(plaza) -> None:
    t = tree(plaza)
    own = matrices.create(plaza.db, t.cq, MatrixSpec("重庆发布矩阵", "tree", root_id=t.cq.id))
    assert own.owner_id == t.cq.id
    with pytest.raises(Forbidden):
        matrices.create(plaza.db, t.cq, MatrixSpec("别人的树", "tree", root_id=t.sc.id))
    with pytest.raises(Forbidden):
        matrices.create(plaza.db, t.cq, MatrixSpec("全市", "region", region_code="500000"))
    with pytest.raises(Forbidden) as err:
        matrices.create(plaza.db, t.citizen, MatrixSpec("市民矩阵", "manual"))
    assert err.value.key == "matrix_create_forbidden"
    hand = matrices.create(plaza.db, t.wanzhou, MatrixSpec("万州联动", "manual", member_ids=(t.wanzhou_police.id,)))
    with pytest.raises(Forbidden) as err:
        matrices.add_members(plaza.db, t.wanzhou, hand.id, [t.cq.id])  # above it, not below
    assert err.value.key == "matrix_outside_subtree"
    for stranger in (t.sc, t.citizen, t.wanzhou):
        with pytest.raises(Forbidden):
            matrices.update_matrix(plaza.db, stranger, own.id, description="改")
        with pytest.raises(Forbidden):
            matrices.delete_matrix(plaza.db, stranger, own.id)
    moderator = citizen(plaza, "mod", role="moderator")
    assert matrices.update_matrix(plaza.db, moderator, own.id, name="重庆政务矩阵").name == "重庆政务矩阵"
    matrices.delete_matrix(plaza.db, t.cq, own.id)
    with pytest.raises(NotFound):
        matrices.get(plaza.db, own.id)


def test_following_a_whole_matrix_follows_each_member_once(plaza) -> None:
    t = tree(plaza)
    cq = matrices.create(plaza.db, t.admin, MatrixSpec("重庆政务矩阵", "region", region_code="500000"))
    follows.follow(plaza.db, t.citizen.id, t.cq.id)
    post(plaza, t.wanzhou, "万州今日天气晴")
    first = matrices.follow_all(plaza.db, t.citizen.id, cq.id)
    assert (first.members, first.followed, first.already, first.remaining) == (4, 3, 1, 0)
    again = matrices.follow_all(plaza.db, t.citizen.id, cq.id)
    assert (again.followed, again.already) == (0, 4)
    reader = accounts.get(plaza.db, t.citizen.id)
    assert reader.following_count == 4
    assert accounts.get(plaza.db, t.wanzhou.id).followers_count == 1
    assert [n.type for n in notifications.list_for(plaza.db, t.wanzhou.id, Page())] == ["follow"]
    home = views.load(plaza.db, timelines.home(plaza.db, t.citizen.id, Page()), t.citizen.id)
    assert [v.status.text for v in home] == ["万州今日天气晴"]  # the new follow copied its posts
    # A member following its own matrix skips itself.
    own = matrices.follow_all(plaza.db, t.cq.id, cq.id)
    assert (own.members, own.followed) == (3, 3)
    assert matrices.unfollow_all(plaza.db, t.citizen.id, cq.id) == 4
    assert accounts.get(plaza.db, t.citizen.id).following_count == 0
    assert matrices.unfollow_all(plaza.db, t.citizen.id, cq.id) == 0


def _campaign(plaza: Plaza, t: SimpleNamespace, matrix_id: int) -> Any:
    return campaigns.create(plaza.db, t.admin, matrix_id, CampaignSpec(
        "#一起守护这座城#", CAMPAIGN_START, CAMPAIGN_END, "山火联动"))


def _at(hours: float) -> datetime:
    return CAMPAIGN_START + timedelta(hours=hours)


def test_a_member_joins_with_its_first_original_or_repost_inside_the_period(plaza) -> None:
    t = tree(plaza)
    cq = matrices.create(plaza.db, t.admin, MatrixSpec("重庆政务矩阵", "region", region_code="500000"))
    campaign = _campaign(plaza, t, cq.id)
    topic = "#一起守护这座城# "
    post_at(plaza, t.cq, topic + "活动开始前的一条", _at(-2))  # before the period
    opening = post_at(plaza, t.cq, topic + "【火情通报】北碚区山火", _at(1))
    post_at(plaza, t.cq, topic + "【最新】隔离带贯通", _at(5))
    citizen_post = post_at(plaza, t.citizen, topic + "志愿者报名", _at(2))
    posts.reblog(plaza.db, t.wanzhou, citizen_post, created_at=_at(3))  # joins by repost
    posts.reblog(plaza.db, t.cq_police, opening, created_at=_at(4))
    post_at(plaza, t.wanzhou_police, topic + "仅粉丝可见", _at(2), visibility="private")
    post_at(plaza, t.wanzhou_police, topic + "回复不算加入", _at(2), in_reply_to_id=opening)
    post_at(plaza, t.wanzhou_police, topic + "活动结束之后", CAMPAIGN_END + timedelta(minutes=1))
    post_at(plaza, t.sc, topic + "矩阵之外", _at(1))

    joined = campaigns.participation(plaza.db, campaign)
    assert [(p.account_id, p.first_kind) for p in joined] == [
        (t.cq.id, "original"), (t.wanzhou.id, "repost"), (t.cq_police.id, "repost")]
    first = joined[0]
    assert first.first_status_id == opening and first.first_at == _at(1)
    assert (first.originals, first.reposts) == (2, 0)


def test_the_report_counts_coverage_and_each_member_posts_reach(plaza) -> None:
    t = tree(plaza)
    cq = matrices.create(plaza.db, t.admin, MatrixSpec("重庆政务矩阵", "region", region_code="500000"))
    campaign = _campaign(plaza, t, cq.id)
    opening = post_at(plaza, t.cq, "#一起守护这座城# 【火情通报】", _at(1))
    weather = post_at(plaza, t.wanzhou, "#一起守护这座城# 【气象提醒】", _at(2))
    fans = [citizen(plaza) for _ in range(3)]
    for n, fan in enumerate(fans):
        posts.reblog(plaza.db, fan, opening, created_at=_at(3 + n))
    posts.reblog(plaza.db, t.cq_police, opening, created_at=_at(3))
    post_at(plaza, fans[0], "辛苦了", _at(4), in_reply_to_id=opening)
    posts.favourite(plaza.db, fans[1], opening)
    posts.favourite(plaza.db, fans[2], weather)

    report = campaigns.report(plaza.db, plaza.hot, campaign.id)
    assert report.members == 4 and len(report.joined) == 3  # wanzhou_police never joined
    assert report.coverage == pytest.approx(0.75)
    assert report.state == "ended" and report.peak_rank is None
    top, second = report.propagation
    assert (top.status_id, top.reposts, top.reposters, top.member_reposts, top.replies, top.likes) == (
        opening, 4, 4, 1, 1, 1)
    assert (second.status_id, second.reposts, second.likes) == (weather, 0, 1)
    assert top.excerpt == "#一起守护这座城# 【火情通报】"


def test_a_running_campaign_reports_reads_discussions_and_its_peak_rank(plaza) -> None:
    t = tree(plaza)
    cq = matrices.create(plaza.db, t.admin, MatrixSpec("重庆政务矩阵", "region", region_code="500000"))
    now = datetime.now(UTC)
    campaign = campaigns.create(plaza.db, t.admin, cq.id, CampaignSpec(
        "一起守护这座城", now - timedelta(hours=1), now + timedelta(hours=1)))
    for author in (t.cq, t.wanzhou, t.cq_police):
        status_id = post(plaza, author, "#一起守护这座城# 火情通报", city="500000")
        view = views.load(plaza.db, [status_id], None)[0]
        plaza.hot.posted(view, accounts.get(plaza.db, author.id))
        plaza.hot.displayed([view], t.citizen)
    plaza.hot.refresh()
    report = campaigns.report(plaza.db, plaza.hot, campaign.id)
    assert report.state == "running"
    assert report.discussions >= 3 and report.reads >= 3
    assert report.peak_rank == 1 and report.peak_heat and report.peak_heat > 0
    assert {p.status_id for p in report.propagation} == {
        p.first_status_id for p in report.joined}
    assert [p.reads for p in report.propagation] == [1, 1, 1]  # each shown once to the citizen


def test_campaign_rules_period_topic_end_and_delete(plaza) -> None:
    t = tree(plaza)
    cq = matrices.create(plaza.db, t.cq, MatrixSpec("重庆发布矩阵", "tree", root_id=t.cq.id))
    with pytest.raises(Invalid) as err:
        campaigns.create(plaza.db, t.cq, cq.id, CampaignSpec("山火", CAMPAIGN_END, CAMPAIGN_START))
    assert err.value.key == "campaign_period_invalid"
    with pytest.raises(Invalid):
        campaigns.create(plaza.db, t.cq, cq.id, CampaignSpec("##", CAMPAIGN_START, CAMPAIGN_END))
    with pytest.raises(Forbidden):
        campaigns.create(plaza.db, t.sc, cq.id, CampaignSpec("山火", CAMPAIGN_START, CAMPAIGN_END))
    now = datetime.now(UTC)
    running = campaigns.create(plaza.db, t.cq, cq.id, CampaignSpec("山火", now - timedelta(days=1),
                                                                  now + timedelta(days=1)))
    assert running.title == "#山火#"
    ended = campaigns.end(plaza.db, t.cq, running.id)
    assert campaigns.state_of(ended) == "ended" and ended.ended_early_at is not None
    upcoming = campaigns.create(plaza.db, t.cq, cq.id, CampaignSpec("山火", now + timedelta(days=1),
                                                                   now + timedelta(days=2)))
    with pytest.raises(Invalid):
        campaigns.end(plaza.db, t.cq, upcoming.id)
    with pytest.raises(Forbidden):
        campaigns.delete_campaign(plaza.db, t.wanzhou, upcoming.id)
    campaigns.delete_campaign(plaza.db, t.cq, upcoming.id)
    assert [c.id for c in campaigns.list_for(plaza.db, cq.id)] == [running.id]
    matrices.delete_matrix(plaza.db, t.admin, cq.id)
    with pytest.raises(NotFound):
        campaigns.get(plaza.db, running.id)


def test_the_demo_builds_the_seed_storys_matrices_whose_accounts_exist_once(plaza) -> None:
    tree(plaza)
    first = demo_matrices(plaza.db)
    assert (first.matrices, first.campaigns) == (1, 1)  # only Chongqing's cast is here
    chongqing = matrices.find(plaza.db, "重庆政务矩阵")
    assert chongqing.owner_id == accounts.find_by_username(plaza.db, "cq_fabu").id
    [campaign] = campaigns.list_for(plaza.db, chongqing.id)
    assert campaign.topic_name == "一起守护这座城" and campaigns.state_of(campaign) == "running"
    government(plaza, "china_fire", "中国消防", region_code="000000", level="national",
               department_type="fire_rescue", agency="应急管理部消防救援局")
    assert demo_matrices(plaza.db).matrices == 1
    assert names(plaza.db, matrices.find(plaza.db, "全国消防政务矩阵").id) == {"china_fire"}
    assert demo_matrices(plaza.db).matrices == 0


def test_a_suspended_member_is_out_of_sight_until_it_returns(plaza) -> None:
    t = tree(plaza)
    hand = matrices.create(plaza.db, t.admin, MatrixSpec("万州联动", "manual",
                                                         member_ids=(t.wanzhou.id, t.wanzhou_police.id)))
    accounts.set_flags(plaza.db, t.wanzhou_police.id, suspended=True)
    assert names(plaza.db, hand.id) == {"wanzhou_fabu"} and matrices.members_count(plaza.db, hand.id) == 1
    assert matrices.follow_all(plaza.db, t.citizen.id, hand.id).followed == 1
    accounts.set_flags(plaza.db, t.wanzhou_police.id, suspended=False)
    assert names(plaza.db, hand.id) == {"wanzhou_fabu", "wanzhou_police"}
    with pytest.raises(Invalid) as err:
        accounts.set_flags(plaza.db, t.cq.id, suspended=True)
        matrices.add_members(plaza.db, t.admin, hand.id, [t.cq.id])
    assert err.value.key == "matrix_member_suspended"
