"""authorization codes remember their use (issue 10)

A code is no longer deleted when it is exchanged: ``used_at`` marks it used and ``token_id``
names the token it gave, so that a second use fails and revokes that token (RFC 6749 4.1.2).

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("oauth_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("used_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("token_id", ID, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oauth_codes", schema=None) as batch_op:
        batch_op.drop_column("token_id")
        batch_op.drop_column("used_at")
