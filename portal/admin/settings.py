"""Admin: site settings (site name, support email and phone shown on pages and in emails)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from core.errors import RollcallError
from core.web import db_session
from portal.accounts.access import role_required
from portal.help import services

bp = Blueprint("admin_settings", __name__, url_prefix="/admin/settings")


class SiteSettingsForm(FlaskForm):
    """The site's name and support contact."""

    name = StringField(
        "Site name",
        validators=[DataRequired("Enter the site's name."), Length(max=200)],
    )
    support_email = EmailField(
        "Support email",
        validators=[DataRequired("Enter the support email."), Length(max=254)],
    )
    support_phone = StringField("Support phone", validators=[Length(max=50)])
    submit = SubmitField("Save settings")


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index() -> Any:
    """Show and change the site settings."""
    dbs = db_session()
    current = services.site_info(dbs, current_app.config["ROLLCALL"])
    form = SiteSettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            services.save_site_info(
                dbs,
                services.SiteInfo(
                    form.name.data or "",
                    form.support_email.data or "",
                    form.support_phone.data or "",
                ),
            )
        except RollcallError as exc:
            form.support_email.errors = [exc.message]
        else:
            dbs.commit()
            flash("The site settings are saved.", "success")
            return redirect(url_for("admin_settings.index"))
    return render_template("admin/settings.html", form=form), 400 if form.errors else 200
