"""Attachments in SQL: raw data kept once by sha2, linked to the statements stored with it.

xAPI 1.0.3 Data §2.4.11 and Communication §1.5.2. The rows are written by
``store_attachments`` inside the statement transaction (``lrs.sql.statements``), so a
statement and its attachments are stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from lrs.db import LRSBase


class Attachment(LRSBase):
    """The raw data of one attachment, once per SHA-2."""

    __tablename__ = "lrs_attachment"

    sha2: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(Text)
    length: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class StatementAttachment(LRSBase):
    """A statement (by sequence) stored with an attachment's data."""

    __tablename__ = "lrs_statement_attachment"

    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sha2: Mapped[str] = mapped_column(String(128), ForeignKey("lrs_attachment.sha2"), primary_key=True, index=True)


ATTACHMENTS = Attachment.__table__
LINKS = StatementAttachment.__table__


@dataclass(frozen=True)
class AttachmentData:
    """An attachment's raw data as received, its hash already checked against the bytes."""

    sha2: str
    content_type: str
    content: bytes


def declared_attachments(statement: Any) -> Iterator[dict[str, Any]]:
    """The attachment objects of a statement and of its SubStatement (Data §2.4.11), skipping malformed entries."""
    if not isinstance(statement, dict):
        return
    for body in (statement, statement.get("object")):
        if not isinstance(body, dict) or (body is not statement and body.get("objectType") != "SubStatement"):
            continue
        attachments = body.get("attachments")
        if isinstance(attachments, list):
            yield from (a for a in attachments if isinstance(a, dict))


def declared_sha2(attachment: dict[str, Any]) -> str | None:
    """An attachment object's sha2, lower case (hex compares without case), or None when not a string."""
    sha2 = attachment.get("sha2")
    return sha2.lower() if isinstance(sha2, str) else None


def store_attachments(
    session: Session, statements: Iterable[tuple[int, dict[str, Any]]], data: Mapping[str, AttachmentData]
) -> None:
    """Keep each received attachment once and link it to the statements declaring it (Communication §1.5.2).

    ``statements`` are (sequence, statement) pairs of the statements just inserted.
    Runs in the caller's transaction; flushes nothing itself beyond the inserts.
    """
    links: list[dict[str, Any]] = []
    used: set[str] = set()
    for sequence, statement in statements:
        mine = {
            sha2 for sha2 in map(declared_sha2, declared_attachments(statement)) if sha2 is not None and sha2 in data
        }
        links.extend({"sequence": sequence, "sha2": sha2} for sha2 in sorted(mine))
        used |= mine
    if not links:
        return
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    rows = [
        {
            "sha2": sha2,
            "content_type": data[sha2].content_type,
            "length": len(data[sha2].content),
            "content": data[sha2].content,
        }
        for sha2 in sorted(used)
    ]
    session.execute(dialect.insert(ATTACHMENTS).on_conflict_do_nothing(index_elements=["sha2"]), rows)
    session.execute(dialect.insert(LINKS).on_conflict_do_nothing(index_elements=["sequence", "sha2"]), links)


def linked_sha2s(session: Session, statement_ids: Iterable[str]) -> list[str]:
    """The sha2s of the attachment data stored with these statements, each once, in a stable order."""
    from lrs.sql.statements import STATEMENTS

    ids = sorted({i.lower() for i in statement_ids})
    if not ids:
        return []
    query = (
        select(LINKS.c.sha2)
        .join(STATEMENTS, STATEMENTS.c.sequence == LINKS.c.sequence)
        .where(STATEMENTS.c.statement_id.in_(ids))
        .distinct()
        .order_by(LINKS.c.sha2)
    )
    return list(session.scalars(query))


def load_attachment(session: Session, sha2: str) -> AttachmentData | None:
    """One attachment's stored data, or None."""
    row = session.execute(
        select(ATTACHMENTS.c.content_type, ATTACHMENTS.c.content).where(ATTACHMENTS.c.sha2 == sha2)
    ).one_or_none()
    return None if row is None else AttachmentData(sha2, row.content_type, bytes(row.content))
