"""cases: the open cases of a desk's county, newest first — where intake looks for the same
problem reported nearby

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

OPEN_CASE = "state NOT IN ('closed', 'rejected')"


def upgrade() -> None:
    # covering: what the comparison reads is in the index (open cases are a small part of a desk's)
    op.create_index("ix_cases_desk_open_county", "cases",
                    ["desk_id", "county_code", "created_at", "state", "category_id", "lat", "lon", "signature"],
                    sqlite_where=sa.text(OPEN_CASE), postgresql_where=sa.text(OPEN_CASE))


def downgrade() -> None:
    op.drop_index("ix_cases_desk_open_county", table_name="cases")
