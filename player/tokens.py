"""The player's signed tokens: the attempt token of the run-time API, the content token of the content origin.

player/PROTOCOL.md "Tokens": both are signed with the app's secret key (itsdangerous),
each with a salt of its own so that one can never stand in for the other. Neither
expires: an open attempt keeps committing after the portal login has lapsed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from core.errors import Forbidden

ATTEMPT_SALT = "rollcall.player.attempt"
CONTENT_SALT = "rollcall.player.content"
PREVIEW = "preview"

Mode = Literal["normal", "review", "browse"]


class BadToken(Forbidden):
    """A token that is not ours, or not for this use (403)."""


@dataclass(frozen=True)
class AttemptToken:
    """What the attempt token carries: whose attempt, which launch session, which mode."""

    registration: str
    attempt: int
    session: str
    mode: Mode
    version_id: int
    course_iri: str
    course_title: str
    agent: dict[str, Any]
    learner_id: str
    learner_name: str


@dataclass(frozen=True)
class ContentToken:
    """What the content token carries: one version's files, for one registration (or a preview)."""

    version_id: int
    registration: str


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def sign_attempt(token: AttemptToken) -> str:
    """The attempt token as a URL-safe string."""
    return _serializer(ATTEMPT_SALT).dumps(asdict(token))


def read_attempt(raw: str) -> AttemptToken:
    """The attempt token's content; BadToken when it is not one of ours."""
    try:
        data = _serializer(ATTEMPT_SALT).loads(raw)
        return AttemptToken(**data)
    except (BadSignature, TypeError, ValueError):
        raise BadToken("This player link is not valid: reopen the course from its page.") from None


def sign_content(version_id: int, registration: str) -> str:
    """A content token for one version's files."""
    return _serializer(CONTENT_SALT).dumps([version_id, registration])


def read_content(raw: str) -> ContentToken:
    """The content token's content; BadToken when it is not one of ours."""
    try:
        version_id, registration = _serializer(CONTENT_SALT).loads(raw)
        return ContentToken(int(version_id), str(registration))
    except (BadSignature, TypeError, ValueError):
        raise BadToken("not a content token") from None
