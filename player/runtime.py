"""The run-time API behind the player page: open a SCO, take its commits (player/PROTOCOL.md, SCORM RTE).

Opening a SCO hands scorm-again the CMI to load (RTE 1.2 §3.4, 2004 §4.2): entry,
credit and mode, the manifest's values, and on resume the stored location, suspend
data, total time, interactions and objectives, read from the LRS State documents.

A commit is checked element by element, merged into the stored CMI of the SCO attempt,
turned into the xAPI SCORM Profile's statements for what changed, and written to the
State documents. The course attempt state is written first, with If-Match: it holds
the launch session and commit seq, so a stale or superseded commit is refused (409)
before anything is stored, and a retried one (same session and seq) stores nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.errors import Conflict, NotFound
from lrs.client import SYSTEM_AUTHORITY, LRSError
from packages.model import CourseModel, Item
from player import cmi, completion, state, tokens
from player import course as course_model
from player.content import content_url
from player.launch import course_attempt_doc
from player.sco import SCO, changes, merge, sco_outcome

if TYPE_CHECKING:
    from lrs.client import LRSClient

log = logging.getLogger(__name__)
SETTINGS = {"autocommit": True, "autocommitSeconds": 10, "mastery_override": False}


class Superseded(Conflict):
    """A commit of a launch session that a newer launch replaced, or older than what is stored (409)."""

    def __init__(self, message: str, *, superseded: bool = True) -> None:
        super().__init__(message)
        self.superseded = superseded


@dataclass
class Commit:
    """A parsed commit body (PROTOCOL "Committing")."""

    session: str
    seq: int
    cmi: Any
    final: bool = False


@dataclass
class Answer:
    """What a commit answers (PROTOCOL "Committing", 200)."""

    seq: int
    dropped: list[dict[str, str]] = field(default_factory=list)
    items: list[dict[str, str]] = field(default_factory=list)
    course: dict[str, bool] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The response body."""
        return {"ok": True, "seq": self.seq, "dropped": self.dropped, "items": self.items, "course": self.course}


def _item(model: CourseModel, item_id: str) -> Item:
    item = course_model.find_item(model, item_id)
    if item is None:
        raise NotFound(f"this course has no item {item_id!r}")
    return item


def open_sco(client: LRSClient, token: tokens.AttemptToken, model: CourseModel, item_id: str) -> dict[str, Any]:
    """GET /player/api/<token>/sco/<item>: the CMI to load, settings, the launch URL (PROTOCOL "Opening a SCO")."""
    item = _item(model, item_id)
    attempt = course_attempt_doc(client, token)
    if token.mode == "normal" and (attempt.content or {}).get("launch_session") not in (None, token.session):
        raise Superseded("This course was opened again in another window or device; continue there.")
    sco = SCO.current(client, token, model.kind, item, attempt.content or {})
    if item.scorm_type == "asset" and token.mode == "normal":
        _record_asset(client, token, model, item)
    status = ((attempt.content or {}).get("scos", {}).get(item.identifier) or {}).get("status", "not attempted")
    return {
        "cmi": sco.to_load(item, token),
        "settings": dict(SETTINGS),
        "launchUrl": content_url(token.version_id, token.registration, item.href or ""),
        "item": {"id": item.identifier, "title": item.title, "status": status},
    }


def _record_asset(client: LRSClient, token: tokens.AttemptToken, model: CourseModel, item: Item) -> None:
    """An asset is completed when launched (SCORM 2004 SN §4.2.1: nothing reports for it)."""
    for _ in range(5):
        doc = course_attempt_doc(client, token)
        content = dict(doc.content or {})
        scos = dict(content.get("scos") or {})
        if (scos.get(item.identifier) or {}).get("status") == "completed":
            return
        scos[item.identifier] = {"attempt": 1, "status": "completed", "completion": "completed",
                                 "success": "passed", "scaled": None}
        content["scos"] = scos
        try:
            state.write(client, doc, content)
        except state.Changed:
            continue
        _maybe_complete(client, token, model, scos)
        return


def commit(
    client: LRSClient, token: tokens.AttemptToken, model: CourseModel, item_id: str, body: Commit
) -> Answer:
    """POST /player/api/<token>/sco/<item>/commit (PROTOCOL "Committing")."""
    item = _item(model, item_id)
    checked = cmi.check(model.kind, cmi.unwrap(body.cmi))
    for dropped in checked.dropped:
        log.info("commit of %s item %s: dropped %s (%s)", token.registration, item_id, dropped["element"],
                 dropped["reason"])
    attempt = course_attempt_doc(client, token)
    content = dict(attempt.content or {})
    if token.mode != "normal":
        return _answer(model, content, body.seq, checked.dropped)  # review: nothing is written
    _guard(content, token, body)
    if content.get("seq") == body.seq:
        return Answer(**content.get("last_answer", {"seq": body.seq}))
    return _store(client, token, model, item, checked, body, attempt)


def _store(
    client: LRSClient, token: tokens.AttemptToken, model: CourseModel, item: Item, checked: cmi.Checked,
    body: Commit, attempt: state.Doc,
) -> Answer:
    """Merge the commit into the SCO attempt and store it: the course attempt state first (the guard)."""
    content = dict(attempt.content or {})
    sco = SCO.current(client, token, model.kind, item, content)
    before = sco_outcome(model.kind, item, sco.flat, finished=False)
    merged, after = merge(sco, checked.kept, token, final=body.final)
    ctx = merged.context(token, body.seq)
    made = [change.statement(ctx) for change in changes(sco, merged, before, after, final=body.final)]
    scos = {**(content.get("scos") or {}), item.identifier: merged.summary(after, token.session, finished=body.final)}
    content.update(scos=scos, seq=body.seq, last_item=item.identifier)
    answer = _answer(model, content, body.seq, checked.dropped)
    content["last_answer"] = answer.__dict__
    try:
        state.write(client, attempt, content)  # the guard: one commit per (session, seq) gets past it
        merged.store(client, token)
    except state.Changed:
        raise Superseded("Another commit of this attempt was stored first; reload the course.") from None
    _store_statements(client, token, made)
    if answer.course.get("satisfied"):
        _maybe_complete(client, token, model, scos)
    return answer


def _guard(content: dict[str, Any], token: tokens.AttemptToken, body: Commit) -> None:
    if body.session != token.session:
        raise tokens.BadToken("This commit names another launch session than its player link.")
    if content.get("launch_session") != token.session:
        raise Superseded("This course was opened again in another window or device; your progress here "
                         "was saved up to that moment. Continue there, or reload this page.")
    stored = content.get("seq")
    if isinstance(stored, int) and body.seq < stored:
        raise Superseded(f"This commit (seq {body.seq}) is older than the one stored (seq {stored}).",
                         superseded=False)


def _answer(model: CourseModel, content: dict[str, Any], seq: int, dropped: list[dict[str, str]]) -> Answer:
    scos = content.get("scos") or {}
    items = [{"id": item.identifier, "status": (scos.get(item.identifier) or {}).get("status", "not attempted")}
             for item in course_model.launchable(model)]
    rolled = completion.course_outcome(model, _outcomes(scos))
    return Answer(seq, list(dropped), items, {"completed": rolled.completed, "satisfied": rolled.satisfied})


def _outcomes(scos: dict[str, Any]) -> dict[str, completion.Outcome]:
    return {
        key: completion.Outcome(v.get("completion", "unknown"), v.get("success", "unknown"),
                                v.get("status", "not attempted"), v.get("scaled"))
        for key, v in scos.items() if isinstance(v, dict)
    }


def _store_statements(client: LRSClient, token: tokens.AttemptToken, made: list[dict[str, Any]]) -> None:
    """Store the commit's statements as one batch; a refusal is logged whole (the State is already safe)."""
    if not made:
        return
    try:
        client.store_statements(made, authority=SYSTEM_AUTHORITY)
    except LRSError:
        log.exception("the LRS refused the statements of a commit of %s: %s", token.registration, made)


def _maybe_complete(client: LRSClient, token: tokens.AttemptToken, model: CourseModel, scos: dict[str, Any]) -> None:
    """Record the course completion fact when the rollup is satisfied (once per registration, by the LRS)."""
    if not completion.course_outcome(model, _outcomes(scos)).satisfied:
        return
    try:
        client.record_completion(agent=token.agent, course_iri=token.course_iri, registration=token.registration,
                                 course_name=token.course_title)
    except LRSError:
        log.exception("the completion of %s could not be recorded", token.registration)
