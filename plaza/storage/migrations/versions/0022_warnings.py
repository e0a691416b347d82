"""warnings, warning_areas: official warnings (预警) in CAP 1.2 and the cities they cover

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "warnings",
        sa.Column("id", ID, nullable=False, autoincrement=False),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("status_id", ID, nullable=True),
        sa.Column("cap_status", sa.String(length=10), nullable=False),
        sa.Column("msg_type", sa.String(length=10), nullable=False),
        sa.Column("references_id", ID, nullable=True),
        sa.Column("superseded_by", ID, nullable=True),
        sa.Column("cancelled_at", TIME, nullable=True),
        sa.Column("event", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=True),
        sa.Column("level", sa.String(length=8), nullable=True),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("certainty", sa.String(length=10), nullable=False),
        sa.Column("headline", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("instruction", sa.Text(), nullable=True),
        sa.Column("area_description", sa.Text(), nullable=False),
        sa.Column("polygon", sa.Text(), nullable=True),
        sa.Column("sent", TIME, nullable=False),
        sa.Column("onset", TIME, nullable=True),
        sa.Column("expires", TIME, nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("cap_xml", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_warnings_account_id_accounts"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["status_id"], ["statuses.id"], name=op.f("fk_warnings_status_id_statuses"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["references_id"], ["warnings.id"],
                                name=op.f("fk_warnings_references_id_warnings"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warnings")),
        sa.UniqueConstraint("identifier", name=op.f("uq_warnings_identifier")),
    )
    op.create_index(op.f("ix_warnings_expires"), "warnings", ["expires"])
    op.create_index(op.f("ix_warnings_status_id"), "warnings", ["status_id"])
    op.create_index(op.f("ix_warnings_references_id"), "warnings", ["references_id"])
    op.create_table(
        "warning_areas",
        sa.Column("warning_id", ID, nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"], name=op.f("fk_warning_areas_warning_id_warnings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("warning_id", "region_code", "city_code", name=op.f("pk_warning_areas")),
    )
    op.create_index(op.f("ix_warning_areas_city_code_warning_id"), "warning_areas", ["city_code", "warning_id"])


def downgrade() -> None:
    op.drop_table("warning_areas")
    op.drop_table("warnings")
