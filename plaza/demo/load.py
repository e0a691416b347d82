"""Load the demo (:mod:`plaza.demo.generate`) into a Plaza, once.

Accounts and posts go through the services, one durable transaction each, so everything a post
brings — topics, mentions, reply and repost counters, notifications, the search index — is exactly
what a person posting would make. Follows and likes are tens of thousands of rows with nothing to
parse: they are written in bulk (SQLAlchemy Core, a few large transactions) together with the
counters and notifications the services would have written.

The load is idempotent: the administrator account ``admin`` is created last and marks a complete
load; a second run finds it and changes nothing.

Times are relative: ``minutes_ago`` counts back from the moment the load starts, and posts are
created oldest first with distinct, back-dated milliseconds, so their time-ordered ids follow
their ``created_at``. Follows, likes and notifications get back-dated ids of their own moments.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from plaza import i18n
from plaza.accounts.government import GovernmentProfile
from plaza.accounts.policy import OPERATOR
from plaza.clock import utcnow
from plaza.demo.cast import ACCOUNTS as CAST
from plaza.demo.cast import TOPICS as CAST_TOPICS
from plaza.demo.cast import CastAccount
from plaza.demo.desk import SIGN_INS as DESK_SIGN_INS
from plaza.demo.desk import load_desks
from plaza.demo.generate import WINDOW_MINUTES, DemoData, generate
from plaza.demo.help import SIGN_INS as HELP_SIGN_INS
from plaza.demo.help import load_help
from plaza.demo.index import load_index
from plaza.errors import Conflict, PlazaError
from plaza.identity.passwords import hash_password
from plaza.matrices import demo_matrices
from plaza.square import accounts, posts
from plaza.square import topics as topic_curation
from plaza.storage.schema import accounts as accounts_table
from plaza.storage.schema import favourites, follows, notifications, statuses, topics

#: The password of every demo account; printed by ``plaza demo load``.
DEMO_PASSWORD = "plaza-demo-2022"
#: The administrator; created last, it marks a complete load.
ADMIN_USERNAME = "admin"
ADMIN_DISPLAY_NAME = "Plaza管理员"
#: The citizen to sign in as: a resident of Chongqing.
DEMO_USERNAME = "demo"
DEMO_DISPLAY_NAME = "山城市民"
DEMO_CITY = "500000"
#: The government account of the seed story to sign in as.
GOVERNMENT_DISPLAY_NAME = "重庆发布"

_BATCH = 5000
#: Days the demo accounts have existed when the week of posts begins.
ACCOUNT_AGE_DAYS = 365

i18n.register({
    "demo_interrupted": (
        "数据库中已有部分演示数据（账号 @{username} 已存在，但载入未完成）：请清空数据库（删除 PLAZA_DATA_DIR）后重新运行 plaza demo load",
        "The database holds part of a demo (@{username} exists but the load never finished): "
        "start from an empty database (remove PLAZA_DATA_DIR) and run `plaza demo load` again",
    ),
})

#: Called as ``progress(stage, done, total)``; stages: cast, citizens, follows, posts, likes,
#: desk_accounts, desk_cases, desk, help_accounts, help_requests, help, hosts, matrices, admin.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class LoadReport:
    """What a load did (``loaded`` is False when the demo was already there)."""

    loaded: bool
    password: str = DEMO_PASSWORD
    #: (username, what it is) of the accounts to sign in as: admin, citizen, government.
    sign_ins: tuple[tuple[str, str], ...] = ()
    accounts: int = 0
    follows: int = 0
    posts: int = 0
    replies: int = 0
    reblogs: int = 0
    likes: int = 0
    topics: int = 0
    #: the service desks' cases (plaza.demo.desk): all, still open, overdue now; the posts they made
    cases: int = 0
    cases_open: int = 0
    cases_overdue: int = 0
    case_posts: int = 0
    #: accounts the desks brought: departments, city governments, operators
    desk_accounts: int = 0
    #: help in emergencies (plaza.demo.help): incidents, warnings in force, help requests (all, still
    #: open, published), the posts they made (citizens' requests and 已获救, publications, warnings),
    #: the accounts they brought (responders, verifiers), how long that part took
    incidents: int = 0
    warnings: int = 0
    help_requests: int = 0
    help_open: int = 0
    help_published: int = 0
    help_posts: int = 0
    help_accounts: int = 0
    help_seconds: float = 0.0
    #: the evaluation index (plaza.demo.index): the month written, its posts, accounts ranked, hot
    #: events, how long that part took
    index_period: str = ""
    index_posts: int = 0
    index_accounts: int = 0
    index_likes: int = 0
    index_follows: int = 0
    index_ranked: int = 0
    index_events: int = 0
    index_seconds: float = 0.0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class _BackdatedIds:
    """Unique time-ordered ids for moments in the past (bulk rows): the moment's millisecond in
    the high bits as :mod:`plaza.storage.ids` lays them out, and a per-millisecond counter in the
    low 16 bits. Every moment is before the load started, so these never meet an id the services
    make "now"."""

    def __init__(self, limit: datetime) -> None:
        self.limit_ms = _ms(limit) - 1
        self.used: Counter[int] = Counter()

    def __call__(self, at: datetime) -> int:
        ms = min(_ms(at), self.limit_ms)
        while self.used[ms] >= 0x10000:
            ms -= 1
        seq = self.used[ms]
        self.used[ms] += 1
        return (ms << 16) | seq


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _sign_ins(cast: Iterable[CastAccount]) -> tuple[tuple[str, str], ...]:
    government = next((a.username for a in cast if a.display_name == GOVERNMENT_DISPLAY_NAME), None)
    found = [(ADMIN_USERNAME, "admin"), (DEMO_USERNAME, "citizen")]
    if government:
        found.append((government, "government"))
    return (*found, *DESK_SIGN_INS, *HELP_SIGN_INS)


def parent_first(cast: Iterable[CastAccount]) -> list[CastAccount]:
    """The cast ordered so every account comes after its parent (stable otherwise)."""
    pending = list(cast)
    names = {a.username for a in pending}
    done: set[str] = set()
    ordered: list[CastAccount] = []
    while pending:
        rest = []
        for account in pending:
            if account.parent is None or account.parent in done or account.parent not in names:
                ordered.append(account)
                done.add(account.username)
            else:
                rest.append(account)
        if len(rest) == len(pending):  # a cycle: no order exists; let the service say so
            ordered.extend(rest)
            break
        pending = rest
    return ordered


def is_loaded(plaza: Any) -> bool:
    return accounts.find_by_username(plaza.db, ADMIN_USERNAME) is not None


def load_demo(plaza: Any, seed: int = 2022, citizens: int = 3000, posts: int = 6000,
              progress: Progress | None = None, cases_per_day: float | None = None) -> LoadReport:
    """Load the demo into ``plaza`` unless it is already there; see the module docstring.
    ``cases_per_day`` is the service desks' volume (by default in proportion to ``citizens``)."""
    started = time.monotonic()
    sign_ins = _sign_ins(CAST)
    if is_loaded(plaza):
        return LoadReport(loaded=False, sign_ins=sign_ins)
    data = generate(seed=seed, citizens=citizens, posts=posts)
    for username in (DEMO_USERNAME, *(a.username for a in data.accounts[:1])):
        if accounts.find_by_username(plaza.db, username) is not None:
            raise Conflict("demo_interrupted", username=username)
    return _Loader(plaza, data, seed, progress, cases_per_day).run(started, sign_ins)


class _Loader:
    def __init__(self, plaza: Any, data: DemoData, seed: int, progress: Progress | None,
                 cases_per_day: float | None = None) -> None:
        self.plaza = plaza
        self.seed = seed
        self.cases_per_day = cases_per_day
        self.db = plaza.db
        self.data = data
        self.rng = random.Random(f"{seed}:load")
        self.progress = progress
        self.now = utcnow().replace(microsecond=0)
        self.ids = _BackdatedIds(self.now)
        #: Ids the services make during the load are "now" or later.
        self.live_from = _ms(utcnow()) << 16
        self.rows: dict[str, Any] = {}
        self.status_of: dict[int, int] = {}  # post key -> status id
        self.time_of: dict[int, datetime] = {}  # post key -> created_at
        self.visibility_of: dict[int, str] = {}
        self.skipped: Counter[str] = Counter()
        self.password_hash = hash_password(DEMO_PASSWORD)
        first_post = max((p.minutes_ago for p in data.posts), default=0)
        #: Accounts joined a year before the week of posts (hot search trusts an account fully
        #: only from 60 days of age, see plaza.hot.trust); follows come just after.
        self.joined = self.now - timedelta(minutes=max(first_post, WINDOW_MINUTES), days=ACCOUNT_AGE_DAYS)
        self.followed_at = self.joined + timedelta(hours=6)

    def say(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def run(self, started: float, sign_ins: tuple[tuple[str, str], ...]) -> LoadReport:
        with self.db.read() as conn:
            topics_before = conn.execute(select(func.count()).select_from(topics)).scalar_one()
        self.create_accounts()
        follow_count = self.create_follows()
        replies, reblogs = self.create_posts()
        likes = self.create_likes()
        citizens = [self.rows[c.username] for c in self.data.citizens if c.username in self.rows]
        desk = load_desks(self.plaza, self.seed, now=self.now, password_hash=self.password_hash,
                          citizens=[*citizens, self.rows[DEMO_USERNAME]],
                          cases_per_day=self.cases_per_day, progress=self.progress)
        help_ = load_help(self.plaza, self.seed, now=self.now, password_hash=self.password_hash,
                          citizens=[*citizens, self.rows[DEMO_USERNAME]], progress=self.progress)
        index = load_index(self.plaza, self.seed, now=self.now, rows=self.rows,
                           citizens=[*citizens, self.rows[DEMO_USERNAME]], progress=self.progress)
        self.backdate_notifications()
        self.curate_topics()
        self.create_matrices()
        self.create_admin()  # last: marks the load complete
        with self.db.read() as conn:
            topics_after = conn.execute(select(func.count()).select_from(topics)).scalar_one()
        return LoadReport(
            loaded=True, sign_ins=sign_ins,
            accounts=len(self.rows) + 1 + desk.accounts + help_.accounts + index.accounts,
            follows=follow_count,
            posts=len(self.status_of), replies=replies, reblogs=reblogs, likes=likes,
            topics=int(topics_after - topics_before), cases=desk.cases, cases_open=desk.open,
            cases_overdue=desk.overdue, case_posts=desk.posts, desk_accounts=desk.accounts,
            incidents=help_.incidents, warnings=help_.warnings, help_requests=help_.requests, help_open=help_.open,
            help_published=help_.published, help_posts=help_.posts, help_accounts=help_.accounts,
            help_seconds=help_.seconds, index_period=index.period, index_posts=index.posts, index_accounts=index.accounts,
            index_likes=index.likes, index_follows=index.follows,
            index_ranked=index.ranked, index_events=index.events, index_seconds=index.seconds, skipped={**self.skipped, **desk.skipped, **help_.skipped},
            seconds=time.monotonic() - started)

    # —— accounts ——

    def _create(self, index: int, **fields: Any) -> Any:
        row = accounts.create(self.db, password=None, password_hash=self.password_hash,
                              created_at=self.joined + timedelta(seconds=index), **fields)
        self.rows[row.username] = row
        return row

    def create_accounts(self) -> None:
        cast = parent_first(self.data.accounts)
        index = 0
        for account in cast:
            government = None
            if account.kind == "government":
                government = GovernmentProfile(account.agency or "", account.region_code or "",
                                               account.level or "", account.department_type or "",
                                               account.parent)
            self._create(index, username=account.username, display_name=account.display_name,
                         home_city=account.home_city, kind=account.kind, note=account.bio,
                         government=government, organisation_type=account.organisation_type)
            index += 1
        self.say("cast", len(cast), len(cast))
        self._create(index, username=DEMO_USERNAME, display_name=self._free_name(DEMO_DISPLAY_NAME),
                     home_city=DEMO_CITY, note="土生土长的重庆人，爱火锅也爱这座城。")
        index += 1
        total = len(self.data.citizens)
        for n, person in enumerate(self.data.citizens, start=1):
            name = person.display_name
            if name == self.rows[DEMO_USERNAME].display_name:
                name = self._free_name(name)
            self._create(index, username=person.username, display_name=name,
                         home_city=person.home_city, note=person.bio)
            index += 1
            if n % 1000 == 0 or n == total:
                self.say("citizens", n, total)

    def _free_name(self, name: str) -> str:
        taken = {a.display_name for a in self.data.accounts} | {c.display_name for c in self.data.citizens}
        taken |= {r.display_name for r in self.rows.values()}
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name}{n}"
        return candidate

    # —— follows ——

    def _demo_follows(self) -> list[tuple[str, str]]:
        """The demo citizen follows Chongqing's accounts, the national media and weather, and a
        few neighbours; some neighbours follow back."""
        pairs = [(DEMO_USERNAME, a.username) for a in self.data.accounts
                 if a.home_city == DEMO_CITY or a.username in ("rmrb", "cctv_news", "weather_china")]
        neighbours = [c.username for c in self.data.citizens if c.home_city == DEMO_CITY]
        for username in self.rng.sample(neighbours, min(20, len(neighbours))):
            pairs.append((DEMO_USERNAME, username))
        for username in self.rng.sample(neighbours, min(12, len(neighbours))):
            pairs.append((username, DEMO_USERNAME))
        return pairs

    def create_follows(self) -> int:
        pairs: dict[tuple[int, int], None] = {}
        for follower, followed in [*((f.follower, f.followed) for f in self.data.follows),
                                   *self._demo_follows()]:
            a, b = self.rows.get(follower), self.rows.get(followed)
            if a is None or b is None:
                self.skipped["follow: unknown account"] += 1
                continue
            if a.id != b.id:
                pairs[(a.id, b.id)] = None
        rows, notes = [], []
        following: Counter[int] = Counter()
        followers: Counter[int] = Counter()
        for n, (a, b) in enumerate(pairs):
            at = self.followed_at + timedelta(milliseconds=37 * n)
            rows.append({"id": self.ids(at), "account_id": a, "target_account_id": b, "created_at": at})
            notes.append({"id": self.ids(at), "account_id": b, "from_account_id": a, "type": "follow",
                          "status_id": None, "created_at": at})
            following[a] += 1
            followers[b] += 1
        with self.db.write() as conn:
            for chunk in _chunks(rows):
                conn.execute(insert(follows), chunk)
            for chunk in _chunks(notes):
                conn.execute(insert(notifications), chunk)
            _add_counts(conn, accounts_table, accounts_table.c.following_count, following)
            _add_counts(conn, accounts_table, accounts_table.c.followers_count, followers)
        self.say("follows", len(rows), len(rows))
        return len(rows)

    # —— posts ——

    def _times(self) -> list[datetime]:
        """One distinct, increasing moment per post, each within its record's minute (a post
        pushed past the start of the load moves everything back, so all stay in the past)."""
        start = _ms(self.now)
        moments: list[int] = []
        last = 0
        for record in self.data.posts:
            last = max(start - record.minutes_ago * 60_000 - self.rng.randrange(60_000), last + 1)
            moments.append(last)
        overflow = max(0, last - (start - 1000))
        return [datetime.fromtimestamp((ms - overflow) / 1000, self.now.tzinfo) for ms in moments]

    def create_posts(self) -> tuple[int, int]:
        max_chars = self.plaza.settings.max_post_chars
        total = len(self.data.posts)
        replies = reblogs = 0
        for n, (record, at) in enumerate(zip(self.data.posts, self._times(), strict=True), start=1):
            author = self.rows.get(record.author)
            try:
                if author is None:
                    raise PlazaError("account_not_found")
                if record.reblog_of is not None:
                    target = self.status_of.get(record.reblog_of)
                    if target is None:
                        raise PlazaError("status_not_found")
                    visibility = record.visibility
                    if visibility not in ("public", "unlisted", "private"):
                        visibility = "public"
                    status_id = posts.reblog(self.db, author, target, visibility, created_at=at)
                    reblogs += 1
                else:
                    parent = None
                    if record.reply_to is not None:
                        parent = self.status_of.get(record.reply_to)
                        if parent is None:
                            raise PlazaError("reply_target_missing")
                    status_id = posts.create(self.db, author, posts.NewStatus(
                        text=record.text, visibility=record.visibility, in_reply_to_id=parent,
                        city=record.city), max_chars=max_chars, created_at=at)
                    replies += parent is not None
            except PlazaError as exc:
                self.skipped[f"post: {exc.key}"] += 1
                continue
            self.status_of[record.key] = status_id
            self.time_of[record.key] = at
            self.visibility_of[record.key] = record.visibility
            if n % 1000 == 0 or n == total:
                self.say("posts", n, total)
        return replies, reblogs

    # —— likes ——

    def create_likes(self) -> int:
        original: dict[int, int] = {}  # reblog key -> its original's key
        for record in self.data.posts:
            if record.reblog_of is not None:
                original[record.key] = record.reblog_of
        author_of = {r.key: r.author for r in self.data.posts}
        followers_of: dict[str, set[str]] = {}
        for f in self.data.follows:
            followers_of.setdefault(f.followed, set()).add(f.follower)
        seen: set[tuple[int, int]] = set()
        rows, notes = [], []
        counts: Counter[int] = Counter()
        for like in self.data.likes:
            key = original.get(like.post, like.post)
            account = self.rows.get(like.account)
            status_id = self.status_of.get(key)
            author = self.rows.get(author_of.get(key, ""))
            if account is None or status_id is None or author is None:
                self.skipped["like: unknown account or post"] += 1
                continue
            if self.visibility_of[key] == "private" and account.id != author.id and (
                    like.account not in followers_of.get(author.username, ())):
                self.skipped["like: post not visible"] += 1
                continue
            if (account.id, status_id) in seen:
                continue
            seen.add((account.id, status_id))
            posted = self.time_of[key]
            at = min(posted + timedelta(seconds=int(self.rng.expovariate(1 / 5400)) + 1),
                     self.now - timedelta(seconds=1))
            rows.append({"id": self.ids(at), "account_id": account.id, "status_id": status_id,
                         "created_at": at})
            if author.id != account.id:
                notes.append({"id": self.ids(at), "account_id": author.id, "from_account_id": account.id,
                              "type": "favourite", "status_id": status_id, "created_at": at})
            counts[status_id] += 1
        with self.db.write() as conn:
            for chunk in _chunks(rows):
                conn.execute(insert(favourites), chunk)
            for chunk in _chunks(notes):
                conn.execute(insert(notifications), chunk)
            _add_counts(conn, statuses, statuses.c.favourites_count, counts)
        self.say("likes", len(rows), len(rows))
        return len(rows)

    def backdate_notifications(self) -> None:
        """Notifications the services wrote during the load (mentions, replies, reposts) carry
        ids of the load's moment; give them ids of their own moment, so every notification list
        reads in time order."""
        demo_ids = [row.id for row in self.rows.values()]
        with self.db.write() as conn:
            found = conn.execute(
                select(notifications.c.id, notifications.c.created_at)
                .where(notifications.c.id >= self.live_from)
                .where(notifications.c.from_account_id.in_(demo_ids))
                .order_by(notifications.c.id)).all()
            if not found:
                return
            moves = [{"old": row.id, "new": self.ids(_aware(row.created_at, self.now))} for row in found]
            for chunk in _chunks(moves):
                conn.execute(update(notifications).where(notifications.c.id == bindparam("old"))
                             .values(id=bindparam("new")), chunk)

    def curate_topics(self) -> None:
        """The seed story's topics get their hosts (主持人) and descriptions (导语), as the
        operator would appoint them; a topic no post named (a small demo) is left alone."""
        done = 0
        for topic in CAST_TOPICS:
            if topic_curation.curation(self.db, topic.name) is None:
                continue
            for username in topic.hosts:
                host = self.rows.get(username)
                if host is not None:
                    topic_curation.appoint_host(self.db, topic.name, host.id, by=OPERATOR)
            topic_curation.set_description(self.db, topic.name, topic.description,
                                           by=OPERATOR)
            done += 1
        self.say("hosts", done, len(CAST_TOPICS))

    def create_matrices(self) -> None:
        """The seed story's government matrices (政务矩阵) and their campaigns."""
        report = demo_matrices(self.db)
        self.say("matrices", report.matrices, report.campaigns)

    def create_admin(self) -> None:
        """The administrator. ``admin`` is a reserved name that sign-up refuses, which is right for
        strangers; the instance's own administrator is the one account that may hold it, so the
        account is created under a temporary name and renamed."""
        temporary = f"admin_{os.urandom(6).hex()}"
        row = accounts.create(self.db, username=temporary, display_name=self._free_name(ADMIN_DISPLAY_NAME),
                              password=None, password_hash=self.password_hash, home_city=DEMO_CITY,
                              role="admin", note="本实例的管理员（演示）。", created_at=self.joined)
        with self.db.write() as conn:
            conn.execute(update(accounts_table).where(accounts_table.c.id == row.id).values(
                username=ADMIN_USERNAME, username_key=accounts.username_key(ADMIN_USERNAME)))
        self.say("admin", 1, 1)


def _aware(value: datetime, like: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=like.tzinfo)


def _chunks(rows: Sequence[dict[str, Any]], size: int = _BATCH) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _add_counts(conn: Any, table: Any, column: Any, counts: Counter[int]) -> None:
    """``column += n`` for each ``id -> n`` in one executemany."""
    if not counts:
        return
    stmt = (update(table).where(table.c.id == bindparam("row_id"))
            .values({column.key: column + bindparam("n")}))
    items = [{"row_id": k, "n": v} for k, v in counts.items()]
    for chunk in _chunks(items):
        conn.execute(stmt, chunk)
