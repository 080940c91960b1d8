"""The in-process LRSClient's document methods follow the same rules as the HTTP resources."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from lrs.errors import BadRequest, PreconditionFailed
from tests.conftest import XAPI
from tests.lrs.documents_support import ACTIVITY, learner, state

ADA = learner("ada")


def test_put_and_get_state_round_trip_with_registration(lrs_client: Any) -> None:
    registration = str(uuid.uuid4())
    written = lrs_client.put_state(
        ACTIVITY, ADA, "resume", b'{"location": "p3"}', registration=registration
    )
    read = lrs_client.get_state(ACTIVITY, ADA, "resume", registration)
    assert read == written
    assert read.json() == {"location": "p3"}
    assert lrs_client.get_state(ACTIVITY, ADA, "resume") is None


def test_client_identity_follows_the_inverse_functional_identifier(
    lrs_client: Any,
) -> None:
    lrs_client.put_state(
        ACTIVITY,
        {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.org"},
        "s",
        b"1",
    )
    assert (
        lrs_client.get_state(ACTIVITY, {"mbox": "mailto:ada@example.org"}, "s").content
        == b"1"
    )


def test_if_match_and_if_none_match_raise_precondition_failed(lrs_client: Any) -> None:
    first = lrs_client.put_state(ACTIVITY, ADA, "s", b'{"v": 1}', if_none_match="*")
    with pytest.raises(PreconditionFailed):
        lrs_client.put_state(ACTIVITY, ADA, "s", b'{"v": 2}', if_none_match="*")
    second = lrs_client.put_state(
        ACTIVITY, ADA, "s", b'{"v": 2}', if_match=f'"{first.etag}"'
    )
    with pytest.raises(PreconditionFailed):
        lrs_client.put_state(
            ACTIVITY, ADA, "s", b'{"v": 3}', if_match=f'"{first.etag}"'
        )
    assert lrs_client.get_state(ACTIVITY, ADA, "s").json() == {"v": 2}
    assert second.updated >= first.updated


def test_merge_combines_json_objects_and_refuses_other_content(lrs_client: Any) -> None:
    lrs_client.put_state(ACTIVITY, ADA, "s", b'{"a": 1}')
    merged = lrs_client.put_state(ACTIVITY, ADA, "s", b'{"b": 2}', merge=True)
    assert merged.json() == {"a": 1, "b": 2}
    with pytest.raises(BadRequest):
        lrs_client.put_state(ACTIVITY, ADA, "s", b"text", "text/plain", merge=True)
    assert lrs_client.get_state(ACTIVITY, ADA, "s").json() == {"a": 1, "b": 2}


def test_delete_state_one_or_all(lrs_client: Any) -> None:
    registration = str(uuid.uuid4())
    for state_id in ("a", "b"):
        lrs_client.put_state(ACTIVITY, ADA, state_id, b"{}", registration=registration)
    lrs_client.delete_state(ACTIVITY, ADA, "a", registration)
    assert lrs_client.get_state(ACTIVITY, ADA, "a", registration) is None
    assert lrs_client.get_state(ACTIVITY, ADA, "b", registration) is not None
    lrs_client.delete_state(ACTIVITY, ADA, None)
    assert lrs_client.get_state(ACTIVITY, ADA, "b", registration) is None


def test_profiles_written_by_the_lrs_itself_replace_without_preconditions(
    lrs_client: Any,
) -> None:
    lrs_client.put_activity_profile(ACTIVITY, "p", b'{"v": 1}')
    lrs_client.put_activity_profile(ACTIVITY, "p", b'{"v": 2}')
    assert lrs_client.get_activity_profile(ACTIVITY, "p").json() == {"v": 2}
    lrs_client.put_agent_profile(ADA, "prefs", b'{"languagePreference": "fr"}')
    lrs_client.put_agent_profile(ADA, "prefs", b'{"languagePreference": "en"}')
    assert lrs_client.get_agent_profile(ADA, "prefs").json() == {
        "languagePreference": "en"
    }
    assert lrs_client.get_agent_profile(learner("grace"), "prefs") is None


def test_client_and_http_see_the_same_documents(lrs_client: Any, xapi: XAPI) -> None:
    registration = str(uuid.uuid4())
    written = lrs_client.put_state(
        ACTIVITY, ADA, "shared", b'{"from": "client"}', registration=registration
    )
    doc = state(ADA)
    response = doc.get(xapi, stateId="shared", registration=registration)
    assert response.headers["ETag"] == f'"{written.etag}"'
    assert json.loads(response.data) == {"from": "client"}
    doc.put(
        xapi,
        {"from": "http"},
        headers={"If-Match": response.headers["ETag"]},
        stateId="shared",
        registration=registration,
    )
    assert lrs_client.get_state(ACTIVITY, ADA, "shared", registration).json() == {
        "from": "http"
    }
