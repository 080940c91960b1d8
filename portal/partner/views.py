"""Course management for content partners (their own courses only) and admins (every course).

Upload a package, read its validation report, publish a version, and edit the
course's catalog data and materials (issue 5, "Admin and partner pages"). Admins
also move a course's in-progress learners to its newest version and delete versions
nobody plays (issue 4, "Versions").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.errors import RollcallError
from core.web import db_session
from packages import service as package_service
from packages import versions
from packages.models import Course, CourseVersion
from packages.storage import delete_prefix
from portal.accounts.access import role_required
from portal.catalog import courses
from portal.catalog.errors import EntryNotFound, InvalidEntry
from portal.catalog.forms import CourseForm, MaterialForm, PackageForm
from portal.catalog.services import slugify

bp = Blueprint("partner", __name__, url_prefix="/partner")
managers = role_required("partner", "admin")
admins = role_required("admin")


def _partner_slug() -> str | None:
    """The partner organization uploads belong to (None for admins: the site's own or any course)."""
    if current_user.role == "admin":
        return None
    if not current_user.partner_slug:
        abort(403, description="Your account is not linked to a partner organization yet; ask an admin.")
    return str(current_user.partner_slug)


def _own_course(slug: str) -> Course:
    """The course, if the current user manages it; 404 otherwise (another partner's course stays invisible)."""
    try:
        course = courses.get_course(db_session(), slug)
    except EntryNotFound:
        abort(404)
    if not courses.can_manage(course, current_user):
        abort(404)
    return course


def _version(course: Course, number: int) -> CourseVersion:
    for version in course.versions:
        if version.number == number:
            return version
    abort(404)


@bp.route("/")
@managers
def index() -> ResponseReturnValue:
    """The courses this partner manages."""
    if current_user.role != "admin":
        _partner_slug()
    return render_template("partner/index.html", courses=courses.manageable_courses(db_session(), current_user))


@bp.route("/upload", methods=["GET", "POST"])
@managers
def upload() -> ResponseReturnValue:
    """Upload a package: a new course, or a new version of one this partner owns."""
    partner = _partner_slug()
    form = PackageForm()
    if request.method == "GET" and request.args.get("course"):
        form.course_slug.data = request.args["course"]
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("partner/upload.html", form=form), status
    upload_file = form.package.data
    slug = (form.course_slug.data or "").strip() or slugify(upload_file.filename.rsplit(".", 1)[0])[:64].strip("-")
    session = db_session()
    storage = courses.storage()
    result = package_service.import_package(
        session,
        storage,
        upload_file.stream,
        course_slug=slug,
        partner=partner,
        settings=current_app.config["ROLLCALL"],
    )
    if not result.ok or result.course is None or result.version is None:
        session.rollback()
        return render_template("partner/report.html", report=result.report.to_json(), course=None, version=None), 422
    try:
        session.commit()
    except BaseException:
        result.discard(storage)
        raise
    flash(f"Package accepted as version {result.version.number} of {result.course.title}.", "success")
    return redirect(url_for(".report", slug=result.course.slug, number=result.version.number), 303)


@bp.route("/courses/<slug>/versions/<int:number>")
@managers
def report(slug: str, number: int) -> ResponseReturnValue:
    """A version's validation report, and the button that publishes it."""
    course = _own_course(slug)
    version = _version(course, number)
    return render_template("partner/report.html", report=version.report, course=course, version=version)


@bp.route("/courses/<slug>/versions/<int:number>/publish", methods=["POST"])
@managers
def publish(slug: str, number: int) -> ResponseReturnValue:
    """Publish a version: new enrollments play it, and the course appears in the catalog (packages.service.publish)."""
    course = _own_course(slug)
    version = _version(course, number)
    session = db_session()
    try:
        changed = package_service.publish(session, version)
    except RollcallError as exc:
        session.rollback()
        flash(f"Version {number} was not published: {exc.message}.", "error")
        return render_template("partner/report.html", report=version.report, course=course, version=version), 409
    session.commit()
    if changed:
        flash(f"Version {number} of {course.title} is published and the course is in the catalog.", "success")
    else:
        flash(f"Version {number} of {course.title} was already published; nothing changed.", "info")
    return redirect(url_for(".course", slug=slug), 303)


@bp.route("/courses/<slug>", methods=["GET", "POST"])
@managers
def course(slug: str) -> ResponseReturnValue:
    """Edit a course's catalog data; list its versions and materials."""
    found = _own_course(slug)
    form = CourseForm.for_entry(found)
    status = 200
    if form.validate_on_submit():
        try:
            courses.save_course(db_session(), found, form.values())
        except InvalidEntry as exc:
            db_session().rollback()
            form.show_errors(exc.fields)
            status = 422
        else:
            db_session().commit()
            flash("Saved.", "success")
            return redirect(url_for(".course", slug=slug), 303)
    elif request.method == "POST":
        status = 422
    return _course_page(found, form, status)


def _completed(registrations: Sequence[str]) -> Collection[str]:
    """Which of these registrations have the course completion fact (the LRS's; ARCHITECTURE.md)."""
    return current_app.extensions["lrs_client"].completions(registrations).keys()  # type: ignore[no-any-return]


def _course_page(found: Course, form: CourseForm | None = None, status: int = 200) -> ResponseReturnValue:
    """The course page: catalog form, versions with the registrations each holds, materials."""
    session = db_session()
    newest = max((v.number for v in found.versions), default=None)
    return render_template(
        "partner/course.html",
        course=found,
        form=form or CourseForm.for_entry(found),
        material_form=MaterialForm(),
        pins=versions.pin_counts(session, found, completed=_completed),
        newest_number=newest,
        newest_published=versions.newest_published(session, found),
    ), status


@bp.route("/courses/<slug>/move-learners", methods=["POST"])
@admins
def move_learners(slug: str) -> ResponseReturnValue:
    """Move in-progress learners to the newest published version, each to a new attempt (issue 4, Versions)."""
    found = _own_course(slug)
    session = db_session()
    newest = versions.newest_published(session, found)
    if newest is None:
        flash("This course has no published version to move learners to.", "error")
        return _course_page(found, status=409)
    if request.form.get("to_version") != str(newest.number):
        flash(
            f"Version {newest.number} is now the newest published version; nobody was moved. "
            "Check the versions below and try again.",
            "error",
        )
        return _course_page(found, status=409)
    moved = versions.move_to_newest(session, found, completed=_completed)  # asks the LRS before it writes
    session.commit()
    learners = "learner" if len(moved) == 1 else "learners"
    flash(
        f"Moved {len(moved)} in-progress {learners} to version {newest.number}. Each starts a new attempt there: "
        "progress saved in an older version is never fed to the new content.",
        "success",
    )
    return redirect(url_for(".course", slug=slug), 303)


@bp.route("/courses/<slug>/versions/<int:number>/delete", methods=["POST"])
@admins
def delete_version(slug: str, number: int) -> ResponseReturnValue:
    """Delete a version no registration plays, then its files (issue 4, Versions)."""
    found = _own_course(slug)
    version = _version(found, number)
    session = db_session()
    storage = courses.storage()
    try:
        prefix = versions.purge_version(session, storage, version)
    except RollcallError as exc:
        session.rollback()
        flash(f"Version {number} was not deleted: {exc.message}.", "error")
        return _course_page(found, status=409)
    session.commit()
    delete_prefix(storage, prefix)  # only now: a failed commit keeps the row and every file
    flash(f"Version {number} and its files are deleted.", "success")
    return redirect(url_for(".course", slug=slug), 303)


@bp.route("/courses/<slug>/materials", methods=["POST"])
@managers
def add_material(slug: str) -> ResponseReturnValue:
    """Add a downloadable material (PDF, slides) to a course."""
    found = _own_course(slug)
    form = MaterialForm()
    if not form.validate_on_submit():
        flash("Choose a file to upload.", "error")
        return redirect(url_for(".course", slug=slug), 303)
    upload_file = form.file.data
    try:
        package_service.add_material(
            db_session(),
            courses.storage(),
            found,
            upload_file.stream,
            filename=upload_file.filename or "material",
            title=(form.material_title.data or "").strip() or None,
        )
    except RollcallError as exc:
        db_session().rollback()
        flash(exc.message, "error")
        return redirect(url_for(".course", slug=slug), 303)
    db_session().commit()
    flash("Material added.", "success")
    return redirect(url_for(".course", slug=slug), 303)


@bp.route("/courses/<slug>/materials/<int:material_id>/delete", methods=["POST"])
@managers
def remove_material(slug: str, material_id: int) -> ResponseReturnValue:
    """Remove a material from a course."""
    found = _own_course(slug)
    try:
        item: Any = courses.material(found, material_id)
    except EntryNotFound:
        abort(404)
    package_service.remove_material(db_session(), courses.storage(), item)
    db_session().commit()
    flash("Material removed.", "success")
    return redirect(url_for(".course", slug=slug), 303)

