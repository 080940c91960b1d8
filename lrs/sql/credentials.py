"""LRS credentials: key/secret pairs with xAPI scopes and optional restrictions (DESIGN.md, Credentials)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lrs.db import JSONType, LRSBase

#: xAPI 1.0.3 Part Three §4.2 (OAuth scopes), used for Basic credentials as well.
SCOPES = (
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "state",
    "define",
    "profile",
    "all/read",
    "all",
)


class Credential(LRSBase):
    """One key/secret pair. The secret is kept only as a keyed hash."""

    __tablename__ = "lrs_credential"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSONType)
    #: The agent this credential may act for (statements' actor, documents' agent).
    agent: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    registration: Mapped[str | None] = mapped_column(String(36), nullable=True)
    activity_prefix: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    def to_json(self) -> dict:
        """What ``rollcall lrs credentials list`` prints (never the secret)."""
        return {
            "key": self.key,
            "name": self.name,
            "scopes": list(self.scopes),
            "agent": self.agent,
            "registration": self.registration,
            "activity_prefix": self.activity_prefix,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def hash_secret(secret_key: str, secret: str) -> str:
    """HMAC-SHA256 of a credential secret under the server's key.

    Secrets are 256-bit random strings, so a fast keyed hash is enough (DESIGN.md):
    a password KDF here would cost milliseconds on every xAPI request.
    """
    mac = hmac.new(f"lrs-credential:{secret_key}".encode(), secret.encode(), hashlib.sha256)
    return mac.hexdigest()


def create_credential(
    session: Session,
    secret_key: str,
    *,
    name: str,
    scopes: list[str],
    agent: dict | None = None,
    registration: str | None = None,
    activity_prefix: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[Credential, str]:
    """Create a credential; returns it with its secret, which is shown only once."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValueError(f"unknown scope(s) {unknown}; choose from {', '.join(SCOPES)}")
    key = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    credential = Credential(
        key=key,
        name=name,
        secret_hash=hash_secret(secret_key, secret),
        scopes=list(dict.fromkeys(scopes)),
        agent=agent,
        registration=registration,
        activity_prefix=activity_prefix,
        expires_at=expires_at,
        created_at=datetime.now(UTC),
    )
    session.add(credential)
    session.flush()
    return credential, secret


def list_credentials(session: Session) -> list[Credential]:
    """Every credential, oldest first."""
    return list(session.scalars(select(Credential).order_by(Credential.created_at)))


def revoke_credential(session: Session, key: str) -> bool:
    """Revoke a credential; False when no such key."""
    credential = session.get(Credential, key)
    if credential is None:
        return False
    if credential.revoked_at is None:
        credential.revoked_at = datetime.now(UTC)
    return True


def check_credential(session: Session, secret_key: str, key: str, secret: str) -> Credential | None:
    """The live credential for this key and secret, or None."""
    credential = session.get(Credential, key)
    if credential is None or credential.revoked_at is not None:
        return None
    if not hmac.compare_digest(credential.secret_hash, hash_secret(secret_key, secret)):
        return None
    expires = credential.expires_at
    if expires is not None:
        if expires.tzinfo is None:  # SQLite returns naive datetimes
            expires = expires.replace(tzinfo=UTC)
        if expires <= datetime.now(UTC):
            return None
    return credential
