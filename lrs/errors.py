"""xAPI errors: each carries the HTTP status the spec names (xAPI 1.0.3 Part Three §3.2)."""

from __future__ import annotations


class XAPIError(Exception):
    """Base of the LRS's errors; answered as JSON with ``status_code``."""

    status_code = 400
    title = "Bad Request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(XAPIError):
    """The request or a statement in it breaks a rule of the spec (400)."""


class Unauthorized(XAPIError):
    """No credentials, or wrong ones (401)."""

    status_code = 401
    title = "Unauthorized"


class Forbidden(XAPIError):
    """The credentials do not allow this (403)."""

    status_code = 403
    title = "Forbidden"


class NotFound(XAPIError):
    """No such statement, document or resource (404)."""

    status_code = 404
    title = "Not Found"


class MethodNotAllowed(XAPIError):
    """The resource does not take this method (405)."""

    status_code = 405
    title = "Method Not Allowed"


class Conflict(XAPIError):
    """The same id with other content, or a document write without a precondition (409)."""

    status_code = 409
    title = "Conflict"


class PreconditionFailed(XAPIError):
    """If-Match / If-None-Match did not hold (412)."""

    status_code = 412
    title = "Precondition Failed"


class PayloadTooLarge(XAPIError):
    """The request is larger than the LRS takes (413)."""

    status_code = 413
    title = "Payload Too Large"


class Refused(XAPIError):
    """A rule hook (e.g. cmi5's ordering rules) refused a statement (403 by default)."""

    status_code = 403
    title = "Forbidden"
