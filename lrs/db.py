"""The LRS's database: its own metadata, engine set-up and migrations.

A copy of ``core/db.py``'s engine rules (DESIGN.md, Storage) so that the LRS can be
deployed without the rest of the app: SQLite in WAL with synchronous=FULL, a busy
timeout and writes in BEGIN IMMEDIATE; PostgreSQL with synchronous_commit on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import JSON, MetaData, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
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
        kwargs.setdefault("pool_pre_ping", True)
        engine = sa_create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pg_connect(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO on")
            dbapi_conn.commit()

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

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'DEFERRED')}")

    return engine


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
