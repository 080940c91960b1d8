"""Issue, look up, verify and revoke certificates; services flush, views commit (STYLE.md §2).

A certificate proves one completion fact (DESIGN.md, "Course completion"): it is
issued the first time the learner downloads it, keeps its number afterwards, and
its date is always the fact's timestamp, read from the LRS.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certificates.models import IssuedCertificate, utcnow
from core.errors import RollcallError

if TYPE_CHECKING:
    from lrs.client import Completion, LRSClient

log = logging.getLogger("certificates")

#: Crockford's base32 (no I, L, O, U): readable aloud, and typing mistakes map back.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_LENGTH = 26  # 128 bits / 5 bits per character, rounded up
_TYPOS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


class CertificateError(RollcallError):
    """A certificate request that cannot be met (the message says why)."""


@dataclass(frozen=True)
class CourseFacts:
    """What a certificate shows of its course, copied when it is issued."""

    course_id: int | None
    title: str
    partner_name: str = ""
    runtime: str = ""
    credit_note: str = ""


@dataclass(frozen=True)
class Verification:
    """What the public page says about a number: valid, revoked or unknown."""

    status: str
    serial: str
    certificate: IssuedCertificate | None = None
    completed_at: dt.datetime | None = None

    @property
    def holder(self) -> str | None:
        """The name to show, or None for a closed account that did not keep it."""
        return self.certificate.name_shown if self.certificate else None


def new_serial() -> str:
    """128 random bits as 26 Crockford base32 characters."""
    value = secrets.randbits(128)
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(SERIAL_LENGTH)))


def normalize_serial(text: str) -> str | None:
    """A typed number in its stored form (dashes, spaces, case and I/L/O forgiven), or None."""
    serial = _SEPARATORS.sub("", text or "").upper().translate(_TYPOS)
    if len(serial) != SERIAL_LENGTH or any(ch not in ALPHABET for ch in serial):
        return None
    return serial


def by_serial(session: Session, serial: str) -> IssuedCertificate | None:
    """The certificate with this (normalized) number."""
    return session.scalar(select(IssuedCertificate).where(IssuedCertificate.serial == serial))


def by_registrations(session: Session, registrations: Iterable[str]) -> dict[str, IssuedCertificate]:
    """The certificates of these registrations, by registration."""
    wanted = sorted(set(registrations))
    if not wanted:
        return {}
    rows = session.scalars(select(IssuedCertificate).where(IssuedCertificate.registration.in_(wanted)))
    return {row.registration: row for row in rows}


def issue(
    session: Session, completion: Completion, *, user_id: int, name: str, course: CourseFacts
) -> IssuedCertificate:
    """The certificate of ``completion``: the existing one, or a new number (flushes).

    The number never changes; while the account is open the printed name follows the
    learner's profile, so a corrected name shows on the next download.
    """
    if completion.voided:
        raise CertificateError("This completion was revoked: there is no certificate for it.", status_code=404)
    existing = by_registrations(session, [completion.registration]).get(completion.registration)
    if existing is not None:
        if existing.user_id != user_id:
            raise CertificateError("There is no such certificate.", status_code=404)
        if existing.holder_closed_at is None and name and existing.name_shown != name:
            existing.name_shown = name
            session.flush()
        return existing
    record = IssuedCertificate(
        serial=new_serial(),
        registration=completion.registration,
        statement_id=completion.statement_id,
        user_id=user_id,
        course_id=course.course_id,
        name_shown=name,
        course_title=course.title,
        partner_name=course.partner_name,
        runtime=course.runtime,
        credit_note=course.credit_note,
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:  # a second download at the same moment issued it first
        found = by_registrations(session, [completion.registration]).get(completion.registration)
        if found is None:
            raise
        return found
    log.info("certificate %s issued for registration %s", record.serial, record.registration)
    return record


def verify(session: Session, lrs_client: LRSClient, text: str) -> Verification:
    """What a typed number proves, checked against the completion fact in the LRS."""
    serial = normalize_serial(text)
    record = by_serial(session, serial) if serial else None
    if record is None:
        return Verification("unknown", serial or text.strip()[:40])
    fact = lrs_client.completion(record.registration, include_voided=True)
    if fact is None or fact.voided or fact.statement_id != record.statement_id or record.revoked_at is not None:
        return Verification("revoked", record.serial, record)
    return Verification("valid", record.serial, record, fact.timestamp)


def revoke(session: Session, lrs_client: LRSClient, record: IssuedCertificate, *, reason: str, by: str) -> None:
    """Revoke a certificate by voiding its completion fact (final: the fact's id stays spent); flushes."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("Give the reason for revoking this certificate.")
    if record.revoked_at is not None:
        raise CertificateError("This certificate is already revoked.", status_code=409)
    lrs_client.void_completion(record.registration, reason=reason[:1000], by=by)
    record.revoked_at = utcnow()
    record.revoked_reason = reason[:1000]
    record.revoked_by = by[:200]
    session.flush()
    log.warning("certificate %s revoked by %s: %s", record.serial, by, reason)


def close_holder(session: Session, user_id: int, *, keep_name: bool) -> int:
    """The learner closed their account: keep their name on their certificates only if they allowed it."""
    values: dict[str, object] = {"holder_closed_at": utcnow()}
    if not keep_name:
        values["name_shown"] = None
    result = session.execute(
        update(IssuedCertificate).where(IssuedCertificate.user_id == user_id).values(**values)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
