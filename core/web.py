"""One database session per request (flask tutorial's get_db/close_db, SQLAlchemy 2 style), and the unit-of-work rule.

The rule (ARCHITECTURE.md, "Unit of work"): no portal write transaction stays open
across a call to the LRS, which has its own engine on the same database. ``guard_calls``
makes it checkable: in development and tests the app's LRS client fails any call made
while the request's portal session holds a write transaction.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker
from sqlalchemy.sql.elements import TextClause

from core.db import lazy_writer, make_sessionmaker, reads_only, writer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: ``Session.info`` key: the session's transaction has written (or locked rows to write).
_WROTE = "rollcall_wrote"


class UnitOfWorkViolation(RuntimeError):
    """The LRS was called while this request's portal session held a write transaction."""


def init_app(app: Flask, engine: Engine) -> None:
    """Keep session factories on the app and close the request's session at teardown."""
    app.extensions["db_engine"] = engine
    app.extensions["db_read"] = _tracked(make_sessionmaker(engine))
    app.extensions["db_write"] = _tracked(make_sessionmaker(writer(engine)), locks_at_begin=True)
    app.extensions["db_request_write"] = _tracked(make_sessionmaker(lazy_writer(engine)))
    app.teardown_appcontext(close_session)


def _tracked(factory: sessionmaker[Session], *, locks_at_begin: bool = False) -> sessionmaker[Session]:
    """Sessions that remember whether their transaction has written, for ``holds_write``."""

    def wrote(session: Session, *_: Any) -> None:
        session.info[_WROTE] = True

    def executed(state: ORMExecuteState) -> None:
        statement = state.statement
        if isinstance(statement, TextClause):
            reads = reads_only(statement.text)
        else:
            reads = state.is_select and getattr(statement, "_for_update_arg", None) is None
        if not reads:  # DML, DDL, or SELECT ... FOR UPDATE (rows locked to be written)
            wrote(state.session)

    def ended(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            session.info.pop(_WROTE, None)

    event.listen(factory, "after_flush", wrote)
    event.listen(factory, "do_orm_execute", executed)
    event.listen(factory, "after_transaction_end", ended)
    if locks_at_begin:  # BEGIN IMMEDIATE on SQLite: the write lock is held from the start
        event.listen(factory, "after_begin", wrote)
    return factory


def holds_write(session: Session) -> bool:
    """True when the session has a write transaction open: rows written or locked, or changes waiting to flush."""
    if session.new or session.dirty or session.deleted:
        return True
    return session.in_transaction() and bool(session.info.get(_WROTE))


def check_unit_of_work(what: str) -> None:
    """Raise UnitOfWorkViolation when this request's portal session holds a write transaction."""
    session = g.get("db_session") if has_app_context() else None
    if session is not None and holds_write(session):
        raise UnitOfWorkViolation(
            f"{what} was called while this request's portal session holds a write transaction: commit the "
            'portal session first, or call the LRS first (ARCHITECTURE.md, "Unit of work")'
        )


class GuardedClient:
    """Another store's client (the LRS's) whose every public call first runs ``check_unit_of_work``."""

    def __init__(self, client: Any, name: str = "the LRS") -> None:
        self._client = client
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._client, attribute)
        if attribute.startswith("_") or not callable(value):
            return value

        @functools.wraps(value)
        def checked(*args: Any, **kwargs: Any) -> Any:
            check_unit_of_work(f"{self._name}'s {attribute}()")
            return value(*args, **kwargs)

        return checked


def guard_calls(client: Any, name: str = "the LRS") -> Any:
    """``client`` with every call checked against the unit-of-work rule (development and tests)."""
    return GuardedClient(client, name)


def db_session() -> Session:
    """This request's session; a writing request takes SQLite's write lock at its first write.

    Until then (loading the user for flask-login, looking things up) a POST holds no
    lock, so a view may write through the LRS, whose engine is its own: commit the
    portal's writes before calling the LRS, or call it first (ARCHITECTURE.md, "Unit of
    work"; ``check_unit_of_work``). Services flush, views commit (STYLE.md §2):
    whatever is not committed by the end of the request is rolled back at teardown.
    """
    if "db_session" not in g:
        writes = has_request_context() and request.method not in SAFE_METHODS
        factory = current_app.extensions["db_request_write" if writes else "db_read"]
        g.db_session = factory()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    """Close (and so roll back anything uncommitted in) this request's session."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
