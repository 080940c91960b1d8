"""A writing request takes SQLite's write lock only when it writes, so it may also write through the LRS.

Before, a POST's session began with BEGIN IMMEDIATE as soon as flask-login loaded the
user, and a view that then stored a statement (the LRS has its own engine) waited out
the 30 s busy timeout and failed with "database is locked".
"""

from __future__ import annotations

import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from flask import Flask
from flask_login import current_user
from sqlalchemy import select, text

from core.web import db_session
from lrs.vocab import VERB_REGISTERED
from portal.accounts.models import User
from portal.extensions import csrf
from tests.portal.accounts_support import csrf_from
from tests.portal.catalog_support import PASSWORD, make_user, signed_in
from tests.portal.test_enrollment import add_course


def _statement(user_uuid: str, what: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "http://localhost", "name": user_uuid}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": f"http://localhost/tests/{what}"},
    }


def _add_views(app: Flask) -> None:
    """Two POST views as the player's launch will be: portal reads and writes around LRS writes."""
    lrs = app.extensions["lrs_client"]

    def rename_and_record() -> str:
        me = db_session().get(User, current_user.id)  # a read, after flask-login's own
        assert me is not None
        lrs.store_statement(_statement(str(me.uuid), "before-the-portal-writes"))
        me.name = "Renamed In The Same Request"  # the portal writes ...
        db_session().commit()  # ... and commits before the LRS writes again
        lrs.store_statement(_statement(str(me.uuid), "after-the-portal-wrote"))
        return "done"

    def write_and_fail() -> str:
        me = db_session().get(User, current_user.id)
        assert me is not None
        me.name = "Never Stored"
        db_session().flush()
        raise RuntimeError("the view fails after writing")

    app.add_url_rule("/_test/rename-and-record", view_func=rename_and_record, methods=["POST"])
    app.add_url_rule("/_test/write-and-fail", view_func=write_and_fail, methods=["POST"])
    csrf.exempt(rename_and_record)
    csrf.exempt(write_and_fail)


def _name_of(app: Any, email: str) -> str:
    with app.extensions["db_read"]() as session:
        return str(session.scalars(select(User.name).where(User.email == email)).one())


def test_a_post_that_writes_the_portal_and_the_lrs_completes(app: Any, lrs_client: Any) -> None:
    _add_views(app)
    learner = signed_in(app, "learner@example.org")
    response = learner.post("/_test/rename-and-record")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert _name_of(app, "learner@example.org") == "Renamed In The Same Request"
    objects = {s["object"]["id"] for s in lrs_client.query_statements(verb="http://adlnet.gov/expapi/verbs/experienced")}
    assert objects == {"http://localhost/tests/before-the-portal-writes", "http://localhost/tests/after-the-portal-wrote"}


def test_an_uncommitted_write_is_rolled_back_and_releases_the_lock(app: Any, lrs_client: Any) -> None:
    _add_views(app)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    learner = signed_in(app, "learner@example.org")
    before = _name_of(app, "learner@example.org")
    assert learner.post("/_test/write-and-fail").status_code == 500
    assert _name_of(app, "learner@example.org") == before
    # The lock went with the failed request: the LRS and the portal write at once.
    lrs_client.store_statement(_statement("someone", "after-a-failure"))
    assert learner.post("/_test/rename-and-record").status_code == 200


# SQLite's database-wide write lock only (PostgreSQL locks rows): not run on PostgreSQL.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_request_session_locks_at_its_first_write_only(app: Any, backend: str) -> None:
    make_user(app, "learner@example.org")
    path = str(app.extensions["db_engine"].url.database)

    def locked_out() -> bool:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        finally:
            other.close()
        return False

    with app.test_request_context(method="POST"):
        session = db_session()
        user = session.scalars(select(User)).one()
        session.execute(text("SELECT count(*) FROM users"))
        assert not locked_out()  # reads hold no lock (and no snapshot that would need upgrading)
        user.name = "Changed"
        session.flush()
        assert locked_out()  # BEGIN IMMEDIATE came right before the UPDATE
        session.commit()
        assert not locked_out()
        with session.begin_nested():  # a SAVEPOINT (pins are made in one) takes the lock first
            session.connection()
            assert locked_out()
        session.rollback()
        session.scalars(select(User).with_for_update()).all()  # rows read to be changed: locked as on PostgreSQL
        assert locked_out()
        session.rollback()
    assert _name_of(app, "learner@example.org") == "Changed"


def _browser(base: str, email: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=60)
    answer = browser.post(
        f"{base}/login",
        data={"csrf_token": csrf_from(page.text), "email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser, csrf_from(browser.get(f"{base}/account", timeout=60).text)


def test_concurrent_posts_against_a_live_server_never_answer_500(app: Any, live_server: str, lrs_client: Any) -> None:
    add_course(app)
    emails = [f"learner{n}@example.org" for n in range(4)]
    for email in emails:
        make_user(app, email)
    browsers = [_browser(live_server, email) for email in emails]

    def work(n: int) -> list[int]:
        browser, token = browsers[n % len(browsers)]
        statuses = []
        for round_ in range(3):
            statuses.append(
                browser.post(
                    f"{live_server}/courses/trust-course/enroll",
                    data={"csrf_token": token},
                    allow_redirects=False,
                    timeout=60,
                ).status_code
            )
            statuses.append(
                browser.post(
                    f"{live_server}/account/profile",
                    data={"csrf_token": token, "profile-name": f"Name {n} {round_}", "profile-organization": ""},
                    allow_redirects=False,
                    timeout=60,
                ).status_code
            )
        return statuses

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = [status for statuses in pool.map(work, range(8)) for status in statuses]
    finally:
        for browser, _ in browsers:
            browser.close()
    assert len(results) == 48
    assert set(results) <= {302, 303}, results
    registered = list(lrs_client.query_statements(verb=VERB_REGISTERED))
    assert len(registered) == len(emails)  # each learner once, however many clicks

