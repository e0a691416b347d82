"""Duplicate search among 1,000,000 stored help requests (issue 12: ≤ 20 ms per request).

    python bench/help_dedupe.py [--backend sqlite|postgres] [--requests 1000000] [--reuse] [--queries 2000]

Fills a database with ``--requests`` help requests and one source each (an emergency's shape: a
few hard-hit cities' counties hold most of them, a third still open, phones repeating as people
report again), then times, in process and one at a time:

* **dedupe** — ``plaza.help.requests.duplicates`` for a new request: the same phone (hashed; the
  request's and its merged sources'), then the newest open requests of its county compared by
  MinHash signature, the same place raising the score — p50/p99/max;
* **assess** — everything intake does before the write (place resolution, urgency, the phone's
  hash, the signature, duplicate search), p50/p99.

``--reuse`` keeps a database filled before (SQLite: ``data/bench-help/plaza.db``; PostgreSQL: the
database ``plaza_help_bench`` on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text

from bench import soaklib
from plaza import similarity
from plaza.config import load_settings
from plaza.help import requests, triage
from plaza.instance import Plaza
from plaza.storage.ids import new_id
from plaza.storage.migrate import upgrade
from plaza.storage.schema import help_requests, help_sources

KEY = b"bench-help"
#: The hard-hit places: Zhengzhou's and Xinxiang's counties (2021 floods), Chongqing's (2022 fires).
COUNTIES = ("410102", "410103", "410104", "410105", "410106", "410108", "410122", "410181", "410182", "410183",
            "410184", "410185", "410702", "410703", "410704", "410711", "410721", "410724", "410781", "410782",
            "500109", "500113", "500106", "500112", "500117", "500118", "500119", "500120", "500151", "500154")
TEXTS = (
    "{place}{n}号楼{u}单元被困，家里有{k}位老人，水已经到二楼了，断水断电，求救援！",
    "{place}附近有{k}个人被困在车里，水位还在上涨，请求冲锋舟",
    "{place}{n}栋有孕妇临产，路被淹了出不去，急需医疗帮助",
    "{place}养老院{k}十多位老人需要转移，缺饮用水和药品",
    "寻人：{place}{n}号的父亲{k}天联系不上了，最后一次是在地铁五号线",
    "{place}村里山火逼近，{k}户人家需要撤离，有老人和孩子",
    "{place}安置点缺帐篷和被子，还有{k}十人没有地方睡",
)
PLACES = ("丰产路某某小区", "金水路花园小区", "文化路幸福里", "中原路新村", "京广路阳光城", "歇马镇虎头村",
          "缙云山脚下", "北碚区澄江镇", "卫辉市城关镇", "新乡县七里营")
OPEN = ("submitted", "verified", "dispatched", "claimed", "in_progress")
CLOSED = ("published", "closed", "merged", "withdrawn", "completed", "confirmed")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def text_for(rng: random.Random) -> str:
    return rng.choice(TEXTS).format(place=rng.choice(PLACES), n=rng.randint(1, 40), u=rng.randint(1, 6),
                                    k=rng.randint(2, 9))


def phone_for(rng: random.Random) -> str:
    return f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def fill(plaza: Plaza, n: int, seed: int = 7) -> None:
    """``n`` requests with a source each, in batches (the newest last)."""
    rng = random.Random(seed)
    signatures = {}
    start = datetime(2026, 7, 1, tzinfo=UTC)
    batch = 5000
    made = 0
    began = time.perf_counter()
    while made < n:
        rows, sources = [], []
        for i in range(min(batch, n - made)):
            at = start + timedelta(seconds=(made + i) * 3)
            body = text_for(rng)
            if body not in signatures:
                signatures[body] = similarity.signature(body).hex()
            county = rng.choice(COUNTIES[:10]) if rng.random() < 0.6 else rng.choice(COUNTIES)
            phone = phone_for(rng)
            request_id = new_id(int(at.timestamp() * 1000))
            state = rng.choice(OPEN) if rng.random() < 0.3 else rng.choice(CLOSED)
            hashed = triage.phone_hash(phone, KEY)
            rows.append(dict(
                id=request_id, state=state, version=1, source="api", detected=False, need="rescue", people=3,
                vulnerable="elderly", signals="", urgency=rng.randint(10, 95), urgency_reasons="", text=body,
                public_text=body, place_text=rng.choice(PLACES), lat=None, lon=None, county_code=county,
                city_code=county[:4] + "00", place_resolved=True, contact_name="", contact_phone=phone,
                second_phone="", phone_hash=hashed, on_behalf=False, requester_id=None, source_status_id=None,
                incident_id=None, media_ids="", signature=signatures[body], sources_count=1, unreachable_count=0,
                completion_media="", needs_follow_up=False, created_at=at, updated_at=at))
            sources.append(dict(id=request_id, request_id=request_id, kind="api", contact_name="",
                                contact_phone=phone, second_phone="", phone_hash=hashed, created_at=at))
        with plaza.db.write() as conn:
            conn.execute(insert(help_requests), rows)
            conn.execute(insert(help_sources), sources)
        made += len(rows)
        if made % 100_000 < batch:
            print(f"  filled {made:,} ({time.perf_counter() - began:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    root = Path("data/bench-help").resolve()
    root.mkdir(parents=True, exist_ok=True)
    if args.backend == "sqlite":
        url = f"sqlite:///{root / 'plaza.db'}"
        if not args.reuse and (root / "plaza.db").exists():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{root / 'plaza.db'}{suffix}").unlink(missing_ok=True)
    else:
        server = "postgresql://postgres@127.0.0.1:5432"
        url = (f"{server}/plaza_help_bench" if args.reuse
               else soaklib.fresh_postgres_database(server, "plaza_help_bench"))
    settings = load_settings(env={}, data_dir=root, database_url=url, secret_key="bench", rate_limits=False)
    plaza = Plaza.from_settings(settings)
    upgrade(plaza.db.engine)
    with plaza.db.read() as conn:
        stored = conn.execute(select(func.count()).select_from(help_requests)).scalar_one()
    if stored < args.requests:
        print(f"filling {args.requests - stored:,} help requests …", flush=True)
        fill(plaza, args.requests - stored, seed=stored + 7)
        if args.backend == "postgres":
            with plaza.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE help_requests"))
                conn.execute(text("VACUUM ANALYZE help_sources"))
        else:
            with plaza.db.write() as conn:
                conn.execute(text("ANALYZE"))
    with plaza.db.read() as conn:
        stored = conn.execute(select(func.count()).select_from(help_requests)).scalar_one()
        open_now = conn.execute(select(func.count()).select_from(help_requests)
                                .where(help_requests.c.state.in_(OPEN))).scalar_one()
        known_phones = [r[0] for r in conn.execute(select(help_requests.c.contact_phone)
                                                   .where(help_requests.c.state.in_(OPEN)).limit(5000))]
    print(f"{args.backend}: {stored:,} help requests stored, {open_now:,} open")
    rng = random.Random(11)
    dedupe: list[float] = []
    assess: list[float] = []
    found = 0
    with plaza.db.read() as conn:
        for i in range(-20, args.queries):  # the first 20 untimed: the address parser's tables, statements
            timed = i >= 0
            body = text_for(rng)
            county = rng.choice(COUNTIES)
            phone = rng.choice(known_phones) if i % 4 == 0 else phone_for(rng)
            signature = similarity.signature(body)
            hashed = triage.phone_hash(phone, KEY)
            began = time.perf_counter()
            hits = requests.duplicates(conn, phone_hash=hashed, county=county, city=county[:4] + "00",
                                       signature=signature, place_text=rng.choice(PLACES))
            if timed:
                dedupe.append(time.perf_counter() - began)
                found += bool(hits)
            new = requests.NewRequest(text=body, need="rescue", contact_phone=phone,
                                      place_text=f"{'郑州市金水区' if county < '5' else '重庆市北碚区'}{rng.choice(PLACES)}")
            began = time.perf_counter()
            requests.assess(conn, new, KEY)
            if timed:
                assess.append(time.perf_counter() - began)
    for name, values in (("dedupe", dedupe), ("assess", assess)):
        print(f"{name}: p50 {statistics.median(values) * 1000:.2f} ms  p99 {percentile(values, 0.99) * 1000:.2f} ms  "
              f"max {max(values) * 1000:.2f} ms  over {len(values)}")
    print(f"duplicates found for {found}/{len(dedupe)} new requests (a quarter reuse a stored open request's phone)")
    plaza.close()


if __name__ == "__main__":
    main()
