"""What a course version offers the player: its items in tree order, and the xAPI IRIs of the SCORM Profile.

The items come from the default organization (CAM 2004 §3.4.1.8: the ``default``
attribute, else the first). A package whose ``<organizations/>`` is empty plays its
launchable resources as a flat list (CAM 2004 §3.4.1.7 allows no organization). IRIs
follow the xAPI SCORM Profile §3.2 "Activity IRI": the SCO IRI is the course IRI plus
an item path; an attempt IRI is the SCO IRI plus a unique ``attemptId``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import quote

from packages.model import CourseModel, Item

#: Fixed forever: attempt IRIs derive from it (changing it would orphan every attempt's State).
ATTEMPT_NAMESPACE = uuid.UUID("0b8f3f6e-1d2c-5a7b-9e41-7c3a5d9e2f10")


@dataclass(frozen=True)
class Entry:
    """One line of the player's table of contents."""

    item: Item
    depth: int


def entries(model: CourseModel) -> list[Entry]:
    """The items of the default organization, depth first, with their depth; else the resources, flat."""
    org = model.organization()
    if org is not None and any(item.href for item in org.walk()):
        found: list[Entry] = []

        def visit(item: Item, depth: int) -> None:
            found.append(Entry(item, depth))
            for child in item.children:
                visit(child, depth + 1)

        for item in org.items:
            visit(item, 0)
        return found
    return [
        Entry(Item(identifier=r.identifier, title=r.identifier, resource=r.identifier, href=r.href,
                   scorm_type=r.scorm_type or "asset"), 0)
        for r in model.resources
        if r.href and not r.external
    ]


def launchable(model: CourseModel) -> list[Item]:
    """The items that launch something, in tree order."""
    return [entry.item for entry in entries(model) if entry.item.href]


def find_item(model: CourseModel, identifier: str) -> Item | None:
    """The launchable item with this identifier."""
    return next((item for item in launchable(model) if item.identifier == identifier), None)


def sco_iri(course_iri: str, item: Item) -> str:
    """The SCO's activity IRI: the one import assigned, else the course IRI plus the item's path."""
    return item.activity_id or f"{course_iri.rstrip('/')}/item/{quote(item.identifier, safe='')}"


def course_attempt_iri(course_iri: str, registration: str, attempt: int) -> str:
    """The course attempt's IRI: unique per (registration, attempt number)."""
    attempt_id = uuid.uuid5(ATTEMPT_NAMESPACE, f"{registration}:{attempt}")
    return f"{course_iri}?attemptId={attempt_id}"


def sco_attempt_iri(course_iri: str, item: Item, registration: str, attempt: int, sco_attempt: int) -> str:
    """A SCO attempt's IRI (xAPI SCORM Profile §5.0 "Initializing an attempt"): unique, and derived, so a retry finds it."""
    attempt_id = uuid.uuid5(ATTEMPT_NAMESPACE, f"{registration}:{attempt}:{item.identifier}:{sco_attempt}")
    return f"{sco_iri(course_iri, item)}?attemptId={attempt_id}"
