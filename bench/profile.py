"""Sample the server's Python stacks with py-spy and summarise where the time goes.

    python bench/profile.py --pid 12345 --duration 20 --out bench/out/profile-sqlite-home

Profiles the given pids and all their children (uvicorn workers) at once (``py-spy record
--format raw``, idle threads excluded), then prints the frames with the most samples, *self*
(the frame was running), and Plaza's frames *inclusive* (on the stack), over all processes
(frames are aggregated per function, ``py-spy --function``). The raw collapsed stacks are kept
next to the summary (``<out>.<pid>.txt``) for flame graphs.

py-spy is a tool for the benchmarker only (``pip install py-spy`` into the virtualenv); it needs
permission to ptrace the server (same user, or CAP_SYS_PTRACE).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import psutil


def server_processes(pids: Sequence[int]) -> list[int]:
    """The pids and their children; a uvicorn supervisor (no request handling) is left out when
    it has workers."""
    found: list[int] = []
    for pid in pids:
        root = psutil.Process(pid)
        children = root.children(recursive=True)
        # Skip multiprocessing's resource tracker; keep spawned workers (spawn_main).
        workers = [c.pid for c in children
                   if "resource_tracker" not in " ".join(c.cmdline())]
        found.extend(workers or [pid])
    return sorted(set(found))


def py_spy() -> str:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else (shutil.which("py-spy") or "py-spy")


def record(pids: Sequence[int], duration: float, out: Path, rate: int = 100) -> list[Path]:
    """Run py-spy on every pid in parallel; returns the collapsed-stack files."""
    out.parent.mkdir(parents=True, exist_ok=True)
    procs: list[tuple[subprocess.Popen[bytes], Path]] = []
    for pid in pids:
        path = out.with_name(f"{out.name}.{pid}.txt")
        cmd = [py_spy(), "record", "--pid", str(pid), "--duration", str(int(duration)), "--rate", str(rate),
               "--format", "raw", "--function", "--output", str(path), "--nonblocking"]
        procs.append((subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), path))
    paths = []
    for proc, path in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            print(f"py-spy failed for {path.name}: {err.decode(errors='replace')[-300:]}", file=sys.stderr)
        elif path.exists():
            paths.append(path)
    return paths


def summarise(paths: Sequence[Path], top: int = 30) -> str:
    """Self sample counts per frame, and inclusive counts of Plaza's frames, across the
    collapsed-stack files."""
    self_counts: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = stack.split(";")
            total += count
            self_counts[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    if not total:
        return "no samples"
    lines = [f"{total} samples over {len(paths)} process(es)", "", "self (running in this frame):"]
    for frame, count in self_counts.most_common(top):
        lines.append(f"  {100 * count / total:5.1f}%  {frame}")
    lines += ["", "inclusive (frame on the stack), Plaza's own frames:"]
    for frame, count in inclusive.most_common():
        if "plaza/" in frame and len(lines) < 2 * top + 8:
            lines.append(f"  {100 * count / total:5.1f}%  {frame}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pid", type=int, action="append", required=True, help="server pid (repeatable)")
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--rate", type=int, default=100, help="samples per second")
    parser.add_argument("--out", type=Path, default=Path("bench/out/profile"))
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    pids = server_processes(args.pid)
    print(f"profiling pids {pids} for {args.duration:.0f}s …", flush=True)
    paths = record(pids, args.duration, args.out, args.rate)
    summary = summarise(paths, args.top)
    args.out.with_suffix(".summary.txt").write_text(summary + "\n")
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
