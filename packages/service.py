"""Import a package: check the zip, parse the manifest, stream the files to storage, record a version (issue 4).

Order matters for "nothing stored half-way": the zip is checked and the manifest
parsed before a single byte is written; files go to a fresh prefix; the rows come
last; any failure removes the prefix again. Services flush, callers commit (STYLE.md §2);
a caller whose commit fails calls ``ImportResult.discard(storage)``.
"""

from __future__ import annotations

import io
import mimetypes
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from core.db import after_commit
from core.errors import Conflict, RollcallError
from packages.models import Course, CourseMaterial, CourseVersion
from packages.report import Report
from packages.storage import PackageStorage, delete_prefix
from packages.unpack import MAX_READ_BYTES, Limits, UnsafeMember, ZipPackage, open_package
from packages.versions import newest_published

if TYPE_CHECKING:
    import os

    from core.config import Settings
    from packages.model import CourseModel

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MATERIAL_EXTENSIONS = frozenset(
    {"pdf", "ppt", "pptx", "pps", "ppsx", "odp", "key", "doc", "docx", "odt", "rtf", "txt", "xls", "xlsx", "ods",
     "csv", "epub", "png", "jpg", "jpeg", "zip", "mp3", "mp4"}
)


@dataclass
class ImportResult:
    """The report, and when accepted the course and its new version."""

    report: Report
    course: Course | None = None
    version: CourseVersion | None = None

    @property
    def ok(self) -> bool:
        """True when the package was accepted and a version recorded."""
        return self.report.ok and self.version is not None

    def discard(self, storage: PackageStorage) -> None:
        """Remove the new version's files (call when the transaction holding it did not commit)."""
        if self.version is not None:
            delete_prefix(storage, self.version.storage_prefix)


def course_iri(settings: Settings, slug: str) -> str:
    """The course's xAPI activity IRI, fixed when the course is made."""
    return f"{settings.base_url.rstrip('/')}/courses/{slug}"


def _target_course(session: Session, slug: str, partner: str | None, report: Report) -> Course | None:
    """The existing course to add a version to (None: a new one); records refusals in ``report``."""
    if not SLUG.match(slug):
        report.error(
            "invalid-slug",
            f"course slug {slug!r} must be 1-64 lowercase letters, digits and inner hyphens",
        )
        return None
    if partner is not None and not SLUG.match(partner):
        report.error("invalid-partner", f"partner slug {partner!r} must be lowercase letters, digits and hyphens")
        return None
    course = session.scalar(select(Course).where(Course.slug == slug))
    if course is not None and partner is not None and course.partner_slug != partner:
        report.error(
            "course-not-yours",
            f"course {slug!r} belongs to another owner; choose another slug",
        )
    return course


def _parse(package: ZipPackage, report: Report) -> CourseModel | None:
    from packages.manifest import parse_package

    try:
        return parse_package(package, report)
    except UnsafeMember as exc:
        report.error(exc.code, exc.message, exc.member)
        return None


def _assign_ids(model: CourseModel, iri: str) -> None:
    from packages import manifest

    assign = getattr(manifest, "assign_activity_ids", None)
    if assign is not None:
        assign(model, iri)


# Parses a package into the report and writes its files under a prefix:
# (model, files, bytes), or None when the report refuses it.
Loader = Callable[[Report, str], "tuple[CourseModel, int, int] | None"]


def _import(
    session: Session,
    storage: PackageStorage,
    load: Loader,
    *,
    course_slug: str,
    partner: str | None,
    settings: Settings,
) -> ImportResult:
    """Check the target course, load the package into a fresh prefix, record the version; undo the files on failure."""
    report = Report()
    course = _target_course(session, course_slug, partner, report)
    if not report.ok:
        return ImportResult(report)
    prefix = f"packages/{course_slug}/{uuid.uuid4().hex}/"
    try:
        loaded = load(report, prefix)
        if loaded is None:
            delete_prefix(storage, prefix)
            return ImportResult(report)
        model, files, size = loaded
        course, version = _record(session, storage, course, model, report, prefix, files, size,
                                  slug=course_slug, partner=partner, settings=settings)
    except BaseException:
        delete_prefix(storage, prefix)
        raise
    return ImportResult(report, course, version)


def import_package(
    session: Session,
    storage: PackageStorage,
    source: str | os.PathLike[str] | IO[bytes],
    *,
    course_slug: str,
    partner: str | None = None,
    settings: Settings,
) -> ImportResult:
    """Import a SCORM 1.2/2004, Tin Can or cmi5 zip as a new version of ``course_slug`` (issue 4)."""

    def load(report: Report, prefix: str) -> tuple[CourseModel, int, int] | None:
        package = open_package(source, Limits.from_settings(settings), report)
        if package is None:
            return None
        with package:
            model = _parse(package, report)
            if model is None or not report.ok:
                return None
            try:
                files, size = package.extract(storage, prefix)
            except UnsafeMember as exc:
                report.error(exc.code, exc.message, exc.member)
                return None
        return model, files, size

    return _import(session, storage, load, course_slug=course_slug, partner=partner, settings=settings)


def import_cmi5_xml(
    session: Session,
    storage: PackageStorage,
    data: bytes,
    *,
    course_slug: str,
    partner: str | None = None,
    settings: Settings,
) -> ImportResult:
    """Import a bare cmi5.xml (AUs hosted elsewhere) as a new version (cmi5 §14.1: a course structure alone)."""
    from packages.manifest import parse_cmi5_xml

    def load(report: Report, prefix: str) -> tuple[CourseModel, int, int] | None:
        if len(data) > MAX_READ_BYTES:
            report.error("cmi5-too-large", f"cmi5.xml is over {MAX_READ_BYTES} bytes", "cmi5.xml")
            return None
        model = parse_cmi5_xml(data, report)
        if model is None or not report.ok:
            return None
        stored = storage.save(prefix + "cmi5.xml", io.BytesIO(data))
        return model, 1, stored.size

    return _import(session, storage, load, course_slug=course_slug, partner=partner, settings=settings)


def _record(
    session: Session,
    storage: PackageStorage,
    course: Course | None,
    model: CourseModel,
    report: Report,
    prefix: str,
    files: int,
    size: int,
    *,
    slug: str,
    partner: str | None,
    settings: Settings,
) -> tuple[Course, CourseVersion]:
    """Make the course (catalog data from the manifest) if new, then its next version; flush."""
    if course is None:
        course = Course(
            slug=slug,
            activity_iri=course_iri(settings, slug),
            title=(model.title or slug)[:400],
            description=model.description or "",
            recommended_runtime=model.typical_learning_time,
            credit_note="",
            topics=[],
            status="draft",
            partner_slug=partner,
        )
        session.add(course)
        session.flush()
    elif course.recommended_runtime is None and model.typical_learning_time:
        course.recommended_runtime = model.typical_learning_time
    _assign_ids(model, course.activity_iri)
    report.kind = report.kind or model.kind
    report.title = report.title or model.title
    number = (session.scalar(select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)) or 0) + 1
    version = CourseVersion(
        course_id=course.id,
        number=number,
        kind=model.kind,
        model=model.to_json(),
        report=report.to_json(),
        storage_backend=storage.backend,
        storage_prefix=prefix,
        file_count=files,
        total_bytes=size,
    )
    session.add(version)
    session.flush()
    return course, version


def publish(session: Session, version: CourseVersion) -> bool:
    """Publish a version so new registrations get it; True if that changed anything.

    The one rule of the partner and admin pages, the CLI and the demo: a version of a
    retired course is refused until the course is reopened (its status set back to
    draft or published on the course page);
    a version older than the newest published one is refused, since new registrations
    would still get the newer one; a draft course becomes published with its first
    published version; publishing what is already published changes nothing.
    """
    course = version.course
    if course.status == "retired":
        raise Conflict(
            f"course {course.slug!r} is retired: reopen it first (set its status back to draft or published)"
        )
    newest = newest_published(session, course)
    if version.published_at is None and newest is not None and newest.number > version.number:
        raise Conflict(
            f"version {version.number} of {course.slug!r} is older than version {newest.number}, which new "
            "registrations play; upload it again as a new version to bring it back"
        )
    if version.published_at is not None and course.status == "published":
        return False
    if version.published_at is None:
        version.published_at = datetime.now(UTC)
    course.status = "published"
    session.flush()
    return True


def add_material(
    session: Session,
    storage: PackageStorage,
    course: Course,
    fileobj: BinaryIO,
    *,
    filename: str,
    title: str | None = None,
) -> CourseMaterial:
    """Store a downloadable file (PDF, slides...) for a course; refuses unknown file types."""
    safe = secure_filename(filename)
    extension = safe.rsplit(".", 1)[-1].lower() if "." in safe else ""
    if extension not in MATERIAL_EXTENSIONS:
        raise RollcallError(
            f"{filename!r}: materials must be one of {', '.join(sorted(MATERIAL_EXTENSIONS))}"
        )
    key = f"materials/{course.slug}/{uuid.uuid4().hex}/{safe}"
    stored = storage.save(key, fileobj)
    try:
        material = CourseMaterial(
            course_id=course.id,
            title=(title or filename)[:400],
            filename=safe,
            content_type=mimetypes.guess_type(safe)[0] or "application/octet-stream",
            size=stored.size,
            sha256=stored.sha256,
            storage_backend=storage.backend,
            storage_key=key,
        )
        session.add(material)
        session.flush()
    except BaseException:
        storage.delete(key)
        raise
    return material


def remove_material(session: Session, storage: PackageStorage, material: CourseMaterial) -> None:
    """Delete a material's row, and its file once that is committed (a rollback keeps both)."""
    key = material.storage_key
    session.delete(material)
    session.flush()
    after_commit(session, lambda: storage.delete(key))
