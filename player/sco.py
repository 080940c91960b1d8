"""One SCO attempt of a course attempt: its stored CMI, what a commit changes, and the statements that says.

Which SCO attempt a request belongs to (xAPI SCORM Profile §5.0, the temporal model):
the same one while its launch session keeps it open; on a new session, the same one
resumed when it was left suspended (``exit=suspend``, or incomplete with an empty
``exit``: PLAYER-NOTES pitfall 4), else a new attempt with fresh CMI.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from lrs import vocab
from packages.model import Item
from player import cmi, completion, state, tokens
from player import course as course_model
from player import statements as stmts

if TYPE_CHECKING:
    from lrs.client import LRSClient

#: Per format: (location, total_time, session_time, exit, credit, mode, learner response) elements.
NAMES = {
    "scorm12": ("cmi.core.lesson_location", "cmi.core.total_time", "cmi.core.session_time", "cmi.core.exit",
                "cmi.core.credit", "cmi.core.lesson_mode", "student_response"),
    "scorm2004": ("cmi.location", "cmi.total_time", "cmi.session_time", "cmi.exit", "cmi.credit", "cmi.mode",
                  "learner_response"),
}
NOT_LOADED = ("exit", "entry", "session_time", "total_time")


@dataclass
class SCO:
    """A SCO attempt as stored, and whether this request starts a new session or attempt of it."""

    kind: str
    item: Item
    number: int
    iri: str
    new_attempt: bool
    new_session: bool
    attempt_doc: state.Doc
    cmi_doc: state.Doc
    suspend_doc: state.Doc
    flat: dict[str, Any] = field(default_factory=dict)
    suspend: str = ""
    total_seconds: float = 0.0
    session_base: float = 0.0
    session_seconds: float = 0.0
    session: str = ""

    @property
    def format(self) -> str:
        """"scorm12" or "scorm2004"."""
        return "scorm12" if self.kind == "scorm12" else "scorm2004"

    @property
    def names(self) -> tuple[str, ...]:
        """This format's element names (NAMES)."""
        return NAMES[self.format]

    @classmethod
    def current(
        cls, client: LRSClient, token: tokens.AttemptToken, kind: str, item: Item, attempt: dict[str, Any]
    ) -> SCO:
        """The SCO attempt this request belongs to, read from the LRS.

        Within one launch session a SCO keeps its attempt (a final commit on a hidden page
        may be followed by more: PROTOCOL "Static files"); a new session resumes it when
        it was left resumable, else starts the next attempt. Review never starts one.
        """
        summary = (attempt.get("scos") or {}).get(item.identifier) or {}
        number = int(summary.get("attempt") or 0)
        if number and summary.get("session") == token.session:
            keep, new_session = True, not summary.get("open")
        elif number and (summary.get("resumable") or token.mode != "normal"):
            keep, new_session = True, True
        else:
            keep, new_session = False, True
        number = number if keep else number + 1
        iri = course_model.sco_attempt_iri(token.course_iri, item, token.registration, token.attempt, number)
        who = (iri, token.agent, token.registration)
        profile = state.read_json(client, state.attempt_state(*who), {})
        doc = state.read_json(client, state.cmi_state(*who), {})
        suspend = state.read_text(client, state.suspend_data(*who))
        stored = doc.content if keep and isinstance(doc.content, dict) else {}
        return cls(
            kind, item, number, iri, not keep, new_session, profile, doc, suspend, dict(stored.get("cmi") or {}),
            suspend.content if keep else "", float(stored.get("total_seconds") or 0),
            float(stored.get("session_base") or 0), 0.0, str(stored.get("session") or ""),
        )

    def to_load(self, item: Item, token: tokens.AttemptToken) -> dict[str, Any]:
        """The CMI for scorm-again's loadFromJSON (RTE 1.2 §3.4.2, 2004 §4.2); never the old session_time."""
        values = {} if self.new_attempt else {
            k: v for k, v in self.flat.items() if k.rsplit(".", 1)[-1] not in NOT_LOADED
        }
        entry = "ab-initio" if self.new_attempt else "resume"
        review = token.mode != "normal"
        values.update(_lms_values(self.format, item, token, entry if not review else "", review))
        if not self.new_attempt:
            as_text = cmi.timespan_12 if self.kind == "scorm12" else cmi.iso_duration
            values[self.names[1]] = as_text(self.total_seconds)
        if not self.new_attempt and self.suspend:
            values["cmi.suspend_data"] = self.suspend
        return cmi.unflatten({k: v for k, v in values.items() if v is not None})

    def summary(self, outcome: completion.Outcome, session: str, *, finished: bool) -> dict[str, Any]:
        """This SCO's line in the course attempt state."""
        exit_value = str(self.flat.get(self.names[3]) or "")
        resumable = exit_value == "suspend" or (exit_value == "" and outcome.completion != "completed")
        return {"attempt": self.number, "status": outcome.status, "completion": outcome.completion,
                "success": outcome.success, "scaled": outcome.scaled, "session": session, "open": not finished,
                "exit": exit_value, "resumable": resumable}

    def store(self, client: LRSClient, token: tokens.AttemptToken) -> None:
        """Write the CMI, the profile's attempt state and suspend data where changed (each with If-Match); list a new attempt."""
        if self.new_attempt:
            where = state.activity_state(course_model.sco_iri(token.course_iri, self.item), token.agent,
                                         token.registration)
            state.add_attempt(client, where, self.iri)
        state.write(client, self.cmi_doc, {
            "cmi": self.flat,
            "total_seconds": self.total_seconds,
            "session_base": self.session_base,
            "session": self.session,
        })
        profile = {  # xAPI SCORM Profile, "SCORM Activity Attempt State"
            "location": str(self.flat.get(self.names[0]) or ""),
            "total_time": cmi.iso_duration(self.total_seconds),
            "credit": "credit",
            "mode": "normal",
        }
        if profile != self.attempt_doc.content:
            state.write(client, self.attempt_doc, profile)
        if self.suspend != (self.suspend_doc.content or "") or (self.suspend and self.suspend_doc.etag is None):
            state.write(client, self.suspend_doc, self.suspend)

    def context(self, token: tokens.AttemptToken, seq: int) -> stmts.Context:
        """What this commit's statements share."""
        return stmts.Context(
            token.agent, token.registration, token.course_iri, token.course_title,
            course_model.sco_iri(token.course_iri, self.item), self.item.title, self.iri, token.session, seq,
        )


#: The LMS-owned elements per format (RTE 1.2 §3.4.2 core.* and student_data.*; RTE 2004 §4.2).
LMS_NAMES = {
    "scorm12": {"learner_id": "cmi.core.student_id", "learner_name": "cmi.core.student_name",
                "entry": "cmi.core.entry", "credit": "cmi.core.credit", "mode": "cmi.core.lesson_mode",
                "launch_data": "cmi.launch_data", "mastery_score": "cmi.student_data.mastery_score",
                "max_time_allowed": "cmi.student_data.max_time_allowed",
                "time_limit_action": "cmi.student_data.time_limit_action"},
    "scorm2004": {"learner_id": "cmi.learner_id", "learner_name": "cmi.learner_name", "entry": "cmi.entry",
                  "credit": "cmi.credit", "mode": "cmi.mode", "launch_data": "cmi.launch_data",
                  "completion_threshold": "cmi.completion_threshold",
                  "scaled_passing_score": "cmi.scaled_passing_score", "max_time_allowed": "cmi.max_time_allowed",
                  "time_limit_action": "cmi.time_limit_action"},
}


def _lms_values(kind: str, item: Item, token: tokens.AttemptToken, entry: str, review: bool) -> dict[str, Any]:
    """The LMS-owned elements the SCO reads: who, entry, credit and mode, the manifest's values."""
    passing, threshold = completion.scaled_passing_score(item), completion.completion_threshold(item)
    values = {
        "learner_id": token.learner_id,
        "learner_name": token.learner_name,
        "entry": entry,
        "credit": "no-credit" if review else "credit",
        "mode": "review" if review else "normal",
        "launch_data": item.data_from_lms or "",
        "mastery_score": None if item.mastery_score is None else _number_text(item.mastery_score),
        "completion_threshold": None if threshold is None else _number_text(threshold),
        "scaled_passing_score": None if passing is None else _number_text(passing),
        "max_time_allowed": item.max_time_allowed,
        "time_limit_action": item.time_limit_action,
    }
    return {name: values[key] for key, name in LMS_NAMES[kind].items()}


def _number_text(value: float) -> str:
    return f"{value:g}"


def sco_outcome(kind: str, item: Item, flat: dict[str, Any], *, finished: bool) -> completion.Outcome:
    """The SCO's outcome by its format's rules."""
    if kind == "scorm12":
        return completion.outcome_12(flat, item, finished=finished)
    return completion.outcome_2004(flat, item, finished=finished)


def attempt_ended(sco: SCO, final: bool) -> bool:
    """True when a final commit ends the attempt: 1.2's LMSFinish always; 2004 unless suspended (RTE 2004 §4.2.8)."""
    if not final:
        return False
    return sco.kind == "scorm12" or sco.flat.get("cmi.exit") != "suspend"


def merge(sco: SCO, kept: dict[str, Any], token: tokens.AttemptToken, *, final: bool) -> tuple[SCO, completion.Outcome]:
    """The SCO after a commit: elements merged, total time summed once (PLAYER-NOTES pitfall 5), LMS rules applied."""
    kept = dict(kept)
    _location, total_name, session_name, *_ = sco.names
    suspend = kept.pop("cmi.suspend_data", sco.suspend)
    session_seconds = cmi.seconds_of(kept.pop(session_name, None))
    committed_total = cmi.seconds_of(kept.pop(total_name, None))
    # Time of this launch session counts once, however many of its commits say it (pitfall 5).
    base = sco.session_base if sco.session == token.session else sco.total_seconds
    flat = {**sco.flat, **kept}
    merged = replace(sco, flat=flat, suspend=str(suspend), session_base=base, session=token.session,
                     session_seconds=session_seconds,
                     total_seconds=max(sco.total_seconds, base + session_seconds, committed_total))
    outcome = sco_outcome(sco.kind, sco.item, flat, finished=attempt_ended(merged, final))
    # The LMS's own evaluation is what the SCO reads back afterwards (RTE 1.2 §3.4.2, 2004 §4.2.4.1).
    if sco.kind == "scorm12":
        if outcome.status != "not attempted":
            flat["cmi.core.lesson_status"] = outcome.status
    else:
        flat.update({"cmi.completion_status": outcome.completion, "cmi.success_status": outcome.success})
    return merged, outcome


@dataclass(frozen=True)
class Change:
    """One thing a commit changed that the profile reports as a statement."""

    verb: str
    element: str
    result: dict[str, Any] | None = None
    interaction: dict[str, Any] | None = None
    index: int = 0

    def statement(self, ctx: stmts.Context) -> dict[str, Any]:
        """The statement of this change."""
        obj = stmts.interaction_object(ctx, self.interaction, self.index) if self.interaction is not None else None
        return stmts.statement(ctx, self.verb, self.element, result=self.result, obj=obj)


def _score(sco: SCO, outcome: completion.Outcome) -> dict[str, Any] | None:
    prefix = "cmi.core.score" if sco.kind == "scorm12" else "cmi.score"
    return stmts.score_of(outcome.scaled, sco.flat.get(f"{prefix}.raw"), sco.flat.get(f"{prefix}.min"),
                          sco.flat.get(f"{prefix}.max"))


def _result(sco: SCO, outcome: completion.Outcome, *, duration: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if outcome.success in ("passed", "failed"):
        result["success"] = outcome.success == "passed"
    if outcome.completion in ("completed", "incomplete"):
        result["completion"] = outcome.completion == "completed"
    score = _score(sco, outcome)
    if score:
        result["score"] = score
    if duration:
        result["duration"] = cmi.iso_duration(sco.session_seconds)
    return result


def changes(old: SCO, new: SCO, before: completion.Outcome, after: completion.Outcome, *, final: bool) -> list[Change]:
    """The profile's statements for what changed since the stored state (xAPI SCORM Profile §5.0, §6.0)."""
    found: list[Change] = []
    if new.new_session:
        verb = vocab.VERB_INITIALIZED if new.new_attempt else vocab.VERB_RESUMED
        found.append(Change(verb, "initialized" if new.new_attempt else "resumed"))
    if after.completion == "completed" and before.completion != "completed":
        found.append(Change(vocab.VERB_COMPLETED, "completed", {"completion": True}))
    if after.success != before.success and after.success in ("passed", "failed"):
        verb = vocab.VERB_PASSED if after.success == "passed" else vocab.VERB_FAILED
        found.append(Change(verb, after.success, _result(new, after)))
    # scored needs score.scaled (the profile's score schema); raw/min/max ride along.
    if after.scaled is not None and _score(new, after) != _score(old, before):
        found.append(Change(vocab.VERB_SCORED, "scored", {"score": _score(new, after)}))
    found.extend(_responses(old, new))
    found.extend(_comments(old, new))
    if final:
        exit_value = str(new.flat.get(new.names[3]) or "")
        suspended = exit_value == "suspend" or (exit_value == "" and after.completion != "completed")
        verb = vocab.VERB_SUSPENDED if suspended else vocab.VERB_TERMINATED
        found.append(Change(verb, "suspended" if suspended else "terminated", _result(new, after, duration=True)))
    return found


def _responses(old: SCO, new: SCO) -> list[Change]:
    """One ``responded`` per new or changed cmi.interactions.n response (profile §6.0 Interactions)."""
    field_name = new.names[6]
    before = cmi.indexed(old.flat, "cmi.interactions")
    found = []
    for index, record in sorted(cmi.indexed(new.flat, "cmi.interactions").items()):
        response = record.get(field_name)
        if response in (None, "") or (before.get(index) or {}).get(field_name) == response:
            continue
        result: dict[str, Any] = {"response": str(response)}
        if record.get("result") in ("correct", "wrong", "incorrect"):
            result["success"] = record["result"] == "correct"
        found.append(Change(vocab.VERB_RESPONDED, f"interaction:{index}", result, record, index))
    return found


def _comments(old: SCO, new: SCO) -> list[Change]:
    """``commented`` for a new learner comment (profile §6.0 Comments From Learner)."""
    if new.kind == "scorm12":
        text = new.flat.get("cmi.comments")
        if text and text != old.flat.get("cmi.comments"):
            return [Change(vocab.VERB_COMMENTED, "comments", {"response": str(text)})]
        return []
    before = cmi.indexed(old.flat, "cmi.comments_from_learner")
    return [
        Change(vocab.VERB_COMMENTED, f"comment:{index}", {"response": str(record["comment"])})
        for index, record in sorted(cmi.indexed(new.flat, "cmi.comments_from_learner").items())
        if record.get("comment") and (before.get(index) or {}).get("comment") != record["comment"]
    ]
