"""government matrices (政务矩阵) and matrix campaigns (issue 3)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _account_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["accounts.id"], name=f"fk_{table}_{column}_accounts",
                                   ondelete="SET NULL")


def upgrade() -> None:
    op.create_table(
        "matrices",
        sa.Column("id", ID, nullable=False, autoincrement=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("name_key", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("department_type", sa.String(32), nullable=True),
        sa.Column("root_id", ID, nullable=True),
        sa.Column("owner_id", ID, nullable=True),
        sa.Column("created_by", ID, nullable=True),
        _time("synced_at", nullable=True),
        _time("created_at"),
        _time("updated_at"),
        _account_fk("matrices", "root_id"),
        _account_fk("matrices", "owner_id"),
        _account_fk("matrices", "created_by"),
        sa.PrimaryKeyConstraint("id", name="pk_matrices"),
        sa.UniqueConstraint("name_key", name="uq_matrices_name_key"),
    )
    op.create_index("ix_matrices_owner_id", "matrices", ["owner_id"])
    op.create_table(
        "matrix_members",
        sa.Column("matrix_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        _time("added_at"),
        _time("removed_at", nullable=True),
        sa.ForeignKeyConstraint(["matrix_id"], ["matrices.id"], name="fk_matrix_members_matrix_id_matrices",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_matrix_members_account_id_accounts",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("matrix_id", "account_id", name="pk_matrix_members"),
    )
    op.create_index("ix_matrix_members_account_id", "matrix_members", ["account_id"])
    op.create_table(
        "matrix_campaigns",
        sa.Column("id", ID, nullable=False, autoincrement=False),
        sa.Column("matrix_id", ID, nullable=False),
        sa.Column("topic_key", sa.String(200), nullable=False),
        sa.Column("topic_name", sa.String(100), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _time("starts_at"),
        _time("ends_at"),
        _time("ended_early_at", nullable=True),
        sa.Column("created_by", ID, nullable=True),
        _time("created_at"),
        sa.ForeignKeyConstraint(["matrix_id"], ["matrices.id"], name="fk_matrix_campaigns_matrix_id_matrices",
                                ondelete="CASCADE"),
        _account_fk("matrix_campaigns", "created_by"),
        sa.PrimaryKeyConstraint("id", name="pk_matrix_campaigns"),
    )
    op.create_index("ix_matrix_campaigns_matrix_id_id", "matrix_campaigns", ["matrix_id", "id"])
    op.create_index("ix_matrix_campaigns_topic_key", "matrix_campaigns", ["topic_key"])


def downgrade() -> None:
    op.drop_index("ix_matrix_campaigns_topic_key", table_name="matrix_campaigns")
    op.drop_index("ix_matrix_campaigns_matrix_id_id", table_name="matrix_campaigns")
    op.drop_table("matrix_campaigns")
    op.drop_index("ix_matrix_members_account_id", table_name="matrix_members")
    op.drop_table("matrix_members")
    op.drop_index("ix_matrices_owner_id", table_name="matrices")
    op.drop_table("matrices")
