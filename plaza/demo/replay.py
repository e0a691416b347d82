"""Replay the demo's activity into hot search (热搜), so a fresh demo shows live lists.

``plaza demo load`` writes posts, reposts, replies and likes through the services, which never
call hot search's counting hooks (those sit in the interface layers, where people read and post).
This module feeds that activity to the hot-search engine with a clock of its own and refreshes
the lists as the hours pass, so the national list, every city's list (同城热搜), labels, heat
curves and time on the list exist when the server starts.

What is replayed, in time order:

* every public or unlisted post, repost, reply and like of the last ``days`` days of the demo,
  attributed as the running server attributes it (the post's city, else its author's home city),
  each account weighted by its trust (``plaza.hot.service.account_trust``);
* a simulated audience, because the demo has no page views and no searches: each post carrying a
  topic is read ``READS_PER_FOLLOWER`` times per √follower of its author over the next hours
  (signed-in readers of its city, at a citizen's weight), and each original post brings a few
  searches for its topic from citizens of its city.

The demo's week is compressed into the last ``hours`` hours before *now* (story order kept): a
demo is looked at for minutes, and with heat's half-hour half-life only the last hour or two of a
real week would show; compressed, the latest stories lead, earlier ones are sinking, and each
topic's heat curve and time on the list look like a day's. The lists are refreshed once a minute
of the compressed time, as a server does; the administrators' pinned slots come last (a
government announcement on the national list and on Chongqing's).

The audience is deterministic for a seed. Replaying again adds the same activity once more (the
counters are totals); ``plaza hot rebuild`` restores the counters that posts prove.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select

from plaza.hot.recorder import Recorder
from plaza.hot.service import account_trust
from plaza.square.visibility import LISTED
from plaza.storage.schema import accounts, favourites, status_topics, statuses, topics

__all__ = ["PINS", "ReplayReport", "replay_demo"]

#: Refresh interval of the replay (minutes of compressed time), as a server refreshes.
STEP_MINUTES = 1
#: Reads of a post carrying a topic per √(its author's followers + 1).
READS_PER_FOLLOWER = 6
#: Hours over which a post's reads arrive (exponentially, this is the mean).
READ_HOURS = 1.5
#: Searches for its topic that an original post brings (on average).
SEARCHES_PER_ORIGINAL = 2.0
#: The simulated audience's weight (a citizen signed in for a while).
AUDIENCE_TRUST = 0.3
#: The pinned announcements: (list: None for national or a city code, topic, note).
PINS: tuple[tuple[str | None, str, str], ...] = (
    (None, "台风梅花", "中央气象台发布台风橙色预警，沿海地区请做好防御"),
    ("500000", "重庆山火", "重庆市应急管理局：山火救援进展与安全提示"),
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReplayReport:
    """What a replay fed the engine, and the lists it left."""

    posts: int
    likes: int
    reads: int
    searches: int
    refreshes: int
    national_entries: int
    city_lists: int
    seconds: float


@dataclass(slots=True)
class _Post:
    id: int
    account_id: int
    at: float
    city: str | None
    kind: str  # original, reply or repost
    keys: tuple[str, ...]


def _ts(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


class _Activity:
    """The demo's activity since ``since`` (UNIX time), read from the database."""

    def __init__(self, db: Any, since: datetime) -> None:
        with db.read() as conn:
            self.accounts = {row.id: row for row in conn.execute(select(
                accounts.c.id, accounts.c.home_city, accounts.c.created_at, accounts.c.verified_at,
                accounts.c.statuses_count, accounts.c.last_status_at, accounts.c.suspended,
                accounts.c.followers_count, accounts.c.kind))}
            topic_rows = conn.execute(
                select(status_topics.c.status_id, topics.c.key)
                .join(topics, topics.c.id == status_topics.c.topic_id)
                .where(status_topics.c.public))
            self.keys: dict[int, list[str]] = defaultdict(list)
            for status_id, key in topic_rows:
                self.keys[status_id].append(key)
            square = statuses.c.visibility == LISTED  # what hot search counts (plaza.hot.service)
            rows = conn.execute(select(
                statuses.c.id, statuses.c.account_id, statuses.c.created_at, statuses.c.city,
                statuses.c.in_reply_to_id, statuses.c.reblog_of_id)
                .where(square).order_by(statuses.c.id)).all()
            self.likes = conn.execute(
                select(favourites.c.account_id, favourites.c.status_id, favourites.c.created_at)
                .join(statuses, and_(statuses.c.id == favourites.c.status_id, square))
                .where(favourites.c.created_at >= since)).all()
        self.city: dict[int, str | None] = {}
        self.posts: list[_Post] = []
        since_ts = _ts(since)
        for row in rows:
            author = self.accounts.get(row.account_id)
            city = row.city or (author.home_city if author is not None else None)
            self.city[row.id] = city
            if _ts(row.created_at) < since_ts:
                continue
            if row.reblog_of_id is not None:
                kind, keys, city = "repost", self.keys.get(row.reblog_of_id, ()), \
                    self.city.get(row.reblog_of_id, city)
            elif row.in_reply_to_id is not None:
                parent = row.in_reply_to_id
                kind = "reply"
                keys = [*self.keys.get(parent, ()), *self.keys.get(row.id, ())]
                city = self.city.get(parent, city)
            else:
                kind, keys = "original", self.keys.get(row.id, ())
            if keys:
                self.posts.append(_Post(row.id, row.account_id, _ts(row.created_at), city, kind,
                                        tuple(dict.fromkeys(keys))))

    def last_moment(self) -> float | None:
        moments = [p.at for p in self.posts] + [_ts(like.created_at) for like in self.likes]
        return max(moments) if moments else None

    def citizens_by_city(self) -> dict[str | None, list[int]]:
        found: dict[str | None, list[int]] = defaultdict(list)
        for row in self.accounts.values():
            if row.kind == "citizen" and not row.suspended:
                found[row.home_city].append(row.id)
        return found


def _steps(start: float, end: float) -> list[float]:
    """Refresh times every ``STEP_MINUTES`` from ``start``, ending at ``end``."""
    steps: list[float] = []
    t = start
    while t < end:
        t = min(end, t + STEP_MINUTES * 60.0)
        steps.append(t)
    return steps


def replay_demo(plaza: Any, *, days: float = 7.0, hours: float = 3.0, seed: int = 2022,
                progress: Progress | None = None, pin_by: int | None = None) -> ReplayReport:
    """Feed the demo's last ``days`` days of activity and a simulated audience into
    ``plaza.hot``, compressed into the ``hours`` hours before now and refreshed every simulated
    minute, then pin the announcements of :data:`PINS`. Returns what was fed and what the lists
    hold."""
    started = time.monotonic()
    hot = plaza.hot
    now = time.time()
    # Read everything of the demo's last days: the demo's own "now" is its last activity.
    probe = _Activity(plaza.db, datetime.fromtimestamp(0, UTC))
    last = probe.last_moment()
    if last is None:
        return ReplayReport(0, 0, 0, 0, 0, 0, 0, time.monotonic() - started)
    since = last - days * 86400.0
    scale = hours * 3600.0 / (days * 86400.0)
    activity = probe
    rng = random.Random(seed)
    audience = activity.citizens_by_city()
    everyone = [a for ids in audience.values() for a in ids]

    # Events on the compressed clock: (time, order, callable on the recorder).
    events: list[tuple[float, int, Callable[[Recorder], None]]] = []
    weights: dict[int, float] = {}

    def trust(account_id: int) -> float:
        weight = weights.get(account_id)
        if weight is None:
            weight = weights[account_id] = account_trust(activity.accounts[account_id], last)
        return weight

    def add(at: float, action: Callable[[Recorder], None]) -> None:
        events.append((now - (last - at) * scale, len(events), action))

    posts = [p for p in activity.posts if p.at >= since]
    reads = searches = 0
    for post in posts:
        keys, city, who = post.keys, post.city, post.account_id
        if post.kind == "original":
            add(post.at, _bind(Recorder.original, keys, who, city, trust(who)))
        elif post.kind == "repost":
            add(post.at, _bind(Recorder.repost, keys, who, city, trust(who)))
        else:
            add(post.at, _bind(Recorder.reply, keys, who, city, trust(who)))
        if post.kind != "original":
            continue
        author = activity.accounts[who]
        count = max(1, round(READS_PER_FOLLOWER * math.sqrt(author.followers_count + 1)))
        reads += count * len(keys)
        arrivals: dict[int, int] = defaultdict(int)
        for _ in range(count):  # reads land in ten-minute buckets after the post
            arrivals[int(rng.expovariate(1.0 / (READ_HOURS * 3600.0)) // 600)] += 1
        for bucket, n in arrivals.items():
            add(post.at + bucket * 600.0 + 300.0,
                _bind(_read, keys, city, n, post.id))
        locals_ = audience.get(city) or everyone
        for _ in range(poisson(rng, SEARCHES_PER_ORIGINAL)):
            if not locals_:
                break
            searcher = rng.choice(locals_)
            key = rng.choice(keys)
            searches += 1
            add(post.at + rng.uniform(60.0, 3 * 3600.0),
                _bind(Recorder.search, key, searcher, city, AUDIENCE_TRUST))
    likes = 0
    for like in activity.likes:
        at = _ts(like.created_at)
        liked = activity.keys.get(like.status_id)
        if at < since or not liked:
            continue
        likes += 1
        city = activity.city.get(like.status_id)
        add(at, _bind(Recorder.activity, "like", tuple(liked), like.account_id, city, trust(like.account_id)))
    events.sort(key=lambda e: (e[0], e[1]))

    clock = [now - hours * 3600.0]
    engine = hot.engine
    recorder = Recorder(engine.apply, clock=lambda: clock[0], max_buffer=1 << 30,
                        flush_seconds=math.inf, day_offset=engine.day_offset)
    steps = _steps(clock[0], now)
    index = 0
    for done, step in enumerate(steps, 1):
        while index < len(events) and events[index][0] <= step:
            clock[0] = max(clock[0], events[index][0])
            events[index][2](recorder)
            index += 1
        clock[0] = step
        recorder.flush()
        hot.refresh(now=step)
        if progress is not None:
            progress(done, len(steps))
    for city, topic, note in PINS:
        hot.pin(topic, note, city, **({"by": pin_by} if pin_by is not None else {}))
    lists = hot.refresh(now=now)
    hot.save()
    national = next((s for s in lists if s.city is None), None)
    return ReplayReport(
        posts=len(posts), likes=likes, reads=reads, searches=searches, refreshes=len(steps) + 1,
        national_entries=len(national.entries) if national is not None else 0,
        city_lists=sum(1 for s in lists if s.city is not None and s.entries),
        seconds=time.monotonic() - started,
    )


def _bind(action: Callable[..., Any], *args: Any) -> Callable[[Recorder], None]:
    """An event: ``action(recorder, *args)`` when the compressed clock reaches it."""
    return lambda recorder: action(recorder, *args)


def _read(recorder: Recorder, keys: tuple[str, ...], city: str | None, n: int, post: int) -> None:
    """``n`` displays of one post: reads of its topics (阅读量) and of the post (阅读数)."""
    recorder.read(list(keys) * n, None, city, AUDIENCE_TRUST)
    recorder.post_read([post] * n)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count: Knuth's method for small means, the normal approximation
    above 30 (where Knuth's loop would be long and exp(-mean) tiny)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, int(rng.gauss(mean, math.sqrt(mean)) + 0.5))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
