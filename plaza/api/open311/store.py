"""The reads Open311 needs that the desk's modules have no function for yet: a desk's cases by
the specification's filters (a window of filing times, statuses, services, ids) and the public
steps taken on them in a window (FixMyStreet's updates). Plain reads, no writes; candidates to
move into :mod:`plaza.desk.cases` when another interface needs them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from plaza.clock import as_utc
from plaza.desk import catalogue
from plaza.desk.catalogue import Category
from plaza.desk.desks import Desk
from plaza.desk.workflow import CASE, PUBLIC_STEPS
from plaza.storage.schema import accounts, cases, desk_categories, desks, workflow_events

#: The answer's size when the caller asks for more (the specification's default and ceiling).
MAX_RESULTS = 1000
#: Steps an Open311 client sees as updates: the public ones after the filing itself.
UPDATE_STEPS = tuple(sorted(PUBLIC_STEPS - {"start"}))


def _utc(value: datetime) -> datetime:
    # SQLite keeps wall times without an offset: every bound is compared in UTC.
    return as_utc(value).astimezone(UTC)


def changeset(conn: Connection) -> datetime | None:
    """When the set of desks (jurisdictions) last changed."""
    value = conn.execute(select(func.max(desks.c.created_at))).scalar()
    return as_utc(value) if value is not None else None


def requests_by_id(conn: Connection, desk: Desk, ids: Sequence[int]) -> list[Row[Any]]:
    """The desk's cases among ``ids``, newest first (ids of other desks' cases find nothing)."""
    if not ids:
        return []
    return list(conn.execute(select(cases).where(cases.c.desk_id == desk.id, cases.c.id.in_(list(ids)))
                             .order_by(cases.c.created_at.desc(), cases.c.id.desc()).limit(MAX_RESULTS)))


def requests_between(conn: Connection, desk: Desk, start: datetime, end: datetime, *,
                     states: Iterable[str] | None = None, category_ids: Iterable[int] | None = None,
                     limit: int = MAX_RESULTS) -> list[Row[Any]]:
    """The desk's cases filed in ``[start, end]``, newest first, in ``states`` and of
    ``category_ids`` when given."""
    c = cases.c
    where = [c.desk_id == desk.id, c.created_at >= _utc(start), c.created_at <= _utc(end)]
    if states is not None:
        where.append(c.state.in_(list(states)))
    if category_ids is not None:
        where.append(c.category_id.in_(list(category_ids)))
    return list(conn.execute(select(cases).where(*where).order_by(c.created_at.desc(), c.id.desc())
                             .limit(max(1, min(limit, MAX_RESULTS)))))


def service(conn: Connection, desk: Desk, code: str) -> Category | None:
    """The desk's active leaf category whose code is ``code`` (an Open311 service), without
    reading the whole catalogue."""
    c = desk_categories.c
    row = conn.execute(select(c.id, c.active).where(c.desk_id == desk.id, c.code == code)).first()
    if row is None or not row.active:
        return None
    if conn.execute(select(c.id).where(c.desk_id == desk.id, c.parent_id == row.id, c.active.is_(True))
                    .limit(1)).first() is not None:
        return None  # a group of services, not one
    return catalogue.get(conn, desk.id, row.id)


def categories(conn: Connection, desk: Desk, ids: Iterable[int | None]) -> dict[int, Category]:
    """The desk's categories among ``ids``."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = conn.execute(select(desk_categories).where(desk_categories.c.desk_id == desk.id,
                                                      desk_categories.c.id.in_(wanted)))
    return {r.id: Category(r.id, r.parent_id, r.level, r.name, r.path, r.code, r.active) for r in rows}


def by_token(conn: Connection, desk: Desk, token: str) -> Row[Any] | None:
    """The desk's case an Open311 token stands for."""
    return conn.execute(select(cases).where(cases.c.desk_id == desk.id, cases.c.token == token)).first()


@dataclass(frozen=True, slots=True)
class Step:
    """A public step taken on a case: what FixMyStreet calls an update."""

    case_id: int
    seq: int
    action: str
    to_state: str
    agency_id: int | None
    at: datetime
    data: dict[str, Any]


def steps_between(conn: Connection, desk: Desk, start: datetime, end: datetime,
                  limit: int = MAX_RESULTS) -> list[Step]:
    """The public steps taken on the desk's cases in ``[start, end]``, oldest first."""
    e = workflow_events.c
    rows = conn.execute(
        select(e.subject_id, e.seq, e.action, e.to_state, e.agency_id, e.at, e.data)
        .join(cases, cases.c.id == e.subject_id)
        .where(e.workflow == CASE.name, cases.c.desk_id == desk.id, e.action.in_(UPDATE_STEPS),
               e.at >= _utc(start), e.at <= _utc(end))
        .order_by(e.at, e.subject_id, e.seq).limit(max(1, min(limit, MAX_RESULTS)))).all()
    return [Step(r.subject_id, r.seq, r.action, r.to_state, r.agency_id, as_utc(r.at), json.loads(r.data or "{}"))
            for r in rows]


def agencies(conn: Connection, ids: Iterable[int | None]) -> dict[int, str]:
    """The agency each government account acts for (its display name when it names none)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {r.id: r.agency or r.display_name for r in conn.execute(
        select(accounts.c.id, accounts.c.agency, accounts.c.display_name).where(accounts.c.id.in_(wanted)))}
