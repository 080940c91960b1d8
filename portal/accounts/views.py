"""Sign up, confirm, log in and out, forgotten passwords, unsubscribe (the pages before log-in)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from core.web import db_session
from portal import mail, ratelimit
from portal.accounts import services, tokens
from portal.accounts.access import login_required
from portal.accounts.forms import (
    ActionForm,
    EmailForm,
    LoginForm,
    ResetPasswordForm,
    SignUpForm,
)
from portal.accounts.models import User
from portal.extensions import csrf

bp = Blueprint("accounts", __name__)


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _ip() -> str:
    return request.remote_addr or "unknown"


def safe_next(target: str | None) -> str | None:
    """A local path to return to after log-in, or None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def home_url() -> str:
    """Where people land: the catalog once it exists, else the home page."""
    try:
        return url_for("catalog.index")
    except BuildError:  # the catalog blueprint may not be registered
        return url_for("home.index")


def field_error(form: Any, error: services.AccountError) -> None:
    """Show a service's error on the form field it names (or as a flash)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def send_confirmation(user: User) -> list[mail.OutboxMessage]:
    """Queue the confirmation email for the user's current address."""
    token = services.confirmation_token(_secret(), user)
    assert user.email is not None
    return [
        mail.compose(
            db_session(),
            "confirm",
            user.email,
            user=user,
            link=mail.link("accounts.confirm", token=token),
        )
    ]


def send_reset(user: User) -> list[mail.OutboxMessage]:
    """Queue a password reset email."""
    token = services.reset_token(_secret(), user)
    assert user.email is not None
    return [
        mail.compose(
            db_session(),
            "reset",
            user.email,
            user=user,
            link=mail.link("accounts.reset", token=token),
        )
    ]


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Any:
    """Create an account: the same answer whether or not the address already has one."""
    if current_user.is_authenticated:
        return redirect(home_url())
    form = SignUpForm()
    if form.validate_on_submit():
        dbs = db_session()
        ratelimit.hit(dbs, _secret(), ratelimit.SIGNUP_PER_IP, _ip())
        try:
            result = services.sign_up(
                dbs,
                email=form.email.data or "",
                password=form.password.data or "",
                name=form.name.data or "",
                organization=form.organization.data,
                organization_kind=form.organization_kind.data,
                updates_opt_in=bool(form.updates_opt_in.data),
            )
        except services.AccountError as exc:
            dbs.commit()  # the attempt still counts
            field_error(form, exc)
        else:
            if result.user is not None:
                queued = send_confirmation(result.user)
            else:
                assert result.existing is not None and result.existing.email
                queued = [
                    mail.compose(
                        dbs,
                        "already_registered",
                        result.existing.email,
                        user=result.existing,
                        login=mail.link("accounts.login"),
                        reset=mail.link("accounts.forgot"),
                    )
                ]
            dbs.commit()
            mail.send_soon(queued)
            session["check_email"] = services.normalize_email(form.email.data or "")
            return redirect(url_for("accounts.check_email"))
    return render_template("accounts/signup.html", form=form), 400 if form.errors else 200


@bp.route("/signup/check-email")
def check_email() -> str:
    """After sign-up: look for the confirmation email."""
    return render_template("accounts/check_email.html", email=session.get("check_email"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Any:
    """The confirmation link: GET shows a button, its POST confirms (mail scanners open links, not forms)."""
    dbs = db_session()
    user = services.confirmation_user(dbs, _secret(), token)  # a bad link: 400 with what is wrong
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("accounts/confirm.html", form=form, email=user.email)
    user = services.confirm_email(dbs, _secret(), token)
    dbs.commit()
    flash("Thank you: your email address is confirmed.", "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(home_url())
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Log in with email and password; a fresh session each time."""
    form = LoginForm()
    if form.validate_on_submit():
        dbs = db_session()
        email = services.normalize_email(form.email.data or "")
        ratelimit.hit(dbs, _secret(), ratelimit.LOGIN_PER_IP, _ip())
        ratelimit.check(dbs, _secret(), ratelimit.LOGIN_FAILURES_PER_ACCOUNT, email)
        user = services.authenticate(dbs, email, form.password.data or "")
        if user is None:
            ratelimit.record(dbs, _secret(), ratelimit.LOGIN_FAILURES_PER_ACCOUNT, email)
            dbs.commit()
            form.password.errors = ["The email address or password is not right."]
            return render_template("accounts/login.html", form=form), 400
        dbs.commit()
        target = safe_next(request.args.get("next"))
        session.clear()  # no session fixation: nothing from before log-in survives
        login_user(user)
        if not user.is_confirmed:
            return redirect(url_for("accounts.unconfirmed"))
        return redirect(target or home_url())
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Log out (POST with the CSRF token, so no page can log people out)."""
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/unconfirmed")
@login_required
def unconfirmed() -> Any:
    """An unconfirmed account: check your email, send it again, or contact support."""
    if current_user.is_confirmed:
        return redirect(home_url())
    return render_template("accounts/unconfirmed.html", form=ActionForm())


@bp.route("/confirm/resend", methods=["POST"])
@login_required
def resend_confirmation() -> Response:
    """Send the confirmation email again."""
    dbs = db_session()
    if not current_user.is_confirmed:
        ratelimit.hit(dbs, _secret(), ratelimit.EMAIL_PER_IP, _ip())
        ratelimit.hit(dbs, _secret(), ratelimit.EMAIL_PER_ADDRESS, current_user.email or "")
        queued = send_confirmation(dbs.get(User, current_user.id))  # type: ignore[arg-type]
        dbs.commit()
        mail.send_soon(queued)
        flash(f"We sent the confirmation email again to {current_user.email}.", "success")
    return redirect(url_for("accounts.unconfirmed"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot() -> Any:
    """Ask for a reset link: the same answer whether or not the address has an account."""
    form = EmailForm()
    if form.validate_on_submit():
        dbs = db_session()
        email = services.normalize_email(form.email.data or "")
        ratelimit.hit(dbs, _secret(), ratelimit.EMAIL_PER_IP, _ip())
        ratelimit.hit(dbs, _secret(), ratelimit.EMAIL_PER_ADDRESS, email)
        user = services.user_by_email(dbs, email)
        if user is not None:
            queued = send_reset(user)
        else:
            # Mail the address either way: the answer and its timing reveal nothing.
            queued = [mail.compose(dbs, "no_account", email, signup=mail.link("accounts.signup"))]
        dbs.commit()
        mail.send_soon(queued)
        session["check_email"] = email
        return redirect(url_for("accounts.forgot_sent"))
    return render_template("accounts/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/forgot/sent")
def forgot_sent() -> str:
    """After asking for a reset: look for the email."""
    return render_template("accounts/forgot_sent.html", email=session.get("check_email"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Any:
    """Choose a new password from a reset link (it works once and expires after an hour)."""
    dbs = db_session()
    try:
        services.user_for_reset(dbs, _secret(), token)
    except tokens.InvalidToken as exc:
        return render_template("accounts/reset_invalid.html", message=exc.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(dbs, _secret(), token, form.password.data or "")
        except services.AccountError as exc:
            field_error(form, exc)
        else:
            dbs.commit()
            logout_user()
            session.clear()
            flash("Your password is changed. Log in with your new password.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form), 400 if form.errors else 200


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # type: ignore[untyped-decorator]  # the signed token is the proof; mail clients POST here for one-click (RFC 8058)
def unsubscribe(token: str) -> Any:
    """One-click unsubscribe from the updates emails (no log-in)."""
    try:
        tokens.load_forever(_secret(), "unsubscribe", token)
    except tokens.InvalidToken as exc:
        return render_template("accounts/reset_invalid.html", message=exc.message), 400
    if request.method == "POST":
        dbs = db_session()
        services.unsubscribe(dbs, _secret(), token)
        dbs.commit()
        return render_template("accounts/unsubscribed.html")
    return render_template("accounts/unsubscribe.html", token=token)
