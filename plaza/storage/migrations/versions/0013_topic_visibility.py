"""topic visibility (issue 10): listed topic links only, and an index of suspended accounts

``status_topics.public`` said "public or unlisted" for posts and was true for every repost,
so unlisted posts and followers-only reposts showed on topic timelines and pages and counted in
hot search. It now says *listed*: a public post, or a public repost of a public post, of an
account that is not suspended. Existing rows are corrected. Read paths leave out suspended accounts' posts (``account_id NOT IN
(SELECT id FROM accounts WHERE suspended)``): a partial index keeps that list a few rows' read.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_LISTED = ("EXISTS (SELECT 1 FROM statuses s JOIN accounts a ON a.id = s.account_id "
           "WHERE s.id = status_topics.status_id AND s.visibility = 'public' AND NOT a.suspended "
           "AND (s.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM statuses o WHERE o.id = s.reblog_of_id "
           "AND o.visibility = 'public')))")
_OLD = ("EXISTS (SELECT 1 FROM statuses s WHERE s.id = status_topics.status_id "
        "AND (s.visibility IN ('public', 'unlisted') OR s.reblog_of_id IS NOT NULL))")


def upgrade() -> None:
    op.create_index("ix_accounts_suspended", "accounts", ["id"],
                    sqlite_where=sa.text("suspended"), postgresql_where=sa.text("suspended"))
    # Only rows marked public can be wrong: the old rule marked a superset of the new one.
    op.execute(f'UPDATE status_topics SET "public" = FALSE WHERE "public" AND NOT {_LISTED}')


def downgrade() -> None:
    op.execute(f'UPDATE status_topics SET "public" = TRUE WHERE NOT "public" AND {_OLD}')
    op.drop_index("ix_accounts_suspended", table_name="accounts")
