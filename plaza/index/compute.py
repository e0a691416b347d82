"""A period's index (政务指数): every government account's indicators rolled up from its days,
normalised across the ranked group, combined into four dimensions and a composite, ranked and
stored (``index_results``) for the rankings, the account pages, the API and the reports.

The dimensions (each the weighted mean of its indicators' normalised values, 0–100, over the
indicators the account has data for; "no data" when it has none):

* **传播力 reach** — originals, active days, reposts received, distinct trusted reposters (×2),
  reads where the source knew them;
* **互动力 interaction** — comments received, replies given to citizens (×2), the share of
  mentions answered, how fast (the median minutes to an answer, faster is higher), and the
  hot-event response rate (回应率) where the account had events to answer;
* **服务力 service** — from the service desk, the department's 按时签收率, 按时办结率 and 满意率;
  from help in emergencies, the requests it completed as a responder;
* **认同度 recognition** — likes (trusted likes ×2), reposts by trusted accounts, trusted
  followers gained, and the desk's satisfaction.

Counts are normalised across the ranked group on ``ln(1 + x)``, min to max onto 0–100
(:func:`plaza.index.formulas.normalise`); rates and shares score as percentages (an on-time rate
of 0.8 scores 80, whatever the others did); the median minutes to answer scores 100 minus its
normalised value (faster is higher).
The composite is the weighted mean of reach, service and interaction (default 0.30 / 0.35 /
0.35, :data:`plaza.index.formulas.DEFAULT_WEIGHTS`, configurable per run), renormalised over the
dimensions an account has data for (then marked partial); recognition is reported beside it.
Beside them every account gets its 清博 BCI and, where reads are known, WCI, its followers
(in-degree), PageRank on the follow graph and h-index by reposts (the research measures), and
the compliance checks (:data:`FLAGS`) in the style of the State Council's inspection items.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, delete, func, select, text

from plaza import regions
from plaza.accounts.kinds import NATIONAL_REGION
from plaza.clock import as_utc, utcnow
from plaza.desk import desks as desk_registry
from plaza.desk import metrics as desk_metrics
from plaza.desk import rollup
from plaza.desk.metrics import Period
from plaza.errors import Invalid
from plaza.index import daily, formulas
from plaza.storage import fast, upsert
from plaza.storage.db import Database
from plaza.storage.ids import id_at
from plaza.storage.schema import (
    INDEX_DAILY_COUNTS,
    accounts,
    follows,
    help_requests,
    imported_accounts,
    index_daily,
    index_groups,
    index_periods,
    index_results,
)

__all__ = ["DIMENSIONS", "FLAGS", "INDICATORS", "Indicator", "Settings", "compute_period", "period_for"]


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator: its key, names, dimension, weight inside it, and how it is normalised."""

    key: str
    zh: str
    en: str
    dimension: str | None  # None: reported, not scored
    weight: float = 1.0
    log: bool = True  # a count (normalised on ln(1+x)); False: a rate or share
    lower_is_better: bool = False


#: The four dimensions, in the order pages show them (the first three make the composite).
DIMENSIONS: dict[str, tuple[str, str]] = {
    "reach": ("传播力", "Reach"),
    "service": ("服务力", "Service"),
    "interaction": ("互动力", "Interaction"),
    "recognition": ("认同度", "Recognition"),
}

INDICATORS: tuple[Indicator, ...] = (
    Indicator("posts", "发博数", "Posts", None),
    Indicator("originals", "原创数", "Original posts", "reach", 0.5),
    Indicator("active_days", "活跃天数", "Active days", "reach", 0.5),
    Indicator("reposts", "被转发数", "Reposts received", "reach"),
    Indicator("trusted_reposters", "可信转发人数", "Distinct trusted reposters", "reach", 2.0),
    Indicator("reads", "阅读数", "Reads", "reach"),
    Indicator("comments", "被评论数", "Comments received", "interaction"),
    Indicator("replies_to_citizens", "回复网民数", "Replies to citizens", "interaction", 2.0),
    Indicator("mention_answer_rate", "@回应率", "Mentions answered", "interaction", log=False),
    Indicator("answer_minutes", "回应用时(分钟,中位数)", "Median minutes to answer", "interaction",
              lower_is_better=True),
    Indicator("hot_response_rate", "热点事件回应率", "Hot events answered", "interaction", log=False),
    Indicator("on_time_acknowledgement_rate", "按时签收率", "Acknowledged on time", "service", log=False),
    Indicator("on_time_reply_rate", "按时办结率", "Resolved on time", "service", log=False),
    Indicator("satisfaction_rate", "满意率", "Satisfaction", "service", log=False),
    Indicator("help_completed", "完成求助数", "Help requests completed", "service"),
    Indicator("likes", "被点赞数", "Likes received", "recognition"),
    Indicator("trusted_likes", "可信点赞数", "Likes by trusted accounts", "recognition", 2.0),
    Indicator("trusted_reposts", "可信转发数", "Reposts by trusted accounts", "recognition"),
    Indicator("trusted_followers_gained", "新增可信粉丝", "Trusted followers gained", "recognition"),
    Indicator("recognition_satisfaction", "满意率(认同)", "Satisfaction (recognition)", "recognition", log=False),
    Indicator("followers", "粉丝数", "Followers (in-degree)", None),
    Indicator("pagerank", "PageRank", "PageRank on the follow graph", None, log=False),
    Indicator("h_index", "h指数", "h-index by reposts", None),
    Indicator("mentions", "被@数", "Mentions received", None),
)
_BY_KEY = {i.key: i for i in INDICATORS}

#: Compliance checks (in the style of the State Council's inspection items for government
#: accounts): key → (Chinese, English). Each sets a bit of ``index_results.flags``.
FLAGS: dict[str, tuple[str, str]] = {
    "silent_14_days": ("两周未更新", "No post in the last 14 days"),
    "mentions_unanswered": ("@留言未回应", "Most mentions left unanswered"),
    "cases_late": ("办件超期", "Desk cases resolved late"),
    "only_reposts": ("只转不发", "Reposts only, no original posts"),
    "hot_events_unanswered": ("热点事件未回应", "Hot events left unanswered"),
}
_FLAG_BITS = {key: 1 << i for i, key in enumerate(FLAGS)}
#: A check's thresholds (the formulas page states them from here): no post in the last 14 days;
#: fewer than half of at least 3 mentions answered; under 80 % of at least 5 due cases on time;
#: 5 posts or more and no original.
SILENT_DAYS = 14
MENTIONS_CHECKED = 3
MENTIONS_ANSWERED_MIN = 0.5
CASES_CHECKED = 5
CASES_ON_TIME_MIN = 0.8
REPOSTS_ONLY_POSTS = 5


@dataclass(frozen=True, slots=True)
class Settings:
    """How a run scores: the composite's weights and the hot-event answer window."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(formulas.DEFAULT_WEIGHTS))
    response_hours: float = 24.0

    def __post_init__(self) -> None:
        formulas.check_weights(self.weights)

    def as_json(self) -> dict[str, Any]:
        return {"weights": dict(self.weights), "response_hours": self.response_hours}


def period_for(text_value: str | None, *, now: datetime | None = None, first_data: datetime | None = None) -> Period:
    """A period as asked for (``2026-11``, ``2026-W45``, ``2026-Q4``, ``2026-11-07``): 422 when
    it starts in the future or ends before the first data."""
    period = desk_metrics.parse_period(text_value, now=now)
    moment = as_utc(now or utcnow())
    if period.start_at > moment:
        raise Invalid("index_period_future", period=period.key)
    if first_data is not None and period.end_at <= as_utc(first_data):
        raise Invalid("index_period_before_data", period=period.key,
                      first=desk_metrics.today(first_data).isoformat())
    return period


# --- rolling up --------------------------------------------------------------------------------------


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _totals(conn: Connection, first: date, end: date) -> dict[int, dict[str, Any]]:
    """Every account's counts over ``[first, end)``, its active days and answer-time histogram
    (one grouped statement; the days' histograms joined by commas, as :func:`rollup.parse` reads)."""
    maxima = ("reads_max", "likes_max")
    sums = [func.sum(index_daily.c[name]).label(name) for name in INDEX_DAILY_COUNTS if name not in maxima]
    stmt = (select(index_daily.c.account_id, *sums,
                   *(func.max(index_daily.c[name]).label(name) for name in maxima),
                   func.sum(text("CASE WHEN posts + replies_given > 0 THEN 1 ELSE 0 END")).label("active_days"),
                   func.aggregate_strings(func.nullif(index_daily.c.answer_minutes, ""), ",").label("_answers"))
            .where(index_daily.c.day >= first, index_daily.c.day < end)
            .group_by(index_daily.c.account_id))
    out: dict[int, dict[str, Any]] = {}
    result = conn.execute(stmt)
    names = list(result.keys())[1:]
    for account_id, *values in result:
        entry = dict(zip(names, values, strict=True))
        answers = entry.pop("_answers")
        totals: dict[str, Any] = {k: int(v or 0) for k, v in entry.items()}
        if answers:
            totals["_answers"] = rollup.parse(answers)
        out[int(account_id)] = totals
    return out


def _posted_since(conn: Connection, since: date, end: date) -> set[int]:
    return {int(a) for (a,) in conn.execute(select(index_daily.c.account_id).distinct().where(
        index_daily.c.day >= since, index_daily.c.day < end, index_daily.c.posts + index_daily.c.replies_given > 0))}


def _service(conn: Connection, period: Period, now: datetime) -> dict[int, dict[str, int]]:
    """Department accounts' desk counts for the period, summed over every desk."""
    out: dict[int, Counter[str]] = {}
    usernames: dict[str, int] = {}
    for desk in desk_registry.all_desks(conn):
        report = desk_metrics.compute(conn, desk, period, by="department", now=now)
        for group in report.groups:
            if group.key is None:
                continue
            if group.key not in usernames:
                found = conn.execute(select(accounts.c.id).where(accounts.c.username == group.key)).scalar()
                if found is None:
                    continue
                usernames[group.key] = int(found)
            counts = out.setdefault(usernames[group.key], Counter())
            counts.update({k: int(v) for k, v in group.figures.counts.items()})
    return {k: dict(v) for k, v in out.items()}


def _help_completed(conn: Connection, period: Period) -> dict[int, int]:
    rows = conn.execute(select(help_requests.c.responder_id, func.count()).where(
        help_requests.c.responder_id.is_not(None), help_requests.c.completed_at >= period.start_at,
        help_requests.c.completed_at < period.end_at).group_by(help_requests.c.responder_id))
    return {int(a): int(n) for a, n in rows}


_H_INDEX = text("""
SELECT account_id, MAX(rn) FROM (
  SELECT s.account_id, s.reblogs_count,
         ROW_NUMBER() OVER (PARTITION BY s.account_id ORDER BY s.reblogs_count DESC) AS rn
  FROM statuses s JOIN accounts a ON a.id = s.account_id AND a.kind = 'government'
  WHERE s.id >= :lo AND s.id < :hi AND s.reblogs_count > 0 AND s.reblog_of_id IS NULL
) ranked WHERE reblogs_count >= rn GROUP BY account_id
""")


def _h_index(db: Database, period: Period) -> dict[int, int]:
    """Each account's h-index of the period's posts by reposts (one statement, windowed; by
    DuckDB where it can read the database, :mod:`plaza.index.engine`)."""
    from plaza.index import engine

    lo, hi = id_at(int(period.start_at.timestamp() * 1000)), id_at(int(period.end_at.timestamp() * 1000))
    if engine.engine_for(db.engine.url):
        return engine.h_index(db.engine.url, lo, hi)
    with db.read() as conn:
        return {int(a): int(h) for a, h in conn.execute(_H_INDEX, {"lo": lo, "hi": hi})}


def _pagerank(conn: Connection) -> dict[int, float]:
    """PageRank on the whole follow graph (read on the driver straight into an array)."""
    import numpy as np

    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"SELECT account_id, target_account_id FROM {follows.name}")
        edges = np.fromiter(cursor, dtype=np.dtype((np.int64, 2)))  # type: ignore[arg-type]
    finally:
        cursor.close()
    return formulas.pagerank(edges) if len(edges) else {}


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True, slots=True)
class Ranked:
    """One account's result for a period, as stored."""

    account_id: int
    composite: float
    dimensions: dict[str, float | None]
    bci: float
    wci: float | None
    rank: int
    figures: dict[str, Any]
    flags: int


class _Counts(dict[str, Any]):
    """An account's totals, 0 for a count it has no row for."""

    def __missing__(self, key: str) -> int:
        return 0


def _raw(account: Any, totals: Mapping[str, Any], service: Mapping[str, int] | None, helped: int | None,
         followers: int, pagerank: float | None, h: int, hot: tuple[int, int] | None) -> dict[str, float | None]:
    t = _Counts(totals)
    answers: Counter[int] | None = totals.get("_answers")
    median = rollup.quantile(answers, 0.5) if answers else None
    s = service or {}
    satisfaction = _rate(s.get("satisfied", 0), s.get("rated", 0))
    return {
        "posts": t["posts"], "originals": t["originals"], "active_days": t["active_days"],
        "reposts": t["reposts"], "trusted_reposters": t["trusted_reposters"],
        "reads": t["reads"] if t["reads_posts"] else None,
        "comments": t["comments"], "replies_to_citizens": t["replies_to_citizens"],
        "mention_answer_rate": _rate(t["mentions_answered"], t["mentions"]),
        "answer_minutes": round(median, 1) if median is not None else None,
        "hot_response_rate": _rate(hot[1], hot[0]) if hot else None,
        "on_time_acknowledgement_rate": _rate(s.get("ack_on_time", 0), s.get("ack_due", 0)),
        "on_time_reply_rate": _rate(s.get("reply_on_time", 0), s.get("reply_due", 0)),
        "satisfaction_rate": satisfaction,
        "help_completed": helped,
        "likes": t["likes"], "trusted_likes": t["trusted_likes"], "trusted_reposts": t["trusted_reposts"],
        "trusted_followers_gained": t["trusted_followers_gained"],
        "recognition_satisfaction": satisfaction,
        "followers": followers, "pagerank": pagerank, "h_index": h, "mentions": t["mentions"],
    }


def _flags(raw: Mapping[str, float | None], totals: Mapping[str, Any], service: Mapping[str, int] | None,
           silent: bool, hot: tuple[int, int] | None) -> list[str]:
    out = []
    if silent:
        out.append("silent_14_days")
    mentions = int(totals.get("mentions", 0) or 0)
    if mentions >= MENTIONS_CHECKED and (raw["mention_answer_rate"] or 0) < MENTIONS_ANSWERED_MIN:
        out.append("mentions_unanswered")
    if (service and service.get("reply_due", 0) >= CASES_CHECKED
            and (raw["on_time_reply_rate"] or 0) < CASES_ON_TIME_MIN):
        out.append("cases_late")
    if int(totals.get("posts", 0) or 0) >= REPOSTS_ONLY_POSTS and not totals.get("originals"):
        out.append("only_reposts")
    if hot and hot[0] > 0 and hot[1] == 0:
        out.append("hot_events_unanswered")
    return out


def _normalised(raws: Sequence[Mapping[str, float | None]]) -> list[dict[str, float | None]]:
    """Every scored indicator normalised across the group (0–100; faster answers higher)."""
    out: list[dict[str, float | None]] = [{} for _ in raws]
    for indicator in INDICATORS:
        if indicator.dimension is None:
            continue
        values = [raw.get(indicator.key) for raw in raws]
        if not indicator.log:  # a rate is its own scale: 0.8 scores 80 whatever the others did
            normal = [None if v is None else round(100.0 * min(1.0, max(0.0, float(v))), 4) for v in values]
        else:
            normal = formulas.normalise([None if v is None else float(v) for v in values], log=True)
        for i, value in enumerate(normal):
            if value is not None and indicator.lower_is_better:
                value = 100.0 - value
            out[i][indicator.key] = value
    return out


_OF_DIMENSION = {d: tuple((i.key, i.weight) for i in INDICATORS if i.dimension == d) for d in DIMENSIONS}


def _dimensions(scores: Mapping[str, float | None]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for dimension, indicators in _OF_DIMENSION.items():
        weight = total = 0.0
        for key, w in indicators:
            value = scores.get(key)
            if value is not None:
                weight += w
                total += w * value
        out[dimension] = round(total / weight, 2) if weight else None
    return out


def compute_period(db: Database, period: Period, *, settings: Settings | None = None, now: datetime | None = None,
                   hot_events: Mapping[int, tuple[int, int]] | None = None, count_days: bool = True,
                   pageranks: Mapping[int, float] | None = None) -> list[Ranked]:
    """Compute and store ``period``'s index (its days first, those not done yet); the ranked
    accounts, best first. ``hot_events``: account → (events it had to answer, answered);
    ``pageranks``: the follow graph's PageRank when the caller has it (the nightly run computes
    it once for its periods: the graph is today's, whatever the period)."""
    settings = settings or Settings()
    now = as_utc(now or utcnow())
    if count_days:  # else the caller counted them (the nightly run, once for all its periods)
        daily.compute_days(db, period.first, period.end, now=now, only_missing=True)
    if hot_events is None:
        from plaza.index import response  # the response rate reads the hot lists' records

        hot_events = response.account_rates(db, period, hours=settings.response_hours, now=now)
    h_index = _h_index(db, period)
    with db.read() as conn:
        a = accounts.c
        group = conn.execute(select(a.id, a.followers_count, a.region_code, a.level, a.department_type)
                             .where(a.kind == "government", a.suspended.is_(False)).order_by(a.id)).all()
        totals = _totals(conn, period.first, period.end)
        silent_since = min(period.end, desk_metrics.today(now) + timedelta(days=1)) - timedelta(days=SILENT_DAYS)
        posted = _posted_since(conn, silent_since, period.end)
        service = _service(conn, period, now)
        helped = _help_completed(conn, period)
        responders = {int(a) for (a,) in conn.execute(text("SELECT account_id FROM help_responders"))}
        ranks = _pagerank(conn) if pageranks is None else pageranks
        imported_followers = dict(conn.execute(select(imported_accounts.c.account_id,
                                                      imported_accounts.c.followers_count)).all())
    raws, extras = [], []
    for account in group:
        t = totals.get(account.id, {})
        followers = int(imported_followers.get(account.id, account.followers_count) or 0)
        hot = hot_events.get(account.id)
        helped_n = helped.get(account.id, 0) if account.id in responders else None
        raw = _raw(account, t, service.get(account.id), helped_n, followers, ranks.get(account.id),
                   h_index.get(account.id, 0), hot)
        raws.append(raw)
        extras.append((t, hot))
    normal = _normalised(raws)
    results: list[Ranked] = []
    for account, raw, scores, (t, hot) in zip(group, raws, normal, extras, strict=True):
        dims = _dimensions(scores)
        mixed = formulas.composite({k: dims[k] for k in settings.weights}, settings.weights)
        tc = _Counts(t)
        bci = formulas.bci(tc["posts"], tc["originals"], tc["reposts"], tc["comments"], tc["original_reposts"],
                           tc["original_comments"], tc["likes"])
        wci = (formulas.wci(tc["reads"], tc["reads_posts"], tc["reads_max"], tc["likes"], tc["likes_max"])
               if tc["reads_posts"] else None)
        flags = _flags(raw, tc, service.get(account.id), account.id not in posted, hot)
        figures = {"raw": raw, "scores": {k: (round(v, 2) if v is not None else None) for k, v in scores.items()},
                   "partial": mixed.partial, "flags": flags,
                   "bci_parts": {"w1": round(bci.w1, 4), "w2": round(bci.w2, 4)},
                   "wci_parts": ({"read": round(wci.read, 4), "like": round(wci.like, 4)} if wci else None)}
        results.append(Ranked(account.id, round(mixed.value or 0.0, 2), dims, round(bci.value, 2),
                              round(wci.value, 2) if wci else None, 0, figures,
                              sum(_FLAG_BITS[f] for f in flags)))
    results.sort(key=lambda r: (-r.composite, -r.bci, r.account_id))
    results = [Ranked(r.account_id, r.composite, r.dimensions, r.bci, r.wci, i + 1, r.figures, r.flags)
               for i, r in enumerate(results)]
    _store(db, period, results, settings, now, {int(a.id): a for a in group})
    return results


def groups_of(account: Any) -> dict[str, str | None]:
    """The groups an account is ranked in: its division, city, province, level, department type."""
    code = account.region_code
    national = code == NATIONAL_REGION
    return {"region_code": code, "city": None if national or not code else regions.city_code(code),
            "province": NATIONAL_REGION if national else (code[:2] + "0000" if code else None),
            "level": account.level, "department_type": account.department_type}


def _store(db: Database, period: Period, results: Sequence[Ranked], settings: Settings, now: datetime,
           group: Mapping[int, Any]) -> None:
    columns = ("period", "account_id", "composite", *DIMENSIONS, "bci", "wci", "rank", "figures", "flags",
               "region_code", "city", "province", "level", "department_type")
    rows = []
    members: dict[tuple[str, str], list[Ranked]] = {}
    for r in results:  # best first: an account's rank in each of its groups
        groups = groups_of(group[r.account_id])
        ranks = {}
        for kind in GROUP_KINDS:
            if groups[kind] is not None:
                found = members.setdefault((kind, str(groups[kind])), [])
                found.append(r)
                ranks[kind] = len(found)
        r.figures["group_ranks"] = ranks
        if groups["level"] is not None and groups["department_type"] is not None:
            members.setdefault((PEERS, f"{groups['level']}|{groups['department_type']}"), []).append(r)
        rows.append((period.key, r.account_id, r.composite, *(r.dimensions.get(k) for k in DIMENSIONS), r.bci, r.wci,
                     r.rank, orjson.dumps(r.figures).decode(), r.flags, groups["region_code"], groups["city"],
                     groups["province"], groups["level"], groups["department_type"]))
    group_rows = [(period.key, kind, key, len(found), orjson.dumps(_medians(found, kind == PEERS)).decode())
                  for (kind, key), found in members.items()]
    with db.write() as conn:
        conn.execute(delete(index_results).where(index_results.c.period == period.key))
        fast.insert_many(conn, index_results, columns, rows)
        conn.execute(delete(index_groups).where(index_groups.c.period == period.key))
        fast.insert_many(conn, index_groups, ("period", "kind", "key", "size", "median"), group_rows)
        values = {"kind": period.kind, "computed_at": now, "accounts": len(rows),
                  "settings": json.dumps({**settings.as_json(), "median": _medians(results)})}
        conn.execute(upsert.insert(conn, index_periods).values(period=period.key, **values)
                     .on_conflict_do_update(index_elements=[index_periods.c.period], set_=values))


#: The groups a ranking can be of, each result keeping its own (:func:`groups_of`), with their
#: sizes and medians stored with the run (``index_groups``) and each result's rank in them.
GROUP_KINDS = ("province", "city", "region_code", "level", "department_type")
#: An account's peers (its level and department type, ``level|department_type``): their size
#: and medians, each indicator's too, are kept for the account pages.
PEERS = "peers"


def _medians(results: Sequence[Ranked], indicators: bool = False) -> dict[str, Any]:
    """The medians of the composite and of each dimension over ``results`` (None: no scores);
    with ``indicators`` each indicator's too (an account page's peers)."""
    out: dict[str, Any] = {"composite": median_of([r.composite for r in results]),
                           **{k: median_of([r.dimensions.get(k) for r in results]) for k in DIMENSIONS}}
    if indicators:
        out["indicators"] = {i.key: median_of([r.figures["raw"].get(i.key) for r in results]) for i in INDICATORS}
    return out


def median_of(values: Sequence[float | None]) -> float | None:
    """The median of the values present, to two places (None when there are none): a group's
    median on its ranking and on an account's page."""
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


# --- the nightly run ---------------------------------------------------------------------------------

#: How often the server checks whether the night's index is due.
NIGHTLY_CHECK_SECONDS = 3600.0
NIGHTLY_KINDS = ("month", "week", "quarter")


def nightly(db: Database, *, now: datetime | None = None) -> list[str]:
    """Bring the periods holding yesterday (Beijing) up to date, once a day: each month, week and
    quarter not computed yet today is computed with the settings it was last computed with.
    Returns the periods computed."""
    now = as_utc(now or utcnow())
    today = desk_metrics.today(now)
    done: list[str] = []
    periods = [desk_metrics.of_date(today - timedelta(days=1), kind) for kind in NIGHTLY_KINDS]
    counted = False
    pageranks: dict[int, float] | None = None
    for kind in NIGHTLY_KINDS:
        period = desk_metrics.of_date(today - timedelta(days=1), kind)
        with db.read() as conn:
            row = conn.execute(select(index_periods.c.computed_at, index_periods.c.settings)
                               .where(index_periods.c.period == period.key)).first()
        if row is not None and desk_metrics.today(as_utc(row.computed_at)) >= today:
            continue
        stored = json.loads(row.settings) if row is not None else {}
        settings = Settings(weights=stored.get("weights") or dict(formulas.DEFAULT_WEIGHTS),
                            response_hours=float(stored.get("response_hours", 24.0)))
        if not counted:  # the days once, for every period that needs them
            daily.compute_days(db, min(p.first for p in periods), max(p.end for p in periods), now=now,
                               only_missing=True)
            counted = True
        if pageranks is None:
            with db.read() as conn:
                pageranks = _pagerank(conn)
        compute_period(db, period, settings=settings, now=now, count_days=False, pageranks=pageranks)
        done.append(period.key)
    return done


async def compute_nightly(db: Database, interval: float = NIGHTLY_CHECK_SECONDS) -> None:
    """The server's background task: every hour (each worker starting at a random moment of
    the first, so that one of them usually finds the work done), run :func:`nightly`."""
    import asyncio
    import logging
    import random

    log = logging.getLogger("plaza.index")
    await asyncio.sleep(random.uniform(60.0, max(60.0, interval / 4)))
    while True:
        try:
            computed = await asyncio.to_thread(nightly, db)
            if computed:
                log.info("index computed for %s", ", ".join(computed))
        except Exception:  # tried again within the hour
            log.warning("the nightly index failed; retrying later", exc_info=True)
        await asyncio.sleep(interval)
