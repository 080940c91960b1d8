"""Admin: find users, confirm them by hand, send a reset, set roles and partner organizations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from core.errors import NotFound
from core.web import db_session
from portal import mail
from portal.accounts import directory
from portal.accounts.access import role_required
from portal.accounts.forms import ActionForm, select_choices
from portal.accounts.models import ROLE_LABELS, User
from portal.accounts.services import AccountError
from portal.accounts.views import field_error, send_reset

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")
admins = role_required("admin")


class RoleForm(FlaskForm):
    """A user's role and, for partners, their organization."""

    role = SelectField("Role", choices=select_choices(ROLE_LABELS.items()))
    partner_slug = SelectField("Partner organization (for partner users)", choices=[])
    submit = SubmitField("Save role")


def _user(user_id: int) -> User:
    user = db_session().get(User, user_id)
    if user is None or user.closed_at is not None:
        raise NotFound("There is no such user.")
    return user


def _role_form(user: User) -> RoleForm:
    form = RoleForm(obj=user)
    form.partner_slug.choices = select_choices(
        [("", "None"), *((p.slug, p.name) for p in directory.partners(db_session()))]
    )
    return form


@bp.route("/")
@admins
def index() -> str:
    """Users, searched by email or name."""
    query = request.args.get("q", "")[:200]
    return render_template("admin/users.html", users=directory.search_users(db_session(), query), q=query)


@bp.route("/<int:user_id>")
@admins
def detail(user_id: int) -> str:
    """One user: details, role, and support actions."""
    user = _user(user_id)
    return render_template("admin/user.html", user=user, form=_role_form(user), action_form=ActionForm())


@bp.route("/<int:user_id>/role", methods=["POST"])
@admins
def set_role(user_id: int) -> Any:
    """Change a user's role (and partner organization)."""
    user = _user(user_id)
    form = _role_form(user)
    if form.validate_on_submit():
        me = db_session().get(User, current_user.id)
        assert me is not None
        try:
            directory.set_role(
                db_session(),
                user,
                form.role.data or "",
                form.partner_slug.data or None,
                acting=me,
            )
        except AccountError as exc:
            field_error(form, exc)
        else:
            db_session().commit()
            flash(f"{user.email} is now: {user.role_label}.", "success")
            return redirect(url_for("admin_users.detail", user_id=user.id))
    return render_template("admin/user.html", user=user, form=form, action_form=ActionForm()), 400


@bp.route("/<int:user_id>/confirm", methods=["POST"])
@admins
def confirm(user_id: int) -> Any:
    """Confirm a user's address by hand (support checked it another way)."""
    user = _user(user_id)
    directory.confirm_by_hand(db_session(), user)
    db_session().commit()
    flash(f"{user.email} is confirmed.", "success")
    return redirect(url_for("admin_users.detail", user_id=user.id))


@bp.route("/<int:user_id>/reset", methods=["POST"])
@admins
def reset(user_id: int) -> Any:
    """Email the user a password reset link."""
    user = _user(user_id)
    queued = send_reset(user)
    db_session().commit()
    mail.send_soon(queued)
    flash(f"A password reset link was sent to {user.email}.", "success")
    return redirect(url_for("admin_users.detail", user_id=user.id))
