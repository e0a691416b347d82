"""the city service desk (plaza.desk): desks, their departments, catalogue, rules and limits; cases;
agency operators; Open311 keys; the router's models and imported training cases

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:

    op.create_table(
        "open311_keys",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_open311_keys_key_hash")),
    )
    op.create_table(
        "agency_operators",
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_agency_operators_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["accounts.id"], name=op.f("fk_agency_operators_agency_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("agency_id", "account_id", name=op.f("pk_agency_operators")),
    )
    op.create_index(op.f("ix_agency_operators_account_id"), "agency_operators", ["account_id"], unique=False)
    op.create_table(
        "desks",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_desks_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desks")),
        sa.UniqueConstraint("account_id", name=op.f("uq_desks_account_id")),
    )
    op.create_table(
        "desk_categories",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("desk_id", ID, nullable=False),
        sa.Column("parent_id", ID, nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desks.id"], name=op.f("fk_desk_categories_desk_id_desks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["desk_categories.id"],
            name=op.f("fk_desk_categories_parent_id_desk_categories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_categories")),
        sa.UniqueConstraint("desk_id", "code", name=op.f("uq_desk_categories_desk_id_code")),
        sa.UniqueConstraint("desk_id", "path", name=op.f("uq_desk_categories_desk_id_path")),
    )
    op.create_index(op.f("ix_desk_categories_parent_id"), "desk_categories", ["parent_id"], unique=False)
    op.create_table(
        "desk_departments",
        sa.Column("desk_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_desk_departments_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desks.id"], name=op.f("fk_desk_departments_desk_id_desks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("desk_id", "account_id", name=op.f("pk_desk_departments")),
    )
    op.create_table(
        "desk_models",
        sa.Column("desk_id", ID, nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desks.id"], name=op.f("fk_desk_models_desk_id_desks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("desk_id", name=op.f("pk_desk_models")),
    )
    op.create_table(
        "cases",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("desk_id", ID, nullable=False),
        sa.Column("citizen_id", ID, nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("source_status_id", ID, nullable=True),
        sa.Column("open311_key_id", ID, nullable=True),
        sa.Column("token", sa.String(length=40), nullable=True),
        sa.Column("category_id", ID, nullable=True),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("public_text", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("public_address", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("contact_name", sa.String(length=60), nullable=False),
        sa.Column("contact_phone", sa.String(length=30), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("media_ids", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("department_id", ID, nullable=True),
        sa.Column("co_handler_ids", sa.Text(), nullable=False),
        sa.Column("duplicate_of", ID, nullable=True),
        sa.Column("rework_count", sa.Integer(), nullable=False),
        sa.Column("return_count", sa.Integer(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("extension_days", sa.Integer(), nullable=True),
        sa.Column("reject_reason", sa.String(length=24), nullable=True),
        sa.Column("result", sa.String(length=12), nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.Column("reply_status_id", ID, nullable=True),
        sa.Column("satisfaction", sa.String(length=24), nullable=True),
        sa.Column("fixed", sa.Boolean(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forwarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledge_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolve_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledge_hours", sa.Float(), nullable=True),
        sa.Column("reply_hours", sa.Float(), nullable=True),
        sa.Column("acknowledged_on_time", sa.Boolean(), nullable=True),
        sa.Column("replied_on_time", sa.Boolean(), nullable=True),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["desk_categories.id"],
            name=op.f("fk_cases_category_id_desk_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["accounts.id"], name=op.f("fk_cases_citizen_id_accounts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["accounts.id"], name=op.f("fk_cases_department_id_accounts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], name=op.f("fk_cases_desk_id_desks"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["source_status_id"], ["statuses.id"], name=op.f("fk_cases_source_status_id_statuses"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("token", name=op.f("uq_cases_token")),
    )
    op.create_index(op.f("ix_cases_citizen_id_created_at"), "cases", ["citizen_id", "created_at"], unique=False)
    op.create_index(
        op.f("ix_cases_department_id_state_created_at"), "cases", ["department_id", "state", "created_at"], unique=False
    )
    op.create_index(
        op.f("ix_cases_desk_id_category_id_created_at"), "cases", ["desk_id", "category_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_cases_desk_id_created_at"), "cases", ["desk_id", "created_at"], unique=False)
    op.create_index(
        op.f("ix_cases_desk_id_state_created_at"), "cases", ["desk_id", "state", "created_at"], unique=False
    )
    op.create_index(op.f("ix_cases_source_status_id"), "cases", ["source_status_id"], unique=False)
    op.create_table(
        "desk_limits",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("desk_id", ID, nullable=False),
        sa.Column("category_id", ID, nullable=True),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("acknowledge", sa.String(length=8), nullable=False),
        sa.Column("resolve", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["desk_categories.id"],
            name=op.f("fk_desk_limits_category_id_desk_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desks.id"], name=op.f("fk_desk_limits_desk_id_desks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_limits")),
    )
    op.create_index(op.f("ix_desk_limits_desk_id_category_id"), "desk_limits", ["desk_id", "category_id"], unique=False)
    op.create_table(
        "desk_rules",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("desk_id", ID, nullable=False),
        sa.Column("category_id", ID, nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("lead_id", ID, nullable=False),
        sa.Column("co_handler_ids", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["desk_categories.id"],
            name=op.f("fk_desk_rules_category_id_desk_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desks.id"], name=op.f("fk_desk_rules_desk_id_desks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["accounts.id"], name=op.f("fk_desk_rules_lead_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_rules")),
        sa.UniqueConstraint(
            "desk_id", "category_id", "county_code", name=op.f("uq_desk_rules_desk_id_category_id_county_code")
        ),
    )
    op.create_table(
        "desk_training_cases",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("desk_id", ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category_id", ID, nullable=False),
        sa.Column("department_id", ID, nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["desk_categories.id"],
            name=op.f("fk_desk_training_cases_category_id_desk_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["accounts.id"],
            name=op.f("fk_desk_training_cases_department_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desks.id"], name=op.f("fk_desk_training_cases_desk_id_desks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_training_cases")),
    )
    op.create_index(op.f("ix_desk_training_cases_desk_id"), "desk_training_cases", ["desk_id"], unique=False)
    op.create_table(
        "case_data_reads",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("agency_id", ID, nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_data_reads_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_data_reads_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_data_reads")),
    )
    op.create_index(op.f("ix_case_data_reads_case_id"), "case_data_reads", ["case_id"], unique=False)
    op.create_table(
        "case_followers",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_case_followers_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_followers_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "account_id", name=op.f("pk_case_followers")),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_case_data_reads_case_id"), table_name="case_data_reads")
    op.drop_index(op.f("ix_desk_training_cases_desk_id"), table_name="desk_training_cases")
    op.drop_index(op.f("ix_desk_limits_desk_id_category_id"), table_name="desk_limits")
    op.drop_index(op.f("ix_cases_source_status_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_desk_id_state_created_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_desk_id_created_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_desk_id_category_id_created_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_department_id_state_created_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_citizen_id_created_at"), table_name="cases")
    op.drop_index(op.f("ix_desk_categories_parent_id"), table_name="desk_categories")
    op.drop_index(op.f("ix_agency_operators_account_id"), table_name="agency_operators")
    op.drop_table("case_followers")
    op.drop_table("case_data_reads")
    op.drop_table("desk_training_cases")
    op.drop_table("desk_rules")
    op.drop_table("desk_limits")
    op.drop_table("cases")
    op.drop_table("desk_models")
    op.drop_table("desk_departments")
    op.drop_table("desk_categories")
    op.drop_table("desks")
    op.drop_table("agency_operators")
    op.drop_table("open311_keys")
