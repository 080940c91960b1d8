"""One database session per request (flask tutorial's get_db/close_db, SQLAlchemy 2 style)."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.db import lazy_writer, make_sessionmaker, writer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask, engine: Engine) -> None:
    """Keep session factories on the app and close the request's session at teardown."""
    app.extensions["db_engine"] = engine
    app.extensions["db_read"] = make_sessionmaker(engine)
    app.extensions["db_write"] = make_sessionmaker(writer(engine))
    app.extensions["db_request_write"] = make_sessionmaker(lazy_writer(engine))
    app.teardown_appcontext(close_session)


def db_session() -> Session:
    """This request's session; a writing request takes SQLite's write lock at its first write.

    Until then (loading the user for flask-login, looking things up) a POST holds no
    lock, so a view may write through the LRS, whose engine is its own: commit the
    portal's writes before calling the LRS, or call it first. Services flush, views
    commit (STYLE.md §2): whatever is not committed by the end of the request is
    rolled back at teardown.
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
