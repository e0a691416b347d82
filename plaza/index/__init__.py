"""The evaluation index (政务指数): how well each government account reaches, serves, answers and
is trusted — open formulas, rankings, hot-event response rates, influence against a city's
development, reports, and imports of real data from Weibo and Mastodon."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused, and left as it was found: a roll-up or an import
    makes many objects (a few per account, the posts read ahead), none in a cycle and none freed
    until it ends, and the collector, run every few hundred new objects, would only walk them
    again and again (a tenth of their time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
