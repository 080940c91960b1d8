"""Commits: statements and State documents for what changed, retries that store nothing, bad commits refused whole."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lrs import vocab
from player import course as course_model
from tests.player.conftest import (
    SCORM12_SINGLE,
    SCORM2004_SINGLE,
    Player,
    enrolled_player,
    import_course,
    statements,
    verbs,
)


def launched(app: Any, package: Any) -> Player:
    """A learner enrolled in the real package as course "golf", the player page open."""
    import_course(app, package, "golf")
    player = enrolled_player(app, "learner@example.org", "golf")
    player.launch()
    return player


@pytest.fixture
def golf12(app: Any, fixture_zip: Any) -> Player:
    return launched(app, fixture_zip(SCORM12_SINGLE))


@pytest.fixture
def golf2004(app: Any, fixture_zip: Any) -> Player:
    return launched(app, fixture_zip(SCORM2004_SINGLE))


def documents(lrs_client: Any, player: Player, item: str = "item_1", sco_attempt: int = 1) -> dict[str, Any]:
    """The SCORM Profile's State documents of the player's first course attempt and one SCO attempt."""
    from packages.model import Item

    sco = Item(identifier=item, title="")
    sco.activity_id = f"{player.course_iri}/item/{item}"
    attempt_iri = course_model.sco_attempt_iri(player.course_iri, sco, player.registration, 1, sco_attempt)

    def get(activity: str, state_id: str) -> Any:
        found = lrs_client.get_state(activity, player.agent, state_id, player.registration)
        if found is None:
            return None
        return found.content.decode() if state_id == vocab.SCORM_SUSPEND_DATA else json.loads(found.content)

    return {
        "course": get(player.course_iri, vocab.SCORM_ACTIVITY_STATE),
        "sco": get(sco.activity_id, vocab.SCORM_ACTIVITY_STATE),
        "attempt": get(attempt_iri, vocab.SCORM_ATTEMPT_STATE),
        "suspend": get(attempt_iri, vocab.SCORM_SUSPEND_DATA),
        "cmi": get(attempt_iri, vocab.PLAYER_CMI_STATE),
        "attempt_iri": attempt_iri,
    }


def test_a_commit_stores_the_profiles_statements_and_state_documents(golf2004: Player, lrs_client: Any) -> None:
    answer = golf2004.commit({"completion_status": "incomplete", "location": "page-2", "exit": "suspend",
                              "session_time": "PT1M", "suspend_data": "bookmark=2"})
    assert answer["ok"] and answer["seq"] == 1 and answer["dropped"] == []
    assert answer["items"] == [{"id": "item_1", "status": "incomplete"}]
    assert answer["course"] == {"completed": False, "satisfied": False}
    found = statements(lrs_client, golf2004.registration)
    assert verbs(found) == ["initialized"]
    docs = documents(lrs_client, golf2004)
    assert docs["sco"] == {"attempts": [docs["attempt_iri"]]}
    assert docs["course"]["attempts"] == [course_model.course_attempt_iri(golf2004.course_iri,
                                                                          golf2004.registration, 1)]
    attempt = docs["attempt"]
    assert attempt["location"] == "page-2" and attempt["credit"] == "credit" and attempt["mode"] == "normal"
    assert attempt["total_time"] == "PT0H1M0.00S"
    assert attempt == {"location": "page-2", "credit": "credit", "mode": "normal", "total_time": "PT0H1M0.00S"}
    stored = docs["cmi"]["cmi"]  # the rest of the CMI, in Rollcall's own document (the profile's allows no more)
    assert stored["cmi.completion_status"] == "incomplete"
    assert "cmi.session_time" not in stored and "cmi.suspend_data" not in stored
    assert docs["suspend"] == "bookmark=2"

    golf2004.commit({"completion_status": "completed", "success_status": "passed", "location": "page-3",
                     "score": {"scaled": "0.9", "raw": "90", "min": "0", "max": "100"}, "exit": "",
                     "session_time": "PT2M", "suspend_data": "bookmark=3"}, final=True)
    assert verbs(statements(lrs_client, golf2004.registration)) == [
        "initialized", "completed", "passed", "scored", "terminated"]
    terminated = statements(lrs_client, golf2004.registration)[-1]
    assert terminated["result"]["success"] is True and terminated["result"]["completion"] is True
    assert terminated["result"]["score"] == {"scaled": 0.9, "raw": 90.0, "min": 0.0, "max": 100.0}
    assert terminated["result"]["duration"] == "PT0H2M0.00S"
    assert documents(lrs_client, golf2004)["attempt"]["total_time"] == "PT0H2M0.00S"  # not 1 + 2 minutes


def test_nothing_unchanged_is_said_again(golf12: Player, lrs_client: Any) -> None:
    cmi = {"core": {"lesson_status": "incomplete", "lesson_location": "p1", "score": {"raw": "40"}}}
    golf12.commit(cmi)
    golf12.commit(cmi)
    golf12.commit({"core": {"lesson_status": "incomplete", "lesson_location": "p2", "score": {"raw": "40"}}})
    assert verbs(statements(lrs_client, golf12.registration)) == ["initialized", "scored"]


def test_each_new_interaction_response_and_comment_is_a_statement(golf2004: Player, lrs_client: Any) -> None:
    first = {"id": "q1", "type": "choice", "learner_response": "a", "result": "incorrect", "description": "Par?"}
    golf2004.commit({"interactions": [first]})
    golf2004.commit({"interactions": {"0": first, "1": {"id": "q2", "type": "true-false",
                                                        "learner_response": "true", "result": "correct"}},
                     "comments_from_learner": [{"comment": "Nice course", "location": "p1"}]})
    golf2004.commit({"interactions": [{**first, "learner_response": "b", "result": "correct"}]})
    found = statements(lrs_client, golf2004.registration)
    assert verbs(found) == ["initialized", "responded", "responded", "commented", "responded"]
    responses = [(s["object"]["id"].rsplit("/", 1)[-1], s["result"]) for s in found if "responded" in s["verb"]["id"]]
    assert responses == [("q1", {"response": "a", "success": False}), ("q2", {"response": "true", "success": True}),
                         ("q1", {"response": "b", "success": True})]
    assert found[1]["object"]["definition"]["interactionType"] == "choice"
    assert found[1]["context"]["contextActivities"]["parent"][0]["id"] == f"{golf2004.course_iri}/item/item_1"
    assert found[3]["result"] == {"response": "Nice course"}


def test_a_retried_commit_answers_the_same_and_stores_nothing_new(golf2004: Player, lrs_client: Any) -> None:
    cmi = {"completion_status": "completed", "location": "end", "exit": "", "session_time": "PT5S"}
    first = golf2004.commit(cmi, final=True)
    before = statements(lrs_client, golf2004.registration)
    docs = documents(lrs_client, golf2004)
    again = golf2004.commit(cmi, final=True, seq=1)
    assert again == first
    assert statements(lrs_client, golf2004.registration) == before
    assert documents(lrs_client, golf2004) == docs


def test_statement_ids_derive_from_attempt_session_seq_and_element(golf12: Player, lrs_client: Any) -> None:
    golf12.commit({"core": {"lesson_status": "incomplete", "exit": "suspend"}}, final=True)
    golf12.launch()  # a new launch session: the same seq numbers again, other ids
    golf12.commit({"core": {"lesson_status": "completed", "exit": ""}}, final=True)
    found = statements(lrs_client, golf12.registration)
    assert verbs(found) == ["initialized", "suspended", "resumed", "completed", "terminated"]
    assert len({s["id"] for s in found}) == len(found)


def _stored(lrs_client: Any, player: Player) -> tuple[Any, ...]:
    return (statements(lrs_client, player.registration), documents(lrs_client, player))


def test_bad_commits_get_their_4xx_and_store_nothing(app: Any, golf2004: Player, lrs_client: Any) -> None:
    golf2004.commit({"location": "p1", "suspend_data": "kept"})
    stored = _stored(lrs_client, golf2004)
    change = {"location": "p9", "completion_status": "completed", "suspend_data": "lost"}

    for raw in (b"{not json", b"[1, 2]", b'{"session": "x"}', json.dumps(
            {"session": golf2004.config["launchSession"], "seq": "7", "cmi": {}}).encode(), b"\xff\xfe"):
        assert "error" in golf2004.commit({}, raw=raw, status=400)
    assert "error" in golf2004.commit(change, raw=b" " * (1024 * 1024 + 1), status=413)
    golf2004.commit(change, seq=1, status=200)  # the same seq again: a retry, nothing new
    assert golf2004.commit(change, seq=0, status=409)["superseded"] is False  # older than stored
    assert "error" in golf2004.commit(change, session="another-session", status=403)

    forged = golf2004.url("commit", "item_1").replace("/api/", "/api/x")
    response = golf2004.client.post(forged, data=json.dumps({"session": "s", "seq": 9, "cmi": change}),
                                    content_type="application/json")
    assert response.status_code == 403
    other = enrolled_player(app, "other@example.org", "golf")
    other.launch()
    other.config["launchSession"] = golf2004.config["launchSession"]  # someone else's session in their body
    other.commit(change, status=403)
    assert _stored(lrs_client, golf2004) == stored

    old = Player(golf2004.client, "golf", golf2004.user_uuid, golf2004.course_iri, dict(golf2004.config), 5)
    golf2004.launch()  # a newer launch supersedes the old page
    refused = old.commit(change, status=409)
    assert refused["superseded"] is True and "another window" in refused["error"]
    assert statements(lrs_client, golf2004.registration) == stored[0]
    assert documents(lrs_client, golf2004)["suspend"] == "kept"


def test_one_bad_element_is_dropped_and_reported_the_rest_kept(golf2004: Player, lrs_client: Any) -> None:
    answer = golf2004.commit({
        "completion_status": "done-ish", "success_status": "passed", "location": "p4",
        "score": {"scaled": "2.5", "raw": "70"}, "interactions": [{"id": "q1", "type": "essay",
                                                                  "learner_response": "x"}],
    })
    assert sorted(d["element"] for d in answer["dropped"]) == [
        "cmi.completion_status", "cmi.interactions.0.type", "cmi.score.scaled"]
    assert all(d["reason"] for d in answer["dropped"])
    docs = documents(lrs_client, golf2004)
    stored = docs["cmi"]["cmi"]
    assert docs["attempt"]["location"] == "p4" and stored["cmi.success_status"] == "passed"
    assert stored["cmi.interactions.0.learner_response"] == "x"
    assert "cmi.score.scaled" not in stored and stored["cmi.score.raw"] == "70"
    assert verbs(statements(lrs_client, golf2004.registration)) == ["initialized", "passed", "responded"]  # no scaled: no scored


def test_a_beacon_body_labelled_text_plain_is_read_as_json(golf12: Player, lrs_client: Any) -> None:
    answer = golf12.commit({"cmi": {"core": {"lesson_status": "passed", "exit": ""}}}, beacon=True)
    assert answer["items"] == [{"id": "item_1", "status": "passed"}]
    assert "passed" in verbs(statements(lrs_client, golf12.registration))


def test_long_values_are_stored_whole(golf12: Player, lrs_client: Any) -> None:
    suspend = "s" * 10_000
    location = "l" * 1000  # 1.2's CMIString255 location, four times over
    golf12.commit({"suspend_data": suspend, "core": {"lesson_location": location, "exit": "suspend"}}, final=True)
    docs = documents(lrs_client, golf12)
    assert docs["suspend"] == suspend and docs["attempt"]["location"] == location
