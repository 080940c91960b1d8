"""What the player's browser tests share: one app per module, the frames of the player, the LRS read over HTTP.

The player tests import ``app`` and ``live_server`` from here: one app, database and
live server per test module (each test uses its own learner and course, so they do
not meet), which keeps the player tests' share of the suite small. The portal is at
``http://127.0.0.1:<port>``, the content origin at ``http://localhost:<port>`` (the
default of ``ROLLCALL_CONTENT_URL``: the base URL with its host swapped), one server.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import TIMEOUT_MS, import_course, log_in, make_account, rollcall, serving
from tests.conftest import _dispose, _settings_for, free_port, require

SCHEMAS_ENV = "ROLLCALL_SCORM_PROFILE"
#: ADL's xAPI SCORM Profile (github.com/adlnet/xAPI-SCORM-Profile): a checkout or a bare git dir.
SCHEMAS_DEFAULT = Path("/work/.mirror/adlnet+xAPI-SCORM-Profile/repo")
SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
#: The profile's statement schemas by verb (document-schemas/*.schema.json).
STATEMENT_SCHEMAS = {
    "http://adlnet.gov/expapi/verbs/initialized": "scorm.profile.initializing.attempt.schema.json",
    "http://adlnet.gov/expapi/verbs/resumed": "scorm.profile.resuming.attempt.schema.json",
    "http://adlnet.gov/expapi/verbs/suspended": "scorm.profile.suspending.attempt.schema.json",
    "http://adlnet.gov/expapi/verbs/terminated": "scorm.profile.terminating.attempt.schema.json",
    "http://adlnet.gov/expapi/verbs/completed": "scorm.profile.completion.status.schema.json",
    "http://adlnet.gov/expapi/verbs/passed": "scorm.profile.success.status.schema.json",
    "http://adlnet.gov/expapi/verbs/failed": "scorm.profile.success.status.schema.json",
    "http://adlnet.gov/expapi/verbs/scored": "scorm.profile.score.schema.json",
    "http://adlnet.gov/expapi/verbs/progressed": "scorm.profile.progress.measure.schema.json",
    "http://adlnet.gov/expapi/verbs/commented": "scorm.profile.comments.from.learner.schema.json",
}
STATE_SCHEMAS = {
    "https://w3id.org/xapi/scorm/activity-state": "scorm.profile.activity.state.schema.json",
    "https://w3id.org/xapi/scorm/attempt-state": "scorm.profile.attempt.state.schema.json",
}


# -- one app and live server per module ------------------------------------------


@pytest.fixture(scope="module")
def live_port() -> int:
    """The port of this module's live server."""
    return free_port()


@pytest.fixture(scope="module")
def app(db_templates: Any, tmp_path_factory: pytest.TempPathFactory, live_port: int) -> Iterator[Any]:
    """One app on a fresh SQLite database for the module; links and the content origin on the live server."""
    from portal.app import create_app

    folder = tmp_path_factory.mktemp("player")
    shutil.copyfile(db_templates.sqlite(), folder / "rollcall.sqlite3")
    settings = _settings_for(folder / "instance", f"sqlite:///{folder / 'rollcall.sqlite3'}")
    # The content URL is named: Settings derives its default from the base URL only when made.
    settings = settings.with_(base_url=f"http://127.0.0.1:{live_port}", content_url=f"http://localhost:{live_port}")
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    _dispose(application)


@pytest.fixture(scope="module")
def live_server(app: Any, live_port: int) -> Iterator[str]:
    """The module's app on a live server (both origins: the app splits them by Host)."""
    with serving(app, live_port) as url:
        yield url


# -- a learner in the player -----------------------------------------------------


def learner_on_course(new_page: Any, email: str, slug: str, *, width: int = 1280) -> Any:
    """A page in a fresh browser context, logged in as ``email``, on the course page."""
    page = new_page(width)
    page.on("dialog", lambda dialog: dialog.accept())  # the golf SCOs ask "resume where you left off?"
    log_in(page, email)
    page.goto(f"/courses/{slug}")
    return page


def enrolled_in(app: Any, new_page: Any, package: Path, slug: str, email: str) -> Any:
    """A course from ``package`` and a new learner who enrolls and starts it: the player page."""
    import_course(app, package, slug)
    make_account(app, email)
    page = learner_on_course(new_page, email, slug)
    enroll_and_start(page)
    return page


def ends_complete_without_api(app: Any, live_server: str, new_page: Any, package: Path, email: str) -> None:
    """A golf "Not implemented yet" SCO (it never calls the API) completes once the learner saves and exits."""
    from playwright.sync_api import expect

    page = enrolled_in(app, new_page, package, package.stem.lower().replace("_", "-"), email)
    expect(sco(page).get_by_role("heading", name="Not implemented yet")).to_be_visible()
    page.get_by_role("button", name="Save and exit").click()
    expect(page.get_by_role("link", name="Review course")).to_be_visible()
    close_after_beacon(page)
    check_lrs(app, live_server, email)


def enroll_and_start(page: Any) -> None:
    """Press Enroll, then Start course, and wait for the player."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Enroll").click()
    page.get_by_role("link", name="Start course").click()
    expect(page.locator("#content-frame")).to_be_visible()


def sco(page: Any) -> Any:
    """The SCO's own page: the player's frame holds the content origin's frame page, which holds the SCO."""
    return page.frame_locator("#content-frame").frame_locator("#sco")


def golf_page(page: Any) -> Any:
    """The page the golf SCOs show inside their own frame (shared/launchpage.html loads it into #contentFrame)."""
    return sco(page).frame_locator("#contentFrame")


def answer_quiz(frame: Any, *, right: bool) -> None:
    """Answer every question of a golf "Knowledge Check" page, all right or all wrong, and submit.

    The golf assessment page marks the right choice of each question with the class
    ``correctAnswer`` and prints the right number beside a numeric question.
    """
    for question in frame.locator(".question").all():
        number = question.locator("input[type=text]")
        if number.count():
            shown = question.locator(".correctAnswer").inner_text().strip()
            number.fill(shown.strip("()") if right else "0")
            number.press("Tab")
        else:
            question.locator(".correctAnswer input" if right else ".answer input").first.check()
    frame.get_by_role("button", name="Submit Answers").click()


def close_after_beacon(page: Any) -> None:
    """Close the page's context once its last beacon has left (PLAYER-NOTES pitfall 9)."""
    page.wait_for_timeout(300)
    page.context.close()


def back_to_course(page: Any, link: str, offers: str) -> None:
    """Follow the player's ``link`` to the course page, which then offers ``offers``; close the context."""
    from playwright.sync_api import expect

    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("link", name=offers)).to_be_visible()
    close_after_beacon(page)


# -- the LRS, read through its HTTP API -------------------------------------------


class LRS:
    """GETs on the live server's /xapi/ with a credential made by ``rollcall lrs credentials create``."""

    def __init__(self, app: Any, base_url: str) -> None:
        result = rollcall(app, ["lrs", "credentials", "create", "--name", "player tests", "--scope", "all"])
        assert result.exit_code == 0, result.output
        made = json.loads(result.output)
        self.base_url = base_url
        self.auth = "Basic " + base64.b64encode(f"{made['key']}:{made['secret']}".encode()).decode()

    def get(self, path: str, **params: Any) -> Any:
        """One GET; the decoded JSON body."""
        query = urllib.parse.urlencode({k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()})
        request = urllib.request.Request(
            f"{self.base_url}/xapi/{path}?{query}",
            headers={"Authorization": self.auth, "X-Experience-API-Version": "1.0.3"},
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_MS / 1000) as response:
            return json.loads(response.read() or b"null")

    def statements(self, registration: str) -> list[dict[str, Any]]:
        """Every statement of the registration, following ``more`` links."""
        page = self.get("statements", registration=registration, limit=500)
        found = list(page["statements"])
        while page.get("more"):
            more = urllib.parse.urlsplit(page["more"])
            page = self.get(more.path.removeprefix("/xapi/"), **dict(urllib.parse.parse_qsl(more.query)))
            found += page["statements"]
        return found

    def state_documents(self, statements: list[dict[str, Any]], agent: dict[str, Any], registration: str) -> dict[
        tuple[str, str], Any
    ]:
        """The State documents of every activity the statements name (and the attempts they list), by (activity, id)."""
        activities = {s["object"]["id"] for s in statements if s["object"].get("objectType", "Activity") == "Activity"}
        for s in statements:
            for kind in ("parent", "grouping", "category", "other"):
                activities.update(a["id"] for a in s.get("context", {}).get("contextActivities", {}).get(kind, []))
        documents: dict[tuple[str, str], Any] = {}
        pending = sorted(activities)
        while pending:
            activity = pending.pop()
            ids = self.get("activities/state", activityId=activity, agent=agent, registration=registration)
            for state_id in ids or []:
                doc = self.get("activities/state", activityId=activity, agent=agent, registration=registration,
                               stateId=state_id)
                documents[(activity, state_id)] = doc
                if isinstance(doc, dict):
                    pending += [a for a in doc.get("attempts", []) if a not in activities]
                    activities.update(doc.get("attempts", []))
        return documents


def learner(app: Any, email: str) -> tuple[dict[str, Any], str]:
    """The learner's xAPI agent and the registration of their one enrollment."""
    from sqlalchemy import select

    from core.db import make_sessionmaker
    from portal.accounts.models import User
    from portal.enrollment import services
    from portal.identity import agent_for

    with app.app_context(), make_sessionmaker(app.extensions["db_engine"])() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None
        agent = agent_for(user)
    rows = services.enrollments(app.extensions["lrs_client"], agent)
    assert len(rows) == 1, rows
    return agent, rows[0].registration


# -- ADL's xAPI SCORM Profile schemas ---------------------------------------------


def profile_schema(name: str) -> dict[str, Any]:
    """One of the profile's document schemas, from ROLLCALL_SCORM_PROFILE (a checkout or a bare git dir)."""
    where = Path(os.environ.get(SCHEMAS_ENV) or SCHEMAS_DEFAULT)
    require(where.exists(), f"ADL's xAPI SCORM Profile ({SCHEMAS_ENV}, default {SCHEMAS_DEFAULT})")
    path = where / "document-schemas" / name
    if path.exists():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    shown = subprocess.run(
        ["git", "--git-dir", str(where), "show", f"HEAD:document-schemas/{name}"],
        capture_output=True, text=True, check=True,
    )
    return dict(json.loads(shown.stdout))


def profile_problems(statements: list[dict[str, Any]], documents: dict[tuple[str, str], Any]) -> list[str]:
    """Every way the statements and State documents break the profile's schemas."""
    import jsonschema

    problems = []
    for statement in statements:
        name = STATEMENT_SCHEMAS.get(statement["verb"]["id"])
        if name:
            validator = jsonschema.Draft7Validator(profile_schema(name))
            where = f"{statement['verb']['id']} {statement['id']}"
            problems += [f"{where}: {error.message}" for error in validator.iter_errors(statement)]
    for (activity, state_id), doc in documents.items():
        name = STATE_SCHEMAS.get(state_id)
        if name:
            validator = jsonschema.Draft7Validator(profile_schema(name))
            problems += [f"state {state_id} of {activity}: {e.message}" for e in validator.iter_errors(doc)]
    return problems


def check_lrs(app: Any, live_server: str, email: str) -> list[dict[str, Any]]:
    """The registration holds exactly one satisfied fact, and all of it meets the profile's schemas; its statements."""
    agent, registration = learner(app, email)
    lrs = LRS(app, live_server)
    statements = lrs.statements(registration)
    satisfied = [s for s in statements if s["verb"]["id"] == SATISFIED]
    assert len(satisfied) == 1, [s["verb"]["id"] for s in statements]
    documents = lrs.state_documents(statements, agent, registration)
    assert any(state_id in STATE_SCHEMAS for _activity, state_id in documents), sorted(documents)
    problems = profile_problems(statements, documents)
    assert not problems, "\n".join(problems)
    return statements
