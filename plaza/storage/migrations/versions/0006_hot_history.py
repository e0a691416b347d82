"""hot search history: refresh snapshots, per-topic records on the lists, administrators' actions (issue 3)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hot_lists",
        sa.Column("list_key", sa.String(8), nullable=False),
        sa.Column("refreshed_at", sa.Float(), nullable=False),
        sa.Column("entries", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("list_key", "refreshed_at", name="pk_hot_lists"),
    )
    op.create_index("ix_hot_lists_refreshed_at", "hot_lists", ["refreshed_at"])
    op.create_table(
        "hot_list_heads",
        sa.Column("list_key", sa.String(8), nullable=False),
        sa.Column("refreshed_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("list_key", name="pk_hot_list_heads"),
    )
    op.create_table(
        "hot_topic_records",
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("list_key", sa.String(8), nullable=False),
        sa.Column("first_onboard_at", sa.Float(), nullable=False),
        sa.Column("last_seen_at", sa.Float(), nullable=False),
        sa.Column("seconds_on_list", sa.Float(), nullable=False),
        sa.Column("peak_rank", sa.Integer(), nullable=False),
        sa.Column("peak_heat", sa.BigInteger(), nullable=False),
        sa.Column("peak_at", sa.Float(), nullable=False),
        sa.Column("half_life_seconds", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("topic", "list_key", name="pk_hot_topic_records"),
    )
    op.create_index("ix_hot_topic_records_waiting", "hot_topic_records", ["list_key", "peak_heat"],
                    sqlite_where=sa.text("half_life_seconds IS NULL"),
                    postgresql_where=sa.text("half_life_seconds IS NULL"))
    op.create_table(
        "hot_admin_actions",
        sa.Column("id", ID, nullable=False, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(200), nullable=True),
        sa.Column("city", sa.String(6), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name="fk_hot_admin_actions_account_id_accounts", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_hot_admin_actions"),
    )
    op.create_index("ix_hot_admin_actions_account_id", "hot_admin_actions", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_hot_admin_actions_account_id", table_name="hot_admin_actions")
    op.drop_table("hot_admin_actions")
    op.drop_index("ix_hot_topic_records_waiting", table_name="hot_topic_records")
    op.drop_table("hot_topic_records")
    op.drop_table("hot_list_heads")
    op.drop_index("ix_hot_lists_refreshed_at", table_name="hot_lists")
    op.drop_table("hot_lists")
