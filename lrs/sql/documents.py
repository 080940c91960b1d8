"""State, Activity Profile and Agent Profile documents in SQL (xAPI 1.0.3 Part Three §2.2-§2.7, §3.1).

A document is identified by (kind, activity id, agent, registration, document id). The agent
counts by its inverse functional identifier, never by the JSON text it was sent as. Those
parts can be arbitrarily long IRIs and strings, so the unique key is a SHA-256 of them
(``doc_key``) and listings go through a SHA-256 of the context without the registration and
the document id (``scope_key``); the parts themselves are kept in plain columns too.

Writes lock the row (SELECT ... FOR UPDATE on PostgreSQL; SQLite writes are serialized by
BEGIN IMMEDIATE) so that a precondition check and the write it guards are one step, and a
first write that races another inserts with ON CONFLICT DO NOTHING and then re-checks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    delete,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from lrs.db import LRSBase
from lrs.errors import BadRequest, Conflict, PreconditionFailed
from lrs.store import Document

STATE = "state"
ACTIVITY_PROFILE = "activity_profile"
AGENT_PROFILE = "agent_profile"
JSON_TYPE = "application/json"
MAX_CONTENT_TYPE = 255


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

    def to_document(self) -> Document:
        """The plain value handed across the LRS boundary."""
        return Document(
            content=self.content,
            content_type=self.content_type,
            etag=self.etag,
            updated=aware(self.updated),
        )


@dataclass(frozen=True)
class DocumentKey:
    """Where a document lives: kind, activity, agent, registration (State only), document id."""

    kind: str
    activity_id: str | None
    agent: dict[str, Any] | None
    registration: str | None
    document_id: str | None

    @property
    def agent_ifi(self) -> str | None:
        """The agent's inverse functional identifier as canonical JSON text, or None."""
        return agent_ifi(self.agent) if self.agent is not None else None

    @property
    def scope_key(self) -> str:
        """Hash of (kind, activity, agent): every document a listing or DELETE-all may touch."""
        return _digest([self.kind, self.activity_id, self.agent_ifi])

    @property
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


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type is application/json (parameters such as charset ignored)."""
    return (content_type or "").split(";")[0].strip().lower() == JSON_TYPE


def _etags_in(header: str) -> list[str]:
    """The entity tags listed in an If-Match / If-None-Match value, unquoted, weak prefixes dropped."""
    tags = []
    for raw in header.split(","):
        tag = raw.strip()
        tag = tag.removeprefix("W/")
        tags.append(tag.strip('"'))
    return [t for t in tags if t]


def check_preconditions(
    row: StoredDocument | None, if_match: str | None, if_none_match: str | None
) -> None:
    """Apply If-Match / If-None-Match as RFC 2616 §14.24/§14.26 say (xAPI 1.0.3 Part Three §3.1): 412."""
    if if_match is not None:
        tags = _etags_in(if_match)
        if row is None:
            raise PreconditionFailed("If-Match: the document does not exist")
        if "*" not in tags and row.etag not in tags:
            raise PreconditionFailed(
                f'If-Match: the document has changed (its ETag is now "{row.etag}"); fetch it again and retry'
            )
    if if_none_match is not None and row is not None:
        tags = _etags_in(if_none_match)
        if "*" in tags or row.etag in tags:
            raise PreconditionFailed("If-None-Match: the document already exists")


def insert_ignoring_conflict(
    session: Session, entity: type[LRSBase], values: dict[str, Any], keys: list[str]
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL; True when the row was inserted."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    statement = (
        dialect.insert(entity)
        .values(**values)
        .on_conflict_do_nothing(index_elements=keys)
        .returning(*(getattr(entity, key) for key in keys))
    )
    # RETURNING, not rowcount: through a Session the driver's rowcount can read -1.
    return session.execute(statement).first() is not None


def _find(
    session: Session, key: DocumentKey, *, lock: bool = False
) -> StoredDocument | None:
    query = select(StoredDocument).where(StoredDocument.doc_key == key.doc_key)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def get_document(session: Session, key: DocumentKey) -> Document | None:
    """One document, or None (xAPI 1.0.3 Part Three §2.3, §2.6, §2.7 single GET)."""
    row = _find(session, key)
    return row.to_document() if row is not None else None


def list_documents(
    session: Session, key: DocumentKey, since: datetime | None = None
) -> tuple[list[str], datetime | None]:
    """The ids in a context updated after ``since`` (exclusive), and the latest update time among them.

    For State, ``key.registration`` narrows the list when given (xAPI 1.0.3 Part Three §2.3).
    """
    query = select(StoredDocument.document_id, StoredDocument.updated).where(
        StoredDocument.scope_key == key.scope_key
    )
    if key.registration is not None:
        query = query.where(StoredDocument.registration == key.registration)
    if since is not None:
        query = query.where(StoredDocument.updated > since)
    rows = session.execute(
        query.order_by(StoredDocument.updated, StoredDocument.id)
    ).all()
    latest = max((aware(r.updated) for r in rows), default=None)
    return [r.document_id for r in rows], latest


def _merged(existing: StoredDocument, content: bytes, content_type: str) -> bytes:
    """The stored and posted JSON objects merged at the top level (xAPI 1.0.3 Part Three §2.2, JSON Procedure)."""
    if not is_json(existing.content_type) or not is_json(content_type):
        raise BadRequest(
            "POST merges JSON documents only: the stored document is "
            f"{existing.content_type!r} and the posted one {content_type!r}; use PUT to replace it"
        )
    merged = _json_object(existing.content, "the stored document")
    merged.update(_json_object(content, "the posted document"))
    return json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode()


def _json_object(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(
            f"{what} is not valid JSON, so it cannot be merged: {exc}"
        ) from exc
    if not isinstance(value, dict):
        raise BadRequest(f"{what} is not a JSON object, so it cannot be merged")
    return value


def write_document(
    session: Session,
    key: DocumentKey,
    content: bytes,
    content_type: str | None,
    *,
    if_match: str | None = None,
    if_none_match: str | None = None,
    merge: bool = False,
    blind_put: Literal["allow", "conflict", "refuse"] = "allow",
) -> Document:
    """PUT (replace) or POST (``merge``) one document under the concurrency rules (xAPI 1.0.3 Part Three §3.1).

    ``blind_put`` says what a write with neither If-Match nor If-None-Match may do: "allow"
    anything; "conflict": not overwrite (409; 2.0's State PUT); "refuse": not overwrite (409)
    nor create (400), as a profile PUT must carry one of the headers.
    """
    if key.document_id is None:
        raise BadRequest("a document id is required to write a document")
    content_type = (content_type or "application/octet-stream").strip()
    if len(content_type) > MAX_CONTENT_TYPE:
        raise BadRequest(f"Content-Type is longer than {MAX_CONTENT_TYPE} characters")
    if not all(" " <= char <= "~" for char in content_type):
        # It is sent back as a header on GET: only printable ASCII may go there.
        raise BadRequest("Content-Type may hold printable ASCII characters only")
    unconditional = if_match is None and if_none_match is None
    if merge and is_json(content_type):
        _json_object(content, "the posted document")
    for _attempt in range(2):
        row = _find(session, key, lock=True)
        check_preconditions(row, if_match, if_none_match)
        if blind_put != "allow" and unconditional:
            if row is not None:
                raise Conflict(
                    "the document already exists: GET it, then PUT with If-Match set to its ETag "
                    "(or If-None-Match: * to create only)"
                )
            if blind_put == "refuse":
                raise BadRequest(
                    "PUT to this resource needs an If-Match or If-None-Match header"
                )
        now = datetime.now(UTC)
        if row is not None:
            body = _merged(row, content, content_type) if merge else content
            row.content = body
            if not merge:
                row.content_type = content_type
            row.etag = etag_of(body)
            row.updated = max(now, aware(row.updated))
            session.flush()
            return row.to_document()
        etag = etag_of(content)
        values = {
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
        if insert_ignoring_conflict(session, StoredDocument, values, ["doc_key"]):
            return Document(
                content=content, content_type=content_type, etag=etag, updated=now
            )
        # Another transaction created it between our look and our insert: judge against it.
    raise Conflict("the document was changed concurrently; retry")


def delete_documents(
    session: Session, key: DocumentKey, *, if_match: str | None = None
) -> int:
    """Delete one document (``key.document_id``) or, for State without a stateId, all in the context.

    Returns how many were deleted (xAPI 1.0.3 Part Three §2.3 Multiple Document DELETE).
    """
    if key.document_id is not None:
        row = _find(session, key, lock=True)
        check_preconditions(row, if_match, None)
        if row is None:
            return 0
        session.delete(row)
        session.flush()
        return 1
    query = delete(StoredDocument).where(StoredDocument.scope_key == key.scope_key)
    if key.registration is not None:
        query = query.where(StoredDocument.registration == key.registration)
    result = session.execute(query)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- the calls LRSClient makes (lrs/client.py) ----------------------------------


def state_key(
    activity_id: str,
    agent: dict[str, Any],
    state_id: str | None,
    registration: str | None,
) -> DocumentKey:
    """The key of a State document (or, with ``state_id`` None, of its context)."""
    return DocumentKey(STATE, activity_id, agent, registration, state_id)


def get_state(
    session: Session,
    activity_id: str,
    agent: dict[str, Any],
    state_id: str,
    registration: str | None = None,
) -> Document | None:
    """One State document, or None (xAPI 1.0.3 Part Three §2.3)."""
    return get_document(session, state_key(activity_id, agent, state_id, registration))


def put_state(
    session: Session,
    activity_id: str,
    agent: dict[str, Any],
    state_id: str,
    content: bytes,
    content_type: str = JSON_TYPE,
    *,
    registration: str | None = None,
    if_match: str | None = None,
    if_none_match: str | None = None,
    merge: bool = False,
) -> Document:
    """Write a State document; 412 when a precondition fails (xAPI 1.0.3 Part Three §2.3, §3.1)."""
    return write_document(
        session,
        state_key(activity_id, agent, state_id, registration),
        content,
        content_type,
        if_match=if_match,
        if_none_match=if_none_match,
        merge=merge,
    )


def delete_state(
    session: Session,
    activity_id: str,
    agent: dict[str, Any],
    state_id: str | None,
    registration: str | None = None,
) -> None:
    """Delete one State document, or all in the context when ``state_id`` is None (Part Three §2.3)."""
    delete_documents(session, state_key(activity_id, agent, state_id, registration))


def get_activity_profile(
    session: Session, activity_id: str, profile_id: str
) -> Document | None:
    """One Activity Profile document, or None (xAPI 1.0.3 Part Three §2.7)."""
    return get_document(
        session, DocumentKey(ACTIVITY_PROFILE, activity_id, None, None, profile_id)
    )


def put_activity_profile(
    session: Session,
    activity_id: str,
    profile_id: str,
    content: bytes,
    content_type: str = JSON_TYPE,
) -> Document:
    """Replace an Activity Profile document without preconditions (the LRS's own caller)."""
    key = DocumentKey(ACTIVITY_PROFILE, activity_id, None, None, profile_id)
    return write_document(session, key, content, content_type)


def get_agent_profile(
    session: Session, agent: dict[str, Any], profile_id: str
) -> Document | None:
    """One Agent Profile document, or None (xAPI 1.0.3 Part Three §2.6)."""
    return get_document(
        session, DocumentKey(AGENT_PROFILE, None, agent, None, profile_id)
    )


def put_agent_profile(
    session: Session,
    agent: dict[str, Any],
    profile_id: str,
    content: bytes,
    content_type: str = JSON_TYPE,
) -> Document:
    """Replace an Agent Profile document without preconditions (the LRS's own caller)."""
    key = DocumentKey(AGENT_PROFILE, None, agent, None, profile_id)
    return write_document(session, key, content, content_type)
