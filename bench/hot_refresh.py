"""Cost of a full hot-search refresh (national list + a list for every city) with 1,000,000 active
topics whose activity is spread over all the prefecture-level cities of ``plaza.regions``.

Building the state (not timed): every topic gets originals from ``--min-posters``+ trusted
accounts (so every topic is a candidate for its lists) in Zipf-chosen cities, plus Zipf-popular
extra posts, reposts, replies, likes, searches and timeline reads, fed through the recorder and
folded by a first refresh. Then, timed:

1. ``refresh`` after one more minute of traffic (``--minute-events`` activity events and
   ``--minute-reads`` reads): fold + rank + publish;
2. after another minute of traffic, ``fold`` alone, then ``refresh`` (rank + publish only, as
   when the process folds every few seconds between refreshes);
3. as a server schedules it (``plaza.hot.service``: a fold every ``FOLD_SECONDS``, a refresh
   every minute): a minute of traffic in six ten-second parts, each folded as it arrives, the
   last by the refresh itself — the refresh's time is what a refresh costs in a running server;
4. for the Redis engine, a checkpoint of the state into Redis; for the memory engine, one
   background save of its snapshot file (what ``snapshot_seconds`` repeats): the time the
   process is held (the fork) and the time until the forked child has written the file.

Memory: the process's resident set after building, and its peak (``ru_maxrss``) before and after
the timed refreshes.

    .venv/bin/python bench/hot_refresh.py --engine memory --topics 1000000
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import platform
import random
import resource
import tempfile
import time
import uuid
from pathlib import Path

from plaza import regions
from plaza.hot import MemoryEngine, RedisEngine
from plaza.hot.engine import HotEngine
from plaza.hot.service import FOLD_SECONDS


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def zipf_cdf(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (k**s) for k in range(1, n + 1)))


def feed(
    engine: HotEngine, topics: list[str], activity: int, reads: int, seed: int, base_posters: int
) -> None:
    """Record ``activity`` activity events and ``reads`` topic reads (plus, when ``base_posters``,
    that many originals for every topic) and flush."""
    rng = random.Random(seed)
    cities = [d.code for d in regions.cities()]
    city_cdf = zipf_cdf(len(cities), 0.8)
    topic_cdf = zipf_cdf(len(topics), 1.0)
    rec = engine.recorder(max_buffer=200_000)

    def city() -> str:
        return cities[bisect.bisect(city_cdf, rng.random() * city_cdf[-1])]

    def topic() -> str:
        return topics[bisect.bisect(topic_cdf, rng.random() * topic_cdf[-1])]

    trusts = (0.002, 0.25, 0.6, 1.0)
    for t in topics[: len(topics) if base_posters else 0]:
        home = city()
        for _ in range(base_posters):
            rec.original(
                [t], rng.randrange(10**7), home if rng.random() < 0.7 else city(), trust=1.0
            )
    kinds = ("original", "repost", "reply", "like", "like", "search", "click")
    for _ in range(activity):
        kind = kinds[rng.randrange(len(kinds))]
        trust = trusts[rng.randrange(4)]
        if kind in ("search", "click"):
            rec.activity(kind, [topic()], rng.randrange(10**7), city(), trust=trust)
        else:
            rec.activity(kind, [topic()], rng.randrange(10**7), city(), trust=trust)
    for _ in range(reads // 6):
        rec.read(
            tuple(topic() for _ in range(6)),
            rng.randrange(10**7),
            city(),
            trust=trusts[rng.randrange(4)],
        )
    rec.flush()


def pending_keys(engine: HotEngine) -> int:
    """Distinct keys waiting for the next fold (what a fold's cost grows with)."""
    if isinstance(engine, MemoryEngine):
        reads = sum(len(c) for c in engine._pending_reads.values())
        return reads + len(engine._pending_acts)
    if isinstance(engine, RedisEngine):
        return int(engine.r.hlen(engine._k("pending")))
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["memory", "redis"], default="memory")
    parser.add_argument("--topics", type=int, default=1_000_000)
    parser.add_argument("--min-posters", type=int, default=2, help="originals every topic gets")
    parser.add_argument(
        "--build-events", type=int, default=1_000_000, help="extra Zipf activity while building"
    )
    parser.add_argument("--build-reads", type=int, default=3_000_000)
    parser.add_argument(
        "--minute-events", type=int, default=100_000, help="activity in the timed minute"
    )
    parser.add_argument(
        "--minute-reads", type=int, default=1_000_000, help="reads in the timed minute"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    now = [1_800_000_000.0]

    def clock() -> float:
        return now[0]

    redis_engine: RedisEngine | None = None
    if args.engine == "memory":
        engine: HotEngine = MemoryEngine(clock=clock)
    else:
        redis_engine = RedisEngine(
            args.redis_url, prefix=f"plaza:bench:{uuid.uuid4().hex[:8]}:", clock=clock
        )
        redis_engine.checkpoint_seconds = 1e12  # timed separately below
        engine = redis_engine
    topics = [f"话题{i}" for i in range(args.topics)]
    base_rss = rss_mb()
    try:
        t = time.perf_counter()
        feed(engine, topics, args.build_events, args.build_reads, args.seed, args.min_posters)
        now[0] += 60
        first = engine.refresh()
        build_s = time.perf_counter() - t
        built_rss, built_peak = rss_mb(), peak_mb()
        cities_listed = sum(1 for s in first if s.city is not None)

        # a minute of traffic, folded by the refresh itself
        feed(engine, topics, args.minute_events, args.minute_reads, args.seed + 1, 0)
        keys = pending_keys(engine)
        now[0] += 60
        t = time.perf_counter()
        lists = engine.refresh()
        full_s = time.perf_counter() - t

        # another minute, folded beforehand (as folding every few seconds would): the refresh
        # ranks and publishes only
        feed(engine, topics, args.minute_events, args.minute_reads, args.seed + 2, 0)
        now[0] += 60
        t = time.perf_counter()
        engine.fold()
        fold_s = time.perf_counter() - t
        t = time.perf_counter()
        engine.refresh()
        rank_s = time.perf_counter() - t

        # as scheduled: a fold every FOLD_SECONDS, the minute's last part folded by the refresh
        parts = round(60 / FOLD_SECONDS)
        scheduled_folds: list[float] = []
        for part in range(parts):
            feed(engine, topics, args.minute_events // parts, args.minute_reads // parts,
                 args.seed + 10 + part, 0)
            now[0] += FOLD_SECONDS
            t = time.perf_counter()
            if part < parts - 1:
                engine.fold()
                scheduled_folds.append(time.perf_counter() - t)
            else:
                engine.refresh()
                scheduled_refresh_s = time.perf_counter() - t

        checkpoint_s = snapshot_mb = fork_s = None
        if redis_engine is not None:
            t = time.perf_counter()
            redis_engine._checkpoint(now[0])
            checkpoint_s = round(time.perf_counter() - t, 3)
        elif isinstance(engine, MemoryEngine):
            with tempfile.TemporaryDirectory() as tmp:
                engine.snapshot_path = Path(tmp) / "hot.snapshot"
                t = time.perf_counter()
                engine.save(background=True)
                fork_s = round(time.perf_counter() - t, 3)
                engine.wait_for_save()
                checkpoint_s = round(time.perf_counter() - t, 3)
                snapshot_mb = round(engine.snapshot_path.stat().st_size / 2**20)
                engine.snapshot_path = None
        entries = sum(len(s.entries) for s in lists)
        state = engine._state  # type: ignore[attr-defined]  # both engines keep one
        result = {
            "bench": "hot_refresh",
            "engine": args.engine,
            "topics": args.topics,
            "cities_with_a_list": sum(1 for s in lists if s.city is not None),
            "cities_listed_after_build": cities_listed,
            "entries_published": entries,
            "city_topic_pairs": sum(len(c.topic_of) for c in state.cities.values()),
            "participation_entries": len(state.parts),
            "build_s": round(build_s, 1),
            "minute_pending_keys": keys,
            "refresh_folding_a_minute_s": round(full_s, 3),
            "fold_a_minute_s": round(fold_s, 3),
            "refresh_after_fold_s": round(rank_s, 3),
            "scheduled_fold_max_s": round(max(scheduled_folds), 3),
            "scheduled_folds_per_minute_s": round(sum(scheduled_folds), 3),
            "scheduled_refresh_s": round(scheduled_refresh_s, 3),
            "checkpoint_or_snapshot_s": checkpoint_s,
            "snapshot_fork_s": fork_s,
            "snapshot_mb": snapshot_mb,
            "rss_base_mb": round(base_rss),
            "rss_after_build_mb": round(built_rss),
            "peak_rss_after_build_mb": round(built_peak),
            "peak_rss_end_mb": round(peak_mb()),
            "load_1min": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        }
        print(json.dumps(result))
    finally:
        if redis_engine is not None:
            redis_engine.clear()


if __name__ == "__main__":
    main()
