"""Admin: partner organizations (the content partners that upload and manage their courses)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from core.errors import NotFound
from core.web import db_session
from portal.accounts import directory
from portal.accounts.access import role_required
from portal.accounts.forms import select_choices
from portal.accounts.models import PARTNER_KINDS, PartnerOrganization
from portal.accounts.services import AccountError
from portal.accounts.views import field_error

bp = Blueprint("admin_partners", __name__, url_prefix="/admin/partners")
admins = role_required("admin")


class PartnerForm(FlaskForm):
    """A partner organization."""

    name = StringField(
        "Name",
        validators=[DataRequired("Enter the organization's name."), Length(max=200)],
    )
    slug = StringField(
        "Short name for links (slug)",
        validators=[DataRequired("Enter a slug."), Length(max=64)],
    )
    kind = SelectField("Kind", choices=select_choices(PARTNER_KINDS.items()))
    submit = SubmitField("Save organization")


@bp.route("/")
@admins
def index() -> str:
    """Every partner organization."""
    return render_template("admin/partners.html", partners=directory.partners(db_session()))


@bp.route("/new", methods=["GET", "POST"], defaults={"slug": None})
@bp.route("/<slug>", methods=["GET", "POST"])
@admins
def edit(slug: str | None) -> Any:
    """Create a partner organization or change one."""
    dbs = db_session()
    partner: PartnerOrganization | None = None
    if slug is not None:
        partner = directory.partner_by_slug(dbs, slug)
        if partner is None:
            raise NotFound("There is no such partner organization.")
    form = PartnerForm(obj=partner)
    if form.validate_on_submit():
        try:
            saved = directory.save_partner(
                dbs,
                partner,
                name=form.name.data or "",
                slug=form.slug.data or "",
                kind=form.kind.data or "",
            )
        except AccountError as exc:
            field_error(form, exc)
        else:
            dbs.commit()
            flash(f"{saved.name} is saved.", "success")
            return redirect(url_for("admin_partners.index"))
    members = directory.partner_members(dbs, partner.slug) if partner else []
    return render_template(
        "admin/partner.html", form=form, partner=partner, members=members
    ), 400 if form.errors else 200
