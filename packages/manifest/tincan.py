"""tincan.xml: the Tin Can packaging of Rustici's "Tin Can API packaging" (tincan.xsd)."""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree

from packages.manifest.paths import FileIndex, check_launch
from packages.manifest.xml import attr, lineno, local, named, parse_xml, text
from packages.model import CourseModel, Launch, TinCanActivity
from packages.report import Report

COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"


def parse(data: bytes, name: str, report: Report, files: FileIndex | None) -> CourseModel | None:
    """Read tincan.xml: its activities, and the one with a launch becomes the course's launch."""
    root = parse_xml(data, name, report)
    if root is None:
        return None
    if local(root) != "tincan":
        report.error("schema", f"the root element of {name} is <{local(root)}>, not <tincan>", name, lineno(root))
        return None
    activities: list[TinCanActivity] = []
    launches: list[Launch] = []
    seen: set[str] = set()
    for holder in named(root, "activities"):
        for el in named(holder, "activity"):
            activity = _activity(el, name, report, files, seen)
            if activity is None:
                continue
            activities.append(activity)
            if activity.launch:
                launches.append(Launch(activity.id, activity.name or activity.id, activity.launch,
                                       external=activity.external))
    if not report.ok:
        return None
    if not launches:
        report.error("no-launch", f"{name} names no activity with a <launch> file", name, lineno(root))
        return None
    course = next((a for a in activities if a.launch and a.type == COURSE_TYPE), None)
    course = course or next(a for a in activities if a.launch)
    return CourseModel(
        kind="tincan",
        title=course.name or course.id,
        description=course.description,
        identifier=course.id,
        tincan_activities=activities,
        launches=launches,
    )


def _activity(
    el: etree._Element, name: str, report: Report, files: FileIndex | None, seen: set[str]
) -> TinCanActivity | None:
    activity_id = attr(el, "id") or ""
    parts = urlsplit(activity_id)
    if not parts.scheme or " " in activity_id:
        report.error("invalid-activity-id", f"activity id {activity_id!r} is not an absolute IRI", name, lineno(el))
        return None
    if activity_id in seen:
        report.error("duplicate-id", f"activity id {activity_id!r} appears twice", name, lineno(el))
        return None
    seen.add(activity_id)
    launch_el = next(iter(named(el, "launch")), None)
    launch = text(launch_el) or None
    external = False
    if launch is not None and launch_el is not None:
        checked = check_launch(launch, report, name, lineno(launch_el), files, "the launch file")
        if checked is None:
            return None
        external = checked.external
    return TinCanActivity(
        id=activity_id,
        type=attr(el, "type"),
        name=text(next(iter(named(el, "name")), None)),
        description=text(next(iter(named(el, "description")), None)),
        launch=launch,
        external=external,
    )

