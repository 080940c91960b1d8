"""A real xAPI client, ``tincan`` 1.0.0, saves, retrieves and queries statements over HTTP.

Work-arounds for tincan 1.0.0's own defects: ``RemoteLRS.about()`` raises ValueError when
About lists "2.0.0", so the version is set explicitly; it sends Python booleans as
"True", so boolean parameters are passed as the JSON strings the spec asks for.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from tincan import Activity, Agent, Context, RemoteLRS, Statement, Verb

from tests.conftest import new_uuid

COURSE = "http://example.org/courses/first-aid"


@pytest.fixture
def remote(live_server: str, lrs_credential: tuple[str, str]) -> RemoteLRS:
    key, secret = lrs_credential
    return RemoteLRS(
        endpoint=f"{live_server}/xapi/", version="1.0.3", username=key, password=secret
    )


def learner(name: str) -> Agent:
    return Agent(name=name, mbox=f"mailto:{name.lower()}@example.org")


def make(
    actor: Agent, verb: str, activity: str, registration: str | None = None
) -> Statement:
    return Statement(
        actor=actor,
        verb=Verb(id=f"http://adlnet.gov/expapi/verbs/{verb}", display={"en-US": verb}),
        object=Activity(id=activity),
        context=Context(registration=uuid.UUID(registration)) if registration else None,
    )


def test_save_and_retrieve_a_statement(remote: RemoteLRS) -> None:
    statement = make(learner("Ada"), "experienced", COURSE)
    statement.id = uuid.UUID(new_uuid())
    saved = remote.save_statement(statement)
    assert saved.success, saved.data
    got = remote.retrieve_statement(str(statement.id))
    assert got.success, got.data
    assert str(got.content.id) == str(statement.id)
    assert got.content.actor.mbox == "mailto:ada@example.org"
    assert got.content.verb.id.endswith("/experienced")
    assert got.content.stored is not None and got.content.authority is not None


def test_save_without_id_gets_one_assigned(remote: RemoteLRS) -> None:
    response = remote.save_statement(make(learner("Ada"), "attempted", COURSE))
    assert response.success, response.data
    assert response.content.id is not None
    assert remote.retrieve_statement(str(response.content.id)).success


def test_save_several_and_query_with_filters_and_more(remote: RemoteLRS) -> None:
    registration = new_uuid()
    batch = [
        make(learner("Bea"), "attempted", f"{COURSE}/{n}", registration)
        for n in range(5)
    ]
    batch.append(make(learner("Cid"), "passed", COURSE))
    saved = remote.save_statements(batch)
    assert saved.success, saved.data

    result = remote.query_statements(
        {"agent": learner("Bea"), "limit": 2, "ascending": "true"}
    )
    assert result.success, result.data
    pages = [result.content]
    while pages[-1].more:
        more = remote.more_statements(pages[-1])
        assert more.success, more.data
        pages.append(more.content)
    activities = [s.object.id for page in pages for s in page.statements]
    assert activities == [f"{COURSE}/{n}" for n in range(5)]
    assert len(pages) == 3

    passed = remote.query_statements(
        {"verb": Verb(id="http://adlnet.gov/expapi/verbs/passed")}
    )
    assert [s.actor.mbox for s in passed.content.statements] == [
        "mailto:cid@example.org"
    ]
    in_registration = remote.query_statements({"registration": registration})
    assert len(in_registration.content.statements) == 5
    related = remote.query_statements(
        {"activity": Activity(id=f"{COURSE}/3"), "related_activities": "true"}
    )
    assert [s.object.id for s in related.content.statements] == [f"{COURSE}/3"]


def test_voided_statement_is_retrieved_as_voided(remote: RemoteLRS) -> None:
    target = remote.save_statement(make(learner("Dee"), "passed", COURSE)).content
    voiding = Statement(
        actor=learner("Admin"),
        verb=Verb(id="http://adlnet.gov/expapi/verbs/voided"),
        object={"objectType": "StatementRef", "id": str(target.id)},
    )
    assert remote.save_statement(voiding).success
    assert not remote.retrieve_statement(str(target.id)).success
    voided = remote.retrieve_voided_statement(str(target.id))
    assert voided.success and str(voided.content.id) == str(target.id)


def test_wrong_secret_is_refused(
    live_server: str, lrs_credential: tuple[str, str]
) -> None:
    lrs: Any = RemoteLRS(
        endpoint=f"{live_server}/xapi/",
        version="1.0.3",
        username=lrs_credential[0],
        password="x",
    )
    response = lrs.save_statement(make(learner("Eve"), "attempted", COURSE))
    assert not response.success
    assert response.response.status == 401
