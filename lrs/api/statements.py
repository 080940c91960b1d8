"""/xapi/statements: PUT, POST, GET (one, voided, query with ``more`` paging), HEAD (xAPI 1.0.3 Part Three §2.1).

Results are streamed from the database: the response body is written statement by
statement, never built as one list in memory. ``more`` is a signed token holding the
query, the cursor (the last sequence sent) and the upper bound of the sequence fixed at
the first page, so pages stay stable while statements keep arriving.
"""

from __future__ import annotations

import json
import math
from collections.abc import Generator, Iterator
from functools import lru_cache
from typing import Any

from flask import Response, current_app, g, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.http import http_date

from lrs.api import bp, multipart
from lrs.api.headers import (
    dispatch,
    principal,
    version,
    xapi_args,
    xapi_body,
    xapi_header,
)
from lrs.auth import READ_MINE, READ_STATEMENTS, WRITE_STATEMENTS, Principal
from lrs.errors import BadRequest, Forbidden, NotFound
from lrs.sql import queries
from lrs.sql import statements as sql
from lrs.sql.formats import CanonicalDefinitions, render
from lrs.sql.indexing import ifi_key
from lrs.store import StatementQuery
from lrs.vocab import VERB_VOIDED
from lrs.validation import (
    parse_agent_param,
    parse_timestamp,
    validate_iri,
    validate_uuid,
)

QUERY_PARAMS = frozenset(
    {
        "agent",
        "verb",
        "activity",
        "registration",
        "related_activities",
        "related_agents",
        "since",
        "until",
        "limit",
        "format",
        "attachments",
        "ascending",
    }
)
SINGLE_EXTRA = frozenset({"format", "attachments"})
FORMATS = ("ids", "exact", "canonical")
MORE_SALT = "xapi-statements-more"
CONSISTENT_THROUGH = "X-Experience-API-Consistent-Through"
#: Characters of statements gathered before a piece of a query response is written.
BODY_CHUNK = 64 * 1024
#: Pages of up to this many statements are sent whole rather than streamed.
WHOLE_PAGE = 200


@bp.route("/statements", methods=["GET", "HEAD", "PUT", "POST"])
def statements() -> Response:
    """The Statement Resource (Part Three §2.1)."""
    return dispatch({"GET": _get, "PUT": _put, "POST": _post})  # type: ignore[no-any-return]


# -- writing -------------------------------------------------------------------


def read_statements() -> Any:
    """The request body as a statement or an array of statements (application/json).

    The one place the body becomes statements: multipart/mixed with attachments
    (Part Three §1.5.2) plugs in here.
    """
    content_type = (xapi_header("Content-Type") or "").split(";")[0].strip().lower()
    if not content_type and g.xapi_alternate:
        content_type = (
            "application/json"  # the form's content, when it names no Content-Type
        )
    if content_type == "multipart/mixed":
        body = multipart.read_statement_part(
            xapi_header("Content-Type") or "", xapi_body()
        )
    elif content_type != "application/json":
        raise BadRequest(
            f"statements must be sent as application/json, not {content_type or 'no Content-Type'!r}"
        )
    else:
        body = xapi_body()
    if not body.strip():
        raise BadRequest("the request has no statement in its body")
    try:
        return json.loads(body, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc


def _not_json(constant: str) -> Any:
    """NaN, Infinity and -Infinity, which Python's json module takes, are not JSON (RFC 8259 §6)."""
    raise ValueError(f"{constant} is not a JSON number")


def _finite(text: str) -> float:
    """A JSON number with a fraction or exponent; one too large for a double (1E400) is refused, not made infinite."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large a number")
    return number


def _check_restrictions(caller: Principal, statement: Any) -> None:
    """403 when a restricted credential writes outside its agent, registration or activity prefix."""
    if not isinstance(statement, dict):
        return
    verb = statement.get("verb")
    if caller.registration is not None and isinstance(verb, dict) and verb.get("id") == VERB_VOIDED:
        # A credential bound to one registration is a launch's (Tin Can, cmi5 §6.3): it never voids.
        raise Forbidden("a launch credential may not void statements")
    if caller.agent is not None:
        caller.check_agent(statement.get("actor"))
    if caller.registration is not None:
        context = statement.get("context")
        caller.check_registration(
            context.get("registration") if isinstance(context, dict) else None
        )
    if caller.activity_prefix is not None:
        obj = statement.get("object")
        if isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity":
            caller.check_activity(obj.get("id"))


def _store(batch: list[Any]) -> list[str]:
    caller = principal()
    caller.require(WRITE_STATEMENTS, "write statements")
    for statement in batch:
        _check_restrictions(caller, statement)
    attachments = multipart.check_attachments(batch, version())
    client = current_app.extensions["lrs"].client
    started = sql.now_ms()
    ids: list[str] = client.store_statements(
        batch, authority=caller.authority, version=version(), attachments=attachments
    )
    g.xapi_consistent_through = sql.through_after_write(started)
    return ids


def _put() -> Response:
    """PUT ?statementId: store one statement under that id; 204 (Part Three §2.1.1)."""
    args = xapi_args()
    unknown = sorted(set(args) - {"statementId"})
    if unknown:
        raise BadRequest(
            f"unknown parameter(s) for PUT statements: {', '.join(unknown)}"
        )
    if "statementId" not in args:
        raise BadRequest("PUT statements needs the statementId parameter")
    statement_id = validate_uuid(args["statementId"], "statementId")
    statement = read_statements()
    if not isinstance(statement, dict):
        raise BadRequest("PUT statements takes one statement object")
    if "id" in statement:
        if (
            not isinstance(statement["id"], str)
            or statement["id"].lower() != statement_id
        ):
            raise BadRequest(
                "the statement's id does not match the statementId parameter"
            )
    else:
        statement = {"id": statement_id, **statement}
    _store([statement])
    return Response(status=204)


def _post() -> Response:
    """POST one statement or an array; 200 with the ids in order (Part Three §2.1.2)."""
    unknown = sorted(xapi_args())
    if unknown:
        raise BadRequest(
            f"unknown parameter(s) for POST statements: {', '.join(unknown)}"
        )
    body = read_statements()
    batch = body if isinstance(body, list) else [body]
    limit = current_app.extensions["lrs"].config.max_batch
    if len(batch) > limit:
        raise BadRequest(f"a batch may hold at most {limit} statements")
    return _json_response(json.dumps(_store(batch)))


# -- reading -------------------------------------------------------------------


def _json_response(body: Any, status: int = 200) -> Response:
    return current_app.response_class(body, status=status, mimetype="application/json")


@bp.after_request
def _consistent_through(response: Response) -> Response:
    """Every Statement Resource response, errors included, carries the header (Part Three §2.1.3)."""
    if (
        request.endpoint == "xapi.statements"
        and CONSISTENT_THROUGH not in response.headers
    ):
        through = g.get("xapi_consistent_through") if response.status_code < 400 else None
        if through is None:
            through = sql.consistent_through(current_app.extensions["lrs"].reader)
        response.headers[CONSISTENT_THROUGH] = sql.format_timestamp(through)
    return response


def _read_scope() -> Principal:
    caller = principal()
    caller.require(READ_STATEMENTS | READ_MINE, "read statements")
    return caller


def _boolean(args: Any, name: str) -> bool:
    value = args.get(name, "false")
    if value not in ("true", "false"):
        raise BadRequest(f"{name} must be true or false, got {value!r}")
    return bool(value == "true")


def _get() -> Response:
    """GET one statement, a voided one, or a query (Part Three §2.1.3)."""
    caller = _read_scope()
    args = xapi_args()
    if "more" in args:
        if len(args) != 1:
            raise BadRequest("a more URL takes no other parameters")
        return _query(caller, _load_more(caller, args["more"]))
    if "statementId" in args or "voidedStatementId" in args:
        return _get_one(caller, args)
    unknown = sorted(set(args) - QUERY_PARAMS)
    if unknown:
        raise BadRequest(
            f"unknown parameter(s) for GET statements: {', '.join(unknown)}"
        )
    return _query(caller, _parse_query(args))


def _format(args: Any) -> str:
    value = args.get("format", "exact")
    if value not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}, got {value!r}")
    return str(value)


def _get_one(caller: Principal, args: Any) -> Response:
    """GET ?statementId or ?voidedStatementId: one statement, 404 when absent (§2.1.3, §2.1.4)."""
    if "statementId" in args and "voidedStatementId" in args:
        raise BadRequest("use statementId or voidedStatementId, not both")
    name = "statementId" if "statementId" in args else "voidedStatementId"
    others = sorted(set(args) - {name} - SINGLE_EXTRA)
    if others:
        raise BadRequest(
            f"{name} may only be combined with format and attachments, not {', '.join(others)}"
        )
    statement_id = validate_uuid(args[name], name)
    fmt = _format(args)
    attachments = _boolean(args, "attachments")
    mine = ifi_key(caller.authority) if caller.reads_only_own else None
    lrs = current_app.extensions["lrs"]
    with lrs.read_sessions() as session:
        payload = sql.get_statement_text(
            session,
            statement_id,
            voided=name == "voidedStatementId",
            authority_ifi=mine,
        )
    if payload is None:
        raise NotFound(f"no statement with {name} {statement_id}")
    statement = json.loads(payload)
    if not _visible(caller, statement):
        raise NotFound(f"no statement with {name} {statement_id}")
    if fmt != "exact":
        with lrs.read_sessions() as session:
            rendered = render(
                statement,
                fmt,
                xapi_header("Accept-Language"),
                CanonicalDefinitions(session),
            )
        payload = json.dumps(rendered)
    response = (
        _attachments_response(payload) if attachments else _json_response(payload)
    )
    response.headers["Last-Modified"] = http_date(
        parse_timestamp(statement["stored"], "2.0.0")
    )
    return response


def _visible(caller: Principal, statement: dict[str, Any]) -> bool:
    """Whether a restricted credential may see this statement."""
    try:
        _check_restrictions(caller, statement)
    except Forbidden:
        return False
    return True


def _parse_query(args: Any) -> StatementQuery:
    """Validate the query parameters into a StatementQuery (Data §2.2: parameters validated like statement values)."""
    ver = version()
    query = StatementQuery(format=_format(args))
    if "agent" in args:
        query.agent = parse_agent_param(args["agent"], ver)
        if ifi_key(query.agent) is None:
            raise BadRequest(
                "agent must be identified by mbox, mbox_sha1sum, openid or account"
            )
    if "verb" in args:
        validate_iri(args["verb"], "verb")
        query.verb = args["verb"]
    if "activity" in args:
        validate_iri(args["activity"], "activity")
        query.activity = args["activity"]
    if "registration" in args:
        query.registration = validate_uuid(args["registration"], "registration")
    if "since" in args:
        query.since = parse_timestamp(args["since"], ver, "since")
    if "until" in args:
        query.until = parse_timestamp(args["until"], ver, "until")
    raw_limit = args.get("limit", "0")
    if not raw_limit.isdigit():
        raise BadRequest(f"limit must be a nonnegative integer, got {raw_limit!r}")
    query.limit = int(raw_limit)
    query.related_activities = _boolean(args, "related_activities")
    query.related_agents = _boolean(args, "related_agents")
    query.attachments = _boolean(args, "attachments")
    query.ascending = _boolean(args, "ascending")
    return query


def _restrict(caller: Principal, query: StatementQuery) -> None:
    """Narrow a query to what the credential may read (scope statements/read/mine, restrictions)."""
    if caller.reads_only_own:
        query.authority_key = ifi_key(caller.authority)
    if caller.agent is not None:
        if query.agent is not None:
            caller.check_agent(query.agent)
        query.agent = caller.agent
    if caller.registration is not None:
        if query.registration is not None:
            caller.check_registration(query.registration)
        query.registration = caller.registration
    if caller.activity_prefix is not None:
        caller.check_activity(query.activity)


def _query(caller: Principal, query: StatementQuery) -> Response:
    """The StatementResult, streamed; ``more`` when the page is full (§2.1.3, Data §2.5)."""
    _restrict(caller, query)
    lrs = current_app.extensions["lrs"]
    config = lrs.config
    # limit=0 means "the server's choice" (Part Three §2.1.3): a page of page_size.
    page = min(query.limit or config.page_size, config.max_page_size)
    query.limit = page + 1
    session = (lrs.sessions if queries.streams(query) else lrs.read_sessions)()
    rows: Generator[tuple[int, str], None, None] | None = None
    try:
        last_sequence, through = sql.read_position(session.connection())
        if query.max_sequence is None:
            query.max_sequence = last_sequence
        rows = queries.iter_statement_rows(session, query)
        first = next(rows, None)
    except BaseException:
        if rows is not None:
            rows.close()
        session.close()
        raise
    accept_language = xapi_header("Accept-Language")
    more_state = _more_state(caller, query)
    base_url = url_for("xapi.statements")
    serializer = _serializer()
    canonical = CanonicalDefinitions(session)

    def body() -> Iterator[str]:
        # Statements go out in pieces of about BODY_CHUNK characters: one write per
        # piece, not one per statement, while a large page still streams.
        try:
            parts, size = ['{"statements":['], 0
            count, last, row = 0, None, first
            while row is not None:
                if count == page:
                    token = serializer.dumps({**more_state, "a": last})
                    parts.append(f'],"more":{json.dumps(base_url + "?more=" + token)}}}')
                    yield "".join(parts)
                    return
                sequence, payload = row
                if query.format != "exact":
                    payload = json.dumps(
                        render(
                            json.loads(payload),
                            query.format,
                            accept_language,
                            canonical,
                        )
                    )
                if count:
                    parts.append(",")
                parts.append(payload)
                size += len(payload)
                if size >= BODY_CHUNK:
                    yield "".join(parts)
                    parts, size = [], 0
                count, last = count + 1, sequence
                row = next(rows, None)
            parts.append('],"more":""}')
            yield "".join(parts)
        finally:
            rows.close()
            session.close()

    if request.method == "HEAD":
        rows.close()
        session.close()
        response = _json_response("")
    elif query.attachments:
        response = _attachments_response("".join(body()))
    elif page <= WHOLE_PAGE:
        # A page of the default size (~120 KB) goes out whole, with a Content-Length:
        # one write, no chunked framing; larger pages stream.
        response = _json_response("".join(body()))
    else:
        response = _json_response(body())
    response.headers[CONSISTENT_THROUGH] = sql.format_timestamp(through)
    return response


def _attachments_response(statement_json: str) -> Response:
    """attachments=true: multipart/mixed with the statement part first (Part Three §1.5.2)."""
    return multipart.attachments_response(statement_json)


# -- more tokens -----------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.extensions["lrs"].config.secret_key)


@lru_cache(maxsize=8)
def _serializer_for(secret_key: str) -> URLSafeSerializer:
    """The signer of ``more`` tokens for one secret key (immutable, so made once)."""
    return URLSafeSerializer(secret_key, salt=MORE_SALT)


def _more_state(caller: Principal, query: StatementQuery) -> dict[str, Any]:
    """What a more token carries: the query, the upper bound, and the credential it belongs to."""
    return {
        "k": caller.key,
        "q": {
            "agent": query.agent,
            "verb": query.verb,
            "activity": query.activity,
            "registration": query.registration,
            "related_activities": query.related_activities,
            "related_agents": query.related_agents,
            "since": query.since.isoformat() if query.since else None,
            "until": query.until.isoformat() if query.until else None,
            "limit": query.limit - 1,
            "format": query.format,
            "attachments": query.attachments,
            "ascending": query.ascending,
        },
        "m": query.max_sequence,
    }


def _load_more(caller: Principal, token: str) -> StatementQuery:
    """The query a more token continues; 400 when forged, 403 for another credential's token."""
    try:
        state = _serializer().loads(token)
    except BadSignature as exc:
        raise BadRequest("the more token is not one this LRS issued") from exc
    if state.get("k") != caller.key:
        raise Forbidden("this more URL belongs to another credential")
    fields = dict(state["q"])
    for name in ("since", "until"):
        if fields[name] is not None:
            fields[name] = parse_timestamp(fields[name], "2.0.0", name)
    return StatementQuery(**fields, after_sequence=state["a"], max_sequence=state["m"])
