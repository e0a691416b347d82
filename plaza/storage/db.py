"""The database handle every service takes: short reads on a bounded set of connections, durable
write transactions, and the group commit of each process's writer thread."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import queue
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from plaza.errors import ServiceBusy
from plaza.storage import fast

T = TypeVar("T")
log = logging.getLogger("plaza.storage")


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
        self._thread.join(timeout=2)


#: Writes a job of a batch may leave to the batch's end (:func:`defer`): the flush of each kind,
#: given every item the batch's jobs left, runs once just before the batch commits.
_FLUSHES: dict[str, Callable[[Connection, list[Any]], None]] = {}


def register_deferred(kind: str, flush: Callable[[Connection, list[Any]], None]) -> None:
    """Let jobs :func:`defer` writes of ``kind``; ``flush`` makes them, all at once."""
    _FLUSHES[kind] = flush


def defer(conn: Connection, kind: str, item: Any) -> bool:
    """Inside a group-commit batch: leave ``item`` to ``kind``'s flush, made once for the whole
    batch just before it commits (counters many jobs of a batch change: one statement, their row
    locks held for the commit only); a job rolled back to its savepoint takes its items with it.
    Outside a batch: False — write now."""
    pending: dict[str, list[Any]] | None = conn.info.get("deferred")
    if pending is None or kind not in _FLUSHES:
        return False
    pending.setdefault(kind, []).append(item)
    return True


def can_defer(conn: Connection, kind: str) -> bool:
    """Whether :func:`defer` of ``kind`` would leave the write to the batch's end."""
    return conn.info.get("deferred") is not None and kind in _FLUSHES


def deferred(conn: Connection, kind: str) -> list[Any]:
    """The items of ``kind`` this batch's jobs have deferred so far (none outside a batch)."""
    pending: dict[str, list[Any]] | None = conn.info.get("deferred")
    return list(pending.get(kind, ())) if pending else []


def _flush_deferred(conn: Connection) -> None:
    pending: dict[str, list[Any]] = conn.info.get("deferred") or {}
    for kind, items in pending.items():
        if items:
            try:
                _FLUSHES[kind](conn, items)
            except Exception as exc:
                if _must_retry(exc):
                    raise _Retry(exc) from exc
                raise
    pending.clear()


class _Batcher:
    """Group commit: write jobs submitted from the event loop run on one writer thread per
    process, as many as are waiting in one transaction, each in its own savepoint (a job that
    fails is rolled back alone and gets its error); every job's caller is answered only once the
    transaction has committed. The event loop keeps serving while the writer waits for the
    database's write lock, and one commit (and one full-text segment) serves a whole batch.

    On PostgreSQL two processes' batches can lock the same rows in opposite orders (counters of
    the same accounts and posts); the server then aborts one of them. That batch is rolled back
    whole and its jobs run again, each in a transaction of its own, so no job's caller sees a
    deadlock for what was only bad timing.

    A job that fails on a unique index (another process wrote the same fact a moment ago, after
    the job looked for it) is rolled back to its savepoint and run once more: it now sees that
    fact and answers as for a fact already there. The other jobs of the batch are untouched.
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
        try:
            outcomes = self._transaction([job for job, _future, _loop in jobs])
        except _Retry:
            outcomes = []
            for job, _future, _loop in jobs:
                try:
                    outcomes.extend(self._transaction([job]))
                except _Retry as retry:
                    outcomes.append((False, retry.error))
                except Exception as exc:  # noqa: BLE001 - the commit failed: nothing was written
                    outcomes.append((False, exc))
        except Exception as exc:  # noqa: BLE001 - the commit failed: nothing was written
            outcomes = [(False, exc)] * len(jobs)
        for (ok, value), (_job, future, loop) in zip(outcomes, jobs, strict=True):
            try:
                loop.call_soon_threadsafe(_settle, future, ok, value)
            except RuntimeError:  # the loop has closed: nobody is waiting
                continue

    def _transaction(self, jobs: list[Callable[[], Any]]) -> list[tuple[bool, Any]]:
        """Run ``jobs`` in one transaction on the writer's own connection; raises :class:`_Retry`
        (after rolling everything back) when the database asks for the transaction again."""
        outcomes: list[tuple[bool, Any]] = []
        with self._db._write(self._db._batch_engine) as conn:
            self._db._local.batch = conn
            conn.info["deferred"] = {}
            try:
                for job in jobs:
                    ok, value = _in_savepoint(conn, job)
                    if not ok and _duplicate(value):
                        ok, value = _in_savepoint(conn, job)
                    if not ok and _must_retry(value):
                        raise _Retry(value)
                    outcomes.append((ok, value))
                _flush_deferred(conn)  # the jobs' deferred writes, once, just before the commit
            finally:
                self._db._local.batch = None
                conn.info.pop("deferred", None)
        return outcomes

    def stop(self, timeout: float = 3.0) -> None:
        self._thread.join(timeout=timeout, before_join=lambda: self._queue.put(None))


class _Retry(Exception):
    """A batch the database refused for its timing (deadlock, serialisation): run it again."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


#: PostgreSQL's "try the transaction again" conditions: serialization_failure, deadlock_detected.
_RETRY_STATES = frozenset({"40001", "40P01"})


def _sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a database error, raised through SQLAlchemy (its ``orig``) or straight
    from the driver (``plaza.storage.fast`` runs statements on psycopg's cursor)."""
    state = getattr(getattr(error, "orig", None), "sqlstate", None) or getattr(error, "sqlstate", None)
    return state if isinstance(state, str) else None


def _must_retry(error: BaseException) -> bool:
    return _sqlstate(error) in _RETRY_STATES


def _duplicate(error: BaseException) -> bool:
    """A unique index refused a row (PostgreSQL's unique_violation; SQLite's UNIQUE constraint),
    through SQLAlchemy or straight from the driver."""
    if _sqlstate(error) == "23505":
        return True
    orig = error.orig if isinstance(error, IntegrityError) else error
    return isinstance(orig, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(orig)


_SAVEPOINT = fast.Sql("SAVEPOINT plaza_job")
_RELEASE = fast.Sql("RELEASE SAVEPOINT plaza_job")
_ROLLBACK = fast.Sql("ROLLBACK TO SAVEPOINT plaza_job")


def _in_savepoint(conn: Connection, job: Callable[[], Any]) -> tuple[bool, Any]:
    """Run one job of a batch in its own savepoint (on the driver: SQLAlchemy's nested
    transaction costs more than the statements of a small job)."""
    pending: dict[str, list[Any]] | None = conn.info.get("deferred")
    marks = {kind: len(items) for kind, items in (pending or {}).items()}
    fast.execute(conn, _SAVEPOINT)
    try:
        result = job()
    except Exception as exc:  # noqa: BLE001 - handed to the job's caller
        fast.execute(conn, _ROLLBACK)
        fast.execute(conn, _RELEASE)
        for kind, items in (pending or {}).items():  # its deferred writes go with it
            del items[marks.get(kind, 0):]
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
    """The database as every service sees it: ``read()`` for a connection to read on,
    ``write()`` for one durable transaction (committed before it returns), ``batched()`` for a
    write in the process's group commit.

    How connections are used, and why (docs/architecture.md has the whole picture):

    - **Readers** come from a bounded pool of autocommit connections (``read_engine``). The
      threads Plaza itself runs for the life of the process — an event loop's and the reader
      threads of :meth:`reading` — each keep one connection, since checking one out per page costs
      more than the page's statements. Any other thread (a thread pool running Argon2 or Pillow,
      hot search's I/O thread, the CLI) borrows one for the length of its ``with db.read()`` and
      gives it back. So the connections reading holds are bounded by the pool, never by how many
      threads have ever read.
    - **The group-commit writer** (:meth:`batched`) has an engine of its own (one connection), so
      no reader and no other thread can take the connection writes need.
    - **Other writes** (``write()`` outside a batch: the CLI, the demo loader, thread-pool work)
      use a small pool of their own; on SQLite a connection is taken only once the write lock is
      held, so at most one is in use per process.
    - A pool that stays empty for its timeout raises :class:`plaza.errors.ServiceBusy` (503 and
      ``Retry-After``): a request is refused rather than left waiting, and the server keeps
      answering.
    """

    #: Reader threads per process (:meth:`reading`). Two: a page is one statement on
    #: PostgreSQL, so one thread mostly waits while the other renders; more threads only fight
    #: over the GIL (BENCHMARKS.md, session 4), and two keep one slow read from holding up the rest.
    READER_THREADS = 2

    def __init__(self, engine: Engine, *, read_engine: Engine | None = None,
                 batch_engine: Engine | None = None) -> None:
        self.engine = engine
        self._read_engine = read_engine or engine
        self._reader = self._read_engine.execution_options(isolation_level="AUTOCOMMIT")
        self._batch_engine = batch_engine or engine
        self._local = threading.local()
        #: connections kept by long-lived threads: (the thread, its connection)
        self._kept: list[tuple[weakref.ref[threading.Thread], Connection]] = []
        self._kept_lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._executor_pid = 0
        self._executor_lock = threading.Lock()
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
        few statements a page needs (each sees the latest committed state). A long-lived Plaza
        thread keeps its connection across calls; any other thread gives it back at the end. A
        connection whose statement failed in the database is discarded."""
        conn: Connection | None = getattr(self._local, "reader", None)
        if conn is None or conn.closed or conn.invalidated:
            if not self._keeps_reader():
                conn = self._connect(self._reader)
                try:
                    yield conn
                finally:
                    conn.close()
                return
            conn = self._keep(self._connect(self._reader))
        try:
            yield conn
        except SQLAlchemyError:
            self._drop_reader(conn)
            raise

    def _keeps_reader(self) -> bool:
        """Whether this thread lives as long as the process (an event loop's, a reader thread)."""
        return getattr(self._local, "reader_thread", False) or asyncio._get_running_loop() is not None

    def _keep(self, conn: Connection) -> Connection:
        self._local.reader = conn
        with self._kept_lock:
            # Event loops can come and go (tests, the CLI): a thread that has ended gives back
            # what it kept.
            alive = []
            for thread, kept in self._kept:
                if thread() is not None and thread().is_alive():  # type: ignore[union-attr]
                    alive.append((thread, kept))
                else:
                    kept.close()
            alive.append((weakref.ref(threading.current_thread()), conn))
            self._kept = alive
        return conn

    def _drop_reader(self, conn: Connection) -> None:
        if getattr(self._local, "reader", None) is conn:
            self._local.reader = None
        with self._kept_lock:
            self._kept = [(t, c) for t, c in self._kept if c is not conn]
        conn.close()

    @staticmethod
    def _connect(engine: Engine) -> Connection:
        try:
            return engine.connect()
        except PoolTimeout as exc:
            log.warning("no database connection free within the pool's timeout: %s", exc)
            raise ServiceBusy() from exc

    async def reading(self, work: Callable[[], T]) -> T:
        """Run ``work`` (which reads through :meth:`read`) on one of this process's reader
        threads, so the event loop serves other requests while it waits for the database."""
        return await asyncio.get_running_loop().run_in_executor(self._readers(), work)

    def _readers(self) -> ThreadPoolExecutor:
        if self._executor is None or self._executor_pid != os.getpid():  # a forked worker: its own
            with self._executor_lock:
                if self._executor is None or self._executor_pid != os.getpid():
                    self._executor = ThreadPoolExecutor(self.READER_THREADS, "plaza-read",
                                                        initializer=self._mark_reader_thread)
                    self._executor_pid = os.getpid()
        return self._executor

    def _mark_reader_thread(self) -> None:
        self._local.reader_thread = True

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
        with self._write(self.engine) as conn:
            yield conn

    @contextmanager
    def _write(self, engine: Engine) -> Iterator[Connection]:
        """One transaction on ``engine``; on SQLite under the write lock, taken before the
        connection so a waiting writer holds none."""
        if self._write_lock is None:
            with self._transaction(engine) as conn:
                yield conn
            return
        if self._checkpointer is not None:
            self._checkpointer.ensure_running()
        with self._write_lock.held(), self._transaction(engine) as conn:
            yield conn

    @contextmanager
    def _transaction(self, engine: Engine) -> Iterator[Connection]:
        with self._connect(engine) as conn:
            conn.info["write"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("write", None)

    def dispose(self) -> None:
        """Stop the writer and the checkpointer, close every connection. Quick by design: a
        stopping server has seconds, not minutes (``plaza serve`` stops within 10 s)."""
        self._batcher.stop()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            try:  # leave the database file whole for whoever opens it next
                self._checkpointer.checkpoint("TRUNCATE")
            except Exception:  # another connection is still reading: the log stays for now
                log.debug("final WAL checkpoint skipped", exc_info=True)
        if self._executor is not None and self._executor_pid == os.getpid():
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = None
        with self._kept_lock:
            kept, self._kept = self._kept, []
        for _thread, conn in kept:
            conn.close()
        self._local = threading.local()
        for engine in {self.engine, self._read_engine, self._batch_engine}:
            engine.dispose()
