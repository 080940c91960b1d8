"""The app's database: declarative base, engine with durable settings, sessions, migrations.

The LRS keeps its own copy of the engine set-up (``lrs/db.py``) so that it can be
deployed alone; the two must agree on the durability rules of DESIGN.md (Storage).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, MetaData, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

JSONType = JSON().with_variant(JSONB(), "postgresql")
ON_WRITE = "ON_WRITE"
_READS = ("SELECT", "PRAGMA")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def reads_only(sql: str) -> bool:
    """True for SQL that only reads (a SELECT or PRAGMA); anything else is taken for a write."""
    return sql.lstrip()[:6].upper().startswith(_READS)


class Base(DeclarativeBase):
    """Base of the app's own tables (users, catalog, packages); not the LRS's."""

    metadata = MetaData(naming_convention=NAMING)


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with WAL + synchronous=FULL + busy timeout on SQLite, sync commits on PostgreSQL.

    On SQLite the driver's own transaction handling is switched off and BEGIN is
    emitted here, DEFERRED by default and IMMEDIATE on an engine or connection
    with ``execution_options(sqlite_begin="IMMEDIATE")`` (SQLAlchemy's documented
    pysqlite workaround), so that writers take the lock up front instead of
    failing on lock upgrade. ``sqlite_begin="ON_WRITE"`` (see ``lazy_writer``) reads
    outside any transaction and emits BEGIN IMMEDIATE just before the first write.
    """
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and ":memory:" not in url:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = sa_create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            for pragma in (
                "journal_mode=WAL",
                "synchronous=FULL",
                "busy_timeout=30000",
                "foreign_keys=ON",
            ):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            if mode != ON_WRITE:
                conn.exec_driver_sql(f"BEGIN {mode}")

        @event.listens_for(engine, "before_cursor_execute")
        def _sqlite_begin_on_write(conn: Any, cursor: Any, statement: str, _params: Any, context: Any, *_: Any) -> None:
            if conn.get_execution_options().get("sqlite_begin") != ON_WRITE or cursor.connection.in_transaction:
                return
            # SQLite drops FOR UPDATE from the SQL: the write lock stands in for PostgreSQL's row locks.
            compiled = getattr(context, "compiled", None)
            for_update = getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None
            if for_update or not reads_only(statement):
                cursor.execute("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = sa_create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _pg_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO on")
        dbapi_conn.commit()

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, taking SQLite's write lock at BEGIN (a no-op elsewhere)."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def lazy_writer(engine: Engine) -> Engine:
    """The same engine, taking SQLite's write lock only at a transaction's first write (a no-op elsewhere).

    Reads before that run outside any transaction, each statement on the newest
    committed data (PostgreSQL's READ COMMITTED gives the same); the first statement
    that is not a SELECT or PRAGMA (a flush, Core DML, a SAVEPOINT) is preceded by
    BEGIN IMMEDIATE, so no read snapshot is ever upgraded to a write (which SQLite
    refuses with "database is locked" when another writer got in between). A SELECT
    ... FOR UPDATE takes the lock too, as PostgreSQL would lock the rows it reads.
    """
    return engine.execution_options(sqlite_begin=ON_WRITE)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for the app's own tables."""
    return sessionmaker(bind=engine, expire_on_commit=False)


_AFTER_COMMIT = "rollcall_after_commit"


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the session's transaction has committed; drop it if the transaction rolls back.

    For what cannot be rolled back, such as deleting a stored file: done before the COMMIT,
    a failed commit would keep the row and lose its file.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for action in session.info.pop(_AFTER_COMMIT, ()):
        action()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def upgrade(engine: Engine, script_location: str | Path, version_table: str) -> None:
    """Apply the Alembic migrations in ``script_location`` up to head."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["engine"] = engine
    config.attributes["version_table"] = version_table
    command.upgrade(config, "head")


def migration_env(target_metadata: MetaData) -> None:
    """Body of a migrations folder's ``env.py``: run online against the given engine."""
    from alembic import context

    config = context.config
    engine: Engine = config.attributes["engine"]
    with writer(engine).connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=config.attributes.get("version_table", "alembic_version"),
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


CORE_MIGRATIONS = Path(__file__).parent / "migrations"
CORE_VERSION_TABLE = "alembic_version_core"


def upgrade_core(engine: Engine) -> None:
    """Apply the app's own migrations (users, catalog, packages)."""
    upgrade(engine, CORE_MIGRATIONS, CORE_VERSION_TABLE)
