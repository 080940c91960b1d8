"""Enroll (one click, idempotent) and "My learning" (read from the LRS projection)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.errors import NotFound
from core.web import db_session
from lrs.client import LRSError
from portal.accounts.access import confirmed_required
from portal.catalog import courses
from portal.enrollment import certificates, services
from portal.identity import agent_for

bp = Blueprint("enrollment", __name__)


def _lrs() -> Any:
    return current_app.extensions["lrs_client"]


def is_enrolled(course: Any) -> bool:
    """True when the current user is enrolled in ``course`` (remembered for the request)."""
    if not getattr(current_user, "is_authenticated", False):
        return False
    cache: dict[str, bool] = g.setdefault("enrolled_in", {})
    iri = courses.course_iri(course)
    if iri not in cache:
        cache[iri] = services.is_enrolled(_lrs(), current_user.uuid, iri)
    return cache[iri]


@bp.route("/courses/<slug>/enroll", methods=["POST"])
@confirmed_required
def enroll(slug: str) -> ResponseReturnValue:
    """Enroll the current user; enrolling again changes nothing (DESIGN.md, Enrollment)."""
    course = courses.get_course(db_session(), slug)
    title, iri = course.title, courses.course_iri(course)
    if is_enrolled(course):
        flash(f"You are enrolled in {title}.", "info")
        return redirect(url_for("catalog.course", slug=slug), 303)
    if course.status != "published":
        flash("This course is not open for enrollment.", "error")
        return redirect(url_for("catalog.index"), 303)
    try:
        services.enroll(_lrs(), agent_for(current_user), str(current_user.uuid), iri, title)
    except services.EnrollmentRefused as exc:
        flash(exc.message, "error")
        return redirect(url_for("catalog.course", slug=slug), 303)
    except LRSError as exc:
        flash(f"Your enrollment could not be recorded: {exc.message} Please contact support.", "error")
        return redirect(url_for("catalog.course", slug=slug), 303)
    flash(f"You are enrolled in {title}. It stays in My learning for as long as the course is available.", "success")
    return redirect(url_for("catalog.course", slug=slug), 303)


@bp.route("/my-learning")
@confirmed_required
def my_learning() -> ResponseReturnValue:
    """The current user's enrollments, newest first, with the courses they belong to."""
    rows = services.enrollments(_lrs(), agent_for(current_user))
    by_iri = courses.courses_by_iri(db_session(), [row.activity_id for row in rows])
    items = [(row, by_iri[row.activity_id]) for row in rows if row.activity_id in by_iri]
    from portal import play

    states = play.launch_states([course for _row, course in items])
    facts = _lrs().completions([row.registration for row, _course in items])
    done = {
        row.registration: certificates.completed_on(facts[row.registration.lower()].timestamp)
        for row, _course in items
        if row.registration.lower() in facts
    }
    return render_template("enrollment/my_learning.html", items=items, launch_states=states, completed_on=done)


@bp.route("/my-learning/<slug>/certificate.pdf")
@confirmed_required
def certificate(slug: str) -> ResponseReturnValue:
    """The current learner's certificate of a completed course; 404 unless enrolled and completed."""
    course = courses.get_course(db_session(), slug)
    if not is_enrolled(course):
        raise NotFound("There is no certificate for this course: you are not enrolled in it.")
    registration = str(services.registration_for(str(current_user.uuid), courses.course_iri(course)))
    fact = _lrs().completion(registration)  # the LRS first, then the portal's write (ARCHITECTURE.md)
    pdf, filename = certificates.certificate_pdf(course, current_user, fact)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
