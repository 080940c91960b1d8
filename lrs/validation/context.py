"""The Context of a statement (xAPI 1.0.3 Data §2.4.6; IEEE 9274.1.1 §5.2.2.6 adds contextAgents/Groups)."""

from __future__ import annotations

from typing import Any

from lrs.validation.actors import validate_agent, validate_agent_only, validate_group
from lrs.validation.objects import validate_activity, validate_statement_ref
from lrs.validation.primitives import (
    V1,
    check_keys,
    fail,
    require_list,
    require_object,
    require_string,
    validate_extensions,
    validate_iri,
    validate_language_tag,
    validate_uuid,
)

_CONTEXT_KEYS_1 = frozenset(
    (
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    )
)
_CONTEXT_KEYS_2 = _CONTEXT_KEYS_1 | {"contextAgents", "contextGroups"}
_CONTEXT_ACTIVITIES_KEYS = frozenset(("parent", "grouping", "category", "other"))
_CONTEXT_AGENT_KEYS = frozenset(("objectType", "agent", "relevantTypes"))
_CONTEXT_GROUP_KEYS = frozenset(("objectType", "group", "relevantTypes"))


def validate_context(context: Any, version: str, where: str, object_type: str) -> None:
    """A Context; revision and platform only when the object is an Activity (Data §2.4.6)."""
    obj = require_object(context, where)
    check_keys(obj, _CONTEXT_KEYS_1 if version == V1 else _CONTEXT_KEYS_2, where)
    if "registration" in obj:
        validate_uuid(obj["registration"], f"{where}.registration")
    if "instructor" in obj:
        validate_agent(obj["instructor"], version, f"{where}.instructor")
    if "team" in obj:
        validate_group(obj["team"], f"{where}.team")
    if "contextActivities" in obj:
        validate_context_activities(obj["contextActivities"], f"{where}.contextActivities")
    for key in ("revision", "platform"):
        if key in obj:
            if object_type != "Activity":
                fail(f"{where}.{key}", "is allowed only when the statement's object is an Activity")
            require_string(obj[key], f"{where}.{key}")
    if "language" in obj:
        validate_language_tag(obj["language"], f"{where}.language")
    if "statement" in obj:
        validate_statement_ref(obj["statement"], f"{where}.statement")
    if "extensions" in obj:
        validate_extensions(obj["extensions"], f"{where}.extensions")
    if "contextAgents" in obj:
        _validate_context_agents(obj["contextAgents"], f"{where}.contextAgents")
    if "contextGroups" in obj:
        _validate_context_groups(obj["contextGroups"], f"{where}.contextGroups")


def validate_context_activities(value: Any, where: str) -> None:
    """contextActivities: parent/grouping/category/other, each an Activity or array of them (Data §2.4.6.2)."""
    obj = require_object(value, where)
    check_keys(obj, _CONTEXT_ACTIVITIES_KEYS, where)
    for key, activities in obj.items():
        here = f"{where}.{key}"
        if isinstance(activities, list):
            for index, activity in enumerate(activities):
                validate_activity(activity, f"{here}[{index}]")
        else:
            validate_activity(activities, here)


def _validate_relevant_types(obj: dict[str, Any], where: str) -> None:
    """relevantTypes: a non-empty array of IRIs (IEEE 9274.1.1 §5.2.2.6.1-2)."""
    if "relevantTypes" not in obj:
        return
    types = require_list(obj["relevantTypes"], f"{where}.relevantTypes")
    if not types:
        fail(f"{where}.relevantTypes", "must not be empty when present")
    for index, iri in enumerate(types):
        validate_iri(iri, f"{where}.relevantTypes[{index}]")


def _validate_context_agents(value: Any, where: str) -> None:
    """contextAgents (2.0 only): [{objectType "contextAgent", agent, relevantTypes}] (IEEE 9274.1.1 §5.2.2.6)."""
    for index, item in enumerate(require_list(value, where)):
        here = f"{where}[{index}]"
        obj = require_object(item, here)
        check_keys(obj, _CONTEXT_AGENT_KEYS, here)
        if obj.get("objectType") != "contextAgent":
            fail(f"{here}.objectType", 'must be "contextAgent"', obj.get("objectType"))
        if "agent" not in obj:
            fail(f"{here}.agent", "is required")
        validate_agent_only(obj["agent"], f"{here}.agent")
        _validate_relevant_types(obj, here)


def _validate_context_groups(value: Any, where: str) -> None:
    """contextGroups (2.0 only): [{objectType "contextGroup", group, relevantTypes}] (IEEE 9274.1.1 §5.2.2.6)."""
    for index, item in enumerate(require_list(value, where)):
        here = f"{where}[{index}]"
        obj = require_object(item, here)
        check_keys(obj, _CONTEXT_GROUP_KEYS, here)
        if obj.get("objectType") != "contextGroup":
            fail(f"{here}.objectType", 'must be "contextGroup"', obj.get("objectType"))
        if "group" not in obj:
            fail(f"{here}.group", "is required")
        validate_group(obj["group"], f"{here}.group")
        _validate_relevant_types(obj, here)
