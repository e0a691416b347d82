"""CPU cost of the square's hot paths without HTTP: a home page's ids, loading 20 statuses, and
creating a post, called straight through the services on a generated database.

    python bench/inprocess.py --database-url sqlite:///bench/out/sqlite/plaza.db \\
        --tokens bench/out/sqlite/tokens.txt [--rounds 200] [--posts 150]

Prints CPU milliseconds per operation (``time.process_time``, which a busy machine disturbs far
less than wall time). Creating posts writes them into the benchmark database.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plaza.config import load_settings
from plaza.instance import Plaza
from plaza.square import accounts, posts, search, timelines, views
from plaza.square.pagination import Page

TEXTS = ("#一起守护这座城# 感谢所有救援队员，重庆加油！北碚的山火已经得到控制 {i}",
         "今天解放碑人很多，天气不错 @重庆发布 {i}",
         "上班路上看到很多志愿者在搬运物资，太感动了 {i}")


def cpu_ms(fn, rounds: int) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    for i in range(rounds):
        fn(i)
    return (time.process_time() - start) / rounds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tokens", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--posts", type=int, default=150)
    parser.add_argument("--readers", type=int, default=50)
    args = parser.parse_args()
    settings = load_settings(env={"PLAZA_DATABASE_URL": args.database_url, "PLAZA_RATE_LIMITS": "off",
                                  "PLAZA_DATA_DIR": str(args.tokens.parent / "data")})
    plaza = Plaza.from_settings(settings)
    search.warm_up()
    readers = [int(line.split()[0]) for line in args.tokens.read_text().splitlines()[: args.readers]]
    pages = {r: timelines.home(plaza.db, r, Page()) for r in readers}
    for r in readers:  # warm the caches a running server would have warm
        views.load(plaza.db, pages[r], r, "http://bench")
    home = cpu_ms(lambda i: timelines.home(plaza.db, readers[i % len(readers)], Page()), args.rounds)
    load = cpu_ms(lambda i: views.load(plaza.db, pages[readers[i % len(readers)]],
                                       readers[i % len(readers)], "http://bench"), args.rounds)
    authors = [accounts.get(plaza.db, r) for r in readers]
    post = cpu_ms(lambda i: posts.create(plaza.db, authors[i % len(authors)],
                                         posts.NewStatus(text=TEXTS[i % 3].format(i=i))), args.posts)
    print(f"home page ids      {home:6.2f} ms CPU")
    print(f"load 20 statuses   {load:6.2f} ms CPU")
    print(f"create a post      {post:6.2f} ms CPU")


if __name__ == "__main__":
    main()
