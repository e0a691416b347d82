"""Time-ordered 64-bit ids, as Mastodon uses: milliseconds since the epoch in the high 48 bits,
then a per-process sequence in the low 16 bits, so ``ORDER BY id`` is ``ORDER BY created_at``."""

from __future__ import annotations

import os
import threading
import time

_lock = threading.Lock()
_last_ms = 0
_sequence = 0
#: The last sequence number given to each recent back-dated millisecond.
_backdated: dict[int, int] = {}
#: Six bits of the process id keep two workers that share a millisecond apart.
_worker = os.getpid() & 0x3F


def _reset_worker() -> None:
    global _worker
    _worker = os.getpid() & 0x3F


os.register_at_fork(after_in_child=_reset_worker)


def new_id(at_ms: int | None = None) -> int:
    """A new id; ``at_ms`` back-dates it (demo data, imports) and then only the low bits vary."""
    global _last_ms, _sequence
    with _lock:
        now = int(time.time() * 1000) if at_ms is None else at_ms
        if at_ms is None:
            if now <= _last_ms:
                now = _last_ms
                _sequence = (_sequence + 1) & 0x3FF
                if _sequence == 0:  # 1,024 ids in one millisecond: borrow the next one
                    now = _last_ms = _last_ms + 1
            else:
                _last_ms, _sequence = now, 0
            seq = _sequence
        else:  # a moment of the past: its own sequence, so ids back-dated to one moment differ
            last = _backdated.get(now)
            seq = int.from_bytes(os.urandom(2), "big") & 0x3FF if last is None else (last + 1) & 0x3FF
            if len(_backdated) > 4096:
                _backdated.clear()
            _backdated[now] = seq
        return (now << 16) | (_worker << 10) | seq


def id_at(ms: int) -> int:
    """The smallest id a moment can have: a pagination bound for "posts since t"."""
    return ms << 16


def ms_of(id_: int) -> int:
    """The millisecond an id was made in."""
    return id_ >> 16
