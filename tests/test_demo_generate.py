"""The demo data: the seed document's cast is all there and consistent, and the generator builds a
believable, deterministic week of Plaza that a loader can feed in order."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from plaza import regions
from plaza.demo import cast
from plaza.demo.cast import ACCOUNTS, NATIONAL, TOPICS
from plaza.demo.generate import WINDOW_MINUTES, DemoData, generate, short_name

USERNAME = re.compile(r"[a-z0-9_]{1,30}")

#: The accounts the seed document names: display name → (kind, level, department or organisation type).
SEED_ACCOUNTS = {
    "重庆发布": ("government", "provincial", "publicity"),
    "重庆共青团": ("government", "provincial", "youth_league"),
    "人民日报": ("media", None, None),
    "央视新闻": ("media", None, None),
    "微公益": ("organisation", None, "charity"),
    "重庆蓝天救援队": ("organisation", None, "rescue_team"),
    "中国社会福利基金会": ("organisation", None, "charity"),
    "中华思源工程扶贫基金会": ("organisation", None, "charity"),
    "中国气象局": ("government", "national", "meteorology"),
    "上海防汛": ("government", "provincial", "flood_control"),
    "上海发布": ("government", "provincial", "publicity"),
    "中国天气": ("government", "national", "meteorology"),
    "马鞍山发布": ("government", "prefecture", "publicity"),
    "新疆检察": ("government", "provincial", "procuratorate"),
    "北京公交警方": ("government", "provincial", "public_security"),
    "甘肃省博物馆": ("government", "provincial", "museum"),
    "最高人民检察院": ("government", "national", "procuratorate"),
    "四川文旅": ("government", "provincial", "culture_tourism"),
    "甘孜文旅": ("government", "prefecture", "culture_tourism"),
    "理塘县文旅": ("government", "county", "culture_tourism"),
    "国务院新闻办公室": ("government", "national", "publicity"),
}

#: The topics the seed document writes as #…#.
SEED_TOPICS = {
    "其实丁真在四川",
    "守护山城的不止重庆人",
    "重庆山火各处明火均已扑灭",
    "什么是以火灭火",
    "一起守护这座城",
    "有困难一起扛",
    "马上办",
}


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate()


def by_display_name() -> dict[str, cast.CastAccount]:
    return {a.display_name: a for a in ACCOUNTS}


# —— the cast ——


@pytest.mark.parametrize("name", sorted(SEED_ACCOUNTS))
def test_every_account_the_seed_names_is_in_the_cast_with_its_kind_level_and_department(name: str) -> None:
    kind, level, department = SEED_ACCOUNTS[name]
    account = by_display_name()[name]
    assert account.kind == kind
    assert account.level == level
    if kind == "organisation":
        assert account.organisation_type == department
    else:
        assert account.department_type == department


def test_the_ganzi_matrix_runs_from_sichuan_through_ganzi_to_litang() -> None:
    accounts = cast.ACCOUNTS_BY_USERNAME
    assert accounts["litang_fabu"].region_code == "513334"
    assert accounts["litang_fabu"].parent == "gz_fabu"
    assert accounts["gz_fabu"].parent == "sc_fabu"
    assert accounts["litang_wenlv"].parent == "gz_wenlv"
    assert accounts["gz_wenlv"].region_code == "513300"
    assert accounts["gz_wenlv"].parent == "sc_wenlv"
    assert accounts["sc_wenlv"].region_code == "510000"
    assert accounts["sh_flood"].parent == "sh_fabu"
    assert {a.username for a in ACCOUNTS if a.parent == "cq_fabu"} >= {"wanzhou_fabu", "yuzhong_fabu", "beibei_fabu"}
    assert {a.username for a in ACCOUNTS if a.parent == "mas_fabu"} >= {"mas_police", "mas_12345"}


def test_cast_is_a_realistic_size_and_uses_only_known_vocabularies() -> None:
    assert 50 <= len(ACCOUNTS) <= 90
    departments = set(cast.DEPARTMENT_TYPES)
    levels = set(cast.LEVELS)
    organisation_types = set(cast.ORGANISATION_TYPES)
    for account in ACCOUNTS:
        assert account.kind in cast.ACCOUNT_KINDS
        if account.kind == "government":
            assert account.agency and account.region_code and account.level and account.department_type, account
            assert account.department_type in departments
            assert account.level in levels
            assert account.organisation_type is None
        else:
            assert (account.agency, account.region_code, account.level, account.department_type) == (None,) * 4
        if account.kind == "organisation":
            assert account.organisation_type in organisation_types
        assert account.bio


def test_every_government_region_code_is_a_real_place_matching_its_level() -> None:
    for account in ACCOUNTS:
        if account.kind != "government":
            continue
        code = account.region_code
        assert code is not None
        if code == NATIONAL:
            assert account.level == "national", account.username
            assert account.home_city == cast.CAPITAL
            continue
        division = regions.lookup(code)
        assert division is not None and regions.is_place(code), (account.username, code)
        expected = {"province": "provincial", "prefecture": "prefecture", "county": "county"}[division.rank]
        if account.level == "township":  # the table stops at counties: a township carries its county's code
            expected = "township" if division.rank == "county" else expected
        assert account.level == expected, account.username


def test_every_home_city_is_the_city_of_the_accounts_region() -> None:
    cities = {d.code for d in regions.cities()}
    assert NATIONAL not in cities and not regions.is_place(NATIONAL)
    for account in ACCOUNTS:
        assert account.home_city in cities, account.username
        code = account.region_code
        if code and code != NATIONAL:
            city = regions.city_code(code)
            if city is None:  # a province: its accounts live in a city of that province
                assert account.home_city[:2] == code[:2], account.username
            else:
                assert account.home_city == city, account.username


def test_every_parent_exists_and_the_matrix_has_no_cycle() -> None:
    accounts = cast.ACCOUNTS_BY_USERNAME
    for account in ACCOUNTS:
        seen = {account.username}
        parent = account.parent
        while parent is not None:
            assert parent in accounts, (account.username, parent)
            assert parent not in seen, f"cycle through {parent}"
            seen.add(parent)
            parent = accounts[parent].parent


def test_topics_name_their_hosts_region_and_carry_their_tag_in_every_text() -> None:
    assert {t.name for t in TOPICS if t.in_seed} == SEED_TOPICS
    assert {"重庆山火", "台风梅花"} <= {t.name for t in TOPICS}
    assert len({t.name for t in TOPICS}) == len(TOPICS)
    for topic in TOPICS:
        assert topic.tag == f"#{topic.name}#"
        assert topic.description and topic.hosts and topic.replies
        assert all(h in cast.ACCOUNTS_BY_USERNAME for h in topic.hosts)
        assert topic.region_code == NATIONAL or regions.is_place(topic.region_code)
        assert 8 <= len(topic.posts) <= 20, topic.name
        assert all(topic.tag in text for text in topic.posts), topic.name
        assert bool(topic.requests) == bool(topic.responses)


def test_mentions_in_cast_texts_name_cast_accounts() -> None:
    names = set(by_display_name())
    texts = [text for t in TOPICS for text in t.posts + t.outcomes]
    mentioned = {m for text in texts for m in re.findall(r"@([^\s@#,,。!!??:]+)", text)}
    assert mentioned and mentioned <= names


def test_text_pools_are_big_enough_for_a_varied_demo() -> None:
    assert len(cast.CITIZEN_POSTS) >= 60
    assert len(cast.SURNAMES) >= 50 and len(cast.GIVEN_NAMES) >= 50
    assert set(cast.GOVERNMENT_POSTS) == set(cast.DEPARTMENT_TYPES)


# —— the generator ——


def test_same_seed_gives_equal_data_and_another_seed_different_data() -> None:
    assert generate(7, citizens=300, posts=600) == generate(7, citizens=300, posts=600)
    other = generate(8, citizens=300, posts=600)
    first = generate(7, citizens=300, posts=600)
    assert other.citizens != first.citizens
    assert other.posts != first.posts
    assert other.follows != first.follows


def test_sizes_are_as_requested(demo: DemoData) -> None:
    assert len(demo.citizens) == 3000
    assert len(demo.posts) == 6000
    assert demo.accounts == ACCOUNTS
    small = generate(1, citizens=40, posts=150)
    assert (len(small.citizens), len(small.posts)) == (40, 150)
    assert generate(1, citizens=0, posts=0).posts == ()


def test_usernames_are_ascii_and_unique_and_display_names_unique(demo: DemoData) -> None:
    usernames = [a.username for a in demo.accounts] + [c.username for c in demo.citizens]
    assert all(USERNAME.fullmatch(u) for u in usernames)
    assert len(set(usernames)) == len(usernames)
    display_names = [a.display_name for a in demo.accounts] + [c.display_name for c in demo.citizens]
    assert len(set(display_names)) == len(display_names)
    assert all(0 < len(name) <= 30 for name in display_names)


def test_citizens_live_in_real_cities_and_cover_at_least_a_hundred(demo: DemoData) -> None:
    cities = {d.code for d in regions.cities()}
    homes = Counter(c.home_city for c in demo.citizens)
    assert set(homes) <= cities
    assert len(homes) >= 100
    # The seed's cities are where most people are.
    top = {city for city, _ in homes.most_common(7)}
    assert {"500000", "310000", "510100", "110000", "340500"} <= top


def test_follows_are_between_known_accounts_without_duplicates(demo: DemoData) -> None:
    usernames = {a.username for a in demo.accounts} | {c.username for c in demo.citizens}
    pairs = [(f.follower, f.followed) for f in demo.follows]
    assert len(set(pairs)) == len(pairs)
    assert all(a in usernames and b in usernames and a != b for a, b in pairs)
    followers = Counter(b for _, b in pairs)
    assert followers["rmrb"] > len(demo.citizens) / 3  # most citizens read the national media
    chongqing = {c.username for c in demo.citizens if c.home_city == "500000"}
    cq_fans = {a for a, b in pairs if b == "cq_fabu"}
    assert len(cq_fans & chongqing) > len(chongqing) / 2
    citizen_follows = Counter(a for a, b in pairs if b not in cast.ACCOUNTS_BY_USERNAME)
    assert max(citizen_follows.values()) > 5 * (sum(citizen_follows.values()) / len(citizen_follows))


def test_replies_and_reblogs_point_to_earlier_not_newer_posts(demo: DemoData) -> None:
    posts = {p.key: p for p in demo.posts}
    assert [p.key for p in demo.posts] == list(range(1, len(demo.posts) + 1))
    replies = reblogs = 0
    for post in demo.posts:
        assert not (post.reply_to and post.reblog_of)
        target_key = post.reply_to or post.reblog_of
        if target_key is None:
            continue
        target = posts[target_key]
        assert target.key < post.key
        assert target.minutes_ago >= post.minutes_ago
        assert target.visibility == "public"
        if post.reblog_of:
            reblogs += 1
            assert post.text == ""
            assert target.reblog_of is None and target.reply_to is None
        else:
            replies += 1
            assert post.text and target.reblog_of is None
    assert replies > 600 and reblogs > 300


def test_posts_are_well_formed_and_spread_over_the_week(demo: DemoData) -> None:
    usernames = {a.username for a in demo.accounts} | {c.username for c in demo.citizens}
    cities = {d.code for d in regions.cities()}
    for post in demo.posts:
        assert post.author in usernames
        assert post.city is None or post.city in cities
        assert 0 <= post.minutes_ago < WINDOW_MINUTES
        assert len(post.text) <= 2000
        assert post.visibility in ("public", "unlisted", "private")
        assert post.text or post.reblog_of
    days = Counter(p.minutes_ago // 1440 for p in demo.posts)
    assert set(days) == set(range(7))
    homes = {c.username: c.home_city for c in demo.citizens} | {a.username: a.home_city for a in demo.accounts}
    at_home = sum(p.city == homes[p.author] for p in demo.posts)
    assert at_home > 0.8 * len(demo.posts)


def test_every_topic_has_posts_from_its_hosts_and_from_citizens(demo: DemoData) -> None:
    cast_names = set(cast.ACCOUNTS_BY_USERNAME)
    for topic in TOPICS:
        tagged = [p for p in demo.posts if topic.tag in p.text]
        assert any(p.author in topic.hosts for p in tagged), topic.name
        assert any(p.author not in cast_names for p in tagged), topic.name
    small = generate(3, citizens=20, posts=60)
    for topic in TOPICS:
        assert any(topic.tag in p.text for p in small.posts), topic.name


def test_topics_burst_rather_than_trickle(demo: DemoData) -> None:
    topic = cast.TOPICS_BY_NAME["重庆山火各处明火均已扑灭"]
    hours = sorted(p.minutes_ago // 60 for p in demo.posts if topic.tag in p.text)
    middle = hours[len(hours) // 10: len(hours) * 9 // 10]
    assert middle[-1] - middle[0] <= 48  # 80% of its posts within two days


def test_help_and_service_requests_get_official_answers(demo: DemoData) -> None:
    posts = {p.key: p for p in demo.posts}
    help_topic = cast.TOPICS_BY_NAME["有困难一起扛"]
    answered = [
        p for p in demo.posts
        if p.reply_to and p.author in help_topic.hosts
        and any(request in posts[p.reply_to].text for request in help_topic.requests)
    ]
    assert answered
    service = [p for p in demo.posts if p.reply_to and p.text in cast.SERVICE_OUTCOMES]
    assert service
    for reply in service:
        assert reply.reply_to is not None
        request = posts[reply.reply_to]
        assert f"@{cast.ACCOUNTS_BY_USERNAME[reply.author].display_name}" in request.text


def test_likes_are_unique_by_known_accounts_on_visible_posts(demo: DemoData) -> None:
    posts = {p.key: p for p in demo.posts}
    usernames = {a.username for a in demo.accounts} | {c.username for c in demo.citizens}
    pairs = [(like.account, like.post) for like in demo.likes]
    assert len(set(pairs)) == len(pairs)
    assert len(pairs) > len(demo.posts)
    for account, key in pairs:
        post = posts[key]
        assert account in usernames and account != post.author
        assert post.reblog_of is None and post.visibility != "private"


def test_short_names_are_what_people_call_a_place() -> None:
    assert short_name("500000") == "重庆"
    assert short_name("513300") == "甘孜"
    assert short_name("652900") == "阿克苏"
    assert short_name("653000") == "克孜勒苏"
    assert short_name(NATIONAL) == "全国"


def test_negative_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        generate(citizens=-1)

