"""cmi5 course structures (cmi5 §13): blocks, objectives, AU attributes, hand-checked schema rules."""

from __future__ import annotations

import pytest

from packages.manifest import parse_cmi5_xml, parse_package
from packages.model import AU, Block, CourseModel
from packages.report import Report
from tests.packages.conftest import data_file, source_of

FILES: dict[str, bytes | str] = {
    "cmi5.xml": data_file("cmi5_blocks.xml"), "welcome/index.html": "", "skills/cpr.html": ""}
COURSE = "https://rollcall.example/cmi5/first-aid"


def parse(xml: str | bytes) -> tuple[CourseModel | None, Report]:
    report = Report()
    return parse_package(source_of({**FILES, "cmi5.xml": xml}), report), report


def test_blocks_objectives_and_every_au_field() -> None:
    model, report = parse(FILES["cmi5.xml"])
    assert model is not None, report.to_text()
    assert report.codes() == ["external-launch"]
    course = model.cmi5
    assert course is not None
    assert (course.id, course.title, course.description) == (COURSE, "First aid", "What to do until help arrives.")
    assert [o.title for o in course.objectives] == ["CPR", "Burns"]
    welcome, skills = course.children
    assert isinstance(welcome, AU) and isinstance(skills, Block)
    assert (welcome.launch_method, welcome.move_on, welcome.url) == ("OwnWindow", "NotApplicable",
                                                                     "welcome/index.html")
    assert skills.objectives == [f"{COURSE}/obj/cpr"]
    cpr, burns_block = skills.children
    assert isinstance(cpr, AU) and isinstance(burns_block, Block)
    assert (cpr.move_on, cpr.mastery_score, cpr.activity_type) == (
        "CompletedAndPassed", 0.8, "http://adlnet.gov/expapi/activities/lesson")
    assert (cpr.launch_parameters, cpr.entitlement_key) == ('{"difficulty": "hard"}', "first-aid-2024")
    assert cpr.objectives == [f"{COURSE}/obj/cpr"] and cpr.url == "skills/cpr.html?lang=en"
    burns = model.aus()[-1]
    assert burns.external and burns.move_on == "Passed"
    assert [node.id.rsplit("/", 1)[-1] for node in course.nodes()] == ["welcome", "skills", "cpr", "burns", "burns"]


def test_bare_cmi5_xml_needs_absolute_au_urls() -> None:
    report = Report()
    assert parse_cmi5_xml(data_file("cmi5_blocks.xml"), report) is None
    bad = [e for e in report.errors if e.code == "invalid-au-url"]
    assert len(bad) == 2 and all("relative" in e.message for e in bad)
    absolute = data_file("cmi5_blocks.xml").replace(b"<url>welcome/", b"<url>https://c.example/welcome/")
    absolute = absolute.replace(b"<url>skills/", b"<url>https://c.example/skills/")
    report = Report()
    model = parse_cmi5_xml(absolute, report)
    assert model is not None and report.ok and all(au.external for au in model.aus())


def _swap(old: str, new: str) -> str:
    xml = data_file("cmi5_blocks.xml").decode()
    assert old in xml
    return xml.replace(old, new, 1)


@pytest.mark.parametrize(("old", "new", "code", "fragment"), [
    ('moveOn="Passed"', 'moveOn="Finished"', "schema", "moveOn='Finished'"),
    ('launchMethod="OwnWindow"', 'launchMethod="Popup"', "schema", "launchMethod='Popup'"),
    ('masteryScore="0.8"', 'masteryScore="80"', "schema", "masteryScore='80'"),
    ('masteryScore="0.8"', 'masteryScore="1e-1"', "schema", "masteryScore"),
    ('<objective idref="https://rollcall.example/cmi5/first-aid/obj/cpr"/></objectives>\n    <au',
     '<objective idref="https://rollcall.example/cmi5/first-aid/obj/knots"/></objectives>\n    <au',
     "broken-reference", "obj/knots"),
    ('<url>welcome/index.html</url>', "", "schema", "<url> is missing"),
    ('<title><langstring lang="en">Welcome</langstring></title>', "", "schema", "<title> is missing"),
    ('<title><langstring lang="en">Welcome</langstring></title>', "<title/>", "schema", "langstring"),
    ('au id="https://rollcall.example/cmi5/first-aid/au/welcome"', 'au id="welcome"', "invalid-id", "welcome"),
    ('au id="https://rollcall.example/cmi5/first-aid/au/welcome"', "au", "schema", "id attribute"),
    ('<url>welcome/index.html</url>', "<url>ftp://files.example/welcome</url>", "invalid-au-url", "http(s)"),
    ('<url>welcome/index.html</url>', "<url>welcome/index.html</url><url>again.html</url>", "schema",
     "more than 1"),
    ("block/burns", "au/burns", "duplicate-id", "au/burns"),
])
def test_schema_rules_checked_by_hand(old: str, new: str, code: str, fragment: str) -> None:
    model, report = parse(_swap(old, new))
    assert model is None
    assert code in [e.code for e in report.errors], report.to_text()
    error = next(e for e in report.errors if e.code == code)
    assert fragment in error.message and error.file == "cmi5.xml" and error.line is not None


def test_course_needs_an_au_or_block_and_the_right_root() -> None:
    empty = ('<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">'
             f'<course id="{COURSE}"><title><langstring>T</langstring></title>'
             '<description><langstring>D</langstring></description></course></courseStructure>')
    model, report = parse(empty)
    assert model is None and "au|block" in report.errors[0].message
    model, report = parse("<course/>")
    assert model is None and report.errors[0].code == "schema"


def test_reserved_launch_parameters_in_url_warn() -> None:
    model, report = parse(_swap("skills/cpr.html?lang=en", "skills/cpr.html?lang=en&amp;endpoint=x"))
    assert model is not None and "reserved-launch-parameter" in report.codes()
