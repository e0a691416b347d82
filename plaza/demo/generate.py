"""A deterministic generator of a lived-in Plaza: the cast of the seed document, thousands of
citizens across China's cities, who follows whom, a week of posts, replies, reposts and likes.

Pure: the only input is the seed (and the shipped division table); the output is frozen records
that a loader feeds into the services. Every random choice comes from ``random.Random`` instances
derived from the seed, never from global state or the clock. Time is relative: ``minutes_ago``
counts back from the moment the loader runs.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from functools import cache

from plaza import regions
from plaza.demo import cast
from plaza.demo.cast import CastAccount, CastTopic

#: Length of the demo's history: seven days, in minutes.
WINDOW_MINUTES = 7 * 24 * 60

#: Share of citizens living in the cities the seed document is about; the rest spread over every
#: other city of the table, so that each city has someone when there are enough citizens.
HOME_CITY_SHARES: dict[str, float] = {
    "500000": 0.16,  # 重庆
    "310000": 0.09,  # 上海
    "510100": 0.08,  # 成都
    "110000": 0.08,  # 北京
    "340500": 0.05,  # 马鞍山
    "513300": 0.04,  # 甘孜
    "650100": 0.04,  # 乌鲁木齐
    "620100": 0.02,  # 兰州
    "420100": 0.02,  # 武汉
    "511800": 0.01,  # 雅安
}

#: When each topic peaks, in hours before now, and how widely its posts spread (standard
#: deviation, hours). The order follows the story: the fires, the typhoon, then calmer days.
TOPIC_BURSTS: dict[str, tuple[float, float]] = {
    "重庆山火": (150, 12),
    "一起守护这座城": (132, 16),
    "有困难一起扛": (122, 18),
    "什么是以火灭火": (112, 8),
    "守护山城的不止重庆人": (104, 10),
    "重庆山火各处明火均已扑灭": (90, 8),
    "台风梅花": (64, 8),
    "台风梅花登陆上海": (54, 6),
    "其实丁真在四川": (32, 12),
    "马上办": (84, 48),
    "马踏飞燕玩偶": (20, 8),
    "2023政务V影响力峰会": (8, 3),
}
_DEFAULT_BURST = (84.0, 40.0)

# Shares of the post budget.
_REPLY_SHARE = 0.22
_REBLOG_SHARE = 0.14
# Shares of the original posts left after every official topic text has been posted once.
_CAST_GENERIC_SHARE = 0.12
_CITIZEN_TOPIC_SHARE = 0.36
_SERVICE_REQUEST_SHARE = 0.06


@dataclass(frozen=True)
class CitizenRecord:
    username: str
    display_name: str
    home_city: str
    bio: str


@dataclass(frozen=True)
class FollowRecord:
    follower: str  # username
    followed: str  # username


@dataclass(frozen=True)
class PostRecord:
    key: int  # 1, 2, 3 … in the order the loader must create posts
    author: str  # username
    text: str  # empty for a reblog
    city: str | None  # city code the post is filed under (同城), or None
    minutes_ago: int
    reply_to: int | None  # key of an earlier, not newer, post
    reblog_of: int | None  # key of an earlier, not newer, original post
    visibility: str = "public"  # public | unlisted | private


@dataclass(frozen=True)
class LikeRecord:
    account: str  # username
    post: int  # key


@dataclass(frozen=True)
class DemoData:
    accounts: tuple[CastAccount, ...]
    citizens: tuple[CitizenRecord, ...]
    follows: tuple[FollowRecord, ...]
    posts: tuple[PostRecord, ...]
    likes: tuple[LikeRecord, ...]
    topics: tuple[CastTopic, ...] = cast.TOPICS  # with their hosts, for the loader to register


def generate(seed: int = 2022, citizens: int = 3000, posts: int = 6000) -> DemoData:
    """The demo data for ``seed``: the whole cast, ``citizens`` citizens and exactly ``posts`` posts.

    The same arguments always give equal data.
    """
    if citizens < 0 or posts < 0:
        raise ValueError("citizens and posts must not be negative")
    people = _citizens(random.Random(f"{seed}:citizens"), citizens)
    follows = _follows(random.Random(f"{seed}:follows"), people)
    drafts, records = _number(_PostPlanner(random.Random(f"{seed}:posts"), people).plan(posts))
    likes = _likes(random.Random(f"{seed}:likes"), drafts, people)
    return DemoData(cast.ACCOUNTS, people, follows, records, likes)


# —— places ——

_ETHNIC_SUFFIX = re.compile(
    r"(藏族|彝族|羌族|土家族|苗族|侗族|布依族|哈尼族|壮族|傣族|白族|傈僳族|景颇族|回族|蒙古|朝鲜族|哈萨克|柯尔克孜).*$"
)


@cache
def short_name(code: str) -> str:
    """The name people use for a place: 重庆市 → 重庆, 甘孜藏族自治州 → 甘孜, 阿克苏地区 → 阿克苏;
    全国 for :data:`cast.NATIONAL`."""
    if code == cast.NATIONAL:
        return "全国"
    division = regions.lookup(code)
    if division is None:
        raise ValueError(f"unknown division code {code!r}")
    name = division.name
    if name.endswith("自治州"):
        name = _ETHNIC_SUFFIX.sub("", name[: -len("自治州")]) or name
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "地区", "省", "市", "盟"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _in_region(region_code: str, city: str) -> bool:
    """Whether a city lies in a region (a province, a city or a county's city)."""
    if region_code == cast.NATIONAL:
        return True
    if region_code.endswith("0000"):
        return city[:2] == region_code[:2]
    return regions.city_code(region_code) == city


# —— citizens ——


def _citizens(rng: random.Random, count: int) -> tuple[CitizenRecord, ...]:
    heavy = list(HOME_CITY_SHARES)
    heavy_cum = list(itertools.accumulate(HOME_CITY_SHARES.values()))
    heavy_total = heavy_cum[-1]  # the rest live elsewhere, one city after another
    others = [d.code for d in regions.cities() if d.code not in HOME_CITY_SHARES]
    rng.shuffle(others)
    next_other = itertools.cycle(others)

    taken = {a.display_name for a in cast.ACCOUNTS}
    records = []
    for index in range(1, count + 1):
        if rng.random() < heavy_total:
            city = rng.choices(heavy, cum_weights=heavy_cum)[0]
        else:
            city = next(next_other)
        name = _unique(_nickname(rng, city), taken)
        records.append(CitizenRecord(f"citizen_{index:05d}", name, city, _bio(rng, city)))
    return tuple(records)


def _nickname(rng: random.Random, city: str) -> str:
    nick = rng.choice(cast.CITY_NICKNAMES.get(city, (short_name(city),)))
    surname = rng.choice(cast.SURNAMES)
    pattern = rng.randrange(6)
    if pattern == 0:
        return f"{nick}{rng.choice(cast.NICK_PREFIXES)}{surname}"  # 山城小李
    if pattern == 1:
        landmark = rng.choice(cast.CITY_LANDMARKS.get(city, cast.GENERIC_LANDMARKS))
        return f"{landmark}边的{rng.choice(cast.NICK_NOUNS)}"  # 嘉陵江边的猫
    if pattern == 2:
        return f"{rng.choice(cast.NICK_ADJECTIVES)}{rng.choice(cast.NICK_NOUNS)}"  # 爱吃火锅的兔子
    if pattern == 3:
        return f"{surname}{rng.choice(cast.GIVEN_NAMES)}"  # 李思远
    if pattern == 4:
        return f"{nick}{rng.choice(cast.NICK_NOUNS)}"  # 蓉城熊猫
    return f"{surname}{rng.choice(cast.GIVEN_NAMES)}{rng.randrange(1970, 2006)}"  # 王浩1998


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}{n}"
    taken.add(candidate)
    return candidate


def _bio(rng: random.Random, city: str) -> str:
    template = rng.choice(cast.BIO_TEMPLATES)
    return (
        template.replace("{city}", short_name(city))
        .replace("{hobby}", rng.choice(cast.HOBBIES))
        .replace("{job}", rng.choice(cast.JOBS))
    )


# —— follows ——


def _is_national(account: CastAccount) -> bool:
    if account.kind == "government":
        return account.level == "national"
    return account.home_city == cast.CAPITAL


def _follow_chance(account: CastAccount, city: str, hosts: frozenset[str]) -> float:
    """How likely a citizen of ``city`` follows a cast account."""
    if _is_national(account):
        return {"media": 0.6, "government": 0.25}.get(account.kind, 0.1)
    if account.home_city == city:
        return 0.7 if account.department_type == "publicity" else 0.35
    if account.level == "provincial" and account.region_code and account.region_code[:2] == city[:2]:
        return 0.3
    return 0.03 if account.username in hosts else 0.005


def _follows(rng: random.Random, people: tuple[CitizenRecord, ...]) -> tuple[FollowRecord, ...]:
    follows: list[FollowRecord] = []
    seen: set[tuple[str, str]] = set()

    def add(follower: str, followed: str) -> None:
        if follower != followed and (follower, followed) not in seen:
            seen.add((follower, followed))
            follows.append(FollowRecord(follower, followed))

    # The matrix: parent and child follow each other; every government account reads the national media.
    for account in cast.ACCOUNTS:
        if account.parent:
            add(account.username, account.parent)
            add(account.parent, account.username)
        if account.kind == "government":
            add(account.username, "rmrb")
            add(account.username, "cctv_news")
    for topic in cast.TOPICS:
        for a, b in itertools.permutations(topic.hosts, 2):
            add(a, b)

    hosts = frozenset(h for t in cast.TOPICS for h in t.hosts)
    chances: dict[str, list[tuple[str, float]]] = {}  # per city: the chance depends on nothing else
    for person in people:
        city = person.home_city
        if city not in chances:
            chances[city] = [(a.username, _follow_chance(a, city, hosts)) for a in cast.ACCOUNTS]
        for username, chance in chances[city]:
            if rng.random() < chance:
                add(person.username, username)

    # Citizens follow citizens: a few follow many, most follow a handful; the popular attract most.
    if len(people) > 1:
        popularity = [min(rng.paretovariate(1.2), 50.0) for _ in people]
        everyone = _WeightedPicker(list(range(len(people))), popularity)
        by_city: dict[str, list[int]] = {}
        for i, person in enumerate(people):
            by_city.setdefault(person.home_city, []).append(i)
        neighbours = {
            city: _WeightedPicker(members, [popularity[i] for i in members]) for city, members in by_city.items()
        }
        for person in people:
            wanted = min(int(rng.paretovariate(1.5) * 3), 150)
            local = neighbours[person.home_city]
            for _ in range(wanted):
                picker = local if len(local) > 1 and rng.random() < 0.5 else everyone
                add(person.username, people[picker.pick(rng)].username)
    return tuple(follows)


class _WeightedPicker:
    """Draws items in proportion to their weights, in O(log n) per draw."""

    def __init__(self, items: list[int], weights: list[float]) -> None:
        self.items = items
        self.cum = list(itertools.accumulate(weights))

    def __len__(self) -> int:
        return len(self.items)

    def pick(self, rng: random.Random) -> int:
        return rng.choices(self.items, cum_weights=self.cum)[0]


# —— posts ——


@dataclass
class _Draft:
    """A post before it has its key: posts are planned first, then numbered in time order."""

    seq: int
    author: str
    text: str
    city: str | None
    minutes_ago: int
    depth: int = 0  # 0 for originals; a reply or reblog is one deeper than its target
    reply_to: _Draft | None = None
    reblog_of: _Draft | None = None
    visibility: str = "public"
    topic: CastTopic | None = None
    weight: float = 1.0  # how much attention it draws (replies, reblogs, likes)
    official: bool = False  # written by a cast account


class _PostPlanner:
    """Plans exactly ``total`` posts: every official topic text once, then cast and citizen
    originals, then the official answers to requests, replies and reblogs."""

    def __init__(self, rng: random.Random, people: tuple[CitizenRecord, ...]) -> None:
        self.rng = rng
        self.people = people
        self.drafts: list[_Draft] = []
        self.citizens_of: dict[str, list[CitizenRecord]] = {}
        for person in people:
            self.citizens_of.setdefault(person.home_city, []).append(person)
        self.influence = {p.username: min(rng.paretovariate(1.3), 20.0) for p in people}
        self.publicity_of: dict[str, list[CastAccount]] = {}
        for account in cast.ACCOUNTS:
            if account.department_type == "publicity" and account.level in ("provincial", "prefecture", "county"):
                self.publicity_of.setdefault(account.home_city, []).append(account)
        self.reblogged: set[tuple[str, int]] = set()
        # Official answers to requests, planned with the request and posted from the reply budget.
        self.pending: list[tuple[CastAccount, _Draft, str, int]] = []
        self.region_citizens: dict[str, tuple[CitizenRecord, ...]] = {}
        self.matrices: dict[str, tuple[CastAccount, ...]] = {}

    def _add(
        self,
        author: str,
        text: str,
        city: str | None,
        minutes_ago: int,
        *,
        weight: float = 1.0,
        topic: CastTopic | None = None,
        official: bool = False,
        visibility: str = "public",
        reply_to: _Draft | None = None,
        reblog_of: _Draft | None = None,
    ) -> _Draft:
        target = reply_to or reblog_of
        draft = _Draft(
            seq=len(self.drafts),
            author=author,
            text=text,
            city=city,
            minutes_ago=max(0, min(WINDOW_MINUTES - 1, minutes_ago)),
            depth=target.depth + 1 if target else 0,
            reply_to=reply_to,
            reblog_of=reblog_of,
            visibility=visibility,
            topic=topic,
            weight=weight,
            official=official,
        )
        self.drafts.append(draft)
        return draft

    def _topic_minutes(self, topic: CastTopic, spread_scale: float = 1.0) -> int:
        hours, spread = TOPIC_BURSTS.get(topic.name, _DEFAULT_BURST)
        for _ in range(8):
            value = self.rng.gauss(hours, spread * spread_scale) * 60
            if 0 <= value < WINDOW_MINUTES:
                return int(value)
        return int(min(max(hours * 60, 0), WINDOW_MINUTES - 1))

    def _citizen_text(self, text: str, city: str) -> str:
        text = text.replace("{city}", short_name(city))
        if self.rng.random() < 0.3:
            text += self.rng.choice(cast.POST_TAILS)
        return text

    def _citizen_city(self, person: CitizenRecord) -> str | None:
        return person.home_city if self.rng.random() < 0.9 else None

    def _pick_citizen(self, region_code: str | None = None, city: str | None = None) -> CitizenRecord:
        """A citizen, most often one living where the post is about."""
        if city and self.citizens_of.get(city) and self.rng.random() < 0.6:
            return self.rng.choice(self.citizens_of[city])
        if region_code and self.rng.random() < 0.7:
            local = self._region_citizens(region_code)
            if local:
                return self.rng.choice(local)
        return self.rng.choice(self.people)

    def _region_citizens(self, region_code: str) -> tuple[CitizenRecord, ...]:
        if region_code not in self.region_citizens:
            self.region_citizens[region_code] = tuple(
                p for p in self.people if _in_region(region_code, p.home_city)
            )
        return self.region_citizens[region_code]

    def plan(self, total: int) -> list[_Draft]:
        reactions = int(total * (_REPLY_SHARE + _REBLOG_SHARE))
        originals = total - reactions
        self._official_topic_posts(originals)
        rest = originals - len(self.drafts)
        if self.people:
            cast_generic = int(rest * _CAST_GENERIC_SHARE)
            citizen_topic = int(rest * _CITIZEN_TOPIC_SHARE)
            service = int(rest * _SERVICE_REQUEST_SHARE)
        else:
            cast_generic, citizen_topic, service = rest, 0, 0
        self._cast_generic_posts(cast_generic)
        self._citizen_topic_posts(citizen_topic)
        self._service_requests(service)
        self._citizen_generic_posts(originals - len(self.drafts))
        self._reactions(reactions)
        return self.drafts

    def _official_topic_posts(self, budget: int) -> None:
        """Each official text of each topic, once, by a host; the first text of every topic first,
        so a small budget still covers every topic."""
        rounds = itertools.zip_longest(*(t.official_posts for t in cast.TOPICS))
        planned: list[tuple[CastTopic, int]] = [
            (topic, i)
            for i, row in enumerate(rounds)
            for topic, text in zip(cast.TOPICS, row, strict=True)
            if text is not None
        ][:budget]
        for topic in cast.TOPICS:
            indexes = [i for t, i in planned if t is topic]
            # Story order: earlier texts of a topic are older.
            times = sorted((self._topic_minutes(topic, 0.8) for _ in indexes), reverse=True)
            for i, minutes in zip(indexes, times, strict=True):
                author = cast.account(topic.hosts[i % len(topic.hosts)])
                self._add(author.username, topic.official_posts[i], author.home_city, minutes,
                          topic=topic, weight=12.0, official=True)

    def _cast_generic_posts(self, count: int) -> None:
        accounts = cast.ACCOUNTS
        for _ in range(count):
            account = self.rng.choice(accounts)
            if account.kind == "government":
                pool = cast.GOVERNMENT_POSTS[account.department_type or "other"]
                place = short_name(account.region_code or account.home_city)
            elif account.kind == "media":
                pool, place = cast.MEDIA_POSTS, short_name(account.home_city)
            else:
                pool = cast.ORGANISATION_POSTS[account.organisation_type or "ngo"]
                place = short_name(account.home_city)
            text = self.rng.choice(pool).replace("{place}", place)
            minutes = self.rng.randrange(WINDOW_MINUTES)
            self._add(account.username, text, account.home_city, minutes, weight=3.0, official=True)

    def _citizen_topic_posts(self, count: int) -> None:
        topics = cast.TOPICS
        # Heavier topics draw more posts; the seed's fire topics most of all.
        weights = [len(t.posts) * (1.5 if t.in_seed else 1.0) for t in topics]
        picker = _WeightedPicker(list(range(len(topics))), weights)
        for n in range(count):
            # The first rounds give every topic at least one citizen post.
            topic = topics[n] if n < len(topics) else topics[picker.pick(self.rng)]
            texts = topic.citizen_posts + topic.requests
            text = texts[n // len(topics) % len(texts)] if n < 2 * len(topics) else self.rng.choice(texts)
            person = self._pick_citizen(topic.region_code)
            request = text in topic.requests
            city = self._citizen_city(person)
            if topic.region_code and not _in_region(topic.region_code, person.home_city) \
                    and regions.city_code(topic.region_code) == topic.region_code:
                city = topic.region_code  # about a city they do not live in: written there (a small demo has few locals)
            draft = self._add(person.username, self._citizen_text(text, person.home_city),
                              city, self._topic_minutes(topic), topic=topic,
                              weight=(3.0 if request else 2.0) * self.influence[person.username])
            if request and topic.responses:
                self._answer(draft, topic.hosts, topic.responses, topic.outcomes)

    def _service_requests(self, count: int) -> None:
        """Citizens report problems to their city's 发布 account (城市服务台); many get answered."""
        cities = [c for c in self.publicity_of if self.citizens_of.get(c)]
        if not cities:
            return
        for _ in range(count):
            city = self.rng.choice(cities)
            person = self.rng.choice(self.citizens_of[city])
            account = self.rng.choice(self.publicity_of[city])
            text = f"@{account.display_name} {self.rng.choice(cast.SERVICE_REQUESTS)}"
            draft = self._add(person.username, text, city, self.rng.randrange(WINDOW_MINUTES),
                              weight=3.0 * self.influence[person.username])
            self._answer(draft, (account.username,), cast.SERVICE_RESPONSES, cast.SERVICE_OUTCOMES)

    def _answer(self, request: _Draft, responders: tuple[str, ...], responses: tuple[str, ...],
                outcomes: tuple[str, ...]) -> None:
        """Planned replies from the responsible account: acknowledged (响应) and, for most, the
        outcome published (公示). They are counted against the reply budget later."""
        if self.rng.random() >= 0.8:
            return
        responder = cast.account(self.rng.choice(responders))
        acknowledged = request.minutes_ago - int(self.rng.expovariate(1 / 45))
        self.pending.append((responder, request, self.rng.choice(responses), acknowledged))
        if outcomes and self.rng.random() < 0.75:
            done = acknowledged - int(self.rng.expovariate(1 / 600))
            self.pending.append((responder, request, self.rng.choice(outcomes), done))

    def _citizen_generic_posts(self, count: int) -> None:
        for _ in range(count):
            person = self.rng.choice(self.people)
            roll = self.rng.random()
            visibility = "unlisted" if roll < 0.03 else "private" if roll < 0.05 else "public"
            text = self._citizen_text(self.rng.choice(cast.CITIZEN_POSTS), person.home_city)
            self._add(person.username, text, self._citizen_city(person), self.rng.randrange(WINDOW_MINUTES),
                      visibility=visibility, weight=self.influence[person.username])

    def _reactions(self, count: int) -> None:
        """Replies and reblogs, each after its target: the official answers first, then the crowd."""
        for responder, request, text, minutes in self.pending[:count]:
            self._add(responder.username, text, responder.home_city, minutes, reply_to=request,
                      official=True, weight=2.0)
        count -= min(count, len(self.pending))
        if count == 0:
            return
        targets = [d for d in self.drafts if d.depth == 0 and d.visibility == "public"]
        if not targets:  # nothing public to react to: post more instead
            self._cast_generic_posts(count)
            return
        picker = _WeightedPicker(list(range(len(targets))), [d.weight for d in targets])
        replies: list[_Draft] = []
        reblog_share = _REBLOG_SHARE / (_REPLY_SHARE + _REBLOG_SHARE)
        for _ in range(count):
            target = targets[picker.pick(self.rng)]
            if self.rng.random() < reblog_share and self._reblog(target):
                continue
            if replies and self.rng.random() < 0.25:
                target = self.rng.choice(replies)  # a conversation under a comment
            replies.append(self._reply(target))

    def _reactor(self, target: _Draft, reblog: bool) -> tuple[str, str | None]:
        """Who reacts to a post, and the city they post from."""
        if reblog and target.official and target.topic is not None and self.rng.random() < 0.3:
            # The matrix at work: accounts of the topic's region pass official updates on (联动传播).
            matrix = self._matrix(target.topic)
            account = self.rng.choice(matrix)
            return account.username, account.home_city
        if not self.people:
            account = self.rng.choice(cast.ACCOUNTS)
            return account.username, account.home_city
        person = self._pick_citizen(target.topic.region_code if target.topic else None, target.city)
        return person.username, self._citizen_city(person)

    def _matrix(self, topic: CastTopic) -> tuple[CastAccount, ...]:
        """The accounts that join a topic: its hosts, the government and media of its region and
        the national media."""
        if topic.name not in self.matrices:
            self.matrices[topic.name] = tuple(
                a for a in cast.ACCOUNTS
                if a.username in topic.hosts
                or (a.kind != "organisation" and _in_region(topic.region_code, a.home_city))
                or (a.kind == "media" and _is_national(a))
            )
        return self.matrices[topic.name]

    def _reblog(self, target: _Draft) -> bool:
        for _ in range(4):
            author, city = self._reactor(target, reblog=True)
            if author != target.author and (author, target.seq) not in self.reblogged:
                self.reblogged.add((author, target.seq))
                delay = int(self.rng.expovariate(1 / 240))
                self._add(author, "", city, target.minutes_ago - delay, reblog_of=target, topic=target.topic)
                return True
        return False

    def _reply(self, target: _Draft) -> _Draft:
        author, city = self._reactor(target, reblog=False)
        if author == target.author:  # one more draw: authors seldom open the comments on their own post
            author, city = self._reactor(target, reblog=False)
        pool = cast.REPLIES
        if target.topic is not None and target.depth == 0 and self.rng.random() < 0.6:
            pool = target.topic.replies
        delay = int(self.rng.expovariate(1 / 120))
        return self._add(author, self.rng.choice(pool), city, target.minutes_ago - delay, reply_to=target,
                         weight=0.5)


def _number(drafts: list[_Draft]) -> tuple[list[_Draft], tuple[PostRecord, ...]]:
    """The drafts oldest first, and their records keyed in that order. A reply or reblog never
    precedes its target: its target is never newer and sits one level shallower."""
    ordered = sorted(drafts, key=lambda d: (-d.minutes_ago, d.depth, d.seq))
    key_of = {d.seq: key for key, d in enumerate(ordered, start=1)}
    return ordered, tuple(
        PostRecord(
            key=key_of[d.seq],
            author=d.author,
            text=d.text,
            city=d.city,
            minutes_ago=d.minutes_ago,
            reply_to=key_of[d.reply_to.seq] if d.reply_to else None,
            reblog_of=key_of[d.reblog_of.seq] if d.reblog_of else None,
            visibility=d.visibility,
        )
        for d in ordered
    )


# —— likes ——


def _likes(rng: random.Random, drafts: list[_Draft], people: tuple[CitizenRecord, ...]) -> tuple[LikeRecord, ...]:
    """Likes of ``drafts`` (in key order) in proportion to a post's pull; likers mostly from the
    post's city. Hosts like some citizens' posts under their topics."""
    if not people:
        return ()
    citizens_of: dict[str, list[str]] = {}
    for person in people:
        citizens_of.setdefault(person.home_city, []).append(person.username)
    everyone = [p.username for p in people]
    likes: list[LikeRecord] = []
    for key, draft in enumerate(drafts, start=1):
        if draft.reblog_of is not None or draft.visibility == "private":
            continue
        wanted = min(int(rng.paretovariate(1.6) * draft.weight) - 1, len(everyone) - 1, 400)
        likers: dict[str, None] = {}
        local = citizens_of.get(draft.city or "", [])
        for _ in range(max(wanted, 0) * 2):
            if len(likers) >= wanted:
                break
            liker = rng.choice(local if local and rng.random() < 0.6 else everyone)
            if liker != draft.author:
                likers[liker] = None
        if draft.topic is not None and not draft.official and draft.reply_to is None and rng.random() < 0.1:
            likers[rng.choice(draft.topic.hosts)] = None
        likes.extend(LikeRecord(liker, key) for liker in likers)
    return tuple(likes)
