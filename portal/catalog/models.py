"""Catalog entries the portal keeps beside the e-learning courses of ``packages``.

Instructional resources (video series for roll calls, documents) and in-person
courses run by other organizations (portal FAQ, "in-person courses": only listed,
registration happens on the provider's own site).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, JSONType

#: Catalog states, shared with packages.models.Course.status.
STATUSES = ("draft", "published", "retired")
RESOURCE_KINDS = {"video_series": "Video series", "document": "Document"}
ITEM_KINDS = ("video", "captions", "document")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Resource(Base):
    """An instructional resource: a video series for roll calls, or documents."""

    __tablename__ = "catalog_resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="video_series")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now, server_default=func.now()
    )
    items: Mapped[list[ResourceItem]] = relationship(
        back_populates="resource",
        cascade="all, delete-orphan",
        order_by="ResourceItem.position",
    )

    @property
    def kind_label(self) -> str:
        """The kind in words."""
        return RESOURCE_KINDS.get(self.kind, self.kind)


class ResourceItem(Base):
    """One file of a resource: a video (played in the page), its captions, or a document."""

    __tablename__ = "catalog_resource_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    storage_key: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())
    resource: Mapped[Resource] = relationship(back_populates="items")


class InPersonCourse(Base):
    """A classroom course another organization runs; people register on the provider's site."""

    __tablename__ = "catalog_in_person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    provider: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    schedule: Mapped[str] = mapped_column(String(200), default="")
    registration_url: Mapped[str] = mapped_column(String(500))
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now, server_default=func.now()
    )

    def when(self) -> str:
        """When it runs, in words, or "" when the provider has not said."""
        parts: list[Any] = []
        if self.starts_on:
            parts.append(self.starts_on.strftime("%B %-d, %Y"))
        if self.schedule:
            parts.append(self.schedule)
        return " \u2014 ".join(parts)
