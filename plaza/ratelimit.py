"""Rate limits on what can be abused (sign-in, sign-up, posting), via the ``limits`` library.

A limit is a string such as ``10/minute``; ``PLAZA_RATE_LIMITS=off`` switches them all off.
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from plaza.errors import RateLimited


class RateLimits:
    def __init__(self, enabled: bool, rules: dict[str, str]) -> None:
        self.enabled = enabled
        self._rules = {name: parse(rule) for name, rule in rules.items()}
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, name: str, key: str) -> None:
        """Count one attempt of ``name`` by ``key`` (an account id or client address); raise
        :class:`RateLimited` with the seconds to wait once the limit is reached."""
        if not self.enabled or name not in self._rules:
            return
        rule = self._rules[name]
        if not self._limiter.hit(rule, name, key):
            reset, _ = self._limiter.get_window_stats(rule, name, key)
            raise RateLimited(retry_after=max(1, math.ceil(reset - time.time())))

    def reset(self) -> None:
        self._limiter.storage.reset()
