"""Projections the LRS keeps in the statement transaction (DESIGN.md, "Derived facts for fast pages").

Projections are LRS-owned code: they write their own tables with the statement
transaction's session, which nothing outside ``lrs`` is given. The app factory picks
which to keep by name (``PROJECTIONS``; ``LRSClient.add_projection``).

- ``RegistrationsProjection`` is what the portal's "My learning" page reads: for each
  agent, the registrations it was registered in, from
  ``http://adlnet.gov/expapi/verbs/registered`` statements, removed again when such a
  statement is voided.
- ``CompletionsProjection``: registration -> its course completion fact
  (ARCHITECTURE.md, "Course completion"), removed again when the fact is voided.

Both are rebuildable from the statements alone (``rollcall lrs projections rebuild``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import DateTime, String, Table, Text, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lrs.completions import is_completion
from lrs.db import LRSBase
from lrs.hooks import Projection
from lrs.store import Completion
from lrs.sql.indexing import ifi_key
from lrs.sql.statements import aware, format_timestamp
from lrs.validation import parse_timestamp
from lrs.vocab import VERB_REGISTERED, VERB_VOIDED


class RegistrationFact(LRSBase):
    """One registration of one agent in one activity, from one ``registered`` statement."""

    __tablename__ = "lrs_registration_projection"

    statement_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_ifi: Mapped[str] = mapped_column(Text)
    activity_id: Mapped[str] = mapped_column(Text)
    registration: Mapped[str] = mapped_column(String(36))
    stored: Mapped[datetime] = mapped_column(DateTime(timezone=True))


FACTS = cast(Table, RegistrationFact.__table__)


class RegistrationsProjection:
    """Agent -> registrations, from ``registered`` statements (voiding removes them)."""

    name = "registrations"

    def apply(self, session: Session, statement: dict[str, Any]) -> None:
        """Record a registered statement, or forget the one a voiding statement voids."""
        verb = statement["verb"]["id"]
        obj = statement["object"]
        if verb == VERB_VOIDED and obj.get("objectType") == "StatementRef":
            session.execute(
                delete(FACTS).where(FACTS.c.statement_id == obj["id"].lower())
            )
            return
        registration = (statement.get("context") or {}).get("registration")
        agent = ifi_key(statement["actor"])
        if verb != VERB_REGISTERED or not registration or agent is None:
            return
        if obj.get("objectType", "Activity") != "Activity":
            return
        session.execute(
            insert(FACTS).values(
                statement_id=statement["id"],
                agent_ifi=agent,
                activity_id=obj["id"],
                registration=registration.lower(),
                stored=parse_timestamp(statement["stored"], "2.0.0"),
            )
        )

    def reset(self, session: Session) -> None:
        """Forget every registration (before a rebuild)."""
        session.execute(delete(FACTS))


def registrations_of(session: Session, agent: dict[str, Any]) -> list[dict[str, Any]]:
    """The registrations of ``agent``, newest first."""
    key = ifi_key(agent)
    if key is None:
        return []
    rows = session.execute(
        select(
            FACTS.c.activity_id,
            FACTS.c.registration,
            FACTS.c.statement_id,
            FACTS.c.stored,
        )
        .where(FACTS.c.agent_ifi == key)
        .order_by(FACTS.c.stored.desc(), FACTS.c.statement_id)
    )
    return [
        {
            "activity_id": row.activity_id,
            "registration": row.registration,
            "statement_id": row.statement_id,
            "stored": format_timestamp(aware(row.stored)),
        }
        for row in rows
    ]


class CompletionFact(LRSBase):
    """A registration's course completion fact (one ``satisfied`` statement of the system agent)."""

    __tablename__ = "lrs_completion_projection"

    registration: Mapped[str] = mapped_column(String(36), primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36))
    course_iri: Mapped[str] = mapped_column(Text)
    agent_ifi: Mapped[str] = mapped_column(Text)
    #: The fact's actor as JSON text.
    agent: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))


COMPLETIONS = cast(Table, CompletionFact.__table__)


class CompletionsProjection:
    """Registration -> completion fact, from the system agent's completion statements (voiding removes them)."""

    name = "completions"

    def apply(self, session: Session, statement: dict[str, Any]) -> None:
        """Record a completion fact, or forget the one a voiding statement voids."""
        obj = statement["object"]
        if statement["verb"]["id"] == VERB_VOIDED and obj.get("objectType") == "StatementRef":
            session.execute(delete(COMPLETIONS).where(COMPLETIONS.c.statement_id == obj["id"].lower()))
            return
        if not is_completion(statement):
            return  # only the system agent can store one (lrs.completions, reserved ids)
        agent = ifi_key(statement["actor"])
        if agent is None or obj.get("objectType", "Activity") != "Activity":
            return
        session.execute(
            insert(COMPLETIONS).values(
                registration=statement["context"]["registration"].lower(),
                statement_id=statement["id"],
                course_iri=obj["id"],
                agent_ifi=agent,
                agent=json.dumps(statement["actor"]),
                timestamp=parse_timestamp(statement["timestamp"], "2.0.0"),
            )
        )

    def reset(self, session: Session) -> None:
        """Forget every completion (before a rebuild)."""
        session.execute(delete(COMPLETIONS))


def _completion(row: Any, voided: bool = False) -> Completion:
    return Completion(
        registration=row.registration,
        course_iri=row.course_iri,
        statement_id=row.statement_id,
        timestamp=aware(row.timestamp),
        agent=json.loads(row.agent),
        voided=voided,
    )


_COMPLETION_COLUMNS = (
    COMPLETIONS.c.registration,
    COMPLETIONS.c.course_iri,
    COMPLETIONS.c.statement_id,
    COMPLETIONS.c.timestamp,
    COMPLETIONS.c.agent,
)


def completions_in(session: Session, registrations: Iterable[str]) -> dict[str, Completion]:
    """The live completion facts of ``registrations`` (lowercase), by registration: one indexed query per 500."""
    wanted = sorted(set(registrations))
    found: dict[str, Completion] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(select(*_COMPLETION_COLUMNS).where(COMPLETIONS.c.registration.in_(chunk)))
        found.update((row.registration, _completion(row)) for row in rows)
    return found


def completions_of(session: Session, agent: dict[str, Any]) -> list[Completion]:
    """The live completion facts of ``agent``, oldest first."""
    key = ifi_key(agent)
    if key is None:
        return []
    rows = session.execute(
        select(*_COMPLETION_COLUMNS)
        .where(COMPLETIONS.c.agent_ifi == key)
        .order_by(COMPLETIONS.c.timestamp, COMPLETIONS.c.registration)
    )
    return [_completion(row) for row in rows]


def voided_completion(statement: dict[str, Any]) -> Completion:
    """A voided completion fact, from its stored statement."""
    return Completion(
        registration=statement["context"]["registration"].lower(),
        course_iri=statement["object"]["id"],
        statement_id=statement["id"],
        timestamp=aware(parse_timestamp(statement["timestamp"], "2.0.0")),
        agent=statement["actor"],
        voided=True,
    )


#: The projections the LRS offers, by name: the app factory chooses among them.
PROJECTIONS: dict[str, type[Projection]] = {
    RegistrationsProjection.name: RegistrationsProjection,
    CompletionsProjection.name: CompletionsProjection,
}
#: What the whole app and the LRS alone keep.
DEFAULT_PROJECTIONS = (RegistrationsProjection.name, CompletionsProjection.name)
