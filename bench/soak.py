"""Soak test: hundreds of simulated people using Plaza at once, on the web and through apps,
for minutes, against a real ``plaza serve`` — then SIGTERM, timed (issue 10's proof).

    python bench/soak.py --backend sqlite
    python bench/soak.py --backend postgres --workers 2 --users 200 --duration 300
    python bench/soak.py --backend sqlite --users 40 --duration 30 --ramp 10 --floor-seconds 0

* Data: the demo (``plaza demo load``: the seed story's cast and ``--citizens`` citizens, each
  with the password ``plaza-demo-2022``) in a fresh database: SQLite in
  ``bench/out/soak-<backend>/`` (wiped first), PostgreSQL in the database ``plaza_soak``
  (dropped and created on ``--pg-server``; no other database is touched). Each simulated person
  signs in as a citizen of their own.
* Load (``bench/soaklib.py``): ``--users`` people arriving over ``--ramp`` seconds,
  ``--browsers`` of them on the web pages (cookies, CSRF tokens, forms), the rest Mastodon apps
  (the password grant, then the API), each thinking ``--think`` seconds on average between
  requests; first a burst of ``--burst`` simultaneous web sign-ins and a read right after it,
  then a burst (with half as many password grants) every ``--burst-every`` seconds. A probe
  reads the public timeline every second.
* Rate limits: raised to 1,000,000 a minute (``PLAZA_RATE_LIMIT_SIGN_IN``, ``…_SIGN_UP``,
  ``…_POSTING``), so the limiter still runs; ``--rate-limits off`` sets
  ``PLAZA_RATE_LIMITS=off``. The environment's other ``PLAZA_*`` settings (``PLAZA_REDIS_URL``
  for several workers …) reach the server.
* The floor (``--floor-seconds``, before the run): a bare Starlette endpoint serving the square
  page's bytes, driven by the same client with no think time — the requests/s this machine and
  this client manage at all.

Prints a row per kind of request (count, 4xx and 5xx by status, unanswered, p50/p99/p99.9/max),
the whole, the probe, the client's and the server's CPU, the time to stop on SIGTERM and the
verdict, and appends the result as a JSON line to ``bench/out/soak.jsonl``. Exits 1 when an
answer was 5xx, a request went unanswered within ``--timeout``, p99.9 was over 2 s, or the
server took over 10 s to stop (it is killed after 30 s).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import soaklib

OUT = soaklib.ROOT / "bench" / "out"
PG_DATABASE = "plaza_soak"
KILL_AFTER = 30.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--backend", choices=("sqlite", "postgres"), required=True)
    add("--workers", type=int, default=1, help="plaza serve --workers")
    add("--users", type=int, default=200)
    add("--duration", type=float, default=300.0, help="seconds")
    add("--ramp", type=float, default=60.0, help="seconds over which the users arrive")
    add("--browsers", type=float, default=0.5, help="share of the users on the web pages")
    add("--think", type=float, default=2.0, help="mean seconds between a person's requests")
    add("--timeout", type=float, default=10.0, help="seconds before a request is unanswered")
    add("--burst", type=int, default=12, help="simultaneous web sign-ins in a burst")
    add("--burst-every", type=float, default=60.0, help="seconds between bursts (0: one)")
    add("--rate-limits", choices=("raised", "off"), default="raised")
    add("--citizens", type=int, default=3000, help="demo citizens (plaza demo load)")
    add("--posts", type=int, default=6000, help="demo posts (plaza demo load)")
    add("--seed", type=int, default=1)
    add("--port", type=int, default=0, help="default: a free port")
    add("--floor-seconds", type=float, default=5.0, help="0: no floor")
    add("--data-dir", type=Path, default=None, help="default: bench/out/soak-<backend> (wiped)")
    add("--pg-server", default="postgresql://postgres@127.0.0.1:5432")
    add("--pg-database", default=PG_DATABASE, help="dropped and created; starts with plaza_soak")
    add("--results", type=Path, default=OUT / "soak.jsonl")
    args = parser.parse_args(argv)
    name = args.pg_database
    if not name.startswith(PG_DATABASE) or not name.replace("_", "").isalnum():
        parser.error("--pg-database must start with plaza_soak (it is dropped and created)")
    if not soaklib.is_local(args.pg_server):
        parser.error("the PostgreSQL server must be on this machine")
    args.config = soaklib.SoakConfig(
        users=args.users, duration=args.duration, ramp=args.ramp, browsers=args.browsers,
        think=args.think, timeout=args.timeout, burst=args.burst, burst_every=args.burst_every,
        seed=args.seed)
    if args.citizens < args.config.accounts_needed():
        parser.error(f"--citizens must be at least {args.config.accounts_needed()} "
                     "(an account per user and per burst sign-in)")
    args.data_dir = (args.data_dir or OUT / f"soak-{args.backend}").resolve()
    return args


def server_settings(args: argparse.Namespace) -> dict[str, str]:
    if args.rate_limits == "off":
        return {"PLAZA_RATE_LIMITS": "off"}
    return {"PLAZA_RATE_LIMITS": "on", **soaklib.RAISED_RATE_LIMITS}


def prepare(args: argparse.Namespace) -> soaklib.PlazaProcess:
    """A fresh data folder and database, with the demo loaded."""
    soaklib.wipe(args.data_dir)
    data = args.data_dir / "data"
    data.mkdir(parents=True)
    if args.backend == "sqlite":
        url = f"sqlite:///{data / 'plaza.db'}"
    else:
        url = soaklib.fresh_postgres_database(args.pg_server, args.pg_database)
    server = soaklib.PlazaProcess(data, url, workers=args.workers, env=server_settings(args),
                                  inherit=True, port=args.port)
    print(f"loading the demo ({args.citizens} citizens, {args.posts} posts) into "
          f"{args.backend} …", flush=True)
    seconds = server.load_demo(args.citizens, args.posts)
    print(f"demo loaded in {seconds:.0f} s", flush=True)
    return server


def describe(args: argparse.Namespace) -> str:
    c: soaklib.SoakConfig = args.config
    settings = ", ".join(f"{k}={v}" for k, v in server_settings(args).items())
    return (f"{args.backend} · workers {args.workers} · {c.users} users "
            f"({round(100 * c.browsers)} % browsers) arriving over {c.ramp:.0f} s · "
            f"{c.duration:.0f} s · think {c.think} s · bursts of {c.burst} sign-ins every "
            f"{c.burst_every:.0f} s · timeout {c.timeout:.0f} s · rate limits {args.rate_limits} "
            f"({settings}) · plaza {soaklib.plaza_revision()}")


def square_page(url: str) -> bytes:
    with urllib.request.urlopen(url + "/", timeout=30) as resp:
        return bytes(resp.read())


def soak(args: argparse.Namespace, server: soaklib.PlazaProcess) -> dict[str, Any]:
    """Serve, measure the floor, run the people, stop the server; the result."""
    server.start()
    print(f"serving at {server.url} (log: {server.log_path})", flush=True)
    floor = None
    if args.floor_seconds > 0:
        floor = asyncio.run(soaklib.measure_floor(square_page(server.url), args.data_dir,
                                                  seconds=args.floor_seconds))
        print(f"floor: {floor['requests_per_s']} requests/s from a bare endpoint serving the "
              f"same {floor['bytes']} bytes", flush=True)
    result = asyncio.run(soaklib.run_users(server.url, args.config, [server.pid]))
    print("sending SIGTERM …", flush=True)
    stop = server.stop(kill_after=KILL_AFTER)
    return {**result, "floor": floor, "stop": vars(stop)}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the server on SIGTERM
    label = describe(args)
    print(label, flush=True)
    server = prepare(args)
    try:
        result = soak(args, server)
    finally:
        server.kill()  # a no-op once it stopped
    result.update({"ts": datetime.now(UTC).isoformat(timespec="seconds"), "label": label,
                   "backend": args.backend, "workers": args.workers,
                   "server_settings": server_settings(args), "plaza": soaklib.plaza_revision()})
    result["verdict"] = soaklib.verdict(result)
    print(f"\n{label}\n{soaklib.report(result)}")
    soaklib.append_result(args.results, result)
    print(f"(appended to {args.results}; server log: {server.log_path})")
    return 1 if result["verdict"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
