"""The running instance: one :class:`Plaza` — settings, database, rate limits, hot search, the
clock — that every interface and every action reaches, and where blocking work runs."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from plaza.clock import SYSTEM, Clock
from plaza.config import Settings
from plaza.errors import ServiceBusy
from plaza.hot.service import HotService
from plaza.matrices.matrices import FOLLOW_ALL_RATE as MATRIX_FOLLOW_RATE
from plaza.ratelimit import RateLimits
from plaza.square import media
from plaza.storage.db import Database
from plaza.storage.engine import open_database

T = TypeVar("T")


class _Compute:
    """A small pool for CPU-heavy work (Argon2 password checks): as many threads as the machine
    has cores, so a crowd signing in at once queues here instead of running a hundred 64 MB
    Argon2 hashes side by side. The queue is bounded, and so is a job's wait: past either the
    request is refused with 503 and ``Retry-After`` at once — better than an answer after the
    person has given up, computed for nobody while others wait. Made afresh in a forked worker."""

    #: jobs waiting or running at most, per process
    QUEUE = 64
    #: seconds a job may wait for a thread before it is dropped as abandoned
    DEADLINE = 10.0

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._pending = 0

    def admit(self) -> None:
        with self._lock:
            if self._pending >= self.QUEUE:
                raise ServiceBusy()
            self._pending += 1

    def done(self) -> None:
        with self._lock:
            self._pending -= 1

    def job(self, work: Callable[[], T]) -> Callable[[], T]:
        """``work``, refused if it waited for a thread past :attr:`DEADLINE`."""
        queued = time.monotonic()

        def run() -> T:
            if time.monotonic() - queued > self.DEADLINE:
                raise ServiceBusy()
            return work()
        return run

    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None or self._pid != os.getpid():
            with self._lock:
                if self._executor is None or self._pid != os.getpid():
                    self._executor = ThreadPoolExecutor(max(2, os.cpu_count() or 2), "plaza-compute")
                    self._pid = os.getpid()
        return self._executor

    def shutdown(self) -> None:
        if self._executor is not None and self._pid == os.getpid():
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = None


@dataclass
class Plaza:
    """A running instance: what every request handler reaches through ``request.app.state.plaza``
    and every action (:mod:`plaza.actions`) takes first."""

    settings: Settings
    db: Database
    limits: RateLimits
    #: hot search (热搜): counting hooks, lists, administrators' controls
    hot: HotService
    #: the time as the instance sees it (tests set it; see :mod:`plaza.clock`)
    clock: Clock = SYSTEM
    _compute: _Compute = field(default_factory=_Compute, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, db: Database | None = None) -> Plaza:
        db = db if db is not None else open_database(settings)
        media.use_secret(settings.secret_key)  # signed media links hold in every worker
        return cls(
            settings=settings,
            db=db,
            limits=RateLimits(settings.rate_limits, {
                "sign_in": settings.rate_limit_sign_in,
                "sign_up": settings.rate_limit_sign_up,
                "posting": settings.rate_limit_posting,
                "register_app": settings.rate_limit_apps,  # POST /api/v1/apps, per client address
                "follow": settings.rate_limit_follows,  # follows per account, as Mastodon's
                "case": settings.rate_limit_cases,  # cases filed per citizen / Open311 key
                "help": settings.rate_limit_help,  # help requests filed per person / address
                # image uploads (posts' images, avatars, headers): each one is decoded
                "media_upload": settings.rate_limit_media,
                # following or unfollowing a whole government matrix (plaza.matrices)
                "matrix_follow": MATRIX_FOLLOW_RATE,
            }, redis_url=settings.redis_url, redis_prefix=settings.redis_prefix + "ratelimit"),
            hot=HotService.from_settings(settings, db),
        )

    async def read(self, work: Callable[[], T]) -> T:
        """Run database reads: on PostgreSQL on a reader thread (every statement is a network
        round trip the event loop must not wait for), on SQLite right here (nothing waits, and
        the hop to a thread would cost more than the read)."""
        if self.db.is_sqlite:
            return work()
        return await self.db.reading(work)

    async def compute(self, work: Callable[[], T]) -> T:
        """Run CPU-heavy work (Argon2) on the bounded compute pool, off the event loop; 503 when
        too many wait already (see :class:`_Compute`)."""
        pool = self._compute
        pool.admit()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool.executor(), pool.job(work))
        finally:
            pool.done()

    def close(self) -> None:
        """Stop what the instance runs in the background and close the database."""
        self._compute.shutdown()
        self.db.dispose()
