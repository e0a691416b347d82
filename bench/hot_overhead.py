"""What counting costs a timeline read: CPU per home page for hot search's recording hook, with
the background work it causes (flush every second's worth of pages, fold every ten seconds',
refresh every minute's),
next to the CPU of serving the page itself — both measured here, in one process, on a generated
database, so the ratio does not depend on how busy the machine is.

    python bench/hot_overhead.py --database-url sqlite:///bench/out/sqlite/plaza.db \\
        --tokens bench/out/sqlite/tokens.txt [--pages 20000] [--rate 1500]

The page is served through the real application (``httpx.ASGITransport``: routing, auth, the
timeline query, loading and rendering 20 statuses) with ``PLAZA_HOT=off``; the hook is then
called on 200 readers' home pages with the memory engine, as the handler calls it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from plaza.app import create_app
from plaza.config import load_settings
from plaza.hot.service import HotService
from plaza.instance import Plaza
from plaza.square import accounts, timelines, views
from plaza.square.pagination import Page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tokens", required=True, type=Path)
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=1_500, help="pages per second the flush/fold cadence assumes")
    args = parser.parse_args()
    lines = [line.split() for line in args.tokens.read_text().splitlines()]
    data_dir = args.tokens.parent / "hot-overhead"

    # 1. The page itself, through the application (hot search off).
    settings = load_settings(env={"PLAZA_DATABASE_URL": args.database_url, "PLAZA_RATE_LIMITS": "off",
                                  "PLAZA_HOT": "off", "PLAZA_DATA_DIR": str(data_dir)})
    plaza = Plaza.from_settings(settings)
    app = create_app(plaza=plaza)

    async def serve(n: int) -> float:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            for i in range(200):  # warm the caches a running server would have warm
                await client.get("/api/v1/timelines/home?limit=20",
                                 headers={"Authorization": f"Bearer {lines[i % len(lines)][1]}"})
            start = time.process_time()
            for i in range(n):
                r = await client.get("/api/v1/timelines/home?limit=20",
                                     headers={"Authorization": f"Bearer {lines[i % len(lines)][1]}"})
                assert r.status_code == 200
            return (time.process_time() - start) / n * 1000

    request_ms = asyncio.run(serve(5_000))

    # 2. The hook on the same kind of pages, with the memory engine and its background work.
    hot = HotService.from_settings(load_settings(env={"PLAZA_DATABASE_URL": args.database_url,
                                                      "PLAZA_DATA_DIR": str(data_dir)}), plaza.db, persist=False)
    readers = [accounts.get(plaza.db, int(line[0])) for line in lines[:200]]
    pages = [views.load(plaza.db, timelines.home(plaza.db, r.id, Page()), r.id, settings.base_url) for r in readers]
    topics = sum(len((v.reblog or v).topics) for page in pages for v in page) / len(pages)
    start = time.process_time()
    for i in range(args.pages):
        hot.displayed(pages[i % len(pages)], readers[i % len(readers)])
        if (i + 1) % args.rate == 0:
            hot.flush()
        if (i + 1) % (60 * args.rate) == 0:
            hot.refresh()
        elif (i + 1) % (10 * args.rate) == 0:
            hot.fold()
    hot.flush()
    hook_ms = (time.process_time() - start) / args.pages * 1000
    print(f"home page served (ASGI, hot search off; httpx client side included): {request_ms:.3f} ms CPU")
    print(f"counting its reads (hook + flush + fold + refresh): {hook_ms:.4f} ms CPU "
          f"({topics:.1f} topic reads per page)")
    print(f"added: {100 * hook_ms / request_ms:.1f} % of the page's CPU")


if __name__ == "__main__":
    main()
