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
import math
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
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
from plaza.index import collector_paused, daily, formulas
from plaza.storage import fast, upsert
from plaza.storage.db import Database
from plaza.storage.ids import id_at
from plaza.storage.schema import (
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

#: What the scoring reads of a period's days: these counts summed, the best single post's reads
#: and likes, and the active days (the other counts of ``index_daily`` are not scored).
_SUMMED = ("posts", "originals", "replies_to_citizens", "reposts", "comments", "original_reposts",
           "original_comments", "likes", "trusted_reposts", "trusted_likes", "trusted_reposters", "reads",
           "reads_posts", "mentions", "mentions_answered", "trusted_followers_gained")
_MAXIMA = ("reads_max", "likes_max")
_TOTALS = (*_SUMMED, *_MAXIMA, "active_days")

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Totals:
    """Accounts' counts over a range of days, as columns beside ``ids`` (each of :data:`_TOTALS`),
    and the answer-time histograms of the accounts that answered any mention."""

    ids: Ints
    counts: dict[str, Ints]
    answers: dict[int, Counter[int]]


def _totals_sql(sqlite: bool) -> fast.Sql:
    total = "SUM({})" if sqlite else "CAST(SUM({}) AS BIGINT)"  # PostgreSQL sums bigints as numeric
    answers = "group_concat(NULLIF(answer_minutes, ''), ',')" if sqlite else "string_agg(NULLIF(answer_minutes, ''), ',')"
    columns = [*(total.format(name) for name in _SUMMED), *(f"MAX({name})" for name in _MAXIMA),
               total.format("CASE WHEN posts + replies_given > 0 THEN 1 ELSE 0 END"), answers]
    return fast.Sql(f"SELECT account_id, {', '.join(columns)} FROM {index_daily.name} "
                    "WHERE day >= ? AND day < ? GROUP BY account_id")


_TOTALS_SQL = {sqlite: _totals_sql(sqlite) for sqlite in (True, False)}


def _totals(conn: Connection, first: date, end: date) -> Totals:
    """Every account's counts over ``[first, end)``, its active days and answer-time histogram
    (one grouped statement, on the driver; the days' histograms joined by commas, as
    :func:`rollup.parse` reads)."""
    sqlite = conn.dialect.name == "sqlite"
    rows = fast.fetch(conn, _TOTALS_SQL[sqlite], *((first.isoformat(), end.isoformat()) if sqlite else (first, end)))
    width = 1 + len(_TOTALS)
    matrix = np.array([row[:width] for row in rows], dtype=np.int64).reshape(len(rows), width)
    answers = {int(row[0]): rollup.parse(row[width]) for row in rows if row[width]}
    return Totals(matrix[:, 0], {name: matrix[:, 1 + i] for i, name in enumerate(_TOTALS)}, answers)


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


def _h_index(db: Database, period: Period, *, threads: int | None = None) -> dict[int, int]:
    """Each account's h-index of the period's posts by reposts (one statement, windowed; by
    DuckDB where it can read the database, :mod:`plaza.index.engine`, on ``threads``)."""
    from plaza.index import engine

    lo, hi = id_at(int(period.start_at.timestamp() * 1000)), id_at(int(period.end_at.timestamp() * 1000))
    if engine.engine_for(db.engine.url):
        return engine.h_index(db.engine.url, lo, hi, threads=threads)
    with db.read() as conn:
        return {int(a): int(h) for a, h in conn.execute(_H_INDEX, {"lo": lo, "hi": hi})}


def _pagerank(conn: Connection) -> dict[int, float]:
    """PageRank on the whole follow graph."""
    edges = _follow_graph(conn)
    return formulas.pagerank(edges) if len(edges) else {}


#: Each follower's targets joined in one text.
_FOLLOW_GRAPH = {
    True: fast.Sql(f"SELECT account_id, COUNT(*), group_concat(target_account_id, ',') FROM {follows.name} "
                   "GROUP BY account_id"),
    False: fast.Sql(f"SELECT account_id, COUNT(*), string_agg(CAST(target_account_id AS TEXT), ',') "
                    f"FROM {follows.name} GROUP BY account_id"),
}


def _follow_graph(conn: Connection) -> Ints:
    """Every follow as (follower, followed), read a follower at a time on the driver: its
    targets joined in one text, a row per account instead of one per follow (half the time)."""
    rows = fast.fetch(conn, _FOLLOW_GRAPH[conn.dialect.name == "sqlite"])
    if not rows:
        return np.zeros((0, 2), dtype=np.int64)
    followers, counts, targets = zip(*rows, strict=True)
    followed = np.fromstring(",".join(targets), dtype=np.int64, sep=",")
    follower = np.repeat(np.array(followers, dtype=np.int64), np.array(counts, dtype=np.int64))
    if len(followed) != len(follower):
        raise RuntimeError(f"the follow graph read {len(followed)} targets for {len(follower)} follows")
    return np.stack([follower, followed], axis=1)


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


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a period's scoring reads beside its government accounts: the days' totals, who
    posted in the last :data:`SILENT_DAYS`, the desk's counts and help completed by department
    account, the help responders, PageRank, imported followers, and hot events to answer."""

    totals: Totals
    posted: set[int]
    service: Mapping[int, Mapping[str, int]]
    helped: Mapping[int, int]
    responders: set[int]
    pageranks: Mapping[int, float]
    imported_followers: Mapping[int, int | None]
    hot_events: Mapping[int, tuple[int, int]]


@dataclass(frozen=True, slots=True)
class _Column:
    """A column's values present, ascending, and the row of each: what its medians by group
    are taken of (sorted once for all the kinds of group)."""

    rows: npt.NDArray[np.intp]
    values: npt.NDArray[Any]

    @classmethod
    def of(cls, values: npt.NDArray[Any], present: npt.NDArray[np.bool_]) -> _Column:
        rows = np.flatnonzero(present)
        order = np.argsort(values[rows], kind="stable")
        return cls(rows[order], values[rows][order])

    def medians(self, codes: npt.NDArray[np.intp], size: int) -> list[Any]:
        """Each of ``size`` groups' :func:`median_of` (``codes``: each row's group, -1 for
        none): the same numbers, whole counts staying whole when a group has an odd number of
        them, as :func:`statistics.median` gives them."""
        group = codes[self.rows]
        keep = group >= 0
        group, values = group[keep], self.values[keep]
        out: list[Any] = [None] * size
        if not len(values):
            return out
        # by group, each group's values still ascending
        at = np.sort(group.astype(np.int64) * len(values) + np.arange(len(values))) % len(values)
        values = values[at]
        counts = np.bincount(group, minlength=size)
        starts = np.cumsum(counts) - counts
        lows = values[(starts + (counts - 1) // 2).clip(0, len(values) - 1)].tolist()
        highs = values[(starts + counts // 2).clip(0, len(values) - 1)].tolist()
        for j, (count, low, high) in enumerate(zip(counts.tolist(), lows, highs, strict=True)):
            if count:
                out[j] = round(high if count % 2 else (low + high) / 2, 2)
        return out


@dataclass(frozen=True, slots=True)
class _Scored:
    """The ranked accounts (best first), their rows of the group in the same order, and the
    columns the group medians are taken of (rows in the same order)."""

    results: list[Ranked]
    accounts: list[Any]
    columns: dict[str, _Column]


_KEYS = tuple(i.key for i in INDICATORS)
_SCORED = tuple(i for i in INDICATORS if i.dimension is not None)
_SCORED_KEYS = tuple(i.key for i in _SCORED)
_OF_DIMENSION = {d: tuple((i.key, i.weight) for i in INDICATORS if i.dimension == d) for d in DIMENSIONS}
#: The counts that are indicators as they are.
_COUNTED = ("posts", "originals", "active_days", "reposts", "trusted_reposters", "comments", "replies_to_citizens",
            "likes", "trusted_likes", "trusted_reposts", "trusted_followers_gained", "mentions")
#: Each combination of flag bits as its list of flags (in :data:`FLAGS` order).
_FLAG_LISTS = tuple([key for key, bit in _FLAG_BITS.items() if bits & bit] for bits in range(1 << len(FLAGS)))

# A column of the group: (values, where present); whole counts as integers.
_Values = tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]


def _lookup(ids: Ints, keys: Ints) -> npt.NDArray[np.intp]:
    """Where each of ``keys`` is in ``ids`` (any order), -1 where it is not."""
    if not len(ids):
        return np.full(len(keys), -1, dtype=np.intp)
    order = np.argsort(ids, kind="stable")
    found = order[np.searchsorted(ids, keys, sorter=order).clip(max=len(ids) - 1)]
    return np.where(ids[found] == keys, found, -1)


def _listed(values: npt.NDArray[Any], present: npt.NDArray[np.bool_]) -> list[Any]:
    """``values`` as Python numbers, None where not ``present``."""
    if present.all():
        return values.tolist()  # type: ignore[no-any-return]
    out: list[Any] = [None] * len(values)
    for i, value in zip(np.flatnonzero(present).tolist(), values[present].tolist(), strict=True):
        out[i] = value
    return out


def _floats(values: Sequence[float | None]) -> Floats:
    """Python numbers (None: no data) as floats, NaN for None."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _round(values: Floats, places: int) -> Floats:
    """Each value as Python's ``round(value, places)`` gives it (NaN stays NaN). The scaled
    value rounded to the nearest integer is the decimal Python rounds to, except within a hair
    of a half (where the product's own rounding may tip it): those are asked of Python."""
    scale = 10.0**places
    scaled = values * scale
    out = np.rint(scaled) / scale
    unsure = np.flatnonzero((np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5) < 1e-6) | (np.abs(scaled) > 1e12))
    for i, value in zip(unsure.tolist(), values[unsure].tolist(), strict=True):
        out[i] = round(value, places)
    return out


def _rounded(values: Floats, places: int) -> list[float | None]:
    """Each value as Python's ``round(value, places)`` gives it, None for NaN."""
    return _listed(_round(values, places), ~np.isnan(values))


def _exactly(function: Callable[[Any], float], values: npt.NDArray[Any]) -> Floats:
    """``function`` of each value by Python's ``math`` (numpy's may differ in the last bit, and
    the figures are rounded), once per distinct value."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([function(v) for v in distinct.tolist()], dtype=np.float64)[inverse.reshape(-1)]


def _rates(numerators: Ints, denominators: Ints) -> Floats:
    """numerator / denominator, NaN where the denominator is 0 (as :func:`_rate`)."""
    out = np.full(len(numerators), np.nan)
    np.divide(numerators, denominators, out=out, where=denominators != 0)
    return out


def _normalise(values: Floats) -> Floats:
    """:func:`plaza.index.formulas.normalise` of counts (``log``) on a column, NaN for None,
    to the bit."""
    present = ~np.isnan(values)
    out = np.full(len(values), np.nan)
    if not present.any():
        return out
    given = values[present]
    if (given < 0).any():
        raise ValueError("log scaling is for counts: values must be ≥ 0")
    scaled = _exactly(math.log1p, given)
    low, high = scaled.min(), scaled.max()
    if high == low:
        out[present] = 100.0 if given[0] > 0 else 0.0
    else:
        out[present] = 100.0 * (scaled - low) / (high - low)
    return out


def _score(group: Sequence[Any], inputs: Inputs, settings: Settings,
           h_index: Callable[[], Mapping[int, int]]) -> _Scored:
    """Score and rank the ``group`` (government accounts: ``id``, ``followers_count``,
    ``region_code``, ``level`` and ``department_type``) a column at a time:
    the same figures as the formulas applied an account at a time. ``h_index`` is called last
    (it may still be being counted)."""
    ids_list = [int(a.id) for a in group]
    ids = np.array(ids_list, dtype=np.int64)
    found = _lookup(inputs.totals.ids, ids)
    t = {name: np.where(found >= 0, column[found], 0) if len(column) else np.zeros(len(ids), dtype=np.int64)
         for name, column in inputs.totals.counts.items()}
    bits = np.zeros(len(ids), dtype=np.int64)
    columns, listed = _indicators(group, ids_list, t, inputs, bits)
    normal = _normalised(columns)
    dimensions = {d: _round(_dimension(normal, indicators), 2) for d, indicators in _OF_DIMENSION.items()}
    composite, partial = _composite(dimensions, settings)
    bci, bci_parts = _bci(t)
    wci, wci_parts = _wci(t)
    bits |= _checks(ids, t, columns["mention_answer_rate"][0], inputs.posted)

    # best first: the composite, then BCI, then the older account
    order = np.lexsort((ids, -bci, -composite))
    h = h_index()
    listed["h_index"] = [h.get(account_id, 0) for account_id in ids_list]
    columns["h_index"] = (np.array(listed["h_index"], dtype=np.int64), np.ones(len(ids), dtype=np.bool_))
    for key in _KEYS:
        if key not in listed:
            listed[key] = _listed(*columns[key])
    raws = [dict(zip(_KEYS, row, strict=True)) for row in zip(*(listed[key] for key in _KEYS), strict=True)]
    scored = [dict(zip(_SCORED_KEYS, row, strict=True))
              for row in zip(*(_rounded(normal[key], 2) for key in _SCORED_KEYS), strict=True)]
    dims = [dict(zip(DIMENSIONS, row, strict=True))
            for row in zip(*(_listed(values, ~np.isnan(values)) for values in dimensions.values()), strict=True)]
    composites, bcis, flag_bits = composite.tolist(), bci.tolist(), bits.tolist()
    results = [Ranked(ids_list[i], composites[i], dims[i], bcis[i], wci[i], rank,
                      {"raw": raws[i], "scores": scored[i], "partial": partial[i],
                       "flags": list(_FLAG_LISTS[flag_bits[i]]), "bci_parts": bci_parts[i], "wci_parts": wci_parts[i]},
                      flag_bits[i])
               for rank, i in enumerate(order.tolist(), start=1)]
    columns["composite"] = (composite, np.ones(len(ids), dtype=np.bool_))
    columns.update({d: (values, ~np.isnan(values)) for d, values in dimensions.items()})
    return _Scored(results, [group[i] for i in order.tolist()],
                   {key: _Column.of(values[order], present[order]) for key, (values, present) in columns.items()})


def _indicators(group: Sequence[Any], ids: list[int], t: Mapping[str, Ints], inputs: Inputs,
                bits: Ints) -> tuple[dict[str, _Values], dict[str, list[Any]]]:
    """Every indicator but the h-index as a column, and those read per account as Python
    numbers too (None: no data), as stored; the flags of the desk's and hot events' checks set
    in ``bits``."""
    n = len(ids)
    position = {account_id: i for i, account_id in enumerate(ids)}
    answer_minutes: list[float | None] = [None] * n
    for account_id, histogram in inputs.totals.answers.items():
        i = position.get(account_id)
        if i is not None and histogram:
            median = rollup.quantile(histogram, 0.5)
            answer_minutes[i] = round(median, 1) if median is not None else None
    hot_rate: list[float | None] = [None] * n
    for account_id, hot in inputs.hot_events.items():
        i = position.get(account_id)
        if i is not None:
            hot_rate[i] = _rate(hot[1], hot[0])
            if hot[0] > 0 and hot[1] == 0:
                bits[i] |= _FLAG_BITS["hot_events_unanswered"]
    acknowledged: list[float | None] = [None] * n
    replied: list[float | None] = [None] * n
    satisfied: list[float | None] = [None] * n
    for account_id, s in inputs.service.items():
        i = position.get(account_id)
        if i is None:
            continue
        acknowledged[i] = _rate(s.get("ack_on_time", 0), s.get("ack_due", 0))
        replied[i] = _rate(s.get("reply_on_time", 0), s.get("reply_due", 0))
        satisfied[i] = _rate(s.get("satisfied", 0), s.get("rated", 0))
        if s and s.get("reply_due", 0) >= CASES_CHECKED and (replied[i] or 0) < CASES_ON_TIME_MIN:
            bits[i] |= _FLAG_BITS["cases_late"]
    helped: list[int | None] = [None] * n
    for account_id in inputs.responders:
        i = position.get(account_id)
        if i is not None:
            helped[i] = inputs.helped.get(account_id, 0)
    imported = inputs.imported_followers
    followers = [int(imported.get(a.id, a.followers_count) or 0) for a in group] if imported else \
        [int(a.followers_count or 0) for a in group]
    listed: dict[str, list[Any]] = {
        "answer_minutes": answer_minutes, "hot_response_rate": hot_rate, "on_time_acknowledgement_rate": acknowledged,
        "on_time_reply_rate": replied, "satisfaction_rate": satisfied, "recognition_satisfaction": satisfied,
        "help_completed": helped, "followers": followers,
        "pagerank": [inputs.pageranks.get(account_id) for account_id in ids]}

    everywhere = np.ones(n, dtype=np.bool_)
    columns: dict[str, _Values] = {key: (t[key], everywhere) for key in _COUNTED}
    columns["reads"] = (t["reads"], t["reads_posts"] != 0)
    mention_rate = _rates(t["mentions_answered"], t["mentions"])
    columns["mention_answer_rate"] = (mention_rate, ~np.isnan(mention_rate))
    for key in ("answer_minutes", "hot_response_rate", "on_time_acknowledgement_rate", "on_time_reply_rate",
                "satisfaction_rate", "recognition_satisfaction", "pagerank"):
        values = _floats(listed[key])
        columns[key] = (values, ~np.isnan(values))
    columns["help_completed"] = (np.array([v or 0 for v in helped], dtype=np.int64),
                                 np.array([v is not None for v in helped], dtype=np.bool_))
    columns["followers"] = (np.array(followers, dtype=np.int64), everywhere)
    return columns, listed


def _normalised(columns: Mapping[str, _Values]) -> dict[str, Floats]:
    """Every scored indicator normalised across the group (0–100; faster answers higher)."""
    normal: dict[str, Floats] = {}
    for indicator in _SCORED:
        values, present = columns[indicator.key]
        given = np.where(present, values, np.nan).astype(np.float64)
        if not indicator.log:  # a rate is its own scale: 0.8 scores 80 whatever the others did
            scores = _round(100.0 * np.clip(given, 0.0, 1.0), 4)
        else:
            scores = _normalise(given)
        normal[indicator.key] = 100.0 - scores if indicator.lower_is_better else scores
    return normal


def _dimension(normal: Mapping[str, Floats], indicators: Sequence[tuple[str, float]]) -> Floats:
    """A dimension: the weighted mean of its indicators' scores over those an account has (NaN
    where it has none; the sums in the order of the indicators, as an account at a time)."""
    n = len(next(iter(normal.values())))
    weight, total = np.zeros(n), np.zeros(n)
    for key, w in indicators:
        present = ~np.isnan(normal[key])
        weight += np.where(present, w, 0.0)
        total += np.where(present, w * normal[key], 0.0)
    out = np.full(n, np.nan)
    np.divide(total, weight, out=out, where=weight > 0)
    return out


def _composite(dimensions: Mapping[str, Floats], settings: Settings) -> tuple[Floats, list[bool]]:
    """:func:`plaza.index.formulas.composite` on columns (0 where no weighted dimension has a
    score), to two places, and whether each is partial."""
    n = len(next(iter(dimensions.values())))
    weighted = [(name, w) for name, w in settings.weights.items() if w > 0]
    total, counted = np.zeros(n), np.zeros(n, dtype=np.int64)
    for name, w in weighted:
        present = ~np.isnan(dimensions[name])
        total += np.where(present, w, 0.0)
        counted += present
    mixed = np.zeros(n)
    for name, w in weighted:
        used = np.divide(w, total, out=np.zeros(n), where=total > 0)
        mixed += np.where(~np.isnan(dimensions[name]), used * dimensions[name], 0.0)
    return _round(mixed, 2), (counted < len(weighted)).tolist()


def _bci(t: Mapping[str, Ints]) -> tuple[Floats, list[dict[str, float | None]]]:
    """:func:`plaza.index.formulas.bci` on columns: BCI to two places and its parts to four."""
    for name in (*(k for k, _ in formulas.BCI_ACTIVITY), *(k for k, _ in formulas.BCI_SPREAD)):
        if (t[name] < 0).any():
            raise ValueError(f"{name} must be a finite number ≥ 0")
    parts = []
    for terms in (formulas.BCI_ACTIVITY, formulas.BCI_SPREAD):
        part = np.zeros(len(t["posts"]))
        for name, w in terms:
            part = part + w * _exactly(lambda x: math.log(x + 1), t[name])
        parts.append(part)
    value = (formulas.BCI_MIX[0] * parts[0] + formulas.BCI_MIX[1] * parts[1]) * formulas.BCI_SCALE
    return _round(value, 2), [{"w1": w1, "w2": w2} for w1, w2 in zip(_rounded(parts[0], 4), _rounded(parts[1], 4),
                                                                      strict=True)]


def _wci(t: Mapping[str, Ints]) -> tuple[list[float | None], list[dict[str, float] | None]]:
    """WCI to two places and its parts to four where reads are known (an account at a time:
    only imported accounts have reads)."""
    n = len(t["reads_posts"])
    wci: list[float | None] = [None] * n
    parts: list[dict[str, float] | None] = [None] * n
    with_reads = t["reads_posts"] != 0
    inputs = [t[name][with_reads].tolist() for name in ("reads", "reads_posts", "reads_max", "likes", "likes_max")]
    for i, *row in zip(np.flatnonzero(with_reads).tolist(), *inputs, strict=True):
        found = formulas.wci(*row)
        wci[i] = round(found.value, 2)
        parts[i] = {"read": round(found.read, 4), "like": round(found.like, 4)}
    return wci, parts


def _checks(ids: Ints, t: Mapping[str, Ints], mention_rate: Floats, posted: set[int]) -> Ints:
    """The flags of the checks on the days' counts: silent, mentions unanswered, reposts only."""
    bits = np.zeros(len(ids), dtype=np.int64)
    bits[~np.isin(ids, np.fromiter(posted, dtype=np.int64, count=len(posted)))] |= _FLAG_BITS["silent_14_days"]
    bits[(t["mentions"] >= MENTIONS_CHECKED) & (mention_rate < MENTIONS_ANSWERED_MIN)] |= _FLAG_BITS["mentions_unanswered"]
    bits[(t["posts"] >= REPOSTS_ONLY_POSTS) & (t["originals"] == 0)] |= _FLAG_BITS["only_reposts"]
    return bits


def compute_period(db: Database, period: Period, *, settings: Settings | None = None, now: datetime | None = None,
                   hot_events: Mapping[int, tuple[int, int]] | None = None, count_days: bool = True,
                   pageranks: Mapping[int, float] | None = None) -> list[Ranked]:
    """Compute and store ``period``'s index (its days first, those not done yet); the ranked
    accounts, best first. ``hot_events``: account → (events it had to answer, answered);
    ``pageranks``: the follow graph's PageRank when the caller has it (the nightly run computes
    it once for its periods: the graph is today's, whatever the period)."""
    from plaza.index import engine

    settings = settings or Settings()
    now = as_utc(now or utcnow())
    if count_days:  # else the caller counted them (the nightly run, once for all its periods)
        daily.compute_days(db, period.first, period.end, now=now, only_missing=True)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="plaza-index") as pool:
        # DuckDB counts the h-index on one core, in a process of its own (on PostgreSQL without
        # holding the GIL), while the rest is read and scored on the other
        counting = pool.submit(_h_index, db, period, threads=1) if engine.engine_for(db.engine.url) else None
        if hot_events is None:
            from plaza.index import response  # the response rate reads the hot lists' records

            hot_events = response.account_rates(db, period, hours=settings.response_hours, now=now)
        with collector_paused():  # what is read and made is kept to the end
            with db.read() as conn:
                a = accounts.c
                group = conn.execute(select(a.id, a.followers_count, a.region_code, a.level, a.department_type)
                                     .where(a.kind == "government", a.suspended.is_(False)).order_by(a.id)).all()
                silent_since = min(period.end, desk_metrics.today(now) + timedelta(days=1)) - timedelta(days=SILENT_DAYS)
                inputs = Inputs(
                    totals=_totals(conn, period.first, period.end),
                    posted=_posted_since(conn, silent_since, period.end),
                    service=_service(conn, period, now),
                    helped=_help_completed(conn, period),
                    responders={int(a) for (a,) in conn.execute(text("SELECT account_id FROM help_responders"))},
                    pageranks=_pagerank(conn) if pageranks is None else pageranks,
                    imported_followers=dict(conn.execute(select(imported_accounts.c.account_id,
                                                                imported_accounts.c.followers_count)).all()),
                    hot_events=hot_events)
            scored = _score(group, inputs, settings,
                            counting.result if counting is not None else lambda: _h_index(db, period))
            rows = _rows(period, scored)
    _store(db, period, *rows, settings, now)
    return scored.results


def groups_of(account: Any) -> dict[str, str | None]:
    """The groups an account is ranked in: its division, city, province, level, department type."""
    return _groups(account.region_code, account.level, account.department_type)


def _groups(code: str | None, level: str | None, department_type: str | None) -> dict[str, str | None]:
    """:func:`groups_of` an account of that division, level and department type."""
    national = code == NATIONAL_REGION
    return {"region_code": code, "city": None if national or not code else regions.city_code(code),
            "province": NATIONAL_REGION if national else (code[:2] + "0000" if code else None),
            "level": level, "department_type": department_type}


_RESULT_COLUMNS = ("period", "account_id", "composite", *DIMENSIONS, "bci", "wci", "rank", "figures", "flags",
                   "region_code", "city", "province", "level", "department_type")


def _store(db: Database, period: Period, rows: list[tuple[Any, ...]], group_rows: list[tuple[Any, ...]],
           median: dict[str, Any], settings: Settings, now: datetime) -> None:
    """Replace the period's results, its groups' sizes and medians, and its run."""
    with db.write() as conn:
        conn.execute(delete(index_results).where(index_results.c.period == period.key))
        fast.insert_many(conn, index_results, _RESULT_COLUMNS, rows)
        conn.execute(delete(index_groups).where(index_groups.c.period == period.key))
        fast.insert_many(conn, index_groups, ("period", "kind", "key", "size", "median"), group_rows)
        values = {"kind": period.kind, "computed_at": now, "accounts": len(rows),
                  "settings": json.dumps({**settings.as_json(), "median": median})}
        conn.execute(upsert.insert(conn, index_periods).values(period=period.key, **values)
                     .on_conflict_do_update(index_elements=[index_periods.c.period], set_=values))


def _rows(period: Period, scored: _Scored) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, Any]]:
    """What :func:`_store` writes: the results' rows (best first; each result's places in its
    groups set in its figures), its groups' rows with their sizes and medians, and the medians
    of everyone."""
    seen: dict[tuple[Any, ...], dict[str, str | None]] = {}
    found = []
    for account in scored.accounts:  # best first
        kept = (account.region_code, account.level, account.department_type)
        groups = seen.get(kept)
        if groups is None:
            groups = seen[kept] = _groups(*kept)
            groups[PEERS] = (f"{groups['level']}|{groups['department_type']}"
                             if groups["level"] is not None and groups["department_type"] is not None else None)
        found.append(groups)
    # each group in the order of its best member (each member's kinds in GROUP_KINDS order, then
    # its peers), its members' places in it, and its medians
    group_rows: list[tuple[int, int, tuple[Any, ...]]] = []
    places: dict[str, list[int | None]] = {}
    for k, kind in enumerate((*GROUP_KINDS, PEERS)):
        keys, codes, places[kind], firsts = _factorise([None if g[kind] is None else str(g[kind]) for g in found])
        size = len(keys)
        medians: dict[str, list[Any]] = {name: scored.columns[name].medians(codes, size)
                                         for name in ("composite", *DIMENSIONS)}
        indicators = ({key: scored.columns[key].medians(codes, size) for key in _KEYS}
                      if kind == PEERS else None)
        sizes = np.bincount(codes[codes >= 0], minlength=size).tolist()
        for j, key in enumerate(keys):
            median: dict[str, Any] = {name: values[j] for name, values in medians.items()}
            if indicators is not None:
                median["indicators"] = {name: values[j] for name, values in indicators.items()}
            group_rows.append((firsts[j], k, (period.key, kind, key, sizes[j], orjson.dumps(median).decode())))
    group_rows.sort(key=lambda row: row[:2])
    rows = []
    for r, groups, *ranks in zip(scored.results, found, *(places[kind] for kind in GROUP_KINDS), strict=True):
        r.figures["group_ranks"] = (dict(zip(GROUP_KINDS, ranks, strict=True)) if None not in ranks else
                                    {kind: rank for kind, rank in zip(GROUP_KINDS, ranks, strict=True)
                                     if rank is not None})
        rows.append((period.key, r.account_id, r.composite, *(r.dimensions.get(k) for k in DIMENSIONS), r.bci, r.wci,
                     r.rank, orjson.dumps(r.figures).decode(), r.flags, groups["region_code"], groups["city"],
                     groups["province"], groups["level"], groups["department_type"]))
    everyone = np.zeros(len(rows), dtype=np.intp)
    overall = {name: scored.columns[name].medians(everyone, 1)[0] for name in ("composite", *DIMENSIONS)}
    return rows, [row for _, _, row in group_rows], overall


def _factorise(keys: Sequence[str | None]) -> tuple[list[str], npt.NDArray[np.intp], list[int | None], list[int]]:
    """The distinct ``keys`` in the order they first come (None is in no group), each row's group
    (-1: none), its place in its group (1 for the first) and each group's first row."""
    index: dict[str, int] = {}
    sizes: list[int] = []
    firsts: list[int] = []
    codes: list[int] = []
    places: list[int | None] = []
    for row, key in enumerate(keys):
        if key is None:
            codes.append(-1)
            places.append(None)
            continue
        code = index.get(key)
        if code is None:
            code = index[key] = len(sizes)
            sizes.append(0)
            firsts.append(row)
        sizes[code] += 1
        codes.append(code)
        places.append(sizes[code])
    return list(index), np.array(codes, dtype=np.intp), places, firsts


#: The groups a ranking can be of, each result keeping its own (:func:`groups_of`), with their
#: sizes and medians stored with the run (``index_groups``) and each result's rank in them.
GROUP_KINDS = ("province", "city", "region_code", "level", "department_type")
#: An account's peers (its level and department type, ``level|department_type``): their size
#: and medians, each indicator's too, are kept for the account pages.
PEERS = "peers"


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
