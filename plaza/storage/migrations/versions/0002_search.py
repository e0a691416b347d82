"""search: full-text index over search_documents (FTS5 on SQLite, GIN on PostgreSQL)

``search_documents.tokens`` holds each post's tokens, space-separated, made by
:mod:`plaza.square.search` (jieba segmentation, normalised in Python). Both indexes split that
string on spaces only, so a search means the same on both engines.

* SQLite: ``search_fts``, an FTS5 table with external content ``search_documents`` (rowid =
  ``status_id``), kept in sync by triggers on insert, delete and update. Its ``unicode61``
  tokenizer keeps diacritics and treats letters, marks and numbers (``L* M* N*``), private-use
  and — important for CJK extensions newer than the tokenizer's Unicode 6.1 tables — unassigned
  code points (``Co Cn``) as token characters: a stored token is never split again.
* PostgreSQL: a generated column ``lexemes`` =
  ``array_to_tsvector(array_remove(string_to_array(tokens, ' '), ''))`` with a GIN index — the
  lexemes are exactly the stored tokens (no text search parser or dictionary runs over them;
  ``array_remove`` forgives a double space, which would otherwise be an invalid empty lexeme).
  Stored, not an expression index: the search also tests recent documents one by one, and
  rebuilding a tsvector per row costs ~15 µs against well under 1 µs for reading a stored one.
  The column is PostgreSQL's alone, so it is not in the shared metadata (schema.py says so).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

SQLITE_UPGRADE = (
    """
    CREATE VIRTUAL TABLE search_fts USING fts5(
        tokens,
        content='search_documents',
        content_rowid='status_id',
        tokenize="unicode61 remove_diacritics 0 categories 'L* M* N* Co Cn'"
    )
    """,
    # External content: FTS5 must be told the old values to forget them, hence the triggers.
    """
    CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts(rowid, tokens) VALUES (new.status_id, new.tokens);
    END
    """,
    """
    CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.status_id, old.tokens);
    END
    """,
    """
    CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.status_id, old.tokens);
        INSERT INTO search_fts(rowid, tokens) VALUES (new.status_id, new.tokens);
    END
    """,
    # Index the documents already there (none on a fresh database), so that the delete trigger
    # never asks FTS5 to forget a row it was never told about (that corrupts the index).
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
)

SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_ai",
    "DROP TABLE IF EXISTS search_fts",
)

# No schema name: the column and index go with their table, in whatever schema search_path selects.
POSTGRES_UPGRADE = (
    """
    ALTER TABLE search_documents ADD COLUMN lexemes tsvector
    GENERATED ALWAYS AS (array_to_tsvector(array_remove(string_to_array(tokens, ' '), ''))) STORED
    """,
    "CREATE INDEX ix_search_documents_lexemes ON search_documents USING gin (lexemes)",
)

POSTGRES_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_search_documents_lexemes",
    "ALTER TABLE search_documents DROP COLUMN IF EXISTS lexemes",
)


def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UPGRADE)
    elif dialect == "postgresql":
        _run(POSTGRES_UPGRADE)
    else:
        raise NotImplementedError(f"search index for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWNGRADE)
    elif dialect == "postgresql":
        _run(POSTGRES_DOWNGRADE)
