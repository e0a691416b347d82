"""Help requests (求助): filed from the web form, the API or a post under #求助#, or found in an
ordinary post by screening (a draft for the verifiers); verified, merged with their duplicates,
offered to responders, claimed by exactly one, completed, confirmed and published — moved through
the help workflow (plaza.help.workflow) by the people entitled to, and read by each as they may
see it.

The workflow's tables hold a request's state, history and timers; the ``help_requests`` row keeps
what the verifiers' queue (by urgency), duplicate search and the public lists read, kept in step
by an observer inside the transaction of every step — the follow-up sweep's included.

Personal data (the text as written, the exact address and coordinates, names and phones) is shown
to the requester, to verifiers and to the responder who claimed the request; the public sees the
need, the county and the state. Every read of personal data by a verifier or a responder is
logged with who, in which role and why (``help_data_reads``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, and_, func, insert, or_, select, update

from plaza import privacy, regions, similarity
from plaza.accounts import operators, policy
from plaza.accounts.policy import Permission
from plaza.clock import as_utc, utcnow
from plaza.errors import Conflict, Forbidden, Invalid, NotFound
from plaza.help import detect, triage
from plaza.help.workflow import (
    ASSIGNEE,
    CLOSE_REASONS,
    HELP,
    OPEN,
    OUTCOMES,
    PUBLIC_STEPS,
    REQUESTER,
    RESPONDER,
    VERIFIER,
)
from plaza.regions.address import metres_between, resolve_place
from plaza.square import media as uploads
from plaza.square.accounts import username_key
from plaza.storage import fast, upsert
from plaza.storage.ids import new_id
from plaza.storage.schema import (
    OPEN_HELP,
    accounts,
    help_data_reads,
    help_offers,
    help_requests,
    help_responders,
    help_sources,
    help_verifiers,
)
from plaza.workflow import engine
from plaza.workflow.declaration import SYSTEM, Limit
from plaza.workflow.engine import Actor, Move, StaleVersion
from plaza.workflow.worktime import in_utc

SOURCES = ("web", "api", "post")
MAX_TEXT_CHARS = 2000
MAX_PLACE_CHARS = 200
MAX_PEOPLE = 100_000
MAX_PHOTOS = 4
#: How long a verifier holds a request they opened from the queue.
LOCK_MINUTES = 10
#: Duplicate search: the newest open requests of a county compared by text, how alike is a
#: duplicate, how alike a screened post joins a request by itself, how close is "the same place".
DUPLICATE_SCAN = 200
DUPLICATE_SIMILARITY = 0.5
SAME_REQUEST_SIMILARITY = 0.8
SAME_PLACE_METRES = 150
#: Responders a verified request is offered to at once.
OFFER_TO = 5
#: Roles that may see a request's personal data.
ENTITLED = frozenset({REQUESTER, VERIFIER, ASSIGNEE})


@dataclass(frozen=True)
class NewRequest:
    """What a person (or screening, for a post) files."""

    text: str
    need: str = "other"
    source: str = "api"
    people: int | None = None
    vulnerable: tuple[str, ...] = ()
    place_text: str = ""
    lat: float | None = None
    lon: float | None = None
    contact_name: str = ""
    contact_phone: str = ""
    second_phone: str = ""
    on_behalf: bool = False
    media_ids: tuple[int, ...] = ()
    requester_id: int | None = None
    source_status_id: int | None = None
    incident_id: int | None = None
    #: found by screening a post, not filed by the person (a draft for the verifiers)
    detected: bool = False
    detect_score: float | None = None
    #: the requester's home city, when the text names no place
    place_hint: str | None = None
    #: hours since the people in it were last heard from, when the form asks
    hours_without_contact: float | None = None


def _bounded(value: str, limit: int, key: str = "text_too_long") -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise Invalid(key, limit=limit, length=len(value))
    return value


def check(new: NewRequest) -> NewRequest:
    """A request as it may be stored, or 422 naming what is wrong."""
    if new.source not in SOURCES:
        raise Invalid("help_source_invalid", value=new.source)
    if new.need not in detect.NEEDS:
        raise Invalid("help_need_invalid", value=new.need, allowed=", ".join(detect.NEEDS))
    text = _bounded(new.text, MAX_TEXT_CHARS)
    if not text:
        raise Invalid("help_text_missing")
    unknown = [v for v in new.vulnerable if v not in triage.VULNERABLE]
    if unknown:
        raise Invalid("help_vulnerable_invalid", value=unknown[0], allowed=", ".join(triage.VULNERABLE))
    if new.people is not None and not (1 <= new.people <= MAX_PEOPLE):
        raise Invalid("help_people_invalid", limit=MAX_PEOPLE)
    if (new.lat is None) != (new.lon is None) or (
            new.lat is not None and not (-90 <= new.lat <= 90 and -180 <= float(new.lon or 0) <= 180)):
        raise Invalid("place_coordinates_invalid")
    if len(new.media_ids) > MAX_PHOTOS:
        raise Invalid("media_too_many", limit=MAX_PHOTOS)
    for phone in (new.contact_phone, new.second_phone):
        if phone and len(triage.normalise_phone(phone)) < 7:
            raise Invalid("help_phone_invalid", value=phone)
    return NewRequest(**{**new.__dict__, "text": text,
                         "place_text": _bounded(new.place_text, MAX_PLACE_CHARS),
                         "contact_name": _bounded(new.contact_name, 60),
                         "contact_phone": _bounded(new.contact_phone, 30),
                         "second_phone": _bounded(new.second_phone, 30)})


@dataclass(frozen=True, slots=True)
class Where:
    """Where a request is: the text kept whatever happens, the region codes when it resolves."""

    text: str
    county: str | None
    city: str | None

    @property
    def resolved(self) -> bool:
        return self.county is not None


def locate(new: NewRequest) -> Where:
    """Resolve the place: the address given (or, without one, what the text names) with the
    coordinates; a place that does not resolve is kept as text and flagged for a verifier."""
    place_text = new.place_text
    found = resolve_place(text=place_text or new.text, lat=new.lat, lon=new.lon, hint=new.place_hint)
    if found is None and place_text and new.lat is None:
        found = resolve_place(text=new.text, hint=new.place_hint)
    if not place_text:
        named = detect.find_place(new.text, new.place_hint)
        place_text = named.text if named is not None else ""
    if found is None:
        return Where(place_text, None, None)
    return Where(place_text, found.county_code, found.city_code)


@dataclass(frozen=True, slots=True)
class Intake:
    """What intake found before a request is written (read-only, outside the write lock)."""

    where: Where
    urgency: triage.Urgency
    vulnerable: tuple[str, ...]
    signals: tuple[str, ...]
    phone_hash: str | None
    signature: bytes
    similar_to: int | None
    similar_score: float | None
    #: how alike the words alone are, and whether it is the same phone
    similar_text: float = 0.0
    same_phone: bool = False


def assess(conn: Connection, new: NewRequest, key: bytes, *, exclude: int | None = None) -> Intake:
    """Place, urgency and the most likely duplicate of a request about to be filed."""
    where = locate(new)
    vulnerable = tuple(dict.fromkeys([*new.vulnerable, *triage.vulnerable_in(new.text)]))
    signals = triage.signals_in(new.text)
    urgency = triage.urgency(new.need, vulnerable, signals, new.people,
                             hours_without_contact=new.hours_without_contact)
    phone = triage.phone_hash(new.contact_phone, key) if new.contact_phone else None
    signature = similarity.signature(new.text)
    found = duplicates(conn, phone_hash=phone, county=where.county, city=where.city, signature=signature,
                       place_text=where.text, lat=new.lat, lon=new.lon, exclude=exclude, limit=1)
    best = found[0] if found else None
    return Intake(where, urgency, vulnerable, signals, phone, signature,
                  best.request_id if best else None, best.score if best else None,
                  best.text if best else 0.0, best is not None and best.why == "phone")


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An open request like another: how alike (0–1) and why (phone, place, text); ``text`` is
    how alike the words alone are (a place only raises the score shown to verifiers)."""

    request_id: int
    score: float
    why: str
    text: float = 0.0


_SPACES = re.compile(r"[\s,，。.、]+")


def _same_place(a: str, b: str) -> bool:
    """The same address, as two people write it: one holds the other (金水区丰庆路锦华苑 and
    郑州市金水区丰庆路锦华苑), at least six characters of it."""
    a, b = _SPACES.sub("", a or ""), _SPACES.sub("", b or "")
    if len(a) < 6 or len(b) < 6:
        return False
    return a in b or b in a


_HOUSE = re.compile(r"(\d+)\s*(?:号楼|栋|幢|单元|号院|室|号|楼)|(\d+)-(\d+)(?:-(\d+))?")


def house_numbers(text: str) -> frozenset[str]:
    """The building, unit and door numbers a text names (3号楼2单元, 3-2-102): two reports that
    name different ones are two households, however alike their words."""
    found: set[str] = set()
    for match in _HOUSE.finditer(text or ""):
        found.update(g.lstrip("0") or "0" for g in match.groups() if g)
    return frozenset(found)


def numbers_disagree(a: str, b: str) -> bool:
    first, second = house_numbers(a), house_numbers(b)
    return bool(first) and bool(second) and first != second


_OPEN_IN_COUNTY = fast.Sql(f"SELECT id, signature, lat, lon, place_text FROM help_requests WHERE county_code = ? "
                           f"AND {OPEN_HELP} ORDER BY created_at DESC LIMIT {DUPLICATE_SCAN}")
_OPEN_IN_CITY = fast.Sql(f"SELECT id, signature, lat, lon, place_text FROM help_requests WHERE county_code IS NULL "
                         f"AND city_code = ? AND {OPEN_HELP} ORDER BY created_at DESC LIMIT {DUPLICATE_SCAN}")
_OPEN_NOWHERE = fast.Sql(f"SELECT id, signature, lat, lon, place_text FROM help_requests WHERE county_code IS NULL "
                         f"AND city_code IS NULL AND {OPEN_HELP} ORDER BY created_at DESC LIMIT {DUPLICATE_SCAN}")
_SAME_PHONE = fast.Sql(f"SELECT id FROM help_requests WHERE phone_hash = ? AND {OPEN_HELP} "
                       f"UNION SELECT s.request_id FROM help_sources s JOIN help_requests r ON r.id = s.request_id "
                       f"WHERE s.phone_hash = ? AND r.{OPEN_HELP}")


def duplicates(conn: Connection, *, phone_hash: str | None, county: str | None, city: str | None,
               signature: bytes, place_text: str = "", lat: float | None = None, lon: float | None = None,
               exclude: int | None = None, limit: int = 5) -> list[Duplicate]:
    """Open requests that are likely the same: the same phone (compared hashed, its merged
    sources' phones too) is the same person (1.0); otherwise the newest :data:`DUPLICATE_SCAN`
    open requests of the county (or, unresolved, of the city) compared by text signature, the
    same address or a point within :data:`SAME_PLACE_METRES` raising the score. Two indexed
    reads whatever the number of requests stored."""
    found: dict[int, Duplicate] = {}
    if phone_hash:
        for (request_id,) in fast.fetch(conn, _SAME_PHONE, phone_hash, phone_hash):
            if request_id != exclude:
                found[int(request_id)] = Duplicate(int(request_id), 1.0, "phone")
    if county:
        rows = fast.fetch(conn, _OPEN_IN_COUNTY, county)
    elif city:
        rows = fast.fetch(conn, _OPEN_IN_CITY, city)
    else:
        rows = fast.fetch(conn, _OPEN_NOWHERE)
    rows = [r for r in rows if r[1] and r[0] != exclude and int(r[0]) not in found]
    if rows:
        scores = similarity.similarities(signature, bytes.fromhex("".join(r[1] for r in rows)))
        for (request_id, _, row_lat, row_lon, row_place), words in zip(rows, scores, strict=True):
            why, score = "text", words
            if _same_place(place_text, row_place):  # for the verifiers' eyes: never a join by itself
                score, why = max(score, 0.3) + 0.2, "place"
            elif (lat is not None and lon is not None and row_lat is not None and row_lon is not None
                  and metres_between(lat, lon, row_lat, row_lon) <= SAME_PLACE_METRES):
                score, why = score + 0.2, "place"
            if score >= DUPLICATE_SIMILARITY:
                found[int(request_id)] = Duplicate(int(request_id), round(min(score, 0.99), 3), why,
                                                   round(words, 3))
    return sorted(found.values(), key=lambda d: (-d.score, -d.request_id))[:limit]


@dataclass(frozen=True, slots=True)
class Filed:
    """A request just written and its history's first step."""

    row: Row[Any]
    first: engine.Event


def file(conn: Connection, new: NewRequest, intake: Intake, *, at: datetime | None = None) -> Filed:
    """Write a request (checked by :func:`check`, assessed by :func:`assess`) and start its
    workflow (submitted), with its first source."""
    at = in_utc(at or utcnow())
    request_id = new_id(int(at.timestamp() * 1000))
    if new.media_ids:
        uploads.claim_uploads(conn, new.requester_id, new.media_ids, "help")
    where = intake.where
    row = conn.execute(insert(help_requests).returning(*help_requests.c), dict(
        id=request_id, state=HELP.initial, version=1, source=new.source, detected=new.detected,
        detect_score=new.detect_score, need=new.need, people=new.people, vulnerable=",".join(intake.vulnerable),
        signals=",".join(intake.signals), urgency=intake.urgency.score,
        urgency_reasons=",".join(intake.urgency.reasons), text=new.text, public_text=privacy.mask(new.text),
        place_text=where.text, lat=new.lat, lon=new.lon, county_code=where.county,
        city_code=where.city or (regions.city_code(new.place_hint) if new.place_hint else None),
        place_resolved=where.resolved, contact_name=new.contact_name, contact_phone=new.contact_phone,
        second_phone=new.second_phone, phone_hash=intake.phone_hash, on_behalf=new.on_behalf,
        requester_id=new.requester_id, source_status_id=new.source_status_id, incident_id=new.incident_id,
        media_ids=",".join(map(str, new.media_ids)), signature=intake.signature.hex(),
        similar_to=intake.similar_to, similar_score=intake.similar_score, sources_count=1,
        unreachable_count=0, completion_media="", needs_follow_up=False, created_at=at, updated_at=at)).one()
    add_source(conn, request_id, "post" if new.source_status_id else new.source, status_id=new.source_status_id,
               account_id=new.requester_id, contact_name=new.contact_name, contact_phone=new.contact_phone,
               second_phone=new.second_phone, phone_hash=intake.phone_hash, at=at, count=False)
    actor = Actor(new.requester_id, frozenset({REQUESTER}))
    first = engine.start(conn, HELP, request_id, actor, role=REQUESTER if not new.detected else SYSTEM, at=at,
                         data={"source": new.source, "detected": new.detected})
    return Filed(row, first)


def add_source(conn: Connection, request_id: int, kind: str, *, status_id: int | None = None,
               account_id: int | None = None, contact_name: str = "", contact_phone: str = "",
               second_phone: str = "", phone_hash: str | None = None, at: datetime | None = None,
               count: bool = True) -> bool:
    """Record one more report of a request (a post, a repost, a form); False when that post
    already reports one."""
    at = in_utc(at or utcnow())
    if status_id is not None and conn.execute(select(help_sources.c.id).where(
            help_sources.c.status_id == status_id)).first() is not None:
        return False
    conn.execute(insert(help_sources).values(
        id=new_id(int(at.timestamp() * 1000)), request_id=request_id, kind=kind, status_id=status_id,
        account_id=account_id, contact_name=contact_name, contact_phone=contact_phone, second_phone=second_phone,
        phone_hash=phone_hash, created_at=at))
    if count:
        conn.execute(update(help_requests).where(help_requests.c.id == request_id)
                     .values(sources_count=help_requests.c.sources_count + 1))
    return True


def phone_hashes_of(conn: Connection, request_id: int) -> set[str]:
    """The hashed phones a request was reported with (its own and its sources')."""
    found = {r[0] for r in conn.execute(select(help_sources.c.phone_hash).where(
        help_sources.c.request_id == request_id, help_sources.c.phone_hash.is_not(None)))}
    own = conn.execute(select(help_requests.c.phone_hash).where(help_requests.c.id == request_id)).scalar()
    return found | ({own} if own else set())


def for_status(conn: Connection, status_id: int) -> Row[Any] | None:
    """The request a post reports (as its first post or one of its sources), if any."""
    request_id = conn.execute(select(help_sources.c.request_id).where(help_sources.c.status_id == status_id)).scalar()
    return conn.execute(select(help_requests).where(help_requests.c.id == request_id)).first() if request_id else None


def surviving(conn: Connection, row: Row[Any]) -> Row[Any]:
    """The request a merged one lives on in (following merges), or itself."""
    seen = {row.id}
    while row.merged_into is not None:
        nxt = conn.execute(select(help_requests).where(help_requests.c.id == row.merged_into)).first()
        if nxt is None or nxt.id in seen:
            break
        seen.add(nxt.id)
        row = nxt
    return row


# --- who is who ---------------------------------------------------------------------------------------


def account_named(conn: Connection, username: str) -> Row[Any] | None:
    """An account by its username (``@`` and a domain ignored, width and case as people read them)."""
    return conn.execute(select(accounts).where(
        accounts.c.username_key == username_key(username.lstrip("@").split("@", 1)[0]))).first()


def load(conn: Connection, request_id: int) -> Row[Any]:
    row = conn.execute(select(help_requests).where(help_requests.c.id == request_id)).first()
    if row is None:
        raise NotFound("help_request_not_found")
    return row


def is_verifier(conn: Connection, account: Row[Any] | None) -> bool:
    """Verifiers: staff who may (moderators, administrators) and those granted the role by an
    administrator or an organisation."""
    if account is None:
        return False
    if policy.may(account, Permission.VERIFY_HELP):
        return True
    return conn.execute(select(help_verifiers.c.account_id).where(
        help_verifiers.c.account_id == account.id)).first() is not None


def grant_verifier(conn: Connection, granter: Row[Any], account_id: int, *, organisation_id: int | None = None,
                   at: datetime | None = None) -> None:
    """Make ``account_id`` a verifier: an administrator for anyone; an organisation (its account
    or an operator of it) for its own people."""
    if organisation_id is None:
        policy.require(granter, Permission.CHANGE_ROLES, key="help_grant_refused")
    else:
        org = conn.execute(select(accounts.c.kind).where(accounts.c.id == organisation_id)).first()
        if org is None or org.kind != "organisation":
            raise Invalid("help_organisation_invalid")
        if organisation_id not in operators.agencies_of(conn, granter.id) and not policy.may(
                granter, Permission.CHANGE_ROLES):
            raise Forbidden("help_grant_refused")
    conn.execute(upsert.insert(conn, help_verifiers).values(
        account_id=account_id, organisation_id=organisation_id, granted_by=granter.id,
        granted_at=in_utc(at or utcnow())).on_conflict_do_nothing())


@dataclass(frozen=True, slots=True)
class Standing:
    """What a person is for one request: their roles and the responder they act for."""

    roles: frozenset[str]
    responder_id: int | None = None

    @property
    def entitled(self) -> bool:
        """May see the request's personal data."""
        return bool(self.roles & ENTITLED)

    def actor(self, account_id: int | None) -> Actor:
        return Actor(account_id, self.roles, self.responder_id)


NOBODY = Standing(frozenset())


def covers(region_code: str, county: str | None, city: str | None) -> bool:
    """Whether a responder's region (province, city or county code) takes in a place."""
    code = county or city
    if not code:
        return False
    if region_code.endswith("0000"):
        return code[:2] == region_code[:2]
    if region_code.endswith("00"):
        return code[:4] == region_code[:4]
    return county == region_code


def responders_of(conn: Connection, account_id: int) -> list[Row[Any]]:
    """The active responders ``account_id`` acts for (itself, or the teams it operates)."""
    agencies = operators.agencies_of(conn, account_id)
    return list(conn.execute(select(help_responders).where(help_responders.c.account_id.in_(agencies),
                                                           help_responders.c.active.is_(True))))


def _fits(responder: Row[Any], row: Row[Any]) -> bool:
    return row.need in responder.capabilities.split(",") and covers(responder.region_code, row.county_code,
                                                                    row.city_code)


def standing(conn: Connection, row: Row[Any], viewer: Row[Any] | None) -> Standing:
    if viewer is None:
        return NOBODY
    roles: set[str] = set()
    responder_id: int | None = None
    if row.requester_id is not None and row.requester_id == viewer.id:
        roles.add(REQUESTER)
    if is_verifier(conn, viewer):
        roles.add(VERIFIER)
    mine = responders_of(conn, viewer.id)
    for responder in mine:
        if row.responder_id == responder.account_id:
            roles.add(ASSIGNEE)
            responder_id = responder.account_id
    if row.responder_id is None:
        fitting = [r for r in mine if _fits(r, row) or _offered(conn, row.id, r.account_id)]
        if fitting:
            roles.add(RESPONDER)
            responder_id = fitting[0].account_id
    return Standing(frozenset(roles), responder_id)


def _offered(conn: Connection, request_id: int, responder_id: int) -> bool:
    return conn.execute(select(help_offers.c.request_id).where(
        help_offers.c.request_id == request_id, help_offers.c.responder_id == responder_id)).first() is not None


# --- the verifiers' lock ------------------------------------------------------------------------------


def _lock_free(now: datetime) -> Any:
    return or_(help_requests.c.locked_until.is_(None), help_requests.c.locked_until < now)


def lock(conn: Connection, request_id: int, verifier_id: int, *, now: datetime | None = None,
         minutes: int = LOCK_MINUTES) -> datetime:
    """Hold a request for one verifier (no two call the same person); until when. 409 when
    another verifier holds it."""
    now = in_utc(now or utcnow())
    until = now + timedelta(minutes=minutes)
    moved = conn.execute(update(help_requests).where(
        help_requests.c.id == request_id, or_(_lock_free(now), help_requests.c.locked_by == verifier_id))
        .values(locked_by=verifier_id, locked_until=until)).rowcount
    if moved != 1:
        load(conn, request_id)  # 404 first
        raise Conflict("help_locked")
    return until


def unlock(conn: Connection, request_id: int, verifier_id: int) -> None:
    conn.execute(update(help_requests).where(help_requests.c.id == request_id,
                                             help_requests.c.locked_by == verifier_id)
                 .values(locked_by=None, locked_until=None))


def take_next(conn: Connection, verifier_id: int, *, now: datetime | None = None, view: str = "verify",
              city: str | None = None) -> Row[Any] | None:
    """The most urgent request of a queue view nobody holds, locked to ``verifier_id``; None when
    there is none. Two verifiers asking at once get two different requests."""
    now = in_utc(now or utcnow())
    for candidate in queue(conn, view=view, city=city, limit=20, now=now, free_only=True):
        try:
            lock(conn, candidate.id, verifier_id, now=now)
        except Conflict:
            continue  # taken in the moment since
        return load(conn, candidate.id)
    return None


QUEUE_VIEWS = ("verify", "follow_up", "dispatch", "working", "confirm", "unresolved_place", "open", "closed", "all")


def queue(conn: Connection, *, view: str = "verify", city: str | None = None, county: str | None = None,
          need: str | None = None, incident_id: int | None = None, limit: int = 40, max_id: int | None = None,
          now: datetime | None = None, free_only: bool = False) -> list[Row[Any]]:
    """The verifiers' queue, the most urgent first (then the longest waiting): requests to
    verify, those back for a follow-up call, those waiting for a responder, those in hand, those
    to confirm, those whose place did not resolve."""
    if view not in QUEUE_VIEWS:
        raise Invalid("queue_view_invalid", value=view)
    c = help_requests.c
    now = in_utc(now or utcnow())
    where: list[Any] = []
    order: list[Any] = [c.urgency.desc(), c.created_at, c.id]
    if view == "verify":
        where.append(c.state == "submitted")
    elif view == "follow_up":
        where += [c.state.in_(OPEN + ("completed",)), c.needs_follow_up.is_(True)]
    elif view == "dispatch":
        where.append(c.state.in_(["verified", "dispatched"]))
    elif view == "working":
        where.append(c.state.in_(["claimed", "in_progress"]))
    elif view == "confirm":
        where.append(c.state == "completed")
    elif view == "unresolved_place":
        where += [c.state.in_(OPEN), c.place_resolved.is_(False)]
    elif view == "open":
        where.append(c.state.in_(OPEN))
    elif view == "closed":
        where.append(c.state.in_(["published", "closed", "merged", "withdrawn", "confirmed"]))
        order = [c.id.desc()]
    else:
        order = [c.id.desc()]
    if city:
        where.append(c.city_code == city)
    if county:
        where.append(c.county_code == county)
    if need:
        where.append(c.need == need)
    if incident_id is not None:
        where.append(c.incident_id == incident_id)
    if max_id is not None:
        where.append(c.id < max_id)
    if free_only:
        where.append(_lock_free(now))
    return list(conn.execute(select(help_requests).where(*where).order_by(*order).limit(max(1, min(limit, 200)))))


def mine(conn: Connection, requester_id: int, *, limit: int = 40, max_id: int | None = None) -> list[Row[Any]]:
    """A requester's own requests, newest first."""
    where = [help_requests.c.requester_id == requester_id]
    if max_id is not None:
        where.append(help_requests.c.id < max_id)
    return list(conn.execute(select(help_requests).where(*where).order_by(help_requests.c.id.desc())
                             .limit(max(1, min(limit, 200)))))


def for_responder(conn: Connection, responder_ids: Iterable[int], *, view: str = "offered",
                  limit: int = 40) -> list[Row[Any]]:
    """A responder's list: the requests offered to it and still free to claim, or those it holds."""
    ids = list(responder_ids)
    if not ids:
        return []
    c = help_requests.c
    if view == "offered":
        offered = select(help_offers.c.request_id).where(help_offers.c.responder_id.in_(ids))
        where = [c.id.in_(offered), c.state.in_(["verified", "dispatched"])]
    elif view == "mine":
        where = [c.responder_id.in_(ids), c.state.in_(["claimed", "in_progress", "completed"])]
    else:
        raise Invalid("queue_view_invalid", value=view)
    return list(conn.execute(select(help_requests).where(*where)
                             .order_by(c.urgency.desc(), c.created_at).limit(max(1, min(limit, 200)))))


def public_list(conn: Connection, *, city: str | None = None, incident_id: int | None = None,
                state: str | None = None, limit: int = 40, max_id: int | None = None) -> list[Row[Any]]:
    c = help_requests.c
    where: list[Any] = [c.state != "merged"]
    if city:
        where.append(c.city_code == city)
    if incident_id is not None:
        where.append(c.incident_id == incident_id)
    if state:
        where.append(c.state == state)
    if max_id is not None:
        where.append(c.id < max_id)
    return list(conn.execute(select(help_requests).where(*where).order_by(c.id.desc())
                             .limit(max(1, min(limit, 200)))))


# --- responders ---------------------------------------------------------------------------------------


def register_responder(conn: Connection, account_id: int, *, capabilities: Sequence[str], region_code: str,
                       capacity: int = 5, lat: float | None = None, lon: float | None = None,
                       active: bool = True, by: int | None = None, at: datetime | None = None) -> Row[Any]:
    """Register (or change) a responder: what it can do, where, how many requests at once."""
    at = in_utc(at or utcnow())
    unknown = [c for c in capabilities if c not in detect.NEEDS]
    if not capabilities or unknown:
        raise Invalid("help_need_invalid", value=(unknown or [""])[0], allowed=", ".join(detect.NEEDS))
    if regions.lookup(region_code) is None:
        raise Invalid("help_region_unknown", code=region_code)
    if not (1 <= capacity <= 10_000):
        raise Invalid("help_capacity_invalid")
    account = conn.execute(select(accounts.c.id).where(accounts.c.id == account_id)).first()
    if account is None:
        raise NotFound("account_not_found")
    values = dict(capabilities=",".join(dict.fromkeys(capabilities)), region_code=region_code, capacity=capacity,
                  lat=lat, lon=lon, active=active, updated_at=at)
    conn.execute(upsert.insert(conn, help_responders).values(account_id=account_id, created_by=by, created_at=at,
                                                             **values)
                 .on_conflict_do_update(index_elements=[help_responders.c.account_id], set_=values))
    return conn.execute(select(help_responders).where(help_responders.c.account_id == account_id)).one()


def load_of(conn: Connection, responder_ids: Iterable[int]) -> dict[int, int]:
    """How many requests each responder holds now."""
    ids = list(responder_ids)
    if not ids:
        return {}
    rows = conn.execute(select(help_requests.c.responder_id, func.count()).where(
        help_requests.c.responder_id.in_(ids), help_requests.c.state.in_(["claimed", "in_progress"]))
        .group_by(help_requests.c.responder_id))
    return {int(r[0]): int(r[1]) for r in rows}


def fitting(conn: Connection, row: Row[Any], limit: int = OFFER_TO) -> list[Row[Any]]:
    """Active responders that meet the request's need in its region with room to take it, the
    nearest first (by coordinates when both have them, else the least busy)."""
    code = row.county_code or row.city_code
    if not code:
        return []
    prefixes = {code, f"{code[:4]}00", f"{code[:2]}0000"}
    candidates = [r for r in conn.execute(select(help_responders).where(
        help_responders.c.active.is_(True), help_responders.c.region_code.in_(prefixes))) if _fits(r, row)]
    busy = load_of(conn, [r.account_id for r in candidates])
    free = [r for r in candidates if busy.get(r.account_id, 0) < r.capacity]

    def distance(r: Row[Any]) -> float:
        if row.lat is not None and row.lon is not None and r.lat is not None and r.lon is not None:
            return metres_between(row.lat, row.lon, r.lat, r.lon)
        return 1e9 + busy.get(r.account_id, 0)

    return sorted(free, key=distance)[:limit]


# --- acting ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Acted:
    """A step taken: the request as it now is, the step and what came with it."""

    row: Row[Any]
    action: str
    data: dict[str, Any]
    extra: tuple[str, ...] = ()
    merged_into: int | None = None


def _as_int(value: Any, key: str) -> int:
    if isinstance(value, bool):
        raise Invalid(key)
    try:
        return int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise Invalid(key) from exc


def act(conn: Connection, request_id: int, action: str, viewer: Row[Any] | None, *, version: int | None,
        fields: Mapping[str, Any], key: bytes, at: datetime | None = None, as_system: bool = False,
        follow_up_hours: float | None = None) -> Acted:
    """Take ``action`` (``verify`` with an ``outcome``, ``merge``, ``offer``, ``claim`` …) on a
    request as ``viewer`` having seen ``version`` (``claim`` needs none: of concurrent claims
    exactly one wins, the others get 409)."""
    at = as_utc(at or utcnow())
    row = load(conn, request_id)
    if action == "claim" and row.responder_id is not None:
        raise Conflict("help_already_claimed", state=row.state, version=row.version)
    who = Standing(frozenset({SYSTEM})) if as_system else standing(conn, row, viewer)
    if not who.roles:
        raise Forbidden("workflow_role_refused", action=action)
    viewer_id = viewer.id if viewer is not None else None
    step = action
    data: dict[str, Any] = {}
    if action == "verify":
        outcome = str(fields.get("outcome") or "verified")
        if outcome not in OUTCOMES:
            raise Invalid("help_outcome_invalid", value=outcome, allowed=", ".join(OUTCOMES))
        step = OUTCOMES[outcome]
        data["outcome"] = outcome
        if outcome in CLOSE_REASONS:
            data["reason"] = outcome
    elif action == "close":
        data["reason"] = str(fields.get("reason") or "")
    if step == "merge":
        into_raw = fields.get("into") or fields.get("duplicate_of")
        if into_raw in (None, ""):
            raise Invalid("help_merge_target_missing")
        into = surviving(conn, load(conn, _as_int(into_raw, "help_merge_target_missing")))
        if into.id == row.id or into.state not in OPEN:
            raise Invalid("help_merge_target_missing")
        data["into"] = str(into.id)
    if step in ("verify", "unreachable", "close", "merge") and VERIFIER in who.roles and viewer_id is not None:
        holder = row.locked_by
        if holder is not None and holder != viewer_id and row.locked_until is not None and as_utc(
                row.locked_until) > at:
            raise Conflict("help_locked")
    if step == "verify":
        data.update(_corrections(row, fields))
    if step == "offer":
        data["responders"] = _offer_targets(conn, row, fields)
    if step == "claim":
        if who.responder_id is None or RESPONDER not in who.roles:
            raise Forbidden("workflow_role_refused", action=action)
        responder = conn.execute(select(help_responders).where(
            help_responders.c.account_id == who.responder_id)).one()
        if load_of(conn, [responder.account_id]).get(responder.account_id, 0) >= responder.capacity:
            raise Conflict("help_responder_full")
        data["responder"] = str(responder.account_id)
        version = row.version  # a claim needs no version: the compare-and-swap decides between claims
    if step == "complete":
        data["note"] = _bounded(str(fields.get("note") or ""), MAX_TEXT_CHARS)
        helped = fields.get("people_helped")
        data["people_helped"] = (_as_int(helped, "help_people_helped_invalid")
                                 if helped not in (None, "") else None)
        media = fields.get("media_ids") or []
        data["media"] = [str(m) for m in (media if isinstance(media, list) else str(media).split(",")) if str(m)]
        if len(data["media"]) > MAX_PHOTOS:
            raise Invalid("media_too_many", limit=MAX_PHOTOS)
        if data["media"]:  # the evidence: photos the responder's person uploaded for it
            uploads.claim_uploads(conn, viewer_id, [_as_int(m, "media_invalid") for m in data["media"]], "help")
    if step == "release":
        data["responder"] = str(row.responder_id) if row.responder_id else None
    if version is None:
        raise Invalid("help_version_missing")
    note = _bounded(str(fields.get("note") or ""), MAX_TEXT_CHARS)
    timer_limits = ({"follow_up": Limit(hours=follow_up_hours)} if follow_up_hours else None)
    try:
        engine.apply(conn, HELP, request_id, step, who.actor(viewer_id), version=version, at=at, note=note,
                     data=data, record={"id": str(row.id)}, limits=timer_limits)
    except StaleVersion as exc:
        if action == "claim":
            raise Conflict("help_already_claimed", state=exc.current.state, version=exc.current.version) from exc
        raise
    extra: list[str] = []
    if step == "merge":
        _merge(conn, row, int(data["into"]))
    if step in ("verify", "unreachable", "close", "merge") and viewer_id is not None:
        unlock(conn, request_id, viewer_id)
    if step == "verify":
        targets = [r.account_id for r in fitting(conn, load(conn, request_id))]
        if targets:
            current = engine.get(conn, HELP, request_id)
            engine.apply(conn, HELP, request_id, "offer", engine.SWEEPER, version=current.version, at=at,
                         data={"responders": [str(t) for t in targets], "automatic": True},
                         limits=timer_limits)
            extra.append("offer")
    if step == "confirm":
        current = engine.get(conn, HELP, request_id)
        engine.apply(conn, HELP, request_id, "publish", engine.SWEEPER, version=current.version, at=at,
                     data={"after": "confirm"})
        extra.append("publish")
    return Acted(load(conn, request_id), step, data, tuple(extra), int(data["into"]) if step == "merge" else None)


def _corrections(row: Row[Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """What a verifier corrected after the call-back (need, people, vulnerable, place, contact)."""
    data: dict[str, Any] = {}
    need = fields.get("need")
    if need not in (None, ""):
        if need not in detect.NEEDS:
            raise Invalid("help_need_invalid", value=need, allowed=", ".join(detect.NEEDS))
        data["need"] = need
    people = fields.get("people")
    if people not in (None, ""):
        count = _as_int(people, "help_people_invalid")
        if not 1 <= count <= MAX_PEOPLE:
            raise Invalid("help_people_invalid", limit=MAX_PEOPLE)
        data["people"] = count
    vulnerable = fields.get("vulnerable")
    if vulnerable not in (None, ""):
        kinds = vulnerable if isinstance(vulnerable, list) else [v for v in str(vulnerable).split(",") if v]
        for kind in kinds:
            if kind not in triage.VULNERABLE:
                raise Invalid("help_vulnerable_invalid", value=kind, allowed=", ".join(triage.VULNERABLE))
        data["vulnerable"] = list(kinds)
    place = fields.get("place[text]") or fields.get("place_text")
    if place:
        data["place_text"] = _bounded(str(place), MAX_PLACE_CHARS)
    for name in ("contact[phone]", "contact_phone"):
        if fields.get(name):
            data["contact_phone"] = _bounded(str(fields[name]), 30)
    return data


def _offer_targets(conn: Connection, row: Row[Any], fields: Mapping[str, Any]) -> list[str]:
    """Responders named by a verifier (usernames), or those that fit."""
    named = fields.get("responders") or fields.get("responder")
    if named:
        names = named if isinstance(named, list) else [n for n in re.split(r"[,\s，]+", str(named)) if n]
        ids = []
        for name in names:
            account = account_named(conn, str(name))
            found = account is not None and conn.execute(select(help_responders.c.account_id).where(
                help_responders.c.account_id == account.id)).first() is not None
            if account is None or not found:
                raise Invalid("help_responder_unknown", name=name)
            ids.append(str(account.id))
        return ids
    return [str(r.account_id) for r in fitting(conn, row)]


def _merge(conn: Connection, duplicate: Row[Any], into_id: int) -> None:
    """The duplicate's sources and contacts join the request it repeats; the survivor is as
    urgent as the more urgent of the two."""
    moved = conn.execute(update(help_sources).where(help_sources.c.request_id == duplicate.id)
                         .values(request_id=into_id)).rowcount
    survivor = load(conn, into_id)
    conn.execute(update(help_requests).where(help_requests.c.id == into_id).values(
        sources_count=survivor.sources_count + max(moved, 1),
        urgency=max(survivor.urgency, duplicate.urgency),
        people=survivor.people or duplicate.people,
        vulnerable=",".join(dict.fromkeys(v for v in f"{survivor.vulnerable},{duplicate.vulnerable}".split(",") if v)),
        second_phone=survivor.second_phone or (duplicate.contact_phone if duplicate.contact_phone != survivor.contact_phone
                                               else duplicate.second_phone)))


def _sync(conn: Connection, move: Move) -> None:
    """Keep the request's row in step with the workflow (inside the step's transaction)."""
    subject = move.subject
    c = help_requests.c
    where = c.id == subject.subject_id
    if move.action is None:  # the follow-up time ran out: the sweep takes follow_up itself
        return
    if move.action == "start":
        return
    values: dict[str, Any] = {"state": subject.state, "version": subject.version, "updated_at": move.at}
    data = move.data
    action = move.action
    if action == "verify":
        values.update(verifier_id=move.actor.account_id, verified_at=move.at, needs_follow_up=False)
        for name in ("need", "people", "place_text", "contact_phone"):
            if name in data:
                values[name] = data[name]
        if "vulnerable" in data:
            values["vulnerable"] = ",".join(data["vulnerable"])
        if "place_text" in data:
            found = resolve_place(text=data["place_text"])
            if found is not None:
                values.update(county_code=found.county_code, city_code=found.city_code,
                              place_resolved=found.county_code is not None)
        row = conn.execute(select(help_requests).where(where)).one()
        merged = {**row._mapping, **values}
        urgency = triage.urgency(merged["need"], [v for v in str(merged["vulnerable"]).split(",") if v],
                                 [s for s in row.signals.split(",") if s], merged["people"])
        values.update(urgency=urgency.score, urgency_reasons=",".join(urgency.reasons))
    elif action == "unreachable":
        values["unreachable_count"] = c.unreachable_count + 1
    elif action == "close":
        values["close_reason"] = data.get("reason")
    elif action == "merge":
        values["merged_into"] = int(data["into"])
    elif action == "claim":
        values.update(responder_id=int(data["responder"]), claimed_by=move.actor.account_id, claimed_at=move.at,
                      needs_follow_up=False)
    elif action == "release":
        values.update(responder_id=None, claimed_by=None, claimed_at=None)
    elif action == "progress":
        values["needs_follow_up"] = False
    elif action == "complete":
        values.update(completed_at=move.at, people_helped=data.get("people_helped"),
                      completion_note=data.get("note"), completion_media=",".join(data.get("media") or []),
                      needs_follow_up=False)
    elif action == "confirm":
        values["confirmed_at"] = move.at
    elif action == "publish":
        values["published_at"] = move.at
    elif action == "follow_up":
        values["needs_follow_up"] = SYSTEM in move.actor.roles
    elif action == "offer":
        for responder in data.get("responders") or []:
            conn.execute(upsert.insert(conn, help_offers).values(
                request_id=subject.subject_id, responder_id=int(responder), offered_at=move.at)
                .on_conflict_do_nothing())
    conn.execute(update(help_requests).where(where).values(**values))


engine.observe(HELP, _sync)


# --- showing -------------------------------------------------------------------------------------------


def iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat().replace("+00:00", "Z") if value is not None else None


def _csv(text: str) -> list[str]:
    return [v for v in (text or "").split(",") if v]


def public_place(row: Row[Any]) -> dict[str, Any]:
    """Where a request is, as the public may know it: the county (or city) and its name."""
    code = row.county_code or row.city_code
    place = regions.resolve(code) if code else None
    name = ""
    if place is not None:  # 重庆市北碚区, not 重庆市重庆市北碚区: a municipality is its own city
        for division in (place.province, place.city, place.county):
            if division is not None and not name.endswith(division.name):
                name += division.name
    return {"county": row.county_code, "city": row.city_code, "name": name or None,
            "resolved": bool(row.place_resolved)}


@dataclass
class Lookups:
    """Accounts named by a page of requests, read once."""

    people: dict[int, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, rows: Sequence[Row[Any]]) -> Lookups:
        ids = {i for r in rows for i in (r.responder_id, r.requester_id, r.verifier_id, r.locked_by) if i}
        found = cls()
        if ids:
            found.people = {p.id: p for p in conn.execute(
                select(accounts.c.id, accounts.c.username, accounts.c.display_name).where(accounts.c.id.in_(ids)))}
        return found


def view(conn: Connection, row: Row[Any], who: Standing, *, history: bool = True, personal: bool = True,
         lookups: Lookups | None = None, events: list[engine.Event] | None = None) -> dict[str, Any]:
    """A request as ``who`` may see it: the public the need, the county, the state and the public
    steps; a responder that may claim it what it is about (masked) without contact or address;
    the requester, verifiers and the responder who claimed it everything (unless ``personal`` is
    off: a list)."""
    private = who.entitled and personal
    if lookups is None:
        lookups = Lookups.load(conn, [row])
    names = lookups.people

    def username(account_id: int | None) -> str | None:
        person = names.get(account_id) if account_id else None
        return person.username if person is not None else None

    body: dict[str, Any] = {
        "id": str(row.id), "state": row.state, "version": row.version, "need": row.need,
        "place": public_place(row),
        "responder": username(row.responder_id) if row.state not in ("submitted", "verified", "dispatched") else None,
        "merged_into": str(row.merged_into) if row.merged_into else None,
        "incident_id": str(row.incident_id) if row.incident_id else None,
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
        "my_roles": sorted(who.roles),
        "actions": [a for a in HELP.actions_from(row.state)
                    if HELP.step(a) is not None and who.roles & HELP.step(a).roles],  # type: ignore[union-attr]
    }
    if "merge" in body["actions"] or "unreachable" in body["actions"]:
        body["actions"] = [a for a in body["actions"] if a not in ("unreachable", "merge")]
    if "close" in body["actions"] and VERIFIER in who.roles and row.state == "submitted":
        body["actions"] = [a for a in body["actions"] if a != "close"]  # a verifier closes by verify's outcome
    if who.roles & {VERIFIER, RESPONDER, ASSIGNEE, REQUESTER}:
        body.update({
            "people": row.people,
            "vulnerable": _csv(row.vulnerable), "signals": _csv(row.signals), "urgency": row.urgency,
            "urgency_reasons": _csv(row.urgency_reasons), "sources_count": row.sources_count,
            "source": row.source, "detected": bool(row.detected), "on_behalf": bool(row.on_behalf),
            "people_helped": row.people_helped, "completion_note": row.completion_note if private else None,
            "needs_follow_up": bool(row.needs_follow_up), "close_reason": row.close_reason,
        })
    if who.roles & {VERIFIER, ASSIGNEE, REQUESTER}:
        # the words of a request name the door and often the people: those entitled read them
        # (a list shows them masked); a responder deciding whether to claim reads the need,
        # the people, who is vulnerable and how urgent — the address comes with the claim
        body["text"] = row.text if private else row.public_text
    if private:
        body["place"] = {**body["place"], "text": row.place_text, "lat": row.lat, "lon": row.lon}
        body["contact"] = {"name": row.contact_name, "phone": row.contact_phone, "second_phone": row.second_phone}
        body["media"] = [str(i) for i in _csv(row.media_ids)]
        body["completion_media"] = [str(i) for i in _csv(row.completion_media)]
        body["source_status_id"] = str(row.source_status_id) if row.source_status_id else None
    if VERIFIER in who.roles:
        body["detect_score"] = row.detect_score
        body["similar_to"] = ({"id": str(row.similar_to), "similarity": row.similar_score}
                              if row.similar_to else None)
        body["locked"] = ({"by": username(row.locked_by), "until": iso(row.locked_until)}
                          if row.locked_by and row.locked_until and as_utc(row.locked_until) > utcnow() else None)
        body["unreachable_count"] = row.unreachable_count
    if history:
        assert conn is not None
        body["history"] = history_of(conn, row, private, events)
        if private:
            body["sources"] = sources_of(conn, row.id)
    return body


def history_of(conn: Connection, row: Row[Any], private: bool,
               events: list[engine.Event] | None = None) -> list[dict[str, Any]]:
    """The steps a reader may see: the public its public steps without notes or names; the
    entitled every step with its note and who took it."""
    events = events if events is not None else engine.history(conn, HELP, row.id)
    people: dict[int, Any] = {}
    if private:
        ids = {e.actor_id for e in events if e.actor_id} | {e.agency_id for e in events if e.agency_id}
        if ids:
            people = {p.id: p.username for p in conn.execute(
                select(accounts.c.id, accounts.c.username).where(accounts.c.id.in_(ids)))}
    shown: list[dict[str, Any]] = []
    for event in events:
        if not private and event.action not in PUBLIC_STEPS:
            continue
        entry: dict[str, Any] = {"action": event.action, "from": event.from_state, "to": event.to_state,
                                 "at": iso(event.at), "role": event.role}
        if private:
            entry["by"] = people.get(event.actor_id) if event.actor_id else None
            entry["for"] = people.get(event.agency_id) if event.agency_id else None
            entry["note"] = event.note
            entry["data"] = {k: v for k, v in event.data.items() if k not in ("responders",)}
        shown.append(entry)
    return shown


def sources_of(conn: Connection, request_id: int) -> list[dict[str, Any]]:
    """Every report of a request with its contact (the entitled only)."""
    rows = conn.execute(select(help_sources).where(help_sources.c.request_id == request_id)
                        .order_by(help_sources.c.created_at, help_sources.c.id)).all()
    return [{"kind": r.kind, "status_id": str(r.status_id) if r.status_id else None,
             "contact": {"name": r.contact_name, "phone": r.contact_phone, "second_phone": r.second_phone},
             "at": iso(r.created_at)} for r in rows]


def views(conn: Connection, rows: Sequence[Row[Any]], viewer: Row[Any] | None, *,
          who: Standing | None = None) -> list[dict[str, Any]]:
    """A page of requests (without histories), each as ``viewer`` stands to it (or as ``who``)."""
    lookups = Lookups.load(conn, rows)
    return [view(conn, r, who if who is not None else standing(conn, r, viewer), history=False, personal=False,
                 lookups=lookups) for r in rows]


#: An export's columns: the public ones, and those only a verifier's export carries.
EXPORT_PUBLIC = ("id", "state", "need", "county", "city", "place_name", "created_at", "updated_at", "responder",
                 "people_helped")
EXPORT_PERSONAL = ("people", "vulnerable", "urgency", "text", "place_text", "lat", "lon", "contact_name",
                   "contact_phone", "second_phone", "sources_count")


def export_rows(conn: Connection, rows: Sequence[Row[Any]], *, personal: bool) -> list[list[Any]]:
    """Requests as a table (the header first): the public columns for everyone; the personal
    ones only when ``personal`` (a verifier's export, each row's read logged by the caller)."""
    lookups = Lookups.load(conn, rows)
    header = list(EXPORT_PUBLIC) + (list(EXPORT_PERSONAL) if personal else [])
    table: list[list[Any]] = [header]
    for row in rows:
        place = public_place(row)
        responder = lookups.people.get(row.responder_id) if row.responder_id else None
        line: list[Any] = [str(row.id), row.state, row.need, row.county_code or "", row.city_code or "",
                           place["name"] or "", iso(row.created_at), iso(row.updated_at),
                           responder.username if responder is not None else "", row.people_helped or ""]
        if personal:
            line += [row.people or "", row.vulnerable, row.urgency, row.text, row.place_text,
                     "" if row.lat is None else row.lat, "" if row.lon is None else row.lon, row.contact_name,
                     row.contact_phone, row.second_phone, row.sources_count]
        table.append(line)
    return table


def log_read(conn: Connection, request_id: int, account_id: int, who: Standing, via: str, why: str = "",
             at: datetime | None = None) -> None:
    """A verifier's or responder's read of personal data, kept with who, in which role and why."""
    at = in_utc(at or utcnow())
    role = next((r for r in (VERIFIER, ASSIGNEE, REQUESTER) if r in who.roles), "other")
    conn.execute(insert(help_data_reads).values(
        id=new_id(int(at.timestamp() * 1000)), request_id=request_id, account_id=account_id, role=role,
        why=(why or {"verifier": "verify", "assignee": "respond"}.get(role, ""))[:200], via=via[:16], at=at))


def reads_of(conn: Connection, request_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(help_data_reads, accounts.c.username).join(
        accounts, accounts.c.id == help_data_reads.c.account_id).where(help_data_reads.c.request_id == request_id)
        .order_by(help_data_reads.c.at)).all()
    return [{"by": r.username, "role": r.role, "why": r.why, "via": r.via, "at": iso(r.at)} for r in rows]


def open_of_requester(conn: Connection, requester_id: int) -> list[Row[Any]]:
    """A requester's requests nobody has finished yet (a post saying 已获救 closes them)."""
    return list(conn.execute(select(help_requests).where(
        help_requests.c.requester_id == requester_id,
        help_requests.c.state.in_(["submitted", "verified", "dispatched"]))))


def totals(conn: Connection, *, incident_id: int | None = None, city: str | None = None) -> dict[str, Any]:
    """Public totals: requests, verified, helped (people), published, median minutes to help."""
    c = help_requests.c
    where: list[Any] = [c.state != "merged"]
    if incident_id is not None:
        where.append(c.incident_id == incident_id)
    if city:
        where.append(c.city_code == city)
    rows = conn.execute(select(c.state, c.verified_at, c.created_at, c.completed_at, c.people_helped)
                        .where(and_(*where))).all()
    minutes = sorted((as_utc(r.completed_at) - as_utc(r.created_at)).total_seconds() / 60 for r in rows
                     if r.completed_at is not None)
    median = None
    if minutes:
        mid = len(minutes) // 2
        median = round(minutes[mid] if len(minutes) % 2 else (minutes[mid - 1] + minutes[mid]) / 2, 1)
    return {"requests": len(rows), "verified": sum(1 for r in rows if r.verified_at is not None),
            "completed": sum(1 for r in rows if r.completed_at is not None),
            "helped": sum(r.people_helped or 0 for r in rows),
            "published": sum(1 for r in rows if r.state == "published"),
            "median_minutes_to_help": median}

