"""Users and partner organizations (the people and organizations of the portal)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid as uuidlib

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

ROLES = ("learner", "partner", "analyst", "admin")
ROLE_LABELS = {
    "learner": "Learner",
    "partner": "Content partner",
    "analyst": "Analyst",
    "admin": "Administrator",
}
#: Kinds of organization a learner may say they belong to (optional at sign-up).
ORGANIZATION_KINDS = {
    "law_enforcement": "Law enforcement agency",
    "community": "Community organization",
    "government": "Other government agency",
    "education": "College, university or academy",
    "nonprofit": "Nonprofit or training provider",
    "other": "Other",
}
#: Kinds of content partner organization.
PARTNER_KINDS = {
    "grantee": "Grantee",
    "government": "Government office",
    "contractor": "Contractor",
    "nonprofit": "Nonprofit",
    "other": "Other",
}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def new_session_token() -> str:
    """A fresh random token that ties log-in sessions to the current password."""
    return secrets.token_urlsafe(24)


class PartnerOrganization(Base):
    """A content partner: an organization that uploads and manages its own courses."""

    __tablename__ = "partner_organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())

    @property
    def kind_label(self) -> str:
        """The kind as people read it."""
        return PARTNER_KINDS.get(self.kind, self.kind)


class User(Base):
    """A person with an account; ``uuid`` is their opaque xAPI agent account name.

    A closed account keeps only ``id`` and ``uuid`` (so statements stay but name
    nobody): email, name, organization and password are erased.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuidlib.uuid4()))
    email: Mapped[str | None] = mapped_column(String(254), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    organization: Mapped[str | None] = mapped_column(String(200), nullable=True)
    organization_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    role: Mapped[str] = mapped_column(String(16), default="learner", index=True)
    partner_slug: Mapped[str | None] = mapped_column(
        String(64),
        ForeignKey("partner_organizations.slug", onupdate="CASCADE", ondelete="SET NULL"),
        nullable=True,
        index=True,
    )
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updates_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    # flask-login's protocol, written out (no UserMixin) so that get_id carries the session token.
    @property
    def is_authenticated(self) -> bool:
        """Every stored, open user is authenticated once loaded."""
        return self.closed_at is None

    @property
    def is_active(self) -> bool:
        """Closed accounts cannot log in."""
        return self.closed_at is None

    @property
    def is_anonymous(self) -> bool:
        """A stored user is never anonymous."""
        return False

    def get_id(self) -> str:
        """The session's user id: uuid plus the session token (a new password ends other sessions)."""
        return f"{self.uuid}:{self.session_token}"

    @property
    def is_confirmed(self) -> bool:
        """True once the email address was confirmed."""
        return self.confirmed_at is not None

    @property
    def is_admin(self) -> bool:
        """True for administrators."""
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        """The role as people read it."""
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def display_name(self) -> str:
        """The name to greet the user with."""
        return self.name or (self.email or "").split("@")[0] or "you"
