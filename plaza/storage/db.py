"""The database handle every service takes: short read and write transactions over one engine."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine


class _WriteLock:
    """Serialises SQLite writers across threads and worker processes.

    SQLite allows one writer at a time; a writer that finds the database locked sleeps in growing
    steps (1, 2, 5, 10 … ms) before it retries, which wrecks latency under load. Queueing on an
    ``flock`` instead wakes the next writer the moment the lock is released.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock:
            fd = self._file()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)


class Database:
    """Wraps an engine; ``write()`` is one durable transaction (committed before it returns)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        # Each thread keeps one autocommit reading connection: checking a connection out of the
        # pool and back in costs more than the two or three statements a page runs on it.
        self._local = threading.local()
        self._readers: list[Connection] = []
        self._readers_lock = threading.Lock()
        self.is_sqlite = engine.dialect.name == "sqlite"
        database = engine.url.database if self.is_sqlite else None
        self._write_lock = (_WriteLock(database + ".write-lock")
                            if database and database != ":memory:" else None)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading, in autocommit: no BEGIN and COMMIT round trips around the
        few statements a page needs (each sees the latest committed state). The thread's reading
        connection is reused across calls; one that fails is discarded."""
        conn: Connection | None = getattr(self._local, "reader", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self._reader.connect()
            self._local.reader = conn
            with self._readers_lock:
                self._readers.append(conn)
        try:
            yield conn
        except BaseException:
            self._drop_reader(conn)
            raise

    def _drop_reader(self, conn: Connection) -> None:
        if getattr(self._local, "reader", None) is conn:
            self._local.reader = None
        with self._readers_lock:
            if conn in self._readers:
                self._readers.remove(conn)
        conn.close()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        if self._write_lock is None:
            with self._write() as conn:
                yield conn
            return
        with self._write_lock.held(), self._write() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.info["write"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("write", None)

    def dispose(self) -> None:
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            conn.close()
        self._local = threading.local()
        self.engine.dispose()
