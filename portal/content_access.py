"""Who may load a course version's files (``/content/<version>/<path>``): the portal's ``packages.can_view`` hook.

A confirmed learner enrolled in the course (the enrollment is read from the LRS, once
per request), on its published versions (a registration keeps the version it started
on, packages.versions), while the course is published or retired; the course's own partner users and admins on any version,
drafts included (preview). Everyone else gets a 404 from the route, so a draft is not
revealed. The player may later add its own launch tokens: the hook stays a callable
taking the version and returning a bool.
"""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from packages.models import CourseVersion
from portal.catalog import courses
from portal.enrollment import views as enrollment_views


def can_view_version(version: CourseVersion) -> bool:
    """True when the current user may load this version's files (issue 4 serving, issue 5 enrollment)."""
    if not getattr(current_user, "is_authenticated", False) or not current_user.is_confirmed:
        return False
    course = version.course
    if courses.can_manage(course, current_user):
        return True
    if version.published_at is None or course.status not in ("published", "retired"):
        return False
    return enrollment_views.is_enrolled(course)


def init_app(app: Flask) -> None:
    """Install the hook on the app (after ``packages.views.init_app``, whose default it replaces)."""
    app.extensions["packages.can_view"] = can_view_version
