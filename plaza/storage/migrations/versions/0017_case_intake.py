"""cases: what intake found — the router's proposals and the most similar open case

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("cases", sa.Column("proposals", sa.Text(), nullable=False, server_default=""))
    op.add_column("cases", sa.Column("similar_to", ID, nullable=True))
    op.add_column("cases", sa.Column("similar_score", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("similar_score")
        batch.drop_column("similar_to")
        batch.drop_column("proposals")
