"""The square's rules, exercised through its services on both database backends."""

from __future__ import annotations

import pytest

from plaza.errors import Forbidden, Invalid, NotFound
from plaza.square import accounts, follows, notifications, posts, search, timelines, views
from plaza.square.pagination import Page
from tests.factories import citizen, government, post


def test_post_with_topic_and_mention_reaches_followers_home_at_once(plaza) -> None:
    cq = government(plaza, "cq_fabu", "重庆发布")
    reader = citizen(plaza, "shancheng", "山城小李")
    follows.follow(plaza.db, reader.id, cq.id)
    status_id = post(plaza, cq, "#重庆山火各处明火均已扑灭# 感谢所有救援队员 @山城小李")
    assert timelines.home(plaza.db, reader.id, Page()) == [status_id]
    [view] = views.load(plaza.db, [status_id], reader.id, "http://x")
    assert view.topics == ("重庆山火各处明火均已扑灭",)
    assert [m.username for m in view.mentions] == ["shancheng"]
    assert 'href="http://x/@shancheng"' in view.html
    kinds = [n.type for n in notifications.list_for(plaza.db, reader.id, Page())]
    assert kinds == ["mention"]


def test_followers_only_post_is_hidden_from_strangers(plaza) -> None:
    author = citizen(plaza)
    friend = citizen(plaza)
    stranger = citizen(plaza)
    follows.follow(plaza.db, friend.id, author.id)
    status_id = post(plaza, author, "只给粉丝看", visibility="private")
    with plaza.db.read() as conn:
        assert posts.get_visible(conn, status_id, friend.id).id == status_id
        with pytest.raises(NotFound):
            posts.get_visible(conn, status_id, stranger.id)
        with pytest.raises(NotFound):
            posts.get_visible(conn, status_id, None)


def test_over_long_post_is_refused_with_its_length(plaza) -> None:
    author = citizen(plaza)
    with pytest.raises(Invalid) as err:
        post(plaza, author, "长" * 2001)
    assert err.value.params == {"limit": 2000, "length": 2001}
    assert "2001" in err.value.message("zh-CN") and "2001" in err.value.message("en")


def test_retried_post_with_same_idempotency_key_makes_one_post(plaza) -> None:
    author = citizen(plaza)
    new = posts.NewStatus(text="只发一次")
    first = posts.create(plaza.db, author, new, idempotency_key="k-1")
    second = posts.create(plaza.db, author, new, idempotency_key="k-1")
    assert first == second
    assert accounts.get(plaza.db, author.id).statuses_count == 1


def test_reply_reblog_favourite_update_counters_and_notify(plaza) -> None:
    author = citizen(plaza)
    fan = citizen(plaza)
    original = post(plaza, author, "原帖")
    reply = post(plaza, fan, "回复", in_reply_to_id=original)
    posts.reblog(plaza.db, fan, original)
    posts.favourite(plaza.db, fan, original)
    posts.favourite(plaza.db, fan, original)  # twice is once
    [view] = views.load(plaza.db, [original], fan.id)
    assert (view.status.replies_count, view.status.reblogs_count, view.status.favourites_count) == (1, 1, 1)
    assert view.favourited and view.reblogged
    assert sorted(n.type for n in notifications.list_for(plaza.db, author.id, Page())) == [
        "favourite", "reblog", "reply"]
    ancestors, descendants = posts.context(plaza.db, reply, None)
    assert ancestors == [original] and descendants == []


def test_only_author_or_moderator_may_delete(plaza) -> None:
    author = citizen(plaza)
    other = citizen(plaza)
    status_id = post(plaza, author, "要删除的微博")
    with pytest.raises(Forbidden):
        posts.delete_status(plaza.db, other, status_id)
    posts.delete_status(plaza.db, author, status_id)
    assert timelines.account(plaza.db, author.id, author.id, Page()) == []


def test_city_feed_holds_posts_made_in_that_city(plaza) -> None:
    chongqing = citizen(plaza, home_city="500000")
    shanghai = citizen(plaza, home_city="310000")
    a = post(plaza, chongqing, "解放碑今天人很多")
    b = post(plaza, shanghai, "外滩风很大")
    c = post(plaza, shanghai, "出差到重庆了", city="500103")
    assert timelines.city(plaza.db, "500000", Page()) == [c, a]
    assert timelines.city(plaza.db, "310000", Page()) == [b]


def test_pages_walk_the_timeline_without_gaps(plaza) -> None:
    author = citizen(plaza)
    made = [post(plaza, author, f"第{i}条") for i in range(7)]
    seen: list[int] = []
    page = Page(limit=3)
    while True:
        ids = timelines.public(plaza.db, page)
        if not ids:
            break
        seen += ids
        page = Page(max_id=ids[-1], limit=3)
    assert seen == list(reversed(made))
    newer = timelines.public(plaza.db, Page(min_id=made[2], limit=2))
    assert newer == [made[4], made[3]]


def test_search_finds_a_word_inside_chinese_text(plaza) -> None:
    author = citizen(plaza)
    status_id = post(plaza, author, "感谢所有救援队员")
    post(plaza, author, "今天天气不错")
    assert search.search_statuses(plaza.db, "救援", None) == [status_id]


def test_display_names_are_unique_ignoring_width_and_case(plaza) -> None:
    citizen(plaza, "a1", "Plaza")
    with pytest.raises(Invalid):
        citizen(plaza, "a2", "ＰＬＡＺＡ")


def test_new_follow_brings_recent_posts_and_unfollow_takes_them_away(plaza) -> None:
    author = citizen(plaza)
    reader = citizen(plaza)
    earlier = post(plaza, author, "关注之前发的")
    follows.follow(plaza.db, reader.id, author.id)
    assert timelines.home(plaza.db, reader.id, Page()) == [earlier]
    follows.unfollow(plaza.db, reader.id, author.id)
    assert timelines.home(plaza.db, reader.id, Page()) == []


def test_posts_of_a_very_large_account_are_pulled_into_home_at_read_time(plaza, monkeypatch) -> None:
    from plaza.square import feeds

    monkeypatch.setattr(feeds, "PULL_THRESHOLD", 2)
    star = government(plaza, "cq_fabu", "重庆发布")
    fans = [citizen(plaza) for _ in range(3)]
    friend = citizen(plaza)
    for fan in fans:
        follows.follow(plaza.db, fan.id, star.id)
    follows.follow(plaza.db, fans[0].id, friend.id)
    assert accounts.get(plaza.db, star.id).pull_feed
    mixed = []
    for i in range(5):
        mixed.append(post(plaza, star, f"#一起守护这座城# 第{i}条通报"))
        mixed.append(post(plaza, friend, f"朋友的第{i}条"))
    first = timelines.home(plaza.db, fans[0].id, Page(limit=4))
    second = timelines.home(plaza.db, fans[0].id, Page(max_id=first[-1], limit=4))
    third = timelines.home(plaza.db, fans[0].id, Page(max_id=second[-1], limit=4))
    assert first + second + third == list(reversed(mixed))
    assert timelines.home(plaza.db, fans[1].id, Page(min_id=mixed[4], limit=2)) == [mixed[8], mixed[6]]


def test_direct_message_reaches_only_the_named_recipient_home(plaza) -> None:
    sender = citizen(plaza, "sender1", "寄信人")
    recipient = citizen(plaza, "receiver1", "收信人")
    follower = citizen(plaza)
    follows.follow(plaza.db, follower.id, sender.id)
    dm = post(plaza, sender, "@收信人 私信内容", visibility="direct")
    assert timelines.home(plaza.db, recipient.id, Page()) == [dm]
    assert timelines.home(plaza.db, follower.id, Page()) == []


def _seen(shown_views) -> list[tuple]:  # type: ignore[no-untyped-def]
    """What a reader sees of a page: each post, its counters, author, marks and reposted original."""
    def one(v):  # type: ignore[no-untyped-def]
        return (v.status.id, v.status.favourites_count, v.status.reblogs_count, v.account.username,
                v.account.statuses_count, v.favourited, v.reblogged, v.topics, v.html,
                one(v.reblog) if v.reblog is not None else None)
    return [one(v) for v in shown_views]


def test_a_page_shown_is_the_page_read_then_loaded(plaza, monkeypatch) -> None:
    """The timeline pages read with their posts (one statement on PostgreSQL) show exactly what
    reading the ids and loading them shows: pulled accounts, reposts with their originals, the
    viewer's likes and reposts, counters changed since the last read, the acting account."""
    from plaza.square import feeds

    monkeypatch.setattr(feeds, "PULL_THRESHOLD", 2)
    star = government(plaza, "cq_fabu", "重庆发布")
    fan, other, friend = citizen(plaza), citizen(plaza), citizen(plaza)
    for reader in (fan, other):
        follows.follow(plaza.db, reader.id, star.id)
    follows.follow(plaza.db, fan.id, friend.id)
    assert accounts.get(plaza.db, star.id).pull_feed
    ids = [post(plaza, star, f"#一起守护这座城# 第{i}条通报") for i in range(3)]
    ids.append(post(plaza, friend, "@重庆发布 收到，谢谢 #有困难一起扛#"))
    repost = posts.reblog(plaza.db, friend, ids[0])
    posts.favourite(plaza.db, fan, ids[1])
    own_repost = posts.reblog(plaza.db, fan, ids[2])

    def compare(page: Page) -> list[int]:
        expected_ids = timelines.home(plaza.db, fan.id, page)
        shown = timelines.home_shown(plaza.db, fan.id, page, "http://x")
        assert shown.ids == expected_ids
        assert _seen(shown.views) == _seen(views.load(plaza.db, expected_ids, fan.id, "http://x"))
        assert shown.acting == accounts.get(plaza.db, fan.id)
        return shown.ids

    first = compare(Page())
    assert set(first) >= {repost, own_repost, *ids}
    liked = next(v for v in timelines.home_shown(plaza.db, fan.id, Page(), "http://x").views if v.status.id == ids[1])
    assert liked.favourited and liked.status.favourites_count == 1
    # A counter and a profile change after the page was cached show on the next read.
    posts.favourite(plaza.db, other, ids[1])
    post(plaza, fan, "我自己也发一条")
    compare(Page())
    after = timelines.home_shown(plaza.db, fan.id, Page(), "http://x")
    assert next(v for v in after.views if v.status.id == ids[1]).status.favourites_count == 2
    assert after.acting.statuses_count == 2  # the repost and the post
    compare(Page(limit=2))
    compare(Page(max_id=first[2], limit=3))
    compare(Page(min_id=ids[0], limit=2))

    for read, shown in ((lambda p: timelines.public(plaza.db, p),
                         lambda p: timelines.public_shown(plaza.db, p, other.id, "http://x")),
                        (lambda p: timelines.topic(plaza.db, "一起守护这座城", p),
                         lambda p: timelines.topic_shown(plaza.db, "一起守护这座城", p, None, "http://x")),
                        (lambda p: timelines.city(plaza.db, "500000", p),
                         lambda p: timelines.city_shown(plaza.db, "500000", p, fan.id, "http://x"))):
        for page in (Page(), Page(limit=2), Page(min_id=ids[0], limit=2)):
            got = shown(page)
            assert got.ids == read(page) and got.ids
    public = timelines.public_shown(plaza.db, Page(), other.id, "http://x")
    assert _seen(public.views) == _seen(views.load(plaza.db, public.ids, other.id, "http://x"))
    assert public.acting == accounts.get(plaza.db, other.id)
    tagged = timelines.topic_shown(plaza.db, "一起守护这座城", Page(), None, "http://x")
    assert tagged.acting is None
    assert _seen(tagged.views) == _seen(views.load(plaza.db, tagged.ids, None, "http://x"))
    assert repost in tagged.ids  # reposts carry the original's topics
