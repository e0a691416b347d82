"""Rate limits on what can be abused (sign-in, sign-up, posting), via the ``limits`` library.

A limit is a string such as ``10/minute``; ``PLAZA_RATE_LIMITS=off`` switches them all off. With
``PLAZA_REDIS_URL`` set the counts live in Redis (keys under ``PLAZA_REDIS_PREFIX`` +
``ratelimit:``), so every worker and every server of the instance shares one limit; without it,
in this process's memory.

When Redis cannot be reached the limits fall back to this process's memory (with a warning) and
Redis is tried again :data:`REDIS_RETRY_SECONDS` later. Failing open instead would lift the limit
on password guessing for as long as the outage lasts; per-process limits are looser (each worker
counts on its own) but still limits, and no request fails because Redis did.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from plaza.errors import RateLimited

log = logging.getLogger(__name__)

#: How long limits stay in memory after Redis failed before Redis is tried again.
REDIS_RETRY_SECONDS = 30.0
#: A limit is checked on the request's path: an unreachable Redis may cost it this long, once
#: per retry interval, never more.
REDIS_TIMEOUT_SECONDS = 0.5


class RateLimits:
    def __init__(self, enabled: bool, rules: dict[str, str], *, redis_url: str = "",
                 redis_prefix: str = "plaza:ratelimit") -> None:
        self.enabled = enabled
        self._rules = {name: parse(rule) for name, rule in rules.items()}
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if redis_url:
            # Connecting is lazy: an unreachable Redis does not stop Plaza from starting.
            self._shared = MovingWindowRateLimiter(RedisStorage(
                redis_url, key_prefix=redis_prefix, wrap_exceptions=True,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS))
        self._redis_retry_at = 0.0
        self._lock = threading.Lock()

    @property
    def shared(self) -> bool:
        """Whether the limits are counted in Redis right now (not fallen back to memory)."""
        return self._shared is not None and time.monotonic() >= self._redis_retry_at

    def hit(self, name: str, key: str) -> None:
        """Count one attempt of ``name`` by ``key`` (an account id or client address); raise
        :class:`RateLimited` with the seconds to wait once the limit is reached."""
        if not self.enabled or name not in self._rules:
            return
        rule = self._rules[name]
        if self._shared is not None and self.shared:
            try:
                self._check(self._shared, rule, name, key)
                return
            except StorageError as exc:
                self._redis_failed(exc)
        self._check(self._memory, rule, name, key)

    def _check(self, limiter: MovingWindowRateLimiter, rule: RateLimitItem, name: str,
               key: str) -> None:
        if not limiter.hit(rule, name, key):
            reset, _ = limiter.get_window_stats(rule, name, key)
            raise RateLimited(retry_after=max(1, math.ceil(reset - time.time())))

    def _redis_failed(self, exc: StorageError) -> None:
        with self._lock:
            first = time.monotonic() >= self._redis_retry_at
            self._redis_retry_at = time.monotonic() + REDIS_RETRY_SECONDS
        if first:
            log.warning("rate limits: Redis unreachable (%s); counting in this process's memory, "
                        "retrying Redis in %.0f s", exc.storage_error, REDIS_RETRY_SECONDS)

    def reset(self) -> None:
        self._memory.storage.reset()
        if self._shared is not None:
            self._shared.storage.reset()
