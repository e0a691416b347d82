"""the evaluation index's day counts kept as the square writes: a journal every write to a
government account's post, follower or mention adds to (by triggers, in the write's own
transaction), and the tables its fold keeps (:mod:`plaza.index.kept`)

A trigger on ``statuses``, ``mentions``, ``favourites``, ``follows`` and ``imported_statuses``
appends one ``index_journal`` row per act the index counts (what ``plaza.index.daily`` counts
for a day, judged as it happens: the counted account a government account, a trusted actor
verified or 60 days old and not suspended on the act's Beijing day), with the sign of the act
(a deletion subtracts). What cannot be judged then — an act whose actor's account is gone, an
imported post (it carries its source's counters) — asks for its day to be counted again
(kind 8). Appending only: no counter row is locked by the square's writes.

Kinds (``index_journal.kind``; ``at`` the id whose Beijing day the act counts on, ``ref``, ``a``, ``b``):
1 post (``a``: 0 repost, 1 original, 2 reply, 3 reply to a citizen), 2 repost (``ref`` the reposter,
``a`` of an original, ``b`` trusted), 3 comment (``a`` on an original), 4 like (``ref`` the post,
``b`` trusted), 5 mention, 6 answer to a mention (``at`` the mentioning post, ``ref`` the first
reply), 7 follow (``ref`` the follower, ``b`` trusted), 8 count this day again.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_J = "INSERT INTO index_journal (kind, account_id, at, ref, a, b, sign) "
# Beijing day start (ms) of an id, and "account x is trusted on the day of id e" (60 days)
_DAY_MS = "(((({e}) >> 16) + 28800000) / 86400000) * 86400000 - 28800000"
_TRUST = ("CASE WHEN ({x}.verified_at IS NOT NULL OR ({x}.id >> 16) < " + _DAY_MS + " - 5184000000) "
          "AND NOT {x}.suspended THEN 1 ELSE 0 END")
_GOV = "kind = 'government'"


def _trust(x: str, e: str) -> str:
    return _TRUST.format(x=x, e=e)


def _post(r: str, sign: int) -> list[str]:
    """Status ``r`` (NEW or OLD) as its author's post; deleted, an author gone: its day counted again."""
    return [f"""{_J}SELECT 1, a.id, {r}.id, NULL,
  CASE WHEN {r}.in_reply_to_id IS NULL THEN (CASE WHEN {r}.reblog_of_id IS NULL THEN 1 ELSE 0 END)
       WHEN {r}.in_reply_to_account_id <> {r}.account_id AND p.kind = 'citizen' THEN 3 ELSE 2 END, 0, {sign}
FROM accounts a LEFT JOIN accounts p ON p.id = {r}.in_reply_to_account_id
WHERE a.id = {r}.account_id AND a.{_GOV} AND {r}.visibility IN ('public', 'unlisted')"""] + (
        [f"{_J}SELECT 8, NULL, {r}.id, NULL, 0, 0, 1 WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE id = {r}.account_id)"]
        if sign < 0 else [])


def _repost(r: str, sign: int) -> list[str]:
    """Status ``r`` as a repost of a government account's post by another account."""
    return [f"""{_J}SELECT 2, o.account_id, {r}.id, {r}.account_id, CASE WHEN o.in_reply_to_id IS NULL THEN 1 ELSE 0 END,
  {_trust('x', f'{r}.id')}, {sign}
FROM statuses o JOIN accounts a ON a.id = o.account_id JOIN accounts x ON x.id = {r}.account_id
WHERE o.id = {r}.reblog_of_id AND a.{_GOV} AND o.account_id <> {r}.account_id"""]


def _comment(r: str, sign: int) -> list[str]:
    """Status ``r`` as a comment on a government account's post by another account."""
    return [f"""{_J}SELECT 3, p.account_id, {r}.id, NULL,
  CASE WHEN p.in_reply_to_id IS NULL AND p.reblog_of_id IS NULL THEN 1 ELSE 0 END, 0, {sign}
FROM statuses p JOIN accounts a ON a.id = p.account_id
WHERE p.id = {r}.in_reply_to_id AND p.account_id = {r}.in_reply_to_account_id AND a.{_GOV}
  AND {r}.account_id <> {r}.in_reply_to_account_id"""]


def _first_answer(r: str, sign: int) -> list[str]:
    """``r``, a government account's reply to a post mentioning it, is its first: counted as the
    answer (``sign`` 1 on insert, -1 on delete), the reply after it the other way."""
    where = f"""FROM statuses p JOIN mentions m ON m.status_id = p.id AND m.account_id = {r}.account_id
JOIN accounts a ON a.id = {r}.account_id
WHERE p.id = {r}.in_reply_to_id AND a.{_GOV} AND p.account_id <> {r}.account_id
  AND NOT EXISTS (SELECT 1 FROM statuses e WHERE e.in_reply_to_id = p.id AND e.account_id = {r}.account_id
                  AND e.id < {r}.id)"""
    later = (f"(SELECT MIN(l.id) FROM statuses l WHERE l.in_reply_to_id = p.id AND l.account_id = {r}.account_id "
             f"AND l.id > {r}.id)")
    return [f"{_J}SELECT 6, {r}.account_id, p.id, {r}.id, 0, 0, {sign} {where}",
            f"{_J}SELECT 6, {r}.account_id, p.id, {later}, 0, 0, {-sign} {where} AND {later} IS NOT NULL"]


def _dependents(r: str) -> list[str]:
    """Status ``r`` is deleted (before its likes and reposts go with it): what was counted for
    them, and for its mentions, subtracted; imported ones' days counted again."""
    original = f"CASE WHEN {r}.in_reply_to_id IS NULL AND {r}.reblog_of_id IS NULL THEN 1 ELSE 0 END"
    first = f"(SELECT MIN(q.id) FROM statuses q WHERE q.in_reply_to_id = {r}.id AND q.account_id = m.account_id)"
    return [
        f"""{_J}SELECT 4, {r}.account_id, f.id, {r}.id, 0, {_trust('x', 'f.id')}, -1
FROM favourites f JOIN accounts x ON x.id = f.account_id JOIN accounts a ON a.id = {r}.account_id
WHERE f.status_id = {r}.id AND a.{_GOV} AND f.account_id <> {r}.account_id""",
        f"""{_J}SELECT 2, {r}.account_id, q.id, q.account_id, CASE WHEN {r}.in_reply_to_id IS NULL THEN 1 ELSE 0 END,
  {_trust('x', 'q.id')}, -1
FROM statuses q JOIN accounts x ON x.id = q.account_id JOIN accounts a ON a.id = {r}.account_id
WHERE q.reblog_of_id = {r}.id AND a.{_GOV} AND q.account_id <> {r}.account_id""",
        f"""{_J}SELECT 3, {r}.account_id, q.id, NULL, {original}, 0, -1
FROM statuses q JOIN accounts a ON a.id = {r}.account_id
WHERE q.in_reply_to_id = {r}.id AND q.in_reply_to_account_id = {r}.account_id AND q.account_id <> {r}.account_id
  AND a.{_GOV}""",
        f"""{_J}SELECT 5, m.account_id, {r}.id, NULL, 0, 0, -1 FROM mentions m JOIN accounts a ON a.id = m.account_id
WHERE m.status_id = {r}.id AND a.{_GOV} AND m.account_id <> {r}.account_id""",
        f"""{_J}SELECT 6, m.account_id, {r}.id, {first}, 0, 0, -1 FROM mentions m JOIN accounts a ON a.id = m.account_id
WHERE m.status_id = {r}.id AND a.{_GOV} AND m.account_id <> {r}.account_id AND {first} IS NOT NULL""",
        f"""{_J}SELECT 8, NULL, i.status_id, NULL, 0, 0, 1 FROM imported_statuses i WHERE i.status_id = {r}.id""",
        f"""{_J}SELECT 8, NULL, q.id, NULL, 0, 0, 1 FROM statuses q JOIN imported_statuses i ON i.status_id = q.id
WHERE q.reblog_of_id = {r}.id""",
        f"""{_J}SELECT 8, NULL, q.id, NULL, 0, 0, 1 FROM statuses q JOIN imported_statuses i ON i.status_id = q.id
WHERE q.in_reply_to_id = {r}.id""",
    ]


def _mention(r: str, sign: int) -> list[str]:
    """A mention of a government account by another (and its answer, if one came first)."""
    first = f"(SELECT MIN(q.id) FROM statuses q WHERE q.in_reply_to_id = {r}.status_id AND q.account_id = {r}.account_id)"
    where = f"""FROM statuses s JOIN accounts a ON a.id = {r}.account_id
WHERE s.id = {r}.status_id AND a.{_GOV} AND s.account_id <> {r}.account_id"""
    return [f"{_J}SELECT 5, {r}.account_id, {r}.status_id, NULL, 0, 0, {sign} {where}",
            f"{_J}SELECT 6, {r}.account_id, {r}.status_id, {first}, 0, 0, {sign} {where} AND {first} IS NOT NULL"]


def _like(r: str, sign: int) -> list[str]:
    statements = [f"""{_J}SELECT 4, s.account_id, {r}.id, {r}.status_id, 0, {_trust('x', f'{r}.id')}, {sign}
FROM statuses s JOIN accounts a ON a.id = s.account_id JOIN accounts x ON x.id = {r}.account_id
WHERE s.id = {r}.status_id AND a.{_GOV} AND {r}.account_id <> s.account_id"""]
    if sign < 0:  # the liker's account is gone: its trust unknown
        statements.append(f"""{_J}SELECT 8, NULL, {r}.id, NULL, 0, 0, 1 FROM statuses s
WHERE s.id = {r}.status_id AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = {r}.account_id)""")
    return statements


def _follow(r: str, sign: int) -> list[str]:
    statements = [f"""{_J}SELECT 7, a.id, {r}.id, {r}.account_id, 0, {_trust('x', f'{r}.id')}, {sign}
FROM accounts a JOIN accounts x ON x.id = {r}.account_id WHERE a.id = {r}.target_account_id AND a.{_GOV}"""]
    if sign < 0:
        statements.append(f"""{_J}SELECT 8, NULL, {r}.id, NULL, 0, 0, 1 FROM accounts a
WHERE a.id = {r}.target_account_id AND a.{_GOV} AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = {r}.account_id)""")
    return statements


#: (name, table, timing, event, when, statements): a trigger runs only when ``when`` holds
#: (a post that is no repost runs no repost statement).
TRIGGERS: list[tuple[str, str, str, str, str | None, list[str]]] = [
    ("index_statuses_ai", "statuses", "AFTER", "INSERT", None, _post("NEW", 1)),
    ("index_statuses_ai_repost", "statuses", "AFTER", "INSERT", "NEW.reblog_of_id IS NOT NULL", _repost("NEW", 1)),
    ("index_statuses_ai_reply", "statuses", "AFTER", "INSERT", "NEW.in_reply_to_id IS NOT NULL",
     _comment("NEW", 1) + _first_answer("NEW", 1)),
    ("index_statuses_bd", "statuses", "BEFORE", "DELETE", None,
     _post("OLD", -1) + _repost("OLD", -1) + _comment("OLD", -1) + _first_answer("OLD", -1) + _dependents("OLD")),
    ("index_mentions_ai", "mentions", "AFTER", "INSERT", None, _mention("NEW", 1)),
    ("index_mentions_ad", "mentions", "AFTER", "DELETE", None, _mention("OLD", -1)),
    ("index_favourites_ai", "favourites", "AFTER", "INSERT", None, _like("NEW", 1)),
    ("index_favourites_ad", "favourites", "AFTER", "DELETE", None, _like("OLD", -1)),
    ("index_follows_ai", "follows", "AFTER", "INSERT", None, _follow("NEW", 1)),
    ("index_follows_ad", "follows", "AFTER", "DELETE", None, _follow("OLD", -1)),
    ("index_imported_ai", "imported_statuses", "AFTER", "INSERT", None,
     [f"{_J}VALUES (8, NULL, NEW.status_id, NULL, 0, 0, 1)"]),
]


def _create_triggers(dialect: str) -> None:
    for name, table, timing, event, when, statements in TRIGGERS:
        body = ";\n".join(statements)
        condition = f" WHEN ({when})" if when else ""
        if dialect == "sqlite":
            op.execute(f"CREATE TRIGGER {name} {timing} {event} ON {table} FOR EACH ROW{condition} BEGIN\n{body};\nEND")
        else:
            back = "OLD" if timing == "BEFORE" else "NULL"
            op.execute(f"CREATE FUNCTION plaza_{name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body};\n"
                       f"RETURN {back};\nEND\n$$")
            op.execute(f"CREATE TRIGGER {name} {timing} {event} ON {table} FOR EACH ROW{condition} "
                       f"EXECUTE FUNCTION plaza_{name}()")


def upgrade() -> None:
    op.create_table('index_journal',
    sa.Column('seq', ID, autoincrement=True, nullable=False),
    sa.Column('kind', sa.SmallInteger(), nullable=False),
    sa.Column('account_id', ID, nullable=True),
    sa.Column('at', ID, nullable=False),
    sa.Column('ref', ID, nullable=True),
    sa.Column('a', sa.SmallInteger(), nullable=False),
    sa.Column('b', sa.SmallInteger(), nullable=False),
    sa.Column('sign', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_index_journal'))
    )
    op.create_table('index_post_likes',
    sa.Column('status_id', ID, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('account_id', ID, nullable=False),
    sa.Column('likes', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('status_id', 'day', name=op.f('pk_index_post_likes'))
    )
    op.create_index(op.f('ix_index_post_likes_account_id_day'), 'index_post_likes', ['account_id', 'day'], unique=False)
    op.create_table('index_reposters',
    sa.Column('account_id', ID, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reposter_id', ID, nullable=False),
    sa.Column('trusted', sa.SmallInteger(), nullable=False),
    sa.Column('reposts', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('account_id', 'day', 'reposter_id', name=op.f('pk_index_reposters'))
    )
    op.create_table('index_recount',
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_index_recount'))
    )
    op.create_table('index_keeping',
    sa.Column('id', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('since_id', ID, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_index_keeping'))
    )
    # every act from now on is journaled: days from the next Beijing midnight are kept whole
    since = int(time.time() * 1000) << 16
    op.execute(f"INSERT INTO index_keeping (id, since_id) VALUES (1, {since})")
    _create_triggers(op.get_bind().dialect.name)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _timing, _event, _when, _statements in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if dialect == "sqlite" else f" ON {table}"))
        if dialect != "sqlite":
            op.execute(f"DROP FUNCTION IF EXISTS plaza_{name}()")
    for table in ('index_keeping', 'index_recount', 'index_reposters', 'index_post_likes', 'index_journal'):
        op.drop_table(table)
