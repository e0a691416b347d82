"""hot paths: a partial index listing the accounts in pull mode

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every home-timeline read asks which followed accounts are in pull mode: a handful of ids.
    op.create_index("ix_accounts_pull_feed", "accounts", ["id"],
                    sqlite_where=sa.text("pull_feed"), postgresql_where=sa.text("pull_feed"))


def downgrade() -> None:
    op.drop_index("ix_accounts_pull_feed", table_name="accounts")
