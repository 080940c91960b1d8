"""Forms of the catalog's admin and partner pages (flask-wtf: CSRF comes with them)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional

from portal.accounts.forms import select_choices
from portal.catalog.models import RESOURCE_KINDS

STATUS_CHOICES = select_choices(
    [("draft", "Draft (only editors see it)"), ("published", "Published"), ("retired", "Retired")]
)


class _Entry(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    slug = StringField("Web address name (slug)", validators=[Optional(), Length(max=100)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=20_000)])
    topics = StringField("Topics", validators=[Optional(), Length(max=1000)])
    status = SelectField("Status", choices=STATUS_CHOICES, default="draft")

    @classmethod
    def for_entry(cls, obj: Any) -> Any:
        """The form for editing ``obj`` (or a new entry when None), topics shown comma-separated."""
        form = cls(obj=obj)
        if obj is not None and not form.is_submitted():
            form.topics.data = ", ".join(obj.topics or [])
        return form

    def values(self) -> dict[str, Any]:
        """The submitted values, keyed like the service functions expect."""
        return {name: field.data for name, field in self._fields.items() if name not in ("csrf_token", "submit")}

    def show_errors(self, errors: dict[str, str]) -> None:
        """Attach a service's field errors to the form's fields."""
        for name, message in errors.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = [*field.errors, message]  # type: ignore[assignment]


class ResourceForm(_Entry):
    """A video series or a document resource."""

    kind = SelectField("Kind", choices=select_choices(RESOURCE_KINDS.items()))


class InPersonForm(_Entry):
    """An in-person course listing."""

    provider = StringField("Provider (the organization that runs it)", validators=[DataRequired(), Length(max=200)])
    location = StringField("Where", validators=[Optional(), Length(max=200)])
    starts_on = DateField("Starts on (if known)", validators=[Optional()])
    schedule = StringField("When, in words (if known)", validators=[Optional(), Length(max=200)])
    registration_url = StringField(
        "Provider's registration page", validators=[DataRequired(), URL(require_tld=False), Length(max=500)]
    )


class CourseForm(_Entry):
    """The catalog data of an e-learning course (its content comes from its package)."""

    slug = None  # fixed at import: the course's activity IRI is made from it

    recommended_runtime = StringField("Recommended run-time", validators=[Optional(), Length(max=64)])
    credit_note = TextAreaField("Continuing-education credit note", validators=[Optional(), Length(max=5000)])


class ResourceItemForm(FlaskForm):
    """One file added to a resource."""

    item_title = StringField("File title", validators=[Optional(), Length(max=200)])
    item_kind = SelectField(
        "Kind of file",
        choices=select_choices([("video", "Video (.mp4, .webm)"), ("captions", "Captions (.vtt)"), ("document", "Document")]),
    )
    file = FileField("File", validators=[FileRequired()])


class MaterialForm(FlaskForm):
    """A downloadable material of a course."""

    material_title = StringField("Material title", validators=[Optional(), Length(max=200)])
    file = FileField("File (PDF, slides, document)", validators=[FileRequired()])


class PackageForm(FlaskForm):
    """A package upload: a new course, or a new version of an existing one."""

    course_slug = StringField("Course web address name (slug)", validators=[Optional(), Length(max=64)])
    package = FileField("Package (.zip)", validators=[FileRequired()], render_kw={"accept": ".zip,application/zip"})
