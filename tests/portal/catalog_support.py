"""Helpers for the catalog, enrollment and partner tests: real accounts, real log-in, CSRF like a browser."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from core.db import make_sessionmaker, transaction

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_user(
    app: Any, email: str, *, role: str = "learner", partner_slug: str | None = None, confirmed: bool = True
) -> str:
    """An account made through the accounts service (confirmed unless told); returns its uuid."""
    from portal.accounts import services
    from portal.accounts.models import PartnerOrganization

    with app.app_context(), transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        if partner_slug and session.scalars(select(PartnerOrganization).filter_by(slug=partner_slug)).first() is None:
            session.add(PartnerOrganization(slug=partner_slug, name=partner_slug.title()))
            session.flush()
        user = services.sign_up(session, email=email, password=PASSWORD, name=email.split("@")[0]).user
        assert user is not None
        user.role = role
        user.partner_slug = partner_slug
        if confirmed:
            user.confirmed_at = dt.datetime.now(dt.UTC)
        return str(user.uuid)


def csrf_token(client: Any, url: str) -> str:
    """The CSRF token of the first form on the page at ``url``."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def log_in(client: Any, email: str) -> None:
    """Log in through the log-in form, as a browser would."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def signed_in(app: Any, email: str, **kwargs: Any) -> Any:
    """A fresh test client logged in as a new account."""
    make_user(app, email, **kwargs)
    client = app.test_client()
    log_in(client, email)
    return client


def post_form(client: Any, page_url: str, action: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Submit a form found on ``page_url`` to ``action`` with its CSRF token."""
    return client.post(action, data={"csrf_token": csrf_token(client, page_url), **data}, **kwargs)
