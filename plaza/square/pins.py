"""Posts pinned (置顶) at the top of the home and city timelines of the cities they concern until
they expire: the posts of official warnings in force (``plaza.help.warnings`` writes them, with
the cities each covers in ``warning_areas``; this module only reads them).

Timelines are the hottest reads, so the warnings in force are read once for every city and kept
per process for :data:`CACHE_SECONDS` (a new, updated or cancelled warning drops the copy of the
process that wrote it at once; other processes see it within seconds). Expiry is checked against
the clock (:mod:`plaza.clock`) on every read, so a warning leaves the timelines the moment it
expires, however fresh the copy.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, select

from plaza.clock import as_utc, utcnow
from plaza.square.pagination import Page
from plaza.storage.db import Database
from plaza.storage.schema import warning_areas, warnings

#: Seconds a process keeps the warnings in force before reading them again.
CACHE_SECONDS = 5.0
#: Warnings pinned on one timeline at most (the most severe first).
MAX_PINNED = 5
#: CAP severity → order on the timeline (red before orange before yellow before blue).
SEVERITY_ORDER = {"Extreme": 0, "Severe": 1, "Moderate": 2, "Minor": 3, "Unknown": 4}


@dataclass(frozen=True, slots=True)
class Pin:
    """A warning in force, as a timeline pins it."""

    warning_id: int
    status_id: int
    expires: datetime
    severity: str
    level: str | None
    event: str

    @property
    def order(self) -> tuple[int, int]:
        return SEVERITY_ORDER.get(self.severity, 9), -self.warning_id


@dataclass(slots=True)
class _InForce:
    loaded_at: float
    by_city: dict[str, list[Pin]] = field(default_factory=dict)
    by_status: dict[int, Pin] = field(default_factory=dict)


# In force = an Alert or an Update, neither cancelled nor replaced, not expired, with its post.
_IN_FORCE = (
    select(warnings.c.id, warnings.c.status_id, warnings.c.expires, warnings.c.severity, warnings.c.level,
           warnings.c.event, warning_areas.c.city_code)
    .join(warning_areas, warning_areas.c.warning_id == warnings.c.id)
    .where(and_(warnings.c.msg_type != "Cancel", warnings.c.cap_status == "Actual",
                warnings.c.status_id.is_not(None), warnings.c.cancelled_at.is_(None),
                warnings.c.superseded_by.is_(None), warnings.c.expires > bindparam("now")))
)
_cache: weakref.WeakKeyDictionary[Database, _InForce] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _load(conn: Connection) -> _InForce:
    found = _InForce(time.monotonic())
    for row in conn.execute(_IN_FORCE, {"now": utcnow()}):
        pin = found.by_status.get(row.status_id)
        if pin is None:
            pin = Pin(int(row.id), int(row.status_id), as_utc(row.expires), row.severity, row.level, row.event)
            found.by_status[pin.status_id] = pin
        found.by_city.setdefault(row.city_code, []).append(pin)
    for pins in found.by_city.values():
        pins.sort(key=lambda p: p.order)
    return found


def in_force(db: Database, conn: Connection) -> _InForce:
    """The warnings in force, read on ``conn`` at most every :data:`CACHE_SECONDS`."""
    cached = _cache.get(db)
    if cached is not None and time.monotonic() - cached.loaded_at < CACHE_SECONDS:
        return cached
    loaded = _load(conn)
    with _lock:
        _cache[db] = loaded
    return loaded


def forget(db: Database) -> None:
    """Drop this process's copy (a warning was issued, updated or cancelled just now)."""
    with _lock:
        _cache.pop(db, None)


def marks_of(db: Database, status_ids: list[int]) -> dict[int, Pin]:
    """:func:`marks` in a read of its own."""
    if not status_ids:
        return {}
    with db.read() as conn:
        return marks(db, conn, status_ids)


def first_page(page: Page) -> bool:
    """Whether ``page`` is the top of a timeline (no cursor): only it shows the pins."""
    return page.max_id is None and page.since_id is None and page.min_id is None


def for_city(db: Database, conn: Connection, city_code: str | None) -> list[int]:
    """The posts pinned for readers in ``city_code`` (a reader's home city, or a city's feed):
    the warnings in force that cover it, most severe first."""
    if not city_code:
        return []
    pins = in_force(db, conn).by_city.get(city_code)
    if not pins:
        return []
    now = utcnow()
    return [p.status_id for p in pins if p.expires > now][:MAX_PINNED]


def marks(db: Database, conn: Connection, status_ids: list[int]) -> dict[int, Pin]:
    """The warnings in force among these posts (the web shows their colour and "pinned")."""
    by_status = in_force(db, conn).by_status
    now = utcnow()
    return {sid: pin for sid in status_ids if (pin := by_status.get(sid)) is not None and pin.expires > now}


def put_first(pinned: list[int], ids: list[int], page: Page) -> list[int]:
    """A page's ids as shown: ``pinned`` first on the top page, and nowhere further down (on any
    page) while they are pinned."""
    if not pinned:
        return ids
    taken = set(pinned)
    rest = [i for i in ids if i not in taken]
    return [*pinned, *rest] if first_page(page) else rest
