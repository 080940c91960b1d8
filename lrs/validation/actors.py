"""Agents and Groups (xAPI 1.0.3 Data §2.4.2; IEEE 9274.1.1 §5.2.2.1)."""

from __future__ import annotations

import json
from typing import Any

from lrs.validation.primitives import (
    V1,
    Check,
    check_keys,
    check_present,
    fail,
    require_list,
    require_object,
    require_string,
    validate_iri,
    validate_irl,
    validate_mbox,
    validate_sha1,
)

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_AGENT_KEYS = frozenset(("objectType", "name", *IFIS))
_GROUP_KEYS = frozenset(("objectType", "name", "member", *IFIS))
_ACCOUNT_KEYS = frozenset(("homePage", "name"))
_ACTOR_TYPES = ("Agent", "Group")


def validate_account(account: Any, where: str) -> None:
    """An account object: homePage IRL and name string, both required (xAPI 1.0.3 Data §2.4.2.4)."""
    obj = require_object(account, where)
    check_keys(obj, _ACCOUNT_KEYS, where)
    if "homePage" not in obj:
        fail(f"{where}.homePage", "is required")
    if "name" not in obj:
        fail(f"{where}.name", "is required")
    validate_irl(obj["homePage"], f"{where}.homePage")
    require_string(obj["name"], f"{where}.name")


# The inverse functional identifiers and their formats (Data §2.4.2.3).
_IFI_CHECKS: tuple[tuple[str, Check], ...] = (
    ("mbox", validate_mbox),
    ("mbox_sha1sum", validate_sha1),
    ("openid", validate_iri),
    ("account", validate_account),
)


def _count_ifis(actor: dict[str, Any], where: str) -> int:
    """Validate each inverse functional identifier present and count them (Data §2.4.2.3)."""
    return check_present(actor, where, _IFI_CHECKS)


def validate_agent_only(agent: Any, where: str) -> None:
    """An Agent: exactly one inverse functional identifier (xAPI 1.0.3 Data §2.4.2.1, §2.4.2.3)."""
    obj = require_object(agent, where)
    if "objectType" in obj and obj["objectType"] != "Agent":
        fail(f"{where}.objectType", 'must be "Agent"', obj["objectType"])
    check_keys(obj, _AGENT_KEYS, where)
    if "name" in obj:
        require_string(obj["name"], f"{where}.name")
    ifis = _count_ifis(obj, where)
    if ifis != 1:
        fail(where, f"an Agent must have exactly one of mbox, mbox_sha1sum, openid, account (has {ifis})")


def validate_group(group: Any, where: str) -> None:
    """A Group: identified (one IFI) or anonymous (no IFI, with members) (xAPI 1.0.3 Data §2.4.2.2)."""
    obj = require_object(group, where)
    if obj.get("objectType") != "Group":
        fail(f"{where}.objectType", 'must be "Group"', obj.get("objectType"))
    check_keys(obj, _GROUP_KEYS, where)
    if "name" in obj:
        require_string(obj["name"], f"{where}.name")
    ifis = _count_ifis(obj, where)
    if ifis > 1:
        fail(where, f"a Group may have at most one of mbox, mbox_sha1sum, openid, account (has {ifis})")
    if "member" in obj:
        members = require_list(obj["member"], f"{where}.member")
        if not members and ifis == 0:
            fail(f"{where}.member", "must list at least one Agent in an anonymous Group")
        for index, member in enumerate(members):
            validate_agent_only(member, f"{where}.member[{index}]")
    elif ifis == 0:
        fail(f"{where}.member", "is required in an anonymous Group (one without an identifier)")


def validate_agent(agent: Any, version: str, where: str = "agent") -> None:
    """An Agent or a Group, told apart by objectType (xAPI 1.0.3 Data §2.4.2); same rules in 1.0.3 and 2.0."""
    validate_actor(agent, where)


def validate_actor(agent: Any, where: str) -> None:
    """An Agent or a Group, told apart by objectType (xAPI 1.0.3 Data §2.4.2)."""
    if isinstance(agent, dict) and "objectType" in agent and agent["objectType"] not in _ACTOR_TYPES:
        fail(f"{where}.objectType", 'must be "Agent" or "Group"', agent["objectType"])
    if isinstance(agent, dict) and agent.get("objectType") == "Group":
        validate_group(agent, where)
    else:
        validate_agent_only(agent, where)


def validate_authority(authority: Any, version: str, where: str) -> None:
    """An Agent, or for 3-legged OAuth an anonymous Group of exactly two Agents (xAPI 1.0.3 Data §2.4.9)."""
    if not (isinstance(authority, dict) and authority.get("objectType") == "Group"):
        validate_agent_only(authority, where)
        return
    validate_group(authority, where)
    if any(ifi in authority for ifi in IFIS):
        fail(where, "an authority Group must be anonymous (no mbox, mbox_sha1sum, openid or account)")
    if len(authority.get("member", ())) != 2:
        fail(f"{where}.member", "an authority Group must have exactly two Agents (OAuth consumer and user)")


def _parse_actor_json(raw: str, groups: bool) -> dict[str, Any]:
    """Parse an `agent` parameter; an Agent, or also an identified Group when `groups` (Comm. §2.1.3)."""
    try:
        agent = json.loads(raw)
    except (TypeError, ValueError, RecursionError):
        fail("agent", "must be the JSON text of an Agent object", raw)
    obj = require_object(agent, "agent")
    if not groups or obj.get("objectType") != "Group":
        validate_agent_only(obj, "agent")
        return obj
    validate_group(obj, "agent")
    if not any(ifi in obj for ifi in IFIS):
        fail(
            "agent", "a Group used as a parameter must be identified (mbox, mbox_sha1sum, openid or account)"
        )
    return obj


def parse_agent_param(raw: str, version: str) -> dict[str, Any]:
    """The `agent` parameter of the document and Agents resources (xAPI 1.0.3 Comm. §2.3-§2.6).

    xAPI 1.0.3 takes only an Agent there; 2.0 also takes an identified Group.
    """
    return _parse_actor_json(raw, groups=version != V1)


def parse_agent_filter(raw: str, version: str) -> dict[str, Any]:
    """The `agent` filter of GET /statements: an Agent or identified Group in both versions (Comm. §2.1.3)."""
    return _parse_actor_json(raw, groups=True)
