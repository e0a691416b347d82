"""topic hosts (话题主持人) (issue 3)

Accounts appointed to look after a topic (``topic_hosts``) and a topic's description (导语,
``topic_descriptions``), both kept by ``plaza.square.topics``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "topic_hosts",
        sa.Column("topic_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("appointed_by", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"], name=op.f("fk_topic_hosts_topic_id_topics"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_topic_hosts_account_id_accounts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["appointed_by"], ["accounts.id"],
                                name=op.f("fk_topic_hosts_appointed_by_accounts"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("topic_id", "account_id", name=op.f("pk_topic_hosts")),
    )
    op.create_index(op.f("ix_topic_hosts_account_id"), "topic_hosts", ["account_id"], unique=False)
    op.create_table(
        "topic_descriptions",
        sa.Column("topic_id", ID, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("updated_by", ID, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"],
                                name=op.f("fk_topic_descriptions_topic_id_topics"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["accounts.id"],
                                name=op.f("fk_topic_descriptions_updated_by_accounts"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("topic_id", name=op.f("pk_topic_descriptions")),
    )


def downgrade() -> None:
    op.drop_table("topic_descriptions")
    op.drop_index(op.f("ix_topic_hosts_account_id"), table_name="topic_hosts")
    op.drop_table("topic_hosts")
