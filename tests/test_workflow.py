"""The workflow mechanism (plaza.workflow) the service desk and help requests are built on: a
declaration that cannot strand a subject, deadlines in China's working days, and steps that are
recorded for good, taken by the right roles only, and never lost or doubled when two people act
on one subject at the same moment — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from plaza.errors import Conflict, Forbidden, Invalid
from plaza.instance import Plaza
from plaza.storage.ids import new_id
from plaza.workflow import engine
from plaza.workflow.declaration import SYSTEM, DeclarationError, Limit, Timer, Workflow, step
from plaza.workflow.engine import Actor, StaleVersion
from plaza.workflow.worktime import BEIJING, WorkCalendar
from tests.factories import citizen

DESK, DEPT, CITIZEN = "desk", "department", "citizen"


def _needs_department(record: object, data: dict) -> str | None:  # type: ignore[type-arg]
    return None if data.get("department") else "parameter_missing"


#: A small case workflow, shaped like the desk's (issue 11).
CASE = Workflow(
    "test_case", initial="submitted", terminal={"closed", "rejected"},
    steps=(
        step("accept", ["submitted"], "accepted", {DESK}),
        step("reject", ["submitted"], "rejected", {DESK}, note=True),
        step("forward", ["accepted", "returned"], "forwarded", {DESK}, guards=[_needs_department]),
        step("return", ["forwarded"], "returned", {DEPT}, note=True),
        step("reply", ["forwarded"], "replied", {DEPT}),
        step("close", ["replied"], "closed", {DESK, CITIZEN}),
        step("reopen", ["closed"], "submitted", {CITIZEN}, reopens=True),
    ),
    timers=(Timer("accept", starts_on={"start"}, stops_on={"accept", "reject"}, limit=Limit(hours=4)),
            Timer("resolve", starts_on={"forward"}, stops_on={"reply"}, limit=Limit(working_days=5))),
)


# --- the declaration -----------------------------------------------------------------------------


def test_a_workflow_that_could_strand_a_subject_does_not_load() -> None:
    with pytest.raises(DeclarationError, match="no step reaches"):
        Workflow("w", initial="a", terminal={"z"}, steps=(step("go", ["a"], "z", {DESK}),
                                                           step("odd", ["b"], "z", {DESK})))
    with pytest.raises(DeclarationError, match="leaves the terminal state"):
        Workflow("w", initial="a", terminal={"z"}, steps=(step("go", ["a"], "z", {DESK}),
                                                           step("back", ["z"], "a", {DESK})))
    with pytest.raises(DeclarationError, match="declared twice"):
        Workflow("w", initial="a", terminal={"z"}, steps=(step("go", ["a"], "z", {DESK}),
                                                           step("go", ["a"], "z", {DEPT})))
    with pytest.raises(DeclarationError, match="unknown actions"):
        Workflow("w", initial="a", terminal={"z"}, steps=(step("go", ["a"], "z", {DESK}),),
                 timers=(Timer("t", starts_on={"go"}, stops_on={"finish"}, limit=Limit(hours=1)),))
    with pytest.raises(DeclarationError, match=r"no step reaches \['y'\]"):  # an end never reached
        Workflow("w", initial="a", terminal={"z", "y"}, steps=(step("go", ["a"], "z", {DESK}),))
    with pytest.raises(ValueError):
        Limit(hours=2, working_days=1)
    # Reopening a closed case is the one way out of a terminal state, and says so.
    assert CASE.actions_from("closed") == ("reopen",)
    assert CASE.states == {"submitted", "accepted", "rejected", "forwarded", "returned", "replied", "closed"}


# --- working time --------------------------------------------------------------------------------


def _beijing(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BEIJING)  # type: ignore[misc]


def test_working_days_skip_national_day_and_count_the_make_up_saturday() -> None:
    calendar = WorkCalendar()
    accepted = _beijing(2026, 9, 30, 15, 0)  # the Wednesday before the 2026 National Day holiday
    # 1 working day: the holiday (Oct 1–7) does not count; due at the end of Thursday Oct 8.
    assert calendar.due(accepted, Limit(working_days=1)) == _beijing(2026, 10, 9, 0, 0)
    # 3: Oct 8, 9 and Saturday Oct 10, a make-up working day (调休).
    assert calendar.due(accepted, Limit(working_days=3)) == _beijing(2026, 10, 11, 0, 0)
    # 4: Sunday Oct 11 is a day off again.
    assert calendar.due(accepted, Limit(working_days=4)) == _beijing(2026, 10, 13, 0, 0)
    # Hours are clock hours: an urgent limit does not wait for the holiday to end.
    assert calendar.due(accepted, Limit(hours=2)) == _beijing(2026, 9, 30, 17, 0)
    assert calendar.working_days_between(accepted, _beijing(2026, 10, 12, 9, 0)) == 4


def test_a_year_without_a_schedule_counts_weekdays_until_local_overrides_say_otherwise(caplog) -> None:  # type: ignore[no-untyped-def]
    friday = _beijing(2040, 3, 2, 10, 0)  # no schedule this far ahead (chinesecalendar stops at 2026)
    plain = WorkCalendar()
    assert plain.due(friday, Limit(working_days=1)) == _beijing(2040, 3, 6, 0, 0)  # Monday
    assert "no holiday schedule for 2040" in caplog.text
    local = WorkCalendar({date(2040, 3, 5): False, date(2040, 3, 3): True})
    assert local.due(friday, Limit(working_days=1)) == _beijing(2040, 3, 4, 0, 0)  # a working Saturday
    assert local.due(friday, Limit(working_days=2)) == _beijing(2040, 3, 7, 0, 0)  # Monday off


# --- steps, roles, history -----------------------------------------------------------------------


def _open(plaza: Plaza, actor: Actor, at: datetime) -> int:
    subject_id = new_id()
    with plaza.db.write() as conn:
        engine.start(conn, CASE, subject_id, actor, role=CITIZEN, at=at)
    return subject_id


def _act(plaza: Plaza, subject_id: int, action: str, actor: Actor, version: int, **kw):  # type: ignore[no-untyped-def]
    with plaza.db.write() as conn:
        return engine.apply(conn, CASE, subject_id, action, actor, version=version, **kw)


def test_a_case_is_taken_step_by_step_by_the_right_roles_and_its_history_is_kept(plaza: Plaza) -> None:
    filer = citizen(plaza, "wang", password=None)
    clerk = citizen(plaza, "clerk", password=None)
    desk_account = citizen(plaza, "mas_fabu", password=None)
    me = Actor(filer.id, frozenset({CITIZEN}))
    desk = Actor(clerk.id, frozenset({DESK}), agency_id=desk_account.id)
    dept = Actor(None, frozenset({DEPT}))
    at = datetime(2026, 9, 30, 7, 0, tzinfo=UTC)
    case = _open(plaza, me, at)

    with pytest.raises(Forbidden):  # a citizen may not accept their own case
        _act(plaza, case, "accept", me, 1)
    with pytest.raises(Conflict) as not_now:  # nor may anyone reply before it is forwarded
        _act(plaza, case, "reply", dept, 1)
    assert not_now.value.status == 409 and not_now.value.key == "workflow_action_not_now"
    with pytest.raises(Invalid) as unknown:
        _act(plaza, case, "teleport", desk, 1)
    assert unknown.value.key == "workflow_action_unknown"

    accepted = _act(plaza, case, "accept", desk, 1, at=at + timedelta(hours=1))
    assert (accepted.state, accepted.version) == ("accepted", 2)
    with pytest.raises(Invalid) as guarded:  # forwarding names the department
        _act(plaza, case, "forward", desk, 2, data={})
    assert guarded.value.key == "parameter_missing"
    _act(plaza, case, "forward", desk, 2, data={"department": "mas_zhujian"}, at=at + timedelta(hours=2))
    with pytest.raises(Invalid) as why:  # returning needs a reason
        _act(plaza, case, "return", dept, 3)
    assert why.value.key == "workflow_note_required"
    _act(plaza, case, "return", dept, 3, note="不属于本部门职责", at=at + timedelta(hours=3))
    _act(plaza, case, "forward", desk, 4, data={"department": "mas_gongan"}, at=at + timedelta(hours=4))
    _act(plaza, case, "reply", dept, 5, at=at + timedelta(days=2))
    closed = _act(plaza, case, "close", me, 6, at=at + timedelta(days=3))
    assert closed.state == "closed"

    with plaza.db.read() as conn:
        steps = engine.history(conn, CASE, case)
    assert [(e.seq, e.action, e.from_state, e.to_state) for e in steps] == [
        (1, "start", None, "submitted"), (2, "accept", "submitted", "accepted"),
        (3, "forward", "accepted", "forwarded"), (4, "return", "forwarded", "returned"),
        (5, "forward", "returned", "forwarded"), (6, "reply", "forwarded", "replied"),
        (7, "close", "replied", "closed")]
    assert steps[1].actor_id == clerk.id and steps[1].agency_id == desk_account.id and steps[1].role == DESK
    assert steps[3].note == "不属于本部门职责" and steps[4].data == {"department": "mas_gongan"}
    assert steps[6].role == CITIZEN  # close is open to the desk and the citizen: the citizen's role is named

    reopened = _act(plaza, case, "reopen", me, 7, at=at + timedelta(days=10))
    assert reopened.state == "submitted"


def test_time_limits_start_and_stop_on_steps_and_the_late_ones_are_found(plaza: Plaza) -> None:
    me = Actor(None, frozenset({CITIZEN}))
    desk = Actor(None, frozenset({DESK}))
    dept = Actor(None, frozenset({DEPT}))
    at = _beijing(2026, 9, 30, 15, 0)
    late = _open(plaza, me, at)
    on_time = _open(plaza, me, at)
    with plaza.db.read() as conn:
        assert engine.timers(conn, CASE, late)["accept"].due_at == at + timedelta(hours=4)
    _act(plaza, on_time, "accept", desk, 1, at=at + timedelta(hours=1))
    _act(plaza, on_time, "forward", desk, 2, data={"department": "d"}, at=at + timedelta(hours=2),
         limits={"resolve": Limit(working_days=1)})  # an urgent category's limit
    with plaza.db.read() as conn:
        running = engine.timers(conn, CASE, on_time)
        assert running["accept"].stopped_at == at + timedelta(hours=1)
        assert running["resolve"].due_at == _beijing(2026, 10, 9, 0, 0)  # after the holiday
        # The late one was never accepted: overdue after 4 hours; the other is not (yet).
        assert [(s, name) for s, name, _ in engine.overdue(conn, CASE, at + timedelta(hours=5))] == [(late, "accept")]
        assert {s for s, _, _ in engine.overdue(conn, CASE, _beijing(2026, 10, 9, 1, 0))} == {late, on_time}
    _act(plaza, on_time, "reply", dept, 3, at=_beijing(2026, 10, 8, 10, 0))
    with plaza.db.read() as conn:
        resolve = engine.timers(conn, CASE, on_time)["resolve"]
        assert resolve.stopped_at is not None and not resolve.overdue(_beijing(2026, 12, 1, 0, 0))
        assert {s for s, _, _ in engine.overdue(conn, CASE, _beijing(2026, 12, 1, 0, 0))} == {late}
    rejected = _act(plaza, late, "reject", desk, 1, note="重复", at=_beijing(2026, 10, 9, 9, 0))
    assert rejected.state == "rejected"
    with plaza.db.read() as conn:
        assert engine.timers(conn, CASE, late)["accept"].overdue(_beijing(2026, 10, 9, 9, 0))  # late, and stays so
        assert engine.overdue(conn, CASE, _beijing(2026, 12, 1, 0, 0)) == []


def test_of_many_acting_at_once_on_what_they_saw_one_moves_it_and_the_rest_are_told(plaza: Plaza) -> None:
    desk = Actor(None, frozenset({DESK}))
    case = _open(plaza, Actor(None, frozenset({CITIZEN})), datetime(2026, 9, 30, 7, 0, tzinfo=UTC))
    crowd = 8
    barrier = threading.Barrier(crowd)
    outcomes: list[object] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        barrier.wait()
        try:
            result: object = _act(plaza, case, "accept" if i % 2 else "reject", desk, 1, note=f"第{i}人")
        except StaleVersion as exc:
            result = exc
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(crowd)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    moved = [o for o in outcomes if isinstance(o, engine.Subject)]
    refused = [o for o in outcomes if isinstance(o, StaleVersion)]
    assert len(moved) == 1 and len(refused) == crowd - 1
    assert all(r.status == 409 and r.current.version == 2 and r.current.state == moved[0].state for r in refused)
    with plaza.db.read() as conn:
        steps = engine.history(conn, CASE, case)
    assert [e.seq for e in steps] == [1, 2]  # one step recorded, no gap, no double


# --- the overdue sweep ---------------------------------------------------------------------------

#: A workflow whose late subjects the server escalates itself.
SWEPT = Workflow(
    "test_sweep", initial="open", terminal={"done"},
    steps=(step("escalate", ["open"], "escalated", {SYSTEM}),
           step("finish", ["open", "escalated"], "done", {DESK})),
    timers=(Timer("answer", starts_on={"start"}, stops_on={"finish"}, limit=Limit(hours=2)),),
    on_overdue="escalate",
)


def _open_swept(plaza: Plaza, at: datetime) -> int:
    subject_id = new_id()
    with plaza.db.write() as conn:
        engine.start(conn, SWEPT, subject_id, Actor(None, frozenset({CITIZEN})), role=CITIZEN, at=at)
    return subject_id


def _state(plaza: Plaza, subject_id: int) -> str:
    with plaza.db.read() as conn:
        return engine.get(conn, SWEPT, subject_id).state


def test_only_a_step_the_server_may_take_can_be_taken_when_time_runs_out() -> None:
    with pytest.raises(DeclarationError, match="on_overdue"):
        Workflow("w", initial="a", terminal={"z"}, steps=(step("go", ["a"], "z", {DESK}),), on_overdue="go")


def test_the_sweep_escalates_each_late_subject_once_and_leaves_the_rest(plaza: Plaza) -> None:
    at = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    late, answered = _open_swept(plaza, at), _open_swept(plaza, at)
    with plaza.db.write() as conn:
        engine.apply(conn, SWEPT, answered, "finish", Actor(None, frozenset({DESK})), version=1,
                     at=at + timedelta(hours=1))
    assert engine.sweep(plaza.db, SWEPT, at + timedelta(hours=1, minutes=59)) == 0  # not yet
    assert engine.sweep(plaza.db, SWEPT, at + timedelta(hours=3)) == 1
    assert (_state(plaza, late), _state(plaza, answered)) == ("escalated", "done")
    with plaza.db.read() as conn:
        last = engine.history(conn, SWEPT, late)[-1]
        assert (last.action, last.role, last.actor_id, last.data) == ("escalate", SYSTEM, None, {"timer": "answer"})
        assert engine.timers(conn, SWEPT, late)["answer"].overdue_at == at + timedelta(hours=3)
    assert engine.sweep(plaza.db, SWEPT, at + timedelta(hours=4)) == 0  # idempotent
    with plaza.db.read() as conn:
        assert len(engine.history(conn, SWEPT, late)) == 2


def test_sweeps_running_at_once_escalate_each_subject_once(plaza: Plaza) -> None:
    at = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    subjects = [_open_swept(plaza, at) for _ in range(6)]
    sweepers = 4
    barrier = threading.Barrier(sweepers)
    marked: list[int] = []

    def one() -> None:
        barrier.wait()
        marked.append(engine.sweep(plaza.db, SWEPT, at + timedelta(hours=3)))

    threads = [threading.Thread(target=one) for _ in range(sweepers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(marked) == len(subjects)
    with plaza.db.read() as conn:
        for subject_id in subjects:
            assert [e.action for e in engine.history(conn, SWEPT, subject_id)] == ["start", "escalate"]


def test_a_running_server_sweeps_the_workflows_registered_with_it(plaza: Plaza) -> None:
    late = _open_swept(plaza, datetime.now(UTC) - timedelta(hours=3))
    engine.register(SWEPT)

    async def until_escalated() -> str:
        task = asyncio.create_task(engine.sweep_periodically(plaza.db, interval=0.05))
        try:
            for _ in range(200):
                await asyncio.sleep(0.05)
                if _state(plaza, late) == "escalated":
                    break
        finally:
            task.cancel()
        return _state(plaza, late)

    try:
        assert asyncio.run(until_escalated()) == "escalated"
    finally:
        engine._REGISTERED.pop(SWEPT.name, None)
