"""Course completion, defined once: the fact's id, its statement, and the system agent that issues it.

ARCHITECTURE.md, "Course completion". When a registration meets its course's rule,
Rollcall stores one ``satisfied`` statement about the course, with Rollcall's system
agent as its authority and an id derived from the registration alone, so that it is
stored at most once per registration however often the rule is met again.

The id is reserved, not secret: ``completion_statement_id`` is a UUID of version 8
(RFC 9562 §5.8, "custom") whose first six bytes are ``RESERVED_PREFIX`` and whose other
bits are a SHA-256 of the registration. Nobody but the system agent may store a
statement with an id that starts so, nor void one (``lrs.sql.statements``), so an HTTP
client that knows a registration cannot take its completion's id first, nor void it
before it exists. (A name-based UUIDv5 could not be told apart from any other id, and
a keyed one could not be computed without the database.)
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lrs.db import LRSBase
from lrs.vocab import ACTIVITY_COURSE, VERB_SATISFIED

#: The first six bytes of every completion id: "Rcompl" (52636f6d-706c-8...).
RESERVED_PREFIX = b"Rcompl"
_NAME = b"rollcall course completion\x00"


class SystemRecord(LRSBase):
    """The one row of site facts fixed when the LRS is first set up (migration l0009)."""

    __tablename__ = "lrs_system"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: The system agent, as JSON text.
    agent: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def load_system_agent(session: Session) -> dict[str, Any]:
    """The system agent as stored at the site's first set-up; LookupError when the LRS is not migrated."""
    text = session.scalar(select(SystemRecord.agent).where(SystemRecord.id == 1))
    if text is None:
        raise LookupError("the LRS's database has no system agent: run `rollcall db upgrade`")
    agent: dict[str, Any] = json.loads(text)
    return agent


def normalized_registration(registration: str) -> str:
    """A registration as the lowercase 8-4-4-4-12 UUID string; ValueError when it is not a UUID."""
    if not isinstance(registration, str):
        raise ValueError(f"a registration is a UUID string, not {registration!r}")
    text = registration.strip().lower()
    if str(uuid.UUID(text)) != text:
        raise ValueError(f"a registration is a UUID in the 8-4-4-4-12 form, not {registration!r}")
    return text


def completion_statement_id(registration: str) -> str:
    """The id of a registration's completion fact: a reserved version-8 UUID (see the module docstring)."""
    digest = hashlib.sha256(_NAME + normalized_registration(registration).encode()).digest()
    raw = bytearray(RESERVED_PREFIX + digest[:10])
    raw[6] = 0x80 | (raw[6] & 0x0F)  # version 8
    raw[8] = 0x80 | (raw[8] & 0x3F)  # RFC 9562 variant
    return str(uuid.UUID(bytes=bytes(raw)))


def is_reserved_id(statement_id: str | None) -> bool:
    """Whether ``statement_id`` lies in the id space only the system agent may use (completion facts)."""
    if not statement_id:
        return False
    try:
        value = uuid.UUID(statement_id)
    except ValueError:
        return False
    return value.bytes[:6] == RESERVED_PREFIX and value.version == 8


def is_completion(statement: dict[str, Any]) -> bool:
    """Whether a stored statement is a completion fact (its id is its registration's completion id)."""
    registration = (statement.get("context") or {}).get("registration")
    if not isinstance(registration, str) or statement.get("verb", {}).get("id") != VERB_SATISFIED:
        return False
    try:
        return statement.get("id") == completion_statement_id(registration)
    except ValueError:
        return False


def completion_statement(
    *, agent: dict[str, Any], course_iri: str, registration: str, course_name: str | None
) -> dict[str, Any]:
    """The completion fact for a registration, as the system agent stores it (no timestamp: the server's clock)."""
    activity: dict[str, Any] = {"objectType": "Activity", "id": course_iri, "definition": {"type": ACTIVITY_COURSE}}
    if course_name:
        activity["definition"]["name"] = {"und": course_name}
    return {
        "id": completion_statement_id(registration),
        "actor": agent,
        "verb": {"id": VERB_SATISFIED, "display": {"en-US": "satisfied"}},
        "object": activity,
        "context": {"registration": normalized_registration(registration)},
    }
