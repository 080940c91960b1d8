"""Load many statements fast: straight through the LRS's own storage code, in-process, in large transactions."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from typing import Any

from .workload import Workload

#: Statements per transaction while seeding.
SEED_BATCH = 2000


def stored_count(lrs: Any) -> int:
    """How many statements the LRS has handed a sequence number to."""
    from lrs.sql.statements import read_position

    with lrs.engine.connect() as connection:
        return read_position(connection)[0]


def seed(lrs: Any, workload: Workload, target: int, authority: dict[str, Any]) -> dict[str, Any]:
    """Store statements with ``lrs.sql.statements.store_statements`` until ``target`` are stored; timing and window."""
    from lrs.sql.statements import store_statements

    before = stored_count(lrs)
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    done = 0
    while before + done < target:
        size = min(SEED_BATCH, target - before - done)
        batch = [workload.statement() for _ in range(size)]
        with lrs.write_sessions.begin() as session:
            store_statements(session, batch, authority=authority, version="1.0.3", hooks=lrs.client.hooks)
        done += size
        if done % (SEED_BATCH * 50) == 0:
            rate = done / (time.perf_counter() - started)
            print(f"  seeded {before + done:,} statements ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    return {
        "added": done,
        "stored": before + done,
        "seconds": round(seconds, 1),
        "per_s": round(done / seconds, 1) if seconds else 0.0,
        "window": (started_at, datetime.now(UTC)),
    }


def settle(lrs: Any) -> float:
    """After a bulk load, what a database's documentation says to do, so queries meet a settled database; seconds.

    PostgreSQL: VACUUM (ANALYZE) (PostgreSQL 15 docs §14.4.9, "Run ANALYZE Afterwards";
    VACUUM also sets the visibility map that index-only scans use). Without it the
    autovacuum of the 900,000-row burst ran during the query phase and its CPU was taken
    from the queries on the same two cores. SQLite: a WAL checkpoint.
    """
    from sqlalchemy import text

    started = time.perf_counter()
    with lrs.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM (ANALYZE)"))
        else:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return round(time.perf_counter() - started, 1)
