"""A region's report for a period (政务指数月报): its accounts' ranking (the top and the whole
table), the biggest movers, hot-event response, the service desk's rates of its departments, the
campaigns and topics its accounts took part in, and the figures its charts draw — plain data for
the web page and its PDF to render, like the published monthly reports of provincial indices.

Only public aggregates: government accounts, their scores, public topics. Nothing here imports an
interface; the pages say it in the reader's language.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, distinct, func, select

from plaza import regions
from plaza.clock import as_utc
from plaza.desk.metrics import Period
from plaza.index import rankings, response
from plaza.index.compute import DIMENSIONS
from plaza.index.rankings import Filters, region_condition
from plaza.index.response import Event
from plaza.storage.ids import id_at
from plaza.storage.schema import (
    accounts,
    index_results,
    matrices,
    matrix_campaigns,
    matrix_members,
    status_topics,
    statuses,
    topics,
)

__all__ = ["DESK_RATES", "monthly"]

#: Accounts in the report's top table and bars in its composite chart.
TOP = 20
CHARTED = 10
#: Movers shown each way.
MOVERS = 5
#: Rows of the full table at most (a province's accounts; the API's export has them all).
FULL_TABLE = 2000
#: Topics and campaigns listed.
TOPICS = 10
CAMPAIGNS = 10
#: The service desk's rates each department account carries among its indicators.
DESK_RATES = ("on_time_acknowledgement_rate", "on_time_reply_rate", "satisfaction_rate")


def _ms(moment: datetime) -> int:
    return int(as_utc(moment).timestamp() * 1000)


def _event_in(code: str | None, region: str) -> bool:
    """Whether an event's place (a city, or None) and the report's region overlap: the event
    lies in the region, or the region (a county) lies in the event's city."""
    if not code:
        return False
    if region.endswith("0000"):
        return code[:2] == region[:2]
    if region.endswith("00"):
        return code[:4] == region[:4]
    return code == region or code == regions.city_code(region)


def _events(conn: Connection, period: Period, region: str, members: set[int]) -> list[Event]:
    """The period's hot events that are the region's: in its place, or with one of its accounts
    responsible (a provincial account answering for a city's event)."""
    return [e for e in response.events_in(conn, period)
            if _event_in(e.region_code, region) or members.intersection(e.responsible)]


def _members(conn: Connection, region: str) -> set[int]:
    return {int(a) for (a,) in conn.execute(select(accounts.c.id).where(
        accounts.c.kind == "government", region_condition(region)))}


def _desk(conn: Connection, period: Period, region: str) -> list[dict[str, Any]]:
    """The region's department accounts that had desk cases, with the desk's rates as their
    indicators hold them (None: nothing was due)."""
    rows = conn.execute(select(accounts.c.username, accounts.c.display_name, accounts.c.department_type,
                               index_results.c.figures)
                        .select_from(index_results.join(accounts, accounts.c.id == index_results.c.account_id))
                        .where(index_results.c.period == period.key, region_condition(region))
                        .order_by(index_results.c.rank))
    out = []
    for row in rows:
        raw = json.loads(row.figures).get("raw", {})
        rates = {key: raw.get(key) for key in DESK_RATES}
        if any(value is not None for value in rates.values()):
            out.append({"account": {"username": row.username, "display_name": row.display_name,
                                    "department_type": row.department_type}, **rates})
    return out


def _median(values: Sequence[float | None]) -> float | None:
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    middle = len(present) // 2
    return present[middle] if len(present) % 2 else (present[middle - 1] + present[middle]) / 2


def _topics(conn: Connection, period: Period, region: str) -> list[dict[str, Any]]:
    """The topics the region's government accounts posted (or reposted) in most, publicly."""
    lo, hi = id_at(_ms(period.start_at)), id_at(_ms(period.end_at))
    posts = func.count().label("posts")
    rows = conn.execute(
        select(topics.c.name, posts, func.count(distinct(statuses.c.account_id)).label("accounts"))
        .select_from(status_topics.join(statuses, statuses.c.id == status_topics.c.status_id)
                     .join(topics, topics.c.id == status_topics.c.topic_id)
                     .join(accounts, accounts.c.id == statuses.c.account_id))
        .where(status_topics.c.status_id >= lo, status_topics.c.status_id < hi, status_topics.c.public.is_(True),
               accounts.c.kind == "government", region_condition(region))
        .group_by(topics.c.id, topics.c.name).order_by(posts.desc(), topics.c.name).limit(TOPICS))
    return [{"topic": r.name, "posts": int(r.posts), "accounts": int(r.accounts)} for r in rows]


def _campaigns(conn: Connection, period: Period, region: str) -> list[dict[str, Any]]:
    """The matrix campaigns (矩阵联动) running in the period that the region's accounts belong to,
    with how many of them joined in the period and with how many posts, most posts first."""
    found = conn.execute(select(matrix_campaigns, matrices.c.name.label("matrix_name"))
                         .select_from(matrix_campaigns.join(matrices, matrices.c.id == matrix_campaigns.c.matrix_id))
                         .where(matrix_campaigns.c.starts_at < period.end_at,
                                matrix_campaigns.c.ends_at > period.start_at)).all()
    out = []
    for campaign in found:
        members = (select(matrix_members.c.account_id)
                   .select_from(matrix_members.join(accounts, accounts.c.id == matrix_members.c.account_id))
                   .where(matrix_members.c.matrix_id == campaign.matrix_id, matrix_members.c.removed_at.is_(None),
                          region_condition(region)))
        size = conn.execute(select(func.count()).select_from(members.subquery())).scalar() or 0
        if not size:
            continue
        end = campaign.ended_early_at or campaign.ends_at
        start, finish = max(as_utc(campaign.starts_at), period.start_at), min(as_utc(end), period.end_at)
        topic_id = conn.execute(select(topics.c.id).where(topics.c.key == campaign.topic_key)).scalar()
        posts, joined = 0, 0
        if topic_id is not None and start < finish:
            posts, joined = conn.execute(
                select(func.count(), func.count(distinct(statuses.c.account_id)))
                .select_from(status_topics.join(statuses, statuses.c.id == status_topics.c.status_id))
                .where(status_topics.c.topic_id == topic_id, status_topics.c.public.is_(True),
                       status_topics.c.status_id >= id_at(_ms(start)), status_topics.c.status_id < id_at(_ms(finish)),
                       statuses.c.in_reply_to_id.is_(None), statuses.c.account_id.in_(members))).one()
        out.append({"id": str(campaign.id), "title": campaign.title, "topic": campaign.topic_name,
                    "matrix": campaign.matrix_name, "starts_at": as_utc(campaign.starts_at).isoformat(),
                    "ends_at": as_utc(end).isoformat(), "members": int(size), "joined": int(joined),
                    "posts": int(posts)})
    out.sort(key=lambda c: (-c["posts"], -c["joined"], c["title"]))
    return out[:CAMPAIGNS]


def monthly(conn: Connection, period: Period, region: str) -> dict[str, Any]:
    """The report of ``region`` (a province, city or county code; 000000 the national bodies) for
    ``period`` (a month as a rule; any computed period reads alike). 404 ``index_not_computed``
    when the period has no run, 422 for a region that is no place."""
    filters = Filters(region=region).check()
    board = rankings.ranking(conn, period, filters, limit=FULL_TABLE)
    everyone = rankings.ranking(conn, period, Filters(), limit=0)
    table = board["accounts"]
    moved = [row for row in table if row["movement"]]
    up = sorted((r for r in moved if r["movement"] > 0), key=lambda r: (-r["movement"], r["rank"]))[:MOVERS]
    down = sorted((r for r in moved if r["movement"] < 0), key=lambda r: (r["movement"], r["rank"]))[:MOVERS]
    members = _members(conn, region)
    events = response.summary(conn, period, _events(conn, period, region, members))
    desk = _desk(conn, period, region)
    return {
        "region": region, "period": board["period"], "computed_at": board["computed_at"],
        "settings": board["settings"], "total": board["total"], "truncated": board["total"] > len(table),
        "median": board["median"], "overall_median": everyone["median"], "overall_total": everyone["total"],
        "top": table[:TOP], "table": table, "movers": {"up": up, "down": down},
        "events": {"count": events["events_count"], "answered": events["answered"], "rate": events["rate"],
                   "by_department_type": events["by_department_type"],
                   "unanswered": [e for e in events["events"] if not e["answered"]],
                   "events": events["events"]},
        "desk": {"accounts": desk, "medians": {key: _median([d[key] for d in desk]) for key in DESK_RATES}},
        "campaigns": _campaigns(conn, period, region),
        "topics": _topics(conn, period, region),
        "charts": {
            "composites": [(r["account"]["display_name"], r["composite"]) for r in table[:CHARTED]],
            "dimensions": [(key, board["median"][key], everyone["median"][key]) for key in DIMENSIONS],
            "response_by_department_type": [(g["key"], g["rate"]) for g in events["by_department_type"]],
        },
    }
