"""The square's totals for the instance's description: accounts and original posts."""

from __future__ import annotations

from sqlalchemy import func, select

from plaza.storage.db import Database
from plaza.storage.schema import accounts, statuses


def totals(db: Database) -> tuple[int, int]:
    """(accounts, original posts — reposts not counted)."""
    with db.read() as conn:
        people = int(conn.execute(select(func.count()).select_from(accounts)).scalar_one())
        originals = int(conn.execute(select(func.count()).select_from(statuses)
                                     .where(statuses.c.reblog_of_id.is_(None))).scalar_one())
    return people, originals
