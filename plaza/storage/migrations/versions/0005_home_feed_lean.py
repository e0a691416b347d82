"""lean home feed: no foreign keys and no status index on the feed rows

Every post writes one feed row per follower, so each row's cost counts: the foreign-key checks
(two lookups per row) and the status_id index (a second b-tree per row) went. Deleting a post now
removes its feed rows by their keys (plaza.square.feeds.on_delete). On SQLite the table is
clustered on its key (WITHOUT ROWID): one b-tree instead of a table plus its key's index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TABLE home_feed_lean (account_id INTEGER NOT NULL, status_id INTEGER NOT NULL, "
                   "CONSTRAINT pk_home_feed PRIMARY KEY (account_id, status_id)) WITHOUT ROWID")
        op.execute("INSERT INTO home_feed_lean (account_id, status_id) "
                   "SELECT account_id, status_id FROM home_feed ORDER BY account_id, status_id")
        op.execute("DROP TABLE home_feed")
        op.execute("ALTER TABLE home_feed_lean RENAME TO home_feed")
        return
    op.drop_constraint("fk_home_feed_account_id_accounts", "home_feed", type_="foreignkey")
    op.drop_constraint("fk_home_feed_status_id_statuses", "home_feed", type_="foreignkey")
    op.drop_index("ix_home_feed_status_id", table_name="home_feed")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TABLE home_feed_rowid (account_id INTEGER NOT NULL REFERENCES accounts (id) "
                   "ON DELETE CASCADE, status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE, "
                   "CONSTRAINT pk_home_feed PRIMARY KEY (account_id, status_id))")
        op.execute("INSERT INTO home_feed_rowid SELECT account_id, status_id FROM home_feed")
        op.execute("DROP TABLE home_feed")
        op.execute("ALTER TABLE home_feed_rowid RENAME TO home_feed")
    else:
        op.create_foreign_key("fk_home_feed_account_id_accounts", "home_feed", "accounts", ["account_id"], ["id"],
                              ondelete="CASCADE")
        op.create_foreign_key("fk_home_feed_status_id_statuses", "home_feed", "statuses", ["status_id"], ["id"],
                              ondelete="CASCADE")
    op.create_index("ix_home_feed_status_id", "home_feed", ["status_id"])
