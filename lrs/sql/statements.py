"""Statements in SQL: storage in commit order, voiding, and retrieval of one statement.

Storage (DESIGN.md, Storage; xAPI 1.0.3 Part Three §2.1.1-§2.1.2, Data §2.3-§2.4):
a batch is one transaction. The one row of ``lrs_statement_counter`` is locked with
UPDATE ... RETURNING before anything is read or written, so writers are serialized
on PostgreSQL as they are by BEGIN IMMEDIATE on SQLite: sequence order is commit order,
``stored`` never goes backwards, and the duplicate-id and voiding checks that follow see
every earlier commit. Queries live in ``lrs.sql.queries``.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    case,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from lrs.db import LRSBase
from lrs.errors import BadRequest, Conflict
from lrs.hooks import Hooks
from lrs.sql.attachments import AttachmentData, store_attachments
from lrs.sql.indexing import (
    activities_as_arrays,
    activity_links,
    agent_links,
    ifi_key,
    same_statement,
    utc_instant,
)
from lrs.validation import parse_timestamp, validate_statement, validate_uuid
from lrs.vocab import VERB_VOIDED


class Statement(LRSBase):
    """One stored statement: its JSON text plus the lifted columns queries filter on."""

    __tablename__ = "lrs_statement"

    sequence: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False
    )
    statement_id: Mapped[str] = mapped_column(String(36))
    verb_iri: Mapped[str] = mapped_column(Text)
    registration: Mapped[str | None] = mapped_column(String(36), nullable=True)
    actor_ifi: Mapped[str | None] = mapped_column(Text, nullable=True)
    object_activity_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    object_agent_ifi: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The target of a StatementRef object (voiding, and the StatementRef filter rules).
    object_statement_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    #: The authority's identifier: statements/read/mine returns only the caller's own.
    authority_ifi: Mapped[str] = mapped_column(Text)
    stored: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    is_voided: Mapped[bool] = mapped_column(Boolean, default=False)
    voided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    payload: Mapped[str] = mapped_column(Text)


class StatementAgent(LRSBase):
    """An agent a statement mentions, and how (see lrs.sql.indexing)."""

    __tablename__ = "lrs_statement_agent"

    ifi: Mapped[str] = mapped_column(Text, primary_key=True)
    relation: Mapped[str] = mapped_column(String(16), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class StatementActivity(LRSBase):
    """An activity a statement mentions, and how (see lrs.sql.indexing)."""

    __tablename__ = "lrs_statement_activity"

    activity_id: Mapped[str] = mapped_column(Text, primary_key=True)
    relation: Mapped[str] = mapped_column(String(16), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class StatementCounter(LRSBase):
    """The one row whose lock orders writers: the last sequence handed out and the last stored time."""

    __tablename__ = "lrs_statement_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_sequence: Mapped[int] = mapped_column(BigInteger)
    last_stored: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )


T = TypeVar("T")
#: PostgreSQL serialization failure and deadlock: the transaction may simply be run again.
RETRY_SQLSTATES = frozenset({"40001", "40P01"})
#: lrs.db's busy timeout, restored after a lock probe.
SQLITE_BUSY_MS = 30000

STATEMENTS = cast(Table, Statement.__table__)
AGENT_LINKS = cast(Table, StatementAgent.__table__)
ACTIVITY_LINKS = cast(Table, StatementActivity.__table__)
COUNTER = cast(Table, StatementCounter.__table__)


@dataclass
class _Prepared:
    """A validated incoming statement and what will be stored for it."""

    statement: dict[str, Any]
    statement_id: str
    given_timestamp: bool
    target: str | None
    voiding: bool
    voided_by: str | None = None


def aware(moment: datetime) -> datetime:
    """A datetime from the database as aware UTC (SQLite returns naive ones)."""
    return (
        moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    )


def format_timestamp(moment: datetime) -> str:
    """An xAPI timestamp in UTC with milliseconds, e.g. 2024-05-01T12:00:00.123Z."""
    return aware(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_ms() -> datetime:
    """The current UTC time, truncated to milliseconds (the precision ``stored`` is served with)."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def dump(statement: dict[str, Any]) -> str:
    """The JSON text a statement is kept and served as."""
    return json.dumps(statement, separators=(",", ":"), ensure_ascii=False)


def _prepare(raw: Any, version: str, authority: dict[str, Any]) -> _Prepared:
    """Validate one statement and fill in what the LRS sets before the lock (Data §2.4.1, §2.4.9, §2.4.10)."""
    validate_statement(raw, version)
    statement_id = (
        validate_uuid(raw["id"], "statement.id") if "id" in raw else str(uuid.uuid4())
    )
    statement: dict[str, Any] = {"id": statement_id}
    statement.update(
        (k, v) for k, v in raw.items() if k not in ("id", "stored", "authority")
    )
    activities_as_arrays(statement)
    if "timestamp" in statement and version != "1.0.3":
        # 2.0: a timestamp in another time zone is converted to UTC, not refused.
        moment = parse_timestamp(statement["timestamp"], version)
        if not statement["timestamp"].endswith(("Z", "z", "+00:00")):
            statement["timestamp"] = moment.isoformat().replace("+00:00", "Z")
    statement["authority"] = authority
    statement.setdefault("version", "1.0.0" if version == "1.0.3" else "2.0.0")
    obj = statement["object"]
    target = obj["id"] if obj.get("objectType") == "StatementRef" else None
    voiding = statement["verb"]["id"] == VERB_VOIDED and target is not None
    return _Prepared(
        statement, statement_id, "timestamp" in raw, target and target.lower(), voiding
    )


def _lock_counter(session: Session, count: int) -> tuple[int, datetime]:
    """Take the writers' lock; reserve ``count`` sequence numbers; the batch's ``stored`` time."""
    last_stored = COUNTER.c.last_stored
    stored = bindparam("stored", now_ms(), type_=last_stored.type)
    row = session.execute(
        update(COUNTER)
        .where(COUNTER.c.id == 1)
        .values(
            last_sequence=COUNTER.c.last_sequence + count,
            last_stored=case(
                (last_stored.is_(None), stored),
                (last_stored < stored, stored),
                else_=last_stored,
            ),
        )
        .returning(COUNTER.c.last_sequence, COUNTER.c.last_stored)
    ).one()
    return int(row[0]) - count + 1, aware(row[1])


def store_statements(
    session: Session,
    statements: list[Any],
    *,
    authority: dict[str, Any],
    version: str,
    hooks: Hooks,
    attachments: Mapping[str, AttachmentData] | None = None,
) -> list[str]:
    """Store a batch whole or not at all; returns the ids in order (xAPI 1.0.3 Part Three §2.1.1-§2.1.2).

    Every statement is validated first. A batch reusing an id is refused (400); an id
    already stored with the same content (Data §2.3.1 comparison) is a no-op, with other
    content a 409. Voiding follows Data §2.3.2. ``attachments`` (data by sha2) are kept
    with the statements that declare them (lrs.sql.attachments).
    """
    from lrs.sql.activities import record_activities

    if not isinstance(statements, list):
        raise BadRequest("expected a statement or an array of statements")
    prepared = [_prepare(raw, version, authority) for raw in statements]
    ids = [p.statement_id for p in prepared]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise BadRequest(
            f"the batch uses the same statement id more than once: {', '.join(dupes)}"
        )
    if not prepared:
        return []
    first_sequence, stored = _lock_counter(session, len(prepared))

    existing = _existing(session, ids)
    fresh: list[_Prepared] = []
    for p in prepared:
        old = existing.get(p.statement_id)
        if old is None:
            fresh.append(p)
        elif not same_statement(old, p.statement, utc_instant):
            raise Conflict(
                f"statement {p.statement_id} is already stored with different content"
            )
    if not fresh:
        return ids
    _check_voiding(session, fresh)

    stored_text = format_timestamp(stored)
    rows: list[dict[str, Any]] = []
    agents: list[dict[str, Any]] = []
    activities: list[dict[str, Any]] = []
    for offset, p in enumerate(fresh):
        statement = p.statement
        statement["stored"] = stored_text
        statement.setdefault("timestamp", stored_text)
        hooks.check(session, statement)
        sequence = first_sequence + offset
        rows.append(_row(p, sequence, stored, version))
        agents.extend(
            {"ifi": k, "relation": r, "sequence": sequence}
            for k, r in agent_links(statement)
        )
        activities.extend(
            {"activity_id": a, "relation": r, "sequence": sequence}
            for a, r in activity_links(statement)
        )
    session.execute(insert(STATEMENTS), rows)
    if agents:
        session.execute(insert(AGENT_LINKS), agents)
    if activities:
        session.execute(insert(ACTIVITY_LINKS), activities)
    if attachments:
        store_attachments(
            session,
            [(first_sequence + i, p.statement) for i, p in enumerate(fresh)],
            attachments,
        )
    voidings = [{"target": p.target, "by": p.statement_id} for p in fresh if p.voiding]
    if voidings:
        session.execute(
            update(STATEMENTS)
            .where(
                STATEMENTS.c.statement_id == bindparam("target"),
                STATEMENTS.c.is_voided.is_(False),
                STATEMENTS.c.verb_iri != VERB_VOIDED,
            )
            .values(is_voided=True, voided_by=bindparam("by")),
            voidings,
            execution_options={"synchronize_session": False},
        )
    record_activities(session, [p.statement for p in fresh], version)
    for p in fresh:
        if p.voided_by is None:
            hooks.apply(session, p.statement)
    session.flush()
    return ids


def _row(p: _Prepared, sequence: int, stored: datetime, version: str) -> dict[str, Any]:
    """The lifted columns of one statement."""
    statement = p.statement
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")
    registration = (statement.get("context") or {}).get("registration")
    return {
        "sequence": sequence,
        "statement_id": p.statement_id,
        "verb_iri": statement["verb"]["id"],
        "registration": registration.lower() if isinstance(registration, str) else None,
        "actor_ifi": ifi_key(statement["actor"]),
        "object_activity_id": obj.get("id") if object_type == "Activity" else None,
        "object_agent_ifi": ifi_key(obj) if object_type in ("Agent", "Group") else None,
        "object_statement_id": p.target,
        "authority_ifi": ifi_key(statement["authority"]) or "",
        "stored": stored,
        "timestamp": parse_timestamp(statement["timestamp"], "2.0.0")
        if p.given_timestamp
        else stored,
        "is_voided": p.voided_by is not None,
        "voided_by": p.voided_by,
        "payload": dump(statement),
    }


def _existing(session: Session, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The already stored statements among ``ids``, parsed (one query)."""
    query = select(STATEMENTS.c.statement_id, STATEMENTS.c.payload).where(
        STATEMENTS.c.statement_id.in_(list(ids))
    )
    return {row.statement_id: json.loads(row.payload) for row in session.execute(query)}


def _check_voiding(session: Session, fresh: list[_Prepared]) -> None:
    """Refuse voiding a voiding statement; mark statements whose voiding statement came first (Data §2.3.2)."""
    in_batch = {p.statement_id: p for p in fresh}
    targets = {p.target for p in fresh if p.voiding}
    if targets:
        known_voiding = set(
            session.scalars(
                select(STATEMENTS.c.statement_id).where(
                    STATEMENTS.c.statement_id.in_(list(targets)),
                    STATEMENTS.c.verb_iri == VERB_VOIDED,
                    STATEMENTS.c.object_statement_id.is_not(None),
                )
            )
        )
        for p in fresh:
            if not p.voiding or p.target is None:
                continue
            target = in_batch.get(p.target)
            if p.target in known_voiding or (target is not None and target.voiding):
                raise BadRequest(
                    f"statement {p.statement_id} voids {p.target}, which is itself a voiding statement"
                )
            if target is not None and target.voided_by is None:
                target.voided_by = p.statement_id
    earlier = session.execute(
        select(STATEMENTS.c.object_statement_id, STATEMENTS.c.statement_id).where(
            STATEMENTS.c.object_statement_id.in_(list(in_batch)),
            STATEMENTS.c.verb_iri == VERB_VOIDED,
        )
    )
    for target_id, voiding_id in earlier:
        target = in_batch.get(target_id)
        if target is not None and not target.voiding and target.voided_by is None:
            target.voided_by = voiding_id


def get_statement(
    session: Session,
    statement_id: str,
    *,
    voided: bool,
    version: str,
    format: str = "exact",
) -> dict[str, Any] | None:
    """One statement by statementId, or a voided one by voidedStatementId (Part Three §2.1.3, §2.1.4)."""
    from lrs.sql.formats import CanonicalDefinitions, render

    payload = get_statement_text(session, statement_id, voided=voided)
    if payload is None:
        return None
    statement: dict[str, Any] = json.loads(payload)
    return (
        render(statement, format, None, CanonicalDefinitions(session))
        if format != "exact"
        else statement
    )


def get_statement_text(
    session: Session,
    statement_id: str,
    *,
    voided: bool,
    authority_ifi: str | None = None,
) -> str | None:
    """The stored JSON text of one statement (voided ones only when ``voided``), or None."""
    query = select(STATEMENTS.c.payload).where(
        STATEMENTS.c.statement_id == statement_id.lower(),
        STATEMENTS.c.is_voided.is_(voided),
    )
    if authority_ifi is not None:
        query = query.where(STATEMENTS.c.authority_ifi == authority_ifi)
    return session.scalar(query)


def with_retries(
    sessions: sessionmaker[Session], work: Callable[[Session], T], attempts: int = 5
) -> T:
    """Run ``work`` in one write transaction, retrying serialization failures and deadlocks."""
    for attempt in range(1, attempts + 1):
        try:
            with sessions.begin() as session:
                return work(session)
        except DBAPIError as exc:
            code = getattr(exc.orig, "sqlstate", None) or getattr(
                exc.orig, "pgcode", None
            )
            locked = "database is locked" in str(exc.orig)
            if attempt == attempts or not (code in RETRY_SQLSTATES or locked):
                raise
            time.sleep(0.01 * attempt)
    raise AssertionError("unreachable")


def consistent_through(engine: Engine) -> datetime:
    """X-Experience-API-Consistent-Through (Part Three §2.1.3): now when no writer is in flight.

    Writers hold the counter lock from the moment they pick ``stored`` until they commit.
    If the probe gets past that lock, any later writer picks a ``stored`` at or after our
    "now", so every statement stored before now is visible. If a writer is in flight, the
    stored time of the newest committed statement is the answer (conservative).
    """
    if engine.dialect.name == "sqlite":
        free = _sqlite_write_lock_free(engine)
        now = now_ms()
    else:
        with Session(engine) as session:
            free = (
                session.execute(
                    select(COUNTER.c.id)
                    .where(COUNTER.c.id == 1)
                    .with_for_update(read=True, skip_locked=True)
                ).first()
                is not None
            )
            now = now_ms()
            session.rollback()
    if free:
        return now
    with Session(engine) as session:
        return read_counter(session)[1]


def _sqlite_write_lock_free(engine: Engine) -> bool:
    """Whether SQLite's write lock is free right now (a BEGIN IMMEDIATE that does not wait)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False
        cursor.execute("ROLLBACK")
        return True
    finally:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.close()
        connection.close()


def read_counter(session: Session) -> tuple[int, datetime]:
    """(last committed sequence, X-Experience-API-Consistent-Through) (Part Three §2.1.3).

    The stored time of the newest committed statement is conservative: a writer holding
    the lock sets ``stored`` to at least that time. With no statements yet, now.
    """
    row = session.execute(
        select(COUNTER.c.last_sequence, COUNTER.c.last_stored).where(COUNTER.c.id == 1)
    ).one()
    return int(row[0]), aware(row[1]) if row[1] is not None else now_ms()
