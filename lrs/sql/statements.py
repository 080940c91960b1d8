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
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from lrs.db import LRSBase, write_queue
from lrs.completions import RESERVED_PREFIX, is_reserved_id
from lrs.errors import BadRequest, Conflict, Forbidden, XAPIError
from lrs.hooks import Hooks
from lrs.sql.attachments import AttachmentData, store_attachments
from lrs.sql.group import in_savepoints
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

    #: On SQLite declared INTEGER, so that it is the table's rowid (migration l0007).
    sequence: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
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
    """An agent a statement mentions, and how (see lrs.sql.indexing), with the statement's verb.

    The verb is the statement's own (a SubStatement's agents carry the outer verb, which
    is what the verb filter matches), so that agent-driven queries with a verb read it
    from the link instead of probing for it (migration l0008).
    """

    __tablename__ = "lrs_statement_agent"

    ifi: Mapped[str] = mapped_column(Text, primary_key=True)
    relation: Mapped[str] = mapped_column(String(16), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    verb_iri: Mapped[str] = mapped_column(Text)


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


ONE_MS = timedelta(milliseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

STATEMENTS = cast(Table, Statement.__table__)
AGENT_LINKS = cast(Table, StatementAgent.__table__)
ACTIVITY_LINKS = cast(Table, StatementActivity.__table__)
COUNTER = cast(Table, StatementCounter.__table__)


@dataclass
class _Prepared:
    """A validated incoming statement and what will be stored for it, all made before the lock."""

    statement: dict[str, Any]
    statement_id: str
    given_timestamp: datetime | None
    target: str | None
    voiding: bool
    #: The lifted columns but sequence, stored, timestamp, voiding state and payload.
    columns: dict[str, Any]
    agents: set[tuple[str, str]]
    activities: set[tuple[str, str]]
    voided_by: str | None = None


# Statements built once: building select()/update() per call cost more than running them.
_READ_COUNTER = select(COUNTER.c.last_sequence, COUNTER.c.last_stored).where(COUNTER.c.id == 1)
#: The PostgreSQL advisory lock every statement writer holds, exclusively, from the moment it
#: reads the counter until COMMIT (``take_writers_lock``); a reader tries it shared, in passing,
#: to learn whether a writer is in flight without a lock of its own (``read_position``).
WRITERS_ADVISORY_KEY = 0x526F6C6C63616C6C  # "Rollcall"
#: PostgreSQL's writers' lock: the advisory lock, then the counter row, read as it is locked
#: (FOR UPDATE also makes a writer that waited read the row its predecessor committed).
_LOCK_COUNTER_ROW = (
    f"SELECT last_sequence, last_stored, pg_advisory_xact_lock({WRITERS_ADVISORY_KEY}) "
    f"FROM {COUNTER.name} WHERE id = 1 FOR UPDATE"
)
#: PostgreSQL: whether no writer is in flight (the shared advisory lock, taken and given back).
_PROBE_WRITERS = (
    f"SELECT CASE WHEN pg_try_advisory_lock_shared({WRITERS_ADVISORY_KEY}) "
    f"THEN pg_advisory_unlock_shared({WRITERS_ADVISORY_KEY}) ELSE false END"
)
_READ_COUNTER_SQL = f"SELECT last_sequence, last_stored FROM {COUNTER.name} WHERE id = 1"
#: session.info key: (transaction, counter row) as the writers' lock read it.
_LOCKED_COUNTER = "lrs_locked_counter"
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
    """The JSON text a statement is kept and served as: compact, UTF-8, keys in their order.

    orjson writes it ~20x faster than the json module (a third of a batch's Python time
    under the lock went here). What orjson refuses (integers beyond 64 bits, strings with
    a lone surrogate) is written by the json module. Non-finite numbers, which orjson
    would write as null, never get here: request bodies are parsed strictly
    (``lrs.api.statements``).
    """
    try:
        return orjson.dumps(statement).decode()
    except orjson.JSONEncodeError:
        return json.dumps(statement, separators=(",", ":"), ensure_ascii=False)


def _prepare(raw: Any, version: str, authority: dict[str, Any]) -> _Prepared:
    """Validate one statement and work out everything stored for it but its place in the order.

    Data §2.4.1 (id), §2.4.9-§2.4.10 (authority, version), 2.0 §2.4.7 (timestamps in UTC).
    """
    validate_statement(raw, version)
    statement_id = (
        validate_uuid(raw["id"], "statement.id") if "id" in raw else str(uuid.uuid4())
    )
    statement: dict[str, Any] = {"id": statement_id}
    statement.update(
        (k, v) for k, v in raw.items() if k not in ("id", "stored", "authority")
    )
    activities_as_arrays(statement)
    given_timestamp = None
    if "timestamp" in statement:
        given_timestamp = parse_timestamp(statement["timestamp"], "2.0.0")
        if version != "1.0.3" and not statement["timestamp"].endswith(("Z", "z", "+00:00")):
            # 2.0: a timestamp in another time zone is converted to UTC, not refused.
            statement["timestamp"] = given_timestamp.isoformat().replace("+00:00", "Z")
    statement["authority"] = authority
    statement.setdefault("version", "1.0.0" if version == "1.0.3" else "2.0.0")
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")
    target = obj["id"].lower() if object_type == "StatementRef" else None
    registration = (statement.get("context") or {}).get("registration")
    columns = {
        "statement_id": statement_id,
        "verb_iri": statement["verb"]["id"],
        "registration": registration.lower() if isinstance(registration, str) else None,
        "actor_ifi": ifi_key(statement["actor"]),
        "object_activity_id": obj.get("id") if object_type == "Activity" else None,
        "object_agent_ifi": ifi_key(obj) if object_type in ("Agent", "Group") else None,
        "object_statement_id": target,
        "authority_ifi": ifi_key(authority) or "",
    }
    return _Prepared(
        statement=statement,
        statement_id=statement_id,
        given_timestamp=given_timestamp,
        target=target,
        voiding=columns["verb_iri"] == VERB_VOIDED and target is not None,
        columns=columns,
        agents=agent_links(statement),
        activities=activity_links(statement),
    )


@dataclass
class PreparedBatch:
    """A batch validated and worked out before the writers' lock (``prepare_batch``)."""

    statements: list[_Prepared]
    definitions: dict[str, dict[str, Any]]
    #: The system agent's IFI when the batch's authority is another one: the batch may then
    #: not void a statement the system agent stored (ARCHITECTURE.md, "Course completion").
    foreign_to: str | None = None

    @property
    def ids(self) -> list[str]:
        """The statement ids in order (the POST answer)."""
        return [p.statement_id for p in self.statements]


def prepare_batch(
    statements: Any, *, authority: dict[str, Any], version: str, system_ifi: str | None = None
) -> PreparedBatch:
    """Validate a batch and work out everything stored for it that does not depend on stored data.

    A batch reusing an id is refused (400, xAPI 1.0.3 Part Three §2.1.2). ``system_ifi``: the
    system agent's IFI; a batch with another authority may not claim it, use a reserved id,
    or void one (403, ``_guard_system``).
    """
    from lrs.sql.activities import incoming_definitions

    if not isinstance(statements, list):
        raise BadRequest("expected a statement or an array of statements")
    prepared = [_prepare(raw, version, authority) for raw in statements]
    ids = [p.statement_id for p in prepared]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise BadRequest(
            f"the batch uses the same statement id more than once: {', '.join(dupes)}"
        )
    batch = PreparedBatch(prepared, incoming_definitions(p.statement for p in prepared))
    if system_ifi is not None and ifi_key(authority) != system_ifi:
        _guard_system(statements, batch, system_ifi)
    return batch


_RESERVED = str(uuid.UUID(bytes=RESERVED_PREFIX + bytes(10)))[:13]


def _guard_system(raw: list[Any], batch: PreparedBatch, system_ifi: str) -> None:
    """403 for a batch not the system agent's that claims its authority, or uses or voids a reserved id (lrs.completions)."""
    for statement, p in zip(raw, batch.statements, strict=True):
        if ifi_key(statement.get("authority") or {}) == system_ifi:
            raise Forbidden(f"statement {p.statement_id}: only Rollcall itself stores statements with its system agent as authority")
        if is_reserved_id(p.statement_id):
            raise Forbidden(f"statement ids {_RESERVED}-8... are reserved for Rollcall's course completion facts")
        if p.voiding and is_reserved_id(p.target):
            raise Forbidden(f"statement {p.statement_id}: only Rollcall itself may void a course completion fact")
    batch.foreign_to = system_ifi


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

    ``prepare_batch``, then the writers' lock, then ``write_batches`` in ``session``'s transaction.
    """
    batch = prepare_batch(statements, authority=authority, version=version)
    take_writers_lock(session)
    outcome = write_batches(session, [batch], hooks=hooks, attachments=[attachments])[0]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def take_writers_lock(session: Session) -> None:
    """Begin the write transaction holding the writers' lock (BEGIN IMMEDIATE's queue on SQLite; on PostgreSQL the advisory lock and the counter row).

    On PostgreSQL the locked row is read in the same round trip and kept for the
    transaction's first ``write_batches``, which then needs no read of its own.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        driver: Any = connection.connection.driver_connection
        with driver.pipeline():  # the driver's BEGIN and the lock in one round trip
            locked = driver.execute(_LOCK_COUNTER_ROW)
        session.info[_LOCKED_COUNTER] = (session.get_transaction(), locked.fetchone())


def _counter(session: Session, connection: Connection) -> tuple[int, datetime | None]:
    """(last sequence, last stored) under the writers' lock: as the lock read it in this transaction, else read now.

    The value the lock read is used once: a later batch in the same transaction (the
    SAVEPOINT loop of rules) reads the row again, so it sees what the earlier ones wrote.
    """
    locked = session.info.pop(_LOCKED_COUNTER, None)
    if locked is not None and locked[0] is session.get_transaction():
        row = locked[1]
    else:
        row = connection.execute(_READ_COUNTER).one()
    return int(row[0]), (aware(row[1]) if row[1] is not None else None)

#: A prepared batch and the attachment data sent with it.
Write = tuple[PreparedBatch, Mapping[str, AttachmentData] | None]


def write_group(session: Session, writes: list[Write], *, hooks: Hooks) -> list[list[str] | BaseException]:
    """Store several requests' batches in one transaction (lrs.sql.group); each its ids or its own error.

    Rules (hooks.rules) may read what earlier statements stored, so with rules each batch
    is written, in order, in a SAVEPOINT of its own before the next is checked.
    """
    if not hooks.rules or len(writes) == 1:
        return write_batches(session, [b for b, _ in writes], hooks=hooks, attachments=[a for _, a in writes])

    def alone(batch: PreparedBatch, attachments: Mapping[str, AttachmentData] | None) -> Callable[[Session], list[str]]:
        def run(savepoint_session: Session) -> list[str]:
            outcome = write_batches(savepoint_session, [batch], hooks=hooks, attachments=[attachments])[0]
            if isinstance(outcome, BaseException):
                raise outcome  # in_savepoints rolls this batch's savepoint back and hands the error on
            return outcome

        return run

    return in_savepoints(session, [alone(batch, attachments) for batch, attachments in writes])


def write_batches(
    session: Session,
    batches: list[PreparedBatch],
    *,
    hooks: Hooks,
    attachments: list[Mapping[str, AttachmentData] | None] | None = None,
) -> list[list[str] | BaseException]:
    """Store prepared batches, in order, under the writers' lock already taken; each its ids or its error.

    Per batch (xAPI 1.0.3 Part Three §2.1.1-§2.1.2): an id already stored with the same
    content (Data §2.3.1 comparison) is a no-op, with other content the whole batch is
    refused (409); voiding follows Data §2.3.2 (a voiding statement that voids a voiding
    statement refuses its batch, 400); a rule's refusal refuses its batch. A refused
    batch stores nothing and the others go on. All checks run on one read of what is
    stored; then every accepted statement is written with one counter update, one
    INSERT per table, one voiding UPDATE. May run again after a serialization failure,
    so it sets everything it changes on the prepared statements.
    """
    from lrs.sql.activities import incoming_definitions, record_activities

    attachments = attachments or [None] * len(batches)
    everything = [p for batch in batches for p in batch.statements]
    for p in everything:
        p.voided_by = None
    outcomes: list[list[str] | BaseException] = []
    if not everything:
        return [[] for _ in batches]
    connection = session.connection()
    definition_ids = {a for batch in batches for a in batch.definitions}  # the accepted ones' or more
    seen, stored_definitions = _read_stored(connection, everything, definition_ids)
    accepted: list[tuple[list[_Prepared], Mapping[str, AttachmentData] | None, PreparedBatch]] = []
    view = hooks.view(session) if hooks.rules else None
    for batch, data in zip(batches, attachments, strict=True):
        mark = view.mark() if view is not None else 0
        try:
            fresh = seen.accept(batch.statements)
            if batch.foreign_to is not None:
                seen.refuse_voiding_of(fresh, batch.foreign_to)
            if view is not None:
                for p in fresh:
                    hooks.check(view, p.statement)
                    view.accept(p.statement)
        except XAPIError as exc:
            if view is not None:
                view.forget_since(mark)
            outcomes.append(exc)
            continue
        seen.remember(fresh)
        outcomes.append(batch.ids)
        accepted.append((fresh, data, batch))
    fresh_all = [p for fresh, _, _ in accepted for p in fresh]
    if not fresh_all:
        return outcomes
    last_sequence, last_stored = _counter(session, connection)
    stored = now_ms()
    if last_stored is not None and last_stored > stored:
        stored = last_stored  # stored never goes backwards in commit order (the clock may)
    first_sequence = last_sequence + 1
    stored_text = format_timestamp(stored)
    rows: list[tuple[Any, ...]] = []
    agents: list[tuple[str, str, int, str]] = []
    activities: list[tuple[str, str, int]] = []
    for sequence, p in enumerate(fresh_all, start=first_sequence):
        statement = p.statement
        statement["stored"] = stored_text
        if p.given_timestamp is None:
            statement["timestamp"] = stored_text
        rows.append(_statement_row(p, sequence, stored, dump(statement)))
        verb = p.columns["verb_iri"]
        agents.extend((k, r, sequence, verb) for k, r in p.agents)
        activities.extend((a, r, sequence) for a, r in p.activities)
    voidings = [(True, p.statement_id, p.target, False, VERB_VOIDED) for p in fresh_all if p.voiding]
    _write_rows(
        connection,
        [
            (_SET_COUNTER, [(first_sequence + len(rows) - 1, stored)]),
            (_INSERT_STATEMENTS, rows),
            (_INSERT_AGENT_LINKS, agents),
            (_INSERT_ACTIVITY_LINKS, activities),
            (_VOID, voidings),
        ],
    )
    sequence = first_sequence
    for fresh, data, _batch in accepted:
        if data:
            store_attachments(session, [(sequence + i, p.statement) for i, p in enumerate(fresh)], data)
        sequence += len(fresh)
    if len(accepted) == 1 and len(fresh_all) == len(accepted[0][2].statements):
        definitions = accepted[0][2].definitions
    else:
        definitions = incoming_definitions(p.statement for p in fresh_all)
    record_activities(connection, definitions, stored_definitions)
    for p in fresh_all:
        if p.voided_by is None:
            hooks.apply(session, p.statement)
    session.flush()
    return outcomes


#: The batch's ids already stored, and voiding statements stored earlier that target them:
#: (ids and targets, ids, the voided verb), with each one's authority. ``{ids}`` and ``{targets}``
#: are the lists' places.
_KNOWN = (
    f"SELECT statement_id, payload, object_statement_id, verb_iri, authority_ifi FROM {STATEMENTS.name}"
    " WHERE statement_id {ids} OR (object_statement_id {targets} AND verb_iri = ?)"
)


def _read_stored(
    connection: Connection, incoming: list[_Prepared], activity_ids: set[str]
) -> tuple[_Seen, dict[str, dict[str, Any]]]:
    """What the checks need of the stored data, under the writers' lock: ``_Seen`` and the activities' definitions.

    Straight through the driver (SQLAlchemy's rendering of expanding IN lists cost more
    than the queries); on PostgreSQL both reads go in one round trip (psycopg pipeline).
    """
    from lrs.sql.activities import ACTIVITIES, id_hash

    ids = {p.statement_id for p in incoming}
    known_ids, targets = list(ids | {p.target for p in incoming if p.voiding and p.target is not None}), list(ids)
    keys = [id_hash(a) for a in activity_ids]
    definitions = f"SELECT id_hash, definition FROM {ACTIVITIES.name} WHERE id_hash {{keys}}"
    driver: Any = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with driver.pipeline():
            known = driver.execute(
                _KNOWN.format(ids="= ANY(%s)", targets="= ANY(%s)").replace("?", "%s"), (known_ids, targets, VERB_VOIDED)
            )
            stored = driver.execute(definitions.format(keys="= ANY(%s)"), (keys,))
        return _Seen.of(known.fetchall(), ids), dict(stored.fetchall())  # jsonb arrives parsed
    cursor = driver.cursor()
    try:
        known = cursor.execute(
            _KNOWN.format(ids=_in(known_ids), targets=_in(targets)), (*known_ids, *targets, VERB_VOIDED)
        ).fetchall()
        rows = cursor.execute(definitions.format(keys=_in(keys)), keys).fetchall() if keys else []
    finally:
        cursor.close()
    return _Seen.of(known, ids), {key: json.loads(text) for key, text in rows}


def _in(values: list[Any]) -> str:
    """``IN (?, ...)`` with a place for each value (SQLite)."""
    return f"IN ({', '.join('?' * len(values))})"


class _Seen:
    """What is stored already, from one read, plus what this transaction has accepted (Data §2.3.1, §2.3.2)."""

    def __init__(self) -> None:
        self.statements: dict[str, dict[str, Any]] = {}
        self.voiding: set[str] = set()
        self.voided_earlier: dict[str, str] = {}
        #: The authority IFI of each statement read or accepted (voiding targets among them).
        self.authorities: dict[str, str] = {}

    @classmethod
    def of(cls, known: Any, ids: set[str]) -> _Seen:
        """From ``_KNOWN``'s rows: the incoming ``ids`` already stored, the statements the incoming voiding
        ones target, and stored voiding statements that target incoming ids."""
        seen = cls()
        for statement_id, payload, target_id, verb, authority in known:
            seen.authorities[statement_id] = authority
            if statement_id in ids:
                seen.statements[statement_id] = json.loads(payload)
            if verb == VERB_VOIDED and target_id is not None:
                seen.voiding.add(statement_id)
                if target_id in ids:
                    seen.voided_earlier.setdefault(target_id, statement_id)
        return seen

    def accept(self, batch: list[_Prepared]) -> list[_Prepared]:
        """The statements of ``batch`` to store, voiding worked out; raises to refuse the batch."""
        fresh: list[_Prepared] = []
        for p in batch:
            old = self.statements.get(p.statement_id)
            if old is None:
                fresh.append(p)
            elif not same_statement(old, p.statement, utc_instant):
                raise Conflict(f"statement {p.statement_id} is already stored with different content")
        in_batch = {p.statement_id: p for p in fresh}
        for p in fresh:
            if not p.voiding or p.target is None:
                continue
            target = in_batch.get(p.target)
            if p.target in self.voiding or (target is not None and target.voiding):
                raise BadRequest(f"statement {p.statement_id} voids {p.target}, which is itself a voiding statement")
            if target is not None and target.voided_by is None:
                target.voided_by = p.statement_id
        for p in fresh:
            voiding_id = self.voided_earlier.get(p.statement_id)
            if voiding_id is not None and not p.voiding and p.voided_by is None:
                p.voided_by = voiding_id
        return fresh

    def refuse_voiding_of(self, fresh: list[_Prepared], authority_ifi: str) -> None:
        """403 when a statement of ``fresh`` voids one stored by ``authority_ifi`` (the system agent)."""
        for p in fresh:
            if p.voiding and p.target is not None and self.authorities.get(p.target) == authority_ifi:
                raise Forbidden(
                    f"statement {p.statement_id}: only Rollcall itself may void {p.target}, which it issued"
                )

    def remember(self, fresh: list[_Prepared]) -> None:
        """Count an accepted batch's statements as stored for the batches after it."""
        for p in fresh:
            self.statements[p.statement_id] = p.statement
            self.authorities[p.statement_id] = p.columns["authority_ifi"]
            if p.voiding and p.target is not None:
                self.voiding.add(p.statement_id)
                self.voided_earlier.setdefault(p.target, p.statement_id)


#: The statement columns in the order ``_statement_row`` gives them.
STATEMENT_COLUMNS = (
    "sequence", "statement_id", "verb_iri", "registration", "actor_ifi", "object_activity_id",
    "object_agent_ifi", "object_statement_id", "authority_ifi", "stored", "timestamp",
    "is_voided", "voided_by", "payload",
)  # fmt: skip


def _statement_row(p: _Prepared, sequence: int, stored: datetime, payload: str) -> tuple[Any, ...]:
    c = p.columns
    return (
        sequence, p.statement_id, c["verb_iri"], c["registration"], c["actor_ifi"], c["object_activity_id"],
        c["object_agent_ifi"], c["object_statement_id"], c["authority_ifi"], stored, p.given_timestamp or stored,
        p.voided_by is not None, p.voided_by, payload,
    )  # fmt: skip


@dataclass(frozen=True)
class _RowWrite:
    """A statement run once per row through the driver's executemany; ``columns`` name its parameters in order."""

    table: Table
    columns: tuple[str, ...]
    #: The SQL with ``?`` for each parameter (turned into ``%s`` for psycopg).
    sql: str

    @classmethod
    def insert(cls, table: Table, columns: tuple[str, ...]) -> _RowWrite:
        """INSERT of ``columns`` into ``table``."""
        return cls(table, columns, f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})")


_INSERT_STATEMENTS = _RowWrite.insert(STATEMENTS, STATEMENT_COLUMNS)
_INSERT_AGENT_LINKS = _RowWrite.insert(AGENT_LINKS, ("ifi", "relation", "sequence", "verb_iri"))
_INSERT_ACTIVITY_LINKS = _RowWrite.insert(ACTIVITY_LINKS, ("activity_id", "relation", "sequence"))
#: The counter after a group: the last sequence handed out and the group's ``stored``.
_SET_COUNTER = _RowWrite(
    COUNTER, ("last_sequence", "last_stored"), f"UPDATE {COUNTER.name} SET last_sequence = ?, last_stored = ? WHERE id = 1"
)
#: Voiding (Data §2.3.2): (True, voiding id, target id, False, the voided verb) per voiding statement.
_VOID = _RowWrite(
    STATEMENTS,
    ("is_voided", "voided_by", "statement_id", "is_voided", "verb_iri"),
    f"UPDATE {STATEMENTS.name} SET is_voided = ?, voided_by = ? WHERE statement_id = ? AND is_voided = ? AND verb_iri <> ?",
)


def _write_rows(connection: Connection, writes: list[tuple[_RowWrite, list[tuple[Any, ...]]]]) -> None:
    """Run each write over its rows, in order, straight through the driver; on PostgreSQL in one round trip.

    SQLAlchemy's per-row parameter handling was a third of a batch's write time; values go
    through the bind processors it would use (e.g. SQLite datetimes). On PostgreSQL the
    writes are sent as one pipeline (psycopg pipeline mode), so the counter row's lock is
    held for one round trip instead of one per table.
    """
    writes = [(write, rows) for write, rows in writes if rows]
    if not writes:
        return
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        if dialect.name == "postgresql":
            with driver.pipeline():  # type: ignore[union-attr]
                for write, rows in writes:
                    cursor.executemany(write.sql.replace("?", "%s"), _bound(dialect, write, rows))
        else:
            for write, rows in writes:
                cursor.executemany(write.sql, _bound(dialect, write, rows))
    finally:
        cursor.close()


def _bound(dialect: Any, write: _RowWrite, rows: list[tuple[Any, ...]]) -> list[Any]:
    """The rows with each value converted by its column type's bind processor, once per distinct value."""
    processed = _processors(dialect, write.table, write.columns)
    if not processed:
        return rows
    converted = [list(row) for row in rows]
    for index, process in processed:
        memo: dict[Any, Any] = {}  # the group's rows share values (one `stored` for all)
        for row in converted:
            value = row[index]
            if value is not None:
                done = memo.get(value)
                if done is None:
                    done = memo[value] = process(value)
                row[index] = done
    return converted


_PROCESSORS: dict[tuple[str, str, tuple[str, ...]], list[tuple[int, Any]]] = {}


def _processors(dialect: Any, table: Table, columns: tuple[str, ...]) -> list[tuple[int, Any]]:
    """(position, bind processor) of the columns whose values the dialect converts."""
    key = (dialect.name, table.name, columns)
    if key not in _PROCESSORS:
        found = [(i, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for i, name in enumerate(columns)]
        _PROCESSORS[key] = [(i, f) for i, f in found if f is not None]
    return _PROCESSORS[key]


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


def consistent_through(engine: Engine) -> datetime:
    """X-Experience-API-Consistent-Through for a response that read nothing else (see ``read_position``)."""
    with engine.connect() as connection:  # returned to the pool rolled back
        return read_position(connection)[1]


def read_position(connection: Connection) -> tuple[int, datetime]:
    """(last committed sequence, X-Experience-API-Consistent-Through) for a reader, before it reads (Part Three §2.1.3).

    Consistent-Through promises that every statement stored at or before it is visible.
    Writers hold the writers' lock (SQLite's writers' queue; PostgreSQL's advisory lock
    and counter row) from the moment they pick ``stored`` until they commit, and pick a
    ``stored`` no earlier than the time they got the lock. So if no writer holds the lock
    when the reader looks, every later writer stores at or after a time taken before the
    look: that time, less one millisecond (``stored`` has millisecond precision and
    ``since`` is exclusive), is the answer. If a writer is in flight, the newest committed
    statement's ``stored`` less one millisecond is (conservative).

    The look comes first and the counter is read after it, in a later snapshot, so a
    writer that committed in between is inside the sequence bound the reader then uses.
    On PostgreSQL both go in one round trip (psycopg pipeline); SQLite without a writers'
    queue (in memory) always takes the conservative answer.
    """
    before = now_ms() - ONE_MS
    if connection.dialect.name == "sqlite":
        queue = write_queue(connection.engine)
        free = queue is not None and queue.idle()
        row = connection.execute(_READ_COUNTER).one()
    else:
        driver: Any = connection.connection.driver_connection
        with driver.pipeline():
            probe = driver.execute(_PROBE_WRITERS)
            counter = driver.execute(_READ_COUNTER_SQL)
        free, row = probe.fetchone()[0], counter.fetchone()
    last = int(row[0])
    if free:
        return last, before
    return last, aware(row[1]) - ONE_MS if row[1] is not None else EPOCH


def through_after_write(started: datetime) -> datetime:
    """Consistent-Through for the answer to a write that began at ``started`` and committed.

    The write picked a ``stored`` no earlier than ``started`` under the writers' lock, so
    every statement stored before it had committed; those after store later still.
    """
    return started - ONE_MS



def get_voided_statements(session: Session, statement_ids: list[str]) -> list[dict[str, Any]]:
    """The voided statements among ``statement_ids`` (one indexed query per 500 ids)."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(statement_ids), 500):
        chunk = [i.lower() for i in statement_ids[start : start + 500]]
        query = select(STATEMENTS.c.payload).where(STATEMENTS.c.statement_id.in_(chunk), STATEMENTS.c.is_voided.is_(True))
        found.extend(json.loads(payload) for payload in session.scalars(query))
    return found


def statements_of_registration(session: Session, registration: str) -> list[tuple[datetime, dict[str, Any]]]:
    """(timestamp, statement) of every statement in ``registration`` that is not voided, by timestamp then commit order."""
    query = (
        select(STATEMENTS.c.timestamp, STATEMENTS.c.payload)
        .where(STATEMENTS.c.registration == registration.lower(), STATEMENTS.c.is_voided.is_(False))
        .order_by(STATEMENTS.c.timestamp, STATEMENTS.c.sequence)
    )
    return [(aware(timestamp), json.loads(payload)) for timestamp, payload in session.execute(query)]
