"""A ranking of one region, level or department type reads its page and the group's size and
medians kept with the run — and says exactly what reading the whole group says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select

from plaza.desk.metrics import parse_period
from plaza.index import compute, rankings
from plaza.instance import Plaza
from plaza.storage.schema import accounts, index_groups, index_results
from tests.test_index_compute import square  # noqa: F401  (the fixture)
from tests.test_index_engine import busy  # noqa: F401  (the fixture)

FILTERS = [rankings.Filters(level="provincial"), rankings.Filters(region="500000"),
           rankings.Filters(region="310000"), rankings.Filters(department_type="publicity"),
           rankings.Filters(region="500000", level="provincial"), rankings.Filters(level="county")]


@pytest.mark.parametrize("offset", [0, 1])
def test_a_kept_group_ranks_as_the_whole_group_read(plaza: Plaza, busy, offset: int) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    now = datetime(2026, 12, 7, tzinfo=UTC)
    earlier, later = parse_period("2026-W45"), parse_period("2026-W46")
    compute.compute_period(plaza.db, earlier, now=now)
    compute.compute_period(plaza.db, later, now=now)
    with plaza.db.read() as conn:
        kept = [rankings.ranking(conn, later, f, limit=2, offset=offset) for f in FILTERS]
        names = [r.username for r in conn.execute(select(accounts.c.username).join(
            index_results, index_results.c.account_id == accounts.c.id).where(index_results.c.period == later.key))]
        pages = [rankings.account_view(conn, name, later) for name in names]
        assert conn.execute(select(func.count()).select_from(index_groups)
                            .where(index_groups.c.period == later.key)).scalar()
    with plaza.db.write() as conn:  # as a run from before the groups were kept
        conn.execute(delete(index_groups))
        for row in conn.execute(select(index_results.c.period, index_results.c.account_id, index_results.c.figures)):
            stripped = row.figures.replace('"group_ranks":', '"old_group_ranks":')
            conn.execute(index_results.update().where(index_results.c.period == row.period,
                                                      index_results.c.account_id == row.account_id)
                         .values(figures=stripped))
    with plaza.db.read() as conn:
        whole = [rankings.ranking(conn, later, f, limit=2, offset=offset) for f in FILTERS]
        assert [rankings.account_view(conn, name, later) for name in names] == pages
    assert len(pages) >= 5 and any(p["group"]["size"] > 1 for p in pages)
    for mine, theirs, f in zip(kept, whole, FILTERS, strict=True):
        for row in mine["accounts"] + theirs["accounts"]:
            row.pop("why_moved")  # reads the figures, renamed above
        assert (mine["total"], mine["median"], mine["accounts"]) == (theirs["total"], theirs["median"],
                                                                     theirs["accounts"]), f
    # the groups are not empty, and some account moved within its group between the weeks
    assert kept[1]["total"] >= 2 and any(r["previous_rank"] for k in kept for r in k["accounts"])
