"""Which version a registration plays, moving learners to a new version, purging old ones (issue 4, Versions).

A registration is pinned to the newest published version the first time it is
launched and keeps it through every later session, so its resume data always meets
the content that wrote it. An admin may move in-progress registrations to the newest
version; each moved one starts a new attempt number, which the player uses to start a
new attempt instead of feeding old suspend data to new content.

Whether a registration is done is a learner fact, and learner facts live in the LRS
(ARCHITECTURE.md, "Course completion"), which this package may not import: callers pass
``completed``, a function that says which of the given registrations have a completion
fact. "In progress" is pinned here and without one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import Conflict, NotFound, RollcallError
from packages.models import Course, CourseVersion, RegistrationVersion
from packages.storage import PackageStorage

#: Which of these registrations have a course completion fact (e.g. the LRS client's
#: ``completions(registrations).keys()``); called before the caller's session writes.
CompletedOf = Callable[[Sequence[str]], Collection[str]]


def newest_published(session: Session, course: Course) -> CourseVersion | None:
    """The course's published version with the highest number."""
    return session.scalar(
        select(CourseVersion)
        .where(CourseVersion.course_id == course.id, CourseVersion.published_at.is_not(None))
        .order_by(CourseVersion.number.desc())
        .limit(1)
    )


def _check_registration(registration: str) -> str:
    try:
        return str(uuid.UUID(registration))
    except (ValueError, AttributeError, TypeError):
        raise RollcallError(f"registration {registration!r} is not a UUID") from None


def pin_for_registration(session: Session, course: Course, registration: str) -> RegistrationVersion:
    """The registration's pin, made on first use with the newest published version."""
    registration = _check_registration(registration)
    pin = session.get(RegistrationVersion, registration)
    if pin is None:
        version = newest_published(session, course)
        if version is None:
            raise NotFound(f"course {course.slug!r} has no published version")
        try:
            # A savepoint, so that a concurrent first launch that wins the insert
            # leaves this transaction usable: then we read the winner's pin.
            with session.begin_nested():
                pin = RegistrationVersion(
                    registration=registration, course_id=course.id, version_id=version.id, attempt=1
                )
                session.add(pin)
        except IntegrityError:
            pin = session.get(RegistrationVersion, registration, populate_existing=True)
            assert pin is not None
    if pin.course_id != course.id:
        raise Conflict(f"registration {registration} belongs to another course")
    return pin


def version_for_registration(session: Session, course: Course, registration: str) -> CourseVersion:
    """The version this registration plays: the newest published on first use, the same one after."""
    return pin_for_registration(session, course, registration).version


def move_to_newest(session: Session, course: Course, *, completed: CompletedOf) -> list[RegistrationVersion]:
    """Move the course's in-progress registrations to the newest published version, each to a new attempt.

    ``completed`` is asked about the registrations behind the newest version before any
    lock is taken; those it names keep the version they finished. Returns the moved pins;
    the player starts a new attempt for each (old suspend data belongs to the old content
    and is never fed to the new one).
    """
    newest = newest_published(session, course)
    if newest is None:
        raise NotFound(f"course {course.slug!r} has no published version")
    behind = RegistrationVersion.course_id == course.id, RegistrationVersion.version_id != newest.id
    candidates = list(session.scalars(select(RegistrationVersion.registration).where(*behind)))
    done = set(completed(candidates)) if candidates else set()
    movable = [registration for registration in candidates if registration not in done]
    if not movable:
        return []
    pins = session.scalars(
        select(RegistrationVersion)
        .where(*behind, RegistrationVersion.registration.in_(movable))
        .order_by(RegistrationVersion.registration)
        .with_for_update()
    ).all()
    for pin in pins:
        pin.version_id = newest.id
        pin.attempt += 1
    session.flush()
    for pin in pins:
        session.refresh(pin, ["version"])
    return list(pins)


def pin_counts(session: Session, course: Course, *, completed: CompletedOf) -> dict[int, dict[str, int]]:
    """How many registrations each of the course's versions holds: {version id: {"in_progress": n, "completed": m}}."""
    rows = session.execute(
        select(RegistrationVersion.registration, RegistrationVersion.version_id).where(
            RegistrationVersion.course_id == course.id
        )
    ).all()
    done = set(completed([registration for registration, _ in rows])) if rows else set()
    counts: dict[int, dict[str, int]] = {}
    for registration, version_id in rows:
        held = counts.setdefault(version_id, {"in_progress": 0, "completed": 0})
        held["completed" if registration in done else "in_progress"] += 1
    return counts


def purge_version(session: Session, storage: PackageStorage, version: CourseVersion) -> str:
    """Delete a version's row; refused while registrations play it, and for the newest (or newest published) one.

    Returns the storage prefix of its files, which the caller deletes with
    ``delete_prefix`` only after the transaction commits: a failed commit then leaves
    the row with all its files, never a row without them.
    """
    in_use = session.scalar(select(exists().where(RegistrationVersion.version_id == version.id)))
    if in_use:
        raise Conflict(f"version {version.number} of {version.course.slug!r} is in use by registrations")
    newest = session.scalar(
        select(CourseVersion.id)
        .where(CourseVersion.course_id == version.course_id)
        .order_by(CourseVersion.number.desc())
        .limit(1)
    )
    if newest == version.id:
        raise Conflict(
            f"version {version.number} is the newest of {version.course.slug!r}; upload a newer one first"
        )
    playing = newest_published(session, version.course)
    if playing is not None and playing.id == version.id:
        raise Conflict(
            f"version {version.number} is the newest published version of {version.course.slug!r}; "
            "new enrollments play it: publish a newer one first"
        )
    if version.storage_backend != storage.backend:
        raise Conflict(f"version {version.number} is kept in {version.storage_backend!r} storage, not {storage.backend!r}")
    prefix = version.storage_prefix
    session.delete(version)
    session.flush()
    return prefix
