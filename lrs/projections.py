"""Projections the LRS keeps in the statement transaction (DESIGN.md, "Derived facts for fast pages").

``RegistrationsProjection`` is the example the portal's "My learning" page reads: for
each agent, the registrations it was registered in, from
``http://adlnet.gov/expapi/verbs/registered`` statements, removed again when such a
statement is voided. It is rebuildable from the statements alone
(``rollcall lrs projections rebuild``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import DateTime, String, Table, Text, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lrs.db import LRSBase
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
