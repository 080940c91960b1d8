"""Email through an outbox: requests enqueue, a sender delivers with retries and backoff.

Nothing is lost while the mail server is down: a message stays in ``outbox_messages``
until SMTP accepts it (``rollcall worker`` retries with exponential backoff). With no
``ROLLCALL_SMTP_URL`` messages are written to ``<instance>/mail/*.eml`` and their links
logged, so that someone running Rollcall locally can follow them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import render_template
from sqlalchemy import DateTime, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.config import Settings
from core.db import Base
from core.errors import ConfigurationError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20
CLAIM_SECONDS = 120
SMTP_TIMEOUT = 15
_URL = re.compile(r"https?://\S+")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OutboxMessage(Base):
    """One email waiting to go out (or sent, or given up on after MAX_ATTEMPTS)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, index=True)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class DeliveryResult:
    """What one pass over the outbox did."""

    sent: int
    retrying: int
    failed: int


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: 30 s doubling, at most one hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def render(template: str, **context: object) -> tuple[str, str]:
    """Render ``emails/<template>.txt``: its first line is ``Subject: ...``, the rest the body."""
    text = render_template(f"emails/{template}.txt", **context)
    first, _, body = text.lstrip().partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"emails/{template}.txt must start with a Subject: line")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n")


def enqueue(session: Session, to_address: str, subject: str, body: str) -> OutboxMessage:
    """Put a message in the outbox (flushes; it goes out once the caller commits)."""
    message = OutboxMessage(to_address=to_address, subject=subject, body=body, next_attempt_at=_utcnow())
    session.add(message)
    session.flush()
    return message


def build_message(settings: Settings, message: OutboxMessage) -> EmailMessage:
    """The RFC 5322 message for an outbox row."""
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="rollcall.local")
    email["Auto-Submitted"] = "auto-generated"
    # Plain 7bit keeps links whole in the .eml files people open by hand; other text goes quoted-printable.
    plain = message.body.isascii() and all(len(line) <= 998 for line in message.body.splitlines())
    email.set_content(message.body, cte="7bit" if plain else "quoted-printable")
    return email


@dataclass(frozen=True)
class SMTPTarget:
    """Where and how to send: host, port, implicit TLS or not, and optional credentials."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SMTPTarget:
    """Read ``smtp://[user:pass@]host[:port]`` (STARTTLS when offered) or ``smtps://`` (implicit TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigurationError(f"ROLLCALL_SMTP_URL must look like smtp://host:port or smtps://host:port, not {url!r}")
    implicit = parts.scheme == "smtps"
    return SMTPTarget(
        host=parts.hostname,
        port=parts.port or (465 if implicit else 25),
        implicit_tls=implicit,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _send_smtp(target: SMTPTarget, email: EmailMessage) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if target.implicit_tls:
        smtp = smtplib.SMTP_SSL(target.host, target.port, timeout=SMTP_TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT)
    with smtp:
        smtp.ehlo()
        if not target.implicit_tls and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        if target.username:
            smtp.login(target.username, target.password or "")
        smtp.send_message(email)


def _write_file(folder: Path, message: OutboxMessage, email: EmailMessage) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = _utcnow().strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{message.id}.eml"
    path.write_bytes(email.as_bytes())
    links = " ".join(_URL.findall(message.body)) or "(no links)"
    log.warning(
        "email to %s (%s) written to %s; links: %s",
        message.to_address,
        message.subject,
        path,
        links,
    )
    return path


def send(settings: Settings, message: OutboxMessage) -> None:
    """Deliver one message now: SMTP when configured, else a file in the instance folder."""
    email = build_message(settings, message)
    if settings.smtp_url:
        _send_smtp(parse_smtp_url(settings.smtp_url), email)
    else:
        _write_file(settings.instance_path / "mail", message, email)


def _claim(factory: sessionmaker[Session], message_id: int, now: dt.datetime) -> OutboxMessage | None:
    """Take a due message for CLAIM_SECONDS so that no other sender delivers it twice."""
    with factory() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == "pending",
                or_(
                    OutboxMessage.claimed_until.is_(None),
                    OutboxMessage.claimed_until < now,
                ),
            )
            .values(claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS))
        )
        session.commit()
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return session.get(OutboxMessage, message_id)


def _settle(factory: sessionmaker[Session], message_id: int, error: str | None) -> str:
    with factory() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        now = _utcnow()
        message.attempts += 1
        message.claimed_until = None
        if error is None:
            message.status, message.sent_at, message.last_error = "sent", now, None
        else:
            message.last_error = error[:2000]
            message.next_attempt_at = now + backoff(message.attempts)
            if message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
                log.error(
                    "giving up on email %s to %s: %s",
                    message.id,
                    message.to_address,
                    error,
                )
        status = message.status
        session.commit()
        return status


def deliver(
    factory: sessionmaker[Session],
    settings: Settings,
    message_ids: list[int],
    now: dt.datetime | None = None,
) -> DeliveryResult:
    """Try to deliver the given messages once each (a failure schedules a retry)."""
    sent = retrying = failed = 0
    for message_id in message_ids:
        message = _claim(factory, message_id, now or _utcnow())
        if message is None:
            continue
        error: str | None = None
        try:
            send(settings, message)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("email %s to %s not sent yet: %s", message.id, message.to_address, error)
        status = _settle(factory, message_id, error)
        sent += status == "sent"
        retrying += status == "pending"
        failed += status == "failed"
    return DeliveryResult(sent=sent, retrying=retrying, failed=failed)


def deliver_due(
    factory: sessionmaker[Session],
    settings: Settings,
    now: dt.datetime | None = None,
    limit: int = 100,
) -> DeliveryResult:
    """One pass of the worker: deliver every pending message whose retry time has come."""
    now = now or _utcnow()
    with factory() as session:
        ids = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
            )
        )
    return deliver(factory, settings, ids, now)


def pending_count(session: Session) -> int:
    """How many messages still wait to go out."""
    return len(list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "pending"))))


# -- in a request ---------------------------------------------------------------


def compose(session: Session, template: str, to_address: str, **context: object) -> OutboxMessage:
    """Render ``emails/<template>.txt`` (with the site's support contact) and put it in the outbox."""
    from flask import current_app

    from portal.help.services import site_info

    settings: Settings = current_app.config["ROLLCALL"]
    subject, body = render(
        template,
        site=site_info(session, settings),
        base_url=settings.base_url.rstrip("/"),
        **context,
    )
    return enqueue(session, to_address, subject, body)


def send_soon(messages: list[OutboxMessage]) -> DeliveryResult:
    """After the caller committed: try each message once right away (the worker retries failures)."""
    from flask import current_app

    return deliver(
        current_app.extensions["db_write"],
        current_app.config["ROLLCALL"],
        [m.id for m in messages],
    )


def link(endpoint: str, **values: Any) -> str:
    """An absolute link for an email, on ROLLCALL_BASE_URL (never the request's Host header)."""
    from flask import current_app, url_for

    base: str = current_app.config["ROLLCALL"].base_url.rstrip("/")
    return base + url_for(endpoint, **values)
