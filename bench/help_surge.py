"""A surge of help requests while the square serves its normal load (issue 12's speed bars).

    python bench/help_surge.py [--backend sqlite|postgres] [--total 10000] [--minutes 10] [--workers 2]
                               [--square-rps 20] [--screening-seconds 20] [--skip-surge] [--skip-screening]

A real ``plaza serve`` (``--workers`` processes) on a fresh database with people, a few thousand
ordinary posts, verifiers and responders; then:

* **surge** — ``--total`` help requests arriving at an even pace over ``--minutes``, mixed: filed
  through ``POST /api/plaza/v1/help/requests`` (30 %), through the web form by signed-in people
  (``GET`` then ``POST /help/new`` with its CSRF token, 15 %), posted as ordinary posts that
  screening must find (``POST /api/v1/statuses``, 40 %: a third of them a "扩散" copy of an earlier
  one, which must join its request instead of making a new one), and reposts of those posts
  (15 %) — while
  square users read their home and public timelines, post and like at ``--square-rps``, and three
  verifiers read their queue and take the next request. Each filing is stored before its answer
  (the queue is a read of the same table), so "in the verifiers' queue" comes at the answer: its
  latency is what is reported, p50/p99/max per kind; then the database is checked: every answered
  filing stored, every help post found and linked (as a request or as a source of one);
* **screening** — the cost of a post with screening and without it, measured in the same run on
  fresh servers alternately (``PLAZA_HELP_SCREENING`` on/off, ``--pairs`` times): ordinary
  posts from 16 clients for ``--screening-seconds`` each, posts/s and the workers' CPU per post;
  and, in process, the CPU one screening takes on the same kind of post, as a share of a post's;
* **floor** — a bare Starlette endpoint answering the same POST with a post's bytes, driven by
  the same client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from sqlalchemy import func, select

from bench import soaklib
from plaza.config import load_settings
from plaza.help import requests as help_requests
from plaza.identity import tokens
from plaza.instance import Plaza
from plaza.square import accounts, posts
from plaza.storage.schema import help_requests as requests_table
from plaza.storage.schema import help_sources

HELP = (
    "郑州市金水区{road}{n}号楼{u}单元被困，家里有{k}位老人，水已经到二楼了，断水断电，求救援！电话{phone}",
    "紧急求助！新乡市卫辉市{road}附近{k}个人被困在车里，水位还在上涨，请求冲锋舟，联系人{phone}",
    "郑州市二七区{road}{n}栋有孕妇临产，路被淹了出不去，急需医疗帮助，电话{phone}",
    "重庆市北碚区歇马镇{road}村里山火逼近，{k}户人家需要撤离，有老人和孩子，联系电话{phone}",
    "求助：郑州市中原区{road}养老院{k}十多位老人需要转移，缺饮用水和药品，院长电话{phone}",
    "寻人！郑州市管城回族区{road}{n}号的父亲{k}天联系不上了，知道消息请打{phone}",
)
ORDINARY = (
    "今天{road}的早餐店排队的人好多，豆浆油条真不错",
    "周末带孩子去{road}的公园放风筝，天气很好",
    "感谢{road}社区的志愿者，这几天辛苦了！",
    "{road}地铁站口新开了一家书店，推荐大家去看看",
    "下班路上看到{road}的晚霞，随手拍一张",
)
ROADS = ("丰产路", "金水路", "文化路", "中原路", "京广路", "花园路", "经三路", "农业路", "黄河路", "紫荆山路")
NEEDS = ("rescue", "medical", "supplies", "evacuation", "missing_person")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
WEB_PASSWORD = "surge web pass 1"
REQUEST_PAGE = re.compile(r"/help/(\d+)")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50_ms": round(statistics.median(values) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1), "max_ms": round(max(values) * 1000, 1)}


def people(plaza: Plaza, requesters: int, square: int) -> dict[str, list[str]]:
    """Tokens: requesters, square users, verifiers (moderators), responders (registered)."""
    made: dict[str, list[str]] = {"requesters": [], "square": [], "verifiers": [], "responders": []}
    for kind, n, prefix, role in (("requesters", requesters, "surge_req", "user"), ("square", square, "surge_sq", "user"),
                                  ("verifiers", 3, "surge_ver", "moderator"), ("responders", 6, "surge_team", "user")):
        for i in range(n):
            row = accounts.create(plaza.db, username=f"{prefix}{i}", display_name=f"{prefix}{i}", password=None,
                                  home_city="410100", role=role)
            made[kind].append(tokens.issue(plaza.db, row.id, None, frozenset({"read", "write"}))[0])
            if kind == "requesters" and i < 20:  # and on the web, with a password
                accounts.create(plaza.db, username=f"surge_web{i}", display_name=f"surge_web{i}",
                                password=WEB_PASSWORD, home_city="410100")
            if kind == "responders":
                with plaza.db.write() as conn:
                    help_requests.register_responder(conn, row.id, capabilities=list(NEEDS),
                                                     region_code="410000" if i % 2 else "500000", capacity=50)
            if kind == "square" and i < 50:
                for j in range(40):
                    posts.create(plaza.db, row, posts.NewStatus(text=ORDINARY[j % len(ORDINARY)].format(
                        road=ROADS[(i + j) % len(ROADS)])))
    return made


class Surge:
    def __init__(self, url: str, tokens_: dict[str, list[str]], total: int, seconds: float, square_rps: float) -> None:
        self.url = url
        self.tokens = tokens_
        self.total = total
        self.seconds = seconds
        self.square_rps = square_rps
        self.rng = random.Random(12)
        self.latency: dict[str, list[float]] = {"api": [], "form": [], "post": [], "spread": [], "repost": [],
                                                "square": [], "queue": []}
        self.web: list[aiohttp.ClientSession] = []
        self.codes: dict[str, dict[int, int]] = {}
        self.filed_ids: list[int] = []
        self.help_posts: list[int] = []  # ids of help posts answered 200 (originals and spread copies)
        self.originals: list[tuple[int, str]] = []
        self.reposts: list[int] = []

    def note(self, kind: str, status: int, took: float) -> None:
        self.codes.setdefault(kind, {}).setdefault(status, 0)
        self.codes[kind][status] += 1
        if status < 300 or (kind == "form" and status == 303):
            self.latency[kind].append(took)

    def _help_text(self) -> str:
        return self.rng.choice(HELP).format(road=self.rng.choice(ROADS), n=self.rng.randint(1, 40),
                                            u=self.rng.randint(1, 6), k=self.rng.randint(2, 9),
                                            phone=f"13{self.rng.randint(0, 9)}{self.rng.randint(10**7, 10**8 - 1)}")

    async def one_help(self, session: aiohttp.ClientSession, i: int) -> None:
        token = self.tokens["requesters"][i % len(self.tokens["requesters"])]
        headers = {"Authorization": f"Bearer {token}"}
        roll = self.rng.random()
        began = time.perf_counter()
        if 0.30 <= roll < 0.45 and self.web:
            await self.one_form(self.web[i % len(self.web)])
        elif roll < 0.45:
            body = {"need": self.rng.choice(NEEDS), "people": self.rng.randint(1, 9), "text": self._help_text(),
                    "vulnerable": self.rng.choice([[], ["elderly"], ["children", "pregnant"]]),
                    "contact": {"phone": f"139{self.rng.randint(10**7, 10**8 - 1)}"}}
            async with session.post(f"{self.url}/api/plaza/v1/help/requests", json=body, headers=headers) as r:
                answer = await r.read()
                self.note("api", r.status, time.perf_counter() - began)
                if r.status == 201:
                    self.filed_ids.append(int(json.loads(answer)["id"]))
        elif roll < 0.85 or not self.originals:
            spread = 0.72 <= roll < 0.85 and bool(self.originals)
            text = ("扩散！" + self.rng.choice(self.originals)[1]) if spread else self._help_text()
            async with session.post(f"{self.url}/api/v1/statuses", json={"status": text}, headers=headers) as r:
                answer = await r.read()
                kind = "spread" if spread else "post"
                self.note(kind, r.status, time.perf_counter() - began)
                if r.status == 200:
                    status_id = int(json.loads(answer)["id"])
                    self.help_posts.append(status_id)
                    if not spread:
                        self.originals.append((status_id, text))
        else:
            original, _ = self.rng.choice(self.originals)
            async with session.post(f"{self.url}/api/v1/statuses/{original}/reblog", headers=headers) as r:
                answer = await r.read()
                self.note("repost", r.status, time.perf_counter() - began)
                if r.status == 200:
                    self.reposts.append(int(json.loads(answer)["id"]))

    async def one_form(self, web: aiohttp.ClientSession) -> None:
        """The web form, as a signed-in person fills it: the page (its CSRF token), then the POST."""
        began = time.perf_counter()
        async with web.get(f"{self.url}/help/new") as r:
            page = await r.text()
        token = CSRF.search(page)
        if token is None:
            self.note("form", 599, 0.0)
            return
        fields = {"csrf_token": token.group(1), "need": self.rng.choice(NEEDS), "text": self._help_text(),
                  "people": str(self.rng.randint(1, 9)), "address": "", "contact_phone":
                  f"137{self.rng.randint(10**7, 10**8 - 1)}", "vulnerable": "elderly"}
        async with web.post(f"{self.url}/help/new", data=fields, allow_redirects=False) as r:
            await r.read()
            self.note("form", r.status, time.perf_counter() - began)
            filed = REQUEST_PAGE.search(r.headers.get("Location", ""))
            if r.status == 303 and filed is not None:
                self.filed_ids.append(int(filed.group(1)))
            elif r.status == 303:
                self.note("form", 598, 0.0)  # not sent to the request's page: refused

    async def sign_in(self, n: int) -> None:
        """``n`` people signed in on the web (a session each)."""
        for i in range(n):
            web = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                        timeout=aiohttp.ClientTimeout(total=120))
            async with web.get(f"{self.url}/signin") as r:
                token = CSRF.search(await r.text())
            assert token is not None
            async with web.post(f"{self.url}/signin", data={"csrf_token": token.group(1), "login": f"surge_web{i}",
                                                            "password": WEB_PASSWORD}, allow_redirects=False) as r:
                await r.read()
                assert r.status == 303, r.status
            self.web.append(web)

    async def square_user(self, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        gap = 1.0 / self.square_rps if self.square_rps > 0 else 1.0
        i = 0
        while not stop.is_set():
            token = self.tokens["square"][i % len(self.tokens["square"])]
            headers = {"Authorization": f"Bearer {token}"}
            i += 1
            roll = self.rng.random()
            began = time.perf_counter()
            try:
                if roll < 0.5:
                    req = session.get(f"{self.url}/api/v1/timelines/home?limit=20", headers=headers)
                elif roll < 0.85:
                    req = session.get(f"{self.url}/api/v1/timelines/public?limit=20", headers=headers)
                else:
                    text = self.rng.choice(ORDINARY).format(road=self.rng.choice(ROADS))
                    req = session.post(f"{self.url}/api/v1/statuses", json={"status": text}, headers=headers)
                async with req as r:
                    await r.read()
                    self.note("square", r.status, time.perf_counter() - began)
            except aiohttp.ClientError:
                self.note("square", 599, 0.0)
            await asyncio.sleep(max(0.0, gap - (time.perf_counter() - began)))

    async def verifier(self, session: aiohttp.ClientSession, token: str, stop: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        while not stop.is_set():
            began = time.perf_counter()
            async with session.get(f"{self.url}/api/plaza/v1/help/queue?view=verify&limit=40", headers=headers) as r:
                await r.read()
                self.note("queue", r.status, time.perf_counter() - began)
            await asyncio.sleep(1.0)

    async def run(self) -> float:
        await self.sign_in(20)
        stop = asyncio.Event()
        connector = aiohttp.TCPConnector(limit=256)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
            background = [asyncio.create_task(self.square_user(session, stop)) for _ in range(4)]
            background += [asyncio.create_task(self.verifier(session, t, stop)) for t in self.tokens["verifiers"]]
            gap = self.seconds / self.total
            began = time.perf_counter()
            pending: set[asyncio.Task[None]] = set()
            for i in range(self.total):
                due = began + i * gap
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                task = asyncio.create_task(self.one_help(session, i))
                pending.add(task)
                task.add_done_callback(pending.discard)
            if pending:
                await asyncio.gather(*pending)
            took = time.perf_counter() - began
            stop.set()
            await asyncio.gather(*background)
        for web in self.web:
            await web.close()
        return took


def check(plaza: Plaza, surge: Surge) -> dict[str, Any]:
    """What the database holds of what was answered."""
    with plaza.db.read() as conn:
        stored = set()
        for chunk in range(0, len(surge.filed_ids), 500):
            part = surge.filed_ids[chunk:chunk + 500]
            stored |= {r[0] for r in conn.execute(select(requests_table.c.id).where(requests_table.c.id.in_(part)))}
        linked = set()
        ids = surge.help_posts + surge.reposts
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            linked |= {r[0] for r in conn.execute(select(help_sources.c.status_id)
                                                  .where(help_sources.c.status_id.in_(part)))}
        requests_total = conn.execute(select(func.count()).select_from(requests_table)).scalar_one()
        from_posts = conn.execute(select(func.count()).select_from(requests_table)
                                  .where(requests_table.c.source == "post")).scalar_one()
    posts_linked = sum(1 for s in surge.help_posts if s in linked)
    return {"filed_answered": len(surge.filed_ids), "filed_stored": len(stored),
            "filed_lost": len(surge.filed_ids) - len(stored),
            "help_posts_answered": len(surge.help_posts), "help_posts_linked": posts_linked,
            "reposts_answered": len(surge.reposts), "reposts_linked": sum(1 for s in surge.reposts if s in linked),
            "requests_stored": requests_total, "requests_from_posts": from_posts}


def worker_cpu(server: soaklib.PlazaProcess) -> float:
    """CPU seconds of the server's process group (the workers and their parent)."""
    assert server.process is not None
    pgid = os.getpgid(server.process.pid)
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getpgid(int(pid)) != pgid:
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, ProcessLookupError, IndexError):
            continue
    return total


async def posting(url: str, tokens_: list[str], seconds: float, clients: int = 16,
                  path: str = "/api/v1/statuses") -> dict[str, Any]:
    rng = random.Random(5)
    done: list[float] = []
    codes: dict[int, int] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:
        end = time.perf_counter() + seconds
        began = time.perf_counter()

        async def client(i: int) -> None:
            while time.perf_counter() < end:
                token = tokens_[rng.randrange(len(tokens_))]
                text = rng.choice(ORDINARY).format(road=rng.choice(ROADS)) + f" {rng.randint(0, 10**6)}"
                sent = time.perf_counter()
                async with session.post(f"{url}{path}", json={"status": text},
                                        headers={"Authorization": f"Bearer {token}"}) as r:
                    await r.read()
                    codes[r.status] = codes.get(r.status, 0) + 1
                    done.append(time.perf_counter() - sent)

        await asyncio.gather(*(client(i) for i in range(clients)))
        took = time.perf_counter() - began
    return {"posts_per_s": round(len(done) / took, 1), "posts": len(done), "codes": codes, **summary(done)}


FLOOR = """
import sys
from pathlib import Path
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
import uvicorn
body = Path(sys.argv[2]).read_bytes()
async def answer(request):
    await request.body()
    return Response(body, media_type="application/json")
uvicorn.run(Starlette(routes=[Route("/api/v1/statuses", answer, methods=["POST"])]), host="127.0.0.1",
            port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


async def floor(body: bytes, work: Path, seconds: float) -> dict[str, Any]:
    path = work / "floor-post.json"
    path.write_bytes(body)
    port = soaklib.free_port()
    server = subprocess.Popen([sys.executable, "-c", FLOOR, str(port), str(path)], cwd=soaklib.ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.post(f"{url}/api/v1/statuses", json={}) as response:
                        await response.read()
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        return await posting(url, ["x"], seconds)
    finally:
        server.kill()
        server.wait()


def database(backend: str, root: Path, name: str) -> str:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{root / 'data' / 'plaza.db'}{suffix}").unlink(missing_ok=True)
        (root / "data").mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{root / 'data' / 'plaza.db'}"
    return soaklib.fresh_postgres_database("postgresql://postgres@127.0.0.1:5432", name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--total", type=int, default=10_000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--square-rps", type=float, default=20.0)
    parser.add_argument("--screening-seconds", type=float, default=20.0)
    parser.add_argument("--pairs", type=int, default=3, help="screening on/off runs alternated")
    parser.add_argument("--skip-surge", action="store_true")
    parser.add_argument("--skip-screening", action="store_true")
    args = parser.parse_args()
    root = Path("data/bench-help-surge").resolve()
    root.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"backend": args.backend, "workers": args.workers}
    if not args.skip_surge:
        url = database(args.backend, root, "plaza_help_surge")
        server = soaklib.PlazaProcess(root / "data", url, workers=args.workers, env={"PLAZA_RATE_LIMITS": "off"})
        server.start()
        plaza = Plaza.from_settings(load_settings(env={}, data_dir=root / "bench", database_url=url,
                                                  secret_key="bench", rate_limits=False))
        try:
            print("people and posts …", flush=True)
            made = people(plaza, requesters=400, square=200)
            surge = Surge(server.url, made, args.total, args.minutes * 60, args.square_rps)
            print(f"surge: {args.total} help requests over {args.minutes} min, square at {args.square_rps} req/s",
                  flush=True)
            took = asyncio.run(surge.run())
            results["surge"] = {"seconds": round(took, 1), "arrivals_per_s": round(args.total / took, 1),
                                "latency": {k: summary(v) for k, v in surge.latency.items()}, "codes": surge.codes,
                                "stored": check(plaza, surge)}
            print(json.dumps(results["surge"], ensure_ascii=False, indent=1), flush=True)
        finally:
            plaza.close()
            server.stop()
    if not args.skip_screening:
        runs: list[dict[str, Any]] = []
        sample = b""
        for turn, screening in enumerate(("on", "off") * args.pairs):
            url = database(args.backend, root, "plaza_help_screening")
            server = soaklib.PlazaProcess(root / "data", url, workers=args.workers,
                                          env={"PLAZA_RATE_LIMITS": "off", "PLAZA_HELP_SCREENING": screening})
            server.start()
            plaza = Plaza.from_settings(load_settings(env={}, data_dir=root / "bench", database_url=url,
                                                      secret_key="bench", rate_limits=False))
            try:
                writers = []
                for i in range(64):
                    row = accounts.create(plaza.db, username=f"poster{i}", display_name=f"poster{i}", password=None,
                                          home_city="410100")
                    writers.append(tokens.issue(plaza.db, row.id, None, frozenset({"read", "write"}))[0])
                asyncio.run(posting(server.url, writers, 2.0))  # warm: connections, statements, the detector
                cpu = worker_cpu(server)
                found = asyncio.run(posting(server.url, writers, args.screening_seconds))
                found["worker_cpu_ms_per_post"] = round((worker_cpu(server) - cpu) * 1000 / max(1, found["posts"]), 2)
                found["screening"] = screening
                runs.append(found)
                print(f"  run {turn + 1} screening {screening}: {json.dumps(found)}", flush=True)
                if not sample:
                    import urllib.request
                    request = urllib.request.Request(f"{server.url}/api/v1/statuses", method="POST",
                                                     data=json.dumps({"status": "floor sample"}).encode(),
                                                     headers={"Authorization": f"Bearer {writers[0]}",
                                                              "Content-Type": "application/json"})
                    with urllib.request.urlopen(request) as response:
                        sample = response.read()
            finally:
                plaza.close()
                server.stop()
        on = [r for r in runs if r["screening"] == "on"]
        off = [r for r in runs if r["screening"] == "off"]
        cpu_on = statistics.mean(r["worker_cpu_ms_per_post"] for r in on)
        cpu_off = statistics.mean(r["worker_cpu_ms_per_post"] for r in off)
        rate_on = statistics.mean(r["posts_per_s"] for r in on)
        rate_off = statistics.mean(r["posts_per_s"] for r in off)
        bare = asyncio.run(floor(sample, root, min(args.screening_seconds, 10.0)))
        # and in process, the CPU one screening takes on the same kind of posts (robust to neighbours)
        from plaza.actions import help as help_actions
        rng = random.Random(5)
        texts = [rng.choice(ORDINARY).format(road=rng.choice(ROADS)) + f" {rng.randint(0, 10**6)}" for _ in range(5000)]
        help_actions.screen(texts[0], None)  # trains the detector, untimed
        cpu = time.process_time()
        for text in texts:
            help_actions.screen(text, None)
        screen_ms = (time.process_time() - cpu) * 1000 / len(texts)
        results["screening"] = {"runs": runs, "cpu_ms_per_post_on": round(cpu_on, 2),
                                "cpu_ms_per_post_off": round(cpu_off, 2),
                                "cpu_added": round(cpu_on / cpu_off - 1, 3),
                                "posts_per_s_on": round(rate_on, 1), "posts_per_s_off": round(rate_off, 1),
                                "throughput_lost": round(1 - rate_on / rate_off, 3),
                                "screen_cpu_ms_in_process": round(screen_ms, 3),
                                "screen_share_of_post": round(screen_ms / cpu_off, 3),
                                "floor_posts_per_s": bare["posts_per_s"]}
        print(json.dumps({k: v for k, v in results["screening"].items() if k != "runs"}), flush=True)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
