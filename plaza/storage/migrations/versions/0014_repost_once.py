"""one repost per account per post (issue 10): a unique index instead of a plain one

Parallel reposts of one post by one account on several worker processes could each insert a
repost (``reblogs_count`` 2 or 3). The index on ``statuses (reblog_of_id, account_id)`` becomes
unique, for reposts only (a partial index: ``reblog_of_id IS NOT NULL``). Reposts made twice
already are removed first — the oldest stays, with its feed rows and topic links, and one
repost notification — and the counters they moved are recounted: the original's
``reblogs_count`` and the reposting account's ``statuses_count``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_INDEX = "ix_statuses_reblog_of_id_account_id"
_REPOSTS = sa.text("reblog_of_id IS NOT NULL")


def upgrade() -> None:
    conn = op.get_bind()
    twice = conn.execute(sa.text(
        "SELECT reblog_of_id, account_id, MIN(id) AS kept FROM statuses WHERE reblog_of_id IS NOT NULL "
        "GROUP BY reblog_of_id, account_id HAVING COUNT(*) > 1")).all()
    for original, account, kept in twice:
        extra = [row[0] for row in conn.execute(sa.text(
            "SELECT id FROM statuses WHERE reblog_of_id = :o AND account_id = :a AND id != :k"),
            {"o": original, "a": account, "k": kept})]
        for repost in extra:  # what a repost has: feed rows and topic links (no foreign key on the feed)
            conn.execute(sa.text("DELETE FROM home_feed WHERE status_id = :s"), {"s": repost})
            conn.execute(sa.text("DELETE FROM status_topics WHERE status_id = :s"), {"s": repost})
            conn.execute(sa.text("DELETE FROM statuses WHERE id = :s"), {"s": repost})
        conn.execute(sa.text(
            "DELETE FROM notifications WHERE type = 'reblog' AND status_id = :o AND from_account_id = :a "
            "AND id != (SELECT MIN(id) FROM notifications WHERE type = 'reblog' AND status_id = :o "
            "AND from_account_id = :a)"), {"o": original, "a": account})
        conn.execute(sa.text(
            "UPDATE statuses SET reblogs_count = (SELECT COUNT(*) FROM statuses r WHERE r.reblog_of_id = :o) "
            "WHERE id = :o"), {"o": original})
        conn.execute(sa.text(
            "UPDATE accounts SET statuses_count = (SELECT COUNT(*) FROM statuses s WHERE s.account_id = :a) "
            "WHERE id = :a"), {"a": account})
    op.drop_index(_INDEX, table_name="statuses")
    op.create_index(_INDEX, "statuses", ["reblog_of_id", "account_id"], unique=True,
                    sqlite_where=_REPOSTS, postgresql_where=_REPOSTS)


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="statuses")
    op.create_index(_INDEX, "statuses", ["reblog_of_id", "account_id"])
