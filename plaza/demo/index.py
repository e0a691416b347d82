"""The demo's evaluation index (政务指数): a month of the government accounts' work before the demo
week — their posts, what citizens did with them, the mentions they answered or left, the hot
events of that month — then the index computed for that month and for the month so far.

The accounts differ as real ones do: a diligence per account (seeded) sets how often it posts,
how many of its citizens' mentions it answers and how fast, and whether it replies to comments;
its audience follows its level (national bodies reach most). A few accounts go quiet for the
month's last two weeks (the index flags them) and a few only repost.

The month's posts are written in bulk with back-dated ids (as :mod:`plaza.demo.load` writes
likes and follows): statuses, their topics and mentions and the counters; they carry no search
documents, home-feed rows or notifications — a month-old week nobody reads in a feed.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from plaza import regions
from plaza.demo.replay import poisson
from plaza.desk.metrics import Period, of_date, today
from plaza.index import compute, imports, statistics
from plaza.square.posts import topic_ids
from plaza.storage.ids import id_at
from plaza.storage.schema import accounts, favourites, follows, hot_topic_records, mentions, status_topics, statuses
from plaza.workflow.worktime import BEIJING

__all__ = ["IndexReport", "load_index"]

#: What a government account posts, by department type (the rest use "other").
TEXTS: dict[str, tuple[str, ...]] = {
    "publicity": ("【今日关注】{city}全市重点项目集中开工，总投资超百亿元。", "【便民提示】本周末{city}部分路段临时交通管制，请合理安排出行。",
                  "【权威发布】{city}公布第三批城市更新项目名单，涉及老旧小区改造。", "【民生】{city}新增普惠托育机构，办理指南看这里。"),
    "public_security": ("【警情通报】警方破获一起电信网络诈骗案，提醒市民：陌生来电索要验证码一律是诈骗。", "【平安提示】冬季用电安全，请勿飞线充电。",
                        "【便民】身份证异地办理流程来了，转发周知。"),
    "meteorology": ("【天气】未来三天{city}有一次降温过程，最低气温将降至5℃左右，注意添衣。", "【预警】{city}气象台发布大雾黄色预警信号。",
                    "【科普】为什么冬天的雾更多？一图读懂。"),
    "fire_rescue": ("【消防提醒】冬季取暖防火指南，请收藏。", "【119】消防员今天又救下一只被困的小猫。", "【安全】电动自行车进楼入户充电隐患大。"),
    "emergency_management": ("【应急科普】家庭应急包里应该有什么？", "【通报】全市开展冬季安全生产大检查。"),
    "flood_control": ("【防汛】汛后水利设施检修工作全面展开。", "【提醒】冬季河道水位较低，请勿下河游泳垂钓。"),
    "culture_tourism": ("【文旅】冬游{city}，这十个地方一定要去！", "【活动】博物馆夜场开放时间延长至21:00。", "【美食】舌尖上的{city}，你吃过几样？"),
    "transport": ("【出行】地铁新线本月底开通试运营。", "【路况】周末高速出城方向车流量大，请错峰出行。"),
    "health": ("【健康】流感高发季，老人儿童建议接种疫苗。", "【卫健】全市二级以上医院开通夜间门诊。"),
    "youth_league": ("【青春】为奋斗在一线的青年志愿者点赞！", "【招募】寒假青年志愿服务项目开始报名。"),
    "court": ("【以案说法】网购“七天无理由退货”，商家能拒绝吗？", "【公开】本月执行兑现案款2.3亿元。"),
    "procuratorate": ("【检察】守护未成年人，这些法律知识要知道。",),
    "ecology_environment": ("【生态】本月全市空气质量优良天数28天。", "【环保】秸秆禁烧，人人有责。"),
    "other": ("【工作动态】我们召开冬季工作部署会。", "【服务】办事指南更新，欢迎查阅。"),
}
COMMENTS = ("辛苦了！", "点赞", "已转发", "请问具体在哪里办理？", "什么时候开始？", "希望能落实到位", "支持！", "求更多细节")
ANSWERS = ("您好，已收到您的留言，相关部门正在核实处理。", "感谢关注，具体办理地点见置顶微博。", "您好，已转交属地部门，请保持电话畅通。")
MENTIONS = ("@{username} 小区门口路灯坏了很久了，能不能修一下？", "@{username} 请问这个政策什么时候落实？", "@{username} 噪音扰民问题反映多次了",
            "@{username} 感谢你们的及时回复！")

#: Last month's hot events: (topic, list, the account that answers it or None, its answer).
EVENTS: tuple[tuple[str, str, str | None, str], ...] = (
    ("重庆寒潮来袭", "500000", "cq_weather", "寒潮蓝色预警：未来48小时气温下降8℃以上，请注意防寒保暖。"),
    ("上海地铁新线开通", "310000", "sh_transport", "新线明日首班车6:00发车，换乘指南请见长图。"),
    ("重庆轨道交通故障", "500000", None, ""),
    ("全国消防安全日", "national", "china_fire", "11月9日全国消防日：检查家中电线，清理楼道杂物。"),
    ("上海进博会交通管制", "310000", "sh_transport", "进博会期间国家会展中心周边道路实施交通管制，请绕行。"),
    ("渝中区老旧小区加装电梯", "500000", None, ""),
    ("马鞍山马拉松开跑", "340500", "mas_fabu", "马拉松比赛期间部分道路临时交通管制，市民出行请提前规划路线。"),
)
#: Audience (mean likes of a post) by administrative level.
AUDIENCE = {"national": 40.0, "provincial": 18.0, "prefecture": 10.0, "county": 6.0, "township": 3.0}
#: Accounts that go quiet for the month's last two weeks, and accounts that only repost.
QUIET = ("beibei_xiema", "cq_forestry")
REPOSTERS = ("fengxian_fabu",)


@dataclass(frozen=True)
class IndexReport:
    """What the demo's index part did."""

    period: str
    #: accounts it brought (the imported examples')
    accounts: int
    #: every post written (the month's and the imported examples')
    posts: int
    likes: int
    follows: int
    reposts: int
    comments: int
    mentions: int
    events: int
    ranked: int
    seconds: float


class _Ids:
    """Back-dated ids: a moment's millisecond in the high bits, a counter in the low 16."""

    def __init__(self) -> None:
        self.used: Counter[int] = Counter()

    def __call__(self, at: datetime) -> int:
        ms = int(at.timestamp() * 1000)
        seq = self.used[ms]
        self.used[ms] += 1
        return id_at(ms) | (0x8000 + seq)  # the upper half of the low bits: apart from the services' ids


def _moment(rng: random.Random, day: date) -> datetime:
    minutes = rng.randint(8 * 60, 22 * 60)
    return datetime.combine(day, time(0), BEIJING).astimezone(UTC) + timedelta(minutes=minutes, seconds=rng.randint(0, 59))


def _to_ms(at: datetime) -> datetime:
    """A moment to the millisecond its id holds, so that ids and times sort alike."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def last_month(now: datetime) -> Period:
    """The whole month before the one ``now`` is in (Beijing time)."""
    return of_date(today(now).replace(day=1) - timedelta(days=1), "month")


def load_index(plaza: Any, seed: int, *, now: datetime, rows: dict[str, Any], citizens: Sequence[Any],
               progress: Callable[[str, int, int], None] | None = None) -> IndexReport:
    """Write last month's activity of the government accounts in ``rows`` and compute the index
    for last month and for this month so far."""
    import time as clock

    started = clock.monotonic()
    rng = random.Random(f"{seed}:index")
    period = last_month(now)
    government = sorted((r for r in rows.values() if r.kind == "government"), key=lambda r: r.username)
    people = list(citizens)
    if not government or not people:
        return IndexReport(period.key, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0)
    ids = _Ids()
    diligence = {g.id: rng.uniform(0.15, 1.0) for g in government}
    for name in ("cq_fabu", "sh_fabu", "cq_fire", "sh_flood", "cma_gov"):
        if name in rows:
            diligence[rows[name].id] = rng.uniform(0.85, 1.0)
    posts_rows: list[dict[str, Any]] = []
    topic_rows: list[tuple[int, str]] = []  # (status id, topic name)
    mention_rows: list[dict[str, Any]] = []
    like_rows: list[dict[str, Any]] = []
    follow_rows: list[dict[str, Any]] = []
    likes_of: Counter[int] = Counter()
    reblogs_of: Counter[int] = Counter()
    replies_of: Counter[int] = Counter()
    posted_by: Counter[int] = Counter()
    originals: list[tuple[int, datetime]] = []  # every government account's original posts so far
    liked: set[tuple[int, int]] = set()
    reposted: set[tuple[int, int]] = set()
    with plaza.db.read() as conn:  # who follows them already (the demo's follows of a year ago)
        following = {(int(a), int(t)) for a, t in conn.execute(
            select(follows.c.account_id, follows.c.target_account_id)
            .where(follows.c.target_account_id.in_([g.id for g in government])))}

    def status(account: Any, at: datetime, text: str, **kw: Any) -> int:
        at = _to_ms(at)
        status_id = ids(at)
        posts_rows.append({"id": status_id, "account_id": account.id, "text": text, "spoiler_text": "",
                           "sensitive": False, "visibility": "public", "language": "zh", "city": account.home_city,
                           "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "created_at": at,
                           "in_reply_to_id": kw.get("reply_to"), "in_reply_to_account_id": kw.get("reply_to_account"),
                           "reblog_of_id": kw.get("reblog_of")})
        posted_by[account.id] += 1
        return status_id

    days = [period.first + timedelta(days=i) for i in range((period.end - period.first).days)]
    for account in government:
        d = diligence[account.id]
        audience = AUDIENCE.get(account.level or "county", 6.0) * (0.5 + d)
        texts = TEXTS.get(account.department_type or "other", TEXTS["other"])
        division = regions.lookup(account.region_code or "")
        city = division.name if division is not None else "全国"
        for day in days:
            if account.username in QUIET and day >= period.end - timedelta(days=15):
                continue
            for _ in range(poisson(rng, 0.6 + 2.4 * d)):
                at = _moment(rng, day)
                if account.username in REPOSTERS:  # reposts what the others posted, never its own
                    choices = [p for p, posted in originals if posted < at and (account.id, p) not in reposted]
                    if choices:
                        target = rng.choice(choices)
                        reposted.add((account.id, target))
                        status(account, at, "", reblog_of=target)
                        reblogs_of[target] += 1
                    continue
                post_id = status(account, at, rng.choice(texts).format(city=city))
                originals.append((post_id, at))
                for _like in range(poisson(rng, audience * rng.uniform(0.3, 1.7))):
                    fan = rng.choice(people)
                    if (fan.id, post_id) in liked:
                        continue
                    liked.add((fan.id, post_id))
                    liked_at = _to_ms(at + timedelta(minutes=rng.expovariate(1 / 120)))
                    like_rows.append({"id": ids(liked_at), "account_id": fan.id, "status_id": post_id,
                                      "created_at": liked_at})
                    likes_of[post_id] += 1
                for _repost in range(poisson(rng, audience / 4)):
                    fan = rng.choice(people)
                    if (fan.id, post_id) in reposted:
                        continue
                    reposted.add((fan.id, post_id))
                    status(fan, at + timedelta(minutes=rng.expovariate(1 / 180)), "", reblog_of=post_id)
                    reblogs_of[post_id] += 1
                for _comment in range(poisson(rng, audience / 6)):
                    fan = rng.choice(people)
                    commented_at = at + timedelta(minutes=rng.expovariate(1 / 90))
                    comment = status(fan, commented_at, rng.choice(COMMENTS), reply_to=post_id,
                                     reply_to_account=account.id)
                    replies_of[post_id] += 1
                    if rng.random() < d * 0.5:
                        status(account, commented_at + timedelta(minutes=rng.expovariate(d / 60)), rng.choice(ANSWERS),
                               reply_to=comment, reply_to_account=fan.id)
                        replies_of[comment] += 1
            for _mention in range(poisson(rng, audience / 10)):
                fan = rng.choice(people)
                at = _moment(rng, day)
                asked = status(fan, at, rng.choice(MENTIONS).format(username=account.username))
                mention_rows.append({"status_id": asked, "account_id": account.id})
                if rng.random() < d and not (account.username in QUIET and day >= period.end - timedelta(days=15)):
                    status(account, at + timedelta(minutes=1 + rng.expovariate(d / 45)),
                           f"@{fan.username} " + rng.choice(ANSWERS), reply_to=asked, reply_to_account=fan.id)
                    replies_of[asked] += 1
            for _follow in range(poisson(rng, audience / 8)):
                fan = rng.choice(people)
                if (fan.id, account.id) in following:
                    continue
                following.add((fan.id, account.id))
                at = _moment(rng, day)
                follow_rows.append({"id": ids(at), "account_id": fan.id, "target_account_id": account.id,
                                    "created_at": at})
    # the month's hot events: topics that reached a city's list (or the national one), and who answered
    events = []
    for i, (name, list_key, answerer, text) in enumerate(EVENTS):
        reached = _moment(rng, days[min(len(days) - 1, 2 + i * 4)])
        events.append((name, list_key, reached))
        for _citizen in range(6):
            fan = rng.choice(people)
            post_id = status(fan, reached - timedelta(minutes=rng.randint(5, 240)), f"#{name}# 有人知道具体情况吗？")
            topic_rows.append((post_id, name))
        if answerer and answerer in rows:
            post_id = status(rows[answerer], reached + timedelta(minutes=15 + 25 * i), f"#{name}# {text}")
            topic_rows.append((post_id, name))
    with plaza.db.write() as conn:
        posts_rows.sort(key=lambda r: r["id"])
        for start in range(0, len(posts_rows), 5000):
            conn.execute(insert(statuses), posts_rows[start:start + 5000])
        for start in range(0, len(like_rows), 5000):
            conn.execute(insert(favourites), like_rows[start:start + 5000])
        for start in range(0, len(follow_rows), 5000):
            conn.execute(insert(follows), follow_rows[start:start + 5000])
        if mention_rows:
            conn.execute(insert(mentions), mention_rows)
        names = sorted({name for _sid, name in topic_rows})
        by_name = {name: tid for tid, name in topic_ids(conn, names, now).items()}
        if topic_rows:
            conn.execute(insert(status_topics), [{"topic_id": by_name[name], "status_id": sid, "public": True}
                                                 for sid, name in topic_rows if name in by_name])
        for column, counts in ((statuses.c.favourites_count, likes_of), (statuses.c.reblogs_count, reblogs_of),
                               (statuses.c.replies_count, replies_of)):
            if counts:
                conn.execute(update(statuses).where(statuses.c.id == bindparam("row_id"))
                             .values({column.key: column + bindparam("n")}),
                             [{"row_id": k, "n": v} for k, v in counts.items()])
        conn.execute(update(accounts).where(accounts.c.id == bindparam("row_id"))
                     .values(statuses_count=accounts.c.statuses_count + bindparam("n")),
                     [{"row_id": k, "n": v} for k, v in posted_by.items()])
        gained: Counter[int] = Counter(r["target_account_id"] for r in follow_rows)
        gave: Counter[int] = Counter(r["account_id"] for r in follow_rows)
        for column, counts in ((accounts.c.followers_count, gained), (accounts.c.following_count, gave)):
            if counts:
                conn.execute(update(accounts).where(accounts.c.id == bindparam("row_id"))
                             .values({column.key: column + bindparam("n")}),
                             [{"row_id": k, "n": v} for k, v in counts.items()])
        for i, (name, list_key, reached) in enumerate(events):
            conn.execute(insert(hot_topic_records).values(
                topic=name, list_key=list_key, first_onboard_at=reached.timestamp(),
                last_seen_at=reached.timestamp() + 6 * 3600, seconds_on_list=6 * 3600.0, peak_rank=1 + i % 5,
                peak_heat=800_000 - 50_000 * i, peak_at=reached.timestamp() + 3600))
    # the shipped examples of real data: Weibo-format files of 重庆发布, 上海发布 and 马鞍山发布
    imported = imports.import_weibo(plaza.db, [imports.EXAMPLES], default_city="500000")
    # and the shipped city statistics (population, GDP), for influence against development
    statistics.import_csv(plaza.db, statistics.EXAMPLE.read_bytes())
    if progress is not None:
        progress("index", len(posts_rows), len(posts_rows))
    ranked = compute.compute_period(plaza.db, period, now=now)
    compute.compute_period(plaza.db, of_date(today(now), "month"), now=now)
    return IndexReport(period.key, imported.accounts_created, len(posts_rows) + imported.posts_created, len(like_rows), len(follow_rows), sum(reblogs_of.values()), sum(replies_of.values()),
                       len(mention_rows), len(events), len(ranked), clock.monotonic() - started)
