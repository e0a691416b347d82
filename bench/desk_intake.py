"""The service desk at scale: intake through the API (routing and dedupe on) and the staff queue,
on a database of 1,000,000 cases.

    python bench/desk_intake.py [--backend sqlite|postgres] [--reuse] [--workers 2]
                                [--clients 32] [--seconds 20]

The million cases are bench/desk_metrics.py's fill (two desks, 24 months; ``--reuse`` keeps an
existing one; the cases intake files are taken back after each run, so runs start alike). Then a real ``plaza serve`` with ``--workers`` processes serves it:

* **queue** — the staff queue of each view (new, open, overdue, due soon, returned, escalated,
  dissatisfied, extension, closed, all) and with filters (department, category, county), through
  ``GET /api/plaza/v1/desks/{desk}/cases`` as the desk's operator, p50/p99 over ``--repeat``
  requests each, one at a time (and ``plaza.desk.cases.queue`` in process);
* **intake** — ``--clients`` citizens at once filing cases with ``POST /api/plaza/v1/cases`` for
  ``--seconds``: each case is routed (the desk's router, trained on the catalogue), compared with
  the open cases near it, written with its first workflow step, and its citizen notified (a direct
  post from the desk); cases/s, p50/p99, and every answer a 201;
* **floor** — a bare Starlette endpoint in its own process answering the same POST with the same
  bytes, driven by the same client: what this machine and client manage at all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from sqlalchemy import delete, func, select

from bench import desk_metrics, soaklib
from plaza.config import load_settings
from plaza.desk import cases, catalogue, desks, rollup
from plaza.desk.workflow import CASE
from plaza.identity import tokens
from plaza.instance import Plaza
from plaza.square import accounts
from plaza.storage.schema import cases as cases_table
from plaza.storage.schema import workflow_events, workflow_subjects, workflow_timers

TEXTS = (
    "{county}{road}和{road2}路口的路灯坏了好几天，晚上一片漆黑，请尽快修复。",
    "{county}{road}有个井盖松动，车一压就响，晚上吵得睡不着。",
    "{county}{road}旁边的工地晚上十一点还在施工，噪音太大了。",
    "{county}{road}小区门口垃圾堆了三天没人清运，味道很大。",
    "{county}{road}公交站台的顶棚破了，下雨天没法等车。",
    "我在{county}{road}一家饭店吃饭后腹泻，怀疑食材不新鲜，请市场监管部门查一查。",
    "{county}{road}附近的公司拖欠我们三个月工资，老板联系不上了。",
    "{county}{road}自来水发黄已经一周了，烧开了还有沉淀。",
)
ROADS = ("湖东路", "解放路", "雨山路", "佳山路", "湖北路", "红旗路", "太白大道", "采石路", "九华路", "霍里山大道")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def ms(value: float) -> float:
    return round(value * 1000, 1)


def people(plaza: Plaza, desk: desks.Desk, n: int) -> tuple[str, list[str]]:
    """A staff token for the desk and ``n`` citizens' tokens."""
    staff = accounts.find_by_username(plaza.db, "bench_desk_staff") or accounts.create(
        plaza.db, username="bench_desk_staff", display_name="服务台值班员", password=None, home_city="340500")
    from plaza.accounts import operators

    with plaza.db.write() as conn:
        operators.appoint(conn, desk.account_id, staff.id)
    staff_token = tokens.issue(plaza.db, staff.id, None, frozenset({"read", "write"}))[0]
    citizens = []
    for i in range(n):
        name = f"bench_citizen{i}"
        row = accounts.find_by_username(plaza.db, name) or accounts.create(
            plaza.db, username=name, display_name=f"市民{i}", password=None, home_city="340500")
        citizens.append(tokens.issue(plaza.db, row.id, None, frozenset({"read", "write"}))[0])
    return staff_token, citizens


async def time_queue(url: str, desk: str, staff: str, queries: list[str], repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {staff}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        for query in queries:
            took = []
            # one untimed request first: with 40 repeats the p99 is the slowest, and a fresh
            # server's first answer (its connections, statements, first imports) is not the steady state
            async with session.get(f"{url}/api/plaza/v1/desks/{desk}/cases?{query}") as response:
                await response.read()
            for _ in range(repeat):
                began = time.perf_counter()
                async with session.get(f"{url}/api/plaza/v1/desks/{desk}/cases?{query}") as response:
                    await response.read()
                    assert response.status == 200, (query, response.status)
                took.append(time.perf_counter() - began)
            out[query] = (ms(percentile(took, 0.5)), ms(percentile(took, 0.99)))
    return out


async def intake(url: str, desk: str, citizens: list[str], clients: int, seconds: float,
                 counties: list[tuple[str, str]]) -> dict[str, Any]:
    rnd = random.Random(7)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    body_sample: list[bytes] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:
        end = time.perf_counter() + seconds
        began = time.perf_counter()

        async def client(i: int) -> None:
            token = citizens[i % len(citizens)]
            while time.perf_counter() < end:
                county_code, county = counties[rnd.randrange(len(counties))]
                text = rnd.choice(TEXTS).format(county=county, road=rnd.choice(ROADS), road2=rnd.choice(ROADS))
                sent = time.perf_counter()
                async with session.post(f"{url}/api/plaza/v1/cases", json={"desk": desk, "text": text},
                                        headers={"Authorization": f"Bearer {token}"}) as response:
                    body = await response.read()
                latencies.append(time.perf_counter() - sent)
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if not body_sample:
                    body_sample.append(body)

        await asyncio.gather(*(client(i) for i in range(clients)))
        elapsed = time.perf_counter() - began
    return {"cases": statuses.get(201, 0), "statuses": statuses, "seconds": round(elapsed, 1),
            "cases_per_s": round(statuses.get(201, 0) / elapsed, 1), "p50_ms": ms(percentile(latencies, 0.5)),
            "p99_ms": ms(percentile(latencies, 0.99)), "body": body_sample[0] if body_sample else b""}


def forget(plaza: Plaza, since: datetime) -> int:
    """Take back the cases intake filed (created ``since``): their rollup share, workflow
    rows and rows, so that ``--reuse`` runs each start from the same fill. Done as the desk would
    do it, in a group commit (the rollup's changes summed once). Returns how many."""
    with plaza.db.read() as conn:
        ids = conn.execute(select(cases_table.c.id).where(cases_table.c.created_at >= since)).scalars().all()

    def job(chunk: list[int]) -> None:
        with plaza.db.write() as conn:
            for case_id in chunk:
                rollup.record(conn, rollup.contribution(conn, case_id), None)
            for table in (workflow_events, workflow_timers, workflow_subjects):
                conn.execute(delete(table).where(table.c.workflow == CASE.name, table.c.subject_id.in_(chunk)))
            conn.execute(delete(cases_table).where(cases_table.c.id.in_(chunk)))

    async def run() -> None:
        for start in range(0, len(ids), 2000):
            await plaza.db.batched(lambda chunk=ids[start:start + 2000]: job(chunk))  # type: ignore[misc]

    asyncio.run(run())
    return len(ids)


FLOOR = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from plaza.serve import event_loop, http_protocol

body = open(sys.argv[2], "rb").read()

async def answer(request):
    await request.body()
    return Response(body, status_code=201, media_type="application/json")

uvicorn.run(Starlette(routes=[Route("/api/plaza/v1/cases", answer, methods=["POST"])]), host="127.0.0.1",
            port=int(sys.argv[1]), loop=event_loop(), http=http_protocol(), log_level="warning", access_log=False)
"""


async def floor(body: bytes, work: Path, clients: int, seconds: float) -> dict[str, Any]:
    path = work / "floor-case.json"
    path.write_bytes(body)
    port = soaklib.free_port()
    server = subprocess.Popen([sys.executable, "-c", FLOOR, str(port), str(path)], cwd=soaklib.ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.post(f"{url}/api/plaza/v1/cases", json={}) as response:
                        await response.read()
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        found = await intake(url, "floor", ["x"], clients, seconds, [("000000", "")])
        return {"requests_per_s": found["cases_per_s"], "p50_ms": found["p50_ms"], "p99_ms": found["p99_ms"]}
    finally:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="use the existing fill of bench/desk_metrics.py")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    url = desk_metrics.database_url(args)
    work = desk_metrics.OUT.parent / "desk-intake"
    work.mkdir(parents=True, exist_ok=True)
    settings = load_settings(env={}, data_dir=work / "setup", database_url=url, secret_key="bench", rate_limits=False)
    if not args.reuse:
        desk_metrics.empty_database(url)
        plaza = Plaza.from_settings(settings)
        took = desk_metrics.fill(url, plaza, args.cases, datetime.now(UTC))
        print(f"filled {args.cases:,} cases (seconds: {took})")
    else:
        plaza = Plaza.from_settings(settings)
    with plaza.db.read() as conn:
        total = conn.execute(select(func.count()).select_from(cases_table)).scalar_one()
        desk = desks.all_desks(conn)[0]
        leaf = catalogue.leaves(conn, desk.id)[0]
        department = desks.departments(conn, desk)[0].username
        county = conn.execute(select(cases_table.c.county_code).where(
            cases_table.c.desk_id == desk.id, cases_table.c.county_code.is_not(None)).limit(1)).scalar()
    counties = [(code, name) for code, name in (("340503", "花山区"), ("340504", "雨山区"), ("340521", "当涂县"),
                                                 ("500103", "渝中区"), ("500105", "江北区"), ("500106", "沙坪坝区"))
                if desk.covers(code)] or [(desk.region_code, "")]
    staff, citizens = people(plaza, desk, 200)
    print(f"{total:,} cases; desk @{desk.username}; load average {os.getloadavg()[0]:.1f}")

    views = ["view=new", "view=open", "view=overdue", "view=due_soon", "view=returned", "view=escalated",
             "view=dissatisfied", "view=extension", "view=closed", "view=all", f"view=open&department={department}",
             f"view=all&category={leaf.code}", f"view=open&county={county}"]
    in_process: dict[str, tuple[float, float]] = {}
    dept_id = None
    with plaza.db.read() as conn:
        dept_id = desks.department_id(conn, desk, department)
    for query in views:
        args_ = dict(pair.split("=") for pair in query.split("&"))
        took = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            with plaza.db.read() as conn:
                cases.queue(conn, desk, view=args_["view"], department_id=dept_id if "department" in args_ else None,
                            category_id=leaf.id if "category" in args_ else None, county=args_.get("county"))
            took.append(time.perf_counter() - began)
        in_process[query] = (ms(percentile(took, 0.5)), ms(percentile(took, 0.99)))

    began = datetime.now(UTC)
    server = soaklib.PlazaProcess(work / "data", url, workers=args.workers, env={"PLAZA_RATE_LIMITS": "off"})
    server.start()
    try:
        queue = asyncio.run(time_queue(server.url, desk.username, staff, views, args.repeat))
        load_before = os.getloadavg()[0]
        found = asyncio.run(intake(server.url, desk.username, citizens, args.clients, args.seconds, counties))
        load_after = os.getloadavg()[0]
    finally:
        server.stop()
        print(f"took back the {forget(plaza, began):,} cases intake filed")
    bare = asyncio.run(floor(found.pop("body"), work, args.clients, min(args.seconds, 10.0)))

    print(f"\nqueue (p50 / p99 ms, {args.repeat} each): HTTP as the desk's operator | plaza.desk.cases.queue")
    for query in views:
        print(f"  {query:<40} {queue[query][0]:>7} / {queue[query][1]:<7} | {in_process[query][0]:>6} / "
              f"{in_process[query][1]}")
    worst = max(v[1] for v in queue.values())
    print(f"  worst p99 through HTTP: {worst} ms")
    print(f"\nintake: {json.dumps(found, ensure_ascii=False)}  (load {load_before:.1f} → {load_after:.1f})")
    print(f"floor (bare Starlette, same bytes, same client): {json.dumps(bare)}")
    ratio = found["cases_per_s"] / bare["requests_per_s"] if bare["requests_per_s"] else float("nan")
    print(f"intake / floor: {ratio:.3f}; workers {args.workers}, clients {args.clients}; "
          f"median of per-case latencies {statistics.median([found['p50_ms']]):.1f} ms")


if __name__ == "__main__":
    main()
