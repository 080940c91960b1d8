"""Enroll a learner in a course, and list their enrollments, through the LRS (DESIGN.md, "The shape").

An enrollment is the statement "learner registered course" in the registration
that belongs to the pair (learner, course). Both the registration and the
statement id are UUIDv5 of that pair, so a double click or a retry stores
nothing new, and there is no unenrollment (portal FAQ).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import Conflict
from lrs.client import SYSTEM_AUTHORITY, LRSError
from lrs.vocab import ACTIVITY_COURSE, VERB_REGISTERED

if TYPE_CHECKING:
    from lrs.client import LRSClient


class EnrollmentRefused(Conflict):
    """The LRS would not record the enrollment."""


#: Fixed forever: changing it would enroll everybody again under new registrations.
ENROLLMENT_NAMESPACE = uuid.UUID("6f1c2a0e-4a51-5d3e-9c2b-2f1d0b7e8a41")


@dataclass(frozen=True)
class Enrollment:
    """A learner's enrollment as the LRS projection reports it."""

    activity_id: str
    registration: str
    statement_id: str
    stored: str


def registration_for(user_uuid: str, course_iri: str) -> uuid.UUID:
    """The registration of (learner, course): UUIDv5 so that it never changes (DESIGN.md)."""
    return uuid.uuid5(ENROLLMENT_NAMESPACE, f"{user_uuid}:{course_iri}")


def statement_id_for(user_uuid: str, course_iri: str) -> uuid.UUID:
    """The id of the ``registered`` statement of (learner, course)."""
    return uuid.uuid5(ENROLLMENT_NAMESPACE, f"{user_uuid}:{course_iri}:registered")


def registered_statement(agent: dict[str, Any], user_uuid: str, course_iri: str, title: str) -> dict[str, Any]:
    """The xAPI statement "learner registered course" (xAPI 1.0.3 Part Two §2.4; ADL verb registered)."""
    return {
        "id": str(statement_id_for(user_uuid, course_iri)),
        "actor": agent,
        "verb": {"id": VERB_REGISTERED, "display": {"en-US": "registered"}},
        "object": {
            "objectType": "Activity",
            "id": course_iri,
            "definition": {"type": ACTIVITY_COURSE, "name": {"en-US": title}},
        },
        "context": {"registration": str(registration_for(user_uuid, course_iri))},
    }


def enroll(lrs_client: LRSClient, agent: dict[str, Any], user_uuid: str, course_iri: str, title: str) -> Enrollment:
    """Enroll once: store the ``registered`` statement unless it is already there (idempotent)."""
    statement = registered_statement(agent, user_uuid, course_iri, title)
    existing = lrs_client.get_statement(statement["id"])
    if existing is None:
        failure: LRSError | None = None
        try:
            lrs_client.store_statement(statement, authority=SYSTEM_AUTHORITY)
        except LRSError as exc:  # re-raised below unless a concurrent click stored it first (409)
            failure = exc
        existing = lrs_client.get_statement(statement["id"])
        if existing is None and lrs_client.get_statement(statement["id"], voided=True) is not None:
            # An admin voided this enrollment (a mistake being corrected): its id stays spent.
            raise EnrollmentRefused(
                "This enrollment was cancelled by an administrator and cannot be made again here."
                " Please contact support."
            ) from failure
        if existing is None and failure is not None:
            raise failure
    stored = str((existing or {}).get("stored", ""))
    return Enrollment(course_iri, statement["context"]["registration"], statement["id"], stored)


def enrollments(lrs_client: LRSClient, agent: dict[str, Any]) -> list[Enrollment]:
    """The learner's enrollments, newest first, from the LRS's "registrations" projection."""
    rows = lrs_client.registrations(agent)
    return [
        Enrollment(str(r["activity_id"]), str(r["registration"]), str(r["statement_id"]), str(r.get("stored", "")))
        for r in rows
    ]


def is_enrolled(lrs_client: LRSClient, user_uuid: str, course_iri: str) -> bool:
    """True when the learner's ``registered`` statement for the course is in the LRS (and not voided)."""
    return lrs_client.get_statement(statement_id_for(user_uuid, course_iri)) is not None
