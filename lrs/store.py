"""Plain values that cross the LRS boundary (documents, statement queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Document:
    """A State, Activity Profile or Agent Profile document as stored."""

    content: bytes
    content_type: str
    etag: str
    updated: datetime

    def json(self) -> Any:
        """The content parsed as JSON (for application/json documents)."""
        import json

        return json.loads(self.content)


@dataclass
class StatementQuery:
    """The parameters of GET /xapi/statements (xAPI 1.0.3 Part Three §2.1.3), already validated."""

    agent: dict[str, Any] | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    #: Only statements stored with this credential key (scope statements/read/mine).
    authority_key: str | None = None
    #: Paging cursor (the commit-ordered sequence of the last statement of the previous page).
    after_sequence: int | None = None
    #: Upper bound of the sequence when paging, so later statements do not shift pages.
    max_sequence: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Completion:
    """A registration's course completion fact (ARCHITECTURE.md, "Course completion")."""

    #: Lowercase UUID string.
    registration: str
    course_iri: str
    statement_id: str
    #: Aware, UTC: the fact's timestamp, which is the certificate's date and never moves.
    timestamp: datetime
    agent: dict[str, Any]
    #: True: revoked by an admin (only returned with ``include_voided=True``).
    voided: bool = False
