"""Helpers for the account tests: a real SMTP server (aiosmtpd), forms with CSRF like a browser."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

from core.db import make_sessionmaker, transaction

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_URL = re.compile(r"https?://\S+")


@dataclass
class Received:
    """One message the test SMTP server accepted."""

    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def body(self) -> str:
        return str(self.message.get_content())

    def links(self) -> list[str]:
        return _URL.findall(self.body)

    def link_path(self, contains: str) -> str:
        """The path (and query) of the first link containing ``contains``."""
        for link in self.links():
            if contains in link:
                parts = urlsplit(link)
                return parts.path + (f"?{parts.query}" if parts.query else "")
        raise AssertionError(f"no link with {contains!r} in: {self.body}")


@dataclass
class Inbox:
    """What a real SMTP server received (aiosmtpd's handler protocol)."""

    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.recipients]

    def last_to(self, address: str) -> Received:
        found = self.to(address)
        assert found, f"no email to {address}; got {[m.recipients for m in self.messages]}"
        return found[-1]


@contextmanager
def smtp_server(port: int) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1:port for the duration of the block."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def submit(
    client: Any,
    page_url: str,
    data: dict[str, Any],
    action: str | None = None,
    **kwargs: Any,
) -> Any:
    """Open ``page_url``, take its form's CSRF token, and post ``data`` (to ``action`` or the page)."""
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    return client.post(
        action or page_url,
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), **data},
        **kwargs,
    )


def sign_up(
    client: Any,
    address: str,
    password: str = PASSWORD,
    name: str = "Pat Officer",
    **extra: Any,
) -> Any:
    """Fill in the sign-up form."""
    return submit(
        client,
        "/signup",
        {"email": address, "password": password, "name": name, **extra},
    )


def log_in(client: Any, address: str, password: str = PASSWORD, next_url: str | None = None) -> Any:
    """Fill in the log-in form."""
    action = "/login" + (f"?next={next_url}" if next_url else "")
    return submit(client, "/login", {"email": address, "password": password}, action=action)


def create_user(
    app: Any,
    address: str,
    *,
    role: str = "learner",
    confirmed: bool = True,
    password: str = PASSWORD,
    partner_slug: str | None = None,
    opt_in: bool = False,
) -> str:
    """An account made through the service (as the CLI does); returns its uuid."""
    from portal.accounts import directory, services
    from portal.accounts.models import utcnow

    with (
        app.app_context(),
        transaction(make_sessionmaker(app.extensions["db_engine"])) as session,
    ):
        user = services.sign_up(
            session,
            email=address,
            password=password,
            name="Sam " + address.split("@")[0],
            updates_opt_in=opt_in,
        ).user
        assert user is not None
        if partner_slug:
            directory.save_partner(
                session,
                None,
                name=partner_slug.title(),
                slug=partner_slug,
                kind="grantee",
            )
        directory.set_role(session, user, role, partner_slug, acting=None)
        if confirmed:
            user.confirmed_at = utcnow()
        return str(user.uuid)


def user_row(app: Any, **where: Any) -> Any:
    """The User row matching ``where`` (or None), detached."""
    from sqlalchemy import select

    from portal.accounts.models import User

    with make_sessionmaker(app.extensions["db_engine"])() as session:
        return session.scalar(select(User).filter_by(**where))


@dataclass
class MailApp:
    """The app wired to a real SMTP server, and that server's inbox."""

    app: Any
    inbox: Inbox
    port: int

    @property
    def client(self) -> Any:
        return self.app.test_client()


@contextmanager
def app_with_smtp(settings: Any, port: int, *, server: bool = True) -> Iterator[MailApp]:
    """A fresh app whose ROLLCALL_SMTP_URL is smtp://127.0.0.1:port (server running or not)."""
    from portal.app import create_app

    app = create_app(settings.with_(smtp_url=f"smtp://127.0.0.1:{port}"))
    app.config["TESTING"] = True
    try:
        if server:
            with smtp_server(port) as inbox:
                yield MailApp(app, inbox, port)
        else:
            yield MailApp(app, Inbox(), port)
    finally:
        app.extensions["db_engine"].dispose()
        app.extensions["lrs"].engine.dispose()


def last_file_email(app: Any) -> email.message.EmailMessage:
    """The newest message written to <instance>/mail/ (no SMTP configured), parsed."""
    newest = max((app.config["ROLLCALL"].instance_path / "mail").glob("*.eml"))
    return email.message_from_bytes(newest.read_bytes(), policy=email.policy.default)  # type: ignore[return-value]
