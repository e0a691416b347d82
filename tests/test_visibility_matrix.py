"""The visibility matrix (issue 10): every read path × every viewer × every visibility × every
kind of post, on both databases. A post must appear — its text and its id — exactly where the
rules below allow it: anywhere more is a leak, anywhere less a loss. The expected answer is
computed from the rules (one table, Mastodon's semantics), never written cell by cell.

The world: ``author`` writes, in each visibility, a post (mentioning ``mentioned``), a reply to
``stranger``'s public post (mentioning ``mentioned``, not ``stranger``) and, where a repost is
allowed, a repost: a public repost of ``origin``'s public post, a public repost of its unlisted
post (unlisted, as its original), a followers-only repost of its public post. ``suspect`` writes
a post in each visibility too (``follower`` follows it, ``mentioned`` is named) and is then
suspended. ``follower`` follows ``author``; ``mentioned`` likes and publicly answers every post
it may see (so they have likes, notifications and threads); ``moderator`` is staff and follows
no one. Every post carries the topic #矩阵话题# and one of its own, the word "zebrafish" for
search and a marker (``M07Q``) by which its text is recognised on pages and in answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import select
from starlette.testclient import TestClient

from plaza.app import Plaza
from plaza.identity import tokens
from plaza.square import accounts, follows, posts
from plaza.storage.schema import notifications
from tests.factories import citizen, post
from tests.hotsupport import seasoned

PASSWORD = "correct horse battery"
VISIBILITIES = ("public", "unlisted", "private", "direct")
OPEN = ("public", "unlisted")
VIEWERS = ("anonymous", "stranger", "follower", "mentioned", "author", "moderator")
SIGNED_IN = VIEWERS[1:]
TOPIC = "矩阵话题"
WORD = "zebrafish"
CITY = "500000"
MARKER = re.compile(r"M\d\dQ")


@dataclass
class Item:
    """One post of the world: what kind it is, its visibility (a repost's: as restricted as its
    original's and its own), and how to recognise it."""

    kind: str  # post, reply, repost, suspended
    visibility: str
    id: int = 0
    marker: str = ""
    topic: str = ""  # its own topic (none for a repost: it carries its original's)
    original: int | None = None  # a repost's original
    answer: int | None = None  # mentioned's public reply to it (post and suspended kinds)

    @property
    def name(self) -> str:
        return f"{self.kind}/{self.visibility}"


# --- the rules (the expected table) ---------------------------------------------------------------

def may_open(viewer: str, item: Item) -> bool:
    """The post by its id (a status, its page, its thread, who liked or reposted it): Mastodon's
    visibility, and a suspended account's posts for staff alone (and only what staff may see)."""
    if item.kind == "suspended":
        return viewer == "moderator" and item.visibility in OPEN
    if viewer == "author" or item.visibility in OPEN:
        return True
    if viewer == "mentioned" and item.kind in ("post", "reply"):
        return True
    return item.visibility == "private" and viewer == "follower"


def listed(item: Item, *kinds: str) -> bool:
    """On the lists for everyone (public, topic and city timelines, search, trends): public
    posts of accounts not suspended, of the kinds that list shows."""
    return item.visibility == "public" and item.kind in kinds


def in_home(viewer: str, item: Item) -> bool:
    """A home timeline: one's own posts, the followed accounts' (not direct), and direct posts
    that name the viewer; never a suspended account's."""
    if item.kind == "suspended":
        return False
    if viewer == "author":
        return True
    if viewer == "follower":
        return item.visibility != "direct"
    return viewer == "mentioned" and item.visibility == "direct" and item.kind in ("post", "reply")


def notified(viewer: str, item: Item) -> bool:
    """A notification about the post that the viewer may read: ``mentioned`` is named in posts
    and replies, ``stranger`` is answered by the replies, ``author`` gets ``mentioned``'s likes —
    each shown only if the viewer may see the post (a suspended sender's: never)."""
    if item.kind == "suspended":
        return False
    sent = ((viewer == "mentioned" and item.kind in ("post", "reply"))
            or (viewer == "stranger" and item.kind == "reply")
            or (viewer == "author" and item.kind in ("post", "reply")))
    return sent and may_open(viewer, item)


def topic_known(viewer: str, item: Item) -> bool:
    """The post's own topic exists for the viewer: it is on a listed post, or the viewer is staff."""
    return viewer == "moderator" or (item.visibility == "public" and item.kind != "suspended")


# --- the world --------------------------------------------------------------------------------------

@dataclass
class World:
    plaza: Plaza
    client: TestClient
    items: list[Item]
    people: dict[str, Any]
    bearer: dict[str, dict[str, str]] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    root: int = 0

    def api(self, viewer: str, path: str, params: Any = None) -> httpx.Response:
        """An API read with the viewer's bearer token (none for ``anonymous``)."""
        self.client.cookies.clear()
        return self.client.get(path, params=params, headers=self.bearer.get(viewer, {}))

    def page(self, viewer: str, path: str) -> httpx.Response:
        """A page read in the viewer's signed-in web session (none for ``anonymous``)."""
        self.client.cookies.clear()
        cookie = self.sessions.get(viewer)
        return self.client.get(path, headers={"Cookie": cookie} if cookie else {}, follow_redirects=False)


def _text(item: Item) -> str:
    return f"{item.marker} {WORD} #{TOPIC}# #{item.topic}# @mentioned 一条{item.visibility}的微博"


def build(plaza: Plaza, client: TestClient) -> World:
    people = {name: citizen(plaza, name, password=PASSWORD if name in SIGNED_IN else None,
                            home_city=CITY)
              for name in ("author", "follower", "mentioned", "stranger", "moderator", "origin", "suspect")}
    accounts.set_flags(plaza.db, people["moderator"].id, role="moderator")
    follows.follow(plaza.db, people["follower"].id, people["author"].id)
    follows.follow(plaza.db, people["follower"].id, people["suspect"].id)
    root = post(plaza, people["stranger"], "一条公开的微博，欢迎回复")
    items: list[Item] = []

    def add(item: Item) -> Item:
        item.marker = f"M{len(items):02d}Q"
        item.topic = f"专题{len(items):02d}号" if item.kind != "repost" else ""
        items.append(item)
        return item

    for visibility in VISIBILITIES:
        made = add(Item("post", visibility))
        made.id = post(plaza, people["author"], _text(made), visibility=visibility, city=CITY)
        made = add(Item("reply", visibility))
        made.id = post(plaza, people["author"], _text(made), visibility=visibility, city=CITY,
                       in_reply_to_id=root)
        made = add(Item("suspended", visibility))
        made.id = post(plaza, people["suspect"], _text(made), visibility=visibility, city=CITY)
    for visibility, original_visibility, shown_as in (("public", "public", "public"),
                                                      ("unlisted", "unlisted", "public"),
                                                      ("private", "public", "private")):
        made = add(Item("repost", visibility))
        made.original = post(plaza, people["origin"], f"原帖 #{TOPIC}# 供转发",
                             visibility=original_visibility, city=CITY)
        made.id = posts.reblog(plaza.db, people["author"], made.original, shown_as)

    for item in items:
        if item.kind in ("post", "reply", "suspended"):
            posts.favourite(plaza.db, people["mentioned"], item.id)
        if item.kind in ("post", "suspended"):
            item.answer = post(plaza, people["mentioned"], "收到，谢谢", in_reply_to_id=item.id)

    # Three seasoned accounts make the shared topic hot, so trends list its posts.
    for n in range(3):
        poster = seasoned(plaza, f"trend{n}", CITY)
        headers = {"Authorization": f"Bearer {tokens.issue(plaza.db, poster.id, None, frozenset({'read', 'write'}))[0]}"}
        made = client.post("/api/v1/statuses", headers=headers, json={"status": f"#{TOPIC}# 第{n}条热议"})
        assert made.status_code == 200, made.text
    plaza.hot.refresh()

    accounts.set_flags(plaza.db, people["suspect"].id, suspended=True)

    world = World(plaza, client, items, people, root=root)
    for name in SIGNED_IN:
        secret, _ = tokens.issue(plaza.db, people[name].id, None, frozenset({"read", "write", "follow"}))
        world.bearer[name] = {"Authorization": f"Bearer {secret}"}
        client.cookies.clear()  # a web session of its own, signed in through the form
        form = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
        assert form is not None
        signed = client.post("/signin", data={"login": name, "password": PASSWORD, "next": "/home",
                                              "csrf_token": form.group(1)}, follow_redirects=False)
        assert signed.status_code == 303, signed.text
        world.sessions[name] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    client.cookies.clear()
    return world


# --- what a response shows ---------------------------------------------------------------------------

@dataclass
class Shown:
    """The posts a response shows: ids of statuses (and reposts) and the markers of texts."""

    ids: set[int]
    markers: set[str]

    def holds(self, item: Item) -> bool:
        if item.kind == "repost":
            return item.id in self.ids
        return item.id in self.ids or item.marker in self.markers


def _status_ids(statuses: Iterable[Any]) -> set[int]:
    ids: set[int] = set()
    for s in statuses:
        if isinstance(s, dict):
            ids.add(int(s["id"]))
            if s.get("reblog"):
                ids.add(int(s["reblog"]["id"]))
    return ids


def api_shown(response: httpx.Response, statuses: Callable[[Any], Iterable[Any]] = lambda body: body) -> Shown:
    if response.status_code != 200:
        return Shown(set(), set())
    return Shown(_status_ids(statuses(response.json())), set(MARKER.findall(response.text)))


def page_shown(response: httpx.Response) -> Shown:
    if response.status_code != 200:
        return Shown(set(), set())
    html = response.text
    ids = {int(i) for i in re.findall(r'id="status-(\d+)"', html)}
    ids |= {int(i) for i in re.findall(r'data-reblog-id="(\d+)"', html)}
    return Shown(ids, set(MARKER.findall(html)))


# --- the read paths ----------------------------------------------------------------------------------

@dataclass
class ListPath:
    """A read that shows many posts at once: read once per viewer, every item checked."""

    name: str
    read: Callable[[World, str], Shown]
    expected: Callable[[str, Item], bool]
    applies: Callable[[Item], bool] = lambda item: True


@dataclass
class ItemPath:
    """A read about one post: read per viewer and item; ``read`` says whether it showed it."""

    name: str
    read: Callable[[World, str, Item], bool]
    expected: Callable[[str, Item], bool]
    applies: Callable[[Item], bool] = lambda item: True


def _api(world: World, viewer: str, path: str, **params: Any) -> httpx.Response:
    return world.api(viewer, path, params or None)


def _api_list(path: str, statuses: Callable[[Any], Iterable[Any]] = lambda body: body,
              **params: Any) -> Callable[[World, str], Shown]:
    return lambda world, viewer: api_shown(_api(world, viewer, path.format(**_ids(world)), **params), statuses)


def _page(path: str) -> Callable[[World, str], Shown]:
    return lambda world, viewer: page_shown(world.page(viewer, path))


def _ids(world: World) -> dict[str, Any]:
    return {"author": world.people["author"].id, "suspect": world.people["suspect"].id, "root": world.root}


def _many(world: World, viewer: str) -> Shown:
    return api_shown(world.api(viewer, "/api/v1/statuses", [("id[]", str(item.id)) for item in world.items]))


def _status(world: World, viewer: str, item: Item) -> bool:
    return item.id in api_shown(_api(world, viewer, f"/api/v1/statuses/{item.id}"), lambda s: [s]).ids


def _focal_context(world: World, viewer: str, item: Item) -> bool:
    return _api(world, viewer, f"/api/v1/statuses/{item.id}/context").status_code == 200


def _as_ancestor(world: World, viewer: str, item: Item) -> bool:
    answer = _api(world, viewer, f"/api/v1/statuses/{item.answer}/context")
    return item.id in api_shown(answer, lambda body: body["ancestors"]).ids


def _favourited_by(world: World, viewer: str, item: Item) -> bool:
    return _api(world, viewer, f"/api/v1/statuses/{item.id}/favourited_by").status_code == 200


def _reblogged_by(world: World, viewer: str, item: Item) -> bool:
    if item.kind != "repost":
        return _api(world, viewer, f"/api/v1/statuses/{item.id}/reblogged_by").status_code == 200
    answer = _api(world, viewer, f"/api/v1/statuses/{item.original}/reblogged_by")
    return answer.status_code == 200 and str(world.people["author"].id) in {a["id"] for a in answer.json()}


def _notification(world: World, viewer: str, item: Item) -> bool:
    """Each notification about the post that the viewer received, opened one by one."""
    if viewer == "anonymous":
        return False
    with world.plaza.db.read() as conn:
        ids = [r.id for r in conn.execute(select(notifications.c.id).where(
            notifications.c.account_id == world.people[viewer].id, notifications.c.status_id == item.id))]
    return any(item.id in api_shown(_api(world, viewer, f"/api/v1/notifications/{n}"),
                                    lambda body: [body.get("status")]).ids for n in ids)


def _tag(world: World, viewer: str, item: Item) -> bool:
    return _api(world, viewer, "/api/v1/tags/" + quote(item.topic)).status_code == 200


def _plaza_topic(world: World, viewer: str, item: Item) -> bool:
    return _api(world, viewer, "/api/plaza/v1/topics/" + quote(item.topic)).status_code == 200


def _topic_page(world: World, viewer: str, item: Item) -> bool:
    return world.page(viewer, "/topics/" + quote(item.topic)).status_code == 200


def _status_page(world: World, viewer: str, item: Item) -> bool:
    username = "suspect" if item.kind == "suspended" else "author"
    answer = world.page(viewer, f"/@{username}/{item.id}")
    if item.kind == "repost":  # a repost's page is its original's
        return answer.status_code == 303 and answer.headers["location"].endswith(f"/{item.original}")
    return page_shown(answer).holds(item)


def _conversations(item: Item) -> bool:
    return item.kind in ("post", "reply") and item.visibility == "direct"


def _profile(viewer: str, item: Item) -> bool:
    return may_open(viewer, item)


def _own_kinds(*kinds: str) -> Callable[[Item], bool]:
    return lambda item: item.kind in kinds


LIST_PATHS = (
    ListPath("API home timeline", _api_list("/api/v1/timelines/home"),
             lambda v, i: v != "anonymous" and in_home(v, i)),
    ListPath("API public timeline", _api_list("/api/v1/timelines/public"),
             lambda v, i: listed(i, "post", "reply")),
    ListPath("API public timeline ?local", _api_list("/api/v1/timelines/public", local="true"),
             lambda v, i: listed(i, "post", "reply")),
    ListPath("API tag timeline", _api_list("/api/v1/timelines/tag/" + quote(TOPIC)),
             lambda v, i: listed(i, "post", "reply", "repost")),
    ListPath("API city timeline", _api_list(f"/api/v1/timelines/city/{CITY}"),
             lambda v, i: listed(i, "post", "reply")),
    ListPath("API statuses?id[]", _many, may_open),
    ListPath("API account statuses", _api_list("/api/v1/accounts/{author}/statuses", limit="40"), _profile,
             _own_kinds("post", "reply", "repost")),
    ListPath("API suspended account statuses", _api_list("/api/v1/accounts/{suspect}/statuses"), _profile,
             _own_kinds("suspended")),
    ListPath("API context (as a reply)", _api_list("/api/v1/statuses/{root}/context",
                                                   lambda body: body["descendants"]),
             may_open, _own_kinds("reply")),
    ListPath("API notifications", _api_list("/api/v1/notifications", lambda body: [n.get("status") for n in body],
                                            limit="80"), notified),
    ListPath("API conversations", _api_list("/api/v1/conversations", lambda body: [c["last_status"] for c in body],
                                            limit="40"),
             lambda v, i: v in ("author", "mentioned") and _conversations(i)),
    ListPath("API search v2 statuses", _api_list("/api/v2/search", lambda body: body["statuses"], q=WORD,
                                                 type="statuses", limit="40"),
             lambda v, i: listed(i, "post", "reply")),
    ListPath("API trends statuses", _api_list("/api/v1/trends/statuses", limit="40"),
             lambda v, i: listed(i, "post", "reply")),
    ListPath("web square", _page("/"), lambda v, i: listed(i, "post", "reply")),
    ListPath("web home", _page("/home"), lambda v, i: v != "anonymous" and in_home(v, i)),
    ListPath("web city", _page(f"/city/{CITY}"), lambda v, i: listed(i, "post", "reply")),
    ListPath("web topic page", _page("/topics/" + quote(TOPIC)), lambda v, i: listed(i, "post", "reply", "repost")),
    ListPath("web profile", _page("/@author"), _profile, _own_kinds("post", "reply", "repost")),
    ListPath("web suspended profile", _page("/@suspect"), _profile, _own_kinds("suspended")),
    ListPath("web search", _page(f"/search?q={WORD}"), lambda v, i: listed(i, "post", "reply")),
    ListPath("web notifications", _page("/notifications"), notified),
)

_NOT_REPOST = _own_kinds("post", "reply", "suspended")
ITEM_PATHS = (
    ItemPath("API status", _status, may_open),
    ItemPath("API context (of the post)", _focal_context, may_open, _NOT_REPOST),
    ItemPath("API context (as an ancestor)", _as_ancestor, may_open, _own_kinds("post", "suspended")),
    ItemPath("API favourited_by", _favourited_by, may_open),
    ItemPath("API reblogged_by", _reblogged_by, may_open),
    ItemPath("API notification", _notification, notified),
    ItemPath("API tag entity", _tag, topic_known, _NOT_REPOST),
    ItemPath("Plaza API topic", _plaza_topic, topic_known, _NOT_REPOST),
    ItemPath("web topic page (its own topic)", _topic_page, topic_known, _NOT_REPOST),
    ItemPath("web status page", _status_page, may_open),
)


def mismatches(world: World) -> list[str]:
    """Every cell where a post shows and may not (LEAK) or may and does not (MISSING)."""
    wrong: list[str] = []

    def check(path: str, viewer: str, item: Item, shown: bool, expected: bool) -> None:
        if shown != expected:
            wrong.append(f"{'LEAK' if shown else 'MISSING':7} {path:32} {viewer:10} {item.name}")

    for list_path in LIST_PATHS:
        for viewer in VIEWERS:
            shown = list_path.read(world, viewer)
            for item in world.items:
                if list_path.applies(item):
                    check(list_path.name, viewer, item, shown.holds(item), list_path.expected(viewer, item))
    for item_path in ITEM_PATHS:
        for viewer in VIEWERS:
            for item in world.items:
                if item_path.applies(item):
                    check(item_path.name, viewer, item, item_path.read(world, viewer, item),
                          item_path.expected(viewer, item))
    return wrong


def test_every_read_path_shows_each_post_exactly_to_those_who_may_see_it(client, plaza) -> None:
    world = build(plaza, client)
    assert len(world.items) == 15
    wrong = mismatches(world)
    assert not wrong, f"{len(wrong)} cells wrong:\n" + "\n".join(wrong)


# --- the rules one by one: suspension, notifications, topics, hot search --------------------------

def _bearer(plaza: Plaza, row: Any) -> dict[str, str]:
    secret, _ = tokens.issue(plaza.db, row.id, None, frozenset({"read", "write", "follow"}))
    return {"Authorization": f"Bearer {secret}"}


def _sign_in(client: TestClient, login: str) -> None:
    form = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert form is not None
    signed = client.post("/signin", data={"login": login, "password": PASSWORD, "csrf_token": form.group(1)},
                         follow_redirects=False)
    assert signed.status_code == 303, signed.text


def test_suspension_signs_the_account_out_for_good(client, plaza) -> None:
    li = citizen(plaza, "li", password=PASSWORD)
    headers = _bearer(plaza, li)
    _sign_in(client, "li")
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 200
    accounts.set_flags(plaza.db, li.id, suspended=True)
    accounts.set_flags(plaza.db, li.id, suspended=False)
    # Lifting the suspension gives the account back, not what was issued before it.
    assert client.get("/api/v1/accounts/verify_credentials", headers=headers).status_code == 401
    assert client.get("/home", follow_redirects=False).headers["location"].startswith("/signin")
    _sign_in(client, "li")  # signing in again works
    assert client.get("/home").status_code == 200


def test_a_suspended_accounts_posts_vanish_everywhere_and_come_back_when_it_is_lifted(client, plaza) -> None:
    xiao, fan, sharer = (citizen(plaza, name, password=None) for name in ("xiao", "fan", "sharer"))
    follows.follow(plaza.db, fan.id, xiao.id)
    follows.follow(plaza.db, fan.id, sharer.id)
    said = post(plaza, xiao, f"#山城# 今天 {WORD} 天气不错")
    shared = posts.reblog(plaza.db, sharer, said)
    fan_headers = _bearer(plaza, fan)

    def where_seen() -> set[str]:
        seen = set()
        reads = {"public": ("/api/v1/timelines/public", {}), "tag": ("/api/v1/timelines/tag/山城", {}),
                 "home": ("/api/v1/timelines/home", fan_headers),
                 "search": (f"/api/v2/search?q={WORD}&type=statuses", {})}
        for name, (path, headers) in reads.items():
            body = client.get(path, headers=headers).json()
            if said in _status_ids(body["statuses"] if name == "search" else body):
                seen.add(name)
        if shared in _status_ids(client.get("/api/v1/timelines/home", headers=fan_headers).json()):
            seen.add("the repost in home")
        for status_id, name in ((said, "the post"), (shared, "the repost")):
            if client.get(f"/api/v1/statuses/{status_id}").status_code == 200:
                seen.add(name)
        return seen

    everywhere = {"public", "tag", "home", "search", "the repost in home", "the post", "the repost"}
    assert where_seen() == everywhere
    accounts.set_flags(plaza.db, xiao.id, suspended=True)
    assert where_seen() == set()
    accounts.set_flags(plaza.db, xiao.id, suspended=False)
    assert where_seen() == everywhere


def test_a_reply_its_parents_author_may_not_see_does_not_notify_them(client, plaza) -> None:
    stranger, author = citizen(plaza, "stranger", password=None), citizen(plaza, "author", password=None)
    root = post(plaza, stranger, "大家怎么看？")
    seen_reply = post(plaza, author, "公开回复", in_reply_to_id=root)
    for n in range(2):  # newer, and meant for no one but their author
        post(plaza, author, f"私下的回复{n}", visibility="direct", in_reply_to_id=root)
    headers = _bearer(plaza, stranger)
    first = client.get("/api/v1/notifications", params={"limit": 2}, headers=headers)
    assert first.status_code == 200 and first.json() == [] and "私下" not in first.text
    # The page went through two notifications it may not show: its link leads on to older ones.
    older = client.get(first.links["next"]["url"], headers=headers).json()
    assert [(n["type"], n["status"]["id"]) for n in older] == [("mention", str(seen_reply))]
    assert "私下" not in client.get("/api/v1/notifications", headers=headers).text


def test_a_topic_no_public_post_names_cannot_be_confirmed(client, plaza) -> None:
    author, follower = citizen(plaza, "author", password=None), citizen(plaza, "follower", password=PASSWORD)
    moderator = citizen(plaza, "moderator", password=PASSWORD)
    accounts.set_flags(plaza.db, moderator.id, role="moderator")
    follows.follow(plaza.db, follower.id, author.id)
    post(plaza, author, "#家里的事# 只给关注者看", visibility="private")
    post(plaza, author, "#悄悄话# @follower", visibility="direct")
    post(plaza, author, "#不上榜的事# 不公开列出", visibility="unlisted")
    reads = ("/api/plaza/v1/topics/{}", "/api/v1/tags/{}", "/topics/{}")
    hidden_topics = ("家里的事", "悄悄话", "不上榜的事")
    nowhere = "从来没有的话题"

    def answers(name: str, viewer: Any | None) -> list[tuple[int, str]]:
        """The three reads of a topic (the API ones with a token, the page in a web session)."""
        headers = _bearer(plaza, viewer) if viewer is not None else {}
        found = [client.get(path.format(quote(name)), headers=headers if "/api/" in path else {})
                 for path in reads]
        return [(r.status_code, r.text.replace(name, nowhere)) for r in found]  # a page links to itself

    never = answers(nowhere, None)
    assert [status for status, _ in never] == [404, 404, 404]
    for viewer in (None, follower):  # whoever may read the posts: as if no post named the topic
        if viewer is not None:
            _sign_in(client, "follower")
        for name in hidden_topics:
            assert answers(name, viewer) == answers(nowhere, viewer)
            assert client.get("/api/v2/search", params={"q": name, "type": "hashtags"}).json()["hashtags"] == []
    client.cookies.clear()
    _sign_in(client, "moderator")  # staff may see every topic a post names
    assert all(status == 200 for name in hidden_topics for status, _ in answers(name, moderator))
    client.cookies.clear()
    post(plaza, follower, "#家里的事# 现在公开说说")
    assert [status for status, _ in answers("家里的事", None)] == [200, 200, 200]


def test_a_pinned_topic_has_its_page_before_any_post_names_it(client, plaza) -> None:
    plaza.hot.pin("防汛通告", "市防汛办发布")
    assert client.get("/topics/" + quote("防汛通告")).status_code == 200
    assert client.get("/api/plaza/v1/topics/" + quote("防汛通告")).json()["name"] == "防汛通告"


HOT_TOPICS = ("公开话题", "不公开话题", "私密话题", "回复话题", "转发话题")


def _hot_counters(service: Any) -> dict[str, tuple[int, int, int, int]]:
    return {t: (s.originals, s.discussions, s.interactions, s.participants)
            for t in HOT_TOPICS for s in [service.engine.topic_stats(t)]}


def test_hot_search_counts_only_what_the_public_may_see(client, plaza) -> None:
    from tests.hot_api_helpers import post as api_post
    from tests.hotsupport import bearer_for
    from tests.test_hot_history import Clock, clocked

    people = [seasoned(plaza, f"p{n}") for n in range(4)]
    p = [bearer_for(plaza, row) for row in people]
    follows.follow(plaza.db, people[3].id, people[2].id)
    api_post(client, p[0], "#公开话题# 正文")
    unlisted = api_post(client, p[1], "#不公开话题# 不公开列出", visibility="unlisted")
    secret = api_post(client, p[2], "#私密话题# 只给关注者", visibility="private")
    api_post(client, p[3], "#回复话题# 公开回一句", in_reply_to_id=secret["id"])
    shared = api_post(client, p[1], "#转发话题# 欢迎转发")
    assert client.post(f"/api/v1/statuses/{shared['id']}/reblog", headers=p[3],
                       json={"visibility": "private"}).status_code == 200
    assert client.post(f"/api/v1/statuses/{shared['id']}/reblog", headers=p[2]).status_code == 200
    assert client.post(f"/api/v1/statuses/{unlisted['id']}/favourite", headers=p[0]).status_code == 200
    assert client.get("/api/v1/timelines/home", headers=p[3]).status_code == 200  # reads the private post
    plaza.hot.flush()
    live = _hot_counters(plaza.hot)
    assert live == {
        "公开话题": (1, 1, 0, 1),
        "不公开话题": (0, 0, 0, 0),  # neither the unlisted post nor its like
        "私密话题": (0, 0, 0, 0),  # nor the public reply to it, nor reading it
        "回复话题": (0, 0, 1, 1),  # the reply counts for its own topic
        "转发话题": (1, 2, 1, 2),  # the original and the public repost, not the followers-only one
    }
    assert plaza.hot.engine.topic_stats("私密话题").reads == 0
    rebuilt = clocked(plaza, Clock())  # the engine's state lost: recount from the posts
    rebuilt.rebuild()
    assert _hot_counters(rebuilt) == live


def test_migration_0013_unlists_the_topics_of_unlisted_posts_private_reposts_and_the_suspended(
        database_url, tmp_path) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, insert, text

    from plaza.config import normalise_database_url
    from plaza.storage.migrate import upgrade
    from plaza.storage.schema import accounts as accounts_table
    from plaza.storage.schema import status_topics, statuses, topics
    from tests.conftest import POSTGRES_URL, postgres_url_for

    schema = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        import os

        schema = f"plaza_test_mig_{os.getpid()}"
        admin = create_engine(normalise_database_url(POSTGRES_URL))
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = postgres_url_for(schema)
    engine = create_engine(normalise_database_url(url))
    try:
        upgrade(engine, "0008")
        now = datetime.now(UTC)
        person = {"username": "a", "username_key": "a", "display_name": "a", "display_name_key": "a",
                  "kind": "citizen", "note": "", "home_city": CITY, "locale": "zh-CN", "role": "user",
                  "approved": True, "suspended": False, "bot": False, "followers_count": 0,
                  "following_count": 0, "statuses_count": 0, "pull_feed": False, "created_at": now,
                  "updated_at": now}
        shown = {"text": "x", "spoiler_text": "", "sensitive": False, "replies_count": 0, "reblogs_count": 0,
                 "favourites_count": 0, "created_at": now, "account_id": 1}
        rows = [(10, "public", None, 1), (11, "unlisted", None, 1), (12, "public", 10, 1), (13, "private", 10, 1),
                (14, "public", 11, 1), (15, "private", None, 1), (16, "public", None, 2)]
        with engine.begin() as conn:
            conn.execute(insert(accounts_table).values(id=1, **person))
            conn.execute(insert(accounts_table).values(  # a suspended account
                id=2, **{**person, "username": "b", "username_key": "b", "display_name": "b",
                         "display_name_key": "b", "suspended": True}))
            conn.execute(insert(topics).values(id=100, name="t", key="t", created_at=now))
            for status_id, visibility, original, author in rows:
                conn.execute(insert(statuses).values(id=status_id, visibility=visibility, reblog_of_id=original,
                                                     **{**shown, "account_id": author}))
                # as the old code wrote it: public or unlisted posts, and every repost
                marked = visibility in OPEN or original is not None
                conn.execute(insert(status_topics).values(topic_id=100, status_id=status_id, public=marked))
        upgrade(engine)
        with engine.connect() as conn:
            listed = {r.status_id for r in conn.execute(select(status_topics.c.status_id)
                                                        .where(status_topics.c.public.is_(True)))}
        assert listed == {10, 12}  # the public post and the public repost of it (not the suspended's)
    finally:
        engine.dispose()
        if schema is not None:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()
