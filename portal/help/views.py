"""The help page (FAQ + support contact), its admin editor, and what every page template gets."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import BuildError
from wtforms import IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from core.errors import NotFound
from core.web import db_session
from portal.accounts.access import role_required
from portal.accounts.forms import ActionForm
from portal.help import services
from portal.help.models import FaqEntry

bp = Blueprint("help", __name__, url_prefix="/help")


class FaqEntryForm(FlaskForm):
    """One question and answer."""

    section = StringField("Section", validators=[Length(max=200)])
    question = StringField("Question", validators=[DataRequired("Enter the question."), Length(max=500)])
    answer = TextAreaField("Answer", validators=[DataRequired("Enter the answer.")])
    position = IntegerField(
        "Position (smaller comes first)",
        default=1000,
        validators=[NumberRange(min=0, max=1_000_000, message="Use a whole number from 0.")],
    )
    submit = SubmitField("Save question")


@bp.route("")
def index() -> str:
    """Frequently asked questions and how to reach support (anyone, logged in or not)."""
    sections = services.faq_sections(services.faq_entries(db_session()))
    return render_template("help/index.html", sections=sections)


@bp.route("/edit")
@role_required("admin")
def edit() -> str:
    """Admins: the list of questions to edit, delete or add to."""
    return render_template(
        "help/edit.html",
        entries=services.faq_entries(db_session()),
        action_form=ActionForm(),
    )


@bp.route("/faq/new", methods=["GET", "POST"], defaults={"entry_id": None})
@bp.route("/faq/<int:entry_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_entry(entry_id: int | None) -> Any:
    """Admins: add a question, or change one."""
    dbs = db_session()
    entry = None
    if entry_id is not None:
        entry = dbs.get(FaqEntry, entry_id)
        if entry is None:
            raise NotFound("That question does not exist.")
    form = FaqEntryForm(obj=entry)
    if form.validate_on_submit():
        services.save_faq_entry(
            dbs,
            entry_id,
            section=form.section.data or "",
            question=form.question.data or "",
            answer=form.answer.data or "",
            position=form.position.data or 0,
        )
        dbs.commit()
        flash("The question is saved.", "success")
        return redirect(url_for("help.edit"))
    return render_template("help/edit_entry.html", form=form, entry=entry), 400 if form.errors else 200


@bp.route("/faq/<int:entry_id>/delete", methods=["POST"])
@role_required("admin")
def delete_entry(entry_id: int) -> Any:
    """Admins: remove a question."""
    dbs = db_session()
    services.delete_faq_entry(dbs, entry_id)
    dbs.commit()
    flash("The question is deleted.", "success")
    return redirect(url_for("help.edit"))


def current_site() -> services.SiteInfo:
    """This request's site settings (read once per request)."""
    if "site_info" not in g:
        settings = current_app.config["ROLLCALL"]
        try:
            g.site_info = services.site_info(db_session(), settings)
        except SQLAlchemyError:  # e.g. on an error page after a failed transaction
            g.site_info = services.SiteInfo(
                services.DEFAULT_SITE_NAME,
                settings.support_email,
                settings.support_phone,
            )
    return g.site_info  # type: ignore[no-any-return]


def nav_url(endpoint: str, **values: Any) -> str | None:
    """The URL of ``endpoint``, or None while no blueprint provides it (for the navigation)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def init_app(app: Flask) -> None:
    """Register the help pages and give every template ``site`` and ``nav_url``."""
    app.register_blueprint(bp)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"site": current_site(), "nav_url": nav_url}
