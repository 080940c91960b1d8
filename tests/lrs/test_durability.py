"""The durability settings in force on live connections of the app's two engines (DESIGN.md, Storage).

SQLite: WAL, synchronous=FULL (2), a busy timeout, and writers that take the write lock
at BEGIN (IMMEDIATE) while readers do not. PostgreSQL: synchronous_commit on, fsync on.
Checked on the engines the app really uses (the LRS's and the app's own), not on a
fresh engine made here.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker


def _engines(app: Any) -> dict[str, Any]:
    return {"lrs": app.extensions["lrs"].engine, "core": app.extensions["db_engine"]}


def _writer_sessions(app: Any) -> dict[str, sessionmaker[Session]]:
    return {
        "lrs": app.extensions["lrs"].write_sessions,
        "core": app.extensions["db_write"],
    }


def _reader_sessions(app: Any) -> dict[str, sessionmaker[Session]]:
    return {"lrs": app.extensions["lrs"].sessions, "core": app.extensions["db_read"]}


def _sqlite_path(app: Any) -> str:
    return str(app.extensions["lrs"].engine.url.database)


def _other_writer_is_locked_out(path: str) -> bool:
    """Whether a second connection (no busy wait) is refused the write lock right now."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


@pytest.mark.parametrize("which", ["lrs", "core"])
def test_live_connections_wait_for_the_disk_at_commit(app: Any, backend: str, which: str) -> None:
    with _engines(app)[which].connect() as conn:
        if backend == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL: the WAL is synced at commit
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        else:
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
            assert conn.execute(text("SHOW fsync")).scalar() == "on"
            assert conn.execute(text("SHOW full_page_writes")).scalar() == "on"
            # The statement counter's row lock orders writers only under READ COMMITTED.
            assert conn.execute(text("SHOW default_transaction_isolation")).scalar() == "read committed"


# SQLite only (BEGIN IMMEDIATE is SQLite's; on PostgreSQL the statement counter's row lock
# orders writers, asserted above), so the test is not parametrized over PostgreSQL at all.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("which", ["lrs", "core"])
def test_sqlite_writers_take_the_write_lock_at_begin_and_readers_do_not(app: Any, backend: str, which: str) -> None:
    path = _sqlite_path(app)
    with _writer_sessions(app)[which].begin() as session:
        session.connection()  # BEGIN, and nothing else: no statement has touched a table yet
        assert _other_writer_is_locked_out(path)
    assert not _other_writer_is_locked_out(path)  # released at commit
    with _reader_sessions(app)[which]() as session:
        session.execute(text("SELECT 1"))
        assert not _other_writer_is_locked_out(path)
