"""Security set-up: CSRF on every form, cookie flags, and response headers (CSP and friends)."""

from __future__ import annotations

from flask import Flask, Response

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


_ALL_HEADERS = (*HEADERS.items(), ("Content-Security-Policy", CONTENT_SECURITY_POLICY))


def add_security_headers(response: Response) -> Response:
    """Set the security headers on every response, unless a view set its own (e.g. vendor content)."""
    present = {name.lower() for name, _value in response.headers}  # one pass, not one per header
    for name, value in _ALL_HEADERS:
        if name.lower() not in present:
            response.headers.add(name, value)
    return response


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
    csrf.init_app(app)
    # The LRS authenticates with HTTP Basic, not cookies: CSRF does not apply to it.
    if "xapi" in app.blueprints:
        csrf.exempt(app.blueprints["xapi"])
    app.after_request(add_security_headers)
