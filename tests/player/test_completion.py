"""Course completion from the server's own rollup: SCORM 1.2's rules, SCORM 2004's default rollup, one fact only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lrs import vocab
from tests.player.conftest import SCORM12_SINGLE, Player, patched
from tests.player.test_commit import launched

MINI = "scorm12/RuntimeMinimumCalls_SCORM12-mini.zip"
SCO_2004_PLAIN = "scorm2004/ContentPackagingSingleSCO_SCORM20042ndEdition.zip"
SCO_2004_BASIC = "scorm2004/RuntimeBasicCalls_SCORM20043rdEdition.zip"
SCO_2004_PASSING = "scorm2004/RunTimeAdvancedCalls_SCORM20043rdEdition.zip"


def satisfied_facts(lrs_client: Any, player: Player) -> list[dict[str, Any]]:
    """The course-level completion facts of the learner's registration."""
    return list(lrs_client.query_statements(registration=player.registration, verb=vocab.VERB_SATISFIED))


def with_mastery(fixture_zip: Any, tmp_path: Path, score: int) -> Path:
    """The 1.2 golf SCO with <adlcp:masteryscore> on its item (CAM 1.2 §2.3.4)."""
    return patched(fixture_zip(SCORM12_SINGLE), tmp_path / "mastery.zip", "<title>Golf Explained</title>",
                   f"<title>Golf Explained</title><adlcp:masteryscore>{score}</adlcp:masteryscore>")


def test_a_12_sco_that_never_sets_lesson_status_is_completed_at_lmsfinish(
    app: Any, fixture_zip: Any, lrs_client: Any
) -> None:
    player = launched(app, fixture_zip(SCORM12_SINGLE))
    answer = player.commit({"core": {"lesson_location": "p2", "exit": ""}})
    assert answer["items"][0]["status"] == "not attempted" and not answer["course"]["completed"]
    answer = player.commit({"core": {"exit": ""}}, final=True)
    assert answer["items"][0]["status"] == "completed"
    assert answer["course"] == {"completed": True, "satisfied": True}
    assert len(satisfied_facts(lrs_client, player)) == 1


def test_a_12_mastery_score_decides_passed_or_failed_at_finish(
    app: Any, fixture_zip: Any, lrs_client: Any, tmp_path: Path
) -> None:
    player = launched(app, with_mastery(fixture_zip, tmp_path, 80))
    assert player.open()["cmi"]["student_data"]["mastery_score"] == "80"
    answer = player.commit({"core": {"lesson_status": "completed", "score": {"raw": "70"}, "exit": ""}},
                           final=True)
    assert answer["items"][0]["status"] == "failed"  # the LMS's rule wins over the SCO's "completed"
    assert answer["course"] == {"completed": True, "satisfied": False}  # failed: completed, not passed
    assert satisfied_facts(lrs_client, player) == []

    player.launch()
    assert player.open()["cmi"]["core"]["entry"] == "ab-initio"  # a finished attempt: a new one
    answer = player.commit({"core": {"lesson_status": "completed", "score": {"raw": "80"}, "exit": ""}},
                           final=True)
    assert answer["items"][0]["status"] == "passed"
    assert answer["course"] == {"completed": True, "satisfied": True}
    assert len(satisfied_facts(lrs_client, player)) == 1


def test_a_failed_12_sco_without_a_mastery_score_is_completed(app: Any, fixture_zip: Any, lrs_client: Any) -> None:
    player = launched(app, fixture_zip(SCORM12_SINGLE))
    answer = player.commit({"core": {"lesson_status": "failed", "exit": ""}}, final=True)
    assert answer["course"] == {"completed": True, "satisfied": True}  # the package defines no success


def test_one_sco_never_completes_a_course_of_several(app: Any, fixture_zip: Any, lrs_client: Any) -> None:
    player = launched(app, fixture_zip(MINI))
    scos = [item["id"] for item in player.config["items"] if item["launchable"]]
    for sco in scos[:-1]:
        answer = player.commit({"core": {"lesson_status": "passed", "exit": ""}}, item=sco, final=True)
        assert answer["course"]["completed"] is False
    assert satisfied_facts(lrs_client, player) == []
    answer = player.commit({"core": {"lesson_status": "passed", "exit": ""}}, item=scos[-1], final=True)
    assert answer["course"] == {"completed": True, "satisfied": True}
    assert len(satisfied_facts(lrs_client, player)) == 1


def test_a_2004_sco_that_never_reports_is_completed_and_satisfied_when_its_attempt_ends(
    app: Any, fixture_zip: Any, lrs_client: Any
) -> None:
    player = launched(app, fixture_zip(SCO_2004_PLAIN))
    assert player.commit({"location": "p1", "exit": "suspend"}, final=True)["course"]["completed"] is False
    player.launch()
    answer = player.commit({"exit": ""}, final=True)
    assert answer["items"][0]["status"] == "passed"
    assert answer["course"] == {"completed": True, "satisfied": True}


def test_a_2004_sco_that_sets_its_own_completion_is_not_completed_for_it(
    app: Any, fixture_zip: Any, lrs_client: Any
) -> None:
    player = launched(app, fixture_zip(SCO_2004_BASIC))  # completionSetByContent="true"
    answer = player.commit({"exit": ""}, final=True)
    assert answer["course"]["completed"] is False and satisfied_facts(lrs_client, player) == []


def test_a_2004_sco_completed_without_a_passing_score_satisfies_unless_it_failed(
    app: Any, fixture_zip: Any, lrs_client: Any
) -> None:
    player = launched(app, fixture_zip(SCO_2004_BASIC))  # objectiveSetByContent="true", no passing score
    answer = player.commit({"completion_status": "completed", "success_status": "failed", "exit": ""})
    assert answer["course"] == {"completed": True, "satisfied": False}
    answer = player.commit({"completion_status": "completed", "success_status": "unknown", "exit": ""},
                           final=True)
    assert answer["course"] == {"completed": True, "satisfied": True}  # success never said: completion decides
    assert len(satisfied_facts(lrs_client, player)) == 1


def test_2004_progress_measure_completes_only_at_the_threshold(
    app: Any, fixture_zip: Any, lrs_client: Any, tmp_path: Path
) -> None:
    package = patched(fixture_zip(SCO_2004_BASIC), tmp_path / "threshold.zip", "<title>Golf Explained</title>",
                      "<title>Golf Explained</title><adlcp:completionThreshold>0.75</adlcp:completionThreshold>")
    player = launched(app, package)
    assert player.open()["cmi"]["completion_threshold"] == "0.75"
    answer = player.commit({"completion_status": "completed", "success_status": "passed",
                            "progress_measure": "0.74"})
    assert answer["items"][0]["status"] == "passed" and answer["course"]["completed"] is False
    answer = player.commit({"progress_measure": "0.75"})
    assert answer["course"] == {"completed": True, "satisfied": True}


def test_2004_scaled_passing_score_satisfies_only_at_or_above_it(
    app: Any, fixture_zip: Any, lrs_client: Any
) -> None:
    player = launched(app, fixture_zip(SCO_2004_PASSING))  # minNormalizedMeasure 0.8, satisfiedByMeasure
    answer = player.commit({"completion_status": "completed", "success_status": "passed",
                            "score": {"scaled": "0.79"}})
    assert answer["items"][0]["status"] == "failed"  # the LMS evaluates the score, not the SCO's claim
    assert answer["course"] == {"completed": True, "satisfied": False}
    assert satisfied_facts(lrs_client, player) == []
    answer = player.commit({"score": {"scaled": "0.8"}})
    assert answer["course"] == {"completed": True, "satisfied": True}
    assert len(satisfied_facts(lrs_client, player)) == 1


def test_exactly_one_completion_fact_however_many_commits(app: Any, fixture_zip: Any, lrs_client: Any) -> None:
    player = launched(app, fixture_zip(SCORM12_SINGLE))
    for _ in range(3):
        player.commit({"core": {"lesson_status": "passed", "exit": ""}})
    first = lrs_client.completion(player.registration)
    player.commit({"core": {"lesson_status": "passed", "exit": ""}}, final=True)
    player.launch("?attempt=new")
    player.commit({"core": {"lesson_status": "passed", "exit": ""}}, final=True)
    facts = satisfied_facts(lrs_client, player)
    assert len(facts) == 1 and facts[0]["object"]["id"] == player.course_iri
    assert lrs_client.completion(player.registration) == first
