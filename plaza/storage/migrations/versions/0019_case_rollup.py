"""case_rollup: the desk's figures kept per desk, grouping, day and member as cases move

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

Cases stored before this revision are counted by ``plaza desk rollup rebuild`` (the rollup's
definitions live in plaza.desk, above the storage layer migrations belong to).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
COUNTS = ("received", "accepted", "ack_decided", "ack_on_time", "ack_pending", "reply_decided", "reply_on_time",
          "reply_pending", "open", "closed", "rated", "satisfied", "basically_satisfied", "dissatisfied", "replied",
          "reworked", "forwarded", "returned", "resolved")


def upgrade() -> None:
    op.create_table(
        "case_rollup",
        sa.Column("desk_id", ID, nullable=False),
        sa.Column("dimension", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("member", sa.String(length=24), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in COUNTS),
        sa.Column("acknowledge_hours", sa.Text(), nullable=False, server_default=""),
        sa.Column("reply_hours", sa.Text(), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], name=op.f("fk_case_rollup_desk_id_desks"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("desk_id", "dimension", "day", "member", name=op.f("pk_case_rollup")),
    )


def downgrade() -> None:
    op.drop_table("case_rollup")
