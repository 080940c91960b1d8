"""What a statement mentions (agents, activities) for the link tables, and statement comparison.

The link rows make every query parameter an index lookup (lrsql's statement_to_actor /
statement_to_activity). Relations: ``actor`` and ``object`` answer the plain ``agent`` /
``activity`` filters (xAPI 1.0.3 Part Three §2.1.3; Group members count as the Group); the
others (authority, instructor, team, context, parent, grouping, category, other, sub) only
answer ``related_agents`` / ``related_activities``.
"""

from __future__ import annotations

import json
from functools import lru_cache

from collections.abc import Callable
from datetime import datetime
from typing import Any

from lrs.auth import identifier
from lrs.validation import comparable_duration

#: Relations that the plain ``agent`` filter matches.
DIRECT_AGENT = ("actor", "object")
#: The relation that the plain ``activity`` filter matches.
DIRECT_ACTIVITY = "object"
CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")
#: Statement properties the LRS may assign, ignored when comparing (Data §2.3.1).
ASSIGNED = frozenset({"id", "stored", "authority", "version", "timestamp"})


def ifi_key(agent: Any) -> str | None:
    """An Agent's or identified Group's inverse functional identifier as one string (Data §2.4.2.3)."""
    pair = identifier(agent)
    if pair is None:
        return None
    return _key_of(pair)


@lru_cache(maxsize=8192)
def _key_of(pair: tuple[str, ...]) -> str:
    """The key of one identifier pair (remembered: the same learners and authority recur in every batch)."""
    kind, *parts = pair
    # An account's two parts are JSON-encoded so that no "|" or ":" inside them can make
    # two accounts share a key.
    value = parts[0] if len(parts) == 1 else json.dumps(parts, separators=(",", ":"))
    if kind == "mbox":
        value = _mbox_lower_domain(value)
    return f"{kind}:{value}"


def _mbox_lower_domain(mbox: str) -> str:
    """The domain of an e-mail address is case-insensitive (Data §2.3.1)."""
    local, at, domain = mbox.rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else mbox


def _actor_keys(actor: Any) -> list[str]:
    """The identifier of an Agent/Group and of each Group member."""
    keys: list[str] = []
    if not isinstance(actor, dict):
        return keys
    key = ifi_key(actor)
    if key is not None:
        keys.append(key)
    for member in actor.get("member") or ():
        member_key = ifi_key(member)
        if member_key is not None:
            keys.append(member_key)
    return keys


def _context_activity_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value or () if isinstance(v, dict)]


def agent_links(statement: dict[str, Any]) -> set[tuple[str, str]]:
    """(identifier, relation) pairs for every agent a statement mentions."""
    links: set[tuple[str, str]] = set()
    _body_agent_links(statement, links, sub=False)
    for key in _actor_keys(statement.get("authority")):
        links.add((key, "authority"))
    return links


def _body_agent_links(
    body: dict[str, Any], links: set[tuple[str, str]], *, sub: bool
) -> None:
    for key in _actor_keys(body.get("actor")):
        links.add((key, "sub" if sub else "actor"))
    obj = body.get("object") or {}
    if obj.get("objectType") in ("Agent", "Group"):
        for key in _actor_keys(obj):
            links.add((key, "sub" if sub else "object"))
    elif obj.get("objectType") == "SubStatement" and not sub:
        _body_agent_links(obj, links, sub=True)
    context = body.get("context") or {}
    for relation in ("instructor", "team"):
        for key in _actor_keys(context.get(relation)):
            links.add((key, "sub" if sub else relation))
    for entry in context.get("contextAgents") or ():
        for key in _actor_keys(entry.get("agent") if isinstance(entry, dict) else None):
            links.add((key, "sub" if sub else "context"))
    for entry in context.get("contextGroups") or ():
        for key in _actor_keys(entry.get("group") if isinstance(entry, dict) else None):
            links.add((key, "sub" if sub else "context"))


def activity_links(statement: dict[str, Any]) -> set[tuple[str, str]]:
    """(activity id, relation) pairs for every activity a statement mentions."""
    links: set[tuple[str, str]] = set()
    _body_activity_links(statement, links, sub=False)
    return links


def _body_activity_links(
    body: dict[str, Any], links: set[tuple[str, str]], *, sub: bool
) -> None:
    obj = body.get("object") or {}
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity" and "id" in obj:
        links.add((obj["id"], "sub" if sub else "object"))
    elif object_type == "SubStatement" and not sub:
        _body_activity_links(obj, links, sub=True)
    activities = (body.get("context") or {}).get("contextActivities") or {}
    for relation in CONTEXT_ACTIVITY_KEYS:
        for activity in _context_activity_list(activities.get(relation)):
            if "id" in activity:
                links.add((activity["id"], "sub" if sub else relation))


def activities_as_arrays(body: dict[str, Any]) -> None:
    """Turn single contextActivities values into arrays of one, in place (Data §2.4.6.2)."""
    for holder in (
        body,
        body.get("object") if isinstance(body.get("object"), dict) else None,
    ):
        if not holder:
            continue
        activities = (holder.get("context") or {}).get("contextActivities")
        if isinstance(activities, dict):
            for relation, value in activities.items():
                if isinstance(value, dict):
                    activities[relation] = [value]


# -- statement comparison (Data §2.3.1) ------------------------------------------


def same_statement(
    stored: dict[str, Any], incoming: dict[str, Any], instant: Any
) -> bool:
    """Whether ``incoming`` matches the ``stored`` statement, ignoring what immutability exempts.

    Ignored: properties the LRS assigns (stored, authority, version; timestamp when the
    incoming statement has none, otherwise compared as an instant), Verb display and
    Activity definitions, Group member order, the case of e-mail domains, and
    single-versus-array contextActivities, and a result duration's precision beyond
    0.01 s (Data §4.6). Everything else must be equal.
    """
    both = "timestamp" in incoming and "timestamp" in stored
    if both and instant(incoming["timestamp"]) != instant(stored["timestamp"]):
        return False
    return _body(stored, instant) == _body(incoming, instant)


def _body(body: dict[str, Any], instant: Any) -> dict[str, Any]:
    out = {k: v for k, v in body.items() if k not in ASSIGNED and k != "objectType"}
    if "actor" in out:
        out["actor"] = _actor(out["actor"])
    if isinstance(out.get("verb"), dict):
        out["verb"] = {"id": out["verb"].get("id")}
    obj = out.get("object")
    if isinstance(obj, dict):
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity":
            out["object"] = {"objectType": "Activity", "id": obj.get("id")}
        elif object_type in ("Agent", "Group"):
            out["object"] = _actor(obj)
        elif object_type == "SubStatement":
            sub = _body(obj, instant)
            if "timestamp" in obj:
                sub["timestamp"] = instant(obj["timestamp"])
            out["object"] = {"objectType": "SubStatement", **sub}
    if isinstance(out.get("context"), dict):
        out["context"] = _context(out["context"])
    result = out.get("result")
    if isinstance(result, dict) and "duration" in result:
        out["result"] = {**result, "duration": comparable_duration(result["duration"])}
    return out


def map_context(
    context: dict[str, Any],
    actor: Callable[[Any], Any],
    activity: Callable[[dict[str, Any]], Any],
) -> dict[str, Any]:
    """A copy of a context with each Agent/Group mapped by ``actor`` and each context Activity by ``activity``."""
    out = dict(context)
    for key in ("instructor", "team"):
        if key in out:
            out[key] = actor(out[key])
    activities = out.get("contextActivities")
    if isinstance(activities, dict):
        out["contextActivities"] = {
            relation: [activity(a) for a in _context_activity_list(value)]
            for relation, value in activities.items()
        }
    for key, inner in (("contextAgents", "agent"), ("contextGroups", "group")):
        if isinstance(out.get(key), list):
            out[key] = [
                {**e, inner: actor(e.get(inner))} if isinstance(e, dict) else e
                for e in out[key]
            ]
    return out


def _context(context: dict[str, Any]) -> dict[str, Any]:
    return map_context(context, _actor, lambda activity: activity.get("id"))


def _actor(actor: Any) -> Any:
    if not isinstance(actor, dict):
        return actor
    out = {k: v for k, v in actor.items() if k != "objectType"}
    out["objectType"] = actor.get("objectType", "Agent")
    if isinstance(out.get("mbox"), str):
        out["mbox"] = _mbox_lower_domain(out["mbox"])
    if isinstance(out.get("member"), list):
        members = [_actor(m) for m in out["member"]]
        out["member"] = sorted(members, key=repr)
    return out


def utc_instant(value: Any) -> datetime | Any:
    """A timestamp string as an aware datetime for comparison (unparseable values compare as text)."""
    if not isinstance(value, str):
        return value
    try:
        return datetime.fromisoformat(
            value.replace("Z", "+00:00").replace("z", "+00:00")
        )
    except ValueError:
        return value
