"""The player with SCORM 2004 packages in a real browser: suspend, resume, navigation requests, a measure to satisfy.

The golf SCOs' own buttons drive them; their Exit sets adl.nav.request (exitAll or
suspendAll, SCORM 2004 RTE 4.4), which the player follows back to the course page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.player_support import (  # noqa: F401 - app, live_port and live_server: one per module
    answer_quiz,
    app,
    check_lrs,
    close_after_beacon,
    ends_complete_without_api,
    enrolled_in,
    golf_page,
    learner_on_course,
    live_port,
    live_server,
    sco,
)

pytestmark = pytest.mark.browser


def next_page(page: Any, times: int = 1) -> None:
    """Press the golf SCO's own "Next ->" button ``times`` times."""
    for _ in range(times):
        sco(page).get_by_role("button", name="Next ->").click()


def resume(new_page: Any, email: str, slug: str) -> Any:
    """A new browser and login, the course page's Resume course: the player."""
    page = learner_on_course(new_page, email, slug)
    page.get_by_role("link", name="Resume course").click()
    return page


def test_runtime_basic_calls_suspend_resume_elsewhere_and_complete(
    app: Any, live_server: str, new_page: Any, shared_fixtures: Path, page_checks: Any
) -> None:
    page = enrolled_in(app, new_page, shared_fixtures / "scorm2004/RuntimeBasicCalls_SCORM20043rdEdition.zip",
                       "golf-basic-2004", "basic2004@example.org")
    next_page(page, 2)
    expect(golf_page(page).get_by_role("heading", name="Scoring", exact=True)).to_be_visible()
    page_checks.check(page, "player-scorm2004")
    page.get_by_role("button", name="Save and exit").click()
    expect(page.get_by_role("link", name="Resume course")).to_be_visible()
    close_after_beacon(page)

    page = resume(new_page, "basic2004@example.org", "golf-basic-2004")
    expect(golf_page(page).get_by_role("heading", name="Scoring", exact=True)).to_be_visible()
    next_page(page, 13)
    expect(golf_page(page).get_by_role("heading", name="Knowledge Check")).to_be_visible()
    sco(page).get_by_role("button", name="Exit").click()  # exitAll: the player goes back to the course page
    expect(page.get_by_role("link", name="Review course")).to_be_visible()
    close_after_beacon(page)
    page_checks.assert_clean()

    check_lrs(app, live_server, "basic2004@example.org")


def test_advanced_calls_are_satisfied_only_with_a_measure_of_at_least_0_8(
    app: Any, live_server: str, new_page: Any, shared_fixtures: Path
) -> None:
    page = enrolled_in(app, new_page, shared_fixtures / "scorm2004/RunTimeAdvancedCalls_SCORM20043rdEdition.zip",
                       "golf-advanced", "advanced@example.org")
    next_page(page, 15)
    quiz = golf_page(page)
    expect(quiz.get_by_role("heading", name="Knowledge Check")).to_be_visible()
    answer_quiz(quiz, right=False)
    expect(quiz.get_by_role("heading", name=re.compile(r"^Score: \d+$"))).to_be_visible()
    sco(page).get_by_role("button", name="Exit").click()
    expect(page.get_by_role("link", name="Resume course")).to_be_visible()  # completed, not satisfied
    close_after_beacon(page)

    page = resume(new_page, "advanced@example.org", "golf-advanced")
    next_page(page, 15)  # the last session ended normally (exit ""): a new start, no bookmark
    quiz = golf_page(page)
    expect(quiz.get_by_role("heading", name="Knowledge Check")).to_be_visible()
    answer_quiz(quiz, right=True)
    expect(quiz.get_by_role("heading", name="Score: 100")).to_be_visible()
    sco(page).get_by_role("button", name="Exit").click()
    expect(page.get_by_role("link", name="Review course")).to_be_visible()
    close_after_beacon(page)

    statements = check_lrs(app, live_server, "advanced@example.org")
    scaled = [s["result"]["score"]["scaled"] for s in statements if s.get("result", {}).get("score", {}).get("scaled")
              is not None]
    assert max(scaled) >= 0.8, scaled


def test_a_2004_sco_that_never_calls_the_api_completes_when_it_ends(
    app: Any, live_server: str, new_page: Any, shared_fixtures: Path
) -> None:
    package = shared_fixtures / "scorm2004/ContentPackagingSingleSCO_SCORM20042ndEdition.zip"
    ends_complete_without_api(app, live_server, new_page, package, "single2004@example.org")
