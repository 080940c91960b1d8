"""Tin Can (tincan.xml) launch: the content talks to our LRS itself, with a credential made for this one launch.

The launch follows Rustici's Tin Can launch rules (RusticiSoftware/launch,
``lms_lrs.md``): the launch URL carries ``endpoint``, ``auth``, ``actor``,
``registration`` and ``activity_id`` as query parameters. ``auth`` is the one LRS
credential that reaches a browser (DESIGN.md, "Credentials"), so it can do only what
that launch needs: the learner's agent, that registration, activities under the launch
activity's IRI, no voiding (lrs.api.statements), no reading other learners' statements
(``statements/read/mine``). It has no fixed lifetime, so a three-hour course keeps it;
the next launch of the registration revokes it, and so does ``close``.

The key of the open launch's credential is kept in a State document of Rollcall's own
on the course activity (the credential cannot read it: the course IRI is outside its
activities), so the next launch, on any worker, finds it and revokes it.

Completion (ARCHITECTURE.md, "Course completion"): a ``completed`` or ``passed``
statement about the launch activity, stored with the registration's open launch
credential, records the course's completion fact (``on_stored``). Statements from
any other credential never complete the course.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from lrs.vocab import VERB_COMPLETED, VERB_PASSED
from packages.model import CourseModel
from packages.models import RegistrationVersion

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from lrs.client import LRSClient

log = logging.getLogger(__name__)

#: Rollcall's own State document holding the open launch's credential key (never its secret).
LAUNCH_STATE_ID = "https://w3id.org/rollcall/state/tincan-launch"
#: What a Tin Can launch credential may do (xAPI 1.0.3 Part Three §4.2 scopes).
LAUNCH_SCOPES = ["statements/write", "statements/read/mine", "state", "profile"]
COMPLETING_VERBS = frozenset({VERB_COMPLETED, VERB_PASSED})


@dataclass(frozen=True)
class TinCanLaunch:
    """One Tin Can launch: the URL to open and the credential key it carries."""

    url: str
    key: str
    activity_id: str


def launch_activity(model: CourseModel) -> tuple[str, str]:
    """The launch activity's IRI and its launch href (the first tincan.xml activity with a launch)."""
    for activity in model.tincan_activities:
        if activity.launch:
            return activity.id, activity.launch
    if model.activity_id and model.launches:
        return model.activity_id, model.launches[0].href
    raise ValueError("this Tin Can package declares no launchable activity")


def _launch_where(course_iri: str) -> str:
    return course_iri


def open_launch_key(client: LRSClient, course_iri: str, agent: dict[str, Any], registration: str) -> str | None:
    """The key of the registration's open launch credential, or None."""
    found = client.get_state(_launch_where(course_iri), agent, LAUNCH_STATE_ID, registration)
    if found is None:
        return None
    try:
        key = json.loads(found.content).get("key")
    except (ValueError, AttributeError):
        return None
    return key if isinstance(key, str) else None


def close(client: LRSClient, course_iri: str, agent: dict[str, Any], registration: str) -> None:
    """Revoke the registration's open launch credential (the learner left, or a new launch starts)."""
    key = open_launch_key(client, course_iri, agent, registration)
    if key is None:
        return
    client.revoke_credential(key)
    # The document stays, without a key: the course was launched, so the course page offers Resume.
    client.put_state(_launch_where(course_iri), agent, LAUNCH_STATE_ID, b'{"key": null}', registration=registration)


def launched(client: LRSClient, course_iri: str, agent: dict[str, Any], registration: str) -> bool:
    """Whether the registration was ever launched (its launch document exists)."""
    return client.get_state(_launch_where(course_iri), agent, LAUNCH_STATE_ID, registration) is not None


def launch(
    client: LRSClient,
    *,
    model: CourseModel,
    course_iri: str,
    agent: dict[str, Any],
    registration: str,
    endpoint: str,
    content_url: Callable[[str], str],
) -> TinCanLaunch:
    """Revoke the previous launch's credential, make this launch's, and build the launch URL (Tin Can launch, lms_lrs.md)."""
    activity_id, href = launch_activity(model)
    close(client, course_iri, agent, registration)
    key, secret = client.create_credential(
        name=f"Tin Can launch {registration}",
        scopes=LAUNCH_SCOPES,
        agent=agent,
        registration=registration,
        activity_prefix=activity_id,
    )
    client.put_state(
        _launch_where(course_iri), agent, LAUNCH_STATE_ID, json.dumps({"key": key}).encode(),
        registration=registration,
    )
    auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    params = urlencode(
        {
            "endpoint": endpoint.rstrip("/") + "/",
            "auth": auth,
            "actor": json.dumps(agent, separators=(",", ":")),
            "registration": registration,
            "activity_id": activity_id,
        },
        quote_via=quote,
    )
    base = content_url(href)
    return TinCanLaunch(url=f"{base}{'&' if '?' in base else '?'}{params}", key=key, activity_id=activity_id)


@dataclass(frozen=True)
class Registration:
    """What the completion listener needs to know of a Tin Can registration."""

    course_iri: str
    course_title: str
    activity_id: str


#: registration -> its Tin Can course, or None when it is not one (the app looks it up in the pins).
FindRegistration = Callable[[str], Registration | None]


def completing(statement: dict[str, Any], activity_id: str) -> bool:
    """Whether a statement says the launch activity was completed or passed."""
    verb = (statement.get("verb") or {}).get("id")
    target = statement.get("object") or {}
    return verb in COMPLETING_VERBS and target.get("objectType", "Activity") == "Activity" and target.get(
        "id"
    ) == activity_id


def on_stored(client: LRSClient, find: FindRegistration, statements: Iterable[dict[str, Any]]) -> None:
    """Record the completion fact for each registration whose launch credential reported completed or passed."""
    for statement in statements:
        if (statement.get("verb") or {}).get("id") not in COMPLETING_VERBS:
            continue
        registration = str((statement.get("context") or {}).get("registration") or "").lower()
        authority = ((statement.get("authority") or {}).get("account") or {}).get("name")
        found = find(registration) if registration and authority else None
        if found is None or not completing(statement, found.activity_id):
            continue
        actor = statement.get("actor") or {}
        if open_launch_key(client, found.course_iri, actor, registration) != authority:
            continue  # not the launch's own credential: an analyst's or an old launch's statement
        if client.completion(registration) is None:
            client.record_completion(
                agent=actor, course_iri=found.course_iri, registration=registration, course_name=found.course_title
            )
            log.info("Tin Can registration %s completed its course %s", registration, found.course_iri)


def registration_finder(sessions: Callable[[], Session]) -> FindRegistration:
    """Look a registration's Tin Can course up in its version pin (packages.versions)."""

    def find(registration: str) -> Registration | None:
        with sessions() as session:
            pin = session.get(RegistrationVersion, registration)
            if pin is None or pin.version.kind != "tincan":
                return None
            try:
                activity_id, _href = launch_activity(CourseModel.from_json(pin.version.model))
            except ValueError:
                return None
            course = pin.version.course
            return Registration(course.activity_iri, course.title, activity_id)

    return find


def init_app(app: Flask) -> None:
    """Listen to the LRS's stored statements for Tin Can completions."""
    client = app.extensions["lrs_client"]
    find = registration_finder(app.extensions["db_read"])
    client.add_listener(lambda statements: on_stored(client, find, statements))
