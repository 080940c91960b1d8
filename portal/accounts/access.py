"""View decorators: who may see a page (logged in, confirmed, or in a role)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, redirect, url_for
from flask_login import current_user
from flask_login import login_required as _login_required

from portal.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """Send anonymous visitors to the log-in page (and back here afterwards)."""
    return _login_required(view)  # type: ignore[no-any-return]


def confirmed_required(view: F) -> F:
    """Logged in with a confirmed email address; the unconfirmed see "check your email"."""

    @wraps(view)
    @_login_required  # type: ignore[untyped-decorator]
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_confirmed:
            return redirect(url_for("accounts.unconfirmed"))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def role_required(*roles: str) -> Callable[[F], F]:
    """Logged in, confirmed, and in one of ``roles`` (else 403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @confirmed_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def load_user(user_id: str) -> Any:
    """flask-login's loader: ``uuid:session_token``; a changed token (new password) ends the session."""
    from core.web import db_session
    from portal.accounts.services import user_by_uuid

    uuid, _, token = user_id.partition(":")
    if not uuid or not token:
        return None
    user = user_by_uuid(db_session(), uuid)
    if user is None or user.closed_at is not None or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def init_app(app: Flask) -> None:
    """Set up flask-login on the app."""
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
