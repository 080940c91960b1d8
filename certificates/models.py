"""Issued certificates: a number that points at a completion fact in the LRS (STYLE.md §4).

A row references the completion statement and copies only what the certificate must
still show after the course is retired, its version purged or the learner's account
closed: the name as shown (if the learner allowed it), the course's title and facts
as they were when it was issued. The date is read from the completion fact.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class IssuedCertificate(Base):
    """One certificate: its number, the completion fact it proves, and what it shows."""

    __tablename__ = "issued_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: 128 random bits in Crockford base32 (26 characters), shown in groups of four.
    serial: Mapped[str] = mapped_column(String(26), unique=True)
    #: The enrollment's registration: one certificate per registration.
    registration: Mapped[str] = mapped_column(String(36), unique=True)
    #: The completion statement this certificate proves (lrs.client.Completion.statement_id).
    statement_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"), nullable=True)
    #: The learner's name as printed; None once the account is closed without leave to keep it.
    name_shown: Mapped[str | None] = mapped_column(String(200), nullable=True)
    course_title: Mapped[str] = mapped_column(String(400))
    partner_name: Mapped[str] = mapped_column(String(200), default="")
    runtime: Mapped[str] = mapped_column(String(100), default="")
    credit_note: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    holder_closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
