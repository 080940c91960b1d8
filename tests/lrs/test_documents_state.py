"""What only the State Resource does: registrations, listing and deleting a whole context (Part Three §2.3)."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import XAPI
from tests.lrs.documents_support import ACTIVITY, learner, state


def test_the_registration_is_part_of_the_document_identity(vx: XAPI) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    doc = state()
    assert doc.put(vx, {"attempt": 1}, registration=first).status_code == 204
    assert doc.put(vx, {"attempt": 2}, registration=second).status_code == 204
    assert doc.put(vx, {"attempt": 0}).status_code == 204
    assert json.loads(doc.get(vx, registration=first).data) == {"attempt": 1}
    assert json.loads(doc.get(vx, registration=second).data) == {"attempt": 2}
    assert json.loads(doc.get(vx).data) == {"attempt": 0}
    assert doc.get(vx, registration=str(uuid.uuid4())).status_code == 404


def test_a_registration_in_capitals_is_the_same_registration(vx: XAPI) -> None:
    registration = str(uuid.uuid4())
    doc = state()
    doc.put(vx, {"n": 1}, registration=registration.upper())
    assert json.loads(doc.get(vx, registration=registration).data) == {"n": 1}


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
def test_a_registration_that_is_not_a_uuid_is_400(vx: XAPI, method: str) -> None:
    doc = state()
    response = vx.request(
        method,
        doc.path,
        query_string=doc.params(registration="attempt-1"),
        data=b"{}",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "registration" in response.get_json()["error"]["message"]


def test_listing_without_a_registration_covers_every_registration(vx: XAPI) -> None:
    registration = str(uuid.uuid4())
    state().put(vx, {"n": 1}, stateId="plain")
    state().put(vx, {"n": 2}, stateId="registered", registration=registration)
    state(learner("grace")).put(vx, {"n": 3}, stateId="someone-else")
    listed = vx.get("activities/state", query_string=state().listing())
    assert sorted(listed.get_json()) == ["plain", "registered"]
    narrowed = vx.get(
        "activities/state", query_string=state().listing(registration=registration)
    )
    assert narrowed.get_json() == ["registered"]


def test_delete_without_state_id_clears_the_context_and_nothing_else(vx: XAPI) -> None:
    registration = str(uuid.uuid4())
    mine = state()
    mine.put(vx, {"n": 1}, stateId="a")
    mine.put(vx, {"n": 2}, stateId="b", registration=registration)
    other_learner = state(learner("grace"))
    other_learner.put(vx, {"n": 3}, stateId="a")
    other_activity = state(activity=ACTIVITY + "/quiz")
    other_activity.put(vx, {"n": 4}, stateId="a")

    response = vx.delete(
        "activities/state", query_string=mine.listing(registration=registration)
    )
    assert response.status_code == 204
    assert vx.get("activities/state", query_string=mine.listing()).get_json() == ["a"]

    assert vx.delete("activities/state", query_string=mine.listing()).status_code == 204
    assert vx.get("activities/state", query_string=mine.listing()).get_json() == []
    assert other_learner.get(vx, stateId="a").status_code == 200
    assert other_activity.get(vx, stateId="a").status_code == 200


def test_documents_with_very_long_ids_are_kept_apart(vx: XAPI) -> None:
    long_activity = ACTIVITY + "/" + "x" * 5000
    doc = state(activity=long_activity)
    assert doc.put(vx, {"n": 1}, stateId="s" * 5000).status_code == 204
    assert doc.put(vx, {"n": 2}, stateId="s" * 4999 + "t").status_code == 204
    assert json.loads(doc.get(vx, stateId="s" * 5000).data) == {"n": 1}
    assert sorted(
        len(i) for i in vx.get(doc.path, query_string=doc.listing()).get_json()
    ) == [5000, 5000]
