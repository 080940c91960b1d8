"""When a SCO and a course are done, computed on the server from the stored CMI (DESIGN.md, course completion).

One SCO: SCORM 1.2 RTE §3.4.2 (cmi.core.lesson_status; the LMS's rules at LMSFinish
and with a mastery score) and SCORM 2004 RTE §4.2.4 / §4.2.22 (the LMS evaluates
completion_threshold against progress_measure and scaled_passing_score against
score.scaled) with SN §4.2.1's deliveryControls defaults (completionSetByContent and
objectiveSetByContent false: an attempt that ends unreported is completed and satisfied).

The course: 1.2, every SCO completed or passed (a failed SCO is completed, not passed);
2004, the default rollup of the root (SN §4.6: all tracked children completed, none
failed). Where the package defines success (a mastery score, a scaled passing score)
the course is satisfied only when completed AND passed. Full SCORM 2004 sequencing
rollup (the manifest's own rollup rules) plugs in at ``rollup_2004``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from packages.model import CourseModel, Item
from player.course import launchable

COMPLETED_12 = frozenset({"completed", "passed", "failed"})


@dataclass(frozen=True)
class Outcome:
    """One SCO attempt's result: completion ("completed"/"incomplete"/"unknown"), success, the status shown."""

    completion: str
    success: str
    status: str
    scaled: float | None = None


@dataclass(frozen=True)
class CourseOutcome:
    """The course's rollup: completed, and satisfied (completed and, where success is defined, passed)."""

    completed: bool
    satisfied: bool


def _number(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def outcome_12(flat: dict[str, Any], item: Item, *, finished: bool, credit: bool = True) -> Outcome:
    """A SCORM 1.2 SCO's status; at LMSFinish the LMS's rules apply (RTE 1.2 §3.4.2 cmi.core.lesson_status)."""
    status = str(flat.get("cmi.core.lesson_status") or "not attempted")
    raw = _number(flat.get("cmi.core.score.raw"))
    if finished and credit and item.mastery_score is not None and raw is not None:
        status = "passed" if raw >= item.mastery_score else "failed"
    elif finished and status == "not attempted":
        status = "completed"
    completion = "completed" if status in COMPLETED_12 else "incomplete" if status != "not attempted" else "unknown"
    success = status if status in ("passed", "failed") else "unknown"
    # The profile's score schema: 1.2's score.raw divided by 100 is xAPI's score.scaled.
    scaled = None if raw is None else max(-1.0, min(1.0, raw / 100))
    return Outcome(completion, success, status, scaled)


def outcome_2004(flat: dict[str, Any], item: Item, *, finished: bool) -> Outcome:
    """A SCORM 2004 SCO's status, the LMS's evaluations and deliveryControls applied (RTE §4.2.4, §4.2.22; SN §4.2.1)."""
    completion = str(flat.get("cmi.completion_status") or "unknown")
    success = str(flat.get("cmi.success_status") or "unknown")
    measure, scaled = _number(flat.get("cmi.progress_measure")), _number(flat.get("cmi.score.scaled"))
    threshold = completion_threshold(item)
    if threshold is not None and measure is not None:
        completion = "completed" if measure >= threshold else "incomplete"
    passing = scaled_passing_score(item)
    if passing is not None and scaled is not None:
        success = "passed" if scaled >= passing else "failed"
    controls = item.sequencing.delivery_controls if item.sequencing else None
    if finished and not (controls and controls.completion_set_by_content) and completion in ("unknown", "not attempted"):
        completion = "completed"
    if finished and not (controls and controls.objective_set_by_content) and success == "unknown":
        success = "passed"
    if completion == "not attempted":
        completion = "unknown"
    status = success if success in ("passed", "failed") else completion if completion != "unknown" else "not attempted"
    return Outcome(completion, success, status, scaled)


def completion_threshold(item: Item) -> float | None:
    """minProgressMeasure when completedByMeasure (CAM 2004 §3.4.1.18; RTE §4.2.5 cmi.completion_threshold)."""
    threshold = item.completion_threshold
    return threshold.min_progress_measure if threshold is not None and threshold.completed_by_measure else None


def scaled_passing_score(item: Item) -> float | None:
    """The primary objective's minNormalizedMeasure when satisfiedByMeasure (CAM 2004 §5.1.7; RTE §4.2.20)."""
    if item.sequencing is None:
        return None
    for objective in item.sequencing.objectives:
        if objective.primary and objective.satisfied_by_measure:
            return objective.min_normalized_measure
    return None


def defines_success(item: Item) -> bool:
    """True when the package decides pass/fail for this item (mastery score, scaled passing score)."""
    return item.mastery_score is not None or scaled_passing_score(item) is not None


def tracked_items(model: CourseModel) -> list[Item]:
    """The launchable items that count towards the course: SCOs (1.2), SCOs and assets (2004)."""
    items = launchable(model)
    if model.kind == "scorm12":
        return [item for item in items if item.scorm_type != "asset"]
    return [item for item in items if not (item.sequencing and item.sequencing.delivery_controls
                                           and not item.sequencing.delivery_controls.tracked)]


def course_outcome(model: CourseModel, scos: dict[str, Outcome]) -> CourseOutcome:
    """The course's rollup from the stored SCO outcomes (never from what the browser claims)."""
    if model.kind == "scorm2004":
        return rollup_2004(model, scos)
    items = tracked_items(model)
    if not items:
        return CourseOutcome(False, False)
    outcomes = [scos.get(item.identifier) for item in items]
    completed = all(o is not None and o.status in COMPLETED_12 for o in outcomes)
    passed = all(
        o is not None and (o.status == "passed" if defines_success(item) else o.status in COMPLETED_12)
        for item, o in zip(items, outcomes, strict=True)
    )
    return CourseOutcome(completed, completed and passed)


def rollup_2004(model: CourseModel, scos: dict[str, Outcome]) -> CourseOutcome:
    """SN §4.6 default rollup of the root: completed when every tracked leaf is; satisfied when also none failed.

    A leaf with a scaled passing score must have passed; one without may leave its
    success unknown (objectiveSetByContent content that never says), but not failed.
    """
    items = tracked_items(model)
    if not items:
        return CourseOutcome(False, False)
    outcomes = [scos.get(item.identifier) for item in items]
    completed = all(o is not None and o.completion == "completed" for o in outcomes)
    satisfied = all(
        o is not None and (o.success == "passed" if defines_success(item) else o.success != "failed")
        for item, o in zip(items, outcomes, strict=True)
    )
    return CourseOutcome(completed, completed and satisfied)
