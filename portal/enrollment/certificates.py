"""The portal's side of certificates: the rate limit of the public verification page (certificates.views)."""

from __future__ import annotations

from flask import current_app, request

from core.web import db_session
from portal import ratelimit

#: Lookups of certificate numbers per IP address: enough for an employer checking a pile, not for guessing.
VERIFY_PER_IP = ratelimit.Rule("certificate-verify-ip", 60, 10 * 60)


def limit_verification() -> None:
    """Count one lookup for this address; RateLimited (429) past the limit."""
    secret = current_app.config["SECRET_KEY"]
    ratelimit.hit(db_session(), secret, VERIFY_PER_IP, request.remote_addr or "unknown")


def site_time_zone() -> str:
    """The time zone certificate dates are shown in (UTC until a site setting exists)."""
    return "UTC"
