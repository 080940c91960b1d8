"""Account services: sign-up, confirmation, log-in, passwords, email change, closing.

Services take the session first and flush; views commit (STYLE.md §2). Nothing here
tells a caller whether an address has an account: callers answer the same way in
both cases and email the address instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import RollcallError
from portal.accounts import tokens
from portal.accounts.models import ORGANIZATION_KINDS, User, new_session_token, utcnow

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: argon2id with argon2-cffi's current defaults (RFC 9106 low-memory profile).
hasher = PasswordHasher()
#: Verified against when an address has no account, so both answers take as long.
_DUMMY_HASH = hasher.hash("no account has this password")


class AccountError(RollcallError):
    """Bad account input; ``field`` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def normalize_email(email: str) -> str:
    """The address as stored: trimmed and lower-cased."""
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    """A normalized, plausible email address, or AccountError."""
    value = normalize_email(email)
    if len(value) > 254 or not _EMAIL.match(value):
        raise AccountError("Enter an email address like name@example.org.", "email")
    return value


def check_password(password: str, email: str, field: str = "password") -> None:
    """At least 10 characters, not absurdly long, and not the email address."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Use at most {MAX_PASSWORD_LENGTH} characters.", field)
    if password.strip().lower() == normalize_email(email):
        raise AccountError("Your password cannot be your email address.", field)


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return hasher.hash(password)


def user_by_email(session: Session, email: str) -> User | None:
    """The open account with this address, if any."""
    return session.scalar(select(User).where(User.email == normalize_email(email), User.closed_at.is_(None)))


def user_by_uuid(session: Session, uuid: str) -> User | None:
    """The account with this uuid (open or closed), if any."""
    return session.scalar(select(User).where(User.uuid == uuid))


@dataclass(frozen=True)
class SignUp:
    """The outcome of a sign-up: a new user, or the account that already had the address."""

    user: User | None
    existing: User | None


def sign_up(
    session: Session,
    *,
    email: str,
    password: str,
    name: str,
    organization: str | None = None,
    organization_kind: str | None = None,
    updates_opt_in: bool = False,
) -> SignUp:
    """Create an unconfirmed learner account; if the address is taken, create nothing."""
    email = check_email(email)
    check_password(password, email)
    name = name.strip()
    if not name:
        raise AccountError("Enter your name.", "name")
    if organization_kind and organization_kind not in ORGANIZATION_KINDS:
        raise AccountError("Choose a kind of organization from the list.", "organization_kind")
    password_hash = hash_password(password)  # before the lookup: both paths pay for the hash
    existing = user_by_email(session, email)
    if existing is not None:
        return SignUp(user=None, existing=existing)
    user = User(
        email=email,
        name=name[:200],
        organization=(organization or "").strip()[:200] or None,
        organization_kind=organization_kind or None,
        password_hash=password_hash,
        updates_opt_in=updates_opt_in,
        role="learner",
    )
    session.add(user)
    session.flush()
    return SignUp(user=user, existing=None)


def confirmation_token(secret: str, user: User) -> str:
    """The link token that confirms the user's current address."""
    return tokens.dump(secret, "confirm", {"u": user.uuid, "e": user.email})


def confirmation_user(session: Session, secret: str, token: str) -> User:
    """The account whose address the token confirms (reads only), or InvalidToken."""
    payload = tokens.load(secret, "confirm", token, tokens.CONFIRM_MAX_AGE)
    user = user_by_uuid(session, str(payload.get("u")))
    if user is None or user.closed_at is not None or user.email != payload.get("e"):
        raise tokens.InvalidToken("This confirmation link is not valid any more. Log in to ask for a new one.")
    return user


def confirm_email(session: Session, secret: str, token: str) -> User:
    """Mark the address in the token confirmed (a second click is harmless)."""
    user = confirmation_user(session, secret, token)
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
        session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The open account with this address and password, or None (same work either way).

    Rehashes the password when argon2's parameters changed since it was hashed.
    """
    user = user_by_email(session, email)
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.flush()
    return user


def reset_token(secret: str, user: User) -> str:
    """A reset link token bound to the current password hash: it works once."""
    return tokens.dump(secret, "reset", {"u": user.uuid, "p": tokens.fingerprint(user.password_hash)})


def user_for_reset(session: Session, secret: str, token: str) -> User:
    """The user a reset link is for, if the link is still good."""
    payload = tokens.load(secret, "reset", token, tokens.RESET_MAX_AGE)
    user = user_by_uuid(session, str(payload.get("u")))
    if user is None or user.closed_at is not None or payload.get("p") != tokens.fingerprint(user.password_hash):
        raise tokens.InvalidToken(
            "This reset link has already been used or is no longer valid. Please ask for a new one."
        )
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Store a new password and end every other session (a new session token)."""
    check_password(password, user.email or "")
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    session.flush()


def reset_password(session: Session, secret: str, token: str, password: str) -> User:
    """Set a new password from a reset link; the link cannot be used again.

    Following the link proves the address, so an unconfirmed account becomes confirmed.
    """
    user = user_for_reset(session, secret, token)
    set_password(session, user, password)
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
    session.flush()
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the password after checking the current one."""
    if not user.password_hash or not verify_password(user.password_hash, current):
        raise AccountError("Your current password is not right.", "current_password")
    set_password(session, user, new)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches the argon2 hash."""
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def email_change_token(secret: str, user: User, new_email: str) -> str:
    """A link token that moves the account to ``new_email`` once that address confirms it."""
    return tokens.dump(secret, "email-change", {"u": user.uuid, "e": new_email, "o": user.email})


def request_email_change(session: Session, user: User, new_email: str, password: str) -> tuple[str, User | None]:
    """Check the password and new address; returns it and the account already using it, if any."""
    if not user.password_hash or not verify_password(user.password_hash, password):
        raise AccountError("Your password is not right.", "password")
    new_email = check_email(new_email)
    if new_email == user.email:
        raise AccountError("That is already your email address.", "email")
    return new_email, user_by_email(session, new_email)


def email_change_target(session: Session, secret: str, token: str) -> tuple[User, str]:
    """The account and the new address of an email-change token (reads only), or InvalidToken."""
    payload = tokens.load(secret, "email-change", token, tokens.EMAIL_CHANGE_MAX_AGE)
    user = user_by_uuid(session, str(payload.get("u")))
    new_email = str(payload.get("e"))
    if user is None or user.closed_at is not None or user.email != payload.get("o"):
        raise tokens.InvalidToken("This link is not valid any more.")
    if user_by_email(session, new_email) is not None:
        raise tokens.InvalidToken("This address cannot be used. Please choose another one.")
    return user, new_email


def apply_email_change(session: Session, secret: str, token: str) -> User:
    """Move the account to the confirmed new address, unless another account took it meanwhile."""
    user, new_email = email_change_target(session, secret, token)
    user.email = new_email
    user.confirmed_at = utcnow()
    user.session_token = new_session_token()
    session.flush()
    return user


def unsubscribe_token(secret: str, user: User) -> str:
    """A one-click unsubscribe token (no log-in, no expiry)."""
    return tokens.dump_forever(secret, "unsubscribe", {"u": user.uuid})


def unsubscribe(session: Session, secret: str, token: str) -> None:
    """Stop the updates emails for the account in the token (idempotent)."""
    payload = tokens.load_forever(secret, "unsubscribe", token)
    user = user_by_uuid(session, str(payload.get("u")))
    if user is not None:
        user.updates_opt_in = False
        session.flush()


def export_data(user: User, agent: dict[str, Any], statements: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything Rollcall holds about the user: the account and their xAPI statements."""
    return {
        "account": {
            "email": user.email,
            "name": user.name,
            "organization": user.organization,
            "organization_kind": user.organization_kind,
            "role": user.role,
            "partner": user.partner_slug,
            "updates_opt_in": user.updates_opt_in,
            "created_at": user.created_at.isoformat() if user.created_at else None,
            "confirmed_at": user.confirmed_at.isoformat() if user.confirmed_at else None,
        },
        "xapi_agent": agent,
        "statements": statements,
    }


def close_account(session: Session, user: User) -> None:
    """Erase the person's data; keep the opaque uuid so statements stay but link to nobody."""
    user.email = None
    user.name = ""
    user.organization = None
    user.organization_kind = None
    user.password_hash = None
    user.partner_slug = None
    user.role = "learner"
    user.updates_opt_in = False
    user.confirmed_at = None
    user.last_login_at = None
    user.session_token = new_session_token()
    user.closed_at = utcnow()
    session.flush()
