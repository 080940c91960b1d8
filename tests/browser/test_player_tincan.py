"""A Tin Can course in a real browser: the golf example talks to our LRS itself, with its launch credential.

The learner clicks the content's own buttons (Next, the assessment's answers, Submit);
afterwards the LRS, read through its HTTP API, holds the content's statements under the
learner's agent and registration, and one completion fact (player/tincan.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from lrs import vocab
from tests.browser.player_support import (  # noqa: F401 - app, live_port and live_server: one per module
    LRS,
    answer_quiz,
    app,
    enrolled_in,
    learner,
    live_port,
    live_server,
)

pytestmark = pytest.mark.browser

GOLF = "tincan/GolfExample_TCAPI.zip"
PAGES = 15  # index.html's pageArray: 14 lessons, then the assessment


@pytest.fixture
def expected_console_errors() -> list[re.Pattern[str]]:
    """The golf example loads Google Analytics; the content origin's CSP refuses it, as it should."""
    return [re.compile(r"^Loading the script 'https?://www\.google-analytics\.com/ga\.js' violates")]


def golf(page: Any) -> Any:
    """The golf example's own page (index.html loads each lesson into #contentFrame)."""
    return page.frame_locator("#content-frame").frame_locator("#contentFrame")


def test_golf_tin_can_course_reports_to_our_lrs_and_completes(
    app: Any, live_server: str, new_page: Any, shared_fixtures: Path, page_checks: Any
) -> None:
    page = enrolled_in(app, new_page, shared_fixtures / GOLF, "golf-tincan", "tincan.golfer@example.org")
    content = page.frame_locator("#content-frame")
    expect(golf(page).get_by_role("heading").first).to_be_visible()
    page_checks.screenshot(page, "player-tincan")
    for _ in range(PAGES - 1):
        content.get_by_role("button", name="Next ->").click()
    expect(golf(page).get_by_role("button", name="Submit Answers")).to_be_visible()
    answer_quiz(golf(page), right=True)
    expect(golf(page).get_by_text("Score: 100")).to_be_visible()

    agent, registration = learner(app, "tincan.golfer@example.org")
    client = app.extensions["lrs_client"]
    expect(page.get_by_role("link", name="Course page")).to_be_visible()
    page.get_by_role("button", name="Close course").click()
    expect(page.get_by_role("link", name="Review course")).to_be_visible()

    http = LRS(app, live_server)
    found = http.statements(registration)
    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in found]
    assert "initialized" in verbs and "passed" in verbs, verbs
    content_statements = [s for s in found if s["verb"]["id"] not in (vocab.VERB_REGISTERED, vocab.VERB_SATISFIED)]
    assert all(s["actor"] == agent for s in content_statements)
    facts = [s for s in found if s["verb"]["id"] == vocab.VERB_SATISFIED]
    assert len(facts) == 1 and facts[0]["object"]["id"].endswith("/courses/golf-tincan")
    assert client.completion(registration) is not None
    page_checks.assert_clean()
