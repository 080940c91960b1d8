"""SCORM 2004 4th edition sequencing and navigation data, kept whole in the model."""

from __future__ import annotations

import pytest

from packages.manifest import parse_package
from packages.model import CourseModel, Item
from packages.report import Report
from tests.packages.conftest import data_file, source_of

FILES: dict[str, bytes | str] = {
    "imsmanifest.xml": data_file("scorm2004_4th.xml"),
    "meta/course.xml": data_file("lom2004.xml"),
    "test/index.html": "", "charts.html": "", "tides.html": "",
}


def parse(files: dict[str, bytes | str]) -> tuple[CourseModel | None, Report]:
    report = Report()
    return parse_package(source_of(files), report), report


@pytest.fixture
def model() -> CourseModel:
    parsed, report = parse(FILES)
    assert parsed is not None and report.entries == [], report.to_text()
    return parsed


def items(model: CourseModel) -> dict[str, Item]:
    org = model.organization()
    assert org is not None
    return {item.identifier: item for item in org.walk()}


def test_edition_metadata_file_and_organization_flags(model: CourseModel) -> None:
    assert (model.kind, model.edition, model.title) == ("scorm2004", "2004 4th", "Coastal Navigation")
    assert model.description == "Plotting a course along the coast."
    assert model.typical_learning_time == "PT2H15M"
    org = model.organization()
    assert org is not None
    assert not org.objectives_global_to_system and not org.shared_data_global_to_system
    assert org.sequencing is not None and org.sequencing.control_mode is not None
    assert not org.sequencing.control_mode.choice


def test_default_namespace_sequencing_limits_and_threshold(model: CourseModel) -> None:
    pretest = items(model)["pretest"]
    seq = pretest.sequencing
    assert seq is not None and seq.control_mode is not None
    assert (seq.control_mode.choice, seq.control_mode.flow, seq.control_mode.forward_only) == (False, True, True)
    assert seq.limit_conditions is not None
    assert (seq.limit_conditions.attempt_limit, seq.limit_conditions.attempt_absolute_duration_limit) == (1, "PT15M")
    assert pretest.max_time_allowed == "PT15M"
    (primary,) = seq.objectives
    assert (primary.satisfied_by_measure, primary.min_normalized_measure) == (True, 0.75)
    (info,) = primary.map_info
    assert (info.target_objective_id, info.read_satisfied_status, info.write_satisfied_status) == (
        "g.charts", False, True)
    threshold = pretest.completion_threshold
    assert threshold is not None
    assert (threshold.completed_by_measure, threshold.min_progress_measure, threshold.progress_weight) == (
        True, 0.6, 0.5)
    assert pretest.href == "test/index.html?mode=pre"


def test_cluster_rules_rollup_randomization_and_adlseq(model: CourseModel) -> None:
    seq = items(model)["module"].sequencing
    assert seq is not None and seq.control_mode is not None
    assert not seq.control_mode.choice_exit and not seq.control_mode.use_current_attempt_objective_info
    (pre,) = seq.rules_of("pre")
    assert (pre.action, pre.condition_combination) == ("disabled", "any")
    (condition,) = pre.conditions
    assert (condition.condition, condition.referenced_objective, condition.measure_threshold) == (
        "objectiveMeasureGreaterThan", "module_primary", 0.5)
    assert [r.action for r in seq.rules_of("exit")] == ["exit"]
    rollup = seq.rollup_rules
    assert rollup is not None
    assert (rollup.rollup_objective_satisfied, rollup.rollup_progress_completion,
            rollup.objective_measure_weight) == (True, False, 0.5)
    (rule,) = rollup.rules
    assert (rule.child_activity_set, rule.minimum_percent, rule.condition_combination, rule.action) == (
        "atLeastPercent", 0.5, "all", "notSatisfied")
    assert [(c.operator, c.condition) for c in rule.conditions] == [("not", "attempted")]
    random = seq.randomization_controls
    assert random is not None
    assert (random.randomization_timing, random.select_count, random.reorder_children, random.selection_timing) == (
        "onEachNewAttempt", 1, True, "once")
    ccc = seq.constrained_choice_considerations
    assert ccc is not None and ccc.prevent_activation and ccc.constrain_choice
    considerations = seq.rollup_considerations
    assert considerations is not None
    assert considerations.required_for_satisfied == "ifAttempted"
    assert considerations.required_for_completed == "always"
    assert not considerations.measure_satisfaction_if_active


def test_collection_reference_adl_map_info_navigation_and_shared_data(model: CourseModel) -> None:
    charts = items(model)["charts"]
    seq = charts.sequencing
    assert seq is not None and seq.id_ref == "content_rules"
    assert [(r.timing, r.action) for r in seq.rules] == [("post", "continue")]
    assert seq.delivery_controls is not None
    assert not seq.delivery_controls.tracked and seq.delivery_controls.completion_set_by_content
    primary, secondary = seq.objectives
    assert (primary.objective_id, secondary.objective_id, secondary.primary) == (
        "charts_primary", "charts_secondary", False)
    (info,) = primary.map_info
    assert info.write_raw_score and not info.read_completion_status and info.read_satisfied_status
    assert charts.hide_lms_ui == ["continue", "previous"]
    assert (charts.time_limit_action, charts.data_from_lms) == ("continue,no message", "chart=2052")
    (shared,) = charts.shared_data
    assert (shared.target_id, shared.read_shared_data, shared.write_shared_data) == ("notes", True, False)
    # An IDRef alone takes everything from the collection.
    tides = items(model)["tides"].sequencing
    assert tides is not None and [r.action for r in tides.rules] == ["continue"]
    assert tides.delivery_controls is not None and not tides.delivery_controls.tracked


@pytest.mark.parametrize(("old", "new", "fragment"), [
    ('action="disabled"', 'action="explode"', "action='explode'"),
    ('choiceExit="false"', 'choiceExit="maybe"', "choiceExit='maybe'"),
    ('minimumPercent="0.5"', 'minimumPercent="1.5"', "minimumPercent='1.5'"),
    ('selectCount="1"', 'selectCount="-1"', "selectCount='-1'"),
    ('requiredForSatisfied="ifAttempted"', 'requiredForSatisfied="sometimes"', "sometimes"),
    ('<adlnav:hideLMSUI>previous</adlnav:hideLMSUI>', '<adlnav:hideLMSUI>back</adlnav:hideLMSUI>', "'back'"),
    ('IDRef="content_rules"/>', 'IDRef="no_such_rules"/>', "no_such_rules"),
])
def test_values_the_schema_forbids_refuse_the_package_with_their_line(old: str, new: str, fragment: str) -> None:
    manifest = data_file("scorm2004_4th.xml").decode()
    assert old in manifest
    line = manifest[: manifest.index(old)].count("\n") + 1
    model, report = parse({**FILES, "imsmanifest.xml": manifest.replace(old, new, 1)})
    assert model is None
    (error,) = report.errors
    assert error.code in ("schema", "broken-reference") and fragment in error.message
    assert error.line == line
