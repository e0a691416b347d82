"""cases: partial indexes for the staff queue's views (open, overdue, escalated, extension asked,
due soon), so each reads its few rows newest first however many cases a desk has

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

OPEN_CASE = "state NOT IN ('closed', 'rejected')"
DUE_CASE = "resolve_by IS NOT NULL AND replied_at IS NULL"
INDEXES = (
    ("ix_cases_desk_open", ["desk_id", "created_at"], OPEN_CASE),
    ("ix_cases_desk_overdue", ["desk_id", "created_at"], "overdue"),
    ("ix_cases_desk_escalated", ["desk_id", "created_at"], "escalated"),
    ("ix_cases_desk_extension", ["desk_id", "created_at"], "extension_days IS NOT NULL"),
    ("ix_cases_desk_due", ["desk_id", "resolve_by"], DUE_CASE),
)


def upgrade() -> None:
    for name, columns, where in INDEXES:
        op.create_index(name, "cases", columns, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def downgrade() -> None:
    for name, _columns, _where in INDEXES:
        op.drop_index(name, table_name="cases")
