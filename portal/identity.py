"""Map a portal user to their xAPI agent: an opaque account, never the email address."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app

if TYPE_CHECKING:
    from portal.accounts.models import User


def agent_for(user: User, base_url: str | None = None) -> dict[str, Any]:
    """The user's xAPI Agent, identified by an account (xAPI 1.0.3 §2.4.2.4, inverse functional identifier).

    ``homePage`` is ROLLCALL_BASE_URL and ``name`` the user's uuid, so statements carry
    no personal data and survive the account being closed.
    """
    home = base_url if base_url is not None else current_app.config["ROLLCALL"].base_url
    return {"objectType": "Agent", "account": {"homePage": home, "name": user.uuid}}
