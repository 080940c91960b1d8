"""A real xAPI client, tincan.RemoteLRS 1.0.0, saves and reads documents over HTTP against a live server.

tincan 1.0.0's own defects, worked around here rather than in the LRS:
- ``about()`` raises ValueError on About's "2.0.0", so the version is set explicitly;
- ``save_state`` leaves ``registration`` out and sends its PUT twice (harmless for a
  1.0.3 State PUT, which overwrites);
- it never sends If-None-Match, which xAPI 1.0.3 Part Three §3.1 requires of a client that
  PUTs a new profile document, and it never reads the ETag back (it looks the header up
  in a list of pairs): ``ConformingRemoteLRS`` adds If-None-Match: * to a first profile PUT,
  and the test reads the ETag from the raw response;
- document content must be ``str``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tincan import (
    Activity,
    ActivityProfileDocument,
    Agent,
    AgentAccount,
    AgentProfileDocument,
    RemoteLRS,
    StateDocument,
)
from tincan.lrs_response import LRSResponse

ACTIVITY_ID = "https://courses.example.org/fire-safety/module-2"


class ConformingRemoteLRS(RemoteLRS):  # type: ignore[misc]
    """RemoteLRS that sends If-None-Match: * when it PUTs a profile document it holds no ETag for."""

    def _send_request(self, request: Any) -> LRSResponse:
        profile = request.resource in ("activities/profile", "agents/profile")
        if profile and request.method == "PUT" and "If-Match" not in request.headers:
            request.headers["If-None-Match"] = "*"
        return super()._send_request(request)


@pytest.fixture
def lrs(live_server: str, lrs_credential: tuple[str, str]) -> ConformingRemoteLRS:
    """tincan's client on the live server, speaking 1.0.3 (About's "2.0.0" breaks its about())."""
    key, secret = lrs_credential
    return ConformingRemoteLRS(
        version="1.0.3", endpoint=f"{live_server}/xapi/", username=key, password=secret
    )


def learner() -> Agent:
    return Agent(
        name="Ada",
        account=AgentAccount(home_page="https://rollcall.example", name="ada"),
    )


def etag_of(response: LRSResponse) -> str:
    return str(response.response.getheader("ETag"))


def json_of(response: LRSResponse) -> Any:
    assert response.success, response.data
    return json.loads(bytes(response.content.content))


def test_tincan_saves_and_reads_a_state_document(lrs: ConformingRemoteLRS) -> None:
    activity = Activity(id=ACTIVITY_ID)
    document = StateDocument(
        id="bookmark",
        activity=activity,
        agent=learner(),
        content=json.dumps({"page": 7}),
        content_type="application/json",
    )
    saved = lrs.save_state(document)
    assert saved.success, saved.data

    read = lrs.retrieve_state(activity, learner(), "bookmark")
    assert json_of(read) == {"page": 7}
    assert etag_of(read).startswith('"')
    ids = lrs.retrieve_state_ids(activity, learner())
    assert ids.success
    assert ids.content == ["bookmark"]


def test_tincan_saves_updates_and_reads_an_activity_profile(
    lrs: ConformingRemoteLRS,
) -> None:
    activity = Activity(id=ACTIVITY_ID)
    profile = ActivityProfileDocument(
        id="launch",
        activity=activity,
        content=json.dumps({"mastery": 0.8}),
        content_type="application/json",
    )
    assert lrs.save_activity_profile(profile).success

    read = lrs.retrieve_activity_profile(activity, "launch")
    assert json_of(read) == {"mastery": 0.8}

    profile.content = json.dumps({"mastery": 0.9})
    profile.etag = etag_of(read)
    assert lrs.save_activity_profile(profile).success
    profile.content = json.dumps({"mastery": 0.1})  # the same, now stale, ETag: refused
    stale = lrs.save_activity_profile(profile)
    assert not stale.success
    assert stale.response.status == 412
    again = lrs.retrieve_activity_profile(activity, "launch")
    assert json_of(again) == {"mastery": 0.9}


def test_tincan_saves_and_reads_an_agent_profile(lrs: ConformingRemoteLRS) -> None:
    profile = AgentProfileDocument(
        id="preferences",
        agent=learner(),
        content=json.dumps({"languagePreference": "fr-FR"}),
        content_type="application/json",
    )
    assert lrs.save_agent_profile(profile).success
    read = lrs.retrieve_agent_profile(learner(), "preferences")
    assert json_of(read) == {"languagePreference": "fr-FR"}
    ids = lrs.retrieve_agent_profile_ids(learner())
    assert ids.content == ["preferences"]
