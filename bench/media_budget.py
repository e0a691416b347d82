"""What an image upload costs the server: peak memory (RSS) and time of ``POST /api/v2/media``
for the images of issue 10 item 5, one at a time and four at once.

    python bench/media_budget.py [--database-url postgresql://…] [--out bench/out/media]

Cases: a 6000×6000 PNG (one colour, ~105 KB), a 1×39,000,000 PNG whose header promises 39 M
pixels (~70 bytes), a 4000×3000 photo-like JPEG (~4.4 MB) — the cases of the review — and the
largest images accepted since: a 4096×4096 PNG (the full-decode limit) and an 8000×6000 JPEG (a
48 MP phone photo, decoded at half scale). Each case runs in a fresh process
(so its peak RSS is its own) through the real application (``httpx.ASGITransport``: routing,
auth, multipart, the upload handler); the inputs are made once by this process and read from
disk by the child, so making them does not count. The table shows each request's status, the
wall time of the batch and the CPU time it cost (all threads; wall time depends on how busy the
machine is), the child's RSS before the uploads and its peak, and the size and bytes the server
stores and serves for the first upload.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CASES = ("png-6000x6000", "png-1x39M", "jpeg-4000x3000", "png-4096x4096", "jpeg-8000x6000")


def _png_with_header(width: int, height: int) -> bytes:
    """A PNG whose header says ``width``×``height`` (1-bit grey) and whose data is almost none."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0"))
            + chunk(b"IEND", b""))


def make_inputs(folder: Path) -> dict[str, Path]:
    from PIL import Image, ImageFilter

    folder.mkdir(parents=True, exist_ok=True)
    paths = {case: folder / (case + (".jpg" if case.startswith("jpeg") else ".png")) for case in CASES}
    if not paths["png-6000x6000"].exists():
        Image.new("RGB", (6000, 6000), (200, 30, 30)).save(paths["png-6000x6000"], format="PNG")
    if not paths["png-1x39M"].exists():
        paths["png-1x39M"].write_bytes(_png_with_header(1, 39_000_000))
    if not paths["png-4096x4096"].exists():
        Image.linear_gradient("L").resize((4096, 4096)).convert("RGB").save(paths["png-4096x4096"], format="PNG")
    if not paths["jpeg-8000x6000"].exists():
        Image.linear_gradient("L").resize((8000, 6000)).convert("RGB").save(
            paths["jpeg-8000x6000"], format="JPEG", quality=90)
    if not paths["jpeg-4000x3000"].exists():
        # Noise over a gradient, lightly blurred: compresses about as badly as a detailed photo.
        size = (4000, 3000)
        bands = [Image.effect_noise(size, sigma).filter(ImageFilter.GaussianBlur(0.7)) for sigma in (40, 50, 60)]
        gradient = Image.linear_gradient("L").resize(size)
        photo = Image.merge("RGB", [Image.blend(b, gradient, 0.4) for b in bands])
        photo.save(paths["jpeg-4000x3000"], format="JPEG", quality=90)
    return paths


def _peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``; ``ru_maxrss`` would also count the
    parent's peak from before the child's ``exec``)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def child(case_file: Path, concurrency: int, database_url: str, data_dir: Path) -> dict[str, object]:
    """Runs in its own process: one batch of ``concurrency`` uploads of ``case_file``."""
    import httpx

    from plaza.app import Plaza, create_app
    from plaza.config import load_settings
    from plaza.identity import tokens
    from plaza.square import accounts
    from plaza.storage.migrate import upgrade

    env = {"PLAZA_RATE_LIMITS": "off", "PLAZA_HOT": "off", "PLAZA_DATA_DIR": str(data_dir)}
    if database_url:
        env["PLAZA_DATABASE_URL"] = database_url
    plaza = Plaza.from_settings(load_settings(env=env))
    upgrade(plaza.db.engine)
    app = create_app(plaza=plaza)
    account = accounts.create(plaza.db, username=f"bench{int(time.time() * 1000) % 10**9}",
                              password=None, home_city="500000")
    secret, _ = tokens.issue(plaza.db, account.id, None, frozenset({"read", "write"}))
    data = case_file.read_bytes()
    kind = "image/jpeg" if case_file.suffix == ".jpg" else "image/png"
    headers = {"Authorization": f"Bearer {secret}"}

    async def run() -> dict[str, object]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000",
                                     timeout=120) as client:
            # Warm up the handler and the image libraries with a tiny upload.
            await client.post("/api/v2/media", headers=headers, files={"file": ("w.png", _tiny_png(), "image/png")})
            before = _current_rss_mb()
            start, cpu_start = time.perf_counter(), time.process_time()
            answers = await asyncio.gather(*(
                client.post("/api/v2/media", headers=headers, files={"file": (case_file.name, data, kind)})
                for _ in range(concurrency)))
            seconds = time.perf_counter() - start
            cpu_seconds = time.process_time() - cpu_start  # every thread's: the load-independent cost
            peak = _peak_rss_mb()
            stored = served = None
            body = answers[0].json()
            if answers[0].status_code == 200:
                meta = body.get("meta", {}).get("original", {})
                stored = f"{meta.get('width')}x{meta.get('height')}"
                got = await client.get(urlsplit(body["url"]).path, headers=headers)
                served = len(got.content)
            return {"statuses": [a.status_code for a in answers], "seconds": round(seconds, 2),
                    "cpu_seconds": round(cpu_seconds, 2),
                    "rss_before_mb": round(before), "peak_rss_mb": round(peak), "stored": stored,
                    "served_bytes": served, "input_bytes": len(data),
                    "error": None if answers[0].status_code == 200 else body.get("error")}

    try:
        return asyncio.run(run())
    finally:
        plaza.db.dispose()


def _tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="PNG")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file per run")
    parser.add_argument("--out", type=Path, default=Path("bench/out/media"))
    parser.add_argument("--child", nargs=2, metavar=("FILE", "CONCURRENCY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory() as tmp:
            result = child(Path(args.child[0]), int(args.child[1]), args.database_url, Path(tmp))
        print(json.dumps(result))
        return
    inputs = make_inputs(args.out)
    print(f"{'case':16} {'n':>2} {'status':14} {'seconds':>8} {'CPU s':>6} {'RSS before':>10} {'peak RSS':>9} "
          f"{'input':>10} {'stored':>10} {'served':>10}  error")
    for case in CASES:
        for concurrency in (1, 4):
            command = [sys.executable, str(Path(__file__).resolve()), "--child", str(inputs[case]),
                       str(concurrency), "--database-url", args.database_url]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{case:16} {concurrency:>2} failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            statuses = ",".join(str(s) for s in r["statuses"])  # type: ignore[union-attr]
            print(f"{case:16} {concurrency:>2} {statuses:14} {r['seconds']:>8} {r['cpu_seconds']:>6} "
                  f"{r['rss_before_mb']:>8} MB "
                  f"{r['peak_rss_mb']:>6} MB {r['input_bytes']:>10} {r['stored'] or '-':>10} "
                  f"{r['served_bytes'] or '-':>10}  {r['error'] or ''}")


if __name__ == "__main__":
    main()
