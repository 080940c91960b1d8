"""Admin pages for catalog entries: instructional resources (with their files) and in-person listings.

E-learning courses are managed on the partner pages, which admins may use for every
course (``portal.partner.views``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.web import db_session
from portal.accounts.access import role_required
from portal.catalog import courses, services
from portal.catalog.errors import EntryNotFound, InvalidEntry
from portal.catalog.forms import InPersonForm, ResourceForm, ResourceItemForm
from portal.catalog.models import InPersonCourse, Resource

bp = Blueprint("admin_catalog", __name__, url_prefix="/admin/catalog")
admins = role_required("admin")


@bp.route("/")
@admins
def index() -> ResponseReturnValue:
    """Every resource and in-person listing, whatever its status."""
    session = db_session()
    return render_template(
        "admin/catalog_index.html",
        resources=list(session.scalars(select(Resource).order_by(Resource.title))),
        listings=list(session.scalars(select(InPersonCourse).order_by(InPersonCourse.title))),
    )


def _save(form: Any, save: Any, current: Any) -> Any:
    """Validate the form and save through the service; returns the entry, or None with errors on the form."""
    if not form.validate_on_submit():
        return None
    try:
        entry = save(db_session(), current, form.values())
    except InvalidEntry as exc:
        db_session().rollback()
        form.show_errors(exc.fields)
        return None
    db_session().commit()
    flash(f"Saved {entry.title}.", "success")
    return entry


def _resource(slug: str) -> Resource:
    try:
        return services.get_resource(db_session(), slug, published_only=False)
    except EntryNotFound:
        abort(404)


@bp.route("/resources/new", methods=["GET", "POST"])
@bp.route("/resources/<slug>", methods=["GET", "POST"])
@admins
def resource(slug: str | None = None) -> ResponseReturnValue:
    """Create or edit a resource; its files are listed and added below the form."""
    current = _resource(slug) if slug else None
    form = ResourceForm.for_entry(current)
    saved = _save(form, services.save_resource, current)
    if saved is not None:
        return redirect(url_for(".resource", slug=saved.slug), 303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/catalog_resource.html", resource=current, form=form, item_form=ResourceItemForm()
    ), status


@bp.route("/resources/<slug>/items", methods=["POST"])
@admins
def add_item(slug: str) -> ResponseReturnValue:
    """Add a video, captions or document to a resource."""
    current = _resource(slug)
    form = ResourceItemForm()
    if not form.validate_on_submit():
        flash("Choose a file to upload.", "error")
        return redirect(url_for(".resource", slug=slug), 303)
    try:
        services.add_resource_item(
            db_session(),
            courses.storage(),
            current,
            kind=form.item_kind.data,
            title=form.item_title.data or "",
            filename=form.file.data.filename or "",
            stream=form.file.data.stream,
        )
    except InvalidEntry as exc:
        db_session().rollback()
        flash(" ".join(exc.fields.values()), "error")
        return redirect(url_for(".resource", slug=slug), 303)
    db_session().commit()
    flash("File added.", "success")
    return redirect(url_for(".resource", slug=slug), 303)


@bp.route("/resources/<slug>/items/<int:item_id>/delete", methods=["POST"])
@admins
def remove_item(slug: str, item_id: int) -> ResponseReturnValue:
    """Remove one file from a resource."""
    current = _resource(slug)
    try:
        services.remove_resource_item(db_session(), courses.storage(), current, item_id)
    except EntryNotFound:
        abort(404)
    db_session().commit()
    flash("File removed.", "success")
    return redirect(url_for(".resource", slug=slug), 303)


@bp.route("/in-person/new", methods=["GET", "POST"])
@bp.route("/in-person/<slug>", methods=["GET", "POST"])
@admins
def in_person(slug: str | None = None) -> ResponseReturnValue:
    """Create or edit an in-person course listing."""
    current = None
    if slug:
        try:
            current = services.get_in_person(db_session(), slug, published_only=False)
        except EntryNotFound:
            abort(404)
    form = InPersonForm.for_entry(current)
    saved = _save(form, services.save_in_person, current)
    if saved is not None:
        return redirect(url_for(".in_person", slug=saved.slug), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/catalog_in_person.html", listing=current, form=form), status
