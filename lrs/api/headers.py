"""Per-request xAPI context: version negotiation, authentication, alternate syntax, CORS, errors.

- Version header: xAPI 1.0.3 Part Three §6.2 and 2.0 §3.3 (a request without one is
  refused with 400, About excepted; the response carries the version answered in).
- Authentication: HTTP Basic with LRS credentials (Part Three §4).
- Alternate request syntax (1.0.3 Part Three §1.3): a POST with ``?method=X`` whose
  form body carries the headers, the parameters and ``content``. Removed in 2.0.
- CORS for browser content served from other origins (Part Three §1.3 note).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qs

from flask import Response, current_app, g, jsonify, request
from werkzeug.datastructures import Headers, MultiDict
from werkzeug.exceptions import HTTPException

from lrs.api import bp
from lrs.auth import Principal, authority_for
from lrs.errors import (
    BadRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    Unauthorized,
    XAPIError,
)

log = logging.getLogger(__name__)

#: Headers that the alternate request syntax may carry in the form body.
ALTERNATE_HEADERS = (
    "Authorization",
    "X-Experience-API-Version",
    "Content-Type",
    "Content-Length",
    "If-Match",
    "If-None-Match",
)
ALTERNATE_METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")
VERSION_RE = re.compile(r"^(1\.0(\.[0-3])?|2\.0(\.\d+)?)$")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "HEAD, GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Content-Type, Content-Length, Authorization, If-Match, If-None-Match, "
        "X-Experience-API-Version, Accept-Language"
    ),
    "Access-Control-Expose-Headers": (
        "ETag, Last-Modified, Cache-Control, Content-Type, Content-Length, WWW-Authenticate, "
        "X-Experience-API-Version, X-Experience-API-Consistent-Through"
    ),
    "Access-Control-Max-Age": "86400",
}
_CORS_LIST = list(CORS_HEADERS.items())
_CORS_NAMES = frozenset(name.lower() for name in CORS_HEADERS)


def negotiate_version(raw: str | None, supported: tuple[str, ...]) -> str:
    """The version we answer in for this header value, one of ``supported``; 400 otherwise (Communication §3.3)."""
    if raw is None or raw.strip() == "":
        raise BadRequest("the X-Experience-API-Version header is required")
    value = raw.strip()
    answered = "2.0.0" if value.startswith("2.") else "1.0.3"
    if not VERSION_RE.match(value) or answered not in supported:
        raise BadRequest(
            f"X-Experience-API-Version {value!r} is not supported; this LRS speaks {' and '.join(supported)}"
        )
    return answered


def newest_version() -> str:
    """The version to answer in when a request names none we speak: the newest this LRS is set to speak."""
    versions: tuple[str, ...] = current_app.extensions["lrs"].config.versions
    return versions[-1]


def xapi_header(name: str) -> str | None:
    """A request header, looked up in the alternate-syntax form when the request uses it."""
    return g.xapi_headers.get(name)


def xapi_args() -> MultiDict[str, str]:
    """The request's parameters (query string, or the form with the alternate syntax)."""
    return g.xapi_args


def xapi_body() -> bytes:
    """The request's body (the form's ``content`` with the alternate syntax), read when first asked for."""
    context = g._get_current_object()
    body: bytes | None = context.xapi_body
    if body is None:
        body = context.xapi_body = request.get_data(cache=True)
    return body


def version() -> str:
    """The xAPI version of this request: "1.0.3" or "2.0.0"."""
    return g.xapi_version


def principal() -> Principal:
    """The authenticated caller of this request."""
    return g.xapi_principal


def _parse_alternate_syntax() -> None:
    """Unpack a 1.0.3 alternate-syntax request into g (Part Three §1.3)."""
    method = request.args.get("method", "")
    if set(request.args) != {"method"}:
        raise BadRequest("with the alternate request syntax, only 'method' may be in the query string")
    if method.upper() not in ALTERNATE_METHODS:
        raise BadRequest(f"alternate request syntax: unknown method {method!r}")
    content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise BadRequest(
            "alternate request syntax needs Content-Type application/x-www-form-urlencoded"
        )
    form = parse_qs(request.get_data(as_text=True), keep_blank_values=True)
    # Real headers still count (clients send Authorization and the version as headers
    # too); the form's own Content-Type/Length describe the form, not the content.
    headers = Headers([(k, v) for k, v in request.headers.items() if k.lower() not in ("content-type", "content-length")])
    args: MultiDict[str, str] = MultiDict()
    body = b""
    for key, values in form.items():
        header = next((h for h in ALTERNATE_HEADERS if h.lower() == key.lower()), None)
        if header is not None:
            if "\n" in values[-1] or "\r" in values[-1]:
                raise BadRequest(f"alternate request syntax: the {header} field holds a line break")
            headers[header] = values[-1]
        elif key == "content":
            body = values[-1].encode()
        else:
            for value in values:
                args.add(key, value)
    g.xapi_method = method.upper()
    g.xapi_headers = headers
    g.xapi_args = args
    g.xapi_body = body
    g.xapi_alternate = True


def _body_exceeds(limit: int) -> bool:
    """For a body without Content-Length (chunked): read at most limit+1 bytes and say if it is over."""
    stream = request.stream
    chunks = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(65536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    # Keep what was read for the view (get_data reads from the cached body).
    request._cached_data = b"".join(chunks)  # type: ignore[attr-defined]
    return size > limit


def _authenticate(lrs: Any, authorization: str | None) -> Principal:
    """The Principal for an HTTP Basic Authorization header; 401 when absent or wrong (Part Three §4)."""
    principal = lrs.authenticate_header(authorization)
    if principal is None:
        raise Unauthorized("unknown, revoked or expired credentials")
    return principal


@bp.before_request
def _before() -> Response | None:
    """Set up g.xapi_* for the views; answer CORS preflights."""
    req = request._get_current_object()  # type: ignore[attr-defined]
    method = req.method
    if method == "OPTIONS":
        return current_app.response_class(status=200)
    context = g._get_current_object()
    lrs = current_app.extensions["lrs"]
    config = lrs.config
    context.xapi_alternate = False
    # Until negotiation succeeds, answer in the newest version this LRS speaks. The 1.0.3
    # and 2.0 suites each expect their own version on the 400 for a request without the
    # header; only an LRS set to speak 1.0.3 alone (ROLLCALL_XAPI_VERSIONS) answers 1.0.3.
    supported = config.versions
    context.xapi_version = supported[-1]
    limit = config.max_body_bytes
    headers = req.headers
    chunked = headers.get("Transfer-Encoding", "").lower() == "chunked"
    if (req.content_length or 0) > limit or (chunked and _body_exceeds(limit)):
        raise PayloadTooLarge(f"the request body is larger than this LRS takes ({limit} bytes)")
    if method == "POST" and "method" in req.args:
        _parse_alternate_syntax()
        headers = context.xapi_headers
    else:
        context.xapi_method = method
        context.xapi_headers = headers
        context.xapi_args = req.args
        context.xapi_body = None  # read by xapi_body() when a view needs it
    if req.endpoint == "xapi.about":
        # About needs no header; with a valid one it answers in that version, else the newest.
        try:
            context.xapi_version = negotiate_version(headers.get("X-Experience-API-Version"), supported)
        except BadRequest:
            pass
        return None
    context.xapi_version = negotiate_version(headers.get("X-Experience-API-Version"), supported)
    if context.xapi_alternate and context.xapi_version != "1.0.3":
        raise BadRequest("the alternate request syntax was removed in xAPI 2.0")
    context.xapi_principal = _authenticate(lrs, headers.get("Authorization"))
    return None


@bp.after_request
def _after(response: Response) -> Response:
    """Every answer carries the version header and CORS headers (added in one pass)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers}
    answered = g.get("xapi_version") or newest_version()
    if "x-experience-api-version" in present:
        headers["X-Experience-API-Version"] = answered
    else:
        headers.add("X-Experience-API-Version", answered)
    missing = _CORS_LIST if present.isdisjoint(_CORS_NAMES) else [
        (name, value) for name, value in _CORS_LIST if name.lower() not in present
    ]
    headers[len(headers) :] = missing  # appended in one step (Headers.extend adds one by one)
    return response


def error_response(status: int, title: str, message: str) -> Response:
    """A JSON error body: what is wrong, in words."""
    response = jsonify({"error": {"status": status, "title": title, "message": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="xAPI"'
    return response


@bp.errorhandler(XAPIError)
def _xapi_error(error: XAPIError) -> Response:
    return error_response(error.status_code, error.title, error.message)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return error_response(error.code or 500, error.name, error.description or error.name)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    log.exception("unexpected error in the LRS")
    return error_response(500, "Internal Server Error", "the LRS failed to handle this request")


def dispatch(handlers: dict[str, Any]) -> Any:
    """Call the handler for this request's (possibly alternate-syntax) method; 405 otherwise."""
    method = g.xapi_method
    handler = handlers.get(method)
    if handler is None and method == "HEAD":
        handler = handlers.get("GET")
    if handler is None:
        raise MethodNotAllowed(f"{method} is not allowed here; allowed: {', '.join(handlers)}")
    return handler()


def authority_of(key: str, name: str) -> dict[str, Any]:
    """The authority Agent for a credential (see lrs.auth.authority_for)."""
    return authority_for(key, name, current_app.extensions["lrs"].config.base_url)
