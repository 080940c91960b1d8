"""The player's table of contents from a parsed course model (player/course.py)."""

from __future__ import annotations

from packages.manifest import parse_package
from packages.report import Report
from player import course
from tests.packages.conftest import source_of
from tests.packages.test_import import SCORM12


def test_a_model_without_organizations_plays_its_resources_as_a_flat_list() -> None:
    report = Report()
    model = parse_package(source_of({"imsmanifest.xml": SCORM12, "index.html": "<p>Lesson</p>"}), report)
    assert model is not None, report
    assert [(e.item.identifier, e.depth) for e in course.entries(model)] == [("i1", 0)]
    model.organizations = []  # CAM 2004 §3.4.1.7: <organizations/> may be empty
    flat = course.entries(model)
    assert [(e.item.identifier, e.item.href, e.depth) for e in flat] == [("r1", "index.html", 0)]
    assert course.find_item(model, "r1") is not None and course.find_item(model, "i1") is None


def test_attempt_iris_are_unique_per_registration_attempt_and_sco_attempt() -> None:
    report = Report()
    model = parse_package(source_of({"imsmanifest.xml": SCORM12, "index.html": "<p>Lesson</p>"}), report)
    assert model is not None
    item = course.launchable(model)[0]
    iris = {course.sco_attempt_iri("http://x/c", item, reg, attempt, sco)
            for reg in ("r-1", "r-2") for attempt in (1, 2) for sco in (1, 2)}
    assert len(iris) == 8
    assert all(iri.startswith("http://x/c/item/i1?attemptId=") for iri in iris)
    assert course.course_attempt_iri("http://x/c", "r-1", 1) != course.course_attempt_iri("http://x/c", "r-1", 2)
