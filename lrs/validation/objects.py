"""Activities, their definitions and interactions, StatementRefs (xAPI 1.0.3 Data §2.4.4).

SubStatements reuse the statement's own rules, so they live in ``statement.py``.
"""

from __future__ import annotations

from typing import Any

from lrs.validation.primitives import (
    Check,
    check_keys,
    check_present,
    fail,
    require_list,
    require_object,
    require_string,
    validate_extensions,
    validate_iri,
    validate_irl,
    validate_language_map,
    validate_uuid,
)

_ACTIVITY_KEYS = frozenset(("objectType", "id", "definition"))
_DEFINITION_KEYS = frozenset(
    (
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
        "choices",
        "scale",
        "source",
        "target",
        "steps",
    )
)
_STATEMENT_REF_KEYS = frozenset(("objectType", "id"))
_COMPONENT_KEYS = frozenset(("id", "description"))
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")

# Which interaction component lists each interactionType may carry (Data §2.4.4.1.1).
INTERACTION_COMPONENTS: dict[str, frozenset[str]] = {
    "true-false": frozenset(),
    "choice": frozenset(("choices",)),
    "fill-in": frozenset(),
    "long-fill-in": frozenset(),
    "matching": frozenset(("source", "target")),
    "performance": frozenset(("steps",)),
    "sequencing": frozenset(("choices",)),
    "likert": frozenset(("scale",)),
    "numeric": frozenset(),
    "other": frozenset(),
}


_DEFINITION_CHECKS: tuple[tuple[str, Check], ...] = (
    ("name", validate_language_map),
    ("description", validate_language_map),
    ("type", validate_iri),
    ("moreInfo", validate_irl),
    ("extensions", validate_extensions),
)


def validate_activity(activity: Any, where: str) -> None:
    """An Activity: id IRI required, optional definition (xAPI 1.0.3 Data §2.4.4.1)."""
    obj = require_object(activity, where)
    if "objectType" in obj and obj["objectType"] != "Activity":
        fail(f"{where}.objectType", 'must be "Activity"', obj["objectType"])
    check_keys(obj, _ACTIVITY_KEYS, where)
    if "id" not in obj:
        fail(f"{where}.id", "is required in an Activity")
    validate_iri(obj["id"], f"{where}.id")
    if "definition" in obj:
        validate_definition(obj["definition"], f"{where}.definition")


def validate_definition(definition: Any, where: str) -> None:
    """An Activity Definition (xAPI 1.0.3 Data §2.4.4.1, Table "Activity Definition")."""
    obj = require_object(definition, where)
    check_keys(obj, _DEFINITION_KEYS, where)
    check_present(obj, where, _DEFINITION_CHECKS)
    _validate_interaction(obj, where)


def _validate_interaction(obj: dict[str, Any], where: str) -> None:
    """Interaction properties: the type, its response pattern and components (Data §2.4.4.1.1)."""
    interaction_type = obj.get("interactionType")
    if "interactionType" in obj:
        if not isinstance(interaction_type, str) or interaction_type not in INTERACTION_COMPONENTS:
            fail(
                f"{where}.interactionType",
                "must be one of " + ", ".join(INTERACTION_COMPONENTS),
                interaction_type,
            )
        allowed = INTERACTION_COMPONENTS[interaction_type]
    elif "correctResponsesPattern" in obj:
        fail(f"{where}.interactionType", "is required when correctResponsesPattern is given")
    else:
        allowed = frozenset()
    if "correctResponsesPattern" in obj:
        pattern = require_list(obj["correctResponsesPattern"], f"{where}.correctResponsesPattern")
        for index, response in enumerate(pattern):
            require_string(response, f"{where}.correctResponsesPattern[{index}]")
    for name in COMPONENT_LISTS:
        if name not in obj:
            continue
        if name not in allowed:
            kind = f'interactionType "{interaction_type}"' if interaction_type else "no interactionType"
            fail(f"{where}.{name}", f"is not allowed with {kind}")
        _validate_components(obj[name], f"{where}.{name}")


def _validate_components(components: Any, where: str) -> None:
    """An array of interaction components, each {id, description}, ids distinct (Data §2.4.4.1.1)."""
    seen: set[str] = set()
    for index, component in enumerate(require_list(components, where)):
        here = f"{where}[{index}]"
        obj = require_object(component, here)
        check_keys(obj, _COMPONENT_KEYS, here)
        if "id" not in obj:
            fail(f"{here}.id", "is required in an interaction component")
        component_id = require_string(obj["id"], f"{here}.id")
        if component_id in seen:
            fail(f"{here}.id", "must be distinct within the list", component_id)
        seen.add(component_id)
        if "description" in obj:
            validate_language_map(obj["description"], f"{here}.description")


def validate_statement_ref(ref: Any, where: str) -> None:
    """A StatementRef: objectType "StatementRef" and a UUID id (xAPI 1.0.3 Data §2.4.4.3)."""
    obj = require_object(ref, where)
    if obj.get("objectType") != "StatementRef":
        fail(f"{where}.objectType", 'must be "StatementRef"', obj.get("objectType"))
    check_keys(obj, _STATEMENT_REF_KEYS, where)
    if "id" not in obj:
        fail(f"{where}.id", "is required in a StatementRef")
    validate_uuid(obj["id"], f"{where}.id")
