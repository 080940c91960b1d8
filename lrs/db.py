"""The LRS's database: its own metadata, engine set-up and migrations.

A copy of ``core/db.py``'s engine rules (DESIGN.md, Storage) so that the LRS can be
deployed without the rest of the app: SQLite in WAL with synchronous=FULL, a busy
timeout and writes in BEGIN IMMEDIATE; PostgreSQL with synchronous_commit on.
"""

from __future__ import annotations

import fcntl
import os
import select
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, MetaData, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase

JSONType = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_lrs"


class LRSBase(DeclarativeBase):
    """Base of the LRS's tables; nothing outside ``lrs`` maps or joins them."""

    metadata = MetaData(naming_convention=NAMING)


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the durability settings of DESIGN.md (see module docstring)."""
    if not url.startswith("sqlite"):
        engine = sa_create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pg_connect(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO on")
            dbapi_conn.commit()

        if not kwargs.get("pool_pre_ping"):
            _ping_when_spoken_to(engine)
        return engine
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    engine = sa_create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # BEGIN is ours, below
        cursor = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    queue = WriteQueue.for_path(_lock_path(url))

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE":
            queue.enter(conn.connection)
        conn.exec_driver_sql(f"BEGIN {mode}")

    dialect = engine.dialect
    for name in ("do_commit", "do_rollback", "do_close"):
        setattr(dialect, name, queue.leaving_after(getattr(dialect, name)))
    return engine


_BY_PATH: dict[str, WriteQueue] = {}
#: The queues already found, by engine URL: every statement GET asks (rendering the URL and
#: resolving the path cost a string build and an lstat per path component each time).
_BY_URL: dict[Any, WriteQueue] = {}
_REGISTRY_LOCK = threading.Lock()


def write_queue(engine: Engine) -> WriteQueue | None:
    """The writers' queue of a SQLite database file opened by ``create_engine`` (None otherwise)."""
    if engine.dialect.name != "sqlite":
        return None
    queue = _BY_URL.get(engine.url)
    if queue is not None:
        return queue
    path = _lock_path(str(engine.url))
    with _REGISTRY_LOCK:
        queue = _BY_PATH.get(os.path.realpath(path)) if path is not None else None
        if queue is not None:
            _BY_URL[engine.url] = queue
    return queue


def _ping_when_spoken_to(engine: Engine) -> None:
    """Replace a pooled PostgreSQL connection the server has dropped, at the cost of a poll, not a round trip.

    SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` at every checkout: one round trip
    per request, about 0.1 ms of this process's CPU and some of the server's. A pooled
    connection sits idle between requests, and an idle PostgreSQL connection has nothing
    to read unless the server is dropping it: a restart, a crash or
    ``pg_terminate_backend`` sends an ErrorResponse (57P01 and friends) and closes the
    socket, and a dead server's socket reads as closed. So the socket is polled without
    waiting; only a connection with something to read gets the ping, and one the ping
    finds broken is replaced (``DisconnectionError`` from ``checkout`` makes the pool
    connect anew, SQLAlchemy's documented pessimistic disconnect handling). A connection
    that dies after the check fails its request, as it would after a ``SELECT 1``.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        try:
            fd = dbapi_conn.fileno()
        except dialect.loaded_dbapi.Error as exc:  # closed: no socket to poll
            raise DisconnectionError("the pooled connection is closed") from exc
        poll = select.poll()
        poll.register(fd, select.POLLIN | select.POLLPRI)
        if not poll.poll(0):
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_conn, None):
                raise DisconnectionError("the server dropped the pooled connection") from exc
            raise


def _lock_path(url: str) -> str | None:
    """The writers' queue file beside a SQLite database file (None in memory)."""
    path = url.removeprefix("sqlite:///")
    if not url.startswith("sqlite:///") or not path or ":memory:" in path:
        return None
    return path + "-writers"


class WriteQueue:
    """One SQLite writer at a time, queued in the kernel rather than in SQLite's busy loop.

    SQLite refuses a second writer with SQLITE_BUSY and its busy handler retries after
    sleeps of 1, 2, 5, 10 ... 100 ms, so with eight writers a commit that has freed the lock
    waits for the next sleeper to wake: the lock sat idle while POSTs waited 50-100 ms
    (bench/README.md). Here a writer first takes an in-process lock and then ``flock`` on
    a file beside the database (shared by every process and engine that opens it), both
    of which wake the next waiter the moment they are released, and only then runs BEGIN
    IMMEDIATE. The queue is left after COMMIT or ROLLBACK (or when the connection closes).
    Re-entrant per thread: a thread that opens a second write transaction meets SQLite's
    own busy timeout as before, not a deadlock here.
    """

    @classmethod
    def for_path(cls, path: str | None) -> WriteQueue:
        """The one queue of this process for a database file: every engine on it shares it.

        Two queues on one file in one process would each hold their own flock, so a thread
        that wrote through one engine while writing through another would wait for itself
        forever; sharing one re-entrant queue leaves that case to SQLite's busy timeout.
        """
        if path is None:
            return cls(None)
        with _REGISTRY_LOCK:
            queue = _BY_PATH.get(os.path.realpath(path))
            if queue is None:
                queue = _BY_PATH[os.path.realpath(path)] = cls(path)
            return queue

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0
        self._holders: set[int] = set()

    def enter(self, connection: Any) -> None:
        """Wait for this writer's turn (before BEGIN IMMEDIATE on ``connection``, a DBAPI connection or its pool proxy)."""
        key = _raw_id(connection)
        if self.path is None or key in self._holders:
            return
        self._thread_lock.acquire()
        try:
            if self._depth == 0:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
            self._depth += 1
        except BaseException:
            self._thread_lock.release()
            raise
        self._holders.add(key)

    def leave(self, connection: Any) -> None:
        """Give the turn to the next writer (after the transaction on ``connection`` ended)."""
        key = _raw_id(connection)
        if key not in self._holders:
            return
        self._holders.discard(key)
        self._depth -= 1
        try:
            if self._depth == 0 and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def idle(self) -> bool:
        """Whether no writer holds or waits for the turn right now, in any process (a probe that never waits)."""
        if self.path is None:
            return False
        if not self._thread_lock.acquire(blocking=False):
            return False
        try:
            if self._depth:
                return False  # this very thread is writing
            fd = self._file()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            fcntl.flock(fd, fcntl.LOCK_UN)
            return True
        finally:
            self._thread_lock.release()

    def leaving_after(self, method: Any) -> Any:
        """Wrap a dialect's do_commit/do_rollback/do_close so that the queue is left afterwards."""

        def wrapped(dbapi_connection: Any, *args: Any) -> Any:
            try:
                return method(dbapi_connection, *args)
            finally:
                self.leave(dbapi_connection)

        return wrapped

    def _file(self) -> int:
        # A descriptor inherited across fork shares its lock with the parent: open our own.
        if self._fd is None or self._pid != os.getpid():
            assert self.path is not None
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd


def writer(engine: Engine) -> Engine:
    """The same engine, taking SQLite's write lock at BEGIN (no effect on PostgreSQL)."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def upgrade(engine: Engine) -> None:
    """Apply the LRS's Alembic migrations up to head."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    command.upgrade(config, "head")


def _raw_id(connection: Any) -> int:
    """The identity of a DBAPI connection, whether given bare or in the pool's proxy (as dialects get it)."""
    return id(getattr(connection, "dbapi_connection", connection))
