"""The Context of a statement (xAPI 1.0.3 Data §2.4.6; IEEE 9274.1.1 §5.2.2.6 adds contextAgents/Groups)."""

from __future__ import annotations

from typing import Any

from lrs.validation.actors import validate_actor, validate_agent_only, validate_group
from lrs.validation.objects import validate_activity, validate_statement_ref
from lrs.validation.primitives import (
    V1,
    Check,
    check_keys,
    check_present,
    fail,
    require_list,
    require_object,
    require_string,
    validate_extensions,
    validate_iri,
    validate_language_tag,
    validate_uuid,
)

_CONTEXT_ACTIVITIES_KEYS = frozenset(("parent", "grouping", "category", "other"))


def validate_context(context: Any, version: str, where: str, object_type: str) -> None:
    """A Context; revision and platform only when the object is an Activity (Data §2.4.6)."""
    obj = require_object(context, where)
    check_keys(obj, _CONTEXT_KEYS_1 if version == V1 else _CONTEXT_KEYS_2, where)
    check_present(obj, where, _CONTEXT_CHECKS)
    if object_type != "Activity":
        for key in ("revision", "platform"):
            if key in obj:
                fail(f"{where}.{key}", "is allowed only when the statement's object is an Activity")
    check_present(obj, where, _CONTEXT_MEMBER_CHECKS)


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


def _validate_context_members(value: Any, where: str, object_type: str, key: str, check: Check) -> None:
    """contextAgents/contextGroups items: {objectType, agent|group, relevantTypes} (IEEE 9274.1.1 §5.2.2.6)."""
    for index, item in enumerate(require_list(value, where)):
        here = f"{where}[{index}]"
        obj = require_object(item, here)
        check_keys(obj, frozenset(("objectType", key, "relevantTypes")), here)
        if obj.get("objectType") != object_type:
            fail(f"{here}.objectType", f'must be "{object_type}"', obj.get("objectType"))
        if key not in obj:
            fail(f"{here}.{key}", "is required")
        check(obj[key], f"{here}.{key}")
        _validate_relevant_types(obj, here)


def _validate_context_agents(value: Any, where: str) -> None:
    """contextAgents (2.0 only): [{objectType "contextAgent", agent, relevantTypes}] (IEEE 9274.1.1 §5.2.2.6)."""
    _validate_context_members(value, where, "contextAgent", "agent", validate_agent_only)


def _validate_context_groups(value: Any, where: str) -> None:
    """contextGroups (2.0 only): [{objectType "contextGroup", group, relevantTypes}] (IEEE 9274.1.1 §5.2.2.6)."""
    _validate_context_members(value, where, "contextGroup", "group", validate_group)


_CONTEXT_CHECKS: tuple[tuple[str, Check], ...] = (
    ("registration", validate_uuid),
    ("instructor", validate_actor),
    ("team", validate_group),
    ("contextActivities", validate_context_activities),
    ("revision", require_string),
    ("platform", require_string),
    ("language", validate_language_tag),
    ("statement", validate_statement_ref),
    ("extensions", validate_extensions),
)
# Only allowed by the 2.0 key set; under 1.0.3 check_keys has refused them already.
_CONTEXT_MEMBER_CHECKS: tuple[tuple[str, Check], ...] = (
    ("contextAgents", _validate_context_agents),
    ("contextGroups", _validate_context_groups),
)
_CONTEXT_KEYS_1 = frozenset(key for key, _ in _CONTEXT_CHECKS)
_CONTEXT_KEYS_2 = _CONTEXT_KEYS_1 | {key for key, _ in _CONTEXT_MEMBER_CHECKS}
