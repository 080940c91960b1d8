"""Who is calling the LRS, and what they may do (xAPI 1.0.3 Part Three §4; DESIGN.md, Credentials)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from lrs.errors import Forbidden, Unauthorized

#: Scopes that allow each kind of access, "all" included everywhere (Part Three §4.2).
READ_STATEMENTS = frozenset({"statements/read", "all/read", "all"})
READ_MINE = frozenset({"statements/read/mine"})
WRITE_STATEMENTS = frozenset({"statements/write", "all"})
STATE = frozenset({"state", "all"})
STATE_READ = frozenset({"state", "all/read", "all"})
PROFILE = frozenset({"profile", "all"})
PROFILE_READ = frozenset({"profile", "all/read", "all"})
READ_ANY = frozenset({"statements/read", "statements/read/mine", "all/read", "all", "state", "profile", "define"})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: its scopes, restrictions and the authority it stamps on statements."""

    key: str
    name: str
    scopes: frozenset[str]
    authority: dict[str, Any]
    agent: dict[str, Any] | None = None
    registration: str | None = None
    activity_prefix: str | None = None

    def has_any(self, allowed: frozenset[str]) -> bool:
        """Whether one of the caller's scopes is among ``allowed``."""
        return bool(self.scopes & allowed)

    def require(self, allowed: frozenset[str], what: str) -> None:
        """Raise 403 unless the caller holds one of ``allowed``."""
        if not self.has_any(allowed):
            raise Forbidden(
                f"credential {self.key!r} may not {what} (needs one of: {', '.join(sorted(allowed))})"
            )

    @property
    def reads_only_own(self) -> bool:
        """True when the caller may read only statements it stored itself (statements/read/mine)."""
        return not self.has_any(READ_STATEMENTS) and self.has_any(READ_MINE)

    def check_registration(self, registration: str | None) -> None:
        """403 when the credential is bound to another registration."""
        if self.registration is not None and registration != self.registration:
            raise Forbidden(f"credential is restricted to registration {self.registration}")

    def check_activity(self, activity_id: str | None) -> None:
        """403 when the credential is bound to activity IRIs under another prefix."""
        if self.activity_prefix is not None and not (activity_id or "").startswith(self.activity_prefix):
            raise Forbidden(f"credential is restricted to activities under {self.activity_prefix}")

    def check_agent(self, agent: dict[str, Any] | None) -> None:
        """403 when the credential is bound to another agent (compared by inverse functional identifier)."""
        if self.agent is not None and identifier(agent) != identifier(self.agent):
            raise Forbidden("credential is restricted to another agent")


def identifier(agent: dict[str, Any] | None) -> tuple[str, ...] | None:
    """An agent's inverse functional identifier as a comparable pair (xAPI 1.0.3 §2.4.2.3)."""
    if not isinstance(agent, dict):
        return None
    for key in ("mbox", "mbox_sha1sum", "openid"):
        if key in agent:
            return key, str(agent[key])
    account = agent.get("account")
    if isinstance(account, dict):
        # A tuple, not a joined string: "a|b" + "c" must not equal "a" + "b|c".
        return "account", str(account.get("homePage")), str(account.get("name"))
    return None


def authority_for(key: str, name: str, base_url: str) -> dict[str, Any]:
    """The Agent the LRS puts in ``authority`` for statements stored with this credential."""
    return {
        "objectType": "Agent",
        "name": name,
        "account": {"homePage": f"{base_url.rstrip('/')}/xapi/credentials", "name": key},
    }


def basic_credentials(authorization: str | None) -> tuple[str, str]:
    """The key and secret of an HTTP Basic Authorization header (RFC 7617; xAPI 1.0.3 Part Three §4); 401 when absent or malformed."""
    if not authorization or not authorization.lower().startswith("basic "):
        raise Unauthorized("HTTP Basic credentials are required")
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthorized("malformed Basic credentials") from exc
    key, _, secret = decoded.partition(":")
    return key, secret
