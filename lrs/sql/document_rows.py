"""The document table, the key a document is found by, and the SQL run on it, built once.

A document is identified by (kind, activity id, agent, registration, document id) (xAPI
1.0.3 Part Three §2.2-§2.7). The agent counts by its inverse functional identifier, never by
the JSON text it was sent as. Those parts can be arbitrarily long IRIs and strings, so the
unique key is a SHA-256 of them (``doc_key``) and listings go through a SHA-256 of the
context without the registration and the document id (``scope_key``); the parts themselves
are kept in plain columns too.

The statements are SQLAlchemy Core with bound parameters, built at import: building a
select() per request and the ORM's identity map and flush cost more than the SQL itself.
They run on whatever the caller holds (a Connection from the API, a Session from LRSClient).
The rules that use them are in ``lrs.sql.documents``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, cast

from sqlalchemy import (
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    bindparam,
    case,
    delete,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from lrs.db import LRSBase
from lrs.errors import BadRequest

STATE = "state"
ACTIVITY_PROFILE = "activity_profile"
AGENT_PROFILE = "agent_profile"
JSON_TYPE = "application/json"
MAX_CONTENT_TYPE = 255

#: What the statements run on: the API's Connection or LRSClient's Session.
Executor = Connection | Session


class StoredDocument(LRSBase):
    """One document as stored: its identity, bytes, content type, ETag and update time."""

    __tablename__ = "lrs_document"
    __table_args__ = (Index("ix_lrs_document_scope_updated", "scope_key", "updated"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_key: Mapped[str] = mapped_column(String(64), unique=True)
    scope_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    activity_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    agent_ifi: Mapped[str | None] = mapped_column(Text, nullable=True)
    registration: Mapped[str | None] = mapped_column(String(36), nullable=True)
    document_id: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(MAX_CONTENT_TYPE))
    etag: Mapped[str] = mapped_column(String(40))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# -- statements, built once ------------------------------------------------------

_TABLE = cast(Table, StoredDocument.__table__)
_doc = _TABLE.c
_DOC_KEY = _doc.doc_key == bindparam("key")
_SCOPE = _doc.scope_key == bindparam("scope")
_IN_REGISTRATION = _doc.registration == bindparam("reg")
_NOW = bindparam("now", type_=_doc.updated.type)

#: A single GET: the four things a response needs, by the unique key.
SELECT = select(_doc.content, _doc.content_type, _doc.etag, _doc.updated).where(
    _DOC_KEY
)
SELECT_LOCKED = SELECT.with_for_update()

#: Replace a document's body; ``updated`` never moves backwards, even if the clock does.
UPDATE = (
    update(_TABLE)
    .where(_DOC_KEY)
    .values(
        content=bindparam("new_content"),
        content_type=bindparam("new_content_type"),
        etag=bindparam("new_etag"),
        updated=case((_doc.updated > _NOW, _doc.updated), else_=_NOW),
    )
    .returning(_doc.updated)
)
#: The same, only while the stored ETag is still the one the client names (If-Match).
UPDATE_IF_ETAG = UPDATE.where(_doc.etag == bindparam("if_etag"))

DELETE_ONE = delete(_TABLE).where(_DOC_KEY).returning(_doc.id)
DELETE_SCOPE = {
    False: delete(_TABLE).where(_SCOPE),
    True: delete(_TABLE).where(_SCOPE, _IN_REGISTRATION),
}


def _listing(registration: bool, since: bool) -> Any:
    query = select(_doc.document_id, _doc.updated).where(_SCOPE)
    if registration:
        query = query.where(_IN_REGISTRATION)
    if since:
        query = query.where(_doc.updated > bindparam("since", type_=_doc.updated.type))
    return query.order_by(_doc.updated, _doc.id)


LISTINGS = {(r, s): _listing(r, s) for r in (False, True) for s in (False, True)}


def _inserts(dialect: Any) -> tuple[Any, Any]:
    """(INSERT ... ON CONFLICT DO NOTHING RETURNING, upsert RETURNING) in one dialect."""
    insert = dialect.insert(_TABLE)
    only_new = insert.on_conflict_do_nothing(index_elements=["doc_key"]).returning(
        _doc.doc_key
    )
    new = insert.excluded
    upsert = insert.on_conflict_do_update(
        index_elements=["doc_key"],
        set_={
            "content": new.content,
            "content_type": new.content_type,
            "etag": new.etag,
            "updated": case(
                (_doc.updated > new.updated, _doc.updated), else_=new.updated
            ),
        },
    ).returning(_doc.updated)
    return only_new, upsert


INSERTS = {"sqlite": _inserts(sqlite), "postgresql": _inserts(postgresql)}


def dialect_of(db: Executor) -> str:
    """The database's dialect name ("sqlite" or "postgresql"), to pick from ``INSERTS``."""
    return (db if isinstance(db, Connection) else db.get_bind()).dialect.name


@dataclass(frozen=True)
class DocumentKey:
    """Where a document lives: kind, activity, agent, registration (State only), document id."""

    kind: str
    activity_id: str | None
    agent: dict[str, Any] | None
    registration: str | None
    document_id: str | None

    @cached_property
    def agent_ifi(self) -> str | None:
        """The agent's inverse functional identifier as canonical JSON text, or None."""
        return agent_ifi(self.agent) if self.agent is not None else None

    @cached_property
    def scope_key(self) -> str:
        """Hash of (kind, activity, agent): every document a listing or DELETE-all may touch."""
        return _digest([self.kind, self.activity_id, self.agent_ifi])

    @cached_property
    def doc_key(self) -> str:
        """Hash of the whole identity: the unique key of one document."""
        return _digest(
            [
                self.kind,
                self.activity_id,
                self.agent_ifi,
                self.registration,
                self.document_id,
            ]
        )


def agent_ifi(agent: dict[str, Any]) -> str:
    """An Agent's (or identified Group's) inverse functional identifier as JSON (xAPI 1.0.3 Data §2.4.2.3)."""
    for prop in ("mbox", "mbox_sha1sum", "openid"):
        if isinstance(agent.get(prop), str):
            return json.dumps([prop, agent[prop]])
    account = agent.get("account")
    if (
        isinstance(account, dict)
        and isinstance(account.get("homePage"), str)
        and isinstance(account.get("name"), str)
    ):
        return json.dumps(["account", account["homePage"], account["name"]])
    raise BadRequest(
        "agent: must carry an inverse functional identifier (mbox, mbox_sha1sum, openid or account)"
    )


def _digest(parts: list[str | None]) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def aware(moment: datetime) -> datetime:
    """A stored time as timezone-aware UTC (SQLite hands back naive datetimes)."""
    return (
        moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    )


def etag_of(content: bytes) -> str:
    """The ETag value: the lowercase hex SHA-1 of the content (xAPI 1.0.3 Part Three §3.1)."""
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def row_values(
    key: DocumentKey, content: bytes, content_type: str, etag: str, now: datetime
) -> dict[str, Any]:
    """The column values of a new document row (for the INSERTS statements)."""
    return {
        "doc_key": key.doc_key,
        "scope_key": key.scope_key,
        "kind": key.kind,
        "activity_id": key.activity_id,
        "agent_ifi": key.agent_ifi,
        "registration": key.registration,
        "document_id": key.document_id,
        "content": content,
        "content_type": content_type,
        "etag": etag,
        "updated": now,
    }
