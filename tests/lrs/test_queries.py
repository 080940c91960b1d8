"""GET /xapi/statements queries: every filter, StatementRef targeting, time bounds, paging, formats, scopes.

xAPI 1.0.3 Part Three §2.1.3 and Data §2.5, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from lrs.validation import parse_timestamp
from lrs.vocab import VERB_VOIDED
from tests.conftest import XAPI, basic_auth, new_uuid

ALICE = {"mbox": "mailto:alice@example.org"}
BOB = {"mbox": "mailto:bob@example.org"}
CAROL = {"account": {"homePage": "https://idp.example.org", "name": "carol"}}
COMMENTED = "http://adlnet.gov/expapi/verbs/commented"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
COURSE = "http://example.org/courses/safety"


def statement(
    actor: dict[str, Any], verb: str, activity: str, **extra: Any
) -> dict[str, Any]:
    return {"actor": actor, "verb": {"id": verb}, "object": {"id": activity}, **extra}


def ids_of(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [s["id"] for s in response.get_json()["statements"]]


def query(xapi: XAPI, **params: Any) -> list[str]:
    for key, value in list(params.items()):
        if isinstance(value, dict):
            params[key] = json.dumps(value)
        elif isinstance(value, bool):
            params[key] = "true" if value else "false"
    return ids_of(xapi.get("statements", query_string=params))


def post(xapi: XAPI, *statements: dict[str, Any]) -> list[str]:
    response = xapi.post("statements", json=list(statements))
    assert response.status_code == 200, response.get_data(as_text=True)
    ids: list[str] = response.get_json()
    return ids


def test_newest_first_unless_ascending(xapi: XAPI) -> None:
    first = post(xapi, statement(ALICE, COMMENTED, COURSE))
    second = post(xapi, statement(ALICE, COMMENTED, COURSE))
    assert query(xapi) == second + first
    assert query(xapi, ascending=True) == first + second


def test_agent_matches_actor_object_and_group_members_only(
    xapi: XAPI, xapi_version: str
) -> None:
    xapi.version = xapi_version
    as_actor, as_object, in_group, as_instructor = post(
        xapi,
        statement(ALICE, COMMENTED, COURSE),
        {
            "actor": BOB,
            "verb": {"id": COMMENTED},
            "object": {"objectType": "Agent", **ALICE},
        },
        statement({"objectType": "Group", "member": [BOB, ALICE]}, COMMENTED, COURSE),
        statement(BOB, COMMENTED, COURSE, context={"instructor": ALICE}),
    )
    assert set(query(xapi, agent=ALICE)) == {as_actor, as_object, in_group}
    assert set(query(xapi, agent=ALICE, related_agents=True)) == {
        as_actor,
        as_object,
        in_group,
        as_instructor,
    }
    assert query(xapi, agent=CAROL) == []


def test_related_agents_includes_authority_team_and_substatements(
    xapi: XAPI, lrs_credential: tuple[str, str]
) -> None:
    team = {"objectType": "Group", "name": "Team", "member": [CAROL]}
    in_team, in_sub = post(
        xapi,
        statement(BOB, COMMENTED, COURSE, context={"team": team}),
        {
            "actor": BOB,
            "verb": {"id": COMMENTED},
            "object": {
                "objectType": "SubStatement",
                "actor": CAROL,
                "verb": {"id": PASSED},
                "object": {"id": COURSE},
            },
        },
    )
    assert set(query(xapi, agent=CAROL, related_agents=True)) == {in_team, in_sub}
    assert query(xapi, agent=CAROL) == []
    authority = {
        "account": {
            "homePage": "http://localhost/xapi/credentials",
            "name": lrs_credential[0],
        }
    }
    assert set(query(xapi, agent=authority, related_agents=True)) >= {in_team, in_sub}


def test_2_0_context_agents_are_related_agents(xapi: XAPI) -> None:
    xapi.version = "2.0.0"
    context = {"contextAgents": [{"objectType": "contextAgent", "agent": CAROL}]}
    statement_id = post(xapi, statement(BOB, COMMENTED, COURSE, context=context))[0]
    assert query(xapi, agent=CAROL, related_agents=True) == [statement_id]


def test_verb_registration_and_activity_filters(xapi: XAPI) -> None:
    registration = new_uuid()
    lesson = "http://example.org/courses/safety/lesson-1"
    passed, commented, in_context = post(
        xapi,
        statement(ALICE, PASSED, COURSE, context={"registration": registration}),
        statement(ALICE, COMMENTED, COURSE),
        statement(
            ALICE,
            COMMENTED,
            lesson,
            context={"contextActivities": {"parent": [{"id": COURSE}]}},
        ),
    )
    assert query(xapi, verb=PASSED) == [passed]
    assert query(xapi, registration=registration) == [passed]
    assert query(xapi, registration=registration.upper()) == [passed]
    assert set(query(xapi, activity=COURSE)) == {passed, commented}
    assert set(query(xapi, activity=COURSE, related_activities=True)) == {
        passed,
        commented,
        in_context,
    }
    assert query(xapi, activity=COURSE, verb=COMMENTED, agent=ALICE) == [commented]


def test_activity_ids_are_compared_exactly(xapi: XAPI) -> None:
    post(xapi, statement(ALICE, COMMENTED, COURSE))
    assert query(xapi, activity=COURSE.upper().replace("HTTP", "http")) == []


def test_statements_targeting_a_match_match_too_and_recursively(xapi: XAPI) -> None:
    original = post(xapi, statement(ALICE, PASSED, COURSE))[0]
    ref = {"objectType": "StatementRef", "id": original}
    confirmed = post(xapi, {"actor": BOB, "verb": {"id": COMMENTED}, "object": ref})[0]
    reref = {"objectType": "StatementRef", "id": confirmed}
    echoed = post(xapi, {"actor": CAROL, "verb": {"id": COMMENTED}, "object": reref})[0]
    post(xapi, statement(BOB, COMMENTED, "http://example.org/elsewhere"))
    assert set(query(xapi, agent=ALICE)) == {original, confirmed, echoed}
    assert set(query(xapi, activity=COURSE, verb=PASSED)) == {
        original,
        confirmed,
        echoed,
    }
    # Time bounds apply to the targeting statement itself.
    stored = xapi.get("statements", query_string={"statementId": confirmed}).get_json()[
        "stored"
    ]
    assert set(query(xapi, agent=ALICE, until=stored)) == {original, confirmed}


def test_a_voided_statement_is_not_returned_but_its_voiding_statement_is(
    xapi: XAPI,
) -> None:
    target = post(xapi, statement(ALICE, PASSED, COURSE))[0]
    voider = post(
        xapi,
        {
            "actor": BOB,
            "verb": {"id": VERB_VOIDED},
            "object": {"objectType": "StatementRef", "id": target},
        },
    )[0]
    assert query(xapi, agent=ALICE) == [voider]
    assert query(xapi, verb=PASSED) == [voider]


def test_since_is_exclusive_and_until_inclusive(xapi: XAPI) -> None:
    first, second, third = (
        post(xapi, statement(ALICE, COMMENTED, COURSE))[0] for _ in range(3)
    )
    stored = {
        sid: xapi.get("statements", query_string={"statementId": sid}).get_json()[
            "stored"
        ]
        for sid in (first, second, third)
    }
    assert first not in query(xapi, since=stored[first])
    assert third in query(xapi, since=stored[first])
    assert first in query(xapi, until=stored[first])
    assert (
        third not in query(xapi, until=stored[second])
        or stored[second] == stored[third]
    )


def test_more_pages_are_stable_while_statements_arrive(xapi: XAPI) -> None:
    posted = post(
        xapi, *(statement(ALICE, COMMENTED, f"{COURSE}/{n}") for n in range(5))
    )
    first = xapi.get("statements", query_string={"limit": 2})
    page = first.get_json()
    assert len(page["statements"]) == 2 and page["more"].startswith(
        "/xapi/statements?more="
    )
    post(xapi, statement(ALICE, COMMENTED, COURSE))  # arrives while paging
    seen = [s["id"] for s in page["statements"]]
    while page["more"]:
        parts = urlsplit(page["more"])
        response = xapi.get(
            parts.path.removeprefix("/xapi/"), query_string=dict(parse_qsl(parts.query))
        )
        assert response.status_code == 200
        assert "X-Experience-API-Consistent-Through" in response.headers
        page = response.get_json()
        seen += [s["id"] for s in page["statements"]]
    assert seen == list(reversed(posted))


def test_more_tokens_are_signed_and_bound_to_their_credential(
    xapi: XAPI, client: Any, lrs_client: Any
) -> None:
    post(xapi, statement(ALICE, COMMENTED, COURSE), statement(ALICE, COMMENTED, COURSE))
    more = xapi.get("statements", query_string={"limit": 1}).get_json()["more"]
    token = more.split("more=", 1)[1]
    assert (
        xapi.get("statements", query_string={"more": token[:-2] + "xx"}).status_code
        == 400
    )
    assert (
        xapi.get("statements", query_string={"more": token, "limit": 5}).status_code
        == 400
    )
    key, secret = lrs_client.create_credential(name="other", scopes=["all/read"])
    assert (
        XAPI(client, basic_auth(key, secret))
        .get("statements", query_string={"more": token})
        .status_code
        == 403
    )


def test_limit_zero_returns_up_to_the_server_maximum(xapi: XAPI) -> None:
    posted = post(xapi, *(statement(ALICE, COMMENTED, COURSE) for _ in range(3)))
    assert len(query(xapi, limit=0)) == 3
    assert len(posted) == 3


def test_formats_ids_and_canonical(xapi: XAPI) -> None:
    agent = {"objectType": "Agent", "name": "Alice", **ALICE}
    activity: dict[str, Any] = {
        "id": COURSE,
        "definition": {"name": {"en-US": "Safety", "de-DE": "Sicherheit"}},
    }
    body = {
        "actor": agent,
        "verb": {"id": PASSED, "display": {"en-US": "passed", "de-DE": "bestanden"}},
        "object": activity,
    }
    statement_id = post(xapi, body)[0]
    ids_form = xapi.get("statements", query_string={"format": "ids"}).get_json()[
        "statements"
    ][0]
    assert ids_form["actor"] == {"objectType": "Agent", **ALICE}
    assert ids_form["verb"] == {"id": PASSED}
    assert ids_form["object"] == {"id": COURSE}
    german = xapi.get(
        "statements",
        query_string={"statementId": statement_id, "format": "canonical"},
        headers={"Accept-Language": "de-DE, en;q=0.5"},
    ).get_json()
    assert german["verb"]["display"] == {"de-DE": "bestanden"}
    assert german["object"]["definition"]["name"] == {"de-DE": "Sicherheit"}
    assert german["actor"] == agent
    exact = xapi.get(
        "statements", query_string={"statementId": statement_id}
    ).get_json()
    assert exact["object"]["definition"]["name"] == activity["definition"]["name"]


def test_single_statement_get_has_last_modified_and_consistent_through(
    xapi: XAPI,
) -> None:
    statement_id = post(xapi, statement(ALICE, COMMENTED, COURSE))[0]
    response = xapi.get("statements", query_string={"statementId": statement_id})
    assert response.headers["Last-Modified"].endswith("GMT")
    # Consistent-Through is at most a millisecond behind a statement already answered for:
    # every statement stored at or before it is visible, and ``since`` is exclusive.
    through = parse_timestamp(response.headers["X-Experience-API-Consistent-Through"], "2.0.0")
    stored = parse_timestamp(response.get_json()["stored"], "2.0.0")
    assert stored - timedelta(milliseconds=1) <= through <= datetime.now(UTC)
    head = xapi.head("statements", query_string={"statementId": statement_id})
    assert head.status_code == 200 and head.get_data() == b""
    assert xapi.head("statements").status_code == 200


def test_attachments_true_answers_multipart(xapi: XAPI) -> None:
    post(xapi, statement(ALICE, COMMENTED, COURSE))
    response = xapi.get("statements", query_string={"attachments": "true"})
    assert response.mimetype == "multipart/mixed"
    assert b'"statements"' in response.get_data()


@pytest.mark.parametrize(
    "params",
    [
        {
            "statementId": "b3a8b2ba-5b1e-4b8e-9f0e-0c0f2b7a1c11",
            "voidedStatementId": "b3a8b2ba-5b1e-4b8e-9f0e-0c0f2b7a1c12",
        },
        {"statementId": "b3a8b2ba-5b1e-4b8e-9f0e-0c0f2b7a1c11", "verb": COMMENTED},
        {"statementId": "nope"},
        {"colour": "blue"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"ascending": "yes"},
        {"format": "full"},
        {"since": "yesterday"},
        {"agent": "{not json"},
        {"agent": json.dumps({"name": "no identifier"})},
        {"verb": "not an iri"},
        {"registration": "not-a-uuid"},
    ],
)
def test_malformed_or_unknown_parameters_are_400(
    xapi: XAPI, params: dict[str, str]
) -> None:
    response = xapi.get("statements", query_string=params)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_an_unknown_id_is_404(xapi: XAPI) -> None:
    assert (
        xapi.get("statements", query_string={"statementId": new_uuid()}).status_code
        == 404
    )


def test_read_mine_sees_only_its_own_statements(
    xapi: XAPI, client: Any, lrs_client: Any
) -> None:
    theirs = post(xapi, statement(ALICE, COMMENTED, COURSE))[0]
    key, secret = lrs_client.create_credential(
        name="mine", scopes=["statements/write", "statements/read/mine"]
    )
    me = XAPI(client, basic_auth(key, secret))
    mine = post(me, statement(ALICE, COMMENTED, COURSE))[0]
    assert query(me) == [mine]
    assert me.get("statements", query_string={"statementId": theirs}).status_code == 404
    assert me.get("statements", query_string={"statementId": mine}).status_code == 200


def test_all_read_may_read_but_not_write(
    xapi: XAPI, client: Any, lrs_client: Any
) -> None:
    statement_id = post(xapi, statement(ALICE, COMMENTED, COURSE))[0]
    key, secret = lrs_client.create_credential(name="analyst", scopes=["all/read"])
    analyst = XAPI(client, basic_auth(key, secret))
    assert query(analyst) == [statement_id]
    assert (
        analyst.post("statements", json=statement(ALICE, COMMENTED, COURSE)).status_code
        == 403
    )


def test_in_process_query_streams_every_match(lrs_client: Any) -> None:
    ids = lrs_client.store_statements(
        [statement(ALICE, COMMENTED, f"{COURSE}/{n}") for n in range(250)]
    )
    got = [s["id"] for s in lrs_client.query_statements(agent=ALICE, ascending=True)]
    assert got == ids


def test_canonical_format_uses_the_lrs_canonical_definition(xapi: XAPI) -> None:
    first = post(
        xapi,
        {
            **statement(ALICE, PASSED, COURSE),
            "object": {"id": COURSE, "definition": {"name": {"en-US": "Old name"}}},
        },
    )[0]
    post(
        xapi,
        {
            **statement(BOB, PASSED, COURSE),
            "object": {"id": COURSE, "definition": {"name": {"en-US": "New name"}}},
        },
    )
    canonical = xapi.get(
        "statements", query_string={"statementId": first, "format": "canonical"}
    ).get_json()
    assert canonical["object"]["definition"]["name"] == {"en-US": "New name"}
    listed = xapi.get(
        "statements", query_string={"format": "canonical", "agent": json.dumps(ALICE)}
    ).get_json()
    assert listed["statements"][0]["object"]["definition"]["name"] == {
        "en-US": "New name"
    }
    exact = xapi.get("statements", query_string={"statementId": first}).get_json()
    assert exact["object"]["definition"]["name"] == {"en-US": "Old name"}
