"""The email outbox: nothing is lost while the SMTP server is down; local installs get .eml files."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from typing import Any

import pytest
from sqlalchemy import select

from core.config import Settings
from core.db import transaction
from core.errors import ConfigurationError
from portal import mail
from portal.cli import main
from tests.conftest import free_port
from tests.portal.accounts_support import app_with_smtp, sign_up, smtp_server, submit, user_row


def _outbox(app: Any) -> list[mail.OutboxMessage]:
    with app.extensions["db_read"]() as session:
        return list(session.scalars(select(mail.OutboxMessage).order_by(mail.OutboxMessage.id)))


def test_a_message_waits_in_the_outbox_until_the_smtp_server_is_back(
    settings: Settings,
) -> None:
    port = free_port()
    with app_with_smtp(settings, port, server=False) as down:
        response = sign_up(down.client, "patient@example.org")
        assert response.status_code == 302  # the person is not bothered by the outage
        [waiting] = _outbox(down.app)
        assert (waiting.status, waiting.attempts) == ("pending", 1)
        assert "Connection" in (waiting.last_error or "") or "refused" in (waiting.last_error or "").lower()

        # Not yet due: a pass of the worker leaves it alone.
        result = mail.deliver_due(down.app.extensions["db_write"], down.app.config["ROLLCALL"])
        assert result == mail.DeliveryResult(sent=0, retrying=0, failed=0)

        with smtp_server(port) as inbox:
            later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
            result = mail.deliver_due(down.app.extensions["db_write"], down.app.config["ROLLCALL"], now=later)
            assert result.sent == 1
            message = inbox.last_to("patient@example.org")
        [sent] = _outbox(down.app)
        assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)

        # The delivered link works.
        assert submit(down.client, message.link_path("/confirm/"), {}).status_code == 302
        assert user_row(down.app, email="patient@example.org").confirmed_at is not None


def test_worker_once_delivers_what_is_due(settings: Settings) -> None:
    with app_with_smtp(settings, free_port()) as up:
        with (
            up.app.test_request_context(),
            transaction(up.app.extensions["db_write"]) as session,
        ):
            mail.enqueue(session, "queued@example.org", "Queued", "Hello from the outbox")
        output = up.app.test_cli_runner().invoke(main, ["worker", "--once"])
        assert output.exit_code == 0, output.output
        assert json.loads(output.output)["sent"] == 1
        assert up.inbox.last_to("queued@example.org").body.strip() == "Hello from the outbox"
        again = json.loads(up.app.test_cli_runner().invoke(main, ["worker", "--once"]).output)
        assert again["sent"] == 0 and again["pending"] == 0  # delivered exactly once


def test_retries_back_off_and_give_up_after_the_last_attempt(
    settings: Settings,
) -> None:
    assert [mail.backoff(n).total_seconds() for n in (1, 2, 3, 10, 30)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]
    with app_with_smtp(settings, free_port(), server=False) as down:
        factory = down.app.extensions["db_write"]
        with transaction(factory) as session:
            message = mail.enqueue(session, "gone@example.org", "Never", "Never delivered")
            message.attempts = mail.MAX_ATTEMPTS - 1
        far = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        result = mail.deliver_due(factory, down.app.config["ROLLCALL"], now=far)
        assert result.failed == 1
        [failed] = _outbox(down.app)
        assert failed.status == "failed" and failed.attempts == mail.MAX_ATTEMPTS


def test_without_smtp_messages_are_files_and_the_link_is_logged(
    client: Any, app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="portal.mail"):
        sign_up(client, "local@example.org")
    files = list((app.config["ROLLCALL"].instance_path / "mail").glob("*.eml"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "To: local@example.org" in text and "http://localhost/confirm/" in text
    assert "http://localhost/confirm/" in caplog.text
    [sent] = _outbox(app)
    assert sent.status == "sent"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, False, None, None)),
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, False, None, None)),
        (
            "smtps://user%40x:p%3Ass@mail.example.org",
            ("mail.example.org", 465, True, "user@x", "p:ss"),
        ),
    ],
)
def test_smtp_urls(url: str, expected: tuple[Any, ...]) -> None:
    target = mail.parse_smtp_url(url)
    assert (
        target.host,
        target.port,
        target.implicit_tls,
        target.username,
        target.password,
    ) == expected


def test_a_bad_smtp_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="ROLLCALL_SMTP_URL"):
        mail.parse_smtp_url("http://mail.example.org")


def test_serve_retries_the_outbox_by_itself(settings: Settings, rollcall_server: Any, app: Any) -> None:
    """`rollcall serve` drains the outbox in its workers: a message queued while SMTP was away goes out."""
    with app.test_request_context(), transaction(app.extensions["db_write"]) as session:
        mail.enqueue(
            session,
            "served@example.org",
            "From serve",
            "Delivered by a gunicorn worker",
        )
    server = rollcall_server.start()
    try:
        outbox = server.settings.instance_path / "mail"
        for _ in range(300):  # bounded: up to 30 s for the first pass of a worker
            if any(outbox.glob("*.eml")):
                break
            threading.Event().wait(0.1)
        [written] = list(outbox.glob("*.eml"))
        assert "Delivered by a gunicorn worker" in written.read_text()
    finally:
        server.stop()
        if server.process and server.process.stderr:
            server.process.stderr.close()
