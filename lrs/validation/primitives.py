"""Special data types of xAPI (xAPI 1.0.3 Data §4, IEEE 9274.1.1 §5.3): the building blocks.

Every check raises :class:`lrs.errors.BadRequest` whose message names the JSON path of the
offending value and the rule it breaks, e.g. ``statement.actor.mbox: must be a "mailto:" IRI,
got "a@b.c"``. Regexes are compiled once at import; nothing is copied.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_DOWN, Decimal
from typing import Any, NoReturn

from lrs.errors import BadRequest

V1 = "1.0.3"

_MISSING: Any = object()
Check = Callable[[Any, str], object]
"""A validator of one value: (value, JSON path) -> anything, raising BadRequest when invalid."""
_SHOWN_CHARS = 80


def show(value: Any) -> str:
    """Render a JSON value for an error message, shortened so messages stay readable."""
    if isinstance(value, str) and len(value) > _SHOWN_CHARS:
        value = value[:_SHOWN_CHARS]  # no need to encode a megabyte to show 80 characters
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = f"a {type(value).__name__} that cannot be shown"
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def fail(where: str, rule: str, value: Any = _MISSING) -> NoReturn:
    """Raise BadRequest naming the path, the rule and (when given) the offending value."""
    if value is _MISSING:
        raise BadRequest(f"{where}: {rule}")
    raise BadRequest(f"{where}: {rule}, got {show(value)}")


def require_object(value: Any, where: str) -> dict[str, Any]:
    """A JSON object (xAPI 1.0.3 Data §2.2: statements and their parts are JSON objects)."""
    if not isinstance(value, dict):
        fail(where, "must be a JSON object", value)
    return value


def check_keys(obj: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    """Refuse properties the spec does not define (xAPI 1.0.3 Data §2.2.s4.b3; 2.0 makes it SHALL)."""
    for key in obj:
        if key not in allowed:
            fail(f"{where}.{key}", "is not a property the spec allows here (names are case-sensitive)")


def check_present(obj: Mapping[str, Any], where: str, checks: tuple[tuple[str, Check], ...]) -> int:
    """Run the check of each optional property that is present; return how many were present."""
    present = 0
    for key, check in checks:
        if key in obj:
            check(obj[key], f"{where}.{key}")
            present += 1
    return present


def require_string(value: Any, where: str) -> str:
    """A JSON string."""
    if not isinstance(value, str):
        fail(where, "must be a string", value)
    return value


def require_bool(value: Any, where: str) -> bool:
    """A JSON boolean (true/false, not a string or a number)."""
    if not isinstance(value, bool):
        fail(where, "must be a boolean (true or false)", value)
    return value


def require_number(value: Any, where: str) -> float:
    """A finite JSON number (booleans are not numbers here; NaN and Infinity are not JSON)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(where, "must be a number", value)
    try:
        number = float(value)
    except OverflowError:
        fail(where, "is too large a number", value)
    if not math.isfinite(number):
        fail(where, "must be a finite number", value)
    return number


def require_list(value: Any, where: str) -> list[Any]:
    """A JSON array."""
    if not isinstance(value, list):
        fail(where, "must be an array", value)
    return value


def match_format(pattern: re.Pattern[str], value: Any, where: str, kind: str, rule: str) -> str:
    """A string in a given format: refused as "must be <kind> string" if not a string, else with `rule`."""
    if not isinstance(value, str):
        fail(where, f"must be {kind} string", value)
    if pattern.match(value) is None:
        fail(where, rule, value)
    return value


# --- IRIs (RFC 3987), xAPI 1.0.3 Data §4.1.4 / Part One §3 ------------------------------
# An absolute IRI: a scheme, a colon, then no whitespace and none of the characters that
# RFC 3987 never allows unescaped.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+\Z")


def validate_iri(value: Any, where: str) -> None:
    """An absolute IRI with a scheme (xAPI 1.0.3 Data §4.1.4, RFC 3987)."""
    match_format(_IRI, value, where, "an IRI", "must be an absolute IRI (scheme:...) without spaces")


def validate_irl(value: Any, where: str) -> None:
    """An IRL: an IRI that resolves, so a scheme plus an authority or path (xAPI 1.0.3 Part One §3)."""
    validate_iri(value, where)


# --- UUIDs (RFC 4122), xAPI 1.0.3 Data §4.1.3 / §2.4.1 ----------------------------------
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def validate_uuid(value: Any, where: str) -> str:
    """A UUID in the 8-4-4-4-12 hex form (xAPI 1.0.3 Data §2.4.1, RFC 4122); returns it lowercased."""
    return match_format(_UUID, value, where, "a UUID", "must be a UUID (8-4-4-4-12 hex digits)").lower()


# --- Language tags (RFC 5646) and language maps, xAPI 1.0.3 Data §4.1.7 -------------------
_LANGUAGE_TAG = re.compile(
    r"(?:"
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"  # language (+ extlang)
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"  # private use
    r"|x(?:-[a-z0-9]{1,8})+"  # private use only
    r"|en-gb-oed|i-(?:ami|bnn|default|enochian|hak|klingon|lux|mingo|navajo|pwn|tao|tay|tsu)"
    r"|sgn-(?:be-fr|be-nl|ch-de)|art-lojban|cel-gaulish|no-bok|no-nyn"
    r"|zh-(?:guoyu|hakka|min|min-nan|xiang)"
    r")\Z",
    re.IGNORECASE,
)


def validate_language_tag(value: Any, where: str) -> None:
    """An RFC 5646 language tag (xAPI 1.0.3 Data §2.4.6 `language`, §4.1.7)."""
    match_format(_LANGUAGE_TAG, value, where, "an RFC 5646 language tag", "must be an RFC 5646 language tag")


def validate_language_map(value: Any, where: str) -> None:
    """A language map: RFC 5646 tags to strings (xAPI 1.0.3 Data §4.1.7)."""
    if not isinstance(value, dict):
        fail(where, "must be a language map (a JSON object of language tag to string)", value)
    for tag, text in value.items():
        if _LANGUAGE_TAG.match(tag) is None:
            fail(f"{where}", f"key {show(tag)} is not an RFC 5646 language tag")
        if not isinstance(text, str):
            fail(f"{where}.{tag}", "must be a string", text)


# --- Extensions, xAPI 1.0.3 Data §4.1.6 ----------------------------------------------------
def validate_extensions(value: Any, where: str) -> None:
    """An extensions object: every key an IRI, values any JSON (xAPI 1.0.3 Data §4.1.6)."""
    if not isinstance(value, dict):
        fail(where, "must be a JSON object of IRI keys", value)
    for key in value:
        if _IRI.match(key) is None:
            fail(where, f"key {show(key)} is not an absolute IRI")


# --- Inverse functional identifiers, xAPI 1.0.3 Data §2.4.2.3 ------------------------------
_MBOX = re.compile(r"mailto:[^@\s]+@[^@\s]+\Z")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}\Z")


def validate_mbox(value: Any, where: str) -> None:
    """A "mailto:" IRI with an email address (xAPI 1.0.3 Data §2.4.2.3 mbox)."""
    if not isinstance(value, str) or _MBOX.match(value) is None:
        fail(where, 'must be a "mailto:" IRI', value)


def validate_sha1(value: Any, where: str) -> None:
    """40 hexadecimal digits (xAPI 1.0.3 Data §2.4.2.3 mbox_sha1sum)."""
    if not isinstance(value, str) or _SHA1.match(value) is None:
        fail(where, "must be the SHA1 of a mailto IRI as 40 hex digits", value)


# --- Durations (ISO 8601:2004 §4.4.3.2), xAPI 1.0.3 Data §4.6 -------------------------------
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?=\d|T)(?:(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?|{_NUM}W)\Z"
)


def validate_duration(value: Any, where: str) -> None:
    """An ISO 8601 duration in the PnYnMnDTnHnMnS or PnW form (xAPI 1.0.3 Data §4.6)."""
    match_format(
        _DURATION, value, where, "an ISO 8601 duration", "must be an ISO 8601 duration such as PT1H30M5.2S"
    )


_DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)([YMWDHS])")
_HUNDREDTHS = Decimal("0.01")


def comparable_duration(value: Any) -> Any:
    """A duration as a value to compare, seconds truncated to 0.01 s (xAPI 1.0.3 Data §4.6, 2.0 §5.3.4).

    "When comparing Durations, any precision beyond 0.01 second precision SHOULD* NOT be
    included": PT1.239S and PT1.23S compare equal, as do PT0.5S and PT0.50S. Components
    are compared by value, each on its own (PT60S is not PT1M). Anything that is not a
    valid duration is returned unchanged and compares as itself.
    """
    if not isinstance(value, str) or _DURATION.match(value) is None:
        return value
    date, _, time = value[1:].partition("T")
    parts: list[tuple[str, Decimal]] = []
    for prefix, section in (("", date), ("T", time)):
        for number, unit in _DURATION_PART.findall(section):
            amount = Decimal(number.replace(",", "."))
            if prefix and unit == "S":
                amount = amount.quantize(_HUNDREDTHS, rounding=ROUND_DOWN)
            if amount:
                parts.append((prefix + unit, amount))
    return ("duration", tuple(parts))


# --- Timestamps, xAPI 1.0.3 Data §4.5 (ISO 8601); 2.0 §5.3.3 (RFC 3339) ---------------------
# ISO 8601 extended (2015-01-31T12:30:00.5+01:00) or basic (20150131T123000.5+0100) form.
_ISO_EXTENDED = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?\Z"
)
_ISO_BASIC = re.compile(
    r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?:\d{2})?)?\Z"
)
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})\Z"
)


def parse_timestamp(value: Any, version: str, where: str = "timestamp") -> datetime:
    """Parse a timestamp to an aware UTC datetime (1.0.3 Data §4.5 ISO 8601; 2.0 §5.3.3 RFC 3339).

    An unknown-offset form (-00, -0000, -00:00) is refused in both versions, as the ADL
    suites require; a 1.0.3 timestamp without any offset is taken as UTC.
    """
    if not isinstance(value, str):
        fail(where, "must be a timestamp string", value)
    if version == V1:
        match = _ISO_EXTENDED.match(value) or _ISO_BASIC.match(value)
        rule = "must be an ISO 8601 timestamp with a time zone, e.g. 2015-01-31T12:30:00.5Z"
    else:
        match = _RFC3339.match(value)
        rule = "must be an RFC 3339 timestamp, e.g. 2015-01-31T12:30:00.5Z"
    if match is None:
        fail(where, rule, value)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    tz = _parse_offset(offset, value, where)
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tzinfo=tz
        )
    except ValueError:
        fail(where, "is not a real date and time", value)
    return moment.astimezone(UTC)


def _parse_offset(offset: str | None, value: str, where: str) -> timezone:
    """The fixed offset of a timestamp; -00:00 ("offset unknown", RFC 3339 §4.3) is refused."""
    if offset is None or offset in ("Z", "z"):
        return UTC
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if offset[0] == "-" and hours == 0 and minutes == 0:
        fail(where, "must not use the unknown-offset form -00:00; use Z or +00:00", value)
    if hours > 23 or minutes > 59:
        fail(where, "has an impossible time zone offset", value)
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if offset[0] == "-" else delta)
