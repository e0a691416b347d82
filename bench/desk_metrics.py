"""The desk's board and metrics at 1,000,000 cases (issue 11, Speed: ≤ 100 ms for any desk and
month): fill a database with cases, then time ``metrics.compute`` and ``board.summary`` in process
for several desks × months (the rollup, plus the cases whose share depends on the time of
reading), and the same answers through HTTP next to a floor.

    python bench/desk_metrics.py --backend sqlite              # bench/out/desk-metrics/plaza.db
    python bench/desk_metrics.py --backend postgres            # database plaza_desk_bench on 127.0.0.1
    PLAZA_DATABASE_URL=postgresql://… python bench/desk_metrics.py   # any database (emptied first)
    python bench/desk_metrics.py --backend sqlite --reuse      # time an existing fill again
    PLAZA_SQLITE_MMAP_MB=1024 python bench/desk_metrics.py --backend sqlite --reuse   # memory-mapped

The fill: two desks (@马鞍山发布 with 6 counties, @重庆发布 with 8 districts), 10 departments each,
the shipped catalogue; ``--cases`` rows written straight into ``cases`` (executemany on SQLite with
``synchronous=OFF`` on the filling connection only, ``COPY`` on PostgreSQL; then ANALYZE), spread
over the last 24 months with a daily rhythm, 60 % to the larger desk; a realistic outcome mix —
3 % declined, 4 % returned once, 92 % acknowledged and 88 % replied on time, 3 % reworked, 70 %
rated (75 % satisfied, 17 % basically, 8 % dissatisfied), recent cases still open; then the
rollup (``case_rollup``) rebuilt from them (``plaza.desk.rollup.rebuild``, timed), as after any
load behind the workflow's back. The metrics and the board read the rollup, and a few rows of
``cases``. Each case comes with its workflow history as
the server writes it (``workflow_events``: start, accept, forward, acknowledge, note, reply, rate,
close … 2 to 10 steps; its timers, running or stopped, those run out before the fill marked as the
sweep marks them; its ``workflow_subjects`` row). ``--reuse`` brings an older fill's schema up to
date and rebuilds the rollup when it is empty.

Timed: for each desk and each of ``--months`` months (the current one and earlier ones), the
figures in total and by department, category and county, and the board; ``--repeat`` times each,
p50 and p99 in ms. Then through HTTP (uvicorn in this process, one keep-alive connection, requests
one after another): ``/api/plaza/v1/desks/{desk}/metrics?period=…`` and ``/board``, beside a bare
Starlette endpoint on the same server settings returning the same bytes (the floor). EXPLAIN of
the metrics statement (by department, one desk-month) is printed for the database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import create_engine, func, select, text

from plaza.accounts.government import GovernmentProfile
from plaza.app import create_app
from plaza.clock import utcnow
from plaza.config import load_settings, normalise_database_url
from plaza.desk import board, desks, metrics, rollup
from plaza.desk.workflow import CASE, CITIZEN, DEPARTMENT, DESK
from plaza.instance import Plaza
from plaza.square import accounts
from plaza.storage.migrate import upgrade
from plaza.storage.schema import case_rollup, cases, desk_categories
from plaza.workflow.declaration import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "desk-metrics"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_DB = "plaza_desk_bench"
DESKS = (
    ("mas_fabu", "马鞍山发布", "340500", "马上办", ("340503", "340504", "340506", "340521", "340522", "340523")),
    ("cq_fabu", "重庆发布", "500000", "渝快办", ("500101", "500103", "500105", "500106", "500107", "500108",
                                              "500112", "500113")),
)
DEPARTMENT_TYPES = ("urban_management", "housing_construction", "transport", "ecology_environment", "health",
                    "public_security", "emergency_management", "culture_tourism", "market_regulation", "education")
TEXTS = ("小区门口路灯坏了一个多星期，晚上很黑，希望尽快修复。", "道路上有一个大坑，电动车经过很危险。",
         "工地夜间施工噪音扰民，影响休息。", "楼下餐馆油烟直排，窗户都不能开。", "公交站台的座椅损坏，老人没地方坐。",
         "小区垃圾清运不及时，味道很大。", "雨水井盖缺失，存在安全隐患。", "公司拖欠工资三个月，多次讨要无果。")
REPLIES = ("已安排维修人员处理，感谢您的反映。", "经核实，已责令整改。", "该问题已纳入计划，预计下月完成。")
COLUMNS = ("id", "desk_id", "source", "category_id", "urgency", "title", "text", "public_text", "address",
           "public_address", "county_code", "city_code", "anonymous", "contact_name", "contact_phone",
           "contact_email", "media_ids", "state", "version", "department_id", "co_handler_ids", "rework_count",
           "return_count", "reopen_count", "escalated", "overdue", "reject_reason", "result", "reply_text",
           "satisfaction", "fixed", "accepted_at", "forwarded_at", "acknowledged_at", "replied_at", "closed_at",
           "acknowledge_by", "resolve_by", "acknowledge_hours", "reply_hours", "acknowledged_on_time",
           "replied_on_time", "signature", "created_at", "updated_at")


# --- the fill --------------------------------------------------------------------------------------


def database_url(args: argparse.Namespace) -> str:
    if os.environ.get("PLAZA_DATABASE_URL"):
        return os.environ["PLAZA_DATABASE_URL"]
    if args.backend == "postgres":
        admin = create_engine(normalise_database_url(POSTGRES_ADMIN), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": POSTGRES_DB}).first():
                conn.execute(text(f"CREATE DATABASE {POSTGRES_DB}"))
        admin.dispose()
        return f"postgresql://postgres@127.0.0.1:5432/{POSTGRES_DB}"
    OUT.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{OUT / 'plaza.db'}"


def empty_database(url: str) -> None:
    engine = create_engine(normalise_database_url(url))
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        engine = create_engine(normalise_database_url(url))
    else:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()


def make_desks(plaza: Plaza) -> list[tuple[desks.Desk, list[int], list[int], tuple[str, ...]]]:
    """The two desks with their departments: (desk, department ids, leaf category ids, counties)."""
    made = []
    for username, name, region, topic, counties in DESKS:
        level = "provincial" if region.endswith("0000") else "prefecture"
        accounts.create(plaza.db, username=username, display_name=name, password="bench pass 12345",
                        home_city=region, kind="government",
                        government=GovernmentProfile(f"{name}办公室", region, level, "publicity", None))
        departments = []
        for i, kind in enumerate(DEPARTMENT_TYPES):
            dept = f"{username.split('_')[0]}_dept{i}"
            row = accounts.create(plaza.db, username=dept, display_name=f"{name[:2]}部门{i}", password="bench pass 12345",
                                  home_city=region, kind="government",
                                  government=GovernmentProfile(f"{name[:2]}部门{i}", region, level, kind, None))
            departments.append(int(row.id))
        with plaza.db.write() as conn:
            desk = desks.create(conn, username, topic=topic)
            for i in range(len(DEPARTMENT_TYPES)):
                desks.add_department(conn, desk, f"{username.split('_')[0]}_dept{i}")
            leaves = [int(r.id) for r in conn.execute(select(desk_categories.c.id).where(
                desk_categories.c.desk_id == desk.id, desk_categories.c.level == 3))]
        made.append((desk, departments, leaves, counties))
    return made


EVENT_COLUMNS = ("workflow", "subject_id", "seq", "action", "from_state", "to_state", "actor_id", "agency_id", "role",
                 "at", "note", "data")
TIMER_COLUMNS = ("workflow", "subject_id", "name", "started_at", "due_at", "stopped_at", "overdue_at")
SUBJECT_COLUMNS = ("workflow", "subject_id", "state", "version", "created_at", "updated_at")


class History:
    """One case's workflow as the server would have written it: its steps (``workflow_events``),
    its timers and its subject row — what a real database of this size holds beside the cases."""

    def __init__(self, case_id: int, at: datetime, source: str, now: datetime) -> None:
        self.case_id, self.now = case_id, now
        self.events: list[tuple[Any, ...]] = []
        self.timers: dict[str, list[Any]] = {}
        self.state = "submitted"
        self.at = at
        self.step("start", "submitted", None, None, CITIZEN, at, {"source": source})
        self.start_timer("accept", at, at + timedelta(days=1))

    def step(self, action: str, to: str, actor: int | None, agency: int | None, role: str, at: datetime,
             data: dict[str, Any] | None = None, note: str = "") -> None:
        self.events.append((CASE.name, self.case_id, len(self.events) + 1, action,
                            None if action == "start" else self.state, to, actor, agency, role, at, note,
                            json.dumps(data or {}, ensure_ascii=False, sort_keys=True)))
        self.state, self.at = to, at
        if to in CASE.terminal:  # a closed or rejected case's clocks all stop
            for name in self.timers:
                self.stop_timer(name, at)

    def start_timer(self, name: str, at: datetime, due: datetime) -> None:
        self.timers[name] = [CASE.name, self.case_id, name, at, due, None, None]

    def stop_timer(self, name: str, at: datetime) -> None:
        timer = self.timers.get(name)
        if timer is not None and timer[5] is None:
            timer[5] = at

    def rows(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], tuple[Any, ...]]:
        timers = []
        for t in self.timers.values():
            if t[5] is None and t[4] < self.now:  # ran out before the fill: marked, as the sweep would have
                t[6] = t[4]
            timers.append(tuple(t))
        subject = (CASE.name, self.case_id, self.state, len(self.events), self.events[0][9], self.at)
        return self.events, timers, subject


def _written(row: dict[str, Any], history: History) -> tuple[Any, ...]:
    """The case's row (in step with its history: state, version, last change) and its history's rows."""
    events, timers, subject = history.rows()
    row.update(state=history.state, version=len(events), updated_at=history.at)
    return tuple(row[c] for c in COLUMNS), events, timers, subject


def case_rows(count: int, made: list[Any], now: datetime, seed: int = 11) -> Iterator[tuple[Any, ...]]:
    """``count`` cases over the 24 months before ``now``, oldest first, ids time-ordered: each as
    (its row, its workflow events, its timers, its workflow subject)."""
    rnd = random.Random(seed)
    span = 730 * 86400.0
    start = now - timedelta(seconds=span)
    step = span / count
    for n in range(count):
        # a daily rhythm: more in the day than at night (Beijing), jitter within the slot
        at = start + timedelta(seconds=n * step + rnd.random() * step)
        desk, departments, leaves, counties = made[0] if rnd.random() < 0.6 else made[1]
        age_days = (now - at).total_seconds() / 86400
        text_ = TEXTS[rnd.randrange(len(TEXTS))]
        case_id = int(at.timestamp() * 1000) << 22 | (n & 0x3FFFFF)
        source = rnd.choice(("post", "web", "api"))
        history = History(case_id, at, source, now)
        staff = (desk.account_id, desk.account_id, DESK)
        row: dict[str, Any] = dict(
            id=case_id, desk_id=desk.id, source=source,
            category_id=rnd.choice(leaves), urgency="urgent" if rnd.random() < 0.05 else "ordinary",
            title=text_[:20], text=text_, public_text=text_, address="", public_address="",
            county_code=rnd.choice(counties) if rnd.random() < 0.9 else None, city_code=desk.region_code[:4] + "00",
            anonymous=False, contact_name="", contact_phone="", contact_email="", media_ids="", state="submitted",
            version=1, department_id=None, co_handler_ids="", rework_count=0, return_count=0, reopen_count=0,
            escalated=False, overdue=False, reject_reason=None, result=None, reply_text=None, satisfaction=None,
            fixed=None, accepted_at=None, forwarded_at=None, acknowledged_at=None, replied_at=None, closed_at=None,
            acknowledge_by=None, resolve_by=None, acknowledge_hours=None, reply_hours=None, acknowledged_on_time=None,
            replied_on_time=None, signature="", created_at=at, updated_at=at)

        if age_days < 0.05 and rnd.random() < 0.5:  # the last hour: half not looked at yet
            yield _written(row, history)
            continue
        row.update(accepted_at=at + timedelta(minutes=20))
        history.step("accept", "accepted", *staff, row["accepted_at"])
        history.stop_timer("accept", row["accepted_at"])
        if rnd.random() < 0.03:
            row.update(reject_reason="not_our_business", closed_at=at + timedelta(minutes=30))
            history.step("reject", "rejected", *staff, row["closed_at"], {"reason": "not_our_business"})
            yield _written(row, history)
            continue
        forwarded = at + timedelta(minutes=40)
        row.update(department_id=rnd.choice(departments), forwarded_at=forwarded,
                   acknowledge_by=forwarded + timedelta(days=2), resolve_by=forwarded + timedelta(days=7))
        department = (row["department_id"], row["department_id"], DEPARTMENT)
        if rnd.random() < 0.04:  # first sent elsewhere, returned as not theirs, forwarded again
            row["return_count"] = 1
            other = rnd.choice([d for d in departments if d != row["department_id"]])
            history.step("forward", "forwarded", *staff, at + timedelta(minutes=30), {"department": str(other)})
            history.step("return", "returned", other, other, DEPARTMENT, at + timedelta(minutes=35),
                         {"reason": "not_ours"}, note="不属于本部门职责")
        history.step("forward", "forwarded", *staff, forwarded, {"department": str(row["department_id"])})
        history.start_timer("acknowledge", forwarded, row["acknowledge_by"])
        history.start_timer("resolve", forwarded, row["resolve_by"])
        on_time = rnd.random() < 0.92
        ack_hours = rnd.uniform(0.2, 20) if on_time else rnd.uniform(25, 80)
        if age_days * 24 < ack_hours:
            yield _written(row, history)
            continue
        acknowledged = forwarded + timedelta(hours=ack_hours)
        row.update(acknowledged_at=acknowledged, acknowledge_hours=round(ack_hours, 3), acknowledged_on_time=on_time)
        history.step("acknowledge", "acknowledged", *department, acknowledged)
        history.stop_timer("acknowledge", acknowledged)
        history.step("note", "in_progress", *department, acknowledged + timedelta(minutes=30), note="已派人现场查看")
        on_time = rnd.random() < 0.88
        reply_hours = rnd.uniform(ack_hours + 1, 110) if on_time else rnd.uniform(125, 300)
        if age_days * 24 < reply_hours:
            yield _written(row, history)
            continue
        replied = forwarded + timedelta(hours=reply_hours)
        row.update(replied_at=replied, reply_hours=round(reply_hours, 3), replied_on_time=on_time,
                   result=rnd.choice(("resolved", "resolved", "resolved", "explained")),
                   reply_text=REPLIES[rnd.randrange(len(REPLIES))])
        history.step("reply", "replied", *department, replied, {"result": row["result"]}, note=row["reply_text"])
        history.stop_timer("resolve", replied)
        history.start_timer("rating", replied, replied + timedelta(days=7))
        if rnd.random() < 0.03:
            row["rework_count"] = 1
        if rnd.random() < 0.70 and age_days * 24 > reply_hours + 24:
            mood = rnd.random()
            satisfaction = "satisfied" if mood < 0.75 else "basically_satisfied" if mood < 0.92 else "dissatisfied"
            row.update(satisfaction=satisfaction,
                       fixed=rnd.random() < (0.9 if satisfaction != "dissatisfied" else 0.2))
            rated = replied + timedelta(days=1)
            history.step("rate", "follow_up", None, None, CITIZEN, rated,
                         {"satisfaction": satisfaction, "resolved": row["fixed"]})
            history.stop_timer("rating", rated)
            if satisfaction != "dissatisfied":
                row.update(closed_at=rated)
                history.step("close", "closed", None, None, SYSTEM, rated)
        elif age_days * 24 > reply_hours + 7 * 24:  # unrated: the sweep found the rating's time run out
            row.update(closed_at=replied + timedelta(days=7))
            history.timers["rating"][6] = row["closed_at"]
            history.step("close", "closed", None, None, SYSTEM, row["closed_at"])
        yield _written(row, history)


def fill(url: str, plaza: Plaza, count: int, now: datetime, chunk: int = 20_000) -> tuple[float, float]:
    """Write the cases with their workflow history, then rebuild the rollup: (seconds for the
    cases, seconds for the rollup)."""
    made = make_desks(plaza)
    began = time.perf_counter()
    tables = (("cases", COLUMNS), ("workflow_events", EVENT_COLUMNS), ("workflow_timers", TIMER_COLUMNS),
              ("workflow_subjects", SUBJECT_COLUMNS))

    def chunks() -> Iterator[list[list[tuple[Any, ...]]]]:
        batch: list[list[tuple[Any, ...]]] = [[], [], [], []]
        for case, events, timers, subject in case_rows(count, made, now):
            batch[0].append(case)
            batch[1].extend(events)
            batch[2].extend(timers)
            batch[3].append(subject)
            if len(batch[0]) >= chunk:
                yield batch
                batch = [[], [], [], []]
        if batch[0]:
            yield batch

    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[1]
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("PRAGMA synchronous=OFF")

        def stored(value: Any) -> Any:
            # SQLAlchemy's SQLite DateTime format, UTC
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value

        for batch in chunks():
            raw.execute("BEGIN")
            for (table, columns), rows in zip(tables, batch, strict=True):
                raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                                [tuple(stored(v) for v in r) for r in rows])
            raw.execute("COMMIT")
        raw.execute("ANALYZE")
        raw.close()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as pg:
            for batch in chunks():
                with pg.cursor() as cur:
                    for (table, columns), rows in zip(tables, batch, strict=True):
                        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
            pg.commit()
            pg.autocommit = True
            for table, _ in tables:
                pg.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - began, rebuild(plaza)


def rebuild(plaza: Plaza) -> float:
    """The rollup from the cases (then ANALYZE), in seconds."""
    began = time.perf_counter()
    with plaza.db.write() as conn:
        rows = rollup.rebuild(conn)
    with plaza.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE case_rollup" if conn.dialect.name == "postgresql" else "ANALYZE"))
    print(f"rollup: {rows:,} rows", flush=True)
    return time.perf_counter() - began


# --- timing --------------------------------------------------------------------------------------------


def ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return (round(statistics.median(ordered) * 1000, 1),
            round(ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))] * 1000, 1))


CPU: dict[str, list[float]] = {}


def time_calls(label: str, call: Callable[[], Any], repeat: int) -> list[float]:
    """Wall seconds of each call (after one warming call); this process's CPU seconds go to
    :data:`CPU` under ``label`` (robust to a busy machine, but on PostgreSQL the server's work is
    not in it)."""
    call()  # warm the caches a running server would have warm
    spent = []
    for _ in range(repeat):
        began, cpu = time.perf_counter(), time.process_time()
        call()
        spent.append(time.perf_counter() - began)
        CPU.setdefault(label, []).append(time.process_time() - cpu)
    return spent


def explain(plaza: Plaza, desk: desks.Desk, period: metrics.Period) -> str:
    now = utcnow()
    with plaza.db.read() as conn:
        query = rollup.statement(conn, desk.id, period.first, period.end, "department", now=now,
                                 aged_at=now - metrics.FIX_AGE)
        compiled = query.compile(conn, compile_kwargs={"render_postcompile": True})
        sqlite = conn.dialect.name == "sqlite"
        params = (tuple(compiled.construct_params(escape_names=False)[k] for k in compiled.positiontup or ())
                  if sqlite else compiled.params)
        if sqlite:  # as SQLAlchemy writes them
            params = tuple(v.isoformat(" ") if isinstance(v, datetime) else v.isoformat() if isinstance(v, date)
                           else v for v in params)
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        rows = conn.exec_driver_sql(prefix + str(compiled), params).all()
    return "\n".join(" | ".join(str(v) for v in r) for r in rows)


class Served:
    """A uvicorn server in a thread on a free loopback port."""

    def __init__(self, app: Any) -> None:
        import socket

        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False, lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def floor_app(bodies: dict[str, tuple[bytes, str]]) -> Any:
    """A bare Starlette endpoint answering each path+query with the bytes Plaza gave for it."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def answer(request: Request) -> Response:
        body, media = bodies[request.url.path + "?" + request.url.query]
        return Response(body, media_type=media)

    return Starlette(routes=[Route("/{path:path}", answer)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=4, help="months timed per desk (this one and earlier)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="time the existing fill")
    args = parser.parse_args()
    url = database_url(args)
    now = utcnow()
    if not args.reuse:
        empty_database(url)
    env = {"PLAZA_DATABASE_URL": url, "PLAZA_RATE_LIMITS": "off", "PLAZA_HOT": "off", "PLAZA_DATA_DIR": str(OUT / "data")}
    if os.environ.get("PLAZA_SQLITE_MMAP_MB"):  # the server's memory-mapped SQLite, when the run asks for it
        env["PLAZA_SQLITE_MMAP_MB"] = os.environ["PLAZA_SQLITE_MMAP_MB"]
    settings = load_settings(env=env)
    plaza = Plaza.from_settings(settings)
    if not args.reuse:
        seconds, rolled = fill(url, plaza, args.cases, now)
        print(f"filled {args.cases:,} cases in {seconds:.0f} s, the rollup in {rolled:.0f} s", flush=True)
    else:
        upgrade(plaza.db.engine)
        with plaza.db.read() as conn:
            empty = conn.execute(select(case_rollup.c.desk_id).limit(1)).first() is None
        if empty:
            print(f"the rollup rebuilt in {rebuild(plaza):.0f} s", flush=True)
    with plaza.db.read() as conn:
        total = conn.execute(select(func.count()).select_from(cases)).scalar_one()
        all_desks = desks.all_desks(conn)
    print(f"{plaza.db.engine.dialect.name}: {total:,} cases, desks {[d.username for d in all_desks]}")
    this_month = metrics.parse_period(None)
    periods = [this_month]
    for _ in range(args.months - 1):
        periods.append(periods[-1].previous())
    print("EXPLAIN (one desk-month):\n" + explain(plaza, all_desks[0], periods[1]))

    results: dict[str, list[float]] = {}
    for desk in all_desks:
        for period in periods:
            with plaza.db.read() as conn:
                received = metrics.compute(conn, desk, period).totals.received
            print(f"  {desk.username} {period.key}: {received:,} cases", flush=True)
            for by in (None, "department", "category", "county", "category_leaf"):
                def call(desk: desks.Desk = desk, period: metrics.Period = period, by: str | None = by) -> Any:
                    with plaza.db.read() as conn:
                        return metrics.compute(conn, desk, period, by=by)
                label = f"metrics by {by or 'total'}"
                results.setdefault(label, []).extend(time_calls(label, call, args.repeat))
        def summary(desk: desks.Desk = desk) -> Any:
            with plaza.db.read() as conn:
                return board.summary(conn, desk)
        results.setdefault("board", []).extend(time_calls("board", summary, args.repeat))
    print(f"\nin process (ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):\n"
          "| call | n | p50 | p99 | max | CPU p50 | CPU p99 |\n|---|---|---|---|---|---|---|")
    for label, spent in results.items():
        p50, p99 = ms(spent)
        c50, c99 = ms(CPU[label])
        print(f"| {label} | {len(spent)} | {p50} | {p99} | {round(max(spent) * 1000, 1)} | {c50} | {c99} |")

    # Through HTTP, beside the floor.
    app = create_app(plaza=plaza)
    served = Served(app)
    paths = [f"/api/plaza/v1/desks/{d.username}/metrics?period={p.key}&by=department" for d in all_desks
             for p in periods] + [f"/api/plaza/v1/desks/{d.username}/board?" for d in all_desks]
    bodies: dict[str, tuple[bytes, str]] = {}
    http: dict[str, list[float]] = {"metrics": [], "board": [], "floor metrics": [], "floor board": []}
    with httpx.Client(base_url=f"http://127.0.0.1:{served.port}", timeout=30) as client:
        for path in paths:
            answer = client.get(path)
            assert answer.status_code == 200, answer.text
            bodies[path] = (answer.content, answer.headers["content-type"])
            kind = "board" if "/board" in path else "metrics"
            http[kind].extend(time_calls(kind, lambda path=path: client.get(path), args.repeat))
    served.stop()
    floor = Served(floor_app(bodies))
    with httpx.Client(base_url=f"http://127.0.0.1:{floor.port}", timeout=30) as client:
        for path in paths:
            kind = "floor board" if "/board" in path else "floor metrics"
            http[kind].extend(time_calls(kind, lambda path=path: client.get(path), args.repeat))
    floor.stop()
    sizes = {k: statistics.median(len(b) for p, (b, _) in bodies.items() if ("/board" in p) == (k == "board"))
             for k in ("metrics", "board")}
    print(f"\nthrough HTTP (ms; load average {os.getloadavg()[0]:.1f}; one connection, sequential; median body metrics {sizes['metrics']:.0f} B, "
          f"board {sizes['board']:.0f} B):\n| request | n | p50 | p99 |\n|---|---|---|---|")
    for label, spent in http.items():
        p50, p99 = ms(spent)
        print(f"| {label} | {len(spent)} | {p50} | {p99} |")
    plaza.close()


if __name__ == "__main__":
    main()
