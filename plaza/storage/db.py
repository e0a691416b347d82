"""The database handle every service takes: short read and write transactions over one engine."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("plaza.storage")

from sqlalchemy import Connection, Engine

from plaza.storage import fast


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
    def held(self, blocking: bool = True) -> Iterator[bool]:
        """Hold the lock; with ``blocking=False`` yields False at once when another has it."""
        if not self._thread_lock.acquire(blocking=blocking):
            yield False
            return
        try:
            fd = self._file()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


class _WorkerThread:
    """A daemon thread this process runs once (a forked worker starts its own)."""

    def __init__(self, target: Callable[[], None], name: str) -> None:
        self._target = target
        self._name = name
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def running(self) -> bool:
        return self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()

    def ensure(self, before_start: Callable[[], None] | None = None) -> None:
        """Start the thread unless it runs in this process already."""
        if self.running():
            return
        with self._lock:
            if self.running():
                return
            if before_start is not None:
                before_start()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._target, name=self._name, daemon=True)
            self._thread.start()

    def join(self, timeout: float, before_join: Callable[[], None] | None = None) -> None:
        """Wait for this process's thread to end (``before_join`` asks it to)."""
        if self.running():
            if before_join is not None:
                before_join()
            assert self._thread is not None
            self._thread.join(timeout=timeout)
        self._thread = None


class _Checkpointer:
    """Copies SQLite's write-ahead log into the database file from a background thread, so no
    writer pays for it inside its commit (the engine turns the automatic checkpoint off).

    Each tick runs a PASSIVE checkpoint, which neither waits for nor blocks readers and writers
    and does the copying and syncing. Under steady writing it never catches up with the end of
    the log, so the log would only grow (and a long log makes every read slower): once it passes
    :data:`RESET_FRAMES` pages, a second checkpoint runs holding the write lock, copying the few frames
    written meanwhile, and the next writer starts the log from its beginning again. Only one
    process checkpoints at a time (a non-blocking lock on a file beside the database).
    """

    #: Log length (pages) from which the log is copied completely, briefly holding the write lock.
    RESET_FRAMES = 16_384

    def __init__(self, engine: Engine, write_lock: _WriteLock, interval: float = 1.0) -> None:
        self._engine = engine
        self._write_lock = write_lock
        database = str(engine.url.database)
        self._turn = _WriteLock(database + ".checkpoint-lock")
        self._interval = interval
        self._stop = threading.Event()
        self._thread = _WorkerThread(self._run, "plaza-checkpoint")

    def ensure_running(self) -> None:
        self._thread.ensure(before_start=self._stop.clear)

    def checkpoint(self, mode: str = "PASSIVE") -> int:
        """Run one checkpoint; returns the frames the log holds (since it last started over)."""
        raw = self._engine.raw_connection()
        try:
            row = raw.driver_connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()  # type: ignore[union-attr]
        finally:
            raw.close()
        return int(row[1]) if row else 0

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                with self._turn.held(blocking=False) as mine:
                    if not mine:
                        continue  # another process is checkpointing
                    if self.checkpoint() > self.RESET_FRAMES:
                        with self._write_lock.held():
                            self.checkpoint()
            except Exception:  # a failed checkpoint is retried on the next tick
                log.warning("WAL checkpoint failed; retrying", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class _Batcher:
    """Group commit: write jobs submitted from the event loop run on one writer thread per
    process, as many as are waiting in one transaction, each in its own savepoint (a job that
    fails is rolled back alone and gets its error); every job's caller is answered only once the
    transaction has committed. The event loop keeps serving while the writer waits for the
    database's write lock, and one commit (and one full-text segment) serves a whole batch.
    """

    MAX_BATCH = 64

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: queue.SimpleQueue[tuple[Callable[[], Any], asyncio.Future[Any], asyncio.AbstractEventLoop] | None] = (
            queue.SimpleQueue())
        self._thread = _WorkerThread(self._work, "plaza-writer")

    async def run(self, job: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._thread.ensure()
        self._queue.put((job, future, loop))
        return await future

    def _work(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            while len(jobs) < self.MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this batch
                    break
                jobs.append(item)
            self._run_batch(jobs)

    def _run_batch(self, jobs: list[tuple[Callable[[], Any], asyncio.Future[Any], asyncio.AbstractEventLoop]]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            with self._db.write() as conn:
                self._db._local.batch = conn
                try:
                    for job, _future, _loop in jobs:
                        outcomes.append(_in_savepoint(conn, job))
                finally:
                    self._db._local.batch = None
        except Exception as exc:  # noqa: BLE001 - the commit failed: nothing was written
            outcomes = [(False, exc)] * len(jobs)
        for (ok, value), (_job, future, loop) in zip(outcomes, jobs, strict=True):
            try:
                loop.call_soon_threadsafe(_settle, future, ok, value)
            except RuntimeError:  # the loop has closed: nobody is waiting
                continue

    def stop(self) -> None:
        self._thread.join(timeout=10, before_join=lambda: self._queue.put(None))


_SAVEPOINT = fast.Sql("SAVEPOINT plaza_job")
_RELEASE = fast.Sql("RELEASE SAVEPOINT plaza_job")
_ROLLBACK = fast.Sql("ROLLBACK TO SAVEPOINT plaza_job")


def _in_savepoint(conn: Connection, job: Callable[[], Any]) -> tuple[bool, Any]:
    """Run one job of a batch in its own savepoint (on the driver: SQLAlchemy's nested
    transaction costs more than the statements of a small job)."""
    fast.execute(conn, _SAVEPOINT)
    try:
        result = job()
    except Exception as exc:  # noqa: BLE001 - handed to the job's caller
        fast.execute(conn, _ROLLBACK)
        fast.execute(conn, _RELEASE)
        return False, exc
    fast.execute(conn, _RELEASE)
    return True, result


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.cancelled():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


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
        self._checkpointer = (_Checkpointer(engine, self._write_lock)
                             if self._write_lock is not None else None)
        self._batcher = _Batcher(self)

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

    async def batched(self, job: Callable[[], T]) -> T:
        """Run ``job`` (a function that writes through :meth:`write`) in the group commit of
        this process's writer thread; returns its result once it is committed."""
        return await self._batcher.run(job)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        batch: Connection | None = getattr(self._local, "batch", None)
        if batch is not None:  # inside a batched job: its savepoint in the batch's transaction
            yield batch
            return
        if self._write_lock is None:
            with self._write() as conn:
                yield conn
            return
        if self._checkpointer is not None:
            self._checkpointer.ensure_running()
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
        self._batcher.stop()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            try:  # leave the database file whole for whoever opens it next
                self._checkpointer.checkpoint("TRUNCATE")
            except Exception:  # another connection is still reading: the log stays for now
                log.debug("final WAL checkpoint skipped", exc_info=True)
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            conn.close()
        self._local = threading.local()
        self.engine.dispose()
