"""help in emergencies (plaza.help): help requests, their sources, responders, offers,
verifiers and the log of reads of their personal data

A request's state, history and timers live in the shared workflow tables ("help" workflow);
``help_requests`` keeps what the verifiers' queue (by urgency), duplicate search (the open
requests of a county; the same phone, keyed-hashed) and the public lists read.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OPEN = sa.text("state IN ('submitted', 'verified', 'dispatched', 'claimed', 'in_progress')")


def upgrade() -> None:
    op.create_table(
        "help_requests",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("detected", sa.Boolean(), nullable=False),
        sa.Column("detect_score", sa.Float(), nullable=True),
        sa.Column("need", sa.String(length=16), nullable=False),
        sa.Column("people", sa.Integer(), nullable=True),
        sa.Column("vulnerable", sa.String(length=80), nullable=False),
        sa.Column("signals", sa.String(length=160), nullable=False),
        sa.Column("urgency", sa.Integer(), nullable=False),
        sa.Column("urgency_reasons", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("public_text", sa.Text(), nullable=False),
        sa.Column("place_text", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("place_resolved", sa.Boolean(), nullable=False),
        sa.Column("contact_name", sa.String(length=60), nullable=False),
        sa.Column("contact_phone", sa.String(length=30), nullable=False),
        sa.Column("second_phone", sa.String(length=30), nullable=False),
        sa.Column("phone_hash", sa.String(length=32), nullable=True),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("requester_id", ID, nullable=True),
        sa.Column("source_status_id", ID, nullable=True),
        sa.Column("incident_id", ID, nullable=True),
        sa.Column("media_ids", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("similar_to", ID, nullable=True),
        sa.Column("similar_score", sa.Float(), nullable=True),
        sa.Column("merged_into", ID, nullable=True),
        sa.Column("sources_count", sa.Integer(), nullable=False),
        sa.Column("locked_by", ID, nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verifier_id", ID, nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unreachable_count", sa.Integer(), nullable=False),
        sa.Column("close_reason", sa.String(length=8), nullable=True),
        sa.Column("responder_id", ID, nullable=True),
        sa.Column("claimed_by", ID, nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("people_helped", sa.Integer(), nullable=True),
        sa.Column("completion_note", sa.Text(), nullable=True),
        sa.Column("completion_media", sa.Text(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_status_id", ID, nullable=True),
        sa.Column("needs_follow_up", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["accounts.id"], name=op.f("fk_help_requests_requester_id_accounts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_requests")),
    )
    op.create_index(
        op.f("ix_help_requests_county_code_created_at"), "help_requests", ["county_code", "created_at"], unique=False
    )
    op.create_index(op.f("ix_help_requests_incident_id_state"), "help_requests", ["incident_id", "state"], unique=False)
    op.create_index(
        "ix_help_requests_open_county",
        "help_requests",
        ["county_code", "created_at", "state", "lat", "lon", "signature"],
        unique=False,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )
    op.create_index(op.f("ix_help_requests_phone_hash"), "help_requests", ["phone_hash"], unique=False)
    op.create_index(
        op.f("ix_help_requests_requester_id_created_at"), "help_requests", ["requester_id", "created_at"], unique=False
    )
    op.create_index(
        op.f("ix_help_requests_responder_id_state"), "help_requests", ["responder_id", "state"], unique=False
    )
    op.create_index(op.f("ix_help_requests_source_status_id"), "help_requests", ["source_status_id"], unique=False)
    op.create_index(
        op.f("ix_help_requests_state_urgency_created_at"),
        "help_requests",
        ["state", "urgency", "created_at"],
        unique=False,
    )
    op.create_table(
        "help_responders",
        sa.Column("account_id", ID, autoincrement=False, nullable=False),
        sa.Column("capabilities", sa.String(length=120), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_help_responders_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_help_responders")),
    )
    op.create_index(op.f("ix_help_responders_region_code"), "help_responders", ["region_code"], unique=False)
    op.create_table(
        "help_verifiers",
        sa.Column("account_id", ID, autoincrement=False, nullable=False),
        sa.Column("organisation_id", ID, nullable=True),
        sa.Column("granted_by", ID, nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_help_verifiers_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_help_verifiers")),
    )
    op.create_table(
        "help_data_reads",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("request_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("why", sa.String(length=200), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_help_data_reads_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["help_requests.id"],
            name=op.f("fk_help_data_reads_request_id_help_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_data_reads")),
    )
    op.create_index(op.f("ix_help_data_reads_account_id_at"), "help_data_reads", ["account_id", "at"], unique=False)
    op.create_index(op.f("ix_help_data_reads_request_id"), "help_data_reads", ["request_id"], unique=False)
    op.create_table(
        "help_offers",
        sa.Column("request_id", ID, nullable=False),
        sa.Column("responder_id", ID, nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["help_requests.id"],
            name=op.f("fk_help_offers_request_id_help_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responder_id"], ["accounts.id"], name=op.f("fk_help_offers_responder_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("request_id", "responder_id", name=op.f("pk_help_offers")),
    )
    op.create_index(
        op.f("ix_help_offers_responder_id_offered_at"), "help_offers", ["responder_id", "offered_at"], unique=False
    )
    op.create_table(
        "help_sources",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("request_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status_id", ID, nullable=True),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("contact_name", sa.String(length=60), nullable=False),
        sa.Column("contact_phone", sa.String(length=30), nullable=False),
        sa.Column("second_phone", sa.String(length=30), nullable=False),
        sa.Column("phone_hash", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["help_requests.id"],
            name=op.f("fk_help_sources_request_id_help_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_sources")),
    )
    op.create_index(op.f("ix_help_sources_phone_hash"), "help_sources", ["phone_hash"], unique=False)
    op.create_index(op.f("ix_help_sources_request_id"), "help_sources", ["request_id"], unique=False)
    op.create_index(op.f("ix_help_sources_status_id"), "help_sources", ["status_id"], unique=True)


def downgrade() -> None:
    for table in (
        "help_data_reads",
        "help_verifiers",
        "help_offers",
        "help_responders",
        "help_sources",
        "help_requests",
    ):
        op.drop_table(table)
