"""Hot-event response rate (热点事件回应率): did the accounts responsible for a hot event answer it,
and how fast.

A **hot event** is a topic that reached the top :data:`TOP_RANK` of the national list or of a
city's list (``hot_topic_records``), at the moment it first went on that list. Its **region** is
the city of a city list; for the national list, the city where at least half of the topic's posts
up to then were written, if there is one. Its **department type** is read off the topic's name and
its leading posts (:func:`plaza.accounts.kinds.department_type_of`: 暴雨 → meteorology, 山火 →
fire_rescue …).

The **responsible accounts** are the government accounts of the region (or national accounts for
a national event without a region) of the event's department type, the region's publicity
accounts (发布), and the topic's hosts that are government accounts. The event is **answered** when
one of them posted in the topic — before the event counts as at once — or replied to one of its
leading posts (the :data:`LEADING` most reposted and liked) within ``hours`` (default 24) of the
event; the time to answer is the first such post's. An account's rate is the share of its events
it answered itself; a region's or a department type's, the share of their events answered by
anyone responsible.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, text

from plaza import regions
from plaza.accounts.kinds import NATIONAL_REGION, department_type_of
from plaza.clock import as_utc, utcnow
from plaza.desk.metrics import Period
from plaza.square.text import topic_key
from plaza.storage import upsert
from plaza.storage.db import Database
from plaza.storage.ids import id_at
from plaza.storage.schema import accounts, hot_topic_records, index_events, topic_hosts, topics

__all__ = ["LEADING", "TOP_RANK", "Event", "account_rates", "detect", "events_in", "events_of", "rates_by"]

#: An event is a topic that reached this rank or better on a list.
TOP_RANK = 10
#: How many of a topic's posts count as its leading posts.
LEADING = 10
#: The share of a national topic's posts one city must hold to be its region.
REGION_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Event:
    """A hot event and its answer."""

    topic: str
    list_key: str
    reached_at: datetime
    region_code: str | None
    department_type: str | None
    #: responsible account id → minutes it took that account to answer (None: it did not)
    responsible: dict[int, float | None]
    answered_at: datetime | None
    answered_by: int | None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def minutes(self) -> float | None:
        if self.answered_at is None:
            return None
        return max(0.0, (as_utc(self.answered_at) - as_utc(self.reached_at)).total_seconds() / 60)


def _ms(moment: datetime) -> int:
    return int(as_utc(moment).timestamp() * 1000)


_TOPIC_POSTS = text("""
SELECT s.id, s.account_id, s.city, s.reblogs_count + s.favourites_count AS weight, s.text
FROM status_topics st JOIN statuses s ON s.id = st.status_id
WHERE st.topic_id = :topic AND st.public AND s.id < :until AND s.reblog_of_id IS NULL
""")
_REPLIES_TO = text("""
SELECT r.account_id, MIN(r.id) FROM statuses r
WHERE r.in_reply_to_id IN ({ids}) AND r.id < :until GROUP BY r.account_id
""")


def _in_region(code: str | None, region: str) -> bool:
    """Whether an account's division code lies in the event's region (a city or a province)."""
    if not code:
        return False
    if region.endswith("0000"):
        return code[:2] == region[:2]
    return regions.city_code(code) == region or code == region


def _responsible(government: Iterable[Any], region: str | None, department_type: str | None,
                 hosts: set[int]) -> set[int]:
    out = set()
    for account in government:
        if account.id in hosts:
            out.add(account.id)
            continue
        if region is None:
            if account.region_code == NATIONAL_REGION and department_type and account.department_type == department_type:
                out.add(account.id)
            continue
        if not _in_region(account.region_code, region):
            continue
        publicity = account.department_type == "publicity" and account.level in ("provincial", "prefecture")
        if publicity or (department_type and account.department_type == department_type):
            out.add(account.id)
    return out


def _event(conn: Connection, record: Any, government: Sequence[Any], hours: float) -> Event | None:
    reached = datetime.fromtimestamp(float(record.first_onboard_at), UTC)
    until = reached + timedelta(hours=hours)
    topic_id = conn.execute(select(topics.c.id).where(topics.c.key == topic_key(record.topic))).scalar()
    posts = conn.execute(_TOPIC_POSTS, {"topic": topic_id, "until": id_at(_ms(until))}).all() if topic_id else []
    if record.list_key != "national":
        region: str | None = record.list_key
    else:
        cities = Counter(p.city for p in posts if p.city and p.id < id_at(_ms(reached)))
        top = cities.most_common(1)
        region = top[0][0] if top and top[0][1] >= REGION_SHARE * sum(cities.values()) else None
    leading = sorted(posts, key=lambda p: (-int(p.weight or 0), p.id))[:LEADING]
    department_type = department_type_of(" ".join([record.topic, *(p.text[:200] for p in leading[:3])]))
    hosts = ({int(a) for (a,) in conn.execute(select(topic_hosts.c.account_id).where(topic_hosts.c.topic_id == topic_id))}
             if topic_id else set())
    responsible = _responsible(government, region, department_type, hosts)
    first: dict[int, int] = {}
    for post in posts:
        if post.account_id in responsible:
            first[post.account_id] = min(first.get(post.account_id, post.id), post.id)
    if leading:
        statement = text(_REPLIES_TO.text.format(ids=", ".join(str(int(p.id)) for p in leading)))
        for account_id, reply_id in conn.execute(statement, {"until": id_at(_ms(until))}):
            if account_id in responsible:
                first[account_id] = min(first.get(account_id, reply_id), reply_id)
    minutes = {a: (max(0.0, ((first[a] >> 16) - _ms(reached)) / 60_000) if a in first else None)
               for a in sorted(responsible)}
    answered_by = min(first, key=lambda a: first[a]) if first else None
    answered_at = datetime.fromtimestamp((first[answered_by] >> 16) / 1000, UTC) if answered_by else None
    if answered_at is not None and answered_at < reached:
        answered_at = reached
    return Event(record.topic, record.list_key, reached, region, department_type, minutes, answered_at, answered_by)


def detect(db: Database, period: Period, *, hours: float = 24.0, now: datetime | None = None) -> list[Event]:
    """The period's hot events, found and stored (``index_events``) with their answers."""
    now = as_utc(now or utcnow())
    start, end = period.start_at.timestamp(), min(period.end_at, now).timestamp()
    with db.read() as conn:
        records = conn.execute(select(hot_topic_records).where(
            hot_topic_records.c.first_onboard_at >= start, hot_topic_records.c.first_onboard_at < end,
            hot_topic_records.c.peak_rank <= TOP_RANK)).all()
        if not records:
            return []
        government = conn.execute(select(accounts.c.id, accounts.c.region_code, accounts.c.level,
                                         accounts.c.department_type)
                                  .where(accounts.c.kind == "government", accounts.c.suspended.is_(False))).all()
        found = [e for e in (_event(conn, r, government, hours) for r in records) if e is not None]
    with db.write() as conn:
        for event in found:
            values = {"reached_at": event.reached_at, "region_code": event.region_code,
                      "department_type": event.department_type,
                      "responsible": json.dumps({str(a): m for a, m in event.responsible.items()}),
                      "answered_at": event.answered_at, "answered_by": event.answered_by}
            conn.execute(upsert.insert(conn, index_events).values(topic=event.topic, list_key=event.list_key, **values)
                         .on_conflict_do_update(index_elements=[index_events.c.topic, index_events.c.list_key],
                                                set_=values))
    return found


def events_of(db: Database, period: Period) -> list[Event]:
    """The stored events of ``period`` (as :func:`detect` left them), newest first."""
    with db.read() as conn:
        return events_in(conn, period)


def events_in(conn: Connection, period: Period) -> list[Event]:
    """:func:`events_of` inside a caller's read (a region's report reads them with the rest)."""
    rows = conn.execute(select(index_events).where(index_events.c.reached_at >= period.start_at,
                                                   index_events.c.reached_at < period.end_at)
                        .order_by(index_events.c.reached_at.desc())).all()
    return [Event(r.topic, r.list_key, as_utc(r.reached_at), r.region_code, r.department_type,
                  {int(a): m for a, m in json.loads(r.responsible).items()},
                  as_utc(r.answered_at) if r.answered_at else None, r.answered_by) for r in rows]


def account_rates(db: Database, period: Period, *, hours: float = 24.0,
                  now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """Account → (events it was responsible for, events it answered itself), detecting first."""
    out: dict[int, list[int]] = {}
    for event in detect(db, period, hours=hours, now=now):
        for account_id, minutes in event.responsible.items():
            counts = out.setdefault(account_id, [0, 0])
            counts[0] += 1
            counts[1] += minutes is not None
    return {a: (n, k) for a, (n, k) in out.items()}


def rates_by(events: Iterable[Event], key: str, government: Mapping[int, Any] | None = None) -> list[dict[str, Any]]:
    """Response rates grouped by ``region`` or ``department_type`` (events answered by anyone
    responsible / events), with the median minutes, largest group first."""
    groups: dict[str | None, list[Event]] = {}
    for event in events:
        groups.setdefault(event.region_code if key == "region" else event.department_type, []).append(event)
    out: list[dict[str, Any]] = []
    for group, items in groups.items():
        answered = [e for e in items if e.answered]
        minutes = sorted(m for m in (e.minutes for e in answered) if m is not None)
        out.append({"key": group, "events": len(items), "answered": len(answered),
                    "rate": len(answered) / len(items) if items else None,
                    "median_minutes": round(minutes[len(minutes) // 2], 1) if minutes else None})
    out.sort(key=lambda g: (-int(g["events"]), str(g["key"] or "")))
    return out


def summary(conn: Connection, period: Period, events: list[Event]) -> dict[str, Any]:
    """The period's hot events as the API shows them: each with its responsible accounts, and
    the response rates by region and by department type."""
    ids = {a for e in events for a in e.responsible} | {e.answered_by for e in events if e.answered_by}
    names = {int(r.id): r for r in conn.execute(select(accounts.c.id, accounts.c.username, accounts.c.display_name)
                                                 .where(accounts.c.id.in_(ids)))} if ids else {}

    def who(account_id: int | None) -> dict[str, Any] | None:
        row = names.get(int(account_id)) if account_id is not None else None
        return {"username": row.username, "display_name": row.display_name} if row else None

    answered = sum(1 for e in events if e.answered)
    return {
        "period": period.as_json(), "events_count": len(events), "answered": answered,
        "rate": answered / len(events) if events else None,
        "by_region": rates_by(events, "region"),
        "by_department_type": rates_by(events, "department_type"),
        "events": [{"topic": e.topic, "list": e.list_key, "reached_at": e.reached_at.isoformat(),
                    "region_code": e.region_code, "department_type": e.department_type,
                    "responsible": [{**(who(a) or {"username": None, "display_name": None}),
                                     "minutes": None if m is None else round(m, 1)}
                                    for a, m in e.responsible.items()],
                    "answered": e.answered, "answered_by": who(e.answered_by),
                    "minutes": None if e.minutes is None else round(e.minutes, 1)} for e in events],
    }
