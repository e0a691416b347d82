"""The hot statements run on the driver (plaza.storage.fast) mean the same on SQLite and
PostgreSQL, and what they write reads back through SQLAlchemy unchanged."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from plaza.config import load_settings
from plaza.instance import Plaza
from plaza.square import accounts, posts, timelines, views
from plaza.square.pagination import Page
from plaza.storage import fast
from plaza.storage.engine import make_engine
from plaza.storage.schema import statuses, workflow_events, workflow_subjects, workflow_timers
from tests import factories

#: What a driver raises for a taken key (fast runs on the driver, under SQLAlchemy's wrapping).
DRIVER_INTEGRITY = (sqlite3.IntegrityError, psycopg.IntegrityError)


def test_a_list_parameter_fills_its_in_clause_whatever_its_length(plaza: Plaza) -> None:
    author = factories.citizen(plaza)
    ids = [factories.post(plaza, author, f"第{i}条") for i in range(5)]
    sql = fast.Sql("SELECT id FROM statuses WHERE account_id = ? AND id IN ({in}) ORDER BY id")
    with plaza.db.read() as conn:
        assert [r[0] for r in fast.fetch(conn, sql, author.id, ids[1:4])] == ids[1:4]
        assert fast.fetch(conn, sql, author.id, []) == []
        assert [r[0] for r in fast.fetch(conn, sql, author.id, ids)] == ids


def test_two_lists_and_plain_parameters_keep_their_order(plaza: Plaza) -> None:
    author = factories.citizen(plaza)
    ids = [factories.post(plaza, author, f"帖子{i}") for i in range(4)]
    sql = fast.Sql("SELECT id FROM statuses WHERE id IN ({in}) AND account_id = ? "
                   "UNION ALL SELECT id FROM statuses WHERE id IN ({in}) ORDER BY id")
    with plaza.db.read() as conn:
        rows = fast.fetch(conn, sql, ids[:1], author.id, ids[2:])
    assert [r[0] for r in rows] == [ids[0], ids[2], ids[3]]


def test_a_time_written_on_the_driver_reads_back_as_sqlalchemy_wrote_it(plaza: Plaza) -> None:
    author = factories.citizen(plaza)
    moment = datetime(2022, 8, 26, 8, 30, 15, 123456, tzinfo=UTC)
    status_id = posts.create(plaza.db, author, posts.NewStatus(text="北碚山火"), created_at=moment)
    with plaza.db.read() as conn:
        stored = conn.execute(select(statuses.c.created_at).where(statuses.c.id == status_id)).scalar_one()
    assert (stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored) == moment


def test_rows_inserted_together_all_land_or_none_do(plaza: Plaza) -> None:
    at = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)
    subject = {"workflow": "demo", "subject_id": 7, "state": "open", "version": 1, "created_at": at, "updated_at": at}
    event = {"workflow": "demo", "subject_id": 7, "seq": 1, "action": "start", "from_state": None,
             "to_state": "open", "actor_id": None, "agency_id": None, "role": "citizen", "at": at, "note": "",
             "data": "{}"}
    timer = {"workflow": "demo", "subject_id": 7, "name": "ack", "started_at": at, "due_at": at}
    with plaza.db.write() as conn:
        fast.insert_together(conn, [(workflow_subjects, subject), (workflow_events, event), (workflow_timers, timer)])
    with plaza.db.read() as conn:
        assert conn.execute(select(workflow_subjects.c.state)).scalars().all() == ["open"]
        assert conn.execute(select(workflow_events.c.action)).scalars().all() == ["start"]
        due = conn.execute(select(workflow_timers.c.due_at)).scalar_one()
    assert (due.replace(tzinfo=UTC) if due.tzinfo is None else due) == at
    again = {**subject, "subject_id": 8}
    with pytest.raises(DRIVER_INTEGRITY), plaza.db.write() as conn:  # the event's key is taken: nothing lands
        fast.insert_together(conn, [(workflow_subjects, again), (workflow_events, event)])
    with plaza.db.read() as conn:
        assert conn.execute(select(workflow_subjects.c.subject_id)).scalars().all() == [7]


def test_a_percent_sign_is_refused_where_psycopg_would_misread_it() -> None:
    with pytest.raises(ValueError):
        fast.Sql("SELECT id FROM topics WHERE name LIKE '%火'")


def test_a_written_count_shows_on_the_next_read_though_the_row_was_cached(plaza: Plaza) -> None:
    author = factories.citizen(plaza)
    reader = factories.citizen(plaza)
    status_id = factories.post(plaza, author, "感谢所有救援队员")
    first = views.load(plaza.db, [status_id], reader.id)[0]
    assert first.status.favourites_count == 0 and not first.favourited
    posts.favourite(plaza.db, reader, status_id)
    again = views.load(plaza.db, [status_id], reader.id)[0]
    assert again.status.favourites_count == 1 and again.favourited
    assert views.load(plaza.db, [status_id], author.id)[0].favourited is False


def test_a_profile_change_shows_in_the_next_page(plaza: Plaza) -> None:
    author = factories.citizen(plaza, display_name="老名字")
    status_id = factories.post(plaza, author, "重庆加油")
    assert views.load(plaza.db, [status_id], None)[0].account.display_name == "老名字"
    accounts.update_profile(plaza.db, author.id, display_name="新名字")
    assert views.load(plaza.db, [status_id], None)[0].account.display_name == "新名字"


def test_a_deleted_post_leaves_the_home_timeline(plaza: Plaza) -> None:
    author = factories.citizen(plaza)
    keep = factories.post(plaza, author, "留下")
    gone = factories.post(plaza, author, "删掉")
    assert timelines.home(plaza.db, author.id, Page())[:2] == [gone, keep]
    posts.delete_status(plaza.db, author, gone)
    ids = timelines.home(plaza.db, author.id, Page())
    assert gone not in ids
    assert [v.status.id for v in views.load(plaza.db, [gone, keep], author.id)] == [keep]


@pytest.mark.parametrize("megabytes", [0, 64])
def test_sqlite_maps_as_much_of_the_file_as_the_setting_says(tmp_path: Path, megabytes: int) -> None:
    """``PLAZA_SQLITE_MMAP_MB`` reaches every connection (0, the default: no mapping)."""
    settings = load_settings(env={"PLAZA_SQLITE_MMAP_MB": str(megabytes)}, data_dir=tmp_path,
                             secret_key="test")
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA mmap_size").scalar_one() == megabytes * 2**20
    finally:
        engine.dispose()
    assert load_settings(env={}, data_dir=tmp_path, secret_key="test").sqlite_mmap_bytes == 0
