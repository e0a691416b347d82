"""Desks (服务台), their departments and their routing rules.

A desk belongs to a government account (@马鞍山发布) and a region (a city or a county code), has
its column topic (#马上办#) and is named by its account's username everywhere (``mas_fabu``). Its
staff are that account's operators (plaza.accounts.operators) and the account itself. Its
departments are government accounts of its region it forwards to; rules map a category (and
everything under it) in a county — or the whole region — to the lead department and co-handlers
(牵头 · 协办)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, bindparam, delete, select

from plaza import regions
from plaza.accounts import operators
from plaza.clock import utcnow
from plaza.desk import catalogue, limits
from plaza.errors import Conflict, Invalid, NotFound
from plaza.square.accounts import username_key
from plaza.storage.ids import new_id
from plaza.storage.schema import accounts, desk_departments, desk_rules, desks

MAX_TOPIC_CHARS = 40


@dataclass(frozen=True, slots=True)
class Desk:
    id: int
    account_id: int
    username: str
    display_name: str
    region_code: str
    topic: str | None

    def covers(self, code: str | None) -> bool:
        """Whether a county (or city) code lies in the desk's region."""
        if not code:
            return False
        region = self.region_code
        if region.endswith("0000"):
            return code[:2] == region[:2]
        if region.endswith("00"):
            return code[:4] == region[:4]
        return code == region


def _desk(row: Any) -> Desk:
    return Desk(row.id, row.account_id, row.username, row.display_name, row.region_code, row.topic)


_COLUMNS = (desks.c.id, desks.c.account_id, desks.c.region_code, desks.c.topic, accounts.c.username,
            accounts.c.display_name)
#: :func:`get`'s statement, built once (intake reads it for every case).
_BY_NAME = (select(*_COLUMNS).join(accounts, accounts.c.id == desks.c.account_id)
            .where(accounts.c.username_key == bindparam("key")))


def create(conn: Connection, username: str, *, region_code: str | None = None, topic: str | None = None,
           with_catalogue: bool = True) -> Desk:
    """Open a desk on a verified government account; its region defaults to the account's."""
    account = conn.execute(select(accounts).where(accounts.c.username_key == username_key(username))).first()
    if account is None:
        raise NotFound("account_not_found")
    if account.kind != "government" or account.verified_at is None:
        raise Invalid("desk_account_not_government")
    region = region_code or account.region_code
    if not region or regions.lookup(region) is None:
        raise Invalid("region_invalid", code=region or "")
    if conn.execute(select(desks.c.id).where(desks.c.account_id == account.id)).first():
        raise Conflict("desk_exists", desk=account.username)
    desk_id = new_id()
    conn.execute(desks.insert().values(id=desk_id, account_id=account.id, region_code=region,
                                       topic=_check_topic(topic), created_at=utcnow()))
    if with_catalogue:
        catalogue.load(conn, desk_id)
    return get(conn, account.username)


def _check_topic(topic: str | None) -> str | None:
    topic = (topic or "").strip().strip("#").strip()
    if len(topic) > MAX_TOPIC_CHARS:
        raise Invalid("text_too_long", limit=MAX_TOPIC_CHARS, length=len(topic))
    return topic or None


def get(conn: Connection, name: str) -> Desk:
    """A desk by its account's username (404 when there is none)."""
    row = conn.execute(_BY_NAME, {"key": username_key(name)}).first()
    if row is None:
        raise NotFound("desk_not_found")
    return _desk(row)


#: Seconds a process keeps a desk read by :func:`recent`.
RECENT_SECONDS = 10.0
#: Per database (its engine; gone with it): a desk's key → (when read, the desk).
_recent: WeakKeyDictionary[Engine, dict[str, tuple[float, Desk]]] = WeakKeyDictionary()
_recent_lock = threading.Lock()


def recent(conn: Connection, name: str) -> Desk:
    """:func:`get`, kept for :data:`RECENT_SECONDS` per process — for intake, which reads the
    desk of every case filed: what filing needs of a desk (its id and region) never changes, and
    its column topic or name, changed elsewhere, show here within seconds."""
    key = username_key(name)
    now = time.monotonic()
    with _recent_lock:
        known = _recent.setdefault(conn.engine, {})
        kept = known.get(key)
    if kept is not None and now - kept[0] < RECENT_SECONDS:
        return kept[1]
    desk = get(conn, name)
    with _recent_lock:
        if len(known) > 1000:
            known.clear()
        known[key] = (now, desk)
    return desk


def by_id(conn: Connection, desk_id: int) -> Desk:
    row = conn.execute(select(*_COLUMNS).join(accounts, accounts.c.id == desks.c.account_id)
                       .where(desks.c.id == desk_id)).first()
    if row is None:
        raise NotFound("desk_not_found")
    return _desk(row)


def all_desks(conn: Connection) -> list[Desk]:
    return [_desk(r) for r in conn.execute(select(*_COLUMNS).join(accounts, accounts.c.id == desks.c.account_id)
                                           .order_by(accounts.c.username))]


def for_post(conn: Connection, mentioned_ids: Iterable[int], topic_names: Iterable[str]) -> Desk | None:
    """The desk a post is addressed to: one whose account it mentions, else one whose column
    topic it carries."""
    ids = list(mentioned_ids)
    if ids:
        row = conn.execute(select(*_COLUMNS).join(accounts, accounts.c.id == desks.c.account_id)
                           .where(desks.c.account_id.in_(ids)).order_by(desks.c.id).limit(1)).first()
        if row is not None:
            return _desk(row)
    names = [n.strip("#") for n in topic_names if n]
    if names:
        row = conn.execute(select(*_COLUMNS).join(accounts, accounts.c.id == desks.c.account_id)
                           .where(desks.c.topic.in_(names)).order_by(desks.c.id).limit(1)).first()
        if row is not None:
            return _desk(row)
    return None


def set_topic(conn: Connection, desk: Desk, topic: str | None) -> None:
    conn.execute(desks.update().where(desks.c.id == desk.id).values(topic=_check_topic(topic)))
    with _recent_lock:
        _recent.clear()


# --- staff and departments ------------------------------------------------------------------------


def staff_ids(conn: Connection, desk: Desk) -> set[int]:
    """Who works the desk: its account and its account's operators."""
    return {desk.account_id, *(r.id for r in operators.operators_of(conn, [desk.account_id]))}


def add_department(conn: Connection, desk: Desk, username: str) -> int:
    """Let the desk forward to a government account of its region."""
    account = conn.execute(select(accounts).where(accounts.c.username_key == username_key(username))).first()
    if account is None:
        raise NotFound("account_not_found")
    if account.kind != "government" or account.verified_at is None:
        raise Invalid("department_not_government", department=username)
    if account.id == desk.account_id:
        raise Invalid("department_is_desk")
    if not desk.covers(account.region_code) and account.region_code != desk.region_code:
        raise Invalid("department_outside_region", department=username)
    exists = conn.execute(select(desk_departments.c.account_id).where(
        desk_departments.c.desk_id == desk.id, desk_departments.c.account_id == account.id)).first()
    if not exists:
        conn.execute(desk_departments.insert().values(desk_id=desk.id, account_id=account.id))
    return int(account.id)


def remove_department(conn: Connection, desk: Desk, username: str) -> None:
    department = department_id(conn, desk, username)
    conn.execute(delete(desk_departments).where(desk_departments.c.desk_id == desk.id,
                                                desk_departments.c.account_id == department))


def departments(conn: Connection, desk: Desk) -> list[Any]:
    """The desk's departments (id, username, display_name, agency, department_type, parent_id)."""
    return list(conn.execute(
        select(accounts.c.id, accounts.c.username, accounts.c.display_name, accounts.c.agency,
               accounts.c.department_type, accounts.c.region_code, accounts.c.parent_id)
        .join(desk_departments, desk_departments.c.account_id == accounts.c.id)
        .where(desk_departments.c.desk_id == desk.id).order_by(accounts.c.username)))


def department_id(conn: Connection, desk: Desk, username: str) -> int:
    """A department of the desk by username; 422 when the desk does not forward to it."""
    row = conn.execute(select(accounts.c.id).join(desk_departments, desk_departments.c.account_id == accounts.c.id)
                       .where(desk_departments.c.desk_id == desk.id,
                              accounts.c.username_key == username_key(username or ""))).first()
    if row is None:
        raise Invalid("department_unknown", department=username or "")
    return int(row.id)


# --- routing rules ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Route:
    lead_id: int
    co_handler_ids: tuple[int, ...]


def _ids(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x)


def set_rule(conn: Connection, desk: Desk, category: str, county_code: str | None, lead: str,
             co_handlers: Iterable[str] = ()) -> Route:
    """Make ``lead`` (with ``co_handlers``) responsible for a category and everything under it in
    a county of the desk's region (or all of it, ``county_code`` None)."""
    found = catalogue.find(conn, desk.id, category)
    county = (county_code or "").strip()
    if county and (regions.lookup(county) is None or not desk.covers(county)):
        raise Invalid("place_outside_desk", desk=desk.username)
    lead_id = department_id(conn, desk, lead)
    co_ids = tuple(dict.fromkeys(department_id(conn, desk, name) for name in co_handlers if name))
    co_ids = tuple(i for i in co_ids if i != lead_id)
    conn.execute(delete(desk_rules).where(desk_rules.c.desk_id == desk.id, desk_rules.c.category_id == found.id,
                                          desk_rules.c.county_code == county))
    conn.execute(desk_rules.insert().values(id=new_id(), desk_id=desk.id, category_id=found.id, county_code=county,
                                            lead_id=lead_id, co_handler_ids=",".join(map(str, co_ids)),
                                            updated_at=utcnow()))
    return Route(lead_id, co_ids)


def delete_rule(conn: Connection, desk: Desk, category: str, county_code: str | None) -> bool:
    found = catalogue.find(conn, desk.id, category)
    return conn.execute(delete(desk_rules).where(desk_rules.c.desk_id == desk.id, desk_rules.c.category_id == found.id,
                                                 desk_rules.c.county_code == (county_code or ""))).rowcount > 0


def route(conn: Connection, desk: Desk, category_id: int | None, county_code: str | None) -> Route | None:
    """Who is responsible for a case: the rule of the most specific category (the case's own,
    then the ones above it), in the case's county before the whole region."""
    if category_id is None:
        return None
    chain = catalogue.ancestors(conn, desk.id, category_id)
    rows = conn.execute(select(desk_rules).where(desk_rules.c.desk_id == desk.id,
                                                 desk_rules.c.category_id.in_(chain))).all()
    best: tuple[int, int] | None = None
    found: Any = None
    for row in rows:
        if row.county_code and row.county_code != (county_code or ""):
            continue
        rank = (chain.index(row.category_id), 0 if row.county_code else 1)
        if best is None or rank < best:
            best, found = rank, row
    return Route(found.lead_id, _ids(found.co_handler_ids)) if found is not None else None


def rules(conn: Connection, desk: Desk) -> list[dict[str, Any]]:
    paths = catalogue.paths_by_id(conn, desk.id)
    names = {r.id: r.username for r in departments(conn, desk)}
    return [{"category": paths.get(r.category_id), "county": r.county_code or None,
             "lead": names.get(r.lead_id), "co_handlers": [names.get(i) for i in _ids(r.co_handler_ids)]}
            for r in conn.execute(select(desk_rules).where(desk_rules.c.desk_id == desk.id)
                                  .order_by(desk_rules.c.updated_at))]


def describe(conn: Connection, desk: Desk) -> dict[str, Any]:
    """``GET /api/plaza/v1/desks/{desk}``: account, region, column topic, departments, limits."""
    place = regions.resolve(desk.region_code)
    return {
        "desk": desk.username,
        "account": {"id": str(desk.account_id), "username": desk.username, "display_name": desk.display_name},
        "region": {"code": desk.region_code, "name": place.full_name if place else desk.region_code},
        "topic": desk.topic,
        "departments": [{"id": str(d.id), "username": d.username, "display_name": d.display_name,
                         "agency": d.agency, "department_type": d.department_type}
                        for d in departments(conn, desk)],
        "time_limits": {u: limits.default(u).as_json() for u in limits.URGENCIES},
        "custom_time_limits": [row for row in limits.table(conn, desk.id) if not row["default"]],
        "rating_days": limits.RATING_DAYS,
        "reopen_days": limits.REOPEN_DAYS,
    }
