"""tincan.xml packages: activities, the launch activity, refusals."""

from __future__ import annotations

from packages.manifest import parse_package
from packages.model import CourseModel
from packages.report import Report
from tests.packages.conftest import source_of

TINCAN = """<?xml version="1.0" encoding="utf-8"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd">
  <activities>
    <activity id="https://rollcall.example/tc/ropes/quiz" type="http://adlnet.gov/expapi/activities/assessment">
      <name>Ropes quiz</name>
    </activity>
    <activity id="https://rollcall.example/tc/ropes" type="http://adlnet.gov/expapi/activities/course">
      <name lang="en-US">Ropes and lines</name>
      <description lang="en-US">Which rope for which job.</description>
      <launch lang="en-us">start/index.html</launch>
    </activity>
  </activities>
</tincan>"""


def parse(xml: str, **files: str) -> tuple[CourseModel | None, Report]:
    report = Report()
    return parse_package(source_of({"tincan.xml": xml, **files}), report), report


def test_course_activity_is_the_launch() -> None:
    model, report = parse(TINCAN, **{"start/index.html": ""})
    assert model is not None and report.entries == []
    assert (model.kind, model.title, model.identifier) == ("tincan", "Ropes and lines", "https://rollcall.example/tc/ropes")
    assert model.description == "Which rope for which job."
    assert [a.id.rsplit("/", 1)[-1] for a in model.tincan_activities] == ["quiz", "ropes"]
    (launch,) = model.launches
    assert launch.href == "start/index.html"


def test_missing_launch_file_warns_and_no_launch_refuses() -> None:
    model, report = parse(TINCAN)
    assert model is not None and report.codes() == ["missing-file"]
    model, report = parse(TINCAN.replace('<launch lang="en-us">start/index.html</launch>', ""))
    assert model is None and [e.code for e in report.errors] == ["no-launch"]


def test_bad_and_duplicate_activity_ids_refuse() -> None:
    _, report = parse(TINCAN.replace("https://rollcall.example/tc/ropes/quiz", "ropes quiz"), **{"start/index.html": ""})
    assert [e.code for e in report.errors] == ["invalid-activity-id"]
    _, report = parse(TINCAN.replace("/tc/ropes/quiz", "/tc/ropes"), **{"start/index.html": ""})
    assert [(e.code, e.line) for e in report.errors] == [("duplicate-id", 7)]
