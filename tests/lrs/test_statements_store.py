"""Storing statements: PUT and POST, ids, duplicates, the LRS-set properties, whole-or-nothing batches, voiding.

xAPI 1.0.3 Part Three §2.1.1-§2.1.2 and Data §2.3-§2.4 (2.0.0 where it differs), on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from lrs.errors import Refused
from lrs.vocab import VERB_VOIDED
from tests.conftest import XAPI, basic_auth, new_uuid

ALICE = {"objectType": "Agent", "name": "Alice", "mbox": "mailto:alice@example.org"}


def said(
    text: str = "hello", actor: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """A small valid statement: ``actor`` commented on a page called ``text``."""
    return {
        "actor": actor or ALICE,
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/commented",
            "display": {"en-US": "commented"},
        },
        "object": {
            "id": f"http://example.org/pages/{text}",
            "definition": {"name": {"en-US": text}},
        },
        **extra,
    }


def voiding(target: str) -> dict[str, Any]:
    return {
        "actor": ALICE,
        "verb": {"id": VERB_VOIDED},
        "object": {"objectType": "StatementRef", "id": target},
    }


def fetch(xapi: XAPI, statement_id: str, *, voided: bool = False) -> Any:
    name = "voidedStatementId" if voided else "statementId"
    return xapi.get("statements", query_string={name: statement_id})


def test_put_stores_under_the_given_id_and_answers_204(
    xapi: XAPI, xapi_version: str
) -> None:
    xapi.version = xapi_version
    statement_id = new_uuid()
    response = xapi.put(
        "statements", query_string={"statementId": statement_id}, json=said()
    )
    assert response.status_code == 204
    got = fetch(xapi, statement_id)
    assert got.status_code == 200
    assert got.get_json()["id"] == statement_id
    assert got.get_json()["object"]["definition"]["name"] == {"en-US": "hello"}


def test_put_needs_a_statement_id_that_matches_the_body(xapi: XAPI) -> None:
    assert xapi.put("statements", json=said()).status_code == 400
    mismatched = {**said(), "id": new_uuid()}
    response = xapi.put(
        "statements", query_string={"statementId": new_uuid()}, json=mismatched
    )
    assert response.status_code == 400
    assert (
        xapi.put(
            "statements", query_string={"statementId": "not-a-uuid"}, json=said()
        ).status_code
        == 400
    )
    assert (
        xapi.put(
            "statements", query_string={"statementId": new_uuid()}, json=[said()]
        ).status_code
        == 400
    )


def test_post_returns_ids_in_order_and_assigns_missing_ones(
    xapi: XAPI, xapi_version: str
) -> None:
    xapi.version = xapi_version
    given = new_uuid()
    response = xapi.post(
        "statements", json=[said("one"), {**said("two"), "id": given}, said("three")]
    )
    assert response.status_code == 200
    ids = response.get_json()
    assert len(ids) == 3 and ids[1] == given and len(set(ids)) == 3
    for statement_id, text in zip(ids, ("one", "two", "three"), strict=True):
        assert fetch(xapi, statement_id).get_json()["object"]["id"].endswith(text)


def test_post_of_a_single_object_returns_a_list_of_one(xapi: XAPI) -> None:
    response = xapi.post("statements", json=said())
    assert response.status_code == 200
    assert len(response.get_json()) == 1


def test_lrs_sets_stored_authority_version_and_timestamp(
    xapi: XAPI, lrs_credential: tuple[str, str]
) -> None:
    forged = {"objectType": "Agent", "mbox": "mailto:mallory@example.org"}
    statement = said(authority=forged, stored="2001-01-01T00:00:00Z")
    statement_id = xapi.post("statements", json=statement).get_json()[0]
    got = fetch(xapi, statement_id).get_json()
    assert got["authority"]["account"]["name"] == lrs_credential[0]
    assert got["stored"] != "2001-01-01T00:00:00Z" and got["stored"].endswith("Z")
    assert got["version"] == "1.0.0"
    assert got["timestamp"] == got["stored"]


def test_version_under_2_0_is_2_0_0_and_a_given_version_is_kept(xapi: XAPI) -> None:
    xapi.version = "2.0.0"
    first = xapi.post("statements", json=said()).get_json()[0]
    assert fetch(xapi, first).get_json()["version"] == "2.0.0"
    xapi.version = "1.0.3"
    kept = xapi.post("statements", json=said(version="1.0.3")).get_json()[0]
    assert fetch(xapi, kept).get_json()["version"] == "1.0.3"


def test_2_0_converts_a_timestamp_with_an_offset_to_utc(xapi: XAPI) -> None:
    xapi.version = "2.0.0"
    statement_id = xapi.post(
        "statements", json=said(timestamp="2023-05-04T19:30:00+02:30")
    ).get_json()[0]
    assert fetch(xapi, statement_id).get_json()["timestamp"] == "2023-05-04T17:00:00Z"


def test_single_context_activities_come_back_as_arrays(xapi: XAPI) -> None:
    parent = {"id": "http://example.org/course"}
    statement_id = xapi.post(
        "statements", json=said(context={"contextActivities": {"parent": parent}})
    ).get_json()[0]
    assert fetch(xapi, statement_id).get_json()["context"]["contextActivities"][
        "parent"
    ] == [parent]


def test_a_batch_reusing_an_id_is_refused_and_stores_nothing(xapi: XAPI) -> None:
    same = new_uuid()
    response = xapi.post(
        "statements", json=[{**said("a"), "id": same}, {**said("b"), "id": same}]
    )
    assert response.status_code == 400
    assert same in response.get_json()["error"]["message"]
    assert fetch(xapi, same).status_code == 404


def test_an_invalid_statement_refuses_the_whole_batch(xapi: XAPI) -> None:
    good = {**said(), "id": new_uuid()}
    bad = {**said(), "verb": {"id": "not an iri"}}
    response = xapi.post("statements", json=[good, bad])
    assert response.status_code == 400
    assert "statement" in response.get_json()["error"]["message"]
    assert fetch(xapi, good["id"]).status_code == 404


@pytest.mark.parametrize(
    "body",
    [b"", b"{not json", b"42", b'"text"', b"[1, 2]"],
    ids=["empty", "broken", "number", "string", "array-of-numbers"],
)
def test_bodies_that_are_not_statements_are_400(xapi: XAPI, body: bytes) -> None:
    response = xapi.post("statements", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_same_id_same_content_is_a_no_op(xapi: XAPI, xapi_version: str) -> None:
    xapi.version = xapi_version
    statement = {**said(timestamp="2024-03-01T10:00:00Z"), "id": new_uuid()}
    assert xapi.post("statements", json=statement).status_code == 200
    stored_before = fetch(xapi, statement["id"]).get_json()["stored"]
    # The same statement with differences the spec exempts (Data §2.3.1): the timestamp
    # as another serialization of the same instant, the verb display, the definition.
    again = {
        **statement,
        "timestamp": "2024-03-01T11:00:00+01:00",
        "verb": {"id": statement["verb"]["id"], "display": {"fr": "a commenté"}},
        "object": {"id": statement["object"]["id"]},
    }
    assert xapi.post("statements", json=again).get_json() == [statement["id"]]
    assert (
        xapi.put(
            "statements", query_string={"statementId": statement["id"]}, json=again
        ).status_code
        == 204
    )
    assert fetch(xapi, statement["id"]).get_json()["stored"] == stored_before


def test_same_id_other_content_is_409_and_changes_nothing(xapi: XAPI) -> None:
    statement = {**said("original"), "id": new_uuid()}
    xapi.post("statements", json=statement)
    other = {**said("changed"), "id": statement["id"]}
    fresh = {**said("fresh"), "id": new_uuid()}
    assert xapi.post("statements", json=[fresh, other]).status_code == 409
    assert (
        xapi.put(
            "statements", query_string={"statementId": statement["id"]}, json=other
        ).status_code
        == 409
    )
    assert fetch(xapi, statement["id"]).get_json()["object"]["id"].endswith("original")
    assert fetch(xapi, fresh["id"]).status_code == 404


def test_the_result_duration_is_compared_as_text(xapi: XAPI) -> None:
    statement = {**said(result={"duration": "PT1H"}), "id": new_uuid()}
    xapi.post("statements", json=statement)
    assert (
        xapi.post(
            "statements", json={**statement, "result": {"duration": "PT60M"}}
        ).status_code
        == 409
    )


def test_durations_are_compared_to_the_hundredth_of_a_second(xapi: XAPI, xapi_version: str) -> None:
    """Data §4.6: precision beyond 0.01 s is left out when comparing, so a resend is a no-op."""
    xapi.version = xapi_version
    statement = {**said(result={"duration": "P1DT2H3M4.5S"}), "id": new_uuid()}
    assert xapi.post("statements", json=statement).status_code == 200
    for same in ("P1DT2H3M4.50S", "P1DT2H3M4.5099S", "P1DT2H3M4,509S"):
        resent = {**statement, "result": {"duration": same}}
        assert xapi.post("statements", json=resent).get_json() == [statement["id"]], same
    for other in ("P1DT2H3M4.51S", "P1DT2H3M4.49S", "P1DT2H3M5S"):
        changed = {**statement, "result": {"duration": other}}
        assert xapi.post("statements", json=changed).status_code == 409, other
    assert fetch(xapi, statement["id"]).get_json()["result"]["duration"] == "P1DT2H3M4.5S"


def test_voided_statements_are_only_returned_by_voided_statement_id(
    xapi: XAPI, xapi_version: str
) -> None:
    xapi.version = xapi_version
    target = xapi.post("statements", json=said()).get_json()[0]
    voider = xapi.post("statements", json=voiding(target)).get_json()[0]
    assert fetch(xapi, target).status_code == 404
    assert fetch(xapi, target, voided=True).get_json()["id"] == target
    assert fetch(xapi, voider).status_code == 200
    assert fetch(xapi, voider, voided=True).status_code == 404
    listed = [s["id"] for s in xapi.get("statements").get_json()["statements"]]
    assert target not in listed and voider in listed


def test_a_voiding_statement_cannot_be_voided(xapi: XAPI) -> None:
    target = xapi.post("statements", json=said()).get_json()[0]
    voider = xapi.post("statements", json=voiding(target)).get_json()[0]
    response = xapi.post("statements", json=voiding(voider))
    assert response.status_code == 400
    assert "voiding statement" in response.get_json()["error"]["message"]
    assert fetch(xapi, voider).status_code == 200


def test_voiding_before_the_target_arrives_still_voids_it(xapi: XAPI) -> None:
    late = new_uuid()
    assert xapi.post("statements", json=voiding(late)).status_code == 200
    assert (
        xapi.put(
            "statements", query_string={"statementId": late}, json=said()
        ).status_code
        == 204
    )
    assert fetch(xapi, late).status_code == 404
    assert fetch(xapi, late, voided=True).status_code == 200


def test_voiding_inside_one_batch(xapi: XAPI) -> None:
    target = new_uuid()
    ids = xapi.post(
        "statements", json=[{**said(), "id": target}, voiding(target)]
    ).get_json()
    assert fetch(xapi, target).status_code == 404
    assert fetch(xapi, ids[1]).status_code == 200


def test_writing_needs_a_write_scope(client: Any, lrs_client: Any) -> None:
    key, secret = lrs_client.create_credential(
        name="reader", scopes=["statements/read"]
    )
    reader = XAPI(client, basic_auth(key, secret))
    assert reader.post("statements", json=said()).status_code == 403


def test_a_credential_restricted_to_an_agent_writes_only_as_that_agent(
    client: Any, lrs_client: Any
) -> None:
    key, secret = lrs_client.create_credential(
        name="launch",
        scopes=["statements/write", "statements/read/mine"],
        agent=ALICE,
        registration=(registration := new_uuid()),
        activity_prefix="http://example.org/pages/",
    )
    launch = XAPI(client, basic_auth(key, secret))
    mine = said(context={"registration": registration})
    assert launch.post("statements", json=mine).status_code == 200
    bob = {"mbox": "mailto:bob@example.org"}
    assert (
        launch.post(
            "statements", json=said(actor=bob, context={"registration": registration})
        ).status_code
        == 403
    )
    assert (
        launch.post(
            "statements", json=said(context={"registration": new_uuid()})
        ).status_code
        == 403
    )
    elsewhere = {**mine, "object": {"id": "http://other.example/x"}}
    assert launch.post("statements", json=elsewhere).status_code == 403


def test_a_refusing_rule_refuses_the_whole_batch(app: Any, xapi: XAPI) -> None:
    def no_bob(_session: Any, statement: dict[str, Any]) -> None:
        if statement["actor"].get("mbox") == "mailto:bob@example.org":
            raise Refused("bob may not record anything")

    app.extensions["lrs"].client.add_rule(no_bob)
    first = {**said(), "id": new_uuid()}
    response = xapi.post(
        "statements", json=[first, said(actor={"mbox": "mailto:bob@example.org"})]
    )
    assert response.status_code == 403
    assert "bob" in response.get_json()["error"]["message"]
    assert fetch(xapi, first["id"]).status_code == 404


def test_the_in_process_client_stores_with_the_system_authority(
    lrs_client: Any,
) -> None:
    statement_id = lrs_client.store_statement(said())
    got = lrs_client.get_statement(statement_id)
    assert got["authority"]["account"]["name"] == "system"
    assert lrs_client.store_statement({**said(), "id": statement_id}) == statement_id


def test_statement_json_keeps_unicode_and_numbers(xapi: XAPI) -> None:
    result = {
        "score": {"raw": 0.1234567, "min": -1e3, "max": 1e3},
        "response": "Grüße, 世界",
    }
    statement_id = xapi.post("statements", json=said(result=result)).get_json()[0]
    raw = fetch(xapi, statement_id).get_data(as_text=True)
    assert json.loads(raw)["result"] == result


@pytest.mark.parametrize(
    "number", ["NaN", "Infinity", "-Infinity", "1E400"], ids=["nan", "infinity", "minus-infinity", "overflow"]
)
def test_numbers_that_json_cannot_hold_are_400_and_store_nothing(xapi: XAPI, number: str) -> None:
    """RFC 8259 §6: NaN and Infinity are not JSON; 1E400 is no finite number. Stored, they would be served as invalid JSON."""
    statement_id = new_uuid()
    text = json.dumps({**said(), "id": statement_id, "result": {"extensions": {"http://example.org/x": 0}}})
    body = text.replace('"http://example.org/x": 0', f'"http://example.org/x": {number}')
    response = xapi.post("statements", data=body.encode(), content_type="application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["error"]["message"]
    assert number in response.get_json()["error"]["message"]
    assert fetch(xapi, statement_id).status_code == 404


def test_integers_beyond_64_bits_and_astral_text_come_back_exactly(xapi: XAPI) -> None:
    """The stored text keeps any JSON integer exactly, whichever JSON writer stores it."""
    extensions = {"http://example.org/big": 2**80 + 1, "http://example.org/small": -(2**63), "http://example.org/t": "🎓 ü"}
    statement_id = xapi.post("statements", json=said(result={"extensions": extensions})).get_json()[0]
    raw = fetch(xapi, statement_id).get_data(as_text=True)
    assert str(2**80 + 1) in raw
    assert json.loads(raw)["result"]["extensions"] == extensions
