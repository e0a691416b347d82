"""incidents (plaza.help.incidents): incidents, their regions, topics and responders; donation
projects and their append-only ledgers

Revision ID: 0023
Revises: 0022 (re-chained after help requests 0021 and warnings 0022 at merge)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def _account(column: str, table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["accounts.id"], name=op.f(f"fk_{table}_{column}_accounts"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.Boolean(), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _account("account_id", "incidents", "SET NULL"),
        _account("created_by", "incidents", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("slug", name=op.f("uq_incidents_slug")),
    )
    op.create_index(op.f("ix_incidents_active_mode"), "incidents", ["active", "mode"])
    op.create_table(
        "incident_regions",
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_incident_regions_incident_id_incidents"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("incident_id", "region_code", name=op.f("pk_incident_regions")),
    )
    op.create_index(op.f("ix_incident_regions_city_code"), "incident_regions", ["city_code"])
    op.create_index(op.f("ix_incident_regions_province_code"), "incident_regions", ["province_code"])
    op.create_table(
        "incident_topics",
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("topic_key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_incident_topics_incident_id_incidents"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("incident_id", "topic_key", name=op.f("pk_incident_topics")),
    )
    op.create_index(op.f("ix_incident_topics_topic_key"), "incident_topics", ["topic_key"])
    op.create_table(
        "incident_responders",
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("added_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_incident_responders_incident_id_incidents"), ondelete="CASCADE"),
        _account("account_id", "incident_responders", "CASCADE"),
        sa.PrimaryKeyConstraint("incident_id", "account_id", name=op.f("pk_incident_responders")),
    )
    op.create_index(op.f("ix_incident_responders_account_id"), "incident_responders", ["account_id"])
    op.create_table(
        "donation_projects",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("goal_fen", sa.BigInteger(), nullable=False),
        sa.Column("raised_fen", sa.BigInteger(), nullable=False),
        sa.Column("disbursed_fen", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_donation_projects_incident_id_incidents"), ondelete="CASCADE"),
        _account("account_id", "donation_projects", "CASCADE"),
        _account("created_by", "donation_projects", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donation_projects")),
    )
    op.create_index(op.f("ix_donation_projects_incident_id"), "donation_projects", ["incident_id"])
    op.create_table(
        "donation_ledger",
        sa.Column("project_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("counterpart", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("entered_by", ID, nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["donation_projects.id"],
                                name=op.f("fk_donation_ledger_project_id_donation_projects"), ondelete="CASCADE"),
        _account("entered_by", "donation_ledger", "SET NULL"),
        sa.PrimaryKeyConstraint("project_id", "seq", name=op.f("pk_donation_ledger")),
    )


def downgrade() -> None:
    op.drop_table("donation_ledger")
    op.drop_index(op.f("ix_donation_projects_incident_id"), table_name="donation_projects")
    op.drop_table("donation_projects")
    op.drop_index(op.f("ix_incident_responders_account_id"), table_name="incident_responders")
    op.drop_table("incident_responders")
    op.drop_index(op.f("ix_incident_topics_topic_key"), table_name="incident_topics")
    op.drop_table("incident_topics")
    op.drop_index(op.f("ix_incident_regions_province_code"), table_name="incident_regions")
    op.drop_index(op.f("ix_incident_regions_city_code"), table_name="incident_regions")
    op.drop_table("incident_regions")
    op.drop_index(op.f("ix_incidents_active_mode"), table_name="incidents")
    op.drop_table("incidents")
