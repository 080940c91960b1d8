"""Migration l0007 (on SQLite the statement sequence is the rowid) keeps every statement and index, both ways."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import text

from lrs.db import create_engine
from tests.lrs.test_link_keys_migration import _config

COLUMNS = "sequence, statement_id, verb_iri, authority_ifi, stored, timestamp, is_voided, payload"
ROWS = [
    (7, "00000000-0000-4000-8000-000000000007", "http://v/a", "mbox:mailto:x@example.org", "2026-01-01 00:00:00", "2026-01-01 00:00:00", False, "{}"),
    (2**40, "00000000-0000-4000-8000-000000000040", "http://v/b", "mbox:mailto:x@example.org", "2026-01-02 00:00:00", "2026-01-02 00:00:00", False, "[]"),
]


def _statements(engine: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sequence, statement_id, verb_iri, payload FROM lrs_statement ORDER BY sequence"))
        return [tuple(row) for row in rows]


def _indexes(engine: Any) -> set[str]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'lrs_statement'"
        else:
            query = "SELECT indexname FROM pg_indexes WHERE tablename = 'lrs_statement'"
        return {row[0] for row in connection.execute(text(query))}


def test_statements_and_indexes_survive_down_to_l0006_and_up_again(database_url: str, backend: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            for row in ROWS:
                connection.execute(
                    text(f"INSERT INTO lrs_statement ({COLUMNS}) VALUES (:s, :i, :v, :a, :st, :t, :vd, :p)"),
                    dict(zip(["s", "i", "v", "a", "st", "t", "vd", "p"], row)),
                )
        stored, indexes = _statements(engine), _indexes(engine)
        assert [row[0] for row in stored] == [7, 2**40]
        if backend == "sqlite":
            # The sequence is the rowid: no separate unique index behind the primary key.
            assert not any(name.startswith("sqlite_autoindex") for name in indexes)
            with engine.connect() as connection:
                assert connection.execute(text("SELECT rowid FROM lrs_statement ORDER BY rowid")).scalars().all() == [7, 2**40]
        command.downgrade(_config(engine), "l0006_link_keys")
        assert _statements(engine) == stored
        if backend == "sqlite":
            assert "sqlite_autoindex_lrs_statement_1" in _indexes(engine)
        command.upgrade(_config(engine), "head")
        assert _statements(engine) == stored
        assert _indexes(engine) == indexes
    finally:
        engine.dispose()
