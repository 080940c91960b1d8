"""Statements and SubStatements (xAPI 1.0.3 Data §2.2-§2.4; IEEE 9274.1.1 §5.2)."""

from __future__ import annotations

import re
from typing import Any

from lrs.validation.actors import validate_agent, validate_authority, validate_group
from lrs.validation.context import validate_context
from lrs.validation.objects import validate_activity, validate_statement_ref
from lrs.validation.primitives import (
    V1,
    Check,
    check_keys,
    check_present,
    fail,
    parse_timestamp,
    require_bool,
    require_list,
    require_number,
    require_object,
    require_string,
    show,
    validate_duration,
    validate_extensions,
    validate_iri,
    validate_irl,
    validate_language_map,
    validate_uuid,
)
from lrs.vocab import VERB_VOIDED

_STATEMENT_KEYS = frozenset(
    (
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
        "stored",
        "authority",
        "version",
        "attachments",
    )
)
_SUBSTATEMENT_KEYS = frozenset(
    ("objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments")
)
_VERB_KEYS = frozenset(("id", "display"))
_SCORE_FIELDS = ("scaled", "raw", "min", "max")  # a tuple: errors come in a stable order
_SCORE_KEYS = frozenset(_SCORE_FIELDS)
_ATTACHMENT_REQUIRED = ("usageType", "display", "contentType", "length", "sha2")
_OBJECT_TYPES = ("Activity", "Agent", "Group", "StatementRef", "SubStatement")
_VERSION_1 = re.compile(r"1\.0(?:\.\d+)?\Z")
_VERSION_2 = re.compile(r"(?:1\.0|2\.0)(?:\.\d+)?\Z")
# An Internet Media Type (RFC 2046): type/subtype, optional parameters.
# No DOTALL: a media type with CR/LF in its parameters would smuggle headers into multipart answers.
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(?:[ \t]*;[^\r\n]*)?\Z")
_SHA2 = re.compile(r"[0-9a-fA-F]{56}(?:[0-9a-fA-F]{8}(?:[0-9a-fA-F]{32}(?:[0-9a-fA-F]{32})?)?)?\Z")


def validate_statement(statement: Any, version: str) -> None:
    """A whole statement as received (xAPI 1.0.3 Data §2.2-§2.6; 2.0 per IEEE 9274.1.1 §5.2)."""
    where = "statement"
    obj = require_object(statement, where)
    check_keys(obj, _STATEMENT_KEYS, where)
    if "id" in obj:
        validate_uuid(obj["id"], f"{where}.id")
    _validate_body(obj, version, where, nested=False)
    if "stored" in obj:
        parse_timestamp(obj["stored"], version, f"{where}.stored")
    if "authority" in obj:
        validate_authority(obj["authority"], version, f"{where}.authority")
    if "version" in obj:
        _validate_version(obj["version"], version, f"{where}.version")


def _validate_body(obj: dict[str, Any], version: str, where: str, nested: bool) -> None:
    """What statements and SubStatements share: actor, verb, object, result, context, timestamp."""
    for key in ("actor", "verb", "object"):
        if key not in obj:
            fail(f"{where}.{key}", "is required")
    validate_agent(obj["actor"], version, f"{where}.actor")
    verb_id = validate_verb(obj["verb"], f"{where}.verb")
    object_type = _validate_object(obj["object"], version, f"{where}.object", nested)
    if verb_id == VERB_VOIDED and object_type != "StatementRef":
        fail(f"{where}.object", 'must be a StatementRef when the verb is "voided" (Data §2.3.2)')
    if "result" in obj:
        validate_result(obj["result"], f"{where}.result")
    if "context" in obj:
        validate_context(obj["context"], version, f"{where}.context", object_type)
    if "timestamp" in obj:
        parse_timestamp(obj["timestamp"], version, f"{where}.timestamp")
    if "attachments" in obj:
        validate_attachments(obj["attachments"], f"{where}.attachments")


def validate_verb(verb: Any, where: str) -> str:
    """A Verb: id IRI required, display a language map (xAPI 1.0.3 Data §2.4.3); returns the id."""
    obj = require_object(verb, where)
    check_keys(obj, _VERB_KEYS, where)
    if "id" not in obj:
        fail(f"{where}.id", "is required in a Verb")
    validate_iri(obj["id"], f"{where}.id")
    if "display" in obj:
        validate_language_map(obj["display"], f"{where}.display")
    verb_id: str = obj["id"]
    return verb_id


def _validate_object(value: Any, version: str, where: str, nested: bool) -> str:
    """The object: Activity (default), Agent, Group, StatementRef or SubStatement (Data §2.4.4)."""
    obj = require_object(value, where)
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        validate_activity(obj, where)
    elif object_type == "Agent":
        validate_agent(obj, version, where)
    elif object_type == "Group":
        validate_group(obj, where)
    elif object_type == "StatementRef":
        validate_statement_ref(obj, where)
    elif object_type == "SubStatement":
        if nested:
            fail(f"{where}.objectType", "a SubStatement must not contain a SubStatement (Data §2.4.4.3)")
        validate_substatement(obj, version, where)
    else:
        fail(f"{where}.objectType", "must be one of " + ", ".join(_OBJECT_TYPES), object_type)
    result: str = object_type
    return result


def validate_substatement(sub: Any, version: str, where: str) -> None:
    """A SubStatement: a statement without id, stored, version, authority (xAPI 1.0.3 Data §2.4.4.3)."""
    obj = require_object(sub, where)
    for key in ("id", "stored", "version", "authority"):
        if key in obj:
            fail(f"{where}.{key}", "is not allowed in a SubStatement")
    check_keys(obj, _SUBSTATEMENT_KEYS, where)
    _validate_body(obj, version, where, nested=True)


def validate_score(score: Any, where: str) -> None:
    """A Score: scaled in [-1, 1], min < max, min <= raw <= max (xAPI 1.0.3 Data §2.4.5.1)."""
    obj = require_object(score, where)
    check_keys(obj, _SCORE_KEYS, where)
    values = {key: require_number(obj[key], f"{where}.{key}") for key in _SCORE_FIELDS if key in obj}
    scaled = values.get("scaled")
    if scaled is not None and not -1.0 <= scaled <= 1.0:
        fail(f"{where}.scaled", "must be between -1 and 1", obj["scaled"])
    low, high, raw = values.get("min"), values.get("max"), values.get("raw")
    if low is not None and high is not None and not low < high:
        fail(f"{where}.min", f"must be less than max ({show(obj['max'])})", obj["min"])
    if raw is not None and low is not None and raw < low:
        fail(f"{where}.raw", f"must not be below min ({show(obj['min'])})", obj["raw"])
    if raw is not None and high is not None and raw > high:
        fail(f"{where}.raw", f"must not be above max ({show(obj['max'])})", obj["raw"])


_RESULT_CHECKS: tuple[tuple[str, Check], ...] = (
    ("score", validate_score),
    ("success", require_bool),
    ("completion", require_bool),
    ("response", require_string),
    ("duration", validate_duration),
    ("extensions", validate_extensions),
)
_RESULT_KEYS = frozenset(key for key, _ in _RESULT_CHECKS)


def validate_result(result: Any, where: str) -> None:
    """A Result: score, success, completion, response, duration, extensions (xAPI 1.0.3 Data §2.4.5)."""
    obj = require_object(result, where)
    check_keys(obj, _RESULT_KEYS, where)
    check_present(obj, where, _RESULT_CHECKS)


def _validate_media_type(value: Any, where: str) -> None:
    """An Internet Media Type such as text/plain (RFC 2046), as attachment contentType (Data §2.4.11)."""
    if not isinstance(value, str) or _MEDIA_TYPE.match(value) is None:
        fail(where, "must be an Internet Media Type such as text/plain", value)


def _validate_length(value: Any, where: str) -> None:
    """An attachment's length in octets: a non-negative JSON integer (Data §2.4.11)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        fail(where, "must be a non-negative integer (octets)", value)


def _validate_sha2(value: Any, where: str) -> None:
    """A SHA-224/256/384/512 digest in hex, as attachment sha2 (Data §2.4.11)."""
    if not isinstance(value, str) or _SHA2.match(value) is None:
        fail(where, "must be a SHA-2 hash as hex digits", value)


_ATTACHMENT_CHECKS: tuple[tuple[str, Check], ...] = (
    ("usageType", validate_iri),
    ("display", validate_language_map),
    ("description", validate_language_map),
    ("contentType", _validate_media_type),
    ("length", _validate_length),
    ("sha2", _validate_sha2),
    ("fileUrl", validate_irl),
)
_ATTACHMENT_KEYS = frozenset(key for key, _ in _ATTACHMENT_CHECKS)


def validate_attachments(attachments: Any, where: str) -> None:
    """Attachment metadata objects (xAPI 1.0.3 Data §2.4.11)."""
    for index, attachment in enumerate(require_list(attachments, where)):
        here = f"{where}[{index}]"
        obj = require_object(attachment, here)
        check_keys(obj, _ATTACHMENT_KEYS, here)
        for key in _ATTACHMENT_REQUIRED:
            if key not in obj:
                fail(f"{here}.{key}", "is required in an attachment")
        check_present(obj, here, _ATTACHMENT_CHECKS)


def _validate_version(value: Any, version: str, where: str) -> None:
    """The statement's xAPI version: 1.0.x, and 2.0.x too under 2.0 (Data §2.4.10)."""
    if not isinstance(value, str):
        fail(where, "must be a version string", value)
    if version == V1:
        if _VERSION_1.match(value) is None:
            fail(where, 'must be "1.0.x" under xAPI 1.0.3', value)
    elif _VERSION_2.match(value) is None:
        fail(where, 'must be "1.0.x" or "2.0.x"', value)
