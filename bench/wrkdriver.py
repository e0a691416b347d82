"""The load of ``bench/load.py --driver wrk``: the same Mastodon-API requests, sent by wrk.

A Python client spends about as much CPU per request as Plaza does to answer a home timeline,
and the bar is measured with the load generator on the same two cores. wrk (Debian's ``wrk``,
an event-driven C client) sends the requests instead, from a Lua script generated here with the
bench tokens, the hot topics and realistic post texts:

* ``home`` / ``public`` / ``tag``: ``GET`` with ``limit=20``, each request with the next bench
  token (tag reads pick topics Zipf-weighted, as the Python driver does);
* ``post``: ``POST /api/v1/statuses`` as JSON with a unique ``Idempotency-Key``;
* ``mixed``: 10 % post, 60 % home, 15 % public, 15 % tag, interleaved.

wrk's own ``done`` hook prints the totals and latency percentiles as one JSON line. Python
(aiohttp) still does what needs reading the answers: the freshness probe (a post by a bench
account, then the follower's home page right after its 200, several times a second while wrk
loads the server) and the statuses-per-page check after the run.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from bench import corpus

PAGE = 20
MIXED = (("post", 10), ("home", 60), ("public", 15), ("tag", 15))

_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "status": %d, "connect": %d, '
    .. '"read": %d, "write": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_list(values: list[str]) -> str:
    for v in values:
        if "]==]" in v:
            raise ValueError("a value would end the Lua string early")
    return "{" + ",".join(f"[==[{v}]==]" for v in values) + "}"


def script(scenario: str, tokens: list[str], topics: list[str], topic_cum: list[float],
           cities: list[corpus.City], seed: int, run_id: str, count: int = 4000) -> str:
    """The Lua script for one scenario: request ``i`` uses token ``i`` (round robin)."""
    rng = random.Random(seed)
    if scenario == "mixed":
        kinds = [kind for kind, weight in MIXED for _ in range(weight)]
        rng.shuffle(kinds)
    else:
        kinds = [scenario]
    paths = []
    for n in range(count):
        kind = kinds[n % len(kinds)]
        if kind == "home":
            paths.append(f"/api/v1/timelines/home?limit={PAGE}")
        elif kind == "public":
            paths.append(f"/api/v1/timelines/public?limit={PAGE}")
        elif kind == "tag":
            name = rng.choices(topics, cum_weights=topic_cum)[0]
            paths.append(f"/api/v1/timelines/tag/{quote(name, safe='')}?limit={PAGE}")
        else:
            paths.append("POST")
    bodies = [orjson.dumps({"status": corpus.random_post(rng, cities, topics, topic_cum),
                            "visibility": "public"}).decode() for _ in range(count)]
    return "\n".join([
        f"local tokens = {_lua_list(tokens)}",
        f"local paths = {_lua_list(paths)}",
        f"local bodies = {_lua_list(bodies)}",
        f'local run_id = "{run_id}"',
        "local i = 0",
        "request = function()",
        "  i = i + 1",
        '  local headers = {["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1]}',
        "  local path = paths[(i % #paths) + 1]",
        '  if path == "POST" then',
        '    headers["Content-Type"] = "application/json"',
        '    headers["Idempotency-Key"] = run_id .. "-" .. i',
        '    return wrk.format("POST", "/api/v1/statuses", headers, bodies[(i % #bodies) + 1])',
        "  end",
        '  return wrk.format("GET", path, headers)',
        "end",
        _DONE,
    ])


def run(url: str, lua: str, connections: int, seconds: float, timeout: float = 30.0
        ) -> tuple[dict[str, Any], float]:
    """Run wrk once; returns its JSON totals and the CPU seconds wrk used."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
        path = Path(fh.name)
    try:
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", f"--timeout={int(timeout)}s",
               "-s", str(path), url]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        _pid, _status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(_status)
        out = proc.stdout.read() if proc.stdout else ""
    finally:
        path.unlink(missing_ok=True)
    for line in out.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON "):]), usage.ru_utime + usage.ru_stime
    raise RuntimeError(f"wrk printed no totals (exit {proc.returncode}):\n{out[-2000:]}")


def run_id() -> str:
    return f"wrk{int(time.time())}{os.getpid()}"
