"""Course completion, defined once (ARCHITECTURE.md, "Course completion"), on SQLite and PostgreSQL.

One ``satisfied`` statement per registration with the system agent as authority, stored
at most once however often it is recorded; nobody over HTTP may store one, take its id,
or void it; a void is final; the reader answers from an indexed projection.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from lrs.client import SYSTEM_AUTHORITY, Completion, DocumentNotFound, completion_statement_id
from lrs.completions import is_reserved_id
from lrs.vocab import ACTIVITY_COURSE, VERB_REGISTERED, VERB_SATISFIED, VERB_VOIDED
from tests.conftest import XAPI, basic_auth, new_uuid

LEARNER = {"objectType": "Agent", "account": {"homePage": "http://localhost", "name": "learner-1"}}
OTHER = {"objectType": "Agent", "account": {"homePage": "http://localhost", "name": "learner-2"}}
COURSE = "http://localhost/courses/fire-safety"


def record(lrs_client: Any, registration: str, agent: dict[str, Any] = LEARNER, course: str = COURSE) -> Any:
    return lrs_client.record_completion(
        agent=agent, course_iri=course, registration=registration, course_name="Fire safety"
    )


def satisfied_statements(lrs_client: Any) -> list[dict[str, Any]]:
    """The satisfied statements themselves (the verb filter also finds voiding statements that refer to them)."""
    return [s for s in lrs_client.query_statements(verb=VERB_SATISFIED) if s["verb"]["id"] == VERB_SATISFIED]


def test_the_completion_fact_is_the_defined_statement(lrs_client: Any) -> None:
    registration = new_uuid()
    completion = record(lrs_client, registration.upper())
    assert isinstance(completion, Completion)
    assert completion.registration == registration
    assert completion.statement_id == completion_statement_id(registration)
    assert completion.course_iri == COURSE and completion.agent == LEARNER and not completion.voided
    statement = lrs_client.get_statement(completion.statement_id)
    assert statement["verb"]["id"] == VERB_SATISFIED
    assert statement["actor"] == LEARNER
    assert statement["object"] == {
        "objectType": "Activity",
        "id": COURSE,
        "definition": {"type": ACTIVITY_COURSE, "name": {"und": "Fire safety"}},
    }
    assert statement["context"]["registration"] == registration
    assert statement["authority"] == lrs_client.system_agent == SYSTEM_AUTHORITY
    # The server's clock: the timestamp is the stored time, and the Completion's, aware UTC.
    assert statement["timestamp"] == statement["stored"]
    assert completion.timestamp.tzinfo is not None and completion.timestamp.utcoffset() == timedelta(0)
    assert completion.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" == statement["timestamp"]


def test_the_completion_id_is_derived_from_the_registration_alone_and_reserved() -> None:
    registration = new_uuid()
    statement_id = completion_statement_id(registration)
    assert statement_id == completion_statement_id(registration.upper())
    assert uuid.UUID(statement_id).version == 8 and statement_id.startswith("52636f6d-706c-8")
    assert is_reserved_id(statement_id)
    assert completion_statement_id(new_uuid()) != statement_id
    assert not is_reserved_id(new_uuid())
    with pytest.raises(ValueError):
        completion_statement_id("not-a-registration")


def test_it_is_stored_once_however_often_it_is_recorded(lrs_client: Any) -> None:
    registration = new_uuid()
    first = record(lrs_client, registration)
    again = [record(lrs_client, registration) for _ in range(3)]
    # Another agent or course for the same registration does not make a second fact either.
    other = record(lrs_client, registration, agent=OTHER, course=COURSE + "-2")
    assert again == [first, first, first] and other == first
    assert [s["id"] for s in satisfied_statements(lrs_client)] == [first.statement_id]
    assert lrs_client.completion(registration) == first


def test_the_reader_answers_many_registrations_at_once(lrs_client: Any) -> None:
    done = [new_uuid() for _ in range(60)]
    for n, registration in enumerate(done):
        record(lrs_client, registration, agent=LEARNER if n % 2 else OTHER, course=f"{COURSE}/{n}")
    not_done = [new_uuid() for _ in range(10)]
    found = lrs_client.completions([r.upper() for r in done] + not_done + ["not a uuid"])
    assert set(found) == set(done)
    assert all(found[r].registration == r and found[r].statement_id == completion_statement_id(r) for r in done)
    assert found[done[7]].course_iri == f"{COURSE}/7" and found[done[7]].agent == LEARNER
    assert lrs_client.completions([]) == {}
    assert lrs_client.completion(not_done[0]) is None

    transcript = lrs_client.completions_of(LEARNER)
    assert [c.registration for c in transcript] == done[1::2]  # oldest first
    assert [c.timestamp for c in transcript] == sorted(c.timestamp for c in transcript)
    assert lrs_client.completions_of({"mbox": "mailto:nobody@example.org"}) == []


def test_a_void_is_final_logged_and_still_readable(lrs_client: Any, caplog: pytest.LogCaptureFixture) -> None:
    registration, kept = new_uuid(), new_uuid()
    completion = record(lrs_client, registration)
    record(lrs_client, kept)
    with caplog.at_level(logging.INFO, logger="lrs.completions"):
        voided = lrs_client.void_completion(registration, reason="issued by mistake", by="admin@example.org")
    assert voided.voided and voided.statement_id == completion.statement_id
    assert voided.timestamp == completion.timestamp  # the date stays the one it had
    [entry] = [r for r in caplog.records if r.name == "lrs.completions"]
    assert "admin@example.org" in entry.getMessage() and "issued by mistake" in entry.getMessage()

    assert record(lrs_client, registration) is None  # the id stays spent: nothing new is stored
    assert lrs_client.completion(registration) is None
    assert lrs_client.completion(registration, include_voided=True) == voided
    assert set(lrs_client.completions([registration, kept])) == {kept}
    both = lrs_client.completions([registration, kept], include_voided=True)
    assert both[registration].voided and not both[kept].voided
    assert [c.registration for c in lrs_client.completions_of(LEARNER)] == [kept]
    assert lrs_client.void_completion(registration, reason="again", by="admin@example.org") == voided
    assert satisfied_statements(lrs_client) == [lrs_client.get_statement(completion_statement_id(kept))]

    voiding = lrs_client.get_statement(
        next(s["id"] for s in lrs_client.query_statements(verb=VERB_VOIDED))
    )
    assert voiding["object"] == {"objectType": "StatementRef", "id": completion.statement_id}
    assert voiding["authority"] == lrs_client.system_agent
    assert "issued by mistake" in json.dumps(voiding["context"]["extensions"])

    with pytest.raises(DocumentNotFound):
        lrs_client.void_completion(new_uuid(), reason="no such", by="admin@example.org")
    with pytest.raises(ValueError):
        lrs_client.void_completion(kept, reason=" ", by="admin@example.org")


def test_the_projection_equals_a_rebuild(lrs_client: Any, runner: Any) -> None:
    registrations = [new_uuid() for _ in range(5)]
    for registration in registrations:
        record(lrs_client, registration)
    lrs_client.void_completion(registrations[2], reason="test", by="admin")
    live = lrs_client.completions(registrations, include_voided=True)
    result = runner.invoke(args=["lrs", "projections", "rebuild"])
    assert result.exit_code == 0, result.output
    assert lrs_client.completions(registrations, include_voided=True) == live
    assert lrs_client.completion(registrations[2]) is None


def test_the_system_agent_is_the_stored_one_not_a_setting(app: Any, settings: Any) -> None:
    """It was stored when the database was first set up; a later base URL does not move it."""
    from portal.app import create_app

    stored = {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": "system"}}
    with app.extensions["lrs"].engine.begin() as connection:
        connection.execute(text("UPDATE lrs_system SET agent = :a WHERE id = 1"), {"a": json.dumps(stored)})
    moved = create_app(type(settings)(**{**settings.__dict__, "base_url": "https://elsewhere.example"}))
    try:
        client = moved.extensions["lrs"].client
        assert client.system_agent == stored
        completion = client.record_completion(agent=LEARNER, course_iri=COURSE, registration=new_uuid())
        assert client.get_statement(completion.statement_id)["authority"] == stored
        # Callers that pass today's constant (enrollment) store with the stored agent.
        statement_id = client.store_statement(
            {"actor": LEARNER, "verb": {"id": VERB_REGISTERED}, "object": {"id": COURSE}},
            authority=SYSTEM_AUTHORITY,
        )
        assert client.get_statement(statement_id)["authority"] == stored
    finally:
        moved.extensions["db_engine"].dispose()
        moved.extensions["lrs"].engine.dispose()


@pytest.fixture(params=["statements/write", "all"])
def writer(request: pytest.FixtureRequest, client: Any, lrs_client: Any) -> XAPI:
    """An HTTP credential that may write statements (each of the two scopes that allow it)."""
    key, secret = lrs_client.create_credential(name="writer", scopes=[request.param])
    return XAPI(client, basic_auth(key, secret))


def test_http_may_not_take_a_completion_id_first(writer: XAPI, lrs_client: Any) -> None:
    registration = new_uuid()
    squat = {
        "id": completion_statement_id(registration),
        "actor": LEARNER,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "http://example.org/anything"},
    }
    assert writer.post("statements", json=squat).status_code == 403
    put = writer.put("statements", query_string={"statementId": squat["id"]}, json=squat)
    assert put.status_code == 403
    assert "reserved" in put.get_json()["error"]["message"]
    assert lrs_client.get_statement(squat["id"]) is None
    assert record(lrs_client, registration) is not None


def test_http_may_not_store_with_the_system_authority(writer: XAPI, lrs_client: Any) -> None:
    registration = new_uuid()
    claimed = {
        "actor": LEARNER,
        "verb": {"id": VERB_SATISFIED},
        "object": {"id": COURSE},
        "context": {"registration": registration},
        "authority": lrs_client.system_agent,
    }
    response = writer.post("statements", json=[claimed])
    assert response.status_code == 403
    assert satisfied_statements(lrs_client) == []


def test_http_may_not_void_what_the_system_agent_issued(writer: XAPI, lrs_client: Any) -> None:
    completion = record(lrs_client, new_uuid())
    enrollment = lrs_client.store_statement(
        {"actor": LEARNER, "verb": {"id": VERB_REGISTERED}, "object": {"id": COURSE}}, authority=SYSTEM_AUTHORITY
    )
    not_yet = completion_statement_id(new_uuid())  # before the fact exists, too
    for target in (completion.statement_id, enrollment, not_yet):
        voiding = {
            "actor": LEARNER,
            "verb": {"id": VERB_VOIDED},
            "object": {"objectType": "StatementRef", "id": target},
        }
        assert writer.post("statements", json=voiding).status_code == 403, target
    assert lrs_client.completion(completion.registration) == completion
    assert lrs_client.get_statement(enrollment) is not None
    assert list(lrs_client.query_statements(verb=VERB_VOIDED)) == []
    # What the credential stored itself it may still void.
    own = writer.post(
        "statements", json={"actor": LEARNER, "verb": {"id": "http://example.org/said"}, "object": {"id": COURSE}}
    ).get_json()[0]
    mine = {"actor": LEARNER, "verb": {"id": VERB_VOIDED}, "object": {"objectType": "StatementRef", "id": own}}
    assert writer.post("statements", json=mine).status_code == 200


def test_voiding_in_the_same_commit_group_as_the_fact_is_refused_too(app: Any, lrs_client: Any) -> None:
    """A batch of another authority cannot void a system statement accepted earlier in its transaction."""
    from lrs.errors import Forbidden
    from lrs.sql.statements import prepare_batch, take_writers_lock, write_group

    system_ifi = lrs_client._system_identity()[1]
    enrollment = new_uuid()
    own = {"id": enrollment, "actor": LEARNER, "verb": {"id": VERB_REGISTERED}, "object": {"id": COURSE}}
    other = {"objectType": "Agent", "account": {"homePage": "http://localhost/xapi/credentials", "name": "k"}}
    voiding = {"actor": LEARNER, "verb": {"id": VERB_VOIDED}, "object": {"objectType": "StatementRef", "id": enrollment}}
    writes = [
        (prepare_batch([own], authority=lrs_client.system_agent, version="1.0.3", system_ifi=system_ifi), None),
        (prepare_batch([voiding], authority=other, version="1.0.3", system_ifi=system_ifi), None),
    ]
    with app.extensions["lrs"].write_sessions.begin() as session:
        take_writers_lock(session)
        outcomes = write_group(session, writes, hooks=lrs_client.hooks)
    assert outcomes[0] == [enrollment] and isinstance(outcomes[1], Forbidden)
    assert lrs_client.get_statement(enrollment) is not None


def test_completion_needs_a_registration_that_is_a_uuid(lrs_client: Any) -> None:
    from lrs.client import InvalidStatement

    with pytest.raises(InvalidStatement):
        lrs_client.record_completion(agent=LEARNER, course_iri=COURSE, registration="nope")
    with pytest.raises(InvalidStatement):
        lrs_client.record_completion(agent={"name": "no identifier"}, course_iri=COURSE, registration=new_uuid())
    assert lrs_client.completions_of(LEARNER) == []


def test_without_the_completions_projection_the_reader_refuses_to_answer(lrs_client: Any) -> None:
    lrs_client.hooks.projections[:] = [p for p in lrs_client.hooks.projections if p.name != "completions"]
    with pytest.raises(RuntimeError, match="completions"):
        record(lrs_client, new_uuid())
    with pytest.raises(RuntimeError, match="completions"):
        lrs_client.completions_of(LEARNER)
