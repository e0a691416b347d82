"""home feed: materialised home timelines and pull-mode accounts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("pull_feed", sa.Boolean(), nullable=False, server_default="0"))
    op.create_table(
        "home_feed",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("status_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_home_feed_account_id_accounts",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["status_id"], ["statuses.id"], name="fk_home_feed_status_id_statuses",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "status_id", name="pk_home_feed"),
    )
    op.create_index("ix_home_feed_status_id", "home_feed", ["status_id"])
    # Existing posts: every account's feed gets its own posts and its followees' posts.
    op.execute(
        "INSERT INTO home_feed (account_id, status_id) "
        "SELECT account_id, id FROM statuses "
        "UNION SELECT f.account_id, s.id FROM statuses s JOIN follows f ON f.target_account_id = s.account_id "
        "WHERE s.visibility IN ('public', 'unlisted', 'private')"
    )


def downgrade() -> None:
    op.drop_index("ix_home_feed_status_id", table_name="home_feed")
    op.drop_table("home_feed")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("pull_feed")
