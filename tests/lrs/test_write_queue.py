"""Writers queue for their turn (SQLite), and what Consistent-Through promises while they write.

SQLite's own busy handler makes a second writer sleep 1, 2, 5 ... 100 ms between tries;
``lrs.db.WriteQueue`` queues writers in the kernel (a thread lock, then ``flock`` on a file
beside the database) so the next one starts when the last commits. Consistent-Through
(xAPI 1.0.3 Part Three §2.1.3) must never name a time after which a statement could still
appear: while a writer is in flight it falls back to the newest committed ``stored``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from lrs.db import create_engine, write_queue, writer
from lrs.sql.statements import take_writers_lock
from lrs.validation import parse_timestamp
from tests.conftest import XAPI

ROOT = Path(__file__).resolve().parents[2]
THROUGH = "X-Experience-API-Consistent-Through"
STATEMENT = {
    "actor": {"mbox": "mailto:queue@example.org"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
    "object": {"id": "http://example.org/queue"},
}

#: Holds a write transaction on the database given as argv[1] until stdin closes.
HOLDER = """
import sys
from lrs.db import create_engine, writer
engine = writer(create_engine(sys.argv[1]))
with engine.begin() as conn:
    conn.exec_driver_sql("UPDATE lrs_statement_counter SET last_sequence = last_sequence WHERE id = 1")
    print("holding", flush=True)
    sys.stdin.read()
print("released", flush=True)
"""


def _through(response: Any) -> datetime:
    return parse_timestamp(response.headers[THROUGH], "2.0.0")


def _stored_of(xapi: XAPI, statement_id: str) -> datetime:
    found = xapi.get("statements", query_string={"statementId": statement_id}).get_json()
    return parse_timestamp(found["stored"], "2.0.0")


def test_the_queue_file_sits_beside_the_database(app: Any, backend: str) -> None:
    engine = app.extensions["lrs"].engine
    if backend != "sqlite":
        assert write_queue(engine) is None  # PostgreSQL's row lock wakes the next writer itself
        return
    queue = write_queue(engine)
    assert queue is not None and queue.path == f"{engine.url.database}-writers"
    with writer(engine).begin() as conn:
        conn.exec_driver_sql("SELECT 1")
        assert Path(queue.path).exists()


# The writers' queue is SQLite's (PostgreSQL queues writers on the counter row itself).
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_writer_in_another_process_is_seen_and_waited_for(app: Any) -> None:
    engine = app.extensions["lrs"].engine
    queue = write_queue(engine)
    assert queue is not None and queue.idle()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(engine.url)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert not queue.idle()
        done = threading.Event()

        def write() -> None:
            with writer(engine).begin() as conn:
                conn.exec_driver_sql("UPDATE lrs_statement_counter SET last_sequence = last_sequence WHERE id = 1")
            done.set()

        thread = threading.Thread(target=write)
        thread.start()
        assert not done.wait(0.3)  # queued behind the other process
    finally:
        out, _ = holder.communicate(timeout=30)  # closes its stdin: the holder commits and exits
    assert out.strip() == "released"
    thread.join(timeout=30)
    assert done.is_set() and queue.idle()


def test_a_connection_closed_mid_transaction_gives_up_its_turn(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    queue = write_queue(engine)
    assert queue is not None
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    conn = writer(engine).connect()
    conn.begin()
    conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert not queue.idle()
    conn.invalidate()  # the DBAPI connection is closed: its transaction and its turn end
    conn.close()
    assert queue.idle()
    with writer(engine).begin() as again:
        again.exec_driver_sql("INSERT INTO t VALUES (2)")
    with engine.connect() as reader:
        assert reader.execute(text("SELECT n FROM t")).scalars().all() == [2]
    engine.dispose()


def test_consistent_through_after_a_post_never_passes_the_statement(xapi: XAPI) -> None:
    posted = xapi.post("statements", json=STATEMENT)
    assert posted.status_code == 200
    stored = _stored_of(xapi, posted.get_json()[0])
    assert _through(posted) < stored  # the POST began before it picked ``stored``


def test_consistent_through_waits_for_a_writer_in_flight(app: Any, backend: str, xapi: XAPI) -> None:
    first = xapi.post("statements", json=STATEMENT).get_json()[0]
    committed = _stored_of(xapi, first)
    with app.extensions["lrs"].write_sessions() as session:
        # A writer holding the writers' lock, as store_statements does from ``stored`` to COMMIT.
        take_writers_lock(session)
        response = _read_in_another_thread(xapi)
        assert _through(response) == committed - timedelta(milliseconds=1)
        single = _read_in_another_thread(xapi, {"statementId": first})
        assert _through(single) == committed - timedelta(milliseconds=1)
        session.rollback()
    idle = xapi.get("statements", query_string={"limit": "1"})
    assert committed <= _through(idle) <= datetime.now(UTC)


def _read_in_another_thread(xapi: XAPI, query: dict[str, str] | None = None) -> Any:
    """GET statements from another thread (SQLite's queue is re-entrant for the thread holding it)."""
    answers: list[Any] = []
    query = query or {"limit": "1"}
    thread = threading.Thread(target=lambda: answers.append(xapi.get("statements", query_string=query)))
    thread.start()
    thread.join(timeout=60)
    assert answers and answers[0].status_code == 200
    return answers[0]


def test_engines_on_one_file_share_the_queue_so_a_nested_writer_cannot_wait_for_itself(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = create_engine(url), create_engine(url)
    queue = write_queue(first)
    assert queue is not None and queue is write_queue(second)
    with writer(first).begin() as outer:
        outer.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        with second.connect() as inner:
            inner.exec_driver_sql("PRAGMA busy_timeout=100")
            inner.commit()
            # The same thread, another engine: SQLite refuses the second writer after its
            # busy timeout (as it always did), instead of the queue waiting for itself forever.
            with pytest.raises(OperationalError, match="locked"):
                with inner.execution_options(sqlite_begin="IMMEDIATE").begin():
                    pass
    assert queue.idle()  # the refused writer left the queue too
    first.dispose()
    second.dispose()
