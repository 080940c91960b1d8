"""Security set-up: CSRF on every form, cookie flags, and response headers (CSP and friends)."""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import (
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionMixin,
)

from portal.extensions import csrf

#: Our pages load scripts, styles and frames only from our own origin, and no inline script.
CONTENT_SECURITY_POLICY = "; ".join(  # noqa: FLY002 - one directive a line reads better
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


_ALL_HEADERS = [*HEADERS.items(), ("Content-Security-Policy", CONTENT_SECURITY_POLICY)]
_ALL_NAMES = frozenset(name.lower() for name, _value in _ALL_HEADERS)


def add_security_headers(response: Response) -> Response:
    """Set the security headers on every response, unless a view set its own (e.g. vendor content)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers}  # one pass, not one per header
    missing = _ALL_HEADERS if present.isdisjoint(_ALL_NAMES) else [
        (name, value) for name, value in _ALL_HEADERS if name.lower() not in present
    ]
    headers[len(headers) :] = missing  # appended in one step (Headers.extend adds one by one)
    return response


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without the work a request that has no session cookie does not need.

    Flask builds a signing serializer to open every request's session and reads seven
    cookie settings to save it, even when there is no cookie and the session was never
    changed (every LRS request): here such a request gets an empty session at once and
    saving it only adds the ``Vary: Cookie`` Flask adds, exactly as Flask decides after that work.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """An empty session when the request carries no session cookie; else Flask's own."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """For an empty, unchanged session only Flask's ``Vary: Cookie`` when it was looked at; else Flask's own."""
        if not session and not session.modified:
            if session.accessed:  # flask-login looks at every request's session
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """CSRF on every form (except the JSON APIs content calls), secure cookies, security headers."""
    secure = app.config["ROLLCALL"].base_url.startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the session (renewed at log-in)
        WTF_CSRF_SSL_STRICT=secure,
    )
    app.session_interface = CookieSessions()
    csrf.init_app(app)
    # The LRS authenticates with HTTP Basic, not cookies: CSRF does not apply to it.
    if "xapi" in app.blueprints:
        csrf.exempt(app.blueprints["xapi"])
    app.after_request(add_security_headers)
