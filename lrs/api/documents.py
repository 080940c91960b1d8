"""/xapi/activities/state, /activities/profile, /agents/profile (xAPI 1.0.3 Part Three §2.2-§2.7, §3.1).

Concurrency (§3.1; 2.0 per STANDARDS.md §2 item 6): GET answers a quoted SHA-1 ETag and
Last-Modified; If-Match and If-None-Match are honoured on PUT, POST and DELETE (412). A PUT
without either header to an existing Activity or Agent Profile document is a 409, and to a
new one it is stored (204): §3.1 names 409 only for a document that exists, and clients
such as TinCanPython's RemoteLRS send neither header. In 2.0 a State PUT over an existing
document without either header is a 409 as well.

Restricted credentials (DESIGN.md, Credentials) touch only documents inside their
restriction. Documents that belong to no agent or registration (Activity Profiles; Agent
Profiles for registration- or activity-bound credentials) are shared by every learner:
such credentials may read them but not change them.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Response, current_app
from sqlalchemy.engine import Connection, Engine
from werkzeug.http import http_date

from lrs.api import bp
from lrs.api.headers import (
    dispatch,
    principal,
    version,
    xapi_args,
    xapi_body,
    xapi_header,
)
from lrs.auth import PROFILE, PROFILE_READ, STATE, STATE_READ
from lrs.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge
from lrs.sql import documents as sql
from lrs.sql.documents import DocumentKey
from lrs.store import Document
from lrs.validation import (
    parse_agent_param,
    parse_timestamp,
    validate_iri,
    validate_uuid,
)

if TYPE_CHECKING:
    from lrs.app import LRS

#: The largest document the LRS stores (documents are scratch space, not file storage).
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Resource:
    """What differs between the three document resources."""

    kind: str
    id_param: str
    write_scopes: frozenset[str]
    read_scopes: frozenset[str]
    uses_activity: bool
    uses_agent: bool
    uses_registration: bool


STATE_RESOURCE = Resource(sql.STATE, "stateId", STATE, STATE_READ, True, True, True)
ACTIVITY_PROFILE_RESOURCE = Resource(
    sql.ACTIVITY_PROFILE, "profileId", PROFILE, PROFILE_READ, True, False, False
)
AGENT_PROFILE_RESOURCE = Resource(
    sql.AGENT_PROFILE, "profileId", PROFILE, PROFILE_READ, False, True, False
)


def required_param(name: str) -> str:
    """A required request parameter; 400 naming it when it is missing or empty."""
    value = xapi_args().get(name)
    if value is None:
        raise BadRequest(f"the {name} parameter is required")
    if value == "":
        raise BadRequest(f"the {name} parameter must not be empty")
    return value


def activity_param() -> str:
    """The ``activityId`` parameter: a required IRI."""
    value = required_param("activityId")
    validate_iri(value, "activityId")
    return value


def agent_param() -> dict[str, Any]:
    """The ``agent`` parameter: a required Agent as JSON with an inverse functional identifier."""
    agent = parse_agent_param(required_param("agent"), version())
    sql.agent_ifi(agent)  # 400 when it has none (e.g. an anonymous Group)
    return agent


def _key(resource: Resource, document_id: str | None) -> DocumentKey:
    """The document (or, without an id, the context) this request names, checked against the credential."""
    caller = principal()
    activity_id = activity_param() if resource.uses_activity else None
    agent = agent_param() if resource.uses_agent else None
    registration = None
    raw_registration = xapi_args().get("registration") if resource.uses_registration else None
    if raw_registration is not None:
        registration = validate_uuid(raw_registration, "registration")
    if resource.uses_activity:
        caller.check_activity(activity_id)
    if resource.uses_agent:
        caller.check_agent(agent)
    if resource.uses_registration:
        caller.check_registration(registration)
    return DocumentKey(resource.kind, activity_id, agent, registration, document_id)


def _check_shared_write(resource: Resource) -> None:
    """403 when a restricted credential would change a document every learner shares."""
    caller = principal()
    bound = {
        "agent": caller.agent is not None and not resource.uses_agent,
        "registration": caller.registration is not None
        and not resource.uses_registration,
        "activity": caller.activity_prefix is not None and not resource.uses_activity,
    }
    limits = [name for name, applies in bound.items() if applies]
    if limits:
        raise Forbidden(
            f"this credential is restricted to one {' and one '.join(limits)} and may not change "
            "documents shared beyond that restriction"
        )


def _reading() -> Connection:
    """A plain connection for one read (``LRS.reader``): no Session, no identity map (closed by ``with``).

    Every read here is one SELECT, atomic on its own.
    """
    lrs: LRS = current_app.extensions["lrs"]
    return lrs.reader.connect()


def _writing() -> AbstractContextManager[Connection]:
    """One write transaction on a plain connection, committed on success (BEGIN IMMEDIATE on SQLite).

    The engine is the one ``write_sessions`` is bound to (``lrs.db.writer``), so the
    durability and locking rules of DESIGN.md, Storage, hold as for every other write.
    """
    lrs: LRS = current_app.extensions["lrs"]
    writer: Engine = lrs.writer
    return writer.begin()


def _document_response(document: Document) -> Response:
    """A document with its ETag and Last-Modified (Part Three §3.1), its headers given at once."""
    headers = [
        ("ETag", f'"{document.etag}"'),
        ("Last-Modified", http_date(document.updated)),
        # Stored bytes are the caller's, not ours: never let a browser run them on our origin.
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", "sandbox; default-src 'none'"),
    ]
    return current_app.response_class(
        document.content, status=200, headers=headers, content_type=document.content_type
    )


def _no_content(etag: str | None = None) -> Response:
    headers = None if etag is None else [("ETag", f'"{etag}"')]
    return current_app.response_class(status=204, headers=headers)


def _ids_response(ids: list[str], latest: datetime | None) -> Response:
    response = current_app.response_class(
        json.dumps(ids), status=200, content_type="application/json"
    )
    if latest is not None:
        response.headers["Last-Modified"] = http_date(latest)
    return response


def _get(resource: Resource) -> Response:
    """Single GET with the id parameter, else the list of ids (``since`` exclusive)."""
    principal().require(
        resource.read_scopes, f"read {resource.kind.replace('_', ' ')} documents"
    )
    document_id = xapi_args().get(resource.id_param)
    if document_id is None:
        key = _key(resource, None)
        raw_since = xapi_args().get("since")
        since = (
            parse_timestamp(raw_since, version(), "since")
            if raw_since is not None
            else None
        )
        with _reading() as connection:
            ids, latest = sql.list_documents(connection, key, since)
        return _ids_response(ids, latest)
    key = _key(resource, required_param(resource.id_param))
    with _reading() as connection:
        document = sql.get_document(connection, key)
    if document is None:
        raise NotFound(f"no document with {resource.id_param} {document_id!r} here")
    return _document_response(document)


def _write(resource: Resource, *, merge: bool) -> Response:
    """PUT (replace) or POST (merge JSON objects, else create) one document."""
    principal().require(
        resource.write_scopes, f"write {resource.kind.replace('_', ' ')} documents"
    )
    key = _key(resource, required_param(resource.id_param))
    _check_shared_write(resource)
    body = xapi_body()
    if len(body) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge(f"documents are limited to {MAX_DOCUMENT_BYTES} bytes")
    blind: sql.BlindPut = "allow"
    if not merge and (resource.kind != sql.STATE or version() == "2.0.0"):
        blind = "conflict"
    write = sql.DocumentWrite.of(
        key,
        body,
        xapi_header("Content-Type"),
        xapi_header("If-Match"),
        xapi_header("If-None-Match"),
        merge,
        blind,
    )
    document = None
    lrs: LRS = current_app.extensions["lrs"]
    at_once = lrs.reader is not lrs.engine  # the reader is in autocommit (PostgreSQL)
    if at_once:
        # A write one guarded statement decides (a PUT with If-Match, a create, an upsert)
        # runs in autocommit, its own durable transaction: no BEGIN and COMMIT round trips.
        # The rest (merges, the careful path) take a transaction below.
        with lrs.reader.connect() as connection:
            document = sql.write_at_once(connection, write)
    if document is None:
        with _writing() as connection:
            document = sql.apply_write(connection, write, tried_at_once=at_once)
    return _no_content(document.etag)


def _delete(resource: Resource) -> Response:
    """DELETE one document (If-Match honoured), or every State in the context without a stateId."""
    principal().require(
        resource.write_scopes, f"delete {resource.kind.replace('_', ' ')} documents"
    )
    document_id = xapi_args().get(resource.id_param)
    if document_id is None and resource.kind != sql.STATE:
        raise BadRequest(f"the {resource.id_param} parameter is required")
    key = _key(
        resource, None if document_id is None else required_param(resource.id_param)
    )
    _check_shared_write(resource)
    with _writing() as connection:
        sql.delete_documents(connection, key, if_match=xapi_header("If-Match"))
    return _no_content()


def _handlers(resource: Resource) -> dict[str, Any]:
    return {
        "GET": lambda: _get(resource),
        "PUT": lambda: _write(resource, merge=False),
        "POST": lambda: _write(resource, merge=True),
        "DELETE": lambda: _delete(resource),
    }


@bp.route("/activities/state", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def activity_state() -> Response:
    """The State Resource (xAPI 1.0.3 Part Three §2.3)."""
    return dispatch(_handlers(STATE_RESOURCE))


@bp.route("/activities/profile", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def activity_profile() -> Response:
    """The Activity Profile Resource (xAPI 1.0.3 Part Three §2.7)."""
    return dispatch(_handlers(ACTIVITY_PROFILE_RESOURCE))


@bp.route("/agents/profile", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def agent_profile() -> Response:
    """The Agent Profile Resource (xAPI 1.0.3 Part Three §2.6)."""
    return dispatch(_handlers(AGENT_PROFILE_RESOURCE))
