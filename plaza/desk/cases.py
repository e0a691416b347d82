"""Cases (诉求工单): opened from a post, the web form, Open311 or the API; moved through the case
workflow (plaza.desk.workflow) by the people entitled to; read by each as they may see it.

The workflow's tables hold a case's state, history and timers; the ``cases`` row keeps what the
queue, the board and the metrics read (state, department, deadlines, flags, durations), kept in
step by an observer inside the transaction of every step — whoever takes it, the overdue sweep
included. Personal data (the original text, the address, contacts, precise coordinates) is shown
only to the case's citizen, the desk's staff and the departments it is forwarded to; each read of
it by staff or a department is logged.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Row, insert, or_, select, update
from sqlalchemy import text as sql

from plaza import privacy, regions, similarity
from plaza.accounts import operators
from plaza.clock import as_utc, utcnow
from plaza.desk import catalogue, desks, limits, rollup
from plaza.desk.desks import Desk
from plaza.desk.workflow import (
    CASE,
    CITIZEN,
    CO_HANDLER,
    DEPARTMENT,
    DESK,
    ESCALATE_AFTER_REWORKS,
    PUBLIC_STEPS,
    REJECT_REASONS,
    SUPERVISOR,
)
from plaza.errors import Forbidden, Invalid, NotFound
from plaza.regions.address import metres_between, resolve_place
from plaza.square import media
from plaza.storage import fast, upsert
from plaza.storage.ids import new_id
from plaza.storage.schema import (
    DUE_CASE,
    OPEN_CASE,
    accounts,
    case_data_reads,
    case_followers,
    cases,
    desk_departments,
)
from plaza.workflow import engine
from plaza.workflow.declaration import SYSTEM, Limit
from plaza.workflow.engine import Actor, Move, Subject
from plaza.workflow.worktime import BEIJING, NATIONAL, in_utc

SOURCES = ("post", "web", "open311", "api")
MAX_TEXT_CHARS = 2000
MAX_TITLE_CHARS = 120
MAX_ADDRESS_CHARS = 200
MAX_PHOTOS = 4
#: Similar open cases nearby: how alike the texts must be, how far apart (m), how far back (days).
DUPLICATE_SIMILARITY = 0.3
DUPLICATE_METRES = 500
DUPLICATE_DAYS = 30
DUPLICATE_SCAN = 100
#: Roles that may see a case's personal data.
ENTITLED = frozenset({CITIZEN, DESK, DEPARTMENT, CO_HANDLER})


@dataclass(frozen=True)
class NewCase:
    """What a citizen (or an app on their behalf) files."""

    text: str
    source: str = "api"
    title: str = ""
    category: str | None = None
    urgency: str = "ordinary"
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    anonymous: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    media_ids: tuple[int, ...] = ()
    citizen_id: int | None = None
    source_status_id: int | None = None
    open311_key_id: int | None = None
    #: the county/city a post's author chose, when the text names no place
    place_hint: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    #: what intake found (:func:`assess`), stored with the case for the queue
    proposals: tuple[dict[str, Any], ...] = ()
    similar_to: int | None = None
    similar_score: float | None = None
    #: the text's similarity signature, when intake computed it already
    signature: bytes | None = None


def _bounded(value: str, limit: int, key: str = "text_too_long") -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise Invalid(key, limit=limit, length=len(value))
    return value


_DIGITS = re.compile(r"\d+")


def public_address(address: str) -> str:
    """An address as the public reads it: the street, not the door (numbers starred)."""
    return _DIGITS.sub("*", privacy.mask(address))


def submit(conn: Connection, desk: Desk, new: NewCase, *, at: datetime | None = None) -> int:
    """:func:`file` a case; its id."""
    return int(file(conn, desk, new, at=at).row.id)


@dataclass(frozen=True, slots=True)
class Filed:
    """A case just written: its row, its history's first step and its category, all as a read
    would find them — enough to show it (:func:`view` with :meth:`Lookups.of_filed`) unread."""

    row: Row[Any]
    first: engine.Event
    category: catalogue.Category | None


@lru_cache(maxsize=4)
def _insert_case(dialect: str) -> Any:
    """The INSERT that files a case, built once per dialect (intake runs it for every case):
    it returns the row (and, where it can, the case's contribution to the rollup)."""
    return insert(cases).returning(*cases.c, *rollup.returning(dialect))


def file(conn: Connection, desk: Desk, new: NewCase, *, at: datetime | None = None) -> Filed:
    """Open a case at ``desk``: checked, its place resolved within the desk's region, personal
    data masked for the public, and the workflow started (submitted)."""
    at = in_utc(at or utcnow())
    if new.source not in SOURCES:
        raise Invalid("case_source_invalid", value=new.source)
    text = _bounded(new.text, MAX_TEXT_CHARS)
    if not text:
        raise Invalid("case_text_missing")
    title = _bounded(new.title, MAX_TITLE_CHARS)
    address = _bounded(new.address, MAX_ADDRESS_CHARS)
    urgency = limits.check_urgency(new.urgency)
    category = catalogue.find(conn, desk.id, new.category) if new.category else None
    category_id = category.id if category is not None else None
    if (new.lat is None) != (new.lon is None) or (
            new.lat is not None and not (-90 <= new.lat <= 90 and -180 <= float(new.lon or 0) <= 180)):
        raise Invalid("place_coordinates_invalid")
    place = resolve_place(text=address or text, lat=new.lat, lon=new.lon, hint=desk.region_code)
    if place is None and address and new.lat is None:
        place = resolve_place(text=text, hint=desk.region_code)
    county = place.county_code if place is not None else None
    city = place.city_code if place is not None else None
    if place is None and new.place_hint and desk.covers(new.place_hint):
        county = new.place_hint if regions.lookup(new.place_hint) and not new.place_hint.endswith("00") else None
        city = regions.city_code(new.place_hint)
    if (county or city) and not desk.covers(county or city):
        if new.source != "post":  # a post names places in passing; a form's place is the case's
            raise Invalid("place_outside_desk", desk=desk.username)
        county = city = None
    if len(new.media_ids) > MAX_PHOTOS:
        raise Invalid("media_too_many", limit=MAX_PHOTOS)
    case_id = new_id(int(at.timestamp() * 1000))
    if new.media_ids:
        media.claim_uploads(conn, new.citizen_id, new.media_ids, "case")
    token = secrets.token_urlsafe(18) if new.source == "open311" else None
    row = conn.execute(_insert_case(conn.dialect.name), dict(
        id=case_id, desk_id=desk.id, citizen_id=new.citizen_id, source=new.source,
        source_status_id=new.source_status_id, open311_key_id=new.open311_key_id, token=token,
        category_id=category_id, urgency=urgency, title=title or _title_of(text), text=text,
        public_text=privacy.mask(text), address=address, public_address=public_address(address),
        lat=new.lat, lon=new.lon, county_code=county, city_code=city or regions.city_code(desk.region_code),
        anonymous=bool(new.anonymous), contact_name=_bounded(new.contact_name, 60),
        contact_phone=_bounded(new.contact_phone, 30), contact_email=_bounded(new.contact_email, 254),
        media_ids=",".join(map(str, new.media_ids)), state=CASE.initial, version=1,
        signature=(new.signature or similarity.signature(text)).hex(), created_at=at, updated_at=at,
        proposals=json.dumps(list(new.proposals), ensure_ascii=False) if new.proposals else "",
        similar_to=new.similar_to, similar_score=new.similar_score)).one()
    actor = Actor(new.citizen_id, frozenset({CITIZEN}))
    first = engine.start(conn, CASE, case_id, actor, role=CITIZEN, at=at,
                         data={"source": new.source, **({"status_id": str(new.source_status_id)}
                                                        if new.source_status_id else {})})
    rollup.record(conn, None, rollup.filed(conn, row))
    return Filed(row, first, category)  # as written: starting its workflow changes nothing of the row


@dataclass(frozen=True, slots=True)
class Intake:
    """What intake finds before a case is written (read-only, outside the write lock): the
    router's proposals and the most similar open case nearby."""

    proposals: tuple[dict[str, Any], ...]
    similar_to: int | None
    similar_score: float | None
    signature: bytes | None = None


def assess(conn: Connection, desk: Desk, new: NewCase, *, propose: Any = None, exclude: int | None = None) -> Intake:
    """Route and dedupe a case about to be filed: ``propose(conn, desk, text)`` gives the router's
    proposals (plaza.desk.routing.propose); the similar open cases are looked for in the county the
    case's place resolves to."""
    text = (new.text or "").strip()[:MAX_TEXT_CHARS]
    if not text:
        return Intake((), None, None)
    proposals = tuple(p.as_json() for p in propose(conn, desk, text)) if propose is not None else ()
    place = resolve_place(text=new.address or text, lat=new.lat, lon=new.lon, hint=desk.region_code)
    county = place.county_code if place is not None and desk.covers(place.county_code or place.city_code) else None
    category_id = None
    if new.category:
        try:
            category_id = catalogue.find(conn, desk.id, new.category).id
        except Invalid:
            category_id = None
    signature = similarity.signature(text)
    found = nearest(conn, desk, text, county=county, category_id=category_id, lat=new.lat, lon=new.lon,
                    exclude=exclude, limit=1, signature=signature)
    return Intake(proposals, found[0][1] if found else None, found[0][0] if found else None, signature)


def record_intake(conn: Connection, case_id: int, found: Intake) -> None:
    """Keep what intake found for a case written before it was assessed (one opened by a post)."""
    conn.execute(update(cases).where(cases.c.id == case_id).values(
        proposals=json.dumps(list(found.proposals), ensure_ascii=False) if found.proposals else "",
        similar_to=found.similar_to, similar_score=found.similar_score))


def _title_of(text: str) -> str:
    first = re.split(r"[。！？!?\n]", privacy.mask(text).strip(), maxsplit=1)[0]
    first = re.sub(r"[@#][^\s#@]+#?", "", first).strip() or privacy.mask(text).strip()
    return first[:30] + ("…" if len(first) > 30 else "")


# --- who is who ---------------------------------------------------------------------------------


def load(conn: Connection, case_id: int) -> Row[Any]:
    row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        raise NotFound("case_not_found")
    return row


def _ids(text: str) -> list[int]:
    return [int(x) for x in (text or "").split(",") if x]


@dataclass(frozen=True, slots=True)
class Standing:
    """What a person is for one case: their roles and the agency they act for."""

    roles: frozenset[str]
    agency_id: int | None

    @property
    def entitled(self) -> bool:
        """May see the case's personal data."""
        return bool(self.roles & ENTITLED)

    def actor(self, account_id: int | None) -> Actor:
        return Actor(account_id, self.roles, self.agency_id)


NOBODY = Standing(frozenset(), None)


def standing(conn: Connection, case: Row[Any], viewer_id: int | None) -> Standing:
    if viewer_id is None:
        return NOBODY
    agencies = operators.agencies_of(conn, viewer_id)
    roles: set[str] = set()
    agency: int | None = None
    desk = desks.by_id(conn, case.desk_id)
    department = case.department_id
    co = _ids(case.co_handler_ids)
    parent = None
    if department is not None:
        parent = conn.execute(select(accounts.c.parent_id).where(accounts.c.id == department)).scalar()
    for role, who in ((SUPERVISOR, [parent] if parent else []), (CO_HANDLER, co),
                      (DEPARTMENT, [department] if department else []), (DESK, [desk.account_id])):
        hit = agencies.intersection(who)
        if hit:
            roles.add(role)
            agency = min(hit)  # the most senior role found last wins the agency (desk over department)
    if case.citizen_id is not None and case.citizen_id == viewer_id:
        roles.add(CITIZEN)
    return Standing(frozenset(roles), agency)


# --- acting ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Acted:
    """A step taken: the case as it now is and what happened (for notices and replies)."""

    case: Row[Any]
    action: str
    subject: Subject
    data: dict[str, Any]
    extra: tuple[str, ...] = ()


def act(conn: Connection, case_id: int, action: str, viewer_id: int | None, *, version: int,
        fields: Mapping[str, Any], at: datetime | None = None, as_system: bool = False) -> Acted:
    """Take ``action`` on a case as ``viewer_id`` (who must hold a role for it), having seen
    ``version``; ``fields`` are the action's own (a department's username to forward to …)."""
    at = as_utc(at or utcnow())
    case = load(conn, case_id)
    who = Standing(frozenset({SYSTEM}), None) if as_system else standing(conn, case, viewer_id)
    if not who.roles:
        raise Forbidden("workflow_role_refused", action=action)
    desk = desks.by_id(conn, case.desk_id)
    note = str(fields.get("note") or fields.get("comment") or "").strip()
    data = _fields(conn, desk, case, action, fields)
    step_limits = None
    if action in ("forward", "rework"):
        chain = catalogue.ancestors(conn, desk.id, case.category_id) if case.category_id else []
        urgency = data.get("urgency") or case.urgency
        case_limits = limits.for_case(conn, desk.id, chain, urgency)
        step_limits = {"acknowledge": case_limits.acknowledge, "resolve": case_limits.resolve}
    record = dict(case._mapping)
    subject = engine.apply(conn, CASE, case_id, action, who.actor(viewer_id), version=version, at=at,
                           note=note, data=data, record=record, limits=step_limits)
    extra: list[str] = []
    if action == "grant_extension":
        _extend(conn, case, at)
    if action == "rate" and data.get("satisfaction") != "dissatisfied":
        subject = engine.apply(conn, CASE, case_id, "close", engine.SWEEPER, version=subject.version, at=at,
                               note="", data={"after": "rate"})
        extra.append("close")
    if action == "rework" and case.rework_count + 1 >= ESCALATE_AFTER_REWORKS and not case.escalated:
        subject = engine.apply(conn, CASE, case_id, "escalate", engine.SWEEPER, version=subject.version, at=at,
                               note="", data={"reworks": case.rework_count + 1}, record={"escalated": False})
        extra.append("escalate")
    if action == "link_duplicate" and case.citizen_id is not None:
        conn.execute(upsert.insert(conn, case_followers).values(case_id=int(data["of"]), account_id=case.citizen_id)
                     .on_conflict_do_nothing())
    return Acted(load(conn, case_id), action, subject, data, tuple(extra))


def _fields(conn: Connection, desk: Desk, case: Row[Any], action: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The step's own fields, checked and resolved (usernames to ids, names to categories)."""
    data: dict[str, Any] = {}
    if action == "accept":
        if fields.get("category"):
            data["category"] = catalogue.find(conn, desk.id, str(fields["category"])).id
        elif case.category_id is None and case.proposals:  # the router's best, unless staff say otherwise
            best = json.loads(case.proposals)[0]["category"]
            data["category"] = catalogue.find(conn, desk.id, best).id
        if fields.get("urgency"):
            data["urgency"] = limits.check_urgency(str(fields["urgency"]))
    elif action == "reject":
        reason = fields.get("reason")
        if reason not in REJECT_REASONS:
            raise Invalid("case_reject_reason")
        data["reason"] = reason
    elif action == "link_duplicate":
        try:
            of = int(str(fields.get("of") or fields.get("duplicate_of") or ""))
        except ValueError as exc:
            raise Invalid("case_duplicate_missing") from exc
        other = conn.execute(select(cases.c.desk_id, cases.c.state).where(cases.c.id == of)).first()
        if other is None or other.desk_id != desk.id or of == case.id:
            raise Invalid("case_duplicate_missing")
        data["of"] = str(of)
    elif action == "forward":
        if fields.get("category"):
            data["category"] = catalogue.find(conn, desk.id, str(fields["category"])).id
        category = data.get("category") or case.category_id
        if category is None:
            raise Invalid("case_category_missing")
        name = fields.get("department")
        co_names = fields.get("co_handlers") or []
        if isinstance(co_names, str):
            co_names = [n for n in re.split(r"[,\s，]+", co_names) if n]
        if not name:
            routed = desks.route(conn, desk, category, case.county_code)
            if routed is None:
                raise Invalid("case_department_missing")
            data["department"] = str(routed.lead_id)
            data["co_handlers"] = [str(i) for i in routed.co_handler_ids]
        else:
            lead = desks.department_id(conn, desk, str(name))
            data["department"] = str(lead)
            data["co_handlers"] = [str(i) for i in dict.fromkeys(
                desks.department_id(conn, desk, str(n)) for n in co_names) if i != lead]
    elif action == "request_extension":
        try:
            data["days"] = int(fields.get("days") or 0)
        except (TypeError, ValueError) as exc:
            raise Invalid("case_extension_days") from exc
    elif action == "reply":
        data["text"] = _bounded(str(fields.get("text") or ""), MAX_TEXT_CHARS)
        data["result"] = fields.get("result")
    elif action == "rate":
        data["satisfaction"] = fields.get("satisfaction")
        resolved = fields.get("resolved")
        if isinstance(resolved, str):
            resolved = {"true": True, "1": True, "false": False, "0": False}.get(resolved.lower(), resolved)
        data["resolved"] = resolved
    return data


def _extend(conn: Connection, case: Row[Any], at: datetime) -> None:
    """Move the resolve limit by the working days the department asked for."""
    days = int(case.extension_days or 0)
    timers = engine.timers(conn, CASE, case.id)
    resolve = timers.get("resolve")
    if resolve is None or resolve.stopped_at is not None or days <= 0:
        return
    new_due = NATIONAL.due(resolve.due_at - timedelta(seconds=1), Limit(working_days=days))
    engine.reschedule(conn, CASE, case.id, "resolve", new_due)
    conn.execute(update(cases).where(cases.c.id == case.id).values(resolve_by=new_due, overdue=False))


def _sync(conn: Connection, move: Move) -> None:
    """Keep the case's row in step with the workflow (inside the step's transaction)."""
    subject = move.subject
    values: dict[str, Any] = {"state": subject.state, "version": subject.version, "updated_at": move.at}
    data = move.data
    action = move.action
    if action is None:  # a timer ran out
        conn.execute(update(cases).where(cases.c.id == subject.subject_id).values(overdue=True))
        return
    if action == "start":
        return
    case = conn.execute(select(cases.c.forwarded_at, cases.c.acknowledge_by, cases.c.resolve_by,
                               cases.c.rework_count, cases.c.return_count, cases.c.reopen_count)
                        .where(cases.c.id == subject.subject_id)).first()
    if case is None:
        return
    before = rollup.contribution(conn, subject.subject_id)
    if action == "accept":
        values["accepted_at"] = move.at
        if data.get("category"):
            values["category_id"] = int(data["category"])
        if data.get("urgency"):
            values["urgency"] = data["urgency"]
    elif action in ("reject", "link_duplicate"):
        values.update(closed_at=move.at, reject_reason="duplicate" if action == "link_duplicate" else data["reason"])
        if action == "link_duplicate":
            values["duplicate_of"] = int(data["of"])
    elif action in ("forward", "rework"):
        timers = engine.timers(conn, CASE, subject.subject_id)
        values.update(forwarded_at=move.at, acknowledged_at=None, acknowledge_hours=None, acknowledged_on_time=None,
                      replied_at=None, reply_hours=None, replied_on_time=None, overdue=False, extension_days=None,
                      acknowledge_by=timers["acknowledge"].due_at, resolve_by=timers["resolve"].due_at)
        if action == "forward":
            values.update(department_id=int(data["department"]),
                          co_handler_ids=",".join(str(i) for i in data.get("co_handlers", [])))
            if data.get("category"):
                values["category_id"] = int(data["category"])
        else:
            values.update(rework_count=case.rework_count + 1, result=None, reply_text=None, satisfaction=None,
                          fixed=None, closed_at=None)
    elif action == "acknowledge":
        values["acknowledged_at"] = move.at
        if case.forwarded_at is not None:
            values["acknowledge_hours"] = round(NATIONAL.working_hours(case.forwarded_at, move.at), 3)
        if case.acknowledge_by is not None:
            values["acknowledged_on_time"] = as_utc(move.at) <= as_utc(case.acknowledge_by)
    elif action == "return":
        values.update(return_count=case.return_count + 1, acknowledge_by=None, resolve_by=None, overdue=False)
    elif action == "request_extension":
        values["extension_days"] = int(data["days"])
    elif action == "refuse_extension" or action == "grant_extension":
        values["extension_days"] = None
    elif action == "reply":
        values.update(replied_at=move.at, reply_text=data["text"], result=data["result"])
        if case.forwarded_at is not None:
            values["reply_hours"] = round(NATIONAL.working_hours(case.forwarded_at, move.at), 3)
        if case.resolve_by is not None:
            values["replied_on_time"] = as_utc(move.at) <= as_utc(case.resolve_by)
    elif action == "rate":
        values.update(satisfaction=data["satisfaction"], fixed=bool(data["resolved"]))
    elif action == "close":
        values["closed_at"] = move.at
    elif action == "escalate":
        values["escalated"] = True
    elif action == "reopen":
        values.update(reopen_count=case.reopen_count + 1, closed_at=None, reject_reason=None, duplicate_of=None)
    conn.execute(update(cases).where(cases.c.id == subject.subject_id).values(**values))
    rollup.record(conn, before, rollup.contribution(conn, subject.subject_id))


engine.observe(CASE, _sync)


# --- reading ----------------------------------------------------------------------------------------


def iso(value: datetime | None) -> str | None:
    """A time as the API writes it: ISO 8601 in Beijing time, with its offset."""
    return as_utc(value).astimezone(BEIJING).isoformat(timespec="seconds") if value is not None else None


def log_read(conn: Connection, case_id: int, viewer_id: int, who: Standing, via: str) -> None:
    """Record that staff or a department saw a case's personal data."""
    conn.execute(insert(case_data_reads).values(id=new_id(), case_id=case_id, account_id=viewer_id,
                                                agency_id=who.agency_id, via=via[:16], at=utcnow()))


def place_of(case: Row[Any], private: bool) -> dict[str, Any]:
    county = regions.resolve(case.county_code) if case.county_code else None
    city = regions.resolve(case.city_code) if case.city_code else None
    lat, lon = case.lat, case.lon
    if lat is not None and lon is not None and not private:
        lat, lon = round(lat, 3), round(lon, 3)
    return {"county": case.county_code, "city": case.city_code,
            "name": county.full_name if county else (city.full_name if city else None),
            "address": case.address if private else case.public_address, "lat": lat, "lon": lon}


def history_of(conn: Connection | None, case: Row[Any], private: bool, known: Mapping[int, Any] | None = None,
               events: Sequence[engine.Event] | None = None) -> list[dict[str, Any]]:
    """The steps of a case as the reader may see them; ``known`` people and ``events`` need not
    be read again (without ``conn`` they must be all it needs)."""
    if events is None:
        assert conn is not None
        events = engine.history(conn, CASE, case.id)
    people = dict(known or {})
    missing = {i for e in events for i in (e.actor_id, e.agency_id) if i and i not in people}
    if missing:
        assert conn is not None, f"people {missing} are not known"
        people.update({r.id: r for r in conn.execute(
            select(accounts.c.id, accounts.c.username, accounts.c.display_name).where(accounts.c.id.in_(missing)))})
    out = []
    for event in events:
        if not private and event.action not in PUBLIC_STEPS:
            continue
        actor = people.get(event.actor_id) if event.actor_id else None
        agency = people.get(event.agency_id) if event.agency_id else None
        if event.role == CITIZEN and (case.anonymous or not private):
            actor = None if case.anonymous and not private else actor
        shown_data = {k: v for k, v in event.data.items() if private or k in ("result", "satisfaction", "resolved")}
        if "department" in event.data:
            assert conn is not None
            dept = conn.execute(select(accounts.c.username).where(
                accounts.c.id == int(event.data["department"]))).scalar()
            shown_data["department"] = dept
        out.append({"seq": event.seq, "action": event.action, "from": event.from_state, "to": event.to_state,
                    "at": iso(event.at), "role": event.role,
                    "actor": ({"username": actor.username, "display_name": actor.display_name}
                              if actor is not None and (private or event.role != CITIZEN or not case.anonymous)
                              else None),
                    "agency": agency.username if agency is not None else None,
                    "note": event.note if (private or event.action in ("reject", "reply", "reopen")) else "",
                    "data": shown_data})
    return out


@dataclass
class Lookups:
    """What rendering a page of cases needs besides their rows — their desks, the people they
    name, their categories — read once for the page (:meth:`load`) instead of once per case."""

    desks: dict[int, Desk] = field(default_factory=dict)
    people: dict[int, Any] = field(default_factory=dict)
    categories: dict[int, catalogue.Category] = field(default_factory=dict)
    #: histories known without reading them (a case just filed: its first step)
    histories: dict[int, list[engine.Event]] = field(default_factory=dict)

    @classmethod
    def of_filed(cls, filed: Filed, desk: Desk, citizen: Any = None) -> Lookups:
        """What showing a case just filed needs, from what writing it returned (and the citizen's
        account row, which the caller holds): nothing to read."""
        return cls(desks={desk.id: desk}, people={citizen.id: citizen} if citizen is not None else {},
                   categories={filed.category.id: filed.category} if filed.category is not None else {},
                   histories={filed.row.id: [filed.first]})

    @classmethod
    def load(cls, conn: Connection, rows: Sequence[Row[Any]], known: Sequence[Desk] = ()) -> Lookups:
        found = cls(desks={d.id: d for d in known})
        for desk_id in {r.desk_id for r in rows} - set(found.desks):
            found.desks[desk_id] = desks.by_id(conn, desk_id)
        people = {i for r in rows for i in (r.department_id, r.citizen_id, *_ids(r.co_handler_ids)) if i}
        if people:
            found.people = {p.id: p for p in conn.execute(
                select(accounts.c.id, accounts.c.username, accounts.c.display_name)
                .where(accounts.c.id.in_(people)))}
        wanted = {r.category_id for r in rows if r.category_id}
        if wanted:
            found.categories = {c.id: c for c in catalogue.by_ids(conn, wanted)}
        return found


def views(conn: Connection, rows: Sequence[Row[Any]], who: Standing | None = None, *,
          personal: bool = False, viewer_id: int | None = None) -> list[dict[str, Any]]:
    """A page of cases (without their histories), each as ``who`` — or, without ``who``, as
    ``viewer_id`` stands to each — may see it."""
    lookups = Lookups.load(conn, rows)
    return [view(conn, r, who if who is not None else standing(conn, r, viewer_id), history=False,
                 personal=personal, lookups=lookups) for r in rows]


def view(conn: Connection | None, case: Row[Any], who: Standing, *, history: bool = True,
         personal: bool = True, lookups: Lookups | None = None) -> dict[str, Any]:
    """A case as ``who`` may see it: everyone the masked text and the public steps; the citizen,
    the desk's staff and the departments it is forwarded to the original and the contacts —
    unless ``personal`` is off (a list of cases: staff open a case to see what is personal in it,
    and that read is logged)."""
    private = who.entitled and personal
    if lookups is None:
        assert conn is not None, "without a connection, the lookups must be given"
        lookups = Lookups.load(conn, [case])
    desk = lookups.desks[case.desk_id]
    names = lookups.people
    category = lookups.categories.get(case.category_id) if case.category_id else None
    department = names.get(case.department_id) if case.department_id else None
    citizen = names.get(case.citizen_id) if case.citizen_id else None
    body: dict[str, Any] = {
        "id": str(case.id), "desk": desk.username, "state": case.state, "version": case.version,
        "title": case.title, "text": case.text if private else case.public_text,
        "category": category.path if category else None,
        "category_code": category.code if category else None,
        "urgency": case.urgency, "source": case.source,
        "source_status_id": str(case.source_status_id) if case.source_status_id else None,
        "department": department.username if department else None,
        "co_handlers": [names[i].username for i in _ids(case.co_handler_ids) if i in names],
        "place": place_of(case, private),
        "deadlines": {"acknowledge_by": iso(case.acknowledge_by), "resolve_by": iso(case.resolve_by)},
        "overdue": bool(case.overdue), "escalated": bool(case.escalated),
        "rework_count": case.rework_count, "return_count": case.return_count,
        "extension_days_requested": case.extension_days,
        "duplicate_of": str(case.duplicate_of) if case.duplicate_of else None,
        "reject_reason": case.reject_reason,
        "reply": ({"text": case.reply_text, "result": case.result, "at": iso(case.replied_at)}
                  if case.reply_text else None),
        "rating": ({"satisfaction": case.satisfaction, "resolved": case.fixed} if case.satisfaction else None),
        "citizen": (None if citizen is None or (case.anonymous and not private)
                    else {"username": citizen.username, "display_name": citizen.display_name}),
        "anonymous": bool(case.anonymous),
        "created_at": iso(case.created_at), "updated_at": iso(case.updated_at),
        "closed_at": iso(case.closed_at),
        "media": [str(i) for i in _ids(case.media_ids)],
        "my_roles": sorted(who.roles),
        "actions": [a for a in CASE.actions_from(case.state)
                    if CASE.step(a) is not None and who.roles & CASE.step(a).roles],  # type: ignore[union-attr]
    }
    if private:
        body["contact"] = {"name": case.contact_name, "phone": case.contact_phone, "email": case.contact_email}
    if who.roles & {DESK}:
        body["proposals"] = json.loads(case.proposals) if case.proposals else []
        body["similar_to"] = ({"id": str(case.similar_to), "similarity": case.similar_score}
                              if case.similar_to else None)
    if history:
        body["history"] = history_of(conn, case, private, lookups.people, lookups.histories.get(case.id))
    return body


# --- the queue, "my cases", duplicates ---------------------------------------------------------------

QUEUE_VIEWS = ("open", "new", "overdue", "due_soon", "returned", "escalated", "dissatisfied", "extension",
               "closed", "all")


def queue(conn: Connection, desk: Desk, *, view: str = "open", state: str | None = None,
          department_id: int | None = None, category_id: int | None = None, county: str | None = None,
          limit: int = 40, max_id: int | None = None, now: datetime | None = None) -> list[Row[Any]]:
    """A desk's cases for its staff, newest first (or the soonest due first for due_soon)."""
    if view not in QUEUE_VIEWS:
        raise Invalid("queue_view_invalid", value=view)
    now = as_utc(now or utcnow())
    c = cases.c
    where: list[Any] = [c.desk_id == desk.id]
    order: list[Any] = [c.created_at.desc(), c.id.desc()]  # ids follow time: the indexes' order
    still_open = sql(OPEN_CASE)  # written as the partial indexes are, so the planners use them
    if state:
        if state not in CASE.states:
            raise Invalid("case_state_invalid", value=state)
        where.append(c.state == state)
    elif view == "new":
        where.append(c.state == "submitted")
    elif view == "returned":
        where.append(c.state == "returned")
    elif view == "closed":
        where.append(c.state.in_(["closed", "rejected"]))
    elif view != "all":
        where.append(still_open)
    if view == "overdue":
        where.append(sql("overdue"))
    elif view == "escalated":
        where.append(sql("escalated"))
    elif view == "dissatisfied":
        where.append(c.satisfaction == "dissatisfied")
    elif view == "extension":
        where.append(sql("extension_days IS NOT NULL"))
    elif view == "due_soon":
        where += [sql(DUE_CASE), c.resolve_by <= now + timedelta(days=1), c.overdue.is_(False)]
        order = [c.resolve_by, c.id]
    if department_id is not None:
        where.append(or_(c.department_id == department_id, c.co_handler_ids.contains(str(department_id))))
    if category_id is not None:
        where.append(c.category_id == category_id)
    if county:
        where.append(c.county_code == county)
    if max_id is not None:
        where.append(c.id < max_id)
    return list(conn.execute(select(cases).where(*where).order_by(*order).limit(max(1, min(limit, 200)))))


def inbox(conn: Connection, department_id: int, *, view: str = "open", limit: int = 40,
          max_id: int | None = None) -> list[Row[Any]]:
    """A department's cases, newest first: those it leads (its index) and those it helps with
    (协办: among the open cases of the desks it belongs to)."""
    c = cases.c
    limit = max(1, min(limit, 200))
    states = {"open": ["forwarded", "acknowledged", "in_progress"],
              "closed": ["replied", "follow_up", "closed"]}.get(view)
    where: list[Any] = [c.id < max_id] if max_id is not None else []
    if states:
        where.append(c.state.in_(states))
    order = [c.created_at.desc(), c.id.desc()]
    led = conn.execute(select(cases).where(c.department_id == department_id, *where).order_by(*order)
                       .limit(limit)).all()
    desk_ids = select(desk_departments.c.desk_id).where(desk_departments.c.account_id == department_id)
    helped = conn.execute(select(cases).where(
        c.desk_id.in_(desk_ids), sql(OPEN_CASE), c.co_handler_ids != "",
        c.co_handler_ids.contains(str(department_id)), *where).order_by(*order).limit(limit)).all()
    helped = [r for r in helped if department_id in _ids(r.co_handler_ids)]
    merged = {r.id: r for r in [*led, *helped]}
    return sorted(merged.values(), key=lambda r: r.id, reverse=True)[:limit]


def mine(conn: Connection, citizen_id: int, *, limit: int = 40, max_id: int | None = None) -> list[Row[Any]]:
    """A citizen's cases (filed, or followed after theirs was linked to it), newest first."""
    followed = select(case_followers.c.case_id).where(case_followers.c.account_id == citizen_id)
    where = [or_(cases.c.citizen_id == citizen_id, cases.c.id.in_(followed))]
    if max_id is not None:
        where.append(cases.c.id < max_id)
    return list(conn.execute(select(cases).where(*where).order_by(cases.c.id.desc()).limit(max(1, min(limit, 200)))))


def public_list(conn: Connection, desk: Desk, *, limit: int = 20, max_id: int | None = None) -> list[Row[Any]]:
    where = [cases.c.desk_id == desk.id]
    if max_id is not None:
        where.append(cases.c.id < max_id)
    return list(conn.execute(select(cases).where(*where).order_by(cases.c.id.desc()).limit(max(1, min(limit, 200)))))


@dataclass(frozen=True, slots=True)
class Similar:
    case: Row[Any]
    score: float


@lru_cache(maxsize=8)
def _open_nearby(by: str | None, excluding: bool) -> fast.Sql:
    """:func:`nearest`'s read of a desk's newest open cases (in a county, or a category), on the
    driver (intake runs it for every case; rows as tuples: id, signature, lat, lon, category);
    parameters: desk, since, then the county or category, then the case to leave out."""
    where = [f"desk_id = ? AND {OPEN_CASE} AND created_at >= ?"]
    if by is not None:
        where.append("county_code = ?" if by == "county" else "category_id = ?")
    if excluding:
        where.append("id <> ?")
    return fast.Sql(f"SELECT id, signature, lat, lon, category_id FROM cases WHERE {' AND '.join(where)} "
                    f"ORDER BY created_at DESC LIMIT {DUPLICATE_SCAN}")


def nearest(conn: Connection, desk: Desk, text: str, *, county: str | None = None, category_id: int | None = None,
            lat: float | None = None, lon: float | None = None, exclude: int | None = None,
            now: datetime | None = None, limit: int = 5, signature: bytes | None = None) -> list[tuple[float, int]]:
    """(score, case id) of the open cases most like a text (whose ``signature`` the caller may
    have computed): the newest :data:`DUPLICATE_SCAN` open cases of the desk in its county (else
    its category) of the last :data:`DUPLICATE_DAYS` days, read by the open cases' index,
    compared by signature, within :data:`DUPLICATE_METRES`."""
    now = as_utc(now or utcnow())
    mine_sig = signature if signature is not None else similarity.signature(text)
    by = "county" if county else "category" if category_id is not None else None
    params: list[Any] = [desk.id, now - timedelta(days=DUPLICATE_DAYS)]
    if by is not None:
        params.append(county if by == "county" else category_id)
    if exclude is not None:
        params.append(exclude)
    rows = [r for r in fast.fetch(conn, _open_nearby(by, exclude is not None), *params) if r[1]]
    scores = similarity.similarities(mine_sig, bytes.fromhex("".join(r[1] for r in rows)))
    found: list[tuple[float, int]] = []
    for (case_id, _, row_lat, row_lon, row_category), score in zip(rows, scores, strict=True):
        if (lat is not None and lon is not None and row_lat is not None and row_lon is not None
                and metres_between(lat, lon, row_lat, row_lon) > DUPLICATE_METRES):
            continue
        if category_id is not None and row_category not in (None, category_id):
            score *= 0.8
        if score >= DUPLICATE_SIMILARITY:
            found.append((score, int(case_id)))
    found.sort(reverse=True)
    return found[:limit]


def similar(conn: Connection, desk: Desk, text: str, *, county: str | None = None, category_id: int | None = None,
            lat: float | None = None, lon: float | None = None, exclude: int | None = None,
            now: datetime | None = None, limit: int = 5) -> list[Similar]:
    """Open cases of the desk like this one (the same category or county, nearby, recent, with
    similar text), the most alike first — for staff to link, for the citizen to follow."""
    found = nearest(conn, desk, text, county=county, category_id=category_id, lat=lat, lon=lon, exclude=exclude,
                    now=now, limit=limit)
    return [Similar(load(conn, case_id), round(score, 3)) for score, case_id in found]


def by_token(conn: Connection, token: str) -> Row[Any]:
    row = conn.execute(select(cases).where(cases.c.token == token)).first()
    if row is None:
        raise NotFound("case_not_found")
    return row


def for_status(conn: Connection, status_id: int) -> Row[Any] | None:
    return conn.execute(select(cases).where(cases.c.source_status_id == status_id)).first()


def recipients(conn: Connection, case: Row[Any]) -> set[int]:
    """Who hears of each step: the citizen and the followers."""
    ids = {case.citizen_id} if case.citizen_id else set()
    ids |= {r.account_id for r in conn.execute(select(case_followers.c.account_id)
                                               .where(case_followers.c.case_id == case.id))}
    return ids
