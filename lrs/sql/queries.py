"""Statement queries: GET /xapi/statements filters as index lookups, streamed (xAPI 1.0.3 Part Three §2.1.3).

Every filter is a lifted column or a link-table lookup. A statement whose object is a
StatementRef also matches when a statement it targets (directly or down a chain of
StatementRefs) matches the non-time filters ("Filter Conditions for StatementRefs");
the chain is walked with a recursive CTE seeded from the few statements that have a
StatementRef object (partial index ``ix_lrs_statement_referrer``), and only when such a
statement lies within the query's sequence bounds. Voided statements are never returned
here (§2.1.4).

Each query shape (which filters are present) is built once, with bind parameters, and
kept: building SELECTs per request cost more CPU than running them (bench/README.md).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from lrs.sql.formats import CanonicalDefinitions, render
from lrs.sql.indexing import DIRECT_ACTIVITY, DIRECT_AGENT, ifi_key
from lrs.sql.statements import ACTIVITY_LINKS, AGENT_LINKS, STATEMENTS
from lrs.store import StatementQuery

#: Rows fetched from the database at a time while streaming.
STREAM_CHUNK = 200
#: The relation that sorts first among those lrs.sql.indexing writes links under, per kind
#: (tests/lrs/test_query_streams.py checks it against the indexing code).
LEAST_RELATION = {"agent": "actor", "activity": "category"}
#: The (verb_iri, sequence) index of the statement table (migration l0002), read by verb probes.
VERB_INDEX = "ix_lrs_statement_verb"

Row = tuple[int, str]
#: Bind parameter names and the StatementQuery fields whose values they take as given.
BOUND_FIELDS = (
    ("verb", "verb"),
    ("activity", "activity"),
    ("since", "since"),
    ("until", "until"),
    ("max_sequence", "max_sequence"),
    ("authority", "authority_key"),
    ("after", "after_sequence"),
)


@dataclass(frozen=True)
class Shape:
    """Which parameters a query has: one SQL text per shape, values bound at execution."""

    verb: bool = False
    registration: bool = False
    #: 0 no agent filter, 1 actor/object (``agent``), 2 any relation (``related_agents``).
    agent: int = 0
    #: 0 no activity filter, 1 object (``activity``), 2 any relation (``related_activities``).
    activity: int = 0
    since: bool = False
    until: bool = False
    max_sequence: bool = False
    authority: bool = False
    after: bool = False
    ascending: bool = False
    limit: bool = False
    #: StatementRef stream only: past the last direct match a full page needs (``floor``).
    floor: bool = False

    @property
    def filtered(self) -> bool:
        """Whether the query has filters a StatementRef's target can match (not time or scope)."""
        return bool(self.verb or self.registration or self.agent or self.activity)


def shape_of(query: StatementQuery) -> Shape:
    """The shape of ``query``."""
    return Shape(
        verb=query.verb is not None,
        registration=query.registration is not None,
        agent=0 if query.agent is None else 2 if query.related_agents else 1,
        activity=0 if query.activity is None else 2 if query.related_activities else 1,
        since=query.since is not None,
        until=query.until is not None,
        max_sequence=query.max_sequence is not None,
        authority=query.authority_key is not None,
        after=query.after_sequence is not None,
        ascending=query.ascending,
        limit=bool(query.limit),
    )


def parameters(query: StatementQuery) -> dict[str, Any] | None:
    """The bound values of ``query`` (None when it cannot match: an agent without an identifier)."""
    values: dict[str, Any] = {}
    if query.agent is not None:
        key = ifi_key(query.agent)
        if key is None:
            return None
        values["ifi"] = key
    if query.registration is not None:
        values["registration"] = query.registration.lower()
    for name, field in BOUND_FIELDS:
        if (value := getattr(query, field)) is not None:
            values[name] = value
    if query.limit:
        values["limit"] = query.limit
    return values


def _lifted(shape: Shape, table: Any) -> list[ColumnElement[bool]]:
    """The filters on the statement's own columns (verb, registration)."""
    conditions: list[ColumnElement[bool]] = []
    if shape.verb:
        conditions.append(table.c.verb_iri == bindparam("verb"))
    if shape.registration:
        conditions.append(table.c.registration == bindparam("registration"))
    return conditions


def _links(
    shape: Shape, kind: str, links: Any = None
) -> tuple[Any, list[ColumnElement[bool]]]:
    """The link table of ``kind`` ("agent" or "activity") (or ``links``, an alias) and the filter's conditions on it."""
    if kind == "agent":
        links = AGENT_LINKS if links is None else links
        conditions = [links.c.ifi == bindparam("ifi")]
        if shape.agent == 1:
            conditions.append(links.c.relation.in_([literal(r) for r in DIRECT_AGENT]))
    else:
        links = ACTIVITY_LINKS if links is None else links
        conditions = [links.c.activity_id == bindparam("activity")]
        if shape.activity == 1:
            conditions.append(links.c.relation == literal(DIRECT_ACTIVITY))
    return links, conditions


def _link_probe(shape: Shape, kind: str, sequence: Any) -> ColumnElement[bool]:
    """Whether the statement at ``sequence`` mentions the filter's agent or activity: one index probe."""
    links, conditions = _links(shape, kind)
    found = select(literal(1)).where(*conditions, links.c.sequence == sequence).limit(1)
    return found.scalar_subquery().is_not(None)


def _verb_probe(sequence: Any, dialect: str) -> ColumnElement[bool]:
    """Whether the statement at ``sequence`` has the filter's verb: one probe of VERB_INDEX, not a read of its row.

    Used where the driving links are activity links (agent links carry the verb). A
    query driven by a link index meets many statements of other verbs before it has a
    page. Checking each in the small verb index, and reading the rows of the matches
    only, took agent+verb+activity at 1M statements (driven by agent links, before they
    carried the verb) from 18-24 to about 8 ms of PostgreSQL's CPU, and on SQLite from
    4-13 to 2.4-3 ms (bench/README.md). SQLite would find the sequence as the rowid,
    that is by reading the row, so there the index is named (INDEXED BY, which also
    makes a renamed index an error rather than a slow plan).
    """
    hint = f" INDEXED BY {VERB_INDEX}" if dialect == "sqlite" else ""
    found = (
        select(literal(1))
        .select_from(text(f"{STATEMENTS.name} AS verb_probe{hint}"))
        .where(
            literal_column("verb_probe.verb_iri") == bindparam("verb"),
            literal_column("verb_probe.sequence") == sequence,
        )
        .limit(1)
    )
    return found.scalar_subquery().is_not(None)


def _filters(shape: Shape, table: Any) -> list[ColumnElement[bool]]:
    """The non-time filters applied to one statement table (or alias), link filters as probes."""
    conditions = _lifted(shape, table)
    for kind in ("agent", "activity"):
        if getattr(shape, kind):
            conditions.append(_link_probe(shape, kind, table.c.sequence))
    return conditions


def _first_sequence_after(since: Any) -> Any:
    """The lowest sequence stored after ``since`` (NULL when none): one probe of (stored, sequence).

    ``stored`` never decreases with ``sequence`` (writers take it under the counter lock,
    lrs.sql.statements), so every statement stored after ``since`` has at least this
    sequence: the time bound becomes a primary-key range.
    """
    table = STATEMENTS.alias("since_bound")
    return (
        select(table.c.sequence)
        .where(table.c.stored > since)
        .order_by(table.c.stored.asc(), table.c.sequence.asc())
        .limit(1)
        .scalar_subquery()
    )


def _last_sequence_until(until: Any) -> Any:
    """The highest sequence stored at or before ``until`` (NULL when none); see above."""
    table = STATEMENTS.alias("until_bound")
    return (
        select(table.c.sequence)
        .where(table.c.stored <= until)
        .order_by(table.c.stored.desc(), table.c.sequence.desc())
        .limit(1)
        .scalar_subquery()
    )


def _sequence_bounds(shape: Shape, sequence: Any) -> list[ColumnElement[bool]]:
    """The bounds on a sequence column: the page bound, the paging cursor, since/until."""
    conditions: list[ColumnElement[bool]] = []
    stored_type = STATEMENTS.c.stored.type
    if shape.since:
        since = bindparam("since", type_=stored_type)
        conditions.append(sequence >= _first_sequence_after(since))
    if shape.until:
        until = bindparam("until", type_=stored_type)
        conditions.append(sequence <= _last_sequence_until(until))
    if shape.max_sequence:
        conditions.append(sequence <= bindparam("max_sequence"))
    if shape.after:
        after: Any = bindparam("after")
        conditions.append(sequence > after if shape.ascending else sequence < after)
    if shape.floor:
        floor: Any = bindparam("floor")
        conditions.append(sequence < floor if shape.ascending else sequence > floor)
    return conditions


def _bounds(shape: Shape, table: Any) -> list[ColumnElement[bool]]:
    """The time, sequence, scope and paging bounds (applied to the returned statement itself).

    since/until are the sequence range of ``_sequence_bounds`` alone: ``stored`` never
    decreases with ``sequence``, so that range holds exactly the statements stored in the
    window. A second test of ``stored`` on the statement itself added nothing but work for
    PostgreSQL's planner, which estimated its range afresh for every query: at 1M
    statements 1.8-2.6 ms a query instead of 0.5 (bench/README.md).
    """
    conditions = _sequence_bounds(shape, table.c.sequence)
    if shape.authority:
        conditions.append(table.c.authority_ifi == bindparam("authority"))
    return conditions


def _ordered(statement: Select[Any], shape: Shape) -> Select[Any]:
    """Commit order (newest first unless ascending), up to the limit."""
    sequence = STATEMENTS.c.sequence
    statement = statement.order_by(
        sequence.asc() if shape.ascending else sequence.desc()
    )
    return statement.limit(bindparam("limit")) if shape.limit else statement


@cache
def direct_select(shape: Shape, dialect: str) -> Select[Any]:
    """(sequence, payload) of the statements that match the filters themselves, in commit order.

    With an agent or activity filter (and no registration, which its own index serves
    better) the query is driven by that link index, (ifi | activity_id, sequence,
    relation), read in sequence order: the database reads about a page of links and
    looks up only those statements, instead of collecting every match and sorting it.
    A statement linked under several relations must come once: PostgreSQL reads the
    links through a grouped, ordered subquery; SQLite materializes such a subquery, so
    there each link row is kept only if no lower relation links the same statement (one
    probe of the same index). A verb is checked first: on an agent link it is the link's
    own column; with activity links by a probe of the verb index (``_verb_probe``). Then
    a second link filter, by a probe of its link index.

    Statements that match only through a StatementRef come from ``ref_select``; the two
    are merged while streaming (bench/README.md: one OR of both defeated the indexes).
    """
    table = STATEMENTS
    columns = (table.c.sequence, table.c.payload)
    driver = None
    if not shape.registration:
        driver = "agent" if shape.agent else "activity" if shape.activity else None
    if driver is None:
        conditions = [
            table.c.is_voided.is_(False),
            *_bounds(shape, table),
            *_filters(shape, table),
        ]
        return _ordered(select(*columns).where(*conditions), shape)
    links, conditions = _links(shape, driver)
    conditions += _sequence_bounds(shape, links.c.sequence)
    if shape.verb and driver == "agent":
        conditions.append(links.c.verb_iri == bindparam("verb"))  # carried by the link (l0008)
    elif shape.verb:
        conditions.append(_verb_probe(links.c.sequence, dialect))
    if driver == "agent" and shape.activity:
        conditions.append(_link_probe(shape, "activity", links.c.sequence))
    own = [table.c.is_voided.is_(False), *_bounds(shape, table), *_lifted(shape, table)]
    if dialect == "postgresql":
        order = links.c.sequence.asc() if shape.ascending else links.c.sequence.desc()
        matched = (
            select(links.c.sequence)
            .where(*conditions)
            .group_by(links.c.sequence)
            .order_by(order)
            .subquery("matched")
        )
        conditions = []  # all inside the subquery
        sequence = matched.c.sequence
        statement = select(*columns).join_from(
            matched, table, table.c.sequence == sequence
        )
    elif driver == "activity" and shape.activity == 1:
        sequence = links.c.sequence  # one relation: no statement is linked twice
        statement = select(*columns).join_from(
            links, table, table.c.sequence == sequence
        )
    else:
        lower, lower_conditions = _links(shape, driver, links.alias("lower_relation"))
        duplicate = select(literal(1)).where(
            *lower_conditions,
            lower.c.sequence == links.c.sequence,
            lower.c.relation < links.c.relation,
        )
        # A link under the least relation has no lower one: no probe (most agent links
        # are the actor's, so agent+activity queries probe half as often).
        conditions.append(
            or_(links.c.relation == literal(LEAST_RELATION[driver]), ~duplicate.exists())
        )
        sequence = links.c.sequence
        statement = select(*columns).join_from(
            links, table, table.c.sequence == sequence
        )
    statement = statement.where(*conditions, *own).order_by(
        sequence.asc() if shape.ascending else sequence.desc()
    )
    return statement.limit(bindparam("limit")) if shape.limit else statement


@cache
def referrer_probe(shape: Shape) -> Select[Any]:
    """One StatementRef statement within the query's bounds, if any (an index probe)."""
    table = STATEMENTS
    return (
        select(table.c.sequence)
        .where(table.c.object_statement_id.is_not(None), *_bounds(shape, table))
        .limit(1)
    )


@cache
def ref_select(shape: Shape) -> Select[Any]:
    """(sequence, payload) of StatementRef statements whose target chain matches the filters (Data §2.5.1)."""
    referrer = STATEMENTS.alias("referrer")
    chain = (
        select(
            referrer.c.sequence.label("sequence"),
            referrer.c.object_statement_id.label("target"),
        )
        .where(
            referrer.c.object_statement_id.is_not(None),
            referrer.c.is_voided.is_(False),
            *_bounds(shape, referrer),
        )
        .cte("ref_chain", recursive=True)
    )
    hop = STATEMENTS.alias("hop")
    chain = chain.union(
        select(chain.c.sequence, hop.c.object_statement_id)
        .join(hop, hop.c.statement_id == chain.c.target)
        .where(hop.c.object_statement_id.is_not(None))
    )
    targeted = STATEMENTS.alias("targeted")
    matching = (
        select(chain.c.sequence)
        .join(targeted, targeted.c.statement_id == chain.c.target)
        .where(*_filters(shape, targeted))
    )
    table = STATEMENTS
    conditions = [
        table.c.is_voided.is_(False),
        *_bounds(shape, table),
        table.c.sequence.in_(matching),
    ]
    return _ordered(select(table.c.sequence, table.c.payload).where(*conditions), shape)


def _stream(
    connection: Connection,
    statement: Select[Any],
    values: dict[str, Any],
    chunked: bool,
) -> Generator[Row, None, None]:
    """(sequence, JSON text) rows of one SELECT; a server-side cursor when ``chunked``.

    Otherwise (a page of at most STREAM_CHUNK rows) the rows are fetched in one call.
    """
    options = {"yield_per": STREAM_CHUNK} if chunked else {}
    result = connection.execute(statement, values, execution_options=options)
    try:
        if chunked:
            for sequence, payload in result:
                yield int(sequence), payload
        else:
            yield from result.fetchall()
    finally:
        # Closes PostgreSQL's server-side cursor when the reader stops early (a full page).
        result.close()


def streams(query: StatementQuery) -> bool:
    """Whether ``query``'s rows are streamed (a server-side cursor on PostgreSQL, so a transaction).

    Pages up to a chunk are fetched whole; larger ones and unbounded reads stream.
    """
    return not query.limit or query.limit > STREAM_CHUNK


def iter_statement_rows(
    session: Session | Connection, query: StatementQuery
) -> Generator[Row, None, None]:
    """(sequence, stored JSON text) of each matching statement, streamed from the database.

    With filters, and when a StatementRef statement lies within the query's bounds, the
    direct matches and the StatementRef matches are two ordered streams merged by
    sequence (a statement in both is yielded once). When the direct matches alone fill
    the page, only StatementRef statements before the last of them can make the page,
    so the StatementRef stream (and its probe) is bounded there.
    """
    values = parameters(query)
    if values is None:
        return
    connection = session.connection() if isinstance(session, Session) else session
    shape = shape_of(query)
    chunked = streams(query)
    dialect = connection.dialect.name
    direct: Iterator[Row] = _stream(
        connection, direct_select(shape, dialect), values, chunked
    )
    if not shape.filtered:
        yield from direct
        return
    ref_shape, ref_values = shape, values
    if not chunked:
        page = list(direct)
        direct = iter(page)
        if len(page) >= query.limit:
            ref_shape = replace(shape, floor=True)
            ref_values = {**values, "floor": page[query.limit - 1][0]}
    if connection.execute(referrer_probe(ref_shape), ref_values).first() is None:
        yield from direct
        return
    # Two open cursors on the request's own connection: one snapshot, no second connection.
    via_refs = _stream(connection, ref_select(ref_shape), ref_values, chunked)
    merged = heapq.merge(
        direct, via_refs, key=lambda row: row[0], reverse=not query.ascending
    )
    try:
        count, last = 0, None
        for sequence, payload in merged:
            if sequence == last:
                continue
            last = sequence
            yield sequence, payload
            count += 1
            if query.limit and count >= query.limit:
                return
    finally:
        via_refs.close()
        if isinstance(direct, Generator):
            direct.close()


def iter_statements(
    session: Session,
    query: StatementQuery,
    version: str,
    accept_language: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Every statement matching ``query`` as a dict in ``query.format``, streamed (Part Three §2.1.3)."""
    canonical = CanonicalDefinitions(session)
    for _sequence, payload in iter_statement_rows(session, query):
        statement: dict[str, Any] = json.loads(payload)
        yield (
            render(statement, query.format, accept_language, canonical)
            if query.format != "exact"
            else statement
        )


def iter_all_statements(session: Session) -> Iterator[dict[str, Any]]:
    """Every statement that is not voided, in commit order (for projection rebuilds)."""
    yield from iter_statements(session, StatementQuery(ascending=True), "2.0.0")
