"""The Activities Resource (canonical definitions, Part Three §2.5) and the Agents Resource (Person, §2.4)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from lrs.sql.activities import Activity, incoming_definitions, record_activities
from tests.conftest import XAPI, basic_auth
from tests.lrs.documents_support import learner

QUIZ = "https://courses.example.org/fire-safety/quiz-1"
COURSE = "https://courses.example.org/fire-safety"


def statement(
    definition: dict[str, Any] | None = None, *, object_id: str = QUIZ, **context: Any
) -> dict[str, Any]:
    activity: dict[str, Any] = {"objectType": "Activity", "id": object_id}
    if definition is not None:
        activity["definition"] = definition
    result = {
        "actor": learner(),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
        "object": activity,
    }
    if context:
        result["context"] = {"contextActivities": context}
    return result


def record(app: Any, *statements: dict[str, Any]) -> None:
    with app.extensions["lrs"].write_sessions.begin() as session:
        record_activities(session.connection(), incoming_definitions(statements))


def activity(vx: XAPI, activity_id: str = QUIZ) -> Any:
    response = vx.get("activities", query_string={"activityId": activity_id})
    assert response.status_code == 200
    return response.get_json()


def stored_rows(app: Any) -> dict[str, Any]:
    with app.extensions["lrs"].sessions() as session:
        return {
            row.activity_id: (row.updated, row.definition)
            for row in session.scalars(select(Activity))
        }


def test_an_unknown_activity_is_just_its_id(vx: XAPI) -> None:
    assert activity(vx, "https://nowhere.example/never-seen") == {
        "objectType": "Activity",
        "id": "https://nowhere.example/never-seen",
    }


def test_a_definition_seen_in_a_statement_comes_back_whole(app: Any, vx: XAPI) -> None:
    definition = {
        "type": "http://adlnet.gov/expapi/activities/assessment",
        "name": {"en-US": "Quiz 1"},
        "description": {"en-US": "Ten questions"},
        "moreInfo": "https://courses.example.org/fire-safety/quiz-1/about",
        "extensions": {"https://rollcall.example/ext/questions": 10},
    }
    record(app, statement(definition))
    assert activity(vx) == {
        "objectType": "Activity",
        "id": QUIZ,
        "definition": definition,
    }


def test_language_maps_gain_languages_across_statements(app: Any, vx: XAPI) -> None:
    record(
        app,
        statement(
            {"name": {"en-US": "Quiz 1"}, "description": {"en-US": "Ten questions"}}
        ),
    )
    record(
        app,
        statement({"name": {"fr-FR": "Quiz n°1"}}),
        statement({"name": {"en-US": "Quiz one"}}),
    )
    definition = activity(vx)["definition"]
    assert definition["name"] == {"en-US": "Quiz one", "fr-FR": "Quiz n°1"}
    assert definition["description"] == {"en-US": "Ten questions"}


def test_interaction_meaning_is_kept_once_set_but_component_descriptions_gain_languages(
    app: Any, vx: XAPI
) -> None:
    first = {
        "interactionType": "choice",
        "correctResponsesPattern": ["b"],
        "choices": [
            {"id": "a", "description": {"en-US": "Water"}},
            {"id": "b", "description": {"en-US": "Foam"}},
        ],
    }
    changed = {
        "interactionType": "true-false",
        "correctResponsesPattern": ["a"],
        "choices": [
            {"id": "a", "description": {"de-DE": "Wasser"}},
            {"id": "z", "description": {"en-US": "New"}},
        ],
    }
    record(app, statement(first))
    record(app, statement(changed))
    definition = activity(vx)["definition"]
    assert definition["interactionType"] == "choice"
    assert definition["correctResponsesPattern"] == ["b"]
    assert definition["choices"] == [
        {"id": "a", "description": {"en-US": "Water", "de-DE": "Wasser"}},
        {"id": "b", "description": {"en-US": "Foam"}},
    ]


def test_context_and_substatement_activities_are_recorded(app: Any, vx: XAPI) -> None:
    parent = {"id": COURSE, "definition": {"name": {"en-US": "Fire safety"}}}
    category = [
        {
            "id": "https://w3id.org/xapi/scorm",
            "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
        }
    ]
    sub = {
        "actor": learner(),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
        "objectType": "SubStatement",
        "object": {"id": QUIZ + "/q3", "definition": {"name": {"en-US": "Question 3"}}},
    }
    outer = {
        "actor": learner(),
        "verb": {"id": "http://example.org/verbs/planned"},
        "object": sub,
        "context": {"contextActivities": {"parent": parent, "category": category}},
    }
    record(app, outer)
    assert activity(vx, COURSE)["definition"] == {"name": {"en-US": "Fire safety"}}
    assert activity(vx, "https://w3id.org/xapi/scorm")["definition"]["type"].endswith(
        "/profile"
    )
    assert activity(vx, QUIZ + "/q3")["definition"] == {"name": {"en-US": "Question 3"}}


def test_repeating_a_known_definition_writes_nothing(app: Any) -> None:
    definition = {"name": {"en-US": "Quiz 1"}, "interactionType": "choice"}
    record(app, statement(definition))
    before = stored_rows(app)
    record(
        app,
        *[statement(definition) for _ in range(5)],
        statement({"name": {"en-US": "Quiz 1"}}),
    )
    assert stored_rows(app) == before
    record(app, statement({"name": {"es-ES": "Prueba 1"}}))
    updated, definition = stored_rows(app)[QUIZ]
    assert updated >= before[QUIZ][0]
    assert definition["name"] == {"en-US": "Quiz 1", "es-ES": "Prueba 1"}


def test_statements_without_definitions_store_no_activity(app: Any) -> None:
    record(app, statement(None), statement({}))
    assert stored_rows(app) == {}


def test_statements_stored_through_the_api_define_activities(vx: XAPI) -> None:
    body = statement({"name": {"en-US": "Quiz 1"}})
    response = vx.post(
        "statements", json=[body, statement({"name": {"fr-FR": "Quiz 1 (fr)"}})]
    )
    assert response.status_code == 200, response.data
    assert activity(vx)["definition"]["name"] == {
        "en-US": "Quiz 1",
        "fr-FR": "Quiz 1 (fr)",
    }


@pytest.mark.parametrize(
    "params", [{}, {"activityId": ""}, {"activityId": "not an iri"}]
)
def test_activities_resource_needs_an_activity_iri(
    vx: XAPI, params: dict[str, str]
) -> None:
    response = vx.get("activities", query_string=params)
    assert response.status_code == 400
    assert "activityId" in response.get_json()["error"]["message"]


def test_person_lists_each_identifier_as_an_array(vx: XAPI) -> None:
    agent = {
        "objectType": "Agent",
        "name": "Ada",
        "account": {"homePage": "https://rollcall.example", "name": "ada"},
    }
    response = vx.get("agents", query_string={"agent": json.dumps(agent)})
    assert response.status_code == 200
    assert response.get_json() == {
        "objectType": "Person",
        "name": ["Ada"],
        "account": [{"homePage": "https://rollcall.example", "name": "ada"}],
    }
    by_mail = vx.get(
        "agents",
        query_string={"agent": json.dumps({"mbox": "mailto:grace@example.org"})},
    )
    assert by_mail.get_json() == {
        "objectType": "Person",
        "mbox": ["mailto:grace@example.org"],
    }


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "not json",
        json.dumps({"name": "nobody"}),
        json.dumps({"mbox": "grace@example.org"}),
    ],
)
def test_agents_resource_needs_a_valid_agent(vx: XAPI, raw: str | None) -> None:
    response = vx.get("agents", query_string={} if raw is None else {"agent": raw})
    assert response.status_code == 400
    assert "agent" in response.get_json()["error"]["message"]


def test_restricted_and_unscoped_credentials_are_refused(
    client: Any, lrs_client: Any
) -> None:
    key, secret = lrs_client.create_credential(
        name="ada only", scopes=["all/read"], agent=learner("ada")
    )
    bound = XAPI(client, basic_auth(key, secret))
    assert (
        bound.get(
            "agents", query_string={"agent": json.dumps(learner("ada"))}
        ).status_code
        == 200
    )
    assert (
        bound.get(
            "agents", query_string={"agent": json.dumps(learner("grace"))}
        ).status_code
        == 403
    )
    key, secret = lrs_client.create_credential(
        name="course", scopes=["all/read"], activity_prefix=COURSE
    )
    prefixed = XAPI(client, basic_auth(key, secret))
    assert (
        prefixed.get("activities", query_string={"activityId": QUIZ}).status_code == 200
    )
    assert (
        prefixed.get(
            "activities", query_string={"activityId": "https://elsewhere.example/a"}
        ).status_code
        == 403
    )
    key, secret = lrs_client.create_credential(
        name="writer", scopes=["statements/write"]
    )
    writer = XAPI(client, basic_auth(key, secret))
    assert (
        writer.get("activities", query_string={"activityId": QUIZ}).status_code == 403
    )


def test_concurrent_batches_defining_one_new_activity_all_land(
    app: Any, vx: XAPI
) -> None:
    languages = ["en-US", "fr-FR", "de-DE", "es-ES", "it-IT", "nl-NL"]

    def define(language: str) -> None:
        record(app, statement({"name": {language: f"Quiz ({language})"}}))

    with ThreadPoolExecutor(len(languages)) as pool:
        list(pool.map(define, languages))
    assert sorted(activity(vx)["definition"]["name"]) == sorted(languages)
