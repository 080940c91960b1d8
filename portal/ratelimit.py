"""Rate limits kept in the database, so that they hold across gunicorn workers and machines.

Each attempt is a row (bucket, hashed key, time); a limit is "at most N rows in the
last W seconds". Keys (an IP address, an email address) are stored as keyed hashes,
so the table holds no personal data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import DateTime, Index, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base
from core.errors import RollcallError


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RateLimitEvent(Base):
    """One counted attempt in a bucket (e.g. a failed log-in for one account)."""

    __tablename__ = "rate_limit_events"
    __table_args__ = (Index("ix_rate_limit_events_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, index=True)


@dataclass(frozen=True)
class Rule:
    """At most ``limit`` attempts per key in ``window`` seconds, in a named bucket."""

    bucket: str
    limit: int
    window: int


class RateLimited(RollcallError):
    """Too many attempts: answer 429 with Retry-After."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# The limits of the portal's sensitive forms.
LOGIN_PER_IP = Rule("login-ip", 30, 15 * 60)
LOGIN_FAILURES_PER_ACCOUNT = Rule("login-account", 5, 15 * 60)
SIGNUP_PER_IP = Rule("signup-ip", 10, 60 * 60)
EMAIL_PER_IP = Rule("email-ip", 10, 60 * 60)
EMAIL_PER_ADDRESS = Rule("email-address", 3, 60 * 60)


def hashed_key(secret: str, rule: Rule, key: str) -> str:
    """The stored form of a key: HMAC-SHA256 under the app secret (no raw IPs or emails)."""
    digest = hmac.new(secret.encode(), f"{rule.bucket}\0{key}".encode(), hashlib.sha256)
    return digest.hexdigest()[:64]


def count_recent(session: Session, secret: str, rule: Rule, key: str, now: dt.datetime | None = None) -> int:
    """How many attempts ``key`` made in the rule's window."""
    now = now or _utcnow()
    since = now - dt.timedelta(seconds=rule.window)
    query = select(func.count(RateLimitEvent.id)).where(
        RateLimitEvent.bucket == rule.bucket,
        RateLimitEvent.key == hashed_key(secret, rule, key),
        RateLimitEvent.at > since,
    )
    return int(session.scalar(query) or 0)


def check(session: Session, secret: str, rule: Rule, key: str, now: dt.datetime | None = None) -> None:
    """Raise RateLimited when ``key`` used up its attempts in the window."""
    now = now or _utcnow()
    if count_recent(session, secret, rule, key, now) < rule.limit:
        return
    since = now - dt.timedelta(seconds=rule.window)
    oldest = session.scalar(
        select(func.min(RateLimitEvent.at)).where(
            RateLimitEvent.bucket == rule.bucket,
            RateLimitEvent.key == hashed_key(secret, rule, key),
            RateLimitEvent.at > since,
        )
    )
    retry = rule.window
    if oldest is not None:
        if oldest.tzinfo is None:  # SQLite hands back naive UTC
            oldest = oldest.replace(tzinfo=dt.UTC)
        retry = max(
            1,
            int((oldest + dt.timedelta(seconds=rule.window) - now).total_seconds()) + 1,
        )
    raise RateLimited("Too many attempts. Please wait a few minutes and try again.", retry)


def record(session: Session, secret: str, rule: Rule, key: str, now: dt.datetime | None = None) -> None:
    """Count one attempt for ``key`` (flushes; the caller commits, whatever the outcome)."""
    session.add(RateLimitEvent(bucket=rule.bucket, key=hashed_key(secret, rule, key), at=now or _utcnow()))
    session.flush()


def hit(session: Session, secret: str, rule: Rule, key: str, now: dt.datetime | None = None) -> None:
    """Check the limit, then count this attempt."""
    check(session, secret, rule, key, now)
    record(session, secret, rule, key, now)


def clean_up(session: Session, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete attempts older than any window; returns how many went."""
    result = session.execute(delete(RateLimitEvent).where(RateLimitEvent.at < _utcnow() - older_than))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
