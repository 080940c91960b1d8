"""Error pages in the page shell, with the support contact (JSON for API callers)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.errors import RollcallError
from core.web import close_session
from portal.ratelimit import RateLimited

log = logging.getLogger(__name__)

TITLES = {
    400: "Something in the request was not right",
    403: "You cannot see this page",
    404: "Page not found",
    405: "That is not allowed here",
    413: "That file is too large",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


def _wants_json() -> bool:
    if request.path.startswith("/xapi/") or request.path == "/xapi":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_page(status: int, message: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """Render the error page (or JSON) for ``status``."""
    title = TITLES.get(status, "Something went wrong")
    if _wants_json():
        response = jsonify(error=title, message=message or title)
    else:
        response = make_response(render_template("errors.html", status=status, title=title, message=message))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def handle_http(exc: HTTPException) -> Any:
    """Werkzeug's HTTP errors (404, 403, 405, ...)."""
    status = exc.code or 500
    if status >= 500:
        return handle_unexpected(exc)
    messages = {
        403: "Your account does not have access to this page. If you think it should, contact support.",
        404: "We could not find that page. It may have moved, or the link may be mistyped.",
    }
    return error_page(status, messages.get(status) or exc.description)


def handle_csrf(exc: CSRFError) -> Any:
    """A form without a valid CSRF token (e.g. an old tab after logging in again)."""
    return error_page(
        400,
        "This form has expired or was not sent from this site. Go back, reload the page and try again.",
    )


def handle_domain(exc: RollcallError) -> Any:
    """Domain errors carry their status and a message for people."""
    if isinstance(exc, RateLimited):
        return error_page(429, exc.message, {"Retry-After": str(exc.retry_after)})
    if exc.status_code >= 500:
        return handle_unexpected(exc)
    return error_page(exc.status_code, exc.message)


def handle_unexpected(exc: BaseException) -> Any:
    """Anything else: log it, roll back, and show a generic page (never the exception text)."""
    original = getattr(exc, "original_exception", None) or exc
    if not isinstance(original, InternalServerError):
        log.exception("unexpected error on %s %s", request.method, request.path, exc_info=original)
    close_session()  # discard the failed transaction before the page reads site settings
    return error_page(
        500,
        "Please try again in a few minutes. If it keeps happening, contact support.",
    )


def init_app(app: Flask) -> None:
    """Register the error pages on the whole app (the /xapi blueprint keeps its own JSON errors)."""
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(RollcallError, handle_domain)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
