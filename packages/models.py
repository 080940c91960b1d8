"""Courses, their versions and materials, and which version each registration plays (issue 4)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, JSONType

COURSE_STATUSES = ("draft", "published", "retired")


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


class Course(Base):
    """An e-learning course and its catalog data; its content lives in its versions."""

    __tablename__ = "course"
    __table_args__ = (CheckConstraint("status IN ('draft', 'published', 'retired')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    #: The course's xAPI activity IRI, fixed when the course is made so it is stable across versions.
    activity_iri: Mapped[str] = mapped_column(String(400), unique=True)
    title: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Recommended run-time as an ISO 8601 duration (from typicalLearningTime; editable).
    recommended_runtime: Mapped[str | None] = mapped_column(String(64), nullable=True)
    credit_note: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    #: The owning content partner's slug (None: the site's own course).
    partner_slug: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course", order_by="CourseVersion.number", passive_deletes=True
    )
    materials: Mapped[list[CourseMaterial]] = relationship(
        back_populates="course", order_by="CourseMaterial.id", passive_deletes=True
    )

    def to_json(self) -> dict[str, Any]:
        """The course's catalog data (the CLI's ``list`` prints this)."""
        return {
            "slug": self.slug,
            "activity_iri": self.activity_iri,
            "title": self.title,
            "description": self.description,
            "recommended_runtime": self.recommended_runtime,
            "credit_note": self.credit_note,
            "topics": list(self.topics or []),
            "status": self.status,
            "partner": self.partner_slug,
            "versions": [v.to_json() for v in self.versions],
            "materials": [m.to_json() for m in self.materials],
        }


class CourseVersion(Base):
    """One imported package of a course; its files sit under ``storage_prefix`` and never change."""

    __tablename__ = "course_version"
    __table_args__ = (UniqueConstraint("course_id", "number", name="uq_course_version_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    #: The parsed course model (packages.model.CourseModel.to_json()).
    model: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: The validation report (packages.report.Report.to_json()), warnings included.
    report: Mapped[dict[str, Any]] = mapped_column(JSONType)
    storage_backend: Mapped[str] = mapped_column(String(32))
    storage_prefix: Mapped[str] = mapped_column(String(300), unique=True)
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    course: Mapped[Course] = relationship(back_populates="versions")

    def to_json(self) -> dict[str, Any]:
        """A summary of the version (without the model)."""
        return {
            "id": self.id,
            "number": self.number,
            "kind": self.kind,
            "files": self.file_count,
            "bytes": self.total_bytes,
            "published": self.published_at is not None,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


class CourseMaterial(Base):
    """A downloadable file of a course (a PDF, slides), kept in package storage."""

    __tablename__ = "course_material"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(400))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_backend: Mapped[str] = mapped_column(String(32))
    storage_key: Mapped[str] = mapped_column(String(400), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    course: Mapped[Course] = relationship(back_populates="materials")

    def to_json(self) -> dict[str, Any]:
        """The material as listed on the course page."""
        return {
            "id": self.id,
            "title": self.title,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
        }


class RegistrationVersion(Base):
    """The version a registration plays: pinned on first launch, moved only by an admin (issue 4, Versions).

    Whether the registration is done is not kept here: that is the LRS's completion fact.
    """

    __tablename__ = "registration_version"

    registration: Mapped[str] = mapped_column(String(36), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id", ondelete="RESTRICT"), index=True)
    #: Counts the versions this registration has been given: a move starts attempt n + 1,
    #: so the player never feeds an earlier attempt's suspend data to new content.
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    version: Mapped[CourseVersion] = relationship()
