"""Moving subjects through a workflow, durably: :func:`start` and :func:`apply` write inside the
caller's transaction (so a case's own row and its first step are one commit), append the step to
``workflow_events`` and move the subject with a compare-and-swap on its version — of two people
acting on what they both saw as version 3, one moves it to 4 and the other is told (409, with
the subject as it now is), on SQLite and PostgreSQL alike, however many processes serve.

Who may act is the caller's to say: an :class:`Actor` carries the roles the person holds for this
subject (desk staff, the responsible department, the citizen who filed it …), decided by
``plaza.accounts.policy``; the workflow checks that one of them may take the step.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, and_, select, text, update

from plaza.clock import as_utc, utcnow
from plaza.errors import Conflict, Forbidden, Invalid, NotFound, PlazaError
from plaza.storage import fast
from plaza.storage.db import Database
from plaza.storage.schema import workflow_events, workflow_subjects, workflow_timers
from plaza.workflow.declaration import SYSTEM, Limit, Workflow
from plaza.workflow.worktime import NATIONAL, WorkCalendar, in_utc

#: The action that opens a subject (history's first entry); timers may start on it.
START = "start"
#: Characters of a step's note.
MAX_NOTE_CHARS = 2000
#: The server itself, taking a workflow's ``on_overdue`` step.
#: Seconds between two overdue sweeps of a running server.
SWEEP_SECONDS = 60.0
#: Timers one sweep handles at most (the next sweep takes the rest).
SWEEP_BATCH = 200
log = logging.getLogger("plaza.workflow")
#: Workflows the server sweeps (each capability registers its own: the desk's cases …).
_REGISTERED: dict[str, Workflow] = {}


#: What a capability does inside the transaction of every step (and every timer marked overdue)
#: of its workflow: keep its own row of the subject in step (a case's state, flags, deadlines).
Observer = Callable[[Connection, "Move"], None]
_OBSERVERS: dict[str, list[Observer]] = {}


#: An instance's own time limits for timers a workflow's steps start, when not the declared ones
#: (a help request's follow-up after PLAZA_HELP_FOLLOW_UP_HOURS): used by the sweep's steps.
_LIMITS: dict[str, dict[str, Limit]] = {}


def configure_limits(workflow: Workflow, limits: Mapping[str, Limit]) -> None:
    """Have the steps the server takes on ``workflow`` (the sweep's) start its timers with
    ``limits`` instead of the declared ones."""
    _LIMITS[workflow.name] = dict(limits)


def configured_limits(workflow: Workflow) -> dict[str, Limit] | None:
    return _LIMITS.get(workflow.name)


def register(workflow: Workflow) -> Workflow:
    """Have the running server sweep ``workflow`` for overdue subjects; returns it."""
    _REGISTERED[workflow.name] = workflow
    return workflow


def observe(workflow: Workflow, observer: Observer) -> None:
    """Call ``observer`` inside the transaction of every step of ``workflow`` and of every timer
    of it marked overdue, whoever takes it (a person, or the sweep)."""
    if observer not in _OBSERVERS.setdefault(workflow.name, []):
        _OBSERVERS[workflow.name].append(observer)


@dataclass(frozen=True, slots=True)
class Move:
    """A step just taken (``action``), or a timer just marked overdue (``action`` None, ``timer``)."""

    subject: Subject
    action: str | None
    from_state: str | None
    actor: Actor
    at: datetime
    data: Mapping[str, Any]
    timer: str | None = None


def _notify(conn: Connection, workflow: Workflow, move: Move) -> None:
    for observer in _OBSERVERS.get(workflow.name, ()):
        observer(conn, move)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who takes a step: the person (an account), the agency they act for (a government
    account, or None when acting for themselves) and the roles they hold for this subject."""

    account_id: int | None
    roles: frozenset[str]
    agency_id: int | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    workflow: str
    subject_id: int
    state: str
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    action: str
    from_state: str | None
    to_state: str
    actor_id: int | None
    agency_id: int | None
    role: str
    at: datetime
    note: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TimerState:
    """Where one of a subject's timers (:class:`~plaza.workflow.declaration.Timer`) stands."""

    name: str
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    overdue_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        """Past its limit: still running after it, or stopped after it."""
        return as_utc(self.stopped_at or now) > as_utc(self.due_at)


class StaleVersion(Conflict):
    """The subject moved since the actor looked: 409, carrying the subject as it now is."""

    def __init__(self, current: Subject) -> None:
        super().__init__("workflow_stale", state=current.state, version=current.version)
        self.current = current
        self.details = {"state": current.state, "version": current.version}


def _subject(row: Row[Any]) -> Subject:
    return Subject(row.workflow, row.subject_id, row.state, row.version, as_utc(row.created_at),
                   as_utc(row.updated_at))


def get(conn: Connection, workflow: Workflow, subject_id: int) -> Subject:
    row = conn.execute(select(workflow_subjects).where(
        workflow_subjects.c.workflow == workflow.name, workflow_subjects.c.subject_id == subject_id)).first()
    if row is None:
        raise NotFound("workflow_subject_not_found")
    return _subject(row)


def start(conn: Connection, workflow: Workflow, subject_id: int, actor: Actor, *, role: str,
          at: datetime | None = None, note: str = "", data: Mapping[str, Any] | None = None,
          limits: Mapping[str, Limit] | None = None, calendar: WorkCalendar = NATIONAL) -> Event:
    """Open ``subject_id`` in the workflow's initial state; returns its history's first entry
    (the subject is then in its ``to_state`` at version ``seq``)."""
    at = in_utc(at or utcnow())
    subject = Subject(workflow.name, subject_id, workflow.initial, 1, at, at)
    return _record(conn, workflow, subject, START, None, actor, role, at, note, data, limits, calendar,
                   opening={"workflow": workflow.name, "subject_id": subject_id, "state": workflow.initial,
                            "version": 1, "created_at": at, "updated_at": at})


def apply(conn: Connection, workflow: Workflow, subject_id: int, action: str, actor: Actor, *,
          version: int, at: datetime | None = None, note: str = "", data: Mapping[str, Any] | None = None,
          record: Mapping[str, Any] | None = None, limits: Mapping[str, Limit] | None = None,
          calendar: WorkCalendar = NATIONAL) -> Subject:
    """Take the step ``action`` on a subject last seen at ``version``. Refused: an unknown action
    (422), a subject that moved since (409, :class:`StaleVersion`), a step that cannot be taken
    in the current state (409), by none of the actor's roles (403), without the note it needs or
    failing one of its guards (422; the guards see ``record``, the caller's row of the subject,
    and ``data``, the step's fields). ``limits`` overrides the declared limit of timers this step
    starts (a category's or an urgency's)."""
    at = in_utc(at or utcnow())
    declared = workflow.step(action)
    if declared is None:
        raise Invalid("workflow_action_unknown", action=action)
    current = get(conn, workflow, subject_id)
    if current.version != version:
        raise StaleVersion(current)
    if current.state not in declared.sources:
        raise Conflict("workflow_action_not_now", action=action, state=current.state)
    allowed = sorted(actor.roles & declared.roles)
    if not allowed:
        raise Forbidden("workflow_role_refused", action=action)
    note = (note or "").strip()
    if declared.note and not note:
        raise Invalid("workflow_note_required", action=action)
    if len(note) > MAX_NOTE_CHARS:
        raise Invalid("text_too_long", limit=MAX_NOTE_CHARS, length=len(note))
    for guard in declared.guards:
        refusal = guard(record or {}, data or {})
        if refusal:
            raise Invalid(refusal)
    moved = conn.execute(update(workflow_subjects).where(
        workflow_subjects.c.workflow == workflow.name, workflow_subjects.c.subject_id == subject_id,
        workflow_subjects.c.version == version).values(
        state=workflow.target(action, current.state), version=version + 1, updated_at=at))
    if moved.rowcount != 1:  # another process moved it between the read and the write
        raise StaleVersion(get(conn, workflow, subject_id))
    subject = Subject(workflow.name, subject_id, workflow.target(action, current.state), version + 1,
                      current.created_at, at)
    _record(conn, workflow, subject, action, current.state, actor, allowed[0], at, note, data, limits, calendar)
    return subject


def _record(conn: Connection, workflow: Workflow, subject: Subject, action: str, from_state: str | None,
            actor: Actor, role: str, at: datetime, note: str, data: Mapping[str, Any] | None,
            limits: Mapping[str, Limit] | None, calendar: WorkCalendar,
            opening: dict[str, Any] | None = None) -> Event:
    """The step in the history (its seq is the version it made), and the timers it moves;
    returns the step as :func:`history` reads it. A subject's first step comes with its
    ``opening`` row: the subject, its first step and the timers it starts are inserted together
    (on PostgreSQL in one round trip — a case is filed with them)."""
    stored = json.dumps(dict(data or {}), ensure_ascii=False, sort_keys=True, default=str)
    new_rows: list[tuple[Table, dict[str, Any]]] = [(workflow_subjects, opening)] if opening is not None else []
    new_rows.append((workflow_events, {
        "workflow": workflow.name, "subject_id": subject.subject_id, "seq": subject.version, "action": action,
        "from_state": from_state, "to_state": subject.state, "actor_id": actor.account_id,
        "agency_id": actor.agency_id, "role": role, "at": at, "note": note, "data": stored}))
    mine = and_(workflow_timers.c.workflow == workflow.name, workflow_timers.c.subject_id == subject.subject_id)
    stopping = [t.name for t in workflow.timers if action in t.stops_on]
    if subject.state in workflow.terminal:
        stopping = [t.name for t in workflow.timers]
    if stopping:
        conn.execute(update(workflow_timers).where(
            mine, workflow_timers.c.name.in_(stopping), workflow_timers.c.stopped_at.is_(None))
            .values(stopped_at=at))
    for timer in workflow.timers:
        if action not in timer.starts_on:
            continue
        due = calendar.due(at, (limits or {}).get(timer.name, timer.limit))
        if from_state is not None:  # started again (forwarded anew after a return): a new clock
            conn.execute(workflow_timers.delete().where(mine, workflow_timers.c.name == timer.name))
        new_rows.append((workflow_timers, {"workflow": workflow.name, "subject_id": subject.subject_id,
                                           "name": timer.name, "started_at": at, "due_at": due}))
    fast.insert_together(conn, new_rows)
    _notify(conn, workflow, Move(subject, action, from_state, actor, at, dict(data or {})))
    return Event(subject.version, action, from_state, subject.state, actor.account_id, actor.agency_id, role,
                 at, note, json.loads(stored))


def reschedule(conn: Connection, workflow: Workflow, subject_id: int, timer: str, due_at: datetime) -> bool:
    """Move a running timer's limit (an extension granted, 延期): it may run out again, and is
    swept again if it does. False when the timer is not running."""
    return conn.execute(update(workflow_timers).where(
        workflow_timers.c.workflow == workflow.name, workflow_timers.c.subject_id == subject_id,
        workflow_timers.c.name == timer, workflow_timers.c.stopped_at.is_(None))
        .values(due_at=in_utc(due_at), overdue_at=None)).rowcount == 1


def history(conn: Connection, workflow: Workflow, subject_id: int) -> list[Event]:
    """Every step the subject took, oldest first."""
    rows = conn.execute(select(workflow_events).where(
        workflow_events.c.workflow == workflow.name, workflow_events.c.subject_id == subject_id)
        .order_by(workflow_events.c.seq)).all()
    return [Event(r.seq, r.action, r.from_state, r.to_state, r.actor_id, r.agency_id, r.role, as_utc(r.at),
                  r.note, json.loads(r.data or "{}")) for r in rows]


def timers(conn: Connection, workflow: Workflow, subject_id: int) -> dict[str, TimerState]:
    rows = conn.execute(select(workflow_timers).where(
        workflow_timers.c.workflow == workflow.name, workflow_timers.c.subject_id == subject_id)).all()
    return {r.name: TimerState(r.name, as_utc(r.started_at), as_utc(r.due_at),
                          as_utc(r.stopped_at) if r.stopped_at is not None else None,
                          as_utc(r.overdue_at) if r.overdue_at is not None else None) for r in rows}


def overdue(conn: Connection, workflow: Workflow, now: datetime | None = None,
            limit: int = 500) -> list[tuple[int, str, datetime]]:
    """Running timers past their limit, the longest overdue first: (subject, timer, due)."""
    now = in_utc(now or utcnow())
    rows = conn.execute(select(workflow_timers.c.subject_id, workflow_timers.c.name, workflow_timers.c.due_at)
                        .where(workflow_timers.c.workflow == workflow.name, workflow_timers.c.stopped_at.is_(None),
                               workflow_timers.c.due_at < now)
                        .order_by(workflow_timers.c.due_at).limit(limit)).all()
    return [(r.subject_id, r.name, as_utc(r.due_at)) for r in rows]


# --- the overdue sweep ----------------------------------------------------------------------------

#: The server itself, taking a workflow's ``on_overdue`` step.
SWEEPER = Actor(None, frozenset({SYSTEM}))


def _lock_key(workflow: Workflow) -> int:
    """A PostgreSQL advisory lock key of its own per workflow."""
    return int.from_bytes(hashlib.sha256(f"plaza.workflow.sweep.{workflow.name}".encode()).digest()[:8],
                          "big", signed=True)


def sweep(db: Database, workflow: Workflow, now: datetime | None = None, *, calendar: WorkCalendar = NATIONAL,
          batch: int = SWEEP_BATCH) -> int:
    """Find the timers that ran out, mark each once, and take the workflow's ``on_overdue``
    step (as :data:`SYSTEM`) on subjects still where that step starts. One transaction; one
    process at a time (PostgreSQL: an advisory lock, a sweep that finds it taken does nothing;
    SQLite: its writers take turns). Idempotent: a marked timer is never swept again. Returns
    how many timers were marked."""
    now = in_utc(now or utcnow())
    with db.write() as conn:
        if conn.dialect.name == "postgresql" and not conn.execute(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _lock_key(workflow)}).scalar():
            return 0
        running = and_(workflow_timers.c.workflow == workflow.name, workflow_timers.c.stopped_at.is_(None),
                       workflow_timers.c.overdue_at.is_(None), workflow_timers.c.due_at < now)
        late = conn.execute(select(workflow_timers.c.subject_id, workflow_timers.c.name).where(running)
                            .order_by(workflow_timers.c.due_at).limit(batch)).all()
        marked = 0
        for subject_id, name in late:
            if conn.execute(update(workflow_timers).where(
                    running, workflow_timers.c.subject_id == subject_id, workflow_timers.c.name == name)
                    .values(overdue_at=now)).rowcount != 1:
                continue  # another sweep marked it first
            marked += 1
            _notify(conn, workflow, Move(get(conn, workflow, subject_id), None, None, SWEEPER, now, {"timer": name},
                                         timer=name))
            overdue_step = workflow.overdue_step(name)
            declared = workflow.step(overdue_step) if overdue_step else None
            if declared is None:
                continue
            subject = get(conn, workflow, subject_id)
            if subject.state not in declared.sources:
                continue
            try:
                with conn.begin_nested():
                    apply(conn, workflow, subject_id, declared.action, SWEEPER, version=subject.version, at=now,
                          note=f"{name}: overdue", data={"timer": name}, calendar=calendar,
                          limits=configured_limits(workflow))
            except PlazaError as exc:  # a guard said no: the timer stays marked, the step not taken
                log.warning("%s %s: %s not taken when %s ran out: %s", workflow.name, subject_id,
                            declared.action, name, exc.key)
        return marked


async def sweep_periodically(db: Database, interval: float = SWEEP_SECONDS) -> None:
    """The server's background task: :func:`sweep` every registered workflow every ``interval``
    seconds, off the event loop (cancel the task to stop it)."""
    while True:
        await asyncio.sleep(interval)
        for workflow in list(_REGISTERED.values()):
            try:
                swept = await asyncio.to_thread(sweep, db, workflow)
                if swept:
                    log.info("%s: %d time limits ran out", workflow.name, swept)
            except Exception:  # tried again next time
                log.warning("overdue sweep of %s failed; retrying later", workflow.name, exc_info=True)
