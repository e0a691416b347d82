"""The soak test's engine: a real ``plaza serve`` process, and many simulated people
(``bench/soakpeople.py``) using it at once — browsers with cookies and CSRF tokens, apps with
OAuth tokens — while a probe checks it answers throughout.

``bench/soak.py`` runs it for minutes with 200 users and judges the bars of issue 10;
``tests/test_soak.py`` runs it briefly in the suite. Both use what is here, so the two never
drift apart:

* :class:`PlazaProcess` — the demo loaded by ``plaza demo load`` into a fresh database (SQLite
  in its own data folder, or PostgreSQL in a database or schema of its own), then ``plaza
  serve`` in its own process group; :meth:`PlazaProcess.stop` sends SIGTERM and times the exit.
* :func:`run_users` — a burst of simultaneous web sign-ins and a read right after it, then the
  people arriving, with more bursts every so often; a probe reading the public timeline every
  second; the client's own CPU and event-loop lag, to see it was not the bottleneck.
* :func:`verdict` and :func:`report` — the bars and the human summary.

Everything talks HTTP to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
import psutil

from bench.load import ResourceSampler, machine
from bench.soakpeople import (
    Answer,
    App,
    Browser,
    KindStats,
    Recorder,
    milliseconds,
    percentile,
    read_catalogue,
    register_app,
    sign_in_burst,
)

ROOT = Path(__file__).resolve().parent.parent
#: Rate limits for a soak run: high enough that hundreds of people behind one address (the
#: load generator) are never refused, while the limiter itself still runs on every request.
RAISED_RATE_LIMITS = {
    "PLAZA_RATE_LIMIT_SIGN_IN": "1000000/minute",
    "PLAZA_RATE_LIMIT_SIGN_UP": "1000000/minute",
    "PLAZA_RATE_LIMIT_POSTING": "1000000/minute",
}
PROBE_PATH = "/api/v1/timelines/public?limit=1"


# --- the run's settings ---------------------------------------------------------------------------


@dataclass
class SoakConfig:
    """What one soak run does. Durations in seconds."""

    users: int = 200
    #: Seconds the people use Plaza, after the first burst.
    duration: float = 300.0
    #: Share of the users that are browsers; the rest are Mastodon apps.
    browsers: float = 0.5
    #: Mean think time between one person's requests (exponential, so many overlap).
    think: float = 2.0
    #: A request not answered within this many seconds counts as unanswered.
    timeout: float = 10.0
    #: The same for sign-ins (web and password grant), whose Argon2 queues when CPU is short
    #: (0: ``timeout``).
    sign_in_timeout: float = 0.0
    #: Simultaneous web sign-ins at the start, and in every later burst.
    burst: int = 12
    #: Seconds between later bursts (0: only the one at the start); they add password grants.
    burst_every: float = 60.0
    #: Seconds over which the users arrive (after the first burst): 200 people signing in within
    #: a few seconds would be a burst of Argon2 far beyond the ones asked for.
    ramp: float = 60.0
    #: Requests a browser makes between signing in and signing out (at random in this range).
    session_steps: tuple[int, int] = (10, 40)
    seed: int = 1

    def accounts_needed(self) -> int:
        """Demo citizens the run signs in as: one per user, plus the bursts' own."""
        return self.users + self.burst + self.burst // 2


# --- the database and the server ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _admin(url: str, *statements: str) -> None:
    """Run statements in autocommit (``CREATE DATABASE`` refuses a transaction)."""
    from sqlalchemy import create_engine, text

    from plaza.config import normalise_database_url

    engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def _plain_name(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"not a plain name: {name!r}")
    return name


def fresh_postgres_database(server_url: str, name: str) -> str:
    """Drop and create database ``name`` on ``server_url`` (through its ``postgres`` database);
    returns the new database's URL."""
    name = _plain_name(name)
    server_url = server_url.rstrip("/")
    _admin(server_url + "/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
           f"CREATE DATABASE {name}")
    return f"{server_url}/{name}"


def fresh_postgres_schema(database_url: str, schema: str) -> str:
    """Drop and create ``schema`` in ``database_url``; returns a URL whose connections use it."""
    schema = _plain_name(schema)
    _admin(database_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in database_url else "?"
    return f"{database_url}{sep}options=-csearch_path%3D{schema}"


def drop_postgres_schema(database_url: str, schema: str) -> None:
    _admin(database_url, f"DROP SCHEMA IF EXISTS {_plain_name(schema)} CASCADE")


@dataclass
class StopResult:
    """How the server went away after SIGTERM."""

    seconds: float  # until the server and all its workers were gone (or killed)
    killed: bool  # it did not stop by itself and was killed with SIGKILL
    returncode: int | None


class PlazaProcess:
    """``plaza serve`` in its own process group, on a data folder and a database of its own.

    The server's environment is the caller's minus its ``PLAZA_*`` settings (the suite), or with
    them (``inherit``: the bench, where ``PLAZA_REDIS_URL`` may be wanted); then ``env``."""

    def __init__(self, data_dir: Path, database_url: str, *, workers: int = 1,
                 env: dict[str, str] | None = None, inherit: bool = False, port: int = 0) -> None:
        self.data_dir = data_dir
        self.workers = workers
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if inherit or not k.startswith("PLAZA_")}
        self.env.update({"PLAZA_DATA_DIR": str(data_dir), "PLAZA_DATABASE_URL": database_url,
                         "PLAZA_HOST": "127.0.0.1", "PLAZA_PORT": str(self.port),
                         "PLAZA_SECRET_KEY": "plaza-soak-secret", **(env or {})})
        self.log_path = data_dir.parent / f"{data_dir.name}-server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def _plaza(self, *args: str) -> list[str]:
        return [python(), "-m", "plaza.cli", *args]

    def load_demo(self, citizens: int, posts: int, seed: int = 2022) -> float:
        """``plaza demo load`` (it migrates the database first); returns the seconds it took."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        done = subprocess.run(
            self._plaza("demo", "load", "--quiet", "--seed", str(seed), "--citizens", str(citizens),
                        "--posts", str(posts)),
            env=self.env, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"plaza demo load failed ({done.returncode}):\n"
                               f"{done.stdout}\n{done.stderr}")
        return time.monotonic() - start

    def start(self, timeout: float = 90.0) -> None:
        """Start serving; returns once ``/api/v1/instance`` answers 200."""
        import urllib.request

        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self._plaza("serve", "--workers", str(self.workers), "--no-access-log",
                            "--log-level", "warning"),
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"plaza serve exited ({self.process.returncode}):\n"
                                   f"{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/instance", timeout=2) as resp:
                    if resp.status == 200:
                        time.sleep(0.5 if self.workers == 1 else 1.5)  # every worker listening
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"plaza serve did not answer within {timeout:.0f} s:\n{self.output()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self, kill_after: float = 30.0) -> StopResult:
        """SIGTERM to the server (the supervisor, which stops its workers, as a service manager
        would), then wait until it and every process of its group are gone; SIGKILL the group
        after ``kill_after`` seconds."""
        assert self.process is not None
        start = time.monotonic()
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
        killed = False
        while self.process.poll() is None or _group_alive(self.process.pid):
            if time.monotonic() - start > kill_after:
                self.kill()
                killed = True
                break
            time.sleep(0.1)
        return StopResult(seconds=round(time.monotonic() - start, 2), killed=killed,
                          returncode=self.process.returncode)

    def kill(self) -> None:
        """Gone, whatever state it is in (the clean-up)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process of the group remains: a worker outliving its
    supervisor still holds the port."""
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                return True
        except (ProcessLookupError, psutil.Error):
            continue
    return False


# --- watching the server and the client -----------------------------------------------------------


class Probe:
    """An anonymous read of the public timeline every second, each on its own (one that hangs
    does not delay the next)."""

    def __init__(self, recorder: Recorder, session: aiohttp.ClientSession) -> None:
        self.recorder = recorder
        self.session = session
        self.answered_at: list[float] = []
        self.started_at = self.ended_at = time.monotonic()

    async def one(self) -> None:
        answer = await self.recorder.send(self.session, "probe", "GET", PROBE_PATH)
        if answer.status == 200:
            self.answered_at.append(time.monotonic())

    async def run(self, stop: asyncio.Event) -> None:
        self.started_at = time.monotonic()
        sent: list[asyncio.Task[None]] = []
        while not stop.is_set():
            sent.append(asyncio.create_task(self.one()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
        await asyncio.gather(*sent)
        self.ended_at = time.monotonic()

    def longest_silence(self) -> float:
        """The longest stretch of the run without a successful probe answer (seconds)."""
        moments = [self.started_at, *sorted(self.answered_at), self.ended_at]
        return round(max(b - a for a, b in itertools.pairwise(moments)), 2)


class LoopLag:
    """How late the client's event loop wakes up: when it is late, the client (or the machine),
    not the server, is slowing requests down."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.lags: list[float] = []

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.lags.append(max(0.0, time.perf_counter() - start - self.interval))

    def summary(self) -> dict[str, float | None]:
        lags = sorted(self.lags)
        return {"loop_lag_p99_ms": milliseconds(percentile(lags, 0.99)),
                "loop_lag_max_ms": milliseconds(lags[-1] if lags else None)}


def _cpu_seconds() -> float:
    """CPU time this process has used (the load generator's cost)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- one run --------------------------------------------------------------------------------------


Say = Callable[[str], None]


@dataclass
class _Meters:
    """What watches a run besides the people: the probe, the loop lag, the server's CPU."""

    recorder: Recorder
    probe: Probe
    lag: LoopLag
    sampler: ResourceSampler | None
    started: float = 0.0
    cpu0: float = 0.0
    server_cpu0: float = 0.0
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def start(self) -> None:
        self.started = time.monotonic()
        self.cpu0 = _cpu_seconds()
        self.server_cpu0 = self.sampler.cpu_seconds() if self.sampler else 0.0
        watchers = [self.lag.run(self.stop), self.probe.run(self.stop)]
        if self.sampler is not None:
            watchers.append(self.sampler.run(self.stop))
        self.tasks = [asyncio.create_task(w) for w in watchers]

    async def finish(self) -> dict[str, Any]:
        elapsed = time.monotonic() - self.started
        cpu = _cpu_seconds() - self.cpu0
        server_cpu = self.sampler.cpu_seconds() - self.server_cpu0 if self.sampler else None
        self.stop.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        rss = self.sampler.rss_samples if self.sampler else []
        pss = self.sampler.pss_samples if self.sampler else []
        return {
            "seconds": round(elapsed, 1),
            "client": {"cpu_pct": round(100 * cpu / elapsed, 1), **self.lag.summary()},
            "server": {
                "cpu_pct": None if server_cpu is None else round(100 * server_cpu / elapsed, 1),
                "rss_peak_mb": round(max(rss) / 2**20) if rss else None,
                "pss_peak_mb": round(max(pss) / 2**20) if pss else None,
            },
        }


async def run_users(base_url: str, config: SoakConfig, server_pids: Sequence[int] = (),
                    say: Say = print) -> dict[str, Any]:
    """The soak, against a running Plaza: the burst and a read right after it, then every user
    until the duration is over (with a burst every ``burst_every`` seconds). Returns what was
    measured (see :func:`summarise`)."""
    rng = random.Random(config.seed)
    recorder = Recorder(base_url, config.timeout, config.sign_in_timeout)
    # Idle connections are dropped before the server's keep-alive timeout (uvicorn: 5 s) ends
    # them, so no request goes out on a connection the server is closing at that moment.
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=3)
    plain = aiohttp.ClientSession(connector=connector, connector_owner=False,
                                  cookie_jar=aiohttp.DummyCookieJar(),
                                  json_serialize=lambda o: orjson.dumps(o).decode())
    browsers: list[Browser] = []
    meters = _Meters(recorder, Probe(recorder, plain), LoopLag(),
                     ResourceSampler(list(server_pids)) if server_pids else None)
    try:
        catalogue = await read_catalogue(plain, base_url)
        client = await register_app(plain, base_url)
        accounts = (f"citizen_{n:05d}" for n in itertools.count(1))

        def browser() -> Browser:
            person = Browser(connector, recorder, catalogue, next(accounts),
                             random.Random(rng.random()), config.think,
                             session_steps=config.session_steps)
            browsers.append(person)
            return person

        def app() -> App:
            return App(plain, client, recorder, catalogue, next(accounts),
                       random.Random(rng.random()), config.think)

        on_the_web = round(config.users * config.browsers)
        people = [browser() if i < on_the_web else app() for i in range(config.users)]
        burst_browsers = [browser() for _ in range(config.burst)]
        burst_apps = [app() for _ in range(config.burst // 2)]
        meters.start()

        # The failure of the report: a dozen browsers signing in at the same moment, then a read.
        say(f"burst: {len(burst_browsers)} simultaneous web sign-ins")
        await sign_in_burst(burst_browsers, [])
        after = await recorder.send(plain, "read_after_burst", "GET",
                                    "/api/v1/timelines/public?limit=20")
        say(f"read right after the burst: {after.status or 'no answer'} in {after.seconds:.2f} s")
        until = time.monotonic() + config.duration

        async def arrive(person: Browser | App) -> None:
            await asyncio.sleep(rng.uniform(0, config.ramp))
            await person.run(until)

        async def bursts() -> None:
            while config.burst_every > 0:
                await asyncio.sleep(config.burst_every)
                if time.monotonic() + config.timeout < until:
                    await sign_in_burst(burst_browsers, burst_apps)

        async def progress(every: float = 30.0) -> None:
            last = 0
            while True:
                await asyncio.sleep(every)
                done = recorder.total()
                say(f"  {time.monotonic() - meters.started:5.0f} s: {done} requests "
                    f"({(done - last) / every:.0f}/s), {recorder.in_flight} in flight")
                last = done

        side = [asyncio.create_task(bursts()), asyncio.create_task(progress())]
        await asyncio.gather(*(arrive(p) for p in people))
        for task in side:
            task.cancel()
        await asyncio.gather(*side, return_exceptions=True)
        measured = await meters.finish()
    finally:
        meters.stop.set()
        await asyncio.gather(*meters.tasks, return_exceptions=True)
        for person in browsers:
            await person.close()
        await plain.close()
        await connector.close()
    return summarise(recorder, meters.probe, config, measured, after)


def summarise(recorder: Recorder, probe: Probe, config: SoakConfig, measured: dict[str, Any],
              after_burst: Answer) -> dict[str, Any]:
    """Per kind of request and overall (the probe apart): counts, statuses, latencies; the
    probe, the client, the server."""
    overall = KindStats()
    for name, stats in recorder.kinds.items():
        if name != "probe":
            overall.merge(stats)
    total = overall.summary()
    del total["samples"]
    probe_stats = recorder.stats("probe").summary()
    seconds = measured["seconds"]
    return {
        "config": asdict(config),
        "kinds": {name: recorder.kinds[name].summary() for name in sorted(recorder.kinds)},
        "overall": total,
        "requests_per_s": round(total["count"] / seconds, 1) if seconds else None,
        "max_in_flight": recorder.max_in_flight,
        "read_after_burst": {"status": after_burst.status,
                             "seconds": round(after_burst.seconds, 3)},
        "probe": {"count": probe_stats["count"], "failed": probe_stats["count"] - probe_stats["ok"],
                  "max_ms": probe_stats["max_ms"], "longest_silence_s": probe.longest_silence()},
        **measured,
        "machine": machine(),
    }


# --- the bars -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bars:
    """Issue 10's bars for a soak run."""

    p999_seconds: float = 2.0
    stop_seconds: float = 10.0


def verdict(result: dict[str, Any], bars: Bars = Bars()) -> list[str]:
    """What failed the bars (empty: the run passed): any 5xx, any request unanswered, p99.9
    over the bar, a slow or missing stop on SIGTERM."""
    failures = []
    overall, probe = result["overall"], result["kinds"].get("probe", KindStats().summary())
    errors_5xx = overall["errors_5xx"] + probe["errors_5xx"]
    if errors_5xx:
        failures.append(f"{errors_5xx} answers were 5xx")
    unanswered = sum(s["timeouts"] + s["transport_errors"] for s in (overall, probe))
    if unanswered:
        failures.append(f"{unanswered} requests got no answer within "
                        f"{result['config']['timeout']:.0f} s")
    if overall["p999_ms"] is not None and overall["p999_ms"] > bars.p999_seconds * 1000:
        failures.append(f"p99.9 latency {overall['p999_ms'] / 1000:.2f} s "
                        f"> {bars.p999_seconds:.0f} s")
    stop = result.get("stop")
    if stop and stop["killed"]:
        failures.append(f"the server did not stop on SIGTERM (killed after "
                        f"{stop['seconds']:.0f} s)")
    elif stop and stop["seconds"] > bars.stop_seconds:
        failures.append(f"the server took {stop['seconds']:.1f} s to stop on SIGTERM "
                        f"(> {bars.stop_seconds:.0f} s)")
    return failures


# --- the report -----------------------------------------------------------------------------------


def _fmt(ms: float | None) -> str:
    return "-" if ms is None else f"{ms:.0f}" if ms >= 100 else f"{ms:.1f}"


def _counts(by_status: dict[str, int]) -> str:
    return ",".join(f"{k}×{v}" for k, v in by_status.items()) or "-"


def _row(name: str, s: dict[str, Any]) -> str:
    return (f"{name:<24}{s['count']:>7}{s['ok']:>7}{_counts(s['status_4xx']):>12}"
            f"{_counts(s['status_5xx']):>9}{s['timeouts']:>5}{s['transport_errors']:>5}"
            f"{_fmt(s['p50_ms']):>8}{_fmt(s['p99_ms']):>8}{_fmt(s['p999_ms']):>8}"
            f"{_fmt(s['max_ms']):>8}")


def report(result: dict[str, Any]) -> str:
    """The human summary: a row per kind of request, the whole, the error samples, the probe,
    the client, the server, the floor, the stop and the verdict."""
    lines = [(f"{'request':<24}{'count':>7}{'ok':>7}{'4xx':>12}{'5xx':>9}{'t/o':>5}{'conn':>5}"
              f"{'p50':>8}{'p99':>8}{'p99.9':>8}{'max':>8}   (ms; t/o: no answer in time, "
              "conn: connection failed)")]
    lines += [_row(name, s) for name, s in result["kinds"].items()]
    lines.append(_row("ALL but the probe", result["overall"]))
    for name, s in result["kinds"].items():
        lines += [f"    {name}: {sample}" for sample in s["samples"]]
        lines += [f"    {name}: {what} ×{n}" for what, n in s["anomalies"].items()]
    probe, client, server = result["probe"], result["client"], result["server"]
    after = result["read_after_burst"]
    lines.append(f"{result['requests_per_s']} requests/s over {result['seconds']} s; at most "
                 f"{result['max_in_flight']} in flight at once")
    lines.append(f"read right after the first burst: {after['status'] or 'no answer'} "
                 f"in {after['seconds']:.2f} s")
    lines.append(f"probe (public timeline, every second): {probe['count']} sent, "
                 f"{probe['failed']} failed or unanswered, slowest answer "
                 f"{_fmt(probe['max_ms'])} ms, longest stretch without an answer "
                 f"{probe['longest_silence_s']} s")
    late = (client["cpu_pct"] or 0) > 80 or (client["loop_lag_p99_ms"] or 0) > 50
    lines.append(f"client: {client['cpu_pct']} % of one core, event-loop lag p99 "
                 f"{_fmt(client['loop_lag_p99_ms'])} ms, max {_fmt(client['loop_lag_max_ms'])} ms"
                 + ("  (its loop ran late: latencies include the client's own delays)"
                    if late else ""))
    lines.append(f"server: {server['cpu_pct']} % CPU (of one core), RSS peak "
                 f"{server['rss_peak_mb']} MB, PSS peak {server['pss_peak_mb']} MB; "
                 f"load average {result['machine']['loadavg_1m']} "
                 f"on {result['machine']['nproc']} cores")
    floor = result.get("floor")
    if floor:
        lines.append(f"floor: a bare Starlette endpoint serving the same {floor['bytes']} bytes "
                     f"(the square page), {floor['concurrency']} connections, no think time: "
                     f"{floor['requests_per_s']} requests/s, p50 {_fmt(floor['p50_ms'])} ms, "
                     f"p99 {_fmt(floor['p99_ms'])} ms (client {floor['client_cpu_pct']} % CPU)")
    stop = result.get("stop")
    if stop:
        how = "killed with SIGKILL after" if stop["killed"] else "gone in"
        lines.append(f"stop on SIGTERM: {how} {stop['seconds']} s "
                     f"(exit status {stop['returncode']})")
    failures = result.get("verdict")
    if failures is not None:
        lines.append("verdict: " + ("PASS" if not failures else "FAIL: " + "; ".join(failures)))
    return "\n".join(lines)


# --- the floor: a bare endpoint on the same machine -----------------------------------------------


FLOOR_SERVER = """
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from plaza.serve import event_loop, http_protocol

body = open(sys.argv[2], "rb").read()


async def page(request):
    return Response(body, media_type="text/html; charset=utf-8")


uvicorn.run(Starlette(routes=[Route("/", page)]), host="127.0.0.1", port=int(sys.argv[1]),
            loop=event_loop(), http=http_protocol(), log_level="warning", access_log=False)
"""


async def measure_floor(body: bytes, work_dir: Path, concurrency: int = 32,
                        seconds: float = 5.0) -> dict[str, Any]:
    """Requests/s of a bare Starlette endpoint serving ``body`` (one uvicorn process with the
    loop and HTTP parser Plaza's server uses), driven by this client with no think time: what
    this machine and this client manage at all, beside which a soak run's figures can be read."""
    body_file = work_dir / "floor-body.html"
    body_file.write_bytes(body)
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        python(), "-c", FLOOR_SERVER, str(port), str(body_file), cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    latencies: list[float] = []
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
            for _ in range(300):  # until it listens
                try:
                    async with s.get(url) as resp:
                        await resp.read()
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            cpu0, start = _cpu_seconds(), time.perf_counter()
            end = start + seconds

            async def client() -> None:
                while time.perf_counter() < end:
                    sent = time.perf_counter()
                    async with s.get(url) as resp:
                        await resp.read()
                    latencies.append(time.perf_counter() - sent)

            await asyncio.gather(*(client() for _ in range(concurrency)))
            elapsed, cpu = time.perf_counter() - start, _cpu_seconds() - cpu0
    finally:
        server.kill()
        await server.wait()
    latencies.sort()
    return {"bytes": len(body), "concurrency": concurrency, "seconds": round(elapsed, 1),
            "requests_per_s": round(len(latencies) / elapsed),
            "client_cpu_pct": round(100 * cpu / elapsed),
            "p50_ms": milliseconds(percentile(latencies, 0.5)),
            "p99_ms": milliseconds(percentile(latencies, 0.99))}


# --- odds and ends --------------------------------------------------------------------------------


def plaza_revision() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "plaza"], cwd=ROOT,
                               capture_output=True, text=True, check=False).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def append_result(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write(json.dumps(result, ensure_ascii=False) + "\n")


def wipe(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)


def is_local(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")
