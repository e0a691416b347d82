"""What the text utilities cost per call, in one process: reading a place from a report
(``plaza.regions.address``), the nearest county to a point, finding and masking personal data
(``plaza.privacy``), and a near-duplicate signature and its comparison (``plaza.similarity``).

    python bench/textkit.py [--seconds 1.0]

Each function runs over a small set of real-looking reports, repeated until ``--seconds`` have
passed; the figure is the best of three rounds, in microseconds per call. The indexes are built
before timing (they are built once per process).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plaza import privacy, similarity
from plaza.regions import address

REPORTS = [
    "@马鞍山发布 我在花山区湖东路看到井盖丢失了，晚上很危险，请尽快处理。",
    "郑州市金水区某某小区3号楼2单元电梯又停了，老人上下楼很困难，物业一直不管。联系人：李四 13912345678",
    "重庆渝中解放碑步行街有商贩占道经营，早上车根本过不去，希望城管管一管。",
    "我叫张三，身份证11010519491231002X，车牌皖E12345被刮了，电话138-1234-5678，邮箱zs@qq.com",
    "楼下烧烤店每天营业到凌晨2点，油烟噪音太大，严重影响居民休息，希望有关部门管一管，谢谢！",
    "鼓楼区中山路与北京东路交叉口的红绿灯坏了，早高峰堵得厉害。",
]
# 200 characters: the size the signature's budget (≤ 200 µs) is stated for.
LONG = ("马鞍山市花山区湖东路12号小区门口的路灯已经坏了一个多星期了，晚上出行非常不方便，老人孩子摔倒好几次，"
        "物业说不归他们管，打了几次电话也没人来修，希望有关部门尽快派人维修，另外小区东门外的下水道也堵了三天，"
        "污水漫到人行道上，臭味很大，请市政一并疏通，谢谢！！")[:200]
POINTS = [(31.70, 118.51), (34.80, 113.66), (29.56, 106.57), (39.92, 116.44), (22.9, 113.75), (43.8, 87.6)]


def per_call_us(function: Callable[[int], object], count: int, seconds: float) -> float:
    """Best of three rounds of calling ``function(i)`` for i over ``count`` inputs, µs per call."""
    best = float("inf")
    for _ in range(3):
        calls = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds / 3:
            for i in range(count):
                function(i)
            calls += count
        best = min(best, (time.perf_counter() - started) / calls * 1e6)
    return best


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement (default 1.0)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    address.parse_address("马鞍山")
    address.nearest_county(31.7, 118.5)
    index_ms = (time.perf_counter() - started) * 1000

    signatures = [similarity.signature(text) for text in REPORTS]
    long_signature = similarity.signature(LONG)
    n = len(REPORTS)
    cases: list[tuple[str, Callable[[int], object], int]] = [
        ("address.parse_address (report)", lambda i: address.parse_address(REPORTS[i]), n),
        ("address.parse_address (hint)", lambda i: address.parse_address(REPORTS[i], hint="320100"), n),
        ("address.nearest_county", lambda i: address.nearest_county(*POINTS[i]), len(POINTS)),
        ("address.resolve_place (text+point)", lambda i: address.resolve_place(REPORTS[i], *POINTS[i]), n),
        ("privacy.find_personal (report)", lambda i: privacy.find_personal(REPORTS[i]), n),
        ("privacy.mask (report)", lambda i: privacy.mask(REPORTS[i]), n),
        ("privacy.mask (200 chars)", lambda i: privacy.mask(LONG), 1),
        ("similarity.signature (report)", lambda i: similarity.signature(REPORTS[i]), n),
        ("similarity.signature (200 chars)", lambda i: similarity.signature(LONG), 1),
        ("similarity.similarity", lambda i: similarity.similarity(signatures[i], long_signature), n),
        ("similarity.bands", lambda i: similarity.bands(signatures[i]), n),
    ]
    print(f"Python {platform.python_version()} on {platform.machine()}; index build {index_ms:.0f} ms")
    for name, function, count in cases:
        print(f"{name:38s} {per_call_us(function, count, args.seconds):8.1f} µs/call")


if __name__ == "__main__":
    main()
