"""The logged-in person's own account: profile, email, password, data download, closing."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user, logout_user

from core.web import db_session
from portal import mail
from portal.accounts import services
from portal.accounts.access import login_required
from portal.accounts.forms import (
    ActionForm,
    ChangeEmailForm,
    ChangePasswordForm,
    CloseAccountForm,
    ProfileForm,
)
from portal.accounts.models import User
from portal.accounts.views import field_error
from portal.identity import agent_for

bp = Blueprint("profile", __name__, url_prefix="/account")


def _me() -> User:
    user = db_session().get(User, current_user.id)
    assert user is not None
    return user


def _forms(user: User) -> dict[str, Any]:
    profile = ProfileForm(prefix="profile", obj=user)
    return {
        "profile_form": profile,
        "email_form": ChangeEmailForm(prefix="email"),
        "password_form": ChangePasswordForm(prefix="password"),
    }


def _page(forms: dict[str, Any], status: int = 200) -> tuple[str, int]:
    return render_template("accounts/settings.html", **forms), status


@bp.route("", methods=["GET"])
@login_required
def settings() -> tuple[str, int]:
    """The account page: profile, email, password, download, close."""
    return _page(_forms(_me()))


@bp.route("/profile", methods=["POST"])
@login_required
def save_profile() -> Any:
    """Save name, organization and the updates opt-in."""
    user = _me()
    forms = _forms(user)
    form = forms["profile_form"]
    if not form.validate_on_submit():
        return _page(forms, 400)
    user.name = (form.name.data or "").strip()
    user.organization = (form.organization.data or "").strip() or None
    user.organization_kind = form.organization_kind.data or None
    user.updates_opt_in = bool(form.updates_opt_in.data)
    db_session().commit()
    flash("Your profile is saved.", "success")
    return redirect(url_for("profile.settings"))


@bp.route("/email", methods=["POST"])
@login_required
def change_email() -> Any:
    """Start moving the account to a new address: a confirmation link goes to that address."""
    user = _me()
    forms = _forms(user)
    form = forms["email_form"]
    if not form.validate_on_submit():
        return _page(forms, 400)
    dbs = db_session()
    try:
        new_email, taken = services.request_email_change(dbs, user, form.email.data or "", form.password.data or "")
    except services.AccountError as exc:
        field_error(form, exc)
        return _page(forms, 400)
    if taken is None:
        token = services.email_change_token(str(current_app.config["SECRET_KEY"]), user, new_email)
        queued = [
            mail.compose(
                dbs,
                "change_email",
                new_email,
                user=user,
                link=mail.link("profile.apply_email", token=token),
            )
        ]
    else:  # say nothing here about the other account; tell that address's owner instead
        queued = [
            mail.compose(
                dbs,
                "already_registered",
                new_email,
                user=taken,
                login=mail.link("accounts.login"),
                reset=mail.link("accounts.forgot"),
            )
        ]
    dbs.commit()
    mail.send_soon(queued)
    flash(
        f"We sent a link to {new_email}. Follow it to confirm your new address; until then, keep using the old one.",
        "info",
    )
    return redirect(url_for("profile.settings"))


@bp.route("/email/<token>", methods=["GET", "POST"])
def apply_email(token: str) -> Any:
    """The link sent to the new address: GET shows a button; its POST moves the account (and ends other sessions)."""
    dbs = db_session()
    secret = str(current_app.config["SECRET_KEY"])
    _user, new_email = services.email_change_target(dbs, secret, token)  # a bad link: 400 with what is wrong
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("accounts/email_change.html", form=form, email=new_email)
    services.apply_email_change(dbs, secret, token)
    dbs.commit()
    logout_user()
    session.clear()
    flash("Your email address is changed. Log in with your new address.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/password", methods=["POST"])
@login_required
def change_password() -> Any:
    """Change the password; every other session is logged out."""
    from flask_login import login_user

    user = _me()
    forms = _forms(user)
    form = forms["password_form"]
    if not form.validate_on_submit():
        return _page(forms, 400)
    dbs = db_session()
    try:
        services.change_password(dbs, user, form.current_password.data or "", form.new_password.data or "")
    except services.AccountError as exc:
        field_error(form, exc)
        return _page(forms, 400)
    dbs.commit()
    session.clear()
    login_user(user)  # this session carries the new token; the others no longer match
    flash("Your password is changed. Other devices were logged out.", "success")
    return redirect(url_for("profile.settings"))


@bp.route("/export")
@login_required
def export() -> Response:
    """Download everything Rollcall holds about you, as JSON."""
    user = _me()
    agent = agent_for(user)
    statements = list(current_app.extensions["lrs_client"].query_statements(agent=agent, ascending=True))
    body = json.dumps(services.export_data(user, agent, statements), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="rollcall-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/close", methods=["GET", "POST"])
@login_required
def close() -> Any:
    """Close the account (after offering the data download); statements stay, unlinked."""
    user = _me()
    form = CloseAccountForm()
    if form.validate_on_submit():
        if not user.password_hash or not services.verify_password(user.password_hash, form.password.data or ""):
            form.password.errors = ["Your password is not right."]
        else:
            dbs = db_session()
            services.close_account(dbs, user)
            dbs.commit()
            logout_user()
            session.clear()
            flash("Your account is closed and your personal data deleted.", "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/close.html", form=form), 400 if form.errors else 200
