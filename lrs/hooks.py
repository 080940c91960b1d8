"""The two hooks the LRS offers (DESIGN.md, "Derived facts for fast pages").

- A **projection** keeps derived facts (enrollments, progress, completions) in LRS-owned
  tables, updated in the same transaction as the statements that change them, and
  rebuildable from the statements alone. Projections are LRS code (``lrs.projections``):
  they get the transaction's session to write their tables, and the app factory picks
  which to keep by name.
- A **rule** may refuse a statement inside the transaction (cmi5's ordering rules),
  which then stores nothing of its batch. Rules may come from outside the LRS, so they
  get only a ``ReadView``: the statements of a registration as the transaction sees
  them (those accepted earlier in the same batch or commit group included) and State
  documents. Never the session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from lrs.vocab import VERB_VOIDED

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lrs.store import Document


class Projection(Protocol):
    """Derived facts kept up to date from statements (LRS code: it writes its own tables)."""

    name: str

    def apply(self, session: Session, statement: dict[str, Any]) -> None:
        """Fold one newly stored statement (already with id, stored, authority) into the facts."""

    def reset(self, session: Session) -> None:
        """Forget every fact (before a rebuild from the statements)."""


class ReadView:
    """What a rule may read inside the statement transaction, and nothing else."""

    def __init__(self, session: Session) -> None:
        self._session = session
        #: Statements accepted earlier in this transaction and not written yet, in order.
        self._pending: list[dict[str, Any]] = []

    def accept(self, statement: dict[str, Any]) -> None:
        """Count ``statement`` (just judged and accepted) as part of the transaction for the checks after it."""
        self._pending.append(statement)

    def mark(self) -> int:
        """Where the pending statements end now (before a batch is judged)."""
        return len(self._pending)

    def forget_since(self, mark: int) -> None:
        """Drop what a refused batch added since ``mark``."""
        del self._pending[mark:]

    def statements(self, registration: str) -> list[dict[str, Any]]:
        """The statements of ``registration`` that are not voided, ordered by timestamp (then by storing order).

        Those accepted earlier in the same batch or commit group are included; a statement
        sent without a timestamp counts as timestamped now (the LRS gives it its stored
        time). The statement being judged is not among them.
        """
        from lrs.sql.statements import statements_of_registration
        from lrs.validation import parse_timestamp

        wanted = registration.lower()
        rows: list[tuple[datetime, int, dict[str, Any]]] = [
            (timestamp, n, statement)
            for n, (timestamp, statement) in enumerate(statements_of_registration(self._session, wanted))
        ]
        now = datetime.now(UTC)
        voided: set[str] = set()
        for n, statement in enumerate(self._pending, start=len(rows)):
            obj = statement.get("object") or {}
            if statement["verb"]["id"] == VERB_VOIDED and obj.get("objectType") == "StatementRef":
                voided.add(str(obj.get("id", "")).lower())
            context = statement.get("context") or {}
            if str(context.get("registration", "")).lower() != wanted:
                continue
            given = statement.get("timestamp")
            rows.append((parse_timestamp(given, "2.0.0") if given else now, n, statement))
        rows.sort(key=lambda row: (row[0], row[1]))
        return [statement for _, _, statement in rows if statement["id"] not in voided]

    def state(
        self, activity_id: str, agent: dict[str, Any], state_id: str, registration: str | None = None
    ) -> Document | None:
        """One State document as the transaction sees it, or None (xAPI 1.0.3 Part Three §2.3)."""
        from lrs.sql import documents

        return documents.get_state(self._session, activity_id, agent, state_id, registration)


#: A rule sees each statement of a batch before it is stored, with a ``ReadView``, and
#: raises ``lrs.errors.Refused`` (or another XAPIError) to refuse the whole batch.
Rule = Callable[[ReadView, dict[str, Any]], None]

#: A listener hears each batch's statements (as stored: id, authority, stored) after its
#: transaction committed; it cannot refuse them, and what it raises is logged, never the
#: caller's failure (the statements are stored by then).
Listener = Callable[[list[dict[str, Any]]], None]


class Hooks:
    """The projections and rules registered with one LRS."""

    def __init__(self) -> None:
        self.projections: list[Projection] = []
        self.rules: list[Rule] = []
        self.listeners: list[Listener] = []

    def view(self, session: Session) -> ReadView:
        """A read view of the transaction on ``session`` for the rules."""
        return ReadView(session)

    def notify(self, statements: list[dict[str, Any]]) -> None:
        """Tell every listener of a committed batch; a listener's failure is logged and goes no further."""
        for listener in self.listeners:
            try:
                listener(statements)
            except Exception:
                log.exception("an LRS listener failed on a stored batch of %d statements", len(statements))

    def check(self, view: ReadView, statement: dict[str, Any]) -> None:
        """Run every rule on a statement about to be stored."""
        for rule in self.rules:
            rule(view, statement)

    def apply(self, session: Session, statement: dict[str, Any]) -> None:
        """Run every projection on a statement just stored."""
        for projection in self.projections:
            projection.apply(session, statement)
