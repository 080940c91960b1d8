"""Account journeys through the test client: sign up, confirm by a real email, log in, reset, change, close."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from portal.accounts import tokens
from portal.accounts.services import confirmation_token
from tests.conftest import free_port
from tests.portal.accounts_support import (
    PASSWORD,
    MailApp,
    app_with_smtp,
    create_user,
    log_in,
    sign_up,
    submit,
    user_row,
)


@pytest.fixture
def mailer(settings: Any) -> Any:
    """The app with a real SMTP server (aiosmtpd) receiving its mail."""
    with app_with_smtp(settings, free_port()) as mail_app:
        yield mail_app


def test_sign_up_confirm_and_log_in(mailer: MailApp) -> None:
    client = mailer.client
    response = sign_up(
        client,
        "Pat.Officer@Example.org",
        organization="Springfield PD",
        organization_kind="law_enforcement",
        updates_opt_in="y",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/signup/check-email")
    page = client.get("/signup/check-email").get_data(as_text=True)
    assert "pat.officer@example.org" in page and "Didn't get the email?" in page

    message = mailer.inbox.last_to("pat.officer@example.org")
    assert "Confirm your email address" in message.message["Subject"]
    assert "support@example.org" in message.body  # the support contact is in every email
    confirm_path = message.link_path("/confirm/")
    assert message.links()[0].startswith("http://localhost/confirm/")  # links use ROLLCALL_BASE_URL

    # Before confirming: logged in, but told to check the email, send it again, or contact support.
    response = log_in(client, "pat.officer@example.org")
    assert response.headers["Location"].endswith("/unconfirmed")
    page = client.get("/unconfirmed").get_data(as_text=True)
    assert "Send the email again" in page and "support@example.org" in page and "spam" in page
    response = submit(client, "/unconfirmed", {}, action="/confirm/resend")
    assert response.status_code == 302
    assert len(mailer.inbox.to("pat.officer@example.org")) == 2

    # Opening the link (as a mail scanner does) only shows a button; its POST confirms.
    scanned = mailer.client.get(confirm_path)
    assert scanned.status_code == 200 and "Confirm my email address" in scanned.get_data(as_text=True)
    assert mailer.client.post(confirm_path).status_code == 400  # no CSRF token: a bare POST does nothing
    assert user_row(mailer.app, email="pat.officer@example.org").confirmed_at is None
    assert submit(client, confirm_path, {}).status_code == 302
    user = user_row(mailer.app, email="pat.officer@example.org")
    assert user.confirmed_at is not None and user.organization == "Springfield PD"
    assert user.organization_kind == "law_enforcement" and user.updates_opt_in is True
    assert user.password_hash.startswith("$argon2id$")
    assert client.get("/account").status_code == 200

    # A confirmed account logs in straight through.
    other = mailer.client
    response = log_in(other, "PAT.OFFICER@example.org")
    assert response.status_code == 302 and not response.headers["Location"].endswith("/unconfirmed")


def test_signing_up_with_a_taken_address_reveals_nothing(mailer: MailApp) -> None:
    first = sign_up(mailer.client, "taken@example.org")
    second = sign_up(
        mailer.client,
        "Taken@example.org",
        password="another password 123",
        name="Someone Else",
    )
    assert (first.status_code, first.headers["Location"]) == (
        second.status_code,
        second.headers["Location"],
    )
    messages = mailer.inbox.to("taken@example.org")
    assert [m.message["Subject"].split(" ")[0:3] for m in messages] == [
        ["Confirm", "your", "email"],
        ["You", "already", "have"],
    ]
    assert "/password/forgot" in messages[1].body
    assert user_row(mailer.app, email="taken@example.org").name == "Pat Officer"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("too short", "at least 10 characters"),
        ("Me@Example.org", "cannot be your email address"),
    ],
)
def test_bad_sign_up_shows_the_error_on_its_field(client: Any, password: str, message: str) -> None:
    response = sign_up(client, "me@example.org", password=password)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-describedby="password-hint password-error"' in page and 'id="password-error"' in page
    assert 'aria-invalid="true"' in page


def test_bad_email_and_missing_name_are_refused(client: Any, app: Any) -> None:
    response = submit(client, "/signup", {"email": "not-an-address", "password": PASSWORD, "name": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter an email address like name@example.org." in page and "Enter your name." in page
    assert user_row(app, email="not-an-address") is None


def test_forgot_password_to_new_password(mailer: MailApp) -> None:
    create_user(mailer.app, "reset@example.org")
    client = mailer.client
    response = submit(client, "/password/forgot", {"email": "reset@example.org"})
    assert response.headers["Location"].endswith("/password/forgot/sent")
    message = mailer.inbox.last_to("reset@example.org")
    reset_path = message.link_path("/password/reset/")

    assert "Choose a new password" in client.get(reset_path).get_data(as_text=True)
    response = submit(client, reset_path, {"password": "a brand new passphrase"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")

    assert log_in(mailer.client, "reset@example.org").status_code == 400  # the old password is gone
    assert log_in(mailer.client, "reset@example.org", "a brand new passphrase").status_code == 302
    # The link worked once.
    again = client.get(reset_path)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)


def test_forgot_password_answers_the_same_for_unknown_addresses(
    mailer: MailApp,
) -> None:
    create_user(mailer.app, "known@example.org")
    known = submit(mailer.client, "/password/forgot", {"email": "known@example.org"})
    unknown = submit(mailer.client, "/password/forgot", {"email": "nobody@example.org"})
    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    assert "no account uses this address" in mailer.inbox.last_to("nobody@example.org").body
    assert "/password/reset/" not in mailer.inbox.last_to("nobody@example.org").body


def test_log_in_failure_does_not_say_which_part_was_wrong(client: Any, app: Any) -> None:
    create_user(app, "real@example.org")
    wrong_password = log_in(client, "real@example.org", "not the password at all")
    no_account = log_in(client, "ghost@example.org", "not the password at all")
    assert wrong_password.status_code == no_account.status_code == 400
    for response in (wrong_password, no_account):
        assert "The email address or password is not right." in response.get_data(as_text=True)


def test_log_in_starts_a_new_session_and_refuses_foreign_redirects(client: Any, app: Any) -> None:
    create_user(app, "fresh@example.org")
    client.get("/login")
    before = client.get_cookie("session").value
    response = log_in(client, "fresh@example.org", next_url="//evil.example/steal")
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]
    assert client.get_cookie("session").value != before
    response = log_in(app.test_client(), "fresh@example.org", next_url="/help")
    assert response.headers["Location"] == "/help"


def test_changing_the_password_logs_out_other_sessions(client: Any, app: Any) -> None:
    create_user(app, "two@example.org")
    phone = app.test_client()
    log_in(client, "two@example.org")
    log_in(phone, "two@example.org")
    assert phone.get("/account").status_code == 200

    wrong = submit(
        client,
        "/account",
        {
            "password-current_password": "wrong one here",
            "password-new_password": "x" * 12,
        },
        action="/account/password",
    )
    assert wrong.status_code == 400 and "Your current password is not right." in wrong.get_data(as_text=True)
    response = submit(
        client,
        "/account",
        {
            "password-current_password": PASSWORD,
            "password-new_password": "an even better passphrase",
        },
        action="/account/password",
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this session lives on
    assert phone.get("/account").status_code == 302  # the other one is logged out
    assert log_in(app.test_client(), "two@example.org", "an even better passphrase").status_code == 302


def ask_for_new_email(client: Any, address: str) -> Any:
    """Fill in the change-email form on the account page."""
    return submit(client, "/account", {"email-email": address, "email-password": PASSWORD}, action="/account/email")


def test_changing_the_email_needs_the_new_address_confirmed(mailer: MailApp) -> None:
    create_user(mailer.app, "old@example.org")
    client = mailer.client
    log_in(client, "old@example.org")
    assert ask_for_new_email(client, "New@Example.org").status_code == 302
    message = mailer.inbox.last_to("new@example.org")
    assert user_row(mailer.app, email="old@example.org") is not None  # unchanged until confirmed

    link = message.link_path("/account/email/")
    shown = mailer.client.get(link)  # a mail scanner opening the link changes nothing
    assert shown.status_code == 200 and "new@example.org" in shown.get_data(as_text=True)
    assert user_row(mailer.app, email="old@example.org") is not None
    assert submit(client, link, {}).status_code == 302
    assert user_row(mailer.app, email="old@example.org") is None
    assert log_in(mailer.client, "new@example.org").status_code == 302
    assert log_in(mailer.client, "old@example.org").status_code == 400
    # The link cannot move the account twice.
    assert client.get(link).status_code == 400


def test_changing_to_a_taken_address_tells_only_that_address(mailer: MailApp) -> None:
    create_user(mailer.app, "mine@example.org")
    create_user(mailer.app, "theirs@example.org")
    client = mailer.client
    log_in(client, "mine@example.org")
    assert ask_for_new_email(client, "theirs@example.org").status_code == 302
    assert "already have one" in mailer.inbox.last_to("theirs@example.org").body
    assert user_row(mailer.app, email="mine@example.org") is not None


def test_close_account_after_downloading_the_data(client: Any, app: Any, lrs_client: Any) -> None:
    uuid = create_user(app, "leaving@example.org")
    agent = {
        "objectType": "Agent",
        "account": {"homePage": "http://localhost", "name": uuid},
    }
    statement_id = lrs_client.store_statement(
        {
            "actor": agent,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/registered"},
            "object": {"id": "https://courses.example.org/course/1"},
        }
    )
    log_in(client, "leaving@example.org")
    assert "Download my data" in client.get("/account/close").get_data(as_text=True)
    download = client.get("/account/export")
    assert download.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(download.get_data(as_text=True))
    assert data["account"]["email"] == "leaving@example.org"
    assert data["xapi_agent"] == agent and [s["id"] for s in data["statements"]] == [statement_id]

    refused = submit(client, "/account/close", {"password": "not my password", "confirm": "y"})
    assert refused.status_code == 400 and user_row(app, uuid=uuid).closed_at is None
    response = submit(client, "/account/close", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    closed = user_row(app, uuid=uuid)
    assert closed.closed_at is not None
    assert (closed.email, closed.name, closed.organization, closed.password_hash) == (
        None,
        "",
        None,
        None,
    )
    assert lrs_client.get_statement(statement_id)["actor"]["account"]["name"] == uuid  # statements stay
    assert client.get("/account").status_code == 302
    assert log_in(app.test_client(), "leaving@example.org").status_code == 400
    # The address is free again for a new, unrelated account.
    assert sign_up(app.test_client(), "leaving@example.org").status_code == 302
    assert user_row(app, email="leaving@example.org").uuid != uuid


def test_one_click_unsubscribe_without_logging_in(app: Any, client: Any) -> None:
    from portal.accounts.services import unsubscribe_token

    uuid = create_user(app, "news@example.org", opt_in=True)
    token = unsubscribe_token(app.config["SECRET_KEY"], user_row(app, uuid=uuid))
    assert "Unsubscribe" in client.get(f"/unsubscribe/{token}").get_data(as_text=True)
    assert user_row(app, uuid=uuid).updates_opt_in is True  # opening the page changes nothing
    response = client.post(f"/unsubscribe/{token}")  # one click, as mail clients do (RFC 8058)
    assert response.status_code == 200 and user_row(app, uuid=uuid).updates_opt_in is False
    assert client.post(f"/unsubscribe/{token[:-3]}abc").status_code == 400


def test_pages_need_a_confirmed_account_and_the_right_role(client: Any, app: Any) -> None:
    create_user(app, "new@example.org", confirmed=False)
    create_user(app, "learner@example.org")
    assert client.get("/admin/users/").headers["Location"].startswith("/login?next=")
    log_in(client, "new@example.org")
    assert client.get("/admin/users/").headers["Location"].endswith("/unconfirmed")
    learner = app.test_client()
    log_in(learner, "learner@example.org")
    forbidden = learner.get("/admin/users/")
    assert forbidden.status_code == 403 and "support@example.org" in forbidden.get_data(as_text=True)


def test_agent_for_is_an_opaque_account(app: Any) -> None:
    from portal.identity import agent_for

    uuid = create_user(app, "agent@example.org")
    with app.app_context():
        agent = agent_for(user_row(app, uuid=uuid))
    assert agent == {
        "objectType": "Agent",
        "account": {"homePage": "http://localhost", "name": uuid},
    }
    assert "agent@example.org" not in json.dumps(agent)


def test_reset_links_expire_and_only_reset_links_reset(client: Any, app: Any) -> None:
    class TwoHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 2 * 3600

    uuid = create_user(app, "late@example.org")
    user = user_row(app, uuid=uuid)
    payload = {"u": uuid, "p": tokens.fingerprint(user.password_hash)}
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="rollcall-reset", signer=TwoHoursAgo).dumps(payload)
    response = client.get(f"/password/reset/{old}")
    assert response.status_code == 400 and "This link has expired" in response.get_data(as_text=True)
    # The same token signed now would work: it is the age that is refused, not the content.
    fresh = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="rollcall-reset").dumps(payload)
    assert client.get(f"/password/reset/{fresh}").status_code == 200
    # A token of another kind is not accepted as a reset link.
    assert client.get(f"/password/reset/{confirmation_token(app.config['SECRET_KEY'], user)}").status_code == 400
