"""The account forms (flask-wtf: each carries the CSRF token)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.accounts.models import ORGANIZATION_KINDS
from portal.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def select_choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs (WTForms 3.3 deprecates bare tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


_PASSWORD = [
    DataRequired("Enter a password."),
    Length(
        min=MIN_PASSWORD_LENGTH,
        max=MAX_PASSWORD_LENGTH,
        message=f"Use at least {MIN_PASSWORD_LENGTH} characters.",
    ),
]
_EMAIL = [
    DataRequired("Enter your email address."),
    Regexp(
        r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        message="Enter an email address like name@example.org.",
    ),
    Length(max=254),
]


class _ProfileFields(FlaskForm):
    """Name, organization and the updates opt-in: asked at sign-up, changed on the account page."""

    name = StringField("Full name", validators=[DataRequired("Enter your name."), Length(max=200)])
    organization = StringField("Organization or agency", validators=[Optional(), Length(max=200)])
    organization_kind = SelectField(
        "Kind of organization",
        choices=select_choices([("", "Choose one (optional)"), *ORGANIZATION_KINDS.items()]),
        validators=[Optional()],
    )
    updates_opt_in = BooleanField("Send me updates on your latest resources")


class SignUpForm(_ProfileFields):
    """Create an account (for yourself only: nobody registers someone else)."""

    email = EmailField("Email address", validators=_EMAIL)
    password = PasswordField("Password", validators=_PASSWORD)
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    """Log in with email and password."""

    email = EmailField("Email address", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    submit = SubmitField("Log in")


class EmailForm(FlaskForm):
    """Ask for a link by email (password reset, confirmation again)."""

    email = EmailField("Email address", validators=_EMAIL)
    submit = SubmitField("Send the link")


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = PasswordField("New password", validators=_PASSWORD)
    submit = SubmitField("Set new password")


class ChangePasswordForm(FlaskForm):
    """Change the password while logged in."""

    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    new_password = PasswordField("New password", validators=_PASSWORD)
    submit = SubmitField("Change password")


class ChangeEmailForm(FlaskForm):
    """Move the account to another address (confirmed by a link sent there)."""

    email = EmailField("New email address", validators=_EMAIL)
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])
    submit = SubmitField("Change email address")


class ProfileForm(_ProfileFields):
    """Name, organization and the updates opt-in."""

    submit = SubmitField("Save profile")


class CloseAccountForm(FlaskForm):
    """Close the account for good (asks for the password)."""

    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])
    confirm = BooleanField(
        "I understand that my account and personal data will be deleted",
        validators=[DataRequired("Tick the box to confirm.")],
    )
    submit = SubmitField("Close my account")


class ActionForm(FlaskForm):
    """A form with nothing but the CSRF token (log out, send again, one-click actions)."""
