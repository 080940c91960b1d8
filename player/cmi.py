"""The CMI data model of a commit: flattened, checked element by element, summarized (SCORM 1.2 RTE §3.4, 2004 RTE §4).

A commit's ``cmi`` object (scorm-again's JSON: nested objects, arrays as lists or as
objects keyed by index) is flattened to dotted elements (``cmi.core.lesson_status``,
``cmi.interactions.0.id``). Each known element is checked against its type or
vocabulary; a bad one is dropped and reported, the rest kept. Elements we do not know
are kept as they came. No length is enforced: values longer than the spec's smallest
permitted maximum (1.2 suspend_data beyond 4096 characters is common) are stored whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Flat = dict[str, Any]
Check = Callable[[Any], bool]

_TIMESPAN_12 = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")
_TIME_12 = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{1,2})?$")
_DURATION = re.compile(
    r"^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def _real(value: Any, low: float | None = None, high: float | None = None) -> bool:
    if isinstance(value, bool):
        return False
    if value == "":
        return True
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return (low is None or number >= low) and (high is None or number <= high) and number == number


def _vocab(*words: str) -> Check:
    allowed = frozenset(words)
    return lambda value: isinstance(value, str) and value in allowed


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _matches(pattern: re.Pattern[str]) -> Check:
    return lambda value: value == "" or (isinstance(value, str) and bool(pattern.match(value)))


def _real_or(*words: str) -> Check:
    vocab = _vocab(*words)
    return lambda value: vocab(value) or (value != "" and _real(value))


_SCORE = {"score.raw": _real, "score.min": _real, "score.max": _real}

#: SCORM 1.2 RTE §3.4.2: the elements we check (``n`` stands for an index).
CHECKS_12: dict[str, Check] = {
    "cmi.core.lesson_status": _vocab("passed", "completed", "failed", "incomplete", "browsed", "not attempted", ""),
    "cmi.core.exit": _vocab("time-out", "suspend", "logout", ""),
    "cmi.core.lesson_location": _text,
    "cmi.core.total_time": _matches(_TIMESPAN_12),
    "cmi.core.session_time": _matches(_TIMESPAN_12),
    **{f"cmi.core.{k}": v for k, v in _SCORE.items()},
    "cmi.suspend_data": _text,
    "cmi.comments": _text,
    "cmi.interactions.n.id": _text,
    "cmi.interactions.n.type": _vocab(
        "true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert", "numeric", ""
    ),
    "cmi.interactions.n.student_response": _text,
    "cmi.interactions.n.result": _real_or("correct", "wrong", "unanticipated", "neutral", ""),
    "cmi.interactions.n.latency": _matches(_TIMESPAN_12),
    "cmi.interactions.n.time": _matches(_TIME_12),
    "cmi.interactions.n.weighting": _real,
    "cmi.objectives.n.id": _text,
    "cmi.objectives.n.status": _vocab("passed", "completed", "failed", "incomplete", "browsed", "not attempted", ""),
    **{f"cmi.objectives.n.{k}": v for k, v in _SCORE.items()},
}

_COMPLETION = _vocab("completed", "incomplete", "not attempted", "unknown", "")
_SUCCESS = _vocab("passed", "failed", "unknown", "")
#: SCORM 2004 RTE §4.2: the elements we check.
CHECKS_2004: dict[str, Check] = {
    "cmi.completion_status": _COMPLETION,
    "cmi.success_status": _SUCCESS,
    "cmi.exit": _vocab("time-out", "suspend", "logout", "normal", ""),
    "cmi.location": _text,
    "cmi.progress_measure": lambda v: _real(v, 0, 1),
    "cmi.score.scaled": lambda v: _real(v, -1, 1),
    **{f"cmi.{k}": v for k, v in _SCORE.items()},
    "cmi.total_time": _matches(_DURATION),
    "cmi.session_time": _matches(_DURATION),
    "cmi.suspend_data": _text,
    "cmi.interactions.n.id": _text,
    "cmi.interactions.n.type": _vocab(
        "true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert",
        "numeric", "other", "",
    ),
    "cmi.interactions.n.learner_response": _text,
    "cmi.interactions.n.result": _real_or("correct", "incorrect", "unanticipated", "neutral", ""),
    "cmi.interactions.n.latency": _matches(_DURATION),
    "cmi.interactions.n.weighting": _real,
    "cmi.objectives.n.id": _text,
    "cmi.objectives.n.success_status": _SUCCESS,
    "cmi.objectives.n.completion_status": _COMPLETION,
    "cmi.objectives.n.progress_measure": lambda v: _real(v, 0, 1),
    "cmi.objectives.n.score.scaled": lambda v: _real(v, -1, 1),
    **{f"cmi.objectives.n.{k}": v for k, v in _SCORE.items()},
    "cmi.comments_from_learner.n.comment": _text,
    "cmi.comments_from_learner.n.location": _text,
}

#: Written by the LMS, never taken from a commit (RTE 1.2 §3.4.2 / 2004 §4.2: read-only elements).
LMS_OWNED = frozenset(
    {
        "cmi.core.student_id", "cmi.core.student_name", "cmi.core.credit", "cmi.core.entry", "cmi.core.lesson_mode",
        "cmi.launch_data", "cmi.student_data.mastery_score", "cmi.student_data.max_time_allowed",
        "cmi.student_data.time_limit_action", "cmi.learner_id", "cmi.learner_name", "cmi.credit", "cmi.entry",
        "cmi.mode", "cmi.completion_threshold", "cmi.scaled_passing_score", "cmi.max_time_allowed",
        "cmi.time_limit_action",
    }
)


@dataclass
class Checked:
    """A commit's elements after the checks: what is kept, and what was dropped with why."""

    kept: Flat = field(default_factory=dict)
    dropped: list[dict[str, str]] = field(default_factory=list)


def flatten(value: Any, prefix: str = "cmi") -> Iterator[tuple[str, Any]]:
    """Dotted element names and leaf values of a nested CMI object (lists become indexes)."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        yield prefix, value
        return
    for key, child in items:
        if isinstance(key, str) and key.startswith("_"):
            continue  # _children, _count, _version: the API's own, not data
        yield from flatten(child, f"{prefix}.{key}")


def unflatten(flat: Flat) -> dict[str, Any]:
    """The nested CMI object of dotted elements, arrays as objects keyed by index (scorm-again's JSON)."""
    root: dict[str, Any] = {}
    for name, value in sorted(flat.items(), key=lambda kv: [_sort_key(p) for p in kv[0].split(".")]):
        parts = name.split(".")[1:]
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[parts[-1]] = value
    return root


def _sort_key(part: str) -> tuple[int, int | str]:
    return (0, int(part)) if part.isdigit() else (1, part)


def pattern_of(name: str) -> str:
    """The element's name with indexes as ``n`` (cmi.interactions.3.id -> cmi.interactions.n.id)."""
    return ".".join("n" if part.isdigit() else part for part in name.split("."))


def check(kind: str, cmi: Any) -> Checked:
    """Flatten and check a commit's CMI object; LMS-owned elements are ignored, bad ones dropped."""
    checks = CHECKS_12 if kind == "scorm12" else CHECKS_2004
    result = Checked()
    for name, value in flatten(cmi):
        pattern = pattern_of(name)
        if pattern in LMS_OWNED or name in LMS_OWNED:
            continue
        if isinstance(value, (dict, list)):
            continue  # an empty object or array: nothing in it
        rule = checks.get(pattern)
        if value is not None and not isinstance(value, (str, int, float, bool)):
            result.dropped.append({"element": name, "reason": "not a string or a number"})
        elif rule is not None and not rule(value):
            result.dropped.append({"element": name, "reason": f"{value!r} is not a valid value for {pattern}"})
        elif value is not None:
            result.kept[name] = value
    return result


def unwrap(body_cmi: Any) -> Any:
    """The CMI object of a commit: scorm-again's ``{"cmi": {...}}`` or its common-fields form, unwrapped."""
    if isinstance(body_cmi, dict):
        if isinstance(body_cmi.get("runtimeData"), dict):
            body_cmi = body_cmi["runtimeData"]
        if set(body_cmi) == {"cmi"} and isinstance(body_cmi["cmi"], dict):
            return body_cmi["cmi"]
    return body_cmi


# --- durations (RTE 1.2 CMITimespan, RTE 2004 timeinterval (second,10,2)) ---------------


def seconds_of(value: Any) -> float:
    """Seconds in a 1.2 timespan (HH:MM:SS.SS) or an ISO 8601 duration; 0 for anything else."""
    if not isinstance(value, str) or not value:
        return 0.0
    if _TIMESPAN_12.match(value):
        hours, minutes, secs = value.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(secs)
    found = _DURATION.match(value)
    if not found:
        return 0.0
    years, months, days, hours, minutes, secs = (float(g) if g else 0.0 for g in found.groups())
    return (((years * 365 + months * 30 + days) * 24 + hours) * 60 + minutes) * 60 + secs


def iso_duration(seconds: float) -> str:
    """An ISO 8601 duration with a precision of 0.01 s (xAPI SCORM Profile, total_time)."""
    centis = round(seconds * 100)
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    return f"PT{hours}H{minutes}M{rest // 100}.{rest % 100:02d}S"


def timespan_12(seconds: float) -> str:
    """A SCORM 1.2 CMITimespan (HHHH:MM:SS.SS)."""
    centis = round(seconds * 100)
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    return f"{hours:04d}:{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"


def indexed(flat: Flat, array: str) -> dict[int, dict[str, Any]]:
    """The records of one array element (``cmi.interactions``): {index: {field path: value}}."""
    prefix = f"{array}."
    records: dict[int, dict[str, Any]] = {}
    for name, value in flat.items():
        if name.startswith(prefix):
            index, _, rest = name[len(prefix):].partition(".")
            if index.isdigit() and rest:
                records.setdefault(int(index), {})[rest] = value
    return records
