"""The two hooks the LRS offers the rest of the app (DESIGN.md, "Derived facts for fast pages").

- A **projection** keeps derived facts (enrollments, progress, completions) in LRS-owned
  tables, updated in the same transaction as the statements that change them, and
  rebuildable from the statements alone.
- A **rule** may refuse a statement inside the transaction (cmi5's ordering rules),
  which then stores nothing of its batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.orm import Session


class Projection(Protocol):
    """Derived facts kept up to date from statements."""

    name: str

    def apply(self, session: Session, statement: dict[str, Any]) -> None:
        """Fold one newly stored statement (already with id, stored, authority) into the facts."""

    def reset(self, session: Session) -> None:
        """Forget every fact (before a rebuild from the statements)."""


#: A rule sees each statement of a batch before it is stored and raises
#: ``lrs.errors.Refused`` (or another XAPIError) to refuse the whole batch.
Rule = Callable[[Session, dict[str, Any]], None]


class Hooks:
    """The projections and rules registered with one LRS."""

    def __init__(self) -> None:
        self.projections: list[Projection] = []
        self.rules: list[Rule] = []

    def check(self, session: Session, statement: dict[str, Any]) -> None:
        """Run every rule on a statement about to be stored."""
        for rule in self.rules:
            rule(session, statement)

    def apply(self, session: Session, statement: dict[str, Any]) -> None:
        """Run every projection on a statement just stored."""
        for projection in self.projections:
            projection.apply(session, statement)
