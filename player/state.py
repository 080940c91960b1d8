"""The player's State documents in the LRS (xAPI SCORM Profile Appendix "xAPI SCORM Data Objects").

- course activity state (course IRI, ``activity-state``): ``{"attempts": [course attempt IRIs]}``;
- SCO activity state (SCO IRI, ``activity-state``): ``{"attempts": [SCO attempt IRIs]}``;
- SCO attempt state (SCO attempt IRI, ``attempt-state``): location, total_time, credit, mode;
- suspend data (SCO attempt IRI, ``adl-suspend-data``), as text, whole.

The profile's schemas allow no other properties, so the rest is in Rollcall's own
documents (lrs.vocab ``PLAYER_*``): the SCO attempt's whole CMI (``cmi-state``), and the
course attempt's launch session and commit seq that guard writes, with each SCO's
attempt number and outcome (``course-attempt-state``, at the course attempt IRI).

Every write names the ETag it read (If-Match) or that there was none (If-None-Match: *),
so a late or concurrent write fails (412) instead of silently overwriting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lrs import vocab
from lrs.client import PreconditionFailed

if TYPE_CHECKING:
    from lrs.client import LRSClient


@dataclass(frozen=True)
class Where:
    """The key of one State document."""

    activity_id: str
    agent: dict[str, Any]
    state_id: str
    registration: str


@dataclass
class Doc:
    """A State document as read: its content (JSON or text) and ETag (None: not there yet)."""

    where: Where
    content: Any
    etag: str | None


class Changed(Exception):
    """A document changed between our read and our write (412): someone else wrote first."""


def read_json(client: LRSClient, where: Where, default: Any) -> Doc:
    """A JSON State document, or ``default`` when there is none."""
    found = client.get_state(where.activity_id, where.agent, where.state_id, where.registration)
    if found is None:
        return Doc(where, default, None)
    try:
        return Doc(where, json.loads(found.content), found.etag)
    except ValueError:
        return Doc(where, default, found.etag)


def read_text(client: LRSClient, where: Where) -> Doc:
    """A text State document (suspend data), "" when there is none."""
    found = client.get_state(where.activity_id, where.agent, where.state_id, where.registration)
    if found is None:
        return Doc(where, "", None)
    return Doc(where, found.content.decode("utf-8", "replace"), found.etag)


def write(client: LRSClient, doc: Doc, content: Any) -> None:
    """Replace the document if it is still the one we read (If-Match / If-None-Match: *)."""
    if isinstance(content, str):
        body, kind = content.encode(), "text/plain; charset=utf-8"
    else:
        body, kind = json.dumps(content, separators=(",", ":"), sort_keys=True).encode(), "application/json"
    where = doc.where
    try:
        stored = client.put_state(
            where.activity_id, where.agent, where.state_id, body, kind, registration=where.registration,
            if_match=f'"{doc.etag}"' if doc.etag else None, if_none_match=None if doc.etag else "*",
        )
    except PreconditionFailed as exc:
        raise Changed(str(exc)) from exc
    doc.content, doc.etag = content, stored.etag


def activity_state(activity_id: str, agent: dict[str, Any], registration: str) -> Where:
    """The profile's activity state (the attempts list) of a course or SCO."""
    return Where(activity_id, agent, vocab.SCORM_ACTIVITY_STATE, registration)


def attempt_state(attempt_iri: str, agent: dict[str, Any], registration: str) -> Where:
    """The profile's attempt state of a course or SCO attempt."""
    return Where(attempt_iri, agent, vocab.SCORM_ATTEMPT_STATE, registration)


def cmi_state(attempt_iri: str, agent: dict[str, Any], registration: str) -> Where:
    """Rollcall's document of a SCO attempt's whole CMI."""
    return Where(attempt_iri, agent, vocab.PLAYER_CMI_STATE, registration)


def course_attempt_state(attempt_iri: str, agent: dict[str, Any], registration: str) -> Where:
    """Rollcall's document of a course attempt: launch session, commit seq, each SCO's outcome."""
    return Where(attempt_iri, agent, vocab.PLAYER_COURSE_ATTEMPT_STATE, registration)


def suspend_data(attempt_iri: str, agent: dict[str, Any], registration: str) -> Where:
    """The profile's suspend data document of a SCO attempt."""
    return Where(attempt_iri, agent, vocab.SCORM_SUSPEND_DATA, registration)


def add_attempt(client: LRSClient, where: Where, attempt_iri: str) -> None:
    """Append an attempt IRI to an activity state's ``attempts`` (oldest first), once; retried on a race."""
    for _ in range(5):
        doc = read_json(client, where, {"attempts": []})
        attempts = list(doc.content.get("attempts") or []) if isinstance(doc.content, dict) else []
        if attempt_iri in attempts:
            return
        try:
            write(client, doc, {**(doc.content if isinstance(doc.content, dict) else {}),
                                "attempts": [*attempts, attempt_iri]})
            return
        except Changed:
            continue
    raise Changed("the attempts list kept changing")
