"""The unit-of-work rule (ARCHITECTURE.md): no portal write transaction stays open across an LRS call.

The portal and the LRS are two engines on one database. On SQLite a request that held
the portal's write lock while it called the LRS waited for itself until the busy timeout
("database is locked"); the rule makes every request commit its portal writes before
the LRS writes, or call the LRS first. ``core.web.check_unit_of_work`` makes it checkable.
"""

from __future__ import annotations

import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select, text

from core.db import make_sessionmaker, transaction
from core.web import GuardedClient, UnitOfWorkViolation, db_session
from lrs.vocab import SCORM_ACTIVITY_STATE, VERB_REGISTERED
from packages import service
from packages.models import RegistrationVersion
from portal.accounts.models import User
from portal.app import create_app
from portal.enrollment.services import registration_for
from tests.portal.catalog_support import make_user
from tests.portal.test_write_lock import _browser

COURSE = "patrol-basics"
IRI = f"http://localhost/courses/{COURSE}"


def statement(what: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "http://localhost", "name": "someone"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": f"http://localhost/tests/{what}"},
    }


def test_an_lrs_call_while_the_portal_session_holds_a_write_fails_and_stores_nothing(app: Any) -> None:
    make_user(app, "learner@example.org")
    guarded, raw = app.extensions["lrs_client"], app.extensions["lrs"].client
    assert isinstance(guarded, GuardedClient)
    flushed, pending = statement("flushed"), statement("pending")
    with app.test_request_context(method="POST"):
        session = db_session()
        user = session.scalars(select(User)).one()
        session.execute(text("SELECT count(*) FROM users"))
        guarded.get_statement(flushed["id"])  # reads only so far: the LRS may be called
        user.name = "Changed"
        with pytest.raises(UnitOfWorkViolation, match="commit the portal session first"):
            guarded.store_statement(pending)  # a change waiting to flush is an open write too
        session.flush()
        with pytest.raises(UnitOfWorkViolation, match="the LRS's store_statement\\(\\)"):
            guarded.store_statement(flushed)
        with pytest.raises(UnitOfWorkViolation):  # reads of the LRS too: the rule is about any call
            guarded.get_statement(flushed["id"])
        session.commit()
        guarded.store_statement(flushed)  # committed first: allowed
        session.scalars(select(User).with_for_update()).all()  # rows locked to be written
        with pytest.raises(UnitOfWorkViolation):
            guarded.store_statement(pending)
        session.rollback()
        session.execute(text("UPDATE users SET name = 'By hand'"))  # plain SQL that writes counts too
        with pytest.raises(UnitOfWorkViolation):
            guarded.store_statement(pending)
        session.rollback()
        guarded.store_statement(pending)
    assert raw.get_statement(flushed["id"]) is not None and raw.get_statement(pending["id"]) is not None


def test_production_calls_the_lrs_unchecked(settings: Any) -> None:
    from dataclasses import replace

    production = create_app(replace(settings, env="production"))
    try:
        assert production.extensions["lrs_client"] is production.extensions["lrs"].client
    finally:
        production.extensions["db_engine"].dispose()
        production.extensions["lrs"].engine.dispose()


def _published_course(app: Any, shared_fixtures: Path) -> None:
    package = (shared_fixtures / "scorm12" / "RuntimeBasicCalls_SCORM12.zip").read_bytes()
    with app.app_context(), transaction(app.extensions["db_write"]) as session:
        result = service.import_package(session, app.extensions["package_storage"], io.BytesIO(package),
                                        course_slug=COURSE, settings=app.config["ROLLCALL"])
        assert result.ok and result.version is not None, result.report.to_text()
        service.publish(session, result.version)


@pytest.mark.slow
def test_concurrent_requests_writing_the_portal_and_the_lrs_lose_nothing_and_never_lock(
    app: Any, live_server: str, shared_fixtures: Path
) -> None:
    """Learners enroll (LRS), launch (portal pin, then LRS State) and edit their profiles (portal) at once."""
    _published_course(app, shared_fixtures)
    learners = [f"learner{n}@example.org" for n in range(6)]
    uuids = {email: make_user(app, email) for email in learners}
    browsers = [_browser(live_server, email) for email in learners]
    rounds = 3

    def learner(n: int) -> list[tuple[str, int, bool]]:
        browser, token = browsers[n]
        seen = []

        def record(what: str, answer: requests.Response) -> None:
            seen.append((what, answer.status_code, "database is locked" in answer.text))

        record("enroll", browser.post(f"{live_server}/courses/{COURSE}/enroll", data={"csrf_token": token},
                                      allow_redirects=False, timeout=120))
        for round_ in range(rounds):
            record("play", browser.get(f"{live_server}/courses/{COURSE}/play", allow_redirects=False, timeout=120))
            record("profile", browser.post(
                f"{live_server}/account/profile",
                data={"csrf_token": token, "profile-name": f"Learner {n} round {round_}", "profile-organization": ""},
                allow_redirects=False,
                timeout=120,
            ))
        return seen

    try:
        with ThreadPoolExecutor(max_workers=len(learners)) as pool:
            answers = [answer for seen in pool.map(learner, range(len(learners))) for answer in seen]
    finally:
        for browser, _ in browsers:
            browser.close()

    assert len(answers) == len(learners) * (1 + 2 * rounds)
    assert not [a for a in answers if a[2]], "a request met 'database is locked'"
    assert {(what, status) for what, status, _ in answers} == {("enroll", 303), ("play", 200), ("profile", 302)}, answers
    raw = app.extensions["lrs"].client
    registered = [s for s in raw.query_statements(verb=VERB_REGISTERED) if s["object"]["id"] == IRI]
    assert len(registered) == len(learners)
    with make_sessionmaker(app.extensions["db_engine"])() as session:
        names = dict(session.execute(select(User.email, User.name).where(User.email.in_(learners))).all())
        pins = {pin.registration: pin.attempt for pin in session.scalars(select(RegistrationVersion))}
    assert names == {email: f"Learner {n} round {rounds - 1}" for n, email in enumerate(learners)}
    for email in learners:
        registration = str(registration_for(uuids[email], IRI))
        assert pins[registration] == 1  # pinned once, kept on every later launch
        agent = {"objectType": "Agent", "account": {"homePage": "http://localhost", "name": uuids[email]}}
        assert raw.get_state(IRI, agent, SCORM_ACTIVITY_STATE, registration) is not None  # the launch's LRS write
    assert len(pins) == len(learners)
