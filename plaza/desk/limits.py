"""Time limits (办理时限) per category and urgency, counted in working time (plaza.workflow.worktime).

Defaults, as 12345 hotlines set them:

=========  ===========================  ==========================
urgency    acknowledge (签收) within    resolve (办结) within
=========  ===========================  ==========================
urgent     2 hours (clock hours)        1 working day
ordinary   1 working day                5 working days
=========  ===========================  ==========================

A desk may set its own per category (a rule on a category covers everything under it; the most
specific wins) and for the whole desk (no category). Written as ``"2h"`` (clock hours) or
``"5d"`` (working days).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from plaza.errors import Invalid
from plaza.storage.ids import new_id
from plaza.storage.schema import desk_limits
from plaza.workflow.declaration import Limit

URGENCIES = ("ordinary", "urgent")
DEFAULTS: dict[str, tuple[str, str]] = {"urgent": ("2h", "1d"), "ordinary": ("1d", "5d")}
_SPEC = re.compile(r"^(\d{1,3}(?:\.\d)?)\s*([hd])$")
#: How long a citizen has to rate a reply before the case closes unrated (clock days).
RATING_DAYS = 7
#: How long after closing a citizen may reopen (clock days).
REOPEN_DAYS = 30


def parse(spec: str) -> Limit:
    """``"2h"`` → 2 clock hours, ``"5d"`` → 5 working days."""
    match = _SPEC.match((spec or "").strip().lower())
    if not match:
        raise Invalid("time_limit_invalid", value=spec)
    amount, unit = float(match.group(1)), match.group(2)
    if amount <= 0 or (unit == "d" and (amount != int(amount) or amount > 60)) or (unit == "h" and amount > 720):
        raise Invalid("time_limit_invalid", value=spec)
    return Limit(hours=amount) if unit == "h" else Limit(working_days=int(amount))


def spec_of(limit: Limit) -> str:
    return f"{limit.hours:g}h" if limit.hours else f"{limit.working_days}d"


def check_urgency(urgency: str | None) -> str:
    urgency = urgency or "ordinary"
    if urgency not in URGENCIES:
        raise Invalid("urgency_invalid", value=urgency)
    return urgency


@dataclass(frozen=True, slots=True)
class Limits:
    acknowledge: Limit
    resolve: Limit

    def as_json(self) -> dict[str, str]:
        return {"acknowledge": spec_of(self.acknowledge), "resolve": spec_of(self.resolve)}


def default(urgency: str) -> Limits:
    ack, resolve = DEFAULTS[check_urgency(urgency)]
    return Limits(parse(ack), parse(resolve))


def for_case(conn: Connection, desk_id: int, category_chain: list[int], urgency: str) -> Limits:
    """The limits of a case: the most specific category's (``category_chain`` most specific
    first), else the desk's own, else the defaults."""
    rows = conn.execute(select(desk_limits).where(desk_limits.c.desk_id == desk_id,
                                                  desk_limits.c.urgency == urgency)).all()
    by_category = {r.category_id: r for r in rows}
    for key in [*category_chain, None]:
        row = by_category.get(key)
        if row is not None:
            return Limits(parse(row.acknowledge), parse(row.resolve))
    return default(urgency)


def set_limits(conn: Connection, desk_id: int, category_id: int | None, urgency: str, acknowledge: str,
               resolve: str) -> Limits:
    limits = Limits(parse(acknowledge), parse(resolve))
    urgency = check_urgency(urgency)
    conn.execute(delete(desk_limits).where(
        desk_limits.c.desk_id == desk_id, desk_limits.c.urgency == urgency,
        desk_limits.c.category_id.is_(None) if category_id is None else desk_limits.c.category_id == category_id))
    conn.execute(desk_limits.insert().values(id=new_id(), desk_id=desk_id, category_id=category_id, urgency=urgency,
                                             acknowledge=spec_of(limits.acknowledge), resolve=spec_of(limits.resolve)))
    return limits


def table(conn: Connection, desk_id: int) -> list[dict[str, object]]:
    """The desk's limits as set (defaults first)."""
    out: list[dict[str, object]] = [
        {"category": None, "urgency": u, "acknowledge": a, "resolve": r, "default": True}
        for u, (a, r) in DEFAULTS.items()]
    for row in conn.execute(select(desk_limits).where(desk_limits.c.desk_id == desk_id)):
        out.append({"category_id": row.category_id, "urgency": row.urgency, "acknowledge": row.acknowledge,
                    "resolve": row.resolve, "default": False})
    return out
