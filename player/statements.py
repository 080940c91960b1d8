"""The xAPI statements of a SCO attempt, as ADL's xAPI SCORM Profile lays them out (§3.2, §5.0, §6.0).

Every statement: actor the learner, object the SCO (type lesson) or one of its
interactions, ``context.registration``, ``contextActivities.category`` the profile,
``grouping`` the course and the SCO attempt. Ids are UUIDv5 of (attempt, launch
session, commit seq, element), so a retried commit stores nothing new and a later
session never collides with an earlier one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from lrs import vocab

#: Fixed forever: statement ids derive from it.
STATEMENT_NAMESPACE = uuid.UUID("5d0c8f2a-7b3e-5f19-a4c6-2e8b1d7f9a03")
INTERACTION_TYPES = frozenset(
    {"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert",
     "numeric", "other"}
)
VERB_NAMES = {
    vocab.VERB_INITIALIZED: "initialized",
    vocab.VERB_RESUMED: "resumed",
    vocab.VERB_SUSPENDED: "suspended",
    vocab.VERB_TERMINATED: "terminated",
    vocab.VERB_COMPLETED: "completed",
    vocab.VERB_PASSED: "passed",
    vocab.VERB_FAILED: "failed",
    vocab.VERB_SCORED: "scored",
    vocab.VERB_RESPONDED: "responded",
    vocab.VERB_COMMENTED: "commented",
}


@dataclass(frozen=True)
class Context:
    """Who, in which registration and attempt, on which SCO: what every statement of a commit shares."""

    agent: dict[str, Any]
    registration: str
    course_iri: str
    course_title: str
    sco_iri: str
    sco_title: str
    attempt_iri: str
    session: str
    seq: int


def now() -> str:
    """The server's clock as an xAPI timestamp (UTC)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def statement_id(ctx: Context, element: str) -> str:
    """The statement's id: UUIDv5 of (attempt, launch session, commit seq, element)."""
    return str(uuid.uuid5(STATEMENT_NAMESPACE, f"{ctx.attempt_iri}|{ctx.session}|{ctx.seq}|{element}"))


def _activity(iri: str, kind: str, name: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri, "definition": {"type": kind, "name": {"en-US": name}}}


def context_of(ctx: Context, *, parent: bool = False) -> dict[str, Any]:
    """context: registration, the profile category, the course and attempt grouping (profile §3.2 Context)."""
    activities: dict[str, Any] = {
        "category": [{"id": vocab.SCORM_PROFILE_CATEGORY, "definition": {"type": vocab.ACTIVITY_PROFILE}}],
        "grouping": [
            _activity(ctx.course_iri, vocab.ACTIVITY_COURSE, ctx.course_title),
            _activity(ctx.attempt_iri, vocab.ACTIVITY_ATTEMPT, f"Attempt of {ctx.sco_title}"),
        ],
    }
    if parent:
        activities["parent"] = [{"id": ctx.sco_iri, "objectType": "Activity"}]
    return {"registration": ctx.registration, "contextActivities": activities}


def statement(
    ctx: Context, verb: str, element: str, *, result: dict[str, Any] | None = None,
    obj: dict[str, Any] | None = None, timestamp: str | None = None,
) -> dict[str, Any]:
    """One statement about the SCO (or ``obj`` inside it)."""
    made: dict[str, Any] = {
        "id": statement_id(ctx, element),
        "actor": ctx.agent,
        "verb": {"id": verb, "display": {"en-US": VERB_NAMES[verb]}},
        "object": obj or _activity(ctx.sco_iri, vocab.ACTIVITY_LESSON, ctx.sco_title),
        "context": context_of(ctx, parent=obj is not None),
        "timestamp": timestamp or now(),
    }
    if result:
        made["result"] = result
    return made


def score_of(scaled: float | None, raw: Any = None, low: Any = None, high: Any = None) -> dict[str, Any] | None:
    """result.score from SCORM's score elements, keeping only what xAPI accepts (Data §2.4.5.1)."""
    score: dict[str, Any] = {}
    if scaled is not None and -1 <= scaled <= 1:
        score["scaled"] = round(scaled, 4)
    numbers = {}
    for key, value in (("raw", raw), ("min", low), ("max", high)):
        try:
            if value not in (None, ""):
                numbers[key] = float(value)
        except (TypeError, ValueError):
            continue
    if "min" in numbers and "max" in numbers and numbers["min"] > numbers["max"]:
        numbers.pop("min"), numbers.pop("max")
    raw_ok = "raw" in numbers and numbers.get("min", numbers["raw"]) <= numbers["raw"] <= numbers.get("max", numbers["raw"])
    if not raw_ok:
        numbers.pop("raw", None)
    score.update(numbers)
    return score or None


def interaction_object(ctx: Context, record: dict[str, Any], index: int) -> dict[str, Any]:
    """The interaction activity (profile §6.0 Interactions; xAPI Data §2.4.4.1.1 interaction activities)."""
    key = str(record.get("id") or index)
    definition: dict[str, Any] = {
        "type": vocab.ACTIVITY_INTERACTION,
        "name": {"en-US": str(record.get("description") or key)},
    }
    kind = record.get("type")
    if kind in INTERACTION_TYPES:
        definition["interactionType"] = kind
    return {"objectType": "Activity", "id": f"{ctx.sco_iri}/interactions/{quote(key, safe='')}",
            "definition": definition}
