"""Engines for SQLite (embedded, WAL) and PostgreSQL, configured so both behave the same, and the
:class:`~plaza.storage.db.Database` a running Plaza opens on them (one engine per use of
connections: reading, the group-commit writer, other writes — see ``Database``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from plaza.config import Settings
from plaza.files import narrow_if_present, private_dir, private_file
from plaza.storage.db import Database

#: Seconds a thread waits for a free connection before its request is refused with a 503.
POOL_TIMEOUT = 10.0
#: Reading connections per process: one each for the event loop and the reader threads, the rest
#: borrowed by other threads for a moment (thread-pool work such as a sign-in's account read).
READ_POOL = 1 + Database.READER_THREADS + 3


def open_database(settings: Settings) -> Database:
    """The database of a running Plaza: a bounded pool for reading, one connection for the
    group-commit writer, a small pool for other writes."""
    return Database(
        make_engine(settings, pool_size=2, max_overflow=2, pool_timeout=POOL_TIMEOUT),
        read_engine=make_engine(settings, pool_size=READ_POOL, max_overflow=0, pool_timeout=POOL_TIMEOUT,
                                autocommit=True),
        batch_engine=make_engine(settings, pool_size=1, max_overflow=0, pool_timeout=POOL_TIMEOUT),
    )


def make_engine(settings: Settings, *, pool_size: int = 4, max_overflow: int = 4,
                pool_timeout: float = 30.0, autocommit: bool = False, **kwargs: Any) -> Engine:
    """An engine for ``settings.database_url``: WAL and durable commits on SQLite, psycopg 3 on
    PostgreSQL (with an optional ``?options=-csearch_path=…`` the tests use for private schemas).
    ``autocommit``: every connection reads in autocommit from the start, and nothing is reset
    when it goes back to the pool (a reading pool)."""
    url = settings.database_url
    if autocommit:
        kwargs.update(isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            # The folder and the file are created private before SQLite opens them: SQLite makes
            # the database 0644, and its -wal and -shm files take the database file's mode.
            private_dir(Path(path).parent)
            private_file(Path(path))
            for beside in ("-wal", "-shm", ".write-lock"):
                narrow_if_present(Path(path + beside))
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            connect_args={"check_same_thread": False, "timeout": 30},
            **kwargs,
        )
        synchronous = settings.sqlite_synchronous
        mmap_bytes = settings.sqlite_mmap_bytes

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy own transactions: pysqlite's implicit BEGIN is off, we emit our own.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a killed process; FULL also survives power loss.
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA cache_size=-4096")  # 4 MB per connection; the OS caches the rest
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.execute(f"PRAGMA mmap_size={int(mmap_bytes)}")
            # No checkpoint inside a commit: copying the WAL into the database file and syncing
            # it would stall the writer holding the lock. Database runs them in the background.
            cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                return  # reads: each statement sees the latest committed state on its own
            # IMMEDIATE takes the write lock up front, so two writers never deadlock on upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout,
                         pool_pre_ping=False, **kwargs)
