"""Playing a course: GET /courses/<slug>/play (player/PROTOCOL.md "Player page"), and Start/Resume/Review for templates.

The portal checks who may play (logged in, confirmed, enrolled; the course published or
retired) and hands the player the registration and the learner; the player never
imports the portal.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.db import transaction
from core.errors import RollcallError
from core.web import db_session
from packages.models import Course
from packages import versions
from packages.model import CourseModel
from player import launch as player_launch
from player import tincan
from player import views as player_views
from player.content import content_origin, content_url
from portal.accounts.access import confirmed_required
from portal.catalog import courses
from portal.enrollment import services as enrollment
from portal.enrollment import views as enrollment_views
from portal.extensions import csrf
from portal.identity import agent_for
from portal.security import CONTENT_SECURITY_POLICY

PLAYABLE = ("scorm12", "scorm2004", "tincan")


def _lrs() -> Any:
    return current_app.extensions["lrs_client"]


def _registration(course: Any) -> str:
    return str(enrollment.registration_for(str(current_user.uuid), courses.course_iri(course)))


@confirmed_required
def play(slug: str) -> ResponseReturnValue:
    """The player page for the current learner's registration; ``?mode=review``, ``?attempt=new``, ``?item=``."""
    course = courses.get_course(db_session(), slug)
    if course.status not in ("published", "retired") or not enrollment_views.is_enrolled(course):
        abort(404)
    learner = player_launch.Learner(agent_for(current_user), str(current_user.uuid), current_user.name or "")
    mode = "review" if request.args.get("mode") == "review" else "normal"
    registration = _registration(course)
    if _newest_kind(course) == "tincan":
        return _play_tincan(course, registration, learner, review=mode == "review")
    try:
        # The pin is committed before the LRS writes: they share SQLite's one write lock (core.web).
        with transaction(current_app.extensions["db_write"]) as session:
            pinned = player_launch.pin(session, session.get(Course, course.id), registration,
                                       fresh=mode == "normal" and request.args.get("attempt") == "new")
        config = player_launch.launch(_lrs(), course, registration, pinned, learner, mode=mode,
                                      item=request.args.get("item"))
    except RollcallError as exc:
        flash(exc.message, "error")
        return redirect(url_for("catalog.course", slug=slug), 303)
    response = current_app.make_response(render_template("player/player.html", player_config=config))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-src 'self'", f"frame-src 'self' {content_origin()}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _play_tincan(course: Any, registration: str, learner: Any, *, review: bool) -> ResponseReturnValue:
    """A Tin Can course: a launch credential of its own, the content framed from its origin (player/tincan.py)."""
    with transaction(current_app.extensions["db_write"]) as session:
        found = versions.pin_for_registration(session, session.get(Course, course.id), registration)
        version_id, model = found.version_id, CourseModel.from_json(found.version.model)
    try:
        launched = tincan.launch(
            _lrs(), model=model, course_iri=courses.course_iri(course), agent=learner.agent,
            registration=registration, endpoint=current_app.config["ROLLCALL"].base_url.rstrip("/") + "/xapi/",
            content_url=lambda href: content_url(version_id, registration, href),
        )
    except ValueError as exc:
        flash(f"This course cannot be played: {exc}.", "error")
        return redirect(url_for("catalog.course", slug=course.slug), 303)
    page = render_template("player/tincan.html", course=course, launch_url=launched.url, review=review)
    response = current_app.make_response(page)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-src 'self'", f"frame-src 'self' {content_origin()}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@confirmed_required
def close_tincan(slug: str) -> ResponseReturnValue:
    """Close a Tin Can course: its launch credential stops working at once (player/tincan.py)."""
    course = courses.get_course(db_session(), slug)
    if enrollment_views.is_enrolled(course):
        tincan.close(_lrs(), courses.course_iri(course), agent_for(current_user), _registration(course))
    return redirect(url_for("catalog.course", slug=slug), 303)


def _newest_kind(course: Any) -> str | None:
    published = [version for version in course.versions if version.published_at is not None]
    return published[-1].kind if published else None


def _playable(course: Any) -> bool:
    """True when the course's newest published version is one the player plays (SCORM 1.2, 2004)."""
    published = [version for version in course.versions if version.published_at is not None]
    return bool(published) and published[-1].kind in PLAYABLE


def launch_state(course: Any) -> str | None:
    """Start, Resume or Review for the current user and ``course``; None when they cannot play it."""
    if not getattr(current_user, "is_authenticated", False) or not current_user.is_confirmed:
        return None
    if course.status not in ("published", "retired") or not _playable(course):
        return None
    if not enrollment_views.is_enrolled(course):
        return None
    cache: dict[str, str] = g.setdefault("launch_states", {})
    if course.slug not in cache:
        iri, registration, agent = courses.course_iri(course), _registration(course), agent_for(current_user)
        if _newest_kind(course) == "tincan":
            done = _lrs().completion(registration) is not None
            cache[course.slug] = "review" if done else (
                "resume" if tincan.launched(_lrs(), iri, agent, registration) else "start")
        else:
            cache[course.slug] = player_launch.launch_state(_lrs(), iri, registration, agent)
    return cache[course.slug]


def launch_states(found: list[Any]) -> dict[str, str | None]:
    """``launch_state`` of several courses, by slug (My learning)."""
    return {course.slug: launch_state(course) for course in found}


def init_app(app: Flask) -> None:
    """Register the player blueprint (CSRF-exempt: token-authorized) and the launch route."""
    app.register_blueprint(player_views.bp)
    csrf.exempt(player_views.bp)
    app.add_url_rule("/courses/<slug>/play", endpoint="player.launch", view_func=play)
    app.add_url_rule("/courses/<slug>/play/close", endpoint="player.tincan_close", view_func=close_tincan,
                     methods=["POST"])
