"""One command per backend: generate (or reuse) the data, start Plaza, run the scenarios, stop it.

    python bench/run.py --backend sqlite
    python bench/run.py --backend postgres --scenarios home,post --concurrency 32 --duration 30
    python bench/run.py --backend sqlite --accounts 2000 --posts 20000 --duration 5   # smoke

* Data lives in ``bench/out/<backend>/`` (SQLite file, tokens, ``meta.json``). It is reused when
  ``meta.json`` says it was generated with the same ``--accounts``/``--posts`` (generation takes
  minutes); ``--regenerate`` starts over. PostgreSQL uses its own database, ``plaza_bench``
  (dropped and created through the ``postgres`` maintenance database; no other database is
  touched).
* The server is ``plaza serve --workers N --no-access-log`` (default 2 workers forked from a
  preloaded parent; uvicorn with uvloop and httptools), ``PLAZA_RATE_LIMITS=off``, listening on
  127.0.0.1 only; it is stopped (its process group) at the end.
* Every scenario is ``bench/load.py``'s; results are appended to ``bench/out/results.jsonl`` and
  printed at the end as Markdown table rows for BENCHMARKS.md.
* ``--profile SCENARIO`` also samples the server's stacks with py-spy during that scenario
  (``bench/profile.py``); the summary goes to ``bench/out/<backend>/profile-<scenario>.summary.txt``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load
from bench import profile as profiler

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_DATABASE = "plaza_bench"


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def database_url(backend: str, args: argparse.Namespace) -> str:
    if backend == "sqlite":
        return f"sqlite:///{args.data_dir / 'plaza.db'}"
    return f"{args.pg_server.rstrip('/')}/{args.pg_database}"


def generated_matches(data_dir: Path, accounts: int, posts: int) -> bool:
    meta = data_dir / "meta.json"
    if not meta.exists() or not (data_dir / "tokens.txt").exists():
        return False
    counts = json.loads(meta.read_text()).get("counts", {})
    return counts.get("accounts") == accounts and counts.get("statuses") == posts


def reset_database(backend: str, args: argparse.Namespace, data_dir: Path) -> None:
    """A fresh, empty database for the generator."""
    for name in ("meta.json", "tokens.txt"):
        (data_dir / name).unlink(missing_ok=True)
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (data_dir / f"plaza.db{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    admin = f"{args.pg_server.rstrip('/')}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {args.pg_database}")


def generate(backend: str, args: argparse.Namespace, data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    if not args.regenerate and generated_matches(data_dir, args.accounts, args.posts):
        print(f"reusing the {backend} data in {data_dir} (--regenerate to start over)")
        return
    reset_database(backend, args, data_dir)
    cmd = [python(), str(ROOT / "bench" / "generate.py"), "--database-url", database_url(backend, args),
           "--accounts", str(args.accounts), "--posts", str(args.posts), "--seed", str(args.seed),
           "--tokens-out", str(data_dir / "tokens.txt")]
    print("$ " + " ".join(cmd), flush=True)
    with (data_dir / "generate.log").open("w") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            log.write(line)
        if proc.wait() != 0:
            raise SystemExit(f"generation failed (see {data_dir / 'generate.log'})")


def check_schema(backend: str, args: argparse.Namespace) -> None:
    """Refuse stale data: the schema moves fast, and a migration may need to backfill millions of
    rows (regenerating is faster)."""
    from plaza.config import load_settings
    from plaza.storage.engine import make_engine
    from plaza.storage.migrate import is_current

    engine = make_engine(load_settings(env={}, database_url=database_url(backend, args), secret_key="bench",
                                       data_dir=str(args.data_dir)))
    try:
        current = is_current(engine)
    finally:
        engine.dispose()
    if not current:
        raise SystemExit(f"the {backend} bench database predates the newest migration: "
                         "run again with --regenerate")


class Server:
    """uvicorn serving Plaza in its own process group (so stopping it stops its workers)."""

    def __init__(self, backend: str, args: argparse.Namespace, data_dir: Path) -> None:
        self.url = f"http://127.0.0.1:{args.port}"
        env = dict(os.environ)
        env.update({
            "PLAZA_DATABASE_URL": database_url(backend, args),
            "PLAZA_DATA_DIR": str(data_dir / "data"),
            "PLAZA_RATE_LIMITS": "off",
            "PLAZA_SECRET_KEY": "plaza-bench-secret",
            "PLAZA_HOST": "127.0.0.1",
            "PLAZA_PORT": str(args.port),
        })
        # Plaza's own server command: uvicorn (uvloop, httptools) in workers forked from a
        # preloaded parent; the bench data is already migrated, so its upgrade is a no-op.
        self.cmd = [python(), "-m", "plaza.cli", "serve", "--workers", str(args.workers), "--no-access-log",
                    "--log-level", "warning"]
        self.env = env
        self.log_path = data_dir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> None:
        print("$ " + " ".join(self.cmd), flush=True)
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(self.cmd, env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited ({self.proc.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/instance", timeout=2) as resp:
                    if resp.status == 200:
                        time.sleep(1.0)  # let every worker finish importing
                        return
            except OSError as exc:
                last_error = repr(exc)
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"the server did not answer within {timeout:.0f}s ({last_error}); see {self.log_path}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def wait_idle(self, limit: float = 180.0, threshold: float = 15.0) -> float:
        """Wait until the server has worked off requests queued by the last scenario (timed-out
        clients leave work behind): its CPU use over one second drops below ``threshold`` % of
        a core. Returns the seconds waited."""
        sampler = load.ResourceSampler([self.pid])
        start = time.monotonic()
        while time.monotonic() - start < limit:
            before = sampler.cpu_seconds()
            time.sleep(1.0)
            if 100 * (sampler.cpu_seconds() - before) < threshold:
                break
        return time.monotonic() - start

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # the group we created: uvicorn and its workers
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def plaza_revision() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "plaza"], cwd=ROOT,
                               capture_output=True, text=True, check=False).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def markdown_rows(backend: str, workers: int, results: Sequence[dict[str, Any]]) -> list[str]:
    rows = []
    for r in results:
        for name, s in r["ops"].items():
            notes = []
            if s["mean_items"] is not None:
                notes.append(f"{s['mean_items']:.1f} statuses/page")
            if name == "post" and "freshness" in r and r["freshness"]["checked"]:
                f = r["freshness"]
                notes.append(f"fresh {f['found']}/{f['checked']}")
            if name == r["scenario"]:
                notes.append(f"load: {r.get('driver', 'aiohttp')}")
            if s["errors"]:
                notes.append("errors " + ", ".join(f"{k}×{v}" for k, v in s["error_kinds"].items()))
            rows.append(
                f"| {backend} | {r['scenario']} | {name} | {workers} | {r['concurrency']} | {s['rps']:.0f} | "
                f"{_ms(s['p50_ms'])} | {_ms(s['p99_ms'])} | {s['errors']} | {_mb(r['rss_peak_mb'])} | "
                f"{_mb(r.get('pss_peak_mb'))} | "
                f"{_pct(r['server_cpu_pct'])} | {_ms(r.get('server_cpu_ms_per_op'))} | {_pct(r['loadgen_cpu_pct'])} | "
                f"{r['machine'].get('loadavg_1m', '–')} | {'; '.join(notes)} |")
    return rows


def _ms(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def _mb(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}"


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f} %"


MARKDOWN_HEADER = ("| backend | scenario | operation | workers | clients | ops/s | p50 ms | p99 ms | errors | "
                   "server RSS peak MB | server PSS peak MB | server CPU | server CPU ms/op | load-gen CPU | load avg | notes |\n"
                   "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), required=True)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="generate even if matching data exists")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--scenarios", default="post,home,public,tag,mixed")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between scenarios")
    parser.add_argument("--profile", default="", help="scenario during which to run py-spy")
    parser.add_argument("--driver", choices=("aiohttp", "wrk"), default="wrk" if shutil.which("wrk") else "aiohttp",
                        help="load sender (default: wrk when installed; see bench/wrkdriver.py)")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: bench/out/<backend>")
    parser.add_argument("--pg-database", default=PG_DATABASE,
                        help="benchmark database (dropped and re-created!); must start with plaza_bench")
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server (the plaza_bench database is created there)")
    args = parser.parse_args(argv)
    if not args.pg_database.startswith(PG_DATABASE) or not args.pg_database.replace("_", "").isalnum():
        parser.error("--pg-database must start with plaza_bench (it is dropped and re-created)")
    args.data_dir = (args.data_dir or OUT / args.backend).resolve()
    args.scenario_list = [s for s in args.scenarios.split(",") if s]
    for s in args.scenario_list:
        if s not in load.SCENARIOS:
            parser.error(f"unknown scenario {s}")
    if "127.0.0.1" not in args.pg_server and "localhost" not in args.pg_server:
        parser.error("the PostgreSQL server must be on this machine")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    backend = args.backend
    data_dir = args.data_dir
    t0 = time.perf_counter()
    generate(backend, args, data_dir)
    print(f"data ready in {time.perf_counter() - t0:.0f}s", flush=True)
    check_schema(backend, args)
    server = Server(backend, args, data_dir)
    results: list[dict[str, Any]] = []
    label = f"{backend} workers={args.workers} data={args.accounts}x{args.posts} plaza={plaza_revision()}"
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the server on SIGTERM
    try:
        server.start()
        for scenario in args.scenario_list:
            config = load.Config(url=server.url, tokens=data_dir / "tokens.txt", meta=data_dir / "meta.json",
                                 scenario=scenario, concurrency=args.concurrency, duration=args.duration,
                                 warmup=args.warmup, server_pids=[server.pid], label=label,
                                 results=OUT / "results.jsonl", seed=args.seed, driver=args.driver)
            spy: threading.Thread | None = None
            if scenario == args.profile:
                out = data_dir / f"profile-{scenario}"
                pids = profiler.server_processes([server.pid])

                def run_profile(pids: list[int] = pids, out: Path = out) -> None:
                    time.sleep(args.warmup)
                    paths = profiler.record(pids, max(5.0, args.duration - 2), out)
                    summary = profiler.summarise(paths)
                    out.with_suffix(".summary.txt").write_text(summary + "\n")

                spy = threading.Thread(target=run_profile, daemon=True)
                spy.start()
            results.append(asyncio.run(load.run_load(config)))
            if spy is not None:
                spy.join()
                print(f"profile summary: {data_dir / f'profile-{scenario}.summary.txt'}")
            waited = server.wait_idle()
            if waited > 1.5:
                print(f"(the server needed {waited:.0f}s to work off queued requests)", flush=True)
            time.sleep(args.pause)
    finally:
        server.stop()
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    print(f"\n{date} · {backend} · {args.accounts:,} accounts / {args.posts:,} posts · "
          f"workers {args.workers} · {label}\n")
    print(MARKDOWN_HEADER)
    print("\n".join(markdown_rows(backend, args.workers, results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
