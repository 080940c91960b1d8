"""Launching a course: the attempt, a new launch session, and the player page's configuration (player/PROTOCOL.md).

A registration plays the version pinned for it (``packages.versions``); its attempt
number is the pin's. Each normal launch starts a new launch session that supersedes
the open one (its later commits get 409), stored in the course attempt state. A review
launch writes nothing. Statuses and the start item are read back from the LRS, so a
fresh browser on another device resumes where the learner left off.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from core.errors import RollcallError
from packages import versions
from packages.model import CourseModel
from packages.models import Course
from player import course as course_model
from player import state, tokens
from player.content import content_origin

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lrs.client import LRSClient

LaunchState = Literal["start", "resume", "review"]


@dataclass(frozen=True)
class Learner:
    """Who plays: their xAPI agent, the learner id and name the SCO reads."""

    agent: dict[str, Any]
    learner_id: str
    name: str


@dataclass(frozen=True)
class Pinned:
    """The version and attempt number a registration plays, read out of the pin."""

    version_id: int
    attempt: int
    model: CourseModel


def pin(session: Session, course: Course, registration: str, *, fresh: bool = False) -> Pinned:
    """The registration's version and attempt (``fresh``: its next attempt, ``?attempt=new``); flushes.

    The caller commits before launching: the LRS writes on its own connection (core.web.db_session).
    """
    found = versions.pin_for_registration(session, course, registration)
    if fresh:
        found.attempt += 1
        session.flush()
    model = CourseModel.from_json(found.version.model)
    if model.kind not in ("scorm12", "scorm2004"):
        raise RollcallError("This course's format cannot be played here yet.")
    return Pinned(found.version_id, found.attempt, model)


def course_attempt_doc(client: LRSClient, token: tokens.AttemptToken) -> state.Doc:
    """The course attempt state: launch session, commit seq, each SCO's attempt and outcome."""
    iri = course_model.course_attempt_iri(token.course_iri, token.registration, token.attempt)
    return state.read_json(client, state.course_attempt_state(iri, token.agent, token.registration), {})


def _open_session(client: LRSClient, token: tokens.AttemptToken) -> dict[str, Any]:
    """Record the new launch session (superseding the open one) with If-Match; returns the course attempt state."""
    for _ in range(5):
        doc = course_attempt_doc(client, token)
        content = dict(doc.content) if isinstance(doc.content, dict) else {}
        first = doc.etag is None
        content.update(attempt=token.attempt, launch_session=token.session, seq=0)
        content.setdefault("scos", {})
        try:
            state.write(client, doc, content)
        except state.Changed:
            continue
        if first:
            where = state.activity_state(token.course_iri, token.agent, token.registration)
            state.add_attempt(client, where, doc.where.activity_id)
        return content
    raise state.Changed("the attempt kept changing while it was launched; try again")


def launch(
    client: LRSClient, course: Course, registration: str, pinned: Pinned, learner: Learner, *,
    mode: tokens.Mode = "normal", item: str | None = None,
) -> dict[str, Any]:
    """Open a launch session on the attempt (a normal launch supersedes the open one) and return the page's configuration."""
    token = tokens.AttemptToken(
        registration=registration, attempt=pinned.attempt, session=str(uuid.uuid4()), mode=mode,
        version_id=pinned.version_id, course_iri=course.activity_iri, course_title=course.title,
        agent=learner.agent, learner_id=learner.learner_id, learner_name=learner.name,
    )
    if mode == "normal":
        attempt = _open_session(client, token)
    else:
        attempt = course_attempt_doc(client, token).content or {}
    return config(pinned.model, course, token, attempt, item)


def config(
    model: CourseModel, course: Course, token: tokens.AttemptToken, attempt: dict[str, Any], item: str | None
) -> dict[str, Any]:
    """The player page's configuration (player/PROTOCOL.md "Player page")."""
    signed = tokens.sign_attempt(token)
    scos = attempt.get("scos") or {}
    items = [
        {"id": e.item.identifier, "title": e.item.title, "depth": e.depth, "launchable": bool(e.item.href),
         "status": (scos.get(e.item.identifier) or {}).get("status", "not attempted")}
        for e in course_model.entries(model)
    ]
    return {
        "format": "scorm2004" if model.kind == "scorm2004" else "scorm12",
        "mode": token.mode,
        "courseTitle": course.title,
        "courseUrl": f"/courses/{quote(course.slug)}",
        "contentOrigin": content_origin(),
        "launchSession": token.session,
        "items": items,
        "start": start_item(model, attempt, item),
        "api": {"sco": f"/player/api/{signed}/sco/{{item}}", "commit": f"/player/api/{signed}/sco/{{item}}/commit"},
    }


def start_item(model: CourseModel, attempt: dict[str, Any], wanted: str | None = None) -> str | None:
    """The item to open: the one asked for, else the SCO left suspended, else the first not completed."""
    launchable = course_model.launchable(model)
    ids = [item.identifier for item in launchable]
    if wanted in ids:
        return wanted
    scos = attempt.get("scos") or {}
    last = attempt.get("last_item")
    if last in ids and (scos.get(last) or {}).get("resumable"):
        return str(last)
    for identifier in ids:
        if (scos.get(identifier) or {}).get("status") not in ("completed", "passed", "failed"):
            return identifier
    return ids[0] if ids else None


def launch_state(client: LRSClient, course_iri: str, registration: str, agent: dict[str, Any]) -> LaunchState:
    """What the course page offers: Start (never launched), Resume (in progress) or Review (completed)."""
    if client.completion(registration) is not None:
        return "review"
    found = client.get_state(course_iri, agent, state.activity_state(course_iri, agent, registration).state_id,
                             registration)
    return "resume" if found is not None else "start"
