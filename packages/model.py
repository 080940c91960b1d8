"""One course model for every package kind: SCORM 1.2, SCORM 2004 (2nd-4th), Tin Can and cmi5.

The parsers in ``packages.manifest`` build it; the player and the LRS read it. It is
kept with each course version as JSON (``CourseModel.to_json`` / ``from_json``), so
every field is plain data. Sequencing is kept whole (SCORM 2004 CAM 4th ed. §5) with
``IDRef`` references to the sequencing collection already resolved.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Union

Kind = Literal["scorm12", "scorm2004", "tincan", "cmi5"]
SCHEMA_VERSION = 1


# --- SCORM 2004 sequencing (CAM 4th ed. §5.1, the imsss/adlseq elements) -------------


@dataclass
class ControlMode:
    """<imsss:controlMode> (CAM 2004 §5.1.2)."""

    choice: bool = True
    choice_exit: bool = True
    flow: bool = False
    forward_only: bool = False
    use_current_attempt_objective_info: bool = True
    use_current_attempt_progress_info: bool = True


@dataclass
class RuleCondition:
    """<imsss:ruleCondition> (CAM 2004 §5.1.3.3)."""

    condition: str
    operator: str = "noOp"
    referenced_objective: str | None = None
    measure_threshold: float = 0.0


@dataclass
class SequencingRule:
    """A pre-condition, exit-condition or post-condition rule (CAM 2004 §5.1.3)."""

    timing: Literal["pre", "exit", "post"]
    action: str
    condition_combination: Literal["all", "any"] = "all"
    conditions: list[RuleCondition] = field(default_factory=list)


@dataclass
class LimitConditions:
    """<imsss:limitConditions> (CAM 2004 §5.1.4)."""

    attempt_limit: int | None = None
    attempt_absolute_duration_limit: str | None = None


@dataclass
class RollupCondition:
    """<imsss:rollupCondition> (CAM 2004 §5.1.6.1.2)."""

    condition: str
    operator: str = "noOp"


@dataclass
class RollupRule:
    """<imsss:rollupRule> (CAM 2004 §5.1.6.1)."""

    action: str
    child_activity_set: str = "all"
    minimum_count: int = 0
    minimum_percent: float = 0.0
    condition_combination: Literal["all", "any"] = "any"
    conditions: list[RollupCondition] = field(default_factory=list)


@dataclass
class RollupRules:
    """<imsss:rollupRules> (CAM 2004 §5.1.6)."""

    rollup_objective_satisfied: bool = True
    rollup_progress_completion: bool = True
    objective_measure_weight: float = 1.0
    rules: list[RollupRule] = field(default_factory=list)


@dataclass
class MapInfo:
    """<imsss:mapInfo> plus the 4th edition's <adlseq:mapInfo> (CAM 2004 §5.1.7.1.2, §5.2.2)."""

    target_objective_id: str
    read_satisfied_status: bool = True
    read_normalized_measure: bool = True
    write_satisfied_status: bool = False
    write_normalized_measure: bool = False
    read_raw_score: bool = True
    read_min_score: bool = True
    read_max_score: bool = True
    read_completion_status: bool = True
    read_progress_measure: bool = True
    write_raw_score: bool = False
    write_min_score: bool = False
    write_max_score: bool = False
    write_completion_status: bool = False
    write_progress_measure: bool = False


@dataclass
class Objective:
    """A primary or secondary sequencing objective (CAM 2004 §5.1.7)."""

    objective_id: str | None
    primary: bool = False
    satisfied_by_measure: bool = False
    min_normalized_measure: float = 1.0
    map_info: list[MapInfo] = field(default_factory=list)


@dataclass
class RandomizationControls:
    """<imsss:randomizationControls> (CAM 2004 §5.1.8)."""

    randomization_timing: str = "never"
    select_count: int | None = None
    reorder_children: bool = False
    selection_timing: str = "never"


@dataclass
class DeliveryControls:
    """<imsss:deliveryControls> (CAM 2004 §5.1.9)."""

    tracked: bool = True
    completion_set_by_content: bool = False
    objective_set_by_content: bool = False


@dataclass
class ConstrainedChoiceConsiderations:
    """<adlseq:constrainedChoiceConsiderations> (CAM 2004 §5.2.1)."""

    prevent_activation: bool = False
    constrain_choice: bool = False


@dataclass
class RollupConsiderations:
    """<adlseq:rollupConsiderations> (CAM 2004 §5.2.2)."""

    required_for_satisfied: str = "always"
    required_for_not_satisfied: str = "always"
    required_for_completed: str = "always"
    required_for_incomplete: str = "always"
    measure_satisfaction_if_active: bool = True


@dataclass
class Sequencing:
    """An activity's sequencing definition, with any IDRef from the collection merged in."""

    id: str | None = None
    id_ref: str | None = None
    control_mode: ControlMode | None = None
    rules: list[SequencingRule] = field(default_factory=list)
    limit_conditions: LimitConditions | None = None
    rollup_rules: RollupRules | None = None
    objectives: list[Objective] = field(default_factory=list)
    randomization_controls: RandomizationControls | None = None
    delivery_controls: DeliveryControls | None = None
    constrained_choice_considerations: ConstrainedChoiceConsiderations | None = None
    rollup_considerations: RollupConsiderations | None = None

    def rules_of(self, timing: str) -> list[SequencingRule]:
        """The rules of one timing: "pre", "exit" or "post"."""
        return [rule for rule in self.rules if rule.timing == timing]


# --- SCORM content packaging (CAM 1.2 §2.3, CAM 2004 §3.4) ---------------------------


@dataclass
class CompletionThreshold:
    """<adlcp:completionThreshold> (CAM 2004 3rd ed. §3.4.1.18; 4th ed. attributes)."""

    completed_by_measure: bool = False
    min_progress_measure: float = 1.0
    progress_weight: float = 1.0


@dataclass
class SharedDataMap:
    """<adlcp:map> shared data buckets (CAM 2004 4th ed. §3.4.1.21)."""

    target_id: str
    read_shared_data: bool = True
    write_shared_data: bool = True


@dataclass
class Resource:
    """<resource> with xml:base applied to href and files (CAM 2004 §3.4.1.22)."""

    identifier: str
    type: str = "webcontent"
    scorm_type: str | None = None
    href: str | None = None
    external: bool = False
    files: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)


@dataclass
class Item:
    """<item>: a node of an organization's activity tree (CAM 1.2 §2.3.4, CAM 2004 §3.4.1.12)."""

    identifier: str
    title: str
    resource: str | None = None
    href: str | None = None
    parameters: str | None = None
    scorm_type: str | None = None
    isvisible: bool = True
    mastery_score: float | None = None
    prerequisites: str | None = None
    prerequisites_type: str | None = None
    max_time_allowed: str | None = None
    time_limit_action: str | None = None
    data_from_lms: str | None = None
    completion_threshold: CompletionThreshold | None = None
    shared_data: list[SharedDataMap] = field(default_factory=list)
    sequencing: Sequencing | None = None
    hide_lms_ui: list[str] = field(default_factory=list)
    typical_learning_time: str | None = None
    activity_id: str | None = None
    children: list[Item] = field(default_factory=list)

    def walk(self) -> typing.Iterator[Item]:
        """This item and every descendant, depth first in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Organization:
    """<organization>: one activity tree (CAM 2004 §3.4.1.9)."""

    identifier: str
    title: str
    items: list[Item] = field(default_factory=list)
    sequencing: Sequencing | None = None
    objectives_global_to_system: bool = True
    shared_data_global_to_system: bool = True
    activity_id: str | None = None

    def walk(self) -> typing.Iterator[Item]:
        """Every item of the tree, depth first in document order."""
        for item in self.items:
            yield from item.walk()


# --- Tin Can (tincan.xml) and cmi5 (cmi5 §13 Course Structure) -----------------------


@dataclass
class TinCanActivity:
    """An <activity> of tincan.xml (Rustici Tin Can packaging, "tincan.xml")."""

    id: str
    type: str | None = None
    name: str = ""
    description: str = ""
    launch: str | None = None
    external: bool = False


@dataclass
class Cmi5Objective:
    """A course-level <objective> (cmi5 §13.1.2)."""

    id: str
    title: str = ""
    description: str = ""


@dataclass
class AU:
    """An assignable unit (cmi5 §13.1.4)."""

    NODE: ClassVar[str] = "au"
    id: str
    title: str
    description: str = ""
    url: str = ""
    external: bool = False
    launch_method: Literal["AnyWindow", "OwnWindow"] = "AnyWindow"
    move_on: str = "NotApplicable"
    mastery_score: float | None = None
    launch_parameters: str | None = None
    entitlement_key: str | None = None
    activity_type: str | None = None
    objectives: list[str] = field(default_factory=list)
    activity_id: str | None = None


@dataclass
class Block:
    """A block grouping AUs and blocks (cmi5 §13.1.3)."""

    NODE: ClassVar[str] = "block"
    id: str
    title: str
    description: str = ""
    objectives: list[str] = field(default_factory=list)
    children: list[AU | Block] = field(default_factory=list)
    activity_id: str | None = None


@dataclass
class Cmi5Course:
    """The <course> of a cmi5 course structure and its top-level blocks and AUs (cmi5 §13.1.1)."""

    id: str
    title: str
    description: str = ""
    objectives: list[Cmi5Objective] = field(default_factory=list)
    children: list[AU | Block] = field(default_factory=list)

    def aus(self) -> list[AU]:
        """Every AU, in document order."""
        return [node for node in self.nodes() if isinstance(node, AU)]

    def nodes(self) -> list[AU | Block]:
        """Every block and AU, depth first in document order."""
        found: list[AU | Block] = []
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            found.append(node)
            if isinstance(node, Block):
                stack.extend(reversed(node.children))
        return found


# --- The course ----------------------------------------------------------------------


@dataclass
class Launch:
    """One thing the player can launch: a SCORM item with a resource, a Tin Can activity, an AU."""

    key: str
    title: str
    href: str
    scorm_type: str | None = None
    external: bool = False
    activity_id: str | None = None


@dataclass
class CourseModel:
    """Everything the player and the LRS need from one package."""

    kind: Kind
    title: str
    edition: str | None = None
    identifier: str | None = None
    description: str = ""
    typical_learning_time: str | None = None
    root: str = ""
    manifest: str = ""
    activity_id: str | None = None
    default_organization: str | None = None
    organizations: list[Organization] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    tincan_activities: list[TinCanActivity] = field(default_factory=list)
    cmi5: Cmi5Course | None = None
    launches: list[Launch] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def organization(self) -> Organization | None:
        """The default organization (CAM 2004 §3.4.1.8: the `default` attribute, else the first)."""
        for org in self.organizations:
            if org.identifier == self.default_organization:
                return org
        return self.organizations[0] if self.organizations else None

    def resource(self, identifier: str) -> Resource | None:
        """The resource with this identifier."""
        return next((r for r in self.resources if r.identifier == identifier), None)

    def scos(self) -> list[Launch]:
        """The launchable SCO items (SCORM) in tree order."""
        return [launch for launch in self.launches if launch.scorm_type == "sco"]

    def aus(self) -> list[AU]:
        """The cmi5 AUs in document order."""
        return self.cmi5.aus() if self.cmi5 else []

    def to_json(self) -> dict[str, Any]:
        """The model as JSON-ready data (kept with the course version)."""
        return typing.cast(dict[str, Any], _dump(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CourseModel:
        """Rebuild a model from ``to_json`` data."""
        return typing.cast(CourseModel, _load(cls, data))


_NODES: dict[str, type] = {"au": AU, "block": Block}


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
        node = getattr(type(value), "NODE", None)
        if node:
            out["node"] = node
        return out
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


def _load(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _load(args[0], data)
        if isinstance(data, dict) and "node" in data:
            return _load(_NODES[data["node"]], data)
        return data
    if origin is list:
        (inner,) = typing.get_args(tp)
        return [_load(inner, v) for v in data]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        kwargs = {f.name: _load(hints[f.name], data[f.name]) for f in dataclasses.fields(tp) if f.name in data}
        return tp(**kwargs)
    return data
