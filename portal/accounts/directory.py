"""Admin services over accounts: search, roles, confirming by hand, partner organizations."""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import (
    PARTNER_KINDS,
    ROLES,
    PartnerOrganization,
    User,
    utcnow,
)
from portal.accounts.services import AccountError

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def search_users(session: Session, query: str = "", limit: int = 50) -> list[User]:
    """Open accounts whose email or name contains ``query`` (case-insensitive), newest first."""
    statement = select(User).where(User.closed_at.is_(None))
    words = query.strip()
    if words:
        escaped = words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(
            or_(
                User.email.like(pattern, escape="\\"),
                User.name.ilike(pattern, escape="\\"),
            )
        )
    return list(session.scalars(statement.order_by(User.created_at.desc(), User.id.desc()).limit(limit)))


def set_role(
    session: Session,
    user: User,
    role: str,
    partner_slug: str | None,
    *,
    acting: User | None,
) -> None:
    """Give ``user`` a role; partners need their organization. Admins cannot demote themselves.

    ``acting`` is the admin doing it (None: an operator at the command line).
    """
    if role not in ROLES:
        raise AccountError("Choose a role from the list.", "role")
    if acting is not None and user.id == acting.id and role != "admin":
        raise AccountError("You cannot take away your own admin role: ask another admin.", "role")
    if role == "partner":
        if (
            not partner_slug
            or session.scalar(select(PartnerOrganization).where(PartnerOrganization.slug == partner_slug)) is None
        ):
            raise AccountError("A partner user needs a partner organization.", "partner_slug")
        user.partner_slug = partner_slug
    else:
        user.partner_slug = None
    user.role = role
    session.flush()


def confirm_by_hand(session: Session, user: User) -> None:
    """Mark the address confirmed (support confirmed it another way)."""
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
        session.flush()


def partners(session: Session) -> list[PartnerOrganization]:
    """Every partner organization, by name."""
    return list(session.scalars(select(PartnerOrganization).order_by(PartnerOrganization.name)))


def partner_by_slug(session: Session, slug: str) -> PartnerOrganization | None:
    """The partner organization with this slug, if any."""
    return session.scalar(select(PartnerOrganization).where(PartnerOrganization.slug == slug))


def save_partner(
    session: Session,
    partner: PartnerOrganization | None,
    *,
    name: str,
    slug: str,
    kind: str,
) -> PartnerOrganization:
    """Create or update a partner organization (flushes); slugs are unique."""
    name, slug = name.strip(), slug.strip().lower()
    if not name:
        raise AccountError("Enter the organization's name.", "name")
    if not _SLUG.match(slug):
        raise AccountError(
            "Use lower-case letters, digits and hyphens (e.g. state-police-academy).",
            "slug",
        )
    if kind not in PARTNER_KINDS:
        raise AccountError("Choose a kind from the list.", "kind")
    other = partner_by_slug(session, slug)
    if other is not None and other is not partner:
        raise AccountError(f"Another organization already uses the slug {slug!r}.", "slug")
    partner = partner or PartnerOrganization()
    partner.name, partner.slug, partner.kind = name, slug, kind
    session.add(partner)
    session.flush()
    return partner


def partner_members(session: Session, slug: str) -> list[User]:
    """The open accounts of a partner organization."""
    return list(
        session.scalars(select(User).where(User.partner_slug == slug, User.closed_at.is_(None)).order_by(User.email))
    )
