"""The desk's rollup (issue 11, Speed): kept step by step, it is what a rebuild from the cases
makes, after any walk of cases through the workflow (the overdue sweep included); the figures
read from it are the metrics' definitions applied to the cases at any time of reading, its
percentiles within their documented resolution; two steps at once on cases of the same day
both count; ``plaza desk rollup rebuild`` recomputes it. Both databases."""

from __future__ import annotations

import contextlib
import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from plaza.cli import main
from plaza.clock import ManualClock, as_utc, use
from plaza.desk import cases, catalogue, desks, metrics, rollup
from plaza.desk.cases import NewCase
from plaza.desk.workflow import CASE
from plaza.errors import PlazaError
from plaza.instance import Plaza
from plaza.storage.schema import case_rollup
from plaza.storage.schema import cases as cases_table
from plaza.workflow import engine
from tests.support.desks import INFRASTRUCTURE, WAGES, MasDesk, mas_desk

HUASHAN = "马鞍山市花山区湖东路12号"  # 340503
DANGTU = "马鞍山市当涂县姑孰镇青山路8号"  # 340521
TEXTS = ("湖东路的路灯坏了一个多星期，晚上很黑", "小区门口的井盖缺失，很危险", "工地拖欠工资三个月")


def beijing(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


START = beijing("2026-11-02T08:00")


# --- a random walk of cases through the workflow ---------------------------------------------------


def _moves(row: Any, mas: MasDesk, rnd: random.Random, ids: list[int]) -> list[tuple[str, Any, dict[str, Any]]]:
    """Steps that may be taken on a case in its state, by whom, with which fields."""
    staff, citizen = mas.staff, mas.citizen
    department = {mas.cgj.id: mas.cgj_operator, mas.zjj.id: mas.zjj}.get(row.department_id, mas.cgj_operator)
    forward = ("forward", staff, {"department": rnd.choice(["mas_cgj", "mas_zjj"])} if rnd.random() < 0.5 else {})
    by_state: dict[str, list[tuple[str, Any, dict[str, Any]]]] = {
        "submitted": [("accept", staff, {} if row.category_id else {"category": rnd.choice([INFRASTRUCTURE, WAGES])}),
                      ("accept", staff, {"category": INFRASTRUCTURE}), ("accept", staff, {}),
                      ("reject", staff, {"reason": "not_our_business"}),
                      ("link_duplicate", staff, {"of": str(rnd.choice(ids))})],
        "accepted": [forward, forward, forward, ("reject", staff, {"reason": "needs_information"})],
        "returned": [forward],
        "forwarded": [("acknowledge", department, {}), ("acknowledge", department, {}),
                      ("return", department, {"note": "不属于本部门职责"}), ("escalate", staff, {})],
        "acknowledged": [("reply", department, {"text": "已处理。", "result": rnd.choice(["resolved", "explained"])}),
                         ("note", department, {"note": "已到现场"}), ("escalate", staff, {}),
                         ("request_extension", department, {"days": 2, "note": "需协调"}),
                         ("return", department, {"note": "不属于本部门职责"})],
        "in_progress": [("reply", department, {"text": "已处理。", "result": "resolved"}),
                        ("grant_extension", staff, {}), ("refuse_extension", staff, {"note": "请按期办理"})],
        "replied": [("rate", citizen, {"satisfaction": rnd.choice(["satisfied", "basically_satisfied",
                                                                    "dissatisfied"]),
                                       "resolved": rnd.random() < 0.6}),
                    ("close", staff, {}), ("rework", staff, {"note": "群众反映未解决"})],
        "follow_up": [("close", staff, {}), ("rework", staff, {"note": "群众反映未解决"})],
    }
    if row.state in ("closed", "rejected") and rnd.random() < 0.2:
        return [("reopen", citizen, {"note": "问题又出现了"})]
    return by_state.get(row.state, [])


def walk(plaza: Plaza, mas: MasDesk, clock: ManualClock, seed: int, steps: int = 300) -> Counter[str]:
    """File cases and move them at random, as many people would over some weeks; returns the
    steps taken (and sweeps run)."""
    rnd = random.Random(seed)
    ids: list[int] = []
    taken: Counter[str] = Counter()
    for _ in range(steps):
        clock.at += timedelta(hours=rnd.choice([0.1, 0.3, 0.5, 1, 2, 4, 9, 20]))
        roll = rnd.random()
        if roll < 0.1 or len(ids) < 3:
            with plaza.db.write() as conn:
                ids.append(cases.submit(conn, mas.desk, NewCase(
                    text=rnd.choice(TEXTS), source="web", category=rnd.choice([INFRASTRUCTURE, WAGES, None]),
                    address=rnd.choice([HUASHAN, DANGTU, ""]), citizen_id=mas.citizen.id)))
            taken["submit"] += 1
            continue
        if roll < 0.15:
            taken["sweep"] += engine.sweep(plaza.db, CASE) > 0
            continue
        with plaza.db.read() as conn:
            row = cases.load(conn, rnd.choice(ids))
            if row.state in ("closed", "rejected"):  # most people act on cases still open
                row = cases.load(conn, rnd.choice(ids))
        case_id = row.id
        options = _moves(row, mas, rnd, ids)
        if not options:
            continue
        action, who, fields = rnd.choice(options)
        try:
            with plaza.db.write() as conn:
                cases.act(conn, case_id, action, who.id, version=row.version, fields=fields)
            taken[action] += 1
        except PlazaError:
            taken["refused"] += 1
    return taken


def stored(plaza: Plaza) -> dict[tuple[Any, ...], tuple[tuple[int, ...], tuple[Counter[int], ...]]]:
    """The rollup's rows that count anything (a row a case left behind holds zeros)."""
    with plaza.db.read() as conn:
        rows = conn.execute(select(case_rollup)).all()
    out = {}
    for r in rows:
        counts = tuple(getattr(r, n) for n in rollup.COUNTS)
        histograms = tuple(rollup.parse(getattr(r, h)) for h in rollup.HISTOGRAMS)
        if any(counts) or any(histograms):
            out[(r.desk_id, r.dimension, str(r.day), r.member)] = (counts, histograms)
    return out


def rebuilt(plaza: Plaza, desk_id: int | None = None) -> dict[tuple[Any, ...], Any]:
    with plaza.db.write() as conn:
        rollup.rebuild(conn, desk_id)
    return stored(plaza)


@pytest.fixture
def walked(plaza: Plaza) -> Iterator[tuple[MasDesk, ManualClock, Counter[str]]]:
    mas = mas_desk(plaza)
    with use(ManualClock(START)) as clock:
        taken = walk(plaza, mas, clock, seed=11)  # type: ignore[arg-type]
        yield mas, clock, taken  # type: ignore[misc]


@pytest.mark.parametrize("seed", [3, 11])
def test_the_rollup_kept_step_by_step_is_the_one_rebuilt_from_the_cases(plaza, seed) -> None:
    mas = mas_desk(plaza)
    with use(ManualClock(START)) as clock:
        taken = walk(plaza, mas, clock, seed=seed)  # type: ignore[arg-type]
    # the walk went everywhere a case can go, the sweep's steps included
    assert {"submit", "accept", "reject", "forward", "acknowledge", "return", "reply", "rate", "close", "rework",
            "reopen", "escalate", "sweep"} <= set(taken), taken
    kept = stored(plaza)
    assert kept  # something was counted
    assert rebuilt(plaza) == kept
    assert rebuilt(plaza, mas.desk.id) == kept


# --- the figures are the definitions, whenever they are read ----------------------------------------


def by_definition(rows: list[Any], now: datetime) -> dict[str, int]:
    """metrics' definitions (its module docstring) applied to case rows, one by one."""
    now = as_utc(now)

    def passed(limit: datetime | None) -> bool:
        return limit is not None and as_utc(limit) <= now

    out: Counter[str] = Counter()
    for r in rows:
        rated = r.satisfaction is not None
        resolved = rated and r.fixed is True
        aged = as_utc(r.created_at) <= now - metrics.FIX_AGE
        out.update({
            "received": 1, "accepted": r.accepted_at is not None and r.state != "rejected",
            "ack_due": r.acknowledged_on_time is not None or passed(r.acknowledge_by),
            "ack_on_time": r.acknowledged_on_time is True,
            "reply_due": r.replied_on_time is not None or passed(r.resolve_by),
            "reply_on_time": r.replied_on_time is True, "closed": r.state == "closed", "rated": rated,
            "satisfied": r.satisfaction in metrics.SATISFIED, "replied": r.replied_at is not None or r.rework_count > 0,
            "reworked": r.rework_count > 0, "forwarded": r.forwarded_at is not None, "returned": r.return_count > 0,
            "resolved": resolved, "aged": aged, "aged_fixed": aged and resolved})
    return {key: out[key] for key in metrics.COUNTS}


def in_period(plaza: Plaza, period: metrics.Period) -> list[Any]:
    c = cases_table.c
    with plaza.db.read() as conn:
        return list(conn.execute(select(cases_table).where(c.created_at >= period.start_at,
                                                            c.created_at < period.end_at)))


def assert_hours_near(hours: metrics.Hours, values: list[float]) -> None:
    """The count exact; median and p90 off the exact ones by less than the widest bucket of the
    two values each lies between."""
    ordered = sorted(values)
    assert hours.count == len(ordered)
    for q, got in ((0.5, hours.median), (0.9, hours.p90)):
        exact = metrics.percentile(ordered, q)
        if exact is None:
            assert got is None
            continue
        at = (len(ordered) - 1) * q
        neighbours = (ordered[int(at)], ordered[min(int(at) + 1, len(ordered) - 1)])
        assert got is not None
        assert abs(got - exact) < max(rollup.resolution(v) for v in neighbours) + 0.01  # + rounding to 2 places


#: Times of reading: during the walk (limits still running), when the 4-week line falls inside
#: November (on the 10th, 12:00), and long after (every case older than 4 weeks).
READ_AT = ("2026-11-20T12:00", "2026-12-08T12:00", "2027-03-01T00:00")


def test_the_figures_read_from_the_rollup_are_the_definitions_applied_to_the_cases(plaza, walked) -> None:
    mas, _clock, _taken = walked
    period = metrics.parse_period("2026-11")
    rows = in_period(plaza, period)
    assert len(rows) >= 10
    with plaza.db.read() as conn:
        names = {mas.cgj.id: "mas_cgj", mas.zjj.id: "mas_zjj"}
        tops = {leaf.id: catalogue.find(conn, mas.desk.id, leaf.path.split("/")[0]).code
                for leaf in catalogue.all_of(conn, mas.desk.id)}
        for when in READ_AT:
            now = beijing(when)
            report = metrics.compute(conn, mas.desk, period, now=now)
            assert dict(report.totals.counts) == by_definition(rows, now), when
            assert_hours_near(report.totals.hours["acknowledge_hours"],
                              [r.acknowledge_hours for r in rows if r.acknowledge_hours is not None])
            assert_hours_near(report.totals.hours["reply_hours"],
                              [r.reply_hours for r in rows if r.reply_hours is not None])
            for by, key_of in (("department", lambda r: names.get(r.department_id)),
                               ("category", lambda r: tops.get(r.category_id)),
                               ("county", lambda r: r.county_code)):
                groups = {g.key: dict(g.figures.counts) for g in metrics.compute(conn, mas.desk, period, by=by,
                                                                                 now=now).groups}
                expected: dict[Any, list[Any]] = {}
                for r in rows:
                    expected.setdefault(key_of(r), []).append(r)
                assert groups == {k: by_definition(v, now) for k, v in expected.items()}, (by, when)
    # the readings differ where time matters: limits ran out between them, and the 4-week line fell
    # inside the period for the second one (some cases aged, not all)
    first, second, last = (by_definition(rows, beijing(when)) for when in READ_AT)
    assert first["reply_due"] < last["reply_due"] and first["ack_due"] < last["ack_due"]
    assert 0 < second["aged"] < len(rows)


def test_a_case_awaiting_outside_the_working_states_still_falls_due(plaza) -> None:
    """Rows loaded straight into ``cases`` may await acknowledgement in any state: counted all the same."""
    mas = mas_desk(plaza)
    with use(ManualClock(beijing("2026-11-02T09:00"))) as clock:
        with plaza.db.write() as conn:
            case_id = cases.submit(conn, mas.desk, NewCase(text=TEXTS[0], source="web", category=INFRASTRUCTURE,
                                                          address=HUASHAN, citizen_id=mas.citizen.id))
            cases.act(conn, case_id, "accept", mas.staff.id, version=1, fields={})
            cases.act(conn, case_id, "forward", mas.staff.id, version=2, fields={})
        clock.at = beijing("2026-11-10T09:00")  # its limits have passed
    with plaza.db.write() as conn:
        conn.execute(update(cases_table).where(cases_table.c.id == case_id).values(state="follow_up"))
        rollup.rebuild(conn)
    with plaza.db.read() as conn:
        totals = metrics.compute(conn, mas.desk, metrics.parse_period("2026-11"),
                                 now=beijing("2026-11-10T09:00")).totals
    assert totals.rate("on_time_acknowledgement_rate").denominator == 1
    assert totals.rate("on_time_reply_rate").denominator == 1


def test_a_case_received_just_after_beijing_midnight_falls_due_in_its_own_month(plaza) -> None:
    """00:10 on 1 December in Beijing is still 30 November in UTC, as times are stored."""
    mas = mas_desk(plaza)
    with use(ManualClock(beijing("2026-12-01T00:10"))) as clock:
        with plaza.db.write() as conn:
            case_id = cases.submit(conn, mas.desk, NewCase(text=TEXTS[0], source="web", category=INFRASTRUCTURE,
                                                          address=HUASHAN, citizen_id=mas.citizen.id))
            cases.act(conn, case_id, "accept", mas.staff.id, version=1, fields={})
            cases.act(conn, case_id, "forward", mas.staff.id, version=2, fields={})
        clock.at = beijing("2026-12-20T09:00")  # never acknowledged nor answered: both limits passed

    def due(period: str) -> tuple[int, int]:
        with plaza.db.read() as conn:
            totals = metrics.compute(conn, mas.desk, metrics.parse_period(period),
                                     now=beijing("2026-12-20T09:00")).totals
        return (totals.rate("on_time_acknowledgement_rate").denominator,
                totals.rate("on_time_reply_rate").denominator)

    assert due("2026-12") == (1, 1) and due("2026-12-01") == (1, 1)
    assert due("2026-11") == (0, 0) and due("2026-11-30") == (0, 0)


# --- percentiles -------------------------------------------------------------------------------------


@given(st.lists(st.floats(min_value=0, max_value=2000, allow_nan=False), min_size=1, max_size=60),
       st.sampled_from([0.1, 0.5, 0.9, 0.99]))
def test_a_percentile_from_the_histogram_is_within_its_documented_resolution(values, q) -> None:
    histogram = Counter(rollup.bucket_of(v) for v in values)
    ordered = sorted(values)
    exact = metrics.percentile(ordered, q)
    at = (len(ordered) - 1) * q
    neighbours = (ordered[int(at)], ordered[min(int(at) + 1, len(ordered) - 1)])
    got = rollup.quantile(histogram, q)
    assert exact is not None and got is not None
    assert abs(got - exact) < max(rollup.resolution(v) for v in neighbours)


def test_buckets_are_a_quarter_hour_below_two_hours_then_eight_per_doubling() -> None:
    assert rollup.resolution(0.1) == rollup.resolution(1.9) == 0.25
    assert rollup.resolution(2.0) == pytest.approx(2 * (2 ** (1 / 8) - 1))
    assert rollup.resolution(100) / 100 < 2 ** (1 / 8) - 1 + 1e-9
    assert rollup.bucket_of(5000) == len(rollup.EDGES) - 1 and rollup.quantile({rollup.bucket_of(5000): 1}, 0.5) == 2048
    assert rollup.parse(rollup.render({3: 2, 40: 1})) == {3: 2, 40: 1}
    assert rollup.parse("3:2,40:1,3:1") == {3: 3, 40: 1}


# --- two steps at once --------------------------------------------------------------------------------


def test_two_steps_at_once_on_cases_of_the_same_day_both_count(plaza, monkeypatch) -> None:
    mas = mas_desk(plaza)
    postgres = plaza.db.engine.dialect.name == "postgresql"
    with use(ManualClock(beijing("2026-11-02T09:00"))) as clock:
        ids = []
        for _ in range(2):
            with plaza.db.write() as conn:
                case_id = cases.submit(conn, mas.desk, NewCase(text=TEXTS[0], source="web", category=INFRASTRUCTURE,
                                                              address=HUASHAN, citizen_id=mas.citizen.id))
                cases.act(conn, case_id, "accept", mas.staff.id, version=1, fields={})
                cases.act(conn, case_id, "forward", mas.staff.id, version=2, fields={})
            ids.append(case_id)
        clock.at = beijing("2026-11-02T10:00")
        if postgres:
            # Both transactions have written their case and read its contribution before either
            # adds to the rollup: a read-then-write of the rollup would lose one of them.
            both = threading.Barrier(2, timeout=10)
            record = rollup.record

            def together(conn: Any, before: Any, after: Any) -> None:
                if before is not None and after is not None and before.counts != after.counts:
                    both.wait()
                record(conn, before, after)

            monkeypatch.setattr(rollup, "record", together)
        failures: list[BaseException] = []

        def acknowledge(case_id: int) -> None:
            try:
                with plaza.db.write() as conn:
                    cases.act(conn, case_id, "acknowledge", mas.cgj_operator.id, version=3, fields={})
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

        threads = [threading.Thread(target=acknowledge, args=(i,)) for i in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        monkeypatch.undo()
    assert not failures
    kept = stored(plaza)
    total = kept[(mas.desk.id, "total", "2026-11-02", "")]
    counts = dict(zip(rollup.COUNTS, total[0], strict=True))
    assert counts["ack_decided"] == counts["ack_on_time"] == 2 and counts["ack_pending"] == 0
    assert sum(total[1][0].values()) == 2  # both hours in the histogram
    assert rebuilt(plaza) == kept


# --- the command -------------------------------------------------------------------------------------


def test_rollup_rebuild_recounts_cases_loaded_behind_its_back(plaza, database_url, tmp_path: Path) -> None:
    mas = mas_desk(plaza)
    with use(ManualClock(beijing("2026-11-02T09:00"))):
        for text in TEXTS:
            with plaza.db.write() as conn:
                cases.submit(conn, mas.desk, NewCase(text=text, source="web", citizen_id=mas.citizen.id))
    kept = stored(plaza)
    with plaza.db.write() as conn:
        conn.execute(delete(case_rollup))
    november = metrics.parse_period("2026-11")

    def received() -> int:
        with plaza.db.read() as conn:
            return metrics.compute(conn, desks.get(conn, "mas_fabu"), november).totals.received

    assert received() == 0
    env = {"PLAZA_DATA_DIR": str(tmp_path / "cli-data"), "PLAZA_DATABASE_URL": database_url, "PLAZA_LOCALE": "en"}
    done = CliRunner().invoke(main, ["desk", "rollup", "rebuild", "--desk", "mas_fabu"], env=env)
    assert done.exit_code == 0, done.output
    assert "from 3 cases" in done.output
    assert received() == 3 and stored(plaza) == kept
    assert CliRunner().invoke(main, ["desk", "rollup", "rebuild", "--desk", "nobody"], env=env).exit_code == 1


def test_a_group_commits_changes_are_written_once_and_a_failed_job_takes_its_own_along(plaza, monkeypatch) -> None:
    import asyncio

    from plaza.errors import Invalid

    mas = mas_desk(plaza)
    writes: list[int] = []
    real_write = rollup._write
    monkeypatch.setattr(rollup, "_write", lambda conn, changes: (writes.append(len(changes)), real_write(conn, changes)))
    with plaza.db.write() as conn:  # outside a batch: written at once
        case_id = cases.submit(conn, mas.desk, NewCase(text="雨山区佳山路井盖丢了", citizen_id=mas.citizen.id))
    assert len(writes) == 1

    async def scenario() -> None:
        async def one(i: int) -> None:
            def job() -> None:
                with plaza.db.write() as conn:
                    cases.submit(conn, mas.desk, NewCase(text=f"花山区湖东路第{i}盏路灯坏了", citizen_id=mas.citizen.id))
                    if i % 3 == 0:  # refused after its case and its share were made: both undone
                        raise Invalid("case_text_missing")
                    if i == 1:
                        cases.act(conn, case_id, "accept", mas.staff.id, version=1, fields={})

            with contextlib.suppress(Invalid):
                await plaza.db.batched(job)

        await asyncio.gather(*(one(i) for i in range(12)))

    writes.clear()
    asyncio.run(scenario())
    with plaza.db.read() as conn:
        assert len(conn.execute(select(cases_table.c.id)).all()) == 1 + 8
    assert 1 <= len(writes) < 9  # one write per group commit, not one per filing
    assert stored(plaza) == rebuilt(plaza)
