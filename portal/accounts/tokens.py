"""Signed links for email confirmation, password reset, email change and unsubscribe (itsdangerous).

Each kind has its own salt, so a token of one kind is never accepted as another. The
reset token carries a fingerprint of the current password hash: once the password
changes (the reset itself), the link stops working. The confirmation and email-change
tokens carry the address they confirm, so a link for an old address is refused.
"""

from __future__ import annotations

import hashlib
from typing import Any

from itsdangerous import (
    BadSignature,
    SignatureExpired,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)

from core.errors import RollcallError

CONFIRM_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600
EMAIL_CHANGE_MAX_AGE = 24 * 3600


class InvalidToken(RollcallError):
    """A link that is broken, expired or already used."""

    status_code = 400


def fingerprint(value: str | None) -> str:
    """A short digest of a secret-bearing value (a password hash), safe to put in a link."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:20]


def dump(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    """A signed, timestamped token for ``purpose``."""
    return URLSafeTimedSerializer(secret, salt=f"rollcall-{purpose}").dumps(payload)


def load(secret: str, purpose: str, token: str, max_age: int) -> dict[str, Any]:
    """The payload of a token for ``purpose`` no older than ``max_age`` seconds, or InvalidToken."""
    try:
        payload = URLSafeTimedSerializer(secret, salt=f"rollcall-{purpose}").loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidToken("This link has expired. Please ask for a new one.") from exc
    except BadSignature as exc:
        raise InvalidToken(
            "This link is not valid. Please check that you copied all of it, or ask for a new one."
        ) from exc
    if not isinstance(payload, dict):
        raise InvalidToken("This link is not valid.")
    return payload


def dump_forever(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    """A signed token that does not expire (one-click unsubscribe)."""
    return URLSafeSerializer(secret, salt=f"rollcall-{purpose}").dumps(payload)


def load_forever(secret: str, purpose: str, token: str) -> dict[str, Any]:
    """The payload of a non-expiring token, or InvalidToken."""
    try:
        payload = URLSafeSerializer(secret, salt=f"rollcall-{purpose}").loads(token)
    except BadSignature as exc:
        raise InvalidToken("This link is not valid.") from exc
    if not isinstance(payload, dict):
        raise InvalidToken("This link is not valid.")
    return payload
