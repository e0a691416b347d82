"""Importing Weibo data into the evaluation index (issue: ≥ 20,000 Weibo posts/s).

    python bench/index_import.py [--backend sqlite|postgres] [--accounts 100] [--posts 2000]
                                 [--chunk 5000] [--reimport]

Writes ``--accounts`` weibo-crawler files of ``--posts`` weibos each (a tenth of them reposts of
another account's weibo, most with a topic, some with an @mention) into a temporary folder, then
on a fresh database (SQLite in the temporary folder; PostgreSQL: the database
``plaza_import_bench`` on 127.0.0.1, dropped and created):

* **import** — ``plaza.index.imports.import_weibo`` on the folder, as ``plaza import weibo`` runs
  it: posts/s over every post written (the originals inside reposts included), and the CPU this
  process spent on it (on a busy machine the seconds stretch, the CPU much less);
* **reimport** (``--reimport``) — the same files again: every post found and unchanged;
* **floor** — the same files parsed (orjson) and as many rows inserted into a bare table of the
  statuses' columns (no index, no key) with one executemany per chunk, one transaction each: what
  this machine and driver manage at all, so the import's figure reads as a ratio on a noisy
  machine; on PostgreSQL also with COPY (``plaza.storage.fast.insert_many``, what the import uses).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson
from sqlalchemy import Column, DateTime, MetaData, Table, Text, text

from bench import soaklib
from plaza.config import load_settings
from plaza.index.imports import import_weibo
from plaza.index.imports.records import parse_count, parse_time
from plaza.instance import Plaza
from plaza.storage import fast
from plaza.storage.migrate import upgrade

TOPICS = ("重庆山火", "一起守护这座城", "马上办", "上海防汛", "台风梅花", "其实丁真在四川", "森林防火", "早安")
PLACES = ("重庆 渝中区", "上海 黄浦区", "安徽 马鞍山", "四川 成都", "北京 东城区", "浙江 杭州", "广东 广州")
KINDS = ("发布", "公安", "气象", "消防", "文旅", "应急", "交通")
TEXTS = ("【通报】{t}今日{n}时，相关部门已赶赴现场处置，目前情况平稳。", "【提醒】{t}明天起气温下降{n}℃，请注意防寒保暖。",
         "#{topic}# 感谢每一位坚守一线的工作者，第{n}批物资已送达。", "【便民】{t}本周末{n}条公交线路调整，出行请留意。")


def write_files(folder: Path, accounts: int, posts: int, seed: int = 7) -> int:
    """weibo-crawler files; returns how many posts they hold (reposts' originals included)."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    names = [f"{PLACES[i % len(PLACES)].split()[0]}{KINDS[i % len(KINDS)]}{i}" for i in range(accounts)]
    total = 0
    for i in range(accounts):
        uid = str(3_000_000_000 + i)
        weibos = []
        for j in range(posts):
            at = start + timedelta(seconds=rng.randrange(30 * 86400))
            topic = rng.choice(TOPICS)
            body = rng.choice(TEXTS).format(t="", n=rng.randint(1, 30), topic=topic)
            mention = names[rng.randrange(accounts)] if rng.random() < 0.2 else ""
            weibo = {"user_id": int(uid), "screen_name": names[i], "id": 6_000_000_000_000_000 + i * 1_000_000 + j,
                     "bid": f"B{i}x{j}", "text": body + (f" @{mention}" if mention else ""), "article_url": "",
                     "pics": "", "video_url": "", "location": "", "created_at": at.strftime("%Y-%m-%d %H:%M:%S"),
                     "source": "微博 weibo.com", "attitudes_count": int(rng.lognormvariate(5, 1.2)),
                     "comments_count": int(rng.lognormvariate(3, 1.2)),
                     "reposts_count": rng.choice((int(rng.lognormvariate(4, 1.2)), "1.2万")),
                     "topics": topic if "#" in body else "", "at_users": mention}
            total += 1
            if rng.random() < 0.1:  # a repost: the original is another account's weibo
                k = rng.randrange(accounts)
                weibo["retweet"] = {"user_id": 3_000_000_000 + k, "screen_name": names[k],
                                    "id": 7_000_000_000_000_000 + i * 1_000_000 + j, "bid": f"R{i}x{j}",
                                    "text": f"#{topic}# 原微博第{j}条", "created_at": (at - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S"),
                                    "attitudes_count": 100, "comments_count": 10, "reposts_count": 20,
                                    "topics": topic, "at_users": ""}
                total += 1
            weibos.append(weibo)
        user = {"id": uid, "screen_name": names[i], "location": PLACES[i % len(PLACES)], "verified": True,
                "verified_type": 1 if i % 3 else -1, "verified_reason": f"{names[i]}官方微博",
                "followers_count": rng.randint(1000, 9_000_000), "description": ""}
        (folder / f"{uid}.json").write_bytes(orjson.dumps({"user": user, "weibo": weibos}))
    return total


_FLOOR_TABLE = ("CREATE TABLE bench_floor (id BIGINT, account_id BIGINT, text TEXT, spoiler_text VARCHAR(255), "
                "sensitive BOOLEAN, visibility VARCHAR(10), language VARCHAR(10), in_reply_to_id BIGINT, "
                "in_reply_to_account_id BIGINT, reblog_of_id BIGINT, city VARCHAR(6), replies_count INTEGER, "
                "reblogs_count INTEGER, favourites_count INTEGER, created_at TIMESTAMP)")
_FLOOR_INSERT = fast.Sql("INSERT INTO bench_floor VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_FLOOR_COLUMNS = ("id", "account_id", "text", "spoiler_text", "sensitive", "visibility", "language", "in_reply_to_id",
                  "in_reply_to_account_id", "reblog_of_id", "city", "replies_count", "reblogs_count",
                  "favourites_count", "created_at")


def floor(plaza: Plaza, folder: Path, chunk: int, copy: bool = False) -> tuple[int, float]:
    """Parse the same files and insert as many rows, bare: the machine's floor (``copy``: with
    COPY on PostgreSQL instead of executemany)."""
    table = Table("bench_floor", MetaData(), *(Column(name, DateTime() if name == "created_at" else Text())
                                               for name in _FLOOR_COLUMNS))
    with plaza.db.write() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_floor"))
        conn.execute(text(_FLOOR_TABLE))
    began = time.perf_counter()
    rows: list[tuple[object, ...]] = []
    written = 0
    next_id = 1

    def flush() -> None:
        nonlocal rows, written
        with plaza.db.write() as conn:
            if copy:
                fast.insert_many(conn, table, _FLOOR_COLUMNS, rows)
            else:
                fast.execute_many(conn, _FLOOR_INSERT, rows)
        written += len(rows)
        rows = []

    for path in sorted(folder.glob("*.json")):
        doc = orjson.loads(path.read_bytes())
        for weibo in doc["weibo"]:
            for record in (weibo.get("retweet"), weibo):
                if not record:
                    continue
                rows.append((next_id, 1, record["text"], "", False, "public", "zh", None, None, None, "500000",
                             parse_count(record["comments_count"]), parse_count(record["reposts_count"]),
                             parse_count(record["attitudes_count"]), parse_time(record["created_at"])))
                next_id += 1
                if len(rows) >= chunk:
                    flush()
    if rows:
        flush()
    return written, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--posts", type=int, default=2000, help="weibos per account")
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--reimport", action="store_true", help="time a second import of the same files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="plaza-import-bench-") as tmp:
        root = Path(tmp)
        folder = root / "weibo"
        folder.mkdir()
        began = time.perf_counter()
        total = write_files(folder, args.accounts, args.posts)
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"wrote {args.accounts} files, {total:,} posts, {size / 1e6:.1f} MB in {time.perf_counter() - began:.1f} s")
        if args.backend == "sqlite":
            url = f"sqlite:///{root / 'plaza.db'}"
        else:
            url = soaklib.fresh_postgres_database("postgresql://postgres@127.0.0.1:5432", "plaza_import_bench")
        settings = load_settings(env={}, data_dir=root, database_url=url, secret_key="bench", rate_limits=False)
        plaza = Plaza.from_settings(settings)
        try:
            upgrade(plaza.db.engine)
            cpu = time.process_time()
            report = import_weibo(plaza.db, [folder], default_city="110000", chunk=args.chunk)
            cpu = time.process_time() - cpu
            print(f"{args.backend} import:   {report.posts:,} posts ({report.accounts_created} accounts) in "
                  f"{report.seconds:.2f} s ({cpu:.2f} s of this process's CPU) — {report.posts_per_second:,.0f} "
                  f"posts/s; skipped {report.skipped_count}")
            if args.reimport:
                cpu = time.process_time()
                again = import_weibo(plaza.db, [folder], default_city="110000", chunk=args.chunk)
                cpu = time.process_time() - cpu
                print(f"{args.backend} reimport: {again.posts_unchanged:,} unchanged, {again.posts_created} created in "
                      f"{again.seconds:.2f} s ({cpu:.2f} s CPU) — {again.posts_per_second:,.0f} posts/s")
            written, seconds = floor(plaza, folder, args.chunk)
            print(f"{args.backend} floor:    {written:,} rows parsed and inserted bare (executemany) in "
                  f"{seconds:.2f} s — {written / seconds:,.0f} rows/s")
            print(f"import / floor: {report.posts_per_second / (written / seconds):.2f}")
            if args.backend == "postgres":
                written, seconds = floor(plaza, folder, args.chunk, copy=True)
                print(f"{args.backend} floor:    {written:,} rows parsed and inserted bare (COPY) in {seconds:.2f} s — "
                      f"{written / seconds:,.0f} rows/s")
                print(f"import / COPY floor: {report.posts_per_second / (written / seconds):.2f}")
        finally:
            plaza.close()


if __name__ == "__main__":
    main()
