"""State, Activity Profile and Agent Profile documents: the rules (xAPI 1.0.3 Part Three §2.2-§2.7, §3.1).

The table, the document key and the statements are in ``lrs.sql.document_rows``. The
common writes are one statement each: a PUT with one If-Match ETag (or ``*``) is
``UPDATE ... WHERE doc_key AND etag``; a create-only write (If-None-Match: *) and 2.0's
blind State PUT are ``INSERT ... ON CONFLICT DO NOTHING``; 1.0.3's blind PUT is an upsert.
What one statement cannot decide (which 412 to answer, a JSON merge, a list of ETags, an
If-None-Match naming ETags) takes the careful path: the row is locked (SELECT ... FOR UPDATE
on PostgreSQL; SQLite writes are serialized by BEGIN IMMEDIATE) so that a precondition check
and the write it guards are one step, and a first write that races another inserts with ON
CONFLICT DO NOTHING and then re-checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Literal

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lrs.db import LRSBase
from lrs.errors import BadRequest, Conflict, PreconditionFailed
from lrs.sql.document_rows import (  # noqa: F401  (re-exported: the API and tables.py use them)
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    DELETE_ONE,
    DELETE_SCOPE,
    INSERTS,
    JSON_TYPE,
    LISTINGS,
    MAX_CONTENT_TYPE,
    SELECT,
    SELECT_LOCKED,
    STATE,
    UPDATE,
    UPDATE_IF_ETAG,
    DocumentKey,
    Executor,
    StoredDocument,
    agent_ifi,
    aware,
    dialect_of,
    etag_of,
    row_values,
)
from lrs.store import Document

BlindPut = Literal["allow", "conflict"]


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
    stored_etag: str | None, if_match: str | None, if_none_match: str | None
) -> None:
    """Apply If-Match / If-None-Match to the stored ETag (None: no document) as RFC 2616 §14.24/§14.26 say (xAPI 1.0.3 Part Three §3.1): 412."""
    if if_match is not None:
        tags = _etags_in(if_match)
        if stored_etag is None:
            raise PreconditionFailed("If-Match: the document does not exist")
        if "*" not in tags and stored_etag not in tags:
            raise PreconditionFailed(
                f'If-Match: the document has changed (its ETag is now "{stored_etag}"); fetch it again and retry'
            )
    if if_none_match is not None and stored_etag is not None:
        tags = _etags_in(if_none_match)
        if "*" in tags or stored_etag in tags:
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


def get_document(db: Executor, key: DocumentKey) -> Document | None:
    """One document, or None: a single SELECT by key (xAPI 1.0.3 Part Three §2.3, §2.6, §2.7 single GET)."""
    row = db.execute(SELECT, {"key": key.doc_key}).first()
    if row is None:
        return None
    return Document(
        content=row.content,
        content_type=row.content_type,
        etag=row.etag,
        updated=aware(row.updated),
    )


def list_documents(
    db: Executor, key: DocumentKey, since: datetime | None = None
) -> tuple[list[str], datetime | None]:
    """The ids in a context updated after ``since`` (exclusive), and the latest update time among them.

    For State, ``key.registration`` narrows the list when given (xAPI 1.0.3 Part Three §2.3).
    """
    query = LISTINGS[key.registration is not None, since is not None]
    params = {"scope": key.scope_key, "reg": key.registration, "since": since}
    rows = db.execute(query, params).all()
    latest = max((aware(r.updated) for r in rows), default=None)
    return [r.document_id for r in rows], latest


def _merged(
    stored: bytes, stored_type: str, content: bytes, content_type: str
) -> bytes:
    """The stored and posted JSON objects merged at the top level (xAPI 1.0.3 Part Three §2.2, JSON Procedure)."""
    if not is_json(stored_type) or not is_json(content_type):
        raise BadRequest(
            "POST merges JSON documents only: the stored document is "
            f"{stored_type!r} and the posted one {content_type!r}; use PUT to replace it"
        )
    merged = _json_object(stored, "the stored document")
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


def _checked_content_type(content_type: str | None) -> str:
    """The Content-Type to store (octet-stream when absent); 400 when it could not be sent back."""
    content_type = (content_type or "application/octet-stream").strip()
    if len(content_type) > MAX_CONTENT_TYPE:
        raise BadRequest(f"Content-Type is longer than {MAX_CONTENT_TYPE} characters")
    if not all(" " <= char <= "~" for char in content_type):
        # It is sent back as a header on GET: only printable ASCII may go there.
        raise BadRequest("Content-Type may hold printable ASCII characters only")
    return content_type


@dataclass(frozen=True)
class DocumentWrite:
    """One PUT or POST as it was asked for, its Content-Type checked (``DocumentWrite.of``)."""

    key: DocumentKey
    content: bytes
    content_type: str
    if_match: str | None
    if_none_match: str | None
    merge: bool
    blind_put: BlindPut

    @classmethod
    def of(
        cls,
        key: DocumentKey,
        content: bytes,
        content_type: str | None,
        if_match: str | None,
        if_none_match: str | None,
        merge: bool,
        blind_put: BlindPut,
    ) -> DocumentWrite:
        """The write asked for, once its id, Content-Type and (for a JSON merge) body are checked."""
        if key.document_id is None:
            raise BadRequest("a document id is required to write a document")
        checked_type = _checked_content_type(content_type)
        if merge and is_json(checked_type):
            _json_object(content, "the posted document")
        return cls(key, content, checked_type, if_match, if_none_match, merge, blind_put)

    @cached_property
    def etag(self) -> str:
        """The ETag of the content as sent (Part Three §3.1), hashed once per write."""
        return etag_of(self.content)

    def stored(self, updated: datetime) -> Document:
        """The document as written unchanged (no merge)."""
        return Document(self.content, self.content_type, self.etag, updated)

    def inserted(self, db: Executor, now: datetime) -> Document | None:
        """INSERT ... ON CONFLICT DO NOTHING: the new document, or None when one exists."""
        statement = INSERTS[dialect_of(db)][0]
        values = row_values(self.key, self.content, self.content_type, self.etag, now)
        return self.stored(now) if db.execute(statement, values).first() else None


def write_document(
    db: Executor,
    key: DocumentKey,
    content: bytes,
    content_type: str | None,
    *,
    if_match: str | None = None,
    if_none_match: str | None = None,
    merge: bool = False,
    blind_put: BlindPut = "allow",
) -> Document:
    """PUT (replace) or POST (``merge``) one document under the concurrency rules (xAPI 1.0.3 Part Three §3.1).

    ``blind_put`` says what a write with neither If-Match nor If-None-Match may do: "allow"
    anything; "conflict": create but not overwrite (409; a profile PUT, 2.0's State PUT).
    """
    write = DocumentWrite.of(key, content, content_type, if_match, if_none_match, merge, blind_put)
    return apply_write(db, write)


def apply_write(db: Executor, write: DocumentWrite, *, tried_at_once: bool = False) -> Document:
    """``write`` under the concurrency rules (see ``write_document``).

    ``tried_at_once``: ``write_at_once`` already left it undecided, so it goes straight
    to the careful path (which judges whatever state the row is in by then).
    """
    if not tried_at_once and (document := write_at_once(db, write)) is not None:
        return document
    return _write_carefully(db, write)


def _update_params(
    key: DocumentKey, content: bytes, content_type: str, now: datetime, etag: str | None = None
) -> dict[str, Any]:
    """The parameters of ``UPDATE`` / ``UPDATE_IF_ETAG``: the new body, its type and ETag (given or hashed here)."""
    return {
        "key": key.doc_key,
        "new_content": content,
        "new_content_type": content_type,
        "new_etag": etag if etag is not None else etag_of(content),
        "now": now,
    }


def write_at_once(db: Executor, write: DocumentWrite) -> Document | None:
    """The write as one guarded statement when one can decide it (Part Three §3.1), else None.

    None means "not decided here", with nothing written: the careful path then reads the
    row under lock and says which precondition failed, or writes if the document changed
    back meanwhile. ``db`` may be in autocommit: the one statement is then its own
    transaction.
    """
    now = datetime.now(UTC)
    if write.if_match is not None:
        if write.merge or write.if_none_match is not None:
            return None
        tags = _etags_in(write.if_match)
        params = _update_params(write.key, write.content, write.content_type, now, write.etag)
        if "*" in tags:
            row = db.execute(UPDATE, params).first()
        elif len(tags) == 1:
            row = db.execute(UPDATE_IF_ETAG, {**params, "if_etag": tags[0]}).first()
        else:
            return None
        return None if row is None else write.stored(aware(row.updated))
    if write.if_none_match is not None:
        if "*" not in _etags_in(write.if_none_match):
            return None
        created = write.inserted(db, now)
        if created is None:
            raise PreconditionFailed("If-None-Match: the document already exists")
        return created
    if write.merge:
        return None
    if write.blind_put == "conflict":
        created = write.inserted(db, now)
        if created is None:
            raise Conflict(_EXISTS)
        return created
    upsert = INSERTS[dialect_of(db)][1]
    values = row_values(
        write.key, write.content, write.content_type, write.etag, now
    )
    return write.stored(aware(db.execute(upsert, values).scalar_one()))


_EXISTS = (
    "the document already exists: GET it, then PUT with If-Match set to its ETag "
    "(or If-None-Match: * to create only)"
)


def _write_carefully(db: Executor, write: DocumentWrite) -> Document:
    """Lock the row, judge the preconditions against it, then update or insert (Part Three §3.1)."""
    unconditional = write.if_match is None and write.if_none_match is None
    for _attempt in range(2):
        row = db.execute(SELECT_LOCKED, {"key": write.key.doc_key}).first()
        stored_etag = row.etag if row is not None else None
        check_preconditions(stored_etag, write.if_match, write.if_none_match)
        if write.blind_put != "allow" and unconditional:
            if row is not None:
                raise Conflict(_EXISTS)
        now = datetime.now(UTC)
        if row is None:
            created = write.inserted(db, now)
            if created is not None:
                return created
            # Another transaction created it between our look and our insert: judge against it.
            continue
        body, stored_type = write.content, write.content_type
        if write.merge:
            body = _merged(row.content, row.content_type, body, stored_type)
            stored_type = row.content_type
        params = _update_params(write.key, body, stored_type, now)
        updated = db.execute(UPDATE, params).scalar_one()
        return Document(body, stored_type, params["new_etag"], aware(updated))
    raise Conflict("the document was changed concurrently; retry")


def delete_documents(
    db: Executor, key: DocumentKey, *, if_match: str | None = None
) -> int:
    """Delete one document (``key.document_id``) or, for State without a stateId, all in the context.

    Returns how many were deleted (xAPI 1.0.3 Part Three §2.3 Multiple Document DELETE).
    """
    if key.document_id is not None:
        if if_match is not None:
            row = db.execute(SELECT_LOCKED, {"key": key.doc_key}).first()
            check_preconditions(row.etag if row is not None else None, if_match, None)
        deleted = db.execute(DELETE_ONE, {"key": key.doc_key}).first()
        return 0 if deleted is None else 1
    query = DELETE_SCOPE[key.registration is not None]
    result = db.execute(query, {"scope": key.scope_key, "reg": key.registration})
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
