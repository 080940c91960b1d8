"""Security: headers, cookie flags, CSRF on forms (not on the LRS), argon2id with rehash, error pages."""

from __future__ import annotations

import re
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import update

from core.config import Settings
from core.db import transaction
from portal.accounts.models import User
from portal.app import create_app
from tests.conftest import basic_auth
from tests.portal.accounts_support import PASSWORD, create_user, log_in, user_row

PAGES = ["/", "/help", "/signup", "/login", "/password/forgot"]


def test_pages_carry_the_security_headers_and_no_inline_script(client: Any) -> None:
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline script on {path}"
        assert not re.search(r"\son[a-z]+=", html), f"inline event handler on {path}"
        assert 'style="' not in html, f"inline style on {path}"


def test_every_input_has_a_label(client: Any) -> None:
    for path in ["/signup", "/login", "/password/forgot"]:
        html = client.get(path).get_data(as_text=True)
        ids = re.findall(
            r'<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"',
            html,
        )
        assert ids, path
        for field_id in ids:
            assert f'<label for="{field_id}"' in html, (path, field_id)


def test_session_cookie_flags(client: Any, app: Any, settings: Settings) -> None:
    create_user(app, "cookie@example.org")
    log_in(client, "cookie@example.org")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    secure_app = create_app(settings.with_(base_url="https://portal.example.org"))
    try:
        secure_client = secure_app.test_client()
        secure_client.get("/login", base_url="https://portal.example.org")
        assert secure_client.get_cookie("session", domain="portal.example.org").secure
    finally:
        secure_app.extensions["db_engine"].dispose()
        secure_app.extensions["lrs"].engine.dispose()


def test_forms_need_the_csrf_token_but_the_lrs_does_not(client: Any, app: Any, lrs_credential: tuple[str, str]) -> None:
    create_user(app, "csrf@example.org")
    response = client.post("/login", data={"email": "csrf@example.org", "password": PASSWORD})
    assert response.status_code == 400 and "This form has expired" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # not logged in
    statement = {
        "actor": {"mbox": "mailto:a@example.org"},
        "verb": {"id": "http://example.org/v"},
        "object": {"id": "http://example.org/o"},
    }
    stored = client.post(
        "/xapi/statements",
        json=statement,
        headers={
            "Authorization": basic_auth(*lrs_credential),
            "X-Experience-API-Version": "1.0.3",
        },
    )
    assert stored.status_code == 200


def test_passwords_are_argon2id_and_rehashed_when_parameters_change(client: Any, app: Any) -> None:
    uuid = create_user(app, "rehash@example.org")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with transaction(app.extensions["db_write"]) as session:
        session.execute(update(User).where(User.uuid == uuid).values(password_hash=weak))
    assert log_in(client, "rehash@example.org").status_code == 302
    rehashed = user_row(app, uuid=uuid).password_hash
    assert rehashed != weak and rehashed.startswith("$argon2id$") and "m=8192" not in rehashed


def test_error_pages_are_in_the_page_shell_with_the_support_contact(client: Any, app: Any) -> None:
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom-for-test", view_func=boom)
    for path, status in (("/no-such-page", 404), ("/boom-for-test", 500)):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == status
        assert '<main id="main"' in html and "support@example.org" in html
        assert "secret internals" not in html
    api = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.get_json()["error"] == "Page not found"
