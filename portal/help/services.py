"""Site settings (site name, support contact) and FAQ entries: read and edited by admins."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.config import Settings
from core.errors import RollcallError
from portal.help.models import FaqEntry, SiteSetting

DEFAULT_SITE_NAME = "Rollcall Training Portal"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SiteInfo:
    """What every page and email shows: the site's name and the support contact."""

    name: str
    support_email: str
    support_phone: str


def site_info(session: Session, settings: Settings) -> SiteInfo:
    """The site settings: admin-set values over the defaults from Settings."""
    stored = {row.key: row.value for row in session.scalars(select(SiteSetting))}
    return SiteInfo(
        name=stored.get("site_name") or DEFAULT_SITE_NAME,
        support_email=stored.get("support_email") or settings.support_email,
        support_phone=stored.get("support_phone") or settings.support_phone,
    )


def save_site_info(session: Session, info: SiteInfo) -> None:
    """Store the site settings an admin entered (flushes)."""
    if not info.name.strip():
        raise RollcallError("The site name cannot be empty.")
    if not _EMAIL.match(info.support_email.strip()):
        raise RollcallError("The support email must be an email address.")
    values = {
        "site_name": info.name.strip(),
        "support_email": info.support_email.strip(),
        "support_phone": info.support_phone.strip(),
    }
    for key, value in values.items():
        row = session.get(SiteSetting, key)
        if row is None:
            session.add(SiteSetting(key=key, value=value))
        else:
            row.value = value
    session.flush()


def faq_entries(session: Session) -> list[FaqEntry]:
    """The FAQ in page order."""
    return list(session.scalars(select(FaqEntry).order_by(FaqEntry.position, FaqEntry.id)))


def faq_sections(entries: list[FaqEntry]) -> list[tuple[str, list[FaqEntry]]]:
    """Entries grouped by section, keeping page order."""
    sections: list[tuple[str, list[FaqEntry]]] = []
    for entry in entries:
        if not sections or sections[-1][0] != entry.section:
            sections.append((entry.section, []))
        sections[-1][1].append(entry)
    return sections


def save_faq_entry(
    session: Session,
    entry_id: int | None,
    *,
    section: str,
    question: str,
    answer: str,
    position: int,
) -> FaqEntry:
    """Create or update one FAQ entry (flushes)."""
    if not question.strip() or not answer.strip():
        raise RollcallError("A question and its answer are both needed.")
    entry = FaqEntry() if entry_id is None else session.get(FaqEntry, entry_id)
    if entry is None:
        raise RollcallError("That question does not exist any more.", status_code=404)
    entry.section, entry.question, entry.answer, entry.position = (
        section.strip(),
        question.strip(),
        answer.strip(),
        position,
    )
    session.add(entry)
    session.flush()
    return entry


def delete_faq_entry(session: Session, entry_id: int) -> None:
    """Remove one FAQ entry (flushes)."""
    session.execute(delete(FaqEntry).where(FaqEntry.id == entry_id))
    session.flush()
