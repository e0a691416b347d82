"""Load generator: concurrent Mastodon-API clients against a running Plaza, over HTTP only.

    python bench/load.py --url http://127.0.0.1:8000 --tokens bench/out/sqlite/tokens.txt \\
        --scenario home --concurrency 32 --duration 30 --server-pid 12345

Scenarios (each virtual client signs in with its own bench token, ``Authorization: Bearer``):

* ``post``   — ``POST /api/v1/statuses`` with realistic Chinese text (30 % carry a ``#topic#``)
  and a unique ``Idempotency-Key``. Every ``--freshness-every``-th post, right after its 200, a
  follower of the author (another bench account) reads ``GET /api/v1/timelines/home?min_id=…``
  and the post must be there: the share found is reported (it must be 100 %).
* ``home``   — ``GET /api/v1/timelines/home?limit=20`` (the average number of statuses returned
  is reported, to prove the timelines are full).
* ``public`` — ``GET /api/v1/timelines/public?limit=20``.
* ``tag``    — ``GET /api/v1/timelines/tag/:name?limit=20`` for popular topics (Zipf-weighted,
  from ``meta.json`` written by ``bench/generate.py``).
* ``mixed``  — 10 % post, 60 % home, 15 % public, 15 % tag.

Requests completing in the first ``--warmup`` seconds are not counted. Latency is measured per
request with :func:`time.perf_counter` (send to full body read). A non-2xx answer or a transport
error is an error (counted by status and sampled). While the test runs, the resident memory of
the server (``--server-pid``, summed over each pid and all its children; found from the listening
port when omitted) and the CPU use of server and load generator are sampled. RSS counts the pages
of the SQLite file the workers map (``mmap_size``), so PSS and anonymous memory (heap and caches,
from ``/proc/<pid>/smaps_rollup``) are reported too.

Prints a human summary and appends one JSON line to ``--results``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

import aiohttp
import orjson
import psutil

from bench import corpus

SCENARIOS = ("post", "home", "public", "tag", "mixed")
MIXED_WEIGHTS = {"post": 0.10, "home": 0.60, "public": 0.15, "tag": 0.15}
PAGE = 20


@dataclass
class OpStats:
    """Latencies and outcomes of one kind of request, inside the measurement window."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    items: int = 0
    reads: int = 0

    def error(self, kind: str, sample: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(f"{kind}: {sample[:200]}")

    def summary(self, seconds: float) -> dict[str, Any]:
        lat = sorted(self.latencies)
        errors = sum(self.errors.values())

        def pct(q: float) -> float | None:
            if not lat:
                return None
            return round(lat[min(len(lat) - 1, max(0, round(q * len(lat)) - 1))] * 1000, 2)

        return {
            "ok": len(lat),
            "errors": errors,
            "error_kinds": dict(self.errors),
            "error_samples": self.error_samples,
            "rps": round(len(lat) / seconds, 1) if seconds > 0 else 0.0,
            "p50_ms": pct(0.50),
            "p90_ms": pct(0.90),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1] * 1000, 2) if lat else None,
            "mean_items": round(self.items / self.reads, 2) if self.reads else None,
        }


@dataclass
class Client:
    """One bench account: its id and bearer token."""

    account_id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Config:
    url: str
    tokens: Path
    meta: Path | None
    scenario: str
    concurrency: int = 32
    duration: float = 30.0
    warmup: float = 3.0
    server_pids: list[int] = field(default_factory=list)
    freshness_every: int = 10
    results: Path | None = Path("bench/out/results.jsonl")
    label: str = ""
    seed: int = 1
    timeout: float = 30.0
    driver: str = "aiohttp"


class Run:
    """One load test: shared state of the virtual clients."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.clients = load_tokens(config.tokens)
        meta_path = config.meta or config.tokens.with_name("meta.json")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        self.topics: list[str] = meta.get("popular_topics") or list(corpus.NATIONAL_TOPICS)
        self.topic_cum = corpus.zipf_cum_weights(len(self.topics), 1.0, 2.0)
        self.text_cities = [corpus.City("", name) for name in meta.get("cities", ["重庆", "北京", "上海"])]
        by_id = {c.account_id: c for c in self.clients}
        self.followers: dict[int, list[Client]] = {
            int(k): [by_id[f] for f in v if f in by_id] for k, v in meta.get("bench_followers", {}).items()
        }
        self.stats: dict[str, OpStats] = {}
        self.measure_from = 0.0
        self.measure_to = 0.0
        self.posts = 0
        self.fresh_checked = 0
        self.fresh_found = 0
        self.fresh_missing: list[str] = []
        self.wrk_totals: dict[str, Any] = {}

    def op(self, name: str) -> OpStats:
        return self.stats.setdefault(name, OpStats())

    def in_window(self, start: float, end: float) -> bool:
        return self.measure_from <= end <= self.measure_to

    async def request(self, session: aiohttp.ClientSession, name: str, method: str, path: str,
                      client: Client, **kwargs: Any) -> Any:
        """Send one request and record it; returns the decoded JSON body (None on error)."""
        headers = client.headers | kwargs.pop("headers", {})
        start = time.perf_counter()
        status, body, failure = 0, b"", ""
        try:
            async with session.request(method, self.config.url + path, headers=headers, **kwargs) as resp:
                body = await resp.read()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            failure = f"{type(exc).__name__}: {exc}"
        end = time.perf_counter()
        counted = self.in_window(start, end)
        stats = self.op(name)
        if failure or not 200 <= status < 300:
            if counted:
                stats.error(f"exc:{failure.split(':')[0]}" if failure else str(status),
                            failure or body.decode("utf-8", "replace"))
            return None
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            if counted:
                stats.error("bad_json", body.decode("utf-8", "replace"))
            return None
        if counted:
            stats.latencies.append(end - start)
            if isinstance(data, list):
                stats.items += len(data)
                stats.reads += 1
        return data

    async def post(self, session: aiohttp.ClientSession, client: Client, name: str = "post") -> None:
        text = corpus.random_post(self.rng, self.text_cities, self.topics, self.topic_cum)
        status = await self.request(
            session, name, "POST", "/api/v1/statuses", client,
            json={"status": text, "visibility": "public"},
            headers={"Idempotency-Key": uuid.uuid4().hex})
        if status is None:
            return
        self.posts += 1
        if self.config.freshness_every and self.posts % self.config.freshness_every == 0:
            await self.check_freshness(session, client, str(status.get("id", "")))

    async def check_freshness(self, session: aiohttp.ClientSession, author: Client, status_id: str) -> None:
        """A follower's home timeline must hold the post the moment its 200 arrived."""
        followers = self.followers.get(author.account_id) or [author]
        reader = self.rng.choice(followers)
        # min_id: the page immediately after the post. With since_id (the newest page above it) a
        # busy reader's feed can hold more than a page of newer posts by the time the read lands.
        after = int(status_id) - 1 if status_id.isdigit() else 0
        timeline = await self.request(session, "freshness_read", "GET",
                                      f"/api/v1/timelines/home?min_id={after}&limit=40", reader)
        if timeline is None:
            return
        self.fresh_checked += 1
        if any(str(s.get("id")) == status_id for s in timeline):
            self.fresh_found += 1
        elif len(self.fresh_missing) < 5:
            self.fresh_missing.append(f"{status_id} by {author.account_id} not in {reader.account_id}'s home")

    async def read(self, session: aiohttp.ClientSession, client: Client, kind: str) -> None:
        if kind == "home":
            path = f"/api/v1/timelines/home?limit={PAGE}"
        elif kind == "public":
            path = f"/api/v1/timelines/public?limit={PAGE}"
        else:
            name = self.rng.choices(self.topics, cum_weights=self.topic_cum)[0]
            path = f"/api/v1/timelines/tag/{quote(name, safe='')}?limit={PAGE}"
        await self.request(session, kind, "GET", path, client)

    async def virtual_client(self, session: aiohttp.ClientSession, index: int, stop_at: float) -> None:
        client = self.clients[index % len(self.clients)]
        kinds = list(MIXED_WEIGHTS)
        weights = list(MIXED_WEIGHTS.values())
        while time.perf_counter() < stop_at:
            kind = self.config.scenario
            if kind == "mixed":
                kind = self.rng.choices(kinds, weights=weights)[0]
            if kind == "post":
                await self.post(session, client)
            else:
                await self.read(session, client, kind)


class ResourceSampler:
    """Samples RSS (sum over each pid and its children) and CPU of the server processes."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.roots = [psutil.Process(pid) for pid in pids]
        self.rss_samples: list[int] = []
        self.pss_samples: list[int] = []  # proportional set size: shared pages split between sharers
        self.anon_samples: list[int] = []  # anonymous memory (heap, caches): RSS minus mapped files
        self.samples = 0
        self.cpu_seconds_start = 0.0
        self.cpu_seconds_end = 0.0

    def processes(self) -> list[psutil.Process]:
        seen: dict[int, psutil.Process] = {}
        for root in self.roots:
            try:
                for p in [root, *root.children(recursive=True)]:
                    seen[p.pid] = p
            except psutil.Error:
                continue
        return list(seen.values())

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in self.processes():
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                continue
        return total

    def sample(self) -> None:
        """RSS every call; PSS and anonymous memory (Linux ``smaps_rollup``) every fourth call."""
        self.samples += 1
        full = self.samples % 4 == 1
        rss = pss = anon = 0
        for p in self.processes():
            try:
                rss += p.memory_info().rss
                if full:
                    rollup = smaps_rollup(p.pid)
                    pss += rollup.get("Pss", 0)
                    anon += rollup.get("Anonymous", 0)
            except psutil.Error:
                continue
        if rss:
            self.rss_samples.append(rss)
        if full and pss:
            self.pss_samples.append(pss)
            self.anon_samples.append(anon)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
        self.sample()


def smaps_rollup(pid: int) -> dict[str, int]:
    """Memory totals of a process in bytes (``Rss``, ``Pss``, ``Anonymous`` …); empty off Linux."""
    values: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            key, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                values[key] = int(parts[0]) * 1024
    except OSError:
        pass
    return values


def load_tokens(path: Path) -> list[Client]:
    clients = []
    for line in path.read_text().splitlines():
        if line.strip():
            account_id, token = line.split()
            clients.append(Client(int(account_id), token))
    if not clients:
        raise SystemExit(f"no tokens in {path}")
    return clients


def find_server_pids(url: str) -> list[int]:
    """The process listening on the URL's port (and so, with its children, the server)."""
    port = urlsplit(url).port or 80
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                # uvicorn --workers: the listener may be a worker; report its supervisor instead.
                proc = psutil.Process(conn.pid)
                parent = proc.parent()
                if parent is not None and "uvicorn" in " ".join(parent.cmdline()):
                    return [parent.pid]
                return [conn.pid]
    except psutil.Error:
        pass
    return []


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "loadavg_1m": round(os.getloadavg()[0], 2)}


async def run_load(config: Config) -> dict[str, Any]:
    """Run one scenario and return its result (also printed and appended to ``config.results``)."""
    if config.scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {config.scenario!r}")
    run = Run(config)
    pids = config.server_pids or find_server_pids(config.url)
    sampler = ResourceSampler(pids) if pids else None
    connector = aiohttp.TCPConnector(limit=config.concurrency, ttl_dns_cache=300, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=config.timeout)
    me = psutil.Process()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                     json_serialize=lambda o: orjson.dumps(o).decode()) as session:
        if config.driver == "wrk":
            server_cpu, client_cpu = await _run_wrk(config, run, sampler, me, session)
        else:
            server_cpu, client_cpu = await _run_aiohttp(config, run, sampler, me, session)
    seconds = config.duration
    result: dict[str, Any] = {
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": config.label,
        "url": config.url,
        "scenario": config.scenario,
        "concurrency": config.concurrency,
        "duration_s": config.duration,
        "warmup_s": config.warmup,
        "clients": len(run.clients),
        "ops": {name: s.summary(seconds) for name, s in sorted(run.stats.items())},
        "driver": config.driver,
        "server_pids": pids,
        "rss_peak_mb": round(max(sampler.rss_samples) / 2**20, 1) if sampler and sampler.rss_samples else None,
        "rss_end_mb": round(sampler.rss_samples[-1] / 2**20, 1) if sampler and sampler.rss_samples else None,
        "pss_peak_mb": round(max(sampler.pss_samples) / 2**20, 1) if sampler and sampler.pss_samples else None,
        "anon_peak_mb": round(max(sampler.anon_samples) / 2**20, 1) if sampler and sampler.anon_samples else None,
        "server_processes": len(sampler.processes()) if sampler else None,
        "server_cpu_pct": server_cpu,
        "loadgen_cpu_pct": client_cpu,
        "machine": machine(),
    }
    if config.driver == "wrk":  # wrk measured the scenario's own operation
        w = run.wrk_totals
        ok = w["requests"] - w["errors"]
        op = result["ops"].setdefault(config.scenario, run.op(config.scenario).summary(seconds))
        op.update({"ok": ok, "errors": w["errors"], "rps": round(ok / w["seconds"], 1),
                   "p50_ms": w["p50_ms"], "p90_ms": w["p90_ms"], "p99_ms": w["p99_ms"], "max_ms": w["max_ms"],
                   "mean_items": w.get("mean_items"), "latency_from": "wrk"})
    # CPU time the server spent per successful request: unlike ops/s, robust to noisy neighbours.
    done = sum(s["ok"] for s in result["ops"].values())
    result["server_cpu_ms_per_op"] = (round(10 * server_cpu * config.duration / done, 2)
                                      if server_cpu is not None and done else None)
    if config.scenario in ("post", "mixed"):
        result["freshness"] = {
            "checked": run.fresh_checked, "found": run.fresh_found,
            "share": round(run.fresh_found / run.fresh_checked, 4) if run.fresh_checked else None,
            "missing_samples": run.fresh_missing,
        }
    print_summary(result)
    if config.results:
        config.results.parent.mkdir(parents=True, exist_ok=True)
        with config.results.open("a") as fh:
            fh.write(json.dumps(result, ensure_ascii=False) + "\n")
    return result


async def _run_aiohttp(config: Config, run: Run, sampler: ResourceSampler | None, me: psutil.Process,
                       session: aiohttp.ClientSession) -> tuple[float | None, float]:
    """Virtual clients in this process, one request at a time each."""
    start = time.perf_counter()
    run.measure_from = start + config.warmup
    run.measure_to = run.measure_from + config.duration
    stop = asyncio.Event()
    sampler_task = asyncio.create_task(sampler.run(stop)) if sampler else None
    cpu_task = asyncio.create_task(_measure_cpu(run, sampler, me))
    workers = [asyncio.create_task(run.virtual_client(session, i, run.measure_to))
               for i in range(config.concurrency)]
    await asyncio.gather(*workers)
    stop.set()
    if sampler_task:
        await sampler_task
    return await cpu_task


async def _run_wrk(config: Config, run: Run, sampler: ResourceSampler | None, me: psutil.Process,
                   session: aiohttp.ClientSession) -> tuple[float | None, float]:
    """wrk sends the load (see bench/wrkdriver.py); this process probes freshness meanwhile and
    samples the server. Load-generator CPU is wrk's plus this process's."""
    from bench import wrkdriver

    lua = wrkdriver.script(config.scenario, [c.token for c in run.clients], run.topics, run.topic_cum,
                           run.text_cities, config.seed, wrkdriver.run_id())
    loop = asyncio.get_running_loop()
    if config.warmup > 0:
        await loop.run_in_executor(None, wrkdriver.run, config.url, lua, config.concurrency, config.warmup)
    stop = asyncio.Event()
    sampler_task = asyncio.create_task(sampler.run(stop)) if sampler else None
    run.measure_from = time.perf_counter()
    run.measure_to = run.measure_from + config.duration + 60
    server0 = sampler.cpu_seconds() if sampler else 0.0
    mine0 = sum(me.cpu_times()[:2])
    measured = loop.run_in_executor(None, wrkdriver.run, config.url, lua, config.concurrency, config.duration,
                                    config.timeout)
    probe = (asyncio.create_task(_probe_freshness(run, session, stop))
             if config.scenario in ("post", "mixed") and config.freshness_every else None)
    totals, wrk_cpu = await measured
    elapsed = time.perf_counter() - run.measure_from
    server = round(100 * (sampler.cpu_seconds() - server0) / elapsed, 1) if sampler else None
    mine = round(100 * (sum(me.cpu_times()[:2]) - mine0 + wrk_cpu) / elapsed, 1)
    stop.set()
    if probe:
        await probe
    if sampler_task:
        await sampler_task
    name = config.scenario
    errors = totals["status"] + totals["connect"] + totals["read"] + totals["write"] + totals["timeout"]
    stats = run.op(name)
    stats.errors.update({k: totals[k] for k in ("status", "connect", "read", "write", "timeout") if totals[k]})
    run.wrk_totals = {"requests": totals["requests"], "seconds": totals["duration_us"] / 1e6, "errors": errors,
                      "p50_ms": totals["p50_us"] / 1000, "p90_ms": totals["p90_us"] / 1000,
                      "p99_ms": totals["p99_us"] / 1000, "max_ms": totals["max_us"] / 1000}
    if name != "post":  # statuses per page, from a sample read after the run
        kinds = ["home", "public", "tag"] if name == "mixed" else [name]
        for i in range(12):
            await run.read(session, run.clients[i % len(run.clients)], kinds[i % len(kinds)])
        samples = [run.stats[k] for k in kinds if k in run.stats and k != name]
        items = sum(s.items for s in samples) + (stats.items if name in kinds else 0)
        reads = sum(s.reads for s in samples) + (stats.reads if name in kinds else 0)
        run.wrk_totals["mean_items"] = round(items / reads, 2) if reads else None
        for k in kinds:
            if k != name:
                run.stats.pop(k, None)
    return server, mine


async def _probe_freshness(run: Run, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
    """While wrk posts, a bench account posts now and then and a follower reads its home page
    right after the 200: the post must be there."""
    authors = [c for c in run.clients if run.followers.get(c.account_id)] or run.clients
    run.config.freshness_every = 1
    i = 0
    while not stop.is_set():
        await run.post(session, authors[i % len(authors)], name="probe_post")
        i += 1
        try:
            await asyncio.wait_for(stop.wait(), timeout=0.1)
        except TimeoutError:
            continue


async def _measure_cpu(run: Run, sampler: ResourceSampler | None, me: psutil.Process) -> tuple[float | None, float]:
    """CPU used (in % of one core) by the server and by this process during the window."""
    await asyncio.sleep(max(0.0, run.measure_from - time.perf_counter()))
    server0 = sampler.cpu_seconds() if sampler else 0.0
    mine0 = sum(me.cpu_times()[:2])
    t0 = time.perf_counter()
    await asyncio.sleep(max(0.0, run.measure_to - time.perf_counter()))
    elapsed = time.perf_counter() - t0
    server = round(100 * (sampler.cpu_seconds() - server0) / elapsed, 1) if sampler else None
    mine = round(100 * (sum(me.cpu_times()[:2]) - mine0) / elapsed, 1)
    return server, mine


def print_summary(result: dict[str, Any]) -> None:
    print(f"\n== {result['scenario']} · concurrency {result['concurrency']} · {result['duration_s']}s "
          f"(+{result['warmup_s']}s warm-up) · {result['url']} {result['label']}")
    print(f"{'operation':<16}{'ok/s':>9}{'ok':>9}{'errors':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}{'items':>7}")
    for name, s in result["ops"].items():
        print(f"{name:<16}{s['rps']:>9}{s['ok']:>9}{s['errors']:>8}{_f(s['p50_ms']):>9}{_f(s['p90_ms']):>9}"
              f"{_f(s['p99_ms']):>9}{_f(s['max_ms']):>9}{_f(s['mean_items']):>7}")
        for sample in s["error_samples"]:
            print(f"    error {sample}")
    print(f"server RSS peak {result['rss_peak_mb']} MB (PSS {result['pss_peak_mb']}, anonymous {result['anon_peak_mb']}) "
          f"over {result['server_processes']} processes; "
          f"CPU server {result['server_cpu_pct']} %, load generator {result['loadgen_cpu_pct']} % (of one core); "
          f"server CPU per request {result['server_cpu_ms_per_op']} ms; load average {result['machine']['loadavg_1m']}")
    if "freshness" in result:
        f = result["freshness"]
        print(f"freshness: {f['found']}/{f['checked']} posts in a follower's home right after the 200 "
              f"({_f(None if f['share'] is None else 100 * f['share'])} %)")
        for sample in f["missing_samples"]:
            print(f"    missing {sample}")


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def parse_args(argv: Sequence[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--tokens", type=Path, required=True, help="account_id token per line")
    parser.add_argument("--meta", type=Path, default=None, help="default: meta.json next to --tokens")
    parser.add_argument("--scenario", choices=SCENARIOS, required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not counted")
    parser.add_argument("--server-pid", type=int, action="append", default=[],
                        help="server process (children included); repeatable")
    parser.add_argument("--freshness-every", type=int, default=10, help="check every K-th post (0: never)")
    parser.add_argument("--results", type=Path, default=Path("bench/out/results.jsonl"))
    parser.add_argument("--label", default="", help="free text stored with the result (backend …)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--driver", choices=("aiohttp", "wrk"), default="aiohttp",
                        help="who sends the load: Python clients here, or wrk (bench/wrkdriver.py)")
    args = parser.parse_args(argv)
    host = urlsplit(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the load generator only talks to a server on this machine (127.0.0.1)")
    return Config(url=args.url.rstrip("/"), tokens=args.tokens, meta=args.meta, scenario=args.scenario,
                  concurrency=args.concurrency, duration=args.duration, warmup=args.warmup,
                  server_pids=args.server_pid, freshness_every=args.freshness_every,
                  results=args.results, label=args.label, seed=args.seed, driver=args.driver)


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(run_load(config))
    return 0 if all(s["errors"] == 0 for s in result["ops"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
