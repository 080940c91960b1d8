"""Resume anywhere, review, new attempts and the table of contents: all read back from the LRS State documents."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from packages.model import CourseModel
from packages.models import CourseVersion
from player.course import launchable
from tests.player.conftest import (
    SCORM12_SINGLE,
    SCORM2004_SINGLE,
    Player,
    enrolled_player,
    import_course,
    patched,
    statements,
    verbs,
)
from tests.player.test_commit import documents, launched
from tests.portal.catalog_support import log_in

MINI = "scorm12/RuntimeMinimumCalls_SCORM12-mini.zip"
INTERACTION = {"id": "q1", "type": "choice", "student_response": "b", "result": "correct"}


def another_device(app: Any, player: Player) -> Player:
    """The same learner in a fresh browser: a new test client, logged in anew, nothing kept from the first."""
    client = app.test_client()
    log_in(client, "learner@example.org")
    return Player(client, player.slug, player.user_uuid, player.course_iri)


def test_a_fresh_browser_resumes_at_the_same_place_with_everything(
    app: Any, fixture_zip: Any, lrs_client: Any
) -> None:
    player = launched(app, fixture_zip(SCORM12_SINGLE))
    suspend = "chunk;" * 2000  # 12,000 characters: beyond 1.2's 4,096, stored whole
    player.commit({"core": {"lesson_status": "incomplete", "lesson_location": "page-7", "exit": "suspend",
                            "session_time": "00:01:30", "score": {"raw": "50"}},
                   "suspend_data": suspend, "interactions": [INTERACTION],
                   "objectives": [{"id": "obj1", "status": "incomplete"}]}, final=True)

    other = another_device(app, player)
    other.launch()
    assert other.config["start"] == "item_1"
    assert other.config["items"][0]["status"] == "incomplete"
    loaded = other.open()["cmi"]
    assert loaded["core"]["entry"] == "resume" and loaded["core"]["lesson_location"] == "page-7"
    assert loaded["core"]["total_time"] == "0000:01:30.00"
    assert "session_time" not in loaded["core"] and "exit" not in loaded["core"]
    assert loaded["suspend_data"] == suspend
    assert loaded["interactions"] == {"0": INTERACTION}
    assert loaded["objectives"] == {"0": {"id": "obj1", "status": "incomplete"}}
    assert loaded["core"]["score"] == {"raw": "50"}

    # scorm-again's final commit already adds the session to the loaded total (PLAYER-NOTES pitfall 5).
    other.commit({"core": {"lesson_location": "page-8", "exit": "suspend", "session_time": "00:02:00",
                           "total_time": "0000:03:30.00"}}, final=True)
    assert documents(lrs_client, other)["attempt"]["total_time"] == "PT0H3M30.00S"
    third = another_device(app, player)
    third.launch()
    third.commit({"core": {"exit": "suspend", "session_time": "00:00:30"}}, final=True)  # no total_time sent
    assert documents(lrs_client, third)["attempt"]["total_time"] == "PT0H4M0.00S"
    assert verbs(statements(lrs_client, player.registration)) == [
        "initialized", "scored", "responded", "suspended", "resumed", "suspended", "resumed", "suspended"]


def test_an_incomplete_sco_left_with_an_empty_exit_resumes(app: Any, fixture_zip: Any) -> None:
    player = launched(app, fixture_zip(SCORM2004_SINGLE))
    player.commit({"completion_status": "incomplete", "location": "p3", "exit": ""}, final=True)
    player.launch()
    loaded = player.open()["cmi"]
    assert loaded["entry"] == "resume" and loaded["location"] == "p3"


def test_a_finished_sco_starts_a_new_attempt_with_fresh_data(app: Any, fixture_zip: Any, lrs_client: Any) -> None:
    player = launched(app, fixture_zip(SCORM2004_SINGLE))
    player.commit({"completion_status": "completed", "location": "end", "exit": "normal",
                   "suspend_data": "old"}, final=True)
    player.launch()
    loaded = player.open()["cmi"]
    assert loaded["entry"] == "ab-initio" and "location" not in loaded and "suspend_data" not in loaded
    player.commit({"location": "start-again"})
    assert documents(lrs_client, player, sco_attempt=2)["attempt"]["location"] == "start-again"
    assert documents(lrs_client, player, sco_attempt=1)["attempt"]["location"] == "end"
    assert len(documents(lrs_client, player)["sco"]["attempts"]) == 2
    assert verbs(statements(lrs_client, player.registration))[-1] == "initialized"


def test_the_lms_owned_values_come_from_the_manifest_and_the_learner(app: Any, fixture_zip: Any) -> None:
    player = launched(app, fixture_zip("scorm2004/RunTimeAdvancedCalls_SCORM20043rdEdition.zip"))
    loaded = player.open()["cmi"]
    assert loaded["entry"] == "ab-initio" and loaded["credit"] == "credit" and loaded["mode"] == "normal"
    assert loaded["scaled_passing_score"] == "0.8"
    assert loaded["learner_id"] == player.user_uuid and loaded["learner_name"] == "learner"


def test_review_mode_shows_the_record_and_writes_nothing(app: Any, fixture_zip: Any, lrs_client: Any) -> None:
    player = launched(app, fixture_zip(SCORM12_SINGLE))
    player.commit({"core": {"lesson_status": "passed", "lesson_location": "end", "exit": ""}}, final=True)
    before = (statements(lrs_client, player.registration), documents(lrs_client, player))
    completion = lrs_client.completion(player.registration)
    assert completion is not None

    config = player.launch("?mode=review")
    assert config["mode"] == "review" and config["items"][0]["status"] == "passed"
    loaded = player.open()["cmi"]["core"]
    assert loaded["lesson_mode"] == "review" and loaded["credit"] == "no-credit"
    answer = player.commit({"core": {"lesson_status": "failed", "lesson_location": "elsewhere", "exit": ""}},
                           final=True)
    assert answer["ok"] and answer["items"][0]["status"] == "passed"
    assert (statements(lrs_client, player.registration), documents(lrs_client, player)) == before
    assert lrs_client.completion(player.registration) == completion


def test_a_new_attempt_starts_fresh_and_keeps_the_first_completion(
    app: Any, fixture_zip: Any, lrs_client: Any
) -> None:
    player = launched(app, fixture_zip(SCORM12_SINGLE))
    player.commit({"core": {"lesson_status": "completed", "lesson_location": "end", "exit": ""},
                   "suspend_data": "first"}, final=True)
    first = lrs_client.completion(player.registration)
    assert first is not None

    config = player.launch("?attempt=new")
    assert config["items"][0]["status"] == "not attempted"
    loaded = player.open()["cmi"]
    assert loaded["core"]["entry"] == "ab-initio" and "suspend_data" not in loaded
    player.commit({"core": {"lesson_status": "completed", "exit": ""}}, final=True)
    course = documents(lrs_client, player)["course"]
    assert len(course["attempts"]) == 2  # the course activity state lists both attempts, oldest first
    assert lrs_client.completion(player.registration) == first  # the date never moves
    assert player.launch()["items"][0]["status"] == "completed"  # the new attempt goes on from here


def test_a_newer_launch_supersedes_the_open_page_for_opening_too(app: Any, fixture_zip: Any) -> None:
    player = launched(app, fixture_zip(SCORM12_SINGLE))
    old_sco = player.url("sco", "item_1")
    player.launch()
    response = player.client.get(old_sco)
    assert response.status_code == 409 and response.get_json()["superseded"] is True


def test_the_table_of_contents_is_the_tree_with_depths_and_parameters(
    app: Any, fixture_zip: Any, lrs_client: Any
) -> None:
    player = launched(app, fixture_zip(MINI))
    items = player.config["items"]
    assert [(i["id"], i["depth"], i["launchable"]) for i in items[:3]] == [
        ("playing_item", 0, False), ("playing_playing_item", 1, True), ("playing_par_item", 1, True)]
    assert player.config["start"] == "playing_playing_item"
    quiz = player.open("playing_quiz_item")
    assert unquote(quiz["launchUrl"]).endswith("?questions=Playing")  # item parameters on the href (CAM 1.2)
    player.commit({"core": {"lesson_status": "completed", "exit": ""}}, item="playing_playing_item", final=True)
    assert player.launch()["start"] == "playing_par_item"  # the first not completed


def test_a_suspended_sco_is_where_the_next_launch_starts(app: Any, fixture_zip: Any) -> None:
    player = launched(app, fixture_zip(MINI))
    player.commit({"core": {"lesson_status": "incomplete", "exit": "suspend"}}, item="playing_rules_item",
                  final=True)
    assert player.launch()["start"] == "playing_rules_item"


def test_an_asset_is_completed_when_launched(app: Any, fixture_zip: Any, tmp_path: Any) -> None:
    package = patched(fixture_zip(MINI), tmp_path / "asset.zip",
                      'identifier="playing_rules_resource" type="webcontent" adlcp:scormtype="sco"',
                      'identifier="playing_rules_resource" type="webcontent" adlcp:scormtype="asset"')
    player = launched(app, package)
    with app.app_context():
        version = app.extensions["db_read"]().query(CourseVersion).one()
        model = CourseModel.from_json(version.model)
    assert [item.identifier for item in launchable(model) if item.scorm_type == "asset"] == ["playing_rules_item"]
    player.open("playing_rules_item")
    assert {i["id"]: i["status"] for i in player.launch()["items"]}["playing_rules_item"] == "completed"


def test_the_course_page_offers_start_resume_then_review(app: Any, fixture_zip: Any) -> None:
    import_course(app, fixture_zip(SCORM12_SINGLE), "golf")
    player = enrolled_player(app, "learner@example.org", "golf")
    page = player.client.get("/courses/golf").get_data(as_text=True)
    assert "Start course" in page
    player.launch()
    assert "Resume course" in player.client.get("/courses/golf").get_data(as_text=True)
    player.commit({"core": {"lesson_status": "completed", "exit": ""}}, final=True)
    assert "Review course" in player.client.get("/courses/golf").get_data(as_text=True)
    learning = player.client.get("/my-learning").get_data(as_text=True)
    assert "?mode=review" in learning


def test_commits_after_a_final_one_of_the_same_session_go_on_with_the_same_attempt(
    app: Any, fixture_zip: Any, lrs_client: Any
) -> None:
    # A phone hides the page (a final commit), the learner comes back to the same page and goes on.
    player = launched(app, fixture_zip(SCORM2004_SINGLE))
    player.open()
    player.commit({"completion_status": "completed", "location": "p5", "exit": "", "session_time": "PT1M",
                   "total_time": "PT1M"}, final=True)
    player.commit({"location": "p6", "exit": "", "session_time": "PT3M", "total_time": "PT3M"}, final=True)
    docs = documents(lrs_client, player)
    assert len(docs["sco"]["attempts"]) == 1
    assert docs["attempt"]["location"] == "p6" and docs["attempt"]["total_time"] == "PT0H3M0.00S"
    assert verbs(statements(lrs_client, player.registration)) == [
        "initialized", "completed", "terminated", "resumed", "terminated"]
