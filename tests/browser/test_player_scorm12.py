"""The player with SCORM 1.2 packages in a real browser: start, save and exit, resume in a fresh browser, finish.

Every learner click goes to what a learner sees: the golf SCOs' own buttons inside
the content frame, and the player's. The LRS is read afterwards through its HTTP API
and checked against ADL's xAPI SCORM Profile schemas (tests/browser/player_support.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import make_account, rollcall
from tests.browser.player_support import (  # noqa: F401 - app, live_port and live_server: one per module
    app,
    back_to_course,
    check_lrs,
    close_after_beacon,
    ends_complete_without_api,
    enroll_and_start,
    enrolled_in,
    golf_page,
    learner_on_course,
    live_port,
    live_server,
    sco,
)

pytestmark = pytest.mark.browser

MINI_TITLES = [
    "How to Play", "Par?", "Keeping Score", "Other Scoring Systems", "The Rules of Golf", "Playing Golf Quiz",
    "How to Have Fun Playing Golf", "How to Make Friends Playing Golf", "Having Fun Quiz",
]


def next_page(page: Any, times: int = 1) -> None:
    """Press the golf SCO's own "Next ->" button ``times`` times."""
    for _ in range(times):
        sco(page).get_by_role("button", name="Next ->").click()


def toc_item(page: Any, title: str) -> Any:
    """The contents' button of the item called ``title`` (its name also holds its status)."""
    return page.get_by_role("navigation", name="Course contents").get_by_role(
        "button", name=re.compile("^" + re.escape(title) + " ")
    )


def test_runtime_basic_calls_quit_half_way_resume_elsewhere_and_complete(
    app: Any, live_server: str, new_page: Any, shared_fixtures: Path, page_checks: Any
) -> None:
    page = enrolled_in(app, new_page, shared_fixtures / "scorm12/RuntimeBasicCalls_SCORM12.zip",
                       "golf-basic-12", "basic12@example.org")
    expect(golf_page(page).get_by_role("heading", name="Play of the game")).to_be_visible()
    expect(page.get_by_role("banner").get_by_text("In progress")).to_be_visible()
    next_page(page, 4)
    expect(golf_page(page).get_by_role("heading", name="The Rules of Golf", exact=True)).to_be_visible()
    page_checks.check(page, "player-scorm12")
    page.get_by_role("button", name="Save and exit").click()
    expect(page.get_by_role("link", name="Resume course")).to_be_visible()
    close_after_beacon(page)

    page = learner_on_course(new_page, "basic12@example.org", "golf-basic-12")  # a new browser, a new login
    page.get_by_role("link", name="Resume course").click()
    expect(golf_page(page).get_by_role("heading", name="The Rules of Golf", exact=True)).to_be_visible()
    next_page(page, 11)
    expect(golf_page(page).get_by_role("heading", name="Knowledge Check")).to_be_visible()
    sco(page).get_by_role("button", name="Exit").click()
    expect(page.get_by_text("You have finished")).to_be_visible()
    back_to_course(page, "Back to the course page", "Review course")
    page_checks.assert_clean()

    check_lrs(app, live_server, "basic12@example.org")


def test_nine_scos_complete_only_once_all_were_opened_and_resume_at_the_first_not_completed(
    app: Any, live_server: str, new_page: Any, shared_fixtures: Path, page_checks: Any
) -> None:
    page = enrolled_in(app, new_page, shared_fixtures / "scorm12/RuntimeMinimumCalls_SCORM12-mini.zip",
                       "golf-mini", "mini@example.org")
    expect(toc_item(page, MINI_TITLES[0])).to_have_attribute("aria-current", "true")
    for title in MINI_TITLES[1:4]:
        page.get_by_role("button", name="Next →").click()
        expect(toc_item(page, title)).to_have_attribute("aria-current", "true")
    expect(toc_item(page, MINI_TITLES[0])).to_contain_text("Completed")  # from the commit's answer
    expect(toc_item(page, MINI_TITLES[5])).to_contain_text("Not started")
    page_checks.check(page, "player-contents")
    page.set_viewport_size({"width": 375, "height": 800})
    contents = page.get_by_role("navigation", name="Course contents")
    expect(contents).to_be_hidden()  # on a phone the contents fold away behind a button
    page.get_by_role("button", name="Contents").click()
    expect(contents).to_be_visible()
    page_checks.check(page, "player-contents-open")
    toc_item(page, MINI_TITLES[4]).click()  # choice: the learner picks an item
    expect(contents).to_be_hidden()
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(toc_item(page, MINI_TITLES[3])).to_contain_text("Completed")
    back_to_course(page, "Course page", "Resume course")  # 5 of 9 opened: not complete

    page = learner_on_course(new_page, "mini@example.org", "golf-mini")
    page.get_by_role("link", name="Resume course").click()
    expect(toc_item(page, MINI_TITLES[5])).to_have_attribute("aria-current", "true")  # the first not completed
    for title in MINI_TITLES[6:]:
        page.get_by_role("button", name="Next →").click()
        expect(toc_item(page, title)).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("button", name="Next →")).to_be_disabled()
    page.get_by_role("button", name="← Previous").click()  # the last SCO closes, its final commit stored
    expect(toc_item(page, MINI_TITLES[8])).to_contain_text("Completed")
    back_to_course(page, "Course page", "Review course")
    page_checks.assert_clean()

    check_lrs(app, live_server, "mini@example.org")


def test_a_sco_that_never_calls_the_api_completes_when_it_ends(
    app: Any, live_server: str, new_page: Any, shared_fixtures: Path
) -> None:
    package = shared_fixtures / "scorm12/ContentPackagingSingleSCO_SCORM12.zip"
    ends_complete_without_api(app, live_server, new_page, package, "single12@example.org")


def test_the_demo_course_plays_to_the_end_and_resumes(app: Any, live_server: str, new_page: Any) -> None:
    result = rollcall(app, ["demo"])
    assert result.exit_code == 0, result.output
    make_account(app, "demo@example.org")
    page = learner_on_course(new_page, "demo@example.org", "community-policing-basics")
    enroll_and_start(page)
    lesson = sco(page)
    expect(lesson.get_by_role("heading", name="What community policing is")).to_be_visible()
    lesson.get_by_role("button", name="Next").click()
    expect(lesson.get_by_role("heading", name="Its three parts")).to_be_visible()
    page.get_by_role("button", name="Save and exit").click()
    expect(page.get_by_role("link", name="Resume course")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    card = page.get_by_role("article").filter(has_text="Community Policing Basics")
    expect(card.get_by_role("link", name="Resume course")).to_be_visible()
    close_after_beacon(page)

    page = learner_on_course(new_page, "demo@example.org", "community-policing-basics")
    page.get_by_role("link", name="Resume course").click()
    lesson = sco(page)
    expect(lesson.get_by_role("heading", name="Its three parts")).to_be_visible()
    lesson.get_by_role("button", name="Next").click()
    lesson.get_by_label("Problem solving").check()
    lesson.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("You have finished")).to_be_visible()
    back_to_course(page, "Back to the course page", "Review course")


def test_a_second_window_supersedes_the_first(
    app: Any, live_server: str, new_page: Any, shared_fixtures: Path
) -> None:
    package = shared_fixtures / "scorm12/RuntimeBasicCalls_SCORM12.zip"
    first = enrolled_in(app, new_page, package, "golf-twice", "twice@example.org")
    expect(golf_page(first).get_by_role("heading", name="Play of the game")).to_be_visible()
    second = learner_on_course(new_page, "twice@example.org", "golf-twice")
    second.get_by_role("link", name="Resume course").click()
    expect(golf_page(second).get_by_role("heading", name="Play of the game")).to_be_visible()

    first.get_by_role("button", name="Save and exit").click()  # its commit is refused: 409, superseded
    expect(first.get_by_role("alert")).to_contain_text("This course was opened in another window")
    expect(first.get_by_role("button", name="Save and exit")).to_be_disabled()
    next_page(second)
    expect(golf_page(second).get_by_role("heading", name="Par")).to_be_visible()
    close_after_beacon(second)
