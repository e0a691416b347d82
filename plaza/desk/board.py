"""A desk's public board (the #马上办# column's 公示栏): what it received today and this month and
what became of it, the citizens' satisfaction this month, the latest public replies, this month's
cases by first-level category and county, and the cases received and closed over the last 30 days.

As in :mod:`plaza.desk.metrics`, a period's figures are about the cases *received* in it (its
cohort), as they stand now: "closed this month" is how many of this month's cases are closed (the
办结率's numerator), "in progress" how many are still open. Aggregates only: the replies shown are
the public reply text and the case's title, both masked (plaza.privacy), never the citizen's text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from plaza import privacy, regions
from plaza.clock import as_utc, utcnow
from plaza.desk import metrics, rollup
from plaza.desk.desks import Desk
from plaza.storage.schema import accounts, cases, desk_categories
from plaza.workflow.worktime import BEIJING

#: Days of the daily chart.
DAYS = 30
#: Public replies shown.
LATEST = 6
#: How far back the latest replies are looked for (cases received in the last … days).
REPLY_WINDOW = timedelta(days=30)
MAX_REPLY_CHARS = 140


@dataclass(frozen=True, slots=True)
class Tally:
    """Cases received in a period, and how many of them are open, closed and declined now."""

    received: int
    in_progress: int
    closed: int
    rejected: int

    def as_json(self) -> dict[str, int]:
        return {"received": self.received, "in_progress": self.in_progress, "closed": self.closed,
                "rejected": self.rejected}


@dataclass(frozen=True, slots=True)
class Satisfaction:
    satisfied: int
    basically_satisfied: int
    dissatisfied: int

    @property
    def rated(self) -> int:
        return self.satisfied + self.basically_satisfied + self.dissatisfied

    @property
    def rate(self) -> metrics.Ratio:
        """满意率: (satisfied + basically satisfied) ÷ rated."""
        return metrics.Ratio(self.satisfied + self.basically_satisfied, self.rated)

    def as_json(self) -> dict[str, Any]:
        return {"satisfied": self.satisfied, "basically_satisfied": self.basically_satisfied,
                "dissatisfied": self.dissatisfied, "rated": self.rated, "rate": self.rate.as_json()}


@dataclass(frozen=True, slots=True)
class Share:
    """Cases of one category or county this month."""

    key: str | None
    name: str
    received: int
    closed: int

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "received": self.received, "closed": self.closed}


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    received: int
    closed: int

    def as_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "received": self.received, "closed": self.closed}


@dataclass(frozen=True, slots=True)
class Reply:
    """A public reply (回复) as anyone may read it."""

    case_id: int
    title: str
    text: str
    result: str | None
    department: str | None
    department_name: str | None
    category: str | None
    county: str | None
    replied_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"case_id": str(self.case_id), "url": f"/cases/{self.case_id}", "title": self.title,
                "text": self.text, "result": self.result, "department": self.department,
                "department_name": self.department_name, "category": self.category, "county": self.county,
                "replied_at": as_utc(self.replied_at).astimezone(BEIJING).isoformat(timespec="seconds")}


@dataclass(frozen=True, slots=True)
class Board:
    desk: Desk
    today: date
    month: metrics.Period
    today_tally: Tally
    month_tally: Tally
    satisfaction: Satisfaction
    replies: tuple[Reply, ...]
    by_category: tuple[Share, ...]
    by_county: tuple[Share, ...]
    daily: tuple[Day, ...]

    def as_json(self) -> dict[str, Any]:
        region = regions.resolve(self.desk.region_code)
        return {
            "desk": self.desk.username,
            "account": {"id": str(self.desk.account_id), "username": self.desk.username,
                        "display_name": self.desk.display_name},
            "topic": self.desk.topic,
            "region": {"code": self.desk.region_code, "name": region.full_name if region else self.desk.region_code},
            "date": self.today.isoformat(), "month": self.month.key,
            "today": self.today_tally.as_json(), "this_month": self.month_tally.as_json(),
            "satisfaction": self.satisfaction.as_json(),
            "latest_replies": [r.as_json() for r in self.replies],
            "by_category": [s.as_json() for s in self.by_category],
            "by_county": [s.as_json() for s in self.by_county],
            "daily": [d.as_json() for d in self.daily],
        }


def summary(conn: Connection, desk: Desk, *, now: datetime | None = None) -> Board:
    """The board of ``desk`` as it stands at ``now``: its counts from the rollup
    (:mod:`plaza.desk.rollup`) — the days of this month and of the last 30, and this month per
    first-level category and county —, the latest replies from ``cases``."""
    now = as_utc(now or utcnow())
    today = metrics.today(now)
    month = metrics.of_date(today, "month")
    first = today - timedelta(days=DAYS - 1)
    per_day = rollup.daily(conn, desk.id, min(first, month.first), max(today + timedelta(days=1), month.end))

    def tally(counts: Counter[str]) -> Tally:
        return Tally(counts["received"], counts["open"], counts["closed"],
                     counts["received"] - counts["open"] - counts["closed"])

    this_month: Counter[str] = Counter()
    for day, counts in per_day.items():
        if month.first <= day < month.end:
            this_month.update(counts)
    satisfaction = Satisfaction(this_month["satisfied"], this_month["basically_satisfied"], this_month["dissatisfied"])
    daily = tuple(Day(d, per_day[d]["received"] if d in per_day else 0, per_day[d]["closed"] if d in per_day else 0)
                  for d in (first + timedelta(days=i) for i in range(DAYS)))

    shares = {key: counts for key, counts in rollup.members(conn, desk.id, ("category", "county"), month.first,
                                                             month.end, ("received", "closed")).items()
              if counts["received"] > 0}
    level_one = _categories(conn, {int(m) for (d, m) in shares if d == "category" and m})
    categories: dict[str | None, tuple[str, list[int]]] = {}
    counties: dict[str | None, tuple[str, list[int]]] = {}
    for (dimension, member), counts in shares.items():
        if dimension == "category":
            code, name = level_one.get(int(member), (None, "")) if member else (None, "")
            into = categories.setdefault(code, (name, [0, 0]))[1]
        else:
            into = counties.setdefault(member or None, (_county_name(member) if member else "", [0, 0]))[1]
        into[0] += counts["received"]
        into[1] += counts["closed"]
    return Board(desk, today, month, tally(per_day.get(today, Counter())), tally(this_month), satisfaction,
                 latest_replies(conn, desk, now=now), _shares(categories), _shares(counties), daily)


def _categories(conn: Connection, ids: set[int]) -> dict[int, tuple[str, str]]:
    """First-level category ids → (code, name)."""
    if not ids:
        return {}
    return {r.id: (r.code, r.path) for r in conn.execute(
        select(desk_categories.c.id, desk_categories.c.code, desk_categories.c.path)
        .where(desk_categories.c.id.in_(ids)))}


def _county_name(code: str) -> str:
    division = regions.lookup(code)
    return division.name if division else code


def _shares(found: dict[str | None, tuple[str, list[int]]]) -> tuple[Share, ...]:
    shares = [Share(key, name, counts[0], counts[1]) for key, (name, counts) in found.items()]
    return tuple(sorted(shares, key=lambda s: (s.key is None, -s.received, s.key or "")))


def latest_replies(conn: Connection, desk: Desk, *, now: datetime | None = None, limit: int = LATEST) -> tuple[Reply, ...]:
    """The public replies to the newest cases that have one (of the last 30 days), newest case
    first, masked. Read backwards along ``ix_cases_desk_id_created_at`` until enough are found —
    ordering by the time of the reply instead would sort a month of cases, as no index has it."""
    now = as_utc(now or utcnow())
    c = cases.c
    rows = conn.execute(
        select(c.id, c.title, c.reply_text, c.result, c.replied_at, c.department_id, c.category_id, c.county_code)
        .where(c.desk_id == desk.id, c.created_at >= now - REPLY_WINDOW, c.replied_at.is_not(None),
               c.reply_text.is_not(None))
        .order_by(c.created_at.desc(), c.id.desc()).limit(limit)).all()
    if not rows:
        return ()
    people = {r.id: r for r in conn.execute(select(accounts.c.id, accounts.c.username, accounts.c.display_name)
                                            .where(accounts.c.id.in_({r.department_id for r in rows
                                                                      if r.department_id})))}
    paths = {r.id: r.path for r in conn.execute(
        select(desk_categories.c.id, desk_categories.c.path)
        .where(desk_categories.c.id.in_({r.category_id for r in rows if r.category_id})))}
    out = []
    for row in rows:
        department = people.get(row.department_id)
        text = privacy.mask(row.reply_text or "")
        out.append(Reply(row.id, privacy.mask(row.title or ""),
                         text[:MAX_REPLY_CHARS] + ("…" if len(text) > MAX_REPLY_CHARS else ""), row.result,
                         department.username if department else None, department.display_name if department else None,
                         paths.get(row.category_id), _county_name(row.county_code) if row.county_code else None,
                         row.replied_at))
    return tuple(out)
