"""The in-process LRS client: the only way the rest of Rollcall talks to the LRS (STYLE.md §4)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from lrs.errors import Conflict, Forbidden, PreconditionFailed, Refused
from lrs.errors import BadRequest as InvalidStatement
from lrs.errors import NotFound as DocumentNotFound
from lrs.errors import XAPIError as LRSError
from lrs.hooks import Hooks, Projection, Rule

__all__ = [
    "SYSTEM_AUTHORITY",
    "LRSClient",
    "LRSError",
    "InvalidStatement",
    "Conflict",
    "Forbidden",
    "PreconditionFailed",
    "Refused",
    "DocumentNotFound",
]
from lrs.store import Document, StatementQuery

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lrs.app import LRS
    from lrs.sql.attachments import AttachmentData

#: The authority on statements that Rollcall itself issues (enrollment, course completion).
SYSTEM_AUTHORITY = {
    "objectType": "Agent",
    "name": "Rollcall",
    "account": {"homePage": "https://rollcall.invalid/lrs", "name": "system"},
}


class LRSClient:
    """Store and read statements and documents in-process, with the LRS's own rules."""

    def __init__(self, lrs: LRS) -> None:
        self._lrs = lrs
        self.hooks = Hooks()

    # -- hooks ---------------------------------------------------------------

    def add_projection(self, projection: Projection) -> None:
        """Keep ``projection`` up to date in every statement transaction from now on."""
        if all(p.name != projection.name for p in self.hooks.projections):
            self.hooks.projections.append(projection)

    def add_rule(self, rule: Rule) -> None:
        """Let ``rule`` refuse statements inside the statement transaction."""
        if rule not in self.hooks.rules:
            self.hooks.rules.append(rule)

    def rebuild_projections(self) -> int:
        """Reset every projection and replay all statements in commit order; returns how many."""
        from lrs.sql import queries

        with self._lrs.write_sessions.begin() as session:
            for projection in self.hooks.projections:
                projection.reset(session)
            count = 0
            for statement in queries.iter_all_statements(session):
                for projection in self.hooks.projections:
                    projection.apply(session, statement)
                count += 1
        return count

    # -- statements ----------------------------------------------------------

    def store_statements(
        self,
        statements: list[dict[str, Any]],
        *,
        authority: dict[str, Any] | None = None,
        version: str = "1.0.3",
        attachments: Mapping[str, AttachmentData] | None = None,
    ) -> list[str]:
        """Validate and store a batch whole or not at all; returns the ids (xAPI 1.0.3 §2.1.2 POST).

        ``attachments``: received attachment data by sha2, stored in the same transaction.
        """
        from lrs.sql import statements as sql

        batch = sql.prepare_batch(statements, authority=authority or SYSTEM_AUTHORITY, version=version)
        # Validated outside the lock; written in a transaction it may share with other threads' writes.
        ids: list[str] = self._lrs.commit_group.run((batch, attachments))
        return ids

    def write_group(self, session: Session, writes: list[Any]) -> list[Any]:
        """The commit group's executor: several requests' batches in one transaction (lrs.sql.statements.write_group)."""
        from lrs.sql import statements as sql

        return sql.write_group(session, writes, hooks=self.hooks)

    def store_statement(self, statement: dict[str, Any], **kwargs: Any) -> str:
        """Store one statement; returns its id. The same id with the same content is a no-op."""
        return self.store_statements([statement], **kwargs)[0]

    def get_statement(self, statement_id: str | uuid.UUID, *, voided: bool = False) -> dict[str, Any] | None:
        """One statement by id (or a voided one by voidedStatementId), or None."""
        from lrs.sql import statements as sql

        with self._lrs.sessions() as session:
            return sql.get_statement(session, str(statement_id), voided=voided, version="1.0.3")

    def query_statements(self, **params: Any) -> Iterator[dict[str, Any]]:
        """Every statement matching StatementQuery fields (limit=0: all), newest first unless ascending."""
        from lrs.sql import queries

        query = StatementQuery(**params)
        with self._lrs.sessions() as session:
            yield from queries.iter_statements(session, query, version="1.0.3")

    def registrations(self, agent: dict[str, Any]) -> list[dict[str, Any]]:
        """The registrations ``agent`` was registered in (activity_id, registration, statement_id, stored), newest first."""
        from lrs.projections import registrations_of

        with self._lrs.sessions() as session:
            return registrations_of(session, agent)

    # -- documents (State, Activity Profile, Agent Profile) --------------------

    def get_state(
        self, activity_id: str, agent: dict[str, Any], state_id: str, registration: str | None = None
    ) -> Document | None:
        """One State document, or None (xAPI 1.0.3 Part Three §2.3)."""
        from lrs.sql import documents

        with self._lrs.sessions() as session:
            return documents.get_state(session, activity_id, agent, state_id, registration)

    def put_state(
        self,
        activity_id: str,
        agent: dict[str, Any],
        state_id: str,
        content: bytes,
        content_type: str = "application/json",
        *,
        registration: str | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        merge: bool = False,
    ) -> Document:
        """Write a State document (``merge``: JSON merge as POST does); 412 when the precondition fails."""
        from lrs.sql import documents

        with self._lrs.write_sessions.begin() as session:
            return documents.put_state(
                session,
                activity_id,
                agent,
                state_id,
                content,
                content_type,
                registration=registration,
                if_match=if_match,
                if_none_match=if_none_match,
                merge=merge,
            )

    def delete_state(
        self, activity_id: str, agent: dict[str, Any], state_id: str | None, registration: str | None = None
    ) -> None:
        """Delete one State document, or all of them for the agent/activity(/registration) when state_id is None."""
        from lrs.sql import documents

        with self._lrs.write_sessions.begin() as session:
            documents.delete_state(session, activity_id, agent, state_id, registration)

    def get_activity_profile(self, activity_id: str, profile_id: str) -> Document | None:
        """One Activity Profile document, or None."""
        from lrs.sql import documents

        with self._lrs.sessions() as session:
            return documents.get_activity_profile(session, activity_id, profile_id)

    def put_activity_profile(
        self, activity_id: str, profile_id: str, content: bytes, content_type: str = "application/json"
    ) -> Document:
        """Write an Activity Profile document unconditionally (the LRS's own caller)."""
        from lrs.sql import documents

        with self._lrs.write_sessions.begin() as session:
            return documents.put_activity_profile(session, activity_id, profile_id, content, content_type)

    def get_agent_profile(self, agent: dict[str, Any], profile_id: str) -> Document | None:
        """One Agent Profile document, or None."""
        from lrs.sql import documents

        with self._lrs.sessions() as session:
            return documents.get_agent_profile(session, agent, profile_id)

    def put_agent_profile(
        self, agent: dict[str, Any], profile_id: str, content: bytes, content_type: str = "application/json"
    ) -> Document:
        """Write an Agent Profile document unconditionally (the LRS's own caller)."""
        from lrs.sql import documents

        with self._lrs.write_sessions.begin() as session:
            return documents.put_agent_profile(session, agent, profile_id, content, content_type)

    # -- credentials -----------------------------------------------------------

    def create_credential(self, *, name: str, scopes: list[str], **restrictions: Any) -> tuple[str, str]:
        """A new restricted credential (player launches, partners); returns (key, secret)."""
        from lrs.sql import credentials

        with self._lrs.write_sessions.begin() as session:
            credential, secret = credentials.create_credential(
                session, self._lrs.config.secret_key, name=name, scopes=scopes, **restrictions
            )
            return credential.key, secret

    def revoke_credential(self, key: str) -> None:
        """Revoke a credential (e.g. when a launch session ends)."""
        from lrs.sql import credentials

        with self._lrs.write_sessions.begin() as session:
            credentials.revoke_credential(session, key)
        self._lrs.forget_credential(key)
