"""Canonical Activity definitions merged from statements (xAPI 1.0.3 Part Three §2.5) (to be written)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def record_activities(session: Session, statements: list[dict[str, Any]], version: str) -> None:
    """Merge the activity definitions these statements carry into the canonical ones (placeholder)."""
    return None
