"""The in-process LRS client: the only way the rest of Rollcall talks to the LRS (STYLE.md §4)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from lrs.completions import completion_statement, completion_statement_id, normalized_registration
from lrs.errors import Conflict, Forbidden, PreconditionFailed, Refused
from lrs.errors import BadRequest as InvalidStatement
from lrs.errors import NotFound as DocumentNotFound
from lrs.errors import XAPIError as LRSError
from lrs.hooks import Hooks, Listener, Projection, Rule
from lrs.vocab import EXTENSION_VOID_REASON, EXTENSION_VOIDED_BY, VERB_VOIDED

__all__ = [
    "SYSTEM_AUTHORITY",
    "Completion",
    "completion_statement_id",
    "LRSClient",
    "LRSError",
    "InvalidStatement",
    "Conflict",
    "Forbidden",
    "PreconditionFailed",
    "Refused",
    "DocumentNotFound",
]
from lrs.store import Completion, Document, StatementQuery

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lrs.app import LRS
    from lrs.sql.attachments import AttachmentData

#: The authority on statements that Rollcall itself issues (enrollment, course completion),
#: as every site stores it when it is first set up (migration l0009). The stored one is
#: the system agent (``LRSClient.system_agent``); passing this constant as ``authority``
#: means the stored agent.
SYSTEM_AUTHORITY = {
    "objectType": "Agent",
    "name": "Rollcall",
    "account": {"homePage": "https://rollcall.invalid/lrs", "name": "system"},
}

#: Admin acts on completion facts (their voiding) are logged here.
log = logging.getLogger("lrs.completions")


class LRSClient:
    """Store and read statements and documents in-process, with the LRS's own rules."""

    def __init__(self, lrs: LRS) -> None:
        self._lrs = lrs
        self.hooks = Hooks()
        self._system: tuple[dict[str, Any], str] | None = None

    # -- the system agent ----------------------------------------------------

    @property
    def system_agent(self) -> dict[str, Any]:
        """The agent Rollcall stamps as authority on what it issues, as stored at the site's first set-up."""
        return self._system_identity()[0]

    def _system_identity(self) -> tuple[dict[str, Any], str]:
        """(system agent, its IFI), read once per process: it never changes after set-up."""
        if self._system is None:
            from lrs.completions import load_system_agent
            from lrs.sql.indexing import ifi_key

            with self._lrs.read_sessions() as session:
                agent = load_system_agent(session)
            self._system = (agent, ifi_key(agent) or "")
        return self._system

    def _authority(self, authority: dict[str, Any] | None) -> dict[str, Any]:
        """The authority to store with: the stored system agent for None or ``SYSTEM_AUTHORITY``."""
        if authority is None or authority is SYSTEM_AUTHORITY or authority == SYSTEM_AUTHORITY:
            return self.system_agent
        return authority

    # -- hooks ---------------------------------------------------------------

    def add_projection(self, projection: str | Projection) -> None:
        """Keep a projection up to date in every statement transaction from now on.

        The app factory names one of the LRS's own (``"registrations"``, ``"completions"``):
        projections write LRS tables with the transaction's session, so they are LRS code.
        An instance is for the LRS's own tests.
        """
        if isinstance(projection, str):
            from lrs.projections import PROJECTIONS

            if projection not in PROJECTIONS:
                raise ValueError(f"no projection {projection!r}; the LRS has {', '.join(sorted(PROJECTIONS))}")
            projection = PROJECTIONS[projection]()
        if all(p.name != projection.name for p in self.hooks.projections):
            self.hooks.projections.append(projection)

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` with each batch's statements (as stored) after its transaction committed."""
        if listener not in self.hooks.listeners:
            self.hooks.listeners.append(listener)

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

        batch = sql.prepare_batch(
            statements, authority=self._authority(authority), version=version, system_ifi=self._system_identity()[1]
        )
        # Validated outside the lock; written in a transaction it may share with other threads' writes.
        ids: list[str] = self._lrs.commit_group.run((batch, attachments))
        self.hooks.notify([p.statement for p in batch.statements])
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

    # -- course completion (ARCHITECTURE.md, "Course completion") ---------------

    def record_completion(
        self, *, agent: dict[str, Any], course_iri: str, registration: str, course_name: str | None = None
    ) -> Completion | None:
        """Store the completion fact unless it exists; returns it (the existing one when stored before); None when it was voided (spent).

        ``InvalidStatement`` (400) when the agent or course IRI is not valid xAPI or the
        registration is not a UUID.
        """
        try:
            registration = normalized_registration(registration)
        except ValueError as exc:
            raise InvalidStatement(str(exc)) from exc
        existing = self.completion(registration, include_voided=True)
        if existing is None:
            statement = completion_statement(
                agent=agent, course_iri=course_iri, registration=registration, course_name=course_name
            )
            try:
                self.store_statement(statement)
            except Conflict:
                pass  # stored meanwhile with other content (another agent or course): that one is the fact
            existing = self.completion(registration, include_voided=True)
        if existing is None or existing.voided:
            return None
        return existing

    def completion(self, registration: str, *, include_voided: bool = False) -> Completion | None:
        """The completion fact of one registration, or None (voided ones only with ``include_voided``)."""
        return self.completions([registration], include_voided=include_voided).get(
            registration.strip().lower() if isinstance(registration, str) else registration
        )

    def completions(self, registrations: Iterable[str], *, include_voided: bool = False) -> dict[str, Completion]:
        """The completion facts of many registrations by (lowercase) registration, in one indexed query; absent ones are left out."""
        from lrs import projections

        self._require_completions()
        wanted: set[str] = set()
        for registration in registrations:
            try:
                wanted.add(normalized_registration(registration))
            except ValueError:
                continue  # not a registration: it has no completion
        if not wanted:
            return {}
        with self._lrs.read_sessions() as session:
            found = projections.completions_in(session, wanted)
            missing = wanted - found.keys()
            if include_voided and missing:
                from lrs.sql import statements as sql

                ids = [completion_statement_id(r) for r in missing]
                for statement in sql.get_voided_statements(session, ids):
                    completion = projections.voided_completion(statement)
                    found[completion.registration] = completion
        return found

    def completions_of(self, agent: dict[str, Any]) -> list[Completion]:
        """A learner's completion facts (their transcript), oldest first; voided ones are left out."""
        from lrs import projections

        self._require_completions()
        with self._lrs.read_sessions() as session:
            return projections.completions_of(session, agent)

    def _require_completions(self) -> None:
        """The completion reader answers from the completions projection: without it every answer would be "none"."""
        if all(p.name != "completions" for p in self.hooks.projections):
            raise RuntimeError('the LRS keeps no "completions" projection: the app factory must add it')

    def void_completion(self, registration: str, *, reason: str, by: str) -> Completion:
        """Revoke a completion fact (an admin act, logged): a voiding statement with the system authority.

        Final: the fact's id stays spent, so ``record_completion`` stores nothing for this
        registration again. ``DocumentNotFound`` when the registration has no completion;
        voiding one already voided returns it as it is.
        """
        if not reason or not reason.strip() or not by or not by.strip():
            raise ValueError("voiding a completion needs a reason and who voids it")
        current = self.completion(registration, include_voided=True)
        if current is None:
            raise DocumentNotFound(f"registration {registration} has no course completion")
        if current.voided:
            return current
        self.store_statement(
            {
                "actor": self.system_agent,
                "verb": {"id": VERB_VOIDED, "display": {"en-US": "voided"}},
                "object": {"objectType": "StatementRef", "id": current.statement_id},
                "context": {
                    "registration": current.registration,
                    "extensions": {EXTENSION_VOID_REASON: reason, EXTENSION_VOIDED_BY: by},
                },
            }
        )
        log.warning(
            "course completion %s voided by %s: %s (registration %s, course %s, dated %s)",
            current.statement_id,
            by,
            reason,
            current.registration,
            current.course_iri,
            current.timestamp.isoformat(),
        )
        return replace(current, voided=True)

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
