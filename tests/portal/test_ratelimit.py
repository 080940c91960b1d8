"""Rate limits on log-in, sign-up and reset: kept in the database, so they hold across workers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests
from sqlalchemy import select

from core.db import transaction
from portal import ratelimit
from tests.portal.accounts_support import (
    PASSWORD,
    create_user,
    csrf_from,
    sign_up,
    submit,
)


def _login_over_http(base: str, email: str, password: str) -> requests.Response:
    """One log-in as a browser would, on a new connection (so gunicorn may pick either worker)."""
    with requests.Session() as browser:
        browser.headers["Connection"] = "close"
        page = browser.get(f"{base}/login", timeout=30)
        return browser.post(
            f"{base}/login",
            data={
                "csrf_token": csrf_from(page.text),
                "email": email,
                "password": password,
            },
            allow_redirects=False,
            timeout=30,
        )


def test_failed_log_ins_lock_the_account_across_two_gunicorn_workers(app: Any, rollcall_server: Any) -> None:
    create_user(app, "target@example.org")
    server = rollcall_server.start()
    try:
        _lock_out_over_http(app, server.url)
    finally:  # stop here and close the stderr pipe the fixture opened (else an unraisable ResourceWarning)
        server.stop()
        if server.process and server.process.stderr:
            server.process.stderr.close()


def _lock_out_over_http(app: Any, url: str) -> None:
    limit = ratelimit.LOGIN_FAILURES_PER_ACCOUNT.limit
    statuses = [_login_over_http(url, "target@example.org", f"guessing wrongly {i}").status_code for i in range(limit)]
    assert statuses == [400] * limit
    # Now even the right password is refused for a while, whichever worker answers.
    for _ in range(3):
        locked = _login_over_http(url, "Target@example.org", PASSWORD)
        assert locked.status_code == 429
        assert int(locked.headers["Retry-After"]) > 0
        assert "Too many attempts" in locked.text and "support@example.org" in locked.text
    # Another account from the same address is not locked out.
    create_user(app, "bystander@example.org")
    assert _login_over_http(url, "bystander@example.org", PASSWORD).status_code == 302


def test_sign_ups_per_address_are_limited(client: Any) -> None:
    for n in range(ratelimit.SIGNUP_PER_IP.limit):
        assert sign_up(client, f"person{n}@example.org").status_code == 302
    refused = sign_up(client, "one.too.many@example.org")
    assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)


def test_reset_emails_per_address_are_limited(client: Any, app: Any) -> None:
    create_user(app, "flooded@example.org")
    for _ in range(ratelimit.EMAIL_PER_ADDRESS.limit):
        assert submit(client, "/password/forgot", {"email": "flooded@example.org"}).status_code == 302
    assert submit(client, "/password/forgot", {"email": "FLOODED@example.org"}).status_code == 429
    outbox = list((app.config["ROLLCALL"].instance_path / "mail").glob("*.eml"))
    assert len(outbox) == ratelimit.EMAIL_PER_ADDRESS.limit


def test_windows_expire_and_keys_are_not_stored_in_clear(app: Any) -> None:
    rule = ratelimit.Rule("test", 2, 60)
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    with transaction(app.extensions["db_write"]) as session:
        ratelimit.hit(session, "secret", rule, "me@example.org", start)
        ratelimit.hit(session, "secret", rule, "me@example.org", start + dt.timedelta(seconds=10))
        try:
            ratelimit.hit(
                session,
                "secret",
                rule,
                "me@example.org",
                start + dt.timedelta(seconds=20),
            )
        except ratelimit.RateLimited as exc:
            assert exc.retry_after == 41  # the first attempt leaves the window at +60 s
        else:
            raise AssertionError("the third attempt in the window went through")
        ratelimit.hit(session, "secret", rule, "me@example.org", start + dt.timedelta(seconds=61))
        keys = list(session.scalars(select(ratelimit.RateLimitEvent.key)))
    assert len(keys) == 3 and all("example" not in key for key in keys)
