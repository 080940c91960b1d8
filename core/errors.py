"""Base errors for the app's domain packages (not the LRS, which has its own)."""

from __future__ import annotations


class RollcallError(Exception):
    """Base of every domain error; ``status_code`` tells the web layer what to answer."""

    status_code = 400

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class ConfigurationError(RollcallError):
    """A setting is missing or unsafe."""

    status_code = 500


class NotFound(RollcallError):
    """The thing asked for does not exist (or is not visible to the asker)."""

    status_code = 404


class Forbidden(RollcallError):
    """The asker may not do this."""

    status_code = 403


class Conflict(RollcallError):
    """The request conflicts with the current state."""

    status_code = 409
