"""Catalog pages: browse, search and filter; course, resource and in-person pages; resource files.

Browsing needs a confirmed account (portal FAQ, "How do people register for courses?").
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import NotFound

from core.web import db_session
from portal.accounts.access import confirmed_required
from portal.catalog import courses, services
from portal.catalog.errors import EntryNotFound

bp = Blueprint("catalog", __name__)


@bp.app_errorhandler(EntryNotFound)
def _not_found(exc: EntryNotFound) -> ResponseReturnValue:
    """A missing catalog entry is a plain 404 page, on every page that looks one up."""
    return current_app.handle_http_exception(NotFound(exc.message))


@bp.route("/catalog")
@confirmed_required
def index() -> ResponseReturnValue:
    """The catalog, searched by words and filtered by topic and kind."""
    session = db_session()
    q = request.args.get("q", "").strip()[:200]
    topic = request.args.get("topic", "").strip()[:60]
    kind = request.args.get("kind", "")
    kind = kind if kind in services.ENTRY_KINDS else ""
    entries = services.search(session, q=q, topic=topic or None, kind=kind or None)
    topics = services.topics_in_use(services.published_entries(session))
    return render_template(
        "catalog/index.html",
        entries=entries,
        topics=topics,
        kinds=services.ENTRY_KINDS,
        q=q,
        topic=topic,
        kind=kind,
    )


@bp.route("/courses/<slug>")
@confirmed_required
def course(slug: str) -> ResponseReturnValue:
    """A course: description, run-time, format, materials, credit note and the Enroll button."""
    from portal import play
    from portal.enrollment import views as enrollment_views

    session = db_session()
    found = courses.get_course(session, slug)
    enrolled = enrollment_views.is_enrolled(found)
    if not courses.can_view(found, current_user, enrolled=enrolled):
        abort(404)
    return render_template(
        "catalog/course.html",
        course=found,
        info=courses.info_for(found),
        enrolled=enrolled,
        can_enroll=found.status == "published",
        launch_state=play.launch_state(found),
    )


@bp.route("/courses/<slug>/materials/<int:material_id>")
@confirmed_required
def material(slug: str, material_id: int) -> ResponseReturnValue:
    """Download one of a course's materials (as visible as the course page itself)."""
    from portal.enrollment import views as enrollment_views

    session = db_session()
    found = courses.get_course(session, slug)
    if not courses.can_view(found, current_user, enrolled=enrollment_views.is_enrolled(found)):
        abort(404)
    item = courses.material(found, material_id)
    return _send_stored(item.storage_key, item.content_type, item.filename, attachment=True, etag=item.sha256)


@bp.route("/resources/<slug>")
@confirmed_required
def resource(slug: str) -> ResponseReturnValue:
    """A resource: its videos play in the page; its documents download."""
    resource = services.get_resource(db_session(), slug, published_only=not _is_admin())
    videos: list[list[Any]] = []  # [video, its captions or None]: captions follow their video
    for item in resource.items:
        if item.kind == "video":
            videos.append([item, None])
        elif item.kind == "captions" and videos and videos[-1][1] is None:
            videos[-1][1] = item
    documents = [i for i in resource.items if i.kind == "document"]
    return render_template("catalog/resource.html", resource=resource, videos=videos, documents=documents)


@bp.route("/resources/<slug>/files/<int:item_id>")
@confirmed_required
def resource_file(slug: str, item_id: int) -> ResponseReturnValue:
    """One file of a resource, with Range support so that videos seek."""
    resource = services.get_resource(db_session(), slug, published_only=not _is_admin())
    item = next((i for i in resource.items if i.id == item_id), None)
    if item is None:
        abort(404)
    return _send_stored(
        item.storage_key, item.content_type, item.filename, attachment=item.kind == "document", etag=item.sha256
    )


@bp.route("/in-person/<slug>")
@confirmed_required
def in_person(slug: str) -> ResponseReturnValue:
    """An in-person course: provider, where and when, and a link to register on the provider's site."""
    listing = services.get_in_person(db_session(), slug, published_only=not _is_admin())
    return render_template("catalog/in_person.html", listing=listing)


def _is_admin() -> bool:
    return bool(getattr(current_user, "is_authenticated", False) and current_user.role == "admin")


def _send_stored(key: str, content_type: str, filename: str, *, attachment: bool, etag: str = "") -> Any:
    """Stream a stored file with ETag and Range support (videos seek; downloads resume)."""
    storage = courses.storage()
    if not storage.exists(key):
        abort(404)
    handle = storage.open(key)
    response = send_file(
        handle,
        mimetype=content_type,
        as_attachment=attachment,
        download_name=filename,
        conditional=False,
        etag=etag or False,
        max_age=0,
    )
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.call_on_close(handle.close)  # also when a 304 or a range drops the body unread
    return response.make_conditional(request.environ, accept_ranges=True, complete_length=storage.size(key))
