"""Statement queries: GET /xapi/statements filters as index lookups, streamed (xAPI 1.0.3 Part Three §2.1.3).

Every filter is a lifted column or a link-table lookup. A statement whose object is a
StatementRef also matches when a statement it targets (directly or down a chain of
StatementRefs) matches the non-time filters ("Filter Conditions for StatementRefs");
the chain is walked with a recursive CTE over the few statements that have a
StatementRef object. Voided statements are never returned here (§2.1.4).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Generator, Iterator
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.orm import Session

from lrs.sql.formats import CanonicalDefinitions, render
from lrs.sql.indexing import DIRECT_ACTIVITY, DIRECT_AGENT, ifi_key
from lrs.sql.statements import ACTIVITY_LINKS, AGENT_LINKS, STATEMENTS
from lrs.store import StatementQuery

#: Rows fetched from the database at a time while streaming.
STREAM_CHUNK = 200


def _filters(query: StatementQuery, table: Any) -> list[ColumnElement[bool]]:
    """The non-time filters of ``query`` applied to one statement table (or alias)."""
    conditions: list[ColumnElement[bool]] = []
    if query.verb is not None:
        conditions.append(table.c.verb_iri == query.verb)
    if query.registration is not None:
        conditions.append(table.c.registration == query.registration.lower())
    if query.agent is not None:
        key = ifi_key(query.agent)
        if key is None:
            conditions.append(false())
        else:
            links = select(AGENT_LINKS.c.sequence).where(AGENT_LINKS.c.ifi == key)
            if not query.related_agents:
                links = links.where(AGENT_LINKS.c.relation.in_(DIRECT_AGENT))
            conditions.append(table.c.sequence.in_(links))
    if query.activity is not None:
        links = select(ACTIVITY_LINKS.c.sequence).where(
            ACTIVITY_LINKS.c.activity_id == query.activity
        )
        if not query.related_activities:
            links = links.where(ACTIVITY_LINKS.c.relation == DIRECT_ACTIVITY)
        conditions.append(table.c.sequence.in_(links))
    return conditions


def _bounds(query: StatementQuery, table: Any) -> list[ColumnElement[bool]]:
    """The time and sequence bounds (applied to the returned statement itself)."""
    conditions: list[ColumnElement[bool]] = []
    if query.since is not None:
        conditions.append(table.c.stored > query.since)
    if query.until is not None:
        conditions.append(table.c.stored <= query.until)
    if query.max_sequence is not None:
        conditions.append(table.c.sequence <= query.max_sequence)
    if query.authority_key is not None:
        conditions.append(table.c.authority_ifi == query.authority_key)
    return conditions


def _via_statement_refs(query: StatementQuery) -> Select[Any]:
    """Sequences of StatementRef statements whose target chain contains a match (recursive CTE)."""
    referrer = STATEMENTS.alias("referrer")
    chain = (
        select(
            referrer.c.sequence.label("sequence"),
            referrer.c.object_statement_id.label("target"),
        )
        .where(
            referrer.c.object_statement_id.is_not(None),
            referrer.c.is_voided.is_(False),
            *_bounds(query, referrer),
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
    return (
        select(chain.c.sequence)
        .join(targeted, targeted.c.statement_id == chain.c.target)
        .where(*_filters(query, targeted))
    )


def build_select(
    query: StatementQuery, columns: tuple[Any, ...] | None = None
) -> Select[Any]:
    """The SELECT of the statements that match ``query``'s filters themselves, in commit order.

    Statements that match only through a StatementRef come from ``build_ref_select``;
    the two are merged while streaming. One OR of both in a single WHERE kept both
    databases from driving the query from the filter's index (bench/README.md).
    """
    table = STATEMENTS
    cols = columns or (table.c.sequence, table.c.payload)
    conditions = [table.c.is_voided.is_(False), *_bounds(query, table), *_filters(query, table)]
    return _ordered(select(*cols).where(*conditions), query)


def build_ref_select(query: StatementQuery, columns: tuple[Any, ...] | None = None) -> Select[Any]:
    """The SELECT of StatementRef statements whose target chain matches ``query``'s filters."""
    table = STATEMENTS
    cols = columns or (table.c.sequence, table.c.payload)
    conditions = [
        table.c.is_voided.is_(False),
        *_bounds(query, table),
        table.c.sequence.in_(_via_statement_refs(query)),
    ]
    return _ordered(select(*cols).where(*conditions), query)


def _ordered(statement: Select[Any], query: StatementQuery) -> Select[Any]:
    """Commit order (newest first unless ascending), after the paging cursor, up to the limit."""
    table = STATEMENTS
    if query.after_sequence is not None:
        statement = statement.where(
            table.c.sequence > query.after_sequence
            if query.ascending
            else table.c.sequence < query.after_sequence
        )
    statement = statement.order_by(
        table.c.sequence.asc() if query.ascending else table.c.sequence.desc()
    )
    if query.limit:
        statement = statement.limit(query.limit)
    return statement


def _stream(session: Session, statement: Select[Any]) -> Generator[tuple[int, str], None, None]:
    """(sequence, JSON text) rows of one SELECT, fetched in chunks."""
    result = session.execute(statement.execution_options(yield_per=STREAM_CHUNK))
    try:
        for sequence, payload in result:
            yield int(sequence), payload
    finally:
        # Closes PostgreSQL's server-side cursor when the reader stops early (a full page).
        result.close()


def iter_statement_rows(
    session: Session, query: StatementQuery
) -> Generator[tuple[int, str], None, None]:
    """(sequence, stored JSON text) of each matching statement, streamed from the database.

    With filters, the direct matches and the StatementRef matches are two ordered
    streams merged by sequence (a statement in both is yielded once).
    """
    if not _filters(query, STATEMENTS):
        yield from _stream(session, build_select(query))
        return
    # Two open cursors on the request's own connection (server-side cursors on
    # PostgreSQL, plain cursors on SQLite): one snapshot, no second connection.
    direct = _stream(session, build_select(query))
    via_refs = _stream(session, build_ref_select(query))
    merged = heapq.merge(direct, via_refs, key=lambda row: row[0], reverse=not query.ascending)
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
        direct.close()
        via_refs.close()


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
