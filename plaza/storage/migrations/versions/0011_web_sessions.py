"""web sessions apart from API tokens (issue 10)

A browser's session cookie used to carry the secret of an access token, which also worked as an
API bearer token. Web sessions now have a table of their own (``web_sessions``: the secret's
hash, the account, the browser, when it started and was last used, when it ended). The access
tokens that web sign-ins issued (the only ones without an app) are revoked, so every session
from before ends and its secret stops working as a bearer token: people sign in again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("user_agent", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE",
                                name=op.f("fk_web_sessions_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_web_sessions_secret_hash")),
    )
    op.create_index(op.f("ix_web_sessions_account_id"), "web_sessions", ["account_id"],
                    unique=False)
    access_tokens = sa.table("access_tokens", sa.column("app_id", ID),
                             sa.column("revoked_at", sa.DateTime(timezone=True)))
    op.execute(access_tokens.update()
               .where(access_tokens.c.app_id.is_(None), access_tokens.c.revoked_at.is_(None))
               .values(revoked_at=sa.func.current_timestamp()))


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sessions_account_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
