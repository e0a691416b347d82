"""Incidents (事件): an emergency — 2022 重庆山火, 台风梅花 — that gathers its topics, the official
updates, help requests, responders, warnings and donation projects (公益项目) with their public
ledgers (公示). Incident mode (事件模式) puts an active incident's banner and help form on the front
page and on the feeds of the cities it affects.

The rules that need no database (slugs, kinds, places, money) are plain functions at the top;
storage follows, each function taking an open ``Connection`` (the caller's transaction). Who may
do what is :func:`may_manage` and :func:`may_keep_ledger`, asked of :mod:`plaza.accounts.policy`
and :mod:`plaza.accounts.operators`.

Help requests and warnings are other tables' (built beside this module): :func:`requests_of`,
:func:`totals_of` and :func:`warnings_of` are where they are read, in the public shapes documented
there; pages and the API render whatever they return.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, delete, func, or_, select, update

from plaza import regions
from plaza.accounts import operators, policy
from plaza.accounts.policy import Permission
from plaza.clock import as_utc, utcnow
from plaza.errors import Conflict, Forbidden, Invalid, NotFound
from plaza.help import requests as help_requests
from plaza.help import warnings as warnings_store
from plaza.square.text import topic_key
from plaza.square.visibility import LISTED
from plaza.storage.ids import new_id
from plaza.storage.schema import (
    accounts,
    donation_ledger,
    donation_projects,
    incident_regions,
    incident_responders,
    incident_topics,
    incidents,
    status_topics,
    statuses,
    topics,
    warning_areas,
)
from plaza.workflow.worktime import BEIJING

#: What kind of emergency (the pages name them in the reader's language: ``incident_kind_*``).
KINDS = ("wildfire", "typhoon", "flood", "rainstorm", "earthquake", "landslide", "snowstorm", "epidemic",
         "accident", "other")
#: Who may run an incident or a donation project: accounts that act for a body.
RUNNING_KINDS = frozenset({"government", "organisation"})
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
MAX_NAME = 100
MAX_SUMMARY = 5000
MAX_REGIONS = 60
MAX_TOPICS = 10
MAX_TOPIC_CHARS = 100
MAX_ROLE = 40
MAX_RESPONDERS = 300
MAX_TITLE = 100
MAX_DESCRIPTION = 5000
MAX_COUNTERPART = 100
MAX_PURPOSE = 200
MAX_EVIDENCE = 2000
#: 10 亿元 in fen: more than any single entry or goal should be (a typo's extra zeros are refused).
MAX_FEN = 100_000_000_000
LEDGER_KINDS = ("receipt", "disbursement")


# --- rules ------------------------------------------------------------------------------------

def check_slug(slug: str | None) -> str:
    """The incident's address: lowercase letters, digits and hyphens (``2022-chongqing-fire``)."""
    value = (slug or "").strip().lower()
    if not SLUG_RE.match(value):
        raise Invalid("incident_slug_invalid", value=value[:60])
    return value


def check_kind(kind: str | None) -> str:
    value = (kind or "").strip().lower()
    if value not in KINDS:
        raise Invalid("incident_kind_invalid", value=value[:20], kinds=", ".join(KINDS))
    return value


def check_text(value: str | None, key: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise Invalid("parameter_missing", name=key)
    if len(text) > limit:
        raise Invalid("incident_text_too_long", name=key, limit=limit, length=len(text))
    return text


@dataclass(frozen=True, slots=True)
class Place:
    """An affected place: its code, the city whose feed shows the incident (None for a
    province: every city of it), and its province."""

    code: str
    city_code: str | None
    province_code: str


def check_regions(codes: Iterable[str]) -> list[Place]:
    """GB/T 2260 codes of the affected places (a county, city or province), each a real place;
    duplicates dropped, the first order kept."""
    places: dict[str, Place] = {}
    for raw in codes:
        code = str(raw).strip()
        if not code:
            continue
        if not (len(code) == 6 and code.isdigit()) or not regions.is_place(code):
            raise Invalid("incident_region_invalid", code=code[:12])
        places.setdefault(code, Place(code, regions.city_code(code), code[:2] + "0000"))
    if len(places) > MAX_REGIONS:
        raise Invalid("incident_too_many", name="regions", limit=MAX_REGIONS)
    return list(places.values())


def check_topics(names: Iterable[str]) -> list[tuple[str, str]]:
    """Topic names (``#重庆山火#`` or ``重庆山火``) → (key, name), duplicates dropped."""
    found: dict[str, str] = {}
    for raw in names:
        name = str(raw).strip().strip("#").strip()
        if not name:
            continue
        if len(name) > MAX_TOPIC_CHARS:
            raise Invalid("incident_text_too_long", name="topics", limit=MAX_TOPIC_CHARS, length=len(name))
        found.setdefault(topic_key(name), name)
    if len(found) > MAX_TOPICS:
        raise Invalid("incident_too_many", name="topics", limit=MAX_TOPICS)
    return list(found.items())


def parse_yuan(text: str | None, name: str = "amount") -> int:
    """An amount of money in yuan as people write it (``1,234.50``, ``¥200``) → fen (分), a
    positive whole number; more than two decimals, zero or a negative amount is refused."""
    raw = (text or "").strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if re.fullmatch(r"-\d{1,12}(?:\.\d{1,2})?", raw):
        raise Invalid("money_not_positive", name=name)
    if not re.fullmatch(r"\d{1,12}(?:\.\d{1,2})?", raw):
        raise Invalid("money_invalid", name=name)
    return check_fen(int(Decimal(raw) * 100), name)


def check_fen(value: Any, name: str = "amount_fen") -> int:
    """An amount in fen: a whole number from 1 to :data:`MAX_FEN`."""
    if isinstance(value, bool) or value is None:
        raise Invalid("money_invalid", name=name)
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"-?\d{1,15}", value):
            raise Invalid("money_invalid", name=name)
        value = int(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise Invalid("money_invalid", name=name)
        value = int(value)
    if not isinstance(value, int):
        raise Invalid("money_invalid", name=name)
    if value <= 0:
        raise Invalid("money_not_positive", name=name)
    if value > MAX_FEN:
        raise Invalid("money_too_large", name=name)
    return value


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals: 123456 → ``1,234.56``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def balance_after(raised: int, disbursed: int, kind: str, amount: int) -> tuple[int, int]:
    """The project's (raised, disbursed) after an entry. A disbursement may not take out more
    than has come in: the public ledger never shows money spent that it has not shown received
    (the organisation enters the receipt first)."""
    if kind not in LEDGER_KINDS:
        raise Invalid("ledger_kind_invalid", value=str(kind)[:20])
    if kind == "receipt":
        return raised + amount, disbursed
    if disbursed + amount > raised:
        raise Invalid("ledger_overdrawn", available=yuan(raised - disbursed), amount=yuan(amount))
    return raised, disbursed + amount


def split_list(values: Iterable[Any]) -> list[str]:
    """Codes, names or usernames given as a list, or in one text separated by commas, spaces,
    line breaks or 、 (as people type them in a form)."""
    out: list[str] = []
    for value in values:
        if value is None:
            continue
        out += [part for part in re.split(r"[\s,，、;；]+", str(value)) if part]
    return out


def parse_time(text: str | None, name: str) -> datetime | None:
    """An ISO 8601 time (``2022-08-17T22:00+08:00``, or ``2022-08-17 22:00`` read as Beijing
    time, as a form gives it); empty is None."""
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("parameter_invalid", name=name) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(UTC)


def beijing(value: datetime | None) -> str | None:
    """A time as the API and the exports give it: ISO 8601 in Beijing time."""
    return None if value is None else as_utc(value).astimezone(BEIJING).isoformat(timespec="seconds")


def median(values: Sequence[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# --- what gathers into an incident from elsewhere -----------------------------------------------

def requests_of(conn: Connection, incident_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    """The incident's help requests as the public sees them, newest first, at most ``limit``::

        {"id": str, "need": str, "county": str | None (GB/T 2260), "county_name": str | None,
         "state": str (the help request workflow's state), "lat": float | None, "lon": float | None
         (rounded to 0.01°, about 1 km, for the public), "created_at": datetime}

    Merged requests live on in the one they joined and are not listed."""
    rows = help_requests.public_list(conn, incident_id=incident_id, limit=limit)
    found = []
    for row in rows:
        place = help_requests.public_place(row)
        found.append({"id": str(row.id), "need": row.need, "county": row.county_code,
                      "county_name": place["name"], "state": row.state,
                      "lat": round(row.lat, 2) if row.lat is not None else None,
                      "lon": round(row.lon, 2) if row.lon is not None else None,
                      "created_at": as_utc(row.created_at)})
    return found


def totals_of(conn: Connection, incident_id: int) -> dict[str, Any]:
    """The public totals of the incident's help requests: how many, how many verified (核实),
    how many people helped (获救助), and the median minutes from a request to its help (None
    without one) — :func:`plaza.help.requests.totals`."""
    found = help_requests.totals(conn, incident_id=incident_id)
    return {key: found[key] for key in TOTAL_KEYS}


def warnings_of(conn: Connection, incident: Any) -> list[dict[str, Any]]:
    """Official warnings (预警) in force for the incident's places::

        {"id": str, "event": str, "level": str (blue/yellow/orange/red), "headline": str,
         "sender": str, "areas": [str], "sent_at": datetime, "expires_at": datetime | None,
         "url": str}
    """
    now = utcnow()
    seen: dict[int, dict[str, Any]] = {}
    for place in incident.places:
        for row in warnings_store.listed(conn, now, area=place.code, limit=20):
            if row.id in seen:
                continue
            codes = [r.region_code for r in conn.execute(
                select(warning_areas.c.region_code).where(warning_areas.c.warning_id == row.id))]
            seen[row.id] = {"id": str(row.id), "event": row.event, "level": row.level or "",
                            "headline": row.headline or row.event, "sender": row.sender,
                            "areas": sorted(set(codes)), "sent_at": as_utc(row.sent),
                            "expires_at": as_utc(row.expires), "url": f"/warnings/{row.id}"}
    return sorted(seen.values(), key=lambda w: w["sent_at"], reverse=True)


TOTAL_KEYS = ("requests", "verified", "helped", "median_minutes_to_help")


# --- incidents ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Responder:
    account_id: int
    username: str
    display_name: str
    kind: str
    role: str


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident with its places, topics and responders."""

    row: Row[Any]
    places: tuple[Place, ...]
    topics: tuple[str, ...]
    responders: tuple[Responder, ...] = ()
    account: Row[Any] | None = None

    @property
    def id(self) -> int:
        return int(self.row.id)

    @property
    def slug(self) -> str:
        return str(self.row.slug)

    @property
    def city_codes(self) -> frozenset[str]:
        return frozenset(p.city_code for p in self.places if p.city_code)

    def affects_city(self, city_code: str) -> bool:
        """Whether a city's feed shows this incident: one of its places is in the city, or a
        whole province the city is in."""
        return any(p.city_code == city_code or (p.city_code is None and p.province_code == city_code[:2] + "0000")
                   for p in self.places)


@dataclass(frozen=True, slots=True)
class IncidentSpec:
    """What creates an incident (checked by :func:`create`)."""

    slug: str
    name: str
    kind: str
    account_id: int
    summary: str = ""
    regions: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    started_at: datetime | None = None
    mode: bool = False
    responders: tuple[int, ...] = field(default=())


def _running_account(conn: Connection, account_id: int | None) -> Row[Any]:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first() if account_id else None
    if row is None:
        raise Invalid("incident_account_unknown")
    if row.kind not in RUNNING_KINDS or row.suspended:
        raise Invalid("incident_account_kind")
    return row


def _set_places(conn: Connection, incident_id: int, places: list[Place]) -> None:
    conn.execute(delete(incident_regions).where(incident_regions.c.incident_id == incident_id))
    if places:
        conn.execute(incident_regions.insert(), [
            {"incident_id": incident_id, "region_code": p.code, "city_code": p.city_code,
             "province_code": p.province_code} for p in places])


def _set_topics(conn: Connection, incident_id: int, found: list[tuple[str, str]]) -> None:
    conn.execute(delete(incident_topics).where(incident_topics.c.incident_id == incident_id))
    if found:
        conn.execute(incident_topics.insert(), [
            {"incident_id": incident_id, "topic_key": key, "name": name, "position": i}
            for i, (key, name) in enumerate(found)])


def create(conn: Connection, spec: IncidentSpec, *, by: int | None, now: datetime | None = None) -> Incident:
    """A new incident (active); its slug is unique (409 when taken)."""
    now = as_utc(now or utcnow())
    slug = check_slug(spec.slug)
    name = check_text(spec.name, "name", MAX_NAME, required=True)
    kind = check_kind(spec.kind)
    summary = check_text(spec.summary, "summary", MAX_SUMMARY)
    places = check_regions(spec.regions)
    if not places:
        raise Invalid("parameter_missing", name="regions")
    found_topics = check_topics(spec.topics)
    _running_account(conn, spec.account_id)
    if conn.execute(select(incidents.c.id).where(incidents.c.slug == slug)).first() is not None:
        raise Conflict("incident_slug_taken", slug=slug)
    incident_id = new_id()
    conn.execute(incidents.insert().values(
        id=incident_id, slug=slug, name=name, kind=kind, summary=summary, account_id=spec.account_id,
        started_at=as_utc(spec.started_at or now).astimezone(UTC), ended_at=None, active=True, mode=bool(spec.mode),
        created_by=by, created_at=now, updated_at=now))
    _set_places(conn, incident_id, places)
    _set_topics(conn, incident_id, found_topics)
    for account_id in spec.responders:
        add_responder(conn, incident_id, account_id)
    return load(conn, incident_id)


#: What :func:`change` may change.
CHANGEABLE = ("name", "kind", "summary", "account_id", "regions", "topics", "mode", "started_at")


def change(conn: Connection, incident: Incident, changes: dict[str, Any], *,
           now: datetime | None = None) -> Incident:
    """Change some of an incident's facts (:data:`CHANGEABLE`); unknown names are refused.
    Incident mode can be turned on only while it is active."""
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise Invalid("parameter_invalid", name=sorted(unknown)[0])
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = check_text(changes["name"], "name", MAX_NAME, required=True)
    if "kind" in changes:
        values["kind"] = check_kind(changes["kind"])
    if "summary" in changes:
        values["summary"] = check_text(changes["summary"], "summary", MAX_SUMMARY)
    if "account_id" in changes:
        values["account_id"] = _running_account(conn, changes["account_id"]).id
    if "started_at" in changes and changes["started_at"] is not None:
        values["started_at"] = as_utc(changes["started_at"]).astimezone(UTC)
    if "mode" in changes:
        if changes["mode"] and not incident.row.active:
            raise Invalid("incident_ended_no_mode")
        values["mode"] = bool(changes["mode"])
    if "regions" in changes:
        places = check_regions(changes["regions"])
        if not places:
            raise Invalid("parameter_missing", name="regions")
        _set_places(conn, incident.id, places)
    if "topics" in changes:
        _set_topics(conn, incident.id, check_topics(changes["topics"]))
    values["updated_at"] = as_utc(now or utcnow())
    conn.execute(update(incidents).where(incidents.c.id == incident.id).values(**values))
    return load(conn, incident.id)


def end(conn: Connection, incident: Incident, *, now: datetime | None = None) -> Incident:
    """End an incident: no longer active, incident mode off (its pages stay, as a record)."""
    if not incident.row.active:
        raise Conflict("incident_already_ended")
    now = as_utc(now or utcnow())
    conn.execute(update(incidents).where(incidents.c.id == incident.id)
                 .values(active=False, mode=False, ended_at=now, updated_at=now))
    return load(conn, incident.id)


def add_responder(conn: Connection, incident_id: int, account_id: int, role: str = "") -> None:
    """An account that responds (rescue team, NGO, department); adding it again changes its role."""
    row = conn.execute(select(accounts.c.id, accounts.c.kind).where(accounts.c.id == account_id)).first()
    if row is None:
        raise Invalid("incident_responder_unknown")
    role = check_text(role, "role", MAX_ROLE)
    exists = conn.execute(select(incident_responders.c.account_id).where(
        incident_responders.c.incident_id == incident_id, incident_responders.c.account_id == account_id)).first()
    if exists is not None:
        conn.execute(update(incident_responders).where(
            incident_responders.c.incident_id == incident_id, incident_responders.c.account_id == account_id)
            .values(role=role))
        return
    count = conn.execute(select(func.count()).select_from(incident_responders)
                         .where(incident_responders.c.incident_id == incident_id)).scalar_one()
    if count >= MAX_RESPONDERS:
        raise Invalid("incident_too_many", name="responders", limit=MAX_RESPONDERS)
    conn.execute(incident_responders.insert().values(incident_id=incident_id, account_id=account_id, role=role,
                                                     added_at=utcnow()))


def remove_responder(conn: Connection, incident_id: int, account_id: int) -> bool:
    return conn.execute(delete(incident_responders).where(
        incident_responders.c.incident_id == incident_id,
        incident_responders.c.account_id == account_id)).rowcount > 0


def _assemble(conn: Connection, rows: Sequence[Row[Any]], *, with_responders: bool) -> list[Incident]:
    ids = [r.id for r in rows]
    if not ids:
        return []
    places: dict[int, list[Place]] = {i: [] for i in ids}
    for r in conn.execute(select(incident_regions).where(incident_regions.c.incident_id.in_(ids))
                          .order_by(incident_regions.c.region_code)):
        places[r.incident_id].append(Place(r.region_code, r.city_code, r.province_code))
    names: dict[int, list[str]] = {i: [] for i in ids}
    for r in conn.execute(select(incident_topics).where(incident_topics.c.incident_id.in_(ids))
                          .order_by(incident_topics.c.position)):
        names[r.incident_id].append(r.name)
    people: dict[int, list[Responder]] = {i: [] for i in ids}
    if with_responders:
        for r in conn.execute(
                select(incident_responders.c.incident_id, incident_responders.c.role, accounts.c.id,
                       accounts.c.username, accounts.c.display_name, accounts.c.kind)
                .join(accounts, accounts.c.id == incident_responders.c.account_id)
                .where(incident_responders.c.incident_id.in_(ids), accounts.c.suspended.is_(False))
                .order_by(incident_responders.c.added_at, accounts.c.id)):
            people[r.incident_id].append(Responder(r.id, r.username, r.display_name, r.kind, r.role))
    owners = {r.id: r for r in conn.execute(select(accounts).where(
        accounts.c.id.in_({r.account_id for r in rows if r.account_id is not None})))}
    return [Incident(r, tuple(places[r.id]), tuple(names[r.id]), tuple(people[r.id]), owners.get(r.account_id))
            for r in rows]


def load(conn: Connection, incident_id: int) -> Incident:
    row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
    if row is None:
        raise NotFound("incident_not_found")
    return _assemble(conn, [row], with_responders=True)[0]


def by_slug(conn: Connection, slug: str) -> Incident:
    row = conn.execute(select(incidents).where(incidents.c.slug == slug.strip().lower()[:60])).first()
    if row is None:
        raise NotFound("incident_not_found")
    return _assemble(conn, [row], with_responders=True)[0]


def listing(conn: Connection, *, active: bool | None = None, limit: int = 50, before: datetime | None = None
            ) -> list[Incident]:
    """Incidents, the latest started first (active ones before ended ones when both are asked)."""
    stmt = select(incidents)
    if active is not None:
        stmt = stmt.where(incidents.c.active.is_(active))
    if before is not None:
        stmt = stmt.where(incidents.c.started_at < before)
    stmt = stmt.order_by(incidents.c.active.desc(), incidents.c.started_at.desc(), incidents.c.id.desc()).limit(limit)
    return _assemble(conn, conn.execute(stmt).all(), with_responders=False)


def in_mode(conn: Connection) -> list[Incident]:
    """Active incidents in incident mode (事件模式): the banners of the front page and the cities'
    feeds. Few at any time; read by the pages through a short per-process cache."""
    rows = conn.execute(select(incidents).where(incidents.c.active.is_(True), incidents.c.mode.is_(True))
                        .order_by(incidents.c.started_at.desc()).limit(10)).all()
    return _assemble(conn, rows, with_responders=False)


def for_city(conn: Connection, city_code: str, *, active: bool = True) -> list[Incident]:
    """Incidents affecting a city (one of its places, or its whole province)."""
    ids = select(incident_regions.c.incident_id).where(or_(
        incident_regions.c.city_code == city_code,
        (incident_regions.c.city_code.is_(None)) & (incident_regions.c.province_code == city_code[:2] + "0000")))
    rows = conn.execute(select(incidents).where(incidents.c.id.in_(ids), incidents.c.active.is_(active))
                        .order_by(incidents.c.started_at.desc()).limit(20)).all()
    return _assemble(conn, rows, with_responders=False)


def acts_for(conn: Connection, actor: Any | None, account_id: int | None) -> bool:
    """Whether ``actor`` is the account ``account_id`` or one of its operators (经办人)."""
    if actor is None or account_id is None or getattr(actor, "id", None) is None:
        return False
    return account_id in operators.agencies_of(conn, actor.id)


def may_create(actor: Any | None) -> bool:
    """Staff who manage incidents (moderators and administrators) open them."""
    return policy.may(actor, Permission.MANAGE_INCIDENTS)


def may_manage(conn: Connection, actor: Any | None, incident: Incident) -> bool:
    """Staff, and the incident's own account (with its operators), change, end and staff it."""
    return policy.may(actor, Permission.MANAGE_INCIDENTS) or acts_for(conn, actor, incident.row.account_id)


def require_manage(conn: Connection, actor: Any | None, incident: Incident) -> None:
    if not may_manage(conn, actor, incident):
        raise Forbidden("incident_managers_only")


# --- what an incident gathers from the square ---------------------------------------------------

def _topic_ids(conn: Connection, incident: Incident) -> list[int]:
    keys = [topic_key(name) for name in incident.topics]
    if not keys:
        return []
    return [r.id for r in conn.execute(select(topics.c.id).where(topics.c.key.in_(keys)))]


def official_updates(conn: Connection, incident: Incident, *, limit: int = 10) -> list[int]:
    """Official updates (权威发布), newest first: public posts in the incident's topics by verified
    government accounts, and public posts of the incident's own account."""
    listed = (statuses.c.visibility == LISTED) & statuses.c.reblog_of_id.is_(None)
    good = accounts.c.suspended.is_(False)
    found: set[int] = set()
    topic_ids = _topic_ids(conn, incident)
    if topic_ids:
        found.update(r[0] for r in conn.execute(
            select(statuses.c.id).join(status_topics, status_topics.c.status_id == statuses.c.id)
            .join(accounts, accounts.c.id == statuses.c.account_id)
            .where(status_topics.c.topic_id.in_(topic_ids), status_topics.c.public.is_(True), listed, good,
                   accounts.c.kind == "government", accounts.c.verified_at.is_not(None))
            .order_by(statuses.c.id.desc()).limit(limit)))
    if incident.row.account_id is not None:
        found.update(r[0] for r in conn.execute(
            select(statuses.c.id).join(accounts, accounts.c.id == statuses.c.account_id)
            .where(statuses.c.account_id == incident.row.account_id, listed, good,
                   statuses.c.id >= _id_floor(incident))
            .order_by(statuses.c.id.desc()).limit(limit)))
    return sorted(found, reverse=True)[:limit]


def _id_floor(incident: Incident) -> int:
    """The smallest id of a post made since the incident started (ids are time-ordered)."""
    from plaza.storage.ids import id_at

    return id_at(int(as_utc(incident.row.started_at).timestamp() * 1000))


# --- donation projects (公益项目) and their ledgers ---------------------------------------------

def create_project(conn: Connection, incident: Incident, *, account_id: int, title: str, goal_fen: Any,
                   description: str = "", by: int | None, now: datetime | None = None) -> Row[Any]:
    """A donation project for an incident, run by an organisation (or government) account."""
    title = check_text(title, "title", MAX_TITLE, required=True)
    description = check_text(description, "description", MAX_DESCRIPTION)
    goal = check_fen(goal_fen, "goal_fen")
    _running_account(conn, account_id)
    project_id = new_id()
    conn.execute(donation_projects.insert().values(
        id=project_id, incident_id=incident.id, account_id=account_id, title=title, description=description,
        goal_fen=goal, raised_fen=0, disbursed_fen=0, entries=0, created_by=by,
        created_at=as_utc(now or utcnow())))
    return project(conn, project_id)


def project(conn: Connection, project_id: int, *, lock: bool = False) -> Row[Any]:
    """A project with its organisation's username and display name (``org_username``,
    ``org_display_name``); ``lock`` holds it until the transaction ends (PostgreSQL: ``FOR
    UPDATE``; SQLite has one writer at a time), so ledger entries take turns."""
    stmt = (select(donation_projects, accounts.c.username.label("org_username"),
                   accounts.c.display_name.label("org_display_name"))
            .join(accounts, accounts.c.id == donation_projects.c.account_id)
            .where(donation_projects.c.id == project_id))
    row = conn.execute(stmt.with_for_update(of=donation_projects) if lock else stmt).first()
    if row is None:
        raise NotFound("donation_project_not_found")
    return row


def projects_of(conn: Connection, incident_id: int) -> list[Row[Any]]:
    return list(conn.execute(
        select(donation_projects, accounts.c.username.label("org_username"),
               accounts.c.display_name.label("org_display_name"))
        .join(accounts, accounts.c.id == donation_projects.c.account_id)
        .where(donation_projects.c.incident_id == incident_id)
        .order_by(donation_projects.c.created_at, donation_projects.c.id)))


def may_keep_ledger(conn: Connection, actor: Any | None, project_row: Row[Any]) -> bool:
    """Only the project's organisation — its account, or the people who operate it — enters
    lines in its ledger; staff do not write an organisation's accounts."""
    return acts_for(conn, actor, project_row.account_id)


@dataclass(frozen=True, slots=True)
class Entry:
    """A ledger line as it is to be written."""

    kind: str
    amount_fen: int
    counterpart: str
    purpose: str = ""
    at: datetime | None = None
    evidence: str = ""


def check_entry(kind: Any, amount_fen: Any, counterpart: Any, purpose: Any = "", at: datetime | None = None,
                evidence: Any = "") -> Entry:
    kind_text = str(kind or "").strip().lower()
    if kind_text not in LEDGER_KINDS:
        raise Invalid("ledger_kind_invalid", value=kind_text[:20])
    return Entry(kind_text, check_fen(amount_fen),
                 check_text(None if counterpart is None else str(counterpart), "counterpart", MAX_COUNTERPART,
                            required=True),
                 check_text(None if purpose is None else str(purpose), "purpose", MAX_PURPOSE),
                 at, check_text(None if evidence is None else str(evidence), "evidence", MAX_EVIDENCE))


def add_entry(conn: Connection, project_id: int, entry: Entry, *, by: Any, now: datetime | None = None
              ) -> tuple[Row[Any], Row[Any]]:
    """Append a line to a project's ledger and keep its raised and disbursed sums in step, in
    the caller's transaction: (the line, the project as it now is). Only the organisation
    (:func:`may_keep_ledger`); a disbursement beyond the balance is refused
    (:func:`balance_after`)."""
    now = as_utc(now or utcnow())
    found = project(conn, project_id, lock=True)
    if not may_keep_ledger(conn, by, found):
        raise Forbidden("ledger_organisation_only")
    raised, disbursed = balance_after(int(found.raised_fen), int(found.disbursed_fen), entry.kind, entry.amount_fen)
    seq = int(found.entries) + 1
    moved = conn.execute(update(donation_projects).where(donation_projects.c.id == project_id,
                                                         donation_projects.c.entries == found.entries)
                         .values(raised_fen=raised, disbursed_fen=disbursed, entries=seq)).rowcount
    if moved != 1:  # another entry went in meanwhile (the lock makes this rare): try again
        raise Conflict("ledger_busy")
    at = as_utc(entry.at).astimezone(UTC) if entry.at is not None else now
    conn.execute(donation_ledger.insert().values(
        project_id=project_id, seq=seq, kind=entry.kind, amount_fen=entry.amount_fen,
        counterpart=entry.counterpart, purpose=entry.purpose, at=at, entered_by=getattr(by, "id", None),
        evidence=entry.evidence, created_at=now))
    line = conn.execute(select(donation_ledger).where(donation_ledger.c.project_id == project_id,
                                                      donation_ledger.c.seq == seq)).one()
    return line, project(conn, project_id)


def ledger(conn: Connection, project_id: int, *, limit: int | None = None) -> list[Row[Any]]:
    """The ledger, first line first, with who entered each (``entered_by_username``)."""
    stmt = (select(donation_ledger, accounts.c.username.label("entered_by_username"))
            .join(accounts, accounts.c.id == donation_ledger.c.entered_by, isouter=True)
            .where(donation_ledger.c.project_id == project_id).order_by(donation_ledger.c.seq))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(conn.execute(stmt))


def ledger_sums(conn: Connection, project_id: int) -> tuple[int, int]:
    """(receipts, disbursements) summed from the ledger itself — what the project row keeps."""
    rows = conn.execute(select(donation_ledger.c.kind, func.coalesce(func.sum(donation_ledger.c.amount_fen), 0))
                        .where(donation_ledger.c.project_id == project_id).group_by(donation_ledger.c.kind))
    sums = {kind: int(total) for kind, total in rows}
    return sums.get("receipt", 0), sums.get("disbursement", 0)
