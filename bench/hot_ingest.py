"""Ingest throughput of the hot-search counting engine: events recorded and flushed per second in
one process, embedded (MemoryEngine) and through Redis (RedisEngine).

The event stream is generated before timing: timeline pages (20 posts, of which ``--topic-share``
carry a topic, so a page is a handful of topic reads), topic-page views, searches and
click-throughs, originals, reposts, replies and likes, in the proportions of ``MIX``; topics are
Zipf-distributed over ``--topics`` names; cities are the prefecture-level cities of
``plaza.regions`` with a Zipf skew toward the first; 30 % of reads are anonymous. An *event* is one
topic occurrence (a page showing three posts of one topic counts three reads).

    .venv/bin/python bench/hot_ingest.py --engine both --events 2000000
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import platform
import random
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from plaza import regions
from plaza.hot import MemoryEngine, Recorder, RedisEngine
from plaza.hot.engine import HotEngine

#: share of *calls* by kind (a timeline page is one call with several topic reads)
MIX = {
    "page": 0.80,
    "topic_page": 0.05,
    "search": 0.04,
    "click": 0.02,
    "like": 0.05,
    "original": 0.015,
    "repost": 0.01,
    "reply": 0.015,
}

Call = tuple[str, Any, int | None, str | None, float]


def zipf_cdf(n: int, s: float) -> list[float]:
    weights = [1.0 / (k**s) for k in range(1, n + 1)]
    return list(itertools.accumulate(weights))


def make_stream(events: int, topics: int, seed: int, topic_share: float) -> tuple[list[Call], int]:
    """Calls until ``events`` topic events are reached; returns (calls, events)."""
    rng = random.Random(seed)
    names = [f"话题{i}" for i in range(topics)]
    topic_cdf = zipf_cdf(topics, 1.1)
    cities = [d.code for d in regions.cities()]
    city_cdf = zipf_cdf(len(cities), 0.8)
    kinds = list(MIX)
    kind_cdf = list(itertools.accumulate(MIX.values()))
    accounts = 1_000_000
    trust_levels = [0.002, 0.05, 0.25, 0.6, 0.9, 1.0]

    def topic() -> str:
        return names[bisect.bisect(topic_cdf, rng.random() * topic_cdf[-1])]

    calls: list[Call] = []
    counted = 0
    while counted < events:
        kind = kinds[bisect.bisect(kind_cdf, rng.random() * kind_cdf[-1])]
        city = cities[bisect.bisect(city_cdf, rng.random() * city_cdf[-1])]
        anonymous = kind in ("page", "topic_page", "search") and rng.random() < 0.3
        account = None if anonymous else rng.randrange(accounts)
        trust = rng.choice(trust_levels)
        if kind == "page":
            shown = tuple(topic() for _ in range(20) if rng.random() < topic_share)
            if not shown:
                continue
            calls.append(("read", shown, account, city, trust))
            counted += len(shown)
        elif kind == "topic_page":
            calls.append(("read", (topic(),), account, city, trust))
            counted += 1
        elif kind in ("search", "click"):
            calls.append((kind, topic(), account, city, trust))
            counted += 1
        else:
            if account is None:
                account = rng.randrange(accounts)
            calls.append((kind, [topic()], account, city, trust))
            counted += 1
    return calls, counted


def run(engine: HotEngine, calls: list[Call], flush_every: int) -> tuple[float, float, float]:
    """Wall seconds to record every call (flushing every ``flush_every`` calls), of that the
    seconds spent flushing, and the process's CPU seconds for the whole run."""
    rec: Recorder = engine.recorder(max_buffer=10**9)
    methods: dict[str, Callable[..., None]] = {
        "read": rec.read,
        "search": rec.search,
        "click": rec.click,
        "original": rec.original,
        "repost": rec.repost,
        "reply": rec.reply,
        "like": rec.like,
    }
    flushing = 0.0
    cpu = time.process_time()
    start = time.perf_counter()
    for i, (kind, what, account, city, trust) in enumerate(calls, start=1):
        methods[kind](what, account, city, trust)
        if i % flush_every == 0:
            t = time.perf_counter()
            rec.flush()
            flushing += time.perf_counter() - t
    t = time.perf_counter()
    rec.flush()
    flushing += time.perf_counter() - t
    return time.perf_counter() - start, flushing, time.process_time() - cpu


def _redis_cpu(engine: RedisEngine | None) -> float:
    """CPU seconds the Redis server has used (0 without Redis)."""
    if engine is None:
        return 0.0
    info = engine.r.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["memory", "redis", "both"], default="both")
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--topics", type=int, default=100_000)
    parser.add_argument(
        "--topic-share", type=float, default=0.3, help="share of a page's posts with a topic"
    )
    parser.add_argument(
        "--flush-every",
        type=int,
        default=40_000,
        help="calls between flushes (≈ 1 s of traffic at 200,000 events/s)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the run and print the top functions"
    )
    args = parser.parse_args()

    calls, events = make_stream(args.events, args.topics, args.seed, args.topic_share)
    reads = sum(len(c[1]) for c in calls if c[0] == "read")
    print(
        f"stream: {len(calls):,} calls, {events:,} events ({reads / events:.1%} reads), "
        f"{args.topics:,} topics, {len(regions.cities())} cities, "
        f"flush every {args.flush_every:,} calls"
    )
    engines = ["memory", "redis"] if args.engine == "both" else [args.engine]
    for kind in engines:
        redis_engine: RedisEngine | None = None
        if kind == "memory":
            engine: HotEngine = MemoryEngine()
        else:
            redis_engine = RedisEngine(
                args.redis_url, prefix=f"plaza:bench:{uuid.uuid4().hex[:8]}:"
            )
            engine = redis_engine
        try:
            if args.profile:
                # bench/profile.py (py-spy helper) shadows the standard library's profile module
                here = os.path.dirname(os.path.abspath(__file__))
                sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
                seconds, flushing, cpu = run(engine, calls, args.flush_every)
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
            else:
                redis_cpu = _redis_cpu(redis_engine)
                load = os.getloadavg()[0]
                seconds, flushing, cpu = run(engine, calls, args.flush_every)
                redis_cpu = _redis_cpu(redis_engine) - redis_cpu
        finally:
            if redis_engine is not None:
                redis_engine.clear()
        result = {
            "bench": "hot_ingest",
            "engine": kind,
            "events": events,
            "calls": len(calls),
            "seconds": round(seconds, 3),
            "events_per_s": round(events / seconds),
            "events_per_cpu_s": round(events / cpu),
            "record_ns_per_event": round((seconds - flushing) / events * 1e9),
            "flush_ns_per_event": round(flushing / events * 1e9),
            "redis_cpu_s": round(redis_cpu, 3) if redis_engine is not None else None,
            "load_1min_before": round(load, 2),
            "python": platform.python_version(),
        }
        print(json.dumps(result))


if __name__ == "__main__":
    main()
