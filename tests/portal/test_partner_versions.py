"""Admins move a course's in-progress learners to its newest version and delete versions nobody plays (issue 4)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.db import make_sessionmaker, transaction
from packages import versions
from packages.models import Course, CourseVersion, RegistrationVersion
from tests.portal.catalog_support import csrf_token, signed_in
from tests.portal.test_partner_upload import SINGLE_SCO, upload

PAGE = "/partner/courses/golf-basics"


def publish(client: Any, number: int) -> None:
    token = csrf_token(client, f"{PAGE}/versions/{number}")
    assert client.post(f"{PAGE}/versions/{number}/publish", data={"csrf_token": token}).status_code == 303


def launch(app: Any, *, completed: bool = False) -> str:
    """A learner's first launch pins a new registration to the newest published version; maybe they finish."""
    registration = str(uuid.uuid4())
    with transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        course = session.scalars(select(Course)).one()
        versions.version_for_registration(session, course, registration)
    if completed:  # the LRS's completion fact, after the pin is committed (ARCHITECTURE.md, "Unit of work")
        agent = {"objectType": "Agent", "account": {"homePage": "http://localhost", "name": registration}}
        app.extensions["lrs"].client.record_completion(
            agent=agent, course_iri=course.activity_iri, registration=registration
        )
    return registration


def pins(app: Any) -> dict[str, tuple[int, int]]:
    """registration -> (version number, attempt)."""
    with make_sessionmaker(app.extensions["db_engine"])() as session:
        every = session.scalars(select(RegistrationVersion))
        return {pin.registration: (pin.version.number, pin.attempt) for pin in every}


def version_prefixes(app: Any) -> dict[int, str]:
    with make_sessionmaker(app.extensions["db_engine"])() as session:
        return {v.number: v.storage_prefix for v in session.scalars(select(CourseVersion))}


def files(app: Any, prefix: str) -> list[str]:
    return list(app.extensions["package_storage"].iter(prefix))


def course_with_two_versions(app: Any, shared_fixtures: Path) -> tuple[Any, dict[str, str]]:
    """A partner's course: learners on version 1 (two in progress, one done), one on version 2."""
    partner = signed_in(app, "partner@acme.example", role="partner", partner_slug="acme")
    assert upload(partner, shared_fixtures / SINGLE_SCO, "golf-basics").status_code == 303
    publish(partner, 1)
    learners = {"first": launch(app), "second": launch(app), "done": launch(app, completed=True)}
    assert upload(partner, shared_fixtures / SINGLE_SCO, "golf-basics").status_code == 303
    publish(partner, 2)
    learners["newcomer"] = launch(app)
    return partner, learners


def test_partner_sees_who_plays_each_version_but_cannot_move_or_delete(app: Any, shared_fixtures: Path) -> None:
    partner, learners = course_with_two_versions(app, shared_fixtures)
    page = partner.get(PAGE).get_data(as_text=True)
    assert '<td data-label="In progress">2</td>' in page and '<td data-label="Completed">1</td>' in page
    assert '<td data-label="In progress">1</td>' in page and "Published" in page and "scorm12" in page
    assert "Move in-progress learners" not in page and "Delete version" not in page

    token = csrf_token(partner, PAGE)
    assert partner.post(f"{PAGE}/move-learners", data={"csrf_token": token, "to_version": "2"}).status_code == 403
    assert partner.post(f"{PAGE}/versions/1/delete", data={"csrf_token": token}).status_code == 403
    assert pins(app)[learners["first"]] == (1, 1) and set(version_prefixes(app)) == {1, 2}


def test_admin_moves_in_progress_learners_to_the_newest_version_as_a_new_attempt(
    app: Any, shared_fixtures: Path
) -> None:
    _, learners = course_with_two_versions(app, shared_fixtures)
    admin = signed_in(app, "admin@example.org", role="admin")
    page = admin.get(PAGE).get_data(as_text=True)
    assert "2 learners are in progress on an older version" in page
    assert ">Move in-progress learners to version 2</button>" in page

    assert admin.post(f"{PAGE}/move-learners", data={"to_version": "2"}).status_code == 400  # no CSRF token
    assert pins(app)[learners["first"]] == (1, 1)

    token = csrf_token(admin, PAGE)
    moved = admin.post(f"{PAGE}/move-learners", data={"csrf_token": token, "to_version": "2"}, follow_redirects=True)
    assert moved.status_code == 200
    text = moved.get_data(as_text=True)
    assert "Moved 2 in-progress learners to version 2. Each starts a new attempt there" in text
    assert "never fed to the new content" in text
    assert pins(app) == {
        learners["first"]: (2, 2),
        learners["second"]: (2, 2),
        learners["done"]: (1, 1),  # a finished registration keeps the version it completed
        learners["newcomer"]: (2, 1),
    }
    assert "Move in-progress learners" not in text  # nobody is left behind


def test_a_move_aimed_at_a_version_that_is_no_longer_the_newest_moves_nobody(app: Any, shared_fixtures: Path) -> None:
    _, learners = course_with_two_versions(app, shared_fixtures)
    admin = signed_in(app, "admin@example.org", role="admin")
    token = csrf_token(admin, PAGE)
    stale = admin.post(f"{PAGE}/move-learners", data={"csrf_token": token, "to_version": "1"})
    assert stale.status_code == 409
    assert "Version 2 is now the newest published version; nobody was moved." in stale.get_data(as_text=True)
    assert pins(app)[learners["first"]] == (1, 1)
    assert admin.post("/partner/courses/no-such-course/move-learners", data={"csrf_token": token}).status_code == 404


def test_admin_deletes_only_a_version_nobody_plays(app: Any, shared_fixtures: Path) -> None:
    _, learners = course_with_two_versions(app, shared_fixtures)
    admin = signed_in(app, "admin@example.org", role="admin")
    prefixes = version_prefixes(app)
    assert files(app, prefixes[1]) and files(app, prefixes[2])
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Delete version" not in page  # version 1 is in use, version 2 is the newest
    assert '<td data-label="Actions">In use' in page

    token = csrf_token(admin, PAGE)
    refused = admin.post(f"{PAGE}/versions/1/delete", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "Version 1 was not deleted: version 1 of &#39;golf-basics&#39; is in use" in refused.get_data(as_text=True)
    newest = admin.post(f"{PAGE}/versions/2/delete", data={"csrf_token": token})
    assert newest.status_code == 409 and "Version 2 was not deleted" in newest.get_data(as_text=True)
    assert admin.post(f"{PAGE}/versions/9/delete", data={"csrf_token": token}).status_code == 404
    assert set(version_prefixes(app)) == {1, 2} and files(app, prefixes[1])

    # The finished learner keeps version 1 in use; only once no registration holds it may it go.
    with transaction(make_sessionmaker(app.extensions["db_engine"])) as session:
        session.delete(session.get(RegistrationVersion, learners["done"]))
    admin.post(f"{PAGE}/move-learners", data={"csrf_token": token, "to_version": "2"})
    page = admin.get(PAGE).get_data(as_text=True)
    assert ">Delete version 1</button>" in page

    deleted = admin.post(f"{PAGE}/versions/1/delete", data={"csrf_token": token}, follow_redirects=True)
    assert deleted.status_code == 200 and "Version 1 and its files are deleted." in deleted.get_data(as_text=True)
    assert set(version_prefixes(app)) == {2}
    assert files(app, prefixes[1]) == [] and files(app, prefixes[2])


def test_a_deletion_whose_commit_fails_keeps_the_version_and_its_files(app: Any, shared_fixtures: Path) -> None:
    from sqlalchemy import event

    partner = signed_in(app, "partner@acme.example", role="partner", partner_slug="acme")
    for _ in range(2):
        assert upload(partner, shared_fixtures / SINGLE_SCO, "golf-basics").status_code == 303
    prefixes = version_prefixes(app)
    before = sorted(files(app, prefixes[1]))
    admin = signed_in(app, "admin@example.org", role="admin")
    token = csrf_token(admin, PAGE)

    def refuse(_session: Any) -> None:
        raise RuntimeError("the database went away at commit")

    factory = app.extensions["db_request_write"]
    event.listen(factory, "before_commit", refuse)
    try:
        failed = admin.post(f"{PAGE}/versions/1/delete", data={"csrf_token": token})
    finally:
        event.remove(factory, "before_commit", refuse)
    assert failed.status_code == 500  # the portal's error page; what matters is what is left
    assert set(version_prefixes(app)) == {1, 2} and sorted(files(app, prefixes[1])) == before


def test_the_page_counts_completion_facts_from_the_lrs_and_a_voided_one_is_in_progress_again(
    app: Any, shared_fixtures: Path
) -> None:
    _, learners = course_with_two_versions(app, shared_fixtures)
    admin = signed_in(app, "admin@example.org", role="admin")
    app.extensions["lrs"].client.void_completion(learners["done"], reason="recorded by mistake", by="admin@example.org")
    page = admin.get(PAGE).get_data(as_text=True)
    assert '<td data-label="In progress">3</td>' in page and '<td data-label="Completed">1</td>' not in page
    assert "3 learners are in progress on an older version" in page
    token = csrf_token(admin, PAGE)
    admin.post(f"{PAGE}/move-learners", data={"csrf_token": token, "to_version": "2"})
    assert pins(app)[learners["done"]] == (2, 2)
