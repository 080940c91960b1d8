"""Who may touch which documents: scopes and restricted credentials (Part Three §4.2; DESIGN.md, Credentials)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.conftest import XAPI, basic_auth
from tests.lrs.documents_support import (
    ACTIVITY,
    activity_profile,
    agent_profile,
    learner,
    state,
)


def caller(
    client: Any, lrs_client: Any, scopes: list[str], **restrictions: Any
) -> XAPI:
    key, secret = lrs_client.create_credential(
        name="restricted", scopes=scopes, **restrictions
    )
    return XAPI(client, basic_auth(key, secret))


@pytest.mark.parametrize(
    ("scopes", "state_ok", "profile_ok"),
    [
        (["state"], True, False),
        (["profile"], False, True),
        (["statements/read", "statements/write"], False, False),
        (["define"], False, False),
    ],
)
def test_scopes_decide_which_resources_a_credential_may_use(
    client: Any, lrs_client: Any, scopes: list[str], state_ok: bool, profile_ok: bool
) -> None:
    limited = caller(client, lrs_client, scopes)
    checks = [
        (state(), state_ok),
        (activity_profile(), profile_ok),
        (agent_profile(), profile_ok),
    ]
    for target, allowed in checks:
        written = target.put(limited, {"n": 1}, headers={"If-None-Match": "*"})
        read = target.get(limited)
        if allowed:
            assert (written.status_code, read.status_code) == (204, 200)
        else:
            assert (written.status_code, read.status_code) == (403, 403)


def test_all_read_reads_documents_but_cannot_change_them(
    client: Any, lrs_client: Any, xapi: XAPI
) -> None:
    reader = caller(client, lrs_client, ["all/read"])
    for target in (state(), activity_profile(), agent_profile()):
        target.create(xapi, {"n": 1})
        assert target.get(reader).status_code == 200
        assert (
            target.put(reader, {"n": 2}, headers={"If-Match": "*"}).status_code == 403
        )
        assert target.post(reader, {"n": 2}).status_code == 403
        assert target.delete(reader).status_code == 403
        assert json.loads(target.get(xapi).data) == {"n": 1}


def test_an_agent_bound_credential_touches_only_its_agents_documents(
    client: Any, lrs_client: Any, xapi: XAPI
) -> None:
    ada = learner("ada")
    bound = caller(client, lrs_client, ["state", "profile"], agent=ada)
    assert state(ada).put(bound, {"n": 1}).status_code == 204
    assert agent_profile(ada).create(bound, {"n": 1})
    grace_state = state(learner("grace"))
    grace_state.create(xapi, {"secret": True})
    assert grace_state.get(bound).status_code == 403
    assert grace_state.put(bound, {"n": 2}).status_code == 403
    assert vx_list(bound, grace_state.path, grace_state.listing()).status_code == 403
    assert agent_profile(learner("grace")).get(bound).status_code == 403
    assert json.loads(grace_state.get(xapi).data) == {"secret": True}


def test_a_bound_credential_reads_but_cannot_change_shared_activity_profiles(
    client: Any, lrs_client: Any, xapi: XAPI
) -> None:
    profile = activity_profile()
    profile.create(xapi, {"launch_data": "x"})
    bound = caller(client, lrs_client, ["state", "profile"], agent=learner("ada"))
    assert profile.get(bound).status_code == 200
    response = profile.put(bound, {"launch_data": "y"}, headers={"If-Match": "*"})
    assert response.status_code == 403
    assert profile.post(bound, {"more": 1}).status_code == 403
    assert json.loads(profile.get(xapi).data) == {"launch_data": "x"}


def test_a_registration_bound_credential_stays_inside_its_registration(
    client: Any, lrs_client: Any
) -> None:
    registration = str(uuid.uuid4())
    bound = caller(client, lrs_client, ["state"], registration=registration)
    doc = state()
    assert doc.put(bound, {"n": 1}, registration=registration).status_code == 204
    assert doc.get(bound, registration=registration).status_code == 200
    assert doc.put(bound, {"n": 1}, registration=str(uuid.uuid4())).status_code == 403
    assert doc.put(bound, {"n": 1}).status_code == 403
    # Listing or deleting without the registration would reach other registrations' documents.
    assert vx_list(bound, doc.path, doc.listing()).status_code == 403
    assert bound.delete(doc.path, query_string=doc.listing()).status_code == 403


def test_an_activity_prefix_bound_credential_stays_under_its_prefix(
    client: Any, lrs_client: Any
) -> None:
    bound = caller(client, lrs_client, ["state", "profile"], activity_prefix=ACTIVITY)
    assert state(activity=ACTIVITY + "/page-1").put(bound, {"n": 1}).status_code == 204
    assert activity_profile(ACTIVITY).create(bound, {"n": 1})
    outside = "https://courses.example.org/other-course"
    assert state(activity=outside).put(bound, {"n": 1}).status_code == 403
    assert activity_profile(outside).get(bound).status_code == 403
    # An agent profile is not under any activity: readable, not writable.
    assert agent_profile().get(bound).status_code == 404
    assert (
        agent_profile().put(bound, {"n": 1}, headers={"If-None-Match": "*"}).status_code
        == 403
    )


def vx_list(xapi: XAPI, path: str, params: dict[str, str]) -> Any:
    return xapi.get(path, query_string=params)
