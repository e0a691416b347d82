"""the evaluation index's groups: each ranked group's size and medians, stored with the run (a
ranking page of one region, level or department type reads its page, not every member)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('index_groups',
    sa.Column('period', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('median', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('period', 'kind', 'key', name=op.f('pk_index_groups'))
    )


def downgrade() -> None:
    op.drop_table('index_groups')
