"""Every real vendor package parses into the right model; every broken one is refused with its own error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from packages.manifest import assign_activity_ids, parse_package
from packages.model import AU, CourseModel
from packages.report import Report
from tests.packages.conftest import ZipSource

# (file, kind, edition, title, SCO or AU count)
GOOD = [
    ("scorm12/RuntimeBasicCalls_SCORM12.zip", "scorm12", "1.2", "Golf Explained - Run-time Basic Calls", 1),
    ("scorm12/ContentPackagingSingleSCO_SCORM12.zip", "scorm12", "1.2", "Golf Explained - CP Single SCO", 1),
    ("scorm12/RuntimeMinimumCalls_SCORM12-mini.zip", "scorm12", "1.2",
     "Golf Explained - Minimum Run-time Calls", 9),
    ("scorm2004/RuntimeBasicCalls_SCORM20043rdEdition.zip", "scorm2004", "2004 3rd",
     "Golf Explained - Run-time Basic Calls", 1),
    ("scorm2004/RunTimeAdvancedCalls_SCORM20043rdEdition.zip", "scorm2004", "2004 3rd",
     "Golf Explained - Run-time Advanced Calls", 1),
    ("scorm2004/ContentPackagingSingleSCO_SCORM20042ndEdition.zip", "scorm2004", "2004 2nd",
     "Golf Explained - CP Single SCO", 1),
    ("scorm2004/SequencingSimpleRemediation_SCORM20043rdEdition.zip", "scorm2004", "2004 3rd",
     "Golf Explained - Simple Remediation", 8),
    ("tincan/GolfExample_TCAPI.zip", "tincan", None, "Tin Can Golf Example", 1),
    ("cmi5/CATAPULT_single_au_basic_responsive.zip", "cmi5", None,
     "Introduction to Geology - Responsive Style", 1),
    ("cmi5/CATAPULT_multi_au_framed.zip", "cmi5", None, "Introduction to Geology - Multi AU at Root", 8),
]

# The error each broken package's README line names.
BROKEN = [
    ("moodle_badscorm.zip", "empty-manifest", "badscorm/imsmanifest.xml"),
    ("moodle_invalid.zip", "no-manifest", None),
    ("CATAPULT-LTS_205-3-duplicated-au.zip", "duplicate-id", "cmi5.xml"),
    ("CATAPULT-LTS_206-1-invalid-au-url.zip", "invalid-au-url", "cmi5.xml"),
    ("CATAPULT-LTS_207-1-invalid-courseStructure.zip", "schema", "cmi5.xml"),
]


def _parse(path: Path) -> tuple[CourseModel | None, Report]:
    report = Report()
    return parse_package(ZipSource(path), report), report


@pytest.mark.parametrize(("name", "kind", "edition", "title", "count"), GOOD, ids=[g[0] for g in GOOD])
def test_vendor_package_parses(
    shared_fixtures: Path, name: str, kind: str, edition: str | None, title: str, count: int
) -> None:
    model, report = _parse(shared_fixtures / name)
    assert report.ok, report.to_text()
    assert model is not None
    assert (model.kind, model.edition, model.title) == (kind, edition, title)
    assert (report.kind, report.title) == (kind, title)
    launchable = {"cmi5": len(model.aus()), "tincan": len(model.launches)}.get(kind, len(model.scos()))
    assert launchable == count
    assert model.root == ""
    # The model survives its trip through JSON (it is stored with the course version).
    assert CourseModel.from_json(json.loads(json.dumps(model.to_json()))) == model


def test_minimum_calls_tree_has_two_aggregations_of_scos(shared_fixtures: Path) -> None:
    model, _ = _parse(shared_fixtures / "scorm12/RuntimeMinimumCalls_SCORM12-mini.zip")
    assert model is not None
    org = model.organization()
    assert org is not None and org.identifier == "golf_sample_default_org"
    assert [i.title for i in org.items] == ["Playing the Game", "Having Fun"]
    assert [len(i.children) for i in org.items] == [6, 3]
    quiz = org.items[0].children[-1]
    assert quiz.parameters == "?questions=Playing"
    assert quiz.href == "shared/assessmenttemplate.html?questions=Playing"
    common = model.resource("common_files")
    assert common is not None and common.scorm_type == "asset" and "shared/style.css" in common.files


def test_simple_remediation_keeps_its_sequencing(shared_fixtures: Path) -> None:
    model, _ = _parse(shared_fixtures / "scorm2004/SequencingSimpleRemediation_SCORM20043rdEdition.zip")
    assert model is not None
    org = model.organization()
    assert org is not None and not org.objectives_global_to_system
    assert org.sequencing is not None and org.sequencing.control_mode is not None
    assert (org.sequencing.control_mode.choice, org.sequencing.control_mode.flow) == (False, True)
    items = {item.identifier: item for item in org.walk()}
    wrapper = items["content_wrapper"]
    assert not wrapper.isvisible
    assert wrapper.sequencing is not None
    post = wrapper.sequencing.rules_of("post")
    assert [(r.action, r.condition_combination) for r in post] == [("retry", "any"), ("exitAll", "any")]
    assert [(c.operator, c.condition) for c in post[0].conditions] == [
        ("not", "satisfied"), ("not", "objectiveStatusKnown")]
    # test_4 names the collection's test_seq_rules and adds its own post rule: both apply.
    test4 = items["test_4"].sequencing
    assert test4 is not None and test4.id_ref == "test_seq_rules"
    assert [(r.timing, r.action) for r in test4.rules] == [("pre", "skip"), ("post", "exitParent")]
    assert test4.rollup_rules is not None and test4.rollup_rules.objective_measure_weight == 1.0
    assert test4.rollup_considerations is not None
    assert test4.rollup_considerations.required_for_completed == "ifNotSkipped"
    assert test4.delivery_controls is not None and test4.delivery_controls.objective_set_by_content
    (primary,) = test4.objectives
    assert primary.primary and primary.objective_id == "learning_objective_satisfied"
    (mapping,) = primary.map_info
    assert mapping.target_objective_id.endswith("havingfun_satisfied")
    assert mapping.write_satisfied_status and mapping.write_normalized_measure
    # Content items reference content_seq_rules: no rollup contribution.
    playing = items["playing_item"].sequencing
    assert playing is not None and playing.rollup_rules is not None
    assert playing.rollup_rules.objective_measure_weight == 0.0
    assert not playing.rollup_rules.rollup_objective_satisfied
    assert items["playing_item"].href == "shared/launchpage.html?content=playing"


def test_advanced_calls_primary_objective_by_measure(shared_fixtures: Path) -> None:
    model, _ = _parse(shared_fixtures / "scorm2004/RunTimeAdvancedCalls_SCORM20043rdEdition.zip")
    assert model is not None
    (item,) = [i for i in model.organization().walk()]  # type: ignore[union-attr]
    assert item.sequencing is not None
    primary = item.sequencing.objectives[0]
    assert (primary.primary, primary.satisfied_by_measure, primary.min_normalized_measure) == (True, True, 0.8)
    assert [o.objective_id for o in item.sequencing.objectives[1:]] == [
        "obj_etiquette", "obj_handicapping", "obj_havingfun", "obj_playing"]


def test_tincan_golf_activity_and_launch(shared_fixtures: Path) -> None:
    model, _ = _parse(shared_fixtures / "tincan/GolfExample_TCAPI.zip")
    assert model is not None
    (activity,) = model.tincan_activities
    assert activity.id == "http://id.tincanapi.com/activity/tincan-prototypes/golf-example"
    assert activity.type == "http://adlnet.gov/expapi/activities/course"
    assert activity.launch == "index.html" and model.launches[0].href == "index.html"
    assert model.description == "An overview of the sport of golf."


def test_catapult_multi_au_move_on_and_urls(shared_fixtures: Path) -> None:
    model, _ = _parse(shared_fixtures / "cmi5/CATAPULT_multi_au_framed.zip")
    assert model is not None and model.cmi5 is not None
    assert model.cmi5.id == "https://w3id.org/xapi/cmi5/catapult/lts/course/geology-intro-multi-au-framed"
    aus = model.aus()
    assert [au.move_on for au in aus] == ["CompletedOrPassed"] * 7 + ["CompletedAndPassed"]
    assert aus[0].url == "index.html?pages=1&complete=launch"
    assert all(au.launch_method == "AnyWindow" and au.mastery_score is None for au in aus)
    assert aus[-1].title == "Quiz"
    assign_activity_ids(model, "https://rollcall.example/courses/geology")
    ids = [au.activity_id for au in aus]
    assert len(set(ids)) == 8 and all(i and i.startswith("https://rollcall.example/courses/geology/au/") for i in ids)
    assert [launch.activity_id for launch in model.launches] == ids
    assert all(isinstance(node, AU) for node in model.cmi5.children)


@pytest.mark.parametrize(("name", "code", "file"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_package_refused_with_its_error(shared_fixtures: Path, name: str, code: str, file: str | None) -> None:
    model, report = _parse(shared_fixtures / "broken" / name)
    assert model is None and not report.ok
    assert code in [e.code for e in report.errors], report.to_text()
    entry = next(e for e in report.errors if e.code == code)
    assert entry.file == file
    if file == "cmi5.xml":
        assert entry.line is not None and entry.line > 15
    assert "REFUSED" in report.to_text()


def test_catapult_errors_point_at_the_offending_lines(shared_fixtures: Path) -> None:
    _, duplicated = _parse(shared_fixtures / "broken/CATAPULT-LTS_205-3-duplicated-au.zip")
    (dup,) = [e for e in duplicated.errors if e.code == "duplicate-id"]
    assert dup.line == 36 and "line 27" in dup.message
    _, bad_url = _parse(shared_fixtures / "broken/CATAPULT-LTS_206-1-invalid-au-url.zip")
    assert [(e.code, e.line) for e in bad_url.errors] == [("invalid-au-url", 34)]
    _, bad_order = _parse(shared_fixtures / "broken/CATAPULT-LTS_207-1-invalid-courseStructure.zip")
    schema = next(e for e in bad_order.errors if e.code == "schema")
    assert schema.line == 26 and "title" in schema.message and "url" in schema.message
