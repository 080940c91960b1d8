"""Catalog services: browse and search every kind of entry, and edit resources and in-person listings.

Services flush and never commit (STYLE.md §2). Retired entries vanish from browsing
(issue 5); a retired course stays reachable for its enrolled learners (see
``portal.enrollment``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.db import after_commit
from portal.catalog.errors import EntryNotFound, InvalidEntry
from portal.catalog.models import (
    ITEM_KINDS,
    RESOURCE_KINDS,
    STATUSES,
    InPersonCourse,
    Resource,
    ResourceItem,
)

#: The kinds a learner can filter the catalog by, in the order the filter shows them.
ENTRY_KINDS = {
    "course": "e-Learning course",
    "video_series": "Video series",
    "document": "Document",
    "in_person": "In-person course",
}
MAX_TOPICS = 20
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")


@dataclass(frozen=True)
class CatalogEntry:
    """One line of the catalog, whatever its kind."""

    kind: str
    slug: str
    title: str
    description: str
    topics: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        """The kind in words."""
        return ENTRY_KINDS[self.kind]


# -- small helpers -------------------------------------------------------------


def slugify(text: str) -> str:
    """A URL slug from a title: lowercase ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100].strip("-")


def parse_topics(raw: str | Iterable[str]) -> list[str]:
    """Topics from a comma-separated string (or a list): trimmed, deduplicated, order kept."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    topics: list[str] = []
    for item in items:
        topic = " ".join(item.split())[:60]
        if topic and topic.lower() not in {t.lower() for t in topics}:
            topics.append(topic)
    return topics


def _matches(entry: CatalogEntry, words: list[str], topic: str | None) -> bool:
    if topic and topic.lower() not in {t.lower() for t in entry.topics}:
        return False
    haystack = " ".join([entry.title, entry.description, *entry.topics, *map(str, entry.extra.values())]).lower()
    return all(word in haystack for word in words)


# -- browsing ------------------------------------------------------------------


def published_entries(session: Session, kind: str | None = None) -> list[CatalogEntry]:
    """Every published entry (of one kind, if given), newest first within each kind."""
    from portal.catalog import courses

    entries: list[CatalogEntry] = []
    if kind in (None, "course"):
        entries += [courses.entry_for(c) for c in courses.published_courses(session)]
    if kind in (None, "video_series", "document"):
        query = select(Resource).where(Resource.status == "published").order_by(Resource.created_at.desc())
        if kind:
            query = query.where(Resource.kind == kind)
        for resource in session.scalars(query):
            entries.append(
                CatalogEntry(resource.kind, resource.slug, resource.title, resource.description, tuple(resource.topics))
            )
    if kind in (None, "in_person"):
        listings = (
            select(InPersonCourse)
            .where(InPersonCourse.status == "published")
            .order_by(InPersonCourse.starts_on.is_(None), InPersonCourse.starts_on, InPersonCourse.title)
        )
        for listing in session.scalars(listings):
            entries.append(
                CatalogEntry(
                    "in_person",
                    listing.slug,
                    listing.title,
                    listing.description,
                    tuple(listing.topics),
                    {"provider": listing.provider, "location": listing.location, "when": listing.when()},
                )
            )
    return entries


def search(session: Session, *, q: str = "", topic: str | None = None, kind: str | None = None) -> list[CatalogEntry]:
    """Published entries whose words contain every word of ``q``, with ``topic``, of ``kind``."""
    if kind and kind not in ENTRY_KINDS:
        kind = None
    words = q.lower().split()[:10]
    return [e for e in published_entries(session, kind) if _matches(e, words, topic or None)]


def topics_in_use(entries: Iterable[CatalogEntry]) -> list[str]:
    """Every topic of the given entries, once, sorted (the topic filter's choices)."""
    seen: dict[str, str] = {}
    for entry in entries:
        for topic in entry.topics:
            seen.setdefault(topic.lower(), topic)
    return sorted(seen.values(), key=str.lower)


def get_resource(session: Session, slug: str, *, published_only: bool = True) -> Resource:
    """One resource with its items; unpublished ones only for editors."""
    resource = session.scalars(
        select(Resource).options(selectinload(Resource.items)).where(Resource.slug == slug)
    ).one_or_none()
    if resource is None or (published_only and resource.status != "published"):
        raise EntryNotFound(f"There is no resource {slug!r} in the catalog.")
    return resource


def get_in_person(session: Session, slug: str, *, published_only: bool = True) -> InPersonCourse:
    """One in-person listing; unpublished ones only for editors."""
    listing = session.scalars(select(InPersonCourse).where(InPersonCourse.slug == slug)).one_or_none()
    if listing is None or (published_only and listing.status != "published"):
        raise EntryNotFound(f"There is no in-person course {slug!r} in the catalog.")
    return listing


# -- editing (admins) ----------------------------------------------------------


def _common(session: Session, model: type[Any], current: Any, data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not str(data.get("title") or "").strip():
        errors["title"] = "Give it a title."
    slug = data.get("slug") or slugify(str(data.get("title") or ""))
    if not SLUG_RE.match(slug):
        errors["slug"] = "Use lowercase letters, digits and dashes (at most 100)."
    else:
        other = session.scalars(select(model).where(model.slug == slug)).one_or_none()
        if other is not None and other is not current:
            errors["slug"] = f"{slug!r} is already used by another entry."
        data["slug"] = slug
    if data.get("status", "draft") not in STATUSES:
        errors["status"] = f"Choose one of {', '.join(STATUSES)}."
    topics = parse_topics(data.get("topics") or "")
    if len(topics) > MAX_TOPICS:
        errors["topics"] = f"At most {MAX_TOPICS} topics."
    data["topics"] = topics
    return errors


def save_resource(session: Session, resource: Resource | None, data: dict[str, Any]) -> Resource:
    """Create or update a resource from form data (title, slug, kind, description, topics, status)."""
    data = dict(data)
    errors = _common(session, Resource, resource, data)
    if data.get("kind") not in RESOURCE_KINDS:
        errors["kind"] = "Choose video series or document."
    if errors:
        raise InvalidEntry(errors)
    resource = resource or Resource()
    resource.slug = data["slug"]
    resource.kind = data["kind"]
    resource.title = str(data["title"]).strip()
    resource.description = str(data.get("description") or "").strip()
    resource.topics = data["topics"]
    resource.status = data.get("status", "draft")
    session.add(resource)
    session.flush()
    return resource


def check_web_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host; raises ValueError otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise ValueError("Give the full address of the provider's page, starting with https://")
    return url


def save_in_person(session: Session, listing: InPersonCourse | None, data: dict[str, Any]) -> InPersonCourse:
    """Create or update an in-person listing (provider, where, when if known, registration URL)."""
    data = dict(data)
    errors = _common(session, InPersonCourse, listing, data)
    if not str(data.get("provider") or "").strip():
        errors["provider"] = "Name the organization that runs the course."
    try:
        url = check_web_url(str(data.get("registration_url") or ""))
    except ValueError as exc:
        errors["registration_url"] = str(exc)
    starts_on = data.get("starts_on")
    if starts_on is not None and not isinstance(starts_on, dt.date):
        errors["starts_on"] = "Give a date as YYYY-MM-DD, or leave it empty."
    if errors:
        raise InvalidEntry(errors)
    listing = listing or InPersonCourse()
    listing.slug = data["slug"]
    listing.title = str(data["title"]).strip()
    listing.description = str(data.get("description") or "").strip()
    listing.provider = str(data["provider"]).strip()
    listing.location = str(data.get("location") or "").strip()
    listing.starts_on = starts_on
    listing.schedule = str(data.get("schedule") or "").strip()
    listing.registration_url = url
    listing.topics = data["topics"]
    listing.status = data.get("status", "draft")
    session.add(listing)
    session.flush()
    return listing


# -- resource files --------------------------------------------------------------

#: What each kind of item may be (by file extension), and the type we serve it with.
ITEM_TYPES = {
    "video": {".mp4": "video/mp4", ".webm": "video/webm"},
    "captions": {".vtt": "text/vtt"},
    "document": {
        ".pdf": "application/pdf",
        ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".txt": "text/plain",
    },
}


def add_resource_item(
    session: Session, storage: Any, resource: Resource, *, kind: str, title: str, filename: str, stream: IO[bytes]
) -> ResourceItem:
    """Store an uploaded file of a resource and list it after the others."""
    from werkzeug.utils import secure_filename

    errors: dict[str, str] = {}
    if kind not in ITEM_KINDS:
        errors["kind"] = "Choose video, captions or document."
    safe_name = secure_filename(filename or "")
    extension = ("." + safe_name.rsplit(".", 1)[-1].lower()) if "." in safe_name else ""
    content_type = ITEM_TYPES.get(kind, {}).get(extension)
    if kind in ITEM_TYPES and content_type is None:
        allowed = ", ".join(ITEM_TYPES[kind])
        errors["file"] = f"A {kind} must be one of these files: {allowed}."
    if errors:
        raise InvalidEntry(errors)
    position = max((i.position for i in resource.items), default=-1) + 1
    key = f"catalog/resources/{resource.id}/{position}-{safe_name}"
    stored = storage.save(key, stream)
    item = ResourceItem(
        kind=kind,
        title=title.strip() or safe_name,
        filename=safe_name,
        content_type=content_type or "application/octet-stream",
        size=stored.size,
        sha256=stored.sha256,
        storage_key=key,
        position=position,
    )
    resource.items.append(item)
    session.flush()
    return item


def remove_resource_item(session: Session, storage: Any, resource: Resource, item_id: int) -> None:
    """Remove one file of a resource (from the listing and from storage)."""
    item = next((i for i in resource.items if i.id == item_id), None)
    if item is None:
        raise EntryNotFound("That file is not part of this resource.")
    key = item.storage_key
    resource.items.remove(item)
    session.flush()
    after_commit(session, lambda: storage.delete(key))  # a rollback keeps the row and its file

