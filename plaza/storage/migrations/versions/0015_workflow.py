"""workflows (plaza.workflow): where each subject is, every step it took, its time limits

Three tables any workflow shares (the service desk's cases, help requests next):
``workflow_subjects`` (state and version, moved by compare-and-swap), ``workflow_events`` (only
ever appended to: one row per step, numbered per subject) and ``workflow_timers`` (time limits
started and stopped by steps; the running ones indexed by when they run out).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_RUNNING = sa.text("stopped_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "workflow_subjects",
        sa.Column("workflow", sa.String(length=32), nullable=False),
        sa.Column("subject_id", ID, autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workflow", "subject_id", name=op.f("pk_workflow_subjects")),
    )
    op.create_index(op.f("ix_workflow_subjects_workflow_state"), "workflow_subjects", ["workflow", "state"])
    op.create_table(
        "workflow_events",
        sa.Column("workflow", sa.String(length=32), nullable=False),
        sa.Column("subject_id", ID, autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("agency_id", ID, nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["accounts.id"], ondelete="SET NULL",
                                name=op.f("fk_workflow_events_actor_id_accounts")),
        sa.ForeignKeyConstraint(["agency_id"], ["accounts.id"], ondelete="SET NULL",
                                name=op.f("fk_workflow_events_agency_id_accounts")),
        sa.PrimaryKeyConstraint("workflow", "subject_id", "seq", name=op.f("pk_workflow_events")),
    )
    op.create_table(
        "workflow_timers",
        sa.Column("workflow", sa.String(length=32), nullable=False),
        sa.Column("subject_id", ID, autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("workflow", "subject_id", "name", name=op.f("pk_workflow_timers")),
    )
    op.create_index("ix_workflow_timers_running", "workflow_timers", ["workflow", "due_at"],
                    sqlite_where=_RUNNING, postgresql_where=_RUNNING)


def downgrade() -> None:
    op.drop_index("ix_workflow_timers_running", table_name="workflow_timers")
    op.drop_table("workflow_timers")
    op.drop_table("workflow_events")
    op.drop_index(op.f("ix_workflow_subjects_workflow_state"), table_name="workflow_subjects")
    op.drop_table("workflow_subjects")
