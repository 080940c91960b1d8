"""SCORM 2004 sequencing definitions (CAM 4th ed. §5: imsss, adlseq), read whole, values checked."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar

from lxml import etree

from packages.manifest.xml import attr, child, children, elements, lineno, local, text
from packages.model import (
    ConstrainedChoiceConsiderations,
    ControlMode,
    DeliveryControls,
    LimitConditions,
    MapInfo,
    Objective,
    RandomizationControls,
    RollupCondition,
    RollupConsiderations,
    RollupRule,
    RollupRules,
    RuleCondition,
    Sequencing,
    SequencingRule,
)
from packages.report import Report

# Vocabularies of the imsss/adlseq XSDs (CAM 2004 4th ed. §5.1.3-§5.2.2).
RULE_CONDITIONS = (
    "satisfied", "objectiveStatusKnown", "objectiveMeasureKnown", "objectiveMeasureGreaterThan",
    "objectiveMeasureLessThan", "completed", "activityProgressKnown", "attempted", "attemptLimitExceeded",
    "timeLimitExceeded", "outsideAvailableTimeRange", "always",
)
RULE_ACTIONS = {
    "pre": ("skip", "disabled", "hiddenFromChoice", "stopForwardTraversal"),
    "exit": ("exit",),
    "post": ("exitParent", "exitAll", "retry", "retryAll", "continue", "previous"),
}
ROLLUP_CONDITIONS = tuple(c for c in RULE_CONDITIONS if c not in (
    "objectiveMeasureGreaterThan", "objectiveMeasureLessThan", "always"))
ROLLUP_ACTIONS = ("satisfied", "notSatisfied", "completed", "incomplete")
CHILD_SETS = ("all", "any", "none", "atLeastCount", "atLeastPercent")
TIMINGS = ("never", "once", "onEachNewAttempt")
REQUIRED_FOR = ("always", "ifAttempted", "ifNotSkipped", "ifNotSuspended")
OPERATORS = ("not", "noOp")
COMBINATIONS = ("all", "any")
T = TypeVar("T")


@dataclass
class Reader:
    """Reads attribute values of one manifest, reporting bad ones as schema errors with their line."""

    name: str
    report: Report

    def bad(self, el: etree._Element, message: str) -> None:
        """Record a value the imsss/adlseq schema does not allow."""
        self.report.error("schema", f"<{local(el)}>: {message}", self.name, lineno(el))

    def boolean(self, el: etree._Element, name: str, default: bool, fam: str | None = None) -> bool:
        """An xs:boolean attribute."""
        value = attr(el, name, fam)
        if value is None:
            return default
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0"):
            return False
        self.bad(el, f"{name}={value!r} is not true or false")
        return default

    def number(self, el: etree._Element, name: str, default: float, low: float, high: float) -> float:
        """A decimal attribute within [low, high]."""
        value = attr(el, name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not low <= number <= high:
            self.bad(el, f"{name}={value!r} is not a number from {low:g} to {high:g}")
            return default
        return number

    def integer(self, el: etree._Element, name: str) -> int | None:
        """A non-negative integer attribute."""
        value = attr(el, name)
        if value is None:
            return None
        if not value.isdigit():
            self.bad(el, f"{name}={value!r} is not a non-negative integer")
            return None
        return int(value)

    def choice(self, el: etree._Element, name: str, allowed: tuple[str, ...], default: str | None) -> str:
        """An enumerated attribute."""
        value = attr(el, name)
        if value is None:
            if default is None:
                self.bad(el, f"the {name} attribute is required")
                return ""
            return default
        if value not in allowed:
            self.bad(el, f"{name}={value!r} is not one of {', '.join(allowed)}")
            return default or value
        return value


def parse_sequencing(el: etree._Element, rd: Reader) -> Sequencing:
    """One <imsss:sequencing> element (CAM 2004 §5.1), IDRef not yet resolved."""
    seq = Sequencing(id=attr(el, "ID"), id_ref=attr(el, "IDRef"))
    seq.control_mode = _fill(child(el, "controlMode", "imsss"), ControlMode, rd)
    for rules in children(el, "sequencingRules", "imsss"):
        for timing in ("pre", "exit", "post"):
            for rule in children(rules, f"{timing}ConditionRule", "imsss"):
                seq.rules.append(_rule(rule, timing, rd))
    seq.limit_conditions = _fill(child(el, "limitConditions", "imsss"), LimitConditions, rd)
    node = child(el, "rollupRules", "imsss")
    if node is not None:
        seq.rollup_rules = _rollup(node, rd)
    node = child(el, "objectives", "imsss")
    if node is not None:
        seq.objectives = _objectives(node, rd)
    extra = child(el, "objectives", "adlseq")
    if extra is not None:
        _adl_objectives(extra, seq.objectives, rd)
    seq.randomization_controls = _fill(
        child(el, "randomizationControls", "imsss"), RandomizationControls, rd, TIMINGS)
    seq.delivery_controls = _fill(child(el, "deliveryControls", "imsss"), DeliveryControls, rd)
    seq.constrained_choice_considerations = _fill(
        child(el, "constrainedChoiceConsiderations", "adlseq"), ConstrainedChoiceConsiderations, rd)
    seq.rollup_considerations = _fill(
        child(el, "rollupConsiderations", "adlseq"), RollupConsiderations, rd, REQUIRED_FOR)
    return seq


def camel(name: str) -> str:
    """The XML attribute name of a model field: attempt_limit -> attemptLimit."""
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)


def _fill(node: etree._Element | None, cls: type[T], rd: Reader, choices: tuple[str, ...] = ()) -> T | None:
    """Build a flat sequencing dataclass from the attributes of its element, each checked by its type."""
    if node is None:
        return None
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = camel(f.name)
        if isinstance(f.default, bool):
            values[f.name] = rd.boolean(node, name, f.default)
        elif isinstance(f.default, str):
            values[f.name] = rd.choice(node, name, choices, f.default)
        elif str(f.type).startswith("int"):
            values[f.name] = rd.integer(node, name)
        else:
            values[f.name] = attr(node, name)
    return cls(**values)


def _rule(el: etree._Element, timing: str, rd: Reader) -> SequencingRule:
    conditions_el = child(el, "ruleConditions", "imsss")
    action_el = child(el, "ruleAction", "imsss")
    rule = SequencingRule(timing=timing, action="")  # type: ignore[arg-type]
    if action_el is None:
        rd.bad(el, "a sequencing rule needs a <ruleAction>")
    else:
        rule.action = rd.choice(action_el, "action", RULE_ACTIONS[timing], None)
    if conditions_el is None:
        rd.bad(el, "a sequencing rule needs <ruleConditions>")
        return rule
    rule.condition_combination = rd.choice(  # type: ignore[assignment]
        conditions_el, "conditionCombination", COMBINATIONS, "all")
    for cond in children(conditions_el, "ruleCondition", "imsss"):
        rule.conditions.append(RuleCondition(
            condition=rd.choice(cond, "condition", RULE_CONDITIONS, None),
            operator=rd.choice(cond, "operator", OPERATORS, "noOp"),
            referenced_objective=attr(cond, "referencedObjective"),
            measure_threshold=rd.number(cond, "measureThreshold", 0.0, -1.0, 1.0),
        ))
    return rule


def _rollup(el: etree._Element, rd: Reader) -> RollupRules:
    rollup = RollupRules(
        rollup_objective_satisfied=rd.boolean(el, "rollupObjectiveSatisfied", True),
        rollup_progress_completion=rd.boolean(el, "rollupProgressCompletion", True),
        objective_measure_weight=rd.number(el, "objectiveMeasureWeight", 1.0, 0.0, 1.0),
    )
    for rule_el in children(el, "rollupRule", "imsss"):
        action_el = child(rule_el, "rollupAction", "imsss")
        rule = RollupRule(
            action=rd.choice(action_el, "action", ROLLUP_ACTIONS, None) if action_el is not None else "",
            child_activity_set=rd.choice(rule_el, "childActivitySet", CHILD_SETS, "all"),
            minimum_count=rd.integer(rule_el, "minimumCount") or 0,
            minimum_percent=rd.number(rule_el, "minimumPercent", 0.0, 0.0, 1.0),
        )
        if action_el is None:
            rd.bad(rule_el, "a rollup rule needs a <rollupAction>")
        conditions_el = child(rule_el, "rollupConditions", "imsss")
        if conditions_el is not None:
            rule.condition_combination = rd.choice(  # type: ignore[assignment]
                conditions_el, "conditionCombination", COMBINATIONS, "any")
            for cond in children(conditions_el, "rollupCondition", "imsss"):
                rule.conditions.append(RollupCondition(
                    condition=rd.choice(cond, "condition", ROLLUP_CONDITIONS, None),
                    operator=rd.choice(cond, "operator", OPERATORS, "noOp"),
                ))
        rollup.rules.append(rule)
    return rollup


def _objectives(el: etree._Element, rd: Reader) -> list[Objective]:
    found: list[Objective] = []
    for obj_el in elements(el):
        if local(obj_el) not in ("primaryObjective", "objective"):
            continue
        primary = local(obj_el) == "primaryObjective"
        objective_id = attr(obj_el, "objectiveID")
        if not primary and not objective_id:
            rd.bad(obj_el, "a secondary objective needs an objectiveID")
        measure_el = child(obj_el, "minNormalizedMeasure", "imsss")
        measure = 1.0
        if measure_el is not None:
            try:
                measure = float(text(measure_el))
            except ValueError:
                rd.bad(measure_el, f"{text(measure_el)!r} is not a number from -1 to 1")
        objective = Objective(
            objective_id=objective_id,
            primary=primary,
            satisfied_by_measure=rd.boolean(obj_el, "satisfiedByMeasure", False),
            min_normalized_measure=measure,
        )
        for info in children(obj_el, "mapInfo", "imsss"):
            target = attr(info, "targetObjectiveID")
            if not target:
                rd.bad(info, "mapInfo needs a targetObjectiveID")
            objective.map_info.append(MapInfo(
                target_objective_id=target or "",
                read_satisfied_status=rd.boolean(info, "readSatisfiedStatus", True),
                read_normalized_measure=rd.boolean(info, "readNormalizedMeasure", True),
                write_satisfied_status=rd.boolean(info, "writeSatisfiedStatus", False),
                write_normalized_measure=rd.boolean(info, "writeNormalizedMeasure", False),
            ))
        found.append(objective)
    return found


_ADL_MAP = ("read_raw_score", "read_min_score", "read_max_score", "read_completion_status",
            "read_progress_measure", "write_raw_score", "write_min_score", "write_max_score",
            "write_completion_status", "write_progress_measure")


def _adl_objectives(el: etree._Element, objectives: list[Objective], rd: Reader) -> None:
    """The 4th edition's <adlseq:objectives> extend the imsss ones' mapInfo (CAM 2004 4th ed. §5.2.3)."""
    by_id = {o.objective_id: o for o in objectives}
    for obj_el in children(el, "objective", "adlseq"):
        objective = by_id.get(attr(obj_el, "objectiveID"))
        if objective is None:
            rd.bad(obj_el, f"objectiveID={attr(obj_el, 'objectiveID')!r} names no imsss objective of this activity")
            continue
        for info in children(obj_el, "mapInfo", "adlseq"):
            target = attr(info, "targetObjectiveID") or ""
            values: dict[str, Any] = {}
            for field_name in _ADL_MAP:
                values[field_name] = rd.boolean(info, camel(field_name), field_name.startswith("read"))
            existing = next((m for m in objective.map_info if m.target_objective_id == target), None)
            if existing is None:
                objective.map_info.append(MapInfo(target_objective_id=target, read_satisfied_status=False,
                                                  read_normalized_measure=False, **values))
            else:
                for key, value in values.items():
                    setattr(existing, key, value)


def merge(local_seq: Sequencing, shared: Sequencing) -> Sequencing:
    """Resolve an IDRef: the local definition's elements override the collection's, rules per timing.

    CAM 2004 §5.1 (sequencing IDRef): the referenced sequencing is the base, anything
    the item states itself wins, as the ADL sample RTE applies it element by element.
    """
    merged = dataclasses.replace(copy.deepcopy(shared), id=local_seq.id, id_ref=local_seq.id_ref)
    for f in dataclasses.fields(Sequencing):
        if f.name in ("id", "id_ref", "rules"):
            continue
        value = getattr(local_seq, f.name)
        if value not in (None, []):
            setattr(merged, f.name, value)
    rules = []
    for timing in ("pre", "exit", "post"):
        rules.extend(local_seq.rules_of(timing) or shared.rules_of(timing))
    merged.rules = rules
    return merged
