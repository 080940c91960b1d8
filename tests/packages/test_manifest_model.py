"""The course model: JSON round trips, and activity IRIs that stay put across versions of a course."""

from __future__ import annotations

import json

import pytest

from packages.manifest import assign_activity_ids, parse_package
from packages.model import AU, Block, CourseModel
from packages.report import Report
from tests.packages.conftest import data_file, source_of

SEQ4: dict[str, bytes | str] = {
    "imsmanifest.xml": data_file("scorm2004_4th.xml"), "meta/course.xml": data_file("lom2004.xml"),
    "test/index.html": "", "charts.html": "", "tides.html": ""}
CMI5: dict[str, bytes | str] = {"cmi5.xml": data_file("cmi5_blocks.xml"), "welcome/index.html": "",
                                "skills/cpr.html": ""}
COURSE_IRI = "https://rollcall.example/courses/navigation"


def parse(files: dict[str, bytes | str]) -> CourseModel:
    report = Report()
    model = parse_package(source_of(files), report)
    assert model is not None, report.to_text()
    return model


@pytest.mark.parametrize("files", [SEQ4, CMI5], ids=["scorm2004-4th", "cmi5-blocks"])
def test_json_round_trip_keeps_everything(files: dict[str, bytes | str]) -> None:
    model = parse(files)
    assign_activity_ids(model, COURSE_IRI)
    data = json.loads(json.dumps(model.to_json()))
    again = CourseModel.from_json(data)
    assert again == model
    assert again.to_json() == data


def test_cmi5_nodes_keep_their_type_through_json() -> None:
    again = CourseModel.from_json(json.loads(json.dumps(parse(CMI5).to_json())))
    assert again.cmi5 is not None
    assert [type(n).__name__ for n in again.cmi5.nodes()] == ["AU", "Block", "AU", "Block", "AU"]
    block = again.cmi5.children[1]
    assert isinstance(block, Block) and isinstance(block.children[0], AU)
    assert block.children[0].mastery_score == 0.8


def test_scorm_activity_ids_are_stable_across_versions() -> None:
    first = parse(SEQ4)
    manifest = data_file("scorm2004_4th.xml").decode()
    # Version 2 renames a title and adds an item before the others: ids do not move.
    second_manifest = manifest.replace("<title>Tides</title>", "<title>Tides and currents</title>").replace(
        '<item identifier="pretest"',
        '<item identifier="welcome" identifierref="res_charts"><title>Welcome</title></item>\n'
        '      <item identifier="pretest"', 1)
    second = parse({**SEQ4, "imsmanifest.xml": second_manifest})
    for model in (first, second):
        assign_activity_ids(model, COURSE_IRI)
    ids_first = {launch.key: launch.activity_id for launch in first.launches}
    ids_second = {launch.key: launch.activity_id for launch in second.launches}
    assert ids_first == {key: ids_second[key] for key in ids_first}
    assert ids_first["charts"] == f"{COURSE_IRI}/item/charts"
    assert set(ids_second) - set(ids_first) == {"welcome"}
    org = first.organization()
    assert org is not None and org.activity_id == f"{COURSE_IRI}/organization/navigation"
    assert first.activity_id == COURSE_IRI


def test_cmi5_activity_ids_derive_from_publisher_ids_and_the_course() -> None:
    one, two = parse(CMI5), parse(CMI5)
    assign_activity_ids(one, COURSE_IRI)
    assign_activity_ids(two, COURSE_IRI + "/")
    assert [a.activity_id for a in one.aus()] == [a.activity_id for a in two.aus()]
    other = parse(CMI5)
    assign_activity_ids(other, "https://rollcall.example/courses/another")
    assert not {a.activity_id for a in one.aus()} & {a.activity_id for a in other.aus()}
    # The publisher's AU id stays on the AU for the LaunchData context template (cmi5 §10).
    assert one.aus()[0].id == "https://rollcall.example/cmi5/first-aid/au/welcome"


def test_tincan_activities_keep_their_own_ids() -> None:
    tincan = ('<tincan xmlns="http://projecttincan.com/tincan.xsd"><activities>'
              '<activity id="https://tc.example/golf" type="http://adlnet.gov/expapi/activities/course">'
              "<name>Golf</name><launch>index.html</launch></activity></activities></tincan>")
    model = parse({"tincan.xml": tincan, "index.html": ""})
    assign_activity_ids(model, COURSE_IRI)
    assert model.launches[0].activity_id == "https://tc.example/golf" and model.activity_id == COURSE_IRI


@pytest.mark.parametrize("iri", ["courses/navigation", "", "urn-without-colon"])
def test_course_iri_must_be_absolute(iri: str) -> None:
    with pytest.raises(ValueError, match="absolute"):
        assign_activity_ids(parse(CMI5), iri)
