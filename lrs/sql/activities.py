"""Canonical Activity definitions merged from statements (xAPI 1.0.3 Data §2.4.4.1, Part Three §2.5).

The statement store calls :func:`record_activities` inside the statement transaction. A row is
written only when a definition brings something new, so that the statements of a busy course
(which repeat the same definition) read the row and never queue on its lock.

Merge rules (Data §2.4.4.1 "LRS Requirements"): language maps (name, description and the
descriptions of interaction components) gain and update languages; type, moreInfo and each
extension key take the newest value; what the spec calls significant changes are not made
once set: interactionType, correctResponsesPattern and the list of interaction components.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import DateTime, String, Table, Text, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from lrs.db import JSONType, LRSBase

LANGUAGE_MAPS = ("name", "description")
#: Interaction component lists (Data §2.4.4.1, Interaction Components).
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
#: Kept as first defined: changing them would change what the activity means.
FIXED = ("interactionType", "correctResponsesPattern")
CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")


class Activity(LRSBase):
    """One activity's canonical definition, keyed by a SHA-256 of its IRI (IRIs can be long)."""

    __tablename__ = "lrs_activity"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    activity_id: Mapped[str] = mapped_column(Text)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@lru_cache(maxsize=8192)
def id_hash(activity_id: str) -> str:
    """The primary key of an activity id (remembered: a course's activities recur in every batch)."""
    return hashlib.sha256(activity_id.encode()).hexdigest()


def merge_definition(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The canonical definition after ``new`` is seen (see the module docstring for the rules)."""
    merged = dict(old)
    for prop, value in new.items():
        current = old.get(prop)
        if prop in LANGUAGE_MAPS or prop == "extensions":
            merged[prop] = (
                {**current, **value}
                if isinstance(current, dict) and isinstance(value, dict)
                else value
            )
        elif prop in COMPONENT_LISTS:
            merged[prop] = (
                _merge_components(current, value)
                if isinstance(current, list)
                else value
            )
        elif prop in FIXED:
            merged[prop] = value if current is None else current
        else:
            merged[prop] = value
    return merged


def _merge_components(old: list[Any], new: Any) -> list[Any]:
    """Components keep their ids; descriptions of the same id gain languages."""
    if not isinstance(new, list):
        return old
    by_id = {c.get("id"): c for c in new if isinstance(c, dict)}
    merged = []
    for component in old:
        update = by_id.get(component.get("id")) if isinstance(component, dict) else None
        if update is not None and isinstance(update.get("description"), dict):
            component = {
                **component,
                "description": {
                    **component.get("description", {}),
                    **update["description"],
                },
            }
        merged.append(component)
    return merged


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def activities_in(statement: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every Activity object a statement (or its SubStatement) carries: object and context activities."""
    target = statement.get("object")
    if isinstance(target, dict):
        kind = target.get("objectType", "Activity")
        if kind == "Activity" and isinstance(target.get("id"), str):
            yield target
        elif kind == "SubStatement":
            yield from activities_in(target)
    context = statement.get("context")
    groups = context.get("contextActivities") if isinstance(context, dict) else None
    if isinstance(groups, dict):
        for group in CONTEXT_ACTIVITY_KINDS:
            for activity in _as_list(groups.get(group, [])):
                if isinstance(activity, dict) and isinstance(activity.get("id"), str):
                    yield activity


def incoming_definitions(statements: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The definitions a batch brings, merged in statement order, per activity id."""
    incoming: dict[str, dict[str, Any]] = {}
    for statement in statements:
        for activity in activities_in(statement):
            definition = activity.get("definition")
            if isinstance(definition, dict) and definition:
                activity_id = activity["id"]
                earlier = incoming.get(activity_id)
                if earlier is None:
                    incoming[activity_id] = definition
                elif earlier != definition:  # merging a definition into its equal changes nothing
                    incoming[activity_id] = merge_definition(earlier, definition)
    return incoming


ACTIVITIES = cast(Table, Activity.__table__)
_READ = select(ACTIVITIES.c.id_hash, ACTIVITIES.c.definition).where(
    ACTIVITIES.c.id_hash.in_(bindparam("keys", expanding=True))
)
_LOCK_ONE = select(ACTIVITIES.c.definition).where(ACTIVITIES.c.id_hash == bindparam("key")).with_for_update()
_UPDATE = (
    update(ACTIVITIES)
    .where(ACTIVITIES.c.id_hash == bindparam("key"))
    .values(definition=bindparam("definition"), updated=bindparam("now"))
)


def read_definitions(connection: Connection, activity_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored definitions of these activities, by ``id_hash`` (unknown ones absent)."""
    keys = [id_hash(activity_id) for activity_id in activity_ids]
    return dict(connection.execute(_READ, {"keys": keys}).all()) if keys else {}  # type: ignore[arg-type]


def record_activities(
    connection: Connection,
    incoming: dict[str, dict[str, Any]],
    stored: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Merge the definitions a batch brings (``incoming_definitions``) into the canonical ones (Data §2.4.4.1).

    One read of the batch's activities (or ``stored``, read in this transaction under the
    writers' lock: ``read_definitions`` of these activities or more); a write only for
    those whose definition changes, in one key order everywhere so that concurrent
    batches cannot deadlock.
    """
    if not incoming:
        return
    keys = {id_hash(activity_id): activity_id for activity_id in incoming}
    if stored is None:
        stored = read_definitions(connection, incoming)
    to_update = []
    now = datetime.now(UTC)
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    for key in sorted(keys):
        activity_id = keys[key]
        definition = stored.get(key)
        if definition is None:
            created = connection.execute(
                dialect.insert(ACTIVITIES)
                .values(id_hash=key, activity_id=activity_id, definition=incoming[activity_id], updated=now)
                .on_conflict_do_nothing(index_elements=["id_hash"])
                .returning(ACTIVITIES.c.id_hash)
            ).first()
            if created is None:
                to_update.append(key)  # created meanwhile by another transaction
        elif merge_definition(definition, incoming[activity_id]) != definition:
            to_update.append(key)
    for key in to_update:
        # Lock, re-read and merge again: another transaction may have changed it since our read.
        locked = connection.execute(_LOCK_ONE, {"key": key}).scalar_one()
        merged = merge_definition(locked, incoming[keys[key]])
        if merged != locked:
            connection.execute(_UPDATE, {"key": key, "definition": merged, "now": now})


def canonical_definitions(
    session: Session, activity_ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The canonical definition of each known activity among ``activity_ids`` (for format=canonical)."""
    keys = {id_hash(a) for a in activity_ids}
    if not keys:
        return {}
    rows = session.scalars(select(Activity).where(Activity.id_hash.in_(keys)))
    return {row.activity_id: row.definition for row in rows}


def get_activity(session: Session, activity_id: str) -> dict[str, Any]:
    """The full Activity object; an unknown one is just its id (xAPI 1.0.3 Part Three §2.5)."""
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    row = session.get(Activity, id_hash(activity_id))
    if row is not None and row.definition:
        activity["definition"] = row.definition
    return activity
