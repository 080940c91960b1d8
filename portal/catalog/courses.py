"""The catalog's view of e-learning courses (``packages.models.Course``): lookups, visibility, page facts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from packages.models import Course, CourseMaterial
from portal.catalog.errors import EntryNotFound, InvalidEntry
from portal.catalog.services import MAX_TOPICS, STATUSES, CatalogEntry, parse_topics

FORMATS = {"scorm12": "SCORM 1.2", "scorm2004": "SCORM 2004", "tincan": "xAPI (Tin Can)", "cmi5": "cmi5"}
_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def storage() -> Any:
    """The file storage shared with ``packages`` (materials and resource files live there too)."""
    return current_app.extensions["package_storage"]


def published_courses(session: Session) -> list[Course]:
    """Every published course, newest first."""
    return list(session.scalars(select(Course).where(Course.status == "published").order_by(Course.created_at.desc())))


def entry_for(course: Course) -> CatalogEntry:
    """A course as a line of the catalog."""
    return CatalogEntry(
        "course",
        course.slug,
        course.title,
        course.description or "",
        tuple(course.topics or ()),
        {"runtime": humanize_duration(course.recommended_runtime)},
    )


def get_course(session: Session, slug: str) -> Course:
    """The course with this slug, whatever its status (callers decide who may see it)."""
    course = session.scalars(
        select(Course).options(selectinload(Course.materials), selectinload(Course.versions)).where(Course.slug == slug)
    ).one_or_none()
    if course is None:
        raise EntryNotFound(f"There is no course {slug!r}.")
    return course


def can_manage(course: Course, user: Any) -> bool:
    """Admins manage every course; a partner only its own (issue 5)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == "admin":
        return True
    return user.role == "partner" and bool(user.partner_slug) and user.partner_slug == course.partner_slug


def can_view(course: Course, user: Any, *, enrolled: bool) -> bool:
    """Published courses for everyone signed in; retired ones for their learners; drafts for managers."""
    if course.status == "published":
        return True
    if course.status == "retired" and enrolled:
        return True
    return can_manage(course, user)


def courses_by_iri(session: Session, iris: Iterable[str]) -> dict[str, Course]:
    """The courses whose activity IRIs are given (any status: enrolled learners keep retired ones)."""
    wanted = sorted(set(iris))
    if not wanted:
        return {}
    return {c.activity_iri: c for c in session.scalars(select(Course).where(Course.activity_iri.in_(wanted)))}


def course_iri(course: Course) -> str:
    """The course's xAPI activity IRI, the object of its ``registered`` statements."""
    return course.activity_iri


def material(course: Course, material_id: int) -> CourseMaterial:
    """One of the course's materials."""
    for item in course.materials:
        if item.id == material_id:
            return item
    raise EntryNotFound("That file is not one of this course's materials.")


def info_for(course: Course) -> dict[str, Any]:
    """What the course page shows besides the description: run-time and format."""
    published = [v for v in course.versions if v.published_at is not None]
    candidates = published or course.versions
    latest = candidates[-1] if candidates else None
    return {
        "runtime": humanize_duration(course.recommended_runtime),
        "format": FORMATS.get(latest.kind, latest.kind) if latest is not None else "",
    }


def humanize_duration(value: str | None) -> str:
    """An ISO 8601 duration (``PT1H30M``) as words ("1 hour 30 minutes"); other text as it is."""
    if not value:
        return ""
    match = _DURATION.match(value.strip())
    if not match or not any(match.groupdict().values()):
        return value
    total = sum(float(match[k] or 0) * f for k, f in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)))
    minutes = round(total / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def parse_runtime(raw: str) -> str | None:
    """A run-time as typed (an ISO 8601 duration like PT1H30M, or a number of minutes) as ISO 8601."""
    raw = raw.strip()
    if not raw:
        return None
    if raw.isdigit() and 0 < int(raw) < 100_000:
        return f"PT{int(raw)}M"
    match = _DURATION.match(raw.upper())
    if match and any(match.groupdict().values()):
        return raw.upper()
    raise ValueError("Give minutes (e.g. 90) or an ISO 8601 duration (e.g. PT1H30M).")


def save_course(session: Session, course: Course, data: dict[str, Any]) -> Course:
    """Change a course's catalog data (title, description, run-time, credit note, topics, status)."""
    errors: dict[str, str] = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = "Give the course a title."
    status = data.get("status") or course.status
    if status not in STATUSES:
        errors["status"] = f"Choose one of {', '.join(STATUSES)}."
    elif status == "published" and not any(v.published_at for v in course.versions):
        errors["status"] = "Publish a version of the package first (below), then publish the course."
    try:
        runtime = parse_runtime(str(data.get("recommended_runtime") or ""))
    except ValueError as exc:
        errors["recommended_runtime"] = str(exc)
    topics = parse_topics(data.get("topics") or "")
    if len(topics) > MAX_TOPICS:
        errors["topics"] = f"At most {MAX_TOPICS} topics."
    if errors:
        raise InvalidEntry(errors)
    course.title = title[:400]
    course.description = str(data.get("description") or "").strip()
    course.recommended_runtime = runtime
    course.credit_note = str(data.get("credit_note") or "").strip()
    course.topics = topics
    course.status = status
    session.flush()
    return course


def manageable_courses(session: Session, user: Any) -> list[Course]:
    """The courses a partner owns (every course for an admin), newest first."""
    query = select(Course).options(selectinload(Course.versions)).order_by(Course.created_at.desc())
    if user.role != "admin":
        query = query.where(Course.partner_slug == user.partner_slug)
    return list(session.scalars(query))
