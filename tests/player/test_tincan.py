"""Tin Can launch (player/tincan.py): the launch URL, a credential that can do only what the launch needs, completion."""

from __future__ import annotations

import base64
import html
import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.player.conftest import enrolled_player, import_course

GOLF = "tincan/GolfExample_TCAPI.zip"
COURSE_ACTIVITY = "http://id.tincanapi.com/activity/tincan-prototypes/golf-example"
_FRAME = re.compile(r'<iframe[^>]*id="content-frame"[^>]*src="([^"]+)"', re.S)
V = {"X-Experience-API-Version": "1.0.3"}


def launch(player: Any) -> dict[str, str]:
    """Open the course's player page and read the launch URL's Tin Can parameters."""
    page = player.client.get(f"/courses/{player.slug}/play")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    found = _FRAME.search(page.get_data(as_text=True))
    assert found, "no content frame on the page"
    url = html.unescape(found.group(1))
    assert urlsplit(url).netloc == "127.0.0.1", url  # the content origin of the tests' base URL
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    params["path"] = urlsplit(url).path
    return params


def headers(params: dict[str, str]) -> dict[str, str]:
    return {**V, "Authorization": params["auth"]}


def statement(params: dict[str, str], verb: str, object_id: str = COURSE_ACTIVITY, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": json.loads(params["actor"]),
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"id": object_id},
        "context": {"registration": params["registration"]},
        **extra,
    }


def test_launch_url_carries_what_tin_can_launch_names(app: Any, fixture_zip: Any) -> None:
    import_course(app, fixture_zip(GOLF), "golf")
    player = enrolled_player(app, "tc.one@example.org", "golf")
    params = launch(player)
    assert params["path"].endswith("/index.html")
    assert params["endpoint"] == "http://localhost/xapi/"
    assert params["registration"] == player.registration
    assert params["activity_id"] == COURSE_ACTIVITY
    assert json.loads(params["actor"]) == player.agent
    assert params["auth"].startswith("Basic ")
    assert player.client.get("/courses/golf").get_data(as_text=True).count("Resume course") >= 1


def test_the_launch_credential_can_do_only_what_the_launch_needs(app: Any, fixture_zip: Any) -> None:
    import_course(app, fixture_zip(GOLF), "golf")
    player = enrolled_player(app, "tc.two@example.org", "golf")
    other = enrolled_player(app, "tc.other@example.org", "golf")
    params = launch(player)
    other_params = launch(other)
    xapi = app.test_client()
    mine = statement(params, "experienced", COURSE_ACTIVITY + "/Playing/Playing.html")
    assert xapi.post("/xapi/statements", json=mine, headers=headers(params)).status_code == 200
    # its own statements it may read back
    own = xapi.get("/xapi/statements", query_string={"activity": mine["object"]["id"]}, headers=headers(params))
    assert own.status_code == 200 and [s["id"] for s in own.get_json()["statements"]] == [mine["id"]]
    # not another learner's
    theirs = {"agent": other_params["actor"]}
    assert xapi.get("/xapi/statements", query_string=theirs, headers=headers(params)).status_code == 403
    stolen = statement(params, "completed", registration=None)
    stolen["actor"] = json.loads(other_params["actor"])
    assert xapi.post("/xapi/statements", json=stolen, headers=headers(params)).status_code == 403
    # not outside its activities, nor another registration
    outside = statement(params, "experienced", "http://example.org/elsewhere")
    assert xapi.post("/xapi/statements", json=outside, headers=headers(params)).status_code == 403
    elsewhere = statement(params, "experienced")
    elsewhere["context"]["registration"] = other_params["registration"]
    assert xapi.post("/xapi/statements", json=elsewhere, headers=headers(params)).status_code == 403
    # no voiding
    void = statement(params, "voided")
    void["object"] = {"objectType": "StatementRef", "id": mine["id"]}
    answer = xapi.post("/xapi/statements", json=void, headers=headers(params))
    assert answer.status_code == 403 and "void" in answer.get_data(as_text=True)
    # its content's State, under its activity and registration
    state = {"activityId": COURSE_ACTIVITY, "agent": params["actor"], "stateId": "bookmarking-data",
             "registration": params["registration"]}
    assert xapi.put("/xapi/activities/state", query_string=state, data=b'{"location": 3}',
                    content_type="application/json", headers=headers(params)).status_code == 204
    assert xapi.get("/xapi/activities/state", query_string=state, headers=headers(params)).get_json() == {"location": 3}
    # none of this made the course complete
    assert app.extensions["lrs_client"].completion(params["registration"]) is None


def test_a_new_launch_or_closing_revokes_the_credential(app: Any, fixture_zip: Any) -> None:
    import_course(app, fixture_zip(GOLF), "golf")
    player = enrolled_player(app, "tc.three@example.org", "golf")
    first = launch(player)
    xapi = app.test_client()
    assert xapi.post("/xapi/statements", json=statement(first, "initialized"), headers=headers(first)).status_code == 200
    second = launch(player)
    assert second["auth"] != first["auth"]
    assert xapi.post("/xapi/statements", json=statement(first, "experienced"), headers=headers(first)).status_code == 401
    assert xapi.post("/xapi/statements", json=statement(second, "experienced"), headers=headers(second)).status_code == 200
    page = player.client.get("/courses/golf/play")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token
    third = launch(player)
    closed = player.client.post("/courses/golf/play/close", data={"csrf_token": token.group(1)})
    assert closed.status_code == 303
    assert xapi.post("/xapi/statements", json=statement(third, "experienced"), headers=headers(third)).status_code == 401
    assert "Resume course" in player.client.get("/courses/golf").get_data(as_text=True)


def test_passed_on_the_launch_activity_completes_the_course_once(app: Any, fixture_zip: Any) -> None:
    import_course(app, fixture_zip(GOLF), "golf")
    player = enrolled_player(app, "tc.four@example.org", "golf")
    params = launch(player)
    client = app.extensions["lrs_client"]
    xapi = app.test_client()
    # a passed test inside the course is not the course
    inner = statement(params, "passed", COURSE_ACTIVITY + "/GolfAssessment")
    assert xapi.post("/xapi/statements", json=inner, headers=headers(params)).status_code == 200
    assert client.completion(params["registration"]) is None
    # an analyst's statement never completes anyone's course
    key = app.test_cli_runner().invoke(args=["lrs", "credentials", "create", "--name", "analyst",
                                             "--scope", "statements/write"]).output
    analyst = json.loads(key)
    basic = "Basic " + base64.b64encode(f"{analyst['key']}:{analyst['secret']}".encode()).decode()
    forged = statement(params, "passed")
    assert xapi.post("/xapi/statements", json=forged, headers={**V, "Authorization": basic}).status_code == 200
    assert client.completion(params["registration"]) is None
    # the content's own passed on the launch activity does
    for _ in range(2):
        passed = statement(params, "passed", result={"success": True, "completion": True})
        assert xapi.post("/xapi/statements", json=passed, headers=headers(params)).status_code == 200
    fact = client.completion(params["registration"])
    assert fact is not None and fact.course_iri == player.course_iri and fact.agent == player.agent
    assert len([s for s in client.query_statements(registration=params["registration"])
                if s["verb"]["id"] == "https://w3id.org/xapi/adl/verbs/satisfied"]) == 1
    assert "Review course" in player.client.get("/courses/golf").get_data(as_text=True)
